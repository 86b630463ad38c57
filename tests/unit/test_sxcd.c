/* Unit tests of sxcd's modules without a daemon: the schema checks
 * (cd_schema), the canonical table sets and their diff (cd_tables), the
 * compile of intents into entries (cd_compile), against sxdp's tables as
 * tests/unit/sxdp-tables.json records them (test_sxcd.py checks that file
 * against a running sxdp). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cd_compile.h"
#include "cd_kind.h"
#include "cd_member.h"
#include "cd_schema.h"
#include "cd_tables.h"
#include "dp_addr.h"
#include "ov_keys.h"

static struct cd_schema *sc;
static struct cd_tables *tabs;

static void
setup(void)
{
	char err[256];
	json_t *fx = json_load_file(TEST_TABLES, 0, NULL);

	ck_assert_msg(cd_schema_load(TEST_SCHEMA, &sc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(fx);
	tabs = cd_tables_new(json_object_get(fx, "describe"), json_object_get(fx, "ports"));
	ck_assert_ptr_nonnull(tabs);
	json_decref(fx);
}

static void
teardown(void)
{
	cd_schema_free(sc);
	cd_tables_free(tabs);
}

static json_t *
J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);

	ck_assert_msg(v != NULL, "bad test JSON: %s: %s", e.text, s);
	return v;
}

/* An entry as a set holds it, as an object (borrowed: kept until a
 * few later calls): sets hold most entries as their text. */
static json_t *
obj(json_t *held)
{
	static json_t *ring[16];
	static unsigned int at;

	json_decref(ring[at % 16]);
	ring[at % 16] = cd_tables_entry(held);
	return ring[at++ % 16];
}

/* The errors of checking @doc against @schema, as "pointer reason" lines. */
static char *
errors_of(const char *schema, const char *doc)
{
	json_t *errs = json_array(), *v = J(doc), *e;
	char *out = calloc(1, 4096);
	size_t i;

	cd_schema_check(sc, schema, v, "/spec", errs);
	json_array_foreach(errs, i, e)
		snprintf(out + strlen(out), 4096 - strlen(out), "%s%s %s", i ? "; " : "",
			 json_string_value(json_object_get(e, "pointer")),
			 json_string_value(json_object_get(e, "reason")));
	json_decref(errs);
	json_decref(v);
	return out;
}

#define CK_ERRS(schema, doc, want) do { \
	char *got_ = errors_of(schema, doc); \
	ck_assert_msg(strcmp(got_, want) == 0, "%s: got '%s', want '%s'", doc, got_, want); \
	free(got_); \
} while (0)

START_TEST(schema_pointers_and_reasons)
{
	CK_ERRS("SliceSpec", "{\"id\": 1}", "");
	CK_ERRS("SliceSpec", "{}", "/spec/id missing");
	CK_ERRS("SliceSpec", "{\"id\": \"1\"}", "/spec/id wrong_type");
	CK_ERRS("SliceSpec", "{\"id\": 0}", "/spec/id out_of_range");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"x/y~z\": 1}", "/spec/x~1y~0z unknown_field");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"members\": [{\"port\": \"a\"}, {\"vlan\": 4096}]}",
		"/spec/members/1/port missing; /spec/members/1/vlan out_of_range");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"svi\": {\"address\": \"10.0.0.1\", \"mac\": \"02:00:00:00:00:0\"}}",
		"/spec/svi/address bad_value; /spec/svi/mac bad_value");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"routes\": [{\"prefix\": \"2001:db8::/129\"}]}",
		"/spec/routes/0/prefix bad_value");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"routes\": [{\"prefix\": \"2001:db8::/64\", \"via\": \"fe80::1\"}]}", "");
	CK_ERRS("SliceSpec", "{\"id\": 1, \"path_policy\": {\"mode\": \"x\", \"wans\": []}}",
		"/spec/path_policy/mode bad_value; /spec/path_policy/wans too_few");
	CK_ERRS("PeerSpec", "{\"id\": 1, \"endpoints\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]}",
		"/spec/endpoints too_many");
	CK_ERRS("VdnSpec", "{\"slice\": \".x\", \"guaranteed_bps\": 7999, \"match\": {\"sport\": [1]}}",
		"/spec/slice bad_value; /spec/guaranteed_bps out_of_range; /spec/match/sport too_few");
	/* IPv6: a WAN link's address6 and gateway6 (each its family), a peer's
	 * endpoint, a flow's prefixes (either family, a bare address too) */
	CK_ERRS("SiteSpec", "{\"id\": 1, \"wan\": [{\"name\": \"a\", \"port\": \"p\", \"address6\": "
		"\"2001:db8::1/64\", \"gateway6\": \"fe80::1\"}]}", "");
	CK_ERRS("SiteSpec", "{\"id\": 1, \"wan\": [{\"name\": \"a\", \"port\": \"p\", \"address\": "
		"\"2001:db8::1/64\", \"address6\": \"192.0.2.1/24\", \"gateway6\": \"192.0.2.254\"}]}",
		"/spec/wan/0/address bad_value; /spec/wan/0/address6 bad_value; /spec/wan/0/gateway6 bad_value");
	CK_ERRS("SiteSpec", "{\"id\": 1, \"wan\": [{\"name\": \"a\", \"port\": \"p\", \"address6\": "
		"\"2001:db8::1\"}]}", "/spec/wan/0/address6 bad_value");
	CK_ERRS("PeerSpec", "{\"id\": 1, \"endpoints\": [{\"address\": \"2001:db8::2\", \"wan\": \"a\"}, "
		"{\"address\": \"2001:db8::g\", \"wan\": \"a\"}]}", "/spec/endpoints/1/address bad_value");
	CK_ERRS("VdnSpec", "{\"slice\": \"x\", \"guaranteed_bps\": 8000, \"match\": {\"src\": \"2001:db8::/48\", "
		"\"dst\": \"2001:db8::1\"}}", "");
	CK_ERRS("PolicySpec", "{\"slice\": \"x\", \"class\": 1, \"path_policy\": {\"mode\": \"failover\", "
		"\"wans\": [\"a\"]}, \"match\": {\"src\": \"2001:db8::/129\", \"dst\": \"10.0.0.0/33\"}}",
		"/spec/match/src bad_value; /spec/match/dst bad_value");
}
END_TEST

/* Past CD_SCHEMA_ERRORS_MAX reported errors, the errors still count: a
 * document is never found valid because its errors were too many to list. */
START_TEST(schema_counts_past_the_cap)
{
	json_t *errs = json_array(), *v = json_array();
	int n;

	for (int i = 0; i < 2 * CD_SCHEMA_ERRORS_MAX; i++)
		json_array_append_new(v, json_pack("{s:s}", "x", "y"));
	v = json_pack("{s:i,s:o}", "id", 1, "members", v);
	n = cd_schema_check(sc, "SliceSpec", v, "/spec", errs);
	ck_assert_int_eq(n, 64 * 2);	/* each member: port missing, x unknown */
	ck_assert_int_eq(json_array_size(errs), CD_SCHEMA_ERRORS_MAX);
	/* and a check after the list is full still says so */
	ck_assert_int_eq(cd_schema_check(sc, "SliceSpec", json_object_get(v, "id"), "/spec", errs), 1);
	json_decref(v);
	json_decref(errs);
}
END_TEST

/* A document that asks for a check cd_schema does not make is refused. */
START_TEST(schema_refuses_what_it_cannot_check)
{
	static const char *const docs[] = {
		"{\"components\": {\"schemas\": {\"A\": {\"type\": \"string\", \"pattern\": \"^a\"}}}}",
		"{\"components\": {\"schemas\": {\"A\": {\"oneOf\": []}}}}",
		"{\"components\": {\"schemas\": {\"A\": {\"format\": \"email\"}}}}",
		"{\"components\": {\"schemas\": {\"A\": {\"$ref\": \"#/components/schemas/B\"}}}}",
		"{\"components\": {\"schemas\": {\"A\": {\"additionalProperties\": {}}}}}",
		"{\"paths\": {}}",
	};
	char path[] = "/tmp/test-sxcd-schema-XXXXXX", err[256];
	struct cd_schema *s;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		int fd = mkstemp(path);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, docs[i], strlen(docs[i])), (ssize_t)strlen(docs[i]));
		close(fd);
		ck_assert_msg(cd_schema_load(path, &s, err, sizeof(err)) < 0, "loaded %s", docs[i]);
		unlink(path);
		strcpy(path, "/tmp/test-sxcd-schema-XXXXXX");
	}
}
END_TEST

/* ------------------------------------------------------------ tables */

static json_t *
set_of(const char *updates)
{
	json_t *set = json_object(), *ups = J(updates), *u;
	char err[256];
	size_t i;

	json_array_foreach(ups, i, u)
		ck_assert_msg(cd_tables_apply(tabs, set, u, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	json_decref(ups);
	return set;
}

START_TEST(tables_canonical_form)
{
	/* one entry, four spellings: the same key and the same entry */
	json_t *a = set_of("[{\"type\": \"insert\", \"table\": \"fdb\", \"match\": {\"bd\": 5, "
			   "\"mac\": \"02:aa:BB:00:00:01\"}, \"action\": \"forward\", \"params\": {\"port\": 1}}]");
	json_t *b = set_of("[{\"type\": \"insert\", \"table\": \"fdb\", \"match\": {\"bd\": \"5\", "
			   "\"mac\": \"02:AA:bb:00:00:01\"}, \"action\": \"forward\", \"params\": {\"port\": \"lan2\"}}]");
	json_t *c = set_of("[{\"type\": \"insert\", \"table\": \"routes6\", \"match\": {\"vrf\": 1, "
			   "\"dst\": \"2001:0db8:0:0::1/64\"}, \"action\": \"drop\"}]");
	json_t *d = set_of("[{\"type\": \"insert\", \"table\": \"tunnels\", \"match\": {\"id\": 1}, "
			   "\"action\": \"vxlan\", \"params\": {\"slice\": 1, \"vni\": 5, \"path\": 1, \"ttl\": 64, "
			   "\"dscp\": 0, \"csum\": 0, \"rmac\": \"00:00:00:00:00:00\"}}]");
	json_t *e;

	ck_assert(json_equal(a, b));
	e = obj(json_object_get(json_object_get(a, "fdb"), "{\"match\":{\"bd\":5,\"mac\":\"02:AA:BB:00:00:01\"}}"));
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "params"), "port")), "lan2");
	/* host bits out, IPv6 compressed */
	ck_assert_ptr_nonnull(json_object_get(json_object_get(c, "routes6"),
					      "{\"match\":{\"dst\":\"2001:db8::/64\",\"vrf\":1}}"));
	/* an optional param that is zero is left out, as sxdp reads it back */
	e = obj(json_object_get(json_object_get(d, "tunnels"), "{\"match\":{\"id\":1}}"));
	ck_assert_ptr_null(json_object_get(json_object_get(e, "params"), "rmac"));
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}
END_TEST

/* A ternary field has one key however it is spelt: a bare value is all
 * the field's bits, as sxdp reads it back ({value, mask}); a VDN compiled
 * with "proto": 17 was otherwise another key than the entry read back, and
 * the diff inserted it again and again ("exists"). */
START_TEST(tables_ternary_one_key)
{
	static const char *const spell[] = {
		"\"proto\": 17, \"dst\": \"10.0.0.1\"",
		"\"proto\": {\"value\": 17, \"mask\": 255}, \"dst\": {\"value\": \"10.0.0.1\", "
		"\"mask\": \"255.255.255.255\"}",
		"\"proto\": {\"value\": 17, \"mask\": 65535}, \"dst\": \"10.0.0.1\"",
	};
	char buf[512];
	json_t *first = NULL, *w;

	for (size_t i = 0; i < sizeof(spell) / sizeof(spell[0]); i++) {
		json_t *set;

		snprintf(buf, sizeof(buf), "[{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 1, "
			 "%s}, \"priority\": 10, \"action\": \"vdn\", \"params\": {\"pipe\": 1, \"meter\": 1}}]",
			 spell[i]);
		set = set_of(buf);
		if (first == NULL)
			first = set;
		else {
			ck_assert_msg(json_equal(first, set), "spelling %zu: another key", i);
			json_decref(set);
		}
	}
	ck_assert_ptr_nonnull(json_object_get(json_object_get(first, "vdns"),
		"{\"match\":{\"dst\":{\"mask\":\"255.255.255.255\",\"value\":\"10.0.0.1\"},"
		"\"proto\":{\"mask\":255,\"value\":17},\"slice\":1},\"priority\":10}"));
	/* a zero mask is a wildcard: left out */
	w = set_of("[{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 1, \"proto\": "
		   "{\"value\": 17, \"mask\": 0}}, \"priority\": 10, \"action\": \"vdn\", \"params\": {\"pipe\": 1, "
		   "\"meter\": 1}}]");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(w, "vdns"), "{\"match\":{\"slice\":1},\"priority\":10}"));
	json_decref(first);
	json_decref(w);
}
END_TEST

/* An "ip" ternary field keys as sxdp reads it back: the value masked, an
 * IPv4 mask spelt IPv4 ("0.0.0.0" is every IPv4 packet and stays), an
 * IPv6 "::" mask no mask at all, and a mask of the other family refused as
 * sxdp refuses it. */
START_TEST(tables_ip_ternary)
{
	static const char *const same[][2] = {
		{ "{\"value\": \"10.1.2.3\", \"mask\": \"255.255.0.0\"}",
		  "{\"mask\":\"255.255.0.0\",\"value\":\"10.1.0.0\"}" },
		{ "{\"value\": \"10.1.2.3\", \"mask\": \"0.0.0.0\"}",
		  "{\"mask\":\"0.0.0.0\",\"value\":\"0.0.0.0\"}" },
		{ "\"2001:DB8::1\"", "{\"mask\":\"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\",\"value\":\"2001:db8::1\"}" },
		{ "{\"value\": \"2001:db8:1:2::1\", \"mask\": \"ffff:ffff::\"}",
		  "{\"mask\":\"ffff:ffff::\",\"value\":\"2001:db8::\"}" },
	};
	char buf[512], key[256], err[256];
	json_t *set, *u, *w;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(buf, sizeof(buf), "[{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 1, "
			 "\"dst\": %s}, \"priority\": 10, \"action\": \"vdn\", \"params\": {\"pipe\": 1, "
			 "\"meter\": 1}}]", same[i][0]);
		set = set_of(buf);
		snprintf(key, sizeof(key), "{\"match\":{\"dst\":%s,\"slice\":1},\"priority\":10}", same[i][1]);
		ck_assert_msg(json_object_get(json_object_get(set, "vdns"), key) != NULL, "spelling %zu: not %s",
			      i, key);
		json_decref(set);
	}
	set = set_of("[{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 1, \"dst\": "
		     "{\"value\": \"2001:db8::1\", \"mask\": \"::\"}}, \"priority\": 10, \"action\": \"vdn\", "
		     "\"params\": {\"pipe\": 1, \"meter\": 1}}]");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(set, "vdns"), "{\"match\":{\"slice\":1},\"priority\":10}"));
	/* an ipv6net (a UE's /64) stays IPv6 */
	w = set_of("[{\"type\": \"insert\", \"table\": \"sessions_downlink6\", \"match\": {\"slice\": 1, "
		   "\"ue\": \"2001:DB8:45:1::\"}, \"action\": \"none\"}]");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(w, "sessions_downlink6"),
					      "{\"match\":{\"slice\":1,\"ue\":\"2001:db8:45:1::\"}}"));
	json_decref(w);
	u = J("{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 2, \"dst\": "
	      "{\"value\": \"10.0.0.1\", \"mask\": \"ffff::\"}}, \"priority\": 10, \"action\": \"vdn\", "
	      "\"params\": {\"pipe\": 1, \"meter\": 1}}");
	ck_assert_int_ne(cd_tables_apply(tabs, set, u, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(json_object_size(json_object_get(set, "vdns")), 1);
	json_decref(u);
	json_decref(set);
}
END_TEST

/* One port written as a scalar (sxcd's compilers) and read back from sxdp
 * as a range of one value is one entry: the same key, or every run would
 * insert it again and be refused (exists). Any range still reads as one. */
START_TEST(tables_range_of_one)
{
	json_t *want = set_of("[{\"type\": \"insert\", \"table\": \"vdns\", \"match\": {\"slice\": 1, "
			      "\"proto\": {\"value\": 17, \"mask\": 255}, \"dport\": 5004}, \"priority\": 1, "
			      "\"action\": \"vdn\", \"params\": {\"pipe\": 1, \"meter\": 1}}]");
	json_t *have = json_object(), *read = J("[{\"match\": {\"slice\": 1, \"proto\": {\"value\": 17, "
						  "\"mask\": 255}, \"dport\": {\"min\": 5004, \"max\": 5004}, "
						  "\"sport\": {\"min\": 0, \"max\": 65535}}, \"priority\": 1, "
						  "\"action\": \"vdn\", \"params\": {\"pipe\": 1, \"meter\": 1}}, "
						  "{\"match\": {\"slice\": 1, \"dport\": {\"min\": 5004, \"max\": 5005}}, "
						  "\"priority\": 2, \"action\": \"vdn\", \"params\": {\"pipe\": 1, \"meter\": 1}}]");

	ck_assert_int_eq(cd_tables_add_read(tabs, have, "vdns", read, NULL), 0);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(have, "vdns"), json_object_iter_key(
		json_object_iter(json_object_get(want, "vdns")))));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(have, "vdns"),
					      "{\"match\":{\"dport\":{\"max\":5005,\"min\":5004},\"slice\":1},\"priority\":2}"));
	json_decref(read);
	json_decref(have);
	json_decref(want);
}
END_TEST

/* An entry read as compiled is the compiled set's object, not a copy of
 * it (the cache of sxdp's entries and the set share it); one read
 * otherwise (a param changed behind sxcd's back) is sxdp's own. */
START_TEST(tables_read_shares)
{
	json_t *want = set_of("[{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 5}, "
			      "\"action\": \"l2\", \"params\": {\"slice\": 1, \"bd\": 1}}, "
			      "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 6}, "
			      "\"action\": \"l2\", \"params\": {\"slice\": 1, \"bd\": 2}}]");
	json_t *read = J("[{\"match\": {\"vni\": 5}, \"action\": \"l2\", \"params\": {\"slice\": 1, \"bd\": 1}}, "
			 "{\"match\": {\"vni\": 6}, \"action\": \"l2\", \"params\": {\"slice\": 1, \"bd\": 3}}]");
	json_t *have = json_object(), *w = json_object_get(want, "vnis"), *h;

	ck_assert_int_eq(cd_tables_add_read(tabs, have, "vnis", read, want), 0);
	h = json_object_get(have, "vnis");
	ck_assert_ptr_eq(json_object_get(h, "{\"match\":{\"vni\":5}}"), json_object_get(w, "{\"match\":{\"vni\":5}}"));
	/* held as its text, one string (no intent reads vnis) */
	ck_assert_str_eq(json_string_value(json_object_get(h, "{\"match\":{\"vni\":5}}")),
			 "{\"action\":\"l2\",\"match\":{\"vni\":5},\"params\":{\"bd\":1,\"slice\":1}}");
	ck_assert_ptr_nonnull(json_object_get(h, "{\"match\":{\"vni\":6}}"));
	ck_assert_ptr_ne(json_object_get(h, "{\"match\":{\"vni\":6}}"), json_object_get(w, "{\"match\":{\"vni\":6}}"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(obj(json_object_get(h, "{\"match\":{\"vni\":6}}")),
								       "params"), "bd")), 3);
	json_decref(read);
	json_decref(have);
	json_decref(want);
}
END_TEST

START_TEST(tables_refusals)
{
	json_t *set = set_of("[{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 5}, "
			     "\"action\": \"l2\", \"params\": {\"slice\": 1, \"bd\": 1}}]");
	static const char *const bad[][2] = {
		{ "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 5}, \"action\": \"l2\", "
		  "\"params\": {\"slice\": 2, \"bd\": 2}}", "-17" },
		{ "{\"type\": \"modify\", \"table\": \"vnis\", \"match\": {\"vni\": 6}, \"action\": \"l2\", "
		  "\"params\": {\"slice\": 2, \"bd\": 2}}", "-2" },
		{ "{\"type\": \"delete\", \"table\": \"vnis\", \"match\": {\"vni\": 6}}", "-2" },
		{ "{\"type\": \"insert\", \"table\": \"nope\", \"match\": {}, \"action\": \"x\"}", "-22" },
		{ "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 7, \"x\": 1}, "
		  "\"action\": \"l2\", \"params\": {\"slice\": 2, \"bd\": 2}}", "-22" },
		{ "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 7}, \"action\": \"l9\"}", "-22" },
		{ "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 7}, \"action\": \"l2\", "
		  "\"params\": {\"slice\": 2}}", "-22" },
		{ "{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": \"07\"}, \"action\": \"l2\", "
		  "\"params\": {\"slice\": 2, \"bd\": 2}}", "-22" },
		{ "{\"type\": \"default\", \"table\": \"vnis\", \"action\": \"l2\"}", "-22" },
	};
	json_t *before = json_deep_copy(set);
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *u = J(bad[i][0]);

		ck_assert_int_eq(cd_tables_apply(tabs, set, u, NULL, NULL, err, sizeof(err)), atoi(bad[i][1]));
		ck_assert_msg(json_equal(set, before), "refused update %zu changed the set", i);
		json_decref(u);
	}
	json_decref(before);
	json_decref(set);
}
END_TEST

/* Inserts and modifies in seq order, deletes of owned entries last in the
 * reverse of theirs; entries nobody owns stay. */
START_TEST(tables_diff_order)
{
	json_t *want = set_of("["
		"{\"type\": \"insert\", \"table\": \"meters\", \"match\": {\"id\": 7}, \"action\": \"srtcm\", "
		"\"params\": {\"cir\": 1000, \"cbs\": 100, \"ebs\": 0}},"
		"{\"type\": \"insert\", \"table\": \"interfaces\", \"match\": {\"in_port\": \"lan1\", \"vlan\": 0}, "
		"\"action\": \"attach\", \"params\": {\"slice\": 1, \"bd\": 1, \"meter\": 7}}]");
	json_t *have = set_of("["
		"{\"type\": \"insert\", \"table\": \"interfaces\", \"match\": {\"in_port\": \"lan1\", \"vlan\": 0}, "
		"\"action\": \"attach\", \"params\": {\"slice\": 1, \"bd\": 1}},"
		"{\"type\": \"insert\", \"table\": \"meters\", \"match\": {\"id\": 3}, \"action\": \"srtcm\", "
		"\"params\": {\"cir\": 1000, \"cbs\": 100, \"ebs\": 0}},"
		"{\"type\": \"insert\", \"table\": \"interfaces\", \"match\": {\"in_port\": \"lan2\", \"vlan\": 0}, "
		"\"action\": \"attach\", \"params\": {\"slice\": 2, \"bd\": 2, \"meter\": 3}},"
		"{\"type\": \"insert\", \"table\": \"vnis\", \"match\": {\"vni\": 9}, \"action\": \"l2\", "
		"\"params\": {\"slice\": 9, \"bd\": 9}}]");
	json_t *seq = J("{\"meters\": {\"{\\\"match\\\":{\\\"id\\\":7}}\": 1}, \"interfaces\": "
			"{\"{\\\"match\\\":{\\\"in_port\\\":\\\"lan1\\\",\\\"vlan\\\":0}}\": 2}}");
	json_t *owned = J("{\"meters\": {\"{\\\"match\\\":{\\\"id\\\":3}}\": 1}, \"interfaces\": "
			  "{\"{\\\"match\\\":{\\\"in_port\\\":\\\"lan2\\\",\\\"vlan\\\":0}}\": 2}}");
	json_t *d = cd_tables_diff(want, have, seq, owned, NULL);
	const char *want_order[][2] = { { "insert", "meters" }, { "modify", "interfaces" },
					{ "delete", "interfaces" }, { "delete", "meters" } };

	ck_assert_int_eq(json_array_size(d), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *u = json_array_get(d, i);

		ck_assert_str_eq(json_string_value(json_object_get(u, "type")), want_order[i][0]);
		ck_assert_str_eq(json_string_value(json_object_get(u, "table")), want_order[i][1]);
	}
	json_decref(d);
	/* nothing to do when the sets agree */
	d = cd_tables_diff(want, want, seq, seq, NULL);
	ck_assert_int_eq(json_array_size(d), 0);
	json_decref(d);
	json_decref(want);
	json_decref(have);
	json_decref(seq);
	json_decref(owned);
}
END_TEST

/* ----------------------------------------------------------- compile */

static const char *const site = "{\"id\": 1, \"lan\": [{\"port\": \"lan1\"}, {\"port\": \"lan2\"}], "
	"\"wan\": [{\"name\": \"isp1\", \"port\": \"wan1\", \"address\": \"192.0.2.1/24\"}]}";
static const char *const peer = "{\"id\": 2, \"endpoints\": [{\"address\": \"203.0.113.2\", \"wan\": \"isp1\"}]}";

static json_t *
specs(const char *slices)
{
	json_t *s = json_pack("{s:{s:o},s:{s:o},s:o}", "site", "local", J(site), "peers", "b", J(peer),
			      "slices", J(slices));

	ck_assert_ptr_nonnull(s);
	return s;
}

static const char *
phase(struct cd_compiled *c, const char *who)
{
	return json_string_value(json_object_get(json_object_get(c->results, who), "phase"));
}

START_TEST(compile_deterministic_and_stable_ids)
{
	const char *blue = "\"blue\": {\"id\": 1, \"vni\": 5000, \"members\": [{\"port\": \"lan1\"}]}";
	char two[512];
	json_t *s1 = specs("{\"blue\": {\"id\": 1, \"vni\": 5000, \"members\": [{\"port\": \"lan1\"}]}}");
	json_t *ids = json_object(), *ids2, *s2;
	struct cd_compiled a = { 0 }, b = { 0 }, c = { 0 };

	ck_assert_int_eq(cd_compile(tabs, s1, NULL, ids, &a), 0);
	ids2 = json_deep_copy(ids);
	ck_assert_int_eq(cd_compile(tabs, s1, NULL, ids2, &b), 0);
	ck_assert(json_equal(a.want, b.want));
	ck_assert(json_equal(ids, ids2));
	ck_assert_str_eq(phase(&a, "slices/blue"), "Ready");
	/* a slice that sorts first comes: blue's tunnel keeps its id and entries */
	snprintf(two, sizeof(two), "{\"aaa\": {\"id\": 2, \"vni\": 5001, \"members\": [{\"port\": \"lan2\"}]}, %s}",
		 blue);
	s2 = specs(two);
	ck_assert_int_eq(cd_compile(tabs, s2, NULL, ids2, &c), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ids2, "tunnel"), "slices/blue/b")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ids2, "tunnel"), "slices/aaa/b")), 2);
	{
		json_t *d = cd_tables_diff(c.want, a.want, c.seq, a.seq, c.owner), *u;
		size_t i;

		json_array_foreach(d, i, u)
			ck_assert_str_eq(json_string_value(json_object_get(u, "owner")), "slices/aaa");
		ck_assert_int_gt(json_array_size(d), 0);
		json_decref(d);
	}
	cd_compiled_free(&a);
	cd_compiled_free(&b);
	cd_compiled_free(&c);
	json_decref(s1);
	json_decref(s2);
	json_decref(ids);
	json_decref(ids2);
}
END_TEST

START_TEST(compile_conflicts_fail_and_hold_nothing)
{
	json_t *s = specs("{\"blue\": {\"id\": 1, \"members\": [{\"port\": \"lan1\"}]}, "
			  "\"red\": {\"id\": 2, \"members\": [{\"port\": \"lan1\"}]}, "
			  "\"twin\": {\"id\": 1}, "
			  "\"wait\": {\"id\": 3, \"vni\": 7, \"peers\": [\"zz\"], \"members\": [{\"port\": \"wan1\"}]}}");
	json_t *ids = json_object(), *r;
	struct cd_compiled c = { 0 };

	ck_assert_int_eq(cd_compile(tabs, s, NULL, ids, &c), 0);
	ck_assert_str_eq(phase(&c, "slices/blue"), "Ready");
	r = json_object_get(c.results, "slices/red");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
	ck_assert_str_eq(json_string_value(json_object_get(r, "reason")), "conflict");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "message")), "slices/blue"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "entries")), 0);
	r = json_object_get(c.results, "slices/twin");
	ck_assert_str_eq(json_string_value(json_object_get(r, "pointer")), "/spec/id");
	r = json_object_get(c.results, "slices/wait");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Pending");
	ck_assert_int_eq(json_array_size(json_object_get(r, "waiting_for")), 2);
	/* what the pending slice could compile, it holds */
	ck_assert_int_gt(json_integer_value(json_object_get(r, "entries")), 0);
	cd_compiled_free(&c);
	json_decref(s);
	json_decref(ids);
}
END_TEST

/* A upf intent's spec with sessions @sessions (a JSON array's inside). */
static json_t *
upf_specs(const char *sessions)
{
	char buf[2048];
	json_t *s = specs("{\"mec\": {\"id\": 1, \"members\": [{\"port\": \"lan1\"}]}}");

	snprintf(buf, sizeof(buf), "{\"slice\": \"mec\", \"ue_pool\": \"10.45.0.0/16\", "
		 "\"n3\": {\"port\": \"n3\", \"address\": \"192.0.3.1/24\"}, "
		 "\"n9\": {\"port\": \"n9\", \"address\": \"198.51.100.1/24\"}, "
		 "\"peers\": [{\"name\": \"gnb\", \"address\": \"192.0.3.10\"}, "
		 "{\"name\": \"anchor\", \"address\": \"198.51.100.9\", \"via\": \"n9\"}], "
		 "\"local_dns\": [{\"name\": \"mec\", \"prefixes\": [\"10.10.0.0/24\"]}], "
		 "\"sessions\": [%s]}", sessions);
	json_object_set_new(s, "upf", json_pack("{s:o}", "edge", J(buf)));
	return s;
}

#define SESSION(id, ue, teid, peer) "{\"id\": " #id ", \"ue\": \"" ue "\", \"uplink\": {\"teid\": " \
	#teid "}, \"downlink\": {\"peer\": \"" peer "\", \"teid\": " #teid "}, \"anchor\": {\"peer\": " \
	"\"anchor\", \"teid\": " #teid ", \"n9_teid\": " #teid "}}"

/* The UPF compiles the same every time; a session's URRs and the peers'
 * ids stay when another session comes; a session naming no peer of the
 * UPF fails, pointing at it, and holds nothing. */
START_TEST(compile_upf)
{
	json_t *s1 = upf_specs(SESSION(2, "10.45.0.2", 20, "gnb"));
	json_t *s2 = upf_specs(SESSION(1, "10.45.0.1", 10, "gnb") ", " SESSION(2, "10.45.0.2", 20, "gnb"));
	json_t *bad = upf_specs(SESSION(3, "10.45.0.3", 30, "nobody"));
	json_t *ids = json_object(), *ids2, *r, *urr;
	struct cd_compiled a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

	ck_assert_int_eq(cd_compile(tabs, s1, NULL, ids, &a), 0);
	ck_assert_msg(strcmp(phase(&a, "upf/edge"), "Ready") == 0, "%s",
		      json_dumps(json_object_get(a.results, "upf/edge"), 0));
	ids2 = json_deep_copy(ids);
	ck_assert_int_eq(cd_compile(tabs, s1, NULL, ids2, &b), 0);
	ck_assert(json_equal(a.want, b.want));
	urr = json_deep_copy(json_object_get(ids, "upf-urr"));
	ck_assert_int_eq(cd_compile(tabs, s2, NULL, ids2, &c), 0);
	ck_assert_str_eq(phase(&c, "upf/edge"), "Ready");
	/* session 2's URRs and the peers' ids are what they were */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ids2, "upf-urr"), "upf/edge/2/ul")),
			 json_integer_value(json_object_get(urr, "upf/edge/2/ul")));
	ck_assert(json_equal(json_object_get(ids2, "upf-peer"), json_object_get(ids, "upf-peer")));
	ck_assert_int_eq(json_object_size(json_object_get(ids2, "upf-urr")), 4);
	/* each session: uplink with the DN's termination inline (its one
	 * app), downlink, N9 downlink */
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "sessions_uplink")), 2);
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "sessions_n9_downlink")), 2);
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "terminations_uplink")), 0);
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(c.want, "sessions_uplink"), k, v) {
			json_t *e = cd_tables_entry(v), *p = json_object_get(e, "params");

			ck_assert_msg(json_integer_value(json_object_get(p, "app")) != 0 &&
				      json_integer_value(json_object_get(p, "app_urr")) != 0, "%s", k);
			json_decref(e);
		}
	}
	ck_assert_int_eq(cd_compile(tabs, bad, NULL, json_object(), &d), 0);
	r = json_object_get(d.results, "upf/edge");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
	ck_assert_str_eq(json_string_value(json_object_get(r, "pointer")), "/spec/sessions/0/downlink/peer");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "entries")), 0);
	cd_compiled_free(&a);
	cd_compiled_free(&b);
	cd_compiled_free(&c);
	cd_compiled_free(&d);
	json_decref(s1);
	json_decref(s2);
	json_decref(bad);
	json_decref(ids);
	json_decref(ids2);
	json_decref(urr);
}
END_TEST


/* Strip empty tables (a set an update took entries back from keeps them). */
static json_t *
nonempty(json_t *set)
{
	json_t *o = json_deep_copy(set), *v;
	const char *k;
	void *tmp;

	json_object_foreach_safe(o, tmp, k, v)
		if (json_object_size(v) == 0)
			json_object_del(o, k);
	return o;
}

/* The update equals a whole compile of the same intents. */
static void
same_as_whole(struct cd_compiler *cc, json_t *intents, json_t *ids_before)
{
	struct cd_compiled w = { 0 };
	const struct cd_compiled *c = cd_compiler_set(cc);
	json_t *a, *b;

	ck_assert_int_eq(cd_compile(tabs, intents, NULL, ids_before, &w), 0);
	a = nonempty(w.want);
	b = nonempty(c->want);
	ck_assert(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	a = nonempty(w.owner);
	b = nonempty(c->owner);
	ck_assert(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	ck_assert(json_equal(w.results, c->results));
	ck_assert(json_equal(ids_before, cd_compiler_ids(cc)));
	cd_compiled_free(&w);
}

/* Every key @touched names is @who's now, or was taken back from it. */
static void
touched_only(struct cd_compiler *cc, const char *who)
{
	const struct cd_compiled *c = cd_compiler_set(cc);
	json_t *touched = cd_compiler_touched(cc), *rows, *v;
	const char *t, *k;
	size_t n = 0;

	ck_assert_ptr_nonnull(touched);
	json_object_foreach(touched, t, rows) {
		json_object_foreach(rows, k, v) {
			const char *o = json_string_value(json_object_get(json_object_get(c->owner, t), k));

			ck_assert_msg(o == NULL || strcmp(o, who) == 0, "%s %s is %s's, not %s", t, k, o, who);
			n++;
		}
	}
	ck_assert_int_gt(n, 0);
}

/* @intents with @kind's object new (as cd_res gives a change: what is
 * the same object as last time is unchanged). */
static json_t *
renew(json_t *intents, const char *kind)
{
	json_t *n = json_copy(intents);

	json_object_set_new(n, kind, json_copy(json_object_get(intents, kind)));
	json_decref(intents);
	return n;
}

/* A session gone gives its ids back at the update's end; one that comes
 * after takes the lowest free again: what the compiled intents use is
 * told by id, and nobody's id stays taken. */
static json_int_t
urr_of(struct cd_compiler *cc, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(cd_compiler_ids(cc), "upf-urr"), key));
}

static json_t *
upf_of(const int *ids, size_t n)
{
	json_t *ss = json_array(), *up, *in = specs("{}");
	char b[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(b, sizeof(b), "{\"id\": %d, \"ue\": \"10.45.0.%d\", \"uplink\": {\"teid\": %d}, "
			 "\"downlink\": {\"peer\": \"gnb\", \"teid\": %d}}", ids[i], ids[i], ids[i], ids[i]);
		json_array_append_new(ss, J(b));
	}
	up = J("{\"slice\": \"s00\", \"ue_pool\": \"10.45.0.0/16\", \"n3\": {\"port\": \"n3\", \"address\": "
	       "\"192.0.3.1/24\"}, \"peers\": [{\"name\": \"gnb\", \"address\": \"192.0.3.10\"}]}");
	json_object_set_new(up, "sessions", ss);
	json_object_set_new(in, "slices", json_pack("{s:o}", "s00", J("{\"id\": 10, \"vni\": 5000}")));
	json_object_set_new(in, "upf", json_pack("{s:o}", "edge", up));
	return in;
}

START_TEST(compiler_ids_given_back)
{
	static const int three[] = { 1, 2, 3 }, two[] = { 1, 3 }, again[] = { 1, 3, 9 };
	struct cd_compiler *cc = cd_compiler_new(NULL);
	json_t *in = upf_of(three, 3), *ids;
	json_int_t ul2, dl2;

	cd_compiler_begin(cc, tabs, in, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cd_compiler_set(cc)->results, "upf/edge"),
							   "phase")), "Ready");
	ul2 = urr_of(cc, "upf/edge/2/ul");
	dl2 = urr_of(cc, "upf/edge/2/dl");
	ck_assert_int_gt(ul2, 0);
	ck_assert_int_gt(dl2, 0);
	json_decref(in);
	in = upf_of(two, 2);
	cd_compiler_begin(cc, tabs, in, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_int_eq(urr_of(cc, "upf/edge/2/ul"), 0);
	ck_assert_int_eq(urr_of(cc, "upf/edge/2/dl"), 0);
	ck_assert_int_gt(urr_of(cc, "upf/edge/3/ul"), 0);
	json_decref(in);
	in = upf_of(again, 3);
	cd_compiler_begin(cc, tabs, in, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_int_eq(urr_of(cc, "upf/edge/9/ul"), ul2 < dl2 ? ul2 : dl2);
	ck_assert_int_eq(urr_of(cc, "upf/edge/9/dl"), ul2 < dl2 ? dl2 : ul2);
	ids = json_deep_copy(cd_compiler_ids(cc));
	same_as_whole(cc, in, ids);
	json_decref(ids);
	json_decref(in);
	cd_compiler_free(cc);
}
END_TEST

/* An update compiles what changed only: one slice's route among 60
 * slices compiles that slice and touches its keys only; one session of a
 * UPF's 200 compiles that UPF with a handful of keys; each time the set,
 * owners, results and ids are a whole compile's. */
START_TEST(compiler_incremental)
{
	json_t *sl = json_object(), *ss = json_array(), *intents, *ids, *up, *sess;
	struct cd_compiler *cc = cd_compiler_new(NULL);
	char name[16], b[512];
	int steps = 0;

	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "s%02d", i);
		snprintf(b, sizeof(b), "{\"id\": %d, \"vni\": %d, \"svi\": {\"address\": \"10.%d.0.1/24\", "
			 "\"mac\": \"02:00:00:00:00:%02x\"}, \"routes\": [{\"prefix\": \"172.16.%d.0/24\", "
			 "\"via\": \"10.%d.0.2\"}]}", 10 + i, 5000 + i, i, i, i, i);
		json_object_set_new(sl, name, J(b));
	}
	intents = specs("{}");
	json_object_set_new(intents, "slices", sl);
	for (int i = 0; i < 200; i++) {
		snprintf(b, sizeof(b), "{\"id\": %d, \"ue\": \"10.45.%d.%d\", \"uplink\": {\"teid\": %d}, "
			 "\"downlink\": {\"peer\": \"gnb\", \"teid\": %d}}", i + 1, i / 200, i % 200 + 1, i + 1, i + 1);
		json_array_append_new(ss, J(b));
	}
	up = J("{\"slice\": \"s00\", \"ue_pool\": \"10.45.0.0/16\", \"n3\": {\"port\": \"n3\", \"address\": "
	       "\"192.0.3.1/24\"}, \"peers\": [{\"name\": \"gnb\", \"address\": \"192.0.3.10\"}]}");
	json_object_set_new(up, "sessions", ss);
	json_object_set_new(intents, "upf", json_pack("{s:o}", "edge", up));
	/* the first update compiles everything, in slices */
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	while (cd_compiler_step(cc, 1) == -EAGAIN)
		steps++;
	ck_assert_int_gt(steps, 0);
	ck_assert_ptr_null(cd_compiler_touched(cc));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cd_compiler_set(cc)->results, "upf/edge"),
							   "phase")), "Ready");
	/* one slice's route */
	ids = json_deep_copy(cd_compiler_ids(cc));
	intents = renew(intents, "slices");
	json_object_set_new(json_object_get(intents, "slices"), "s33",
			    J("{\"id\": 43, \"vni\": 5033, \"svi\": {\"address\": \"10.33.0.1/24\", \"mac\": "
			      "\"02:00:00:00:00:21\"}, \"routes\": [{\"prefix\": \"172.16.33.0/24\", \"via\": \"10.33.0.9\"}]}"));
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_int_eq(json_object_size(cd_compiler_compiled(cc)), 1);
	ck_assert_ptr_nonnull(json_object_get(cd_compiler_compiled(cc), "slices/s33"));
	touched_only(cc, "slices/s33");
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	/* one session's downlink */
	ids = json_deep_copy(cd_compiler_ids(cc));
	up = json_deep_copy(json_object_get(json_object_get(intents, "upf"), "edge"));
	sess = json_array_get(json_object_get(up, "sessions"), 120);
	json_object_set_new(json_object_get(sess, "downlink"), "teid", json_integer(77777));
	intents = renew(intents, "upf");
	json_object_set_new(json_object_get(intents, "upf"), "edge", up);
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_int_eq(json_object_size(cd_compiler_compiled(cc)), 1);
	touched_only(cc, "upf/edge");
	{
		json_t *touched = cd_compiler_touched(cc), *rows;
		const char *t;
		size_t n = 0;

		json_object_foreach(touched, t, rows)
			n += json_object_size(rows);
		ck_assert_int_le(n, 4);	/* the session's uplink and downlink entries */
	}
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	/* the UPF's slice: its route alone changed compiles it alone (the
	 * UPF reads nothing of its routes); its VNI changed, the UPF too */
	ids = json_deep_copy(cd_compiler_ids(cc));
	intents = renew(intents, "slices");
	json_object_set_new(json_object_get(intents, "slices"), "s00",
			    J("{\"id\": 10, \"vni\": 5000, \"svi\": {\"address\": \"10.0.0.1/24\", \"mac\": "
			      "\"02:00:00:00:00:00\"}, \"routes\": [{\"prefix\": \"172.16.0.0/24\", \"via\": \"10.0.0.7\"}]}"));
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_int_eq(json_object_size(cd_compiler_compiled(cc)), 1);
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	ids = json_deep_copy(cd_compiler_ids(cc));
	intents = renew(intents, "slices");
	json_object_set_new(json_object_get(intents, "slices"), "s00",
			    J("{\"id\": 10, \"vni\": 5100, \"svi\": {\"address\": \"10.0.0.1/24\", \"mac\": "
			      "\"02:00:00:00:00:00\"}, \"routes\": [{\"prefix\": \"172.16.0.0/24\", \"via\": \"10.0.0.7\"}]}"));
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_ptr_nonnull(json_object_get(cd_compiler_compiled(cc), "upf/edge"));
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	/* a session naming no peer: the UPF fails whole, as a whole compile says */
	ids = json_deep_copy(cd_compiler_ids(cc));
	up = json_deep_copy(up);
	sess = json_array_get(json_object_get(up, "sessions"), 7);
	json_object_set_new(json_object_get(sess, "downlink"), "peer", json_string("nobody"));
	intents = renew(intents, "upf");
	json_object_set_new(json_object_get(intents, "upf"), "edge", up);
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cd_compiler_set(cc)->results, "upf/edge"),
							   "phase")), "Failed");
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	/* a slice taking s05's id fails (s05 holds it); once s05 goes, it
	 * compiles in s05's place: what is not Ready is tried again */
	ids = json_deep_copy(cd_compiler_ids(cc));
	intents = renew(intents, "slices");
	json_object_set_new(json_object_get(intents, "slices"), "late", J("{\"id\": 15}"));
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cd_compiler_set(cc)->results, "slices/late"),
							   "phase")), "Failed");
	same_as_whole(cc, intents, ids);
	json_decref(ids);
	ids = json_deep_copy(cd_compiler_ids(cc));
	intents = renew(intents, "slices");
	json_object_del(json_object_get(intents, "slices"), "s05");
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	ck_assert_int_eq(cd_compiler_step(cc, 0), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cd_compiler_set(cc)->results, "slices/late"),
							   "phase")), "Ready");
	cd_compiler_free(cc);
	json_decref(ids);
	json_decref(intents);
}
END_TEST

/* The slices of @n slices' spec, each one's route via @via. */
static json_t *
many_slices(int n, int via)
{
	json_t *sl = json_object();
	char name[16], b[512];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%03d", i);
		snprintf(b, sizeof(b), "{\"id\": %d, \"vni\": %d, \"svi\": {\"address\": \"10.%d.%d.1/24\", "
			 "\"mac\": \"02:00:00:00:%02x:%02x\"}, \"routes\": [{\"prefix\": \"172.16.%d.0/24\", "
			 "\"via\": \"10.%d.%d.%d\"}]}", 10 + i, 5000 + i, i / 250, i % 250, i / 256, i % 256, i % 250,
			 i / 250, i % 250, via);
		json_object_set_new(sl, name, J(b));
	}
	return sl;
}

/* Every one of 600 slices changed (past what an update takes back in one
 * go) is taken back in slices of the loop and compiled again, not every
 * intent compiled afresh: the update compiles those 600 alone, ends as a
 * whole compile does, and a dry run's way there and back leaves the
 * compiler as it was (its writes' numbers included). */
START_TEST(compiler_takes_back_in_slices)
{
	json_t *intents = specs("{}"), *ids, *there, *seq0;
	struct cd_compiler *cc = cd_compiler_new(NULL);
	int steps = 0;

	json_object_set_new(intents, "slices", many_slices(600, 2));
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	while (cd_compiler_step(cc, 0) == -EAGAIN)
		;
	seq0 = json_deep_copy(cd_compiler_set(cc)->seq);
	/* a dry run to every route changed, and back */
	there = renew(json_incref(intents), "slices");
	json_object_set_new(there, "slices", many_slices(600, 3));
	cd_compiler_begin(cc, tabs, there, NULL, true);
	while (cd_compiler_step(cc, 100) == -EAGAIN)
		steps++;
	ck_assert_int_gt(steps, 2);
	ck_assert_ptr_nonnull(cd_compiler_touched(cc));	/* not a whole compile */
	ck_assert_int_eq(json_object_size(cd_compiler_compiled(cc)), 600);
	cd_compiler_begin(cc, tabs, intents, NULL, false);
	while (cd_compiler_step(cc, 100) == -EAGAIN)
		;
	ck_assert_int_eq(cd_compiler_undone(cc), 1);
	ck_assert(json_equal(seq0, cd_compiler_set(cc)->seq));
	/* and for real, in slices */
	ids = json_deep_copy(cd_compiler_ids(cc));
	cd_compiler_begin(cc, tabs, there, NULL, false);
	steps = 0;
	while (cd_compiler_step(cc, 100) == -EAGAIN)
		steps++;
	ck_assert_int_gt(steps, 2);
	ck_assert_ptr_nonnull(cd_compiler_touched(cc));
	ck_assert_int_eq(json_object_size(cd_compiler_compiled(cc)), 600);
	same_as_whole(cc, there, ids);
	json_decref(ids);
	json_decref(seq0);
	json_decref(there);
	json_decref(intents);
	cd_compiler_free(cc);
}
END_TEST

/* ------------------------------------------------- an IPv6 underlay */

/* A site of three WAN links: isp1 IPv4 only (its gateway the kernel's),
 * isp2 of both families (its IPv6 gateway link-local, given), isp3 IPv6
 * only on a VLAN of its own (its gateway the kernel's IPv6 default route,
 * resolved); slice blue stretched to every peer, red to one that has no
 * path. */
static const char *const site6 = "{\"id\": 1, \"lan\": [{\"port\": \"lan1\"}], \"wan\": ["
	"{\"name\": \"isp1\", \"port\": \"wan1\", \"address\": \"192.0.2.1/24\", \"rate_bps\": 100000000},"
	"{\"name\": \"isp2\", \"port\": \"wan2\", \"address\": \"198.51.100.1/24\", "
	"\"address6\": \"2001:db8:2::1/64\", \"gateway6\": \"fe80::1\"},"
	"{\"name\": \"isp3\", \"port\": \"wan2\", \"vlan\": 30, \"iface\": \"wan2.30\", "
	"\"address6\": \"2001:db8:3::1/64\"}]}";
static const char *const kernel6 = "{\"links\": {\"wan1\": {\"up\": true, \"index\": 2}, "
	"\"wan2\": {\"up\": true, \"index\": 3}, \"wan2.30\": {\"up\": true, \"index\": 4}}, "
	"\"gateways\": {\"wan1\": \"192.0.2.254\", \"wan2.30\": \"192.0.2.99\"}, "
	"\"gateways6\": {\"wan1\": \"fe80::99\", \"wan2.30\": \"fe80::ab\"}, "
	"\"neigh\": {\"wan2.30\": {\"fe80::ab\": \"02:00:00:00:00:ab\"}, "
	"\"wan1\": {\"192.0.2.254\": \"02:00:00:00:00:fe\"}}}";

static json_t *
specs6(const char *peers, const char *policies, const char *vdns)
{
	json_t *s = json_pack("{s:{s:o},s:o,s:{s:o,s:o},s:o,s:o}", "site", "local", J(site6), "peers", J(peers),
			      "slices", "blue", J("{\"id\": 1, \"vni\": 5000, \"members\": [{\"port\": "
			      "\"lan1\"}], \"rate\": {\"guaranteed_bps\": 10000000}}"),
			      "red", J("{\"id\": 2, \"vni\": 5001, \"peers\": [\"v6only\"]}"),
			      "policies", J(policies), "vdns", J(vdns));

	ck_assert_ptr_nonnull(s);
	return s;
}

/* @set's entry in @table whose key is @key (its canonical text), NULL: none. */
static json_t *
entry(json_t *set, const char *table, const char *key)
{
	return obj(json_object_get(json_object_get(set, table), key));
}

/* The paths entry of @set whose dst is @dst: "src dst gw", "" when none. */
static const char *
path_to(json_t *set, const char *dst, char *out, size_t len)
{
	const char *k;
	json_t *e, *p;

	out[0] = '\0';
	json_object_foreach(json_object_get(set, "paths"), k, e) {
		p = json_object_get(obj(e), "params");
		if (strcmp(json_string_value(json_object_get(p, "dst")) ?: "", dst) == 0)
			snprintf(out, len, "%s %s %s", json_string_value(json_object_get(p, "src")), dst,
				 json_string_value(json_object_get(p, "gw")));
	}
	return out;
}

/* The sealed param of @set's paths entry whose dst is @dst: 0 or 1 (an
 * unsealed path's entry has none), -1: no such path. */
static int
path_sealed(json_t *set, const char *dst)
{
	const char *k;
	json_t *e, *p;

	json_object_foreach(json_object_get(set, "paths"), k, e) {
		p = json_object_get(obj(e), "params");
		if (strcmp(json_string_value(json_object_get(p, "dst")) ?: "", dst) == 0)
			return (int)json_integer_value(json_object_get(p, "sealed"));
	}
	return -1;
}

/* @c's result of @who names @want in its message or what it waits for. */
static bool
says(struct cd_compiled *c, const char *who, const char *want)
{
	char *all = json_dumps(json_object_get(c->results, who), 0);
	bool found = all != NULL && strstr(all, want) != NULL;

	if (!found)
		fprintf(stderr, "%s: %s lacks '%s'\n", who, all ? all : "?", want);
	free(all);
	return found;
}

/*
 * A policies intent by application and with loss repair: its apps become
 * app_classes entries of its slice and class (nDPI's ids, names in any
 * case), its path_policy's duplicate and fec the policy's copies and
 * fec; an unknown name fails at its pointer, a policy with neither match
 * nor apps fails.
 */
START_TEST(compile_policy_apps_and_repair)
{
	json_t *s = specs6("{\"dual\": {\"id\": 2, \"endpoints\": [{\"address\": \"203.0.113.2\", \"wan\": \"isp1\"}, "
			   "{\"address\": \"198.51.100.2\", \"wan\": \"isp2\"}]}}",
			   "{\"dnsp\": {\"slice\": \"blue\", \"class\": 4, \"apps\": [\"dns\", \"TLS\"], "
			   "\"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp1\", \"isp2\"], \"duplicate\": 2, "
			   "\"fec\": \"adaptive\"}}, "
			   "\"fixed\": {\"slice\": \"blue\", \"class\": 5, \"match\": {\"proto\": 17}, "
			   "\"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp1\"], \"fec\": \"fixed\", "
			   "\"fec_block\": 6}}, "
			   "\"bad\": {\"slice\": \"blue\", \"class\": 6, \"apps\": [\"NoSuchApp\"], "
			   "\"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp1\"]}}, "
			   "\"none\": {\"slice\": \"blue\", \"class\": 7, "
			   "\"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp1\"]}}}",
			   "{}");
	json_t *kernel = J(kernel6), *ids = json_object(), *r, *pol, *e;
	struct cd_compiled c = { 0 };
	const char *k;
	int n = 0;

	ck_assert_int_eq(cd_compile(tabs, s, kernel, ids, &c), 0);
	ck_assert_str_eq(phase(&c, "policies/dnsp"), "Ready");
	e = entry(c.want, "app_classes", "{\"match\":{\"app\":5,\"slice\":1}}");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(e, "params"), "class")), 4);
	ck_assert_ptr_nonnull(entry(c.want, "app_classes", "{\"match\":{\"app\":91,\"slice\":1}}"));
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "app_classes")), 2);
	/* no match: no classes rule of class 4 */
	json_object_foreach(json_object_get(c.want, "classes"), k, pol)
		ck_assert_int_ne(json_integer_value(json_object_get(json_object_get(obj(pol), "params"), "class")), 4);
	json_object_foreach(json_object_get(c.want, "policies"), k, pol) {
		json_t *p = json_object_get(obj(pol), "params");

		if (strstr(k, "\"class\":4") != NULL) {
			ck_assert_int_eq(json_integer_value(json_object_get(p, "copies")), 2);
			ck_assert_int_eq(json_integer_value(json_object_get(p, "fec")), 1);
			n++;
		} else if (strstr(k, "\"class\":5") != NULL) {
			ck_assert_ptr_null(json_object_get(p, "copies"));
			ck_assert_int_eq(json_integer_value(json_object_get(p, "fec")), 6);
			n++;
		}
	}
	ck_assert_int_eq(n, 2);
	r = json_object_get(c.results, "policies/bad");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
	ck_assert_str_eq(json_string_value(json_object_get(r, "pointer")), "/spec/apps/0");
	ck_assert(says(&c, "policies/bad", "unknown application 'NoSuchApp'"));
	r = json_object_get(c.results, "policies/none");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
	ck_assert_str_eq(json_string_value(json_object_get(r, "pointer")), "/spec/match");
	cd_compiled_free(&c);
	json_decref(kernel);
	json_decref(ids);
	json_decref(s);
}
END_TEST

/*
 * WAN links with IPv6 addresses: each address an SVI of its family and a
 * VTEP; a path per (link, endpoint) of one family, through the link's
 * gateway of that family (the intent's, else the kernel's IPv6 default
 * route, link-local, resolved into a static neighbour). An endpoint whose
 * link lacks its family is no path (not an error); a peer left with none
 * waits for one (encrypted peers: compile_ipv6_sealed). Classes (policies)
 * and VDNs take IPv6 prefixes, one family a rule.
 */
START_TEST(compile_ipv6_underlay)
{
	json_t *s = specs6("{\"dual\": {\"id\": 2, \"endpoints\": ["
			   "{\"address\": \"203.0.113.2\", \"wan\": \"isp1\"}, "
			   "{\"address\": \"2001:db8:20::2\", \"wan\": \"isp2\"}, "
			   "{\"address\": \"2001:db8:21::2\", \"wan\": \"isp1\"}, "
			   "{\"address\": \"2001:db8:22::2\", \"wan\": \"isp3\"}]}, "
			   "\"v6only\": {\"id\": 3, \"endpoints\": [{\"address\": \"2001:db8:30::2\", "
			   "\"wan\": \"isp1\"}]}}",
			   "{\"voice\": {\"slice\": \"blue\", \"class\": 1, \"match\": {\"src\": \"2001:db8:100::/48\", "
			   "\"proto\": 17}, \"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp2\", \"isp1\"]}}, "
			   "\"mixed\": {\"slice\": \"blue\", \"class\": 2, \"match\": {\"src\": \"10.0.0.0/8\", "
			   "\"dst\": \"2001:db8::/32\"}, \"path_policy\": {\"mode\": \"failover\", \"wans\": [\"isp1\"]}}}",
			   "{\"cam\": {\"slice\": \"blue\", \"guaranteed_bps\": 1000000, \"match\": {\"dst\": "
			   "\"2001:db8:100::10\", \"proto\": 17}}, "
			   "\"cam4\": {\"slice\": \"blue\", \"guaranteed_bps\": 1000000, \"match\": {\"dst\": "
			   "\"2001:db8:100::10\", \"src\": \"10.1.0.0/16\"}}}");
	json_t *kernel = J(kernel6), *ids = json_object(), *r, *pol, *e;
	struct cd_compiled c = { 0 };
	char buf[160];
	const char *k;
	int n = 0;

	ck_assert_int_eq(cd_compile(tabs, s, kernel, ids, &c), 0);
	ck_assert_msg(strcmp(phase(&c, "site/local"), "Ready") == 0, "%s",
		      json_dumps(json_object_get(c.results, "site/local"), 0));
	/* each address an SVI of its family on the link's bridge domain, and a VTEP */
	ck_assert_ptr_nonnull(entry(c.want, "svi", "{\"match\":{\"bd\":4002,\"vrf\":4000}}"));
	e = entry(c.want, "svi6", "{\"match\":{\"bd\":4002,\"vrf\":4000}}");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "params"), "ip")), "2001:db8:2::1");
	ck_assert_ptr_nonnull(entry(c.want, "svi6", "{\"match\":{\"bd\":4003,\"vrf\":4000}}"));
	ck_assert_ptr_null(entry(c.want, "svi", "{\"match\":{\"bd\":4003,\"vrf\":4000}}"));
	ck_assert_ptr_null(entry(c.want, "svi6", "{\"match\":{\"bd\":4001,\"vrf\":4000}}"));
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "vteps")), 4);
	ck_assert_ptr_nonnull(entry(c.want, "vteps", "{\"match\":{\"ip\":\"2001:db8:2::1\"}}"));
	ck_assert_ptr_nonnull(entry(c.want, "vteps", "{\"match\":{\"ip\":\"2001:db8:3::1\"}}"));
	ck_assert_ptr_nonnull(entry(c.want, "vteps", "{\"match\":{\"ip\":\"198.51.100.1\"}}"));
	/* the kernel's resolved gateways: static neighbours of their family; a
	 * family the link has no address of takes none of the kernel's */
	ck_assert_ptr_nonnull(entry(c.want, "neigh6", "{\"match\":{\"ip\":\"fe80::ab\",\"vrf\":4000}}"));
	ck_assert_ptr_nonnull(entry(c.want, "neigh", "{\"match\":{\"ip\":\"192.0.2.254\",\"vrf\":4000}}"));
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "neigh6")), 1);
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "neigh")), 1);
	/* a path per (link, endpoint) of one family */
	ck_assert_str_eq(phase(&c, "peers/dual"), "Ready");
	ck_assert_str_eq(path_to(c.want, "203.0.113.2", buf, sizeof(buf)), "192.0.2.1 203.0.113.2 192.0.2.254");
	ck_assert_str_eq(path_to(c.want, "2001:db8:20::2", buf, sizeof(buf)), "2001:db8:2::1 2001:db8:20::2 fe80::1");
	ck_assert_str_eq(path_to(c.want, "2001:db8:22::2", buf, sizeof(buf)),
			 "2001:db8:3::1 2001:db8:22::2 fe80::ab");
	ck_assert_str_eq(path_to(c.want, "2001:db8:21::2", buf, sizeof(buf)), "");
	ck_assert_ptr_nonnull(entry(c.want, "endpoints", "{\"match\":{\"ip\":\"2001:db8:20::2\"}}"));
	ck_assert_ptr_null(entry(c.want, "endpoints", "{\"match\":{\"ip\":\"2001:db8:21::2\"}}"));
	/* no path at all: waits for a link of its family */
	ck_assert_str_eq(phase(&c, "peers/v6only"), "Pending");
	ck_assert(says(&c, "peers/v6only", "site WAN link 'isp1' with an address6 (endpoint 2001:db8:30::2 is IPv6)"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c.results, "peers/v6only"), "pointer")),
			 "/spec/endpoints/0/wan");
	ck_assert_str_eq(path_to(c.want, "2001:db8:30::2", buf, sizeof(buf)), "");
	/* a slice stretched to it by name waits with it */
	ck_assert_str_eq(phase(&c, "slices/red"), "Pending");
	ck_assert(says(&c, "slices/red", "peers/v6only with a path"));
	/* the slice's tunnel to dual takes frames from its endpoints of both
	 * families; the peer with no path is no tunnel (yet) */
	ck_assert_str_eq(phase(&c, "slices/blue"), "Ready");
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "tunnels")), 1);
	ck_assert_ptr_nonnull(entry(c.want, "peers", "{\"match\":{\"ip\":\"2001:db8:22::2\",\"slice\":1}}"));
	ck_assert_ptr_nonnull(entry(c.want, "peers", "{\"match\":{\"ip\":\"203.0.113.2\",\"slice\":1}}"));
	/* a policy over an IPv6 path first, an IPv4 one next; an IPv6 class */
	ck_assert_str_eq(phase(&c, "policies/voice"), "Ready");
	e = entry(c.want, "classes", "{\"match\":{\"proto\":{\"mask\":255,\"value\":17},\"slice\":1,"
		  "\"src\":{\"mask\":\"ffff:ffff:ffff::\",\"value\":\"2001:db8:100::\"}},\"priority\":1}");
	ck_assert_ptr_nonnull(e);
	json_object_foreach(json_object_get(c.want, "policies"), k, pol) {
		json_t *p = json_object_get(obj(pol), "params"), *pid = json_object_get(ids, "path");

		if (strstr(k, "\"class\":1") == NULL)
			continue;
		/* isp2's (IPv6) path, then isp1's (IPv4): one policy, two families */
		ck_assert_int_eq(json_integer_value(json_object_get(p, "p0")),
				 json_integer_value(json_object_get(pid, "peers/dual/2001:db8:20::2")));
		ck_assert_int_eq(json_integer_value(json_object_get(p, "p1")),
				 json_integer_value(json_object_get(pid, "peers/dual/203.0.113.2")));
		ck_assert_int_eq(json_integer_value(json_object_get(p, "p2")), 0);
		n++;
	}
	ck_assert_int_eq(n, 1);
	r = json_object_get(c.results, "policies/mixed");
	ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
	ck_assert(says(&c, "policies/mixed", "a class matches one family: src is IPv4, dst is IPv6"));
	/* a VDN on an IPv6 5-tuple; one naming both families refused by name */
	ck_assert_str_eq(phase(&c, "vdns/cam"), "Ready");
	ck_assert_ptr_nonnull(entry(c.want, "vdns", "{\"match\":{\"dst\":{\"mask\":\"ffff:ffff:ffff:ffff:ffff:"
				    "ffff:ffff:ffff\",\"value\":\"2001:db8:100::10\"},\"proto\":{\"mask\":255,"
				    "\"value\":17},\"slice\":1},\"priority\":1}"));
	ck_assert_str_eq(phase(&c, "vdns/cam4"), "Failed");
	ck_assert(says(&c, "vdns/cam4", "a class matches one family: src is IPv4, dst is IPv6"));
	cd_compiled_free(&c);
	/* isp3's kernel gateway the link-local address isp2's intent names
	 * (spelt otherwise): the underlay's neigh6 cannot tell them apart, so
	 * isp3 gets no IPv6 next hop and its paths wait, saying why */
	json_decref(kernel);
	kernel = J("{\"links\": {\"wan2.30\": {\"up\": true, \"index\": 4}}, \"gateways6\": "
		   "{\"wan2.30\": \"FE80::0:1\"}, \"neigh\": {\"wan2.30\": {\"fe80::1\": \"02:00:00:00:00:01\"}}}");
	ck_assert_int_eq(cd_compile(tabs, s, kernel, ids, &c), 0);
	ck_assert_str_eq(phase(&c, "site/local"), "Ready");
	ck_assert_str_eq(phase(&c, "peers/dual"), "Pending");
	ck_assert(says(&c, "peers/dual", "site WAN link 'isp3' with a gateway6 of its own (fe80::1 is WAN link "
		       "'isp2''s too"));
	ck_assert_str_eq(path_to(c.want, "2001:db8:22::2", buf, sizeof(buf)), "");
	ck_assert_str_eq(path_to(c.want, "2001:db8:20::2", buf, sizeof(buf)), "2001:db8:2::1 2001:db8:20::2 fe80::1");
	ck_assert_int_eq(json_object_size(json_object_get(c.want, "neigh6")), 0);
	cd_compiled_free(&c);
	json_decref(s);
	json_decref(kernel);
	json_decref(ids);
}
END_TEST

/*
 * Encrypted peers over an IPv6 underlay: each path sealed (never clear,
 * from its first write, before any SA) in either family, ESP keyed by
 * public key, WireGuard and IKEv2 alike.
 */
START_TEST(compile_ipv6_sealed)
{
	json_t *s = specs6("{\"sealed\": {\"id\": 4, \"endpoints\": [{\"address\": \"203.0.113.4\", \"wan\": \"isp1\"}, "
			   "{\"address\": \"2001:db8:40::2\", \"wan\": \"isp2\"}], \"encryption\": {\"public_key\": "
			   "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", \"cipher\": \"aes-gcm-256\", "
			   "\"nat_traversal\": true}}, "
			   "\"wg\": {\"id\": 5, \"endpoints\": [{\"address\": \"2001:db8:50::2\", \"wan\": \"isp3\"}], "
			   "\"encryption\": {\"public_key\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", "
			   "\"cipher\": \"wireguard\"}}, "
			   "\"ike\": {\"id\": 6, \"endpoints\": [{\"address\": \"203.0.113.6\", \"wan\": \"isp1\"}, "
			   "{\"address\": \"2001:db8:60::2\", \"wan\": \"isp2\"}], \"encryption\": {\"keying\": "
			   "\"ikev2\", \"public_key\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}, "
			   "\"ike4\": {\"id\": 7, \"endpoints\": [{\"address\": \"203.0.113.7\", \"wan\": \"isp2\"}], "
			   "\"encryption\": {\"keying\": \"ikev2\", \"public_key\": "
			   "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}, "
			   "\"clear\": {\"id\": 8, \"endpoints\": [{\"address\": \"2001:db8:80::2\", \"wan\": \"isp2\"}]}}",
			   "{}", "{}");
	json_t *kernel = J(kernel6), *ids = json_object();
	struct cd_compiled c = { 0 };
	char buf[160];

	ck_assert_int_eq(cd_compile(tabs, s, kernel, ids, &c), 0);
	/* encrypted, either family: each path sealed from its first write, the
	 * IPv6 one as the IPv4 one (ESP keyed by public key; WireGuard) */
	ck_assert_str_eq(phase(&c, "peers/sealed"), "Ready");
	ck_assert_str_eq(path_to(c.want, "203.0.113.4", buf, sizeof(buf)), "192.0.2.1 203.0.113.4 192.0.2.254");
	ck_assert_int_eq(path_sealed(c.want, "203.0.113.4"), 1);
	ck_assert_str_eq(path_to(c.want, "2001:db8:40::2", buf, sizeof(buf)), "2001:db8:2::1 2001:db8:40::2 fe80::1");
	ck_assert_int_eq(path_sealed(c.want, "2001:db8:40::2"), 1);
	ck_assert_str_eq(phase(&c, "peers/wg"), "Ready");
	ck_assert_str_eq(path_to(c.want, "2001:db8:50::2", buf, sizeof(buf)), "2001:db8:3::1 2001:db8:50::2 fe80::ab");
	ck_assert_int_eq(path_sealed(c.want, "2001:db8:50::2"), 1);
	/* an unencrypted one's are not */
	ck_assert_int_eq(path_sealed(c.want, "2001:db8:80::2"), 0);
	/* IKEv2 over IPv4 alone: sealed as before */
	ck_assert_str_eq(phase(&c, "peers/ike4"), "Ready");
	ck_assert_int_eq(path_sealed(c.want, "203.0.113.7"), 1);
	/* IKEv2 over both families: each path sealed from its first write (its
	 * IKE SA, over the path's family, keys it) */
	ck_assert_str_eq(phase(&c, "peers/ike"), "Ready");
	ck_assert_str_eq(path_to(c.want, "203.0.113.6", buf, sizeof(buf)), "192.0.2.1 203.0.113.6 192.0.2.254");
	ck_assert_int_eq(path_sealed(c.want, "203.0.113.6"), 1);
	ck_assert_str_eq(path_to(c.want, "2001:db8:60::2", buf, sizeof(buf)), "2001:db8:2::1 2001:db8:60::2 fe80::1");
	ck_assert_int_eq(path_sealed(c.want, "2001:db8:60::2"), 1);
	cd_compiled_free(&c);
	json_decref(s);
	json_decref(kernel);
	json_decref(ids);
}
END_TEST

/* 16 bytes of "ip" (dp_addr.h: IPv4 mapped) from @s, for the tests below. */
static void
ip16(const char *s, uint8_t a[16])
{
	bool v4;

	ck_assert_int_eq(dp_addr_ip_any(s, a, &v4), 0);
}

/* @n bytes at @b as hex, for comparing with a known answer. */
static const char *
hexof(const uint8_t *b, size_t n)
{
	static char out[2 * 64 + 1];

	dp_addr_bytes_hex(b, n, out);
	return out;
}

/*
 * ESP's derived SAs (ov_keys_derive) against known answers. IPv4's were
 * taken from the derivation as it was before IPv6 paths (its 4-byte
 * addresses in the HKDF info): boxes in the field, and peers of an older
 * sxcd, derive the same keys and SPIs. IPv6's put the 16-byte addresses
 * where IPv4's 4 go (the answers from an HKDF of that info made apart,
 * Python's hmac). The SAs' names: IPv4's text as before (the stored
 * sequence-number marks are found by them), IPv6's its own.
 */
START_TEST(esp_derivation_and_names)
{
	static const struct {
		const char *src, *dst;
		uint64_t epoch;
		bool aes256;
		uint8_t lane;
		uint32_t gen;
		const char *key;
		uint32_t spi;
	} kat[] = {
		{ "192.0.2.1", "203.0.113.4", 480000, true, 0, 0,
		  "d87ef8ee369d406a756fef727dd2cc7d24d24aac8fd0044fbd75ecfb9ad40f523896272c", 0x9674fe7e },
		{ "192.0.2.1", "203.0.113.4", 480001, false, 3, 7,
		  "e033bf0daaa01352db49c190383bb5587408a52bcf08aca277cb7d4b26eaee509d3eef2a", 0xea9fa17d },
		{ "203.0.113.4", "192.0.2.1", 480001, false, 2, 0,
		  "9df73408abc6e040965fbf43145fbfa08df9fbff0d5898e6098b40c9ace82c6169b6b3ff", 0xc1f8a386 },
		{ "2001:db8:2::1", "2001:db8:40::2", 480000, true, 0, 0,
		  "3c069a4ac34a5115d8ca68641c784d66dc277caee6db69549fd93408deca3ae2b098a7bf", 0xc1f8cdc0 },
		{ "2001:db8:40::2", "2001:db8:2::1", 480001, false, 3, 7,
		  "539a829896cd913c1a99a3e1ef8197ec30319ae644c92463f4b76a867b0d06a5791f8ccd", 0x92c5d050 },
	};
	uint8_t shared[32], src[16], dst[16], key[36];
	char name[OV_KEYS_NAME_MAX];
	uint32_t spi;

	for (int i = 0; i < 32; i++)
		shared[i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		ip16(kat[i].src, src);
		ip16(kat[i].dst, dst);
		ck_assert_int_eq(ov_keys_derive(shared, src, dst, kat[i].epoch, kat[i].aes256, kat[i].lane, kat[i].gen,
						key, &spi), 0);
		ck_assert_str_eq(hexof(key, sizeof(key)), kat[i].key);
		ck_assert_uint_eq(spi, kat[i].spi);
	}
	/* a path is of one family */
	ip16("192.0.2.1", src);
	ip16("2001:db8:40::2", dst);
	ck_assert_int_eq(ov_keys_derive(shared, src, dst, 1, true, 0, 0, key, &spi), -EINVAL);

	ip16("192.0.2.1", src);
	ip16("203.0.113.4", dst);
	ov_keys_sa_name(name, false, src, dst, 0, 0, false, "", 480000);
	ck_assert_str_eq(name, "in|192.0.2.1|203.0.113.4|480000");
	ov_keys_sa_name(name, true, dst, src, 3, 7, true, "~was", 480001);
	ck_assert_str_eq(name, "out|203.0.113.4|192.0.2.1#3~g7~nat~was|480001");
	ip16("2001:db8:2::1", src);
	ip16("2001:db8:40::2", dst);
	ov_keys_sa_name(name, false, dst, src, 0, 0, false, NULL, 480000);
	ck_assert_str_eq(name, "in|2001:db8:40::2|2001:db8:2::1|480000");
	/* the longest there is: nothing cut */
	ip16("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", src);
	ip16("fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", dst);
	ov_keys_sa_name(name, true, src, dst, 255, UINT32_MAX, true, "~old", UINT64_MAX);
	ck_assert_str_eq(name, "out|ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe|fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
			 "#255~g4294967295~nat~old|18446744073709551615");
}
END_TEST

/* A WAN link with neither family, a gateway of a family it has no
 * address of, a link-local address6: refused, pointing at it. */
START_TEST(compile_wan_addresses_refused)
{
	static const char *const bad[][3] = {
		{ "{\"name\": \"a\", \"port\": \"wan1\"}", "/spec/wan/0", "needs an address (IPv4), an address6" },
		{ "{\"name\": \"a\", \"port\": \"wan1\", \"address\": \"192.0.2.1/24\", \"gateway6\": "
		  "\"fe80::1\"}", "/spec/wan/0/gateway6", "has a gateway6 but no address6" },
		{ "{\"name\": \"a\", \"port\": \"wan1\", \"address6\": \"fe80::2/64\"}", "/spec/wan/0/address6",
		  "is link-local" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char site_text[512];
		json_t *s, *ids = json_object(), *r;
		struct cd_compiled c = { 0 };

		snprintf(site_text, sizeof(site_text), "{\"id\": 1, \"wan\": [%s]}", bad[i][0]);
		s = json_pack("{s:{s:o}}", "site", "local", J(site_text));
		ck_assert_int_eq(cd_compile(tabs, s, NULL, ids, &c), 0);
		r = json_object_get(c.results, "site/local");
		ck_assert_str_eq(json_string_value(json_object_get(r, "phase")), "Failed");
		ck_assert_str_eq(json_string_value(json_object_get(r, "pointer")), bad[i][1]);
		ck_assert(says(&c, "site/local", bad[i][2]));
		cd_compiled_free(&c);
		json_decref(s);
		json_decref(ids);
	}
}
END_TEST

/* One member of a spec put, replaced, taken out: the others the very same
 * objects, the stored spec untouched; past the schema's maxItems -E2BIG,
 * taking out one not there -ENOENT. */
START_TEST(member_put_shares_and_bounds)
{
	int k = cd_kind_of("upf");
	json_t *spec = J("{\"slice\": \"mec\", \"sessions\": [{\"id\": 1, \"ue\": \"10.0.0.1\"}, "
			 "{\"id\": 2, \"ue\": \"10.0.0.2\"}]}");
	json_t *m = J("{\"id\": 3, \"ue\": \"10.0.0.3\"}"), *out = NULL, *s, *was = json_deep_copy(spec);
	size_t at = 9;

	ck_assert_int_ge(k, 0);
	ck_assert_uint_eq(cd_member_max(sc, k), 65536);
	ck_assert_ptr_eq(cd_member_get(k, spec, 2, &at), json_array_get(json_object_get(spec, "sessions"), 1));
	ck_assert_uint_eq(at, 1);
	ck_assert_ptr_null(cd_member_get(k, spec, 3, NULL));
	ck_assert_ptr_null(cd_member_get(cd_kind_of("slices"), spec, 1, NULL));	/* no members */
	/* added at the end, the others shared */
	ck_assert_int_eq(cd_member_put(k, spec, 3, m, 65536, &out), 0);
	s = json_object_get(out, "sessions");
	ck_assert_uint_eq(json_array_size(s), 3);
	ck_assert_ptr_eq(json_array_get(s, 0), json_array_get(json_object_get(spec, "sessions"), 0));
	ck_assert_ptr_eq(json_array_get(s, 2), m);
	ck_assert_ptr_eq(json_object_get(out, "slice"), json_object_get(spec, "slice"));
	ck_assert(json_equal(spec, was));
	json_decref(out);
	/* replaced in place */
	json_object_set_new(m, "id", json_integer(1));
	ck_assert_int_eq(cd_member_put(k, spec, 1, m, 65536, &out), 0);
	s = json_object_get(out, "sessions");
	ck_assert_uint_eq(json_array_size(s), 2);
	ck_assert_ptr_eq(json_array_get(s, 0), m);
	json_decref(out);
	/* taken out */
	ck_assert_int_eq(cd_member_put(k, spec, 1, NULL, 65536, &out), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(out, "sessions"), 0), "id")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "sessions")), 1);
	json_decref(out);
	ck_assert_int_eq(cd_member_put(k, spec, 7, NULL, 65536, &out), -ENOENT);
	ck_assert_ptr_null(out);
	/* full: a new one is refused, a replacement is not */
	json_object_set_new(m, "id", json_integer(3));
	ck_assert_int_eq(cd_member_put(k, spec, 3, m, 2, &out), -E2BIG);
	json_object_set_new(m, "id", json_integer(2));
	ck_assert_int_eq(cd_member_put(k, spec, 2, m, 2, &out), 0);
	json_decref(out);
	/* a spec without the array yet */
	json_object_del(spec, "sessions");
	ck_assert_int_eq(cd_member_put(k, spec, 2, m, 2, &out), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "sessions")), 1);
	json_decref(out);
	ck_assert(json_equal(json_object_get(was, "slice"), json_object_get(spec, "slice")));
	json_decref(was);
	json_decref(spec);
	json_decref(m);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sxcd");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, schema_pointers_and_reasons);
	tcase_add_test(tc, schema_refuses_what_it_cannot_check);
	tcase_add_test(tc, schema_counts_past_the_cap);
	tcase_add_test(tc, tables_canonical_form);
	tcase_add_test(tc, tables_ternary_one_key);
	tcase_add_test(tc, tables_ip_ternary);
	tcase_add_test(tc, tables_refusals);
	tcase_add_test(tc, tables_range_of_one);
	tcase_add_test(tc, tables_read_shares);
	tcase_add_test(tc, tables_diff_order);
	tcase_add_test(tc, compile_deterministic_and_stable_ids);
	tcase_add_test(tc, compile_conflicts_fail_and_hold_nothing);
	tcase_add_test(tc, compile_upf);
	tcase_add_test(tc, compiler_incremental);
	tcase_add_test(tc, compiler_ids_given_back);
	tcase_add_test(tc, compile_ipv6_underlay);
	tcase_add_test(tc, compile_ipv6_sealed);
	tcase_add_test(tc, esp_derivation_and_names);
	tcase_add_test(tc, compile_policy_apps_and_repair);
	tcase_add_test(tc, compile_wan_addresses_refused);
	tcase_add_test(tc, member_put_shares_and_bounds);
	tcase_add_test(tc, compiler_takes_back_in_slices);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
