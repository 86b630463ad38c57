/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rev (see cd_rev.h): the intents' history, kept with the changes it records. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_change.h"
#include "cd_clock.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_rev.h"

#define REV_NAME_LEN 24	/* "%010lld" and its NUL, with room */

struct rev {
	json_int_t n;
	json_t *doc;
	size_t bytes;	/* its document's size as stored */
};

struct cd_rev {
	struct rev *r;	/* oldest first */
	size_t n, cap;
	size_t bytes;
	size_t max_n, max_bytes;
	/* the revision cd_rev_record made last: its size and how many of the
	 * oldest its store operations delete, for its cd_rev_kept */
	size_t recorded, recorded_out;
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

static int
by_number(const void *a, const void *b)
{
	const struct rev *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

static int
push(struct cd_rev *v, json_int_t n, json_t *doc, size_t bytes)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct rev *r = realloc(v->r, cap * sizeof(*r));

		if (r == NULL)
			return -ENOMEM;
		v->r = r;
		v->cap = cap;
	}
	v->r[v->n] = (struct rev){ .n = n, .doc = json_incref(doc), .bytes = bytes };
	v->bytes += v->r[v->n].bytes;
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
		if (n <= 0 || strcmp(want, name) != 0 || !json_is_array(json_object_get(doc, "changes"))) {
			CD_LOG(ERR, "the store's %s/%s.json is not a revision: left out of the history",
			       CD_REV_KIND, name);
			continue;
		}
		if (push(v, n, doc, doc_bytes(doc)) < 0) {
			cd_rev_free(v);
			return NULL;
		}
	}
	qsort(v->r, v->n, sizeof(*v->r), by_number);
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
	free(v);
}

void
cd_rev_bounds(struct cd_rev *v, size_t max_n, size_t max_bytes)
{
	v->max_n = max_n;
	v->max_bytes = max_bytes;
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

int
cd_rev_record(struct cd_rev *v, const struct cd_change *ch, json_t *const *before, size_t n,
	      const struct cd_rev_who *who, json_t **doc, struct store_op **ops, size_t *nops)
{
	json_t *chg = json_array(), *d;
	json_int_t next = cd_rev_last(v) + 1;
	char now[32], *names;
	size_t k, m = 0;
	struct store_op *o;

	*doc = NULL;
	*ops = NULL;
	*nops = 0;
	if (chg == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ch[i].action, "unchanged") == 0)
			continue;
		json_t *c = json_pack("{s:s,s:s,s:s,s:I}", "kind", cd_kind_name(ch[i].kind), "name", ch[i].name,
				      "action", ch[i].action, "generation", ch[i].generation);

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
	d = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:{}}", "revision", next, "time", cd_clock_utc(now, sizeof(now), false),
		      "by", who->by ? who->by : "-", "from", who->from ? who->from : "-", "route",
		      who->route ? who->route : "-", "changes", chg, "result");
	if (d != NULL && who->rollback_of > 0)
		json_object_set_new(d, "rollback_of", json_integer(who->rollback_of));
	if (d == NULL)
		return -ENOMEM;
	/* its size once: what it pushes out now is what cd_rev_kept drops */
	v->recorded = doc_bytes(d);
	v->recorded_out = k = pushed_out(v, v->recorded);
	/* the operations, and their names after them: one allocation */
	if ((o = calloc(1, (k + 1) * (sizeof(*o) + REV_NAME_LEN))) == NULL) {
		json_decref(d);
		return -ENOMEM;
	}
	names = (char *)(o + k + 1);
	for (size_t i = 0; i <= k; i++, m++) {
		char *nm = names + i * REV_NAME_LEN;

		rev_name(nm, REV_NAME_LEN, i < k ? v->r[i].n : next);
		o[m] = (struct store_op){ .kind = CD_REV_KIND, .name = nm, .doc = i < k ? NULL : d };
	}
	*doc = d;
	*ops = o;
	*nops = m;
	return 0;
}

void
cd_rev_kept(struct cd_rev *v, json_t *doc)
{
	size_t k = v->recorded_out < v->n ? v->recorded_out : v->n;

	for (size_t i = 0; i < k; i++) {
		v->bytes -= v->r[i].bytes;
		json_decref(v->r[i].doc);
	}
	memmove(v->r, v->r + k, (v->n - k) * sizeof(*v->r));
	v->n -= k;
	if (push(v, json_integer_value(json_object_get(doc, "revision")), doc, v->recorded) < 0)
		CD_LOG(ERR, "out of memory: revision %" JSON_INTEGER_FORMAT " is stored but not listed until "
		       "sxcd starts again", json_integer_value(json_object_get(doc, "revision")));
	json_decref(doc);
}

static struct rev *
find(const struct cd_rev *v, json_int_t n)
{
	struct rev key = { .n = n };

	return v->n > 0 ? bsearch(&key, v->r, v->n, sizeof(*v->r), by_number) : NULL;
}

json_t *
cd_rev_get(const struct cd_rev *v, json_int_t n)
{
	struct rev *r = find(v, n);

	return r != NULL ? r->doc : NULL;
}

int
cd_rev_result(struct cd_rev *v, struct store *st, json_int_t n, json_t *result)
{
	struct rev *r = find(v, n);
	char name[32];

	if (r == NULL)
		return -ENOENT;
	json_object_set(r->doc, "result", result);
	v->bytes -= r->bytes;
	r->bytes = doc_bytes(r->doc);
	v->bytes += r->bytes;
	rev_name(name, sizeof(name), n);
	return st != NULL ? store_put(st, CD_REV_KIND, name, r->doc) : 0;
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

/* KIND/NAME's document at revision @at (borrowed; NULL: none). */
static json_t *
state_at(const struct cd_rev *v, const char *kind, const char *name, json_int_t at, json_t *now)
{
	for (size_t i = 0; i < v->n; i++) {
		json_t *c;
		size_t j;

		if (v->r[i].n <= at)
			continue;
		json_array_foreach(json_object_get(v->r[i].doc, "changes"), j, c)
			if (strcmp(json_string_value(json_object_get(c, "kind")) ?: "", kind) == 0 &&
			    strcmp(json_string_value(json_object_get(c, "name")) ?: "", name) == 0) {
				return json_object_get(c, "before");
			}
	}
	return json_object_get(json_object_get(now, kind), name);
}

json_t *
cd_rev_between(const struct cd_rev *v, json_int_t from, json_int_t to, json_t *now)
{
	json_int_t lo = from < to ? from : to, hi = from < to ? to : from;
	json_t *out = json_object(), *c;
	char who[STORE_NAME_MAX * 2 + 2];
	size_t j;

	for (size_t i = 0; out != NULL && i < v->n; i++) {
		if (v->r[i].n <= lo || v->r[i].n > hi)
			continue;
		json_array_foreach(json_object_get(v->r[i].doc, "changes"), j, c) {
			const char *k = json_string_value(json_object_get(c, "kind")) ?: "";
			const char *nm = json_string_value(json_object_get(c, "name")) ?: "";
			json_t *a, *b;

			snprintf(who, sizeof(who), "%s/%s", k, nm);
			if (json_object_get(out, who) != NULL)
				continue;
			a = state_at(v, k, nm, from, now);
			b = state_at(v, k, nm, to, now);
			if ((a == NULL && b == NULL) ||
			    (a != NULL && b != NULL && json_equal(json_object_get(a, "spec"), json_object_get(b, "spec"))))
				continue;
			json_object_set_new(out, who, json_pack("[O?,O?]", a, b));
		}
	}
	return out;
}
