/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl_async (see ctl_async.h): a bufferevent on the unix socket, a list of calls in flight with their deadlines, a reconnect timer, a keepalive tick. */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_lag.h"
#include "ctl_async.h"

struct pending {
	struct pending *next;
	json_int_t id;
	uint64_t sent;		/* monotonic ms */
	ctl_async_done *done;
	void *arg;
	char what[40];		/* "sxdp METHOD": how the loop's time is told */
};

struct ctl_async {
	struct event_base *base;
	char *path;
	struct bufferevent *bev;
	struct event *retry;
	struct event *tick;	/* deadlines and keepalive */
	bool up;		/* connected and answering */
	bool stalled;		/* connected, but a call outlived its deadline */
	json_int_t probe_id;	/* the keepalive in flight (0: none) */
	uint64_t probe_deadline, last_heard;
	uint64_t ticked;	/* the last tick (cd_clock_ms) */
	unsigned int deadline_ms;
	uint64_t timeouts;
	int backoff_ms;
	json_int_t next_id;
	struct pending *calls;
	unsigned int n_calls;
	ctl_async_state *state;
	void *arg;
};

static void try_connect(evutil_socket_t fd, short what, void *arg);

/* Every call in flight ends with @why (code CTL_ASYNC_LOST: the caller
 * cannot know whether sxdp did it). */
static void
fail_all(struct ctl_async *c, const char *why)
{
	struct pending *p = c->calls;
	json_t *err = json_pack("{s:i,s:s}", "code", CTL_ASYNC_LOST, "message", why);

	c->calls = NULL;
	c->n_calls = 0;
	while (p != NULL) {
		struct pending *next = p->next;

		p->done(p->arg, NULL, err);
		free(p);
		p = next;
	}
	json_decref(err);
}

static void
schedule_retry(struct ctl_async *c)
{
	struct timeval tv = { c->backoff_ms / 1000, (c->backoff_ms % 1000) * 1000 };

	evtimer_add(c->retry, &tv);
	c->backoff_ms = c->backoff_ms * 2 > CTL_ASYNC_BACKOFF_MAX_MS ? CTL_ASYNC_BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void
went_down(struct ctl_async *c, const char *why)
{
	bool was = c->up;

	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->up = false;
	c->stalled = false;
	c->probe_id = 0;
	fail_all(c, why);
	if (was && c->state != NULL)
		c->state(c->arg, false);
	schedule_retry(c);
}

/* Sent without a pending entry: its answer is recognised by its id. */
static void
send_probe(struct ctl_async *c, uint64_t now)
{
	char line[96];

	c->probe_id = c->next_id++;
	c->probe_deadline = now + CTL_ASYNC_PROBE_MS;
	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"method\":\"sys.hello\",\"id\":%lld}\n",
		 (long long)c->probe_id);
	evbuffer_add(bufferevent_get_output(c->bev), line, strlen(line));
}

/* sxdp stopped answering (a call or the keepalive outlived its deadline):
 * the calls in flight fail, new ones are refused, and sxcd is told it is
 * down until sxdp answers again; the socket stays, so a sxdp that was only
 * stopped (SIGSTOP, a long pause) comes back without a reconnect. */
static void
stall(struct ctl_async *c, const char *why)
{
	c->timeouts++;
	c->up = false;
	c->stalled = true;
	fail_all(c, why);
	if (c->state != NULL)
		c->state(c->arg, false);
}

/* Any answer: sxdp is alive. */
static void
heard(struct ctl_async *c)
{
	if (!c->stalled)
		return;
	c->stalled = false;
	c->up = true;
	if (c->state != NULL)
		c->state(c->arg, true);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_async *c = arg;
	uint64_t now = cd_clock_ms();
	struct pending *p;
	char why[128];
	bool late = now - c->ticked >= CTL_ASYNC_TICK_MS + CTL_ASYNC_LATE_MS;

	(void)fd;
	(void)what;
	c->ticked = now;
	if (c->bev == NULL || (!c->up && !c->stalled))
		return;
	/* a tick this late: the loop was held (a long step of the program's
	 * own), what sxdp said meanwhile is unread in the socket and what was
	 * asked may not even be sent: sxdp's silence is counted from now (a
	 * 40 s hold once declared a well sxdp unresponsive and voided the run
	 * under way) */
	if (late) {
		c->last_heard = now;
		if (c->probe_id != 0)
			c->probe_deadline = now + CTL_ASYNC_PROBE_MS;
		return;
	}
	/* silent for the deadline with a call waiting: a long answer that is
	 * still arriving, or a busy sxdp answering others, is not a stall */
	for (p = c->calls; p != NULL; p = p->next)
		if (now - (p->sent > c->last_heard ? p->sent : c->last_heard) >= c->deadline_ms)
			break;
	if (p != NULL) {
		snprintf(why, sizeof(why), "sxdp did not answer within %u ms", c->deadline_ms);
		stall(c, why);
	} else if (c->probe_id != 0 && c->probe_deadline <= now) {
		if (!c->stalled) {
			snprintf(why, sizeof(why), "sxdp did not answer a keepalive within %u ms",
				 CTL_ASYNC_PROBE_MS);
			stall(c, why);
		}
		/* one probe at a time: a stopped sxdp's socket is not filled */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
		    now - c->probe_deadline >= CTL_ASYNC_KEEPALIVE_MS)
			send_probe(c, now);
	} else if (c->probe_id == 0 && c->calls == NULL && now - c->last_heard >= CTL_ASYNC_KEEPALIVE_MS) {
		send_probe(c, now);
	}
}

/* One answer line: the call it answers ends. */
static void
answer(struct ctl_async *c, const char *line)
{
	uint64_t t0 = cd_lag_enter();
	json_t *msg = json_loads(line, 0, NULL), *id;
	struct pending **pp, *p;

	if (msg == NULL || !json_is_integer(id = json_object_get(msg, "id"))) {
		json_decref(msg);
		return;   /* not ours to answer: notifications, garbage */
	}
	if (json_integer_value(id) == c->probe_id)
		c->probe_id = 0;
	heard(c);
	if (c->bev == NULL) {
		json_decref(msg);
		return;
	}
	for (pp = &c->calls; (p = *pp) != NULL; pp = &p->next)
		if (p->id == json_integer_value(id))
			break;
	if (p != NULL) {
		*pp = p->next;
		c->n_calls--;
		p->done(p->arg, json_object_get(msg, "result"), json_object_get(msg, "error"));
		cd_lag_leave(t0, p->what);
		free(p);
	}
	json_decref(msg);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_async *c = arg;
	uint64_t t0 = cd_clock_ms();
	char *line;
	size_t n;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		c->last_heard = cd_clock_ms();
	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_LF)) != NULL) {
		answer(c, line);
		free(line);
		if (c->bev != bev)
			return;   /* a callback closed or replaced the connection */
		/* answers that came together are handled a few at a time: the
		 * loop serves others between them */
		if (cd_clock_ms() - t0 >= CTL_ASYNC_SLICE_MS &&
		    evbuffer_search_eol(bufferevent_get_input(bev), NULL, NULL, EVBUFFER_EOL_LF).pos >= 0) {
			bufferevent_trigger(bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
			return;
		}
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_async *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->up = true;
		c->stalled = false;
		c->probe_id = 0;
		c->last_heard = cd_clock_ms();
		c->backoff_ms = CTL_ASYNC_BACKOFF_MIN_MS;
		if (c->state != NULL)
			c->state(c->arg, true);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		went_down(c, (what & BEV_EVENT_EOF) ? "sxdp closed the connection" : "connection error");
}

static void
try_connect(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_async *c = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)fd;
	(void)what;
	if (strlen(c->path) >= sizeof(sa.sun_path) ||
	    (c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		schedule_retry(c);
		return;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		schedule_retry(c);
	}
}

struct ctl_async *
ctl_async_new(struct event_base *base, const char *path, ctl_async_state *state, void *arg)
{
	struct ctl_async *c = calloc(1, sizeof(*c));

	struct timeval tv = { 0, CTL_ASYNC_TICK_MS * 1000 };

	if (c == NULL || (c->path = strdup(path)) == NULL ||
	    (c->retry = evtimer_new(base, try_connect, c)) == NULL ||
	    (c->tick = event_new(base, -1, EV_PERSIST, on_tick, c)) == NULL) {
		if (c != NULL) {
			free(c->path);
			if (c->retry != NULL)
				event_free(c->retry);
		}
		free(c);
		return NULL;
	}
	evtimer_add(c->tick, &tv);
	c->ticked = cd_clock_ms();
	c->deadline_ms = CTL_ASYNC_DEADLINE_MS;
	c->base = base;
	c->state = state;
	c->arg = arg;
	c->backoff_ms = CTL_ASYNC_BACKOFF_MIN_MS;
	c->next_id = 1;
	try_connect(-1, 0, c);
	return c;
}

bool
ctl_async_up(const struct ctl_async *c)
{
	return c->up;
}

bool
ctl_async_stalled(const struct ctl_async *c)
{
	return c->stalled;
}

uint64_t
ctl_async_timeouts(const struct ctl_async *c)
{
	return c->timeouts;
}

void
ctl_async_set_deadline(struct ctl_async *c, unsigned int ms)
{
	c->deadline_ms = ms;
}

unsigned int
ctl_async_pending(const struct ctl_async *c)
{
	return c->n_calls;
}

int
ctl_async_call(struct ctl_async *c, const char *method, json_t *params, ctl_async_done *done, void *arg)
{
	struct pending *p;
	json_t *req;
	char *text;

	if (!c->up) {
		json_decref(params);
		return -ENOTCONN;
	}
	req = json_pack("{s:s,s:s,s:o,s:I}", "jsonrpc", "2.0", "method", method, "params",
			params != NULL ? params : json_object(), "id", c->next_id);
	if (req == NULL)
		return -ENOMEM;
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL || (p = calloc(1, sizeof(*p))) == NULL) {
		free(text);
		return -ENOMEM;
	}
	p->id = c->next_id++;
	snprintf(p->what, sizeof(p->what), "sxdp %s", method);
	p->sent = cd_clock_ms();
	p->done = done;
	p->arg = arg;
	p->next = c->calls;
	c->calls = p;
	c->n_calls++;
	evbuffer_add(bufferevent_get_output(c->bev), text, strlen(text));
	evbuffer_add(bufferevent_get_output(c->bev), "\n", 1);
	free(text);
	return 0;
}

void
ctl_async_free(struct ctl_async *c)
{
	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	/* down first: a call's end may make another call (the PFCP layer's
	 * next batch), which must be refused, not written to no socket */
	c->up = c->stalled = false;
	fail_all(c, "client closed");
	event_free(c->retry);
	event_free(c->tick);
	free(c->path);
	free(c);
}
