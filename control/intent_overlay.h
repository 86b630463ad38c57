/* SPDX-License-Identifier: BSD-3-Clause */
/* Overlay intents (VTEPs, sites, VNIs, paths, tunnels, policies, classes) compiled into updates. */
/*
 * The overlay's table, field and action names (pipelines/overlay) are
 * spelled in intent_overlay.c and nowhere else on the control side. A
 * tunnel's flood entries are the switch's table: intent.c adds them to
 * what intent_ov_compile writes. Not for callers of the intent library:
 * they see intent.h only.
 */
#ifndef INTENT_OVERLAY_H
#define INTENT_OVERLAY_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"
#include "intent_cc.h"

#define INTENT_OV_TUNNEL_MAX 65535	/* tunnel ids 1..; 0 names none in a flood entry */

/* Is @kind one of the overlay's intents? */
bool intent_ov_kind(enum intent_kind kind);
/* Add @it's overlay updates to @c: 0, -EAGAIN (c->need says what to
 * read) or a refusal (intent_compile's codes). */
int intent_ov_compile(struct cc *c, const struct intent *it);
/* The overlay inputs @it reads. It rewrites the entries it read there,
 * so a failed update of one of those may be a lost race. */
unsigned int intent_ov_inputs(const struct intent *it);
/* The table input @k is read from; NULL when @k is not the overlay's. */
const char *intent_ov_input_table(enum intent_input k);
/* An overlay view's table and the match field it filters on; false when
 * @v is not the overlay's. */
bool intent_ov_view(enum intent_view v, const char **table, const char **key);
/* intent_tunnel_rows without "flood". */
json_t *intent_ov_tunnel_rows(json_t *tunnels, json_t *peers);

#endif
