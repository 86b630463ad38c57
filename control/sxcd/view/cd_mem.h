/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_mem: sxcd's heap as its allocator (jemalloc) counts it: what is allocated, what the process holds. */
#ifndef CD_MEM_H
#define CD_MEM_H

#include <jansson.h>

/* {"allocator", "allocated_bytes", "active_bytes", "resident_bytes"}
 * (new): allocated is the live heap (a leak grows it; freed memory the
 * allocator keeps for a while does not), resident what it maps in RAM. */
json_t *cd_mem_info(void);

#endif
