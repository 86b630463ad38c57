/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_nassoc: the PFCP endpoint's associations (TS 29.244 6.2.6, 6.2.2): set up, kept, gone; heartbeats; the ones we set up; kept in sxcd's store. */
/*
 * Associations are keyed by the peer's Node ID; several may share one
 * address. The store's "pfcp" document (pf_ndoc.h) holds our Recovery
 * Time Stamp and the associations made under it: rewritten whole
 * (durably, its syncs off the loop: pf_nsave) whenever one is set up,
 * updated, released or gone, before the request that changed it is
 * answered, so an sxcd restart finds them as they were and its SMFs see
 * the same stamp. The session layer hears of
 * each change through the node's ops (pf_ntypes.h).
 */
#ifndef PF_NASSOC_H
#define PF_NASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pf_node_state.h"
#include "pf_nsave.h"

/* Our association messages at most (what the node level writes). */
#define PF_NODE_TX_MAX 2048

/* --- the store (pf_nsave: saves off the loop) --- */

/* At start: the stored Recovery Time Stamp and the associations made under
 * it (each sent a heartbeat at once), or a new stamp (stored) and none.
 * 0, or -errno when the new stamp cannot be stored. */
int pf_nassoc_load(struct pf_node *n);
/* A new Recovery Time Stamp, every association dropped untold (those we
 * set up, set up again), stored off the loop (pf_node_renew_recovery). */
void pf_nassoc_renew(struct pf_node *n);

/* --- set up, gone --- */

/* An association set up with @id (its Recovery Time Stamp @rts, its
 * request (@req) or our setup's answer @m, NULL: none), from @src on
 * @sock: a new one, or one there already, whose sessions go when its SMF
 * set it up again (unless it asked to keep them: @w->retained) or its
 * answer's stamp is later (the SMF restarted). Stored before anyone hears
 * of it: @then(n, @w, rc) once it is (@w->assoc its serial), or not
 * (-ENOSPC: no room, -ENOMEM, the store's -errno: a new one gone again,
 * one that was there stays; -ECANCELED: gone meanwhile); @w (calloc'd,
 * its pf_nsave first) freed after. */
void pf_nassoc_setup(struct pf_node *n, const struct pf_node_id *id, uint32_t rts, const struct pf_msg *m,
		     uint8_t sock, const struct pf_addr *src, bool req, struct pf_nsave *w, pf_nsave_done *then);
/* @a and everything of it goes (@tell: its sessions told first, logged,
 * and one we set up is set up again later). */
void pf_nassoc_free(struct pf_node *n, struct pf_assoc *a, enum pf_gone why, bool tell);
/* The peer's Recovery Time Stamp @rts seen in a heartbeat, its request
 * (@req) or its answer to ours: a later one is an SMF that restarted (its
 * sessions go, the association stays; in a request, once the next says it
 * again), an earlier one is discarded (TS 23.007 19A). */
void pf_nassoc_rts_seen(struct pf_node *n, struct pf_assoc *a, uint32_t rts, bool req);
/* @a's peer answers heartbeats (@r) or not: told once per change. */
void pf_nassoc_reachable(struct pf_node *n, struct pf_assoc *a, bool r);

/* --- ours --- */

/* Association Setup/Update/Release Request or Response of ours into @b:
 * a response with @cause (and @offending when refused), our Recovery Time
 * Stamp (@rts; -EIO while the store does not have it), our UP Function
 * Features (@features), PFCPASRsp-Flags @asrsp (0: none; PSREI: the
 * sessions kept). Its length, or -errno. */
int pf_nassoc_encode(struct pf_node *n, uint8_t *b, size_t size, uint8_t type, uint8_t cause, uint16_t offending,
		     bool rts, bool features, uint8_t asrsp);
/* An SMF at @addr we set up an association with from socket @sock
 * (--pfcp-smf): its first Association Setup Request goes from the loop at
 * once, again with a backoff until one is accepted, and after it goes.
 * 0, or -ENOMEM, or -EINVAL past PF_NODE_SMFS_MAX. */
int pf_nassoc_smf_add(struct pf_node *n, const struct pf_addr *addr, uint8_t sock);

#endif
