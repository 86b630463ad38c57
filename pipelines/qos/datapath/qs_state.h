/* The egress schedulers' state: a port's scheduler, the tables' rows as
 * their params lay out, the commands from the control thread to its owner
 * (the one way the control thread changes rte_sched, which is one
 * thread's), its counters. Kept by qs_state.c; made and freed by qs_life,
 * changed by qs_apply, read by qs_admit, the workers (qs_worker) and
 * qos.sched (qs_show). Main lcore and the owner only. */
#ifndef QS_STATE_H
#define QS_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_red.h>
#include <rte_ring.h>
#include <rte_sched.h>

#include "qos_limits.h"
#include "dp_egress.h"
#include "dp_stats.h"

#define TCS RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE
#define TC_BE RTE_SCHED_TRAFFIC_CLASS_BE
#define SLICES (UINT16_MAX + 1)
#define PIPE_PROFILES 64           /* distinct pipe rates per subport, unless sched_ports says */
#define SUBPORT_PROFILES 128       /* distinct rates of the slices with a subport, per port */
/* Best effort's rate is what the guarantees leave, rounded down to a
 * 1/1024 of the port: rte_sched never frees a profile, and a slice coming
 * or going would otherwise cost one each time; so at most 1025 of
 * subport 0's profiles are best effort's, and at most 0.1 % of the port
 * stays unused when best effort is all that is left to send. */
#define BE_STEPS 1024
#define FRAME_WIRE_MAX (RTE_ETHER_MAX_LEN + RTE_SCHED_FRAME_OVERHEAD_DEFAULT)

/* The tables (qs_sched.c declares them): their ids, their actions, their
 * params as they lay out (checked at init). */
struct qs_tables {
	int ports, subports, pipes, dscp;
};
extern struct qs_tables qs_tables;
enum { SCHED, SCHED_NONE };
enum { SUBPORT, SHARED, SUBPORT_NONE };
enum { PIPE, PIPE_NONE };
enum { TC, TC_DEFAULT };
struct sched_p { uint64_t rate_bps; uint16_t subports, pipes, qsize; uint8_t red; uint16_t pipe_profiles; };
struct subport_p { uint64_t rate_bps, ceil_bps; uint16_t subport; };
struct pipe_p { uint64_t rate_bps, ceil_bps; };
struct tc_p { uint8_t tc, queue; };

enum { CMD_SUBPORT, CMD_PIPE, CMD_HARVEST };
struct cmd {
	uint32_t op, subport, pipe, profile;
	uint64_t rate;               /* bytes/s */
	uint64_t seq;
	uint32_t add;                /* a new profile (its id: profile) */
	uint32_t pad;
};

struct ctr {
	uint64_t pkts, bytes, drops;
};

/* Who a pipe serves: its slice and its number (0: the slice's default). */
struct pos {
	uint16_t slice, pipe;
	uint8_t used;
};

/* What the control thread told rte_sched a subport's profiles are: ids in
 * the order added, never freed (rte_sched has no way to). */
struct profs {
	uint64_t *rate;
	uint32_t n, max;
	uint32_t n_be, be_reserve;   /* added for best effort's rate; kept for it of max */
};

struct qs_port {
	struct dp_egress eg;
	struct rte_sched_port *sp;
	struct rte_ring *handoff;    /* other workers' packets (MP, owner SC) */
	struct rte_ring *cmds;       /* control -> owner */
	uint16_t port;
	unsigned int owner;          /* worker index: the one that runs rte_sched */
	uint32_t n_subports, n_pipes, n_qp;  /* n_qp: pipes in all, subport * n_pipes + pipe */
	uint32_t pipe_profiles;      /* per subport, best effort's besides */
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
	/* WRED's top threshold by color, held on the queue's length now too:
	 * the room above a color's is its betters' (red_new) */
	uint16_t red_cap[RTE_COLORS];
	uint16_t qsize;
	uint32_t pipe_shift;         /* queue id >> this: the subport */
	/* owner's: the wire. rte_sched takes the NIC's TX to pace the port
	 * (its clock advances with what it releases); a virtual or faster
	 * port would take everything, so the owner releases no faster than
	 * rate: a byte budget refilled from the TSC, spent in debt */
	int64_t wire_credit;
	uint64_t wire_tsc, wire_cap;
	/* set by the control thread: only when the ceilings add up above
	 * the rate can rte_sched's own buckets let out more than it (a
	 * budget in series with buckets at the same rate loses a few %) */
	bool paced;
	/* written by the control thread (one aligned word each), read by
	 * workers: where a packet goes, subport << 16 | pipe */
	uint32_t *slice_at;          /* [slice]: its default pipe; 0: best effort */
	uint64_t *class_at;          /* [pipe number]: slice << 32 | where; 0: none */
	/* control's */
	struct pos *pos;             /* [qp] */
	uint64_t *pipe_now;          /* [qp]: its rate as configured, bytes/s; 0: never */
	uint16_t sub_slice[QOS_SUBPORTS_MAX];  /* the slice a subport serves (0: none; subport 0 is shared) */
	uint64_t sub_now[QOS_SUBPORTS_MAX];
	uint64_t be_now;
	struct profs sub_prof;
	struct profs *pipe_prof;     /* [subport] */
	/* counters: the owner adds (harvests, its drops), the control thread reads */
	struct ctr sub_ctr[QOS_SUBPORTS_MAX][TCS];
	struct ctr *ctr;             /* [qp * TCS + tc] */
};

/* Every port's scheduler (NULL: none). */
extern struct qs_port *qs_ports[DP_PORTS_MAX];

static inline uint64_t
qs_state_bytes(uint64_t bps)
{
	return bps / 8;
}

/* The enforcement period for a rate (bytes/s), ms: 10 at least, 1 s at most. */
uint64_t qs_state_tc_period(uint64_t rate);
/* A pipe profile at @rate (bytes/s). */
void qs_state_pipe_params(struct rte_sched_pipe_params *pp, uint64_t rate);

/* Owner: the control thread's commands, in order. */
void qs_state_apply(struct qs_port *q);
/* Control: every command posted so far applied by the owner (at once
 * when nothing runs it). 0 or -ETIMEDOUT. */
int qs_state_flush(struct qs_port *q);
/* Control: command c to q's owner, waited for. 0 or -errno. */
int qs_state_send(struct qs_port *q, struct cmd c);
/* Control: subport @sub's pipe @pipe at @rate (bytes/s) (@be: best
 * effort's), or subport @sub at @rate, their profile found or added:
 * posted, applied by the next qs_state_flush. 0, -ENOSPC (no profile
 * left), -ETIMEDOUT. */
int qs_state_set_pipe(struct qs_port *q, uint32_t sub, uint32_t pipe, uint64_t rate, bool be);
int qs_state_set_subport(struct qs_port *q, uint32_t sub, uint64_t rate);

#endif
