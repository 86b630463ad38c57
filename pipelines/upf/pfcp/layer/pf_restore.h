/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_restore: PFCP sessions across restarts: the journal's loaded and restored, into a restarted sxdp again. */
#ifndef PF_RESTORE_H
#define PF_RESTORE_H

#include <event2/util.h>

#include "pf_up_state.h"

/* pf_store_load's callback: one record of the journal at start. */
int pf_restore_load_one(void *arg, uint64_t key, const uint8_t *b, size_t len);
/* up->restore's callback: the loaded sessions restored, a slice at a time. */
void pf_restore_slice(evutil_socket_t fd, short what, void *arg);
/* A failed sweep's timer: done again (sxdp connected). */
void pf_restore_resweep(evutil_socket_t fd, short what, void *arg);
/* An OP_RESTORE done (written, or refused): once a takeover's are all, the
 * journal says this sxdp holds its sessions. */
void pf_restore_written(struct pf_up *up);
/* cd_host_watch's callback: sxdp came (@t) or went (NULL). */
void pf_restore_on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id);

#endif
