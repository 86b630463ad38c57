/* Packet parser: the first stage of every pipeline. Reads each packet's
 * headers once (L2, VLAN/QinQ, ARP, IPv4, IPv6 + extension headers, UDP/TCP/
 * ICMP; a UDP payload by the parser its port's feature registered) into
 * struct dp_meta so later stages never re-parse. Every read is bounded by the first segment; anything that
 * cannot be trusted becomes a named parse.* drop.
 *
 * Bounds model: `seg` is what we may read (first segment), `pkt` what the
 * packet really holds (pkt_len). A header that ends past `seg` but within
 * its logical bound is a multiseg drop, past the bound it is the header's
 * own truncation reason. dp_parse_pkt_m() has seg == pkt. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
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
#define P_ESP           50
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
	md->vlan[0] = dp_rd16(p + ETH_HLEN);
	*et = dp_rd16(p + ETH_HLEN + 2);
	*off = ETH_HLEN + VLAN_HLEN;
	*flags |= DP_MF_VLAN;
	if (!is_vlan_tpid(*et))
		return 0;

	if (unlikely(ETH_HLEN + 2 * VLAN_HLEN > seg))
		return short_reason(ETH_HLEN + 2 * VLAN_HLEN, pkt, R(vlan_trunc));
	md->vlan[1] = dp_rd16(p + ETH_HLEN + VLAN_HLEN);
	*et = dp_rd16(p + ETH_HLEN + VLAN_HLEN + 2);
	*off = ETH_HLEN + 2 * VLAN_HLEN;
	*flags |= DP_MF_QINQ;
	if (unlikely(is_vlan_tpid(*et)))
		return R(vlan_depth);
	return 0;
}

/* The UDP ports a feature parses (dp_parse_udp_register), kept by their
 * low 6 bits: udp_key holds port + 1 (0: none), so the per-datagram test is
 * one load and one compare, as a constant port's was, whatever the number
 * of parsers. Written at init only, before the workers run. */
#define UDP_SLOT(port) ((port) & (DP_PARSE_UDP_SLOTS - 1))
static uint32_t udp_key[DP_PARSE_UDP_SLOTS];
static struct {
	dp_parse_udp_fn fn;
	int off;
	int key_off;         /* dp_parse_udp_key's (-1: none) */
} udp_hook[DP_PARSE_UDP_SLOTS];

static __rte_always_inline int
udp_hooked(uint32_t dport)
{
	return udp_key[UDP_SLOT(dport)] == dport + 1;
}

/* The port's parser on the payload at t; its fields go to mb (the mbuf)
 * plus its offset. Cold: the hot test is udp_hooked(). */
static __rte_always_inline unsigned int
udp_hook_call(const uint8_t *p, uint32_t t, uint32_t uend, uint32_t seg, struct dp_meta *md, uint8_t *mb,
	      uint32_t dport)
{
	unsigned int s = UDP_SLOT(dport);

	return udp_hook[s].fn(p, t, uend, seg, md, mb + udp_hook[s].off);
}

int
dp_parse_udp_register(uint16_t port, dp_parse_udp_fn fn, int field_off)
{
	unsigned int s = UDP_SLOT(port);

	if (fn == NULL || field_off < 0 || (size_t)field_off >= sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE)
		return -EINVAL;
	if (udp_key[s] != 0 && (udp_key[s] != (uint32_t)port + 1 || udp_hook[s].fn != fn))
		return -EEXIST;
	udp_hook[s].fn = fn;
	udp_hook[s].off = field_off;
	udp_hook[s].key_off = -1;
	udp_key[s] = (uint32_t)port + 1;
	return 0;
}

int
dp_parse_udp_key(uint16_t port, int key_off)
{
	unsigned int s = UDP_SLOT(port);

	if (udp_key[s] != (uint32_t)port + 1 || key_off < 0 || key_off > 64)
		return -EINVAL;
	udp_hook[s].key_off = key_off;
	return 0;
}

void
dp_parse_udp_unregister(uint16_t port)
{
	unsigned int s = UDP_SLOT(port);

	if (udp_key[s] == (uint32_t)port + 1)
		udp_key[s] = 0;
}

/* Transport header at l4, inside an IP datagram ending at end (<= pkt).
 * *ports gets the raw sport/dport word for the hash, 0 when not TCP/UDP. */
static __rte_always_inline unsigned int
parse_l4(const uint8_t *p, uint32_t l4, uint32_t end, uint32_t seg,
	 uint8_t proto, struct dp_meta *md, uint8_t *mb, uint32_t *flags, uint32_t *ports)
{
	uint32_t lim = RTE_MIN(end, seg);

	if (likely(proto == P_UDP)) {
		uint32_t ulen, w;
		uint16_t dport;

		if (unlikely(l4 + UDP_HLEN > lim))
			return short_reason(l4 + UDP_HLEN, end, R(l4_trunc));
		ulen = dp_rd16(p + l4 + 4);
		/* A first fragment carries only part of the datagram. */
		if (unlikely(ulen < UDP_HLEN ||
			     (l4 + ulen > end && !(*flags & DP_MF_FRAG))))
			return R(udp_len);
		w = dp_rd32(p + l4);
		dport = (uint16_t)w;
		md->sport = (uint16_t)(w >> 16);
		md->dport = dport;
		*flags |= DP_MF_L4;
		*ports = w;
		if (unlikely(udp_hooked(dport) && !(*flags & DP_MF_FRAG))) {
			/* Cold: port parsers add their flags in md so that
			 * *flags can stay in a register on the fast path. */
			unsigned int r;

			md->flags = *flags;
			r = udp_hook_call(p, l4 + UDP_HLEN, l4 + ulen, seg, md, mb, dport);
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
		w = dp_rd32(p + l4);
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
	/* ESP between two nodes is one 3-tuple: its SPI spreads it, as NICs'
	 * RSS for ESP does (RFC 9611's per-resource SAs land apart). The
	 * header is a later stage's to check. */
	if (proto == P_ESP && l4 + 4 <= end) {
		if (unlikely(l4 + 4 > seg))
			return R(multiseg);	/* as a TCP header split: the hash is the whole packet's */
		*ports = dp_rd32(p + l4);
	}
	/* Other protocols (GRE, SCTP, ...) are for later stages. */
	return 0;
}

static __rte_always_inline unsigned int
parse_ipv4(const uint8_t *p, uint32_t off, uint32_t seg, uint32_t pkt,
	   struct dp_meta *md, uint8_t *mb, uint32_t flags, int want_hash)
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
	tot = dp_rd16(ip + 2);
	if (unlikely(tot < ihl || off + tot > pkt))
		return R(ipv4_len);

	flags |= DP_MF_IPV4;
	proto = ip[9];
	md->l3_off = (uint16_t)off;
	md->ttl = ip[8];
	md->l4_proto = proto;
	frag = dp_rd16(ip + 6);
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
	r = parse_l4(p, off + ihl, off + tot, seg, proto, md, mb, &flags, &ports);
	if (unlikely(r != 0))
		return r;
	if (flags & DP_MF_FRAG)
		ports = 0;
done:
	md->flags = flags;
	if (want_hash) {
		uint32_t h = hash_u64(proto, rd64_raw(ip + 12));

		h = hash_u32(h, ports);
		/* a tunnel between two nodes is one 5-tuple: spread on its
		 * key (GTP-U's TEID) */
		if (flags & DP_MF_TUN)
			h = hash_u32(h, md->tun_key);
		md->hash = h;
	}
	return 0;
}

static __rte_noinline unsigned int
parse_ipv6(const uint8_t *p, uint32_t off, uint32_t seg, uint32_t pkt,
	   struct dp_meta *md, uint8_t *mb, uint32_t flags, int want_hash)
{
	const uint8_t *ip = p + off;
	uint32_t end, lim, cur, n, ports = 0;
	uint8_t nh;
	unsigned int r;

	if (unlikely(off + IPV6_HLEN > seg))
		return short_reason(off + IPV6_HLEN, pkt, R(ipv6_trunc));
	if (unlikely((ip[0] >> 4) != 6))
		return R(ipv6_version);
	end = off + IPV6_HLEN + dp_rd16(ip + 4);
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
			uint16_t fo = dp_rd16(p + cur + 2);

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
	r = parse_l4(p, cur, end, seg, nh, md, mb, &flags, &ports);
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
		if (flags & DP_MF_TUN)
			h = hash_u32(h, md->tun_key);
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
	if (dp_rd32(a) != 0x00010800 || dp_rd16(a + 4) != 0x0604)
		return R(arp_trunc);
	md->l3_off = (uint16_t)off;
	l2_only(p, md, flags | DP_MF_ARP, ET_ARP, want_hash);
	return 0;
}

/* The whole parser: any ethertype, tags, options, fragments, tunnels. */
static __rte_noinline unsigned int
parse_general(const uint8_t *p, uint32_t seg, uint32_t pkt,
	      struct dp_meta *md, uint8_t *mb, int want_hash)
{
	uint16_t in_port = md->in_port;
	uint32_t off = ETH_HLEN, flags = 0;
	unsigned int r;
	uint16_t et;

	/* One struct store: no field may keep a value from the mbuf's
	 * previous life. in_port belongs to the worker. */
	*md = (struct dp_meta){
		.in_port = in_port,
	};
	if (unlikely(seg < ETH_HLEN))
		return short_reason(ETH_HLEN, pkt, R(runt));
	et = dp_rd16(p + 12);
	if (is_vlan_tpid(et)) {
		r = parse_vlan(p, seg, pkt, md, &et, &off, &flags);
		if (unlikely(r != 0))
			return r;
	}
	md->l2_len = (uint16_t)off;
	md->ethertype = et;
	switch (et) {
	case ET_IPV4:
		return parse_ipv4(p, off, seg, pkt, md, mb, flags, want_hash);
	case ET_IPV6:
		return parse_ipv6(p, off, seg, pkt, md, mb, flags, want_hash);
	case ET_ARP:
		return parse_arp(p, off, seg, pkt, md, flags, want_hash);
	default:
		l2_only(p, md, flags, et, want_hash);
		return 0;
	}
}

#define FAST_MIN (ETH_HLEN + IPV4_HLEN + TCP_HLEN)
#define FAST6_MIN (ETH_HLEN + IPV6_HLEN + TCP_HLEN)
#define UDP_FAST_MIN (ETH_HLEN + IPV4_HLEN + UDP_HLEN)
#define UDP6_FAST_MIN (ETH_HLEN + IPV6_HLEN + UDP_HLEN)

/* The straight-line paths below reset struct dp_meta field by field
 * (fast_meta): a new field needs a line there (and in the expected values
 * of tests/unit/test_parse.c). */
_Static_assert(sizeof(struct dp_meta) == 48,
	       "struct dp_meta changed: update fast_meta()");

/* What a straight-line path found, in *md: every field, in order, without a
 * zeroing pass first (adjacent constant stores merge). l3 == l2 (the IP
 * header follows the tags). */
static __rte_always_inline void
fast_meta(struct dp_meta *md, const uint8_t *p, uint32_t flags, uint32_t tag, uint32_t l4, uint16_t et,
	  uint8_t proto, uint8_t ttl, uint32_t ports, uint32_t h)
{
	md->flags = flags | (tag ? DP_MF_VLAN : 0);
	md->slice = 0;
	md->l2_len = (uint16_t)(ETH_HLEN + tag);
	md->l3_off = (uint16_t)(ETH_HLEN + tag);
	md->l4_off = (uint16_t)l4;
	md->ethertype = et;
	md->vlan[0] = tag ? dp_rd16(p + ETH_HLEN) : 0;
	md->vlan[1] = 0;
	md->l4_proto = proto;
	md->ttl = ttl;
	md->sport = (uint16_t)(ports >> 16);
	md->dport = (uint16_t)ports;
	md->class_id = 0;
	md->tun_key = 0;
	md->hash = h;
	md->out_port = 0;
	md->tunnel = 0;
	md->drop = 0;
	md->feature = 0;
	md->punt = 0;
}

/* The L4 header at l4 of a datagram ending at end: plain UDP (no port a
 * parser is registered for) or TCP with its header whole, as parse_l4() would accept it. */
static __rte_always_inline int
fast_l4_ok(const uint8_t *p, uint32_t l4, uint32_t end, uint32_t seg, uint8_t proto)
{
	if (proto == P_UDP) {
		uint32_t ulen = dp_rd16(p + l4 + 4);

		return ulen >= UDP_HLEN && l4 + ulen <= end && !udp_hooked(dp_rd16(p + l4 + 2));
	}
	if (proto == P_TCP) {
		uint32_t doff = (uint32_t)(p[l4 + 12] >> 4) << 2;

		return doff >= TCP_HLEN && l4 + doff <= end && l4 + doff <= seg;
	}
	return 0;
}

/* The flow hashes parse_ipv4() and parse_ipv6() compute, over the
 * protocol, the addresses and the ports (a tunnel's key follows). */
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

/* UDP to a registered port over IPv4 (no options, not a fragment) or IPv6
 * (no extension header), the datagram within the packet: the outer
 * headers straight-line, the payload the port's parser's (the same call
 * as parse_l4()'s). Every read of the caller's is below UDP_FAST_MIN or
 * UDP6_FAST_MIN, plus the tag. A drop is the general path's to find. */
static __rte_always_inline int
fast_udp_hooked(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash,
		const uint32_t tag, const bool v6, const uint32_t l2, const uint32_t l4, uint32_t end,
		uint32_t ports)
{
	const uint32_t t = l4 + UDP_HLEN;
	const uint8_t *ip = p + l2;
	uint32_t uend = l4 + dp_rd16(p + l4 + 4), h;
	int ok;

	ok = (v6 ? (ip[0] >> 4) == 6 && ip[6] == P_UDP :
		   (dp_rd32(ip - 2) >> 8) == 0x080045 && (dp_rd16(ip + 6) & IPV4_MF_OFF) == 0 && ip[9] == P_UDP) &&
	     end <= pkt && uend >= t && uend <= end && udp_hooked((uint16_t)ports);
	if (unlikely(!ok))
		return -1;
	fast_meta(md, p, (v6 ? DP_MF_IPV6 : DP_MF_IPV4) | DP_MF_L4, tag, l4, v6 ? ET_IPV6 : ET_IPV4, P_UDP,
		  v6 ? ip[7] : ip[8], ports, 0);
	if (unlikely(udp_hook_call(p, t, uend, seg, md, mb, (uint16_t)ports) != 0))
		return -1;
	if (want_hash) {
		h = v6 ? fast_hash6(ip, P_UDP, ports) : fast_hash4(ip, P_UDP, ports);
		/* a tunnel between two nodes is one 5-tuple: its key spreads it */
		md->hash = md->flags & DP_MF_TUN ? hash_u32(h, md->tun_key) : h;
	}
	return 0;
}

int
dp_parse_peek_key(const uint8_t *p, uint32_t seg, uint32_t pkt, const uint32_t *rss, uint32_t *key,
		  uint32_t *hash)
{
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t ports, dport, end, koff;
	int ko;

	/* untagged IPv4 without options, not a fragment, UDP whole, to a
	 * port whose key has a place; the key within the first segment */
	if (seg < UDP_FAST_MIN || (dp_rd32(ip - 2) >> 8) != 0x080045 || (dp_rd16(ip + 6) & IPV4_MF_OFF) != 0 ||
	    ip[9] != P_UDP)
		return -1;
	ports = dp_rd32(ip + IPV4_HLEN);
	dport = ports & 0xffff;
	end = ETH_HLEN + dp_rd16(ip + 2);
	if (!udp_hooked(dport) || (ko = udp_hook[UDP_SLOT(dport)].key_off) < 0 || end > pkt ||
	    (uint32_t)(ETH_HLEN + IPV4_HLEN) + dp_rd16(ip + IPV4_HLEN + 4) > end)
		return -1;
	koff = UDP_FAST_MIN + (uint32_t)ko;
	if (koff + 4 > seg || koff + 4 > end)
		return -1;
	*key = dp_rd32(p + koff);
	/* md->hash as the parse leaves it: the NIC's, else the outer flow's
	 * with the key folded in (fast_udp_hooked) */
	*hash = rss != NULL ? *rss : hash_u32(fast_hash4(ip, P_UDP, ports), *key);
	return 0;
}

/* The same for IPv6 (parse_fast6() left it: a registered port). */
static __rte_always_inline int
parse_fast_udp6(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash,
	       const uint32_t tag)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + IPV6_HLEN;

	return fast_udp_hooked(p, seg, pkt, md, mb, want_hash, tag, true, l2, l4, l4 + dp_rd16(p + l2 + 4),
			       dp_rd32(p + l4));
}

/* Straight-line path for IPv4 without options or fragmentation, untagged
 * (tag == 0) or with one 802.1Q tag (tag == VLAN_HLEN), carrying plain UDP
 * or TCP, or UDP to a registered port (its parser's, fast_udp_hooked()).
 * tag is a constant at each call so every read is at a fixed offset, all
 * below FAST_MIN even with the tag: every
 * minimum-size frame (60 bytes) qualifies. Returns 0 when it filled *md,
 * -1 when parse_general() must decide; for what it accepts parse_general()
 * reaches the same result (the unit tests and the fuzzer check that). So
 * do the others below. */
static __rte_always_inline int
parse_fast(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb,
	   int want_hash, const uint32_t tag)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + IPV4_HLEN;
	const uint8_t *ip = p + l2;
	uint32_t end = l2 + dp_rd16(ip + 2);
	uint32_t ports = dp_rd32(ip + IPV4_HLEN);
	uint8_t proto = ip[9];

	/* ethertype 0x0800, version 4, IHL 5; MF clear, offset 0; total
	 * length >= 20 follows from the L4 checks */
	if (unlikely(!((dp_rd32(ip - 2) >> 8) == 0x080045 && (dp_rd16(ip + 6) & IPV4_MF_OFF) == 0 && end <= pkt &&
		       fast_l4_ok(p, l4, end, seg, proto))))
		/* a registered UDP port's: its parser, on the outer headers
		 * read so far (not read again on the way to it) */
		return proto == P_UDP && seg >= UDP_FAST_MIN + tag ?
		       fast_udp_hooked(p, seg, pkt, md, mb, want_hash, tag, false, l2, l4, end, ports) : -1;
	fast_meta(md, p, DP_MF_IPV4 | DP_MF_L4, tag, l4, ET_IPV4, proto, ip[8], ports,
		  want_hash ? fast_hash4(ip, proto, ports) : 0);
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
	uint32_t end = l4 + dp_rd16(ip + 4);
	uint32_t ports = dp_rd32(ip + IPV6_HLEN);
	uint8_t nh = ip[6];

	if (unlikely(!((ip[0] >> 4) == 6 && end <= pkt && fast_l4_ok(p, l4, end, seg, nh))))
		return -1;
	fast_meta(md, p, DP_MF_IPV6 | DP_MF_L4, tag, l4, ET_IPV6, nh, ip[7], ports,
		  want_hash ? fast_hash6(ip, nh, ports) : 0);
	return 0;
}

/* The other straight-line paths, by the ethertype after tag bytes of tag
 * (parse(): untagged IPv4 was tried first). */
static __rte_always_inline int
parse_fast_rest(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash,
		const uint32_t tag)
{
	uint16_t et = dp_rd16(p + 12 + tag);

	if (et == ET_IPV4)
		/* parse_fast() takes a registered UDP port's too */
		return tag != 0 && parse_fast(p, seg, pkt, md, mb, want_hash, tag) == 0 ? 0 : -1;
	if (et == ET_IPV6 && seg >= FAST6_MIN)
		return parse_fast6(p, seg, pkt, md, want_hash, tag) == 0 ||
		       (seg >= UDP6_FAST_MIN + tag && parse_fast_udp6(p, seg, pkt, md, mb, want_hash, tag) == 0) ?
		       0 : -1;
	return -1;
}

static __rte_always_inline unsigned int
parse(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb,
      int want_hash)
{
	if (likely(seg >= FAST_MIN)) {
		/* No ethertype test for the untagged case: parse_fast()
		 * checks 0x0800 at the same time as version and IHL. */
		if (likely(parse_fast(p, seg, pkt, md, mb, want_hash, 0) == 0) ||
		    parse_fast_rest(p, seg, pkt, md, mb, want_hash, 0) == 0 ||
		    (dp_rd16(p + 12) == ET_VLAN && parse_fast_rest(p, seg, pkt, md, mb, want_hash, VLAN_HLEN) == 0))
			return 0;
	}
	return parse_general(p, seg, pkt, md, mb, want_hash);
}

unsigned int
dp_parse_pkt_m(const uint8_t *data, uint32_t len, struct dp_meta *md, struct rte_mbuf *m)
{
	return parse(data, len, len, md, (uint8_t *)m, 1);
}

unsigned int
dp_parse_mbuf(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	uint32_t pkt = rte_pktmbuf_pkt_len(m);
	/* a broken pkt_len must not let us read past the segment */
	uint32_t seg = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), pkt);
	int rss = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0;
	unsigned int r = parse(rte_pktmbuf_mtod(m, const uint8_t *), seg, pkt, md, (uint8_t *)m, !rss);

	if (rss)
		md->hash = m->hash.rss;
	return r;
}

#ifdef DP_PARSE_TEST_HOOKS
/* The general path alone, so tests can check the fast path against it. */
unsigned int dp_parse_pkt_general_m(const uint8_t *data, uint32_t len,
				    struct dp_meta *md, struct rte_mbuf *m);

unsigned int
dp_parse_pkt_general_m(const uint8_t *data, uint32_t len, struct dp_meta *md, struct rte_mbuf *m)
{
	return parse_general(data, len, len, md, (uint8_t *)m, 1);
}
#endif


/* Far enough ahead to hide a miss behind a couple of parses, near enough
 * that the line is still there when we get to it. */
#define PARSE_PREFETCH 2

/* The burst loop every implementation shares; ONE(p, seg, pkt, md, mb, want_hash)
 * is its straight-line path for the common frames (0: *md filled; mb the mbuf), tried
 * first, ALL the parser for what it leaves: parse() (the scalar
 * straight-line paths, then parse_general()). A macro, not an inline function: the vector ONEs
 * carry their own target() and inline only into a function that has it. */
#define BURST_LOOP(ONE, ALL)								\
	do {									\
		uint16_t i_, ok_ = 0;						\
										\
		for (i_ = 0; i_ < n && i_ < PARSE_PREFETCH; i_++) {		\
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i_], void *));	\
			rte_prefetch0(dp_meta(pkts[i_]));			\
		}								\
		for (i_ = 0; i_ < n; i_++) {					\
			struct rte_mbuf *m_ = pkts[i_];				\
			struct dp_meta *md_ = dp_meta(m_);			\
			const uint8_t *p_ = rte_pktmbuf_mtod(m_, const uint8_t *); \
			uint32_t pkt_ = rte_pktmbuf_pkt_len(m_);		\
			/* a broken pkt_len must not let us read past the segment */ \
			uint32_t seg_ = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m_), pkt_); \
			int rss_ = (m_->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0; \
			unsigned int r_ = 0;					\
										\
			if (i_ + PARSE_PREFETCH < n) {				\
				struct rte_mbuf *nm_ = pkts[i_ + PARSE_PREFETCH]; \
										\
				rte_prefetch0(rte_pktmbuf_mtod(nm_, void *));	\
				rte_prefetch0(dp_meta(nm_));			\
			}							\
			if (unlikely(ONE(p_, seg_, pkt_, md_, (uint8_t *)m_, !rss_) != 0))	\
				r_ = ALL(p_, seg_, pkt_, md_, (uint8_t *)m_, !rss_); \
			if (rss_)						\
				md_->hash = m_->hash.rss;			\
			next[i_] = r_ == 0 ? DP_NEXT_CONTINUE : DP_NEXT_DROP(r_); \
			ok_ += r_ == 0;						\
		}							\
		return ok_;							\
	} while (0)

/* No straight-line path of the loop's own: general (parse_general() for
 * every packet, the reference the others are checked against in
 * tests/unit/test_autoval.c) and scalar (parse() has its own). */
static __rte_always_inline int
one_none(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash)
{
	RTE_SET_USED(p), RTE_SET_USED(seg), RTE_SET_USED(pkt), RTE_SET_USED(md), RTE_SET_USED(mb);
	RTE_SET_USED(want_hash);
	return -1;
}

static uint16_t
burst_general(struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	BURST_LOOP(one_none, parse_general);
}

/* The scalar straight-line paths (parse()) first, as they stand. */
static uint16_t
burst_scalar(struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	BURST_LOOP(one_none, parse);
}

#if defined(RTE_ARCH_X86_64) && defined(__GNUC__)
#define HAVE_VEC 1
#include <immintrin.h>
#include <rte_cpuflags.h>
#include <rte_vect.h>

/* What the vector paths vouch for is what parse_fast() takes without a
 * registered UDP port: Ethernet, at most one 802.1Q tag, IPv4 with IHL 5,
 * not a fragment, plain UDP or TCP, whole within the packet. The fixed
 * bytes of those two shapes (ethertypes, version and IHL, the MF flag and
 * fragment offset) are one compare of the frame's first 32 bytes against a
 * template; the rest (lengths, the UDP port's registration) are
 * fast_l4_ok()'s, the parser's own. The metadata is built in registers
 * and stored in two or three wide moves, not field by field. */
struct vec_shape {
	uint8_t and_[32], tpl[32];   /* (frame & and_) == tpl on the fixed bytes */
	uint32_t care;               /* which of the 32 bytes are fixed */
};

static const struct vec_shape vec_shape[2] __rte_aligned(32) = {
	{	/* untagged: ethertype 12-13, version/IHL 14, flags/offset 20-21 */
		.and_ = { [12] = 0xff, [13] = 0xff, [14] = 0xff, [20] = 0x3f, [21] = 0xff },
		.tpl = { [12] = 0x08, [13] = 0x00, [14] = 0x45 },
		.care = 1u << 12 | 1u << 13 | 1u << 14 | 1u << 20 | 1u << 21,
	},
	{	/* one 802.1Q tag: TPID 12-13, ethertype 16-17, IP from 18 */
		.and_ = { [12] = 0xff, [13] = 0xff, [16] = 0xff, [17] = 0xff, [18] = 0xff, [24] = 0x3f,
			  [25] = 0xff },
		.tpl = { [12] = 0x81, [13] = 0x00, [16] = 0x08, [17] = 0x00, [18] = 0x45 },
		.care = 1u << 12 | 1u << 13 | 1u << 16 | 1u << 17 | 1u << 18 | 1u << 24 | 1u << 25,
	},
};

/* dp_meta bytes 0-15 of a shape (flags, slice, l2_len, l3_off, l4_off,
 * ethertype; in_port, bytes 4-5, is the worker's and kept). */
static const uint16_t vec_lo[2][8] __rte_aligned(16) = {
	{ DP_MF_IPV4 | DP_MF_L4, 0, 0, 0, ETH_HLEN, ETH_HLEN, ETH_HLEN + IPV4_HLEN, ET_IPV4 },
	{ DP_MF_IPV4 | DP_MF_L4 | DP_MF_VLAN, 0, 0, 0, ETH_HLEN + VLAN_HLEN, ETH_HLEN + VLAN_HLEN,
	  ETH_HLEN + VLAN_HLEN + IPV4_HLEN, ET_IPV4 },
};
_Static_assert(DP_MF_IPV4 + DP_MF_L4 + DP_MF_VLAN < 0x10000, "vec_lo holds the flags in 16 bits");
_Static_assert(offsetof(struct dp_meta, in_port) == 4 && offsetof(struct dp_meta, vlan) == 16 &&
	       offsetof(struct dp_meta, l4_proto) == 20 && offsetof(struct dp_meta, ttl) == 21 &&
	       offsetof(struct dp_meta, sport) == 22 && offsetof(struct dp_meta, dport) == 24 &&
	       offsetof(struct dp_meta, hash) == 32, "the vector paths' dp_meta layout");

/* The rest of a vetted frame: proto, lengths, UDP port; then the hash.
 * 0: the caller stores *md; 1: a registered UDP port's parser took it
 * (fast_udp_hooked(), *md done); -1: parse()'s. */
static __rte_always_inline int
vec_rest(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, uint32_t tag,
	 int want_hash, uint32_t *h)
{
	const uint32_t l2 = ETH_HLEN + tag, l4 = l2 + IPV4_HLEN;
	const uint8_t *ip = p + l2;
	uint32_t end = l2 + dp_rd16(ip + 2), ports = dp_rd32(ip + IPV4_HLEN);

	if (unlikely(!(end <= pkt && fast_l4_ok(p, l4, end, seg, ip[9]))))
		/* a tunnel's outer headers: the same call as parse_fast()'s */
		return ip[9] == P_UDP && tag == 0 &&
		       fast_udp_hooked(p, seg, pkt, md, mb, want_hash, 0, false, l2, l4, end, ports) == 0 ? 1 : -1;
	*h = want_hash ? fast_hash4(ip, ip[9], ports) : 0;
	return 0;
}

#define T_AVX2 __attribute__((target("avx2")))

/* AVX2: the template compare over 32 bytes, the metadata's bytes 16-31
 * (TCI, protocol, TTL, ports) one byte shuffle of the 16 bytes from the
 * TTL on. */
static T_AVX2 __rte_always_inline int
one_avx2(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash)
{
	/* meta 16-31 from ip[8..23]: 20 proto (1), 21 ttl (0), 22-23 sport
	 * (13, 12), 24-25 dport (15, 14); -1 clears */
	const __m128i shuf = _mm_setr_epi8(-1, -1, -1, -1, 1, 0, 13, 12, 15, 14, -1, -1, -1, -1, -1, -1);
	__m256i a;
	uint32_t eq, tag, h;
	__m128i lo, hi;
	int r;

	if (unlikely(seg < FAST_MIN))
		return -1;
	a = _mm256_loadu_si256((const __m256i *)p);
	eq = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		_mm256_and_si256(a, _mm256_load_si256((const __m256i *)vec_shape[0].and_)),
		_mm256_load_si256((const __m256i *)vec_shape[0].tpl)));
	if (likely((eq & vec_shape[0].care) == vec_shape[0].care)) {
		tag = 0;
	} else {
		eq = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
			_mm256_and_si256(a, _mm256_load_si256((const __m256i *)vec_shape[1].and_)),
			_mm256_load_si256((const __m256i *)vec_shape[1].tpl)));
		if ((eq & vec_shape[1].care) != vec_shape[1].care || seg < FAST_MIN + VLAN_HLEN)
			return -1;
		tag = VLAN_HLEN;
	}
	if (unlikely((r = vec_rest(p, seg, pkt, md, mb, tag, want_hash, &h)) != 0))
		return r > 0 ? 0 : -1;
	lo = _mm_insert_epi16(_mm_load_si128((const __m128i *)vec_lo[tag != 0]), md->in_port, 2);
	hi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + ETH_HLEN + tag + 8)), shuf);
	if (tag)
		hi = _mm_insert_epi16(hi, dp_rd16(p + ETH_HLEN), 0);
	_mm_storeu_si128((__m128i *)md, lo);
	_mm_storeu_si128((__m128i *)md + 1, hi);
	_mm_storeu_si128((__m128i *)md + 2, _mm_cvtsi32_si128((int)h));
	return 0;
}

static T_AVX2 uint16_t
burst_avx2(struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	BURST_LOOP(one_avx2, parse);
}

#define T_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* meta 0-31 by a two-source byte permute of the frame's bytes 0-63: per
 * shape, the source byte of each (zero where vec_pmask is clear) */
static const uint8_t vec_pidx[2][32] __rte_aligned(32) = {
	{ [20] = 23, [21] = 22, [22] = 35, [23] = 34, [24] = 37, [25] = 36 },
	{ [16] = 15, [17] = 14, [20] = 27, [21] = 26, [22] = 39, [23] = 38, [24] = 41, [25] = 40 },
};
static const uint32_t vec_pmask[2] = { 0x3f00000, 0x3f30000 };

/* AVX-512 (BW, VL, VBMI) at 256 bits, what DPDK's default SIMD width
 * allows: the frame's first 64 bytes in two masked loads (nothing past the
 * segment is read, so no room after the frame is assumed), the shape's
 * template compared into a mask, and the metadata's first 32 bytes one
 * two-source byte permute (vpermi2b) of the frame, OR the shape's
 * constants, the worker's in_port merged in. */
static T_AVX512 __rte_always_inline int
one_avx512(const uint8_t *p, uint32_t seg, uint32_t pkt, struct dp_meta *md, uint8_t *mb, int want_hash)
{
	__m256i a, b, m;
	uint32_t tag, h;
	__mmask32 kb;
	int r;

	if (unlikely(seg < FAST_MIN))
		return -1;
	a = _mm256_loadu_si256((const __m256i *)p);
	if (likely(_mm256_mask_cmpneq_epi8_mask(vec_shape[0].care,
			_mm256_and_si256(a, _mm256_load_si256((const __m256i *)vec_shape[0].and_)),
			_mm256_load_si256((const __m256i *)vec_shape[0].tpl)) == 0)) {
		tag = 0;
	} else {
		if (_mm256_mask_cmpneq_epi8_mask(vec_shape[1].care,
				_mm256_and_si256(a, _mm256_load_si256((const __m256i *)vec_shape[1].and_)),
				_mm256_load_si256((const __m256i *)vec_shape[1].tpl)) != 0 ||
		    seg < FAST_MIN + VLAN_HLEN)
			return -1;
		tag = VLAN_HLEN;
	}
	if (unlikely((r = vec_rest(p, seg, pkt, md, mb, tag, want_hash, &h)) != 0))
		return r > 0 ? 0 : -1;
	/* bytes 32 up to the segment's end (seg >= 54 here) */
	kb = seg >= 64 ? (__mmask32)~0u : (__mmask32)((1u << (seg - 32)) - 1);
	b = _mm256_maskz_loadu_epi8(kb, p + 32);
	m = _mm256_maskz_permutex2var_epi8(vec_pmask[tag != 0], a,
					   _mm256_load_si256((const __m256i *)vec_pidx[tag != 0]), b);
	/* in_port as the worker set it: a scalar load, which its store
	 * forwards to (a wide load over a narrow store would wait for it) */
	m = _mm256_or_si256(m, _mm256_zextsi128_si256(_mm_insert_epi16(
		_mm_load_si128((const __m128i *)vec_lo[tag != 0]), md->in_port, 2)));
	_mm256_storeu_si256((__m256i *)md, m);
	_mm_storeu_si128((__m128i *)md + 2, _mm_cvtsi32_si128((int)h));
	return 0;
}

static T_AVX512 uint16_t
burst_avx512(struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	BURST_LOOP(one_avx512, parse);
}
#endif

typedef uint16_t (*burst_fn)(struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

static const struct {
	const char *name;
	burst_fn fn;
} impls[DP_PARSE_IMPLS] = {
	[DP_PARSE_GENERAL] = { "general", burst_general },
	[DP_PARSE_SCALAR] = { "scalar", burst_scalar },
#ifdef HAVE_VEC
	[DP_PARSE_AVX2] = { "avx2", burst_avx2 },
	[DP_PARSE_AVX512] = { "avx512", burst_avx512 },
#else
	[DP_PARSE_AVX2] = { "avx2", NULL },
	[DP_PARSE_AVX512] = { "avx512", NULL },
#endif
};

const char *
dp_parse_impl_name(unsigned int impl)
{
	return impl < DP_PARSE_IMPLS ? impls[impl].name : NULL;
}

bool
dp_parse_impl_usable(unsigned int impl)
{
	if (impl >= DP_PARSE_IMPLS || impls[impl].fn == NULL)
		return false;
#ifdef HAVE_VEC
	/* 0 before the EAL read its options (unit tests): no limit set */
	uint16_t width = rte_vect_get_max_simd_bitwidth();

	if (impl == DP_PARSE_AVX2)
		return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0 && (width == 0 || width >= 256);
	if (impl == DP_PARSE_AVX512)
		return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
		       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0 &&
		       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0 &&
		       rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VBMI) > 0 && (width == 0 || width >= 256);
#endif
	return true;
}

/* The implementation dp_parse_burst() runs, chosen on its first call
 * (on a worker, after the EAL read --force-max-simd-bitwidth) unless set. */
static uint16_t burst_resolve(struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
static burst_fn burst_cur = burst_resolve;
static int impl_cur = -1;

/* The default: measured (issue 35, 2-vCPU EPYC VM), the vector paths do
 * not pay over scalar's: parse_bench bursts of 32 UDP frames scalar 14.5,
 * avx2 13.8, avx512 16.4 cycles/packet, G-PDUs 28.7 / 31.0 / 30.8; the
 * l3_routed rx node in alternating runs scalar 67.3, 65.0, avx2 62.8,
 * 69.7, avx512 70.5, 69.8. They stay selectable (SXDP_PARSE) and
 * checked by the autovalidator until a quieter measurement decides. */
static const unsigned int impl_pref[] = { DP_PARSE_SCALAR };

int
dp_parse_impl_set(int impl)
{
	const char *env = getenv("SXDP_PARSE");

	if (impl < 0 && env != NULL) {
		/* an A/B of one binary (bench/README.md): a name, if usable */
		for (unsigned int i = 0; i < DP_PARSE_IMPLS; i++)
			if (strcmp(env, impls[i].name) == 0 && dp_parse_impl_usable(i))
				impl = (int)i;
	}
	if (impl < 0) {
		for (unsigned int i = 0; i < RTE_DIM(impl_pref); i++)
			if (dp_parse_impl_usable(impl_pref[i])) {
				impl = (int)impl_pref[i];
				break;
			}
	} else if (!dp_parse_impl_usable((unsigned int)impl)) {
		return -ENOTSUP;
	}
	impl_cur = impl;
	__atomic_store_n(&burst_cur, impls[impl].fn, __ATOMIC_RELAXED);
	return 0;
}

int
dp_parse_impl_get(void)
{
	if (impl_cur < 0)
		dp_parse_impl_set(-1);
	return impl_cur;
}

/* Two workers may both get here first: both pick the same. */
static uint16_t
burst_resolve(struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	dp_parse_impl_get();
	return burst_cur(pkts, n, next);
}

uint16_t
dp_parse_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
	       uint16_t *next)
{
	RTE_SET_USED(ctx);
	return __atomic_load_n(&burst_cur, __ATOMIC_RELAXED)(pkts, n, next);
}
