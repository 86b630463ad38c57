/* The edge's stage, "edge.route": a packet the switch routed to the edge
 * (a route of action edge) is, by its destination, coming back into a
 * slice (edge_return names the slice: the pool of its NAT, or its own
 * prefixes) or leaving one (edge_slices names the outside VRF). Its
 * connection is found on the worker that owns the inside host (handed
 * there first), or made when the policy lets a new one in; its addresses
 * and ports are translated as the connection says (NAT44), the TTL the
 * switch took is given back, and the packet goes on to the switch's IPv4
 * routing in the other VRF. Nothing here allocates, locks or calls the
 * kernel: a worker owns its stores. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_prefetch.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>

#include "dp_meta.h"
#include "dp_stats.h"
#include "eg_state.h"
#include "eg_xlate.h"
#include "eg_log.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* One packet's view of where it crosses. */
struct eg_pkt {
	struct rte_ipv4_hdr *ip;
	uint8_t *l4;
	struct ct_key key;          /* as it arrived */
	uint16_t in_vrf, out_vrf, pool;
	uint8_t dir;                /* EDGE_DIR_* */
	uint8_t tcp_flags;
	bool icmp_query;            /* an echo: its identifier is the port */
	const struct nat_pool_p *p; /* its pool (NULL: no NAT) */
};

static inline uint16_t
drop(unsigned int reason)
{
	return DP_NEXT_DROP(reason);
}

/* Keys of the edge's tables as a stage builds them: (vrf) and (vrf, IPv4
 * address), big-endian, in buffers of EG_KEY_ROOM (checked at init). */
static inline void
key_vrf(uint8_t *k, uint16_t vrf)
{
	memset(k, 0, EG_KEY_ROOM);
	*(rte_be16_t *)k = rte_cpu_to_be_16(vrf);
}

/* A packet another worker handed over (DP_MF_RESUMED): where it crosses
 * is what that worker found (eg_meta), its pool looked up again without
 * a count (the table was asked, and counted, once for it). */
static void
resumed(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct eg_pkt *k, uint16_t *next)
{
	const struct eg_meta *em = eg_meta(m);
	const struct dp_entry *e;
	uint32_t id = em->pool;

	k->dir = em->dir;
	k->in_vrf = em->in_vrf;
	k->out_vrf = em->out_vrf;
	k->pool = em->pool;
	if (k->pool == 0)
		return;
	dp_table_lookup_ids(ctx->root, DP_WORKER_NONE, eg_t.pools, &id, 1, &e);
	if (e->action != EG_POOL_POOL)
		*next = drop(EG_DROP(no_edge));
	else
		k->p = (const struct nat_pool_p *)e->params;
}

/* Where each IPv4 packet of the burst crosses: coming back into a slice
 * (edge_return names it: its pool, or its own prefixes) or leaving one
 * (edge_slices names the outside), and its pool. One lookup of each
 * table for the burst: the return LPM in the burst's one VRF (the usual
 * case) or by keys, the slices in runs of one VRF, the pools by id.
 * next[i] 0 goes on, else its drop. */
static void
classify_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, struct eg_pkt *k, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][EG_KEY_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint32_t dst[DP_LOOKUP_BURST], ids[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], out[DP_LOOKUP_BURST], pl[DP_LOOKUP_BURST];
	unsigned int m = 0, no = 0, np = 0;
	uint16_t vrf0 = dp_meta(pkts[0])->slice, other = 0;
	unsigned int col = dp_ctx_count(ctx);

	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);

		if (unlikely(!(md->flags & DP_MF_IPV4))) {
			next[i] = drop(EG_DROP(not_ipv4));
			continue;
		}
		next[i] = 0;
		k[i].ip = rte_pktmbuf_mtod_offset(pkts[i], struct rte_ipv4_hdr *, md->l3_off);
		k[i].p = NULL;
		if (unlikely(md->flags & DP_MF_RESUMED)) {
			resumed(ctx, pkts[i], &k[i], &next[i]);
			continue;
		}
		dst[m] = rte_be_to_cpu_32(k[i].ip->dst_addr);
		other |= md->slice ^ vrf0;
		idx[m++] = i;
	}
	if (m == 0)
		return;
	if (likely(other == 0)) {
		rte_be16_t part = rte_cpu_to_be_16(vrf0);

		dp_table_lookup_lpm4(ctx->root, col, eg_t.ret, (const uint8_t *)&part, dst, m, e);
	} else {
		for (unsigned int j = 0; j < m; j++) {
			key_vrf(keys[j], dp_meta(pkts[idx[j]])->slice);
			*(rte_be32_t *)(keys[j] + 2) = k[idx[j]].ip->dst_addr;
			kp[j] = keys[j];
		}
		dp_table_lookup(ctx->root, col, eg_t.ret, kp, m, e);
	}
	for (unsigned int j = 0; j < m; j++) {
		struct eg_pkt *x = &k[idx[j]];
		uint16_t slice = dp_meta(pkts[idx[j]])->slice;

		if (e[j]->action == EG_RET_INSIDE) {
			const struct eg_return_p *r = (const struct eg_return_p *)e[j]->params;

			x->dir = EDGE_DIR_IN;
			x->in_vrf = r->vrf;
			x->out_vrf = slice;
			x->pool = r->pool;
		} else {
			x->dir = EDGE_DIR_OUT;
			x->in_vrf = slice;
			key_vrf(keys[no], slice);
			kp[no] = keys[no];
			out[no++] = idx[j];
		}
	}
	if (no) {
		dp_table_lookup_runs(ctx->root, col, eg_t.slices, kp, no, e);
		for (unsigned int j = 0; j < no; j++) {
			struct eg_pkt *x = &k[out[j]];

			if (e[j]->action != EG_SLICE_EDGE) {
				next[out[j]] = drop(EG_DROP(no_edge));
				continue;
			}
			x->out_vrf = ((const struct eg_slice_p *)e[j]->params)->outside;
			x->pool = ((const struct eg_slice_p *)e[j]->params)->pool;
		}
	}
	for (unsigned int j = 0; j < m; j++)
		if (next[idx[j]] == 0 && k[idx[j]].pool) {
			ids[np] = k[idx[j]].pool;
			pl[np++] = idx[j];
		}
	if (np) {
		dp_table_lookup_ids(ctx->root, col, eg_t.pools, ids, np, e);
		for (unsigned int j = 0; j < np; j++) {
			if (e[j]->action != EG_POOL_POOL)
				next[pl[j]] = drop(EG_DROP(no_edge));
			else
				k[pl[j]].p = (const struct nat_pool_p *)e[j]->params;
		}
	}
}

/* The packet's ports (TCP, UDP, an ICMP echo's identifier). 0, 1 for an
 * ICMP error (the caller's other way), or a drop. */
static uint16_t
read_l4(struct rte_mbuf *m, struct eg_pkt *k)
{
	struct dp_meta *md = dp_meta(m);
	const struct rte_ipv4_hdr *ip = k->ip;
	uint16_t l4_off = (uint16_t)(md->l3_off + rte_ipv4_hdr_len(ip));

	k->key = (struct ct_key){ .vrf = md->slice, .proto = ip->next_proto_id, .src = ip->src_addr,
				  .dst = ip->dst_addr };
	k->l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, l4_off);
	k->tcp_flags = 0;
	k->icmp_query = false;
	if (md->flags & DP_MF_FRAG)
		return drop(EG_DROP(fragment));
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!(md->flags & DP_MF_L4))
			return drop(EG_DROP(truncated));
		k->key.sport = md->sport;
		k->key.dport = md->dport;
		if (ip->next_proto_id == IPPROTO_TCP)
			k->tcp_flags = ((const struct rte_tcp_hdr *)k->l4)->tcp_flags;
		return 0;
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)k->l4;

		if (rte_pktmbuf_data_len(m) < l4_off + sizeof(*ic))
			return drop(EG_DROP(truncated));
		switch (ic->icmp_type) {
		case RTE_IP_ICMP_ECHO_REQUEST:
		case RTE_IP_ICMP_ECHO_REPLY:
			/* the querier's identifier: its port going out, the
			 * remote's side 0 (ct_sess.h) */
			k->icmp_query = true;
			if (k->dir == EDGE_DIR_OUT)
				k->key.sport = rte_be_to_cpu_16(ic->icmp_ident);
			else
				k->key.dport = rte_be_to_cpu_16(ic->icmp_ident);
			return 0;
		case 3: case 11: case 12:   /* unreachable, time exceeded, parameter problem */
			return 1;
		default:
			return k->p ? drop(EG_DROP(icmp_type)) : 0;
		}
	}
	default:
		return k->p ? drop(EG_DROP(nat_proto)) : 0;
	}
}

/* The worker that owns the connection of a packet with this key: its
 * inside host's (a NAT's outside port names it through its block). -1:
 * a NAT's address and port of no block (nothing mapped there). */
static int
owner_of(const struct eg_pkt *k, uint32_t inside_ip, uint32_t ext_ip, uint16_t ext_port)
{
	int64_t g;

	if (k->dir == EDGE_DIR_OUT || k->p == NULL)
		return (int)nat_host_worker(k->in_vrf, inside_ip, eg_n_workers);
	if ((g = nat_pool_block_of(k->p, ext_ip, ext_port)) < 0)
		return -1;
	return (int)nat_block_worker(k->p, k->in_vrf, g, eg_n_workers);
}

/* TCP's state, by a segment of the side that opened the connection
 * (orig) or of the other. */
static void
tcp_track(struct ct_sess *s, bool orig, uint8_t f)
{
	if (f & TCP_RST) {
		s->state = CT_CLOSED;
	} else if (f & TCP_SYN) {
		if (!(f & TCP_ACK)) {
			/* the same ports opened again after a close */
			if (orig && (s->state == CT_CLOSED || s->state == CT_CLOSING)) {
				s->state = CT_SYN_SENT;
				s->flags &= (uint8_t)~(CT_F_FIN_ORIG | CT_F_FIN_REPLY);
			}
		} else if (!orig && s->state == CT_SYN_SENT) {
			s->state = CT_SYN_RECV;
		}
	} else if (f & TCP_FIN) {
		s->flags |= orig ? CT_F_FIN_ORIG : CT_F_FIN_REPLY;
		if (s->state != CT_CLOSED)
			s->state = (s->flags & CT_F_FIN_ORIG) && (s->flags & CT_F_FIN_REPLY) ? CT_CLOSING : CT_FIN_WAIT;
	} else if ((f & TCP_ACK) && orig && s->state == CT_SYN_RECV) {
		s->state = CT_ESTABLISHED;
	}
}

/* A connection ends: logged, its mapping let go of. */
static void
conn_release(struct dp_stage_ctx *ctx, struct eg_worker *w, const struct ct_sess *s)
{
	eg_log_session(ctx->worker, ctx->now, s, false);
	if (s->map)
		nat_map_put(&w->nat, s->map - 1);
}

static void
sweep_end(void *arg, const struct ct_sess *s)
{
	struct dp_stage_ctx *ctx = arg;

	conn_release(ctx, &eg_w[ctx->worker], s);
}

/* The policy's word on one new connection: 0 or its drop reason. The
 * inside host as the slice knows it, either way: coming in through a NAT,
 * the mapping's (m), not the pool's address. */
static uint16_t
ask_policy(struct dp_stage_ctx *ctx, const struct eg_pkt *k, const struct nat_mapping *m)
{
	struct edge_conn c;
	uint16_t d = 0;

	if (eg_policy == NULL)
		return 0;
	c = (struct edge_conn){ .vrf = k->in_vrf, .dir = k->dir, .proto = k->key.proto, .src = k->key.src,
				.dst = k->key.dst, .sport = k->key.sport, .dport = k->key.dport };
	if (m != NULL) {
		c.dst = m->in_ip;
		c.dport = m->in_port;
	}
	if (k->icmp_query) {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)k->l4;

		c.sport = rte_be_to_cpu_16(ic->icmp_ident);
		c.dport = (uint16_t)(ic->icmp_type << 8 | ic->icmp_code);
	}
	eg_policy(ctx, &c, 1, &d);
	return d ? DP_NEXT_DROP(d) : 0;
}

/* A new connection for packet k: its record, or a drop in *nx. */
static struct ct_sess *
conn_new(struct dp_stage_ctx *ctx, struct eg_worker *w, struct eg_pkt *k, uint16_t *nx)
{
	struct ct_key in, out;
	int32_t mi = -1;
	bool created = false;
	struct ct_sess ev;
	struct ct_sess *s;
	uint32_t gen = k->p != NULL ? eg_pool_gen_of(k->pool) : 0;
	int i;

	if (k->key.proto == IPPROTO_TCP && (k->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) {
		*nx = drop(EG_DROP(tcp_not_syn));
		return NULL;
	}
	/* a mapping of the pool's older shape takes nothing new in */
	if (k->dir == EDGE_DIR_IN && k->p != NULL &&
	    ((mi = nat_map_find_out(&w->nat, k->pool, k->key.proto, k->key.dst, k->key.dport)) < 0 ||
	     w->nat.m[mi].gen != gen)) {
		*nx = drop(EG_DROP(no_mapping));
		return NULL;
	}
	if ((*nx = ask_policy(ctx, k, mi >= 0 ? &w->nat.m[mi] : NULL)) != 0)
		return NULL;
	if (k->dir == EDGE_DIR_OUT) {
		in = k->key;
		if (k->p != NULL) {
			mi = nat_map_get(&w->nat, k->p, k->pool, gen, k->in_vrf, k->key.proto, k->key.src,
					 k->key.sport, &created);
			/* the mappings are as many as the connections: an
			 * embryonic connection gives its up as it would its record */
			if (mi == -ENOMEM && ct_store_evict(&w->ct, &ev) == 0) {
				conn_release(ctx, w, &ev);
				ctx->stats->events[EG_EVENT(conn_evicted)]++;
				mi = nat_map_get(&w->nat, k->p, k->pool, gen, k->in_vrf, k->key.proto, k->key.src,
						 k->key.sport, &created);
			}
			if (mi < 0) {
				if (mi == -ENOSPC) {
					w->exhausted_pool = k->pool;
					w->exhausted++;
					*nx = drop(EG_DROP(ports_exhausted));
				} else {
					*nx = drop(EG_DROP(table_full));
				}
				return NULL;
			}
			out = (struct ct_key){ .vrf = k->out_vrf, .proto = in.proto, .src = in.dst,
					       .dst = w->nat.m[mi].ext_ip, .sport = in.dport,
					       .dport = w->nat.m[mi].ext_port };
		} else {
			out = (struct ct_key){ .vrf = k->out_vrf, .proto = in.proto, .src = in.dst, .dst = in.src,
					       .sport = in.dport, .dport = in.sport };
		}
	} else {
		out = k->key;
		if (mi >= 0) {
			const struct nat_mapping *m = &w->nat.m[mi];

			in = (struct ct_key){ .vrf = m->vrf, .proto = out.proto, .src = m->in_ip, .dst = out.src,
					      .sport = m->in_port, .dport = out.sport };
		} else {
			in = (struct ct_key){ .vrf = k->in_vrf, .proto = out.proto, .src = out.dst, .dst = out.src,
					      .sport = out.dport, .dport = out.sport };
		}
	}
	i = ct_store_add(&w->ct, &in, &out, ctx->now, true, &ev);
	if (ev.state != CT_FREE) {
		conn_release(ctx, w, &ev);
		ctx->stats->events[EG_EVENT(conn_evicted)]++;
	}
	if (i < 0) {
		if (mi >= 0 && (created || w->nat.m[mi].refs == 0))
			nat_map_put(&w->nat, (uint32_t)mi);
		*nx = drop(EG_DROP(table_full));
		return NULL;
	}
	s = &w->ct.s[i];
	if (mi >= 0) {
		nat_map_hold(&w->nat, (uint32_t)mi);
		s->map = (uint32_t)mi + 1;
		s->flags |= CT_F_NAT;
	}
	if (created)
		ctx->stats->events[EG_EVENT(map_new)]++;
	s->pool = k->pool;
	s->gen = gen;
	if (k->dir == EDGE_DIR_IN)
		s->flags |= CT_F_IN;
	if (in.proto == IPPROTO_TCP)
		s->state = CT_SYN_SENT;
	ctx->stats->events[EG_EVENT(conn_new)]++;
	eg_log_session(ctx->worker, ctx->now, s, true);
	return s;
}

/* Rewrite the packet as its connection says: going out, the source is the
 * outside one; coming in, the destination the inside one. */
static void
translate(struct rte_mbuf *m, const struct eg_pkt *k, const struct ct_sess *s)
{
	struct rte_ipv4_hdr *ip = k->ip;
	void *ck = NULL;
	bool udp = k->key.proto == IPPROTO_UDP;

	if (!(s->flags & CT_F_NAT))
		return;
	switch (k->key.proto) {
	case IPPROTO_TCP:
		ck = &((struct rte_tcp_hdr *)k->l4)->cksum;
		break;
	case IPPROTO_UDP:
		ck = &((struct rte_udp_hdr *)k->l4)->dgram_cksum;
		break;
	default:
		break;
	}
	if (k->dir == EDGE_DIR_OUT) {
		eg_set_addr(ip, &ip->src_addr, s->out.dst, ck, udp);
		if (k->icmp_query) {
			struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)k->l4;

			eg_set_port(&ic->icmp_ident, s->out.dport, &ic->icmp_cksum, false);
		} else if (ck != NULL) {
			eg_set_port(k->l4, s->out.dport, ck, udp);   /* the source port */
			dp_meta(m)->sport = s->out.dport;
		}
	} else {
		eg_set_addr(ip, &ip->dst_addr, s->in.src, ck, udp);
		if (k->icmp_query) {
			struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)k->l4;

			eg_set_port(&ic->icmp_ident, s->in.sport, &ic->icmp_cksum, false);
		} else if (ck != NULL) {
			eg_set_port(k->l4 + 2, s->in.sport, ck, udp);   /* the destination port */
			dp_meta(m)->dport = s->in.sport;
		}
	}
}

/* Packet m to worker o, which owns its connection, with where it crosses. */
static uint16_t
hand_off(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct eg_pkt *k, unsigned int o)
{
	*eg_meta(m) = (struct eg_meta){ .in_vrf = k->in_vrf, .out_vrf = k->out_vrf, .pool = k->pool,
					.dir = k->dir };
	dp_meta(m)->out_port = o;
	ctx->stats->events[EG_EVENT(handed_off)]++;
	return DP_NEXT_HANDOFF;
}

/* The ICMP error k about a packet of a known connection (RFC 5508: the
 * packet inside is translated as its connection's, and the error's own
 * header as a packet of it): its next step. */
static uint16_t
icmp_error(struct dp_stage_ctx *ctx, struct eg_worker *w, struct rte_mbuf *m, struct eg_pkt *k)
{
	struct dp_meta *md = dp_meta(m);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)k->l4;
	uint8_t *end = rte_pktmbuf_mtod(m, uint8_t *) + rte_pktmbuf_data_len(m);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(k->l4 + sizeof(*ic));
	uint8_t *il4;
	uint16_t isport, idport;
	void *ick = NULL, *iport, *qck;
	bool iquery = false, iudp;
	struct ct_key key;
	struct ct_sess *s;
	int32_t idx;
	int o;

	/* the header inside and 8 bytes past it (RFC 792) */
	if ((uint8_t *)(in + 1) > end || (in->version_ihl >> 4) != 4 || rte_ipv4_hdr_len(in) < sizeof(*in) ||
	    (il4 = (uint8_t *)in + rte_ipv4_hdr_len(in)) + 8 > end ||
	    (rte_be_to_cpu_16(in->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK))
		return drop(EG_DROP(icmp_malformed));
	switch (in->next_proto_id) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		isport = rte_be_to_cpu_16(((const rte_be16_t *)il4)[0]);
		idport = rte_be_to_cpu_16(((const rte_be16_t *)il4)[1]);
		break;
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *q = (const struct rte_icmp_hdr *)il4;

		if (q->icmp_type != RTE_IP_ICMP_ECHO_REQUEST && q->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
			return drop(EG_DROP(icmp_unrelated));
		iquery = true;
		isport = idport = rte_be_to_cpu_16(q->icmp_ident);
		break;
	}
	default:
		if (k->p != NULL)
			return drop(EG_DROP(icmp_unrelated));
		isport = idport = 0;
		break;
	}
	/* the packet inside went the other way: its connection's key is its
	 * own, turned around (an echo inside went out: the identifier is the
	 * querier's port, ct_sess.h) */
	key = (struct ct_key){ .vrf = md->slice, .proto = in->next_proto_id, .src = in->dst_addr,
			       .dst = in->src_addr, .sport = idport, .dport = isport };
	if (iquery) {
		key.sport = k->dir == EDGE_DIR_IN ? 0 : isport;
		key.dport = k->dir == EDGE_DIR_IN ? isport : 0;
	}
	if (eg_n_workers > 1 && !(md->flags & DP_MF_RESUMED)) {
		o = k->dir == EDGE_DIR_OUT || k->p == NULL ?
			(int)nat_host_worker(k->in_vrf, k->dir == EDGE_DIR_OUT ? in->dst_addr : in->src_addr,
					     eg_n_workers) :
			owner_of(k, 0, in->src_addr, isport);
		if (o < 0)
			return drop(EG_DROP(icmp_unrelated));
		if ((unsigned int)o != ctx->worker)
			return hand_off(ctx, m, k, (unsigned int)o);
	}
	ct_store_lookup(&w->ct, (const struct ct_key *const[]){ &key }, 1, &idx);
	if (idx < 0 || ct_sess_expired(&w->ct.s[idx], ctx->now) || ct_sess_stale(&w->ct, &w->ct.s[idx]))
		return drop(EG_DROP(icmp_unrelated));
	s = &w->ct.s[idx];
	if (s->flags & CT_F_NAT) {
		iudp = in->next_proto_id == IPPROTO_UDP;
		if (in->next_proto_id == IPPROTO_UDP)
			ick = &((struct rte_udp_hdr *)il4)->dgram_cksum;
		else if (in->next_proto_id == IPPROTO_TCP && il4 + sizeof(struct rte_tcp_hdr) <= end)
			ick = &((struct rte_tcp_hdr *)il4)->cksum;
		qck = iquery ? (void *)&((struct rte_icmp_hdr *)il4)->icmp_cksum : ick;
		if (k->dir == EDGE_DIR_IN) {
			/* to the pool: to the inside host, about what it sent */
			eg_set_addr(k->ip, &k->ip->dst_addr, s->in.src, NULL, false);
			eg_set_addr(in, &in->src_addr, s->in.src, ick, iudp);
			iport = iquery ? (void *)&((struct rte_icmp_hdr *)il4)->icmp_ident : (void *)il4;
			eg_set_port(iport, s->in.sport, qck, iudp);
		} else {
			/* from the inside: in the pool's name, about what came in */
			eg_set_addr(k->ip, &k->ip->src_addr, s->out.dst, NULL, false);
			eg_set_addr(in, &in->dst_addr, s->out.dst, ick, iudp);
			iport = iquery ? (void *)&((struct rte_icmp_hdr *)il4)->icmp_ident : (void *)(il4 + 2);
			eg_set_port(iport, s->out.dport, qck, iudp);
		}
		/* the error's checksum covers all it carries: summed again
		 * (errors are few), over what the packet holds of it */
		{
			uint16_t ilen = (uint16_t)RTE_MIN((uint32_t)(end - k->l4),
							  (uint32_t)rte_be_to_cpu_16(k->ip->total_length) -
							  rte_ipv4_hdr_len(k->ip));

			eg_st16(&ic->icmp_cksum, 0);
			eg_st16(&ic->icmp_cksum, (uint16_t)~rte_raw_cksum(ic, ilen));
		}
	}
	ctx->stats->events[EG_EVENT(icmp_related)]++;
	md->slice = k->dir == EDGE_DIR_IN ? s->in.vrf : s->out.vrf;
	md->flags &= ~DP_MF_RESUMED;
	eg_ttl_restore(k->ip);
	return DP_NEXT_EDGE(EG_EDGE_L3);
}

/* A packet of the burst up to its connection's lookup: its ports, an
 * ICMP error's way (done here), the worker that owns its connection. 0:
 * look its connection up; else its next step. */
static uint16_t
edge_prepare(struct dp_stage_ctx *ctx, struct eg_worker *w, struct rte_mbuf *m, struct eg_pkt *k)
{
	struct dp_meta *md = dp_meta(m);
	uint16_t v;

	if ((v = read_l4(m, k)) == 1)
		return icmp_error(ctx, w, m, k);
	if (v != 0)
		return v;
	if (eg_n_workers > 1 && !(md->flags & DP_MF_RESUMED)) {
		int o = owner_of(k, k->dir == EDGE_DIR_OUT ? k->key.src : k->key.dst, k->key.dst, k->key.dport);

		if (o < 0)
			return drop(EG_DROP(no_mapping));
		if ((unsigned int)o != ctx->worker)
			return hand_off(ctx, m, k, (unsigned int)o);
	}
	return 0;
}

/* A packet whose connection was looked up (idx, -1: not found in the
 * burst's lookup; an earlier packet of the burst may have made it since):
 * the connection found or made, tracked, the packet translated. */
static uint16_t
edge_finish(struct dp_stage_ctx *ctx, struct eg_worker *w, struct rte_mbuf *m, struct eg_pkt *k, int32_t idx)
{
	struct dp_meta *md = dp_meta(m);
	struct ct_sess *s = NULL;
	uint16_t v;
	bool orig;

	if (idx < 0)
		ct_store_lookup(&w->ct, (const struct ct_key *const[]){ &k->key }, 1, &idx);
	if (idx >= 0) {
		s = &w->ct.s[idx];
		if (unlikely(ct_sess_expired(s, ctx->now) || ct_sess_stale(&w->ct, s))) {
			conn_release(ctx, w, s);
			ct_store_del(&w->ct, (uint32_t)idx);
			ctx->stats->events[EG_EVENT(conn_end)]++;
			s = NULL;
		}
	}
	if (s == NULL && (s = conn_new(ctx, w, k, &v)) == NULL)
		return v;
	orig = (k->dir == EDGE_DIR_OUT) == !(s->flags & CT_F_IN);
	if (!orig)
		s->flags |= CT_F_REPLIED;
	if (k->key.proto == IPPROTO_TCP)
		tcp_track(s, orig, k->tcp_flags);
	s->last = ctx->now;
	s->pkts++;
	translate(m, k, s);
	md->slice = k->dir == EDGE_DIR_IN ? s->in.vrf : s->out.vrf;
	md->flags &= ~DP_MF_RESUMED;
	eg_ttl_restore(k->ip);
	return DP_NEXT_EDGE(EG_EDGE_L3);
}

/* The burst in three passes: where each packet crosses (the edge's tables
 * once for the burst), its connection's key and owner, the worker's
 * connections looked up in bulk (rte_hash prefetches across the burst),
 * then each packet tracked and translated in order. */
uint16_t
pl_edge_route_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	struct eg_worker *w = &eg_w[ctx->worker];
	struct eg_pkt k[DP_LOOKUP_BURST];
	const struct ct_key *keys[DP_LOOKUP_BURST];
	int32_t idx[DP_LOOKUP_BURST];
	uint16_t live[DP_LOOKUP_BURST];
	unsigned int nl = 0;

	/* a shadow walk (dp_stage_ctx.shadow) must leave nothing behind: the
	 * edge is never fused, so none runs it */
	classify_burst(ctx, pkts, n, k, next);
	for (uint16_t i = 0; i < n; i++) {
		if (next[i] != 0 || (next[i] = edge_prepare(ctx, w, pkts[i], &k[i])) != 0)
			continue;
		keys[nl] = &k[i].key;
		live[nl++] = i;
	}
	if (nl == 0)
		return 0;
	ct_store_lookup(&w->ct, keys, nl, idx);
	for (unsigned int j = 0; j < nl; j++)
		if (idx[j] >= 0)
			rte_prefetch0(&w->ct.s[idx[j]]);
	for (unsigned int j = 0; j < nl; j++)
		next[live[j]] = edge_finish(ctx, w, pkts[live[j]], &k[live[j]], idx[j]);
	return 0;
}

/* The sweep: SWEEP_RECORDS records every SWEEP_EVERY_US, a million
 * connections' table in about 3 s, at a cost of a few cache misses in
 * 50 us of a worker's time; an ended connection is logged and its mapping
 * freed within that, traffic or none. */
#define SWEEP_RECORDS 16
#define SWEEP_EVERY_US 50

static uint64_t eg_sweep_tsc;

void
pl_edge_walk_init(uint64_t hz)
{
	eg_sweep_tsc = hz / 1000000 * SWEEP_EVERY_US;
}

void
pl_edge_walk(struct dp_stage_ctx *ctx)
{
	struct eg_worker *w = &eg_w[ctx->worker];

	if (likely(w->ct.used == 0) || ctx->now - w->swept < eg_sweep_tsc)
		return;
	w->swept = ctx->now;
	ctx->stats->events[EG_EVENT(conn_end)] += ct_store_sweep(&w->ct, ctx->now, SWEEP_RECORDS, sweep_end, ctx);
}
