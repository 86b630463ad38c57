/* Path probes. Every probed path sends one probe per interval from its
 * local VTEP to its remote endpoint through its own underlay next hop: to
 * a peer sxdp a BFD-like echo (UDP 3785, RFC 5881's echo port) that the
 * peer's worker turns around on the spot, to any other host an ICMP echo.
 * The answer is stamped by the worker that receives it and judged on the
 * main lcore (ov_sla.h), which publishes each path's state to the workers
 * (ov_path.h). A bfd path instead runs a BFD session with its far end
 * (ov_bfd.h): the workers punt the control packets to the main lcore, which
 * sends this end's and publishes the session's Up as the path's. */
#ifndef OV_PROBE_H
#define OV_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "ov_bfd.h"
#include "dp_feature.h"
#include "dp_table.h"

#define OV_PROBE_PORT     3785          /* BFD echo */
#define OV_PROBE_MAGIC    0x53585042u   /* "SXPB" */
#define OV_PROBE_VERSION  1
#define OV_PROBE_MAX_PPS  20000         /* every probe the box sends, at most */
enum { OV_PROBE_REQUEST = 1, OV_PROBE_REPLY = 2 };
/* The answering box's role in its pair (dp_role): standby, its paths up
 * and taken only when no path to an active box is (ov_path.h); fault, its
 * paths taken as down (it has no LAN to deliver to). Neither: active (a
 * box alone, or one that sends 0 there). */
#define OV_PROBE_F_STANDBY 1u
#define OV_PROBE_F_FAULT   2u
/* The answering box sees a box of the asker's site (its endpoints' site)
 * active: a path to it up and its far end active. The asker, the backup
 * of a pair, does not take over while a peer says so (the witness of its
 * election: two boxes that no longer hear each other never both become
 * the active one while a peer site sees one of them). */
#define OV_PROBE_F_SITE_ACTIVE 4u
#define OV_PROBE_NONCE_SHIFT 8
/* Workers: by site id, the nonces of (up to two) boxes of that site the
 * box's paths find active, 0: none (written on the main lcore). */
#define OV_SITE_ACTIVE_MAX 2
extern uint32_t (*ov_site_active)[OV_SITE_ACTIVE_MAX];

/* The payload of both kinds. tx and rx are the prober's own clock (TSC),
 * meaningful to it alone: the far end turns them around untouched. */
struct ov_probe_msg {
	rte_be32_t magic;
	uint8_t version, type;
	rte_be16_t path;          /* the sender's path id */
	rte_be32_t seq;
	/* OV_PROBE_F_* (an answer's) in the low byte, and above it the
	 * sender's box nonce (24 random bits a process draws: which box a
	 * request or an answer comes from, whatever its address) */
	rte_be32_t flags;
	uint64_t tx;              /* when the prober sent it */
	uint64_t rx;              /* when a worker took the answer in */
} __rte_packed;

/* ---- workers (overlay.wan) ----
 * A probe datagram (UDP to OV_PROBE_PORT) or ICMP echo reply to a local
 * VTEP: a request from a known endpoint is turned around (DP_NEXT_TX); an
 * answer to one of ours is stamped and punted; an ICMP echo reply that is
 * no probe of ours goes on to the underlay (*underlay set). */
uint16_t ov_probe_rx(struct dp_stage_ctx *ctx, struct rte_mbuf *m, bool icmp, bool sealed, bool *underlay);
/* A BFD control packet (UDP to OV_BFD_PORT) to a local VTEP: punted when
 * it came from on the link (TTL 255), else a drop. */
uint16_t ov_probe_bfd_rx(struct rte_mbuf *m);

/* ---- main lcore ---- */
int ov_probe_init(void);
void ov_probe_fini(void);
/* Send what is due, judge what timed out. */
void ov_probe_poll(uint64_t now_tsc);
/* A punted answer (consumed). */
void ov_probe_answer(struct rte_mbuf *m);
/* A punted BFD control packet (consumed). */
void ov_probe_bfd_in(struct rte_mbuf *m);
/* The paths table changed (dp_table_deriver.done). */
void ov_probe_paths_done(const struct dp_update *d, unsigned int n, const int *res);
/* A takeover (dp_takeover.h): the probed paths that are up, as ids (a
 * new JSON array); here, those of them this process probes the same way
 * are up from now (BFD sessions start again: their far end's state is
 * theirs). */
/* Main lcore: the box has probed paths and none of its paths is up (to
 * either kind of far end): the overlay carries nothing off site. */
bool ov_probe_cut_off(void);
/* Main lcore: what the peer sites' answers say of another box of this
 * box's site (DP_PARTNER_*): active when any answer of the last two probe
 * intervals said so; gone when none did and one of them said none is;
 * unknown when no answer came in that time. */
int ov_probe_partner(void);
struct json_t *ov_probe_handover_out(void);
int ov_probe_handover_in(struct json_t *up);
/* The prober's clock (ns) at TSC tsc: what ov_sla's times are in. */
uint64_t ov_probe_ns(uint64_t tsc);
/* The state of probed path p, NULL if p is not probed (or by BFD). */
const struct ov_sla *ov_probe_sla(uint16_t p);
/* Path p answers, from a far end in fault (taken as down). */
bool ov_probe_far_fault(uint16_t p);
/* Path p is up but not yet for its hold_ms (taken as down). */
bool ov_probe_held(uint16_t p);
/* The BFD session of path p, NULL if p is no bfd path. */
const struct ov_bfd *ov_probe_bfd(uint16_t p);

#endif
