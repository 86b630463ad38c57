/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_nl: the kernel's links, IPv4 routes and neighbours, read and watched over rtnetlink (libmnl). */
/*
 * sxcd keeps a view of what the kernel of its network namespace knows,
 * for the WAN links: whether an interface is up, the default route's
 * gateway through it, and the MAC of a gateway (the neighbour table). The
 * compile reads it (cd_compile's kernel input): a WAN link without a
 * gateway in its intent takes the kernel's, a gateway the kernel has
 * resolved becomes a static neighbour in sxdp (no ARP of its own on a
 * link the kernel shares over AF_XDP), and a link that is down drops out
 * of the path policies at once, before the probes notice. Each change
 * calls back (coalesced over CD_NL_SETTLE_MS), which starts a reconcile.
 */
#ifndef CD_NL_H
#define CD_NL_H

#include <jansson.h>

#define CD_NL_SETTLE_MS 50	/* changes closer than this make one callback */

struct event_base;
struct cd_nl;

typedef void cd_nl_changed(void *arg);

/* Open, dump links, routes and neighbours, and subscribe to their changes.
 * NULL (with errno) when rtnetlink cannot be opened. */
struct cd_nl *cd_nl_new(struct event_base *base, cd_nl_changed *changed, void *arg);
void cd_nl_free(struct cd_nl *n);
/*
 * The view (borrowed): {"links": {IFNAME: {"up": bool, "index": N}},
 * "gateways": {IFNAME: "a.b.c.d"} (the default route's through it),
 * "neigh": {IFNAME: {"a.b.c.d": "MAC"}} (resolved entries only)}.
 */
json_t *cd_nl_view(struct cd_nl *n);

#endif
