/* The egress schedulers' state (qs_sched.c keeps it; qs_show.c reads it
 * for qos.sched): a port's scheduler, its commands from the control
 * thread to its owner, and its counters. Main lcore and the owner only. */
#ifndef QS_STATE_H
#define QS_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_red.h>
#include <rte_ring.h>
#include <rte_sched.h>

#include "dp_egress.h"
#include "dp_stats.h"

#define TCS RTE_SCHED_TRAFFIC_CLASSES_PER_PIPE
#define SUBPORTS_MAX 64
#define PIPE_NUM_MAX 4095          /* a pipe's number (sched_pipes, vdns): a class id */

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
	uint16_t sub_slice[SUBPORTS_MAX];  /* the slice a subport serves (0: none; subport 0 is shared) */
	uint64_t sub_now[SUBPORTS_MAX];
	uint64_t be_now;
	struct profs sub_prof;
	struct profs *pipe_prof;     /* [subport] */
	/* counters: the owner adds (harvests, its drops), the control thread reads */
	struct ctr sub_ctr[SUBPORTS_MAX][TCS];
	struct ctr *ctr;             /* [qp * TCS + tc] */
};

/* Every port's scheduler (NULL: none). */
extern struct qs_port *qs_ports[DP_PORTS_MAX];
/* Control: command c to q's owner, waited for. 0 or -errno. */
int qs_state_send(struct qs_port *q, struct cmd c);

#endif
