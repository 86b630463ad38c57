/* Unit tests of the intent library: what an intent reads, writes, refuses, and calls a race. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <jansson.h>

#include "intent.h"
#include "ov_intent.h"
#include "qos_intent.h"
#include "sw_intent.h"

/* Test JSON; ' stands for " (no test text has a quote of its own). */
static json_t *
J(const char *text)
{
	char *t = strdup(text), *q;
	json_error_t e;
	json_t *v;

	ck_assert_ptr_nonnull(t);
	for (q = t; (q = strchr(q, '\'')) != NULL; q++)
		*q = '"';
	v = json_loads(t, 0, &e);
	ck_assert_msg(v != NULL, "bad test JSON: %s: %s", e.text, t);
	free(t);
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
 * mask; p1.100 in slice 1 bd 10, p0 untagged in slice 2 bd 20, p0.50 in
 * slice 1 bd 50. bd 50 floods into tunnels 21 and 23 (t1 free), bd 60 into
 * 8 (full), bd 80 into tunnel 21 only (no port). */
static const char *ports_text = "[{\"index\":0,\"name\":\"p0\"},{\"index\":1,\"name\":\"p1\"},"
				"{\"index\":40,\"name\":\"p40\"}]";
static const char *ifs_text = "[{\"match\":{\"in_port\":\"p1\",\"vlan\":100},\"action\":\"attach\","
			      "\"params\":{\"slice\":1,\"bd\":10}},"
			      "{\"match\":{\"in_port\":\"p0\",\"vlan\":0},\"action\":\"attach\","
			      "\"params\":{\"slice\":2,\"bd\":20}},"
			      "{\"match\":{\"in_port\":\"p0\",\"vlan\":50},\"action\":\"attach\","
			      "\"params\":{\"slice\":1,\"bd\":50}}]";
static const char *floods_text = "[{\"match\":{\"bd\":10},\"action\":\"flood\","
				 "\"params\":{\"ports\":6}},"
				 "{\"match\":{\"bd\":20},\"action\":\"flood\",\"params\":{\"ports\":1}},"
				 "{\"match\":{\"bd\":50},\"action\":\"flood\","
				 "\"params\":{\"ports\":1,\"t0\":21,\"t2\":23}},"
				 "{\"match\":{\"bd\":60},\"action\":\"flood\",\"params\":{\"ports\":2,"
				 "\"t0\":11,\"t1\":12,\"t2\":13,\"t3\":21,\"t4\":15,\"t5\":16,\"t6\":17,\"t7\":18}},"
				 "{\"match\":{\"bd\":80},\"action\":\"flood\",\"params\":{\"ports\":0,\"t0\":21}},"
				 "{\"match\":{\"bd\":90},\"action\":\"flood\",\"params\":{\"ports\":2,"
				 "\"t0\":31,\"t1\":32,\"t2\":33,\"t3\":34,\"t4\":35,\"t5\":36,\"t6\":37,\"t7\":38,"
				 "\"more\":248}}]";
static const char *svis_text = "[{\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\",\"params\":"
			       "{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}}]";
/* bd 20's IPv6 SVI routes the MAC bd 10's IPv4 SVI does (upper case, as read) */
static const char *svi6s_text = "[{\"match\":{\"vrf\":1,\"bd\":20},\"action\":\"svi6\",\"params\":"
				"{\"mac\":\"02:5E:00:00:02:01\",\"ip\":\"2001:db8:2::1\",\"plen\":64}},"
				"{\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi6\",\"params\":"
				"{\"mac\":\"02:5E:00:00:01:01\",\"ip\":\"2001:db8:1::1\",\"plen\":64}}]";

/* The overlay: tunnel 21 (two peers, two policies), tunnel 22 (one of
 * each); class rules of slices 1 and 2. */
static const char *tunnels_text = "[{\"match\":{\"id\":21},\"action\":\"vxlan\",\"params\":{\"slice\":1,"
				  "\"vni\":5000,\"path\":1,\"ttl\":64,\"dscp\":64,\"csum\":0},\"hits\":4},"
				  "{\"match\":{\"id\":22},\"action\":\"geneve\",\"params\":{\"slice\":1,"
				  "\"vni\":7000,\"path\":0,\"ttl\":0,\"dscp\":0,\"csum\":1,"
				  "\"rmac\":\"02:00:00:00:AA:01\"},\"hits\":0}]";
static const char *peers_text = "[{\"match\":{\"slice\":1,\"ip\":\"198.51.100.20\"},\"action\":\"peer\","
				"\"params\":{\"tunnel\":21}},"
				"{\"match\":{\"slice\":1,\"ip\":\"198.51.100.22\"},\"action\":\"peer\","
				"\"params\":{\"tunnel\":22}},"
				"{\"match\":{\"slice\":1,\"ip\":\"198.51.100.21\"},\"action\":\"peer\","
				"\"params\":{\"tunnel\":21}}]";
static const char *policies_text = "[{\"match\":{\"tunnel\":21,\"class\":0},\"action\":\"failover\","
				   "\"params\":{\"p0\":1,\"p1\":2,\"p2\":0,\"p3\":0}},"
				   "{\"match\":{\"tunnel\":22,\"class\":0},\"action\":\"failover\","
				   "\"params\":{\"p0\":2,\"p1\":0,\"p2\":0,\"p3\":0}},"
				   "{\"match\":{\"tunnel\":21,\"class\":1},\"action\":\"sla\","
				   "\"params\":{\"p0\":1,\"p1\":2,\"p2\":0,\"p3\":0,\"rtt_ms\":50,"
				   "\"jitter_ms\":0,\"loss_pct\":1}}]";
static const char *classes_text = "[{\"match\":{\"slice\":1,\"proto\":{\"value\":17,\"mask\":255},"
				  "\"dport\":{\"min\":5060,\"max\":5061}},\"priority\":10,\"action\":\"class\","
				  "\"params\":{\"class\":1}},"
				  "{\"match\":{\"slice\":2,\"sport\":{\"min\":80,\"max\":80}},\"priority\":10,"
				  "\"action\":\"class\",\"params\":{\"class\":1}},"
				  "{\"match\":{\"slice\":1,\"dscp\":{\"value\":46,\"mask\":255}},\"priority\":20,"
				  "\"action\":\"class\",\"params\":{\"class\":1}},"
				  "{\"match\":{\"slice\":1},\"priority\":5,\"action\":\"class\","
				  "\"params\":{\"class\":2}}]";

static json_t *store[INTENT_IN_MAX];

static void
setup(void)
{
	store[INTENT_IN_PORTS] = J(ports_text);
	store[INTENT_IN_INTERFACES] = J(ifs_text);
	store[INTENT_IN_FLOOD] = J(floods_text);
	store[INTENT_IN_SVI] = J(svis_text);
	store[INTENT_IN_SVI6] = J(svi6s_text);
	store[INTENT_IN_TUNNELS] = J(tunnels_text);
	store[INTENT_IN_PEERS] = J(peers_text);
	store[INTENT_IN_POLICIES] = J(policies_text);
	store[INTENT_IN_CLASSES] = J(classes_text);
	store[INTENT_IN_FLOOD_MORE] = J("[]");
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
	static const char *const names[INTENT_IN_MAX] = {
		"ports", "interfaces", "flood", "svi", "svi6", "tunnels", "peers", "policies", "classes",
		[INTENT_IN_FLOOD_MORE] = "flood_more" };
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
	struct sw_slice_arg a_slice = { .port = "p0", .slice = 1, .bd = 10 };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);

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
	a_slice = (struct sw_slice_arg){ .port = "1", .vlan = 7, .slice = 3,
					 .bd = 30 };
	it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);
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
	struct sw_slice_arg a_slice = { .port = "p9", .slice = 1, .bd = 10 };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);

	refused(&it, 0, -ENOENT, "no port 'p9'");
	a_slice.port = "p40";
	refused(&it, 0, -ERANGE, "port p40 (index 40) is beyond the 32-port flood mask");
	/* with the interfaces at hand (sxcd), another slice's bridge domain
	 * is refused before sxdp would */
	a_slice = (struct sw_slice_arg){ .port = "p1", .slice = 1, .bd = 20 };
	it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);
	refused(&it, INTENT_IN(INTENT_IN_INTERFACES), -EPERM, "bd 20 belongs to slice 2, not 1");
	a_slice.vlan = 4096;
	refused(&it, 0, -EINVAL, "bad VLAN 4096");
	a_slice = (struct sw_slice_arg){ .port = "", .slice = 1, .bd = 10 };
	it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);
	refused(&it, 0, -EINVAL, "missing PORT");
	ck_assert_str_eq(intent_reason(-EPERM), "slice_conflict");
	ck_assert_str_eq(intent_reason(-ENOENT), "not_found");
	ck_assert_str_eq(intent_reason(-ERANGE), "out_of_range");
}
END_TEST

START_TEST(slice_attach_routed_port)
{
	/* a routed port: the same entries, its interface `routed` */
	struct sw_slice_arg a_slice = { .port = "1", .vlan = 7, .slice = 3, .bd = 30,
					.meter = 5, .how = "routed" };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);

	compiles(&it, "ports,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":1,\"vlan\":7},"
		 "\"action\":\"routed\",\"params\":{\"slice\":3,\"bd\":30,\"meter\":5}},"
		 "{\"type\":\"insert\",\"table\":\"bd_ports\",\"match\":{\"bd\":30,\"port\":1},"
		 "\"action\":\"member\",\"params\":{\"vlan\":7}},"
		 "{\"type\":\"insert\",\"table\":\"flood\",\"match\":{\"bd\":30},\"action\":\"flood\","
		 "\"params\":{\"ports\":2}}]}");
	a_slice.how = "bridged";
	refused(&it, 0, -EINVAL, "'bridged' is no way to attach");
}
END_TEST

START_TEST(slice_detach_finds_the_bd_and_drops_the_last_port)
{
	struct sw_slice_arg a_slice = { .port = "p1", .vlan = 100 };
	struct intent it = INTENT_OF(INTENT_SLICE_DETACH, &a_slice);

	compiles(&it, "ports,interfaces,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"interfaces\",\"match\":{\"in_port\":\"p1\",\"vlan\":100}},"
		 "{\"type\":\"delete\",\"table\":\"bd_ports\",\"match\":{\"bd\":10,\"port\":\"p1\"}},"
		 "{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\","
		 "\"params\":{\"ports\":4},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":6}}}]}");
	/* the last port out: the entry goes, if it is still as read */
	a_slice = (struct sw_slice_arg){ .port = "0" };
	it = INTENT_OF(INTENT_SLICE_DETACH, &a_slice);
	compiles(&it, "ports,interfaces,flood",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"interfaces\",\"match\":{\"in_port\":0,\"vlan\":0}},"
		 "{\"type\":\"delete\",\"table\":\"bd_ports\",\"match\":{\"bd\":20,\"port\":0}},"
		 "{\"type\":\"delete\",\"table\":\"flood\",\"match\":{\"bd\":20},"
		 "\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":1}}}]}");
	a_slice = (struct sw_slice_arg){ .port = "p0", .vlan = 9 };
	it = INTENT_OF(INTENT_SLICE_DETACH, &a_slice);
	refused(&it, 0, -ENOENT, "p0 vlan 9 is not attached");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_PORTS) |
			  INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD));
	ck_assert_str_eq(intent_input_table(INTENT_IN_FLOOD), "flood");
	ck_assert_ptr_null(intent_input_table(INTENT_IN_PORTS));
}
END_TEST

/* An intent whose argument is not its kind's size (built without
 * INTENT_OF, which would not compile) is refused before a hook reads it:
 * it reads nothing and is about nothing. */
START_TEST(argument_not_of_its_kind_refused)
{
	struct sw_mac_arg m = { .bd = 10, .mac = "02:00:00:00:00:0b", .port = "p0" };
	struct intent it = { .kind = INTENT_SLICE_ATTACH, .arg = &m, .arg_size = sizeof(m) };
	json_int_t v = -1;

	ck_assert_uint_ne(sizeof(struct sw_mac_arg), sizeof(struct sw_slice_arg));
	refused(&it, 0, -EINVAL, "intent slice attach: an argument of");
	ck_assert_uint_eq(intent_inputs(&it), 0);
	ck_assert(!intent_about(&it, INTENT_IN_FLOOD, &v));
	/* no argument at all, or no kind */
	it = (struct intent){ .kind = INTENT_MAC_ADD, .arg = NULL, .arg_size = sizeof(m) };
	refused(&it, 0, -EINVAL, "an argument of 0 bytes");
	it = (struct intent){ .kind = NULL, .arg = &m, .arg_size = sizeof(m) };
	refused(&it, 0, -EINVAL, "unknown intent");
	/* the same argument with its own kind compiles */
	it = INTENT_OF(INTENT_MAC_ADD, &m);
	compiles(&it, "", "{'updates':[{'type':'insert','table':'fdb','match':{'bd':10,"
		 "'mac':'02:00:00:00:00:0b'},'action':'forward','params':{'port':'p0'}}]}");
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
	struct sw_slice_arg at_arg = { .port = "p0", .slice = 1, .bd = 10 };
	struct intent at = INTENT_OF(INTENT_SLICE_ATTACH, &at_arg);
	struct sw_slice_arg de_arg = { .port = "p1", .vlan = 100 };
	struct intent de = INTENT_OF(INTENT_SLICE_DETACH, &de_arg);
	struct sw_route_arg ro_arg = { .vrf = 1, .prefix = "10.0.0.0/8", .how = "drop" };
	struct intent ro = INTENT_OF(INTENT_ROUTE_ADD, &ro_arg);
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
	struct sw_svi_arg a_svi = { .slice = 1, .bd = 11,
				    .mac = "02:5e:00:00:01:01", .addr = "10.0.1.1/24" };
	struct intent it = INTENT_OF(INTENT_SVI_ADD, &a_svi);

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
	a_svi.bd = 10;
	compiles(&it, "svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\","
		 "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":10}}]}");
	/* /0: the whole space, no shift by 32 */
	a_svi.addr = "172.16.5.9/0";
	a_svi.bd = 11;
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
	a_svi.addr = "10.0.1.1/32";
	refused(&it, 0, -EINVAL, "an SVI needs PLEN 0..31");
	a_svi.addr = "10.0.1.1/24";
	a_svi.mac = "02:5e:00:00:01";
	refused(&it, 0, -EINVAL, "bad MAC '02:5e:00:00:01'");
	/* del: the MAC and addresses are the SVI's own, as read; the fdb
	 * entry stays while bd 10's IPv6 SVI routes the same MAC */
	a_svi = (struct sw_svi_arg){ .slice = 1, .bd = 10 };
	it = INTENT_OF(INTENT_SVI_DEL, &a_svi);
	compiles(&it, "svi,svi6",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":10}},"
		 "{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"}}]}");
	a_svi.bd = 11;
	refused(&it, 0, -ENOENT, "no svi for slice 1 bd 11");
}
END_TEST

/* IPv6 SVIs: svi6, IP/128 local and the connected prefix in routes6; the
 * router MAC's fdb entry written by the first of a BD's two SVIs and
 * deleted by the last. */
START_TEST(svi6_entries_and_back)
{
	struct sw_svi_arg a_svi = { .slice = 1, .bd = 20,
				    .mac = "02:5e:00:00:02:01", .addr = "2001:db8:2:0:1::7/64" };
	struct intent it = INTENT_OF(INTENT_SVI_ADD, &a_svi);

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
	a_svi.bd = 10;
	a_svi.mac = "02:5E:00:00:01:01";
	a_svi.addr = "2001:db8:1::1/127";
	compiles(&it, "svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"insert\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi6\","
		 "\"params\":{\"mac\":\"02:5E:00:00:01:01\",\"ip\":\"2001:db8:1::1\",\"plen\":127}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::1/128\"},"
		 "\"action\":\"local\",\"params\":{}},"
		 "{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::/127\"},"
		 "\"action\":\"connected\",\"params\":{\"bd\":10}}]}");
	a_svi.addr = "2001:db8:1::1/128";
	refused(&it, 0, -EINVAL, "an IPv6 SVI needs PLEN 1..127");
	a_svi.addr = "2001:db8:1::1/0";
	refused(&it, 0, -EINVAL, "an IPv6 SVI needs PLEN 1..127");
	a_svi.addr = "2001:db8:1:::1/64";
	refused(&it, 0, -EINVAL, "bad IP/PLEN '2001:db8:1:::1/64'");
	/* del: bd 20's fdb entry is its own; bd 10's is the IPv4 SVI's too */
	a_svi = (struct sw_svi_arg){ .slice = 1, .bd = 20, .ipv6 = true };
	it = INTENT_OF(INTENT_SVI_DEL, &a_svi);
	compiles(&it, "svi6,svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":20}},"
		 "{\"type\":\"delete\",\"table\":\"fdb\",\"match\":{\"bd\":20,\"mac\":\"02:5E:00:00:02:01\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:2::1/128\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:2::/64\"}}]}");
	a_svi.bd = 10;
	compiles(&it, "svi6,svi",
		 "{\"atomicity\":\"dataplane-atomic\",\"updates\":["
		 "{\"type\":\"delete\",\"table\":\"svi6\",\"match\":{\"vrf\":1,\"bd\":10}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::1/128\"}},"
		 "{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,\"dst\":\"2001:db8:1::/64\"}}]}");
	a_svi.bd = 11;
	refused(&it, 0, -ENOENT, "no svi6 for slice 1 bd 11");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_SVI) | INTENT_IN(INTENT_IN_SVI6));
}
END_TEST

START_TEST(routes)
{
	const char *nh[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5" };
	const char *bad[] = { "10.0.1" };
	struct sw_route_arg a_route = { .vrf = 1, .prefix = "10.1.0.0/16", .how = "ecmp",
					.nh = nh, .n_nh = 2 };
	struct intent it = INTENT_OF(INTENT_ROUTE_ADD, &a_route);

	/* one update: no atomicity, the server's default */
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"ecmp\",\"params\":{\"n\":2,\"nh0\":\"10.0.0.1\","
		 "\"nh1\":\"10.0.0.2\",\"nh2\":\"0.0.0.0\",\"nh3\":\"0.0.0.0\"}}]}");
	a_route.how = "via";
	a_route.n_nh = 1;
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"via\",\"params\":{\"nh\":\"10.0.0.1\"}}]}");
	a_route.how = "drop";
	a_route.n_nh = 0;
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"},\"action\":\"drop\",\"params\":{}}]}");
	a_route.how = "via";
	a_route.n_nh = 2;
	refused(&it, 0, -EINVAL, "route add needs 'via NH'");
	a_route.how = "ecmp";
	a_route.n_nh = 1;
	refused(&it, 0, -EINVAL, "route add needs");
	a_route.n_nh = 5;
	refused(&it, 0, -EINVAL, "route add needs");
	a_route.how = "teleport";
	a_route.n_nh = 0;
	refused(&it, 0, -EINVAL, "route add needs");
	a_route.how = "via";
	a_route.nh = bad;
	a_route.n_nh = 1;
	refused(&it, 0, -EINVAL, "bad NH '10.0.1'");
	a_route.prefix = "10.0.0.0/08";
	refused(&it, 0, -EINVAL, "bad PREFIX '10.0.0.0/08'");
	a_route = (struct sw_route_arg){ .vrf = 1, .prefix = "10.1.0.0/16" };
	it = INTENT_OF(INTENT_ROUTE_DEL, &a_route);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"10.1.0.0/16\"}}]}");
	a_route.vrf = 70000;
	refused(&it, 0, -EINVAL, "bad VRF 70000 (0..65535)");
}
END_TEST

/* An IPv6 prefix is a routes6 route: IPv6 next hops (not link-local, not
 * multicast), ecmp of 2. */
START_TEST(routes6)
{
	const char *nh[] = { "2001:db8:1::2", "2001:db8:1::3", "2001:db8:1::4" };
	const char *ll[] = { "fe80::1" }, *v4[] = { "10.0.0.1" };
	struct sw_route_arg a_route = { .vrf = 1, .prefix = "2001:db8:77::/48",
					.how = "ecmp", .nh = nh, .n_nh = 2 };
	struct intent it = INTENT_OF(INTENT_ROUTE_ADD, &a_route);

	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"2001:db8:77::/48\"},\"action\":\"ecmp\",\"params\":{\"n\":2,"
		 "\"nh0\":\"2001:db8:1::2\",\"nh1\":\"2001:db8:1::3\"}}]}");
	a_route.n_nh = 3;
	refused(&it, 0, -EINVAL, "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'");
	a_route.how = "via";
	a_route.n_nh = 1;
	a_route.prefix = "::/0";
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"::/0\"},\"action\":\"via\",\"params\":{\"nh\":\"2001:db8:1::2\"}}]}");
	a_route.nh = ll;
	refused(&it, 0, -EINVAL, "not link-local");
	a_route.nh = v4;
	refused(&it, 0, -EINVAL, "an IPv6 prefix needs an IPv6 next hop");
	a_route.prefix = "2001:db8::/129";
	refused(&it, 0, -EINVAL, "bad PREFIX '2001:db8::/129'");
	a_route = (struct sw_route_arg){ .vrf = 1, .prefix = "2001:db8:77::/48" };
	it = INTENT_OF(INTENT_ROUTE_DEL, &a_route);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"routes6\",\"match\":{\"vrf\":1,"
		 "\"dst\":\"2001:db8:77::/48\"}}]}");
	struct sw_neigh_arg a_neigh = { .vrf = 1, .ip = "2001:db8:1::9", .port = "p1",
					.vlan = 0, .dmac = "02:00:00:00:00:fe", .smac = "02:00:00:00:01:0a" };

	it = INTENT_OF(INTENT_NEIGH_ADD, &a_neigh);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"neigh6\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"2001:db8:1::9\"},\"action\":\"rewrite\",\"params\":{\"port\":\"p1\",\"vlan\":0,"
		 "\"dmac\":\"02:00:00:00:00:fe\",\"smac\":\"02:00:00:00:01:0a\"}}]}");
	a_neigh = (struct sw_neigh_arg){ .vrf = 1, .ip = "2001:db8:1::9" };
	it = INTENT_OF(INTENT_NEIGH_DEL, &a_neigh);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"neigh6\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"2001:db8:1::9\"}}]}");
	ck_assert_str_eq(intent_view_table(INTENT_V_ROUTES6), "routes6");
	ck_assert_str_eq(intent_view_table(INTENT_V_NEIGH6), "neigh6");
}
END_TEST

START_TEST(macs_and_neighbours)
{
	struct sw_mac_arg a_mac = { .bd = 10, .mac = "02:00:00:00:00:0b", .port = "1" };
	struct intent it = INTENT_OF(INTENT_MAC_ADD, &a_mac);

	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":10,"
		 "\"mac\":\"02:00:00:00:00:0b\"},\"action\":\"forward\",\"params\":{\"port\":1}}]}");
	it = INTENT_OF(INTENT_MAC_DEL, &a_mac);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"fdb\",\"match\":{\"bd\":10,"
		 "\"mac\":\"02:00:00:00:00:0b\"}}]}");
	a_mac.mac = "02-00-00-00-00-0b";
	refused(&it, 0, -EINVAL, "bad MAC");
	struct sw_neigh_arg a_neigh = { .vrf = 1, .ip = "10.0.1.254", .port = "p1",
					.vlan = 100, .dmac = "02:00:00:00:00:fe", .smac = "02:00:00:00:01:0a" };

	it = INTENT_OF(INTENT_NEIGH_ADD, &a_neigh);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"insert\",\"table\":\"neigh\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"10.0.1.254\"},\"action\":\"rewrite\",\"params\":{\"port\":\"p1\",\"vlan\":100,"
		 "\"dmac\":\"02:00:00:00:00:fe\",\"smac\":\"02:00:00:00:01:0a\"}}]}");
	a_neigh.smac = NULL;
	refused(&it, 0, -EINVAL, "bad SMAC");
	a_neigh = (struct sw_neigh_arg){ .vrf = 1, .ip = "10.0.1.254" };
	it = INTENT_OF(INTENT_NEIGH_DEL, &a_neigh);
	compiles(&it, "",
		 "{\"updates\":[{\"type\":\"delete\",\"table\":\"neigh\",\"match\":{\"vrf\":1,"
		 "\"ip\":\"10.0.1.254\"}}]}");
	a_neigh.ip = "10.0.1";
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
	eq(sw_intent_ageing(0), "{\"table\":\"fdb\",\"idle_timeout_s\":0}");
	json_decref(routes);
}
END_TEST

/* ------------------------------------------------------------- overlay */

/* A flood entry keeps its tunnels (t0..t7) when a port joins or leaves,
 * and stays while it floods into a tunnel after its last port left. */
START_TEST(flood_ports_keep_the_tunnels)
{
	struct sw_slice_arg a_slice = { .port = "p1", .vlan = 5, .slice = 1, .bd = 50 };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &a_slice);

	compiles(&it, "ports,flood",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'insert','table':'interfaces','match':{'in_port':'p1','vlan':5},"
		 "'action':'attach','params':{'slice':1,'bd':50}},"
		 "{'type':'insert','table':'bd_ports','match':{'bd':50,'port':'p1'},"
		 "'action':'member','params':{'vlan':5}},"
		 "{'type':'modify','table':'flood','match':{'bd':50},'action':'flood',"
		 "'params':{'ports':3,'t0':21,'t2':23},"
		 "'expect':{'action':'flood','params':{'ports':1,'t0':21,'t2':23}}}]}");
	a_slice = (struct sw_slice_arg){ .port = "p0", .vlan = 50 };
	it = INTENT_OF(INTENT_SLICE_DETACH, &a_slice);
	compiles(&it, "ports,interfaces,flood",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'delete','table':'interfaces','match':{'in_port':'p0','vlan':50}},"
		 "{'type':'delete','table':'bd_ports','match':{'bd':50,'port':'p0'}},"
		 "{'type':'modify','table':'flood','match':{'bd':50},'action':'flood',"
		 "'params':{'ports':0,'t0':21,'t2':23},"
		 "'expect':{'action':'flood','params':{'ports':1,'t0':21,'t2':23}}}]}");
}
END_TEST

/* tunnel add: the tunnel, a peers entry per peer, and with flood BD its
 * place among BD's tunnels in ascending order (t0..t7, then the list): the
 * same placement whatever order they joined in (a hole closes). */
START_TEST(tunnel_add_takes_the_first_free_flood_slot)
{
	const char *peers[] = { "198.51.100.30", "198.51.100.31" };
	struct ov_tunnel_arg a_tunnel = { .id = 24, .slice = 1, .vni = 5000, .path = 1,
					  .ttl = 64, .dscp = INTENT_DSCP_COPY, .peers = peers, .n_peers = 2,
					  .flood = 50 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);

	compiles(&it, "interfaces,flood,flood_more",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'insert','table':'tunnels','match':{'id':24},'action':'vxlan',"
		 "'params':{'slice':1,'vni':5000,'path':1,'ttl':64,'dscp':64,'csum':0}},"
		 "{'type':'insert','table':'peers','match':{'slice':1,'ip':'198.51.100.30'},"
		 "'action':'peer','params':{'tunnel':24}},"
		 "{'type':'insert','table':'peers','match':{'slice':1,'ip':'198.51.100.31'},"
		 "'action':'peer','params':{'tunnel':24}},"
		 "{'type':'modify','table':'flood','match':{'bd':50},'action':'flood',"
		 "'params':{'ports':1,'t0':21,'t1':23,'t2':24},"
		 "'expect':{'action':'flood','params':{'ports':1,'t0':21,'t2':23}}}]}");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_INTERFACES) |
			  INTENT_IN(INTENT_IN_FLOOD) | INTENT_IN(INTENT_IN_FLOOD_MORE));
	/* GENEVE into an L3 VNI: rmac, checksum, copied TTL; no peer, no flood:
	 * one update, nothing read */
	a_tunnel = (struct ov_tunnel_arg){ .id = 25, .type = "geneve", .slice = 1,
					   .vni = 7000, .ttl = INTENT_TTL_COPY, .dscp = 10, .csum = true,
					   .rmac = "02:00:00:00:aa:01", .flood = -1 };
	it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'tunnels','match':{'id':25},'action':'geneve',"
		 "'params':{'slice':1,'vni':7000,'path':0,'ttl':0,'dscp':10,'csum':1,"
		 "'rmac':'02:00:00:00:aa:01'}}]}");
	ck_assert_uint_eq(intent_inputs(&it), 0);
	/* already in the flood list: no second slot */
	a_tunnel = (struct ov_tunnel_arg){ .id = 23, .slice = 1, .vni = 5000, .ttl = 64,
					   .flood = 50 };
	it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);
	compiles(&it, "interfaces,flood,flood_more",
		 "{'updates':[{'type':'insert','table':'tunnels','match':{'id':23},'action':'vxlan',"
		 "'params':{'slice':1,'vni':5000,'path':0,'ttl':64,'dscp':0,'csum':0}}]}");
}
END_TEST

START_TEST(tunnel_add_refusals)
{
	const char *dup[] = { "198.51.100.30", "198.51.100.30" }, *bad[] = { "198.51.100" };
	struct ov_tunnel_arg a_tunnel = { .id = 24, .slice = 1, .vni = 5000, .ttl = 64,
					  .flood = 60 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);

	/* t0..t7 full (bd 60): the list, its count, in one batch */
	compiles(&it, "interfaces,flood,flood_more",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'insert','table':'tunnels','match':{'id':24},'action':'vxlan',"
		 "'params':{'slice':1,'vni':5000,'path':0,'ttl':64,'dscp':0,'csum':0}},"
		 "{'type':'insert','table':'flood_more','match':{'bd':60,'index':0},'action':'tunnel',"
		 "'params':{'tunnel':24}},"
		 "{'type':'modify','table':'flood','match':{'bd':60},'action':'flood',"
		 "'params':{'ports':2,'t0':11,'t1':12,'t2':13,'t3':15,'t4':16,'t5':17,'t6':18,'t7':21,"
		 "'more':1},'expect':{'action':'flood','params':{'ports':2,'t0':11,'t1':12,'t2':13,"
		 "'t3':21,'t4':15,'t5':16,'t6':17,'t7':18}}}]}");
	/* and the list full too (bd 90): 256 peer sites */
	json_decref(store[INTENT_IN_FLOOD_MORE]);
	store[INTENT_IN_FLOOD_MORE] = json_array();
	for (int i = 0; i < INTENT_FLOOD_MORE_MAX; i++)
		json_array_append_new(store[INTENT_IN_FLOOD_MORE],
				      json_pack("{s:{s:i,s:i},s:s,s:{s:i}}", "match", "bd", 90, "index", i,
						"action", "tunnel", "params", "tunnel", 100 + i));
	a_tunnel.flood = 90;
	refused(&it, 0, -ENOSPC, "bd 90 floods into 256 tunnels already (t0..t7 and 248 in flood_more)");
	ck_assert_str_eq(intent_reason(-ENOSPC), "full");
	a_tunnel.flood = 70;
	refused(&it, 0, -ENOENT, "bd 70 has no flood entry (attach a port to it first)");
	/* bd 50 is slice 1's: slice 2's tunnel would lose every copy there */
	a_tunnel.flood = 50;
	a_tunnel.slice = 2;
	refused(&it, 0, -EPERM, "bd 50 belongs to slice 1, not 2");
	a_tunnel = (struct ov_tunnel_arg){ .id = 0, .slice = 1, .vni = 5000, .flood = -1 };
	it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);
	refused(&it, 0, -EINVAL, "bad TUNNEL 0 (1..65535)");
	a_tunnel.id = 24;
	a_tunnel.vni = 1 << 24;
	refused(&it, 0, -EINVAL, "bad VNI 16777216 (0..16777215)");
	a_tunnel.vni = 5000;
	a_tunnel.dscp = 65;
	refused(&it, 0, -EINVAL, "bad DSCP 65 (0..64)");
	a_tunnel.dscp = 0;
	a_tunnel.type = "gre";
	refused(&it, 0, -EINVAL, "bad tunnel type 'gre' (vxlan or geneve)");
	a_tunnel.type = NULL;
	a_tunnel.rmac = "02:00:00:00:aa";
	refused(&it, 0, -EINVAL, "bad rmac '02:00:00:00:aa'");
	a_tunnel.rmac = NULL;
	a_tunnel.peers = dup;
	a_tunnel.n_peers = 2;
	refused(&it, 0, -EINVAL, "peer 198.51.100.30 given twice");
	a_tunnel.peers = bad;
	a_tunnel.n_peers = 1;
	refused(&it, 0, -EINVAL, "bad peer '198.51.100' (an IPv4 or IPv6 address)");
}
END_TEST

/* A peer site's endpoints may be of both families: one tunnel takes
 * frames from each (an IPv6 peer in the peers table's "ip" key). */
START_TEST(tunnel_add_peers_of_both_families)
{
	const char *peers[] = { "198.51.100.30", "2001:db8:20::2" };
	struct ov_tunnel_arg a_tunnel = { .id = 26, .slice = 1, .vni = 5000, .path = 4, .ttl = 64,
					  .peers = peers, .n_peers = 2, .flood = -1 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_ADD, &a_tunnel);

	compiles(&it, "",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'insert','table':'tunnels','match':{'id':26},'action':'vxlan',"
		 "'params':{'slice':1,'vni':5000,'path':4,'ttl':64,'dscp':0,'csum':0}},"
		 "{'type':'insert','table':'peers','match':{'slice':1,'ip':'198.51.100.30'},"
		 "'action':'peer','params':{'tunnel':26}},"
		 "{'type':'insert','table':'peers','match':{'slice':1,'ip':'2001:db8:20::2'},"
		 "'action':'peer','params':{'tunnel':26}}]}");
	peers[1] = "2001:db8:20::2::";
	refused(&it, 0, -EINVAL, "bad peer '2001:db8:20::2::' (an IPv4 or IPv6 address)");
}
END_TEST

/* tunnel del: the tunnel, its peers entries and policies, and its slot in
 * every flood entry (bd 50's t0, bd 60's t3; bd 80 floods nowhere else and
 * goes), each expecting what was read. */
START_TEST(tunnel_del_removes_what_names_it)
{
	struct ov_tunnel_arg a_tunnel = { .id = 21 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_DEL, &a_tunnel);

	compiles(&it, "peers,policies,flood,flood_more",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'delete','table':'tunnels','match':{'id':21}},"
		 "{'type':'delete','table':'peers','match':{'slice':1,'ip':'198.51.100.20'},"
		 "'expect':{'action':'peer','params':{'tunnel':21}}},"
		 "{'type':'delete','table':'peers','match':{'slice':1,'ip':'198.51.100.21'},"
		 "'expect':{'action':'peer','params':{'tunnel':21}}},"
		 "{'type':'delete','table':'policies','match':{'tunnel':21,'class':0},"
		 "'expect':{'action':'failover','params':{'p0':1,'p1':2,'p2':0,'p3':0}}},"
		 "{'type':'delete','table':'policies','match':{'tunnel':21,'class':1},"
		 "'expect':{'action':'sla','params':{'p0':1,'p1':2,'p2':0,'p3':0,'rtt_ms':50,"
		 "'jitter_ms':0,'loss_pct':1}}},"
		 "{'type':'modify','table':'flood','match':{'bd':50},'action':'flood',"
		 "'params':{'ports':1,'t0':23},"
		 "'expect':{'action':'flood','params':{'ports':1,'t0':21,'t2':23}}},"
		 "{'type':'modify','table':'flood','match':{'bd':60},'action':'flood',"
		 "'params':{'ports':2,'t0':11,'t1':12,'t2':13,'t3':15,'t4':16,'t5':17,'t6':18},"
		 "'expect':{'action':'flood','params':{'ports':2,'t0':11,'t1':12,'t2':13,'t3':21,"
		 "'t4':15,'t5':16,'t6':17,'t7':18}}},"
		 "{'type':'delete','table':'flood','match':{'bd':80},"
		 "'expect':{'action':'flood','params':{'ports':0,'t0':21}}}]}");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_PEERS) |
			  INTENT_IN(INTENT_IN_POLICIES) | INTENT_IN(INTENT_IN_FLOOD) |
			  INTENT_IN(INTENT_IN_FLOOD_MORE));
	/* nothing names tunnel 9: the tunnel alone (sxdp says if it is not there) */
	a_tunnel.id = 9;
	compiles(&it, "peers,policies,flood,flood_more",
		 "{'updates':[{'type':'delete','table':'tunnels','match':{'id':9}}]}");
}
END_TEST

/* tunnel del out of a domain with a flood_more list: the tunnels after
 * it move up a place (from the list into t7, along the list), so the
 * list stays dense and in order, its count one less, in one batch. */
START_TEST(tunnel_del_keeps_the_flood_list_dense)
{
	struct ov_tunnel_arg a_tunnel = { .id = 32 };
	struct intent it = INTENT_OF(INTENT_TUNNEL_DEL, &a_tunnel);
	json_t *p = json_object_get(json_array_get(store[INTENT_IN_FLOOD], 5), "params");

	json_object_set_new(p, "more", json_integer(2));
	json_decref(store[INTENT_IN_FLOOD_MORE]);
	store[INTENT_IN_FLOOD_MORE] = J("[{\"match\":{\"bd\":90,\"index\":0},\"action\":\"tunnel\","
				      "\"params\":{\"tunnel\":41}},"
				      "{\"match\":{\"bd\":90,\"index\":1},\"action\":\"tunnel\","
				      "\"params\":{\"tunnel\":42}}]");
	compiles(&it, "peers,policies,flood,flood_more",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'delete','table':'tunnels','match':{'id':32}},"
		 "{'type':'modify','table':'flood_more','match':{'bd':90,'index':0},'action':'tunnel',"
		 "'params':{'tunnel':42},'expect':{'action':'tunnel','params':{'tunnel':41}}},"
		 "{'type':'delete','table':'flood_more','match':{'bd':90,'index':1},"
		 "'expect':{'action':'tunnel','params':{'tunnel':42}}},"
		 "{'type':'modify','table':'flood','match':{'bd':90},'action':'flood',"
		 "'params':{'ports':2,'t0':31,'t1':33,'t2':34,'t3':35,'t4':36,'t5':37,'t6':38,'t7':41,"
		 "'more':1},'expect':{'action':'flood','params':{'ports':2,'t0':31,'t1':32,'t2':33,"
		 "'t3':34,'t4':35,'t5':36,'t6':37,'t7':38,'more':2}}}]}");
	a_tunnel.id = 41;
	compiles(&it, "peers,policies,flood,flood_more",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'delete','table':'tunnels','match':{'id':41}},"
		 "{'type':'modify','table':'flood_more','match':{'bd':90,'index':0},'action':'tunnel',"
		 "'params':{'tunnel':42},'expect':{'action':'tunnel','params':{'tunnel':41}}},"
		 "{'type':'delete','table':'flood_more','match':{'bd':90,'index':1},"
		 "'expect':{'action':'tunnel','params':{'tunnel':42}}},"
		 "{'type':'modify','table':'flood','match':{'bd':90},'action':'flood',"
		 "'params':{'ports':2,'t0':31,'t1':32,'t2':33,'t3':34,'t4':35,'t5':36,'t6':37,'t7':38,"
		 "'more':1},'expect':{'action':'flood','params':{'ports':2,'t0':31,'t1':32,'t2':33,"
		 "'t3':34,'t4':35,'t5':36,'t6':37,'t7':38,'more':2}}}]}");
}
END_TEST

/* What a lost race looks like for a tunnel or a policy, and what is not. */
START_TEST(overlay_races)
{
	struct ov_tunnel_arg add_arg = { .id = 24, .slice = 1, .vni = 5000, .ttl = 64,
					 .flood = 50 };
	struct intent add_ = INTENT_OF(INTENT_TUNNEL_ADD, &add_arg);
	struct ov_tunnel_arg del_arg = { .id = 22 };
	struct intent del = INTENT_OF(INTENT_TUNNEL_DEL, &del_arg);
	struct ov_policy_arg pol_arg = { .tunnel = 21, .cls = 0, .how = "failover",
					 .n_paths = 1, .paths = { 3 } };
	struct intent pol = INTENT_OF(INTENT_POLICY_SET, &pol_arg);
	char what[128];

	/* another client's port or tunnel in bd 50 meanwhile */
	ck_assert_uint_eq(raced(&add_, "{\"committed\":false,\"results\":[" NA "," FAILED("changed")
				"]}", what, sizeof(what)), INTENT_IN(INTENT_IN_FLOOD));
	ck_assert_str_eq(what, "the flood entry of bd 50");
	/* the tunnel or its peer exists: a refusal, not a race */
	ck_assert_uint_eq(raced(&add_, "{\"committed\":false,\"results\":[" FAILED("exists") "," NA
				"]}", what, sizeof(what)), 0);
	/* tunnel 22's peer went, or its policy changed, meanwhile */
	ck_assert_uint_eq(raced(&del, "{\"committed\":false,\"results\":[" NA "," FAILED("not_found")
				"," NA "]}", what, sizeof(what)), INTENT_IN(INTENT_IN_PEERS));
	ck_assert_str_eq(what, "the peers entry of slice 1 ip 198.51.100.22");
	ck_assert_uint_eq(raced(&del, "{\"committed\":false,\"results\":[" NA "," NA ","
				FAILED("changed") "]}", what, sizeof(what)),
			  INTENT_IN(INTENT_IN_POLICIES));
	/* no tunnel 22 at all: final */
	ck_assert_uint_eq(raced(&del, "{\"committed\":false,\"results\":[" FAILED("not_found") "," NA
				"," NA "]}", what, sizeof(what)), 0);
	/* a policy inserted or changed by another client since it was read */
	ck_assert_uint_eq(raced(&pol, "{\"committed\":false,\"results\":[" FAILED("changed") "]}",
				what, sizeof(what)), INTENT_IN(INTENT_IN_POLICIES));
}
END_TEST

/* policy set writes over what it read (modify, expect) or inserts; each
 * kind's params as the table declares them. */
START_TEST(policies)
{
	struct ov_policy_arg a_policy = { .tunnel = 21, .cls = 0, .how = "balance",
					  .n_paths = 3, .paths = { 1, 2, 3 }, .weights = { 1, 1, 2 } };
	struct intent it = INTENT_OF(INTENT_POLICY_SET, &a_policy);

	compiles(&it, "policies",
		 "{'updates':[{'type':'modify','table':'policies','match':{'tunnel':21,'class':0},"
		 "'action':'balance','params':{'p0':1,'p1':2,'p2':3,'p3':0,'p4':0,'p5':0,'p6':0,'p7':0,'w0':1,'w1':1,'w2':2,'w3':0,'w4':0,"
		 "'w5':0,'w6':0,'w7':0},"
		 "'expect':{'action':'failover','params':{'p0':1,'p1':2,'p2':0,'p3':0}}}]}");
	a_policy = (struct ov_policy_arg){ .tunnel = 22, .cls = 5, .how = "sla", .n_paths = 2,
					   .paths = { 2, 1 }, .rtt_ms = 80, .loss_pct = 2 };
	it = INTENT_OF(INTENT_POLICY_SET, &a_policy);
	compiles(&it, "policies",
		 "{'updates':[{'type':'insert','table':'policies','match':{'tunnel':22,'class':5},"
		 "'action':'sla','params':{'p0':2,'p1':1,'p2':0,'p3':0,'p4':0,'p5':0,'p6':0,'p7':0,'rtt_ms':80,'jitter_ms':0,"
		 "'loss_pct':2}}]}");
	a_policy = (struct ov_policy_arg){ .tunnel = 22, .cls = 5, .how = "failover",
					   .n_paths = 4, .paths = { 4, 3, 2, 1 } };
	it = INTENT_OF(INTENT_POLICY_SET, &a_policy);
	compiles(&it, "policies",
		 "{'updates':[{'type':'insert','table':'policies','match':{'tunnel':22,'class':5},"
		 "'action':'failover','params':{'p0':4,'p1':3,'p2':2,'p3':1,'p4':0,'p5':0,'p6':0,'p7':0}}]}");
	ck_assert_uint_eq(intent_inputs(&it), INTENT_IN(INTENT_IN_POLICIES));
	a_policy.n_paths = INTENT_POLICY_PATHS + 1;
	refused(&it, 0, -EINVAL, "a policy picks from 1..8 paths");
	a_policy.n_paths = 0;
	refused(&it, 0, -EINVAL, "a policy picks from 1..8 paths");
	a_policy.n_paths = 1;
	a_policy.paths[0] = 0;
	refused(&it, 0, -EINVAL, "bad PATH 0 (1..65535)");
	a_policy.paths[0] = 1;
	a_policy.weights[0] = 3;
	refused(&it, 0, -EINVAL, "weights are a balance policy's");
	a_policy.weights[0] = 0;
	a_policy.rtt_ms = 10;
	refused(&it, 0, -EINVAL, "rtt, jitter and loss limits are an sla policy's");
	a_policy.rtt_ms = 0;
	a_policy.how = "random";
	refused(&it, 0, -EINVAL, "bad policy 'random' (failover, balance or sla)");
	a_policy = (struct ov_policy_arg){ .tunnel = 21, .cls = 0, .how = "balance",
					   .n_paths = 2, .paths = { 1, 2 }, .weights = { 1, 0 } };
	it = INTENT_OF(INTENT_POLICY_SET, &a_policy);
	refused(&it, 0, -EINVAL, "bad weight 0 (1..255)");
	a_policy = (struct ov_policy_arg){ .tunnel = 21, .cls = 0, .how = "sla",
					   .n_paths = 1, .paths = { 1 }, .loss_pct = 101 };
	it = INTENT_OF(INTENT_POLICY_SET, &a_policy);
	refused(&it, 0, -EINVAL, "bad loss 101 (0..100)");
	a_policy = (struct ov_policy_arg){ .tunnel = 21, .cls = 1 };
	it = INTENT_OF(INTENT_POLICY_DEL, &a_policy);
	compiles(&it, "",
		 "{'updates':[{'type':'delete','table':'policies','match':{'tunnel':21,'class':1}}]}");
}
END_TEST

/* class add: one ACL rule (prefixes as value/mask of the network, one port
 * exactly or a range, DSCP 0 is a DSCP); class del: the slice's rules of
 * the class as read, by key and priority. */
START_TEST(classes)
{
	struct ov_class_arg a_class = { .slice = 1, .cls = 3, .prio = 100,
					.rule = { .src = "10.1.2.3/16", .dst = "192.0.2.9", .proto = 17,
						  .sport = { 1024, 65535 }, .dport = { 5060, 5060 },
						  .dscp = 0, .dscp_set = true } };
	struct intent it = INTENT_OF(INTENT_CLASS_ADD, &a_class);

	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'classes','match':{'slice':1,"
		 "'src':{'value':'10.1.0.0','mask':'255.255.0.0'},"
		 "'dst':{'value':'192.0.2.9','mask':'255.255.255.255'},'proto':17,"
		 "'sport':{'min':1024,'max':65535},'dport':5060,'dscp':0},"
		 "'action':'class','params':{'class':3},'priority':100}]}");
	a_class = (struct ov_class_arg){ .slice = 2, .cls = 0, .prio = 1,
					 .rule = { .src = "0.0.0.0/0" } };
	it = INTENT_OF(INTENT_CLASS_ADD, &a_class);
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'classes','match':{'slice':2,"
		 "'src':{'value':'0.0.0.0','mask':'0.0.0.0'}},'action':'class','params':{'class':0},"
		 "'priority':1}]}");
	a_class.prio = 0;
	refused(&it, 0, -EINVAL, "bad prio 0 (1..4294967295)");
	a_class.prio = 1;
	a_class.rule.src = "10.1.0.0/33";
	refused(&it, 0, -EINVAL, "bad src '10.1.0.0/33' (an IPv4 or IPv6 prefix or address)");
	/* IPv6: value/mask of an IPv6 address (the "ip" fields: IPv6 packets only) */
	a_class = (struct ov_class_arg){ .slice = 1, .cls = 4, .prio = 50,
					 .rule = { .src = "2001:db8:1:2::7/48", .dst = "2001:db8:9::1",
						   .proto = 6, .dport = { 443, 443 } } };
	it = INTENT_OF(INTENT_CLASS_ADD, &a_class);
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'classes','match':{'slice':1,"
		 "'src':{'value':'2001:db8:1::','mask':'ffff:ffff:ffff::'},"
		 "'dst':{'value':'2001:db8:9::1','mask':'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'},"
		 "'proto':6,'dport':443},'action':'class','params':{'class':4},'priority':50}]}");
	/* 0.0.0.0/0 is every IPv4 packet; ::/0 would be every packet of both
	 * (a mask of no bits), and a prefix over ::ffff:0:0/96 IPv4 ones too */
	a_class.rule = (struct intent_rule){ .dst = "0.0.0.0/0" };
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'classes','match':{'slice':1,"
		 "'dst':{'value':'0.0.0.0','mask':'0.0.0.0'}},'action':'class','params':{'class':4},"
		 "'priority':50}]}");
	a_class.rule = (struct intent_rule){ .dst = "::/0" };
	refused(&it, 0, -EINVAL, "bad dst '::/0' (it covers IPv4-mapped ::ffff:0:0/96, so it would match "
		"IPv4 packets too; leave dst out to match both families");
	a_class.rule = (struct intent_rule){ .src = "::ffff:10.0.0.0/104" };
	refused(&it, 0, -EINVAL, "bad src '::ffff:10.0.0.0/104' (it covers IPv4-mapped");
	a_class.rule = (struct intent_rule){ .src = "::/81" };	/* beside it: IPv6 only */
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'classes','match':{'slice':1,"
		 "'src':{'value':'::','mask':'ffff:ffff:ffff:ffff:ffff:8000::'}},'action':'class',"
		 "'params':{'class':4},'priority':50}]}");
	/* one family a rule: src and dst of two match no packet */
	a_class.rule = (struct intent_rule){ .src = "10.1.0.0/16", .dst = "2001:db8::/32" };
	refused(&it, 0, -EINVAL, "a class matches one family: src is IPv4, dst is IPv6");
	a_class.rule = (struct intent_rule){ .src = "2001:db8::/32", .dst = "192.0.2.9" };
	refused(&it, 0, -EINVAL, "a class matches one family: src is IPv6, dst is IPv4");
	a_class.rule = (struct intent_rule){ .src = "2001:db8::/129" };
	refused(&it, 0, -EINVAL, "bad src '2001:db8::/129' (an IPv4 or IPv6 prefix or address)");
	a_class.rule.src = NULL;
	a_class.rule.sport[0] = 10;
	a_class.rule.sport[1] = 5;
	refused(&it, 0, -EINVAL, "bad sport 10-5 (LO-HI, 0 <= LO <= HI)");
	a_class.rule.sport[1] = 0;
	a_class.rule.dport[1] = 65536;
	refused(&it, 0, -EINVAL, "bad dport 65536 (0..65535)");
	a_class.rule.dport[1] = 0;
	a_class.rule.proto = 256;
	refused(&it, 0, -EINVAL, "bad proto 256 (0..255)");
	a_class.rule.proto = 0;
	a_class.rule.dscp = 64;
	a_class.rule.dscp_set = true;
	refused(&it, 0, -EINVAL, "bad dscp 64 (0..63)");

	a_class = (struct ov_class_arg){ .slice = 1, .cls = 1 };
	it = INTENT_OF(INTENT_CLASS_DEL, &a_class);
	compiles(&it, "classes",
		 "{'atomicity':'dataplane-atomic','updates':["
		 "{'type':'delete','table':'classes','match':{'slice':1,'proto':{'value':17,'mask':255},"
		 "'dport':{'min':5060,'max':5061}},'priority':10,"
		 "'expect':{'action':'class','params':{'class':1}}},"
		 "{'type':'delete','table':'classes','match':{'slice':1,'dscp':{'value':46,'mask':255}},"
		 "'priority':20,'expect':{'action':'class','params':{'class':1}}}]}");
	a_class.prio = 20;
	compiles(&it, "classes",
		 "{'updates':[{'type':'delete','table':'classes','match':{'slice':1,"
		 "'dscp':{'value':46,'mask':255}},'priority':20,"
		 "'expect':{'action':'class','params':{'class':1}}}]}");
	a_class.prio = 30;
	refused(&it, 0, -ENOENT, "slice 1 has no rule of class 1 at that priority");
	a_class = (struct ov_class_arg){ .slice = 2, .cls = 2 };
	it = INTENT_OF(INTENT_CLASS_DEL, &a_class);
	refused(&it, 0, -ENOENT, "slice 2 has no rule of class 2");
}
END_TEST

/* paths: static ones are not probed; probed ones get BFD's common timers
 * unless told otherwise; a bfd one has no up_after. */
START_TEST(paths)
{
	struct ov_path_arg a_path = { .id = 1, .src = "192.0.2.10",
				      .dst = "198.51.100.20", .gw = "192.0.2.1", .vrf = 100 };
	struct intent it = INTENT_OF(INTENT_PATH_ADD, &a_path);

	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'paths','match':{'id':1},'action':'static',"
		 "'params':{'src':'192.0.2.10','dst':'198.51.100.20','vrf':100,'mtu':0,"
		 "'gw':'192.0.2.1'}}]}");
	a_path.probe = "sxdp";
	a_path.mtu = 1400;
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'paths','match':{'id':1},'action':'sxdp',"
		 "'params':{'src':'192.0.2.10','dst':'198.51.100.20','vrf':100,'mtu':1400,"
		 "'gw':'192.0.2.1','interval_ms':50,'down_after':3,'up_after':5}}]}");
	a_path.probe = "icmp";
	a_path.interval_ms = 100;
	a_path.up_after = 2;
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'paths','match':{'id':1},'action':'icmp',"
		 "'params':{'src':'192.0.2.10','dst':'198.51.100.20','vrf':100,'mtu':1400,"
		 "'gw':'192.0.2.1','interval_ms':100,'down_after':3,'up_after':2}}]}");
	a_path.up_after = 256;
	refused(&it, 0, -EINVAL, "bad up 256 (1..255)");
	a_path.up_after = 0;
	a_path.probe = "static";
	refused(&it, 0, -EINVAL, "a static path is not probed: no interval, down, up or hold");
	a_path.probe = "twamp";
	refused(&it, 0, -EINVAL, "bad probe 'twamp' (static, sxdp, icmp or bfd)");
	a_path.probe = "bfd";
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'paths','match':{'id':1},'action':'bfd',"
		 "'params':{'src':'192.0.2.10','dst':'198.51.100.20','vrf':100,'mtu':1400,"
		 "'gw':'192.0.2.1','interval_ms':100,'down_after':3}}]}");
	a_path.up_after = 5;
	refused(&it, 0, -EINVAL, "a bfd path is up when its session is");
	a_path.up_after = 0;
	a_path.probe = NULL;
	a_path.interval_ms = 0;
	a_path.gw = "192.0.2";
	refused(&it, 0, -EINVAL, "bad gw '192.0.2' (an IPv4 or IPv6 address)");
	a_path.gw = "192.0.2.1";
	a_path.id = 0;
	refused(&it, 0, -EINVAL, "bad PATH 0 (1..65535)");
	/* an IPv6 path: its three addresses IPv6, its gw link-local as a
	 * router's usually is */
	a_path = (struct ov_path_arg){ .id = 4, .probe = "sxdp", .src = "2001:db8:10::1",
				       .dst = "2001:db8:20::2", .gw = "fe80::1", .vrf = 4000 };
	compiles(&it, "",
		 "{'updates':[{'type':'insert','table':'paths','match':{'id':4},'action':'sxdp',"
		 "'params':{'src':'2001:db8:10::1','dst':'2001:db8:20::2','vrf':4000,'mtu':0,"
		 "'gw':'fe80::1','interval_ms':50,'down_after':3,'up_after':5}}]}");
	/* one family a path */
	a_path.dst = "198.51.100.20";
	refused(&it, 0, -EINVAL, "a path is of one family: src is IPv6, dst is IPv4");
	a_path.dst = "2001:db8:20::2";
	a_path.gw = "192.0.2.1";
	refused(&it, 0, -EINVAL, "a path is of one family: src is IPv6, gw is IPv4");
	a_path = (struct ov_path_arg){ .id = 4, .src = "192.0.2.10", .dst = "198.51.100.20",
				       .gw = "fe80::1", .vrf = 4000 };
	refused(&it, 0, -EINVAL, "a path is of one family: src is IPv4, gw is IPv6");
	/* only the next hop may be link-local */
	a_path = (struct ov_path_arg){ .id = 4, .src = "2001:db8:10::1", .dst = "fe80::2",
				       .gw = "fe80::1", .vrf = 4000 };
	refused(&it, 0, -EINVAL, "bad dst 'fe80::2' (a path's ends are global addresses; only its gw "
		"may be link-local)");
	a_path = (struct ov_path_arg){ .id = 7 };
	it = INTENT_OF(INTENT_PATH_DEL, &a_path);
	compiles(&it, "", "{'updates':[{'type':'delete','table':'paths','match':{'id':7}}]}");
}
END_TEST

START_TEST(vteps_sites_vnis)
{
	struct ov_vtep_arg a_vtep = { .ip = "192.0.2.10" };
	struct intent it = INTENT_OF(INTENT_VTEP_ADD, &a_vtep);

	compiles(&it, "", "{'updates':[{'type':'insert','table':'vteps','match':{'ip':'192.0.2.10'},"
		 "'action':'vtep','params':{}}]}");
	it = INTENT_OF(INTENT_VTEP_DEL, &a_vtep);
	compiles(&it, "", "{'updates':[{'type':'delete','table':'vteps','match':{'ip':'192.0.2.10'}}]}");
	/* IPv6: the same tables (their "ip" keys take either family) */
	a_vtep.ip = "2001:db8::1";
	it = INTENT_OF(INTENT_VTEP_ADD, &a_vtep);
	compiles(&it, "", "{'updates':[{'type':'insert','table':'vteps','match':{'ip':'2001:db8::1'},"
		 "'action':'vtep','params':{}}]}");
	a_vtep.ip = "2001:db8::1/64";
	refused(&it, 0, -EINVAL, "bad IP '2001:db8::1/64' (an IPv4 or IPv6 address)");
	a_vtep.ip = "::ffff:192.0.2.10";	/* IPv4 to sxdp */
	refused(&it, 0, -EINVAL, "bad IP '::ffff:192.0.2.10' (IPv4-mapped: write it as IPv4)");
	struct ov_site_arg a_site = { .site = 2, .ip = "198.51.100.20" };

	it = INTENT_OF(INTENT_SITE_ADD, &a_site);
	compiles(&it, "", "{'updates':[{'type':'insert','table':'endpoints','match':"
		 "{'ip':'198.51.100.20'},'action':'endpoint','params':{'site':2}}]}");
	a_site.ip = "2001:db8:20::2";
	compiles(&it, "", "{'updates':[{'type':'insert','table':'endpoints','match':"
		 "{'ip':'2001:db8:20::2'},'action':'endpoint','params':{'site':2}}]}");
	a_site.ip = "198.51.100.20";
	a_site.site = 65536;
	refused(&it, 0, -EINVAL, "bad SITE 65536 (0..65535)");
	a_site = (struct ov_site_arg){ .ip = "198.51.100.20" };
	it = INTENT_OF(INTENT_SITE_DEL, &a_site);
	compiles(&it, "", "{'updates':[{'type':'delete','table':'endpoints','match':"
		 "{'ip':'198.51.100.20'}}]}");
	struct ov_vni_arg a_vni = { .vni = 5000, .slice = 1, .bd = 10 };

	it = INTENT_OF(INTENT_VNI_ADD, &a_vni);
	compiles(&it, "", "{'updates':[{'type':'insert','table':'vnis','match':{'vni':5000},"
		 "'action':'l2','params':{'slice':1,'bd':10}}]}");
	a_vni.l3 = true;
	a_vni.vni = 16777215;
	compiles(&it, "", "{'updates':[{'type':'insert','table':'vnis','match':{'vni':16777215},"
		 "'action':'l3','params':{'slice':1}}]}");
	a_vni.vni = 16777216;
	refused(&it, 0, -EINVAL, "bad VNI 16777216 (0..16777215)");
	a_vni = (struct ov_vni_arg){ .vni = 7000 };
	it = INTENT_OF(INTENT_VNI_DEL, &a_vni);
	compiles(&it, "", "{'updates':[{'type':'delete','table':'vnis','match':{'vni':7000}}]}");
}
END_TEST

/* A VDN's flow: IPv6 prefixes as value/mask of an IPv6 address (QoS's
 * vdns table has the flow key's "ip" src and dst); one family a rule. */
START_TEST(vdn_flows_of_either_family)
{
	struct qos_vdn_arg a_vdn = { .id = 3, .slice = 1, .port = "p0", .cir = 8000000, .prio = 5,
				     .rule = { .src = "2001:db8:45::/48", .proto = 17, .dport = { 5004, 5005 } } };
	struct intent it = INTENT_OF(INTENT_VDN_ADD, &a_vdn);
	char err[256], asked[128];
	json_t *params, *u;
	size_t i;
	int n = 0;

	ck_assert_int_eq(drive(&it, 0, &params, err, sizeof(err), asked, sizeof(asked)), 0);
	json_array_foreach(json_object_get(params, "updates"), i, u) {
		if (strcmp(json_string_value(json_object_get(u, "table")), "vdns") != 0)
			continue;
		eq(json_incref(json_object_get(u, "match")),
		   "{'slice':1,'src':{'value':'2001:db8:45::','mask':'ffff:ffff:ffff::'},'proto':17,"
		   "'dport':{'min':5004,'max':5005}}");
		n++;
	}
	ck_assert_int_eq(n, 1);
	json_decref(params);
	a_vdn.rule.dst = "10.45.0.0/16";
	refused(&it, 0, -EINVAL, "a class matches one family: src is IPv6, dst is IPv4");
	a_vdn.rule.dst = "2001:db8:46::1";
	ck_assert_int_eq(drive(&it, 0, &params, err, sizeof(err), asked, sizeof(asked)), 0);
	json_decref(params);
}
END_TEST

START_TEST(overlay_views)
{
	json_t *pols = J(policies_text);

	ck_assert_str_eq(intent_view_table(INTENT_V_POLICIES), "policies");
	ck_assert_str_eq(intent_input_table(INTENT_IN_PEERS), "peers");
	ck_assert_str_eq(intent_input_table(INTENT_IN_TUNNELS), "tunnels");
	eq(intent_view_select(INTENT_V_POLICIES, pols, 22),
	   "[{'match':{'tunnel':22,'class':0},'action':'failover',"
	   "'params':{'p0':2,'p1':0,'p2':0,'p3':0}}]");
	json_decref(pols);
	eq(ov_intent_tunnel_rows(store[INTENT_IN_TUNNELS], store[INTENT_IN_PEERS], store[INTENT_IN_FLOOD],
				  store[INTENT_IN_FLOOD_MORE]),
	   "[{'id':21,'type':'vxlan','slice':1,'vni':5000,'path':1,'ttl':64,'dscp':64,'csum':0,"
	   "'peers':['198.51.100.20','198.51.100.21'],'flood':[50,60,80],'hits':4},"
	   "{'id':22,'type':'geneve','slice':1,'vni':7000,'path':0,'ttl':0,'dscp':0,'csum':1,"
	   "'rmac':'02:00:00:00:AA:01','peers':['198.51.100.22'],'flood':[],'hits':0}]");
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
	tcase_add_test(tc, slice_attach_routed_port);
	tcase_add_test(tc, slice_detach_finds_the_bd_and_drops_the_last_port);
	tcase_add_test(tc, argument_not_of_its_kind_refused);
	tcase_add_test(tc, races_recognised);
	tcase_add_test(tc, svi_entries_and_back);
	tcase_add_test(tc, svi6_entries_and_back);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, routes6);
	tcase_add_test(tc, macs_and_neighbours);
	tcase_add_test(tc, views);
	tcase_add_test(tc, flood_ports_keep_the_tunnels);
	tcase_add_test(tc, tunnel_add_takes_the_first_free_flood_slot);
	tcase_add_test(tc, tunnel_add_refusals);
	tcase_add_test(tc, tunnel_del_keeps_the_flood_list_dense);
	tcase_add_test(tc, tunnel_add_peers_of_both_families);
	tcase_add_test(tc, tunnel_del_removes_what_names_it);
	tcase_add_test(tc, overlay_races);
	tcase_add_test(tc, policies);
	tcase_add_test(tc, classes);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, vteps_sites_vnis);
	tcase_add_test(tc, vdn_flows_of_either_family);
	tcase_add_test(tc, overlay_views);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
