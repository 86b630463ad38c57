/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_report: PFCP sessions' counters read, usage and DL data reported, end markers sent (pf_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_host.h"
#include "cd_log.h"
#include "pf_answer.h"
#include "pf_node.h"
#include "pf_report.h"
#include "pf_ucomp.h"
#include "pf_usess.h"
#include "up_ids.h"
#include "up_names.h"

#define READ_MAX	1024	/* counters in one upf.usage */

/* ------------------------------------------------------------ counters, reports */

/* Are the thresholds and stops @us's entries carry what its usage says
 * now? (A new URR's links start once it is applied.) */
bool
pf_report_armed_right(struct pf_up *up, struct us *us)
{
	for (int i = 0; i < us->n_cnt; i++)
		if (us->cnt[i].thr != pf_usage_watch(&us->use, us->s, (uint16_t)us->cnt[i].key, pf_ucomp_ctr_abs, up) ||
		    us->cnt[i].stopped != pf_usage_stopped(&us->use, us->s, (uint16_t)us->cnt[i].key))
			return false;
	return true;
}

/* What fails once per message (a report an SMF that stopped answering
 * never takes, a call sxdp refuses) is said once per REPORT_LOG_S: an SMF
 * gone quiet under load would otherwise write a line per report. */
#define REPORT_LOG_S 10

/* An sxdp call nothing waits for: a refusal said, once per REPORT_LOG_S
 * for each kind of call (its words and limit the callback's argument). */
struct unanswered {
	const char *what;
	struct cd_log_limit lim;
};

static struct unanswered end_marker_failed = { .what = "an end marker was not sent" },
			 buffer_drop_failed = { .what = "a session's buffered downlink was not dropped (DROBU)" };

static void
on_call_done(void *arg, json_t *result, json_t *error)
{
	struct unanswered *u = arg;

	(void)result;
	if (error != NULL)
		cd_log_limitedf(&u->lim, REPORT_LOG_S, "pfcp", "%s: %s", u->what,
				json_string_value(json_object_get(error, "message")));
}

void
pf_report_buffer_drop(struct pf_up *up, const struct us *us)
{
	cd_host_call(up->ctl, "upf.buffer_drop", json_pack("{s:I}", UP_F_SESSION, (json_int_t)us->sess_id),
		     on_call_done, &buffer_drop_failed);
}

/* The end markers @op's SNDEMs asked for, into the old tunnels, now that
 * the new path is in sxdp; their peers let go after (the calls go in
 * order, before any batch that would collect them). */
void
pf_report_end_markers(struct pf_up *up, struct op *op)
{
	for (int k = 0; k < op->n_em; k++) {
		cd_host_call(up->ctl, "upf.end_marker", json_pack("{s:i,s:I}", UP_F_PEER, op->em[k].peer, UP_F_TEID,
								  (json_int_t)op->em[k].teid), on_call_done,
			     &end_marker_failed);
		pf_shared_peer_put(up->shared, op->em[k].peer);
	}
	op->n_em = 0;
}

/* A read of counters, then @done: @ops (applied requests) or @check
 * (sessions whose reports may be due). */
struct reading {
	struct pf_up *up;
	struct op *ops;
	void (*done)(struct pf_up *up, struct op *op);	/* each of @ops once read */
	uint64_t *check;		/* SEIDs */
	size_t n_check;
	int pending;
	bool checkpoint;		/* their usage folded and journalled (pf_usage_fold) */
	size_t n_due;			/* the first of them whose reports may be due; the rest read for the checkpoint */
};

static void reading_end(struct reading *rd);

static void
on_usage(void *arg, json_t *result, json_t *error)
{
	struct reading *rd = arg;
	struct pf_up *up = rd->up;
	json_t *u;
	size_t i;

	static struct cd_log_limit lim;

	if (error != NULL)
		cd_log_limitedf(&lim, REPORT_LOG_S, "pfcp", "upf.usage: %s (usage as last read)",
				json_string_value(json_object_get(error, "message")));
	json_array_foreach(json_object_get(result, "urrs"), i, u) {
		uint32_t id = (uint32_t)json_integer_value(json_object_get(u, "urr"));

		if (up->counters_ready && id >= up->counters.lo && id <= up->counters.hi) {
			up->ctr_bytes[id - up->counters.lo] = (uint64_t)json_integer_value(json_object_get(u, "bytes"));
			up->ctr_pkts[id - up->counters.lo] = (uint64_t)json_integer_value(json_object_get(u, "packets"));
		}
	}
	if (--rd->pending == 0)
		reading_end(rd);
}

static void
add_ctrs(json_t *ids, const struct pf_rid *k, int n)
{
	for (int i = 0; i < n; i++)
		json_array_append_new(ids, json_integer(k[i].id));
}

/* Read @ids (counters) in calls of READ_MAX, then end @rd. */
static void
read_start(struct reading *rd, json_t *ids)
{
	size_t n = json_array_size(ids);

	rd->pending = 1;
	for (size_t at = 0; at < n; at += READ_MAX) {
		json_t *part = json_array();

		for (size_t i = at; i < n && i < at + READ_MAX; i++)
			json_array_append(part, json_array_get(ids, i));
		rd->pending++;
		if (cd_host_call(rd->up->ctl, "upf.usage", json_pack("{s:o}", "urrs", part), on_usage, rd) < 0)
			rd->pending--;
	}
	json_decref(ids);
	if (--rd->pending == 0)
		reading_end(rd);
}

void
pf_report_read_ops(struct pf_up *up, struct op *ops, void (*done)(struct pf_up *up, struct op *op))
{
	struct reading *rd = calloc(1, sizeof(*rd));
	json_t *ids = json_array();

	if (rd == NULL) {
		for (struct op *o = ops, *n; o != NULL; o = n) {
			n = o->next;
			done(up, o);
		}
		json_decref(ids);
		return;
	}
	rd->up = up;
	rd->ops = ops;
	rd->done = done;
	for (struct op *o = ops; o != NULL; o = o->next) {
		add_ctrs(ids, o->us->cnt, o->us->n_cnt);
		add_ctrs(ids, o->took.cnt, o->took.n_cnt);
	}
	read_start(rd, ids);
}

static uint64_t
seid_of(struct pf_up *up, uint32_t sid)
{
	return (uint64_t)pf_node_recovery(up->node) << 24 | sid;
}

/* A Session Report Request's session, for its answer. */
struct sent {
	struct pf_up *up;
	uint64_t seid;
};

/* The SMF's Update BAR in a Session Report Response (TS 29.244 7.5.9.1,
 * IE 12): the DL Data Notification Delay it carries is the session's for
 * the next episodes. Journalled as a Modification is (the session's record
 * again, synced with the next answers); a session whose request is under
 * way takes it once that is applied, unless the request changed its BAR. */
static void
bar_updated(struct pf_up *up, struct us *us, const struct pf_msg *rsp, int g)
{
	int i = pf_find(rsp, g, PF_IE_BAR_ID, -1), k = pf_find(rsp, g, PF_IE_DL_DATA_NOTIF_DELAY, -1);
	static struct cd_log_limit lim;
	uint8_t id, delay;

	if (i < 0 || k < 0 || pf_get_u8(&rsp->ies[i], &id) != 0 || pf_get_u8(&rsp->ies[k], &delay) != 0)
		return;
	if (!us->s->bar.present || us->s->bar.id != id) {
		cd_log_limitedf(&lim, REPORT_LOG_S, "pfcp", "session %s: an Update BAR of BAR %u, which it does not have: ignored",
			    json_string_value(us->owner), id);
		return;
	}
	if (us->busy) {
		us->bar_upd = true;
		us->bar_upd_delay = delay;
		return;
	}
	us->s->bar.has_delay = true;
	us->s->bar.dl_notif_delay = delay;
	pf_answer_save(up, us);
	event_active(up->flush, EV_TIMEOUT, 0);
}

static void
on_report_answered(void *arg, int rc, const struct pf_msg *rsp)
{
	struct sent *sn = arg;
	struct pf_up *up = sn->up;
	struct us *us;
	uint8_t cause = 0;
	int i;

	if (rc == 0 && (i = pf_find(rsp, -1, PF_IE_CAUSE, -1)) >= 0)
		pf_get_cause(&rsp->ies[i], &cause);
	if (rc < 0 || cause != PF_CAUSE_ACCEPTED) {
		static struct cd_log_limit lim;

		up->st.report_fails++;
		cd_log_limitedf(&lim, REPORT_LOG_S, "pfcp", "a Session Report Request %s (%d, cause %u %s)",
				rc < 0 ? "went unanswered" : "refused", rc, cause, pf_cause_name(cause));
	} else if ((us = pf_usess_find(up, sn->seid)) != NULL && us->s != NULL) {
		uint8_t flags = 0;

		if ((i = pf_find(rsp, -1, PF_IE_UPDATE_BAR_RSP, -1)) >= 0)
			bar_updated(up, us, rsp, i);
		/* PFCPSRRsp-Flags DROBU (TS 29.244 7.5.9.1): the SMF will not page
		 * the UE for what is held; it goes now */
		if ((i = pf_find(rsp, -1, PF_IE_SRRSP_FLAGS, -1)) >= 0 && pf_get_u8(&rsp->ies[i], &flags) == 0 &&
		    (flags & PF_SRRSP_DROBU))
			pf_report_buffer_drop(up, us);
	}
	free(sn);
}

/* Session Report Request @b (@len bytes) of session @seid to the SMF of
 * association @a. */
static void
report_send(struct pf_up *up, struct pf_assoc *a, uint64_t seid, const uint8_t *b, size_t len)
{
	struct sent *sn;

	if ((sn = malloc(sizeof(*sn))) == NULL) {
		up->st.report_fails++;
		return;
	}
	*sn = (struct sent){ .up = up, .seid = seid };
	if (pf_node_request(up->node, a, b, len, on_report_answered, sn) < 0) {
		free(sn);
		up->st.report_fails++;
		return;
	}
	up->st.reports++;
}

/* A usage report waiting for the journal to have the usage it reports;
 * its association by name (it may go meanwhile; the session too, whose
 * deletion's answer comes after it and reports only what came since). */
struct held_report {
	uint64_t seid;
	char assoc[PF_SAVE_NAME];
	size_t len;
	uint8_t b[];
};

static void
report_held_go(struct pf_up *up, void *arg)
{
	struct held_report *h = arg;
	struct pf_assoc *a = pf_node_assoc_by_name(up->node, h->assoc);

	if (a != NULL)
		report_send(up, a, h->seid, h->b, h->len);
	free(h);
}

/* A Session Report Request to @us's SMF. One with usage reports goes once
 * the journal has the session's usage as reported (its reported totals,
 * sequence numbers, next period): an sxcd that restarts, or the pair's
 * other box that takes over, goes on from there and never reports the
 * same bytes twice; a crash between the two loses that report (what was
 * counted since is in the next). */
static void
report(struct pf_up *up, struct us *us, uint8_t type, const uint16_t *pdrs, int n_pdrs,
       const struct pf_usage_report *urs, int n_urs, const struct pf_fteid *eir)
{
	uint8_t buf[PF_UP_MSG_MAX];
	struct held_report *h;
	int len;

	if (us->assoc == NULL)
		return;
	len = pf_enc_sess_report_req(buf, sizeof(buf), us->s->cp.seid, 0, type, pdrs, n_pdrs, urs, n_urs, eir);
	if (len < 0) {
		up->st.report_fails++;
		return;
	}
	if (n_urs == 0) {
		report_send(up, us->assoc, us->seid, buf, (size_t)len);
		return;
	}
	if ((h = malloc(sizeof(*h) + (size_t)len)) == NULL) {
		up->st.report_fails++;
		return;
	}
	h->seid = us->seid;
	snprintf(h->assoc, sizeof(h->assoc), "%s", pf_assoc_name(us->assoc));
	h->len = (size_t)len;
	memcpy(h->b, buf, (size_t)len);
	/* a session an operation is changing is journalled as that ends (its
	 * usage as it is then, this report's included), before its answer */
	if (!us->busy)
		pf_answer_save(up, us);
	pf_answer_after_sync(up, report_held_go, h);
}

void
pf_report_usage(struct pf_up *up, struct us *us, const struct pf_usage_report *urs, int n)
{
	report(up, us, 0x02 /* USAR */, NULL, 0, urs, n, NULL);
}

/* What @us's counters forwarded, in packets, as last read. */
static uint64_t
idle_pkts(struct pf_up *up, const struct us *us)
{
	uint64_t n = 0;

	for (int i = 0; i < us->n_cnt; i++)
		n += pf_ucomp_ctr_abs(up, us->cnt[i].id | PF_CTR_PKTS);
	return n;
}

static void
reading_end(struct reading *rd)
{
	struct pf_up *up = rd->up;
	struct pf_usage_report urs[PF_SESS_URR_MAX];
	uint64_t now = cd_clock_ms();
	bool saved = false;

	for (struct op *o = rd->ops, *n; o != NULL; o = n) {
		n = o->next;
		rd->done(up, o);
	}
	for (size_t i = 0; i < rd->n_check; i++) {
		struct us *us = pf_usess_find(up, rd->check[i]);
		bool again;
		int nu;

		if (us == NULL || us->s == NULL)
			continue;
		/* a session an operation is changing is journalled as that ends */
		if (rd->checkpoint && !us->busy && pf_usage_fold(&us->use, pf_ucomp_ctr_abs, up)) {
			pf_answer_save(up, us);
			up->st.usage_checkpoints++;
			saved = true;
		}
		if (i >= rd->n_due)
			continue;   /* read for its checkpoint alone */
		nu = pf_usage_due(&us->use, us->s, pf_ucomp_ctr_abs, up, now, pf_up_state_ntp(), urs, &again);
		if (nu > 0)
			report(up, us, 0x02 /* USAR */, NULL, 0, urs, nu, NULL);
		if (pf_idle_due(&us->idle, us->s->inact_s, now) &&
		    pf_idle_check(&us->idle, us->s->inact_s, idle_pkts(up, us), now)) {
			up->st.inactivity_reports++;
			report(up, us, 0x08 /* UPIR */, NULL, 0, NULL, 0, NULL);
		}
		if (again || !pf_report_armed_right(up, us))
			pf_report_rearm(up, us);
	}
	if (saved)
		event_active(up->flush, EV_TIMEOUT, 0);
	free(rd->check);
	free(rd);
}

/* Sessions whose reports may be due: their counters read, then checked. */
static void
check_usage(struct pf_up *up, uint64_t *seids, size_t n, size_t n_due, bool checkpoint)
{
	struct reading *rd = calloc(1, sizeof(*rd));
	json_t *ids = json_array();

	if (rd == NULL) {
		free(seids);
		json_decref(ids);
		return;
	}
	rd->up = up;
	rd->check = seids;
	rd->n_check = n;
	rd->checkpoint = checkpoint;
	rd->n_due = n_due;
	for (size_t i = 0; i < n; i++) {
		struct us *us = pf_usess_find(up, seids[i]);

		if (us != NULL)
			add_ctrs(ids, us->cnt, us->n_cnt);
	}
	read_start(rd, ids);
}

void
pf_report_rearm(struct pf_up *up, struct us *us)
{
	struct op *op = calloc(1, sizeof(*op)), **p;

	if (op == NULL)
		return;
	op->kind = OP_REARM;
	op->us = us;
	if (us->busy) {
		for (p = &us->waiting; *p != NULL; p = &(*p)->next)
			if ((*p)->kind == OP_REARM) {   /* one is enough */
				free(op);
				return;
			}
		*p = op;
		return;
	}
	us->busy = true;
	pf_usess_enqueue(up, op, false);
}

/* The downlink PDRs whose FAR asks the CP to be notified (NOCP) of
 * buffered data, into @pdrs: how many. */
static int
ddn_pdrs(const struct pf_session *s, uint16_t *pdrs)
{
	int n = 0;

	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		const struct pf_far *f = pf_sess_far(s, p->far_id);

		if (p->src_iface != PF_IF_ACCESS && f != NULL && (f->apply & PF_AA_NOCP))
			pdrs[n++] = p->id;
	}
	return n;
}

static void
ddn_send(struct pf_up *up, struct us *us, const uint16_t *pdrs, int n)
{
	up->st.ddn++;
	report(up, us, 0x01 /* DLDR */, pdrs, n, NULL, 0, NULL);
}

/* A buffering termination got its first downlink of an episode: the DL
 * Data Report, if its FAR asks the CP to be notified (NOCP); after the
 * DL Data Notification Delay when its BAR has one (DDND, TS 29.244
 * 5.2.4.1 and 7.5.2.6: the delay the SGW-C/SMF asks for, TS 23.401
 * 5.3.4.3's, so that a UE that comes back meanwhile is not paged). */
static void
on_ddn(struct pf_up *up, struct us *us)
{
	uint16_t pdrs[PF_SESS_PDR_MAX];
	const struct pf_bar *b = &us->s->bar;
	int n = ddn_pdrs(us->s, pdrs);

	if (n == 0 || us->ddn_waiting)   /* nothing to notify; or this episode's report already waits */
		return;
	if (b->present && b->has_delay && b->dl_notif_delay > 0) {
		if (up->ddn_wait == NULL)
			up->ddn_wait = calloc(DDN_WAIT_MAX, sizeof(*up->ddn_wait));
		if (up->ddn_wait != NULL && up->n_ddn_wait < DDN_WAIT_MAX) {
			up->ddn_wait[up->n_ddn_wait++] = (struct ddn_wait){ .us = us,
				.due = cd_clock_ms() + (uint64_t)b->dl_notif_delay * 50 };
			us->ddn_waiting = true;
			up->st.ddn_delayed++;
			return;
		}
		/* more held than we keep: this one goes now (a page early, never none) */
	}
	ddn_send(up, us, pdrs, n);
}

void
pf_report_ddn_check(struct pf_up *up, struct us *us)
{
	uint16_t pdrs[PF_SESS_PDR_MAX];

	if (us->ddn_waiting && (us->s == NULL || ddn_pdrs(us->s, pdrs) == 0) && pf_usess_ddn_forget(up, us))
		up->st.ddn_cancelled++;
}

/* The delayed DL Data Reports due: sent, unless their session stopped
 * buffering with NOCP meanwhile (then cancelled at that Modification
 * already; checked again here). Bounded by DDN_WAIT_MAX, not the sessions. */
static void
ddn_due(struct pf_up *up)
{
	uint16_t pdrs[PF_SESS_PDR_MAX];
	uint64_t now;

	if (up->n_ddn_wait == 0)
		return;
	now = cd_clock_ms();
	for (size_t i = 0; i < up->n_ddn_wait;) {
		struct us *us = up->ddn_wait[i].us;
		int n;

		if (up->ddn_wait[i].due > now) {
			i++;
			continue;
		}
		us->ddn_waiting = false;
		up->ddn_wait[i] = up->ddn_wait[--up->n_ddn_wait];   /* @i holds another now */
		if (us->s != NULL && (n = ddn_pdrs(us->s, pdrs)) > 0)
			ddn_send(up, us, pdrs, n);
		else
			up->st.ddn_cancelled++;
	}
}

/* @peer (text) into @a: its length (4, 16), 0 when it is no address. */
static uint8_t
peer_addr(const char *peer, uint8_t *a)
{
	return inet_pton(AF_INET, peer, a) == 1 ? 4 : inet_pton(AF_INET6, peer, a) == 1 ? 16 : 0;
}

/* Does session @s send into a GTP-U tunnel at @a (@len 4 or 16), of TEID
 * @teid when it is not NULL? */
static bool
sends_into(const struct pf_session *s, const uint8_t *a, uint8_t len, const uint32_t *teid)
{
	for (int k = 0; k < s->n_far; k++) {
		const struct pf_far *r = &s->far[k];

		if (r->has_ohc && (teid == NULL || r->ohc.teid == *teid) &&
		    (len == 4 ? (r->ohc.desc & PF_OHC_GTPU_UDP_IPV4) && memcmp(r->ohc.v4, a, 4) == 0 :
		     (r->ohc.desc & PF_OHC_GTPU_UDP_IPV6) && memcmp(r->ohc.v6, a, 16) == 0))
			return true;
	}
	return false;
}

/* A peer's Error Indication (TS 29.281 7.3.1: it has no tunnel @teid):
 * an Error Indication Report (Session Report Request, ERIR) for each
 * session whose FAR sends into that tunnel, naming it as the Remote
 * F-TEID (TS 29.244 5.10); the SMF decides (releases the session, or
 * moves it). A walk of the sessions, for a rare message: at most
 * ERROR_IND_PER_READ distinct tunnels a read of sxdp's events, the rest
 * counted. */
#define ERROR_IND_PER_READ 16

static void
on_error_ind(struct pf_up *up, const char *peer, uint32_t teid)
{
	struct pf_fteid f = { .teid = teid };
	uint8_t a[16], len = peer_addr(peer, a);

	if (len == 0)
		return;
	f.has_v4 = len == 4;
	f.has_v6 = len == 16;
	memcpy(len == 4 ? f.v4 : f.v6, a, len);
	up->st.error_inds++;
	for (size_t i = 0; i < up->cap; i++) {
		struct us *us = up->tab[i];

		if (us != NULL && us->s != NULL && sends_into(us->s, a, len, &teid)) {
			up->st.error_ind_reports++;
			report(up, us, 0x04 /* ERIR */, NULL, 0, NULL, 0, &f);
		}
	}
}

static void
on_node_report_answered(void *arg, int rc, const struct pf_msg *rsp)
{
	struct pf_up *up = arg;
	static struct cd_log_limit lim;
	uint8_t cause = 0;
	int i;

	if (rc == 0 && (i = pf_find(rsp, -1, PF_IE_CAUSE, -1)) >= 0)
		pf_get_cause(&rsp->ies[i], &cause);
	if (rc < 0 || cause != PF_CAUSE_ACCEPTED) {
		up->st.node_report_fails++;
		cd_log_limitedf(&lim, REPORT_LOG_S, "pfcp", "a Node Report Request %s (%d, cause %u %s)",
				rc < 0 ? "went unanswered" : "refused", rc, cause, pf_cause_name(cause));
	}
}

/* A GTP-U path's news (sxdp's path supervision, up_path.h): a Node Report
 * Request to each SMF with a session sending into a tunnel at @peer (TS
 * 29.244 7.4.5.1, TS 23.527 4.3; at most PATH_SMFS_MAX of them): a User
 * Plane Path Failure Report when it went down or the peer restarted (its
 * tunnels are gone), a Recovery Report when it is up again. */
#define PATH_SMFS_MAX 64

static void
on_path(struct pf_up *up, const char *peer, const char *state)
{
	struct pf_assoc *told[PATH_SMFS_MAX];
	bool recovered = strcmp(state, "up") == 0;
	uint8_t a[16], buf[128], alen = peer_addr(peer, a);
	int n = 0, len;

	if (alen == 0)
		return;
	*(recovered ? &up->st.path_recoveries : &up->st.path_failures) += 1;
	for (size_t i = 0; i < up->cap && n < PATH_SMFS_MAX; i++) {
		struct us *us = up->tab[i];
		bool known = false;

		if (us == NULL || us->s == NULL || us->assoc == NULL || !sends_into(us->s, a, alen, NULL))
			continue;
		for (int k = 0; k < n && !known; k++)
			known = told[k] == us->assoc;
		if (known)
			continue;
		told[n++] = us->assoc;
		if ((len = pf_enc_node_report_req(buf, sizeof(buf), 0, pf_node_self(up->node), recovered, a, alen)) > 0 &&
		    pf_node_request(up->node, us->assoc, buf, (size_t)len, on_node_report_answered, up) == 0)
			up->st.node_reports++;
		else
			up->st.node_report_fails++;
	}
}

/* The sessions sxdp held downlink for before this sxcd read its events
 * (it restarted, sxdp did not): their DL Data Reports, due or held for the
 * BAR's delay in the sxcd that died, raised again (a queue notifies once
 * an episode: sxdp will not say it again). */
static void
on_buffers(void *arg, json_t *result, json_t *error)
{
	struct pf_up *up = arg;
	json_t *e;
	size_t i, n = 0;

	if (error != NULL)
		return;
	json_array_foreach(json_object_get(result, "sessions"), i, e) {
		uint32_t sid = (uint32_t)json_integer_value(json_object_get(e, "session"));
		struct us *us;

		if (sid < UP_SESS_PFCP_MIN || (us = pf_usess_find(up, seid_of(up, sid))) == NULL || us->s == NULL)
			continue;
		on_ddn(up, us);
		n++;
	}
	if (n > 0)
		CD_LOG(INFO, "pfcp: %zu sessions hold downlink since before this sxcd: their DL Data Reports raised "
		       "(those whose FARs notify)", n);
}

static void
on_events(void *arg, json_t *result, json_t *error)
{
	struct pf_up *up = arg;
	uint64_t *check = NULL;
	size_t n = 0;
	json_t *e;
	size_t i;

	up->ev_busy = false;
	if (error != NULL)
		return;
	if (up->ev_known) {
		json_t *tunnels = json_object();

		up->st.events_lost += (uint64_t)json_integer_value(json_object_get(result, "lost"));
		json_array_foreach(json_object_get(result, "events"), i, e) {
			const char *type = json_string_value(json_object_get(e, "type"));
			uint32_t sid = (uint32_t)json_integer_value(json_object_get(e, "session"));
			struct us *us;
			char k[80];

			const char *peer = json_string_value(json_object_get(e, "peer"));

			if (type != NULL && strcmp(type, "path") == 0 && peer != NULL &&
			    json_string_value(json_object_get(e, "state")) != NULL) {
				on_path(up, peer, json_string_value(json_object_get(e, "state")));
				continue;
			}
			if (type != NULL && strcmp(type, "error_ind") == 0 && peer != NULL) {
				uint32_t teid = (uint32_t)json_integer_value(json_object_get(e, "teid"));

				snprintf(k, sizeof(k), "%s/%u", peer, teid);
				if (json_object_get(tunnels, k) != NULL)
					continue;
				if (json_object_size(tunnels) >= ERROR_IND_PER_READ) {
					up->st.error_inds_skipped++;
					continue;
				}
				json_object_set_new(tunnels, k, json_true());
				on_error_ind(up, peer, teid);
				continue;
			}
			if (type == NULL || sid < UP_SESS_PFCP_MIN || (us = pf_usess_find(up, seid_of(up, sid))) == NULL ||
			    us->s == NULL)
				continue;
			if (strcmp(type, "ddn") == 0) {
				on_ddn(up, us);
			} else if (strcmp(type, "usage") == 0) {
				uint64_t *c = realloc(check, (n + 1) * sizeof(*c));

				if (c != NULL) {
					check = c;
					check[n++] = us->seid;
				}
			}
		}
		json_decref(tunnels);
	}
	/* the first read after sxdp came: what it held before is no session's of
	 * ours; but what its buffers hold for our sessions is (sxcd restarted) */
	if (!up->ev_known)
		cd_host_call(up->ctl, "upf.buffers", json_object(), on_buffers, up);
	up->ev_known = true;
	up->ev_after = (uint64_t)json_integer_value(json_object_get(result, "last"));
	if (n > 0)
		check_usage(up, check, n, n, false);
	else
		free(check);
}

void
pf_report_on_ev_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;

	(void)fd;
	(void)what;
	ddn_due(up);
	/* restoring (a takeover's bases not yet this sxdp's): nothing judged */
	if (up->tables == NULL || up->ev_busy || up->restoring || (up->n == 0 && up->ev_known))
		return;
	if (cd_host_call(up->ctl, "upf.events", json_pack("{s:I,s:i}", "after", (json_int_t)up->ev_after, "limit",
							  1024), on_events, up) == 0)
		up->ev_busy = true;
}

/* Time-based reports (periods, time thresholds and quotas) due. */
void
pf_report_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct pf_up *up = arg;
	uint64_t now = cd_clock_ms(), *check, next;
	/* a pair's: every session's usage checkpointed now and then, so that
	 * a takeover loses at most that much of it */
	bool ckpt = up->usage_ckpt_ms != 0 && now >= up->usage_ckpt_at;
	size_t n = 0, n_due;

	(void)fd;
	(void)what;
	if (up->tables == NULL || up->n == 0 || up->restoring || (check = malloc(up->n * sizeof(*check))) == NULL)
		return;
	if (ckpt)
		up->usage_ckpt_at = now + up->usage_ckpt_ms;
	/* the due first, then (a checkpoint) the others: read alone */
	for (size_t i = 0; i < up->cap && n < up->n; i++) {
		struct us *us = up->tab[i];

		if (us != NULL && us->s != NULL &&
		    ((us->use.n_meas != 0 && (next = pf_usage_next(&us->use, us->s)) != 0 && next <= now) ||
		     pf_idle_due(&us->idle, us->s->inact_s, now)))
			check[n++] = us->seid;
	}
	n_due = n;
	for (size_t i = 0; ckpt && i < up->cap && n < up->n; i++) {
		struct us *us = up->tab[i];

		if (us != NULL && us->s != NULL && us->use.n_meas != 0 && us->use.n_link > 0 &&
		    ((next = pf_usage_next(&us->use, us->s)) == 0 || next > now) &&
		    !pf_idle_due(&us->idle, us->s->inact_s, now))
			check[n++] = us->seid;
	}
	if (n > 0)
		check_usage(up, check, n, n_due, ckpt);
	else
		free(check);
}
