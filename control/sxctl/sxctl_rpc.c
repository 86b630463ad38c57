/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's calls to sxdp: connect on first use, one RPC, its failure as the user reads it. */
/*
 * Exit codes tell scripts whether the server (1) or the transport (3)
 * failed; with --json a failure is also an error object on stdout, the
 * server's or one like it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ctl_client.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"

/* What a failed connect most likely means, for the person reading it. */
static const char *
connect_hint(const char *path, int err)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return " (that is a directory: give the socket itself, e.g. --socket "
		       "/run/sxdp/sxdp.sock)";
	if (err == ENOENT)
		return " (no such socket: is sxdp running? --socket PATH or $SXDP_SOCKET)";
	if (err == ECONNREFUSED && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return " (not a socket)";
	if (err == ECONNREFUSED)
		return " (nobody listens there: sxdp is not running, or left a stale socket)";
	if (err == EACCES)
		return " (the socket is mode 0660: run as root or as a member of its group)";
	return "";
}

int
rpc_connect(struct sx_ctx *x, char *why, size_t n)
{
	if (x->cli != NULL)
		return 0;
	x->cli = ctl_connect(x->path, x->timeout_ms, why, n);
	return x->cli == NULL ? (errno != 0 ? errno : EIO) : 0;
}

/*
 * One RPC. Connects on first use so that usage errors are reported (exit
 * 2) before the socket is touched. Returns an exit code.
 */
int
rpc_call(struct sx_ctx *x, const char *method, json_t *params, json_t **result)
{
	char buf[1024];
	json_t *err = NULL;
	int rc;

	*result = NULL;
	if (x->cli == NULL) {
		int e = rpc_connect(x, buf, sizeof(buf));

		if (e != 0) {
			json_decref(params);
			fprintf(stderr, "sxctl: cannot connect to %s: %s%s\n",
				x->path, buf, connect_hint(x->path, e));
			return EX_CONN;
		}
	}
	{
		struct sx_progress pr = { .what = method, .timeout_ms = x->timeout_ms };

		ctl_on_wait(x->cli, sx_progress_tick, &pr);
		rc = ctl_call(x->cli, method, params, result, &err);
		ctl_on_wait(x->cli, NULL, NULL);
		sx_progress_end(&pr);
	}
	if (rc == -ETIMEDOUT) {
		/* which call, after how long, and what the user can do: a busy
		 * box (a big batch, a loaded CPU) answers late, not never */
		fprintf(stderr, "sxctl: %s on %s: no answer after %.1f s (--timeout %d): sxdp may still "
			"be working on it (a large batch, a busy CPU); 'sxctl status' shows whether it "
			"answers, and --timeout MS waits longer (0: no limit)\n",
			method, x->path, x->timeout_ms / 1000.0, x->timeout_ms);
		return EX_CONN;
	}
	if (rc < 0) {
		fprintf(stderr, "sxctl: %s on %s failed: %s\n", method, x->path,
			strerror(-rc));
		return EX_CONN;
	}
	if (rc == 1) {
		fmt_error(err, buf, sizeof(buf));
		fprintf(stderr, "sxctl: %s\n", buf);
		if (x->json) {
			/* Scripts get the structured error too. */
			json_t *wrap = json_pack("{s:O}", "error", err);

			fmt_json(stdout, wrap);
			json_decref(wrap);
		}
		json_decref(err);
		return EX_FAIL;
	}
	return EX_OK;
}

/*
 * A failure sxctl finds itself (no such port, nothing to delete): on
 * stderr, and with --json also as an error object like the server's.
 */
int
rpc_fail(struct sx_ctx *x, const char *reason, const char *fmt, ...)
{
	va_list ap;
	json_t *doc;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		sx_oom();
	fprintf(stderr, "sxctl: %s\n", msg);
	if (x->json) {
		doc = json_pack("{s:{s:s,s:{s:s}}}", "error", "message", msg,
				"data", "reason", reason);
		fmt_json(stdout, doc);
		json_decref(doc);
	}
	free(msg);
	return EX_FAIL;
}

/* Commands that only print their result differ in the human form alone. */
int
rpc_simple(struct sx_ctx *x, const char *method, json_t *params, void (*human)(json_t *))
{
	json_t *res;
	int rc = rpc_call(x, method, params, &res);

	if (rc != EX_OK)
		return rc;
	if (x->json || human == NULL)
		fmt_json(stdout, res);
	else
		human(res);
	json_decref(res);
	return EX_OK;
}
