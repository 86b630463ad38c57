/* SPDX-License-Identifier: BSD-3-Clause */
/* The event loop's lag, from a periodic timer's lateness (see cd_lag.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "cd_lag.h"
#include "cd_log.h"

#define MIN_D(a, b) ((a) < (b) ? (a) : (b))

/* upper bounds, seconds: 50 ms is the goal; beyond 1 s a client notices */
static const double bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

struct cd_lag {
	struct event *timer;
	uint64_t due_ns, cpu_ns;
	/* max_own: the largest lag sxcd spent running (its CPU time over the
	 * tick): the rest of a lag is the machine not running sxcd */
	double max, last, sum, max_own;
	uint64_t count, hist[N_BOUNDS];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct cd_lag *l = arg;
	uint64_t now = now_ns(), cpu = cpu_ns();
	double lag = now > l->due_ns ? (double)(now - l->due_ns) / 1e9 : 0;
	double ran = (double)(cpu - l->cpu_ns) / 1e9 - CD_LAG_TICK_MS / 1e3;

	l->cpu_ns = cpu;
	if (MIN_D(lag, ran) > l->max_own)
		l->max_own = MIN_D(lag, ran);

	(void)fd;
	(void)what;
	l->last = lag;
	l->sum += lag;
	l->count++;
	if (lag > l->max)
		l->max = lag;
	for (size_t i = 0; i < N_BOUNDS; i++)
		if (lag <= bounds[i])
			l->hist[i]++;
	l->due_ns = now + CD_LAG_TICK_MS * 1000000u;
	event_add(l->timer, &(struct timeval){ .tv_sec = 0, .tv_usec = CD_LAG_TICK_MS * 1000 });
}

/* the loop's: one loop, one table */
#define HELD_MAX 32
static struct {
	char what[48];
	double max;
} held[HELD_MAX];
static uint64_t held_logged_ns;



uint64_t
cd_lag_enter(void)
{
	return now_ns();
}

void
cd_lag_leave(uint64_t t0, const char *what)
{
	uint64_t now = now_ns();
	double s = (double)(now - t0) / 1e9;
	size_t i;

	if (now - t0 < (uint64_t)CD_LAG_SLOW_MS * 1000000u)
		return;
	for (i = 0; i < HELD_MAX && held[i].what[0] != '\0' && strcmp(held[i].what, what) != 0; i++)
		;
	if (i < HELD_MAX) {
		snprintf(held[i].what, sizeof(held[i].what), "%s", what);
		if (s > held[i].max)
			held[i].max = s;
	}
	if (now - held_logged_ns >= 1000000000u) {
		held_logged_ns = now;
		CD_LOG(WARN, "the loop was held %.0f ms by %s", s * 1e3, what);
	}
}

struct cd_lag *
cd_lag_new(struct event_base *base)
{
	struct cd_lag *l = calloc(1, sizeof(*l));
	struct timeval tv = { .tv_sec = 0, .tv_usec = CD_LAG_TICK_MS * 1000 };

	if (l == NULL || (l->timer = evtimer_new(base, on_tick, l)) == NULL) {
		free(l);
		return NULL;
	}
	l->due_ns = now_ns() + CD_LAG_TICK_MS * 1000000u;
	l->cpu_ns = cpu_ns();
	event_add(l->timer, &tv);
	return l;
}

void
cd_lag_free(struct cd_lag *l)
{
	if (l == NULL)
		return;
	event_free(l->timer);
	free(l);
}

json_t *
cd_lag_info(const struct cd_lag *l)
{
	json_t *b = json_array();

	json_t *by = json_object();

	for (size_t i = 0; l != NULL && i < N_BOUNDS; i++)
		json_array_append_new(b, json_pack("[f,I]", bounds[i], (json_int_t)l->hist[i]));
	for (size_t i = 0; i < HELD_MAX && held[i].what[0] != '\0'; i++)
		json_object_set_new(by, held[i].what, json_real(held[i].max));
	return json_pack("{s:f,s:f,s:f,s:I,s:f,s:o,s:o}", "max_seconds", l ? l->max : 0.0,
			 "max_running_seconds", l ? l->max_own : 0.0, "last_seconds", l ? l->last : 0.0,
			 "count", (json_int_t)(l ? l->count : 0), "sum_seconds", l ? l->sum : 0.0,
			 "buckets", b, "held_by", by);
}
