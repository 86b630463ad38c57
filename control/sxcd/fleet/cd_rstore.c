/* SPDX-License-Identifier: BSD-3-Clause */
/* A fleet's shared store as cd_res's store elsewhere: revisions known, what it says, writes (see cd_rstore.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_kind.h"
#include "cd_log.h"
#include "cd_rev.h"
#include "cd_rstatus.h"
#include "cd_rstore.h"
#include "store.h"

struct cd_rstore {
	struct cd_res *res;
	struct cd_rstore_ops ops;
	json_t *revs;	/* "KIND/NAME" → the shared store's revision of its last change known */
};

/* A commit through the shared store, waiting for its answer. */
struct rjob {
	struct cd_rstore *s;
	struct cd_change *ch;
	size_t n;
	struct cd_rev_rec rec;	/* the revision recording it */
	cd_res_committed *fn;
	void *arg;
};

static void
who_of(char *who, size_t len, int kind, const char *name)
{
	snprintf(who, len, "%s/%s", cd_kind_name(kind), name);
}

static json_int_t
rev_known(struct cd_rstore *s, int kind, const char *name)
{
	char who[STORE_NAME_MAX * 2 + 2];

	who_of(who, sizeof(who), kind, name);
	return json_integer_value(json_object_get(s->revs, who));
}

int
cd_rstore_put(struct cd_rstore *s, int kind, const char *name, json_t *doc, json_int_t rev,
	      json_int_t created)
{
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *errs;
	int changed, rc;

	if (!store_name_ok(name) || strlen(name) > STORE_NAME_MAX || rev <= rev_known(s, kind, name))
		return 0;
	who_of(who, sizeof(who), kind, name);
	json_object_set_new(s->revs, who, json_integer(rev));
	if (doc != NULL) {
		errs = json_array();
		if (!cd_res_valid(s->res, kind, doc, errs)) {
			char *m = json_dumps(errs, JSON_COMPACT);

			CD_LOG(ERR, "the fleet's store holds %s (revision %" JSON_INTEGER_FORMAT ") that is "
			       "not a valid intent: left out%s: %s", who, rev, cd_res_live(s->res, kind, name) ?
			       ", its last valid version kept" : "", m ? m : "");
			free(m);
			json_decref(errs);
			return 0;
		}
		json_decref(errs);
	}
	changed = cd_res_adopt(s->res, kind, name, doc, rev, created, &rc);
	if (rc < 0)
		CD_LOG(ERR, "the local cache of the fleet's store: %s: %s", who, strerror(-rc));
	return changed;
}

int
cd_rstore_reset(struct cd_rstore *s, json_t *all, json_int_t rev)
{
	json_t *objs, *doc, *gens, *g;
	const char *kind, *name, *who;
	int changed = 0;

	json_object_foreach(all, kind, objs) {
		int k = cd_kind_of(kind);

		json_object_foreach(objs, name, doc) {
			json_int_t known = rev_known(s, k, name), at = json_integer_value(json_object_get(doc, "rev"));
			char w[STORE_NAME_MAX * 2 + 2];

			/* what is known as of @rev or before and is not what the store
			 * holds (a cache of another time: a store restored, say) goes */
			who_of(w, sizeof(w), k, name);
			if (k >= 0 && known <= rev && known != at)
				json_object_set_new(s->revs, w, json_integer(0));
			changed += cd_rstore_put(s, k, name, json_object_get(doc, "doc"), at,
						 json_integer_value(json_object_get(doc, "created")));
		}
	}
	/* what the store no longer has, unless known to be newer than @rev:
	 * absent at @rev, a withdrawal at @rev as far as anyone can tell */
	gens = cd_res_generations(s->res);
	json_object_foreach(gens, who, g) {
		const char *sl = strchr(who, '/');
		char k[64];

		if (sl == NULL || (size_t)(sl - who) >= sizeof(k))
			continue;
		snprintf(k, sizeof(k), "%.*s", (int)(sl - who), who);
		if (json_object_get(json_object_get(all, k), sl + 1) != NULL ||
		    json_integer_value(json_object_get(s->revs, who)) > rev)
			continue;
		json_object_set_new(s->revs, who, json_integer(rev - 1 > 0 ? rev - 1 : 0));
		changed += cd_rstore_put(s, cd_kind_of(k), sl + 1, NULL, rev, 0);
	}
	json_decref(gens);
	return changed;
}

/* The write's answer: each change in memory as the store has it now, its
 * revision in the history. */
static void
written(void *arg, int rc, json_int_t rev)
{
	struct rjob *j = arg;
	json_int_t at = 0;

	if (rc == 0) {
		for (size_t i = 0; i < j->n; i++) {
			struct cd_change *c = &j->ch[i];
			json_t *meta = json_object_get(c->doc, "metadata");

			if (strcmp(c->action, "unchanged") == 0)
				continue;
			c->generation = rev;
			if (c->doc == NULL) {
				cd_rstore_put(j->s, c->kind, c->name, NULL, rev, 0);
				continue;
			}
			json_object_set_new(meta, "generation", json_integer(rev));
			if (strcmp(c->action, "created") == 0)
				json_object_set_new(meta, "serial", json_integer(rev));
			cd_rstore_put(j->s, c->kind, c->name, c->doc, rev,
				      json_integer_value(json_object_get(meta, "serial")));
		}
		if (j->rec.doc != NULL) {
			j->s->ops.kept(j->s->ops.ctx, &j->rec);
			at = cd_rev_kept(cd_res_history(j->s->res), &j->rec, rev);
		}
	}
	cd_rev_rec_clear(&j->rec);
	j->fn(j->arg, rc, at);
	free(j);
}

/* cd_res_remote's commit: the changes at the revisions this box knows,
 * and the revision recording them, as one. */
static void
commit(void *ctx, struct cd_change *ch, size_t n, const struct cd_rev_who *who, cd_res_committed *fn,
       void *arg)
{
	struct cd_rstore *s = ctx;
	struct rjob *j = calloc(1, sizeof(*j));
	struct cd_change *chs = calloc(n + 1, sizeof(*chs));
	json_int_t *revs = calloc(n + 1, sizeof(*revs));
	json_t **before = calloc(n + 1, sizeof(*before));
	size_t m = 0;
	int rc = j == NULL || chs == NULL || revs == NULL || before == NULL ? -ENOMEM : 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char w[STORE_NAME_MAX * 2 + 2];

		before[i] = json_object_get(json_object_get(cd_res_docs(s->res), cd_kind_name(ch[i].kind)),
					    ch[i].name);
		if (strcmp(ch[i].action, "unchanged") == 0)
			continue;
		who_of(w, sizeof(w), ch[i].kind, ch[i].name);
		/* at the revision it was checked against: a change this box has
		 * not seen yet, or one that came after the check, fails the write */
		revs[m] = ch[i].seen > 0 || !cd_rstatus_quarantined(s->res, w) ? ch[i].seen :
			  rev_known(s, ch[i].kind, ch[i].name);
		chs[m++] = ch[i];
	}
	if (rc == 0)
		*j = (struct rjob){ .s = s, .ch = ch, .n = n, .fn = fn, .arg = arg };
	if (rc == 0 && m > 0 && who != NULL)
		rc = cd_rev_record(cd_res_history(s->res), ch, before, n, who, &j->rec);
	free(before);
	if (rc < 0 || m == 0) {
		free(chs);
		free(revs);
		if (j != NULL)
			cd_rev_rec_clear(&j->rec);
		free(j);
		fn(arg, rc, 0);
		return;
	}
	s->ops.write(s->ops.ctx, chs, revs, m, &j->rec, written, j);
	free(chs);
	free(revs);
}

/* cd_res_remote's result: the revision's document written again. */
static void
result(void *ctx, const char *name, json_int_t at, json_t *doc)
{
	struct cd_rstore *s = ctx;

	s->ops.result(s->ops.ctx, name, at, doc);
}

int
cd_rstore_new(struct cd_res *res, const char *site, const struct cd_rstore_ops *ops, struct cd_rstore **out)
{
	struct cd_rstore *s = calloc(1, sizeof(*s));
	struct cd_res_remote rem = { .commit = commit, .result = result, .ctx = s };
	json_t *gens;

	if (s == NULL)
		return -ENOMEM;
	*s = (struct cd_rstore){ .res = res, .ops = *ops };
	/* the cache's documents carry the revisions they were read at; the
	 * history is the shared store's, read with its intents */
	gens = cd_res_generations(res);	/* (shared: a copy of its own, changed here) */
	s->revs = gens != NULL ? json_copy(gens) : NULL;
	json_decref(gens);
	if (s->revs == NULL || cd_rev_shared(cd_res_history(res), site) < 0) {
		json_decref(s->revs);
		free(s);
		return -ENOMEM;
	}
	cd_res_set_remote(res, &rem);
	*out = s;
	return 0;
}

int
cd_rstore_revision(struct cd_rstore *s, const char *name, json_int_t number, json_int_t at, json_t *doc)
{
	return cd_rev_adopt(cd_res_history(s->res), name, number, at, doc);
}

void
cd_rstore_revisions_reset(struct cd_rstore *s, json_t *all, json_int_t at)
{
	struct cd_rev *h = cd_res_history(s->res);
	const char *name;
	json_t *r;

	cd_rev_sweep(h);
	json_object_foreach(all, name, r)
		cd_rev_adopt(h, name, json_integer_value(json_object_get(r, "created")),
			     json_integer_value(json_object_get(r, "rev")), json_object_get(r, "doc"));
	cd_rev_swept(h, at);
}

void
cd_rstore_free(struct cd_rstore *s)
{
	if (s == NULL)
		return;
	json_decref(s->revs);
	free(s);
}
