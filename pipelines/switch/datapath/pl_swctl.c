/* Switch slow path (main lcore): ARP, neighbour resolution with a hold
 * queue, ICMP echo and errors, fragmentation, reflection limits; the hold
 * queue and the limits serve IPv6 too (sw_nd.c, which gets every punted
 * IPv6 packet). Everything here runs on
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
#include "sw_state.h"
#include "sw_rewrite.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_worker.h"
#include "dp_slow.h"

#define ICMP_TIME_EXCEEDED 11
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4        /* code of ICMP_DEST_UNREACH */
#define IP_DF 0x4000

/* Addresses in network order: IPv4 in the first 4 bytes, the rest zero. */
struct hold {
	bool used;
	bool v6;
	uint8_t n;
	uint16_t slice;
	uint8_t ip[16];
	uint8_t src[16];             /* source of the first held packet: pays for the requests */
	uint64_t first_tsc, last_arp_tsc;
	struct rte_mempool *pool;
	struct rte_mbuf *m[SWCTL_HOLD_MAX];
};

static struct hold holds[SWCTL_HOLDS];
static uint64_t next_timer;

/* Token buckets as GCRA: tat is the time the bucket would be full again;
 * a packet is allowed while that stays within burst intervals of now. One
 * word per bucket, no division per packet. */
struct src_bucket {
	uint64_t tat, last;
	uint8_t ip[16];              /* as struct hold's */
	uint16_t slice;
	bool v6;
	bool used;
};

static struct src_bucket srcs[SWCTL_SRC_SETS][SWCTL_SRC_WAYS];
static pl_swctl_tunnel_fn *tunnel_back;   /* answers back into a tunnel (the overlay's) */
static uint64_t tx_tat, icmp_tat;
static uint64_t src_iv, tx_iv, icmp_iv;   /* TSC per token */

_Static_assert((SWCTL_SRC_SETS & (SWCTL_SRC_SETS - 1)) == 0, "sets: a power of two");

enum { LIM_OK = SWCTL_LIM_OK, LIM_SRC = SWCTL_LIM_SRC, LIM_TOTAL = SWCTL_LIM_TOTAL };

static struct dp_lcore_stats *
st(void)
{
	return &dp_lcore_stats[rte_lcore_id()];
}

int
pl_swctl_init(void)
{
	uint64_t hz = rte_get_tsc_hz();

	memset(holds, 0, sizeof(holds));
	memset(srcs, 0, sizeof(srcs));
	src_iv = hz / SWCTL_SRC_PER_S;
	tx_iv = hz / SWCTL_TX_PER_S;
	icmp_iv = hz / SWCTL_ICMP_PER_S;
	tx_tat = icmp_tat = 0;
	next_timer = 0;
	tunnel_back = NULL;   /* a feature that has one registers it after */
	return 0;
}

static uint64_t
ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static bool
gcra_take(uint64_t *tat, uint64_t now, uint64_t iv, uint64_t burst)
{
	uint64_t t = RTE_MAX(*tat, now) + iv;

	if (t - now > burst * iv)
		return false;
	*tat = t;
	return true;
}

/* An address as holds and buckets keep it. */
static void
addr_set(uint8_t *to, bool v6, const uint8_t *ip)
{
	memset(to, 0, 16);
	memcpy(to, ip, v6 ? 16 : 4);
}

/* The bucket of (slice, ip): a fixed table, no allocation; a new source
 * takes a free way of its set or the one idle longest. */
static struct src_bucket *
src_bucket(uint16_t slice, bool v6, const uint8_t *ip, uint64_t now)
{
	uint8_t a[16];
	struct src_bucket *set, *old;

	addr_set(a, v6, ip);
	set = srcs[rte_jhash(a, sizeof(a), (uint32_t)slice << 1 | v6) & (SWCTL_SRC_SETS - 1)];
	old = &set[0];
	for (unsigned int w = 0; w < SWCTL_SRC_WAYS; w++) {
		struct src_bucket *b = &set[w];

		if (b->used && memcmp(b->ip, a, sizeof(a)) == 0 && b->slice == slice && b->v6 == v6) {
			b->last = now;
			return b;
		}
		if (!b->used || (old->used && b->last < old->last))
			old = b;
	}
	*old = (struct src_bucket){ .slice = slice, .v6 = v6, .used = true, .last = now };
	memcpy(old->ip, a, sizeof(a));
	return old;
}

/* May the box originate one more packet on behalf of src? Per source
 * first, then ICMP errors' own bucket (RFC 1812 4.3.2.8), then the total. */
int
pl_swctl_limit(uint16_t slice, bool v6, const uint8_t *src, bool icmp_err)
{
	uint64_t now = rte_rdtsc();

	if (!gcra_take(&src_bucket(slice, v6, src, now)->tat, now, src_iv, SWCTL_SRC_BURST))
		return LIM_SRC;
	if (icmp_err && !gcra_take(&icmp_tat, now, icmp_iv, SWCTL_ICMP_BURST))
		return LIM_TOTAL;
	if (!gcra_take(&tx_tat, now, tx_iv, SWCTL_TX_BURST))
		return LIM_TOTAL;
	return LIM_OK;
}

static int
limit(uint16_t slice, uint32_t src, bool icmp_err)
{
	return pl_swctl_limit(slice, false, (const uint8_t *)&src, icmp_err);
}

/* Not a unicast host address, as a source: 0/8, 127/8, 224/4, 240/4. */
static inline bool
ip_martian(uint32_t ip_be)
{
	return !dp_addr_ip4_unicast(ip_be);
}

const void *
pl_swctl_svi(int table, uint16_t slice, uint16_t bd)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_bd_port(k, slice, bd);   /* (vrf, bd): the same two u16 */
	e = dp_table_find(table, k);
	return (e && e->action == 0) ? e->params : NULL;
}

static const struct sw_svi *
svi_get(uint16_t slice, uint16_t bd)
{
	return pl_swctl_svi(pl_sw.svi, slice, bd);
}

void
pl_swctl_tunnel_back(pl_swctl_tunnel_fn *fn)
{
	tunnel_back = fn;
}

bool
pl_swctl_answerable(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	return !(md->flags & DP_MF_DECAP) ||
	       (tunnel_back != NULL && md->tunnel != 0 && sw_meta(m)->bd != SW_BD_NONE);
}

int
pl_swctl_answer(struct rte_mbuf *r, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (!(md->flags & DP_MF_DECAP))
		return dp_slowpath_send(r, md->in_port);
	/* pl_swctl_answerable said there is a way back; never the port */
	if (tunnel_back != NULL && md->tunnel != 0 && sw_meta(m)->bd != SW_BD_NONE) {
		struct dp_meta about = *md;

		if (tunnel_back(r, &about) == 0)
			return 0;
		dp_slow_event(SW_EVENT(answer_no_path));
		return -1;
	}
	rte_pktmbuf_free(r);
	dp_slow_event(SW_EVENT(icmp_tunnelled));
	return -1;
}

bool
pl_swctl_dst_ok(uint16_t slice, uint16_t bd, bool v6, const uint8_t *dst)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	if (v6) {
		const struct sw_svi6 *svi;
		uint8_t ll[16];

		if (!dp_addr_ip6_unicast(dst))
			return false;
		if (pl_switch_ip6_ll(dst)) {
			svi = bd != SW_BD_NONE ? pl_swctl_svi(pl_sw.svi6, slice, bd) : NULL;
			if (svi != NULL)
				pl_switch_ll_addr(ll, svi->mac);
			return svi == NULL || memcmp(ll, dst, 16) != 0;
		}
		pl_switch_key_vrf_ip6(k, slice, dst);
		e = dp_table_find(pl_sw.routes6, k);
		if (e != NULL && e->action == SW_RT_LOCAL)
			return false;
		if (e != NULL && e->action == SW_RT_CONNECTED &&
		    (svi = pl_swctl_svi(pl_sw.svi6, slice, ((const struct sw_connected *)e->params)->bd)) != NULL &&
		    memcmp(svi->ip, dst, 16) == 0)
			return false;
		return true;
	}
	{
		const struct sw_svi *svi;
		uint32_t ip;

		memcpy(&ip, dst, 4);
		if (!dp_addr_ip4_unicast(ip))
			return false;
		pl_switch_key_vrf_ip(k, slice, ip);
		e = dp_table_find(pl_sw.routes, k);
		if (e != NULL && e->action == SW_RT_LOCAL)
			return false;
		if (e != NULL && e->action == SW_RT_CONNECTED &&
		    (svi = svi_get(slice, ((const struct sw_connected *)e->params)->bd)) != NULL) {
			uint32_t host = rte_be_to_cpu_32(ip) & (UINT32_MAX >> svi->plen);

			/* the box's own, or the subnet's broadcast or network
			 * address (none on a /31, RFC 3021) */
			if (ip == svi->ip || (svi->plen <= 30 && svi->plen > 0 &&
					      (host == 0 || host == (UINT32_MAX >> svi->plen))))
				return false;
		}
		return true;
	}
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

/* A new frame with an Ethernet header (and tag if vid) and room for len bytes. */

void
pl_swctl_bd_send(struct rte_mempool *mp, uint16_t bd, const uint8_t *dst, const uint8_t *src,
		 uint16_t ethertype, const void *payload, uint16_t len, unsigned int ev)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;
	uint32_t mask;

	pl_switch_key_bd(k, bd);
	e = dp_table_find(pl_sw.flood, k);
	if (e == NULL || e->action != 0)
		return;
	mask = ((const struct sw_flood *)e->params)->ports;
	while (mask) {
		uint16_t p = (uint16_t)__builtin_ctz(mask);
		struct rte_mbuf *m;
		uint8_t *pl;

		mask &= mask - 1;
		pl_switch_key_bd_port(k, bd, p);
		e = dp_table_find(pl_sw.bd_ports, k);
		if (e == NULL || e->action != 0)
			continue;
		m = dp_slow_frame(mp, dst, src, ((const struct sw_member *)e->params)->vlan,
				       ethertype, len, &pl);
		if (m == NULL)
			return;
		memcpy(pl, payload, len);
		if (dp_slowpath_send(m, p) == 0)
			dp_slow_event(ev);
	}
}

/* Broadcast an ARP request for ip (in slice) on every member port of the
 * bridge domain its connected route names; src (the packet that needs it)
 * pays for it. */
static void
arp_request(struct rte_mempool *mp, uint16_t slice, uint32_t ip, uint32_t src)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rte_arp_hdr arp;
	const struct sw_svi *svi;
	uint16_t bd;

	if ((svi = connected_svi(slice, ip, &bd)) == NULL)
		return;   /* not on a connected subnet: nothing to ask */
	if (limit(slice, src, false) != LIM_OK) {
		dp_slow_event(SW_EVENT(arp_request_limited));
		return;
	}
	arp.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	arp.arp_plen = 4;
	arp.arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	memcpy(&arp.arp_data.arp_sha, svi->mac, 6);
	arp.arp_data.arp_sip = svi->ip;
	memset(&arp.arp_data.arp_tha, 0, 6);
	arp.arp_data.arp_tip = ip;
	pl_swctl_bd_send(mp, bd, bcast, svi->mac, RTE_ETHER_TYPE_ARP, &arp, sizeof(arp),
			 SW_EVENT(arp_request));
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
	if (!pl_swctl_answerable(m)) {
		dp_slow_event(SW_EVENT(icmp_tunnelled));
		return;
	}
	if (!pl_swctl_dst_ok(md->slice, sw_meta(m)->bd, false, (const uint8_t *)&oip->src_addr)) {
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
	r = dp_slow_frame(m->pool, eth->src_addr.addr_bytes, smac, sw_meta(m)->vid,
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
	if (pl_swctl_answer(r, m) == 0)
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
 * punted for its size): MTU check, rewrite, out. Counts it once. */
static void
route_out(struct rte_mbuf *m, const struct sw_rewrite *rw)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	uint16_t mtu = rw->port < DP_PORTS_MAX ? dp_ports[rw->port].mtu : 0;
	uint32_t ip_bytes = rte_pktmbuf_pkt_len(m) - md->l3_off;

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

static struct hold *
hold_find(uint16_t slice, bool v6, const uint8_t *ip, bool create)
{
	struct hold *free_h = NULL;
	uint8_t a[16];

	addr_set(a, v6, ip);
	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		if (holds[i].used && holds[i].slice == slice && holds[i].v6 == v6 &&
		    memcmp(holds[i].ip, a, sizeof(a)) == 0)
			return &holds[i];
		if (!holds[i].used && free_h == NULL)
			free_h = &holds[i];
	}
	if (!create || free_h == NULL)
		return NULL;
	memset(free_h, 0, sizeof(*free_h));
	free_h->used = true;
	free_h->v6 = v6;
	free_h->slice = slice;
	memcpy(free_h->ip, a, sizeof(a));
	free_h->first_tsc = rte_rdtsc();
	return free_h;
}

bool
pl_swctl_held(uint16_t slice, bool v6, const uint8_t *ip)
{
	return hold_find(slice, v6, ip, false) != NULL;
}

void
pl_swctl_hold_release(uint16_t slice, bool v6, const uint8_t *ip, const struct sw_rewrite *rw)
{
	struct hold *h = hold_find(slice, v6, ip, false);

	if (h == NULL)
		return;
	for (unsigned int i = 0; i < h->n; i++) {
		if (v6)
			pl_switch_nd_route_out(h->m[i], rw);
		else
			route_out(h->m[i], rw);
	}
	h->used = false;
}

static void
hold_release(uint16_t slice, uint32_t ip, const struct sw_rewrite *rw)
{
	pl_swctl_hold_release(slice, false, (const uint8_t *)&ip, rw);
}

/* Ask for h's neighbour: an ARP request or an NDP solicitation. */
static void
hold_ask(struct hold *h)
{
	uint32_t ip, src;

	if (h->v6) {
		pl_switch_nd_solicit(h->pool, h->slice, h->ip, h->src);
		return;
	}
	memcpy(&ip, h->ip, 4);
	memcpy(&src, h->src, 4);
	arp_request(h->pool, h->slice, ip, src);
}

void
pl_swctl_hold(struct rte_mbuf *m, uint16_t slice, bool v6, const uint8_t *ip, const uint8_t *src)
{
	struct hold *h = hold_find(slice, v6, ip, true);
	uint64_t now = rte_rdtsc();

	if (h == NULL || h->n == SWCTL_HOLD_MAX) {
		dp_slow_drop(m, SW_DROP(hold_full));
		if (h == NULL)
			return;
	} else {
		if (h->n == 0)
			addr_set(h->src, v6, src);
		h->m[h->n++] = m;
		h->pool = m->pool;
	}
	if (h->last_arp_tsc == 0 || now - h->last_arp_tsc >= ms_to_tsc(SWCTL_ARP_RETRY_MS)) {
		h->last_arp_tsc = now;
		hold_ask(h);
	}
}

static const struct sw_rewrite *
neigh_get(uint16_t slice, uint32_t ip)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const struct dp_entry *e;

	pl_switch_key_vrf_ip(k, slice, ip);
	e = dp_table_find(pl_sw.neigh, k);
	return (e != NULL && e->action != SW_NB_UNRESOLVED) ? (const struct sw_rewrite *)e->params : NULL;
}

static void
resolve(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct sw_rewrite *rw = neigh_get(md->slice, sw_meta(m)->nh);
	const struct sw_svi *svi;
	uint16_t bd;

	/* resolved since the worker looked: send it (after anything held) */
	if (rw != NULL) {
		hold_release(md->slice, sw_meta(m)->nh, rw);
		route_out(m, rw);
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
neigh_learn(uint16_t slice, uint32_t ip, uint16_t port, uint16_t vid, const uint8_t *mac,
	    const struct sw_svi *svi)
{
	struct dp_update u;
	struct sw_rewrite *rw = (struct sw_rewrite *)u.params;
	const struct dp_entry *e;
	int r;

	memset(&u, 0, sizeof(u));
	pl_switch_key_vrf_ip(u.key, slice, ip);
	e = dp_table_find(pl_sw.neigh, u.key);
	if (e != NULL && e->action == SW_NB_REWRITE)
		return;   /* static neighbours are the operator's */
	rw->port = port;
	rw->vlan = vid;
	memcpy(rw->dmac, mac, 6);
	memcpy(rw->smac, svi->mac, 6);
	/* Held packets first: queued for the workers before the entry exists, so
	 * the flow's next packets (fast path) cannot overtake them by more than
	 * the burst a worker is in when the write lands. */
	hold_release(slice, ip, rw);
	if (e == NULL || memcmp(e->params, rw, sizeof(*rw)) != 0) {
		u.type = e ? DP_UPD_MODIFY : DP_UPD_INSERT;
		u.table = pl_sw.neigh;
		u.action = SW_NB_LEARNED;
		if (dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r) == 0)
			dp_slow_event(SW_EVENT(neigh_learned));
	}
}

void
pl_swctl_limited(struct rte_mbuf *m, int lim)
{
	dp_slow_drop(m, lim == LIM_SRC ? SW_DROP(limit_src) : SW_DROP(limit_total));
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

	if (!pl_swctl_answerable(m)) {
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
		pl_swctl_limited(m, lim);
		return;
	}
	/* a neighbour is a port's: one behind a tunnel is the fdb's */
	if (in_subnet(svi, sip) && sip != svi->ip && sip != 0 && !(md->flags & DP_MF_DECAP))
		neigh_learn(md->slice, sip, md->in_port, sw_meta(m)->vid, a->arp_sha.addr_bytes, svi);
	if (!request) {
		dp_slow_event(SW_EVENT(consumed));
		rte_pktmbuf_free(m);
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
	if (pl_swctl_answer(m, m) == 0)
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

	if (md->l4_proto != IPPROTO_ICMP || !(md->flags & DP_MF_L4) || (md->flags & DP_MF_FRAG)) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, md->l4_off);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		dp_slow_drop(m, SW_DROP(not_for_us));
		return;
	}
	if (!pl_swctl_answerable(m)) {
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
	if (!pl_swctl_dst_ok(md->slice, sw_meta(m)->bd, false, (const uint8_t *)&ip->src_addr)) {
		dp_slow_drop(m, SW_DROP(bad_reply_dst));
		return;
	}
	if ((lim = limit(md->slice, ip->src_addr, false)) != LIM_OK) {
		pl_swctl_limited(m, lim);
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
		if (pl_swctl_answer(m, m) == 0)
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
	const struct sw_rewrite *rw = neigh_get(md->slice, sw_meta(m)->nh);

	if (rw == NULL)
		resolve(m);
	else
		route_out(m, rw);
}

int
pl_swctl_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	/* Always -1: this file sends what it sends itself, to count it. */
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

void
pl_swctl_fini(void)
{
	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		for (unsigned int k = 0; holds[i].used && k < holds[i].n; k++)
			rte_pktmbuf_free(holds[i].m[k]);
		holds[i].used = false;
	}
}

void
pl_swctl_poll(uint64_t now)
{
	if (now < next_timer)
		return;
	next_timer = now + ms_to_tsc(100);
	for (unsigned int i = 0; i < SWCTL_HOLDS; i++) {
		struct hold *h = &holds[i];

		if (!h->used)
			continue;
		if (now - h->first_tsc >= ms_to_tsc(SWCTL_HOLD_TIMEOUT_MS)) {
			for (unsigned int k = 0; k < h->n; k++) {
				if (h->v6)
					pl_switch_nd_unresolved(h->m[k]);
				else
					dp_slow_drop(h->m[k], SW_DROP(arp_unresolved));
			}
			h->used = false;
		} else if (now - h->last_arp_tsc >= ms_to_tsc(SWCTL_ARP_RETRY_MS) && h->pool) {
			h->last_arp_tsc = now;
			hold_ask(h);
		}
	}
}
