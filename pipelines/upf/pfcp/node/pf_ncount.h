/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ncount: the PFCP endpoint's counters (messages by type, refusals by type and cause, drops, procedures) as status and /metrics. */
#ifndef PF_NCOUNT_H
#define PF_NCOUNT_H

#include <stdint.h>
#include <jansson.h>

struct cd_vis_fams;

#define PF_NCOUNT_REFUSALS_MAX 128	/* (message type, cause) pairs counted; both are finite */

struct pf_refusal {
	uint8_t type, cause;
	uint64_t count;
};

/* pf_node's, counted where they happen. */
struct pf_ncount {
	uint64_t in[256], out[256];	/* messages by type */
	struct pf_refusal refusals[PF_NCOUNT_REFUSALS_MAX];
	int n_refusals;
	uint64_t dropped_header, dropped_unknown, dropped_unexpected, dropped_unmatched, refused_source;
	uint64_t from_cache, pending_ignored, retransmits, hb_failures, version_refused;
	uint64_t assoc_setups, assoc_released, smf_restarts, unreachable_gone;
	uint64_t rts_older;	/* earlier Recovery Time Stamps in heartbeats, discarded */
	uint64_t rts_unconfirmed; /* later ones in Heartbeat Requests, not (yet) said again */
	uint64_t seq_reused;	/* requests under an earlier one's number with other bytes: new ones */
	uint64_t seq_mismatched; /* association answers under another number than our request's (free5GC's 1) */
	uint64_t restored, store_failures;
	uint64_t pfd_changes;	/* PFD Management Requests applied and stored */
};

/* A request of @type refused with @cause. */
void pf_ncount_refusal(struct pf_ncount *c, uint8_t type, uint8_t cause);
/* A Cause's name for /metrics and logs: "no_established_pfcp_association". */
const char *pf_cause_name(uint8_t c);
/* The status' "counters" (new). */
json_t *pf_ncount_json(const struct pf_ncount *c);
/* Their /metrics families (bounded labels: message types and causes). */
void pf_ncount_metrics(const struct pf_ncount *c, struct cd_vis_fams *f);

#endif
