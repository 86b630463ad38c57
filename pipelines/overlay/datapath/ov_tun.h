/* Overlay tunnel headers: VXLAN (RFC 7348) and GENEVE (RFC 8926) read on
 * decap, and the outer IPv4/UDP/tunnel headers written on encap (inline:
 * every packet of a tunnel takes one or the other). Plain buffers, no EAL: unit-tested
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

#include "dp_parse.h"

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "ov_tun_write composes headers in little-endian registers"
#endif

#define OV_VXLAN_PORT   4789
#define OV_GENEVE_PORT  6081
#define OV_TUN_HLEN     8        /* VXLAN, and GENEVE without options */
#define OV_VNI_MAX      0xffffffu
#define OV_ETH_HLEN     14
#define OV_IP_HLEN      20
#define OV_UDP_HLEN     8
#define OV_IP6_HLEN     40
#define OV_VXLAN_F_I  0x08      /* VXLAN's I flag: the VNI is valid */
#define OV_ETH_P_TEB  0x6558    /* GENEVE's protocol: Transparent Ethernet Bridging */
/* What encap puts before the inner frame: Ethernet, IPv4 or IPv6, UDP, tunnel. */
#define OV_ENCAP_LEN    (OV_ETH_HLEN + OV_IP_HLEN + OV_UDP_HLEN + OV_TUN_HLEN)
#define OV_ENCAP_LEN6   (OV_ETH_HLEN + OV_IP6_HLEN + OV_UDP_HLEN + OV_TUN_HLEN)

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
	OV_TUN_INNER_VLAN,       /* the inner frame is VLAN-tagged (802.1Q, 802.1ad, 0x9100) */
	OV_TUN_REPAIR,           /* the box's repair option malformed (its length, k, index) or twice */
};

/*
 * The repair option (ov_repair.h): what a class that is duplicated or
 * protected by FEC carries in GENEVE, between the base header and the
 * inner frame. Class 0xfff0 is in GENEVE's experimental range (RFC 8926
 * 9.2: a box's own); the type is critical (its top bit), so a receiver
 * that does not know it drops the frame (RFC 8926 3.5) rather than
 * delivering a copy twice. Data, 12 bytes: the sending stream (a random
 * number per sending worker and tunnel), the frame's sequence number in
 * it, the FEC block's k (0: none) and the frame's index in its block (k:
 * the block's parity, whose seq is the block's first), and on a parity the
 * XOR of the block's frames' lengths.
 */
#define OV_REP_OPT_CLASS 0xfff0
#define OV_REP_OPT_TYPE  0x81
#define OV_REP_OPT_LEN   16       /* option header 4 + data 12 */
#define OV_REP_K_MAX     16       /* data frames a FEC block, at most */
struct ov_tun_rep {
	bool on;                 /* the frame carries the option */
	uint8_t k, idx;
	uint16_t lenx;
	uint32_t stream, seq;
};

static inline void
ov_tun_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The repair option's 16 bytes at p (network order). */
static inline void
ov_tun_rep_write(uint8_t *p, const struct ov_tun_rep *r)
{
	p[0] = OV_REP_OPT_CLASS >> 8;
	p[1] = OV_REP_OPT_CLASS & 0xff;
	p[2] = OV_REP_OPT_TYPE;
	p[3] = (OV_REP_OPT_LEN - 4) / 4;
	ov_tun_wr32(p + 4, r->stream);
	ov_tun_wr32(p + 8, r->seq);
	p[12] = r->k;
	p[13] = r->idx;
	p[14] = (uint8_t)(r->lenx >> 8);
	p[15] = (uint8_t)r->lenx;
}

/* GENEVE's options at p (len bytes): the repair option into *rep (on:
 * false without one); unknown non-critical ones skipped, an unknown
 * critical one refused. */
static inline enum ov_tun_err
ov_tun_options(const uint8_t *p, uint32_t len, struct ov_tun_rep *rep)
{
	for (uint32_t off = 0; off < len;) {
		uint32_t olen;

		if (len - off < 4)
			return OV_TUN_TRUNC;
		olen = (p[off + 3] & 0x1fu) * 4;
		if (len - off - 4 < olen)
			return OV_TUN_TRUNC;
		if (((uint32_t)p[off] << 8 | p[off + 1]) == OV_REP_OPT_CLASS && p[off + 2] == OV_REP_OPT_TYPE) {
			const uint8_t *d = p + off + 4;

			if (olen != OV_REP_OPT_LEN - 4 || rep->on)
				return OV_TUN_REPAIR;
			rep->on = true;
			rep->stream = dp_rd32(d);
			rep->seq = dp_rd32(d + 4);
			rep->k = d[8];
			rep->idx = d[9];
			rep->lenx = (uint16_t)(d[10] << 8 | d[11]);
			/* a block of one has nothing to protect; an index past the
			 * parity's is none */
			if (rep->k > OV_REP_K_MAX || rep->k == 1 || rep->idx > rep->k ||
			    (rep->idx < rep->k && rep->lenx != 0))
				return OV_TUN_REPAIR;
		} else if (p[off + 2] & 0x80) {
			return OV_TUN_GENEVE_CRITICAL;
		}
		off += 4 + olen;
	}
	return OV_TUN_OK;
}

#define OV_GENEVE_VER(b)    ((b) >> 6)
#define OV_GENEVE_OPTLEN(b) (((b) & 0x3f) * 4u)
#define OV_GENEVE_F_O       0x80
#define OV_GENEVE_F_C       0x40

/* The tunnel header at p, len bytes of UDP payload, checked in the order
 * the RFCs give (inline: every decapsulated datagram takes it). On
 * OV_TUN_OK *vni is the VNI, *hlen the bytes before the inner Ethernet
 * frame (at least an Ethernet header of which follows within len) and
 * *rep the repair option, if any. */
static inline enum ov_tun_err
ov_tun_read_rep(enum ov_tun_type type, const uint8_t *p, uint32_t len, uint32_t *vni, uint32_t *hlen,
		struct ov_tun_rep *rep)
{
	uint32_t h = OV_TUN_HLEN;

	rep->on = false;
	if (len < OV_TUN_HLEN)
		return OV_TUN_TRUNC;
	if (type == OV_TUN_VXLAN) {
		/* the reserved bits are ignored on receipt (RFC 7348 5) */
		if (!(p[0] & OV_VXLAN_F_I))
			return OV_TUN_VXLAN_FLAGS;
	} else {
		if (OV_GENEVE_VER(p[0]) != 0)
			return OV_TUN_GENEVE_VERSION;
		h += OV_GENEVE_OPTLEN(p[0]);
		if (len < h)
			return OV_TUN_TRUNC;
		/* RFC 8926 3.4: a control message is not forwarded; with a
		 * critical option the endpoint does not understand (it
		 * understands its repair option alone) the packet is
		 * dropped; non-critical options are skipped */
		if (p[1] & OV_GENEVE_F_O)
			return OV_TUN_GENEVE_OAM;
		if (h > OV_TUN_HLEN) {
			enum ov_tun_err e = ov_tun_options(p + OV_TUN_HLEN, h - OV_TUN_HLEN, rep);

			if (e != OV_TUN_OK)
				return e;
		}
		/* critical options said, and none of them the one it knows (the
		 * only critical one it takes): what the sender meant is not known */
		if ((p[1] & OV_GENEVE_F_C) && !rep->on)
			return OV_TUN_GENEVE_CRITICAL;
		if (((uint32_t)p[2] << 8 | p[3]) != OV_ETH_P_TEB)
			return OV_TUN_GENEVE_PROTO;
	}
	if (len < h + OV_ETH_HLEN)
		return OV_TUN_TRUNC;
	/* The VNI alone names the segment: a tagged inner frame is discarded
	 * (RFC 7348 6.1). GENEVE alike: a tag kept would pick the VLAN the
	 * frame leaves a member port in (or, double-tagged, hop into one). */
	{
		uint16_t et = (uint16_t)(p[h + 12] << 8 | p[h + 13]);

		if (et == 0x8100 || et == 0x88a8 || et == 0x9100)
			return OV_TUN_INNER_VLAN;
	}
	*vni = dp_rd32(p + 4) >> 8;
	*hlen = h;
	return OV_TUN_OK;
}

/* ov_tun_read_rep for a caller that takes no repair option. */
static inline enum ov_tun_err
ov_tun_read(enum ov_tun_type type, const uint8_t *p, uint32_t len, uint32_t *vni, uint32_t *hlen)
{
	struct ov_tun_rep rep;

	return ov_tun_read_rep(type, p, len, vni, hlen, &rep);
}

/* The UDP port a type listens on. */
static inline uint16_t
ov_tun_port(enum ov_tun_type type)
{
	return type == OV_TUN_VXLAN ? OV_VXLAN_PORT : OV_GENEVE_PORT;
}

/* The tunnel header's first word as it lies in memory: VXLAN's I flag;
 * GENEVE version 0, Ethernet inside, and opt_words of options (the
 * repair option: critical, so C set). inner_len counts the options. */
static inline uint32_t
ov_tun_word0(enum ov_tun_type type, uint8_t opt_words)
{
	if (type == OV_TUN_VXLAN)
		return OV_VXLAN_F_I;
	return rte_cpu_to_be_32(OV_ETH_P_TEB) | opt_words | (opt_words != 0 ? OV_GENEVE_F_C << 8 : 0);
}

/* The outer headers of one packet: addresses in network order. */
struct ov_encap_hdr {
	enum ov_tun_type type;
	uint32_t vni;
	uint64_t src, dst;       /* network order in the low 32 bits; 64 wide, as a spill of one
				  * is read back (32: stored narrow, read wide, a failed
				  * store-to-load forward, ~2 % of overlay.encap) */
	uint8_t ttl, tos;
	uint16_t sport;          /* host order */
	uint8_t opt_words;       /* GENEVE: the repair option's (OV_REP_OPT_LEN / 4) before the inner frame, or 0 */
	bool udp_csum;           /* else 0, as RFC 7348 and RFC 8926 allow over IPv4; over
				  * the inner_len bytes after the headers: a contiguous
				  * datagram's (a chained mbuf's is its caller's) */
};

/* Write IPv4 + UDP + tunnel header at p (OV_ENCAP_LEN - OV_ETH_HLEN bytes),
 * the inner frame of inner_len bytes right after them. The UDP checksum,
 * when asked for, covers the inner frame, so it must already be there.
 * Composed in registers as the bytes lie in memory (x86 and every DPDK
 * target but POWER BE are little-endian; the build checks) and stored in
 * five moves: built in a stack struct and copied, the wide reload of
 * narrow stores stalled store forwarding, and the checksum loop over it
 * too (dp_ipv4_words). */
static inline void
ov_tun_write(uint8_t *p, const struct ov_encap_hdr *h, uint16_t inner_len)
{
	uint16_t ulen = (uint16_t)(OV_UDP_HLEN + OV_TUN_HLEN + inner_len);
	uint32_t tun = ov_tun_word0(h->type, h->opt_words);
	uint64_t w0, w1;
	uint64_t w2 = h->dst | (uint64_t)rte_cpu_to_be_16(h->sport) << 32 |
		      (uint64_t)rte_cpu_to_be_16(ov_tun_port(h->type)) << 48;
	uint64_t w3 = rte_cpu_to_be_16(ulen) | (uint64_t)tun << 32;
	uint32_t w4 = rte_cpu_to_be_32(h->vni << 8);

	/* DF with ID 0: the box fragments nothing it encapsulates, it checks
	 * the egress MTU instead */
	dp_ipv4_words(h->tos, (uint16_t)(OV_IP_HLEN + ulen), h->ttl, IPPROTO_UDP, h->src, h->dst, &w0, &w1);
	memcpy(p, &w0, 8);
	memcpy(p + 8, &w1, 8);
	memcpy(p + 16, &w2, 8);
	memcpy(p + 24, &w3, 8);
	memcpy(p + 32, &w4, 4);
	if (h->udp_csum)
		((struct rte_udp_hdr *)(p + OV_IP_HLEN))->dgram_cksum =
			rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p, p + OV_IP_HLEN);
}

/* The outer headers of one packet over an IPv6 underlay. */
struct ov_encap_hdr6 {
	enum ov_tun_type type;
	uint32_t vni;
	const uint8_t *src, *dst;
	uint8_t hops, tc;
	uint16_t sport;          /* host order */
	uint8_t opt_words;       /* as ov_encap_hdr's */
	uint32_t flow;           /* the flow label (20 bits) */
};


/* Write IPv6 + UDP + tunnel header at p (OV_ENCAP_LEN6 - OV_ETH_HLEN
 * bytes), the inner frame of inner_len bytes after them; the UDP checksum
 * is left 0 for the caller, who has the whole packet (IPv6 forbids a zero
 * one: RFC 8200 8.1; RFC 6935's exception needs the far end configured for
 * it, which Linux's VXLAN is not by default). The flow label is the inner
 * flow's (RFC 6438), so underlay ECMP keeps a flow on one link. */
static inline void
ov_tun_write6(uint8_t *p, const struct ov_encap_hdr6 *h, uint16_t inner_len)
{
	uint16_t ulen = (uint16_t)(OV_UDP_HLEN + OV_TUN_HLEN + inner_len);
	uint32_t tun = ov_tun_word0(h->type, h->opt_words);
	uint32_t w0 = rte_cpu_to_be_32(6u << 28 | (uint32_t)h->tc << 20 | (h->flow & 0xfffff));
	uint32_t w1 = rte_cpu_to_be_16(ulen) | (uint32_t)IPPROTO_UDP << 16 | (uint32_t)h->hops << 24;
	uint64_t u = rte_cpu_to_be_16(h->sport) | (uint64_t)rte_cpu_to_be_16(ov_tun_port(h->type)) << 16 |
		     (uint64_t)rte_cpu_to_be_16(ulen) << 32;
	uint64_t t = tun | (uint64_t)rte_cpu_to_be_32(h->vni << 8) << 32;

	memcpy(p, &w0, 4);
	memcpy(p + 4, &w1, 4);
	memcpy(p + 8, h->src, 16);
	memcpy(p + 24, h->dst, 16);
	memcpy(p + 40, &u, 8);
	memcpy(p + 48, &t, 8);
}

/* The source port for a flow hash: 49152..65535 (RFC 7348 5, RFC 8926 3.3),
 * so underlay ECMP spreads the flows and keeps each in order. */
static inline uint16_t
ov_tun_sport(uint32_t hash)
{
	return (uint16_t)(49152 | ((hash ^ hash >> 16) & 0x3fff));
}

#endif
