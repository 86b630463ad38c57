/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's calls to sxdp: connect on first use, one RPC, its failure as the user reads it. */
#ifndef SXCTL_RPC_H
#define SXCTL_RPC_H

#include <stddef.h>

#include <jansson.h>

#include "sxctl_base.h"

/* Connect now, quietly: 0, or an errno with the reason in @why. */
int rpc_connect(struct sx_ctx *x, char *why, size_t n);
/* One RPC (params taken); connects on first use, so usage errors come
 * first. An exit code; *result (the caller's) on EX_OK. */
int rpc_call(struct sx_ctx *x, const char *method, json_t *params, json_t **result);
/* A failure sxctl finds itself (no such port): "sxctl: MESSAGE" on
 * stderr, and with --json an error object like the server's. EX_FAIL. */
int rpc_fail(struct sx_ctx *x, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One call whose result is printed: as JSON, or by @human. */
int rpc_simple(struct sx_ctx *x, const char *method, json_t *params, void (*human)(json_t *));

#endif /* SXCTL_RPC_H */
