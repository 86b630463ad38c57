/* Packet parser: fills struct dp_meta once per packet, bounded by the data
 * actually present. Malformed input yields a named drop reason. With it,
 * the IPv4 header checksum check and header words the stages share, and
 * the registry of UDP ports whose payload a feature parses (VPP's
 * udp_register_dst_port): the core parser names no encapsulation. */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include "dp_meta.h"
#include "dp_drop.h"
#include "dp_stage.h"

#define DP_PARSE_IPV6_EXT_MAX 8  /* extension headers walked before giving up */

/* Parse len bytes at data into *md (all fields reset first; in_port is kept).
 * Returns 0 (DP_DROP_NONE) when the packet may be forwarded, or the
 * enum dp_drop reason when it is malformed. Never reads past data + len.
 * Needs no EAL: unit tests and the fuzzer call it on plain buffers. A
 * registered UDP parser writes its fields at its offset from m (a real
 * mbuf, or any buffer of sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE). */
unsigned int dp_parse_pkt_m(const uint8_t *data, uint32_t len, struct dp_meta *md, struct rte_mbuf *m);

/* A UDP port's payload parser, called for a datagram to its port (not a
 * fragment) whose UDP header is whole: the payload is p[t, uend), of which
 * p[0, seg) may be read. It either takes the payload (sets DP_MF_TUN in
 * md->flags, md->tun_key, and its feature's own fields at fm: the feature
 * reads those only under DP_MF_TUN with its port in md->dport) or leaves it
 * plain UDP (changes nothing in md). Returns 0 or a parse drop reason
 * (DP_DROP_parse_multiseg for a header the first segment cuts), as the
 * parser's own headers. Called from the fast and the general path alike, so
 * their results stay one. */
typedef unsigned int (*dp_parse_udp_fn)(const uint8_t *p, uint32_t t, uint32_t uend, uint32_t seg,
					struct dp_meta *md, void *fm);

#define DP_PARSE_UDP_SLOTS 64   /* ports are kept by their low 6 bits: two alike conflict */

/* Register fn for UDP destination port (a feature's init, before the
 * workers run; fm is field_off bytes into the mbuf: its field from
 * dp_meta_field_claim() or its rte_mbuf dynamic field).
 * 0, -EEXIST when another parser has the port or one alike, -EINVAL. */
int dp_parse_udp_register(uint16_t port, dp_parse_udp_fn fn, int field_off);
/* The 32 bits at key_off in port's payload are the key its parser gives
 * a datagram it takes (dp_meta.tun_key: GTP-U's TEID at 4), so software
 * RSS can spread its datagrams before any parse (dp_parse_peek_key). A
 * registered port's (init); 0 or -EINVAL. */
int dp_parse_udp_key(uint16_t port, int key_off);
/* What software RSS spreads the frame at p (seg bytes of its pkt in the
 * first segment; rss: the NIC's hash, NULL for none) on, read from its
 * headers without a parse: where it is untagged IPv4 without options, a
 * whole UDP datagram to a port with a key place (dp_parse_udp_key), the
 * key and the flow hash the parse would leave in dp_meta when its parser
 * takes it (0); -1 for any other frame (parse it first). */
int dp_parse_peek_key(const uint8_t *p, uint32_t seg, uint32_t pkt, const uint32_t *rss, uint32_t *key,
		      uint32_t *hash);
/* Its feature's fini: the port is plain UDP again. */
void dp_parse_udp_unregister(uint16_t port);

/* One received packet m parsed as dp_parse_burst parses each (its
 * dp_meta's in_port kept; the NIC's RSS hash, if it gave one, as the flow
 * hash): 0 or the drop reason. */
unsigned int dp_parse_mbuf(struct rte_mbuf *m);

/* Stage form: parses pkts[i] (first segment), sets md->in_port from
 * m->port mapped by the caller beforehand, next[i] = DP_NEXT_CONTINUE or a
 * DP_NEXT_DROP(reason). Returns the number of packets left to continue. */
uint16_t dp_parse_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			uint16_t *next);

/* dp_parse_burst's implementations. Each takes the common frames its own
 * way and leaves every other packet to the next: general is the whole
 * parser for every packet (the reference); scalar its straight-line paths
 * first (IPv4/IPv6 UDP/TCP, one tag, a registered UDP port's); avx2 and
 * avx512 (BW, VL, VBMI at 256 bits) a vector path for untagged or one-tag
 * IPv4 UDP/TCP before scalar's. All give the same next[] and the same
 * metadata bytes (tests/unit/test_autoval.c checks it). */
enum dp_parse_impl { DP_PARSE_GENERAL, DP_PARSE_SCALAR, DP_PARSE_AVX2, DP_PARSE_AVX512, DP_PARSE_IMPLS };
const char *dp_parse_impl_name(unsigned int impl);
/* Built, the CPU has it, and the EAL's SIMD width allows it. */
bool dp_parse_impl_usable(unsigned int impl);
/* Run impl from now on (-1: the one the environment's SXDP_PARSE names if
 * usable, else the best usable: what the first burst chooses by itself). Before the workers run, or in tests. 0, -ENOTSUP. */
int dp_parse_impl_set(int impl);
/* The one in use (chosen now if none yet). */
int dp_parse_impl_get(void);

/* Is the IPv4 header's checksum right? The header must be whole in memory
 * (the parser vouched for IHL). Sums 32-bit words and folds once, where
 * rte_raw_cksum adds 16 bits at a time: a ones' complement sum is the same
 * whatever the word size, and all ones is all ones in either byte order. */
/* Big-endian 16 and 32 bits at @p, wherever it is aligned: what a
 * parser (the core's, a UDP port's hook) reads headers with. */
static inline uint16_t
dp_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
dp_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline int
dp_ipv4_cksum_ok(const void *hdr)
{
	const unaligned_uint32_t *w = (const unaligned_uint32_t *)hdr;
	unsigned int ihl = *(const uint8_t *)hdr & 0xf;
	uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];

	for (unsigned int i = 5; i < ihl; i++)	/* options: rare */
		s += w[i];
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* The checksum to store in IPv4 header hdr (rte_ipv4_cksum's value), its
 * checksum field counted as 0 whatever it holds. A header of 20 bytes
 * is summed in nine 16-bit loads: rte_ipv4_cksum loops over a length it
 * reads first (~30 cycles a packet on the ESP seal's path), and loads as
 * wide as the stores that just wrote the fields (a library's copy of a
 * template, then one field at a time) are forwarded from them, where a
 * wider one waits for them all. A header with options is rare: summed
 * whole, the checksum field's own value taken back out. */
static inline uint16_t
dp_ipv4_cksum(const void *hdr)
{
	const unaligned_uint16_t *w = (const unaligned_uint16_t *)hdr;
	unsigned int ihl = *(const uint8_t *)hdr & 0xf;
	uint32_t s;

	if (likely(ihl == 5))
		s = (uint32_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[6] + w[7] + w[8] + w[9];
	else
		s = __rte_raw_cksum(hdr, ihl * 4u, 0) + (uint16_t)~w[5];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 header of 20 bytes, no options, DF and ID 0 (an atomic datagram:
 * RFC 6864), checksum included, as the words it lies in memory as (little
 * endian hosts): bytes 0-7 in *w0, 8-15 in *w1 (the destination, bytes
 * 16-19, is dst as it is). For encapsulations that store their outer
 * headers in a few wide moves: a wide read of fields just stored one by
 * one waits for every store (a failed store-to-load forward), and so
 * would a checksum read back from them. */
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "dp_ipv4_words composes the header in little-endian words"
#endif
static inline void
dp_ipv4_words(uint8_t tos, uint16_t total_len, uint8_t ttl, uint8_t proto, rte_be32_t src, rte_be32_t dst,
	      uint64_t *w0, uint64_t *w1)
{
	uint64_t a = RTE_IPV4_VHL_DEF | (uint64_t)tos << 8 | (uint64_t)rte_cpu_to_be_16(total_len) << 16 |
		     (uint64_t)rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) << 48;
	uint64_t b = ttl | (uint64_t)proto << 8 | (uint64_t)src << 32;
	uint64_t s = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + dst;

	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*w0 = a;
	*w1 = b | (uint64_t)(uint16_t)~s << 16;
}

#endif
