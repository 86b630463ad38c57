/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rev (see cd_rev.h): the intents' history, kept with the changes it records. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cd_change.h"
#include "cd_clock.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_rev.h"
#include "cd_secret.h"

struct rev {
	json_int_t n;
	json_int_t at;	/* the store's revision it was last written at (alone: n) */
	json_t *doc;
	size_t bytes;	/* its document's size as stored */
	bool seen;	/* read again since cd_rev_sweep */
	char name[CD_REV_NAME_LEN];
};

struct cd_rev {
	struct rev *r;	/* oldest first */
	size_t n, cap;
	size_t bytes;
	size_t max_n, max_bytes;
	char *site;	/* a fleet's store's box: its site (NULL: alone) */
};

static size_t
doc_bytes(json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	size_t n = s != NULL ? strlen(s) : 0;

	free(s);
	return n;
}

static void
rev_name(char *out, size_t len, json_int_t n)
{
	snprintf(out, len, "%010" JSON_INTEGER_FORMAT, n);
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* Is @doc a revision's document: what cd_rev_record makes, or close
 * enough for what reads it (the history, its states and diffs)? */
static bool
well_formed(json_t *doc)
{
	json_t *c;
	size_t i;

	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "changes")))
		return false;
	json_array_foreach(json_object_get(doc, "changes"), i, c)
		if (!json_is_string(json_object_get(c, "kind")) || !json_is_string(json_object_get(c, "name")) ||
		    !json_is_string(json_object_get(c, "action")) ||
		    (json_object_get(c, "site") != NULL && !json_is_string(json_object_get(c, "site"))) ||
		    (json_object_get(c, "before") != NULL && !json_is_object(json_object_get(c, "before"))) ||
		    (json_object_get(c, "after") != NULL && !json_is_object(json_object_get(c, "after"))))
			return false;
	return true;
}

static size_t
find_pos(const struct cd_rev *v, json_int_t n)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->r[mid].n < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct rev *
find(const struct cd_rev *v, json_int_t n)
{
	size_t i = find_pos(v, n);

	return i < v->n && v->r[i].n == n ? &v->r[i] : NULL;
}

static struct rev *
find_name(const struct cd_rev *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->r[i].name, name) == 0)
			return &v->r[i];
	return NULL;
}

static void
drop(struct cd_rev *v, struct rev *r)
{
	size_t i = (size_t)(r - v->r);

	v->bytes -= r->bytes;
	json_decref(r->doc);
	memmove(r, r + 1, (v->n - i - 1) * sizeof(*r));
	v->n--;
}

/* @doc (a reference taken) as revision @n named @name, in order. */
static int
insert(struct cd_rev *v, const char *name, json_int_t n, json_int_t at, json_t *doc, size_t bytes)
{
	size_t i = find_pos(v, n);

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct rev *r = realloc(v->r, cap * sizeof(*r));

		if (r == NULL) {
			json_decref(doc);
			return -ENOMEM;
		}
		v->r = r;
		v->cap = cap;
	}
	memmove(v->r + i + 1, v->r + i, (v->n - i) * sizeof(*v->r));
	v->r[i] = (struct rev){ .n = n, .at = at, .doc = doc, .bytes = bytes ? bytes : doc_bytes(doc), .seen = true };
	snprintf(v->r[i].name, sizeof(v->r[i].name), "%s", name);
	v->bytes += v->r[i].bytes;
	v->n++;
	return 0;
}

struct cd_rev *
cd_rev_new(json_t *stored, size_t max_n, size_t max_bytes)
{
	struct cd_rev *v = calloc(1, sizeof(*v));
	const char *name;
	json_t *doc;

	if (v == NULL)
		return NULL;
	v->max_n = max_n ? max_n : CD_REV_MAX_N;
	v->max_bytes = max_bytes ? max_bytes : CD_REV_MAX_BYTES;
	json_object_foreach(stored, name, doc) {
		json_int_t n = json_integer_value(json_object_get(doc, "revision"));
		char want[32];

		rev_name(want, sizeof(want), n);
		if (n <= 0 || strcmp(want, name) != 0 || !well_formed(doc)) {
			CD_LOG(ERR, "the store's %s/%s.json is not a revision: left out of the history",
			       CD_REV_KIND, name);
			continue;
		}
		if (insert(v, name, n, n, json_incref(doc), 0) < 0) {
			cd_rev_free(v);
			return NULL;
		}
	}
	return v;
}

void
cd_rev_free(struct cd_rev *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		json_decref(v->r[i].doc);
	free(v->r);
	free(v->site);
	free(v);
}

void
cd_rev_bounds(struct cd_rev *v, size_t max_n, size_t max_bytes)
{
	v->max_n = max_n;
	v->max_bytes = max_bytes;
}

int
cd_rev_shared(struct cd_rev *v, const char *site)
{
	char *s = strdup(site);

	if (s == NULL)
		return -ENOMEM;
	free(v->site);
	v->site = s;
	while (v->n > 0)
		drop(v, &v->r[v->n - 1]);
	return 0;
}

const char *
cd_rev_site(const struct cd_rev *v)
{
	return v->site;
}

json_int_t
cd_rev_last(const struct cd_rev *v)
{
	return v->n > 0 ? v->r[v->n - 1].n : 0;
}

json_int_t
cd_rev_oldest(const struct cd_rev *v)
{
	return v->n > 0 ? v->r[0].n : 0;
}

/* How many of the oldest go for one more of @bytes. */
static size_t
pushed_out(const struct cd_rev *v, size_t bytes)
{
	size_t k = 0, left = v->bytes;

	while (k < v->n && (v->n - k + 1 > v->max_n || left + bytes > v->max_bytes)) {
		left -= v->r[k].bytes;
		k++;
	}
	return k;
}

/* A name no other box's revision takes: 96 random bits. */
static int
random_name(char *out, size_t len)
{
	unsigned char b[12];

	if (len < 2 * sizeof(b) + 1 || getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	cd_hex(out, b, sizeof(b));
	return 0;
}

void
cd_rev_rec_clear(struct cd_rev_rec *rec)
{
	json_decref(rec->doc);
	free(rec->out);
	*rec = (struct cd_rev_rec){ 0 };
}

int
cd_rev_record(struct cd_rev *v, const struct cd_change *ch, json_t *const *before, size_t n,
	      const struct cd_rev_who *who, struct cd_rev_rec *rec)
{
	json_t *chg = json_array(), *d;
	const char *at = who->site ? who->site : v->site;
	char now[32];
	size_t k;

	*rec = (struct cd_rev_rec){ 0 };
	if (chg == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ch[i].action, "unchanged") == 0)
			continue;
		json_t *c = json_pack("{s:s,s:s,s:s}", "kind", cd_kind_name(ch[i].kind), "name", ch[i].name,
				      "action", ch[i].action);

		/* alone, the generation is known now; on a fleet's store it is the revision's number */
		if (c != NULL && v->site == NULL)
			json_object_set_new(c, "generation", json_integer(ch[i].generation));
		if (c != NULL && at != NULL && cd_kind_per_site(ch[i].kind))
			json_object_set_new(c, "site", json_string(at));
		/* none: left out */
		if (c != NULL && before[i] != NULL)
			json_object_set(c, "before", before[i]);
		if (c != NULL && ch[i].doc != NULL)
			json_object_set(c, "after", ch[i].doc);
		json_array_append_new(chg, c);
	}
	if (json_array_size(chg) == 0) {
		json_decref(chg);
		return 0;
	}
	d = json_pack("{s:s,s:s,s:s,s:s,s:o,s:{}}", "time", cd_clock_utc(now, sizeof(now), false),
		      "by", who->by ? who->by : "-", "from", who->from ? who->from : "-", "route",
		      who->route ? who->route : "-", "changes", chg, "result");
	if (d != NULL && who->rollback_of > 0)
		json_object_set_new(d, "rollback_of", json_integer(who->rollback_of));
	if (d != NULL && v->site != NULL)
		json_object_set_new(d, "site", json_string(v->site));
	if (d == NULL)
		return -ENOMEM;
	if (v->site == NULL) {
		json_object_set_new(d, "revision", json_integer(cd_rev_last(v) + 1));
		rev_name(rec->name, sizeof(rec->name), cd_rev_last(v) + 1);
	} else if (random_name(rec->name, sizeof(rec->name)) < 0) {
		json_decref(d);
		return -EIO;
	}
	rec->doc = d;
	/* its size once: what it pushes out now is what cd_rev_kept drops */
	rec->bytes = doc_bytes(d);
	k = pushed_out(v, rec->bytes);
	if (k > 0 && (rec->out = calloc(k, sizeof(*rec->out))) == NULL) {
		cd_rev_rec_clear(rec);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++)
		snprintf(rec->out[i], sizeof(rec->out[i]), "%s", v->r[i].name);
	rec->nout = k;
	return 0;
}

/* A fleet's revision as read: numbered, its changes at that generation. */
static void
numbered(json_t *doc, json_int_t n)
{
	json_t *c;
	size_t i;

	json_object_set_new(doc, "revision", json_integer(n));
	json_array_foreach(json_object_get(doc, "changes"), i, c)
		json_object_set_new(c, "generation", json_integer(n));
}

json_int_t
cd_rev_kept(struct cd_rev *v, struct cd_rev_rec *rec, json_int_t number)
{
	json_int_t n = number > 0 ? number : json_integer_value(json_object_get(rec->doc, "revision"));
	struct rev *r;

	for (size_t i = 0; i < rec->nout; i++)
		if ((r = find_name(v, rec->out[i])) != NULL)
			drop(v, r);
	if (v->site != NULL)
		numbered(rec->doc, n);
	/* a fleet's: the watch may have told of it first */
	if ((r = find_name(v, rec->name)) != NULL)
		drop(v, r);
	if (insert(v, rec->name, n, n, json_incref(rec->doc), rec->bytes) < 0)
		CD_LOG(ERR, "out of memory: revision %" JSON_INTEGER_FORMAT " is stored but not listed until "
		       "sxcd reads the history again", n);
	cd_rev_rec_clear(rec);
	return n;
}

int
cd_rev_adopt(struct cd_rev *v, const char *name, json_int_t number, json_int_t at, json_t *doc)
{
	struct rev *r = find_name(v, name);
	json_t *d;

	if (r != NULL && r->at > at) {
		r->seen = true;
		return 0;
	}
	if (doc != NULL && (number <= 0 || !well_formed(doc))) {
		CD_LOG(ERR, "the fleet's store's revision %s (at %" JSON_INTEGER_FORMAT ") is not a revision: "
		       "left out of the history", name, at);
		doc = NULL;
	}
	if (r != NULL)
		drop(v, r);
	if (doc == NULL)
		return r != NULL;
	if ((d = json_deep_copy(doc)) == NULL)
		return 0;
	numbered(d, number);
	return insert(v, name, number, at, d, 0) == 0;
}

void
cd_rev_sweep(struct cd_rev *v)
{
	for (size_t i = 0; i < v->n; i++)
		v->r[i].seen = false;
}

void
cd_rev_swept(struct cd_rev *v, json_int_t at)
{
	for (size_t i = v->n; i-- > 0;)
		if (!v->r[i].seen && v->r[i].at <= at)
			drop(v, &v->r[i]);
}

json_t *
cd_rev_get(const struct cd_rev *v, json_int_t n)
{
	struct rev *r = find(v, n);

	return r != NULL ? r->doc : NULL;
}

json_t *
cd_rev_result(struct cd_rev *v, json_int_t n, json_t *result, const char **name, json_int_t *at)
{
	struct rev *r = find(v, n);
	json_t *old;

	if (r == NULL)
		return NULL;
	/* its size by the result's alone: the documents in it are a UPF's
	 * thousands of sessions twice, which a change should not dump again */
	v->bytes -= r->bytes;
	if ((old = json_object_get(r->doc, "result")) != NULL)
		r->bytes -= doc_bytes(old);
	else
		r->bytes += strlen(",\"result\":");
	r->bytes += doc_bytes(result);
	json_object_set(r->doc, "result", result);
	v->bytes += r->bytes;
	*name = r->name;
	*at = r->at;
	return r->doc;
}

json_t *
cd_rev_list(const struct cd_rev *v, json_int_t before, size_t limit)
{
	json_t *items = json_array(), *c;
	size_t i, j;

	for (i = v->n; i-- > 0 && json_array_size(items) < limit;) {
		json_t *s, *chg;

		if (before > 0 && v->r[i].n >= before)
			continue;
		s = json_deep_copy(v->r[i].doc);
		chg = json_object_get(s, "changes");
		json_array_foreach(chg, j, c) {
			json_object_del(c, "before");
			json_object_del(c, "after");
		}
		json_array_append_new(items, s);
	}
	return json_pack("{s:o,s:{s:I,s:I,s:I,s:I,s:I}}", "items", items, "kept", "count", (json_int_t)v->n,
			 "bytes", (json_int_t)v->bytes, "max_count", (json_int_t)v->max_n, "max_bytes",
			 (json_int_t)v->max_bytes, "oldest", v->n ? v->r[0].n : (json_int_t)0);
}

bool
cd_rev_known(const struct cd_rev *v, json_int_t n)
{
	return n >= 0 && n <= cd_rev_last(v) && (v->n == 0 || n >= v->r[0].n - 1);
}

static bool
same(json_t *c, const char *kind, const char *name, const char *site)
{
	return strcmp(str(c, "kind"), kind) == 0 && strcmp(str(c, "name"), name) == 0 &&
	       strcmp(str(c, "site"), site) == 0;
}

/* KIND/NAME's (of @site: "" none) document at revision @at (borrowed;
 * NULL: none); @now (NULL: another site's) past the last that touched it. */
static json_t *
state_at(const struct cd_rev *v, const char *kind, const char *name, const char *site, json_int_t at,
	 json_t *now)
{
	json_t *c, *after = NULL;
	size_t j;

	for (size_t i = 0; i < v->n; i++)
		json_array_foreach(json_object_get(v->r[i].doc, "changes"), j, c) {
			if (!same(c, kind, name, site))
				continue;
			if (v->r[i].n > at)
				return json_object_get(c, "before");
			after = json_object_get(c, "after");
		}
	return now != NULL ? json_object_get(json_object_get(now, kind), name) : after;
}

json_t *
cd_rev_between(const struct cd_rev *v, json_int_t from, json_int_t to, json_t *now, json_t **elsewhere)
{
	json_int_t lo = from < to ? from : to, hi = from < to ? to : from;
	json_t *out = json_object(), *other = json_object(), *c;
	char who[STORE_NAME_MAX * 2 + 2];
	size_t j;

	for (size_t i = 0; out != NULL && other != NULL && i < v->n; i++) {
		if (v->r[i].n <= lo || v->r[i].n > hi)
			continue;
		json_array_foreach(json_object_get(v->r[i].doc, "changes"), j, c) {
			const char *k = str(c, "kind"), *nm = str(c, "name"), *site = str(c, "site");
			bool here = site[0] == '\0' || (v->site != NULL && strcmp(site, v->site) == 0);
			json_t *into = out, *a, *b;

			snprintf(who, sizeof(who), "%s/%s", k, nm);
			if (!here) {
				if (json_object_get(other, site) == NULL)
					json_object_set_new(other, site, json_object());
				into = json_object_get(other, site);
			}
			if (into == NULL || json_object_get(into, who) != NULL)
				continue;
			a = state_at(v, k, nm, site, from, here ? now : NULL);
			b = state_at(v, k, nm, site, to, here ? now : NULL);
			if ((a == NULL && b == NULL) ||
			    (a != NULL && b != NULL && json_equal(json_object_get(a, "spec"), json_object_get(b, "spec"))))
				continue;
			json_object_set_new(into, who, json_pack("[O?,O?]", a, b));
		}
	}
	/* a site whose intents came back as they were: not there */
	if (other != NULL) {
		const char *site;
		json_t *o, *tmp;

		json_object_foreach_safe(other, tmp, site, o)
			if (json_object_size(o) == 0)
				json_object_del(other, site);
	}
	if (elsewhere != NULL)
		*elsewhere = other;
	else
		json_decref(other);
	return out;
}
