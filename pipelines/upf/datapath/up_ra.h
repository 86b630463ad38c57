/* up_ra: an IPv6 PDU session's link as the UE sees it (TS 23.501 5.8.2.2.1,
 * TS 29.061 11.2.1.3): what of its uplink is of link-local scope (never
 * routed), and its Router Solicitation answered in place with a Router
 * Advertisement of the session's /64 (sessions_ra). */
#ifndef UP_RA_H
#define UP_RA_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* A sessions_ra entry's params: the session's /64, the router's
 * link-local address the RA comes from, the link MTU advertised (0: no
 * MTU option). */
struct up_ra {
	uint8_t prefix[8];
	uint8_t router[16];
	uint16_t mtu;
};

static inline bool
up_ra_ll(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool
up_ra_unspec(const uint8_t *a)
{
	static const uint8_t z[16];

	return memcmp(a, z, 16) == 0;
}

/* Is an uplink IPv6 packet of the link (RFC 4291 2.5.6, 2.7: a
 * link-local or unspecified source, a link-local or interface/link-scope
 * multicast destination)? Such a packet is the UE's neighbour and router
 * discovery, DAD or MLD: never routed into a VRF. */
static inline bool
up_ra_link_scope(const struct rte_ipv6_hdr *ip)
{
	const uint8_t *s = (const uint8_t *)&ip->src_addr, *d = (const uint8_t *)&ip->dst_addr;

	return up_ra_ll(s) || up_ra_ll(d) || (d[0] == 0xff && (d[1] & 0x0f) <= 2) || up_ra_unspec(s);
}

/* Is m (an IPv6 packet at dp_meta's l3_off) a Router Solicitation? 0:
 * one that passes RFC 4861 6.1.1's checks (in the first segment); -EINVAL:
 * one that does not; -ENOENT: none. */
int up_ra_rs_check(struct rte_mbuf *m);

/* m, a Router Solicitation (up_ra_rs_check), made the Router Advertisement
 * of @ra (TS 29.061 11.2.1.3.2: M and O clear, one Prefix Information
 * option of the /64 with A set and L clear, infinite lifetimes, the MTU),
 * to its sender (all nodes from the unspecified address). 0, or -ENOSPC:
 * no room after the packet. */
int up_ra_answer(struct rte_mbuf *m, const struct up_ra *ra);

#endif
