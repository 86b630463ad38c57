/* Packet parser: fills struct dp_meta once per packet, bounded by the data
 * actually present. Malformed input yields a named drop reason. */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdint.h>
#include <rte_common.h>
#include "dp_meta.h"
#include "dp_feature.h"

#define DP_PARSE_IPV6_EXT_MAX 8  /* extension headers walked before giving up */

/* Parse len bytes at data into *md (all fields reset first; in_port is kept).
 * Returns 0 (DP_DROP_NONE) when the packet may be forwarded, or the
 * enum dp_drop reason when it is malformed. Never reads past data + len.
 * Needs no EAL: unit tests and the fuzzer call it on plain buffers. */
unsigned int dp_parse_pkt(const uint8_t *data, uint32_t len, struct dp_meta *md);

/* Stage form: parses pkts[i] (first segment), sets md->in_port from
 * m->port mapped by the caller beforehand, next[i] = DP_NEXT_CONTINUE or a
 * DP_NEXT_DROP(reason). Returns the number of packets left to continue. */
uint16_t dp_parse_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			uint16_t *next);

/* Is the IPv4 header's checksum right? The header must be whole in memory
 * (the parser vouched for IHL). Sums 32-bit words and folds once, where
 * rte_raw_cksum adds 16 bits at a time: a ones' complement sum is the same
 * whatever the word size, and all ones is all ones in either byte order. */
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

#endif
