/* Switch pipeline fast path: interfaces -> slice + bridge domain, MAC
 * learning (events to the control thread), bridging with flooding confined
 * to the bridge domain, and routing in the slice's VRF with neighbour
 * rewrite. Lookups are bulk per stage; only floods look up per packet.
 * Router conformance kept here is what costs a compare per packet: group or
 * zero source MACs, the IPv4 header checksum, martian addresses, egress
 * MTU (bridged: drop; routed: punt, the slow path fragments or answers
 * "fragmentation needed"). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_byteorder.h>

#include "pl_switch.h"
#include "pl_swctl.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_log.h"
#include "dp_tblrpc.h"

struct pl_switch_tables pl_sw = { -1, -1, -1, -1, -1, -1, -1 };
unsigned int pl_sw_drop_base, pl_sw_event_base;

#define DP_REASONS_DEF "pl_switch.def"
#define DP_REASONS_PREFIX sw
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

static struct rte_ring *learn_rings[DP_WORKERS_MAX];
static unsigned int n_workers;

#define LEARN_RING_SIZE 4096
#define FDB_SIZE (1u << 17)

static const struct dp_table_def interfaces_def = {
	.name = "interfaces", .size = 4096, .n_fields = 2,
	.fields = { { "in_port", DP_T_PORT, DP_MATCH_EXACT }, { "vlan", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = {
		[SW_IF_ATTACH] = { "attach", 2, { { "slice", DP_T_U16 }, { "bd", DP_T_U16 } } },
		[SW_IF_DROP] = { "drop", 0, {} },
	},
	.default_action = SW_IF_DROP, .next_table = "fdb",
};

static const struct dp_table_def bd_ports_def = {
	.name = "bd_ports", .size = 4096, .n_fields = 2,
	.fields = { { "bd", DP_T_U16, DP_MATCH_EXACT }, { "port", DP_T_PORT, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { { "member", 1, { { "vlan", DP_T_U16 } } }, { "none", 0, {} } },
	.default_action = 1,
};

static const struct dp_table_def flood_def = {
	.name = "flood", .size = 4096, .n_fields = 1,
	.fields = { { "bd", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { { "flood", 1, { { "ports", DP_T_U32 } } }, { "none", 0, {} } },
	.default_action = 1,
};

static const struct dp_table_def fdb_def = {
	.name = "fdb", .size = FDB_SIZE, .n_fields = 2,
	.fields = { { "bd", DP_T_U16, DP_MATCH_EXACT }, { "mac", DP_T_MAC, DP_MATCH_EXACT } },
	.n_actions = 4,
	.actions = {
		[SW_FDB_FORWARD] = { "forward", 1, { { "port", DP_T_PORT } } },
		[SW_FDB_LEARNED] = { "learned", 1, { { "port", DP_T_PORT } } },
		[SW_FDB_ROUTE] = { "route", 0, {} },
		[SW_FDB_DROP] = { "drop", 0, {} },
	},
	/* a miss floods; "drop" as default turns unknown unicast flooding off */
	.default_action = SW_FDB_ROUTE, .next_table = "routes",
	.age_action = SW_FDB_LEARNED + 1, .idle_timeout_s = 300,
};

static const struct dp_table_def routes_def = {
	.name = "routes", .size = 1u << 16, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "dst", DP_T_IPV4, DP_MATCH_LPM } },
	.n_actions = 6,
	.actions = {
		[SW_RT_VIA] = { "via", 1, { { "nh", DP_T_IPV4 } } },
		[SW_RT_ECMP] = { "ecmp", 5, { { "n", DP_T_U8 }, { "nh0", DP_T_IPV4 }, { "nh1", DP_T_IPV4 },
					      { "nh2", DP_T_IPV4 }, { "nh3", DP_T_IPV4 } } },
		[SW_RT_CONNECTED] = { "connected", 1, { { "bd", DP_T_U16 } } },
		[SW_RT_LOCAL] = { "local", 0, {} },
		[SW_RT_DROP] = { "drop", 0, {} },
		[SW_RT_UNREACHABLE] = { "unreachable", 0, {} },
	},
	.default_action = SW_RT_UNREACHABLE, .next_table = "neigh",
};

static const struct dp_table_def neigh_def = {
	.name = "neigh", .size = 1u << 16, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "ip", DP_T_IPV4, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = {
		[SW_NB_REWRITE] = { "rewrite", 4, { { "port", DP_T_PORT }, { "vlan", DP_T_U16 },
						    { "dmac", DP_T_MAC }, { "smac", DP_T_MAC } } },
		[SW_NB_LEARNED] = { "learned", 4, { { "port", DP_T_PORT }, { "vlan", DP_T_U16 },
						    { "dmac", DP_T_MAC }, { "smac", DP_T_MAC } } },
		[SW_NB_UNRESOLVED] = { "unresolved", 0, {} },
	},
	.default_action = SW_NB_UNRESOLVED, /* a miss is punted for ARP resolution */
};

static const struct dp_table_def svi_def = {
	.name = "svi", .size = 1024, .n_fields = 2,
	.fields = { { "vrf", DP_T_U16, DP_MATCH_EXACT }, { "bd", DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { { "svi", 3, { { "mac", DP_T_MAC }, { "ip", DP_T_IPV4 }, { "plen", DP_T_U8 } } },
		     { "none", 0, {} } },
	.default_action = 1,
};

/* ------------------------------------------------------------ helpers */

void
pl_switch_key_fdb(uint8_t *k, uint16_t bd, const struct rte_ether_addr *mac)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
	memcpy(k + 2, mac, 6);
}

void
pl_switch_key_vrf_ip(uint8_t *k, uint16_t vrf, uint32_t ip_be)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(vrf);
	memcpy(k + 2, &ip_be, 4);
}

void
pl_switch_key_bd_port(uint8_t *k, uint16_t bd, uint16_t port)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
	*(rte_be16_t *)(k + 2) = rte_cpu_to_be_16(port);
}

void
pl_switch_key_bd(uint8_t *k, uint16_t bd)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
}

struct rte_ring *
pl_switch_learn_ring(unsigned int worker)
{
	return worker < n_workers ? learn_rings[worker] : NULL;
}

unsigned int
pl_switch_workers(void)
{
	return n_workers;
}

int
pl_switch_vlan_set(struct rte_mbuf *m, int tagged, uint16_t vid)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (tagged) {
		rte_be16_t *tci = (rte_be16_t *)(d + 2 * RTE_ETHER_ADDR_LEN + 2);

		if (vid == 0) {   /* pop */
			memmove(d + 4, d, 2 * RTE_ETHER_ADDR_LEN);
			rte_pktmbuf_adj(m, 4);
		} else {          /* retag, keeping the priority bits */
			*tci = rte_cpu_to_be_16((rte_be_to_cpu_16(*tci) & 0xf000) | vid);
		}
		return 0;
	}
	if (vid == 0)
		return 0;
	d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	if (d == NULL)
		return -ENOSPC;
	memmove(d, d + 4, 2 * RTE_ETHER_ADDR_LEN);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	*(rte_be16_t *)(d + 14) = rte_cpu_to_be_16(vid);
	return 0;
}

int
pl_switch_rewrite(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_rewrite *rw)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	uint32_t sum;

	memcpy(&eth->dst_addr, rw->dmac, 6);
	memcpy(&eth->src_addr, rw->smac, 6);
	ip->time_to_live--;
	/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): TTL is the high byte of its
	 * 16-bit word m, so ~m + m' = 0xfeff. Unlike HC + 0x100 (RFC 1141) it is
	 * right when HC is 0xfeff. */
	sum = (uint32_t)(~rte_be_to_cpu_16(ip->hdr_checksum) & 0xffff) + 0xfeff;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	return pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan);
}

/* ------------------------------------------------------------ stages */

static int
sw_init(unsigned int workers)
{
	const struct { const struct dp_table_def *def; int *id; } tables[] = {
		{ &interfaces_def, &pl_sw.interfaces }, { &bd_ports_def, &pl_sw.bd_ports },
		{ &flood_def, &pl_sw.flood }, { &fdb_def, &pl_sw.fdb }, { &routes_def, &pl_sw.routes },
		{ &neigh_def, &pl_sw.neigh }, { &svi_def, &pl_sw.svi },
	};
	char name[RTE_RING_NAMESIZE];
	int rc;

	if ((rc = dp_reasons_register(sw_drop_reasons, SW_DROP_N, sw_event_reasons, SW_EVENT_N,
				      &pl_sw_drop_base, &pl_sw_event_base)) < 0)
		return rc;
	for (unsigned int i = 0; i < RTE_DIM(tables); i++) {
		*tables[i].id = dp_table_create(tables[i].def);
		if (*tables[i].id < 0) {
			DP_LOG(ERR, "switch: table %s: %s", tables[i].def->name, strerror(-*tables[i].id));
			return *tables[i].id;
		}
	}
	n_workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		snprintf(name, sizeof(name), "sw_learn%u", w);
		learn_rings[w] = rte_ring_create_elem(name, sizeof(struct sw_learn_ev), LEARN_RING_SIZE,
						      rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (learn_rings[w] == NULL)
			return -ENOMEM;
	}
	dp_tblrpc_set_check(pl_swctl_check);
	return pl_swctl_init();
}

static inline uint16_t
in_vid(const struct dp_meta *md)
{
	return (md->flags & DP_MF_VLAN) ? (md->vlan[0] & 0x0fff) : 0;
}

uint16_t
pl_switch_ingress_burst(struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	struct rte_ring *lr = learn_rings[ctx->worker];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	unsigned int k = 0;
	uint16_t cont = 0;
	uint64_t hit;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);

		memset(keys[i], 0, 16);
		*(rte_be16_t *)keys[i] = rte_cpu_to_be_16(md->in_port);
		*(rte_be16_t *)(keys[i] + 2) = rte_cpu_to_be_16(in_vid(md));
		kp[i] = keys[i];
	}
	dp_table_lookup(ctx->root, ctx->worker, pl_sw.interfaces, kp, n, e);
	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);
		const struct sw_attach *a = (const struct sw_attach *)e[i]->params;
		const struct rte_ether_hdr *eth;

		if (e[i]->action != SW_IF_ATTACH) {
			next[i] = PL_DROP(SW_DROP(no_interface));
			continue;
		}
		eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		/* A group or all-zero source is no station: such a frame is
		 * neither bridged, routed nor learned (IEEE 802.1Q 8.7,
		 * RFC 1812 5.3.4; Linux's bridge drops it the same way). */
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
			     rte_is_zero_ether_addr(&eth->src_addr))) {
			next[i] = PL_DROP(SW_DROP(bad_src_mac));
			continue;
		}
		next[i] = PL_NEXT_CONTINUE;
		cont++;
		md->slice = a->slice;
		md->aux = SW_AUX(a->bd, in_vid(md));
		pl_switch_key_fdb(keys[k], a->bd, &eth->src_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return cont;
	/* Learning: the source lookup counts hits, which is what ageing watches. */
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.fdb, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct dp_meta *md = dp_meta(pkts[idx[j]]);
		const struct sw_fwd *f = (const struct sw_fwd *)e[j]->params;
		struct sw_learn_ev ev;

		if ((hit & (1ULL << j)) && (e[j]->action != SW_FDB_LEARNED || f->port == md->in_port))
			continue;   /* known here, or static */
		ev.bd = SW_AUX_BD(md->aux);
		ev.port = md->in_port;
		memcpy(&ev.mac, keys[j] + 2, 6);
		ev.pad[0] = ev.pad[1] = ev.pad[2] = 0;
		/* a burst from one new host would repeat its event: send it once */
		if (ev.bd == last.bd && ev.port == last.port && rte_is_same_ether_addr(&ev.mac, &last.mac))
			continue;
		last = ev;
		if (rte_ring_sp_enqueue_elem(lr, &ev, sizeof(ev)) != 0)
			ctx->stats->events[SW_EVENT(learn_lost)]++;
	}
	return cont;
}

static inline int
is_arp_request(struct rte_mbuf *m, const struct dp_meta *md, uint32_t *tip)
{
	const struct rte_arp_hdr *arp;

	if (!(md->flags & DP_MF_ARP))
		return 0;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, md->l3_off);
	*tip = arp->arp_data.arp_tip;
	return arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
}

/* A flood copy that was never sent (no mbuf, no headroom, over the MTU)
 * counts as a copy made and dropped: rx + copies = tx + drops + punts. */
static inline void
copy_lost(struct pl_ctx *ctx, unsigned int reason)
{
	ctx->stats->copy_pkts++;
	ctx->stats->drop_pkts++;
	ctx->stats->drops[reason]++;
}

/* Replicate m to every other member port of its bridge domain. The copies go
 * through ctx->extra; m itself takes the last port. */
static uint16_t
flood(struct pl_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];
	uint16_t bd = SW_AUX_BD(md->aux), ports[DP_PORTS_MAX], vlans[DP_PORTS_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m) - md->l2_len;   /* L3 size, as an MTU counts */
	unsigned int n = 0, big = 0;
	uint32_t mask;

	pl_switch_key_bd(key, bd);
	dp_table_lookup(ctx->root, ctx->worker, pl_sw.flood, kp, 1, e);
	if (e[0]->action != 0)
		return PL_DROP(SW_DROP(no_flood));
	mask = ((const struct sw_flood *)e[0]->params)->ports & ~(1u << md->in_port);
	while (mask) {
		uint16_t p = (uint16_t)__builtin_ctz(mask);

		mask &= mask - 1;
		if (p >= dp_n_ports)
			break;
		pl_switch_key_bd_port(key, bd, p);
		dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.bd_ports, kp, 1, e);
		if (e[0]->action != 0)
			continue;
		if (unlikely(len > dp_ports[p].mtu)) {
			big++;   /* a bridge does not fragment: this copy is lost */
			continue;
		}
		ports[n] = p;
		vlans[n++] = ((const struct sw_member *)e[0]->params)->vlan;
	}
	if (n == 0) {
		if (big == 0)
			return PL_DROP(SW_DROP(no_flood));
		/* one count per copy that would have gone out: m is the last */
		while (--big > 0)
			copy_lost(ctx, SW_DROP(mtu_exceeded));
		return PL_DROP(SW_DROP(mtu_exceeded));
	}
	while (big-- > 0)
		copy_lost(ctx, SW_DROP(mtu_exceeded));
	for (unsigned int i = 0; i + 1 < n; i++) {
		struct rte_mbuf *c;

		if (ctx->n_extra == PL_EXTRA_MAX ||
		    (c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX)) == NULL) {
			copy_lost(ctx, SW_DROP(flood_copy));
			continue;
		}
		if (pl_switch_vlan_set(c, md->flags & DP_MF_VLAN, vlans[i]) < 0) {
			rte_pktmbuf_free(c);
			copy_lost(ctx, SW_DROP(vlan_push));
			continue;
		}
		dp_meta(c)->out_port = ports[i];
		ctx->extra[ctx->n_extra++] = c;
	}
	if (pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, vlans[n - 1]) < 0)
		return PL_DROP(SW_DROP(vlan_push));
	md->out_port = ports[n - 1];
	return PL_NEXT_TX;
}

/* Is ip one of the box's own addresses in this slice? */
static inline int
is_local(struct pl_ctx *ctx, uint16_t slice, uint32_t ip)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];

	pl_switch_key_vrf_ip(key, slice, ip);
	dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.routes, kp, 1, e);
	return e[0]->action == SW_RT_LOCAL;
}

uint16_t
pl_switch_l2_burst(struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;
	uint16_t cont = 0;
	uint64_t hit, unicast = 0;   /* packets bridged to one known port */

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint32_t tip;

		if (unlikely(rte_is_multicast_ether_addr(&eth->dst_addr))) {
			if (is_arp_request(m, md, &tip) && is_local(ctx, md->slice, tip)) {
				md->punt = SW_PUNT_ARP;
				next[i] = PL_NEXT_PUNT;
			} else {
				next[i] = flood(ctx, m, md);
			}
			continue;
		}
		pl_switch_key_fdb(keys[k], SW_AUX_BD(md->aux), &eth->dst_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	/* destination lookups do not count: hits mean "seen as a source" */
	hit = dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.fdb, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		uint16_t *nx = &next[idx[j]];

		if (!(hit & (1ULL << j))) {
			if (e[j]->action == SW_FDB_DROP)   /* flooding disabled by default action */
				*nx = PL_DROP(SW_DROP(fdb_drop));
			else
				*nx = flood(ctx, m, md);
			continue;
		}
		switch (e[j]->action) {
		case SW_FDB_FORWARD:
		case SW_FDB_LEARNED: {
			uint16_t port = ((const struct sw_fwd *)e[j]->params)->port;

			if (port == md->in_port) {
				*nx = PL_DROP(SW_DROP(hairpin));
				break;
			}
			md->out_port = port;
			*nx = PL_NEXT_TX;   /* VLAN set below, after the member lookup */
			unicast |= 1ULL << idx[j];
			break;
		}
		case SW_FDB_ROUTE:
			if (md->flags & DP_MF_ARP) {
				md->punt = SW_PUNT_ARP;
				*nx = PL_NEXT_PUNT;
			} else {
				*nx = PL_NEXT_CONTINUE;
				cont++;
			}
			break;
		default:
			*nx = PL_DROP(SW_DROP(fdb_drop));
		}
	}
	/* egress membership and tagging of the bridged ones */
	k = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (!(unicast & (1ULL << i)))
			continue;
		pl_switch_key_bd_port(keys[k], SW_AUX_BD(dp_meta(pkts[i])->aux), dp_meta(pkts[i])->out_port);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return cont;
	dp_table_lookup(ctx->root, ctx->worker, pl_sw.bd_ports, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);

		if (e[j]->action != 0) {
			next[idx[j]] = PL_DROP(SW_DROP(not_member));
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) - md->l2_len > dp_ports[md->out_port].mtu)) {
			next[idx[j]] = PL_DROP(SW_DROP(mtu_exceeded));
			continue;
		}
		if (pl_switch_vlan_set(m, md->flags & DP_MF_VLAN,
				       ((const struct sw_member *)e[j]->params)->vlan) < 0)
			next[idx[j]] = PL_DROP(SW_DROP(vlan_push));
	}
	return cont;
}

uint16_t
pl_switch_l3_burst(struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;
	uint64_t hit;

	/* RFC 1812 5.2.2 and 5.3.7 before any lookup, for routed and local
	 * packets alike. The parser vouched for version, IHL and total
	 * length against the frame and put the whole header in the first
	 * segment; what is left is the checksum and the address classes. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct rte_ipv4_hdr *ip;
		uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		uint32_t sa, da;

		if (!(md->flags & DP_MF_IPV4)) {
			next[i] = PL_DROP(SW_DROP(not_ipv4));
			continue;
		}
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
		/* the device's verdict when it has one (NONE: header verified,
		 * only the field is stale); software only for UNKNOWN */
		if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN &&
			      rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) != 0xffff))) {
			next[i] = PL_DROP(SW_DROP(ip_cksum));
			continue;
		}
		/* first octets: 0/8, 127/8, 224/4 (multicast), 240/4 (with
		 * 255.255.255.255) */
		sa = ((const uint8_t *)&ip->src_addr)[0];
		da = ((const uint8_t *)&ip->dst_addr)[0];
		if (unlikely(sa == 0 || sa == 127 || sa >= 224)) {
			next[i] = PL_DROP(SW_DROP(martian_src));
			continue;
		}
		if (unlikely(da == 0 || da == 127 || da >= 224)) {
			next[i] = PL_DROP(da >= 224 && da < 240 ? SW_DROP(mcast_dst)
								: SW_DROP(martian_dst));
			continue;
		}
		pl_switch_key_vrf_ip(keys[k], md->slice, ip->dst_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	dp_table_lookup(ctx->root, ctx->worker, pl_sw.routes, kp, k, e);
	{
		unsigned int k2 = 0;

		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			struct dp_meta *md = dp_meta(m);
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
			uint16_t *nx = &next[idx[j]];
			uint32_t nh;

			switch (e[j]->action) {
			case SW_RT_VIA:
				nh = ((const struct sw_via *)e[j]->params)->nh;
				break;
			case SW_RT_ECMP: {
				const struct sw_ecmp *g = (const struct sw_ecmp *)e[j]->params;
				uint32_t cnt = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP_MAX);

				/* multiply-shift maps the flow hash onto [0, n) without a divide */
				nh = g->nh[((uint64_t)md->hash * cnt) >> 32];
				break;
			}
			case SW_RT_CONNECTED:
				nh = ip->dst_addr;
				break;
			case SW_RT_LOCAL:
				md->punt = SW_PUNT_LOCAL;
				*nx = PL_NEXT_PUNT;
				continue;
			case SW_RT_DROP:
				*nx = PL_DROP(SW_DROP(route_drop));
				continue;
			default:
				md->punt = SW_PUNT_NOROUTE;
				*nx = PL_NEXT_PUNT;
				continue;
			}
			if (unlikely(md->ttl <= 1)) {
				md->punt = SW_PUNT_TTL;
				*nx = PL_NEXT_PUNT;
				continue;
			}
			md->nh = nh;
			pl_switch_key_vrf_ip(keys[k2], md->slice, nh);
			kp[k2] = keys[k2];
			idx[k2++] = idx[j];
		}
		k = k2;
	}
	if (k == 0)
		return 0;
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.neigh, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct sw_rewrite *rw = (const struct sw_rewrite *)e[j]->params;

		if (!(hit & (1ULL << j)) || e[j]->action == SW_NB_UNRESOLVED) {
			md->punt = SW_PUNT_UNRESOLVED;
			next[idx[j]] = PL_NEXT_PUNT;
			continue;
		}
		/* Over the egress MTU: fragmentation or ICMP "fragmentation
		 * needed" is the slow path's, on the packet as received. */
		if (unlikely(rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								       md->l3_off)->total_length) >
			     dp_ports[rw->port].mtu)) {
			md->punt = SW_PUNT_MTU;
			next[idx[j]] = PL_NEXT_PUNT;
			continue;
		}
		if (pl_switch_rewrite(m, md, rw) < 0) {
			next[idx[j]] = PL_DROP(SW_DROP(vlan_push));
			continue;
		}
		md->out_port = rw->port;
		next[idx[j]] = PL_NEXT_TX;
	}
	return 0;
}

static void
sw_fini(void)
{
	struct sw_learn_ev ev;

	pl_swctl_fini();
	for (unsigned int w = 0; w < n_workers; w++) {
		while (rte_ring_sc_dequeue_elem(learn_rings[w], &ev, sizeof(ev)) == 0)
			;
		rte_ring_free(learn_rings[w]);
		learn_rings[w] = NULL;
	}
	n_workers = 0;
}

const struct pl_pipeline pl_switch_pipeline = {
	.name = "switch",
	.description = "slices at ingress; per-slice L2 bridge domains (learning, ageing, flooding) "
		       "and L3 VRFs (LPM, ECMP, ARP, ICMP)",
	.init = sw_init,
	.n_stages = 3,
	.stages = { pl_switch_ingress_burst, pl_switch_l2_burst, pl_switch_l3_burst },
	.stage_names = { "ingress", "l2", "l3" },
	.slowpath = pl_swctl_slowpath,
	.ctl_poll = pl_swctl_poll,
	.fini = sw_fini,
};

PL_PIPELINE_REGISTER(pl_switch_pipeline)
