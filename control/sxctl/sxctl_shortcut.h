/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl shortcuts: a feature's intent compiled by the intent library, read for and written; its tables shown. */
#ifndef SXCTL_SHORTCUT_H
#define SXCTL_SHORTCUT_H

#include <jansson.h>

#include "intent.h"
#include "sxctl_base.h"

/* Compile @it with the intent library, reading what it asks for, and
 * write it; a lost race is read, compiled and written again. An exit code. */
int shortcut_run(struct sx_ctx *x, const struct intent *it);
/* The entries of @v's table whose filter field is @want (all when < 0):
 * @line prints each, or {"table","entries"} with --json. */
int shortcut_show(struct sx_ctx *x, const struct intent_view *v, json_int_t want, void (*line)(json_t *));

#endif /* SXCTL_SHORTCUT_H */
