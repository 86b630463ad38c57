/* ov_sa: the overlay's security associations, held for the workers: ESP's (RFC 4303, tunnel mode, AES-GCM per RFC 4106) and WireGuard's sessions (one key, one direction). */
/*
 * An SA is written once and never changed: a rekey is a new SA (a new id,
 * a new SPI) beside the old one, which goes when the control plane deletes
 * it (make-before-break). Keys come in through the control socket
 * (overlay.sa.add) and are never read back: ov_sa_view gives everything
 * else. An outbound SA encrypts what leaves on its path; the newest one
 * added for a path is the one used (the control plane adds the new one
 * once the peer has its inbound twin). An inbound SA is found by its SPI
 * and decrypts what its peer (its outer source) sends to its VTEP (its
 * outer destination); once a peer has an inbound SA, its clear VXLAN and
 * GENEVE are refused (ov_sa_clear_refused).
 *
 * The crypto is DPDK's: an rte_ipsec SA over a session of the AES-GCM
 * crypto PMD (ipsec-mb's aesni_gcm), used synchronously (CPU crypto) by the
 * worker that has the packet. The device is made when the first SA is.
 *
 * A WireGuard session (ov_wg.h) is an SA too: its index is the SPI (ours
 * inbound, the peer's outbound), its key one direction's transport key,
 * its sequence numbers the session's counter; sxcd does the handshake.
 * Its crypto is ipsec-mb's ChaCha20-Poly1305, called directly.
 *
 * Workers read the SAs under the table engine's RCU (dp_tables_sync): an
 * SA deleted is unpublished first and freed once every worker has passed a
 * quiescent point; the SPI index and the per-path bindings are arrays
 * published whole.
 */
#ifndef OV_SA_H
#define OV_SA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ipsec.h>
#include <rte_mbuf.h>

#include "dp_table.h"
#include "ov_replay.h"

#define OV_SA_MAX	1535	/* SA ids 1..OV_SA_MAX: sxcd gives ESP 1..511, WireGuard 512..1023, IKEv2 1024..1535 */
#define OV_SA_WINDOW	1024	/* inbound anti-replay window, packets (the default) */
#define OV_SA_WINDOW_MAX 4096
#define OV_SA_NATT_PORT	4500	/* RFC 3948 */
#define OV_SA_LANES	8	/* outbound ESP SAs a path may seal with at once, one per worker (RFC 9611) */
#define OV_SA_L2_LEN	14	/* the Ethernet header an outbound SA's packets leave with */
/* WireGuard's (ov_wg.h): outer IPv4 (IPv6: 20 more), UDP, the data header
 * (16), at most 15 bytes of padding, the tag (16); its anti-replay window
 * (wireguard-go's is 8128) */
#define OV_SA_WG_FIXED		(20 + 8 + 16 + 16)
#define OV_SA_WG_PAD_MAX	15
#define OV_SA_V6_MORE		20	/* an IPv6 header's 40 bytes against IPv4's 20 */
#define OV_SA_ESP_TAIL_MAX	(3 + 2 + 16)	/* ESP's trailer: at most 3 bytes of padding, its length and
						 * next header, the ICV (AES-GCM's 16) */
#define OV_SA_WG_WINDOW		8000

enum ov_sa_dir { OV_SA_IN, OV_SA_OUT };
enum ov_sa_cipher { OV_SA_AES_GCM_128, OV_SA_AES_GCM_256, OV_SA_WIREGUARD };
/* OV_SA_BLOCK: what a path that must be encrypted has while it has no
 * outbound SA (ov_sa_require): its packets are dropped, never sent clear. */
enum ov_sa_proto { OV_SA_ESP, OV_SA_WG, OV_SA_BLOCK };

/* What a worker counts of one SA (its own row: no atomics). */
struct ov_sa_ctr {
	uint64_t pkts, bytes;	/* encrypted or decrypted and accepted */
	uint64_t replay;	/* inbound: a sequence number seen, or left of the window */
	uint64_t auth;		/* inbound: the ICV did not verify */
	uint64_t bad;		/* malformed ESP (truncated, padding), or not sent (no room) */
} __rte_cache_aligned;

/* What a control method gives to add one (key: AES key then the 4-byte salt). */
struct ov_sa_conf {
	uint16_t id;
	enum ov_sa_dir dir;
	enum ov_sa_cipher cipher;
	uint32_t spi;
	uint8_t key[36];	/* WireGuard: the 32-byte key */
	uint8_t src[16], dst[16];	/* the tables' "ip": IPv4 mapped; both of one family */
	uint16_t path;
	uint8_t lane;		/* out: 0..OV_SA_LANES - 1 */
	uint16_t sport, dport;
	bool esn;
	uint32_t window;	/* inbound: 64 and up; 0 (without ESN): no anti-replay */
	uint64_t seq;		/* outbound: the first sequence number sent (1 for a new SA) */
	uint64_t lifetime_ms;	/* its hard lifetime from now (0: none) */
	/* a takeover's (ov_handover.h): what the SA was before, in the
	 * sxdp it comes from */
	uint64_t age_ns;		/* how long ago it was made (0: now) */
	const struct ov_sa_ctr *counted; /* what it counted (NULL: nothing); ESP out: seq is past it */
	const struct ov_replay *seen;	/* in: its window (NULL: nothing seen) */
};

/* One SA as the workers use it. */
struct ov_sa {
	uint16_t id;
	uint8_t dir, cipher, proto;
	uint32_t spi;			/* host order (WireGuard: its index as read little endian) */
	uint8_t v6;			/* over an IPv6 underlay (its datagrams IPv6 inside too) */
	uint8_t src[16], dst[16];	/* outer addresses ("ip": IPv4 mapped): out: VTEP -> peer; in: peer -> VTEP */
	uint16_t path;			/* out: the path it encrypts for; in (WireGuard, UDP-encapsulated ESP):
					 * the path whose endpoint follows its packets from any source */
	uint8_t lane;			/* out: which of the path's per-worker SAs (RFC 9611) it is */
	uint16_t sport, dport;		/* UDP encapsulation (RFC 3948; WireGuard's ports), host order; 0: none */
	uint16_t overhead;		/* out: the most it adds to a tunnel datagram, bytes */
	uint64_t created_tsc;		/* when it was added (rte_rdtsc) */
	uint64_t expire_tsc;		/* its hard lifetime's end (rte_rdtsc); 0: none */
	struct rte_ipsec_session ss;	/* ss.sa: the rte_ipsec SA */
	struct ov_replay *rp;		/* in: the window that decides (ov_replay.h; NULL: none); its worker's to write */
	void *cses;			/* the crypto session */
	uint8_t wg_key[32];		/* WireGuard: the transport key (its ChaCha20-Poly1305 key) */
	/* WireGuard out: the next counter, taken by the workers (atomically),
	 * on a line of its own */
	uint64_t wg_next __rte_cache_aligned;
	/* what it was made of, its key too, for a takeover to make it again
	 * (ov_sa_handover); ESP out: seq is the number of its first packet
	 * counted (ov_sa_next_seq) */
	struct ov_sa_conf conf;
};

/* Is @s past its hard lifetime at TSC @now? */
static inline bool
ov_sa_expired(const struct ov_sa *s, uint64_t now)
{
	return unlikely(s->expire_tsc != 0) && now >= s->expire_tsc;
}

static inline enum ov_sa_proto
ov_sa_proto_of(enum ov_sa_cipher c)
{
	return c == OV_SA_WIREGUARD ? OV_SA_WG : OV_SA_ESP;
}

/* Are there SAs at all (either way), paths that must be encrypted, or is
 * WireGuard spoken (ov_sa_listening)?
 * What a worker asks first, so that a box without either pays one load
 * for them. */
extern bool ov_sa_present;
static inline bool
ov_sa_any_(void)
{
	return __atomic_load_n(&ov_sa_present, __ATOMIC_RELAXED);
}
#define ov_sa_any ov_sa_any_()

/* What sealing with @s adds to a tunnel datagram of @dlen bytes: ESP's
 * most (its padding is at most 3), WireGuard's exactly (its padding to 16
 * depends on the length: counting the most would refuse what fits). */
static inline uint32_t
ov_sa_overhead(const struct ov_sa *s, uint32_t dlen)
{
	return s->proto == OV_SA_WG ? s->overhead - OV_SA_WG_PAD_MAX + (-dlen & 15) : s->overhead;
}

/* Room for @need bytes of headers before @m's data and @tail after it:
 * a segment whose headroom the outer headers took (an IPv6 underlay's take
 * 20 bytes more) has its data moved toward its end where its tailroom
 * allows. false: no room (the caller's no_headroom). */
static inline bool
ov_sa_room(struct rte_mbuf *m, uint16_t need, uint16_t tail)
{
	uint16_t head = rte_pktmbuf_headroom(m), shift;
	uint8_t *d;

	if (likely(head >= need))
		return true;
	shift = (uint16_t)(need - head);
	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1 ||
	    rte_pktmbuf_tailroom(m) < shift + (m->nb_segs == 1 ? tail : 0))
		return false;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memmove(d + shift, d, m->data_len);
	m->data_off = (uint16_t)(m->data_off + shift);
	return true;
}

/* Per worker and SA (the main lcore's row last: its fragments). */
extern struct ov_sa_ctr *ov_sa_ctr[DP_WORKERS_MAX + 1];

/* The main lcore's row (what it seals: fragments). */
struct ov_sa_ctr *ov_sa_ctr_main(void);

int ov_sa_init(unsigned int workers);
void ov_sa_fini(void);

/* Add @c: 0, -EEXIST (the id is taken), -EADDRINUSE (an inbound SA has
 * its SPI), -ENODEV (no AES-GCM crypto device here), -ENOMEM, -EINVAL. */
int ov_sa_add(const struct ov_sa_conf *c);
/* Delete SA @id once no worker uses it (the path's binding falls back to
 * the newest other outbound SA of the path, if any): 0 or -ENOENT. */
int ov_sa_del(uint16_t id);
/* SA @id (main lcore), NULL: none. */
const struct ov_sa *ov_sa_get(uint16_t id);
/* The number outbound @s numbers its next packet with, with the workers
 * stopped (main lcore): WireGuard's counter; ESP's first number and every
 * number the library took since (each packet given to it is counted
 * sealed or bad: a count never short, so a key never numbers twice). */
uint64_t ov_sa_next_seq(const struct ov_sa *s);
/* What @s counted, every worker's and the main lcore's summed. */
void ov_sa_counted(const struct ov_sa *s, struct ov_sa_ctr *t);

/* The outbound SA of @path's lane 0, else of its first lane that has one
 * (NULL: clear; proto OV_SA_BLOCK: none while one is required): the main
 * lcore's, and a one-lane path's. */
const struct ov_sa *ov_sa_out(uint16_t path);
/* Workers: the outbound SA worker @worker seals @path's packets with: its
 * lane's (worker mod the path's lanes), else ov_sa_out's. A tunnel sealed by
 * each worker with an SA of its own is opened spread over the far end's
 * workers by SPI, each SA by one (RFC 9611). */
const struct ov_sa *ov_sa_out_lane(uint16_t path, unsigned int worker);
/* Is @s used: inbound, or the newest of its path's lane? (main lcore) */
bool ov_sa_active(const struct ov_sa *s);
/* Must what leaves on @path be encrypted (the control plane says so for
 * the paths of its encrypted peers, before their first SA)? Without an
 * outbound SA it is then dropped, not sent clear. 0, or -EINVAL. */
int ov_sa_require(uint16_t path, bool on);
bool ov_sa_required(uint16_t path);
/* Did the control plane say so of @path (ov_sa_require), whatever it was written? */
bool ov_sa_require_told(uint16_t path);
/* The paths table written (its deriver, before the prober's): a path
 * written sealed is never clear from then on, as if required, and clear
 * tunnel datagrams and probes from its far end are refused (esp_required)
 * before its first inbound SA too; written unsealed or deleted, no more. */
void ov_sa_paths_done(const struct dp_update *d, unsigned int n, const int *res);
/* Workers: the outbound SA (or block) of the path from VTEP @src to @dst
 * ("ip": 16 bytes, IPv4 mapped), as its SA says: what answers to @dst from
 * @src are sealed with (a probe turned around); NULL: no SA for them. */
const struct ov_sa *ov_sa_out_to(const uint8_t *src, const uint8_t *dst);
/* Where a path's peer is: an address ("ip") and a UDP port (host order),
 * as the packets of one protocol showed it (another's, WireGuard's after
 * ESP's on a peer whose cipher changed, comes through another NAT mapping). */
struct ov_sa_ep {
	uint8_t ip[16];
	uint16_t port;
	uint8_t proto;	/* enum ov_sa_proto */
};
/* Where path @path's peer is now for @proto's packets, as its verified
 * packets showed (a WireGuard peer roaming, an ESP peer behind a NAT) into
 * @ep: true; false: where its outbound SA says. Workers and main lcore:
 * never waits. */
bool ov_sa_endpoint(uint16_t path, enum ov_sa_proto proto, struct ov_sa_ep *ep);
/* Path @path's endpoint from now on (NULL: its outbound SA's own). */
void ov_sa_roamed(uint16_t path, const struct ov_sa_ep *ep);
/* Workers: a packet of inbound @s (one of a path: s->path) verified and
 * fresh came from @from ("ip") port @sport (host order): the path's
 * endpoint follows it. */
void ov_sa_seen(const struct ov_sa *s, const uint8_t *from, uint16_t sport);

/* The @n (<= 255) items of SAs @sas grouped by SA in one pass: how many
 * groups; group g's SA is @gsa[g], its items (indices into @sas, in their
 * order) @order[@start[g]] on, @cnt[g] of them. An item finds its SA's
 * group in a small table by the SA's address (a burst has few SAs; a
 * search of the groups, as it was, mispredicted on every change of SA
 * when paths are balanced), the groups searched only where two SAs share
 * a slot. */
#define OV_SA_GROUP_BITS 4
static inline unsigned int
ov_sa_group(const struct ov_sa *const *sas, unsigned int n, const struct ov_sa **gsa, uint8_t *start,
	    uint8_t *cnt, uint8_t *order)
{
	uint8_t gof[256], slot[1u << OV_SA_GROUP_BITS] = { 0 };	/* a group + 1, 0: none */
	unsigned int ng = 0;

	for (unsigned int a = 0; a < n; a++) {
		unsigned int h = (unsigned int)(((uintptr_t)sas[a] * 0x9e3779b97f4a7c15ull) >> (64 - OV_SA_GROUP_BITS));
		unsigned int g = slot[h] - 1u;

		if (unlikely(g >= ng || gsa[g] != sas[a])) {
			for (g = ng; g-- > 0 && gsa[g] != sas[a];)
				;
			if (g == UINT_MAX) {
				g = ng++;
				gsa[g] = sas[a];
				cnt[g] = 0;
			}
			slot[h] = (uint8_t)(g + 1);
		}
		gof[a] = (uint8_t)g;
		cnt[g]++;
	}
	for (unsigned int g = 0, o = 0; g < ng; g++) {
		start[g] = (uint8_t)o;
		o += cnt[g];
		cnt[g] = 0;
	}
	for (unsigned int a = 0; a < n; a++)
		order[start[gof[a]] + cnt[gof[a]]++] = (uint8_t)a;
	return ng;
}

/* Where outbound @s's packets go now: its path's endpoint, or its own. */
static inline void
ov_sa_dest(const struct ov_sa *s, struct ov_sa_ep *to)
{
	if (!ov_sa_endpoint(s->path, (enum ov_sa_proto)s->proto, to)) {
		memcpy(to->ip, s->dst, 16);
		to->port = s->dport;
	}
}

/* Workers: the inbound SA of @proto and @spi (host order), NULL: none. */
const struct ov_sa *ov_sa_in(enum ov_sa_proto proto, uint32_t spi);
/* WireGuard is spoken at the VTEPs (its port set) or not: what
 * ov_sa_present also says (main lcore). */
void ov_sa_listening(bool on);
/* Workers: must clear tunnel datagrams from @src ("ip") be refused,
 * because it has an inbound SA or a sealed path? */
bool ov_sa_clear_refused(const uint8_t *src);

#endif
