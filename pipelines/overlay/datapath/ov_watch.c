/* Path and active-path changes with their time and cause, and every
 * policy's active path (ov_watch.h). The picks are ov_path.h's own, on the
 * same live state the workers read, so what it shows is what the encap
 * stage does (a balanced flow's pins aside: those move single flows back,
 * never the set of paths in use). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "ov_watch.h"
#include "ov_path.h"

const char *const ov_watch_why_name[OV_WHY_N] = {
	[OV_WHY_PROBE_TIMEOUT] = "probe_timeout", [OV_WHY_PROBES_ANSWERED] = "probes_answered",
	[OV_WHY_PATH_DOWN] = "path_down", [OV_WHY_PATH_UP] = "path_up", [OV_WHY_SLA_RTT] = "sla_rtt",
	[OV_WHY_SLA_JITTER] = "sla_jitter", [OV_WHY_SLA_LOSS] = "sla_loss", [OV_WHY_SLA_MET] = "sla_met",
	[OV_WHY_CONFIG] = "config", [OV_WHY_BFD_UP] = "bfd_up", [OV_WHY_BFD_TIMEOUT] = "bfd_timeout",
	[OV_WHY_BFD_NEIGHBOR_DOWN] = "bfd_neighbor_down", [OV_WHY_TAKEOVER] = "takeover",
	[OV_WHY_FAR_STANDBY] = "far_standby", [OV_WHY_FAR_ACTIVE] = "far_active", [OV_WHY_FAR_FAULT] = "far_fault",
	[OV_WHY_HOLD_PASSED] = "hold_passed",
};

#define SCAN_EVERY_MS 100        /* at most, for SLA figures' changes */

static struct ov_watch_ev ring[OV_WATCH_EVENTS];
static uint64_t seq_next = 1;

/* the picks as last scanned, sorted by (tunnel, class) */
static struct ov_watch_active *cur, *nxt;
static unsigned int n_cur, n_nxt, cap;
static uint8_t was_up[OV_PATH_MAX + 1];
static bool dirty, dirty_now, scanned;
static uint64_t last_scan;

static struct ov_watch_ev *
record(uint8_t type, uint8_t why, uint16_t path)
{
	struct ov_watch_ev *e = &ring[seq_next & (OV_WATCH_EVENTS - 1)];
	const struct ov_path_live *l = &ov_path_live[path <= OV_PATH_MAX ? path : 0];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	memset(e, 0, sizeof(*e));
	e->seq = seq_next++;
	e->wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	e->type = type;
	e->why = why;
	e->path = path;
	if (path != 0) {
		e->rtt_us = __atomic_load_n(&l->rtt_us, __ATOMIC_RELAXED);
		e->jitter_us = __atomic_load_n(&l->jitter_us, __ATOMIC_RELAXED);
		e->loss_pm = __atomic_load_n(&l->loss_pm, __ATOMIC_RELAXED);
	}
	return e;
}

void
ov_watch_events(uint64_t after, void (*fn)(const struct ov_watch_ev *e, void *arg), void *arg,
		uint64_t *lost, uint64_t *next_seq)
{
	uint64_t first = seq_next > OV_WATCH_EVENTS ? seq_next - OV_WATCH_EVENTS : 1;

	*lost = after + 1 < first ? first - after - 1 : 0;
	*next_seq = seq_next;
	for (uint64_t s = RTE_MAX(after + 1, first); s < seq_next; s++)
		fn(&ring[s & (OV_WATCH_EVENTS - 1)], arg);
}

void
ov_watch_path(uint16_t id, bool up, enum ov_watch_why why)
{
	struct ov_watch_ev *e = record(OV_WATCH_PATH, (uint8_t)why, id);

	e->old_up = !up;
	e->new_up = up;
	dirty = dirty_now = true;
}

void
ov_watch_dirty(bool now)
{
	dirty = true;
	dirty_now |= now;
}

/* ---------------------------------------------------------------- picks */

static uint32_t
key_of(const struct ov_watch_active *a)
{
	return (uint32_t)a->tunnel << 16 | a->cls;
}

static int
cmp(const void *a, const void *b)
{
	uint32_t x = key_of(a), y = key_of(b);

	return x < y ? -1 : x > y;
}

static void
pick(struct ov_watch_active *a, const struct ov_policy *pol)
{
	unsigned int n = 0;

	memcpy(a->path, pol->path, sizeof(a->path));
	memset(a->act, 0, sizeof(a->act));
	if (a->mode == OV_POLICY_BALANCE) {
		for (unsigned int i = 0; i < OV_POLICY_PATHS; i++)
			if (pol->weight[i] != 0 && ov_path_up(pol->path[i]))
				a->act[n++] = pol->path[i];
		if (n == 0)   /* none up to an active box: where the packets go */
			a->act[0] = ov_path_standby(pol);
		return;
	}
	a->act[0] = ov_path_pick(a->mode, pol, 0, &a->unmet);
}

static int
collect(const struct dp_entry_view *ev, void *arg __rte_unused)
{
	struct ov_watch_active *a;

	if (ev->action == OV_POLICY_NONE)
		return 0;
	if (n_nxt == cap) {
		unsigned int c = cap ? cap * 2 : 64;
		struct ov_watch_active *x = realloc(cur, c * sizeof(*x)), *y;

		if (x == NULL)
			return -ENOMEM;
		cur = x;
		if ((y = realloc(nxt, c * sizeof(*y))) == NULL)
			return -ENOMEM;
		nxt = y;
		cap = c;
	}
	a = &nxt[n_nxt++];
	memset(a, 0, sizeof(*a));
	a->tunnel = rte_be_to_cpu_16(*(const rte_be16_t *)ev->key);
	a->cls = rte_be_to_cpu_16(*(const rte_be16_t *)(ev->key + 2));
	a->mode = ev->action;
	pick(a, (const struct ov_policy *)ev->params);
	if (a->mode == OV_POLICY_SLA) {
		const struct ov_policy *pol = (const struct ov_policy *)ev->params;

		a->sla.rtt_ms = pol->sla.rtt_ms;
		a->sla.jitter_ms = pol->sla.jitter_ms;
		a->sla.loss_pct = pol->sla.loss_pct;
	}
	return 0;
}

static int
rank(const struct ov_watch_active *a, uint16_t p)
{
	for (int i = 0; i < OV_POLICY_PATHS; i++)
		if (a->path[i] == p)
			return i;
	return OV_POLICY_PATHS;
}

static bool
has(const uint16_t *act, uint16_t p)
{
	for (int i = 0; i < OV_POLICY_PATHS; i++)
		if (act[i] == p)
			return true;
	return false;
}

/* Why @o's pick became @n's (same policy, same paths), and the path that
 * caused it. */
static enum ov_watch_why
why_moved(const struct ov_watch_active *o, const struct ov_watch_active *n, uint16_t *path)
{
	uint16_t a = o->act[0];

	for (int i = 0; i < OV_POLICY_PATHS; i++)   /* one it used is down */
		if (o->act[i] != 0 && !ov_path_up(o->act[i])) {
			*path = o->act[i];
			return OV_WHY_PATH_DOWN;
		}
	if (n->mode == OV_POLICY_SLA && a != 0 && has(n->path, a) && rank(n, n->act[0]) > rank(n, a)) {
		const struct ov_path_live *l = &ov_path_live[a];

		/* the one it used is up but breaks the SLA: which limit */
		*path = a;
		if (n->sla.rtt_ms && __atomic_load_n(&l->rtt_us, __ATOMIC_RELAXED) > n->sla.rtt_ms * 1000u)
			return OV_WHY_SLA_RTT;
		if (n->sla.jitter_ms && __atomic_load_n(&l->jitter_us, __ATOMIC_RELAXED) > n->sla.jitter_ms * 1000u)
			return OV_WHY_SLA_JITTER;
		return OV_WHY_SLA_LOSS;
	}
	for (int i = 0; i < OV_POLICY_PATHS; i++)
		if (n->act[i] != 0 && !has(o->act, n->act[i])) {
			*path = n->act[i];
			return n->mode == OV_POLICY_SLA && was_up[n->act[i]] ? OV_WHY_SLA_MET : OV_WHY_PATH_UP;
		}
	*path = a;
	return OV_WHY_PATH_UP;
}

static void
moved(const struct ov_watch_active *o, const struct ov_watch_active *n, enum ov_watch_why why,
      uint16_t path)
{
	struct ov_watch_ev *e = record(OV_WATCH_ACTIVE, (uint8_t)why, path);
	const struct ov_watch_active *w = n != NULL ? n : o;

	e->tunnel = w->tunnel;
	e->cls = w->cls;
	e->mode = (uint8_t)w->mode;
	if (o != NULL)
		memcpy(e->old_act, o->act, sizeof(e->old_act));
	if (n != NULL)
		memcpy(e->new_act, n->act, sizeof(e->new_act));
}

static bool
same_policy(const struct ov_watch_active *a, const struct ov_watch_active *b)
{
	return a->mode == b->mode && memcmp(a->path, b->path, sizeof(a->path)) == 0 &&
	       (a->mode != OV_POLICY_SLA || (a->sla.rtt_ms == b->sla.rtt_ms &&
						a->sla.jitter_ms == b->sla.jitter_ms &&
						a->sla.loss_pct == b->sla.loss_pct));
}

/* Pick every policy's paths afresh; what moved since the last scan goes
 * into the ring. The first scan records nothing: no change seen. */
static int
scan(uint64_t now_tsc)
{
	struct ov_watch_active *t;
	unsigned int i = 0, j = 0;
	int rc;

	n_nxt = 0;
	if ((rc = dp_table_each((unsigned int)pl_ov.policies, collect, NULL)) < 0)
		return rc;
	qsort(nxt, n_nxt, sizeof(*nxt), cmp);
	/* a merge of two sorted lists: removed, added, kept */
	while (scanned && (i < n_cur || j < n_nxt)) {
		const struct ov_watch_active *o = i < n_cur ? &cur[i] : NULL, *n = j < n_nxt ? &nxt[j] : NULL;
		uint16_t path = 0;

		if (n == NULL || (o != NULL && key_of(o) < key_of(n))) {
			moved(o, NULL, OV_WHY_CONFIG, 0);
			i++;
			continue;
		}
		if (o == NULL || key_of(n) < key_of(o)) {
			moved(NULL, n, OV_WHY_CONFIG, n->act[0]);
			j++;
			continue;
		}
		if (!same_policy(o, n))
			moved(o, n, OV_WHY_CONFIG, n->act[0]);
		else if (memcmp(o->act, n->act, sizeof(o->act)) != 0) {
			enum ov_watch_why why = why_moved(o, n, &path);

			moved(o, n, why, path);
		}
		i++;
		j++;
	}
	t = cur;
	cur = nxt;
	nxt = t;
	n_cur = n_nxt;
	for (unsigned int p = 1; p <= OV_PATH_MAX; p++)
		was_up[p] = ov_path_up((uint16_t)p);
	scanned = true;
	dirty = dirty_now = false;
	last_scan = now_tsc;
	return 0;
}

void
ov_watch_poll(uint64_t now_tsc)
{
	if (!dirty || pl_ov.policies < 0)
		return;
	if (dirty_now || now_tsc - last_scan >= rte_get_tsc_hz() / 1000 * SCAN_EVERY_MS)
		scan(now_tsc);
}

int
ov_watch_actives(void (*fn)(const struct ov_watch_active *a, void *arg), void *arg)
{
	int rc;

	if (!scanned || dirty) {
		if ((rc = scan(rte_rdtsc())) < 0)
			return rc;
	}
	for (unsigned int i = 0; i < n_cur; i++)
		fn(&cur[i], arg);
	return 0;
}

int
ov_watch_init(void)
{
	seq_next = 1;
	dirty = true;
	dirty_now = true;
	scanned = false;
	return 0;
}

void
ov_watch_fini(void)
{
	free(cur);
	free(nxt);
	cur = nxt = NULL;
	n_cur = n_nxt = cap = 0;
}
