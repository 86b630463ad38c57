/* AF_XDP shared-NIC mode, sxdp's side (dp_xdp.h): which program a shared
 * port loads, finding its maps once the port started, the features' claims
 * and the rules they put in every shared port's maps, the verdict counters
 * and the control method xdp.steer that shows them.
 *
 * net_af_xdp (DPDK 22.11) loads a custom program with plain libbpf and
 * attaches it alone (no libxdp dispatcher), keeping the bpf_object to
 * itself; pinning its maps would share them by name between every sxdp on
 * the machine. So sxdp finds them from the interface: its XDP program's id,
 * that program's map ids, the maps by name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <rte_common.h>

#include "dp_xdp.h"
#include "dp_apidef.h"
#include "dp_config.h"
#include "dp_log.h"
#include "dp_rpc.h"

/* Where meson put the program (the build tree) and where it installs it. */
#ifndef SXDP_XDP_PROG_BUILD
#define SXDP_XDP_PROG_BUILD ""
#endif
#ifndef SXDP_XDP_PROG_INSTALLED
#define SXDP_XDP_PROG_INSTALLED ""
#endif

#define CLAIMS_MAX DP_XDP_RULES_MAX
#define OWNER_LEN 24

struct claim {
	struct dp_xdp_key key;
	char owner[OWNER_LEN];
};

struct xport {
	bool bound;
	char name[32];
	char iface[IF_NAMESIZE];
	uint32_t prog_id;
	const char *mode;            /* how the kernel runs the program */
	int rules_fd, cnt_fd;
};

static struct claim claims[CLAIMS_MAX];
static unsigned int n_claims;
static struct xport xports[DP_PORTS_MAX];
static bool active;                  /* a port is shared: claims matter */
static char prog_path[PATH_MAX];
static int n_cpus;                   /* per-CPU map values come in this many */

bool
dp_xdp_active(void)
{
	return active;
}

static bool
readable(const char *p)
{
	return p[0] != 0 && access(p, R_OK) == 0;
}

int
dp_xdp_setup(const struct dp_config *c, char *err, size_t errlen)
{
	static const char *const found[] = { SXDP_XDP_PROG_BUILD, SXDP_XDP_PROG_INSTALLED };
	const char *shared = NULL;

	for (unsigned int i = 0; i < c->n_ports && shared == NULL; i++)
		if (c->ports[i].shared)
			shared = c->ports[i].name;
	if (shared == NULL)
		return 0;
	prog_path[0] = 0;
	if (c->xdp_prog[0] != 0) {
		if (!readable(c->xdp_prog)) {
			int e = errno;

			return snprintf(err, errlen, "config.xdp_prog: %s: %s", c->xdp_prog,
					strerror(e)), -e;
		}
		snprintf(prog_path, sizeof(prog_path), "%s", c->xdp_prog);
	}
	for (unsigned int i = 0; i < RTE_DIM(found) && prog_path[0] == 0; i++)
		if (readable(found[i]))
			snprintf(prog_path, sizeof(prog_path), "%s", found[i]);
	if (prog_path[0] == 0)
		return snprintf(err, errlen, "port %s is shared and needs sxdp's XDP program "
				"(dp_xdp.bpf.o), which is neither at %s (build tree) nor at %s "
				"(installed): build it (ninja) or name it in config.xdp_prog", shared,
				SXDP_XDP_PROG_BUILD, SXDP_XDP_PROG_INSTALLED), -ENOENT;
	/* devargs are split at commas: a path with one would be cut short */
	if (strchr(prog_path, ',') != NULL)
		return snprintf(err, errlen, "XDP program %s: a path with a comma cannot go in "
				"devargs; move it (config.xdp_prog)", prog_path), -EINVAL;
	if ((n_cpus = libbpf_num_possible_cpus()) <= 0)
		return snprintf(err, errlen, "XDP: cannot count the possible CPUs: %s",
				strerror(-n_cpus)), n_cpus < 0 ? n_cpus : -EINVAL;
	active = true;
	return 0;
}

int
dp_xdp_devargs(const struct dp_cfg_port *p, char *out, size_t n)
{
	int len = p->shared ? snprintf(out, n, "%s,xdp_prog=%s", p->devargs, prog_path) :
			      snprintf(out, n, "%s", p->devargs);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int
dp_xdp_key_make(int family, const void *addr, uint8_t proto, uint16_t port, struct dp_xdp_key *k)
{
	bool ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;

	if ((family != AF_INET && family != AF_INET6) || addr == NULL || (ports != (port != 0)))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->family = family == AF_INET ? 4 : 6;
	k->proto = proto;
	k->port = htons(port);
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	return 0;
}

static const char *
proto_name(const struct dp_xdp_key *k, char *buf, size_t n)
{
	switch (k->proto) {
	case DP_XDP_RESOLVE: return k->family == 4 ? "arp" : "nd";
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	}
	snprintf(buf, n, "%u", k->proto);
	return buf;
}

/* "192.0.2.1 udp/4789" for log lines */
static const char *
key_text(const struct dp_xdp_key *k, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN], p[8];

	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr, a, sizeof(a));
	if (k->port)
		snprintf(buf, n, "%s %s/%u", a, proto_name(k, p, sizeof(p)), ntohs(k->port));
	else
		snprintf(buf, n, "%s %s", a, proto_name(k, p, sizeof(p)));
	return buf;
}

static int
claim_find(const char *owner, const struct dp_xdp_key *k)
{
	for (unsigned int i = 0; i < n_claims; i++)
		if (memcmp(&claims[i].key, k, sizeof(*k)) == 0 && strcmp(claims[i].owner, owner) == 0)
			return (int)i;
	return -1;
}

static bool
rule_claimed(const struct dp_xdp_key *k)
{
	for (unsigned int i = 0; i < n_claims; i++)
		if (memcmp(&claims[i].key, k, sizeof(*k)) == 0)
			return true;
	return false;
}

/* A rule into one port's map, with zero packets on every CPU. A rule that
 * is there already (bind after a claim) stays as it is. */
static int
rule_insert(const struct xport *x, const struct dp_xdp_key *k)
{
	uint64_t zero[n_cpus];

	memset(zero, 0, sizeof(zero));
	if (bpf_map_update_elem(x->rules_fd, k, zero, BPF_NOEXIST) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

static int
rule_delete(const struct xport *x, const struct dp_xdp_key *k)
{
	return bpf_map_delete_elem(x->rules_fd, k) == 0 || errno == ENOENT ? 0 : -errno;
}

static int
owner_check(const char *owner)
{
	return owner == NULL || owner[0] == 0 || strlen(owner) >= OWNER_LEN ? -EINVAL : 0;
}

int
dp_xdp_steer_add(const char *owner, int family, const void *addr, uint8_t proto, uint16_t port)
{
	struct dp_xdp_key k;
	char t[80];
	int rc;

	if (owner_check(owner) < 0 || dp_xdp_key_make(family, addr, proto, port, &k) < 0)
		return -EINVAL;
	if (!active || claim_find(owner, &k) >= 0)
		return 0;
	if (n_claims == CLAIMS_MAX) {
		DP_LOG(ERR, "xdp: %s cannot claim %s: all %u claims taken", owner,
		       key_text(&k, t, sizeof(t)), CLAIMS_MAX);
		return -ENOSPC;
	}
	if (!rule_claimed(&k)) {
		for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
			if (!xports[p].bound || (rc = rule_insert(&xports[p], &k)) == 0)
				continue;
			DP_LOG(ERR, "xdp: port %s: steering %s to sxdp (for %s): %s", xports[p].name,
			       key_text(&k, t, sizeof(t)), owner, strerror(-rc));
			while (p-- > 0)
				if (xports[p].bound)
					rule_delete(&xports[p], &k);
			return rc;
		}
	}
	claims[n_claims].key = k;
	snprintf(claims[n_claims++].owner, OWNER_LEN, "%s", owner);
	return 0;
}

int
dp_xdp_steer_del(const char *owner, int family, const void *addr, uint8_t proto, uint16_t port)
{
	struct dp_xdp_key k;
	char t[80];
	int i, rc, ret = 0;

	if (owner_check(owner) < 0 || dp_xdp_key_make(family, addr, proto, port, &k) < 0)
		return -EINVAL;
	if (!active || (i = claim_find(owner, &k)) < 0)
		return 0;
	claims[i] = claims[--n_claims];
	if (rule_claimed(&k))
		return 0;
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
		if (!xports[p].bound || (rc = rule_delete(&xports[p], &k)) == 0)
			continue;
		/* the rule stays in that map: its traffic keeps coming to sxdp */
		DP_LOG(ERR, "xdp: port %s: %s still steered to sxdp: %s", xports[p].name,
		       key_text(&k, t, sizeof(t)), strerror(-rc));
		ret = rc;
	}
	return ret;
}

void
dp_xdp_steer_set(const char *owner, int family, const void *addr, const struct dp_xdp_claim *c,
		 unsigned int n, bool on)
{
	for (unsigned int i = 0; i < n; i++)
		if (on)
			dp_xdp_steer_add(owner, family, addr, c[i].proto, c[i].port);
		else
			dp_xdp_steer_del(owner, family, addr, c[i].proto, c[i].port);
}

int
dp_xdp_port_bind(unsigned int port, const char *name, int rules_fd, int cnt_fd)
{
	struct xport *x;
	char t[80];
	int rc;

	if (port >= DP_PORTS_MAX || xports[port].bound || rules_fd < 0 || cnt_fd < 0)
		return -EINVAL;
	if (n_cpus <= 0 && (n_cpus = libbpf_num_possible_cpus()) <= 0)
		return n_cpus < 0 ? n_cpus : -EINVAL;
	x = &xports[port];
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->rules_fd = rules_fd;
	x->cnt_fd = cnt_fd;
	for (unsigned int i = 0; i < n_claims; i++) {
		if ((rc = rule_insert(x, &claims[i].key)) < 0) {
			DP_LOG(ERR, "xdp: port %s: steering %s to sxdp (for %s): %s", name,
			       key_text(&claims[i].key, t, sizeof(t)), claims[i].owner, strerror(-rc));
			return rc;
		}
	}
	x->bound = true;
	active = true;
	return 0;
}

static const char *
mode_name(uint8_t m)
{
	switch (m) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	}
	return "none";
}

int
dp_xdp_iface_free(const char *port, unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char iface[IF_NAMESIZE] = "?", name[BPF_OBJ_NAME_LEN] = "?";
	struct bpf_prog_info pi = { 0 };
	uint32_t len = sizeof(pi);
	int fd;

	if (bpf_xdp_query((int)ifindex, 0, &q) < 0 || q.prog_id == 0)
		return 0;
	if_indextoname(ifindex, iface);
	if ((fd = bpf_prog_get_fd_by_id(q.prog_id)) >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0)
			snprintf(name, sizeof(name), "%s", pi.name);
		close(fd);
	}
	DP_LOG(ERR, "port %s: %s already runs XDP program '%s' (id %u): another AF_XDP user, or an "
	       "sxdp that did not stop cleanly; a shared port loads its own (remove that one with "
	       "`ip link set dev %s %s off` if nothing uses it)", port, iface, name, q.prog_id, iface,
	       q.attach_mode == XDP_ATTACHED_SKB ? "xdpgeneric" : "xdp");
	return -EBUSY;
}

/* The map of prog_fd's program called name, checked against the ABI. */
static int
map_of(const char *port, const uint32_t *ids, uint32_t n, const char *name, uint32_t type,
       uint32_t key_size)
{
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t len = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &len) == 0 && strcmp(mi.name, name) == 0) {
			if (mi.type == type && mi.key_size == key_size && mi.value_size == sizeof(uint64_t))
				return fd;
			DP_LOG(ERR, "port %s: XDP map %s has type %u, key %u and value %u bytes, not "
			       "what this sxdp writes (%u, %u, 8): an XDP program of another sxdp version?",
			       port, name, mi.type, mi.key_size, mi.value_size, type, key_size);
			close(fd);
			return -EPROTO;
		}
		close(fd);
	}
	DP_LOG(ERR, "port %s: the XDP program has no map %s", port, name);
	return -ENOENT;
}

int
dp_xdp_port_start(unsigned int port, const char *name, unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info pi = { 0 };
	uint32_t ids[16], len = sizeof(pi);
	int pfd, rules = -1, cnt = -1, rc;
	char iface[IF_NAMESIZE] = "?";

	if_indextoname(ifindex, iface);
	if ((rc = bpf_xdp_query((int)ifindex, 0, &q)) < 0 || q.prog_id == 0) {
		DP_LOG(ERR, "port %s: no XDP program on %s after start (%s): net_af_xdp did not load %s",
		       name, iface, rc < 0 ? strerror(-rc) : "none attached", prog_path);
		return rc < 0 ? rc : -ENOENT;
	}
	if ((pfd = bpf_prog_get_fd_by_id(q.prog_id)) < 0) {
		DP_LOG(ERR, "port %s: XDP program %u on %s: %s", name, q.prog_id, iface, strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0 || strcmp(pi.name, DP_XDP_PROG_NAME) != 0) {
		DP_LOG(ERR, "port %s: %s runs XDP program '%s' (id %u), not sxdp's %s", name, iface,
		       pi.name, q.prog_id, DP_XDP_PROG_NAME);
		close(pfd);
		return -EPROTO;
	}
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = RTE_DIM(ids);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	len = sizeof(pi);
	rc = bpf_obj_get_info_by_fd(pfd, &pi, &len) < 0 ? -errno : 0;
	close(pfd);
	if (rc == 0) {
		uint32_t n = RTE_MIN(pi.nr_map_ids, (uint32_t)RTE_DIM(ids));

		rules = map_of(name, ids, n, DP_XDP_MAP_RULES, BPF_MAP_TYPE_PERCPU_HASH,
			       sizeof(struct dp_xdp_key));
		cnt = map_of(name, ids, n, DP_XDP_MAP_CNT, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t));
		rc = rules < 0 ? rules : cnt < 0 ? cnt : 0;
	}
	if (rc == 0)
		rc = dp_xdp_port_bind(port, name, rules, cnt);
	if (rc < 0) {
		if (rules >= 0)
			close(rules);
		if (cnt >= 0)
			close(cnt);
		return rc;
	}
	snprintf(xports[port].iface, sizeof(xports[port].iface), "%s", iface);
	xports[port].prog_id = q.prog_id;
	xports[port].mode = mode_name(q.attach_mode);
	DP_LOG(INFO, "port %s: shared with the kernel: XDP program %s (id %u, %s mode) on %s sends "
	       "sxdp only what features claim (%u rules now), the rest to the kernel", name,
	       DP_XDP_PROG_NAME, q.prog_id, xports[port].mode, iface, n_claims);
	return 0;
}

void
dp_xdp_fini(void)
{
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
		if (!xports[p].bound)
			continue;
		close(xports[p].rules_fd);
		close(xports[p].cnt_fd);
		xports[p].bound = false;
	}
	n_claims = 0;
	active = false;
}

int
dp_xdp_counts(unsigned int port, struct dp_xdp_counts *c)
{
	uint64_t v[DP_XDP_CNT_N] = { 0 }, cpu[n_cpus > 0 ? n_cpus : 1];

	if (port >= DP_PORTS_MAX || !xports[port].bound)
		return -ENOENT;
	for (uint32_t i = 0; i < DP_XDP_CNT_N; i++) {
		if (bpf_map_lookup_elem(xports[port].cnt_fd, &i, cpu) < 0)
			return -errno;
		for (int k = 0; k < n_cpus; k++)
			v[i] += cpu[k];
	}
	c->steered = v[DP_XDP_CNT_STEERED];
	c->passed = v[DP_XDP_CNT_PASSED];
	c->no_socket = v[DP_XDP_CNT_NO_SOCKET];
	return 0;
}

/* Packets a rule steered, over every shared port and CPU. */
static uint64_t
rule_packets(const struct dp_xdp_key *k)
{
	uint64_t sum = 0, cpu[n_cpus > 0 ? n_cpus : 1];

	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (xports[p].bound && bpf_map_lookup_elem(xports[p].rules_fd, k, cpu) == 0)
			for (int c = 0; c < n_cpus; c++)
				sum += cpu[c];
	return sum;
}

static json_t *
rules_json(void)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < n_claims; i++) {
		const struct dp_xdp_key *k = &claims[i].key;
		char addr[INET6_ADDRSTRLEN], p[8];
		json_t *owners = json_array();
		bool first = true;

		/* one row per rule, with every owner that claims it */
		for (unsigned int j = 0; j < n_claims && first; j++)
			if (memcmp(&claims[j].key, k, sizeof(*k)) == 0)
				first = j == i;
		if (!first) {
			json_decref(owners);
			continue;
		}
		for (unsigned int j = i; j < n_claims; j++)
			if (memcmp(&claims[j].key, k, sizeof(*k)) == 0)
				json_array_append_new(owners, json_string(claims[j].owner));
		inet_ntop(k->family == 4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr));
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:o,s:I}", "addr", addr,
			"proto", proto_name(k, p, sizeof(p)), "port", ntohs(k->port), "owners", owners,
			"packets", (json_int_t)rule_packets(k)));
	}
	return a;
}

static int
m_steer(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *ports = json_array();

	for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
		struct dp_xdp_counts c;
		int rc;

		if (!xports[p].bound)
			continue;
		if ((rc = dp_xdp_counts(p, &c)) < 0) {
			json_decref(ports);
			return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "xdp_map", "",
					      "port %s: reading its XDP counters: %s", xports[p].name,
					      strerror(-rc));
		}
		json_array_append_new(ports, json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:I}",
			"port", xports[p].name, "iface", xports[p].iface,
			"prog_id", (json_int_t)xports[p].prog_id, "mode", xports[p].mode ? xports[p].mode : "?",
			"steered", (json_int_t)c.steered, "passed", (json_int_t)c.passed,
			"no_socket", (json_int_t)c.no_socket));
	}
	*result = json_pack("{s:o,s:o}", "ports", ports, "rules", rules_json());
	return 0;
}

int
dp_xdp_register(void)
{
	return dp_rpc_register(&dp_apidef_xdp_steer, m_steer, NULL, NULL);
}
