/* SPDX-License-Identifier: BSD-3-Clause */
/* dhcp's unit tests (meson test dhcp): the codec against bytes scapy made
 * (gen_dhcp_corpus.py's seeds, read from the fuzz corpus) and its refusals
 * by name, answers read back; the allocator (lowest free, a client's own
 * address again, static addresses, exhaustion), the starvation bounds per
 * Ethernet source and port, release, decline, expiry; the lease file
 * written and read back, a torn or foreign file refused. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dh_lease.h"
#include "dh_msg.h"

#ifndef CORPUS
#define CORPUS "tests/fuzz/corpus/dhcp"
#endif

static size_t
seed(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "seed %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

START_TEST(parse_client_messages)
{
	static const struct { const char *name; uint8_t type; } ok[] = {
		{ "discover", DH_DISCOVER }, { "discover_broadcast", DH_DISCOVER }, { "request_selecting", DH_REQUEST },
		{ "request_initreboot", DH_REQUEST }, { "request_renew", DH_REQUEST }, { "release", DH_RELEASE },
		{ "decline", DH_DECLINE }, { "inform", DH_INFORM }, { "relay_agent_info", DH_DISCOVER },
		{ "overload_file", DH_DISCOVER }, { "overload_sname", DH_REQUEST }, { "no_end", DH_DISCOVER },
	};
	uint8_t b[2048];
	struct dh_msg m;

	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t n = seed(ok[i].name, b, sizeof(b));

		ck_assert_msg(dh_parse(b, n, &m) == DH_OK, "%s: %s", ok[i].name, dh_bad_name[dh_parse(b, n, &m)]);
		ck_assert_msg(m.type == ok[i].type, "%s", ok[i].name);
		ck_assert_int_eq(m.chaddr[5], 1);
	}
	seed("discover", b, sizeof(b));
	ck_assert_int_eq(dh_parse(b, seed("discover", b, sizeof(b)), &m), DH_OK);
	ck_assert_int_eq(m.hostname_len, 2);
	ck_assert(memcmp(m.hostname, "h1", 2) == 0);
	ck_assert_int_eq(m.prl_len, 4);
	ck_assert_int_eq(m.client_id_len, 7);
	ck_assert_int_eq(ntohl(m.xid), 0x1234);
	ck_assert_int_eq(dh_parse(b, seed("request_selecting", b, sizeof(b)), &m), DH_OK);
	ck_assert(m.has_server_id && m.server_id == ip4("10.1.0.1") && m.has_req_ip && m.req_ip == ip4("10.1.0.10"));
	ck_assert_int_eq(dh_parse(b, seed("request_renew", b, sizeof(b)), &m), DH_OK);
	ck_assert(!m.has_req_ip && m.ciaddr == ip4("10.1.0.10"));
	ck_assert_int_eq(dh_parse(b, seed("relay_agent_info", b, sizeof(b)), &m), DH_OK);
	ck_assert(m.relay_len == 11 && m.giaddr == ip4("10.9.0.1") && m.hops == 1);
	ck_assert_int_eq(dh_parse(b, seed("overload_sname", b, sizeof(b)), &m), DH_OK);
	ck_assert(m.overload == 2 && m.has_req_ip && m.req_ip == ip4("10.1.0.10"));
}
END_TEST

START_TEST(parse_refusals_named)
{
	static const struct { const char *name; enum dh_bad bad; } bad[] = {
		{ "truncated_fixed", DH_BAD_SHORT }, { "empty", DH_BAD_SHORT }, { "no_magic", DH_BAD_MAGIC },
		{ "bootp_only", DH_BAD_TYPE }, { "not_ethernet", DH_BAD_HW }, { "truncated_option", DH_BAD_OPTION },
		{ "overlong_option", DH_BAD_OPTION }, { "type_twice", DH_BAD_OPTION }, { "type_bad_len", DH_BAD_OPTION },
		{ "type_out_of_range", DH_BAD_TYPE }, { "no_type", DH_BAD_TYPE }, { "reqip_short", DH_BAD_OPTION },
		{ "overload_bad_value", DH_BAD_OVERLOAD }, { "overload_nested", DH_BAD_OVERLOAD },
		{ "overload_runs_past_file", DH_BAD_OPTION }, { "pad_only", DH_BAD_TYPE },
	};
	uint8_t b[2048];
	struct dh_msg m;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum dh_bad got = dh_parse(b, seed(bad[i].name, b, sizeof(b)), &m);

		ck_assert_msg(got == bad[i].bad, "%s: %s, not %s", bad[i].name, dh_bad_name[got], dh_bad_name[bad[i].bad]);
	}
	ck_assert_int_eq(dh_parse(NULL, 0, &m), DH_BAD_SHORT);
}
END_TEST

START_TEST(build_reads_back)
{
	uint8_t b[2048], out[DH_MAX_LEN], v[16];
	struct dh_msg q, r;
	struct dh_answer a = { .type = DH_OFFER, .yiaddr = ip4("10.1.0.10"), .server_id = ip4("10.1.0.1"),
			       .lease_s = 3600, .plen = 24, .router = ip4("10.1.0.1"),
			       .dns = { ip4("10.1.0.53"), ip4("9.9.9.9") } };
	int n;

	ck_assert_int_eq(dh_parse(b, seed("relay_agent_info", b, sizeof(b)), &q), DH_OK);
	n = dh_build(out, sizeof(out), &q, &a);
	ck_assert_int_ge(n, DH_BOOTP_MIN);
	ck_assert_int_eq(dh_parse(out, (size_t)n, &r), DH_OK);
	ck_assert(r.op == DH_OP_REPLY && r.type == DH_OFFER && r.xid == q.xid && r.yiaddr == a.yiaddr &&
		  r.giaddr == q.giaddr && r.has_lease && r.lease_s == 3600 && r.server_id == a.server_id);
	ck_assert(r.relay_len == q.relay_len && memcmp(r.relay, q.relay, q.relay_len) == 0);
	ck_assert_int_eq(dh_option(out, (size_t)n, DH_OPT_MASK, v, sizeof(v)), 4);
	ck_assert(v[0] == 255 && v[1] == 255 && v[2] == 255 && v[3] == 0);
	ck_assert_int_eq(dh_option(out, (size_t)n, DH_OPT_DNS, v, sizeof(v)), 8);
	ck_assert_int_eq(dh_option(out, (size_t)n, DH_OPT_T1, v, sizeof(v)), 4);
	ck_assert_int_eq(v[2] << 8 | v[3], 1800);
	ck_assert_int_eq(dh_option(out, (size_t)n, DH_OPT_T2, v, sizeof(v)), 4);
	ck_assert_int_eq(v[2] << 8 | v[3], 3150);
	a.type = DH_NAK;
	n = dh_build(out, sizeof(out), &q, &a);
	ck_assert_int_eq(dh_parse(out, (size_t)n, &r), DH_OK);
	ck_assert(r.type == DH_NAK && r.yiaddr == 0 && !r.has_lease);
	ck_assert_int_eq(dh_build(out, 100, &q, &a), -ENOSPC);
}
END_TEST

static const struct dh_pool pool = { .vrf = 1, .bd = 10, .first = 0x0a01000a, .last = 0x0a01000d,
				     .server = 0x0101000a /* 10.1.0.1 */, .lease_s = 600 };

static struct dh_client
client(uint8_t id, uint8_t src, uint16_t port)
{
	struct dh_client c = { .mac = { 2, 0, 0, 0, 0, id }, .src = { 2, 0, 0, 0, 0, src }, .port = port };

	return c;
}

static struct dh_leases db;

START_TEST(allocator)
{
	struct dh_client a = client(1, 1, 0), b = client(2, 2, 0), c = client(3, 3, 0), d = client(4, 4, 0),
			 e = client(5, 5, 0);
	uint32_t res[1] = { ip4("10.1.0.11") };
	struct dh_lease *l;

	dh_leases_init(&db, 4, 100);
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &a, 0, 0, NULL, 0, 1000, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.10"));
	ck_assert_int_eq(l->state, DH_L_OFFERED);
	/* the offer again, same address; then bound */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &a, 0, 0, NULL, 0, 1001, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.10"));
	ck_assert_int_eq(dh_lease_request(&db, &pool, &a, ip4("10.1.0.10"), 0, NULL, 0, 1002, &l), 0);
	ck_assert(l->state == DH_L_BOUND && l->expires == 1602 && db.dirty);
	/* b skips the reserved (another's static) address */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &b, 0, 0, res, 1, 1003, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.12"));
	/* a wanted address, free: given */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &c, ip4("10.1.0.13"), 0, res, 1, 1003, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.13"));
	/* the pool (10..13, 11 reserved) is full */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &d, 0, 0, res, 1, 1004, &l), -ENOSPC);
	/* another's address asked for: in use; outside the pool or reserved: not yours */
	ck_assert_int_eq(dh_lease_request(&db, &pool, &d, ip4("10.1.0.10"), 0, res, 1, 1004, &l), -EADDRINUSE);
	ck_assert_int_eq(dh_lease_request(&db, &pool, &d, ip4("10.1.0.99"), 0, res, 1, 1004, &l), -ERANGE);
	ck_assert_int_eq(dh_lease_request(&db, &pool, &d, ip4("10.1.0.11"), 0, res, 1, 1004, &l), -ERANGE);
	/* the static client gets its own, whatever the pool */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &e, 0, ip4("10.1.0.11"), NULL, 0, 1004, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.11"));
	ck_assert_int_eq(dh_lease_request(&db, &pool, &e, ip4("10.1.0.12"), ip4("10.1.0.11"), NULL, 0, 1004, &l),
			 -ERANGE);
	ck_assert_int_eq(dh_lease_request(&db, &pool, &e, ip4("10.1.0.11"), ip4("10.1.0.11"), NULL, 0, 1004, &l), 0);
	ck_assert(l->is_static && l->state == DH_L_BOUND);
	/* offers expire after DH_OFFER_HOLD_S: d gets b's */
	ck_assert_int_eq(dh_lease_expire(&db, 1003 + DH_OFFER_HOLD_S), 2);
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &d, 0, 0, res, 1, 1003 + DH_OFFER_HOLD_S, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.12"));
	/* a release frees; a decline rests the address, no one's */
	ck_assert_int_eq(dh_lease_release(&db, 1, 10, b.mac, ip4("10.1.0.12")), -ENOENT);
	ck_assert_int_eq(dh_lease_release(&db, 1, 10, a.mac, ip4("10.1.0.10")), 0);
	ck_assert_ptr_null(dh_lease_of(&db, 1, 10, a.mac));
	ck_assert_int_eq(dh_lease_request(&db, &pool, &a, ip4("10.1.0.10"), 0, NULL, 0, 1100, &l), 0);
	ck_assert_int_eq(dh_lease_decline(&db, 1, 10, a.mac, ip4("10.1.0.10"), 1100), 0);
	ck_assert_ptr_null(dh_lease_of(&db, 1, 10, a.mac));
	ck_assert_ptr_nonnull(dh_lease_at(&db, 1, 10, ip4("10.1.0.10"), 1100));
	/* the declined address is skipped: a gets c's expired offer's */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &a, 0, 0, res, 1, 1101, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.13"));
	ck_assert_ptr_null(dh_lease_at(&db, 1, 10, ip4("10.1.0.10"), 1100 + DH_DECLINE_HOLD_S));
}
END_TEST

START_TEST(starvation_bounds)
{
	struct dh_pool big = pool;
	struct dh_lease *l;
	unsigned int got = 0;

	big.first = 0x0a010002;
	big.last = 0x0a0100fe;
	dh_leases_init(&db, 4, 10);
	/* one Ethernet source, 50 client addresses: 4 */
	for (uint8_t i = 1; i <= 50; i++) {
		struct dh_client c = client(i, 0xee, 1);

		got += dh_lease_offer(&db, &big, &c, 0, 0, NULL, 0, 1000, &l) == 0;
	}
	ck_assert_int_eq(got, 4);
	/* what it holds it keeps asking for */
	{
		struct dh_client c = client(1, 0xee, 1), c5 = client(5, 0xee, 1);

		ck_assert_int_eq(dh_lease_offer(&db, &big, &c, 0, 0, NULL, 0, 1001, &l), 0);
		ck_assert_int_eq(dh_lease_request(&db, &big, &c5, ip4("10.1.0.60"), 0, NULL, 0, 1001, &l), -EDQUOT);
	}
	/* one port, many sources: 10 */
	got = 0;
	for (uint8_t i = 100; i < 120; i++) {
		struct dh_client c = client(i, i, 1);

		got += dh_lease_offer(&db, &big, &c, 0, 0, NULL, 0, 1000, &l) == 0;
	}
	ck_assert_int_eq(got, 6);
	/* another port is not held back */
	{
		struct dh_client c = client(200, 200, 2);

		ck_assert_int_eq(dh_lease_offer(&db, &big, &c, 0, 0, NULL, 0, 1000, &l), 0);
	}
}
END_TEST

START_TEST(lease_file)
{
	char path[] = "/tmp/test_dhcp_XXXXXX";
	struct dh_client a = client(1, 1, 3), b = client(2, 2, 3);
	struct dh_lease *l;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	dh_leases_init(&db, 4, 100);
	ck_assert_int_eq(dh_lease_request(&db, &pool, &a, ip4("10.1.0.12"), 0, NULL, 0, 1000, &l), 0);
	snprintf(l->host, sizeof(l->host), "h1");
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &b, 0, 0, NULL, 0, 1000, &l), 0);   /* offers are not kept */
	ck_assert_int_eq(dh_lease_save(&db, path), 0);
	ck_assert(!db.dirty);
	dh_leases_init(&db, 4, 100);
	ck_assert_int_eq(dh_lease_load(&db, path, 1001), 1);
	l = dh_lease_of(&db, 1, 10, a.mac);
	ck_assert_ptr_nonnull(l);
	ck_assert(l->ip == ip4("10.1.0.12") && l->state == DH_L_BOUND && l->expires == 1600 && l->port == 3 &&
		  strcmp(l->host, "h1") == 0);
	/* the same client asks again after the restart: its address */
	ck_assert_int_eq(dh_lease_offer(&db, &pool, &a, 0, 0, NULL, 0, 1002, &l), 0);
	ck_assert_int_eq(l->ip, ip4("10.1.0.12"));
	/* expired by the time it is read: not taken */
	dh_leases_init(&db, 4, 100);
	ck_assert_int_eq(dh_lease_load(&db, path, 1600), 0);
	/* torn, foreign, absent */
	f = fopen(path, "w");
	fputs("{\"version\": 1, \"leases\": [", f);
	fclose(f);
	ck_assert_int_eq(dh_lease_load(&db, path, 1000), -EINVAL);
	f = fopen(path, "w");
	fputs("{\"version\": 2, \"leases\": []}", f);
	fclose(f);
	ck_assert_int_eq(dh_lease_load(&db, path, 1000), -EINVAL);
	f = fopen(path, "w");
	fputs("{\"version\": 1, \"leases\": [{\"vrf\": 1, \"bd\": 10, \"mac\": \"zz\", \"ip\": \"10.1.0.9\", "
	      "\"expires\": 5000}, {\"vrf\": 1, \"bd\": 9999, \"mac\": \"02:00:00:00:00:01\", \"ip\": \"10.1.0.9\", "
	      "\"expires\": 5000}, 7]}", f);
	fclose(f);
	ck_assert_int_eq(dh_lease_load(&db, path, 1000), 0);
	unlink(path);
	ck_assert_int_eq(dh_lease_load(&db, path, 1000), -ENOENT);
	ck_assert_int_eq(dh_lease_save(&db, "/nonexistent-dir/x/leases.json"), -ENOENT);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dhcp");
	TCase *tc = tcase_create("dhcp");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parse_client_messages);
	tcase_add_test(tc, parse_refusals_named);
	tcase_add_test(tc, build_reads_back);
	tcase_add_test(tc, allocator);
	tcase_add_test(tc, starvation_bounds);
	tcase_add_test(tc, lease_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
