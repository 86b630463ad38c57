/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_nsave: the endpoint's "pfcp" document stored off the loop, and what waits for it (pf_nsave.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cd_host.h"
#include "cd_log.h"
#include "pf_ndoc.h"
#include "pf_pfd.h"
#include "pf_nsave.h"

/* The document (pf_ndoc.h) as the node is now: new, or NULL. */
static json_t *
state_doc(const struct pf_node *n)
{
	json_t *as = json_array();
	struct pf_ndoc_assoc r;

	if (as == NULL)
		return NULL;
	for (const struct pf_assoc *a = n->assocs; a != NULL; a = a->next) {
		if (a->releasing)
			continue;
		memset(&r, 0, sizeof(r));
		r.id = a->id;
		r.peer = a->peer;
		r.local = a->local;
		r.recovery = a->recovery;
		memcpy(r.cp_feat, a->cp_feat, a->n_cp_feat);
		r.n_cp_feat = a->n_cp_feat;
		r.upf_initiated = r.has_smf = a->smf != NULL;
		if (a->smf != NULL)
			r.smf = a->smf->addr;
		if (json_array_append_new(as, pf_ndoc_assoc_json(&r)) != 0) {
			json_decref(as);
			return NULL;
		}
	}
	/* the PFDs the SMFs provisioned (pf_pfd.h): the UP function's, kept with its stamp */
	return json_pack("{s:I,s:o,s:o}", "recovery_ts", (json_int_t)n->recovery, "associations", as, "pfds",
			 pf_pfd_json(n->pfds));
}

/* What every save's end does, whoever waits. */
static void
stored(struct pf_node *n, json_t *doc, uint32_t recovery, int rc)
{
	if (rc < 0) {
		n->c.store_failures++;
		CD_LOG(ERR, "pfcp: the associations and Recovery Time Stamp not stored: %s", strerror(-rc));
		return;
	}
	if (recovery == n->recovery)
		n->recovery_unstored = false;
	if (n->saved != NULL)
		n->saved(n->saved_arg, doc);
}

static void
on_saved(void *arg, int rc)
{
	struct pf_nsave *w = arg, **p;
	struct pf_node *n = w->n;

	if (n != NULL) {
		for (p = &n->saves; *p != NULL && *p != w; p = &(*p)->next)
			;
		if (*p == w)
			*p = w->next;
		stored(n, w->doc, w->recovery, rc);
		if (w->done != NULL)
			w->done(n, w, rc);
	}
	json_decref(w->doc);
	free(w);
}

void
pf_nsave_start(struct pf_node *n, struct pf_nsave *w, pf_nsave_done *done)
{
	struct pf_nsave **p;

	if (w == NULL && (w = calloc(1, sizeof(*w))) == NULL) {
		stored(n, NULL, 0, -ENOMEM);
		return;
	}
	w->n = n;
	w->done = done;
	w->recovery = n->recovery;
	w->next = NULL;
	if (n->res == NULL) { /* no store: nothing to keep */
		n->recovery_unstored = false;
		if (done != NULL)
			done(n, w, 0);
		free(w);
		return;
	}
	if ((w->doc = state_doc(n)) == NULL) {
		on_saved(w, -ENOMEM);
		return;
	}
	for (p = &n->saves; *p != NULL; p = &(*p)->next)
		;
	*p = w;
	cd_host_save_async(n->res, "pfcp", w->doc, on_saved, w);
}

int
pf_nsave_now(struct pf_node *n)
{
	json_t *doc;
	int rc;

	if (n->res == NULL) {
		n->recovery_unstored = false;
		return 0;
	}
	rc = (doc = state_doc(n)) == NULL ? -ENOMEM : cd_host_save(n->res, "pfcp", doc);
	stored(n, doc, n->recovery, rc);
	json_decref(doc);
	return rc;
}

bool
pf_nsave_stamp_out(struct pf_node *n)
{
	if (!n->recovery_unstored)
		return true;
	for (const struct pf_nsave *w = n->saves; w != NULL; w = w->next)
		if (w->recovery == n->recovery)
			return false; /* under way */
	pf_nsave_start(n, NULL, NULL);
	return !n->recovery_unstored;
}

void
pf_nsave_orphan(struct pf_node *n)
{
	for (struct pf_nsave *w = n->saves; w != NULL; w = w->next)
		w->n = NULL;
	n->saves = NULL;
}
