/* SPDX-License-Identifier: BSD-3-Clause */
/* The PFCP sessions' journal in sxcd's store directory, DIR/pfcp/sessions.log: what
 * lets an sxcd restart (sxdp forwarding on) keep every session. An append-only log of
 * records (put: a 64-bit key, the session's UP SEID, and its bytes, pf_sess_pack's; del:
 * a key), each framed with its length and a CRC32C, so that a torn tail (kill -9 or a
 * power cut mid-write) is found at open and cut off: everything before a successful
 * pf_store_sync() is there after any crash, nothing half-written is ever loaded.
 *
 * Group commit: puts and dels are buffered; pf_store_sync() writes them with one write
 * and one fdatasync (the caller syncs once per batch of answers, before answering).
 * An index (key -> offset, length of its live record; 16 bytes a slot, at most 80% full:
 * 2 MiB for 100k sessions) is kept in memory.
 *
 * Compaction, when dead bytes exceed live ones (and 1 MiB): a new file is written from
 * the live records (read back from the old one) in bounded steps, at most 4 MiB of the
 * old file per pf_store_sync() call after its commit, so it never holds sxcd's loop for
 * long; records put meanwhile are copied after them; then fdatasync, rename over the
 * log, fsync of the directory; the old log (unlinked, still open) is then freed 16 MiB
 * a sync (closing it whole frees it at once: 40 ms for 200 MB here). Measured here
 * (tests/unit/test_pfstore.c, 2 shared cores, a virtual disk, syncs 5 ms apart): 100k
 * records of 1 KiB, a 208 MB log half dead, compacted in 39 steps of 1-18 ms, the last
 * (fdatasync, rename, directory fsync, the index moved) 27-40 ms, then 12 syncs of
 * 3-11 ms freeing the old log; 180-410 ms in all, spread over ~60 syncs.
 * Crash-safe at every step: until the rename the old log is whole, after it the new
 * one; a temp file left by a crash is removed at open.
 *
 * Not thread-safe (sxcd's one loop). Byte order is this host's. */
#ifndef PF_STORE_H
#define PF_STORE_H

#include <stddef.h>
#include <stdint.h>

#define PF_STORE_REC_MAX 65536 /* a record's bytes at most (larger: -EMSGSIZE) */

struct pf_store;

/* DIR/pfcp (made 0700 when not there; DIR must exist) and its log, read: the index
 * built, a torn tail cut off (logged), a leftover temp file removed. 0, or -errno
 * (-EINVAL: a sessions.log that is not one, left alone). */
int pf_store_open(const char *dir, struct pf_store **out);
/* every live record, oldest first (by where its last put is in the log): @fn returns <0
 * to stop, and that is returned; 0 when all were given, or -errno. Puts buffered since
 * the last sync are written (not synced) first. */
int pf_store_load(struct pf_store *s, int (*fn)(void *arg, uint64_t key, const uint8_t *b, size_t len),
	void *arg);
/* buffered: @key's record is now @b (replacing any); -EMSGSIZE past PF_STORE_REC_MAX,
 * -ENOMEM, or the error that failed the store */
int pf_store_put(struct pf_store *s, uint64_t key, const uint8_t *b, size_t len);
/* buffered: @key gone; -ENOENT (nothing written) when it has no record */
int pf_store_del(struct pf_store *s, uint64_t key);
/* Told each put (@b, @len) and each del (@b NULL) as it is buffered: a replica's
 * stream (the pair's other box); @fn NULL: none. */
typedef void pf_store_tap_fn(void *arg, uint64_t key, const uint8_t *b, size_t len);
void pf_store_tap(struct pf_store *s, pf_store_tap_fn *fn, void *arg);
/* everything buffered written and fdatasync'd: durable on return; 0 or -errno. A failed
 * write keeps the buffer (and cuts what it wrote), so a later sync retries; a failed
 * fdatasync fails the store for good (the kernel may have dropped the pages): every
 * later put and sync returns that error, until it is closed and opened again. Then a
 * compaction step when one is due (its failures are logged, not returned). */
int pf_store_sync(struct pf_store *s);
/* pf_store_sync's two halves: what is buffered written and fdatasync'd
 * (durable on return: 0 or -errno, as above), then the compaction step
 * (pf_jsync tells the waiters between them: an answer never waits for a
 * compaction). */
int pf_store_commit(struct pf_store *s);
void pf_store_maintain(struct pf_store *s);
/* closes (a compaction under way is dropped, its temp file removed); what was not
 * synced is lost. NULL: nothing. */
void pf_store_close(struct pf_store *s);

struct pf_store_stats {
	uint64_t live;        /* keys with a record */
	uint64_t records;     /* records in the log (live, replaced, deleted, dels) */
	uint64_t file_bytes;  /* the log's size once what is buffered is written */
	uint64_t syncs;       /* pf_store_sync calls that wrote something */
	uint64_t compactions; /* finished */
	uint64_t live_bytes;  /* of the live records, their framing included */
	uint64_t index_bytes; /* the index's memory */
	uint64_t compacting;  /* 1 while a compaction is under way */
};
void pf_store_stats(const struct pf_store *s, struct pf_store_stats *st);

#endif
