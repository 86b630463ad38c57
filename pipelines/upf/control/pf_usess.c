/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_usess: PFCP sessions by SEID (open addressing), freed; their requests' queue (pf_usess.h). */
#include <errno.h>
#include <stdlib.h>
#include <event2/event.h>
#include <jansson.h>

#include "pf_answer.h"
#include "pf_node.h"
#include "pf_ucomp.h"
#include "pf_usess.h"

/* ------------------------------------------------------------ sessions by SEID */

static size_t
slot_of(const struct pf_up *up, uint64_t seid)
{
	return (size_t)((seid * 0x9e3779b97f4a7c15ull) >> 20) & (up->cap - 1);
}

struct us *
pf_usess_find(const struct pf_up *up, uint64_t seid)
{
	if (up->cap == 0)
		return NULL;
	for (size_t i = slot_of(up, seid);; i = (i + 1) & (up->cap - 1)) {
		if (up->tab[i] == NULL)
			return NULL;
		if (up->tab[i]->seid == seid)
			return up->tab[i];
	}
}

static int
tab_grow(struct pf_up *up)
{
	struct us **old = up->tab;
	size_t n = up->cap;

	up->cap = n ? n * 2 : 1024;
	if ((up->tab = calloc(up->cap, sizeof(*up->tab))) == NULL) {
		up->tab = old;
		up->cap = n;
		return -ENOMEM;
	}
	up->n = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL)
			pf_usess_insert(up, old[i]);
	free(old);
	return 0;
}

int
pf_usess_insert(struct pf_up *up, struct us *u)
{
	if ((up->n + 1) * 4 > up->cap * 3 && tab_grow(up) < 0)
		return -ENOMEM;
	size_t i = slot_of(up, u->seid);

	while (up->tab[i] != NULL)
		i = (i + 1) & (up->cap - 1);
	up->tab[i] = u;
	up->n++;
	return 0;
}

static void
us_remove(struct pf_up *up, struct us *u)
{
	size_t i = slot_of(up, u->seid), j, k;

	while (up->tab[i] != u) {
		if (up->tab[i] == NULL)
			return;
		i = (i + 1) & (up->cap - 1);
	}
	up->tab[i] = NULL;
	up->n--;
	/* the ones after it in its run move up where their probe allows */
	for (j = (i + 1) & (up->cap - 1); up->tab[j] != NULL; j = (j + 1) & (up->cap - 1)) {
		k = slot_of(up, up->tab[j]->seid);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			up->tab[i] = up->tab[j];
			up->tab[j] = NULL;
			i = j;
		}
	}
}

/* ------------------------------------------------------------ the queue */

void
pf_usess_kick(struct pf_up *up)
{
	event_active(up->kick, EV_TIMEOUT, 0);
}

void
pf_usess_enqueue(struct pf_up *up, struct op *op, bool front)
{
	op->since = now_ms();
	if (front) {
		op->next = up->head;
		up->head = op;
		if (up->tail == NULL)
			up->tail = op;
	} else {
		op->next = NULL;
		if (up->tail != NULL)
			up->tail->next = op;
		else
			up->head = op;
		up->tail = op;
	}
	pf_usess_kick(up);
}

void
pf_usess_op_free(struct op *op)
{
	if (op->t != NULL)
		pf_txn_drop(op->t);
	pf_sess_free(op->next_s);
	free(op->raw);
	json_decref(op->ups);
	json_decref(op->claims);
	json_decref(op->unclaims);
	json_decref(op->took.made);
	free(op);
}

/* ------------------------------------------------------------ sessions */

void
pf_usess_free(struct pf_up *up, struct us *us)
{
	struct op *w;

	if (us == NULL)
		return;
	us_remove(up, us);
	/* its requests still waiting: the session is gone */
	while ((w = us->waiting) != NULL) {
		us->waiting = w->next;
		pf_answer_refuse_cause(up, w->t, us->s ? us->s->cp.seid : 0, PF_CAUSE_NO_SESSION, "its session was deleted");
		w->t = NULL;
		pf_usess_op_free(w);
	}
	for (int i = 0; i < us->n_cnt; i++)
		pf_ids_put(&up->counters, us->cnt[i].id);
	for (int i = 0; i < us->n_met; i++)
		pf_ids_put(&up->meters, us->met[i].id);
	pf_ucomp_shared_of(up, us, true);
	pf_ids_put(&up->sess_ids, us->sess_id);
	pf_ucomp_snap_put(up, us->upf);
	pf_sess_free(us->s);
	pf_usage_free(&us->use);
	free(us->upf_name);
	json_decref(us->owner);
	free(us->cnt);
	free(us->met);
	free(us->shared);
	free(us);
}
