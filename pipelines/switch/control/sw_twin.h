/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_twin: the kernel side of a slice's twin (a VRF, a VLAN device on the host port wearing its MAC, the slice's addresses), kept by rtnetlink. */
/*
 * A slice with routing speaks for the box through the kernel, where a
 * routing suite (FRR) runs: sxdp hands what reaches the slice's addresses
 * and it does not answer itself to the host port in VLAN = the slice's id
 * (the switch's `hosts` entry), and takes what the kernel sends back on
 * that VLAN as the box's own (interfaces `host`). This makes the kernel's
 * end of it in sxcd's network namespace:
 *   - a VRF device (the slice's `routing.vrf`, table = the site's
 *     host.table_base + the slice's id), the VRF FRR's `router bgp ... vrf`
 *     names;
 *   - a VLAN device "sxt<ID>" on the host port's kernel interface, in that
 *     VRF, wearing the host port's MAC (sxdp sends the twin's frames to it),
 *     NOARP (the kernel sends to its own MAC, which is the port's: sxdp
 *     routes every packet, resolves every neighbour), no IPv6 link-local
 *     address (addr_gen_mode none: the box's link-local is sxdp's);
 *   - the slice's addresses on it (its SVI's, its routed ports'), so the
 *     kernel's sessions are from the addresses the LAN sees;
 *   - a default route of each family through it in the VRF's table (metric
 *     SW_TWIN_METRIC, protocol SW_RIB_PROTO_SXCD): what the kernel has no
 *     route for, sxdp routes (a multihop BGP session's next hops, an
 *     overlay peer's addresses).
 * Both devices carry the alias "sxcd twin ID", by which a twin no slice
 * wants any more is found and deleted, after a restart too. A device of
 * that name that is not sxcd's (no alias, another kind or table) is left
 * alone and the twin fails, saying so.
 */
#ifndef SW_TWIN_H
#define SW_TWIN_H

#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

#define SW_TWIN_ADDRS  8		/* addresses a twin wears */
#define SW_TWIN_METRIC 0xffffffffu	/* its default routes': the last resort */
#define SW_TWIN_ALIAS  "sxcd twin "	/* + the slice's id */

struct sw_twin_addr {
	int af;
	uint8_t a[16];
	uint8_t plen;
};

/* One slice's twin as it should be; err says why it is not ("": it is). */
struct sw_twin_want {
	uint16_t sid;
	char vrf[16];
	uint32_t table;
	uint8_t mac[6];
	int n_addr;
	struct sw_twin_addr addr[SW_TWIN_ADDRS];
	char err[160];
};

/*
 * Make the kernel hold @w[0..@n-1] (on the kernel interface @parent) and
 * no other twin, over @nl (a bound NETLINK_ROUTE socket, used
 * synchronously). Each twin's trouble is in its err; 0, or -errno when
 * the kernel could not be asked at all (@err says why).
 */
int sw_twin_sync(struct mnl_socket *nl, const char *parent, struct sw_twin_want *w, size_t n, char *err,
		 size_t len);

#endif
