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
#include "dp_parse.h"
#include "dp_table.h"

int
ov_esp_kind(const struct rte_mbuf *m, const struct dp_meta *md)
{
	if ((md->flags & (DP_MF_IPV4 | DP_MF_FRAG)) != DP_MF_IPV4)
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
 * where a NAT showed the peer to be (UDP-encapsulated), its checksum, its
 * metadata the ESP packet's. */
static inline void
sealed(struct rte_mbuf *m, struct dp_meta *md, const struct ov_sa *s, uint8_t tos)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, OV_SA_L2_LEN);
	uint16_t dport = s->dport;
	uint32_t dst;

	ip->type_of_service = tos;
	if (dport != 0) {
		ov_sa_dest(s, &dst, &dport);
		ip->dst_addr = dst;
		((struct rte_udp_hdr *)(ip + 1))->dst_port = rte_cpu_to_be_16(dport);
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	md->flags = DP_MF_IPV4;
	md->l2_len = md->l3_off = OV_SA_L2_LEN;
	md->l4_off = OV_SA_L2_LEN + sizeof(*ip);
	md->ethertype = RTE_ETHER_TYPE_IPV4;
	md->l4_proto = s->dport != 0 ? IPPROTO_UDP : IPPROTO_ESP;
	if (s->dport != 0) {
		md->flags |= DP_MF_L4;
		md->sport = s->sport;
		md->dport = dport;
	}
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
		tos[i] = rte_pktmbuf_mtod_offset(m[i], const struct rte_ipv4_hdr *, md->l3_off)->type_of_service;
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
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);

	return ov_state_vtep(ctx, ip->dst_addr) ? DP_NEXT_DROP(OV_DROP(natt_keepalive)) : OV_ESP_NOT_OURS;
}

bool
ov_esp_open(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, uint16_t *nx)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	uint32_t esp_off = md->l4_off + (md->l4_proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
	struct ov_sa_ctr *c = ov_sa_ctr[ctx->worker];
	uint8_t l2[DP_META_VLAN_MAX * 4 + RTE_ETHER_HDR_LEN], b[8];
	struct rte_mbuf *mb[1] = { m };
	const struct ov_sa *s;
	const uint8_t *esph;	/* the ESP header: SPI, sequence number */
	uint32_t seq;
	uint16_t l2_len = md->l2_len, sport = md->sport;
	uint32_t end, wire = rte_pktmbuf_pkt_len(m);	/* counted as it came, as sealed frames are as they leave */
	uint32_t from = ip->src_addr;

	if ((esph = rte_pktmbuf_read(m, esp_off, 8, b)) == NULL) {
		*nx = ov_state_vtep(ctx, ip->dst_addr) ? DP_NEXT_DROP(OV_DROP(esp_malformed)) : OV_ESP_NOT_OURS;
		return false;
	}
	s = ov_sa_in(OV_SA_ESP, (uint32_t)esph[0] << 24 | (uint32_t)esph[1] << 16 | (uint32_t)esph[2] << 8 | esph[3]);
	/* from its peer's VTEP, or from anywhere for one of a path (its peer
	 * behind a NAT): the ICV and the window say whether it is the peer */
	if (s == NULL || s->dst != ip->dst_addr || (s->src != from && s->path == 0) ||
	    (md->l4_proto == IPPROTO_UDP) != (s->dport != 0)) {
		*nx = ov_state_vtep(ctx, ip->dst_addr) ? DP_NEXT_DROP(OV_DROP(esp_unknown_spi)) : OV_ESP_NOT_OURS;
		return false;
	}
	if (ov_sa_expired(s, ctx->now)) {
		*nx = DP_NEXT_DROP(OV_DROP(sa_expired));
		return false;
	}
	/* to one of our VTEPs: its header is checked as a tunnel datagram's is */
	if (ov_state_outer_cksum_bad(m, ip)) {
		*nx = DP_NEXT_DROP(OV_DROP(outer_cksum));
		return false;
	}
	if (l2_len > sizeof(l2)) {
		*nx = DP_NEXT_DROP(OV_DROP(esp_malformed));
		return false;
	}
	memcpy(l2, rte_pktmbuf_mtod(m, const uint8_t *), l2_len);
	/* Ethernet padding is no part of the packet: the ICV is at its end */
	end = (uint32_t)md->l3_off + rte_be_to_cpu_16(ip->total_length);
	if (rte_pktmbuf_pkt_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
	/* our window decides what is fresh (ov_replay.h): a replay is not
	 * even decrypted */
	seq = (uint32_t)esph[4] << 24 | (uint32_t)esph[5] << 16 | (uint32_t)esph[6] << 8 | esph[7];
	if (s->rp != NULL && !ov_replay_fresh(s->rp, seq)) {
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_replay));
		return false;
	}
	m->l2_len = md->l3_off;
	m->l3_len = (uint16_t)(esp_off - md->l3_off);
	rte_errno = 0;
	if (rte_ipsec_pkt_cpu_prepare(&s->ss, mb, 1) != 1) {
		if (rte_errno == EBADMSG) {
			c[s->id].bad++;
			*nx = DP_NEXT_DROP(OV_DROP(esp_malformed));
			return false;
		}
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_replay));
		return false;
	}
	if (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) {
		c[s->id].auth++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_auth));
		return false;
	}
	if (rte_ipsec_pkt_process(&s->ss, mb, 1) != 1) {
		/* its trailer (padding, next header) is wrong, or the window
		 * moved past it meanwhile (another packet of the same number) */
		c[s->id].bad++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_malformed));
		return false;
	}
	if (s->rp != NULL && !ov_replay_take(s->rp, seq)) {
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(esp_replay));
		return false;
	}
	c[s->id].pkts++;
	c[s->id].bytes += wire;
	if (s->path != 0)
		ov_sa_seen(s, from, sport);
	return ov_esp_inner(ctx, m, md, l2, l2_len, s, nx);
}

bool
ov_esp_inner(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, const uint8_t *l2, uint16_t l2_len,
	     const struct ov_sa *s, uint16_t *nx)
{
	struct rte_mbuf *mb[1] = { m };
	const struct rte_ipv4_hdr *ip;
	uint8_t *d;

	/* the datagram it carried, under the frame's own Ethernet header,
	 * parsed as any frame; what the NIC said was of the ESP packet */
	if ((d = (uint8_t *)rte_pktmbuf_prepend(m, l2_len)) == NULL) {
		*nx = DP_NEXT_DROP(OV_DROP(no_headroom));
		return false;
	}
	memcpy(d, l2, l2_len);
	m->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	dp_parse_burst(ctx, mb, 1, nx);
	if (*nx != DP_NEXT_CONTINUE)
		return false;
	/* the peer speaks for itself only: what it carries is between its
	 * SA's two ends */
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
	if (!(md->flags & DP_MF_IPV4) || ip->src_addr != s->src || ip->dst_addr != s->dst) {
		*nx = DP_NEXT_DROP(s->proto == OV_SA_WG ? OV_DROP(wg_inner) : OV_DROP(esp_inner));
		return false;
	}
	return true;
}
