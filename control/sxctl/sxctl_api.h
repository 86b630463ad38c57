/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl apply/get/delete/status: sxcd's REST API from the command line. */
#ifndef SXCTL_API_H
#define SXCTL_API_H

#include <stdbool.h>
#include <jansson.h>

#include "sxctl_base.h"

/* Is @cmd one of sxcd's (apply, get, delete, status)? */
bool api_is_cmd(const char *cmd);
/* sxctl apply|get|delete|status ...: an exit code. */
int api_cmd(struct sx_ctx *x);
/* GET @path of sxcd's API (a feature's command that shows what sxcd
 * keeps): EX_OK and *@out (new), or the exit code, the error printed. */
int api_get(struct sx_ctx *x, const char *path, json_t **out);

#endif /* SXCTL_API_H */
