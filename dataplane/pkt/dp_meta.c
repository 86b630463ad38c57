/* SPDX-License-Identifier: BSD-3-Clause */
/* The rest of dp_meta's cache line, given out to features' own per-packet fields (see dp_meta.h). */
#include <errno.h>
#include <stddef.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "dp_meta.h"

/* The room's bytes given out: bit i is byte i after struct dp_meta. */
static uint64_t taken;
_Static_assert(DP_META_FIELDS_ROOM <= 64, "the room is tracked a bit a byte");

#define ROOM_AT (sizeof(struct rte_mbuf) + sizeof(struct dp_meta))

/* Bytes @at..@at+@size-1 of the room, if free: their offset from the mbuf. */
static int
take(size_t at, size_t size)
{
	uint64_t bits;

	if (size == 0 || at + size > DP_META_FIELDS_ROOM)
		return -ENOSPC;
	bits = (size == 64 ? ~0ull : (1ull << size) - 1) << at;
	if (taken & bits)
		return -EBUSY;
	taken |= bits;
	return (int)(ROOM_AT + at);
}

int
dp_meta_field_claim(size_t off, size_t size)
{
	return off < ROOM_AT ? -EINVAL : take(off - ROOM_AT, size);
}

void
dp_meta_fields_reset(void)
{
	taken = 0;
}
