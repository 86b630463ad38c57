/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_sweep: PFCP's entries in sxdp that no session holds, found and deleted once at start. */
/*
 * A session's writes go to sxdp before its journal record is synced and
 * its answer sent; an sxcd killed in between leaves entries in sxdp that
 * no journalled session holds, and that the SMF was never told of (it
 * asks again). Once the journal's sessions are restored, every entry in
 * PFCP's id spaces (up_ids.h) of the UPF's tables is read back, and those
 * no session holds are deleted before any new request is compiled: no
 * half-installed session outlives a restart, nothing acknowledged is lost.
 */
#ifndef PF_SWEEP_H
#define PF_SWEEP_H

#include <stdbool.h>
#include <jansson.h>

struct ctl_async;
struct cd_tables;

/* Is @table's entry @e (as table.read gives it; @key its canonical key)
 * one a session or the shared registries hold? */
typedef bool pf_sweep_held(void *arg, const char *table, json_t *e, const char *key);
/* The sweep's end: the entries deleted, or -errno (sxdp went away). */
typedef void pf_sweep_done(void *arg, int rc);

/* Read the tables, delete what is PFCP's and not held, then @done. 0, or
 * -ENOMEM / -ENOTCONN (then @done is not called). */
int pf_sweep_start(struct ctl_async *ctl, const struct cd_tables *t, pf_sweep_held *held, pf_sweep_done *done,
		   void *arg);

#endif
