/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rstatus: the intents as the API lists them, each with its status: what the reconciler found, not stored. */
/*
 * An intent's status ({"phase", "observedGeneration", "reason",
 * "message", "waiting_for"}) is worked out again by every reconcile
 * (level-triggered) and kept in memory only, under "KIND/NAME". A
 * withdrawn intent is listed as Withdrawing until its entries are out of
 * sxdp; a stored file that does not read back is listed as Quarantined.
 */
#ifndef CD_RSTATUS_H
#define CD_RSTATUS_H

#include <stdbool.h>
#include <jansson.h>

struct cd_res;

/* The documents of @kind with their status: {"items": [...]} (new). */
json_t *cd_rstatus_list(struct cd_res *r, int kind);
/* One document with its status (new), NULL: none. */
json_t *cd_rstatus_get(struct cd_res *r, int kind, const char *name);
/* The reconciler's findings: @status ("KIND/NAME" → status object,
 * borrowed) replaces what was there. Withdrawn intents whose entries are
 * gone (@withdrawn_done) are forgotten. */
void cd_rstatus_set(struct cd_res *r, json_t *status, bool withdrawn_done);
/* Every intent's phase set to @phase with @waiting (NULL: none) except
 * Failed ones; e.g. Pending on "sxdp" while it is away. */
void cd_rstatus_set_phase_all(struct cd_res *r, const char *phase, const char *waiting);
/* phase → count over every intent (a reference to one kept until an
 * intent or status changes: read it, never change it). */
json_t *cd_rstatus_phases(struct cd_res *r);
/* Stored files that do not read back ("KIND/NAME": not JSON, or no
 * longer valid): kept, listed with phase Quarantined, their entries kept
 * in sxdp, until a DELETE or PUT of the name. [{"intent", "file",
 * "message"}] (new). */
json_t *cd_rstatus_quarantine(struct cd_res *r);
/* Is "KIND/NAME" @who quarantined (@who NULL: is any)? */
bool cd_rstatus_quarantined(struct cd_res *r, const char *who);
/* The status of one intent (borrowed), NULL: none. */
json_t *cd_rstatus_of(struct cd_res *r, const char *who);

#endif
