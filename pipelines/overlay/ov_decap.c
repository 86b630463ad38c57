/* Overlay stage "wan": the entry of WAN ports. Probes to a local VTEP are
 * the prober's (ov_probe.c). A UDP datagram to a local VTEP on the VXLAN
 * or GENEVE port is checked in this order, each failure
 * a named drop: the outer header checksum, the tunnel header, the VNI
 * (some slice's), the outer source (a peer of that slice). Only then is the
 * inner frame taken: into the slice's bridge domain (its source MAC learned
 * against the peer's tunnel) or VRF. Everything else on a WAN port is
 * underlay traffic and goes to the switch. */
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "pl_overlay.h"
#include "ov_tun.h"
#include "ov_probe.h"
#include "pl_switch.h"
#include "dp_parse.h"
#include "dp_stats.h"
#include "dp_table.h"

static const unsigned int tun_reason[] = {
	[OV_TUN_TRUNC] = OV_DROP_truncated, [OV_TUN_VXLAN_FLAGS] = OV_DROP_vxlan_flags,
	[OV_TUN_GENEVE_VERSION] = OV_DROP_geneve_version, [OV_TUN_GENEVE_OAM] = OV_DROP_geneve_oam,
	[OV_TUN_GENEVE_CRITICAL] = OV_DROP_geneve_critical, [OV_TUN_GENEVE_PROTO] = OV_DROP_geneve_proto,
};

/* What a WAN packet may be for the overlay, if addressed to a local VTEP:
 * a tunnel datagram, a probe, or an ICMP echo reply (perhaps to our probe). */
enum { K_VXLAN = OV_TUN_VXLAN, K_GENEVE = OV_TUN_GENEVE, K_PROBE, K_PING, K_NONE };

/* Fragments are none of them: reassembly is not the overlay's. */
static inline uint8_t
kind_of(struct rte_mbuf *m, const struct dp_meta *md)
{
	if ((md->flags & (DP_MF_IPV4 | DP_MF_L4 | DP_MF_FRAG)) != (DP_MF_IPV4 | DP_MF_L4))
		return K_NONE;
	if (likely(md->l4_proto == IPPROTO_UDP)) {
		if (md->dport == OV_VXLAN_PORT)
			return K_VXLAN;
		if (md->dport == OV_GENEVE_PORT)
			return K_GENEVE;
		return md->dport == OV_PROBE_PORT ? K_PROBE : K_NONE;
	}
	if (md->l4_proto == IPPROTO_ICMP &&
	    *rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off) == RTE_IP_ICMP_ECHO_REPLY)
		return K_PING;
	return K_NONE;
}

/* A learn event for the inner source when the fdb does not already have it
 * behind this tunnel (static entries are never moved). */
static void
learn(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		pl_switch_key_fdb(keys[j], sw_meta(m)->bd,
				  &rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr);
		kp[j] = keys[j];
	}
	/* the source lookup counts hits: ageing watches them */
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.fdb, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct dp_meta *md = dp_meta(pkts[idx[j]]);
		struct sw_learn_ev ev;

		if ((hit >> j & 1) && pl_switch_fdb_knows(e[j], md->in_port, md->tunnel))
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.bd = sw_meta(pkts[idx[j]])->bd;
		ev.port = md->in_port;
		ev.tunnel = md->tunnel;
		memcpy(&ev.mac, keys[j] + 2, 6);
		pl_switch_learn_post(ctx, &last, &ev);
	}
}

uint16_t
pl_overlay_wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], l2[DP_LOOKUP_BURST];
	uint32_t hlen[DP_LOOKUP_BURST];
	uint8_t kind[DP_LOOKUP_BURST];
	unsigned int k = 0, nl2 = 0;
	uint16_t cont = 0;
	uint64_t hit;

	/* 1: the outer destination, for datagrams on a tunnel port */
	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);

		if ((kind[i] = kind_of(pkts[i], md)) == K_NONE) {
			next[i] = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
			cont++;
			continue;
		}
		memset(keys[k], 0, SW_KEY_BYTES);
		memcpy(keys[k], &rte_pktmbuf_mtod_offset(pkts[i], const struct rte_ipv4_hdr *,
							 md->l3_off)->dst_addr, 4);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return cont;
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_ov.vteps, kp, k, e);
	/* 2: for a local VTEP: the outer checksum, the tunnel header; the VNI */
	{
		unsigned int k2 = 0;

		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			const struct dp_meta *md = dp_meta(m);
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
			uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
			uint16_t *nx = &next[idx[j]];
			enum ov_tun_err err;
			uint32_t vni, be, ulen;

			if (!(hit >> j & 1)) {   /* not ours: transit UDP */
				*nx = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
				cont++;
				continue;
			}
			if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
				     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && !dp_ipv4_cksum_ok(ip)))) {
				*nx = DP_NEXT_DROP(OV_DROP(outer_cksum));
				continue;
			}
			if (unlikely(kind[idx[j]] >= K_PROBE)) {
				bool underlay;

				*nx = ov_probe_rx(ctx, m, kind[idx[j]] == K_PING, &underlay);
				if (underlay) {
					*nx = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
					cont++;
				}
				continue;
			}
			/* the parser vouched for the UDP length against the packet;
			 * what is read must also be in the first segment */
			ulen = RTE_MIN(rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
										 md->l4_off)->dgram_len),
				       (uint32_t)rte_pktmbuf_data_len(m) - md->l4_off);
			err = ov_tun_read((enum ov_tun_type)kind[idx[j]], rte_pktmbuf_mtod_offset(m, const uint8_t *,
									md->l4_off + OV_UDP_HLEN),
					  ulen - OV_UDP_HLEN, &vni, &hlen[idx[j]]);
			if (err != OV_TUN_OK) {
				*nx = DP_NEXT_DROP(pl_ov_drop_base + tun_reason[err]);
				continue;
			}
			be = rte_cpu_to_be_32(vni);
			memset(keys[k2], 0, SW_KEY_BYTES);
			memcpy(keys[k2], &be, 4);
			kp[k2] = keys[k2];
			idx[k2++] = idx[j];
		}
		k = k2;
	}
	if (k == 0)
		return cont;
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_ov.vnis, kp, k, e);
	/* 3: the VNI's slice, then whether the outer source is its peer */
	{
		const struct dp_entry *ve[DP_LOOKUP_BURST];
		unsigned int k2 = 0;

		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			const struct dp_meta *md = dp_meta(m);
			uint16_t slice;

			if (!(hit >> j & 1) || e[j]->action == OV_VNI_NONE) {
				next[idx[j]] = DP_NEXT_DROP(OV_DROP(unknown_vni));
				continue;
			}
			slice = e[j]->action == OV_VNI_L2 ? ((const struct ov_vni_l2 *)e[j]->params)->slice :
							    ((const struct ov_vni_l3 *)e[j]->params)->slice;
			memset(keys[k2], 0, SW_KEY_BYTES);
			*(rte_be16_t *)keys[k2] = rte_cpu_to_be_16(slice);
			memcpy(keys[k2] + 2, &rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								      md->l3_off)->src_addr, 4);
			kp[k2] = keys[k2];
			ve[k2] = e[j];
			idx[k2++] = idx[j];
		}
		k = k2;
		if (k == 0)
			return cont;
		hit = dp_table_lookup(ctx->root, ctx->worker, pl_ov.peers, kp, k, e);
		/* 4: in: the outer headers off, the inner frame parsed */
		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			struct dp_meta *md = dp_meta(m);
			uint16_t *nx = &next[idx[j]];
			const struct rte_ether_hdr *eth;
			uint32_t end;

			if (!(hit >> j & 1) || e[j]->action == OV_PEER_NONE) {
				*nx = DP_NEXT_DROP(OV_DROP(unknown_peer));
				continue;
			}
			/* the inner frame ends with the datagram, not with the
			 * outer frame's Ethernet padding */
			end = md->l4_off + rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m,
					const struct rte_udp_hdr *, md->l4_off)->dgram_len);
			if (rte_pktmbuf_pkt_len(m) > end)
				rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
			rte_pktmbuf_adj(m, (uint16_t)(md->l4_off + OV_UDP_HLEN + hlen[idx[j]]));
			/* what the NIC said (RSS hash, checksums) was of the outer
			 * headers: the inner flow hashes and verifies afresh */
			m->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK |
					 RTE_MBUF_F_RX_L4_CKSUM_MASK);
			/* the inner frame is parsed as any frame: a malformed one is
			 * a parse drop like any other */
			if (dp_parse_burst(ctx, &m, 1, nx) == 0)
				continue;
			ctx->stats->events[OV_EVENT(decap)]++;
			md->tunnel = ((const struct ov_peer *)e[j]->params)->tunnel;
			if (ve[j]->action == OV_VNI_L3) {
				md->slice = ((const struct ov_vni_l3 *)ve[j]->params)->slice;
				if (md->flags & DP_MF_IPV4)
					*nx = DP_NEXT_EDGE(OV_WAN_EDGE_L3);
				else if (md->flags & DP_MF_IPV6)
					*nx = DP_NEXT_EDGE(OV_WAN_EDGE_L3V6);
				else
					*nx = DP_NEXT_DROP(OV_DROP(l3_not_ip));
				continue;
			}
			eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
			if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
				     rte_is_zero_ether_addr(&eth->src_addr))) {
				*nx = DP_NEXT_DROP(OV_DROP(inner_src_mac));
				continue;
			}
			md->slice = ((const struct ov_vni_l2 *)ve[j]->params)->slice;
			sw_meta(m)->bd = ((const struct ov_vni_l2 *)ve[j]->params)->bd;
			sw_meta(m)->vid = 0;
			*nx = DP_NEXT_EDGE(OV_WAN_EDGE_L2);
			l2[nl2++] = idx[j];
		}
	}
	if (nl2)
		learn(ctx, pkts, l2, nl2);
	return cont;
}
