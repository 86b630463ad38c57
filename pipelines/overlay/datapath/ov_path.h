/* Paths as the workers see them: each path's live state (up, and the SLA
 * figures of its probes), written by the prober on the main lcore and read
 * by the encap stage with plain loads of naturally aligned fields (a
 * reader may see one field new and another old, never a torn one: they are
 * figures, not a transaction); the choice of a path for a flow (with the
 * per-worker memory of balanced flows that moved); and the per-worker
 * packet and byte counters of what each path carried. The overlay.paths
 * method shows it all. */
#ifndef OV_PATH_H
#define OV_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ov_state.h"
#include "dp_table.h"

/* up: down; up to an active far end (alone, or its pair's active); up to
 * the standby of a pair (sxdp probes say so), which a choice takes only
 * when none of its paths is up to an active one. */
enum { OV_LIVE_DOWN, OV_LIVE_UP, OV_LIVE_STANDBY };
struct ov_path_live {
	uint8_t up;              /* OV_LIVE_* */
	uint8_t fec_k;           /* adaptive FEC's block on it now (0: off): ov_repair_fec_adapt */
	uint16_t loss_pm;        /* per mille, of the last probes */
	uint32_t rtt_us, jitter_us;
	uint16_t loss_long_pm;   /* per mille, the long run (ov_sla_loss_long_pm): what adaptive FEC follows */
	uint16_t pad2;
};
/* A figure no probe measures (a BFD path's): above every SLA's limit, so
 * that an sla policy never counts such a path within its SLA. */
#define OV_PATH_UNMEASURED UINT32_MAX
extern struct ov_path_live ov_path_live[OV_PATH_MAX + 1];

struct ov_path_ctr {
	uint64_t pkts, bytes;
};
/* [worker][path], each worker's written by that worker only */
extern struct ov_path_ctr *ov_path_ctr[DP_WORKERS_MAX];

/* Balanced flows that moved, remembered per worker, so that a flow that
 * moved off a dead path stays where it went when that path comes back: no
 * live flow reorders. A direct-mapped table (slot: the flow hash's low
 * bits; tag: the whole hash) holds the moved flows' paths; an entry idle
 * for ov_pin_idle ticks holds no more (an idle flow has nothing in flight
 * to reorder), and a slot two flows share remembers one of them. Per path,
 * when a flow moved off it was last seen: while none has been for
 * ov_pin_idle, a flow whose path is up takes it without a look at the
 * table, so pins cost nothing when no path has failed. */
#define OV_PIN_SLOTS      (1u << 16)
#define OV_PIN_TICK_SHIFT 24      /* a tick: 2^24 TSC cycles, some ms */
#define OV_PIN_IDLE_MS    2000
struct ov_pin {
	uint32_t hash;
	uint16_t path;
	uint16_t tick;           /* last seen: TSC >> OV_PIN_TICK_SHIFT, wrapping */
};
struct ov_pins {
	struct ov_pin slot[OV_PIN_SLOTS];
	uint16_t moved_seen[OV_PATH_MAX + 1];   /* a tick, by the path moved off */
};
extern struct ov_pins *ov_path_pins[DP_WORKERS_MAX];
extern uint16_t ov_pin_idle;      /* OV_PIN_IDLE_MS in ticks */

int ov_path_init(unsigned int n_workers);
void ov_path_fini(void);

/* Up, to an active far end: what every choice below looks for first. */
static inline bool
ov_path_up(uint16_t p)
{
	return p != 0 && __atomic_load_n(&ov_path_live[p].up, __ATOMIC_RELAXED) == OV_LIVE_UP;
}

/* Up, to either end (a path alone has no better to choose). */
static inline bool
ov_path_alive(uint16_t p)
{
	return p != 0 && __atomic_load_n(&ov_path_live[p].up, __ATOMIC_RELAXED) != OV_LIVE_DOWN;
}

/* When no path of a policy is up to an active box: the first that is up to
 * a standby one (the pair's other box may be taking over, or the active's
 * paths are cut while its election has not moved yet), 0 if none. */
static inline uint16_t
ov_path_standby(const struct ov_policy *pol)
{
	for (unsigned int i = 0; i < OV_POLICY_PATHS; i++)
		if (pol->path[i] != 0 &&
		    __atomic_load_n(&ov_path_live[pol->path[i]].up, __ATOMIC_RELAXED) == OV_LIVE_STANDBY)
			return pol->path[i];
	return 0;
}

/* Does path p keep within a policy's SLA (a limit of 0: none)? */
static inline bool
ov_path_meets(uint16_t p, const struct ov_policy *pol)
{
	const struct ov_path_live *l = &ov_path_live[p];

	return (pol->sla.rtt_ms == 0 || __atomic_load_n(&l->rtt_us, __ATOMIC_RELAXED) <=
					 pol->sla.rtt_ms * 1000u) &&
	       (pol->sla.jitter_ms == 0 || __atomic_load_n(&l->jitter_us, __ATOMIC_RELAXED) <=
					    pol->sla.jitter_ms * 1000u) &&
	       (pol->sla.loss_pct == 0 || __atomic_load_n(&l->loss_pm, __ATOMIC_RELAXED) <=
					   pol->sla.loss_pct * 10u);
}

/* A draw by weight over the policy's paths (live: only those up), 0 when
 * none weighs anything; multiply-shift maps the draw onto [0, total)
 * without a divide. No branch on the draw: a flow's hash is as random as
 * the flow, and a branch on it was a mispredict every other packet. */
static inline uint16_t
ov_path_draw(const struct ov_policy *pol, uint32_t draw, bool live)
{
	uint32_t w[OV_POLICY_PATHS], total = 0, b, cum = 0;
	unsigned int i, at = 0;

	for (i = 0; i < OV_POLICY_PATHS; i++) {
		w[i] = (live ? ov_path_up(pol->path[i]) : pol->path[i] != 0) ? pol->weight[i] : 0;
		total += w[i];
	}
	b = (uint32_t)(((uint64_t)draw * total) >> 32);
	/* the first path whose running weight passes b (it weighs something);
	 * none when nothing weighs: b is 0 and every running weight too */
	for (i = 0; i < OV_POLICY_PATHS; i++) {
		cum += w[i];
		at += cum <= b;
	}
	return at < OV_POLICY_PATHS ? pol->path[at] : 0;
}

/* balance: a flow's path by weight over all the policy's paths, up or not. */
static inline uint16_t
ov_path_first(const struct ov_policy *pol, uint32_t hash)
{
	return ov_path_draw(pol, hash, false);
}

/* balance, for a flow whose first path is down: another draw from the same
 * flow by weight over the paths that are up (0: none). */
static inline uint16_t
ov_path_live_draw(const struct ov_policy *pol, uint32_t hash)
{
	return ov_path_draw(pol, hash * 0x9e3779b1u, true);
}

/* The path of a flow (its hash) under a policy, or 0 when none is up.
 *   failover: the first path that is up;
 *   sla:      the first up path within the SLA, else the first up one
 *             (*unmet set: the class runs outside its SLA);
 *   balance:  by weight over all the policy's paths, so that a flow stays
 *             on its path while that path is up; a flow whose path is down
 *             goes by weight over the paths that are up (only the dead
 *             path's flows move). */
static inline uint16_t
ov_path_pick(uint16_t action, const struct ov_policy *pol, uint32_t hash, bool *unmet)
{
	uint32_t b;
	unsigned int i;

	switch (action) {
	case OV_POLICY_SLA:
		for (i = 0; i < OV_POLICY_PATHS; i++)
			if (ov_path_up(pol->path[i]) && ov_path_meets(pol->path[i], pol))
				return pol->path[i];
		*unmet = true;
		/* fall through */
	case OV_POLICY_FAILOVER:
		for (i = 0; i < OV_POLICY_PATHS; i++)
			if (ov_path_up(pol->path[i]))
				return pol->path[i];
		return ov_path_standby(pol);
	case OV_POLICY_BALANCE:
		b = ov_path_first(pol, hash);
		if (ov_path_up((uint16_t)b))
			return (uint16_t)b;
		b = ov_path_live_draw(pol, hash);
		return b != 0 ? (uint16_t)b : ov_path_standby(pol);
	}
	return 0;
}

/* ov_path_pick, but a balanced flow that moved goes on the path the pins
 * remember for it while that path is up and still the policy's (tick:
 * now, in ticks). */
static inline uint16_t
ov_path_pick_pinned(uint16_t action, const struct ov_policy *pol, uint32_t hash, bool *unmet,
		    struct ov_pins *pins, uint16_t tick)
{
	uint16_t first, p;
	struct ov_pin *e;

	if (action != OV_POLICY_BALANCE)
		return ov_path_pick(action, pol, hash, unmet);
	first = ov_path_first(pol, hash);
	if (first == 0)
		return ov_path_standby(pol);
	/* the usual case: no flow moved off its path lately, nothing to look up */
	if (ov_path_up(first) && (uint16_t)(tick - pins->moved_seen[first]) > ov_pin_idle)
		return first;
	e = &pins->slot[hash & (OV_PIN_SLOTS - 1)];
	p = e->path;
	if (e->hash == hash && p != 0 && p != first && (uint16_t)(tick - e->tick) <= ov_pin_idle &&
	    ov_path_up(p))
		for (unsigned int i = 0; i < OV_POLICY_PATHS; i++)
			if (pol->path[i] == p && pol->weight[i] != 0) {
				e->tick = tick;
				pins->moved_seen[first] = tick;
				return p;
			}
	if (ov_path_up(first))
		return first;
	p = ov_path_live_draw(pol, hash);
	if (p == 0)   /* nothing up to an active box: nothing to pin */
		return ov_path_standby(pol);
	*e = (struct ov_pin){ .hash = hash, .path = p, .tick = tick };
	pins->moved_seen[first] = tick;
	return p;
}

#endif
