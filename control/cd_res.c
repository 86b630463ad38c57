/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents: checked, stored, listed with their status (see cd_res.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cd_res.h"

#define STATE_KIND "state"	/* the reconciler's own documents in the store */

struct cd_res {
	struct store *st;
	struct cd_schema *sc;
	json_t *docs;	  /* KIND → NAME → document */
	json_t *gone;	  /* KIND → NAME → document: withdrawing */
	json_t *status;	  /* "KIND/NAME" → status */
	json_t *state;	  /* NAME → the reconciler's documents */
};

const char *
cd_res_now(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

static json_t *
kind_docs(json_t *top, enum cd_kind k)
{
	json_t *o = json_object_get(top, cd_kind_name(k));

	if (o == NULL) {
		json_object_set_new(top, cd_kind_name(k), json_object());
		o = json_object_get(top, cd_kind_name(k));
	}
	return o;
}

int
cd_res_open(struct store *st, struct cd_schema *sc, struct cd_res **out, json_t **bad)
{
	struct cd_res *r = calloc(1, sizeof(*r));
	json_t *all, *objs, *doc, *errs, *broken = NULL;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	if (r == NULL)
		return -ENOMEM;
	r->st = st;
	r->sc = sc;
	r->docs = json_object();
	r->gone = json_object();
	r->status = json_object();
	*bad = json_array();
	if ((all = store_load(st, &broken)) == NULL) {
		cd_res_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(broken); i++)
		json_array_append_new(*bad, json_pack("{s:O,s:s}", "intent", json_array_get(broken, i),
						      "message", "not JSON"));
	json_decref(broken);
	r->state = json_incref(json_object_get(all, STATE_KIND));
	if (r->state == NULL)
		r->state = json_object();
	json_object_foreach(all, kind, objs) {
		int k = cd_kind_of(kind);

		if (k < 0)
			continue;
		json_object_foreach(objs, name, doc) {
			errs = json_array();
			snprintf(who, sizeof(who), "%s/%s", kind, name);
			if (cd_schema_check(sc, cd_kind_schema((enum cd_kind)k),
					    json_object_get(doc, "spec"), "/spec", errs) == 0 &&
			    json_integer_value(json_object_get(json_object_get(doc, "metadata"),
							       "generation")) > 0)
				json_object_set(kind_docs(r->docs, (enum cd_kind)k), name, doc);
			else
				json_array_append_new(*bad, json_pack("{s:s,s:O}", "intent", who,
								      "message", errs));
			json_decref(errs);
		}
	}
	json_decref(all);
	*out = r;
	return 0;
}

void
cd_res_free(struct cd_res *r)
{
	if (r == NULL)
		return;
	json_decref(r->docs);
	json_decref(r->gone);
	json_decref(r->status);
	json_decref(r->state);
	free(r);
}

static json_int_t
generation_of(json_t *doc)
{
	return json_integer_value(json_object_get(json_object_get(doc, "metadata"), "generation"));
}

int
cd_res_check(struct cd_res *r, enum cd_kind kind, const char *name, json_t *body,
	     json_int_t expected, bool create_only, const char *base, json_t *errs,
	     struct cd_change *ch)
{
	json_t *meta = json_object_get(body, "metadata"), *cur, *spec, *bk;
	const char *bname = json_string_value(json_object_get(meta, "name"));
	char ptr[256], now[32];
	json_int_t have;

	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	if (body != NULL) {
		snprintf(ptr, sizeof(ptr), "%s", base);
		if (cd_schema_check(r->sc, "IntentIn", body, ptr, errs) > 0)
			return 400;
		snprintf(ptr, sizeof(ptr), "%s/spec", base);
		spec = json_object_get(body, "spec");
		if (cd_schema_check(r->sc, cd_kind_schema(kind), spec, ptr, errs) > 0)
			return 400;
		bk = json_object_get(body, "kind");
		if (bk != NULL && cd_kind_of(json_string_value(bk)) != (int)kind) {
			snprintf(ptr, sizeof(ptr), "%s/kind", base);
			cd_schema_err(errs, ptr, "bad_value", "kind '%s' in a request for %s",
				      json_string_value(bk), cd_kind_name(kind));
			return 400;
		}
		if (kind == CD_SITE)
			name = CD_SITE_NAME;
		if (name != NULL && bname != NULL && strcmp(name, bname) != 0) {
			snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
			cd_schema_err(errs, ptr, "bad_value", "metadata.name '%s' is not the '%s' of "
				      "the path", bname, name);
			return 400;
		}
		if (name == NULL)
			name = bname;
		if (name == NULL) {
			snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
			cd_schema_err(errs, ptr, "missing", "a %s intent needs metadata.name",
				      cd_kind_name(kind));
			return 400;
		}
		if (json_object_get(meta, "generation") != NULL) {
			if (expected >= 0 && expected != generation_of(body)) {
				snprintf(ptr, sizeof(ptr), "%s/metadata/generation", base);
				cd_schema_err(errs, ptr, "bad_value", "metadata.generation %"
					      JSON_INTEGER_FORMAT " and expected_generation %"
					      JSON_INTEGER_FORMAT " disagree", generation_of(body),
					      expected);
				return 400;
			}
			expected = generation_of(body);
		}
	}
	if (name == NULL || !store_name_ok(name) || strlen(name) >= sizeof(ch->name)) {
		snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
		cd_schema_err(errs, ptr, "bad_value", "a name is 1..63 of [A-Za-z0-9_.-], not starting "
			      "with '.'");
		return 400;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	cur = json_object_get(kind_docs(r->docs, kind), name);
	have = cur != NULL ? generation_of(cur) : 0;
	if (create_only && cur != NULL) {
		cd_schema_err(errs, base, "exists", "%s/%s exists (generation %" JSON_INTEGER_FORMAT
			      "): PUT replaces it", cd_kind_name(kind), name, have);
		return 409;
	}
	if (expected >= 0 && expected != have) {
		snprintf(ptr, sizeof(ptr), "%s/metadata/generation", base);
		cd_schema_err(errs, ptr, "stale_generation", "%s/%s is at generation %"
			      JSON_INTEGER_FORMAT ", not %" JSON_INTEGER_FORMAT, cd_kind_name(kind),
			      name, have, expected);
		return 409;
	}
	if (body == NULL) {
		if (cur == NULL) {
			cd_schema_err(errs, base, "not_found", "no %s/%s", cd_kind_name(kind), name);
			return 404;
		}
		ch->action = "withdrawn";
		ch->generation = have;
		return 200;
	}
	spec = json_object_get(body, "spec");
	if (cur != NULL && json_equal(json_object_get(cur, "spec"), spec)) {
		ch->action = "unchanged";
		ch->generation = have;
		ch->doc = json_incref(cur);
		return 200;
	}
	cd_res_now(now, sizeof(now));
	ch->action = cur != NULL ? "replaced" : "created";
	ch->generation = have + 1;
	ch->doc = json_pack("{s:s,s:{s:s,s:I,s:s,s:s},s:O}", "kind", cd_kind_name(kind), "metadata",
			    "name", name, "generation", ch->generation, "created",
			    cur ? json_string_value(json_object_get(json_object_get(cur, "metadata"),
								    "created")) : now,
			    "updated", now, "spec", spec);
	return ch->doc != NULL ? 200 : 500;
}

static void
set_status(struct cd_res *r, const char *who, const char *phase, json_int_t observed)
{
	json_t *s = json_object_get(r->status, who);

	if (s == NULL) {
		s = json_object();
		json_object_set_new(r->status, who, s);
	}
	json_object_set_new(s, "phase", json_string(phase));
	if (observed >= 0)
		json_object_set_new(s, "observedGeneration", json_integer(observed));
}

int
cd_res_commit(struct cd_res *r, struct cd_change *ch)
{
	const char *kind = cd_kind_name(ch->kind);
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *cur;
	int rc;

	snprintf(who, sizeof(who), "%s/%s", kind, ch->name);
	if (strcmp(ch->action, "unchanged") == 0)
		return 0;
	if (ch->doc == NULL) {
		if ((rc = store_del(r->st, kind, ch->name)) < 0 && rc != -ENOENT)
			return rc;
		cur = json_object_get(kind_docs(r->docs, ch->kind), ch->name);
		json_object_set(kind_docs(r->gone, ch->kind), ch->name, cur);
		json_object_del(kind_docs(r->docs, ch->kind), ch->name);
		set_status(r, who, "Withdrawing", -1);
		return 0;
	}
	if ((rc = store_put(r->st, kind, ch->name, ch->doc)) < 0)
		return rc;
	json_object_set(kind_docs(r->docs, ch->kind), ch->name, ch->doc);
	json_object_del(kind_docs(r->gone, ch->kind), ch->name);
	if (json_object_get(r->status, who) == NULL)
		set_status(r, who, "Pending", 0);
	return 0;
}

void
cd_change_clear(struct cd_change *ch)
{
	json_decref(ch->doc);
	ch->doc = NULL;
}

json_t *
cd_res_specs(struct cd_res *r, struct cd_change *changes, size_t n)
{
	json_t *out = json_object(), *objs, *doc;
	const char *kind, *name;

	json_object_foreach(r->docs, kind, objs) {
		json_t *o = json_object();

		json_object_foreach(objs, name, doc)
			json_object_set(o, name, json_object_get(doc, "spec"));
		json_object_set_new(out, kind, o);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = kind_docs(out, changes[i].kind);

		if (changes[i].doc == NULL)
			json_object_del(o, changes[i].name);
		else
			json_object_set(o, changes[i].name, json_object_get(changes[i].doc, "spec"));
	}
	return out;
}

static json_t *
with_status(struct cd_res *r, enum cd_kind k, const char *name, json_t *doc)
{
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *out = json_deep_copy(doc), *s;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(k), name);
	s = json_object_get(r->status, who);
	json_object_set_new(out, "status", s ? json_deep_copy(s) :
			    json_pack("{s:s,s:i}", "phase", "Pending", "observedGeneration", 0));
	return out;
}

json_t *
cd_res_list(struct cd_res *r, enum cd_kind kind)
{
	json_t *items = json_array(), *doc;
	const char *name;

	json_object_foreach(kind_docs(r->docs, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	json_object_foreach(kind_docs(r->gone, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	return json_pack("{s:o}", "items", items);
}

json_t *
cd_res_get(struct cd_res *r, enum cd_kind kind, const char *name)
{
	json_t *doc = json_object_get(kind_docs(r->docs, kind), name);

	if (doc == NULL)
		doc = json_object_get(kind_docs(r->gone, kind), name);
	return doc != NULL ? with_status(r, kind, name, doc) : NULL;
}

json_t *
cd_res_generations(struct cd_res *r)
{
	json_t *out = json_object(), *objs, *doc;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	json_object_foreach(r->docs, kind, objs) {
		json_object_foreach(objs, name, doc) {
			snprintf(who, sizeof(who), "%s/%s", kind, name);
			json_object_set_new(out, who, json_integer(generation_of(doc)));
		}
	}
	return out;
}

void
cd_res_set_status(struct cd_res *r, json_t *status, bool withdrawn_done)
{
	const char *who;
	json_t *s;

	json_object_foreach(status, who, s)
		json_object_set(r->status, who, s);
	if (withdrawn_done) {
		json_t *objs;
		const char *kind, *name;
		char w[STORE_NAME_MAX * 2 + 2];
		void *tmp;

		json_object_foreach(r->gone, kind, objs) {
			json_object_foreach_safe(objs, tmp, name, s) {
				snprintf(w, sizeof(w), "%s/%s", kind, name);
				json_object_del(r->status, w);
			}
			json_object_clear(objs);
		}
	}
}

void
cd_res_set_phase_all(struct cd_res *r, const char *phase, const char *waiting)
{
	json_t *objs, *doc;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	json_object_foreach(r->docs, kind, objs) {
		json_object_foreach(objs, name, doc) {
			json_t *s;

			snprintf(who, sizeof(who), "%s/%s", kind, name);
			s = json_object_get(r->status, who);
			if (s != NULL && strcmp(json_string_value(json_object_get(s, "phase")),
						"Failed") == 0)
				continue;
			set_status(r, who, phase, -1);
			s = json_object_get(r->status, who);
			if (json_object_get(s, "observedGeneration") == NULL)
				json_object_set_new(s, "observedGeneration", json_integer(0));
			json_object_set_new(s, "waiting_for", waiting ? json_pack("[s]", waiting) :
					    json_array());
		}
	}
}

json_t *
cd_res_phases(struct cd_res *r)
{
	json_t *out = json_object(), *objs, *doc, *s;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach(pass ? r->gone : r->docs, kind, objs) {
			json_object_foreach(objs, name, doc) {
				const char *ph;

				snprintf(who, sizeof(who), "%s/%s", kind, name);
				s = json_object_get(r->status, who);
				ph = s ? json_string_value(json_object_get(s, "phase")) : "Pending";
				json_object_set_new(out, ph, json_integer(json_integer_value(
					json_object_get(out, ph)) + 1));
			}
		}
	}
	return out;
}

json_t *
cd_res_status(struct cd_res *r, const char *who)
{
	return json_object_get(r->status, who);
}

json_t *
cd_res_state(struct cd_res *r, const char *what)
{
	json_t *d = json_object_get(r->state, what);

	if (d == NULL) {
		json_object_set_new(r->state, what, json_object());
		d = json_object_get(r->state, what);
	}
	return d;
}

int
cd_res_save(struct cd_res *r, const char *what, json_t *doc)
{
	int rc = store_put(r->st, STATE_KIND, what, doc);

	if (rc == 0 && json_object_get(r->state, what) != doc)
		json_object_set(r->state, what, doc);
	return rc;
}
