/* Unit tests of the intent library: what an intent reads, writes, refuses, and calls a race. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <jansson.h>

#include "intent.h"

static json_t *
J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	ck_assert_msg(v != NULL, "bad test JSON: %s: %s", e.text, text);
	return v;
}

/* got (taken) equals the JSON text want */
static void
eq(json_t *got, const char *want)
{
	json_t *w = J(want);
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

	ck_assert_msg(json_equal(got, w), "got %s\nwant %s", g, want);
	free(g);
	json_decref(got);
	json_decref(w);
}

/* What a switch box holds: two ports (p0, p1) and a 40th beyond the flood
 * mask; p1.100 in slice 1 bd 10, p0 untagged in slice 2 bd 20. */
static const char *ports_text = "[{\"index\":0,\"name\":\"p0\"},{\"index\":1,\"name\":\"p1\"},"
				"{\"index\":40,\"name\":\"p40\"}]";
static const char *ifs_text = "[{\"match\":{\"in_port\":\"p1\",\"vlan\":100},\"action\":\"attach\","
			      "\"params\":{\"slice\":1,\"bd\":10}},"
			      "{\"match\":{\"in_port\":\"p0\",\"vlan\":0},\"action\":\"attach\","
			      "\"params\":{\"slice\":2,\"bd\":20}}]";
static const char *floods_text = "[{\"match\":{\"bd\":10},\"action\":\"flood\","
				 "\"params\":{\"ports\":6}},"
				 "{\"match\":{\"bd\":20},\"action\":\"flood\",\"params\":{\"ports\":1}}]";
static const char *svis_text = "[{\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\",\"params\":"
			       "{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}}]";
/* bd 20's IPv6 SVI routes the MAC bd 10's IPv4 SVI does (upper case, as read) */
static const char *svi6s_text = "[{\"match\":{\"vrf\":1,\"bd\":20},\"action\":\"svi6\",\"params\":"
				"{\"mac\":\"02:5E:00:00:02:01\",\"ip\":\"2001:db8:2::1\",\"plen\":64}},"
				"{\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi6\",\"params\":"
				"{\"mac\":\"02:5E:00:00:01:01\",\"ip\":\"2001:db8:1::1\",\"plen\":64}}]";

static json_t *store[INTENT_IN_MAX];

static void
setup(void)
{
	store[INTENT_IN_PORTS] = J(ports_text);
	store[INTENT_IN_INTERFACES] = J(ifs_text);
	store[INTENT_IN_FLOOD] = J(floods_text);
	store[INTENT_IN_SVI] = J(svis_text);
	store[INTENT_IN_SVI6] = J(svi6s_text);
}

static void
teardown(void)
{
	for (int k = 0; k < INTENT_IN_MAX; k++) {
		json_decref(store[k]);
		store[k] = NULL;
	}
}

/*
 * Drive @it as sxctl and sxcd do: compile, read what it asks for (from
 * store), again. The inputs read, in order, as "ports,flood" in @asked;
 * @given are read before the first compile. The final compile's return.
 */
static int
drive(const struct intent *it, unsigned int given, json_t **params, char *err, size_t len,
      char *asked, size_t alen)
{
	json_t *in[INTENT_IN_MAX] = { NULL };
	static const char *const names[] = { "ports", "interfaces", "flood", "svi", "svi6" };
	unsigned int need;
	int rc, k, rounds = 0;

	asked[0] = '\0';
	for (k = 0; k < INTENT_IN_MAX; k++)
		if (given & INTENT_IN(k))
			in[k] = store[k];
	while ((rc = intent_compile(it, in, &need, params, err, len)) == -EAGAIN) {
		ck_assert_uint_ne(need, 0);
		ck_assert_int_lt(++rounds, 8);
		for (k = 0; k < INTENT_IN_MAX; k++) {
			if (!(need & INTENT_IN(k)))
				continue;
			ck_assert_ptr_null(in[k]);	/* never asked twice */
			in[k] = store[k];
			if (asked[0] != '\0')
				strncat(asked, ",", alen - strlen(asked) - 1);
			strncat(asked, names[k], alen - strlen(asked) - 1);
		}
	}
	if (rc != 0)
		ck_assert_ptr_null(*params);
	return rc;
}

/* @it compiles, after reading @want_asked, to @want. */
static void
compiles(const struct intent *it, const char *want_asked, const char *want)
{
	char err[256], asked[128];
	json_t *params;
	int rc = drive(it, 0, &params, err, sizeof(err), asked, sizeof(asked));

	ck_assert_msg(rc == 0, "compile: %d %s", rc, err);
	ck_assert_str_eq(asked, want_asked);
	eq(params, want);
}

/* @it is refused with @want_rc and a message holding @want_msg. */
static void
refused(const struct intent *it, unsigned int given, int want_rc, const char *want_msg)
{
	char err[256], asked[128];
	json_t *params;
	int rc = drive(it, given, &params, err, sizeof(err), asked, sizeof(asked));

	ck_assert_int_eq(rc, want_rc);
	ck_assert_msg(strstr(err, want_msg) != NULL, "message '%s' lacks '%s'", err, want_msg);
}

START_TEST(slice_attach_sets_the_flood_bit_with_expect)
{
	struct intent it = { .kind = INTENT_SLICE_ATTACH, .port = "p0", .slice = 1, .bd = 10 };

	compiles(&it, "ports,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":\"p0\",\"vlan\":0},"
		 "\"action\":\"attach\",\"params\":{\"slice\":1,\"bd\":10}},"
		 "{\"type\":\"insert\",\"table\":\"bd_ports\",\"match\":{\"bd\":10,\"port\":\"p0\"},"
		 "\"action\":\"member\",\"params\":{\"vlan\":0}},"
		 "{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\","
		 "\"params\":{\"ports\":7},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":6}}}]}");
	/* a new bridge domain: an insert, which cannot carry expect; a
	 * decimal PORT goes as an index */
	it = (struct intent){ .kind = INTENT_SLICE_ATTACH, .port = "1", .vlan = 7, .slice = 3,
			      .bd = 30 };
	compiles(&it, "ports,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":1,\"vlan\":7},"
		 "\"action\":\"attach\",\"params\":{\"slice\":3,\"bd\":30}},"
		 "{\"type\":\"insert\",\"table\":\"bd_ports\",\"match\":{\"bd\":30,\"port\":1},"
		 "\"action\":\"member\",\"params\":{\"vlan\":7}},"
		 "{\"type\":\"insert\",\"table\":\"flood\",\"match\":{\"bd\":30},\"action\":\"flood\","
		 "\"params\":{\"ports\":2}}]}");
}
END_TEST

START_TEST(slice_attach_refusals)
{
	struct intent it = { .kind = INTENT_SLICE_ATTACH, .port = "p9", .slice = 1, .bd = 10 };

	refused(&it, 0, -ENOENT, "no port 'p9'");
	it.port = "p40";
	refused(&it, 0, -ERANGE, "port p40 (index 40) is beyond the 32-port flood mask");
	/* with the interfaces at hand (sxcd), another slice's bridge domain
	 * is refused before sxdp would */
	it = (struct intent){ .kind = INTENT_SLICE_ATTACH, .port = "p1", .slice = 1, .bd = 20 };
	refused(&it, INTENT_IN(INTENT_IN_INTERFACES), -EPERM, "bd 20 belongs to slice 2, not 1");
	it.vlan = 4096;
	refused(&it, 0, -EINVAL, "bad VLAN 4096");
	it = (struct intent){ .kind = INTENT_SLICE_ATTACH, .port = "", .slice = 1, .bd = 10 };
	refused(&it, 0, -EINVAL, "missing PORT");
	ck_assert_str_eq(intent_reason(-EPERM), "slice_conflict");
	ck_assert_str_eq(intent_reason(-ENOENT), "not_found");
	ck_assert_str_eq(intent_reason(-ERANGE), "out_of_range");
}
END_TEST

START_TEST(slice_detach_finds_the_bd_and_drops_the_last_port)
{
	struct intent it = { .kind = INTENT_SLICE_DETACH, .port = "p1", .vlan = 100 };

	compiles(&it, "ports,interfaces,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"interfaces\",\"match\":{\"in_port\":\"p1\",\"vlan\":100}},"
		 "{\"type\":\"delete\",\"table\":\"bd_ports\",\"match\":{\"bd\":10,\"port\":\"p1\"}},"
		 "{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\","
		 "\"params\":{\"ports\":4},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":6}}}]}");
	/* the last port out: the entry goes, if it is still as read */
	it = (struct intent){ .kind = INTENT_SLICE_DETACH, .port = "0" };
	compiles(&it, "ports,interfaces,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"interfaces\",\"match\":{\"in_port\":0,\"vlan\":0}},"
		 "{\"type\":\"delete\",\"table\":\"bd_ports\",\"match\":{\"bd\":20,\"port\":0}},"
		 "{\"type\":\"delete\",\"table\":\"flood\",\"match\":{\"bd\":20},"
		 "\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":1}}}]}");
	it = (struct intent){ .kind = INTENT_SLICE_DETACH, .port = "p0", .vlan = 9 };
	refused(&it, 0, -ENOENT, "p0 vlan 9 is not attached");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_PORTS) |
			  INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD));
	ck_assert_str_eq(intent_input_table(INTENT_IN_FLOOD), "flood");
	ck_assert_ptr_null(intent_input_table(INTENT_IN_PORTS));
}
END_TEST

/* The write of @it against the store, and @result_text as sxdp's answer. */
static unsigned int
raced(const struct intent *it, const char *result_text, char *what, size_t len)
{
	char err[256], asked[128];
	json_t *params, *res = J(result_text);
	unsigned int stale;

	ck_assert_int_eq(drive(it, 0, &params, err, sizeof(err), asked, sizeof(asked)), 0);
	stale = intent_raced(it, params, res, what, len);
	json_decref(params);
	json_decref(res);
	return stale;
}

#define FAILED(r) "{\"ok\":false,\"error\":{\"code\":-32001,\"data\":{\"reason\":\"" r "\"}}}"
#define NA FAILED("not_applied")

START_TEST(races_recognised)
{
	struct intent at = { .kind = INTENT_SLICE_ATTACH, .port = "p0", .slice = 1, .bd = 10 };
	struct intent de = { .kind = INTENT_SLICE_DETACH, .port = "p1", .vlan = 100 };
	struct intent ro = { .kind = INTENT_ROUTE_ADD, .vrf = 1, .addr = "10.0.0.0/8", .how = "drop" };
	char what[128];

	ck_assert_uint_eq(raced(&at, "{\"committed\":false,\"results\":[" NA "," NA ","
				FAILED("changed") "]}", what, sizeof(what)),
			  INTENT_IN(INTENT_IN_FLOOD));
	ck_assert_str_eq(what, "the flood entry of bd 10");
	/* another client's insert of the flood entry, or its delete */
	ck_assert_uint_eq(raced(&at, "{\"committed\":false,\"results\":[" NA "," NA ","
				FAILED("exists") "]}", what, sizeof(what)),
			  INTENT_IN(INTENT_IN_FLOOD));
	ck_assert_uint_eq(raced(&de, "{\"committed\":false,\"results\":[" NA "," NA ","
				FAILED("not_found") "]}", what, sizeof(what)),
			  INTENT_IN(INTENT_IN_FLOOD));
	/* the interface detached meanwhile: read it again, and find it gone */
	ck_assert_uint_eq(raced(&de, "{\"committed\":false,\"results\":[" FAILED("not_found") ","
				NA "," NA "]}", what, sizeof(what)),
			  INTENT_IN(INTENT_IN_INTERFACES));
	ck_assert_str_eq(what, "the interfaces entry of in_port p1 vlan 100");
	/* refusals, not races: an interface attached twice, another slice's bd */
	ck_assert_uint_eq(raced(&at, "{\"committed\":false,\"results\":[" FAILED("exists") ","
				NA "," NA "]}", what, sizeof(what)), 0);
	ck_assert_uint_eq(raced(&at, "{\"committed\":false,\"results\":[" FAILED("slice_conflict")
				"," NA "," NA "]}", what, sizeof(what)), 0);
	/* continue mode applied the rest: that stands */
	ck_assert_uint_eq(raced(&at, "{\"committed\":true,\"results\":[{\"ok\":true},{\"ok\":true},"
				FAILED("changed") "]}", what, sizeof(what)), 0);
	ck_assert_uint_eq(raced(&at, "{\"committed\":true,\"results\":[{\"ok\":true},{\"ok\":true},"
				"{\"ok\":true}]}", what, sizeof(what)), 0);
	/* nothing read, nothing to read again */
	ck_assert_uint_eq(raced(&ro, "{\"committed\":false,\"results\":[" FAILED("exists") "]}",
				what, sizeof(what)), 0);
}
END_TEST

START_TEST(svi_entries_and_back)
{
	struct intent it = { .kind = INTENT_SVI_ADD, .slice = 1, .bd = 11,
			     .mac = "02:5e:00:00:01:01", .addr = "10.0.1.1/24" };

	/* bd 11 has no IPv6 SVI: the fdb entry is this one's */
	compiles(&it, "svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":11},\"action\":\"svi\","
		 "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}},"
		 "{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":11,\"mac\":\"02:5e:00:00:01:01\"},"
		 "\"action\":\"route\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":11}}]}");
	/* bd 10's IPv6 SVI routes the same MAC: its fdb entry stays theirs */
	it.bd = 10;
	compiles(&it, "svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\","
		 "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":10}}]}");
	/* /0: the whole space, no shift by 32 */
	it.addr = "172.16.5.9/0";
	it.bd = 11;
	compiles(&it, "svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":11},\"action\":\"svi\","
		 "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"172.16.5.9\",\"plen\":0}},"
		 "{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":11,\"mac\":\"02:5e:00:00:01:01\"},"
		 "\"action\":\"route\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"172.16.5.9/32\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"0.0.0.0/0\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":11}}]}");
	it.addr = "10.0.1.1/32";
	refused(&it, 0, -EINVAL, "an SVI needs PLEN 0..31");
	it.addr = "10.0.1.1/24";
	it.mac = "02:5e:00:00:01";
	refused(&it, 0, -EINVAL, "bad MAC '02:5e:00:00:01'");
	/* del: the MAC and addresses are the SVI's own, as read; the fdb
	 * entry stays while bd 10's IPv6 SVI routes the same MAC */
	it = (struct intent){ .kind = INTENT_SVI_DEL, .slice = 1, .bd = 10 };
	compiles(&it, "svi,svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":10}},"
		 "{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"}}]}");
	it.bd = 11;
	refused(&it, 0, -ENOENT, "no svi for slice 1 bd 11");
}
END_TEST

/* IPv6 SVIs: svi6, IP/128 local and the connected prefix in routes6; the
 * router MAC's fdb entry written by the first of a BD's two SVIs and
 * deleted by the last. */
START_TEST(svi6_entries_and_back)
{
	struct intent it = { .kind = INTENT_SVI_ADD, .slice = 1, .bd = 20,
			     .mac = "02:5e:00:00:02:01", .addr = "2001:db8:2:0:1::7/64" };

	compiles(&it, "svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":20},\"action\":\"svi6\","
		 "\"params\":{\"mac\":\"02:5e:00:00:02:01\",\"ip\":\"2001:db8:2:0:1::7\",\"plen\":64}},"
		 "{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":20,\"mac\":\"02:5e:00:00:02:01\"},"
		 "\"action\":\"route\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"2001:db8:2:0:1::7/128\"},\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:2::/64\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":20}}]}");
	/* bd 10's IPv4 SVI has this MAC: no fdb update; /127 (RFC 6164) */
	it.bd = 10;
	it.mac = "02:5E:00:00:01:01";
	it.addr = "2001:db8:1::1/127";
	compiles(&it, "svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi6\","
		 "\"params\":{\"mac\":\"02:5E:00:00:01:01\",\"ip\":\"2001:db8:1::1\",\"plen\":127}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::1/128\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::/127\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":10}}]}");
	it.addr = "2001:db8:1::1/128";
	refused(&it, 0, -EINVAL, "an IPv6 SVI needs PLEN 1..127");
	it.addr = "2001:db8:1::1/0";
	refused(&it, 0, -EINVAL, "an IPv6 SVI needs PLEN 1..127");
	it.addr = "2001:db8:1:::1/64";
	refused(&it, 0, -EINVAL, "bad IP/PLEN '2001:db8:1:::1/64'");
	/* del: bd 20's fdb entry is its own; bd 10's is the IPv4 SVI's too */
	it = (struct intent){ .kind = INTENT_SVI_DEL, .slice = 1, .bd = 20, .ipv6 = true };
	compiles(&it, "svi6,svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":20}},"
		 "{\"type\":\"delete\",\"table\":\"fdb\",\"match\":{\"bd\":20,\"mac\":\"02:5E:00:00:02:01\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:2::1/128\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:2::/64\"}}]}");
	it.bd = 10;
	compiles(&it, "svi6,svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":10}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::1/128\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::/64\"}}]}");
	it.bd = 11;
	refused(&it, 0, -ENOENT, "no svi6 for slice 1 bd 11");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_SVI) | INTENT_IN(INTENT_IN_SVI6));
}
END_TEST

START_TEST(routes)
{
	const char *nh[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5" };
	const char *bad[] = { "10.0.1" };
	struct intent it = { .kind = INTENT_ROUTE_ADD, .vrf = 1, .addr = "10.1.0.0/16", .how = "ecmp",
			     .nh = nh, .n_nh = 2 };

	/* one update: no atomicity, the server's default */
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"ecmp\",\"params\":{\"n\":2,\"nh0\":\"10.0.0.1\","
		 "\"nh1\":\"10.0.0.2\",\"nh2\":\"0.0.0.0\",\"nh3\":\"0.0.0.0\"}}]}");
	it.how = "via";
	it.n_nh = 1;
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"via\",\"params\":{\"nh\":\"10.0.0.1\"}}]}");
	it.how = "drop";
	it.n_nh = 0;
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"drop\",\"params\":{}}]}");
	it.how = "via";
	it.n_nh = 2;
	refused(&it, 0, -EINVAL, "route add needs 'via NH'");
	it.how = "ecmp";
	it.n_nh = 1;
	refused(&it, 0, -EINVAL, "route add needs");
	it.n_nh = 5;
	refused(&it, 0, -EINVAL, "route add needs");
	it.how = "teleport";
	it.n_nh = 0;
	refused(&it, 0, -EINVAL, "route add needs");
	it.how = "via";
	it.nh = bad;
	it.n_nh = 1;
	refused(&it, 0, -EINVAL, "bad NH '10.0.1'");
	it.addr = "10.0.0.0/08";
	refused(&it, 0, -EINVAL, "bad PREFIX '10.0.0.0/08'");
	it = (struct intent){ .kind = INTENT_ROUTE_DEL, .vrf = 1, .addr = "10.1.0.0/16" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"}}]}");
	it.vrf = 70000;
	refused(&it, 0, -EINVAL, "bad VRF 70000 (0..65535)");
}
END_TEST

/* An IPv6 prefix is a routes6 route: IPv6 next hops (not link-local, not
 * multicast), ecmp of 2. */
START_TEST(routes6)
{
	const char *nh[] = { "2001:db8:1::2", "2001:db8:1::3", "2001:db8:1::4" };
	const char *ll[] = { "fe80::1" }, *v4[] = { "10.0.0.1" };
	struct intent it = { .kind = INTENT_ROUTE_ADD, .vrf = 1, .addr = "2001:db8:77::/48",
			     .how = "ecmp", .nh = nh, .n_nh = 2 };

	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"2001:db8:77::/48\"},\"action\":\"ecmp\",\"params\":{\"n\":2,"
		 "\"nh0\":\"2001:db8:1::2\",\"nh1\":\"2001:db8:1::3\"}}]}");
	it.n_nh = 3;
	refused(&it, 0, -EINVAL, "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'");
	it.how = "via";
	it.n_nh = 1;
	it.addr = "::/0";
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"::/0\"},\"action\":\"via\",\"params\":{\"nh\":\"2001:db8:1::2\"}}]}");
	it.nh = ll;
	refused(&it, 0, -EINVAL, "not link-local");
	it.nh = v4;
	refused(&it, 0, -EINVAL, "an IPv6 prefix needs an IPv6 next hop");
	it.addr = "2001:db8::/129";
	refused(&it, 0, -EINVAL, "bad PREFIX '2001:db8::/129'");
	it = (struct intent){ .kind = INTENT_ROUTE_DEL, .vrf = 1, .addr = "2001:db8:77::/48" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"2001:db8:77::/48\"}}]}");
	it = (struct intent){ .kind = INTENT_NEIGH_ADD, .vrf = 1, .addr = "2001:db8:1::9", .port = "p1",
			      .vlan = 0, .mac = "02:00:00:00:00:fe", .smac = "02:00:00:00:01:0a" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"neigh6\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"2001:db8:1::9\"},\"action\":\"rewrite\",\"params\":{\"port\":\"p1\",\"vlan\":0,"
		 "\"dmac\":\"02:00:00:00:00:fe\",\"smac\":\"02:00:00:00:01:0a\"}}]}");
	it = (struct intent){ .kind = INTENT_NEIGH_DEL, .vrf = 1, .addr = "2001:db8:1::9" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"neigh6\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"2001:db8:1::9\"}}]}");
	ck_assert_str_eq(intent_view_table(INTENT_V_ROUTES6), "routes6");
	ck_assert_str_eq(intent_view_table(INTENT_V_NEIGH6), "neigh6");
}
END_TEST

START_TEST(macs_and_neighbours)
{
	struct intent it = { .kind = INTENT_MAC_ADD, .bd = 10, .mac = "02:00:00:00:00:0b", .port = "1" };

	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":10,"
		 "\"mac\":\"02:00:00:00:00:0b\"},\"action\":\"forward\",\"params\":{\"port\":1}}]}");
	it.kind = INTENT_MAC_DEL;
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"fdb\",\"match\":{\"bd\":10,"
		 "\"mac\":\"02:00:00:00:00:0b\"}}]}");
	it.mac = "02-00-00-00-00-0b";
	refused(&it, 0, -EINVAL, "bad MAC");
	it = (struct intent){ .kind = INTENT_NEIGH_ADD, .vrf = 1, .addr = "10.0.1.254", .port = "p1",
			      .vlan = 100, .mac = "02:00:00:00:00:fe", .smac = "02:00:00:00:01:0a" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"neigh\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"10.0.1.254\"},\"action\":\"rewrite\",\"params\":{\"port\":\"p1\",\"vlan\":100,"
		 "\"dmac\":\"02:00:00:00:00:fe\",\"smac\":\"02:00:00:00:01:0a\"}}]}");
	it.smac = NULL;
	refused(&it, 0, -EINVAL, "bad SMAC");
	it = (struct intent){ .kind = INTENT_NEIGH_DEL, .vrf = 1, .addr = "10.0.1.254" };
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"neigh\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"10.0.1.254\"}}]}");
	it.addr = "10.0.1";
	refused(&it, 0, -EINVAL, "bad IP '10.0.1'");
}
END_TEST

START_TEST(views)
{
	json_t *routes = J("[{\"match\":{\"vrf\":1,\"dst\":\"10.0.0.0/24\"}},"
			   "{\"match\":{\"vrf\":2,\"dst\":\"0.0.0.0/0\"}},"
			   "{\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"}}]");
	json_t *all;

	ck_assert_str_eq(intent_view_table(INTENT_V_ROUTES), "routes");
	ck_assert_str_eq(intent_view_table(INTENT_V_FDB), "fdb");
	ck_assert_str_eq(intent_view_table(INTENT_V_NEIGH), "neigh");
	eq(intent_view_select(INTENT_V_ROUTES, routes, 2),
	   "[{\"match\":{\"vrf\":2,\"dst\":\"0.0.0.0/0\"}}]");
	all = intent_view_select(INTENT_V_ROUTES, routes, -1);
	ck_assert_uint_eq(json_array_size(all), 3);
	json_decref(all);
	eq(intent_view_select(INTENT_V_ROUTES, routes, 9), "[]");
	eq(intent_ageing(0), "{\"table\":\"fdb\",\"idle_timeout_s\":0}");
	json_decref(routes);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("intent");
	TCase *tc = tcase_create("intent");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, slice_attach_sets_the_flood_bit_with_expect);
	tcase_add_test(tc, slice_attach_refusals);
	tcase_add_test(tc, slice_detach_finds_the_bd_and_drops_the_last_port);
	tcase_add_test(tc, races_recognised);
	tcase_add_test(tc, svi_entries_and_back);
	tcase_add_test(tc, svi6_entries_and_back);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, routes6);
	tcase_add_test(tc, macs_and_neighbours);
	tcase_add_test(tc, views);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
