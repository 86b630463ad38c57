/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_jsync: the PFCP journal's syncs on a thread of their own (pf_jsync.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>

#include "cd_log.h"
#include "pf_jsync.h"
#include "pf_store.h"

struct waiter {
	struct waiter *next;
	pf_jsync_done *done;
	void *arg;
};

struct pf_jsync {
	struct pf_store *s;
	struct event *ev;	/* the thread's "over" */
	struct event *kick;	/* the next sync, after a caller waited for one */
	int fd[2];
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool threaded, go, quit;
	bool busy;		/* a sync runs: the store is the thread's */
	int rc;			/* its result (read after the pipe says it is over) */
	uint64_t t0;
	/* puts (key, len, bytes) and deletes (len UINT32_MAX) made while busy */
	uint8_t *q;
	size_t qlen, qcap;
	struct waiter *cur;			/* told when the sync under way is over */
	struct waiter *next, **next_tail;	/* the next one's */
	struct pf_jsync_stats st;
};

#define DEL_LEN UINT32_MAX

static void on_kick(evutil_socket_t fd, short what, void *arg);

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *
run(void *arg)
{
	struct pf_jsync *j = arg;
	char c;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->go && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit)
			break;
		j->go = false;
		pthread_mutex_unlock(&j->mu);
		/* durable: the waiters told now ('c'), the compaction step after
		 * it not waited for by any answer; the store the loop's at 'i' */
		j->rc = pf_store_commit(j->s);
		c = 'c';
		while (write(j->fd[1], &c, 1) < 0 && errno == EINTR)
			;
		if (j->rc == 0)
			pf_store_maintain(j->s);
		c = 'i';
		while (write(j->fd[1], &c, 1) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* The queued puts and deletes into the store (it is the loop's again). */
static void
unqueue(struct pf_jsync *j)
{
	size_t at = 0;

	while (at < j->qlen) {
		uint64_t key;
		uint32_t len;

		memcpy(&key, j->q + at, 8);
		memcpy(&len, j->q + at + 8, 4);
		at += 12;
		if (len == DEL_LEN) {
			(void)pf_store_del(j->s, key);   /* -ENOENT: nothing to delete */
			continue;
		}
		if (pf_store_put(j->s, key, j->q + at, len) < 0)
			CD_LOG(ERR, "pfcp: a journal record (key %llu) not put: an sxcd restart loses it",
			       (unsigned long long)key);
		at += len;
	}
	j->qlen = 0;
	if (j->qcap > (4u << 20)) {   /* a burst's queue is not kept */
		free(j->q);
		j->q = NULL;
		j->qcap = 0;
	}
}

static void
start(struct pf_jsync *j)
{
	j->cur = j->next;
	j->next = NULL;
	j->next_tail = &j->next;
	j->busy = true;
	j->t0 = now_us();
	pthread_mutex_lock(&j->mu);
	j->go = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

/* The sync under way made everything put before it durable: its waiters
 * told (the thread may still take a compaction step). */
static void
committed(struct pf_jsync *j)
{
	struct waiter *w = j->cur, *n;
	uint64_t us = now_us() - j->t0;
	int rc = j->rc;

	j->cur = NULL;
	j->st.syncs++;
	j->st.last_us = us;
	if (us > j->st.max_us)
		j->st.max_us = us;
	for (; w != NULL; w = n) {
		n = w->next;
		w->done(w->arg, rc);
		free(w);
	}
}

/* The thread is done: the store is the loop's again; the next sync goes. */
static void
idle(struct pf_jsync *j)
{
	j->busy = false;
	unqueue(j);
	if (j->next != NULL && j->threaded)
		start(j);
}

static void
on_over(evutil_socket_t fd, short what, void *arg)
{
	struct pf_jsync *j = arg;
	char c;

	(void)what;
	while (j->busy && read(fd, &c, 1) == 1) {
		if (c == 'c')
			committed(j);
		else
			idle(j);
	}
}

/* Without a thread: the sync made now, its waiters told from the loop
 * all the same (an event), or at once without one. */
static void
sync_now(struct pf_jsync *j)
{
	j->t0 = now_us();
	j->rc = pf_store_sync(j->s);
	j->cur = j->next;
	j->next = NULL;
	j->next_tail = &j->next;
	committed(j);
}

struct pf_jsync *
pf_jsync_new(struct event_base *base, struct pf_store *s)
{
	struct pf_jsync *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->s = s;
	j->fd[0] = j->fd[1] = -1;
	j->next_tail = &j->next;
	if (base == NULL)
		return j;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	if (pipe2(j->fd, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (j->ev = event_new(base, j->fd[0], EV_READ | EV_PERSIST, on_over, j)) == NULL ||
	    (j->kick = event_new(base, -1, 0, on_kick, j)) == NULL ||
	    event_add(j->ev, NULL) < 0 || pthread_create(&j->thr, NULL, run, j) != 0) {
		if (j->ev != NULL)
			event_free(j->ev);
		if (j->kick != NULL)
			event_free(j->kick);
		if (j->fd[0] >= 0) {
			close(j->fd[0]);
			close(j->fd[1]);
		}
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		free(j);
		return NULL;
	}
	j->threaded = true;
	return j;
}

/* The sync under way, waited for here: the store is the caller's on
 * return. Its waiters are told after the next sync (it covers what they
 * wait for too), started from the loop. */
static void
wait_over(struct pf_jsync *j)
{
	struct waiter *w, *last;
	char c = 0;
	int fl;

	if (!j->busy)
		return;
	fl = fcntl(j->fd[0], F_GETFL);
	fcntl(j->fd[0], F_SETFL, fl & ~O_NONBLOCK);
	while (c != 'i')
		if (read(j->fd[0], &c, 1) < 0 && errno != EINTR)
			break;
	fcntl(j->fd[0], F_SETFL, fl);
	w = j->cur;   /* (NULL when told already, at 'c') */
	j->cur = NULL;
	j->busy = false;
	j->st.syncs += w != NULL;
	unqueue(j);
	if (w != NULL) {
		for (last = w; last->next != NULL; last = last->next)
			;
		last->next = j->next;
		if (j->next == NULL)
			j->next_tail = &last->next;
		j->next = w;
	}
	if (j->next != NULL)
		event_active(j->kick, EV_TIMEOUT, 0);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct pf_jsync *j = arg;

	(void)fd;
	(void)what;
	if (!j->busy && j->next != NULL)
		start(j);
}

void
pf_jsync_free(struct pf_jsync *j)
{
	struct waiter *w, *n;

	if (j == NULL)
		return;
	if (j->threaded) {
		wait_over(j);
		pthread_mutex_lock(&j->mu);
		j->quit = true;
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		pthread_join(j->thr, NULL);
		event_free(j->ev);
		event_free(j->kick);
		close(j->fd[0]);
		close(j->fd[1]);
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
	}
	/* (wait_over moved the sync under way's waiters to next) */
	for (w = j->next; w != NULL; w = n) {
		n = w->next;
		w->done(w->arg, -ECANCELED);
		free(w);
	}
	pf_store_close(j->s);
	free(j->q);
	free(j);
}

static int
enqueue(struct pf_jsync *j, uint64_t key, const uint8_t *b, uint32_t len)
{
	size_t need = 12 + (len == DEL_LEN ? 0 : len);
	uint32_t l = len;

	if (j->qlen + need > j->qcap) {
		size_t cap = j->qcap ? j->qcap : 65536;
		uint8_t *nq;

		while (cap < j->qlen + need)
			cap *= 2;
		if ((nq = realloc(j->q, cap)) == NULL)
			return -ENOMEM;
		j->q = nq;
		j->qcap = cap;
	}
	memcpy(j->q + j->qlen, &key, 8);
	memcpy(j->q + j->qlen + 8, &l, 4);
	if (len != DEL_LEN && len > 0)
		memcpy(j->q + j->qlen + 12, b, len);
	j->qlen += need;
	j->st.queued++;
	return 0;
}

int
pf_jsync_put(struct pf_jsync *j, uint64_t key, const uint8_t *b, size_t len)
{
	if (!j->busy)
		return pf_store_put(j->s, key, b, len);
	if (len > PF_STORE_REC_MAX)
		return -EMSGSIZE;
	return enqueue(j, key, b, (uint32_t)len);
}

int
pf_jsync_del(struct pf_jsync *j, uint64_t key)
{
	if (!j->busy)
		return pf_store_del(j->s, key);
	return enqueue(j, key, NULL, DEL_LEN);
}

int
pf_jsync_sync(struct pf_jsync *j, pf_jsync_done *done, void *arg)
{
	struct waiter *w = malloc(sizeof(*w));

	if (w == NULL)
		return -ENOMEM;
	*w = (struct waiter){ .done = done, .arg = arg };
	*j->next_tail = w;
	j->next_tail = &w->next;
	if (!j->threaded)
		sync_now(j);
	else if (!j->busy)
		start(j);
	return 0;
}

struct pf_store *
pf_jsync_store(struct pf_jsync *j)
{
	if (j->threaded)
		wait_over(j);
	return j->s;
}

bool
pf_jsync_busy(const struct pf_jsync *j)
{
	return j->busy;
}

void
pf_jsync_stats(const struct pf_jsync *j, struct pf_jsync_stats *st)
{
	*st = j->st;
}
