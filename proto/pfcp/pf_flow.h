/* SPDX-License-Identifier: BSD-3-Clause */
/* The Flow Description of a PFCP SDF Filter (IPFilterRule, RFC 6733 4.3, as TS 29.212
 * 5.4.2 restricts it and SMFs send it): "permit out|in <proto> from <end> to <end>" where
 * <proto> is "ip" or 0..255 and <end> is "any", "assigned" or an IPv4/IPv6 address with
 * an optional /prefix, followed by an optional port list ("80", "8000-8080", "80,443,
 * 1000-2000", at most PF_FLOW_PORTS items). Options ("frag", "established", ...),
 * negation ("!"), "deny", mixed address families and anything else are refused.
 *
 * Pure, bounded, no allocation, no recursion; never reads past the string's NUL or its
 * given length. */
#ifndef PF_FLOW_H
#define PF_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_FLOW_PORTS 8   /* items of one port list */
#define PF_FLOW_LEN_MAX 255 /* a Flow Description's octets, as the SDF Filter IE holds */

enum { PF_FLOW_OUT = 0, PF_FLOW_IN = 1 };

/* one side of the rule */
struct pf_flow_end {
	uint8_t addr[16]; /* IPv4 in the first 4 octets; host bits past plen cleared */
	uint8_t plen;     /* 32/128 when written without a prefix */
	bool any;         /* "any": addr and plen unused */
	bool assigned;    /* "assigned": the UE's address(es) of the session */
	uint8_t n_ports;  /* 0: any port */
	uint16_t ports[PF_FLOW_PORTS][2]; /* inclusive ranges, lo <= hi; a single port is lo == hi */
};

struct pf_flow {
	uint8_t dir;   /* PF_FLOW_OUT or PF_FLOW_IN, as written */
	uint8_t proto; /* 0: any ("ip") */
	uint8_t af;    /* 0: no address on either side (any/assigned only), AF_INET, AF_INET6 */
	struct pf_flow_end src, dst; /* as written */
};

/* Parses @len octets of @s (stops earlier at a NUL). 0, or -EINVAL (anything not above,
 * a prefix past 32/128, a port past 65535 or a range lo > hi, too many ports, both sides
 * with addresses of different families, longer than PF_FLOW_LEN_MAX). */
int pf_flow_parse(const char *s, size_t len, struct pf_flow *f);

/* Which side is the remote (data network) one and which the UE's. TS 29.244 5.2.1A: a
 * PDR's flow description is written in the downlink sense, "permit out <proto> from
 * <remote> to <UE>", for uplink (Source Interface Access) and downlink (Core) PDRs alike;
 * so the UE side is "to" for "out" and "from" for "in" (lenient with "in"), and a side
 * written "assigned" is the UE's whatever the direction. For an uplink packet the source
 * matches pf_flow_ue() and the destination pf_flow_remote(); for downlink the reverse. */
const struct pf_flow_end *pf_flow_remote(const struct pf_flow *f);
const struct pf_flow_end *pf_flow_ue(const struct pf_flow *f);

#endif
