/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_jsync: a PFCP journal (pf_store) whose syncs run on a thread of their own, so a slow disk never holds sxcd's loop. */
/*
 * pf_store_sync() writes what is buffered, fdatasyncs it and takes a
 * compaction step: a disk that stalls (a busy virtual disk, a failing one)
 * holds it for as long. Here it runs on a thread while the loop goes on
 * serving heartbeats, REST and keying timers; the loop is told once what
 * was put is durable and answers what waited for it then, while the thread
 * may still take the journal's compaction step (an answer never waits for
 * a compaction). While a sync runs, the thread
 * owns the store: puts and deletes made meanwhile are queued here and put
 * into the store once it is over, before the next sync starts (so every
 * put reaches the store, and its tap, in order). Syncs asked for while one
 * runs are made as one, after it (group commit).
 *
 * Without a thread (pf_jsync_new() given no event base, as unit tests
 * and tools may), every call is made at once on the caller's thread.
 */
#ifndef PF_JSYNC_H
#define PF_JSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct pf_store;
struct pf_jsync;

/* @rc: pf_store_sync()'s */
typedef void pf_jsync_done(void *arg, int rc);

/* Takes @s (closed by pf_jsync_free). NULL: out of memory, or no thread
 * could start (@s is then the caller's still). */
struct pf_jsync *pf_jsync_new(struct event_base *base, struct pf_store *s);
/* Waits for a sync under way, closes the store; the syncs' waiters are
 * told -ECANCELED (whatever they wait for may not be durable). */
void pf_jsync_free(struct pf_jsync *j);
/* pf_store_put/del, now or once the sync under way is over (queued:
 * 0, or -ENOMEM). */
int pf_jsync_put(struct pf_jsync *j, uint64_t key, const uint8_t *b, size_t len);
int pf_jsync_del(struct pf_jsync *j, uint64_t key);
/* Everything put so far made durable, then @done(@arg, rc) on the loop
 * (with a thread never from inside this call; without one, at once). 0,
 * or -ENOMEM (nothing started). */
int pf_jsync_sync(struct pf_jsync *j, pf_jsync_done *done, void *arg);
/* The store itself, for a call made rarely (load, tap, stats): the sync
 * under way waited for first (its callbacks follow from the loop). */
struct pf_store *pf_jsync_store(struct pf_jsync *j);
bool pf_jsync_busy(const struct pf_jsync *j);

struct pf_jsync_stats {
	uint64_t syncs;		/* made on the thread */
	uint64_t last_us, max_us;	/* how long they took (the last, the longest) */
	uint64_t queued;	/* puts and deletes that waited for one */
};
void pf_jsync_stats(const struct pf_jsync *j, struct pf_jsync_stats *st);

#endif
