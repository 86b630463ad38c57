/* sxcd's asynchronous sxdp client (control/client/ctl_async.c) against a server
 * of the test's own on the same event loop: answers reach their calls by
 * id even out of order; a dropped connection ends the calls in flight
 * with CTL_ASYNC_LOST and says it is down; the client comes back up by
 * itself (backoff); a call while down is refused. */
#include <check.h>
#include <errno.h>
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

START_TEST(calls_drop_and_reconnect)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct evconnlistener *l;
	struct ctl_async *c;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ctl-async-test.%d.sock", (int)getpid());
	unlink(sa.sun_path);
	base = event_base_new();
	l = evconnlistener_new_bind(base, srv_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 16, (struct sockaddr *)&sa,
				    sizeof(sa));
	ck_assert_ptr_nonnull(l);
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
	if (conn != NULL)
		bufferevent_free(conn);
	evconnlistener_free(l);
	event_base_free(base);
	unlink(sa.sun_path);
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
