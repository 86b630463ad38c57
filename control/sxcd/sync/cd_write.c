/* SPDX-License-Identifier: BSD-3-Clause */
/* A run's writes to sxdp (see cd_write.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_hook.h"
#include "cd_log.h"
#include "cd_tables.h"
#include "cd_write.h"
#include "ctl_async.h"

#define WRITE_BATCH	 4096	/* updates in one table.write */

/* The writes are over: told, the last thing done. */
static void
finish(struct cd_write *w, int rc)
{
	w->active = false;
	w->done(w->arg, rc);
}

static void write_group(struct cd_write *w);

/* The owners of the updates @result says were refused (not those only
 * "not_applied" for another's sake) → their reason and message. */
static void
note_refusals(struct cd_write *w, json_t *updates, json_t *result, const char *owner)
{
	json_t *r, *err;
	size_t i;

	json_array_foreach(json_object_get(result, "results"), i, r) {
		const char *reason, *who;

		if (json_is_true(json_object_get(r, "ok")))
			continue;
		err = json_object_get(r, "error");
		reason = json_string_value(json_object_get(json_object_get(err, "data"), "reason"));
		if (reason != NULL && strcmp(reason, "not_applied") == 0)
			continue;
		who = owner ? owner : json_string_value(json_object_get(json_array_get(updates, i),
									 "owner"));
		/* a delete of what no intent wants (a withdrawal's): the run
		 * failed, so no withdrawal is said done */
		if (who == NULL)
			who = "sxcd/deletes";
		if (json_object_get(w->errors, who) == NULL) {
			char *u = json_dumps(json_array_get(updates, i), JSON_COMPACT);

			CD_LOG(WARN, "%s: sxdp refused (%s) %.400s", who, reason ? reason : "refused", u ? u : "");
			free(u);
		}
		if (json_object_get(w->errors, who) == NULL)
			json_object_set_new(w->errors, who, json_pack("{s:s,s:O,s:O}", "reason",
				reason ? reason : "refused", "message",
				json_object_get(err, "message"), "update", json_array_get(updates, i)));
	}
}

/* Did sxdp refuse @updates (@result) only because entries they delete were
 * gone already (deleted behind sxcd's back)? Then those deletes are done:
 * they leave @updates and the cache, and the rest is to be sent again. */
static bool
drop_vanished(struct cd_write *w, json_t *updates, json_t *result)
{
	json_t *r, *keep = json_array();
	size_t i, gone = 0;
	bool only = true;

	json_array_foreach(json_object_get(result, "results"), i, r) {
		json_t *u = json_array_get(updates, i);
		const char *reason = json_string_value(json_object_get(json_object_get(
			json_object_get(r, "error"), "data"), "reason"));
		bool ok = json_is_true(json_object_get(r, "ok"));

		if (!ok && reason != NULL && strcmp(reason, "not_found") == 0 &&
		    strcmp(json_string_value(json_object_get(u, "type")) ?: "", "delete") == 0) {
			if (w->cache != NULL)
				cd_tables_apply(w->tables, w->cache, u, NULL, NULL, NULL, 0);
			gone++;
			continue;
		}
		if (!ok && (reason == NULL || strcmp(reason, "not_applied") != 0))
			only = false;
		json_array_append(keep, u);
	}
	if (only && gone > 0 && json_array_size(json_object_get(result, "results")) ==
	    json_array_size(updates) && w->rewrites++ < 64) {
		json_array_clear(updates);
		json_array_extend(updates, keep);
		json_decref(keep);
		return true;
	}
	json_decref(keep);
	return false;
}

static void on_written(void *arg, json_t *result, json_t *error);
static void next_batch(struct cd_write *w);

static void
on_group_written(void *arg, json_t *result, json_t *error)
{
	struct cd_write *w = arg;
	const char *owner;
	json_t *ups;
	void *it;

	if (!w->active)
		return;
	if (ctl_async_lost(error)) {
		finish(w, -ENOTCONN);
		return;
	}
	it = json_object_iter(w->groups);
	for (size_t i = 0; i < w->group && it != NULL; i++)
		it = json_object_iter_next(w->groups, it);
	owner = json_object_iter_key(it);
	ups = json_object_iter_value(it);
	if (error == NULL && json_integer_value(json_object_get(result, "failed")) > 0 &&
	    drop_vanished(w, ups, result)) {
		write_group(w);	/* the same group again, without them */
		return;
	}
	if (error != NULL)
		json_object_set_new(w->errors, owner, json_pack("{s:s,s:O}", "reason", "refused",
								"message", json_object_get(error, "message")));
	else if (json_integer_value(json_object_get(result, "failed")) > 0)
		note_refusals(w, ups, result, strcmp(owner, "") ? owner : NULL);
	else
		w->writes += json_array_size(ups);	/* dataplane-atomic: all of them or none */
	w->group++;
	write_group(w);
}

/* After a refused batch: each intent's writes as a batch of their own
 * (deletes of what nobody wants any more first, as "" ). */
static void
write_group(struct cd_write *w)
{
	void *it = json_object_iter(w->groups);
	json_t *params;

	for (size_t i = 0; i < w->group && it != NULL; i++)
		it = json_object_iter_next(w->groups, it);
	if (it != NULL && json_array_size(json_object_iter_value(it)) == 0) {
		w->group++;
		write_group(w);
		return;
	}
	if (it == NULL) {
		finish(w, CD_WRITE_GROUPED);
		return;
	}
	params = json_pack("{s:s,s:o}", "atomicity", "dataplane-atomic", "updates",
			   cd_tables_strip(json_object_iter_value(it)));
	if (ctl_async_call(w->ctl, "table.write", params, on_group_written, w) < 0)
		finish(w, -ENOTCONN);
}

static void
on_hook(void *arg, json_t *result, json_t *error)
{
	(void)result;
	if (error != NULL && !ctl_async_lost(error))
		CD_LOG(WARN, "%s: %s", (const char *)arg, json_string_value(json_object_get(error, "message")));
}

/* @u, applied, modified @prev: what the features that watch its table
 * tell sxdp of it, once per @sent key (a batch's). */
static void
hooks_run(struct cd_write *w, json_t *u, json_t *prev, json_t *sent)
{
	const char *table = json_string_value(json_object_get(u, "table"));
	const char *type = json_string_value(json_object_get(u, "type"));
	const struct cd_hook_write *h;
	char name[64], key[128];
	json_t *params;

	if (table == NULL || type == NULL || strcmp(type, "modify") != 0)
		return;
	for (int i = 0; (h = cd_hook_write_at(i)) != NULL; i++) {
		json_t *was;

		if (strcmp(h->table, table) != 0)
			continue;
		was = cd_tables_entry(prev);
		params = h->modified(u, was, name, sizeof(name));
		json_decref(was);
		if (params == NULL)
			continue;
		/* a key is its method's: two tables' hooks may make one call */
		snprintf(key, sizeof(key), "%s/%s", h->method, name);
		if (json_object_get(sent, key) != NULL) {
			json_decref(params);
			continue;
		}
		json_object_set_new(sent, key, json_true());
		ctl_async_call(w->ctl, h->method, params, on_hook, (void *)h->method);
	}
}

/* The next batch of the run's writes, from w->sent_at + w->sent_n (0, 0:
 * the first), or the end of them (told to the caller, which stores what
 * sxcd owns). A
 * run's writes go in batches of WRITE_BATCH, in order (what an entry needs
 * comes first), each dataplane-atomic: one of 100k sessions would be past
 * what sxdp takes in one call (65,536 updates, 16 MiB) and hold the loop
 * serialising it. */
static void
next_batch(struct cd_write *w)
{
	json_t *params;

	w->sent_at += w->sent_n;
	w->sent_n = 0;
	json_decref(w->sent);
	w->sent = NULL;
	if (w->sent_at >= json_array_size(w->diff)) {
		finish(w, CD_WRITE_APPLIED);
		return;
	}
	w->sent = json_array();
	for (size_t i = w->sent_at; i < json_array_size(w->diff) && w->sent_n < WRITE_BATCH; i++, w->sent_n++)
		json_array_append(w->sent, json_array_get(w->diff, i));
	params = json_pack("{s:s,s:o}", "atomicity", "dataplane-atomic", "updates", cd_tables_strip(w->sent));
	if (ctl_async_call(w->ctl, "table.write", params, on_written, w) < 0)
		finish(w, -ENOTCONN);
}

/* sxdp answered a batch: applied (the cache follows it), some entries
 * already gone (written again without them), or refused (what is left
 * written intent by intent). */
static void
on_written(void *arg, json_t *result, json_t *error)
{
	struct cd_write *w = arg;
	json_t *u;
	size_t i;

	if (!w->active)
		return;
	if (ctl_async_lost(error)) {
		finish(w, -ENOTCONN);
		return;
	}
	if (error == NULL && json_integer_value(json_object_get(result, "failed")) > 0 &&
	    drop_vanished(w, w->sent, result)) {
		if (json_array_size(w->sent) == 0) {
			next_batch(w);
			return;
		}
		if (ctl_async_call(w->ctl, "table.write", json_pack("{s:s,s:o}", "atomicity",
				   "dataplane-atomic", "updates", cd_tables_strip(w->sent)),
				   on_written, w) < 0)
			finish(w, -ENOTCONN);
		return;
	}
	if (error == NULL && json_integer_value(json_object_get(result, "failed")) == 0) {
		json_t *sent = json_object(), *prev;

		/* what sxdp applied, not what was sent: a batch sent again
		 * without deletes of what was gone counts once, without them */
		w->writes += json_array_size(w->sent);
		json_array_foreach(w->sent, i, u) {
			if (cd_tables_apply(w->tables, w->cache, u, NULL, &prev, NULL, 0) < 0)
				w->reread = true;	/* cannot happen: read it all again next time */
			else if (prev != NULL)
				hooks_run(w, u, prev, sent);
			json_decref(prev);
		}
		json_decref(sent);
		next_batch(w);
		return;
	}
	/* refused: each intent on its own (what is left of the writes); what
	 * sxdp holds then is read again */
	w->reread = true;
	if (error != NULL)
		CD_LOG(WARN, "table.write refused: %s",
		       json_string_value(json_object_get(error, "message")));
	w->groups = json_object();
	json_array_foreach(w->diff, i, u) {
		if (i < w->sent_at)
			continue;
		const char *who = json_string_value(json_object_get(u, "owner"));
		json_t *g;

		if (who == NULL)
			who = "";
		if ((g = json_object_get(w->groups, who)) == NULL) {
			g = json_array();
			json_object_set_new(w->groups, who, g);
		}
		json_array_append(g, u);
	}
	w->group = 0;
	write_group(w);
}

void
cd_write_start(struct cd_write *w, struct ctl_async *ctl, struct cd_tables *tables, json_t *cache,
	       json_t *diff, json_t *errors, cd_write_done *done, void *arg)
{
	/* (a run's next chunk after a refused one: its groups are done) */
	json_decref(w->sent);
	json_decref(w->groups);
	w->sent = w->groups = NULL;
	w->group = 0;
	w->ctl = ctl;
	w->tables = tables;
	w->cache = cache;
	w->diff = diff;
	w->errors = errors;
	w->done = done;
	w->arg = arg;
	w->active = true;
	w->sent_at = w->sent_n = 0;
	next_batch(w);
}

void
cd_write_clear(struct cd_write *w)
{
	json_decref(w->sent);
	json_decref(w->groups);
	w->sent = w->groups = NULL;
	w->sent_at = w->sent_n = w->group = 0;
	w->rewrites = 0;
	w->active = false;
	w->reread = false;
}
