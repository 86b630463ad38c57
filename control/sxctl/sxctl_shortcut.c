/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl shortcuts: a feature's intent compiled by the intent library, read for and written; its tables shown. */
/*
 * What a feature's shortcut writes is compiled by the intent library
 * (intent.h), which sxcd shares; here are the blocking calls that feed it
 * and the retry when a write lost a race with another client, for every
 * feature's shortcuts (pipelines/<f>/cli/).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "intent.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_shortcut.h"
#include "sxctl_table.h"
#include "sxctl_usage.h"

/* Read what the compile step asked for into @in. */
static int
read_inputs(struct sx_ctx *x, unsigned int need, json_t **in)
{
	const char *table;
	json_t *res;
	int k, rc;

	for (k = 0; k < INTENT_IN_MAX; k++) {
		if (!(need & INTENT_IN(k)) || in[k] != NULL)
			continue;
		table = intent_input_table(k);
		if (table != NULL) {
			rc = table_read_all(x, table, &in[k]);
		} else {
			rc = rpc_call(x, "port.list", NULL, &res);
			if (rc == EX_OK) {
				in[k] = json_incref(json_object_get(res, "ports"));
				json_decref(res);
				if (in[k] == NULL)
					in[k] = json_array();
			}
		}
		if (rc != EX_OK)
			return rc;
	}
	return EX_OK;
}

/*
 * Compile @it, reading what it asks for, and send the write. A write that
 * lost a race (the flood mask another client changed between our read and
 * our write, refused by its "expect") applied nothing: what changed is
 * read again and the intent compiled again, INTENT_ATTEMPTS writes at most.
 */
int
shortcut_run(struct sx_ctx *x, const struct intent *it)
{
	json_t *in[INTENT_IN_MAX] = { NULL }, *params, *res;
	char err[512], what[256];
	unsigned int need, stale;
	int rc, k, attempt = 0;

	for (;;) {
		rc = intent_compile(it, in, &need, &params, err, sizeof(err));
		if (rc == -EAGAIN) {
			if ((rc = read_inputs(x, need, in)) != EX_OK)
				break;
			continue;
		}
		if (rc == -ENOMEM)
			sx_oom();
		if (rc < 0) {
			/* a malformed argument is the caller's, found before any write */
			rc = rc == -EINVAL ? usage_error("%s", err) :
					     rpc_fail(x, intent_reason(rc), "%s", err);
			break;
		}
		if (x->atomicity != NULL)
			json_object_set_new(params, "atomicity", json_string(x->atomicity));
		attempt++;
		rc = rpc_call(x, "table.write", json_incref(params), &res);
		if (rc != EX_OK) {
			json_decref(params);
			break;
		}
		stale = intent_raced(it, params, res, what, sizeof(what));
		json_decref(params);
		if (stale == 0 || attempt == INTENT_ATTEMPTS) {
			if (stale != 0)
				fprintf(stderr, "sxctl: %s changed concurrently, giving up after %d "
					"attempts\n", what, attempt);
			rc = table_judge(x, res);
			break;
		}
		json_decref(res);
		for (k = 0; k < INTENT_IN_MAX; k++)
			if (stale & INTENT_IN(k)) {
				json_decref(in[k]);
				in[k] = NULL;
			}
	}
	for (k = 0; k < INTENT_IN_MAX; k++)
		json_decref(in[k]);
	return rc;
}

int
shortcut_show(struct sx_ctx *x, const struct intent_view *v, json_int_t want, void (*line)(json_t *))
{
	const char *table = intent_view_table(v);
	json_t *all, *keep, *e, *doc;
	size_t i;
	int rc = table_read_all(x, table, &all);

	if (rc != EX_OK)
		return rc;
	keep = intent_view_select(v, all, want);
	if (keep == NULL)
		sx_oom();
	if (x->json) {
		doc = json_pack("{s:s,s:O}", "table", table, "entries", keep);
		fmt_json(stdout, doc);
		json_decref(doc);
	} else {
		json_array_foreach(keep, i, e)
			line(e);
	}
	json_decref(keep);
	json_decref(all);
	return EX_OK;
}
