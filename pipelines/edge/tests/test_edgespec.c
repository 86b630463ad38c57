/* SPDX-License-Identifier: BSD-3-Clause */
/* edge_spec alone: a slice's edge compiled into edge_pools, edge_slices,
 * edge_return and routes updates (NAT44 with a prefix or a range pool,
 * deterministic, without NAT), a range's covering prefixes, every
 * refusal with its pointer, reason and numbers, and the counters read back. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "edge_names.h"
#include "edge_spec.h"
#include "sw_names.h"

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
	return j;
}

/* @doc (for slice 7, with @routes) refused at @ptr for @reason, with @msg in its message. */
static void
refused_r(const char *doc, const char *routes, const char *ptr, const char *reason, const char *msg)
{
	json_t *e = parse(doc), *r = routes ? parse(routes) : NULL, *out = (json_t *)0x1;
	struct spec_err err;

	ck_assert_int_eq(edge_spec_compile(e, 7, r, &out, &err), -EINVAL);
	ck_assert_ptr_eq(out, (json_t *)0x1);   /* nothing made */
	ck_assert_str_eq(err.ptr, ptr);
	ck_assert_str_eq(err.reason, reason);
	ck_assert_msg(strstr(err.msg, msg) != NULL, "message '%s' lacks '%s'", err.msg, msg);
	json_decref(e);
	json_decref(r);
}

static void
refused(const char *doc, const char *ptr, const char *reason, const char *msg)
{
	refused_r(doc, NULL, ptr, reason, msg);
}

static json_t *
compiled(const char *doc, const char *routes)
{
	json_t *e = parse(doc), *r = routes ? parse(routes) : NULL, *ups = NULL;
	struct spec_err err;
	int rc = edge_spec_compile(e, 7, r, &ups, &err);

	ck_assert_msg(rc == 0, "refused at %s: %s", err.ptr, err.msg);
	json_decref(e);
	json_decref(r);
	return ups;
}

/* The updates of @ups to @table, as "match -> action params" texts in order. */
static json_t *
of_table(json_t *ups, const char *table)
{
	json_t *out = json_array(), *u;
	size_t i;

	json_array_foreach(ups, i, u) {
		char *m, *p;

		if (strcmp(json_string_value(json_object_get(u, "table")), table) != 0)
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(u, "type")), "insert");
		m = json_dumps(json_object_get(u, "match"), JSON_SORT_KEYS | JSON_COMPACT);
		p = json_dumps(json_object_get(u, "params"), JSON_SORT_KEYS | JSON_COMPACT);
		json_array_append_new(out, json_sprintf("%s -> %s %s", m, json_string_value(json_object_get(u, "action")), p));
		free(m);
		free(p);
	}
	return out;
}

static void
texts_are(json_t *ups, const char *table, const char *const *want)
{
	json_t *got = of_table(ups, table);
	size_t n = 0;

	while (want[n] != NULL)
		n++;
	for (size_t i = 0; i < n && i < json_array_size(got); i++)
		ck_assert_str_eq(json_string_value(json_array_get(got, i)), want[i]);
	ck_assert_uint_eq(json_array_size(got), n);
	json_decref(got);
}

START_TEST(nat_prefix_pool)
{
	json_t *ups = compiled("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\"}}", NULL);
	const char *const pools[] = { "{\"id\":7} -> pool {\"block\":512,\"blocks\":4,\"first\":\"203.0.113.8\","
				      "\"last\":\"203.0.113.11\",\"port_hi\":65535,\"port_lo\":1024}", NULL };
	const char *const slices[] = { "{\"vrf\":7} -> edge {\"outside\":2,\"pool\":7}", NULL };
	const char *const ret[] = { "{\"dst\":\"203.0.113.8/30\",\"vrf\":2} -> inside {\"pool\":7,\"vrf\":7}", NULL };
	const char *const routes[] = { "{\"dst\":\"203.0.113.8/30\",\"vrf\":2} -> edge {}",
				       "{\"dst\":\"0.0.0.0/0\",\"vrf\":7} -> edge {}", NULL };

	texts_are(ups, EDGE_T_POOLS, pools);
	texts_are(ups, EDGE_T_SLICES, slices);
	texts_are(ups, EDGE_T_RETURN, ret);
	texts_are(ups, SW_T_ROUTES, routes);
	ck_assert_uint_eq(json_array_size(ups), 5);
	/* the pool and the way back before the routes that lead there */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ups, 0), "table")), EDGE_T_POOLS);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ups, 4), "table")), SW_T_ROUTES);
	json_decref(ups);
}
END_TEST

START_TEST(nat_range_deterministic)
{
	json_t *ups = compiled("{\"outside\": 3, \"to\": [\"198.51.100.0/24\", \"192.0.2.7\"], \"nat\": {"
			       "\"pool\": \"203.0.113.7-203.0.113.12\", \"ports\": \"2000-2999\", \"block\": 100,"
			       " \"blocks\": 1, \"deterministic\": \"10.1.0.0/27\"}}",
			       "[{\"prefix\": \"10.9.0.0/16\", \"via\": \"10.1.0.254\"}, {\"prefix\": \"2001:db8::/32\", \"drop\": true}]");
	const char *const pools[] = { "{\"id\":7} -> pool {\"block\":100,\"blocks\":1,\"det_plen\":27,"
				      "\"det_prefix\":\"10.1.0.0\",\"first\":\"203.0.113.7\",\"last\":\"203.0.113.12\","
				      "\"port_hi\":2999,\"port_lo\":2000}", NULL };
	/* .7-.12: .7/32, .8/30, .12/32 */
	const char *const ret[] = { "{\"dst\":\"203.0.113.7/32\",\"vrf\":3} -> inside {\"pool\":7,\"vrf\":7}",
				    "{\"dst\":\"203.0.113.8/30\",\"vrf\":3} -> inside {\"pool\":7,\"vrf\":7}",
				    "{\"dst\":\"203.0.113.12/32\",\"vrf\":3} -> inside {\"pool\":7,\"vrf\":7}", NULL };
	const char *const routes[] = { "{\"dst\":\"203.0.113.7/32\",\"vrf\":3} -> edge {}",
				       "{\"dst\":\"203.0.113.8/30\",\"vrf\":3} -> edge {}",
				       "{\"dst\":\"203.0.113.12/32\",\"vrf\":3} -> edge {}",
				       "{\"dst\":\"198.51.100.0/24\",\"vrf\":7} -> edge {}",
				       "{\"dst\":\"192.0.2.7/32\",\"vrf\":7} -> edge {}", NULL };

	texts_are(ups, EDGE_T_POOLS, pools);
	texts_are(ups, EDGE_T_RETURN, ret);
	texts_are(ups, SW_T_ROUTES, routes);
	json_decref(ups);
}
END_TEST

START_TEST(no_nat)
{
	json_t *ups = compiled("{\"outside\": 2, \"prefixes\": [\"10.1.0.0/24\", \"10.2.0.0/16\"]}", NULL);
	const char *const slices[] = { "{\"vrf\":7} -> edge {\"outside\":2,\"pool\":0}", NULL };
	const char *const ret[] = { "{\"dst\":\"10.1.0.0/24\",\"vrf\":2} -> inside {\"pool\":0,\"vrf\":7}",
				    "{\"dst\":\"10.2.0.0/16\",\"vrf\":2} -> inside {\"pool\":0,\"vrf\":7}", NULL };
	const char *const none[] = { NULL };

	texts_are(ups, EDGE_T_POOLS, none);
	texts_are(ups, EDGE_T_SLICES, slices);
	texts_are(ups, EDGE_T_RETURN, ret);
	ck_assert_uint_eq(json_array_size(ups), 6);
	json_decref(ups);
}
END_TEST

START_TEST(cover)
{
	uint32_t net[64];
	unsigned int plen[64];

	ck_assert_uint_eq(edge_spec_cover(0, UINT32_MAX, net, plen, 64), 1);
	ck_assert_uint_eq(net[0], 0);
	ck_assert_uint_eq(plen[0], 0);
	ck_assert_uint_eq(edge_spec_cover(5, 5, net, plen, 64), 1);
	ck_assert_uint_eq(plen[0], 32);
	/* 1..UINT32_MAX - 1: the worst, 31 up and 31 down */
	ck_assert_uint_eq(edge_spec_cover(1, UINT32_MAX - 1, net, plen, 64), 62);
	ck_assert_uint_eq(edge_spec_cover(0xcb007100, 0xcb0071ff, net, plen, 64), 1);
	ck_assert_uint_eq(plen[0], 24);
}
END_TEST

START_TEST(refusals)
{
	refused("[]", "", "bad_value", "an edge is");
	refused("{\"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/outside", "missing", "its outside");
	refused("{\"outside\": 7, \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/outside", "bad_value",
		"this slice's own VRF (7)");
	refused("{\"outside\": 4000, \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/outside", "bad_value", "1..3999");
	refused("{\"outside\": 2, \"to\": [\"::/0\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/to/0",
		"bad_value", "is IPv6");
	refused("{\"outside\": 2, \"to\": [\"10.0.0.0/33\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/to/0",
		"bad_value", "length is 0..32");
	refused("{\"outside\": 2, \"to\": [\"10.0.0.1/8\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/to/0",
		"bad_value", "host bits set (past its /8): 10.0.0.0/8");
	refused("{\"outside\": 2, \"to\": [\"a.b.c.d/8\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/to/0",
		"bad_value", "not an IPv4 prefix");
	refused("{\"outside\": 2, \"to\": [], \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "/to", "bad_value",
		"one IPv4 prefix at least");
	refused("{\"outside\": 2, \"to\": [\"10.0.0.0/8\", \"10.0.0.0/8\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}",
		"/to/1", "duplicate", "to/0 too");
	refused_r("{\"outside\": 2, \"to\": [\"198.51.100.0/24\"], \"nat\": {\"pool\": \"203.0.113.8/30\"}}",
		  "[{\"prefix\": \"10.0.0.0/8\", \"via\": \"10.1.0.9\"}, {\"prefix\": \"198.51.100.0/24\", \"drop\": true}]",
		  "/to/0", "conflict", "own route /spec/routes/1 names 198.51.100.0/24");
	refused_r("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\"}}", "[{\"prefix\": \"0.0.0.0/0\", \"via\": \"10.1.0.9\"}]",
		  "/to", "conflict", "/spec/routes/0 names 0.0.0.0/0 too (to's default");
	/* the pool */
	refused("{\"outside\": 2, \"nat\": {}}", "/nat/pool", "missing", "its pool");
	refused("{\"outside\": 2, \"nat\": 5}", "/nat", "bad_value", "nat is");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"2001:db8::/64\"}}", "/nat/pool", "bad_value", "is IPv6");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.9/30\"}}", "/nat/pool", "bad_value",
		"203.0.113.8/30 is aligned");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"10.0.0.0/15\"}}", "/nat/pool", "bad_value",
		"131072 addresses: at most 65536");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"10.0.0.0-10.1.0.0\"}}", "/nat/pool", "bad_value",
		"65537 addresses");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.11-203.0.113.8\"}}", "/nat/pool", "bad_value",
		"is reversed");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8-x\"}}", "/nat/pool", "bad_value",
		"'x' is not an IPv4 address");
	/* ports and blocks */
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"ports\": \"0-1000\"}}", "/nat/ports",
		"bad_value", "port 0");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"ports\": \"5000-4000\"}}", "/nat/ports",
		"bad_value", "reversed");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"ports\": \"1024-70000\"}}", "/nat/ports",
		"bad_value", "1..65535");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"ports\": 1024}}", "/nat/ports",
		"bad_value", "LO-HI");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"ports\": \"1024-2047\", \"block\": 2048}}",
		"/nat/block", "bad_value", "2048 ports is larger than the 1024 ports 1024-2047");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"block\": 0}}", "/nat/block",
		"bad_value", "1..65535");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"blocks\": 9}}", "/nat/blocks",
		"bad_value", "1..8");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"blocks\": 0}}", "/nat/blocks",
		"bad_value", "1..8");
	/* deterministic: aligned, and a block for each address */
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"deterministic\": \"10.1.0.4/24\"}}",
		"/nat/deterministic", "bad_value", "10.1.0.0/24 is aligned");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"deterministic\": \"10.0.0.0/22\"}}",
		"/nat/deterministic", "bad_value",
		"10.0.0.0/22 has 1024 addresses, one block each, but the pool has 504 blocks (4 addresses x 126 "
		"blocks of 512 ports)");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"deterministic\": \"fd00::/64\"}}",
		"/nat/deterministic", "bad_value", "is IPv6");
	/* without nat */
	refused("{\"outside\": 2}", "/prefixes", "missing", "prefixes is an array");
	refused("{\"outside\": 2, \"prefixes\": [\"10.1.0.0/24\", \"10.1.0.0/24\"]}", "/prefixes/1", "duplicate",
		"prefixes/0");
	refused("{\"outside\": 2, \"prefixes\": [\"10.1.0.1/24\"]}", "/prefixes/0", "bad_value", "host bits");
	refused("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\"}, \"prefixes\": [\"10.1.0.0/24\"]}",
		"/prefixes", "bad_value", "without nat");
}
END_TEST

START_TEST(just_fits)
{
	/* 504 blocks for 504 addresses is not a prefix; 256 of 504 is */
	json_t *ups = compiled("{\"outside\": 2, \"nat\": {\"pool\": \"203.0.113.8/30\", \"deterministic\": "
			       "\"10.0.0.0/24\"}}", NULL);

	json_decref(ups);
	/* the largest pool, /16, and one port a block */
	ups = compiled("{\"outside\": 2, \"nat\": {\"pool\": \"100.64.0.0/16\", \"ports\": \"1-1\", \"block\": 1,"
		       " \"blocks\": 8}}", NULL);
	json_decref(ups);
}
END_TEST

START_TEST(reasons)
{
	json_t *c = parse("{\"edge.no_mapping\": 3, \"fw.rule_deny\": 2, \"edge.fragment\": 0, \"edgeless\": 9}");
	json_t *r = edge_spec_reasons(c);
	char buf[8];

	ck_assert_uint_eq(json_object_size(r), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "no_mapping")), 3);
	ck_assert_ptr_nonnull(json_object_get(r, "fragment"));
	ck_assert_str_eq(edge_spec_proto(6, buf, sizeof(buf)), "tcp");
	ck_assert_str_eq(edge_spec_proto(47, buf, sizeof(buf)), "47");
	json_decref(r);
	json_decref(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("edge_spec");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, nat_prefix_pool);
	tcase_add_test(tc, nat_range_deterministic);
	tcase_add_test(tc, no_nat);
	tcase_add_test(tc, cover);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, just_fits);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
