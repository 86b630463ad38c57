/* overlay.encap (ov_encap.c): frames the switch sends to a tunnel,
 * encapsulated onto the path their policy picks; its slow-path halves. */
#ifndef OV_ENCAP_H
#define OV_ENCAP_H

#include <stdint.h>
#include "dp_feature.h"
#include "dp_port.h"
#include "dp_table.h"
#include "ov_state.h"
#include "sw_api.h"

/* The workers' memos of the classes lookup (after the tables exist). 0 or -ENOMEM. */
int ov_encap_init(unsigned int workers);
void ov_encap_fini(void);
/* The stage's general path: every burst's reference, and what takes a
 * burst the fast path (ov_encfast.h) declines. Frames whose path is
 * encrypted are left to be sealed (OV_NEXT_SEAL). */
uint16_t pl_overlay_encap_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				  uint16_t *next);

/* A walk of the stage (general or fast) seals nothing: a frame whose path
 * is encrypted leaves it encapsulated, its next OV_NEXT_SEAL, its SA and
 * underlay next hop in ov_encap_pend (by its place in the burst), and the
 * stage seals it after the walk (ov_encap_seal_pending). So a checked
 * walk's shadow (dp_fastcheck.h), which runs on copies, never takes an
 * SA's sequence numbers or counters: the two walks are compared before
 * the one seal. overlay.encap has no edges: OV_NEXT_SEAL is no verdict
 * the graph ever sees. */
#define OV_NEXT_SEAL DP_NEXT_EDGE(DP_STAGE_EDGES_MAX - 1)
struct ov_seal_pend {
	const struct ov_sa *sa;
	const struct sw_rewrite *rw;     /* NULL: unresolved */
};
extern struct ov_seal_pend ov_encap_pend[DP_WORKERS_MAX][DP_LOOKUP_BURST];
/* The frames of the burst a walk left OV_NEXT_SEAL sealed, each SA's in
 * one call, and on their way (their verdicts in next). Workers. */
void ov_encap_seal_pending(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* ---- what the general path and the fast one share ---- */
/* The largest outer packet path @p carries through next hop @rw (NULL:
 * not resolved yet): its own mtu (0: none) within its port's. */
static inline uint32_t
ov_encap_mtu(const struct ov_path *p, const struct sw_rewrite *rw)
{
	uint32_t mtu = p->mtu != 0 ? p->mtu : UINT16_MAX;

	return rw != NULL && dp_ports[rw->port].mtu < mtu ? dp_ports[rw->port].mtu : mtu;
}
struct dp_memo;
struct ov_tunnel;
struct ov_path;
struct ov_path_ctr;
struct ov_pins;
struct ov_sa;
struct ov_sa_ctr;
struct sw_rewrite;
struct dp_entry;
struct dp_meta;
extern struct dp_memo *ov_encap_class_memo;
/* The policies key of (tunnel, class). */
void ov_encap_policy_key(uint8_t *k, uint32_t tunnel, uint16_t class);
/* A packet's path (0: none up) by its policy entry pe (OV_POLICY_NONE:
 * its tunnel t's own path), its flow hash and the worker's pins (tick:
 * now in pin ticks); an SLA class outside its limits is counted. */
uint16_t ov_encap_pick(struct dp_stage_ctx *ctx, const struct dp_entry *pe, const struct ov_tunnel *t, uint32_t hash,
		       struct ov_pins *pins, uint16_t tick);
/* m's outer headers and metadata for path p, sealed with sa (NULL:
 * clear, sc unused): 0, or a drop reason. */
unsigned int ov_encap_outer(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action,
			    const struct ov_path *p, const struct ov_sa *sa, struct ov_sa_ctr *sc);
/* ov_encap_outer with the repair option rep (ov_repair.h; NULL: none). */
struct ov_tun_rep;
unsigned int ov_encap_outer_rep(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action,
				const struct ov_path *p, const struct ov_sa *sa, struct ov_sa_ctr *sc,
				const struct ov_tun_rep *rep);
/* The verdict of m, too big for path by over bytes within mtu. */
uint16_t ov_encap_too_big(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint32_t path,
			  uint32_t mtu, uint32_t over);
/* The verdict of m (its outer frame) through the underlay next hop rw
 * (NULL: unresolved, punted), counted in ctr (NULL: not counted). */
uint16_t ov_encap_out(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rewrite *rw, struct ov_path_ctr *ctr);
/* Main lcore: m, punted OV_PUNT_TOO_BIG by the encap stage, answered or
 * fragmented. Takes m. */
void pl_overlay_too_big(struct rte_mbuf *m);
/* What the switch says about a frame that came through an L2 tunnel goes
 * back inside it: registered with the switch at init. */
void pl_overlay_tunnel_back_init(void);

#endif
