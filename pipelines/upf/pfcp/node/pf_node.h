/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node: the UPF's PFCP endpoint (TS 29.244 6.2, 6.4, 7.2.2, 7.4): sockets, associations, heartbeats, transactions; what the session layer sees of it. */
/*
 * On sxcd's libevent loop, in modules each calling only those below it:
 * the transport (pf_tport: the UDP sockets of --pfcp, the --pfcp-allow
 * filter), the transactions over it (pf_ntxn: the response cache, our
 * requests resent), the state they share (pf_node_state), the
 * associations (pf_nassoc: set up, heartbeats, the store) and this one,
 * the endpoint: it opens and frees the others and takes each datagram.
 *
 * A datagram from outside the allowed prefixes (--pfcp-allow, when given)
 * is dropped unread and unanswered, counted (refused_source) and logged
 * at most every 10 s. Every other datagram is decoded
 * (pf_codec) and either answered here (node procedures, refusals) or
 * handed to the session layer (struct pf_node_ops) as a transaction it
 * answers later (its writes to sxdp are asynchronous). Answers go to the
 * exact source address and port of the request, from the socket it came
 * in on. Every answered request is kept in a response cache keyed by
 * (peer address, port, sequence number, type): a retransmission is
 * answered from it and never handed up twice; one that comes while its
 * answer is pending is ignored.
 *
 * Associations are keyed by the peer's Node ID; several (Node IDs) may
 * share one address. A session request is refused here with No
 * established PFCP Association (72) when there is none: the Establishment
 * by its Node ID IE (whatever else is associated from that address), the
 * others when no association is at their source address. A session is
 * the association's that established it: a Modification or Deletion is
 * the session layer's to match by UP SEID and address (Session context
 * not found from another address). Heartbeats are per peer address: all
 * the associations there are reachable by one.
 *
 * Session requests the codec refuses: an Establishment is answered here
 * (the codec's Cause and Offending IE; SEID: the CP F-SEID's when one
 * can be read, else 0). A Modification or Deletion is given to
 * ops.refused when set (the session layer knows which CP SEID
 * the UP SEID in the header maps to: it answers with that, or with SEID
 * 0 and Session context not found); without it, answered here with SEID 0
 * and the codec's Cause.
 */
#ifndef PF_NODE_H
#define PF_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <jansson.h>

#include "pf_addr.h"
#include "pf_codec.h"
#include "pf_ntxn.h"
#include "pf_ntypes.h"
#include "pf_pfd.h"

struct event_base;
struct cd_res;
struct cd_vis_fams;
struct pf_node;
struct pf_assoc;
struct pf_txn;


/* Opens the sockets and takes the Recovery Time Stamp (the stored one, or
 * now). 0 and *@out, or -errno with why in @err. */
int pf_node_new(const struct pf_node_cfg *cfg, struct pf_node **out, char *err, size_t len);
/* ... and, with the stored stamp, the associations stored with it (the
 * store's "pfcp" document, pf_ndoc.h; kept durably before any request
 * that changes one is answered): associated again as they were (no
 * assoc_up: the session layer finds them with pf_node_assoc_by_name),
 * each sent a heartbeat at once, so an SMF that restarted meanwhile is
 * seen (assoc_gone PF_GONE_SMF_RESTARTED) and one that stays unreachable
 * goes after the grace period. A stored document that does not read back
 * restores none and takes a new stamp (logged; "restore_error" in the
 * status). */
/* Sessions' transactions still pending are freed (the session layer lets
 * go of them first). */
void pf_node_free(struct pf_node *n);

/* Why an association went (enum pf_gone, pf_gone_name) and the session
 * layer's hooks (struct pf_node_ops): pf_ntypes.h. */

/* The session layer: until set, a session request from an associated peer
 * is refused with Request rejected (64). */
void pf_node_set_handler(struct pf_node *n, const struct pf_node_ops *ops, void *arg);
/* @fn told each time the node's state document (its Recovery Time Stamp
 * and associations, cd_host_state "pfcp") is stored: the pair's replica. */
void pf_node_on_saved(struct pf_node *n, void (*fn)(void *arg, json_t *doc), void *arg);
/* UP Function Features, as the session layer implements them (at most 8
 * octets), sent in our Association Setup Request/Response; none until set. */
int pf_node_set_features(struct pf_node *n, const uint8_t *bytes, size_t len);

/* The PFDs SMFs provisioned with PFD Management Requests (pf_pfd.h; in the
 * "pfcp" document, so restored at start and at a pair's takeover): what a
 * compile resolves a PDR's Application ID with. A request is taken from an
 * associated SMF only (its Node ID's association, else one at its address:
 * No established PFCP Association otherwise), applied whole or not at all,
 * answered once stored; @fn is then told the Application IDs it changed
 * (the session layer recompiles the sessions naming them). */
struct pf_pfds *pf_node_pfds(struct pf_node *n);
void pf_node_on_pfd(struct pf_node *n, void (*fn)(void *arg, const char (*apps)[PF_PFD_NAME_MAX], int n_apps),
		    void *arg);

/* Our Node ID and Recovery Time Stamp (NTP seconds). */
const struct pf_node_id *pf_node_self(const struct pf_node *n);
uint32_t pf_node_recovery(const struct pf_node *n);
/* A new Recovery Time Stamp (the UP function restarted: every session is
 * gone), stored off the loop: it goes out once the store has it. */
void pf_node_renew_recovery(struct pf_node *n);
/* ... It drops every association too (not told to the session layer, its
 * caller; our requests to them end with -ECANCELED before it returns):
 * the SMFs see the new stamp and set up again; those of --pfcp-smf are
 * set up again by us. The new stamp goes out in no message before the
 * store has it. */

/* Associations. */
const struct pf_node_id *pf_assoc_node_id(const struct pf_assoc *a);
/* Its Node ID as printed ("10.0.0.1", "smf.example"): stable for the
 * association's life, fit for owner names ("pfcp/<name>/<seid>"). */
const char *pf_assoc_name(const struct pf_assoc *a);
const struct pf_addr *pf_assoc_peer(const struct pf_assoc *a);	/* where its requests come from */
uint32_t pf_assoc_recovery(const struct pf_assoc *a);		/* the peer's */
bool pf_assoc_reachable(const struct pf_assoc *a);
/* Do its CP Function Features (8.2.58) have @bits in octet 5 + @octet? */
bool pf_assoc_cp_feature(const struct pf_assoc *a, unsigned int octet, uint8_t bits);
/* The association at @peer's address (any port), as a Modification's is found (NULL: none). */
struct pf_assoc *pf_node_assoc_at(struct pf_node *n, const struct pf_addr *peer);
/* The association whose printed Node ID (pf_assoc_name) is @name, FQDNs
 * without case (NULL: none): how the session layer, restoring its
 * sessions at start, finds the association each was made under; NULL
 * means it is gone (not stored, or a new Recovery Time Stamp was taken:
 * every SMF sets up again) and so are its sessions. */
struct pf_assoc *pf_node_assoc_by_name(struct pf_node *n, const char *name);

/* A request handed up, answered once (pf_txn_reply, pf_txn_drop): pf_ntxn.h. */

/* Our requests (Session Report Request): to association @a's peer; the
 * sequence number is written into @b; resent every T1 up to N1 times;
 * @done once: rc 0 with the decoded response (@rsp and its bytes live
 * only during the call), -ETIMEDOUT, -EBADMSG (a response the codec
 * refused: @rsp NULL), or -ECANCELED (the association or node went).
 * 0, or -errno (then @done is never called). pf_req_done: pf_ntypes.h. */
int pf_node_request(struct pf_node *n, struct pf_assoc *a, const uint8_t *b, size_t len, pf_req_done *done,
		    void *arg);

/* Associations (node id, address, recovery ts, state, last heartbeat) and
 * counters (new). */
json_t *pf_node_stats(struct pf_node *n);
/* Its /metrics families (bounded labels: message types and causes). */
void pf_node_metrics(struct pf_node *n, struct cd_vis_fams *f);

#endif
