/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_view: the Visibility API's JSON (topology, counters), from the intents and what sxdp says now. */
/*
 * Both ask sxdp (cd_gather: several calls at once, one answer when all
 * are back) for what the view's keys read, and each key joins the answers
 * with the intents. The keys are the core's (ports, drops, sxdp) and
 * those the features register (cd_vis.h): a path shown with the peer and
 * WAN link it belongs to, a tunnel's counters under its slice, ...
 * Both carry "sample": when sxdp read their counters, on sxdp's clock
 * ({clock, boot_id, ms}), for a reader's rates.
 */
#ifndef CD_VIEW_H
#define CD_VIEW_H

#include <jansson.h>

#include "cd_res.h"
#include "cd_sync.h"
#include "cd_vis.h"

/* Called with {METHOD: result (null when the call failed)}; borrowed. NULL:
 * sxdp is not connected. */
typedef void cd_gather_done(void *arg, json_t *results);
/* Call each of @methods (NULL-terminated, no params) on sxdp. */
void cd_gather(struct cd_sync *s, const char *const *methods, cd_gather_done *done, void *arg);

/* The view's JSON (a new reference, the callee's to free), NULL when sxdp
 * is not connected. */
typedef void cd_view_done(void *arg, json_t *body);
void cd_view(struct cd_sync *s, struct cd_res *r, enum cd_view_kind kind, cd_view_done *done,
	     void *arg);
/* The topology view's keys marked .fleet alone (a box's report, cd_box.c):
 * only their calls made, only their values built. */
void cd_view_fleet(struct cd_sync *s, struct cd_res *r, cd_view_done *done, void *arg);

/* An item's answer (cd_vis.h): @calls (borrowed, NULL: none) asked of
 * sxdp, their answers added to @doc (taken) by @it's amend, with the
 * views' "sample" when it asked sxdp; @done gets
 * @doc, or NULL (@doc freed) when sxdp is not connected. */
void cd_view_item(struct cd_sync *s, struct cd_res *r, const struct cd_vis_item *it, json_t *doc,
		  json_t *calls, cd_view_done *done, void *arg);

#endif
