/* Start-up configuration: a JSON file (strictly checked: unknown members are
 * errors, so a typo never silently falls back to a default) or the built-in
 * lab config of virtual devices. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sched.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "dp_config.h"
#include "dp_addr.h"
#include "dp_schema.h"

static const char *const role_names[DP_ROLE_MAX + 1] = {
	[DP_ROLE_LAN] = "lan", [DP_ROLE_WAN] = "wan", [DP_ROLE_N3] = "n3",
	[DP_ROLE_N6] = "n6", [DP_ROLE_N9] = "n9",
};

const char *
dp_role_name(enum dp_port_role r)
{
	return r < DP_ROLE_MAX ? role_names[r] : "?";
}

static int
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

/* The loaded config's state_dir, for features (dp_config_state_dir): sxdp
 * loads one config, before any feature starts. */
static char state_dir[256] = DP_CFG_STATE_DIR;

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

/* The config's shape, declared as the RPC's params are (dp_schema.h) and
 * checked by the same code: unknown members, types, ranges, lengths,
 * enums and address formats are refused before anything is read, with a
 * message that names the place ("config.ports[0].mac: ..."). What the
 * shape cannot say (lcores that exist, one device per port, ...) is
 * checked below. */
static const char *const admin_names[] = { "up", "down", NULL };

enum { P_NAME, P_DEVARGS, P_ROLE, P_MAC, P_IPV4, P_IPV6, P_RXQ, P_RXD, P_TXD, P_MTU, P_PROMISC,
       P_ADMIN, P_SUBSET, P_SHARED, P_SOFTRSS, P_TXCSUM, P_N };
static const struct dp_schema_field port_decl = {
	.type = DP_SCHEMA_OBJECT, .desc = "a port, named and numbered in config order",
	.fields = (const struct dp_schema_field[]){
		[P_NAME] = { .name = "name", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
			     .min = 1, .max = 31, .desc = "not all digits (digits are an index)" },
		[P_DEVARGS] = { .name = "devargs", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
				.min = 1, .max = 511, .desc = "a PCI address or a vdev" },
		[P_ROLE] = { .name = "role", .type = DP_SCHEMA_ENUM, .names = role_names,
			     .flags = DP_SCHEMA_DEF, .def = DP_ROLE_LAN },
		[P_MAC] = { .name = "mac", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_MAC },
		[P_IPV4] = { .name = "ipv4", .type = DP_SCHEMA_ARRAY, .max = DP_CFG_ADDRS_MAX,
			     .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_STRING,
				     .format = DP_SCHEMA_FMT_IPV4_PREFIX } },
		[P_IPV6] = { .name = "ipv6", .type = DP_SCHEMA_ARRAY, .max = DP_CFG_ADDRS_MAX,
			     .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_STRING,
				     .format = DP_SCHEMA_FMT_IPV6_PREFIX } },
		[P_RXQ] = { .name = "rx_queues", .type = DP_SCHEMA_UINT, .max = 64,
			    .desc = "absent or 0: one per worker" },
		[P_RXD] = { .name = "rxd", .type = DP_SCHEMA_UINT, .max = 16384,
			    .flags = DP_SCHEMA_DEF, .def = 1024 },
		[P_TXD] = { .name = "txd", .type = DP_SCHEMA_UINT, .max = 16384,
			    .flags = DP_SCHEMA_DEF, .def = 1024 },
		[P_MTU] = { .name = "mtu", .type = DP_SCHEMA_UINT, .max = 9600,
			    .desc = "576..9600; absent or 0: the device's" },
		[P_PROMISC] = { .name = "promisc", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_DEF,
				.def = 1 },
		[P_ADMIN] = { .name = "admin", .type = DP_SCHEMA_ENUM, .names = admin_names,
			      .flags = DP_SCHEMA_DEF, .def = 0 },
		[P_SUBSET] = { .name = "rx_queue_subset", .type = DP_SCHEMA_BOOL },
		[P_SHARED] = { .name = "shared", .type = DP_SCHEMA_BOOL,
			       .desc = "AF_XDP only: the interface stays the kernel's too; sxdp gets "
				       "only the traffic its features claim (its own addresses)" },
		[P_SOFTRSS] = { .name = "soft_rss", .type = DP_SCHEMA_BOOL,
				.desc = "the worker that reads a queue hands each packet to the worker "
					"its flow hash names (GTP-U: its tunnel, TEID included), for "
					"NICs whose RSS cannot spread it" },
		[P_TXCSUM] = { .name = "tx_ip_cksum", .type = DP_SCHEMA_BOOL,
			       .desc = "the device fills in the IPv4 header checksum of the ESP packets "
				       "sealed for it, where it offers that; absent: on for a wan port. "
				       "Off keeps a NIC whose fastest TX path takes no offload on it" },
		[P_N] = { NULL } },
};

/* An lcore: its id (it then runs on the CPU of the same number) or
 * {"lcore": id, "cpu": cpu}. Whether the CPU exists is checked at EAL start. */
enum { L_LCORE, L_CPU };
static const struct dp_schema_field lcore_obj = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		[L_LCORE] = { .name = "lcore", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ },
		[L_CPU] = { .name = "cpu", .type = DP_SCHEMA_UINT, .max = CPU_SETSIZE - 1 },
		{ NULL } },
};
#define LCORE(n) { .name = n, .type = DP_SCHEMA_UINT, .alt = &lcore_obj, \
		   .desc = "an lcore id, or {\"lcore\": id, \"cpu\": cpu}" }
static const struct dp_schema_field lcore_decl = LCORE(NULL);

enum { R_EAL, R_LCORES, R_SOCKET, R_PIPELINE, R_MBUFS, R_BURST, R_IDLE_SLEEP, R_TABLE_SIZES, R_XDP_PROG, R_STATE_DIR,
       R_PORTS, R_N };
enum { LC_MAIN, LC_WORKERS };
static const struct dp_schema_field feature_name = {
	.type = DP_SCHEMA_STRING, .min = 1, .max = 31 };
static const struct dp_schema_field config_decl = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		[R_EAL] = { .name = "eal", .type = DP_SCHEMA_ARRAY, .max = DP_CFG_EAL_MAX,
			    .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_STRING } },
		[R_LCORES] = { .name = "lcores", .type = DP_SCHEMA_OBJECT,
			.fields = (const struct dp_schema_field[]){
				[LC_MAIN] = LCORE("main"),
				[LC_WORKERS] = { .name = "workers", .type = DP_SCHEMA_ARRAY,
						 .max = DP_WORKER_LCORES_MAX, .items = &lcore_decl },
				{ NULL } } },
		[R_SOCKET] = { .name = "socket", .type = DP_SCHEMA_STRING, .max = 255 },
		/* a feature for every role, or {role: feature} (roles checked below) */
		[R_PIPELINE] = { .name = "pipeline", .type = DP_SCHEMA_STRING, .min = 1, .max = 31,
				 .alt = &(const struct dp_schema_field){ .type = DP_SCHEMA_OBJECT,
					 .items = &feature_name } },
		[R_MBUFS] = { .name = "mbufs", .type = DP_SCHEMA_UINT, .max = 1u << 22 },
		[R_BURST] = { .name = "burst", .type = DP_SCHEMA_UINT, .min = 1, .max = DP_CFG_BURST_MAX,
			      .desc = "packets a worker reads from one RX queue per graph walk (default 64)" },
		[R_IDLE_SLEEP] = { .name = "idle_sleep_max_us", .type = DP_SCHEMA_UINT, .max = DP_CFG_IDLE_SLEEP_MAX,
				   .desc = "an idle worker sleeps, backing off up to this many microseconds "
					   "a walk (0, the default: it polls)" },
		/* {table: entries}: a table sized for this box (routes for 1,024 VRFs) */
		[R_TABLE_SIZES] = { .name = "table_sizes", .type = DP_SCHEMA_OBJECT,
				    .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_UINT,
					    .min = 1, .max = DP_CFG_TABLE_SIZE_MAX } },
		[R_XDP_PROG] = { .name = "xdp_prog", .type = DP_SCHEMA_STRING, .min = 1, .max = 255,
				 .desc = "the XDP program shared ports load (default: the build's)" },
		[R_STATE_DIR] = { .name = "state_dir", .type = DP_SCHEMA_STRING, .min = 1, .max = 200,
				  .desc = "an absolute directory for what features keep across restarts "
					  "(a file each, of its own name), made by the one that writes "
					  "there if missing; default " DP_CFG_STATE_DIR },
		[R_PORTS] = { .name = "ports", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ,
			      .min = 1, .max = DP_PORTS_MAX, .items = &port_decl },
		[R_N] = { NULL } },
};

static int
parse_port(const struct dp_schema_val *pv, unsigned int i, struct dp_cfg_port *cp, char *err,
	   size_t errlen)
{
	const struct dp_schema_val *v = pv->sub;

	snprintf(cp->name, sizeof(cp->name), "%s", v[P_NAME].s);
	snprintf(cp->devargs, sizeof(cp->devargs), "%s", v[P_DEVARGS].s);
	if (strspn(cp->name, "0123456789") == strlen(cp->name))
		FAIL("config.ports[%u].name: must not be all digits (digits name a port by index)", i);
	cp->role = (enum dp_port_role)v[P_ROLE].u;
	cp->admin_down = v[P_ADMIN].u == 1;
	/* the shape checked the text: these parse */
	if (v[P_MAC].set)
		cp->has_mac = dp_addr_mac(v[P_MAC].s, cp->mac.addr_bytes) == 0;
	for (size_t k = 0; k < v[P_IPV4].n; k++)
		dp_addr_prefix(v[P_IPV4].sub[k].s, AF_INET, false, &cp->ipv4[k].addr, &cp->ipv4[k].plen);
	cp->n_ipv4 = v[P_IPV4].n;
	for (size_t k = 0; k < v[P_IPV6].n; k++)
		dp_addr_prefix(v[P_IPV6].sub[k].s, AF_INET6, false, cp->ipv6[k].addr, &cp->ipv6[k].plen);
	cp->n_ipv6 = v[P_IPV6].n;
	cp->rx_queues = (uint16_t)v[P_RXQ].u;
	cp->rxd = (uint16_t)v[P_RXD].u;
	cp->txd = (uint16_t)v[P_TXD].u;
	if (v[P_MTU].u != 0 && v[P_MTU].u < 576)
		FAIL("config.ports[%u].mtu: must be 576..9600 (or absent: the device's)", i);
	cp->mtu = (uint16_t)v[P_MTU].u;
	cp->promisc = v[P_PROMISC].b;
	cp->rx_queue_subset = v[P_SUBSET].b;
	cp->shared = v[P_SHARED].b;
	cp->soft_rss = v[P_SOFTRSS].b;
	cp->tx_ip_cksum = v[P_TXCSUM].set ? v[P_TXCSUM].b : cp->role == DP_ROLE_WAN;
	/* the XDP program that decides what is sxdp's is loaded by net_af_xdp */
	if (cp->shared && strncmp(cp->devargs, "net_af_xdp", strlen("net_af_xdp")) != 0)
		FAIL("config.ports[%u].shared: only an AF_XDP port (net_af_xdp...) shares its "
		     "interface with the kernel", i);
	if (cp->shared && strstr(cp->devargs, ",xdp_prog=") != NULL)
		FAIL("config.ports[%u].devargs: a shared port loads sxdp's XDP program; drop "
		     "xdp_prog= (config.xdp_prog names another build of it)", i);
	return 0;
}

static int
parse_lcore(const struct dp_schema_val *v, const char *where, unsigned int *lcore, unsigned int *cpu,
	    char *err, size_t errlen)
{
	bool obj = v->decl == &lcore_obj;
	uint64_t id = obj ? v->sub[L_LCORE].u : v->u;

	if (id >= RTE_MAX_LCORE)
		FAIL("%s: no such lcore %" PRIu64 ": lcore ids are 0..%d", where, id, RTE_MAX_LCORE - 1);
	*lcore = (unsigned int)id;
	*cpu = obj && v->sub[L_CPU].set ? (unsigned int)v->sub[L_CPU].u : *lcore;
	return 0;
}

/* "pipeline": a feature name for every port role, or {role: feature}. */
static int
parse_pipeline(const struct dp_schema_val *v, struct dp_config *c, char *err, size_t errlen)
{
	enum dp_port_role r;
	size_t off = 0;

	if (!v->set)
		return 0;
	if (v->s != NULL) {
		for (int i = 0; i < DP_ROLE_MAX; i++)
			snprintf(c->role_feature[i], sizeof(c->role_feature[i]), "%s", v->s);
		snprintf(c->pipeline, sizeof(c->pipeline), "%s", v->s);
		return 0;
	}
	if (v->n == 0)
		FAIL("config.pipeline: must be a feature name or an object {\"role\": \"feature\", ...}");
	memset(c->role_feature, 0, sizeof(c->role_feature));
	c->pipeline[0] = 0;
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->sub[i].key, *f = v->sub[i].s;

		if (dp_role_parse(k, &r) < 0)
			FAIL("config.pipeline.%s: not a port role (lan, wan, n3, n6, n9)", k);
		snprintf(c->role_feature[r], sizeof(c->role_feature[r]), "%s", f);
		off += snprintf(c->pipeline + off, off < sizeof(c->pipeline) ? sizeof(c->pipeline) - off : 0,
				"%s%s=%s", off ? "," : "", k, f);
	}
	return 0;
}

static int
parse_values(const struct dp_schema_val *v, struct dp_config *c, char *err, size_t errlen)
{
	const struct dp_schema_val *l = v[R_LCORES].sub, *ports = &v[R_PORTS];
	int rc;

	if (v[R_SOCKET].set)
		snprintf(c->socket, sizeof(c->socket), "%s", v[R_SOCKET].s);
	if (v[R_XDP_PROG].set)
		snprintf(c->xdp_prog, sizeof(c->xdp_prog), "%s", v[R_XDP_PROG].s);
	if (v[R_STATE_DIR].set) {
		/* relative, it would move with sxdp's working directory (/ under
		 * systemd, anywhere by hand): a restart would lose its files */
		if (v[R_STATE_DIR].s[0] != '/')
			FAIL("config.state_dir: \"%s\" must be an absolute path", v[R_STATE_DIR].s);
		snprintf(c->state_dir, sizeof(c->state_dir), "%s", v[R_STATE_DIR].s);
	}
	if ((rc = parse_pipeline(&v[R_PIPELINE], c, err, errlen)))
		return rc;
	c->mbufs = (uint32_t)v[R_MBUFS].u;
	c->burst = v[R_BURST].set ? (uint16_t)v[R_BURST].u : DP_CFG_BURST;
	c->idle_sleep_max_us = (uint32_t)v[R_IDLE_SLEEP].u;
	for (size_t k = 0; k < v[R_TABLE_SIZES].n; k++) {
		if (c->n_table_sizes == DP_CFG_TABLE_SIZES_MAX)
			return snprintf(err, errlen, "config.table_sizes: at most %d tables",
					DP_CFG_TABLE_SIZES_MAX), -E2BIG;
		snprintf(c->table_sizes[c->n_table_sizes].name, sizeof(c->table_sizes[0].name), "%s",
			 v[R_TABLE_SIZES].sub[k].key);
		c->table_sizes[c->n_table_sizes++].size = (uint32_t)v[R_TABLE_SIZES].sub[k].u;
	}
	for (size_t k = 0; k < v[R_EAL].n; k++)
		c->eal[c->n_eal++] = strdup(v[R_EAL].sub[k].s);
	if (v[R_LCORES].set && l[LC_MAIN].set) {
		unsigned int lc, cpu;

		if ((rc = parse_lcore(&l[LC_MAIN], "config.lcores.main", &lc, &cpu, err, errlen)))
			return rc;
		c->main_lcore = (int)lc;
		c->main_cpu = (int)cpu;
	}
	for (size_t k = 0; v[R_LCORES].set && k < l[LC_WORKERS].n; k++) {
		unsigned int lc, cpu;
		char where[48];

		snprintf(where, sizeof(where), "config.lcores.workers[%zu]", k);
		if ((rc = parse_lcore(&l[LC_WORKERS].sub[k], where, &lc, &cpu, err, errlen)))
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
	for (size_t i = 0; i < c->n_eal; i++) {
		static const char *const owned[] = { "-l", "-c", "--lcores", "--main-lcore", "--master-lcore" };

		for (size_t j = 0; j < RTE_DIM(owned); j++)
			if (strncmp(c->eal[i], owned[j], strlen(owned[j])) == 0 &&
			    (c->eal[i][strlen(owned[j])] == 0 || c->eal[i][strlen(owned[j])] == '=' ||
			     owned[j][1] != '-'))
				FAIL("config.eal[%zu]: \"%s\" is set by sxdp from config.lcores; map lcores "
				     "to CPUs there, e.g. \"workers\": [{\"lcore\": 2, \"cpu\": 1}]", i, c->eal[i]);
	}
	for (size_t k = 0; k < ports->n; k++) {
		if ((rc = parse_port(&ports->sub[k], (unsigned int)k, &c->ports[k], err, errlen)))
			return rc;
		for (size_t j = 0; j < k; j++) {
			const char *d1 = c->ports[j].devargs, *d2 = c->ports[k].devargs;
			size_t n1 = strcspn(d1, ","), n2 = strcspn(d2, ",");

			if (strcmp(c->ports[j].name, c->ports[k].name) == 0)
				FAIL("config.ports[%zu].name: \"%s\" used twice", k, c->ports[k].name);
			/* a device is named by its devargs up to the first comma */
			if (n1 == n2 && strncmp(d1, d2, n1) == 0)
				FAIL("config.ports[%zu].devargs: device \"%.*s\" is already ports[%zu] (\"%s\"); "
				     "each port needs its own device", k, (int)n2, d2, j, c->ports[j].name);
		}
	}
	c->n_ports = (unsigned int)ports->n;
	for (unsigned int i = 0; i < c->n_ports; i++)
		if (c->role_feature[c->ports[i].role][0] == 0)
			FAIL("config.ports[%u].role: config.pipeline names no feature for role %s", i,
			     dp_role_name(c->ports[i].role));
	return 0;
}

static int
parse_root(json_t *root, struct dp_config *c, char *err, size_t errlen)
{
	struct dp_schema_val *cv;
	struct dp_rpc_err e;
	int rc;

	if (dp_schema_check(&config_decl, root, "", "config", &cv, &e) < 0)
		FAIL("%s", e.message);
	rc = parse_values(cv->sub, c, err, errlen);
	dp_schema_val_free(cv);
	return rc;
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
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", DP_CFG_STATE_DIR);
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
	else
		snprintf(state_dir, sizeof(state_dir), "%s", c->state_dir);
	return rc;
}

const char *
dp_config_state_dir(void)
{
	return state_dir;
}

void
dp_config_free(struct dp_config *c)
{
	for (unsigned int i = 0; i < c->n_eal; i++)
		free(c->eal[i]);
	c->n_eal = 0;
}
