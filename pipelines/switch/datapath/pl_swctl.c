/* Switch slow path for IPv4 (main lcore): ARP, neighbour resolution on the
 * hold queue (sw_hold.c), ICMP echo and errors, fragmentation; the limits
 * and the way answers go back are sw_slow.c, shared with IPv6 (sw_nd.c,
 * which gets every punted IPv6 packet). Everything here runs on
 * the thread that writes tables, so it reads them with dp_table_find and
 * writes them with dp_table_write like any other control client. Packets go
 * out through dp_slowpath_send (a worker transmits them).
 *
 * Accounting: every punted packet ends here as exactly one of a named drop
 * (dp_slow_drop), switch.consumed (it was for the box; an answered request counts
 * even though its mbuf becomes the reply) or switch.forwarded (sent on:
 * released from a hold queue, resolved meanwhile, or fragmented, once),
 * whether or not dp_slowpath_send then finds room (a full inject ring is
 * counted apart, as inject_dropped). Packets the box makes itself count only
 * under their own events (DP_MF_MADE, also when held here). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_jhash.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ring_elem.h>

#include "pl_swctl.h"
#include "sw_hold.h"
#include "sw_nd.h"
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

#define ICMP_TIME_EXCEEDED 11
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4        /* code of ICMP_DEST_UNREACH */
#define IP_DF 0x4000

enum { LIM_OK = SW_SLOW_LIM_OK, LIM_SRC = SW_SLOW_LIM_SRC, LIM_TOTAL = SW_SLOW_LIM_TOTAL };

static struct dp_lcore_stats *
st(void)
{
	return &dp_lcore_stats[rte_lcore_id()];
}

static void
arp_ask(struct rte_mempool *mp, uint16_t slice, const uint8_t *ip, const uint8_t *src);
static void route_out(struct rte_mbuf *m, const struct sw_rewrite *rw, bool tun);

/* A held packet whose neighbour never answered an ARP request. */
static void
arp_expired(struct rte_mbuf *m)
{
	dp_slow_drop(m, SW_DROP(arp_unresolved));
}

/* IPv4's part of the hold queue: ARP, send on, or give up. */
static const struct sw_hold_family arp_hold = {
	.ask = arp_ask, .out = route_out, .expired = arp_expired,
};

void
pl_swctl_init(void)
{
	sw_hold_register(false, &arp_hold);
}

static int
limit(uint16_t slice, uint32_t src, bool icmp_err)
{
	return sw_slow_limit(slice, false, (const uint8_t *)&src, icmp_err);
}

/* Not a unicast host address, as a source: 0/8, 127/8, 224/4, 240/4. */
static inline bool
ip_martian(uint32_t ip_be)
{
	return !dp_addr_ip4_unicast(ip_be);
}

static const struct sw_svi *
svi_get(uint16_t slice, uint16_t bd)
{
	return sw_slow_svi(pl_sw.svi, slice, bd);
}

static bool
in_subnet(const struct sw_svi *svi, uint32_t ip_be)
{
	uint32_t mask = svi->plen ? rte_cpu_to_be_32(~0u << (32 - svi->plen)) : 0;

	return (ip_be & mask) == (svi->ip & mask);
}

/* The SVI of the connected route ip falls in (and its bd), or NULL. */
static const struct sw_svi *
connected_svi(uint16_t slice, uint32_t ip, uint16_t *bd)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_vrf_ip(k, slice, ip);
	e = dp_table_find(pl_sw.routes, k);
	if (e == NULL || e->action != SW_RT_CONNECTED)
		return NULL;
	*bd = ((const struct sw_connected *)e->params)->bd;
	return svi_get(slice, *bd);
}

/* Broadcast an ARP request for ip (in slice) on every member port of the
 * bridge domain its connected route names; src (the packet that needs it)
 * pays for it. */
/* An ARP request from (sha, sip) for tip. */
static void
arp_request_of(struct rte_arp_hdr *arp, const uint8_t *sha, uint32_t sip, uint32_t tip)
{
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	memcpy(&arp->arp_data.arp_sha, sha, 6);
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, 6);
	arp->arp_data.arp_tip = tip;
}

static void
arp_request(struct rte_mempool *mp, uint16_t slice, uint32_t ip, uint32_t src)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rte_arp_hdr arp;
	const struct sw_svi *svi;
	uint16_t bd;

	if ((svi = connected_svi(slice, ip, &bd)) == NULL)
		return;   /* not on a connected subnet: nothing to ask */
	if (svi->held && !pl_switch_held_here(bd, SW_HELD_V4)) {
		dp_slow_event(SW_EVENT(held_quiet));
		return;
	}
	if (limit(slice, src, false) != LIM_OK) {
		dp_slow_event(SW_EVENT(arp_request_limited));
		return;
	}
	arp_request_of(&arp, svi->mac, svi->ip, ip);
	sw_slow_bd_send(mp, slice, bd, bcast, svi->mac, RTE_ETHER_TYPE_ARP, &arp, sizeof(arp),
			 SW_EVENT(arp_request));
}

/* The MACs the box learned through its tunnels in a bridge domain it just
 * took (a pair's takeover): the LAN's switches still send them to the other
 * box, whose frames taught them, until each remote host sends again (a host
 * that only receives: never). A RARP announcement from each (QEMU's
 * announce-self) teaches them the new way at once. */
#define ANNOUNCE_MAX 1024	/* remote MACs announced a takeover at most (more: the next frame of each) */

struct announce {
	struct rte_mempool *mp;
	uint16_t bd;
	unsigned int n;
};

static int
announce_one(const struct dp_entry_view *ev, void *arg)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct announce *a = arg;
	struct rte_arp_hdr rarp;
	uint8_t mac[6];

	if (ev->action != SW_FDB_TUNNEL_LEARNED && ev->action != SW_FDB_TUNNEL)
		return 0;
	if (rte_be_to_cpu_16(*(const rte_be16_t *)ev->key) != a->bd)
		return 0;
	if (a->n == ANNOUNCE_MAX) {
		dp_slow_event(SW_EVENT(remote_announce_skipped));
		return 1;   /* the walk stops: the main lcore has routers to keep */
	}
	memcpy(mac, ev->key + 2, 6);
	arp_request_of(&rarp, mac, 0, 0);
	rarp.arp_opcode = rte_cpu_to_be_16(3);   /* RFC 903's reverse request */
	memcpy(&rarp.arp_data.arp_tha, mac, 6);
	if (pl_switch_bd_out(a->mp, a->bd, bcast, mac, 0x8035, &rarp, sizeof(rarp)) > 0) {
		a->n++;
		dp_slow_event(SW_EVENT(remote_announce));
	}
	return 0;
}

static void
announce_remote(uint16_t bd)
{
	static uint64_t last[4096];
	struct announce a = { .mp = rte_mempool_lookup(DP_MBUF_POOL_NAME), .bd = bd };
	uint64_t now = rte_get_tsc_cycles();

	/* one takeover, two routers (IPv4 and IPv6) of the domain: once */
	if (last[bd & 4095] != 0 && now - last[bd & 4095] < rte_get_tsc_hz())
		return;
	last[bd & 4095] = now;
	dp_table_each((unsigned int)pl_sw.fdb, announce_one, &a);
}

void
pl_switch_held_set(uint16_t slice, uint16_t bd, bool v6, bool here)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned int bit = 1u << (v6 ? SW_HELD_V6 : SW_HELD_V4);
	uint8_t was = pl_sw_held[bd & 4095];
	const struct sw_svi *svi;
	struct rte_arp_hdr arp;

	__atomic_store_n(&pl_sw_held[bd & 4095], (uint8_t)(here ? was | bit : was & ~bit), __ATOMIC_RELAXED);
	if (!here)
		return;
	announce_remote(bd);
	if (v6) {
		sw_nd_announce(slice, bd);
		return;
	}
	/* RFC 5227's announcement: a request from and for the address */
	if ((svi = svi_get(slice, bd)) == NULL)
		return;
	arp_request_of(&arp, svi->mac, svi->ip, svi->ip);
	for (unsigned int n = pl_switch_bd_out(rte_mempool_lookup(DP_MBUF_POOL_NAME), bd, bcast, svi->mac,
					       RTE_ETHER_TYPE_ARP, &arp, sizeof(arp)); n > 0; n--)
		dp_slow_event(SW_EVENT(held_announce));
}

void
pl_switch_held_elected(uint16_t bd, bool on)
{
	uint8_t was = pl_sw_held[bd & 4095], bit = 1u << SW_HELD_ELECTED;

	__atomic_store_n(&pl_sw_held[bd & 4095], (uint8_t)(on ? was | bit : was & ~bit), __ATOMIC_RELAXED);
}

int
pl_switch_listen(uint8_t proto, pl_switch_listen_fn fn)
{
	if (sw_listen[proto] != NULL && sw_listen[proto] != fn)
		return -EEXIST;
	sw_listen[proto] = fn;
	return 0;
}

/* A link-local group protocol's frame to its listener. */
static void
handle_listen(struct rte_mbuf *m, const struct dp_meta *md)
{
	pl_switch_listen_fn fn = sw_listen[md->l4_proto];
	unsigned int why = fn != NULL ? fn(m) : SW_DROP(not_for_us);

	if (why != 0) {
		dp_slow_drop(m, why);
		return;
	}
	dp_slow_event(SW_EVENT(consumed));
	rte_pktmbuf_free(m);
}

int
pl_switch_listen_udp(uint16_t port, pl_switch_listen_fn fn)
{
	pl_switch_listen_fn had = pl_switch_udp_listener(port);

	if (had != NULL)
		return had == fn ? 0 : -EEXIST;
	if (sw_n_listen_udp == SW_LISTEN_UDP_MAX)
		return -ENOSPC;
	sw_listen_udp[sw_n_listen_udp] = (struct sw_listen_udp){ .port = port, .fn = fn };
	sw_n_listen_udp++;
	return 0;
}

/* A datagram to a UDP port a feature listens to (broadcast, or to the
 * box's address): to its listener, counted as a listened frame is. */
static void
handle_listen_udp(struct rte_mbuf *m, const struct dp_meta *md, pl_switch_listen_fn fn)
{
	unsigned int why = fn != NULL && (md->flags & DP_MF_L4) ? fn(m) : SW_DROP(not_for_us);

	if (why != 0) {
		dp_slow_drop(m, why);
		return;
	}
	dp_slow_event(SW_EVENT(consumed));
	rte_pktmbuf_free(m);
}

static void
arp_ask(struct rte_mempool *mp, uint16_t slice, const uint8_t *ip, const uint8_t *src)
{
	uint32_t a, s;

	memcpy(&a, ip, 4);
	memcpy(&s, src, 4);
	arp_request(mp, slice, a, s);
}

/* ICMP error about m back to its sender, out of the port it came in on,
 * from the box's address in the ingress BD, or (bridged) in the name of
 * m's destination; for "fragmentation needed", mtu is the next hop's (RFC
 * 1191). Never about an ICMP error, a non-first fragment, a non-unicast
 * source or destination, a frame that came as link-layer
 * broadcast/multicast (RFC 1812 4.3.2.7), or a packet of the box's own. */
static void
icmp_error_as(struct rte_mbuf *m, struct dp_meta *md, uint8_t type, uint8_t code, uint16_t mtu,
	      bool bridged)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	const struct sw_svi *svi;
	uint16_t quote, olen = rte_pktmbuf_data_len(m) - md->l3_off;
	const uint8_t *smac;
	uint32_t sip;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *r;
	uint8_t *p;
	int lim;

	if ((md->flags & (DP_MF_FRAG_LATER | DP_MF_OWN)) || rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    ip_martian(oip->dst_addr))
		return;
	if (md->l4_proto == IPPROTO_ICMP && (md->flags & DP_MF_L4)) {
		const struct rte_icmp_hdr *oi = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, md->l4_off);

		if (oi->icmp_type != RTE_IP_ICMP_ECHO_REQUEST && oi->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
			return;
	}
	/* the way back first: sw_meta is read only when there is one */
	if (!sw_slow_answerable(m)) {
		dp_slow_event(SW_EVENT(icmp_tunnelled));
		return;
	}
	if (!sw_slow_dst_ok(md->slice, sw_meta(m)->bd, false, (const uint8_t *)&oip->src_addr)) {
		dp_slow_event(SW_EVENT(no_answer_src));
		return;
	}
	svi = svi_get(md->slice, sw_meta(m)->bd);
	smac = svi != NULL ? svi->mac : NULL;
	sip = svi != NULL ? svi->ip : 0;
	if (bridged) {
		smac = eth->dst_addr.addr_bytes;
		sip = oip->dst_addr;
	}
	if (smac == NULL)
		return;
	lim = limit(md->slice, oip->src_addr, true);
	if (lim != LIM_OK) {
		dp_slow_event(lim == LIM_SRC ? SW_EVENT(icmp_limit_src) : SW_EVENT(icmp_ratelimit));
		return;
	}
	/* header + 8 bytes (RFC 792), within the datagram and the first segment */
	quote = RTE_MIN((uint16_t)(rte_ipv4_hdr_len(oip) + 8), olen);
	quote = RTE_MIN(quote, rte_be_to_cpu_16(oip->total_length));
	r = dp_slow_frame(m->pool, pl_switch_back_mac(m), smac, sw_meta(m)->vid,
		      RTE_ETHER_TYPE_IPV4, sizeof(*ip) + sizeof(*icmp) + quote, &p);
	if (r == NULL)
		return;
	ip = (struct rte_ipv4_hdr *)p;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0;   /* network control */
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + quote);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = sip;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	memset(icmp, 0, sizeof(*icmp));
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);   /* next-hop MTU, else 0 */
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	if (sw_slow_answer(r, m) == 0)
		dp_slow_event(SW_EVENT(icmp_error));
}

static void
icmp_error(struct rte_mbuf *m, struct dp_meta *md, uint8_t type, uint8_t code, uint16_t mtu)
{
	icmp_error_as(m, md, type, code, mtu, false);
}

void
pl_swctl_too_big(struct rte_mbuf *m, uint16_t mtu, bool routed)
{
	struct dp_meta *md = dp_meta(m);

	if (md->flags & DP_MF_IPV4)
		icmp_error_as(m, md, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu, !routed);
	else if (md->flags & DP_MF_IPV6)
		pl_switch_nd_too_big(m, mtu, routed);
}

/* Send m, whose IPv4 datagram starts l2 bytes in and is final but for its
 * size, in fragments of at most mtu bytes (RFC 791): copies in single-segment
 * mbufs of m's pool (whatever m's segments), so a fragment must fit one
 * mbuf. m is consumed. Returns the fragments sent, or -1 (nothing sent). */
static int
send_fragments(struct rte_mbuf *m, uint16_t l2, uint16_t port, uint16_t mtu)
{
	struct rte_mbuf *f[SWCTL_FRAG_MAX];
	uint8_t hdr[RTE_ETHER_HDR_LEN + 2 * 4];
	uint16_t room = rte_pktmbuf_data_room_size(m->pool) - RTE_PKTMBUF_HEADROOM;
	uint32_t tot;
	int n, sent = 0;

	if (l2 > sizeof(hdr))
		goto fail;
	memcpy(hdr, rte_pktmbuf_mtod(m, const void *), l2);
	rte_pktmbuf_adj(m, l2);
	tot = rte_be_to_cpu_16(rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *)->total_length);
	/* Ethernet padding is no part of the datagram */
	if (rte_pktmbuf_pkt_len(m) > tot && rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - tot) < 0)
		goto fail;
	n = rte_ipv4_fragment_copy_nonseg_packet(m, f, SWCTL_FRAG_MAX, RTE_MIN(mtu, room), m->pool);
	if (n <= 0)
		goto fail;
	rte_pktmbuf_free(m);
	for (int i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(f[i], struct rte_ipv4_hdr *);
		uint32_t len;
		uint8_t *p;

		ip->hdr_checksum = rte_ipv4_cksum(ip);
		p = (uint8_t *)rte_pktmbuf_prepend(f[i], l2);
		len = rte_pktmbuf_pkt_len(f[i]);
		if (p == NULL || (len < 60 && rte_pktmbuf_append(f[i], 60 - len) == NULL)) {
			rte_pktmbuf_free(f[i]);
			continue;
		}
		memcpy(p, hdr, l2);
		if (len < 60)
			memset(p + len, 0, 60 - len);   /* the 60-byte minimum, as frame_new */
		if (dp_slowpath_send(f[i], port) == 0) {
			dp_slow_event(SW_EVENT(frag_sent));
			sent++;
		}
	}
	return sent;
fail:
	rte_pktmbuf_free(m);
	return -1;
}

/* A routed packet the slow path sends on (held, resolved meanwhile, or
 * punted for its size): MTU check, rewrite, out (tun: into the tunnel of
 * the neighbour's sw_rw_tunnel). Counts it once. */
static void
route_out(struct rte_mbuf *m, const struct sw_rewrite *rw, bool tun)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	uint16_t mtu;
	uint32_t ip_bytes = rte_pktmbuf_pkt_len(m) - md->l3_off;

	if (tun) {
		sw_slow_tunnel_out(m, (const struct sw_rw_tunnel *)rw);
		return;
	}
	mtu = rw->port < DP_PORTS_MAX ? dp_ports[rw->port].mtu : 0;

	if (mtu != 0 && rte_be_to_cpu_16(ip->total_length) > mtu) {
		if (ip->fragment_offset & rte_cpu_to_be_16(IP_DF)) {
			icmp_error(m, md, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
			dp_slow_drop(m, SW_DROP(frag_needed));
			return;
		}
		if (pl_switch_rewrite(m, md, rw) < 0) {
			dp_slow_drop(m, SW_DROP(vlan_push));
			return;
		}
		if (send_fragments(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - ip_bytes), rw->port, mtu) < 0) {
			st()->drops[SW_DROP(frag_failed)]++;   /* freed by send_fragments */
			st()->drop_pkts++;
			return;
		}
		dp_slow_event(SW_EVENT(fragmented));
		if (!(md->flags & DP_MF_MADE))
			dp_slow_event(SW_EVENT(forwarded));
		return;
	}
	if (pl_switch_rewrite(m, md, rw) < 0) {
		dp_slow_drop(m, SW_DROP(vlan_push));
		return;
	}
	dp_slowpath_send(m, rw->port);
	if (!(md->flags & DP_MF_MADE))
		dp_slow_event(SW_EVENT(forwarded));
}

/* The neighbour (slice, ip) resolves to (sw_neigh_rw), or NULL. */
static const struct sw_rewrite *
neigh_get(uint16_t slice, uint32_t ip, bool *tun)
{
	uint8_t k[DP_KEY_MAX] = {0};

	pl_switch_key_vrf_ip(k, slice, ip);
	return sw_neigh_rw(dp_table_find(pl_sw.neigh, k), tun);
}

static void
resolve(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	bool tun;
	const struct sw_rewrite *rw = neigh_get(md->slice, sw_meta(m)->nh, &tun);
	const struct sw_svi *svi;
	uint16_t bd;

	/* resolved since the worker looked: send it (after anything held) */
	if (rw != NULL) {
		sw_hold_release(md->slice, false, (const uint8_t *)&sw_meta(m)->nh, rw, tun);
		route_out(m, rw, tun);
		return;
	}
	/* {subnet, -1} and {subnet, 0} of a connected subnet are no host to
	 * ARP for: directed broadcasts are not forwarded (RFC 2644) */
	svi = connected_svi(md->slice, sw_meta(m)->nh, &bd);
	if (svi != NULL && svi->plen <= 30) {
		uint32_t host = rte_be_to_cpu_32(sw_meta(m)->nh) & (UINT32_MAX >> svi->plen);

		if (host == 0 || host == (UINT32_MAX >> svi->plen)) {
			dp_slow_drop(m, SW_DROP(directed_bcast));
			return;
		}
	}
	pl_swctl_hold(m, md->slice, false, (const uint8_t *)&sw_meta(m)->nh,
		      (const uint8_t *)&rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								md->l3_off)->src_addr);
}

static void
handle_arp(struct rte_mbuf *m, struct dp_meta *md)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, md->l3_off);
	const struct sw_svi *svi;
	struct rte_arp_ipv4 *a = &arp->arp_data;
	uint32_t sip = a->arp_sip;
	bool request = arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	int lim;

	if (!sw_slow_answerable(m)) {
		dp_slow_drop(m, SW_DROP(no_way_back));
		return;
	}
	svi = svi_get(md->slice, sw_meta(m)->bd);
	/* the parser checked htype Ethernet, ptype IPv4, hlen 6, plen 4 */
	if (svi == NULL || a->arp_tip != svi->ip ||
	    (!request && arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY))) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	/* A sender no reply can go to, or that would poison the neighbour
	 * table: group or zero MAC, non-unicast IP (0.0.0.0 only as an RFC
	 * 5227 probe, which is answered but never learned). */
	if (rte_is_multicast_ether_addr(&a->arp_sha) || rte_is_zero_ether_addr(&a->arp_sha) ||
	    (sip != 0 && ip_martian(sip)) || (sip == 0 && !request) || sip == svi->ip) {
		dp_slow_drop(m, SW_DROP(arp_bad));
		return;
	}
	if (request && (lim = limit(md->slice, sip, false)) != LIM_OK) {
		sw_slow_limited(m, lim);
		return;
	}
	/* a neighbour behind a tunnel only from the box's own exchange */
	if (in_subnet(svi, sip) && sip != svi->ip && sip != 0) {
		uint32_t t = (md->flags & DP_MF_DECAP) ? pl_switch_back_tunnel(m) : 0;

		if (t == 0 || sw_neigh_tunnel_ok(md->slice, false, (const uint8_t *)&sip))
			sw_neigh_learn(false, md->slice, (const uint8_t *)&sip, md->in_port, sw_meta(m)->vid, t,
					    a->arp_sha.addr_bytes, svi->mac);
	}
	if (!request) {
		dp_slow_event(SW_EVENT(consumed));
		rte_pktmbuf_free(m);
		return;
	}
	if (svi->held && !pl_switch_held_here(sw_meta(m)->bd, SW_HELD_V4)) {
		dp_slow_drop(m, SW_DROP(held_elsewhere));
		return;
	}
	/* answer in place: the frame keeps its ingress tag */
	eth->dst_addr = a->arp_sha;
	memcpy(&eth->src_addr, svi->mac, 6);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_tha = a->arp_sha;
	a->arp_tip = sip;
	memcpy(&a->arp_sha, svi->mac, 6);
	a->arp_sip = svi->ip;
	if (sw_slow_answer(m, m) == 0)
		dp_slow_event(SW_EVENT(arp_reply));
	dp_slow_event(SW_EVENT(consumed));
}

static void
handle_local(struct rte_mbuf *m, struct dp_meta *md)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	struct rte_icmp_hdr *icmp;
	struct rte_ether_addr tmp;
	uint16_t len, sum, mtu = dp_ports[md->in_port].mtu;
	uint32_t a, c;
	int lim;

	/* a UDP service of the box's own (DHCP's renewals, a relayed answer) */
	if (md->l4_proto == IPPROTO_UDP && (md->flags & (DP_MF_L4 | DP_MF_FRAG)) == DP_MF_L4 &&
	    pl_switch_udp_listener(md->dport) != NULL) {
		handle_listen_udp(m, md, pl_switch_udp_listener(md->dport));
		return;
	}
	/* what the box does not answer itself is its kernel twin's (a
	 * routing daemon's session, an ICMP error about one) */
	if (md->l4_proto != IPPROTO_ICMP || !(md->flags & DP_MF_L4) || (md->flags & DP_MF_FRAG) ||
	    rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, md->l4_off)->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		if (sw_host_deliver(m, md) < 0)
			dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, md->l4_off);
	if (!sw_slow_answerable(m)) {
		dp_slow_drop(m, SW_DROP(no_way_back));
		return;
	}
	/* The whole message, over every segment (the parser only vouched for
	 * the ICMP header in the first): RFC 1122 3.2.2 discards a bad one. */
	len = rte_be_to_cpu_16(ip->total_length) - (md->l4_off - md->l3_off);
	if (rte_raw_cksum_mbuf(m, md->l4_off, len, &sum) != 0 || sum != 0xffff) {
		dp_slow_drop(m, SW_DROP(icmp_cksum));
		return;
	}
	if (!sw_slow_dst_ok(md->slice, sw_meta(m)->bd, false, (const uint8_t *)&ip->src_addr)) {
		dp_slow_drop(m, SW_DROP(bad_reply_dst));
		return;
	}
	if ((lim = limit(md->slice, ip->src_addr, false)) != LIM_OK) {
		sw_slow_limited(m, lim);
		return;
	}
	tmp = eth->dst_addr;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = tmp;
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	/* our datagram: when it does not fit the link, we fragment it */
	if (rte_be_to_cpu_16(ip->total_length) > mtu)
		ip->fragment_offset &= ~rte_cpu_to_be_16(IP_DF);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* type 8 -> 0 changes one word, 0x0800 -> 0x0000: RFC 1624 eqn. 3,
	 * without reading the payload again */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	c = (uint32_t)(~rte_be_to_cpu_16(icmp->icmp_cksum) & 0xffff) + (~0x0800u & 0xffff);
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~c);
	if (md->flags & DP_MF_DECAP) {
		/* back inside its tunnel, whose path has its own MTU */
		if (sw_slow_answer(m, m) == 0)
			dp_slow_event(SW_EVENT(icmp_echo));
	} else if (rte_be_to_cpu_16(ip->total_length) > mtu) {
		if (send_fragments(m, md->l3_off, md->in_port, mtu) < 0) {
			st()->drops[SW_DROP(frag_failed)]++;
			st()->drop_pkts++;
			return;
		}
		dp_slow_event(SW_EVENT(icmp_echo));
	} else if (dp_slowpath_send(m, md->in_port) == 0) {
		dp_slow_event(SW_EVENT(icmp_echo));
	}
	dp_slow_event(SW_EVENT(consumed));
}

/* Punted for its size: the neighbour may be gone since, then resolve. */
static void
handle_mtu(struct rte_mbuf *m, struct dp_meta *md)
{
	bool tun;
	const struct sw_rewrite *rw = neigh_get(md->slice, sw_meta(m)->nh, &tun);

	if (rw == NULL)
		resolve(m);
	else
		route_out(m, rw, tun);
}

int
pl_switch_route4(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	uint8_t k[DP_KEY_MAX] = {0};
	const struct sw_rewrite *rw;
	const struct dp_entry *e;
	uint32_t nh;
	bool tun;

	md->flags |= DP_MF_MADE;
	pl_switch_key_vrf_ip(k, md->slice, ip->dst_addr);
	e = dp_table_find(pl_sw.routes, k);
	if (e != NULL && e->action == SW_RT_VIA) {
		nh = ((const struct sw_via *)e->params)->nh;
	} else if (e != NULL && e->action == SW_RT_ECMP) {
		const struct sw_ecmp *g = (const struct sw_ecmp *)e->params;
		uint32_t cnt = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP_MAX);

		nh = g->nh[((uint64_t)md->hash * cnt) >> 32];   /* the worker's pick */
	} else if (e != NULL && e->action == SW_RT_CONNECTED) {
		nh = ip->dst_addr;
	} else {
		/* local, drop, none, or into a tunnel (a worker's way) */
		dp_slow_drop(m, SW_DROP(no_route));
		return -1;
	}
	sw_meta(m)->nh = nh;
	if ((rw = neigh_get(md->slice, nh, &tun)) != NULL) {
		route_out(m, rw, tun);
		return 0;
	}
	pl_swctl_hold(m, md->slice, false, (const uint8_t *)&nh, (const uint8_t *)&ip->src_addr);
	return 0;
}

int
pl_swctl_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	/* Always -1: this file sends what it sends itself, to count it. A
	 * routing protocol's multicast is the twin's whatever its family. */
	if (sw_meta(m)->punt == SW_PUNT_MCAST) {
		if (sw_host_deliver(m, md) < 0)
			dp_slow_drop(m, SW_DROP(not_for_us));
		return -1;
	}
	if (sw_meta(m)->punt == SW_PUNT_TWIN_MCAST) {
		sw_host_mcast_out(m, md);
		return -1;
	}
	if (sw_meta(m)->punt == SW_PUNT_LISTEN) {
		handle_listen(m, md);
		return -1;
	}
	if (sw_meta(m)->punt == SW_PUNT_LISTEN_UDP) {
		handle_listen_udp(m, md, pl_switch_udp_listener(md->dport));
		return -1;
	}
	if (md->flags & DP_MF_IPV6) {
		pl_switch_nd_slowpath(m);
		return -1;
	}
	switch (sw_meta(m)->punt) {
	case SW_PUNT_ARP:
		handle_arp(m, md);
		break;
	case SW_PUNT_LOCAL:
		handle_local(m, md);
		break;
	case SW_PUNT_TTL:
		icmp_error(m, md, ICMP_TIME_EXCEEDED, 0, 0);
		dp_slow_drop(m, SW_DROP(ttl_expired));
		break;
	case SW_PUNT_NOROUTE:
		icmp_error(m, md, ICMP_DEST_UNREACH, 0, 0);
		dp_slow_drop(m, SW_DROP(no_route));
		break;
	case SW_PUNT_UNRESOLVED:
		resolve(m);
		break;
	case SW_PUNT_MTU:
		handle_mtu(m, md);
		break;
	default:
		dp_slow_drop(m, SW_DROP(not_for_us));
	}
	return -1;
}
