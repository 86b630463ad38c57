/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_report: PFCP sessions' usage read from sxdp, Session Report Requests (usage, DL data), end markers. */
#ifndef PF_REPORT_H
#define PF_REPORT_H

#include <event2/util.h>

#include "pf_up_state.h"

#define EVENTS_MS	20	/* sxdp's UPF events read this often while sessions are */
#define TICK_MS		1000	/* time-based usage reports checked this often */
#define DDN_WAIT_MAX	4096	/* DL Data Reports held for their BAR's delay at once (more: sent at once) */

/* @ops (applied, chained by next) once their counters are read: @done for each. */
void pf_report_read_ops(struct pf_up *up, struct op *ops, void (*done)(struct pf_up *up, struct op *op));
/* Are @us's entries armed as its usage says now (if not, a rearm is due)? */
bool pf_report_armed_right(struct pf_up *up, struct us *us);
void pf_report_rearm(struct pf_up *up, struct us *us);
/* A Session Report Request of usage reports @urs (@n of them) to @us's SMF, once the
 * journal has the usage they report. */
void pf_report_usage(struct pf_up *up, struct us *us, const struct pf_usage_report *urs, int n);
/* The end markers @op's SNDEMs asked for, now that it is applied. */
void pf_report_end_markers(struct pf_up *up, struct op *op);
/* What session @us buffers in sxdp dropped (PFCP's DROBU): asked before
 * any batch sent after it, which sxdp then applies after the drop. */
void pf_report_buffer_drop(struct pf_up *up, const struct us *us);
/* @us's delayed DL Data Report (DDND) cancelled if (after a Modification)
 * none of its downlink FARs buffers with NOCP now: the UE came back before
 * the delay ran out, no report is sent. (A deleted session's goes in
 * pf_usess_free.) */
void pf_report_ddn_check(struct pf_up *up, struct us *us);
/* up->ev_timer's (sxdp's UPF events; delayed DL Data Reports due) and up->tick's (time-based reports) callbacks. */
void pf_report_on_ev_timer(evutil_socket_t fd, short what, void *arg);
void pf_report_on_tick(evutil_socket_t fd, short what, void *arg);

#endif
