/* UPF stage "in": the entry of N3 and N9 ports. UDP to port 2152 of one of
 * the box's endpoints (upf_interfaces, by outer destination) is the UPF's,
 * checked in order with a named drop for each failure: where it came from
 * (a port of the endpoint's role, an interface's VLAN, one tag at most),
 * not a fragment, the outer IPv4 checksum, a unicast host's source, over
 * IPv6 its UDP checksum, a GTP-U header the parser could read, the message
 * type. An extension header we must understand and do not gets a
 * supported extension headers notification whatever the message; an echo
 * request is answered in place; a G-PDU to a TEID of no session gets an
 * error indication (both bounded per worker, TS 29.281 7.3.1); no answer
 * goes to one of the box's own addresses or a group MAC. Other signalling
 * goes to the slow path, within its own per-worker bound. A G-PDU of a
 * session (sessions_uplink on N3, sessions_n9_downlink on N9) is checked
 * against its session (outer header removal, slice, PDU Session Container
 * direction, the lengths of GTP and of the T-PDU's IP packet), cut to
 * that packet, and the inner packets parsed as one burst: uplink on to
 * upf.ul, downlink from the anchor on to upf.dl. Everything else on these
 * ports is underlay traffic for the switch (ARP, ICMP to the box, routing,
 * a UE's own datagram to port 2152 passing through). */
#include <string.h>

#include <errno.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "up_state.h"
#include "qos_api.h"
#include "up_in.h"
#include "up_own.h"
#include "up_urr.h"
#include "up_ul.h"
#include "dp_fastcheck.h"
#include "gtp.h"
#include "up_gtpu.h"
#include "sw_api.h"
#include "dp_config.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_table.h"

#define ETH_HLEN 14
#define UDP_HLEN 8

/* Answers to peers (error indications, notifications): at most this many
 * a second per worker, in bursts of SIG_BURST; echo responses are not
 * bounded (a peer's echo rate is its path management's). What goes to the
 * slow path (end markers relayed, error indications and the rest
 * reported) has a bucket of its own, as big. */
#define SIG_RATE  1000
#define SIG_BURST 32
enum { SIG_ANSWER, SIG_PUNT, SIG_KINDS };
static struct sig_bucket {
	uint64_t last;
	uint32_t tokens;
	/* a shadow walk's copy (dp_feature.h), made at its first use: what
	 * its packets take is taken from it, as the real walk takes it */
	uint32_t walk;           /* the shadow walk the copy is of */
	uint32_t s_tokens;
	uint64_t s_last;
} __rte_cache_aligned bucket[SIG_KINDS][DP_WORKERS_MAX];
static uint64_t tsc_per_token;

void
up_in_init(void)
{
	uint64_t now = rte_rdtsc();

	tsc_per_token = rte_get_tsc_hz() / SIG_RATE;
	for (unsigned int k = 0; k < SIG_KINDS; k++)
		for (unsigned int w = 0; w < DP_WORKERS_MAX; w++) {
			bucket[k][w].last = now;
			bucket[k][w].tokens = SIG_BURST;
		}
}

static inline bool
sig_allowed(struct dp_stage_ctx *ctx, unsigned int kind)
{
	struct sig_bucket *b = &bucket[kind][ctx->worker];
	uint64_t *last = &b->last, add;
	uint32_t *tokens = &b->tokens;

	if (unlikely(ctx->shadow)) {
		if (b->walk != ctx->shadow) {
			b->walk = ctx->shadow;
			b->s_last = b->last;
			b->s_tokens = b->tokens;
		}
		last = &b->s_last;
		tokens = &b->s_tokens;
	}
	add = (ctx->now - *last) / tsc_per_token;
	if (add) {
		*tokens = (uint32_t)RTE_MIN((uint64_t)SIG_BURST, *tokens + add);
		*last += add * tsc_per_token;
	}
	if (*tokens == 0)
		return false;
	(*tokens)--;
	return true;
}

/* Is m's sender one an answer must not go to? A group or zero MAC (RFC
 * 1812 4.3.2.7), or one of the box's own addresses (upf_interfaces(6): a
 * spoofed source would have us answer ourselves, or a neighbour in our
 * name); the address classes no host has were refused before
 * (martian_src). Cold: answers only. */
static bool
reflects(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);
	uint8_t k[32] __rte_aligned(16) = { 0 };
	const uint8_t *kp = k;
	const struct dp_entry *e;
	bool v6 = (md->flags & DP_MF_IPV6) != 0;

	if (!rte_is_unicast_ether_addr(&eth->src_addr) || rte_is_zero_ether_addr(&eth->src_addr))
		return true;
	if (v6)
		memcpy(k, l3 + offsetof(struct rte_ipv6_hdr, src_addr), 16);
	else
		memcpy(k, l3 + offsetof(struct rte_ipv4_hdr, src_addr), 4);
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)(v6 ? pl_up.ifaces6 : pl_up.ifaces), &kp, 1, &e);
	return e->action != UP_IF_NONE;
}

/* m, a datagram to our endpoint, turned into one from that endpoint back
 * to its sender (port 2152 to dport) with a body_len-byte body: the body's
 * place, or NULL (no room, chained mbufs). up_in_reply_done() after the
 * body is written. The frame goes back the way it came. */
static uint8_t *
reply(struct rte_mbuf *m, struct dp_meta *md, uint16_t dport, uint16_t body_len)
{
	bool v6 = (md->flags & DP_MF_IPV6) != 0;
	uint32_t iphl = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint32_t need = md->l3_off + iphl + UDP_HLEN + body_len, have = rte_pktmbuf_data_len(m);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr a;
	struct rte_udp_hdr *udp;
	uint8_t *l3;

	if (m->nb_segs != 1)
		return NULL;
	if (have < need) {
		if (rte_pktmbuf_append(m, (uint16_t)(need - have)) == NULL)
			return NULL;
	} else {
		rte_pktmbuf_trim(m, (uint16_t)(have - need));
	}
	rte_ether_addr_copy(&eth->src_addr, &a);
	rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
	rte_ether_addr_copy(&a, &eth->dst_addr);
	l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, md->l3_off);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;
		uint8_t t[16];

		memcpy(t, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, t, 16);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(UDP_HLEN + body_len));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		uint32_t s = ip->src_addr, d = ip->dst_addr;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(iphl + UDP_HLEN + body_len));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = d;
		ip->dst_addr = s;
	}
	udp = (struct rte_udp_hdr *)(l3 + iphl);
	udp->src_port = rte_cpu_to_be_16(GTPU_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(UDP_HLEN + body_len));
	udp->dgram_cksum = 0;
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	return (uint8_t *)(udp + 1);
}

/* The checksums of a reply once its body is in; then out of the port it
 * came in on. */
static uint16_t
reply_done(struct rte_mbuf *m, struct dp_meta *md)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV6) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(l3 + sizeof(struct rte_ipv6_hdr));

		/* UDP over IPv6 must have its checksum (RFC 8200 8.1) */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, udp);
	} else {
		((struct rte_ipv4_hdr *)l3)->hdr_checksum = rte_ipv4_cksum((const struct rte_ipv4_hdr *)l3);
	}
	md->out_port = md->in_port;
	return DP_NEXT_TX;
}

/* An echo request answered with a response carrying its sequence number. */
static uint16_t
echo(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	const uint8_t *g = rte_pktmbuf_mtod_offset(m, const uint8_t *, up_gtpu_hdr_off(md));
	uint16_t seq = (g[0] & GTPU_F_S) ? (uint16_t)(g[8] << 8 | g[9]) : 0;
	uint8_t body[32];
	int len;
	uint8_t *d;

	if (reflects(ctx, m, md))
		return DP_NEXT_DROP(UP_DROP(reflect));
	len = gtp_build_echo(body, sizeof(body), true, seq);
	if (len < 0 || (d = reply(m, md, md->sport, (uint16_t)len)) == NULL)
		return DP_NEXT_DROP(UP_DROP(no_headroom));
	memcpy(d, body, (size_t)len);
	ctx->stats->events[UP_EVENT(echo)]++;
	return reply_done(m, md);
}

/* Our endpoint's address as the G-PDU named it, for the Peer Address IE. */
static inline const uint8_t *
our_addr(struct rte_mbuf *m, const struct dp_meta *md, uint8_t *len)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV6) {
		*len = 16;
		return l3 + offsetof(struct rte_ipv6_hdr, dst_addr);
	}
	*len = 4;
	return l3 + offsetof(struct rte_ipv4_hdr, dst_addr);
}

/* A G-PDU to a TEID we have no session for: an error indication to its
 * sender (to port 2152; the G-PDU's own source port in a UDP Port
 * extension header when it was another), within the bound. */
static uint16_t
error_ind(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	uint8_t body[64], addr[16], alen = 0;
	const uint8_t *a;
	int len;
	uint8_t *d;

	if (reflects(ctx, m, md))
		return DP_NEXT_DROP(UP_DROP(reflect));
	if (!sig_allowed(ctx, SIG_ANSWER))
		return DP_NEXT_DROP(UP_DROP(unknown_teid));
	a = our_addr(m, md, &alen);
	memcpy(addr, a, alen);
	len = gtp_build_error_ind(body, sizeof(body), 0, md->tun_key, addr, alen,
				  md->sport == GTPU_UDP_PORT ? -1 : md->sport);
	if (len < 0 || (d = reply(m, md, GTPU_UDP_PORT, (uint16_t)len)) == NULL)
		return DP_NEXT_DROP(UP_DROP(unknown_teid));
	memcpy(d, body, (size_t)len);
	ctx->stats->events[UP_EVENT(error_ind_sent)]++;
	return reply_done(m, md);
}

/* A message with an extension header we must understand and do not (a
 * G-PDU, an echo request, any): dropped, its sender told which types we
 * do take (TS 29.281 5.2.1, 7.3.2). */
static uint16_t
supp_ext(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	static const uint8_t known[] = { GTPU_EXT_UDP_PORT, GTPU_EXT_PDU_SESS_CONT };
	uint8_t body[32];
	int len;
	uint8_t *d;

	if (reflects(ctx, m, md))
		return DP_NEXT_DROP(UP_DROP(reflect));
	if (!sig_allowed(ctx, SIG_ANSWER))
		return DP_NEXT_DROP(UP_DROP(ext_unsupported));
	len = gtp_build_supp_ext(body, sizeof(body), 0, known, RTE_DIM(known));
	if (len < 0 || (d = reply(m, md, md->sport, (uint16_t)len)) == NULL)
		return DP_NEXT_DROP(UP_DROP(ext_unsupported));
	memcpy(d, body, (size_t)len);
	ctx->stats->events[UP_EVENT(supp_ext_sent)]++;
	return reply_done(m, md);
}

/* The outer IPv4 header checksum, unless the NIC vouched for it. */
static inline bool
outer_cksum_bad(const struct rte_mbuf *m, const struct dp_meta *md)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (!(md->flags & DP_MF_IPV4))
		return false;
	return unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			(ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN &&
			 !dp_ipv4_cksum_ok(rte_pktmbuf_mtod_offset(m, const void *, md->l3_off))));
}

/* Where a datagram to our endpoint of kind (UP_IF_N3, UP_IF_N9) came
 * from: a port of that role, untagged or in one VLAN its port has an
 * interface in. 0 or a drop reason. */
static inline unsigned int
arrival(const struct dp_meta *md, uint16_t kind)
{
	uint16_t vid = (md->flags & DP_MF_VLAN) ? md->vlan[0] & 0x0fff : 0;

	if (unlikely((md->flags & DP_MF_QINQ) || !up_vlan_attached(md->in_port, vid)))
		return UP_DROP(wrong_vlan);
	if (unlikely(dp_ports[md->in_port].cfg->role != (kind == UP_IF_N3 ? DP_ROLE_N3 : DP_ROLE_N9)))
		return UP_DROP(wrong_port);
	return 0;
}

/* The outer source is no unicast host (dp_addr.h's classes, RFC 1812
 * 5.3.7; RFC 4291). */
static inline bool
outer_src_martian(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);
	uint32_t s;

	if (md->flags & DP_MF_IPV6) {
		const uint8_t *a = l3 + offsetof(struct rte_ipv6_hdr, src_addr);

		return !dp_addr_ip6_unicast(a);
	}
	memcpy(&s, l3 + offsetof(struct rte_ipv4_hdr, src_addr), 4);
	return !dp_addr_ip4_unicast(s);
}

/* UDP over IPv6 carries its checksum (RFC 8200 8.1: a zero one is
 * refused; RFC 6936's exception is not taken), verified over the UDP
 * length unless the NIC did: 0 or a drop reason. */
static unsigned int
udp6_check(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, md->l3_off);
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, md->l4_off);
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	uint16_t len = rte_be_to_cpu_16(udp->dgram_len), raw;
	struct { rte_be32_t len, proto; } ph = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IPPROTO_UDP) };
	uint32_t sum;

	if (udp->dgram_cksum == 0)
		return UP_DROP(udp6_zero_cksum);
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 0;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD || rte_raw_cksum_mbuf(m, md->l4_off, len, &raw) != 0)
		return UP_DROP(udp6_cksum);
	sum = (uint32_t)raw + rte_raw_cksum(ip->src_addr, 32) + rte_raw_cksum(&ph, sizeof(ph));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff ? 0 : UP_DROP(udp6_cksum);
}

/* UDP to our port 2152 the parser could not read as GTP-U: why. */
static unsigned int
not_gtpu(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, md->l4_off);
	uint32_t t = md->l4_off + UDP_HLEN;
	uint32_t lim = RTE_MIN(md->l4_off + (uint32_t)rte_be_to_cpu_16(udp->dgram_len),
			       (uint32_t)rte_pktmbuf_data_len(m));
	struct gtp_info gi;

	switch (lim > t ? gtp_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, t), lim - t, &gi) : -EMSGSIZE) {
	case -EINVAL:
		return UP_DROP(gtpu_version);
	case -ELOOP:
	case -EBADMSG:
		return UP_DROP(gtpu_ext);
	default:   /* cut short, or a length past the datagram */
		return UP_DROP(gtpu_trunc);
	}
}

/* The message of a datagram to one of our endpoints of kind (UP_IF_N3,
 * UP_IF_N9): LOOKUP for a G-PDU (its session is looked up next), else its
 * verdict. */
#define LOOKUP UINT16_MAX
static inline uint16_t
message(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, uint16_t kind)
{
	unsigned int r;

	if (unlikely((r = arrival(md, kind)) != 0))
		return DP_NEXT_DROP(r);
	if (unlikely(md->flags & DP_MF_FRAG))
		return DP_NEXT_DROP(UP_DROP(gtpu_frag));
	if (outer_cksum_bad(m, md))
		return DP_NEXT_DROP(UP_DROP(outer_cksum));
	if (unlikely(outer_src_martian(m, md)))
		return DP_NEXT_DROP(UP_DROP(martian_src));
	if ((md->flags & DP_MF_IPV6) && (r = udp6_check(m, md)) != 0)
		return DP_NEXT_DROP(r);
	if (unlikely(!up_is_gtpu(md)))
		return DP_NEXT_DROP(not_gtpu(m, md));
	if (unlikely(up_gtpu(m)->xunk != 0))
		return supp_ext(ctx, m, md);
	switch (up_gtpu(m)->msg) {
	case GTPU_MSG_GPDU:
		return LOOKUP;
	case GTPU_MSG_ECHO_REQ:
		return echo(ctx, m, md);
	case GTPU_MSG_ECHO_RSP:
	case GTPU_MSG_ERROR_IND:
	case GTPU_MSG_SUPP_EXT_NOTIF:
	case GTPU_MSG_END_MARKER:
		/* the slow path's, within its bound: a flood of them
		 * (end markers relayed, reports) stops here */
		if (!sig_allowed(ctx, SIG_PUNT))
			return DP_NEXT_DROP(UP_DROP(signal_bound));
		md->punt = UP_PUNT_SIGNAL;
		return DP_NEXT_PUNT;
	default:
		return DP_NEXT_DROP(UP_DROP(gtpu_unsupported));
	}
}

/* A G-PDU whose session passed the checks: its outer headers off (the
 * outer Ethernet addresses kept, untagged) and cut at end (its T-PDU's IP
 * packet's), ready to be parsed as a frame; an Ethernet PDU session's
 * T-PDU is the frame. */
static inline void
strip(struct rte_mbuf *m, uint32_t end, bool eth)
{
	uint8_t mac[12];

	if (rte_pktmbuf_pkt_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
	if (eth) {
		rte_pktmbuf_adj(m, up_gtpu(m)->inner_off);
		m->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK |
				 RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
		return;
	}
	memcpy(mac, rte_pktmbuf_mtod(m, const uint8_t *), 12);
	rte_pktmbuf_adj(m, (uint16_t)(up_gtpu(m)->inner_off - ETH_HLEN));
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), mac, 12);
	*rte_pktmbuf_mtod_offset(m, rte_be16_t *, 12) =
		rte_cpu_to_be_16(*rte_pktmbuf_mtod_offset(m, const uint8_t *, ETH_HLEN) >> 4 == 6 ?
				 RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	/* what the NIC said was of the outer headers */
	m->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
}

/* The session's checks of a G-PDU that found it (ie: the endpoint's
 * upf_interfaces entry): 0 or a drop reason; *end is where its T-PDU's IP
 * packet ends. The GTP length bounds the T-PDU (octets after it in the
 * datagram are none of it); an IP packet longer than that is cut (TS
 * 29.281 5.1: dropped), one shorter is followed by octets no part of it
 * (RFC 1812 5.2.2: they go). */
static inline unsigned int
session_checks(struct rte_mbuf *m, const struct dp_meta *md, const struct dp_entry *ie,
	       const struct dp_entry *se, uint32_t *end)
{
	const struct up_session *s = (const struct up_session *)se->params;
	const struct up_iface *ifc = (const struct up_iface *)ie->params;
	const struct up_gtpu *ug = up_gtpu(m);
	bool v6 = (md->flags & DP_MF_IPV6) != 0;
	const uint8_t *g, *in;
	uint32_t gend, ip_len;

	if ((s->ohr == UP_OHR_GTPU_IPV4 && v6) || (s->ohr == UP_OHR_GTPU_IPV6 && !v6))
		return UP_DROP(ohr_mismatch);
	if (ifc->slice != 0 && ifc->slice != s->slice)
		return UP_DROP(wrong_slice);
	if (ug->pdu_type != GTPU_PDU_TYPE_NONE &&
	    ug->pdu_type != (ie->action == UP_IF_N3 ? GTPU_PDU_TYPE_UL : GTPU_PDU_TYPE_DL))
		return UP_DROP(psc_direction);
	/* the uplink gate closed for all it carries (no app has a termination
	 * of its own): nothing to look at, frame or packet */
	if (se->action == UP_UL_DROP && ie->action == UP_IF_N3 && !(s->flags & UP_SF_APPS))
		return UP_DROP(gate_closed);
	g = rte_pktmbuf_mtod_offset(m, const uint8_t *, up_gtpu_hdr_off(md));
	gend = up_gtpu_hdr_off(md) + GTPU_HDR_LEN + (uint32_t)(g[2] << 8 | g[3]);
	if (ug->inner_off >= gend)
		return UP_DROP(empty_tpdu);
	if (ie->action == UP_IF_N3 && up_session_eth(se)) {   /* an Ethernet PDU session: a frame */
		if ((uint32_t)ug->inner_off + RTE_ETHER_HDR_LEN > gend)
			return UP_DROP(eth_trunc);
		*end = gend;
		return 0;
	}
	in = rte_pktmbuf_mtod_offset(m, const uint8_t *, ug->inner_off);
	if (!ug->inner)   /* the parser hook's: an IPv4 or IPv6 header whole */
		return in[0] >> 4 == 4 || in[0] >> 4 == 6 ? UP_DROP(inner_trunc) : UP_DROP(not_ip);
	ip_len = in[0] >> 4 == 6 ? sizeof(struct rte_ipv6_hdr) + (uint32_t)(in[4] << 8 | in[5]) :
				   (uint32_t)(in[2] << 8 | in[3]);
	if (unlikely(ug->inner_off + ip_len > gend))
		return UP_DROP(tpdu_len);
	*end = ug->inner_off + ip_len;
	return 0;
}

static inline void
iface_key(uint8_t *k, struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	memset(k, 0, 32);
	if (md->flags & DP_MF_IPV6)
		memcpy(k, l3 + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
	else
		memcpy(k, l3 + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
}

/* Which of the burst may be to one of our endpoints: GTP-U, UDP to port
 * 2152 that is not (ours to name, else the switch's), or a UDP fragment
 * (whose first part may be). */
static inline bool
candidate(const struct dp_meta *md)
{
	if (likely(up_is_gtpu(md)))
		return true;
	if (md->l4_proto != IPPROTO_UDP || !(md->flags & (DP_MF_IPV4 | DP_MF_IPV6)))
		return false;
	return (md->flags & DP_MF_FRAG) || ((md->flags & DP_MF_L4) && md->dport == GTPU_UDP_PORT);
}

/* upf_interfaces(6) for pkts[idx[j]], j < k, all of one IP version. */
static void
lookup_ifaces(struct dp_stage_ctx *ctx, int table, struct rte_mbuf **pkts, const uint16_t *idx,
	      unsigned int k, const struct dp_entry **ie)
{
	uint8_t keys[DP_LOOKUP_BURST][32] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];

	for (unsigned int j = 0; j < k; j++) {
		iface_key(keys[j], pkts[idx[j]], dp_meta(pkts[idx[j]]));
		kp[j] = keys[j];
	}
	/* a burst's G-PDUs are mostly to one address: one lookup a run */
	dp_table_lookup_runs(ctx->root, dp_ctx_count(ctx), (unsigned int)table, kp, k, ie);
}

/* The G-PDUs pkts[idx[j]], j < k, to our endpoints ie[j], their sessions
 * looked up (se[j]): a TEID of none answered, the session's checks, the
 * T-PDU cut out and the inner packets parsed as one burst, their fields
 * set for upf.ul (N3) or upf.dl (N9). The uplink's indices in ul[] (each
 * next[] UP_IN_EDGE_UL), their count returned. ie[] and se[] are reused. */
static unsigned int
sessions(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, const struct dp_entry **ie,
	 const struct dp_entry **se, unsigned int k, uint16_t *next, uint16_t *ul)
{
	uint16_t sidx[DP_LOOKUP_BURST], nx[DP_LOOKUP_BURST], qfi[DP_LOOKUP_BURST];
	struct rte_mbuf *in[DP_LOOKUP_BURST];
	uint32_t end = 0, ambr[DP_LOOKUP_BURST];
	unsigned int ks = 0, nu = 0;

	for (unsigned int j = 0; j < k; j++) {
		uint16_t i = idx[j];
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		unsigned int r;

		if (se[j]->action == (ie[j]->action == UP_IF_N3 ? UP_UL_NONE : UP_DL_NONE)) {
			next[i] = error_ind(ctx, m, md);
			continue;
		}
		if ((r = session_checks(m, md, ie[j], se[j], &end)) != 0) {
			next[i] = DP_NEXT_DROP(r);
			continue;
		}
		qfi[ks] = up_gtpu(m)->qfi;
		strip(m, end, ie[j]->action == UP_IF_N3 && up_session_eth(se[j]));
		in[ks] = m;
		se[ks] = se[j];
		ie[ks] = ie[j];
		sidx[ks++] = i;
	}
	if (ks == 0)
		return 0;
	/* the sessions' AMBR meters on their way now, from the entries just
	 * read: the parse, the checks and the apps' lookups hide the misses
	 * before upf.ul meters them */
	for (unsigned int j = 0; j < ks; j++)
		ambr[j] = ((const struct up_session *)se[j]->params)->ambr;
	pl_qos_meter_prefetch(ctx->worker, ambr, ks);
	/* the inner packets parsed as any frame: a malformed one is a parse
	 * drop like any other */
	dp_parse_burst(ctx, in, (uint16_t)ks, nx);
	for (unsigned int j = 0; j < ks; j++) {
		struct rte_mbuf *m = in[j];
		struct dp_meta *md = dp_meta(m);
		struct up_meta *um = up_meta(m);
		const struct up_session *s = (const struct up_session *)se[j]->params;
		bool n9 = ie[j]->action == UP_IF_N9;

		if (nx[j] != DP_NEXT_CONTINUE) {
			next[sidx[j]] = nx[j];
			continue;
		}
		md->slice = s->slice;
		/* out of a tunnel, into the VRF (or an Ethernet PDU session's
		 * bridge domain, as its attached endpoint): nothing the switch
		 * says about it may leave raw on N3/N9 */
		if (!n9 && up_session_eth(se[j])) {
			pl_switch_meta_decap(m, s->slice);
			md->tunnel = SW_TUN_ATTACHED | s->id;
		} else {
			pl_switch_meta_decap(m, SW_BD_NONE);
		}
		*up_sess(m) = se[j];
		up_urr_prefetch(ctx->worker, (const struct up_term *)s);   /* as upf.n6 does */
		um->app = 0;
		um->qfi = (uint8_t)qfi[j];
		ctx->stats->events[n9 ? UP_EVENT(dl_n9) : UP_EVENT(ul)]++;
		next[sidx[j]] = DP_NEXT_EDGE(n9 ? UP_IN_EDGE_DL : UP_IN_EDGE_UL);
		if (n9)
			continue;
		ul[nu++] = sidx[j];
		/* its inline app termination, read after the classification */
		if (s->flags & UP_SF_APPS)
			rte_prefetch0((const uint8_t *)se[j] + RTE_CACHE_LINE_SIZE);
	}
	return nu;
}

/* upf.in's general path: any burst. */
static uint16_t
in_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint16_t i4[DP_LOOKUP_BURST], i6[DP_LOOKUP_BURST], idx[DP_LOOKUP_BURST], ul[DP_LOOKUP_BURST];
	const struct dp_entry *e4[DP_LOOKUP_BURST], *e6[DP_LOOKUP_BURST], *ie[DP_LOOKUP_BURST];
	const struct dp_entry *se[DP_LOOKUP_BURST];
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	unsigned int n4 = 0, n6 = 0, k = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);

		next[i] = DP_NEXT_EDGE(UP_IN_EDGE_SWITCH);
		if (!candidate(md))
			continue;
		if (md->flags & DP_MF_IPV6)
			i6[n6++] = i;
		else
			i4[n4++] = i;
	}
	if (n4 + n6 == 0)
		return 0;
	if (n4)
		lookup_ifaces(ctx, pl_up.ifaces, pkts, i4, n4, e4);
	if (n6)
		lookup_ifaces(ctx, pl_up.ifaces6, pkts, i6, n6, e6);
	/* merged back in burst order, so replies and G-PDUs keep their order */
	for (unsigned int a = 0, b = 0; a < n4 || b < n6;) {
		bool take4 = b >= n6 || (a < n4 && i4[a] < i6[b]);
		uint16_t i = take4 ? i4[a] : i6[b];
		const struct dp_entry *e = take4 ? e4[a++] : e6[b++];
		struct dp_meta *md;
		uint16_t v;

		if (e->action != UP_IF_N3 && e->action != UP_IF_N9)
			continue;   /* not a GTP-U endpoint of ours: the switch's */
		md = dp_meta(pkts[i]);
		/* a pair's endpoint the other box holds now: not ours to answer
		 * (an Error Indication from it would make its peer drop the
		 * tunnel the other box serves), nor its sessions' */
		if (unlikely(((const struct up_iface *)e->params)->held_bd != 0) &&
		    !pl_switch_held_here(((const struct up_iface *)e->params)->held_bd,
					 take4 ? SW_HELD_V4 : SW_HELD_V6)) {
			next[i] = DP_NEXT_DROP(UP_DROP(held_elsewhere));
			continue;
		}
		if ((v = message(ctx, pkts[i], md, e->action)) != LOOKUP) {
			if (v == DP_NEXT_PUNT) {   /* signalling: its endpoint, for the slow path */
				md->tunnel = ((const struct up_iface *)e->params)->id;
				md->out_port = e->action;
			}
			next[i] = v;
			continue;
		}
		up_session_key(keys[k], ((const struct up_iface *)e->params)->id, md->tun_key);
		kp[k] = keys[k];
		ie[k] = e;
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	/* N3 and N9 sessions in their own tables: each packet's key in its
	 * endpoint's kind's (a lookup in the other would count a miss) */
	{
		const uint8_t *k3[DP_LOOKUP_BURST], *k9[DP_LOOKUP_BURST];
		const struct dp_entry *s3[DP_LOOKUP_BURST], *s9[DP_LOOKUP_BURST];
		unsigned int n3 = 0, n9 = 0;

		for (unsigned int j = 0; j < k; j++) {
			if (ie[j]->action == UP_IF_N3)
				k3[n3++] = kp[j];
			else
				k9[n9++] = kp[j];
		}
		if (n3)
			dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_up.sess_ul, k3, n3, s3);
		if (n9)
			dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_up.sess_n9, k9, n9, s9);
		n3 = n9 = 0;
		for (unsigned int j = 0; j < k; j++)
			se[j] = ie[j]->action == UP_IF_N3 ? s3[n3++] : s9[n9++];
	}
	sessions(ctx, pkts, idx, ie, se, k, next, ul);
	return 0;
}

/* ------------------------------------------------------------ the fused path */

/* A burst of G-PDUs over IPv4, all to one N3 endpoint of ours, each one
 * upf.in's checks before its session pass (its arrival, not a fragment,
 * the outer checksum, a unicast source, a GTP-U header the parser read,
 * no extension header to refuse): the endpoint looked up once (its hits
 * counted for all), the sessions as the general path does, and the
 * uplink on through upf.ul's work here (up_ul_run), out of upf.in's own
 * edges to the switch: one node, one walk of the burst. Any other burst:
 * nothing done, nothing counted, false (the general path takes it). The
 * checks are the general path's functions, so the only thing of its own
 * is the decision. */
bool pl_upf_in_fused_planted;

bool
pl_upf_in_fused(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct dp_entry *ie[DP_LOOKUP_BURST], *se[DP_LOOKUP_BURST], *e;
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16), k0[32] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST], *k0p = k0;
	uint16_t idx[DP_LOOKUP_BURST], ul[DP_LOOKUP_BURST];
	const struct dp_meta *md0 = dp_meta(pkts[0]);
	uint32_t dst0, id, cnt = n;
	unsigned int nu;

	if (!(md0->flags & DP_MF_IPV4) || !up_is_gtpu(md0))
		return false;
	iface_key(k0, pkts[0], md0);
	memcpy(&dst0, k0, 4);
	dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)pl_up.ifaces, &k0p, 1, &e);
	if (e->action != UP_IF_N3 || ((const struct up_iface *)e->params)->held_bd != 0)
		return false;   /* a held endpoint: the general path judges it */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_meta *md = dp_meta(m);
		const struct up_gtpu *ug = up_gtpu(m);
		uint32_t dst;

		/* (the parser read a GTP-U header: the outer ones are whole) */
		if ((md->flags & (DP_MF_IPV4 | DP_MF_FRAG)) != DP_MF_IPV4 || !up_is_gtpu(md))
			return false;
		memcpy(&dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off) +
			     offsetof(struct rte_ipv4_hdr, dst_addr), 4);
		if (dst != dst0 || ug->msg != GTPU_MSG_GPDU || ug->xunk != 0)
			return false;
		if (arrival(md, UP_IF_N3) != 0 || outer_cksum_bad(m, md) ||
		    (outer_src_martian(m, md) && likely(!pl_upf_in_fused_planted)))
			return false;
	}
	dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)pl_up.ifaces, &e, &cnt, 1);
	id = ((const struct up_iface *)e->params)->id;
	for (uint16_t i = 0; i < n; i++) {
		up_session_key(keys[i], id, dp_meta(pkts[i])->tun_key);
		kp[i] = keys[i];
		ie[i] = e;
		idx[i] = i;
	}
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_up.sess_ul, kp, n, se);
	nu = sessions(ctx, pkts, idx, ie, se, n, next, ul);
	if (nu)
		up_ul_run(ctx, pkts, ul, nu, next, UP_IN_EDGE_L3, UP_IN_EDGE_DL);
	return true;
}

/* What the fused path stands for: upf.in's general path, then upf.ul's
 * stage on what it sends there, upf.ul's edges as upf.in's (UP_IN_EDGE_L3
 * on): the run-time check's reference, and the autovalidator's. */
uint16_t
pl_upf_in_ul_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	static const uint8_t ul_edges[] = {   /* upf.ul's edges as upf.in's */
		[UP_UL_EDGE_L3] = UP_IN_EDGE_L3, [UP_UL_EDGE_L3V6] = UP_IN_EDGE_L3V6, [UP_UL_EDGE_L2] = UP_IN_EDGE_L2,
		[UP_UL_EDGE_DL] = UP_IN_EDGE_DL,
	};

	dp_stage_then(ctx, pkts, n, next, in_general, UP_IN_EDGE_UL, pl_upf_ul_burst, ul_edges, RTE_DIM(ul_edges));
	return 0;
}

uint16_t
pl_upf_in_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	if (dp_fast_run("upf.in", ctx, pkts, n, next, pl_upf_in_fused, pl_upf_in_ul_general))
		return 0;
	return in_general(ctx, pkts, n, next);
}
