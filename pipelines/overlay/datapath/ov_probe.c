/* Path probes: the worker's part (turn a peer's echo around, stamp and
 * punt an answer to ours, punt a BFD control packet) and the main lcore's
 * (send one probe per path per interval, judge the answers, run the BFD
 * sessions, publish each path's state). */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <jansson.h>

#include "ov_probe.h"
#include "ov_repair.h"
#include "ov_bfd.h"
#include "ov_path.h"
#include "ov_seal.h"
#include "ov_sla.h"
#include "ov_state.h"
#include "ov_watch.h"
#include "sw_api.h"
#include "dp_log.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_worker.h"
#include "dp_slow.h"

#define ICMP_ECHO_HLEN 8
#define PROBE_TOS      0xc0     /* CS6, network control: as BFD */

/* ------------------------------------------------------------ workers */

uint32_t (*ov_site_active)[OV_SITE_ACTIVE_MAX];
static uint32_t nonce;            /* this process's, in the probes' flags */
static bool sites_dirty;          /* a path's state changed: sites_publish */

/* The endpoint entry of ip, NULL: none. */
static inline const struct ov_endpoint *
endpoint_known(struct dp_stage_ctx *ctx, const uint8_t *ip)
{
	uint8_t key[SW_KEY_BYTES] __rte_aligned(16) = { 0 };
	const uint8_t *kp = key;
	const struct dp_entry *e;

	memcpy(key, ip, 16);
	return dp_table_lookup(ctx->root, ctx->worker, pl_ov.endpoints, &kp, 1, &e) != 0 &&
	       e->action == OV_ENDPOINT ? (const struct ov_endpoint *)e->params : NULL;
}

/* Turned-around request @m (its headers swapped) sealed toward the peer
 * that sealed it, with the path back's SA: 0, or a drop reason. */
static unsigned int
reseal(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	struct rte_ether_hdr eth = *rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct ov_sa *sa;
	uint8_t src[16], dst[16];
	unsigned int r;

	ov_state_outer_addrs(m, md, dst, src);
	sa = ov_sa_out_to(src, dst);
	if (sa == NULL)
		return OV_DROP(sa_missing);
	ov_seal_burst(&m, 1, sa, ov_sa_ctr[ctx->worker], ctx->now, &r);
	if (r == 0) {
		/* the frame it came in, turned around */
		memcpy(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), &eth, 2 * RTE_ETHER_ADDR_LEN);
	}
	return r;
}

/* A peer's request m turned around where it stands: MACs, addresses and
 * ports swapped; over IPv6 the UDP checksum again (the reply's type is in
 * what it covers; IPv6 has no zero one). */
static void
turn_around(struct rte_mbuf *m, const struct dp_meta *md)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, md->l4_off);
	struct rte_ether_addr mac;
	uint16_t port = udp->src_port;

	rte_ether_addr_copy(&eth->src_addr, &mac);
	rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
	rte_ether_addr_copy(&mac, &eth->dst_addr);
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
	udp->dgram_cksum = 0;
	if (md->flags & DP_MF_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
		uint32_t a = ip->src_addr;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off);
		uint8_t a[16];

		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
		ip6->hop_limits = 64;
		udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip6, md->l4_off);
	}
}

static const uint8_t role_flags[4] = {
	[DP_ROLE_STANDBY] = OV_PROBE_F_STANDBY, [DP_ROLE_FAULT] = OV_PROBE_F_FAULT,
};

/* OV_PROBE_F_SITE_ACTIVE when the box's paths find a box of @site active
 * other than the asker (@asker, its nonce) */
static inline uint32_t
site_active(uint16_t site, uint32_t asker)
{
	for (unsigned int i = 0; i < OV_SITE_ACTIVE_MAX; i++) {
		uint32_t n = __atomic_load_n(&ov_site_active[site][i], __ATOMIC_RELAXED);

		if (n != 0 && n != asker)
			return OV_PROBE_F_SITE_ACTIVE;
	}
	return 0;
}

uint16_t
ov_probe_rx(struct dp_stage_ctx *ctx, struct rte_mbuf *m, bool icmp, bool sealed, bool *underlay)
{
	struct dp_meta *md = dp_meta(m);
	uint32_t off = md->l4_off + (icmp ? ICMP_ECHO_HLEN : sizeof(struct rte_udp_hdr));
	const struct ov_endpoint *ep;
	struct ov_probe_msg *msg;
	uint8_t dst[16], src[16];

	*underlay = false;
	if (off + sizeof(*msg) > rte_pktmbuf_data_len(m) ||
	    (msg = rte_pktmbuf_mtod_offset(m, struct ov_probe_msg *, off))->magic !=
		    rte_cpu_to_be_32(OV_PROBE_MAGIC) || msg->version != OV_PROBE_VERSION) {
		if (icmp) {   /* someone else's ping: the switch's */
			*underlay = true;
			return 0;
		}
		return DP_NEXT_DROP(OV_DROP(probe_bad));
	}
	/* an ICMP answer echoes our request as it was */
	if (icmp || msg->type == OV_PROBE_REPLY) {
		msg->rx = ctx->now;
		md->punt = OV_PUNT_PROBE;
		return DP_NEXT_PUNT;
	}
	if (msg->type != OV_PROBE_REQUEST)
		return DP_NEXT_DROP(OV_DROP(probe_bad));
	/* turned around only for the sites this box knows: no reflector for
	 * anyone who forges a source */
	/* never to a group, a loopback or the address it came to, whatever the
	 * endpoints table says; another of the box's VTEPs only where it names
	 * it (a path between two of its own WAN links) */
	ov_state_outer_addrs(m, md, dst, src);
	if (!(dp_addr_mapped(src) ? dp_addr_ip4_unicast(ov_ip4(src)) : dp_addr_ip6_unicast(src)) ||
	    memcmp(src, dst, 16) == 0)
		return DP_NEXT_DROP(OV_DROP(probe_src));
	if ((ep = endpoint_known(ctx, src)) == NULL)
		return DP_NEXT_DROP(OV_DROP(probe_unknown));
	msg->type = OV_PROBE_REPLY;
	msg->flags = rte_cpu_to_be_32(nonce << OV_PROBE_NONCE_SHIFT | role_flags[dp_role_get() & 3] |
				      site_active(ep->site, rte_be_to_cpu_32(msg->flags) >> OV_PROBE_NONCE_SHIFT));
	turn_around(m, md);
	if (sealed) {   /* sealed: ESP or WireGuard */
		unsigned int r = reseal(ctx, m, md);

		if (r != 0)
			return DP_NEXT_DROP(r);
	}
	md->out_port = md->in_port;
	ctx->stats->events[OV_EVENT(probe_reflected)]++;
	return DP_NEXT_TX;
}

uint16_t
ov_probe_bfd_rx(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);

	/* RFC 5881 5: a single-hop session takes only what no router forwarded */
	if (md->ttl != OV_BFD_TTL)
		return DP_NEXT_DROP(OV_DROP(bfd_ttl));
	md->punt = OV_PUNT_BFD;
	return DP_NEXT_PUNT;
}

/* ------------------------------------------------------------ main lcore */

struct prober {
	uint8_t kind;            /* OV_PATH_SXDP, OV_PATH_ICMP, OV_PATH_BFD; 0 (static): not probed */
	struct ov_path cfg;
	struct ov_sla sla;       /* sxdp, icmp */
	struct ov_bfd bfd;       /* bfd */
	uint64_t settled;        /* answered + lost when last published */
	uint8_t far_role;        /* sxdp: what the far end's latest answer said it is (DP_ROLE_*) */
	uint32_t far_nonce;      /* sxdp: the far end's box, by its latest answer */
	uint64_t partner_until;  /* its far end saw another box of this site active, until then (ns) */
	uint64_t alone_until;    /* ... it saw none active, until then */
	uint64_t up_since;       /* when it came up as published (ns; 0: down) */
	bool held;               /* up, but not yet for its hold_ms: published down */
};

static struct prober *pr;           /* [OV_PATH_MAX + 1] */
static uint16_t used[OV_PATH_MAX];  /* the probed paths */
static unsigned int n_used;
static struct rte_mempool *pool;
static uint64_t hz, tx_tat, tx_iv;

uint64_t
ov_probe_ns(uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)tsc * 1000000000u / hz);
}

int
ov_probe_init(void)
{
	pr = calloc(OV_PATH_MAX + 1, sizeof(*pr));
	ov_site_active = rte_zmalloc("ov_site_active", sizeof(*ov_site_active) * 65536, RTE_CACHE_LINE_SIZE);
	if (pr == NULL || ov_site_active == NULL)
		return -ENOMEM;
	do
		nonce = (uint32_t)rte_rand() & ((1u << (32 - OV_PROBE_NONCE_SHIFT)) - 1);
	while (nonce == 0);
	pool = rte_mempool_lookup(DP_MBUF_POOL_NAME);
	if (pool == NULL) {
		DP_LOG(ERR, "overlay: no packet pool \"%s\" for probes", DP_MBUF_POOL_NAME);
		return -ENOENT;
	}
	hz = rte_get_tsc_hz();
	tx_iv = hz / OV_PROBE_MAX_PPS;
	tx_tat = 0;
	n_used = 0;
	return 0;
}

void
ov_probe_fini(void)
{
	free(pr);
	pr = NULL;
	rte_free(ov_site_active);
	ov_site_active = NULL;
	n_used = 0;
}

bool
ov_probe_far_fault(uint16_t p)
{
	return p <= OV_PATH_MAX && pr != NULL && pr[p].kind == OV_PATH_SXDP && pr[p].sla.up &&
	       pr[p].far_role == DP_ROLE_FAULT;
}

bool
ov_probe_held(uint16_t p)
{
	return p <= OV_PATH_MAX && pr != NULL && pr[p].kind != 0 && pr[p].held;
}

const struct ov_sla *
ov_probe_sla(uint16_t p)
{
	return p <= OV_PATH_MAX && pr != NULL && pr[p].kind != 0 && pr[p].kind != OV_PATH_BFD ?
	       &pr[p].sla : NULL;
}

const struct ov_bfd *
ov_probe_bfd(uint16_t p)
{
	return p <= OV_PATH_MAX && pr != NULL && pr[p].kind == OV_PATH_BFD ? &pr[p].bfd : NULL;
}

static void
unprobe(uint16_t id)
{
	for (unsigned int i = 0; i < n_used; i++)
		if (used[i] == id) {
			used[i] = used[--n_used];
			break;
		}
	pr[id].kind = 0;
	sites_dirty = true;
}

/* Path id's state as a choice sees it: up (to an active or a standby
 * box) only once it has been up for its hold_ms (a failback hold-down:
 * a flapping link takes no traffic back). */
static uint8_t
hold(uint16_t id, uint8_t up)
{
	struct prober *p = &pr[id];
	uint64_t now;

	if (up == OV_LIVE_DOWN) {
		p->up_since = 0;
		p->held = false;
		return up;
	}
	now = ov_probe_ns(rte_rdtsc());
	if (p->up_since == 0)
		p->up_since = now;
	p->held = now - p->up_since < (uint64_t)p->cfg.hold_ms * 1000000u;
	return p->held ? OV_LIVE_DOWN : up;
}

/* Path id came up (as a choice sees it: told once its hold passes) or
 * went down: the watcher told, why. */
static void
tell(uint16_t id, bool up, uint8_t why)
{
	if (up && pr[id].held) {
		DP_LOG(NOTICE, "overlay: path %u held down for %u ms before it is taken", id, pr[id].cfg.hold_ms);
		return;
	}
	ov_watch_path(id, up, why);
}

static void
publish(uint16_t id, const struct ov_sla *s)
{
	struct ov_path_live *l = &ov_path_live[id];
	uint8_t up;

	if (pr[id].kind == OV_PATH_BFD) {
		/* BFD measures no RTT: never within a limit of an SLA */
		__atomic_store_n(&l->rtt_us, OV_PATH_UNMEASURED, __ATOMIC_RELAXED);
		__atomic_store_n(&l->jitter_us, OV_PATH_UNMEASURED, __ATOMIC_RELAXED);
		__atomic_store_n(&l->loss_pm, (uint16_t)OV_PATH_UNMEASURED, __ATOMIC_RELAXED);
		__atomic_store_n(&l->loss_long_pm, (uint16_t)OV_PATH_UNMEASURED, __ATOMIC_RELAXED);
		__atomic_store_n(&l->fec_k, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&l->up, hold(id, ov_bfd_up(&pr[id].bfd) ? OV_LIVE_UP : OV_LIVE_DOWN), __ATOMIC_RELAXED);
		return;
	}

	__atomic_store_n(&l->rtt_us, ov_sla_rtt_us(s), __ATOMIC_RELAXED);
	__atomic_store_n(&l->jitter_us, ov_sla_jitter_us(s), __ATOMIC_RELAXED);
	__atomic_store_n(&l->loss_pm, ov_sla_loss_pm(s), __ATOMIC_RELAXED);
	__atomic_store_n(&l->loss_long_pm, ov_sla_loss_long_pm(s), __ATOMIC_RELAXED);
	__atomic_store_n(&l->fec_k, ov_repair_fec_adapt(l->fec_k, ov_sla_loss_long_pm(s)), __ATOMIC_RELAXED);
	up = hold(id, !s->up || pr[id].far_role == DP_ROLE_FAULT ? OV_LIVE_DOWN :
		      pr[id].far_role == DP_ROLE_STANDBY ? OV_LIVE_STANDBY : OV_LIVE_UP);
	if (up != l->up)
		sites_dirty = true;   /* which boxes the paths find active may have changed */
	__atomic_store_n(&l->up, up, __ATOMIC_RELAXED);
}

/* A path set up, changed or gone: probed ones start down and prove
 * themselves; a change of where it goes starts it afresh, a change of its
 * timers keeps what it knows (a BFD session tells its far end of them). A
 * BFD session's discriminator names its path in the low bits, so that a
 * packet finds its session without a search, and is random above them
 * (RFC 5880 6.8.1), so that a restarted box's is new. */
static void
path_apply(uint16_t id, uint16_t action, const struct ov_path *c)
{
	struct prober *p = &pr[id];
	struct ov_sla_cfg sc = { .interval_ns = (uint64_t)c->interval_ms * 1000000u,
				 .down_after = c->down_after, .up_after = c->up_after };
	struct ov_bfd_cfg bc = { .interval_us = (uint32_t)c->interval_ms * 1000u, .mult = c->down_after };
	uint64_t now = ov_probe_ns(rte_rdtsc());

	if (action != OV_PATH_SXDP && action != OV_PATH_ICMP && action != OV_PATH_BFD) {
		if (p->kind)
			unprobe(id);
		memset(&ov_path_live[id], 0, sizeof(ov_path_live[id]));
		__atomic_store_n(&ov_path_live[id].up, action == OV_PATH_STATIC, __ATOMIC_RELAXED);
		return;
	}
	if (p->kind == action && memcmp(p->cfg.src, c->src, 16) == 0 && memcmp(p->cfg.dst, c->dst, 16) == 0 &&
	    p->cfg.vrf == c->vrf && memcmp(p->cfg.gw, c->gw, 16) == 0) {
		if (action == OV_PATH_BFD)
			ov_bfd_reconfig(&p->bfd, &bc, now);
		else
			ov_sla_reconfig(&p->sla, &sc, now);
		p->cfg = *c;
		return;
	}
	if (!p->kind)
		used[n_used++] = id;
	p->kind = (uint8_t)action;
	p->cfg = *c;
	p->settled = 0;
	p->far_role = DP_ROLE_ACTIVE;
	p->up_since = 0;
	p->held = false;
	if (action == OV_PATH_BFD)
		ov_bfd_init(&p->bfd, &bc, (uint32_t)(rte_rand() & ~(uint64_t)OV_PATH_MAX) | id, now);
	else
		ov_sla_init(&p->sla, &sc, now);
	publish(id, &p->sla);
}

bool
ov_probe_cut_off(void)
{
	if (n_used == 0)
		return false;   /* static paths alone: never known down */
	for (unsigned int i = 0; i < n_used; i++)
		if (ov_path_alive(used[i]))
			return false;
	/* a static path (not probed) is up while it exists */
	for (unsigned int p = 1; p <= OV_PATH_MAX; p++)
		if (ov_path_alive((uint16_t)p))
			return false;
	return true;
}

json_t *
ov_probe_handover_out(void)
{
	json_t *up = json_array();

	for (unsigned int i = 0; i < n_used; i++)
		if (pr[used[i]].kind != OV_PATH_BFD && pr[used[i]].sla.up)
			json_array_append_new(up, json_integer(used[i]));
	return up;
}

int
ov_probe_handover_in(json_t *up)
{
	uint64_t now = ov_probe_ns(rte_rdtsc());
	json_t *v;
	size_t i;

	json_array_foreach(up, i, v) {
		json_int_t id = json_integer_value(v);

		if (id < 1 || id > OV_PATH_MAX || pr[id].kind == 0 || pr[id].kind == OV_PATH_BFD || pr[id].sla.up)
			continue;
		ov_sla_resume_up(&pr[id].sla, now);
		/* up in the process it takes over from, held down no more */
		pr[id].up_since = now - (uint64_t)pr[id].cfg.hold_ms * 1000000u - 1;
		publish((uint16_t)id, &pr[id].sla);
		ov_watch_path((uint16_t)id, true, OV_WHY_TAKEOVER);
	}
	return 0;
}

/* path_apply, and a state it changed told as a change of configuration */
static void
path_set(uint16_t id, uint16_t action, const struct ov_path *c)
{
	bool was = ov_path_up(id);

	path_apply(id, action, c);
	if (ov_path_up(id) != was)
		ov_watch_path(id, !was, OV_WHY_CONFIG);
}

void
ov_probe_paths_done(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		uint16_t id = ov_path_written(&d[i], res[i]);

		if (id == 0)
			continue;
		path_set(id, d[i].type == DP_UPD_DELETE ? OV_PATH_NONE : d[i].action,
			 (const struct ov_path *)d[i].params);
		ov_watch_dirty(true);
	}
}

/* The IP header of a probe (or BFD control packet) of path p at l3 (len
 * bytes of IP packet), the metadata that the underlay send and the
 * switch's hold queue read: IPv4, or IPv6 where the path is. */
static void
probe_ip(struct rte_mbuf *m, const struct prober *p, uint8_t *l3, uint16_t len, uint8_t ttl)
{
	struct dp_meta *md = dp_meta(m);
	bool v6 = ov_path_v6(&p->cfg), icmp = p->kind == OV_PATH_ICMP;

	/* the private area of a fresh mbuf still holds an earlier packet's */
	memset(md, 0, sizeof(*md));
	md->flags = (v6 ? DP_MF_IPV6 : DP_MF_IPV4) | DP_MF_L4;
	md->l2_len = md->l3_off = RTE_ETHER_HDR_LEN;
	md->l4_off = RTE_ETHER_HDR_LEN + (v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr));
	md->ethertype = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	md->l4_proto = !icmp ? IPPROTO_UDP : v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	md->ttl = ttl;
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)PROBE_TOS << 20);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*ip6)));
		ip6->proto = md->l4_proto;
		ip6->hop_limits = ttl;
		memcpy(ip6->src_addr, p->cfg.src, 16);
		memcpy(ip6->dst_addr, p->cfg.dst, 16);
		return;
	}
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = PROBE_TOS;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = ttl;
		ip->next_proto_id = md->l4_proto;
		ip->src_addr = ov_ip4(p->cfg.src);
		ip->dst_addr = ov_ip4(p->cfg.dst);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

/* Every probe and BFD packet the box sends, bounded whatever the paths
 * and their state. */
static bool
tx_allowed(uint64_t tsc)
{
	if (tx_tat > tsc + tx_iv * OV_PROBE_MAX_PPS / 10) {
		dp_slow_event(OV_EVENT(probe_limited));
		return false;
	}
	tx_tat = RTE_MAX(tx_tat, tsc) + tx_iv;
	return true;
}

/* The IP header's length of path p's packets. */
static inline uint16_t
ip_len(const struct prober *p)
{
	return ov_path_v6(&p->cfg) ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
}

/* A frame of path p with an IP header (ttl), which *l3 points to, and
 * l4_len bytes after it; NULL past the rate bound or out of mbufs. */
static struct rte_mbuf *
probe_frame(const struct prober *p, uint16_t l4_len, uint8_t ttl, uint64_t tsc, uint8_t **l3)
{
	static const uint8_t zero[6];
	uint16_t len = (uint16_t)(ip_len(p) + l4_len);
	struct rte_mbuf *m;

	if (!tx_allowed(tsc))
		return NULL;
	m = dp_slow_frame(pool, zero, zero, 0, ov_path_v6(&p->cfg) ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4,
			  len, l3);
	if (m == NULL)
		return NULL;
	probe_ip(m, p, *l3, len, ttl);
	return m;
}

static void
probe_send(uint16_t id, const struct prober *p, uint32_t seq, uint64_t tsc)
{
	bool v6 = ov_path_v6(&p->cfg);
	uint16_t l4 = p->kind == OV_PATH_ICMP ? ICMP_ECHO_HLEN : sizeof(struct rte_udp_hdr);
	const struct ov_sa *sa;
	struct ov_probe_msg *msg;
	struct rte_mbuf *m;
	uint8_t *pl, *l4p;

	m = probe_frame(p, l4 + sizeof(*msg), 64, tsc, &pl);
	if (m == NULL)
		return;
	l4p = pl + ip_len(p);
	msg = (struct ov_probe_msg *)(l4p + l4);
	memset(msg, 0, sizeof(*msg));
	msg->magic = rte_cpu_to_be_32(OV_PROBE_MAGIC);
	msg->version = OV_PROBE_VERSION;
	msg->type = OV_PROBE_REQUEST;
	msg->path = rte_cpu_to_be_16(id);
	msg->seq = rte_cpu_to_be_32(seq);
	msg->flags = rte_cpu_to_be_32(nonce << OV_PROBE_NONCE_SHIFT);
	msg->tx = tsc;
	if (p->kind == OV_PATH_ICMP) {
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)l4p;

		/* ICMPv6's echo (RFC 4443 4.1) is ICMP's with other types and
		 * a checksum over the pseudo-header too */
		icmp->icmp_type = v6 ? 128 : RTE_IP_ICMP_ECHO_REQUEST;
		icmp->icmp_code = 0;
		icmp->icmp_ident = rte_cpu_to_be_16(id);
		icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)seq);
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)pl, icmp) :
				   (uint16_t)~rte_raw_cksum(icmp, l4 + sizeof(*msg));
	} else {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4p;

		udp->src_port = udp->dst_port = rte_cpu_to_be_16(OV_PROBE_PORT);
		udp->dgram_len = rte_cpu_to_be_16(l4 + sizeof(*msg));
		udp->dgram_cksum = 0;
		if (v6)   /* IPv6 has no zero UDP checksum */
			udp->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)pl, udp);
	}
	/* to a peer sxdp over an encrypted path: inside the encryption, what
	 * the path's traffic goes through, and answered from inside it alone */
	if (p->kind == OV_PATH_SXDP && (sa = ov_sa_out(id)) != NULL) {
		unsigned int r;

		ov_seal_burst(&m, 1, sa, ov_sa_ctr_main(), tsc, &r);
		if (r != 0) {
			/* counted as sent: the path's judge sees it lost */
			dp_slow_event(OV_EVENT(probe_sent));
			dp_slow_drop(m, r);
			return;
		}
	}
	if (ov_state_underlay_out(m, &p->cfg) == 0)
		dp_slow_event(OV_EVENT(probe_sent));
}

/* ---- BFD sessions */

/* One control packet of path id's session, from its VTEP (UDP from the
 * session's own port, RFC 5881 4) with TTL 255, in clear: a router's
 * bfdd sees the underlay (over an encrypted path, the TTL check is what
 * keeps a forger off). */
static void
bfd_send(uint16_t id, const struct prober *p, const struct ov_bfd_pkt *b, uint64_t tsc)
{
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;
	uint8_t *l3;

	m = probe_frame(p, sizeof(*udp) + sizeof(*b), OV_BFD_TTL, tsc, &l3);
	if (m == NULL)
		return;
	udp = (struct rte_udp_hdr *)(l3 + ip_len(p));
	udp->src_port = rte_cpu_to_be_16(OV_BFD_SPORT_BASE + id);
	udp->dst_port = rte_cpu_to_be_16(OV_BFD_PORT);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + sizeof(*b));
	memcpy(udp + 1, b, sizeof(*b));
	udp->dgram_cksum = 0;
	udp->dgram_cksum = ov_path_v6(&p->cfg) ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, udp) :
			   rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, udp);
	if (ov_state_underlay_out(m, &p->cfg) == 0)
		dp_slow_event(OV_EVENT(bfd_sent));
}

/* Path id's session changed state: a change of Up is the path's. */
static void
bfd_changed(uint16_t id, struct prober *p)
{
	const struct ov_bfd *b = &p->bfd;
	bool up = ov_bfd_up(b);

	if (up == ov_path_up(id))
		return;
	DP_LOG(NOTICE, "overlay: path %u %s (BFD %s, %s)", id, up ? "up" : "down", ov_bfd_state_name[b->state],
	       ov_bfd_diag_name[b->diag]);
	dp_slow_event(up ? OV_EVENT(path_up) : OV_EVENT(path_down));
	publish(id, NULL);
	tell(id, up, up ? OV_WHY_BFD_UP : b->diag == OV_BFD_DIAG_TIME_EXPIRED ? OV_WHY_BFD_TIMEOUT :
		     OV_WHY_BFD_NEIGHBOR_DOWN);
}

static void
bfd_poll(uint16_t id, struct prober *p, uint64_t now, uint64_t now_tsc, uint64_t judge)
{
	struct ov_bfd_pkt b;

	if (judge != 0 && ov_bfd_judge(&p->bfd, judge))
		bfd_changed(id, p);
	while (ov_bfd_due(&p->bfd, now, (uint32_t)rte_rand(), &b))
		bfd_send(id, p, &b, now_tsc);
}

/* The session a packet is for: by Your Discriminator, whose low bits name
 * the path; or, when it is 0 (the far end knows none of ours yet), by the
 * path's ends. Either way from the path's far end to its VTEP. */
static struct prober *
bfd_session(uint32_t your, const uint8_t *dst, const uint8_t *src, uint16_t *id)
{
	struct prober *p;

	if (your != 0) {
		*id = (uint16_t)(your & OV_PATH_MAX);
		p = &pr[*id];
		return p->kind == OV_PATH_BFD && p->bfd.local_disc == your && memcmp(src, p->cfg.dst, 16) == 0 &&
		       memcmp(dst, p->cfg.src, 16) == 0 ? p : NULL;
	}
	for (unsigned int i = 0; i < n_used; i++) {
		p = &pr[used[i]];
		if (p->kind == OV_PATH_BFD && memcmp(src, p->cfg.dst, 16) == 0 && memcmp(dst, p->cfg.src, 16) == 0) {
			*id = used[i];
			return p;
		}
	}
	return NULL;
}

/* The UDP datagram's checksum holds (IPv4's may be none; IPv6's may not). */
static bool
udp_ok(struct rte_mbuf *m, const struct dp_meta *md, const struct rte_udp_hdr *udp)
{
	if (md->flags & DP_MF_IPV4)
		return udp->dgram_cksum == 0 ||
		       rte_ipv4_udptcp_cksum_mbuf_verify(m, rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
										     md->l3_off), md->l4_off) == 0;
	return rte_ipv6_udptcp_cksum_mbuf_verify(m, rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									     md->l3_off), md->l4_off) == 0;
}

void
ov_probe_bfd_in(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_udp_hdr ub;
	const struct rte_udp_hdr *udp = rte_pktmbuf_read(m, md->l4_off, sizeof(ub), &ub);
	uint8_t dst[16], src[16];
	const struct ov_bfd_pkt *bp = NULL;
	struct ov_bfd_pkt b;
	struct prober *p;
	uint32_t len;
	uint16_t id;

	len = udp == NULL ? 0 : rte_be_to_cpu_16(udp->dgram_len);
	if (len >= sizeof(*udp) + OV_BFD_LEN && md->l4_off + len <= rte_pktmbuf_pkt_len(m) && udp_ok(m, md, udp))
		bp = rte_pktmbuf_read(m, md->l4_off + sizeof(*udp), sizeof(b), &b);
	if (bp == NULL || ov_bfd_check(bp, len - (uint32_t)sizeof(*udp)) != OV_BFD_OK) {
		dp_slow_drop(m, OV_DROP(bfd_malformed));
		return;
	}
	ov_state_outer_addrs(m, md, dst, src);
	p = bfd_session(rte_be_to_cpu_32(bp->your_disc), dst, src, &id);
	if (p == NULL) {
		dp_slow_drop(m, OV_DROP(bfd_no_session));
		return;
	}
	if (ov_bfd_recv(&p->bfd, bp, ov_probe_ns(rte_rdtsc())))
		bfd_changed(id, p);
	dp_slow_event(OV_EVENT(bfd_received));
	dp_slow_event(OV_EVENT(consumed));
	rte_pktmbuf_free(m);
}

/* Every site's boxes the paths find active (up, their far end saying
 * active), by their nonces: what the workers tell a box of that site
 * asking (OV_PROBE_F_SITE_ACTIVE). After any change of a path's state. */
static void
sites_publish(void)
{
	static uint16_t lit[OV_PATH_MAX];
	static unsigned int n_lit;
	uint32_t want[OV_PATH_MAX][OV_SITE_ACTIVE_MAX];
	uint16_t site[OV_PATH_MAX];
	unsigned int n = 0;

	sites_dirty = false;
	for (unsigned int i = 0; i < n_used; i++) {
		const struct prober *p = &pr[used[i]];
		uint8_t k[DP_KEY_MAX] = { 0 };
		const struct dp_entry *e;
		unsigned int j, s;

		if (p->kind != OV_PATH_SXDP || !ov_path_up(used[i]) || p->far_nonce == 0)
			continue;
		memcpy(k, p->cfg.dst, 16);
		if ((e = dp_table_find(pl_ov.endpoints, k)) == NULL || e->action != OV_ENDPOINT)
			continue;
		s = ((const struct ov_endpoint *)e->params)->site;
		for (j = 0; j < n && site[j] != s; j++)
			;
		if (j == n) {
			site[n] = (uint16_t)s;
			memset(want[n++], 0, sizeof(want[0]));
		}
		for (unsigned int x = 0; x < OV_SITE_ACTIVE_MAX; x++)
			if (want[j][x] == 0 || want[j][x] == p->far_nonce) {
				want[j][x] = p->far_nonce;
				break;
			}
	}
	/* the sites no longer lit first, then the new set: a worker reads one
	 * or the other for a site, never a box of another site */
	for (unsigned int i = 0; i < n_lit; i++) {
		unsigned int j;

		for (j = 0; j < n && site[j] != lit[i]; j++)
			;
		if (j == n)
			for (unsigned int x = 0; x < OV_SITE_ACTIVE_MAX; x++)
				__atomic_store_n(&ov_site_active[lit[i]][x], 0, __ATOMIC_RELAXED);
	}
	for (unsigned int j = 0; j < n; j++) {
		for (unsigned int x = 0; x < OV_SITE_ACTIVE_MAX; x++)
			__atomic_store_n(&ov_site_active[site[j]][x], want[j][x], __ATOMIC_RELAXED);
		lit[j] = site[j];
	}
	n_lit = n;
}

int
ov_probe_partner(void)
{
	uint64_t now = ov_probe_ns(rte_rdtsc());
	bool gone = false;

	for (unsigned int i = 0; i < n_used; i++) {
		if (pr[used[i]].partner_until > now)
			return DP_PARTNER_ACTIVE;
		gone |= pr[used[i]].alone_until > now;
	}
	return gone ? DP_PARTNER_GONE : DP_PARTNER_UNKNOWN;
}

/* The main lcore not polled for this long: the process stood still. */
#define STALL_NS (50 * 1000000ull)

void
ov_probe_poll(uint64_t now_tsc)
{
	static uint64_t last;
	uint64_t now = ov_probe_ns(now_tsc);
	/* silence is judged up to where every worker has looked at its queues:
	 * answers still waiting in a stalled worker's RX ring are no loss */
	uint64_t seen = dp_workers_seen();
	uint64_t judge = ov_probe_ns(RTE_MIN(now_tsc, seen));
	bool stalled = last != 0 && now - last > STALL_NS;

	if (stalled) {
		DP_LOG(NOTICE, "overlay: the prober stood still %.0f ms: the paths' silence meanwhile was its own",
		       (double)(now - last) / 1e6);
		dp_slow_event(OV_EVENT(probe_stalled));
	}
	last = now;

	for (unsigned int i = 0; i < n_used; i++) {
		uint16_t id = used[i];
		struct prober *p = &pr[id];
		uint32_t seq;

		/* up for its hold-down: taken again */
		if (p->held && now - p->up_since >= (uint64_t)p->cfg.hold_ms * 1000000u) {
			publish(id, &p->sla);
			if (!p->held && ov_path_alive(id))
				ov_watch_path(id, ov_path_up(id), OV_WHY_HOLD_PASSED);
		}
		if (p->kind == OV_PATH_BFD) {
			bfd_poll(id, p, now, now_tsc, seen != 0 ? judge : 0);
			continue;
		}
		if (stalled)
			ov_sla_stalled(&p->sla, now);
		if (ov_sla_due(&p->sla, now, &seq))
			probe_send(id, p, seq, now_tsc);
		if (seen != 0 && ov_sla_judge(&p->sla, judge)) {
			DP_LOG(NOTICE, "overlay: path %u %s", id, p->sla.up ? "up" : "down");
			dp_slow_event(p->sla.up ? OV_EVENT(path_up) : OV_EVENT(path_down));
			publish(id, &p->sla);
			tell(id, p->sla.up && p->far_role == DP_ROLE_ACTIVE,
			     p->sla.up ? OV_WHY_PROBES_ANSWERED : OV_WHY_PROBE_TIMEOUT);
		} else if (p->sla.st.answered + p->sla.st.lost != p->settled) {
			publish(id, &p->sla);
			ov_watch_dirty(false);
		}
		p->settled = p->sla.st.answered + p->sla.st.lost;
	}
	if (sites_dirty)
		sites_publish();
}

/* What the far end of path id says it is, by its latest answer: active
 * (alone, or its pair's active), its pair's standby, or in fault. A change
 * is the path's as a choice sees it (ov_path.h): published and told. */
static void
far_role(uint16_t id, struct prober *p, rte_be32_t flags)
{
	static const char *const said[] = { "active", "its pair's standby", "in fault (no LAN): taken as down" };
	static const uint8_t why[] = { OV_WHY_FAR_ACTIVE, OV_WHY_FAR_STANDBY, OV_WHY_FAR_FAULT };
	uint32_t f = rte_be_to_cpu_32(flags), n = f >> OV_PROBE_NONCE_SHIFT;
	uint8_t role = f & OV_PROBE_F_FAULT ? DP_ROLE_FAULT : f & OV_PROBE_F_STANDBY ? DP_ROLE_STANDBY : DP_ROLE_ACTIVE;

	/* good for two probe intervals: the answers after it say again (an
	 * answer with no nonce is from a box that says nothing of it) */
	if (n == 0) {
		p->partner_until = p->alone_until = 0;
	} else if (f & OV_PROBE_F_SITE_ACTIVE) {
		p->partner_until = ov_probe_ns(rte_rdtsc()) + 2 * p->sla.cfg.interval_ns;
		p->alone_until = 0;
	} else {
		p->alone_until = ov_probe_ns(rte_rdtsc()) + 2 * p->sla.cfg.interval_ns;
		p->partner_until = 0;
	}
	if (role == p->far_role && n == p->far_nonce)
		return;
	if (n != p->far_nonce) {   /* another process there: what it is counts anew */
		p->far_nonce = n;
		sites_dirty = true;
	}
	if (role == p->far_role)
		return;
	p->far_role = role;
	if (!p->sla.up)
		return;
	DP_LOG(NOTICE, "overlay: path %u's far end is %s now", id, said[role]);
	dp_slow_event(OV_EVENT(path_far_role));
	publish(id, &p->sla);
	tell(id, role == DP_ROLE_ACTIVE, why[role]);
}

void
ov_probe_answer(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	bool icmp = md->l4_proto == IPPROTO_ICMP || md->l4_proto == IPPROTO_ICMPV6;
	const struct ov_probe_msg *msg = rte_pktmbuf_mtod_offset(m, const struct ov_probe_msg *,
		md->l4_off + (icmp ? ICMP_ECHO_HLEN : sizeof(struct rte_udp_hdr)));
	uint16_t id = rte_be_to_cpu_16(msg->path);
	struct prober *p = id <= OV_PATH_MAX ? &pr[id] : NULL;
	uint8_t dst[16], src[16];

	ov_state_outer_addrs(m, md, dst, src);
	/* the path's own answer: its kind, from its far end to its VTEP */
	if (p == NULL || p->kind != (icmp ? OV_PATH_ICMP : OV_PATH_SXDP) ||
	    memcmp(src, p->cfg.dst, 16) != 0 || memcmp(dst, p->cfg.src, 16) != 0) {
		dp_slow_drop(m, OV_DROP(probe_stray));
		return;
	}
	ov_sla_answer(&p->sla, rte_be_to_cpu_32(msg->seq), ov_probe_ns(msg->tx), ov_probe_ns(msg->rx));
	far_role(id, p, icmp ? 0 : msg->flags);
	dp_slow_event(OV_EVENT(probe_answered));
	dp_slow_event(OV_EVENT(consumed));
	rte_pktmbuf_free(m);
}
