/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_save: a PFCP session as its journal record (pf_store): its rules, ids and usage, so an sxcd restart loses none. */
/*
 * What a session is besides its rules (pf_sess_pack) is what pf_up gave
 * it: its SEIDs, sxdp's session id, its association and UPF by name, the
 * counters and meters it holds, its URRs' measurements. The entries it
 * wrote are not kept: they are what its compile gives again (pf_map), so
 * a restart finds them (and claims them) without reading sxdp. Times
 * kept across a restart are wall-clock; in memory they are monotonic.
 */
#ifndef PF_SAVE_H
#define PF_SAVE_H

#include <stdint.h>

#include "pf_sess.h"
#include "pf_usage.h"

#define PF_SAVE_NAME 256

/* An id a session holds, by what it is for: a PDR's counter (with the
 * threshold and stop it was written with), a QER's meter in one direction
 * (qer << 1 | uplink). */
struct pf_rid {
	uint32_t key, id;
	uint64_t thr;
	uint8_t stopped;
};

struct pf_rec {
	uint64_t seid;
	uint32_t sess_id;
	char assoc[PF_SAVE_NAME], upf[PF_SAVE_NAME];
	struct pf_rid *cnt, *met;
	uint8_t n_cnt, n_met;
	struct pf_usage use;
	struct pf_session *s;
};

/* @r into @buf: its length, or -ENOSPC. */
int pf_save_pack(const struct pf_rec *r, uint8_t *buf, size_t size);
/* @b back into @r (arrays, usage and session new: the caller takes them):
 * 0, or -EINVAL (not a record of this format), -ENOMEM. */
int pf_save_unpack(const uint8_t *b, size_t len, struct pf_rec *r);
/* What pf_save_unpack made, freed (the caller kept nothing of it). */
void pf_save_free(struct pf_rec *r);

#endif
