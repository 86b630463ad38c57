/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_unsup: the codec's table of the known PFCP IEs a request is refused for (pf_codec.h
 * says why), apart from its rules as it is another question of each IE. */
#include <errno.h>
#include <stddef.h>

#include "pf_codec.h"

/* Each changes forwarding or reporting in a way the UPF does not carry out; the rest of
 * what TS 29.244 puts in these groups is informational (User ID, Trace Information...) or
 * not sent to a UP function, and stays skipped. */
static const struct refused {
	uint16_t group; /* 0: the message level */
	uint16_t type;
	const char *name;
} refused[] = {
	{0, PF_IE_CREATE_TRAFFIC_EP, "Create Traffic Endpoint"},
	{0, PF_IE_UPDATE_TRAFFIC_EP, "Update Traffic Endpoint"},
	{0, PF_IE_REMOVE_TRAFFIC_EP, "Remove Traffic Endpoint"},
	{0, PF_IE_CREATE_MAR, "Create MAR"},
	{PF_IE_CREATE_PDR, PF_IE_ACTIVATE_PREDEF, "Activate Predefined Rules"},
	{PF_IE_CREATE_PDR, PF_IE_ACTIVATION_TIME, "Activation Time"},
	{PF_IE_CREATE_PDR, PF_IE_DEACTIVATION_TIME, "Deactivation Time"},
	{PF_IE_UPDATE_PDR, PF_IE_ACTIVATE_PREDEF, "Activate Predefined Rules"},
	{PF_IE_UPDATE_PDR, PF_IE_DEACTIVATE_PREDEF, "Deactivate Predefined Rules"},
	{PF_IE_UPDATE_PDR, PF_IE_ACTIVATION_TIME, "Activation Time"},
	{PF_IE_UPDATE_PDR, PF_IE_DEACTIVATION_TIME, "Deactivation Time"},
	{PF_IE_PDI, PF_IE_TRAFFIC_EP_ID, "Traffic Endpoint ID"},
	{PF_IE_ETH_PACKET_FILTER, PF_IE_SDF_FILTER, "SDF Filter (IP flows inside an Ethernet Packet Filter's frames)"},
	{PF_IE_PDI, PF_IE_FRAMED_ROUTE, "Framed-Route"},
	{PF_IE_PDI, PF_IE_FRAMED_ROUTING, "Framed-Routing"},
	{PF_IE_PDI, PF_IE_FRAMED_IPV6_ROUTE, "Framed-IPv6-Route"},
	{PF_IE_CREATE_FAR, PF_IE_DUPL_PARAMS, "Duplicating Parameters"},
	{PF_IE_UPDATE_FAR, PF_IE_UPD_DUPL_PARAMS, "Update Duplicating Parameters"},
	{PF_IE_FWD_PARAMS, PF_IE_HEADER_ENRICHMENT, "Header Enrichment"},
	{PF_IE_FWD_PARAMS, PF_IE_TRAFFIC_EP_ID, "Linked Traffic Endpoint ID"},
	{PF_IE_UPD_FWD_PARAMS, PF_IE_HEADER_ENRICHMENT, "Header Enrichment"},
	{PF_IE_UPD_FWD_PARAMS, PF_IE_TRAFFIC_EP_ID, "Linked Traffic Endpoint ID"},
	{PF_IE_CREATE_QER, PF_IE_PACKET_RATE, "Packet Rate"},
	{PF_IE_CREATE_QER, PF_IE_DL_FLOW_MARKING, "DL Flow Level Marking"},
	{PF_IE_UPDATE_QER, PF_IE_PACKET_RATE, "Packet Rate"},
	{PF_IE_UPDATE_QER, PF_IE_DL_FLOW_MARKING, "DL Flow Level Marking"},
#define URR_REFUSED(g)                                                                        \
	{g, PF_IE_MONITORING_TIME, "Monitoring Time"},                                        \
	{g, PF_IE_SUB_VOL_THRESH, "Subsequent Volume Threshold"},                             \
	{g, PF_IE_SUB_TIME_THRESH, "Subsequent Time Threshold"},                              \
	{g, PF_IE_INACT_DETECT_TIME, "Inactivity Detection Time"},                            \
	{g, PF_IE_DROPPED_DL_THRESH, "Dropped DL Traffic Threshold"},                         \
	{g, PF_IE_TIME_QUOTA_MECH, "Time Quota Mechanism"},                                   \
	{g, PF_IE_AGGREGATED_URRS, "Aggregated URRs"},                                        \
	{g, PF_IE_SUB_VOL_QUOTA, "Subsequent Volume Quota"},                                  \
	{g, PF_IE_SUB_TIME_QUOTA, "Subsequent Time Quota"},                                   \
	{g, PF_IE_ADD_MONITORING_TIME, "Additional Monitoring Time"},                         \
	{g, PF_IE_NUMBER_OF_REPORTS, "Number of Reports"}
	URR_REFUSED(PF_IE_CREATE_URR),
	URR_REFUSED(PF_IE_UPDATE_URR),
#undef URR_REFUSED
};

#define N_REFUSED (sizeof(refused) / sizeof(refused[0]))

bool
pf_unsup(uint8_t msg, uint16_t group, uint16_t type)
{
	/* the message level of the requests that make rules; other messages have no such IEs */
	if (group == 0 && msg != PF_SESS_EST_REQ && msg != PF_SESS_MOD_REQ)
		return false;
	for (size_t i = 0; i < N_REFUSED; i++)
		if (refused[i].group == group && refused[i].type == type)
			return true;
	return false;
}

const char *
pf_unsup_name(uint16_t type)
{
	for (size_t i = 0; i < N_REFUSED; i++)
		if (refused[i].type == type)
			return refused[i].name;
	return "?";
}

int
pf_unsup_at(unsigned i, uint16_t *group, uint16_t *type)
{
	if (i >= N_REFUSED)
		return -ENOENT;
	*group = refused[i].group;
	*type = refused[i].type;
	return 0;
}
