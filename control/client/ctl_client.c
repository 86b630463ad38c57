/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_client: blocking JSON-RPC 2.0 client for sxdp's control socket.
 * One request in flight at a time; each call is bounded by one deadline
 * covering both the send and the wait for the matching response.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_client.h"

#define CTL_READ_CHUNK	(64u * 1024)

struct ctl_client {
	int fd;
	int timeout_ms;
	/* Stream state is unknown (half-sent request, garbage, EOF). */
	bool broken;
	json_int_t next_id;
	char *buf;
	size_t len;	/* bytes buffered */
	size_t scanned;	/* leading bytes of buf known to hold no '\n' */
	size_t cap;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/* while an answer is awaited (ctl_on_wait) */
	void (*tick)(void *arg, int64_t waited_ms);
	void *tick_arg;
};

#define CTL_TICK_MS 250

const char *
ctl_default_path(void)
{
	const char *p = getenv(CTL_PATH_ENV);

	return (p != NULL && p[0] != '\0') ? p : CTL_DEFAULT_PATH;
}

int64_t
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -1 means no deadline. */
static int64_t
deadline_of(int timeout_ms)
{
	return timeout_ms > 0 ? ctl_now_ms() + timeout_ms : -1;
}

static int
remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - ctl_now_ms();
	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/*
 * Wait until @fd is ready for @events. Error/hang-up conditions count as
 * ready so that the following read/write reports the actual errno.
 */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		int tmo = remaining_ms(deadline);

		if (tmo == 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, tmo);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int
ctl_wait_ticking(int fd, short events, int64_t deadline, void (*tick)(void *arg, int64_t waited_ms), void *arg)
{
	int64_t t0 = ctl_now_ms();
	int rc;

	if (tick == NULL)
		return wait_fd(fd, events, deadline);
	for (;;) {
		int64_t slice = ctl_now_ms() + CTL_TICK_MS;

		rc = wait_fd(fd, events, deadline >= 0 && deadline < slice ? deadline : slice);
		if (rc != -ETIMEDOUT || (deadline >= 0 && ctl_now_ms() >= deadline))
			return rc;
		tick(arg, ctl_now_ms() - t0);
	}
}

static int
connect_unix(int fd, const struct sockaddr_un *sa, int64_t deadline)
{
	socklen_t slen;
	int err;

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* Listen backlog full: the server is busy, retry. */
			if (remaining_ms(deadline) == 0)
				return -ETIMEDOUT;
			nanosleep(&(struct timespec){ .tv_nsec = 10000000 },
				  NULL);
			continue;
		}
		if (errno != EINPROGRESS)
			return -errno;
		err = wait_fd(fd, POLLOUT, deadline);
		if (err < 0)
			return err;
		slen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &slen) < 0)
			return -errno;
		return -err;
	}
}

struct ctl_client *
ctl_connect(const char *path, int timeout_ms, char *errbuf, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_client *c;
	int rc;

	if (path == NULL)
		path = ctl_default_path();
	if (strlen(path) >= sizeof(sa.sun_path)) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s", strerror(ENAMETOOLONG));
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	strcpy(sa.sun_path, path);
	strcpy(c->path, path);
	c->timeout_ms = timeout_ms;
	c->next_id = 1;
	/* Non-blocking so every wait goes through poll() and its deadline. */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = connect_unix(c->fd, &sa, deadline_of(timeout_ms));
	if (rc < 0)
		goto fail;
	return c;

fail:
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", strerror(-rc));
	if (c != NULL && c->fd >= 0)
		close(c->fd);
	free(c);
	errno = -rc;
	return NULL;
}

void
ctl_close(struct ctl_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

static int
send_all(struct ctl_client *c, const char *data, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		/* MSG_NOSIGNAL: a dead server must be an error, not SIGPIPE. */
		n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(c->fd, POLLOUT, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

static int
grow(struct ctl_client *c, size_t need)
{
	size_t ncap;
	char *nbuf;

	if (c->cap >= need)
		return 0;
	ncap = c->cap ? c->cap : CTL_READ_CHUNK;
	while (ncap < need)
		ncap *= 2;
	nbuf = realloc(c->buf, ncap);
	if (nbuf == NULL)
		return -ENOMEM;
	c->buf = nbuf;
	c->cap = ncap;
	return 0;
}

/*
 * Make one complete line available at the start of c->buf; its length
 * without the '\n' goes to *linelen. Bytes after it stay buffered: the
 * server may have sent the next message in the same segment.
 */
static int
read_line(struct ctl_client *c, int64_t deadline, size_t *linelen)
{
	size_t room;
	ssize_t n;
	char *nl;
	int rc;

	for (;;) {
		nl = c->len > c->scanned ?
			memchr(c->buf + c->scanned, '\n', c->len - c->scanned) :
			NULL;
		if (nl != NULL) {
			*linelen = (size_t)(nl - c->buf);
			return 0;
		}
		c->scanned = c->len;
		if (c->len > CTL_MAX_RESPONSE)
			return -EMSGSIZE;
		rc = grow(c, c->len + CTL_READ_CHUNK);
		if (rc < 0)
			return rc;
		room = c->cap - c->len;
		/* Read no further than one byte past the bound. */
		if (room > CTL_MAX_RESPONSE + 1 - c->len)
			room = CTL_MAX_RESPONSE + 1 - c->len;
		n = recv(c->fd, c->buf + c->len, room, 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = ctl_wait_ticking(c->fd, POLLIN, deadline, c->tick, c->tick_arg);
		if (rc < 0)
			return rc;
	}
}

static void
consume(struct ctl_client *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	c->scanned = 0;
}

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * Is @resp the answer to request @id? Responses to earlier requests that
 * timed out and notifications (no id) are skipped. An error with a null
 * id is the server failing to parse what we just sent, so it is ours.
 */
static bool
is_ours(json_t *resp, json_int_t id)
{
	json_t *rid = json_object_get(resp, "id");

	if (json_is_integer(rid))
		return json_integer_value(rid) == id;
	return json_is_null(rid) && json_is_object(json_object_get(resp, "error"));
}

static json_t *
build_request(const char *method, json_int_t id, json_t *params)
{
	json_t *req = json_object();

	if (req == NULL) {
		json_decref(params);
		return NULL;
	}
	if (params == NULL)
		params = json_object();
	if (json_object_set_new(req, "jsonrpc", json_string("2.0")) < 0 ||
	    json_object_set_new(req, "id", json_integer(id)) < 0 ||
	    json_object_set_new(req, "method", json_string(method)) < 0 ||
	    json_object_set_new(req, "params", params) < 0) {
		/* set_new consumed params whether or not it succeeded. */
		json_decref(req);
		return NULL;
	}
	return req;
}

static int
wait_response(struct ctl_client *c, json_int_t id, int64_t deadline,
	      json_t **resp_out)
{
	json_error_t jerr;
	size_t linelen = 0;
	json_t *resp;
	int rc;

	for (;;) {
		rc = read_line(c, deadline, &linelen);
		if (rc < 0)
			return rc;
		if (blank(c->buf, linelen)) {
			consume(c, linelen + 1);
			continue;
		}
		resp = json_loadb(c->buf, linelen, 0, &jerr);
		consume(c, linelen + 1);
		if (resp == NULL || !json_is_object(resp)) {
			json_decref(resp);
			return -EPROTO;
		}
		/* an error with a null id is about the connection itself (the
		 * server is full, the request could not be read): ours too */
		if (is_ours(resp, id) || (json_is_null(json_object_get(resp, "id")) &&
					  json_is_object(json_object_get(resp, "error")))) {
			*resp_out = resp;
			return 0;
		}
		json_decref(resp);
	}
}

int
ctl_call(struct ctl_client *c, const char *method, json_t *params,
	 json_t **result, json_t **error)
{
	json_t *req, *resp = NULL, *res, *err;
	int64_t deadline;
	json_int_t id;
	size_t len;
	char *line;
	int rc;

	if (result != NULL)
		*result = NULL;
	if (error != NULL)
		*error = NULL;
	if (c == NULL || method == NULL) {
		json_decref(params);
		return -EINVAL;
	}
	if (c->broken) {
		json_decref(params);
		return -ENOTCONN;
	}
	id = c->next_id++;
	req = build_request(method, id, params);
	if (req == NULL)
		return -ENOMEM;
	/* Compact encoding escapes control characters: no raw '\n' inside. */
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n';	/* overwrite the NUL; we send by length */

	deadline = deadline_of(c->timeout_ms);
	rc = send_all(c, line, len + 1, deadline);
	free(line);
	if (rc < 0) {
		/* A partially sent request would corrupt the next one. */
		c->broken = true;
		/* A server that refused us (full) may have said why and closed
		 * before our request went out: read what it left, without waiting. */
		if ((rc != -EPIPE && rc != -ECONNRESET) ||
		    wait_response(c, id, ctl_now_ms(), &resp) < 0)
			return rc;
		rc = 0;
	} else {
		rc = wait_response(c, id, deadline, &resp);
	}
	if (rc < 0) {
		/* On timeout the late answer is skipped by id next time. */
		if (rc != -ETIMEDOUT)
			c->broken = true;
		return rc;
	}

	err = json_object_get(resp, "error");
	res = json_object_get(resp, "result");
	if (json_is_object(err)) {
		if (error != NULL)
			*error = json_incref(err);
		rc = 1;
	} else if (res != NULL && err == NULL) {
		if (result != NULL)
			*result = json_incref(res);
		rc = 0;
	} else {
		c->broken = true;
		rc = -EPROTO;
	}
	json_decref(resp);
	return rc;
}

void
ctl_on_wait(struct ctl_client *c, void (*tick)(void *arg, int64_t waited_ms), void *arg)
{
	c->tick = tick;
	c->tick_arg = arg;
}
