/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl call/help METHOD: any socket method, typed by the schema the server declares. */
#ifndef SXCTL_CALL_H
#define SXCTL_CALL_H

#include "sxctl_base.h"

/* sxctl call METHOD [NAME=VALUE ...] (--help: the method's help). */
int call_cmd(struct sx_ctx *x);
/* sxctl help METHOD: what the server declares METHOD takes and returns;
 * without a server, what sxctl's copy of sxdp's declarations says. */
int call_help_cmd(struct sx_ctx *x, const char *method);
/* The methods, one line each, after sxctl help's text: the server's, else
 * the built-in ones. */
int call_list_cmd(struct sx_ctx *x);

#endif /* SXCTL_CALL_H */
