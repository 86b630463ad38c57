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

/* ------------------------------------------------------------ sessions by SEID, by CP F-SEID */

/* An open-addressing table of sessions (linear probing, deletion by
 * backward shift), keyed by @key: the session's own SEID, or its SMF's
 * (association and CP SEID: an Establishment the SMF sends again, after
 * its answer was lost to an sxcd restart, finds the session it made). */
struct index {
	struct us ***tab;
	size_t *cap, *n;
	uint64_t (*key)(const struct us *u);
};

static uint64_t
key_up(const struct us *u)
{
	return u->seid;
}

static uint64_t
cp_key(const struct pf_assoc *a, uint64_t cp_seid)
{
	return cp_seid ^ ((uint64_t)(uintptr_t)a * 0xff51afd7ed558ccdull);
}

static uint64_t
key_cp(const struct us *u)
{
	return cp_key(u->assoc, u->s->cp.seid);
}

#define BY_SEID(up) ((struct index){ &(up)->tab, &(up)->cap, &(up)->n, key_up })
#define BY_CP(up)   ((struct index){ &(up)->ctab, &(up)->ccap, &(up)->cn, key_cp })

/* The product's top 32 bits scaled to the table: every bit of a key
 * reaches them (an SMF's SEIDs may differ only in their upper bits). */
static size_t
slot_of(const struct index *x, uint64_t key)
{
	return (size_t)(((key * 0x9e3779b97f4a7c15ull) >> 32) * *x->cap >> 32);
}

static struct us *
find(const struct index *x, uint64_t key, const struct pf_assoc *a)
{
	if (*x->cap == 0)
		return NULL;
	for (size_t i = slot_of(x, key);; i = (i + 1) & (*x->cap - 1)) {
		struct us *u = (*x->tab)[i];

		if (u == NULL)
			return NULL;
		if (x->key(u) == key && (a == NULL || (u->assoc == a && cp_key(a, u->s->cp.seid) == key)))
			return u;
	}
}

static int put(const struct index *x, struct us *u);

static int
grow(const struct index *x)
{
	struct us **old = *x->tab;
	size_t n = *x->cap;

	*x->cap = n ? n * 2 : 1024;
	if ((*x->tab = calloc(*x->cap, sizeof(**x->tab))) == NULL) {
		*x->tab = old;
		*x->cap = n;
		return -ENOMEM;
	}
	*x->n = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL)
			put(x, old[i]);
	free(old);
	return 0;
}

static int
put(const struct index *x, struct us *u)
{
	if ((*x->n + 1) * 4 > *x->cap * 3 && grow(x) < 0)
		return -ENOMEM;
	size_t i = slot_of(x, x->key(u));

	while ((*x->tab)[i] != NULL)
		i = (i + 1) & (*x->cap - 1);
	(*x->tab)[i] = u;
	(*x->n)++;
	return 0;
}

static void
take_out(const struct index *x, struct us *u)
{
	struct us **tab = *x->tab;
	size_t cap = *x->cap, i, j, k;

	if (cap == 0)
		return;
	for (i = slot_of(x, x->key(u)); tab[i] != u; i = (i + 1) & (cap - 1))
		if (tab[i] == NULL)
			return;
	tab[i] = NULL;
	(*x->n)--;
	/* the ones after it in its run move up where their probe allows */
	for (j = (i + 1) & (cap - 1); tab[j] != NULL; j = (j + 1) & (cap - 1)) {
		k = slot_of(x, x->key(tab[j]));
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			tab[i] = tab[j];
			tab[j] = NULL;
			i = j;
		}
	}
}

struct us *
pf_usess_find(const struct pf_up *up, uint64_t seid)
{
	struct index x = BY_SEID((struct pf_up *)up);

	return find(&x, seid, NULL);
}

int
pf_usess_insert(struct pf_up *up, struct us *u)
{
	struct index x = BY_SEID(up);

	return put(&x, u);
}

struct us *
pf_usess_find_cp(const struct pf_up *up, const struct pf_assoc *a, uint64_t cp_seid)
{
	struct index x = BY_CP((struct pf_up *)up);

	return find(&x, cp_key(a, cp_seid), a);
}

int
pf_usess_index_cp(struct pf_up *up, struct us *u, bool in)
{
	struct index x = BY_CP(up);

	if (u->s == NULL || u->assoc == NULL)
		return 0;
	if (!in) {
		take_out(&x, u);
		return 0;
	}
	return find(&x, key_cp(u), u->assoc) == u ? 0 : put(&x, u);
}

static void
us_remove(struct pf_up *up, struct us *u)
{
	struct index x = BY_SEID(up);

	pf_usess_index_cp(up, u, false);
	take_out(&x, u);
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
	op->since = cd_clock_ms();
	if (front) {
		op->next = up->head;
		up->head = op;
		if (up->tail == NULL)
			up->tail = op;
	} else if (op->t != NULL && (op->kind == OP_MOD || op->kind == OP_DEL)) {
		/* an SMF's change to a session there goes ahead of the
		 * establishments: a flood of them never holds it back */
		struct op **p = up->xtail != NULL ? &up->xtail->next : &up->head;

		op->next = *p;
		*p = op;
		if (op->next == NULL)
			up->tail = op;
		up->xtail = op;
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
	if (op->admitted)
		pf_load_done(&pf_up_state_current()->load);
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

bool
pf_usess_ddn_forget(struct pf_up *up, struct us *us)
{
	if (!us->ddn_waiting)
		return false;
	us->ddn_waiting = false;
	for (size_t i = 0; i < up->n_ddn_wait; i++)
		if (up->ddn_wait[i].us == us) {
			up->ddn_wait[i] = up->ddn_wait[--up->n_ddn_wait];
			return true;
		}
	return false;
}

void
pf_usess_free(struct pf_up *up, struct us *us)
{
	struct op *w;

	if (us == NULL)
		return;
	if (pf_usess_ddn_forget(up, us))   /* its held DL Data Report goes with it */
		up->st.ddn_cancelled++;
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
	if (us->upf != NULL)
		pf_ucomp_chosen_hold(up, &us->upf->u, us->s, false);
	pf_ucomp_snap_put(up, us->upf);
	pf_sess_free(us->s);
	pf_usage_free(&us->use);
	pf_macs_free(&us->macs);
	free(us->upf_name);
	json_decref(us->owner);
	free(us->cnt);
	free(us->met);
	free(us->shared);
	free(us);
}
