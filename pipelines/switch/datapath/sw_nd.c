/* Switch slow path for IPv6 (main lcore), every punted IPv6 packet: NDP
 * (RFC 4861) for the box's addresses (an SVI6's, and the link-local one its
 * MAC makes): solicitations answered, neighbours learned from solicitations
 * and advertisements, next hops resolved by solicitations on the switch's
 * hold queue (sw_hold.c); ICMPv6 echo; ICMPv6 errors (RFC 4443): time exceeded,
 * destination unreachable (no route, beyond scope, address unreachable),
 * packet too big, as IPv6 routers never fragment. What the box sends is
 * limited by sw_slow's buckets, and every packet here ends as a named
 * drop, switch.consumed or switch.forwarded, as there. */
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>

#include <rte_ip.h>
#include <rte_byteorder.h>

#include "sw_nd.h"
#include "sw_hold.h"
#include "sw_slow.h"
#include "sw_neigh.h"
#include "sw_state.h"
#include "sw_rewrite.h"
#include "sw_host.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_worker.h"
#include "dp_slow.h"

#define IP6_HLEN	 40
#define ND_HLIM		 255	/* NDP is only valid from on-link (RFC 4861 7.1) */
#define ICMP6_HLIM	 64
#define ND_MSG_LEN	 24	/* NS/NA: header, flags/reserved, target */
#define ND_LLA_LEN	 8	/* a link-layer address option: type, length, MAC */
#define ICMP6_QUOTE_MAX	 (1280 - IP6_HLEN - 8)	/* an error fits the minimum MTU */
#define NA_ROUTER	 0x80
#define NA_SOLICITED	 0x40
#define NA_OVERRIDE	 0x20

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

static const struct sw_svi6 *
svi6_get(uint16_t slice, uint16_t bd)
{
	return sw_slow_svi(pl_sw.svi6, slice, bd);
}

/* Byte b of a prefix of plen bits' mask. */
static uint8_t
mask_byte(unsigned int plen, unsigned int b)
{
	int keep = (int)plen - 8 * (int)b;

	return keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
}

static bool
in_subnet6(const struct sw_svi6 *svi, const uint8_t *ip)
{
	for (unsigned int b = 0; b < 16; b++)
		if ((ip[b] ^ svi->ip[b]) & mask_byte(svi->plen, b))
			return false;
	return true;
}

/* The subnet-router anycast address of the SVI6's subnet: its prefix with
 * a zero host part, which is the box's (RFC 4291 2.6.1; none on a /127,
 * RFC 6164). */
static bool
subnet_anycast(const struct sw_svi6 *svi, const uint8_t *ip)
{
	if (svi->plen >= 127 || !in_subnet6(svi, ip))
		return false;
	for (unsigned int b = 0; b < 16; b++)
		if (ip[b] & (uint8_t)~mask_byte(svi->plen, b))
			return false;
	return true;
}

/* ff02::1:ffXX:XXXX (RFC 4291 2.7.1) */
static bool
solicited_node(const uint8_t *ip)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	return memcmp(ip, pfx, sizeof(pfx)) == 0;
}

static bool
ip6_unspec(const uint8_t *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, 16) == 0;
}

/* The route of ip in the slice's VRF, or NULL. */
static const struct dp_entry *
route6_get(uint16_t slice, const uint8_t *ip)
{
	uint8_t k[DP_KEY_MAX] = {0};

	pl_switch_key_vrf_ip6(k, slice, ip);
	return dp_table_find(pl_sw.routes6, k);
}

/* The neighbour (slice, ip) resolves to (sw_neigh_rw), or NULL. */
static const struct sw_rewrite *
neigh6_get(uint16_t slice, const uint8_t *ip, bool *tun)
{
	uint8_t k[DP_KEY_MAX] = {0};

	pl_switch_key_vrf_ip6(k, slice, ip);
	return sw_neigh_rw(dp_table_find(pl_sw.neigh6, k), tun);
}

static struct rte_ipv6_hdr *
ip6_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, dp_meta(m)->l3_off);
}

/* Bytes of the ICMPv6 message: from l4_off to the end of the datagram. */
static uint32_t
icmp6_len(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	return md->l3_off + IP6_HLEN + rte_be_to_cpu_16(ip6_of(m)->payload_len) - md->l4_off;
}

/* The ones' complement sum of the pseudo-header (RFC 8200 8.1) of an
 * ICMPv6 message of len bytes from src to dst. */
static uint32_t
pseudo_sum(const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	struct {
		uint8_t a[32];
		rte_be32_t len, nh;
	} __rte_packed p;

	memcpy(p.a, src, 16);
	memcpy(p.a + 16, dst, 16);
	p.len = rte_cpu_to_be_32(len);
	p.nh = rte_cpu_to_be_32(IPPROTO_ICMPV6);
	return rte_raw_cksum(&p, sizeof(p));
}

static uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The received message's checksum, over every segment. */
static bool
icmp6_cksum_ok(struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	uint32_t len = icmp6_len(m);
	uint16_t sum;

	if (rte_raw_cksum_mbuf(m, dp_meta(m)->l4_off, len, &sum) != 0)
		return false;
	return fold(pseudo_sum(ip->src_addr, ip->dst_addr, len) + sum) == 0xffff;
}

/* The IPv6 header at p of an ICMPv6 message of len bytes right after it,
 * and the message's checksum. */
static void
icmp6_finish(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t hlim, uint16_t len)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	struct icmp6_hdr *icmp = (struct icmp6_hdr *)(p + IP6_HLEN);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	icmp->icmp6_cksum = 0;
	icmp->icmp6_cksum = (uint16_t)~fold(pseudo_sum(src, dst, len) + rte_raw_cksum(icmp, len));
}

/* An ICMPv6 error about m back to its sender, out of the port it came in
 * on, from the box's address of the ingress BD (its link-local one to a
 * link-local sender), or (bridged) in the name of m's destination; param
 * is the MTU of "packet too big". Never about an ICMPv6 error or a
 * redirect, a non-first fragment, a non-unicast source or destination, a
 * frame that came as link-layer group traffic (RFC 4443 2.4 (e)), or a
 * packet of the box's own (DP_MF_OWN: a tunnel's outer header). As
 * much of m as fits the minimum MTU is quoted. */
static void
icmp6_error_as(struct rte_mbuf *m, uint8_t type, uint8_t code, uint32_t param, bool bridged)
{
	struct dp_meta *md = dp_meta(m);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *oip = ip6_of(m);
	const struct sw_svi6 *svi;
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(m) - md->l3_off,
				 IP6_HLEN + (uint32_t)rte_be_to_cpu_16(oip->payload_len));
	const uint8_t *smac;
	uint8_t src[16], *p;
	struct icmp6_hdr *icmp;
	const void *q;
	struct rte_mbuf *r;
	int lim;

	if ((md->flags & (DP_MF_FRAG_LATER | DP_MF_OWN)) || rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    pl_switch_ip6_mcast(oip->dst_addr))
		return;
	if (md->l4_proto == IPPROTO_ICMPV6 && (md->flags & DP_MF_L4)) {
		uint8_t t = *rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off);

		if (t < ICMP6_ECHO_REQUEST || t == ND_REDIRECT)
			return;
	}
	/* the way back first: sw_meta is read only when there is one */
	if (!sw_slow_answerable(m)) {
		dp_slow_event(SW_EVENT(icmp_tunnelled));
		return;
	}
	if (!sw_slow_dst_ok(md->slice, sw_meta(m)->bd, true, oip->src_addr)) {
		dp_slow_event(SW_EVENT(no_answer_src));
		return;
	}
	svi = svi6_get(md->slice, sw_meta(m)->bd);
	smac = bridged ? eth->dst_addr.addr_bytes : svi != NULL ? svi->mac : NULL;
	if (smac == NULL)
		return;
	lim = sw_slow_limit(md->slice, true, oip->src_addr, true);
	if (lim != SW_SLOW_LIM_OK) {
		dp_slow_event(lim == SW_SLOW_LIM_SRC ? SW_EVENT(icmp_limit_src) : SW_EVENT(icmp_ratelimit));
		return;
	}
	quote = RTE_MIN(quote, (uint32_t)ICMP6_QUOTE_MAX);
	r = dp_slow_frame(m->pool, pl_switch_back_mac(m), smac, sw_meta(m)->vid,
			       RTE_ETHER_TYPE_IPV6, (uint16_t)(IP6_HLEN + sizeof(*icmp) + quote), &p);
	if (r == NULL)
		return;
	icmp = (struct icmp6_hdr *)(p + IP6_HLEN);
	icmp->icmp6_type = type;
	icmp->icmp6_code = code;
	icmp->icmp6_data32[0] = rte_cpu_to_be_32(param);
	/* the quote may span segments: read copies only then */
	q = rte_pktmbuf_read(m, md->l3_off, quote, icmp + 1);
	if (q != NULL && q != (const void *)(icmp + 1))
		memcpy(icmp + 1, q, quote);
	if (bridged)
		memcpy(src, oip->dst_addr, 16);
	else if (pl_switch_ip6_ll(oip->src_addr))
		pl_switch_ll_addr(src, svi->mac);
	else
		memcpy(src, svi->ip, 16);
	icmp6_finish(p, src, oip->src_addr, ICMP6_HLIM, (uint16_t)(sizeof(*icmp) + quote));
	if (sw_slow_answer(r, m) == 0)
		dp_slow_event(SW_EVENT(icmp6_error));
}

static void
icmp6_error(struct rte_mbuf *m, uint8_t type, uint8_t code, uint32_t param)
{
	icmp6_error_as(m, type, code, param, false);
}

void
pl_switch_nd_too_big(struct rte_mbuf *m, uint32_t mtu, bool routed)
{
	icmp6_error_as(m, ICMP6_PACKET_TOO_BIG, 0, mtu, !routed);
}

static void
nd_route_out(struct rte_mbuf *m, const struct sw_rewrite *rw, bool tun)
{
	struct dp_meta *md = dp_meta(m);
	uint16_t mtu;

	if (tun) {
		sw_slow_tunnel_out(m, (const struct sw_rw_tunnel *)rw);
		return;
	}
	mtu = rw->port < DP_PORTS_MAX ? dp_ports[rw->port].mtu : 0;
	if (mtu != 0 && IP6_HLEN + rte_be_to_cpu_16(ip6_of(m)->payload_len) > mtu) {
		icmp6_error(m, ICMP6_PACKET_TOO_BIG, 0, mtu);
		dp_slow_drop(m, SW_DROP(pkt_too_big));
		return;
	}
	if (pl_switch_rewrite6(m, md, rw) < 0) {
		dp_slow_drop(m, SW_DROP(vlan_push));
		return;
	}
	dp_slowpath_send(m, rw->port);
	if (!(md->flags & DP_MF_MADE))
		dp_slow_event(SW_EVENT(forwarded));
}

static void
nd_unresolved(struct rte_mbuf *m)
{
	icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
	dp_slow_drop(m, SW_DROP(nd_unresolved));
}

/* Which BD of a slice has the SVI6 of an address. */
struct svi6_at {
	uint16_t slice;
	const uint8_t *ip;
	uint16_t bd;
	bool found;
};

static int
svi6_at_each(const struct dp_entry_view *ev, void *arg)
{
	struct svi6_at *a = arg;

	if (ev->action != 0 || rte_be_to_cpu_16(*(const rte_be16_t *)ev->key) != a->slice ||
	    memcmp(((const struct sw_svi6 *)ev->params)->ip, a->ip, 16) != 0)
		return 0;
	a->bd = rte_be_to_cpu_16(*(const rte_be16_t *)(ev->key + 2));
	a->found = true;
	return 1;
}

/* The BD ip (in slice) is solicited on: its connected route's; a scoped
 * link-local one's own (a route's next hop, pl_switch_ll_scope; SW_LL_ANY:
 * every BD of the slice with an SVI6, *bd SW_LL_ANY); for a plain
 * link-local ip, the BD of the box's address src asking for it (an
 * overlay path's VTEP asking for its gw). That is a walk of the SVI6s,
 * for a rare solicitation. -ENOENT: nowhere to ask. */
static int
nd_solicit_bd(uint16_t slice, const uint8_t *ip, const uint8_t *src, uint16_t *bd)
{
	struct svi6_at at = { .slice = slice, .ip = src };
	const struct dp_entry *e;

	if ((*bd = pl_switch_ll_scope(ip)) != 0)
		return 0;
	if (pl_switch_ip6_ll(ip)) {
		dp_table_each((unsigned int)pl_sw.svi6, svi6_at_each, &at);
		*bd = at.bd;
		return at.found ? 0 : -ENOENT;
	}
	e = route6_get(slice, ip);
	if (e == NULL || e->action != SW_RT_CONNECTED)
		return -ENOENT;   /* not on a connected subnet: nothing to ask */
	*bd = ((const struct sw_connected *)e->params)->bd;
	return 0;
}

/* A solicitation for ip (in slice; a link-local one as its link knows it)
 * to its solicited-node group on every member port of bd, from the SVI6
 * there. */
static void
nd_solicit_on(struct rte_mempool *mp, uint16_t slice, uint16_t bd, const uint8_t *ip)
{
	uint8_t pkt[IP6_HLEN + ND_MSG_LEN + ND_LLA_LEN] = {0};
	uint8_t group[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	uint8_t dmac[6] = { 0x33, 0x33, 0xff };
	const struct sw_svi6 *svi = svi6_get(slice, bd);
	uint8_t *ns = pkt + IP6_HLEN;

	if (svi == NULL)
		return;
	if (svi->held && !pl_switch_held_here(bd, SW_HELD_V6)) {
		dp_slow_event(SW_EVENT(held_quiet));
		return;
	}
	memcpy(group + 13, ip + 13, 3);   /* ff02::1:ffXX:XXXX (RFC 4291 2.7.1) */
	memcpy(dmac + 3, ip + 13, 3);     /* 33:33 + its last 32 bits (RFC 2464 7) */
	ns[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(ns + 8, ip, 16);
	ns[ND_MSG_LEN] = ND_OPT_SOURCE_LINKADDR;
	ns[ND_MSG_LEN + 1] = 1;
	memcpy(ns + ND_MSG_LEN + 2, svi->mac, 6);
	icmp6_finish(pkt, svi->ip, group, ND_HLIM, ND_MSG_LEN + ND_LLA_LEN);
	sw_slow_bd_send(mp, slice, bd, dmac, svi->mac, RTE_ETHER_TYPE_IPV6, pkt, sizeof(pkt),
			 SW_EVENT(nd_solicit));
}

/* A neighbour advertisement of target by svi (flags NA_*) in pkt (its
 * IPv6 header and message, IP6_HLEN + ND_MSG_LEN + ND_LLA_LEN bytes), from
 * src to dst. */
static void
na_fill(uint8_t *pkt, const struct sw_svi6 *svi, const uint8_t *target, uint8_t flags, const uint8_t *src,
	const uint8_t *dst)
{
	uint8_t *na = pkt + IP6_HLEN;

	memset(na, 0, ND_MSG_LEN + ND_LLA_LEN);
	na[0] = ND_NEIGHBOR_ADVERT;
	na[4] = flags;
	memcpy(na + 8, target, 16);
	na[ND_MSG_LEN] = ND_OPT_TARGET_LINKADDR;
	na[ND_MSG_LEN + 1] = 1;
	memcpy(na + ND_MSG_LEN + 2, svi->mac, 6);
	icmp6_finish(pkt, src, dst, ND_HLIM, ND_MSG_LEN + ND_LLA_LEN);
}

void
sw_nd_announce(uint16_t slice, uint16_t bd)
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	uint8_t pkt[IP6_HLEN + ND_MSG_LEN + ND_LLA_LEN], targets[2][16];
	const struct sw_svi6 *svi = svi6_get(slice, bd);

	if (svi == NULL)
		return;
	memcpy(targets[0], svi->ip, 16);
	pl_switch_ll_addr(targets[1], svi->mac);
	for (unsigned int t = 0; t < 2; t++) {
		/* RFC 4861 7.2.6: unsolicited, Override, from the address itself */
		na_fill(pkt, svi, targets[t], NA_ROUTER | NA_OVERRIDE, targets[t], all_nodes);
		for (unsigned int n = pl_switch_bd_out(rte_mempool_lookup(DP_MBUF_POOL_NAME), bd, all_nodes_mac,
						       svi->mac, RTE_ETHER_TYPE_IPV6, pkt, sizeof(pkt)); n > 0; n--)
			dp_slow_event(SW_EVENT(held_announce));
	}
}

/* The slice's SVI6 BDs, each asked for a link-local address. */
struct solicit_all {
	struct rte_mempool *mp;
	uint16_t slice;
	const uint8_t *ll;
};

static int
solicit_each(const struct dp_entry_view *ev, void *arg)
{
	const struct solicit_all *a = arg;

	if (ev->action == 0 && rte_be_to_cpu_16(*(const rte_be16_t *)ev->key) == a->slice)
		nd_solicit_on(a->mp, a->slice, rte_be_to_cpu_16(*(const rte_be16_t *)(ev->key + 2)), a->ll);
	return 0;
}

/* A solicitation for ip (in slice) where nd_solicit_bd says; src (the
 * packet that needs it) pays for it. */
static void
nd_solicit(struct rte_mempool *mp, uint16_t slice, const uint8_t *ip, const uint8_t *src)
{
	uint8_t target[16];
	uint16_t bd;

	if (nd_solicit_bd(slice, ip, src, &bd) < 0)
		return;
	if (sw_slow_limit(slice, true, src, false) != SW_SLOW_LIM_OK) {
		dp_slow_event(SW_EVENT(nd_solicit_limited));
		return;
	}
	memcpy(target, ip, 16);
	if (pl_switch_ip6_ll(ip))
		pl_switch_ll_scoped(target, ip, 0);   /* the address as its link knows it */
	if (bd == SW_LL_ANY) {
		struct solicit_all a = { .mp = mp, .slice = slice, .ll = target };

		dp_table_each((unsigned int)pl_sw.svi6, solicit_each, &a);
	} else {
		nd_solicit_on(mp, slice, bd, target);
	}
}

/* May link-local who be learned from m (on svi's link)? Where the box
 * asked for it from this SVI6's address, or where it already is. */
static bool
ll_neigh_ok(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_svi6 *svi, const uint8_t *who)
{
	const uint8_t *asker = sw_hold_asker(md->slice, true, who);
	const struct sw_rewrite *known;
	bool tun;

	if (asker != NULL && memcmp(asker, svi->ip, 16) == 0)
		return true;
	known = neigh6_get(md->slice, who, &tun);
	return known != NULL && !tun && known->port == md->in_port && known->vlan == sw_meta(m)->vid;
}

/* Learn who (a solicitation's sender or an advertisement's target, at
 * lla) where the rules allow: the box asked for it, it is known, or (on
 * the SVI6's subnet) it solicited the box (RFC 4861 7.2.3). A link-local
 * neighbour is learned twice over, only where the box asked or it is
 * known (a link's every host solicits from one: none of them a next hop
 * until a route says so): scoped to this BD (a route's next hop,
 * fe80:BD::IID, which no other link's node can claim), and plain (an
 * overlay path's gateway) only from the link the box asked on, from this
 * SVI6's address, or where it already is, as another link's node
 * claiming the same address would take the path's traffic over. */
static void
nd_learn(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_svi6 *svi, const uint8_t *who, bool ns,
	 const uint8_t *lla)
{
	uint32_t t = (md->flags & DP_MF_DECAP) ? pl_switch_back_tunnel(m) : 0;
	uint16_t vid = sw_meta(m)->vid;
	const struct sw_rewrite *known;
	uint8_t scoped[16];
	bool tun;

	if (memcmp(who, svi->ip, 16) == 0)
		return;
	/* through a tunnel only from the box's own exchange, and no
	 * link-local one: the far end's links are not the box's */
	if (t != 0) {
		if (in_subnet6(svi, who) && sw_neigh_tunnel_ok(md->slice, true, who))
			sw_neigh_learn(true, md->slice, who, md->in_port, vid, t, lla, svi->mac);
		return;
	}
	if (in_subnet6(svi, who)) {
		if (ns || neigh6_get(md->slice, who, &tun) != NULL || sw_hold_asker(md->slice, true, who) != NULL)
			sw_neigh_learn(true, md->slice, who, md->in_port, vid, 0, lla, svi->mac);
		return;
	}
	/* fe80:: with bits the wire never sets would pass for a scoped one */
	if (!pl_switch_ll_plain(who))
		return;
	pl_switch_ll_scoped(scoped, who, sw_meta(m)->bd);
	if (neigh6_get(md->slice, scoped, &tun) != NULL || sw_hold_asker(md->slice, true, scoped) != NULL)
		sw_neigh_learn(true, md->slice, scoped, md->in_port, vid, 0, lla, svi->mac);
	/* on any link of the slice: where it answered first (asked on all) */
	pl_switch_ll_scoped(scoped, who, SW_LL_ANY);
	known = neigh6_get(md->slice, scoped, &tun);
	if (known != NULL && (tun || known->port != md->in_port || known->vlan != vid))
		dp_slow_event(SW_EVENT(nd_ll_clash));
	else if (known != NULL || sw_hold_asker(md->slice, true, scoped) != NULL)
		sw_neigh_learn(true, md->slice, scoped, md->in_port, vid, 0, lla, svi->mac);
	if (ll_neigh_ok(m, md, svi, who))
		sw_neigh_learn(true, md->slice, who, md->in_port, vid, 0, lla, svi->mac);
}

/* An advertisement of target from the SVI6, out of the port the
 * solicitation came in on: to its sender, or to all nodes when the sender
 * had no address yet (duplicate address detection, RFC 4862 5.4.3). */
static void
nd_advertise(struct rte_mbuf *m, const struct sw_svi6 *svi, const uint8_t *target,
	     const uint8_t *lla)
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	bool dad = ip6_unspec(ip->src_addr);
	const uint8_t *dmac = dad ? all_nodes_mac : lla ? lla : eth->src_addr.addr_bytes;
	struct rte_mbuf *r;
	uint8_t *p;

	r = dp_slow_frame(m->pool, dmac, svi->mac, sw_meta(m)->vid, RTE_ETHER_TYPE_IPV6,
			       IP6_HLEN + ND_MSG_LEN + ND_LLA_LEN, &p);
	if (r == NULL)
		return;
	na_fill(p, svi, target, NA_ROUTER | NA_OVERRIDE | (dad ? 0 : NA_SOLICITED), target,
		dad ? all_nodes : ip->src_addr);
	if (sw_slow_answer(r, m) == 0)
		dp_slow_event(SW_EVENT(nd_advert));
}

/* The link-layer address option of type want in an NDP message's options
 * (opt, len bytes): *lla = its MAC, or NULL. -1 when an option is
 * malformed (zero length, past the end: RFC 4861 7.1.1). */
static int
nd_options(const uint8_t *opt, uint32_t len, uint8_t want, const uint8_t **lla)
{
	*lla = NULL;
	while (len > 0) {
		uint32_t ol = len >= 2 ? (uint32_t)opt[1] * 8 : 0;

		if (ol == 0 || ol > len)
			return -1;
		if (opt[0] == want && ol == ND_LLA_LEN)
			*lla = opt + 2;
		opt += ol;
		len -= ol;
	}
	return 0;
}

/* A neighbour solicitation or advertisement for the box's BD: validated
 * (RFC 4861 7.1), answered (solicitations for the box's addresses), and
 * the neighbour learned from its link-layer option. */
static void
handle_nd(struct rte_mbuf *m, struct dp_meta *md)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct sw_svi6 *svi;
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	uint32_t len = icmp6_len(m);
	const uint8_t *nd, *target, *lla;
	uint8_t ll[16];
	bool ns, unspec = ip6_unspec(ip->src_addr);
	int lim;

	if (!sw_slow_answerable(m)) {
		dp_slow_drop(m, SW_DROP(no_way_back));
		return;
	}
	svi = svi6_get(md->slice, sw_meta(m)->bd);
	if (svi == NULL) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	/* all of it in the first segment, and no Fragment header, not even
	 * an atomic one (RFC 6980 5) */
	if (!(md->flags & DP_MF_L4) || (md->flags & (DP_MF_FRAG | DP_MF_ATOMIC_FRAG)) || len < ND_MSG_LEN ||
	    md->l4_off + len > rte_pktmbuf_data_len(m)) {
		dp_slow_drop(m, SW_DROP(nd_bad));
		return;
	}
	if (!icmp6_cksum_ok(m)) {
		dp_slow_drop(m, SW_DROP(icmp6_cksum));
		return;
	}
	nd = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off);
	target = nd + 8;
	ns = nd[0] == ND_NEIGHBOR_SOLICIT;
	if (ip->hop_limits != ND_HLIM || nd[1] != 0 || pl_switch_ip6_mcast(target) ||
	    nd_options(nd + ND_MSG_LEN, len - ND_MSG_LEN,
		       ns ? ND_OPT_SOURCE_LINKADDR : ND_OPT_TARGET_LINKADDR, &lla) < 0 ||
	    (lla != NULL && (rte_is_multicast_ether_addr((const struct rte_ether_addr *)lla) ||
			     rte_is_zero_ether_addr((const struct rte_ether_addr *)lla))) ||
	    (ns && unspec && (lla != NULL || !solicited_node(ip->dst_addr))) ||
	    (!ns && (unspec || (pl_switch_ip6_mcast(ip->dst_addr) && (nd[4] & NA_SOLICITED))))) {
		dp_slow_drop(m, SW_DROP(nd_bad));
		return;
	}
	if (ns) {
		pl_switch_ll_addr(ll, svi->mac);
		if (memcmp(target, svi->ip, 16) != 0 && memcmp(target, ll, 16) != 0 &&
		    !sw_host_ll_is(md->slice, sw_meta(m)->bd, target)) {
			dp_slow_drop(m, SW_DROP(not_for_us));
			return;
		}
		if (!unspec && !sw_slow_dst_ok(md->slice, sw_meta(m)->bd, true, ip->src_addr)) {
			dp_slow_drop(m, SW_DROP(bad_reply_dst));
			return;
		}
		if ((lim = sw_slow_limit(md->slice, true, ip->src_addr, false)) != SW_SLOW_LIM_OK) {
			sw_slow_limited(m, lim);
			return;
		}
	} else {
		/* an advertisement names its sender in target; without the
		 * option, the frame's source is its link-layer address */
		if (lla == NULL)
			lla = eth->src_addr.addr_bytes;
	}
	/* Neighbours on the SVI6's subnet. An advertisement only answers a
	 * solicitation or updates a known neighbour: one for an address nobody
	 * asked about makes no entry (RFC 4861 7.2.5). */
	if (!unspec && lla != NULL)
		nd_learn(m, md, svi, ns ? ip->src_addr : target, ns, lla);
	if (ns && svi->held && !pl_switch_held_here(sw_meta(m)->bd, SW_HELD_V6)) {
		dp_slow_drop(m, SW_DROP(held_elsewhere));
		return;
	}
	if (ns)
		nd_advertise(m, svi, target, lla);
	dp_slow_event(SW_EVENT(consumed));
	rte_pktmbuf_free(m);
}

/* An echo request to a box address (or the subnet-router anycast address,
 * answered from the SVI6's: RFC 4291 2.6.1, RFC 4443 4.2): a fresh reply
 * out of the ingress port. */
static void
handle_echo(struct rte_mbuf *m, struct dp_meta *md, bool anycast)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	const struct sw_svi6 *svi;
	uint32_t len = icmp6_len(m);
	struct icmp6_hdr *icmp;
	struct rte_mbuf *r;
	const void *q;
	uint8_t *p;
	int lim;

	if (!sw_slow_answerable(m)) {
		dp_slow_drop(m, SW_DROP(no_way_back));
		return;
	}
	svi = svi6_get(md->slice, sw_meta(m)->bd);
	if (svi == NULL || (md->flags & DP_MF_FRAG)) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	if (!icmp6_cksum_ok(m)) {
		dp_slow_drop(m, SW_DROP(icmp6_cksum));
		return;
	}
	if (!sw_slow_dst_ok(md->slice, sw_meta(m)->bd, true, ip->src_addr)) {
		dp_slow_drop(m, SW_DROP(bad_reply_dst));
		return;
	}
	if ((lim = sw_slow_limit(md->slice, true, ip->src_addr, false)) != SW_SLOW_LIM_OK) {
		sw_slow_limited(m, lim);
		return;
	}
	r = dp_slow_frame(m->pool, eth->src_addr.addr_bytes, svi->mac, sw_meta(m)->vid,
			       RTE_ETHER_TYPE_IPV6, (uint16_t)(IP6_HLEN + len), &p);
	if (r != NULL) {
		icmp = (struct icmp6_hdr *)(p + IP6_HLEN);
		q = rte_pktmbuf_read(m, md->l4_off, len, icmp);
		if (q != NULL && q != (const void *)icmp)
			memcpy(icmp, q, len);
		icmp->icmp6_type = ICMP6_ECHO_REPLY;
		icmp6_finish(p, anycast ? svi->ip : ip->dst_addr, ip->src_addr, ICMP6_HLIM,
			     (uint16_t)len);
		if (sw_slow_answer(r, m) == 0)
			dp_slow_event(SW_EVENT(icmp6_echo));
	}
	dp_slow_event(SW_EVENT(consumed));
	rte_pktmbuf_free(m);
}

static void
handle_local(struct rte_mbuf *m, struct dp_meta *md, bool anycast)
{
	uint8_t type;

	type = md->l4_proto == IPPROTO_ICMPV6 && (md->flags & DP_MF_L4) ?
	       *rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off) : 0;
	if (type == ICMP6_ECHO_REQUEST)
		handle_echo(m, md, anycast);
	else if ((type == ND_NEIGHBOR_SOLICIT || type == ND_NEIGHBOR_ADVERT) && !anycast)
		handle_nd(m, md);
	/* what the box does not answer itself is its kernel twin's; never
	 * what went to the subnet-router anycast address, which is no
	 * address of the twin's */
	else if (anycast || sw_host_deliver(m, md) < 0)
		dp_slow_drop(m, SW_DROP(not_for_us));
}

/* A routed packet with no rewrite when the worker looked (or over the
 * MTU), or one the box sends (pl_swctl.h): the route as it is now names
 * its next hop, which is resolved by now (send it, after anything held),
 * or gets held while we solicit. */
int
pl_switch_nd_route(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct rte_ipv6_hdr *ip = ip6_of(m);
	const struct dp_entry *e = route6_get(md->slice, ip->dst_addr);
	const struct sw_rewrite *rw;
	const uint8_t *nh;
	uint8_t any[16];
	bool tun;

	if ((md->flags & DP_MF_HOST) && pl_switch_ip6_ll(ip->dst_addr)) {
		/* the twin to a neighbour's link-local address (OSPFv3's
		 * exchanges): on whichever of the slice's links it answers, as
		 * the twin's one link is all of them */
		if (!pl_switch_ll_plain(ip->dst_addr)) {
			dp_slow_drop(m, SW_DROP(ip6_ll_dst));
			return -1;
		}
		pl_switch_ll_scoped(any, ip->dst_addr, SW_LL_ANY);
		nh = any;
	} else if (e != NULL && e->action == SW_RT_VIA) {
		nh = ((const struct sw_via6 *)e->params)->nh;
	} else if (e != NULL && e->action == SW_RT_ECMP) {
		const struct sw_ecmp6 *g = (const struct sw_ecmp6 *)e->params;
		uint32_t cnt = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP6_MAX);

		nh = g->nh[((uint64_t)md->hash * cnt) >> 32];   /* the worker's pick */
	} else if (e != NULL && e->action == SW_RT_CONNECTED) {
		const struct sw_svi6 *svi = svi6_get(md->slice,
						     ((const struct sw_connected *)e->params)->bd);

		nh = ip->dst_addr;
		if (svi != NULL && subnet_anycast(svi, nh)) {
			handle_local(m, md, true);
			return 0;
		}
	} else {
		/* the route changed meanwhile to local, drop or none: no next hop */
		icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
		dp_slow_drop(m, SW_DROP(no_route));
		return -1;
	}
	if ((rw = neigh6_get(md->slice, nh, &tun)) != NULL) {
		sw_hold_release(md->slice, true, nh, rw, tun);
		nd_route_out(m, rw, tun);
		return 0;
	}
	pl_swctl_hold(m, md->slice, true, nh, ip->src_addr);
	return 0;
}

void
pl_switch_nd_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	switch (sw_meta(m)->punt) {
	case SW_PUNT_ND:
		handle_nd(m, md);
		break;
	case SW_PUNT_LOCAL:
		handle_local(m, md, false);
		break;
	case SW_PUNT_TTL:
		icmp6_error(m, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, 0);
		dp_slow_drop(m, SW_DROP(ttl_expired));
		break;
	case SW_PUNT_NOROUTE:
		icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
		dp_slow_drop(m, SW_DROP(no_route));
		break;
	case SW_PUNT_SCOPE:
		icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
		dp_slow_drop(m, SW_DROP(ip6_ll_src));
		break;
	case SW_PUNT_UNRESOLVED:
	case SW_PUNT_MTU:
		pl_switch_nd_route(m);
		break;
	default:
		dp_slow_drop(m, SW_DROP(not_for_us));
	}
}

/* IPv6's part of the hold queue: solicit, send on, or give up. */
static const struct sw_hold_family nd_hold = {
	.ask = nd_solicit, .out = nd_route_out, .expired = nd_unresolved,
};

void
pl_switch_nd_init(void)
{
	sw_hold_register(true, &nd_hold);
}
