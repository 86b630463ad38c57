/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ntypes: the PFCP endpoint's types its public and private headers share (pf_node.h, pf_node_priv.h). */
#ifndef PF_NTYPES_H
#define PF_NTYPES_H

#include "pf_addr.h"
#include "pf_codec.h"

struct event_base;
struct cd_res;

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

/* Our request's end (pf_node_request). */
typedef void pf_req_done(void *arg, int rc, const struct pf_msg *rsp);

#endif
