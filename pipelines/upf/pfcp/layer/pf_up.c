/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_up: PFCP sessions into sxdp's UPF tables, in batches, answered once applied (pf_up.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_claim.h"
#include "cd_host.h"
#include "cd_log.h"
#include "cd_svc.h"
#include "cd_tables.h"
#include "cd_vis.h"
#include "pf_answer.h"
#include "pf_macar.h"
#include "pf_node.h"
#include "pf_report.h"
#include "pf_restore.h"
#include "pf_jsync.h"
#include "pf_store.h"
#include "pf_ucomp.h"
#include "pf_up.h"
#include "pf_up_state.h"
#include "pf_usess.h"
#include "up_names.h"

#define BATCH_MAX	4096	/* updates in one table.write (sxdp takes 65,536) */
#define WAIT_SXDP_MS	2000	/* a request waits this long for sxdp's tables, then System failure */

/* ------------------------------------------------------------ the queue, batches */

static void pump(struct pf_up *up);
static void op_next_of_session(struct pf_up *up, struct us *us);

/* The Created PDRs of @s's PDRs @ids (NULL: all): what the UP function chose for them */
static void
created_pdrs(const struct pf_session *s, const uint16_t *ids, int n, struct pf_created_pdr *out, int *n_out)
{
	*n_out = 0;
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		struct pf_created_pdr *c = &out[*n_out];
		bool want = ids == NULL;

		for (int k = 0; k < n && !want; k++)
			want = ids[k] == p->id;
		if (!want || !((p->has_fteid && p->fteid.ch) || p->ue.ch4 || p->ue.ch6))
			continue;
		*c = (struct pf_created_pdr){ .pdr_id = p->id };
		if (p->has_fteid && p->fteid.ch) {
			c->has_fteid = 1;
			c->fteid = p->fteid;
			c->fteid.ch = 0;
			c->fteid.has_chid = 0;
		}
		if (p->ue.ch4 || p->ue.ch6) {   /* what it chose, of the family it chose */
			c->has_ue = 1;
			c->ue.sd = p->ue.sd;
			c->ue.has_v4 = p->ue.ch4;
			c->ue.has_v6 = p->ue.ch6;
			memcpy(c->ue.v4, p->ue.v4, 4);
			memcpy(c->ue.v6, p->ue.v6, 16);
		}
		(*n_out)++;
	}
}

/* @op applied (and its counters read): the session is what it made; answered. */
static void
op_done(struct pf_up *up, struct op *op)
{
	struct us *us = op->us;
	struct pf_created_pdr pdrs[PF_SESS_PDR_MAX];
	struct pf_usage_report urs[PF_SESS_URR_MAX * 2];
	struct pf_fseid fs;
	struct pf_sess_rsp r = { .cause = PF_CAUSE_ACCEPTED, .urs = urs };
	uint64_t now = cd_clock_ms();
	int n = 0, nu = 0;

	pf_ucomp_unclaim(up, op->unclaims);
	switch (op->kind) {
	case OP_EST:
	case OP_MOD:
	case OP_REARM:
		pf_ucomp_took_commit(up, us, &op->took);
		if (op->next_s != NULL) {
			/* a Report Response's Update BAR while it was under way: kept
			 * unless the request itself changed the BAR */
			if (us->bar_upd && us->s != NULL && memcmp(&us->s->bar, &op->next_s->bar, sizeof(us->s->bar)) == 0 &&
			    op->next_s->bar.present) {
				op->next_s->bar.has_delay = true;
				op->next_s->bar.dl_notif_delay = us->bar_upd_delay;
			}
			pf_usess_index_cp(up, us, false);   /* its CP F-SEID may change */
			/* its UE addresses: what the old rules held and the new do not goes back */
			pf_ucomp_chosen_hold(up, &us->upf->u, us->s, false);
			pf_ucomp_chosen_hold(up, &us->upf->u, op->next_s, true);
			pf_sess_free(us->s);
			us->s = op->next_s;
			op->next_s = NULL;
			us->s->up_seid = us->seid;
			pf_usess_index_cp(up, us, true);
		} else if (us->bar_upd && us->s != NULL && us->s->bar.present) {
			us->s->bar.has_delay = true;
			us->s->bar.dl_notif_delay = us->bar_upd_delay;
		}
		us->bar_upd = false;
		/* the UE came back (its downlink forwards again) before its DL
		 * Data Report's delay ran out: none is sent */
		pf_report_ddn_check(up, us);
		/* its URRs follow its rules: the ones removed report their last */
		if (pf_usage_update(&us->use, us->s, pf_ucomp_ctr_of, us, pf_ucomp_ctr_abs, up, now, pf_up_state_ntp(), urs, &nu) < 0)
			CD_LOG(ERR, "pfcp: session %s: out of memory measuring its usage", json_string_value(us->owner));
		for (int k = 0; k < op->mod.n_query_urr && nu < PF_SESS_URR_MAX * 2; k++)
			if (pf_usage_report(&us->use, us->s, op->mod.query_urr[k], PF_URT_IMMER, false, pf_ucomp_ctr_abs, up, now,
					    pf_up_state_ntp(), &urs[nu]) == 0)
				nu++;
		r.seid = us->s->cp.seid;
		r.n_urs = nu;
		if (op->kind == OP_EST) {
			created_pdrs(us->s, NULL, 0, pdrs, &n);
			pf_answer_fseid(up, us->seid, &fs);
			r.up_fseid = &fs;
			r.n_urs = 0;
			up->st.est++;
		} else if (op->kind == OP_MOD) {
			created_pdrs(us->s, op->mod.new_choice, op->mod.n_new_choice, pdrs, &n);
			up->st.mod++;
		}
		pf_report_end_markers(up, op);
		pf_answer_save(up, us);
		r.pdrs = pdrs;
		r.n_pdrs = n;
		pf_answer_send(up, op->t, &r);
		op->t = NULL;
		break;
	case OP_DEL:
		/* every URR's final report (TS 29.244 7.5.7: in the Deletion Response) */
		for (int k = 0; k < us->use.n_meas && nu < PF_SESS_URR_MAX; k++)
			if (pf_usage_report(&us->use, us->s, us->use.meas[k].urr, PF_URT_TERMR, false, pf_ucomp_ctr_abs, up, now,
					    pf_up_state_ntp(), &urs[nu]) == 0)
				nu++;
		r.seid = us->s->cp.seid;
		r.n_urs = nu;
		pf_answer_send(up, op->t, &r);
		op->t = NULL;
		up->st.del++;
		if (up->journal != NULL)
			pf_jsync_del(up->journal, us->seid);
		pf_usess_free(up, us);
		us = NULL;
		break;
	case OP_RESTORE:
		up->st.restored++;
		pf_restore_written(up);
		break;
	}
	if (us != NULL) {
		op_next_of_session(up, us);
		/* a rearm's own compile wrote what the usage says now (a
		 * termination that does not forward carries no threshold) */
		if (op->kind != OP_REARM && us->s != NULL && !pf_report_armed_right(up, us))
			pf_report_rearm(up, us);
	}
	pf_usess_op_free(op);
}

/* Why sxdp refused a batch, as a Cause. */
/* The batch in flight's @n-th update (its ops' in order, then the shared entries collected). */
static json_t *
nth_update(const struct pf_up *up, size_t n)
{
	for (const struct op *op = up->flight; op != NULL; op = op->next) {
		if (n < json_array_size(op->ups))
			return json_array_get(op->ups, n);
		n -= json_array_size(op->ups);
	}
	return json_array_get(up->flight_gc, n);
}

static uint8_t
cause_of(const struct pf_up *up, json_t *result, json_t *error, char *why, size_t len)
{
	const char *reason = NULL, *msg = NULL;
	json_t *r, *u = NULL;
	size_t i;

	if (error != NULL) {
		reason = json_string_value(json_object_get(json_object_get(error, "data"), "reason"));
		msg = json_string_value(json_object_get(error, "message"));
	}
	json_array_foreach(json_object_get(result, "results"), i, r)
		if (!json_is_true(json_object_get(r, "ok"))) {
			json_t *e = json_object_get(r, "error");
			const char *rs = json_string_value(json_object_get(json_object_get(e, "data"), "reason"));

			if (rs != NULL && strcmp(rs, "not_applied") == 0)
				continue;
			reason = rs;
			msg = json_string_value(json_object_get(e, "message"));
			u = nth_update(up, i);
			break;
		}
	snprintf(why, len, "sxdp refused the writes: %s (%s%s%s%s%s)", msg ? msg : "?", reason ? reason : "?",
		 u != NULL ? ": " : "", u != NULL ? json_string_value(json_object_get(u, "table")) ?: "" : "",
		 u != NULL ? " " : "", u != NULL ? json_string_value(json_object_get(u, "key")) ?: "" : "");
	if (reason != NULL && (strcmp(reason, "table_full") == 0 || strcmp(reason, "no_memory") == 0))
		return PF_CAUSE_NO_RESOURCES;
	return PF_CAUSE_SYSTEM_FAILURE;
}

/* The batch in flight ended: applied (@error NULL and nothing failed) or not. */
static void
batch_end(struct pf_up *up, json_t *result, json_t *error)
{
	struct op *op = up->flight, *next;
	bool ok = error == NULL && json_integer_value(json_object_get(result, "failed")) == 0;
	char why[320];
	uint8_t cause = ok ? PF_CAUSE_ACCEPTED : cause_of(up, result, error, why, sizeof(why));

	up->writing = false;
	up->flight = NULL;
	if (up->flight_gc != NULL) {
		pf_shared_collected(up->shared, up->flight_gc, ok);
		json_decref(up->flight_gc);
		up->flight_gc = NULL;
	}
	if (ok) {
		struct op *rd = NULL;

		for (; op != NULL; op = next) {
			next = op->next;
			if (op->read) {   /* answered once its counters are read */
				op->next = rd;
				rd = op;
			} else {
				op_done(up, op);
			}
		}
		if (rd != NULL)
			pf_report_read_ops(up, rd, op_done);
		return;
	}
	if (cd_host_lost(error))
		snprintf(why, sizeof(why), "sxdp's connection was lost during the writes");
	/* undone whole; each written alone, so that one bad request fails alone */
	struct op *last = NULL;

	for (struct op *o = op; o != NULL; o = o->next) {
		pf_ucomp_undo(up, o);
		last = o;
	}
	if (op != NULL && op->next == NULL && op->alone) {
		/* it alone was refused */
		uint64_t cp = op->kind == OP_EST ? op->next_s->cp.seid : op->us ? op->us->s->cp.seid : 0;

		pf_answer_refuse_cause(up, op->t, cp, cause, why);
		op->t = NULL;
		if (op->kind == OP_RESTORE)
			pf_restore_written(up);   /* (refused: logged; the sweep of the next restart has it) */
		if (op->kind == OP_EST)
			pf_usess_free(up, op->us);
		else if (op->us != NULL)
			op_next_of_session(up, op->us);
		pf_usess_op_free(op);
	} else if (op != NULL) {
		for (struct op *o = op; o != NULL; o = o->next)
			o->alone = true;
		last->next = up->head;
		up->head = op;
		if (up->tail == NULL)
			up->tail = last;
	}
}

static void
on_written(void *arg, json_t *result, json_t *error)
{
	batch_end(arg, result, error);
	pump(arg);
}

static void
pump(struct pf_up *up)
{
	json_t *batch, *gc;
	struct op *op, *last = NULL;
	size_t i;
	json_t *u;

	if (up->writing || up->tables == NULL || up->head == NULL || up->restoring)
		return;
	batch = json_array();
	while ((op = up->head) != NULL && json_array_size(batch) < BATCH_MAX) {
		if (op->alone && json_array_size(batch) > 0)
			break;
		up->head = op->next;
		if (up->head == NULL)
			up->tail = NULL;
		if (up->xtail == op)
			up->xtail = NULL;
		op->next = NULL;
		if (pf_ucomp_op(up, op) < 0) {
			struct us *us = op->us;

			if (op->kind == OP_EST)
				pf_usess_free(up, us);
			else
				op_next_of_session(up, us);
			pf_usess_op_free(op);
			continue;
		}
		/* DROBU: sxdp takes its requests in order, so what the session
		 * holds goes before this batch's writes could release it */
		if (op->kind == OP_MOD && op->mod.drobu)
			pf_report_buffer_drop(up, op->us);
		json_array_foreach(op->ups, i, u) {
			json_t *c = json_copy(u);

			json_object_del(c, "key");
			json_object_del(c, "pdr");
			json_object_del(c, "id");
			json_array_append_new(batch, c);
		}
		if (last != NULL)
			last->next = op;
		else
			up->flight = op;
		last = op;
		if (op->alone)
			break;
	}
	if (up->flight == NULL) {
		json_decref(batch);
		return;
	}
	if ((gc = pf_shared_gc(up->shared)) != NULL) {
		json_array_foreach(gc, i, u) {
			json_t *c = json_copy(u);

			json_object_del(c, "key");
			json_object_del(c, "id");
			json_array_append_new(batch, c);
		}
		up->flight_gc = gc;
	}
	up->st.batches++;
	up->st.updates += json_array_size(batch);
	up->writing = true;
	if (json_array_size(batch) == 0) {   /* nothing to write (a modification that changes no entry) */
		json_t *r = json_pack("{s:i}", "failed", 0);

		json_decref(batch);
		batch_end(up, r, NULL);   /* then the next batch: from the loop, not deeper */
		json_decref(r);
		pf_usess_kick(up);
		return;
	}
	if (cd_host_call(up->ctl, "table.write", json_pack("{s:s,s:o}", "atomicity", "dataplane-atomic", "updates",
							   batch), on_written, up) < 0) {
		json_t *e = json_pack("{s:i,s:s}", "code", CD_HOST_LOST, "message", "not connected");

		batch_end(up, NULL, e);
		pf_usess_kick(up);
		json_decref(e);
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

/* The procedure counters sampled once a second, for their rates. */
static void
rate_sample(struct pf_up *up, uint64_t now)
{
	unsigned int last = (up->rate_at + up->rate_n + PF_RATE_SAMPLES - 1) % PF_RATE_SAMPLES;
	struct rate_sample *r;

	if (up->rate_n > 0 && now - up->rate[last].ms < 1000)
		return;
	if (up->rate_n < PF_RATE_SAMPLES) {
		r = &up->rate[(up->rate_at + up->rate_n++) % PF_RATE_SAMPLES];
	} else {
		r = &up->rate[up->rate_at];
		up->rate_at = (up->rate_at + 1) % PF_RATE_SAMPLES;
	}
	*r = (struct rate_sample){ now, up->st.est, up->st.mod, up->st.del };
}

/* What sxdp's uplink sessions table holds (0: unknown): the admission's
 * session bound unless one is set. */
static uint64_t
session_room(const struct pf_up *up)
{
	return up->tables != NULL ? cd_tables_size(up->tables, UP_T_SESSIONS_UPLINK) : 0;
}

/* Requests that waited too long for sxdp: System failure. */
/* The usage tick: time-based reports due, MACs behind sessions (MACAR). */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	pf_report_on_tick(fd, what, arg);
	pf_macar_tick(arg);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	struct op **p = &up->head, *op, *prev = NULL;
	uint64_t now = cd_clock_ms();

	(void)fd;
	(void)what;
	rate_sample(up, now);
	pf_load_measure(&up->load, up->n, session_room(up), now);
	while ((op = *p) != NULL) {
		if (up->tables == NULL && op->t != NULL && now - op->since > WAIT_SXDP_MS) {
			*p = op->next;
			if (up->tail == op)
				up->tail = NULL;
			if (up->xtail == op)
				up->xtail = prev;
			pf_answer_refuse_cause(up, op->t, op->kind == OP_EST ? op->next_s->cp.seid : op->us->s->cp.seid,
				     PF_CAUSE_SYSTEM_FAILURE, "sxdp is away");
			op->t = NULL;
			if (op->kind == OP_EST)
				pf_usess_free(up, op->us);
			else
				op_next_of_session(up, op->us);
			pf_usess_op_free(op);
			continue;
		}
		up->tail = op;
		prev = op;
		p = &op->next;
	}
}

/* ------------------------------------------------------------ sessions */

/* The next request of @us (it waited behind the one that ended) goes. */
static void
op_next_of_session(struct pf_up *up, struct us *us)
{
	struct op *w = us->waiting;
	struct pf_result r;
	struct pf_fail f;

	us->busy = false;
	if (w == NULL)
		return;
	us->waiting = w->next;
	us->busy = true;
	if (w->kind == OP_MOD) {
		r = pf_decode(w->raw, w->raw_len, up->scratch);
		if (r.kind != PF_OK || pf_sess_modify(us->s, up->scratch, &w->next_s, &w->mod, &f) < 0) {
			if (r.kind != PF_OK)
				f = (struct pf_fail){ .cause = r.cause, .offending_ie = r.ie_type, .rule_kind = PF_RULE_NONE };
			pf_answer_refuse(up, w->t, us->s->cp.seid, &f, "a Modification that waited does not apply");
			w->t = NULL;
			pf_usess_op_free(w);
			op_next_of_session(up, us);
			return;
		}
	}
	pf_usess_enqueue(up, w, false);
}

/*
 * The session a Modification or Deletion (or one the codec refused) names:
 * by its UP SEID, and only for a request from the address of the
 * association that established it (any of its ports: SMFs send from
 * another port than they set up from). Several associations (Node IDs)
 * may share one address; a session is its creator's alone, whichever of
 * them pf_node found first at that address. A SEID "identifies a PFCP
 * session at an IP address of a PFCP entity" (TS 29.244 5.6.2): from
 * another address it names no session, answered Session context not
 * found (65, 8.2.1) with SEID 0 (no CP SEID is known for that peer).
 * NULL: none.
 */
static struct us *
session_of(struct pf_up *up, uint64_t seid, const struct pf_txn *t)
{
	struct us *us = pf_usess_find(up, seid);

	if (us == NULL || us->s == NULL || us->assoc == NULL ||
	    !pf_addr_same_host(pf_assoc_peer(us->assoc), pf_txn_peer(t)))
		return NULL;
	return us;
}

static void
on_request(void *arg, struct pf_assoc *a, const struct pf_msg *m, struct pf_txn *t)
{
	struct pf_up *up = arg;
	struct pf_fail f = { .cause = PF_CAUSE_ACCEPTED, .rule_kind = PF_RULE_NONE };
	struct op *op = calloc(1, sizeof(*op));
	struct us *us;
	uint32_t sid = 0;

	if (op == NULL) {
		pf_answer_refuse_cause(up, t, 0, PF_CAUSE_NO_RESOURCES, "out of memory");
		return;
	}
	op->t = t;
	op->assoc = a;
	switch (m->hdr.type) {
	case PF_SESS_EST_REQ:
		op->kind = OP_EST;
		if (pf_sess_establish(m, &op->next_s, &f) < 0) {
			struct pf_fseid cp = { 0 };
			int i = pf_find(m, -1, PF_IE_FSEID, -1);

			if (i >= 0)
				pf_get_fseid(&m->ies[i], &cp);
			op->t = NULL;
			pf_usess_op_free(op);
			pf_answer_refuse(up, t, cp.seid, &f, "its rules do not hold");
			return;
		}
		/* the SMF asks again for a session it has (its answer was lost to
		 * an sxcd restart, beyond the response cache): the same answer */
		if ((us = pf_usess_find_cp(up, a, op->next_s->cp.seid)) != NULL && !us->busy) {
			struct pf_created_pdr pdrs[PF_SESS_PDR_MAX];
			struct pf_fseid fs;
			struct pf_sess_rsp r = { .cause = PF_CAUSE_ACCEPTED, .seid = us->s->cp.seid, .up_fseid = &fs,
						 .pdrs = pdrs };

			CD_LOG(INFO, "pfcp: an Establishment for %s's CP SEID %llu again: answered with session %s",
			       pf_assoc_name(a), (unsigned long long)us->s->cp.seid, json_string_value(us->owner));
			created_pdrs(us->s, NULL, 0, pdrs, &r.n_pdrs);
			pf_answer_fseid(up, us->seid, &fs);
			op->t = NULL;
			pf_usess_op_free(op);
			pf_answer_send(up, t, &r);
			return;
		}
		us = NULL;
		{
			const char *why;
			uint8_t cause = pf_load_admit(&up->load, up->n, session_room(up), &why);

			if (cause != 0) {
				op->t = NULL;
				pf_answer_refuse_cause(up, t, op->next_s->cp.seid, cause, why);
				pf_usess_op_free(op);
				return;
			}
			op->admitted = true;
		}
		if (pf_ids_take(&up->sess_ids, &sid) < 0 || (us = calloc(1, sizeof(*us))) == NULL) {
			if (us == NULL && pf_ids_taken(&up->sess_ids, sid))
				pf_ids_put(&up->sess_ids, sid);
			pf_answer_refuse_cause(up, t, op->next_s->cp.seid, PF_CAUSE_NO_RESOURCES, "no session id left");
			op->t = NULL;
			pf_usess_op_free(op);
			return;
		}
		us->sess_id = sid;
		us->seid = (uint64_t)pf_node_recovery(up->node) << 24 | sid;
		us->assoc = a;
		us->owner = pf_ucomp_owner_of(a, us->seid);
		us->busy = true;
		pf_usess_insert(up, us);
		op->us = us;
		pf_usess_enqueue(up, op, false);
		return;
	case PF_SESS_MOD_REQ:
	case PF_SESS_DEL_REQ:
		op->kind = m->hdr.type == PF_SESS_MOD_REQ ? OP_MOD : OP_DEL;
		if ((us = session_of(up, m->hdr.seid, t)) == NULL) {
			op->t = NULL;
			pf_usess_op_free(op);
			pf_answer_refuse_cause(up, t, 0, PF_CAUSE_NO_SESSION, "no such session of an SMF at that address");
			return;
		}
		op->us = us;
		op->assoc = us->assoc;
		if (us->busy) {   /* behind the one under way: decoded again when its turn comes */
			uint8_t buf[PF_UP_MSG_MAX];
			int len = pf_reencode(m, buf, sizeof(buf));

			if (len < 0 || (op->raw = malloc((size_t)len)) == NULL) {
				op->t = NULL;
				pf_usess_op_free(op);
				pf_answer_refuse_cause(up, t, us->s->cp.seid, PF_CAUSE_NO_RESOURCES, "cannot keep it");
				return;
			}
			memcpy(op->raw, buf, (size_t)len);
			op->raw_len = (size_t)len;
			struct op **p = &us->waiting;

			while (*p != NULL)
				p = &(*p)->next;
			*p = op;
			return;
		}
		if (op->kind == OP_MOD && pf_sess_modify(us->s, m, &op->next_s, &op->mod, &f) < 0) {
			op->t = NULL;
			pf_usess_op_free(op);
			pf_answer_refuse(up, t, us->s->cp.seid, &f, "its rules do not hold");
			return;
		}
		us->busy = true;
		pf_usess_enqueue(up, op, false);
		return;
	default:
		op->t = NULL;
		pf_usess_op_free(op);
		pf_answer_refuse_cause(up, t, 0, PF_CAUSE_REJECTED, "not a session request this UPF takes");
	}
}

static void
on_refused(void *arg, struct pf_assoc *a, const struct pf_hdr *h, struct pf_result r, struct pf_txn *t)
{
	struct pf_up *up = arg;
	struct us *us = session_of(up, h->seid, t);
	struct pf_fail f = { .cause = r.cause, .offending_ie = r.ie_type, .rule_kind = PF_RULE_NONE };

	(void)a;
	if (us == NULL) {
		pf_answer_refuse_cause(up, t, 0, PF_CAUSE_NO_SESSION, "malformed, for no session of its node");
		return;
	}
	pf_answer_refuse(up, t, us->s->cp.seid, &f, "malformed");
}

static int
delete_of(void *arg, struct us *us)
{
	struct pf_up *up = arg;
	struct op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -ENOMEM;
	op->kind = OP_DEL;
	op->us = us;
	if (us->busy) {
		struct op **p = &us->waiting;

		while (*p != NULL)
			p = &(*p)->next;
		*p = op;
		return 0;
	}
	us->busy = true;
	pf_usess_enqueue(up, op, false);
	return 0;
}

static void
on_assoc_gone(void *arg, struct pf_assoc *a, enum pf_gone why)
{
	struct pf_up *up = arg;
	size_t n = 0;

	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL && up->tab[i]->assoc == a) {
			delete_of(up, up->tab[i]);
			pf_usess_index_cp(up, up->tab[i], false);
			up->tab[i]->assoc = NULL;   /* no answer goes to it now */
			n++;
		}
	if (n > 0)
		CD_LOG(INFO, "pfcp: %s's association %s: its %zu sessions deleted", pf_assoc_name(a), pf_gone_name(why),
		       n);
}

static void
on_assoc_up(void *arg, struct pf_assoc *a)
{
	(void)arg;
	(void)a;
}

static void
on_reachable(void *arg, struct pf_assoc *a, bool reachable)
{
	(void)arg;
	if (reachable)
		CD_LOG(INFO, "pfcp: %s is reachable again", pf_assoc_name(a));
	else
		CD_LOG(WARN, "pfcp: %s is unreachable; its sessions keep forwarding", pf_assoc_name(a));
}

/* ------------------------------------------------------------ attach */

static const struct pf_node_ops ops = {
	.request = on_request,
	.refused = on_refused,
	.assoc_up = on_assoc_up,
	.assoc_reachable = on_reachable,
	.assoc_gone = on_assoc_gone,
};

/* UP Function Features (TS 29.244 8.2.25) as implemented, nothing else:
 * FTUP (F-TEIDs allocated on CHOOSE, CHOOSE ID shared), BUCP (downlink
 * buffered in the UP), DDND (a BAR's DL Data Notification Delay holds the
 * DL Data Report, pf_report.c), EMPU (end markers into the old tunnel on
 * PFCPSMReq-Flags SNDEM), QUOAC (a URR's FAR ID for Quota Action taken
 * once its quota is used up, pf_map.c), MNOP (packets counted in usage reports when a
 * URR's Measurement Information asks, pf_usage.c), UEIP (UE addresses
 * chosen on CHV4/CHV6 from the upf intents' ueip_pools, pf_ueip.c);
 * octet 5 first. */
static const uint8_t features[] = {
	0x01 | 0x02 | 0x10,	/* octet 5: BUCP (bit 1), DDND (bit 2), FTUP (bit 5) */
	0x01 | 0x08,		/* octet 6: EMPU (bit 1: end markers sent on SNDEM), QUOAC (bit 4) */
	0x04 | 0x10,		/* octet 7: UEIP (bit 3), MNOP (bit 5) */
};

int
pf_up_attach(struct pf_node *n, const struct cd_svc_ctx *ctx, bool takeover, const struct pf_load_cfg *load,
	     char *err, size_t len)
{
	struct pf_up *up = pf_up_state_new();
	int rc;

	if (up == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	pf_load_init(&up->load, load);
	up->node = n;
	up->takeover = takeover;
	up->base = ctx->base;
	up->res = ctx->res;
	up->sync = ctx->sync;
	up->ctl = ctx->sxdp;
	up->kick = event_new(up->base, -1, 0, on_kick, up);
	up->timer = event_new(up->base, -1, EV_PERSIST, on_timer, up);
	struct timeval tv = { 0, 250000 }, ev = { 0, EVENTS_MS * 1000 }, tick = { TICK_MS / 1000, 0 };

	up->ev_timer = event_new(up->base, -1, EV_PERSIST, pf_report_on_ev_timer, up);
	up->tick = event_new(up->base, -1, EV_PERSIST, on_tick, up);
	up->flush = event_new(up->base, -1, 0, pf_answer_flush, up);
	up->restore = event_new(up->base, -1, 0, pf_restore_slice, up);
	up->resweep = evtimer_new(up->base, pf_restore_resweep, up);
	up->out_tail = &up->out;
	if (ctx->store_dir != NULL) {
		struct pf_store *s;

		if ((rc = pf_store_open(ctx->store_dir, &s)) < 0) {
			snprintf(err, len, "the PFCP sessions' journal in %s: %s", ctx->store_dir, strerror(-rc));
			return rc;
		}
		if ((up->journal = pf_jsync_new(up->base, s)) == NULL) {
			pf_store_close(s);
			snprintf(err, len, "the PFCP sessions' journal's thread: out of memory or threads");
			return -ENOMEM;
		}
	}
	pf_up_state_set(up);
	if (up->journal != NULL && (rc = pf_store_load(pf_jsync_store(up->journal), pf_restore_load_one, up)) < 0) {
		snprintf(err, len, "the PFCP sessions' journal: %s", strerror(-rc));
		return rc;
	}
	if (up->n > 0)
		CD_LOG(INFO, "pfcp: %zu sessions from the journal (sxdp %s); claimed once sxdp is seen", up->n,
		       up->stored_boot);
	event_add(up->timer, &tv);
	event_add(up->ev_timer, &ev);
	event_add(up->tick, &tick);
	cd_claim_register(pf_ucomp_claim_holder, up);
	pf_node_set_handler(n, &ops, up);
	pf_node_set_features(n, features, sizeof(features));
	pf_up_state_set(up);
	cd_host_watch(up->sync, pf_restore_on_sxdp, up);   /* last: told at once when sxdp is known */
	return 0;
}

void
pf_up_replicate(const struct pf_up_replica *r)
{
	struct pf_up *up = pf_up_state_current();

	if (up == NULL)
		return;
	up->replica_hold = r != NULL ? r->hold : NULL;
	up->replica_arg = r != NULL ? r->arg : NULL;
	up->usage_ckpt_ms = r != NULL ? r->usage_ms : 0;
	if (up->journal != NULL)
		pf_store_tap(pf_jsync_store(up->journal), r != NULL ? r->tap : NULL, r != NULL ? r->arg : NULL);
}

void
pf_up_release(struct outmsg *answers)
{
	struct pf_up *up = pf_up_state_current();

	if (up != NULL)
		pf_answer_release(up, answers);
}

int
pf_up_journal_each(int (*fn)(void *arg, uint64_t key, const uint8_t *b, size_t len), void *arg)
{
	struct pf_up *up = pf_up_state_current();

	return up == NULL || up->journal == NULL ? -ENOENT : pf_store_load(pf_jsync_store(up->journal), fn, arg);
}

void
pf_up_detach(struct pf_node *n)
{
	(void)n;
}

void
pf_up_metrics(struct cd_vis_fams *f)
{
	struct pf_up *up = pf_up_state_current();
	json_t *st = pf_up_stats(), *v;
	const char *k;

	if (up == NULL || st == NULL) {
		json_decref(st);
		return;
	}
	cd_vis_sample(f, "sxcd_pfcp_sessions", "gauge", "PFCP sessions in sxdp", (double)up->n, NULL);
	json_object_foreach(json_object_get(st, "by_node"), k, v)
		cd_vis_sample(f, "sxcd_pfcp_sessions_by_smf", "gauge", "PFCP sessions by the SMF's Node ID",
			      (double)json_integer_value(v), "smf", k, NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.est, "procedure",
		      "establishment", NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.mod, "procedure",
		      "modification", NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_requests_applied_total", "counter",
		      "PFCP session requests applied in sxdp, by procedure", (double)up->st.del, "procedure",
		      "deletion", NULL);
	cd_vis_sample(f, "sxcd_pfcp_load_percent", "gauge",
		      "the UP function's load as told to SMFs (sessions, queue, memory of their bounds)",
		      (double)up->load.metric, NULL);
	cd_vis_sample(f, "sxcd_pfcp_overloaded", "gauge", "1 while overloaded (Overload Control Information sent)",
		      up->load.overloaded ? 1.0 : 0.0, NULL);
	cd_vis_sample(f, "sxcd_pfcp_establishments_refused_total", "counter",
		      "establishments refused by admission, by cause", (double)up->load.refused_resources, "cause",
		      "no_resources", NULL);
	cd_vis_sample(f, "sxcd_pfcp_establishments_refused_total", "counter",
		      "establishments refused by admission, by cause", (double)up->load.refused_congestion, "cause",
		      "congestion", NULL);
	if (up->journal != NULL) {
		struct pf_jsync_stats js;

		pf_jsync_stats(up->journal, &js);
		cd_vis_sample(f, "sxcd_pfcp_journal_syncs_total", "counter",
			      "the sessions' journal synced (on its thread)", (double)js.syncs, NULL);
		cd_vis_sample(f, "sxcd_pfcp_journal_sync_max_seconds", "gauge",
			      "the longest journal sync so far (the answers waited that long; the loop did not)",
			      (double)js.max_us / 1e6, NULL);
	}
	cd_vis_sample(f, "sxcd_pfcp_session_reports_total", "counter",
		      "Session Report Requests sent (usage, DL data)", (double)up->st.reports, NULL);
	cd_vis_sample(f, "sxcd_pfcp_path_failures_total", "counter",
		      "GTP-U paths to peers in use found down (or the peer restarted): Node Reports to their SMFs",
		      (double)up->st.path_failures, NULL);
	cd_vis_sample(f, "sxcd_pfcp_path_recoveries_total", "counter", "GTP-U paths up again",
		      (double)up->st.path_recoveries, NULL);
	cd_vis_sample(f, "sxcd_pfcp_node_reports_total", "counter", "Node Report Requests sent",
		      (double)up->st.node_reports, NULL);
	cd_vis_sample(f, "sxcd_pfcp_session_report_failures_total", "counter",
		      "Session Report Requests unanswered or refused", (double)up->st.report_fails, NULL);
	cd_vis_sample(f, "sxcd_pfcp_dl_data_reports_total", "counter", "DL Data Reports sent",
		      (double)up->st.ddn, NULL);
	cd_vis_sample(f, "sxcd_pfcp_inactivity_reports_total", "counter",
		      "User Plane Inactivity Reports sent: sessions silent for their User Plane Inactivity Timer",
		      (double)up->st.inactivity_reports, NULL);
	cd_vis_sample(f, "sxcd_pfcp_mac_reports_total", "counter",
		      "usage reports of MACs detected behind Ethernet PDU sessions or removed (MACAR)",
		      (double)up->st.mac_reports, NULL);
	cd_vis_sample(f, "sxcd_pfcp_dl_data_reports_delayed_total", "counter",
		      "DL Data Reports held for their BAR's DL Data Notification Delay", (double)up->st.ddn_delayed, NULL);
	cd_vis_sample(f, "sxcd_pfcp_dl_data_reports_cancelled_total", "counter",
		      "Delayed DL Data Reports not sent: the downlink forwarded again or the session went first",
		      (double)up->st.ddn_cancelled, NULL);
	json_decref(st);
}

json_t *
pf_up_stats(void)
{
	struct pf_up *up = pf_up_state_current();
	json_t *o, *by = json_object(), *by_upf = json_object();
	unsigned int peers, apps;
	double per_s[3] = { 0, 0, 0 };

	if (up == NULL) {
		json_decref(by);
		json_decref(by_upf);
		return NULL;
	}
	for (size_t i = 0; i < up->cap; i++)
		if (up->tab[i] != NULL && up->tab[i]->assoc != NULL) {
			const char *k = pf_assoc_name(up->tab[i]->assoc);

			json_object_set_new(by, k, json_integer(json_integer_value(json_object_get(by, k)) + 1));
			if (up->tab[i]->upf != NULL) {
				k = up->tab[i]->upf->u.name;
				json_object_set_new(by_upf, k, json_integer(json_integer_value(
					json_object_get(by_upf, k)) + 1));
			}
		}
	pf_shared_counts(up->shared, &peers, &apps);
	/* per second over the samples' span (up to 10 s) to now */
	if (up->rate_n > 0) {
		const struct rate_sample *r = &up->rate[up->rate_at];
		double s = (double)(cd_clock_ms() - r->ms) / 1000.0;

		if (s >= 0.5) {
			per_s[0] = (double)(up->st.est - r->est) / s;
			per_s[1] = (double)(up->st.mod - r->mod) / s;
			per_s[2] = (double)(up->st.del - r->del) / s;
		}
	}
	o = json_pack("{s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i}", "total", (json_int_t)up->n, "by_node", by,
		      "established", (json_int_t)up->st.est, "modified", (json_int_t)up->st.mod, "deleted",
		      (json_int_t)up->st.del, "reports", (json_int_t)up->st.reports, "report_failures",
		      (json_int_t)up->st.report_fails, "dl_data_reports", (json_int_t)up->st.ddn,
		      "dl_data_reports_delayed", (json_int_t)up->st.ddn_delayed, "dl_data_reports_cancelled",
		      (json_int_t)up->st.ddn_cancelled, "error_indications", (json_int_t)up->st.error_inds,
		      "error_indication_reports", (json_int_t)up->st.error_ind_reports, "error_indications_skipped",
		      (json_int_t)up->st.error_inds_skipped, "path_failures", (json_int_t)up->st.path_failures,
		      "path_recoveries", (json_int_t)up->st.path_recoveries, "node_reports",
		      (json_int_t)up->st.node_reports, "node_report_failures", (json_int_t)up->st.node_report_fails,
		      "batches",
		      (json_int_t)up->st.batches, "updates", (json_int_t)up->st.updates, "peers", peers, "apps", apps);
	json_object_set_new(o, "by_upf", by_upf);
	json_object_set_new(o, "inactivity_reports", json_integer((json_int_t)up->st.inactivity_reports));
	json_object_set_new(o, "mac_reports", json_integer((json_int_t)up->st.mac_reports));
	/* the sxdp whose restart the sessions were judged against (none yet:
	 * the Recovery Time Stamp may still change), and whether requests wait
	 * for the journal's sessions to be checked against it */
	json_object_set_new(o, "sxdp_boot_id", up->boot_id[0] != '\0' ? json_string(up->boot_id) : json_null());
	json_object_set_new(o, "restoring", json_boolean(up->restoring));
	json_object_set_new(o, "taken_over", json_integer((json_int_t)up->st.taken_over));
	json_object_set_new(o, "usage_checkpoints", json_integer((json_int_t)up->st.usage_checkpoints));
	json_object_set_new(o, "ueip_pools", pf_ueip_status(up->ueip, &up->upfs));
	json_object_set_new(o, "admission", pf_load_status(&up->load, session_room(up)));
	if (up->journal != NULL) {
		struct pf_jsync_stats js;

		pf_jsync_stats(up->journal, &js);
		json_object_set_new(o, "journal", json_pack("{s:I,s:I,s:I,s:I,s:b}", "syncs", (json_int_t)js.syncs,
			"last_sync_us", (json_int_t)js.last_us, "max_sync_us", (json_int_t)js.max_us, "queued_while_syncing",
			(json_int_t)js.queued, "syncing", pf_jsync_busy(up->journal)));
	}
	json_object_set_new(o, "established_per_s", json_real(per_s[0]));
	json_object_set_new(o, "modified_per_s", json_real(per_s[1]));
	json_object_set_new(o, "deleted_per_s", json_real(per_s[2]));
	return o;
}
