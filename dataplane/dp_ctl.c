/* sxdp control socket: JSON-RPC 2.0 request handling (dp_rpc_*) and the
 * unix stream socket server around it (dp_ctl_*). Single-threaded, polled
 * from the main lcore; no EAL here so it can be unit-tested and fuzzed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct ucred, accept4 */
#endif
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "dp_ctl.h"

#define CTL_DEF_MODE		0660
#define CTL_DEF_MAX_MSG		(1u << 20)
#define CTL_DEF_MAX_CLIENTS	64
#define CTL_DEF_MAX_OUTQ	(16u << 20)
#define CTL_BACKLOG		64
/* Bytes read from one client per round, so one chatty client cannot keep
 * the main lcore away from RCU, telemetry and the other clients. */
#define CTL_READ_BUDGET		(256u << 10)
#define CTL_ACCEPT_BUDGET	16
/* An idle client keeps at most this much input buffer. */
#define CTL_IN_KEEP		(64u << 10)

static void
log_stderr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void (*dp_ctl_log)(const char *fmt, ...) = log_stderr;
int (*dp_ctl_allow)(const struct dp_ctl_peer *peer);

/* ---- UTF-8: error texts are cut by fixed buffers and may carry request
 * bytes; json_string() refuses invalid UTF-8, so clean before encoding. */

static size_t
utf8_char(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Length of the longest valid UTF-8 prefix of s. */
static size_t
utf8_prefix(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = utf8_char((const unsigned char *)s + i, n - i);
		if (l == 0)
			break;
		i += l;
	}
	return i;
}

static json_t *
jstr(const char *s)
{
	size_t n = strlen(s);

	return json_stringn(s, utf8_prefix(s, n));
}

/* ---- method registry, kept sorted by name for lookup and rpc.discover */

struct rpc_method {
	char *name;
	char *desc;
	json_t *tmpl;
	dp_rpc_fn fn;
	void *arg;
};

static struct rpc_method *methods;
static size_t n_methods, cap_methods;

/* Index of name, or -(insertion point) - 1. */
static long
method_find(const char *name)
{
	size_t lo = 0, hi = n_methods, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, methods[mid].name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

int
dp_rpc_register(const char *method, dp_rpc_fn fn, void *arg, const char *description,
		const char *params_template_json)
{
	struct rpc_method m, *nm;
	json_error_t jerr;
	long pos;
	size_t at;

	if (method == NULL || fn == NULL || method[0] == '\0' ||
	    utf8_prefix(method, strlen(method)) != strlen(method))
		return -EINVAL;
	if (description == NULL)
		description = "";
	if (utf8_prefix(description, strlen(description)) != strlen(description))
		return -EINVAL;
	pos = method_find(method);
	if (pos >= 0)
		return -EEXIST;
	at = (size_t)(-pos - 1);

	m.tmpl = json_loads(params_template_json ? params_template_json : "{}",
			    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (m.tmpl == NULL)
		return json_error_code(&jerr) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
	m.name = strdup(method);
	m.desc = strdup(description);
	m.fn = fn;
	m.arg = arg;
	if (m.name == NULL || m.desc == NULL)
		goto nomem;
	if (n_methods == cap_methods) {
		size_t ncap = cap_methods ? cap_methods * 2 : 32;

		nm = realloc(methods, ncap * sizeof(*nm));
		if (nm == NULL)
			goto nomem;
		methods = nm;
		cap_methods = ncap;
	}
	memmove(&methods[at + 1], &methods[at], (n_methods - at) * sizeof(*methods));
	methods[at] = m;
	n_methods++;
	return 0;
nomem:
	free(m.name);
	free(m.desc);
	json_decref(m.tmpl);
	return -ENOMEM;
}

void
dp_rpc_reset(void)
{
	size_t i;

	for (i = 0; i < n_methods; i++) {
		free(methods[i].name);
		free(methods[i].desc);
		json_decref(methods[i].tmpl);
	}
	free(methods);
	methods = NULL;
	n_methods = cap_methods = 0;
}

/* ---- errors, JSON pointers and the strict params helpers */

static void
copy_str(char *dst, size_t n, const char *src)
{
	size_t l;

	if (src == NULL)
		src = "";
	if (dst == src)
		return;
	l = strnlen(src, n - 1);
	memmove(dst, src, l);	/* src may live inside dst's struct */
	dst[l] = '\0';
}

int
dp_rpc_err_set(struct dp_rpc_err *err, int code, const char *reason, const char *pointer,
	       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	copy_str(err->reason, sizeof(err->reason), reason);
	copy_str(err->pointer, sizeof(err->pointer), pointer);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	} else {
		err->message[0] = '\0';
	}
	return -1;
}

void
dp_rpc_ptr_join(char *buf, size_t n, const char *prefix, const char *token)
{
	size_t len, i, ul;
	const char *u;

	if (buf == NULL || n == 0)
		return;
	if (prefix == NULL)
		prefix = "";
	if (token == NULL)
		token = "";
	len = strlen(prefix);
	if (len >= n) {
		/* Cannot even hold the prefix: cut it at a character
		 * boundary and add nothing. */
		len = utf8_prefix(prefix, n - 1);
		memmove(buf, prefix, len);
		buf[len] = '\0';
		return;
	}
	if (buf != prefix)
		memmove(buf, prefix, len);
	buf[len] = '\0';
	if (len + 1 >= n)
		return;
	buf[len++] = '/';
	for (i = 0; token[i] != '\0'; i += ul) {
		if (token[i] == '~' || token[i] == '/') {
			u = token[i] == '~' ? "~0" : "~1";
			ul = 1;
			if (len + 2 >= n)
				break;
			memcpy(buf + len, u, 2);
			len += 2;
			continue;
		}
		/* strnlen: keys can be megabytes, only 256 bytes are kept */
		ul = utf8_char((const unsigned char *)token + i, strnlen(token + i, 4));
		if (ul == 0)
			ul = 1;	/* jstr() cuts there later */
		if (len + ul >= n)
			break;
		memcpy(buf + len, token + i, ul);
		len += ul;
	}
	buf[len] = '\0';
}

void
dp_rpc_ptr_index(char *buf, size_t n, const char *prefix, size_t idx)
{
	char tok[24];

	snprintf(tok, sizeof(tok), "%zu", idx);
	dp_rpc_ptr_join(buf, n, prefix, tok);
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

static int
not_object(json_t *obj, const char *prefix, struct dp_rpc_err *err)
{
	return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "wrong_type", prefix,
			      "expected an object, got %s", obj ? type_name(obj) : "nothing");
}

int
dp_rpc_check_fields(json_t *obj, const char *const *allowed, const char *ptr_prefix,
		    struct dp_rpc_err *err)
{
	char ptr[sizeof(err->pointer)];
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return not_object(obj, ptr_prefix, err);
	json_object_foreach(obj, key, v) {
		for (i = 0; allowed != NULL && allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed != NULL && allowed[i] != NULL)
			continue;
		dp_rpc_ptr_join(ptr, sizeof(ptr), ptr_prefix, key);
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "unknown_field", ptr,
				      "unknown field '%.64s'", key);
	}
	return 0;
}

static int __attribute__((format(printf, 5, 6)))
bad_member(const char *reason, const char *key, const char *prefix, struct dp_rpc_err *err,
	   const char *fmt, ...)
{
	char ptr[sizeof(err->pointer)];
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dp_rpc_ptr_join(ptr, sizeof(ptr), prefix, key);
	return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, reason, ptr, "field '%.64s' %s",
			      key, what);
}

#define T(type) (1u << (type))

/* Member key of obj whose type is in mask: 0 with *v set, 1 absent and
 * optional, -1 error. */
static int
get_typed(json_t *obj, const char *key, int required, unsigned int mask, const char *want,
	  json_t **v, const char *prefix, struct dp_rpc_err *err)
{
	if (!json_is_object(obj))
		return not_object(obj, prefix, err);
	*v = json_object_get(obj, key);
	if (*v == NULL)
		return required ? bad_member("missing_field", key, prefix, err, "is required") : 1;
	if (!(mask & T(json_typeof(*v))))
		return bad_member("wrong_type", key, prefix, err, "must be %s, not %s", want,
				  type_name(*v));
	return 0;
}

int
dp_rpc_get_string(json_t *obj, const char *key, int required, const char **out,
		  const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_STRING), "a string", &v, ptr_prefix, err);

	if (rc == 0 && out != NULL)
		*out = json_string_value(v);
	return rc;
}

int
dp_rpc_get_uint(json_t *obj, const char *key, int required, uint64_t max, uint64_t *out,
		const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_INTEGER), "an unsigned integer", &v,
			   ptr_prefix, err);

	if (rc != 0)
		return rc;
	if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return bad_member("out_of_range", key, ptr_prefix, err,
				  "must be between 0 and %" PRIu64, max);
	if (out != NULL)
		*out = (uint64_t)json_integer_value(v);
	return 0;
}

int
dp_rpc_get_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
	       int64_t *out, const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_INTEGER), "an integer", &v, ptr_prefix, err);

	if (rc != 0)
		return rc;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return bad_member("out_of_range", key, ptr_prefix, err,
				  "must be between %" PRId64 " and %" PRId64, min, max);
	if (out != NULL)
		*out = json_integer_value(v);
	return 0;
}

int
dp_rpc_get_bool(json_t *obj, const char *key, int required, int *out,
		const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_TRUE) | T(JSON_FALSE), "a boolean", &v,
			   ptr_prefix, err);

	if (rc == 0 && out != NULL)
		*out = json_is_true(v);
	return rc;
}

int
dp_rpc_get_object(json_t *obj, const char *key, int required, json_t **out,
		  const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_OBJECT), "an object", &v, ptr_prefix, err);

	if (rc == 0 && out != NULL)
		*out = v;
	return rc;
}

int
dp_rpc_get_array(json_t *obj, const char *key, int required, json_t **out,
		 const char *ptr_prefix, struct dp_rpc_err *err)
{
	json_t *v;
	int rc = get_typed(obj, key, required, T(JSON_ARRAY), "an array", &v, ptr_prefix, err);

	if (rc == 0 && out != NULL)
		*out = v;
	return rc;
}

int
dp_rpc_get_enum(json_t *obj, const char *key, int required, const char *const *names,
		unsigned int *out, const char *ptr_prefix, struct dp_rpc_err *err)
{
	const char *s;
	char list[128];
	size_t len = 0;
	unsigned int i;
	int rc = dp_rpc_get_string(obj, key, required, &s, ptr_prefix, err);

	if (rc != 0)
		return rc;
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			if (out != NULL)
				*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; names != NULL && names[i] != NULL && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", names[i]);
	return bad_member("bad_value", key, ptr_prefix, err, "must be one of: %s", list);
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

/* Handle one request object. *resp is the response or NULL (notification).
 * 0 or -ENOMEM. */
static int
process(json_t *req, json_t **resp)
{
	static const char *const members[] = { "jsonrpc", "method", "params", "id", NULL };
	char ptr[sizeof(((struct dp_rpc_err *)0)->pointer)];
	json_t *id, *jv, *jm, *params, *v, *result = NULL;
	struct dp_rpc_err err;
	const char *key, *name;
	dp_rpc_fn fn;
	void *arg;
	long pos;
	size_t i;
	int rc;

	*resp = NULL;
	if (!json_is_object(req))
		return error_resp(resp, NULL, DP_RPC_INVALID_REQUEST, "wrong_type", "",
				  "request must be an object, not %s", type_name(req));
	id = json_object_get(req, "id");
	if (id != NULL && !id_valid(id))
		return error_resp(resp, NULL, DP_RPC_INVALID_REQUEST, "wrong_type", "/id",
				  "id must be a string, a number or null, not %s", type_name(id));
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
				  "method must be a string, not %s", type_name(jm));
	params = json_object_get(req, "params");
	if (params != NULL && !json_is_object(params) && !json_is_array(params))
		return error_resp(resp, id, DP_RPC_INVALID_REQUEST, "wrong_type", "/params",
				  "params must be an object, not %s", type_name(params));

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
	memset(&err, 0, sizeof(err));
	rc = fn(params, &result, &err, arg);
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
	err.reason[sizeof(err.reason) - 1] = '\0';
	err.pointer[sizeof(err.pointer) - 1] = '\0';
	err.message[sizeof(err.message) - 1] = '\0';
	if (err.code == 0)
		return error_resp(resp, id, DP_RPC_INTERNAL_ERROR, "internal", "",
				  "method '%.64s' failed: %s", name,
				  rc < -1 ? strerror(-rc) : "no error reported");
	*resp = make_error(id, err.code, err.reason, err.pointer, err.message);
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

int
dp_rpc_handle(const char *line, size_t len, char **out)
{
	json_t *root, *resp = NULL, *r, *el;
	json_error_t jerr;
	size_t i;
	int rc = 0;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (line == NULL) {
		if (len != 0)
			return -EINVAL;
		line = "";
	}
	/* Any JSON value decodes, so a scalar is an Invalid Request rather
	 * than a parse error, as JSON-RPC 2.0 wants. */
	root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
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
	} else if (json_is_array(root)) {
		if (json_array_size(root) == 0) {
			rc = error_resp(&resp, NULL, DP_RPC_INVALID_REQUEST, "empty_batch", "",
					"empty batch");
		} else {
			resp = json_array();
			if (resp == NULL)
				rc = -ENOMEM;
			json_array_foreach(root, i, el) {
				if (rc != 0)
					break;
				rc = process(el, &r);
				if (rc == 0 && r != NULL && json_array_append_new(resp, r) != 0)
					rc = -ENOMEM;
			}
			if (rc == 0 && json_array_size(resp) == 0) {
				json_decref(resp);
				resp = NULL;
			}
		}
	} else {
		rc = process(root, &resp);
	}
	json_decref(root);
	if (rc != 0) {
		json_decref(resp);
		return rc;
	}
	if (resp == NULL)
		return 0;
	*out = json_dumps(resp, JSON_COMPACT);
	json_decref(resp);
	if (*out == NULL) {
		/* Not a result we can send (cyclic, or out of memory); the
		 * client still gets a line for its request. */
		*out = strdup(encode_response);
		if (*out == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* ---- built-in methods */

static int
rpc_discover(json_t *params, json_t **result, struct dp_rpc_err *err, void *arg)
{
	static const char *const allowed[] = { NULL };
	json_t *list, *m;
	size_t i;

	(void)arg;
	if (dp_rpc_check_fields(params, allowed, "", err) != 0)
		return -1;
	list = json_array();
	if (list == NULL)
		return -ENOMEM;
	for (i = 0; i < n_methods; i++) {
		m = json_object();
		if (m == NULL || json_array_append_new(list, m) != 0 ||
		    json_object_set_new(m, "name", json_string(methods[i].name)) != 0 ||
		    json_object_set_new(m, "description", json_string(methods[i].desc)) != 0 ||
		    json_object_set(m, "params", methods[i].tmpl) != 0) {
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

int
dp_rpc_builtin_register(void)
{
	int rc = dp_rpc_register("rpc.discover", rpc_discover, NULL,
				 "List the methods of this server with their params templates",
				 "{}");

	return rc == -EEXIST ? 0 : rc;
}

/* ---- the socket server */

struct ctl_client {
	int fd;			/* -1: free slot */
	struct dp_ctl_peer peer;
	char *in;		/* partial line */
	size_t in_len, in_cap;
	char *out;		/* responses not yet taken by the socket */
	size_t out_head, out_len, out_cap;
	int discard;		/* inside a too long line: drop up to the next newline */
	int rd_eof;		/* peer will send no more: flush, then close */
	const char *dead;	/* why it must be closed at the end of the round */
};

static struct {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	size_t max_msg, max_outq;
	unsigned int max_clients, n_clients, next_id;
	struct ctl_client *clients;
	struct pollfd *pfds;		/* [0] listener, [i + 1] clients[i] */
	struct ctl_client *cur;		/* client being dispatched */
	int in_poll, close_deferred, accept_errno;
} ctl = { .lfd = -1 };

static char ctl_rbuf[64 << 10];

unsigned int
dp_ctl_clients(void)
{
	return ctl.n_clients;
}

const struct dp_ctl_peer *
dp_ctl_current_peer(void)
{
	return ctl.cur != NULL ? &ctl.cur->peer : NULL;
}

static size_t
out_pending(const struct ctl_client *c)
{
	return c->out_len - c->out_head;
}

/* Write what the socket takes; 0, or -1 with c->dead set. */
static int
client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (out_pending(c) > 0) {
		n = send(c->fd, c->out + c->out_head, out_pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			c->dead = errno == EPIPE || errno == ECONNRESET ? "peer gone" : "write error";
			return -1;
		}
		c->out_head += (size_t)n;
	}
	if (c->out_head == c->out_len)
		c->out_head = c->out_len = 0;
	return 0;
}

/* Queue one response line. A client that leaves more than max_outq unread
 * is not reading at all; dropping it bounds our memory. */
static void
client_queue(struct ctl_client *c, const char *s, size_t len)
{
	size_t need;
	char *nb;

	if (c->dead != NULL)
		return;
	if (out_pending(c) > ctl.max_outq) {
		dp_ctl_log("ctl: client %u not reading its responses (%zu bytes queued), disconnecting",
			   c->peer.id, out_pending(c));
		c->dead = "output queue full";
		return;
	}
	need = len + 1;
	if (c->out_cap - c->out_len < need && c->out_head > 0) {
		memmove(c->out, c->out + c->out_head, out_pending(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_cap - c->out_len < need) {
		size_t ncap = c->out_cap ? c->out_cap : 4096;

		while (ncap - c->out_len < need)
			ncap *= 2;
		nb = realloc(c->out, ncap);
		if (nb == NULL) {
			c->dead = "out of memory";
			return;
		}
		c->out = nb;
		c->out_cap = ncap;
	}
	memcpy(c->out + c->out_len, s, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += need;
	/* Send right away: most responses leave without ever waiting for POLLOUT. */
	client_flush(c);
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void
client_line(struct ctl_client *c, const char *line, size_t len, int *handled)
{
	char *resp = NULL;
	int rc;

	/* Blank lines (a human at socat/nc) are not requests. */
	if (blank(line, len))
		return;
	if (line[len - 1] == '\r')
		len--;
	ctl.cur = c;
	rc = dp_rpc_handle(line, len, &resp);
	ctl.cur = NULL;
	(*handled)++;
	if (rc < 0) {
		dp_ctl_log("ctl: client %u: request failed: %s", c->peer.id, strerror(-rc));
		client_queue(c, oom_response, sizeof(oom_response) - 1);
		return;
	}
	if (resp != NULL) {
		client_queue(c, resp, strlen(resp));
		free(resp);
	}
}

static void
client_too_large(struct ctl_client *c, int *handled)
{
	json_t *r;
	char *s = NULL;

	dp_ctl_log("ctl: client %u: request line over %zu bytes, dropped", c->peer.id,
		   ctl.max_msg);
	r = make_error(NULL, DP_RPC_INVALID_REQUEST, "too_large", "",
		       "request line longer than the limit");
	if (r != NULL &&
	    json_object_set_new(json_object_get(json_object_get(r, "error"), "data"), "limit",
				json_integer((json_int_t)ctl.max_msg)) == 0)
		s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (s != NULL) {
		client_queue(c, s, strlen(s));
		free(s);
	} else {
		client_queue(c, oom_response, sizeof(oom_response) - 1);
	}
	(*handled)++;
}

static int
client_in_append(struct ctl_client *c, const char *p, size_t n)
{
	size_t ncap;
	char *nb;

	if (c->in_cap - c->in_len < n) {
		ncap = c->in_cap ? c->in_cap : 4096;
		while (ncap - c->in_len < n)
			ncap *= 2;
		if (ncap > ctl.max_msg)
			ncap = ctl.max_msg;	/* callers never exceed it */
		nb = realloc(c->in, ncap);
		if (nb == NULL) {
			c->dead = "out of memory";
			return -1;
		}
		c->in = nb;
		c->in_cap = ncap;
	}
	memcpy(c->in + c->in_len, p, n);
	c->in_len += n;
	return 0;
}

static void
client_in_done(struct ctl_client *c)
{
	c->in_len = 0;
	if (c->in_cap > CTL_IN_KEEP) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

/* Split received bytes into lines and dispatch each complete one. */
static void
client_feed(struct ctl_client *c, const char *p, size_t n, int *handled)
{
	const char *nl;
	size_t seg;

	while (n > 0 && c->dead == NULL && !ctl.close_deferred) {
		nl = memchr(p, '\n', n);
		seg = nl != NULL ? (size_t)(nl - p) : n;
		if (c->discard) {
			if (nl != NULL)
				c->discard = 0;
		} else if (c->in_len + seg > ctl.max_msg) {
			client_too_large(c, handled);
			client_in_done(c);
			if (nl == NULL)
				c->discard = 1;
		} else if (nl == NULL) {
			client_in_append(c, p, seg);
		} else if (c->in_len == 0) {
			client_line(c, p, seg, handled);	/* whole line in hand: no copy */
		} else if (client_in_append(c, p, seg) == 0) {
			client_line(c, c->in, c->in_len, handled);
			client_in_done(c);
		}
		seg += nl != NULL;
		p += seg;
		n -= seg;
	}
}

static void
client_read(struct ctl_client *c, int *handled)
{
	size_t budget = CTL_READ_BUDGET;
	ssize_t n;

	while (budget > 0 && c->dead == NULL && !c->rd_eof && !ctl.close_deferred) {
		n = recv(c->fd, ctl_rbuf, sizeof(ctl_rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = errno == ECONNRESET ? "peer gone" : "read error";
			return;
		}
		if (n == 0) {
			/* A client may shut down its write side after the last
			 * request (socat, printf without newline): answer it. */
			c->rd_eof = 1;
			if (!c->discard && c->in_len > 0)
				client_line(c, c->in, c->in_len, handled);
			client_in_done(c);
			return;
		}
		client_feed(c, ctl_rbuf, (size_t)n, handled);
		budget -= (size_t)n < budget ? (size_t)n : budget;
	}
}

static void
client_close(struct ctl_client *c, const char *why)
{
	dp_ctl_log("ctl: client %u disconnected (%s)", c->peer.id, why);
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ctl.n_clients--;
}

static void
ctl_accept(void)
{
	struct dp_ctl_peer peer;
	struct ucred cred;
	const char *why;
	socklen_t clen;
	unsigned int i, k;
	int fd;

	for (k = 0; k < CTL_ACCEPT_BUDGET; k++) {
		fd = accept4(ctl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ctl.accept_errno) {
				/* Logged once per errno: EMFILE would repeat every round. */
				dp_ctl_log("ctl: accept: %s", strerror(errno));
				ctl.accept_errno = errno;
			}
			return;
		}
		ctl.accept_errno = 0;
		cred.pid = 0;
		cred.uid = (uid_t)-1;
		cred.gid = (gid_t)-1;
		clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
			dp_ctl_log("ctl: SO_PEERCRED: %s", strerror(errno));
		peer.id = ++ctl.next_id;
		peer.pid = cred.pid;
		peer.uid = cred.uid;
		peer.gid = cred.gid;
		why = ctl.n_clients >= ctl.max_clients ? "too many clients" :
			dp_ctl_allow != NULL && !dp_ctl_allow(&peer) ? "not allowed" : NULL;
		if (why != NULL) {
			dp_ctl_log("ctl: client %u refused pid=%ld uid=%ld gid=%ld: %s (%u connected)",
				   peer.id, (long)peer.pid, (long)peer.uid, (long)peer.gid, why,
				   ctl.n_clients);
			close(fd);
			continue;
		}
		for (i = 0; ctl.clients[i].fd >= 0; i++)
			;
		memset(&ctl.clients[i], 0, sizeof(ctl.clients[i]));
		ctl.clients[i].fd = fd;
		ctl.clients[i].peer = peer;
		ctl.n_clients++;
		dp_ctl_log("ctl: client %u connected pid=%ld uid=%ld gid=%ld", peer.id,
			   (long)peer.pid, (long)peer.uid, (long)peer.gid);
	}
}

int
dp_ctl_poll(int timeout_ms)
{
	struct ctl_client *c;
	unsigned int i;
	int rc, handled = 0;
	short re;

	if (ctl.lfd < 0)
		return -EBADF;
	if (ctl.in_poll)
		return -EBUSY;	/* a method pumping the main loop: no re-entry */
	for (i = 0; i < ctl.max_clients; i++) {
		c = &ctl.clients[i];
		ctl.pfds[i + 1].fd = c->fd;	/* poll() skips the -1 of free slots */
		ctl.pfds[i + 1].events = (c->rd_eof ? 0 : POLLIN) | (out_pending(c) ? POLLOUT : 0);
	}
	rc = poll(ctl.pfds, ctl.max_clients + 1, timeout_ms);
	if (rc <= 0)
		return rc == 0 || errno == EINTR ? 0 : -errno;

	ctl.in_poll = 1;
	for (i = 0; i < ctl.max_clients && !ctl.close_deferred; i++) {
		c = &ctl.clients[i];
		re = ctl.pfds[i + 1].revents;
		if (c->fd < 0 || re == 0)
			continue;
		if (re & POLLNVAL)
			c->dead = "invalid fd";
		else if (!c->rd_eof && (re & (POLLIN | POLLHUP | POLLERR)))
			client_read(c, &handled);
		else if ((re & (POLLHUP | POLLERR)) && !(re & POLLOUT))
			c->dead = "peer gone";
		if (c->dead == NULL)
			client_flush(c);
		if (c->dead != NULL)
			client_close(c, c->dead);
		else if (c->rd_eof && out_pending(c) == 0)
			client_close(c, "end of input");
	}
	/* After the clients: a slot filled now has no revents of its own yet. */
	if (!ctl.close_deferred && (ctl.pfds[0].revents & POLLIN))
		ctl_accept();
	ctl.in_poll = 0;
	if (ctl.close_deferred) {
		ctl.close_deferred = 0;
		dp_ctl_close();
	}
	return handled;
}

static void
ctl_free(void)
{
	free(ctl.clients);
	free(ctl.pfds);
	ctl.clients = NULL;
	ctl.pfds = NULL;
	ctl.n_clients = 0;
	ctl.cur = NULL;
}

static int
mkdir_parents(const char *path)
{
	char buf[sizeof(ctl.path)];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* A socket file nobody listens on is a leftover of a crash: remove it.
 * Never remove a live server's socket or something that is not a socket. */
static int
remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc == 0 ? 0 : errno;
	close(fd);
	if (rc == 0 || rc == EAGAIN || rc == EINPROGRESS)
		return -EADDRINUSE;
	if (rc != ECONNREFUSED)
		return -rc;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	dp_ctl_log("ctl: removed stale socket %s", sa->sun_path);
	return 0;
}

int
dp_ctl_open(const struct dp_ctl_opts *o)
{
	struct sockaddr_un sa;
	unsigned int mode, i;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (o == NULL || o->path == NULL || o->path[0] == '\0')
		return -EINVAL;
	if (ctl.lfd >= 0)
		return -EBUSY;
	if (strlen(o->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	mode = o->mode ? o->mode & 0777 : CTL_DEF_MODE;
	rc = dp_rpc_builtin_register();
	if (rc != 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, o->path, strlen(o->path));
	rc = mkdir_parents(o->path);
	if (rc == 0)
		rc = remove_stale(&sa);
	if (rc != 0) {
		dp_ctl_log("ctl: cannot use %s: %s", o->path, strerror(-rc));
		return rc;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The umask narrows the window between bind and chmod in which the
	 * socket would have default permissions. */
	old = umask(~mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		dp_ctl_log("ctl: bind %s: %s", o->path, strerror(-rc));
		return rc;
	}
	if (chmod(o->path, mode) < 0 || stat(o->path, &st) < 0 || listen(fd, CTL_BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		unlink(o->path);
		dp_ctl_log("ctl: %s: %s", o->path, strerror(-rc));
		return rc;
	}

	ctl.max_msg = o->max_msg ? o->max_msg : CTL_DEF_MAX_MSG;
	ctl.max_clients = o->max_clients ? o->max_clients : CTL_DEF_MAX_CLIENTS;
	ctl.max_outq = o->max_outq ? o->max_outq : CTL_DEF_MAX_OUTQ;
	ctl.clients = calloc(ctl.max_clients, sizeof(*ctl.clients));
	ctl.pfds = calloc(ctl.max_clients + 1, sizeof(*ctl.pfds));
	if (ctl.clients == NULL || ctl.pfds == NULL) {
		ctl_free();
		close(fd);
		unlink(o->path);
		return -ENOMEM;
	}
	for (i = 0; i < ctl.max_clients; i++)
		ctl.clients[i].fd = -1;
	ctl.pfds[0].fd = fd;
	ctl.pfds[0].events = POLLIN;
	snprintf(ctl.path, sizeof(ctl.path), "%s", o->path);
	ctl.dev = st.st_dev;
	ctl.ino = st.st_ino;
	ctl.n_clients = 0;
	ctl.accept_errno = 0;
	ctl.lfd = fd;
	dp_ctl_log("ctl: listening on %s (mode %04o, max %u clients, %zu bytes per request)",
		   ctl.path, mode, ctl.max_clients, ctl.max_msg);
	return 0;
}

void
dp_ctl_close(void)
{
	struct stat st;
	unsigned int i;

	if (ctl.lfd < 0)
		return;
	if (ctl.in_poll) {
		ctl.close_deferred = 1;
		return;
	}
	for (i = 0; i < ctl.max_clients; i++)
		if (ctl.clients[i].fd >= 0)
			client_close(&ctl.clients[i], "server closing");
	close(ctl.lfd);
	ctl.lfd = -1;
	/* Only our own socket: another instance may have replaced it. */
	if (lstat(ctl.path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == ctl.dev &&
	    st.st_ino == ctl.ino)
		unlink(ctl.path);
	ctl_free();
}
