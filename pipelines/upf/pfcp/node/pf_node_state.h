/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node_state: the PFCP endpoint's state its modules share (pf_nassoc, pf_node): the node, its associations, the SMFs it sets up with; the lookups over them. */
/*
 * What the endpoint's modules share, and only they (pf_node.h keeps the
 * node and its associations opaque to the session layer). It includes
 * none of the endpoint's modules but those below it: the transport
 * (pf_tport) and the transactions (pf_ntxn) the node holds.
 */
#ifndef PF_NODE_STATE_H
#define PF_NODE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_addr.h"
#include "pf_codec.h"
#include "pf_ncount.h"
#include "pf_ntxn.h"
#include "pf_ntypes.h"
#include "pf_pfd.h"
#include "pf_tport.h"

struct event;
struct event_base;
struct cd_res;
struct pf_nsave;

#define PF_NODE_SMFS_MAX 16

/* An SMF we set up an association with (--pfcp-smf). */
struct pf_smf {
	struct pf_node *n;
	struct pf_addr addr;
	uint8_t sock;
	struct pf_assoc *a;	/* once set up */
	struct pf_oreq *pending;
	struct event *timer;
	unsigned int backoff_ms;
	uint64_t tries, refusals;
};

struct pf_assoc {
	struct pf_node *n;
	struct pf_assoc *prev, *next;
	struct pf_node_id id;
	char name[260];
	struct pf_addr peer;
	struct pf_addr local;		/* where its requests came to: ours go from there */
	uint8_t sock;
	uint32_t recovery;
	uint32_t rts_heard;		/* a later stamp its Heartbeat Request said once (0: none) */
	uint64_t rts_heard_ms;		/* when it first said it */
	uint8_t cp_feat[8];
	size_t n_cp_feat;
	bool reachable;
	bool restored;			/* from the store at start */
	uint64_t since_ms;		/* set up at; unreachable since, when not reachable */
	uint64_t last_hb_ms;		/* a heartbeat answered last, or 0 */
	uint64_t hb_failures;
	struct event *hb_timer;
	struct pf_oreq *hb;		/* our heartbeat under way */
	struct pf_smf *smf;		/* set up by us toward it */
	uint64_t serial;		/* this node's n-th association: found again after a save */
	bool releasing;			/* its release being stored: in no document any more */
};

struct pf_node {
	struct pf_node_cfg cfg;
	struct cd_res *res;
	struct event_base *base;
	struct pf_tport tp;		/* its sockets */
	struct pf_ntxn x;		/* its transactions, over tp */
	struct pf_smf smfs[PF_NODE_SMFS_MAX];
	int n_smfs;
	const struct pf_node_ops *ops;
	void *ops_arg;
	uint8_t features[8];
	size_t n_features;
	void (*saved)(void *arg, json_t *doc);	/* told each state document stored (pf_pair) */
	void *saved_arg;
	uint32_t recovery;
	bool recovery_unstored;		/* a new one the store has not taken yet: not sent */
	struct pf_assoc *assocs;
	int n_assocs;
	uint64_t serials;		/* the last association's serial */
	struct pf_nsave *saves;		/* the "pfcp" document's under way (pf_nsave) */
	struct pf_addr rx_local;	/* the address the datagram handled now came to */
	struct pf_msg msg;
	struct pf_ncount c;
	char restore_error[320];	/* why the stored associations were not restored ("" none) */
	struct pf_pfds *pfds;		/* the PFDs SMFs provisioned (pf_pfd), in the "pfcp" document */
	void (*pfd_changed)(void *arg, const char (*apps)[PF_PFD_NAME_MAX], int n);	/* told of them (pf_node_on_pfd) */
	void *pfd_arg;
};

/* The association of Node ID @id (NULL: none). */
struct pf_assoc *pf_node_state_assoc(const struct pf_node *n, const struct pf_node_id *id);
/* The association requests from @src belong to: the one set up from that
 * address and port, else from that address (NULL: none). */
struct pf_assoc *pf_node_state_assoc_at(const struct pf_node *n, const struct pf_addr *src);
/* The association of serial @serial (NULL: gone). */
struct pf_assoc *pf_node_state_assoc_serial(const struct pf_node *n, uint64_t serial);
/* The association whose printed Node ID is @name, FQDNs without case (NULL: none). */
struct pf_assoc *pf_node_state_assoc_named(const struct pf_node *n, const char *name);

#endif
