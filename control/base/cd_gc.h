/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_gc: large JSON trees freed in slices of sxcd's loop, not in one go. */
/*
 * Dropping sxdp's entries as sxcd last read them (a whole table set at
 * 100k sessions), a compiled set or a whole diff frees millions of values:
 * hundreds of milliseconds in one json_decref, with every client waiting.
 * cd_gc_free takes the reference instead and frees the tree a few hundred
 * values at a time between the loop's other work. What someone else still
 * holds is only released, never taken apart.
 */
#ifndef CD_GC_H
#define CD_GC_H

#include <jansson.h>

struct event_base;

/* Free in slices on @base from now on (before: at once). 0 or -ENOMEM. */
int cd_gc_init(struct event_base *base);
void cd_gc_fini(void);
/* json_decref(@j), in slices when @j is a container this was the last
 * reference to. */
void cd_gc_free(json_t *j);

#endif
