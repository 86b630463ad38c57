/* The packet graph on DPDK's rte_graph. Core nodes: rx (the source: RX
 * queues, each burst parsed and handed to the entry stage of the feature its
 * port's role enters; and the inject ring), port_out (transmit) and drop
 * (count by reason, free); each feature adds a node per stage and a punt
 * node (to its slow path). Every stage node has the same shape: a wrapper
 * runs the stage on bursts of at most DP_BURST and moves each packet along
 * the edge its next value names. Nodes are the only place that frees or
 * transmits, so a packet is accounted for exactly once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_hash_crc.h>

#include "dp_graph.h"
#include "dp_egress.h"
#include "dp_feature.h"
#include "dp_lcore.h"
#include "dp_parse.h"
#include "dp_port.h"
#include "dp_reta.h"
#include "dp_log.h"
#include "dp_table.h"

/* edges of every stage node are its next values (dp_feature.h) */
_Static_assert(DP_NEXT_TX == 0 && DP_NEXT_PUNT == 1 && DP_NEXT_DROP_EDGE == 2 && DP_NEXT_CONTINUE == 3,
	       "stage_register lays the edges out in this order");
enum { RX_EDGE_OUT, RX_EDGE_DROP, RX_EDGE_FEATURE };   /* + index of the feature in use */

#define NODES_MAX (5 + DP_FEATURES_MAX * (DP_FEATURE_STAGES_MAX + 1))
#define EDGES_MAX (DP_NEXT_CONTINUE + DP_STAGE_EDGES_MAX + DP_FEATURES_MAX)

/* What a feature's node runs (found from the node id at graph creation):
 * a stage, or (fn NULL) the feature's punt node. */
struct stage_rt {
	dp_stage_fn fn;
	rte_node_t id;
	uint8_t feature;         /* index among the features in use */
	uint8_t n_edges;         /* next values below this are edges */
	bool can_punt;           /* its feature has a slow path */
	bool extra_after;        /* dp_stage_def's */
	bool handoff;            /* dp_stage_def's: it may return DP_NEXT_HANDOFF */
	uint16_t resume_edge;    /* handoff: rx's edge back into it */
	uint16_t absent;         /* edges (bit e) into a feature not in use: they drop */
};

/* rte_node.ctx: who this node works for */
struct node_ctx {
	struct dp_worker *w;
	const struct stage_rt *rt;   /* stage nodes only */
};

_Static_assert(sizeof(struct node_ctx) <= RTE_NODE_CTX_SZ, "rte_node ctx holds it");

/* For describe: every node of the graph with its edges, in order. */
struct node_desc {
	char name[RTE_NODE_NAMESIZE];
	unsigned int n_next;
	char next[EDGES_MAX][RTE_NODE_NAMESIZE];
};

static struct stage_rt rts[DP_FEATURES_MAX * DP_FEATURE_STAGES_MAX];
static unsigned int n_rts;
static struct node_desc descs[NODES_MAX];
static unsigned int n_descs;
static uint16_t port_edge[DP_PORTS_MAX];    /* rx's edge for a port's packets */
static unsigned int n_resume;                /* stages that hand off: rx's edges after the features' */
static struct dp_worker *building;           /* the worker whose graph is being made */
static struct dp_worker *graphs[DP_WORKERS_MAX];

static inline struct node_ctx *
nctx(struct rte_node *node)
{
	return (struct node_ctx *)node->ctx;
}

static int
node_init(const struct rte_graph *graph __rte_unused, struct rte_node *node)
{
	struct node_ctx *c = nctx(node);

	c->w = building;
	c->rt = NULL;
	for (unsigned int i = 0; i < n_rts; i++)
		if (rts[i].id == node->id)
			c->rt = &rts[i];
	return 0;
}

/* ------------------------------------------------------------ core nodes */

/* Parse errors out of a burst: the rest stay in order, the malformed go to
 * drop with their reason. Returns how many stay. */
static uint16_t
parse_drops(struct rte_graph *g, struct rte_node *node, struct rte_mbuf **pkts, const uint16_t *next,
	    uint16_t n)
{
	struct rte_mbuf *bad[DP_BURST];
	uint16_t k = 0, nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (likely(next[i] == DP_NEXT_CONTINUE)) {
			pkts[k++] = pkts[i];
		} else {
			dp_meta(pkts[i])->drop = (uint16_t)DP_NEXT_REASON(next[i]);
			bad[nb++] = pkts[i];
		}
	}
	rte_node_enqueue(g, node, RX_EDGE_DROP, (void **)bad, nb);
	return k;
}

static void egress_poll(struct dp_worker *w, struct dp_lcore_stats *st);

static inline void
drop_one(struct dp_lcore_stats *st, struct rte_mbuf *m, unsigned int reason)
{
	st->drops[reason]++;
	st->drop_pkts++;
	rte_pktmbuf_free(m);
}

/* Software RSS: the bucket of a packet's flow (a tunnel a port's parser
 * took: its key included, whatever hash the NIC gave: one gNB's GTP-U
 * sessions spread on their TEIDs); dp_reta names its worker. */
static inline unsigned int
flow_bucket(const struct dp_meta *md)
{
	return dp_reta_bucket(md->flags & DP_MF_TUN ? rte_hash_crc_4byte(md->tun_key, md->hash) : md->hash);
}

/* Software RSS on a burst this worker read, before the parse: each
 * frame's bucket read from its headers where it can be (a tunnel's key,
 * dp_parse_peek_key: the bucket its parse would give), so a frame another
 * worker takes goes to it unparsed (DP_MF_RAW: handin_edge parses it) and
 * this worker parses only its own; any other frame is parsed first and
 * goes by its parsed flow. Each packet of another worker's flow to that
 * worker's ring (one producer and one consumer a ring, so a flow keeps
 * its order); the rest stay, in order, parsed; what the parse drops goes
 * to the drop node. Returns how many stay. */
static uint16_t
rss_spread(struct rte_graph *g, struct rte_node *node, struct dp_worker *w, struct dp_lcore_stats *st,
	   struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *away[DP_BURST], *grp[DP_BURST], *bad[DP_BURST];
	uint8_t to[DP_BURST];
	uint16_t k = 0, na = 0, nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		uint32_t pkt = rte_pktmbuf_pkt_len(m), seg = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), pkt);
		uint32_t key, h, rss = m->hash.rss;
		unsigned int b, t, r;

		if (dp_parse_peek_key(rte_pktmbuf_mtod(m, const uint8_t *), seg, pkt,
				      (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? &rss : NULL, &key, &h) == 0) {
			md->flags = DP_MF_RAW;
			b = dp_reta_bucket(rte_hash_crc_4byte(key, h));
		} else if ((r = dp_parse_mbuf(m)) == 0) {
			b = flow_bucket(md);
		} else {
			md->drop = (uint16_t)r;
			bad[nb++] = m;
			continue;
		}
		t = dp_reta[b];

		w->bucket_pkts[b]++;

		if (t != w->idx) {
			away[na] = m;
			to[na++] = (uint8_t)t;
		} else if (!(md->flags & DP_MF_RAW) || (r = dp_parse_mbuf(m)) == 0) {
			pkts[k++] = m;
		} else {
			md->drop = (uint16_t)r;
			bad[nb++] = m;
		}
	}
	if (nb)
		rte_node_enqueue(g, node, RX_EDGE_DROP, (void **)bad, nb);
	while (na) {
		uint16_t ng = 0, rest = 0, sent;
		uint8_t t = to[0];

		for (uint16_t i = 0; i < na; i++) {
			if (to[i] == t) {
				grp[ng++] = away[i];
			} else {
				away[rest] = away[i];
				to[rest++] = to[i];
			}
		}
		na = rest;
		sent = (uint16_t)rte_ring_sp_enqueue_burst(w->all[t].handin[w->idx], (void **)grp, ng, NULL);
		st->handoff_pkts += sent;
		for (uint16_t i = sent; i < ng; i++)
			drop_one(st, grp[i], DP_DROP_core_handoff_full);
	}
	return k;
}

/* Software RSS's back-pressure, and a handing-off stage's: the packets
 * this worker may read in a walk, the room of the fullest ring it hands
 * off into (any packet may be another worker's). What it leaves in the device's queue
 * the device counts (rx_missed) when its peers fall behind, as a NIC's
 * RSS would; read and then dropped here it would be lost all the same and
 * cost this worker the reading. */
static uint16_t
handoff_room(const struct dp_worker *w, uint16_t want)
{
	for (unsigned int t = 0; t < w->n_all && want; t++)
		if (t != w->idx)
			want = (uint16_t)RTE_MIN(want, rte_ring_free_count(w->all[t].handin[w->idx]));
	return want;
}

/* What a handed-in packet's stages read first, written by the worker that
 * read it, so in that worker's cache: every line's load started for the
 * whole burst before the first is used (the mbuf's fields, the metadata,
 * then the headers, whose address needs the first line), so the transfers
 * overlap rather than come one at a time in the first stage's loop. */
static inline void
handin_prefetch(void **objs, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = objs[i];

		rte_prefetch0(m);
		rte_prefetch0(RTE_PTR_ADD(m, RTE_CACHE_LINE_SIZE));
		rte_prefetch0(rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)m));
	}
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = objs[i];
		const char *d = rte_pktmbuf_mtod(m, const char *);

		rte_prefetch0(d);
		if (rte_pktmbuf_data_len(m) > RTE_CACHE_LINE_SIZE)
			rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
	}
}

/* Where a packet another worker handed over goes: back into the stage
 * that handed it off (DP_NEXT_HANDOFF), else (software RSS) the entry
 * stage of its port's role, parsed here if it came unparsed (or to the
 * drop node, as the reader's parse would have sent it). */
static inline uint16_t
handin_edge(void *obj)
{
	struct dp_meta *md = dp_meta(obj);
	unsigned int r;

	if (md->flags & DP_MF_RAW) {
		if (unlikely((r = dp_parse_mbuf(obj)) != 0)) {
			md->drop = (uint16_t)r;
			return RX_EDGE_DROP;
		}
		return port_edge[md->in_port];
	}
	if (unlikely(md->flags & DP_MF_RESUME)) {
		md->flags &= ~DP_MF_RESUME;
		md->flags |= DP_MF_RESUMED;
		return md->drop;
	}
	return port_edge[md->in_port];
}

/* Software RSS and handing off: what other workers read or took on for
 * this one, to where it goes on. */
static uint16_t
handin_poll(struct rte_graph *g, struct rte_node *node, struct dp_worker *w, struct dp_lcore_stats *st)
{
	void *objs[DP_BURST];
	uint16_t total = 0, edges[DP_BURST];

	for (unsigned int s = 0; s < w->n_all; s++) {
		uint16_t n, start = 0;

		if (w->handin[s] == NULL ||
		    (n = (uint16_t)rte_ring_sc_dequeue_burst(w->handin[s], objs, DP_BURST, NULL)) == 0)
			continue;
		handin_prefetch(objs, n);
		for (uint16_t i = 0; i < n; i++)
			edges[i] = handin_edge(objs[i]);
		for (uint16_t i = 1; i <= n; i++) {
			uint16_t edge = edges[start];

			if (i < n && edges[i] == edge)
				continue;
			rte_node_enqueue(g, node, edge, objs + start, i - start);
			start = i;
		}
		total += n;
	}
	st->handin_pkts += total;
	return total;
}

/* One RX queue into the stream of the node its port's role enters: up to
 * the worker's burst, read DP_BURST at a time (what one driver call and
 * the parser take), each part parsed here (the parser is the core's, not
 * a feature's). Returns how many were read. */
static uint16_t
rx_queue(struct rte_graph *g, struct rte_node *node, struct dp_worker *w, struct dp_lcore_stats *st,
	 const struct dp_rxq *rq)
{
	uint16_t edge = port_edge[rq->port], next[DP_BURST], kept = 0, total = 0;
	struct rte_mbuf **pkts;

	/* straight into the stream of the node that takes them */
	pkts = (struct rte_mbuf **)rte_node_next_stream_get(g, node, edge, w->burst);
	const bool spread = unlikely(dp_ports[rq->port].cfg->soft_rss) && w->handoff;
	/* a stage may hand any packet it reads to another worker too (the
	 * edge's connections): the same back-pressure */
	const bool held = spread || (w->handoff && n_resume != 0);

	while (kept < w->burst) {
		struct rte_mbuf **part = pkts + kept;
		uint16_t want = RTE_MIN((uint16_t)(w->burst - kept), DP_BURST), n;
		uint64_t t0, t1, bytes = 0;

		if (held && (want = RTE_MIN(want, w->room)) == 0)
			break;
		t0 = rte_rdtsc();
		n = rte_eth_rx_burst(rq->port_id, rq->queue, part, want);
		t1 = rte_rdtsc();
		st->polls++;
		if (n == 0) {
			st->idle_polls++;
			st->idle_cycles += t1 - t0;
			w->walk_idle += t1 - t0;
			break;
		}
		w->walk_rx += t1 - t0;
		for (uint16_t i = 0; i < n; i++) {
			dp_meta(part[i])->in_port = rq->port;
			bytes += rte_pktmbuf_pkt_len(part[i]);
		}
		if (held)
			w->room = (uint16_t)(w->room - n);
		st->rx_pkts += n;
		st->port[rq->port].rx_pkts += n;
		st->port[rq->port].rx_bytes += bytes;
		total += n;
		if (spread)   /* parsed there, where each packet goes */
			kept += rss_spread(g, node, w, st, part, n);
		else if (unlikely(dp_parse_burst(&w->ctx, part, n, next) != n))
			kept += parse_drops(g, node, part, next, n);
		else
			kept += n;
		if (n < want)   /* the queue is empty: the next walk reads on */
			break;
	}
	rte_node_next_stream_put(g, node, edge, kept);
	return total;
}

/* The source: the slow path's packets to port_out, what the egress this
 * worker owns releases, then every RX queue of the worker, handed to the
 * feature its port's role enters. */
static uint16_t
rx_process(struct rte_graph *g, struct rte_node *node, void **objs __rte_unused,
	   uint16_t n_objs __rte_unused)
{
	struct dp_worker *w = nctx(node)->w;
	struct dp_lcore_stats *st = w->ctx.stats;
	uint16_t total;
	void **o;

	o = rte_node_next_stream_get(g, node, RX_EDGE_OUT, DP_BURST);
	total = (uint16_t)rte_ring_sc_dequeue_burst(w->inject, o, DP_BURST, NULL);
	rte_node_next_stream_put(g, node, RX_EDGE_OUT, total);
	st->inject_pkts += total;

	w->walk_idle = w->walk_rx = w->walk_tx = 0;
	w->walk_in = 0;
	egress_poll(w, st);
	if (unlikely(w->handoff))
		total += (w->walk_in = handin_poll(g, node, w, st));
	/* what this walk may read of the ports whose packets may go to
	 * another worker: the room of the fullest ring it hands off into
	 * (every packet read may be another worker's) */
	w->room = w->handoff ? handoff_room(w, UINT16_MAX) : UINT16_MAX;
	for (unsigned int q = 0; q < w->n_rxq; q++)
		if (likely(dp_ports[w->rxq[q].port].admin_up))
			total += rx_queue(g, node, w, st, &w->rxq[q]);
	return total;
}

/* To the driver: n packets on port p (what does not fit is dropped). */
static void
tx_send(struct dp_worker *w, struct dp_lcore_stats *st, unsigned int p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;
	uint64_t bytes = 0, t0;

	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	/* the driver's TX is not the pipeline's: timed apart, as RX is */
	t0 = rte_rdtsc();
	sent = rte_eth_tx_burst(dp_ports[p].port_id, w->idx, pkts, n);
	/* one retry absorbs a momentarily full ring without stalling the loop */
	if (unlikely(sent < n))
		sent += rte_eth_tx_burst(dp_ports[p].port_id, w->idx, pkts + sent, n - sent);
	w->walk_tx += rte_rdtsc() - t0;
	for (uint16_t i = sent; i < n; i++) {
		bytes -= rte_pktmbuf_pkt_len(pkts[i]);
		st->port[p].tx_drop++;
		drop_one(st, pkts[i], DP_DROP_core_tx_full);
	}
	st->port[p].tx_pkts += sent;
	st->port[p].tx_bytes += bytes;
	st->tx_pkts += sent;
}

/* Port p's buffered packets: to the feature that took its egress, else
 * to the driver. */
static void
tx_flush(struct dp_worker *w, struct dp_lcore_stats *st, unsigned int p)
{
	struct dp_txbuf *tb = &w->tx[p];
	struct dp_egress *e = __atomic_load_n(&dp_egress_of[p], __ATOMIC_ACQUIRE);

	if (e != NULL)
		e->enqueue(&w->ctx, e, tb->pkts, tb->n);
	else
		tx_send(w, st, p, tb->pkts, tb->n);
	tb->n = 0;
}

/* The ports whose egress this worker owns: what their features release
 * now goes to the driver. */
static void
egress_poll(struct dp_worker *w, struct dp_lcore_stats *st)
{
	struct rte_mbuf *pkts[DP_BURST];
	bool owns = false;

	for (unsigned int p = 0; p < dp_n_ports; p++) {
		struct dp_egress *e = __atomic_load_n(&dp_egress_of[p], __ATOMIC_ACQUIRE);
		uint16_t n;

		if (e == NULL || e->owner != w->idx)
			continue;
		owns = true;
		if ((n = e->dequeue(&w->ctx, e, pkts, DP_BURST)) != 0)
			tx_send(w, st, p, pkts, n);
	}
	w->owns_egress = owns;
}

static uint16_t
port_out_process(struct rte_graph *g __rte_unused, struct rte_node *node, void **objs, uint16_t n_objs)
{
	struct dp_worker *w = nctx(node)->w;
	struct dp_lcore_stats *st = w->ctx.stats;
	const struct dp_tap *tap = dp_tap_get();

	if (unlikely(tap != NULL))
		tap->egress(&w->ctx, (struct rte_mbuf **)objs, n_objs);
	for (uint16_t i = 0; i < n_objs; i++) {
		struct rte_mbuf *m = objs[i];
		uint32_t out = dp_meta(m)->out_port;
		struct dp_txbuf *tb;

		if (unlikely(out >= dp_n_ports)) {
			drop_one(st, m, DP_DROP_core_bad_port);
			continue;
		}
		tb = &w->tx[out];
		tb->pkts[tb->n++] = m;
		if (unlikely(tb->n == DP_BURST))
			tx_flush(w, st, out);
	}
	for (unsigned int p = 0; p < dp_n_ports; p++)
		if (w->tx[p].n)
			tx_flush(w, st, p);
	return n_objs;
}

static uint16_t
drop_process(struct rte_graph *g __rte_unused, struct rte_node *node, void **objs, uint16_t n_objs)
{
	struct dp_lcore_stats *st = nctx(node)->w->ctx.stats;

	for (uint16_t i = 0; i < n_objs; i++) {
		unsigned int r = dp_meta(objs[i])->drop;

		st->drops[likely(r < DP_DROP_MAX) ? r : DP_DROP_core_no_verdict]++;
	}
	st->drop_pkts += n_objs;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n_objs);
	return n_objs;
}

/* A feature's punt node: to the main lcore, tagged with whose slow path
 * takes them. */
static uint16_t
punt_process(struct rte_graph *g __rte_unused, struct rte_node *node, void **objs, uint16_t n_objs)
{
	const struct stage_rt *rt = nctx(node)->rt;
	struct dp_worker *w = nctx(node)->w;
	struct dp_lcore_stats *st = w->ctx.stats;
	unsigned int k = 0;

	if (likely(rt->can_punt)) {
		for (uint16_t i = 0; i < n_objs; i++)
			dp_meta(objs[i])->feature = rt->feature;
		k = rte_ring_mp_enqueue_burst(w->punt, objs, n_objs, NULL);
	}
	st->punt_pkts += k;
	for (unsigned int i = k; i < n_objs; i++)
		drop_one(st, objs[i], rt->can_punt ? DP_DROP_core_punt_full : DP_DROP_core_no_slowpath);
	return n_objs;
}

static struct rte_node_register rx_node = {
	.name = "rx", .flags = RTE_NODE_SOURCE_F, .process = rx_process, .init = node_init,
	.nb_edges = 2, .next_nodes = { [RX_EDGE_OUT] = "port_out", [RX_EDGE_DROP] = "drop" },
};
static struct rte_node_register port_out_node = {
	.name = "port_out", .process = port_out_process, .init = node_init,
};
static struct rte_node_register drop_node = {
	.name = "drop", .process = drop_process, .init = node_init,
};

RTE_NODE_REGISTER(rx_node);
RTE_NODE_REGISTER(port_out_node);
RTE_NODE_REGISTER(drop_node);

/* ----------------------------------------------------------- stage nodes */

/* A next value that is no edge: a drop with its reason, an edge into a
 * feature not in use, or a mistake. */
static uint16_t
stage_drop(const struct stage_rt *rt, struct rte_mbuf *m, uint16_t v)
{
	unsigned int r = DP_NEXT_REASON(v);

	if (v < rt->n_edges)
		r = DP_DROP_core_feature_absent;
	else if (!DP_NEXT_IS_DROP(v) || r >= DP_DROP_MAX)
		r = DP_DROP_core_no_verdict;
	dp_meta(m)->drop = (uint16_t)r;
	return DP_NEXT_DROP_EDGE;
}

/* Whether next[0..n) are all equal: four values a word, no branch per
 * packet. */
static inline bool
all_same(const uint16_t *next, uint16_t n)
{
	uint64_t pat = next[0] * UINT64_C(0x0001000100010001), diff = 0, w;
	uint16_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		memcpy(&w, next + i, sizeof(w));
		diff |= w ^ pat;
	}
	for (; i < n; i++)
		diff |= next[i] ^ next[0];
	return diff == 0;
}

/* Move a stage's burst along its next values in one pass: runs of one edge
 * go in one enqueue, a whole call that takes one edge moves the stream
 * without copying, drops get their reason on the way. */
static inline void
stage_send(struct rte_graph *g, struct rte_node *node, const struct stage_rt *rt,
	   struct rte_mbuf **pkts, const uint16_t *next, uint16_t n, bool whole)
{
	void **objs = (void **)pkts;
	uint16_t start = 0, cur = next[0];

	/* the usual burst: every packet to one edge */
	if (likely(cur < rt->n_edges && !(rt->absent >> cur & 1)) && all_same(next, n)) {
		if (whole)
			rte_node_next_stream_move(g, node, cur);
		else
			rte_node_enqueue(g, node, cur, objs, n);
		return;
	}
	if (unlikely(cur >= rt->n_edges || (rt->absent >> cur & 1)))
		cur = stage_drop(rt, pkts[0], cur);
	for (uint16_t i = 1; i < n; i++) {
		uint16_t e = next[i];

		if (unlikely(e >= rt->n_edges || (rt->absent >> e & 1)))
			e = stage_drop(rt, pkts[i], e);
		if (likely(e == cur))
			continue;
		rte_node_enqueue(g, node, cur, objs + start, i - start);
		start = i;
		cur = e;
	}
	if (whole && start == 0)
		rte_node_next_stream_move(g, node, cur);
	else
		rte_node_enqueue(g, node, cur, objs + start, n - start);
}

/* A handing-off stage's packets for other workers (DP_NEXT_HANDOFF, the
 * worker in dp_meta.out_port) into their rings, stamped with the way back
 * into this stage; the rest stay, in order, with their next values.
 * Returns how many stay. */
static uint16_t
handoff_out(struct dp_worker *w, const struct stage_rt *rt, struct rte_mbuf **pkts, uint16_t *next,
	    uint16_t n)
{
	struct dp_lcore_stats *st = w->ctx.stats;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md;
		uint32_t t;

		if (likely(next[i] != DP_NEXT_HANDOFF)) {
			pkts[k] = pkts[i];
			next[k++] = next[i];
			continue;
		}
		md = dp_meta(pkts[i]);
		t = md->out_port;
		if (unlikely(t >= w->n_all || t == w->idx || w->all[t].handin[w->idx] == NULL)) {
			drop_one(st, pkts[i], DP_DROP_core_no_verdict);
			continue;
		}
		md->flags |= DP_MF_RESUME;
		md->drop = rt->resume_edge;
		if (unlikely(rte_ring_sp_enqueue(w->all[t].handin[w->idx], pkts[i]) != 0)) {
			md->flags &= ~DP_MF_RESUME;
			drop_one(st, pkts[i], DP_DROP_core_handoff_full);
			continue;
		}
		st->handoff_pkts++;
	}
	return k;
}

/* The copies a stage made (dp_stage_ctx.extra) on their way. */
static void
extra_send(struct rte_graph *g, struct rte_node *node, const struct stage_rt *rt, struct dp_stage_ctx *ctx)
{
	ctx->stats->copy_pkts += ctx->n_extra;
	stage_send(g, node, rt, ctx->extra, ctx->extra_next, ctx->n_extra, false);
	ctx->n_extra = 0;
}

static uint16_t
stage_process(struct rte_graph *g, struct rte_node *node, void **objs, uint16_t n_objs)
{
	const struct stage_rt *rt = nctx(node)->rt;
	struct dp_stage_ctx *ctx = &nctx(node)->w->ctx;
	uint16_t next[DP_BURST];

	for (uint16_t off = 0, n; off < n_objs; off += n) {
		struct rte_mbuf **pkts = (struct rte_mbuf **)objs + off;
		uint16_t cont;

		n = RTE_MIN(n_objs - off, DP_BURST);
		cont = rt->fn(ctx, pkts, n, next);
		if (ctx->n_extra && !rt->extra_after)
			extra_send(g, node, rt, ctx);
		if (unlikely(rt->handoff) && cont != n) {
			uint16_t k = handoff_out(nctx(node)->w, rt, pkts, next, n);

			/* the stream's packets moved: never passed on whole */
			if (k)
				stage_send(g, node, rt, pkts, next, k, false);
		} else if (cont == n && rt->n_edges > DP_NEXT_CONTINUE && !(rt->absent >> DP_NEXT_CONTINUE & 1)) {
			if (n == n_objs)
				rte_node_next_stream_move(g, node, DP_NEXT_CONTINUE);
			else
				rte_node_enqueue(g, node, DP_NEXT_CONTINUE, objs + off, n);
		} else {
			stage_send(g, node, rt, pkts, next, n, n == n_objs);
		}
		if (ctx->n_extra)
			extra_send(g, node, rt, ctx);
	}
	return n_objs;
}

/* Names are copied: a feature's registration is built on the stack. */
static void
desc_add(const char *name, unsigned int n, const char *const *next)
{
	struct node_desc *d = &descs[n_descs++];

	snprintf(d->name, sizeof(d->name), "%s", name);
	d->n_next = n;
	for (unsigned int i = 0; i < n; i++)
		snprintf(d->next[i], sizeof(d->next[i]), "%s", next[i]);
}

/* Is node name a stage of a feature in use (or one the core's)? A name
 * that is neither and no feature's either is kept: rte_graph refuses it. */
static bool
node_in_use(const char *name)
{
	const char *dot = strchr(name, '.');
	char fname[RTE_NODE_NAMESIZE];

	if (dot == NULL || (size_t)(dot - name) >= sizeof(fname))
		return true;
	snprintf(fname, sizeof(fname), "%.*s", (int)(dot - name), name);
	if (dp_feature_find(fname) == NULL)
		return true;
	for (unsigned int i = 0; i < dp_feature_count(); i++)
		if (strcmp(dp_feature_get(i)->name, fname) == 0)
			return true;
	return false;
}

/* A node of a feature: a stage (sd), or its punt node (sd NULL). */
static int
feature_node(const struct dp_feature *f, const struct dp_stage_def *sd, unsigned int feature)
{
	struct rte_node_register *r;
	struct stage_rt *rt = &rts[n_rts];
	char punt[RTE_NODE_NAMESIZE];
	const char *next[DP_STAGE_EDGES_MAX];
	unsigned int n = 0;

	snprintf(punt, sizeof(punt), "%s.punt", f->name);
	rt->absent = 0;
	while (sd && n < DP_STAGE_EDGES_MAX && sd->next[n] != NULL) {
		/* an open edge: the node an upper feature attached, if any
		 * (of this stage, or of the stage named before a '/') */
		next[n] = sd->next[n];
		if (next[n][0] == '@') {
			const char *slash = strchr(next[n], '/');
			char stage[RTE_NODE_NAMESIZE];

			if (slash == NULL) {
				next[n] = dp_feature_attached(sd->name, next[n] + 1);
			} else {
				snprintf(stage, sizeof(stage), "%.*s", (int)(slash - next[n] - 1), next[n] + 1);
				next[n] = dp_feature_attached(stage, slash + 1);
			}
		}
		if (next[n] == NULL || !node_in_use(next[n]))
			rt->absent |= 1u << (DP_NEXT_CONTINUE + n);
		n++;
	}
	r = calloc(1, sizeof(*r) + (DP_NEXT_CONTINUE + n) * sizeof(r->next_nodes[0]));
	if (r == NULL)
		return -ENOMEM;
	snprintf(r->name, sizeof(r->name), "%s", sd ? sd->name : punt);
	r->process = sd ? stage_process : punt_process;
	r->init = node_init;
	r->parent_id = RTE_NODE_ID_INVALID;
	if (sd) {
		r->nb_edges = DP_NEXT_CONTINUE + n;
		r->next_nodes[DP_NEXT_TX] = port_out_node.name;
		r->next_nodes[DP_NEXT_PUNT] = punt;
		r->next_nodes[DP_NEXT_DROP_EDGE] = drop_node.name;
		/* an absent feature's edge leads to drop (stage_drop names why) */
		for (unsigned int i = 0; i < n; i++)
			r->next_nodes[DP_NEXT_CONTINUE + i] =
				(rt->absent >> (DP_NEXT_CONTINUE + i) & 1) ? drop_node.name : next[i];
	}
	rt->id = __rte_node_register(r);
	/* the library keeps its own copy of the registration */
	desc_add(r->name, r->nb_edges, r->next_nodes);
	free(r);
	if (rt->id == RTE_NODE_ID_INVALID) {
		DP_LOG(ERR, "graph: node %s: %s", descs[n_descs - 1].name, rte_strerror(rte_errno));
		return -EINVAL;
	}
	rt->fn = sd ? sd->fn : NULL;
	rt->feature = (uint8_t)feature;
	rt->n_edges = (uint8_t)(sd ? DP_NEXT_CONTINUE + n : 0);
	rt->can_punt = f->slowpath != NULL;
	rt->extra_after = sd != NULL && sd->extra_after;
	rt->handoff = sd != NULL && sd->handoff;
	rt->resume_edge = 0;
	n_rts++;
	return 0;
}

int
dp_graph_setup(void)
{
	const char *entries[DP_FEATURES_MAX + DP_FEATURES_MAX * DP_FEATURE_STAGES_MAX];
	unsigned int nf = dp_feature_count();
	int rc;

	n_rts = n_descs = 0;
	for (unsigned int i = 0; i < nf; i++) {
		const struct dp_feature *f = dp_feature_get(i);

		for (unsigned int s = 0; s < f->n_stages; s++)
			if ((rc = feature_node(f, &f->stages[s], i)) < 0)
				return rc;
		/* a punt node only where a stage can punt to it (the graph
		 * refuses a node nothing leads to) */
		if (f->n_stages && (rc = feature_node(f, NULL, i)) < 0)
			return rc;
		/* a feature without stages (tables other features use) is
		 * no port's entry: the config refuses such a role */
		entries[i] = f->n_stages ? f->stages[0].name : drop_node.name;
	}
	/* rx hands each packet to the feature its port's role enters, and
	 * what another worker handed over back into the stage that did */
	n_resume = 0;
	for (unsigned int i = 0; i < n_rts; i++)
		if (rts[i].handoff) {
			rts[i].resume_edge = (uint16_t)(RX_EDGE_FEATURE + nf + n_resume);
			entries[nf + n_resume++] = rte_node_id_to_name(rts[i].id);
		}
	if (rte_node_edge_update(rx_node.id, RTE_EDGE_ID_INVALID, entries, nf + n_resume) != nf + n_resume) {
		DP_LOG(ERR, "graph: rx edges: %s", rte_strerror(rte_errno));
		return -EINVAL;
	}
	{
		const char *rn[RX_EDGE_FEATURE + 2 * DP_FEATURES_MAX * DP_FEATURE_STAGES_MAX] = {
			[RX_EDGE_OUT] = "port_out", [RX_EDGE_DROP] = "drop" };

		memcpy(rn + RX_EDGE_FEATURE, entries, (nf + n_resume) * sizeof(entries[0]));
		desc_add(rx_node.name, RX_EDGE_FEATURE + nf + n_resume, rn);
	}
	desc_add(port_out_node.name, 0, NULL);
	desc_add(drop_node.name, 0, NULL);
	for (unsigned int p = 0; p < dp_n_ports; p++)
		port_edge[p] = RX_EDGE_FEATURE + dp_feature_of_role(dp_ports[p].cfg->role);
	return 0;
}

static void
graph_name(const struct dp_worker *w, char *buf, size_t len)
{
	snprintf(buf, len, "sxdp_w%u", w->idx);
}

bool
dp_graph_hands_off(void)
{
	return n_resume != 0;
}

int
dp_graph_create(struct dp_worker *w)
{
	const char *pat[NODES_MAX];
	char name[RTE_GRAPH_NAMESIZE];
	rte_graph_t id;

	for (unsigned int i = 0; i < n_descs; i++)
		pat[i] = descs[i].name;
	graph_name(w, name, sizeof(name));
	building = w;
	id = rte_graph_create(name, &(struct rte_graph_param){
		.socket_id = (int)rte_lcore_to_socket_id(w->lcore),
		.nb_node_patterns = (uint16_t)n_descs, .node_patterns = pat });
	building = NULL;
	if (id == RTE_GRAPH_ID_INVALID) {
		DP_LOG(ERR, "graph %s: %s", name, rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -EINVAL;
	}
	w->graph = rte_graph_lookup(name);
	graphs[w->idx] = w;
	return 0;
}

void
dp_graph_destroy(struct dp_worker *w)
{
	char name[RTE_GRAPH_NAMESIZE];

	if (w->graph == NULL)
		return;
	graph_name(w, name, sizeof(name));
	rte_graph_destroy(rte_graph_from_name(name));
	w->graph = NULL;
	graphs[w->idx] = NULL;
}

/* ------------------------------------------------------------ the walk */

/* rte_graph_walk() with the per-node cycle count on one walk in
 * DP_GRAPH_TIMED_EVERY: DPDK's walk reads the TSC twice per node call,
 * which cost about 10 cycles per packet on the l3 bench (6 nodes, 64
 * packets a walk; 13.4 against 14.4 Mpps). Calls and packets stay exact. */
void
dp_graph_walk(struct rte_graph *graph, uint32_t walk)
{
	const rte_graph_off_t *cir_start = graph->cir_start;
	const rte_node_t mask = graph->cir_mask;
	const bool timed = (walk & (DP_GRAPH_TIMED_EVERY - 1)) == 0;
	uint32_t head = graph->head;

	while (likely(head != graph->tail)) {
		struct rte_node *node = RTE_PTR_ADD(graph, cir_start[(int32_t)head++]);
		void **objs = node->objs;
		uint64_t t = 0;
		uint16_t rc;

		rte_prefetch0(objs);
		if (unlikely(timed))
			t = rte_rdtsc();
		rc = node->process(graph, node, objs, node->idx);
		if (unlikely(timed))
			node->total_cycles += (rte_rdtsc() - t) * DP_GRAPH_TIMED_EVERY;
		node->total_calls++;
		node->total_objs += rc;
		node->idx = 0;
		head = likely((int32_t)head > 0) ? head & mask : head;
	}
	graph->tail = 0;
}

/* ------------------------------------------------------------ describe */

json_t *
dp_graph_describe(void)
{
	json_t *features = json_array(), *stages = json_array(), *graph = json_array();
	char desc[1024];
	size_t off = 0;

	desc[0] = 0;
	json_array_append_new(stages, json_string("parse"));
	for (unsigned int i = 0; i < dp_feature_count(); i++) {
		const struct dp_feature *f = dp_feature_get(i);
		json_t *roles = json_array(), *fs = json_array();

		for (unsigned int r = 0; r < DP_ROLE_MAX; r++)
			if (dp_feature_of_role(r) == i)
				json_array_append_new(roles, json_string(dp_role_name(r)));
		for (unsigned int s = 0; s < f->n_stages; s++) {
			json_array_append_new(fs, json_string(f->stages[s].name));
			json_array_append_new(stages, json_string(f->stages[s].name));
		}
		json_array_append_new(features, json_pack("{s:s,s:s,s:o,s:o}", "name", f->name,
			"description", f->description, "roles", roles, "stages", fs));
		off += snprintf(desc + off, off < sizeof(desc) ? sizeof(desc) - off : 0, "%s%s",
				off ? "; " : "", f->description);
	}
	for (unsigned int i = 0; i < n_descs; i++) {
		json_t *next = json_array();

		for (unsigned int e = 0; e < descs[i].n_next; e++)
			json_array_append_new(next, json_string(descs[i].next[e]));
		json_array_append_new(graph, json_pack("{s:s,s:o}", "node", descs[i].name, "next", next));
	}
	return json_pack("{s:s,s:o,s:o,s:o}", "description", desc, "features", features,
			 "stages", stages, "graph", graph);
}

/* ------------------------------------------------------------ node stats */

json_t *
dp_graph_stats(void)
{
	json_t *nodes = json_array();

	for (unsigned int i = 0; i < n_descs; i++) {
		uint64_t calls = 0, objs = 0, cycles = 0;

		for (unsigned int k = 0; k < DP_WORKERS_MAX; k++) {
			const struct rte_graph *g = graphs[k] ? graphs[k]->graph : NULL;
			struct rte_node *n;

			if (g == NULL)
				continue;
			n = rte_graph_node_get_by_name(g->name, descs[i].name);
			if (n == NULL)
				continue;
			/* written by the worker as it runs: plain loads, like dp_stats */
			calls += n->total_calls;
			objs += n->total_objs;
			cycles += n->total_cycles;
		}
		json_array_append_new(nodes, json_pack("{s:s,s:I,s:I,s:I,s:f}", "node", descs[i].name,
			"calls", (json_int_t)calls, "packets", (json_int_t)objs, "cycles", (json_int_t)cycles,
			"cycles_per_packet", objs ? (double)cycles / (double)objs : 0.0));
	}
	return json_pack("{s:o,s:i}", "nodes", nodes, "cycles_sampled_every", DP_GRAPH_TIMED_EVERY);
}
