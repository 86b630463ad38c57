/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl service NAME ACTION: one of sxcd's services' actions (an admin's), e.g. service esp rotate. */
#ifndef SXCTL_SVC_H
#define SXCTL_SVC_H

#include <stdbool.h>

#include "sxctl_base.h"

bool svc_is_cmd(const char *cmd);
/* sxctl service ...: an exit code. */
int svc_cmd(struct sx_ctx *x);

#endif
