/* ov_sa: the overlay's ESP SAs, their crypto sessions and the workers' indexes of them (see ov_sa.h). */
#include <errno.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "ov_sa.h"
#include "ov_state.h"
#include "dp_addr.h"
#include "dp_log.h"

#define SA_DEV_NAME	"crypto_aesni_gcm_ov"	/* ipsec-mb's AES-GCM PMD */
#define SA_SESSIONS	(2 * (OV_SA_MAX + 1))
#define SA_SLOTS	4096			/* the SPI index: a power of two above 2 * OV_SA_MAX */
#define GCM_IV_LEN	8			/* on the wire (RFC 4106) */
#define GCM_ICV_LEN	16			/* OV_SA_ESP_TAIL_MAX's */
#define GCM_SALT_LEN	4

struct ov_sa_ctr *ov_sa_ctr[DP_WORKERS_MAX + 1];
bool ov_sa_present;

/* What the workers look SAs up in, published whole. Addresses are
 * "ip" (16 bytes, IPv4 mapped): never all zero. */
struct sa_index {
	struct { uint32_t spi; const struct ov_sa *sa; } in[SA_SLOTS];	/* ESP's SPIs and WireGuard's indices */
	uint8_t peer[SA_SLOTS][16];	/* outer sources of the inbound SAs (all zero: an empty slot) */
	/* the paths of the outbound SAs by their two VTEPs (path 0: an empty slot) */
	struct { uint8_t src[16], dst[16]; uint16_t path; } way[SA_SLOTS];
};

/* A path's endpoint as its peer's packets showed it: two slots, the one
 * @gen names the current; a worker that saw the peer move writes the other
 * and then moves @gen, so a reader never waits for a writer (one that
 * stalls mid-write writes a slot nobody reads). Writers take turns by
 * @busy, and one that finds it taken leaves the move to the other (both
 * saw verified packets: the next one settles it). */
struct sa_ep {
	uint32_t gen;		/* 0: none (where the outbound SA says) */
	uint8_t busy;
	struct ov_sa_ep slot[2];
};

static struct {
	unsigned int workers;
	int dev;			/* the crypto device; -1: not made yet */
	struct rte_mempool *sess_mp;
	struct ov_sa *sa[OV_SA_MAX + 1];	/* the main lcore's */
	/* per path and lane, each pointer published alone; lanes[]: 1 + the
	 * highest lane a path has an SA of */
	const struct ov_sa *out[OV_PATH_MAX + 1][OV_SA_LANES];
	uint8_t lanes[OV_PATH_MAX + 1];
	bool need[OV_PATH_MAX + 1];			/* paths that are never clear (ov_sa_require) */
	uint8_t sealed[OV_PATH_MAX + 1][16];		/* paths written sealed (ov_sa_paths_done): the far end's
							 * address ("ip"), all zero: not sealed */
	bool listening;					/* WireGuard's port is set */
	struct sa_ep ep[OV_PATH_MAX + 1];		/* ov_sa_endpoint's: written by the worker that saw it */
	struct sa_index *index;
} g = { .dev = -1 };

static void present_update(void);

static const uint8_t no_addr[16];

static inline bool
addr_set(const uint8_t *a)
{
	return memcmp(a, no_addr, 16) != 0;
}

/* Told so by the control plane (ov_sa_require) or written so (a sealed
 * path): what leaves on @path is never clear. */
static inline bool
never_clear(uint16_t path)
{
	return g.need[path] || addr_set(g.sealed[path]);
}

/* What a path that must be encrypted uses while it has no SA */
static const struct ov_sa block = { .dir = OV_SA_OUT, .proto = OV_SA_BLOCK };

static inline uint32_t
slot_of(uint32_t v)
{
	return (v * 2654435761u) >> 20 & (SA_SLOTS - 1);	/* 12 bits */
}

/* An address's four words folded for slot_of (IPv4 mapped: its own word
 * against a constant). */
static inline uint32_t
addr_fold(const uint8_t *a)
{
	uint32_t w[4];

	memcpy(w, a, 16);
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

struct ov_sa_ctr *
ov_sa_ctr_main(void)
{
	return ov_sa_ctr[g.workers];
}

int
ov_sa_init(unsigned int workers)
{
	g.workers = workers;
	for (unsigned int w = 0; w <= workers; w++) {
		ov_sa_ctr[w] = rte_zmalloc("ov_sa_ctr", sizeof(struct ov_sa_ctr) * (OV_SA_MAX + 1),
					   RTE_CACHE_LINE_SIZE);
		if (ov_sa_ctr[w] == NULL)
			return -ENOMEM;
	}
	g.index = rte_zmalloc("ov_sa_index", sizeof(*g.index), RTE_CACHE_LINE_SIZE);
	return g.index != NULL ? 0 : -ENOMEM;
}

static void
sa_free(struct ov_sa *s)
{
	if (s == NULL)
		return;
	if (s->cses != NULL)
		rte_cryptodev_sym_session_free((uint8_t)g.dev, s->cses);
	if (s->ss.sa != NULL)
		rte_ipsec_sa_fini(s->ss.sa);	/* zeroed (its salt, its window); a size of 0 if never made */
	rte_free(s->ss.sa);
	rte_free(s->rp);
	explicit_bzero(s, sizeof(*s));	/* nothing of the SA's key state left behind */
	rte_free(s);
}

void
ov_sa_fini(void)
{
	for (unsigned int i = 1; i <= OV_SA_MAX; i++) {
		sa_free(g.sa[i]);
		g.sa[i] = NULL;
	}
	memset(g.out, 0, sizeof(g.out));
	memset(g.lanes, 0, sizeof(g.lanes));
	memset(g.need, 0, sizeof(g.need));
	memset(g.sealed, 0, sizeof(g.sealed));
	memset(g.ep, 0, sizeof(g.ep));
	ov_sa_present = false;
	rte_free(g.index);
	g.index = NULL;
	for (unsigned int w = 0; w <= g.workers; w++) {
		rte_free(ov_sa_ctr[w]);
		ov_sa_ctr[w] = NULL;
	}
	rte_mempool_free(g.sess_mp);
	g.sess_mp = NULL;
	if (g.dev >= 0) {
		rte_cryptodev_stop((uint8_t)g.dev);
		rte_cryptodev_close((uint8_t)g.dev);
		rte_eal_hotplug_remove("vdev", SA_DEV_NAME);
		g.dev = -1;
	}
}

/* The AES-GCM device, made once: 0 or -ENODEV. */
static int
dev_make(void)
{
	struct rte_cryptodev_config conf = { .socket_id = (int)rte_socket_id(), .nb_queue_pairs = 1 };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 128 };
	struct rte_cryptodev_info info;
	int dev;

	if (g.dev >= 0)
		return 0;
	if (rte_cryptodev_get_dev_id(SA_DEV_NAME) < 0 && rte_eal_hotplug_add("vdev", SA_DEV_NAME, "") < 0) {
		DP_LOG(ERR, "overlay: no AES-GCM crypto device (%s): ESP SAs are refused", SA_DEV_NAME);
		return -ENODEV;
	}
	if ((dev = rte_cryptodev_get_dev_id(SA_DEV_NAME)) < 0)
		return -ENODEV;
	rte_cryptodev_info_get((uint8_t)dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
		DP_LOG(ERR, "overlay: %s has no CPU crypto: ESP SAs are refused", SA_DEV_NAME);
		return -ENODEV;
	}
	g.sess_mp = rte_cryptodev_sym_session_pool_create("ov_sa_sess", SA_SESSIONS,
							  rte_cryptodev_sym_get_private_session_size((uint8_t)dev),
							  0, 0, (int)rte_socket_id());
	if (g.sess_mp == NULL)
		return -ENOMEM;
	qp.mp_session = g.sess_mp;
	if (rte_cryptodev_configure((uint8_t)dev, &conf) < 0 ||
	    rte_cryptodev_queue_pair_setup((uint8_t)dev, 0, &qp, (int)rte_socket_id()) < 0 ||
	    rte_cryptodev_start((uint8_t)dev) < 0) {
		DP_LOG(ERR, "overlay: %s does not start: ESP SAs are refused", SA_DEV_NAME);
		rte_mempool_free(g.sess_mp);
		g.sess_mp = NULL;
		return -ENODEV;
	}
	g.dev = dev;
	return 0;
}

/* The outer headers an outbound SA's packets get (rte_ipsec's template,
 * which takes the place of the packet's own Ethernet header): Ethernet
 * (its addresses the underlay rewrite's, later), IPv4 from its VTEP to its
 * peer with DF and TTL 64 (IPv6: hop limit 64), UDP's protocol number when
 * encapsulated (RFC 3948: the library adds the UDP header itself, from the
 * SA's ports). */
static unsigned int
tun_template(const struct ov_sa_conf *c, uint8_t *hdr)
{
	uint8_t proto = c->dport != 0 ? IPPROTO_UDP : IPPROTO_ESP;

	if (!dp_addr_mapped(c->dst)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(hdr + OV_SA_L2_LEN);

		memset(hdr, 0, OV_SA_L2_LEN + sizeof(*ip6));
		*(rte_be16_t *)(hdr + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->proto = proto;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, c->src, 16);
		memcpy(ip6->dst_addr, c->dst, 16);
		return OV_SA_L2_LEN + sizeof(*ip6);
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(hdr + OV_SA_L2_LEN);

	memset(hdr, 0, OV_SA_L2_LEN + sizeof(*ip));
	*(rte_be16_t *)(hdr + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = ov_ip4(c->src);
	ip->dst_addr = ov_ip4(c->dst);
	return OV_SA_L2_LEN + sizeof(*ip);
}

/* The rte_ipsec SA and its crypto session for @c into @s: 0 or -errno. */
static int
sa_make(const struct ov_sa_conf *c, struct ov_sa *s)
{
	unsigned int klen = c->cipher == OV_SA_AES_GCM_256 ? 32 : 16;
	uint8_t hdr[OV_SA_L2_LEN + sizeof(struct rte_ipv6_hdr)];
	bool v6 = !dp_addr_mapped(c->dst);
	struct rte_crypto_sym_xform xf = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.op = c->dir == OV_SA_OUT ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT,
			.algo = RTE_CRYPTO_AEAD_AES_GCM,
			.key = { .data = c->key, .length = (uint16_t)klen },
			.iv = { .offset = 0, .length = 12 },	/* salt + IV: CPU crypto takes it by pointer */
			.digest_length = GCM_ICV_LEN,
			.aad_length = c->esn ? 12 : 8,
		},
	};
	struct rte_ipsec_sa_prm prm = {
		.flags = c->dir == OV_SA_OUT ? RTE_IPSEC_SAFLAG_SQN_ATOM : 0,
		.ipsec_xform = {
			.spi = c->spi,
			.direction = c->dir == OV_SA_OUT ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS :
							   RTE_SECURITY_IPSEC_SA_DIR_INGRESS,
			.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP,
			.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL,
			.tunnel = { .type = v6 ? RTE_SECURITY_IPSEC_TUNNEL_IPV6 : RTE_SECURITY_IPSEC_TUNNEL_IPV4 },
			/* inbound UDP encapsulation is the header skipped
			 * (ov_esp_open's l3_len): the library's own inbound
			 * NAT-T is never set up in 22.11 */
			.options = { .esn = c->esn, .udp_encap = c->dir == OV_SA_OUT && c->dport != 0 },
			/* a window of a power of two from 128 up lets a replay
			 * through when the bitmap has no spare 64-bit block:
			 * one more block than asked for */
			.replay_win_sz = c->dir == OV_SA_IN && c->window != 0 ? c->window + 64 : 0,
			/* out: the first number sent; in: the highest seen */
			.esn = { .value = c->dir == OV_SA_OUT ? c->seq : c->seen != NULL ? c->seen->top : c->seq - 1 },
			.udp = { .sport = c->sport, .dport = c->dport },
		},
		.crypto_xform = &xf,
	};
	int sz, rc;

	memcpy(&prm.ipsec_xform.salt, c->key + klen, GCM_SALT_LEN);
	if (v6) {
		memcpy(&prm.ipsec_xform.tunnel.ipv6.src_addr, c->src, 16);
		memcpy(&prm.ipsec_xform.tunnel.ipv6.dst_addr, c->dst, 16);
	} else {
		memcpy(&prm.ipsec_xform.tunnel.ipv4.src_ip, c->src + 12, 4);
		memcpy(&prm.ipsec_xform.tunnel.ipv4.dst_ip, c->dst + 12, 4);
	}
	prm.tun.hdr_len = (uint8_t)tun_template(c, hdr);
	prm.tun.hdr_l3_off = OV_SA_L2_LEN;
	/* a path's datagrams are of its underlay's family: the trailer's
	 * next header says which, and an inbound SA refuses the other */
	prm.tun.next_proto = v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	prm.tun.hdr = hdr;
	if ((sz = rte_ipsec_sa_size(&prm)) < 0)
		return sz;
	if ((s->ss.sa = rte_zmalloc("ov_sa_ipsec", (size_t)sz, RTE_CACHE_LINE_SIZE)) == NULL)
		return -ENOMEM;
	s->cses = rte_cryptodev_sym_session_create((uint8_t)g.dev, &xf, g.sess_mp);
	/* the key is in the session now; the caller zeroes its copy */
	if (s->cses == NULL)
		return -ENOMEM;
	if ((rc = rte_ipsec_sa_init(s->ss.sa, &prm, (uint32_t)sz)) < 0)
		return rc;
	s->ss.type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
	s->ss.crypto.ses = s->cses;
	s->ss.crypto.dev_id = (uint8_t)g.dev;
	return rte_ipsec_session_prepare(&s->ss);
}

/* @peer ("ip") one whose clear datagrams @n refuses (once). */
static void
peer_add(struct sa_index *n, const uint8_t *peer)
{
	uint32_t h;

	for (h = slot_of(addr_fold(peer)); addr_set(n->peer[h]) && memcmp(n->peer[h], peer, 16) != 0;
	     h = (h + 1) & (SA_SLOTS - 1))
		;
	memcpy(n->peer[h], peer, 16);
}

/* Path @path is the way from VTEP @src to @dst in @n (the first said stays). */
static void
way_add(struct sa_index *n, const uint8_t *src, const uint8_t *dst, uint16_t path)
{
	uint32_t h;

	for (h = slot_of(addr_fold(src) ^ addr_fold(dst));
	     n->way[h].path != 0 && (memcmp(n->way[h].src, src, 16) != 0 || memcmp(n->way[h].dst, dst, 16) != 0);
	     h = (h + 1) & (SA_SLOTS - 1))
		;
	if (n->way[h].path != 0)
		return;
	memcpy(n->way[h].src, src, 16);
	memcpy(n->way[h].dst, dst, 16);
	n->way[h].path = path;
}

/* The SPI index and the peers as the SAs are now, published; the old one
 * freed once no worker reads it. */
static int
index_publish(void)
{
	struct sa_index *n = rte_zmalloc("ov_sa_index", sizeof(*n), RTE_CACHE_LINE_SIZE), *old;

	if (n == NULL)
		return -ENOMEM;
	for (unsigned int i = 1; i <= OV_SA_MAX; i++) {
		const struct ov_sa *s = g.sa[i];
		uint32_t h;

		if (s == NULL || s->dir != OV_SA_IN)
			continue;
		for (h = slot_of(s->spi); n->in[h].sa != NULL; h = (h + 1) & (SA_SLOTS - 1))
			;
		n->in[h].spi = s->spi;
		n->in[h].sa = s;
		peer_add(n, s->src);
	}
	/* a sealed path's far end sends nothing clear, before its first SA too */
	for (unsigned int p = 1; p <= OV_PATH_MAX; p++)
		if (addr_set(g.sealed[p]))
			peer_add(n, g.sealed[p]);
	for (unsigned int i = 1; i <= OV_SA_MAX; i++) {
		const struct ov_sa *s = g.sa[i];
		const struct ov_path *p;

		if (s == NULL || s->dir != OV_SA_OUT)
			continue;
		way_add(n, s->src, s->dst, s->path);
		/* a WireGuard session's far end is where the peer is (behind
		 * a NAT, say), its path's the peer's VTEP, which what the
		 * peer sealed comes from */
		if ((p = ov_state_path(s->path)) != NULL &&
		    (memcmp(p->src, s->src, 16) != 0 || memcmp(p->dst, s->dst, 16) != 0))
			way_add(n, p->src, p->dst, s->path);
	}
	old = g.index;
	__atomic_store_n(&g.index, n, __ATOMIC_RELEASE);
	dp_tables_sync();
	rte_free(old);
	return 0;
}

/* The newest outbound SA of @path's @lane but @skip (NULL: none). */
static const struct ov_sa *
newest_out(uint16_t path, uint8_t lane, const struct ov_sa *skip)
{
	const struct ov_sa *best = NULL;

	for (unsigned int i = 1; i <= OV_SA_MAX; i++) {
		const struct ov_sa *s = g.sa[i];

		if (s != NULL && s != skip && s->dir == OV_SA_OUT && s->path == path && s->lane == lane &&
		    (best == NULL || s->created_tsc > best->created_tsc ||
		     (s->created_tsc == best->created_tsc && s->id > best->id)))
			best = s;
	}
	return best;
}

/* Lane @lane of @path is @s from now on (NULL: none; lane 0 falls back to
 * the block where the path is required), its lane count with it. */
static void
out_set(uint16_t path, uint8_t lane, const struct ov_sa *s)
{
	uint8_t n = 0;

	if (s == NULL && lane == 0 && never_clear(path))
		s = &block;
	__atomic_store_n(&g.out[path][lane], s, __ATOMIC_RELEASE);
	for (uint8_t l = 0; l < OV_SA_LANES; l++)
		if (g.out[path][l] != NULL)
			n = (uint8_t)(l + 1);
	__atomic_store_n(&g.lanes[path], n, __ATOMIC_RELAXED);
}

int
ov_sa_add(const struct ov_sa_conf *c)
{
	struct ov_sa *s;
	int rc;

	enum ov_sa_proto proto = ov_sa_proto_of(c->cipher);
	bool wg = proto == OV_SA_WG, v6 = !dp_addr_mapped(c->dst);

	if (c->id == 0 || c->id > OV_SA_MAX || (!wg && c->spi < 256) || c->lane >= OV_SA_LANES ||
	    (c->lane != 0 && (wg || c->dir != OV_SA_OUT)) ||
	    ((c->dir == OV_SA_OUT || wg) && (c->path == 0 || c->path > OV_PATH_MAX)) ||
	    (c->dir == OV_SA_IN && !wg && (c->window > OV_SA_WINDOW_MAX || (c->window == 0 && c->esn))) ||
	    (c->dport == 0) != (c->sport == 0) || (wg && c->dir == OV_SA_OUT && c->dport == 0) ||
	    dp_addr_mapped(c->src) == v6)
		return -EINVAL;
	if (g.sa[c->id] != NULL)
		return -EEXIST;
	for (unsigned int i = 1; c->dir == OV_SA_IN && i <= OV_SA_MAX; i++)
		if (g.sa[i] != NULL && g.sa[i]->dir == OV_SA_IN && g.sa[i]->proto == proto && g.sa[i]->spi == c->spi)
			return -EADDRINUSE;
	if (!wg && (rc = dev_make()) < 0)
		return rc;
	if ((s = rte_zmalloc("ov_sa", sizeof(*s), RTE_CACHE_LINE_SIZE)) == NULL)
		return -ENOMEM;
	*s = (struct ov_sa){
		.id = c->id, .dir = (uint8_t)c->dir, .cipher = (uint8_t)c->cipher, .proto = (uint8_t)proto,
		.spi = c->spi, .v6 = v6, .path = c->path, .sport = c->sport, .dport = c->dport, .lane = c->lane,
		/* ESP: outer IPv4 or IPv6, [UDP], ESP header, IV, at most 3
		 * bytes of padding, pad length and next header, ICV */
		.overhead = (uint16_t)((v6 ? OV_SA_V6_MORE : 0) +
				       (wg ? OV_SA_WG_FIXED + OV_SA_WG_PAD_MAX :
					     sizeof(struct rte_ipv4_hdr) + (c->dport ? sizeof(struct rte_udp_hdr) : 0) +
					     8 + GCM_IV_LEN + OV_SA_ESP_TAIL_MAX)),
		.created_tsc = rte_rdtsc(),
		.wg_next = c->seq,
		.conf = *c,
	};
	memcpy(s->src, c->src, 16);
	memcpy(s->dst, c->dst, 16);
	s->conf.counted = NULL;
	s->conf.seen = NULL;
	s->conf.age_ns = 0;
	/* made before (a takeover): as old as it was, its order among a
	 * path's SAs (the newest seals) kept */
	if (c->age_ns != 0)
		s->created_tsc -= RTE_MIN(s->created_tsc, (uint64_t)((double)c->age_ns * (double)rte_get_tsc_hz() / 1e9));
	if (c->lifetime_ms != 0)	/* from now, whatever its age */
		s->expire_tsc = rte_rdtsc() + c->lifetime_ms * (rte_get_tsc_hz() / 1000);
	/* WireGuard's window is its own (its counter is 64 bits, its first 0:
	 * each is taken plus one) */
	if (c->dir == OV_SA_IN && c->window != 0 &&
	    ((s->rp = rte_zmalloc("ov_sa_replay", sizeof(*s->rp), RTE_CACHE_LINE_SIZE)) == NULL ||
	     ov_replay_init(s->rp, wg ? OV_SA_WG_WINDOW : c->window + 64, c->esn && !wg) < 0)) {
		rc = s->rp == NULL ? -ENOMEM : -EINVAL;
		sa_free(s);
		return rc;
	}
	if (c->seen != NULL) {
		/* the window it had, as wide as this one */
		if (s->rp == NULL || c->seen->win != s->rp->win || c->seen->mask != s->rp->mask ||
		    c->seen->esn != s->rp->esn) {
			sa_free(s);
			return -EINVAL;
		}
		*s->rp = *c->seen;
	} else if (c->dir == OV_SA_IN && !wg && s->rp != NULL && c->seq > 1) {
		/* a window restored (sxdp restarted): its ESN high half, and
		 * nothing up to its top taken again */
		ov_replay_restore(s->rp, c->seq - 1);
	}
	if (wg)
		memcpy(s->wg_key, c->key, sizeof(s->wg_key));
	else if ((rc = sa_make(c, s)) < 0) {
		sa_free(s);
		return rc;
	}
	for (unsigned int w = 0; w <= g.workers; w++)
		memset(&ov_sa_ctr[w][c->id], 0, sizeof(ov_sa_ctr[w][c->id]));
	if (c->counted != NULL) {
		ov_sa_ctr[g.workers][c->id] = *c->counted;
		/* its first number as if it had counted them here (ov_sa_next_seq) */
		if (!wg && c->dir == OV_SA_OUT)
			s->conf.seq -= RTE_MIN(s->conf.seq - 1, c->counted->pkts + c->counted->bad);
	}
	g.sa[c->id] = s;
	__atomic_store_n(&ov_sa_present, true, __ATOMIC_RELAXED);
	if (c->dir == OV_SA_OUT)
		out_set(c->path, c->lane, s);
	if ((rc = index_publish()) < 0) {
		if (c->dir == OV_SA_OUT)
			out_set(c->path, c->lane, newest_out(c->path, c->lane, s));
		g.sa[c->id] = NULL;
		dp_tables_sync();	/* a worker may have taken it meanwhile */
		sa_free(s);
	}
	return rc;
}

/* @path's lane 0 blocked while it must be sealed and has no SA, no more
 * once it need not. */
static void
block_update(uint16_t path)
{
	const struct ov_sa *o = g.out[path][0];

	if (never_clear(path) && o == NULL)
		out_set(path, 0, &block);
	else if (!never_clear(path) && o == &block)
		out_set(path, 0, NULL);
}

int
ov_sa_require(uint16_t path, bool on)
{
	if (path == 0 || path > OV_PATH_MAX)
		return -EINVAL;
	g.need[path] = on;
	block_update(path);
	present_update();
	return 0;
}

void
ov_sa_paths_done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool changed = false;

	for (unsigned int i = 0; i < n; i++) {
		const struct ov_path *p = (const struct ov_path *)d[i].params;
		uint16_t id = ov_path_written(&d[i], res[i]);
		const uint8_t *now = no_addr;

		if (id == 0)
			continue;
		if (d[i].type != DP_UPD_DELETE && d[i].action != OV_PATH_NONE && p->sealed)
			now = p->dst;
		if (memcmp(g.sealed[id], now, 16) == 0)
			continue;
		memcpy(g.sealed[id], now, 16);
		block_update(id);
		changed = true;
	}
	if (!changed)
		return;
	present_update();
	/* the refusal of a sealed far end's clear datagrams (ov_sa_clear_refused);
	 * out of memory, the last index stands until the next publish */
	if (index_publish() < 0)
		DP_LOG(ERR, "overlay: no memory for the SA index: a sealed path's far end not refused in clear yet");
}

void
ov_sa_listening(bool on)
{
	g.listening = on;
	present_update();
}

bool
ov_sa_require_told(uint16_t path)
{
	return path != 0 && path <= OV_PATH_MAX && g.need[path];
}

bool
ov_sa_required(uint16_t path)
{
	return path != 0 && path <= OV_PATH_MAX && never_clear(path);
}

/* ov_sa_present as the SAs, the required paths and WireGuard are now. */
static void
present_update(void)
{
	bool any = g.listening;

	for (unsigned int i = 1; i <= OV_PATH_MAX && !any; i++)
		any = never_clear((uint16_t)i);

	for (unsigned int i = 1; i <= OV_SA_MAX && !any; i++)
		any = g.sa[i] != NULL;
	__atomic_store_n(&ov_sa_present, any, __ATOMIC_RELAXED);
}

int
ov_sa_del(uint16_t id)
{
	struct ov_sa *s = id <= OV_SA_MAX ? g.sa[id] : NULL;

	if (s == NULL)
		return -ENOENT;
	g.sa[id] = NULL;
	if (s->dir == OV_SA_OUT && g.out[s->path][s->lane] == s)
		out_set(s->path, s->lane, newest_out(s->path, s->lane, s));
	/* publishing waits until no worker reads the old one: nor this SA */
	if (index_publish() < 0) {
		/* the old index still names it: keep it rather than free it under the workers */
		g.sa[id] = s;
		return -ENOMEM;
	}
	sa_free(s);
	present_update();
	return 0;
}

const struct ov_sa *
ov_sa_get(uint16_t id)
{
	return id <= OV_SA_MAX ? g.sa[id] : NULL;
}

void
ov_sa_counted(const struct ov_sa *s, struct ov_sa_ctr *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int w = 0; w <= g.workers; w++) {
		const struct ov_sa_ctr *c = &ov_sa_ctr[w][s->id];

		t->pkts += c->pkts;
		t->bytes += c->bytes;
		t->replay += c->replay;
		t->auth += c->auth;
		t->bad += c->bad;
	}
}

uint64_t
ov_sa_next_seq(const struct ov_sa *s)
{
	struct ov_sa_ctr t;

	if (s->proto == OV_SA_WG)
		return __atomic_load_n(&s->wg_next, __ATOMIC_RELAXED);
	ov_sa_counted(s, &t);
	return s->conf.seq + t.pkts + t.bad;
}

bool
ov_sa_endpoint(uint16_t path, enum ov_sa_proto proto, struct ov_sa_ep *ep)
{
	const struct sa_ep *e = &g.ep[path];
	uint32_t gen = __atomic_load_n(&e->gen, __ATOMIC_ACQUIRE), now;

	for (;;) {
		if (likely(gen == 0))
			return false;
		*ep = e->slot[gen & 1];
		/* a write fills the slot @gen does not name, then names it:
		 * the one read held unless @gen moved meanwhile */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		now = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
		if (likely(now == gen))
			return ep->proto == proto;
		gen = now;
	}
}

void
ov_sa_roamed(uint16_t path, const struct ov_sa_ep *ep)
{
	struct sa_ep *e = &g.ep[path];
	uint32_t gen;

	if (__atomic_exchange_n(&e->busy, 1, __ATOMIC_ACQUIRE) != 0)
		return;		/* another is writing it (ov_sa_seen: the next packet settles it) */
	gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
	if (ep == NULL) {
		gen = 0;
	} else {
		/* 0 is none: a live generation wraps past it */
		gen = gen + 1 == 0 ? 2 : gen + 1;
		/* the slot written is seen after the move that left it unnamed */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		e->slot[gen & 1] = *ep;
	}
	__atomic_store_n(&e->gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&e->busy, 0, __ATOMIC_RELEASE);
}

void
ov_sa_seen(const struct ov_sa *s, const uint8_t *from, uint16_t sport)
{
	struct ov_sa_ep now;
	const struct ov_sa *o;

	if (likely(ov_sa_endpoint(s->path, (enum ov_sa_proto)s->proto, &now))) {
		if (likely(now.port == sport && memcmp(now.ip, from, 16) == 0))
			return;
	} else {
		/* where the control plane says it is: nothing to remember */
		o = ov_sa_out(s->path);
		if (o != NULL && memcmp(o->dst, from, 16) == 0 && o->dport == sport)
			return;
	}
	memcpy(now.ip, from, 16);
	now.port = sport;
	now.proto = s->proto;
	ov_sa_roamed(s->path, &now);
}

const struct ov_sa *
ov_sa_out(uint16_t path)
{
	const struct ov_sa *s = __atomic_load_n(&g.out[path][0], __ATOMIC_ACQUIRE);

	/* lane 0 gone while others are there: never clear for that */
	for (unsigned int l = 1; unlikely(s == NULL) && l < __atomic_load_n(&g.lanes[path], __ATOMIC_RELAXED); l++)
		s = __atomic_load_n(&g.out[path][l], __ATOMIC_ACQUIRE);
	return s;
}

const struct ov_sa *
ov_sa_out_lane(uint16_t path, unsigned int worker)
{
	unsigned int n = __atomic_load_n(&g.lanes[path], __ATOMIC_RELAXED);
	const struct ov_sa *s = n > 1 ? __atomic_load_n(&g.out[path][worker % n], __ATOMIC_ACQUIRE) : NULL;

	/* a lane without an SA (yet, or any more) is another's */
	return s != NULL ? s : ov_sa_out(path);
}

bool
ov_sa_active(const struct ov_sa *s)
{
	return s->dir == OV_SA_IN || g.out[s->path][s->lane] == s;
}

const struct ov_sa *
ov_sa_out_to(const uint8_t *src, const uint8_t *dst)
{
	const struct sa_index *x = __atomic_load_n(&g.index, __ATOMIC_ACQUIRE);

	for (uint32_t h = slot_of(addr_fold(src) ^ addr_fold(dst)); x->way[h].path != 0; h = (h + 1) & (SA_SLOTS - 1))
		if (memcmp(x->way[h].src, src, 16) == 0 && memcmp(x->way[h].dst, dst, 16) == 0)
			return ov_sa_out(x->way[h].path);
	return NULL;
}

const struct ov_sa *
ov_sa_in(enum ov_sa_proto proto, uint32_t spi)
{
	const struct sa_index *x = __atomic_load_n(&g.index, __ATOMIC_ACQUIRE);

	for (uint32_t h = slot_of(spi); x->in[h].sa != NULL; h = (h + 1) & (SA_SLOTS - 1))
		if (x->in[h].spi == spi && x->in[h].sa->proto == proto)
			return x->in[h].sa;
	return NULL;
}

bool
ov_sa_clear_refused(const uint8_t *src)
{
	const struct sa_index *x = __atomic_load_n(&g.index, __ATOMIC_ACQUIRE);

	for (uint32_t h = slot_of(addr_fold(src)); addr_set(x->peer[h]); h = (h + 1) & (SA_SLOTS - 1))
		if (memcmp(x->peer[h], src, 16) == 0)
			return true;
	return false;
}
