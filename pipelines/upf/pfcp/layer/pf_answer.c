/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_answer: the PFCP session layer's answers and journal records (pf_answer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_log.h"
#include "pf_answer.h"
#include "pf_node.h"
#include "pf_jsync.h"
#include "pf_store.h"

/* An answer, or a call (a request of the UP function's own), waiting for
 * the journal's sync. */
struct outmsg {
	struct outmsg *next;
	struct pf_txn *t;
	void (*after)(struct pf_up *up, void *arg);
	void *arg;
	size_t len;
	uint8_t b[];
};

/* ------------------------------------------------------------ answers */

void
pf_answer_fseid(struct pf_up *up, uint64_t seid, struct pf_fseid *f)
{
	const struct pf_node_id *self = pf_node_self(up->node);

	memset(f, 0, sizeof(*f));
	f->seid = seid;
	if (self->kind == 1) {
		f->has_v6 = 1;
		memcpy(f->v6, self->addr, 16);
	} else {
		/* an FQDN Node ID: the F-SEID still needs an address (0.0.0.0:
		 * the SMF keeps using the association's) */
		f->has_v4 = 1;
		if (self->kind == 0)
			memcpy(f->v4, self->addr, 4);
	}
}

static void
outbox_put(struct pf_up *up, struct outmsg *m)
{
	m->next = NULL;
	*up->out_tail = m;
	up->out_tail = &m->next;
	event_active(up->flush, EV_TIMEOUT, 0);
}

/* Answers leave once what they say is in the journal: gathered over a
 * turn of the loop, then one sync, then sent. */
static void
outbox_add(struct pf_up *up, struct pf_txn *t, const uint8_t *b, size_t len)
{
	struct outmsg *m = malloc(sizeof(*m) + len);

	if (m == NULL) {
		pf_txn_drop(t);   /* the SMF asks again: answered then */
		return;
	}
	m->t = t;
	m->after = NULL;
	m->len = len;
	memcpy(m->b, b, len);
	outbox_put(up, m);
}

void
pf_answer_after_sync(struct pf_up *up, void (*fn)(struct pf_up *up, void *arg), void *arg)
{
	struct outmsg *m = malloc(sizeof(*m));

	if (m == NULL) {
		fn(up, arg);   /* no room to wait: at once, as before the journal */
		return;
	}
	*m = (struct outmsg){ .after = fn, .arg = arg };
	outbox_put(up, m);
}

/* A batch of answers and calls, waiting for the journal's sync. */
struct batch {
	struct pf_up *up;
	struct outmsg *m;
};

/* What the journal says of them is durable: they go (the pair's other box
 * has the batch first: a takeover loses nothing answered). */
static void
hand_over(struct pf_up *up, struct outmsg *m)
{
	if (up->replica_hold != NULL && up->replica_hold(up->replica_arg, m))
		return;
	pf_answer_release(up, m);
}

static void
synced(void *arg, int rc)
{
	struct batch *b = arg;

	if (rc < 0)
		CD_LOG(ERR, "pfcp: the sessions' journal does not sync (%s): answers go, an sxcd restart may lose "
		       "them", strerror(-rc));
	hand_over(b->up, b->m);
	free(b);
}

/* The journal synced on its thread (pf_jsync): the loop goes on serving
 * heartbeats, REST and timers while the disk takes its time; answers
 * gathered meanwhile go with the next sync. */
void
pf_answer_flush(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	struct outmsg *m;
	struct batch *b;

	(void)fd;
	(void)what;
	/* detached first: a call may queue more, for the next sync */
	m = up->out;
	up->out = NULL;
	up->out_tail = &up->out;
	if (up->journal == NULL) {
		hand_over(up, m);
		return;
	}
	if ((b = malloc(sizeof(*b))) != NULL)
		*b = (struct batch){ .up = up, .m = m };
	if (b == NULL || pf_jsync_sync(up->journal, synced, b) < 0) {
		free(b);
		CD_LOG(ERR, "pfcp: out of memory syncing the sessions' journal: answers go unsynced");
		hand_over(up, m);
	}
}

void
pf_answer_release(struct pf_up *up, struct outmsg *m)
{
	struct outmsg *n;

	for (; m != NULL; m = n) {
		n = m->next;
		if (m->after != NULL)
			m->after(up, m->arg);
		else
			pf_txn_reply(m->t, m->b, m->len);
		free(m);
	}
}

/* A session's record into the journal (the sync before the answers makes it durable). */
void
pf_answer_save(struct pf_up *up, struct us *us)
{
	struct pf_rec r = { .seid = us->seid, .sess_id = us->sess_id, .cnt = us->cnt, .met = us->met,
			    .n_cnt = us->n_cnt, .n_met = us->n_met, .use = us->use, .s = us->s };
	uint8_t buf[PF_STORE_REC_MAX];
	int len;

	if (up->journal == NULL)
		return;
	snprintf(r.assoc, sizeof(r.assoc), "%s", us->assoc ? pf_assoc_name(us->assoc) : "");
	snprintf(r.upf, sizeof(r.upf), "%s", us->upf ? us->upf->u.name : "");
	if ((len = pf_save_pack(&r, buf, sizeof(buf))) < 0 || pf_jsync_put(up->journal, us->seid, buf, (size_t)len) < 0)
		CD_LOG(ERR, "pfcp: session %s not journalled: an sxcd restart loses it", json_string_value(us->owner));
}

void
pf_answer_send(struct pf_up *up, struct pf_txn *t, struct pf_sess_rsp *r)
{
	uint8_t buf[PF_UP_MSG_MAX];
	struct pf_load_ctl lci;
	struct pf_overload_ctl oci;
	int len;

	if (t == NULL)
		return;
	r->type = (uint8_t)(pf_txn_type(t) + 1);
	r->seq = pf_txn_seq(t);
	if (r->type == PF_SESS_EST_RSP)
		r->node = pf_node_self(up->node);
	pf_load_ies(&up->load, pf_node_assoc_at(up->node, pf_txn_peer(t)), r, &lci, &oci);
	if ((len = pf_enc_sess_rsp2(buf, sizeof(buf), r)) < 0) {
		CD_LOG(ERR, "pfcp: an answer does not encode (%d)", len);
		pf_txn_drop(t);
		return;
	}
	outbox_add(up, t, buf, (size_t)len);
}

void
pf_answer_refuse(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, const struct pf_fail *f, const char *why)
{
	struct pf_sess_rsp r = { .seid = cp_seid, .cause = f->cause, .offending = f->offending_ie,
				 .has_failed_rule = f->cause == PF_CAUSE_RULE_FAILURE && f->rule_kind != PF_RULE_NONE,
				 .failed_rule_type = f->rule_kind, .failed_rule_id = f->rule_id };

	if (why != NULL)
		CD_LOG(INFO, "pfcp: %s refused (cause %u): %s", t ? pf_msg_name(pf_txn_type(t)) : "request", f->cause,
		       why);
	pf_answer_send(up, t, &r);
}

void
pf_answer_refuse_cause(struct pf_up *up, struct pf_txn *t, uint64_t cp_seid, uint8_t cause, const char *why)
{
	struct pf_fail f = { .cause = cause, .rule_kind = PF_RULE_NONE };

	pf_answer_refuse(up, t, cp_seid, &f, why);
}
