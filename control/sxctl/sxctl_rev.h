/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl history/diff/rollback: sxcd's revisions from the command line. */
#ifndef SXCTL_REV_H
#define SXCTL_REV_H

#include <stdbool.h>

#include "sxctl_base.h"

/* Is @cmd one of these (history, diff, rollback)? */
bool rev_is_cmd(const char *cmd);
/* sxctl history [N] | diff R1 R2 | rollback R [--dry-run] [--wait]: an exit code. */
int rev_cmd(struct sx_ctx *x);

#endif
