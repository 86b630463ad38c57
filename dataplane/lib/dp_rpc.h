/* JSON-RPC 2.0 layer of sxdp's control socket: method registry (methods
 * declared as data, params checked by dp_schema before their handler
 * runs), request decoding/dispatch/encoding (pure, no I/O), and the fast
 * path a method may add for requests in plain JSON (dp_rpc_fast).
 *
 * Error pointers (error.data.pointer) are RFC 6901 JSON pointers. For
 * -32602 and application errors they point into the request's "params";
 * for -32600/-32601 they point into the request object itself ("/method",
 * "/id", ...). "" means the whole thing.
 */
#ifndef DP_RPC_H
#define DP_RPC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dp_jscan.h"
#include "dp_rpc_err.h"

struct dp_schema_field;
struct dp_schema_val;

/* A method's handler. params: the request's "params" (an object, {} when
 * absent; never NULL). v: when the method declares its params, their
 * values, already checked against the declaration: v[i] is the i-th
 * declared member (set false when absent, then holding its default); NULL
 * for a method that takes any object. On success return 0 and set *result
 * (a new reference; NULL is sent as null). On failure return -1 (or
 * -errno) and fill err; an unfilled err becomes -32603. */
typedef int (*dp_rpc_fn)(json_t *params, const struct dp_schema_val *v, json_t **result,
			 struct dp_rpc_err *err, void *arg);

/* A method, declared once as data: rpc.discover prints it, and the
 * dispatcher checks every call's params against it before the handler
 * runs (dp_schema.h says what it refuses, with which reason). */
struct dp_rpc_method {
	const char *name;
	const char *description;
	/* the members of params ({NULL} ends them; an empty list takes
	 * nothing); NULL: any object, passed unchecked */
	const struct dp_schema_field *params;
	/* the result, for rpc.discover (its name names it) */
	const struct dp_schema_field *result;
};

/* Bind handler fn to declaration m (which must outlive the registration).
 * example: params a client may send as they stand, for rpc.discover (taken,
 * even on failure); NULL: built from the declaration when asked. 0,
 * -EINVAL (no name or fn, text not UTF-8, a malformed declaration),
 * -EEXIST, -ENOMEM. */
int dp_rpc_register(const struct dp_rpc_method *m, dp_rpc_fn fn, void *arg, json_t *example);
/* Drop all registrations, built-ins included (tests). */
void dp_rpc_reset(void);
/* Register rpc.discover; idempotent. dp_ctl_open() calls it. */
int dp_rpc_builtin_register(void);

/* A growable text buffer, always NUL-terminated (replies are built as
 * text). Start it zeroed; s is malloc'd. */
struct dp_rpc_buf {
	char *s;
	size_t len, cap;
};
/* Append n bytes of s. 0 or -ENOMEM. */
int dp_rpc_buf_add(struct dp_rpc_buf *b, const char *s, size_t n);
/* Append v encoded as replies are (compact). 0 or -ENOMEM. */
int dp_rpc_buf_json(struct dp_rpc_buf *b, const json_t *v);

/* A method's fast path, for requests that come at high rates (table.write):
 * decoded from their text straight into what the method runs, with no JSON
 * tree in between (dp_jscan.h). What it does not take as it stands goes the
 * general way, which then says what is wrong with it: errors, their
 * reasons and pointers are the general path's. The reply is the same. */
struct dp_rpc_fast {
	/* s is at the request's "params" (an object): decode it, taking it
	 * whole, into *call, which then holds *bytes of memory: 0, or -EAGAIN
	 * for anything irregular, malformed or refused, or -ENOMEM. Changes
	 * nothing. */
	int (*parse)(struct dp_jscan *s, void **call, size_t *bytes);
	/* Run it: append the result's JSON text to result, or return -1 (or
	 * -errno) with err filled, as a handler does (dp_rpc_fn). */
	int (*run)(void *call, struct dp_rpc_buf *result, struct dp_rpc_err *err);
	void (*free)(void *call);
};
/* Give registered method name a fast path (f outlives it; NULL: none).
 * A request goes the fast way when it is an object with an id and the
 * members "jsonrpc", "method", "params" in plain JSON; a JSON-RPC batch
 * when all its calls do. 0 or -ENOENT. */
int dp_rpc_fast_set(const char *name, const struct dp_rpc_fast *f);

/* Calls since start (requests and batch elements, run or refused; a line
 * that does not parse is none), and how many of them a fast path decoded:
 * a client whose writes never are sends something irregular (escapes,
 * non-ASCII, numbers as reals...). */
struct dp_rpc_counts {
	uint64_t calls, fast;
};
struct dp_rpc_counts dp_rpc_counts(void);

/* Decode one request line (no newline), dispatch, encode the response line.
 * *out is malloc'd response text without trailing newline (never contains a
 * newline), or NULL when nothing is to be sent (notification, batch of
 * notifications). 0, or -ENOMEM/-EINVAL with *out NULL. A batch runs to the
 * end here; the socket server uses the job API below instead. */
int dp_rpc_handle(const char *line, size_t len, char **out);

/* What one request may cost. A response longer than max_reply bytes is
 * replaced by a reply_too_large error; once a batch's reply passes it, the
 * rest of the batch is not run (each call gets reply_too_large). A batch
 * of more than max_batch calls is refused (batch_too_large). 0 = default. */
#define DP_RPC_DEF_MAX_REPLY	(16u << 20)
#define DP_RPC_DEF_MAX_BATCH	1024
void dp_rpc_set_limits(size_t max_reply, size_t max_batch);
/* Memory one request may take once decoded (its JSON tree, 15 to 80 times
 * its text): past it, the request is refused (too_complex) without being
 * run. 0 = default. Decoding counts through jansson's allocator hooks,
 * which dp_rpc installs (plain malloc/free outside a decode). */
#define DP_RPC_DEF_MAX_DECODED	(256u << 20)
void dp_rpc_set_decoded_limit(size_t bytes);

/* The same, a few calls at a time, so one client's batch cannot keep the
 * others (and the slow path) waiting. dp_rpc_start answers a single request
 * (or a bad line) at once in *out; a batch comes back as *job, to be run by
 * dp_rpc_step until it returns 1 (*out: the reply, or NULL when the batch
 * held only notifications). *budget is how many calls it may run; it is
 * decremented. Both return 0 / -ENOMEM / -EINVAL; step 0 = more to do. */
struct dp_rpc_job;
int dp_rpc_start(const char *line, size_t len, struct dp_rpc_job **job, char **out);
int dp_rpc_step(struct dp_rpc_job *job, unsigned int *budget, char **out);
void dp_rpc_job_free(struct dp_rpc_job *job);
size_t dp_rpc_job_bytes(const struct dp_rpc_job *job);   /* memory it holds: tree and reply */

/* A malloc'd error line with a null id (about the connection, not a call):
 * server_full, too_large, idle_timeout... Never NULL. */
char *dp_rpc_error_line(int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The line sent when even an error cannot be built. */
const char *dp_rpc_oom_line(void);

#endif
