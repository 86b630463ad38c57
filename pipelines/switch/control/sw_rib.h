/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_rib: the routes a routing suite put in the slices' twins, read from rtnetlink's messages; no socket. */
/*
 * A slice with routing has a twin (sw_twin.h), a network namespace of its
 * own. What a routing suite (FRR's zebra, bird, an operator's `ip route`)
 * installs in its main table is what the slice learned: this keeps it,
 * prefix by prefix, from the messages sw_routing's sockets in the twins
 * read (a dump's and the changes'), and says for
 * each prefix what sxdp's VRF should hold: a next hop, ECMP, a drop, or
 * nothing and why. Apart from the socket so that the kernel's many
 * spellings of a route (a gateway, RTA_MULTIPATH, a nexthop object or a
 * group of them, IPv6 hops appended and deleted one at a time, a
 * replacement) are tested on made-up messages (tests/unit/test_sw_rib.c).
 *
 * A prefix may have routes of several metrics (and protocols): the
 * lowest metric is the one the kernel uses, and the one sxdp gets. Not
 * learned: the kernel's own routes (RTPROT_KERNEL: connected subnets, the
 * twin's addresses), sxcd's own (SW_RIB_PROTO_SXCD: the twin's default
 * route into sxdp), local, broadcast, anycast and multicast ones, and any
 * table's but main's.
 *
 * Memory: a prefix is one struct sw_rib_pfx (64 bytes) and one route of
 * it (40 bytes); a route of more than one hop holds them apart (24 bytes
 * each). Prefixes are found by a chained hash that doubles as they come.
 */
#ifndef SW_RIB_H
#define SW_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

#define SW_RIB_PROTO_SXCD 250	/* rtm_protocol of what sxcd itself puts in a twin's table */
#define SW_RIB_HOPS_MAX	  16	/* next hops a route keeps (more: the first ones) */

/* One next hop: a gateway (of @af, 0: none) through interface @oif. */
struct sw_rib_hop {
	uint8_t af;
	uint8_t gw[16];
	uint32_t oif;
};

/* One kernel route of a prefix. */
struct sw_rib_rt {
	struct sw_rib_rt *next;		/* the prefix's others, lower metric first */
	uint32_t metric;
	uint32_t nhid;			/* a nexthop object (RTA_NH_ID), 0: the hops below */
	uint8_t proto, type;		/* rtm_protocol, rtm_type */
	uint16_t n_hop;
	uint32_t gen;			/* the dump that last said it (sw_rib_sweep) */
	struct sw_rib_hop *hop;		/* n_hop of them (one: &one) */
	struct sw_rib_hop one;
};

/* A prefix of a table, with what sw_routing made of it in sxdp. */
struct sw_rib_pfx {
	struct sw_rib_pfx *chain;	/* in its bucket */
	struct sw_rib_pfx *dirty_next;	/* on the dirty list */
	struct sw_rib_rt *rts;		/* NULL: none left (kept while sxdp holds it) */
	uint32_t slice;
	uint8_t af, plen;
	uint8_t dirty;			/* on the dirty list */
	uint8_t state;			/* sw_routing's (enum sw_rt_state) */
	uint8_t owned;			/* sw_routing's: an intent holds this prefix in sxdp */
	uint8_t dst[16];
	uint64_t held;			/* sw_routing's: the signature of what sxdp holds of ours, 0: nothing */
};

/* What sxdp should hold for a prefix. */
enum sw_rib_act { SW_RIB_NONE, SW_RIB_VIA, SW_RIB_ECMP, SW_RIB_DROP };
struct sw_rib_res {
	enum sw_rib_act act;
	const struct sw_rib_rt *rt;	/* the route it is (NULL: none) */
	uint16_t n;			/* next hops (VIA 1, ECMP 2..) */
	struct sw_rib_hop hop[SW_RIB_HOPS_MAX];
	const char *why;		/* SW_RIB_NONE with a route: why it cannot be one */
};

struct sw_rib;

/* Learn slices 1..@n. NULL when out of memory. */
struct sw_rib *sw_rib_new(uint32_t n);
void sw_rib_free(struct sw_rib *r);

/* Take one message of slice @slice's twin: RTM_{NEW,DEL}ROUTE of its main
 * table and RTM_{NEW,DEL}NEXTHOP; anything else, another table's route
 * (the local table's) and a malformed message are ignored. Prefixes it
 * changes go on the dirty list. */
void sw_rib_msg(struct sw_rib *r, const struct nlmsghdr *nlh, uint32_t slice);

/* The next dirty prefix, taken off the list (NULL: none). */
struct sw_rib_pfx *sw_rib_dirty_pop(struct sw_rib *r);
/* Put @p on the dirty list (again). */
void sw_rib_dirty(struct sw_rib *r, struct sw_rib_pfx *p);
/* A prefix with no route that sxdp no longer holds (held 0) goes. */
void sw_rib_reap(struct sw_rib *r, struct sw_rib_pfx *p);

/* The prefix @dst/@plen of @af of slice @slice, NULL: none. */
struct sw_rib_pfx *sw_rib_find(const struct sw_rib *r, uint32_t slice, int af, const uint8_t *dst, uint8_t plen);
/* The same, made (with no route) when there is none; NULL when out of
 * memory or not a prefix of a slice learned. */
struct sw_rib_pfx *sw_rib_get(struct sw_rib *r, uint32_t slice, int af, const uint8_t *dst, uint8_t plen);
/* Call @fn on every prefix (of @slice, 0: all), in no order; @fn may not
 * add or remove prefixes. */
void sw_rib_each(const struct sw_rib *r, uint32_t slice, void (*fn)(struct sw_rib_pfx *p, void *arg), void *arg);

/* Slice @slice routes IPv6 on @n_links links at this site, @bd the one
 * when it is one: a link-local next hop of its routes is on @bd (sxdp's
 * fe80:BD::IID), with several on whichever answers (fe80:SW_LL_ANY::IID:
 * the twin is one device, its routes do not say which link), with none
 * nowhere (the route says why). A change puts the slice's IPv6 prefixes
 * on the dirty list. */
void sw_rib_ll_link(struct sw_rib *r, uint32_t slice, uint16_t bd, uint16_t n_links);
/* What sxdp should hold for @p, into @out. */
void sw_rib_resolve(const struct sw_rib *r, const struct sw_rib_pfx *p, struct sw_rib_res *out);

/* A dump of a twin begins that says every route again (its socket lost
 * changes: ENOBUFS; it was opened again); after it, sw_rib_sweep takes
 * back slice @slice's routes and nexthop objects it did not say. */
void sw_rib_mark(struct sw_rib *r);
void sw_rib_sweep(struct sw_rib *r, uint32_t slice);
/* Slice @slice's twin is gone: its routes go (their prefixes dirty). */
void sw_rib_forget(struct sw_rib *r, uint32_t slice);

/* rtm_protocol @proto's name ("bgp", "ospf", "static", ...; "proto-N"
 * for one without: @buf). */
const char *sw_rib_proto_name(uint8_t proto, char *buf, size_t len);

/* Prefixes and routes held, and messages ignored as malformed. */
struct sw_rib_stats {
	uint64_t prefixes, routes, malformed;
};
void sw_rib_stats(const struct sw_rib *r, struct sw_rib_stats *st);

#endif
