/* GTP-U encapsulation toward a peer, and end markers (up_encap.h). */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "up_encap.h"
#include "up_event.h"
#include "gtp.h"
#include "sw_api.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_worker.h"
#include "dp_slow.h"

#define ETH_HLEN 14
#define IP_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define GTP_HDR_MAX 32

/* The packet is now its outer frame (Ethernet, IPv4 or IPv6, UDP to 2152)
 * from one of the box's endpoints: its metadata says so, for the rewrite
 * and the slow path. Over IPv6 the switch routes it, which takes one off
 * the hop limit as for any routed packet: it leaves with 64. */
static inline void
outer_meta(struct dp_meta *md, bool v6)
{
	md->flags = (v6 ? DP_MF_IPV6 : DP_MF_IPV4) | DP_MF_L4 | DP_MF_OWN;
	md->l2_len = md->l3_off = ETH_HLEN;
	md->l4_off = ETH_HLEN + (v6 ? IP6_HLEN : IP_HLEN);
	md->ethertype = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	md->l4_proto = IPPROTO_UDP;
	md->ttl = v6 ? 65 : 64;
	md->dport = GTPU_UDP_PORT;
}

/* IPv4 and UDP to port 2152 at p, for a datagram of udp_len bytes, in
 * four moves (dp_ipv4_words: why not field by field). */
static inline void
outer_write(uint8_t *p, const struct up_peer *pr, uint8_t tos, uint16_t sport, uint16_t udp_len)
{
	uint64_t w0, w1;
	uint64_t w2 = pr->dst | (uint64_t)rte_cpu_to_be_16(sport) << 32 |
		      (uint64_t)rte_cpu_to_be_16(GTPU_UDP_PORT) << 48;
	uint32_t w3 = rte_cpu_to_be_16(udp_len);

	dp_ipv4_words(tos, (uint16_t)(IP_HLEN + udp_len), 64, IPPROTO_UDP, pr->src, pr->dst, &w0, &w1);
	memcpy(p, &w0, 8);
	memcpy(p + 8, &w1, 8);
	memcpy(p + 16, &w2, 8);
	memcpy(p + 24, &w3, 4);
}

/* IPv6 and UDP to port 2152 at p (the UDP checksum left 0: the caller's,
 * once the datagram is whole). The flow label is the inner flow's (RFC
 * 6438), so the underlay's ECMP can spread the tunnel's flows. */
static inline void
outer6_write(uint8_t *p, const struct up_peer6 *pr, uint8_t tc, uint32_t flow, uint16_t sport,
	     uint16_t udp_len)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + IP6_HLEN);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tc << 20 | (flow & 0xfffff));
	ip->payload_len = rte_cpu_to_be_16(udp_len);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 65;
	memcpy(ip->src_addr, pr->src, 16);
	memcpy(ip->dst_addr, pr->dst, 16);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(GTPU_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
}

/* The outer TOS or traffic class: ECN copied (RFC 6040 normal mode), DSCP
 * the peer's or copied. */
static inline uint8_t
outer_tos(uint8_t dscp, uint8_t inner)
{
	return (uint8_t)((dscp == UP_DSCP_COPY ? inner & 0xfc : dscp << 2) | (inner & 0x03));
}

/* One flow, one source port (and flow label): a receiver's RSS spreads on it. */
static inline uint16_t
outer_sport(uint16_t sport, const struct dp_meta *md)
{
	return sport ? sport : (uint16_t)(49152 | ((md->hash ^ md->hash >> 16) & 0x3fff));
}

/* m cut to its inner IP packet of inner_len bytes (its frame's padding
 * is no part of it) with room for ip_hlen bytes of outer IP, UDP, GTP-U
 * with a container and Ethernet (the type set, addresses left to the
 * rewrite) in front: where the outer IP header goes, or NULL. */
static uint8_t *
outer_room(struct rte_mbuf *m, const struct dp_meta *md, uint16_t inner_len, uint16_t ip_hlen, uint16_t type)
{
	uint8_t *d;

	rte_pktmbuf_adj(m, md->l3_off);
	if (rte_pktmbuf_pkt_len(m) > inner_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - inner_len));
	d = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(ETH_HLEN + ip_hlen + UDP_HLEN + GTPU_PSC_HDR_LEN));
	if (d == NULL)
		return NULL;
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(type);
	return d + ETH_HLEN;
}

/* The outer headers of m for peer p, tunnel teid, in place of its
 * Ethernet header. 0 or a drop reason. */
static unsigned int
encap(struct rte_mbuf *m, struct dp_meta *md, const struct up_peer *p, uint32_t teid, uint8_t pdu_type,
      uint8_t qfi, uint16_t mtu)
{
	uint16_t inner_len = up_ip_len(m);
	uint8_t tos = up_ip_tos(m);
	uint8_t *d;

	if (IP_HLEN + UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len > mtu)
		return UP_DROP(too_big);
	if ((d = outer_room(m, md, inner_len, IP_HLEN, RTE_ETHER_TYPE_IPV4)) == NULL)
		return UP_DROP(no_headroom);
	outer_write(d, p, outer_tos(p->dscp, tos), outer_sport(p->sport, md),
		    (uint16_t)(UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len));
	gtp_write_gpdu_psc(d + IP_HLEN + UDP_HLEN, teid, inner_len, pdu_type, qfi);
	outer_meta(md, false);
	return 0;
}

/* The same toward an IPv6 peer, with the UDP checksum IPv6 asks for (RFC
 * 8200 8.1); the packet is then routed in the peer's vrf as switch.l3v6
 * routes (out6 or the switch itself check the egress port's MTU). */
static unsigned int
encap6(struct rte_mbuf *m, struct dp_meta *md, const struct up_peer6 *p, uint32_t teid, uint8_t pdu_type,
       uint8_t qfi)
{
	uint16_t inner_len = up_ip_len(m);
	uint8_t tos = up_ip_tos(m);
	uint16_t sport = outer_sport(p->sport, md);
	uint8_t *d;

	if (IP6_HLEN + UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len > (p->mtu ? p->mtu : UINT16_MAX))
		return UP_DROP(too_big);
	if ((d = outer_room(m, md, inner_len, IP6_HLEN, RTE_ETHER_TYPE_IPV6)) == NULL)
		return UP_DROP(no_headroom);
	outer6_write(d, p, outer_tos(p->dscp, tos), md->hash ^ md->hash >> 12, sport,
		     (uint16_t)(UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len));
	gtp_write_gpdu_psc(d + IP6_HLEN + UDP_HLEN, teid, inner_len, pdu_type, qfi);
	((struct rte_udp_hdr *)(d + IP6_HLEN))->dgram_cksum =
		rte_ipv6_udptcp_cksum_mbuf(m, (const struct rte_ipv6_hdr *)d, ETH_HLEN + IP6_HLEN);
	outer_meta(md, true);
	md->slice = p->vrf;
	return 0;
}

/* The largest inner IP packet a tunnel of mtu bytes carries. */
#define INNER_MTU(mtu, ip_hlen) ((uint32_t)(mtu) - (ip_hlen) - UDP_HLEN - GTPU_PSC_HDR_LEN)

/* m too big for its tunnel (not fragmented: the UPF carries packets
 * whole). Inner IPv4 with DF and IPv6 go to the slow path, which tells the
 * sender the largest packet the tunnel takes (up_encap_too_big); the rest
 * is dropped. */
static inline uint16_t
too_big(struct rte_mbuf *m, struct dp_meta *md, uint32_t inner_mtu)
{
	/* a tunnel that carries less than IPv4's minimum (RFC 791) has no
	 * MTU worth telling */
	if (inner_mtu >= 68 && inner_mtu <= UINT16_MAX &&
	    ((md->flags & DP_MF_IPV6) ||
	    ((md->flags & DP_MF_IPV4) &&
	     (rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off)->fragment_offset &
	      rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))))) {
		md->out_port = inner_mtu;
		md->punt = UP_PUNT_TOO_BIG;
		return DP_NEXT_PUNT;
	}
	return DP_NEXT_DROP(UP_DROP(too_big));
}

static inline uint8_t
qfi_of(const struct up_term *t, struct rte_mbuf *m)
{
	return t->qfi == UP_QFI_COPY ? up_meta(m)->qfi : t->qfi;
}

/* The rewrite to the next hop, out of its port. */
static inline int
rewrite(struct rte_mbuf *m, const struct sw_rewrite *rw)
{
	if (pl_switch_vlan_set(m, 0, rw->vlan) < 0)
		return -1;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), rw->dmac, 6);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 6), rw->smac, 6);
	dp_meta(m)->out_port = rw->port;
	return 0;
}

/* An outer IPv6 packet to a next hop found here: what switch.l3v6 does
 * with it (the egress MTU, then the rewrite, which takes the hop limit to
 * 64), without the trip through it. Over the MTU it is dropped as the
 * switch's slow path drops our own packets (no ICMPv6 about them). */
static inline uint16_t
out6(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rewrite *rw)
{
	if (unlikely(rte_pktmbuf_pkt_len(m) - ETH_HLEN > dp_ports[rw->port].mtu))
		return DP_NEXT_DROP(pl_sw_drop_pkt_too_big);
	if (pl_switch_rewrite6(m, md, rw) < 0)
		return DP_NEXT_DROP(UP_DROP(no_headroom));
	md->out_port = rw->port;
	return DP_NEXT_TX;
}

/* The underlay next hops of the peers pe[j] (neigh entries: ne[j]; the
 * bitmask of hits). A burst goes to a few gNBs or anchors: each distinct
 * next hop is looked up once and counted for every packet that goes by
 * it, unless the burst has more than NH_UNIQ of them or one is missing
 * (then every packet is looked up, so that misses count as such). */
#define NH_UNIQ 8
static uint64_t
next_hops(struct dp_stage_ctx *ctx, const struct dp_entry *const *pe, unsigned int k, const struct dp_entry **ne)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *ue[NH_UNIQ];
	uint64_t uniq[NH_UNIQ], hit;
	uint32_t cnt[NH_UNIQ];
	uint8_t which[DP_LOOKUP_BURST];
	unsigned int nu = 0, j, u;

	for (j = 0; j < k; j++) {
		const struct up_peer *p = (const struct up_peer *)pe[j]->params;
		uint64_t key = (uint64_t)p->vrf << 32 | p->gw;

		for (u = 0; u < nu && uniq[u] != key; u++)
			;
		if (u == nu) {
			if (nu == NH_UNIQ)
				break;
			uniq[nu] = key;
			cnt[nu] = 0;
			pl_switch_key_vrf_ip(keys[nu], p->vrf, p->gw);
			kp[nu] = keys[nu];
			nu++;
		}
		cnt[u]++;
		which[j] = (uint8_t)u;
	}
	if (j == k) {
		hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.neigh, kp, nu, ue);
		if (hit == (1ull << nu) - 1) {
			for (u = 0; u < nu; u++)
				cnt[u]--;   /* the lookup counted one */
			dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)pl_sw.neigh, ue, cnt, nu);
			for (j = 0; j < k; j++)
				ne[j] = ue[which[j]];
			return k == 64 ? UINT64_MAX : (1ull << k) - 1;
		}
	}
	for (j = 0; j < k; j++) {
		const struct up_peer *p = (const struct up_peer *)pe[j]->params;

		pl_switch_key_vrf_ip(keys[j], p->vrf, p->gw);
		kp[j] = keys[j];
	}
	return dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.neigh, kp, k, ne);
}

/* The next hops of IPv6 peers pe[j], as switch.l3v6 would route their
 * packets: where the route to the peer (re[j]) is one next hop, its entry
 * with the rewrite (ne[j], in table nt[j]: nexthops for a via route, neigh6
 * for a connected one) when resolved; else NULL, and switch.l3v6 routes
 * the packets (ECMP by flow, unresolved, no route: it says why). Nothing is
 * counted here: the packets that go by what was found count it. */
static void
next_hops6(const struct dp_stage_ctx *ctx, const struct dp_entry *const *pe, unsigned int k,
	   const struct dp_entry **re, const struct dp_entry **ne, int *nt)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY6_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint32_t ids[DP_LOOKUP_BURST];
	uint8_t via[DP_LOOKUP_BURST], conn[DP_LOOKUP_BURST];
	unsigned int nv = 0, nc = 0;
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		const struct up_peer6 *p = (const struct up_peer6 *)pe[j]->params;

		pl_switch_key_vrf_ip6(keys[j], p->vrf, p->dst);
		kp[j] = keys[j];
		ne[j] = NULL;
	}
	hit = dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.routes6, kp, k, re);
	for (unsigned int j = 0; j < k; j++) {
		if (!(hit >> j & 1))
			continue;
		if (re[j]->action == SW_RT_VIA) {
			ids[nv] = ((const uint16_t *)(re[j]->params + SW_RT6_IDS_OFF))[0];
			via[nv++] = (uint8_t)j;
		} else if (re[j]->action == SW_RT_CONNECTED) {
			kp[nc] = keys[j];   /* the same (vrf, address): the host itself */
			conn[nc++] = (uint8_t)j;
		}
	}
	if (nv) {
		dp_table_lookup_ids(ctx->root, DP_WORKER_NONE, pl_sw.nexthops, ids, nv, e);
		for (unsigned int i = 0; i < nv; i++)
			if (e[i]->action == SW_NH_RESOLVED6) {
				ne[via[i]] = e[i];
				nt[via[i]] = pl_sw.nexthops;
			}
	}
	if (nc) {
		hit = dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.neigh6, kp, nc, e);
		for (unsigned int i = 0; i < nc; i++)
			if ((hit >> i & 1) && pl_switch_nb_port(e[i]->action)) {
				ne[conn[i]] = e[i];
				nt[conn[i]] = pl_sw.neigh6;
			}
	}
}

/* A worker's memo of a peer's way out: its tunnel_peers entry and the
 * entry of the next hop it resolved to with its rewrite (over IPv4, the
 * neigh entry of its gateway; over IPv6, its route and the nexthops or
 * neigh6 entry behind it), good while the versions of those tables sum to
 * its stamp (dp_table_version). A burst goes to a few gNBs or anchors: a
 * hit spares the peer's lookup and the next hop's (and counts as them),
 * and sends the packet out from here. Remembered: a GTP-U peer with a
 * resolved next hop, and any IPv6 one (with none, rw NULL: switch.l3v6
 * routes it); the rest go through the lookups, so every drop and punt
 * keeps its reason. Direct-mapped by peer id: a collision costs only the
 * lookups. */
#define PMEMO_SLOTS 256
/* The outer frame a template holds: Ethernet, IPv4, UDP, GTP-U with its
 * PDU Session Container. */
#define TPL_LEN (ETH_HLEN + IP_HLEN + UDP_HLEN + GTPU_PSC_HDR_LEN)
struct pmemo_slot {
	uint64_t stamp;                  /* 0: empty (stamps start at 1) */
	const struct dp_entry *pe, *re, *ne;
	const struct sw_rewrite *rw;     /* ne's */
	uint32_t peer;
	uint32_t n;                      /* this burst's hits, not yet counted */
	int ntab;                        /* ne's table */
	/* An IPv4 peer whose next hop is untagged (tpl_sum != 0): its whole
	 * outer frame, rewrite included, with what varies by packet zero (TOS,
	 * lengths, checksum, source port, TEID, PDU type, QFI), and the
	 * one's complement sum of that IPv4 header, so a packet's headers are
	 * a copy and a few stores (tpl_encap), not composed field by field. */
	uint32_t tpl_sum;
	uint8_t tpl[TPL_LEN] __rte_aligned(16);
};
static struct pmemo_slot *pmemo[DP_WORKERS_MAX];
static unsigned int pmemo_workers;

/* Slot s's template, for its IPv4 peer p through the untagged next hop
 * rw: what encap() then rewrite() would write with every per-packet field
 * zero (the same writers), and the sum of its IPv4 header. */
static void
tpl_fill(struct pmemo_slot *s, const struct up_peer *p, const struct sw_rewrite *rw)
{
	uint8_t *ip = s->tpl + ETH_HLEN;
	uint32_t sum = 0;

	memcpy(s->tpl, rw->dmac, RTE_ETHER_ADDR_LEN);
	memcpy(s->tpl + RTE_ETHER_ADDR_LEN, rw->smac, RTE_ETHER_ADDR_LEN);
	*(rte_be16_t *)(s->tpl + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	outer_write(ip, p, 0, 0, 0);
	gtp_write_gpdu_psc(ip + IP_HLEN + UDP_HLEN, 0, 0, 0, 0);
	memset(ip + 2, 0, 2);                                   /* total length */
	memset(ip + offsetof(struct rte_ipv4_hdr, hdr_checksum), 0, 2);
	memset(ip + IP_HLEN + 4, 0, 2);                         /* UDP length */
	memset(ip + IP_HLEN + UDP_HLEN + 2, 0, 2);              /* GTP-U length */
	for (unsigned int i = 0; i < IP_HLEN; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	/* never 0 (the version word alone is 0x4500): 0 says "no template" */
	s->tpl_sum = sum;
}

bool up_encap_tpl_planted;

/* encap() then rewrite() for a packet of a peer whose slot s holds a
 * template (mtu: the tunnel's and the egress port's). 0 or a drop
 * reason, as encap(). */
static inline unsigned int
tpl_encap(struct rte_mbuf *m, struct dp_meta *md, const struct pmemo_slot *s, const struct up_peer *p,
	  uint32_t teid, uint8_t pdu_type, uint8_t qfi, uint16_t mtu)
{
	uint16_t inner_len = up_ip_len(m);
	/* the planted bug keeps a consistent header: only the check tells */
	uint8_t tos = likely(!up_encap_tpl_planted) ? outer_tos(p->dscp, up_ip_tos(m)) : 0;
	uint16_t udp_len = (uint16_t)(UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len);
	uint16_t total = (uint16_t)(IP_HLEN + udp_len);
	uint32_t sum = s->tpl_sum + tos + total;
	uint8_t *d, *ip;

	if (IP_HLEN + UDP_HLEN + GTPU_PSC_HDR_LEN + inner_len > mtu)
		return UP_DROP(too_big);
	if ((ip = outer_room(m, md, inner_len, IP_HLEN, RTE_ETHER_TYPE_IPV4)) == NULL)
		return UP_DROP(no_headroom);
	d = ip - ETH_HLEN;
	memcpy(d, s->tpl, TPL_LEN);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[1] = tos;
	*(rte_be16_t *)(ip + 2) = rte_cpu_to_be_16(total);
	*(rte_be16_t *)(ip + offsetof(struct rte_ipv4_hdr, hdr_checksum)) = rte_cpu_to_be_16((uint16_t)~sum);
	*(rte_be16_t *)(ip + IP_HLEN) = rte_cpu_to_be_16(outer_sport(p->sport, md));
	*(rte_be16_t *)(ip + IP_HLEN + 4) = rte_cpu_to_be_16(udp_len);
	/* the GTP-U length, TEID and the container's type and QFI */
	*(rte_be16_t *)(ip + IP_HLEN + UDP_HLEN + 2) =
		rte_cpu_to_be_16((uint16_t)(inner_len + GTPU_PSC_HDR_LEN - GTPU_HDR_LEN));
	*(rte_be32_t *)(ip + IP_HLEN + UDP_HLEN + 4) = rte_cpu_to_be_32(teid);
	ip[IP_HLEN + UDP_HLEN + 13] = (uint8_t)(pdu_type << 4);
	ip[IP_HLEN + UDP_HLEN + 14] = qfi & GTPU_QFI_MASK;
	outer_meta(md, false);
	return 0;
}

/* The tables a memo hit stands for, summed (what its stamp is). */
static inline uint64_t
pmemo_stamp(const struct dp_tables_root *root)
{
	return dp_table_memo_stamp(root, dp_table_version(pl_up.peers) + dp_table_version(pl_sw.neigh) +
					 dp_table_version(pl_sw.routes6) + dp_table_version(pl_sw.nexthops) +
					 dp_table_version(pl_sw.neigh6));
}

/* n hits on entry e of table tb, where a memo stood for the lookup. */
static inline void
count_one(const struct dp_stage_ctx *ctx, int tb, const struct dp_entry *e, uint32_t n)
{
	dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)tb, &e, &n, 1);
}

/* What the memo stood for in this burst, counted as the lookups. */
static void
pmemo_count(struct dp_stage_ctx *ctx, struct pmemo_slot *const *used, unsigned int nu)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint32_t cnt[DP_LOOKUP_BURST];

	for (unsigned int u = 0; u < nu; u++) {
		e[u] = used[u]->pe;
		cnt[u] = used[u]->n;
	}
	dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)pl_up.peers, e, cnt, nu);
	for (unsigned int u = 0; u < nu; u++) {
		struct pmemo_slot *s = used[u];

		if (s->re != NULL)
			count_one(ctx, pl_sw.routes6, s->re, s->n);
		if (s->ne != NULL)
			count_one(ctx, s->ntab, s->ne, s->n);
		s->n = 0;
	}
}

/* The peers of te[j]'s tunnels into pe[j] and the rewrites to their next
 * hops into rw[j]: from the memo, the rest looked up (and remembered).
 * rw[j] is NULL where no next hop was found here (an IPv4 peer's
 * unresolved or missing, an IPv6 peer's that switch.l3v6 is to route).
 * ts[j]: the memo's slot where it holds the packet's template, else NULL
 * (a slot a later packet of the burst refilled is no longer pe[j]'s: the
 * caller checks). */
static void
peers_out(struct dp_stage_ctx *ctx, const struct dp_entry **te, unsigned int k, const struct dp_entry **pe,
	  const struct sw_rewrite **rw, const struct pmemo_slot **ts)
{
	struct pmemo_slot *mm = pmemo[ctx->worker], *used[DP_LOOKUP_BURST];
	/* read before any lookup: a slot filled now is stamped no newer than
	 * what the lookups saw */
	uint64_t stamp = pmemo_stamp(ctx->root), mhit;
	const struct dp_entry *mpe[DP_LOOKUP_BURST], *mre[DP_LOOKUP_BURST], *mne[DP_LOOKUP_BURST];
	const struct dp_entry *vpe[DP_LOOKUP_BURST], *vre[DP_LOOKUP_BURST], *vne[DP_LOOKUP_BURST];
	int mnt[DP_LOOKUP_BURST], vnt[DP_LOOKUP_BURST];
	uint32_t ids[DP_LOOKUP_BURST];
	uint8_t miss[DP_LOOKUP_BURST], v4[DP_LOOKUP_BURST], v6[DP_LOOKUP_BURST];
	unsigned int nm = 0, nu = 0, n4 = 0, n6 = 0;

	for (unsigned int j = 0; j < k; j++) {
		uint32_t id = ((const struct up_term *)te[j]->params)->peer;
		struct pmemo_slot *s = &mm[id & (PMEMO_SLOTS - 1)];

		if (stamp == 0 || s->stamp != stamp || s->peer != id) {
			ids[nm] = id;
			miss[nm++] = (uint8_t)j;
			continue;
		}
		pe[j] = s->pe;
		rw[j] = s->rw;
		ts[j] = s->tpl_sum != 0 ? s : NULL;
		if (s->n++ == 0)
			used[nu++] = s;
	}
	if (nu)
		pmemo_count(ctx, used, nu);
	if (nm == 0)
		return;
	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.peers, ids, nm, mpe);
	for (unsigned int i = 0; i < nm; i++) {
		mre[i] = mne[i] = NULL;
		mnt[i] = -1;
		if (mpe[i]->action == UP_PEER_GTPU) {
			vpe[n4] = mpe[i];
			v4[n4++] = (uint8_t)i;
		}
	}
	mhit = n4 ? next_hops(ctx, vpe, n4, vne) : 0;
	for (unsigned int i = 0; i < n4; i++)
		if (mhit >> i & 1) {
			mne[v4[i]] = vne[i];
			mnt[v4[i]] = pl_sw.neigh;
		}
	for (unsigned int i = 0; i < nm; i++)
		if (mpe[i]->action == UP_PEER_GTPU6) {
			vpe[n6] = mpe[i];
			v6[n6++] = (uint8_t)i;
		}
	if (n6) {
		next_hops6(ctx, vpe, n6, vre, vne, vnt);
		for (unsigned int i = 0; i < n6; i++)
			if (vne[i] != NULL) {
				/* a way out from here: its lookups count as if made */
				mre[v6[i]] = vre[i];
				mne[v6[i]] = vne[i];
				mnt[v6[i]] = vnt[i];
				count_one(ctx, pl_sw.routes6, vre[i], 1);
				count_one(ctx, vnt[i], vne[i], 1);
			}
	}
	for (unsigned int i = 0; i < nm; i++) {
		struct pmemo_slot *s = &mm[ids[i] & (PMEMO_SLOTS - 1)];
		unsigned int j = miss[i];
		bool v6peer = mpe[i]->action == UP_PEER_GTPU6;

		pe[j] = mpe[i];
		/* a nexthops entry is here only resolved6 (resolve6 took no other) */
		rw[j] = mne[i] == NULL ? NULL :
			mnt[i] == pl_sw.nexthops ? &((const struct sw_nh6_resolved *)mne[i]->params)->rw :
			pl_switch_nb_port(mne[i]->action) ? (const struct sw_rewrite *)mne[i]->params : NULL;
		ts[j] = NULL;
		if (stamp != 0 && (v6peer || rw[j] != NULL)) {
			s->stamp = stamp;
			s->pe = mpe[i];
			s->re = mre[i];
			s->ne = mne[i];
			s->rw = rw[j];
			s->peer = ids[i];
			s->n = 0;
			s->ntab = mnt[i];
			s->tpl_sum = 0;
			if (!v6peer && rw[j]->vlan == 0) {
				tpl_fill(s, (const struct up_peer *)mpe[i]->params, rw[j]);
				ts[j] = s;
			}
		}
	}
}

void
up_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	       const struct dp_entry **te, uint8_t pdu_type, uint16_t edge6, uint16_t *next, bool tpl)
{
	const struct dp_entry *pe[DP_LOOKUP_BURST];
	const struct sw_rewrite *rw[DP_LOOKUP_BURST];
	const struct pmemo_slot *ts[DP_LOOKUP_BURST];

	if (unlikely(k == 0))
		return;
	/* the outer headers go into the headroom, a line nothing has touched
	 * yet: on its way while the lookups run */
	for (unsigned int j = 0; j < k; j++)
		rte_prefetch0_write(rte_pktmbuf_mtod(pkts[idx[j]], uint8_t *) - RTE_CACHE_LINE_SIZE);
	peers_out(ctx, te, k, pe, rw, ts);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct up_term *t = (const struct up_term *)te[j]->params;
		const struct up_peer *p = (const struct up_peer *)pe[j]->params;
		uint16_t *nx = &next[idx[j]];
		uint16_t mtu;
		unsigned int r;

		if (pe[j]->action == UP_PEER_GTPU6) {
			const struct up_peer6 *p6 = (const struct up_peer6 *)pe[j]->params;

			r = encap6(m, md, p6, t->teid, pdu_type, qfi_of(t, m));
			if (r == UP_DROP(too_big))
				*nx = too_big(m, md, INNER_MTU(p6->mtu ? p6->mtu : UINT16_MAX, IP6_HLEN));
			else if (r != 0)
				*nx = DP_NEXT_DROP(r);
			else if (rw[j] == NULL)
				*nx = DP_NEXT_EDGE(edge6);
			else
				*nx = out6(m, md, rw[j]);
			continue;
		}
		if (pe[j]->action != UP_PEER_GTPU) {
			*nx = DP_NEXT_DROP(UP_DROP(no_peer));
			continue;
		}
		mtu = p->mtu ? p->mtu : UINT16_MAX;
		if (rw[j] != NULL && dp_ports[rw[j]->port].mtu < mtu)
			mtu = dp_ports[rw[j]->port].mtu;
		if (likely(tpl && ts[j] != NULL && ts[j]->pe == pe[j])) {
			/* the usual packet: its outer frame from the template */
			if ((r = tpl_encap(m, md, ts[j], p, t->teid, pdu_type, qfi_of(t, m), mtu)) != 0) {
				*nx = r == UP_DROP(too_big) ? too_big(m, md, INNER_MTU(mtu, IP_HLEN)) :
				      DP_NEXT_DROP(r);
				continue;
			}
			md->tunnel = t->peer;
			md->out_port = rw[j]->port;
			*nx = DP_NEXT_TX;
			continue;
		}
		if ((r = encap(m, md, p, t->teid, pdu_type, qfi_of(t, m), mtu)) != 0) {
			*nx = r == UP_DROP(too_big) ? too_big(m, md, INNER_MTU(mtu, IP_HLEN)) : DP_NEXT_DROP(r);
			continue;
		}
		md->tunnel = t->peer;
		if (rw[j] == NULL) {
			md->punt = UP_PUNT_UNRESOLVED;
			*nx = DP_NEXT_PUNT;
			continue;
		}
		*nx = rewrite(m, rw[j]) < 0 ? DP_NEXT_DROP(UP_DROP(no_headroom)) : DP_NEXT_TX;
	}
}

/* Main lcore: the rewrite to IPv4 peer p's next hop, NULL while the
 * switch has not resolved it. */
static const struct sw_rewrite *
next_hop(const struct up_peer *p)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	pl_switch_key_vrf_ip(k, p->vrf, p->gw);
	e = dp_table_find((unsigned int)pl_sw.neigh, k);
	return e != NULL && pl_switch_nb_port(e->action) ? (const struct sw_rewrite *)e->params : NULL;
}

/* Main lcore: outer frame m for peer p out through its next hop rw, or
 * held on the switch's queue while the switch resolves it (rw NULL: it
 * counts it forwarded when it goes). punted: m came through the slow path
 * (counted forwarded when it goes out here), else the box made it. Over
 * the egress port's MTU it is dropped as the switch's hold queue drops it
 * (its DF is set; no ICMP about the box's own packets): a packet
 * encapsulated before its next hop was known (up_encap_unresolved).
 * Takes m. */
static int
out(struct rte_mbuf *m, const struct up_peer *p, const struct sw_rewrite *rw, bool punted)
{
	struct rte_ipv4_hdr *ip;

	if (rw != NULL) {
		if (unlikely(rte_pktmbuf_pkt_len(m) - ETH_HLEN > dp_ports[rw->port].mtu)) {
			dp_slow_drop(m, pl_sw_drop_frag_needed);
			return -1;
		}
		if (rewrite(m, rw) < 0) {
			dp_slow_drop(m, UP_DROP(no_headroom));
			return -1;
		}
		if (dp_slowpath_send(m, (uint16_t)dp_meta(m)->out_port) < 0)
			return -1;
		if (punted)
			dp_slow_event(UP_EVENT(forwarded));
		return 0;
	}
	/* The switch's hold queue sends it with a routed packet's rewrite,
	 * which takes one off the TTL: put back here. */
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, dp_meta(m)->l3_off);
	ip->time_to_live++;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	dp_slow_event(UP_EVENT(held));
	pl_swctl_hold(m, p->vrf, false, (const uint8_t *)&p->gw, (const uint8_t *)&p->src);
	return 0;
}

/* The tunnel_peers entry of a peer over IPv4 or IPv6, or NULL. */
static const struct dp_entry *
peer_of(uint32_t id)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	*(rte_be32_t *)k = rte_cpu_to_be_32(id);
	e = dp_table_find((unsigned int)pl_up.peers, k);
	return e != NULL && (e->action == UP_PEER_GTPU || e->action == UP_PEER_GTPU6) ? e : NULL;
}

/* Main lcore: m, which encap() or encap6() refused for reason r (its
 * tunnel carries inner packets of inner_mtu bytes at most), given what
 * the workers give it (too_big(): the sender told, or dropped). Takes m. */
static int
refused(struct rte_mbuf *m, unsigned int r, uint32_t inner_mtu)
{
	if (r == UP_DROP(too_big) && too_big(m, dp_meta(m), inner_mtu) == DP_NEXT_PUNT)
		up_encap_too_big(m);
	else
		dp_slow_drop(m, r);
	return -1;
}

int
up_encap_send(struct rte_mbuf *m, const struct up_term *t, uint8_t pdu_type)
{
	const struct dp_entry *e = peer_of(t->peer);
	const struct sw_rewrite *rw;
	const struct up_peer *p;
	unsigned int r;
	uint16_t mtu;

	if (e == NULL) {
		dp_slow_drop(m, UP_DROP(no_peer));
		return -1;
	}
	/* the checks up_encap_burst makes, with the tables as they are now
	 * (the peer's MTU and next hop may have changed while m was held) */
	if (e->action == UP_PEER_GTPU6) {
		const struct up_peer6 *p6 = (const struct up_peer6 *)e->params;

		if ((r = encap6(m, dp_meta(m), p6, t->teid, pdu_type, qfi_of(t, m))) != 0)
			return refused(m, r, INNER_MTU(p6->mtu ? p6->mtu : UINT16_MAX, IP6_HLEN));
		/* the switch routes it, checks the egress MTU and counts it
		 * forwarded when it goes */
		return pl_switch_nd_route(m);
	}
	p = (const struct up_peer *)e->params;
	rw = next_hop(p);
	mtu = p->mtu ? p->mtu : UINT16_MAX;
	if (rw != NULL && dp_ports[rw->port].mtu < mtu)
		mtu = dp_ports[rw->port].mtu;
	if ((r = encap(m, dp_meta(m), p, t->teid, pdu_type, qfi_of(t, m), mtu)) != 0)
		return refused(m, r, INNER_MTU(mtu, IP_HLEN));
	return out(m, p, rw, true);
}

void
up_encap_too_big(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	/* quoted as it came: the hop the route into the UPF took off, back */
	if (md->flags & DP_MF_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);

		ip->time_to_live++;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits++;
	}
	pl_swctl_too_big(m, (uint16_t)RTE_MIN(md->out_port, (uint32_t)UINT16_MAX), true);
	dp_slow_drop(m, UP_DROP(too_big));
}

void
up_encap_unresolved(struct rte_mbuf *m)
{
	const struct dp_entry *e = peer_of(dp_meta(m)->tunnel);

	/* deleted since the worker looked, or no longer over IPv4 */
	if (e == NULL || e->action != UP_PEER_GTPU) {
		dp_slow_drop(m, UP_DROP(no_peer));
		return;
	}
	out(m, (const struct up_peer *)e->params, next_hop((const struct up_peer *)e->params), true);
}

/* ---- end markers (TS 29.281 7.3.2, TS 23.501 5.8.2.9): on a path
 * switch, the last packet on the old path, sent when the control side asks */

static const struct dp_schema_field marker_params[] = {
	{ .name = "peer", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = UP_PEER_MAX,
	  .desc = "the tunnel_peers id of the old path's far end" },
	{ .name = "teid", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = UINT32_MAX,
	  .desc = "the old tunnel's TEID at that end" },
	{ .name = NULL },
};

static const struct dp_rpc_method marker_method = {
	.name = "upf.end_marker",
	.description = "Send an end marker into a tunnel (on a path switch, after the termination was "
		       "moved off it, so the far end knows nothing more comes that way)",
	.params = marker_params,
	.result = &(const struct dp_schema_field){ .name = "sent", .type = DP_SCHEMA_BOOL,
						   .desc = "true: sent or held for the next hop" },
};

int
up_end_marker_send(uint32_t peer, uint32_t teid)
{
	uint8_t g[GTP_HDR_MAX];
	int glen = gtp_build_end_marker(g, sizeof(g), teid), rc;

	if (glen < 0)
		return -ENOBUFS;
	if ((rc = up_peer_send(peer, g, (uint16_t)glen)) == 0)
		dp_slow_event(UP_EVENT(end_marker_sent));
	return rc;
}

int
up_peer_send(uint32_t peer, const uint8_t *g, uint16_t glen)
{
	const struct dp_entry *e = peer_of(peer);
	struct rte_mempool *mp = rte_mempool_lookup(DP_MBUF_POOL_NAME);
	bool v6 = e != NULL && e->action == UP_PEER_GTPU6;
	uint16_t ip_hlen = v6 ? IP6_HLEN : IP_HLEN;
	struct rte_mbuf *m;
	struct dp_meta *md;
	uint8_t *d;

	if (e == NULL)
		return -ENOENT;
	if (mp == NULL || (m = rte_pktmbuf_alloc(mp)) == NULL)
		return -ENOBUFS;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH_HLEN + ip_hlen + UDP_HLEN + glen));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memset(d, 0, ETH_HLEN);
	md = dp_meta(m);
	memset(md, 0, sizeof(*md));   /* a packet of ours: no in_port, no slice */
	/* the outer headers as encap() writes them, the message the body */
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	memcpy(d + ETH_HLEN + ip_hlen + UDP_HLEN, g, (size_t)glen);
	if (v6) {
		const struct up_peer6 *p = (const struct up_peer6 *)e->params;

		outer6_write(d + ETH_HLEN, p, outer_tos(p->dscp, 0), 0, p->sport ? p->sport : GTPU_UDP_PORT,
			     (uint16_t)(UDP_HLEN + glen));
		((struct rte_udp_hdr *)(d + ETH_HLEN + IP6_HLEN))->dgram_cksum =
			rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(d + ETH_HLEN), d + ETH_HLEN + IP6_HLEN);
		outer_meta(md, true);
		md->flags |= DP_MF_MADE;
		md->slice = p->vrf;
		return pl_switch_nd_route(m) == 0 ? 0 : -ENOBUFS;
	}
	{
		const struct up_peer *p = (const struct up_peer *)e->params;

		outer_write(d + ETH_HLEN, p, outer_tos(p->dscp, 0), p->sport ? p->sport : GTPU_UDP_PORT,
			    (uint16_t)(UDP_HLEN + glen));
		outer_meta(md, false);
		md->flags |= DP_MF_MADE;
		return out(m, p, next_hop(p), false) == 0 ? 0 : -ENOBUFS;
	}
}

static int
m_marker(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	int rc = up_end_marker_send((uint32_t)v[0].u, (uint32_t)v[1].u);

	if (rc == -ENOENT)
		return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "not_found", "/peer", "no tunnel peer %u",
				      (unsigned int)v[0].u);
	*result = json_boolean(rc == 0);
	return 0;
}

int
up_encap_init(unsigned int workers)
{
	pmemo_workers = workers;
	for (unsigned int w = 0; w < workers; w++)
		if ((pmemo[w] = rte_zmalloc("up_encap_memo", sizeof(struct pmemo_slot) * PMEMO_SLOTS,
					    RTE_CACHE_LINE_SIZE)) == NULL)
			return -ENOMEM;
	return dp_rpc_register(&marker_method, m_marker, NULL, NULL);
}

void
up_encap_fini(void)
{
	for (unsigned int w = 0; w < pmemo_workers; w++) {
		rte_free(pmemo[w]);
		pmemo[w] = NULL;
	}
}
