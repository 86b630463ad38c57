/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_nl: the kernel's links, default routes and neighbours of both IP families, read and watched over rtnetlink (libmnl). */
/*
 * sxcd keeps a view of what the kernel of its network namespace knows,
 * for the WAN links: whether an interface is up, the default routes'
 * gateways through it (IPv4 and IPv6, the latter often link-local), and
 * the MAC of a gateway (the neighbour tables, ARP's and NDP's). The
 * compile reads it (cd_compile's kernel input): a WAN link without a
 * gateway (gateway6) in its intent takes the kernel's of that family, a
 * gateway the kernel has resolved becomes a static neighbour in sxdp (no
 * ARP or NDP of its own on a link the kernel shares over AF_XDP), and a
 * link that is down drops out of the path policies at once, before the
 * probes notice. Each change calls back (coalesced over CD_NL_SETTLE_MS),
 * which starts a reconcile. The messages are read by cd_nlview (which
 * routes count, multipath ones included).
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
 * "gateways": {IFNAME: "a.b.c.d"}, "gateways6": {IFNAME: "IPV6"} (the
 * default route's of each family through it), "neigh": {IFNAME: {"a.b.c.d"
 * or "IPV6": "MAC"}} (resolved entries only)}: cd_nlview.h.
 */
json_t *cd_nl_view(struct cd_nl *n);

#endif
