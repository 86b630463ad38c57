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
/* One request of sxcd's API: its status in *@code, its JSON answer in
 * *@out (new). An exit code (the transport's trouble printed). */
int api_call(struct sx_ctx *x, const char *method, const char *path, json_t *body, int *code, json_t **out);
/* @method @path with @body (taken; NULL: none): EX_OK and its answer in
 * *@out (new) when it is @want, else the exit code, the error printed. */
int api_ask(struct sx_ctx *x, const char *method, const char *path, json_t *body, int want, json_t **out);
/* An error answer (@res taken) printed: EX_FAIL. */
int api_error(struct sx_ctx *x, int code, json_t *res);
void api_print_json(json_t *v);
/* An apply's answer: each change; a dry run's table writes and outcomes. */
void api_print_changes(json_t *res);

#endif /* SXCTL_API_H */
