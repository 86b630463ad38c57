/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sxctl: command-line client for sxdp's control socket. Human-readable
 * output by default, the raw JSON result with --json; exit codes tell
 * scripts whether the server, the user or the transport failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_client.h"
#include "sxctl.h"

/* Options that only some commands accept. */
#define OPT_ATOMICITY	0x1
#define OPT_PAGING	0x2

struct ctx {
	const char *path;
	bool json;
	int timeout_ms;
	const char *atomicity;
	uint64_t offset;
	uint64_t limit;
	bool have_offset;
	bool have_limit;
	bool all;
	unsigned int given;	/* OPT_* seen on the command line */
	char **av;		/* positional arguments, command first */
	int ac;
	struct ctl_client *cli;
};

/* ------------------------------------------------------------- transport */

/*
 * One RPC. Connects on first use so that usage errors are reported (exit
 * 2) before the socket is touched. Returns an exit code.
 */
static int
call(struct ctx *x, const char *method, json_t *params, json_t **result)
{
	char buf[1024];
	json_t *err = NULL;
	int rc;

	*result = NULL;
	if (x->cli == NULL) {
		x->cli = ctl_connect(x->path, x->timeout_ms, buf, sizeof(buf));
		if (x->cli == NULL) {
			json_decref(params);
			fprintf(stderr, "sxctl: cannot connect to %s: %s\n",
				x->path, buf);
			return EX_CONN;
		}
	}
	rc = ctl_call(x->cli, method, params, result, &err);
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

			print_json(stdout, wrap);
			json_decref(wrap);
		}
		json_decref(err);
		return EX_FAIL;
	}
	return EX_OK;
}

/* Commands that only print their result differ in the human form alone. */
static int
simple(struct ctx *x, const char *method, json_t *params,
       void (*human)(json_t *))
{
	json_t *res;
	int rc = call(x, method, params, &res);

	if (rc != EX_OK)
		return rc;
	if (x->json || human == NULL)
		print_json(stdout, res);
	else
		human(res);
	json_decref(res);
	return EX_OK;
}

/* ------------------------------------------------------- value encoding */

/* Plain decimal → JSON integer; anything else goes as a string. */
static json_t *
scalar_value(const char *s)
{
	uint64_t v;

	if (*s == '\0')
		return NULL;
	if (parse_u64(s, INT64_MAX, &v))
		return json_integer((json_int_t)v);
	return json_string(s);
}

static json_t *
pair_value(const char *s, const char *sep, const char *k1, const char *k2)
{
	const char *p = strstr(s, sep);
	char *left = xasprintf("%.*s", (int)(p - s), s);
	json_t *a = scalar_value(left), *b = scalar_value(p + strlen(sep));

	free(left);
	if (a == NULL || b == NULL) {
		json_decref(a);
		json_decref(b);
		return NULL;
	}
	return json_pack("{s:o,s:o}", k1, a, k2, b);
}

/* FIELD=VALUE right-hand side; "a/len" (lpm) stays a string. */
static json_t *
match_value(const char *s)
{
	if (strstr(s, "&&&") != NULL)
		return pair_value(s, "&&&", "value", "mask");
	if (strstr(s, "..") != NULL)
		return pair_value(s, "..", "min", "max");
	return scalar_value(s);
}

static int
parse_kv(const char *tok, bool match, json_t *obj)
{
	const char *eq = strchr(tok, '=');
	json_t *v = NULL;
	char *key;

	if (eq == NULL || eq == tok || eq[1] == '\0')
		return usage_error("expected %s=VALUE, got '%s'",
				   match ? "FIELD" : "PARAM", tok);
	key = xasprintf("%.*s", (int)(eq - tok), tok);
	if (json_object_get(obj, key) == NULL)
		v = match ? match_value(eq + 1) : scalar_value(eq + 1);
	if (v != NULL)
		json_object_set_new(obj, key, v);
	free(key);
	return v != NULL ? EX_OK :
		usage_error("bad or repeated '%s'", tok);
}

/*
 * Build one table.write update from "TABLE [FIELD=VALUE ...] [priority N]
 * [action ACTION [PARAM=VALUE ...]]". @type decides which parts are
 * allowed. Returns an exit code; *out on success.
 */
static int
parse_update(char **av, int ac, const char *type, json_t **out)
{
	bool is_default = strcmp(type, "default") == 0;
	bool is_delete = strcmp(type, "delete") == 0;
	json_t *match = json_object(), *params = json_object(), *u;
	const char *action = NULL;
	uint64_t prio = 0;
	bool have_prio = false;
	int i = 1, rc = EX_USAGE;

	if (ac < 1 || strchr(av[0], '=') != NULL || strcmp(av[0], "action") == 0) {
		usage_error("missing TABLE");
		goto out;
	}
	while (i < ac) {
		if (strcmp(av[i], "priority") == 0 && !is_default) {
			if (have_prio || i + 1 >= ac ||
			    !parse_u64(av[i + 1], UINT32_MAX, &prio)) {
				usage_error("'priority' needs one number (0..%u)",
					    UINT32_MAX);
				goto out;
			}
			have_prio = true;
			i += 2;
		} else if (strcmp(av[i], "action") == 0 && !is_delete) {
			if (i + 1 >= ac || strchr(av[i + 1], '=') != NULL) {
				usage_error("'action' needs an ACTION name");
				goto out;
			}
			action = av[i + 1];
			i += 2;
			break;
		} else if (is_default) {
			usage_error("expected 'action ACTION', got '%s'", av[i]);
			goto out;
		} else if (parse_kv(av[i++], true, match) != EX_OK) {
			goto out;
		}
	}
	for (; i < ac; i++)
		if (parse_kv(av[i], false, params) != EX_OK)
			goto out;
	if (!is_delete && action == NULL) {
		usage_error("missing 'action ACTION'");
		goto out;
	}

	u = json_pack("{s:s,s:s}", "type", type, "table", av[0]);
	if (u == NULL)
		oom();
	if (!is_default)
		json_object_set(u, "match", match);
	if (have_prio)
		json_object_set_new(u, "priority", json_integer((json_int_t)prio));
	if (!is_delete) {
		json_object_set_new(u, "action", json_string(action));
		json_object_set(u, "params", params);
	}
	*out = u;
	rc = EX_OK;
out:
	json_decref(match);
	json_decref(params);
	return rc;
}

/* --------------------------------------------------------------- writes */

/*
 * Send a table.write and judge it: every update must be ok and the batch
 * committed. Failing updates are listed on stderr in both output modes.
 */
static int
table_write(struct ctx *x, json_t *params)
{
	char buf[1024];
	json_t *res, *results, *r, *committed;
	size_t i, nfail = 0, n;
	int rc;

	if (x->atomicity != NULL)
		json_object_set_new(params, "atomicity",
				    json_string(x->atomicity));
	rc = call(x, "table.write", params, &res);
	if (rc != EX_OK)
		return rc;
	results = json_object_get(res, "results");
	n = json_array_size(results);
	json_array_foreach(results, i, r) {
		if (json_is_true(json_object_get(r, "ok")))
			continue;
		nfail++;
		fmt_error(json_object_get(r, "error"), buf, sizeof(buf));
		fprintf(stderr, "sxctl: update %zu: %s\n", i, buf);
	}
	committed = json_object_get(res, "committed");
	if (json_is_false(committed) && nfail == 0)
		fprintf(stderr, "sxctl: batch not committed\n");
	if (x->json) {
		print_json(stdout, res);
	} else if (nfail == 0 && !json_is_false(committed)) {
		char *gen = jget(res, "generation");

		printf("ok: %zu update%s applied, generation %s\n", n,
		       n == 1 ? "" : "s", gen);
		free(gen);
	} else {
		printf("%zu of %zu update%s failed, %s\n", nfail, n,
		       n == 1 ? "" : "s",
		       json_is_true(committed) ? "others committed" :
						 "nothing committed");
	}
	rc = (nfail > 0 || json_is_false(committed)) ? EX_FAIL : EX_OK;
	json_decref(res);
	return rc;
}

static int
table_update(struct ctx *x, char **av, int ac, const char *type)
{
	json_t *u, *params;
	int rc = parse_update(av, ac, type, &u);

	if (rc != EX_OK)
		return rc;
	params = json_pack("{s:[o]}", "updates", u);
	if (params == NULL)
		oom();
	return table_write(x, params);
}

static int
table_load(struct ctx *x, const char *file)
{
	json_error_t jerr;
	json_t *doc;

	if (strcmp(file, "-") == 0)
		doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "sxctl: %s:%d:%d: %s\n",
			strcmp(file, "-") == 0 ? "<stdin>" : file,
			jerr.line, jerr.column, jerr.text);
		return EX_USAGE;
	}
	/* A bare list of updates is a batch with the server's defaults. */
	if (json_is_array(doc))
		doc = json_pack("{s:o}", "updates", doc);
	if (!json_is_object(doc) ||
	    !json_is_array(json_object_get(doc, "updates"))) {
		fprintf(stderr, "sxctl: %s: expected an object with an "
			"\"updates\" array\n", file);
		json_decref(doc);
		return EX_USAGE;
	}
	return table_write(x, doc);
}

/* ---------------------------------------------------------- table show */

static int
table_show(struct ctx *x, const char *table)
{
	json_t *all = NULL, *res, *params, *entries, *e, *next;
	uint64_t offset = x->have_offset ? x->offset : 0, shown = 0;
	size_t i;
	int rc;

	for (;;) {
		params = json_pack("{s:s,s:I}", "table", table, "offset",
				   (json_int_t)offset);
		if (params == NULL)
			oom();
		if (x->have_limit)
			json_object_set_new(params, "limit",
					    json_integer((json_int_t)x->limit));
		rc = call(x, "table.read", params, &res);
		if (rc != EX_OK)
			break;
		entries = json_object_get(res, "entries");
		next = json_object_get(res, "next_offset");
		if (x->json && !x->all) {
			print_json(stdout, res);
		} else if (x->json) {
			/* --all --json: one document, as if read in one page. */
			if (all == NULL)
				all = json_deep_copy(res);
			else
				json_array_extend(json_object_get(all, "entries"),
						  entries);
		} else {
			json_array_foreach(entries, i, e)
				print_entry(e);
		}
		shown += json_array_size(entries);
		if (!x->all || !json_is_integer(next) ||
		    json_integer_value(next) <= (json_int_t)offset) {
			if (!x->json) {
				char *total = jget(res, "total");

				printf("# %" PRIu64 " entr%s shown, %s in table",
				       shown, shown == 1 ? "y" : "ies", total);
				if (json_is_integer(next))
					printf(", more at --offset %" JSON_INTEGER_FORMAT,
					       json_integer_value(next));
				printf("\n");
				free(total);
			}
			json_decref(res);
			break;
		}
		offset = (uint64_t)json_integer_value(next);
		json_decref(res);
	}
	if (all != NULL) {
		if (rc == EX_OK) {
			json_object_set_new(all, "next_offset", json_null());
			print_json(stdout, all);
		}
		json_decref(all);
	}
	return rc;
}

/* ------------------------------------------------------------- commands */

static int
cmd_table(struct ctx *x)
{
	static const char *const types[][2] = { { "add", "insert" },
		{ "mod", "modify" }, { "del", "delete" },
		{ "default", "default" } };
	const char *sub = x->ac >= 2 ? x->av[1] : "";
	char **rest = x->av + 2;
	int nrest = x->ac - 2;
	unsigned int allowed;
	size_t i;

	if (strcmp(sub, "show") == 0)
		allowed = OPT_PAGING;
	else if (strcmp(sub, "clear") == 0)
		allowed = 0;
	else
		allowed = OPT_ATOMICITY;
	if (x->given & ~allowed)
		return usage_error("option not valid for 'table %s'", sub);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(sub, types[i][0]) == 0)
			return table_update(x, rest, nrest, types[i][1]);
	if (strcmp(sub, "load") == 0 && nrest == 1)
		return table_load(x, rest[0]);
	if (strcmp(sub, "show") == 0 && nrest == 1)
		return table_show(x, rest[0]);
	if (strcmp(sub, "clear") == 0 && nrest == 1)
		return simple(x, "table.clear",
			      json_pack("{s:s}", "table", rest[0]), human_clear);
	return usage_error("bad 'table' command");
}

static int
cmd_raw(struct ctx *x)
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
	return simple(x, x->av[1], params, NULL);
}

/* Commands that are one call with at most one optional argument. */
static const struct {
	const char *name;
	const char *method;
	const char *arg;	/* params key of the optional argument */
	void (*human)(json_t *);
} simple_cmds[] = {
	{ "hello", "sys.hello", NULL, human_kv },
	{ "ports", "port.list", NULL, human_ports },
	{ "discover", "rpc.discover", NULL, human_discover },
	{ "port-stats", "port.stats", "port", human_port_stats },
	{ "describe", "pipeline.describe", "table", human_describe },
};

static int
dispatch(struct ctx *x)
{
	const char *cmd = x->av[0];
	int n = x->ac - 1;
	json_t *params;
	size_t i;

	if (strcmp(cmd, "table") == 0)
		return cmd_table(x);
	if (x->given != 0)
		return usage_error("option not valid for '%s'", cmd);
	if (strcmp(cmd, "help") == 0 && n == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(cmd, "raw") == 0)
		return cmd_raw(x);
	if (strcmp(cmd, "stats") == 0 && n == 0)
		return simple(x, "stats.get", NULL, human_stats);
	if (strcmp(cmd, "stats") == 0 && n == 1 && strcmp(x->av[1], "clear") == 0)
		return simple(x, "stats.clear", NULL, human_kv);
	for (i = 0; i < sizeof(simple_cmds) / sizeof(simple_cmds[0]); i++) {
		if (strcmp(cmd, simple_cmds[i].name) != 0)
			continue;
		if (n > (simple_cmds[i].arg != NULL))
			return usage_error("too many arguments for '%s'", cmd);
		/* A decimal PORT is an index, anything else a name. */
		params = n == 0 ? NULL : strcmp(simple_cmds[i].arg, "port") ?
			json_pack("{s:s}", simple_cmds[i].arg, x->av[1]) :
			json_pack("{s:o}", "port", scalar_value(x->av[1]));
		return simple(x, simple_cmds[i].method, params,
			      simple_cmds[i].human);
	}
	return usage_error("unknown command '%s'", cmd);
}

/* --------------------------------------------------------- option parse */

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
parse_args(struct ctx *x, int argc, char **argv)
{
	bool missing = false, opts = true;
	const char *v;
	uint64_t n;
	int i;

	x->av = calloc((size_t)argc + 1, sizeof(*x->av));
	if (x->av == NULL)
		oom();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts || a[0] != '-' || a[1] == '\0') {
			x->av[x->ac++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(a, "--json") == 0) {
			x->json = true;
		} else if (strcmp(a, "--all") == 0) {
			x->all = true;
			x->given |= OPT_PAGING;
		} else if ((v = opt_value("--socket", argv, argc, &i, &missing))) {
			if (*v == '\0')
				return usage_error("--socket needs a PATH");
			x->path = v;
		} else if ((v = opt_value("--timeout", argv, argc, &i, &missing))) {
			if (!parse_u64(v, INT32_MAX, &n))
				return usage_error("bad --timeout '%s'", v);
			x->timeout_ms = (int)n;
		} else if ((v = opt_value("--atomicity", argv, argc, &i, &missing))) {
			if (strcmp(v, "continue") != 0 &&
			    strcmp(v, "rollback") != 0 &&
			    strcmp(v, "dataplane-atomic") != 0)
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
	if (x->ac == 0)
		return usage_error("missing COMMAND");
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctx x = { .timeout_ms = DEFAULT_TIMEOUT_MS };
	int rc;

	rc = parse_args(&x, argc, argv);
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
