/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_sess's builder and name table as its pack/unpack (pf_spack.c) lays a session out through them; nothing else includes it. */
#ifndef PF_SESS_PRIV_H
#define PF_SESS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pf_stypes.h"

#define NEWNAMES_MAX 256 /* NI and Application IDs of one message: 32+32 PDRs x 2, 32+32 FARs */

struct bld {
	const struct pf_msg *m;
	struct pf_fail *f;
	struct pf_mod *x; /* NULL for an establishment */
	uint64_t up_seid;
	struct pf_fseid cp;
	uint8_t pdn_type;
	uint32_t inact_s;
	struct pf_bar bar;
	int n_pdr, n_far, n_qer, n_urr;
	struct pf_pdr pdr[PF_SESS_PDR_MAX];
	struct pf_far far[PF_SESS_FAR_MAX];
	struct pf_qer qer[PF_SESS_QER_MAX];
	struct pf_urr urr[PF_SESS_URR_MAX];
	/* what this message removed, to name it when a PDR still points there */
	int n_rm_far, n_rm_qer, n_rm_urr;
	uint32_t rm_far[PF_SESS_FAR_MAX], rm_qer[PF_SESS_QER_MAX], rm_urr[PF_SESS_URR_MAX];
	/* scratch for the message's SDF and Ethernet filters and ID lists (sized by counting) */
	struct pf_sdf_rule *sdfs;
	struct pf_eth_filter *ethfs;
	uint32_t *ids;
	int n_sdfs, n_ids, max_sdfs, max_ids, n_ethfs, max_ethfs;
	int n_new;
	uint16_t newnames[NEWNAMES_MAX];
};

/* The builder's rules laid out in one exactly-sized block (NULL: no memory). */
struct pf_session *pf_sess_layout(struct bld *b);
/* The id of name @s (with no reference when new); 0: the table is full or no memory. */
uint16_t pf_sess_intern(const char *s, size_t n);
/* @id freed when nothing holds it. */
void pf_sess_name_gc(uint16_t id);
/* Does every PDR's FAR, QERs and URRs exist in the builder? */
bool pf_sess_refs_resolve(struct bld *b);
/* Does no session hold @id (one interned for this message only)? */
bool pf_sess_name_unheld(uint16_t id);

#endif
