/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_cas: one compare-and-swap transaction on etcd whose outcome is found out when its answer is lost. */
/*
 * A txn that compares each key's mod_revision with the one the writer
 * knows (but those of CD_CAS_ANY) and puts or deletes them all. When its answer does not come (a
 * deadline, a member killed under it, "leader changed") etcd may or may
 * not have applied it; rather than hand that doubt to an operator the
 * keys are read back (linearizable, from any member, after a short wait
 * and again with backoff while none answers):
 *   - every key as written (the same bytes, or absent for a delete): it
 *     was applied, 0 with the revision it was stored at;
 *   - every key at the revision compared (those of CD_CAS_ANY as they
 *     may be): it was not; the txn is sent
 *     once more (the compare keeps that safe), and a second loss that
 *     reads back untouched is -ENOTCONN (nothing stored);
 *   - anything else: another writer came between, -ESTALE (nothing of
 *     ours is there now).
 * Only when no member answers a read-back within CD_CAS_BUDGET_MS is the
 * outcome -EIO (unknown).
 */
#ifndef CD_CAS_H
#define CD_CAS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct cd_etcd;

#define CD_CAS_BUDGET_MS 6000	/* from the first send to the last read-back */

#define CD_CAS_ANY (-1)	/* an op's rev: whatever it is (not compared) */

struct cd_cas_op {
	const char *key;	/* raw bytes, NUL-terminated */
	const char *val;	/* NULL: the key deleted */
	int64_t rev;		/* its mod_revision now (0: absent; CD_CAS_ANY) */
};

/*
 * @rc 0 (stored at @rev), -ESTALE (a compare failed: nothing stored),
 * -ENOTCONN (not stored: no member took it), -E2BIG (more operations
 * than etcd's --max-txn-ops), -EINVAL (etcd refused the txn as malformed
 * or too large in bytes), -ENOSPC (etcd's quota), -EIO (unknown); nothing
 * stored on any but 0 and -EIO.
 */
typedef void cd_cas_done(void *arg, int rc, json_int_t rev);

/* Start it (@ops copied); @done once, later. 0, or -ENOMEM (@done not called). */
int cd_cas_txn(struct event_base *base, struct cd_etcd *e, const struct cd_cas_op *ops, size_t n,
	       cd_cas_done *done, void *arg);

#endif
