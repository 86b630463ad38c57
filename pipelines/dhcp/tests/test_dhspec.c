/* SPDX-License-Identifier: BSD-3-Clause */
/* dh_spec alone: a slice's dhcp compiled into the dhcp tables' entries (the
 * shapes tests/packet/test_dhcp.py writes by hand and sxdp takes), every
 * refusal with its pointer and reason, and sxdp's leases counted. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dh_spec.h"
#include "dhcp_names.h"

#define SVI4 "10.1.0.1/24"
#define SVI6 "2001:db8:1::1/64"

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
	return j;
}

static json_t *
compiled(const char *doc, const char *svi4, const char *svi6)
{
	json_t *dh = parse(doc), *ups = NULL;
	struct spec_err err;
	int rc = dh_spec_compile(dh, 7, 7, svi4, svi6, &ups, &err);

	ck_assert_msg(rc == 0, "%s refused at %s (%s): %s", doc, err.ptr, err.reason, err.msg);
	json_decref(dh);
	return ups;
}

/* @u equals the update written as @want (JSON). */
static void
is(json_t *u, const char *want)
{
	json_t *w = parse(want);
	char *got = json_dumps(u, JSON_SORT_KEYS);

	ck_assert_msg(json_equal(u, w), "got %s, want %s", got, want);
	free(got);
	json_decref(w);
}

/* @doc refused at @ptr for @reason, with @msg in its message, nothing made. */
static void
refused_on(const char *doc, const char *svi4, const char *svi6, const char *ptr, const char *reason, const char *msg)
{
	json_t *dh = parse(doc), *out = (json_t *)0x1;
	struct spec_err err;

	ck_assert_int_eq(dh_spec_compile(dh, 7, 7, svi4, svi6, &out, &err), -EINVAL);
	ck_assert_ptr_eq(out, (json_t *)0x1);
	ck_assert_msg(strcmp(err.ptr, ptr) == 0, "%s: pointer %s, want %s (%s)", doc, err.ptr, ptr, err.msg);
	ck_assert_msg(strcmp(err.reason, reason) == 0, "%s: reason %s, want %s (%s)", doc, err.reason, reason, err.msg);
	ck_assert_msg(strstr(err.msg, msg) != NULL, "%s: message '%s' lacks '%s'", doc, err.msg, msg);
	json_decref(dh);
}

static void
refused(const char *doc, const char *ptr, const char *reason, const char *msg)
{
	refused_on(doc, SVI4, SVI6, ptr, reason, msg);
}

START_TEST(pool_and_static)
{
	json_t *ups = compiled("{\"pool\": \"10.1.0.100-10.1.0.199\", \"dns\": [\"10.1.0.53\", \"192.0.2.53\"],"
			       " \"lease_s\": 600, \"static\": [{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.1.0.5\"},"
			       " {\"mac\": \"02-00-00-00-10-0A\", \"ip\": \"10.1.0.150\"}]}", SVI4, NULL);

	ck_assert_uint_eq(json_array_size(ups), 3);
	/* the router is the SVI's address unless said */
	is(json_array_get(ups, 0), "{\"type\": \"insert\", \"table\": \"" DHCP_T_POOLS "\", \"match\": {\"vrf\": 7,"
	   " \"bd\": 7}, \"action\": \"pool\", \"params\": {\"first\": \"10.1.0.100\", \"last\": \"10.1.0.199\","
	   " \"router\": \"10.1.0.1\", \"dns1\": \"10.1.0.53\", \"dns2\": \"192.0.2.53\", \"lease_s\": 600}}");
	is(json_array_get(ups, 1), "{\"type\": \"insert\", \"table\": \"" DHCP_T_STATIC "\", \"match\": {\"bd\": 7,"
	   " \"mac\": \"02:00:00:00:10:01\"}, \"action\": \"static\", \"params\": {\"ip\": \"10.1.0.5\"}}");
	/* a static address inside the pool is the host's alone; the MAC as sxdp writes them */
	is(json_array_get(ups, 2), "{\"type\": \"insert\", \"table\": \"" DHCP_T_STATIC "\", \"match\": {\"bd\": 7,"
	   " \"mac\": \"02:00:00:00:10:0a\"}, \"action\": \"static\", \"params\": {\"ip\": \"10.1.0.150\"}}");
	json_decref(ups);
}
END_TEST

START_TEST(defaults_router_relay_ra)
{
	json_t *ups = compiled("{\"pool\": \"10.1.0.10-10.1.0.10\", \"router\": \"10.1.0.254\"}", SVI4, NULL);

	is(json_array_get(ups, 0), "{\"type\": \"insert\", \"table\": \"dhcp_pools\", \"match\": {\"vrf\": 7,"
	   " \"bd\": 7}, \"action\": \"pool\", \"params\": {\"first\": \"10.1.0.10\", \"last\": \"10.1.0.10\","
	   " \"router\": \"10.1.0.254\", \"lease_s\": 3600}}");
	json_decref(ups);
	ups = compiled("{\"router\": \"10.1.0.1\", \"pool\": \"10.1.0.2-10.1.0.254\"}", SVI4, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(ups, 0), "params"),
							   "router")), "10.1.0.1");
	json_decref(ups);
	/* a relay: the server anywhere routed in the slice */
	ups = compiled("{\"relay\": {\"server\": \"192.0.2.67\"}}", SVI4, NULL);
	ck_assert_uint_eq(json_array_size(ups), 1);
	is(json_array_get(ups, 0), "{\"type\": \"insert\", \"table\": \"dhcp_relay\", \"match\": {\"vrf\": 7,"
	   " \"bd\": 7}, \"action\": \"relay\", \"params\": {\"server\": \"192.0.2.67\"}}");
	json_decref(ups);
	/* router advertisements alone, on an IPv6-only slice: the defaults */
	ups = compiled("{\"ra\": {}}", NULL, SVI6);
	ck_assert_uint_eq(json_array_size(ups), 1);
	is(json_array_get(ups, 0), "{\"type\": \"insert\", \"table\": \"dhcp_ra\", \"match\": {\"vrf\": 7, \"bd\": 7},"
	   " \"action\": \"ra\", \"params\": {\"interval_s\": 200, \"lifetime_s\": 1800}}");
	json_decref(ups);
	/* both families: the pool, then the advertisements */
	ups = compiled("{\"pool\": \"10.1.0.100-10.1.0.110\", \"ra\": {\"interval_s\": 3, \"lifetime_s\": 0}}", SVI4,
		       SVI6);
	ck_assert_uint_eq(json_array_size(ups), 2);
	is(json_array_get(ups, 1), "{\"type\": \"insert\", \"table\": \"dhcp_ra\", \"match\": {\"vrf\": 7, \"bd\": 7},"
	   " \"action\": \"ra\", \"params\": {\"interval_s\": 3, \"lifetime_s\": 0}}");
	json_decref(ups);
	/* a /31's two addresses are hosts */
	ups = compiled("{\"pool\": \"10.9.0.0-10.9.0.0\"}", "10.9.0.1/31", NULL);
	json_decref(ups);
}
END_TEST

START_TEST(refusals_shape)
{
	refused("[]", "", "bad_value", "dhcp is");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"gateway\": \"10.1.0.1\"}", "/gateway", "bad_value",
		"unknown member");
	refused("{}", "", "missing", "needs a pool");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"relay\": {\"server\": \"192.0.2.67\"}}", "/relay", "bad_value",
		"instead of a pool");
	refused("{\"relay\": {\"server\": \"192.0.2.67\"}, \"static\": []}", "/static", "bad_value",
		"the relay's server answers with its own");
	refused("{\"relay\": {\"server\": \"192.0.2.67\"}, \"router\": \"10.1.0.1\"}", "/router", "bad_value",
		"the pool's");
	refused("{\"ra\": {}, \"lease_s\": 600}", "/lease_s", "bad_value", "name a pool");
	refused_on("{\"pool\": \"10.1.0.100-10.1.0.199\"}", NULL, SVI6, "/pool", "no_svi", "IPv4 SVI");
	refused_on("{\"pool\": \"10.1.0.100-10.1.0.199\"}", SVI6, NULL, "/pool", "no_svi", "IPv4 SVI");
	refused_on("{\"relay\": {\"server\": \"192.0.2.67\"}}", NULL, NULL, "/relay", "no_svi", "IPv4 SVI");
	refused_on("{\"ra\": {}}", SVI4, NULL, "/ra", "no_svi", "IPv6 SVI");
}
END_TEST

START_TEST(refusals_pool_router_dns)
{
	refused("{\"pool\": \"10.1.0.100\"}", "/pool", "bad_value", "FIRST-LAST");
	refused("{\"pool\": 5}", "/pool", "bad_value", "FIRST-LAST");
	refused("{\"pool\": \"10.1.0.100-10.1.0.x\"}", "/pool", "bad_value", "not \"FIRST-LAST\"");
	refused("{\"pool\": \"10.1.0.0/25-10.1.0.9\"}", "/pool", "bad_value", "not \"FIRST-LAST\"");
	refused("{\"pool\": \"10.1.0.199-10.1.0.100\"}", "/pool", "bad_value", "reversed");
	refused("{\"pool\": \"10.1.0.100-10.1.1.10\"}", "/pool", "bad_value", "outside the SVI's subnet 10.1.0.0/24");
	refused("{\"pool\": \"10.1.0.0-10.1.0.10\"}", "/pool", "bad_value", "network address");
	refused("{\"pool\": \"10.1.0.200-10.1.0.255\"}", "/pool", "bad_value", "broadcast address");
}
END_TEST

START_TEST(pool_svi_and_router)
{
	json_t *ups = compiled("{\"pool\": \"10.1.0.2-10.1.0.254\"}", SVI4, NULL);

	json_decref(ups);
	refused("{\"pool\": \"10.1.0.1-10.1.0.20\"}", "/pool", "bad_value", "first address 10.1.0.1 is the SVI's own");
	refused_on("{\"pool\": \"10.1.0.10-10.1.0.99\"}", "10.1.0.50/24", NULL, "/pool", "bad_value",
		   "holds the SVI's address 10.1.0.50");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"router\": \"10.1.1.1\"}", "/router", "bad_value",
		"outside the SVI's subnet");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"router\": \"10.1.0.150\"}", "/router", "bad_value",
		"inside the pool");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"router\": \"2001:db8::1\"}", "/router", "bad_value", "IPv6");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"router\": \"10.1.0.255\"}", "/router", "bad_value",
		"broadcast");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"dns\": [\"1.1.1.1\", \"8.8.8.8\", \"9.9.9.9\"]}", "/dns",
		"bad_value", "at most 2");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"dns\": [\"1.1.1.1\", \"224.0.0.5\"]}", "/dns/1", "bad_value",
		"not a unicast");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"dns\": [\"localhost\"]}", "/dns/0", "bad_value",
		"not an IPv4 address");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"lease_s\": 59}", "/lease_s", "bad_value", "60..");
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"lease_s\": 31622401}", "/lease_s", "bad_value", "60..");
}
END_TEST

START_TEST(refusals_static)
{
#define P "{\"pool\": \"10.1.0.100-10.1.0.199\", \"static\": "
	refused(P "{}}", "/static", "bad_value", "array");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\"}]}", "/static/0", "missing", "static lease is");
	refused(P "[{\"mac\": \"02:00:00:00:10\", \"ip\": \"10.1.0.5\"}]}", "/static/0/mac", "bad_value", "a MAC is");
	refused(P "[{\"mac\": \"02:00:00-00:10:01\", \"ip\": \"10.1.0.5\"}]}", "/static/0/mac", "bad_value", "a MAC is");
	refused(P "[{\"mac\": \"01:00:5e:00:00:01\", \"ip\": \"10.1.0.5\"}]}", "/static/0/mac", "bad_value",
		"not a unicast MAC");
	refused(P "[{\"mac\": \"00:00:00:00:00:00\", \"ip\": \"10.1.0.5\"}]}", "/static/0/mac", "bad_value",
		"not a unicast MAC");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.1.0.5\"}, {\"mac\": \"02:00:00:00:10:01\","
		" \"ip\": \"10.1.0.6\"}]}", "/static/1/mac", "duplicate", "static/0");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.1.0.5\"}, {\"mac\": \"02:00:00:00:10:02\","
		" \"ip\": \"10.1.0.5\"}]}", "/static/1/ip", "duplicate", "static/0's");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.2.0.5\"}]}", "/static/0/ip", "bad_value",
		"outside the SVI's subnet");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.1.0.1\"}]}", "/static/0/ip", "bad_value",
		"SVI's own address");
	refused(P "[{\"mac\": \"02:00:00:00:10:01\", \"ip\": \"10.1.0.0\"}]}", "/static/0/ip", "bad_value",
		"network address");
#undef P
	refused("{\"pool\": \"10.1.0.100-10.1.0.199\", \"router\": \"10.1.0.254\", \"static\": [{\"mac\":"
		" \"02:00:00:00:10:01\", \"ip\": \"10.1.0.254\"}]}", "/static/0/ip", "bad_value", "the router's");
}
END_TEST

START_TEST(refusals_relay_ra)
{
	refused("{\"relay\": {}}", "/relay", "missing", "server");
	refused("{\"relay\": {\"server\": \"10.1.0.1\"}}", "/relay/server", "bad_value", "SVI's own address");
	refused("{\"relay\": {\"server\": \"255.255.255.255\"}}", "/relay/server", "bad_value", "not a unicast");
	refused("{\"ra\": []}", "/ra", "bad_value", "ra is");
	refused_on("{\"ra\": {}}", SVI4, "2001:db8:1::1/48", "/ra", "bad_value", "not a /64");
	refused("{\"ra\": {\"interval_s\": 2}}", "/ra/interval_s", "bad_value", "3..1800");
	refused("{\"ra\": {\"lifetime_s\": 9001}}", "/ra/lifetime_s", "bad_value", "0..9000");
	refused("{\"ra\": {\"interval_s\": 600, \"lifetime_s\": 300}}", "/ra/lifetime_s", "bad_value",
		"below interval_s 600");
}
END_TEST

START_TEST(counts)
{
	json_t *res = parse("{\"file\": \"/x\", \"leases\": ["
			    "{\"vrf\": 9, \"state\": \"bound\", \"static\": false},"
			    "{\"vrf\": 2, \"state\": \"bound\", \"static\": true},"
			    "{\"vrf\": 9, \"state\": \"offered\", \"static\": false},"
			    "{\"vrf\": 9, \"state\": \"bound\", \"static\": false},"
			    "{\"vrf\": 2, \"state\": \"declined\", \"static\": false}]}");
	json_t *rows = dh_spec_counts(res), *want = parse(
		"[{\"vrf\": 2, \"bound\": 1, \"offered\": 0, \"declined\": 1, \"static\": 1},"
		" {\"vrf\": 9, \"bound\": 2, \"offered\": 1, \"declined\": 0, \"static\": 0}]");

	ck_assert(json_equal(rows, want));
	json_decref(rows);
	json_decref(want);
	json_decref(res);
	res = parse("{\"leases\": []}");
	rows = dh_spec_counts(res);
	ck_assert_uint_eq(json_array_size(rows), 0);
	json_decref(rows);
	json_decref(res);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dhcp-spec");
	TCase *tc = tcase_create("spec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, pool_and_static);
	tcase_add_test(tc, defaults_router_relay_ra);
	tcase_add_test(tc, refusals_shape);
	tcase_add_test(tc, refusals_pool_router_dns);
	tcase_add_test(tc, pool_svi_and_router);
	tcase_add_test(tc, refusals_static);
	tcase_add_test(tc, refusals_relay_ra);
	tcase_add_test(tc, counts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
