/* SPDX-License-Identifier: BSD-3-Clause */
/* ctl_async: sxcd's libevent client for sxdp's control socket: calls in flight by id, reconnect with backoff. */
/*
 * Newline-delimited JSON-RPC 2.0 over a unix stream socket, as ctl_client
 * (the blocking one sxctl uses), on the daemon's event_base. Each call
 * gets its answer or, when the connection drops first, an error with code
 * CTL_ASYNC_LOST; the client then reconnects by itself, waiting 100 ms,
 * then twice as long each time, up to 5 s, and says when it is up or down.
 *
 * While a call waits, sxdp must say something (any byte) every
 * CTL_ASYNC_DEADLINE_MS (unless set); an idle connection is probed
 * (sys.hello) every CTL_ASYNC_KEEPALIVE_MS. When a call or a probe outlives
 * its deadline, sxdp is "stalled" (stopped, hung):
 * every call in flight ends with CTL_ASYNC_LOST, the client says it is
 * down and refuses calls, and keeps probing the same socket (one probe at
 * a time); the first answer says it is up again.
 */
#ifndef CTL_ASYNC_H
#define CTL_ASYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct ctl_async;

#define CTL_ASYNC_LOST (-32000)   /* the error code of a call the connection lost */

/* Did the call whose answer is @error die with the connection (not an
 * error of sxdp's)? */
static inline bool
ctl_async_lost(json_t *error)
{
	return error != NULL && json_integer_value(json_object_get(error, "code")) == CTL_ASYNC_LOST;
}
#define CTL_ASYNC_BACKOFF_MIN_MS 100
#define CTL_ASYNC_BACKOFF_MAX_MS 5000
#define CTL_ASYNC_DEADLINE_MS	 5000	/* silence while a call waits, at most */
#define CTL_ASYNC_KEEPALIVE_MS	 1000	/* idle this long: probe */
#define CTL_ASYNC_PROBE_MS	 2000	/* a probe's answer, at most */
#define CTL_ASYNC_TICK_MS	 250
#define CTL_ASYNC_LATE_MS	 1000	/* a tick this late: the loop was held, not sxdp silent */
#define CTL_ASYNC_SLICE_MS	 5	/* answers handled in one go, at most this long */

/* A call's end: @result (borrowed) or @error (borrowed: code, message, data). */
typedef void ctl_async_done(void *arg, json_t *result, json_t *error);
/* The connection came up (true) or went down (false). */
typedef void ctl_async_state(void *arg, bool up);

/* A client of the socket at @path on @base; it connects at once and keeps
 * reconnecting. NULL when out of memory. */
struct ctl_async *ctl_async_new(struct event_base *base, const char *path, ctl_async_state *state,
				void *arg);
/* Connected and answering. */
bool ctl_async_up(const struct ctl_async *c);
/* Connected, but sxdp stopped answering (see above). */
bool ctl_async_stalled(const struct ctl_async *c);
/* Times sxdp stalled. */
uint64_t ctl_async_timeouts(const struct ctl_async *c);
/* The deadline of the calls sent from now on. */
void ctl_async_set_deadline(struct ctl_async *c, unsigned int ms);
/* Send one call (@params taken; NULL: {}). 0, or -ENOTCONN (down: @done is
 * not called) or -ENOMEM. */
int ctl_async_call(struct ctl_async *c, const char *method, json_t *params, ctl_async_done *done,
		   void *arg);
/* Calls still waiting for their answer. */
unsigned int ctl_async_pending(const struct ctl_async *c);
/* Close; calls in flight end with CTL_ASYNC_LOST. */
void ctl_async_free(struct ctl_async *c);

#endif
