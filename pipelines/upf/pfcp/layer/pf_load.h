/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_load: N4 load and overload control (TS 29.244 6.2.3-6.2.4): the UP function's load measured, establishments admitted within bounds, Load and Overload Control Information for the SMFs that take them. */
/*
 * The load (0..100) is the highest of three shares, measured every
 * 250 ms: sessions held (and establishments on their way) of the session
 * bound; establishments waiting for sxdp of the queue bound; sxcd's
 * resident memory of its bound (when one is set).
 *
 * Admission, for establishments only (modifications and deletions of the
 * sessions there are always taken, and go ahead of establishments in the
 * queue; heartbeats are answered by the node layer as they come):
 *   - sessions at the bound: No resources available (75);
 *   - the queue at its bound, or the memory: PFCP entity in congestion (74).
 * Never an allocation past the bounds, never a silent drop: each refusal
 * is answered, counted by reason and logged at a bounded rate.
 *
 * To an SMF whose CP Function Features say LOAD, every session response
 * carries Load Control Information (its sequence number one more each time
 * the metric changes); to one that says OVRL, while the load is at
 * OVERLOAD_ENTER or more (and PERIOD_S after it fell under OVERLOAD_LEAVE,
 * then with metric 0), Overload Control Information asking it to shed
 * (load - 80) * 5 % of its session requests (50 % at 90, 100 % at 100),
 * valid PERIOD_S, for the node (AOCI).
 */
#ifndef PF_LOAD_H
#define PF_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_codec.h"

struct pf_assoc;

struct pf_load_cfg {
	unsigned int max_sessions;	/* 0: sxdp's sessions_uplink table's size */
	unsigned int max_pending;	/* establishments queued for sxdp (0: PF_LOAD_PENDING_DEF) */
	unsigned int max_rss_mb;	/* 0: no bound */
};

#define PF_LOAD_PENDING_DEF 16384

struct pf_load {
	struct pf_load_cfg cfg;
	unsigned int pending;		/* establishments taken, not yet answered */
	uint8_t metric;			/* the load now, 0..100 */
	uint8_t reduction;		/* the overload's shed share; 0: none */
	bool overloaded;
	uint32_t lci_seq, oci_seq;
	uint64_t oci_until_ms;		/* an overload's end said until then */
	uint64_t rss_bytes;		/* as last read */
	uint64_t refused_resources, refused_congestion, overloads;
	uint64_t log_ms;		/* refusals logged at most once a second */
	uint64_t log_skipped;
};

/* The bounds (pf_svc's options); the load's state starts afresh. */
void pf_load_init(struct pf_load *l, const struct pf_load_cfg *cfg);
/* Measured again (every 250 ms, the layer's timer): @sessions held now,
 * @table_size sxdp's sessions_uplink table's (0: unknown). */
void pf_load_measure(struct pf_load *l, uint64_t sessions, uint64_t table_size, uint64_t now_ms);
/* An establishment: 0 (taken: counted pending until pf_load_done), or the
 * Cause it is refused with (@why: for the log, NULL when the log is held
 * back in a flood). */
uint8_t pf_load_admit(struct pf_load *l, uint64_t sessions, uint64_t table_size, const char **why);
/* An establishment taken is answered or dropped. */
void pf_load_done(struct pf_load *l);
/* @r's Load and Overload Control Information for association @a (NULL:
 * none), in @lci and @oci. */
void pf_load_ies(const struct pf_load *l, const struct pf_assoc *a, struct pf_sess_rsp *r, struct pf_load_ctl *lci,
		 struct pf_overload_ctl *oci);
json_t *pf_load_status(const struct pf_load *l, uint64_t table_size);

#endif
