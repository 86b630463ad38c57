/* sxcd's asynchronous sxdp client (control/client/ctl_async.c) against a server
 * of the test's own on the same event loop: answers reach their calls by
 * id even out of order; a dropped connection ends the calls in flight
 * with CTL_ASYNC_LOST and says it is down; the client comes back up by
 * itself (backoff); a call while down is refused; a loop held past a
 * call's deadline is not sxdp's silence; a call made as the client is
 * freed is refused. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl_async.h"

static struct event_base *base;
static struct bufferevent *conn;     /* the server's side of the client */
static char *held;                   /* a "slow" request, answered after the next one */
static int ups, downs, answered, lost;
static json_int_t last_echo;

static void
reply(struct bufferevent *bev, json_t *req, json_t *result)
{
	json_t *r = json_pack("{s:s,s:O,s:O}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "result", result);
	char *t = json_dumps(r, JSON_COMPACT);

	evbuffer_add_printf(bufferevent_get_output(bev), "%s\n", t);
	free(t);
	json_decref(r);
}

static void
srv_read(struct bufferevent *bev, void *arg)
{
	char *line;
	size_t n;

	(void)arg;
	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_LF)) != NULL) {
		json_t *req = json_loads(line, 0, NULL);
		const char *m = json_string_value(json_object_get(req, "method"));

		if (strcmp(m, "slow") == 0) {
			held = line;
			json_decref(req);
			continue;
		}
		if (strcmp(m, "bye") == 0) {
			bufferevent_free(bev);
			conn = NULL;
			json_decref(req);
			free(line);
			return;
		}
		if (strcmp(m, "echo") == 0)
			reply(bev, req, json_object_get(req, "params"));
		if (held != NULL) {   /* the slow one, after this one */
			json_t *h = json_loads(held, 0, NULL);

			reply(bev, h, json_object_get(h, "params"));
			json_decref(h);
			free(held);
			held = NULL;
		}
		json_decref(req);
		free(line);
	}
}

static void
srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l;
	(void)sa;
	(void)len;
	(void)arg;
	conn = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(conn, srv_read, NULL, NULL, NULL);
	bufferevent_enable(conn, EV_READ | EV_WRITE);
}

static void
state(void *arg, bool up)
{
	(void)arg;
	if (up)
		ups++;
	else
		downs++;
}

static void
done(void *arg, json_t *result, json_t *error)
{
	json_int_t want = (json_int_t)(intptr_t)arg;

	if (error != NULL) {
		ck_assert_int_eq(json_integer_value(json_object_get(error, "code")), CTL_ASYNC_LOST);
		lost++;
		return;
	}
	ck_assert_int_eq(json_integer_value(json_object_get(result, "n")), want);
	last_echo = want;
	answered++;
}

/* Run the loop until *@v reaches @want, 3 s at most. */
static void
run_until(int *v, int want)
{
	for (int i = 0; i < 3000 && *v < want; i++) {
		struct timeval tv = { 0, 1000 };

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	ck_assert_int_ge(*v, want);
}

/* A new loop (base) with the test's server on it at @sa (/tmp/ctl-async-@what.PID.sock). */
static struct evconnlistener *
serve(struct sockaddr_un *sa, const char *what)
{
	struct evconnlistener *l;

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/tmp/ctl-async-%s.%d.sock", what, (int)getpid());
	unlink(sa->sun_path);
	base = event_base_new();
	l = evconnlistener_new_bind(base, srv_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 16, (struct sockaddr *)sa,
				    sizeof(*sa));
	ck_assert_ptr_nonnull(l);
	return l;
}

/* The server, its connection and the loop gone. */
static void
unserve(struct evconnlistener *l, struct sockaddr_un *sa)
{
	free(held);
	held = NULL;
	if (conn != NULL)
		bufferevent_free(conn);
	conn = NULL;
	evconnlistener_free(l);
	event_base_free(base);
	unlink(sa->sun_path);
}

START_TEST(calls_drop_and_reconnect)
{
	struct sockaddr_un sa;
	struct evconnlistener *l = serve(&sa, "test");
	struct ctl_async *c;

	c = ctl_async_new(base, sa.sun_path, state, NULL);
	run_until(&ups, 1);
	/* the slow call is answered after the next: each answer finds its call */
	ck_assert_int_eq(ctl_async_call(c, "slow", json_pack("{s:i}", "n", 1), done, (void *)1), 0);
	ck_assert_int_eq(ctl_async_call(c, "echo", json_pack("{s:i}", "n", 2), done, (void *)2), 0);
	run_until(&answered, 2);
	ck_assert_int_eq(last_echo, 1);   /* the slow one came last */
	ck_assert_uint_eq(ctl_async_pending(c), 0);
	/* a call in flight when the server hangs up ends lost; down, then up again */
	ck_assert_int_eq(ctl_async_call(c, "slow", json_pack("{s:i}", "n", 3), done, (void *)3), 0);
	ck_assert_int_eq(ctl_async_call(c, "bye", NULL, done, (void *)0), 0);
	run_until(&downs, 1);
	ck_assert_int_eq(lost, 2);
	ck_assert(!ctl_async_up(c));
	ck_assert_int_eq(ctl_async_call(c, "echo", NULL, done, (void *)4), -ENOTCONN);
	free(held);
	held = NULL;
	run_until(&ups, 2);
	ck_assert_int_eq(ctl_async_call(c, "echo", json_pack("{s:i}", "n", 5), done, (void *)5), 0);
	run_until(&answered, 3);
	ctl_async_free(c);
	unserve(l, &sa);
}
END_TEST

#define ANSWER_US 600000	/* the thread's answer, after the client's next turn */
#define TICKS_US  400000	/* the client's tick overdue by then (250 ms) */

/* A server on a thread of its own: it answers every call ANSWER_US after
 * it came, while the client's loop may be held. */
static void *
echo_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg, fd = accept(lfd, NULL, NULL);
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			json_t *req = json_loadb(buf, (size_t)(nl - buf), 0, NULL);

			usleep(ANSWER_US);
			char out[256];
			int len = snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":%s}\n",
					   (long long)json_integer_value(json_object_get(req, "id")),
					   json_is_object(json_object_get(req, "params")) ? "{\"n\":7}" : "{}");

			json_decref(req);
			if (write(fd, out, (size_t)len) != len)
				break;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void
hold_loop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sleep(CTL_ASYNC_DEADLINE_MS / 1000 + 2);   /* a long step of the program's own */
}

/* Past the client's tick, then the hold: the next turn of the loop has
 * both expired, the hold first, so the tick runs right after the hold,
 * before the loop reads the answer that came meanwhile. */
static void
before_hold(evutil_socket_t fd, short what, void *arg)
{
	struct timeval now = { 0, 0 };

	(void)fd;
	(void)what;
	evtimer_add(arg, &now);
	usleep(TICKS_US);
}

/* The loop held past the call's deadline while sxdp answered at once: the
 * answer, unread in the socket, is taken, and sxdp is not said down (a
 * 40 s hold of sxcd's once voided a run this way). */
START_TEST(a_held_loop_is_no_silence)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval now = { 0, 0 };
	struct ctl_async *c;
	struct event *hold, *before;
	pthread_t thr;
	int lfd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ctl-async-held.%d.sock", (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(pthread_create(&thr, NULL, echo_thread, (void *)(intptr_t)lfd), 0);
	base = event_base_new();
	ups = downs = answered = lost = 0;
	c = ctl_async_new(base, sa.sun_path, state, NULL);
	run_until(&ups, 1);
	ck_assert_int_eq(ctl_async_call(c, "echo", json_pack("{s:i}", "n", 7), done, (void *)7), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);	/* the call sent */
	hold = evtimer_new(base, hold_loop, NULL);
	before = evtimer_new(base, before_hold, hold);
	evtimer_add(before, &now);
	run_until(&answered, 1);
	ck_assert_int_eq(downs, 0);
	ck_assert_int_eq(lost, 0);
	ck_assert(ctl_async_up(c));
	event_free(hold);
	event_free(before);
	ctl_async_free(c);
	event_base_free(base);	/* the socket closed with it: the thread's read ends */
	pthread_join(thr, NULL);
	close(lfd);
	unlink(sa.sun_path);
}
END_TEST

static struct ctl_async *again_c;
static int again_rc = 1;

/* A call's end that makes the next call (as the PFCP layer's batches do). */
static void
call_again(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	(void)result;
	ck_assert_ptr_nonnull(error);
	again_rc = ctl_async_call(again_c, "echo", json_pack("{s:i}", "n", 9), done, (void *)9);
}

/* The client freed with a call in flight whose end calls again: that call
 * is refused (-ENOTCONN), not written to the socket just freed (sxcd
 * crashed at a stop this way). */
START_TEST(a_call_at_the_end_is_refused)
{
	struct sockaddr_un sa;
	struct evconnlistener *l = serve(&sa, "end");

	ups = 0;
	again_c = ctl_async_new(base, sa.sun_path, state, NULL);
	run_until(&ups, 1);
	ck_assert_int_eq(ctl_async_call(again_c, "slow", json_pack("{s:i}", "n", 8), call_again, NULL), 0);
	ctl_async_free(again_c);
	ck_assert_int_eq(again_rc, -ENOTCONN);
	unserve(l, &sa);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl_async");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, calls_drop_and_reconnect);
	tcase_add_test(tc, a_held_loop_is_no_silence);
	tcase_add_test(tc, a_call_at_the_end_is_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
