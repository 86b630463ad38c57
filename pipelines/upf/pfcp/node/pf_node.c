/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node: the UPF's PFCP endpoint on sxcd's loop: datagrams to node procedures or the session layer, its life, its status (pf_node.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_log.h"
#include "cd_vis.h"
#include "pf_nassoc.h"
#include "pf_node.h"
#include "pf_node_state.h"

static bool
is_request(uint8_t t)
{
	switch (t) {
	case PF_HEARTBEAT_REQ: case PF_ASSOC_SETUP_REQ: case PF_ASSOC_UPDATE_REQ: case PF_ASSOC_RELEASE_REQ:
	case PF_PFD_MGMT_REQ: case PF_NODE_REPORT_REQ: case PF_SESS_EST_REQ: case PF_SESS_MOD_REQ: case PF_SESS_DEL_REQ:
	case PF_SESS_REPORT_REQ:
		return true;
	}
	return false;
}

/* ------------------------------------------------------- associations */

const struct pf_node_id *pf_assoc_node_id(const struct pf_assoc *a) { return &a->id; }
const char *pf_assoc_name(const struct pf_assoc *a) { return a->name; }
const struct pf_addr *pf_assoc_peer(const struct pf_assoc *a) { return &a->peer; }
uint32_t pf_assoc_recovery(const struct pf_assoc *a) { return a->recovery; }
bool pf_assoc_reachable(const struct pf_assoc *a) { return a->reachable; }

bool
pf_assoc_cp_feature(const struct pf_assoc *a, unsigned int octet, uint8_t bits)
{
	return octet < a->n_cp_feat && (a->cp_feat[octet] & bits) == bits;
}

struct pf_assoc *
pf_node_assoc_at(struct pf_node *n, const struct pf_addr *peer)
{
	return pf_node_state_assoc_at(n, peer);
}

struct pf_assoc *
pf_node_assoc_by_name(struct pf_node *n, const char *name)
{
	return pf_node_state_assoc_named(n, name);
}

int
pf_node_request(struct pf_node *n, struct pf_assoc *a, const uint8_t *b, size_t len, pf_req_done *done,
		void *arg)
{
	if (a == NULL || done == NULL || len < PF_HDR_NODE_LEN || !is_request(b[1]))
		return -EINVAL;
	return pf_ntxn_request(&n->x, a, a->sock, &a->local, &a->peer, b, len, done, arg) ? 0 : -ENOMEM;
}

/* ------------------------------------------------------ node procedures */

static void
answer_assoc(struct pf_node *n, uint8_t sock, const struct pf_addr *local, const struct pf_addr *src,
	     const struct pf_hdr *h, uint8_t cause, uint16_t offending, uint8_t asrsp)
{
	uint8_t b[PF_NODE_TX_MAX];
	uint8_t rt = (uint8_t)(h->type + 1);
	int len = pf_nassoc_encode(n, b, sizeof(b), rt, cause, offending, rt == PF_ASSOC_SETUP_RSP,
			       cause == PF_CAUSE_ACCEPTED && rt != PF_ASSOC_RELEASE_RSP, asrsp);

	if (cause != PF_CAUSE_ACCEPTED)
		pf_ncount_refusal(&n->c, h->type, cause);
	if (len > 0)
		pf_ntxn_answer(&n->x, sock, local, src, h->type, h->seq, b, (size_t)len);
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
	uint8_t b[PF_NODE_TX_MAX];
	uint8_t rt = (uint8_t)(h->type + 1);
	int len = pf_enc_sess_rsp(b, sizeof(b), rt, seid, h->seq, rt == PF_SESS_EST_RSP ? &n->cfg.self : NULL, cause,
				  offending, NULL, NULL, 0, NULL, 0);

	pf_ncount_refusal(&n->c, h->type, cause);
	if (len > 0)
		pf_ntxn_answer(&n->x, sock, &n->rx_local, src, h->type, h->seq, b, (size_t)len);
}

static void
on_heartbeat_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m)
{
	uint8_t b[64];
	int len = pf_nsave_stamp_out(n) ? pf_enc_heartbeat(b, sizeof(b), PF_HEARTBEAT_RSP, m->hdr.seq, n->recovery) : -EIO, i;
	int hosts = 0;
	struct pf_assoc *a;
	uint32_t rts;
	bool exact = false, rts_ok = (i = pf_find(m, -1, PF_IE_RECOVERY_TS, -1)) >= 0 && pf_get_u32(&m->ies[i], &rts) == 0;

	if (len > 0)
		pf_ntxn_answer(&n->x, sock, &n->rx_local, src, m->hdr.type, m->hdr.seq, b, (size_t)len);
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
			pf_nassoc_reachable(n, a, true);
			if (rts_ok && (exact ? pf_addr_same(&a->peer, src) : hosts == 1))
				pf_nassoc_rts_seen(n, a, rts, true);
		}
}

/* An association request answered once its change is stored (pf_nsave). */
struct assoc_wait {
	struct pf_nsave w;
	uint8_t sock;
	struct pf_addr local, src;
	struct pf_hdr hdr;
	uint8_t was[8];		/* an update's: the CP features it changed */
	size_t n_was;
};

static void
setup_answer(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct assoc_wait *aw = (struct assoc_wait *)w;

	answer_assoc(n, aw->sock, &aw->local, &aw->src, &aw->hdr, rc == -ENOMEM || rc == -ENOSPC ? PF_CAUSE_NO_RESOURCES :
		     rc < 0 ? PF_CAUSE_SYSTEM_FAILURE : PF_CAUSE_ACCEPTED, 0, rc == 0 && w->retained ? PF_ASRSP_PSREI : 0);
}

/* Not stored: not changed. */
static void
update_answer(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct assoc_wait *aw = (struct assoc_wait *)w;
	struct pf_assoc *a = pf_node_state_assoc_serial(n, w->assoc);

	if (rc < 0 && a != NULL) {
		memcpy(a->cp_feat, aw->was, sizeof(a->cp_feat));
		a->n_cp_feat = aw->n_was;
	}
	answer_assoc(n, aw->sock, &aw->local, &aw->src, &aw->hdr, rc < 0 ? PF_CAUSE_SYSTEM_FAILURE : PF_CAUSE_ACCEPTED, 0, 0);
}

/* Gone from the store before it is answered; answered before its
 * sessions are deleted (the session layer's, later). */
static void
release_answer(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct assoc_wait *aw = (struct assoc_wait *)w;
	struct pf_assoc *a = pf_node_state_assoc_serial(n, w->assoc);

	if (a != NULL && !a->releasing)
		a = NULL; /* set up again meanwhile: that one stays */
	if (rc < 0 && a != NULL)
		a->releasing = false;
	answer_assoc(n, aw->sock, &aw->local, &aw->src, &aw->hdr, rc < 0 ? PF_CAUSE_SYSTEM_FAILURE : PF_CAUSE_ACCEPTED,
		     0, 0);
	if (rc < 0)
		return;
	n->c.assoc_released++;
	if (a != NULL)
		pf_nassoc_free(n, a, PF_GONE_RELEASED, true);
}

static void
on_assoc_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m)
{
	struct pf_node_id id;
	struct pf_assoc *a;
	struct assoc_wait *aw;
	uint32_t rts = 0;
	int i = pf_find(m, -1, PF_IE_NODE_ID, -1);
	uint8_t feat[8];
	size_t n_feat;

	if (i < 0 || pf_get_node_id(&m->ies[i], &id) != 0) {
		answer_assoc(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_NODE_ID, 0);
		return;
	}
	a = pf_node_state_assoc(n, &id);
	if (m->hdr.type != PF_ASSOC_SETUP_REQ && (a == NULL || a->releasing)) {
		answer_assoc(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_NO_ASSOCIATION, 0, 0);
		return;
	}
	if (m->hdr.type == PF_ASSOC_SETUP_REQ &&
	    ((i = pf_find(m, -1, PF_IE_RECOVERY_TS, -1)) < 0 || pf_get_u32(&m->ies[i], &rts) != 0)) {
		answer_assoc(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_RECOVERY_TS, 0);
		return;
	}
	if ((aw = calloc(1, sizeof(*aw))) == NULL) {
		answer_assoc(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_NO_RESOURCES, 0, 0);
		return;
	}
	*aw = (struct assoc_wait){ .sock = sock, .local = n->rx_local, .src = *src, .hdr = m->hdr };
	switch (m->hdr.type) {
	case PF_ASSOC_SETUP_REQ:
		pf_nassoc_setup(n, &id, rts, m, sock, src, true, &aw->w, setup_answer);
		return;
	case PF_ASSOC_UPDATE_REQ:
		aw->w.assoc = a->serial;
		if ((i = pf_find(m, -1, PF_IE_CP_FEATURES, -1)) >= 0) {
			n_feat = m->ies[i].len < sizeof(feat) ? m->ies[i].len : sizeof(feat);
			memcpy(feat, m->ies[i].v, n_feat);
			if (n_feat != a->n_cp_feat || memcmp(feat, a->cp_feat, n_feat) != 0) {
				memcpy(aw->was, a->cp_feat, sizeof(aw->was));
				aw->n_was = a->n_cp_feat;
				memcpy(a->cp_feat, feat, n_feat);
				a->n_cp_feat = n_feat;
				pf_nsave_start(n, &aw->w, update_answer);
				return;
			}
		}
		free(aw);
		answer_assoc(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_ACCEPTED, 0, 0);
		return;
	case PF_ASSOC_RELEASE_REQ:
		aw->w.assoc = a->serial;
		a->releasing = true;
		pf_nsave_start(n, &aw->w, release_answer);
		return;
	}
	free(aw);
}

/* ------------------------------------------------------ PFD management */

static void
answer_pfd(struct pf_node *n, uint8_t sock, const struct pf_addr *local, const struct pf_addr *src,
	   const struct pf_hdr *h, uint8_t cause, uint16_t offending)
{
	uint8_t b[128];
	int len = pf_enc_pfd_rsp(b, sizeof(b), h->seq, &n->cfg.self, cause, offending);

	if (cause != PF_CAUSE_ACCEPTED)
		pf_ncount_refusal(&n->c, h->type, cause);
	if (len > 0)
		pf_ntxn_answer(&n->x, sock, local, src, h->type, h->seq, b, (size_t)len);
}

/* The association a node request from @src belongs to: its Node ID's
 * when it names one, else one at its address (NULL: none). */
static struct pf_assoc *
node_req_assoc(struct pf_node *n, const struct pf_addr *src, const struct pf_msg *m)
{
	struct pf_node_id id;
	struct pf_assoc *a;
	int i = m != NULL ? pf_find(m, -1, PF_IE_NODE_ID, -1) : -1;

	a = i >= 0 && pf_get_node_id(&m->ies[i], &id) == 0 ? pf_node_state_assoc(n, &id) : pf_node_state_assoc_at(n, src);
	return a != NULL && !a->releasing ? a : NULL;
}

/* A PFD change answered once stored (pf_nsave). */
struct pfd_wait {
	struct pf_nsave w;
	uint8_t sock;
	struct pf_addr local, src;
	struct pf_hdr hdr;
	struct pf_pfd_undo *undo;
	int n_changed;
	char changed[PF_PFD_APPS_MAX][PF_PFD_NAME_MAX];
};

/* Not stored: put back (sessions compiled with it meanwhile are told too). */
static void
pfd_answer(struct pf_node *n, struct pf_nsave *w, int rc)
{
	struct pfd_wait *pw = (struct pfd_wait *)w;

	if (rc < 0)
		pf_pfd_undo(n->pfds, pw->undo);
	else
		pf_pfd_undo_free(pw->undo);
	pw->undo = NULL;
	answer_pfd(n, pw->sock, &pw->local, &pw->src, &pw->hdr, rc < 0 ? PF_CAUSE_SYSTEM_FAILURE : PF_CAUSE_ACCEPTED, 0);
	if (rc == 0)
		n->c.pfd_changes++;
	if (pw->n_changed > 0 && n->pfd_changed != NULL)
		n->pfd_changed(n->pfd_arg, (const char (*)[PF_PFD_NAME_MAX])pw->changed, pw->n_changed);
}

static void
on_pfd_req(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const struct pf_msg *m)
{
	struct pf_pfd_change *c;
	struct pf_pfd_err e;
	struct pfd_wait *pw;
	int rc;

	if (node_req_assoc(n, src, m) == NULL) {
		answer_pfd(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_NO_ASSOCIATION, 0);
		return;
	}
	c = calloc(1, sizeof(*c));
	pw = calloc(1, sizeof(*pw));
	if (c == NULL || pw == NULL) {
		free(c);
		free(pw);
		answer_pfd(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_NO_RESOURCES, 0);
		return;
	}
	if ((rc = pf_pfd_check(n->pfds, m, c, &e)) < 0) {
		char as[64];

		CD_LOG(WARN, "pfcp: PFD Management Request from %s refused (cause %u): %s",
		       pf_addr_str(src, as, sizeof(as)), e.cause, e.why);
		answer_pfd(n, sock, &n->rx_local, src, &m->hdr, e.cause, e.offending);
		free(c);
		free(pw);
		return;
	}
	pw->sock = sock;
	pw->local = n->rx_local;
	pw->src = *src;
	pw->hdr = m->hdr;
	if ((rc = pf_pfd_apply(n->pfds, c, pw->changed, &pw->undo)) < 0) {
		answer_pfd(n, sock, &n->rx_local, src, &m->hdr, PF_CAUSE_NO_RESOURCES, 0);
		free(c);
		free(pw);
		return;
	}
	pw->n_changed = rc;
	free(c);
	pf_nsave_start(n, &pw->w, pfd_answer);
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
			a = pf_node_state_assoc(n, &id);
	} else {
		a = pf_node_state_assoc_at(n, src);   /* one there; the session's own: the session layer's to find */
	}
	if (a == NULL || a->releasing) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_NO_ASSOCIATION, 0);
		return;
	}
	/* no session layer yet: the one place a session request is refused for that */
	if (n->ops == NULL || n->ops->request == NULL) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_REJECTED, 0);
		return;
	}
	if ((t = pf_ntxn_hand_up(&n->x, ce, sock, src, &n->rx_local, &m->hdr)) == NULL) {
		answer_sess(n, sock, src, &m->hdr, cp_seid, PF_CAUSE_NO_RESOURCES, 0);
		return;
	}
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
		if (pf_nsave_stamp_out(n) && (l = pf_enc_heartbeat(rsp, sizeof(rsp), PF_HEARTBEAT_RSP, h->seq, n->recovery)) > 0)
			pf_ntxn_answer(&n->x, sock, &n->rx_local, src, h->type, h->seq, rsp, (size_t)l);
		break;
	case PF_ASSOC_SETUP_REQ: case PF_ASSOC_UPDATE_REQ: case PF_ASSOC_RELEASE_REQ:
		answer_assoc(n, sock, &n->rx_local, src, h, r.cause, r.ie_type, 0);
		break;
	case PF_PFD_MGMT_REQ:   /* nothing changed */
		if (node_req_assoc(n, src, NULL) == NULL)
			answer_pfd(n, sock, &n->rx_local, src, h, PF_CAUSE_NO_ASSOCIATION, 0);
		else
			answer_pfd(n, sock, &n->rx_local, src, h, r.cause, r.ie_type);
		break;
	case PF_SESS_EST_REQ:
		answer_sess(n, sock, src, h, raw_cp_seid(b, len), r.cause, r.ie_type);
		break;
	case PF_SESS_MOD_REQ: case PF_SESS_DEL_REQ:
		a = pf_node_state_assoc_at(n, src);
		if (a == NULL || n->ops == NULL || n->ops->refused == NULL ||
		    (t = pf_ntxn_hand_up(&n->x, ce, sock, src, &n->rx_local, h)) == NULL) {
			answer_sess(n, sock, src, h, 0, a == NULL ? PF_CAUSE_NO_ASSOCIATION : r.cause,
				    a == NULL ? 0 : r.ie_type);
			break;
		}
		pf_ncount_refusal(&n->c, h->type, r.cause);
		n->ops->refused(n->ops_arg, a, h, r, t);
		return;
	default:
		n->c.dropped_unexpected++;
		break;
	}
	pf_ntxn_close(&n->x, ce);
}

static void
on_datagram(struct pf_node *n, uint8_t sock, const struct pf_addr *src, const uint8_t *b, size_t len)
{
	struct pf_hdr h;
	struct pf_result r;
	struct pf_centry *ce;
	uint64_t dg;

	if (len >= 2)
		n->c.in[b[1]]++;
	if (len >= PF_HDR_NODE_LEN && (b[0] >> 5) != PF_VERSION) {
		/* TS 29.244 7.2.2.1: Version Not Supported Response, a header alone */
		uint8_t v[PF_HDR_NODE_LEN] = { PF_VERSION << 5, PF_VERSION_NOT_SUPPORTED, 0, 4, b[4], b[5], b[6], 0 };

		n->c.version_refused++;
		if (is_request(b[1]))
			pf_tport_send(&n->tp, sock, &n->rx_local, src, v, sizeof(v));
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
		pf_ntxn_response(&n->x, src, b, len, &h, &n->msg);
		return;
	}
	dg = pf_cache_digest(b, len);
	if (pf_ntxn_again(&n->x, src, h.seq, h.type, dg))
		return;
	r = pf_decode(b, len, &n->msg);
	if (r.kind == PF_ERR_HEADER || r.kind == PF_ERR_UNKNOWN_MSG) {
		n->c.dropped_header++;
		return;
	}
	if (h.type == PF_NODE_REPORT_REQ || h.type == PF_SESS_REPORT_REQ) {
		n->c.dropped_unexpected++; /* the UPF sends these, never receives them */
		return;
	}
	if ((ce = pf_ntxn_open(&n->x, sock, src, &n->rx_local, h.seq, h.type, dg)) == NULL)
		return; /* no memory: the peer will send it again */
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
	case PF_PFD_MGMT_REQ:
		on_pfd_req(n, sock, src, &n->msg);
		break;
	default:
		on_sess_req(n, sock, src, &n->msg, ce);
		return;
	}
}

/* A datagram from the transport, from an allowed source. */
static void
on_rx(void *arg, uint8_t sock, const struct pf_addr *src, const struct pf_addr *local, const uint8_t *b, size_t len)
{
	struct pf_node *n = arg;

	n->rx_local = *local;
	on_datagram(n, sock, src, b, len);
}

/* --------------------------------------------------------- life */

void
pf_node_renew_recovery(struct pf_node *n)
{
	pf_nassoc_renew(n);
}

const struct pf_node_id *pf_node_self(const struct pf_node *n) { return &n->cfg.self; }
uint32_t pf_node_recovery(const struct pf_node *n) { return n->recovery; }

void
pf_node_set_handler(struct pf_node *n, const struct pf_node_ops *ops, void *arg)
{
	n->ops = ops;
	n->ops_arg = arg;
}

void
pf_node_on_saved(struct pf_node *n, void (*fn)(void *arg, json_t *doc), void *arg)
{
	n->saved = fn;
	n->saved_arg = arg;
}

struct pf_pfds *pf_node_pfds(struct pf_node *n) { return n->pfds; }

void
pf_node_on_pfd(struct pf_node *n, void (*fn)(void *arg, const char (*apps)[PF_PFD_NAME_MAX], int n_apps), void *arg)
{
	n->pfd_changed = fn;
	n->pfd_arg = arg;
}

int
pf_node_set_features(struct pf_node *n, const uint8_t *bytes, size_t len)
{
	if (len > sizeof(n->features))
		return -EINVAL;
	memcpy(n->features, bytes, len);
	n->n_features = len;
	/* PFDM (octet 5 bit 6): PFD Management is the endpoint's own (pf_pfd) */
	if (n->n_features == 0)
		n->features[n->n_features++] = 0;
	n->features[0] |= 0x20;
	return 0;
}

int
pf_node_new(const struct pf_node_cfg *cfg, struct pf_node **out, char *err, size_t len)
{
	struct pf_node *n;
	int rc;

	if (cfg->n_listen < 1 || cfg->n_listen > PF_TPORT_SOCKS_MAX || cfg->n_smfs > PF_NODE_SMFS_MAX ||
	    cfg->n_allow < 0 || cfg->n_allow > PF_ALLOW_MAX) {
		snprintf(err, len, "1..%d addresses to listen on, at most %d SMFs, %d allowed prefixes", PF_TPORT_SOCKS_MAX,
			 PF_NODE_SMFS_MAX, PF_ALLOW_MAX);
		return -EINVAL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	n->cfg = *cfg;
	n->cfg.listen = NULL;
	n->cfg.smfs = NULL;
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
	if (pf_ntxn_init(&n->x, n->base, &n->tp, &n->c, n->cfg.t1_ms, n->cfg.n1, n->cfg.cache_max,
			 n->cfg.cache_ms) < 0 ||
	    pf_tport_init(&n->tp, n->base, &n->c, cfg->allow, cfg->n_allow, on_rx, n) < 0) {
		snprintf(err, len, "out of memory");
		pf_node_free(n);
		return -ENOMEM;
	}
	n->cfg.allow = n->tp.allow;
	if ((n->pfds = pf_pfds_new()) == NULL) {
		snprintf(err, len, "out of memory");
		pf_node_free(n);
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->n_listen; i++)
		if ((rc = pf_tport_open(&n->tp, &cfg->listen[i], err, len)) < 0) {
			pf_node_free(n);
			return rc;
		}
	for (int i = 0; i < cfg->n_smfs; i++) {
		char as[64];
		int k;

		for (k = 0; k < n->tp.n_socks && n->tp.socks[k].addr.ss.ss_family != cfg->smfs[i].ss.ss_family; k++)
			;
		if (k == n->tp.n_socks) {
			snprintf(err, len, "SMF %s: no --pfcp address of its family to send from",
				 pf_addr_str(&cfg->smfs[i], as, sizeof(as)));
			pf_node_free(n);
			return -EINVAL;
		}
		if ((rc = pf_nassoc_smf_add(n, &cfg->smfs[i], (uint8_t)k)) < 0) {
			snprintf(err, len, "out of memory");
			pf_node_free(n);
			return rc;
		}
	}
	if ((rc = pf_nassoc_load(n)) < 0) {
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
	pf_nsave_orphan(n);
	while (n->assocs != NULL)
		pf_nassoc_free(n, n->assocs, PF_GONE_RELEASED, false);
	/* our setups toward SMFs end untold; what else of ours is left hears -ECANCELED */
	for (int i = 0; i < n->n_smfs; i++)
		if (n->smfs[i].pending != NULL) {
			pf_ntxn_forget(n->smfs[i].pending);
			n->smfs[i].pending = NULL;
		}
	pf_ntxn_fini(&n->x);
	for (int i = 0; i < n->n_smfs; i++)
		event_free(n->smfs[i].timer);
	pf_tport_fini(&n->tp);
	pf_pfds_free(n->pfds);
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
	for (int i = 0; i < n->tp.n_socks; i++)
		json_array_append_new(socks, json_string(pf_addr_str(&n->tp.socks[i].addr, t, sizeof(t))));
	/* null: datagrams are taken from anywhere */
	allow = n->tp.n_allow > 0 ? json_array() : json_null();
	for (int i = 0; i < n->tp.n_allow; i++)
		json_array_append_new(allow, json_string(pf_prefix_str(&n->tp.allow[i], s, sizeof(s))));
	return json_pack("{s:s,s:I,s:s*,s:s,s:o,s:o,s:o,s:o,s:o}", "node_id", pf_node_id_str(&n->cfg.self, s, sizeof(s)),
			 "recovery_ts", (json_int_t)n->recovery, "restore_error",
			 n->restore_error[0] ? n->restore_error : NULL, "up_features", feat, "listen", socks, "allow",
			 allow, "associations", as, "counters", pf_ncount_json(&n->c), "pfds", pf_pfd_stats(n->pfds));
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
		      (double)pf_ntxn_cached(&n->x), NULL);
}
