/* SPDX-License-Identifier: BSD-3-Clause */
/* One intent's arguments and the inputs a compile reads: the types the intent library's modules share. */
/*
 * A header of its own so that intent_cc (the update builder) and the
 * features' compiles see the types without the driver (intent.c), and
 * the driver sees the builder without a circle. A kind (what the intent
 * does) is a feature's registered struct intent_kind (intent.h); the
 * kinds' names and their inputs are in the features' headers
 * (pipelines/<f>/control/<p>_intent.h).
 */
#ifndef INTENT_ARG_H
#define INTENT_ARG_H

#include <stdbool.h>
#include <jansson.h>

struct intent_kind;

#define INTENT_POLICY_PATHS 4	/* paths a policy picks from (p0..p3) */

/*
 * What an intent is compiled from: port.list's "ports" (INTENT_IN_PORTS),
 * or the entries of a table (table.read, every page), by an id its
 * feature declares in its header and registers with the table's name
 * (intent_input_register). Ids are bits of an unsigned int: 1..31.
 */
#define INTENT_IN_PORTS 0
#define INTENT_IN_MAX	32
#define INTENT_IN(k)	(1u << (k))

/* Addresses, prefixes and next hops are IPv4 or IPv6, as written (an IPv6
 * one has a ':'). */

/* One intent's arguments, which of them a kind takes is in its feature's
 * header; the strings are borrowed for the intent's life. */
struct intent {
	const struct intent_kind *kind;
	json_int_t slice;	/* its VRF, for an SVI */
	json_int_t bd;
	json_int_t vrf;
	json_int_t vlan;	/* 0: untagged */
	json_int_t meter;	/* slice attach: the meter of what enters there (0: none) */
	const char *port;	/* a name, or a decimal index */
	const char *mac;
	const char *smac;
	const char *addr;
	const char *how;	/* the kind's variant ("via", "ecmp", "drop" for a route) */
	const char *const *nh;
	int n_nh;
	bool ipv6;		/* svi del: the BD's IPv6 SVI */

	json_int_t id;		/* the tunnel, path, site, meter or VDN; a policy's tunnel */
	json_int_t vni;
	json_int_t path;	/* a tunnel's own path (0: its policies only) */
	json_int_t flood;	/* tunnel add: the bridge domain that floods into it too, -1: none */
	json_int_t ttl, dscp;	/* a tunnel's outer TTL and DSCP, or a remark's DSCP */
	bool csum;		/* tunnel: compute the outer UDP checksum */
	bool l3;		/* vni: the slice's VRF, not a bridge domain */
	const char *const *peers;	/* tunnel add: the peer site's underlay addresses */
	int n_peers;
	const char *dst, *gw;	/* path: its far end and underlay next hop (addr: its VTEP) */
	json_int_t mtu;		/* path: 0 the WAN port's */
	json_int_t interval_ms, down_after, up_after;	/* a probed path's; 0: the defaults */
	json_int_t cls;		/* an application class */
	json_int_t paths[INTENT_POLICY_PATHS];	/* policy: in order of preference */
	json_int_t weights[INTENT_POLICY_PATHS];	/* balance: each path's */
	int n_paths;
	json_int_t rtt_ms, jitter_ms, loss_pct;	/* sla: the limits, 0: none */
	json_int_t prio;	/* a class rule's priority (the larger wins) */
	/* a meter's or a VDN's; rates in bit/s, bursts in bytes */
	json_int_t rate, peak, burst, ebs;
	json_int_t color, charge, pcp;
	bool aware;
	struct intent_rule {	/* class add: what the rule matches in the inner packet */
		const char *src, *dst;	/* IPv4 prefixes (an address: /32), NULL: any */
		json_int_t proto;	/* 0: any */
		json_int_t dscp;
		bool dscp_set;		/* else any DSCP */
		json_int_t sport[2], dport[2];	/* lo..hi, hi 0: any */
	} rule;
};

#endif
