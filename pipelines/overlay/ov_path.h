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

#include "pl_overlay.h"
#include "dp_table.h"

struct ov_path_live {
	uint8_t up;
	uint8_t pad;
	uint16_t loss_pm;        /* per mille */
	uint32_t rtt_us, jitter_us;
};
extern struct ov_path_live ov_path_live[OV_PATH_MAX + 1];

struct ov_path_ctr {
	uint64_t pkts, bytes;
};
/* [worker][path], each worker's written by that worker only */
extern struct ov_path_ctr *ov_path_ctr[DP_WORKERS_MAX];

/* A balanced flow's path, remembered per worker in a direct-mapped table
 * (slot: the flow hash's low bits; tag: the whole hash), so that a flow
 * that moved off a dead path stays where it went when that path comes
 * back: the flows never reorder while their path is up. An entry idle for
 * ov_pin_idle ticks holds no more (an idle flow has nothing in flight to
 * reorder), and a slot two flows share remembers one of them. */
struct ov_pin {
	uint32_t hash;
	uint16_t path;
	uint16_t tick;           /* last seen: TSC >> OV_PIN_TICK_SHIFT, wrapping */
};
#define OV_PIN_SLOTS      (1u << 16)
#define OV_PIN_TICK_SHIFT 24      /* a tick: 2^24 TSC cycles, some ms */
#define OV_PIN_IDLE_MS    2000
extern struct ov_pin *ov_path_pin[DP_WORKERS_MAX];
extern uint16_t ov_pin_idle;      /* OV_PIN_IDLE_MS in ticks */

int ov_path_init(unsigned int n_workers);
void ov_path_fini(void);

static inline bool
ov_path_up(uint16_t p)
{
	return p != 0 && __atomic_load_n(&ov_path_live[p].up, __ATOMIC_RELAXED);
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
	uint32_t total = 0, up_total = 0, b;
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
		return 0;
	case OV_POLICY_BALANCE:
		for (i = 0; i < OV_POLICY_PATHS; i++) {
			if (pol->path[i] == 0)
				continue;
			total += pol->weight[i];
			if (ov_path_up(pol->path[i]))
				up_total += pol->weight[i];
		}
		if (up_total == 0)
			return 0;
		b = hash % total;
		for (i = 0; i < OV_POLICY_PATHS; i++) {
			if (pol->path[i] == 0)
				continue;
			if (b < pol->weight[i])
				break;
			b -= pol->weight[i];
		}
		if (ov_path_up(pol->path[i]))
			return pol->path[i];
		/* another draw from the same flow, over the live paths */
		b = (hash * 0x9e3779b1u >> 8) % up_total;
		for (i = 0; i < OV_POLICY_PATHS; i++) {
			if (!ov_path_up(pol->path[i]))
				continue;
			if (b < pol->weight[i])
				return pol->path[i];
			b -= pol->weight[i];
		}
		return 0;
	}
	return 0;
}

/* ov_path_pick, but a balanced flow goes on the path pins remember for it
 * while that path is up and still the policy's (tick: now, in ticks). */
static inline uint16_t
ov_path_pick_pinned(uint16_t action, const struct ov_policy *pol, uint32_t hash, bool *unmet,
		    struct ov_pin *pins, uint16_t tick)
{
	struct ov_pin *e;
	uint16_t p;

	if (action != OV_POLICY_BALANCE)
		return ov_path_pick(action, pol, hash, unmet);
	e = &pins[hash & (OV_PIN_SLOTS - 1)];
	p = e->path;
	if (e->hash == hash && p != 0 && (uint16_t)(tick - e->tick) <= ov_pin_idle && ov_path_up(p))
		for (unsigned int i = 0; i < OV_POLICY_PATHS; i++)
			if (pol->path[i] == p && pol->weight[i] != 0) {
				if (e->tick != tick)
					e->tick = tick;
				return p;
			}
	p = ov_path_pick(action, pol, hash, unmet);
	*e = (struct ov_pin){ .hash = hash, .path = p, .tick = tick };
	return p;
}

#endif
