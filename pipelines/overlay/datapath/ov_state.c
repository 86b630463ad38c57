/* What the overlay's stages and slow path share (ov_state.h): its table
 * ids and drop reasons, filled at init, and the main lcore's lookups and
 * way out through the underlay. */
#include <string.h>
#include <rte_ip.h>

#include "ov_state.h"
#include "sw_api.h"
#include "dp_slow.h"
#include "dp_worker.h"

struct pl_overlay_tables pl_ov = { -1, -1, -1, -1 };
unsigned int pl_ov_drop_base, pl_ov_event_base;
uint8_t pl_ov_class_off[DP_FK_FIELDS];

bool
ov_state_vtep(struct dp_stage_ctx *ctx, const uint8_t *dst)
{
	uint8_t key[DP_KEY_MAX] = { 0 };
	const uint8_t *kp = key;
	const struct dp_entry *e;

	memcpy(key, dst, 16);
	dp_table_lookup(ctx->root, ctx->worker, pl_ov.vteps, &kp, 1, &e);
	return e->action == OV_VTEP;
}

const struct sw_rewrite *
ov_state_underlay_rw(const struct ov_path *p)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	e = dp_table_find(ov_state_nh_key(k, p) ? pl_sw.neigh6 : pl_sw.neigh, k);
	return e != NULL && pl_switch_nb_port(e->action) ? (const struct sw_rewrite *)e->params : NULL;
}

int
ov_state_underlay_out(struct rte_mbuf *m, const struct ov_path *p)
{
	struct dp_meta *md = dp_meta(m);
	const struct sw_rewrite *rw = ov_state_underlay_rw(p);
	struct rte_ipv4_hdr *ip;

	if (rw != NULL) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		memcpy(&eth->dst_addr, rw->dmac, 6);
		memcpy(&eth->src_addr, rw->smac, 6);
		if (pl_switch_vlan_set(m, (md->flags & DP_MF_VLAN) != 0, rw->vlan) < 0) {
			dp_slow_drop(m, OV_DROP(no_headroom));
			return -1;
		}
		return dp_slowpath_send(m, rw->port);
	}
	/* The switch's hold queue asks for gw and then sends the packet with
	 * a routed packet's rewrite, which takes one off the TTL: put back
	 * here, so a held packet leaves with the TTL of one that was not. */
	dp_slow_event(OV_EVENT(held));
	if (ov_path_v6(p)) {
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits++;
		pl_swctl_hold(m, p->vrf, true, p->gw, p->src);
		return 0;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	ip->time_to_live++;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	pl_swctl_hold(m, p->vrf, false, p->gw + 12, p->src + 12);
	return 0;
}

const struct dp_entry *
ov_state_find_id(int table, uint32_t id)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	uint32_t be = rte_cpu_to_be_32(id);

	memcpy(k, &be, 4);
	return dp_table_find(table, k);
}

const struct ov_path *
ov_state_path(uint32_t id)
{
	const struct dp_entry *e = ov_state_find_id(pl_ov.paths, id);

	return e != NULL && e->action != OV_PATH_NONE ? (const struct ov_path *)e->params : NULL;
}
