/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of pf_map: a PFCP session's rules compiled into the UPF's table
 * entries, with the ids its allocators hand out carried whole. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>

#include "pf_codec.h"
#include "pf_ethapp.h"
#include "pf_map.h"
#include "pf_sess.h"
#include "pf_test_msgs.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_ids.h"
#include "up_names.h"

/* ---- the one UPF of these tests: pf_upf.c's lookups over it (pf_upf.c
 * itself reads sxcd's intents, which a unit test has none of) ---- */

static struct pf_upf U;

const struct pf_upf *
pf_upf_by_addr(const struct pf_upfs *s, int af, const uint8_t *addr, bool *n9)
{
	(void)s;
	*n9 = false;
	return af == AF_INET && memcmp(addr, U.n3.addr, 4) == 0 ? &U : NULL;
}

const struct pf_upf *
pf_upf_by_ni(const struct pf_upfs *s, const char *ni, bool *n9)
{
	(void)s;
	(void)ni;
	*n9 = false;
	return &U;
}

bool
pf_upf_n6_ni(const struct pf_upf *u, const char *ni)
{
	(void)u;
	(void)ni;
	return true;
}

bool
pf_upf_in_pool(const struct pf_upf *u, int af, const uint8_t *addr)
{
	return af == AF_INET && u->has_pool4 && addr[0] == u->pool4[0];
}

const struct pf_upf *
pf_upf_by_pool(const struct pf_upfs *s, const char *name)
{
	(void)s;
	for (int i = 0; i < U.n_pool; i++)
		if (strcmp(U.pool[i].name, name) == 0)
			return &U;
	return NULL;
}

uint16_t
pf_upf_app(const struct pf_upf *u, const char *name)
{
	(void)u;
	(void)name;
	return 0;
}

/* ---- allocators handing out ids from a given base ---- */

struct alloc {
	uint32_t meter_base, counter_base;
	int meters, counters;
};

static int
a_peer(void *arg, bool n9, int af, const uint8_t *addr, uint8_t dscp, uint16_t *id)
{
	(void)arg, (void)n9, (void)af, (void)addr, (void)dscp;
	*id = 3;
	return 0;
}

static int
a_meter(void *arg, uint32_t qer, bool ul, uint64_t kbps, uint32_t *id)
{
	struct alloc *a = arg;

	(void)kbps;
	*id = a->meter_base + qer * 2 + ul;
	a->meters++;
	return 0;
}

static int
a_counter(void *arg, uint16_t pdr, uint32_t *urr)
{
	struct alloc *a = arg;

	*urr = a->counter_base + pdr;
	a->counters++;
	return 0;
}

static int
a_app(void *arg, int af, const struct pf_flow_end *r, uint8_t proto, uint8_t qfi, uint16_t prio, uint16_t *id)
{
	(void)arg, (void)af, (void)r, (void)proto, (void)prio;
	/* an app a QFI, of both families (af 0) and any remote side; 9 else */
	*id = qfi == PF_APP_QFI_ANY ? 9 : (uint16_t)(100 + qfi);
	ck_assert(qfi == PF_APP_QFI_ANY || af != 0 || r->any);
	return 0;
}

static int
a_eth_app(void *arg, const struct pf_eth_filter *f, bool ul, uint16_t prio, uint16_t *id)
{
	(void)arg, (void)f, (void)ul, (void)prio;
	*id = 11;
	return 0;
}

static uint64_t
a_watch(void *arg, uint16_t pdr)
{
	(void)arg, (void)pdr;
	return 0;
}

static bool
a_stopped(void *arg, uint16_t pdr)
{
	(void)arg, (void)pdr;
	return false;
}

static int
a_teid(void *arg, bool n9, uint32_t *teid)
{
	(void)arg, (void)n9;
	*teid = 0x1234;
	return 0;
}

static void
upf_init(void)
{
	memset(&U, 0, sizeof(U));
	strcpy(U.name, "edge");
	U.slice = 5;
	U.n3 = (struct pf_link){ .present = true, .id = 1, .af = AF_INET, .addr = { 192, 0, 2, 1 }, .plen = 24 };
	U.has_pool4 = true;
	U.pool4[0] = 10;
	U.pool4_len = 8;
}

/* The sample establishment (free5GC's shape: one QER with an MBR both
 * PDRs name, the session's AMBR) compiled with allocators at @meter_base
 * and @counter_base: the entries into @out. */
static void
compile(uint32_t meter_base, uint32_t counter_base, json_t *out, struct alloc *a)
{
	static struct pf_msg m;
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	struct pf_session *s;
	struct pf_fail f;
	struct pf_map_err e;
	struct pf_map_ctx c = { .sess_id = UP_SESS_PFCP_MIN + 77, .slice = 5, .underlay = 1, .upf = &U };
	struct pf_map_ids ids = { .arg = a, .peer = a_peer, .meter = a_meter, .counter = a_counter,
				  .app = a_app, .watch = a_watch, .stopped = a_stopped };

	*a = (struct alloc){ .meter_base = meter_base, .counter_base = counter_base };
	ck_assert_int_eq(pf_decode(b, (size_t)n, &m).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&m, &s, &f), 0);
	ck_assert_int_eq(pf_map_choose(&U, s, a_teid, NULL, &e), 0);
	ck_assert_msg(pf_map_session(&c, s, &ids, out, &e) == 0, "compile: %s", e.why);
	pf_sess_free(s);
}

/* A UE address allocator: the pool it was asked for, and its answer */
struct ue_alloc {
	const struct pf_pool *pool;
	int calls, rc;
};

static int
a_ue(void *arg, const struct pf_pool *pool, uint8_t *addr)
{
	struct ue_alloc *a = arg;

	a->pool = pool;
	a->calls++;
	memset(addr, 0, 16);
	memcpy(addr, pool->prefix, 4);
	addr[3] = 7;
	return a->rc;
}

/* The sample establishment with every UE IPv4 address left to the UPF (CHV4) */
static struct pf_session *
sample_chv4(void)
{
	static struct pf_msg m;
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	struct pf_session *s;
	struct pf_fail f;
	int asking = 0;

	ck_assert_int_eq(pf_decode(b, (size_t)n, &m).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&m, &s, &f), 0);
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].has_ue_ip && s->pdr[i].ue.has_v4) {
			s->pdr[i].ue.ch4 = 1;
			s->pdr[i].ue.has_v4 = 0;
			memset(s->pdr[i].ue.v4, 0, 4);
			asking++;
		}
	ck_assert_int_gt(asking, 0);
	return s;
}

static void
pool_set(int i, const char *name, const char *ni, uint8_t a0, uint8_t a1)
{
	U.pool[i] = (struct pf_pool){ .af = AF_INET, .plen = 24, .prefix = { a0, a1, 0, 0 } };
	strcpy(U.pool[i].name, name);
	strcpy(U.pool[i].ni, ni);
	U.n_pool = i + 1;
}

/* UEIP: one address a session, from the pool its PDRs name (by Pool
 * Identity, else Network Instance, else one serving any), every asking
 * PDR given it; kept across a Modification; a full pool is Cause 79. */
START_TEST(ue_chosen)
{
	struct ue_alloc a = { 0 };
	struct pf_session *s = sample_chv4(), *t;
	struct pf_map_err e;

	upf_init();
	pool_set(0, "gold", "nowhere", 10, 45);
	pool_set(1, "", "", 10, 46);
	ck_assert_msg(pf_map_choose_ue(&U, s, NULL, a_ue, &a, &e) == 0, "%s", e.why);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_ptr_eq(a.pool, &U.pool[1]);   /* no PDR names "nowhere": the one serving any */
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].ue.ch4)
			ck_assert(s->pdr[i].ue.has_v4 && memcmp(s->pdr[i].ue.v4, "\x0a\x2e\x00\x07", 4) == 0);
	/* a Modification's rules asking again: the address the session holds */
	t = sample_chv4();
	ck_assert_int_eq(pf_map_choose_ue(&U, t, s, a_ue, &a, &e), 0);
	ck_assert_int_eq(a.calls, 1);
	ck_assert(memcmp(t->pdr[0].ue.ch4 ? t->pdr[0].ue.v4 : t->pdr[1].ue.v4, "\x0a\x2e\x00\x07", 4) == 0);
	pf_sess_free(t);
	/* named by its Pool Identity (a name the sample interned: its Network Instance's) */
	t = sample_chv4();
	for (int i = 0; i < t->n_pdr && t->pdr[0].pool == 0; i++)
		t->pdr[0].pool = t->pdr[i].ni;
	ck_assert_uint_ne(t->pdr[0].pool, 0);
	strcpy(U.pool[0].name, pf_sess_name(t->pdr[0].pool));
	ck_assert_int_eq(pf_map_choose_ue(&U, t, NULL, a_ue, &a, &e), 0);
	ck_assert_ptr_eq(a.pool, &U.pool[0]);
	strcpy(U.pool[0].name, "gold");   /* a name no pool has */
	for (int i = 0; i < t->n_pdr; i++)
		t->pdr[i].ue.has_v4 = 0;
	ck_assert_int_eq(pf_map_choose_ue(&U, t, NULL, a_ue, &a, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_UE_IP_POOL_ID &&
		  e.f.rule_kind == PF_RULE_PDR);
	t->pdr[0].pool = 0;
	/* the pool full */
	a.rc = -ENOSPC;
	ck_assert_int_eq(pf_map_choose_ue(&U, t, NULL, a_ue, &a, &e), -ENOSPC);
	ck_assert(e.f.cause == PF_CAUSE_NO_DYN_ADDRESS && e.f.offending_ie == PF_IE_UE_IP);
	/* no pool at all */
	U.n_pool = 0;
	ck_assert_int_eq(pf_map_choose_ue(&U, t, NULL, a_ue, &a, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_UE_IP);
	pf_sess_free(t);
	pf_sess_free(s);
}
END_TEST

static int
a_slot(void *arg, uint8_t *slot)
{
	int *calls = arg;

	(*calls)++;
	*slot = 6;
	return 0;
}

/* The sample establishment made an Ethernet PDU session's: PDN Type
 * Ethernet, no UE address, the downlink PDR's ETHI. */
static struct pf_session *
sample_eth(void)
{
	struct pf_session *s = sample_chv4();

	s->pdn_type = PF_PDN_ETHERNET;
	for (int i = 0; i < s->n_pdr; i++) {
		memset(&s->pdr[i].ue, 0, sizeof(s->pdr[i].ue));
		s->pdr[i].has_ue_ip = false;
		s->pdr[i].ethi = s->pdr[i].src_iface == PF_IF_CORE && !s->pdr[i].has_fteid;
		s->pdr[i].n_sdf = 0;   /* frames are not classified by IP flows */
		s->pdr[i].app = 0;
	}
	return s;
}

/* Ethernet Packet Filter: frames from the LAN host 02:00:00:00:0a:05 */
static struct pf_eth_filter filter = { .n_mac = 1, .mac = { { .flags = PF_MAC_SOUR,
								 .src = { 2, 0, 0, 0, 0x0a, 5 } } } };

/* the first update of @table's params (@match: its match instead) */
static json_t *
params_in(json_t *out, const char *table, bool match)
{
	json_t *u;
	size_t i;

	json_array_foreach(out, i, u)
		if (strcmp(json_string_value(json_object_get(u, "table")), table) == 0)
			return json_object_get(u, match ? "match" : "params");
	return NULL;
}

static const char *
action_in(json_t *out, const char *table)
{
	json_t *u;
	size_t i;

	json_array_foreach(out, i, u)
		if (strcmp(json_string_value(json_object_get(u, "table")), table) == 0)
			return json_string_value(json_object_get(u, "action"));
	return NULL;
}

/* An Ethernet PDU session: its uplink bridged, its downlink by session,
 * its 5G LAN slot chosen once (kept from what it holds) and compiled; on
 * a UPF without ethernet_sessions, or with a UE address, refused. */
START_TEST(ethernet_session)
{
	struct alloc a;
	struct pf_map_err e;
	struct pf_session *s = sample_eth(), *t;
	struct pf_map_ctx c = { .sess_id = UP_SESS_PFCP_MIN + 9, .slice = 5, .underlay = 1, .upf = &U };
	struct pf_map_ids ids = { .arg = &a, .peer = a_peer, .meter = a_meter, .counter = a_counter,
				  .app = a_app, .eth_app = a_eth_app, .watch = a_watch, .stopped = a_stopped };
	json_t *out = json_array();
	int calls = 0;

	upf_init();
	U.ethernet = true;
	a = (struct alloc){ .meter_base = 100, .counter_base = 200 };
	ck_assert(pf_map_is_eth(s));
	ck_assert_int_eq(pf_map_choose(&U, s, a_teid, NULL, &e), 0);
	ck_assert_int_eq(pf_map_choose_lan(&U, s, NULL, a_slot, &calls, &e), 0);
	ck_assert_int_eq(calls, 1);
	for (int i = 0; i < s->n_pdr; i++)
		ck_assert_uint_eq(s->pdr[i].lan, s->pdr[i].ethi ? 7 : 0);
	t = sample_eth();
	ck_assert_int_eq(pf_map_choose_lan(&U, t, s, a_slot, &calls, &e), 0);
	ck_assert_int_eq(calls, 1);   /* the slot it holds */
	pf_sess_free(t);
	ck_assert_msg(pf_map_session(&c, s, &ids, out, &e) == 0, "compile: %s", e.why);
	ck_assert_str_eq(action_in(out, UP_T_SESSIONS_UPLINK), UP_A_BRIDGE);
	ck_assert_ptr_nonnull(action_in(out, UP_T_SESSIONS_ETH));
	ck_assert_str_eq(action_in(out, UP_T_LAN_MEMBERS), UP_A_MEMBER);
	ck_assert_ptr_null(action_in(out, UP_T_SESSIONS_DOWNLINK));
	ck_assert_ptr_null(action_in(out, UP_T_TERMINATIONS_DOWNLINK));
	json_array_clear(out);
	/* an Ethernet Packet Filter on its ETHI PDR: an app of its own (a
	 * termination), the session entry classifies, frames whatever its action */
	for (int i = 0; i < s->n_pdr; i++)
		if (s->pdr[i].ethi) {
			s->pdr[i].n_ethf = 1;
			s->pdr[i].ethf = &filter;
		}
	ck_assert_msg(pf_map_session(&c, s, &ids, out, &e) == 0, "compile: %s", e.why);
	ck_assert_ptr_nonnull(action_in(out, UP_T_TERMINATIONS_DOWNLINK));
	ck_assert_int_eq(json_integer_value(json_object_get(params_in(out, UP_T_TERMINATIONS_DOWNLINK, true),
							    UP_F_APP)), 11);
	ck_assert_int_eq(json_integer_value(json_object_get(params_in(out, UP_T_SESSIONS_ETH, false), UP_F_APPS)), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(params_in(out, UP_T_SESSIONS_ETH, false), UP_F_ETH)), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(params_in(out, UP_T_SESSIONS_UPLINK, false), UP_F_ETH)), 1);
	json_array_clear(out);
	U.ethernet = false;
	ck_assert_int_eq(pf_map_session(&c, s, &ids, out, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_PDN_TYPE);
	U.ethernet = true;
	s->pdr[0].has_ue_ip = true;
	s->pdr[0].ue.has_v4 = 1;
	json_array_clear(out);
	ck_assert_int_eq(pf_map_session(&c, s, &ids, out, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_UE_IP);
	json_decref(out);
	pf_sess_free(s);
}
END_TEST

/* An Ethernet Packet Filter on an IP PDU session's PDR: refused, naming it. */
START_TEST(ethernet_filter_in_ip_session)
{
	struct alloc a = { .meter_base = 100, .counter_base = 200 };
	struct pf_map_err e;
	struct pf_session *s = sample_chv4();
	struct pf_map_ctx c = { .sess_id = UP_SESS_PFCP_MIN + 9, .slice = 5, .underlay = 1, .upf = &U };
	struct pf_map_ids ids = { .arg = &a, .peer = a_peer, .meter = a_meter, .counter = a_counter,
				  .app = a_app, .eth_app = a_eth_app, .watch = a_watch, .stopped = a_stopped };
	json_t *out = json_array();

	upf_init();
	ck_assert_int_eq(pf_map_choose(&U, s, a_teid, NULL, &e), 0);
	s->pdr[0].n_ethf = 1;
	s->pdr[0].ethf = &filter;
	ck_assert_int_eq(pf_map_session(&c, s, &ids, out, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_ETH_PACKET_FILTER);
	ck_assert_uint_eq(e.f.rule_id, s->pdr[0].id);
	json_decref(out);
	pf_sess_free(s);
}
END_TEST

/* A MAC range's ternary prefixes cover it exactly, and none overlaps
 * another: every value near and inside small ranges, and the edges. */
START_TEST(ethapp_prefixes)
{
	uint64_t v[48], m[48], all = (UINT64_C(1) << 48) - 1;
	int n;

	ck_assert_int_eq(pf_ethapp_prefixes(0, all, v, m, 48), 1);
	ck_assert_uint_eq(m[0], 0);
	ck_assert_int_eq(pf_ethapp_prefixes(7, 7, v, m, 48), 1);
	ck_assert_uint_eq(m[0], all);
	ck_assert_int_eq(pf_ethapp_prefixes(0x020000000000, 0x0200000000ff, v, m, 48), 1);
	ck_assert_uint_eq(m[0], all & ~UINT64_C(0xff));
	ck_assert_int_eq(pf_ethapp_prefixes(1, all - 1, v, m, 48), -E2BIG);
	ck_assert_int_eq(pf_ethapp_prefixes(5, 4, v, m, 48), -EINVAL);
	for (uint64_t lo = 0; lo < 40; lo++)
		for (uint64_t hi = lo; hi < 70; hi += 3) {
			ck_assert_int_gt(n = pf_ethapp_prefixes(lo, hi, v, m, 48), 0);
			for (uint64_t x = 0; x < 80; x++) {
				int hits = 0;

				for (int k = 0; k < n; k++)
					hits += (x & m[k]) == v[k];
				ck_assert_int_eq(hits, x >= lo && x <= hi);
			}
		}
}
END_TEST

static const char *
field_value(json_t *match, const char *f)
{
	return json_string_value(json_object_get(json_object_get(match, f), "value"));
}

/* A filter's matches: the UE side is local (the source uplink, the
 * destination downlink), BIDE adds the swapped one, tags carry their
 * presence bit, a range too wide for the table is refused. */
START_TEST(ethapp_matches)
{
	struct pf_eth_filter f = { .n_mac = 1, .props = PF_ETHF_BIDE, .has_ctag = true, .has_type = true,
				   .ethertype = 0x0800, .ctag = { .flags = PF_TAG_VID, .vid = 100 },
				   .mac = { { .flags = PF_MAC_SOUR | PF_MAC_DEST, .src = { 2, 0, 0, 0, 0, 0xa },
					      .dst = { 2, 0, 0, 0, 0, 0xb } } } };
	json_t *a, *m;
	int rc;

	ck_assert_ptr_nonnull(a = pf_ethapp_matches(5, &f, true, &rc));
	ck_assert_int_eq(json_array_size(a), 2);
	m = json_array_get(a, 0);
	ck_assert_str_eq(field_value(m, UP_F_LOCAL), "02:00:00:00:00:0a");
	ck_assert_str_eq(field_value(m, UP_F_REMOTE), "02:00:00:00:00:0b");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, UP_F_CTAG), "value")),
			 UP_TAG_PRESENT | 100);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, UP_F_CTAG), "mask")),
			 UP_TAG_PRESENT | 0xfff);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, UP_F_ETHERTYPE), "value")), 0x0800);
	ck_assert_int_eq(json_integer_value(json_object_get(m, UP_F_SLICE)), 5);
	m = json_array_get(a, 1);
	ck_assert_str_eq(field_value(m, UP_F_LOCAL), "02:00:00:00:00:0b");
	json_decref(a);
	f.props = 0;
	f.mac[0].flags = PF_MAC_SOUR;
	ck_assert_ptr_nonnull(a = pf_ethapp_matches(5, &f, false, &rc));
	ck_assert_int_eq(json_array_size(a), 1);
	m = json_array_get(a, 0);
	ck_assert_str_eq(field_value(m, UP_F_REMOTE), "02:00:00:00:00:0a");
	ck_assert_ptr_null(json_object_get(m, UP_F_LOCAL));
	json_decref(a);
	memset(f.mac[0].usrc, 0xff, 6);
	f.mac[0].usrc[5] = 0xfe;
	f.mac[0].flags |= PF_MAC_USOU;
	ck_assert_ptr_null(pf_ethapp_matches(5, &f, false, &rc));
	ck_assert_int_eq(rc, -E2BIG);
}
END_TEST

/* Every meter id the entries name: the meters inserted and the meters
 * and AMBRs the sessions' and terminations' params name. */
static void
meter_ids(json_t *out, json_int_t *made, int *n_made, json_int_t *named, int *n_named)
{
	size_t i;
	json_t *u;

	*n_made = *n_named = 0;
	json_array_foreach(out, i, u) {
		const char *t = json_string_value(json_object_get(u, "table"));
		json_t *p = json_object_get(u, "params");

		if (strcmp(t, QOS_T_METERS) == 0)
			made[(*n_made)++] = json_integer_value(json_object_get(json_object_get(u, "match"), QOS_F_ID));
		if (json_object_get(p, UP_F_AMBR) != NULL)
			named[(*n_named)++] = json_integer_value(json_object_get(p, UP_F_AMBR));
		if (json_object_get(p, UP_F_METER) != NULL && json_integer_value(json_object_get(p, UP_F_METER)))
			named[(*n_named)++] = json_integer_value(json_object_get(p, UP_F_METER));
	}
}

/* Meter ids are as wide as sxdp's meters table (up to QOS_METER_ID_CAP):
 * one past 65535 is written and named as it is, never truncated. */
START_TEST(meter_ids_whole)
{
	static const uint32_t bases[] = { UP_METER_PFCP_MIN, 65534, 70000, QOS_METER_ID_CAP - 3 };

	upf_init();
	for (size_t k = 0; k < sizeof(bases) / sizeof(bases[0]); k++) {
		json_t *out = json_array();
		json_int_t made[16], named[16];
		int n_made, n_named;
		struct alloc a;

		compile(bases[k], 100000 + (uint32_t)k, out, &a);
		meter_ids(out, made, &n_made, named, &n_named);
		ck_assert_int_eq(n_made, 2);   /* the AMBR: uplink and downlink */
		ck_assert_int_eq(a.meters, 2 * 1);
		for (int i = 0; i < n_made; i++)
			ck_assert(made[i] >= bases[k] && made[i] <= (json_int_t)bases[k] + 3);
		ck_assert_int_ge(n_named, 2);
		for (int i = 0; i < n_named; i++) {
			bool known = false;

			for (int j = 0; j < n_made; j++)
				known |= named[i] == made[j];
			ck_assert_msg(known, "base %u: an entry names meter %lld, made: %lld, %lld", bases[k],
				      (long long)named[i], (long long)made[0], (long long)made[1]);
		}
		json_decref(out);
	}
}
END_TEST

/* The same session and ids compile to the same entries (a Modification's
 * writes are the difference of two compiles). */
START_TEST(deterministic)
{
	json_t *x = json_array(), *y = json_array();
	struct alloc a;

	upf_init();
	compile(70000, 5, x, &a);
	compile(70000, 5, y, &a);
	ck_assert(json_equal(x, y));
	json_decref(x);
	json_decref(y);
}
END_TEST

/* Two default PDRs of one tunnel told apart by their QFIs alone: the one of the higher
 * precedence is matched by its QFI (an app of QFI 5, its termination its FAR), the other
 * takes the tunnel's other packets (the session entry); with one QFI, or one tunnel each,
 * no app is needed; of a UE group (downlink from N6: no QFI) or with an Application ID,
 * refused (73, its QFI). */
START_TEST(qfi_only_told)
{
	struct pf_pdr pdr[2] = {
		{ .id = 1, .src_iface = PF_IF_ACCESS, .has_fteid = true, .precedence = 10, .far_id = 1,
		  .qfi_mask = 1ull << 5, .fteid = { .teid = 0x10, .has_v4 = 1, .v4 = { 192, 0, 2, 1 } } },
		{ .id = 2, .src_iface = PF_IF_ACCESS, .has_fteid = true, .precedence = 20, .far_id = 1,
		  .qfi_mask = 1ull << 6, .fteid = { .teid = 0x10, .has_v4 = 1, .v4 = { 192, 0, 2, 1 } } },
	};
	struct pf_far far = { .id = 1, .apply = PF_AA_FORW, .has_fwd = true, .dst_iface = PF_IF_CORE };
	struct pf_session s = { .n_pdr = 2, .n_far = 1, .pdr = pdr, .far = &far };
	struct pf_map_ctx c = { .sess_id = UP_SESS_PFCP_MIN + 1, .slice = 5, .underlay = 1, .upf = &U };
	struct alloc a = { 0 };
	struct pf_map_ids ids = { .arg = &a, .peer = a_peer, .meter = a_meter, .counter = a_counter,
				  .app = a_app, .watch = a_watch, .stopped = a_stopped };
	struct pf_map_err e;
	json_t *out = json_array();

	upf_init();
	ck_assert_msg(pf_map_session(&c, &s, &ids, out, &e) == 0, "%s", e.why);
	{
		json_t *u;
		size_t i;
		int terms = 0, apps = -1, app = -1;

		/* its one app's termination inline in the session entry */
		json_array_foreach(out, i, u) {
			const char *t = json_string_value(json_object_get(u, "table"));
			json_t *p = json_object_get(u, "params");

			terms += strcmp(t, UP_T_TERMINATIONS_UPLINK) == 0;
			if (strcmp(t, UP_T_SESSIONS_UPLINK) == 0) {
				apps = (int)json_integer_value(json_object_get(p, UP_F_APPS));
				app = (int)json_integer_value(json_object_get(p, UP_F_APP));
				ck_assert_ptr_null(json_object_get(p, UP_F_APP_ACTION));   /* 0: fwd_n6 */
			}
		}
		ck_assert_int_eq(terms, 0);
		ck_assert_int_eq(apps, 1);
		ck_assert_int_eq(app, 105);
	}
	/* the one of the higher precedence without a QFI takes all, as it says */
	pdr[0].qfi_mask = 0;
	json_array_clear(out);
	ck_assert_msg(pf_map_session(&c, &s, &ids, out, &e) == 0, "%s", e.why);
	/* each on a tunnel of its own */
	pdr[0].qfi_mask = 1ull << 5;
	pdr[1].fteid.teid = 0x11;
	json_array_clear(out);
	ck_assert_msg(pf_map_session(&c, &s, &ids, out, &e) == 0, "%s", e.why);
	{
		struct pf_pdr p3[3] = { pdr[0], pdr[1], pdr[1] };
		struct pf_session s3 = { .n_pdr = 3, .n_far = 1, .pdr = p3, .far = &far };
		json_t *u;
		size_t i;
		int terms = 0, inl = 0;

		/* three QFIs on one tunnel: two apps, neither inline */
		p3[1].fteid.teid = p3[2].fteid.teid = 0x10;
		p3[2].id = 3;
		p3[2].precedence = 30;
		p3[2].qfi_mask = 1ull << 7;
		json_array_clear(out);
		ck_assert_msg(pf_map_session(&c, &s3, &ids, out, &e) == 0, "%s", e.why);
		json_array_foreach(out, i, u) {
			const char *t = json_string_value(json_object_get(u, "table"));

			terms += strcmp(t, UP_T_TERMINATIONS_UPLINK) == 0;
			inl += strcmp(t, UP_T_SESSIONS_UPLINK) == 0 &&
			       json_object_get(json_object_get(u, "params"), UP_F_APP) != NULL;
		}
		ck_assert_int_eq(terms, 2);
		ck_assert_int_eq(inl, 0);
	}
	json_decref(out);
}
END_TEST

static int
a_teid_next(void *arg, bool n9, uint32_t *teid)
{
	static uint32_t next = 0x100;

	(void)arg, (void)n9;
	*teid = next++;
	return 0;
}

/* A PDR from the CP function never shares a CHOOSE ID's F-TEID with the uplink: what the
 * SMF sent into it would be taken for the UE's. Two uplink PDRs do. */
START_TEST(cp_choose_own_teid)
{
	struct pf_pdr pdr[3] = {
		{ .id = 1, .src_iface = PF_IF_ACCESS, .has_fteid = true, .far_id = 1,
		  .fteid = { .ch = 1, .has_chid = 1, .chid = 5, .has_v4 = 1 } },
		{ .id = 2, .src_iface = PF_IF_CP, .has_fteid = true, .far_id = 1,
		  .fteid = { .ch = 1, .has_chid = 1, .chid = 5, .has_v4 = 1 } },
		{ .id = 3, .src_iface = PF_IF_ACCESS, .has_fteid = true, .far_id = 1,
		  .fteid = { .ch = 1, .has_chid = 1, .chid = 5, .has_v4 = 1 } },
	};
	struct pf_session s = { .n_pdr = 3, .pdr = pdr };
	struct pf_map_err e;

	upf_init();
	ck_assert_int_eq(pf_map_choose(&U, &s, a_teid_next, NULL, &e), 0);
	ck_assert_uint_ne(pdr[0].fteid.teid, pdr[1].fteid.teid);
	ck_assert_uint_eq(pdr[0].fteid.teid, pdr[2].fteid.teid);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pfmap");
	TCase *t = tcase_create("map");
	SRunner *r;
	int failed;

	tcase_add_test(t, meter_ids_whole);
	tcase_add_test(t, deterministic);
	tcase_add_test(t, ue_chosen);
	tcase_add_test(t, ethernet_session);
	tcase_add_test(t, ethernet_filter_in_ip_session);
	tcase_add_test(t, ethapp_prefixes);
	tcase_add_test(t, ethapp_matches);
	tcase_add_test(t, qfi_only_told);
	tcase_add_test(t, cp_choose_own_teid);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
