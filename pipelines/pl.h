/* The contract every pipeline stage follows: one burst in, one verdict per
 * packet out. Stages never free or transmit; the worker loop does that from
 * the verdicts, so a drop is a verdict plus a named reason. */
#ifndef PL_H
#define PL_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_meta.h"
#include "dp_drop.h"

struct dp_lcore_stats;
struct dp_tables_root;

/* Verdicts. Values from PL_NEXT_DROP_BASE up are drops; the reason is
 * next - PL_NEXT_DROP_BASE (an enum dp_drop). */
enum {
	PL_NEXT_CONTINUE = 0,   /* on to the next stage */
	PL_NEXT_TX,             /* transmit on dp_meta.out_port (logical port index) */
	PL_NEXT_PUNT,           /* hand to the slow path on the main lcore */
	PL_NEXT_DROP_BASE = 0x100,
};

#define PL_DROP(reason) ((uint16_t)(PL_NEXT_DROP_BASE + (reason)))
#define PL_IS_DROP(next) ((next) >= PL_NEXT_DROP_BASE)
#define PL_DROP_REASON(next) ((unsigned int)((next) - PL_NEXT_DROP_BASE))

#define PL_EXTRA_MAX 512

/* Per-worker context handed to every stage. */
struct pl_ctx {
	unsigned int worker;               /* dense worker index, 0..n_workers-1 */
	unsigned int lcore;
	struct dp_lcore_stats *stats;      /* this lcore's counters */
	const struct dp_tables_root *root; /* table snapshot for this burst */
	uint64_t now;                      /* TSC at burst start */
	/* Copies a stage made (flooding), each with dp_meta.out_port set: the
	 * worker transmits them after the stage like PL_NEXT_TX verdicts. */
	uint16_t n_extra;
	struct rte_mbuf *extra[PL_EXTRA_MAX];
};

typedef uint16_t (*pl_stage_fn)(struct pl_ctx *ctx, struct rte_mbuf **pkts,
				uint16_t n, uint16_t *next);

/* A pipeline: the tables it declares and the stages a burst goes through
 * after the parser. Selected by name from the config ("pipeline"). */
#define PL_STAGES_MAX 8

struct pl_pipeline {
	const char *name;
	const char *description;
	int (*init)(unsigned int n_workers); /* declare tables; main lcore, before workers */
	unsigned int n_stages;
	pl_stage_fn stages[PL_STAGES_MAX];
	const char *stage_names[PL_STAGES_MAX];
	/* Punted packets, on the main lcore. Returns the port index to send on,
	 * or -1 when it consumed (freed) the packet. NULL: punts are dropped. */
	int (*slowpath)(struct rte_mbuf *m);
	/* Main lcore, every loop (about every millisecond): learning, ageing,
	 * timers. NULL: nothing to do. */
	void (*ctl_poll)(uint64_t now_tsc);
	/* Main lcore, after workers stopped: give back what the pipeline holds. */
	void (*fini)(void);
};

/* Called by a feature's constructor (PL_PIPELINE_REGISTER) before main(). */
void pl_pipeline_register(const struct pl_pipeline *pl);
#define PL_PIPELINE_REGISTER(pl) \
	RTE_INIT(pl_register_##pl) { pl_pipeline_register(&(pl)); }

const struct pl_pipeline *pl_pipeline_find(const char *name);
/* Comma-separated list of known pipeline names, for error messages. */
const char *pl_pipeline_names(void);

#endif
