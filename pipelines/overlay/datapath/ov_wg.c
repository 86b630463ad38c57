/* ov_wg: WireGuard's data messages sealed and opened, its handshakes handed over (see ov_wg.h). */
#include <errno.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ov_esp.h"
#include "ov_held.h"
#include "ov_state.h"
#include "ov_wg.h"
#include "dp_addr.h"
#include "dp_flowkey.h"
#include "dp_log.h"
#include "dp_parse.h"
#include "dp_slow.h"
#include "dp_table.h"
#include "dp_xdp.h"

#define WG_DATA		4
#define L2		OV_SA_L2_LEN
#define OUTER4		(L2 + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define OUTER6		(L2 + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr))
#define OUTER(v6)	((v6) ? OUTER6 : OUTER4)

uint16_t ov_wg_port;

static struct {
	IMB_MGR *mgr[RTE_MAX_LCORE];	/* each lcore's: its job queue */
	struct rte_mempool *pool;	/* what handshakes and keepalives are sent in */
} w;

OV_HELD_DEFINE(hs, OV_WG_HS_RING, OV_WG_HS_MAX);	/* handshake messages for sxcd */

int
ov_wg_init(void)
{
	unsigned int lc;

	RTE_LCORE_FOREACH(lc) {
		IMB_MGR *m = alloc_mb_mgr(0);

		if (m == NULL)
			return -ENOMEM;
		w.mgr[lc] = m;
		init_mb_mgr_auto(m, NULL);
		if (imb_get_errno(m) != 0) {
			DP_LOG(ERR, "overlay: ipsec-mb does not start: %s", imb_get_strerror(imb_get_errno(m)));
			return -ENODEV;
		}
	}
	w.pool = rte_mempool_lookup(DP_MBUF_POOL_NAME);
	return 0;
}

void
ov_wg_fini(void)
{
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		if (w.mgr[lc] != NULL)
			free_mb_mgr(w.mgr[lc]);
		w.mgr[lc] = NULL;
	}
	ov_held_clear(&hs);
	ov_wg_port = 0;	/* the claims go with the ports */
}

int
ov_wg_kind(const struct rte_mbuf *m, const struct dp_meta *md)
{
	uint16_t port = __atomic_load_n(&ov_wg_port, __ATOMIC_RELAXED);
	uint32_t off = md->l4_off + sizeof(struct rte_udp_hdr);
	const uint8_t *p;
	uint8_t b[4];

	if (port == 0 || !(md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) || (md->flags & (DP_MF_FRAG | DP_MF_L4)) != DP_MF_L4 ||
	    md->l4_proto != IPPROTO_UDP || md->dport != port)
		return OV_WG_NOT;
	if ((p = rte_pktmbuf_read(m, off, 4, b)) == NULL || (p[1] | p[2] | p[3]) != 0)
		return OV_WG_BAD;
	return p[0] == WG_DATA ? OV_WG_DATA : p[0] >= 1 && p[0] <= 3 ? OV_WG_HANDSHAKE : OV_WG_BAD;
}

/* Where a port shares its NIC with the kernel (dp_xdp.h), WireGuard's
 * port at VTEP @key is claimed for sxdp (or no more). */
static void
steer(const uint8_t *key, uint16_t port, bool on)
{
	const struct dp_xdp_claim c = { IPPROTO_UDP, port };

	if (port == 0)
		return;
	if (dp_addr_mapped(key))
		dp_xdp_steer_set("overlay-wg", AF_INET, key + 12, &c, 1, on);
	else
		dp_xdp_steer_set("overlay-wg", AF_INET6, key, &c, 1, on);
}

static int
steer_each(const struct dp_entry_view *ev, void *arg)
{
	const uint32_t *x = arg;	/* the port, and whether claimed */

	if (ev->action == OV_VTEP)
		steer(ev->key, (uint16_t)x[0], x[1] != 0);
	return 0;
}

void
ov_wg_listen(uint16_t port)
{
	uint32_t off[2] = { ov_wg_port, 0 }, on[2] = { port, 1 };

	if (port == ov_wg_port)
		return;
	dp_table_each((unsigned int)pl_ov.vteps, steer_each, off);
	__atomic_store_n(&ov_wg_port, port, __ATOMIC_RELAXED);
	dp_table_each((unsigned int)pl_ov.vteps, steer_each, on);
	ov_sa_listening(port != 0);
}

void
ov_wg_vtep(const uint8_t *key, bool on)
{
	steer(key, ov_wg_port, on);
}

static inline void
put_le32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_le_32(v);
	memcpy(p, &v, 4);
}

static inline void
put_le64(uint8_t *p, uint64_t v)
{
	v = rte_cpu_to_le_64(v);
	memcpy(p, &v, 8);
}

/* The outer headers of a message of @len bytes (the UDP payload) from
 * @src:@sport to @dst:@dport ("ip", of one family), before it at @frame;
 * its dp_meta set. Over IPv6 its UDP checksum is udp6_done's, once the
 * payload is there. */
static void
outer(struct rte_mbuf *m, uint8_t *frame, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
      uint16_t len, uint8_t tos)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct dp_meta *md = dp_meta(m);
	bool v6 = !dp_addr_mapped(dst);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + OUTER(v6) - sizeof(*udp));

	memset(eth, 0, sizeof(*eth));	/* the underlay's rewrite gives the addresses */
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + L2);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		*ip6 = (struct rte_ipv6_hdr){
			.vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20),
			.payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len)),
			.proto = IPPROTO_UDP, .hop_limits = 64,
		};
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, dst, 16);
		md->flags = DP_MF_IPV6 | DP_MF_L4;
		md->ethertype = RTE_ETHER_TYPE_IPV6;
	} else {
		uint8_t *ip = frame + L2;
		rte_be32_t d = ov_ip4(dst);
		uint64_t w0, w1;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		/* composed with its checksum in registers, stored in three moves */
		dp_ipv4_words(tos, (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(*udp) + len), 64, IPPROTO_UDP,
			      ov_ip4(src), d, &w0, &w1);
		memcpy(ip, &w0, 8);
		memcpy(ip + 8, &w1, 8);
		memcpy(ip + 16, &d, 4);
		md->flags = DP_MF_IPV4 | DP_MF_L4;
		md->ethertype = RTE_ETHER_TYPE_IPV4;
	}
	/* no UDP checksum over IPv4: the AEAD's tag covers what matters (RFC
	 * 768 lets IPv4 go without) */
	*udp = (struct rte_udp_hdr){ .src_port = rte_cpu_to_be_16(sport), .dst_port = rte_cpu_to_be_16(dport),
				     .dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len)) };
	md->l2_len = md->l3_off = L2;
	md->l4_off = (uint16_t)(OUTER(v6) - sizeof(*udp));
	md->l4_proto = IPPROTO_UDP;
	md->sport = sport;
	md->dport = dport;
	md->ttl = 64;
}

/* Over IPv6, frame @m (outer's, one segment) its UDP checksum, its payload
 * in place: RFC 8200 8.1 has no zero one. */
static inline void
udp6_done(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *udp;

	if (!(md->flags & DP_MF_IPV6))
		return;
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off);
	udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, md->l4_off);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
}

/* The headers of @m (its plaintext of @clen bytes in place, room for the
 * tag after it) as @s's data message numbered @ctr: where its plaintext is. */
static uint8_t *
seal_head(struct rte_mbuf *m, const struct ov_sa *s, uint64_t ctr, uint16_t clen, uint8_t tos)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *), *hdr = frame + OUTER(s->v6);
	struct ov_sa_ep to;

	ov_sa_dest(s, &to);
	outer(m, frame, s->src, s->sport, to.ip, to.port, (uint16_t)(OV_WG_HDR + clen + OV_WG_TAG), tos);
	hdr[0] = WG_DATA;
	hdr[1] = hdr[2] = hdr[3] = 0;
	put_le32(hdr + 4, s->spi);
	put_le64(hdr + 8, ctr);
	return hdr + OV_WG_HDR;
}

/* ChaCha20-Poly1305 of the @len bytes at @p, in place, with @key and
 * @nonce (alive until the job is done): a job on @mgr, its tag to @tag. */
static void
job_submit(IMB_MGR *mgr, const uint8_t *key, const uint8_t *nonce, uint8_t *p, uint32_t len, uint8_t *tag,
	   bool enc, uint64_t i, unsigned int *res)
{
	static const uint8_t no_aad[16];
	IMB_JOB *j = IMB_GET_NEXT_JOB(mgr);

	j->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	j->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->enc_keys = j->dec_keys = key;
	j->key_len_in_bytes = 32;
	j->src = p;
	j->dst = p;
	j->cipher_start_src_offset_in_bytes = j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_cipher_in_bytes = j->msg_len_to_hash_in_bytes = len;
	j->iv = nonce;
	j->iv_len_in_bytes = 12;
	j->u.CHACHA20_POLY1305.aad = no_aad;
	j->u.CHACHA20_POLY1305.aad_len_in_bytes = 0;
	j->auth_tag_output = tag;
	j->auth_tag_output_len_in_bytes = OV_WG_TAG;
	j->user_data = (void *)(uintptr_t)i;
	for (j = IMB_SUBMIT_JOB(mgr); j != NULL; j = IMB_GET_COMPLETED_JOB(mgr))
		if (j->status != IMB_STATUS_COMPLETED)
			res[(uintptr_t)j->user_data] = OV_DROP(wg_malformed);
}

/* Every job on @mgr done. */
static void
jobs_flush(IMB_MGR *mgr, unsigned int *res)
{
	IMB_JOB *j;

	while ((j = IMB_FLUSH_JOB(mgr)) != NULL)
		if (j->status != IMB_STATUS_COMPLETED)
			res[(uintptr_t)j->user_data] = OV_DROP(wg_malformed);
}

/* @m's datagram (at @off, @dlen bytes) made the plaintext of a message:
 * alone in one segment, padded to 16 bytes with room for the tag, the
 * outer headers' room (of @v6's family) before it. Its padded length, or 0
 * (no room). */
static uint16_t
frame_plain(struct rte_mbuf *m, uint32_t off, uint16_t dlen, bool v6)
{
	uint16_t clen = (uint16_t)RTE_ALIGN_CEIL(dlen, 16);
	uint8_t *pad;

	if (rte_pktmbuf_adj(m, (uint16_t)off) == NULL ||
	    (rte_pktmbuf_pkt_len(m) > dlen && rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - dlen)) < 0) ||
	    rte_pktmbuf_linearize(m) < 0 || !ov_sa_room(m, OUTER(v6) + OV_WG_HDR, clen - dlen + OV_WG_TAG) ||
	    (pad = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(clen - dlen + OV_WG_TAG))) == NULL)
		return 0;
	memset(pad, 0, clen - dlen);
	rte_pktmbuf_prepend(m, (uint16_t)(OUTER(v6) + OV_WG_HDR));
	return clen;
}

void
ov_wg_seal_burst(struct rte_mbuf **m, uint16_t n, const struct ov_sa *s, struct ov_sa_ctr *c, unsigned int *res)
{
	IMB_MGR *mgr = w.mgr[rte_lcore_id()];
	uint8_t nonce[DP_LOOKUP_BURST][12];
	/* the burst's counters taken at once: one atomic a burst */
	uint64_t ctr = __atomic_fetch_add((uint64_t *)(uintptr_t)&s->wg_next, n, __ATOMIC_RELAXED);

	/* every message's job submitted, then all flushed: ipsec-mb works
	 * on several at once */
	for (uint16_t i = 0; i < n; i++, ctr++) {
		struct dp_meta *md = dp_meta(m[i]);
		uint16_t dlen = (uint16_t)(ov_state_ip_end(m[i], md) - md->l3_off), clen;
		uint8_t tos = dp_flowkey_tos(m[i], md);	/* DSCP and ECN go on outside */
		uint8_t *pl;

		res[i] = 0;
		if (unlikely(ctr >= OV_WG_REJECT_AFTER)) {
			res[i] = OV_DROP(wg_counter_exhausted);
			continue;
		}
		if ((clen = frame_plain(m[i], md->l3_off, dlen, s->v6)) == 0) {
			res[i] = OV_DROP(no_headroom);
			continue;
		}
		pl = seal_head(m[i], s, ctr, clen, tos);
		memset(nonce[i], 0, 4);
		put_le64(nonce[i] + 4, ctr);
		job_submit(mgr, s->wg_key, nonce[i], pl, clen, pl + clen, true, i, res);
	}
	jobs_flush(mgr, res);
	for (uint16_t i = 0; i < n; i++) {
		if (res[i] != 0) {
			c[s->id].bad++;
			continue;
		}
		if (s->v6)
			udp6_done(m[i]);
		c[s->id].pkts++;
		c[s->id].bytes += rte_pktmbuf_pkt_len(m[i]);
	}
}

/* Constant time: are the @n bytes at @a and @b the same? */
static inline bool
same(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint8_t d = 0;

	for (unsigned int i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static inline uint64_t
get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return rte_le_to_cpu_64(v);
}

static inline uint32_t
get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_le_to_cpu_32(v);
}

bool
ov_wg_open(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, uint16_t *nx)
{
	uint32_t off = md->l4_off + sizeof(struct rte_udp_hdr), end, wire = rte_pktmbuf_pkt_len(m), clen, ilen;
	struct ov_sa_ctr *c = ov_sa_ctr[ctx->worker];
	uint8_t l2[DP_META_VLAN_MAX * 4 + RTE_ETHER_HDR_LEN], tag[OV_WG_TAG], b[OV_WG_HDR];
	uint8_t nonce[12] = { 0 };
	unsigned int res = 0;
	const uint8_t *hdr;
	const struct ov_sa *s;
	uint16_t l2_len = md->l2_len, sport = md->sport;
	uint8_t from[16], to[16];
	uint64_t ctr;
	uint8_t *pl;

	ov_state_outer_addrs(m, md, to, from);
	if ((hdr = rte_pktmbuf_read(m, off, OV_WG_HDR, b)) == NULL) {
		*nx = ov_state_vtep(ctx, to) ? DP_NEXT_DROP(OV_DROP(wg_malformed)) : OV_ESP_NOT_OURS;
		return false;
	}
	/* a session is found by our index alone: its peer may send from anywhere */
	s = ov_sa_in(OV_SA_WG, get_le32(hdr + 4));
	if (s == NULL || memcmp(s->dst, to, 16) != 0) {
		*nx = ov_state_vtep(ctx, to) ? DP_NEXT_DROP(OV_DROP(wg_unknown_index)) : OV_ESP_NOT_OURS;
		return false;
	}
	if (ov_sa_expired(s, ctx->now)) {
		*nx = DP_NEXT_DROP(OV_DROP(sa_expired));
		return false;
	}
	if (ov_state_sealed_outer_bad(m, md)) {
		*nx = DP_NEXT_DROP(OV_DROP(outer_cksum));
		return false;
	}
	ctr = get_le64(hdr + 8);
	end = ov_state_ip_end(m, md);
	if (l2_len > sizeof(l2) || end > rte_pktmbuf_pkt_len(m) || end < off + OV_WG_HDR + OV_WG_TAG) {
		c[s->id].bad++;
		*nx = DP_NEXT_DROP(OV_DROP(wg_malformed));
		return false;
	}
	/* its window decides first: a replay costs no decryption (the
	 * counter is taken plus one: the first is 0) */
	if (ctr >= OV_WG_REJECT_AFTER || (s->rp != NULL && !ov_replay_fresh_q(s->rp, ctr + 1))) {
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(wg_replay));
		return false;
	}
	memcpy(l2, rte_pktmbuf_mtod(m, const uint8_t *), l2_len);
	/* Ethernet padding is no part of the message */
	if (rte_pktmbuf_pkt_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - end));
	if (rte_pktmbuf_adj(m, (uint16_t)(off + OV_WG_HDR)) == NULL || rte_pktmbuf_linearize(m) < 0) {
		c[s->id].bad++;
		*nx = DP_NEXT_DROP(OV_DROP(wg_malformed));
		return false;
	}
	pl = rte_pktmbuf_mtod(m, uint8_t *);
	clen = rte_pktmbuf_pkt_len(m) - OV_WG_TAG;
	put_le64(nonce + 4, ctr);
	job_submit(w.mgr[rte_lcore_id()], s->wg_key, nonce, pl, clen, tag, false, 0, &res);
	jobs_flush(w.mgr[rte_lcore_id()], &res);
	if (res != 0 || !same(tag, pl + clen, OV_WG_TAG)) {
		c[s->id].auth++;
		*nx = DP_NEXT_DROP(OV_DROP(wg_auth));
		return false;
	}
	if (s->rp != NULL && !ov_replay_take_q(s->rp, ctr + 1)) {
		c[s->id].replay++;
		*nx = DP_NEXT_DROP(OV_DROP(wg_replay));
		return false;
	}
	c[s->id].pkts++;
	c[s->id].bytes += wire;
	/* verified and fresh: where it came from is where the peer is now */
	ov_sa_seen(s, from, sport);
	if (clen == 0) {
		*nx = DP_NEXT_DROP(OV_DROP(wg_keepalive));
		return false;
	}
	/* what it carried is a datagram of the session's family: its own
	 * length says where the padding starts */
	if (s->v6)
		ilen = clen >= sizeof(struct rte_ipv6_hdr) && (pl[0] >> 4) == 6 ?
		       sizeof(struct rte_ipv6_hdr) + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)pl)->payload_len) :
		       UINT32_MAX;
	else
		ilen = clen >= sizeof(struct rte_ipv4_hdr) && (pl[0] >> 4) == 4 ?
		       rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)pl)->total_length) : UINT32_MAX;
	if (ilen > clen || ilen < (s->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr))) {
		*nx = DP_NEXT_DROP(OV_DROP(wg_inner));
		return false;
	}
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - ilen));
	return ov_esp_inner(ctx, m, md, l2, l2_len, s, nx);
}

uint16_t
ov_wg_handshake(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	if (!ov_state_to_vtep(ctx, m, md))
		return OV_ESP_NOT_OURS;
	if (ov_state_sealed_outer_bad(m, md))
		return DP_NEXT_DROP(OV_DROP(outer_cksum));
	md->punt = OV_PUNT_WG_HANDSHAKE;
	return DP_NEXT_PUNT;
}

void
ov_wg_punted(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	uint32_t off = md->l4_off + sizeof(struct rte_udp_hdr), end = ov_state_ip_end(m, md);
	uint32_t len = end > off ? end - off : 0;
	struct ov_held_slot where = { .sport = md->sport, .dport = md->dport };
	int rc;

	ov_state_outer_addrs(m, md, where.dst, where.src);
	/* the three handshake messages have one length each */
	if (end > rte_pktmbuf_pkt_len(m) || (len != 148 && len != 92 && len != 64)) {
		dp_slow_drop(m, OV_DROP(wg_malformed));
		return;
	}
	if ((rc = ov_held_put(&hs, m, off, (uint16_t)len, &where)) < 0) {
		dp_slow_drop(m, rc == -ENOSPC ? OV_DROP(wg_handshake_overrun) : OV_DROP(wg_malformed));
		return;
	}
	dp_slow_event(OV_EVENT(wg_handshake));
	dp_slow_event(OV_EVENT(consumed));
	rte_pktmbuf_free(m);
}

json_t *
ov_wg_recv(unsigned int most)
{
	return ov_held_recv(&hs, most);
}

/* A frame for a message of @len bytes out on @path's underlay from its
 * VTEP:@sport to @dst:@dport ("ip", the path's family), its payload at
 * *@pl: NULL if no mbuf. */
static struct rte_mbuf *
frame_for(const struct ov_path *p, uint16_t sport, const uint8_t *dst, uint16_t dport, uint16_t len, uint8_t **pl)
{
	struct rte_mbuf *m = w.pool != NULL ? rte_pktmbuf_alloc(w.pool) : NULL;
	bool v6 = ov_path_v6(p);
	uint8_t *f;

	if (m == NULL || (f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(OUTER(v6) + len))) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(dp_meta(m), 0, sizeof(struct dp_meta));
	outer(m, f, p->src, sport, dst, dport, len, 0);
	*pl = f + OUTER(v6);
	return m;
}

int
ov_wg_udp_out(uint16_t path, uint16_t sport, const uint8_t *dst, uint16_t dport, const uint8_t *msg, uint16_t len)
{
	const struct ov_path *p = ov_state_path(path);
	struct rte_mbuf *m;
	uint8_t *pl;

	if (p == NULL)
		return -ENOENT;
	if (dp_addr_mapped(dst) == ov_path_v6(p))
		return -EAFNOSUPPORT;
	if ((m = frame_for(p, sport, dst, dport, len, &pl)) == NULL)
		return -ENOMEM;
	memcpy(pl, msg, len);
	udp6_done(m);
	return ov_state_underlay_out(m, p) < 0 ? -EIO : 0;
}

int
ov_wg_send(uint16_t path, const uint8_t *dst, uint16_t dport, const uint8_t *msg, uint16_t len)
{
	const struct ov_path *p = ov_state_path(path);
	const struct ov_sa *o;
	struct ov_sa_ep to;

	if (p == NULL)
		return -ENOENT;
	if (dst == NULL) {
		/* the path's endpoint as roamed, else its session's, else the path's own */
		o = ov_sa_out(path);
		if (o != NULL && o->proto == OV_SA_WG) {
			ov_sa_dest(o, &to);
		} else if (!ov_sa_endpoint(path, OV_SA_WG, &to)) {
			memcpy(to.ip, p->dst, 16);
			to.port = dport;
		}
		dst = to.ip;
		dport = to.port;
	}
	if (dport == 0)
		return -EINVAL;
	return ov_wg_udp_out(path, ov_wg_port, dst, dport, msg, len);
}

int
ov_wg_keepalive(const struct ov_sa *s)
{
	const struct ov_path *p = ov_state_path(s->path);
	uint64_t ctr = __atomic_fetch_add((uint64_t *)(uintptr_t)&s->wg_next, 1, __ATOMIC_RELAXED);
	uint8_t nonce[12] = { 0 };
	unsigned int res = 0;
	struct rte_mbuf *m;
	uint8_t *pl;

	if (p == NULL)
		return -ENOENT;
	if (s->proto != OV_SA_WG || s->dir != OV_SA_OUT || ctr >= OV_WG_REJECT_AFTER || s->v6 != ov_path_v6(p))
		return -EINVAL;
	if ((m = frame_for(p, ov_wg_port, s->dst, s->dport, OV_WG_HDR + OV_WG_TAG, &pl)) == NULL)
		return -ENOMEM;
	pl = seal_head(m, s, ctr, 0, 0);
	put_le64(nonce + 4, ctr);
	job_submit(w.mgr[rte_lcore_id()], s->wg_key, nonce, pl, 0, pl, true, 0, &res);
	jobs_flush(w.mgr[rte_lcore_id()], &res);
	if (res != 0) {
		rte_pktmbuf_free(m);
		return -EIO;
	}
	udp6_done(m);
	ov_sa_ctr_main()[s->id].pkts++;
	ov_sa_ctr_main()[s->id].bytes += rte_pktmbuf_pkt_len(m);
	return ov_state_underlay_out(m, p) < 0 ? -EIO : 0;
}
