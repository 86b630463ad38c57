/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ntxn: the PFCP endpoint's transactions over its transport: a peer's request answered once, ours resent until answered. */
/*
 * Transactions own sending (TS 29.244 6.4): a message leaves through here,
 * numbered, onto the transport (pf_tport), and nothing below calls back up
 * but through the callbacks it was given.
 *
 * A peer's request is taken up once: its answer is kept in a response
 * cache keyed by (peer address and port, sequence number, type), so a
 * retransmission is answered from it and never handed up twice; one that
 * comes while its answer is pending is ignored. The node answers a
 * request now (pf_ntxn_answer), or hands it up to the session layer as a
 * transaction (struct pf_txn) answered later (pf_txn_reply).
 *
 * Our requests (struct pf_oreq) get a fresh sequence number, are resent
 * every T1 up to N1 times and end once: answered, timed out, refused, or
 * cancelled with what they were for (an association).
 */
#ifndef PF_NTXN_H
#define PF_NTXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_addr.h"
#include "pf_cache.h"
#include "pf_codec.h"
#include "pf_ncount.h"
#include "pf_ntypes.h"
#include "pf_tport.h"

struct event;
struct event_base;
struct pf_assoc;
struct pf_oreq;
struct pf_txn;

struct pf_ntxn {
	struct event_base *base;
	struct pf_tport *tp;		/* where messages go */
	struct pf_ncount *c;		/* the endpoint's counters */
	unsigned int t1_ms, n1;		/* ours: resent every T1, N1 times */
	struct pf_cache cache;		/* answers for retransmissions */
	struct event *sweep;		/* old answers out, each second */
	struct pf_txn *txns;		/* handed up, not answered yet */
	struct pf_oreq *oreqs;		/* ours, not answered yet */
	uint32_t next_seq;
};

/* @x (zeroed by its owner) over @tp: 0, or -ENOMEM (pf_ntxn_fini all the same). */
int pf_ntxn_init(struct pf_ntxn *x, struct event_base *base, struct pf_tport *tp, struct pf_ncount *c,
		 unsigned int t1_ms, unsigned int n1, size_t cache_max, uint64_t cache_ms);
/* Our requests still under way end (-ECANCELED; pf_ntxn_forget those
 * whose callers must not hear it first), the ones handed up are dropped,
 * the cache goes. */
void pf_ntxn_fini(struct pf_ntxn *x);
/* Answers kept for retransmissions now. */
size_t pf_ntxn_cached(const struct pf_ntxn *x);

/* --- a peer's requests --- */

/* Request (@type, @seq, its bytes' pf_cache_digest @digest) from @src
 * seen before: answered again from the cache, or ignored while its answer
 * is pending: true. False: a new one, also when the number is an earlier
 * request's whose bytes differ (its answered entry goes; one pending is
 * waited for: true). */
bool pf_ntxn_again(struct pf_ntxn *x, const struct pf_addr *src, uint32_t seq, uint8_t type, uint64_t digest);
/* A new request taken up (its entry in the cache, pending): NULL when out
 * of memory (the peer will send it again). */
struct pf_centry *pf_ntxn_open(struct pf_ntxn *x, uint8_t sock, const struct pf_addr *src,
			       const struct pf_addr *local, uint32_t seq, uint8_t type, uint64_t digest);
/* Answer request (@rtype, @seq) from @to now: @b numbered, sent from
 * @local on @sock, kept for its retransmissions. */
void pf_ntxn_answer(struct pf_ntxn *x, uint8_t sock, const struct pf_addr *local, const struct pf_addr *to,
		    uint8_t rtype, uint32_t seq, uint8_t *b, size_t len);
/* Request @ce handed up as a transaction answered later (NULL: no memory). */
struct pf_txn *pf_ntxn_hand_up(struct pf_ntxn *x, struct pf_centry *ce, uint8_t sock, const struct pf_addr *src,
			       const struct pf_addr *local, const struct pf_hdr *h);
/* Request @ce neither answered nor handed up: forgotten (a retransmission
 * is taken up again). */
void pf_ntxn_close(struct pf_ntxn *x, struct pf_centry *ce);

/* A request handed up, to be answered once. */
uint8_t pf_txn_type(const struct pf_txn *t);
uint32_t pf_txn_seq(const struct pf_txn *t);
uint64_t pf_txn_seid(const struct pf_txn *t);		/* the header's (UP SEID; 0 for an Establishment) */
const struct pf_addr *pf_txn_peer(const struct pf_txn *t);
/* Send @b (a whole message; its sequence number is written here), keep it
 * for retransmissions, free @t: 0 or -errno (@t freed all the same). A
 * refusal (its Cause) is counted with the node's. */
int pf_txn_reply(struct pf_txn *t, const uint8_t *b, size_t len);
/* Free @t without an answer (a retransmission will be handed up again). */
void pf_txn_drop(struct pf_txn *t);

/* --- ours --- */

/* Our request @b (copied, a fresh sequence number put in) sent on @sock
 * from @src to @dst and resent every T1 up to N1 times; @done once (rc 0
 * and the decoded answer, -ETIMEDOUT, -EBADMSG, -EPROTONOSUPPORT or
 * -ECANCELED). @a: the association it is for (NULL: a setup toward an
 * SMF), only compared. NULL when out of memory (@done is never called). */
struct pf_oreq *pf_ntxn_request(struct pf_ntxn *x, struct pf_assoc *a, uint8_t sock, const struct pf_addr *src,
				const struct pf_addr *dst, const uint8_t *b, size_t len, pf_req_done *done,
				void *arg);
/* Forgotten, its caller not told. */
void pf_ntxn_forget(struct pf_oreq *o);
/* Our requests for @a end: their callers hear it (-ECANCELED). */
void pf_ntxn_cancel(struct pf_ntxn *x, struct pf_assoc *a);
/* A response from @from (@h its decoded header): to the request of ours
 * it answers (its number, from where it went; an Association Setup or
 * Release Response from there whatever its number, when one request
 * alone can be meant: free5GC numbers those 1), decoded into @scratch;
 * counted and dropped when it answers none. */
void pf_ntxn_response(struct pf_ntxn *x, const struct pf_addr *from, const uint8_t *b, size_t len,
		      const struct pf_hdr *h, struct pf_msg *scratch);

#endif
