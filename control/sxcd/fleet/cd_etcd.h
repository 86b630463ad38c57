/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_etcd: a client of etcd's v3 JSON gateway on sxcd's libevent loop (calls, watch streams). */
/*
 * etcd has no C client package; its gRPC gateway takes the v3 API as
 * JSON over HTTP/1.1 (POST /v3/kv/range, /v3/kv/txn, /v3/watch, ...), keys
 * and values base64, 64-bit numbers as strings. A call goes to the
 * endpoint that answered last; one that cannot be connected to is left
 * for the next of the list (every endpoint once a call), so a member
 * that dies costs a failed connect, not the call. A call that reached a
 * member and then failed is retried elsewhere only when it is a read (a
 * write's outcome is then unknown: the caller is told, -EIO). Each call
 * has its own connection and a deadline; answers are bounded (64 MiB).
 * A watch is a long POST whose answer is a stream of JSON objects, one a
 * line, parsed as it comes.
 */
#ifndef CD_ETCD_H
#define CD_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct cd_etcd;
struct cd_etcd_call;
struct cd_etcd_watch;

#define CD_ETCD_ENDPOINTS_MAX 16
#define CD_ETCD_ANSWER_MAX (64u << 20)

/* @endpoints: "HOST:PORT[,HOST:PORT...]" (an IPv6 address in brackets).
 * 0 and *@out, or -EINVAL (a bad list: @err says why). */
int cd_etcd_new(struct event_base *base, const char *endpoints, unsigned int timeout_ms,
		struct cd_etcd **out, char *err, size_t errlen);
/* Calls and watches still under way end silently. */
void cd_etcd_free(struct cd_etcd *e);
/* TLS to every member from now on: the members' certificates checked
 * against @ca (PEM; NULL: the system's CAs) and their names or addresses
 * against the endpoints'; @cert and @key (PEM, both or neither) this
 * client's, for a cluster with --client-cert-auth. 0, or -EINVAL (@err
 * says which file and why). */
int cd_etcd_set_tls(struct cd_etcd *e, const char *ca, const char *cert, const char *key,
		    char *err, size_t errlen);
/* Why the last connection failed its TLS handshake (NULL: none did since an answer). */
const char *cd_etcd_error(struct cd_etcd *e);
/* The endpoint calls go to now ("HOST:PORT"). */
const char *cd_etcd_endpoint(struct cd_etcd *e);

/*
 * @rc 0: @answer (borrowed) is etcd's answer. -EPROTO: etcd refused it
 * (@answer is its {"error", "message", "code"}: 11 is "revision
 * compacted"). -ECONNREFUSED: no endpoint could be connected to;
 * -ETIMEDOUT: no answer in time; -EIO: the connection broke after the
 * request went out (a write may or may not have happened); @answer NULL.
 */
typedef void cd_etcd_cb(void *arg, int rc, json_t *answer);
/* POST @req (borrowed) to /v3/@path ("kv/range"); @fn once, later, never
 * from inside this call. @read: safe to send again to another member.
 * NULL when out of memory. */
struct cd_etcd_call *cd_etcd_call(struct cd_etcd *e, const char *path, json_t *req, bool read,
				  cd_etcd_cb *fn, void *arg);
/* The same with a deadline of @ms instead of the client's (a probe's, short). */
struct cd_etcd_call *cd_etcd_call_within(struct cd_etcd *e, const char *path, json_t *req,
					 bool read, unsigned int ms, cd_etcd_cb *fn, void *arg);
/* @fn not called. */
void cd_etcd_cancel(struct cd_etcd_call *c);

/* Each "result" of the stream (borrowed), @rc 0; once the stream is over
 * (-ECONNRESET: it broke or could not be opened; -ECONNREFUSED; -EPROTO:
 * etcd refused it; -EMSGSIZE: a line past CD_ETCD_ANSWER_MAX) @fn(arg,
 * rc, NULL) from the loop, and the watch is done (its handle freed). A
 * member cut off without a reset says nothing: the caller probes. */
typedef void cd_etcd_watch_cb(void *arg, int rc, json_t *result);
/* Watch [@key, @end) (raw bytes, NUL-terminated; @end NULL: @key alone)
 * from revision @from (0: now). NULL when out of memory. */
struct cd_etcd_watch *cd_etcd_watch(struct cd_etcd *e, const char *key, const char *end,
				    int64_t from, cd_etcd_watch_cb *fn, void *arg);
/* @fn not called again. */
void cd_etcd_watch_cancel(struct cd_etcd_watch *w);

/* Base64 of @n bytes of @s (new, NUL-terminated), NULL when out of memory. */
char *cd_etcd_b64(const void *s, size_t n);
/* Base64 of the string @s as a JSON string (new): a key or value of a
 * request. NULL when out of memory (a json_pack "o" of it then fails). */
json_t *cd_etcd_b64j(const char *s);
/* @s decoded (new, NUL-terminated; *@n its length), NULL when not base64. */
char *cd_etcd_unb64(const char *s, size_t *n);
/* The key just past every key that starts with @prefix (new): a range's end. */
char *cd_etcd_prefix_end(const char *prefix);
/* A number of etcd's JSON (a string of digits, or absent: 0). */
int64_t cd_etcd_num(json_t *v);

#endif
