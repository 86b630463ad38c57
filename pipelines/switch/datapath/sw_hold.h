/* The switch's hold queue (main lcore): routed packets wait here while
 * their next hop is resolved, IPv4 (ARP, pl_swctl.c) and IPv6 (NDP,
 * sw_nd.c) alike; pl_swctl_hold (sw_api.h) puts one in. Each family
 * registers how to ask for a neighbour, how to send a packet once it is
 * resolved and what becomes of one that never is, so the queue calls
 * neither slow path by name. Addresses are network order (4 or 16 bytes). */
#ifndef SW_HOLD_H
#define SW_HOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "sw_api.h"

#define SW_HOLD_MAX          4      /* packets held per unresolved neighbour */
#define SW_HOLD_HOLDS        256    /* neighbours being resolved at once */
#define SW_HOLD_ASK_MS       1000   /* one request per neighbour per second */
#define SW_HOLD_TIMEOUT_MS   3000   /* then held packets are dropped */

struct sw_hold_family {
	/* ask for ip on behalf of src (who pays for the request) */
	void (*ask)(struct rte_mempool *mp, uint16_t slice, const uint8_t *ip, const uint8_t *src);
	/* a held packet, its neighbour resolved to rw (tun: a tunnel
	 * neighbour's sw_rw_tunnel): consumes m */
	void (*out)(struct rte_mbuf *m, const struct sw_rewrite *rw, bool tun);
	/* a held packet whose neighbour never answered: consumes m */
	void (*expired)(struct rte_mbuf *m);
};

/* Empty queue; then each family registers (init, before any packet). */
void sw_hold_init(void);
void sw_hold_register(bool v6, const struct sw_hold_family *f);
/* What is held for (slice, ip), waiting for it to resolve: the source of
 * its first packet (the address asking for it); NULL: nothing is. */
const uint8_t *sw_hold_asker(uint16_t slice, bool v6, const uint8_t *ip);
/* (slice, ip) resolved to rw (tun: as out's): send what is held for it. */
void sw_hold_release(uint16_t slice, bool v6, const uint8_t *ip, const struct sw_rewrite *rw, bool tun);
/* Timers: ask again, or give up; main lcore, every loop. */
void sw_hold_poll(uint64_t now_tsc);
/* Free held packets (shutdown). */
void sw_hold_fini(void);

#endif
