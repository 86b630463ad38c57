/* SPDX-License-Identifier: BSD-3-Clause */
/* PFCP codec (TS 29.244): table-driven decode into a bounded IE tree, typed getters,
 * a bounded builder for the messages the UPF writes. No allocation, no daemon state:
 * the unit test, the fuzz target and sxcd link it alone. */
#include <errno.h>
#include <string.h>

#include "pf_codec.h"

/* ---- IE table: name, value length bounds, grouped or a shape check ---- */

#define G_NONE 0
#define G_WALK 1   /* grouped: children decoded against its rules */
#define G_OPAQUE 2 /* grouped, not used by the UPF: length checked, content skipped */

typedef int (*pf_check_fn)(const uint8_t *v, uint16_t len);

struct pf_iedef {
	const char *name;
	uint16_t min, max;
	uint8_t grouped;
	pf_check_fn check;
};

static int chk_node_id(const uint8_t *v, uint16_t len);
static int chk_fseid(const uint8_t *v, uint16_t len);
static int chk_fteid(const uint8_t *v, uint16_t len);
static int chk_ue_ip(const uint8_t *v, uint16_t len);
static int chk_sdf(const uint8_t *v, uint16_t len);
static int chk_ohc(const uint8_t *v, uint16_t len);
static int chk_volume(const uint8_t *v, uint16_t len);
static int chk_dl_svc(const uint8_t *v, uint16_t len);
static int chk_failed_rule(const uint8_t *v, uint16_t len);
static int chk_text(const uint8_t *v, uint16_t len);
static int chk_ni(const uint8_t *v, uint16_t len);
static int chk_mac(const uint8_t *v, uint16_t len);
static int chk_macs(const uint8_t *v, uint16_t len);
static int chk_pfd(const uint8_t *v, uint16_t len);
static int chk_redirect(const uint8_t *v, uint16_t len);

#define ANY 0xffff
#define IE_TYPES_MAX 200

static const struct pf_iedef iedefs[IE_TYPES_MAX] = {
	[PF_IE_CREATE_PDR] = {"Create PDR", 0, ANY, G_WALK, NULL},
	[PF_IE_PDI] = {"PDI", 0, ANY, G_WALK, NULL},
	[PF_IE_CREATE_FAR] = {"Create FAR", 0, ANY, G_WALK, NULL},
	[PF_IE_FWD_PARAMS] = {"Forwarding Parameters", 0, ANY, G_WALK, NULL},
	[PF_IE_CREATE_URR] = {"Create URR", 0, ANY, G_WALK, NULL},
	[PF_IE_CREATE_QER] = {"Create QER", 0, ANY, G_WALK, NULL},
	[PF_IE_CREATED_PDR] = {"Created PDR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_PDR] = {"Update PDR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_FAR] = {"Update FAR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPD_FWD_PARAMS] = {"Update Forwarding Parameters", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_BAR_RSP] = {"Update BAR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_URR] = {"Update URR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_QER] = {"Update QER", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOVE_PDR] = {"Remove PDR", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOVE_FAR] = {"Remove FAR", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOVE_URR] = {"Remove URR", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOVE_QER] = {"Remove QER", 0, ANY, G_WALK, NULL},
	[PF_IE_CAUSE] = {"Cause", 1, ANY, G_NONE, NULL},
	[PF_IE_SRC_IFACE] = {"Source Interface", 1, ANY, G_NONE, NULL},
	[PF_IE_FTEID] = {"F-TEID", 1, ANY, G_NONE, chk_fteid},
	[PF_IE_NET_INSTANCE] = {"Network Instance", 1, ANY, G_NONE, chk_ni},
	[PF_IE_SDF_FILTER] = {"SDF Filter", 2, ANY, G_NONE, chk_sdf},
	[PF_IE_APP_ID] = {"Application ID", 1, ANY, G_NONE, chk_text},
	[PF_IE_GATE_STATUS] = {"Gate Status", 1, ANY, G_NONE, NULL},
	[PF_IE_MBR] = {"MBR", 10, ANY, G_NONE, NULL},
	[PF_IE_GBR] = {"GBR", 10, ANY, G_NONE, NULL},
	[PF_IE_QER_CORR_ID] = {"QER Correlation ID", 4, ANY, G_NONE, NULL},
	[PF_IE_PRECEDENCE] = {"Precedence", 4, ANY, G_NONE, NULL},
	[PF_IE_TLM] = {"Transport Level Marking", 2, ANY, G_NONE, NULL},
	[PF_IE_VOL_THRESH] = {"Volume Threshold", 1, ANY, G_NONE, chk_volume},
	[PF_IE_TIME_THRESH] = {"Time Threshold", 4, ANY, G_NONE, NULL},
	[PF_IE_REPORTING_TRIGGERS] = {"Reporting Triggers", 2, ANY, G_NONE, NULL},
	[PF_IE_REPORT_TYPE] = {"Report Type", 1, ANY, G_NONE, NULL},
	[PF_IE_OFFENDING_IE] = {"Offending IE", 2, ANY, G_NONE, NULL},
	[PF_IE_FWD_POLICY] = {"Forwarding Policy", 1, ANY, G_NONE, NULL},
	[PF_IE_REDIRECT_INFO] = {"Redirect Information", 3, ANY, G_NONE, chk_redirect},
	[PF_IE_DST_IFACE] = {"Destination Interface", 1, ANY, G_NONE, NULL},
	[PF_IE_UP_FEATURES] = {"UP Function Features", 0, ANY, G_NONE, NULL},
	[PF_IE_APPLY_ACTION] = {"Apply Action", 1, ANY, G_NONE, NULL},
	[PF_IE_DL_DATA_SVC_INFO] = {"Downlink Data Service Information", 1, ANY, G_NONE, chk_dl_svc},
	[PF_IE_DL_DATA_NOTIF_DELAY] = {"Downlink Data Notification Delay", 1, ANY, G_NONE, NULL},
	[PF_IE_SMREQ_FLAGS] = {"PFCPSMReq-Flags", 1, ANY, G_NONE, NULL},
	[PF_IE_SRRSP_FLAGS] = {"PFCPSRRsp-Flags", 1, ANY, G_NONE, NULL},
	[PF_IE_LOAD_CONTROL] = {"Load Control Information", 0, ANY, G_OPAQUE, NULL},
	[PF_IE_SEQ_NUMBER] = {"Sequence Number", 4, ANY, G_NONE, NULL},
	[PF_IE_METRIC] = {"Metric", 1, ANY, G_NONE, NULL},
	[PF_IE_OVERLOAD_CONTROL] = {"Overload Control Information", 0, ANY, G_OPAQUE, NULL},
	[PF_IE_TIMER] = {"Timer", 1, ANY, G_NONE, NULL},
	[PF_IE_PDR_ID] = {"PDR ID", 2, ANY, G_NONE, NULL},
	[PF_IE_FSEID] = {"F-SEID", 9, ANY, G_NONE, chk_fseid},
	[PF_IE_NODE_ID] = {"Node ID", 1, ANY, G_NONE, chk_node_id},
	[PF_IE_APP_PFDS] = {"Application ID's PFDs", 0, ANY, G_WALK, NULL},
	[PF_IE_PFD_CONTEXT] = {"PFD context", 0, ANY, G_WALK, NULL},
	[PF_IE_PFD_CONTENTS] = {"PFD Contents", 2, ANY, G_NONE, chk_pfd},
	[PF_IE_MEAS_METHOD] = {"Measurement Method", 1, ANY, G_NONE, NULL},
	[PF_IE_USAGE_REPORT_TRIGGER] = {"Usage Report Trigger", 2, ANY, G_NONE, NULL},
	[PF_IE_MEAS_PERIOD] = {"Measurement Period", 4, ANY, G_NONE, NULL},
	[PF_IE_VOL_MEAS] = {"Volume Measurement", 1, ANY, G_NONE, chk_volume},
	[PF_IE_DUR_MEAS] = {"Duration Measurement", 4, ANY, G_NONE, NULL},
	[PF_IE_TIME_FIRST_PKT] = {"Time of First Packet", 4, ANY, G_NONE, NULL},
	[PF_IE_TIME_LAST_PKT] = {"Time of Last Packet", 4, ANY, G_NONE, NULL},
	[PF_IE_QUOTA_HOLDING_TIME] = {"Quota Holding Time", 4, ANY, G_NONE, NULL},
	[PF_IE_VOL_QUOTA] = {"Volume Quota", 1, ANY, G_NONE, chk_volume},
	[PF_IE_TIME_QUOTA] = {"Time Quota", 4, ANY, G_NONE, NULL},
	[PF_IE_QUOTA_VALIDITY_TIME] = {"Quota Validity Time", 4, ANY, G_NONE, NULL},
	[PF_IE_LINKED_URR_ID] = {"Linked URR ID", 4, ANY, G_NONE, NULL},
	[PF_IE_START_TIME] = {"Start Time", 4, ANY, G_NONE, NULL},
	[PF_IE_END_TIME] = {"End Time", 4, ANY, G_NONE, NULL},
	[PF_IE_QUERY_URR] = {"Query URR", 0, ANY, G_WALK, NULL},
	[PF_IE_USAGE_REPORT_MOD] = {"Usage Report", 0, ANY, G_WALK, NULL},
	[PF_IE_USAGE_REPORT_DEL] = {"Usage Report", 0, ANY, G_WALK, NULL},
	[PF_IE_USAGE_REPORT_RPT] = {"Usage Report", 0, ANY, G_WALK, NULL},
	[PF_IE_URR_ID] = {"URR ID", 4, ANY, G_NONE, NULL},
	[PF_IE_DL_DATA_REPORT] = {"Downlink Data Report", 0, ANY, G_WALK, NULL},
	[PF_IE_OHC] = {"Outer Header Creation", 2, ANY, G_NONE, chk_ohc},
	[PF_IE_CREATE_BAR] = {"Create BAR", 0, ANY, G_WALK, NULL},
	[PF_IE_UPDATE_BAR] = {"Update BAR", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOVE_BAR] = {"Remove BAR", 0, ANY, G_WALK, NULL},
	[PF_IE_BAR_ID] = {"BAR ID", 1, ANY, G_NONE, NULL},
	[PF_IE_CP_FEATURES] = {"CP Function Features", 1, ANY, G_NONE, NULL},
	[PF_IE_UE_IP] = {"UE IP Address", 1, ANY, G_NONE, chk_ue_ip},
	[PF_IE_OHR] = {"Outer Header Removal", 1, ANY, G_NONE, NULL},
	[PF_IE_RECOVERY_TS] = {"Recovery Time Stamp", 4, ANY, G_NONE, NULL},
	[PF_IE_ERROR_IND_REPORT] = {"Error Indication Report", 0, ANY, G_WALK, NULL},
	[PF_IE_NODE_REPORT_TYPE] = {"Node Report Type", 1, ANY, G_NONE, NULL},
	[PF_IE_UP_PATH_FAIL_REPORT] = {"User Plane Path Failure Report", 0, ANY, G_WALK, NULL},
	[PF_IE_REMOTE_GTPU_PEER] = {"Remote GTP-U Peer", 1, ANY, G_NONE, NULL},
	[PF_IE_UR_SEQN] = {"UR-SEQN", 4, ANY, G_NONE, NULL},
	[PF_IE_FAR_ID] = {"FAR ID", 4, ANY, G_NONE, NULL},
	[PF_IE_QER_ID] = {"QER ID", 4, ANY, G_NONE, NULL},
	[PF_IE_PDN_TYPE] = {"PDN Type", 1, ANY, G_NONE, NULL},
	[PF_IE_UP_INACT_TIMER] = {"User Plane Inactivity Timer", 4, ANY, G_NONE, NULL},
	[PF_IE_ETH_INACT_TIMER] = {"Ethernet Inactivity Timer", 4, ANY, G_NONE, NULL},
	[PF_IE_ETH_TRAFFIC_INFO] = {"Ethernet Traffic Information", 0, ANY, G_WALK, NULL},
	[PF_IE_MAC_DETECTED] = {"MAC Addresses Detected", 1, ANY, G_NONE, chk_macs},
	[PF_IE_MAC_REMOVED] = {"MAC Addresses Removed", 1, ANY, G_NONE, chk_macs},
	[PF_IE_FAILED_RULE_ID] = {"Failed Rule ID", 2, ANY, G_NONE, chk_failed_rule},
	[PF_IE_QFI] = {"QFI", 1, ANY, G_NONE, NULL},
	[PF_IE_SUGG_BUF_PKTS] = {"Suggested Buffering Packets Count", 1, ANY, G_NONE, NULL},
	[PF_IE_UE_IP_POOL_ID] = {"UE IP address Pool Identity", 1, ANY, G_NONE, NULL},
	[PF_IE_ETH_PDU_INFO] = {"Ethernet PDU Session Information", 1, ANY, G_NONE, NULL},
	[PF_IE_ETH_PACKET_FILTER] = {"Ethernet Packet Filter", 0, ANY, G_WALK, NULL},
	[PF_IE_MAC_ADDRESS] = {"MAC address", 1, ANY, G_NONE, chk_mac},
	[PF_IE_C_TAG] = {"C-TAG", 3, ANY, G_NONE, NULL},
	[PF_IE_S_TAG] = {"S-TAG", 3, ANY, G_NONE, NULL},
	[PF_IE_ETHERTYPE] = {"Ethertype", 2, ANY, G_NONE, NULL},
	[PF_IE_ETH_FILTER_ID] = {"Ethernet Filter ID", 4, ANY, G_NONE, NULL},
	[PF_IE_ETH_FILTER_PROPS] = {"Ethernet Filter Properties", 1, ANY, G_NONE, NULL},
	[PF_IE_MEAS_INFO] = {"Measurement Information", 1, ANY, G_NONE, NULL},
	[PF_IE_SESS_RETENTION] = {"PFCP Session Retention Information", 0, ANY, G_OPAQUE, NULL},
	[PF_IE_ASRSP_FLAGS] = {"PFCPASRsp-Flags", 1, ANY, G_NONE, NULL},
	[PF_IE_UP_PATH_RECOV_REPORT] = {"User Plane Path Recovery Report", 0, ANY, G_OPAQUE, NULL},
};

static const struct pf_iedef *
iedef(uint16_t type)
{
	if (type >= IE_TYPES_MAX || iedefs[type].name == NULL)
		return NULL;
	return &iedefs[type];
}

const char *
pf_ie_name(uint16_t type)
{
	const struct pf_iedef *d = iedef(type);

	return d ? d->name : pf_unsup_name(type);
}

/* ---- rules: which IEs a message or grouped IE holds ---- */

#define M 1 /* mandatory */
#define O 0

struct pf_rule {
	uint16_t type;
	uint8_t mand;
	uint8_t max; /* occurrences */
};

#define END {0, 0, 0}
#define RULES_MAX 32

static const struct pf_rule r_heartbeat[] = {{PF_IE_RECOVERY_TS, M, 1}, END};
static const struct pf_rule r_assoc_req[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_RECOVERY_TS, M, 1},
	{PF_IE_UP_FEATURES, O, 1}, {PF_IE_CP_FEATURES, O, 1}, {PF_IE_SESS_RETENTION, O, 1}, END};
static const struct pf_rule r_assoc_rsp[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_CAUSE, M, 1},
	{PF_IE_RECOVERY_TS, M, 1}, {PF_IE_UP_FEATURES, O, 1}, {PF_IE_CP_FEATURES, O, 1}, {PF_IE_ASRSP_FLAGS, O, 1},
	END};
static const struct pf_rule r_assoc_upd_req[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_UP_FEATURES, O, 1},
	{PF_IE_CP_FEATURES, O, 1}, END};
static const struct pf_rule r_assoc_upd_rsp[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_CAUSE, M, 1},
	{PF_IE_UP_FEATURES, O, 1}, {PF_IE_CP_FEATURES, O, 1}, END};
static const struct pf_rule r_assoc_rel_req[] = {{PF_IE_NODE_ID, M, 1}, END};
static const struct pf_rule r_node_cause[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_CAUSE, M, 1},
	{PF_IE_OFFENDING_IE, O, 1}, END};
/* TS 29.244 7.4.3: Application ID's PFDs absent: every PFD goes (6.2.5) */
static const struct pf_rule r_pfd_req[] = {{PF_IE_APP_PFDS, O, 255}, {PF_IE_NODE_ID, O, 1}, END};
static const struct pf_rule r_pfd_rsp[] = {{PF_IE_CAUSE, M, 1}, {PF_IE_OFFENDING_IE, O, 1}, {PF_IE_NODE_ID, O, 1},
	END};
static const struct pf_rule r_node_report_req[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_NODE_REPORT_TYPE, M, 1},
	{PF_IE_UP_PATH_FAIL_REPORT, O, 1}, {PF_IE_UP_PATH_RECOV_REPORT, O, 1}, END};
static const struct pf_rule r_est_req[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_FSEID, M, 1},
	{PF_IE_CREATE_PDR, M, 32}, {PF_IE_CREATE_FAR, M, 32}, {PF_IE_CREATE_URR, O, 32},
	{PF_IE_CREATE_QER, O, 32}, {PF_IE_CREATE_BAR, O, 1}, {PF_IE_PDN_TYPE, O, 1},
	{PF_IE_UP_INACT_TIMER, O, 1}, END};
static const struct pf_rule r_est_rsp[] = {{PF_IE_NODE_ID, M, 1}, {PF_IE_CAUSE, M, 1},
	{PF_IE_OFFENDING_IE, O, 1}, {PF_IE_FSEID, O, 1}, {PF_IE_CREATED_PDR, O, 32}, {PF_IE_FAILED_RULE_ID, O, 1},
	{PF_IE_LOAD_CONTROL, O, 1}, {PF_IE_OVERLOAD_CONTROL, O, 1}, END};
static const struct pf_rule r_mod_req[] = {{PF_IE_FSEID, O, 1}, {PF_IE_REMOVE_PDR, O, 32},
	{PF_IE_REMOVE_FAR, O, 32}, {PF_IE_REMOVE_URR, O, 32}, {PF_IE_REMOVE_QER, O, 32},
	{PF_IE_REMOVE_BAR, O, 1}, {PF_IE_CREATE_PDR, O, 32}, {PF_IE_CREATE_FAR, O, 32},
	{PF_IE_CREATE_URR, O, 32}, {PF_IE_CREATE_QER, O, 32}, {PF_IE_CREATE_BAR, O, 1},
	{PF_IE_UPDATE_PDR, O, 32}, {PF_IE_UPDATE_FAR, O, 32}, {PF_IE_UPDATE_URR, O, 32},
	{PF_IE_UPDATE_QER, O, 32}, {PF_IE_UPDATE_BAR, O, 1}, {PF_IE_SMREQ_FLAGS, O, 1},
	{PF_IE_QUERY_URR, O, 32}, {PF_IE_UP_INACT_TIMER, O, 1}, END};
static const struct pf_rule r_mod_rsp[] = {{PF_IE_CAUSE, M, 1}, {PF_IE_OFFENDING_IE, O, 1},
	{PF_IE_CREATED_PDR, O, 32}, {PF_IE_FAILED_RULE_ID, O, 1}, {PF_IE_USAGE_REPORT_MOD, O, 32}, {PF_IE_LOAD_CONTROL, O, 1},
	{PF_IE_OVERLOAD_CONTROL, O, 1}, END};
static const struct pf_rule r_del_req[] = {END};
static const struct pf_rule r_del_rsp[] = {{PF_IE_CAUSE, M, 1}, {PF_IE_OFFENDING_IE, O, 1},
	{PF_IE_USAGE_REPORT_DEL, O, 32}, {PF_IE_LOAD_CONTROL, O, 1}, {PF_IE_OVERLOAD_CONTROL, O, 1}, END};
static const struct pf_rule r_rpt_req[] = {{PF_IE_REPORT_TYPE, M, 1}, {PF_IE_DL_DATA_REPORT, O, 1},
	{PF_IE_USAGE_REPORT_RPT, O, 32}, {PF_IE_ERROR_IND_REPORT, O, 1}, {PF_IE_LOAD_CONTROL, O, 1},
	{PF_IE_OVERLOAD_CONTROL, O, 1}, END};
static const struct pf_rule r_rpt_rsp[] = {{PF_IE_CAUSE, M, 1}, {PF_IE_OFFENDING_IE, O, 1},
	{PF_IE_UPDATE_BAR_RSP, O, 1}, {PF_IE_SRRSP_FLAGS, O, 1}, END};

/* grouped IEs */
static const struct pf_rule r_pdi[] = {{PF_IE_SRC_IFACE, M, 1}, {PF_IE_FTEID, O, 1},
	{PF_IE_NET_INSTANCE, O, 1}, {PF_IE_UE_IP, O, 2}, {PF_IE_SDF_FILTER, O, 8}, {PF_IE_APP_ID, O, 1},
	{PF_IE_QFI, O, 8}, {PF_IE_ETH_PDU_INFO, O, 1}, {PF_IE_ETH_PACKET_FILTER, O, 8}, END};
/* TS 29.244 7.5.2.2-3; an SDF Filter in it (IP flows inside the frames) is refused
 * (pf_unsup.c) */
static const struct pf_rule r_eth_filter[] = {{PF_IE_ETH_FILTER_ID, O, 1}, {PF_IE_ETH_FILTER_PROPS, O, 1},
	{PF_IE_MAC_ADDRESS, O, 16}, {PF_IE_ETHERTYPE, O, 1}, {PF_IE_C_TAG, O, 1}, {PF_IE_S_TAG, O, 1}, END};
static const struct pf_rule r_create_pdr[] = {{PF_IE_PDR_ID, M, 1}, {PF_IE_PRECEDENCE, M, 1},
	{PF_IE_PDI, M, 1}, {PF_IE_OHR, O, 1}, {PF_IE_FAR_ID, O, 1}, {PF_IE_URR_ID, O, 8},
	{PF_IE_QER_ID, O, 4}, {PF_IE_UE_IP_POOL_ID, O, 1}, END};
static const struct pf_rule r_update_pdr[] = {{PF_IE_PDR_ID, M, 1}, {PF_IE_OHR, O, 1},
	{PF_IE_PRECEDENCE, O, 1}, {PF_IE_PDI, O, 1}, {PF_IE_FAR_ID, O, 1}, {PF_IE_URR_ID, O, 8},
	{PF_IE_QER_ID, O, 4}, END};
static const struct pf_rule r_fwd[] = {{PF_IE_DST_IFACE, M, 1}, {PF_IE_NET_INSTANCE, O, 1},
	{PF_IE_OHC, O, 1}, {PF_IE_TLM, O, 1}, {PF_IE_FWD_POLICY, O, 1}, {PF_IE_REDIRECT_INFO, O, 1}, END};
static const struct pf_rule r_upd_fwd[] = {{PF_IE_DST_IFACE, O, 1}, {PF_IE_NET_INSTANCE, O, 1},
	{PF_IE_OHC, O, 1}, {PF_IE_TLM, O, 1}, {PF_IE_FWD_POLICY, O, 1}, {PF_IE_SMREQ_FLAGS, O, 1},
	{PF_IE_REDIRECT_INFO, O, 1}, END};
static const struct pf_rule r_create_far[] = {{PF_IE_FAR_ID, M, 1}, {PF_IE_APPLY_ACTION, M, 1},
	{PF_IE_FWD_PARAMS, O, 1}, {PF_IE_BAR_ID, O, 1}, END};
static const struct pf_rule r_update_far[] = {{PF_IE_FAR_ID, M, 1}, {PF_IE_APPLY_ACTION, O, 1},
	{PF_IE_UPD_FWD_PARAMS, O, 1}, {PF_IE_BAR_ID, O, 1}, END};
static const struct pf_rule r_create_urr[] = {{PF_IE_URR_ID, M, 1}, {PF_IE_MEAS_METHOD, M, 1},
	{PF_IE_REPORTING_TRIGGERS, M, 1}, {PF_IE_MEAS_PERIOD, O, 1}, {PF_IE_VOL_THRESH, O, 1},
	{PF_IE_VOL_QUOTA, O, 1}, {PF_IE_TIME_THRESH, O, 1}, {PF_IE_TIME_QUOTA, O, 1},
	{PF_IE_QUOTA_HOLDING_TIME, O, 1}, {PF_IE_MEAS_INFO, O, 1}, {PF_IE_QUOTA_VALIDITY_TIME, O, 1},
	{PF_IE_LINKED_URR_ID, O, 8}, {PF_IE_ETH_INACT_TIMER, O, 1}, {PF_IE_FAR_ID, O, 1}, END};
static const struct pf_rule r_update_urr[] = {{PF_IE_URR_ID, M, 1}, {PF_IE_MEAS_METHOD, O, 1},
	{PF_IE_REPORTING_TRIGGERS, O, 1}, {PF_IE_MEAS_PERIOD, O, 1}, {PF_IE_VOL_THRESH, O, 1},
	{PF_IE_VOL_QUOTA, O, 1}, {PF_IE_TIME_THRESH, O, 1}, {PF_IE_TIME_QUOTA, O, 1},
	{PF_IE_QUOTA_HOLDING_TIME, O, 1}, {PF_IE_MEAS_INFO, O, 1}, {PF_IE_QUOTA_VALIDITY_TIME, O, 1},
	{PF_IE_LINKED_URR_ID, O, 8}, {PF_IE_ETH_INACT_TIMER, O, 1}, {PF_IE_FAR_ID, O, 1}, END};
static const struct pf_rule r_create_qer[] = {{PF_IE_QER_ID, M, 1}, {PF_IE_GATE_STATUS, M, 1},
	{PF_IE_QER_CORR_ID, O, 1}, {PF_IE_MBR, O, 1}, {PF_IE_GBR, O, 1}, {PF_IE_QFI, O, 1}, END};
static const struct pf_rule r_update_qer[] = {{PF_IE_QER_ID, M, 1}, {PF_IE_GATE_STATUS, O, 1},
	{PF_IE_QER_CORR_ID, O, 1}, {PF_IE_MBR, O, 1}, {PF_IE_GBR, O, 1}, {PF_IE_QFI, O, 1}, END};
static const struct pf_rule r_bar[] = {{PF_IE_BAR_ID, M, 1}, {PF_IE_DL_DATA_NOTIF_DELAY, O, 1},
	{PF_IE_SUGG_BUF_PKTS, O, 1}, END};
static const struct pf_rule r_pdr_id[] = {{PF_IE_PDR_ID, M, 1}, END};
static const struct pf_rule r_far_id[] = {{PF_IE_FAR_ID, M, 1}, END};
static const struct pf_rule r_urr_id[] = {{PF_IE_URR_ID, M, 1}, END};
static const struct pf_rule r_qer_id[] = {{PF_IE_QER_ID, M, 1}, END};
static const struct pf_rule r_bar_id[] = {{PF_IE_BAR_ID, M, 1}, END};
static const struct pf_rule r_created_pdr[] = {{PF_IE_PDR_ID, M, 1}, {PF_IE_FTEID, O, 1},
	{PF_IE_UE_IP, O, 2}, END};
static const struct pf_rule r_usage_report[] = {{PF_IE_URR_ID, M, 1}, {PF_IE_UR_SEQN, M, 1},
	{PF_IE_USAGE_REPORT_TRIGGER, M, 1}, {PF_IE_START_TIME, O, 1}, {PF_IE_END_TIME, O, 1},
	{PF_IE_VOL_MEAS, O, 1}, {PF_IE_DUR_MEAS, O, 1}, {PF_IE_TIME_FIRST_PKT, O, 1},
	{PF_IE_TIME_LAST_PKT, O, 1}, {PF_IE_ETH_TRAFFIC_INFO, O, 1}, END};
static const struct pf_rule r_eth_traffic[] = {{PF_IE_MAC_DETECTED, O, 1}, {PF_IE_MAC_REMOVED, O, 1}, END};
static const struct pf_rule r_dl_report[] = {{PF_IE_PDR_ID, M, 32}, {PF_IE_DL_DATA_SVC_INFO, O, 32}, END};
static const struct pf_rule r_err_ind[] = {{PF_IE_FTEID, M, 32}, END};
/* a PFD context absent: that Application ID's PFDs go */
static const struct pf_rule r_app_pfds[] = {{PF_IE_APP_ID, M, 1}, {PF_IE_PFD_CONTEXT, O, 255}, END};
static const struct pf_rule r_pfd_context[] = {{PF_IE_PFD_CONTENTS, M, 255}, END};
static const struct pf_rule r_path_fail[] = {{PF_IE_REMOTE_GTPU_PEER, M, 32}, END};

struct pf_ruleset {
	uint16_t key;
	const char *name; /* messages only */
	const struct pf_rule *rules;
};

static const struct pf_ruleset msg_rules[] = {
	{PF_HEARTBEAT_REQ, "Heartbeat Request", r_heartbeat},
	{PF_HEARTBEAT_RSP, "Heartbeat Response", r_heartbeat},
	{PF_PFD_MGMT_REQ, "PFD Management Request", r_pfd_req},
	{PF_PFD_MGMT_RSP, "PFD Management Response", r_pfd_rsp},
	{PF_ASSOC_SETUP_REQ, "Association Setup Request", r_assoc_req},
	{PF_ASSOC_SETUP_RSP, "Association Setup Response", r_assoc_rsp},
	{PF_ASSOC_UPDATE_REQ, "Association Update Request", r_assoc_upd_req},
	{PF_ASSOC_UPDATE_RSP, "Association Update Response", r_assoc_upd_rsp},
	{PF_ASSOC_RELEASE_REQ, "Association Release Request", r_assoc_rel_req},
	{PF_ASSOC_RELEASE_RSP, "Association Release Response", r_node_cause},
	{PF_NODE_REPORT_REQ, "Node Report Request", r_node_report_req},
	{PF_NODE_REPORT_RSP, "Node Report Response", r_node_cause},
	{PF_SESS_EST_REQ, "Session Establishment Request", r_est_req},
	{PF_SESS_EST_RSP, "Session Establishment Response", r_est_rsp},
	{PF_SESS_MOD_REQ, "Session Modification Request", r_mod_req},
	{PF_SESS_MOD_RSP, "Session Modification Response", r_mod_rsp},
	{PF_SESS_DEL_REQ, "Session Deletion Request", r_del_req},
	{PF_SESS_DEL_RSP, "Session Deletion Response", r_del_rsp},
	{PF_SESS_REPORT_REQ, "Session Report Request", r_rpt_req},
	{PF_SESS_REPORT_RSP, "Session Report Response", r_rpt_rsp},
	{0, NULL, NULL},
};

static const struct pf_ruleset group_rules[] = {
	{PF_IE_CREATE_PDR, NULL, r_create_pdr},
	{PF_IE_PDI, NULL, r_pdi},
	{PF_IE_ETH_PACKET_FILTER, NULL, r_eth_filter},
	{PF_IE_CREATE_FAR, NULL, r_create_far},
	{PF_IE_FWD_PARAMS, NULL, r_fwd},
	{PF_IE_CREATE_URR, NULL, r_create_urr},
	{PF_IE_CREATE_QER, NULL, r_create_qer},
	{PF_IE_CREATED_PDR, NULL, r_created_pdr},
	{PF_IE_UPDATE_PDR, NULL, r_update_pdr},
	{PF_IE_UPDATE_FAR, NULL, r_update_far},
	{PF_IE_UPD_FWD_PARAMS, NULL, r_upd_fwd},
	{PF_IE_UPDATE_BAR_RSP, NULL, r_bar},
	{PF_IE_UPDATE_URR, NULL, r_update_urr},
	{PF_IE_UPDATE_QER, NULL, r_update_qer},
	{PF_IE_REMOVE_PDR, NULL, r_pdr_id},
	{PF_IE_REMOVE_FAR, NULL, r_far_id},
	{PF_IE_REMOVE_URR, NULL, r_urr_id},
	{PF_IE_REMOVE_QER, NULL, r_qer_id},
	{PF_IE_REMOVE_BAR, NULL, r_bar_id},
	{PF_IE_CREATE_BAR, NULL, r_bar},
	{PF_IE_UPDATE_BAR, NULL, r_bar},
	{PF_IE_QUERY_URR, NULL, r_urr_id},
	{PF_IE_USAGE_REPORT_MOD, NULL, r_usage_report},
	{PF_IE_USAGE_REPORT_DEL, NULL, r_usage_report},
	{PF_IE_USAGE_REPORT_RPT, NULL, r_usage_report},
	{PF_IE_DL_DATA_REPORT, NULL, r_dl_report},
	{PF_IE_ERROR_IND_REPORT, NULL, r_err_ind},
	{PF_IE_UP_PATH_FAIL_REPORT, NULL, r_path_fail},
	{PF_IE_ETH_TRAFFIC_INFO, NULL, r_eth_traffic},
	{PF_IE_APP_PFDS, NULL, r_app_pfds},
	{PF_IE_PFD_CONTEXT, NULL, r_pfd_context},
	{0, NULL, NULL},
};

static const struct pf_ruleset *
ruleset(const struct pf_ruleset *t, uint16_t key)
{
	for (; t->rules != NULL; t++)
		if (t->key == key)
			return t;
	return NULL;
}

const char *
pf_msg_name(uint8_t type)
{
	const struct pf_ruleset *r = ruleset(msg_rules, type);

	return r ? r->name : "?";
}

/* ---- byte helpers ---- */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | rd24(p + 1);
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* The IPv4 and/or IPv6 address an IE carries at @p (IPv4 first, as
 * every IE that has both lays them out; the shape is checked): past them. */
static const uint8_t *
rd_addrs(const uint8_t *p, int v4, int v6, uint8_t a4[4], uint8_t a6[16])
{
	if (v4) {
		memcpy(a4, p, 4);
		p += 4;
	}
	if (v6) {
		memcpy(a6, p, 16);
		p += 16;
	}
	return p;
}

static uint64_t
rd40(const uint8_t *p)
{
	return (uint64_t)p[0] << 32 | rd32(p + 1);
}

/* ---- shape checks: the length a value's flags call for ---- */

static int
chk_node_id(const uint8_t *v, uint16_t len)
{
	switch (v[0] & 0x0f) {
	case 0:
		return len >= 5 ? 0 : -1;
	case 1:
		return len >= 17 ? 0 : -1;
	case 2:
		return len >= 2 && chk_text(v + 1, (uint16_t)(len - 1)) == 0 ? 0 : -1;
	}
	return -1;
}

static int
chk_fseid(const uint8_t *v, uint16_t len)
{
	unsigned need = 9 + ((v[0] & 0x02) ? 4 : 0) + ((v[0] & 0x01) ? 16 : 0);

	return (v[0] & 0x03) && len >= need ? 0 : -1;
}

static int
chk_fteid(const uint8_t *v, uint16_t len)
{
	unsigned need;

	if (v[0] & 0x04) /* CH: the UPF chooses; only CHID may follow */
		need = 1 + ((v[0] & 0x08) ? 1 : 0);
	else
		need = 5 + ((v[0] & 0x01) ? 4 : 0) + ((v[0] & 0x02) ? 16 : 0);
	return len >= need ? 0 : -1;
}

static int
chk_ue_ip(const uint8_t *v, uint16_t len)
{
	unsigned need = 1 + ((v[0] & 0x02) ? 4 : 0) + ((v[0] & 0x01) ? 16 : 0) +
		((v[0] & 0x08) ? 1 : 0) + ((v[0] & 0x40) ? 1 : 0);

	return len >= need ? 0 : -1;
}

static int
sdf_parse(const uint8_t *v, uint16_t len, struct pf_sdf *s)
{
	unsigned off = 2;

	memset(s, 0, sizeof(*s));
	s->flags = v[0];
	if (v[0] & 0x01) {
		unsigned n;

		if (len < off + 2)
			return -1;
		n = rd16(v + off);
		off += 2;
		if (len < off + n || n >= sizeof(s->fd))
			return -1;
		memcpy(s->fd, v + off, n);
		off += n;
	}
	if (v[0] & 0x02) {
		if (len < off + 2)
			return -1;
		s->tos = rd16(v + off);
		off += 2;
	}
	if (v[0] & 0x04) {
		if (len < off + 4)
			return -1;
		s->spi = rd32(v + off);
		off += 4;
	}
	if (v[0] & 0x08) {
		if (len < off + 3)
			return -1;
		s->flow_label = rd24(v + off) & 0xfffff;
		off += 3;
	}
	if (v[0] & 0x10) {
		if (len < off + 4)
			return -1;
		s->filter_id = rd32(v + off);
	}
	return 0;
}

static int
chk_sdf(const uint8_t *v, uint16_t len)
{
	struct pf_sdf s;

	return sdf_parse(v, len, &s);
}

static int
ohc_parse(const uint8_t *v, uint16_t len, struct pf_ohc *o)
{
	unsigned off = 2;
	uint16_t d = rd16(v);

	memset(o, 0, sizeof(*o));
	o->desc = d;
	if (d & 0x0300) {
		if (len < off + 4)
			return -1;
		o->teid = rd32(v + off);
		off += 4;
	}
	if (d & 0x1500) {
		if (len < off + 4)
			return -1;
		memcpy(o->v4, v + off, 4);
		off += 4;
	}
	if (d & 0x2a00) {
		if (len < off + 16)
			return -1;
		memcpy(o->v6, v + off, 16);
		off += 16;
	}
	if (d & 0x0c00) {
		if (len < off + 2)
			return -1;
		o->port = rd16(v + off);
		off += 2;
	}
	/* C-TAG, S-TAG: not used, but they must be there */
	off += ((d & 0x4000) ? 3 : 0) + ((d & 0x8000) ? 3 : 0);
	return (d & 0xff00) && len >= off ? 0 : -1;
}

static int
chk_ohc(const uint8_t *v, uint16_t len)
{
	struct pf_ohc o;

	return ohc_parse(v, len, &o);
}

/* Redirect Information's octets: each address within the IE by its length (what the
 * type and the addresses say is the session's to judge) */
static int
redirect_parse(const uint8_t *v, uint16_t len, struct pf_redirect *r)
{
	size_t off = 3;

	memset(r, 0, sizeof(*r));
	if (len < 3)
		return -1;
	r->type = v[0] & 0x0f;
	r->len = rd16(v + 1);
	r->addr = v + 3;
	if (r->len > len - off)
		return -1;
	off += r->len;
	if (len - off >= 2 && r->type != 5) {   /* an Other Redirect Server Address, if any */
		r->len2 = rd16(v + off);
		r->addr2 = v + off + 2;
		if (r->len2 > len - off - 2)
			return -1;
		off += 2 + (size_t)r->len2;
	}
	if (r->type >= 5 && r->type <= 8 && len - off >= 2) {
		r->has_port = true;
		r->port = rd16(v + off);
	}
	return 0;
}

static int
chk_redirect(const uint8_t *v, uint16_t len)
{
	struct pf_redirect r;

	return redirect_parse(v, len, &r);
}

int
pf_get_redirect(const struct pf_ie *ie, struct pf_redirect *r)
{
	return redirect_parse(ie->v, ie->len, r) == 0 ? 0 : -EINVAL;
}

static int
chk_volume(const uint8_t *v, uint16_t len)
{
	unsigned need = 1, b;

	for (b = 0; b < 6; b++)
		if (v[0] & (1u << b))
			need += 8;
	return len >= need ? 0 : -1;
}

static int
chk_dl_svc(const uint8_t *v, uint16_t len)
{
	unsigned need = 1 + ((v[0] & 0x01) ? 1 : 0) + ((v[0] & 0x02) ? 1 : 0);

	return len >= need ? 0 : -1;
}

unsigned
pf_failed_rule_len(uint8_t kind)
{
	switch (kind) {
	case 0:
		return 2;
	case 1:
	case 2:
	case 3:
		return 4;
	case 4:
		return 1;
	}
	return 0;
}

static int
chk_failed_rule(const uint8_t *v, uint16_t len)
{
	unsigned n = pf_failed_rule_len(v[0] & 0x1f);

	return n != 0 && len >= 1 + n ? 0 : -1;
}

/* PFD Contents (8.2.39): after the flags and a spare octet, each flagged
 * field is a 2-octet length and as many octets, all inside the IE; the
 * AFD, AURL and ADNP fields are lists of such items, filling them exactly.
 * Octets after the last field are a later release's, as 8.1.1 allows. */
static int
pfd_parse(const uint8_t *v, uint16_t len, struct pf_pfd_contents *c)
{
	unsigned off = 2;

	memset(c, 0, sizeof(*c));
	c->flags = v[0];
	for (unsigned b = 0; b < 8; b++) {
		unsigned n;

		if (!(v[0] & (1u << b)))
			continue;
		if (len < off + 2)
			return -1;
		n = rd16(v + off);
		off += 2;
		if (n > len - off)
			return -1;
		c->f[b] = (struct pf_pfd_field){ .v = v + off, .len = (uint16_t)n };
		off += n;
		if (b >= 5) {   /* a list: its items fill it */
			struct pf_pfd_field it;
			unsigned i, at = 0;

			for (i = 0; pf_pfd_item(&c->f[b], i, &it) == 0; i++)
				at += 2u + it.len;
			if (i == 0 || at != n)
				return -1;
		}
	}
	return 0;
}

static int
chk_pfd(const uint8_t *v, uint16_t len)
{
	struct pf_pfd_contents c;

	return pfd_parse(v, len, &c);
}

int
pf_pfd_item(const struct pf_pfd_field *list, unsigned i, struct pf_pfd_field *item)
{
	unsigned at = 0;

	for (;;) {
		unsigned n;

		if (list->len < at + 2)
			return -ENOENT;
		n = rd16(list->v + at);
		if (n > list->len - at - 2u)
			return -ENOENT;
		if (i-- == 0) {
			*item = (struct pf_pfd_field){ .v = list->v + at + 2, .len = (uint16_t)n };
			return 0;
		}
		at += 2u + n;
	}
}

int
pf_get_pfd_contents(const struct pf_ie *ie, struct pf_pfd_contents *c)
{
	if (ie->len < 2)
		return -EINVAL;
	return pfd_parse(ie->v, ie->len, c) == 0 ? 0 : -EINVAL;
}

/* ---- decode ---- */

int
pf_hdr_decode(const uint8_t *b, size_t len, struct pf_hdr *h)
{
	size_t hl, ml;

	if (len < PF_HDR_NODE_LEN || (b[0] >> 5) != PF_VERSION)
		return -EBADMSG;
	memset(h, 0, sizeof(*h));
	h->has_seid = b[0] & 0x01;
	h->has_prio = (b[0] & 0x02) ? 1 : 0;
	h->type = b[1];
	ml = (size_t)rd16(b + 2) + 4;
	hl = h->has_seid ? PF_HDR_SESS_LEN : PF_HDR_NODE_LEN;
	if (ml < hl || ml > len)
		return -EBADMSG;
	h->len = (uint16_t)ml;
	if (h->has_seid) {
		h->seid = rd64(b + 4);
		b += 8;
	}
	h->seq = rd24(b + 4);
	if (h->has_prio)
		h->prio = b[7] >> 4;
	return 0;
}

static struct pf_result
res(enum pf_err_kind k, uint8_t cause, uint16_t ie)
{
	struct pf_result r = {k, cause, ie};

	return r;
}

/* Decodes the IEs in [b, b+len) against rules at this depth (of grouped IE @group, 0: the
 * message's level), appending to m->ies. */
static struct pf_result
walk(struct pf_msg *m, const uint8_t *b, size_t len, int depth, uint16_t group, const struct pf_rule *rules)
{
	uint8_t count[RULES_MAX] = {0};
	size_t off = 0;
	int i;

	while (off < len) {
		const struct pf_iedef *d;
		const uint8_t *v;
		uint16_t type, l;
		struct pf_ie *ie;
		int ri = -1;

		if (len - off < 4)
			return res(PF_ERR_IE, PF_CAUSE_INVALID_LENGTH, 0);
		type = rd16(b + off);
		l = rd16(b + off + 2);
		v = b + off + 4;
		if (l > len - off - 4)
			return res(PF_ERR_IE, PF_CAUSE_INVALID_LENGTH, type);
		off += 4 + (size_t)l;
		if (type >= PF_IE_VENDOR_MIN) { /* enterprise ID first: never ours, never an error */
			if (l < 2)
				return res(PF_ERR_IE, PF_CAUSE_INVALID_LENGTH, type);
			continue;
		}
		for (i = 0; rules[i].type != 0; i++)
			if (rules[i].type == type)
				ri = i;
		d = iedef(type);
		if (ri < 0 || d == NULL) { /* unknown or not expected here: optional, skipped */
			if (pf_unsup(m->hdr.type, group, type)) /* unless skipping it would change what is done */
				return res(PF_ERR_IE, PF_CAUSE_NOT_SUPPORTED, type);
			continue;
		}
		if (count[ri] >= rules[ri].max)
			return res(PF_ERR_IE, PF_CAUSE_MANDATORY_INCORRECT, type);
		count[ri]++;
		if (l < d->min || l > d->max || (d->check != NULL && d->check(v, l) != 0))
			return res(PF_ERR_IE,
				rules[ri].mand ? PF_CAUSE_MANDATORY_INCORRECT : PF_CAUSE_INVALID_LENGTH, type);
		if (m->n_ies >= PF_IES_MAX)
			return res(PF_ERR_IE, PF_CAUSE_NO_RESOURCES, type);
		ie = &m->ies[m->n_ies++];
		ie->type = type;
		ie->len = l;
		ie->v = v;
		ie->depth = (uint8_t)depth;
		ie->grouped = d->grouped == G_WALK;
		ie->n_desc = 0;
		if (d->grouped == G_WALK) {
			const struct pf_ruleset *g = ruleset(group_rules, type);
			uint16_t at = m->n_ies;
			struct pf_result r;

			if (depth + 1 >= PF_DEPTH_MAX || g == NULL)
				return res(PF_ERR_IE, PF_CAUSE_MANDATORY_INCORRECT, type);
			r = walk(m, v, l, depth + 1, type, g->rules);
			if (r.kind != PF_OK)
				return r;
			ie->n_desc = (uint16_t)(m->n_ies - at);
		}
	}
	for (i = 0; rules[i].type != 0; i++)
		if (rules[i].mand && count[i] == 0)
			return res(PF_ERR_IE, PF_CAUSE_MANDATORY_MISSING, rules[i].type);
	return res(PF_OK, 0, 0);
}

struct pf_result
pf_decode(const uint8_t *b, size_t len, struct pf_msg *m)
{
	const struct pf_ruleset *rs;
	size_t hl;
	int sess;

	m->n_ies = 0;
	if (pf_hdr_decode(b, len, &m->hdr) != 0 || m->hdr.len != len)
		return res(PF_ERR_HEADER, PF_CAUSE_INVALID_LENGTH, 0);
	rs = ruleset(msg_rules, m->hdr.type);
	if (rs == NULL)
		return res(PF_ERR_UNKNOWN_MSG, 0, 0);
	sess = m->hdr.type >= PF_SESS_EST_REQ;
	if (sess != m->hdr.has_seid) /* a session message without SEID, or a node one with */
		return res(PF_ERR_HEADER, PF_CAUSE_MANDATORY_INCORRECT, 0);
	hl = m->hdr.has_seid ? PF_HDR_SESS_LEN : PF_HDR_NODE_LEN;
	return walk(m, b + hl, len - hl, 0, 0, rs->rules);
}

const uint8_t *
pf_peek_ie(const uint8_t *b, size_t len, uint16_t type, uint16_t *vlen)
{
	size_t at = len >= 1 && (b[0] & 1) ? PF_HDR_SESS_LEN : PF_HDR_NODE_LEN;

	while (at + 4 <= len) {
		uint16_t t = (uint16_t)(b[at] << 8 | b[at + 1]), l = (uint16_t)(b[at + 2] << 8 | b[at + 3]);

		if (at + 4 + l > len)
			return NULL;
		if (t == type) {
			*vlen = l;
			return b + at + 4;
		}
		at += 4u + l;
	}
	return NULL;
}

int
pf_find(const struct pf_msg *m, int parent, uint16_t type, int after)
{
	int i, end;

	if (parent < 0) {
		i = 0;
		end = m->n_ies;
	} else {
		i = parent + 1;
		end = parent + 1 + m->ies[parent].n_desc;
	}
	for (; i < end; i += 1 + m->ies[i].n_desc)
		if (i > after && (type == 0 || m->ies[i].type == type))
			return i;
	return -1;
}

/* ---- typed getters ---- */

int
pf_get_u8(const struct pf_ie *ie, uint8_t *v)
{
	if (ie->len < 1)
		return -EINVAL;
	*v = ie->v[0];
	return 0;
}

int
pf_get_u16(const struct pf_ie *ie, uint16_t *v)
{
	if (ie->len < 2)
		return -EINVAL;
	*v = rd16(ie->v);
	return 0;
}

int
pf_get_u32(const struct pf_ie *ie, uint32_t *v)
{
	if (ie->len < 4)
		return -EINVAL;
	*v = rd32(ie->v);
	return 0;
}

int
pf_get_cause(const struct pf_ie *ie, uint8_t *cause)
{
	return pf_get_u8(ie, cause);
}

static int labels_raw(const uint8_t *v, size_t len, char *out, size_t size);

/* DNS labels to a dotted name; octets that are not labels are taken as they
 * are; -EINVAL unless the name is printable ASCII and fits */
static int
labels(const uint8_t *v, size_t len, char *out, size_t size)
{
	int rc = labels_raw(v, len, out, size);

	for (size_t i = 0; rc == 0 && out[i] != 0; i++)
		if (out[i] < 0x21 || out[i] > 0x7e)
			rc = -EINVAL;
	if (rc != 0 && size > 0)
		out[0] = 0;
	return rc;
}

/* A name the UPF prints, logs and matches (a Node ID's FQDN, a Network
 * Instance, an Application ID): printable ASCII once its labels are dotted,
 * else the IE is incorrect. */
static int
chk_text(const uint8_t *v, uint16_t len)
{
	char b[256];

	return labels(v, len, b, sizeof(b)) == 0 ? 0 : -1;
}

/* A Network Instance: a name, or the root label alone (an empty name: free5GC
 * v3.0's uplink PDI has one, meaning none; pf_get_string gives ""). */
static int
chk_ni(const uint8_t *v, uint16_t len)
{
	return len == 1 && v[0] == 0 ? 0 : chk_text(v, len);
}

static int
labels_raw(const uint8_t *v, size_t len, char *out, size_t size)
{
	size_t i = 0, o = 0;

	if (size == 0)
		return -EINVAL;
	while (i < len) {
		size_t n = v[i++];

		if (n > len - i || n == 0)
			goto raw;
		if (o + n + 1 >= size)
			return -EINVAL;
		if (o)
			out[o++] = '.';
		if (memchr(v + i, 0, n) != NULL)
			return -EINVAL;   /* a NUL would cut the name short unseen */
		memcpy(out + o, v + i, n);
		o += n;
		i += n;
	}
	out[o] = 0;
	return 0;
raw:
	if (len >= size || memchr(v, 0, len) != NULL)
		return -EINVAL;
	memcpy(out, v, len);
	out[len] = 0;
	return 0;
}

int
pf_get_string(const struct pf_ie *ie, char *out, size_t size)
{
	if (ie->len == 1 && ie->v[0] == 0 && size > 0) {   /* the root label alone (chk_ni) */
		out[0] = 0;
		return 0;
	}
	return labels(ie->v, ie->len, out, size);
}

int
pf_get_pool_id(const struct pf_ie *ie, char *out, size_t size)
{
	const uint8_t *v = ie->v;
	size_t n = ie->len;

	/* Rel-16 on: a two-octet length first (8.2.128); before it the
	 * identity alone, as some SMFs still send it */
	if (n >= 2 && rd16(v) == n - 2) {
		v += 2;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			return -EINVAL;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int
pf_get_node_id(const struct pf_ie *ie, struct pf_node_id *n)
{
	if (ie->len < 1 || chk_node_id(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	n->kind = ie->v[0] & 0x0f;
	if (n->kind == 0)
		memcpy(n->addr, ie->v + 1, 4);
	else if (n->kind == 1)
		memcpy(n->addr, ie->v + 1, 16);
	else
		return labels(ie->v + 1, ie->len - 1u, n->fqdn, sizeof(n->fqdn));
	return 0;
}

int
pf_get_fseid(const struct pf_ie *ie, struct pf_fseid *f)
{
	const uint8_t *p = ie->v + 9;

	if (ie->len < 9 || chk_fseid(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->seid = rd64(ie->v + 1);
	f->has_v4 = (ie->v[0] & 0x02) ? 1 : 0;
	f->has_v6 = ie->v[0] & 0x01;
	rd_addrs(p, f->has_v4, f->has_v6, f->v4, f->v6);
	return 0;
}

int
pf_get_fteid(const struct pf_ie *ie, struct pf_fteid *f)
{
	const uint8_t *p = ie->v + 5;

	if (ie->len < 1 || chk_fteid(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->ch = (ie->v[0] & 0x04) ? 1 : 0;
	if (f->ch) {
		f->has_chid = (ie->v[0] & 0x08) ? 1 : 0;
		f->chid = f->has_chid ? ie->v[1] : 0;
		/* with CH the address flags only ask for a v4/v6 one */
		f->has_v4 = ie->v[0] & 0x01;
		f->has_v6 = (ie->v[0] & 0x02) ? 1 : 0;
		return 0;
	}
	f->teid = rd32(ie->v + 1);
	f->has_v4 = ie->v[0] & 0x01;
	f->has_v6 = (ie->v[0] & 0x02) ? 1 : 0;
	rd_addrs(p, f->has_v4, f->has_v6, f->v4, f->v6);
	return 0;
}

int
pf_get_ue_ip(const struct pf_ie *ie, struct pf_ue_ip *u)
{
	const uint8_t *p = ie->v + 1;

	if (ie->len < 1 || chk_ue_ip(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	u->has_v4 = (ie->v[0] & 0x02) ? 1 : 0;
	u->has_v6 = ie->v[0] & 0x01;
	u->sd = (ie->v[0] & 0x04) ? 1 : 0;
	u->ch4 = (ie->v[0] & 0x10) ? 1 : 0;
	u->ch6 = (ie->v[0] & 0x20) ? 1 : 0;
	p = rd_addrs(p, u->has_v4, u->has_v6, u->v4, u->v6);
	if (ie->v[0] & 0x08)
		u->v6d = *p++;
	if (ie->v[0] & 0x40) {
		u->has_v6_plen = 1;
		u->v6_plen = *p;
	}
	return 0;
}

int
pf_get_sdf(const struct pf_ie *ie, struct pf_sdf *s)
{
	if (ie->len < 2)
		return -EINVAL;
	return sdf_parse(ie->v, ie->len, s) == 0 ? 0 : -EINVAL;
}

/* a MAC address IE is as long as the addresses its flags say (more: later versions') */
static int
chk_mac(const uint8_t *v, uint16_t len)
{
	unsigned int n = 0;

	for (int b = 0; b < 4; b++)
		n += (v[0] >> b & 1) * 6u;
	return len >= 1 + n ? 0 : -EINVAL;
}

/* MAC Addresses Detected/Removed (8.2.103, 8.2.104): a count, as many MACs, then (a later
 * release's) the C-TAG's and S-TAG's length-prefixed fields when there is room for them */
static int
chk_macs(const uint8_t *v, uint16_t len)
{
	unsigned int at = 1u + 6u * v[0];

	for (int tag = 0; tag < 2 && at < len; tag++)
		at += 1u + v[at];
	return len >= at ? 0 : -EINVAL;
}

int
pf_get_mac(const struct pf_ie *ie, struct pf_mac *m)
{
	const uint8_t *p = ie->v + 1;
	uint8_t *to[4] = { m->src, m->dst, m->usrc, m->udst };

	if (ie->len < 1 || chk_mac(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->flags = ie->v[0] & 0x0f;
	for (int b = 0; b < 4; b++)
		if (m->flags >> b & 1) {
			memcpy(to[b], p, 6);
			p += 6;
		}
	return 0;
}

int
pf_get_vlan_tag(const struct pf_ie *ie, struct pf_vlan_tag *t)
{
	if (ie->len < 3)
		return -EINVAL;
	t->flags = ie->v[0] & 0x07;
	t->pcp = ie->v[1] & 0x07;
	t->dei = ie->v[1] >> 3 & 1;
	t->vid = (uint16_t)((ie->v[1] >> 4) << 8 | ie->v[2]);
	return 0;
}

int
pf_get_ohc(const struct pf_ie *ie, struct pf_ohc *o)
{
	if (ie->len < 2)
		return -EINVAL;
	return ohc_parse(ie->v, ie->len, o) == 0 ? 0 : -EINVAL;
}

int
pf_get_ohr(const struct pf_ie *ie, struct pf_ohr *o)
{
	if (ie->len < 1)
		return -EINVAL;
	o->desc = ie->v[0];
	o->has_ext = ie->len >= 2;
	o->ext = o->has_ext ? ie->v[1] : 0;
	return 0;
}

int
pf_get_rate(const struct pf_ie *ie, struct pf_rate *r)
{
	if (ie->len < 10)
		return -EINVAL;
	r->ul = rd40(ie->v);
	r->dl = rd40(ie->v + 5);
	return 0;
}

int
pf_get_volume(const struct pf_ie *ie, struct pf_volume *vol)
{
	const uint8_t *p = ie->v + 1;

	if (ie->len < 1 || chk_volume(ie->v, ie->len) != 0)
		return -EINVAL;
	memset(vol, 0, sizeof(*vol));
	vol->flags = ie->v[0];
	if (vol->flags & 0x01) {
		vol->total = rd64(p);
		p += 8;
	}
	if (vol->flags & 0x02) {
		vol->ul = rd64(p);
		p += 8;
	}
	if (vol->flags & 0x04)
		vol->dl = rd64(p);
	return 0;
}

int
pf_get_failed_rule(const struct pf_ie *ie, uint8_t *kind, uint32_t *id)
{
	unsigned n, i;

	if (ie->len < 2 || chk_failed_rule(ie->v, ie->len) != 0)
		return -EINVAL;
	*kind = ie->v[0] & 0x1f;
	n = pf_failed_rule_len(*kind);
	*id = 0;
	for (i = 0; i < n; i++)
		*id = *id << 8 | ie->v[1 + i];
	return 0;
}

/* ---- encode ---- */

static uint8_t *
room(struct pf_enc *e, size_t n)
{
	uint8_t *p;

	if (e->err || n > e->size - e->len) {
		e->err = -ENOSPC;
		return NULL;
	}
	p = e->b + e->len;
	e->len += n;
	return p;
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	wr16(p + 1, (uint16_t)v);
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}

/* rd_addrs' other way: at @b + @l; the length after them. */
static size_t
wr_addrs(uint8_t *b, size_t l, int v4, int v6, const uint8_t a4[4], const uint8_t a6[16])
{
	if (v4) {
		memcpy(b + l, a4, 4);
		l += 4;
	}
	if (v6) {
		memcpy(b + l, a6, 16);
		l += 16;
	}
	return l;
}

void
pf_enc_begin(struct pf_enc *e, uint8_t *buf, size_t size, const struct pf_hdr *h)
{
	size_t hl = h->has_seid ? PF_HDR_SESS_LEN : PF_HDR_NODE_LEN;
	uint8_t *p;

	memset(e, 0, sizeof(*e));
	e->b = buf;
	e->size = size;
	p = room(e, hl);
	if (p == NULL)
		return;
	memset(p, 0, hl);
	p[0] = (uint8_t)(PF_VERSION << 5 | (h->has_prio ? 0x02 : 0) | (h->has_seid ? 0x01 : 0));
	p[1] = h->type;
	if (h->has_seid) {
		wr64(p + 4, h->seid);
		p += 8;
	}
	wr24(p + 4, h->seq & 0xffffff);
	if (h->has_prio)
		p[7] = (uint8_t)(h->prio << 4);
}

int
pf_enc_end(struct pf_enc *e)
{
	if (e->err)
		return e->err;
	if (e->depth != 0 || e->len - 4 > UINT16_MAX)
		return -EINVAL;
	wr16(e->b + 2, (uint16_t)(e->len - 4));
	return (int)e->len;
}

void
pf_put_seq(uint8_t *b, size_t len, uint32_t seq)
{
	size_t at = (len >= 1 && (b[0] & 0x01)) ? 12 : 4;

	if (len >= at + 3)
		wr24(b + at, seq);
}

void
pf_enc_ie(struct pf_enc *e, uint16_t type, const void *v, uint16_t len)
{
	uint8_t *p = room(e, 4 + (size_t)len);

	if (p == NULL)
		return;
	wr16(p, type);
	wr16(p + 2, len);
	if (len)
		memcpy(p + 4, v, len);
}

void
pf_enc_u8(struct pf_enc *e, uint16_t type, uint8_t v)
{
	pf_enc_ie(e, type, &v, 1);
}

void
pf_enc_u16(struct pf_enc *e, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	wr16(b, v);
	pf_enc_ie(e, type, b, 2);
}

void
pf_enc_u32(struct pf_enc *e, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	wr32(b, v);
	pf_enc_ie(e, type, b, 4);
}

void
pf_enc_group(struct pf_enc *e, uint16_t type)
{
	size_t at = e->len;
	uint8_t *p;

	if (e->depth >= PF_DEPTH_MAX) {
		e->err = e->err ? e->err : -EINVAL;
		return;
	}
	p = room(e, 4);
	if (p == NULL)
		return;
	wr16(p, type);
	e->open[e->depth++] = at;
}

void
pf_enc_group_end(struct pf_enc *e)
{
	size_t at, l;

	if (e->err)
		return;
	if (e->depth == 0) {
		e->err = -EINVAL;
		return;
	}
	at = e->open[--e->depth];
	l = e->len - at - 4;
	if (l > UINT16_MAX) {
		e->err = -ENOSPC;
		return;
	}
	wr16(e->b + at + 2, (uint16_t)l);
}

void
pf_enc_node_id(struct pf_enc *e, const struct pf_node_id *n)
{
	uint8_t b[256];
	size_t l = 1;

	b[0] = n->kind;
	if (n->kind == 0) {
		memcpy(b + 1, n->addr, 4);
		l += 4;
	} else if (n->kind == 1) {
		memcpy(b + 1, n->addr, 16);
		l += 16;
	} else { /* dotted name to labels */
		const char *s = n->fqdn;

		while (*s) {
			const char *dot = strchr(s, '.');
			size_t k = dot ? (size_t)(dot - s) : strlen(s);

			if (k == 0 || k > 63 || l + 1 + k > sizeof(b)) {
				e->err = e->err ? e->err : -EINVAL;
				return;
			}
			b[l++] = (uint8_t)k;
			memcpy(b + l, s, k);
			l += k;
			s += k + (dot ? 1 : 0);
		}
	}
	pf_enc_ie(e, PF_IE_NODE_ID, b, (uint16_t)l);
}

void
pf_enc_fseid(struct pf_enc *e, const struct pf_fseid *f)
{
	uint8_t b[29];
	size_t l = 9;

	b[0] = (uint8_t)((f->has_v4 ? 0x02 : 0) | (f->has_v6 ? 0x01 : 0));
	wr64(b + 1, f->seid);
	l = wr_addrs(b, l, f->has_v4, f->has_v6, f->v4, f->v6);
	pf_enc_ie(e, PF_IE_FSEID, b, (uint16_t)l);
}

void
pf_enc_fteid(struct pf_enc *e, const struct pf_fteid *f)
{
	uint8_t b[25];
	size_t l = 1;

	b[0] = (uint8_t)((f->has_v4 ? 0x01 : 0) | (f->has_v6 ? 0x02 : 0) | (f->ch ? 0x04 : 0) |
		(f->ch && f->has_chid ? 0x08 : 0));
	if (f->ch) {
		if (f->has_chid)
			b[l++] = f->chid;
	} else {
		wr32(b + 1, f->teid);
		l += 4;
		l = wr_addrs(b, l, f->has_v4, f->has_v6, f->v4, f->v6);
	}
	pf_enc_ie(e, PF_IE_FTEID, b, (uint16_t)l);
}

void
pf_enc_ue_ip(struct pf_enc *e, const struct pf_ue_ip *u)
{
	uint8_t b[23];
	size_t l = 1;

	b[0] = (uint8_t)((u->has_v4 ? 0x02 : 0) | (u->has_v6 ? 0x01 : 0) | (u->sd ? 0x04 : 0) |
		(u->v6d ? 0x08 : 0) | (u->ch4 ? 0x10 : 0) | (u->ch6 ? 0x20 : 0) | (u->has_v6_plen ? 0x40 : 0));
	l = wr_addrs(b, l, u->has_v4, u->has_v6, u->v4, u->v6);
	if (u->v6d)
		b[l++] = u->v6d;
	if (u->has_v6_plen)
		b[l++] = u->v6_plen;
	pf_enc_ie(e, PF_IE_UE_IP, b, (uint16_t)l);
}

void
pf_enc_ohc(struct pf_enc *e, const struct pf_ohc *o)
{
	uint8_t b[28];
	size_t l = 2;

	wr16(b, o->desc & 0x3fff); /* no C-TAG/S-TAG written */
	if (o->desc & 0x0300) {
		wr32(b + l, o->teid);
		l += 4;
	}
	l = wr_addrs(b, l, (o->desc & 0x1500) != 0, (o->desc & 0x2a00) != 0, o->v4, o->v6);
	if (o->desc & 0x0c00) {
		wr16(b + l, o->port);
		l += 2;
	}
	pf_enc_ie(e, PF_IE_OHC, b, (uint16_t)l);
}

void
pf_enc_volume(struct pf_enc *e, uint16_t type, const struct pf_volume *v)
{
	/* TOVOL, ULVOL, DLVOL then TONOP, ULNOP, DLNOP: each flag's value in turn (TS 29.244 8.2.44) */
	const uint64_t val[6] = { v->total, v->ul, v->dl, v->total_pkts, v->ul_pkts, v->dl_pkts };
	uint8_t b[49];
	size_t l = 1;

	b[0] = v->flags & (0x07 | PF_VOL_NOP);
	for (int i = 0; i < 6; i++)
		if (b[0] & (1u << i)) {
			wr64(b + l, val[i]);
			l += 8;
		}
	pf_enc_ie(e, type, b, (uint16_t)l);
}

static int
reenc(struct pf_enc *e, const struct pf_msg *m, int i, int end)
{
	while (i < end) {
		const struct pf_ie *ie = &m->ies[i];

		if (ie->grouped) {
			pf_enc_group(e, ie->type);
			reenc(e, m, i + 1, i + 1 + ie->n_desc);
			pf_enc_group_end(e);
		} else {
			pf_enc_ie(e, ie->type, ie->v, ie->len);
		}
		i += 1 + ie->n_desc;
	}
	return e->err;
}

int
pf_reencode(const struct pf_msg *m, uint8_t *buf, size_t size)
{
	struct pf_enc e;

	pf_enc_begin(&e, buf, size, &m->hdr);
	reenc(&e, m, 0, m->n_ies);
	return pf_enc_end(&e);
}
