/* overlay.encap (ov_encap.c): frames the switch sends to a tunnel,
 * encapsulated onto the path their policy picks; its slow-path halves. */
#ifndef OV_ENCAP_H
#define OV_ENCAP_H

#include <stdint.h>
#include "dp_feature.h"

/* The workers' memos of the classes lookup (after the tables exist). 0 or -ENOMEM. */
int ov_encap_init(unsigned int workers);
void ov_encap_fini(void);
uint16_t pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				uint16_t *next);
/* Main lcore: m, punted OV_PUNT_TOO_BIG by the encap stage, answered or
 * fragmented. Takes m. */
void pl_overlay_too_big(struct rte_mbuf *m);
/* What the switch says about a frame that came through an L2 tunnel goes
 * back inside it: registered with the switch at init. */
void pl_overlay_tunnel_back_init(void);

#endif
