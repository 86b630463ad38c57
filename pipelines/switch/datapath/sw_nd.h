/* The switch's IPv6 slow path (sw_nd.c): NDP, ICMPv6 echo and errors.
 * pl_switch_nd_route (sw_api.h) routes an IPv6 packet from the main lcore. */
#ifndef SW_ND_H
#define SW_ND_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

/* Registers IPv6 with the hold queue (after sw_hold_init). */
void pl_switch_nd_init(void);
/* Every punted IPv6 packet; consumes m. */
void pl_switch_nd_slowpath(struct rte_mbuf *m);
/* pl_swctl_too_big's IPv6 half; m is not consumed. */
/* Unsolicited advertisements of the SVI6 of (slice, bd) and its link-local
 * address, out of every member port (a held gateway taken). */
void sw_nd_announce(uint16_t slice, uint16_t bd);
void pl_switch_nd_too_big(struct rte_mbuf *m, uint32_t mtu, bool routed);

#endif
