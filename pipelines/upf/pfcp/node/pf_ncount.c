/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ncount: the PFCP endpoint's counters (messages by type, refusals by type and cause, drops, procedures) as status and /metrics. */
#include <stdio.h>
#include <string.h>

#include "cd_vis.h"
#include "pf_codec.h"
#include "pf_ncount.h"

const char *
pf_cause_name(uint8_t c)
{
	switch (c) {
	case PF_CAUSE_ACCEPTED: return "accepted";
	case PF_CAUSE_REJECTED: return "request_rejected";
	case PF_CAUSE_NO_SESSION: return "session_context_not_found";
	case PF_CAUSE_MANDATORY_MISSING: return "mandatory_ie_missing";
	case PF_CAUSE_CONDITIONAL_MISSING: return "conditional_ie_missing";
	case PF_CAUSE_INVALID_LENGTH: return "invalid_length";
	case PF_CAUSE_MANDATORY_INCORRECT: return "mandatory_ie_incorrect";
	case PF_CAUSE_INVALID_FWD_POLICY: return "invalid_forwarding_policy";
	case PF_CAUSE_INVALID_FTEID_ALLOC: return "invalid_fteid_allocation_option";
	case PF_CAUSE_NO_ASSOCIATION: return "no_established_pfcp_association";
	case PF_CAUSE_RULE_FAILURE: return "rule_creation_modification_failure";
	case PF_CAUSE_CONGESTION: return "pfcp_entity_in_congestion";
	case PF_CAUSE_NO_RESOURCES: return "no_resources_available";
	case PF_CAUSE_NOT_SUPPORTED: return "service_not_supported";
	case PF_CAUSE_SYSTEM_FAILURE: return "system_failure";
	}
	return "other";
}

/* A message type's name for /metrics: "association_setup_request". */
static const char *
type_label(uint8_t t, char *out, size_t len)
{
	const char *s = pf_msg_name(t);
	size_t i = 0;

	if (t == PF_VERSION_NOT_SUPPORTED)
		s = "Version Not Supported Response";
	if (strcmp(s, "?") == 0)
		s = "unknown";
	for (; *s != '\0' && i + 1 < len; s++)
		out[i++] = *s == ' ' ? '_' : (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	out[i] = '\0';
	return out;
}

void
pf_ncount_refusal(struct pf_ncount *c, uint8_t type, uint8_t cause)
{
	for (int i = 0; i < c->n_refusals; i++)
		if (c->refusals[i].type == type && c->refusals[i].cause == cause) {
			c->refusals[i].count++;
			return;
		}
	if (c->n_refusals < PF_NCOUNT_REFUSALS_MAX)
		c->refusals[c->n_refusals++] = (struct pf_refusal){ type, cause, 1 };
}

json_t *
pf_ncount_json(const struct pf_ncount *n)
{
	json_t *in = json_object(), *out = json_object(), *ref = json_array();
	char t[64];

	for (int i = 0; i < 256; i++) {
		if (n->in[i])
			json_object_set_new(in, type_label((uint8_t)i, t, sizeof(t)), json_integer((json_int_t)n->in[i]));
		if (n->out[i])
			json_object_set_new(out, type_label((uint8_t)i, t, sizeof(t)), json_integer((json_int_t)n->out[i]));
	}
	for (int i = 0; i < n->n_refusals; i++)
		json_array_append_new(ref, json_pack("{s:s,s:s,s:i,s:I}", "type",
						     type_label(n->refusals[i].type, t, sizeof(t)), "cause",
						     pf_cause_name(n->refusals[i].cause), "cause_value", n->refusals[i].cause,
						     "count", (json_int_t)n->refusals[i].count));
	return json_pack("{s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			 "s:I,s:I}",
			 "in", in, "out", out, "refusals", ref,
			 "dropped", "header", (json_int_t)n->dropped_header, "unknown_type",
			 (json_int_t)n->dropped_unknown, "unexpected", (json_int_t)n->dropped_unexpected,
			 "unmatched_response", (json_int_t)n->dropped_unmatched, "refused_source",
			 (json_int_t)n->refused_source, "answered_from_cache",
			 (json_int_t)n->from_cache, "retransmit_while_pending", (json_int_t)n->pending_ignored,
			 "requests_resent", (json_int_t)n->retransmits, "heartbeat_failures",
			 (json_int_t)n->hb_failures, "version_not_supported", (json_int_t)n->version_refused,
			 "association_setups", (json_int_t)n->assoc_setups, "association_releases",
			 (json_int_t)n->assoc_released, "smf_restarts", (json_int_t)n->smf_restarts,
			 "unreachable_gone", (json_int_t)n->unreachable_gone, "earlier_stamps_discarded",
			 (json_int_t)n->rts_older, "later_stamps_unconfirmed", (json_int_t)n->rts_unconfirmed,
			 "sequence_reused", (json_int_t)n->seq_reused, "sequence_mismatched_answers",
			 (json_int_t)n->seq_mismatched, "associations_restored",
			 (json_int_t)n->restored, "store_failures", (json_int_t)n->store_failures, "pfd_changes",
			 (json_int_t)n->pfd_changes);
}

void
pf_ncount_metrics(const struct pf_ncount *n, struct cd_vis_fams *f)
{
	static const char *const ph = "PFCP messages sxcd received, by message type",
			  *const pt = "PFCP messages sxcd sent, by message type";
	char t[64];

	for (int i = 0; i < 256; i++) {
		if (n->in[i])
			cd_vis_sample(f, "sxcd_pfcp_messages_received_total", "counter", ph, (double)n->in[i], "type",
				      type_label((uint8_t)i, t, sizeof(t)), NULL);
		if (n->out[i])
			cd_vis_sample(f, "sxcd_pfcp_messages_sent_total", "counter", pt, (double)n->out[i], "type",
				      type_label((uint8_t)i, t, sizeof(t)), NULL);
	}
	for (int i = 0; i < n->n_refusals; i++) {
		char c[8];

		snprintf(c, sizeof(c), "%u", n->refusals[i].cause);
		cd_vis_sample(f, "sxcd_pfcp_refusals_total", "counter",
			      "PFCP requests sxcd refused, by message type and cause", (double)n->refusals[i].count,
			      "type", type_label(n->refusals[i].type, t, sizeof(t)), "cause",
			      pf_cause_name(n->refusals[i].cause), "cause_value", c, NULL);
	}
	static const char *const dh = "PFCP datagrams sxcd dropped unanswered, by reason";
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->dropped_header, "reason", "header", NULL);
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->dropped_unknown, "reason",
		      "unknown_type", NULL);
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->dropped_unexpected, "reason",
		      "unexpected", NULL);
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->dropped_unmatched, "reason",
		      "unmatched_response", NULL);
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->pending_ignored, "reason",
		      "retransmit_while_pending", NULL);
	cd_vis_sample(f, "sxcd_pfcp_dropped_total", "counter", dh, (double)n->refused_source, "reason",
		      "refused_source", NULL);
	cd_vis_sample(f, "sxcd_pfcp_version_not_supported_total", "counter",
		      "PFCP messages of another version than 1", (double)n->version_refused, NULL);
	cd_vis_sample(f, "sxcd_pfcp_retransmits_answered_total", "counter",
		      "Retransmitted PFCP requests answered from the response cache", (double)n->from_cache, NULL);
	cd_vis_sample(f, "sxcd_pfcp_requests_resent_total", "counter",
		      "PFCP requests of sxcd's sent again after T1", (double)n->retransmits, NULL);
	cd_vis_sample(f, "sxcd_pfcp_heartbeat_failures_total", "counter",
		      "Heartbeat Requests of sxcd's unanswered after N1 retransmissions", (double)n->hb_failures, NULL);
	cd_vis_sample(f, "sxcd_pfcp_smf_restarts_total", "counter",
		      "SMF restarts seen (a later Recovery Time Stamp, or a setup again): their sessions gone",
		      (double)n->smf_restarts, NULL);
	cd_vis_sample(f, "sxcd_pfcp_earlier_stamps_total", "counter",
		      "Recovery Time Stamps earlier than the association's, discarded (TS 23.007 19A)",
		      (double)n->rts_older, NULL);
	cd_vis_sample(f, "sxcd_pfcp_association_setups_total", "counter",
		      "PFCP associations set up (new, or again after an SMF restart)", (double)n->assoc_setups, NULL);
}
