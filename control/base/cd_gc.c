/* SPDX-License-Identifier: BSD-3-Clause */
/* Large JSON trees taken apart in slices of the loop (see cd_gc.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <event2/event.h>

#include "cd_gc.h"

#define GC_SLICE_NS 2000000u	/* 2 ms of freeing at a time */
#define GC_BITE	    64		/* members taken off a container at a time */

/* the containers being taken apart, the one on top first (depth first);
 * the queue holds one reference to each */
static json_t *queue;
static struct event *ev;
static const struct timeval no_wait = { 0, 0 };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool
big(const json_t *j)
{
	return (json_is_object(j) && json_object_size(j) > 0) || (json_is_array(j) && json_array_size(j) > 0);
}

/* A member about to go: a container nobody else holds goes on the queue
 * (its own members then go a bite at a time), anything else is freed with
 * its parent's reference. */
static void
child(json_t *v)
{
	if (big(v) && v->refcount == 1)
		json_array_append(queue, v);
}

/* One bite of the container on top; true when the queue is empty. */
static bool
bite(void)
{
	size_t n = json_array_size(queue);
	json_t *j;

	if (n == 0)
		return true;
	j = json_array_get(queue, n - 1);
	if (j->refcount > 1 || !big(j)) {   /* held elsewhere too, or taken apart */
		json_array_remove(queue, n - 1);
		return false;
	}
	if (json_is_object(j)) {
		for (int i = 0; i < GC_BITE && json_object_size(j) > 0; i++) {
			void *it = json_object_iter(j);

			child(json_object_iter_value(it));
			json_object_del(j, json_object_iter_key(it));
		}
	} else {
		for (int i = 0; i < GC_BITE && json_array_size(j) > 0; i++) {
			size_t last = json_array_size(j) - 1;

			child(json_array_get(j, last));
			json_array_remove(j, last);
		}
	}
	return false;
}

static void
on_slice(evutil_socket_t fd, short what, void *arg)
{
	uint64_t end = now_ns() + GC_SLICE_NS;

	(void)fd;
	(void)what;
	(void)arg;
	while (!bite())
		if (now_ns() >= end) {
			/* a timer, not an active event: that would run again
			 * before the loop's other work */
			evtimer_add(ev, &no_wait);
			return;
		}
}

int
cd_gc_init(struct event_base *base)
{
	if ((queue = json_array()) == NULL || (ev = event_new(base, -1, 0, on_slice, NULL)) == NULL) {
		json_decref(queue);
		queue = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
cd_gc_fini(void)
{
	if (ev != NULL)
		event_free(ev);
	ev = NULL;
	json_decref(queue);
	queue = NULL;
}

void
cd_gc_free(json_t *j)
{
	if (j == NULL)
		return;
	if (ev == NULL || j->refcount > 1 || !big(j)) {
		json_decref(j);
		return;
	}
	if (json_array_size(queue) == 0)
		evtimer_add(ev, &no_wait);
	json_array_append_new(queue, j);
}
