/* Unit tests of the GTP-U library (gtp/): header walk on good, truncated and
 * malformed headers, and the G-PDU header builder (byte-exact against what
 * scapy produces, and round-tripped through gtp_parse). No DPDK needed. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtp.h"

/* Parse from an exact-size heap copy so any over-read is caught. */
static int
parse_copy(const uint8_t *d, uint32_t len, struct gtp_info *gi)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(c);
	memcpy(c, d, len);
	rc = gtp_parse(c, len, gi);
	free(c);
	return rc;
}

/* Plain G-PDU, 8-byte header, 4 bytes of payload. */
static const uint8_t h_plain[] = {
	0x30, 0xff, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x45, 0, 0, 0,
};

/* Echo request with sequence number 0x0102, no payload. */
static const uint8_t h_echo[] = {
	0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x01, 0x02, 0x00, 0x00,
};

/* N-PDU number only. */
static const uint8_t h_npdu[] = {
	0x31, 0xff, 0x00, 0x04, 0, 0, 0, 9, 0x00, 0x00, 0x5a, 0x00,
};

/* DL PSC with RQI, QFI 5. */
static const uint8_t h_psc_dl[] = {
	0x34, 0xff, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0x85,
	0x01, 0x00, 0x45, 0x00,
};

/* Sequence + UL PSC (QFI 63, flags in the high bits ignored). */
static const uint8_t h_psc_ul_seq[] = {
	0x36, 0xff, 0x00, 0x0c, 0, 0, 0, 1, 0xab, 0xcd, 0, 0x85,
	0x01, 0x10, 0xff, 0x00, 0x60, 0, 0, 0,
};

/* UDP port extension then PSC, then an 8-byte long unknown (0xc0). */
static const uint8_t h_three_ext[] = {
	0x34, 0xff, 0x00, 0x14, 0, 0, 0, 2, 0, 0, 0, 0x40,
	0x01, 0x08, 0x68, 0x85,
	0x01, 0x10, 0x07, 0xc0,
	0x02, 0, 0, 0, 0, 0, 0, 0x00,
};

struct gcase {
	const char *name;
	const uint8_t *b;
	uint32_t len;
	uint32_t hdr_len;
	uint32_t teid;
	uint8_t msg, has_seq, qfi, pdu_type, rqi, n_ext;
	uint16_t seq, length;
};

#define B(x) x, sizeof(x)

static const struct gcase gcases[] = {
	{ "plain", B(h_plain), 8, 0x11223344, 255, 0, 0, 0xff, 0, 0, 0, 4 },
	{ "echo", B(h_echo), 12, 0, 1, 1, 0, 0xff, 0, 0, 0x0102, 4 },
	{ "npdu", B(h_npdu), 12, 9, 255, 0, 0, 0xff, 0, 0, 0, 4 },
	{ "psc_dl", B(h_psc_dl), 16, 0xdeadbeef, 255, 0, 5, 0, 1, 1, 0, 8 },
	{ "psc_ul_seq", B(h_psc_ul_seq), 16, 1, 255, 1, 63, 1, 0, 1, 0xabcd, 12 },
	{ "three_ext", B(h_three_ext), 28, 2, 255, 0, 7, 1, 0, 3, 0, 20 },
};

#define N_G (int)(sizeof(gcases) / sizeof(gcases[0]))

START_TEST(good)
{
	const struct gcase *c = &gcases[_i];
	struct gtp_info gi;

	ck_assert_msg(parse_copy(c->b, c->len, &gi) == 0, "%s", c->name);
	ck_assert_uint_eq(gi.hdr_len, c->hdr_len);
	ck_assert_uint_eq(gi.teid, c->teid);
	ck_assert_uint_eq(gi.msg_type, c->msg);
	ck_assert_uint_eq(gi.has_seq, c->has_seq);
	ck_assert_uint_eq(gi.seq, c->seq);
	ck_assert_uint_eq(gi.qfi, c->qfi);
	ck_assert_uint_eq(gi.pdu_type, c->pdu_type);
	ck_assert_uint_eq(gi.rqi, c->rqi);
	ck_assert_uint_eq(gi.n_ext, c->n_ext);
	ck_assert_uint_eq(gi.length, c->length);
	ck_assert_uint_eq(gi.flags, c->b[0]);
}
END_TEST

/* Below the header length: -EMSGSIZE; from it on: the same result. */
START_TEST(truncations)
{
	const struct gcase *c = &gcases[_i];
	struct gtp_info gi;
	uint32_t cut;

	for (cut = 0; cut <= c->len; cut++) {
		int rc = parse_copy(c->b, cut, &gi);

		if (cut < c->hdr_len) {
			ck_assert_msg(rc == -EMSGSIZE, "%s/%u: %d", c->name, cut, rc);
			ck_assert_uint_eq(gi.hdr_len, 0);
			ck_assert_uint_eq(gi.pdu_type, GTPU_PDU_TYPE_NONE);
		} else {
			ck_assert_msg(rc == 0, "%s/%u: %d", c->name, cut, rc);
			ck_assert_uint_eq(gi.hdr_len, c->hdr_len);
		}
	}
}
END_TEST

START_TEST(malformed)
{
	uint8_t b[64];
	struct gtp_info gi;
	int i;

	memcpy(b, h_plain, sizeof(h_plain));
	b[0] = 0x50;                            /* version 2 */
	ck_assert_int_eq(parse_copy(b, sizeof(h_plain), &gi), -EINVAL);
	b[0] = 0x20;                            /* PT 0 */
	ck_assert_int_eq(parse_copy(b, sizeof(h_plain), &gi), -EINVAL);
	b[0] = 0x00;                            /* version 0 */
	ck_assert_int_eq(parse_copy(b, sizeof(h_plain), &gi), -EINVAL);
	b[0] = 0x38;                            /* spare bit is ignored */
	ck_assert_int_eq(parse_copy(b, sizeof(h_plain), &gi), 0);

	memcpy(b, h_psc_dl, sizeof(h_psc_dl));
	b[12] = 0;                              /* extension length 0 */
	ck_assert_int_eq(parse_copy(b, sizeof(h_psc_dl), &gi), -EBADMSG);
	ck_assert_uint_eq(gi.teid, 0);

	memcpy(b, h_psc_dl, sizeof(h_psc_dl));
	b[12] = 2;                              /* 8 bytes, only 4 there */
	ck_assert_int_eq(parse_copy(b, sizeof(h_psc_dl), &gi), -EMSGSIZE);

	memcpy(b, h_psc_dl, sizeof(h_psc_dl));
	b[3] = 4;                               /* length shorter than header */
	ck_assert_int_eq(parse_copy(b, sizeof(h_psc_dl), &gi), -EMSGSIZE);
	memcpy(b, h_echo, sizeof(h_echo));
	b[3] = 0;
	ck_assert_int_eq(parse_copy(b, sizeof(h_echo), &gi), -EMSGSIZE);

	/* GTP_EXT_MAX extensions walk; one more loops out. */
	for (int n = GTP_EXT_MAX; n <= GTP_EXT_MAX + 1; n++) {
		uint32_t len = 12 + 4 * n;

		memset(b, 0, sizeof(b));
		b[0] = 0x34;
		b[1] = 0xff;
		b[3] = (uint8_t)(len - 8);
		b[11] = 0xc0;
		for (i = 0; i < n; i++) {
			b[12 + 4 * i] = 1;
			b[12 + 4 * i + 3] = i == n - 1 ? 0 : 0xc0;
		}
		ck_assert_int_eq(parse_copy(b, len, &gi),
				 n == GTP_EXT_MAX ? 0 : -ELOOP);
		if (n == GTP_EXT_MAX) {
			ck_assert_uint_eq(gi.n_ext, GTP_EXT_MAX);
			ck_assert_uint_eq(gi.hdr_len, len);
		}
	}
}
END_TEST

START_TEST(build)
{
	static const uint8_t want_dl[] = {   /* scapy GTP_U_Header/PSC(type=0, QFI=9) */
		0x34, 0xff, 0x00, 0x12, 0x11, 0x22, 0x33, 0x44,
		0x00, 0x00, 0x00, 0x85, 0x01, 0x00, 0x09, 0x00,
	};
	static const uint8_t want_ul[] = {   /* PSC(type=1, QFI=63) */
		0x34, 0xff, 0x00, 0x12, 0x11, 0x22, 0x33, 0x44,
		0x00, 0x00, 0x00, 0x85, 0x01, 0x10, 0x3f, 0x00,
	};
	static const uint8_t want_plain[] = {
		0x30, 0xff, 0x00, 0x0a, 0x11, 0x22, 0x33, 0x44,
	};
	uint8_t b[16];
	struct gtp_info gi;

	ck_assert_int_eq(gtp_build_gpdu_hdr(b, sizeof(b), 0x11223344, 10, 9,
					    GTPU_PDU_TYPE_DL), 16);
	ck_assert_mem_eq(b, want_dl, 16);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, sizeof(b), 0x11223344, 10, 63,
					    GTPU_PDU_TYPE_UL), 16);
	ck_assert_mem_eq(b, want_ul, 16);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 8, 0x11223344, 10, -1, 0), 8);
	ck_assert_mem_eq(b, want_plain, 8);

	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 7, 1, 0, -1, 0), -ENOSPC);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 15, 1, 0, 1, 0), -ENOSPC);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 16, 1, 0, 64, 0), -EINVAL);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 16, 1, 0, 1, 2), -EINVAL);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 16, 1, 65535, 1, 0), -EMSGSIZE);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 16, 1, 65535 - 8, 1, 0), 16);
	ck_assert_int_eq(gtp_build_gpdu_hdr(b, 16, 1, 65535, -1, 0), 8);
	ck_assert_int_eq(gtp_parse(b, 8, &gi), 0);
	ck_assert_uint_eq(gi.length, 65535);
}
END_TEST

/* Whatever the builder writes, the parser reads back. */
START_TEST(round_trip)
{
	uint8_t b[16];
	struct gtp_info gi;
	int qfi, t;

	for (qfi = -1; qfi <= 63; qfi++) {
		for (t = 0; t <= 1; t++) {
			uint32_t teid = 0x9e3779b9u * (uint32_t)(qfi + 2);
			int n = gtp_build_gpdu_hdr(b, sizeof(b), teid, 100, qfi, t);

			ck_assert_int_gt(n, 0);
			ck_assert_int_eq(gtp_parse(b, (uint32_t)n, &gi), 0);
			ck_assert_uint_eq(gi.hdr_len, n);
			ck_assert_uint_eq(gi.teid, teid);
			ck_assert_uint_eq(gi.msg_type, GTPU_MSG_GPDU);
			ck_assert_uint_eq(gi.length, 100 + n - 8);
			ck_assert_uint_eq(gi.qfi, qfi < 0 ? 0 : qfi);
			ck_assert_uint_eq(gi.pdu_type, qfi < 0 ? 0xff : t);
			ck_assert_uint_eq(gi.rqi, 0);
		}
	}
}
END_TEST

/* The signalling messages, byte-exact as TS 29.281 lays them out, and back
 * through gtp_parse and gtp_parse_ies; every truncation is refused. */
static const uint8_t want_echo_rsp[] = {
	0x32, 0x02, 0x00, 0x06, 0, 0, 0, 0, 0x01, 0x02, 0x00, 0x00, 0x0e, 0x00,
};
static const uint8_t want_err_ind[] = {
	0x36, 0x1a, 0x00, 0x14, 0, 0, 0, 0, 0x00, 0x07, 0x00, 0x40,
	0x01, 0x08, 0x68, 0x00,				/* UDP Port 2152 */
	0x10, 0x11, 0x22, 0x33, 0x44,			/* TEID Data I */
	0x85, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01,	/* GTP-U Peer Address */
};
static const uint8_t want_end_marker[] = { 0x30, 0xfe, 0x00, 0x00, 0, 0, 0, 5 };
static const uint8_t want_supp_ext[] = {
	0x32, 0x1f, 0x00, 0x08, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x8d, 0x02, 0x85, 0x40,
};
static const uint8_t want_dl_ppi[] = {
	0x34, 0xff, 0x00, 0x0c, 0, 0, 0, 9, 0x00, 0x00, 0x00, 0x85,
	0x02, 0x00, 0xc9, 0xa0, 0x00, 0x00, 0x00, 0x00,
};

/* Every proper prefix of message @m is refused by the header walk or by
 * the IE walk (exact-size copies: an over-read is caught by the sanitizers
 * and valgrind). */
static void
all_truncations_refused(const uint8_t *m, uint32_t len)
{
	struct gtp_info gi;
	struct gtp_ies ies;

	for (uint32_t n = 0; n < len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		int rc;

		memcpy(c, m, n);
		rc = gtp_parse(c, n, &gi);
		if (rc == 0)
			rc = gtp_parse_ies(c, n, &gi, &ies);
		ck_assert_msg(rc < 0, "a %u-octet prefix of %u parsed", n, len);
		free(c);
	}
}

START_TEST(signalling)
{
	static const uint8_t addr[4] = { 192, 0, 2, 1 }, types[2] = { 0x85, 0x40 };
	struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_GPDU, 9);
	struct gtp_info gi;
	struct gtp_ies ies;
	uint8_t b[64];
	int n;

	n = gtp_build_echo(b, sizeof(b), true, 0x0102);
	ck_assert_int_eq(n, sizeof(want_echo_rsp));
	ck_assert_mem_eq(b, want_echo_rsp, sizeof(want_echo_rsp));
	ck_assert_int_eq(parse_copy(b, (uint32_t)n, &gi), 0);
	ck_assert_int_eq(gtp_parse_ies(b, (uint32_t)n, &gi, &ies), 0);
	ck_assert(gi.has_seq && gi.seq == 0x0102 && ies.has_recovery && ies.recovery == 0);
	all_truncations_refused(b, (uint32_t)n);
	ck_assert_int_eq(gtp_build_echo(b, sizeof(b), false, 9), 12);
	ck_assert_int_eq(gtp_build_echo(b, 13, true, 9), -ENOSPC);

	n = gtp_build_error_ind(b, sizeof(b), 7, 0x11223344, addr, 4, 2152);
	ck_assert_int_eq(n, sizeof(want_err_ind));
	ck_assert_mem_eq(b, want_err_ind, sizeof(want_err_ind));
	ck_assert_int_eq(parse_copy(b, (uint32_t)n, &gi), 0);
	ck_assert_int_eq(gi.udp_port, 2152);
	ck_assert_int_eq(gtp_parse_ies(b, (uint32_t)n, &gi, &ies), 0);
	ck_assert(ies.has_teid_data && ies.teid_data == 0x11223344 && ies.peer_len == 4);
	ck_assert_mem_eq(ies.peer, addr, 4);
	all_truncations_refused(b, (uint32_t)n);
	ck_assert_int_eq(gtp_build_error_ind(b, sizeof(b), 7, 1, addr, 5, -1), -EINVAL);
	/* a peer address of another length, an unknown TV type: refused */
	b[23] = 5;
	ck_assert_int_eq(gtp_parse_ies(b, (uint32_t)n, &gi, &ies), -EMSGSIZE);
	b[23] = 4;
	b[21] = 0x11;
	ck_assert_int_eq(gtp_parse_ies(b, (uint32_t)n, &gi, &ies), -EBADMSG);

	ck_assert_int_eq(gtp_build_end_marker(b, sizeof(b), 5), 8);
	ck_assert_mem_eq(b, want_end_marker, 8);

	n = gtp_build_supp_ext(b, sizeof(b), 3, types, 2);
	ck_assert_int_eq(n, sizeof(want_supp_ext));
	ck_assert_mem_eq(b, want_supp_ext, sizeof(want_supp_ext));
	ck_assert_int_eq(parse_copy(b, (uint32_t)n, &gi), 0);
	ck_assert_int_eq(gtp_parse_ies(b, (uint32_t)n, &gi, &ies), 0);
	ck_assert(ies.n_ext_types == 2 && ies.ext_types[0] == 0x85 && ies.ext_types[1] == 0x40);
	all_truncations_refused(b, (uint32_t)n);
	ck_assert_int_eq(gtp_build_supp_ext(b, sizeof(b), 3, types, 0), -EINVAL);

	/* DL PDU Session Container with RQI and a PPI, padded to 8 octets */
	o.pdu_type = GTPU_PDU_TYPE_DL;
	o.qfi = 9;
	o.rqi = 1;
	o.ppi = 5;
	ck_assert_int_eq(gtp_build_hdr(b, sizeof(b), &o, 0), sizeof(want_dl_ppi));
	ck_assert_mem_eq(b, want_dl_ppi, sizeof(want_dl_ppi));
	ck_assert_int_eq(parse_copy(b, sizeof(want_dl_ppi), &gi), 0);
	ck_assert(gi.pdu_type == GTPU_PDU_TYPE_DL && gi.qfi == 9 && gi.rqi && gi.has_ppi && gi.ppi == 5);
	/* UL takes no PPI and no RQI; fields out of range */
	o.pdu_type = GTPU_PDU_TYPE_UL;
	ck_assert_int_eq(gtp_build_hdr(b, sizeof(b), &o, 0), -EINVAL);
	o.ppi = -1;
	o.rqi = 0;
	o.seq = 70000;
	ck_assert_int_eq(gtp_build_hdr(b, sizeof(b), &o, 0), -EINVAL);
	o.seq = 1;
	o.npdu = 4;
	ck_assert_int_eq(gtp_build_hdr(b, sizeof(b), &o, 0), 16);
	ck_assert_int_eq(parse_copy(b, 16, &gi), 0);
	ck_assert(gi.has_seq && gi.seq == 1 && gi.npdu == 4 && gi.pdu_type == GTPU_PDU_TYPE_UL);
	ck_assert_int_eq(gi.udp_port, -1);
}
END_TEST

/* An extension header that must be understood and is not: named, so the
 * receiver can refuse the message and say which types it knows. */
START_TEST(unsupported_extension)
{
	uint8_t m[] = { 0x34, 0xff, 0x00, 0x08, 0, 0, 0, 1, 0x00, 0x00, 0x00, 0x81,
			0x01, 0xaa, 0xbb, 0x00 };
	struct gtp_info gi;

	ck_assert_int_eq(parse_copy(m, sizeof(m), &gi), 0);
	ck_assert_uint_eq(gi.ext_unsupported, 0x81);
	m[11] = 0x20;	/* comprehension not required: ignored */
	ck_assert_int_eq(parse_copy(m, sizeof(m), &gi), 0);
	ck_assert_uint_eq(gi.ext_unsupported, 0);
}
END_TEST

/* Two PDU Session Containers in one chain (the fuzzer's find): refused. */
START_TEST(two_containers)
{
	const uint8_t m[] = { 0x34, 0xff, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x00, 0x00, 0x85,
			      0x01, 0x00, 0x05, 0x85, 0x01, 0x10, 0x09, 0x00 };
	struct gtp_info gi;

	ck_assert_int_eq(parse_copy(m, sizeof(m), &gi), -EBADMSG);
	ck_assert_uint_eq(gi.pdu_type, GTPU_PDU_TYPE_NONE);
}
END_TEST

/* The fast path's writer is gtp_build_hdr byte for byte, both directions,
 * every QFI, short and long bodies. */
START_TEST(fast_psc_writer)
{
	static const uint16_t bodies[] = { 0, 1, 46, 1400, 65535 - 8 };

	for (int dir = 0; dir < 2; dir++)
		for (unsigned int q = 0; q <= GTPU_QFI_MASK; q++)
			for (unsigned int b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
				struct gtp_hdr_opts o = GTP_HDR_OPTS(GTPU_MSG_GPDU, 0x89abcdefu + q);
				uint8_t want[32], got[GTPU_PSC_HDR_LEN];

				o.pdu_type = dir ? GTPU_PDU_TYPE_UL : GTPU_PDU_TYPE_DL;
				o.qfi = (uint8_t)q;
				ck_assert_int_eq(gtp_build_hdr(want, sizeof(want), &o, bodies[b]), GTPU_PSC_HDR_LEN);
				memset(got, 0xa5, sizeof(got));
				gtp_write_gpdu_psc(got, o.teid, bodies[b], o.pdu_type, (uint8_t)q);
				ck_assert_mem_eq(got, want, GTPU_PSC_HDR_LEN);
			}
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(gtp_msg_name(GTPU_MSG_ECHO_REQ), "echo-request");
	ck_assert_str_eq(gtp_msg_name(GTPU_MSG_ECHO_RSP), "echo-response");
	ck_assert_str_eq(gtp_msg_name(GTPU_MSG_ERROR_IND), "error-indication");
	ck_assert_str_eq(gtp_msg_name(GTPU_MSG_END_MARKER), "end-marker");
	ck_assert_str_eq(gtp_msg_name(GTPU_MSG_GPDU), "g-pdu");
	ck_assert_str_eq(gtp_msg_name(3), "unknown");
	ck_assert_uint_eq(sizeof(struct gtpu_hdr), 8);
	ck_assert_uint_eq(sizeof(struct gtpu_opt_hdr), 4);
	ck_assert_uint_eq(sizeof(struct gtpu_ext_pdu_sess), 4);
}
END_TEST

static Suite *
gtp_suite(void)
{
	Suite *s = suite_create("gtp");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, good, 0, N_G);
	tcase_add_loop_test(tc, truncations, 0, N_G);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, build);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, signalling);
	tcase_add_test(tc, unsupported_extension);
	tcase_add_test(tc, two_containers);
	tcase_add_test(tc, fast_psc_writer);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
