/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_link: sxcd's connection to sxdp: who it is (sys.hello), its tables and ports, how full they are, and who is told. */
/*
 * The reconciler (cd_sync) writes into sxdp's tables as sxdp describes
 * them. This keeps the socket's client (ctl_async: reconnects by itself),
 * and on each connect asks sxdp who it is (its boot_id: a new one means an
 * sxdp that restarted empty, and its version), then its pipeline and
 * ports (pipeline.describe, port.list), of which the tables (cd_tables)
 * are made; then the reconciler and the watchers are told. When the
 * connection goes, the reconciler is told first (its runs are void), then
 * the tables are gone and the watchers told. It calls nothing of the
 * reconciler's but the three it is handed.
 */
#ifndef CD_LINK_H
#define CD_LINK_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_tables.h"

struct event_base;
struct ctl_async;

typedef void cd_link_fn(void *arg);
/* (The same type as cd_sync_watcher.) */
typedef void cd_link_watcher(void *arg, const struct cd_tables *t, const char *boot_id);
#define CD_LINK_WATCHERS 8

struct cd_link {
	struct ctl_async *ctl;
	struct cd_tables *tables;	/* sxdp's, once described (NULL: not connected, or not yet) */
	char boot_id[64], version[64];	/* sxdp's, as last said */
	json_t *usage;			/* TABLE → {"used", "size"}: sxdp's last pipeline.describe */
	struct {
		cd_link_watcher *fn;
		void *arg;
	} watch[CD_LINK_WATCHERS];
	int n_watch;
	cd_link_fn *up;			/* connected (not yet described) */
	cd_link_fn *known;		/* the tables are known (before the watchers) */
	cd_link_fn *lost;		/* the connection went (the tables still there) */
	void *arg;
	bool plain_hello;		/* sxdp takes no exclusive hello (older): said plainly */
};

/* Connect to sxdp's socket at @socket on @base (and keep reconnecting).
 * 0 or -ENOMEM. */
int cd_link_open(struct cd_link *l, struct event_base *base, const char *socket, cd_link_fn *up,
		 cd_link_fn *known, cd_link_fn *lost, void *arg);
void cd_link_close(struct cd_link *l);
/* Ask how full sxdp's tables are (for /status), when they are known. */
void cd_link_usage(struct cd_link *l);
/* Tell @fn when the tables are known after a connect and when the
 * connection is lost (at once when they are known now). 0 or -ENOSPC
 * (CD_LINK_WATCHERS already). */
int cd_link_watch(struct cd_link *l, cd_link_watcher *fn, void *arg);

#endif
