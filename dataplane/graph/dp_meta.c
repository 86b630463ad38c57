/* SPDX-License-Identifier: BSD-3-Clause */
/* The rest of dp_meta's cache line, given out to features' own per-packet fields (see dp_meta.h). */
#include <errno.h>
#include <stddef.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "dp_meta.h"

/* What of the private area's line after struct dp_meta is given out. */
static size_t meta_fields_used;

int
dp_meta_field_register(size_t size, size_t align)
{
	size_t off = RTE_ALIGN_CEIL(sizeof(struct rte_mbuf) + sizeof(struct dp_meta) + meta_fields_used,
				    align ? align : 1);

	if (size == 0 || off + size > sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE)
		return -ENOSPC;
	meta_fields_used = off + size - sizeof(struct rte_mbuf) - sizeof(struct dp_meta);
	return (int)off;
}

void
dp_meta_fields_reset(void)
{
	meta_fields_used = 0;
}
