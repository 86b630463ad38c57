/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl: sxdp's command-line client; the shell: options and dispatch. */
/*
 * Human-readable output by default, the raw JSON result with --json; exit
 * codes tell scripts whether the server, the user or the transport failed.
 *
 * The shell stands on sxctl's modules, one prefix each, and none of them
 * calls back up into it:
 *
 *   sxctl_base.c     sx_        one run's context, exit codes, allocation
 *   sxctl_fmt.c      fmt_       generic output: JSON, tables, key/value, errors
 *   sxctl_rpc.c      rpc_       calls to sxdp and their failures
 *   sxctl_feat.c     feat_      the features' commands, registered from
 *                               pipelines/<f>/cli/ (their words, output, help)
 *   sxctl_usage.c    usage_     usage text (generic, then each feature's) and errors
 *   sxctl_parse.c    parse_     command-line words to JSON values and updates
 *   sxctl_table.c    table_     table add/mod/del/default/load/show/clear
 *   sxctl_shortcut.c shortcut_  a feature's intent compiled, read for, written
 *   sxctl_call.c     call_      call/help METHOD, typed by the server's rpc.discover
 *                               (sxdp's own declarations built in, for help offline)
 *   sxctl_api.c      api_       apply/get/delete/status/fleet: sxcd's REST API
 *   sxctl_http.c     http_      sxctl_api's HTTP/1.1 client (TCP or TLS)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"
#include "dp_apidef.h"
#include "sxctl_api.h"
#include "sxctl_cred.h"
#include "sxctl_svc.h"
#include "sxctl_enrol.h"
#include "sxctl_rev.h"
#include "sxctl_base.h"
#include "sxctl_call.h"
#include "sxctl_feat.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

/* ------------------------------------------------------------- commands */

static int
cmd_raw(struct sx_ctx *x)
{
	json_error_t jerr;
	json_t *params = NULL;

	if (x->ac < 2 || x->ac > 3)
		return usage_error("usage: raw METHOD [JSON]");
	if (x->ac == 3) {
		params = json_loads(x->av[2], JSON_DECODE_ANY, &jerr);
		if (params == NULL)
			return usage_error("bad JSON params: %s", jerr.text);
		if (!json_is_object(params) && !json_is_array(params)) {
			json_decref(params);
			return usage_error("JSON params must be an object or array");
		}
	}
	/* The result is printed as JSON in both modes: nothing to format. */
	return rpc_simple(x, x->av[1], params, NULL);
}

/* Commands that are one call with at most one optional argument. */
static const struct {
	const char *name;
	const char *method;
	const char *arg;	/* params key of the optional argument */
	void (*human)(json_t *);
} simple_cmds[] = {
	{ "hello", "sys.hello", NULL, fmt_kv },
	{ "ports", "port.list", NULL, fmt_ports },
	{ "discover", "rpc.discover", NULL, fmt_discover },
	{ "port-stats", "port.stats", "port", fmt_port_stats },
	{ "xdp", "xdp.steer", NULL, fmt_xdp },
	{ "describe", "pipeline.describe", "table", fmt_describe },
};

static int
dispatch(struct sx_ctx *x)
{
	const char *cmd = x->av[0];
	int n = x->ac - 1;
	const struct feat_cmd *fc;
	json_t *params;
	size_t i;

	usage_cmd = usage_topic_of(x->av, x->ac);
	if (strcmp(cmd, "call") == 0 && n >= 1)	/* its --help is the method's */
		return call_cmd(x);
	if (strcmp(cmd, "help") == 0 && n == 1 && strchr(x->av[1], '.') != NULL)
		return call_help_cmd(x, x->av[1]);	/* sxctl help table.read */
	if (x->help) {   /* sxctl CMD [SUB] --help */
		if (!usage_topic(stdout, usage_cmd)) {
			usage_cmd = NULL;
			return usage_error("unknown command '%s'", cmd);
		}
		return EX_OK;
	}
	if (strcmp(cmd, "help") == 0 && (n == 1 || n == 2)) {   /* sxctl help CMD [SUB] */
		usage_cmd = usage_topic_of(x->av + 1, n);
		if (!usage_topic(stdout, usage_cmd)) {
			usage_cmd = NULL;
			return usage_error("no command '%s'", x->av[1]);
		}
		return EX_OK;
	}
	if (api_is_cmd(cmd) || rev_is_cmd(cmd) || cred_is_cmd(cmd) || enrol_is_cmd(cmd) || svc_is_cmd(cmd)) {
		if (x->given & ~(OPT_API | OPT_SXCD))
			return usage_error("option not valid for '%s'", cmd);
		return api_is_cmd(cmd) ? api_cmd(x) : rev_is_cmd(cmd) ? rev_cmd(x) : cred_is_cmd(cmd) ? cred_cmd(x) :
		       svc_is_cmd(cmd) ? svc_cmd(x) : enrol_cmd(x);
	}
	if (x->given & OPT_API)
		return usage_error("-f, --dry-run, --prune and --wait are for apply, get, delete, status and rollback");
	if ((x->given & OPT_SXCD) && feat_cmd_find(cmd) == NULL)
		return usage_error("--api, --token-file, --cacert, --cert and --key are for sxcd's commands "
				   "(apply, get, delete, status, fleet, history, diff, rollback, credential, enrolment, service) and a "
				   "feature's "
				   "that reads sxcd");
	if (strcmp(cmd, "table") == 0)
		return table_cmd(x);
	if ((fc = feat_cmd_find(cmd)) != NULL) {   /* a feature's (sxctl_feat.h) */
		const char *sub = x->ac > 1 ? x->av[1] : "";
		bool writes = !feat_cmd_reads(fc, sub);

		/* where sxcd is: for the ones that read it (api_get), harmless to the others */
		if (x->given & ~(OPT_SXCD | (writes ? OPT_ATOMICITY : 0u)))
			return usage_error("option not valid for '%s %s'", cmd, sub);
		return fc->fn(x, x->av + 1, x->ac - 1);
	}
	if (x->given != 0)
		return usage_error("option not valid for '%s'", cmd);
	if (strcmp(cmd, "help") == 0 && n == 0) {
		usage_print(stdout);
		return call_list_cmd(x);
	}
	if (strcmp(cmd, "raw") == 0)
		return cmd_raw(x);
	if (strcmp(cmd, "version") == 0)
		return usage_error("'version' takes nothing");
	if (strcmp(cmd, "stats") == 0 && n == 0)
		return rpc_simple(x, "stats.get", NULL, fmt_stats);
	if (strcmp(cmd, "stats") == 0 && n == 1 && strcmp(x->av[1], "clear") == 0)
		return rpc_simple(x, "stats.clear", NULL, fmt_kv);
	if (strcmp(cmd, "stats") == 0)
		return usage_error("'stats' takes nothing or 'clear'");
	for (i = 0; i < sizeof(simple_cmds) / sizeof(simple_cmds[0]); i++) {
		if (strcmp(cmd, simple_cmds[i].name) != 0)
			continue;
		if (n > (simple_cmds[i].arg != NULL))
			return usage_error("too many arguments for '%s'", cmd);
		/* A decimal PORT is an index, anything else a name. */
		params = n == 0 ? NULL : strcmp(simple_cmds[i].arg, "port") ?
			json_pack("{s:s}", simple_cmds[i].arg, x->av[1]) :
			json_pack("{s:o}", "port", parse_scalar(x->av[1]));
		return rpc_simple(x, simple_cmds[i].method, params, simple_cmds[i].human);
	}
	return usage_error("unknown command '%s'", cmd);
}

/* --------------------------------------------------------- option parse */

/* One of the names table.write declares for its atomicity. */
static bool
atomicity_known(const char *v)
{
	const char *const *n = dp_apidef_table_write.params[DP_APIDEF_WRITE_ATOMICITY].names;

	while (*n != NULL && strcmp(*n, v) != 0)
		n++;
	return *n != NULL;
}

/* "--name VALUE" or "--name=VALUE"; NULL when the option is not @name. */
static const char *
opt_value(const char *name, char **argv, int argc, int *i, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/*
 * Options may appear anywhere (scripts tend to append --json); positional
 * arguments keep their order. "--" ends option parsing; "-" is stdin.
 */
static int
opt_parse(struct sx_ctx *x, int argc, char **argv)
{
	bool missing = false, opts = true;
	const char *v;
	uint64_t n;
	int i;

	x->av = calloc((size_t)argc + 1, sizeof(*x->av));
	if (x->av == NULL)
		sx_oom();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts || a[0] != '-' || a[1] == '\0') {
			x->av[x->ac++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			x->help = true;   /* after a command: that command's help */
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			x->version = true;
		} else if (strcmp(a, "--json") == 0) {
			x->json = true;
		} else if (strcmp(a, "--all") == 0) {
			x->all = true;
			x->given |= OPT_PAGING;
		} else if ((v = opt_value("--socket", argv, argc, &i, &missing))) {
			if (*v == '\0')
				return usage_error("--socket needs a PATH");
			x->path = v;
		} else if ((v = opt_value("--api", argv, argc, &i, &missing))) {
			x->api = v;
			x->given |= OPT_SXCD;
		} else if ((v = opt_value("--token-file", argv, argc, &i, &missing)) ||
			   (v = opt_value("--cacert", argv, argc, &i, &missing)) ||
			   (v = opt_value("--cert", argv, argc, &i, &missing)) ||
			   (v = opt_value("--key", argv, argc, &i, &missing))) {
			if (*v == '\0')
				return usage_error("%.*s needs a FILE", (int)strcspn(a, "="), a);
			/* the option's first letters tell them apart */
			*(a[2] == 't' ? &x->token_file : a[2] == 'k' ? &x->key :
			  a[3] == 'a' ? &x->cacert : &x->cert) = v;
			x->given |= OPT_SXCD;
		} else if ((v = opt_value("-f", argv, argc, &i, &missing)) ||
			   (v = opt_value("--file", argv, argc, &i, &missing))) {
			x->file = v;
			x->given |= OPT_API;
		} else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "--prune") == 0 ||
			   strcmp(a, "--wait") == 0) {
			*(a[2] == 'd' ? &x->dry_run : a[2] == 'p' ? &x->prune : &x->wait) = true;
			x->given |= OPT_API;
		} else if ((v = opt_value("--timeout", argv, argc, &i, &missing))) {
			if (!parse_u64(v, INT32_MAX, &n))
				return usage_error("bad --timeout '%s'", v);
			x->timeout_ms = (int)n;
			x->timeout_given = true;
		} else if ((v = opt_value("--atomicity", argv, argc, &i, &missing))) {
			if (!atomicity_known(v))
				return usage_error("bad --atomicity '%s'", v);
			x->atomicity = v;
			x->given |= OPT_ATOMICITY;
		} else if ((v = opt_value("--offset", argv, argc, &i, &missing))) {
			if (!parse_u64(v, INT64_MAX, &x->offset))
				return usage_error("bad --offset '%s'", v);
			x->have_offset = true;
			x->given |= OPT_PAGING;
		} else if ((v = opt_value("--limit", argv, argc, &i, &missing))) {
			if (!parse_u64(v, INT64_MAX, &x->limit) || x->limit == 0)
				return usage_error("bad --limit '%s'", v);
			x->have_limit = true;
			x->given |= OPT_PAGING;
		} else if (missing) {
			return usage_error("%s needs a value", a);
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	/* the project's version, which sxdp and sxcd report too; no socket */
	if (x->version || (x->ac == 1 && strcmp(x->av[0], "version") == 0 && !x->help)) {
		printf("sxctl %s\n", SXDP_VERSION);
		return -1;
	}
	if (x->ac == 0 && x->help) {
		usage_print(stdout);
		return -1;
	}
	if (x->ac == 0) {
		fputs("sxctl: missing COMMAND\n\n", stderr);
		usage_print(stderr);
		return EX_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sx_ctx x = { .timeout_ms = DEFAULT_TIMEOUT_MS };
	int rc;

	rc = opt_parse(&x, argc, argv);
	if (rc == 0 && x.wait && !x.timeout_given)
		x.timeout_ms = WAIT_TIMEOUT_MS;
	if (rc == 0) {
		if (x.path == NULL)
			x.path = ctl_default_path();
		rc = dispatch(&x);
	} else if (rc < 0) {
		rc = EX_OK;	/* --help */
	}
	ctl_close(x.cli);
	free(x.av);
	if (fflush(stdout) != 0 && rc == EX_OK)
		rc = EX_FAIL;
	return rc;
}
