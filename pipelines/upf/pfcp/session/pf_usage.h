/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_usage: a PFCP session's URRs measured from sxdp's per-termination counters, and when each reports. */
/*
 * sxdp counts what each termination forwards (after its QERs) in a
 * counter of its own: a PDR's (pf_map). A URR is measured over the PDRs
 * that name it: what their counters gained since it started naming them
 * (a link's base), plus what PDRs that no longer name it had counted
 * (kept when the link went), minus what was already reported. Counters
 * only ever grow, so a counter read after the write that unlinked it is
 * exact. Pure: the caller reads the counters (upf.usage) and gives their
 * absolute values; this says what to report and when.
 */
#ifndef PF_USAGE_H
#define PF_USAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pf_codec.h"
#include "pf_sess.h"

/* Usage Report Trigger (TS 29.244 8.2.41), octet 5 in bits 16..23 */
#define PF_URT_PERIO 0x010000
#define PF_URT_VOLTH 0x020000
#define PF_URT_TIMTH 0x040000
#define PF_URT_IMMER 0x800000
#define PF_URT_VOLQU 0x000100
#define PF_URT_TIMQU 0x000200
#define PF_URT_TERMR 0x000800
#define PF_URT_LIUSA 0x000400
#define PF_URT_START 0x100000
#define PF_URT_STOPT 0x200000
#define PF_URT_QUVTI 0x000008   /* octet 7, bit 4 */
#define PF_URT_MACAR 0x004000   /* octet 6, bit 7 */

/* STOPT: a URR's traffic stopped once its PDRs forwarded nothing this
 * long (TS 29.244 leaves the stop's detection to the UP function: an
 * application's silence, as a flow table would time it out) */
#define PF_USAGE_STOPT_MS 10000

/* A PDR naming a URR, over the PDR's counter. */
struct pf_ulink {
	uint32_t urr, ctr;
	uint16_t pdr;
	uint8_t ul;		/* an uplink PDR: its bytes are the URR's uplink volume */
	uint64_t base;		/* the counter's bytes when the link began */
	uint64_t base_pkts;	/* ... and packets */
};

/* A URR's measurement. */
struct pf_meas {
	uint32_t urr, seqn;
	uint32_t start_ntp;	/* when it (or its last report) started */
	uint64_t start_ms, next_ms;	/* the next periodic report, 0: none */
	uint64_t born_ms;		/* when its quota was granted: its time quota counts from there */
	uint32_t quota_gen;		/* the grant it measures (pf_urr's quota_gen) */
	uint64_t quota_ul, quota_dl;	/* its bytes at the grant: its volume quota counts from there */
	uint64_t gone_ul, gone_dl;	/* bytes of links that went */
	uint64_t rep_ul, rep_dl;	/* bytes already reported */
	uint64_t gone_ul_p, gone_dl_p, rep_ul_p, rep_dl_p;	/* the same in packets */
	bool exhausted;		/* its quota (volume or time) is used up, or no longer valid: its PDRs forward nothing */
	bool traffic;		/* START/STOPT: its PDRs forward (START reported), until STOPT */
	uint64_t seen;		/* ... the bytes it had measured when last looked at */
	uint64_t moved_ms;	/* ... when they last grew */
	bool mnop;		/* its reports say packets too (Measurement Information MNOP) */
};

/* The User Plane Inactivity Timer's watch (TS 29.244 5.11.2): what the
 * session's PDRs' counters (every PDR has one while the timer is set)
 * had forwarded when last read, and since when that has not changed. A
 * silence the timer's length is reported once (UPIR); traffic again
 * starts the next. The counters are read a quarter of the timer apart
 * (at least PF_IDLE_READ_MS): the report comes at most that late, never
 * early; a change of rules that changes the counters counts as traffic,
 * and a new timer (a Modification's) starts the watch again. */
struct pf_idle {
	uint32_t inact_s;	/* the timer it watches for (s), 0: none yet */
	bool told;		/* this silence was reported */
	uint64_t seen;		/* packets the session's counters had when last read */
	uint64_t moved_ms;	/* when they were seen to change, or the watch began */
	uint64_t next_ms;	/* when to read them next */
};

#define PF_IDLE_READ_MS 1000

struct pf_usage {
	struct pf_ulink *link;
	struct pf_meas *meas;
	uint16_t n_link, n_meas;
};

/* MACAR (TS 29.244 5.13.5): the MACs behind an Ethernet PDU session reported as detected
 * and not since as removed; a MAC past PF_MACS_MAX waits until room is made. */
struct pf_macs {
	uint8_t (*mac)[6];
	uint16_t n, cap;
};
#define PF_MACS_MAX 1024
#define PF_MACS_REPORT_MAX 255	/* of each list, a report (the IE's count is one octet) */

/* A MAC behind a session now, and how long since it was last seen. */
struct pf_mac_seen {
	uint8_t mac[6];
	uint64_t idle_ms;
};

/*
 * The MACs behind a session now (@cur, @n_cur) against those reported (@m): into @det
 * (6 octets each, *@n_det) the ones to report detected (not reported yet, and seen
 * within @inact_ms when it is set), into @rm (*@n_rm) the ones to report removed
 * (reported and no longer there, or silent @inact_ms or more when set), at most
 * PF_MACS_REPORT_MAX of each (the rest the next time); @m then holds what is reported.
 * 0, or -ENOMEM (@m unchanged, nothing to report).
 */
int pf_macs_diff(struct pf_macs *m, const struct pf_mac_seen *cur, int n_cur, uint64_t inact_ms, uint8_t *det,
		 uint8_t *n_det, uint8_t *rm, uint8_t *n_rm);
void pf_macs_free(struct pf_macs *m);

/* A counter's absolute bytes now; of ctr | PF_CTR_PKTS, its packets. */
typedef uint64_t pf_ctr_abs(void *arg, uint32_t ctr);
#define PF_CTR_PKTS 0x80000000u
/* A PDR's counter (0: none). */
typedef uint32_t pf_ctr_of(void *arg, uint16_t pdr);

void pf_usage_free(struct pf_usage *u);

/*
 * @u brought to session @s (its rules now; @ctr_of its PDRs' counters,
 * @abs their values after the write): URRs new to it start now, links new
 * start at the counter's value, links gone keep what they counted; URRs
 * gone are reported (TERMR) into @out (*@n_out of them, at most
 * PF_SESS_URR_MAX). 0 or -ENOMEM (@u unchanged).
 */
int pf_usage_update(struct pf_usage *u, const struct pf_session *s, pf_ctr_of *ctr_of, void *carg, pf_ctr_abs *abs,
		    void *aarg, uint64_t now_ms, uint32_t now_ntp, struct pf_usage_report *out, int *n_out);

/* URR @urr's report now with @trigger; @reset: what it reports is not
 * reported again (a new measurement starts). -ENOENT: no such URR. */
int pf_usage_report(struct pf_usage *u, const struct pf_session *s, uint32_t urr, uint32_t trigger, bool reset,
		    pf_ctr_abs *abs, void *aarg, uint64_t now_ms, uint32_t now_ntp, struct pf_usage_report *r);

/* The reports due now (volume threshold or quota reached, a period or a
 * time threshold or quota or a quota's validity past, its traffic started
 * or stopped; and, LIUSA, each URR linked to one reporting) into @out (at most PF_SESS_URR_MAX), each
 * measurement reset as TS 29.244 says (a quota's URR is exhausted: its
 * PDRs stop forwarding); *@rearm: something changed the thresholds or
 * exhaustion the entries carry (the session is to be written again). */
int pf_usage_due(struct pf_usage *u, const struct pf_session *s, pf_ctr_abs *abs, void *aarg, uint64_t now_ms,
		 uint32_t now_ntp, struct pf_usage_report *out, bool *rearm);

/* The volume threshold sxdp is to watch on PDR @pdr's termination (0:
 * none): the least, over the URRs it counts for with a volume threshold or
 * quota, of what is left of it shared among that URR's links, so that
 * whichever of them crosses it, the URR may have. */
uint64_t pf_usage_watch(const struct pf_usage *u, const struct pf_session *s, uint16_t pdr, pf_ctr_abs *abs, void *aarg);
/* Does PDR @pdr count for a URR whose quota is used up? */
bool pf_usage_stopped(const struct pf_usage *u, const struct pf_session *s, uint16_t pdr);
/* sxdp started again (its counters from 0): what each link had counted
 * as last read (@abs) is kept, and links count from 0. */
void pf_usage_restarted(struct pf_usage *u, pf_ctr_abs *abs, void *aarg);
/* What each link counted (@abs: as last read) folded into its URR's
 * measurement and the link counting on from there: the measurement is the
 * same, its record now holds it (a usage checkpoint, what a takeover keeps).
 * True when a counter had moved. */
bool pf_usage_fold(struct pf_usage *u, pf_ctr_abs *abs, void *aarg);
/* The journal of the pair's other box taken over (pf_pair), its sxdp gone:
 * what its links counted after the record was written is not known (lost:
 * never reported, so never reported twice); what was reported stays so,
 * and links count from this sxdp's counters now (@abs: they may hold what
 * earlier sessions counted). */
void pf_usage_taken_over(struct pf_usage *u, pf_ctr_abs *abs, void *aarg);
/* Are the counters of a session whose timer is @inact_s (0: none) to be
 * read for @w at @now_ms? */
bool pf_idle_due(const struct pf_idle *w, uint32_t inact_s, uint64_t now_ms);
/* They were read (@pkts, what they forwarded) at @now_ms: true when the
 * silence is to be reported now (UPIR); the next read set. */
bool pf_idle_check(struct pf_idle *w, uint32_t inact_s, uint64_t pkts, uint64_t now_ms);
/* The next time (ms) a time-based report of @u is due, 0: none. */
uint64_t pf_usage_next(const struct pf_usage *u, const struct pf_session *s);

#endif
