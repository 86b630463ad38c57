/* SPDX-License-Identifier: BSD-3-Clause */
/* up_path: GTP-U path supervision (TS 29.281 7.2, TS 23.527 4.3): Echo Requests to the tunnel peers in use, paths failed and recovered (main lcore). */
/*
 * A path is our endpoint's to one remote GTP-U address: every peer of
 * tunnel_peers whose source is an N3 or N9 endpoint with echo_s > 0
 * (upf_interfaces, upf_interfaces6) is supervised; several peers with the
 * same far end are one path. Each echo_s an Echo Request goes (its own
 * sequence number); the answer to the last one keeps the path up; the
 * path fails when `misses` in a row went unanswered, and is up again at
 * the first answer. Both are events (upf.events "path": the control side
 * tells the SMFs, a Node Report), and so is a Recovery restart counter
 * that changed (GTP-U sets it to 0, TS 29.281 7.2.2; a peer that counts
 * restarts there restarted). A path no peer uses any more goes. upf.paths
 * lists them.
 */
#ifndef UP_PATH_H
#define UP_PATH_H

#include <stdbool.h>
#include <stdint.h>

#define UP_PATH_ECHO_S_MAX 3600	/* the longest interval (s) */
#define UP_PATH_MISSES_MAX 16
#define UP_PATH_MAX	   4096	/* paths supervised at once (far ends) */

enum up_path_state { UP_PATH_UNKNOWN, UP_PATH_UP, UP_PATH_DOWN };

int up_path_init(void);
void up_path_fini(void);
void up_path_poll(uint64_t now_tsc);
/* An Echo Response from @addr (@len 4 or 16) with sequence number @seq
 * and restart counter @restart (-1: no Recovery IE). */
void up_path_echo_rsp(const uint8_t *addr, uint8_t len, uint16_t seq, int restart);

#endif
