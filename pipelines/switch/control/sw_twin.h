/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_twin: the kernel side of a slice's twin (a network namespace with a VLAN device on the host port wearing its MAC, the slice's addresses), kept by rtnetlink. */
/*
 * A slice with routing speaks for the box through the kernel, where a
 * routing suite (FRR) runs: sxdp hands what reaches the slice's addresses
 * and it does not answer itself to the host port in VLAN = the slice's id
 * (the switch's `hosts` entry), and takes what the kernel sends back on
 * that VLAN as the box's own (interfaces `host`). The kernel's end of it
 * is a network namespace, the slice's `routing.vrf` (/run/netns/NAME: the
 * operator's, made with `ip netns add NAME`, where the routing suite
 * runs; FRR's netns VRF backend names VRFs the same way), and in it:
 *   - a VLAN device "sxt<ID>" on the host port's kernel interface (made in
 *     sxcd's namespace, moved into the twin's), wearing the host port's
 *     MAC (sxdp sends the twin's frames to it), NOARP (the kernel sends
 *     to its own MAC, which is the port's: sxdp routes every packet and
 *     resolves every neighbour), no IPv6 link-local address
 *     (addr_gen_mode none: the box's link-local address is sxdp's), alias
 *     "sxcd twin ID of NS" (how a twin no slice wants any more is
 *     found; NS, sxcd's own namespace's inode, keeps two sxcd on one
 *     kernel apart);
 *   - the slice's addresses on it (its SVI's, its routed ports'), so the
 *     kernel's sessions are from the addresses the LAN sees, and the
 *     link-local fe80::EUI-64 of the MAC, which a BGP speaker names
 *     beside a global IPv6 next hop (RFC 2545) and OSPFv3 speaks from:
 *     sxdp answers for it on the slice's links as the box's own;
 *   - a default route of each family through it in the main table
 *     (metric SW_TWIN_METRIC, protocol SW_RIB_PROTO_SXCD): what the kernel
 *     has no route for, sxdp routes (a multihop session's next hops, an
 *     overlay peer's addresses).
 * A link named sxt<ID> that is already in the namespace and is no VLAN
 * device is the operator's way to the host port's VLAN (a kernel without
 * 802.1Q devices, a veth to a switch that tags): taken as the twin
 * (configured the same, alias "sxcd twin ID of NS (adopted)"), and given back
 * bare (down, no address) when no slice wants it, never deleted.
 * A namespace rather than a VRF device: the kernels this runs on do not
 * all have VRF devices (CONFIG_NET_VRF), a namespace keeps a slice's
 * sockets, neighbours and routes apart as much, and any routing suite
 * runs in it as shipped, one instance per slice or FRR's netns backend.
 * Needs CAP_NET_ADMIN and CAP_SYS_ADMIN (entering the namespace); without
 * them each twin says so.
 */
#ifndef SW_TWIN_H
#define SW_TWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

#define SW_TWIN_NETNS_DIR "/run/netns"	/* where named namespaces are (iproute2's) */
#define SW_TWIN_ADDRS	  8		/* addresses a twin wears */
#define SW_TWIN_METRIC	  0xffffffffu	/* its default routes': the last resort */
#define SW_TWIN_ALIAS	  "sxcd twin "	/* + the slice's id, " of " sxcd's namespace's inode */
#define SW_TWIN_ADOPTED	  " (adopted)"	/* + this: a device the operator made */

struct sw_twin_addr {
	int af;
	uint8_t a[16];
	uint8_t plen;
};

/* One slice's twin as it should be; err says why it is not ("": it is). */
struct sw_twin_want {
	uint16_t sid;
	char ns[16];			/* the namespace's name */
	uint8_t mac[6];
	int n_addr;
	struct sw_twin_addr addr[SW_TWIN_ADDRS];
	char err[200];
};

/*
 * Make the kernel hold @w[0..@n-1] (VLAN devices on sxcd's kernel
 * interface @parent, which is brought up) and no other twin: a twin
 * device in any named namespace that no entry of @w wants goes. Each
 * twin's trouble is in its err; 0, or -errno when the kernel could not be
 * asked at all (@err says why).
 */
int sw_twin_sync(const char *parent, struct sw_twin_want *w, size_t n, char *err, size_t len);

/* A NETLINK_ROUTE socket in namespace @ns (SW_TWIN_NETNS_DIR/@ns), bound
 * to @groups, non-blocking when asked; its namespace's inode in *@ino.
 * NULL with errno. */
struct mnl_socket *sw_twin_socket(const char *ns, unsigned int groups, bool nonblock, uint64_t *ino);
/* Namespace @ns's inode now (0: there is none). */
uint64_t sw_twin_ns_ino(const char *ns);

#endif
