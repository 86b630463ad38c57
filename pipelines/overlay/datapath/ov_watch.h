/* What the box saw happen to its paths, for an operator: a bounded ring of
 * the last OV_WATCH_EVENTS changes, each with its wall-clock time (a path
 * going up or down and why, what a policy's active path became and why),
 * and the active path of every policy as the encap stage's pick gives it
 * now. Main lcore only: the prober tells it what changed, ov_watch_poll
 * rescans the policies when something did (a path's state, its SLA
 * figures, a write to paths or policies), and the overlay's RPC reads it,
 * so no change is lost between two reads of a poller as long as fewer
 * than OV_WATCH_EVENTS happen in between (the ring says how many it lost). */
#ifndef OV_WATCH_H
#define OV_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ov_state.h"

#define OV_WATCH_EVENTS 256     /* power of two */

enum ov_watch_type { OV_WATCH_PATH, OV_WATCH_ACTIVE };
/* why a path changed or a policy moved */
enum ov_watch_why {
	OV_WHY_PROBE_TIMEOUT,    /* no answer for down_after intervals (BFD's detection time) */
	OV_WHY_PROBES_ANSWERED,  /* up_after answers in a row */
	OV_WHY_PATH_DOWN,        /* the active path went down */
	OV_WHY_PATH_UP,          /* a path came up: the first, or one preferred to the active */
	OV_WHY_SLA_RTT,          /* the active path broke the policy's RTT limit */
	OV_WHY_SLA_JITTER,
	OV_WHY_SLA_LOSS,
	OV_WHY_SLA_MET,          /* a path preferred to the active one meets the SLA again */
	OV_WHY_CONFIG,           /* the policy or a path was written */
	OV_WHY_BFD_UP,           /* its BFD session came Up (RFC 5880's three-way handshake) */
	OV_WHY_BFD_TIMEOUT,      /* its BFD session's Detection Time passed in silence */
	OV_WHY_BFD_NEIGHBOR_DOWN, /* the far end's BFD said Down or AdminDown */
	OV_WHY_TAKEOVER,         /* up in the sxdp this one took over from (dp_takeover.h) */
	OV_WHY_FAR_STANDBY,      /* its far end is its pair's standby now */
	OV_WHY_FAR_ACTIVE,       /* its far end is active again (its pair's election) */
	OV_WHY_FAR_FAULT,        /* its far end is in fault (no LAN to deliver to) */
	OV_WHY_HOLD_PASSED,      /* up for its hold_ms: taken again */
	OV_WHY_N
};
extern const char *const ov_watch_why_name[OV_WHY_N];

struct ov_watch_ev {
	uint64_t seq;            /* 1, 2, ... since start */
	uint64_t wall_ns;        /* CLOCK_REALTIME */
	uint8_t type, why;
	uint8_t mode;            /* OV_WATCH_ACTIVE: the policy's action */
	uint8_t old_up, new_up;  /* OV_WATCH_PATH */
	uint16_t path;           /* the path that changed, or caused the move (0: none) */
	uint16_t tunnel, cls;    /* OV_WATCH_ACTIVE */
	uint16_t old_act[OV_POLICY_PATHS], new_act[OV_POLICY_PATHS];   /* 0: unused */
	uint32_t rtt_us, jitter_us;   /* the path's figures then */
	uint16_t loss_pm;
};

/* The ring's events after seq @after, oldest first, one call each; how many
 * were overwritten before they could be read is *lost. */
void ov_watch_events(uint64_t after, void (*fn)(const struct ov_watch_ev *e, void *arg), void *arg,
		     uint64_t *lost, uint64_t *next_seq);

/* Path @id went up (@up) or down, as its probes decided or as written. */
void ov_watch_path(uint16_t id, bool up, enum ov_watch_why why);
/* Something the picks read changed: a path's SLA figures (@now: false, the
 * next scan may wait a little) or its state or a table (@now). */
void ov_watch_dirty(bool now);
/* Main lcore's poll: rescan the policies when due. */
void ov_watch_poll(uint64_t now_tsc);

/* One policy's pick now: its paths in order of preference, the ones it
 * uses (failover, sla: the one; balance: those up with a weight), unmet
 * (sla: none up meets it). */
struct ov_watch_active {
	uint16_t tunnel, cls, mode;
	uint16_t path[OV_POLICY_PATHS], act[OV_POLICY_PATHS];
	bool unmet;
	struct { uint16_t rtt_ms, jitter_ms; uint8_t loss_pct; } sla;   /* sla: its limits */
};
/* fn on every policy's pick (a fresh scan); 0 or -errno. */
int ov_watch_actives(void (*fn)(const struct ov_watch_active *a, void *arg), void *arg);

int ov_watch_init(void);
void ov_watch_fini(void);

#endif
