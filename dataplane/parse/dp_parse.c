/* Packet parser: the first stage of every pipeline. Reads each packet's
 * headers once (L2, VLAN/QinQ, ARP, IPv4, IPv6 + extension headers, UDP/TCP/
 * ICMP, GTP-U where a UDP/2152 payload parses as such) into struct dp_meta so later stages
 * never re-parse. Every read is bounded by the first segment; anything that
 * cannot be trusted becomes a named parse.* drop.
 *
 * Bounds model: `seg` is what we may read (first segment), `pkt` what the
 * packet really holds (pkt_len). A header that ends past `seg` but within
 * its logical bound is a multiseg drop, past the bound it is the header's
 * own truncation reason. dp_parse_pkt() has seg == pkt. */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "dp_parse.h"
#include "gtp.h"

#define ETH_HLEN        14
#define VLAN_HLEN       4
#define ET_IPV4         0x0800
#define ET_ARP          0x0806
#define ET_IPV6         0x86dd
#define ET_VLAN         0x8100
#define ET_QINQ         0x88a8
#define ET_QINQ_OLD     0x9100  /* pre-802.1ad S-tag still sent by some gear */

#define IPV4_HLEN       20
#define IPV4_MF_OFF     0x3fff  /* MF flag + fragment offset */
#define IPV4_OFF        0x1fff
#define IPV6_HLEN       40
#define IPV6_EXT_MIN    8       /* every walked ext header is at least 8 bytes */
#define IPV6_FRAG_OFF   0xfff8
#define IPV6_FRAG_M     0x0001

#define P_ICMP          1
#define P_TCP           6
#define P_UDP           17
#define P_HOPOPTS       0
#define P_ROUTING       43
#define P_FRAGMENT      44
#define P_AH            51
#define P_ICMPV6        58
#define P_DSTOPTS       60
#define P_MH            135     /* mobility, HIP and shim6 share the */
#define P_HIP           139     /* (len + 1) * 8 extension header layout */
#define P_SHIM6         140

#define UDP_HLEN        8
#define TCP_HLEN        20
#define ICMP_HLEN       8       /* type, code, csum + 4 bytes every message has */
#define ICMPV6_HLEN     4       /* RFC 4443 common part */

#define ARP_LEN         28

#define R(name) DP_DROP_parse_##name

static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline uint32_t
rd32_raw(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
rd64_raw(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Flow hash. CRC32C is one instruction per word with SSE4.2 (what the
 * pkg-config -march gives); the fallback only has to be deterministic and
 * spread reasonably. */
static inline uint32_t
hash_u64(uint32_t h, uint64_t v)
{
#if defined(__SSE4_2__)
	return (uint32_t)_mm_crc32_u64(h, v);
#else
	uint64_t x = (v ^ h) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32) ^ (uint32_t)x;
#endif
}

static inline uint32_t
hash_u32(uint32_t h, uint32_t v)
{
#if defined(__SSE4_2__)
	return _mm_crc32_u32(h, v);
#else
	return hash_u64(h, v);
#endif
}

static inline int
is_vlan_tpid(uint16_t et)
{
	return et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD;
}

static inline int
is_v6_ext(uint8_t nh)
{
	switch (nh) {
	case P_HOPOPTS:
	case P_ROUTING:
	case P_FRAGMENT:
	case P_AH:
	case P_DSTOPTS:
	case P_MH:
	case P_HIP:
	case P_SHIM6:
		return 1;
	default:
		return 0;
	}
}

/* Slow half of every bounds check: the header ends at `need`, which is past
 * what we may read. Within its logical bound it is only split across
 * segments; past the bound the packet really is short. */
static __rte_noinline unsigned int
short_reason(uint32_t need, uint32_t bound, unsigned int reason)
{
	return need > bound ? reason : R(multiseg);
}

/* Untagged frames skip this; tags sit between the MACs and the ethertype. */
static inline unsigned int
parse_vlan(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md,
	   uint16_t *et, uint32_t *off, uint32_t *flags)
{
	if (unlikely(ETH_HLEN + VLAN_HLEN > seg))
		return short_reason(ETH_HLEN + VLAN_HLEN, pkt, R(vlan_trunc));
	md->vlan[0] = rd16(p + ETH_HLEN);
	*et = rd16(p + ETH_HLEN + 2);
	*off = ETH_HLEN + VLAN_HLEN;
	*flags |= DP_MF_VLAN;
	if (!is_vlan_tpid(*et))
		return 0;

	if (unlikely(ETH_HLEN + 2 * VLAN_HLEN > seg))
		return short_reason(ETH_HLEN + 2 * VLAN_HLEN, pkt, R(vlan_trunc));
	md->vlan[1] = rd16(p + ETH_HLEN + VLAN_HLEN);
	*et = rd16(p + ETH_HLEN + VLAN_HLEN + 2);
	*off = ETH_HLEN + 2 * VLAN_HLEN;
	*flags |= DP_MF_QINQ;
	if (unlikely(is_vlan_tpid(*et)))
		return R(vlan_depth);
	return 0;
}

/* UDP to port 2152 read as GTP-U: a header that parses and fits the
 * datagram sets DP_MF_GTPU (and DP_MF_INNER when an IPv4 or IPv6 T-PDU
 * header is whole). Anything else is plain UDP: port 2152 is GTP-U only to
 * the UPF's own endpoints, whose stage names what is wrong with it (a UE's
 * own datagram to 2152, an overlay's inner frame or LAN transit are not the
 * parser's to judge, as VXLAN's are not). What the first segment cuts is a
 * multiseg drop as for any header (0 otherwise). */
static unsigned int
parse_gtpu(const uint8_t *p, uint32_t t, uint32_t uend, uint32_t seg,
	   struct dp_meta *md)
{
	uint32_t lim = RTE_MIN(uend, seg);
	uint32_t in, gend;
	struct gtp_info gi;
	uint8_t v;
	int rc;

	rc = gtp_parse(p + t, lim - t, &gi);
	if (unlikely(rc != 0))
		return rc == -EMSGSIZE && lim < uend ? R(multiseg) : 0;
	/* The GTP message must fit the UDP payload it claims to be. */
	gend = t + GTPU_HDR_LEN + gi.length;
	if (gend > uend)
		return 0;

	md->flags |= DP_MF_GTPU;
	md->tun_off = (uint16_t)t;
	md->tun_id = gi.teid;
	md->gtp_msg = gi.msg_type;
	md->gtp_qfi = gi.qfi;
	md->gtp_pdu_type = gi.pdu_type;
	if (unlikely(gi.ext_unsupported != 0)) {
		md->flags |= DP_MF_GTPU_XUNK;
		md->gtp_xunk = gi.ext_unsupported;
	}
	if (gi.msg_type != GTPU_MSG_GPDU)
		return 0;

	in = t + gi.hdr_len;
	md->inner_off = (uint16_t)in;
	if (in >= gend)
		return 0;       /* empty T-PDU */
	if (in >= seg)
		return R(multiseg);
	v = p[in] >> 4;
	lim = RTE_MIN(gend, seg);
	if (v == 4 || v == 6) {
		uint32_t need = in + (v == 4 ? IPV4_HLEN : IPV6_HLEN);

		if (need > lim)   /* cut short: the UPF's to name */
			return need > gend ? 0 : R(multiseg);
		md->flags |= DP_MF_INNER;
		md->inner_l3_off = (uint16_t)in;
	}
	return 0;         /* else an Ethernet or unstructured PDU session */
}

/* Transport header at l4, inside an IP datagram ending at end (<= pkt).
 * *ports gets the raw sport/dport word for the hash, 0 when not TCP/UDP. */
static __rte_always_inline unsigned int
parse_l4(const uint8_t *p, uint32_t l4, uint32_t end, uint32_t seg,
	 uint8_t proto, struct dp_meta *md, uint32_t *flags, uint32_t *ports)
{
	uint32_t lim = RTE_MIN(end, seg);

	if (likely(proto == P_UDP)) {
		uint32_t ulen, w;
		uint16_t dport;

		if (unlikely(l4 + UDP_HLEN > lim))
			return short_reason(l4 + UDP_HLEN, end, R(l4_trunc));
		ulen = rd16(p + l4 + 4);
		/* A first fragment carries only part of the datagram. */
		if (unlikely(ulen < UDP_HLEN ||
			     (l4 + ulen > end && !(*flags & DP_MF_FRAG))))
			return R(udp_len);
		w = rd32(p + l4);
		dport = (uint16_t)w;
		md->sport = (uint16_t)(w >> 16);
		md->dport = dport;
		*flags |= DP_MF_L4;
		*ports = w;
		if (unlikely(dport == GTPU_UDP_PORT && !(*flags & DP_MF_FRAG))) {
			/* Cold: tunnel parsers add their flags in md so that
			 * *flags can stay in a register on the fast path. */
			unsigned int r;

			md->flags = *flags;
			r = parse_gtpu(p, l4 + UDP_HLEN, l4 + ulen, seg, md);
			*flags = md->flags;
			return r;
		}
		return 0;
	}
	if (likely(proto == P_TCP)) {
		uint32_t doff, w;

		if (unlikely(l4 + TCP_HLEN > lim))
			return short_reason(l4 + TCP_HLEN, end, R(l4_trunc));
		doff = (uint32_t)(p[l4 + 12] >> 4) << 2;
		if (unlikely(doff < TCP_HLEN || l4 + doff > end))
			return R(tcp_doff);
		if (unlikely(l4 + doff > seg))
			return R(multiseg);
		w = rd32(p + l4);
		md->sport = (uint16_t)(w >> 16);
		md->dport = (uint16_t)w;
		*flags |= DP_MF_L4;
		*ports = w;
		return 0;
	}
	if (proto == P_ICMP || proto == P_ICMPV6) {
		uint32_t hl = proto == P_ICMP ? ICMP_HLEN : ICMPV6_HLEN;

		if (unlikely(l4 + hl > lim))
			return short_reason(l4 + hl, end, R(l4_trunc));
		*flags |= DP_MF_L4;
	}
	/* Other protocols (GRE, ESP, SCTP, ...) are for later stages. */
	return 0;
}

static __rte_always_inline unsigned int
parse_ipv4(const uint8_t *p, uint32_t off, uint32_t seg, uint32_t pkt,
	   struct dp_meta *md, uint32_t flags, int want_hash)
{
	const uint8_t *ip = p + off;
	uint32_t ihl, tot, ports = 0;
	uint16_t frag;
	uint8_t proto;
	unsigned int r;

	if (unlikely(off + IPV4_HLEN > seg))
		return short_reason(off + IPV4_HLEN, pkt, R(ipv4_trunc));
	if (unlikely((ip[0] >> 4) != 4))
		return R(ipv4_version);
	ihl = (uint32_t)(ip[0] & 0xf) << 2;
	if (unlikely(ihl != IPV4_HLEN)) {
		if (ihl < IPV4_HLEN)
			return R(ipv4_ihl);
		if (off + ihl > seg)
			return short_reason(off + ihl, pkt, R(ipv4_ihl));
		flags |= DP_MF_IP_OPTS;
	}
	tot = rd16(ip + 2);
	if (unlikely(tot < ihl || off + tot > pkt))
		return R(ipv4_len);

	flags |= DP_MF_IPV4;
	proto = ip[9];
	md->l3_off = (uint16_t)off;
	md->ttl = ip[8];
	md->l4_proto = proto;
	frag = rd16(ip + 6);
	if (unlikely(frag & IPV4_MF_OFF)) {
		flags |= DP_MF_FRAG;
		if (frag & IPV4_OFF) {
			/* No transport header here; hash on addresses so all
			 * fragments of a datagram take the same path. */
			flags |= DP_MF_FRAG_LATER;
			goto done;
		}
	}
	md->l4_off = (uint16_t)(off + ihl);
	r = parse_l4(p, off + ihl, off + tot, seg, proto, md, &flags, &ports);
	if (unlikely(r != 0))
		return r;
	if (flags & DP_MF_FRAG)
		ports = 0;
done:
	md->flags = flags;
	if (want_hash) {
		uint32_t h = hash_u64(proto, rd64_raw(ip + 12));

		h = hash_u32(h, ports);
		/* GTP-U between two nodes is one 5-tuple: spread on TEID. */
		if (flags & DP_MF_GTPU)
			h = hash_u32(h, md->tun_id);
		md->hash = h;
	}
	return 0;
}

static __rte_noinline unsigned int
parse_ipv6(const uint8_t *p, uint32_t off, uint32_t seg, uint32_t pkt,
	   struct dp_meta *md, uint32_t flags, int want_hash)
{
	const uint8_t *ip = p + off;
	uint32_t end, lim, cur, n, ports = 0;
	uint8_t nh;
	unsigned int r;

	if (unlikely(off + IPV6_HLEN > seg))
		return short_reason(off + IPV6_HLEN, pkt, R(ipv6_trunc));
	if (unlikely((ip[0] >> 4) != 6))
		return R(ipv6_version);
	end = off + IPV6_HLEN + rd16(ip + 4);
	if (unlikely(end > pkt))
		return R(ipv6_len);

	flags |= DP_MF_IPV6;
	md->l3_off = (uint16_t)off;
	md->ttl = ip[7];
	nh = ip[6];
	cur = off + IPV6_HLEN;
	lim = RTE_MIN(end, seg);

	/* ESP, no-next-header and upper layers all end the walk. */
	for (n = 0; is_v6_ext(nh); n++) {
		uint32_t hl = IPV6_EXT_MIN;
		int later = 0;

		if (n >= DP_PARSE_IPV6_EXT_MAX)
			return R(ipv6_ext);
		if (cur + IPV6_EXT_MIN > lim)
			return short_reason(cur + IPV6_EXT_MIN, end, R(ipv6_ext));
		if (nh == P_FRAGMENT) {
			uint16_t fo = rd16(p + cur + 2);

			/* offset 0 and M 0: an atomic fragment, the whole
			 * packet; processed as unfragmented (RFC 6946 4) */
			if ((fo & (IPV6_FRAG_OFF | IPV6_FRAG_M)) == 0) {
				flags |= DP_MF_ATOMIC_FRAG;
			} else {
				flags |= DP_MF_FRAG;
				later = (fo & IPV6_FRAG_OFF) != 0;
			}
		} else if (nh == P_AH) {
			hl = ((uint32_t)p[cur + 1] + 2) << 2;
		} else {
			hl = ((uint32_t)p[cur + 1] + 1) << 3;
		}
		if (cur + hl > lim)
			return short_reason(cur + hl, end, R(ipv6_ext));
		flags |= DP_MF_IP_EXT;
		nh = p[cur];
		cur += hl;
		if (later) {
			flags |= DP_MF_FRAG_LATER;
			md->l4_proto = nh;
			goto done;
		}
	}

	md->l4_proto = nh;
	md->l4_off = (uint16_t)cur;
	r = parse_l4(p, cur, end, seg, nh, md, &flags, &ports);
	if (unlikely(r != 0))
		return r;
	if (flags & DP_MF_FRAG)
		ports = 0;
done:
	md->flags = flags;
	if (want_hash) {
		uint32_t h = nh;

		h = hash_u64(h, rd64_raw(ip + 8));
		h = hash_u64(h, rd64_raw(ip + 16));
		h = hash_u64(h, rd64_raw(ip + 24));
		h = hash_u64(h, rd64_raw(ip + 32));
		h = hash_u32(h, ports);
		if (flags & DP_MF_GTPU)
			h = hash_u32(h, md->tun_id);
		md->hash = h;
	}
	return 0;
}

/* Not IP: L2 information only, hashed on the MACs. */
static inline void
l2_only(const uint8_t *p, struct dp_meta *md, uint32_t flags, uint16_t et,
	int want_hash)
{
	md->flags = flags;
	if (want_hash)
		md->hash = hash_u32(hash_u64(et, rd64_raw(p)), rd32_raw(p + 8));
}

static __rte_noinline unsigned int
parse_arp(const uint8_t *p, uint32_t off, uint32_t seg, uint32_t pkt,
	  struct dp_meta *md, uint32_t flags, int want_hash)
{
	const uint8_t *a = p + off;

	if (off + ARP_LEN > seg)
		return short_reason(off + ARP_LEN, pkt, R(arp_trunc));
	/* htype 1, ptype IPv4, hlen 6, plen 4 */
	if (rd32(a) != 0x00010800 || rd16(a + 4) != 0x0604)
		return R(arp_trunc);
	md->l3_off = (uint16_t)off;
	l2_only(p, md, flags | DP_MF_ARP, ET_ARP, want_hash);
	return 0;
}

/* The whole parser: any ethertype, tags, options, fragments, tunnels. */
static __rte_noinline unsigned int
parse_general(const uint8_t *p, uint32_t seg, uint32_t pkt,
	      struct dp_meta *md, int want_hash)
{
	uint16_t in_port = md->in_port;
	uint32_t off = ETH_HLEN, flags = 0;
	unsigned int r;
	uint16_t et;

	/* One struct store: no field may keep a value from the mbuf's
	 * previous life. in_port belongs to the worker. */
	*md = (struct dp_meta){
		.in_port = in_port,
		.gtp_pdu_type = GTPU_PDU_TYPE_NONE,
	};
	if (unlikely(seg < ETH_HLEN))
		return short_reason(ETH_HLEN, pkt, R(runt));
	et = rd16(p + 12);
	if (is_vlan_tpid(et)) {
		r = parse_vlan(p, seg, pkt, md, &et, &off, &flags);
		if (unlikely(r != 0))
			return r;
	}
	md->l2_len = (uint16_t)off;
	md->ethertype = et;
	switch (et) {
	case ET_IPV4:
		return parse_ipv4(p, off, seg, pkt, md, flags, want_hash);
	case ET_IPV6:
		return parse_ipv6(p, off, seg, pkt, md, flags, want_hash);
	case ET_ARP:
		return parse_arp(p, off, seg, pkt, md, flags, want_hash);
	default:
		l2_only(p, md, flags, et, want_hash);
		return 0;
	}
}

#define FAST_MIN (ETH_HLEN + IPV4_HLEN + TCP_HLEN)
#define FAST6_MIN (ETH_HLEN + IPV6_HLEN + TCP_HLEN)
#define GTP_FAST_MIN (ETH_HLEN + IPV4_HLEN + UDP_HLEN + GTPU_HDR_LEN + IPV4_HLEN)
#define GTP6_FAST_MIN (ETH_HLEN + IPV6_HLEN + UDP_HLEN + GTPU_HDR_LEN + IPV4_HLEN)

/* The straight-line paths below reset struct dp_meta field by field
 * (fast_meta): a new field needs a line there (and in the expected values
 * of tests/unit/test_parse.c). */
_Static_assert(sizeof(struct dp_meta) == 60,
	       "struct dp_meta changed: update fast_meta()");

/* What a straight-line path found, in *md: every field, in order, without a
 * zeroing pass first (adjacent constant stores merge). l3 == l2 (the IP
 * header follows the tags); t, in, teid, qfi, pdu the G-PDU's (0, 0, 0, 0,
 * GTPU_PDU_TYPE_NONE for none). */
static __rte_always_inline void
fast_meta(struct dp_meta *md, const uint8_t *p, uint32_t flags, uint32_t tag, uint32_t l4, uint16_t et,
	  uint8_t proto, uint8_t ttl, uint32_t ports, uint32_t h, uint32_t t, uint32_t in, uint32_t teid,
	  uint8_t qfi, uint8_t pdu)
{
	md->flags = flags | (tag ? DP_MF_VLAN : 0);
	md->slice = 0;
	md->l2_len = (uint16_t)(ETH_HLEN + tag);
	md->l3_off = (uint16_t)(ETH_HLEN + tag);
	md->l4_off = (uint16_t)l4;
	md->ethertype = et;
	md->vlan[0] = tag ? rd16(p + ETH_HLEN) : 0;
	md->vlan[1] = 0;
	md->l4_proto = proto;
	md->ttl = ttl;
	md->sport = (uint16_t)(ports >> 16);
	md->dport = (uint16_t)ports;
	md->tun_off = (uint16_t)t;
	md->inner_off = (uint16_t)in;
	md->inner_l3_off = (uint16_t)in;
	md->tun_id = teid;
	md->gtp_msg = t ? GTPU_MSG_GPDU : 0;
	md->gtp_qfi = qfi;
	md->gtp_pdu_type = pdu;
	md->gtp_xunk = 0;
	md->hash = h;
	md->out_port = 0;
	md->tunnel = 0;
	md->class_id = 0;
	md->drop = 0;
	md->feature = 0;
	md->punt = 0;
	md->pad1 = 0;
}

/* The L4 header at l4 of a datagram ending at end: plain UDP (no tunnel
 * port) or TCP with its header whole, as parse_l4() would accept it. */
static __rte_always_inline int
fast_l4_ok(const uint8_t *p, uint32_t l4, uint32_t end, uint32_t seg, uint8_t proto)
{
	if (proto == P_UDP) {
		uint32_t ulen = rd16(p + l4 + 4);

		return ulen >= UDP_HLEN && l4 + ulen <= end && rd16(p + l4 + 2) != GTPU_UDP_PORT;
	}
	if (proto == P_TCP) {
		uint32_t doff = (uint32_t)(p[l4 + 12] >> 4) << 2;

		return doff >= TCP_HLEN && l4 + doff <= end && l4 + doff <= seg;
	}
	return 0;
}

/* The flow hashes parse_ipv4() and parse_ipv6() compute, over the
 * protocol, the addresses and the ports (a G-PDU's TEID follows). */
static __rte_always_inline uint32_t
fast_hash4(const uint8_t *ip, uint8_t proto, uint32_t ports)
{
	return hash_u32(hash_u64(proto, rd64_raw(ip + 12)), ports);
}

static __rte_always_inline uint32_t
fast_hash6(const uint8_t *ip, uint8_t nh, uint32_t ports)
{
	uint32_t h = hash_u64(nh, rd64_raw(ip + 8));

	h = hash_u64(h, rd64_raw(ip + 16));
	h = hash_u64(h, rd64_raw(ip + 24));
	return hash_u32(hash_u64(h, rd64_raw(ip + 32)), ports);
}

/* Straight-line path for IPv4 without options or fragmentation, untagged
 * (tag == 0) or with one 802.1Q tag (tag == VLAN_HLEN), carrying plain UDP
 * (no tunnel port) or TCP. tag is a constant at each call so every read is
 * at a fixed offset, all below FAST_MIN even with the tag: every
 * minimum-size frame (60 bytes) qualifies. Returns 0 when it filled *md,
 * -1 when parse_general() must decide; for what it accepts parse_general()
 * reaches the same result (the unit tests and the fuzzer check that). So
 * do the others below. */
static __rte_always_inline int
parse_fast(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md,
	   int want_hash, const uint32_t tag)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + IPV4_HLEN;
	const uint8_t *ip = p + l2;
	uint32_t end = l2 + rd16(ip + 2);
	uint32_t ports = rd32(ip + IPV4_HLEN);
	uint8_t proto = ip[9];

	/* ethertype 0x0800, version 4, IHL 5; MF clear, offset 0; total
	 * length >= 20 follows from the L4 checks */
	if (unlikely(!((rd32(ip - 2) >> 8) == 0x080045 && (rd16(ip + 6) & IPV4_MF_OFF) == 0 && end <= pkt &&
		       fast_l4_ok(p, l4, end, seg, proto))))
		return -1;
	fast_meta(md, p, DP_MF_IPV4 | DP_MF_L4, tag, l4, ET_IPV4, proto, ip[8], ports,
		  want_hash ? fast_hash4(ip, proto, ports) : 0,
		  0, 0, 0, 0, GTPU_PDU_TYPE_NONE);
	return 0;
}

/* The same for IPv6 without extension headers (ethertype checked by the
 * caller); every read below FAST6_MIN. */
static __rte_always_inline int
parse_fast6(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md,
	    int want_hash, const uint32_t tag)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + IPV6_HLEN;
	const uint8_t *ip = p + l2;
	uint32_t end = l4 + rd16(ip + 4);
	uint32_t ports = rd32(ip + IPV6_HLEN);
	uint8_t nh = ip[6];

	if (unlikely(!((ip[0] >> 4) == 6 && end <= pkt && fast_l4_ok(p, l4, end, seg, nh))))
		return -1;
	fast_meta(md, p, DP_MF_IPV6 | DP_MF_L4, tag, l4, ET_IPV6, nh, ip[7], ports,
		  want_hash ? fast_hash6(ip, nh, ports) : 0, 0, 0, 0, 0, GTPU_PDU_TYPE_NONE);
	return 0;
}

/* A G-PDU over IPv4 (no options, not a fragment) or IPv6 (no extension
 * header): UDP to 2152, GTP-U with no optional field (flags 0x30) or a PDU
 * Session Container alone (0x34, next 0x85, one unit, then none), an IPv4
 * or IPv6 T-PDU header whole in the segment: the N3/N9 interfaces' every
 * packet, without gtp_parse()'s general walk. Every read is below
 * GTP_FAST_MIN or GTP6_FAST_MIN, plus the tag. */
static __rte_always_inline int
parse_fast_gtpu(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, int want_hash,
		const uint32_t tag, const bool v6)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + (v6 ? IPV6_HLEN : IPV4_HLEN), t = l4 + UDP_HLEN;
	const uint8_t *ip = p + l2, *g = p + t;
	uint32_t end = v6 ? l4 + rd16(ip + 4) : l2 + rd16(ip + 2), uend = l4 + rd16(p + l4 + 4);
	uint32_t ports = rd32(p + l4), teid = rd32(g + 4), hl, gend, in, lim, h = 0;
	uint8_t qfi = 0, pdu = GTPU_PDU_TYPE_NONE, v;
	int ok;

	ok = (v6 ? (ip[0] >> 4) == 6 && ip[6] == P_UDP :
		   (rd32(ip - 2) >> 8) == 0x080045 && (rd16(ip + 6) & IPV4_MF_OFF) == 0 && ip[9] == P_UDP) &&
	     end <= pkt && (uint16_t)ports == GTPU_UDP_PORT && uend >= t && uend <= end &&
	     g[1] == GTPU_MSG_GPDU;
	if (g[0] == GTPU_F_V1_GTP) {
		hl = GTPU_HDR_LEN;
	} else if (g[0] == (GTPU_F_V1_GTP | GTPU_F_E) && g[11] == GTPU_EXT_PDU_SESS_CONT && g[12] == 1 &&
		   g[15] == GTPU_EXT_NONE) {
		hl = GTPU_HDR_LEN + 8;
		pdu = g[13] >> 4;
		qfi = g[14] & GTPU_QFI_MASK;
	} else {
		return -1;
	}
	gend = t + GTPU_HDR_LEN + rd16(g + 2);
	in = t + hl;
	lim = RTE_MIN(gend, seg);
	v = p[in] >> 4;
	ok &= gend <= uend && in < gend &&
	      ((v == 4 && in + IPV4_HLEN <= lim) || (v == 6 && in + IPV6_HLEN <= lim));
	if (unlikely(!ok))
		return -1;
	/* GTP-U between two nodes is one 5-tuple: the TEID spreads it */
	if (want_hash)
		h = hash_u32(v6 ? fast_hash6(ip, P_UDP, ports) : fast_hash4(ip, P_UDP, ports), teid);
	fast_meta(md, p, (v6 ? DP_MF_IPV6 : DP_MF_IPV4) | DP_MF_L4 | DP_MF_GTPU | DP_MF_INNER, tag, l4,
		  v6 ? ET_IPV6 : ET_IPV4, P_UDP, v6 ? ip[7] : ip[8], ports, h, t, in, teid, qfi, pdu);
	return 0;
}

/* The other straight-line paths, by the ethertype after tag bytes of tag
 * (parse(): untagged IPv4 was tried first). */
static __rte_always_inline int
parse_fast_rest(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, int want_hash,
		const uint32_t tag)
{
	uint16_t et = rd16(p + 12 + tag);

	if (et == ET_IPV4)
		return (tag != 0 && parse_fast(p, seg, pkt, md, want_hash, tag) == 0) ||
		       (seg >= GTP_FAST_MIN + tag && parse_fast_gtpu(p, seg, pkt, md, want_hash, tag, false) == 0) ?
		       0 : -1;
	if (et == ET_IPV6 && seg >= FAST6_MIN)
		return parse_fast6(p, seg, pkt, md, want_hash, tag) == 0 ||
		       (seg >= GTP6_FAST_MIN + tag && parse_fast_gtpu(p, seg, pkt, md, want_hash, tag, true) == 0) ?
		       0 : -1;
	return -1;
}

static __rte_always_inline unsigned int
parse(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md,
      int want_hash)
{
	if (likely(seg >= FAST_MIN)) {
		/* No ethertype test for the untagged case: parse_fast()
		 * checks 0x0800 at the same time as version and IHL. */
		if (likely(parse_fast(p, seg, pkt, md, want_hash, 0) == 0) ||
		    parse_fast_rest(p, seg, pkt, md, want_hash, 0) == 0 ||
		    (rd16(p + 12) == ET_VLAN && parse_fast_rest(p, seg, pkt, md, want_hash, VLAN_HLEN) == 0))
			return 0;
	}
	return parse_general(p, seg, pkt, md, want_hash);
}

unsigned int
dp_parse_pkt(const uint8_t *data, uint32_t len, struct dp_meta *md)
{
	return parse(data, len, len, md, 1);
}

#ifdef DP_PARSE_TEST_HOOKS
/* The general path alone, so tests can check the fast path against it. */
unsigned int dp_parse_pkt_general(const uint8_t *data, uint32_t len,
				  struct dp_meta *md);

unsigned int
dp_parse_pkt_general(const uint8_t *data, uint32_t len, struct dp_meta *md)
{
	return parse_general(data, len, len, md, 1);
}
#endif

/* Far enough ahead to hide a miss behind a couple of parses, near enough
 * that the line is still there when we get to it. */
#define PARSE_PREFETCH 2

uint16_t
dp_parse_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
	       uint16_t *next)
{
	uint16_t i, ok = 0;

	RTE_SET_USED(ctx);
	for (i = 0; i < n && i < PARSE_PREFETCH; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		rte_prefetch0(dp_meta(pkts[i]));
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		uint32_t seg = rte_pktmbuf_data_len(m);
		uint32_t pkt = rte_pktmbuf_pkt_len(m);
		int rss = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0;
		unsigned int r;

		if (i + PARSE_PREFETCH < n) {
			struct rte_mbuf *nm = pkts[i + PARSE_PREFETCH];

			rte_prefetch0(rte_pktmbuf_mtod(nm, void *));
			rte_prefetch0(dp_meta(nm));
		}
		/* A broken pkt_len must not let us read past the segment. */
		seg = RTE_MIN(seg, pkt);
		r = parse(rte_pktmbuf_mtod(m, const uint8_t *), seg, pkt, md,
			  !rss);
		if (rss)
			md->hash = m->hash.rss;
		next[i] = r == 0 ? DP_NEXT_CONTINUE : DP_NEXT_DROP(r);
		ok += r == 0;
	}
	return ok;
}
