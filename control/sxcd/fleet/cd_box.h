/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_box: this box's report in a fleet's store (status back, under a lease) and the view of every box. */
/*
 * Keys under the fleet's PREFIX (cd_fleet.h):
 *   PREFIX/boxes/SITE        the box's report: its intents' phases, its
 *                            paths' health (the topology keys registered
 *                            .fleet, cd_vis.h), sxdp's state, when it was
 *                            written (seen), sxcd's version. No lease: a
 *                            box that is gone stays listed, stale, with
 *                            what it said last.
 *   PREFIX/boxes/SITE/seen   {"seen_unix"}: the box's heartbeat, every
 *                            CD_BOX_SEEN_MS (small: the report itself is
 *                            written only when what it says changes)
 *   PREFIX/boxes/SITE/live   under the box's lease (CD_BOX_TTL_S, kept
 *                            alive every CD_BOX_KEEP_MS): etcd deletes it
 *                            when the lease runs out, so a box that died
 *                            or is cut off from the store is stale within
 *                            the TTL, seen alike from every box.
 * The report is written when what it says changes (an intent's phase,
 * debounced; sxdp's state; a path's state: looked at every
 * CD_BOX_KEEP_MS), a big one (many intents) at most every
 * CD_BOX_BIG_PACE_MS: each write is a revision etcd keeps until a
 * compaction, so a fleet at rest writes only its heartbeats. The view
 * (GET /api/v1/fleet) is one range over PREFIX/boxes/ at one revision.
 */
#ifndef CD_BOX_H
#define CD_BOX_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct cd_fleet;
struct cd_res;
struct cd_sync;
struct cd_box;

#define CD_BOX_TTL_S 5
#define CD_BOX_KEEP_MS 1500
#define CD_BOX_DEBOUNCE_MS 200
#define CD_BOX_LEAVE_MS 1000
#define CD_BOX_SEEN_MS 5000	/* the heartbeat (seen) */
#define CD_BOX_BIG 16384		/* a report this big (bytes) ... */
#define CD_BOX_BIG_PACE_MS 2000	/* ... is written at most this often */
#define CD_BOX_WHY_MAX 160	/* a report's reason or message, cut at this many bytes */	/* a report that says nothing new: its time refreshed */

/* NULL when out of memory. */
struct cd_box *cd_box_new(struct event_base *base, struct cd_fleet *f, struct cd_res *res,
			  struct cd_sync *sync);
void cd_box_free(struct cd_box *b);
/* sxcd stops: its last report (saying "stopped") written and its lease
 * revoked, the loop run for these alone (at most CD_BOX_LEAVE_MS), so the
 * fleet shows the box "stopped" at once rather than "stale" after the
 * TTL. Called once the loop is over, before cd_box_free. */
void cd_box_leave(struct cd_box *b);

/* The fleet's view, later: @done(@arg, 200, body) or (503, error body);
 * @body new, the callee's. @b NULL: 404 (not on a fleet's store).
 * @brief: each box's paths counted, not listed (its "view" left out). */
typedef void cd_box_view_done(void *arg, int code, json_t *body);
void cd_box_view(void *b, bool brief, cd_box_view_done *done, void *arg);

#endif
