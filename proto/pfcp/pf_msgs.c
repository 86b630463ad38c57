/* SPDX-License-Identifier: BSD-3-Clause */
/* The messages the UPF writes (pf_codec.h's pf_enc_heartbeat, _assoc, _sess_rsp, the reports), on the codec's builder. */
#include <errno.h>
#include <string.h>

#include "pf_codec.h"

static void
hdr_init(struct pf_hdr *h, uint8_t type, int sess, uint64_t seid, uint32_t seq)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->has_seid = (uint8_t)sess;
	h->seid = seid;
	h->seq = seq;
}

int
pf_enc_heartbeat(uint8_t *buf, size_t size, uint8_t type, uint32_t seq, uint32_t recovery)
{
	struct pf_enc e;
	struct pf_hdr h;

	if (type != PF_HEARTBEAT_REQ && type != PF_HEARTBEAT_RSP)
		return -EINVAL;
	hdr_init(&h, type, 0, 0, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_u32(&e, PF_IE_RECOVERY_TS, recovery);
	return pf_enc_end(&e);
}

int
pf_enc_assoc(uint8_t *buf, size_t size, uint8_t type, uint32_t seq, const struct pf_node_id *node,
	uint8_t cause, uint32_t recovery, const uint8_t *up_features, uint16_t n_up_features)
{
	struct pf_enc e;
	struct pf_hdr h;

	if (type < PF_ASSOC_SETUP_REQ || type > PF_ASSOC_RELEASE_RSP)
		return -EINVAL;
	hdr_init(&h, type, 0, 0, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_node_id(&e, node);
	if (cause)
		pf_enc_u8(&e, PF_IE_CAUSE, cause);
	if (recovery)
		pf_enc_u32(&e, PF_IE_RECOVERY_TS, recovery);
	if (up_features != NULL)
		pf_enc_ie(&e, PF_IE_UP_FEATURES, up_features, n_up_features);
	return pf_enc_end(&e);
}

/* MAC Addresses Detected or Removed (8.2.103, 8.2.104): no VLAN tags (C-TAG and S-TAG
 * lengths 0: the frames' tags are the switch's, not the session's) */
static void
enc_macs(struct pf_enc *e, uint16_t type, const uint8_t *macs, uint8_t n)
{
	uint8_t v[1 + 255 * 6 + 2];

	v[0] = n;
	memcpy(v + 1, macs, (size_t)n * 6);
	v[1 + n * 6] = 0;
	v[2 + n * 6] = 0;
	pf_enc_ie(e, type, v, (uint16_t)(3 + n * 6));
}

static void
enc_usage_reports(struct pf_enc *e, uint16_t type, const struct pf_usage_report *urs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct pf_usage_report *u = &urs[i];
		uint8_t t[3];

		pf_enc_group(e, type);
		pf_enc_u32(e, PF_IE_URR_ID, u->urr_id);
		pf_enc_u32(e, PF_IE_UR_SEQN, u->ur_seqn);
		t[0] = (uint8_t)(u->trigger >> 16);
		t[1] = (uint8_t)(u->trigger >> 8);
		t[2] = (uint8_t)u->trigger;
		pf_enc_ie(e, PF_IE_USAGE_REPORT_TRIGGER, t, 3);
		if (u->start)
			pf_enc_u32(e, PF_IE_START_TIME, u->start);
		if (u->end)
			pf_enc_u32(e, PF_IE_END_TIME, u->end);
		if (u->has_vol)
			pf_enc_volume(e, PF_IE_VOL_MEAS, &u->vol);
		if (u->has_dur)
			pf_enc_u32(e, PF_IE_DUR_MEAS, u->duration);
		if (u->n_det || u->n_rm) {
			pf_enc_group(e, PF_IE_ETH_TRAFFIC_INFO);
			if (u->n_det)
				enc_macs(e, PF_IE_MAC_DETECTED, u->mac_det, u->n_det);
			if (u->n_rm)
				enc_macs(e, PF_IE_MAC_REMOVED, u->mac_rm, u->n_rm);
			pf_enc_group_end(e);
		}
		pf_enc_group_end(e);
	}
}

int
pf_enc_sess_rsp2(uint8_t *buf, size_t size, const struct pf_sess_rsp *r)
{
	uint8_t type = r->type;
	struct pf_enc e;
	struct pf_hdr h;
	int i;

	if (type != PF_SESS_EST_RSP && type != PF_SESS_MOD_RSP && type != PF_SESS_DEL_RSP)
		return -EINVAL;
	if ((type == PF_SESS_EST_RSP) != (r->node != NULL) || (r->n_urs && type == PF_SESS_EST_RSP))
		return -EINVAL;
	if (r->has_failed_rule && (type == PF_SESS_DEL_RSP || pf_failed_rule_len(r->failed_rule_type) == 0))
		return -EINVAL;
	hdr_init(&h, type, 1, r->seid, r->seq);
	pf_enc_begin(&e, buf, size, &h);
	if (r->node != NULL)
		pf_enc_node_id(&e, r->node);
	pf_enc_u8(&e, PF_IE_CAUSE, r->cause);
	if (r->offending)
		pf_enc_u16(&e, PF_IE_OFFENDING_IE, r->offending);
	if (r->up_fseid != NULL && type == PF_SESS_EST_RSP)
		pf_enc_fseid(&e, r->up_fseid);
	for (i = 0; i < r->n_pdrs && type != PF_SESS_DEL_RSP; i++) {
		pf_enc_group(&e, PF_IE_CREATED_PDR);
		pf_enc_u16(&e, PF_IE_PDR_ID, r->pdrs[i].pdr_id);
		if (r->pdrs[i].has_fteid)
			pf_enc_fteid(&e, &r->pdrs[i].fteid);
		if (r->pdrs[i].has_ue)
			pf_enc_ue_ip(&e, &r->pdrs[i].ue);
		pf_enc_group_end(&e);
	}
	if (r->lci != NULL) {
		pf_enc_group(&e, PF_IE_LOAD_CONTROL);
		pf_enc_u32(&e, PF_IE_SEQ_NUMBER, r->lci->seq);
		pf_enc_u8(&e, PF_IE_METRIC, r->lci->metric);
		pf_enc_group_end(&e);
	}
	if (r->oci != NULL) {
		pf_enc_group(&e, PF_IE_OVERLOAD_CONTROL);
		pf_enc_u32(&e, PF_IE_SEQ_NUMBER, r->oci->seq);
		pf_enc_u8(&e, PF_IE_METRIC, r->oci->metric);
		pf_enc_u8(&e, PF_IE_TIMER, r->oci->timer);
		if (r->oci->aoci)
			pf_enc_u8(&e, PF_IE_OCI_FLAGS, 0x01);
		pf_enc_group_end(&e);
	}
	if (r->has_failed_rule) {
		uint8_t b[5];
		unsigned n = pf_failed_rule_len(r->failed_rule_type), k;

		b[0] = r->failed_rule_type;
		for (k = 0; k < n; k++)
			b[1 + k] = (uint8_t)(r->failed_rule_id >> (8 * (n - 1 - k)));
		pf_enc_ie(&e, PF_IE_FAILED_RULE_ID, b, (uint16_t)(1 + n));
	}
	enc_usage_reports(&e, type == PF_SESS_MOD_RSP ? PF_IE_USAGE_REPORT_MOD : PF_IE_USAGE_REPORT_DEL,
		r->urs, r->n_urs);
	return pf_enc_end(&e);
}

int
pf_enc_sess_rsp(uint8_t *buf, size_t size, uint8_t type, uint64_t seid, uint32_t seq,
	const struct pf_node_id *node, uint8_t cause, uint16_t offending, const struct pf_fseid *up_fseid,
	const struct pf_created_pdr *pdrs, int n_pdrs, const struct pf_usage_report *urs, int n_urs)
{
	struct pf_sess_rsp r = {.type = type, .seid = seid, .seq = seq, .node = node, .cause = cause,
		.offending = offending, .up_fseid = up_fseid, .pdrs = pdrs, .n_pdrs = n_pdrs, .urs = urs,
		.n_urs = n_urs};

	return pf_enc_sess_rsp2(buf, size, &r);
}

int
pf_enc_sess_report_req(uint8_t *buf, size_t size, uint64_t seid, uint32_t seq, uint8_t report_type,
	const uint16_t *dl_pdrs, int n_dl_pdrs, const struct pf_usage_report *urs, int n_urs,
	const struct pf_fteid *eir)
{
	struct pf_enc e;
	struct pf_hdr h;
	int i;

	hdr_init(&h, PF_SESS_REPORT_REQ, 1, seid, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_u8(&e, PF_IE_REPORT_TYPE, report_type);
	if (n_dl_pdrs > 0) {
		pf_enc_group(&e, PF_IE_DL_DATA_REPORT);
		for (i = 0; i < n_dl_pdrs; i++)
			pf_enc_u16(&e, PF_IE_PDR_ID, dl_pdrs[i]);
		pf_enc_group_end(&e);
	}
	enc_usage_reports(&e, PF_IE_USAGE_REPORT_RPT, urs, n_urs);
	if (eir != NULL) {
		pf_enc_group(&e, PF_IE_ERROR_IND_REPORT);
		pf_enc_fteid(&e, eir);   /* the Remote F-TEID */
		pf_enc_group_end(&e);
	}
	return pf_enc_end(&e);
}

int
pf_enc_node_report_req(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node, bool recovered,
	const uint8_t *addr, uint8_t len)
{
	struct pf_enc e;
	struct pf_hdr h;
	uint8_t peer[17];

	if (len != 4 && len != 16)
		return -EINVAL;
	hdr_init(&h, PF_NODE_REPORT_REQ, 0, 0, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_node_id(&e, node);
	pf_enc_u8(&e, PF_IE_NODE_REPORT_TYPE, recovered ? PF_NRT_UPRR : PF_NRT_UPFR);
	pf_enc_group(&e, recovered ? PF_IE_UP_PATH_RECOV_REPORT : PF_IE_UP_PATH_FAIL_REPORT);
	peer[0] = len == 4 ? 0x02 : 0x01;   /* Remote GTP-U Peer: V4 (bit 2) or V6 (bit 1) */
	memcpy(peer + 1, addr, len);
	pf_enc_ie(&e, PF_IE_REMOTE_GTPU_PEER, peer, (uint16_t)(1 + len));
	pf_enc_group_end(&e);
	return pf_enc_end(&e);
}

int
pf_enc_node_report_rsp(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node,
	uint8_t cause)
{
	struct pf_enc e;
	struct pf_hdr h;

	hdr_init(&h, PF_NODE_REPORT_RSP, 0, 0, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_node_id(&e, node);
	pf_enc_u8(&e, PF_IE_CAUSE, cause);
	return pf_enc_end(&e);
}

int
pf_enc_pfd_rsp(uint8_t *buf, size_t size, uint32_t seq, const struct pf_node_id *node, uint8_t cause,
	uint16_t offending)
{
	struct pf_enc e;
	struct pf_hdr h;

	hdr_init(&h, PF_PFD_MGMT_RSP, 0, 0, seq);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_u8(&e, PF_IE_CAUSE, cause);
	if (offending != 0)
		pf_enc_u16(&e, PF_IE_OFFENDING_IE, offending);
	if (node != NULL)
		pf_enc_node_id(&e, node);
	return pf_enc_end(&e);
}
