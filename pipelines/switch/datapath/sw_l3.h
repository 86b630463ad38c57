/* switch.l3 (sw_l3.c): IPv4 routes, next hops, rewrite. Its checks and its
 * routing are apart so that a fused path (sw_fast.c: a routed port's
 * frames from ingress straight through L3) runs exactly the same ones. */
#ifndef SW_L3_H
#define SW_L3_H

#include <stdint.h>
#include <rte_ip.h>
#include "dp_feature.h"
#include "dp_parse.h"
#include "sw_state.h"

uint16_t pl_switch_l3_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* An IPv4 header's checksum verified: the 16-bit one's complement sum of
 * the header is 0xffff. The sum of its 32-bit words is that sum modulo
 * 0xffff (2^16 = 1 there), so it is 0xffff exactly when they are a
 * non-zero multiple of 0xffff: a multiply by the inverse and a compare,
 * where folding the carries back takes a chain of shifts and adds. */
static __rte_always_inline int
pl_switch_ipv4_cksum_ok(const void *hdr)
{
	const unaligned_uint32_t *w = (const unaligned_uint32_t *)hdr;
	unsigned int ihl = *(const uint8_t *)hdr & 0xf;
	uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];

	for (unsigned int i = 5; i < ihl; i++)	/* options: rare */
		s += w[i];
	return s != 0 && s % 0xffff == 0;
}

/* RFC 1812 5.2.2 and 5.3.7 before any lookup, for routed and local
 * packets alike: 0 (on to the routes) or the packet's drop. The parser
 * vouched for version, IHL and total length against the frame and put the
 * whole header in the first segment; what is left is the checksum and the
 * address classes. */
static __rte_always_inline uint16_t
pl_switch_l3_check(const struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta((struct rte_mbuf *)(uintptr_t)m);
	const struct rte_ipv4_hdr *ip;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t sa, da;

	if (!(md->flags & DP_MF_IPV4))
		return DP_NEXT_DROP(SW_DROP(not_ipv4));
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	/* the device's verdict when it has one (NONE: header verified, only
	 * the field is stale); software only for UNKNOWN */
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && !pl_switch_ipv4_cksum_ok(ip))))
		return DP_NEXT_DROP(SW_DROP(ip_cksum));
	/* first octets: 0/8, 127/8, 224/4 (multicast), 240/4 (with
	 * 255.255.255.255) */
	sa = ((const uint8_t *)&ip->src_addr)[0];
	da = ((const uint8_t *)&ip->dst_addr)[0];
	if (unlikely(sa == 0 || sa == 127 || sa >= 224))
		return DP_NEXT_DROP(SW_DROP(martian_src));
	if (unlikely(da == 0 || da == 127 || da >= 224))
		return DP_NEXT_DROP(da >= 224 && da < 240 ? SW_DROP(mcast_dst) : SW_DROP(martian_dst));
	return 0;
}

/* What switch.ingress gives every packet of a fused burst (sw_fast.c). */
struct sw_fast_in {
	uint16_t slice, bd, vid;
};

/* Route pkts[idx[j]], j < k (checked by pl_switch_l3_check), all of one
 * VRF, in->slice, writing each next[idx[j]] in switch.l3's terms (its
 * edges SW_L3_EDGE_*). The caller read their destinations (host order),
 * headers and total lengths (host order): dst, iph, tlen by j. Each
 * packet's ingress fields are set from in before it is routed. Every
 * array is scratch afterwards. */
void pl_switch_l3_route_vrf(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
			    const uint32_t *dst, struct rte_ipv4_hdr **iph, uint16_t *tlen, uint16_t *next,
			    const struct sw_fast_in *in);

#endif
