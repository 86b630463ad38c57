/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_claim: table entries another writer than the reconciler holds in sxdp, which no intent may take. */
/*
 * A feature's protocol (the UPF's PFCP sessions) writes sxdp's tables
 * itself, at a rate and scale the intent compile is not for. It says here
 * which entries (by canonical key, cd_tables_key) it holds; the compile
 * refuses an intent that would write one of them as a conflict naming the
 * holder, so the two writers never share an entry. The protocol checks
 * the other way itself (cd_host_state(res, "owned"), cd_host_wanted_by).
 */
#ifndef CD_CLAIM_H
#define CD_CLAIM_H

/* Who holds @table's @key ("pfcp/NODE/SEID"...), or NULL: nobody. */
typedef const char *cd_claim_holder(void *arg, const char *table, const char *key);

#define CD_CLAIM_MAX 4
/* 0, or -ENOSPC past CD_CLAIM_MAX. */
int cd_claim_register(cd_claim_holder *fn, void *arg);
/* The holder of @table's @key among the registered, or NULL. */
const char *cd_claim_held(const char *table, const char *key);

#endif
