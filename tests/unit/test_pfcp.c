/* Unit tests of the PFCP codec (proto/pfcp/pf_codec): round trips of every
 * message the UPF writes, every proper prefix refused, grouped lengths off by one, the
 * nesting bound, vendor and unknown IEs skipped, known IEs the UPF does not do refused
 * where pf_unsup lists them, each cause the decoder reports, and a sequence number put into
 * a message already built. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_codec.h"
#include "pf_test_msgs.h"

static struct pf_msg msg;

/* decode from an exact-size heap copy so an over-read is caught; the copy lives until
 * the next decode, as msg points into it */
static struct pf_result
dec(const uint8_t *b, size_t len)
{
	static uint8_t *c;

	free(c);
	c = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(c);
	memcpy(c, b, len);
	return pf_decode(c, len, &msg);
}

START_TEST(round_trips)
{
	uint8_t b[2048], again[2048];
	int i;

	for (i = 0; i < PF_TEST_N_MSGS; i++) {
		int n = pf_test_msg(i, b, sizeof(b)), m;
		size_t k;
		struct pf_result r;

		ck_assert_msg(n > 0, "msg %d: %d", i, n);
		r = pf_decode(b, (size_t)n, &msg);
		ck_assert_msg(r.kind == PF_OK, "msg %d (%s): kind %d cause %d ie %d", i,
			pf_msg_name(b[1]), r.kind, r.cause, r.ie_type);
		m = pf_reencode(&msg, again, sizeof(again));
		ck_assert_int_eq(m, n);
		ck_assert_mem_eq(again, b, (size_t)n);
		for (k = 0; k < (size_t)n; k++)
			ck_assert_msg(dec(b, k).kind != PF_OK, "msg %d: prefix %zu accepted", i, k);
		/* every buffer too small: -ENOSPC, nothing written past it */
		for (k = 0; k < (size_t)n; k++) {
			memset(again, 0xa5, sizeof(again));
			ck_assert_int_eq(pf_test_msg(i, again, k), -ENOSPC);
			ck_assert_int_eq(again[k], 0xa5);
		}
	}
}
END_TEST

START_TEST(est_req_fields)
{
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	int pdr, pdi, ie, far, fp;
	struct pf_fteid ft;
	struct pf_ue_ip ue;
	struct pf_sdf sdf;
	struct pf_ohc ohc;
	struct pf_fseid fs;
	char ni[64];
	uint16_t id;
	uint32_t v;

	ck_assert_int_eq(pf_decode(b, (size_t)n, &msg).kind, PF_OK);
	ck_assert_int_eq(msg.hdr.seid, 0);
	ck_assert_int_eq(msg.hdr.seq, 0x123456);
	ck_assert_int_eq(pf_get_fseid(&msg.ies[pf_find(&msg, -1, PF_IE_FSEID, -1)], &fs), 0);
	ck_assert_uint_eq(fs.seid, 0x1122334455667788ull);
	pdr = pf_find(&msg, -1, PF_IE_CREATE_PDR, -1);
	ck_assert_int_ge(pdr, 0);
	ck_assert_int_eq(pf_get_u16(&msg.ies[pf_find(&msg, pdr, PF_IE_PDR_ID, -1)], &id), 0);
	ck_assert_int_eq(id, 1);
	pdi = pf_find(&msg, pdr, PF_IE_PDI, -1);
	ck_assert_int_ge(pdi, 0);
	ie = pf_find(&msg, pdi, PF_IE_FTEID, -1);
	ck_assert_int_eq(pf_get_fteid(&msg.ies[ie], &ft), 0);
	ck_assert(ft.ch && ft.has_chid && ft.chid == 5 && ft.has_v4);
	ck_assert_int_eq(pf_get_ue_ip(&msg.ies[pf_find(&msg, pdi, PF_IE_UE_IP, -1)], &ue), 0);
	ck_assert(ue.has_v4 && ue.sd && ue.v4[0] == 10 && ue.v4[3] == 7);
	ck_assert_int_eq(pf_get_string(&msg.ies[pf_find(&msg, pdi, PF_IE_NET_INSTANCE, -1)], ni,
				 sizeof(ni)), 0);
	ck_assert_str_eq(ni, "internet");
	ck_assert_int_eq(pf_get_sdf(&msg.ies[pf_find(&msg, pdi, PF_IE_SDF_FILTER, -1)], &sdf), 0);
	ck_assert_str_eq(sdf.fd, "permit out ip from any to assigned");
	/* the second PDR */
	pdr = pf_find(&msg, -1, PF_IE_CREATE_PDR, pdr);
	ck_assert_int_ge(pdr, 0);
	ck_assert_int_eq(pf_get_u16(&msg.ies[pf_find(&msg, pdr, PF_IE_PDR_ID, -1)], &id), 0);
	ck_assert_int_eq(id, 2);
	far = pf_find(&msg, -1, PF_IE_CREATE_FAR, -1);
	far = pf_find(&msg, -1, PF_IE_CREATE_FAR, far);
	ck_assert_int_ge(far, 0);
	ck_assert_int_eq(pf_get_u32(&msg.ies[pf_find(&msg, far, PF_IE_FAR_ID, -1)], &v), 0);
	ck_assert_int_eq(v, 2);
	fp = pf_find(&msg, far, PF_IE_FWD_PARAMS, -1);
	ck_assert_int_eq(pf_get_ohc(&msg.ies[pf_find(&msg, fp, PF_IE_OHC, -1)], &ohc), 0);
	ck_assert_int_eq(ohc.desc, 0x0100);
	ck_assert_int_eq(ohc.teid, 0xabcd);
	ck_assert_int_ge(pf_find(&msg, -1, PF_IE_CREATE_QER, -1), 0);
	ck_assert_int_ge(pf_find(&msg, -1, PF_IE_CREATE_URR, -1), 0);
}
END_TEST

/* the Session Establishment Request's first Create PDR and its PDI, found in the bytes */
static size_t
find_ie(const uint8_t *b, size_t from, size_t end, uint16_t type)
{
	while (from + 4 <= end) {
		if ((uint16_t)(b[from] << 8 | b[from + 1]) == type)
			return from;
		from += 4 + (size_t)(b[from + 2] << 8 | b[from + 3]);
	}
	return 0;
}

START_TEST(grouped_len_off_by_one)
{
	uint8_t b[2048], c[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b)), d;
	size_t pdr = find_ie(b, 16, (size_t)n, PF_IE_CREATE_PDR), pdi;

	ck_assert_uint_gt(pdr, 0);
	pdi = find_ie(b, pdr + 4, (size_t)n, PF_IE_PDI);
	ck_assert_uint_gt(pdi, 0);
	for (d = -1; d <= 1; d += 2) {
		memcpy(c, b, (size_t)n);
		c[pdi + 3] = (uint8_t)(c[pdi + 3] + d);
		ck_assert_int_ne(dec(c, (size_t)n).kind, PF_OK);
		memcpy(c, b, (size_t)n);
		c[pdr + 3] = (uint8_t)(c[pdr + 3] + d);
		ck_assert_int_ne(dec(c, (size_t)n).kind, PF_OK);
	}
}
END_TEST

/* a message built by hand: header then raw IE bytes */
static size_t
raw(uint8_t *b, uint8_t type, int sess, const uint8_t *ies, size_t n)
{
	size_t hl = sess ? 16 : 8;

	memset(b, 0, hl);
	b[0] = (uint8_t)(0x20 | (sess ? 1 : 0));
	b[1] = type;
	b[2] = (uint8_t)((hl - 4 + n) >> 8);
	b[3] = (uint8_t)(hl - 4 + n);
	memcpy(b + hl, ies, n);
	return hl + n;
}

START_TEST(vendor_and_unknown_skipped)
{
	static const uint8_t ies[] = {
		0x80, 0x02, 0x00, 0x06, 0x00, 0x01, 1, 2, 3, 4, /* vendor 32770, enterprise 1 */
		0x01, 0x2c, 0x00, 0x02, 9, 9,                   /* unknown type 300 */
		0x00, 0x60, 0x00, 0x04, 0, 0, 0, 42,            /* Recovery Time Stamp */
	};
	uint8_t b[64], again[64];
	size_t n = raw(b, PF_HEARTBEAT_REQ, 0, ies, sizeof(ies));
	uint32_t ts;

	ck_assert_int_eq(dec(b, n).kind, PF_OK);
	ck_assert_int_eq(msg.n_ies, 1);
	ck_assert_int_eq(pf_get_u32(&msg.ies[0], &ts), 0);
	ck_assert_int_eq(ts, 42);
	ck_assert_int_eq(pf_reencode(&msg, again, sizeof(again)), 16);
	/* a vendor IE too short for its enterprise ID */
	b[11] = 1; /* its length's low octet */
	ck_assert_int_ne(dec(b, n).kind, PF_OK);
}
END_TEST

START_TEST(causes)
{
	static const uint8_t none[] = {0x01, 0x2c, 0x00, 0x00};
	static const uint8_t two_ts[] = {0x00, 0x60, 0x00, 0x04, 0, 0, 0, 1, 0x00, 0x60, 0x00, 0x04, 0, 0, 0, 2};
	static const uint8_t short_ts[] = {0x00, 0x60, 0x00, 0x03, 0, 0, 1};
	/* Create PDR with PDR ID and Precedence but no PDI, then two PDIs */
	static const uint8_t node[] = {0x00, 0x3c, 0x00, 0x05, 0, 10, 0, 0, 1};
	static const uint8_t fseid[] = {0x00, 0x39, 0x00, 0x0d, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 10, 0, 0, 2};
	static const uint8_t pdr_no_pdi[] = {0x00, 0x01, 0x00, 0x0e, 0x00, 0x38, 0x00, 0x02, 0, 1, 0x00,
		0x1d, 0x00, 0x04, 0, 0, 0, 1};
	static const uint8_t pdr_two_pdi[] = {0x00, 0x01, 0x00, 0x20, 0x00, 0x38, 0x00, 0x02, 0, 1, 0x00,
		0x1d, 0x00, 0x04, 0, 0, 0, 1, 0x00, 0x02, 0x00, 0x05, 0x00, 0x14, 0x00, 0x01, 0, 0x00,
		0x02, 0x00, 0x05, 0x00, 0x14, 0x00, 0x01, 0};
	static const uint8_t far[] = {0x00, 0x03, 0x00, 0x0d, 0x00, 0x6c, 0x00, 0x04, 0, 0, 0, 1, 0x00,
		0x2c, 0x00, 0x01, 2};
	uint8_t ies[256], b[300];
	struct pf_result r;
	size_t n, l;

	r = dec(b, raw(b, PF_HEARTBEAT_REQ, 0, none, sizeof(none)));
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_MISSING && r.ie_type == PF_IE_RECOVERY_TS);
	r = dec(b, raw(b, PF_HEARTBEAT_REQ, 0, two_ts, sizeof(two_ts)));
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_INCORRECT && r.ie_type == PF_IE_RECOVERY_TS);
	r = dec(b, raw(b, PF_HEARTBEAT_REQ, 0, short_ts, sizeof(short_ts)));
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_INCORRECT && r.ie_type == PF_IE_RECOVERY_TS);
	r = dec(b, raw(b, 99, 0, two_ts, 8));
	ck_assert_int_eq(r.kind, PF_ERR_UNKNOWN_MSG);
	r = dec(b, raw(b, PF_HEARTBEAT_REQ, 1, two_ts, 8)); /* a node message with an SEID */
	ck_assert_int_eq(r.kind, PF_ERR_HEADER);
	b[0] = 0x40; /* version 2 */
	ck_assert_int_eq(dec(b, 16).kind, PF_ERR_HEADER);

	l = 0;
	memcpy(ies + l, node, sizeof(node)), l += sizeof(node);
	memcpy(ies + l, fseid, sizeof(fseid)), l += sizeof(fseid);
	memcpy(ies + l, pdr_no_pdi, sizeof(pdr_no_pdi)), l += sizeof(pdr_no_pdi);
	memcpy(ies + l, far, sizeof(far)), l += sizeof(far);
	n = raw(b, PF_SESS_EST_REQ, 1, ies, l);
	r = dec(b, n);
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_MISSING && r.ie_type == PF_IE_PDI);
	l = sizeof(node) + sizeof(fseid);
	memcpy(ies + l, pdr_two_pdi, sizeof(pdr_two_pdi)), l += sizeof(pdr_two_pdi);
	memcpy(ies + l, far, sizeof(far)), l += sizeof(far);
	r = dec(b, raw(b, PF_SESS_EST_REQ, 1, ies, l));
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_INCORRECT && r.ie_type == PF_IE_PDI);
	/* one PDI, without the Create FAR */
	l = sizeof(node) + sizeof(fseid);
	memcpy(ies + l, pdr_two_pdi, sizeof(pdr_two_pdi) - 9);
	ies[l + 3] = 0x20 - 9;
	l += sizeof(pdr_two_pdi) - 9;
	r = dec(b, raw(b, PF_SESS_EST_REQ, 1, ies, l));
	ck_assert(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_MANDATORY_MISSING && r.ie_type == PF_IE_CREATE_FAR);
}
END_TEST

/* A request holding IE @type inside @group (0: at its message level), the groups around
 * it opened as a message has them; the rest left out, as the refusal comes first. */
static int
with_ie(uint8_t *b, size_t size, uint8_t type, uint16_t group, uint16_t ie)
{
	struct pf_hdr h = {.type = type, .has_seid = 1};
	static const uint8_t v[4];
	struct pf_enc e;

	pf_enc_begin(&e, b, size, &h);
	if (group == PF_IE_PDI)
		pf_enc_group(&e, PF_IE_CREATE_PDR);
	else if (group == PF_IE_ETH_PACKET_FILTER) {
		pf_enc_group(&e, PF_IE_CREATE_PDR);
		pf_enc_group(&e, PF_IE_PDI);
	} else if (group == PF_IE_FWD_PARAMS)
		pf_enc_group(&e, PF_IE_CREATE_FAR);
	else if (group == PF_IE_UPD_FWD_PARAMS)
		pf_enc_group(&e, PF_IE_UPDATE_FAR);
	if (group != 0)
		pf_enc_group(&e, group);
	pf_enc_ie(&e, ie, v, sizeof(v));
	while (e.depth > 0)
		pf_enc_group_end(&e);
	return pf_enc_end(&e);
}

START_TEST(known_unsupported_refused)
{
	static const uint16_t updates[] = {PF_IE_UPDATE_PDR, PF_IE_UPDATE_FAR, PF_IE_UPD_FWD_PARAMS,
		PF_IE_UPDATE_URR, PF_IE_UPDATE_QER};
	uint16_t group, ie;
	uint8_t b[256];
	unsigned i, k, n = 0;

	for (i = 0; pf_unsup_at(i, &group, &ie) == 0; i++) {
		bool upd = false;
		struct pf_result r;
		int len;

		for (k = 0; k < sizeof(updates) / sizeof(updates[0]); k++)
			upd |= group == updates[k];
		for (k = 0; k < 2; k++) {
			uint8_t t = k == 0 ? PF_SESS_MOD_REQ : PF_SESS_EST_REQ;

			if (k == 1 && upd)
				continue;
			len = with_ie(b, sizeof(b), t, group, ie);
			ck_assert_int_gt(len, 0);
			r = dec(b, (size_t)len);
			ck_assert_msg(r.kind == PF_ERR_IE && r.cause == PF_CAUSE_NOT_SUPPORTED && r.ie_type == ie,
				"%s in %u (%s): kind %d cause %d ie %d", pf_ie_name(ie), group, pf_msg_name(t), r.kind,
				r.cause, r.ie_type);
			n++;
		}
		ck_assert_str_ne(pf_ie_name(ie), "?");
	}
	ck_assert_uint_ge(n, 40);
	/* elsewhere the same types are what they were: FAR ID where a PDR names its FAR, and
	 * an IE the UPF refuses in a URR skipped in a Session Report Response */
	{
		struct pf_hdr h = {.type = PF_SESS_REPORT_RSP, .has_seid = 1};
		struct pf_enc e;
		static const uint8_t v[4];
		int len;

		pf_enc_begin(&e, b, sizeof(b), &h);
		pf_enc_u8(&e, PF_IE_CAUSE, PF_CAUSE_ACCEPTED);
		pf_enc_ie(&e, PF_IE_UP_INACT_TIMER, v, sizeof(v));
		len = pf_enc_end(&e);
		ck_assert_int_eq(dec(b, (size_t)len).kind, PF_OK);
		ck_assert_int_eq(msg.n_ies, 1);
	}
	ck_assert_int_eq(pf_unsup(PF_SESS_EST_REQ, PF_IE_CREATE_PDR, PF_IE_FAR_ID), false);
}
END_TEST

/* grouped IEs nested far deeper than any rule allows: no recursion past the bound */
START_TEST(depth_bound)
{
	static uint8_t ies[8000], b[8100];
	struct pf_enc e;
	struct pf_hdr h = {.type = PF_SESS_MOD_REQ, .has_seid = 1};
	int i, n;

	/* the builder refuses to open more than PF_DEPTH_MAX groups */
	pf_enc_begin(&e, b, sizeof(b), &h);
	for (i = 0; i <= PF_DEPTH_MAX; i++)
		pf_enc_group(&e, PF_IE_UPDATE_PDR);
	ck_assert_int_eq(pf_enc_end(&e), -EINVAL);
	/* 1000 Update PDRs each inside the next, by hand: refused (no PDR ID inside), never deep */
	for (i = 0; i < 1000; i++) {
		size_t at = (size_t)i * 4, l = (size_t)(1000 - i - 1) * 4;

		ies[at] = 0;
		ies[at + 1] = PF_IE_UPDATE_PDR;
		ies[at + 2] = (uint8_t)(l >> 8);
		ies[at + 3] = (uint8_t)l;
	}
	n = (int)raw(b, PF_SESS_MOD_REQ, 1, ies, 4000);
	ck_assert_int_ne(dec(b, (size_t)n).kind, PF_OK);
	for (i = 0; i < msg.n_ies; i++)
		ck_assert_int_lt(msg.ies[i].depth, PF_DEPTH_MAX);
}
END_TEST

/* A message numbered after it was built: the number lands where the decoder
 * reads it (after the SEID in a session message), nothing else changes, and a
 * message too short to hold one is left alone. */
START_TEST(put_seq)
{
	uint8_t b[2048], before[2048];
	struct pf_hdr h;
	int i;

	for (i = 0; i < PF_TEST_N_MSGS; i++) {
		int n = pf_test_msg(i, b, sizeof(b));

		ck_assert_int_gt(n, 0);
		memcpy(before, b, (size_t)n);
		pf_put_seq(b, (size_t)n, 0xabcdef);
		ck_assert_int_eq(pf_hdr_decode(b, (size_t)n, &h), 0);
		ck_assert_uint_eq(h.seq, 0xabcdef);
		pf_put_seq(b, (size_t)n, 0x1123456); /* 24 bits: the top one dropped */
		ck_assert_int_eq(pf_hdr_decode(b, (size_t)n, &h), 0);
		ck_assert_uint_eq(h.seq, 0x123456);
		for (size_t k = 0; k < (size_t)n; k++) {
			size_t at = (b[0] & 1) ? 12 : 4;

			if (k < at || k >= at + 3)
				ck_assert_msg(b[k] == before[k], "msg %d: byte %zu changed", i, k);
		}
		ck_assert_int_eq(pf_decode(b, (size_t)n, &msg).kind, PF_OK);
	}
	/* a session header cut before its sequence number: untouched */
	memset(b, 0x5a, 16);
	b[0] = PF_VERSION << 5 | 1;
	memcpy(before, b, 16);
	pf_put_seq(b, 14, 7);
	ck_assert_int_eq(memcmp(b, before, 16), 0);
	pf_put_seq(b, 15, 7);
	ck_assert_uint_eq(b[12], 0);
	ck_assert_uint_eq(b[13], 0);
	ck_assert_uint_eq(b[14], 7);
	ck_assert_uint_eq(b[15], 0x5a);
}
END_TEST

static Suite *
pfcp_suite(void)
{
	Suite *s = suite_create("pfcp");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, round_trips);
	tcase_add_test(tc, est_req_fields);
	tcase_add_test(tc, grouped_len_off_by_one);
	tcase_add_test(tc, vendor_and_unknown_skipped);
	tcase_add_test(tc, causes);
	tcase_add_test(tc, known_unsupported_refused);
	tcase_add_test(tc, depth_bound);
	tcase_add_test(tc, put_seq);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pfcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
