/* Unit tests of the PFCP sessions' persistence: pf_sess_pack / pf_sess_unpack (round
 * trips of the sample establishment and modification and of a richer session, every
 * proper prefix and every single-octet change refused, the invariants unpack checks, its
 * speed) and pf_store (put/del/sync/close/open/load gives the live set; a torn tail cut
 * at every octet of the last record, or garbage after it; compaction under overwrites
 * with puts and dels while it runs; crashes between compaction steps, as a copy of the
 * files and as a kill -9 of a child mid-compaction; 100k puts of 1 KiB: the figures).
 * `test_pfstore --seeds DIR` writes the seeds of tests/fuzz/corpus/pfstore. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf_codec.h"
#include "pf_crc.h"
#include "pf_save.h"
#include "pf_sess.h"
#include "pf_sess_priv.h"
#include "pf_store.h"
#include "pf_test_msgs.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- sessions ---- */

static struct pf_msg M, M2;

static struct pf_session *
sess_est(void)
{
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_EST_REQ, b, sizeof(b));
	struct pf_session *s;
	struct pf_fail f;

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&M, &s, &f), 0);
	/* as the session layer leaves it: its UP SEID, the F-TEID it chose */
	s->up_seid = 0x8000000000000123ull;
	s->pdr[0].fteid.teid = 0x10000001;
	s->pdr[0].fteid.v4[0] = 192;
	s->pdr[0].fteid.v4[3] = 10;
	return s;
}

static struct pf_session *
sess_mod(const struct pf_session *cur)
{
	uint8_t b[2048];
	int n = pf_test_msg(PF_TEST_MOD_REQ, b, sizeof(b));
	struct pf_session *t;
	struct pf_fail f;
	struct pf_mod x;

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(pf_decode(b, (size_t)n, &M2).kind, PF_OK);
	ck_assert_int_eq(pf_sess_modify(cur, &M2, &t, &x, &f), 0);
	return t;
}

static void
sdf_ie(struct pf_enc *e, const char *fd, uint32_t fid)
{
	uint8_t b[300];
	size_t n = strlen(fd), l = 4;

	b[0] = fid ? 0x11 : 0x01; /* FD, with BID its SDF Filter ID */
	b[1] = 0;
	b[2] = 0;
	b[3] = (uint8_t)n;
	memcpy(b + 4, fd, n);
	l += n;
	if (fid) {
		b[l++] = (uint8_t)(fid >> 24);
		b[l++] = (uint8_t)(fid >> 16);
		b[l++] = (uint8_t)(fid >> 8);
		b[l++] = (uint8_t)fid;
	}
	pf_enc_ie(e, PF_IE_SDF_FILTER, b, (uint16_t)l);
}

/* what the samples lack: IPv6 flows with ports, an Application ID, UE IPv4 and IPv6, an
 * SMF-given F-TEID over IPv6, OHR 6, BUFF|NOCP with a BAR, GBR, URR quotas, TLM */
static struct pf_session *
sess_rich(void)
{
	static const struct pf_node_id smf = {.kind = 0, .addr = {192, 0, 2, 1}};
	static uint8_t b[4096];
	struct pf_hdr h = {.type = PF_SESS_EST_REQ, .has_seid = 1, .seq = 7};
	struct pf_fseid fs = {.seid = 0xfedcba9876543210ull, .has_v6 = 1, .v6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	struct pf_fteid ft = {.teid = 0xdeadbeef, .has_v6 = 1, .v6 = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}};
	struct pf_ue_ip u4 = {.has_v4 = 1, .sd = 1, .v4 = {10, 45, 0, 2}};
	struct pf_ue_ip u6 = {.has_v6 = 1, .sd = 1, .v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 7}};
	struct pf_ue_ip c4 = {.ch4 = 1, .sd = 1};
	struct pf_ohc ohc = {.desc = PF_OHC_GTPU_UDP_IPV6, .teid = 0x1234, .v6 = {0x20, 0x01, [15] = 3}};
	struct pf_volume q = {.flags = 7, .total = 5000000000ull, .ul = 1000, .dl = 4999999000ull};
	uint8_t gbr[10] = {0, 0, 0, 0x01, 0x00, 0, 0, 0, 0x02, 0x00}, tlm[2] = {0xb8, 0xfc};
	uint8_t rt[3] = {0x02, 0x01, 0x00}, ohr = 6, aa[2] = {0x0c, 0x00};
	struct pf_session *s;
	struct pf_fail f;
	struct pf_enc e;
	int n;

	pf_enc_begin(&e, b, sizeof(b), &h);
	pf_enc_node_id(&e, &smf);
	pf_enc_fseid(&e, &fs);
	pf_enc_u8(&e, PF_IE_PDN_TYPE, 3);
	pf_enc_group(&e, PF_IE_CREATE_PDR);
	pf_enc_u16(&e, PF_IE_PDR_ID, 7);
	pf_enc_u32(&e, PF_IE_PRECEDENCE, 70000);
	pf_enc_group(&e, PF_IE_PDI);
	pf_enc_u8(&e, PF_IE_SRC_IFACE, 0);
	pf_enc_fteid(&e, &ft);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, "ims", 3);
	pf_enc_ue_ip(&e, &u4);
	pf_enc_ue_ip(&e, &u6);
	sdf_ie(&e, "permit out 17 from 2001:db8:1::/48 5060,5061,6000-6100 to assigned", 0);
	sdf_ie(&e, "permit out 6 from 198.51.100.7 443 to 10.45.0.2", 0x1111);
	pf_enc_ie(&e, PF_IE_APP_ID, "voice-app", 9);
	pf_enc_u8(&e, PF_IE_QFI, 1);
	pf_enc_u8(&e, PF_IE_QFI, 5);
	pf_enc_group_end(&e);
	pf_enc_ie(&e, PF_IE_OHR, &ohr, 1);
	pf_enc_u32(&e, PF_IE_FAR_ID, 0x10);
	pf_enc_u32(&e, PF_IE_QER_ID, 3);
	pf_enc_u32(&e, PF_IE_QER_ID, 4);
	pf_enc_u32(&e, PF_IE_URR_ID, 9);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_PDR);
	pf_enc_u16(&e, PF_IE_PDR_ID, 3);
	pf_enc_u32(&e, PF_IE_PRECEDENCE, 10);
	pf_enc_group(&e, PF_IE_PDI);
	pf_enc_u8(&e, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, "ims", 3);
	pf_enc_ue_ip(&e, &u6);
	pf_enc_ue_ip(&e, &c4);   /* its IPv4 address left to the UP function (UEIP) */
	/* an Ethernet Packet Filter with every field (the session layer, not the
	 * model, says an IP session has none) */
	pf_enc_group(&e, PF_IE_ETH_PACKET_FILTER);
	pf_enc_u32(&e, PF_IE_ETH_FILTER_ID, 77);
	pf_enc_u8(&e, PF_IE_ETH_FILTER_PROPS, 1);
	pf_enc_ie(&e, PF_IE_MAC_ADDRESS, "\x05\x02\0\0\0\0\x01\x02\0\0\0\0\xff", 13);
	pf_enc_ie(&e, PF_IE_MAC_ADDRESS, "\x02\x02\0\0\0\0\x09", 7);
	pf_enc_ie(&e, PF_IE_ETHERTYPE, "\x88\xb5", 2);
	pf_enc_ie(&e, PF_IE_C_TAG, "\x05\x23\x21", 3);
	pf_enc_ie(&e, PF_IE_S_TAG, "\x04\x00\x0a", 3);
	pf_enc_group_end(&e);
	pf_enc_group_end(&e);
	pf_enc_u32(&e, PF_IE_FAR_ID, 0x20);
	pf_enc_u32(&e, PF_IE_URR_ID, 9);
	pf_enc_ie(&e, PF_IE_UE_IP_POOL_ID, "\x00\x05pool1", 7);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 0x10);
	pf_enc_u8(&e, PF_IE_APPLY_ACTION, 0x02);
	pf_enc_group(&e, PF_IE_FWD_PARAMS);
	pf_enc_u8(&e, PF_IE_DST_IFACE, 1);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, "ims", 3);
	pf_enc_ie(&e, PF_IE_TLM, tlm, 2);
	pf_enc_group_end(&e);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 0x20);
	pf_enc_ie(&e, PF_IE_APPLY_ACTION, aa, 2);
	pf_enc_group(&e, PF_IE_FWD_PARAMS);
	pf_enc_u8(&e, PF_IE_DST_IFACE, 0);
	pf_enc_ohc(&e, &ohc);
	pf_enc_group_end(&e);
	pf_enc_u8(&e, PF_IE_BAR_ID, 2);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_QER);
	pf_enc_u32(&e, PF_IE_QER_ID, 3);
	pf_enc_u8(&e, PF_IE_GATE_STATUS, 0x04);
	pf_enc_ie(&e, PF_IE_GBR, gbr, sizeof(gbr));
	pf_enc_u32(&e, PF_IE_QER_CORR_ID, 77);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_QER);
	pf_enc_u32(&e, PF_IE_QER_ID, 4);
	pf_enc_u8(&e, PF_IE_GATE_STATUS, 0x01);
	pf_enc_u8(&e, PF_IE_QFI, 63);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_URR);
	pf_enc_u32(&e, PF_IE_URR_ID, 9);
	pf_enc_u8(&e, PF_IE_MEAS_METHOD, 0x03);
	pf_enc_ie(&e, PF_IE_REPORTING_TRIGGERS, rt, sizeof(rt));
	pf_enc_volume(&e, PF_IE_VOL_QUOTA, &q);
	pf_enc_u32(&e, PF_IE_TIME_QUOTA, 3600);
	pf_enc_u32(&e, PF_IE_QUOTA_VALIDITY_TIME, 600);
	pf_enc_u32(&e, PF_IE_ETH_INACT_TIMER, 45);
	pf_enc_u32(&e, PF_IE_FAR_ID, 0x10);	/* for Quota Action */
	pf_enc_group_end(&e);
	/* one reporting with it (LIUSA) */
	pf_enc_group(&e, PF_IE_CREATE_URR);
	pf_enc_u32(&e, PF_IE_URR_ID, 10);
	pf_enc_u8(&e, PF_IE_MEAS_METHOD, 0x02);
	pf_enc_ie(&e, PF_IE_REPORTING_TRIGGERS, (const uint8_t[]){0x80, 0x00}, 2);
	pf_enc_u32(&e, PF_IE_LINKED_URR_ID, 9);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_BAR);
	pf_enc_u8(&e, PF_IE_BAR_ID, 2);
	pf_enc_u8(&e, PF_IE_DL_DATA_NOTIF_DELAY, 4);
	pf_enc_u8(&e, PF_IE_SUGG_BUF_PKTS, 16);
	pf_enc_group_end(&e);
	pf_enc_u32(&e, PF_IE_UP_INACT_TIMER, 300);
	n = pf_enc_end(&e);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(pf_decode(b, (size_t)n, &M).kind, PF_OK);
	ck_assert_int_eq(pf_sess_establish(&M, &s, &f), 0);
	ck_assert(s->n_pdr == 2 && s->n_far == 2 && s->n_qer == 2 && s->n_urr == 2 && s->bar.present);
	ck_assert(s->urr[0].quota_validity == 600 && s->urr[1].n_linked == 1 && s->urr[1].linked[0] == 9);
	ck_assert(s->urr[0].eth_inact == 45 && s->urr[0].has_far_quota && s->urr[0].far_quota == 0x10);
	ck_assert_uint_eq(s->inact_s, 300);
	ck_assert(s->pdr[1].n_sdf == 2 && s->pdr[1].app != 0 && s->pdr[1].ue.has_v4 && s->pdr[1].ue.has_v6);
	return s;
}

/* every field, by name: a struct's padding is not compared */
#define EQ(f) ck_assert_msg(a->f == b->f, "%s differs", #f)
#define EQB(f) ck_assert_msg(memcmp(a->f, b->f, sizeof(a->f)) == 0, "%s differs", #f)

static void
end_eq(const struct pf_flow_end *a, const struct pf_flow_end *b)
{
	EQB(addr);
	EQ(plen);
	EQ(any);
	EQ(assigned);
	EQ(n_ports);
	EQB(ports);
}

static void
fteid_eq(const struct pf_fteid *a, const struct pf_fteid *b)
{
	EQ(has_v4);
	EQ(has_v6);
	EQ(ch);
	EQ(has_chid);
	EQ(chid);
	EQ(teid);
	EQB(v4);
	EQB(v6);
}

static void
sess_eq(const struct pf_session *x, const struct pf_session *y)
{
	int i, k;

	ck_assert_uint_eq(pf_sess_bytes(x), pf_sess_bytes(y));
	{
		const struct pf_session *a = x, *b = y;

		EQ(up_seid);
		EQ(cp.seid);
		EQ(cp.has_v4);
		EQ(cp.has_v6);
		EQB(cp.v4);
		EQB(cp.v6);
		EQ(pdn_type);
		EQ(inact_s);
		EQ(n_pdr);
		EQ(n_far);
		EQ(n_qer);
		EQ(n_urr);
		EQ(bar.present);
		EQ(bar.id);
		EQ(bar.has_delay);
		EQ(bar.has_sugg);
		EQ(bar.dl_notif_delay);
		EQ(bar.sugg_pkts);
		EQ(bytes);
	}
	for (i = 0; i < x->n_pdr; i++) {
		const struct pf_pdr *a = &x->pdr[i], *b = &y->pdr[i];

		EQ(id);
		EQ(src_iface);
		EQ(has_ohr);
		EQ(ohr);
		EQ(has_fteid);
		EQ(has_ue_ip);
		EQ(n_sdf);
		EQ(n_qer);
		EQ(n_urr);
		EQ(n_ethf);
		if (a->n_ethf)
			ck_assert(memcmp(a->ethf, b->ethf, a->n_ethf * sizeof(*a->ethf)) == 0);
		ck_assert_str_eq(pf_sess_name(a->ni), pf_sess_name(b->ni));
		ck_assert_str_eq(pf_sess_name(a->app), pf_sess_name(b->app));
		EQ(ni);
		EQ(app);
		EQ(precedence);
		EQ(far_id);
		EQ(qfi_mask);
		fteid_eq(&a->fteid, &b->fteid);
		EQ(ue.has_v4);
		EQ(ue.has_v6);
		EQ(ue.sd);
		EQ(ue.ch4);
		EQ(ue.ch6);
		EQ(pool);
		EQ(ue.v6d);
		EQ(ue.has_v6_plen);
		EQ(ue.v6_plen);
		EQB(ue.v4);
		EQB(ue.v6);
		for (k = 0; k < a->n_qer; k++)
			EQ(qer[k]);
		for (k = 0; k < a->n_urr; k++)
			EQ(urr[k]);
		for (k = 0; k < a->n_sdf; k++) {
			const struct pf_sdf_rule *c = &a->sdf[k], *d = &b->sdf[k];

			ck_assert(c->has_fd == d->has_fd && c->flags == d->flags && c->tos == d->tos &&
				c->spi == d->spi && c->flow_label == d->flow_label && c->filter_id == d->filter_id);
			ck_assert(c->flow.dir == d->flow.dir && c->flow.proto == d->flow.proto && c->flow.af == d->flow.af);
			end_eq(&c->flow.src, &d->flow.src);
			end_eq(&c->flow.dst, &d->flow.dst);
		}
		/* the pointers are the copy's own */
		ck_assert(a->n_sdf == 0 || a->sdf != b->sdf);
	}
	for (i = 0; i < x->n_far; i++) {
		const struct pf_far *a = &x->far[i], *b = &y->far[i];

		EQ(id);
		EQ(apply);
		EQ(has_fwd);
		EQ(dst_iface);
		EQ(ni);
		ck_assert_str_eq(pf_sess_name(a->ni), pf_sess_name(b->ni));
		EQ(has_redir);
		EQ(redir_type);
		ck_assert_str_eq(pf_sess_name(a->redir_url), pf_sess_name(b->redir_url));
		ck_assert(memcmp(a->redir_v4, b->redir_v4, 4) == 0 && memcmp(a->redir_v6, b->redir_v6, 16) == 0);
		EQ(has_ohc);
		EQ(has_tlm);
		EQ(has_bar);
		EQ(tos);
		EQ(tos_mask);
		EQ(bar_id);
		EQ(ohc.desc);
		EQ(ohc.teid);
		EQB(ohc.v4);
		EQB(ohc.v6);
		EQ(ohc.port);
	}
	for (i = 0; i < x->n_qer; i++) {
		const struct pf_qer *a = &x->qer[i], *b = &y->qer[i];

		EQ(id);
		EQ(corr);
		EQ(has_corr);
		EQ(has_mbr);
		EQ(has_gbr);
		EQ(has_qfi);
		EQ(gate_ul);
		EQ(gate_dl);
		EQ(qfi);
		EQ(mbr.ul);
		EQ(mbr.dl);
		EQ(gbr.ul);
		EQ(gbr.dl);
	}
	for (i = 0; i < x->n_urr; i++) {
		const struct pf_urr *a = &x->urr[i], *b = &y->urr[i];

		EQ(id);
		EQ(method);
		EQ(has_vol_thresh);
		EQ(has_vol_quota);
		EQ(triggers);
		EQ(time_thresh);
		EQ(time_quota);
		EQ(meas_period);
		EQ(quota_holding);
		EQ(quota_validity);
		EQ(eth_inact);
		EQ(has_far_quota);
		EQ(far_quota);
		EQ(n_linked);
		for (int k = 0; k < a->n_linked; k++)
			EQ(linked[k]);
		EQ(vol_thresh.flags);
		EQ(vol_thresh.total);
		EQ(vol_thresh.ul);
		EQ(vol_thresh.dl);
		EQ(vol_quota.flags);
		EQ(vol_quota.total);
		EQ(vol_quota.ul);
		EQ(vol_quota.dl);
	}
}

/* packs @s, unpacks it, checks the copy equal and packing again the same bytes */
static int
round_trip(const struct pf_session *s, uint8_t *b, size_t size)
{
	uint8_t b2[4096];
	struct pf_session *t;
	int n = pf_sess_pack(s, b, size), q = pf_sess_pack(s, NULL, 0);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(q, n);
	ck_assert_int_eq(pf_sess_pack(s, b2, (size_t)n - 1), -ENOSPC);
	ck_assert_int_eq(pf_sess_unpack(b, (size_t)n, &t), 0);
	sess_eq(s, t);
	ck_assert_int_eq(pf_sess_pack(t, b2, sizeof(b2)), n);
	ck_assert(memcmp(b, b2, (size_t)n) == 0);
	pf_sess_free(t);
	return n;
}

START_TEST(pack_round_trip)
{
	struct pf_session *e = sess_est(), *m = sess_mod(e), *r = sess_rich();
	uint8_t b[4096];
	int ne = round_trip(e, b, sizeof(b)), nm = round_trip(m, b, sizeof(b)), nr = round_trip(r, b, sizeof(b));
	struct pf_pdr *p = r->pdr;

	while (p->id != 3)
		p++;
	/* the rich one's PDR asking for a UE address, and with the one chosen */
	ck_assert(p->ue.ch4 && !p->ue.has_v4 && p->ue.has_v6 && strcmp(pf_sess_name(p->pool), "pool1") == 0);
	/* its Ethernet Packet Filter as sent: a source range, a destination, tags */
	ck_assert_int_eq(p->n_ethf, 1);
	ck_assert(p->ethf[0].id == 77 && p->ethf[0].props == PF_ETHF_BIDE && p->ethf[0].n_mac == 2 &&
		  p->ethf[0].mac[0].flags == (PF_MAC_SOUR | PF_MAC_USOU) && p->ethf[0].mac[0].usrc[5] == 0xff &&
		  p->ethf[0].mac[1].flags == PF_MAC_DEST && p->ethf[0].mac[1].dst[5] == 9);
	ck_assert(p->ethf[0].has_type && p->ethf[0].ethertype == 0x88b5 && p->ethf[0].has_ctag &&
		  p->ethf[0].ctag.flags == (PF_TAG_PCP | PF_TAG_VID) && p->ethf[0].ctag.pcp == 3 &&
		  p->ethf[0].ctag.vid == 0x221 && p->ethf[0].has_stag && p->ethf[0].stag.vid == 10);
	round_trip(r, b, sizeof(b));
	/* the inactivity timer is format 2's: a session without one is written as format 1,
	 * which an sxcd before it reads; a format 2 record saying no field of its own is refused */
	ck_assert_uint_eq(b[0], 2);
	ck_assert_uint_eq(r->inact_s, 300);
	ck_assert_int_gt(round_trip(e, b, sizeof(b)), 0);
	ck_assert_uint_eq(b[0], 1);
	{
		uint8_t v2[4096];
		struct pf_session *t;
		int n1 = pf_sess_pack(e, b, sizeof(b)), at = 1;
		uint32_t crc;

		/* e's record made format 2 by hand: a second mask after the first mask's fields
		 * (the UP SEID's varint, the mask, the CP SEID's varint, what the mask says follows) */
		while (b[at] & 0x80)
			at++;
		at++;	/* up_seid */
		{
			uint8_t m = b[at++];

			while (b[at] & 0x80)
				at++;
			at++;	/* cp.seid */
			at += (m & 0x04 ? 4 : 0) + (m & 0x08 ? 16 : 0) + (m & 0x10 ? 1 : 0) + (m & 0xe0 ? 3 : 0);
		}
		memcpy(v2, b, (size_t)at);
		v2[0] = 2;
		v2[at] = 0;
		memcpy(v2 + at + 1, b + at, (size_t)n1 - 4 - (size_t)at);
		crc = pf_crc32c(0, v2, (size_t)n1 - 4 + 1);
		for (int k = 0; k < 4; k++)
			v2[n1 + 1 - 4 + k] = (uint8_t)(crc >> (8 * k));
		ck_assert_int_eq(pf_sess_unpack(v2, (size_t)n1 + 1, &t), -EINVAL);
		v2[at] = 0x01 /* the timer follows */;
		memmove(v2 + at + 2, v2 + at + 1, (size_t)n1 - 4 - (size_t)at);
		v2[at + 1] = 7;	/* a timer of 7 s */
		crc = pf_crc32c(0, v2, (size_t)n1 - 4 + 2);
		for (int k = 0; k < 4; k++)
			v2[n1 + 2 - 4 + k] = (uint8_t)(crc >> (8 * k));
		ck_assert_int_eq(pf_sess_unpack(v2, (size_t)n1 + 2, &t), 0);
		ck_assert_uint_eq(t->inact_s, 7);
		pf_sess_free(t);
	}
	p->ue.has_v4 = 1;
	memcpy(p->ue.v4, "\x0a\x2d\x00\x09", 4);
	round_trip(r, b, sizeof(b));

	printf("pf_sess_pack: the sample establishment %zu bytes in memory, %d packed; after the "
	       "modification %zu, %d; the rich one %zu, %d\n",
		pf_sess_bytes(e), ne, pf_sess_bytes(m), nm, pf_sess_bytes(r), nr);
	ck_assert_int_le(ne, 200);
	/* the names live with the sessions alone */
	pf_sess_free(e);
	pf_sess_free(m);
	pf_sess_free(r);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
	/* unpacked with no other session holding its names: interned anew, then released */
	r = sess_rich();
	nr = pf_sess_pack(r, b, sizeof(b));
	pf_sess_free(r);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
	ck_assert_int_eq(pf_sess_unpack(b, (size_t)nr, &r), 0);
	ck_assert_str_eq(pf_sess_name(r->pdr[1].app), "voice-app");
	ck_assert_str_eq(pf_sess_name(r->far[0].ni), "ims");
	ck_assert_uint_eq(pf_sess_names_used(), 3)   /* voice-app, ims, pool1 */;
	pf_sess_free(r);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
	/* an empty session too */
	{
		struct pf_session z = {.up_seid = 1, .bytes = 0}, *t;
		int n = pf_sess_pack(&z, b, sizeof(b));

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(pf_sess_unpack(b, (size_t)n, &t), 0);
		ck_assert(t->up_seid == 1 && t->n_pdr == 0 && t->pdr == NULL);
		pf_sess_free(t);
	}
}
END_TEST

/* A session's journal record (pf_save) packed and read back: its usage whole, packet
 * counts and quota baselines too (they were not kept before format 2: an MNOP report's
 * packets and a quota granted again were wrong after an sxcd restart); another format
 * refused. */
/* Redirect Information packed: a session with one is format 2 (its second mask's
 * PACK_M2_REDIR: an sxcd before it refuses the record), its URL a name, its addresses as
 * they are; without one, format 1 as before */
START_TEST(pack_redirect)
{
	struct pf_session *e = sess_est();
	struct pf_far *f = &e->far[0];
	uint8_t b[4096];
	struct pf_session *t;
	int n;

	ck_assert_int_gt(round_trip(e, b, sizeof(b)), 0);
	ck_assert_uint_eq(b[0], 1);
	f->has_redir = true;
	f->redir_type = PF_REDIR_IPV4V6;
	memcpy(f->redir_v4, "\xc6\x12\x00\x50", 4);
	f->redir_v6[0] = 0x20;
	f->redir_v6[15] = 0x80;
	ck_assert_int_gt(round_trip(e, b, sizeof(b)), 0);
	ck_assert_uint_eq(b[0], 2);
	memset(f->redir_v4, 0, 4);
	memset(f->redir_v6, 0, 16);
	f->redir_type = PF_REDIR_URL;
	f->redir_url = pf_sess_intern("http://portal.example/x", 23);
	ck_assert_uint_ne(f->redir_url, 0);
	n = pf_sess_pack(e, b, sizeof(b));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(b[0], 2);
	ck_assert_int_eq(pf_sess_unpack(b, (size_t)n, &t), 0);
	ck_assert(t->far[0].has_redir && t->far[0].redir_type == PF_REDIR_URL);
	ck_assert_str_eq(pf_sess_name(t->far[0].redir_url), "http://portal.example/x");
	pf_sess_free(t);
	f->has_redir = false;
	f->redir_type = 0;
	f->redir_url = 0;
	pf_sess_free(e);
}
END_TEST

START_TEST(save_round_trip)
{
	struct pf_ulink link = { .urr = 1, .ctr = 7, .pdr = 2, .ul = 1, .base = 1001, .base_pkts = 11 };
	struct pf_meas meas = { .urr = 1, .seqn = 3, .start_ntp = 12345, .quota_gen = 2, .quota_ul = 5000,
				.quota_dl = 6000, .gone_ul = 7, .gone_dl = 8, .rep_ul = 900, .rep_dl = 901,
				.gone_ul_p = 9, .gone_dl_p = 10, .rep_ul_p = 12, .rep_dl_p = 13, .exhausted = true,
				.mnop = true };
	struct pf_rid cnt = { .key = 2, .id = 7, .thr = 4096, .stopped = 1 };
	struct pf_rec r = { .seid = 0x1000001, .sess_id = 1, .cnt = &cnt, .n_cnt = 1, .use = { .link = &link,
			    .meas = &meas, .n_link = 1, .n_meas = 1 }, .s = sess_est() }, t;
	uint8_t b[8192];
	int n;

	snprintf(r.assoc, sizeof(r.assoc), "smf1");
	snprintf(r.upf, sizeof(r.upf), "edge");
	n = pf_save_pack(&r, b, sizeof(b));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(b[0], 2);
	ck_assert_int_eq(pf_save_unpack(b, (size_t)n, &t), 0);
	ck_assert(t.seid == r.seid && t.sess_id == 1 && strcmp(t.assoc, "smf1") == 0 && strcmp(t.upf, "edge") == 0);
	ck_assert(t.n_cnt == 1 && memcmp(t.cnt, &cnt, sizeof(cnt)) == 0);
	ck_assert(t.use.n_link == 1 && memcmp(t.use.link, &link, sizeof(link)) == 0);
	ck_assert(t.use.n_meas == 1);
	ck_assert(t.use.meas[0].quota_gen == 2 && t.use.meas[0].quota_ul == 5000 && t.use.meas[0].quota_dl == 6000);
	ck_assert(t.use.meas[0].gone_ul_p == 9 && t.use.meas[0].gone_dl_p == 10 && t.use.meas[0].rep_ul_p == 12 &&
		  t.use.meas[0].rep_dl_p == 13 && t.use.meas[0].mnop && t.use.meas[0].exhausted);
	ck_assert(t.use.meas[0].seqn == 3 && t.use.meas[0].rep_ul == 900 && t.use.meas[0].rep_dl == 901 &&
		  t.use.meas[0].gone_ul == 7 && t.use.meas[0].gone_dl == 8);
	pf_save_free(&t);
	b[0] = 3;   /* a format this build does not know */
	ck_assert_int_eq(pf_save_unpack(b, (size_t)n, &t), -EINVAL);
	pf_sess_free(r.s);
}
END_TEST

/* every proper prefix, every single octet changed (each bit, and to 0x00 and 0xff), a
 * trailing octet, another version: refused, nothing leaked or kept */
START_TEST(pack_refused)
{
	struct pf_session *e = sess_est(), *m = sess_mod(e), *r = sess_rich(), *ss[3] = {e, m, r}, *t;
	uint8_t b[4096], c[4096];
	unsigned names;
	int i, n, k, bit;

	names = pf_sess_names_used();
	for (i = 0; i < 3; i++) {
		n = pf_sess_pack(ss[i], b, sizeof(b));
		for (k = 0; k < n; k++) {
			uint8_t *p = malloc((size_t)(k ? k : 1)); /* exact size: an over-read is caught */

			memcpy(p, b, (size_t)k);
			t = (struct pf_session *)1;
			ck_assert_int_eq(pf_sess_unpack(p, (size_t)k, &t), -EINVAL);
			ck_assert_ptr_null(t);
			free(p);
		}
		for (k = 0; k < n; k++)
			for (bit = 0; bit < 10; bit++) {
				memcpy(c, b, (size_t)n);
				c[k] = bit < 8 ? (uint8_t)(c[k] ^ (1u << bit)) : bit == 8 ? 0 : 0xff;
				if (c[k] == b[k])
					continue;
				ck_assert_msg(pf_sess_unpack(c, (size_t)n, &t) == -EINVAL, "octet %d changed", k);
			}
		memcpy(c, b, (size_t)n);
		c[n] = 0;
		ck_assert_int_eq(pf_sess_unpack(c, (size_t)n + 1, &t), -EINVAL);
		c[0] = b[0] == 1 ? 2 : 1;   /* the other format */
		ck_assert_int_eq(pf_sess_unpack(c, (size_t)n, &t), -EINVAL);
		c[0] = 3;
		ck_assert_int_eq(pf_sess_unpack(c, (size_t)n, &t), -EINVAL);
	}
	ck_assert_uint_eq(pf_sess_names_used(), names);
	ck_assert_int_eq(pf_sess_unpack(NULL, 0, &t), -EINVAL);
	pf_sess_free(e);
	pf_sess_free(m);
	pf_sess_free(r);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

/* a well-framed string (good CRC) of a session that breaks what establish guarantees */
static int
bad_unpack(struct pf_session *s)
{
	uint8_t b[4096];
	struct pf_session *t = NULL;
	int n = pf_sess_pack(s, b, sizeof(b)), rc;

	ck_assert_int_gt(n, 0);
	rc = pf_sess_unpack(b, (size_t)n, &t);
	if (rc == 0)
		pf_sess_free(t);
	return rc;
}

START_TEST(unpack_invariants)
{
	struct pf_session *r = sess_rich();
	struct pf_pdr *p = &r->pdr[1];
	struct pf_far *f = &r->far[1];

#define BAD(field, v) do { __typeof__(field) o_ = field; field = v; \
	ck_assert_msg(bad_unpack(r) == -EINVAL, "%s = %s accepted", #field, #v); field = o_; \
	ck_assert_int_eq(bad_unpack(r), 0); } while (0)
	ck_assert_int_eq(bad_unpack(r), 0);
	BAD(r->pdr[0].id, 7);             /* not sorted / twice */
	BAD(r->far[0].id, 0x30);
	BAD(r->qer[1].id, 3);
	BAD(p->far_id, 0x30);             /* no such FAR */
	BAD(p->qer[1], 5);                /* no such QER */
	BAD(p->urr[0], 1);                /* no such URR */
	BAD(p->src_iface, 5);
	BAD(p->ohr, 2);
	BAD(p->has_ohr, false);           /* OHR 6 without its flag */
	BAD(p->has_fteid, false);
	BAD(p->sdf[0].flow.dir, 2);
	BAD(p->sdf[0].flow.af, 99);
	BAD(p->sdf[0].flow.src.plen, 129);
	BAD(p->sdf[0].flow.src.addr[15], 1); /* host bits past /48 */
	BAD(p->sdf[0].flow.dst.any, true);   /* both any and assigned */
	BAD(p->sdf[0].flow.src.n_ports, 9);
	BAD(p->sdf[0].flow.af, AF_INET);     /* an IPv6 prefix in an IPv4 flow */
	BAD(f->apply, PF_AA_FORW | PF_AA_DROP);
	BAD(f->apply, PF_AA_DUPL);
	BAD(r->far[0].has_fwd, false);       /* FORW without forwarding parameters */
	BAD(f->dst_iface, 6);
	BAD(f->ohc.desc, 0x0400);
	BAD(f->bar_id, 3);                   /* no such BAR */
	BAD(r->bar.present, false);
	BAD(r->qer[0].gate_dl, 2);
	BAD(r->qer[1].qfi, 64);
	BAD(r->urr[0].method, 0x08);
	BAD(r->pdn_type, 8);
	BAD(p->fteid.has_chid, 1);           /* CHID without CH */
#undef BAD
	pf_sess_free(r);
	ck_assert_uint_eq(pf_sess_names_used(), 0);
}
END_TEST

START_TEST(pack_speed)
{
	struct pf_session *e = sess_est(), *m = sess_mod(e), *t;
	enum { N = 200000 };
	uint8_t b[4096];
	double t0, t1, t2;
	int i, n = 0;

	t0 = now();
	for (i = 0; i < N; i++)
		n = pf_sess_pack(m, b, sizeof(b));
	t1 = now();
	for (i = 0; i < N; i++) {
		ck_assert(pf_sess_unpack(b, (size_t)n, &t) == 0);
		pf_sess_free(t);
	}
	t2 = now();
	printf("pf_sess_pack: %.0f ns, pf_sess_unpack (+ free): %.0f ns, for the modified sample "
	       "(%zu bytes in memory, %d packed)\n",
		(t1 - t0) * 1e9 / N, (t2 - t1) * 1e9 / N, pf_sess_bytes(m), n);
	pf_sess_free(e);
	pf_sess_free(m);
}
END_TEST

/* ---- the store ---- */

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/pfstore.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void
rmdir_all(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
pathof(const char *d, const char *f)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/pfcp/%s", d, f);
	return p;
}

/* the model: key k (< KMAX) holds a value of len[k] octets made from (k, gen[k]) */
#define KMAX 4096
struct model {
	int live[KMAX];
	uint32_t gen[KMAX];
	uint32_t len[KMAX];
};

static void
fill(uint8_t *b, size_t n, uint64_t k, uint32_t g)
{
	uint64_t x = k * 0x9e3779b97f4a7c15ull + g;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)x;
	}
}

static void
m_put(struct pf_store *s, struct model *m, uint64_t k, uint32_t len)
{
	static uint8_t b[PF_STORE_REC_MAX];

	m->gen[k]++;
	m->len[k] = len;
	m->live[k] = 1;
	fill(b, len, k, m->gen[k]);
	ck_assert_int_eq(pf_store_put(s, k, b, len), 0);
}

static void
m_del(struct pf_store *s, struct model *m, uint64_t k)
{
	ck_assert_int_eq(pf_store_del(s, k), m->live[k] ? 0 : -ENOENT);
	m->live[k] = 0;
}

struct seen {
	const struct model *m;
	int n, bad;
	uint8_t got[KMAX];
};

static int
check_rec(void *arg, uint64_t k, const uint8_t *b, size_t len)
{
	static uint8_t want[PF_STORE_REC_MAX];
	struct seen *v = arg;

	if (k >= KMAX || !v->m->live[k] || v->got[k] || len != v->m->len[k]) {
		v->bad++;
		return 0;
	}
	fill(want, len, k, v->m->gen[k]);
	if (memcmp(want, b, len) != 0)
		v->bad++;
	v->got[k] = 1;
	v->n++;
	return 0;
}

static uint64_t
n_live(const struct model *m)
{
	uint64_t n = 0;
	int k;

	for (k = 0; k < KMAX; k++)
		n += (uint64_t)m->live[k];
	return n;
}

/* what @s loads is exactly the model's live set */
static int
matches(struct pf_store *s, const struct model *m)
{
	struct seen *v = calloc(1, sizeof(*v));
	int k, want = 0, ok;

	v->m = m;
	ck_assert_int_eq(pf_store_load(s, check_rec, v), 0);
	for (k = 0; k < KMAX; k++)
		want += m->live[k];
	ok = v->bad == 0 && v->n == want;
	free(v);
	return ok;
}

static void
reopen(struct pf_store **s, const char *d)
{
	pf_store_close(*s);
	ck_assert_int_eq(pf_store_open(d, s), 0);
}

static int
stop_at_3(void *arg, uint64_t k, const uint8_t *b, size_t len)
{
	int *n = arg;

	(void)k;
	(void)b;
	(void)len;
	return ++*n == 3 ? -42 : 0;
}

static uint64_t order[8];
static int n_order;

static int
record_order(void *arg, uint64_t k, const uint8_t *b, size_t len)
{
	(void)arg;
	(void)b;
	(void)len;
	if (n_order < 8)
		order[n_order++] = k;
	return 0;
}

START_TEST(store_basic)
{
	struct model *m = calloc(1, sizeof(*m));
	char *d = tmpdir();
	struct pf_store_stats st;
	struct pf_store *s;
	struct stat sb;
	uint8_t big[PF_STORE_REC_MAX + 1];
	int k, n = 0;

	ck_assert_int_eq(pf_store_open("/nonexistent/dir", &s), -ENOENT);
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	ck_assert_int_eq(stat(pathof(d, ""), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	for (k = 1; k < 1000; k++)
		m_put(s, m, (uint64_t)k, (uint16_t)(k % 300));
	for (k = 1; k < 1000; k += 3)
		m_del(s, m, (uint64_t)k);
	for (k = 2; k < 1000; k += 5)
		m_put(s, m, (uint64_t)k, 100);
	m_del(s, m, 1); /* gone already */
	ck_assert_int_eq(pf_store_put(s, 5000, big, sizeof(big)), -EMSGSIZE);
	m_put(s, m, 4000, PF_STORE_REC_MAX);
	ck_assert(matches(s, m)); /* before a sync, from the buffer */
	ck_assert_int_eq(pf_store_sync(s), 0);
	ck_assert_int_eq(pf_store_sync(s), 0); /* nothing to do */
	pf_store_stats(s, &st);
	ck_assert_uint_eq(st.syncs, 1);
	ck_assert_uint_eq(st.live, n_live(m));
	reopen(&s, d);
	ck_assert(matches(s, m));
	pf_store_stats(s, &st);
	ck_assert_uint_eq(st.live, n_live(m));
	ck_assert_int_eq(stat(pathof(d, "sessions.log"), &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, st.file_bytes);
	/* load stops where fn says */
	ck_assert_int_eq(pf_store_load(s, stop_at_3, &n), -42);
	/* not synced: lost at close */
	m_put(s, m, 3000, 10);
	pf_store_close(s);
	m->live[3000] = 0;
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	ck_assert(matches(s, m));
	/* oldest first: by where the last put of each is */
	pf_store_close(s);
	rmdir_all(d);
	ck_assert_int_eq(pf_store_open(d, &s), -ENOENT);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	ck_assert_int_eq(pf_store_put(s, 7, big, 1), 0);
	ck_assert_int_eq(pf_store_put(s, 3, big, 1), 0);
	ck_assert_int_eq(pf_store_put(s, 9, big, 1), 0);
	ck_assert_int_eq(pf_store_put(s, 7, big, 2), 0);
	ck_assert_int_eq(pf_store_sync(s), 0);
	n_order = 0;
	ck_assert_int_eq(pf_store_load(s, record_order, NULL), 0);
	ck_assert(n_order == 3 && order[0] == 3 && order[1] == 9 && order[2] == 7);
	/* not a log: refused, left alone */
	pf_store_close(s);
	{
		FILE *f = fopen(pathof(d, "sessions.log"), "w");

		fputs("something else entirely", f);
		fclose(f);
	}
	ck_assert_int_eq(pf_store_open(d, &s), -EINVAL);
	ck_assert_int_eq(stat(pathof(d, "sessions.log"), &sb), 0);
	ck_assert_int_eq(sb.st_size, 23);
	rmdir_all(d);
	free(d);
	free(m);
}
END_TEST

static void
copy_file(const char *from, const char *to, off_t upto, const void *extra, size_t n_extra)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[65536];
	off_t done = 0;
	size_t r;

	ck_assert(a && b);
	while (done < upto && (r = fread(buf, 1, (size_t)(upto - done) < sizeof(buf) ? (size_t)(upto - done) :
		sizeof(buf), a)) > 0) {
		ck_assert_uint_eq(fwrite(buf, 1, r, b), r);
		done += (off_t)r;
	}
	if (n_extra)
		ck_assert_uint_eq(fwrite(extra, 1, n_extra, b), n_extra);
	fclose(a);
	fclose(b);
}

/* the log cut at every octet of its last record (a put that replaces, then one of a new
 * key, then a del), and garbage after whole records: what came before loads */
START_TEST(store_torn_tail)
{
	struct model *m = calloc(1, sizeof(*m)), *prev = calloc(1, sizeof(*prev));
	char *d = tmpdir(), *e = tmpdir(), src[512], dst[512], sub[512];
	struct pf_store_stats st;
	struct pf_store *s, *t;
	int round, k;

	snprintf(sub, sizeof(sub), "%s/pfcp", e);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(dst, sizeof(dst), "%s/pfcp/sessions.log", e);
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	for (k = 0; k < 50; k++)
		m_put(s, m, (uint64_t)k, (uint16_t)(40 + k));
	ck_assert_int_eq(pf_store_sync(s), 0);
	snprintf(src, sizeof(src), "%s", pathof(d, "sessions.log"));
	for (round = 0; round < 3; round++) {
		uint64_t before, after, cut;

		*prev = *m;
		pf_store_stats(s, &st);
		before = st.file_bytes;
		if (round == 0)
			m_put(s, m, 10, 77);
		else if (round == 1)
			m_put(s, m, 60, 300);
		else
			m_del(s, m, 20);
		ck_assert_int_eq(pf_store_sync(s), 0);
		pf_store_stats(s, &st);
		after = st.file_bytes;
		for (cut = before; cut <= after; cut++) {
			copy_file(src, dst, (off_t)cut, NULL, 0);
			ck_assert_int_eq(pf_store_open(e, &t), 0);
			ck_assert_msg(matches(t, cut == after ? m : prev), "cut at %llu of %llu",
				(unsigned long long)cut, (unsigned long long)after);
			pf_store_stats(t, &st);
			ck_assert_uint_eq(st.file_bytes, cut == after ? after : before); /* cut off */
			pf_store_close(t);
			/* and it stays so: reopened, the same */
			ck_assert_int_eq(pf_store_open(e, &t), 0);
			ck_assert(matches(t, cut == after ? m : prev));
			pf_store_close(t);
		}
	}
	/* garbage after the whole records: zeros (a file grown, its data not written), random
	 * octets, a framing with a bad CRC, a good record's copy with one octet changed */
	{
		uint8_t g[300];
		uint64_t sz;
		int kind;

		pf_store_stats(s, &st);
		sz = st.file_bytes;
		for (kind = 0; kind < 4; kind++) {
			memset(g, 0, sizeof(g));
			if (kind == 1)
				fill(g, sizeof(g), 99, 1);
			if (kind == 2) {
				uint32_t w = 1u << 24 | 4;

				memcpy(g + 4, &w, 4);
			}
			if (kind == 3) {
				FILE *f = fopen(src, "rb");

				ck_assert_int_eq(fseek(f, (long)sz - 16 - 77 - 16 - 300, SEEK_SET), 0);
				ck_assert_uint_eq(fread(g, 1, 16 + 77, f), 16 + 77);
				fclose(f);
				g[20] ^= 1;
			}
			copy_file(src, dst, (off_t)sz, g, sizeof(g));
			ck_assert_int_eq(pf_store_open(e, &t), 0);
			ck_assert(matches(t, m));
			pf_store_stats(t, &st);
			ck_assert_uint_eq(st.file_bytes, sz);
			pf_store_close(t);
		}
	}
	pf_store_close(s);
	rmdir_all(d);
	rmdir_all(e);
	free(d);
	free(e);
	free(m);
	free(prev);
}
END_TEST

static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* overwrites of a few hundred keys: compactions come, with puts and dels while they run;
 * the set is the model's after each, and after a reopen; crash copies taken mid-way */
START_TEST(store_compaction)
{
	struct model *m = calloc(1, sizeof(*m));
	char *d = tmpdir(), *e = tmpdir(), sub[512], dst[512], dtmp[512];
	struct pf_store_stats st;
	struct pf_store *s, *t;
	int i, copies = 0, steps = 0;
	double worst = 0;

	snprintf(sub, sizeof(sub), "%s/pfcp", e);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(dst, sizeof(dst), "%s/pfcp/sessions.log", e);
	snprintf(dtmp, sizeof(dtmp), "%s/pfcp/sessions.log.tmp", e);
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	for (i = 0; i < 30000; i++) {
		uint64_t k = rnd() % 2000;

		if (rnd() % 10 == 0)
			m_del(s, m, k);
		else
			m_put(s, m, k, (uint16_t)(500 + rnd() % 3000));
		if (i % 50 == 49) {
			double t0 = now();

			ck_assert_int_eq(pf_store_sync(s), 0);
			pf_store_stats(s, &st);
			if (st.compacting) {
				steps++;
				if (now() - t0 > worst)
					worst = now() - t0;
			}
			/* a crash now: the log and the temp file as they are */
			if (st.compacting && copies < 6 && steps % 3 == 1) {
				struct stat sb;

				copy_file(pathof(d, "sessions.log"), dst, (off_t)st.file_bytes, NULL, 0);
				ck_assert_int_eq(stat(pathof(d, "sessions.log.tmp"), &sb), 0);
				copy_file(pathof(d, "sessions.log.tmp"), dtmp, sb.st_size, NULL, 0);
				ck_assert_int_eq(pf_store_open(e, &t), 0);
				ck_assert_int_ne(stat(dtmp, &sb), 0); /* removed */
				ck_assert(matches(t, m));
				pf_store_close(t);
				copies++;
			}
		}
	}
	ck_assert_int_eq(pf_store_sync(s), 0);
	pf_store_stats(s, &st);
	printf("pf_store: 30000 puts/dels of 0.5-3.5 KiB on 2000 keys: %llu compactions, %d steps "
	       "(the slowest sync with a step %.1f ms), log %llu bytes for %llu live (%llu bytes)\n",
		(unsigned long long)st.compactions, steps, worst * 1e3, (unsigned long long)st.file_bytes,
		(unsigned long long)st.live, (unsigned long long)st.live_bytes);
	ck_assert_uint_ge(st.compactions, 3);
	ck_assert_int_ge(copies, 2);
	ck_assert(matches(s, m));
	ck_assert_uint_le(st.file_bytes, 8 + 3 * st.live_bytes);
	reopen(&s, d);
	ck_assert(matches(s, m));
	{
		struct pf_store_stats s2;

		pf_store_stats(s, &s2);
		ck_assert_uint_eq(s2.live, st.live);
		ck_assert_uint_eq(s2.live_bytes, st.live_bytes);
		ck_assert_uint_eq(s2.records, st.records);
	}
	/* a leftover temp file (a crash mid-compaction): removed at open, nothing lost */
	pf_store_close(s);
	{
		FILE *f = fopen(pathof(d, "sessions.log.tmp"), "w");
		struct stat sb;

		fputs("SXPFJRN1 half a compaction", f);
		fclose(f);
		ck_assert_int_eq(pf_store_open(d, &s), 0);
		ck_assert_int_ne(stat(pathof(d, "sessions.log.tmp"), &sb), 0);
		ck_assert(matches(s, m));
	}
	pf_store_close(s);
	rmdir_all(d);
	rmdir_all(e);
	free(d);
	free(e);
	free(m);
}
END_TEST

/* a child puts and syncs, reporting each sync; it is killed (-9) while a compaction is
 * under way; what is loaded then is the state after an op at or after the last reported
 * sync's: the log is written in order, and a kill mid-write (a pwrite cut between two
 * pages) leaves whole records of the next batch before its torn tail */
START_TEST(store_kill_mid_compaction)
{
	enum { OPS = 40000, BATCH = 40, KEYS = 1500 };
	struct model *m = calloc(1, sizeof(*m));
	char *d = tmpdir();
	int pfd[2], last = -1, rounds, found = -1, i;
	struct pf_store *s;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pf_store_stats st;
		int msg[2];

		close(pfd[0]);
		rng = 12345;
		if (pf_store_open(d, &s) != 0)
			_exit(2);
		for (i = 0; i < OPS; i++) {
			uint64_t k = rnd() % KEYS;

			if (rnd() % 8 == 0)
				(void)pf_store_del(s, k);
			else {
				static uint8_t b[4096];
				uint16_t len = (uint16_t)(1000 + rnd() % 3000);

				m->gen[k]++;
				fill(b, len, k, m->gen[k]);
				(void)pf_store_put(s, k, b, len);
			}
			if (i % BATCH == BATCH - 1) {
				if (pf_store_sync(s) != 0)
					_exit(3);
				pf_store_stats(s, &st);
				msg[0] = i;
				msg[1] = (int)st.compacting;
				if (write(pfd[1], msg, sizeof(msg)) != sizeof(msg))
					_exit(4);
			}
		}
		_exit(0);
	}
	close(pfd[1]);
	/* the kill: after a few syncs with a compaction under way, at a moment that varies */
	for (rounds = 0;;) {
		int msg[2];

		if (read(pfd[0], msg, sizeof(msg)) != sizeof(msg))
			break;
		last = msg[0];
		if (msg[1] && ++rounds == 7) {
			usleep(500 + (useconds_t)(rnd() % 3000));
			kill(pid, SIGKILL);
			break;
		}
	}
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	ck_assert_int_ge(last, 0);
	ck_assert_int_eq(rounds, 7); /* killed mid-compaction, not at its end */
	/* replay the child's ops: the loaded set is the state after some op >= last */
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	rng = 12345;
	for (i = 0; i < OPS && found < 0; i++) {
		uint64_t k = rnd() % KEYS;

		if (rnd() % 8 == 0)
			m->live[k] = 0;
		else {
			m->gen[k]++;
			m->len[k] = (uint16_t)(1000 + rnd() % 3000);
			m->live[k] = 1;
		}
		if (i >= last && matches(s, m))
			found = i;
	}
	printf("pf_store: a child killed (-9) mid-compaction after its sync of op %d: the log "
	       "loads as of op %d\n", last, found);
	ck_assert_int_ge(found, last);
	pf_store_close(s);
	rmdir_all(d);
	free(d);
	free(m);
}
END_TEST

/* 100k puts of 1 KiB and one sync; reopen; compaction of the same with half dead */
START_TEST(store_bench)
{
	enum { N = 100000, L = 1024 };
	char *d = tmpdir();
	struct pf_store_stats st;
	struct pf_store *s;
	static uint8_t b[L];
	double t0, t1, t2, worst = 0, total = 0;
	int i, steps = 0, n = 0;

	fill(b, L, 1, 1);
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	t0 = now();
	for (i = 0; i < N; i++)
		ck_assert(pf_store_put(s, 0x100000000ull + (uint64_t)i, b, L) == 0);
	t1 = now();
	ck_assert_int_eq(pf_store_sync(s), 0);
	t2 = now();
	pf_store_stats(s, &st);
	printf("pf_store: 100k puts of 1 KiB %.0f ns each, then one sync (write + fdatasync of %.1f MB) "
	       "%.0f ms; log %llu bytes, index %llu KiB\n",
		(t1 - t0) * 1e9 / N, (double)st.file_bytes / 1e6, (t2 - t1) * 1e3,
		(unsigned long long)st.file_bytes, (unsigned long long)st.index_bytes / 1024);
	ck_assert_uint_le(st.index_bytes, 2u << 20);
	t0 = now();
	reopen(&s, d);
	t1 = now();
	ck_assert_int_eq(pf_store_load(s, stop_at_3, &n), -42);
	n = 0;
	printf("pf_store: open (the log read, the index built) of 100k records: %.0f ms\n", (t1 - t0) * 1e3);
	/* every record replaced once, one more deleted: dead > live, a compaction is due */
	for (i = 0; i < N; i++)
		ck_assert(pf_store_put(s, 0x100000000ull + (uint64_t)i, b, L) == 0);
	ck_assert_int_eq(pf_store_del(s, 0x100000000ull), 0);
	t0 = now();
	ck_assert_int_eq(pf_store_sync(s), 0);
	t1 = now();
	worst = t1 - t0;
	printf("pf_store: the sync of 100k replacing puts, and the compaction's first step: %.0f ms\n", worst * 1e3);
	worst = 0;
	for (;;) {
		pf_store_stats(s, &st);
		if (!st.compacting && st.compactions == 1 && steps > 60)
			break; /* and the old log freed, in the syncs after */
		usleep(5000); /* sxcd's loop has other work between two syncs */
		t0 = now();
		ck_assert_int_eq(pf_store_sync(s), 0);
		t1 = now();
		steps++;
		if (getenv("PFSTORE_STEPS"))
			printf("step %d: %.1f ms\n", steps, (t1 - t0) * 1e3);
		total += t1 - t0;
		if (t1 - t0 > worst)
			worst = t1 - t0;
	}
	pf_store_stats(s, &st);
	printf("pf_store: compaction of 100k records of 1 KiB (%.0f MB of log, half dead): %d more syncs "
	       "(5 ms apart; the steps, then the old log freed), the slowest %.1f ms, %.0f ms in all; log now %llu bytes\n",
		(double)(2 * N * (L + 16)) / 1e6, steps, worst * 1e3, total * 1e3, (unsigned long long)st.file_bytes);
	ck_assert_uint_eq(st.compactions, 1);
	ck_assert_uint_eq(st.live, N - 1);
	reopen(&s, d);
	pf_store_stats(s, &st);
	ck_assert_uint_eq(st.live, N - 1);
	ck_assert_uint_eq(st.file_bytes, 8 + (uint64_t)(N - 1) * (L + 16));
	pf_store_close(s);
	rmdir_all(d);
	free(d);
}
END_TEST

/* ---- fuzz seeds ---- */

static void
seed(const char *dir, const char *name, const void *b, size_t n)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "wb");
	if (f == NULL || fwrite(b, 1, n, f) != n) {
		perror(p);
		exit(1);
	}
	fclose(f);
}

/* the fuzz target reads its input as a log's records (after the magic), and as a packed
 * session (as it is, and with its CRC made right) */
static const char *seed_dir;

START_TEST(write_seeds)
{
	const char *out = seed_dir;
	struct pf_session *e = sess_est(), *m = sess_mod(e), *r = sess_rich();
	struct pf_session *ss[3] = {e, m, r};
	static uint8_t log[16384];
	uint8_t b[4096];
	size_t ln = 0;
	int i, n;
	char *d = tmpdir();
	struct pf_store *s;
	FILE *f;

	for (i = 0; i < 3; i++) {
		char nm[64];

		n = pf_sess_pack(ss[i], b, sizeof(b));
		snprintf(nm, sizeof(nm), "seed-sess%d.bin", i);
		seed(out, nm, b, (size_t)n);
		snprintf(nm, sizeof(nm), "seed-sess%d-nocrc.bin", i);
		seed(out, nm, b, (size_t)n - 4);
	}
	ck_assert_int_eq(pf_store_open(d, &s), 0);
	for (i = 0; i < 3; i++) {
		n = pf_sess_pack(ss[i], b, sizeof(b));
		ck_assert_int_eq(pf_store_put(s, (uint64_t)i + 1, b, (size_t)n), 0);
	}
	ck_assert_int_eq(pf_store_del(s, 2), 0);
	ck_assert_int_eq(pf_store_put(s, 1, b, (size_t)n), 0);
	ck_assert_int_eq(pf_store_sync(s), 0);
	pf_store_close(s);
	f = fopen(pathof(d, "sessions.log"), "rb");
	ln = fread(log, 1, sizeof(log), f);
	fclose(f);
	seed(out, "seed-log.bin", log + 8, ln - 8);
	seed(out, "seed-log-torn.bin", log + 8, ln - 8 - 30);
	rmdir_all(d);
	free(d);
	pf_sess_free(e);
	pf_sess_free(m);
	pf_sess_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pfstore");
	TCase *t = tcase_create("all");

	if (seed_dir != NULL) {
		tcase_add_test(t, write_seeds);
		suite_add_tcase(s, t);
		return s;
	}

	tcase_set_timeout(t, 110);
	tcase_add_test(t, pack_round_trip);
	tcase_add_test(t, pack_redirect);
	tcase_add_test(t, save_round_trip);
	tcase_add_test(t, pack_refused);
	tcase_add_test(t, unpack_invariants);
	tcase_add_test(t, pack_speed);
	tcase_add_test(t, store_basic);
	tcase_add_test(t, store_torn_tail);
	tcase_add_test(t, store_compaction);
	tcase_add_test(t, store_kill_mid_compaction);
	tcase_add_test(t, store_bench);
	suite_add_tcase(s, t);
	return s;
}

int
main(int argc, char **argv)
{
	SRunner *r;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		seed_dir = argv[2];
	r = srunner_create(suite());
	srunner_run_all(r, CK_ENV);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
