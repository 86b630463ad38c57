/* What the switch's slow paths (IPv4: pl_swctl.c, IPv6: sw_nd.c) share,
 * on the main lcore: limits on everything the box sends of its own, the
 * way an answer goes back (the port, or a tunnel: pl_swctl_tunnel_back),
 * which destinations the box may send to, SVI lookups and sending into a
 * bridge domain. Addresses are network order; an IPv4 one is 4 bytes, an
 * IPv6 one 16. It calls no other module of the switch. */
#ifndef SW_SLOW_H
#define SW_SLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_mbuf.h>
#include "sw_api.h"

#define SW_SLOW_ICMP_PER_S     100    /* ICMP errors per second, whole box (RFC 1812 4.3.2.8) */
#define SW_SLOW_ICMP_BURST     100

/* Reflection limits: every packet the box originates (ARP replies and
 * requests, echo replies, ICMP errors) takes a token from the bucket of the
 * source that caused it (slice + IPv4 source) and from the box's total
 * bucket, so one flooding host gets at most SRC_BURST + SRC_PER_S x t
 * answers and cannot use up what the others get. */
#define SW_SLOW_SRC_PER_S      50     /* per source, per second */
#define SW_SLOW_SRC_BURST      50
#define SW_SLOW_TX_PER_S       1000   /* everything the box originates */
#define SW_SLOW_TX_BURST       1000
#define SW_SLOW_SRC_WAYS       4      /* per-source table: 4-way sets, */
#define SW_SLOW_SRC_SETS       256    /* 1024 sources; the stalest of a set is replaced */

/* Empty buckets, no way back into a tunnel (a feature with one registers
 * it after the switch's init). */
void sw_slow_init(void);

/* A token from bucket tat (a GCRA: the time it is full again), iv TSC a
 * token, burst tokens deep: true and the bucket charged, or false. */
bool sw_slow_gcra_take(uint64_t *tat, uint64_t now, uint64_t iv, uint64_t burst);

enum { SW_SLOW_LIM_OK, SW_SLOW_LIM_SRC, SW_SLOW_LIM_TOTAL };
/* May the box originate one more packet on behalf of src (an ICMP error
 * when icmp_err)? SW_SLOW_LIM_*; a refused request is sw_slow_limited(). */
int sw_slow_limit(uint16_t slice, bool v6, const uint8_t *src, bool icmp_err);
void sw_slow_limited(struct rte_mbuf *m, int lim);

/* May the box answer m? Not a decapsulated packet with no way back into
 * its tunnel (the caller counts it: switch.no_way_back for a request,
 * switch.icmp_tunnelled for an error). */
bool sw_slow_answerable(struct rte_mbuf *m);
/* r, made about m, out the way m came (r may be m, answered in place).
 * Takes r; 0 or -1. */
int sw_slow_answer(struct rte_mbuf *r, struct rte_mbuf *m);
/* May the box send a packet of its own to dst (network order) in slice
 * (bd: the BD it would leave in, for its link-local address; SW_BD_NONE)?
 * Not to a source no reply may go to (RFC 1812 4.3.2.7, 5.3.7; RFC 4443
 * 2.4 (e)): 0/8, 127/8, 224/4, 240/4 and 255.255.255.255, a connected
 * subnet's broadcast or network address; IPv6 ::/96, ::ffff:0:0/96,
 * ff00::/8; nor to one of the box's own addresses (an SVI's, a local
 * route). */
bool sw_slow_dst_ok(uint16_t slice, uint16_t bd, bool v6, const uint8_t *dst);

/* The params of the (slice, bd) entry of table (svi, svi6, hosts: keyed so,
 * action 0 their entry), or NULL. */
const void *sw_slow_svi(int table, uint16_t slice, uint16_t bd);
/* One frame of payload out of every member port of bd, tagged as the port
 * is in it, and into every tunnel it floods to (for a slice's ARP request
 * or NDP solicitation: a neighbour may be at a peer site); each frame sent
 * counts event ev. */
void sw_slow_bd_send(struct rte_mempool *mp, uint16_t slice, uint16_t bd, const uint8_t *dst,
		     const uint8_t *src, uint16_t ethertype, const void *payload, uint16_t len, unsigned int ev);
/* Routed m (held, or resolved meanwhile) to its neighbour behind a tunnel
 * (t: a neigh entry's sw_rw_tunnel): rewritten as the fast path does, then
 * into the tunnel. Consumes m, counted once (switch.forwarded, or the drop
 * switch.tunnel_no_way: the tunnel or its path gone, down or too small). */
void sw_slow_tunnel_out(struct rte_mbuf *m, const struct sw_rw_tunnel *t);
/* An address as holds and buckets keep it: 16 bytes, IPv4 in the first 4. */
static inline void
sw_slow_addr_set(uint8_t *to, bool v6, const uint8_t *ip)
{
	memset(to, 0, 16);
	memcpy(to, ip, v6 ? 16 : 4);
}

#endif
