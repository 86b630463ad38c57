/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_usess: the PFCP sessions by SEID, freed; the queue their requests wait in. */
#ifndef PF_USESS_H
#define PF_USESS_H

#include "pf_up_state.h"

struct us *pf_usess_find(const struct pf_up *up, uint64_t seid);
/* 0 or -ENOMEM. */
int pf_usess_insert(struct pf_up *up, struct us *u);
/* The session association @a's SMF knows as @cp_seid, NULL: none. */
struct us *pf_usess_find_cp(const struct pf_up *up, const struct pf_assoc *a, uint64_t cp_seid);
/* @u into (@in) or out of the index by its SMF's F-SEID (its rules and
 * association set): 0 or -ENOMEM. Its CP SEID changes only out of it. */
int pf_usess_index_cp(struct pf_up *up, struct us *u, bool in);
/* @us out of the table, its ids given back, its waiting requests refused, its held DL Data
 * Report dropped (counted cancelled); freed. */
void pf_usess_free(struct pf_up *up, struct us *us);
/* @us's DL Data Report held for its BAR's delay (up->ddn_wait), if any, dropped: true if
 * there was one. */
bool pf_usess_ddn_forget(struct pf_up *up, struct us *us);

/* The queue turns at the loop's next pass (up->kick). */
void pf_usess_kick(struct pf_up *up);
void pf_usess_enqueue(struct pf_up *up, struct op *op, bool front);
/* @op freed (its transaction, if any, dropped unanswered). */
void pf_usess_op_free(struct op *op);

#endif
