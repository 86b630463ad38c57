/* Switch stage "ingress": the (port, VLAN) interface gives the frame its
 * slice and bridge domain; frames from a group or zero source MAC stop
 * here; unknown or moved sources become learn events for the control
 * thread (one lookup per burst, bulk). An interface's meter (qos) polices
 * what enters through it; a slice's interfaces sharing one meter police
 * the slice. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_ingress.h"
#include "qos_api.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"

static inline uint16_t
in_vid(const struct dp_meta *md)
{
	return (md->flags & DP_MF_VLAN) ? (md->vlan[0] & 0x0fff) : 0;
}

uint16_t
pl_switch_ingress_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], midx[DP_LOOKUP_BURST];
	uint32_t meter[DP_LOOKUP_BURST];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	unsigned int k = 0, nm = 0;
	uint16_t cont = 0;
	uint64_t hit;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);

		memset(keys[i], 0, 16);
		*(rte_be16_t *)keys[i] = rte_cpu_to_be_16(md->in_port);
		*(rte_be16_t *)(keys[i] + 2) = rte_cpu_to_be_16(in_vid(md));
		kp[i] = keys[i];
	}
	/* a burst is mostly one (port, VLAN): one lookup a run */
	dp_table_lookup_runs(ctx->root, ctx->worker, pl_sw.interfaces, kp, n, e);
	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);
		const struct sw_attach *a = (const struct sw_attach *)e[i]->params;
		const struct rte_ether_hdr *eth;

		if (e[i]->action != SW_IF_ATTACH) {
			next[i] = DP_NEXT_DROP(SW_DROP(no_interface));
			continue;
		}
		eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		/* A group or all-zero source is no station: such a frame is
		 * neither bridged, routed nor learned (IEEE 802.1Q 8.7,
		 * RFC 1812 5.3.4; Linux's bridge drops it the same way). */
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
			     rte_is_zero_ether_addr(&eth->src_addr))) {
			next[i] = DP_NEXT_DROP(SW_DROP(bad_src_mac));
			continue;
		}
		if (a->meter != 0) {
			midx[nm] = i;
			meter[nm++] = a->meter;
		}
		next[i] = DP_NEXT_CONTINUE;
		cont++;
		md->slice = a->slice;
		sw_meta(pkts[i])->bd = a->bd;
		sw_meta(pkts[i])->vid = in_vid(md);
		pl_switch_key_fdb(keys[k], a->bd, &eth->src_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	/* its VDN or class (pipe, meter), then the interface's meter (the
	 * slice's), color-aware ones seeing the class meter's color; policed
	 * before learning: a dropped frame still taught its source */
	if (k) {
		unsigned int dropped = pl_qos_classify(ctx, pkts, idx, k, next);

		if (dropped) {
			unsigned int m = 0;

			cont -= (uint16_t)dropped;
			for (unsigned int j = 0; j < nm; j++)
				if (next[midx[j]] == DP_NEXT_CONTINUE) {
					midx[m] = midx[j];
					meter[m++] = meter[j];
				}
			nm = m;
		}
	}
	if (nm)
		cont -= pl_qos_meter(ctx, pkts, midx, nm, meter, next);
	if (k == 0)
		return cont;
	/* Learning: the source lookup counts hits, which is what ageing watches. */
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.fdb, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct dp_meta *md = dp_meta(pkts[idx[j]]);
		struct sw_learn_ev ev;

		if ((hit & (1ULL << j)) && pl_switch_fdb_knows(e[j], md->in_port, 0))
			continue;   /* known here, or static */
		ev.bd = sw_meta(pkts[idx[j]])->bd;
		ev.port = md->in_port;
		memcpy(&ev.mac, keys[j] + 2, 6);
		ev.pad = 0;
		ev.tunnel = 0;
		pl_switch_learn_post(ctx, &last, &ev);
	}
	return cont;
}
