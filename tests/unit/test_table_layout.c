/* The table engine's layouts on a real (no-huge, no-PCI) EAL: flag params
 * sharing a byte (what the UPF's session entries need to fit their 40
 * bytes) and MAC ternary fields in an rte_acl key, whose 4-byte words
 * split a MAC in two (what the UPF's eth_applications matches). The test
 * thread plays worker 0: online only around its lookups. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_byteorder.h>

#include "dp_table.h"

/* eth_applications' shape: slice, two MACs, a u16 and two u32 tags */
enum { F_SLICE, F_REMOTE, F_LOCAL, F_TYPE, F_CTAG, F_STAG, F_N };
static const struct dp_table_def mac_acl_def = {
	.name = "t_mac_acl", .size = 64, .n_fields = F_N,
	.fields = {
		[F_SLICE] = { "slice", DP_T_U16, DP_MATCH_EXACT, 4095 },
		[F_REMOTE] = { "remote", DP_T_MAC, DP_MATCH_TERNARY },
		[F_LOCAL] = { "local", DP_T_MAC, DP_MATCH_TERNARY },
		[F_TYPE] = { "ethertype", DP_T_U16, DP_MATCH_TERNARY },
		[F_CTAG] = { "ctag", DP_T_U32, DP_MATCH_TERNARY },
		[F_STAG] = { "stag", DP_T_U32, DP_MATCH_TERNARY },
	},
	.n_actions = 2,
	.actions = { { "app", 1, { { "app", DP_T_U16 } } }, { "none", 0, {} } },
	.default_action = 1,
};

/* flags a, b, c in one byte, then a u16 at the next even byte, a flag d
 * of a byte of its own and a u32 */
static const struct dp_table_def flags_def = {
	.name = "t_flags", .size = 8, .n_fields = 1,
	.fields = { { "k", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { { "set", 6, { { "a", DP_T_U8, 1, true, 1 }, { "b", DP_T_U8, 1, true, 2 },
				   { "c", DP_T_U8, 1, true, 3 }, { "w", DP_T_U16 }, { "d", DP_T_U8, 1, true, 1 },
				   { "x", DP_T_U32 } } },
		     { "none", 0, {} } },
	.default_action = 1,
};

/* flags declared wrong: each refused at create */
#define BAD_FLAGS(nm, ...)								\
	{ .name = nm, .size = 8, .n_fields = 1, .fields = { { "k", DP_T_U16, DP_MATCH_EXACT } },	\
	  .n_actions = 2, .actions = { { "set", 2, { __VA_ARGS__ } }, { "none", 0, {} } }, .default_action = 1 }
static const struct dp_table_def bad_flags[] = {
	BAD_FLAGS("t_bad1", { "a", DP_T_U8, 1, true, 2 }, { "b", DP_T_U8, 1, true, 3 }),   /* no bit 1 */
	BAD_FLAGS("t_bad2", { "a", DP_T_U8, 1, true, 1 }, { "b", DP_T_U8, 1, true, 3 }),   /* a gap */
	BAD_FLAGS("t_bad3", { "a", DP_T_U16, 1, true, 1 }, { "b", DP_T_U8, 1, true, 2 }),  /* not a u8 */
	BAD_FLAGS("t_bad4", { "a", DP_T_U8, 3, true, 1 }, { "b", DP_T_U8, 1, true, 2 }),   /* not 0/1 */
	BAD_FLAGS("t_bad5", { "a", DP_T_U8, 1, true, 9 }, { "b", DP_T_U8, 1, true, 10 }),  /* past 8 */
};

static int t_mac, t_flags;

static void
mac_of(uint8_t *k, const char *s)
{
	unsigned int b[6];

	ck_assert_int_eq(sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]), 6);
	for (unsigned int i = 0; i < 6; i++)
		k[i] = (uint8_t)b[i];
}

/* A key (and a mask: NULL for a lookup key) of t_mac_acl; a NULL MAC is
 * left out (mask 0). */
static void
mac_key(uint8_t *k, uint8_t *m, uint16_t slice, const char *remote, const char *rmask, const char *local,
	uint16_t type, uint16_t tmask, uint32_t ctag, uint32_t cmask)
{
	*(rte_be16_t *)(k + dp_table_field_off(t_mac, F_SLICE)) = rte_cpu_to_be_16(slice);
	if (remote)
		mac_of(k + dp_table_field_off(t_mac, F_REMOTE), remote);
	if (local)
		mac_of(k + dp_table_field_off(t_mac, F_LOCAL), local);
	*(rte_be16_t *)(k + dp_table_field_off(t_mac, F_TYPE)) = rte_cpu_to_be_16(type);
	*(rte_be32_t *)(k + dp_table_field_off(t_mac, F_CTAG)) = rte_cpu_to_be_32(ctag);
	if (m == NULL)
		return;
	memset(m + dp_table_field_off(t_mac, F_SLICE), 0xff, 2);
	if (remote)
		mac_of(m + dp_table_field_off(t_mac, F_REMOTE), rmask);
	if (local)
		memset(m + dp_table_field_off(t_mac, F_LOCAL), 0xff, 6);
	*(rte_be16_t *)(m + dp_table_field_off(t_mac, F_TYPE)) = rte_cpu_to_be_16(tmask);
	*(rte_be32_t *)(m + dp_table_field_off(t_mac, F_CTAG)) = rte_cpu_to_be_32(cmask);
}

static int
mac_rule(uint32_t prio, uint16_t app, const char *remote, const char *rmask, const char *local, uint16_t type,
	 uint16_t tmask, uint32_t ctag, uint32_t cmask)
{
	struct dp_update u;
	int r;

	memset(&u, 0, sizeof(u));
	u.type = DP_UPD_INSERT;
	u.table = (uint16_t)t_mac;
	u.priority = prio;
	u.action = 0;
	mac_key(u.key, u.mask, 1, remote, rmask, local, type, tmask, ctag, cmask);
	*(uint16_t *)(u.params + dp_table_param_off(t_mac, 0, 0)) = app;
	dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r);
	return r;
}

/* The app a frame's key gets (0: none). */
static int
mac_app(uint16_t slice, const char *remote, const char *local, uint16_t type, uint32_t ctag)
{
	uint8_t k[DP_KEY_MAX] __rte_aligned(16) = { 0 };
	const uint8_t *kp[1] = { k };
	const struct dp_entry *e[1];
	int app;

	mac_key(k, NULL, slice, remote, NULL, local, type, 0, ctag, 0);
	dp_tables_reader_online(0);
	dp_table_lookup(dp_tables_root(), 0, (unsigned int)t_mac, kp, 1, e);
	app = e[0]->action == 0 ? *(const uint16_t *)(e[0]->params + dp_table_param_off(t_mac, 0, 0)) : 0;
	dp_tables_reader_offline(0);
	return app;
}

START_TEST(mac_ternary_across_words)
{
	static const char *X = "02:00:00:00:06:0b", *C = "02:00:00:00:0e:0c";

	/* MACs whole words (4 + 2 and a filler), the u32 next, then the u16s */
	ck_assert_uint_eq(dp_table_field_off(t_mac, F_REMOTE), 0);
	ck_assert_uint_eq(dp_table_field_off(t_mac, F_LOCAL), 8);
	ck_assert_uint_eq(dp_table_field_off(t_mac, F_CTAG), 16);
	ck_assert_uint_eq(dp_table_field_off(t_mac, F_STAG), 20);
	ck_assert_uint_eq(dp_table_key_len(t_mac), 28);
	ck_assert_int_eq(mac_rule(10, 1, X, "ff:ff:ff:ff:ff:ff", C, 0x0800, 0xffff, 0, 0), 0);
	/* an OUI's: the first three bytes only */
	ck_assert_int_eq(mac_rule(5, 2, "00:00:5e:77:77:77", "ff:ff:ff:00:00:00", NULL, 0, 0, 0, 0), 0);
	/* VID 100 in a tag, whatever the MACs */
	ck_assert_int_eq(mac_rule(20, 3, NULL, NULL, NULL, 0, 0, 0x10000 | 100, 0x10fff), 0);
	ck_assert_int_eq(mac_app(1, X, C, 0x0800, 0), 1);
	ck_assert_int_eq(mac_app(1, "02:00:00:00:06:0c", C, 0x0800, 0), 0);   /* the last byte: chunk 2 */
	ck_assert_int_eq(mac_app(1, "02:00:00:00:07:0b", C, 0x0800, 0), 0);   /* the fifth */
	ck_assert_int_eq(mac_app(1, "03:00:00:00:06:0b", C, 0x0800, 0), 0);   /* the first: chunk 1 */
	ck_assert_int_eq(mac_app(1, X, "02:00:00:00:0e:0d", 0x0800, 0), 0);   /* the local one's last */
	ck_assert_int_eq(mac_app(1, X, C, 0x0806, 0), 0);
	ck_assert_int_eq(mac_app(2, X, C, 0x0800, 0), 0);                     /* another slice */
	ck_assert_int_eq(mac_app(1, "00:00:5e:01:02:03", C, 0x86dd, 0), 2);
	ck_assert_int_eq(mac_app(1, "00:00:5f:01:02:03", C, 0x86dd, 0), 0);
	ck_assert_int_eq(mac_app(1, X, C, 0x0800, 0x10000 | 0xe064), 3);      /* PCP 7, VID 100 */
	ck_assert_int_eq(mac_app(1, X, C, 0x0800, 0x10000 | 101), 1);
	ck_assert_int_eq(mac_app(1, X, C, 0x0800, 100), 1);                   /* VID 100 but no tag */
}
END_TEST

START_TEST(flags_share_a_byte)
{
	for (unsigned int i = 0; i < RTE_DIM(bad_flags); i++)
		ck_assert_int_eq(dp_table_create(&bad_flags[i]), -EINVAL);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 0), 0);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 1), 0);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 2), 0);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 3), 2);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 4), 4);
	ck_assert_uint_eq(dp_table_param_off(t_flags, 0, 5), 8);
}
END_TEST

int
main(void)
{
	char *eal[] = { "test_table_layout", "--no-huge", "-m", "256", "--no-pci", "-l", "0",
			"--no-shconf", "--log-level=3", NULL };
	Suite *s = suite_create("table_layout");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	if (dp_tables_init(1, 0) < 0 || (t_mac = dp_table_create(&mac_acl_def)) < 0 ||
	    (t_flags = dp_table_create(&flags_def)) < 0) {
		fprintf(stderr, "table set-up failed: %d %d\n", t_mac, t_flags);
		return 1;
	}
	tcase_add_test(tc, mac_ternary_across_words);
	tcase_add_test(tc, flags_share_a_byte);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);   /* one EAL, shared by both tests */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dp_tables_fini();
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
