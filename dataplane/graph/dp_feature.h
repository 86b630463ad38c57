/* What a feature (a folder under pipelines/) gives the core: its stages
 * (their shape: dp_stage.h), tables, slow path and timers. A feature
 * registers itself from a constructor; the core builds one packet graph
 * from every feature the config uses, so one sxdp runs several at once. */
#ifndef DP_FEATURE_H
#define DP_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include "dp_meta.h"
#include "dp_drop.h"
#include "dp_stage.h"
#include "dp_ttypes.h"

/* An edge a stage leaves open for the features above it, so a lower
 * feature names none of them: next[k] = DP_EDGE_OPEN("tunnel"). A feature
 * that fills it says so in its own dp_feature.attach; the graph resolves it
 * when it is built, so the edge is k like any other (nothing per packet).
 * Unfilled, or filled by a feature not in use, it drops
 * (core.feature_absent). */
#define DP_EDGE_OPEN(name) "@" name
/* The node another stage's open edge leads to (a fused path that does
 * that stage's work sends its packets where it would). */
#define DP_EDGE_OPEN_OF(stage, name) "@" stage "/" name
struct dp_edge_attach {
	const char *stage;   /* "<lower feature>.<stage>" */
	const char *edge;    /* the name in its DP_EDGE_OPEN */
	const char *node;    /* this feature's stage it leads to */
};
#define DP_FEATURE_ATTACH_MAX 4

#define DP_FEATURE_STAGES_MAX 8
#define DP_FEATURES_MAX 16

#define DP_FEATURE_NEEDS_MAX 4

struct dp_feature {
	const char *name;
	const char *description;
	/* Features this one builds on (their tables, stages, slow path): in
	 * use and set up before it whenever it is. A stage's edge to a node of
	 * a feature that is not in use drops (core.feature_absent). */
	const char *needs[DP_FEATURE_NEEDS_MAX];
	/* Declare tables, register drop reasons and write checks. Main lcore,
	 * before workers start; only for features the config uses. */
	int (*init)(unsigned int n_workers);
	/* stages[0] is where a port's packets enter the feature; a feature
	 * with none only serves others (tables, functions their stages call) */
	unsigned int n_stages;
	struct dp_stage_def stages[DP_FEATURE_STAGES_MAX];
	/* Open edges of lower features' stages this one's stages fill. */
	struct dp_edge_attach attach[DP_FEATURE_ATTACH_MAX];
	/* Punted packets, on the main lcore. Returns the port index to send on,
	 * or -1 when it consumed (freed) the packet. NULL: punts are dropped. */
	int (*slowpath)(struct rte_mbuf *m);
	/* Main lcore, every loop (about every millisecond): learning, ageing,
	 * timers. NULL: nothing to do. */
	void (*ctl_poll)(uint64_t now_tsc);
	/* Worker, once per walk, packets or none (an idle worker's walks
	 * come at its sleep's pace): the timers of a feature's per-worker
	 * state (the edge's connections' timeouts). It keeps itself cheap
	 * (a walk is ~64 packets' time): no locks, no syscalls. NULL: none. */
	void (*walk)(struct dp_stage_ctx *ctx);
	/* Main lcore: sxdp was asked to stop (SIGTERM, SIGINT) and its
	 * workers still forward: what the feature must say while the network
	 * still hears the box (a pair's master handing over). Returns how long
	 * it wants the workers to go on (ms) for its peers to hear it, 0: no
	 * time. NULL: nothing to say. */
	unsigned int (*stopping)(void);
	/* Main lcore, after workers stopped: give back what the feature holds.
	 * After a takeover (dp_handed_over) the traffic goes on in another
	 * process: nothing is said to the network (no goodbye). */
	void (*fini)(void);
	/* A restart that keeps the traffic (dp_takeover.h): the feature's
	 * state beyond its tables (elections, paths' liveness), given by the
	 * old process once its workers stopped (a new JSON value; NULL:
	 * none), and taken by the new one after the tables are copied, before
	 * its ports start (0, or -errno: logged, the takeover goes on). */
	struct json_t *(*handover_out)(void);
	int (*handover_in)(struct json_t *state);
	/* Main lcore: what the box's peer sites say, right now, of the other
	 * boxes of its own site (the witness of a pair's election:
	 * dp_feature_partner): DP_PARTNER_*. NULL: the feature hears nothing
	 * of it. */
	int (*partner)(void);
	/* Main lcore: does the feature carry the box's traffic off site, and
	 * has it nowhere to carry it now (every WAN path down)? A pair's
	 * election then yields to the other box (dp_feature_cut_off). NULL:
	 * it carries nothing off site. */
	bool (*cut_off)(void);
	/* In use whatever the config's pipeline names: a feature with no
	 * stages that watches the others' packets (flowexp's egress tap);
	 * one that needs others, whenever they are in use (it pulls none in:
	 * ha's VRRP wherever the switch runs). */
	bool always;
};

/* A tap on what leaves the box: egress() sees every burst port_out is
 * given, before it is sent (its out_port unchecked: the tap checks what it
 * reads), and walk() runs once per walk of each worker, packets or none
 * (a tap's timers). Only one feature holds the tap; it sets it from the
 * main lcore and a worker sees the change within a walk. Off (NULL) the
 * fast path pays one predictable branch per burst and per walk. The tap
 * frees, transmits and changes nothing of the packets. */
struct dp_tap {
	void (*egress)(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n);
	void (*walk)(struct dp_stage_ctx *ctx);
};
extern const struct dp_tap *dp_tap_cur;
/* Main lcore. 0, or -EBUSY when another tap holds it (set NULL first). */
int dp_tap_set(const struct dp_tap *t);
static inline const struct dp_tap *
dp_tap_get(void)
{
	/* acquire (a plain load on x86): the tap's own state, set before
	 * dp_tap_set's release, is seen with it */
	return __atomic_load_n(&dp_tap_cur, __ATOMIC_ACQUIRE);
}

/* A feature's tables (its init), created in order. 0, or the first
 * failure's -errno (-EINVAL: keys longer than their room), logged under
 * the feature's name. */
struct dp_table_spec;
int dp_feature_tables(const char *feature, const struct dp_table_spec *s, unsigned int n);

/* Called by a feature's constructor (DP_FEATURE_REGISTER) before main(). */
void dp_feature_register(const struct dp_feature *f);
#define DP_FEATURE_REGISTER(f) \
	RTE_INIT(dp_feature_register_##f) { dp_feature_register(&(f)); }

const struct dp_feature *dp_feature_find(const char *name);
/* The node a registered feature attached to stage's open edge, or NULL. */
const char *dp_feature_attached(const char *stage, const char *edge);

/* The features the config uses (config.pipeline, per port role), in
 * registration order; each initialised once. Main lcore, at start-up.
 * 0, or -errno with a message in err. */
struct dp_config;
/* Only the names: every feature the config names is registered. 0 or
 * -ENOENT with a message (before EAL starts, for a clear early error). */
int dp_feature_check(const struct dp_config *c, char *err, size_t errlen);
int dp_feature_setup(const struct dp_config *c, unsigned int n_workers, char *err, size_t errlen);
unsigned int dp_feature_count(void);                 /* in use */
const struct dp_feature *dp_feature_get(unsigned int i);
/* Index (in use) of the feature a port of this role enters (0xff: none). */
unsigned int dp_feature_of_role(unsigned int role);

/* Set once this process handed its ports and state to a successor
 * (dp_takeover.h): its features' fini say nothing to the network. */
extern bool dp_handed_over;

/* The box's role in a pair: whichever feature runs the pair's election
 * says (main lcore), and what the box tells its peers (an overlay's probe
 * answers) reads it on workers. Active: the pair's active one, or a box
 * alone; standby: the other, which takes over; fault: it cannot carry its
 * sites' traffic (no carrier on its LANs), so its peers take nothing to it. */
enum { DP_ROLE_ACTIVE, DP_ROLE_STANDBY, DP_ROLE_FAULT };
extern uint8_t dp_role;
static inline unsigned int
dp_role_get(void)
{
	return __atomic_load_n(&dp_role, __ATOMIC_RELAXED);
}
/* Main lcore: has a feature in use that carries traffic off site nowhere
 * to carry it (its cut_off)? Its name, else NULL. */
const char *dp_feature_cut_off(void);
/* What a pair's box hears of the other box of its site from its peer
 * sites: nothing (none asked, none answered lately), that one is active
 * (any peer site sees it), or that none is (every fresh answer says so). */
enum { DP_PARTNER_UNKNOWN, DP_PARTNER_ACTIVE, DP_PARTNER_GONE };
/* Main lcore: what the features in use hear (their partner): active if
 * any says so, else gone if any does, else unknown. */
int dp_feature_partner(void);

/* Main lcore: a punted packet to its feature's slow path (dp_meta.feature).
 * Returns the port to send it on, or -1 when it was consumed. */
int dp_feature_slowpath(struct rte_mbuf *m);
bool dp_feature_has_slowpath(void);
void dp_feature_poll(uint64_t now_tsc);
/* The walk hooks of the features in use (set up by dp_feature_setup). */
#define DP_FEATURE_WALKS_MAX 4
extern unsigned int dp_feature_n_walks;
extern void (*dp_feature_walks[DP_FEATURE_WALKS_MAX])(struct dp_stage_ctx *ctx);
/* Main lcore: every feature's stopping, the longest time they asked for (ms). */
unsigned int dp_feature_stopping(void);
void dp_feature_fini(void);

#endif
