/* Sample PFCP messages (see pf_test_msgs.h). */
#include <errno.h>
#include <string.h>

#include "pf_codec.h"
#include "pf_test_msgs.h"

static const struct pf_node_id upf_node = {.kind = 0, .addr = {192, 0, 2, 10}};
static const struct pf_node_id smf_node = {.kind = 2, .fqdn = "smf.example.org"};

static const struct pf_usage_report urs[2] = {
	{.urr_id = 1, .ur_seqn = 3, .trigger = 0x000100, .start = 3900000000u, .end = 3900000060u,
		.has_vol = 1, .vol = {.flags = 7, .total = 3000, .ul = 1000, .dl = 2000}, .has_dur = 1,
		.duration = 60},
	{.urr_id = 2, .ur_seqn = 1, .trigger = 0x000001},
};

/* what free5GC's SMF sends for one PDU session: uplink and downlink PDRs, FARs, a QER, a URR */
static int
est_req(uint8_t *buf, size_t size)
{
	static const char fd[] = "permit out ip from any to assigned";
	static const uint8_t ni[] = {8, 'i', 'n', 't', 'e', 'r', 'n', 'e', 't'};
	struct pf_hdr h = {.type = PF_SESS_EST_REQ, .has_seid = 1, .seq = 0x123456};
	struct pf_fseid fs = {.seid = 0x1122334455667788ull, .has_v4 = 1, .v4 = {192, 0, 2, 1}};
	struct pf_fteid ft = {.ch = 1, .has_chid = 1, .chid = 5, .has_v4 = 1};
	struct pf_ue_ip ue = {.has_v4 = 1, .sd = 1, .v4 = {10, 60, 0, 7}};
	struct pf_ohc ohc = {.desc = 0x0100, .teid = 0xabcd, .v4 = {192, 0, 2, 20}};
	uint8_t sdf[64], mbr[10] = {0, 0, 0, 0x03, 0xe8, 0, 0, 0, 0x07, 0xd0};
	uint8_t rt[2] = {0x01, 0x00}, ohr = 0;
	struct pf_enc e;
	size_t fl = sizeof(fd) - 1;

	sdf[0] = 0x01;
	sdf[1] = 0;
	sdf[2] = 0;
	sdf[3] = (uint8_t)fl;
	memcpy(sdf + 4, fd, fl);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_node_id(&e, &smf_node);
	pf_enc_fseid(&e, &fs);
	/* uplink */
	pf_enc_group(&e, PF_IE_CREATE_PDR);
	pf_enc_u16(&e, PF_IE_PDR_ID, 1);
	pf_enc_u32(&e, PF_IE_PRECEDENCE, 255);
	pf_enc_group(&e, PF_IE_PDI);
	pf_enc_u8(&e, PF_IE_SRC_IFACE, 0);
	pf_enc_fteid(&e, &ft);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, ni, sizeof(ni));
	pf_enc_ue_ip(&e, &ue);
	pf_enc_ie(&e, PF_IE_SDF_FILTER, sdf, (uint16_t)(4 + fl));
	pf_enc_group_end(&e);
	pf_enc_ie(&e, PF_IE_OHR, &ohr, 1);
	pf_enc_u32(&e, PF_IE_FAR_ID, 1);
	pf_enc_u32(&e, PF_IE_QER_ID, 1);
	pf_enc_u32(&e, PF_IE_URR_ID, 1);
	pf_enc_group_end(&e);
	/* downlink */
	pf_enc_group(&e, PF_IE_CREATE_PDR);
	pf_enc_u16(&e, PF_IE_PDR_ID, 2);
	pf_enc_u32(&e, PF_IE_PRECEDENCE, 255);
	pf_enc_group(&e, PF_IE_PDI);
	pf_enc_u8(&e, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, ni, sizeof(ni));
	ue.sd = 0;
	pf_enc_ue_ip(&e, &ue);
	pf_enc_group_end(&e);
	pf_enc_u32(&e, PF_IE_FAR_ID, 2);
	pf_enc_u32(&e, PF_IE_QER_ID, 1);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 1);
	pf_enc_u8(&e, PF_IE_APPLY_ACTION, 0x02);
	pf_enc_group(&e, PF_IE_FWD_PARAMS);
	pf_enc_u8(&e, PF_IE_DST_IFACE, 1);
	pf_enc_ie(&e, PF_IE_NET_INSTANCE, ni, sizeof(ni));
	pf_enc_group_end(&e);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 2);
	pf_enc_u8(&e, PF_IE_APPLY_ACTION, 0x02);
	pf_enc_group(&e, PF_IE_FWD_PARAMS);
	pf_enc_u8(&e, PF_IE_DST_IFACE, 0);
	pf_enc_ohc(&e, &ohc);
	pf_enc_group_end(&e);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_QER);
	pf_enc_u32(&e, PF_IE_QER_ID, 1);
	pf_enc_u8(&e, PF_IE_GATE_STATUS, 0);
	pf_enc_ie(&e, PF_IE_MBR, mbr, sizeof(mbr));
	pf_enc_u8(&e, PF_IE_QFI, 9);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_URR);
	pf_enc_u32(&e, PF_IE_URR_ID, 1);
	pf_enc_u8(&e, PF_IE_MEAS_METHOD, 0x02);
	pf_enc_ie(&e, PF_IE_REPORTING_TRIGGERS, rt, sizeof(rt));
	pf_enc_u32(&e, PF_IE_MEAS_PERIOD, 60);
	pf_enc_group_end(&e);
	return pf_enc_end(&e);
}

/* a Modification Request onto est_req's session as an SMF sends it at a handover with
 * a new dedicated flow: the DL FAR to the new gNB's tunnel with an end marker, a QER's
 * rate, a URR queried, a PDR, FAR and URR added, and a BAR */
static int
mod_req(uint8_t *buf, size_t size)
{
	static const char fd[] = "permit out 17 from 198.51.100.0/24 5060 to assigned";
	struct pf_hdr h = {.type = PF_SESS_MOD_REQ, .has_seid = 1, .seid = 0x99, .seq = 0x123457};
	struct pf_ohc ohc = {.desc = 0x0100, .teid = 0xbeef, .v4 = {192, 0, 2, 21}};
	uint8_t sdf[64], mbr[10] = {0, 0, 0, 0x07, 0xd0, 0, 0, 0, 0x0f, 0xa0}, rt[2] = {0x02, 0x00};
	size_t fl = sizeof(fd) - 1;
	struct pf_enc e;

	sdf[0] = 0x01;
	sdf[1] = 0;
	sdf[2] = 0;
	sdf[3] = (uint8_t)fl;
	memcpy(sdf + 4, fd, fl);
	pf_enc_begin(&e, buf, size, &h);
	pf_enc_group(&e, PF_IE_CREATE_PDR);
	pf_enc_u16(&e, PF_IE_PDR_ID, 3);
	pf_enc_u32(&e, PF_IE_PRECEDENCE, 10);
	pf_enc_group(&e, PF_IE_PDI);
	pf_enc_u8(&e, PF_IE_SRC_IFACE, 1);
	pf_enc_ie(&e, PF_IE_SDF_FILTER, sdf, (uint16_t)(4 + fl));
	pf_enc_group_end(&e);
	pf_enc_u32(&e, PF_IE_FAR_ID, 3);
	pf_enc_u32(&e, PF_IE_URR_ID, 2);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 3);
	pf_enc_u8(&e, PF_IE_APPLY_ACTION, 0x04); /* BUFF */
	pf_enc_u8(&e, PF_IE_BAR_ID, 1);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_URR);
	pf_enc_u32(&e, PF_IE_URR_ID, 2);
	pf_enc_u8(&e, PF_IE_MEAS_METHOD, 0x02);
	pf_enc_ie(&e, PF_IE_REPORTING_TRIGGERS, rt, sizeof(rt));
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_CREATE_BAR);
	pf_enc_u8(&e, PF_IE_BAR_ID, 1);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_UPDATE_FAR);
	pf_enc_u32(&e, PF_IE_FAR_ID, 2);
	pf_enc_u8(&e, PF_IE_APPLY_ACTION, 0x02);
	pf_enc_group(&e, PF_IE_UPD_FWD_PARAMS);
	pf_enc_ohc(&e, &ohc);
	pf_enc_u8(&e, PF_IE_SMREQ_FLAGS, 0x02); /* SNDEM */
	pf_enc_group_end(&e);
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_UPDATE_QER);
	pf_enc_u32(&e, PF_IE_QER_ID, 1);
	pf_enc_ie(&e, PF_IE_MBR, mbr, sizeof(mbr));
	pf_enc_group_end(&e);
	pf_enc_group(&e, PF_IE_QUERY_URR);
	pf_enc_u32(&e, PF_IE_URR_ID, 1);
	pf_enc_group_end(&e);
	return pf_enc_end(&e);
}

int
pf_test_msg(int i, uint8_t *b, size_t size)
{
	static const uint8_t upff[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
	static const uint16_t dl[] = {2, 4};
	struct pf_fseid up = {.seid = 0x99, .has_v4 = 1, .v4 = {192, 0, 2, 10}};
	struct pf_created_pdr pdr = {.pdr_id = 1, .has_fteid = 1,
		.fteid = {.teid = 0x1001, .has_v4 = 1, .v4 = {192, 0, 2, 10}}};
	/* refusals with a Failed Rule ID: a FAR's Apply Action, a PDR's reference */
	struct pf_sess_rsp mod73 = {.type = PF_SESS_MOD_RSP, .seid = 0x1122334455667788ull, .seq = 16,
		.cause = PF_CAUSE_RULE_FAILURE, .offending = PF_IE_APPLY_ACTION, .has_failed_rule = 1,
		.failed_rule_type = 1, .failed_rule_id = 0x01020307};
	struct pf_sess_rsp est73 = {.type = PF_SESS_EST_RSP, .seid = 0x1122334455667788ull, .seq = 17,
		.node = &upf_node, .cause = PF_CAUSE_RULE_FAILURE, .offending = PF_IE_FAR_ID,
		.has_failed_rule = 1, .failed_rule_type = 0, .failed_rule_id = 3};

	switch (i) {
	case 0:
		return pf_enc_heartbeat(b, size, PF_HEARTBEAT_REQ, 1, 3900000000u);
	case 1:
		return pf_enc_heartbeat(b, size, PF_HEARTBEAT_RSP, 7, 3900000001u);
	case 2:
		return pf_enc_assoc(b, size, PF_ASSOC_SETUP_REQ, 2, &upf_node, 0, 3900000000u, upff, sizeof(upff));
	case 3:
		return pf_enc_assoc(b, size, PF_ASSOC_SETUP_RSP, 8, &upf_node, PF_CAUSE_ACCEPTED, 3900000000u, upff, 2);
	case 4:
		return pf_enc_assoc(b, size, PF_ASSOC_RELEASE_RSP, 9, &upf_node, PF_CAUSE_ACCEPTED, 0, NULL, 0);
	case PF_TEST_EST_REQ:
		return est_req(b, size);
	case 6:
		return pf_enc_sess_rsp(b, size, PF_SESS_EST_RSP, 0x1122334455667788ull, 0x123456, &upf_node,
			PF_CAUSE_ACCEPTED, 0, &up, &pdr, 1, NULL, 0);
	case 7:
		return pf_enc_sess_rsp(b, size, PF_SESS_MOD_RSP, 0x1122334455667788ull, 11, NULL,
			PF_CAUSE_MANDATORY_MISSING, PF_IE_PDI, NULL, NULL, 0, urs, 2);
	case 8:
		return pf_enc_sess_rsp(b, size, PF_SESS_DEL_RSP, 0x1122334455667788ull, 12, NULL,
			PF_CAUSE_ACCEPTED, 0, NULL, NULL, 0, urs, 1);
	case 9:
		return pf_enc_sess_report_req(b, size, 0x1122334455667788ull, 13, 0x03, dl, 2, urs, 2, NULL);
	case 10:
		return pf_enc_node_report_rsp(b, size, 14, &upf_node, PF_CAUSE_ACCEPTED);
	case 11:
		return pf_enc_assoc(b, size, PF_ASSOC_UPDATE_RSP, 15, &upf_node, PF_CAUSE_ACCEPTED, 0, NULL, 0);
	case 12:
		return pf_enc_sess_rsp2(b, size, &mod73);
	case 13:
		return pf_enc_sess_rsp2(b, size, &est73);
	case PF_TEST_MOD_REQ:
		return mod_req(b, size);
	}
	return -EINVAL;
}
