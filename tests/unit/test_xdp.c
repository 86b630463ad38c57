/* AF_XDP shared-NIC mode (dataplane/xdp/dp_xdp.c and its XDP program
 * dp_xdp.bpf.c): the program meson built is loaded here and run on crafted
 * frames with BPF_PROG_TEST_RUN, its maps bound to dp_xdp as a shared
 * port's would be. Claims must become rules the program matches (VXLAN,
 * GENEVE, probes, ICMP and ARP of a VTEP; IPv6 and ND), and nothing else
 * may match (the host's SSH, its ARP, other ports, later fragments,
 * truncated headers); claims are per owner and idempotent; bad claims and
 * configs are refused. No socket is in the program's XSKMAP here, so a
 * matched frame goes to the kernel and counts as no_socket: the e2e test
 * (tests/e2e/xdp_shared.sh) sees them steered. Needs root to load a BPF
 * program: exit 77 (skipped) without. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_config.h"
#include "dp_xdp.h"

int dp_logtype;

static const char *prog_path;
static struct bpf_object *obj;
static int prog_fd, rules_fd, cnt_fd;
static int n_cpus;

static const uint8_t vtep[4] = { 192, 0, 2, 1 }, host[4] = { 192, 0, 2, 10 };
static const uint8_t vtep6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* ---------------------------------------------------------------- frames */

static size_t
eth(uint8_t *p, uint16_t type, uint16_t vlan)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	size_t n = 12;

	memcpy(p, macs, 12);
	if (vlan) {
		p[n++] = 0x81, p[n++] = 0x00;
		p[n++] = (uint8_t)(vlan >> 8), p[n++] = (uint8_t)vlan;
	}
	p[n++] = (uint8_t)(type >> 8), p[n++] = (uint8_t)type;
	return n;
}

/* IPv4 to dst with opt 4-byte words of options, frag the flags+offset
 * field, then 20 bytes of L4 whose first 4 are sport and dport. */
static size_t
ip4(uint8_t *p, uint16_t vlan, const uint8_t *dst, uint8_t proto, uint16_t dport, uint16_t frag,
    unsigned int opt)
{
	size_t n = eth(p, 0x0800, vlan), ihl = 20 + 4 * opt;
	uint8_t *ip = p + n;

	memset(ip, 0, ihl + 20);
	ip[0] = (uint8_t)(0x40 | (ihl / 4));
	ip[2] = (uint8_t)((ihl + 20) >> 8), ip[3] = (uint8_t)(ihl + 20);
	ip[6] = (uint8_t)(frag >> 8), ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, host, 4);
	memcpy(ip + 16, dst, 4);
	ip[ihl] = 0xc0, ip[ihl + 1] = 0x01;                 /* source port 49153 */
	ip[ihl + 2] = (uint8_t)(dport >> 8), ip[ihl + 3] = (uint8_t)dport;
	return n + ihl + 20;
}

static size_t
arp(uint8_t *p, const uint8_t *target, uint16_t op)
{
	size_t n = eth(p, 0x0806, 0);
	uint8_t *a = p + n;

	memset(a, 0, 28);
	a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = (uint8_t)op;
	memcpy(a + 14, host, 4);
	memcpy(a + 24, target, 4);
	return n + 28;
}

/* IPv6 to dst; for ICMPv6 l4[0] is type and, for ND, target at l4 + 8 */
static size_t
ip6(uint8_t *p, const uint8_t *dst, uint8_t nh, uint16_t dport, uint8_t icmp_type,
    const uint8_t *target)
{
	size_t n = eth(p, 0x86dd, 0);
	uint8_t *ip = p + n, *l4 = ip + 40;

	memset(ip, 0, 40 + 24);
	ip[0] = 0x60;
	ip[5] = 24;
	ip[6] = nh;
	ip[7] = 255;
	memcpy(ip + 24, dst, 16);
	if (nh == IPPROTO_ICMPV6) {
		l4[0] = icmp_type;
		if (target)
			memcpy(l4 + 8, target, 16);
	} else {
		l4[2] = (uint8_t)(dport >> 8), l4[3] = (uint8_t)dport;
	}
	return n + 40 + 24;
}

/* -------------------------------------------------------------- running */

/* The program's verdict on a frame (XDP_PASS throughout here: a matched
 * frame finds no socket in the XSKMAP and falls back to the kernel). */
static int
run(const uint8_t *frame, size_t n)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)n, .repeat = 1);

	ck_assert_int_eq(bpf_prog_test_run_opts(prog_fd, &o), 0);
	return (int)o.retval;
}

static uint64_t
rule_hits(int family, const void *addr, uint8_t proto, uint16_t port)
{
	struct dp_xdp_key k;
	uint64_t v[n_cpus], sum = 0;

	ck_assert_int_eq(dp_xdp_key_make(family, addr, proto, port, &k), 0);
	if (bpf_map_lookup_elem(rules_fd, &k, v) < 0)
		return UINT64_MAX;   /* no such rule */
	for (int c = 0; c < n_cpus; c++)
		sum += v[c];
	return sum;
}

static struct dp_xdp_counts
counts(void)
{
	struct dp_xdp_counts c;

	ck_assert_int_eq(dp_xdp_counts(0, &c), 0);
	return c;
}

static const struct { uint8_t proto; uint16_t port; } vtep_traffic[] = {
	{ IPPROTO_UDP, 4789 }, { IPPROTO_UDP, 6081 }, { IPPROTO_UDP, 3785 },
	{ IPPROTO_ICMP, 0 }, { DP_XDP_RESOLVE, 0 },
};

static void
claim_vtep(const char *owner)
{
	for (unsigned int i = 0; i < sizeof(vtep_traffic) / sizeof(vtep_traffic[0]); i++)
		ck_assert_int_eq(dp_xdp_steer_add(owner, AF_INET, vtep, vtep_traffic[i].proto,
						  vtep_traffic[i].port), 0);
}

/* A config with one shared AF_XDP port loading the program under test. */
static struct dp_config cfg;

static void
config_shared(const char *xdp_prog)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_ports = 1;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "wan");
	snprintf(cfg.ports[0].devargs, sizeof(cfg.ports[0].devargs), "net_af_xdp0,iface=x0");
	cfg.ports[0].shared = true;
	snprintf(cfg.xdp_prog, sizeof(cfg.xdp_prog), "%s", xdp_prog);
}

/* Each test (a child process) loads the program and binds its maps to
 * port 0, as a shared port's start does. */
static void
setup(void)
{
	struct bpf_program *p;
	char err[256];

	config_shared(prog_path);
	ck_assert_int_eq(dp_xdp_setup(&cfg, err, sizeof(err)), 0);
	obj = bpf_object__open_file(prog_path, NULL);
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(bpf_object__load(obj), 0);
	p = bpf_object__find_program_by_name(obj, DP_XDP_PROG_NAME);
	ck_assert_ptr_nonnull(p);
	prog_fd = bpf_program__fd(p);
	rules_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, DP_XDP_MAP_RULES));
	cnt_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, DP_XDP_MAP_CNT));
	ck_assert_int_ge(rules_fd, 0);
	ck_assert_int_ge(cnt_fd, 0);
	n_cpus = libbpf_num_possible_cpus();
}

static void
teardown(void)
{
	bpf_object__close(obj);
}

/* -------------------------------------------------------------- tests */

START_TEST(vtep_traffic_matches)
{
	uint8_t f[256];

	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	claim_vtep("overlay");
	ck_assert_int_eq(run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0)), XDP_PASS);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 1);
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 6081, 0, 0));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 6081), 1);
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 3785, 0, 0));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 3785), 1);
	/* ICMP whatever its type; a later fragment of it too */
	run(f, ip4(f, 0, vtep, IPPROTO_ICMP, 0, 0, 0));
	run(f, ip4(f, 0, vtep, IPPROTO_ICMP, 0, 185, 0));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_ICMP, 0), 2);
	/* ARP request and reply whose target is the VTEP */
	run(f, arp(f, vtep, 1));
	run(f, arp(f, vtep, 2));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, DP_XDP_RESOLVE, 0), 2);
	/* behind a VLAN tag, past IPv4 options, with the DF flag */
	run(f, ip4(f, 100, vtep, IPPROTO_UDP, 4789, 0, 0));
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 3));
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0x4000, 0));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 4);
	ck_assert_uint_eq(counts().no_socket, 10);
	ck_assert_uint_eq(counts().steered, 0);
	ck_assert_uint_eq(counts().passed, 0);
}
END_TEST

START_TEST(host_traffic_passes)
{
	uint8_t f[256];
	unsigned int n = 0;

	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	claim_vtep("overlay");
	/* the host's SSH, its VXLAN, its ARP, its ICMP */
	run(f, ip4(f, 0, host, IPPROTO_TCP, 22, 0, 0)), n++;
	run(f, ip4(f, 0, host, IPPROTO_UDP, 4789, 0, 0)), n++;
	run(f, arp(f, host, 1)), n++;
	run(f, ip4(f, 0, host, IPPROTO_ICMP, 0, 0, 0)), n++;
	/* the VTEP, but a port or protocol nobody claimed */
	run(f, ip4(f, 0, vtep, IPPROTO_TCP, 22, 0, 0)), n++;
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 53, 0, 0)), n++;
	run(f, ip4(f, 0, vtep, IPPROTO_TCP, 4789, 0, 0)), n++;
	run(f, ip4(f, 0, vtep, IPPROTO_GRE, 0, 0, 0)), n++;
	/* a later fragment of VXLAN: its port is in the first one */
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 185, 0)), n++;
	/* cut short: in the UDP ports, in the IPv4 header, in the ARP */
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0) - 17), n++;
	run(f, 14 + 10), n++;
	run(f, arp(f, vtep, 1) - 1), n++;
	/* not Ethernet payload it knows; a frame shorter than Ethernet's header */
	run(f, eth(f, 0x88cc, 0) + 40), n++;
	/* IPv4 with a header length under 5 words, and not version 4 */
	ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0);
	f[14] = 0x44;
	run(f, 54), n++;
	f[14] = 0x55;
	run(f, 54), n++;
	ck_assert_uint_eq(counts().passed, n);
	ck_assert_uint_eq(counts().no_socket, 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, DP_XDP_RESOLVE, 0), 0);
}
END_TEST

START_TEST(ipv6_and_nd)
{
	static const uint8_t other6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	static const uint8_t snm[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };
	uint8_t f[256];

	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	ck_assert_int_eq(dp_xdp_steer_add("x", AF_INET6, vtep6, IPPROTO_UDP, 4789), 0);
	ck_assert_int_eq(dp_xdp_steer_add("x", AF_INET6, vtep6, IPPROTO_ICMPV6, 0), 0);
	ck_assert_int_eq(dp_xdp_steer_add("x", AF_INET6, vtep6, DP_XDP_RESOLVE, 0), 0);
	run(f, ip6(f, vtep6, IPPROTO_UDP, 4789, 0, NULL));
	ck_assert_uint_eq(rule_hits(AF_INET6, vtep6, IPPROTO_UDP, 4789), 1);
	/* echo to it; a solicitation for it (sent to its solicited-node group);
	 * the advertisement answering its own solicitation (sent to it, the
	 * target being the neighbour's) */
	run(f, ip6(f, vtep6, IPPROTO_ICMPV6, 0, 128, NULL));
	ck_assert_uint_eq(rule_hits(AF_INET6, vtep6, IPPROTO_ICMPV6, 0), 1);
	run(f, ip6(f, snm, IPPROTO_ICMPV6, 0, 135, vtep6));
	run(f, ip6(f, vtep6, IPPROTO_ICMPV6, 0, 136, other6));
	ck_assert_uint_eq(rule_hits(AF_INET6, vtep6, DP_XDP_RESOLVE, 0), 2);
	/* another address's solicitation, UDP to another address, the same
	 * IPv4-looking bytes as IPv4 */
	run(f, ip6(f, snm, IPPROTO_ICMPV6, 0, 135, other6));
	run(f, ip6(f, other6, IPPROTO_UDP, 4789, 0, NULL));
	ck_assert_uint_eq(counts().passed, 2);
	ck_assert_uint_eq(counts().no_socket, 4);
}
END_TEST

START_TEST(claims_per_owner)
{
	uint8_t f[256];

	/* claimed before the port starts: written when it binds */
	claim_vtep("overlay");
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), UINT64_MAX);
	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	/* idempotent: a second claim is no second rule, and keeps its count */
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0));
	claim_vtep("overlay");
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 1);
	/* two owners: the rule stays until both let go */
	ck_assert_int_eq(dp_xdp_steer_add("upf", AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	ck_assert_int_eq(dp_xdp_steer_del("overlay", AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), 1);
	ck_assert_int_eq(dp_xdp_steer_del("upf", AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_UDP, 4789), UINT64_MAX);
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0));
	ck_assert_uint_eq(counts().passed, 1);
	/* letting go of what one does not hold changes nothing */
	ck_assert_int_eq(dp_xdp_steer_del("upf", AF_INET, vtep, IPPROTO_UDP, 4789), 0);
	ck_assert_int_eq(dp_xdp_steer_del("nobody", AF_INET, vtep, IPPROTO_ICMP, 0), 0);
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, IPPROTO_ICMP, 0), 0);
	/* the other claims are untouched */
	run(f, arp(f, vtep, 1));
	ck_assert_uint_eq(rule_hits(AF_INET, vtep, DP_XDP_RESOLVE, 0), 1);
	/* a second port gets every rule there is when it binds */
	ck_assert_int_eq(dp_xdp_port_bind(1, "wan2", dup(rules_fd), dup(cnt_fd)), 0);
	ck_assert_int_eq(dp_xdp_port_bind(1, "wan2", dup(rules_fd), dup(cnt_fd)), -EINVAL);
}
END_TEST

START_TEST(bad_claims)
{
	struct dp_xdp_key k;
	char owner[64];

	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	/* TCP, UDP, SCTP are claimed by port; anything else whole */
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_INET, vtep, IPPROTO_UDP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_INET, vtep, IPPROTO_TCP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_INET, vtep, IPPROTO_ICMP, 8), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_INET, vtep, DP_XDP_RESOLVE, 1), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_UNIX, vtep, IPPROTO_ICMP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("o", AF_INET, NULL, IPPROTO_ICMP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add("", AF_INET, vtep, IPPROTO_ICMP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_add(NULL, AF_INET, vtep, IPPROTO_ICMP, 0), -EINVAL);
	memset(owner, 'o', sizeof(owner) - 1);
	owner[sizeof(owner) - 1] = 0;
	ck_assert_int_eq(dp_xdp_steer_add(owner, AF_INET, vtep, IPPROTO_ICMP, 0), -EINVAL);
	ck_assert_int_eq(dp_xdp_steer_del("o", AF_INET, vtep, IPPROTO_UDP, 0), -EINVAL);
	/* the key: IPv4 in the first 4 bytes, the rest zero, port in network order */
	ck_assert_int_eq(dp_xdp_key_make(AF_INET, vtep, IPPROTO_SCTP, 0x1234, &k), 0);
	ck_assert_uint_eq(k.family, 4);
	ck_assert_uint_eq(k.proto, IPPROTO_SCTP);
	ck_assert_uint_eq(k.port, htons(0x1234));
	ck_assert_mem_eq(k.addr, vtep, 4);
	for (int i = 4; i < 16; i++)
		ck_assert_uint_eq(k.addr[i], 0);
	ck_assert_uint_eq(sizeof(k), 20);
}
END_TEST

START_TEST(no_shared_port)
{
	static struct dp_config none;
	uint8_t f[256];
	char err[256], da[1024];

	/* the fixture's setup made a shared port active: start again without */
	dp_xdp_fini();
	memset(&none, 0, sizeof(none));
	none.n_ports = 1;
	snprintf(none.ports[0].devargs, sizeof(none.ports[0].devargs), "net_af_xdp0,iface=x0");
	ck_assert_int_eq(dp_xdp_setup(&none, err, sizeof(err)), 0);
	ck_assert(!dp_xdp_active());
	ck_assert_int_eq(dp_xdp_devargs(&none.ports[0], da, sizeof(da)), 0);
	ck_assert_str_eq(da, "net_af_xdp0,iface=x0");
	/* a claim is a no-op: nothing recorded for a port that binds later */
	claim_vtep("overlay");
	ck_assert_int_eq(dp_xdp_port_bind(0, "wan", dup(rules_fd), dup(cnt_fd)), 0);
	run(f, ip4(f, 0, vtep, IPPROTO_UDP, 4789, 0, 0));
	ck_assert_uint_eq(counts().passed, 1);
	ck_assert_int_eq(dp_xdp_counts(1, &(struct dp_xdp_counts){ 0 }), -ENOENT);
}
END_TEST

START_TEST(config_program)
{
	int rc;
	char err[256], da[1024], comma[64];

	/* the fixture's config: the program named there, in the port's devargs */
	ck_assert(dp_xdp_active());
	ck_assert_int_eq(dp_xdp_devargs(&cfg.ports[0], da, sizeof(da)), 0);
	ck_assert_int_eq(strncmp(da, "net_af_xdp0,iface=x0,xdp_prog=", 30), 0);
	ck_assert_str_eq(da + 30, prog_path);
	ck_assert_int_eq(dp_xdp_devargs(&cfg.ports[0], da, 20), -ENAMETOOLONG);
	/* a program that is not there, a path devargs would cut at its comma */
	config_shared("/nonexistent/dp_xdp.bpf.o");
	ck_assert_int_eq(dp_xdp_setup(&cfg, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "config.xdp_prog: /nonexistent/dp_xdp.bpf.o"));
	snprintf(comma, sizeof(comma), "/tmp/test_xdp%d,prog.o", (int)getpid());
	ck_assert_int_eq(symlink(prog_path, comma), 0);
	config_shared(comma);
	rc = dp_xdp_setup(&cfg, err, sizeof(err));
	unlink(comma);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "comma"));
}
END_TEST

int
main(int argc, char **argv)
{
	struct bpf_object *o;
	Suite *s = suite_create("xdp");
	TCase *tc = tcase_create("steer");
	SRunner *sr;
	int failed, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_xdp PATH/dp_xdp.bpf.o\n");
		return 2;
	}
	/* absolute: a test links to it from elsewhere */
	if ((prog_path = realpath(argv[1], NULL)) == NULL) {
		fprintf(stderr, "test_xdp: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* loading needs CAP_BPF (root): without it there is nothing to test */
	libbpf_set_print(NULL);
	o = bpf_object__open_file(prog_path, NULL);
	if (o == NULL) {
		fprintf(stderr, "test_xdp: %s: %s\n", prog_path, strerror(errno));
		return 1;
	}
	rc = bpf_object__load(o);
	bpf_object__close(o);
	if (rc == -EPERM || rc == -EACCES) {
		printf("SKIP: loading a BPF program needs root (CAP_BPF): %s\n", strerror(-rc));
		return 77;
	}
	if (rc < 0) {
		fprintf(stderr, "test_xdp: the kernel refuses %s: %s\n", prog_path, strerror(-rc));
		return 1;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vtep_traffic_matches);
	tcase_add_test(tc, host_traffic_passes);
	tcase_add_test(tc, ipv6_and_nd);
	tcase_add_test(tc, claims_per_owner);
	tcase_add_test(tc, bad_claims);
	tcase_add_test(tc, no_shared_port);
	tcase_add_test(tc, config_program);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
