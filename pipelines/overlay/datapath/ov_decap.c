/* Overlay stage "wan": the entry of WAN ports. Probes and BFD control
 * packets to a local VTEP are the prober's (ov_probe.c). A UDP datagram to a local VTEP on the VXLAN
 * or GENEVE port is checked in this order, each failure
 * a named drop: the outer header checksum, the tunnel header, the VNI
 * (some slice's), the outer source (a peer of that slice). Only then is the
 * inner frame taken: into the slice's bridge domain (its source MAC learned
 * against the peer's tunnel) or VRF. Everything else on a WAN port is
 * underlay traffic and goes to the switch. A worker remembers the
 * (VTEP, VNI, peer) triples that passed, so that their datagrams take one
 * memo probe instead of three lookups; the inner frames of a burst are
 * parsed together. */
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "ov_state.h"
#include "ov_decap.h"
#include "ov_esp.h"
#include "ov_ikeio.h"
#include "ov_wg.h"
#include "ov_tun.h"
#include "ov_probe.h"
#include "ov_repair.h"
#include "sw_api.h"
#include "dp_parse.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_fastcheck.h"

static const unsigned int tun_reason[] = {
	[OV_TUN_TRUNC] = OV_DROP_truncated, [OV_TUN_VXLAN_FLAGS] = OV_DROP_vxlan_flags,
	[OV_TUN_GENEVE_VERSION] = OV_DROP_geneve_version, [OV_TUN_GENEVE_OAM] = OV_DROP_geneve_oam,
	[OV_TUN_GENEVE_CRITICAL] = OV_DROP_geneve_critical, [OV_TUN_GENEVE_PROTO] = OV_DROP_geneve_proto,
	[OV_TUN_INNER_VLAN] = OV_DROP_inner_vlan, [OV_TUN_REPAIR] = OV_DROP_repair_malformed,
};

/* What a WAN packet may be for the overlay, if addressed to a local VTEP:
 * a tunnel datagram, a probe, or an ICMP echo reply (perhaps to our probe). */
enum { K_VXLAN = OV_TUN_VXLAN, K_GENEVE = OV_TUN_GENEVE, K_PROBE, K_PING, K_BFD, K_NONE };

/* Fragments are none of them: reassembly is not the overlay's. The
 * underlay is IPv4 or IPv6, ICMP's echo reply or ICMPv6's (RFC 4443 4.2).
 * An IPv6 packet from or to ::/96 or an IPv4-mapped address is none
 * either: no such packet is on a wire (RFC 4291 2.5.5), and as the tables
 * key IPv4 it would pass for an IPv4 peer's or VTEP's. */
static inline uint8_t
kind_of(struct rte_mbuf *m, const struct dp_meta *md)
{
	if ((md->flags & (DP_MF_L4 | DP_MF_FRAG)) != DP_MF_L4 || !(md->flags & (DP_MF_IPV4 | DP_MF_IPV6)))
		return K_NONE;
	if (unlikely(md->flags & DP_MF_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, md->l3_off);

		if (dp_addr_ip6_reserved(ip6->src_addr) || dp_addr_ip6_reserved(ip6->dst_addr))
			return K_NONE;
	}
	if (likely(md->l4_proto == IPPROTO_UDP)) {
		if (md->dport == OV_VXLAN_PORT)
			return K_VXLAN;
		if (md->dport == OV_GENEVE_PORT)
			return K_GENEVE;
		if (md->dport == OV_PROBE_PORT)
			return K_PROBE;
		return md->dport == OV_BFD_PORT ? K_BFD : K_NONE;
	}
	if (md->l4_proto == ((md->flags & DP_MF_IPV4) ? IPPROTO_ICMP : IPPROTO_ICMPV6) &&
	    *rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off) ==
	    ((md->flags & DP_MF_IPV4) ? RTE_IP_ICMP_ECHO_REPLY : 129))
		return K_PING;
	return K_NONE;
}

/* A worker's memo of the fdb entries of inner sources, keyed by (bridge
 * domain, MAC) as the fdb key's first 8 bytes: a site's remote hosts are
 * few and send again and again. Good while the fdb's version is its stamp;
 * only entries that exist are remembered, so an unknown source always
 * reaches the learn check. Direct-mapped, hits counted per slot and burst. */
#define LMEMO_SLOTS 512
struct lmemo_slot {
	uint64_t key;
	uint64_t stamp;                  /* 0: empty */
	const struct dp_entry *e;
	uint32_t n;                      /* this burst's hits, not yet counted */
};
static struct lmemo_slot *lmemo[DP_WORKERS_MAX];

static inline struct lmemo_slot *
lmemo_at(struct lmemo_slot *lm, uint64_t key)
{
	return &lm[(key * 0x9e3779b97f4a7c15ull) >> 55 & (LMEMO_SLOTS - 1)];
}

/* A learn event for the inner source when the fdb does not already have it
 * behind this tunnel (static entries are never moved). */
static void
learn(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k, bool memo_on)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	struct lmemo_slot *lm = lmemo[ctx->worker], *s, *used[DP_LOOKUP_BURST];
	uint16_t miss[DP_LOOKUP_BURST];
	uint32_t cnt[DP_LOOKUP_BURST];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	/* read before the lookups: what they fill is no newer than this */
	uint64_t stamp = memo_on ? dp_table_memo_stamp(ctx->root, dp_table_version(pl_sw.fdb)) : 0;
	unsigned int nm = 0, nu = 0;
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct dp_meta *md = dp_meta(m);
		uint64_t key;

		key = pl_switch_fdb_key8(sw_meta(m)->bd, &rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr);
		s = lmemo_at(lm, key);
		if (stamp != 0 && s->stamp == stamp && s->key == key &&
		    pl_switch_fdb_knows(s->e, md->in_port, md->tunnel)) {
			if (s->n++ == 0)
				used[nu++] = s;
			continue;
		}
		sw_key_store(keys[nm], key);
		kp[nm] = keys[nm];
		miss[nm++] = idx[j];
	}
	/* the source lookup counts hits: ageing watches them */
	for (unsigned int u = 0; u < nu; u++) {
		e[u] = used[u]->e;
		cnt[u] = used[u]->n;
		used[u]->n = 0;
	}
	if (nu)
		dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)pl_sw.fdb, e, cnt, nu);
	if (nm == 0)
		return;
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.fdb, kp, nm, e);
	for (unsigned int j = 0; j < nm; j++) {
		struct dp_meta *md = dp_meta(pkts[miss[j]]);
		struct sw_learn_ev ev;

		if (hit >> j & 1) {
			uint64_t key;

			memcpy(&key, keys[j], sizeof(key));
			s = lmemo_at(lm, key);
			if (stamp != 0) {
				s->key = key;
				s->e = e[j];
				s->n = 0;
				s->stamp = stamp;
			}
			if (pl_switch_fdb_knows(e[j], md->in_port, md->tunnel))
				continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.bd = sw_meta(pkts[miss[j]])->bd;
		ev.port = md->in_port;
		ev.tunnel = md->tunnel;
		memcpy(&ev.mac, keys[j] + 2, 6);
		pl_switch_learn_post(ctx, &last, &ev);
	}
}

/* An "ip" address (IPv4 mapped) as the two words its 16 bytes are in
 * memory, made in registers from the outer header: what the memo hashes
 * and compares. (dp_addr_map4's byte stores, read back as words, would
 * stall store forwarding twice a datagram.) */
struct ip128 {
	uint64_t hi, lo;
};

static inline void
outer_words(const struct rte_mbuf *m, const struct dp_meta *md, struct ip128 *dst, struct ip128 *src)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (likely(md->flags & DP_MF_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		/* ::ffff:a.b.c.d's last 8 bytes, 00 00 ff ff a b c d, little-endian (ov_tun.h) */
		dst->hi = 0;
		dst->lo = (uint64_t)ip->dst_addr << 32 | 0xffff0000u;
		src->hi = 0;
		src->lo = (uint64_t)ip->src_addr << 32 | 0xffff0000u;
		return;
	}
	memcpy(dst, l3 + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
	memcpy(src, l3 + offsetof(struct rte_ipv6_hdr, src_addr), 16);
}

/* A worker's memo of what the ordered checks found for a datagram from one
 * peer endpoint to one local VTEP with one VNI: its vteps, vnis and peers
 * entries, good while the versions of those three tables sum to its stamp
 * (dp_table_version). A site has few such triples, so a hit spares three
 * lookups per packet and counts as them; what the memo does not know goes
 * through the checks in order, so every refusal keeps its name and
 * nothing refused is remembered. Direct-mapped: a collision costs only
 * the lookups. */
#define MEMO_BITS 10
#define MEMO_SLOTS (1u << MEMO_BITS)
struct memo_slot {
	struct ip128 dst, src;
	uint32_t vni;
	uint64_t stamp;                  /* 0: empty (stamps start at 1) */
	const struct dp_entry *e[3];     /* vteps, vnis, peers */
	uint32_t n[3];                   /* this burst's hits on them, not yet counted */
};
static struct memo_slot *memo[DP_WORKERS_MAX];
static unsigned int memo_workers;

int
ov_decap_init(unsigned int workers)
{
	memo_workers = workers;
	for (unsigned int w = 0; w < workers; w++)
		if ((memo[w] = rte_zmalloc("ov_decap_memo", sizeof(struct memo_slot) * MEMO_SLOTS,
					   RTE_CACHE_LINE_SIZE)) == NULL ||
		    (lmemo[w] = rte_zmalloc("ov_decap_lmemo", sizeof(struct lmemo_slot) * LMEMO_SLOTS,
					    RTE_CACHE_LINE_SIZE)) == NULL)
			return -ENOMEM;
	return 0;
}

void
ov_decap_fini(void)
{
	for (unsigned int w = 0; w < memo_workers; w++) {
		rte_free(memo[w]);
		rte_free(lmemo[w]);
		memo[w] = NULL;
		lmemo[w] = NULL;
	}
}

/* An "ip" address in 64 bits, every one of its bits in play (the
 * multiplication carries the upper half's into the lower's top). */
static inline uint64_t
addr_fold(const struct ip128 *a)
{
	return a->lo ^ a->hi * 0xff51afd7ed558ccdull;
}

/* The slot of (dst, src, vni): the top bits of the products, the only
 * ones every bit of a factor reaches. Two peers that differ in their
 * last octet (IPv4) or only in their prefix (IPv6) must not share a slot:
 * a direct-mapped memo would then miss on every other datagram. */
static inline struct memo_slot *
memo_at(struct memo_slot *mm, const struct ip128 *dst, const struct ip128 *src, uint32_t vni)
{
	uint64_t h = addr_fold(src) * 0x9e3779b97f4a7c15ull ^ addr_fold(dst) * 0xc2b2ae3d27d4eb4full ^
		     vni * 0x165667b19e3779f9ull;

	return &mm[h >> (64 - MEMO_BITS)];
}

static inline bool
memo_is(const struct memo_slot *s, uint64_t stamp, const struct ip128 *dst, const struct ip128 *src, uint32_t vni)
{
	return s->stamp == stamp && s->vni == vni &&
	       ((s->dst.hi ^ dst->hi) | (s->dst.lo ^ dst->lo) | (s->src.hi ^ src->hi) | (s->src.lo ^ src->lo)) == 0;
}

/* A datagram the checks let in (its peers entry pe, its vnis entry ve):
 * the outer headers off; then, the inner frames parsed as one burst,
 * into the slice's bridge domain or VRF. */
struct decap_in {
	uint16_t idx[DP_LOOKUP_BURST];
	uint32_t hlen[DP_LOOKUP_BURST], vni[DP_LOOKUP_BURST];
	const struct dp_entry *ve[DP_LOOKUP_BURST], *pe[DP_LOOKUP_BURST];
	unsigned int n;
	bool memo_on;                    /* the memos read and filled */
	bool opts;                       /* some came with GENEVE options (the repair option's perhaps) */
};

static inline void
decap_add(struct decap_in *in, uint16_t i, uint32_t hlen, uint32_t vni, const struct dp_entry *ve,
	  const struct dp_entry *pe)
{
	in->opts |= hlen > OV_TUN_HLEN;
	in->idx[in->n] = i;
	in->hlen[in->n] = hlen;
	in->vni[in->n] = vni;
	in->ve[in->n] = ve;
	in->pe[in->n++] = pe;
}

/* The datagrams of in that carry the repair option (GENEVE with
 * options: its header read again, as it passed) through their stream's
 * window and FEC block: a copy already taken or a parity with nothing to
 * rebuild leaves in, a parity that rebuilt a frame stays as that frame. */
static void
repair(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *next, struct decap_in *in)
{
	unsigned int k = 0;

	for (unsigned int j = 0; j < in->n; j++) {
		struct rte_mbuf *p = pkts[in->idx[j]];
		const struct dp_meta *md = dp_meta(p);
		struct ov_tun_rep rep = { .on = false };
		unsigned int r = 0;

		if (in->hlen[j] > OV_TUN_HLEN) {
			const uint8_t *th = rte_pktmbuf_mtod_offset(p, const uint8_t *, md->l4_off + OV_UDP_HLEN);

			ov_tun_options(th + OV_TUN_HLEN, in->hlen[j] - OV_TUN_HLEN, &rep);
		}
		if (rep.on) {
			uint32_t off = md->l4_off + OV_UDP_HLEN + in->hlen[j];
			uint32_t end = md->l4_off + rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(p,
					const struct rte_udp_hdr *, md->l4_off)->dgram_len);

			r = ov_repair_recv(ctx, p, off, end - off, ((const struct ov_peer *)in->pe[j]->params)->tunnel,
					   &rep);
		}
		if (r != 0) {
			next[in->idx[j]] = DP_NEXT_DROP(r);
			continue;
		}
		in->idx[k] = in->idx[j];
		in->hlen[k] = in->hlen[j];
		in->vni[k] = in->vni[j];
		in->ve[k] = in->ve[j];
		in->pe[k++] = in->pe[j];
	}
	in->n = k;
}

static void
decap(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *next, struct decap_in *in)
{
	struct rte_mbuf *m[DP_LOOKUP_BURST];
	uint16_t nx[DP_LOOKUP_BURST], l2[DP_LOOKUP_BURST];
	unsigned int nl2 = 0;

	if (unlikely(in->opts))
		repair(ctx, pkts, next, in);
	for (unsigned int j = 0; j < in->n; j++) {
		struct rte_mbuf *p = pkts[in->idx[j]];
		const struct dp_meta *md = dp_meta(p);
		/* the inner frame ends with the datagram, not with the outer
		 * frame's Ethernet padding */
		uint32_t end = md->l4_off + rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(p,
				const struct rte_udp_hdr *, md->l4_off)->dgram_len);

		if (rte_pktmbuf_pkt_len(p) > end)
			rte_pktmbuf_trim(p, (uint16_t)(rte_pktmbuf_pkt_len(p) - end));
		rte_pktmbuf_adj(p, (uint16_t)(md->l4_off + OV_UDP_HLEN + in->hlen[j]));
		/* what the NIC said (RSS hash, checksums) was of the outer
		 * headers: the inner flow hashes and verifies afresh */
		p->ol_flags &= ~(RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_RX_IP_CKSUM_MASK |
				 RTE_MBUF_F_RX_L4_CKSUM_MASK);
		m[j] = p;
	}
	/* the inner frame is parsed as any frame: a malformed one is a parse
	 * drop like any other */
	dp_parse_burst(ctx, m, (uint16_t)in->n, nx);
	for (unsigned int j = 0; j < in->n; j++) {
		struct dp_meta *md = dp_meta(m[j]);
		const struct dp_entry *ve = in->ve[j];
		const struct rte_ether_hdr *eth;
		uint16_t *x = &next[in->idx[j]];

		if (nx[j] != DP_NEXT_CONTINUE) {
			*x = nx[j];
			continue;
		}
		ctx->stats->events[OV_EVENT(decap)]++;
		md->tunnel = ((const struct ov_peer *)in->pe[j]->params)->tunnel;
		/* the VNI it came with, for observers (flowexp, ov_flowexp.c),
		 * unless the inner packet's own tunnel key is there */
		if (!(md->flags & DP_MF_TUN))
			md->tun_key = in->vni[j];
		if (ve->action == OV_VNI_L3) {
			md->slice = ((const struct ov_vni_l3 *)ve->params)->slice;
			pl_switch_meta_decap(m[j], SW_BD_NONE);
			if (md->flags & DP_MF_IPV4)
				*x = DP_NEXT_EDGE(OV_WAN_EDGE_L3);
			else if (md->flags & DP_MF_IPV6)
				*x = DP_NEXT_EDGE(OV_WAN_EDGE_L3V6);
			else
				*x = DP_NEXT_DROP(OV_DROP(l3_not_ip));
			continue;
		}
		eth = rte_pktmbuf_mtod(m[j], const struct rte_ether_hdr *);
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
			     rte_is_zero_ether_addr(&eth->src_addr))) {
			*x = DP_NEXT_DROP(OV_DROP(inner_src_mac));
			continue;
		}
		md->slice = ((const struct ov_vni_l2 *)ve->params)->slice;
		pl_switch_meta_decap(m[j], ((const struct ov_vni_l2 *)ve->params)->bd);
		*x = DP_NEXT_EDGE(OV_WAN_EDGE_L2);
		l2[nl2++] = in->idx[j];
	}
	if (nl2)
		learn(ctx, pkts, l2, nl2, in->memo_on);
}

/* The tunnel header of m, a datagram of kind type: OV_TUN_OK with *vni and
 * *hlen, or why not. */
static inline enum ov_tun_err
tun_header(struct rte_mbuf *m, const struct dp_meta *md, uint8_t type, uint32_t *vni, uint32_t *hlen)
{
	/* the parser vouched for the UDP length against the packet; what is
	 * read must also be in the first segment */
	uint32_t ulen = RTE_MIN(rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
									  md->l4_off)->dgram_len),
				(uint32_t)rte_pktmbuf_data_len(m) - md->l4_off);

	return ov_tun_read((enum ov_tun_type)type,
			   rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off + OV_UDP_HLEN),
			   ulen - OV_UDP_HLEN, vni, hlen);
}

/* The checks in order (VTEP, outer checksum, tunnel header, VNI, peer) for
 * the packets the memo did not know (idx[], k of them), probes among
 * them (those that came sealed: sealed's bits, by position in the burst);
 * what passes goes into in and the memo. Returns how many went to the
 * underlay. */
static uint16_t
checks(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *next, const uint8_t *kind,
       uint64_t sealed, uint16_t *idx, unsigned int k, uint64_t stamp, struct decap_in *in)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY6_BYTES] __rte_aligned(16);
	struct ip128 dst[DP_LOOKUP_BURST], src[DP_LOOKUP_BURST];
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST], *vt[DP_LOOKUP_BURST], *ve[DP_LOOKUP_BURST];
	uint32_t hlen[DP_LOOKUP_BURST], vnis[DP_LOOKUP_BURST];
	uint8_t at[DP_LOOKUP_BURST];     /* a packet's addresses, by its place in dst[] and src[] */
	unsigned int k2 = 0;
	uint16_t cont = 0;
	uint64_t hit;

	/* 1: the outer destination */
	for (unsigned int j = 0; j < k; j++) {
		outer_words(pkts[idx[j]], dp_meta(pkts[idx[j]]), &dst[j], &src[j]);
		memcpy(keys[j], &dst[j], 16);
		kp[j] = keys[j];
	}
	/* vteps, VNIs and peers repeat along a burst: one lookup a run */
	hit = dp_table_lookup_runs(ctx->root, dp_ctx_count(ctx), pl_ov.vteps, kp, k, e);
	/* 2: for a local VTEP: the outer checksum, the tunnel header; the VNI */
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct dp_meta *md = dp_meta(m);
		uint16_t *nx = &next[idx[j]];
		enum ov_tun_err err;
		uint32_t be;

		if (!(hit >> j & 1)) {   /* not ours: transit UDP */
			*nx = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
			cont++;
			continue;
		}
		if (ov_state_outer_bad(m, md)) {
			*nx = DP_NEXT_DROP(OV_DROP(outer_cksum));
			continue;
		}
		if (unlikely(kind[idx[j]] == K_BFD)) {
			*nx = ov_probe_bfd_rx(m);
			continue;
		}
		if (unlikely(kind[idx[j]] >= K_PROBE)) {
			bool underlay;

			*nx = ov_probe_rx(ctx, m, kind[idx[j]] == K_PING, sealed >> idx[j] & 1, &underlay);
			if (underlay) {
				*nx = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
				cont++;
			}
			continue;
		}
		err = tun_header(m, md, kind[idx[j]], &vnis[k2], &hlen[k2]);
		if (err != OV_TUN_OK) {
			*nx = DP_NEXT_DROP(pl_ov_drop_base + tun_reason[err]);
			continue;
		}
		be = rte_cpu_to_be_32(vnis[k2]);
		memset(keys[k2], 0, SW_KEY_BYTES);
		memcpy(keys[k2], &be, 4);
		kp[k2] = keys[k2];
		vt[k2] = e[j];
		at[k2] = (uint8_t)j;
		idx[k2++] = idx[j];
	}
	k = k2;
	k2 = 0;
	if (k == 0)
		return cont;
	hit = dp_table_lookup_runs(ctx->root, dp_ctx_count(ctx), pl_ov.vnis, kp, k, e);
	/* 3: the VNI's slice, then whether the outer source is its peer */
	for (unsigned int j = 0; j < k; j++) {
		uint16_t slice;

		if (!(hit >> j & 1) || e[j]->action == OV_VNI_NONE) {
			next[idx[j]] = DP_NEXT_DROP(OV_DROP(unknown_vni));
			continue;
		}
		slice = e[j]->action == OV_VNI_L2 ? ((const struct ov_vni_l2 *)e[j]->params)->slice :
						    ((const struct ov_vni_l3 *)e[j]->params)->slice;
		memset(keys[k2], 0, SW_KEY6_BYTES);
		*(rte_be16_t *)keys[k2] = rte_cpu_to_be_16(slice);
		memcpy(keys[k2] + 2, &src[at[j]], 16);
		kp[k2] = keys[k2];
		ve[k2] = e[j];
		vt[k2] = vt[j];
		at[k2] = at[j];
		vnis[k2] = vnis[j];
		hlen[k2] = hlen[j];
		idx[k2++] = idx[j];
	}
	k = k2;
	if (k == 0)
		return cont;
	hit = dp_table_lookup_runs(ctx->root, dp_ctx_count(ctx), pl_ov.peers, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct memo_slot *s;

		if (!(hit >> j & 1) || e[j]->action == OV_PEER_NONE) {
			next[idx[j]] = DP_NEXT_DROP(OV_DROP(unknown_peer));
			continue;
		}
		if (stamp != 0) {
			s = memo_at(memo[ctx->worker], &dst[at[j]], &src[at[j]], vnis[j]);
			s->dst = dst[at[j]];
			s->src = src[at[j]];
			s->vni = vnis[j];
			s->e[0] = vt[j];
			s->e[1] = ve[j];
			s->e[2] = e[j];
			s->stamp = stamp;
		}
		decap_add(in, idx[j], hlen[j], vnis[j], ve[j], e[j]);
	}
	return cont;
}

/* What the memo stood for in this burst, counted as the lookups would
 * have: per slot, not per packet (a site's datagrams share few slots). */
static void
memo_count(struct dp_stage_ctx *ctx, struct memo_slot *const *used, unsigned int nu)
{
	static const int *const tables[3] = { &pl_ov.vteps, &pl_ov.vnis, &pl_ov.peers };
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint32_t cnt[DP_LOOKUP_BURST];

	for (unsigned int t = 0; t < 3; t++) {
		for (unsigned int u = 0; u < nu; u++) {
			e[u] = used[u]->e[t];
			cnt[u] = used[u]->n[t];
		}
		dp_table_count_hits(dp_ctx_count(ctx), (unsigned int)*tables[t], e, cnt, nu);
	}
	for (unsigned int u = 0; u < nu; u++)
		used[u]->n[0] = used[u]->n[1] = used[u]->n[2] = 0;
}

/* IKE (ov_ikeio.h: once sxcd takes it), and where there are SAs (@sas)
 * ESP, NAT keepalives and WireGuard to a VTEP (ov_esp.h, ov_wg.h), the
 * burst's ESP opened a burst of an SA at a time: in *@decided the packets
 * whose way is decided (@next: dropped, taken in, punted, or the
 * underlay's, counted in *@cont), in *@sealed those that go on as the
 * datagram they carried (in *@wg too: WireGuard's); the others were neither. */
static void
esp_open_all(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next, uint16_t *cont,
	     uint64_t *decided, uint64_t *sealed, uint64_t *wg, bool sas, bool ike)
{
	uint8_t at[DP_LOOKUP_BURST];
	bool ok[DP_LOOKUP_BURST];
	uint16_t ne = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);

		/* IKE, once sxcd takes it: its messages to a VTEP are sxcd's */
		switch (ike ? ov_ikeio_kind(m, md) : OV_IKEIO_NOT) {
		case OV_IKEIO_NOT:
			break;
		case OV_IKEIO_MSG:
			next[i] = ov_ikeio_punt(ctx, m, md);
			*decided |= UINT64_C(1) << i;
			continue;
		default:
			next[i] = ov_state_to_vtep(ctx, m, md) ? DP_NEXT_DROP(OV_DROP(ike_malformed)) : OV_ESP_NOT_OURS;
			*decided |= UINT64_C(1) << i;
			continue;
		}
		if (!sas)
			continue;
		switch (ov_wg_kind(m, md)) {
		case OV_WG_NOT:
			break;
		case OV_WG_DATA:
			if (ov_wg_open(ctx, m, md, &next[i])) {
				*sealed |= UINT64_C(1) << i;
				*wg |= UINT64_C(1) << i;
			} else {
				*decided |= UINT64_C(1) << i;
			}
			continue;
		case OV_WG_HANDSHAKE:
			next[i] = ov_wg_handshake(ctx, m, md);
			*decided |= UINT64_C(1) << i;
			continue;
		default:
			next[i] = ov_state_to_vtep(ctx, m, md) ? DP_NEXT_DROP(OV_DROP(wg_malformed)) : OV_ESP_NOT_OURS;
			*decided |= UINT64_C(1) << i;
			continue;
		}
		switch (ov_esp_kind(m, md)) {
		case OV_ESP_NOT:
			break;
		case OV_ESP_KEEPALIVE:
			next[i] = ov_esp_keepalive(ctx, m, md);
			*decided |= UINT64_C(1) << i;
			break;
		default:
			at[ne++] = (uint8_t)i;
			break;
		}
	}
	if (ne != 0) {
		ov_esp_open_burst(ctx, pkts, at, ne, next, ok);
		for (uint16_t j = 0; j < ne; j++)
			if (ok[at[j]])
				*sealed |= UINT64_C(1) << at[j];
			else
				*decided |= UINT64_C(1) << at[j];
	}
	for (uint64_t d = *decided; d != 0; d &= d - 1)
		if (next[__builtin_ctzll(d)] == OV_ESP_NOT_OURS)
			(*cont)++;
}

bool pl_overlay_wan_memo_planted;

/* The stage, with its memos (memo_on) or every datagram through the
 * checks in order and every source through the fdb (the memos' reference). */
static uint16_t
wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next, bool memo_on)
{
	struct memo_slot *mm = memo[ctx->worker], *used[DP_LOOKUP_BURST];
	/* read before any lookup: a memo filled now is stamped no newer
	 * than what the lookups saw */
	uint64_t stamp = memo_on ? dp_table_memo_stamp(ctx->root, dp_table_version(pl_ov.vteps) +
						       dp_table_version(pl_ov.vnis) + dp_table_version(pl_ov.peers)) : 0;
	struct decap_in in;
	uint16_t idx[DP_LOOKUP_BURST];
	uint8_t kind[DP_LOOKUP_BURST];
	unsigned int k = 0, nu = 0;
	uint16_t cont = 0;
	uint64_t sealed_m = 0;	/* which came sealed */
	uint64_t wg_m = 0;	/* ... by WireGuard */
	uint64_t decided = 0;	/* which the encryption decided */
	bool sas = ov_sa_any, ike = ov_ikeio_on;	/* once a burst */
	bool esp = sas || ike;

	RTE_BUILD_BUG_ON(DP_LOOKUP_BURST > 64);

	in.n = 0;
	in.memo_on = memo_on;
	in.opts = false;
	/* ESP and WireGuard are opened first: what they carried is checked
	 * as any tunnel datagram is */
	if (unlikely(esp))
		esp_open_all(ctx, pkts, n, next, &cont, &decided, &sealed_m, &wg_m, sas, ike);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		struct ip128 dst, src;
		struct memo_slot *s;
		uint32_t vni, hlen;
		bool sealed = sealed_m >> i & 1;

		if (unlikely(decided >> i & 1))
			continue;
		if ((kind[i] = kind_of(m, md)) == K_NONE) {
			/* sealed: none of the overlay's, each named for what it is */
			if (unlikely(sealed)) {
				next[i] = (md->flags & DP_MF_FRAG) ? DP_NEXT_DROP(OV_DROP(sealed_fragment)) :
					  (wg_m >> i & 1) ? DP_NEXT_DROP(OV_DROP(wg_inner)) :
					  DP_NEXT_DROP(OV_DROP(esp_inner));
				continue;
			}
			next[i] = DP_NEXT_EDGE(OV_WAN_EDGE_UNDERLAY);
			cont++;
			continue;
		}
		outer_words(m, md, &dst, &src);
		/* a peer whose tunnels are encrypted sends nothing in clear,
		 * its probes neither (a forged answer would keep a dead path up) */
		if (unlikely(sas) && !sealed && kind[i] <= K_PROBE &&
		    ov_sa_clear_refused((const uint8_t *)&src)) {
			next[i] = DP_NEXT_DROP(OV_DROP(esp_required));
			continue;
		}
		/* a datagram from a peer the memo knows: its checks passed
		 * but the checksum and the header, which are the packet's */
		if (kind[i] >= K_PROBE || tun_header(m, md, kind[i], &vni, &hlen) != OV_TUN_OK || stamp == 0 ||
		    !memo_is(s = memo_at(mm, &dst, &src, vni), stamp, &dst, &src, vni)) {
			if (memo_on && kind[i] < K_PROBE)
				ctx->stats->events[OV_EVENT(memo_missed)]++;
			idx[k++] = i;
			continue;
		}
		/* the VTEP of every datagram it knew, the VNI and peer of
		 * those whose checksum was good */
		if ((s->n[0] | s->n[1]) == 0)
			used[nu++] = s;
		s->n[0]++;
		if (ov_state_outer_bad(m, md) && !pl_overlay_wan_memo_planted) {
			next[i] = DP_NEXT_DROP(OV_DROP(outer_cksum));
			continue;
		}
		s->n[1]++;
		s->n[2]++;
		decap_add(&in, i, hlen, vni, s->e[1], s->e[2]);
	}
	if (nu)
		memo_count(ctx, used, nu);
	if (k)
		cont += checks(ctx, pkts, next, kind, sealed_m, idx, k, stamp, &in);
	if (in.n)
		decap(ctx, pkts, next, &in);
	return cont;
}

uint16_t
pl_overlay_wan_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	return wan_burst(ctx, pkts, n, next, false);
}

/* A burst with nothing but tunnel datagrams and underlay packets in
 * clear: probes, BFD and sealed packets change state as they pass (a
 * replay window, a session), so a check's shadow walk must never see
 * them, nor a burst the memos' path would then decline. */
static bool
memo_shape(struct rte_mbuf **pkts, uint16_t n)
{
	if (ov_sa_any)
		return false;
	for (uint16_t i = 0; i < n; i++) {
		uint8_t k = kind_of(pkts[i], dp_meta(pkts[i]));

		if (k != K_VXLAN && k != K_GENEVE && k != K_NONE)
			return false;
		/* GENEVE options: the repair option's windows and blocks
		 * change as frames pass, like a replay window */
		if (k == K_GENEVE) {
			const struct dp_meta *md = dp_meta(pkts[i]);

			if (rte_pktmbuf_data_len(pkts[i]) <= md->l4_off + OV_UDP_HLEN ||
			    OV_GENEVE_OPTLEN(*rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *,
								      md->l4_off + OV_UDP_HLEN)) != 0)
				return false;
		}
	}
	return true;
}

bool
pl_overlay_wan_memo(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	if (!memo_shape(pkts, n))
		return false;
	wan_burst(ctx, pkts, n, next, true);
	return true;
}

uint16_t
pl_overlay_wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint16_t cont = 0;

	/* checked against the memos' reference when SXDP_FAST_CHECK is set */
	if (unlikely(dp_fast_check) && memo_shape(pkts, n) &&
	    dp_fast_run("overlay.wan", ctx, pkts, n, next, pl_overlay_wan_memo, pl_overlay_wan_general)) {
		for (uint16_t i = 0; i < n; i++)
			cont += next[i] == DP_NEXT_CONTINUE;
		return cont;
	}
	return wan_burst(ctx, pkts, n, next, true);
}
