/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_routing: sxcd's service that keeps the slices' kernel twins and brings the routes learned in them into sxdp. */
/*
 * A site with a `host` port and a slice with `routing` make the slice's
 * twin (sw_twin.h: a network namespace a routing suite such as FRR runs
 * in) and import what is installed in its main table (sw_rib.h) into the
 * slice's VRF in sxdp (`routes`, `routes6`): netlink route import, a
 * libmnl socket in each twin's namespace, not FRR's FPM (any routing
 * suite works as shipped: FRR, bird, an operator's `ip route`; FRR's FPM
 * would be the same messages over TCP, from FRR alone).
 *
 * Intents win: a prefix an intent owns in sxdp (the slice's own routes,
 * its connected subnets, an operator's pinned route) is not written; the
 * learned route is "shadowed" and comes back when the intent lets go of it.
 * Learned routes are written in batches of at most SW_ROUTING_BATCH with
 * one call in flight, so a full table (100k routes) never holds sxcd's
 * loop long, and a withdrawal goes out in the next batch.
 */
#ifndef SW_ROUTING_H
#define SW_ROUTING_H

#include <jansson.h>

#define SW_ROUTING_BATCH    2048	/* updates in one table.write */
#define SW_ROUTING_TICK_MS  1000	/* intents read, twins and owners checked */
#define SW_ROUTING_TWIN_S   30		/* twins checked against the kernel at least this often */
#define SW_ROUTING_ROWS_MAX 10000	/* learned routes one answer lists */

/* The routing of slice @sid ({"netns", "device", "twin": "ok" or why
 * not, "import", "routes": {"learned", "installed", "shadowed",
 * "unresolved", "refused", "off"}}; new), NULL: it has none. */
json_t *sw_routing_slice(int sid);

#endif
