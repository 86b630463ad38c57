/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pair: the PFCP node of a pair of boxes: the sessions' journal replicated to the standby's sxcd, the node served by the box that holds the UPF's addresses. */
/*
 * Two boxes at one PoP hold the UPF's N3/N9 addresses by VRRP (the site's
 * pair, pipelines/ha): sxdp knows which box holds them (upf.held). Each
 * box's sxcd runs with the same --pfcp address and Node ID and
 * --pfcp-pair: the one whose sxdp holds the addresses serves PFCP (the
 * active); the other's (the standby) serves nothing and keeps a copy:
 *
 * - The active streams, over TLS with a pre-shared key (ECDHE-PSK: each
 *   connection's keys forward secret), its node's state document (Recovery
 *   Time Stamp, associations) and every record of its sessions' journal as
 *   it is buffered; at each group commit a commit mark, which the standby
 *   answers once its own journal has synced the batch. The answers of that
 *   batch leave only then: an answered session request is on both boxes
 *   (an association's document is streamed as it is saved, before any of
 *   its sessions' records, but its answer does not wait). With no
 *   standby connected (or one that does not acknowledge within
 *   PF_PAIR_ACK_MS), answers leave as on one box; a standby that connects
 *   first gets the whole journal (a snapshot), then the stream.
 * - The standby's sxdp takes the addresses (the active died, its LAN or
 *   WAN was cut, it stopped): its sxcd adds the --pfcp address to
 *   --pfcp-n4-dev (a gratuitous ARP, IPv6's unsolicited NA), starts the node from the
 *   copy (the same Node ID, Recovery Time Stamp and associations: the SMFs
 *   see no restart, heartbeats go on) and writes every session into its
 *   sxdp (pf_up_attach's takeover). Usage the other box counted after its
 *   last record of a session is lost, never reported twice.
 * - An active whose sxdp no longer holds them (the other preempted it
 *   back) removes the address and starts again as a standby (sxcd execs
 *   itself): the session layer is rebuilt from the new active's stream,
 *   never half torn down.
 */
#ifndef PF_PAIR_H
#define PF_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "pf_addr.h"

struct cd_svc_ctx;
struct pf_node;

#define PF_PAIR_PORT	8806	/* the pair's replication, by default */
#define PF_PAIR_ACK_MS	500	/* a batch not acknowledged by then: answers go, the standby is dropped */
#define PF_PAIR_POLL_MS	50	/* sxdp asked this often which box holds the UPF's addresses */

struct pf_pair_cfg {
	struct pf_addr peer, listen;	/* the other box's sxcd, ours */
	char key_file[256];		/* the pre-shared key (both boxes) */
	char n4_dev[16];		/* (IFNAMSIZ) where the --pfcp address is added while active ("": not managed) */
	struct pf_addr n4;		/* the --pfcp address */
	unsigned int usage_ms;		/* sessions' usage checkpointed this often (pf_up_replica's) */
	/* the node served (its journal the pair's other box's when @takeover):
	 * 0 or -errno with @err */
	int (*serve)(bool takeover, char *err, size_t len);
};

/* Started on @ctx's loop as a standby: 0 or -errno with @err (the key file
 * unreadable or open to others, the listener's address taken). */
int pf_pair_start(const struct cd_svc_ctx *ctx, const struct pf_pair_cfg *cfg, char *err, size_t len);
/* The node served now: the stream to the standby starts (@n: its state
 * document's saves are streamed too). */
void pf_pair_serving(struct pf_node *n);
void pf_pair_stop(void);
/* {role, peer_connected, in_sync, batches, acks, snapshots, takeovers, ...} (new), NULL: no pair. */
json_t *pf_pair_status(void);

#endif
