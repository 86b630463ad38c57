/* Egress scheduling with rte_sched (qs_sched.h): the tables and their
 * admission checks, a scheduler's life (made when its sched_ports entry
 * is, flushed and freed when it goes), the egress hooks the core calls
 * (any worker enqueues, the owner applies commands, takes the hand-over
 * ring, dequeues), and qos.sched, the counters. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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

#define TCS RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE
#define TC_BE RTE_SCHED_TRAFFIC_CLASS_BE
#define SUBPORTS_MAX 64
#define PIPES_MAX 4096
#define PIPE_PROFILES 64           /* distinct pipe rates per subport */
#define SUBPORT_PROFILES 128       /* distinct subport rates per port */
#define PIPE_SLOTS 1024            /* configured pipes a port counts */
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
enum { SUBPORT, SUBPORT_NONE };
enum { PIPE, PIPE_NONE };
enum { TC, TC_DEFAULT };

struct sched_p { uint64_t rate_bps; uint16_t subports, pipes, qsize; uint8_t red; };
struct subport_p { uint64_t rate_bps, ceil_bps; uint16_t subport; };
struct pipe_p { uint64_t rate_bps, ceil_bps; };
struct tc_p { uint8_t tc, queue; };

static const struct dp_table_def sched_ports_def = {
	.name = QOS_T_SCHED_PORTS, .size = DP_PORTS_MAX, .n_fields = 1,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 } },
	.n_actions = 2,
	.actions = {
		[SCHED] = { QOS_A_SCHED, 5, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_SUBPORTS, DP_T_U16, SUBPORTS_MAX },
					  { QOS_F_PIPES, DP_T_U16, PIPES_MAX }, { QOS_F_QSIZE, DP_T_U16, 4096 },
					  { QOS_F_RED, DP_T_U8, 1, true } } },
		[SCHED_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SCHED_NONE, .next_table = QOS_T_SCHED_SUBPORTS,
};

static const struct dp_table_def sched_subports_def = {
	.name = QOS_T_SCHED_SUBPORTS, .size = DP_PORTS_MAX * SUBPORTS_MAX, .n_fields = 2,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = {
		[SUBPORT] = { QOS_A_SUBPORT, 3, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true },
					      { QOS_F_SUBPORT, DP_T_U16, SUBPORTS_MAX - 1 } } },
		[SUBPORT_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SUBPORT_NONE, .next_table = QOS_T_SCHED_PIPES,
};

static const struct dp_table_def sched_pipes_def = {
	.name = QOS_T_SCHED_PIPES, .size = 16384, .n_fields = 3,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT }, { QOS_F_PIPE, DP_T_U16, DP_MATCH_EXACT, PIPES_MAX - 1 } },
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

enum { CMD_SUBPORT, CMD_PIPE, CMD_HARVEST };
struct cmd {
	uint32_t op, subport, pipe, pad;
	uint64_t rate;               /* bytes/s */
	uint64_t seq;
};

struct ctr {
	uint64_t pkts, bytes, drops;
};

struct qs_port {
	struct dp_egress eg;
	struct rte_sched_port *sp;
	struct rte_ring *handoff;    /* other workers' packets (MP, owner SC) */
	struct rte_ring *cmds;       /* control -> owner */
	uint16_t port;
	unsigned int owner;          /* worker index: the one that runs rte_sched */
	uint32_t n_subports, n_pipes;
	uint64_t rate;               /* bytes/s */
	uint64_t cmd_seq;            /* control's */
	uint64_t cmd_done;           /* owner's, control waits on it */
	uint64_t queued;             /* owner's: enqueued, not dequeued yet */
	/* owner's: each queue's length as far as what it let in and out; a
	 * packet for a full queue is dropped here (tail drop), so rte_sched
	 * never drops and these stay exact; with red, WRED on that length
	 * (per traffic class and color: rte_red) decides first */
	uint16_t *qlen;
	struct rte_red *red;
	struct rte_red_config red_cfg[TCS][RTE_COLORS];
	uint16_t qsize;
	uint32_t pipe_shift;         /* queue id >> this: the subport */
	/* owner's: the wire. rte_sched takes the NIC's TX to pace the port
	 * (its clock advances with what it releases); a virtual or faster
	 * port would take everything, so the owner releases no faster than
	 * rate: a byte budget refilled from the TSC, spent in debt */
	int64_t wire_credit;
	uint64_t wire_tsc, wire_cap;
	/* set by the control thread: only when the slices' ceilings add up
	 * above the rate can rte_sched's own buckets let out more than it
	 * (a budget in series with buckets at the same rate loses a few %) */
	bool paced;
	/* written by the control thread (one byte or word each), read by workers */
	uint8_t sub_of_slice[UINT16_MAX + 1];   /* 0: the best-effort subport */
	uint16_t *pipe_slot;                     /* [subport * n_pipes + pipe]: 1.. when configured */
	uint16_t slot_slice[PIPE_SLOTS], slot_pipe[PIPE_SLOTS];
	uint16_t sub_slice[SUBPORTS_MAX];        /* the slice a subport serves (0 for subport 0) */
	/* owner's */
	uint64_t sub_rate[SUBPORT_PROFILES];
	uint32_t n_sub_prof;
	uint64_t pipe_rate[SUBPORTS_MAX][PIPE_PROFILES];
	uint32_t n_pipe_prof[SUBPORTS_MAX];
	/* counters: the owner adds on a harvest, the control thread reads */
	struct ctr sub_ctr[SUBPORTS_MAX][TCS];
	struct ctr pipe_ctr[PIPE_SLOTS];
};

static struct qs_port *ports[DP_PORTS_MAX];
static uint8_t dscp_map[64];     /* tc << 2 | queue */
static unsigned int n_workers, drop_full, drop_red, drop_flushed;
static int bad_sched, no_sched, bad_subport, oversubscribed, sched_in_use;

static uint64_t
bytes_of(uint64_t bps)
{
	return bps / 8;
}

/* The enforcement period for a rate (bytes/s), ms: 10 at least, 1 s at most. */
static uint64_t
tc_period(uint64_t rate)
{
	uint64_t ms = ((uint64_t)TC_PERIOD_FRAMES * FRAME_WIRE_MAX * 1000 + rate - 1) / rate;

	return RTE_MIN(RTE_MAX(ms, 10ull), 1000ull);
}

/* The owner's side of a profile: the id of rate's, added when new. */
static int
sub_profile(struct qs_port *q, uint64_t rate, uint32_t *id)
{
	struct rte_sched_subport_profile_params pp = { .tb_rate = rate, .tc_period = tc_period(rate) };

	for (uint32_t i = 0; i < q->n_sub_prof; i++)
		if (q->sub_rate[i] == rate) {
			*id = i;
			return 0;
		}
	pp.tb_size = RTE_MAX(rate / 100, (uint64_t)2 * 9600);
	for (unsigned int t = 0; t < TCS; t++)
		pp.tc_rate[t] = rate;
	if (rte_sched_port_subport_profile_add(q->sp, &pp, id) < 0)
		return -ENOSPC;
	q->sub_rate[q->n_sub_prof++] = rate;
	return 0;
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

static int
pipe_profile(struct qs_port *q, uint32_t subport, uint64_t rate, uint32_t *id)
{
	struct rte_sched_pipe_params pp;

	for (uint32_t i = 0; i < q->n_pipe_prof[subport]; i++)
		if (q->pipe_rate[subport][i] == rate) {
			*id = i;
			return 0;
		}
	pipe_params(&pp, rate);
	if (rte_sched_subport_pipe_profile_add(q->sp, subport, &pp, id) < 0)
		return -ENOSPC;
	q->pipe_rate[subport][q->n_pipe_prof[subport]++] = rate;
	return 0;
}

/* Read and clear rte_sched's counters into ours. */
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
	for (uint32_t i = 0; i < (uint32_t)q->n_subports * q->n_pipes; i++) {
		uint16_t slot = q->pipe_slot[i];

		if (slot == 0)
			continue;
		for (uint32_t k = 0; k < RTE_SCHED_QUEUES_PER_PIPE; k++) {
			struct rte_sched_queue_stats qs;
			uint16_t qlen;

			/* queue ids: subport, then pipe, then the pipe's 16 queues */
			if (rte_sched_queue_read_stats(q->sp, i * RTE_SCHED_QUEUES_PER_PIPE + k, &qs, &qlen) < 0)
				continue;
			q->pipe_ctr[slot - 1].pkts += qs.n_pkts;
			q->pipe_ctr[slot - 1].bytes += qs.n_bytes;
			q->pipe_ctr[slot - 1].drops += qs.n_pkts_dropped;
		}
	}
}

/* Owner: the control thread's changes, in order. */
static void
apply_cmds(struct qs_port *q)
{
	struct cmd c;

	while (rte_ring_sc_dequeue_elem(q->cmds, &c, sizeof(c)) == 0) {
		uint32_t id;

		if (c.op == CMD_SUBPORT) {
			if (sub_profile(q, c.rate, &id) < 0 || rte_sched_subport_config(q->sp, c.subport, NULL, id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u: rate %lu B/s not applied", q->port, c.subport,
				       (unsigned long)c.rate);
		} else if (c.op == CMD_PIPE) {
			if (pipe_profile(q, c.subport, c.rate, &id) < 0 ||
			    rte_sched_pipe_config(q->sp, c.subport, c.pipe, (int32_t)id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u pipe %u: rate %lu B/s not applied", q->port,
				       c.subport, c.pipe, (unsigned long)c.rate);
		} else {
			harvest(q);
		}
		__atomic_store_n(&q->cmd_done, c.seq, __ATOMIC_RELEASE);
	}
}

/* Control thread: c applied by the owner (at once when nothing runs it). */
static int
send_cmd(struct qs_port *q, struct cmd c)
{
	uint64_t until;

	c.seq = ++q->cmd_seq;
	if (rte_ring_sp_enqueue_elem(q->cmds, &c, sizeof(c)) < 0)
		return -ENOSPC;
	if (__atomic_load_n(&dp_egress_of[q->port], __ATOMIC_ACQUIRE) != &q->eg) {
		apply_cmds(q);   /* not published: no worker owns it */
		return 0;
	}
	until = rte_get_tsc_cycles() + rte_get_tsc_hz();
	while (__atomic_load_n(&q->cmd_done, __ATOMIC_ACQUIRE) < c.seq) {
		if (rte_get_tsc_cycles() > until) {
			DP_LOG(ERR, "qos: port %u: the owner worker did not apply a change within 1 s", q->port);
			return -ETIMEDOUT;
		}
		rte_pause();
	}
	return 0;
}

/* ------------------------------------------------------------ workers */

/* Owner: a packet it drops before rte_sched, counted as rte_sched would
 * (its subport and traffic class, its pipe) and under reason. */
static void
drop_early(struct dp_stage_ctx *ctx, struct qs_port *q, struct rte_mbuf *m, uint32_t qid, unsigned int reason)
{
	uint32_t sub = qid >> q->pipe_shift, tc = rte_mbuf_sched_traffic_class_get(m);
	uint16_t slot = q->pipe_slot[qid >> 4];

	q->sub_ctr[sub][tc].drops++;
	if (slot != 0)
		q->pipe_ctr[slot - 1].drops++;
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
		    rte_red_enqueue(&q->red_cfg[rte_mbuf_sched_traffic_class_get(m)][rte_mbuf_sched_color_get(m)],
				    &q->red[qid], q->qlen[qid], t) != 0) {
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
		uint32_t sub = q->sub_of_slice[md->slice], pipe = md->class_id;
		uint8_t t = dscp_map[dp_flowkey_tos(m, md) >> 2];

		if (pipe >= q->n_pipes || q->pipe_slot[sub * q->n_pipes + pipe] == 0)
			pipe = 0;   /* the slice's default pipe */
		rte_sched_port_pkt_write(q->sp, m, sub, pipe, t >> 2, t & 3,
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

/* WRED per traffic class and color on a queue of qsize (RFC 2309's RED
 * with the drop precedence of RFC 2597): green from 1/2 to the whole
 * queue, yellow from 1/4 to 1/2, red from 1/8 to 1/4; at most 1 drop in 10
 * at the top threshold, the average over 2^9 packets. Thresholds are
 * rte_red's, at most 1023. */
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
	rte_free(q->pipe_slot);
	rte_free(q->qlen);
	rte_free(q->red);
	rte_free(q);
}

static struct qs_port *
port_new(uint16_t port, const struct sched_p *p)
{
	struct rte_sched_subport_profile_params sprof = { 0 };
	struct rte_sched_pipe_params pprof;
	struct rte_sched_subport_params sub = { .n_pipe_profiles = 1, .n_max_pipe_profiles = PIPE_PROFILES,
						.pipe_profiles = &pprof };
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
	q->owner = port % n_workers;
	/* 10 ms of it, a TX ring's worth: a budget that could not wait for
	 * rte_sched's own buckets would lose what they hold back (1 ms: the
	 * port shaped 15 % low, measured) */
	q->wire_cap = RTE_MAX(q->rate / 100, (uint64_t)4 * FRAME_WIRE_MAX);
	q->wire_credit = (int64_t)q->wire_cap;
	q->wire_tsc = rte_get_tsc_cycles();
	q->pipe_slot = rte_zmalloc("qos_sched_slots", sizeof(uint16_t) * q->n_subports * q->n_pipes, 0);
	q->qsize = p->qsize;
	q->pipe_shift = (uint32_t)rte_log2_u32(q->n_pipes) + 4;
	q->qlen = rte_zmalloc("qos_sched_qlen", sizeof(uint16_t) * q->n_subports * q->n_pipes *
			      RTE_SCHED_QUEUES_PER_PIPE, 0);
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
	if (q->pipe_slot == NULL || q->qlen == NULL || q->handoff == NULL || q->cmds == NULL ||
	    (q->sp = rte_sched_port_config(&pp)) == NULL)
		goto fail;
	q->sub_rate[0] = q->rate;
	q->n_sub_prof = 1;
	for (uint32_t s = 0; s < q->n_subports; s++) {
		if (rte_sched_subport_config(q->sp, s, &sub, 0) < 0 || rte_sched_pipe_config(q->sp, s, 0, 0) < 0)
			goto fail;
		q->pipe_rate[s][0] = q->rate;
		q->n_pipe_prof[s] = 1;
	}
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
			if (p == 0 || q->pipe_slot[s * q->n_pipes + p])
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
	struct qs_port *q = ports[port];

	if (q == NULL)
		return;
	dp_egress_set(port, NULL);
	ports[port] = NULL;
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

/* Every entry of table as batch[0..n) and then extra leave it, to fn. */
struct left {
	int table;
	const struct dp_update *batch, *extra;
	unsigned int n;
	void (*fn)(const uint8_t *key, const uint8_t *params, void *arg);
	void *arg;
};

static int
installed_left(const struct dp_entry_view *ev, void *arg)
{
	const struct left *l = arg;
	uint8_t params[DP_PARAMS_BYTES];
	uint16_t action;

	if (dp_table_batch_view(l->table, ev->key, l->batch, l->n, l->extra, &action, params) && action == 0)
		l->fn(ev->key, params, l->arg);
	return 0;
}

static void
each_left(int table, const struct dp_update *batch, unsigned int n, const struct dp_update *extra,
	  void (*fn)(const uint8_t *key, const uint8_t *params, void *arg), void *arg)
{
	struct left l = { table, batch, extra, n, fn, arg };

	dp_table_each((unsigned int)table, installed_left, &l);
	/* what the batch makes that is not installed: once, at its last word */
	for (unsigned int j = 0; j <= n; j++) {
		const struct dp_update *u = j < n ? &batch[j] : extra, *last;

		if (u == NULL || u->table != table || u->type == DP_UPD_DELETE || u->type == DP_UPD_DEFAULT ||
		    u->action != 0 || dp_table_find((unsigned int)table, u->key) != NULL)
			continue;
		last = extra != NULL && extra->table == table &&
		       memcmp(extra->key, u->key, dp_table_key_len((unsigned int)table)) == 0 ?
		       extra : dp_table_batch_last(table, u->key, batch, n);
		if (last == u)
			fn(u->key, u->params, arg);
	}
}

struct sum {
	uint16_t port, slice, subport;
	uint64_t total;
	bool clash;
};

static void
add_subport(const uint8_t *key, const uint8_t *params, void *arg)
{
	struct sum *s = arg;
	const struct subport_p *p = (const struct subport_p *)params;

	if (k16(key, 0) != s->port)
		return;
	s->total += p->rate_bps;
	if (p->subport == s->subport && k16(key, 2) != s->slice)
		s->clash = true;
}

static void
add_pipe(const uint8_t *key, const uint8_t *params, void *arg)
{
	struct sum *s = arg;

	if (k16(key, 0) == s->port && k16(key, 2) == s->slice)
		s->total += ((const struct pipe_p *)params)->rate_bps;
}

static void
count_port(const uint8_t *key, const uint8_t *params __rte_unused, void *arg)
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

static int
check_one(const struct dp_update *u, const struct dp_update *batch, unsigned int n)
{
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	uint16_t action, port = k16(u->key, 0);
	struct sched_p sp;
	struct sum s = { .port = port };
	bool del = u->type == DP_UPD_DELETE || u->action != 0;

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
		if (port >= dp_n_ports || p->rate_bps < 8000 || p->subports < 2 || p->pipes < 1 ||
		    p->qsize < 16 || (p->qsize & (p->qsize - 1)) != 0 ||
		    (link_bps(port) != 0 && p->rate_bps > link_bps(port)) ||
		    (uint64_t)pow2(p->subports) * pow2(p->pipes) * RTE_SCHED_QUEUES_PER_PIPE *
		    (p->qsize * sizeof(void *) + sizeof(uint16_t) + (p->red ? sizeof(struct rte_red) : 0)) >
		    QUEUE_BYTES_MAX)
			return bad_sched;
		return 0;
	}
	key16(key, 1, &port);
	if (!dp_table_batch_view(t_ports, key, batch, n, u, &action, params) || action != SCHED)
		return del ? 0 : no_sched;
	memcpy(&sp, params, sizeof(sp));
	if (u->table == t_subports) {
		const struct subport_p *p = (const struct subport_p *)u->params;

		if (del) {
			s.slice = k16(u->key, 2);
			each_left(t_pipes, batch, n, u, add_pipe, &s);
			return s.total ? sched_in_use : 0;
		}
		if (p->subport == 0 || p->subport >= sp.subports)
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > sp.rate_bps)
			return bad_sched;
		s.slice = k16(u->key, 2);
		s.subport = p->subport;
		each_left(t_subports, batch, n, u, add_subport, &s);
		if (s.clash)
			return bad_subport;
		return s.total > sp.rate_bps - sp.rate_bps * BEST_EFFORT_MIN_PCT / 100 ? oversubscribed : 0;
	}
	/* a pipe: within its slice's subport */
	{
		const struct pipe_p *p = (const struct pipe_p *)u->params;
		uint16_t ks[2] = { port, k16(u->key, 2) };
		struct subport_p sub;

		if (del)
			return 0;
		key16(key, 2, ks);
		if (!dp_table_batch_view(t_subports, key, batch, n, u, &action, params) || action != SUBPORT)
			return no_sched;
		memcpy(&sub, params, sizeof(sub));
		if (k16(u->key, 4) == 0 || k16(u->key, 4) >= sp.pipes)
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > RTE_MAX(sub.rate_bps, sub.ceil_bps))
			return bad_sched;
		s.slice = ks[1];
		each_left(t_pipes, batch, n, u, add_pipe, &s);
		return s.total > sub.rate_bps ? oversubscribed : 0;
	}
}

static void
check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++)
		if (res[i] == 0 && (u[i].table == t_ports || u[i].table == t_subports || u[i].table == t_pipes))
			res[i] = check_one(&u[i], u, i);
}

/* ------------------------------------------------------------ applying */

static void
add_ceil(const uint8_t *key, const uint8_t *params, void *arg)
{
	struct sum *s = arg;
	const struct subport_p *p = (const struct subport_p *)params;

	if (k16(key, 0) == s->port)
		s->total += p->ceil_bps ? p->ceil_bps : p->rate_bps;
}

/* The best-effort subport 0 gets what the slices do not reserve; the
 * wire budget paces the port when the ceilings add up above its rate. */
static void
best_effort_rate(struct qs_port *q)
{
	struct sum s = { .port = q->port }, c = { .port = q->port };
	uint64_t be;

	each_left(t_subports, NULL, 0, NULL, add_subport, &s);
	each_left(t_subports, NULL, 0, NULL, add_ceil, &c);
	be = q->rate - bytes_of(s.total);
	send_cmd(q, (struct cmd){ .op = CMD_SUBPORT, .subport = 0, .rate = be });
	__atomic_store_n(&q->paced, bytes_of(c.total) + be > q->rate, __ATOMIC_RELEASE);
}

static void
apply_port(const struct dp_update *u)
{
	uint16_t port = k16(u->key, 0);

	port_drop(port);
	if (u->type == DP_UPD_DELETE || u->action != SCHED)
		return;
	if ((ports[port] = port_new(port, (const struct sched_p *)u->params)) != NULL)
		dp_egress_set(port, &ports[port]->eg);
}

static void
apply_subport(const struct dp_update *u)
{
	struct qs_port *q = ports[k16(u->key, 0)];
	uint16_t slice = k16(u->key, 2);
	const struct subport_p *p = (const struct subport_p *)u->params;
	uint8_t old;

	if (q == NULL)
		return;
	old = q->sub_of_slice[slice];
	if (u->type == DP_UPD_DELETE || u->action != SUBPORT) {
		q->sub_of_slice[slice] = 0;
		q->sub_slice[old] = 0;
	} else {
		send_cmd(q, (struct cmd){ .op = CMD_SUBPORT, .subport = p->subport,
					  .rate = bytes_of(p->ceil_bps ? p->ceil_bps : p->rate_bps) });
		q->sub_slice[p->subport] = slice;
		__atomic_store_n(&q->sub_of_slice[slice], (uint8_t)p->subport, __ATOMIC_RELEASE);
	}
	best_effort_rate(q);
}

static void
apply_pipe(const struct dp_update *u)
{
	struct qs_port *q = ports[k16(u->key, 0)];
	uint16_t slice = k16(u->key, 2), pipe = k16(u->key, 4);
	const struct pipe_p *p = (const struct pipe_p *)u->params;
	uint32_t sub, at;

	if (q == NULL || (sub = q->sub_of_slice[slice]) == 0 || pipe >= q->n_pipes)
		return;
	at = sub * q->n_pipes + pipe;
	if (u->type == DP_UPD_DELETE || u->action != PIPE) {
		/* new packets go to the slice's default pipe; what is queued
		 * in this one still leaves at its rate */
		uint16_t slot = q->pipe_slot[at];

		__atomic_store_n(&q->pipe_slot[at], 0, __ATOMIC_RELEASE);
		if (slot != 0)
			q->slot_slice[slot - 1] = q->slot_pipe[slot - 1] = 0;
		return;
	}
	send_cmd(q, (struct cmd){ .op = CMD_PIPE, .subport = sub, .pipe = pipe,
				  .rate = bytes_of(p->ceil_bps ? p->ceil_bps : p->rate_bps) });
	if (q->pipe_slot[at] == 0) {
		for (uint16_t s = 1; s <= PIPE_SLOTS; s++)
			if (q->slot_pipe[s - 1] == 0 && q->slot_slice[s - 1] == 0) {
				q->slot_slice[s - 1] = slice;
				q->slot_pipe[s - 1] = pipe;
				memset(&q->pipe_ctr[s - 1], 0, sizeof(q->pipe_ctr[s - 1]));
				__atomic_store_n(&q->pipe_slot[at], s, __ATOMIC_RELEASE);
				break;
			}
	}
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
	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		if (d[i].table == t_ports)
			apply_port(&d[i]);
		else if (d[i].table == t_subports)
			apply_subport(&d[i]);
		else if (d[i].table == t_pipes)
			apply_pipe(&d[i]);
		else if (d[i].table == t_dscp)
			apply_dscp(&d[i]);
	}
}

static struct dp_table_deriver watch = { .expand = watch_expand, .done = watch_done };

/* ------------------------------------------------------------ qos.sched */

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }
static const struct dp_schema_field sched_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one port's scheduler",
	.fields = (const struct dp_schema_field[]){
		{ .name = "port", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
		RU("rate_bps", ""), RU("queued", "packets in its queues"),
		{ .name = "subports", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ,
		  .desc = "per subport (0: best effort) and traffic class" },
		{ .name = "pipes", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ, .desc = "per configured pipe" },
		{ .name = NULL } },
};
static const struct dp_rpc_method sched_method = {
	.name = "qos.sched",
	.description = "Every egress scheduler: what each subport (slice) and traffic class, and each "
		       "pipe (VDN or class), sent and dropped",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "ports", .type = DP_SCHEMA_ARRAY, .items = &sched_row },
};

static json_t *
ctr_json(const struct ctr *c)
{
	return json_pack("{s:I, s:I, s:I}", "packets", (json_int_t)c->pkts, "bytes", (json_int_t)c->bytes,
			 "drops", (json_int_t)c->drops);
}

static int
m_sched(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *a = json_array();

	for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
		struct qs_port *q = ports[p];
		json_t *subs, *pipes;

		if (q == NULL)
			continue;
		send_cmd(q, (struct cmd){ .op = CMD_HARVEST });
		subs = json_array();
		pipes = json_array();
		for (uint32_t s = 0; s < q->n_subports; s++) {
			json_t *tcs = json_array();

			if (s != 0 && q->sub_slice[s] == 0)
				continue;
			for (unsigned int t = 0; t < TCS; t++)
				if (q->sub_ctr[s][t].pkts || q->sub_ctr[s][t].drops) {
					json_t *c = ctr_json(&q->sub_ctr[s][t]);

					json_object_set_new(c, "tc", json_integer(t));
					json_array_append_new(tcs, c);
				}
			json_array_append_new(subs, json_pack("{s:I, s:I, s:o}", "subport", (json_int_t)s, "slice",
							      (json_int_t)q->sub_slice[s], "tcs", tcs));
		}
		for (uint32_t i = 0; i < PIPE_SLOTS; i++) {
			json_t *c;

			if (q->slot_pipe[i] == 0)
				continue;
			c = ctr_json(&q->pipe_ctr[i]);
			json_object_set_new(c, "slice", json_integer(q->slot_slice[i]));
			json_object_set_new(c, "pipe", json_integer(q->slot_pipe[i]));
			json_array_append_new(pipes, c);
		}
		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:o, s:o}", "port", dp_ports[p].cfg->name,
						   "rate_bps", (json_int_t)(q->rate * 8), "queued",
						   (json_int_t)q->queued, "subports", subs, "pipes", pipes));
	}
	*result = a;
	return 0;
}

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
	    dp_table_param_off(t_subports, SUBPORT, 2) != offsetof(struct subport_p, subport) ||
	    dp_table_param_off(t_pipes, PIPE, 1) != offsetof(struct pipe_p, ceil_bps) ||
	    dp_table_param_off(t_dscp, TC, 1) != offsetof(struct tc_p, queue))
		return -EINVAL;
	bad_sched = dp_tblrpc_reason_add("bad_sched", "a scheduler needs rate_bps >= 8000 and at most the "
					 "port's link rate, subports >= 2, a power-of-2 qsize >= 16; "
					 "a subport or pipe a rate, a ceiling at least it and at most its parent's");
	no_sched = dp_tblrpc_reason_add("no_sched", "no scheduler on that port (sched_ports), or no subport "
					"for that slice (sched_subports)");
	bad_subport = dp_tblrpc_reason_add("bad_subport", "subport 1..subports-1 (0 is best effort), one per "
					   "slice; pipe 1..pipes-1 (0 is the slice's default)");
	oversubscribed = dp_tblrpc_reason_add("oversubscribed", "the guarantees would add up above the port's "
					      "rate (less 1 % kept for best effort), or a slice's pipes above "
					      "the slice's rate");
	sched_in_use = dp_tblrpc_reason_add("sched_in_use", "subports or pipes still use it: delete them first");
	if (bad_sched == -ENOSPC || no_sched == -ENOSPC || bad_subport == -ENOSPC || oversubscribed == -ENOSPC ||
	    sched_in_use == -ENOSPC || (rc = dp_tblrpc_check_add(check)) < 0)
		return -ENOSPC;
	watch.sources = 1ull << t_ports | 1ull << t_subports | 1ull << t_pipes | 1ull << t_dscp;
	if ((rc = dp_table_deriver_add(&watch)) < 0)
		return rc;
	return dp_rpc_register(&sched_method, m_sched, NULL, NULL);
}

void
qs_sched_fini(void)
{
	/* workers have stopped: nobody owns a port any more */
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (ports[p] != NULL) {
			__atomic_store_n(&dp_egress_of[p], NULL, __ATOMIC_RELEASE);
			port_free(ports[p]);
			ports[p] = NULL;
		}
}
