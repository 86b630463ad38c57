/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl apply/get/delete/status: sxcd's REST API from the command line. */
#ifndef SXCTL_API_H
#define SXCTL_API_H

#include <stdbool.h>

#include "sxctl_base.h"

/* Is @cmd one of sxcd's (apply, get, delete, status)? */
bool api_is_cmd(const char *cmd);
/* sxctl apply|get|delete|status ...: an exit code. */
int api_cmd(struct sx_ctx *x);

#endif /* SXCTL_API_H */
