/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ndoc: the PFCP node's document in sxcd's store: its associations to JSON and back, every field checked. */
/*
 * The store's "pfcp" document (state kind):
 *   {"recovery_ts": 3970000000,
 *    "associations": [
 *      {"node_id": "10.0.0.1", "node_id_type": "ipv4",   (or "ipv6", "fqdn")
 *       "node_id_hex": "...",            (an FQDN that is not text: its bytes)
 *       "peer": "10.0.0.1:8805",         (where its requests come from)
 *       "local": "10.0.0.9:8805",        (the address they come to: ours)
 *       "recovery_ts": 3969999000,       (the SMF's)
 *       "cp_features": "0102",           (hex, "" for none)
 *       "initiated": "smf",              (or "upf": we set it up ...)
 *       "smf": "10.0.0.1:8805"}]}        (... toward this --pfcp-smf entry)
 * Associations are kept only with the Recovery Time Stamp they were made
 * under: pf_nassoc restores them only when it keeps that stamp.
 */
#ifndef PF_NDOC_H
#define PF_NDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "pf_addr.h"

struct pf_ndoc_assoc {
	struct pf_node_id id;
	struct pf_addr peer, local;
	uint32_t recovery;
	uint8_t cp_feat[8];
	size_t n_cp_feat;
	bool upf_initiated;
	bool has_smf;
	struct pf_addr smf;	/* the --pfcp-smf entry (upf_initiated) */
};

/* One association as stored (new; NULL: no memory). */
json_t *pf_ndoc_assoc_json(const struct pf_ndoc_assoc *a);
/* The associations of the stored document @doc (no "associations": none)
 * into *@out (*@n of them; free() it): 0, or -EINVAL with why in @err
 * (nothing returned), or -ENOMEM. Two of one Node ID are refused too. */
int pf_ndoc_assocs(json_t *doc, struct pf_ndoc_assoc **out, size_t *n, char *err, size_t len);

#endif
