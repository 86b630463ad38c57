/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_specs: the intents' specs in the order they compile (oldest first), and a change on top; no store state. */
/*
 * Of two colliding intents the younger fails, so a kind's specs are
 * listed by creation (metadata.serial, then created, then name). What is
 * handed out is never changed in place: a change makes a new object that
 * shares every kind it does not touch and every spec it does not change,
 * so a compiler tells what changed by pointer.
 */
#ifndef CD_SPECS_H
#define CD_SPECS_H

#include <stddef.h>
#include <jansson.h>

struct cd_change;

/* {"KIND": {"NAME": spec}} (new, specs shared) of @docs (KIND → NAME →
 * document), each kind oldest first. */
json_t *cd_specs_of(json_t *docs);
/* @specs with the @n changes @ch on top (new): a kind a change touches is
 * copied (its specs shared), the others shared; a new intent is the
 * youngest. */
json_t *cd_specs_with(json_t *specs, const struct cd_change *ch, size_t n);

#endif
