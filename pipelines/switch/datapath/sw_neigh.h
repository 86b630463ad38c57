/* The switch's learned neighbours (main lcore): ARP's and NDP's answers
 * into neigh and neigh6, out of a port or behind an overlay tunnel. */
#ifndef SW_NEIGH_H
#define SW_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include "sw_api.h"

/* (slice, ip) (4 or 16 bytes, network order) is at mac: out of (port,
 * vid), or behind tunnel (not 0); smac is the box's there. What was held
 * for it is sent, then it is kept in neigh or neigh6 (switch.neigh_learned,
 * switch.nd_learned), unless the operator's static entry says otherwise. */
void sw_neigh_learn(bool v6, uint16_t slice, const uint8_t *ip, uint16_t port, uint16_t vid, uint32_t tunnel,
		    const uint8_t *mac, const uint8_t *smac);
/* May (slice, ip), heard from inside a tunnel, be learned as a neighbour
 * behind it? Only from the box's own exchange: where the box asked for it
 * (packets are held for it), or where it is a tunnel neighbour already (a
 * host moved between sites). A peer site never takes over a neighbour the
 * box has on its own wire, nor makes one the box did not ask for. */
bool sw_neigh_tunnel_ok(uint16_t slice, bool v6, const uint8_t *ip);
/* What a neigh or neigh6 entry resolves to: its rewrite (a tunnel one's
 * params when *tun), or NULL while unresolved. */
static inline const struct sw_rewrite *
sw_neigh_rw(const struct dp_entry *e, bool *tun)
{
	*tun = e != NULL && e->action == SW_NB_TUNNEL;
	return e != NULL && e->action != SW_NB_UNRESOLVED ? (const struct sw_rewrite *)e->params : NULL;
}

#endif
