/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ntypes: the PFCP endpoint's types its modules and its public header share (pf_node.h): its config, the session layer's hooks, timer delays. */
#ifndef PF_NTYPES_H
#define PF_NTYPES_H

#include <stdbool.h>
#include <sys/time.h>

#include "pf_addr.h"
#include "pf_codec.h"

struct event_base;
struct cd_res;
struct pf_assoc;
struct pf_txn;

/* The associations' default bound: each costs its state, a line in the
 * store's document and a label in /metrics, so a peer inventing Node IDs
 * must not grow them without end. */
#define PF_ASSOC_MAX 64
/* --pfcp-allow prefixes at most. */
#define PF_ALLOW_MAX 64

struct pf_node_cfg {
	struct event_base *base;
	struct cd_res *res;		/* where the Recovery Time Stamp is kept ("pfcp"); NULL: not kept */
	const struct pf_addr *listen;	/* the sockets to open */
	int n_listen;
	struct pf_node_id self;		/* our Node ID */
	const struct pf_addr *smfs;	/* SMFs to set up an association with (UPF-initiated) */
	int n_smfs;
	unsigned int heartbeat_ms;	/* a Heartbeat Request to each associated peer this often */
	unsigned int t1_ms, n1;		/* our requests: resent every T1, N1 times */
	unsigned int grace_ms;		/* a peer unreachable this long: its association goes */
	unsigned int cache_ms;		/* answers kept for retransmissions at least this long; 0: (N1+1)*T1 + 5 s */
	unsigned int cache_max;		/* at most this many (oldest out); 0: 65536 */
	unsigned int max_assocs;	/* associations (SMFs) at most; 0: PF_ASSOC_MAX */
	/* where datagrams may come from (copied); none: anywhere. PFCP has
	 * no authentication of its own: a datagram from elsewhere is dropped
	 * before it is read, counted and never answered. */
	const struct pf_prefix *allow;
	int n_allow;
};

/* A timer's delay of @ms milliseconds, as libevent takes it. */
static inline struct timeval
pf_ms_tv(unsigned int ms)
{
	return (struct timeval){ .tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
}

/* Our request's end (pf_node_request). */
typedef void pf_req_done(void *arg, int rc, const struct pf_msg *rsp);

/* Why an association went. */
enum pf_gone {
	PF_GONE_RELEASED,	/* the SMF released it (Association Release Request) */
	PF_GONE_SMF_RESTARTED,	/* a new Recovery Time Stamp from the SMF (setup or heartbeat) */
	PF_GONE_UNREACHABLE,	/* heartbeats unanswered past the grace period */
};

/* "released", "smf_restarted", "unreachable" */
static inline const char *
pf_gone_name(enum pf_gone why)
{
	switch (why) {
	case PF_GONE_RELEASED: return "released";
	case PF_GONE_SMF_RESTARTED: return "smf_restarted";
	case PF_GONE_UNREACHABLE: return "unreachable";
	}
	return "?";
}

/* The session layer. Calls come from the loop, never from inside a call of
 * the layer's into pf_node. */
struct pf_node_ops {
	/* A session request (Establishment, Modification, Deletion) that
	 * decoded: answer it with pf_txn_reply (now or later) or let it go
	 * with pf_txn_drop. @a: an Establishment's, the association of its
	 * Node ID; otherwise one association at the request's address (the
	 * session's own may be another there: match by UP SEID and
	 * pf_txn_peer). @m and its bytes live only during the call. */
	void (*request)(void *arg, struct pf_assoc *a, const struct pf_msg *m, struct pf_txn *t);
	/* A Modification or Deletion Request the codec refused
	 * (@r: cause and offending IE), @h its header (h->seid the UP SEID):
	 * answer @t. NULL: answered here with SEID 0. */
	void (*refused)(void *arg, struct pf_assoc *a, const struct pf_hdr *h, struct pf_result r,
			struct pf_txn *t);
	/* @a set up (or set up again after PF_GONE_SMF_RESTARTED). */
	void (*assoc_up)(void *arg, struct pf_assoc *a);
	/* @a's heartbeats went unanswered (@reachable false: N1 times; the
	 * association is kept for the grace period) or are answered again. */
	void (*assoc_reachable)(void *arg, struct pf_assoc *a, bool reachable);
	/* @a's sessions go. PF_GONE_SMF_RESTARTED: @a stays (its new Recovery
	 * Time Stamp) and assoc_up follows; otherwise @a is freed after the
	 * call. */
	void (*assoc_gone)(void *arg, struct pf_assoc *a, enum pf_gone why);
};

#endif
