/* The RPC's error record: what a method, the dispatcher or the schema
 * checker says is wrong (JSON-RPC code, a short reason, an RFC 6901 pointer,
 * a message), and the pointer and UTF-8 helpers that fill it. It includes
 * nothing of the RPC: dp_rpc and dp_schema both report in it.
 */
#ifndef DP_RPC_ERR_H
#define DP_RPC_ERR_H

#include <stddef.h>
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

/* Fill err (fmt may be NULL); always returns -1 so methods can
 * "return dp_rpc_err_set(...)". pointer NULL means "". */
int dp_rpc_err_set(struct dp_rpc_err *err, int code, const char *reason, const char *pointer,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* buf = prefix + "/" + token with RFC 6901 escaping (~ -> ~0, / -> ~1).
 * buf may be the same buffer as prefix (append in place). On overflow the
 * result is cut at a token/character boundary. */
void dp_rpc_ptr_join(char *buf, size_t n, const char *prefix, const char *token);
/* "an object", "a string", ... for "must be X, not Y" messages. */
const char *dp_rpc_type_name(const json_t *v);
/* buf = prefix + "/" + idx, for array elements. */
void dp_rpc_ptr_index(char *buf, size_t n, const char *prefix, size_t idx);

/* Length of the longest valid UTF-8 prefix of s[0..n) (json_string()
 * refuses invalid UTF-8; texts cut by fixed buffers may end mid-character). */
size_t dp_rpc_utf8_prefix(const char *s, size_t n);

#endif
