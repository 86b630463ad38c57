/* Start-up configuration: a JSON file (strictly checked: unknown members are
 * errors, so a typo never silently falls back to a default) or the built-in
 * lab config of virtual devices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sched.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "dp_config.h"
#include "dp_addr.h"
#include "dp_num.h"

static const char *const role_names[DP_ROLE_MAX] = {
	[DP_ROLE_LAN] = "lan", [DP_ROLE_WAN] = "wan", [DP_ROLE_N3] = "n3",
	[DP_ROLE_N6] = "n6", [DP_ROLE_N9] = "n9",
};

const char *
dp_role_name(enum dp_port_role r)
{
	return r < DP_ROLE_MAX ? role_names[r] : "?";
}

int
dp_role_parse(const char *s, enum dp_port_role *r)
{
	for (int i = 0; i < DP_ROLE_MAX; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = i;
			return 0;
		}
	return -EINVAL;
}

/* The lab: two kernel-visible TAP ports cross-connected through the pipeline. */
static const char lab_config[] =
	"{\"eal\": [\"--no-huge\", \"-m\", \"512\", \"--no-pci\"],"
	" \"pipeline\": \"forward\","
	" \"ports\": ["
	"  {\"name\": \"p0\", \"devargs\": \"net_tap0,iface=sxlab0\", \"role\": \"lan\","
	"   \"mac\": \"02:53:58:00:00:01\", \"ipv4\": [\"192.0.2.1/24\"]},"
	"  {\"name\": \"p1\", \"devargs\": \"net_tap1,iface=sxlab1\", \"role\": \"lan\","
	"   \"mac\": \"02:53:58:00:00:02\", \"ipv4\": [\"198.51.100.1/24\"]}"
	" ]}";

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

static int
check_keys(json_t *o, const char *const *allowed, const char *where, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		FAIL("%s: must be an object", where);
	json_object_foreach(o, k, v) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (*a == NULL)
			FAIL("%s: unknown member \"%s\"", where, k);
	}
	return 0;
}

static int
get_str(json_t *o, const char *k, char *dst, size_t n, bool req, const char *where,
	char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	if (v == NULL) {
		if (req)
			FAIL("%s: \"%s\" is required", where, k);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= n)
		FAIL("%s.%s: must be a string shorter than %zu", where, k, n);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
get_uint(json_t *o, const char *k, uint64_t max, uint64_t *out, const char *where,
	 char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		FAIL("%s.%s: must be an integer 0..%llu", where, k, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
parse_port(json_t *p, unsigned int i, struct dp_cfg_port *cp, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"name", "devargs", "role", "mac", "ipv4", "ipv6", "rx_queues",
		"rxd", "txd", "mtu", "promisc", "admin", "rx_queue_subset", NULL,
	};
	char where[32], role[16] = "lan", mac[32] = "", admin[8] = "up";
	uint64_t v;
	json_t *a, *e;
	size_t k;
	int rc;

	snprintf(where, sizeof(where), "ports[%u]", i);
	if ((rc = check_keys(p, keys, where, err, errlen)) ||
	    (rc = get_str(p, "name", cp->name, sizeof(cp->name), true, where, err, errlen)) ||
	    (rc = get_str(p, "devargs", cp->devargs, sizeof(cp->devargs), true, where, err, errlen)) ||
	    (rc = get_str(p, "role", role, sizeof(role), false, where, err, errlen)) ||
	    (rc = get_str(p, "mac", mac, sizeof(mac), false, where, err, errlen)) ||
	    (rc = get_str(p, "admin", admin, sizeof(admin), false, where, err, errlen)))
		return rc;
	if (strcmp(admin, "up") && strcmp(admin, "down"))
		FAIL("%s.admin: must be \"up\" or \"down\"", where);
	cp->admin_down = strcmp(admin, "down") == 0;
	if (cp->name[0] == 0 || strspn(cp->name, "0123456789") == strlen(cp->name))
		FAIL("%s.name: must be non-empty and not all digits", where);
	if (dp_role_parse(role, &cp->role) < 0)
		FAIL("%s.role: \"%s\" is not one of lan, wan, n3, n6, n9", where, role);
	if (mac[0]) {
		if (dp_addr_mac(mac, cp->mac.addr_bytes) < 0)
			FAIL("%s.mac: \"%s\" is not a MAC address", where, mac);
		cp->has_mac = true;
	}
	cp->rxd = 1024;
	cp->txd = 1024;
	v = 0;
	if ((rc = get_uint(p, "rx_queues", 64, &v, where, err, errlen)))
		return rc;
	cp->rx_queues = v;
	v = cp->rxd;
	if ((rc = get_uint(p, "rxd", 16384, &v, where, err, errlen)))
		return rc;
	cp->rxd = v;
	v = cp->txd;
	if ((rc = get_uint(p, "txd", 16384, &v, where, err, errlen)))
		return rc;
	cp->txd = v;
	v = 0;
	if ((rc = get_uint(p, "mtu", 9600, &v, where, err, errlen)))
		return rc;
	if (v != 0 && v < 576)
		FAIL("%s.mtu: must be 576..9600 (or absent: the device's)", where);
	cp->mtu = v;
	if ((e = json_object_get(p, "rx_queue_subset")) != NULL) {
		if (!json_is_boolean(e))
			FAIL("%s.rx_queue_subset: must be a boolean", where);
		cp->rx_queue_subset = json_is_true(e);
	}
	cp->promisc = true;
	if ((e = json_object_get(p, "promisc")) != NULL) {
		if (!json_is_boolean(e))
			FAIL("%s.promisc: must be a boolean", where);
		cp->promisc = json_is_true(e);
	}
	if ((a = json_object_get(p, "ipv4")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > DP_CFG_ADDRS_MAX)
			FAIL("%s.ipv4: must be an array of at most %d prefixes", where, DP_CFG_ADDRS_MAX);
		json_array_foreach(a, k, e) {
			if (!json_is_string(e) || dp_addr_prefix(json_string_value(e), AF_INET, false,
			    &cp->ipv4[k].addr, &cp->ipv4[k].plen) < 0)
				FAIL("%s.ipv4[%zu]: must be \"a.b.c.d/len\"", where, k);
		}
		cp->n_ipv4 = json_array_size(a);
	}
	if ((a = json_object_get(p, "ipv6")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > DP_CFG_ADDRS_MAX)
			FAIL("%s.ipv6: must be an array of at most %d prefixes", where, DP_CFG_ADDRS_MAX);
		json_array_foreach(a, k, e) {
			if (!json_is_string(e) || dp_addr_prefix(json_string_value(e), AF_INET6, false,
			    cp->ipv6[k].addr, &cp->ipv6[k].plen) < 0)
				FAIL("%s.ipv6[%zu]: must be \"addr/len\"", where, k);
		}
		cp->n_ipv6 = json_array_size(a);
	}
	return 0;
}

/* An lcore: its id (it then runs on the CPU of the same number) or
 * {"lcore": id, "cpu": cpu}. Whether the CPU exists is checked at EAL start. */
static int
parse_lcore(json_t *e, const char *where, unsigned int *lcore, unsigned int *cpu, char *err, size_t errlen)
{
	static const char *const keys[] = { "lcore", "cpu", NULL };
	json_t *id = e, *c = NULL;
	int rc;

	if (json_is_object(e)) {
		if ((rc = check_keys(e, keys, where, err, errlen)))
			return rc;
		if ((id = json_object_get(e, "lcore")) == NULL)
			FAIL("%s: \"lcore\" is required", where);
		c = json_object_get(e, "cpu");
	}
	if (!json_is_integer(id) || json_integer_value(id) < 0)
		FAIL("%s: must be an lcore id (an integer >= 0) or {\"lcore\": id, \"cpu\": cpu}", where);
	if (json_integer_value(id) >= RTE_MAX_LCORE)
		FAIL("%s: no such lcore %" JSON_INTEGER_FORMAT ": lcore ids are 0..%d", where,
		     json_integer_value(id), RTE_MAX_LCORE - 1);
	*lcore = (unsigned int)json_integer_value(id);
	*cpu = *lcore;
	if (c != NULL) {
		if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) >= CPU_SETSIZE)
			FAIL("%s.cpu: must be a CPU number 0..%d", where, CPU_SETSIZE - 1);
		*cpu = (unsigned int)json_integer_value(c);
	}
	return 0;
}

/* "pipeline": a feature name for every port role, or {role: feature}. */
static int
parse_pipeline(json_t *v, struct dp_config *c, char *err, size_t errlen)
{
	enum dp_port_role r;
	const char *k;
	size_t off = 0;
	json_t *e;

	if (v == NULL)
		return 0;
	if (json_is_string(v)) {
		if (json_string_length(v) == 0 || json_string_length(v) >= sizeof(c->role_feature[0]))
			FAIL("config.pipeline: must be a feature name of 1..%zu characters",
			     sizeof(c->role_feature[0]) - 1);
		for (int i = 0; i < DP_ROLE_MAX; i++)
			snprintf(c->role_feature[i], sizeof(c->role_feature[i]), "%s", json_string_value(v));
		snprintf(c->pipeline, sizeof(c->pipeline), "%s", json_string_value(v));
		return 0;
	}
	if (!json_is_object(v) || json_object_size(v) == 0)
		FAIL("config.pipeline: must be a feature name or an object {\"role\": \"feature\", ...}");
	memset(c->role_feature, 0, sizeof(c->role_feature));
	c->pipeline[0] = 0;
	json_object_foreach(v, k, e) {
		if (dp_role_parse(k, &r) < 0)
			FAIL("config.pipeline.%s: not a port role (lan, wan, n3, n6, n9)", k);
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) >= sizeof(c->role_feature[r]))
			FAIL("config.pipeline.%s: must be a feature name", k);
		snprintf(c->role_feature[r], sizeof(c->role_feature[r]), "%s", json_string_value(e));
		off += snprintf(c->pipeline + off, off < sizeof(c->pipeline) ? sizeof(c->pipeline) - off : 0,
				"%s%s=%s", off ? "," : "", k, json_string_value(e));
	}
	return 0;
}

static int
parse_root(json_t *root, struct dp_config *c, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"eal", "lcores", "socket", "pipeline", "mbufs", "ports", NULL,
	};
	static const char *const lkeys[] = { "main", "workers", NULL };
	json_t *a, *e, *l;
	uint64_t v;
	size_t k;
	int rc;

	if ((rc = check_keys(root, keys, "config", err, errlen)) ||
	    (rc = get_str(root, "socket", c->socket, sizeof(c->socket), false, "config", err, errlen)) ||
	    (rc = parse_pipeline(json_object_get(root, "pipeline"), c, err, errlen)))
		return rc;
	v = 0;
	if ((rc = get_uint(root, "mbufs", 1u << 22, &v, "config", err, errlen)))
		return rc;
	c->mbufs = v;
	if ((a = json_object_get(root, "eal")) != NULL) {
		if (!json_is_array(a) || json_array_size(a) > DP_CFG_EAL_MAX)
			FAIL("config.eal: must be an array of at most %d strings", DP_CFG_EAL_MAX);
		json_array_foreach(a, k, e) {
			if (!json_is_string(e))
				FAIL("config.eal[%zu]: must be a string", k);
			c->eal[c->n_eal++] = strdup(json_string_value(e));
		}
	}
	if ((l = json_object_get(root, "lcores")) != NULL) {
		unsigned int lc, cpu;

		if ((rc = check_keys(l, lkeys, "config.lcores", err, errlen)))
			return rc;
		if ((e = json_object_get(l, "main")) != NULL) {
			if ((rc = parse_lcore(e, "config.lcores.main", &lc, &cpu, err, errlen)))
				return rc;
			c->main_lcore = (int)lc;
			c->main_cpu = (int)cpu;
		}
		if ((a = json_object_get(l, "workers")) != NULL) {
			if (!json_is_array(a) || json_array_size(a) > DP_WORKER_LCORES_MAX)
				FAIL("config.lcores.workers: must be an array of at most %d lcores",
				     DP_WORKER_LCORES_MAX);
			json_array_foreach(a, k, e) {
				char where[48];

				snprintf(where, sizeof(where), "config.lcores.workers[%zu]", k);
				if ((rc = parse_lcore(e, where, &lc, &cpu, err, errlen)))
					return rc;
				if ((int)lc == (c->main_lcore < 0 ? 0 : c->main_lcore))
					FAIL("%s: lcore %u is the main lcore; workers need lcores of their own "
					     "(they may share a CPU: {\"lcore\": N, \"cpu\": C})", where, lc);
				for (unsigned int j = 0; j < c->n_workers; j++)
					if (c->workers[j] == lc)
						FAIL("%s: lcore %u listed twice", where, lc);
				c->workers[c->n_workers] = lc;
				c->worker_cpu[c->n_workers++] = cpu;
			}
		}
	}
	for (size_t i = 0; i < c->n_eal; i++) {
		static const char *const owned[] = { "-l", "-c", "--lcores", "--main-lcore", "--master-lcore" };

		for (size_t j = 0; j < RTE_DIM(owned); j++)
			if (strncmp(c->eal[i], owned[j], strlen(owned[j])) == 0 &&
			    (c->eal[i][strlen(owned[j])] == 0 || c->eal[i][strlen(owned[j])] == '=' ||
			     owned[j][1] != '-'))
				FAIL("config.eal[%zu]: \"%s\" is set by sxdp from config.lcores; map lcores "
				     "to CPUs there, e.g. \"workers\": [{\"lcore\": 2, \"cpu\": 1}]", i, c->eal[i]);
	}
	a = json_object_get(root, "ports");
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > DP_PORTS_MAX)
		FAIL("config.ports: must be an array of 1..%d ports", DP_PORTS_MAX);
	json_array_foreach(a, k, e) {
		if ((rc = parse_port(e, k, &c->ports[k], err, errlen)))
			return rc;
		for (size_t j = 0; j < k; j++) {
			const char *d1 = c->ports[j].devargs, *d2 = c->ports[k].devargs;
			size_t n1 = strcspn(d1, ","), n2 = strcspn(d2, ",");

			if (strcmp(c->ports[j].name, c->ports[k].name) == 0)
				FAIL("ports[%zu].name: \"%s\" used twice", k, c->ports[k].name);
			/* a device is named by its devargs up to the first comma */
			if (n1 == n2 && strncmp(d1, d2, n1) == 0)
				FAIL("ports[%zu].devargs: device \"%.*s\" is already ports[%zu] (\"%s\"); "
				     "each port needs its own device", k, (int)n2, d2, j, c->ports[j].name);
		}
	}
	c->n_ports = json_array_size(a);
	for (unsigned int i = 0; i < c->n_ports; i++)
		if (c->role_feature[c->ports[i].role][0] == 0)
			FAIL("ports[%u].role: config.pipeline names no feature for role %s", i,
			     dp_role_name(c->ports[i].role));
	return 0;
}

int
dp_config_load(const char *path, struct dp_config *c, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(c, 0, sizeof(*c));
	c->main_lcore = -1;
	c->main_cpu = -1;
	snprintf(c->socket, sizeof(c->socket), "/run/sxdp/sxdp.sock");
	snprintf(c->pipeline, sizeof(c->pipeline), "forward");
	for (int i = 0; i < DP_ROLE_MAX; i++)
		snprintf(c->role_feature[i], sizeof(c->role_feature[i]), "forward");
	if (path) {
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		snprintf(c->source, sizeof(c->source), "%s", path);
	} else {
		root = json_loads(lab_config, 0, &jerr);
		snprintf(c->source, sizeof(c->source), "built-in lab config");
	}
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path ? path : "lab", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = parse_root(root, c, err, errlen);
	json_decref(root);
	if (rc)
		dp_config_free(c);
	return rc;
}

void
dp_config_free(struct dp_config *c)
{
	for (unsigned int i = 0; i < c->n_eal; i++)
		free(c->eal[i]);
	c->n_eal = 0;
}
