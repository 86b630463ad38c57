/* What a ternary (rte_acl) table's rules look at (dp_tcare.c), so that a
 * memo of its lookups (dp_memo.c) keys on that and nothing more: the key
 * bits some rule masks in, and for a range field the boundaries of the
 * rules' ranges. Two keys equal under the mask whose range fields fall
 * between the same two boundaries meet the same rules: a site's thousands
 * of RTP flows, each with its own port inside one range, are one memo
 * slot, not thousands (the care mask alone keeps every bit of a ranged
 * port). Built on the control side with the rules; read by workers as a
 * seqlock's data (dp_table_care). */
#ifndef DP_TCARE_H
#define DP_TCARE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "dp_ttypes.h"

#define DP_TCARE_RANGES 4      /* range chunks a key reduces; more keep their value */
#define DP_TCARE_BOUNDS 256    /* boundaries a range chunk holds; more keep its value */

/* One range chunk (rte_acl's: 1, 2 or 4 bytes at off, big-endian): its
 * boundaries ascending, each a rule's first value or one past its last;
 * a value reduces to how many are <= it. */
struct dp_tcare_range {
	uint8_t off, size;
	uint16_t n;
	uint32_t b[DP_TCARE_BOUNDS];
};

struct dp_tcare {
	uint8_t mask[DP_KEY_MAX];
	uint32_t n_ranges;
	struct dp_tcare_range range[DP_TCARE_RANGES];
};

/* ---- control side: building ---- */
/* c empty: no rule looks at anything. */
void dp_tcare_init(struct dp_tcare *c);
/* One rule's chunk (cs bytes at off) of a field of kind match, as rte_acl
 * reads it: value v and mask_range m (a range's last value; an lpm's
 * prefix bits in the chunk; a ternary's mask). */
void dp_tcare_add(struct dp_tcare *c, enum dp_match_kind match, unsigned int off, unsigned int cs, uint32_t v,
		  uint32_t m);
/* After the last dp_tcare_add: a range chunk past DP_TCARE_BOUNDS or
 * DP_TCARE_RANGES keeps its value (its mask is whole). */
void dp_tcare_done(struct dp_tcare *c);
/* out: what keys either a or b sees look at (a lookup may meet either
 * rule set while a write is published); out may be a or b. */
void dp_tcare_union(struct dp_tcare *out, const struct dp_tcare *a, const struct dp_tcare *b);

/* ---- worker side: a memo's key ---- */
/* How many of b[0..n) (ascending) are <= v; no branch on v (a key's
 * port is as random as its flow). */
static inline unsigned int
dp_tcare_rank(const uint32_t *b, unsigned int n, uint32_t v)
{
	const uint32_t *at = b;

	if (n == 0)
		return 0;
	while (n > 1) {
		unsigned int half = n / 2;

		at += (at[half - 1] <= v) * half;
		n -= half;
	}
	return (unsigned int)(at - b) + (*at <= v);
}

/* An rte_acl key chunk's value (cs bytes, big-endian: 1, 2 or 4), and
 * one written. */
static inline uint32_t
dp_tcare_chunk_get(const uint8_t *q, unsigned int cs)
{
	uint16_t v16;
	uint32_t v32;

	switch (cs) {
	case 1:
		return q[0];
	case 2:
		memcpy(&v16, q, 2);
		return rte_be_to_cpu_16(v16);
	default:
		memcpy(&v32, q, 4);
		return rte_be_to_cpu_32(v32);
	}
}

static inline void
dp_tcare_chunk_put(uint8_t *q, unsigned int cs, uint32_t v)
{
	uint16_t v16;
	uint32_t v32;

	switch (cs) {
	case 1:
		q[0] = (uint8_t)v;
		break;
	case 2:
		v16 = rte_cpu_to_be_16((uint16_t)v);
		memcpy(q, &v16, 2);
		break;
	default:
		v32 = rte_cpu_to_be_32(v);
		memcpy(q, &v32, 4);
		break;
	}
}

/* p (len bytes): key k as c's rules see it. c may be read while it is
 * written (the caller checks the seqlock after): every index stays in
 * bounds whatever it reads. Key by key: a burst's searches in step cost
 * more than they overlapped (overlay.encap's memo 11 -> 13 % of the
 * worker), the out-of-order core overlaps these already. */
static inline void
dp_tcare_key(const struct dp_tcare *c, uint8_t *p, const uint8_t *k, unsigned int len)
{
	unsigned int i = 0, nr = RTE_MIN(c->n_ranges, (uint32_t)DP_TCARE_RANGES);
	uint64_t x, y;

	len = RTE_MIN(len, (unsigned int)DP_KEY_MAX);
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, k + i, 8);
		memcpy(&y, c->mask + i, 8);
		x &= y;
		memcpy(p + i, &x, 8);
	}
	for (; i < len; i++)
		p[i] = k[i] & c->mask[i];
	for (unsigned int r = 0; r < nr; r++) {
		const struct dp_tcare_range *g = &c->range[r];
		unsigned int off = g->off, cs = g->size, n = RTE_MIN(g->n, (uint16_t)DP_TCARE_BOUNDS);

		if ((cs != 1 && cs != 2 && cs != 4) || off + cs > len)
			continue;
		/* the value from k, not from p's fresh wide stores */
		dp_tcare_chunk_put(p + off, cs, dp_tcare_rank(g->b, n, dp_tcare_chunk_get(k + off, cs)));
	}
}

#endif
