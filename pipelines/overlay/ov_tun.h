/* Overlay tunnel headers: VXLAN (RFC 7348) and GENEVE (RFC 8926) read on
 * decap, and the outer IPv4/UDP/tunnel headers written on encap (inline:
 * every encapsulated packet takes it). Plain buffers, no EAL: unit-tested
 * and fuzzed on crafted and truncated input. */
#ifndef OV_TUN_H
#define OV_TUN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_udp.h>

#define OV_VXLAN_PORT   4789
#define OV_GENEVE_PORT  6081
#define OV_TUN_HLEN     8        /* VXLAN, and GENEVE without options */
#define OV_VNI_MAX      0xffffffu
#define OV_ETH_HLEN     14
#define OV_IP_HLEN      20
#define OV_UDP_HLEN     8
/* What encap puts before the inner frame: Ethernet, IPv4, UDP, tunnel. */
#define OV_ENCAP_LEN    (OV_ETH_HLEN + OV_IP_HLEN + OV_UDP_HLEN + OV_TUN_HLEN)

enum ov_tun_type { OV_TUN_VXLAN, OV_TUN_GENEVE };

/* Why a tunnel header cannot be taken (0: it can). */
enum ov_tun_err {
	OV_TUN_OK,
	OV_TUN_TRUNC,            /* header, options or inner Ethernet past the datagram */
	OV_TUN_VXLAN_FLAGS,      /* VXLAN I flag clear: no valid VNI */
	OV_TUN_GENEVE_VERSION,   /* GENEVE version is not 0 */
	OV_TUN_GENEVE_OAM,       /* GENEVE O bit: a control message, never forwarded */
	OV_TUN_GENEVE_CRITICAL,  /* GENEVE C bit: a critical option this box does not implement */
	OV_TUN_GENEVE_PROTO,     /* GENEVE payload is not Ethernet (0x6558) */
};

/* The tunnel header at p, len bytes of UDP payload. On OV_TUN_OK *vni is
 * the VNI and *hlen the bytes before the inner Ethernet frame (at least an
 * Ethernet header of which follows within len). */
enum ov_tun_err ov_tun_read(enum ov_tun_type type, const uint8_t *p, uint32_t len,
			    uint32_t *vni, uint32_t *hlen);

/* The UDP port a type listens on. */
static inline uint16_t
ov_tun_port(enum ov_tun_type type)
{
	return type == OV_TUN_VXLAN ? OV_VXLAN_PORT : OV_GENEVE_PORT;
}

/* The outer headers of one packet: addresses in network order. */
struct ov_encap_hdr {
	enum ov_tun_type type;
	uint32_t vni;
	uint32_t src, dst;
	uint8_t ttl, tos;
	uint16_t sport;          /* host order */
	bool udp_csum;           /* else 0, as RFC 7348 and RFC 8926 allow over IPv4 */
};

#define OV_VXLAN_F_I  0x08      /* VXLAN's I flag: the VNI is valid */
#define OV_ETH_P_TEB  0x6558    /* GENEVE's protocol: Transparent Ethernet Bridging */

/* Write IPv4 + UDP + tunnel header at p (OV_ENCAP_LEN - OV_ETH_HLEN bytes),
 * the inner frame of inner_len bytes right after them. The UDP checksum,
 * when asked for, covers the inner frame, so it must already be there.
 * Built whole in registers and stored at once: field by field into the
 * packet (2-byte aligned) cost twice as much. */
static inline void
ov_tun_write(uint8_t *p, const struct ov_encap_hdr *h, uint16_t inner_len)
{
	struct {
		struct rte_ipv4_hdr ip;
		struct rte_udp_hdr udp;
		uint8_t tun[OV_TUN_HLEN];
	} __rte_packed __rte_aligned(8) o;
	uint16_t ulen = (uint16_t)(OV_UDP_HLEN + OV_TUN_HLEN + inner_len);
	uint32_t vni = rte_cpu_to_be_32(h->vni << 8);

	/* DF with ID 0: an atomic datagram (RFC 6864); the box fragments
	 * nothing it encapsulates, it checks the egress MTU instead */
	o.ip.version_ihl = 0x45;
	o.ip.type_of_service = h->tos;
	o.ip.total_length = rte_cpu_to_be_16((uint16_t)(OV_IP_HLEN + ulen));
	o.ip.packet_id = 0;
	o.ip.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	o.ip.time_to_live = h->ttl;
	o.ip.next_proto_id = IPPROTO_UDP;
	o.ip.hdr_checksum = 0;
	o.ip.src_addr = h->src;
	o.ip.dst_addr = h->dst;
	o.ip.hdr_checksum = rte_ipv4_cksum(&o.ip);
	o.udp.src_port = rte_cpu_to_be_16(h->sport);
	o.udp.dst_port = rte_cpu_to_be_16(ov_tun_port(h->type));
	o.udp.dgram_len = rte_cpu_to_be_16(ulen);
	o.udp.dgram_cksum = 0;
	if (h->type == OV_TUN_VXLAN) {
		o.tun[0] = OV_VXLAN_F_I;
		o.tun[1] = o.tun[2] = o.tun[3] = 0;
	} else {
		o.tun[0] = 0;             /* version 0, no options */
		o.tun[1] = 0;
		o.tun[2] = OV_ETH_P_TEB >> 8;
		o.tun[3] = OV_ETH_P_TEB & 0xff;
	}
	memcpy(o.tun + 4, &vni, 4);
	memcpy(p, &o, OV_IP_HLEN + OV_UDP_HLEN + OV_TUN_HLEN);   /* not sizeof: padded to 8 */
	if (h->udp_csum)
		((struct rte_udp_hdr *)(p + OV_IP_HLEN))->dgram_cksum =
			rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p, p + OV_IP_HLEN);
}

/* The source port for a flow hash: 49152..65535 (RFC 7348 5, RFC 8926 3.3),
 * so underlay ECMP spreads the flows and keeps each in order. */
static inline uint16_t
ov_tun_sport(uint32_t hash)
{
	return (uint16_t)(49152 | ((hash ^ hash >> 16) & 0x3fff));
}

#endif
