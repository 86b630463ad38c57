/* WireGuard's handshake (pipelines/overlay/control/ov_noise.c): a whole
 * handshake both ways round, known answers from an implementation apart
 * from it (wg_vectors.py, beside this file: python3-cryptography, not
 * libsodium), every byte of each message flipped, cookies, low-order keys,
 * pre-shared keys and TAI64N. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ov_noise.h"

/* wg_vectors.py begin */
#define KAT_I_INDEX 0x11223344u
#define KAT_R_INDEX 0xa1b2c3d4u
static const uint8_t kat_s_i[32] = {
	0x7a, 0x66, 0x0f, 0x3a, 0x76, 0xe5, 0x18, 0x96, 0x11, 0x22, 0x4a, 0xcb,
	0x7d, 0x66, 0x59, 0x09, 0xee, 0x59, 0xbe, 0x9d, 0x6a, 0x05, 0xe8, 0x89,
	0x94, 0x76, 0x4c, 0x90, 0xb4, 0x19, 0x16, 0x4d,
};
static const uint8_t kat_s_r[32] = {
	0x44, 0x5e, 0xa6, 0x9d, 0x9c, 0x4c, 0xde, 0x87, 0xae, 0x2f, 0x11, 0xf7,
	0x51, 0xdc, 0xb0, 0xe9, 0x34, 0x84, 0x6c, 0xf3, 0xa3, 0x8c, 0x28, 0x98,
	0x0a, 0x25, 0xcd, 0x8c, 0xf3, 0x55, 0xe3, 0xee,
};
static const uint8_t kat_e_i[32] = {
	0xea, 0x39, 0x3b, 0x19, 0x2f, 0xc9, 0x0f, 0x9c, 0xa7, 0x81, 0x85, 0x3b,
	0xb5, 0x17, 0xe6, 0xec, 0xdb, 0x47, 0x65, 0xea, 0x1d, 0x2c, 0x9f, 0x86,
	0x9c, 0x9a, 0x8a, 0x5d, 0xc1, 0xc5, 0xdd, 0xe5,
};
static const uint8_t kat_e_r[32] = {
	0x7a, 0xf4, 0xd7, 0x0e, 0x01, 0xa0, 0x61, 0x1e, 0x5c, 0x82, 0x8f, 0xa2,
	0x91, 0xd7, 0xf1, 0x52, 0x37, 0x6b, 0xfa, 0xce, 0x59, 0xf1, 0x23, 0x75,
	0xac, 0x13, 0x34, 0x17, 0x56, 0x2a, 0x4e, 0x67,
};
static const uint8_t kat_psk[32] = {
	0x93, 0xaf, 0x72, 0x6d, 0x6e, 0xe6, 0x91, 0xda, 0x98, 0xc3, 0xbd, 0xa0,
	0xdd, 0xbb, 0xd0, 0x2e, 0xcc, 0x52, 0x7c, 0x56, 0x1e, 0x0f, 0x8b, 0xa1,
	0xb8, 0xe3, 0x34, 0x39, 0x37, 0x35, 0x02, 0x33,
};
static const uint8_t kat_tai[12] = {
	0x40, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x0a, 0x07, 0x00, 0x00, 0x00,
};
static const uint8_t kat_cookie_secret[32] = {
	0x70, 0x03, 0x13, 0x01, 0x1d, 0x08, 0x17, 0xc9, 0x4e, 0xa4, 0x98, 0xf9,
	0x61, 0xb0, 0x90, 0x26, 0x16, 0x34, 0x26, 0x67, 0x80, 0xfd, 0xe2, 0xb3,
	0x28, 0xfe, 0xd5, 0x7f, 0x0e, 0x95, 0xea, 0xd4,
};
static const uint8_t kat_cookie_addr[6] = {
	0xc0, 0x00, 0x02, 0x01, 0xca, 0x6c,
};
static const uint8_t kat_cookie[16] = {
	0xb6, 0x53, 0x88, 0x7c, 0x82, 0x3b, 0xa6, 0x65, 0x22, 0xab, 0x5b, 0x67,
	0x13, 0x59, 0x92, 0x2f,
};
static const uint8_t kat_init[148] = {
	0x01, 0x00, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11, 0x1f, 0xb2, 0x2d, 0x22,
	0x84, 0x3e, 0x83, 0xc5, 0x61, 0x6c, 0x4e, 0x80, 0xca, 0xa0, 0x91, 0x33,
	0x1a, 0x66, 0xff, 0x0e, 0x74, 0x57, 0x3e, 0x68, 0xe0, 0x84, 0xdd, 0x14,
	0x51, 0x72, 0xa4, 0x5c, 0x88, 0x70, 0x06, 0xed, 0x4f, 0xac, 0xd7, 0x58,
	0xcb, 0xf7, 0x4d, 0x23, 0xd7, 0x91, 0xa8, 0xad, 0x13, 0x91, 0x05, 0x25,
	0x62, 0x9a, 0x4a, 0x2f, 0x39, 0x58, 0x35, 0xdf, 0x13, 0x04, 0x48, 0x54,
	0xfe, 0xfc, 0xb3, 0x3e, 0xc7, 0x67, 0xea, 0x9a, 0xd2, 0x33, 0x11, 0xfe,
	0xdd, 0x54, 0x3b, 0xb4, 0xde, 0x2e, 0x77, 0x84, 0xd2, 0xc1, 0x80, 0x91,
	0x43, 0x23, 0xdf, 0x25, 0xcf, 0xcb, 0x5a, 0xcc, 0xd3, 0x01, 0x95, 0x7f,
	0xb2, 0x67, 0x0a, 0x99, 0x83, 0x13, 0x5c, 0x3c, 0x52, 0xdd, 0x62, 0xaa,
	0x0c, 0x56, 0x96, 0xd5, 0x1b, 0xcc, 0x8f, 0x84, 0xe2, 0x68, 0x36, 0x4d,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t kat_init_cookie[148] = {
	0x01, 0x00, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11, 0x1f, 0xb2, 0x2d, 0x22,
	0x84, 0x3e, 0x83, 0xc5, 0x61, 0x6c, 0x4e, 0x80, 0xca, 0xa0, 0x91, 0x33,
	0x1a, 0x66, 0xff, 0x0e, 0x74, 0x57, 0x3e, 0x68, 0xe0, 0x84, 0xdd, 0x14,
	0x51, 0x72, 0xa4, 0x5c, 0x88, 0x70, 0x06, 0xed, 0x4f, 0xac, 0xd7, 0x58,
	0xcb, 0xf7, 0x4d, 0x23, 0xd7, 0x91, 0xa8, 0xad, 0x13, 0x91, 0x05, 0x25,
	0x62, 0x9a, 0x4a, 0x2f, 0x39, 0x58, 0x35, 0xdf, 0x13, 0x04, 0x48, 0x54,
	0xfe, 0xfc, 0xb3, 0x3e, 0xc7, 0x67, 0xea, 0x9a, 0xd2, 0x33, 0x11, 0xfe,
	0xdd, 0x54, 0x3b, 0xb4, 0xde, 0x2e, 0x77, 0x84, 0xd2, 0xc1, 0x80, 0x91,
	0x43, 0x23, 0xdf, 0x25, 0xcf, 0xcb, 0x5a, 0xcc, 0xd3, 0x01, 0x95, 0x7f,
	0xb2, 0x67, 0x0a, 0x99, 0x83, 0x13, 0x5c, 0x3c, 0x52, 0xdd, 0x62, 0xaa,
	0x0c, 0x56, 0x96, 0xd5, 0x1b, 0xcc, 0x8f, 0x84, 0xe2, 0x68, 0x36, 0x4d,
	0xd0, 0xf1, 0x02, 0xba, 0xff, 0xd8, 0x4f, 0xfe, 0x68, 0x55, 0x22, 0xc9,
	0x8b, 0xe4, 0xef, 0xbf,
};
static const uint8_t kat_resp[92] = {
	0x02, 0x00, 0x00, 0x00, 0xd4, 0xc3, 0xb2, 0xa1, 0x44, 0x33, 0x22, 0x11,
	0xcf, 0xb8, 0x2a, 0x4c, 0x40, 0xec, 0x91, 0xc2, 0x0e, 0x0c, 0x4c, 0x13,
	0x1a, 0x3b, 0xdb, 0x79, 0x33, 0xb3, 0x01, 0x87, 0x94, 0x5a, 0x52, 0x05,
	0xf2, 0x5d, 0x5f, 0xaa, 0x6e, 0xb6, 0x8e, 0x67, 0x5c, 0x25, 0x56, 0x6d,
	0x62, 0x9b, 0xaa, 0xf1, 0xe6, 0x6f, 0x3e, 0x0e, 0xaa, 0xc4, 0xaa, 0xd2,
	0x0b, 0x9e, 0xf7, 0x01, 0xca, 0xe1, 0x40, 0x66, 0xfb, 0x65, 0x13, 0x77,
	0xb5, 0xe0, 0x6e, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t kat_resp_cookie[92] = {
	0x02, 0x00, 0x00, 0x00, 0xd4, 0xc3, 0xb2, 0xa1, 0x44, 0x33, 0x22, 0x11,
	0xcf, 0xb8, 0x2a, 0x4c, 0x40, 0xec, 0x91, 0xc2, 0x0e, 0x0c, 0x4c, 0x13,
	0x1a, 0x3b, 0xdb, 0x79, 0x33, 0xb3, 0x01, 0x87, 0x94, 0x5a, 0x52, 0x05,
	0xf2, 0x5d, 0x5f, 0xaa, 0x6e, 0xb6, 0x8e, 0x67, 0x5c, 0x25, 0x56, 0x6d,
	0x62, 0x9b, 0xaa, 0xf1, 0xe6, 0x6f, 0x3e, 0x0e, 0xaa, 0xc4, 0xaa, 0xd2,
	0x0b, 0x9e, 0xf7, 0x01, 0xca, 0xe1, 0x40, 0x66, 0xfb, 0x65, 0x13, 0x77,
	0xb5, 0xe0, 0x6e, 0xe2, 0x9d, 0x45, 0x36, 0x78, 0x5e, 0xf9, 0xc1, 0x48,
	0x1f, 0x7d, 0x81, 0x7e, 0x23, 0x7c, 0x98, 0xae,
};
static const uint8_t kat_i_send[32] = {
	0x78, 0x35, 0x7f, 0x89, 0xbb, 0x33, 0xf0, 0x1c, 0xea, 0x56, 0xcd, 0xaa,
	0xa6, 0xa8, 0x27, 0x43, 0x73, 0xbb, 0x9d, 0x52, 0x74, 0x67, 0xe6, 0x94,
	0x4a, 0x12, 0x03, 0x30, 0x10, 0xf0, 0xd7, 0xbd,
};
static const uint8_t kat_i_recv[32] = {
	0x78, 0x47, 0x6a, 0x71, 0x61, 0x5f, 0xb0, 0x93, 0xf7, 0xd8, 0x02, 0x63,
	0xd5, 0x01, 0x3b, 0x5d, 0x83, 0x2c, 0x61, 0xa1, 0xcf, 0x81, 0x1b, 0x47,
	0x84, 0x44, 0x31, 0xcd, 0x76, 0xe7, 0xd4, 0x46,
};
static const uint8_t kat_r_send[32] = {
	0x78, 0x47, 0x6a, 0x71, 0x61, 0x5f, 0xb0, 0x93, 0xf7, 0xd8, 0x02, 0x63,
	0xd5, 0x01, 0x3b, 0x5d, 0x83, 0x2c, 0x61, 0xa1, 0xcf, 0x81, 0x1b, 0x47,
	0x84, 0x44, 0x31, 0xcd, 0x76, 0xe7, 0xd4, 0x46,
};
static const uint8_t kat_r_recv[32] = {
	0x78, 0x35, 0x7f, 0x89, 0xbb, 0x33, 0xf0, 0x1c, 0xea, 0x56, 0xcd, 0xaa,
	0xa6, 0xa8, 0x27, 0x43, 0x73, 0xbb, 0x9d, 0x52, 0x74, 0x67, 0xe6, 0x94,
	0x4a, 0x12, 0x03, 0x30, 0x10, 0xf0, 0xd7, 0xbd,
};
static const uint8_t kat_cookie_reply[64] = {
	0x03, 0x00, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11, 0x00, 0x01, 0x02, 0x03,
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x4b, 0xe2, 0x6c, 0xa7,
	0xe4, 0x6e, 0xc9, 0xef, 0x28, 0xe9, 0x44, 0x79, 0xe0, 0x9f, 0x3e, 0x68,
	0x69, 0xe5, 0x9e, 0x90, 0xc3, 0x00, 0x63, 0xa3, 0x8c, 0xc7, 0x35, 0xff,
	0xda, 0x06, 0x51, 0xda,
};
/* wg_vectors.py end */

/* the points of small order X25519 must refuse: 0, 1, the two of order 8, p-1, p, p+1 */
static const uint8_t low_order[][32] = {
	{ 0 },
	{ 1 },
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
	  0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

/* both ends, each with the other as its peer */
struct ends {
	struct ov_noise_static si, sr;
	struct ov_noise_peer pi, pr;	/* pi: the responder as the initiator's peer; pr: the initiator as the responder's */
};

static void
ends_init(struct ends *e, const uint8_t *priv_i, const uint8_t *priv_r, const uint8_t *psk_i, const uint8_t *psk_r)
{
	uint8_t priv[32], pub[32];

	if (!priv_i) {
		ck_assert_int_eq(ov_noise_keypair(priv, pub), 0);
		priv_i = priv;
	}
	ck_assert_int_eq(ov_noise_static_init(&e->si, priv_i), 0);
	if (!priv_r) {
		ck_assert_int_eq(ov_noise_keypair(priv, pub), 0);
		priv_r = priv;
	}
	ck_assert_int_eq(ov_noise_static_init(&e->sr, priv_r), 0);
	ck_assert_int_eq(ov_noise_peer_init(&e->pi, &e->si, e->sr.pub, psk_i), 0);
	ck_assert_int_eq(ov_noise_peer_init(&e->pr, &e->sr, e->si.pub, psk_r), 0);
	ov_noise_wipe(priv, sizeof(priv));
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static uint32_t
le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

START_TEST(keypair)
{
	uint8_t a[32], ap[32], b[32], bp[32];
	struct ov_noise_static s;

	ck_assert_int_eq(ov_noise_keypair(a, ap), 0);
	ck_assert_int_eq(ov_noise_keypair(b, bp), 0);
	ck_assert(memcmp(a, b, 32) && memcmp(ap, bp, 32));
	ck_assert((a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40);	/* clamped */
	ck_assert_int_eq(ov_noise_static_init(&s, a), 0);
	ck_assert(!memcmp(s.pub, ap, 32));
}
END_TEST

/* (1) a handshake with fresh keys: the same keys both sides, crossed */
START_TEST(handshake)
{
	struct ov_noise_hs hi, hr;
	struct ov_noise_keys ki, kr;
	struct ends e;
	uint8_t init[OV_NOISE_INIT_LEN], resp[OV_NOISE_RESP_LEN], tai[12], tai_got[12];

	ends_init(&e, NULL, NULL, NULL, NULL);
	ov_noise_tai64n(UINT64_C(1712345678901234567), tai);
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, 7, tai, NULL, NULL, init), 0);
	ck_assert_uint_eq(le32(init), OV_NOISE_MSG_INIT);
	ck_assert_uint_eq(le32(init + 4), 7);
	ck_assert(ov_noise_mac1_ok(init, sizeof(init), e.sr.mac1_key));
	ck_assert(!ov_noise_mac1_ok(init, sizeof(init), e.si.mac1_key));
	ck_assert(all_zero(init + 132, 16));
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai_got), 0);
	ck_assert(!memcmp(hr.rs, e.si.pub, 32));
	ck_assert(!memcmp(tai_got, tai, 12));
	ck_assert_uint_eq(hr.remote, 7);
	ck_assert(!memcmp(hr.re, hi.e_pub, 32));
	ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, 0xdeadbeef, NULL, NULL, resp, &kr), 0);
	ck_assert(all_zero(&hr, sizeof(hr)));
	ck_assert_uint_eq(le32(resp), OV_NOISE_MSG_RESP);
	ck_assert_uint_eq(le32(resp + 4), 0xdeadbeef);
	ck_assert_uint_eq(le32(resp + 8), 7);
	ck_assert(ov_noise_mac1_ok(resp, sizeof(resp), e.si.mac1_key));
	ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, resp, &ki), 0);
	ck_assert(all_zero(&hi, sizeof(hi)));
	ck_assert(!memcmp(ki.send, kr.recv, 32));
	ck_assert(!memcmp(ki.recv, kr.send, 32));
	ck_assert(memcmp(ki.send, ki.recv, 32));
	ck_assert(!all_zero(ki.send, 32) && !all_zero(ki.recv, 32));
	ck_assert_uint_eq(ki.local, 7);
	ck_assert_uint_eq(ki.remote, 0xdeadbeef);
	ck_assert_uint_eq(kr.local, 0xdeadbeef);
	ck_assert_uint_eq(kr.remote, 7);
}
END_TEST

/* (2) byte for byte what wg_vectors.py computes, both ends */
START_TEST(known_answers)
{
	struct ov_noise_hs hi, hi2, hr, hr2;
	struct ov_noise_keys ki, kr;
	struct ends e;
	uint8_t init[OV_NOISE_INIT_LEN], resp[OV_NOISE_RESP_LEN], tai[12], cookie[16];

	ends_init(&e, kat_s_i, kat_s_r, kat_psk, kat_psk);
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, KAT_I_INDEX, kat_tai, NULL, kat_e_i, init), 0);
	ck_assert(!memcmp(init, kat_init, sizeof(init)));
	ck_assert_int_eq(ov_noise_init_make(&hi2, &e.si, &e.pi, KAT_I_INDEX, kat_tai, kat_cookie, kat_e_i, init), 0);
	ck_assert(!memcmp(init, kat_init_cookie, sizeof(init)));
	ck_assert(!memcmp(&hi, &hi2, sizeof(hi)));

	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, kat_init, tai), 0);
	ck_assert(!memcmp(tai, kat_tai, 12));
	ck_assert(!memcmp(hr.rs, e.si.pub, 32));
	hr2 = hr;
	ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, KAT_R_INDEX, NULL, kat_e_r, resp, &kr), 0);
	ck_assert(!memcmp(resp, kat_resp, sizeof(resp)));
	ck_assert(!memcmp(kr.send, kat_r_send, 32) && !memcmp(kr.recv, kat_r_recv, 32));
	ck_assert_int_eq(ov_noise_resp_make(&hr2, &e.pr, KAT_R_INDEX, kat_cookie, kat_e_r, resp, &kr), 0);
	ck_assert(!memcmp(resp, kat_resp_cookie, sizeof(resp)));

	ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, kat_resp, &ki), 0);
	ck_assert(!memcmp(ki.send, kat_i_send, 32) && !memcmp(ki.recv, kat_i_recv, 32));
	ck_assert_uint_eq(ki.local, KAT_I_INDEX);
	ck_assert_uint_eq(ki.remote, KAT_R_INDEX);

	/* the cookie and its reply (the nonce fixed there) */
	ov_noise_cookie(kat_cookie_secret, kat_cookie_addr, sizeof(kat_cookie_addr), cookie);
	ck_assert(!memcmp(cookie, kat_cookie, 16));
	memset(cookie, 0, sizeof(cookie));
	ck_assert_int_eq(ov_noise_cookie_consume(&e.pi, kat_cookie_reply, kat_init_cookie + 116, cookie), 0);
	ck_assert(!memcmp(cookie, kat_cookie, 16));
	ck_assert(ov_noise_mac2_ok(kat_init_cookie, OV_NOISE_INIT_LEN, kat_cookie));
	ck_assert(ov_noise_mac2_ok(kat_resp_cookie, OV_NOISE_RESP_LEN, kat_cookie));
}
END_TEST

/* (3) an initiation with any byte changed: refused by mac1 or by opening */
START_TEST(initiation_flips)
{
	struct ov_noise_hs h, before;
	struct ends e;
	uint8_t m[OV_NOISE_INIT_LEN], tai[12];
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };

	ends_init(&e, kat_s_i, kat_s_r, kat_psk, kat_psk);
	ck_assert(ov_noise_mac1_ok(kat_init_cookie, sizeof(m), e.sr.mac1_key));
	ck_assert(ov_noise_mac2_ok(kat_init_cookie, sizeof(m), kat_cookie));
	for (size_t i = 0; i < sizeof(m); i++)
		for (size_t f = 0; f < sizeof(flips); f++) {
			bool mac1, opens;

			memcpy(m, kat_init_cookie, sizeof(m));
			m[i] ^= flips[f];
			memset(&before, 0x5a, sizeof(before));
			h = before;
			mac1 = ov_noise_mac1_ok(m, sizeof(m), e.sr.mac1_key);
			opens = ov_noise_init_consume(&h, &e.sr, m, tai) == 0;
			if (i < 132) {
				/* only mac1 covers the sender index, and itself */
				bool must_open = (i >= 4 && i < 8) || i >= 116;

				ck_assert_msg(!mac1, "byte %zu ^%02x: mac1 still right", i, flips[f]);
				ck_assert_msg(opens == must_open, "byte %zu ^%02x: opened %d", i, flips[f], opens);
			} else {
				/* mac2 alone covers its own bytes */
				ck_assert(mac1 && opens);
				ck_assert_msg(!ov_noise_mac2_ok(m, sizeof(m), kat_cookie), "byte %zu: mac2", i);
			}
			if (!opens)
				ck_assert_msg(!memcmp(&h, &before, sizeof(h)), "byte %zu: hs changed", i);
		}
}
END_TEST

/* (3) a response with any byte changed: refused, and the handshake still
 * completes with the true one */
START_TEST(response_flips)
{
	struct ov_noise_hs h, hi;
	struct ov_noise_keys k, k0;
	struct ends e;
	uint8_t init[OV_NOISE_INIT_LEN], m[OV_NOISE_RESP_LEN];
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };

	ends_init(&e, kat_s_i, kat_s_r, kat_psk, kat_psk);
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, KAT_I_INDEX, kat_tai, NULL, kat_e_i, init), 0);
	ck_assert(ov_noise_mac1_ok(kat_resp_cookie, sizeof(m), e.si.mac1_key));
	for (size_t i = 0; i < sizeof(m); i++)
		for (size_t f = 0; f < sizeof(flips); f++) {
			bool mac1;
			int rc;

			memcpy(m, kat_resp_cookie, sizeof(m));
			m[i] ^= flips[f];
			h = hi;
			memset(&k, 0x5a, sizeof(k));
			k0 = k;
			mac1 = ov_noise_mac1_ok(m, sizeof(m), e.si.mac1_key);
			rc = ov_noise_resp_consume(&h, &e.si, &e.pi, m, &k);
			if (i < 76) {
				ck_assert_msg(!mac1, "byte %zu ^%02x: mac1 still right", i, flips[f]);
				if ((i >= 4 && i < 8) || i >= 60) {
					/* the sender index and mac1: only mac1 covers them */
					ck_assert_int_eq(rc, 0);
					continue;
				}
				ck_assert_msg(rc == -EBADMSG, "byte %zu ^%02x: %d", i, flips[f], rc);
				ck_assert_msg(!memcmp(&h, &hi, sizeof(h)), "byte %zu: hs changed", i);
				ck_assert(!memcmp(&k, &k0, sizeof(k)));
			} else {
				ck_assert(mac1 && rc == 0);
				ck_assert_msg(!ov_noise_mac2_ok(m, sizeof(m), kat_cookie), "byte %zu: mac2", i);
			}
		}
	/* after all those refusals, the true response */
	ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, kat_resp_cookie, &k), 0);
	ck_assert(!memcmp(k.send, kat_i_send, 32) && !memcmp(k.recv, kat_i_recv, 32));
}
END_TEST

/* (4) cookies: sealed to the mac1 they answer, and mac2 made with them */
START_TEST(cookies)
{
	static const uint8_t addr[] = { 198, 51, 100, 7, 0x12, 0x34 }, addr2[] = { 198, 51, 100, 8, 0x12, 0x34 };
	struct ov_noise_hs hi, hr;
	struct ov_noise_keys k;
	struct ends e;
	uint8_t secret[32], cookie[16], other[16], got[16], init[OV_NOISE_INIT_LEN], resp[OV_NOISE_RESP_LEN];
	uint8_t reply[OV_NOISE_COOKIE_LEN], reply2[OV_NOISE_COOKIE_LEN], tai[12], mac1[16];

	ends_init(&e, NULL, NULL, NULL, NULL);
	memset(secret, 0x33, sizeof(secret));
	ov_noise_cookie(secret, addr, sizeof(addr), cookie);
	ov_noise_cookie(secret, addr2, sizeof(addr2), other);
	ck_assert(memcmp(cookie, other, 16));
	ov_noise_tai64n(0, tai);
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, 42, tai, NULL, NULL, init), 0);
	memcpy(mac1, init + 116, 16);
	ck_assert_int_eq(ov_noise_cookie_reply(&e.sr, 42, mac1, cookie, reply), 0);
	ck_assert_int_eq(ov_noise_cookie_reply(&e.sr, 42, mac1, cookie, reply2), 0);
	ck_assert(memcmp(reply + 8, reply2 + 8, 24));	/* fresh nonces */
	ck_assert_uint_eq(le32(reply), OV_NOISE_MSG_COOKIE);
	ck_assert_uint_eq(le32(reply + 4), 42);
	ck_assert_int_eq(ov_noise_cookie_consume(&e.pi, reply, mac1, got), 0);
	ck_assert(!memcmp(got, cookie, 16));
	/* another message's mac1, another peer, a byte changed: nothing */
	mac1[3] ^= 1;
	ck_assert_int_eq(ov_noise_cookie_consume(&e.pi, reply, mac1, got), -EBADMSG);
	mac1[3] ^= 1;
	ck_assert_int_eq(ov_noise_cookie_consume(&e.pr, reply, mac1, got), -EBADMSG);
	for (size_t i = 0; i < sizeof(reply); i++) {
		if (i >= 4 && i < 8)
			continue;	/* the receiver index: the caller's */
		reply[i] ^= 0x10;
		ck_assert_msg(ov_noise_cookie_consume(&e.pi, reply, mac1, got) == -EBADMSG, "byte %zu", i);
		reply[i] ^= 0x10;
	}

	/* the initiation again with mac2: right for that cookie only */
	ck_assert(!ov_noise_mac2_ok(init, sizeof(init), cookie));
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, 42, tai, got, NULL, init), 0);
	ck_assert(ov_noise_mac1_ok(init, sizeof(init), e.sr.mac1_key));
	ck_assert(ov_noise_mac2_ok(init, sizeof(init), cookie));
	ck_assert(!ov_noise_mac2_ok(init, sizeof(init), other));
	ck_assert(!ov_noise_mac2_ok(init, 147, cookie));
	ck_assert(!ov_noise_mac1_ok(init, 147, e.sr.mac1_key));
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai), 0);
	ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, 43, cookie, NULL, resp, &k), 0);
	ck_assert(ov_noise_mac2_ok(resp, sizeof(resp), cookie));
	ck_assert(!ov_noise_mac2_ok(resp, sizeof(resp), other));
}
END_TEST

/* (5) a low-order key gives no secret: refused as a peer, as an
 * initiator's static or either ephemeral */
START_TEST(low_order_keys)
{
	struct ov_noise_static bad;
	struct ov_noise_peer p;
	struct ov_noise_hs hi, hr, before;
	struct ov_noise_keys k;
	struct ends e;
	uint8_t init[OV_NOISE_INIT_LEN], good[OV_NOISE_INIT_LEN], resp[OV_NOISE_RESP_LEN], tai[12];

	ends_init(&e, kat_s_i, kat_s_r, NULL, NULL);
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		uint8_t hi_bit[32];

		ck_assert_msg(ov_noise_peer_init(&p, &e.si, low_order[i], NULL) == -EINVAL, "point %zu", i);
		ck_assert(all_zero(&p, sizeof(p)));
		memcpy(hi_bit, low_order[i], 32);
		hi_bit[31] |= 0x80;	/* X25519 ignores it */
		ck_assert_msg(ov_noise_peer_init(&p, &e.si, hi_bit, NULL) == -EINVAL, "point %zu | 2^255", i);
	}
	/* an initiator claiming the zero key as its static, sealing its
	 * timestamp under the all-zero DH a careless responder would get */
	bad = e.si;
	memset(bad.pub, 0, 32);
	p = e.pi;
	memset(p.ss, 0, 32);
	ck_assert_int_eq(ov_noise_init_make(&hi, &bad, &p, 1, kat_tai, NULL, NULL, init), 0);
	memset(&before, 0x77, sizeof(before));
	hr = before;
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai), -EBADMSG);
	ck_assert(!memcmp(&hr, &before, sizeof(hr)));
	/* a zero ephemeral, either way */
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, 1, kat_tai, NULL, NULL, init), 0);
	memcpy(good, init, sizeof(init));
	memset(init + 8, 0, 32);
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai), -EBADMSG);
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, good, tai), 0);
	ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, 2, NULL, NULL, resp, &k), 0);
	memcpy(resp + 12, low_order[2], 32);
	before = hi;
	ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, resp, &k), -EBADMSG);
	ck_assert(!memcmp(&hi, &before, sizeof(hi)));
}
END_TEST

/* (6) the pre-shared key: other keys with it, nothing with the wrong one */
START_TEST(preshared_key)
{
	static const uint8_t psk2[32] = { 9, 9, 9 };
	struct ov_noise_hs hi, hr;
	struct ov_noise_keys ki, kr;
	struct ends e;
	uint8_t init[OV_NOISE_INIT_LEN], resp[OV_NOISE_RESP_LEN], tai[12];

	/* none: the same initiation (the psk is in the response only), other keys */
	ends_init(&e, kat_s_i, kat_s_r, NULL, NULL);
	ck_assert(all_zero(e.pi.psk, 32));
	ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, KAT_I_INDEX, kat_tai, NULL, kat_e_i, init), 0);
	ck_assert(!memcmp(init, kat_init, sizeof(init)));
	ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai), 0);
	ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, KAT_R_INDEX, NULL, kat_e_r, resp, &kr), 0);
	ck_assert(memcmp(resp, kat_resp, sizeof(resp)));
	ck_assert(memcmp(kr.send, kat_r_send, 32) && memcmp(kr.recv, kat_r_recv, 32));
	ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, resp, &ki), 0);
	ck_assert(!memcmp(ki.send, kr.recv, 32) && !memcmp(ki.recv, kr.send, 32));

	/* mismatched: psk against another, and against none */
	for (int c = 0; c < 2; c++) {
		ends_init(&e, NULL, NULL, kat_psk, c ? NULL : psk2);
		ck_assert_int_eq(ov_noise_init_make(&hi, &e.si, &e.pi, 5, kat_tai, NULL, NULL, init), 0);
		ck_assert_int_eq(ov_noise_init_consume(&hr, &e.sr, init, tai), 0);
		ck_assert_int_eq(ov_noise_resp_make(&hr, &e.pr, 6, NULL, NULL, resp, &kr), 0);
		ck_assert(ov_noise_mac1_ok(resp, sizeof(resp), e.si.mac1_key));
		ck_assert_int_eq(ov_noise_resp_consume(&hi, &e.si, &e.pi, resp, &ki), -EBADMSG);
	}
}
END_TEST

/* (7) TAI64N as WireGuard's (Linux, wireguard-go) make it */
START_TEST(tai64n)
{
	static const uint8_t t0[12] = { 0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0 };
	static const uint8_t t1[12] = { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x0a, 0x07, 0, 0, 0 };
	static const uint8_t t2[12] = { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x0a, 0x3b, 0, 0, 0 };
	static const uint8_t t3[12] = { 0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x0b, 0, 0, 0, 0 };
	uint8_t out[12];

	ov_noise_tai64n(0, out);
	ck_assert(!memcmp(out, t0, 12));
	ov_noise_tai64n(UINT64_C(1700000000123456789), out);	/* 2023-11-14 22:13:20.123456789 UTC */
	ck_assert(!memcmp(out, t1, 12));
	ck_assert(!memcmp(out, kat_tai, 12));
	ov_noise_tai64n(UINT64_C(1700000000999999999), out);	/* ns down to a multiple of 2^24 */
	ck_assert(!memcmp(out, t2, 12));
	ov_noise_tai64n(UINT64_C(1700000001000000000), out);
	ck_assert(!memcmp(out, t3, 12));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ovnoise");
	TCase *tc = tcase_create("noise");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, keypair);
	tcase_add_test(tc, handshake);
	tcase_add_test(tc, known_answers);
	tcase_add_test(tc, initiation_flips);
	tcase_add_test(tc, response_flips);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, low_order_keys);
	tcase_add_test(tc, preshared_key);
	tcase_add_test(tc, tai64n);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
