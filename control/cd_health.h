/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_health: which Ready intents are Degraded now (a WAN link down, a peer with no path up). */
/*
 * A run's compile says what an intent wants; whether what it guarantees
 * holds now depends on sxdp's overlay paths, read after the writes. This
 * is kept apart from the reconciler (cd_sync), which only hands it the
 * run's results and the paths: it reads the ids sxcd allocated, no more.
 */
#ifndef CD_HEALTH_H
#define CD_HEALTH_H

#include <jansson.h>

#include "cd_res.h"

/* Ready intents in @results ("KIND/NAME" → result, changed in place: a
 * changed one is replaced by a copy, the compiler's stays as compiled)
 * whose guarantee does not hold with overlay.paths' @paths are Degraded. */
void cd_health_degrade(struct cd_res *res, json_t *results, json_t *paths);

#endif
