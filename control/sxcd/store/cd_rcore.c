/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rcore: the intents' memory cd_res's modules share (see cd_rcore.h). */
#include "cd_kind.h"
#include "cd_rcore.h"

json_t *
cd_rcore_docs(json_t *top, int k)
{
	json_t *o = json_object_get(top, cd_kind_name(k));

	if (o == NULL) {
		json_object_set_new(top, cd_kind_name(k), json_object());
		o = json_object_get(top, cd_kind_name(k));
	}
	return o;
}

void
cd_rcore_stale(struct cd_res *r)
{
	json_decref(r->phases);
	r->phases = NULL;
}

void
cd_rcore_phase(struct cd_res *r, const char *who, const char *phase, json_int_t observed)
{
	json_t *s = json_object_get(r->status, who);

	cd_rcore_stale(r);
	if (s == NULL) {
		s = json_object();
		json_object_set_new(r->status, who, s);
	}
	json_object_set_new(s, "phase", json_string(phase));
	if (observed >= 0)
		json_object_set_new(s, "observedGeneration", json_integer(observed));
}
