/* flowexp's pure parts: the IPFIX encoder (byte-exact header, template and
 * record layout, the 1400-byte bound) and the flow key parser on hostile
 * frames (every truncation of valid ones, bogus tunnel headers, random
 * bytes: never a read past the end, which ASan builds catch, and never a
 * key from half a header). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fx_ipfix.h"
#include "fx_key.h"
#include "fx_names.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct fx_flow
flow4(void)
{
	struct fx_flow f;

	memset(&f, 0, sizeof(f));
	memcpy(f.k.src, "\x0a\x00\x00\x01", 4);
	memcpy(f.k.dst, "\x0a\x00\x01\x01", 4);
	f.k.sport = 30000;
	f.k.dport = 4000;
	f.k.proto = 17;
	f.k.slice = 5;
	f.k.in_port = 1;
	f.k.out_port = 2;
	f.k.flags = FX_TUN_VNI << FX_KF_TUN_SHIFT;
	f.k.tun = 0x123456;
	f.bytes = 1500;
	f.pkts = 3;
	f.start_ms = 1700000000000ull;
	f.end_ms = 1700000000250ull;
	f.reason = FX_END_IDLE;
	return f;
}

START_TEST(record_v4_byte_exact)
{
	static const uint8_t want[FX_REC_V4_LEN] = {
		10, 0, 0, 1, 10, 0, 1, 1, 0x75, 0x30, 0x0f, 0xa0, 17,
		0, 0, 0, 1, 0, 0, 0, 2,
		0, 0, 0, 0, 0, 0, 0x05, 0xdc, 0, 0, 0, 0, 0, 0, 0, 3,
		0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0xfa,
		1,
		0x01, 0, 0, 0, 0, 0x12, 0x34, 0x56,
		0, 5,
		0, 0, 0, 0,
	};
	struct fx_msg m;
	struct fx_flow f = flow4();

	fx_msg_begin(&m, 1700000000u, 42, 7);
	ck_assert_int_eq(fx_msg_add(&m, &f), 0);
	ck_assert_uint_eq(fx_msg_end(&m), 16 + 4 + FX_REC_V4_LEN);
	ck_assert_uint_eq(rd16(m.buf), 10);
	ck_assert_uint_eq(rd16(m.buf + 2), 16 + 4 + FX_REC_V4_LEN);
	ck_assert_uint_eq(rd32(m.buf + 4), 1700000000u);
	ck_assert_uint_eq(rd32(m.buf + 8), 42);
	ck_assert_uint_eq(rd32(m.buf + 12), 7);
	ck_assert_uint_eq(rd16(m.buf + 16), FX_TMPL_V4);
	ck_assert_uint_eq(rd16(m.buf + 18), 4 + FX_REC_V4_LEN);
	ck_assert_mem_eq(m.buf + 20, want, sizeof(want));
	ck_assert_uint_eq(m.n_data, 1);
}
END_TEST

/* Each template's fields add up to its record's length; enterprise
 * fields carry the PEN; the options record says 1 in n. */
START_TEST(templates_match_records)
{
	struct fx_msg m;
	size_t len;
	unsigned int off = 16, tmpl = 0;

	fx_msg_begin(&m, 1, 0, 7);
	ck_assert_int_eq(fx_msg_templates(&m, 7, 100), 0);
	len = fx_msg_end(&m);
	while (off < len) {
		uint16_t sid = rd16(m.buf + off), slen = rd16(m.buf + off + 2);
		unsigned int p = off + 4;

		ck_assert_uint_ge(slen, 4);
		if (sid == 2 || sid == 3)
			while (p < off + slen) {
				uint16_t tid = rd16(m.buf + p), n = rd16(m.buf + p + 2), total = 0;

				p += 4 + (sid == 3 ? 2 : 0);
				for (unsigned int i = 0; i < n; i++) {
					uint16_t ie = rd16(m.buf + p), l = rd16(m.buf + p + 2);

					total = (uint16_t)(total + l);
					p += 4;
					if (ie & 0x8000) {
						ck_assert_uint_eq(rd32(m.buf + p), FX_PEN);
						p += 4;
					}
				}
				ck_assert_uint_eq(total, tid == FX_TMPL_V4 ? FX_REC_V4_LEN :
						  tid == FX_TMPL_V6 ? FX_REC_V6_LEN : FX_REC_OPTS_LEN);
				tmpl++;
			}
		else {
			ck_assert_uint_eq(sid, FX_TMPL_OPTS);
			ck_assert_uint_eq(rd32(m.buf + p), 7);
			ck_assert_uint_eq(rd32(m.buf + p + 4), 1);
			ck_assert_uint_eq(rd32(m.buf + p + 8), 99);
		}
		off += slen;
	}
	ck_assert_uint_eq(off, len);
	ck_assert_uint_eq(tmpl, 3);
}
END_TEST

START_TEST(messages_stay_bounded)
{
	struct fx_msg m;
	struct fx_flow f = flow4();
	unsigned int n = 0;

	fx_msg_begin(&m, 1, 0, 1);
	for (int i = 0; i < 1000; i++) {
		f.k.flags ^= i % 3 == 0 ? FX_KF_V6 : 0;   /* sets of both templates, interleaved */
		if (fx_msg_add(&m, &f) < 0)
			break;
		n++;
	}
	ck_assert_uint_gt(n, 10);
	ck_assert_uint_le(fx_msg_end(&m), FX_MSG_MAX);
	ck_assert_uint_eq(m.n_data, n);
}
END_TEST

/* A tunnel for the parser to look into: 8-byte header, id in bytes 4-6,
 * an Ethernet frame after it (VXLAN's shape), checked as a feature would. */
static int
tun8(const uint8_t *p, uint32_t len, uint32_t *id, uint32_t *inner, bool *eth)
{
	if (len < 8 || !(p[0] & 0x08))
		return 0;
	*id = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	*inner = 8;
	*eth = true;
	return 1;
}

static size_t
udp4(uint8_t *b, const uint8_t *payload, size_t plen, uint16_t dport)
{
	size_t ip = 14, tot = 20 + 8 + plen;

	memset(b, 0, 14 + tot);
	b[12] = 0x08;
	b[ip] = 0x45;
	b[ip + 2] = (uint8_t)(tot >> 8);
	b[ip + 3] = (uint8_t)tot;
	b[ip + 9] = 17;
	memcpy(b + ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	b[ip + 20] = 0x12;
	b[ip + 21] = 0x34;
	b[ip + 22] = (uint8_t)(dport >> 8);
	b[ip + 23] = (uint8_t)dport;
	memcpy(b + ip + 28, payload, plen);
	return 14 + tot;
}

START_TEST(key_inner_and_tunnel)
{
	uint8_t inner[200], frame[300], tun[260];
	size_t il, fl;
	struct fx_key k;

	ck_assert_int_eq(fx_tun_register(4789, FX_TUN_VNI, tun8), 0);
	ck_assert_int_eq(fx_tun_register(4789, FX_TUN_VNI, tun8), -EEXIST);
	il = udp4(inner, (const uint8_t *)"hello", 5, 53);
	memset(tun, 0, 8);
	tun[0] = 0x08;
	tun[4] = 0x00;
	tun[5] = 0x10;
	tun[6] = 0x01;
	memcpy(tun + 8, inner, il);
	fl = udp4(frame, tun, 8 + il, 4789);
	memset(&k, 0, sizeof(k));
	ck_assert_uint_eq(fx_key_parse(frame, (uint32_t)fl, &k), il - 14);
	ck_assert_uint_eq(fx_key_tun_kind(&k), FX_TUN_VNI);
	ck_assert_uint_eq(k.tun, 0x1001);
	ck_assert_uint_eq(k.dport, 53);
	/* a bogus tunnel header: the outer flow, no tunnel */
	frame[14 + 28] = 0;
	memset(&k, 0, sizeof(k));
	ck_assert_uint_eq(fx_key_parse(frame, (uint32_t)fl, &k), fl - 14);
	ck_assert_uint_eq(fx_key_tun_kind(&k), FX_TUN_NONE);
	ck_assert_uint_eq(k.dport, 4789);
	frame[14 + 28] = 0x08;
	/* every truncation: never past the end (each cut is its own heap
	 * block, so ASan sees an over-read), bytes never over what is there */
	for (size_t cut = 0; cut <= fl; cut++) {
		uint8_t *b = malloc(cut ? cut : 1);
		uint32_t n;

		memcpy(b, frame, cut);
		memset(&k, 0, sizeof(k));
		n = fx_key_parse(b, (uint32_t)cut, &k);
		ck_assert_uint_le(n, cut);
		if (cut < 14 + 20)
			ck_assert_uint_eq(n, 0);
		free(b);
	}
}
END_TEST

START_TEST(key_random_bytes)
{
	uint8_t frame[300];
	struct fx_key k;

	srand(36);
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)rand() % sizeof(frame);
		uint8_t *b = malloc(len ? len : 1);

		for (size_t j = 0; j < len; j++)
			b[j] = (uint8_t)rand();
		/* often enough something that gets past the first checks */
		if (len > 14 && i % 2) {
			b[12] = i % 4 == 1 ? 0x08 : 0x86;
			b[13] = i % 4 == 1 ? 0x00 : 0xdd;
			b[14] = (uint8_t)((i % 4 == 1 ? 0x40 : 0x60) | (b[14] & 0x0f));
		}
		if (len > 14 + 40 && i % 8 == 1) {
			b[14 + 9] = 17;
			b[14 + 22] = 0x12;
			b[14 + 23] = 0xb5;   /* 4789 */
		}
		memset(&k, 0, sizeof(k));
		ck_assert_uint_le(fx_key_parse(b, (uint32_t)len, &k), len);
		free(b);
	}
}
END_TEST

/* The decapsulators' registry: the first that knows the packet answers;
 * none: no tunnel; a full registry refuses. md is opaque to flowexp. */
static int
decap_a(const struct dp_meta *md, enum fx_tun_kind *kind, uint32_t *id)
{
	if ((uintptr_t)md != 0xa)
		return 0;
	*kind = FX_TUN_VNI;
	*id = 5000;
	return 1;
}

static int
decap_b(const struct dp_meta *md, enum fx_tun_kind *kind, uint32_t *id)
{
	*kind = (uintptr_t)md == 0xb ? FX_TUN_TEID : FX_TUN_NONE;
	*id = 77;
	return 1;
}

START_TEST(decap_registry)
{
	uint32_t id = 0;

	ck_assert_int_eq(fx_decap_find((const struct dp_meta *)0xa, &id), FX_TUN_NONE);
	ck_assert_int_eq(fx_decap_register(NULL), -EINVAL);
	ck_assert_int_eq(fx_decap_register(decap_a), 0);
	ck_assert_int_eq(fx_decap_register(decap_b), 0);
	ck_assert_int_eq(fx_decap_find((const struct dp_meta *)0xa, &id), FX_TUN_VNI);
	ck_assert_uint_eq(id, 5000);
	ck_assert_int_eq(fx_decap_find((const struct dp_meta *)0xb, &id), FX_TUN_TEID);
	ck_assert_uint_eq(id, 77);
	/* b says 1 with no kind: not an answer */
	ck_assert_int_eq(fx_decap_find((const struct dp_meta *)0xc, &id), FX_TUN_NONE);
	for (int i = 2; i < FX_DECAP_MAX; i++)
		ck_assert_int_eq(fx_decap_register(decap_b), 0);
	ck_assert_int_eq(fx_decap_register(decap_b), -ENOSPC);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flowexp");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, record_v4_byte_exact);
	tcase_add_test(tc, templates_match_records);
	tcase_add_test(tc, messages_stay_bounded);
	tcase_add_test(tc, key_inner_and_tunnel);
	tcase_add_test(tc, key_random_bytes);
	tcase_add_test(tc, decap_registry);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
