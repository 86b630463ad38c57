/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ueip: the UE addresses a UPF chooses for PFCP sessions (UEIP, TS 29.244 5.21): a pool's, by bitmap. */
/*
 * A PDR whose UE IP Address says CHV4 or CHV6 leaves the address to the
 * UP function: one IPv4 address, one IPv6 /64, a session, from the pool
 * its UE IP address Pool Identity names, else one serving its Network
 * Instance (DNN), else one serving any. A pool is the upf intent's
 * (ueip_pools); which of its addresses sessions hold is a bitmap here
 * (pf_alloc's pf_ids), taken when a session's compile chooses one, given
 * back when the session goes or its batch fails, and taken again from
 * the journal's sessions at start: their records carry the address
 * beside the flag.
 */
#ifndef PF_UEIP_H
#define PF_UEIP_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_upf.h"

struct pf_ueip;

struct pf_ueip *pf_ueip_new(void);
void pf_ueip_free(struct pf_ueip *p);

/* Is @addr (family @af) held by someone else (an intent, another
 * session)? Such an address is skipped, not taken. */
typedef bool pf_ueip_held(void *arg, int af, const uint8_t *addr);

/* A free address of UPF @upf's @pool, taken, into @addr (16 bytes; an
 * IPv6 one is its /64, the interface id zero): 0; -ENOSPC: none left
 * (or only held ones); -ENOMEM. */
int pf_ueip_take(struct pf_ueip *p, const char *upf, const struct pf_pool *pool, pf_ueip_held *held, void *arg,
		 uint8_t *addr);
/* @addr, chosen before (a session restored), taken again in the pool of
 * @u's that holds it: 0; -ENOENT: in none of them (the pool changed:
 * nothing to keep); -EEXIST: taken twice (a corrupt journal). */
int pf_ueip_take_this(struct pf_ueip *p, const struct pf_upf *u, int af, const uint8_t *addr);
/* @addr given back (nothing when no pool of UPF @upf holds it). */
void pf_ueip_put(struct pf_ueip *p, const char *upf, int af, const uint8_t *addr);
/* Every pool of @all's UPFs with how many of its addresses (IPv6: /64s)
 * sessions hold, for the status: [{"upf", "prefix", "network_instance",
 * "name", "size", "used"}] (new; NULL: no memory). */
json_t *pf_ueip_status(const struct pf_ueip *p, const struct pf_upfs *all);

#endif
