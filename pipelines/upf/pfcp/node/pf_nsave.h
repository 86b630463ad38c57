/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_nsave: the endpoint's "pfcp" document (our Recovery Time Stamp, the associations) stored off the loop, and what waits for it. */
/*
 * The document (pf_ndoc.h) is rewritten whole whenever an association is
 * set up, updated, released or gone, before the request that changed it
 * is answered. Its syncs run on the store's thread (cd_host_save_async):
 * what waits for a save (an answer, an association's first heartbeat)
 * is done once the store has the document, so a disk that stalls delays
 * those answers and never the loop's heartbeats, REST or sessions.
 * Saves end in the order they began, each with the state as it was at
 * its start; an association being released is in none of them.
 */
#ifndef PF_NSAVE_H
#define PF_NSAVE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_node_state.h"

struct pf_nsave;
/* A save ended: stored (@rc 0) or not (-errno). Not called when the
 * node went first. */
typedef void pf_nsave_done(struct pf_node *n, struct pf_nsave *w, int rc);

/* A save and what waits for it; a waiter embeds it first in a struct of
 * its own (calloc'd: freed once done). */
struct pf_nsave {
	struct pf_node *n;		/* NULL: the node went first */
	struct pf_nsave *next;		/* the node's under way, oldest first */
	json_t *doc;
	uint32_t recovery;		/* the stamp it stores */
	pf_nsave_done *done;
	/* a setup's (pf_nassoc_setup): its association by serial, what the
	 * setup was, and who waits for it after the setup's own work */
	uint64_t assoc;
	bool fresh, restarted, retained;
	pf_nsave_done *then;
};

/*
 * The document stored, @done(n, @w, rc) once it is or is not (possibly at
 * once); @w freed after. @w NULL: a save nothing waits for. A failure is
 * logged and counted (store_failures) before @done hears of it.
 */
void pf_nsave_start(struct pf_node *n, struct pf_nsave *w, pf_nsave_done *done);
/* Stored now, the loop waiting for the disk: at start only. 0 or -errno. */
int pf_nsave_now(struct pf_node *n);
/* May our Recovery Time Stamp go out? Not before the store has it: a
 * save is started when none under way stores it (one that failed). */
bool pf_nsave_stamp_out(struct pf_node *n);
/* The node goes: the saves under way end untold. */
void pf_nsave_orphan(struct pf_node *n);

#endif
