/* Table engine semantics on a real (no-huge, no-PCI) EAL: exact, lpm per
 * VRF (IPv4 and IPv6), ternary priority and ranges, transactions (rollback, continue,
 * dataplane-atomic), the exact tables' shadows (left-right: equal to live,
 * no clone after the first), paging, hit counters, capacity. The test
 * thread plays worker 0: online only around its lookups, so writers' grace
 * periods end. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "dp_table.h"
#include "dp_table_int.h"   /* dp_table_swap_hook, the shadows */

enum { A_OUT, A_DROP, A_NOOP };

static const struct dp_table_def exact_def = {
	.name = "t_exact", .size = 8, .n_fields = 2,
	.fields = { { "in_port", DP_T_PORT, DP_MATCH_EXACT }, { "dst", DP_T_IPV4, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

static const struct dp_table_def lpm_def = {
	.name = "t_lpm", .size = 64, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "dst", DP_T_IPV4, DP_MATCH_LPM } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

/* the switch's routes6 shape: VRF then an IPv6 prefix */
static const struct dp_table_def lpm6_def = {
	.name = "t_lpm6", .size = 64, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "dst", DP_T_IPV6, DP_MATCH_LPM } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

static const struct dp_table_def acl_def = {
	.name = "t_acl", .size = 64, .n_fields = 4,
	.fields = {
		{ "proto", DP_T_U8, DP_MATCH_EXACT },
		{ "src", DP_T_IPV4, DP_MATCH_TERNARY },
		{ "dst", DP_T_IPV4, DP_MATCH_LPM },
		{ "dport", DP_T_U16, DP_MATCH_RANGE },
	},
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

/* like the switch's fdb: "learned" entries age, "static" ones never */
static const struct dp_table_def age_def = {
	.name = "t_age", .size = 64, .n_fields = 1,
	.fields = { { "mac", DP_T_MAC, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "learned", 1, { { "port", DP_T_PORT } } }, { "static", 1, { { "port", DP_T_PORT } } },
		     { "none", 0, {} } },
	.default_action = 2, .age_actions = 1u << 0, .idle_timeout_s = 1,
};

/* like the switch's interfaces: (port, VLAN) bounded, so a direct array */
static const struct dp_table_def dense_def = {
	.name = "t_dense", .size = 64, .n_fields = 2,
	.fields = { { "in_port", DP_T_PORT, DP_MATCH_EXACT, 15 },
		    { "vlan", DP_T_U16, DP_MATCH_EXACT, 4095 } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

/* a source table and the table derived from it (by the deriver below) */
static const struct dp_table_def src_def = {
	.name = "t_src", .size = 16, .n_fields = 1,
	.fields = { { "k", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

static const struct dp_table_def drv_def = {
	.name = "t_drv", .size = 16, .n_fields = 1,
	.fields = { { "k", DP_T_U16, DP_MATCH_EXACT, 255 } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP, .derived = true,
};

/* keyed by an id, like the switch's nexthops: bounded (a direct array)
 * and unbounded (a hash) */
static const struct dp_table_def ids_def = {
	.name = "t_ids", .size = 64, .n_fields = 1,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT, 1023 } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

static const struct dp_table_def idh_def = {
	.name = "t_idh", .size = 64, .n_fields = 1,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

/* left-right: one exact table of each backend, keyed by an id (below
 * LR_IDS), sized so that a quarter of it is a small write */
#define LR_IDS 512
#define LR_SIZE 256

static const struct dp_table_def lr_defs[] = {
	{ .name = "t_lr_array", .size = LR_SIZE, .n_fields = 1,
	  .fields = { { "id", DP_T_U16, DP_MATCH_EXACT, LR_IDS - 1 } },
	  .n_actions = 3,
	  .actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	  .default_action = A_NOOP },
	{ .name = "t_lr_em", .size = LR_SIZE, .n_fields = 1,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	  .n_actions = 3,
	  .actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	  .default_action = A_NOOP },
	{ .name = "t_lr_hash", .size = LR_SIZE, .n_fields = 2,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT }, { "pad", DP_T_IPV6, DP_MATCH_EXACT } },
	  .n_actions = 3,
	  .actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "drop", 0, {} }, { "noop", 0, {} } },
	  .default_action = A_NOOP },
};

/* wide: params past the first line (an overlay path's three IPv6
 * addresses), one table of each exact backend */
#define WIDE_FILL 100   /* bytes of params the test fills */
static const struct dp_table_def wide_defs[] = {
	{ .name = "t_wide_array", .size = 64, .n_fields = 1, .wide = true,
	  .fields = { { "id", DP_T_U16, DP_MATCH_EXACT, 255 } },
	  .n_actions = 2,
	  .actions = { { "far", 7, { { "a", DP_T_IP }, { "b", DP_T_IP }, { "c", DP_T_IP }, { "d", DP_T_IP },
				    { "e", DP_T_IP }, { "f", DP_T_IP }, { "g", DP_T_U32 } } }, { "noop", 0, {} } },
	  .default_action = 1 },
	{ .name = "t_wide_em", .size = 64, .n_fields = 1, .wide = true,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	  .n_actions = 2,
	  .actions = { { "far", 7, { { "a", DP_T_IP }, { "b", DP_T_IP }, { "c", DP_T_IP }, { "d", DP_T_IP },
				    { "e", DP_T_IP }, { "f", DP_T_IP }, { "g", DP_T_U32 } } }, { "noop", 0, {} } },
	  .default_action = 1 },
	{ .name = "t_wide_hash", .size = 64, .n_fields = 2, .wide = true,
	  .fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "ip", DP_T_IP, DP_MATCH_EXACT } },
	  .n_actions = 2,
	  .actions = { { "far", 7, { { "a", DP_T_IP }, { "b", DP_T_IP }, { "c", DP_T_IP }, { "d", DP_T_IP },
				    { "e", DP_T_IP }, { "f", DP_T_IP }, { "g", DP_T_U32 } } }, { "noop", 0, {} } },
	  .default_action = 1 },
};
/* one line of params too many for a narrow table */
static const struct dp_table_def narrow_def = {
	.name = "t_narrow", .size = 8, .n_fields = 1,
	.fields = { { "id", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { { "far", 3, { { "a", DP_T_IP }, { "b", DP_T_IP }, { "c", DP_T_IP } } }, { "noop", 0, {} } },
	.default_action = 1,
};

/* str: a text param of a declared room (a URL of 100 bytes fills a wide entry with
 * what follows it); never a key field, never without its room */
static const struct dp_table_def str_defs[] = {
	{ .name = "t_str", .size = 8, .n_fields = 1, .wide = true,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT, 7 } },
	  .n_actions = 2,
	  .actions = { { "text", 2, { { "url", DP_T_STR, 100 }, { "n", DP_T_U16 } } }, { "noop", 0, {} } },
	  .default_action = 1 },
	{ .name = "t_str_key", .size = 8, .n_fields = 1,
	  .fields = { { "s", DP_T_STR, DP_MATCH_EXACT, 8 } },
	  .n_actions = 1, .actions = { { "noop", 0, {} } } },
	{ .name = "t_str_room", .size = 8, .n_fields = 1,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	  .n_actions = 2, .actions = { { "text", 1, { { "url", DP_T_STR } } }, { "noop", 0, {} } },
	  .default_action = 1 },
	{ .name = "t_str_narrow", .size = 8, .n_fields = 1,
	  .fields = { { "id", DP_T_U32, DP_MATCH_EXACT } },
	  .n_actions = 2, .actions = { { "text", 1, { { "url", DP_T_STR, 41 } } }, { "noop", 0, {} } },
	  .default_action = 1 },
};

static int t_exact, t_lpm, t_lpm6, t_acl, t_age, t_dense, t_src, t_drv, t_ids, t_idh;
static int t_lr[RTE_DIM(lr_defs)], t_wide[RTE_DIM(wide_defs)];

static uint32_t
ip(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a; /* network order, as keys hold it */
}

static struct dp_update
upd(enum dp_update_type type, int table, uint16_t action, uint16_t port)
{
	struct dp_update u;

	memset(&u, 0, sizeof(u));
	u.type = type;
	u.table = table;
	u.action = action;
	*(uint16_t *)u.params = port;
	return u;
}

static struct dp_update
exact_upd(enum dp_update_type type, uint16_t in_port, const char *dst, uint16_t action, uint16_t port)
{
	struct dp_update u = upd(type, t_exact, action, port);
	rte_be16_t p = rte_cpu_to_be_16(in_port);
	uint32_t d = ip(dst);

	memcpy(u.key, &p, 2);
	memcpy(u.key + 2, &d, 4);
	return u;
}

static struct dp_update
lpm_upd(enum dp_update_type type, uint16_t vrf, const char *dst, uint8_t plen, uint16_t port)
{
	struct dp_update u = upd(type, t_lpm, A_OUT, port);
	rte_be16_t v = rte_cpu_to_be_16(vrf);
	uint32_t d = ip(dst);

	memcpy(u.key, &v, 2);
	memcpy(u.key + 2, &d, 4);
	u.plen = plen;
	return u;
}

static struct dp_update
lpm6_upd(enum dp_update_type type, uint16_t vrf, const char *dst, uint8_t plen, uint16_t port)
{
	struct dp_update u = upd(type, t_lpm6, A_OUT, port);
	rte_be16_t v = rte_cpu_to_be_16(vrf);

	memcpy(u.key, &v, 2);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, u.key + 2), 1);
	u.plen = plen;
	return u;
}

/* proto exact; src value/mask; dst prefix; dport [lo, hi] */
static struct dp_update
acl_upd(enum dp_update_type type, uint32_t prio, uint8_t proto, const char *src, const char *smask,
	const char *dst, uint8_t plen, uint16_t lo, uint16_t hi, uint16_t port)
{
	struct dp_update u = upd(type, t_acl, A_OUT, port);
	uint32_t s = ip(src), m = ip(smask), d = ip(dst);
	rte_be16_t l = rte_cpu_to_be_16(lo), h = rte_cpu_to_be_16(hi);

	unsigned int o0 = dp_table_field_off(t_acl, 0), o1 = dp_table_field_off(t_acl, 1),
		     o2 = dp_table_field_off(t_acl, 2), o3 = dp_table_field_off(t_acl, 3);

	u.priority = prio;
	u.key[o0] = proto;
	u.mask[o0] = 0xff;
	memcpy(u.key + o1, &s, 4);
	memcpy(u.mask + o1, &m, 4);
	memcpy(u.key + o2, &d, 4);
	u.plen = plen;
	memcpy(u.key + o3, &l, 2);
	memcpy(u.mask + o3, &h, 2);
	return u;
}

/* Look one key up as worker 0; returns the output port, -1 drop, -2 noop. */
static int
lookup(int table, const uint8_t *key, bool *hit)
{
	uint8_t buf[DP_KEY_MAX] = {0};
	const uint8_t *kp[1] = { buf };
	const struct dp_entry *e[1];
	uint64_t m;

	memcpy(buf, key, dp_table_key_len(table));
	dp_tables_reader_online(0);
	m = dp_table_lookup(dp_tables_root(), 0, table, kp, 1, e);
	dp_tables_reader_offline(0);
	if (hit)
		*hit = m & 1;
	return e[0]->action == A_OUT ? *(const uint16_t *)e[0]->params :
	       e[0]->action == A_DROP ? -1 : -2;
}

static int
exact_lookup(uint16_t in_port, const char *dst)
{
	struct dp_update u = exact_upd(DP_UPD_INSERT, in_port, dst, 0, 0);

	return lookup(t_exact, u.key, NULL);
}

static int
lpm_lookup(uint16_t vrf, const char *dst)
{
	struct dp_update u = lpm_upd(DP_UPD_INSERT, vrf, dst, 32, 0);

	return lookup(t_lpm, u.key, NULL);
}

static int
lpm6_lookup(uint16_t vrf, const char *dst)
{
	struct dp_update u = lpm6_upd(DP_UPD_INSERT, vrf, dst, 128, 0);

	return lookup(t_lpm6, u.key, NULL);
}

static int
acl_lookup(uint8_t proto, const char *src, const char *dst, uint16_t dport)
{
	struct dp_update u = acl_upd(DP_UPD_INSERT, 1, proto, src, "0.0.0.0", dst, 32, dport, dport, 0);

	return lookup(t_acl, u.key, NULL);
}

static int
write1(struct dp_update u)
{
	int r;

	dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r);
	return r;
}

static void
clear_all(void)
{
	ck_assert_int_eq(dp_table_clear(t_exact, NULL), 0);
	ck_assert_int_eq(dp_table_clear(t_lpm, NULL), 0);
	ck_assert_int_eq(dp_table_clear(t_lpm6, NULL), 0);
	ck_assert_int_eq(dp_table_clear(t_acl, NULL), 0);
}

static struct dp_update
id_upd(enum dp_update_type type, int table, uint32_t id, uint16_t port)
{
	struct dp_update u = upd(type, table, A_OUT, port);
	rte_be32_t k = rte_cpu_to_be_32(id);

	memcpy(u.key, &k, 4);
	return u;
}

static struct dp_update
dense_upd(enum dp_update_type type, uint16_t in_port, uint16_t vlan, uint16_t port)
{
	struct dp_update u = upd(type, t_dense, A_OUT, port);
	rte_be16_t p = rte_cpu_to_be_16(in_port), v = rte_cpu_to_be_16(vlan);

	memcpy(u.key, &p, 2);
	memcpy(u.key + 2, &v, 2);
	return u;
}

static int
dense_lookup(uint16_t in_port, uint16_t vlan)
{
	return lookup(t_dense, dense_upd(DP_UPD_INSERT, in_port, vlan, 0).key, NULL);
}

/* A direct-array table: the same semantics as a hash, keys above their
 * bounds refused by the engine (the RPC refuses them first) and missed. */
START_TEST(dense_bounds)
{
	struct dp_update u[3];
	int r[3];

	ck_assert(dp_tg.t[t_dense]->dense);
	ck_assert_uint_eq(dp_tg.t[t_dense]->dense_n, 16 * 4096);
	ck_assert_int_eq(write1(dense_upd(DP_UPD_INSERT, 3, 100, 7)), 0);
	ck_assert_int_eq(write1(dense_upd(DP_UPD_INSERT, 15, 4095, 8)), 0);
	ck_assert_int_eq(write1(dense_upd(DP_UPD_INSERT, 3, 100, 9)), -EEXIST);
	ck_assert_int_eq(write1(dense_upd(DP_UPD_INSERT, 16, 0, 1)), -EINVAL);
	ck_assert_int_eq(write1(dense_upd(DP_UPD_INSERT, 0, 4096, 1)), -EINVAL);
	ck_assert_int_eq(dense_lookup(3, 100), 7);
	ck_assert_int_eq(dense_lookup(15, 4095), 8);
	ck_assert_int_eq(dense_lookup(3, 101), -2);
	ck_assert_int_eq(dense_lookup(16, 100), -2);	/* above the bound: a miss */
	ck_assert_int_eq(dense_lookup(3, 0xffff), -2);
	/* modify in place, then a dataplane-atomic batch on a copy */
	ck_assert_int_eq(write1(dense_upd(DP_UPD_MODIFY, 3, 100, 5)), 0);
	ck_assert_int_eq(dense_lookup(3, 100), 5);
	u[0] = dense_upd(DP_UPD_DELETE, 3, 100, 0);
	u[1] = dense_upd(DP_UPD_INSERT, 4, 1, 6);
	u[2] = dense_upd(DP_UPD_MODIFY, 15, 4095, 2);
	ck_assert_int_eq(dp_table_write(u, 3, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(dense_lookup(3, 100), -2);
	ck_assert_int_eq(dense_lookup(4, 1), 6);
	ck_assert_int_eq(dense_lookup(15, 4095), 2);
	/* a failed atomic batch changes nothing */
	u[0] = dense_upd(DP_UPD_INSERT, 5, 5, 1);
	u[1] = dense_upd(DP_UPD_INSERT, 4, 1, 1);	/* exists */
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), -ECANCELED);
	ck_assert_int_eq(dense_lookup(5, 5), -2);
	ck_assert_int_eq(dp_table_clear(t_dense, NULL), 0);
	ck_assert_int_eq(dense_lookup(4, 1), -2);
}
END_TEST

/* Table @t (keyed by an id) holding ids 1, 5 and 1023 (ports 11, 55, 99)
 * and nothing else; keys[i] (kp[i]) the key of ids[i], for i < n. */
static void
ids_setup(int t, const uint32_t *ids, unsigned int n, uint8_t (*keys)[DP_KEY_MAX], const uint8_t **kp)
{
	ck_assert_int_eq(dp_table_clear(t, NULL), 0);
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t, 1, 11)), 0);
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t, 5, 55)), 0);
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t, 1023, 99)), 0);
	for (unsigned int i = 0; i < n; i++) {
		memset(keys[i], 0, sizeof(keys[i]));
		memcpy(keys[i], id_upd(DP_UPD_INSERT, t, ids[i], 0).key, 4);
		kp[i] = keys[i];
	}
}

/* dp_table_lookup_ids: what dp_table_lookup gives for the same ids, on a
 * direct array and on a hash, with hits counted per entry and misses
 * (an id above the array's bound among them) not counted. */
START_TEST(lookup_by_ids)
{
	static const uint32_t ids[] = { 1, 5, 1023, 2, 1024, 5, 5, 0xffffffff, 1, 0 };
	const unsigned int n = RTE_DIM(ids);
	const int tables[] = { t_ids, t_idh };

	ck_assert(dp_tg.t[t_ids]->dense);
	ck_assert(!dp_tg.t[t_idh]->dense);
	for (unsigned int ti = 0; ti < RTE_DIM(tables); ti++) {
		int t = tables[ti];
		const struct dp_entry *a[RTE_DIM(ids)], *b[RTE_DIM(ids)];
		uint8_t keys[RTE_DIM(ids)][DP_KEY_MAX];
		const uint8_t *kp[RTE_DIM(ids)];
		struct dp_entry_view ev[8];
		uint64_t ma, mb;
		uint32_t next;

		ids_setup(t, ids, n, keys, kp);
		dp_tables_reader_online(0);
		ma = dp_table_lookup_ids(dp_tables_root(), 0, t, ids, n, a);
		mb = dp_table_lookup(dp_tables_root(), DP_WORKER_NONE, t, kp, n, b);
		dp_tables_reader_offline(0);
		ck_assert_uint_eq(ma, mb);
		ck_assert_uint_eq(ma, 0x167);	/* 1, 5, 1023, 5, 5, 1 */
		for (unsigned int i = 0; i < n; i++)
			ck_assert_ptr_eq(a[i], b[i]);
		ck_assert_uint_eq(*(const uint16_t *)a[1]->params, 55);
		ck_assert_uint_eq(a[3]->action, A_NOOP);
		ck_assert_int_eq(dp_table_read(t, 0, 8, ev, &next), 3);
		for (unsigned int i = 0; i < 3; i++) {
			uint16_t port = *(const uint16_t *)ev[i].params;

			ck_assert_uint_eq(ev[i].hits, port == 11 ? 2 : port == 55 ? 3 : 1);
		}
		ck_assert_uint_eq(dp_table_counts(t).hits, 6);
		ck_assert_uint_eq(dp_table_counts(t).misses, 4);
	}
}
END_TEST

/* dp_table_lookup_runs: what dp_table_lookup gives (entries, hit mask),
 * and the same counts (per entry, hits, misses) though a repeated key is
 * looked up once: runs of hits and of misses, at the burst's ends too. */
START_TEST(lookup_runs)
{
	static const uint32_t ids[] = { 1, 1, 5, 5, 5, 77, 77, 1, 1023, 1023, 5, 77 };
	const unsigned int n = RTE_DIM(ids);
	const int t = t_idh;
	const struct dp_entry *a[RTE_DIM(ids)], *b[RTE_DIM(ids)];
	uint8_t keys[RTE_DIM(ids)][DP_KEY_MAX];
	const uint8_t *kp[RTE_DIM(ids)];
	struct dp_entry_view ev[8];
	uint64_t ma, mb, h0, m0;
	uint32_t next;

	ids_setup(t, ids, n, keys, kp);
	h0 = dp_table_counts(t).hits;
	m0 = dp_table_counts(t).misses;
	dp_tables_reader_online(0);
	ma = dp_table_lookup_runs(dp_tables_root(), 0, t, kp, n, a);
	mb = dp_table_lookup(dp_tables_root(), DP_WORKER_NONE, t, kp, n, b);
	dp_tables_reader_offline(0);
	ck_assert_uint_eq(ma, mb);
	ck_assert_uint_eq(ma, 0x79f);	/* all but the 77s */
	for (unsigned int i = 0; i < n; i++)
		ck_assert_ptr_eq(a[i], b[i]);
	ck_assert_int_eq(dp_table_read(t, 0, 8, ev, &next), 3);
	for (unsigned int i = 0; i < 3; i++) {
		uint16_t port = *(const uint16_t *)ev[i].params;

		ck_assert_uint_eq(ev[i].hits, port == 11 ? 3 : port == 55 ? 4 : 2);
	}
	ck_assert_uint_eq(dp_table_counts(t).hits - h0, 9);
	ck_assert_uint_eq(dp_table_counts(t).misses - m0, 3);
	/* a run at the end, and one key (a miss) */
	dp_tables_reader_online(0);
	ck_assert_uint_eq(dp_table_lookup_runs(dp_tables_root(), 0, t, kp + 1, 3, a), 0x7);
	ck_assert_uint_eq(dp_table_lookup_runs(dp_tables_root(), 0, t, kp + 5, 1, a), 0);
	dp_tables_reader_offline(0);
	ck_assert_uint_eq(dp_table_counts(t).hits - h0, 12);
	ck_assert_uint_eq(dp_table_counts(t).misses - m0, 4);
}
END_TEST

/* dp_table_version: one more per batch that touched the table (a failed
 * one too: its undo changed what workers saw), none for another table's;
 * dp_table_count_hits counts as the lookups a memo stands for. */
START_TEST(versions_and_memo_hits)
{
	struct dp_update u[2];
	int r[2];
	uint64_t v = dp_table_version(t_ids), vo = dp_table_version(t_idh);
	const struct dp_entry *e[3];
	struct dp_entry_view ev[4];
	uint32_t next;

	ck_assert_int_eq(dp_table_clear(t_ids, NULL), 0);
	ck_assert_uint_gt(dp_table_version(t_ids), v);
	v = dp_table_version(t_ids);
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t_ids, 7, 70)), 0);
	ck_assert_uint_eq(dp_table_version(t_ids), v + 1);
	ck_assert_int_eq(write1(id_upd(DP_UPD_MODIFY, t_ids, 7, 71)), 0);
	ck_assert_uint_eq(dp_table_version(t_ids), v + 2);
	u[0] = id_upd(DP_UPD_INSERT, t_ids, 8, 80);
	u[1] = id_upd(DP_UPD_INSERT, t_ids, 7, 72);	/* exists */
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_ROLLBACK, r), -ECANCELED);
	ck_assert_uint_eq(dp_table_version(t_ids), v + 3);
	u[0] = id_upd(DP_UPD_DELETE, t_ids, 7, 0);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_uint_eq(dp_table_version(t_ids), v + 4);
	ck_assert_uint_eq(dp_table_version(t_idh), vo);
	/* hits counted on a memo's entries */
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t_ids, 3, 30)), 0);
	ck_assert_int_eq(write1(id_upd(DP_UPD_INSERT, t_ids, 4, 40)), 0);
	dp_tables_reader_online(0);
	dp_table_lookup_ids(dp_tables_root(), DP_WORKER_NONE, t_ids, (const uint32_t[]){ 3, 4, 3 }, 3, e);
	dp_tables_reader_offline(0);
	{
		struct dp_table_counts c0 = dp_table_counts(t_ids);

		dp_table_count_hits(0, t_ids, e, (const uint32_t[]){ 1, 1, 1 }, 3);
		dp_table_count_hits(0, t_ids, e, (const uint32_t[]){ 2, 0 }, 2);
		/* not a worker: not counted */
		dp_table_count_hits(DP_WORKER_NONE, t_ids, e, (const uint32_t[]){ 1, 1, 1 }, 3);
		ck_assert_uint_eq(dp_table_counts(t_ids).hits, c0.hits + 5);
		ck_assert_uint_eq(dp_table_counts(t_ids).misses, c0.misses);
	}
	ck_assert_int_eq(dp_table_read(t_ids, 0, 4, ev, &next), 2);
	for (unsigned int i = 0; i < 2; i++)
		ck_assert_uint_eq(ev[i].hits, *(const uint16_t *)ev[i].params == 30 ? 4 : 1);
}
END_TEST

START_TEST(exact_basic)
{
	clear_all();
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), -2);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 0, "10.0.0.1", A_OUT, 3)), 0);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), 3);
	ck_assert_int_eq(exact_lookup(1, "10.0.0.1"), -2);   /* other in_port */
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 0, "10.0.0.1", A_OUT, 4)), -EEXIST);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_MODIFY, 0, "10.0.0.1", A_OUT, 5)), 0);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), 5);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_MODIFY, 0, "10.9.9.9", A_OUT, 5)), -ENOENT);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_DELETE, 0, "10.0.0.1", 0, 0)), 0);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_DELETE, 0, "10.0.0.1", 0, 0)), -ENOENT);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), -2);
	ck_assert_uint_eq(dp_table_entries(t_exact), 0);
}
END_TEST

START_TEST(exact_default_and_hits)
{
	struct dp_entry_view ev[8];
	uint32_t next;

	clear_all();
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 2, "10.0.0.2", A_OUT, 1)), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(exact_lookup(2, "10.0.0.2"), 1);
	ck_assert_int_eq(dp_table_read(t_exact, 0, 8, ev, &next), 1);
	ck_assert_uint_eq(ev[0].hits, 5);
	ck_assert_uint_eq(next, UINT32_MAX);
	/* modify keeps the entry's counter */
	ck_assert_int_eq(write1(exact_upd(DP_UPD_MODIFY, 2, "10.0.0.2", A_OUT, 2)), 0);
	exact_lookup(2, "10.0.0.2");
	dp_table_read(t_exact, 0, 8, ev, &next);
	ck_assert_uint_eq(ev[0].hits, 6);
	/* default action applies to misses */
	ck_assert_int_eq(write1(upd(DP_UPD_DEFAULT, t_exact, A_DROP, 0)), 0);
	ck_assert_int_eq(exact_lookup(9, "1.1.1.1"), -1);
	ck_assert_int_eq(write1(upd(DP_UPD_DEFAULT, t_exact, A_NOOP, 0)), 0);
	/* a re-inserted key starts from zero hits */
	ck_assert_int_eq(write1(exact_upd(DP_UPD_DELETE, 2, "10.0.0.2", 0, 0)), 0);
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 2, "10.0.0.2", A_OUT, 1)), 0);
	dp_table_read(t_exact, 0, 8, ev, &next);
	ck_assert_uint_eq(ev[0].hits, 0);
}
END_TEST

START_TEST(exact_full)
{
	struct dp_update u[9];
	int r[9];
	char a[32];

	clear_all();
	for (int i = 0; i < 9; i++) {
		snprintf(a, sizeof(a), "10.1.0.%d", i);
		u[i] = exact_upd(DP_UPD_INSERT, 0, a, A_OUT, 1);
	}
	ck_assert_int_eq(dp_table_write(u, 9, DP_ATOM_CONTINUE, r), -EIO);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(r[i], 0);
	ck_assert_int_eq(r[8], -ENOSPC);
	ck_assert_uint_eq(dp_table_entries(t_exact), 8);
}
END_TEST

START_TEST(txn_rollback_continue)
{
	struct dp_update u[4];
	uint64_t gen;
	int r[4];

	clear_all();
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 0, "10.0.0.9", A_OUT, 7)), 0);
	u[0] = exact_upd(DP_UPD_INSERT, 0, "10.0.0.1", A_OUT, 1);
	u[1] = exact_upd(DP_UPD_MODIFY, 0, "10.0.0.9", A_OUT, 2);
	u[2] = exact_upd(DP_UPD_INSERT, 0, "10.0.0.1", A_OUT, 3); /* duplicate of u[0] */
	u[3] = exact_upd(DP_UPD_DELETE, 0, "10.0.0.9", 0, 0);
	gen = dp_tables_generation();
	ck_assert_int_eq(dp_table_write(u, 4, DP_ATOM_ROLLBACK, r), -ECANCELED);
	ck_assert_int_eq(r[0], -ECANCELED);
	ck_assert_int_eq(r[1], -ECANCELED);
	ck_assert_int_eq(r[2], -EEXIST);
	ck_assert_int_eq(r[3], -ECANCELED);
	ck_assert_uint_eq(dp_tables_generation(), gen);
	ck_assert_uint_eq(dp_table_entries(t_exact), 1);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), -2);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.9"), 7);   /* modify undone */

	ck_assert_int_eq(dp_table_write(u, 4, DP_ATOM_CONTINUE, r), -EIO);
	ck_assert_int_eq(r[0], 0);
	ck_assert_int_eq(r[1], 0);
	ck_assert_int_eq(r[2], -EEXIST);
	ck_assert_int_eq(r[3], 0);
	ck_assert_uint_eq(dp_tables_generation(), gen + 1);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.1"), 1);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.9"), -2);
}
END_TEST

START_TEST(txn_dataplane_atomic)
{
	struct dp_update u[3];
	int r[3];

	clear_all();
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 0, "10.0.0.5", A_OUT, 1)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.0.0.0", 8, 1)), 0);
	/* a batch across two tables, with a modify: all of it or none */
	u[0] = exact_upd(DP_UPD_MODIFY, 0, "10.0.0.5", A_OUT, 2);
	u[1] = lpm_upd(DP_UPD_INSERT, 1, "10.1.0.0", 16, 2);
	u[2] = exact_upd(DP_UPD_DELETE, 0, "10.0.0.77", 0, 0);  /* not there */
	ck_assert_int_eq(dp_table_write(u, 3, DP_ATOM_DATAPLANE, r), -ECANCELED);
	ck_assert_int_eq(r[2], -ENOENT);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.5"), 1);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.3"), 1);
	ck_assert_uint_eq(dp_table_entries(t_lpm), 1);

	u[2] = exact_upd(DP_UPD_INSERT, 0, "10.0.0.77", A_DROP, 0);
	ck_assert_int_eq(dp_table_write(u, 3, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.5"), 2);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.3"), 2);
	ck_assert_int_eq(lpm_lookup(1, "10.2.2.3"), 1);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.77"), -1);
	/* and deletes through a clone */
	u[0] = exact_upd(DP_UPD_DELETE, 0, "10.0.0.5", 0, 0);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(exact_lookup(0, "10.0.0.5"), -2);
	ck_assert_uint_eq(dp_table_entries(t_exact), 1);

	/* a clone shares the VRFs it does not change; both stay right */
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 2, "10.0.0.0", 8, 5)), 0);
	u[0] = lpm_upd(DP_UPD_INSERT, 1, "10.9.0.0", 16, 6);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(lpm_lookup(1, "10.9.1.1"), 6);
	ck_assert_int_eq(lpm_lookup(2, "10.9.1.1"), 5);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.3"), 2);
	u[0] = lpm_upd(DP_UPD_MODIFY, 2, "10.0.0.0", 8, 7);
	u[1] = lpm_upd(DP_UPD_INSERT, 2, "10.9.0.0", 16, 8);
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(lpm_lookup(2, "10.8.1.1"), 7);
	ck_assert_int_eq(lpm_lookup(2, "10.9.1.1"), 8);
	ck_assert_int_eq(lpm_lookup(1, "10.9.1.1"), 6);
	/* and plain in-place writes after the clones */
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_DELETE, 1, "10.9.0.0", 16, 0)), 0);
	ck_assert_int_eq(lpm_lookup(1, "10.9.1.1"), 1);
	ck_assert_int_eq(lpm_lookup(2, "10.9.1.1"), 8);
}
END_TEST

START_TEST(lpm_vrf)
{
	clear_all();
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.0.0.0", 8, 1)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.0.0", 16, 2)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 2, "10.1.0.0", 16, 3)), 0);
	/* host bits are masked off: the same prefix again */
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.9.9", 16, 4)), -EEXIST);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.3"), 2);
	ck_assert_int_eq(lpm_lookup(1, "10.2.2.3"), 1);
	ck_assert_int_eq(lpm_lookup(2, "10.1.2.3"), 3);
	ck_assert_int_eq(lpm_lookup(2, "10.2.2.3"), -2);   /* vrf 2 has no /8 */
	ck_assert_int_eq(lpm_lookup(3, "10.1.2.3"), -2);   /* unknown vrf */
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_DELETE, 1, "10.1.0.0", 16, 0)), 0);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.3"), 1);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "0.0.0.0", 0, 9)), 0);
	ck_assert_int_eq(lpm_lookup(1, "192.168.1.1"), 9);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "1.0.0.0", 33, 9)), -EINVAL);
}
END_TEST

/* dp_table_lookup_lpm4: what dp_table_lookup gives for the keys (vrf,
 * address), entries and hit mask, and the same counts per entry, hits and
 * misses: /8 to /32 routes, the /0, a VRF without one, an unknown VRF, and
 * random addresses against the keyed lookup. */
START_TEST(lookup_lpm4_by_address)
{
	const struct dp_entry *a[DP_LOOKUP_BURST], *b[DP_LOOKUP_BURST];
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX];
	const uint8_t *kp[DP_LOOKUP_BURST];
	uint32_t dst[DP_LOOKUP_BURST];
	uint64_t seed = 7;

	clear_all();
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.0.0.0", 8, 1)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.0.0", 16, 2)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.2.0", 24, 3)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.2.128", 25, 4)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 1, "10.1.2.200", 32, 5)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 2, "0.0.0.0", 0, 6)), 0);
	ck_assert_int_eq(write1(lpm_upd(DP_UPD_INSERT, 2, "10.1.0.0", 16, 7)), 0);
	for (uint16_t vrf = 1; vrf <= 3; vrf++) {
		for (unsigned int round = 0; round < 64; round++) {
			unsigned int n = 1 + round % DP_LOOKUP_BURST;
			rte_be16_t part = rte_cpu_to_be_16(vrf);
			struct dp_table_counts c0 = dp_table_counts(t_lpm), c1, c2;
			uint64_t ma, mb;

			for (unsigned int i = 0; i < n; i++) {
				uint32_t be;

				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				/* mostly inside 10.1.2.0/24's neighbourhood: every depth */
				dst[i] = (uint32_t)(seed >> 33);
				if (i % 4 != 3)
					dst[i] = (dst[i] & (i % 2 ? 0x1ffff : 0x1ff)) | (i % 2 ? 0x0a000000 : 0x0a010200);
				be = rte_cpu_to_be_32(dst[i]);
				memset(keys[i], 0, sizeof(keys[i]));
				memcpy(keys[i], &part, 2);
				memcpy(keys[i] + 2, &be, 4);
				kp[i] = keys[i];
			}
			dp_tables_reader_online(0);
			ma = dp_table_lookup_lpm4(dp_tables_root(), 0, t_lpm, (const uint8_t *)&part, dst, n, a);
			c1 = dp_table_counts(t_lpm);
			mb = dp_table_lookup(dp_tables_root(), 0, t_lpm, kp, n, b);
			c2 = dp_table_counts(t_lpm);
			dp_tables_reader_offline(0);
			ck_assert_uint_eq(ma, mb);
			for (unsigned int i = 0; i < n; i++)
				ck_assert_ptr_eq(a[i], b[i]);
			ck_assert_uint_eq(c1.hits - c0.hits, c2.hits - c1.hits);
			ck_assert_uint_eq(c1.misses - c0.misses, c2.misses - c1.misses);
			ck_assert_uint_eq(c1.hits - c0.hits + c1.misses - c0.misses, n);
		}
	}
	/* per entry: both lookups counted each entry alike, so every count is even */
	{
		struct dp_entry_view ev[16];
		uint32_t next;
		unsigned int got = dp_table_read(t_lpm, 0, 16, ev, &next);

		ck_assert_uint_eq(got, 7);
		for (unsigned int i = 0; i < got; i++)
			ck_assert_uint_eq(ev[i].hits % 2, 0);
	}
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.201"), 4);
	ck_assert_int_eq(lpm_lookup(1, "10.1.2.200"), 5);
}
END_TEST

/* IPv6 prefixes: one dp_lpm6 per VRF, covers on delete, the /0 kept
 * apart, prefix lengths up to 128. */
START_TEST(lpm6_vrf)
{
	clear_all();
	ck_assert_str_eq(dp_table_backend_name(t_lpm6), "dp_lpm6");
	ck_assert_str_eq(dp_table_backend_name(t_lpm), "dp_lpm4");
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8::", 32, 1)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:1::", 48, 2)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:1:2::", 64, 3)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:1:2::7", 128, 4)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 2, "2001:db8:1::", 48, 5)), 0);
	/* host bits are masked off: the same prefix again */
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:1:ffff::1", 48, 6)), -EEXIST);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::7"), 4);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::8"), 3);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:3::1"), 2);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:ff::1"), 1);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db9::1"), -2);
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:1:2::7"), 5);   /* vrf 2: its own /48 only */
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:2::1"), -2);
	ck_assert_int_eq(lpm6_lookup(3, "2001:db8:1::1"), -2);    /* unknown vrf */
	/* a delete falls back to the longest shorter route, level by level */
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "2001:db8:1:2::", 64, 0)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::8"), 2);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::7"), 4);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "2001:db8:1::", 48, 0)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::8"), 1);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "2001:db8::", 32, 0)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::8"), -2);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::7"), 4);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "2001:db8::", 32, 0)), -ENOENT);
	/* the default route, and what a delete of it leaves */
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "::", 0, 9)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "fd00::1"), 9);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:1:2::7"), 4);
	ck_assert_int_eq(lpm6_lookup(2, "fd00::1"), -2);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "::", 0, 0)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "fd00::1"), -2);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8::", 129, 9)), -EINVAL);
	ck_assert_uint_eq(dp_table_entries(t_lpm6), 2);
}
END_TEST

/* Every atomicity mode on IPv6 routes: a dataplane-atomic batch copies only
 * the VRFs it changes (the others are shared, and stay right in both), a
 * failed batch leaves nothing. */
START_TEST(lpm6_atomicity)
{
	struct dp_update u[3];
	int r[3];

	clear_all();
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8::", 32, 1)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 2, "2001:db8::", 32, 2)), 0);
	/* rollback and dataplane-atomic: the failing third update undoes all */
	for (int mode = DP_ATOM_ROLLBACK; mode <= DP_ATOM_DATAPLANE; mode++) {
		u[0] = lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:5::", 48, 3);
		u[1] = lpm6_upd(DP_UPD_MODIFY, 2, "2001:db8::", 32, 4);
		u[2] = lpm6_upd(DP_UPD_DELETE, 1, "fd00::", 8, 0);   /* not there */
		ck_assert_int_eq(dp_table_write(u, 3, mode, r), -ECANCELED);
		ck_assert_int_eq(r[2], -ENOENT);
		ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5::1"), 1);
		ck_assert_int_eq(lpm6_lookup(2, "2001:db8:5::1"), 2);
		ck_assert_uint_eq(dp_table_entries(t_lpm6), 2);
	}
	/* continue: the good ones stay */
	ck_assert_int_eq(dp_table_write(u, 3, DP_ATOM_CONTINUE, r), -EIO);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5::1"), 3);
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:5::1"), 4);
	/* dataplane-atomic on vrf 1 only, then on both, then deletes */
	u[0] = lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:5:6::", 64, 5);
	u[1] = lpm6_upd(DP_UPD_INSERT, 1, "::", 0, 6);
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:6::1"), 5);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:7::1"), 3);
	ck_assert_int_eq(lpm6_lookup(1, "fe80::1"), 6);
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:5:6::1"), 4);
	ck_assert_int_eq(lpm6_lookup(2, "fe80::1"), -2);
	u[0] = lpm6_upd(DP_UPD_MODIFY, 2, "2001:db8::", 32, 7);
	u[1] = lpm6_upd(DP_UPD_DELETE, 1, "2001:db8:5::", 48, 0);
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:6::1"), 5);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:7::1"), 1);
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:5:7::1"), 7);
	/* in place after the clones, and a clear */
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_DELETE, 1, "2001:db8:5:6::", 64, 0)), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:6::1"), 1);
	ck_assert_int_eq(dp_table_clear(t_lpm6, NULL), 0);
	ck_assert_int_eq(lpm6_lookup(1, "2001:db8:5:6::1"), -2);
	ck_assert_int_eq(lpm6_lookup(2, "2001:db8:5:6::1"), -2);
}
END_TEST

/* A burst of keys over VRFs in runs and alone, hits and misses: each gets
 * its route (one bulk walk per run), and the hits are counted per route. */
START_TEST(lpm6_burst_and_hits)
{
	static const struct { uint16_t vrf; const char *ip; int want; } k[] = {
		{ 1, "2001:db8:1::1", 1 }, { 1, "2001:db8:1::2", 1 }, { 1, "2001:db8:2::1", 2 },
		{ 2, "2001:db8:1::1", 3 }, { 1, "2001:db8:1::3", 1 }, { 1, "fd00::1", -2 },
		{ 9, "2001:db8:1::1", -2 }, { 2, "fd00::1", 4 }, { 2, "2001:db8:2::1", 4 },
	};
	uint8_t keys[RTE_DIM(k)][DP_KEY_MAX];
	const uint8_t *kp[RTE_DIM(k)];
	const struct dp_entry *e[RTE_DIM(k)];
	struct dp_entry_view ev[8];
	struct dp_table_counts c0, c1;
	uint32_t next;
	uint64_t hit, hits[5] = { 0 };
	unsigned int n;

	clear_all();
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:1::", 48, 1)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 1, "2001:db8:2::", 48, 2)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 2, "2001:db8:1::", 48, 3)), 0);
	ck_assert_int_eq(write1(lpm6_upd(DP_UPD_INSERT, 2, "::", 0, 4)), 0);
	for (unsigned int i = 0; i < RTE_DIM(k); i++) {
		memset(keys[i], 0, DP_KEY_MAX);
		memcpy(keys[i], lpm6_upd(DP_UPD_INSERT, k[i].vrf, k[i].ip, 128, 0).key, 18);
		kp[i] = keys[i];
	}
	c0 = dp_table_counts(t_lpm6);
	dp_tables_reader_online(0);
	hit = dp_table_lookup(dp_tables_root(), 0, t_lpm6, kp, RTE_DIM(k), e);
	dp_tables_reader_offline(0);
	for (unsigned int i = 0; i < RTE_DIM(k); i++) {
		int got = e[i]->action == A_OUT ? *(const uint16_t *)e[i]->params : -2;

		ck_assert_msg(got == k[i].want, "key %u: %d, want %d", i, got, k[i].want);
		ck_assert_int_eq(!!(hit & (1ULL << i)), k[i].want > 0);
	}
	c1 = dp_table_counts(t_lpm6);
	ck_assert_uint_eq(c1.hits - c0.hits, 7);
	ck_assert_uint_eq(c1.misses - c0.misses, 2);
	n = dp_table_read(t_lpm6, 0, 8, ev, &next);
	ck_assert_uint_eq(n, 4);
	for (unsigned int i = 0; i < n; i++)
		hits[*(const uint16_t *)ev[i].params] = ev[i].hits;
	ck_assert_uint_eq(hits[1], 3);
	ck_assert_uint_eq(hits[2], 1);
	ck_assert_uint_eq(hits[3], 1);
	ck_assert_uint_eq(hits[4], 2);
}
END_TEST

START_TEST(acl_priority_ranges)
{
	struct dp_entry_view ev[8];
	uint32_t next;

	clear_all();
	/* packed for rte_acl: src, dst, then dport and proto in one word */
	ck_assert_uint_eq(dp_table_key_len(t_acl), 12);
	ck_assert_uint_eq(dp_table_field_off(t_acl, 3), 8);
	ck_assert_uint_eq(dp_table_field_off(t_acl, 0), 10);
	ck_assert_int_eq(acl_lookup(17, "1.2.3.4", "10.0.0.1", 53), -2);
	/* broad: any UDP to 10/8, low priority */
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 10, 17, "0.0.0.0", "0.0.0.0", "10.0.0.0", 8, 0, 65535, 1)), 0);
	/* narrow: from 192.168.0.0/16 (as a mask), dport 1000..2000, higher priority */
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 20, 17, "192.168.7.7", "255.255.0.0", "10.0.0.0", 8, 1000, 2000, 2)), 0);
	ck_assert_int_eq(acl_lookup(17, "1.2.3.4", "10.0.0.1", 53), 1);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 1500), 2);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 999), 1);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 2000), 2);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 2001), 1);
	ck_assert_int_eq(acl_lookup(17, "192.169.1.1", "10.0.0.1", 1500), 1);
	ck_assert_int_eq(acl_lookup(6, "192.168.1.1", "10.0.0.1", 1500), -2);   /* proto exact */
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "11.0.0.1", 1500), -2);  /* dst prefix */
	/* same match, other priority: a distinct entry; same match+priority: exists */
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 20, 17, "192.168.0.0", "255.255.0.0", "10.0.0.0", 8, 1000, 2000, 3)), -EEXIST);
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 30, 17, "192.168.0.0", "255.255.0.0", "10.0.0.0", 8, 1000, 2000, 3)), 0);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 1500), 3);
	ck_assert_int_eq(write1(acl_upd(DP_UPD_DELETE, 30, 17, "192.168.0.0", "255.255.0.0", "10.0.0.0", 8, 1000, 2000, 0)), 0);
	ck_assert_int_eq(acl_lookup(17, "192.168.1.1", "10.0.0.1", 1500), 2);
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 0, 17, "0.0.0.0", "0.0.0.0", "10.0.0.0", 8, 0, 1, 3)), -EINVAL);
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 5, 17, "0.0.0.0", "0.0.0.0", "10.0.0.0", 8, 9, 1, 3)), -EINVAL);
	ck_assert_int_eq(dp_table_read(t_acl, 0, 8, ev, &next), 2);
	ck_assert_uint_eq(ev[1].priority, 20);
	ck_assert_uint_eq(ev[1].hits, 3);
	/* the stored ternary value is canonical (host bits cleared) */
	ck_assert_int_eq(ev[1].key[dp_table_field_off(t_acl, 1) + 2], 0);
}
END_TEST

START_TEST(read_paging)
{
	struct dp_update u[6];
	struct dp_entry_view ev[4];
	uint32_t next, total = 0, off = 0;
	int r[6];
	char a[32];

	clear_all();
	for (int i = 0; i < 6; i++) {
		snprintf(a, sizeof(a), "10.2.0.%d", i);
		u[i] = exact_upd(DP_UPD_INSERT, 1, a, A_OUT, i);
	}
	ck_assert_int_eq(dp_table_write(u, 6, DP_ATOM_ROLLBACK, r), 0);
	do {
		unsigned int n = dp_table_read(t_exact, off, 4, ev, &next);

		total += n;
		off = next;
	} while (next != UINT32_MAX);
	ck_assert_uint_eq(total, 6);
}
END_TEST

/* The control thread reads its clock, then inserts entries (learning)
 * stamped later, then ages with the clock it read: those entries are fresh,
 * not 2^64 ticks old. */
START_TEST(ageing_entries_newer_than_now)
{
	struct dp_update u[16];
	uint64_t before, hz = rte_get_tsc_hz();
	int r[16];

	ck_assert_int_eq(dp_table_clear(t_age, NULL), 0);
	before = rte_rdtsc();
	for (int i = 0; i < 16; i++) {
		u[i] = upd(DP_UPD_INSERT, t_age, i < 12 ? 0 : 1, 1);   /* 12 learned, 4 static */
		u[i].key[5] = (uint8_t)i;
	}
	ck_assert_int_eq(dp_table_write(u, 16, DP_ATOM_CONTINUE, r), 0);
	ck_assert_uint_eq(dp_tables_age(before, NULL), 0);
	ck_assert_uint_eq(dp_table_entries(t_age), 16);
	/* within the timeout: nothing; past it: the 12 learned, not the static */
	ck_assert_uint_eq(dp_tables_age(rte_rdtsc() + hz / 2, NULL), 0);
	ck_assert_uint_eq(dp_tables_age(rte_rdtsc() + 3 * hz, NULL), 12);
	ck_assert_uint_eq(dp_table_entries(t_age), 4);
}
END_TEST

/* A worker keeps hitting an entry while dataplane-atomic batches modify it:
 * every hit must be in the entry's count, including those that land on the
 * old entry between the batch's snapshot and the swap. */
static volatile bool hitter_stop;
static volatile uint64_t hitter_progress;
static uint64_t hitter_hits;

static void *
hitter(void *arg)
{
	const uint8_t *key = arg;
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];
	uint64_t n = 0;

	dp_tables_reader_online(0);
	while (!hitter_stop) {
		n += dp_table_lookup(dp_tables_root(), 0, t_exact, kp, 1, e) & 1;
		hitter_progress = n;
		dp_tables_quiescent(0);
	}
	dp_tables_reader_offline(0);
	hitter_hits = n;
	return NULL;
}

START_TEST(atomic_modify_keeps_hits)
{
	uint8_t key[DP_KEY_MAX] = {0};
	struct dp_entry_view ev[1];
	pthread_t th;
	uint32_t next;
	int r;

	clear_all();
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 7, "10.7.7.7", A_OUT, 1)), 0);
	memcpy(key, exact_upd(DP_UPD_INSERT, 7, "10.7.7.7", 0, 0).key, DP_KEY_MAX);
	hitter_stop = false;
	hitter_progress = 0;
	ck_assert_int_eq(pthread_create(&th, NULL, hitter, key), 0);
	while (hitter_progress == 0)   /* the worker is online and hitting */
		rte_pause();
	for (int i = 0; i < 300; i++) {
		struct dp_update u = exact_upd(DP_UPD_MODIFY, 7, "10.7.7.7", A_OUT, (uint16_t)(2 + i % 5));

		ck_assert_int_eq(dp_table_write(&u, 1, i % 3 ? DP_ATOM_DATAPLANE : DP_ATOM_ROLLBACK, &r), 0);
	}
	hitter_stop = true;
	pthread_join(th, NULL);
	ck_assert_uint_gt(hitter_hits, 0);
	ck_assert_uint_eq(dp_table_read(t_exact, 0, 1, ev, &next), 1);
	ck_assert_uint_eq(ev[0].hits, hitter_hits);
}
END_TEST

/* The same without a thread, so it fails the same way every time on an
 * engine that loses them: the hook hits the entries while a dataplane-atomic
 * batch has changed its copy of the table and not yet swapped it in (the old
 * entries are still the live ones). */
static int swap_hook_table, swap_hook_hits;
static uint8_t swap_hook_key[DP_KEY_MAX];

static void
swap_hook(void)
{
	bool hit;

	for (int i = 0; i < swap_hook_hits; i++) {
		lookup(swap_hook_table, swap_hook_key, &hit);
		ck_assert(hit);
	}
}

static uint64_t
hits_of(int table)
{
	struct dp_entry_view ev[1];
	uint32_t next;

	ck_assert_uint_eq(dp_table_read(table, 0, 1, ev, &next), 1);
	return ev[0].hits;
}

START_TEST(atomic_modify_hits_before_swap)
{
	struct dp_update u[2];
	int r[2];

	clear_all();
	/* exact: 2 hits, then 5 between clone and swap */
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 7, "10.7.7.7", A_OUT, 1)), 0);
	u[0] = exact_upd(DP_UPD_MODIFY, 7, "10.7.7.7", A_OUT, 2);
	ck_assert_int_eq(exact_lookup(7, "10.7.7.7"), 1);
	ck_assert_int_eq(exact_lookup(7, "10.7.7.7"), 1);
	swap_hook_table = t_exact;
	memcpy(swap_hook_key, u[0].key, DP_KEY_MAX);
	swap_hook_hits = 5;
	dp_table_swap_hook = swap_hook;
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_uint_eq(hits_of(t_exact), 7);
	ck_assert_int_eq(exact_lookup(7, "10.7.7.7"), 2);
	ck_assert_uint_eq(hits_of(t_exact), 8);

	/* the key modified twice in one batch: the hits go to the last entry */
	u[1] = exact_upd(DP_UPD_MODIFY, 7, "10.7.7.7", A_OUT, 3);
	swap_hook_hits = 4;
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_uint_eq(hits_of(t_exact), 12);
	ck_assert_int_eq(exact_lookup(7, "10.7.7.7"), 3);

	/* ternary/range: the batch builds a new ACL context on the clone */
	ck_assert_int_eq(write1(acl_upd(DP_UPD_INSERT, 5, 17, "0.0.0.0", "0.0.0.0", "10.0.0.0", 8,
				       0, 65535, 1)), 0);
	u[0] = acl_upd(DP_UPD_MODIFY, 5, 17, "0.0.0.0", "0.0.0.0", "10.0.0.0", 8, 0, 65535, 4);
	ck_assert_int_eq(acl_lookup(17, "1.1.1.1", "10.1.1.1", 53), 1);
	u[1] = acl_upd(DP_UPD_INSERT, 5, 17, "1.1.1.1", "255.255.255.255", "10.1.1.1", 32, 53, 53, 0);
	swap_hook_table = t_acl;
	memcpy(swap_hook_key, u[1].key, DP_KEY_MAX);
	swap_hook_hits = 3;
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	dp_table_swap_hook = NULL;
	ck_assert_uint_eq(hits_of(t_acl), 4);
	ck_assert_int_eq(acl_lookup(17, "1.1.1.1", "10.1.1.1", 53), 4);
}
END_TEST

/* t_drv[k] mirrors t_src[k]'s output port; port 999 is refused. */
static unsigned int drv_done_ok, drv_done_failed;

static int
drv_expand(struct dp_update *u, const struct dp_update *batch __rte_unused,
	   unsigned int n_batch __rte_unused, struct dp_update *out)
{
	if (u->type != DP_UPD_DELETE && *(const uint16_t *)u->params == 999)
		return -EPERM;
	*out = *u;
	out->table = t_drv;
	out->after = 1;
	return 1;
}

static void
drv_done(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++)
		if (d[i].table == t_drv) {
			drv_done_ok += res[i] == 0;
			drv_done_failed += res[i] != 0;
		}
}

static struct dp_table_deriver drv = { .expand = drv_expand, .done = drv_done };

static struct dp_update
src_upd(enum dp_update_type type, uint16_t k, uint16_t port)
{
	struct dp_update u = upd(type, t_src, A_OUT, port);
	rte_be16_t v = rte_cpu_to_be_16(k);

	memcpy(u.key, &v, 2);
	return u;
}

static int
drv_lookup(uint16_t k)
{
	rte_be16_t v = rte_cpu_to_be_16(k);

	return lookup(t_drv, (const uint8_t *)&v, NULL);
}

/* A derived table changes in the batch of the update it derives from, with
 * its atomicity: nothing of a failed batch, nothing of a failed update in
 * continue mode ("after"); an update the deriver refuses fails as a bad
 * one does; done() hears every derived result. */
START_TEST(derived_tables)
{
	struct dp_update u[2];
	int r[2];

	u[0] = src_upd(DP_UPD_INSERT, 1, 5);
	u[1] = src_upd(DP_UPD_INSERT, 1, 6);          /* exists */
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_CONTINUE, r), -EIO);
	ck_assert_int_eq(r[0], 0);
	ck_assert_int_eq(r[1], -EEXIST);
	ck_assert_int_eq(drv_lookup(1), 5);           /* not 6: u[1] failed */
	ck_assert_uint_eq(drv_done_ok, 1);
	ck_assert_uint_eq(drv_done_failed, 1);

	for (int mode = DP_ATOM_ROLLBACK; mode <= DP_ATOM_DATAPLANE; mode++) {
		u[0] = src_upd(DP_UPD_INSERT, 2, 5);
		u[1] = src_upd(DP_UPD_INSERT, 1, 7);  /* exists */
		ck_assert_int_eq(dp_table_write(u, 2, (enum dp_atomicity)mode, r), -ECANCELED);
		ck_assert_int_eq(r[0], -ECANCELED);
		ck_assert_int_eq(r[1], -EEXIST);
		ck_assert_int_eq(drv_lookup(2), -2);
		ck_assert_int_eq(drv_lookup(1), 5);
	}
	u[0] = src_upd(DP_UPD_MODIFY, 1, 8);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
	ck_assert_int_eq(drv_lookup(1), 8);

	/* refused by the deriver: alone, in a rollback batch, in continue */
	u[0] = src_upd(DP_UPD_INSERT, 3, 999);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_ROLLBACK, r), -ECANCELED);
	ck_assert_int_eq(r[0], -EPERM);
	u[0] = src_upd(DP_UPD_INSERT, 4, 1);
	u[1] = src_upd(DP_UPD_INSERT, 3, 999);
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_ROLLBACK, r), -ECANCELED);
	ck_assert_int_eq(r[0], -ECANCELED);
	ck_assert_int_eq(r[1], -EPERM);
	ck_assert_int_eq(drv_lookup(4), -2);
	ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_CONTINUE, r), -EIO);
	ck_assert_int_eq(r[0], 0);
	ck_assert_int_eq(r[1], -EPERM);
	ck_assert_int_eq(drv_lookup(4), 1);
	ck_assert_int_eq(drv_lookup(3), -2);

	u[0] = src_upd(DP_UPD_DELETE, 1, 0);
	ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_ROLLBACK, r), 0);
	ck_assert_int_eq(drv_lookup(1), -2);
	/* a batch on other tables costs the derivers nothing */
	drv_done_ok = drv_done_failed = 0;
	ck_assert_int_eq(write1(exact_upd(DP_UPD_INSERT, 0, "10.9.9.9", A_OUT, 1)), 0);
	ck_assert_uint_eq(drv_done_ok + drv_done_failed, 0);
}
END_TEST

/* ---- left-right exact tables */

static struct dp_update
lr_upd(enum dp_update_type type, unsigned int i, uint32_t id, uint16_t port)
{
	struct dp_update u = upd(type, t_lr[i], A_OUT, port);

	if (dp_tg.t[t_lr[i]]->dense) {
		rte_be16_t k = rte_cpu_to_be_16((uint16_t)id);

		memcpy(u.key, &k, 2);
	} else {
		rte_be32_t k = rte_cpu_to_be_32(id);

		memcpy(u.key, &k, 4);
		if (dp_table_key_len(t_lr[i]) > 4)   /* the id again, in the pad */
			memcpy(u.key + 16, &k, 4);
	}
	return u;
}

/* The port id maps to in table i, -1 when it misses. */
static int
lr_find(unsigned int i, uint32_t id)
{
	const struct dp_entry *e = dp_table_find(t_lr[i], lr_upd(DP_UPD_INSERT, i, id, 0).key);

	return e == NULL ? -1 : *(const uint16_t *)e->params;
}

static int
lr_check(unsigned int i)
{
	return dp_tbe_shadow_check(dp_tg.t[t_lr[i]]);
}

/* A random mix of batches over the three tables at once: every mode;
 * inserts, modifies and deletes, a key more than once in a batch, refused
 * updates (an insert of a key that is there, a modify or delete of one that
 * is not) that cancel whole rollback and dataplane-atomic batches, default
 * changes; now and then a rollback write of more than a quarter of a table
 * (its shadow is dropped). After every batch each table holds what a model
 * of it says, its shadow maps the same keys to the same entries as its live
 * backend and nothing else, and a table cloned only in a dataplane-atomic
 * batch it had no shadow for. */
START_TEST(lr_shadow_random_mix)
{
	static const enum dp_atomicity modes[] = { DP_ATOM_CONTINUE, DP_ATOM_ROLLBACK, DP_ATOM_DATAPLANE };
	static int model[RTE_DIM(t_lr)][LR_IDS], next_m[RTE_DIM(t_lr)][LR_IDS];
	unsigned int n_in[RTE_DIM(t_lr)] = { 0 }, checks = 0, clones = 0, drops = 0, aborted = 0;
	struct dp_update u[160];
	uint32_t x = 2024;
	int r[160];

	for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
		ck_assert_int_eq(dp_table_clear(t_lr[i], NULL), 0);
		for (uint32_t id = 0; id < LR_IDS; id++)
			model[i][id] = -1;
	}
	for (unsigned int b = 0; b < 3000; b++) {
		enum dp_atomicity mode;
		uint64_t cloned[RTE_DIM(t_lr)];
		bool had_shadow[RTE_DIM(t_lr)], bad = false;
		unsigned int n = 0, big = RTE_DIM(t_lr);
		int rc;

		x = x * 1103515245 + 12345;
		mode = modes[(x >> 16) % 3];
		memcpy(next_m, model, sizeof(model));
		if (b % 97 == 96) {
			/* one table, more than a quarter of its size at once: keys
			 * toggled (a deleted key's slot is free only after the batch) */
			unsigned int used = n_in[(x >> 8) % RTE_DIM(t_lr)];

			big = (x >> 8) % RTE_DIM(t_lr);
			mode = DP_ATOM_ROLLBACK;
			for (uint32_t id = b % 3; id < LR_IDS && n < LR_SIZE / 4 + 8; id += 3) {
				if (next_m[big][id] < 0 && used++ >= LR_SIZE)
					continue;
				u[n++] = lr_upd(next_m[big][id] < 0 ? DP_UPD_INSERT : DP_UPD_DELETE, big, id, 99);
				next_m[big][id] = next_m[big][id] < 0 ? 99 : -1;
			}
		} else {
			unsigned int want = 1 + (x >> 20) % 12;

			for (unsigned int k = 0; k < want; k++) {
				unsigned int i, id, type;
				uint16_t port;

				x = x * 1103515245 + 12345;
				i = (x >> 10) % RTE_DIM(t_lr);
				id = (x >> 13) % LR_IDS;
				port = (uint16_t)(1 + (x >> 3) % 50);
				type = (x >> 24) % 16;
				if (type == 0) {         /* a default: no key to replay */
					u[n] = upd(DP_UPD_DEFAULT, t_lr[i], (x >> 5) & 1 ? A_DROP : A_NOOP, 0);
					n++;
					continue;
				}
				if (type == 1) {         /* refused: the key is or is not there */
					u[n++] = lr_upd(next_m[i][id] >= 0 ? DP_UPD_INSERT : DP_UPD_MODIFY, i, id, port);
					bad = true;
					continue;
				}
				if (next_m[i][id] < 0) {
					if (n_in[i] + k >= LR_SIZE - 16)   /* room for atomic modifies' slots */
						continue;
					u[n++] = lr_upd(DP_UPD_INSERT, i, id, port);
					next_m[i][id] = port;
				} else if (type < 9) {
					u[n++] = lr_upd(DP_UPD_MODIFY, i, id, port);
					next_m[i][id] = port;
				} else {
					u[n++] = lr_upd(DP_UPD_DELETE, i, id, 0);
					next_m[i][id] = -1;
				}
			}
		}
		if (n == 0)
			continue;
		for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
			cloned[i] = dp_tg.t[t_lr[i]]->clone_bytes;
			had_shadow[i] = dp_tg.t[t_lr[i]]->shadow != NULL;
		}
		rc = dp_table_write(u, n, mode, r);
		if (mode == DP_ATOM_CONTINUE) {
			/* what took: in order, each on its own (a refused one changes nothing) */
			memcpy(next_m, model, sizeof(model));
			for (unsigned int k = 0; k < n; k++) {
				unsigned int i;
				uint32_t id;

				if (r[k] != 0 || u[k].type == DP_UPD_DEFAULT)
					continue;
				for (i = 0; u[k].table != t_lr[i]; i++)
					;
				id = dp_tg.t[t_lr[i]]->dense ? rte_be_to_cpu_16(*(uint16_t *)u[k].key) :
				     rte_be_to_cpu_32(*(uint32_t *)u[k].key);
				next_m[i][id] = u[k].type == DP_UPD_DELETE ? -1 : *(const uint16_t *)u[k].params;
			}
			ck_assert_int_eq(rc, bad ? -EIO : 0);
		} else {
			ck_assert_int_eq(rc, bad ? -ECANCELED : 0);
			if (bad) {
				memcpy(next_m, model, sizeof(model));
				aborted++;
			}
		}
		memcpy(model, next_m, sizeof(model));
		for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
			const struct dp_table *t = dp_tg.t[t_lr[i]];

			n_in[i] = 0;
			for (uint32_t id = 0; id < LR_IDS; id++) {
				ck_assert_msg(lr_find(i, id) == model[i][id], "batch %u, %s, id %u: %d, want %d",
					      b, t->def.name, id, lr_find(i, id), model[i][id]);
				n_in[i] += model[i][id] >= 0;
			}
			ck_assert_uint_eq(dp_table_entries(t_lr[i]), n_in[i]);
			if (i == big) {
				ck_assert_ptr_null(t->shadow);
				drops += had_shadow[i];
			}
			if (t->clone_bytes != cloned[i]) {
				ck_assert_msg(mode == DP_ATOM_DATAPLANE && !had_shadow[i],
					      "batch %u: %s cloned with a shadow", b, t->def.name);
				clones++;
			}
			if (t->shadow != NULL) {
				ck_assert_msg(lr_check(i) == 0, "batch %u (%s): %s: shadow differs",
					      b, mode == DP_ATOM_DATAPLANE ? "atomic" : "not atomic", t->def.name);
				checks++;
			}
		}
	}
	/* every table went through each path many times */
	ck_assert_uint_gt(checks, 6000);
	ck_assert_uint_gt(drops, 10);
	ck_assert_uint_le(clones, drops + RTE_DIM(t_lr));
	ck_assert_uint_gt(aborted, 100);
}
END_TEST

/* Entries are reused as soon as a batch frees them (the slab is a stack):
 * a shadow slot left naming a freed entry would name whatever key the
 * entry is reused for. Deleted in one mode, the freed entry goes to another
 * key in the next write, then both keys change in a dataplane-atomic batch
 * (which edits the shadow): each key stays its own in both backends. */
START_TEST(lr_reused_entries)
{
	static const enum dp_atomicity modes[] = { DP_ATOM_CONTINUE, DP_ATOM_ROLLBACK, DP_ATOM_DATAPLANE };

	for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
		ck_assert_int_eq(dp_table_clear(t_lr[i], NULL), 0);
		for (uint32_t id = 0; id < 20; id++)
			ck_assert_int_eq(write1(lr_upd(DP_UPD_INSERT, i, id, (uint16_t)id)), 0);
		for (unsigned int m = 0; m < 3 * RTE_DIM(modes); m++) {
			struct dp_update u[2] = { lr_upd(DP_UPD_DELETE, i, 3, 0) };
			const struct dp_entry *old = dp_table_find(t_lr[i], u[0].key);
			uint32_t reuse = 100 + m;
			int r[2];

			/* a shadow first (a dataplane-atomic batch) */
			u[1] = lr_upd(DP_UPD_MODIFY, i, 5, (uint16_t)m);
			ck_assert_int_eq(dp_table_write(&u[1], 1, DP_ATOM_DATAPLANE, r), 0);
			ck_assert_ptr_nonnull(old);
			ck_assert_int_eq(dp_table_write(u, 1, modes[m % 3], r), 0);
			u[0] = lr_upd(DP_UPD_INSERT, i, reuse, 7);
			ck_assert_int_eq(dp_table_write(u, 1, modes[(m / 3) % 3], r), 0);
			ck_assert_ptr_eq(dp_table_find(t_lr[i], u[0].key), old);   /* reused */
			ck_assert_int_eq(lr_check(i), 0);
			u[0] = lr_upd(DP_UPD_MODIFY, i, reuse, 8);
			u[1] = lr_upd(DP_UPD_INSERT, i, 3, 33);
			ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), 0);
			ck_assert_int_eq(lr_find(i, reuse), 8);
			ck_assert_int_eq(lr_find(i, 3), 33);
			ck_assert_int_eq(lr_check(i), 0);
			u[0] = lr_upd(DP_UPD_DELETE, i, reuse, 0);
			u[1] = lr_upd(DP_UPD_MODIFY, i, 3, 3);
			ck_assert_int_eq(dp_table_write(u, 2, modes[m % 3], r), 0);
			ck_assert_int_eq(lr_find(i, reuse), -1);
			ck_assert_int_eq(lr_check(i), 0);
		}
		ck_assert_uint_eq(dp_table_entries(t_lr[i]), 20);
	}
}
END_TEST

/* A key of zeros (id 0 and its pad) in the bucket entries that others
 * left empty, modified in every mode: one key in each backend. (rte_hash
 * once hashed it to the signature of an empty entry and added it again on
 * every modify.) */
START_TEST(lr_zero_key)
{
	for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
		struct dp_update u;
		int r;

		ck_assert_int_eq(dp_table_clear(t_lr[i], NULL), 0);
		for (uint32_t id = 1; id <= 200; id++)
			ck_assert_int_eq(write1(lr_upd(DP_UPD_INSERT, i, id, 1)), 0);
		ck_assert_int_eq(write1(lr_upd(DP_UPD_INSERT, i, 0, 1)), 0);
		for (uint32_t id = 1; id <= 200; id++)
			ck_assert_int_eq(write1(lr_upd(DP_UPD_DELETE, i, id, 0)), 0);
		for (unsigned int k = 0; k < 30; k++) {   /* dataplane-atomic first: a shadow */
			u = lr_upd(DP_UPD_MODIFY, i, 0, (uint16_t)(2 + k));
			ck_assert_int_eq(dp_table_write(&u, 1, (enum dp_atomicity)((k + 2) % 3), &r), 0);
			ck_assert_int_eq(lr_find(i, 0), 2 + k);
			ck_assert_int_eq(lr_check(i), 0);
		}
		ck_assert_int_eq(write1(lr_upd(DP_UPD_DELETE, i, 0, 0)), 0);
		ck_assert_int_eq(lr_find(i, 0), -1);
		ck_assert_int_eq(lr_check(i), 0);
	}
}
END_TEST

/* What a dataplane-atomic batch copies does not depend on the table: the
 * first one clones it, the next thousand copy nothing (counted in bytes,
 * not timed), whichever mode writes between them and whether they commit.
 * The first write of a table never written, dataplane-atomic, copies
 * nothing either (an empty shadow). */
START_TEST(lr_atomic_copies_nothing)
{
	for (unsigned int i = 0; i < RTE_DIM(t_lr); i++) {
		struct dp_table *t = dp_tg.t[t_lr[i]];
		struct dp_update u[2];
		uint64_t cloned;
		int r[2];

		/* as on a fresh start: no backend, no shadow (no reader is online) */
		ck_assert_int_eq(dp_table_clear(t_lr[i], NULL), 0);
		dp_tbe_free(t, t->shadow);
		t->shadow = NULL;
		dp_tbe_free(t, dp_tg.root->backend[t->id]);
		dp_tg.root->backend[t->id] = NULL;
		cloned = t->clone_bytes;
		u[0] = lr_upd(DP_UPD_INSERT, i, 0, 1);
		ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
		ck_assert_int_eq(lr_check(i), 0);
		ck_assert_uint_eq(t->clone_bytes, cloned);
		/* as after a dropped shadow */
		dp_tbe_free(t, t->shadow);
		t->shadow = NULL;
		for (uint32_t id = 1; id < 200; id++)
			ck_assert_int_eq(write1(lr_upd(DP_UPD_INSERT, i, id, 1)), 0);
		u[0] = lr_upd(DP_UPD_MODIFY, i, 0, 2);
		ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
		ck_assert_uint_gt(t->clone_bytes, cloned);   /* the first: a clone */
		cloned = t->clone_bytes;
		for (uint32_t k = 0; k < 1000; k++) {
			uint32_t id = k % 200;

			u[0] = lr_upd(DP_UPD_MODIFY, i, id, (uint16_t)(k % 7));
			ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
			if (k % 10 == 0) {   /* delete and put back, not atomic */
				ck_assert_int_eq(write1(lr_upd(DP_UPD_DELETE, i, id, 0)), 0);
				ck_assert_int_eq(write1(lr_upd(DP_UPD_INSERT, i, id, 1)), 0);
			}
			if (k % 10 == 5) {   /* an atomic batch that fails */
				u[1] = lr_upd(DP_UPD_INSERT, i, id, 1);
				ck_assert_int_eq(dp_table_write(u, 2, DP_ATOM_DATAPLANE, r), -ECANCELED);
			}
		}
		ck_assert_uint_eq(t->clone_bytes, cloned);
		ck_assert_int_eq(lr_check(i), 0);
	}
}
END_TEST

/* Wide entries: every byte of the params comes back from lookups and
 * reads, through inserts, dataplane-atomic modifies and deletes, and an
 * entry never spills into its neighbour; a narrow table refuses them. */
static struct dp_update
wide_upd(enum dp_update_type type, unsigned int w, uint32_t id, uint8_t seed)
{
	struct dp_update u;

	memset(&u, 0, sizeof(u));
	u.type = type;
	u.table = t_wide[w];
	u.action = 0;
	if (w == 0) {
		rte_be16_t k = rte_cpu_to_be_16((uint16_t)id);

		memcpy(u.key, &k, 2);
	} else if (w == 1) {
		rte_be32_t k = rte_cpu_to_be_32(id);

		memcpy(u.key, &k, 4);
	} else {
		u.key[2] = 0x20;
		u.key[17] = (uint8_t)id;
	}
	for (unsigned int b = 0; b < WIDE_FILL; b++)
		u.params[b] = (uint8_t)(seed + b * 7);
	return u;
}

static void
wide_check(unsigned int w, uint32_t id, uint8_t seed, bool present)
{
	struct dp_update u = wide_upd(DP_UPD_INSERT, w, id, seed);
	const uint8_t *kp[1] = { u.key };
	const struct dp_entry *e[1];
	struct dp_entry_view v;
	uint64_t hit;

	dp_tables_reader_online(0);
	hit = dp_table_lookup(dp_tables_root(), 0, t_wide[w], kp, 1, e);
	ck_assert_uint_eq(hit, present);
	if (present) {
		ck_assert_uint_eq(e[0]->action, 0);
		ck_assert_mem_eq(e[0]->params, u.params, WIDE_FILL);
	}
	dp_tables_reader_offline(0);
	ck_assert_int_eq(dp_table_get(&u, &v) == 0, present);
	if (present)
		ck_assert_mem_eq(v.params, u.params, WIDE_FILL);
}

START_TEST(wide_entries)
{
	struct dp_update u[2];
	int r[2];

	ck_assert_int_eq(dp_table_params_len(t_wide[0]), DP_PARAMS_WIDE);
	ck_assert(dp_tg.t[t_wide[0]]->dense && dp_tg.t[t_wide[1]]->em && !dp_tg.t[t_wide[2]]->em &&
		  !dp_tg.t[t_wide[2]]->dense);
	ck_assert_int_eq(dp_table_create(&narrow_def), -E2BIG);
	{
		/* str: its room laid out (the u16 after 100 bytes), and refused as a key,
		 * without a room, or past a narrow entry's params */
		int ts = dp_table_create(&str_defs[0]);
		struct dp_update u = { .type = DP_UPD_INSERT };
		struct dp_entry_view ev;

		ck_assert_int_ge(ts, 0);
		ck_assert_uint_eq(dp_param_size(&str_defs[0].actions[0].params[0]), 100);
		ck_assert_uint_eq(dp_type_size(DP_T_STR), 0);
		ck_assert_uint_eq(dp_table_param_off((unsigned int)ts, 0, 1), 100);
		ck_assert_str_eq(dp_type_name(DP_T_STR), "str");
		ck_assert_int_eq(dp_table_create(&str_defs[1]), -EINVAL);
		ck_assert_int_eq(dp_table_create(&str_defs[2]), -EINVAL);
		ck_assert_int_eq(dp_table_create(&str_defs[3]), -E2BIG);
		/* its bytes kept as written (NUL-padded), read back whole */
		u.table = (uint16_t)ts;
		u.action = 0;
		*(uint32_t *)u.key = rte_cpu_to_be_32(3);
		memcpy(u.params, "http://a/b", 10);
		*(uint16_t *)(u.params + 100) = 7;
		ck_assert_int_eq(write1(u), 0);
		ck_assert_int_eq(dp_table_get(&u, &ev), 0);
		ck_assert(memcmp(ev.params, "http://a/b\0", 11) == 0 && *(uint16_t *)(ev.params + 100) == 7);
	}
	for (unsigned int w = 0; w < RTE_DIM(t_wide); w++) {
		uint8_t seed[41];

		for (uint32_t id = 1; id <= 40; id++) {
			seed[id] = (uint8_t)id;
			ck_assert_int_eq(write1(wide_upd(DP_UPD_INSERT, w, id, seed[id])), 0);
		}
		for (uint32_t id = 1; id <= 40; id++)
			wide_check(w, id, (uint8_t)id, true);
		for (uint32_t k = 0; k < 200; k++) {
			uint32_t id = 1 + k % 40;

			seed[id] = (uint8_t)(id * 3 + k);
			u[0] = wide_upd(DP_UPD_MODIFY, w, id, seed[id]);
			ck_assert_int_eq(dp_table_write(u, 1, DP_ATOM_DATAPLANE, r), 0);
			wide_check(w, id, seed[id], true);
			/* the neighbours as last written */
			wide_check(w, 1 + id % 40, seed[1 + id % 40], true);
			wide_check(w, id > 1 ? id - 1 : 40, seed[id > 1 ? id - 1 : 40], true);
		}
		for (uint32_t id = 1; id <= 40; id += 2)
			ck_assert_int_eq(write1(wide_upd(DP_UPD_DELETE, w, id, 0)), 0);
		for (uint32_t id = 1; id <= 40; id += 2)
			wide_check(w, id, 0, false);
		ck_assert_int_eq(dp_table_clear(t_wide[w], NULL), 0);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exact_basic);
	tcase_add_test(tc, wide_entries);
	tcase_add_test(tc, dense_bounds);
	tcase_add_test(tc, lookup_by_ids);
	tcase_add_test(tc, lookup_runs);
	tcase_add_test(tc, exact_default_and_hits);
	tcase_add_test(tc, exact_full);
	tcase_add_test(tc, txn_rollback_continue);
	tcase_add_test(tc, txn_dataplane_atomic);
	tcase_add_test(tc, lpm_vrf);
	tcase_add_test(tc, lookup_lpm4_by_address);
	tcase_add_test(tc, lpm6_vrf);
	tcase_add_test(tc, lpm6_atomicity);
	tcase_add_test(tc, lpm6_burst_and_hits);
	tcase_add_test(tc, acl_priority_ranges);
	tcase_add_test(tc, read_paging);
	tcase_add_test(tc, ageing_entries_newer_than_now);
	tcase_add_test(tc, atomic_modify_keeps_hits);
	tcase_add_test(tc, atomic_modify_hits_before_swap);
	tcase_add_test(tc, derived_tables);
	tcase_add_test(tc, versions_and_memo_hits);
	tcase_add_test(tc, lr_shadow_random_mix);
	tcase_add_test(tc, lr_reused_entries);
	tcase_add_test(tc, lr_zero_key);
	tcase_add_test(tc, lr_atomic_copies_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char *eal[] = { "test_table", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--no-shconf", "--log-level=3", NULL };
	SRunner *sr;
	int failed;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	if (dp_tables_init(1, 0) < 0 || (t_exact = dp_table_create(&exact_def)) < 0 ||
	    (t_lpm = dp_table_create(&lpm_def)) < 0 || (t_lpm6 = dp_table_create(&lpm6_def)) < 0 ||
	    (t_acl = dp_table_create(&acl_def)) < 0 ||
	    (t_age = dp_table_create(&age_def)) < 0 || (t_dense = dp_table_create(&dense_def)) < 0 ||
	    (t_src = dp_table_create(&src_def)) < 0 || (t_drv = dp_table_create(&drv_def)) < 0 ||
	    (t_ids = dp_table_create(&ids_def)) < 0 || (t_idh = dp_table_create(&idh_def)) < 0) {
		fprintf(stderr, "table set-up failed: %d %d %d %d\n", t_exact, t_lpm, t_acl, t_age);
		return 1;
	}
	for (unsigned int i = 0; i < RTE_DIM(t_lr); i++)
		if ((t_lr[i] = dp_table_create(&lr_defs[i])) < 0)
			return 1;
	for (unsigned int i = 0; i < RTE_DIM(t_wide); i++)
		if ((t_wide[i] = dp_table_create(&wide_defs[i])) < 0)
			return 1;
	if (!dp_tg.t[t_lr[0]]->dense || !dp_tg.t[t_lr[1]]->em || dp_tg.t[t_lr[2]]->em ||
	    dp_tg.t[t_lr[2]]->dense) {
		fprintf(stderr, "backends: t_lr_array must be an array, t_lr_em dp_em, t_lr_hash rte_hash\n");
		return 1;
	}
	drv.sources = 1u << t_src;
	if (dp_table_deriver_add(&drv) < 0)
		return 1;
	sr = srunner_create(suite());
	srunner_set_fork_status(sr, CK_NOFORK);  /* one EAL, shared by all tests */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dp_tables_fini();
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
