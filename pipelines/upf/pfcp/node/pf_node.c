/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node: the UPF's PFCP endpoint on sxcd's loop: sockets, node procedures, associations, the response cache (the transactions: pf_ntxn.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_log.h"
#include "cd_res.h"
#include "cd_vis.h"
#include "pf_cache.h"
#include "pf_node.h"
#include "pf_node_priv.h"
#include "pf_ncount.h"
#include "pf_nstate.h"

#define BATCH 64		/* datagrams per read callback: REST is never starved */
#define TX_MAX 2048		/* what the node level writes */
#define NTP_UNIX_OFFSET 2208988800u
#define SETUP_BACKOFF_MAX_MS 60000
#define REFUSED_LOG_MS 10000	/* a line about refused sources at most this often */

/* ------------------------------------------------------------------ names */
const char *
pf_gone_name(enum pf_gone why)
{
	switch (why) {
	case PF_GONE_RELEASED: return "released";
	case PF_GONE_SMF_RESTARTED: return "smf_restarted";
	case PF_GONE_UNREACHABLE: return "unreachable";
	}
	return "?";
}

/* ------------------------------------------------------------------ sending */

/* From @from (the address the peer sent to) when the socket is bound to a
 * wildcard address. */
int
pf_node_send(struct pf_node *n, uint8_t sock, const struct pf_addr *from, const struct pf_addr *to, const uint8_t *b,
	size_t len)
{
	ssize_t w;

	if (sock >= n->n_socks)
		return -EINVAL;
	w = pf_sock_send(n->socks[sock].fd, b, len, to, pf_addr_any(&n->socks[sock].addr) ? from : NULL);
	if (w < 0) {
		char a[64];

		CD_LOG(WARN, "pfcp: send to %s: %s", pf_addr_str(to, a, sizeof(a)), strerror(errno));
		return -errno;
	}
	if (len >= 2)
		n->c.out[b[1]]++;
	return 0;
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct pf_node *n = arg;

	(void)fd;
	(void)what;
	pf_cache_expire(&n->cache, cd_clock_ms());
}

/* Answer a request now: sent, and kept for its retransmissions. */
static void
answer(struct pf_node *n, uint8_t sock, const struct pf_addr *to, uint8_t rtype, uint32_t seq, uint8_t *b,
       size_t len)
{
	struct pf_centry *e;

	pf_put_seq(b, len, seq);
	pf_node_send(n, sock, &n->rx_local, to, b, len);
	if ((e = pf_cache_find(&n->cache, to, seq, rtype)) == NULL &&
	    (e = pf_cache_add(&n->cache, sock, to, seq, rtype, cd_clock_ms())) != NULL)
		e->local = n->rx_local;
	if (e != NULL)
		pf_cache_fill(&n->cache, e, b, len, cd_clock_ms());
}

/* ------------------------------------------------------- associations */

const struct pf_node_id *pf_assoc_node_id(const struct pf_assoc *a) { return &a->id; }
const char *pf_assoc_name(const struct pf_assoc *a) { return a->name; }
const struct pf_addr *pf_assoc_peer(const struct pf_assoc *a) { return &a->peer; }
uint32_t pf_assoc_recovery(const struct pf_assoc *a) { return a->recovery; }
bool pf_assoc_reachable(const struct pf_assoc *a) { return a->reachable; }

const uint8_t *
pf_assoc_cp_features(const struct pf_assoc *a, size_t *len)
{
	*len = a->n_cp_feat;
	return a->cp_feat;
}

struct pf_assoc *
pf_node_assoc(struct pf_node *n, const struct pf_node_id *id)
{
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (pf_node_id_same(&a->id, id))
			return a;
	return NULL;
}

/* The association requests from @src belong to: the one set up from that
 * address and port, else from that address (SMFs that send from another
 * port than they set up from). */
static struct pf_assoc *
assoc_by_addr(struct pf_node *n, const struct pf_addr *src)
{
	struct pf_assoc *host = NULL;

	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (pf_addr_same(&a->peer, src))
			return a;
		else if (host == NULL && pf_addr_same_host(&a->peer, src))
			host = a;
	return host;
}

struct pf_assoc *
pf_node_assoc_by_name(struct pf_node *n, const char *name)
{
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (strcasecmp(a->name, name) == 0)
			return a;
	return NULL;
}

static void smf_retry(struct smf *s, unsigned int ms);
static void hb_arm(struct pf_assoc *a);

/* ---------------------------------------------------------- the store */

/*
 * The store's "pfcp" document (pf_nstate.h) holds our Recovery Time Stamp
 * and the associations made under it: rewritten whole (durably) whenever
 * one is set up, updated, released or gone, before the request that
 * changed it is answered. An sxcd restart finds them as they were: its
 * SMFs see the same stamp and the same association.
 */

/* The document, without association @skip (NULL: all): new, or NULL. */
static json_t *
state_doc(struct pf_node *n, const struct pf_assoc *skip)
{
	json_t *as = json_array(), *doc;
	struct pf_nstate_assoc r;

	if (as == NULL)
		return NULL;
	for (const struct pf_assoc *a = n->assocs; a != NULL; a = a->next) {
		if (a == skip)
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
		if (json_array_append_new(as, pf_nstate_assoc_json(&r)) != 0) {
			json_decref(as);
			return NULL;
		}
	}
	doc = json_pack("{s:I,s:o}", "recovery_ts", (json_int_t)n->recovery, "associations", as);
	return doc;
}

/* Stored now: 0, or -errno (logged, counted). */
static int
state_save(struct pf_node *n, const struct pf_assoc *skip)
{
	json_t *doc;
	int rc;

	if (n->res == NULL) {
		n->recovery_unstored = false;
		return 0;
	}
	if ((doc = state_doc(n, skip)) == NULL)
		rc = -ENOMEM;
	else
		rc = cd_res_save(n->res, "pfcp", doc);
	json_decref(doc);
	if (rc < 0) {
		n->c.store_failures++;
		CD_LOG(ERR, "pfcp: the associations and Recovery Time Stamp not stored: %s", strerror(-rc));
		return rc;
	}
	n->recovery_unstored = false;
	return 0;
}

/* May our Recovery Time Stamp go out? Not before the store has it (one
 * more try when it did not take it). */
static bool
recovery_stored(struct pf_node *n)
{
	if (n->recovery_unstored)
		state_save(n, NULL);
	return !n->recovery_unstored;
}

/* @a and everything of it goes (its sessions told first). */
static void
assoc_free(struct pf_node *n, struct pf_assoc *a, enum pf_gone why, bool tell)
{
	char addr[64];

	if (tell)
		CD_LOG(INFO, "pfcp: association with %s (%s) gone: %s", a->name,
		       pf_addr_str(&a->peer, addr, sizeof(addr)), pf_gone_name(why));
	if (tell && n->ops != NULL && n->ops->assoc_gone != NULL)
		n->ops->assoc_gone(n->ops_arg, a, why);
	pf_oreq_cancel(n, a);
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
	event_free(a->hb_timer);
	free(a);
}

/*
 * An association set up with @id (its Recovery Time Stamp @rts), from
 * @src: a new one, the same again (kept with its sessions), or one whose
 * SMF restarted (its sessions go, TS 29.244 6.2.6.2.2); stored before
 * anyone hears of it. NULL: no memory, or a new one the store did not
 * take (*@rc < 0; one that was there stays, *@rc says it is not stored).
 */
static struct pf_assoc *
assoc_setup(struct pf_node *n, const struct pf_node_id *id, uint32_t rts, const struct pf_msg *m, uint8_t sock,
	    const struct pf_addr *src, int *rc)
{
	struct pf_assoc *a = pf_node_assoc(n, id);
	bool fresh = a == NULL, restarted = false;
	char addr[64];
	int i;

	*rc = 0;
	if (a == NULL) {
		if (n->n_assocs >= (int)n->cfg.max_assocs) { /* counted as refused, not logged: a flood's */
			*rc = -ENOSPC;
			return NULL;
		}
		if ((a = calloc(1, sizeof(*a))) == NULL) {
			*rc = -ENOMEM;
			return NULL;
		}
		a->n = n;
		a->id = *id;
		pf_node_id_str(id, a->name, sizeof(a->name));
		a->next = n->assocs;
		if (n->assocs)
			n->assocs->prev = a;
		n->assocs = a;
		n->n_assocs++;
	} else if (a->recovery != rts) {
		restarted = true;
		n->c.smf_restarts++;
		CD_LOG(WARN, "pfcp: %s set up again with a new Recovery Time Stamp (%u, was %u): the SMF restarted, its sessions go",
		       a->name, rts, a->recovery);
		if (n->ops != NULL && n->ops->assoc_gone != NULL)
			n->ops->assoc_gone(n->ops_arg, a, PF_GONE_SMF_RESTARTED);
		pf_oreq_cancel(n, a); /* its reports: to an SMF that forgot them */
	}
	a->peer = *src;
	a->local = n->rx_local;
	a->sock = sock;
	a->recovery = rts;
	a->restored = false;
	a->reachable = true;
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
	if ((*rc = state_save(n, NULL)) < 0 && fresh) {
		CD_LOG(ERR, "pfcp: association with %s refused: the store did not take it", a->name);
		assoc_free(n, a, PF_GONE_RELEASED, false);
		return NULL;
	}
	if (fresh || restarted) {
		n->c.assoc_setups++;
		CD_LOG(INFO, "pfcp: association with %s (%s, recovery %u) up", a->name,
		       pf_addr_str(src, addr, sizeof(addr)), rts);
		hb_arm(a);
		if (n->ops != NULL && n->ops->assoc_up != NULL)
			n->ops->assoc_up(n->ops_arg, a);
	}
	return a;
}

/* The peer's Recovery Time Stamp seen in a heartbeat: a new one, the SMF
 * restarted (TS 29.244 6.2.2, 19A): its sessions go, the association stays. */
static void
assoc_rts_seen(struct pf_node *n, struct pf_assoc *a, uint32_t rts)
{
	if (rts == a->recovery)
		return;
	n->c.smf_restarts++;
	CD_LOG(WARN, "pfcp: %s's Recovery Time Stamp changed (%u, was %u): the SMF restarted, its sessions go",
	       a->name, rts, a->recovery);
	a->recovery = rts;
	if (n->ops != NULL && n->ops->assoc_gone != NULL)
		n->ops->assoc_gone(n->ops_arg, a, PF_GONE_SMF_RESTARTED);
	pf_oreq_cancel(n, a);
	state_save(n, NULL);
	if (n->ops != NULL && n->ops->assoc_up != NULL)
		n->ops->assoc_up(n->ops_arg, a);
}

static void
set_reachable(struct pf_node *n, struct pf_assoc *a, bool r)
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
		set_reachable(n, a, true);
		if ((i = pf_find(rsp, -1, PF_IE_RECOVERY_TS, -1)) >= 0 && pf_get_u32(&rsp->ies[i], &rts) == 0)
			assoc_rts_seen(n, a, rts);
		return;
	}
	a->hb_failures++;
	n->c.hb_failures++;
	if (a->reachable) {
		set_reachable(n, a, false);
		return;
	}
	if (cd_clock_ms() - a->since_ms >= n->cfg.grace_ms) {
		n->c.unreachable_gone++;
		assoc_free(n, a, PF_GONE_UNREACHABLE, true);
		state_save(n, NULL);
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
	if (a->hb != NULL || !recovery_stored(n))
		return; /* the last one is still being resent; or our stamp may not go out yet */
	if ((len = pf_enc_heartbeat(b, sizeof(b), PF_HEARTBEAT_REQ, 0, n->recovery)) > 0)
		a->hb = pf_oreq_send(n, a, a->sock, &a->local, &a->peer, b, (size_t)len, hb_done, a);
}

static void
hb_arm(struct pf_assoc *a)
{
	struct timeval tv;

	if (a->hb_timer == NULL && (a->hb_timer = evtimer_new(a->n->base, on_hb_timer, a)) == NULL)
		return;
	ms_tv(a->n->cfg.heartbeat_ms, &tv);
	evtimer_add(a->hb_timer, &tv);
}

/* ------------------------------------------- UPF-initiated association */

static int encode_assoc(struct pf_node *n, uint8_t *b, size_t size, uint8_t type, uint8_t cause, uint16_t offending,
			bool rts, bool features);

static void
smf_setup_done(void *arg, int rc, const struct pf_msg *rsp)
{
	struct smf *s = arg;
	struct pf_node *n = s->n;
	struct pf_node_id id;
	uint32_t rts = 0;
	uint8_t cause = 0;
	char addr[64];
	int i;

	s->pending = NULL;
	pf_addr_str(&s->addr, addr, sizeof(addr));
	if (rc == 0 && (i = pf_find(rsp, -1, PF_IE_CAUSE, -1)) >= 0)
		pf_get_cause(&rsp->ies[i], &cause);
	if (rc == 0 && cause == PF_CAUSE_ACCEPTED && (i = pf_find(rsp, -1, PF_IE_NODE_ID, -1)) >= 0 &&
	    pf_get_node_id(&rsp->ies[i], &id) == 0 && (i = pf_find(rsp, -1, PF_IE_RECOVERY_TS, -1)) >= 0 &&
	    pf_get_u32(&rsp->ies[i], &rts) == 0) {
		struct pf_assoc *a;
		int src;

		s->backoff_ms = 0;
		if ((a = assoc_setup(n, &id, rts, rsp, s->sock, &s->addr, &src)) != NULL) {
			if (a->smf != NULL && a->smf != s)
				a->smf->a = NULL;
			a->smf = s;
			s->a = a;
			return;
		}
	}
	if (rc == 0 && cause == PF_CAUSE_ACCEPTED) {
		CD_LOG(WARN, "pfcp: SMF %s accepted our Association Setup Request, but it is not set up here: tried again later",
		       addr);
	} else if (rc == 0) {
		s->refusals++;
		CD_LOG(WARN, "pfcp: SMF %s refused our Association Setup Request (cause %u %s): tried again later",
		       addr, cause, pf_cause_name(cause));
	} else {
		CD_LOG(WARN, "pfcp: SMF %s: our Association Setup Request %s: tried again later", addr,
		       rc == -ETIMEDOUT ? "went unanswered" : "got an answer that does not decode");
	}
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : n->cfg.t1_ms;
	if (s->backoff_ms > SETUP_BACKOFF_MAX_MS)
		s->backoff_ms = SETUP_BACKOFF_MAX_MS;
	smf_retry(s, s->backoff_ms);
}

static void
on_smf_timer(evutil_socket_t fd, short what, void *arg)
{
	struct smf *s = arg;
	struct pf_node *n = s->n;
	uint8_t b[TX_MAX];
	int len;

	(void)fd;
	(void)what;
	if (s->a != NULL || s->pending != NULL)
		return;
	s->tries++;
	if ((len = encode_assoc(n, b, sizeof(b), PF_ASSOC_SETUP_REQ, 0, 0, true, true)) > 0)
		s->pending = pf_oreq_send(n, NULL, s->sock, &n->socks[s->sock].addr, &s->addr, b, (size_t)len,
					  smf_setup_done, s);
	if (s->pending == NULL)
		smf_retry(s, SETUP_BACKOFF_MAX_MS);
}

static void
smf_retry(struct smf *s, unsigned int ms)
{
	struct timeval tv;

	ms_tv(ms, &tv);
	evtimer_add(s->timer, &tv);
}

/* ------------------------------------------------------ node procedures */

/* Association Setup/Update/Release Request or Response of ours: the
 * response with a Cause (and Offending IE when refused); UP Function
 * Features in a Setup's and an accepted Update's. */
static int
encode_assoc(struct pf_node *n, uint8_t *b, size_t size, uint8_t type, uint8_t cause, uint16_t offending, bool rts,
	     bool features)
{
	struct pf_enc e;
	struct pf_hdr h = { .type = type };
	uint8_t o[2] = { (uint8_t)(offending >> 8), (uint8_t)offending };

	if (rts && !recovery_stored(n))
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
	return pf_enc_end(&e);
}

static void
answer_assoc(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_hdr *h, uint8_t cause,
	     uint16_t offending)
{
	uint8_t b[TX_MAX];
	uint8_t rt = (uint8_t)(h->type + 1);
	int len = encode_assoc(n, b, sizeof(b), rt, cause, offending, rt == PF_ASSOC_SETUP_RSP,
			       cause == PF_CAUSE_ACCEPTED && rt != PF_ASSOC_RELEASE_RSP);

	if (cause != PF_CAUSE_ACCEPTED)
		pf_ncount_refusal(&n->c, h->type, cause);
	if (len > 0)
		answer(n, sock, src, h->type, h->seq, b, (size_t)len);
}

/* The F-SEID's SEID of a session request the codec refused, read from its
 * top-level IEs as they are (0: none readable). */
static uint64_t
raw_cp_seid(const uint8_t *b, size_t len)
{
	uint16_t l = 0;
	const uint8_t *v = pf_peek_ie(b, len, PF_IE_FSEID, &l);
	uint64_t s = 0;

	for (int i = 0; v != NULL && l >= 9 && i < 8; i++)
		s = s << 8 | v[1 + i];
	return s;
}

static void
answer_sess(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_hdr *h, uint64_t seid,
	    uint8_t cause, uint16_t offending)
{
	uint8_t b[TX_MAX];
	uint8_t rt = (uint8_t)(h->type + 1);
	int len = pf_enc_sess_rsp(b, sizeof(b), rt, seid, h->seq, rt == PF_SESS_EST_RSP ? &n->cfg.self : NULL, cause,
				  offending, NULL, NULL, 0, NULL, 0);

	pf_ncount_refusal(&n->c, h->type, cause);
	if (len > 0)
		answer(n, sock, src, h->type, h->seq, b, (size_t)len);
}

static void
on_heartbeat_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m)
{
	uint8_t b[64];
	int len = recovery_stored(n) ? pf_enc_heartbeat(b, sizeof(b), PF_HEARTBEAT_RSP, m->hdr.seq, n->recovery) : -EIO, i;
	int hosts = 0;
	struct pf_assoc *a;
	uint32_t rts;
	bool exact = false, rts_ok = (i = pf_find(m, -1, PF_IE_RECOVERY_TS, -1)) >= 0 && pf_get_u32(&m->ies[i], &rts) == 0;

	if (len > 0)
		answer(n, sock, src, m->hdr.type, m->hdr.seq, b, (size_t)len);
	/* the peer's (TS 29.244 6.2.2), not an association's: all there are
	 * reachable; its stamp is compared with those set up from that address
	 * and port, else with the one at that address (several: which restarted
	 * cannot be told; their own heartbeats' answers and setups tell) */
	for (a = n->assocs; a != NULL; a = a->next) {
		exact |= pf_addr_same(&a->peer, src);
		hosts += pf_addr_same_host(&a->peer, src);
	}
	for (a = n->assocs; a != NULL; a = a->next)
		if (pf_addr_same_host(&a->peer, src)) {
			set_reachable(n, a, true);
			if (rts_ok && (exact ? pf_addr_same(&a->peer, src) : hosts == 1))
				assoc_rts_seen(n, a, rts);
		}
}

static void
on_assoc_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m)
{
	struct pf_node_id id;
	struct pf_assoc *a;
	uint32_t rts = 0;
	int i = pf_find(m, -1, PF_IE_NODE_ID, -1), rc;
	uint8_t feat[8];
	size_t n_feat;

	if (i < 0 || pf_get_node_id(&m->ies[i], &id) != 0) {
		answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_NODE_ID);
		return;
	}
	a = pf_node_assoc(n, &id);
	switch (m->hdr.type) {
	case PF_ASSOC_SETUP_REQ:
		if ((i = pf_find(m, -1, PF_IE_RECOVERY_TS, -1)) < 0 || pf_get_u32(&m->ies[i], &rts) != 0) {
			answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_RECOVERY_TS);
			return;
		}
		a = assoc_setup(n, &id, rts, m, sock, src, &rc);
		answer_assoc(n, sock, src, &m->hdr, rc == -ENOMEM || rc == -ENOSPC ? PF_CAUSE_NO_RESOURCES : rc < 0 ?
			     PF_CAUSE_SYSTEM_FAILURE : PF_CAUSE_ACCEPTED, 0);
		return;
	case PF_ASSOC_UPDATE_REQ:
		if (a == NULL) {
			answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_NO_ASSOCIATION, 0);
			return;
		}
		if ((i = pf_find(m, -1, PF_IE_CP_FEATURES, -1)) >= 0) {
			n_feat = m->ies[i].len < sizeof(feat) ? m->ies[i].len : sizeof(feat);
			memcpy(feat, m->ies[i].v, n_feat);
			if (n_feat != a->n_cp_feat || memcmp(feat, a->cp_feat, n_feat) != 0) {
				uint8_t was[8];
				size_t n_was = a->n_cp_feat;

				memcpy(was, a->cp_feat, sizeof(was));
				memcpy(a->cp_feat, feat, n_feat);
				a->n_cp_feat = n_feat;
				if (state_save(n, NULL) < 0) { /* not stored: not changed */
					memcpy(a->cp_feat, was, sizeof(was));
					a->n_cp_feat = n_was;
					answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_SYSTEM_FAILURE, 0);
					return;
				}
			}
		}
		answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_ACCEPTED, 0);
		return;
	case PF_ASSOC_RELEASE_REQ:
		if (a == NULL) {
			answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_NO_ASSOCIATION, 0);
			return;
		}
		/* gone from the store before it is answered; answered before its
		 * sessions are deleted (the session layer's, later) */
		if (state_save(n, a) < 0) {
			answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_SYSTEM_FAILURE, 0);
			return;
		}
		answer_assoc(n, sock, src, &m->hdr, PF_CAUSE_ACCEPTED, 0);
		n->c.assoc_released++;
		assoc_free(n, a, PF_GONE_RELEASED, true);
		return;
	}
}

/* A session request that decoded: to the session layer, or refused here. */
static void
on_sess_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m, struct pf_centry *ce)
{
	struct pf_assoc *a = NULL;
	struct pf_node_id id;
	struct pf_fseid f = { 0 };
	struct pf_txn *t;
	uint64_t cp_seid = 0;
	int i;

	if (m->hdr.type == PF_SESS_EST_REQ) {
		if ((i = pf_find(m, -1, PF_IE_FSEID, -1)) >= 0 && pf_get_fseid(&m->ies[i], &f) == 0)
			cp_seid = f.seid;
		if ((i = pf_find(m, -1, PF_IE_NODE_ID, -1)) >= 0 && pf_get_node_id(&m->ies[i], &id) == 0)
			a = pf_node_assoc(n, &id);
	} else {
		a = assoc_by_addr(n, src);   /* one there; the session's own: the session layer's to find */
	}
	if (a == NULL) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_NO_ASSOCIATION, 0);
		return;
	}
	/* no session layer yet: the one place a session request is refused for that */
	if (n->ops == NULL || n->ops->request == NULL) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_REJECTED, 0);
		return;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_NO_RESOURCES, 0);
		return;
	}
	*t = (struct pf_txn){ .n = n, .ce = ce, .peer = *src, .local = n->rx_local, .sock = sock, .type = m->hdr.type,
			      .seq = m->hdr.seq, .seid = m->hdr.seid };
	ce->owner = t;
	t->next = n->txns;
	if (n->txns)
		n->txns->prev = t;
	n->txns = t;
	n->ops->request(n->ops_arg, a, m, t);
}

/* A request the codec refused with @r. */
static void
on_refused(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const uint8_t *b, size_t len,
	   struct pf_result r, struct pf_centry *ce)
{
	const struct pf_hdr *h = &n->msg.hdr;
	struct pf_assoc *a;
	struct pf_txn *t;
	uint8_t rsp[64];
	int l;

	switch (h->type) {
	case PF_HEARTBEAT_REQ:
		/* nothing to refuse with: liveness is answered all the same */
		pf_ncount_refusal(&n->c, h->type, r.cause);
		if (recovery_stored(n) && (l = pf_enc_heartbeat(rsp, sizeof(rsp), PF_HEARTBEAT_RSP, h->seq, n->recovery)) > 0)
			answer(n, sock, src, h->type, h->seq, rsp, (size_t)l);
		break;
	case PF_ASSOC_SETUP_REQ: case PF_ASSOC_UPDATE_REQ: case PF_ASSOC_RELEASE_REQ:
		answer_assoc(n, sock, src, h, r.cause, r.ie_type);
		break;
	case PF_SESS_EST_REQ:
		answer_sess(n, sock, src, h, raw_cp_seid(b, len), r.cause, r.ie_type);
		break;
	case PF_SESS_MOD_REQ: case PF_SESS_DEL_REQ:
		a = assoc_by_addr(n, src);
		if (a == NULL || n->ops == NULL || n->ops->refused == NULL ||
		    (t = calloc(1, sizeof(*t))) == NULL) {
			answer_sess(n, sock, src, h, 0, a == NULL ? PF_CAUSE_NO_ASSOCIATION : r.cause,
				    a == NULL ? 0 : r.ie_type);
			break;
		}
		pf_ncount_refusal(&n->c, h->type, r.cause);
		*t = (struct pf_txn){ .n = n, .ce = ce, .peer = *src, .local = n->rx_local, .sock = sock,
				      .type = h->type, .seq = h->seq, .seid = h->seid };
		ce->owner = t;
		t->next = n->txns;
		if (n->txns)
			n->txns->prev = t;
		n->txns = t;
		n->ops->refused(n->ops_arg, a, h, r, t);
		return;
	default:
		n->c.dropped_unexpected++;
		break;
	}
	if (ce->owner == NULL && ce->b == NULL)
		pf_cache_del(&n->cache, ce);
}

/* A response: to the request of ours it answers. */
static void
on_response(struct pf_node *n, const uint8_t *b, size_t len, const struct pf_hdr *h)
{
	struct oreq *o;
	struct pf_result r;

	for (o = n->oreqs; o != NULL; o = o->next)
		if (o->seq == h->seq && (h->type == o->type + 1 || h->type == PF_VERSION_NOT_SUPPORTED))
			break;
	if (o == NULL) {
		n->c.dropped_unmatched++;
		return;
	}
	pf_req_done *done = o->done;
	void *darg = o->arg;

	if (h->type == PF_VERSION_NOT_SUPPORTED) {
		pf_oreq_free(o);
		done(darg, -EPROTONOSUPPORT, NULL);
		return;
	}
	r = pf_decode(b, len, &n->msg);
	if (r.kind == PF_ERR_HEADER) {
		n->c.dropped_header++;
		return; /* resent until a good one comes */
	}
	pf_oreq_free(o);
	done(darg, r.kind == PF_OK ? 0 : -EBADMSG, r.kind == PF_OK ? &n->msg : NULL);
}

static void
on_datagram(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const uint8_t *b, size_t len)
{
	struct pf_hdr h;
	struct pf_result r;
	struct pf_centry *ce;

	if (len >= 2)
		n->c.in[b[1]]++;
	if (len >= PF_HDR_NODE_LEN && (b[0] >> 5) != PF_VERSION) {
		/* TS 29.244 7.2.2.1: Version Not Supported Response, a header alone */
		uint8_t v[PF_HDR_NODE_LEN] = { PF_VERSION << 5, PF_VERSION_NOT_SUPPORTED, 0, 4, b[4], b[5], b[6], 0 };

		n->c.version_refused++;
		if (is_request(b[1]))
			pf_node_send(n, sock, &n->rx_local, src, v, sizeof(v));
		return;
	}
	if (pf_hdr_decode(b, len, &h) != 0 || h.len != len) {
		n->c.dropped_header++;
		return;
	}
	if (h.type != PF_VERSION_NOT_SUPPORTED && strcmp(pf_msg_name(h.type), "?") == 0) {
		n->c.dropped_unknown++; /* TS 29.244 7.2.2.1: silently discarded */
		return;
	}
	if (!is_request(h.type)) {
		on_response(n, b, len, &h);
		return;
	}
	if ((ce = pf_cache_find(&n->cache, src, h.seq, h.type)) != NULL) {
		if (ce->owner != NULL) {
			n->c.pending_ignored++;
		} else if (ce->b != NULL) {
			n->c.from_cache++;
			pf_node_send(n, ce->sock, &ce->local, src, ce->b, ce->len);
		}
		return;
	}
	r = pf_decode(b, len, &n->msg);
	if (r.kind == PF_ERR_HEADER || r.kind == PF_ERR_UNKNOWN_MSG) {
		n->c.dropped_header++;
		return;
	}
	if (h.type == PF_NODE_REPORT_REQ || h.type == PF_SESS_REPORT_REQ) {
		n->c.dropped_unexpected++; /* the UPF sends these, never receives them */
		return;
	}
	if ((ce = pf_cache_add(&n->cache, sock, src, h.seq, h.type, cd_clock_ms())) == NULL)
		return; /* no memory: the peer will send it again */
	ce->local = n->rx_local;
	if (r.kind != PF_OK) {
		on_refused(n, sock, src, b, len, r, ce);
		return;
	}
	switch (h.type) {
	case PF_HEARTBEAT_REQ:
		on_heartbeat_req(n, sock, src, &n->msg);
		break;
	case PF_ASSOC_SETUP_REQ: case PF_ASSOC_UPDATE_REQ: case PF_ASSOC_RELEASE_REQ:
		on_assoc_req(n, sock, src, &n->msg);
		break;
	default:
		on_sess_req(n, sock, src, &n->msg, ce);
		return;
	}
}

/* --------------------------------------------------- who may send */

/* From a --pfcp-allow prefix (or none given)? */
static bool
allowed(const struct pf_node *n, const struct pf_addr *src)
{
	for (int i = 0; i < n->cfg.n_allow; i++)
		if (pf_prefix_has(&n->allow[i], src))
			return true;
	return n->cfg.n_allow == 0;
}

static void
refused_tell(struct pf_node *n, const struct pf_addr *src, uint64_t more)
{
	char a[64];

	if (more > 0)
		CD_LOG(WARN, "pfcp: %" PRIu64 " more datagrams refused from sources outside --pfcp-allow (the last from %s)",
		       more, pf_addr_str(src, a, sizeof(a)));
	else
		CD_LOG(WARN, "pfcp: a datagram from %s refused: outside --pfcp-allow (dropped unread, unanswered; at most one such line every %d s)",
		       pf_addr_str(src, a, sizeof(a)), REFUSED_LOG_MS / 1000);
	n->refused_logged = true;
	n->refused_log_ms = cd_clock_ms();
}

static void
on_refused_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_node *n = arg;

	(void)fd;
	(void)what;
	if (n->refused_quiet > 0)
		refused_tell(n, &n->refused_last, n->refused_quiet);
	n->refused_quiet = 0;
}

/* A peer outside the allowed prefixes floods the log no more than it
 * floods anything else: one line, then a count every REFUSED_LOG_MS. */
static void
refuse(struct pf_node *n, const struct pf_addr *src)
{
	uint64_t now = cd_clock_ms();
	struct timeval tv;

	n->c.refused_source++;
	if (!n->refused_logged || now - n->refused_log_ms >= REFUSED_LOG_MS) {
		refused_tell(n, src, n->refused_quiet);
		n->refused_quiet = 0;
		return;
	}
	n->refused_quiet++;
	n->refused_last = *src;
	if (n->refused_timer != NULL && !evtimer_pending(n->refused_timer, NULL)) {
		ms_tv((unsigned int)(REFUSED_LOG_MS - (now - n->refused_log_ms)), &tv);
		evtimer_add(n->refused_timer, &tv);
	}
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;
	struct pf_node *n = s->n;
	struct pf_addr src;
	ssize_t r;

	(void)what;
	for (int i = 0; i < BATCH; i++) {
		n->rx_local = s->addr;
		r = pf_sock_recv(fd, n->rx, sizeof(n->rx), &src, &n->rx_local);
		if (r < 0)
			return; /* EAGAIN: all read; anything else: the next wakeup */
		if (!allowed(n, &src)) {
			refuse(n, &src);
			continue;
		}
		if ((size_t)r > sizeof(n->rx)) {
			n->c.dropped_header++;
			continue;
		}
		on_datagram(n, (uint8_t)(s - n->socks), &src, n->rx, (size_t)r);
	}
}

/* --------------------------------------------------------- life */

int
pf_node_renew_recovery(struct pf_node *n)
{
	uint32_t now = (uint32_t)((uint64_t)time(NULL) + NTP_UNIX_OFFSET);

	/* new even within the second the last one was taken in */
	n->recovery = now == n->recovery ? now + 1 : now;
	n->recovery_unstored = true;
	/* the SMFs set up again once they see it; those we set up, we do again */
	while (n->assocs != NULL) {
		struct smf *s = n->assocs->smf;

		CD_LOG(INFO, "pfcp: association with %s dropped: a new Recovery Time Stamp", n->assocs->name);
		assoc_free(n, n->assocs, PF_GONE_RELEASED, false);
		if (s != NULL)
			smf_retry(s, 0);
	}
	return state_save(n, NULL);
}

/* Association @r as stored, again: false when it cannot be (logged). */
static bool
restore_one(struct pf_node *n, const struct pf_nstate_assoc *r)
{
	struct pf_assoc *a;
	struct smf *s = NULL;
	struct timeval tv = { 0, 0 };
	char id[260], as[64];
	int k = -1;

	pf_node_id_str(&r->id, id, sizeof(id));
	for (int i = 0; r->has_smf && i < n->n_smfs; i++)
		if (pf_addr_same(&n->smfs[i].addr, &r->smf))
			s = &n->smfs[i];
	/* its socket: the one its requests came to, else one on that port of a wildcard address */
	for (int i = 0; i < n->n_socks && k < 0; i++)
		if (pf_addr_same(&n->socks[i].addr, &r->local))
			k = i;
	for (int i = 0; i < n->n_socks && k < 0; i++)
		if (pf_addr_any(&n->socks[i].addr) && n->socks[i].addr.ss.ss_family == r->local.ss.ss_family &&
		    pf_addr_port(&n->socks[i].addr) == pf_addr_port(&r->local))
			k = i;
	if (s != NULL)
		k = s->sock;
	if (!allowed(n, &r->peer)) {
		CD_LOG(WARN, "pfcp: the stored association with %s not restored: its address %s is outside --pfcp-allow now",
		       id, pf_addr_str(&r->peer, as, sizeof(as)));
		return false;
	}
	if (k < 0 || pf_node_assoc(n, &r->id) != NULL || (a = calloc(1, sizeof(*a))) == NULL) {
		CD_LOG(WARN, "pfcp: the stored association with %s not restored: %s", id,
		       k < 0 ? "no --pfcp address now where its requests came to" : "out of memory");
		return false;
	}
	if (r->has_smf && s == NULL)
		CD_LOG(WARN, "pfcp: the association with %s was set up toward %s, no --pfcp-smf now: kept, not set up again once gone",
		       id, pf_addr_str(&r->smf, as, sizeof(as)));
	a->n = n;
	a->id = r->id;
	snprintf(a->name, sizeof(a->name), "%s", id);
	a->peer = r->peer;
	a->local = r->local;
	if (!pf_addr_any(&n->socks[k].addr))
		a->local = n->socks[k].addr;
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
static int
state_load(struct pf_node *n)
{
	json_t *st = n->res ? cd_res_state(n->res, "pfcp") : NULL, *old;
	json_int_t v = json_integer_value(json_object_get(st, "recovery_ts"));
	struct pf_nstate_assoc *rs;
	size_t cnt, lost = 0;
	char why[256];
	int rc;

	if (!json_is_integer(json_object_get(st, "recovery_ts")) || v <= 0 || v > 0xffffffffll) {
		if (json_object_get(st, "recovery_ts") != NULL || json_object_get(st, "associations") != NULL)
			snprintf(why, sizeof(why), "recovery_ts: 1..4294967295");
		else
			return pf_node_renew_recovery(n); /* the first start */
	} else if ((rc = pf_nstate_assocs(st, &rs, &cnt, why, sizeof(why))) == 0) {
		n->recovery = (uint32_t)v;
		for (size_t i = 0; i < cnt; i++)
			lost += !restore_one(n, &rs[i]);
		free(rs);
		return lost > 0 ? state_save(n, NULL) : 0;
	} else if (rc != -EINVAL) {
		return rc;
	}
	snprintf(n->restore_error, sizeof(n->restore_error), "%.200s: none restored, a new Recovery Time Stamp", why);
	CD_LOG(ERR, "pfcp: the stored associations do not read back (%s): none restored; a new Recovery Time Stamp tells every SMF to set up again; the document kept as state/pfcp.unreadable",
	       why);
	if ((old = json_deep_copy(st)) != NULL) {
		if (cd_res_save(n->res, "pfcp.unreadable", old) < 0)
			CD_LOG(ERR, "pfcp: state/pfcp.unreadable not stored");
		json_decref(old);
	}
	return pf_node_renew_recovery(n);
}

const struct pf_node_id *pf_node_self(const struct pf_node *n) { return &n->cfg.self; }
uint32_t pf_node_recovery(const struct pf_node *n) { return n->recovery; }

void
pf_node_set_handler(struct pf_node *n, const struct pf_node_ops *ops, void *arg)
{
	n->ops = ops;
	n->ops_arg = arg;
}

int
pf_node_set_features(struct pf_node *n, const uint8_t *bytes, size_t len)
{
	if (len > sizeof(n->features))
		return -EINVAL;
	memcpy(n->features, bytes, len);
	n->n_features = len;
	return 0;
}

static int
open_sock(struct pf_node *n, const struct pf_addr *a, char *err, size_t len)
{
	struct sock *s = &n->socks[n->n_socks];
	int fd = pf_sock_open(a, err, len);

	if (fd < 0)
		return fd;
	s->n = n;
	s->fd = fd;
	s->addr = *a;
	if ((s->ev = event_new(n->base, fd, EV_READ | EV_PERSIST, on_read, s)) == NULL || event_add(s->ev, NULL) != 0) {
		snprintf(err, len, "out of memory");
		close(fd);
		return -ENOMEM;
	}
	n->n_socks++;
	return 0;
}

int
pf_node_new(const struct pf_node_cfg *cfg, struct pf_node **out, char *err, size_t len)
{
	struct pf_node *n;
	struct timeval tv;
	int rc;

	if (cfg->n_listen < 1 || cfg->n_listen > SOCKS_MAX || cfg->n_smfs > SMFS_MAX || cfg->n_allow < 0 ||
	    cfg->n_allow > PF_ALLOW_MAX) {
		snprintf(err, len, "1..%d addresses to listen on, at most %d SMFs, %d allowed prefixes", SOCKS_MAX,
			 SMFS_MAX, PF_ALLOW_MAX);
		return -EINVAL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	n->cfg = *cfg;
	n->cfg.listen = NULL;
	n->cfg.smfs = NULL;
	if (cfg->n_allow > 0)
		memcpy(n->allow, cfg->allow, (size_t)cfg->n_allow * sizeof(*cfg->allow));
	n->cfg.allow = n->allow;
	n->base = cfg->base;
	n->res = cfg->res;
	if (n->cfg.t1_ms == 0)
		n->cfg.t1_ms = 3000;
	if (n->cfg.heartbeat_ms == 0)
		n->cfg.heartbeat_ms = 10000;
	if (n->cfg.cache_ms == 0)
		n->cfg.cache_ms = (n->cfg.n1 + 1) * n->cfg.t1_ms + 5000;
	if (n->cfg.cache_max == 0)
		n->cfg.cache_max = 65536;
	if (n->cfg.max_assocs == 0)
		n->cfg.max_assocs = PF_ASSOC_MAX;
	n->next_seq = (uint32_t)(time(NULL) & 0xffff);
	if (pf_cache_init(&n->cache, n->cfg.cache_max, n->cfg.cache_ms) < 0 ||
	    (n->sweep = event_new(n->base, -1, EV_PERSIST, on_sweep, n)) == NULL ||
	    (n->refused_timer = evtimer_new(n->base, on_refused_timer, n)) == NULL) {
		snprintf(err, len, "out of memory");
		pf_node_free(n);
		return -ENOMEM;
	}
	ms_tv(1000, &tv);
	event_add(n->sweep, &tv);
	for (int i = 0; i < cfg->n_listen; i++)
		if ((rc = open_sock(n, &cfg->listen[i], err, len)) < 0) {
			pf_node_free(n);
			return rc;
		}
	for (int i = 0; i < cfg->n_smfs; i++) {
		struct smf *s = &n->smfs[n->n_smfs];
		char as[64];
		int k;

		for (k = 0; k < n->n_socks && n->socks[k].addr.ss.ss_family != cfg->smfs[i].ss.ss_family; k++)
			;
		if (k == n->n_socks) {
			snprintf(err, len, "SMF %s: no --pfcp address of its family to send from",
				 pf_addr_str(&cfg->smfs[i], as, sizeof(as)));
			pf_node_free(n);
			return -EINVAL;
		}
		*s = (struct smf){ .n = n, .addr = cfg->smfs[i], .sock = (uint8_t)k };
		if ((s->timer = evtimer_new(n->base, on_smf_timer, s)) == NULL) {
			snprintf(err, len, "out of memory");
			pf_node_free(n);
			return -ENOMEM;
		}
		n->n_smfs++;
		smf_retry(s, 0);
	}
	if ((rc = state_load(n)) < 0) {
		snprintf(err, len, "the Recovery Time Stamp cannot be stored: %s", strerror(-rc));
		pf_node_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

void
pf_node_free(struct pf_node *n)
{
	if (n == NULL)
		return;
	n->ops = NULL; /* nobody is told any more */
	while (n->assocs != NULL)
		assoc_free(n, n->assocs, PF_GONE_RELEASED, false);
	while (n->oreqs != NULL) {
		pf_req_done *done = n->oreqs->done;
		void *darg = n->oreqs->arg;
		bool smf = false;

		for (int i = 0; i < n->n_smfs; i++)
			if (n->smfs[i].pending == n->oreqs)
				smf = true;
		pf_oreq_free(n->oreqs);
		if (!smf)
			done(darg, -ECANCELED, NULL);
	}
	while (n->txns != NULL)
		pf_txn_drop(n->txns);
	pf_cache_fini(&n->cache);
	for (int i = 0; i < n->n_smfs; i++)
		event_free(n->smfs[i].timer);
	for (int i = 0; i < n->n_socks; i++) {
		event_free(n->socks[i].ev);
		close(n->socks[i].fd);
	}
	if (n->sweep)
		event_free(n->sweep);
	if (n->refused_timer)
		event_free(n->refused_timer);
	free(n);
}

/* ------------------------------------------------------- visibility */

json_t *
pf_node_stats(struct pf_node *n)
{
	json_t *as = json_array(), *socks = json_array(), *allow;
	char s[300], t[64], l[64], feat[17] = "";
	uint64_t now = cd_clock_ms();

	for (size_t i = 0; i < n->n_features; i++)
		snprintf(feat + 2 * i, sizeof(feat) - 2 * i, "%02x", n->features[i]);
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		json_array_append_new(as, json_pack("{s:s,s:s,s:s,s:I,s:s,s:s*,s:b,s:I,s:I}", "node_id", a->name,
						    "address", pf_addr_str(&a->peer, t, sizeof(t)), "local",
						    pf_addr_str(&a->local, l, sizeof(l)), "recovery_ts",
						    (json_int_t)a->recovery, "state", a->reachable ? "up" : "unreachable",
						    "initiated", a->smf ? "upf" : "smf", "restored", a->restored,
						    "last_heartbeat_ms_ago",
						    a->last_hb_ms ? (json_int_t)(now - a->last_hb_ms) : (json_int_t)-1,
						    "heartbeat_failures", (json_int_t)a->hb_failures));
	for (int i = 0; i < n->n_socks; i++)
		json_array_append_new(socks, json_string(pf_addr_str(&n->socks[i].addr, t, sizeof(t))));
	/* null: datagrams are taken from anywhere */
	allow = n->cfg.n_allow > 0 ? json_array() : json_null();
	for (int i = 0; i < n->cfg.n_allow; i++)
		json_array_append_new(allow, json_string(pf_prefix_str(&n->allow[i], s, sizeof(s))));
	return json_pack("{s:s,s:I,s:s*,s:s,s:o,s:o,s:o,s:o}", "node_id", pf_node_id_str(&n->cfg.self, s, sizeof(s)),
			 "recovery_ts", (json_int_t)n->recovery, "restore_error",
			 n->restore_error[0] ? n->restore_error : NULL, "up_features", feat, "listen", socks, "allow",
			 allow, "associations", as, "counters", pf_ncount_json(&n->c));
}

void
pf_node_metrics(struct pf_node *n, struct cd_vis_fams *f)
{
	int up = 0;

	pf_ncount_metrics(&n->c, f);
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		up += a->reachable;
	cd_vis_sample(f, "sxcd_pfcp_associations", "gauge", "PFCP associations, by state", (double)up, "state", "up",
		      NULL);
	cd_vis_sample(f, "sxcd_pfcp_associations", "gauge", "PFCP associations, by state", (double)(n->n_assocs - up),
		      "state", "unreachable", NULL);
	cd_vis_sample(f, "sxcd_pfcp_cached_answers", "gauge", "Answers kept for retransmitted requests",
		      (double)n->cache.n, NULL);
}
