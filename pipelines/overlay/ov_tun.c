/* VXLAN and GENEVE headers: the decap side's checks, in the order the RFCs
 * give them, and the encap side's outer headers. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ov_tun.h"

#define VXLAN_F_I        0x08
#define GENEVE_VER(b)    ((b) >> 6)
#define GENEVE_OPTLEN(b) (((b) & 0x3f) * 4u)
#define GENEVE_F_O       0x80
#define GENEVE_F_C       0x40
#define ETH_P_TEB        0x6558

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

enum ov_tun_err
ov_tun_read(enum ov_tun_type type, const uint8_t *p, uint32_t len, uint32_t *vni, uint32_t *hlen)
{
	uint32_t h = OV_TUN_HLEN;

	if (len < OV_TUN_HLEN)
		return OV_TUN_TRUNC;
	if (type == OV_TUN_VXLAN) {
		/* the reserved bits are ignored on receipt (RFC 7348 5) */
		if (!(p[0] & VXLAN_F_I))
			return OV_TUN_VXLAN_FLAGS;
	} else {
		if (GENEVE_VER(p[0]) != 0)
			return OV_TUN_GENEVE_VERSION;
		h += GENEVE_OPTLEN(p[0]);
		if (len < h)
			return OV_TUN_TRUNC;
		/* RFC 8926 3.4: a control message is not forwarded; with a
		 * critical option the endpoint does not understand (it
		 * understands none) the packet is dropped; non-critical
		 * options are skipped */
		if (p[1] & GENEVE_F_O)
			return OV_TUN_GENEVE_OAM;
		if (p[1] & GENEVE_F_C)
			return OV_TUN_GENEVE_CRITICAL;
		if (((uint32_t)p[2] << 8 | p[3]) != ETH_P_TEB)
			return OV_TUN_GENEVE_PROTO;
	}
	if (len < h + OV_ETH_HLEN)
		return OV_TUN_TRUNC;
	*vni = rd32(p + 4) >> 8;
	*hlen = h;
	return OV_TUN_OK;
}

void
ov_tun_write(uint8_t *p, const struct ov_encap_hdr *h, uint16_t inner_len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + OV_IP_HLEN);
	uint8_t *t = p + OV_IP_HLEN + OV_UDP_HLEN;
	uint16_t ulen = (uint16_t)(OV_UDP_HLEN + OV_TUN_HLEN + inner_len);
	uint32_t vni = rte_cpu_to_be_32(h->vni << 8);

	/* DF with ID 0: an atomic datagram (RFC 6864); the box fragments
	 * nothing it encapsulates, it checks the egress MTU instead */
	ip->version_ihl = 0x45;
	ip->type_of_service = h->tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(OV_IP_HLEN + ulen));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = h->ttl;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = h->src;
	ip->dst_addr = h->dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(h->sport);
	udp->dst_port = rte_cpu_to_be_16(ov_tun_port(h->type));
	udp->dgram_len = rte_cpu_to_be_16(ulen);
	udp->dgram_cksum = 0;
	if (h->type == OV_TUN_VXLAN) {
		t[0] = VXLAN_F_I;
		t[1] = t[2] = t[3] = 0;
	} else {
		t[0] = 0;                 /* version 0, no options */
		t[1] = 0;
		t[2] = ETH_P_TEB >> 8;
		t[3] = ETH_P_TEB & 0xff;
	}
	memcpy(t + 4, &vni, 4);
	if (h->udp_csum)
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}
