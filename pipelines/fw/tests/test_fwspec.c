/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_spec alone: a slice's firewall compiled into fw_rules and fw_policy
 * updates (defaults, priorities by id, wildcards left out), every refusal
 * with its pointer and reason, and entries read back as rules. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fw_names.h"
#include "fw_spec.h"

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
	return j;
}

/* @doc refused at @ptr for @reason, with @msg in its message. */
static void
refused(const char *doc, const char *ptr, const char *reason, const char *msg)
{
	json_t *fw = parse(doc), *out = (json_t *)0x1;
	struct spec_err err;

	ck_assert_int_eq(fw_spec_compile(fw, 7, &out, &err), -EINVAL);
	ck_assert_ptr_eq(out, (json_t *)0x1);   /* nothing made */
	ck_assert_str_eq(err.ptr, ptr);
	ck_assert_str_eq(err.reason, reason);
	ck_assert_msg(strstr(err.msg, msg) != NULL, "message '%s' lacks '%s'", err.msg, msg);
	json_decref(fw);
}

START_TEST(compiles)
{
	json_t *fw = parse("{\"default\": {\"out\": \"deny\"}, \"rules\": ["
			   "{\"id\": 20, \"dir\": \"in\", \"action\": \"deny\", \"proto\": \"tcp\", \"dport\": \"1-1024\"},"
			   "{\"id\": 10, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"tcp\", \"src\": \"0.0.0.0/0\","
			   " \"dst\": \"10.1.0.5\", \"sport\": \"any\", \"dport\": \"22\"},"
			   "{\"id\": 30, \"dir\": \"out\", \"action\": \"allow\", \"proto\": \"icmp\", \"dst\": \"192.0.2.0/24\"}]}");
	json_t *ups, *u, *m;
	struct spec_err err;

	ck_assert_int_eq(fw_spec_compile(fw, 7, &ups, &err), 0);
	ck_assert_uint_eq(json_array_size(ups), 5);
	/* the defaults: out as said, in deny unless said */
	u = json_array_get(ups, 0);
	ck_assert_str_eq(json_string_value(json_object_get(u, "table")), FW_T_POLICY);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(u, "match"), "dir")), FW_DIR_OUT);
	ck_assert_str_eq(json_string_value(json_object_get(u, "action")), "deny");
	u = json_array_get(ups, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(u, "match"), "dir")), FW_DIR_IN);
	ck_assert_str_eq(json_string_value(json_object_get(u, "action")), "deny");
	/* the rules, lowest id first, the lowest id the highest priority */
	u = json_array_get(ups, 2);
	m = json_object_get(u, "match");
	ck_assert_str_eq(json_string_value(json_object_get(u, "table")), FW_T_RULES);
	ck_assert_int_eq(json_integer_value(json_object_get(u, "priority")), FW_PRIO_TOP - 10);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(u, "params"), "rule")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "vrf")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "dir")), FW_DIR_IN);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, "proto"), "value")), 6);
	ck_assert_ptr_null(json_object_get(m, "src"));     /* 0.0.0.0/0: left out, any */
	ck_assert_ptr_null(json_object_get(m, "sport"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "dst"), "mask")), "255.255.255.255");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "dport")), 22);
	u = json_array_get(ups, 3);
	ck_assert_int_eq(json_integer_value(json_object_get(u, "priority")), FW_PRIO_TOP - 20);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(u, "match"), "dport"),
							    "max")), 1024);
	u = json_array_get(ups, 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(u, "match"), "dst"), "value")),
			 "192.0.2.0");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(u, "match"), "dst"), "mask")),
			 "255.255.255.0");
	json_decref(ups);
	json_decref(fw);
	/* no rules, no default: in deny, out allow */
	fw = parse("{}");
	ck_assert_int_eq(fw_spec_compile(fw, 1, &ups, &err), 0);
	ck_assert_uint_eq(json_array_size(ups), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ups, 0), "action")), "allow");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ups, 1), "action")), "deny");
	json_decref(ups);
	json_decref(fw);
}
END_TEST

START_TEST(refusals)
{
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"src\": \"10.0.0.300/8\"}]}",
		"/rules/0/src", "bad_value", "not an IPv4 prefix");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"dst\": \"10.1.2.3/8\"}]}",
		"/rules/0/dst", "bad_value", "bits set past its length (10.0.0.0/8?)");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"dst\": \"10.0.0.0/33\"}]}",
		"/rules/0/dst", "bad_value", "0..32");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"src\": \"2001:db8::/32\"}]}",
		"/rules/0/src", "bad_value", "IPv6");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"tcp\", \"dport\": \"200-100\"}]}",
		"/rules/0/dport", "bad_value", "200-100 is reversed");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"udp\", \"sport\": \"70000\"}]}",
		"/rules/0/sport", "bad_value", "0..65535");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"tcp\", \"sport\": \"1-x\"}]}",
		"/rules/0/sport", "bad_value", "not a port");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"icmp\", \"dport\": \"8\"}]}",
		"/rules/0/dport", "bad_value", "TCP's and UDP's");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"sport\": \"80\"}]}",
		"/rules/0/sport", "bad_value", "name proto tcp or udp");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"allow\", \"proto\": \"sctp\"}]}",
		"/rules/0/proto", "bad_value", "unknown proto");
	refused("{\"rules\": [{\"id\": 4, \"dir\": \"in\", \"action\": \"allow\"}, {\"id\": 5, \"dir\": \"out\","
		" \"action\": \"deny\"}, {\"id\": 4, \"dir\": \"out\", \"action\": \"deny\"}]}",
		"/rules/2/id", "duplicate", "rule id 4 is rule 0's too");
	refused("{\"rules\": [{\"dir\": \"in\", \"action\": \"allow\"}]}", "/rules/0/id", "missing", "needs its id");
	refused("{\"rules\": [{\"id\": 0, \"dir\": \"in\", \"action\": \"allow\"}]}", "/rules/0/id", "bad_value",
		"1..65535");
	refused("{\"rules\": [{\"id\": 1, \"action\": \"allow\"}]}", "/rules/0/dir", "missing", "\"in\"");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"up\", \"action\": \"allow\"}]}", "/rules/0/dir", "bad_value", "\"in\"");
	refused("{\"rules\": [{\"id\": 1, \"dir\": \"in\", \"action\": \"drop\"}]}", "/rules/0/action", "bad_value",
		"\"allow\" or \"deny\"");
	refused("{\"default\": {\"in\": \"reject\"}}", "/default/in", "bad_value", "\"allow\" or \"deny\"");
	refused("{\"rules\": {}}", "/rules", "bad_value", "an array");
	refused("[]", "", "bad_value", "a firewall is");
}
END_TEST

/* Entries as sxdp reads them back (its forms: ternary objects, ranges as
 * min and max) become rules again, by VRF and id, with their hits. */
START_TEST(rows)
{
	json_t *rules = parse("["
		"{\"match\": {\"vrf\": 7, \"dir\": 1, \"proto\": {\"value\": 6, \"mask\": 255},"
		" \"dst\": {\"value\": \"10.1.0.5\", \"mask\": \"255.255.255.255\"}, \"dport\": {\"min\": 22, \"max\": 22}},"
		" \"priority\": 65526, \"action\": \"allow\", \"params\": {\"rule\": 10}, \"hits\": 3},"
		"{\"match\": {\"vrf\": 3, \"dir\": 0, \"proto\": {\"value\": 17, \"mask\": 255},"
		" \"sport\": {\"min\": 1024, \"max\": 65535}},"
		" \"priority\": 65535, \"action\": \"deny\", \"params\": {\"rule\": 1}, \"hits\": 0},"
		"{\"match\": {\"vrf\": 7, \"dir\": 1, \"src\": {\"value\": \"192.0.2.0\", \"mask\": \"255.255.255.0\"}},"
		" \"priority\": 65534, \"action\": \"deny\", \"params\": {\"rule\": 2}, \"hits\": 9}]");
	json_t *policy = parse("[{\"match\": {\"vrf\": 7, \"dir\": 1}, \"action\": \"deny\", \"params\": {}, \"hits\": 4},"
			       "{\"match\": {\"vrf\": 7, \"dir\": 0}, \"action\": \"allow\", \"params\": {}, \"hits\": 5}]");
	json_t *rows = fw_spec_rows(rules, policy), *r, *x;

	ck_assert_uint_eq(json_array_size(rows), 2);
	r = json_array_get(rows, 0);   /* vrf 3 first: no default entry */
	ck_assert_int_eq(json_integer_value(json_object_get(r, "vrf")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "default"), "in")), "none");
	x = json_array_get(json_object_get(r, "rules"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(x, "proto")), "udp");
	ck_assert_str_eq(json_string_value(json_object_get(x, "sport")), "1024-65535");
	ck_assert_str_eq(json_string_value(json_object_get(x, "dport")), "any");
	ck_assert_str_eq(json_string_value(json_object_get(x, "dir")), "out");
	r = json_array_get(rows, 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "default"), "in")), "deny");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "default_hits"), "out")), 5);
	x = json_array_get(json_object_get(r, "rules"), 0);   /* by id: 2, then 10 */
	ck_assert_int_eq(json_integer_value(json_object_get(x, "id")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(x, "src")), "192.0.2.0/24");
	ck_assert_str_eq(json_string_value(json_object_get(x, "proto")), "any");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "hits")), 9);
	x = json_array_get(json_object_get(r, "rules"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(x, "id")), 10);
	ck_assert_str_eq(json_string_value(json_object_get(x, "dst")), "10.1.0.5/32");
	ck_assert_str_eq(json_string_value(json_object_get(x, "dport")), "22");
	ck_assert_str_eq(json_string_value(json_object_get(x, "action")), "allow");
	json_decref(rows);
	json_decref(rules);
	json_decref(policy);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fw_spec");
	TCase *tc = tcase_create("spec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, compiles);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, rows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
