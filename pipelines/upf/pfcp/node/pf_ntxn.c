/* SPDX-License-Identifier: BSD-3-Clause */
/* The PFCP endpoint's transactions: a peer's request answered once (the answer kept for its retransmissions), ours retransmitted until answered (see pf_ntxn.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cd_clock.h"
#include "pf_ntxn.h"

struct pf_txn {
	struct pf_ntxn *x;
	struct pf_txn *prev, *next;
	struct pf_centry *ce;
	struct pf_addr peer;
	struct pf_addr local;	/* the address it came to: the answer's source */
	uint8_t sock, type;
	uint32_t seq;
	uint64_t seid;
};

/* One request of ours waiting for its answer. */
struct pf_oreq {
	struct pf_ntxn *x;
	struct pf_oreq *prev, *next;
	struct pf_assoc *a;	/* NULL: not an association's (setup toward an SMF) */
	struct pf_addr dst;
	struct pf_addr src;	/* sent from (a wildcard: the kernel's choice) */
	uint8_t sock, type;
	uint32_t seq;
	unsigned int tries;
	struct event *timer;
	pf_req_done *done;
	void *arg;
	uint8_t *b;
	size_t len;
};

static void
t1_add(struct pf_ntxn *x, struct event *ev)
{
	struct timeval tv = pf_ms_tv(x->t1_ms);

	evtimer_add(ev, &tv);
}

/* ------------------------------------------------------- a peer's requests */

bool
pf_ntxn_again(struct pf_ntxn *x, const struct pf_addr *src, uint32_t seq, uint8_t type, uint64_t digest)
{
	struct pf_centry *ce = pf_cache_find(&x->cache, src, seq, type);

	if (ce == NULL)
		return false;
	if (ce->digest != digest) {
		/* another request under the same number: the old one's answer
		 * is not its; while that one is pending, its sender tries again */
		x->c->seq_reused++;
		if (ce->owner != NULL)
			return true;
		pf_cache_del(&x->cache, ce);
		return false;
	}
	if (ce->owner != NULL) {
		x->c->pending_ignored++;
	} else if (ce->b != NULL) {
		x->c->from_cache++;
		pf_tport_send(x->tp, ce->sock, &ce->local, src, ce->b, ce->len);
	}
	return true;
}

struct pf_centry *
pf_ntxn_open(struct pf_ntxn *x, uint8_t sock, const struct pf_addr *src, const struct pf_addr *local, uint32_t seq,
	     uint8_t type, uint64_t digest)
{
	struct pf_centry *ce = pf_cache_add(&x->cache, sock, src, seq, type, cd_clock_ms());

	if (ce != NULL) {
		ce->local = *local;
		ce->digest = digest;
	}
	return ce;
}

void
pf_ntxn_answer(struct pf_ntxn *x, uint8_t sock, const struct pf_addr *local, const struct pf_addr *to, uint8_t rtype,
	       uint32_t seq, uint8_t *b, size_t len)
{
	struct pf_centry *e;

	pf_put_seq(b, len, seq);
	pf_tport_send(x->tp, sock, local, to, b, len);
	if ((e = pf_cache_find(&x->cache, to, seq, rtype)) == NULL &&
	    (e = pf_cache_add(&x->cache, sock, to, seq, rtype, cd_clock_ms())) != NULL)
		e->local = *local;
	if (e != NULL)
		pf_cache_fill(&x->cache, e, b, len, cd_clock_ms());
}

struct pf_txn *
pf_ntxn_hand_up(struct pf_ntxn *x, struct pf_centry *ce, uint8_t sock, const struct pf_addr *src,
		const struct pf_addr *local, const struct pf_hdr *h)
{
	struct pf_txn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	*t = (struct pf_txn){ .x = x, .ce = ce, .peer = *src, .local = *local, .sock = sock, .type = h->type,
			      .seq = h->seq, .seid = h->seid };
	ce->owner = t;
	t->next = x->txns;
	if (x->txns)
		x->txns->prev = t;
	x->txns = t;
	return t;
}

void
pf_ntxn_close(struct pf_ntxn *x, struct pf_centry *ce)
{
	if (ce->owner == NULL && ce->b == NULL)
		pf_cache_del(&x->cache, ce);
}

/* ------------------------------------------------------- transactions */

uint8_t pf_txn_type(const struct pf_txn *t) { return t->type; }
uint32_t pf_txn_seq(const struct pf_txn *t) { return t->seq; }
uint64_t pf_txn_seid(const struct pf_txn *t) { return t->seid; }
const struct pf_addr *pf_txn_peer(const struct pf_txn *t) { return &t->peer; }

static void
txn_free(struct pf_txn *t)
{
	struct pf_ntxn *x = t->x;

	if (t->prev)
		t->prev->next = t->next;
	else
		x->txns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	free(t);
}

int
pf_txn_reply(struct pf_txn *t, const uint8_t *b, size_t len)
{
	struct pf_ntxn *x = t->x;
	uint16_t vl = 0;
	const uint8_t *cv = pf_peek_ie(b, len, PF_IE_CAUSE, &vl);
	uint8_t *c = malloc(len ? len : 1), cause = cv != NULL && vl >= 1 ? cv[0] : 0;
	int rc;

	/* the session layer's refusals counted with the node's, by cause */
	if (cause != 0 && cause != PF_CAUSE_ACCEPTED)
		pf_ncount_refusal(x->c, t->type, cause);

	if (c == NULL) {
		pf_txn_drop(t);
		return -ENOMEM;
	}
	memcpy(c, b, len);
	pf_put_seq(c, len, t->seq);
	rc = pf_tport_send(x->tp, t->sock, &t->local, &t->peer, c, len);
	if (t->ce != NULL) {
		pf_cache_fill(&x->cache, t->ce, c, len, cd_clock_ms());
	}
	free(c);
	txn_free(t);
	return rc;
}

void
pf_txn_drop(struct pf_txn *t)
{
	if (t->ce != NULL)
		pf_cache_del(&t->x->cache, t->ce);
	txn_free(t);
}

/* ------------------------------------------------------- our requests */

static void
on_oreq_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_oreq *o = arg;
	struct pf_ntxn *x = o->x;

	(void)fd;
	(void)what;
	if (o->tries < x->n1) {
		o->tries++;
		x->c->retransmits++;
		pf_tport_send(x->tp, o->sock, &o->src, &o->dst, o->b, o->len);
		t1_add(x, o->timer);
		return;
	}
	pf_req_done *done = o->done;
	void *darg = o->arg;

	pf_ntxn_forget(o);
	done(darg, -ETIMEDOUT, NULL);
}

void
pf_ntxn_forget(struct pf_oreq *o)
{
	struct pf_ntxn *x = o->x;

	if (o->prev)
		o->prev->next = o->next;
	else
		x->oreqs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	event_free(o->timer);
	free(o->b);
	free(o);
}

struct pf_oreq *
pf_ntxn_request(struct pf_ntxn *x, struct pf_assoc *a, uint8_t sock, const struct pf_addr *src,
		const struct pf_addr *dst, const uint8_t *b, size_t len, pf_req_done *done, void *arg)
{
	struct pf_oreq *o = calloc(1, sizeof(*o));

	if (o == NULL || len < PF_HDR_NODE_LEN || (o->b = malloc(len)) == NULL ||
	    (o->timer = evtimer_new(x->base, on_oreq_timer, o)) == NULL) {
		if (o)
			free(o->b);
		free(o);
		return NULL;
	}
	memcpy(o->b, b, len);
	o->x = x;
	o->a = a;
	o->dst = *dst;
	o->src = *src;
	o->sock = sock;
	o->type = b[1];
	o->len = len;
	o->done = done;
	o->arg = arg;
	x->next_seq = (x->next_seq + 1) & 0xffffff;
	if (x->next_seq == 0)
		x->next_seq = 1;
	o->seq = x->next_seq;
	pf_put_seq(o->b, len, o->seq);
	o->next = x->oreqs;
	if (x->oreqs)
		x->oreqs->prev = o;
	x->oreqs = o;
	pf_tport_send(x->tp, sock, src, dst, o->b, len);
	t1_add(x, o->timer);
	return o;
}

/* Those of @a, or all (@all). */
static void
cancel(struct pf_ntxn *x, struct pf_assoc *a, bool all)
{
	struct pf_oreq *o = x->oreqs, *next;

	while (o != NULL) {
		next = o->next;
		if (all || o->a == a) {
			pf_req_done *done = o->done;
			void *darg = o->arg;

			pf_ntxn_forget(o);
			done(darg, -ECANCELED, NULL);
			next = x->oreqs; /* the callback may have ended others */
		}
		o = next;
	}
}

void
pf_ntxn_cancel(struct pf_ntxn *x, struct pf_assoc *a)
{
	cancel(x, a, false);
}

/* The one request of ours to @from that an Association Setup or Release
 * Response answers whatever its number: free5GC's SMF answers both with
 * sequence number 1 (its SendPfcpAssociationSetupResponse), not the
 * request's; NULL when none, or more than one, could be meant. */
static struct pf_oreq *
assoc_answered(struct pf_ntxn *x, const struct pf_addr *from, uint8_t type)
{
	struct pf_oreq *o, *found = NULL;

	if (type != PF_ASSOC_SETUP_RSP && type != PF_ASSOC_RELEASE_RSP)
		return NULL;
	for (o = x->oreqs; o != NULL; o = o->next)
		if (o->type + 1 == type && pf_addr_same(&o->dst, from)) {
			if (found != NULL)
				return NULL;
			found = o;
		}
	if (found != NULL)
		x->c->seq_mismatched++;
	return found;
}

void
pf_ntxn_response(struct pf_ntxn *x, const struct pf_addr *from, const uint8_t *b, size_t len,
		 const struct pf_hdr *h, struct pf_msg *scratch)
{
	struct pf_oreq *o;
	struct pf_result r;

	/* an answer comes from where its request went (TS 29.244 6.4) */
	for (o = x->oreqs; o != NULL; o = o->next)
		if (o->seq == h->seq && (h->type == o->type + 1 || h->type == PF_VERSION_NOT_SUPPORTED) &&
		    pf_addr_same(&o->dst, from))
			break;
	if (o == NULL && (o = assoc_answered(x, from, h->type)) == NULL) {
		x->c->dropped_unmatched++;
		return;
	}
	pf_req_done *done = o->done;
	void *darg = o->arg;

	if (h->type == PF_VERSION_NOT_SUPPORTED) {
		pf_ntxn_forget(o);
		done(darg, -EPROTONOSUPPORT, NULL);
		return;
	}
	r = pf_decode(b, len, scratch);
	if (r.kind == PF_ERR_HEADER) {
		x->c->dropped_header++;
		return; /* resent until a good one comes */
	}
	pf_ntxn_forget(o);
	done(darg, r.kind == PF_OK ? 0 : -EBADMSG, r.kind == PF_OK ? scratch : NULL);
}

/* ------------------------------------------------------------ life */

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct pf_ntxn *x = arg;

	(void)fd;
	(void)what;
	pf_cache_expire(&x->cache, cd_clock_ms());
}

int
pf_ntxn_init(struct pf_ntxn *x, struct event_base *base, struct pf_tport *tp, struct pf_ncount *c,
	     unsigned int t1_ms, unsigned int n1, size_t cache_max, uint64_t cache_ms)
{
	struct timeval tv = pf_ms_tv(1000);

	x->base = base;
	x->tp = tp;
	x->c = c;
	x->t1_ms = t1_ms;
	x->n1 = n1;
	x->next_seq = (uint32_t)(time(NULL) & 0xffff);
	if (pf_cache_init(&x->cache, cache_max, cache_ms) < 0 ||
	    (x->sweep = event_new(base, -1, EV_PERSIST, on_sweep, x)) == NULL)
		return -ENOMEM;
	event_add(x->sweep, &tv);
	return 0;
}

void
pf_ntxn_fini(struct pf_ntxn *x)
{
	cancel(x, NULL, true);
	while (x->txns != NULL)
		pf_txn_drop(x->txns);
	pf_cache_fini(&x->cache);
	if (x->sweep)
		event_free(x->sweep);
	x->sweep = NULL;
}

size_t
pf_ntxn_cached(const struct pf_ntxn *x)
{
	return x->cache.n;
}
