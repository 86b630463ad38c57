/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_client: blocking JSON-RPC 2.0 client for sxdp's control socket
 * (newline-delimited JSON over a unix stream socket). Shared by sxctl
 * and sxcd; no DPDK dependency.
 */
#ifndef CTL_CLIENT_H
#define CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTL_DEFAULT_PATH	"/run/sxdp/sxdp.sock"
#define CTL_PATH_ENV		"SXDP_SOCKET"
/* Largest response line accepted; a bigger one drops the connection. */
#define CTL_MAX_RESPONSE	(64u * 1024 * 1024)

struct ctl_client;

/* $SXDP_SOCKET if set and non-empty, else CTL_DEFAULT_PATH. */
const char *ctl_default_path(void);

/*
 * Connect to the socket at @path (NULL: ctl_default_path()).
 * @timeout_ms bounds the connect and, later, each ctl_call() as a whole;
 * <= 0 means wait forever.
 * Returns NULL on failure with errno set and a human-readable reason
 * (without the path) in @errbuf when given.
 */
struct ctl_client *ctl_connect(const char *path, int timeout_ms,
			       char *errbuf, size_t errlen);

/*
 * Send one request and wait for its response.
 * @params is stolen (also on failure); NULL sends {}.
 * On 0, *result (if @result) holds a new reference to the "result" member.
 * On 1, the server answered with an error; *error (if @error) holds a new
 * reference to the error object ({"code","message","data"?}).
 * On -errno the transport failed (-ETIMEDOUT, -ECONNRESET, -EPROTO for
 * an unparsable response, -EMSGSIZE past CTL_MAX_RESPONSE, ...). After
 * any failure other than -ETIMEDOUT the client is unusable (-ENOTCONN);
 * reconnect.
 */
int ctl_call(struct ctl_client *c, const char *method, json_t *params,
	     json_t **result, json_t **error);

/* Close the socket and free the client; NULL is a no-op. */
void ctl_close(struct ctl_client *c);

/* CLOCK_MONOTONIC in milliseconds: the deadlines' clock. */
int64_t ctl_now_ms(void);

/* Until @fd is ready for @events or @deadline (ctl_now_ms(); -1: none)
 * passes (-ETIMEDOUT), @tick(@arg, ms waited so far) every quarter second
 * on the way when not NULL. 0 or -errno. */
int ctl_wait_ticking(int fd, short events, int64_t deadline, void (*tick)(void *arg, int64_t waited_ms),
		     void *arg);

/* While a ctl_call() waits for its answer, @tick(@arg, ms waited so far)
 * every quarter second (a terminal's progress); NULL: none. */
void ctl_on_wait(struct ctl_client *c, void (*tick)(void *arg, int64_t waited_ms), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* CTL_CLIENT_H */
