/* sxcd's intent store (control/sxcd/store/store.c): round trips, refused names,
 * leftovers of an interrupted put swept at open, an apply whose renames
 * could not all be made finished before any other write, and the crash test: a
 * child puts documents as fast as it can and reports each acknowledged one
 * on a pipe; it is killed with SIGKILL at a random moment; every
 * acknowledged document must then load whole, and nothing may load torn. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"

static char dir[64];

static void
fresh(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/sxcd-store-test.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(round_trip)
{
	struct store *s;
	json_t *doc = json_pack("{s:s,s:i}", "name", "red", "vni", 5000), *got, *all;

	fresh();
	ck_assert_int_eq(store_open(dir, &s), 0);
	ck_assert_int_eq(store_put(s, "slices", "red", doc), 0);
	got = store_get(s, "slices", "red");
	ck_assert(json_equal(got, doc));
	json_decref(got);
	/* a replace, then the whole store */
	json_object_set_new(doc, "vni", json_integer(6000));
	ck_assert_int_eq(store_put(s, "slices", "red", doc), 0);
	ck_assert_int_eq(store_put(s, "peers", "site-2", json_object()), 0);
	all = store_load(s, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(all, "slices"), "red"),
							   "vni")), 6000);
	ck_assert_int_eq(json_object_size(json_object_get(all, "peers")), 1);
	json_decref(all);
	ck_assert_int_eq(store_del(s, "slices", "red"), 0);
	ck_assert_int_eq(store_del(s, "slices", "red"), -ENOENT);
	ck_assert_ptr_null(store_get(s, "slices", "red"));
	store_close(s);
	json_decref(doc);
}
END_TEST

START_TEST(names_refused)
{
	static const char *const bad[] = { "", ".hidden", "a/b", "..", "a b", "é" };
	struct store *s;
	json_t *doc = json_object();

	fresh();
	ck_assert_int_eq(store_open(dir, &s), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(store_put(s, "slices", bad[i], doc), -EINVAL);
		ck_assert_int_eq(store_put(s, bad[i], "x", doc), -EINVAL);
	}
	ck_assert_int_eq(store_name_ok("slice-1_a.b"), 1);
	store_close(s);
	json_decref(doc);
}
END_TEST

/* A put cut short leaves .NAME.json.tmp: ignored by a load, swept at open;
 * a file that does not parse is reported, not loaded. */
START_TEST(leftovers)
{
	struct store *s;
	json_t *all, *bad;
	char p[256];
	FILE *f;

	fresh();
	ck_assert_int_eq(store_open(dir, &s), 0);
	ck_assert_int_eq(store_put(s, "vdns", "v1", json_object()), 0);
	store_close(s);
	snprintf(p, sizeof(p), "%s/vdns/.v2.json.tmp", dir);
	f = fopen(p, "w");
	fputs("{\"half\": ", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/vdns/v3.json", dir);
	f = fopen(p, "w");
	fputs("{\"torn\": ", f);
	fclose(f);
	ck_assert_int_eq(store_open(dir, &s), 0);
	snprintf(p, sizeof(p), "%s/vdns/.v2.json.tmp", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	all = store_load(s, &bad);
	ck_assert_int_eq(json_object_size(json_object_get(all, "vdns")), 1);
	ck_assert_int_eq(json_array_size(bad), 1);
	ck_assert_str_eq(json_string_value(json_array_get(bad, 0)), "vdns/v3");
	json_decref(all);
	json_decref(bad);
	store_close(s);
}
END_TEST

static int
int_at(struct store *s, const char *name, const char *field)
{
	json_t *d = store_get(s, "state", name);
	int v = d != NULL ? (int)json_integer_value(json_object_get(d, field)) : -1;

	json_decref(d);
	return v;
}

/* An apply whose journal is in place but one of whose renames fails (a
 * file system with no room for a new name; here a directory in the way)
 * is done all the same (the journal makes it, at the latest at the next
 * open), so no other write may go before it or replace its journal: they
 * are refused until it can be finished, then it is, and nothing of it is
 * lost across a reopen. */
START_TEST(journal_pending_goes_first)
{
	struct store *s;
	json_t *a1 = json_pack("{s:i}", "a", 1), *a2 = json_pack("{s:i}", "a", 2);
	json_t *b2 = json_pack("{s:i}", "b", 2), *c2 = json_pack("{s:i}", "c", 2);
	json_t *d1 = json_pack("{s:i}", "d", 1);
	struct store_op ops[] = { { "state", "own.1", a2 }, { "state", "own.2", b2 }, { "state", "own.3", c2 } };
	struct store_op more[] = { { "state", "own.4", d1 } };
	char p[128], q[160];
	FILE *f;

	fresh();
	ck_assert_int_eq(store_open(dir, &s), 0);
	ck_assert_int_eq(store_put(s, "state", "own.1", a1), 0);
	snprintf(p, sizeof(p), "%s/state/own.2.json", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(q, sizeof(q), "%s/in-the-way", p);
	ck_assert_ptr_nonnull(f = fopen(q, "w"));
	fclose(f);
	/* own.1 renamed, own.2 cannot be, own.3 not reached: stored all the same */
	ck_assert_int_eq(store_apply(s, ops, 3), 0);
	ck_assert_int_eq(int_at(s, "own.1", "a"), 2);
	/* nothing else first: neither an apply (which would replace the
	 * journal: own.2 and own.3 lost at the next open), nor a put or a
	 * delete */
	ck_assert_int_eq(store_apply(s, more, 1), -EISDIR);
	ck_assert_int_eq(store_put(s, "slices", "x", d1), -EISDIR);
	ck_assert_int_eq(store_del(s, "state", "own.1"), -EISDIR);
	ck_assert_int_eq(int_at(s, "own.4", "d"), -1);
	ck_assert_ptr_null(store_get(s, "slices", "x"));
	/* out of the way: the next write finishes it first */
	ck_assert_int_eq(unlink(q), 0);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(store_apply(s, more, 1), 0);
	store_close(s);
	ck_assert_int_eq(store_open(dir, &s), 0);
	ck_assert_int_eq(int_at(s, "own.1", "a"), 2);
	ck_assert_int_eq(int_at(s, "own.2", "b"), 2);
	ck_assert_int_eq(int_at(s, "own.3", "c"), 2);
	ck_assert_int_eq(int_at(s, "own.4", "d"), 1);
	snprintf(p, sizeof(p), "%s/.journal.json", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	store_close(s);
	json_decref(a1);
	json_decref(a2);
	json_decref(b2);
	json_decref(c2);
	json_decref(d1);
}
END_TEST

START_TEST(kill_9_loses_nothing_acknowledged)
{
	for (int round = 0; round < 5; round++) {
		int fds[2];
		pid_t pid;
		int acked = -1, v, n = 0;
		struct store *s;
		json_t *all, *bad, *docs;

		fresh();
		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			/* the writer: documents of growing size, each acknowledged
			 * once store_put returned */
			close(fds[0]);
			if (store_open(dir, &s) < 0)
				_exit(1);
			for (int i = 0;; i++) {
				json_t *d = json_pack("{s:i,s:s%}", "seq", i, "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
						      (size_t)(i % 32));

				if (store_put(s, "slices", i % 2 ? "odd" : "even", d) < 0 ||
				    write(fds[1], &i, sizeof(i)) != sizeof(i))
					_exit(1);
				json_decref(d);
			}
		}
		close(fds[1]);
		/* let it run for a while, then kill it mid-flight */
		while (n < 50 + round * 37 && read(fds[0], &v, sizeof(v)) == sizeof(v)) {
			acked = v;
			n++;
		}
		kill(pid, SIGKILL);
		while (read(fds[0], &v, sizeof(v)) == sizeof(v))
			acked = v;
		close(fds[0]);
		waitpid(pid, NULL, 0);
		ck_assert_int_ge(acked, 0);
		/* the last acknowledged put of each name stands, or a later one */
		ck_assert_int_eq(store_open(dir, &s), 0);
		all = store_load(s, &bad);
		ck_assert_int_eq(json_array_size(bad), 0);
		docs = json_object_get(all, "slices");
		for (int parity = 0; parity < 2; parity++) {
			int last = acked % 2 == parity ? acked : acked - 1;
			json_t *d = json_object_get(docs, parity ? "odd" : "even");

			if (last < 0)
				continue;
			ck_assert_msg(d != NULL, "round %d: %s lost", round, parity ? "odd" : "even");
			ck_assert_msg(json_integer_value(json_object_get(d, "seq")) >= last,
				      "round %d: %s is %lld, acknowledged %d", round, parity ? "odd" : "even",
				      (long long)json_integer_value(json_object_get(d, "seq")), last);
		}
		json_decref(all);
		json_decref(bad);
		store_close(s);
	}
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;
	char cmd[128];

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, names_refused);
	tcase_add_test(tc, leftovers);
	tcase_add_test(tc, journal_pending_goes_first);
	tcase_add_test(tc, kill_9_loses_nothing_acknowledged);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
