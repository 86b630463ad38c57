/* Control socket of sxdp: newline-delimited JSON-RPC 2.0 over a unix stream
 * socket, polled from the main lcore. Plain POSIX + jansson, no EAL, so the
 * request decoder can be unit-tested and fuzzed on its own.
 *
 * Two layers:
 *  - dp_rpc_*: method registry, request decoding/dispatch/encoding and the
 *    strict params helpers every method uses (pure, no I/O);
 *  - dp_ctl_*: the socket server (accept, per-client line framing, output
 *    queues), which feeds each line to dp_rpc_handle().
 *
 * Error pointers (error.data.pointer) are RFC 6901 JSON pointers. For
 * -32602 and application errors they point into the request's "params";
 * for -32600/-32601 they point into the request object itself ("/method",
 * "/id", ...). "" means the whole thing.
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

/* JSON-RPC 2.0 error codes. Methods use DP_RPC_INVALID_PARAMS for anything
 * wrong with their params and -32000..-32099 for application failures. */
#define DP_RPC_PARSE_ERROR	-32700
#define DP_RPC_INVALID_REQUEST	-32600
#define DP_RPC_METHOD_NOT_FOUND	-32601
#define DP_RPC_INVALID_PARAMS	-32602
#define DP_RPC_INTERNAL_ERROR	-32603
#define DP_RPC_APP_ERROR	-32000	/* generic application failure */

struct dp_rpc_err {		/* filled by a method on failure */
	int code;		/* JSON-RPC code: -32602 invalid params, -32000.. app errors */
	char reason[48];	/* short machine word: "unknown_field", "wrong_type", "missing_field",
				 * "not_found", "exists", "table_full", "out_of_range", ... */
	char pointer[256];	/* RFC 6901 pointer into params, e.g. "/updates/3/match/ipv4_dst" */
	char message[256];	/* human text */
};

/* params: the "params" member (object, or an empty object if absent; never NULL).
 * On success return 0 and set *result (a new reference; NULL is sent as null).
 * On failure return -1 (or -errno) and fill err; an unfilled err becomes -32603. */
typedef int (*dp_rpc_fn)(json_t *params, json_t **result, struct dp_rpc_err *err, void *arg);

/* 0, -EINVAL (bad name, template not JSON), -EEXIST, -ENOMEM.
 * description may be NULL; params_template_json NULL means "{}". */
int dp_rpc_register(const char *method, dp_rpc_fn fn, void *arg, const char *description,
		    const char *params_template_json);
/* Drop all registrations, built-ins included (tests). */
void dp_rpc_reset(void);
/* Register rpc.discover; idempotent. dp_ctl_open() calls it. */
int dp_rpc_builtin_register(void);

/* Decode one request line (no newline), dispatch, encode the response line.
 * *out is malloc'd response text without trailing newline (never contains a
 * newline), or NULL when nothing is to be sent (notification, batch of
 * notifications). 0, or -ENOMEM/-EINVAL with *out NULL. */
int dp_rpc_handle(const char *line, size_t len, char **out);

/* Fill err (fmt may be NULL); always returns -1 so methods can
 * "return dp_rpc_err_set(...)". pointer NULL means "". */
int dp_rpc_err_set(struct dp_rpc_err *err, int code, const char *reason, const char *pointer,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Strict params decoding. ptr_prefix is the pointer of obj itself ("" or NULL
 * for params). Getters return 0 when present and valid, 1 when absent and not
 * required, -1 with err filled (-32602, reason missing_field / wrong_type /
 * out_of_range / bad_value) otherwise. JSON null is a wrong type, not absent. */
int dp_rpc_check_fields(json_t *obj, const char *const *allowed, const char *ptr_prefix,
			struct dp_rpc_err *err);
int dp_rpc_get_string(json_t *obj, const char *key, int required, const char **out,
		      const char *ptr_prefix, struct dp_rpc_err *err);
/* Integers only (1.0 is wrong_type); negative or > max is out_of_range.
 * Values above INT64_MAX cannot be represented by jansson (parse error). */
int dp_rpc_get_uint(json_t *obj, const char *key, int required, uint64_t max, uint64_t *out,
		    const char *ptr_prefix, struct dp_rpc_err *err);
int dp_rpc_get_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
		   int64_t *out, const char *ptr_prefix, struct dp_rpc_err *err);
int dp_rpc_get_bool(json_t *obj, const char *key, int required, int *out,
		    const char *ptr_prefix, struct dp_rpc_err *err);
/* *out is a borrowed reference. */
int dp_rpc_get_object(json_t *obj, const char *key, int required, json_t **out,
		      const char *ptr_prefix, struct dp_rpc_err *err);
int dp_rpc_get_array(json_t *obj, const char *key, int required, json_t **out,
		     const char *ptr_prefix, struct dp_rpc_err *err);
/* A string that must be one of names (NULL-terminated); *out is its index.
 * Anything else is bad_value, with the accepted names in the message. */
int dp_rpc_get_enum(json_t *obj, const char *key, int required, const char *const *names,
		    unsigned int *out, const char *ptr_prefix, struct dp_rpc_err *err);

/* buf = prefix + "/" + token with RFC 6901 escaping (~ -> ~0, / -> ~1).
 * buf may be the same buffer as prefix (append in place). On overflow the
 * result is cut at a token/character boundary. */
void dp_rpc_ptr_join(char *buf, size_t n, const char *prefix, const char *token);
/* buf = prefix + "/" + idx, for array elements. */
void dp_rpc_ptr_index(char *buf, size_t n, const char *prefix, size_t idx);

/* The unix stream socket server. */
struct dp_ctl_opts {
	const char *path;		/* e.g. /run/sxdp/sxdp.sock */
	unsigned int mode;		/* 0 means 0660 */
	size_t max_msg;			/* bytes per line without the newline; 0 means 1 MiB */
	unsigned int max_clients;	/* 0 means 64 */
	size_t max_outq;		/* unread response bytes before a client is dropped; 0 means 16 MiB */
};

/* Creates the parent dir if missing (0755), unlinks a stale socket (never a
 * live one, never a non-socket), binds, chmods, listens; non-blocking.
 * 0, -EBUSY (already open), -EADDRINUSE (a live server owns path), -EEXIST
 * (path is not a socket), -ENAMETOOLONG, or another -errno. */
int dp_ctl_open(const struct dp_ctl_opts *o);
/* One round: poll() listener+clients (waiting up to timeout_ms), accept,
 * read, split lines, dispatch each via dp_rpc_handle, queue responses, write
 * what the sockets take. Blank lines are skipped, a trailing \r is dropped,
 * and an unterminated last line is still answered when the peer shuts down
 * its write side. Returns the number of request lines handled, or
 * -EBADF (not open), -EBUSY (called from inside a method), -errno of poll(). */
int dp_ctl_poll(int timeout_ms);
/* Closes clients and listener, unlinks the path (if it is still ours).
 * Called from inside a method, it takes effect when that poll round ends. */
void dp_ctl_close(void);
unsigned int dp_ctl_clients(void);

/* Credentials of the client whose request is being dispatched right now
 * (SO_PEERCRED at accept), for methods that audit or authorize; NULL outside
 * a dispatch from the socket. */
struct dp_ctl_peer {
	unsigned int id;	/* the N of "ctl: client N" log lines */
	pid_t pid;
	uid_t uid;
	gid_t gid;
};
const struct dp_ctl_peer *dp_ctl_current_peer(void);
/* Access check at accept, on top of the socket file's mode: return nonzero
 * to admit the peer. NULL (default) admits everyone who can connect. */
extern int (*dp_ctl_allow)(const struct dp_ctl_peer *peer);

/* Log sink; fmt has no trailing newline. Defaults to stderr. */
extern void (*dp_ctl_log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
