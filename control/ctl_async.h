/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl_async: sxcd's libevent client for sxdp's control socket: calls in flight by id, reconnect with backoff. */
/*
 * Newline-delimited JSON-RPC 2.0 over a unix stream socket, as ctl_client
 * (the blocking one sxctl uses), on the daemon's event_base. Each call
 * gets its answer or, when the connection drops first, an error with code
 * CTL_ASYNC_LOST; the client then reconnects by itself, waiting 100 ms,
 * then twice as long each time, up to 5 s, and says when it is up or down.
 */
#ifndef CTL_ASYNC_H
#define CTL_ASYNC_H

#include <stdbool.h>
#include <jansson.h>

struct event_base;
struct ctl_async;

#define CTL_ASYNC_LOST (-32000)   /* the error code of a call the connection lost */
#define CTL_ASYNC_BACKOFF_MIN_MS 100
#define CTL_ASYNC_BACKOFF_MAX_MS 5000

/* A call's end: @result (borrowed) or @error (borrowed: code, message, data). */
typedef void ctl_async_done(void *arg, json_t *result, json_t *error);
/* The connection came up (true) or went down (false). */
typedef void ctl_async_state(void *arg, bool up);

/* A client of the socket at @path on @base; it connects at once and keeps
 * reconnecting. NULL when out of memory. */
struct ctl_async *ctl_async_new(struct event_base *base, const char *path, ctl_async_state *state,
				void *arg);
bool ctl_async_up(const struct ctl_async *c);
/* Send one call (@params taken; NULL: {}). 0, or -ENOTCONN (down: @done is
 * not called) or -ENOMEM. */
int ctl_async_call(struct ctl_async *c, const char *method, json_t *params, ctl_async_done *done,
		   void *arg);
/* Calls still waiting for their answer. */
unsigned int ctl_async_pending(const struct ctl_async *c);
/* Close; calls in flight end with CTL_ASYNC_LOST. */
void ctl_async_free(struct ctl_async *c);

#endif
