/* Switch slow path, on the main lcore: ARP (answer for the box's
 * addresses, resolve next hops with a bounded hold queue), ICMP echo, ICMP
 * errors, fragmentation of routed packets over the egress MTU, and limits on
 * everything the box sends of its own (per source and in total). IPv6 (NDP,
 * ICMPv6) is sw_nd.c, on the same hold queue and limits (the seam below). */
#ifndef PL_SWCTL_H
#define PL_SWCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_table.h"
#include "dp_slow.h"
#include "sw_api.h"

#define SWCTL_HOLD_MAX       4      /* packets held per unresolved neighbour */
#define SWCTL_HOLDS          256    /* neighbours being resolved at once */
#define SWCTL_ARP_RETRY_MS   1000   /* one ARP request per neighbour per second */
#define SWCTL_HOLD_TIMEOUT_MS 3000  /* then held packets are dropped */
#define SWCTL_ICMP_PER_S     100    /* ICMP errors per second, whole box (RFC 1812 4.3.2.8) */
#define SWCTL_ICMP_BURST     100

/* Reflection limits: every packet the box originates (ARP replies and
 * requests, echo replies, ICMP errors) takes a token from the bucket of the
 * source that caused it (slice + IPv4 source) and from the box's total
 * bucket, so one flooding host gets at most SRC_BURST + SRC_PER_S x t
 * answers and cannot use up what the others get. */
#define SWCTL_SRC_PER_S      50     /* per source, per second */
#define SWCTL_SRC_BURST      50
#define SWCTL_TX_PER_S       1000   /* everything the box originates */
#define SWCTL_TX_BURST       1000
#define SWCTL_SRC_WAYS       4      /* per-source table: 4-way sets, */
#define SWCTL_SRC_SETS       256    /* 1024 sources; the stalest of a set is replaced */
#define SWCTL_FRAG_MAX       128    /* fragments of one packet (65535 / 512) */

int pl_swctl_init(void);
/* dp_feature.slowpath: -1 when it took the packet, else the port to send it on. */
int pl_swctl_slowpath(struct rte_mbuf *m);
/* Hold-queue timers; main lcore, every loop. */
void pl_swctl_poll(uint64_t now_tsc);
/* Free held packets (shutdown). */
void pl_swctl_fini(void);

/* May the box answer m? Not a decapsulated packet with no way back into
 * its tunnel (the caller counts it: switch.no_way_back for a request,
 * switch.icmp_tunnelled for an error). */
bool pl_swctl_answerable(struct rte_mbuf *m);
/* r, made about m, out the way m came (r may be m, answered in place).
 * Takes r; 0 or -1. */
int pl_swctl_answer(struct rte_mbuf *r, struct rte_mbuf *m);
/* May the box send a packet of its own to dst (network order) in slice
 * (bd: the BD it would leave in, for its link-local address; SW_BD_NONE)?
 * Not to a source no reply may go to (RFC 1812 4.3.2.7, 5.3.7; RFC 4443
 * 2.4 (e)): 0/8, 127/8, 224/4, 240/4 and 255.255.255.255, a connected
 * subnet's broadcast or network address; IPv6 ::/96, ::ffff:0:0/96,
 * ff00::/8; nor to one of the box's own addresses (an SVI's, a local
 * route). */
bool pl_swctl_dst_ok(uint16_t slice, uint16_t bd, bool v6, const uint8_t *dst);

/* ---- the seam between the IPv4 slow path (pl_swctl.c) and IPv6's (sw_nd.c) ----
 * Addresses are network order; an IPv4 one is 4 bytes, an IPv6 one 16. */
enum { SWCTL_LIM_OK, SWCTL_LIM_SRC, SWCTL_LIM_TOTAL };

/* May the box originate one more packet on behalf of src (an ICMP error
 * when icmp_err)? SWCTL_LIM_*; a refused request is pl_swctl_limited(). */
int pl_swctl_limit(uint16_t slice, bool v6, const uint8_t *src, bool icmp_err);
void pl_swctl_limited(struct rte_mbuf *m, int lim);
/* The params of the SVI entry of (slice, bd) in table (svi or svi6), or NULL. */
const void *pl_swctl_svi(int table, uint16_t slice, uint16_t bd);
/* One frame of payload out of every member port of bd, tagged as the port
 * is in it; each frame sent counts event ev. */
void pl_swctl_bd_send(struct rte_mempool *mp, uint16_t bd, const uint8_t *dst, const uint8_t *src,
		      uint16_t ethertype, const void *payload, uint16_t len, unsigned int ev);
/* Is anything held for (slice, ip), waiting for it to resolve? */
bool pl_swctl_held(uint16_t slice, bool v6, const uint8_t *ip);
/* (slice, ip) resolved to rw: send what is held for it. */
void pl_swctl_hold_release(uint16_t slice, bool v6, const uint8_t *ip, const struct sw_rewrite *rw);

/* sw_nd.c: every punted IPv6 packet; send a solicitation for ip; the end
 * of a packet held for a neighbour that never answered; a held (or
 * resolved meanwhile) packet sent on to rw. Each consumes m. */
void pl_switch_nd_slowpath(struct rte_mbuf *m);
void pl_switch_nd_solicit(struct rte_mempool *mp, uint16_t slice, const uint8_t *ip,
			  const uint8_t *src);
/* pl_swctl_too_big's IPv6 half. */
void pl_switch_nd_too_big(struct rte_mbuf *m, uint32_t mtu, bool routed);
void pl_switch_nd_unresolved(struct rte_mbuf *m);
void pl_switch_nd_route_out(struct rte_mbuf *m, const struct sw_rewrite *rw);

#endif
