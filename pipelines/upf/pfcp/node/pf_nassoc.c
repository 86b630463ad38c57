/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_nassoc: the PFCP endpoint's associations: set up, kept, gone; heartbeats; the ones we set up (--pfcp-smf); kept in sxcd's store (pf_nassoc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>
#include <jansson.h>

#include "cd_clock.h"
#include "cd_host.h"
#include "cd_log.h"
#include "pf_nassoc.h"
#include "pf_pfd.h"
#include "pf_ndoc.h"
#include "pf_nsave.h"

#define SETUP_BACKOFF_MAX_MS 60000

static void smf_retry(struct pf_smf *s, unsigned int ms);
static void hb_arm(struct pf_assoc *a);

/* @a and everything of it goes (its sessions told first). */
void
pf_nassoc_free(struct pf_node *n, struct pf_assoc *a, enum pf_gone why, bool tell)
{
	char addr[64];

	if (tell)
		CD_LOG(INFO, "pfcp: association with %s (%s) gone: %s", a->name,
		       pf_addr_str(&a->peer, addr, sizeof(addr)), pf_gone_name(why));
	if (tell && n->ops != NULL && n->ops->assoc_gone != NULL)
		n->ops->assoc_gone(n->ops_arg, a, why);
	pf_ntxn_cancel(&n->x, a);
	if (a->prev)
		a->prev->next = a->next;
	else
		n->assocs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	n->n_assocs--;
	if (a->smf != NULL) {
		a->smf->a = NULL;
		/* we set it up: again, once the SMF may want it */
		if (tell)
			smf_retry(a->smf, why == PF_GONE_RELEASED ? SETUP_BACKOFF_MAX_MS : n->cfg.t1_ms);
	}
	if (a->hb_timer != NULL)   /* (none before its setup is stored) */
		event_free(a->hb_timer);
	free(a);
}

/* Is Recovery Time Stamp @a later than @b? NTP seconds, which wrap in
 * 2036 (RFC 5905's eras): compared as serial numbers (RFC 1982). */
static bool
rts_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* A peer-made line (a setup, a stamp) at most once per RTS_LOG_S: a peer
 * repeating it says nothing new. */
#define RTS_LOG_S 10

static struct cd_log_limit say_lim;
#define say_limited(...) cd_log_limitedf(&say_lim, RTS_LOG_S, "pfcp", __VA_ARGS__)

/* @a's sessions go: its SMF restarted, or set up again without keeping
 * them; the association stays. */
static void
sessions_go(struct pf_node *n, struct pf_assoc *a)
{
	n->c.smf_restarts++;
	if (n->ops != NULL && n->ops->assoc_gone != NULL)
		n->ops->assoc_gone(n->ops_arg, a, PF_GONE_SMF_RESTARTED);
	pf_ntxn_cancel(&n->x, a); /* its reports: to an SMF that forgot them */
}

/* A setup's save ended: the association up (its heartbeats, its
 * sessions told), or a new one the store did not take gone again (one
 * that was there stays: @rc says it is not stored); then who waits. */
static void
setup_saved(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct pf_assoc *a = pf_node_state_assoc_serial(n, w->assoc);
	char addr[64];

	if (a == NULL) {
		rc = rc < 0 ? rc : -ECANCELED; /* released or dropped meanwhile */
	} else if (rc < 0 && w->fresh) {
		CD_LOG(ERR, "pfcp: association with %s refused: the store did not take it", a->name);
		pf_nassoc_free(n, a, PF_GONE_RELEASED, false);
	} else if (w->fresh || w->restarted) {   /* (set up again: up, stored or not) */
		n->c.assoc_setups++;
		CD_LOG(INFO, "pfcp: association with %s (%s, recovery %u) up", a->name,
		       pf_addr_str(&a->peer, addr, sizeof(addr)), a->recovery);
		hb_arm(a);
		if (n->ops != NULL && n->ops->assoc_up != NULL)
			n->ops->assoc_up(n->ops_arg, a);
	}
	w->then(n, w, rc);
}

void
pf_nassoc_setup(struct pf_node *n, const struct pf_node_id *id, uint32_t rts, const struct pf_msg *m, uint8_t sock,
		const struct pf_addr *src, bool req, struct pf_nsave *w, pf_nsave_done *then)
{
	struct pf_assoc *a = pf_node_state_assoc(n, id);
	bool fresh = a == NULL, restarted = false, retained = false;
	int i;

	if (a == NULL) {
		int rc = n->n_assocs >= (int)n->cfg.max_assocs ? -ENOSPC : /* counted as refused, not logged: a flood's */
			 (a = calloc(1, sizeof(*a))) == NULL ? -ENOMEM : 0;

		if (rc < 0) {
			then(n, w, rc);
			free(w);
			return;
		}
		a->n = n;
		a->id = *id;
		a->serial = ++n->serials;
		pf_node_id_str(id, a->name, sizeof(a->name));
		a->next = n->assocs;
		if (n->assocs)
			n->assocs->prev = a;
		n->assocs = a;
		n->n_assocs++;
	} else if (req && m != NULL && pf_find(m, -1, PF_IE_SESS_RETENTION, -1) >= 0) {
		retained = true;
		say_limited("%s set up again (Recovery Time Stamp %u, was %u) with PFCP Session Retention Information: "
			    "its sessions kept", a->name, rts, a->recovery);
	} else if (req || rts_newer(rts, a->recovery)) {
		restarted = true;
		say_limited("%s set up again (Recovery Time Stamp %u, was %u): its sessions go", a->name, rts,
			    a->recovery);
		sessions_go(n, a);
	}
	/* a setup from the peer starts its new life (numbered from 1 again):
	 * what was answered to its last is no answer to its new requests */
	if (req || fresh)
		pf_cache_forget_host(&n->x.cache, src);
	a->peer = *src;
	a->local = n->rx_local;
	a->sock = sock;
	a->recovery = rts;
	a->rts_heard = 0;
	a->restored = false;
	a->reachable = true;
	a->releasing = false;
	a->since_ms = cd_clock_ms();
	a->n_cp_feat = 0;
	if (m != NULL && (i = pf_find(m, -1, PF_IE_CP_FEATURES, -1)) >= 0) {
		a->n_cp_feat = m->ies[i].len < sizeof(a->cp_feat) ? m->ies[i].len : sizeof(a->cp_feat);
		memcpy(a->cp_feat, m->ies[i].v, a->n_cp_feat);
	}
	for (int k = 0; k < n->n_smfs; k++)
		if (n->smfs[k].a == NULL && pf_addr_same_host(&n->smfs[k].addr, src)) {
			n->smfs[k].a = a;
			a->smf = &n->smfs[k];
		}
	w->assoc = a->serial;
	w->fresh = fresh;
	w->restarted = restarted;
	w->retained = retained;
	w->then = then;
	pf_nsave_start(n, w, setup_saved);
}

/* The peer's Recovery Time Stamp seen in a heartbeat (TS 23.007 19A): a
 * later one, the SMF restarted: its sessions go, the association stays;
 * an earlier one is discarded (a late message, or an SMF that stamps its
 * answers otherwise than its setup: OAI's, its start time), counted. A
 * later one in its Heartbeat Request (@req) counts once a request at least
 * RTS_STAYS_MS later says it again: OAI's SMF stamps each request with
 * the second it sends it (and, with two associations to one UPF, sends
 * two within one second: the same stamp twice, which a capture of it
 * showed), a restarted SMF's stamp stays put (it says so sooner when it
 * sets up again, or answers our heartbeat). */
#define RTS_STAYS_MS 2000	/* past the stamp's one-second grain */
void
pf_nassoc_rts_seen(struct pf_node *n, struct pf_assoc *a, uint32_t rts, bool req)
{
	if (rts == a->recovery) {
		a->rts_heard = 0;
		return;
	}
	if (!rts_newer(rts, a->recovery)) {
		n->c.rts_older++;
		say_limited("%s's Recovery Time Stamp %u is earlier than its %u: discarded (TS 23.007 19A)", a->name, rts,
			    a->recovery);
		return;
	}
	if (req && (a->rts_heard != rts || cd_clock_ms() - a->rts_heard_ms < RTS_STAYS_MS)) {
		n->c.rts_unconfirmed++;
		if (a->rts_heard == 0)
			say_limited("%s's Heartbeat Request says a later Recovery Time Stamp (%u, was %u): a restart once "
				    "a request %d s later says it again", a->name, rts, a->recovery, RTS_STAYS_MS / 1000);
		if (a->rts_heard != rts) {
			a->rts_heard = rts;
			a->rts_heard_ms = cd_clock_ms();
		}
		return;
	}
	a->rts_heard = 0;
	say_limited("%s's Recovery Time Stamp is later (%u, was %u): the SMF restarted, its sessions go", a->name, rts,
		    a->recovery);
	a->recovery = rts;
	sessions_go(n, a);
	pf_cache_forget_host(&n->x.cache, &a->peer);
	pf_nsave_start(n, NULL, NULL);
	if (n->ops != NULL && n->ops->assoc_up != NULL)
		n->ops->assoc_up(n->ops_arg, a);
}

void
pf_nassoc_reachable(struct pf_node *n, struct pf_assoc *a, bool r)
{
	if (a->reachable == r)
		return;
	a->reachable = r;
	a->since_ms = cd_clock_ms();
	if (r)
		CD_LOG(INFO, "pfcp: %s answers heartbeats again", a->name);
	else
		CD_LOG(WARN, "pfcp: %s does not answer heartbeats: unreachable; its association is kept for the grace "
		       "period", a->name);
	if (n->ops != NULL && n->ops->assoc_reachable != NULL)
		n->ops->assoc_reachable(n->ops_arg, a, r);
}

/* ---------------------------------------------------------- heartbeats */

static void
hb_done(void *arg, int rc, const struct pf_msg *rsp)
{
	struct pf_assoc *a = arg;
	struct pf_node *n = a->n;
	uint32_t rts;
	int i;

	a->hb = NULL;
	if (rc == -ECANCELED)
		return;
	if (rc == 0) {
		a->last_hb_ms = cd_clock_ms();
		pf_nassoc_reachable(n, a, true);
		if ((i = pf_find(rsp, -1, PF_IE_RECOVERY_TS, -1)) >= 0 && pf_get_u32(&rsp->ies[i], &rts) == 0)
			pf_nassoc_rts_seen(n, a, rts, false);
		return;
	}
	a->hb_failures++;
	n->c.hb_failures++;
	if (a->reachable) {
		pf_nassoc_reachable(n, a, false);
		return;
	}
	if (cd_clock_ms() - a->since_ms >= n->cfg.grace_ms) {
		n->c.unreachable_gone++;
		pf_nassoc_free(n, a, PF_GONE_UNREACHABLE, true);
		pf_nsave_start(n, NULL, NULL);
	}
}

static void
on_hb_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_assoc *a = arg;
	struct pf_node *n = a->n;
	uint8_t b[64];
	int len;

	(void)fd;
	(void)what;
	hb_arm(a);
	if (a->hb != NULL || !pf_nsave_stamp_out(n))
		return; /* the last one is still being resent; or our stamp may not go out yet */
	if ((len = pf_enc_heartbeat(b, sizeof(b), PF_HEARTBEAT_REQ, 0, n->recovery)) > 0)
		a->hb = pf_ntxn_request(&n->x, a, a->sock, &a->local, &a->peer, b, (size_t)len, hb_done, a);
}

static void
hb_arm(struct pf_assoc *a)
{
	if (a->hb_timer == NULL && (a->hb_timer = evtimer_new(a->n->base, on_hb_timer, a)) == NULL)
		return;
	struct timeval tv = pf_ms_tv(a->n->cfg.heartbeat_ms);

	evtimer_add(a->hb_timer, &tv);
}

/* ------------------------------------------- UPF-initiated association */

/* Our setup toward @s did not take: tried again later, backing off. */
static void
smf_setup_failed(struct pf_smf *s, const char *why)
{
	struct pf_node *n = s->n;
	char addr[64];

	CD_LOG(WARN, "pfcp: SMF %s: %s: tried again later", pf_addr_str(&s->addr, addr, sizeof(addr)), why);
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : n->cfg.t1_ms;
	if (s->backoff_ms > SETUP_BACKOFF_MAX_MS)
		s->backoff_ms = SETUP_BACKOFF_MAX_MS;
	smf_retry(s, s->backoff_ms);
}

struct smf_wait {
	struct pf_nsave w;
	struct pf_smf *s;
};

static void
smf_setup_saved(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct pf_smf *s = ((struct smf_wait *)w)->s;
	struct pf_assoc *a = pf_node_state_assoc_serial(n, w->assoc);

	s->backoff_ms = 0;
	if (rc < 0 || a == NULL) {
		smf_setup_failed(s, "it accepted our Association Setup Request, but it is not set up here");
		return;
	}
	if (a->smf != NULL && a->smf != s)
		a->smf->a = NULL;
	a->smf = s;
	s->a = a;
}

static void
smf_setup_done(void *arg, int rc, const struct pf_msg *rsp)
{
	struct pf_smf *s = arg;
	struct pf_node *n = s->n;
	struct pf_node_id id;
	struct smf_wait *sw;
	uint32_t rts = 0;
	uint8_t cause = 0;
	char why[96];
	int i;

	s->pending = NULL;
	if (rc == 0 && (i = pf_find(rsp, -1, PF_IE_CAUSE, -1)) >= 0)
		pf_get_cause(&rsp->ies[i], &cause);
	if (rc == 0 && cause == PF_CAUSE_ACCEPTED && (i = pf_find(rsp, -1, PF_IE_NODE_ID, -1)) >= 0 &&
	    pf_get_node_id(&rsp->ies[i], &id) == 0 && (i = pf_find(rsp, -1, PF_IE_RECOVERY_TS, -1)) >= 0 &&
	    pf_get_u32(&rsp->ies[i], &rts) == 0 && (sw = calloc(1, sizeof(*sw))) != NULL) {
		sw->s = s;
		pf_nassoc_setup(n, &id, rts, rsp, s->sock, &s->addr, false, &sw->w, smf_setup_saved);
		return;
	}
	if (rc == 0 && cause == PF_CAUSE_ACCEPTED) {
		smf_setup_failed(s, "it accepted our Association Setup Request, but it is not set up here");
	} else if (rc == 0) {
		s->refusals++;
		snprintf(why, sizeof(why), "it refused our Association Setup Request (cause %u %s)", cause,
			 pf_cause_name(cause));
		smf_setup_failed(s, why);
	} else {
		smf_setup_failed(s, rc == -ETIMEDOUT ? "our Association Setup Request went unanswered"
						     : "our Association Setup Request got an answer that does not decode");
	}
}

static void
on_smf_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_smf *s = arg;
	struct pf_node *n = s->n;
	uint8_t b[PF_NODE_TX_MAX];
	int len;

	(void)fd;
	(void)what;
	if (s->a != NULL || s->pending != NULL)
		return;
	s->tries++;
	if ((len = pf_nassoc_encode(n, b, sizeof(b), PF_ASSOC_SETUP_REQ, 0, 0, true, true, 0)) > 0)
		s->pending = pf_ntxn_request(&n->x, NULL, s->sock, &n->tp.socks[s->sock].addr, &s->addr, b,
					     (size_t)len, smf_setup_done, s);
	if (s->pending == NULL)
		smf_retry(s, SETUP_BACKOFF_MAX_MS);
}

static void
smf_retry(struct pf_smf *s, unsigned int ms)
{
	struct timeval tv = pf_ms_tv(ms);

	evtimer_add(s->timer, &tv);
}

int
pf_nassoc_smf_add(struct pf_node *n, const struct pf_addr *addr, uint8_t sock)
{
	struct pf_smf *s = &n->smfs[n->n_smfs];

	if (n->n_smfs == PF_NODE_SMFS_MAX)
		return -EINVAL;
	*s = (struct pf_smf){ .n = n, .addr = *addr, .sock = sock };
	if ((s->timer = evtimer_new(n->base, on_smf_timer, s)) == NULL)
		return -ENOMEM;
	n->n_smfs++;
	smf_retry(s, 0);
	return 0;
}
/* ------------------------------------------------- our association messages */

/* Association Setup/Update/Release Request or Response of ours: the
 * response with a Cause (and Offending IE when refused); UP Function
 * Features in a Setup's and an accepted Update's; PFCPASRsp-Flags
 * @asrsp (0: none). */
int
pf_nassoc_encode(struct pf_node *n, uint8_t *b, size_t size, uint8_t type, uint8_t cause, uint16_t offending, bool rts,
	     bool features, uint8_t asrsp)
{
	struct pf_enc e;
	struct pf_hdr h = { .type = type };
	uint8_t o[2] = { (uint8_t)(offending >> 8), (uint8_t)offending };

	if (rts && !pf_nsave_stamp_out(n))
		return -EIO;
	pf_enc_begin(&e, b, size, &h);
	pf_enc_node_id(&e, &n->cfg.self);
	if (cause)
		pf_enc_u8(&e, PF_IE_CAUSE, cause);
	if (offending)
		pf_enc_ie(&e, PF_IE_OFFENDING_IE, o, 2);
	if (rts)
		pf_enc_u32(&e, PF_IE_RECOVERY_TS, n->recovery);
	if (features && n->n_features > 0)
		pf_enc_ie(&e, PF_IE_UP_FEATURES, n->features, (uint16_t)n->n_features);
	if (asrsp != 0)
		pf_enc_u8(&e, PF_IE_ASRSP_FLAGS, asrsp);
	return pf_enc_end(&e);
}

/* A new stamp, every association dropped untold: in memory. */
static void
renew(struct pf_node *n)
{
	uint32_t now = (uint32_t)((uint64_t)time(NULL) + PF_NTP_OFFSET);

	/* new even within the second the last one was taken in */
	n->recovery = now == n->recovery ? now + 1 : now;
	n->recovery_unstored = true;
	/* the SMFs set up again once they see it; those we set up, we do again */
	while (n->assocs != NULL) {
		struct pf_smf *s = n->assocs->smf;

		CD_LOG(INFO, "pfcp: association with %s dropped: a new Recovery Time Stamp", n->assocs->name);
		pf_nassoc_free(n, n->assocs, PF_GONE_RELEASED, false);
		if (s != NULL)
			smf_retry(s, 0);
	}
}

void
pf_nassoc_renew(struct pf_node *n)
{
	renew(n);
	pf_nsave_start(n, NULL, NULL);
}

/* ------------------------------------------------------- at start */

/* Association @r as stored, again: false when it cannot be (logged). */
static bool
restore_one(struct pf_node *n, const struct pf_ndoc_assoc *r)
{
	struct pf_assoc *a;
	struct pf_smf *s = NULL;
	struct timeval tv = { 0, 0 };
	char id[260], as[64];
	int k = -1;

	pf_node_id_str(&r->id, id, sizeof(id));
	for (int i = 0; r->has_smf && i < n->n_smfs; i++)
		if (pf_addr_same(&n->smfs[i].addr, &r->smf))
			s = &n->smfs[i];
	/* its socket: the one its requests came to, else one on that port of a wildcard address */
	for (int i = 0; i < n->tp.n_socks && k < 0; i++)
		if (pf_addr_same(&n->tp.socks[i].addr, &r->local))
			k = i;
	for (int i = 0; i < n->tp.n_socks && k < 0; i++)
		if (pf_addr_any(&n->tp.socks[i].addr) && n->tp.socks[i].addr.ss.ss_family == r->local.ss.ss_family &&
		    pf_addr_port(&n->tp.socks[i].addr) == pf_addr_port(&r->local))
			k = i;
	if (s != NULL)
		k = s->sock;
	if (!pf_tport_allowed(&n->tp, &r->peer)) {
		CD_LOG(WARN, "pfcp: the stored association with %s not restored: its address %s is outside --pfcp-allow now",
		       id, pf_addr_str(&r->peer, as, sizeof(as)));
		return false;
	}
	if (k < 0 || pf_node_state_assoc(n, &r->id) != NULL || (a = calloc(1, sizeof(*a))) == NULL) {
		CD_LOG(WARN, "pfcp: the stored association with %s not restored: %s", id,
		       k < 0 ? "no --pfcp address now where its requests came to" : "out of memory");
		return false;
	}
	if (r->has_smf && s == NULL)
		CD_LOG(WARN, "pfcp: the association with %s was set up toward %s, no --pfcp-smf now: kept, not set up again once gone",
		       id, pf_addr_str(&r->smf, as, sizeof(as)));
	a->n = n;
	a->id = r->id;
	a->serial = ++n->serials;
	snprintf(a->name, sizeof(a->name), "%s", id);
	a->peer = r->peer;
	a->local = r->local;
	if (!pf_addr_any(&n->tp.socks[k].addr))
		a->local = n->tp.socks[k].addr;
	a->sock = (uint8_t)k;
	a->recovery = r->recovery;
	memcpy(a->cp_feat, r->cp_feat, r->n_cp_feat);
	a->n_cp_feat = r->n_cp_feat;
	a->reachable = true;
	a->restored = true;
	a->since_ms = cd_clock_ms();
	if (s != NULL) {
		s->a = a;
		a->smf = s;
	}
	a->next = n->assocs;
	if (n->assocs)
		n->assocs->prev = a;
	n->assocs = a;
	n->n_assocs++;
	n->c.restored++;
	/* a heartbeat at once: an SMF that restarted meanwhile is seen now */
	if ((a->hb_timer = evtimer_new(n->base, on_hb_timer, a)) != NULL)
		evtimer_add(a->hb_timer, &tv);
	CD_LOG(INFO, "pfcp: association with %s (%s, recovery %u, %s-initiated) restored", id,
	       pf_addr_str(&a->peer, as, sizeof(as)), a->recovery, a->smf ? "UPF" : "SMF");
	return true;
}

/*
 * The stored Recovery Time Stamp and the associations made under it, or a
 * new stamp (stored) and none. A document that does not read back is not
 * trusted in part: an SMF whose association is missing here would be
 * refused with 72 while it sees no UP restart, so none is restored, the
 * stamp is new (every SMF sets up again) and the document is kept as
 * state/pfcp.unreadable; said in the log and in the status.
 */
int
pf_nassoc_load(struct pf_node *n)
{
	json_t *st = n->res ? cd_host_state(n->res, "pfcp") : NULL, *old;
	json_int_t v = json_integer_value(json_object_get(st, "recovery_ts"));
	struct pf_ndoc_assoc *rs;
	size_t cnt, lost = 0;
	char why[256];
	int rc;

	/* the PFDs are the UP function's, not an association's nor a stamp's
	 * (6.2.5): kept whatever becomes of those; the SMF does not send them
	 * again */
	if ((rc = pf_pfd_load(n->pfds, json_object_get(st, "pfds"), why, sizeof(why))) == -ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(n->restore_error, sizeof(n->restore_error), "%.200s: no PFDs restored", why);
		CD_LOG(ERR, "pfcp: the stored PFDs do not read back (%s): none restored", why);
	}
	if (!json_is_integer(json_object_get(st, "recovery_ts")) || v <= 0 || v > 0xffffffffll) {
		if (json_object_get(st, "recovery_ts") == NULL && json_object_get(st, "associations") == NULL) {
			renew(n); /* the first start */
			return pf_nsave_now(n);
		}
		snprintf(why, sizeof(why), "recovery_ts: 1..4294967295");
	} else if ((rc = pf_ndoc_assocs(st, &rs, &cnt, why, sizeof(why))) == 0) {
		n->recovery = (uint32_t)v;
		for (size_t i = 0; i < cnt; i++)
			lost += !restore_one(n, &rs[i]);
		free(rs);
		return lost > 0 ? pf_nsave_now(n) : 0;
	} else if (rc != -EINVAL) {
		return rc;
	}
	snprintf(n->restore_error, sizeof(n->restore_error), "%.200s: none restored, a new Recovery Time Stamp", why);
	CD_LOG(ERR, "pfcp: the stored associations do not read back (%s): none restored; a new Recovery Time Stamp tells every SMF to set up again; the document kept as state/pfcp.unreadable",
	       why);
	if ((old = json_deep_copy(st)) != NULL) {
		if (cd_host_save(n->res, "pfcp.unreadable", old) < 0)
			CD_LOG(ERR, "pfcp: state/pfcp.unreadable not stored");
		json_decref(old);
	}
	renew(n);
	return pf_nsave_now(n);
}
