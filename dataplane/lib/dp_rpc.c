/* JSON-RPC 2.0 for sxdp's control socket: the registry of declared methods
 * (params checked against their declaration before a handler runs), and
 * request decoding, dispatch and response encoding, with bounded replies and batches that can be answered
 * a few calls at a time (dp_rpc_job); requests in plain JSON go to their
 * method's fast path (dp_rpc_fast) when it has one, the rest through jansson. Pure: no I/O, no EAL, so it is
 * unit-tested and fuzzed on its own; dp_ctl.c is the socket around it. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rpc.h"
#include "dp_rpc_err.h"
#include "dp_jscan.h"
#include "dp_schema.h"

static json_t *
jstr(const char *s)
{
	size_t n = strlen(s);

	return json_stringn(s, dp_rpc_utf8_prefix(s, n));
}

/* ---- method registry, kept sorted by name for lookup and rpc.discover */

struct rpc_method {
	const struct dp_rpc_method *decl;
	dp_rpc_fn fn;
	void *arg;
	json_t *example;	/* NULL: built from decl by rpc.discover */
	const struct dp_rpc_fast *fast;	/* its fast path, or NULL */
};

static struct rpc_method *methods;
static size_t n_methods, cap_methods;

static bool
utf8_ok(const char *s)
{
	return dp_rpc_utf8_prefix(s, strlen(s)) == strlen(s);
}

/* Index of name, or -(insertion point) - 1. */
static long
method_find(const char *name)
{
	size_t lo = 0, hi = n_methods, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, methods[mid].decl->name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

/* The declaration of params as one object value, for dp_schema. */
static struct dp_schema_field
params_decl(const struct dp_rpc_method *m)
{
	return (struct dp_schema_field){ .name = "params", .type = DP_SCHEMA_OBJECT,
		.desc = "by name", .fields = m->params };
}

static bool
decl_ok(const struct dp_rpc_method *m)
{
	struct dp_schema_field p = params_decl(m);

	if (m->name == NULL || m->name[0] == '\0' || !utf8_ok(m->name) ||
	    (m->description != NULL && !utf8_ok(m->description)))
		return false;
	return dp_schema_valid(&p) == 0 && (m->result == NULL || dp_schema_valid(m->result) == 0);
}

int
dp_rpc_register(const struct dp_rpc_method *m, dp_rpc_fn fn, void *arg, json_t *example)
{
	struct rpc_method *nm;
	long pos;
	size_t at;

	if (m == NULL || fn == NULL || !decl_ok(m)) {
		json_decref(example);
		return -EINVAL;
	}
	pos = method_find(m->name);
	if (pos >= 0) {
		json_decref(example);
		return -EEXIST;
	}
	at = (size_t)(-pos - 1);
	if (n_methods == cap_methods) {
		size_t ncap = cap_methods ? cap_methods * 2 : 32;

		nm = realloc(methods, ncap * sizeof(*nm));
		if (nm == NULL) {
			json_decref(example);
			return -ENOMEM;
		}
		methods = nm;
		cap_methods = ncap;
	}
	memmove(&methods[at + 1], &methods[at], (n_methods - at) * sizeof(*methods));
	methods[at] = (struct rpc_method){ .decl = m, .fn = fn, .arg = arg, .example = example };
	n_methods++;
	return 0;
}

int
dp_rpc_fast_set(const char *name, const struct dp_rpc_fast *f)
{
	long pos = method_find(name);

	if (pos < 0)
		return -ENOENT;
	methods[pos].fast = f;
	return 0;
}

void
dp_rpc_reset(void)
{
	size_t i;

	for (i = 0; i < n_methods; i++)
		json_decref(methods[i].example);
	free(methods);
	methods = NULL;
	n_methods = cap_methods = 0;
}

/* ---- request decoding, dispatch, response encoding */

static const struct {
	int code;
	const char *message, *reason;
} std_errors[] = {
	{ DP_RPC_PARSE_ERROR, "Parse error", "parse_error" },
	{ DP_RPC_INVALID_REQUEST, "Invalid Request", "invalid_request" },
	{ DP_RPC_METHOD_NOT_FOUND, "Method not found", "unknown_method" },
	{ DP_RPC_INVALID_PARAMS, "Invalid params", "invalid_params" },
	{ DP_RPC_INTERNAL_ERROR, "Internal error", "internal" },
	{ 0, "Server error", "error" },
};

static json_t *
make_error(json_t *id, int code, const char *reason, const char *pointer, const char *message)
{
	size_t i;

	for (i = 0; std_errors[i].code != 0 && std_errors[i].code != code; i++)
		;
	if (reason == NULL || reason[0] == '\0')
		reason = std_errors[i].reason;
	if (message == NULL || message[0] == '\0')
		message = std_errors[i].message;
	/* "o" arguments are stolen even on failure (jansson >= 2.11). */
	return json_pack("{s:s, s:O, s:{s:i, s:o, s:{s:o, s:o}}}", "jsonrpc", "2.0",
			 "id", id != NULL ? id : json_null(), "error", "code", code,
			 "message", jstr(message), "data", "reason", jstr(reason),
			 "pointer", jstr(pointer != NULL ? pointer : ""));
}

static int __attribute__((format(printf, 6, 7)))
error_resp(json_t **resp, json_t *id, int code, const char *reason, const char *pointer,
	   const char *fmt, ...)
{
	char msg[sizeof(((struct dp_rpc_err *)0)->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*resp = make_error(id, code, reason, pointer, msg);
	return *resp != NULL ? 0 : -ENOMEM;
}

static int
id_valid(const json_t *id)
{
	return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

static struct dp_rpc_counts counts;

struct dp_rpc_counts
dp_rpc_counts(void)
{
	return counts;
}

/* A request's members (the fast path numbers them so). */
enum { REQ_JSONRPC, REQ_METHOD, REQ_PARAMS, REQ_ID, REQ_N };
static const char *const request_members[] = {
	[REQ_JSONRPC] = "jsonrpc", [REQ_METHOD] = "method", [REQ_PARAMS] = "params",
	[REQ_ID] = "id", [REQ_N] = NULL };

/* The error response of method name, which failed with rc and err. */
static json_t *
method_error(json_t *id, const char *name, int rc, struct dp_rpc_err *err)
{
	json_t *r;

	err->reason[sizeof(err->reason) - 1] = '\0';
	err->pointer[sizeof(err->pointer) - 1] = '\0';
	err->message[sizeof(err->message) - 1] = '\0';
	if (err->code != 0)
		return make_error(id, err->code, err->reason, err->pointer, err->message);
	return error_resp(&r, id, DP_RPC_INTERNAL_ERROR, "internal", "", "method '%.64s' failed: %s",
			  name, rc < -1 ? strerror(-rc) : "no error reported") == 0 ? r : NULL;
}

/* Handle one request object. *resp is the response or NULL (notification).
 * 0 or -ENOMEM. */
static int
process(json_t *req, json_t **resp)
{
	const char *const *members = request_members;
	char ptr[sizeof(((struct dp_rpc_err *)0)->pointer)];
	json_t *id, *jv, *jm, *params, *v, *result = NULL;
	struct dp_schema_val *vals = NULL;
	struct dp_schema_field pd;
	struct dp_rpc_err err;
	const char *key, *name;
	dp_rpc_fn fn;
	void *arg;
	long pos;
	size_t i;
	int rc;

	*resp = NULL;
	counts.calls++;
	if (!json_is_object(req))
		return error_resp(resp, NULL, DP_RPC_INVALID_REQUEST, "wrong_type", "",
				  "request must be an object, not %s", dp_rpc_type_name(req));
	id = json_object_get(req, "id");
	if (id != NULL && !id_valid(id))
		return error_resp(resp, NULL, DP_RPC_INVALID_REQUEST, "wrong_type", "/id",
				  "id must be a string, a number or null, not %s", dp_rpc_type_name(id));
	json_object_foreach(req, key, v) {
		for (i = 0; members[i] != NULL; i++)
			if (strcmp(key, members[i]) == 0)
				break;
		if (members[i] != NULL)
			continue;
		dp_rpc_ptr_join(ptr, sizeof(ptr), "", key);
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "unknown_field", ptr,
				  "unknown request member '%.64s'", key);
	}
	jv = json_object_get(req, "jsonrpc");
	if (jv == NULL)
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "missing_field", "/jsonrpc",
				  "missing \"jsonrpc\": \"2.0\"");
	if (!json_is_string(jv) || strcmp(json_string_value(jv), "2.0") != 0)
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "bad_version", "/jsonrpc",
				  "jsonrpc must be the string \"2.0\"");
	jm = json_object_get(req, "method");
	if (jm == NULL)
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "missing_field", "/method",
				  "missing method");
	if (!json_is_string(jm))
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "wrong_type", "/method",
				  "method must be a string, not %s", dp_rpc_type_name(jm));
	params = json_object_get(req, "params");
	if (params != NULL && !json_is_object(params) && !json_is_array(params))
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "wrong_type", "/params",
				  "params must be an object, not %s", dp_rpc_type_name(params));

	/* From here on the request is well formed: a notification gets no
	 * response whatever happens. */
	name = json_string_value(jm);
	pos = method_find(name);
	if (pos < 0)
		return id == NULL ? 0 :
			error_resp(resp, id, DP_RPC_METHOD_NOT_FOUND, "unknown_method", "/method",
				   "method '%.64s' not found", name);
	if (json_is_array(params))
		return id == NULL ? 0 :
			error_resp(resp, id, DP_RPC_INVALID_PARAMS, "wrong_type", "",
				   "params must be an object (by-name), not an array");
	if (params == NULL) {
		params = json_object();
		if (params == NULL)
			return -ENOMEM;
	} else {
		json_incref(params);
	}
	/* The method may register or reset methods: do not keep the entry. */
	fn = methods[pos].fn;
	arg = methods[pos].arg;
	pd = params_decl(methods[pos].decl);
	memset(&err, 0, sizeof(err));
	/* params as declared, or the handler is not called at all */
	rc = pd.fields != NULL ? dp_schema_check(&pd, params, "", NULL, &vals, &err) : 0;
	if (rc == 0)
		rc = fn(params, vals != NULL ? vals->sub : NULL, &result, &err, arg);
	dp_schema_val_free(vals);
	json_decref(params);

	if (rc == 0) {
		if (id == NULL) {
			json_decref(result);
			return 0;
		}
		*resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
				  "result", result != NULL ? result : json_null());
		return *resp != NULL ? 0 : -ENOMEM;
	}
	json_decref(result);
	if (id == NULL)
		return 0;
	*resp = method_error(id, name, rc, &err);
	return *resp != NULL ? 0 : -ENOMEM;
}

static const char *
parse_reason(const json_error_t *jerr)
{
	switch (json_error_code(jerr)) {
	case json_error_invalid_utf8: return "invalid_utf8";
	case json_error_null_character: return "nul_character";
	case json_error_null_byte_in_key: return "nul_character";
	case json_error_duplicate_key: return "duplicate_key";
	case json_error_numeric_overflow: return "numeric_overflow";
	case json_error_premature_end_of_input: return "truncated";
	case json_error_end_of_input_expected: return "trailing_data";
	case json_error_stack_overflow: return "too_deep";
	default: return "parse_error";
	}
}

static const char oom_response[] =
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
	"\"message\":\"Internal error\",\"data\":{\"reason\":\"out_of_memory\",\"pointer\":\"\"}}}";

static const char encode_response[] =
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
	"\"message\":\"Internal error\",\"data\":{\"reason\":\"encode_failed\",\"pointer\":\"\"}}}";

/* What one request may cost: its reply's bytes and its batch's calls. A
 * batch of table.read calls once made sxdp build gigabytes of reply. */
static size_t max_reply = DP_RPC_DEF_MAX_REPLY;
static size_t max_batch = DP_RPC_DEF_MAX_BATCH;
static size_t max_decoded = DP_RPC_DEF_MAX_DECODED;

void
dp_rpc_set_limits(size_t reply_bytes, size_t batch_calls)
{
	max_reply = reply_bytes ? reply_bytes : DP_RPC_DEF_MAX_REPLY;
	max_batch = batch_calls ? batch_calls : DP_RPC_DEF_MAX_BATCH;
}

void
dp_rpc_set_decoded_limit(size_t bytes)
{
	max_decoded = bytes ? bytes : DP_RPC_DEF_MAX_DECODED;
}

/* A decoded request costs 15 to 80 times its text (a 16 MiB line of "{}"
 * decodes to over 1 GB), so decoding is metered: jansson allocates through
 * these, which count live bytes on this thread while a limit is set and
 * refuse past it. Outside a decode they are plain malloc/free, so memory
 * jansson allocated before they were installed is freed correctly. */
static __thread size_t dec_used, dec_limit;
static __thread bool dec_refused;

static void *
dec_malloc(size_t n)
{
	void *p = malloc(n);
	size_t u;

	if (p != NULL && dec_limit != 0) {
		u = malloc_usable_size(p);
		if (dec_used + u > dec_limit) {
			free(p);
			dec_refused = true;
			return NULL;
		}
		dec_used += u;
	}
	return p;
}

static void
dec_free(void *p)
{
	size_t u;

	if (p != NULL && dec_limit != 0) {
		u = malloc_usable_size(p);
		dec_used = dec_used > u ? dec_used - u : 0;
	}
	free(p);
}

/* json_loadb() within max_decoded bytes; *bytes: what the tree holds.
 * NULL with *too_big set when the limit was hit. */
static json_t *
decode(const char *line, size_t len, json_error_t *jerr, size_t *bytes, bool *too_big)
{
	static bool installed;
	json_t *root;

	if (!installed) {
		json_set_alloc_funcs(dec_malloc, dec_free);
		installed = true;
	}
	dec_used = 0;
	dec_refused = false;
	dec_limit = max_decoded;
	root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, jerr);
	dec_limit = 0;
	*bytes = dec_used;
	*too_big = root == NULL && dec_refused;
	return root;
}

char *
dp_rpc_error_line(int code, const char *reason, const char *fmt, ...)
{
	char msg[sizeof(((struct dp_rpc_err *)0)->message)];
	json_t *r;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r = make_error(NULL, code, reason, "", msg);
	s = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	return s != NULL ? s : strdup(oom_response);
}

const char *
dp_rpc_oom_line(void)
{
	return oom_response;
}

/* ---- text buffers */

int
dp_rpc_buf_add(struct dp_rpc_buf *b, const char *s, size_t n)
{
	size_t need = b->len + n + 1;
	char *nb;

	if (need > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;

		while (ncap < need)
			ncap *= 2;
		if ((nb = realloc(b->s, ncap)) == NULL)
			return -ENOMEM;
		b->s = nb;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int
buf_dump(const char *s, size_t n, void *b)
{
	return dp_rpc_buf_add(b, s, n) < 0 ? -1 : 0;
}

int
dp_rpc_buf_json(struct dp_rpc_buf *b, const json_t *v)
{
	return json_dump_callback(v, buf_dump, b, JSON_COMPACT | JSON_ENCODE_ANY) == 0 ? 0 : -ENOMEM;
}

static int
buf_str(struct dp_rpc_buf *b, const char *s)
{
	return dp_rpc_buf_add(b, s, strlen(s));
}

/* Back to len bytes (dropping what a failed step added). */
static void
buf_cut(struct dp_rpc_buf *b, size_t len)
{
	b->len = len;
	if (b->s != NULL)
		b->s[len] = '\0';
}

/* ---- replies */

/* What replaces a response of n bytes, over max_reply. */
static json_t *
too_large(json_t *id, size_t n)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "the reply (%zu bytes) is over the %zu-byte limit: ask for "
		 "less (e.g. table.read with a smaller limit)", n, max_reply);
	return make_error(id, DP_RPC_APP_ERROR, "reply_too_large", "", msg);
}

/* Encode a response (taking it); a response over max_reply becomes an error
 * that says so. *s is malloc'd. 0 or -ENOMEM. */
static int
encode(json_t *resp, char **s)
{
	size_t n;

	*s = json_dumps(resp, JSON_COMPACT);
	if (*s == NULL) {
		json_decref(resp);
		*s = strdup(encode_response);
		return *s != NULL ? 0 : -ENOMEM;
	}
	n = strlen(*s);
	if (n > max_reply) {
		json_t *e = too_large(json_object_get(resp, "id"), n);

		free(*s);
		*s = e != NULL ? json_dumps(e, JSON_COMPACT) : NULL;
		json_decref(e);
		if (*s == NULL)
			*s = strdup(oom_response);
	}
	json_decref(resp);
	return *s != NULL ? 0 : -ENOMEM;
}

/* ---- the fast path: requests decoded from their text (dp_rpc_fast) */

/* A request a fast path decoded. */
struct fast_call {
	const struct dp_rpc_fast *ops;
	const char *method;
	void *call;		/* NULL once run */
	size_t bytes;		/* what call holds */
	size_t id_off, id_len;	/* its id's text (in the line, or a batch's ids) */
};

/* The request object at s, if its method's fast path takes it as it
 * stands: 0 with c filled (its id at id_off in text), else -EAGAIN. Its
 * params are decoded where they are, unless they come before the method. */
static int
fast_parse(struct dp_jscan *s, const char *text, struct fast_call *c)
{
	struct dp_jscan_span k, v, params = { 0 };
	char name[64];
	bool first = true;
	unsigned int seen = 0, m;
	long pos;
	int rc;

	if (dp_jscan_char(s, '{') < 0)
		return -EAGAIN;
	while ((rc = dp_jscan_member(s, &first, &k)) == 1) {
		for (m = 0; m < REQ_N && !dp_jscan_is(&k, request_members[m]); m++)
			;
		if (m == REQ_N || (seen & (1u << m)))
			goto irregular;
		seen |= 1u << m;
		if (m == REQ_PARAMS && dp_jscan_peek(s) != '{')
			goto irregular;
		if (m == REQ_PARAMS && c->ops != NULL) {
			if (c->ops->parse(s, &c->call, &c->bytes) != 0)
				goto irregular;
			continue;
		}
		if (dp_jscan_value(s, &v) < 0)
			goto irregular;
		switch (m) {
		case REQ_JSONRPC:
			rc = v.n == 5 && memcmp(v.p, "\"2.0\"", 5) == 0 ? 0 : -1;
			break;
		case REQ_METHOD:
			rc = -1;
			if (v.p[0] != '"')
				break;
			v.p++;
			v.n -= 2;
			if (dp_jscan_cstr(&v, name, sizeof(name)) == 0 && (pos = method_find(name)) >= 0 &&
			    methods[pos].fast != NULL) {
				c->ops = methods[pos].fast;
				c->method = methods[pos].decl->name;
				rc = 0;
			}
			break;
		case REQ_PARAMS:   /* before the method: decoded below */
			params = v;
			rc = 0;
			break;
		default:   /* an id the reply repeats as given: a string, a number, null */
			c->id_off = (size_t)(v.p - text);
			c->id_len = v.n;
			rc = v.p[0] == '"' || v.p[0] == 'n' || (v.p[0] >= '0' && v.p[0] <= '9') ? 0 : -1;
		}
		if (rc < 0)
			goto irregular;
	}
	if (rc < 0 || seen != (1u << REQ_N) - 1)
		goto irregular;
	if (c->call == NULL) {
		struct dp_jscan sub;

		dp_jscan_init(&sub, params.p, params.n);
		if (c->ops->parse(&sub, &c->call, &c->bytes) != 0)
			goto irregular;
	}
	return 0;
irregular:
	if (c->call != NULL)
		c->ops->free(c->call);
	c->call = NULL;
	return -EAGAIN;
}

static void
fast_free(struct fast_call *c)
{
	if (c->call != NULL)
		c->ops->free(c->call);
	c->call = NULL;
}

/* Run c and append its response to b, as the general path would answer
 * (an error the method reports, a reply over max_reply). 0 or -ENOMEM. */
static int
fast_run(struct fast_call *c, const char *id, struct dp_rpc_buf *b)
{
	size_t start = b->len, n;
	struct dp_rpc_err err;
	json_t *jid, *e;
	int rc;

	counts.calls++;
	counts.fast++;
	memset(&err, 0, sizeof(err));
	if (buf_str(b, "{\"jsonrpc\":\"2.0\",\"id\":") < 0 || dp_rpc_buf_add(b, id, c->id_len) < 0 ||
	    buf_str(b, ",\"result\":") < 0)
		return -ENOMEM;
	rc = c->ops->run(c->call, b, &err);
	fast_free(c);
	if (rc == 0 && buf_str(b, "}") < 0)
		return -ENOMEM;
	n = b->len - start;
	if (rc == 0 && n <= max_reply)
		return 0;
	buf_cut(b, start);
	jid = json_loadb(id, c->id_len, JSON_DECODE_ANY, NULL);
	if (jid == NULL)
		return -ENOMEM;
	e = rc == 0 ? too_large(jid, n) : method_error(jid, c->method, rc, &err);
	json_decref(jid);
	rc = e != NULL ? dp_rpc_buf_json(b, e) : -ENOMEM;
	json_decref(e);
	return rc;
}

/* A batch being answered a few calls at a time; its reply is built as text
 * as it goes (an encoded response is far smaller than its json_t tree). */
struct dp_rpc_job {
	json_t *root;		/* the batch, decoded by jansson; or */
	struct fast_call *fast;	/* the batch, decoded by its methods' fast paths */
	struct dp_rpc_buf ids;	/* their ids' text */
	size_t n;		/* calls */
	size_t next;		/* next element to run */
	struct dp_rpc_buf out;	/* "[" + responses so far, comma separated */
	size_t n_resp;
	int full;		/* the reply reached max_reply: the rest is not run */
	size_t tree;		/* bytes of root or the fast calls, as decoded */
};

/* A JSON-RPC batch whose every call a fast path takes ('[' taken): 0 and
 * *job, else -EAGAIN (empty or over max_batch too: the general path says
 * so). */
static int
fast_batch(struct dp_jscan *s, const char *text, struct dp_rpc_job **job)
{
	struct dp_rpc_job *j = calloc(1, sizeof(*j));
	struct fast_call *c, *nf;
	bool first = true;
	size_t cap = 0;
	int rc;

	if (j == NULL)
		return -EAGAIN;
	while ((rc = dp_jscan_element(s, &first)) == 1) {
		if (j->n == max_batch) {
			rc = -EAGAIN;
			break;
		}
		if (j->n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((nf = realloc(j->fast, cap * sizeof(*nf))) == NULL) {
				rc = -EAGAIN;
				break;
			}
			j->fast = nf;
		}
		c = &j->fast[j->n];
		memset(c, 0, sizeof(*c));
		if ((rc = fast_parse(s, text, c)) != 0)
			break;
		j->n++;
		/* the line goes away: keep the id */
		if (dp_rpc_buf_add(&j->ids, text + c->id_off, c->id_len) < 0) {
			rc = -EAGAIN;
			break;
		}
		c->id_off = j->ids.len - c->id_len;
		j->tree += sizeof(*c) + c->bytes + c->id_len;
	}
	if (rc == 0 && (j->n == 0 || !dp_jscan_done(s) || j->tree > max_decoded))
		rc = -EAGAIN;
	if (rc != 0) {
		dp_rpc_job_free(j);
		return -EAGAIN;
	}
	*job = j;
	return 0;
}

/* The line through the fast paths: 0 (answered in *out, or a batch in
 * *job), -EAGAIN (the general path takes it), -ENOMEM. */
static int
fast_start(const char *line, size_t len, struct dp_rpc_job **job, char **out)
{
	struct dp_rpc_buf b = { 0 };
	struct fast_call c = { 0 };
	struct dp_jscan s;
	int rc;

	dp_jscan_init(&s, line, len);
	if (dp_jscan_peek(&s) == '[') {
		s.p++;
		return fast_batch(&s, line, job);
	}
	if (fast_parse(&s, line, &c) != 0)
		return -EAGAIN;
	if (!dp_jscan_done(&s) || c.bytes > max_decoded) {
		fast_free(&c);
		return -EAGAIN;
	}
	rc = fast_run(&c, line + c.id_off, &b);
	if (rc < 0) {
		free(b.s);
		return rc;
	}
	*out = b.s;
	return 0;
}

void
dp_rpc_job_free(struct dp_rpc_job *j)
{
	if (j == NULL)
		return;
	json_decref(j->root);
	for (size_t i = 0; i < j->n && j->fast != NULL; i++)
		fast_free(&j->fast[i]);
	free(j->fast);
	free(j->ids.s);
	free(j->out.s);
	free(j);
}

size_t
dp_rpc_job_bytes(const struct dp_rpc_job *j)
{
	return j != NULL ? sizeof(*j) + j->tree + j->ids.cap + j->out.cap : 0;
}

/* The response to a call of a batch whose reply reached max_reply: not
 * run, so the client learns which ones and sends them again. */
static int
not_run(json_t *id, json_t **r)
{
	return error_resp(r, id, DP_RPC_APP_ERROR, "reply_too_large", "",
			  "not run: the batch's reply reached the %zu-byte limit; "
			  "send the rest in another request", max_reply);
}

/* Append response r (taken) to the batch's reply. */
static int
job_append(struct dp_rpc_job *j, json_t *r)
{
	char *s;
	int rc;

	if ((rc = encode(r, &s)) < 0)
		return rc;
	rc = buf_str(&j->out, j->n_resp++ ? "," : "[");
	if (rc == 0)
		rc = buf_str(&j->out, s);
	free(s);
	return rc;
}

/* The next call of a batch decoded by jansson, its response appended. */
static int
step_json(struct dp_rpc_job *j, json_t *el)
{
	json_t *r;
	int rc;

	if (j->full) {
		json_t *id = json_is_object(el) ? json_object_get(el, "id") : NULL;

		if (json_is_object(el) && id == NULL)
			return 0;   /* a notification: nobody to tell */
		if (not_run(id, &r) < 0)
			return -ENOMEM;
	} else if ((rc = process(el, &r)) < 0) {
		return rc;
	}
	return r != NULL ? job_append(j, r) : 0;
}

/* The next call of a batch decoded by the fast paths. */
static int
step_fast(struct dp_rpc_job *j, struct fast_call *c)
{
	const char *id = j->ids.s + c->id_off;
	json_t *jid, *r;
	int rc;

	if (!j->full) {
		j->tree -= c->bytes;
		if (buf_str(&j->out, j->n_resp++ ? "," : "[") < 0)
			return -ENOMEM;
		return fast_run(c, id, &j->out);
	}
	jid = json_loadb(id, c->id_len, JSON_DECODE_ANY, NULL);
	rc = jid != NULL ? not_run(jid, &r) : -ENOMEM;
	json_decref(jid);
	return rc == 0 ? job_append(j, r) : -ENOMEM;
}

int
dp_rpc_step(struct dp_rpc_job *j, unsigned int *budget, char **out)
{
	size_t n = j->root != NULL ? json_array_size(j->root) : j->n;
	int rc;

	*out = NULL;
	while (j->next < n && *budget > 0) {
		(*budget)--;
		rc = j->root != NULL ? step_json(j, json_array_get(j->root, j->next)) :
		     step_fast(j, &j->fast[j->next]);
		j->next++;
		if (rc < 0)
			return rc;
		if (j->out.len > max_reply)
			j->full = 1;
	}
	if (j->next < n)
		return 0;
	if (j->n_resp > 0) {
		if (buf_str(&j->out, "]") < 0)
			return -ENOMEM;
		*out = j->out.s;
		j->out = (struct dp_rpc_buf){ 0 };
	}
	return 1;
}

int
dp_rpc_start(const char *line, size_t len, struct dp_rpc_job **job, char **out)
{
	json_t *root, *resp = NULL;
	json_error_t jerr;
	size_t tree;
	bool too_big;
	int rc = 0;

	if (out == NULL || job == NULL)
		return -EINVAL;
	*out = NULL;
	*job = NULL;
	if (line == NULL) {
		if (len != 0)
			return -EINVAL;
		line = "";
	}
	rc = fast_start(line, len, job, out);
	if (rc != -EAGAIN)
		return rc;
	rc = 0;
	/* Any JSON value decodes, so a scalar is an Invalid Request rather
	 * than a parse error, as JSON-RPC 2.0 wants. */
	root = decode(line, len, &jerr, &tree, &too_big);
	if (root == NULL && too_big) {
		rc = error_resp(&resp, NULL, DP_RPC_INVALID_REQUEST, "too_complex", "",
				"the request decodes to more than %zu bytes of memory (too many "
				"values): split it", max_decoded);
	} else if (root == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return -ENOMEM;
		rc = error_resp(&resp, NULL, DP_RPC_PARSE_ERROR, parse_reason(&jerr), "",
				"Parse error: %s at byte %d", jerr.text,
				jerr.position);
		if (rc == 0)
			rc = json_object_set_new(json_object_get(json_object_get(resp, "error"),
								 "data"),
						 "offset", json_integer((json_int_t)jerr.position))
				? -ENOMEM : 0;
	} else if (json_is_array(root) && json_array_size(root) == 0) {
		rc = error_resp(&resp, NULL, DP_RPC_INVALID_REQUEST, "empty_batch", "", "empty batch");
	} else if (json_is_array(root) && json_array_size(root) > max_batch) {
		rc = error_resp(&resp, NULL, DP_RPC_INVALID_REQUEST, "batch_too_large", "",
				"a batch of %zu calls is over the limit of %zu: split it",
				json_array_size(root), max_batch);
	} else if (json_is_array(root)) {
		*job = calloc(1, sizeof(**job));
		if (*job == NULL) {
			json_decref(root);
			return -ENOMEM;
		}
		(*job)->root = root;
		(*job)->tree = tree;
		return 0;
	} else {
		rc = process(root, &resp);
	}
	json_decref(root);
	if (rc != 0) {
		json_decref(resp);
		return rc;
	}
	return resp != NULL ? encode(resp, out) : 0;
}

int
dp_rpc_handle(const char *line, size_t len, char **out)
{
	struct dp_rpc_job *job;
	unsigned int budget;
	int rc = dp_rpc_start(line, len, &job, out);

	while (rc == 0 && job != NULL) {
		budget = UINT32_MAX;
		rc = dp_rpc_step(job, &budget, out);
		if (rc != 0) {
			dp_rpc_job_free(job);
			job = NULL;
		}
	}
	return rc < 0 ? rc : 0;
}

/* ---- built-in methods */

/* One method as rpc.discover shows it: the template sxctl prints and the
 * declaration as JSON Schema (params) and an OpenRPC content descriptor
 * (result). */
static json_t *
method_json(const struct rpc_method *rm)
{
	const struct dp_rpc_method *m = rm->decl;
	struct dp_schema_field pd = params_decl(m);
	json_t *ps, *res;

	ps = m->params != NULL ? dp_schema_json(&pd) :
		json_pack("{s:s,s:s}", "type", "object", "description",
			  "any members: the method reads them itself");
	res = m->result != NULL ?
		json_pack("{s:s,s:s,s:o}", "name", m->result->name ? m->result->name : "result",
			  "description", m->result->desc ? m->result->desc : "",
			  "schema", dp_schema_json(m->result)) :
		json_pack("{s:s,s:{}}", "name", "result", "schema");
	return json_pack("{s:s,s:s,s:o,s:o,s:o}", "name", m->name,
			 "description", m->description ? m->description : "",
			 "params", rm->example != NULL ? json_incref(rm->example) :
				   m->params != NULL ? dp_schema_example(&pd) : json_object(),
			 "params_schema", ps, "result", res);
}

static int
rpc_discover(json_t *params, const struct dp_schema_val *v, json_t **result,
	     struct dp_rpc_err *err, void *arg)
{
	json_t *list, *m;
	size_t i;

	(void)params;
	(void)v;
	(void)err;
	(void)arg;
	list = json_array();
	if (list == NULL)
		return -ENOMEM;
	for (i = 0; i < n_methods; i++) {
		m = method_json(&methods[i]);
		if (m == NULL || json_array_append_new(list, m) != 0) {
			json_decref(list);
			return -ENOMEM;
		}
	}
	*result = json_object();
	if (*result == NULL || json_object_set_new(*result, "methods", list) != 0) {
		json_decref(*result);
		*result = NULL;
		return -ENOMEM;
	}
	return 0;
}

static const struct dp_schema_field discover_method[] = {
	{ .name = "name", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "the method" },
	{ .name = "description", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
	  .desc = "what it does" },
	{ .name = "params", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
	  .desc = "params a request may carry as they stand (naming this box's ports and tables)" },
	{ .name = "params_schema", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
	  .desc = "JSON Schema of params: each member's type, range, enum, default; the server "
		  "refuses any other (unknown_field, missing_field, wrong_type, out_of_range, "
		  "bad_value, not_found)" },
	{ .name = "result", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
	  .desc = "the result as an OpenRPC content descriptor: name, description, schema" },
	{ NULL }
};

static const struct dp_schema_field discover_methods =
	{ .type = DP_SCHEMA_OBJECT, .fields = discover_method };

static const struct dp_schema_field discover_result = {
	.name = "methods", .type = DP_SCHEMA_OBJECT, .desc = "this server's methods",
	.fields = (const struct dp_schema_field[]){
		{ .name = "methods", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ,
		  .desc = "by name", .items = &discover_methods },
		{ NULL } },
};

static const struct dp_rpc_method discover_decl = {
	.name = "rpc.discover",
	.description = "The methods of this server: each one's params (a template, and their "
		       "declaration as JSON Schema) and result",
	.params = dp_schema_none,
	.result = &discover_result,
};

int
dp_rpc_builtin_register(void)
{
	int rc = dp_rpc_register(&discover_decl, rpc_discover, NULL, NULL);

	return rc == -EEXIST ? 0 : rc;
}
