/* Unit tests of the intent library: what each switch intent compiles to,
 * from tables read in, and how a lost flood compare-and-set is recognised. */
#include <errno.h>
#include <stdlib.h>
#include <check.h>
#include <jansson.h>

#include "intent.h"

static json_t *
J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	ck_assert_msg(v != NULL, "bad test JSON: %s", e.text);
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

static const char *floods = "[{\"match\":{\"bd\":10},\"action\":\"flood\",\"params\":{\"ports\":6}},"
			    "{\"match\":{\"bd\":20},\"action\":\"flood\",\"params\":{\"ports\":1}}]";

START_TEST(flood_set_expects_what_was_read)
{
	json_t *f = J(floods);

	eq(intent_flood(f, 10, 0, true),
	   "{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\","
	   "\"params\":{\"ports\":7},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":6}}}");
	/* a new bridge domain: an insert, which cannot carry expect */
	eq(intent_flood(f, 30, 1, true),
	   "{\"type\":\"insert\",\"table\":\"flood\",\"match\":{\"bd\":30},\"action\":\"flood\","
	   "\"params\":{\"ports\":2}}");
	/* the last port out: the entry goes, if it is still as read */
	eq(intent_flood(f, 20, 0, false),
	   "{\"type\":\"delete\",\"table\":\"flood\",\"match\":{\"bd\":20},"
	   "\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":1}}}");
	ck_assert_ptr_null(intent_flood(f, 30, 0, false));
	json_decref(f);
}
END_TEST

START_TEST(flood_race_recognised)
{
	json_t *lost = J("{\"committed\":false,\"results\":[{\"ok\":false,\"error\":{\"data\":"
			 "{\"reason\":\"not_applied\"}}},{\"ok\":false,\"error\":{\"data\":{\"reason\":\"changed\"}}}]}");
	json_t *other = J("{\"committed\":false,\"results\":[{\"ok\":false,\"error\":{\"data\":"
			  "{\"reason\":\"slice_conflict\"}}},{\"ok\":false,\"error\":{\"data\":{\"reason\":\"not_applied\"}}}]}");
	json_t *ok = J("{\"committed\":true,\"results\":[{\"ok\":true},{\"ok\":true}]}");

	ck_assert(intent_flood_raced(lost));
	ck_assert(!intent_flood_raced(other));
	ck_assert(!intent_flood_raced(ok));
	json_decref(lost);
	json_decref(other);
	json_decref(ok);
}
END_TEST

START_TEST(slice_and_its_bd)
{
	json_t *ifs = J("[{\"match\":{\"in_port\":\"p1\",\"vlan\":100},\"action\":\"attach\","
			"\"params\":{\"slice\":1,\"bd\":10}}]");
	json_t *port = json_string("p1");
	json_int_t bd = 0;

	ck_assert_int_eq(intent_slice_bd(ifs, "p1", 100, &bd), 0);
	ck_assert_int_eq(bd, 10);
	ck_assert_int_eq(intent_slice_bd(ifs, "p1", 7, &bd), -ENOENT);
	eq(intent_slice(false, port, 100, 0, 10),
	   "[{\"type\":\"delete\",\"table\":\"interfaces\",\"match\":{\"in_port\":\"p1\",\"vlan\":100}},"
	   "{\"type\":\"delete\",\"table\":\"bd_ports\",\"match\":{\"bd\":10,\"port\":\"p1\"}}]");
	json_decref(port);
	json_decref(ifs);
}
END_TEST

START_TEST(svi_entries_and_back)
{
	json_t *svis = J("[{\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\","
			 "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}}]");
	const char *mac;
	unsigned int plen;
	json_t *ups;
	uint32_t ip;

	eq(intent_svi(true, 1, 10, "02:5e:00:00:01:01", 0x0a000101, 24),
	   "[{\"type\":\"insert\",\"table\":\"svi\",\"match\":{\"vrf\":1,\"bd\":10},\"action\":\"svi\","
	   "\"params\":{\"mac\":\"02:5e:00:00:01:01\",\"ip\":\"10.0.1.1\",\"plen\":24}},"
	   "{\"type\":\"insert\",\"table\":\"fdb\",\"match\":{\"bd\":10,\"mac\":\"02:5e:00:00:01:01\"},"
	   "\"action\":\"route\",\"params\":{}},"
	   "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.1/32\"},"
	   "\"action\":\"local\",\"params\":{}},"
	   "{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.0.1.0/24\"},"
	   "\"action\":\"connected\",\"params\":{\"bd\":10}}]");
	ck_assert_int_eq(intent_svi_of(svis, 1, 10, &mac, &ip, &plen), 0);
	ck_assert_str_eq(mac, "02:5e:00:00:01:01");
	ck_assert_uint_eq(ip, 0x0a000101);
	ck_assert_uint_eq(plen, 24);
	ck_assert_int_eq(intent_svi_of(svis, 2, 10, &mac, &ip, &plen), -ENOENT);
	/* /0: the whole space, no shift by 32 */
	ups = intent_svi(false, 1, 10, "02:5e:00:00:01:01", 0x0a000101, 0);
	eq(json_incref(json_array_get(ups, 3)),
	   "{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"0.0.0.0/0\"}}");
	json_decref(ups);
	json_decref(svis);
}
END_TEST

START_TEST(routes)
{
	const char *nh[] = { "10.0.0.1", "10.0.0.2" };

	eq(intent_route(1, "10.1.0.0/16", "ecmp", nh, 2),
	   "[{\"type\":\"insert\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.1.0.0/16\"},"
	   "\"action\":\"ecmp\",\"params\":{\"n\":2,\"nh0\":\"10.0.0.1\",\"nh1\":\"10.0.0.2\","
	   "\"nh2\":\"0.0.0.0\",\"nh3\":\"0.0.0.0\"}}]");
	ck_assert_ptr_null(intent_route(1, "10.1.0.0/16", "via", nh, 2));
	ck_assert_ptr_null(intent_route(1, "10.1.0.0/16", "ecmp", nh, 1));
	ck_assert_ptr_null(intent_route(1, "10.1.0.0/16", "teleport", nh, 0));
	eq(intent_route(1, "10.1.0.0/16", NULL, NULL, 0),
	   "[{\"type\":\"delete\",\"table\":\"routes\",\"match\":{\"vrf\":1,\"dst\":\"10.1.0.0/16\"}}]");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("intent");
	TCase *tc = tcase_create("intent");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, flood_set_expects_what_was_read);
	tcase_add_test(tc, flood_race_recognised);
	tcase_add_test(tc, slice_and_its_bd);
	tcase_add_test(tc, svi_entries_and_back);
	tcase_add_test(tc, routes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
