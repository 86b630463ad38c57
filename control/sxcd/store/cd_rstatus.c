/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rstatus: the intents as the API lists them, with what the reconciler found (see cd_rstatus.h). */
#include <stdio.h>
#include <string.h>

#include "cd_kind.h"
#include "cd_rcore.h"
#include "cd_rstatus.h"
#include "store.h"

static json_t *
with_status(struct cd_res *r, int k, const char *name, json_t *doc)
{
	char who[STORE_NAME_MAX * 2 + 2];
	/* its spec shared, not copied: answers only read it, and a UPF's is
	 * thousands of sessions */
	json_t *out = json_copy(doc), *s;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(k), name);
	s = json_object_get(r->status, who);
	json_object_set_new(out, "status", s ? json_deep_copy(s) :
			    json_pack("{s:s,s:i}", "phase", "Pending", "observedGeneration", 0));
	return out;
}

/* A quarantined intent as the API shows it: no spec it could read. */
static json_t *
quarantined(int k, const char *name, json_t *q)
{
	return json_pack("{s:s,s:{s:s,s:i},s:{},s:{s:s,s:i,s:s,s:O}}", "kind", cd_kind_name(k),
			 "metadata", "name", name, "generation", 0, "spec", "status", "phase",
			 "Quarantined", "observedGeneration", 0, "reason", "corrupt", "message",
			 json_object_get(q, "message"));
}

json_t *
cd_rstatus_list(struct cd_res *r, int kind)
{
	json_t *items = json_array(), *doc;
	const char *name;

	json_object_foreach(cd_rcore_docs(r->docs, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	json_object_foreach(cd_rcore_docs(r->gone, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	json_object_foreach(cd_rcore_docs(r->quar, kind), name, doc)
		json_array_append_new(items, quarantined(kind, name, doc));
	return json_pack("{s:o}", "items", items);
}

json_t *
cd_rstatus_get(struct cd_res *r, int kind, const char *name)
{
	json_t *doc = json_object_get(cd_rcore_docs(r->docs, kind), name);

	if (doc == NULL)
		doc = json_object_get(cd_rcore_docs(r->gone, kind), name);
	if (doc == NULL && (doc = json_object_get(cd_rcore_docs(r->quar, kind), name)) != NULL)
		return quarantined(kind, name, doc);
	return doc != NULL ? with_status(r, kind, name, doc) : NULL;
}

void
cd_rstatus_set(struct cd_res *r, json_t *status, bool withdrawn_done)
{
	const char *who;
	json_t *s;

	cd_rcore_stale(r);
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
cd_rstatus_set_phase_all(struct cd_res *r, const char *phase, const char *waiting)
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
			cd_rcore_phase(r, who, phase, -1);
			s = json_object_get(r->status, who);
			if (json_object_get(s, "observedGeneration") == NULL)
				json_object_set_new(s, "observedGeneration", json_integer(0));
			json_object_set_new(s, "waiting_for", waiting ? json_pack("[s]", waiting) :
					    json_array());
		}
	}
}

json_t *
cd_rstatus_phases(struct cd_res *r)
{
	json_t *out, *objs, *doc, *s;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	/* counted once between changes: a client polling /status back to
	 * back made sxcd walk every intent each time */
	if (r->phases != NULL)
		return json_incref(r->phases);
	out = json_object();
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
	json_object_foreach(r->quar, kind, objs)
		if (json_object_size(objs) > 0)
			json_object_set_new(out, "Quarantined", json_integer(json_integer_value(
				json_object_get(out, "Quarantined")) + (json_int_t)json_object_size(objs)));
	r->phases = out;
	return json_incref(out);
}

json_t *
cd_rstatus_quarantine(struct cd_res *r)
{
	json_t *out = json_array(), *objs, *q;
	const char *kind, *name;

	json_object_foreach(r->quar, kind, objs)
		json_object_foreach(objs, name, q)
			json_array_append_new(out, json_pack("{s:s++,s:s+++,s:O}", "intent", kind, "/",
				name, "file", kind, "/", json_string_value(json_object_get(q, "file")) ?: name,
				".json", "message", json_object_get(q, "message")));
	return out;
}

bool
cd_rstatus_quarantined(struct cd_res *r, const char *who)
{
	const char *sl = who != NULL ? strchr(who, '/') : NULL, *kind;
	json_t *objs;
	char k[32];

	if (who == NULL) {
		json_object_foreach(r->quar, kind, objs)
			if (json_object_size(objs) > 0)
				return true;
		return false;
	}
	if (sl == NULL || sl - who >= (long)sizeof(k))
		return false;
	snprintf(k, sizeof(k), "%.*s", (int)(sl - who), who);
	if (json_object_get(json_object_get(r->quar, k), sl + 1) != NULL)
		return true;
	/* what an intent of an older sxcd's longer name owns */
	if (strlen(sl + 1) > STORE_NAME_MAX) {
		json_t *q;
		const char *name;

		json_object_foreach(json_object_get(r->quar, k), name, q)
			if (strcmp(json_string_value(json_object_get(q, "file")) ?: "", sl + 1) == 0)
				return true;
	}
	return false;
}

json_t *
cd_rstatus_of(struct cd_res *r, const char *who)
{
	return json_object_get(r->status, who);
}
