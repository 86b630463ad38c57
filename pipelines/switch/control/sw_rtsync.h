/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_rtsync: the routes the slices' twins learned (sw_rib) made what sxdp holds in their VRFs, intents' entries left alone. */
/*
 * sw_routing feeds the RIB from the twins' sockets and says which slices
 * import; this writes each dirty prefix's resolution to the slice's
 * `routes`/`routes6` as `via`, `ecmp` (the first SW_RTSYNC_ECMP4 next hops,
 * SW_RTSYNC_ECMP6 in IPv6) or `drop`, and deletes what the twin no longer
 * has: batches of at most SW_RTSYNC_BATCH updates (continue on error), one
 * call in flight, so a full table never holds sxcd's loop long and a
 * withdrawal goes out in the next batch. A prefix's `held` is a digest of
 * what sxdp holds of ours (0: nothing, 1: an entry not known to be ours,
 * modified next), so an unchanged resolution is never written twice.
 *
 * Intents win: a prefix an intent owns in sxdp (the slice's connected
 * subnets, its routes, an operator's pinned route; the store's "owned")
 * is flagged on the RIB's prefix every tick and never written or deleted
 * here; the learned route is "shadowed" and comes back when the intent
 * lets go of it. Once sxcd has met its first sxdp and the twins are read,
 * what sxdp holds in the importing slices' VRFs is read once: a learned
 * route the twin no longer has (withdrawn while sxcd was away) goes, one
 * it has is made ours. A reconnect to the same sxdp reads nothing (sxcd
 * knows what it holds; a write whose answer was lost is modified again);
 * a restarted sxdp holds nothing, so every prefix is written anew.
 */
#ifndef SW_RTSYNC_H
#define SW_RTSYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#define SW_RTSYNC_SLICES 4000	/* slice ids 1..3999 */
#define SW_RTSYNC_BATCH	 2048	/* updates in one table.write */
#define SW_RTSYNC_ECMP4	 4	/* sxdp's routes' next hops */
#define SW_RTSYNC_ECMP6	 2	/* routes6' */

struct event_base;
struct cd_res;
struct cd_sync;
struct ctl_async;
struct cd_tables;
struct cd_vis_fams;
struct sw_rib;
struct sw_rib_pfx;

struct sw_rtsync_env {
	struct event_base *base;
	struct cd_res *res;		/* the store's "owned" */
	struct cd_sync *sync;
	struct ctl_async *sxdp;
	struct sw_rib *rib;		/* sw_routing's */
	void (*note)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* trouble, said once */
};

/* 0, or -ENOMEM. */
int sw_rtsync_start(const struct sw_rtsync_env *env);
void sw_rtsync_stop(void);
/* Write what is dirty soon (on the loop). */
void sw_rtsync_kick(void);
/* sxdp's tables known (@t; @restarted: an sxdp that holds nothing of
 * ours; @first: the first sxdp this sxcd meets, read once), or the
 * connection lost (NULL). */
void sw_rtsync_sxdp(const struct cd_tables *t, bool restarted, bool first);
/* The slices whose learned routes go into sxdp now (@imp[1..3999]: 1). */
void sw_rtsync_import(const uint8_t *imp);
bool sw_rtsync_importing(int sid);
/* Every tick: owners looked at, sxdp read once @twins_read, a flush. */
void sw_rtsync_tick(bool twins_read);
/* A prefix's state's name ("installed", "shadowed", ...). */
const char *sw_rtsync_state(const struct sw_rib_pfx *p);
/* Prefixes by state of slice @sid (0: every slice), with "learned", their
 * sum (new). */
json_t *sw_rtsync_counts(int sid);
struct sw_rtsync_stats {
	uint64_t writes, deletes, refusals;
};
void sw_rtsync_stats(struct sw_rtsync_stats *st);
/* Its families of /metrics. */
void sw_rtsync_metrics(struct cd_vis_fams *f);

#endif
