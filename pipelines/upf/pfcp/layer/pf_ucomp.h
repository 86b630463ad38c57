/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ucomp: a PFCP session compiled into sxdp's entries: its ids, claims and UPF snapshot; the writes of a request. */
#ifndef PF_UCOMP_H
#define PF_UCOMP_H

#include "pf_up_state.h"

struct pf_map_err;

/* Claims: who holds TABLE KEY (cd_claim's callback); @owner NULL lets go. */
const char *pf_ucomp_claim_holder(void *arg, const char *table, const char *key);
void pf_ucomp_claim_set(struct pf_up *up, const char *table, const char *key, json_t *owner);
void pf_ucomp_unclaim(struct pf_up *up, json_t *keys);

/* A UPF as sessions are compiled with it: shared, counted (NULL: out of memory). */
struct snap *pf_ucomp_snap_of(struct pf_up *up, const struct pf_upf *u);
void pf_ucomp_snap_put(struct pf_up *up, struct snap *s);

/* A counter's bytes as last read (@arg: the pf_up); @pdr's counter id in @arg's (a us) ids, 0: none. */
uint64_t pf_ucomp_ctr_abs(void *arg, uint32_t id);
uint32_t pf_ucomp_ctr_of(void *arg, uint16_t pdr);

/* A session's ids: its shared entries let go or taken again; what a compile
 * took given back, or made the session's. */
void pf_ucomp_shared_of(struct pf_up *up, struct us *us, bool put);
void pf_ucomp_took_undo(struct pf_up *up, struct us *us, struct took *t);
int pf_ucomp_took_commit(struct pf_up *up, struct us *us, struct took *t);

/* What UPF @u chose for session @s: the UE addresses its PDRs left to
 * it (UEIP), its 5G LAN group slot; given back (@hold false), or held
 * again (a session restored, or what a Modification made). */
void pf_ucomp_chosen_hold(struct pf_up *up, const struct pf_upf *u, const struct pf_session *s, bool hold);

/* "pfcp/NODE/SEID" (new). */
json_t *pf_ucomp_owner_of(struct pf_assoc *a, uint64_t seid);
/* @s compiled into @out (with keys); @took NULL: lookup of what is installed. */
int pf_ucomp_compile_one(struct pf_up *up, struct us *us, const struct pf_upf *u, const struct pf_session *s,
			 uint32_t sess_id, struct took *took, json_t *out, struct pf_map_err *e);
bool pf_ucomp_is_meter(json_t *u);
bool pf_ucomp_is_shared(json_t *u);

/* @op's writes, ids and claims: 0, or -1 when refused (answered). */
int pf_ucomp_op(struct pf_up *up, struct op *op);
/* @op's batch refused or lost: what its compile took given back. */
void pf_ucomp_undo(struct pf_up *up, struct op *op);

#endif
