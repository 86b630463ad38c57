/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_alloc: the ids PFCP sessions take in sxdp (session ids, counters, meters) and the entries they share (tunnel peers, apps, redirects). */
/*
 * Ids come from PFCP's half of each space (up_ids.h), in bitmaps: taken
 * and given back in O(1) amortised, a few bits per id. Tunnel peers and
 * applications entries are shared by every session that names the same
 * one, counted: the first taker writes the entry (its batch), the last
 * one's going leaves it to collect (pf_alloc_gc), so a batch that fails
 * undoes what it took without writes, and one that goes back and forth
 * between two sessions rewrites nothing.
 */
#ifndef PF_ALLOC_H
#define PF_ALLOC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_flow.h"
#include "pf_upf.h"

/* A set of ids lo..top, new ones taken from lo..hi (hi <= top: a range
 * that follows a size sxdp says, pf_ids_limit). over: those taken above
 * hi. */
struct pf_ids {
	uint32_t lo, hi, top, next, used, over;
	uint64_t *bits;
};

/* lo..hi (top = hi). 0, or -ENOMEM. */
int pf_ids_init(struct pf_ids *b, uint32_t lo, uint32_t hi);
/* New ids from lo..hi from now on (lo - 1: none; at most top); those
 * taken above it stay so until put. 0, or -ERANGE. */
int pf_ids_limit(struct pf_ids *b, uint32_t hi);
void pf_ids_fini(struct pf_ids *b);
/* A free id (the next one after the last taken, round the range), taken:
 * 0, or -ENOSPC. */
int pf_ids_take(struct pf_ids *b, uint32_t *id);
/* A given id (lo..top) taken: 0, or -EEXIST (taken) / -ERANGE. */
int pf_ids_take_this(struct pf_ids *b, uint32_t id);
void pf_ids_put(struct pf_ids *b, uint32_t id);
bool pf_ids_taken(const struct pf_ids *b, uint32_t id);

/* Shared entries: tunnel peers and applications, by what they are. */
struct pf_shared;

struct pf_shared *pf_shared_new(void);
void pf_shared_free(struct pf_shared *s);

/* Tunnel peer @addr on UPF @u's N3 (or N9) link, outer DSCP @dscp (64:
 * the inner's), in the underlay @vrf: its id (taken, counted). The first
 * taker gets its insert into @ups (then *@made). 0, or -ENOSPC. */
int pf_shared_peer(struct pf_shared *s, const struct pf_upf *u, bool n9, int af, const uint8_t *addr,
		   uint8_t dscp, uint32_t vrf, json_t *ups, uint16_t *id);
/* The same, found only (a compile of what is installed): -ENOENT. */
int pf_shared_peer_find(struct pf_shared *s, const struct pf_upf *u, bool n9, int af, const uint8_t *addr,
			uint8_t dscp, uint16_t *id);
void pf_shared_peer_put(struct pf_shared *s, uint16_t id);
/* Taken once more by id (a put undone: the batch that put it failed). */
void pf_shared_peer_get(struct pf_shared *s, uint16_t id);

/* The app of a flow's remote side @r (@af, @proto 0: any; @af 0: @r is
 * any, of both families: an entry in applications and applications6) and
 * QFI @qfi (PF_APP_QFI_ANY, pf_map.h: any) in slice @slice at priority @prio: its id
 * (taken, counted), its applications entries into @ups the first time. 0,
 * or -ENOSPC. */
int pf_shared_app(struct pf_shared *s, uint32_t slice, int af, const struct pf_flow_end *r, uint8_t proto,
		  uint8_t qfi, uint16_t prio, json_t *ups, uint16_t *id);
int pf_shared_app_find(struct pf_shared *s, uint32_t slice, int af, const struct pf_flow_end *r,
		       uint8_t proto, uint8_t qfi, uint16_t prio, uint16_t *id);
/* The app whose entries in @table are @matches (an array of "match"
 * objects, as its writer made them: one key for the same ones), at
 * priority @prio: its id (taken, counted), its entries into @ups the
 * first time. 0, or -ENOSPC / -ENOMEM. */
int pf_shared_app_of(struct pf_shared *s, const char *table, json_t *matches, uint16_t prio, json_t *ups,
		     uint16_t *id);
int pf_shared_app_of_find(struct pf_shared *s, const char *table, json_t *matches, uint16_t prio, uint16_t *id);
void pf_shared_app_put(struct pf_shared *s, uint16_t id);
void pf_shared_app_get(struct pf_shared *s, uint16_t id);

/* The redirects entry of action @action (UP_A_HTTP, UP_A_DNS) with @params: its id
 * (taken, counted), its insert into @ups the first time. 0, or -ENOSPC / -ENOMEM. */
int pf_shared_redirect(struct pf_shared *s, const char *action, json_t *params, json_t *ups, uint16_t *id);
int pf_shared_redirect_find(struct pf_shared *s, const char *action, json_t *params, uint16_t *id);
void pf_shared_redirect_put(struct pf_shared *s, uint16_t id);
void pf_shared_redirect_get(struct pf_shared *s, uint16_t id);

/* A batch that took them failed: those it made are forgotten (never
 * written), as if never taken; @ups: what it was to write. */
void pf_shared_unmake(struct pf_shared *s, json_t *ups);
/* A batch that made them was applied: they are installed. */
void pf_shared_made(struct pf_shared *s, json_t *ups);
/* The deletes of installed entries no session names any more (a new
 * array, NULL: none), each then forgotten once pf_shared_collected says
 * the batch was applied (its deletes; before that a taker revives one). */
json_t *pf_shared_gc(struct pf_shared *s);
void pf_shared_collected(struct pf_shared *s, json_t *deletes, bool applied);
/* Every installed entry again (sxdp restarted): inserts (new array). */
json_t *pf_shared_all(struct pf_shared *s);
/* Is redirects entry @id one the registry has? */
bool pf_shared_holds_redirect(const struct pf_shared *s, uint32_t id);
/* Is tunnel peer (@app false) or app @id one the registry has? */
bool pf_shared_holds(const struct pf_shared *s, bool app, uint32_t id);
/* Peers and apps in use. */
void pf_shared_counts(const struct pf_shared *s, unsigned int *peers, unsigned int *apps);

#endif
