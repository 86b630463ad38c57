/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pfd: the PFDs SMFs provision per Application ID (TS 29.244 5.4.x, 6.2.5 PFD management): checked whole, stored, resolved for a compile. */
/*
 * A PFD Management Request (7.4.3) is read into a change (pf_pfd_check)
 * before anything is touched: every Application ID's PFDs in it, each PFD
 * context's contents, each Flow Description (FD, and each of AFD's) parsed
 * as an SDF Filter's is (pf_flow). A request that does not check changes
 * nothing and says its Cause and Offending IE. Contents this UPF cannot act
 * on (URL, Domain Name, Custom PFD Content, Domain Name Protocol and their
 * Additional lists: they need deep packet inspection it does not do) are
 * refused with Service not supported (76).
 *
 * Applied (6.2.5.2): no Application ID's PFDs in the request removes every
 * Application ID's PFDs; each one in it replaces all earlier PFDs of its
 * Application ID with its own, or removes them when it has no PFD context;
 * Application IDs the request does not name keep theirs. PFDs are the UP
 * function's, for every session of every CP function. An Application ID
 * whose PFDs were removed is remembered as such (stored too, at most
 * PF_PFD_APPS_MAX of them, the oldest forgotten first): a PDR naming it
 * detects nothing (its packets fall to the PDRs of lower precedence), a
 * session of one restored after a restart included, until PFDs come again;
 * a name never provisioned and no local DN is refused as before (73).
 *
 * Bounded: PF_PFD_APPS_MAX Application IDs with PFDs, PF_PFD_FLOWS_MAX flows
 * each (No resources past them, nothing changed).
 *
 * A compile resolves a PDR's Application ID (pf_pfd_resolve). A session's
 * entries are the difference of two compiles, what it holds and what it is
 * to hold, so the flows it was last compiled with are kept per session id
 * (shared, counted, the version of the PFDs that was current then) until a
 * compile with newer ones: its compile "as installed" uses them, the next
 * one the current PFDs. Pure C over jansson (the store's JSON), no loop.
 */
#ifndef PF_PFD_H
#define PF_PFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_codec.h"
#include "pf_flow.h"

#define PF_PFD_APPS_MAX 64	/* Application IDs with PFDs */
#define PF_PFD_FLOWS_MAX 9	/* flows of one Application ID: a PDR's apps, as its SDF Filters and one (pf_map) */
#define PF_PFD_NAME_MAX 256	/* an Application ID: its octets (255 at most, as a PDR's) and a NUL */

struct pf_pfds;

/* One Application ID's PFDs in a request: its flows (none: removed). */
struct pf_pfd_app {
	char name[PF_PFD_NAME_MAX];
	int n;
	char fd[PF_PFD_FLOWS_MAX][PF_FLOW_LEN_MAX + 1];
	struct pf_flow flow[PF_PFD_FLOWS_MAX];
};

/* A request's change, checked whole. */
struct pf_pfd_change {
	bool all;		/* no Application ID's PFDs: every one's go */
	bool load;		/* the stored ones: a name without flows is one removed (kept as such) */
	int n;
	struct pf_pfd_app app[2 * PF_PFD_APPS_MAX];	/* a request's PF_PFD_APPS_MAX; the stored, removed ones too */
};

/* Why a request is refused. */
struct pf_pfd_err {
	uint8_t cause;
	uint16_t offending;	/* 0: none */
	char why[200];
};

struct pf_pfds *pf_pfds_new(void);
void pf_pfds_free(struct pf_pfds *p);

/* Decoded request @m into @c (calloc'd by the caller: it is large): 0, or
 * -EINVAL / -ENOSPC with @e, nothing changed. */
int pf_pfd_check(const struct pf_pfds *p, const struct pf_msg *m, struct pf_pfd_change *c, struct pf_pfd_err *e);

/* What applying a change replaced, to put back. */
struct pf_pfd_undo;
/* @c applied: the names it changed (new, replaced, removed PFDs) into
 * @changed (room for 2 * PF_PFD_APPS_MAX; a request's change names
 * PF_PFD_APPS_MAX at most): how many, and *@u what it replaced (free it
 * with pf_pfd_undo_free, or put it back with pf_pfd_undo). -ENOMEM:
 * nothing applied. */
int pf_pfd_apply(struct pf_pfds *p, const struct pf_pfd_change *c, char (*changed)[PF_PFD_NAME_MAX],
		 struct pf_pfd_undo **u);
void pf_pfd_undo(struct pf_pfds *p, struct pf_pfd_undo *u);
void pf_pfd_undo_free(struct pf_pfd_undo *u);

/* {"video": ["permit out 6 from 198.51.100.10 to assigned", ...], ...} (new) */
json_t *pf_pfd_json(const struct pf_pfds *p);
/* The stored object (NULL: none) as the PFDs, every flow parsed again: 0, or
 * -EINVAL with why (nothing loaded), -ENOMEM. */
int pf_pfd_load(struct pf_pfds *p, json_t *o, char *err, size_t len);
/* {"apps": n, "flows": n, "by_app": {"video": n}} (new) */
json_t *pf_pfd_stats(const struct pf_pfds *p);
/* Does the Application ID @name have PFDs now? */
bool pf_pfd_has(const struct pf_pfds *p, const char *name);

/*
 * Application ID @name of a PDR of session @sess_id, for a compile of what
 * the session holds (@installed) or is to hold: 1 and its flows (*@flows,
 * *@n; 0 flows: the PDR detects nothing, its PFDs were removed after it was
 * compiled with them), or 0: no PFDs, the local DN or a refusal as without
 * them. The SMF's PFDs win over a local DN of the name (@dn: there is one):
 * they are the more specific; with no PFDs the local DN again.
 */
int pf_pfd_resolve(struct pf_pfds *p, uint32_t sess_id, const char *name, bool installed, bool dn,
		   const struct pf_flow **flows, int *n);
/* The per-session memory kept only for sessions still there: each marked,
 * then the others' swept. */
void pf_pfd_mark(struct pf_pfds *p, uint32_t sess_id);
void pf_pfd_sweep(struct pf_pfds *p);

#endif
