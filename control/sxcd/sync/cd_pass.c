/* SPDX-License-Identifier: BSD-3-Clause */
/* A run's write pass (see cd_pass.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_gc.h"
#include "cd_log.h"
#include "cd_outcome.h"
#include "cd_pass.h"
#include "ctl_async.h"

/* keys diffed, owned and written at a time: ~10 ms of the loop each (a
 * chunk of 8,192 held it 0.3 s on a 2-CPU box) */
#define KEYS_CHUNK 1024

static void chunk_done(struct cd_pass *p, bool wrote);
static void keys_ready(struct cd_pass *p);

/* This run's writes from @from of its diff on, and the chunks of it not
 * yet diffed, are not made: each intent they are for is in Error (@reason,
 * @message), and the next run, whatever starts it, makes them. */
static void
not_written(struct cd_pass *p, size_t from, const char *reason, const char *message)
{
	json_t *rest = cd_diff_plan_rest(&p->plan);

	cd_outcome_unwritten(p->errors, p->diff, from, rest, p->c->owner, reason, message);
	json_decref(rest);
	if (p->keys == NULL || p->plan.wk != NULL) {
		p->rediff = true;
		return;
	}
	if (p->redo == NULL)
		p->redo = json_object();
	cd_diff_merge(p->redo, p->keys);
}

/* A store of what is owned under way, for its pass (NULL: the pass was
 * cleared meanwhile, and the store's end is nobody's). */
struct pass_save {
	struct cd_pass *p;
};

/* What is owned is stored: the pass goes on at its next slice (never
 * from inside the store's call: it may end a job another caller flushed). */
static void
on_saved(void *arg, int rc)
{
	struct pass_save *sv = arg;
	struct cd_pass *p = sv->p;

	free(sv);
	if (p == NULL)
		return;
	p->save = NULL;
	p->saved = true;
	p->save_rc = rc;
	p->more(p->arg);
}

/* What sxcd owns, for the keys this run's compile changed (cd_own_update),
 * stored in slices of the loop (cd_own_save_async); the pass goes on
 * from @then once it is. */
static void
owned_update(struct cd_pass *p, bool after, int then)
{
	struct pass_save *sv = calloc(1, sizeof(*sv));

	cd_own_update(p->own, p->keys, p->wseq, p->wowner, p->kept, after);
	p->saving = then;
	p->saved = false;
	if (sv == NULL) {
		p->saved = true;
		p->save_rc = -ENOMEM;
		p->more(p->arg);
		return;
	}
	sv->p = p;
	p->save = sv;
	cd_own_save_async(p->own, on_saved, sv);
}

/* The cache keeps the compile's own entries for what was written, not
 * the copies cd_write made of the updates: one tree an entry, not two
 * (a 100k-session UPF's 200k). Only where they are equal: a dry run may
 * be compiling on the set meanwhile. */
static void
cache_shares(struct cd_pass *p)
{
	json_t *u, *e, *c;
	size_t i;

	json_array_foreach(p->diff, i, u) {
		const char *t = json_string_value(json_object_get(u, "table"));
		const char *k = json_string_value(json_object_get(u, "key"));

		if (t == NULL || k == NULL || json_object_get(u, "action") == NULL)
			continue;
		e = json_object_get(json_object_get(p->c->want, t), k);
		c = json_object_get(json_object_get(p->cache, t), k);
		if (e != NULL && c != NULL && e != c && cd_tables_same(e, c))
			json_object_set(json_object_get(p->cache, t), k, e);
	}
}

/* The writes are over (cd_write): all applied (what sxcd owns stored, the
 * chunk done), refused (written owner by owner: the run over), or the
 * connection lost. */
static void
on_written(void *arg, int rc)
{
	struct cd_pass *p = arg;

	if (p->w.reread)
		p->reread = true;	/* refused, or cannot happen: read it all again next time */
	p->w.reread = false;
	if (rc < 0 && !ctl_async_up(p->ctl)) {
		p->lost(p->arg);
		return;
	}
	if (rc < 0) {   /* still connected, but a batch could not be sent */
		not_written(p, p->w.sent_at, "sxdp", "sxcd could not send these writes to sxdp; retried");
		p->end(p->arg, true);
		return;
	}
	if (rc == CD_WRITE_GROUPED) {
		/* the owners refused are in the errors, and what sxdp holds is read
		 * again next time; the chunks left are written all the same (an
		 * intent of theirs is Ready only once written) */
		chunk_done(p, true);
		return;
	}
	cache_shares(p);
	owned_update(p, true, PASS_SAVE_WROTE);
}

/* The writes: the difference for what the compile changed, written in
 * batches (cd_write). */
static void
write_diff(struct cd_pass *p)
{
	json_t *mine;

	/* what sxcd owns but keeps for quarantined intents is never deleted */
	mine = cd_diff_deletable(p->res, p->c->want, &p->kept);
	p->diff = cd_tables_diff_keys(p->c->want, p->have, p->c->seq, mine, p->c->owner, p->keys);
	json_decref(mine);
	if (!p->whole)   /* what this run owns after it, as compiled now */
		cd_diff_snapshot(p->keys, p->c->seq, p->c->owner, &p->wseq, &p->wowner);
	/* what is about to be written is owned (and by whom) before it is
	 * written: a crash mid-write leaves nothing unaccounted */
	owned_update(p, json_array_size(p->diff) == 0, json_array_size(p->diff) == 0 ? PASS_SAVE_CHUNK :
		     PASS_SAVE_WRITE);
}

/* What is owned is stored (@rc): on with the pass where it waited. */
static void
on_with(struct cd_pass *p, int rc)
{
	int was = p->saving;

	p->saving = PASS_SAVE_NONE;
	p->saved = false;
	if (was == PASS_SAVE_CHUNK || was == PASS_SAVE_WROTE) {
		if (rc < 0)
			CD_LOG(WARN, "cannot store what sxcd owns in sxdp (%s)", strerror(-rc));
		chunk_done(p, was == PASS_SAVE_WROTE);
		return;
	}
	if (rc < 0) {
		/* nothing is written, and no intent whose entries these are is
		 * said Ready: Error, retried */
		char msg[160];

		CD_LOG(WARN, "cannot store what sxcd owns in sxdp (%s): not writing", strerror(-rc));
		snprintf(msg, sizeof(msg), "the store cannot record sxcd's entries before they are "
			 "written: %s", strerror(-rc));
		not_written(p, 0, "store", msg);
		p->end(p->arg, p->chunk_wrote);
		return;
	}
	cd_write_start(&p->w, p->ctl, p->tables, p->cache, p->diff, p->errors, on_written, p);
	if (p->w.active)
		p->idle(p->arg);	/* a dry run may compile while sxdp writes */
}

/* The next chunk's keys, diffed and written as a run's. */
static void
chunk_next(struct cd_pass *p)
{
	p->keys = cd_diff_plan_next(&p->plan, KEYS_CHUNK);
	write_diff(p);
}

/* A chunk's writes are in (or there were none): the next chunk, after the
 * loop has served the others, or the run's end. */
static void
chunk_done(struct cd_pass *p, bool wrote)
{
	p->chunk_wrote = p->chunk_wrote || wrote;
	if (cd_diff_plan_done(&p->plan)) {
		p->finish(p->arg, p->chunk_wrote);
		return;
	}
	cd_gc_free(p->diff);
	json_decref(p->wseq);
	json_decref(p->wowner);
	json_decref(p->kept);
	json_decref(p->keys);
	p->diff = p->wseq = p->wowner = p->kept = p->keys = NULL;
	p->chunking = true;
	p->more(p->arg);
}

/* A whole diff's test (after a whole compile or read): what differs in
 * sxdp, and what sxcd records it owns (and whose) that differs from what
 * it wants. */
static bool
run_differs(void *ctx, const char *table, const char *key, json_t *e)
{
	struct cd_pass *p = ctx;
	json_t *owned = cd_res_state(p->res, "owned"), *owners = cd_res_state(p->res, "owners");
	json_t *h = json_object_get(json_object_get(p->have, table), key);

	return cd_diff_entry_differs(h, e) ||
	       !cd_diff_same(json_object_get(json_object_get(owned, table), key),
			     json_object_get(json_object_get(p->c->seq, table), key)) ||
	       !cd_diff_same(json_object_get(json_object_get(owners, table), key),
			     json_object_get(json_object_get(p->c->owner, table), key));
}

void
cd_pass_start(struct cd_pass *p, struct ctl_async *ctl, struct cd_tables *tables, json_t *cache,
	      const struct cd_compiled *c, json_t *have, json_t *errors)
{
	p->ctl = ctl;
	p->tables = tables;
	p->cache = cache;
	p->c = c;
	p->have = have;
	p->errors = errors;
	if (p->keys == NULL) {
		/* the wanted ones, then the owned ones nobody wants */
		cd_diff_cmp_start(&p->cmp, p->c->want, cd_res_state(p->res, "owned"), run_differs, p);
		p->comparing = true;
		p->more(p->arg);
		return;
	}
	keys_ready(p);
}

/* The keys to diff and write are known (p->keys): many (a whole diff's,
 * a new UPF's thousands) go in chunks, each a slice of the loop of its
 * own, the first at the next slice; few at once. */
static void
keys_ready(struct cd_pass *p)
{
	if (cd_tables_count(p->keys) > KEYS_CHUNK &&
	    cd_diff_plan_make(&p->plan, p->keys, p->c->seq, cd_res_state(p->res, "owned")) == 0) {
		p->keys = NULL;
		p->whole = false;
		p->chunking = true;
		p->more(p->arg);
		return;
	}
	write_diff(p);
}

bool
cd_pass_busy(const struct cd_pass *p)
{
	return p->chunking || p->comparing || p->saving != PASS_SAVE_NONE;
}

void
cd_pass_slice(struct cd_pass *p)
{
	if (p->saving != PASS_SAVE_NONE) {
		if (p->saved)	/* else the store's job still runs: its end asks for more */
			on_with(p, p->save_rc);
		return;
	}
	if (p->chunking) {
		p->chunking = false;
		chunk_next(p);
		return;
	}
	if (!cd_diff_cmp_slice(&p->cmp)) {
		p->more(p->arg);
		return;
	}
	p->comparing = false;
	/* the keys that differ are all there is to write and to own */
	p->keys = json_incref(p->cmp.marked);
	cd_diff_cmp_clear(&p->cmp);
	p->whole = false;
	keys_ready(p);
}

void
cd_pass_take(struct cd_pass *p, json_t *keys)
{
	/* a whole read or a whole compile: a whole diff */
	p->keys = keys;
	if (p->whole) {
		json_decref(p->keys);
		p->keys = NULL;
	}
	p->whole = p->keys == NULL;
	/* what earlier runs could not write goes with this one (a whole
	 * diff looks at every key anyway) */
	if (p->keys != NULL && p->redo != NULL)
		cd_diff_merge(p->keys, p->redo);
	json_decref(p->redo);
	p->redo = NULL;
}

void
cd_pass_init(struct cd_pass *p, struct cd_res *res, struct cd_own *own, cd_pass_end *finish,
	     cd_pass_end *end, cd_pass_fn *lost, cd_pass_fn *more, cd_pass_fn *idle, void *arg)
{
	*p = (struct cd_pass){ .res = res, .own = own, .finish = finish, .end = end, .lost = lost,
			       .more = more, .idle = idle, .arg = arg };
}

void
cd_pass_clear(struct cd_pass *p)
{
	json_decref(p->wseq);
	json_decref(p->wowner);
	p->wseq = p->wowner = NULL;
	json_decref(p->keys);
	cd_diff_cmp_clear(&p->cmp);
	p->keys = NULL;
	cd_diff_plan_clear(&p->plan);
	p->chunking = p->chunk_wrote = false;
	p->saving = PASS_SAVE_NONE;
	p->saved = false;
	if (p->save != NULL)
		p->save->p = NULL;
	p->save = NULL;
	cd_gc_free(p->diff);
	cd_write_clear(&p->w);
	json_decref(p->kept);
	p->diff = p->kept = NULL;
}

void
cd_pass_free(struct cd_pass *p)
{
	cd_pass_clear(p);
	json_decref(p->redo);
	p->redo = NULL;
}
