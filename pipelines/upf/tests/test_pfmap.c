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
#include "pf_map.h"
#include "pf_sess.h"
#include "pf_test_msgs.h"
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
a_app(void *arg, int af, const struct pf_flow_end *r, uint8_t proto, uint16_t prio, uint16_t *id)
{
	(void)arg, (void)af, (void)r, (void)proto, (void)prio;
	*id = 9;
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

/* Two default PDRs of one tunnel told apart by their QFIs alone: QFIs are not matched, so
 * the one that would take every packet is refused (73, its QFI); with one QFI, or one
 * tunnel each, it compiles. */
START_TEST(qfi_only_refused)
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
	ck_assert_int_eq(pf_map_session(&c, &s, &ids, out, &e), -EINVAL);
	ck_assert(e.f.cause == PF_CAUSE_RULE_FAILURE && e.f.offending_ie == PF_IE_QFI &&
		  e.f.rule_kind == PF_RULE_PDR && e.f.rule_id == 1);
	/* the one of the higher precedence without a QFI takes all, as it says */
	pdr[0].qfi_mask = 0;
	json_array_clear(out);
	ck_assert_msg(pf_map_session(&c, &s, &ids, out, &e) == 0, "%s", e.why);
	/* each on a tunnel of its own */
	pdr[0].qfi_mask = 1ull << 5;
	pdr[1].fteid.teid = 0x11;
	json_array_clear(out);
	ck_assert_msg(pf_map_session(&c, &s, &ids, out, &e) == 0, "%s", e.why);
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
	tcase_add_test(t, qfi_only_refused);
	tcase_add_test(t, cp_choose_own_teid);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
