/* SPDX-License-Identifier: BSD-3-Clause */
/* The PFCP endpoint's transactions: a peer's request answered once (the answer kept for its retransmissions), ours retransmitted until answered (see pf_node_priv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cd_clock.h"
#include "pf_node.h"
#include "pf_node_priv.h"

/* ------------------------------------------------------- transactions */

uint8_t pf_txn_type(const struct pf_txn *t) { return t->type; }
uint32_t pf_txn_seq(const struct pf_txn *t) { return t->seq; }
uint64_t pf_txn_seid(const struct pf_txn *t) { return t->seid; }
const struct pf_addr *pf_txn_peer(const struct pf_txn *t) { return &t->peer; }

static void
txn_free(struct pf_txn *t)
{
	struct pf_node *n = t->n;

	if (t->prev)
		t->prev->next = t->next;
	else
		n->txns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	free(t);
}

int
pf_txn_reply(struct pf_txn *t, const uint8_t *b, size_t len)
{
	struct pf_node *n = t->n;
	uint16_t vl = 0;
	const uint8_t *cv = pf_peek_ie(b, len, PF_IE_CAUSE, &vl);
	uint8_t *c = malloc(len ? len : 1), cause = cv != NULL && vl >= 1 ? cv[0] : 0;
	int rc;

	/* the session layer's refusals counted with the node's, by cause */
	if (cause != 0 && cause != PF_CAUSE_ACCEPTED)
		pf_ncount_refusal(&n->c, t->type, cause);

	if (c == NULL) {
		pf_txn_drop(t);
		return -ENOMEM;
	}
	memcpy(c, b, len);
	pf_put_seq(c, len, t->seq);
	rc = pf_node_send(n, t->sock, &t->local, &t->peer, c, len);
	if (t->ce != NULL) {
		pf_cache_fill(&n->cache, t->ce, c, len, cd_clock_ms());
	}
	free(c);
	txn_free(t);
	return rc;
}

void
pf_txn_drop(struct pf_txn *t)
{
	if (t->ce != NULL)
		pf_cache_del(&t->n->cache, t->ce);
	txn_free(t);
}

/* ------------------------------------------------------- our requests */

static void
on_oreq_timer(evutil_socket_t fd, short what, void *arg)
{
	struct oreq *o = arg;
	struct pf_node *n = o->n;
	struct timeval tv;

	(void)fd;
	(void)what;
	if (o->tries < n->cfg.n1) {
		o->tries++;
		n->c.retransmits++;
		pf_node_send(n, o->sock, &o->src, &o->dst, o->b, o->len);
		ms_tv(n->cfg.t1_ms, &tv);
		evtimer_add(o->timer, &tv);
		return;
	}
	pf_req_done *done = o->done;
	void *darg = o->arg;

	pf_oreq_free(o);
	done(darg, -ETIMEDOUT, NULL);
}

void
pf_oreq_free(struct oreq *o)
{
	struct pf_node *n = o->n;

	if (o->prev)
		o->prev->next = o->next;
	else
		n->oreqs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	event_free(o->timer);
	free(o->b);
	free(o);
}

struct oreq *
pf_oreq_send(struct pf_node *n, struct pf_assoc *a, uint8_t sock, const struct pf_addr *src, const struct pf_addr *dst,
	     const uint8_t *b, size_t len, pf_req_done *done, void *arg)
{
	struct oreq *o = calloc(1, sizeof(*o));
	struct timeval tv;

	if (o == NULL || len < PF_HDR_NODE_LEN || (o->b = malloc(len)) == NULL ||
	    (o->timer = evtimer_new(n->base, on_oreq_timer, o)) == NULL) {
		if (o)
			free(o->b);
		free(o);
		return NULL;
	}
	memcpy(o->b, b, len);
	o->n = n;
	o->a = a;
	o->dst = *dst;
	o->src = *src;
	o->sock = sock;
	o->type = b[1];
	o->len = len;
	o->done = done;
	o->arg = arg;
	n->next_seq = (n->next_seq + 1) & 0xffffff;
	if (n->next_seq == 0)
		n->next_seq = 1;
	o->seq = n->next_seq;
	pf_put_seq(o->b, len, o->seq);
	o->next = n->oreqs;
	if (n->oreqs)
		n->oreqs->prev = o;
	n->oreqs = o;
	pf_node_send(n, sock, src, dst, o->b, len);
	ms_tv(n->cfg.t1_ms, &tv);
	evtimer_add(o->timer, &tv);
	return o;
}

int
pf_node_request(struct pf_node *n, struct pf_assoc *a, const uint8_t *b, size_t len, pf_req_done *done,
		void *arg)
{
	if (a == NULL || done == NULL || len < PF_HDR_NODE_LEN || !is_request(b[1]))
		return -EINVAL;
	return pf_oreq_send(n, a, a->sock, &a->local, &a->peer, b, len, done, arg) ? 0 : -ENOMEM;
}

/* Our requests to @a end: their callers hear it (-ECANCELED). */
void
pf_oreq_cancel(struct pf_node *n, struct pf_assoc *a)
{
	struct oreq *o = n->oreqs, *next;

	while (o != NULL) {
		next = o->next;
		if (o->a == a) {
			pf_req_done *done = o->done;
			void *darg = o->arg;

			pf_oreq_free(o);
			done(darg, -ECANCELED, NULL);
			next = n->oreqs; /* the callback may have ended others */
		}
		o = next;
	}
}
