/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_dp on the real table engine (EAL without hugepages or devices): new
 * connections decided by the lowest rule id that matches, else their
 * direction's default, else let in; other slices untouched; ICMP queries'
 * identifiers never taken for ports; bursts longer than a lookup's; and
 * each decision counted as its entry's hit (what names a rule's drops),
 * none on a shadow walk. The test thread plays worker 0. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "dp_table.h"
#include "fw_dp.h"
#include "fw_names.h"

int dp_logtype;

#define DROP_RULE 41
#define DROP_DEFAULT 42
enum { K_VRF, K_DIR, K_PROTO, K_SRC, K_DST, K_SPORT, K_DPORT };

static int t_rules, t_policy;

static void
put16(uint8_t *b, unsigned int off, uint16_t v)
{
	v = rte_cpu_to_be_16(v);
	memcpy(b + off, &v, 2);
}

static void
put32(uint8_t *b, unsigned int off, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(b + off, &v, 4);
}

static int fails;   /* set-up writes that failed (before the runner: no ck_assert) */

static void
write1(struct dp_update *u)
{
	int r = 0;

	if (dp_table_write(u, 1, DP_ATOM_ROLLBACK, &r) != 0 || r != 0) {
		fprintf(stderr, "set-up write to table %u failed: %d\n", u->table, r);
		fails++;
	}
}

/* A rule: proto 0 any; a prefix length 0 any; ports lo..hi. */
static void
rule(uint16_t vrf, uint8_t dir, uint8_t proto, const char *src, unsigned int splen, const char *dst,
     unsigned int dplen, uint16_t slo, uint16_t shi, uint16_t dlo, uint16_t dhi, bool deny, uint32_t id)
{
	struct dp_update u;
	uint32_t s = 0, d = 0;

	memset(&u, 0, sizeof(u));
	u.type = DP_UPD_INSERT;
	u.table = (uint16_t)t_rules;
	u.priority = FW_PRIO_TOP - id;
	u.action = deny ? FW_ACT_DENY : FW_ACT_ALLOW;
	memcpy(u.params, &id, 4);
	put16(u.key, dp_table_field_off(t_rules, K_VRF), vrf);
	u.key[dp_table_field_off(t_rules, K_DIR)] = dir;
	u.key[dp_table_field_off(t_rules, K_PROTO)] = proto;
	u.mask[dp_table_field_off(t_rules, K_PROTO)] = proto ? 0xff : 0;
	if (src != NULL)
		inet_pton(AF_INET, src, &s);
	if (dst != NULL)
		inet_pton(AF_INET, dst, &d);
	put32(u.key, dp_table_field_off(t_rules, K_SRC), ntohl(s));
	put32(u.mask, dp_table_field_off(t_rules, K_SRC), splen ? UINT32_MAX << (32 - splen) : 0);
	put32(u.key, dp_table_field_off(t_rules, K_DST), ntohl(d));
	put32(u.mask, dp_table_field_off(t_rules, K_DST), dplen ? UINT32_MAX << (32 - dplen) : 0);
	put16(u.key, dp_table_field_off(t_rules, K_SPORT), slo);
	put16(u.mask, dp_table_field_off(t_rules, K_SPORT), shi);
	put16(u.key, dp_table_field_off(t_rules, K_DPORT), dlo);
	put16(u.mask, dp_table_field_off(t_rules, K_DPORT), dhi);
	write1(&u);
}

static void
policy(uint16_t vrf, uint8_t dir, bool deny)
{
	struct dp_update u;

	memset(&u, 0, sizeof(u));
	u.type = DP_UPD_INSERT;
	u.table = (uint16_t)t_policy;
	u.action = deny ? FW_ACT_DENY : FW_ACT_ALLOW;
	put16(u.key, dp_table_field_off(t_policy, 0), vrf);
	u.key[dp_table_field_off(t_policy, 1)] = dir;
	write1(&u);
}

static struct edge_conn
conn(uint16_t vrf, uint8_t dir, uint8_t proto, const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct edge_conn c = { .vrf = vrf, .dir = dir, .proto = proto, .sport = sport, .dport = dport };

	inet_pton(AF_INET, src, &c.src);
	inet_pton(AF_INET, dst, &c.dst);
	return c;
}

static void
decide(const struct edge_conn *c, unsigned int n, uint16_t *drop, uint32_t shadow)
{
	struct dp_stage_ctx ctx = { .worker = 0, .shadow = shadow };

	dp_tables_reader_online(0);
	ctx.root = dp_tables_root();
	fw_dp_decide(&ctx, c, n, drop);
	dp_tables_reader_offline(0);
}

/* Hits of table t's entry whose action's first param (a rule id) is id,
 * or (id 0) the policy entry of (vrf, dir). */
static uint64_t
hits(int t, uint32_t id, uint16_t vrf, uint8_t dir)
{
	struct dp_entry_view ev[64];
	uint32_t next;
	unsigned int n = dp_table_read(t, 0, 64, ev, &next);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t r;
		uint16_t v;

		memcpy(&r, ev[i].params, 4);
		memcpy(&v, ev[i].key + dp_table_field_off(t, 0), 2);
		if (id != 0 ? r == id : rte_be_to_cpu_16(v) == vrf && ev[i].key[dp_table_field_off(t, 1)] == dir)
			return ev[i].hits;
	}
	ck_abort_msg("no entry %u (vrf %u dir %u)", id, vrf, dir);
	return 0;
}

START_TEST(no_firewall_lets_in)
{
	struct edge_conn c[2] = { conn(9, 1, IPPROTO_TCP, "198.51.100.1", "10.9.0.1", 4000, 22),
				  conn(9, 0, IPPROTO_UDP, "10.9.0.1", "8.8.8.8", 4000, 53) };
	uint16_t drop[2] = { 7, 7 };

	decide(c, 2, drop, 0);
	ck_assert_uint_eq(drop[0], 0);
	ck_assert_uint_eq(drop[1], 0);
}
END_TEST

START_TEST(rules_then_defaults)
{
	struct edge_conn c[] = {
		conn(7, 1, IPPROTO_TCP, "198.51.100.1", "10.1.0.5", 40000, 22),  /* rule 10 allows (before 20) */
		conn(7, 1, IPPROTO_TCP, "198.51.100.1", "10.1.0.6", 40000, 22),  /* rule 20 denies */
		conn(7, 1, IPPROTO_TCP, "198.51.100.1", "10.1.0.6", 40000, 8080), /* in: default deny */
		conn(7, 0, IPPROTO_UDP, "10.1.0.6", "8.8.8.8", 5000, 53),        /* rule 5 denies */
		conn(7, 0, IPPROTO_UDP, "10.1.0.6", "1.1.1.1", 5000, 53),        /* out: default allow */
		conn(7, 1, IPPROTO_ICMP, "198.51.100.1", "10.1.0.6", 77, 0x0800), /* rule 30: ICMP in */
		conn(7, 1, IPPROTO_TCP, "192.0.2.9", "10.1.0.6", 40000, 8080),   /* rule 8: src prefix */
		conn(8, 1, IPPROTO_TCP, "198.51.100.1", "10.1.0.6", 40000, 22),  /* another slice: nothing */
	};
	const uint16_t want[] = { 0, DROP_RULE, DROP_DEFAULT, DROP_RULE, 0, 0, 0, 0 };
	uint16_t drop[RTE_DIM(c)];

	decide(c, RTE_DIM(c), drop, 0);
	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		ck_assert_msg(drop[i] == want[i], "connection %u: %u, not %u", i, drop[i], want[i]);
	ck_assert_uint_eq(hits(t_rules, 10, 0, 0), 1);
	ck_assert_uint_eq(hits(t_rules, 20, 0, 0), 1);
	ck_assert_uint_eq(hits(t_rules, 5, 0, 0), 1);
	ck_assert_uint_eq(hits(t_rules, 30, 0, 0), 1);
	ck_assert_uint_eq(hits(t_rules, 8, 0, 0), 1);
	ck_assert_uint_eq(hits(t_policy, 0, 7, 1), 1);
	ck_assert_uint_eq(hits(t_policy, 0, 7, 0), 1);
	/* a shadow walk decides alike and counts nothing */
	decide(c, RTE_DIM(c), drop, 1);
	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		ck_assert_uint_eq(drop[i], want[i]);
	ck_assert_uint_eq(hits(t_rules, 20, 0, 0), 1);
	ck_assert_uint_eq(hits(t_policy, 0, 7, 1), 1);
}
END_TEST

/* A burst longer than one lookup: each chunk decided, none left out. */
START_TEST(long_burst)
{
	struct edge_conn c[150];
	uint16_t drop[150];
	uint64_t before = hits(t_rules, 20, 0, 0);

	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		c[i] = conn(7, 1, IPPROTO_TCP, "198.51.100.1", "10.1.0.6", (uint16_t)(1000 + i),
			    i % 3 == 0 ? 22 : i % 3 == 1 ? 8080 : 443);
	memset(drop, 0xff, sizeof(drop));
	decide(c, RTE_DIM(c), drop, 0);
	for (unsigned int i = 0; i < RTE_DIM(c); i++)
		ck_assert_uint_eq(drop[i], i % 3 == 1 ? DROP_DEFAULT : DROP_RULE);
	ck_assert_uint_eq(hits(t_rules, 20, 0, 0) - before, 100);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fw_dp");
	TCase *tc = tcase_create("verdict");

	tcase_add_test(tc, no_firewall_lets_in);
	tcase_add_test(tc, rules_then_defaults);
	tcase_add_test(tc, long_burst);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char *eal[] = { "test_fwdp", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			"--log-level=3", NULL };
	SRunner *sr;
	int failed;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	if (dp_tables_init(1, 0) < 0 || (t_rules = dp_table_create(&fw_rules_def)) < 0 ||
	    (t_policy = dp_table_create(&fw_policy_def)) < 0 ||
	    fw_dp_bind(t_rules, t_policy, DROP_RULE, DROP_DEFAULT) < 0) {
		fprintf(stderr, "set-up failed: %d %d\n", t_rules, t_policy);
		return 1;
	}
	/* slice 7: in deny, out allow; rules as a firewall intent compiles them */
	policy(7, FW_DIR_IN, true);
	policy(7, FW_DIR_OUT, false);
	rule(7, FW_DIR_IN, IPPROTO_TCP, NULL, 0, "10.1.0.5", 32, 0, 65535, 22, 22, false, 10);
	rule(7, FW_DIR_IN, IPPROTO_TCP, NULL, 0, NULL, 0, 0, 65535, 1, 1024, true, 20);
	rule(7, FW_DIR_OUT, IPPROTO_UDP, NULL, 0, "8.8.8.8", 32, 0, 65535, 53, 53, true, 5);
	rule(7, FW_DIR_IN, IPPROTO_ICMP, NULL, 0, NULL, 0, 0, 65535, 0, 65535, false, 30);
	rule(7, FW_DIR_IN, 0, "192.0.2.0", 24, NULL, 0, 0, 65535, 0, 65535, false, 8);
	if (fails)
		return 1;
	sr = srunner_create(suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
