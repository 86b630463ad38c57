/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_nlview: what rtnetlink's messages say of the kernel's links, default routes and neighbours, as sxcd's view of the WAN links; no socket. */
/*
 * cd_nl owns the socket and the loop; this takes its messages one by one
 * (a dump's and the changes') into state by interface index and builds the
 * view by interface name the compile reads. Apart so that the parsing,
 * where the kernel's many spellings of a default route meet, is tested on
 * made-up messages (tests/unit/test_cd_nl.c).
 *
 * What counts: the main table's default routes (0.0.0.0/0 and ::/0) of
 * type unicast with a gateway of their own family, each through its
 * RTA_OIF or, a multipath (ECMP) one, each hop through its own interface;
 * several through one interface: the lowest metric, the first seen among
 * equals (the first hop of a multipath route per interface). A default
 * route through a nexthop object (RTA_NH_ID) or via a gateway of the other
 * family (RTA_VIA, RFC 5549) is not one sxdp can follow: skipped. A
 * replacement (NLM_F_REPLACE) takes back the default routes of its
 * family and metric first, as the kernel replaced one of them.
 * Neighbours of both families, resolved ones only.
 */
#ifndef CD_NLVIEW_H
#define CD_NLVIEW_H

#include <jansson.h>

struct nlmsghdr;
struct cd_nlview;

/* NULL when out of memory. */
struct cd_nlview *cd_nlview_new(void);
void cd_nlview_free(struct cd_nlview *v);
/* Take one message: RTM_{NEW,DEL}{LINK,ROUTE,NEIGH}, anything else is
 * ignored, as is a malformed one. */
void cd_nlview_msg(struct cd_nlview *v, const struct nlmsghdr *nlh);
/*
 * The view as of the messages taken so far (borrowed, until the next
 * call): {"links": {IFNAME: {"up": bool, "index": N}}, "gateways":
 * {IFNAME: "a.b.c.d"}, "gateways6": {IFNAME: "IPV6"} (often link-local),
 * "neigh": {IFNAME: {"a.b.c.d" or "IPV6": "MAC"}}}; only interfaces whose
 * link is known are named.
 */
json_t *cd_nlview_build(struct cd_nlview *v);

#endif
