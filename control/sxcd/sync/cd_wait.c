/* SPDX-License-Identifier: BSD-3-Clause */
/* Waits for the reconciler's runs (see cd_wait.h). */
#include <errno.h>
#include <stdlib.h>
#include <event2/event.h>

#include "cd_wait.h"

struct cd_wait_one {
	struct cd_wait_one *next;
	struct cd_wait *q;
	uint64_t epoch;
	struct event *timer;
	cd_wait_fn *fn;
	void *arg;
};

static void
wait_end(struct cd_wait *q, struct cd_wait_one *w, bool done)
{
	struct cd_wait_one **pp;

	for (pp = &q->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	event_free(w->timer);
	w->fn(w->arg, done);
	free(w);
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct cd_wait_one *w = arg;

	(void)fd;
	(void)what;
	wait_end(w->q, w, false);
}

int
cd_wait_add(struct cd_wait *q, uint64_t epoch, unsigned int timeout_ms, cd_wait_fn *fn, void *arg)
{
	struct cd_wait_one *w = calloc(1, sizeof(*w));
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

	if (w == NULL || (w->timer = evtimer_new(q->base, on_wait_timeout, w)) == NULL) {
		free(w);
		return -ENOMEM;
	}
	*w = (struct cd_wait_one){ .next = q->head, .q = q, .epoch = epoch, .timer = w->timer,
				   .fn = fn, .arg = arg };
	q->head = w;
	evtimer_add(w->timer, &tv);
	return 0;
}

void
cd_wait_drop(struct cd_wait *q, void *arg)
{
	struct cd_wait_one **pp = &q->head, *w;

	while ((w = *pp) != NULL) {
		if (w->arg == arg) {
			*pp = w->next;
			event_free(w->timer);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

void
cd_wait_fire(struct cd_wait *q, uint64_t epoch)
{
	struct cd_wait_one *w = q->head, *next;

	for (; w != NULL; w = next) {
		next = w->next;
		if (w->epoch <= epoch)
			wait_end(q, w, true);
	}
}

void
cd_wait_clear(struct cd_wait *q)
{
	struct cd_wait_one *w, *next;

	for (w = q->head; w != NULL; w = next) {
		next = w->next;
		event_free(w->timer);
		free(w);
	}
	q->head = NULL;
}
