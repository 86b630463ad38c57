/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_wire (see cd_wire.h): a bufferevent filter per connection that reads each request's head and framing before evhttp does. */
#include <errno.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "cd_chunk.h"
#include "cd_clock.h"
#include "cd_log.h"
#include "cd_gate.h"
#include "cd_head.h"
#include "cd_linger.h"
#include "cd_tls.h"
#include "cd_wire.h"

#define PAUSE_MS	200		/* the listener rests after an accept failure */

enum st { ST_HEAD, ST_BODY, ST_CHUNKED, ST_REFUSED };
enum trouble { T_ACCEPT, T_EVICT, T_DEADLINE, T_BUDGET, T_TLS, T_N };

struct conn {
	TAILQ_ENTRY(conn) link;	/* oldest head or idleness first */
	struct cd_wire *w;
	struct bufferevent *bev;	/* the filter: evhttp's */
	struct bufferevent *under;	/* the socket's */
	struct event *deadline;
	uint64_t due;			/* when it is to fire (cd_clock_ms) */
	struct event *writable;		/* the socket, while an answer waits on it */
	struct event *kick;		/* input left in the socket's buffer: read it */
	struct evbuffer *head;		/* the head being read */
	enum st st;
	int eol;			/* CR/LF seen at the end of @head: 0..4 */
	bool overload;			/* accepted past the bound: refused at once */
	bool busy;			/* a request passed on, its answer not yet written: not idle */
	bool closing;
	bool flushing;			/* writing from on_kick/on_writable */
	bool expect;			/* the head asked for 100-continue */
	uint64_t body_left;
	size_t reserved;		/* of the body budget */
	/* chunked: the body de-chunked here, and the head it goes with */
	struct cd_chunk chunk;
	struct evbuffer *canon;
	/* TLS (NULL: plain): the deciphered bytes not yet read, the ciphered
	 * ones not yet written, and an answer waiting on those */
	struct cd_tls *tls;
	struct evbuffer *plain, *cout;
	bool tls_seen;			/* its first byte was looked at */
	bool out_wait;
	struct cd_gate_conn gc;		/* what cd_gate knows of it */
	char asked[CD_HEAD_ASKED_MAX];	/* "METHOD PATH" of the head being checked ("": not read yet) */
};

struct cd_wire {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct event *pause;
	struct cd_wire_conf conf;
	struct cd_gate_conf gate;	/* conf's, as cd_gate reads it */
	TAILQ_HEAD(, conn) conns;
	unsigned int n_conns;
	struct cd_linger linger;
	size_t body_bytes;
	json_t *refused;		/* reason → count */
	uint64_t evicted, accept_errors, spared;
	uint64_t logged_at[T_N], quiet[T_N];
};

static void on_writable(evutil_socket_t fd, short what, void *arg);

/* evconnlistener's error callback gets evhttp's argument, not one of
 * ours: the process has one front door */
static struct cd_wire *the_wire;

/* At most one line per CD_WIRE_LOG_MS for each kind of trouble: a flood
 * of them must not fill the disk. */
static void __attribute__((format(printf, 3, 4)))
wlog(struct cd_wire *w, enum trouble t, const char *fmt, ...)
{
	uint64_t now = cd_clock_ms();
	char msg[256];
	va_list ap;

	if (w->logged_at[t] != 0 && now - w->logged_at[t] < CD_WIRE_LOG_MS) {
		w->quiet[t]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->quiet[t] > 0)
		CD_LOG(WARN, "%s (and %lu more like it in the last %u s)", msg,
		       (unsigned long)w->quiet[t], CD_WIRE_LOG_MS / 1000);
	else
		CD_LOG(WARN, "%s", msg);
	w->logged_at[t] = now;
	w->quiet[t] = 0;
}

static void
arm(struct conn *c, unsigned int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	c->due = cd_clock_ms() + ms;
	evtimer_add(c->deadline, &tv);
}

/* The connection goes (evhttp frees it, and with it @c, on the next turn
 * of the loop). */
static void
drop(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	bufferevent_trigger_event(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
}

static void
unreserve(struct conn *c)
{
	c->w->body_bytes -= c->reserved;
	c->reserved = 0;
}

/* Most recent activity last: a new head, a request done. */
static void
touch(struct conn *c)
{
	TAILQ_REMOVE(&c->w->conns, c, link);
	TAILQ_INSERT_TAIL(&c->w->conns, c, link);
}

/* Close the oldest connection that is reading a head or idle (never one
 * receiving a body, nor one whose request is being served: its client
 * would get no answer, as four held PUTs once did when sxcd ran out of
 * fds). 0, or -EBUSY: none. */
static int
evict_one(struct cd_wire *w, const char *why)
{
	struct conn *c;

	TAILQ_FOREACH(c, &w->conns, link)
		if (!c->closing && c->st == ST_HEAD && !c->busy)
			break;
	if (c == NULL)
		return -EBUSY;
	w->evicted++;
	wlog(w, T_EVICT, "http: %s: closing the connections whose head or idleness is oldest", why);
	drop(c);
	return 0;
}

/* Keep the socket of a refused connection open for a moment after evhttp
 * closes it (cd_linger). */
static void
linger(struct conn *c)
{
	cd_linger_fd(&c->w->linger, bufferevent_getfd(c->under));
}

/* ------------------------------------------------------------ refusals */

static void
count(struct cd_wire *w, const char *reason)
{
	json_object_set_new(w->refused, reason,
			    json_integer(json_integer_value(json_object_get(w->refused, reason)) + 1));
}

/* Hand evhttp a request of our own that carries the refusal; nothing
 * more of this connection is read. */
static void __attribute__((format(printf, 5, 6)))
refuse(struct conn *c, struct evbuffer *dst, int code, const char *reason, const char *fmt, ...)
{
	struct cd_wire *w = c->w;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cd_head_refusal(dst, code, reason, msg, c->asked);
	count(w, reason);
	unreserve(c);
	c->st = ST_REFUSED;
	arm(c, CD_WIRE_HEAD_MS);	/* evhttp answers and closes well before */
	linger(c);
}

/* ------------------------------------------------------------ the head */

/* Check the head in @h (whole: head_step made sure), what it asks
 * (cd_gate) and the room for its body; when it passes, write it
 * canonically to @canon. 0, or a refusal made (into @dst). */
static int
check_head(struct conn *c, char *h, struct evbuffer *dst, struct evbuffer *canon, bool *chunked)
{
	struct cd_wire *w = c->w;
	struct cd_head_no no;
	struct cd_head hd;
	int rc;

	*chunked = false;
	c->expect = false;
	if (cd_head_parse(h, w->conf.body_max, canon, &hd, &no) < 0) {
		refuse(c, dst, no.code, no.reason, "%s", no.msg);
		return -1;
	}
	c->expect = hd.expect;
	/* what was asked, for the refusal's audit line */
	snprintf(c->asked, sizeof(c->asked), "%.*s %.150s", (int)strcspn(hd.method, " "), hd.method, hd.path);
	cd_gate_conn_read(&c->gc, bufferevent_getfd(c->under));
	if ((rc = cd_gate_check(&w->gate, &c->gc, &hd, &no)) == CD_GATE_REFUSE) {
		refuse(c, dst, no.code, no.reason, "%s", no.msg);
		return -1;
	}
	if (rc == CD_GATE_CLOSE) {
		count(w, "throttled_closed");
		unreserve(c);
		c->st = ST_REFUSED;
		drop(c);
		return -1;
	}
	if (c->overload) {
		refuse(c, dst, 503, "busy", "too many connections");
		return -1;
	}
	if (w->body_bytes + hd.length > w->conf.body_budget) {
		wlog(w, T_BUDGET, "http: bodies being received hold %zu bytes: refusing more", w->body_bytes);
		refuse(c, dst, 503, "busy", "too many bodies being received at once; retry");
		return -1;
	}
	c->reserved = hd.length;
	w->body_bytes += hd.length;
	c->body_left = hd.length;
	*chunked = hd.chunked;
	if (!hd.chunked)
		evbuffer_add_printf(canon, "Content-Length: %llu\r\n\r\n", (unsigned long long)hd.length);
	return 0;
}

/* Write what TLS has to send (c->cout) to the socket, as much as it takes
 * now; the rest when it has room. What is left, in bytes. */
static size_t
tls_push(struct conn *c)
{
	int fd = bufferevent_getfd(c->under);

	while (evbuffer_get_length(c->cout) > 0)
		if (evbuffer_write(c->cout, fd) <= 0)
			break;
	if (evbuffer_get_length(c->cout) > 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
						  errno == EINTR)) {
		if (c->writable == NULL)
			c->writable = event_new(c->w->base, fd, EV_WRITE, on_writable, c);
		if (c->writable != NULL)
			event_add(c->writable, NULL);
	} else if (evbuffer_get_length(c->cout) > 0) {
		evbuffer_drain(c->cout, evbuffer_get_length(c->cout));	/* the peer is gone */
		drop(c);
	}
	return evbuffer_get_length(c->cout);
}

/* A few bytes of our own to the client now, outside evhttp's answers (a
 * 100 Continue); a client that misses it sends its body after a while all
 * the same. */
static void
send_now(struct conn *c, const char *b, size_t n)
{
	struct evbuffer *t;

	if (c->tls == NULL) {
		ssize_t w = write(bufferevent_getfd(c->under), b, n);

		(void)w;
		return;
	}
	if ((t = evbuffer_new()) == NULL)
		return;
	evbuffer_add(t, b, n);
	if (cd_tls_send(c->tls, t, c->cout) == 0)
		tls_push(c);
	evbuffer_free(t);
}

/* Read head bytes off @src; a whole head checked and handed on. */
static void
head_step(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	struct cd_wire *w = c->w;
	size_t have = evbuffer_get_length(c->head), n = evbuffer_get_length(src), i;
	size_t room = CD_WIRE_HEAD_MAX - have;
	const unsigned char *p;
	struct evbuffer *canon;
	bool chunked;
	char *h;

	if (have == 0) {
		c->asked[0] = '\0';	/* not the last request's */
		/* a new head: its time starts now (the first one's at the accept) */
		if (c->eol == 0 && !c->overload && evtimer_pending(c->deadline, NULL) == 0) {
			arm(c, CD_WIRE_HEAD_MS);
			touch(c);
		}
		/* empty lines before a request line are ignored (RFC 9112 §2.2) */
		while (n >= 2 && (p = evbuffer_pullup(src, 2)) != NULL && p[0] == '\r' && p[1] == '\n') {
			evbuffer_drain(src, 2);
			n -= 2;
		}
		if (n == 0)
			return;
	}
	p = evbuffer_pullup(src, (ev_ssize_t)(n < room + 1 ? n : room + 1));
	if (cd_head_scan(&c->eol, p, n < room + 1 ? n : room + 1, &i) < 0) {
		refuse(c, dst, 400, "bad_line", "a bare CR or LF, or a NUL, in the head");
		evbuffer_drain(src, n);
		return;
	}
	if (c->eol < 4) {
		if (have + i > CD_WIRE_HEAD_MAX) {
			refuse(c, dst, 431, "head_too_large", "a request's head is at most %d bytes",
			       CD_WIRE_HEAD_MAX);
			evbuffer_drain(src, n);
			return;
		}
		evbuffer_remove_buffer(src, c->head, i);
		return;
	}
	evbuffer_remove_buffer(src, c->head, i);
	c->eol = 0;
	n = evbuffer_get_length(c->head);
	h = malloc(n + 1);
	canon = evbuffer_new();
	if (h == NULL || canon == NULL) {
		free(h);
		if (canon != NULL)
			evbuffer_free(canon);
		refuse(c, dst, 503, "no_memory", "out of memory");
		return;
	}
	evbuffer_remove(c->head, h, n);
	h[n] = '\0';
	if (check_head(c, h, dst, canon, &chunked) == 0) {
		evtimer_del(c->deadline);
		arm(c, CD_WIRE_BODY_MS);
		if (chunked) {
			c->st = ST_CHUNKED;
			c->chunk = (struct cd_chunk){ .body = evbuffer_new() };
			c->canon = canon;
			canon = NULL;
			/* evhttp would say it, but it sees this head only with the body */
			if (c->expect)
				send_now(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		} else {
			evbuffer_add_buffer(dst, canon);
			c->st = c->body_left > 0 ? ST_BODY : ST_HEAD;
		}
		if (c->st == ST_HEAD) {
			unreserve(c);
			evtimer_del(c->deadline);
			c->busy = true;
			touch(c);
		}
	}
	free(h);
	if (canon != NULL)
		evbuffer_free(canon);
	(void)w;
}

static void
body_done(struct conn *c)
{
	unreserve(c);
	evtimer_del(c->deadline);
	c->st = ST_HEAD;
	c->busy = true;
	touch(c);
}

/* The chunked body (cd_chunk), each chunk counted against the budget;
 * once whole, the head with its Content-Length and the body go on. */
static void
chunk_step(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	struct cd_wire *w = c->w;
	struct cd_head_no no;
	uint64_t size;

	switch (cd_chunk_step(&c->chunk, src, w->conf.body_max, &size, &no)) {
	case CD_CHUNK_BAD:
		refuse(c, dst, no.code, no.reason, "%s", no.msg);
		return;
	case CD_CHUNK_SIZED:
		if (w->body_bytes + size > w->conf.body_budget) {
			refuse(c, dst, 503, "busy", "too many bodies being received at once; retry");
			return;
		}
		w->body_bytes += size;
		c->reserved += size;
		return;
	case CD_CHUNK_DONE:
		evbuffer_add_printf(c->canon, "Content-Length: %zu\r\n\r\n",
				    evbuffer_get_length(c->chunk.body));
		evbuffer_add_buffer(dst, c->canon);
		evbuffer_add_buffer(dst, c->chunk.body);
		evbuffer_free(c->canon);
		evbuffer_free(c->chunk.body);
		c->canon = c->chunk.body = NULL;
		body_done(c);
		return;
	}
}

/* TLS: the ciphered bytes in @src deciphered into c->plain (what TLS
 * answers written). 0, or -1: the connection goes. */
static int
tls_in(struct conn *c, struct evbuffer *src)
{
#define PLAIN_BODY "this port speaks HTTPS (TLS): use https://\n"
	static const char plain[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
				    "charset=utf-8\r\nContent-Length: 43\r\nConnection: close\r\n\r\n"
				    PLAIN_BODY;
	_Static_assert(sizeof(PLAIN_BODY) - 1 == 43, "the 400's Content-Length");
	const unsigned char *p;
	int rc;

	if (c->closing || c->st == ST_REFUSED) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return -1;
	}
	/* a TLS connection opens with a handshake record (22) */
	if (!c->tls_seen && (p = evbuffer_pullup(src, 1)) != NULL) {
		c->tls_seen = true;
		if (p[0] != 22) {
			count(c->w, "plain_http");
			evbuffer_drain(src, evbuffer_get_length(src));
			/* in clear: the client speaks no TLS */
			if (write(bufferevent_getfd(c->under), plain, sizeof(plain) - 1) < 0)
				c->st = ST_REFUSED;
			c->st = ST_REFUSED;
			linger(c);
			drop(c);
			return -1;
		}
	}
	rc = cd_tls_recv(c->tls, src, c->plain, c->cout);
	tls_push(c);
	if (rc < 0) {
		if (rc == -EPROTO) {
			count(c->w, "tls");
			wlog(c->w, T_TLS, "http: TLS with a client failed: %s", cd_tls_why(c->tls));
		}
		drop(c);
		return -1;
	}
	return 0;
}

static enum bufferevent_filter_result
filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
	  enum bufferevent_flush_mode mode, void *arg)
{
	struct conn *c = arg;
	size_t before = evbuffer_get_length(dst), n;

	(void)limit;
	(void)mode;
	if (c->tls != NULL) {
		if (tls_in(c, src) < 0)
			return BEV_NEED_MORE;
		src = c->plain;
	}
	/* every byte is taken (the filter is called again while any is left) */
	while ((n = evbuffer_get_length(src)) > 0) {
		size_t had = n;

		switch (c->st) {
		case ST_HEAD:
			head_step(c, src, dst);
			break;
		case ST_BODY:
			n = n < c->body_left ? n : (size_t)c->body_left;
			evbuffer_remove_buffer(src, dst, n);
			if ((c->body_left -= n) == 0)
				body_done(c);
			break;
		case ST_CHUNKED:
			if (c->chunk.body == NULL) {
				refuse(c, dst, 503, "no_memory", "out of memory");
				break;
			}
			chunk_step(c, src, dst);
			break;
		case ST_REFUSED:
			evbuffer_drain(src, n);
			break;
		}
		if (evbuffer_get_length(src) == had && c->st != ST_HEAD && c->st != ST_BODY)
			break;	/* a step that needs more than is here */
	}
	return evbuffer_get_length(dst) > before ? BEV_OK : BEV_NEED_MORE;
}

/* ------------------------------------------------------------ output */

/*
 * Answers go from evhttp's buffer straight to the socket, not through the
 * socket's bufferevent: evhttp frees a connection as soon as its answer
 * left the filter, and what the socket's bufferevent still held would be
 * lost (a "Connection: close" answer cut off). So evhttp hears "written"
 * only once the kernel has it all; until then the filter says it needs
 * more and @writable waits for room. Writing happens only on a turn of the
 * loop of its own (on_kick, on_writable), never inside evhttp's adding to
 * its buffer: evhttp's "written" callback may free the connection.
 */

/* An answer written whole: the connection idle from now. */
static void
answered(struct conn *c)
{
	if (c->busy) {
		c->busy = false;
		touch(c);
	}
}

static enum bufferevent_filter_result
filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
	   enum bufferevent_flush_mode mode, void *arg)
{
	struct conn *c = arg;
	int fd = bufferevent_getfd(c->under);

	(void)dst;
	(void)limit;
	(void)mode;
	if (!c->flushing) {
		struct timeval now = { 0, 0 };

		evtimer_add(c->kick, &now);
		return BEV_NEED_MORE;
	}
	if (c->tls != NULL) {
		/* ciphered whole now; "written" once the socket took it all */
		if (cd_tls_send(c->tls, src, c->cout) < 0) {
			evbuffer_drain(src, evbuffer_get_length(src));
			drop(c);
			return BEV_ERROR;
		}
		c->out_wait = tls_push(c) > 0;
		if (c->out_wait)
			return BEV_NEED_MORE;
		answered(c);
		return BEV_OK;
	}
	while (evbuffer_get_length(src) > 0)
		if (evbuffer_write(src, fd) <= 0)
			break;
	if (evbuffer_get_length(src) == 0) {
		answered(c);
		return BEV_OK;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		evbuffer_drain(src, evbuffer_get_length(src));
		drop(c);
		return BEV_ERROR;
	}
	if (c->writable == NULL)
		c->writable = event_new(c->w->base, fd, EV_WRITE, on_writable, c);
	if (c->writable != NULL)
		event_add(c->writable, NULL);
	return BEV_NEED_MORE;
}

/* Room on the socket, or an answer was added while evhttp had writing
 * off (it turns it on after; the filter does not notice that by itself). */
/* evhttp still has the connection (it clears the callbacks when it frees
 * it; the filter itself goes a turn of the loop later). */
static bool
alive(struct conn *c)
{
	bufferevent_event_cb ev = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &ev, NULL);
	return ev != NULL;
}

static void
flush_out(struct conn *c)
{
	if (!alive(c))
		return;
	if (c->tls != NULL && tls_push(c) > 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && !c->out_wait)
		return;
	/* an answer ciphered already is let go with an empty buffer: only a
	 * flush calls the filter then */
	c->flushing = true;
	bufferevent_flush(c->bev, EV_WRITE, c->out_wait ? BEV_FLUSH : BEV_NORMAL);
	c->flushing = false;
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_out(arg);
}

static void
on_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct timeval now = { 0, 0 };

	(void)buf;
	if (info->n_added > 0)
		evtimer_add(c->kick, &now);
}

/* The next turn of the loop after evhttp wrote or changed its mind: an
 * answer left in evhttp's buffer is written, input left in the socket's
 * buffer (read before evhttp turned reading off) is read. */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	flush_out(c);
	if (alive(c) && (evbuffer_get_length(bufferevent_get_input(c->under)) > 0 ||
			 (c->plain != NULL && evbuffer_get_length(c->plain) > 0)) &&
	    (bufferevent_get_enabled(c->bev) & EV_READ)) {
		bufferevent_flush(c->bev, EV_READ, BEV_NORMAL);
		if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
			bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
	}
}

/* ------------------------------------------------------------ connections */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint64_t now = cd_clock_ms();

	(void)fd;
	(void)what;
	/* Fired this late, the loop was held (a long step, the store): the
	 * client's bytes may be waiting in the socket since, read in this
	 * same turn of the loop. Its time again: the client was not slow,
	 * sxcd was (four clients' PUTs were once closed unread this way). */
	/* (libevent times the timer from its loop's cached clock: it may
	 * fire a little before @due, never a trickle's reprieve) */
	if (now > c->due && now - c->due >= CD_WIRE_LATE_MS && c->st != ST_REFUSED) {
		c->w->spared++;
		arm(c, c->st == ST_HEAD ? CD_WIRE_HEAD_MS : CD_WIRE_BODY_MS);
		return;
	}
	wlog(c->w, T_DEADLINE, "http: a request's %s took longer than %u s: connection closed",
	     c->st == ST_HEAD ? "head" : "body",
	     (c->st == ST_HEAD ? CD_WIRE_HEAD_MS : CD_WIRE_BODY_MS) / 1000);
	count(c->w, "deadline");
	drop(c);
}

static void
conn_free(void *arg)
{
	struct conn *c = arg;

	if (c->w != NULL) {	/* NULL: the wire went first (cd_wire_free) */
		unreserve(c);
		c->w->n_conns--;
		TAILQ_REMOVE(&c->w->conns, c, link);
	}
	event_free(c->deadline);
	event_free(c->kick);
	if (c->writable != NULL)
		event_free(c->writable);
	evbuffer_free(c->head);
	if (c->chunk.body != NULL)
		evbuffer_free(c->chunk.body);
	if (c->canon != NULL)
		evbuffer_free(c->canon);
	if (c->plain != NULL)
		evbuffer_free(c->plain);
	if (c->cout != NULL)
		evbuffer_free(c->cout);
	cd_tls_free(c->tls);
	free(c);
}

/* evhttp's bevcb: a new connection's bufferevent (its fd set by evhttp). */
static struct bufferevent *
new_bev(struct event_base *base, void *arg)
{
	struct cd_wire *w = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->w = w;
	if ((c->under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->deadline = evtimer_new(base, on_deadline, c)) == NULL ||
	    (c->kick = evtimer_new(base, on_kick, c)) == NULL ||
	    (c->head = evbuffer_new()) == NULL ||
	    (w->conf.tls != NULL && ((c->tls = cd_tls_new(w->conf.tls)) == NULL ||
				     (c->plain = evbuffer_new()) == NULL ||
				     (c->cout = evbuffer_new()) == NULL)) ||
	    (c->bev = bufferevent_filter_new(c->under, filter_in, filter_out, BEV_OPT_CLOSE_ON_FREE,
					     conn_free, c)) == NULL) {
		if (c->under != NULL)
			bufferevent_free(c->under);
		if (c->deadline != NULL)
			event_free(c->deadline);
		if (c->kick != NULL)
			event_free(c->kick);
		if (c->head != NULL)
			evbuffer_free(c->head);
		if (c->plain != NULL)
			evbuffer_free(c->plain);
		if (c->cout != NULL)
			evbuffer_free(c->cout);
		cd_tls_free(c->tls);
		free(c);
		return NULL;
	}
	c->gc.tls = c->tls != NULL;
	if (w->n_conns >= w->conf.max_conns && evict_one(w, "at the connection limit") < 0)
		c->overload = true;
	evbuffer_add_cb(bufferevent_get_output(c->bev), on_out_added, c);
	w->n_conns++;
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	arm(c, CD_WIRE_HEAD_MS);
	return c->bev;
}

static void
on_pause_end(evutil_socket_t fd, short what, void *arg)
{
	struct cd_wire *w = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(w->lev);
}

/* accept() failed: out of fds (or memory). The listening socket stays
 * readable, so without a pause the loop would spin on it. */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct cd_wire *w = the_wire;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 0, PAUSE_MS * 1000 };

	(void)arg;
	if (w == NULL)
		return;
	w->accept_errors++;
	wlog(w, T_ACCEPT, "http: accept: %s (%u connections): pausing %d ms", strerror(err),
	     w->n_conns, PAUSE_MS);
	evconnlistener_disable(lev);
	evtimer_add(w->pause, &tv);
	if (err == EMFILE || err == ENFILE)
		for (int i = 0; i < 4 && evict_one(w, "out of file descriptors") == 0; i++)
			;
}

struct cd_wire *
cd_wire_new(struct event_base *base, struct evhttp *http, struct evhttp_bound_socket *bound,
	    const struct cd_wire_conf *conf)
{
	struct cd_wire *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	*w = (struct cd_wire){ .base = base, .http = http, .conf = *conf, .refused = json_object(),
			       .lev = evhttp_bound_socket_get_listener(bound), .linger = { .base = base },
			       .gate = { .auth = conf->auth, .https = conf->tls != NULL,
					 .listen_host = conf->listen_host, .names = conf->names,
					 .plain_ok = conf->plain_ok } };
	TAILQ_INIT(&w->conns);
	if (w->refused == NULL || (w->pause = evtimer_new(base, on_pause_end, w)) == NULL) {
		cd_wire_free(w);
		return NULL;
	}
	the_wire = w;
	evconnlistener_set_error_cb(w->lev, on_accept_error);
	evhttp_set_bevcb(http, new_bev, w);
	return w;
}

/* After evhttp_free, which lets every connection go; libevent frees them
 * later (its finalizers, at the latest in event_base_free), so they are
 * let go of here. */
void
cd_wire_free(struct cd_wire *w)
{
	struct conn *c;

	if (w == NULL)
		return;
	while ((c = TAILQ_FIRST(&w->conns)) != NULL) {
		TAILQ_REMOVE(&w->conns, c, link);
		c->w = NULL;
	}
	if (the_wire == w)
		the_wire = NULL;
	if (w->pause != NULL)
		event_free(w->pause);
	json_decref(w->refused);
	free(w);
}

json_t *
cd_wire_stats(const struct cd_wire *w)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:O,s:I,s:I,s:I}", "connections", (json_int_t)w->n_conns,
			 "max_connections", (json_int_t)w->conf.max_conns, "body_bytes",
			 (json_int_t)w->body_bytes, "body_budget", (json_int_t)w->conf.body_budget,
			 "refused", w->refused, "evicted", (json_int_t)w->evicted, "accept_errors",
			 (json_int_t)w->accept_errors, "deadlines_late", (json_int_t)w->spared);
}
