/* ov_esp: tunnel datagrams sealed into ESP and opened back (see ov_esp.h). */
#include <string.h>

#include <rte_errno.h>
#include <rte_esp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ov_esp.h"
#include "ov_state.h"
#include "dp_feature.h"
#include "dp_flowkey.h"
#include "dp_parse.h"
#include "dp_table.h"

int
ov_esp_kind(const struct rte_mbuf *m, const struct dp_meta *md)
{
	if (!(md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) || (md->flags & DP_MF_FRAG))
		return OV_ESP_NOT;
	if (md->l4_proto == IPPROTO_ESP)
		return OV_ESP_PACKET;
	if (md->l4_proto != IPPROTO_UDP || !(md->flags & DP_MF_L4) || md->dport != OV_SA_NATT_PORT)
		return OV_ESP_NOT;
	/* what follows the UDP header: a keepalive, a non-ESP marker (IKE's:
	 * four zero bytes, not the overlay's), or an SPI */
	{
		uint32_t off = md->l4_off + sizeof(struct rte_udp_hdr), len = rte_pktmbuf_pkt_len(m);
		const uint8_t *p;
		uint8_t b[4];

		if (len == off + 1)
			return *rte_pktmbuf_mtod_offset(m, const uint8_t *, off) == OV_ESP_NATT_KEEPALIVE ?
			       OV_ESP_KEEPALIVE : OV_ESP_NOT;
		if (len < off + 4 || (p = rte_pktmbuf_read(m, off, 4, b)) == NULL)
			return OV_ESP_NOT;
		return (p[0] | p[1] | p[2] | p[3]) != 0 ? OV_ESP_PACKET : OV_ESP_NOT;
	}
}

/* @m sealed: its outer header's DSCP and ECN (@tos), its destination
 * where a NAT showed the peer to be (UDP-encapsulated), its checksum (IPv4
 * its header's, IPv6 its UDP's: RFC 8200 has no zero one), its metadata
 * the ESP packet's. */
static inline void
sealed(struct rte_mbuf *m, struct dp_meta *md, const struct ov_sa *s, uint8_t tos)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, OV_SA_L2_LEN);
	struct ov_sa_ep to = { .port = s->dport };
	struct rte_udp_hdr *uh;

	if (s->dport != 0)
		ov_sa_dest(s, &to);
	md->l2_len = md->l3_off = OV_SA_L2_LEN;
	md->l4_proto = s->dport != 0 ? IPPROTO_UDP : IPPROTO_ESP;
	if (s->dport != 0) {
		md->flags = DP_MF_L4;
		md->sport = s->sport;
		md->dport = to.port;
	} else {
		md->flags = 0;
	}
	if (s->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		md->flags |= DP_MF_IPV6;
		md->l4_off = OV_SA_L2_LEN + sizeof(*ip6);
		md->ethertype = RTE_ETHER_TYPE_IPV6;
		if (s->dport != 0) {
			memcpy(ip6->dst_addr, to.ip, 16);
			uh = (struct rte_udp_hdr *)(ip6 + 1);
			uh->dst_port = rte_cpu_to_be_16(to.port);
			uh->dgram_cksum = 0;
			uh->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip6, md->l4_off);
		}
		return;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	/* the DSCP and ECN stored with the version, as wide as the
	 * checksum's read of them is: a narrower store is not forwarded */
	rte_be16_t vt = rte_cpu_to_be_16((uint16_t)(ip->version_ihl << 8 | tos));

	memcpy(ip, &vt, sizeof(vt));
	if (s->dport != 0) {
		ip->dst_addr = ov_ip4(to.ip);
		((struct rte_udp_hdr *)(ip + 1))->dst_port = rte_cpu_to_be_16(to.port);
	}
	/* flagged: the port fills it in (ov_encap_seal_pending) */
	ip->hdr_checksum = m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM ? 0 : dp_ipv4_cksum(ip);
	md->flags |= DP_MF_IPV4;
	md->l4_off = OV_SA_L2_LEN + sizeof(*ip);
	md->ethertype = RTE_ETHER_TYPE_IPV4;
}

void
ov_esp_seal_burst(struct rte_mbuf **m, uint16_t n, const struct ov_sa *s, struct ov_sa_ctr *c,
		  unsigned int *res)
{
	struct rte_mbuf *mb[DP_LOOKUP_BURST];
	uint8_t tos[DP_LOOKUP_BURST];
	uint16_t k;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(m[i]);

		/* the datagram's DSCP and ECN go on outside (RFC 4301 5.1.2.1, RFC 6040) */
		tos[i] = dp_flowkey_tos(m[i], md);
		/* the outer headers before it, the trailer after; without
		 * room the library refuses it (no_headroom) */
		ov_sa_room(m[i], (uint16_t)(s->overhead - OV_SA_ESP_TAIL_MAX), OV_SA_ESP_TAIL_MAX);
		m[i]->l2_len = md->l3_off;
		m[i]->l3_len = (uint16_t)(md->l4_off - md->l3_off);
		mb[i] = m[i];
		res[i] = 0;
	}
	rte_errno = 0;
	k = rte_ipsec_pkt_cpu_prepare(&s->ss, mb, n);
	/* what prepare refused changed only in its sequence number: no room, or they ran out */
	if (k != 0)
		k = rte_ipsec_pkt_process(&s->ss, mb, k);
	if (unlikely(k != n)) {
		/* the library put the failures last: tell them by their mbufs */
		unsigned int why = rte_errno == EOVERFLOW ? OV_DROP(esp_seq_exhausted) : OV_DROP(no_headroom);

		for (uint16_t i = 0; i < n; i++) {
			uint16_t j = 0;

			while (j < k && mb[j] != m[i])
				j++;
			if (j == k) {
				res[i] = why;
				c[s->id].bad++;
			}
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		if (res[i] != 0)
			continue;
		sealed(m[i], dp_meta(m[i]), s, tos[i]);
		c[s->id].pkts++;
		c[s->id].bytes += rte_pktmbuf_pkt_len(m[i]);
	}
}

uint16_t
ov_esp_keepalive(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	return ov_state_to_vtep(ctx, m, md) ? DP_NEXT_DROP(OV_DROP(natt_keepalive)) : OV_ESP_NOT_OURS;
}

/* Opened @m (what it carried, Ethernet header stripped) put back under
 * @l2 (the frame's own Ethernet header, @l2_len bytes), to be parsed as any
 * frame: false (*@nx a drop) if there is no room. */
static inline bool
inner_framed(struct rte_mbuf *m, const uint8_t *l2, uint16_t l2_len, uint16_t *nx)
{
	uint8_t *d;

	if ((d = (uint8_t *)rte_pktmbuf_prepend(m, l2_len)) == NULL) {
		*nx = DP_NEXT_DROP(OV_DROP(no_headroom));
		return false;
	}
	memcpy(d, l2, l2_len);
	/* what the NIC said was of the ESP packet */
	m->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	return true;
}

/* Parsed @m (@md) of SA @s: is it a datagram of the SA's family between
 * its two ends? (the peer speaks for itself only) */
static inline bool
inner_between(const struct rte_mbuf *m, const struct dp_meta *md, const struct ov_sa *s, uint16_t *nx)
{
	uint8_t dst[16], src[16];
	bool ours = (md->flags & (s->v6 ? DP_MF_IPV6 : DP_MF_IPV4)) != 0;

	if (ours) {
		ov_state_outer_addrs(m, md, dst, src);
		ours = memcmp(src, s->src, 16) == 0 && memcmp(dst, s->dst, 16) == 0;
	}
	if (!ours) {
		*nx = DP_NEXT_DROP(s->proto == OV_SA_WG ? OV_DROP(wg_inner) : OV_DROP(esp_inner));
		return false;
	}
	return true;
}

/* What one packet being opened carries from the checks to the library
 * and back. */
struct opening {
	const struct ov_sa *s;
	uint32_t seq;		/* its sequence number's low 32 bits, as sent */
	uint32_t wire;		/* its length as it came (counted so, as sealed frames are as they leave) */
	uint8_t from[16];	/* its outer source ("ip") and UDP source port */
	uint16_t sport;
	uint16_t l2_len;
	uint8_t l2[DP_META_VLAN_MAX * 4 + RTE_ETHER_HDR_LEN];	/* its frame's own Ethernet header */
};

/* Everything about ESP packet @m the library is not asked: its SA, its
 * outer header, its window: true (its Ethernet padding trimmed, its
 * headers' lengths set for the library), or false with *@nx decided. */
static bool
open_check(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, struct opening *o, uint16_t *nx)
{
	uint32_t esp_off = md->l4_off + (md->l4_proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
	struct ov_sa_ctr *c = ov_sa_ctr[ctx->worker];
	const uint8_t *esph;	/* the ESP header: SPI, sequence number */
	uint8_t b[8], to[16];
	const struct ov_sa *s;
	uint32_t end;

	o->wire = rte_pktmbuf_pkt_len(m);
	ov_state_outer_addrs(m, md, to, o->from);
	o->sport = md->sport;
	o->l2_len = md->l2_len;
	if ((esph = rte_pktmbuf_read(m, esp_off, 8, b)) == NULL) {
		*nx = ov_state_vtep(ctx, to) ? DP_NEXT_DROP(OV_DROP(esp_malformed)) : OV_ESP_NOT_OURS;
		return false;
	}
	s = ov_sa_in(OV_SA_ESP, (uint32_t)esph[0] << 24 | (uint32_t)esph[1] << 16 | (uint32_t)esph[2] << 8 | esph[3]);
	/* from its peer's VTEP, or from anywhere for one of a path (its peer
	 * behind a NAT): the ICV and the window say whether it is the peer */
	if (s == NULL || memcmp(s->dst, to, 16) != 0 || (s->path == 0 && memcmp(s->src, o->from, 16) != 0) ||
	    (md->l4_proto == IPPROTO_UDP) != (s->dport != 0)) {
		*nx = ov_state_vtep(ctx, to) ? DP_NEXT_DROP(OV_DROP(esp_unknown_spi)) : OV_ESP_NOT_OURS;
		return false;
	}
	if (ov_sa_expired(s, ctx->now)) {
		*nx = DP_NEXT_DROP(OV_DROP(sa_expired));
		return false;
	}
	/* to one of our VTEPs: its header is checked as a tunnel datagram's is */
	if (ov_state_sealed_outer_bad(m, md)) {
		*nx = DP_NEXT_DROP(OV_DROP(outer_cksum));
		return false;
	}
	if (o->l2_len > sizeof(o->l2)) {
		*nx = DP_NEXT_DROP(OV_DROP(esp_malformed));
		return false;
	}
	o->s = s;
	o->seq = (uint32_t)esph[4] << 24 | (uint32_t)esph[5] << 16 | (uint32_t)esph[6] << 8 | esph[7];
	/* our window decides what is fresh (ov_replay.h): a replay is not
	 * even decrypted */
	if (s->rp != NULL && !ov_replay_fresh(s->rp, o->seq)) {
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_replay));
		return false;
	}
	memcpy(o->l2, rte_pktmbuf_mtod(m, const uint8_t *), o->l2_len);
	/* Ethernet padding is no part of the packet: the ICV is at its end */
	end = ov_state_ip_end(m, md);
	if (rte_pktmbuf_pkt_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
	m->l2_len = md->l3_off;
	m->l3_len = (uint16_t)(esp_off - md->l3_off);
	return true;
}

/* Is @m among the @k first of @mb? (the library puts its failures last) */
static inline bool
among(struct rte_mbuf *const *mb, uint16_t k, const struct rte_mbuf *m)
{
	for (uint16_t j = 0; j < k; j++)
		if (mb[j] == m)
			return true;
	return false;
}

/* The @n packets @m of SA @s (their openings @o) opened by one call of
 * the library each way: @nx[i] decided for those it refused, each by the
 * name of its own failure, @ok[i] for the others. */
static void
open_batch(const struct ov_sa *s, struct rte_mbuf **m, uint16_t n, struct opening *const *o, uint16_t *const *nx,
	   bool *const *ok, struct ov_sa_ctr *c)
{
	struct rte_mbuf *mb[DP_LOOKUP_BURST];
	uint16_t k, k2;

	memcpy(mb, m, n * sizeof(*mb));
	k = rte_ipsec_pkt_cpu_prepare(&s->ss, mb, n);
	if (unlikely(k != n)) {
		/* refused before any change to it: asked alone, the library
		 * says why (a replay by its window, or malformed) */
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *one = m[i];

			if (among(mb, k, one))
				continue;
			rte_errno = 0;
			if (rte_ipsec_pkt_cpu_prepare(&s->ss, &one, 1) == 0 && rte_errno == EBADMSG) {
				c[s->id].bad++;
				*nx[i] = DP_NEXT_DROP(OV_DROP(esp_malformed));
			} else {
				c[s->id].replay++;
				*nx[i] = DP_NEXT_DROP(OV_DROP(esp_replay));
			}
		}
	}
	k2 = k != 0 ? rte_ipsec_pkt_process(&s->ss, mb, k) : 0;
	for (uint16_t i = 0; i < n; i++) {
		if (*ok[i] || (k != n && !among(mb, k, m[i])))
			continue;
		if (k2 != k && !among(mb, k2, m[i])) {
			/* the ICV did not verify; else the window moved past it
			 * (an earlier packet of the burst had its number), or
			 * its trailer (padding, next header) is wrong */
			if (m[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) {
				c[s->id].auth++;
				*nx[i] = DP_NEXT_DROP(OV_DROP(esp_auth));
			} else if (s->rp != NULL && !ov_replay_fresh(s->rp, o[i]->seq)) {
				c[s->id].replay++;
				*nx[i] = DP_NEXT_DROP(OV_DROP(esp_replay));
			} else {
				c[s->id].bad++;
				*nx[i] = DP_NEXT_DROP(OV_DROP(esp_malformed));
			}
			continue;
		}
		if (s->rp != NULL && !ov_replay_take(s->rp, o[i]->seq)) {
			c[s->id].replay++;
			*nx[i] = DP_NEXT_DROP(OV_DROP(esp_replay));
			continue;
		}
		c[s->id].pkts++;
		c[s->id].bytes += o[i]->wire;
		*ok[i] = true;
	}
}

/* The @n packets @m of SA @s in order (as open_batch), in batches that
 * open as one packet after the other would: a packet a window or more
 * behind one before it in its batch starts the next (the window moves at
 * the end of a batch, and with ESN where it is says which 2^32 a number
 * is of, RFC 4303 A2.2). Traffic numbered in order is one batch. */
static void
open_group(const struct ov_sa *s, struct rte_mbuf **m, uint16_t n, struct opening *const *o, uint16_t *const *nx,
	   bool *const *ok, struct ov_sa_ctr *c)
{
	uint16_t b = 0;
	uint32_t top = o[0]->seq;

	for (uint16_t j = 1; s->rp != NULL && j < n; j++) {
		int32_t d = (int32_t)(o[j]->seq - top);

		if (d < -(int32_t)s->rp->win) {
			open_batch(s, m + b, (uint16_t)(j - b), o + b, nx + b, ok + b, c);
			b = j;
			top = o[j]->seq;
		} else if (d > 0) {
			top = o[j]->seq;
		}
	}
	open_batch(s, m + b, (uint16_t)(n - b), o + b, nx + b, ok + b, c);
}

void
ov_esp_open_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **m, const uint8_t *at, uint16_t n, uint16_t *nx,
		  bool *ok)
{
	struct opening op[DP_LOOKUP_BURST];
	const struct ov_sa *sas[DP_LOOKUP_BURST], *gsa[DP_LOOKUP_BURST];
	uint8_t q[DP_LOOKUP_BURST], start[DP_LOOKUP_BURST], cnt[DP_LOOKUP_BURST], order[DP_LOOKUP_BURST];
	struct ov_sa_ctr *c = ov_sa_ctr[ctx->worker];
	struct rte_mbuf *pm[DP_LOOKUP_BURST];
	uint16_t pnx[DP_LOOKUP_BURST];
	unsigned int nq = 0, ng;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *x = m[at[i]];

		ok[at[i]] = false;
		if (open_check(ctx, x, dp_meta(x), &op[i], &nx[at[i]])) {
			sas[nq] = op[i].s;
			q[nq++] = (uint8_t)i;
		}
	}
	ng = ov_sa_group(sas, nq, gsa, start, cnt, order);
	for (unsigned int g = 0; g < ng; g++) {
		struct rte_mbuf *gm[DP_LOOKUP_BURST];
		struct opening *go[DP_LOOKUP_BURST];
		uint16_t *gnx[DP_LOOKUP_BURST];
		bool *gok[DP_LOOKUP_BURST];

		for (unsigned int j = 0; j < cnt[g]; j++) {
			unsigned int i = q[order[start[g] + j]];

			gm[j] = m[at[i]];
			go[j] = &op[i];
			gnx[j] = &nx[at[i]];
			gok[j] = &ok[at[i]];
		}
		open_group(gsa[g], gm, cnt[g], go, gnx, gok, c);
	}
	/* what they carried, parsed together */
	nq = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (!ok[at[i]])
			continue;
		if (op[i].s->path != 0)
			ov_sa_seen(op[i].s, op[i].from, op[i].sport);
		if (!(ok[at[i]] = inner_framed(m[at[i]], op[i].l2, op[i].l2_len, &nx[at[i]])))
			continue;
		pm[nq] = m[at[i]];
		q[nq++] = (uint8_t)i;
	}
	if (nq == 0)
		return;
	dp_parse_burst(ctx, pm, (uint16_t)nq, pnx);
	for (unsigned int j = 0; j < nq; j++) {
		unsigned int i = q[j];
		struct rte_mbuf *x = m[at[i]];

		nx[at[i]] = pnx[j];
		ok[at[i]] = pnx[j] == DP_NEXT_CONTINUE && inner_between(x, dp_meta(x), op[i].s, &nx[at[i]]);
	}
}

bool
ov_esp_inner(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, const uint8_t *l2, uint16_t l2_len,
	     const struct ov_sa *s, uint16_t *nx)
{
	struct rte_mbuf *mb[1] = { m };

	if (!inner_framed(m, l2, l2_len, nx))
		return false;
	dp_parse_burst(ctx, mb, 1, nx);
	return *nx == DP_NEXT_CONTINUE && inner_between(m, md, s, nx);
}
