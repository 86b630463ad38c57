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
#include <sys/stat.h>

#include <jansson.h>

#include "ctl_client.h"
#include "sxctl.h"
#include "intent.h"

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
	bool help;		/* -h/--help given */
	unsigned int given;	/* OPT_* seen on the command line */
	char **av;		/* positional arguments, command first */
	int ac;
	struct ctl_client *cli;
};

/* ------------------------------------------------------------- transport */

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
			int e = errno;

			json_decref(params);
			fprintf(stderr, "sxctl: cannot connect to %s: %s%s\n",
				x->path, buf, connect_hint(x->path, e));
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

/*
 * A failure sxctl finds itself (no such port, nothing to delete): on
 * stderr, and with --json also as an error object like the server's.
 */
static int __attribute__((format(printf, 3, 4)))
fail(struct ctx *x, const char *reason, const char *fmt, ...)
{
	va_list ap;
	json_t *doc;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	fprintf(stderr, "sxctl: %s\n", msg);
	if (x->json) {
		doc = json_pack("{s:{s:s,s:{s:s}}}", "error", "message", msg,
				"data", "reason", reason);
		print_json(stdout, doc);
		json_decref(doc);
	}
	free(msg);
	return EX_FAIL;
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

/* --------------------------------------------------------------- writes */

/*
 * Judge a table.write result (taken): every update must be ok and the batch
 * committed. Failing updates are listed on stderr in both output modes.
 */
static int
table_judge(struct ctx *x, json_t *res)
{
	char buf[1024];
	json_t *results, *r, *committed;
	size_t i, nfail = 0, n;
	int rc;

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

/* Send a table.write (params taken), --atomicity applied, and judge it. */
static int
table_write(struct ctx *x, json_t *params)
{
	json_t *res;
	int rc;

	if (x->atomicity != NULL)
		json_object_set_new(params, "atomicity",
				    json_string(x->atomicity));
	rc = call(x, "table.write", params, &res);
	if (rc != EX_OK)
		return rc;
	return table_judge(x, res);
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

/* ----------------------------------------------------- switch shortcuts */

/*
 * Readable commands for the switch's tables. What each writes is compiled
 * by the intent library (intent.c, shared with sxcd); here are the reads
 * it needs first, the write (one table.write, retried when the flood mask
 * changed underneath) and the output.
 */

#define READ_PAGE	1000	/* table.read's largest page */

/* table.write params for @updates (stolen): dataplane-atomic when there
 * are several (they always span tables), unless --atomicity says otherwise. */
static json_t *
batch_params(struct ctx *x, json_t *updates)
{
	json_t *params = json_array_size(updates) > 1 ?
		json_pack("{s:s,s:o}", "atomicity", "dataplane-atomic",
			  "updates", updates) :
		json_pack("{s:o}", "updates", updates);

	if (params == NULL)
		oom();
	if (x->atomicity != NULL)
		json_object_set_new(params, "atomicity", json_string(x->atomicity));
	return params;
}

/* Send @updates (stolen) as one write and judge it. */
static int
write_updates(struct ctx *x, json_t *updates)
{
	json_t *res;
	int rc = call(x, "table.write", batch_params(x, updates), &res);

	return rc != EX_OK ? rc : table_judge(x, res);
}

/* Every entry of @table, following next_offset; *out on EX_OK. */
static int
read_all(struct ctx *x, const char *table, json_t **out)
{
	json_t *all = json_array(), *res, *next;
	json_int_t offset = 0;
	int rc;

	for (;;) {
		rc = call(x, "table.read", json_pack("{s:s,s:I,s:i}", "table",
			  table, "offset", offset, "limit", READ_PAGE), &res);
		if (rc != EX_OK) {
			json_decref(all);
			return rc;
		}
		json_array_extend(all, json_object_get(res, "entries"));
		next = json_object_get(res, "next_offset");
		if (!json_is_integer(next) || json_integer_value(next) <= offset) {
			json_decref(res);
			break;
		}
		offset = json_integer_value(next);
		json_decref(res);
	}
	*out = all;
	return EX_OK;
}

/* PORT (a name or an index) from port.list: its index and name. */
static int
port_lookup(struct ctx *x, const char *arg, json_int_t *index, char *name,
	    size_t len)
{
	json_t *res, *p;
	const char *pn;
	char idx[24];
	size_t i;
	int rc = call(x, "port.list", NULL, &res);

	if (rc != EX_OK)
		return rc;
	rc = EX_FAIL;
	json_array_foreach(json_object_get(res, "ports"), i, p) {
		*index = json_integer_value(json_object_get(p, "index"));
		pn = json_string_value(json_object_get(p, "name"));
		snprintf(idx, sizeof(idx), "%" JSON_INTEGER_FORMAT, *index);
		if ((pn != NULL && strcmp(pn, arg) == 0) || strcmp(idx, arg) == 0) {
			snprintf(name, len, "%s", pn != NULL ? pn : idx);
			rc = EX_OK;
			break;
		}
	}
	json_decref(res);
	if (rc != EX_OK)
		return fail(x, "not_found", "no port '%s'", arg);
	if (*index < 0 || *index >= INTENT_FLOOD_PORTS)
		return fail(x, "out_of_range", "port %s (index %"
			    JSON_INTEGER_FORMAT ") is beyond the %d-port flood "
			    "mask", name, *index, INTENT_FLOOD_PORTS);
	return EX_OK;
}

#define FLOOD_ATTEMPTS	8

/*
 * Send @ups (taken) with the flood entry of @bd, port bit @bit set or
 * cleared. The mask is read, changed and written back with "expect" (sxdp
 * applies it only while the entry still holds what was read), so two
 * clients changing one bridge domain at once cannot lose a port: the one
 * that loses reads again and retries.
 */
static int
write_flood(struct ctx *x, json_t *ups, json_int_t bd, json_int_t bit, bool set)
{
	json_t *tbl, *u, *batch, *params, *res;
	int rc, attempt;

	for (attempt = 1;; attempt++) {
		if ((rc = read_all(x, INTENT_T_FLOOD, &tbl)) != EX_OK)
			break;
		u = intent_flood(tbl, bd, bit, set);
		json_decref(tbl);
		batch = json_copy(ups);
		if (u != NULL)
			json_array_append_new(batch, u);
		params = batch_params(x, batch);
		if ((rc = call(x, "table.write", params, &res)) != EX_OK)
			break;
		if (u == NULL || !intent_flood_raced(res) || attempt == FLOOD_ATTEMPTS) {
			if (u != NULL && intent_flood_raced(res))
				fprintf(stderr, "sxctl: the flood entry of bd %" JSON_INTEGER_FORMAT
					" changed concurrently, giving up after %d attempts\n",
					bd, attempt);
			rc = table_judge(x, res);
			break;
		}
		json_decref(res);
	}
	json_decref(ups);
	return rc;
}

/* slice attach PORT [vlan V] slice S bd B | slice detach PORT [vlan V] */
static int
cmd_slice(struct ctx *x, char **av, int ac)
{
	static const char *const kw[] = { "vlan", "slice", "bd" };
	static const char *const spec[] = { "VLAN", "SLICE", "BD" };
	bool attach = ac > 0 && strcmp(av[0], "attach") == 0;
	json_int_t val[3] = { 0, 0, 0 }, idx = 0;
	json_t *ups, *tbl, *port;
	unsigned int k, nkw = attach ? 3 : 1, seen = 0;
	char name[256];
	int i, rc;

	if (!attach && (ac < 1 || strcmp(av[0], "detach") != 0))
		return usage_error("usage: slice attach|detach PORT ...");
	if (ac < 2 || av[1][0] == '\0')
		return usage_error("missing PORT");
	for (i = 2; i < ac; i += 2) {
		for (k = 0; k < nkw && strcmp(av[i], kw[k]) != 0; k++)
			;
		if (k == nkw || (seen & (1u << k)))
			return usage_error("unexpected '%s'", av[i]);
		if (i + 1 >= ac)
			return usage_error("'%s' needs a value", av[i]);
		if ((rc = check_args(av + i + 1, 1, spec[k], &val[k])) != EX_OK)
			return rc;
		seen |= 1u << k;
	}
	if (attach && (seen & 6) != 6)
		return usage_error("slice attach needs 'slice S' and 'bd B'");
	if ((rc = port_lookup(x, av[1], &idx, name, sizeof(name))) != EX_OK)
		return rc;

	port = scalar_value(av[1]);
	if (!attach) {
		/* The bridge domain is the interface's. */
		if ((rc = read_all(x, INTENT_T_INTERFACES, &tbl)) != EX_OK)
			goto out;
		if (intent_slice_bd(tbl, name, val[0], &val[2]) < 0) {
			json_decref(tbl);
			rc = fail(x, "not_found", "%s vlan %" JSON_INTEGER_FORMAT
				  " is not attached", name, val[0]);
			goto out;
		}
		json_decref(tbl);
	}
	ups = intent_slice(attach, port, val[0], val[1], val[2]);
	json_decref(port);
	return write_flood(x, ups, val[2], idx, attach);
out:
	json_decref(port);
	return rc;
}

/* svi add SLICE BD MAC IP/PLEN | svi del SLICE BD */
static int
cmd_svi(struct ctx *x, char **av, int ac)
{
	json_int_t num[8];
	json_t *svis;
	const char *mac;
	unsigned int plen;
	uint32_t ip;
	int rc;

	if (ac >= 1 && strcmp(av[0], "add") == 0) {
		if ((rc = check_args(av + 1, ac - 1, "SLICE BD MAC IP/PLEN",
				     num)) != EX_OK)
			return rc;
		parse_prefix(av[4], false, &ip, &plen);
		return write_updates(x, intent_svi(true, num[0], num[1], av[3],
						   ip, plen));
	}
	if (ac < 1 || strcmp(av[0], "del") != 0)
		return usage_error("usage: svi add|del SLICE BD ...");
	if ((rc = check_args(av + 1, ac - 1, "SLICE BD", num)) != EX_OK)
		return rc;
	/* The MAC and address to take away are the SVI's own. */
	if ((rc = read_all(x, INTENT_T_SVI, &svis)) != EX_OK)
		return rc;
	if (intent_svi_of(svis, num[0], num[1], &mac, &ip, &plen) < 0) {
		json_decref(svis);
		return fail(x, "not_found", "no svi for slice %"
			    JSON_INTEGER_FORMAT " bd %" JSON_INTEGER_FORMAT,
			    num[0], num[1]);
	}
	rc = write_updates(x, intent_svi(false, num[0], num[1], mac, ip, plen));
	json_decref(svis);
	return rc;
}

/*
 * Entries of @table whose match @key equals @want (all when < 0): one
 * line each, or {"table","entries"} with --json.
 */
static int
show_entries(struct ctx *x, const char *table, const char *key,
	     json_int_t want, void (*line)(json_t *))
{
	json_t *all, *keep = json_array(), *e, *v, *doc;
	size_t i;
	int rc = read_all(x, table, &all);

	if (rc != EX_OK) {
		json_decref(keep);
		return rc;
	}
	json_array_foreach(all, i, e) {
		v = json_object_get(json_object_get(e, "match"), key);
		if (want < 0 || (json_is_integer(v) &&
				 json_integer_value(v) == want))
			json_array_append(keep, e);
	}
	if (x->json) {
		doc = json_pack("{s:s,s:O}", "table", table, "entries", keep);
		print_json(stdout, doc);
		json_decref(doc);
	} else {
		json_array_foreach(keep, i, e)
			line(e);
	}
	json_decref(keep);
	json_decref(all);
	return EX_OK;
}

/* route add VRF PREFIX via NH | ecmp NH1 NH2 [NH3 [NH4]] | drop,
 * route del VRF PREFIX, route show [VRF] */
static int
cmd_route(struct ctx *x, char **av, int ac)
{
	static const char *const nh_spec[] = { "", "NH", "NH NH", "NH NH NH",
		"NH NH NH NH" };
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "", *how = ac > 3 ? av[3] : "";
	json_t *ups;
	int rc, n = ac - 4;

	if (strcmp(sub, "show") == 0)
		return (rc = check_args(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : show_entries(x, INTENT_T_ROUTES, "vrf", num[0], print_route);
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)
		return usage_error("usage: route add|del|show ...");
	if ((rc = check_args(av + 1, ac > 3 ? 2 : ac - 1, "VRF PREFIX", num))
	    != EX_OK)
		return rc;
	if (strcmp(sub, "del") == 0) {
		if (ac > 3)
			return usage_error("unexpected '%s'", av[3]);
		return write_updates(x, intent_route(num[0], av[2], NULL, NULL, 0));
	}
	ups = n >= 0 ? intent_route(num[0], av[2], how, (const char *const *)av + 4, n) : NULL;
	if (ups == NULL)
		return usage_error("route add needs 'via NH', 'ecmp NH1 NH2 "
				   "[NH3 [NH4]]' or 'drop'");
	if (n > 0 && (rc = check_args(av + 4, n, nh_spec[n], num)) != EX_OK) {
		json_decref(ups);
		return rc;
	}
	return write_updates(x, ups);
}

/* mac add BD MAC PORT | mac del BD MAC | mac show [BD] | mac ageing S */
static int
cmd_mac(struct ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	json_t *port, *ups;
	int rc;

	if (strcmp(sub, "show") == 0)
		return (rc = check_args(av + 1, ac - 1, "[BD]", num)) != EX_OK ?
			rc : show_entries(x, INTENT_T_FDB, "bd", num[0], print_fdb);
	if (strcmp(sub, "ageing") == 0)
		return (rc = check_args(av + 1, ac - 1, "SECONDS", num)) != EX_OK ?
			rc : simple(x, "table.config", json_pack("{s:s,s:I}",
				    "table", INTENT_T_FDB, "idle_timeout_s", num[0]),
				    human_ageing);
	if (strcmp(sub, "add") == 0)
		rc = check_args(av + 1, ac - 1, "BD MAC PORT", num);
	else if (strcmp(sub, "del") == 0)
		rc = check_args(av + 1, ac - 1, "BD MAC", num);
	else
		return usage_error("usage: mac add|del|show|ageing ...");
	if (rc != EX_OK)
		return rc;
	port = sub[0] == 'a' ? scalar_value(av[3]) : NULL;
	ups = intent_mac(num[0], av[2], port);
	json_decref(port);
	return write_updates(x, ups);
}

/* neigh add VRF IP PORT VLAN DMAC SMAC | neigh del VRF IP | neigh show [VRF] */
static int
cmd_neigh(struct ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	json_t *port, *ups;
	int rc;

	if (strcmp(sub, "show") == 0)
		return (rc = check_args(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : show_entries(x, INTENT_T_NEIGH, "vrf", num[0], print_neigh);
	if (strcmp(sub, "add") == 0)
		rc = check_args(av + 1, ac - 1, "VRF IP PORT VLAN DMAC SMAC", num);
	else if (strcmp(sub, "del") == 0)
		rc = check_args(av + 1, ac - 1, "VRF IP", num);
	else
		return usage_error("usage: neigh add|del|show ...");
	if (rc != EX_OK)
		return rc;
	port = sub[0] == 'a' ? scalar_value(av[3]) : NULL;
	ups = port ? intent_neigh(num[0], av[2], port, num[3], av[5], av[6]) :
		intent_neigh(num[0], av[2], NULL, 0, NULL, NULL);
	json_decref(port);
	return write_updates(x, ups);
}

static const struct {
	const char *name;
	int (*fn)(struct ctx *, char **, int);
} switch_cmds[] = {
	{ "slice", cmd_slice }, { "svi", cmd_svi }, { "route", cmd_route },
	{ "mac", cmd_mac }, { "neigh", cmd_neigh },
};

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

	usage_cmd = usage_topic_of(x->av, x->ac);
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
	if (strcmp(cmd, "table") == 0)
		return cmd_table(x);
	for (i = 0; i < sizeof(switch_cmds) / sizeof(switch_cmds[0]); i++) {
		const char *sub = x->ac > 1 ? x->av[1] : "";
		bool writes = strcmp(sub, "show") != 0 &&
			      strcmp(sub, "ageing") != 0;

		if (strcmp(cmd, switch_cmds[i].name) != 0)
			continue;
		if (x->given & ~(writes ? OPT_ATOMICITY : 0u))
			return usage_error("option not valid for '%s %s'",
					   cmd, sub);
		return switch_cmds[i].fn(x, x->av + 1, x->ac - 1);
	}
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
			x->help = true;   /* after a command: that command's help */
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
	if (x->ac == 0 && x->help) {
		usage(stdout);
		return -1;
	}
	if (x->ac == 0) {
		fputs("sxctl: missing COMMAND\n\n", stderr);
		usage(stderr);
		return EX_USAGE;
	}
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
