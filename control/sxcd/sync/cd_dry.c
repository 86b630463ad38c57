/* SPDX-License-Identifier: BSD-3-Clause */
/* Dry runs (see cd_dry.h). */
#include <errno.h>
#include <stdlib.h>
#include <event2/event.h>

#include "cd_dry.h"
#include "cd_gc.h"
#include "cd_log.h"

/* Where the one under way is: */
enum {
	CD_DRY_NOW = 1,		/* compiling the intents as they are */
	CD_DRY_THEN,		/* compiling them as the dry run would have them */
	CD_DRY_READING,		/* a preview: sxdp's tables being read */
	CD_DRY_READ,		/* ... read (or not: d->rc) */
	CD_DRY_COMPARING,	/* a preview's set compared with sxdp's tables in slices */
	CD_DRY_KNOWN,		/* its writes (or a collision check's results) known: back at the next slice */
	CD_DRY_BACK,		/* compiling back to the intents as they are */
};

/* A dry run waiting or under way. */
struct cd_dry_one {
	struct cd_dry_one *next;
	struct cd_dry *d;
	struct event *expiry;	/* a check not started by then goes unchecked */
	json_t *specs;
	bool read;		/* a preview: its writes against sxdp's tables */
	unsigned int wait_ms;	/* its start bound (0: none) */
	unsigned int overdue;	/* bounds it has been under way past */
	cd_dry_done *fn;	/* NULL: its request went away */
	void *arg;
};

static void
one_free(struct cd_dry_one *o)
{
	if (o->expiry != NULL)
		event_free(o->expiry);
	json_decref(o->specs);
	free(o);
}

/* A check still waiting (a run stuck on sxdp, changes queued behind it):
 * answered -EBUSY; the write goes unchecked (the older intent wins when
 * both compile). */
static void
on_expiry(evutil_socket_t fd, short what, void *arg)
{
	struct cd_dry_one *o = arg, **pp;
	struct cd_dry *d = o->d;

	(void)fd;
	(void)what;
	if (d->on && d->head == o) {
		/* under way: it ends in slices of the loop, and says so each
		 * @wait_ms it has not (a check that never ends holds its change's
		 * answer, and every dry run behind it) */
		struct timeval tv = { .tv_sec = o->wait_ms / 1000, .tv_usec = (o->wait_ms % 1000) * 1000 };

		o->overdue++;
		CD_LOG(WARN, "dry run still under way %u ms past its start bound (phase %d, %s)",
		       o->overdue * o->wait_ms, d->phase, o->read ? "a preview" : "a collision check");
		evtimer_add(o->expiry, &tv);
		return;
	}
	for (pp = &d->head; *pp != NULL && *pp != o; pp = &(*pp)->next)
		;
	if (*pp == NULL)
		return;
	*pp = o->next;
	if (o->fn != NULL)
		o->fn(o->arg, -EBUSY, NULL, NULL);
	one_free(o);
}

void
cd_dry_end(struct cd_dry *d, int rc)
{
	struct cd_dry_one *o = d->head;

	d->head = o->next;
	d->on = false;
	d->phase = 0;
	d->rc = 0;
	cd_diff_cmp_clear(&d->cmp);
	if (o->fn != NULL)
		o->fn(o->arg, rc, d->diff, d->results);
	/* what it read is what sxdp holds: the reconciler's next run writes
	 * against it what this one announced */
	if (rc == 0 && d->have != NULL)
		d->adopt(d->arg, d->have);
	cd_gc_free(d->have);
	json_decref(d->mine);
	json_decref(d->rwant);
	d->have = d->mine = d->rwant = NULL;
	cd_gc_free(d->diff);
	cd_gc_free(d->results);
	d->diff = d->results = NULL;
	one_free(o);
	d->next(d->arg);
}

void
cd_dry_end_all(struct cd_dry *d, int rc)
{
	while (d->on || d->head != NULL) {
		d->on = true;
		cd_dry_end(d, rc);
	}
}

/* A preview's writes, against sxdp's tables (cmp) as a run writes them,
 * and how the intents it compiled came out. */
static void
collect(struct cd_dry *d, struct cd_compiler *cc)
{
	const struct cd_compiled *c = cd_compiler_set(cc);

	/* a later update replaces the results it compiles: a copy of the
	 * object holds these */
	d->results = json_copy(c->results);
	d->diff = cd_tables_diff_keys(c->want, d->have, c->seq, d->mine, c->owner, d->cmp.marked);
	cd_diff_cmp_clear(&d->cmp);
}

/* What a preview reads and compares of @want (the dry run's set): the
 * tables its update touched (@touched; NULL: it compiled everything, all
 * of them). Those it did not touch are as the run before wrote them (the
 * reconciler's cache says what they hold, and a run diffs them against
 * that): a site's slices changed need not read a UPF's 200k sessions
 * back. New; its rows shared. */
static json_t *
tables_of(json_t *want, json_t *touched)
{
	json_t *out, *rows;
	const char *t;

	if (touched == NULL)
		return json_incref(want);
	out = json_object();
	json_object_foreach(touched, t, rows)
		json_object_set(out, t, json_object_get(want, t) ?: json_object());
	return out;
}

/* A preview's set against sxdp's tables: an entry sxdp lacks, or holds
 * otherwise (a run's test, cd_pass). */
static bool
differs_sxdp(void *ctx, const char *table, const char *key, json_t *e)
{
	struct cd_dry *d = ctx;

	return cd_diff_entry_differs(json_object_get(json_object_get(d->have, table), key), e);
}

/* The dry run's writes known: back to the intents as they are. */
static void
go_back(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
	json_t *kernel)
{
	d->phase = CD_DRY_BACK;
	cd_compiler_begin(cc, t, specs, kernel, false);
	d->more(d->arg);
}

void
cd_dry_slice(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
	     json_t *kernel)
{
	int rc;

	switch (d->phase) {
	case CD_DRY_READING:	/* (cd_dry_read_done goes on) */
		return;
	case CD_DRY_READ:
		if (d->rc < 0) {
			go_back(d, cc, t, specs, kernel);
			return;
		}
		/* the wanted entries sxdp lacks or holds otherwise, then what
		 * sxcd owns that nobody wants (deleted if sxdp has it) */
		d->phase = CD_DRY_COMPARING;
		cd_diff_cmp_start(&d->cmp, d->rwant, d->mine, differs_sxdp, d);
		d->more(d->arg);
		return;
	case CD_DRY_COMPARING:
		if (!cd_diff_cmp_slice(&d->cmp)) {
			d->more(d->arg);
			return;
		}
		collect(d, cc);
		d->phase = CD_DRY_KNOWN;
		d->more(d->arg);
		return;
	case CD_DRY_KNOWN:
		go_back(d, cc, t, specs, kernel);
		return;
	default:
		break;
	}
	if ((rc = cd_compiler_step(cc, d->slice_us)) == -EAGAIN) {
		d->more(d->arg);
		return;
	}
	if (rc < 0) {
		cd_dry_end(d, rc);
		return;
	}
	switch (d->phase) {
	case CD_DRY_NOW:
		d->phase = CD_DRY_THEN;
		cd_compiler_begin(cc, t, d->head->specs, kernel, true);
		break;
	case CD_DRY_THEN:
		if (d->head->read) {   /* what sxdp holds now, then compared */
			d->phase = CD_DRY_READING;
			d->rwant = tables_of(cd_compiler_set(cc)->want, cd_compiler_touched(cc));
			d->read(d->arg, d->rwant);
			return;
		}
		/* a collision check: its results alone (its writes are no one's
		 * to see: a 2,000-session UPF's diff is 4,000 keys sifted) */
		d->results = json_copy(cd_compiler_set(cc)->results);
		d->phase = CD_DRY_KNOWN;
		break;
	default:
		/* the way back leaves nothing of the dry run behind; when it
		 * cannot, the next run stores the writes' new numbers */
		if (cd_compiler_undone(cc) < 0)
			CD_LOG(WARN, "dry run: the intents compiled back to other writes than before it; "
			       "the next run stores their new order");
		cd_dry_end(d, d->rc);
		return;
	}
	d->more(d->arg);
}

void
cd_dry_read_done(struct cd_dry *d, json_t *have, json_t *mine, int rc)
{
	if (!d->on || d->phase != CD_DRY_READING) {   /* ended meanwhile (sxdp lost) */
		cd_gc_free(have);
		json_decref(mine);
		return;
	}
	d->have = have;
	d->mine = mine;
	d->rc = rc;
	d->phase = CD_DRY_READ;
	d->more(d->arg);
}

void
cd_dry_begin(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
	     json_t *kernel)
{
	d->on = true;
	d->phase = CD_DRY_NOW;
	d->rc = 0;
	cd_compiler_begin(cc, t, specs, kernel, false);
	d->more(d->arg);
}

bool
cd_dry_head_reads(const struct cd_dry *d)
{
	return d->head != NULL && d->head->read;
}

int
cd_dry_add(struct cd_dry *d, json_t *specs, unsigned int wait_ms, bool read, cd_dry_done *fn,
	   void *arg)
{
	struct timeval tv = { .tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000 };
	struct cd_dry_one *o, **pp;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -ENOMEM;
	*o = (struct cd_dry_one){ .d = d, .specs = json_incref(specs), .read = read, .wait_ms = wait_ms,
				   .fn = fn, .arg = arg };
	if (wait_ms > 0 && ((o->expiry = evtimer_new(d->base, on_expiry, o)) == NULL ||
			    evtimer_add(o->expiry, &tv) < 0)) {
		one_free(o);
		return -ENOMEM;
	}
	for (pp = &d->head; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = o;
	return 0;
}

void
cd_dry_cancel(struct cd_dry *d, void *arg)
{
	struct cd_dry_one **pp = &d->head, *o;

	while ((o = *pp) != NULL) {
		if (o->arg == arg && !(d->on && o == d->head)) {
			*pp = o->next;
			one_free(o);
		} else {
			if (o->arg == arg)
				o->fn = NULL;	/* under way: it ends, unanswered */
			pp = &o->next;
		}
	}
}

void
cd_dry_init(struct cd_dry *d, struct event_base *base, unsigned int slice_us, cd_dry_fn *more,
	    cd_dry_fn *next, cd_dry_read *read, cd_dry_adopt *adopt, void *arg)
{
	*d = (struct cd_dry){ .base = base, .slice_us = slice_us, .more = more, .next = next,
			      .read = read, .adopt = adopt, .arg = arg };
}

void
cd_dry_free(struct cd_dry *d)
{
	cd_diff_cmp_clear(&d->cmp);
	json_decref(d->diff);
	json_decref(d->results);
	json_decref(d->have);
	json_decref(d->mine);
	json_decref(d->rwant);
	d->diff = d->results = d->have = d->mine = d->rwant = NULL;
	while (d->head != NULL) {
		struct cd_dry_one *o = d->head;

		d->head = o->next;
		one_free(o);
	}
}
