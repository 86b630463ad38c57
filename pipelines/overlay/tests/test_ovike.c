/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv2's codec and keys (ov_ikemsg, ov_ikecrypto): messages built and read back, every truncation and flipped byte refused or read within bounds, the DH groups both ways, RFC 7748's and RFC 4231's known answers, prf+ by its definition, the SK payload sealed and refused when touched. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/hmac.h>

#include "ov_ikecrypto.h"
#include "ov_ikemsg.h"

static void
unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned int v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* An IKE_SA_INIT as an initiator sends it: SA, KE, Nonce, two notifies. */
static size_t
sample(uint8_t *out, size_t cap)
{
	struct ov_ike_hdr h = { .spi_i = 0x1122334455667788ull, .exchange = OV_IKE_SA_INIT, .flags = OV_IKE_F_INITIATOR };
	struct ov_ike_xf xf[] = { { OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, 256 }, { OV_IKE_XF_PRF, 5, 0 },
				  { OV_IKE_XF_DH, 31, 0 } };
	uint8_t body[256], ke[36] = { 0, 31 }, nonce[32], n[64];
	struct ov_ike_buf b;
	int len;

	memset(nonce, 7, sizeof(nonce));
	ov_ike_buf_init(&b, out, cap);
	ov_ike_put_hdr(&b, &h);
	len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, NULL, 0, xf, 3);
	ck_assert_int_gt(len, 0);
	ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_put(&b, OV_IKE_PL_KE, ke, sizeof(ke));
	ov_ike_put(&b, OV_IKE_PL_NONCE, nonce, sizeof(nonce));
	len = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_NAT_DETECTION_SOURCE_IP, nonce, 20);
	ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)len);
	ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)len);
	len = ov_ike_end(&b);
	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

START_TEST(built_and_read_back)
{
	uint8_t buf[1024];
	size_t len = sample(buf, sizeof(buf));
	struct ov_ike_msg m;
	struct ov_ike_sa sa;
	struct ov_ike_notify n;
	const uint8_t *d;
	size_t dl;
	uint16_t g;
	const char *why = NULL;

	ck_assert_int_eq(ov_ike_parse(buf, len, &m, &why), 0);
	ck_assert_uint_eq(m.h.spi_i, 0x1122334455667788ull);
	ck_assert_uint_eq(m.h.length, len);
	ck_assert_uint_eq(m.n, 5);
	ck_assert_int_eq(m.pl[0].type, OV_IKE_PL_SA);
	ck_assert_int_eq(ov_ike_read_sa(&m.pl[0], &sa, &why), 0);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_int_eq(sa.prop[0].proto, OV_IKE_PROTO_IKE);
	ck_assert_int_eq(sa.prop[0].xf[OV_IKE_XF_ENCR][0].id, OV_IKE_ENCR_AES_GCM_16);
	ck_assert_int_eq(sa.prop[0].xf[OV_IKE_XF_ENCR][0].keylen, 256);
	ck_assert_int_eq(sa.prop[0].xf[OV_IKE_XF_DH][0].id, 31);
	ck_assert(!sa.prop[0].unknown_attr);
	ck_assert_int_eq(ov_ike_read_ke(ov_ike_find(&m, OV_IKE_PL_KE), &g, &d, &dl, &why), 0);
	ck_assert_int_eq(g, 31);
	ck_assert_uint_eq(dl, 32);
	ck_assert_int_eq(ov_ike_find_notify(&m, OV_IKE_N_NAT_DETECTION_SOURCE_IP, &n), 0);
	ck_assert_uint_eq(n.data_len, 20);
	ck_assert_int_eq(ov_ike_find_notify(&m, OV_IKE_N_COOKIE, &n), -ENOENT);
}
END_TEST

START_TEST(every_truncation_refused)
{
	uint8_t buf[1024], cut[1024];
	size_t len = sample(buf, sizeof(buf));
	struct ov_ike_msg m;
	const char *why;

	for (size_t l = 0; l < len; l++) {
		memcpy(cut, buf, l);
		why = NULL;
		/* the header says its length: a shorter datagram is refused, named */
		ck_assert_int_eq(ov_ike_parse(cut, l, &m, &why), -EBADMSG);
		ck_assert_ptr_nonnull(why);
		/* and with the length fixed up, the chain does not hold */
		if (l >= OV_IKE_HDR) {
			ov_ike_be32(cut + 24, (uint32_t)l);
			ck_assert(ov_ike_parse(cut, l, &m, &why) == -EBADMSG || l == OV_IKE_HDR);
		}
	}
}
END_TEST

START_TEST(flipped_bytes_stay_in_bounds)
{
	uint8_t buf[1024], x[1024];
	size_t len = sample(buf, sizeof(buf));

	srand(7);
	for (int i = 0; i < 20000; i++) {
		struct ov_ike_msg m;
		int rc;

		memcpy(x, buf, len);
		for (int k = 0; k < 1 + i % 4; k++)
			x[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
		rc = ov_ike_parse(x, len, &m, NULL);
		ck_assert(rc == 0 || rc == -EBADMSG);
		for (size_t p = 0; rc == 0 && p < m.n; p++) {
			struct ov_ike_sa sa;
			struct ov_ike_tss ts;
			struct ov_ike_notify n;

			/* every body within the datagram */
			ck_assert(m.pl[p].body >= x && m.pl[p].body + m.pl[p].len <= x + len);
			(void)ov_ike_read_sa(&m.pl[p], &sa, NULL);
			(void)ov_ike_read_ts(&m.pl[p], &ts, NULL);
			(void)ov_ike_read_notify(&m.pl[p], &n, NULL);
			ck_assert(ts.n <= OV_IKE_TS_MAX && sa.n <= OV_IKE_PROP_MAX);
		}
	}
}
END_TEST

START_TEST(hostile_chains)
{
	uint8_t buf[2048];
	struct ov_ike_hdr h = { .exchange = OV_IKE_INFORMATIONAL };
	struct ov_ike_buf b;
	struct ov_ike_msg m;
	const char *why;

	/* more payloads than are read */
	ov_ike_buf_init(&b, buf, sizeof(buf));
	ov_ike_put_hdr(&b, &h);
	for (int i = 0; i < OV_IKE_PL_MAX + 1; i++)
		ov_ike_put(&b, OV_IKE_PL_VENDOR, "v", 1);
	ck_assert_int_gt(ov_ike_end(&b), 0);
	ck_assert_int_eq(ov_ike_parse(buf, b.len, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "too many payloads");
	/* a payload length of 0 (a loop, were it trusted) */
	ov_ike_buf_init(&b, buf, sizeof(buf));
	ov_ike_put_hdr(&b, &h);
	ov_ike_put(&b, OV_IKE_PL_VENDOR, "v", 1);
	ov_ike_end(&b);
	ov_ike_be16(buf + OV_IKE_HDR + 2, 0);
	ck_assert_int_eq(ov_ike_parse(buf, b.len, &m, &why), -EBADMSG);
	/* something after the SK payload */
	ov_ike_buf_init(&b, buf, sizeof(buf));
	ov_ike_put_hdr(&b, &h);
	ov_ike_put_sk_hdr(&b, OV_IKE_PL_NONE, 30);
	ov_ike_raw(&b, buf, 30);
	ov_ike_raw(&b, "xxxx", 4);
	ov_ike_end(&b);
	ck_assert_int_eq(ov_ike_parse(buf, b.len, &m, &why), -EBADMSG);
	/* version 1 */
	ov_ike_buf_init(&b, buf, sizeof(buf));
	ov_ike_put_hdr(&b, &h);
	ov_ike_end(&b);
	buf[17] = 0x10;
	ck_assert_int_eq(ov_ike_parse(buf, b.len, &m, &why), -EBADMSG);
	/* no room: refused, never past the buffer */
	ov_ike_buf_init(&b, buf, 40);
	ov_ike_put_hdr(&b, &h);
	ov_ike_put(&b, OV_IKE_PL_VENDOR, buf + 100, 100);
	ck_assert_int_eq(ov_ike_end(&b), -ENOSPC);
}
END_TEST

/* Selectors of both families: written as RFC 7296 3.13.1 has them (IPv4's
 * 16 bytes, IPv6's 40), read back; a wrong length refused whatever the
 * count says; another type skipped. */
START_TEST(selectors_of_both_families)
{
	struct ov_ike_ts ts[2] = {
		{ .type = OV_IKE_TS_IPV4_ADDR_RANGE, .port_hi = 0xffff,
		  .lo = { [10] = 0xff, 0xff, 10, 0, 0, 1 }, .hi = { [10] = 0xff, 0xff, 10, 0, 0, 9 } },
		{ .type = OV_IKE_TS_IPV6_ADDR_RANGE, .proto = 17, .port_lo = 4789, .port_hi = 4789,
		  .lo = { 0xfd, [15] = 1 }, .hi = { 0xfd, [15] = 2 } } };
	static const uint8_t v6_wire[40] = { 8, 17, 0, 40, 0x12, 0xb5, 0x12, 0xb5, 0xfd, [23] = 1, 0xfd, [39] = 2 };
	static const uint8_t v4_wire[16] = { 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 0, 0, 1, 10, 0, 0, 9 };
	uint8_t body[128], fc[] = { 1, 0, 0, 0, 9, 0, 0, 8, 1, 2, 3, 4 };
	struct ov_ike_pl pl = { .type = OV_IKE_PL_TSI, .body = body };
	struct ov_ike_tss got;
	const char *why;
	int len;

	ck_assert_int_eq(len = ov_ike_body_ts(body, sizeof(body), ts, 2), 4 + 16 + 40);
	ck_assert_int_eq(body[0], 2);
	ck_assert_mem_eq(body + 4, v4_wire, 16);
	ck_assert_mem_eq(body + 20, v6_wire, 40);
	pl.len = (uint16_t)len;
	ck_assert_int_eq(ov_ike_read_ts(&pl, &got, &why), 0);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_mem_eq(&got.ts[0], &ts[0], sizeof(ts[0]));
	ck_assert_mem_eq(&got.ts[1], &ts[1], sizeof(ts[1]));
	/* no room for the IPv6 one, or a type this box does not write */
	ck_assert_int_eq(ov_ike_body_ts(body, 4 + 16 + 39, ts, 2), -ENOSPC);
	ts[0].type = 9;
	ck_assert_int_eq(ov_ike_body_ts(body, sizeof(body), ts, 2), -EINVAL);
	/* an IPv6 selector of an IPv4's length, and one claiming more than there is */
	ck_assert_int_eq(ov_ike_body_ts(body, sizeof(body), &ts[1], 1), 44);
	ov_ike_be16(body + 4 + 2, 16);
	pl.len = 4 + 16;
	ck_assert_int_eq(ov_ike_read_ts(&pl, &got, &why), -EBADMSG);
	ck_assert_str_eq(why, "an IPv6 selector not 40 bytes");
	ov_ike_be16(body + 4 + 2, 40);
	pl.len = 4 + 39;
	ck_assert_int_eq(ov_ike_read_ts(&pl, &got, &why), -EBADMSG);
	/* a Fibre Channel selector (type 9): skipped, its length still held to */
	memcpy(body, fc, sizeof(fc));
	pl.len = sizeof(fc);
	ck_assert_int_eq(ov_ike_read_ts(&pl, &got, &why), 0);
	ck_assert_uint_eq(got.n, 0);
	pl.len = sizeof(fc) - 1;
	ck_assert_int_eq(ov_ike_read_ts(&pl, &got, &why), -EBADMSG);
}
END_TEST

START_TEST(hmac_and_prfplus)
{
	static const char *want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	uint8_t out[64], w[32], t[3 * 32], exp[3 * 32], s[8] = "seedseed";
	struct iovec v = { (void *)"what do ya want for nothing?", 28 };
	unsigned int l;

	unhex(want, w);
	ck_assert_int_eq(ov_ike_prf(OV_IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"Jefe", 4, &v, 1, out), 0);
	ck_assert_mem_eq(out, w, 32);
	/* prf+ by its definition: T1 = prf(K, S | 1), T2 = prf(K, T1 | S | 2), ... */
	v = (struct iovec){ s, sizeof(s) };
	ck_assert_int_eq(ov_ike_prfplus(OV_IKE_PRF_HMAC_SHA2_256, (const uint8_t *)"key", 3, &v, 1, t, 80), 0);
	{
		uint8_t in[32 + 8 + 1];

		memcpy(in, s, 8);
		in[8] = 1;
		HMAC(EVP_sha256(), "key", 3, in, 9, exp, &l);
		memcpy(in, exp, 32);
		memcpy(in + 32, s, 8);
		in[40] = 2;
		HMAC(EVP_sha256(), "key", 3, in, 41, exp + 32, &l);
		memcpy(in, exp + 32, 32);
		in[40] = 3;
		HMAC(EVP_sha256(), "key", 3, in, 41, exp + 64, &l);
	}
	ck_assert_mem_eq(t, exp, 80);
	ck_assert_int_eq(ov_ike_prf(99, (const uint8_t *)"k", 1, &v, 1, out), -EINVAL);
}
END_TEST

START_TEST(x25519_known_answer)
{
	uint8_t a[32], bp[32], pub[32], s[32], want[32], apub[32];
	struct ov_ike_dh *dh;
	size_t len;

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", apub);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bp);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want);
	ck_assert_int_eq(ov_ike_dh_new(OV_IKE_DH_CURVE25519, a, 32, &dh, pub), 0);
	ck_assert_mem_eq(pub, apub, 32);
	ck_assert_int_eq(ov_ike_dh_shared(dh, bp, 32, s, &len), 0);
	ck_assert_uint_eq(len, 32);
	ck_assert_mem_eq(s, want, 32);
	/* a small-order value (all zero) gives no secret */
	memset(bp, 0, 32);
	ck_assert_int_eq(ov_ike_dh_shared(dh, bp, 32, s, &len), -EINVAL);
	ck_assert_int_eq(ov_ike_dh_shared(dh, bp, 31, s, &len), -EINVAL);
	ov_ike_dh_free(dh);
}
END_TEST

START_TEST(groups_agree_and_refuse_bad_values)
{
	static const uint16_t groups[] = { OV_IKE_DH_CURVE25519, OV_IKE_DH_ECP_256, OV_IKE_DH_MODP_2048 };

	for (size_t g = 0; g < 3; g++) {
		uint8_t pa[OV_IKE_DH_MAX], pb[OV_IKE_DH_MAX], sa[OV_IKE_DH_MAX], sb[OV_IKE_DH_MAX], bad[OV_IKE_DH_MAX];
		size_t la = 0, lb = 0, n = ov_ike_dh_len(groups[g]);
		struct ov_ike_dh *a, *b;

		ck_assert_int_eq(ov_ike_dh_new(groups[g], NULL, 0, &a, pa), 0);
		ck_assert_int_eq(ov_ike_dh_new(groups[g], NULL, 0, &b, pb), 0);
		ck_assert_int_eq(ov_ike_dh_shared(a, pb, n, sa, &la), 0);
		ck_assert_int_eq(ov_ike_dh_shared(b, pa, n, sb, &lb), 0);
		ck_assert_uint_eq(la, lb);
		ck_assert_mem_eq(sa, sb, la);
		/* off the curve, or y = 1: refused */
		memset(bad, 0, sizeof(bad));
		if (groups[g] != OV_IKE_DH_CURVE25519) {
			bad[n - 1] = 1;
			ck_assert_int_eq(ov_ike_dh_shared(a, bad, n, sa, &la), -EINVAL);
		}
		ov_ike_dh_free(a);
		ov_ike_dh_free(b);
	}
	ck_assert_int_eq(ov_ike_dh_new(2, NULL, 0, &(struct ov_ike_dh *){ NULL }, (uint8_t[8]){ 0 }), -EINVAL);
}
END_TEST

START_TEST(sk_sealed_and_touched)
{
	uint8_t key[36], msg[512], plain[200], got[512], body[512];
	struct ov_ike_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = OV_IKE_AUTH, .msgid = 1 };
	struct ov_ike_buf b;
	struct ov_ike_msg m;
	size_t plen, aad;

	memset(key, 0x42, sizeof(key));
	memset(plain, 0x5a, sizeof(plain));
	ov_ike_buf_init(&b, msg, sizeof(msg));
	ov_ike_put_hdr(&b, &h);
	ov_ike_put_sk_hdr(&b, OV_IKE_PL_IDI, sizeof(plain) + OV_IKE_SK_OVERHEAD);
	aad = b.len;
	ov_ike_be32(msg + 24, (uint32_t)(aad + sizeof(plain) + OV_IKE_SK_OVERHEAD));
	ck_assert_int_eq(ov_ike_seal(key, 36, 9, msg, aad, plain, sizeof(plain), body), 0);
	ov_ike_raw(&b, body, sizeof(plain) + OV_IKE_SK_OVERHEAD);
	ck_assert_int_gt(ov_ike_end(&b), 0);
	ck_assert_int_eq(ov_ike_parse(msg, b.len, &m, NULL), 0);
	ck_assert_uint_eq(m.sk_at, OV_IKE_HDR);
	ck_assert_int_eq(ov_ike_open(key, 36, msg, m.sk_at + 4, m.pl[0].body, m.pl[0].len, got, &plen), 0);
	ck_assert_uint_eq(plen, sizeof(plain));
	ck_assert_mem_eq(got, plain, plen);
	/* any byte touched, the header's included: refused */
	for (size_t i = 0; i < b.len; i++) {
		msg[i] ^= 1;
		ck_assert_int_eq(ov_ike_open(key, 36, msg, m.sk_at + 4, m.pl[0].body, m.pl[0].len, got, &plen), -EBADMSG);
		msg[i] ^= 1;
	}
	/* too short to hold an IV and ICV */
	ck_assert_int_eq(ov_ike_open(key, 36, msg, 32, body, OV_IKE_SK_OVERHEAD - 1, got, &plen), -EBADMSG);
	/* a 128-bit key */
	ck_assert_int_eq(ov_ike_seal(key, 20, 1, msg, 10, plain, 5, body), 0);
	ck_assert_int_eq(ov_ike_open(key, 20, msg, 10, body, 5 + OV_IKE_SK_OVERHEAD, got, &plen), 0);
	ck_assert_uint_eq(plen, 5);
}
END_TEST

START_TEST(keys_both_sides_agree)
{
	struct ov_ike_keys a, b;
	uint8_t gir[32], ni[32], nr[20], i2r_a[36], r2i_a[36], i2r_b[36], r2i_b[36];

	memset(gir, 1, sizeof(gir));
	memset(ni, 2, sizeof(ni));
	memset(nr, 3, sizeof(nr));
	ck_assert_int_eq(ov_ike_keys_derive(&a, OV_IKE_PRF_HMAC_SHA2_256, 256, NULL, gir, 32, ni, 32, nr, 20, 5, 6), 0);
	ck_assert_int_eq(ov_ike_keys_derive(&b, OV_IKE_PRF_HMAC_SHA2_256, 256, NULL, gir, 32, ni, 32, nr, 20, 5, 6), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_uint_eq(a.enc_len, 36);
	ck_assert(memcmp(a.sk_ei, a.sk_er, 36) != 0);
	ck_assert_int_eq(ov_ike_child_keys(&a, NULL, 0, ni, 32, nr, 20, 36, i2r_a, r2i_a), 0);
	ck_assert_int_eq(ov_ike_child_keys(&b, NULL, 0, ni, 32, nr, 20, 36, i2r_b, r2i_b), 0);
	ck_assert_mem_eq(i2r_a, i2r_b, 36);
	ck_assert(memcmp(i2r_a, r2i_a, 36) != 0);
	/* a rekey's keys are another's */
	ck_assert_int_eq(ov_ike_keys_derive(&b, OV_IKE_PRF_HMAC_SHA2_256, 256, a.sk_d, gir, 32, ni, 32, nr, 20, 7, 8), 0);
	ck_assert(memcmp(a.sk_d, b.sk_d, 32) != 0);
	ck_assert_int_eq(ov_ike_keys_derive(&b, OV_IKE_PRF_HMAC_SHA2_256, 192, NULL, gir, 32, ni, 32, nr, 20, 5, 6),
			 -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ovike");
	TCase *t = tcase_create("ike");
	SRunner *r;
	int failed;

	tcase_add_test(t, built_and_read_back);
	tcase_add_test(t, every_truncation_refused);
	tcase_add_test(t, flipped_bytes_stay_in_bounds);
	tcase_add_test(t, hostile_chains);
	tcase_add_test(t, selectors_of_both_families);
	tcase_add_test(t, hmac_and_prfplus);
	tcase_add_test(t, x25519_known_answer);
	tcase_add_test(t, groups_agree_and_refuse_bad_values);
	tcase_add_test(t, sk_sealed_and_touched);
	tcase_add_test(t, keys_both_sides_agree);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
