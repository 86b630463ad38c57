/* SPDX-License-Identifier: BSD-3-Clause */
/* A store job's syncs on a thread of their own (see cd_syncer.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "cd_lag.h"
#include "cd_syncer.h"
#include "store.h"

struct cd_syncer {
	int fd[2];		/* the thread's "over" to the loop */
	struct event *ev;
	pthread_t thr;
	bool busy;
	struct store_job *sj;
	int rc;			/* the thread's, read once joined */
	cd_syncer_done *done;
	void *arg;
};

static void *
run(void *arg)
{
	struct cd_syncer *s = arg;
	char c = 1;

	s->rc = store_apply_step(s->sj, 0);
	while (write(s->fd[1], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* The thread is over (or was waited for already: nothing). */
static int
join(struct cd_syncer *s)
{
	char c;

	pthread_join(s->thr, NULL);
	while (read(s->fd[0], &c, 1) < 0 && errno == EINTR)
		;
	s->busy = false;
	s->sj = NULL;
	return s->rc;
}

static void
on_over(evutil_socket_t fd, short what, void *arg)
{
	struct cd_syncer *s = arg;
	uint64_t t0 = cd_lag_enter();
	int rc;

	(void)fd;
	(void)what;
	if (!s->busy)
		return;
	rc = join(s);
	s->done(s->arg, rc);
	cd_lag_leave(t0, "store: synced");
}

struct cd_syncer *
cd_syncer_new(struct event_base *base)
{
	struct cd_syncer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (pipe2(s->fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(s);
		return NULL;
	}
	if ((s->ev = event_new(base, s->fd[0], EV_READ | EV_PERSIST, on_over, s)) == NULL ||
	    event_add(s->ev, NULL) < 0) {
		if (s->ev != NULL)
			event_free(s->ev);
		close(s->fd[0]);
		close(s->fd[1]);
		free(s);
		return NULL;
	}
	return s;
}

void
cd_syncer_free(struct cd_syncer *s)
{
	if (s == NULL)
		return;
	if (s->busy)
		join(s);
	event_free(s->ev);
	close(s->fd[0]);
	close(s->fd[1]);
	free(s);
}

int
cd_syncer_start(struct cd_syncer *s, struct store_job *sj, cd_syncer_done *done, void *arg)
{
	int rc;

	if (s == NULL || s->busy)
		return -EBUSY;
	s->sj = sj;
	s->done = done;
	s->arg = arg;
	if ((rc = pthread_create(&s->thr, NULL, run, s)) != 0) {
		s->sj = NULL;
		return -rc;
	}
	s->busy = true;
	return 0;
}

bool
cd_syncer_busy(const struct cd_syncer *s)
{
	return s != NULL && s->busy;
}

int
cd_syncer_wait(struct cd_syncer *s)
{
	return join(s);
}
