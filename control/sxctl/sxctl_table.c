/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl table: writes of updates given word by word or as a file, paged reads, clears. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_apidef.h"
#include "sxctl_base.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"


/* --------------------------------------------------------------- writes */

/* Failing updates go to stderr in both output modes: --json scripts see
 * the result, people the reason. */
int
table_judge(struct sx_ctx *x, json_t *res)
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
		fmt_json(stdout, res);
	} else if (nfail == 0 && !json_is_false(committed)) {
		char *gen = fmt_get(res, "generation");

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
table_write(struct sx_ctx *x, json_t *params)
{
	json_t *res;
	int rc;

	if (x->atomicity != NULL)
		json_object_set_new(params, "atomicity",
				    json_string(x->atomicity));
	rc = rpc_call(x, "table.write", params, &res);
	if (rc != EX_OK)
		return rc;
	return table_judge(x, res);
}

static int
table_update(struct sx_ctx *x, char **av, int ac, const char *type)
{
	json_t *u, *params;
	int rc = parse_update(av, ac, type, &u);

	if (rc != EX_OK)
		return rc;
	params = json_pack("{s:[o]}", "updates", u);
	if (params == NULL)
		sx_oom();
	return table_write(x, params);
}

static int
table_load(struct sx_ctx *x, const char *file)
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
table_show(struct sx_ctx *x, const char *table)
{
	json_t *all = NULL, *res, *params, *entries, *e, *next;
	uint64_t offset = x->have_offset ? x->offset : 0, shown = 0;
	size_t i;
	int rc;

	for (;;) {
		params = json_pack("{s:s,s:I}", "table", table, "offset",
				   (json_int_t)offset);
		if (params == NULL)
			sx_oom();
		if (x->have_limit)
			json_object_set_new(params, "limit",
					    json_integer((json_int_t)x->limit));
		rc = rpc_call(x, "table.read", params, &res);
		if (rc != EX_OK)
			break;
		entries = json_object_get(res, "entries");
		next = json_object_get(res, "next_offset");
		if (x->json && !x->all) {
			fmt_json(stdout, res);
		} else if (x->json) {
			/* --all --json: one document, as if read in one page. */
			if (all == NULL)
				all = json_deep_copy(res);
			else
				json_array_extend(json_object_get(all, "entries"),
						  entries);
		} else {
			json_array_foreach(entries, i, e)
				fmt_entry(e);
		}
		shown += json_array_size(entries);
		if (!x->all || !json_is_integer(next) ||
		    json_integer_value(next) <= (json_int_t)offset) {
			if (!x->json) {
				char *total = fmt_get(res, "total");

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
			fmt_json(stdout, all);
		}
		json_decref(all);
	}
	return rc;
}

/* ------------------------------------------------------------ reads */

/* Pages as big as table.read declares it gives, so a big table costs few calls. */
int
table_read_all(struct sx_ctx *x, const char *table, json_t **out)
{
	json_t *all = json_array(), *res, *next;
	json_int_t offset = 0;
	int rc;

	for (;;) {
		rc = rpc_call(x, "table.read", json_pack("{s:s,s:I,s:i}", "table", table,
			     "offset", offset, "limit", DP_APIDEF_READ_LIMIT_MAX), &res);
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

/* ---------------------------------------------------------- commands */

int
table_cmd(struct sx_ctx *x)
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
		return rpc_simple(x, "table.clear", json_pack("{s:s}", "table", rest[0]),
				 fmt_clear);
	return usage_error("bad 'table' command");
}

