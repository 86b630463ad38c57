/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl credential make|list|rotate|revoke: sxcd's named credentials (an admin's). */
#ifndef SXCTL_CRED_H
#define SXCTL_CRED_H

#include <stdbool.h>

#include "sxctl_base.h"

bool cred_is_cmd(const char *cmd);
/* sxctl credential ...: an exit code. */
int cred_cmd(struct sx_ctx *x);

#endif
