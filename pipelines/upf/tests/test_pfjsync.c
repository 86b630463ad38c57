/* Unit tests of pf_jsync, the PFCP journal's syncs on a thread: while a sync is held (this
 * binary's own fdatasync waits at a gate: a disk that stalls), puts and deletes are queued
 * and reach the store in order, syncs asked for meanwhile are made as one (group commit),
 * waiters are told in order on the loop and never before their sync; a caller that needs
 * the store waits for the sync under way, whose waiters are then told after the next one;
 * a free tells the waiters left -ECANCELED; waiters are told before a compaction step the
 * sync takes; without a thread every call is made at once. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>

#include "pf_jsync.h"
#include "pf_store.h"

/* ---- a disk that stalls: every fdatasync of this process waits at the gate while held */

static sem_t gate;
static atomic_int holding, inside, syncs, skip;

int
fdatasync(int fd)
{
	atomic_fetch_add(&syncs, 1);
	/* held once @skip more have passed */
	if (atomic_load(&holding) && atomic_fetch_sub(&skip, 1) <= 0) {
		atomic_store(&inside, 1);
		sem_wait(&gate);
		atomic_store(&inside, 0);
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static void
wait_inside(void)
{
	for (int i = 0; i < 20000 && !atomic_load(&inside); i++)
		usleep(500);
	ck_assert_msg(atomic_load(&inside), "the sync never reached the disk");
}

/* ---- the store, the loop */

static char dir[64];
static struct event_base *base;
static int told[16], n_told;

static void
done(void *arg, int rc)
{
	ck_assert_int_lt(n_told, 16);
	told[n_told++] = rc == 0 ? (int)(intptr_t)arg : -(int)(intptr_t)arg;
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_pfjsync.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sem_init(&gate, 0, 0);
	atomic_store(&holding, 0);
	atomic_store(&inside, 0);
	atomic_store(&syncs, 0);
	atomic_store(&skip, 0);
	n_told = 0;
	base = event_base_new();
}

static void
teardown(void)
{
	char cmd[128];

	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	sem_destroy(&gate);
}

static struct pf_jsync *
open_j(struct event_base *b)
{
	struct pf_store *s;
	struct pf_jsync *j;

	ck_assert_int_eq(pf_store_open(dir, &s), 0);
	j = pf_jsync_new(b, s);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* the loop run until @n waiters were told (bounded) */
static void
run_until(int n)
{
	for (int i = 0; i < 20000 && n_told < n; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(100);
	ck_assert_int_eq(n_told, n);
}

struct live {
	uint64_t keys[8];
	int n;
};

static int
collect(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	struct live *l = arg;

	ck_assert_int_eq(len, 8);
	ck_assert_int_eq(memcmp(b, &key, 8), 0);
	l->keys[l->n++] = key;
	return 0;
}

static struct live
reopen_live(void)
{
	struct pf_store *s;
	struct live l = { .n = 0 };

	ck_assert_int_eq(pf_store_open(dir, &s), 0);
	ck_assert_int_eq(pf_store_load(s, collect, &l), 0);
	pf_store_close(s);
	return l;
}

static void
put(struct pf_jsync *j, uint64_t k)
{
	ck_assert_int_eq(pf_jsync_put(j, k, (const uint8_t *)&k, 8), 0);
}

START_TEST(queued_while_syncing_in_order)
{
	struct pf_jsync *j = open_j(base);
	struct pf_jsync_stats st;
	int s0 = atomic_load(&syncs);	/* (the open's own) */
	struct live l;

	atomic_store(&holding, 1);
	put(j, 1);
	put(j, 2);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)1), 0);
	wait_inside();
	ck_assert(pf_jsync_busy(j));
	/* the thread owns the store: these wait for it */
	ck_assert_int_eq(pf_jsync_del(j, 1), 0);
	put(j, 3);
	put(j, 2);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)2), 0);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)3), 0);
	for (int i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_eq(n_told, 0);	/* nobody told before the disk said so */
	atomic_store(&holding, 0);
	sem_post(&gate);
	run_until(3);
	ck_assert_int_eq(told[0], 1);
	ck_assert_int_eq(told[1], 2);
	ck_assert_int_eq(told[2], 3);
	ck_assert_int_eq(atomic_load(&syncs) - s0, 2);	/* the two asked for meanwhile: one sync */
	pf_jsync_stats(j, &st);
	ck_assert_uint_eq(st.syncs, 2);
	ck_assert_uint_eq(st.queued, 3);
	ck_assert_uint_ge(st.max_us, st.last_us);
	pf_jsync_free(j);
	l = reopen_live();
	ck_assert_int_eq(l.n, 2);	/* 1 deleted; 3, then 2 put again last */
	ck_assert_uint_eq(l.keys[0], 3);
	ck_assert_uint_eq(l.keys[1], 2);
}
END_TEST

static void *
release_later(void *arg)
{
	(void)arg;
	usleep(50000);
	atomic_store(&holding, 0);
	sem_post(&gate);
	return NULL;
}

START_TEST(store_waits_for_the_sync)
{
	struct pf_jsync *j = open_j(base);
	struct pf_store *s;
	pthread_t t;
	struct live l = { .n = 0 };

	atomic_store(&holding, 1);
	put(j, 7);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)1), 0);
	wait_inside();
	put(j, 8);	/* queued */
	ck_assert_int_eq(pthread_create(&t, NULL, release_later, NULL), 0);
	s = pf_jsync_store(j);	/* waits; the queue is in the store on return */
	pthread_join(t, NULL);
	ck_assert(!pf_jsync_busy(j));
	ck_assert_int_eq(pf_store_load(s, collect, &l), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(n_told, 0);	/* told after the next sync, from the loop */
	run_until(1);
	ck_assert_int_eq(told[0], 1);
	pf_jsync_free(j);
	ck_assert_int_eq(reopen_live().n, 2);
}
END_TEST

START_TEST(free_cancels_the_waiters)
{
	struct pf_jsync *j = open_j(base);

	atomic_store(&holding, 1);
	put(j, 5);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)1), 0);
	wait_inside();
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)2), 0);
	atomic_store(&holding, 0);
	sem_post(&gate);
	pf_jsync_free(j);
	ck_assert_int_eq(n_told, 2);
	ck_assert_int_eq(told[0], -1);	/* -ECANCELED: told, never left dangling */
	ck_assert_int_eq(told[1], -2);
	ck_assert_int_eq(reopen_live().n, 1);	/* what the sync under way wrote is there */
}
END_TEST

/* A sync whose journal is due a compaction: its waiters are told once the
 * records are durable, while the thread still takes the compaction step
 * (held here at the new log's fdatasync). */
START_TEST(told_before_the_compaction)
{
	struct pf_jsync *j = open_j(base);
	struct pf_store_stats st;
	uint8_t v[1024];

	memset(v, 0x5a, sizeof(v));
	for (int round = 0; round < 4; round++)   /* 3 MB dead, 1 MB live: one step compacts it */
		for (uint64_t k = 1; k <= 1000; k++)
			ck_assert_int_eq(pf_jsync_put(j, k, v, sizeof(v)), 0);
	atomic_store(&skip, 1);	/* the commit's fdatasync passes, the compaction's is held */
	atomic_store(&holding, 1);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)1), 0);
	wait_inside();
	run_until(1);
	ck_assert_int_eq(told[0], 1);
	ck_assert(pf_jsync_busy(j));	/* the thread is still compacting */
	put(j, 5000);			/* queued meanwhile */
	atomic_store(&holding, 0);
	sem_post(&gate);
	pf_store_stats(pf_jsync_store(j), &st);
	ck_assert_uint_eq(st.compactions, 1);
	ck_assert_uint_eq(st.live, 1001);
	pf_jsync_free(j);
}
END_TEST

START_TEST(without_a_thread_at_once)
{
	struct pf_jsync *j = open_j(NULL);

	put(j, 9);
	ck_assert_int_eq(pf_jsync_sync(j, done, (void *)4), 0);
	ck_assert_int_eq(n_told, 1);
	ck_assert_int_eq(told[0], 4);
	ck_assert(!pf_jsync_busy(j));
	pf_jsync_free(j);
	ck_assert_int_eq(reopen_live().n, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pfjsync");
	TCase *tc = tcase_create("pfjsync");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, queued_while_syncing_in_order);
	tcase_add_test(tc, store_waits_for_the_sync);
	tcase_add_test(tc, free_cancels_the_waiters);
	tcase_add_test(tc, told_before_the_compaction);
	tcase_add_test(tc, without_a_thread_at_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
