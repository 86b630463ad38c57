/* ov_replay: an inbound SA's anti-replay window (RFC 4303 3.4.3 and A2, RFC 6479's bitmap), kept beside rte_ipsec's own. */
/*
 * Why our own: DPDK 22.11's rte_ipsec never records a sequence number whose
 * value mod 64 is 32..63 (esn_inb_update_sqn shifts a 64-bit one into a
 * 32-bit variable), so half of all numbers can be replayed inside the
 * window again and again; and a window of a power of two from 128 up has
 * no spare 64-bit block. The library still decrypts and checks the ICV;
 * this window decides what is fresh: asked before the packet is opened
 * (a replay costs no decryption), told after the ICV verified (a forged
 * packet moves nothing). It reconstructs the 64-bit number as the library
 * does (RFC 4303 A2.1), with the same window size, so both read a packet's
 * number alike.
 *
 * A WireGuard session's window is the same over its 64-bit counter (plus
 * one: its first is 0).
 *
 * One writer: the worker that opens the SA's packets.
 */
#ifndef OV_REPLAY_H
#define OV_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define OV_REPLAY_BUCKETS 128	/* 64-bit blocks: windows up to 64 * 126 packets */

struct ov_replay {
	uint64_t top;		/* the highest number taken (0: none yet) */
	uint32_t win;		/* packets behind top still taken once */
	uint32_t mask;		/* blocks in use - 1 (a power of two) */
	bool esn;
	uint64_t block[OV_REPLAY_BUCKETS];
};

/* A window of @win packets (with ESN at least 64), nothing seen: 0, or
 * -EINVAL (too large). */
int ov_replay_init(struct ov_replay *r, uint32_t win, bool esn);
/* The window of @r restored at @top, every number up to it taken (what a
 * window had taken before is unknown: none of it is taken again). */
void ov_replay_restore(struct ov_replay *r, uint64_t top);

/* The 64-bit sequence number a packet's low 32 bits @low stand for
 * (without ESN, @low itself). */
static inline uint64_t
ov_replay_sqn(const struct ov_replay *r, uint32_t low)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32), bottom = tl - r->win + 1;

	if (!r->esn)
		return low;
	if (tl >= r->win - 1)		/* the window is within one 2^32 subspace */
		th += low < bottom;
	else if (th != 0)		/* it spans two */
		th -= low >= bottom;
	return (uint64_t)th << 32 | low;
}

/* May the packet whose full number is @q be opened: not 0, not left of
 * the window, not seen? */
static inline bool
ov_replay_fresh_q(const struct ov_replay *r, uint64_t q)
{
	if (q == 0)
		return false;
	if (q > r->top)
		return true;
	if (q + r->win < r->top)
		return false;
	return !(r->block[(q >> 6) & r->mask] >> (q & 63) & 1);
}

/* The packet numbered @q verified: taken (true), or seen meanwhile (false). */
static inline bool
ov_replay_take_q(struct ov_replay *r, uint64_t q)
{
	if (!ov_replay_fresh_q(r, q))
		return false;
	if (q > r->top) {
		/* the blocks the window slides past are emptied */
		uint64_t d = (q >> 6) - (r->top >> 6);

		if (d > (uint64_t)r->mask + 1)
			d = (uint64_t)r->mask + 1;
		for (uint64_t i = 1; i <= d; i++)
			r->block[((r->top >> 6) + i) & r->mask] = 0;
		r->top = q;
	}
	r->block[(q >> 6) & r->mask] |= UINT64_C(1) << (q & 63);
	return true;
}

/* The same of an ESP packet numbered @low (its low 32 bits with ESN). */
static inline bool
ov_replay_fresh(const struct ov_replay *r, uint32_t low)
{
	return ov_replay_fresh_q(r, ov_replay_sqn(r, low));
}

static inline bool
ov_replay_take(struct ov_replay *r, uint32_t low)
{
	return ov_replay_take_q(r, ov_replay_sqn(r, low));
}

#endif
