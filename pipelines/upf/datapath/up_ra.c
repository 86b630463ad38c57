/* A UE's Router Solicitation answered by the UPF (up_ra.h). */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "up_ra.h"
#include "dp_meta.h"

#define ND_RS 133
#define ND_RA 134
#define ND_OPT_SLLA 1
#define ND_OPT_PI 3
#define ND_OPT_MTU 5
#define ND_HOPS 255
/* RFC 8319's bound: the UPF sends no unsolicited RA, so the default
 * route lasts as long as the protocol lets it between two of the UE's
 * solicitations */
#define RA_ROUTER_LIFETIME 65535

struct ra_msg {
	uint8_t type, code;
	rte_be16_t cksum;
	uint8_t hops, flags;
	rte_be16_t lifetime;
	rte_be32_t reachable, retrans;
	/* Prefix Information (RFC 4861 4.6.2) */
	uint8_t pi_type, pi_len, pi_plen, pi_flags;
	rte_be32_t pi_valid, pi_preferred, pi_rsvd;
	uint8_t pi_prefix[16];
	/* MTU (4.6.4), when the entry names one */
	uint8_t mtu_type, mtu_len;
	rte_be16_t mtu_rsvd;
	rte_be32_t mtu;
} __rte_packed;

int
up_ra_rs_check(struct rte_mbuf *m)
{
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
	const struct dp_meta *md = dp_meta(m);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, md->l3_off);
	uint32_t plen = rte_be_to_cpu_16(ip->payload_len), end = md->l3_off + sizeof(*ip) + plen;
	const uint8_t *icmp = (const uint8_t *)(ip + 1);

	/* no extension header before it (a solicitation has no use for one) */
	if (ip->proto != IPPROTO_ICMPV6 || plen < 1 || end > rte_pktmbuf_data_len(m) || icmp[0] != ND_RS)
		return -ENOENT;
	/* to the link's routers (RFC 4861 6.3.7, as a host sends it) */
	if (plen < 8 || memcmp(&ip->dst_addr, all_routers, 16) != 0 || ip->hop_limits != ND_HOPS ||
	    icmp[1] != 0 || rte_ipv6_udptcp_cksum_verify(ip, icmp) != 0)
		return -EINVAL;
	/* options: each of a length, within the message; none with a
	 * link-layer address from the unspecified address */
	for (uint32_t at = 8, len; at < plen; at += len) {
		if (at + 2 > plen || (len = 8u * icmp[at + 1]) == 0 || at + len > plen)
			return -EINVAL;
		if (icmp[at] == ND_OPT_SLLA && up_ra_unspec((const uint8_t *)&ip->src_addr))
			return -EINVAL;
	}
	return 0;
}

int
up_ra_answer(struct rte_mbuf *m, const struct up_ra *ra)
{
	const struct dp_meta *md = dp_meta(m);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off);
	uint32_t have = rte_pktmbuf_pkt_len(m) - md->l3_off - sizeof(*ip);
	uint16_t plen = (uint16_t)(ra->mtu ? sizeof(struct ra_msg) : offsetof(struct ra_msg, mtu_type));
	uint8_t *dst = (uint8_t *)&ip->dst_addr;
	struct ra_msg *r;

	if (have < plen && rte_pktmbuf_append(m, (uint16_t)(plen - have)) == NULL)
		return -ENOSPC;
	if (have > plen)
		rte_pktmbuf_trim(m, (uint16_t)(have - plen));
	/* to the sender; from the unspecified address, to all nodes */
	if (up_ra_unspec((const uint8_t *)&ip->src_addr)) {
		memset(dst, 0, 16);
		dst[0] = 0xff;
		dst[1] = 0x02;
		dst[15] = 1;
	} else {
		memcpy(dst, &ip->src_addr, 16);
	}
	memcpy(&ip->src_addr, ra->router, 16);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ND_HOPS;
	r = (struct ra_msg *)(ip + 1);
	memset(r, 0, plen);
	r->type = ND_RA;
	r->lifetime = rte_cpu_to_be_16(RA_ROUTER_LIFETIME);
	r->pi_type = ND_OPT_PI;
	r->pi_len = 4;
	r->pi_plen = 64;
	r->pi_flags = 0x40;   /* A: autonomous; not L: the UE's link is the tunnel alone */
	r->pi_valid = r->pi_preferred = RTE_BE32(UINT32_MAX);
	memcpy(r->pi_prefix, ra->prefix, 8);
	if (ra->mtu) {
		r->mtu_type = ND_OPT_MTU;
		r->mtu_len = 1;
		r->mtu = rte_cpu_to_be_32(ra->mtu);
	}
	r->cksum = rte_ipv6_udptcp_cksum(ip, r);
	return 0;
}
