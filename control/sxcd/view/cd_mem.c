/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_mem: sxcd's heap counters, from jemalloc's statistics (cd_mem.h).
 * RSS alone cannot tell a leak from pages the allocator keeps to reuse
 * (jemalloc gives dirty pages back over seconds); its own count of live
 * bytes can. */
#include <stddef.h>
#include <stdint.h>
#include <jemalloc/jemalloc.h>

#include "cd_mem.h"

static json_int_t
stat(const char *name)
{
	size_t v = 0, len = sizeof(v);

	return mallctl(name, &v, &len, NULL, 0) == 0 ? (json_int_t)v : -1;
}

json_t *
cd_mem_info(void)
{
	uint64_t epoch = 1;
	size_t len = sizeof(epoch);

	/* the statistics are a snapshot taken when the epoch moves */
	mallctl("epoch", &epoch, &len, &epoch, len);
	return json_pack("{s:s,s:I,s:I,s:I}", "allocator", "jemalloc", "allocated_bytes", stat("stats.allocated"),
			 "active_bytes", stat("stats.active"), "resident_bytes", stat("stats.resident"));
}
