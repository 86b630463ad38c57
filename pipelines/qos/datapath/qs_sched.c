/* Egress scheduling with rte_sched (qs_sched.h): the tables and their
 * admission checks, a scheduler's life (made when its sched_ports entry
 * is, flushed and freed when it goes), how its tables place slices and
 * VDNs in its subports and pipes, the egress hooks the core calls (any
 * worker enqueues, the owner applies commands, takes the hand-over ring,
 * dequeues). Its state is qs_state.h's; qos.sched, the counters, qs_show.c. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_red.h>
#include <rte_sched.h>

#include "qs_sched.h"
#include "qs_state.h"
#include "qs_show.h"
#include "qos_api.h"
#include "qos_names.h"
#include "dp_egress.h"
#include "dp_flowkey.h"
#include "dp_log.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_tblrpc.h"

#define TC_BE RTE_SCHED_TRAFFIC_CLASS_BE
#define PIPES_MAX 4096
#define SLICES (UINT16_MAX + 1)
#define PIPE_PROFILES 64           /* distinct pipe rates per subport, unless sched_ports says */
#define PIPE_PROFILES_MAX 16384
#define SUBPORT_PROFILES 128       /* distinct rates of the slices with a subport, per port */
/* Best effort's rate is what the guarantees leave, rounded down to a
 * 1/1024 of the port: rte_sched never frees a profile, and a slice coming
 * or going would otherwise cost one each time; so at most 1025 of
 * subport 0's profiles are best effort's, and at most 0.1 % of the port
 * stays unused when best effort is all that is left to send. */
#define BE_STEPS 1024
/* rte_sched hands each traffic class rate x period of credit per period
 * and forgets what is left: a period that holds 64 full frames loses at
 * most 1/64 of a rate to the rounding (10 ms held 2 frames at 2 Mbit/s:
 * 18 % lost, measured). */
#define TC_PERIOD_FRAMES 64
#define FRAME_WIRE_MAX (RTE_ETHER_MAX_LEN + RTE_SCHED_FRAME_OVERHEAD_DEFAULT)
#define HANDOFF_SIZE 4096
#define CMDS_SIZE 256
#define BEST_EFFORT_MIN_PCT 1      /* of a port, never reserved: unclassified traffic */
#define QUEUE_BYTES_MAX (256u << 20) /* a scheduler's queue arrays, at most */

enum { SCHED, SCHED_NONE };
enum { SUBPORT, SHARED, SUBPORT_NONE };
enum { PIPE, PIPE_NONE };
enum { TC, TC_DEFAULT };

struct sched_p { uint64_t rate_bps; uint16_t subports, pipes, qsize; uint8_t red; uint16_t pipe_profiles; };
struct subport_p { uint64_t rate_bps, ceil_bps; uint16_t subport; };
struct pipe_p { uint64_t rate_bps, ceil_bps; };
struct tc_p { uint8_t tc, queue; };

static const struct dp_table_def sched_ports_def = {
	.name = QOS_T_SCHED_PORTS, .size = DP_PORTS_MAX, .n_fields = 1,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 } },
	.n_actions = 2,
	.actions = {
		[SCHED] = { QOS_A_SCHED, 6, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_SUBPORTS, DP_T_U16, SUBPORTS_MAX },
					  { QOS_F_PIPES, DP_T_U16, PIPES_MAX }, { QOS_F_QSIZE, DP_T_U16, 4096 },
					  { QOS_F_RED, DP_T_U8, 1, true },
					  { QOS_F_PIPE_PROFILES, DP_T_U16, PIPE_PROFILES_MAX, true } } },
		[SCHED_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SCHED_NONE, .next_table = QOS_T_SCHED_SUBPORTS,
};

/* A slice's share: a subport of its own (its VDNs pipes of it), or a pipe
 * of subport 0 (its VDNs other pipes of subport 0): the one a thousand
 * slices fit. */
static const struct dp_table_def sched_subports_def = {
	.name = QOS_T_SCHED_SUBPORTS, .size = 16384, .n_fields = 2,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = {
		[SUBPORT] = { QOS_A_SUBPORT, 3, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true },
					      { QOS_F_SUBPORT, DP_T_U16, SUBPORTS_MAX - 1 } } },
		[SHARED] = { QOS_A_PIPE, 2, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true } } },
		[SUBPORT_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SUBPORT_NONE, .next_table = QOS_T_SCHED_PIPES,
};

static const struct dp_table_def sched_pipes_def = {
	.name = QOS_T_SCHED_PIPES, .size = 16384, .n_fields = 3,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT }, { QOS_F_PIPE, DP_T_U16, DP_MATCH_EXACT, PIPE_NUM_MAX } },
	.n_actions = 2,
	.actions = {
		[PIPE] = { QOS_A_PIPE, 2, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true } } },
		[PIPE_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = PIPE_NONE, .next_table = QOS_T_DSCP_TC,
};

static const struct dp_table_def dscp_tc_def = {
	.name = QOS_T_DSCP_TC, .size = 64, .n_fields = 1,
	.fields = { { QOS_F_DSCP, DP_T_U8, DP_MATCH_EXACT, 63 } },
	.n_actions = 2,
	.actions = {
		[TC] = { QOS_A_TC, 2, { { QOS_F_TC, DP_T_U8, TC_BE }, { QOS_F_QUEUE, DP_T_U8, RTE_SCHED_BE_QUEUES_PER_PIPE - 1 } } },
		[TC_DEFAULT] = { QOS_A_BEST_EFFORT, 0, {} },
	},
	.default_action = TC_DEFAULT,
};

static int t_ports = -1, t_subports = -1, t_pipes = -1, t_dscp = -1;

/* ------------------------------------------------------------ state */

struct qs_port *qs_ports[DP_PORTS_MAX];
static uint8_t dscp_map[64];     /* tc << 2 | queue */
static unsigned int n_workers, drop_full, drop_red, drop_flushed;
static int bad_sched, no_sched, bad_subport, oversubscribed, sched_in_use, no_pipe, no_profile;

static uint64_t
bytes_of(uint64_t bps)
{
	return bps / 8;
}

static uint32_t
at_of(uint32_t sub, uint32_t pipe)
{
	return sub << 16 | pipe;
}

/* The enforcement period for a rate (bytes/s), ms: 10 at least, 1 s at most. */
static uint64_t
tc_period(uint64_t rate)
{
	uint64_t ms = ((uint64_t)TC_PERIOD_FRAMES * FRAME_WIRE_MAX * 1000 + rate - 1) / rate;

	return RTE_MIN(RTE_MAX(ms, 10ull), 1000ull);
}

static void
pipe_params(struct rte_sched_pipe_params *pp, uint64_t rate)
{
	memset(pp, 0, sizeof(*pp));
	pp->tb_rate = rate;
	pp->tb_size = RTE_MAX(rate / 100, (uint64_t)2 * 9600);
	for (unsigned int t = 0; t < TCS; t++)
		pp->tc_rate[t] = rate;
	pp->tc_period = tc_period(rate);
	pp->tc_ov_weight = 1;
	for (unsigned int i = 0; i < RTE_SCHED_BE_QUEUES_PER_PIPE; i++)
		pp->wrr_weights[i] = 1;
}

static bool
prof_has(const struct profs *p, uint64_t rate, uint32_t *id)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (p->rate[i] == rate) {
			*id = i;
			return true;
		}
	return false;
}

/* Control: the profile of rate, *add when rte_sched is to add it (the
 * next id: they are added in order); -ENOSPC when none is left. */
static int
prof_get(struct profs *p, uint64_t rate, bool be, uint32_t *id, uint32_t *add)
{
	*add = 0;
	if (prof_has(p, rate, id))
		return 0;
	if (p->n >= p->max || (!be && p->n - p->n_be >= p->max - p->be_reserve))
		return -ENOSPC;
	*id = p->n;
	*add = 1;
	p->rate[p->n++] = rate;
	p->n_be += be;
	return 0;
}

/* Owner: read and clear rte_sched's counters into ours. */
static void
harvest(struct qs_port *q)
{
	for (uint32_t s = 0; s < q->n_subports; s++) {
		struct rte_sched_subport_stats st;
		uint32_t ov;

		if (rte_sched_subport_read_stats(q->sp, s, &st, &ov) < 0)
			continue;
		for (unsigned int t = 0; t < TCS; t++) {
			q->sub_ctr[s][t].pkts += st.n_pkts_tc[t];
			q->sub_ctr[s][t].bytes += st.n_bytes_tc[t];
			q->sub_ctr[s][t].drops += st.n_pkts_tc_dropped[t];
		}
	}
	for (uint32_t i = 0; i < q->n_qp; i++) {
		if (!q->pos[i].used && i != 0)
			continue;
		for (uint32_t k = 0; k < RTE_SCHED_QUEUES_PER_PIPE; k++) {
			struct rte_sched_queue_stats qs;
			struct ctr *c = &q->ctr[i * TCS + RTE_MIN(k, (uint32_t)TC_BE)];
			uint16_t qlen;

			/* queue ids: subport, then pipe, then the pipe's 16
			 * queues (12 strict priority, then best effort's 4) */
			if (rte_sched_queue_read_stats(q->sp, i * RTE_SCHED_QUEUES_PER_PIPE + k, &qs, &qlen) < 0)
				continue;
			c->pkts += qs.n_pkts;
			c->bytes += qs.n_bytes;
			c->drops += qs.n_pkts_dropped;
		}
	}
}

/* Owner: the control thread's changes, in order. */
static void
apply_cmds(struct qs_port *q)
{
	struct cmd c;

	while (rte_ring_sc_dequeue_elem(q->cmds, &c, sizeof(c)) == 0) {
		uint32_t id = c.profile;
		int rc = 0;

		if (c.op == CMD_SUBPORT) {
			struct rte_sched_subport_profile_params pp = { .tb_rate = c.rate, .tc_period = tc_period(c.rate),
								       .tb_size = RTE_MAX(c.rate / 100, (uint64_t)2 * 9600) };

			for (unsigned int t = 0; t < TCS; t++)
				pp.tc_rate[t] = c.rate;
			if (c.add)
				rc = rte_sched_port_subport_profile_add(q->sp, &pp, &id);
			if (rc < 0 || id != c.profile || rte_sched_subport_config(q->sp, c.subport, NULL, id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u: rate %lu B/s not applied", q->port, c.subport,
				       (unsigned long)c.rate);
		} else if (c.op == CMD_PIPE) {
			struct rte_sched_pipe_params pp;

			pipe_params(&pp, c.rate);
			if (c.add)
				rc = rte_sched_subport_pipe_profile_add(q->sp, c.subport, &pp, &id);
			if (rc < 0 || id != c.profile || rte_sched_pipe_config(q->sp, c.subport, c.pipe, (int32_t)id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u pipe %u: rate %lu B/s not applied", q->port,
				       c.subport, c.pipe, (unsigned long)c.rate);
		} else {
			harvest(q);
		}
		__atomic_store_n(&q->cmd_done, c.seq, __ATOMIC_RELEASE);
	}
}

/* Control thread: every command posted so far applied by the owner (at
 * once when nothing runs it). */
static int
flush_cmds(struct qs_port *q)
{
	uint64_t until;

	if (__atomic_load_n(&dp_egress_of[q->port], __ATOMIC_ACQUIRE) != &q->eg) {
		apply_cmds(q);   /* not published: no worker owns it */
		return 0;
	}
	until = rte_get_tsc_cycles() + rte_get_tsc_hz();
	while (__atomic_load_n(&q->cmd_done, __ATOMIC_ACQUIRE) < q->cmd_seq) {
		if (rte_get_tsc_cycles() > until) {
			DP_LOG(ERR, "qos: port %u: the owner worker did not apply a change within 1 s", q->port);
			return -ETIMEDOUT;
		}
		rte_pause();
	}
	return 0;
}

/* Control thread: c queued for the owner; flush_cmds waits for it. */
static int
post_cmd(struct qs_port *q, struct cmd c)
{
	c.seq = ++q->cmd_seq;
	while (rte_ring_sp_enqueue_elem(q->cmds, &c, sizeof(c)) < 0)
		if (flush_cmds(q) < 0)
			return -ETIMEDOUT;
	return 0;
}

int
qs_state_send(struct qs_port *q, struct cmd c)
{
	int rc = post_cmd(q, c);

	return rc < 0 ? rc : flush_cmds(q);
}

/* Control: subport sub's pipe at rate (bytes/s), its profile found or added. */
static int
set_pipe(struct qs_port *q, uint32_t sub, uint32_t pipe, uint64_t rate, bool be)
{
	uint32_t id, add;
	uint32_t qp = sub * q->n_pipes + pipe;

	if (q->pipe_now[qp] == rate)
		return 0;
	if (prof_get(&q->pipe_prof[sub], rate, be, &id, &add) < 0) {
		DP_LOG(ERR, "qos: port %u subport %u: no pipe profile left for %lu B/s", q->port, sub,
		       (unsigned long)rate);
		return -ENOSPC;
	}
	q->pipe_now[qp] = rate;
	return post_cmd(q, (struct cmd){ .op = CMD_PIPE, .subport = sub, .pipe = pipe, .profile = id,
					 .add = add, .rate = rate });
}

static int
set_subport(struct qs_port *q, uint32_t sub, uint64_t rate)
{
	uint32_t id, add;

	if (q->sub_now[sub] == rate)
		return 0;
	if (prof_get(&q->sub_prof, rate, false, &id, &add) < 0) {
		DP_LOG(ERR, "qos: port %u: no subport profile left for %lu B/s", q->port, (unsigned long)rate);
		return -ENOSPC;
	}
	q->sub_now[sub] = rate;
	return post_cmd(q, (struct cmd){ .op = CMD_SUBPORT, .subport = sub, .profile = id, .add = add,
					 .rate = rate });
}

/* ------------------------------------------------------------ workers */

/* Owner: a packet it drops before rte_sched, counted as rte_sched would
 * (its subport and traffic class, its pipe) and under reason. */
static void
drop_early(struct dp_stage_ctx *ctx, struct qs_port *q, struct rte_mbuf *m, uint32_t qid, unsigned int reason)
{
	uint32_t sub = qid >> q->pipe_shift, tc = rte_mbuf_sched_traffic_class_get(m);

	q->sub_ctr[sub][tc].drops++;
	q->ctr[(qid >> 4) * TCS + tc].drops++;
	ctx->stats->drops[reason]++;
	ctx->stats->drop_pkts++;
	rte_pktmbuf_free(m);
}

/* Owner: packets into the scheduler, past the queues' length checks. */
static void
sched_in(struct dp_stage_ctx *ctx, struct qs_port *q, struct rte_mbuf **pkts, uint16_t n)
{
	/* RED's clock: bytes at the port's rate, as rte_sched's own */
	uint64_t t = q->red != NULL ? (uint64_t)((unsigned __int128)ctx->now * q->rate / rte_get_tsc_hz()) : 0;
	uint16_t keep = 0;
	int in;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t qid = rte_mbuf_sched_queue_get(m);

		if (q->qlen[qid] >= q->qsize) {
			drop_early(ctx, q, m, qid, drop_full);
			continue;
		}
		if (q->red != NULL &&
		    (q->qlen[qid] >= q->red_cap[rte_mbuf_sched_color_get(m)] ||
		     rte_red_enqueue(&q->red_cfg[rte_mbuf_sched_traffic_class_get(m)][rte_mbuf_sched_color_get(m)],
				     &q->red[qid], q->qlen[qid], t) != 0)) {
			drop_early(ctx, q, m, qid, drop_red);
			continue;
		}
		q->qlen[qid]++;
		pkts[keep++] = m;
	}
	in = rte_sched_port_enqueue(q->sp, pkts, keep);
	q->queued += (uint64_t)in;
	/* cannot happen: no queue gets more than its size */
	if (unlikely(in < keep)) {
		ctx->stats->drops[drop_full] += keep - (unsigned int)in;
		ctx->stats->drop_pkts += keep - (unsigned int)in;
	}
}

static void
qs_enqueue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t n)
{
	struct qs_port *q = e->arg;
	unsigned int k;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_meta *md = dp_meta(m);
		/* the slice's default pipe, or its class's when the class is
		 * one of that slice's pipes on this port */
		uint32_t at = q->slice_at[md->slice];
		uint8_t t = dscp_map[dp_flowkey_tos(m, md) >> 2];

		if (md->class_id != 0 && md->class_id <= PIPE_NUM_MAX) {
			uint64_t c = q->class_at[md->class_id];

			if ((uint32_t)c != 0 && (uint16_t)(c >> 32) == md->slice)
				at = (uint32_t)c;
		}
		rte_sched_port_pkt_write(q->sp, m, at >> 16, at & 0xffff, t >> 2, t & 3,
					 (enum rte_color)((md->flags & QOS_MF_COLOR_MASK) >> QOS_MF_COLOR_SHIFT));
	}
	if (ctx->worker == q->owner) {
		sched_in(ctx, q, pkts, n);
		return;
	}
	k = rte_ring_mp_enqueue_burst(q->handoff, (void **)pkts, n, NULL);
	for (unsigned int i = k; i < n; i++) {
		ctx->stats->drops[drop_full]++;
		ctx->stats->drop_pkts++;
		rte_pktmbuf_free(pkts[i]);
	}
}

static uint16_t
qs_dequeue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t max)
{
	struct qs_port *q = e->arg;
	struct rte_mbuf *h[64];
	unsigned int n;
	int out;

	if (unlikely(!rte_ring_empty(q->cmds)))
		apply_cmds(q);
	while ((n = rte_ring_sc_dequeue_burst(q->handoff, (void **)h, RTE_DIM(h), NULL)) != 0)
		sched_in(ctx, q, h, (uint16_t)n);
	if (q->queued == 0)
		return 0;
	if (ctx->now > q->wire_tsc) {
		uint64_t hz = rte_get_tsc_hz(), add = (ctx->now - q->wire_tsc) * q->rate / hz;

		/* whole bytes only: the cycles of a fraction stay for later */
		q->wire_tsc += add * hz / q->rate;
		q->wire_credit = RTE_MIN(q->wire_credit + (int64_t)add, (int64_t)q->wire_cap);
	}
	if (q->paced && q->wire_credit <= 0)
		return 0;
	out = rte_sched_port_dequeue(q->sp, pkts, max);
	q->queued -= (uint64_t)out;
	for (int i = 0; i < out; i++) {
		uint32_t qid = rte_mbuf_sched_queue_get(pkts[i]);

		q->wire_credit -= (int64_t)(rte_pktmbuf_pkt_len(pkts[i]) + RTE_SCHED_FRAME_OVERHEAD_DEFAULT);
		if (--q->qlen[qid] == 0 && q->red != NULL)
			rte_red_mark_queue_empty(&q->red[qid], (uint64_t)((unsigned __int128)ctx->now * q->rate /
									  rte_get_tsc_hz()));
	}
	return (uint16_t)out;
}

/* ------------------------------------------------------------ life */

static uint32_t
pow2(uint32_t v)
{
	return v <= 1 ? 1 : rte_align32pow2(v);
}

/* A scheduler's memory past rte_sched's own structures, per queue: its
 * mbuf slots, rte_sched's queue and stats, our length, counters and RED. */
static uint64_t
queue_bytes(const struct sched_p *p)
{
	return (uint64_t)pow2(p->subports) * pow2(p->pipes) * RTE_SCHED_QUEUES_PER_PIPE *
	       (p->qsize * sizeof(void *) + 40 + sizeof(uint16_t) + TCS * sizeof(struct ctr) / 16 +
		(p->red ? sizeof(struct rte_red) : 0));
}

static uint32_t
pipe_profiles_of(const struct sched_p *p)
{
	return p->pipe_profiles != 0 ? p->pipe_profiles : PIPE_PROFILES;
}

/* WRED per traffic class and color on a queue of qsize (RFC 2309's RED
 * with the drop precedence of RFC 2597): green from 1/2 to the whole
 * queue, yellow from 1/4 to 1/2, red from 1/8 to 1/4; at most 1 drop in 10
 * at the top threshold, the average over 2^9 packets. Thresholds are
 * rte_red's, at most 1023. A color's top threshold also caps the queue's
 * length now for it: the average lags a flood by hundreds of packets,
 * and a flood of yellow filled the queue to its tail, where green met it
 * (a GBR flow lost 16 % beside an excess flood: test_qos.py
 * sched_wred_keeps_the_guaranteed_green). */
static struct rte_red *
red_new(struct qs_port *q, uint16_t qsize)
{
	static const uint16_t lo[RTE_COLORS][2] = { { 1, 2 }, { 1, 4 }, { 1, 8 } };   /* min = qsize * a / b */
	uint32_t nq = q->n_subports * q->n_pipes * RTE_SCHED_QUEUES_PER_PIPE;
	struct rte_red *red = rte_zmalloc("qos_sched_red", sizeof(*red) * nq, 0);
	uint16_t top = (uint16_t)RTE_MIN(qsize, RTE_RED_MAX_TH_MAX);

	if (red == NULL)
		return NULL;
	for (unsigned int t = 0; t < TCS; t++)
		for (unsigned int c = 0; c < RTE_COLORS; c++) {
			uint16_t min = (uint16_t)(top * lo[c][0] / lo[c][1]);
			uint16_t max = c == 0 ? top : (uint16_t)(2 * min);

			if (rte_red_config_init(&q->red_cfg[t][c], 9, min, max, 10) != 0) {
				rte_free(red);
				return NULL;
			}
			/* green's is the queue's own (a full queue: qos.sched_full) */
			q->red_cap[c] = c == 0 ? qsize : max;
		}
	for (uint32_t i = 0; i < nq; i++)
		rte_red_rt_data_init(&red[i]);
	return red;
}

/* What a scheduler holds, given back (its queues already empty). */
static void
port_release(struct qs_port *q)
{
	if (q->sp != NULL)
		rte_sched_port_free(q->sp);
	rte_ring_free(q->handoff);
	rte_ring_free(q->cmds);
	rte_free(q->slice_at);
	rte_free(q->class_at);
	rte_free(q->pos);
	rte_free(q->pipe_now);
	rte_free(q->ctr);
	rte_free(q->sub_prof.rate);
	if (q->pipe_prof != NULL)
		for (uint32_t s = 0; s < q->n_subports; s++)
			rte_free(q->pipe_prof[s].rate);
	rte_free(q->pipe_prof);
	rte_free(q->qlen);
	rte_free(q->red);
	rte_free(q);
}

/* Subport 0 holds best effort (its pipe 0) and the slices that are pipes
 * with their VDNs; subports 1.. are the slices that have one of their own.
 * Every subport has every pipe: rte_sched counts a queue id against the
 * queues its subports enable, so a subport with fewer would hide the next
 * ones' counters. */
static struct qs_port *
port_new(uint16_t port, const struct sched_p *p)
{
	struct rte_sched_subport_profile_params sprof = { 0 };
	struct rte_sched_pipe_params pprof;
	struct rte_sched_subport_params sub = { .n_pipe_profiles = 1, .pipe_profiles = &pprof };
	struct rte_sched_port_params pp = {
		.socket = (int)rte_socket_id(), .mtu = DP_PORT_MTU_MAX + DP_L2_OVERHEAD,
		.frame_overhead = RTE_SCHED_FRAME_OVERHEAD_DEFAULT, .subport_profiles = &sprof,
		.n_subport_profiles = 1, .n_max_subport_profiles = SUBPORT_PROFILES,
	};
	char name[32];
	struct qs_port *q = rte_zmalloc("qos_sched", sizeof(*q), RTE_CACHE_LINE_SIZE);

	if (q == NULL)
		return NULL;
	q->port = port;
	q->rate = bytes_of(p->rate_bps);
	q->n_subports = pow2(p->subports);
	q->n_pipes = pow2(p->pipes);
	q->n_qp = q->n_subports * q->n_pipes;
	q->pipe_profiles = pipe_profiles_of(p);
	q->owner = port % n_workers;
	/* 10 ms of it, a TX ring's worth: a budget that could not wait for
	 * rte_sched's own buckets would lose what they hold back (1 ms: the
	 * port shaped 15 % low, measured) */
	q->wire_cap = RTE_MAX(q->rate / 100, (uint64_t)4 * FRAME_WIRE_MAX);
	q->wire_credit = (int64_t)q->wire_cap;
	q->wire_tsc = rte_get_tsc_cycles();
	q->slice_at = rte_zmalloc("qos_sched_slices", sizeof(uint32_t) * SLICES, RTE_CACHE_LINE_SIZE);
	q->class_at = rte_zmalloc("qos_sched_classes", sizeof(uint64_t) * (PIPE_NUM_MAX + 1), RTE_CACHE_LINE_SIZE);
	q->pos = rte_zmalloc("qos_sched_pos", sizeof(struct pos) * q->n_qp, 0);
	q->pipe_now = rte_zmalloc("qos_sched_rates", sizeof(uint64_t) * q->n_qp, 0);
	q->ctr = rte_zmalloc("qos_sched_ctr", sizeof(struct ctr) * q->n_qp * TCS, RTE_CACHE_LINE_SIZE);
	q->sub_prof = (struct profs){ .rate = rte_zmalloc("qos_sched_sprof", sizeof(uint64_t) * SUBPORT_PROFILES, 0),
				      .max = SUBPORT_PROFILES };
	q->pipe_prof = rte_zmalloc("qos_sched_pprofs", sizeof(struct profs) * q->n_subports, 0);
	q->qsize = p->qsize;
	q->pipe_shift = (uint32_t)rte_log2_u32(q->n_pipes) + 4;
	q->qlen = rte_zmalloc("qos_sched_qlen", sizeof(uint16_t) * q->n_qp * RTE_SCHED_QUEUES_PER_PIPE, 0);
	if (q->slice_at == NULL || q->class_at == NULL || q->pos == NULL || q->pipe_now == NULL ||
	    q->ctr == NULL || q->sub_prof.rate == NULL || q->pipe_prof == NULL || q->qlen == NULL)
		goto fail;
	for (uint32_t s = 0; s < q->n_subports; s++) {
		struct profs *pf = &q->pipe_prof[s];

		pf->be_reserve = s == 0 ? BE_STEPS + 1 : 0;
		pf->max = q->pipe_profiles + pf->be_reserve;
		if ((pf->rate = rte_zmalloc("qos_sched_pprof", sizeof(uint64_t) * pf->max, 0)) == NULL)
			goto fail;
	}
	if (p->red && (q->red = red_new(q, p->qsize)) == NULL)
		goto fail;
	snprintf(name, sizeof(name), "qs_handoff_%u", port);
	q->handoff = rte_ring_create(name, HANDOFF_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "qs_cmds_%u", port);
	q->cmds = rte_ring_create_elem(name, sizeof(struct cmd), CMDS_SIZE, (int)rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "qs_port_%u", port);
	pp.name = name;
	/* rte_sched refills its buckets by a port clock that also advances
	 * with every byte it releases: a pipe at the port's own rate would
	 * refill as fast as it sends. Its port runs at twice the rate, the
	 * wire budget (wire_credit) holds the real one. */
	pp.rate = 2 * q->rate;
	pp.n_subports_per_port = q->n_subports;
	pp.n_pipes_per_subport = q->n_pipes;
	sprof.tb_rate = q->rate;
	sprof.tc_period = tc_period(q->rate);
	sprof.tb_size = RTE_MAX(q->rate / 100, (uint64_t)2 * 9600);
	for (unsigned int t = 0; t < TCS; t++) {
		sprof.tc_rate[t] = q->rate;
		sub.qsize[t] = p->qsize;
	}
	pipe_params(&pprof, q->rate);
	sub.n_pipes_per_subport_enabled = q->n_pipes;
	if (q->handoff == NULL || q->cmds == NULL || (q->sp = rte_sched_port_config(&pp)) == NULL)
		goto fail;
	q->sub_prof.rate[0] = q->rate;
	q->sub_prof.n = 1;
	for (uint32_t s = 0; s < q->n_subports; s++) {
		sub.n_max_pipe_profiles = q->pipe_prof[s].max;
		if (rte_sched_subport_config(q->sp, s, &sub, 0) < 0 || rte_sched_pipe_config(q->sp, s, 0, 0) < 0)
			goto fail;
		q->sub_now[s] = q->rate;
		q->pipe_prof[s].rate[0] = q->rate;
		q->pipe_prof[s].n = 1;
		q->pipe_prof[s].n_be = s == 0;
		q->pipe_now[s * q->n_pipes] = q->rate;
	}
	q->be_now = q->rate;
	q->eg = (struct dp_egress){ .enqueue = qs_enqueue, .dequeue = qs_dequeue, .port = port,
				    .owner = q->owner, .arg = q };
	return q;
fail:
	DP_LOG(ERR, "qos: port %u: scheduler not made (rte_sched)", port);
	port_release(q);
	return NULL;
}

/* Once no worker uses q: what it holds dropped and counted on this lcore
 * (every pipe at the port's rate first: it empties at that rate). */
static void
port_free(struct qs_port *q)
{
	struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];
	struct rte_mbuf *m[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(q->handoff, (void **)m, RTE_DIM(m), NULL)) != 0) {
		st->drops[drop_flushed] += n;
		st->drop_pkts += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	apply_cmds(q);
	for (uint32_t s = 0; s < q->n_subports; s++) {
		rte_sched_subport_config(q->sp, s, NULL, 0);
		for (uint32_t p = 0; p < q->n_pipes; p++)
			if (q->pipe_now[s * q->n_pipes + p] != 0)
				rte_sched_pipe_config(q->sp, s, p, 0);
	}
	while (q->queued) {
		int k = rte_sched_port_dequeue(q->sp, m, RTE_DIM(m));

		if (k <= 0) {
			rte_pause();
			continue;
		}
		q->queued -= (uint64_t)k;
		st->drops[drop_flushed] += (unsigned int)k;
		st->drop_pkts += (unsigned int)k;
		rte_pktmbuf_free_bulk(m, (unsigned int)k);
	}
	port_release(q);
}

static void
port_drop(uint16_t port)
{
	struct qs_port *q = qs_ports[port];

	if (q == NULL)
		return;
	dp_egress_set(port, NULL);
	qs_ports[port] = NULL;
	port_free(q);
}

/* ------------------------------------------------------------ admission */

static uint16_t
k16(const uint8_t *key, unsigned int off)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)(key + off));
}

static void
key16(uint8_t *key, unsigned int n, const uint16_t *v)
{
	memset(key, 0, DP_KEY_MAX);
	for (unsigned int i = 0; i < n; i++)
		*(rte_be16_t *)(key + 2 * i) = rte_cpu_to_be_16(v[i]);
}

static uint16_t
none_of(int table)
{
	return table == t_subports ? SUBPORT_NONE : table == t_pipes ? PIPE_NONE : SCHED_NONE;
}

typedef void (*left_fn)(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg);

/* Every entry of table as batch[0..n) and then extra leave it, to fn. */
struct left {
	int table;
	const struct dp_update *batch, *extra;
	unsigned int n;
	left_fn fn;
	void *arg;
};

static int
installed_left(const struct dp_entry_view *ev, void *arg)
{
	const struct left *l = arg;
	uint8_t params[DP_PARAMS_BYTES];
	uint16_t action;

	if (dp_table_batch_view(l->table, ev->key, l->batch, l->n, l->extra, &action, params) &&
	    action != none_of(l->table))
		l->fn(ev->key, action, params, l->arg);
	return 0;
}

static void
each_left(int table, const struct dp_update *batch, unsigned int n, const struct dp_update *extra, left_fn fn,
	  void *arg)
{
	struct left l = { table, batch, extra, n, fn, arg };

	dp_table_each((unsigned int)table, installed_left, &l);
	/* what the batch makes that is not installed: once, at its last word */
	for (unsigned int j = 0; j <= n; j++) {
		const struct dp_update *u = j < n ? &batch[j] : extra, *last;

		if (u == NULL || u->table != table || u->type == DP_UPD_DELETE || u->type == DP_UPD_DEFAULT ||
		    u->action == none_of(table) || dp_table_find((unsigned int)table, u->key) != NULL)
			continue;
		last = extra != NULL && extra->table == table &&
		       memcmp(extra->key, u->key, dp_table_key_len((unsigned int)table)) == 0 ?
		       extra : dp_table_batch_last(table, u->key, batch, n);
		if (last == u)
			fn(u->key, u->action, u->params, arg);
	}
}

struct sum {
	uint16_t port, slice, subport, pipe;
	uint64_t total;
	bool clash;
};

static void
add_subport(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg)
{
	struct sum *s = arg;
	const struct subport_p *p = (const struct subport_p *)params;

	if (k16(key, 0) != s->port)
		return;
	s->total += p->rate_bps;
	if (action == SUBPORT && p->subport == s->subport && k16(key, 2) != s->slice)
		s->clash = true;
}

static void
add_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params, void *arg)
{
	struct sum *s = arg;

	if (k16(key, 0) == s->port && k16(key, 2) == s->slice)
		s->total += ((const struct pipe_p *)params)->rate_bps;
}

/* A pipe number is one slice's on a port: it is the packet's class. */
static void
same_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params __rte_unused, void *arg)
{
	struct sum *s = arg;

	if (k16(key, 0) == s->port && k16(key, 4) == s->pipe && k16(key, 2) != s->slice)
		s->clash = true;
}

static void
count_port(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params __rte_unused, void *arg)
{
	struct sum *s = arg;

	if (k16(key, 0) == s->port)
		s->total++;
}

static uint64_t
link_bps(uint16_t port)
{
	struct rte_eth_link l;

	if (port >= dp_n_ports || rte_eth_link_get_nowait(dp_ports[port].port_id, &l) != 0 ||
	    l.link_speed == 0 || l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		return 0;
	return (uint64_t)l.link_speed * 1000000;
}

/* ------------------------------------------------------------ placement */

/* What a port's tables ask of its scheduler (installed, or as a batch
 * leaves them): each slice's share, each VDN's pipe. */
enum { KIND_NONE, KIND_OWN, KIND_SHARED };
#define WANTS_MAX 32768

struct want {
	uint16_t slice, pipe;
	uint32_t idx;                /* sync: its pipe in subport 0 */
	uint64_t cap;                /* bit/s */
};

struct plan {
	uint16_t port;
	uint8_t *kind;               /* [slice] */
	uint16_t *sub;               /* [slice]: its own subport; sync: its pipe in subport 0 */
	uint64_t *cap, *vsum;        /* [slice]: its ceiling (or rate), its VDNs' rates, bit/s */
	uint16_t *slices;            /* those with a share */
	uint32_t n_slices, nw;
	struct want *w;
	uint64_t guaranteed;         /* bit/s */
	bool full;
};

static void
plan_free(struct plan *p)
{
	free(p->kind);
	free(p->sub);
	free(p->cap);
	free(p->vsum);
	free(p->slices);
	free(p->w);
}

static void
fill_slice(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg)
{
	struct plan *p = arg;
	const struct subport_p *s = (const struct subport_p *)params;
	uint16_t slice = k16(key, 2);

	if (k16(key, 0) != p->port || p->kind[slice] != KIND_NONE)
		return;
	p->kind[slice] = action == SUBPORT ? KIND_OWN : KIND_SHARED;
	p->sub[slice] = action == SUBPORT ? s->subport : 0;
	p->cap[slice] = RTE_MAX(s->rate_bps, s->ceil_bps);
	p->guaranteed += s->rate_bps;
	p->slices[p->n_slices++] = slice;
}

static void
fill_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params, void *arg)
{
	struct plan *p = arg;
	const struct pipe_p *pp = (const struct pipe_p *)params;

	if (k16(key, 0) != p->port)
		return;
	if (p->nw == WANTS_MAX) {
		p->full = true;
		return;
	}
	p->w[p->nw++] = (struct want){ .slice = k16(key, 2), .pipe = k16(key, 4),
				       .cap = RTE_MAX(pp->rate_bps, pp->ceil_bps) };
	p->vsum[k16(key, 2)] += pp->rate_bps;
}

static int
plan_make(struct plan *p, uint16_t port, const struct dp_update *batch, unsigned int n)
{
	memset(p, 0, sizeof(*p));
	p->port = port;
	p->kind = calloc(SLICES, sizeof(*p->kind));
	p->sub = calloc(SLICES, sizeof(*p->sub));
	p->cap = calloc(SLICES, sizeof(*p->cap));
	p->vsum = calloc(SLICES, sizeof(*p->vsum));
	p->slices = calloc(SLICES, sizeof(*p->slices));
	p->w = calloc(WANTS_MAX, sizeof(*p->w));
	if (p->kind == NULL || p->sub == NULL || p->cap == NULL || p->vsum == NULL || p->slices == NULL ||
	    p->w == NULL) {
		plan_free(p);
		return -ENOMEM;
	}
	each_left(t_subports, batch, n, NULL, fill_slice, p);
	each_left(t_pipes, batch, n, NULL, fill_pipe, p);
	return 0;
}

/* A slice that is a pipe of subport 0: its default pipe's rate, what its
 * VDNs leave of its ceiling (0: no default pipe, its other traffic is
 * best effort's). The slice's guarantee is its default pipe's and its
 * VDNs' together. */
static uint64_t
default_cap(const struct plan *p, uint16_t slice)
{
	return p->cap[slice] - RTE_MIN(p->vsum[slice], p->cap[slice]);
}

static bool
shared_want(const struct plan *p, const struct want *w)
{
	return p->kind[w->slice] == KIND_SHARED;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of rates[0..k) (bytes/s, distinct or not) p has no profile for
 * (p NULL: a new scheduler's, which has one, at the port's rate). */
static uint32_t
count_new(uint64_t *rates, uint32_t k, const struct profs *p, uint64_t port_rate)
{
	uint64_t *have, one = port_rate;
	uint32_t m = p != NULL ? p->n : 1, n = 0;

	if (k == 0)
		return 0;
	qsort(rates, k, sizeof(*rates), cmp_u64);
	if ((have = malloc(sizeof(*have) * m)) == NULL)
		return UINT32_MAX;
	memcpy(have, p != NULL ? p->rate : &one, sizeof(*have) * m);
	qsort(have, m, sizeof(*have), cmp_u64);
	for (uint32_t i = 0; i < k; i++)
		if ((i == 0 || rates[i] != rates[i - 1]) && bsearch(&rates[i], have, m, sizeof(*have), cmp_u64) == NULL)
			n++;
	free(have);
	return n;
}

/* A port's scheduler as a batch leaves it: its pipes and the profiles
 * their rates need must fit (rte_sched frees no profile: a rate it has
 * had costs nothing, a new one costs one for the scheduler's life). */
static int
port_fits(uint16_t port, const struct dp_update *batch, unsigned int n)
{
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	struct sched_p sp;
	struct qs_port *q = qs_ports[port];
	struct plan p;
	uint64_t *rates, *subs;
	uint32_t ns = 0, nsub = 0, pipes, free0;
	uint16_t action;
	int rc = 0;

	key16(key, 1, &port);
	if (!dp_table_batch_view(t_ports, key, batch, n, NULL, &action, params) || action != SCHED)
		return 0;
	memcpy(&sp, params, sizeof(sp));
	for (unsigned int i = 0; i < n && q != NULL; i++)
		if (batch[i].table == t_ports && k16(batch[i].key, 0) == port)
			q = NULL;   /* made again: from scratch */
	if (plan_make(&p, port, batch, n) < 0)
		return -ENOMEM;
	rates = malloc(sizeof(*rates) * (WANTS_MAX + SLICES));
	subs = malloc(sizeof(*subs) * SUBPORTS_MAX);
	if (rates == NULL || subs == NULL || p.full) {
		rc = -ENOMEM;
		goto out;
	}
	/* subport 0: the slices that are pipes and their VDNs */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];

		if (p.kind[s] == KIND_SHARED && bytes_of(default_cap(&p, s)) != 0)
			rates[ns++] = bytes_of(default_cap(&p, s));
		else if (p.kind[s] == KIND_OWN && nsub < SUBPORTS_MAX)
			subs[nsub++] = bytes_of(p.cap[s]);
	}
	for (uint32_t i = 0; i < p.nw; i++)
		if (shared_want(&p, &p.w[i]))
			rates[ns++] = bytes_of(p.w[i].cap);
	pipes = pow2(sp.pipes) - 1;
	if (ns > pipes) {
		rc = no_pipe;
		goto out;
	}
	free0 = q != NULL ? q->pipe_prof[0].max - q->pipe_prof[0].be_reserve -
			    (q->pipe_prof[0].n - q->pipe_prof[0].n_be) : pipe_profiles_of(&sp);
	if (count_new(rates, ns, q != NULL ? &q->pipe_prof[0] : NULL, bytes_of(sp.rate_bps)) > free0 ||
	    count_new(subs, nsub, q != NULL ? &q->sub_prof : NULL, bytes_of(sp.rate_bps)) >
	    SUBPORT_PROFILES - (q != NULL ? q->sub_prof.n : 1)) {
		rc = no_profile;
		goto out;
	}
	/* the subports of their own: their VDNs' rates, subport by subport */
	for (uint32_t s = 1; s < pow2(sp.subports) && s < SUBPORTS_MAX; s++) {
		const struct profs *pf = q != NULL && s < q->n_subports ? &q->pipe_prof[s] : NULL;
		uint32_t k = 0;

		for (uint32_t i = 0; i < p.nw; i++)
			if (p.kind[p.w[i].slice] == KIND_OWN && p.sub[p.w[i].slice] == s)
				rates[k++] = bytes_of(p.w[i].cap);
		if (k != 0 && count_new(rates, k, pf, bytes_of(sp.rate_bps)) >
		    pipe_profiles_of(&sp) - (pf != NULL ? pf->n : 1)) {
			rc = no_profile;
			goto out;
		}
	}
out:
	free(rates);
	free(subs);
	plan_free(&p);
	return rc;
}

static int
check_one(const struct dp_update *u, const struct dp_update *batch, unsigned int n)
{
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	uint16_t action, port = k16(u->key, 0);
	struct sched_p sp;
	struct sum s = { .port = port };
	bool del = u->type == DP_UPD_DELETE || u->action == none_of(u->table);

	if (u->type == DP_UPD_DEFAULT)
		return 0;
	if (u->table == t_ports) {
		const struct sched_p *p = (const struct sched_p *)u->params;

		if (del || u->type == DP_UPD_MODIFY) {
			/* what the port's scheduler serves goes first */
			each_left(t_subports, batch, n, NULL, count_port, &s);
			if (s.total)
				return sched_in_use;
			if (del)
				return 0;
		}
		if (port >= dp_n_ports || p->rate_bps < 8000 || p->subports < 1 || p->pipes < 1 ||
		    p->qsize < 16 || (p->qsize & (p->qsize - 1)) != 0 ||
		    (link_bps(port) != 0 && p->rate_bps > link_bps(port)) || queue_bytes(p) > QUEUE_BYTES_MAX)
			return bad_sched;
		return 0;
	}
	key16(key, 1, &port);
	if (!dp_table_batch_view(t_ports, key, batch, n, u, &action, params) || action != SCHED)
		return del ? 0 : no_sched;
	memcpy(&sp, params, sizeof(sp));
	if (u->table == t_subports) {
		const struct subport_p *p = (const struct subport_p *)u->params;

		s.slice = k16(u->key, 2);
		if (del || (dp_table_batch_view(t_subports, u->key, batch, n, NULL, &action, params) &&
			    action != SUBPORT_NONE && action != u->action)) {
			/* its VDNs' pipes are where its share is: they go first */
			each_left(t_pipes, batch, n, u, add_pipe, &s);
			if (s.total)
				return sched_in_use;
			if (del)
				return 0;
		}
		if (u->action == SUBPORT && (p->subport == 0 || p->subport >= sp.subports))
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > sp.rate_bps)
			return bad_sched;
		s.subport = u->action == SUBPORT ? p->subport : UINT16_MAX;
		each_left(t_subports, batch, n, u, add_subport, &s);
		if (s.clash)
			return bad_subport;
		return s.total > sp.rate_bps - sp.rate_bps * BEST_EFFORT_MIN_PCT / 100 ? oversubscribed : 0;
	}
	/* a pipe: within its slice's share */
	{
		const struct pipe_p *p = (const struct pipe_p *)u->params;
		uint16_t ks[2] = { port, k16(u->key, 2) };
		struct subport_p sub;

		if (del)
			return 0;
		key16(key, 2, ks);
		if (!dp_table_batch_view(t_subports, key, batch, n, u, &action, params) || action == SUBPORT_NONE)
			return no_sched;
		memcpy(&sub, params, sizeof(sub));
		s.slice = ks[1];
		s.pipe = k16(u->key, 4);
		/* in a subport of its own, a VDN's number is its pipe */
		if (s.pipe == 0 || (action == SUBPORT && s.pipe >= sp.pipes))
			return bad_subport;
		each_left(t_pipes, batch, n, u, same_pipe, &s);
		if (s.clash)
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > RTE_MAX(sub.rate_bps, sub.ceil_bps))
			return bad_sched;
		each_left(t_pipes, batch, n, u, add_pipe, &s);
		return s.total > sub.rate_bps ? oversubscribed : 0;
	}
}

static void
check(const struct dp_update *u, unsigned int n, int *res)
{
	bool seen[DP_PORTS_MAX] = { false };

	for (unsigned int i = 0; i < n; i++)
		if (res[i] == 0 && (u[i].table == t_ports || u[i].table == t_subports || u[i].table == t_pipes))
			res[i] = check_one(&u[i], u, i);
	/* then each port as the whole batch leaves it: what makes a pipe or
	 * changes a rate is refused when the scheduler has no room for it */
	for (unsigned int i = 0; i < n; i++) {
		uint16_t port = k16(u[i].key, 0);
		int rc;

		if (res[i] != 0 || (u[i].table != t_subports && u[i].table != t_pipes) || port >= DP_PORTS_MAX ||
		    seen[port])
			continue;
		seen[port] = true;
		if ((rc = port_fits(port, u, n)) == 0)
			continue;
		for (unsigned int j = 0; j < n; j++)
			if (res[j] == 0 && (u[j].table == t_subports || u[j].table == t_pipes) &&
			    k16(u[j].key, 0) == port && u[j].type != DP_UPD_DELETE && u[j].type != DP_UPD_DEFAULT &&
			    u[j].action != none_of(u[j].table))
				res[j] = rc;
	}
}

/* ------------------------------------------------------------ applying */

/* Control: a free pipe of subport 0 (1..), its counters cleared; 0: none. */
static uint32_t
pipe_take(struct qs_port *q, uint16_t slice, uint16_t pipe)
{
	for (uint32_t i = 1; i < q->n_pipes; i++)
		if (!q->pos[i].used) {
			q->pos[i] = (struct pos){ .slice = slice, .pipe = pipe, .used = 1 };
			memset(&q->ctr[i * TCS], 0, sizeof(struct ctr) * TCS);
			return i;
		}
	return 0;
}

static void
pipe_give(struct qs_port *q, uint32_t at)
{
	if (at >> 16 == 0 && (at & 0xffff) != 0)
		q->pos[at & 0xffff].used = 0;
}

/* Control: q's subports and pipes as its tables now say, after a batch
 * (admitted whole: port_fits). What goes is unmapped first; a pipe keeps
 * its place while it stays; new places are configured in rte_sched
 * before packets are sent to them. A pipe given up keeps its rate until
 * reused: what it still queues leaves at that rate. */
static void
sync_port(struct qs_port *q)
{
	static uint32_t want_of[PIPE_NUM_MAX + 1];   /* control thread's */
	struct plan p;
	uint64_t be, caps = 0, k;

	if (plan_make(&p, q->port, NULL, 0) < 0) {
		DP_LOG(ERR, "qos: port %u: no memory to place its slices", q->port);
		return;
	}
	/* what goes, or moves */
	for (uint32_t s = 0; s < SLICES; s++) {
		uint32_t at = q->slice_at[s];
		bool keep;

		if (at == 0)
			continue;
		keep = p.kind[s] == KIND_OWN ? at == at_of(p.sub[s], 0) :
		       p.kind[s] == KIND_SHARED && at >> 16 == 0 && bytes_of(default_cap(&p, (uint16_t)s)) != 0;
		if (!keep) {
			__atomic_store_n(&q->slice_at[s], 0, __ATOMIC_RELEASE);
			pipe_give(q, at);
		}
	}
	/* a pipe number is one slice's on a port: one want each */
	memset(want_of, 0, sizeof(want_of));
	for (uint32_t i = 0; i < p.nw; i++)
		if (p.w[i].pipe <= PIPE_NUM_MAX)
			want_of[p.w[i].pipe] = i + 1;
	for (uint32_t c = 1; c <= PIPE_NUM_MAX; c++) {
		uint64_t v = q->class_at[c];
		const struct want *w = want_of[c] != 0 ? &p.w[want_of[c] - 1] : NULL;
		bool keep;

		if (v == 0)
			continue;
		keep = w != NULL && w->slice == (uint16_t)(v >> 32) &&
		       (p.kind[w->slice] == KIND_OWN ? (uint32_t)v == at_of(p.sub[w->slice], c) :
			p.kind[w->slice] == KIND_SHARED && (uint32_t)v >> 16 == 0);
		if (!keep) {
			__atomic_store_n(&q->class_at[c], 0, __ATOMIC_RELEASE);
			pipe_give(q, (uint32_t)v);
		}
	}
	for (uint32_t s = 1; s < q->n_subports && s < SUBPORTS_MAX; s++)
		if (q->sub_slice[s] != 0 && (p.kind[q->sub_slice[s]] != KIND_OWN || p.sub[q->sub_slice[s]] != s))
			q->sub_slice[s] = 0;
	/* what stays or comes: rates and places */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];

		if (p.kind[s] == KIND_OWN) {
			set_subport(q, p.sub[s], bytes_of(p.cap[s]));
			q->sub_slice[p.sub[s]] = s;
			q->pos[p.sub[s] * q->n_pipes] = (struct pos){ .slice = s, .used = 1 };
			caps += bytes_of(p.cap[s]);
		} else if (bytes_of(default_cap(&p, s)) != 0) {
			uint32_t at = q->slice_at[s];
			uint32_t idx = at != 0 ? at & 0xffff : pipe_take(q, s, 0);

			p.sub[s] = (uint16_t)idx;
			if (idx != 0)
				set_pipe(q, 0, idx, bytes_of(default_cap(&p, s)), false);
			caps += bytes_of(default_cap(&p, s));
		}
	}
	for (uint32_t i = 0; i < p.nw; i++) {
		struct want *w = &p.w[i];
		uint64_t v = q->class_at[w->pipe];

		if (p.kind[w->slice] == KIND_OWN) {
			uint32_t qp = p.sub[w->slice] * q->n_pipes + w->pipe;

			if (v == 0)
				memset(&q->ctr[qp * TCS], 0, sizeof(struct ctr) * TCS);
			set_pipe(q, p.sub[w->slice], w->pipe, bytes_of(w->cap), false);
			q->pos[qp] = (struct pos){ .slice = w->slice, .pipe = w->pipe, .used = 1 };
		} else if (p.kind[w->slice] == KIND_SHARED) {
			w->idx = v != 0 ? (uint32_t)v & 0xffff : pipe_take(q, w->slice, w->pipe);
			if (w->idx != 0)
				set_pipe(q, 0, w->idx, bytes_of(w->cap), false);
			caps += bytes_of(w->cap);
		}
	}
	/* best effort: what the guarantees leave, on a grid (BE_STEPS) */
	be = q->rate - RTE_MIN(bytes_of(p.guaranteed), q->rate);
	k = be * BE_STEPS / q->rate;
	be = RTE_MAX(q->rate * k / BE_STEPS, (uint64_t)1);
	set_pipe(q, 0, 0, be, true);
	q->be_now = be;
	__atomic_store_n(&q->paced, caps + be > q->rate, __ATOMIC_RELEASE);
	flush_cmds(q);
	/* then where packets go */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];
		uint32_t at = p.kind[s] == KIND_OWN ? at_of(p.sub[s], 0) :
			      bytes_of(default_cap(&p, s)) != 0 ? at_of(0, p.sub[s]) : 0;

		if (q->slice_at[s] != at)
			__atomic_store_n(&q->slice_at[s], at, __ATOMIC_RELEASE);
	}
	for (uint32_t i = 0; i < p.nw; i++) {
		const struct want *w = &p.w[i];
		uint32_t at = p.kind[w->slice] == KIND_OWN ? at_of(p.sub[w->slice], w->pipe) :
			      p.kind[w->slice] == KIND_SHARED ? at_of(0, w->idx) : 0;
		uint64_t v = at != 0 ? (uint64_t)w->slice << 32 | at : 0;

		if (q->class_at[w->pipe] != v)
			__atomic_store_n(&q->class_at[w->pipe], v, __ATOMIC_RELEASE);
	}
	plan_free(&p);
}

static void
apply_port(const struct dp_update *u)
{
	uint16_t port = k16(u->key, 0);

	port_drop(port);
	if (u->type == DP_UPD_DELETE || u->action != SCHED)
		return;
	if ((qs_ports[port] = port_new(port, (const struct sched_p *)u->params)) != NULL)
		dp_egress_set(port, &qs_ports[port]->eg);
}

static void
apply_dscp(const struct dp_update *u)
{
	const struct tc_p *p = (const struct tc_p *)u->params;
	uint8_t v = u->type == DP_UPD_DELETE || u->action != TC ? TC_BE << 2 :
		    (uint8_t)(p->tc << 2 | (p->tc == TC_BE ? p->queue : 0));

	__atomic_store_n(&dscp_map[u->key[0] & 63], v, __ATOMIC_RELEASE);
}

static int
watch_expand(struct dp_update *u __rte_unused, const struct dp_update *batch __rte_unused,
	     unsigned int n __rte_unused, struct dp_update *out __rte_unused)
{
	return 0;
}

static void
watch_done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool touched[DP_PORTS_MAX] = { false };

	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		if (d[i].table == t_ports)
			apply_port(&d[i]);
		else if (d[i].table == t_dscp)
			apply_dscp(&d[i]);
		if ((d[i].table == t_ports || d[i].table == t_subports || d[i].table == t_pipes) &&
		    k16(d[i].key, 0) < DP_PORTS_MAX)
			touched[k16(d[i].key, 0)] = true;
	}
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (touched[p] && qs_ports[p] != NULL)
			sync_port(qs_ports[p]);
}

static struct dp_table_deriver watch = { .expand = watch_expand, .done = watch_done };

/* ------------------------------------------------------------ wiring */

int
qs_sched_init(unsigned int workers, unsigned int drop_full_reason, unsigned int drop_red_reason,
	      unsigned int drop_flushed_reason)
{
	const struct dp_table_spec tables[] = {
		{ &sched_ports_def, &t_ports, 0 }, { &sched_subports_def, &t_subports, 0 },
		{ &sched_pipes_def, &t_pipes, 0 }, { &dscp_tc_def, &t_dscp, 0 },
	};
	int rc;

	n_workers = workers;
	drop_full = drop_full_reason;
	drop_red = drop_red_reason;
	drop_flushed = drop_flushed_reason;
	memset(dscp_map, TC_BE << 2, sizeof(dscp_map));
	if ((rc = dp_feature_tables("qos", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(t_ports, SCHED, 4) != offsetof(struct sched_p, red) ||
	    dp_table_param_off(t_ports, SCHED, 5) != offsetof(struct sched_p, pipe_profiles) ||
	    dp_table_param_off(t_subports, SUBPORT, 2) != offsetof(struct subport_p, subport) ||
	    dp_table_param_off(t_subports, SHARED, 1) != offsetof(struct pipe_p, ceil_bps) ||
	    dp_table_param_off(t_pipes, PIPE, 1) != offsetof(struct pipe_p, ceil_bps) ||
	    dp_table_param_off(t_dscp, TC, 1) != offsetof(struct tc_p, queue))
		return -EINVAL;
	bad_sched = dp_tblrpc_reason_add("bad_sched", "a scheduler needs rate_bps >= 8000 and at most the "
					 "port's link rate, subports >= 1, a power-of-2 qsize >= 16, queues "
					 "of at most 256 MiB; a share or pipe a rate, a ceiling at least it "
					 "and at most its parent's");
	no_sched = dp_tblrpc_reason_add("no_sched", "no scheduler on that port (sched_ports), or no share "
					"for that slice (sched_subports)");
	bad_subport = dp_tblrpc_reason_add("bad_subport", "subport 1..subports-1 (0 is best effort's and the "
					   "slices' that are pipes), one per slice; a VDN's pipe 1..4095, one "
					   "slice's on a port, below pipes in a subport of its slice's own");
	oversubscribed = dp_tblrpc_reason_add("oversubscribed", "the guarantees would add up above the port's "
					      "rate (less 1 % kept for best effort), or a slice's pipes above "
					      "the slice's rate");
	sched_in_use = dp_tblrpc_reason_add("sched_in_use", "subports or pipes still use it (a slice's VDN "
					    "pipes, its share changing between a subport and a pipe): delete "
					    "them first");
	no_pipe = dp_tblrpc_reason_add("no_pipe", "the port's scheduler has no pipe left: its subport 0 "
				       "holds pipes-1 slices that are pipes and their VDNs (sched_ports "
				       "pipes, at most 4096)");
	no_profile = dp_tblrpc_reason_add("no_profile", "the port's scheduler has no profile left for a new "
					  "rate: a subport keeps pipe_profiles distinct pipe rates "
					  "(sched_ports pipe_profiles, default 64, at most 16384; best effort's "
					  "besides), a port 128 rates of slices with a subport of their own, "
					  "for the scheduler's life (rte_sched frees none; a rate in use costs "
					  "none): reuse a rate, or make the scheduler again");
	if (bad_sched == -ENOSPC || no_sched == -ENOSPC || bad_subport == -ENOSPC || oversubscribed == -ENOSPC ||
	    sched_in_use == -ENOSPC || no_pipe == -ENOSPC || no_profile == -ENOSPC ||
	    (rc = dp_tblrpc_check_add(check)) < 0)
		return -ENOSPC;
	watch.sources = 1ull << t_ports | 1ull << t_subports | 1ull << t_pipes | 1ull << t_dscp;
	if ((rc = dp_table_deriver_add(&watch)) < 0)
		return rc;
	return qs_show_init();
}

void
qs_sched_fini(void)
{
	/* workers have stopped: nobody owns a port any more */
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (qs_ports[p] != NULL) {
			__atomic_store_n(&dp_egress_of[p], NULL, __ATOMIC_RELEASE);
			port_free(qs_ports[p]);
			qs_ports[p] = NULL;
		}
}
