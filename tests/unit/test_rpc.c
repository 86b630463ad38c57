/* Unit tests of the sxdp control socket: JSON-RPC decoding and errors
 * through dp_rpc_handle(), then the real unix socket server (framing,
 * several clients, limits) driven by dp_ctl_poll() from this thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <check.h>
#include <jansson.h>

#include "dp_ctl.h"
#include "dp_schema.h"

static int notified;
static char log_buf[8192];

static void
test_log(const char *fmt, ...)
{
	size_t l = strlen(log_buf);
	va_list ap;

	if (l > sizeof(log_buf) - 512)
		l = 0;	/* keep the tail only */
	va_start(ap, fmt);
	vsnprintf(log_buf + l, sizeof(log_buf) - l - 1, fmt, ap);
	va_end(ap);
	strcat(log_buf, "\n");
}

/* The test methods, declared as sxdp's are (dp_schema.h): the dispatcher
 * checks their params before the handlers below run. */
enum { ECHO_A, ECHO_S, ECHO_B, ECHO_N };
static const struct dp_rpc_method echo_decl = {
	.name = "test.echo", .description = "echo a, s, b",
	.params = (const struct dp_schema_field[]){
		[ECHO_A] = { .name = "a", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 10 },
		[ECHO_S] = { .name = "s", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
		[ECHO_B] = { .name = "b", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_DEF, .def = 0 },
		[ECHO_N] = { NULL } },
};

/* {"a": uint <= 10, "s": string, "b": optional bool} -> the same back */
static int
m_echo(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	(void)params;
	(void)err;
	(void)arg;
	*result = json_pack("{s:I, s:s}", "a", (json_int_t)v[ECHO_A].u, "s", v[ECHO_S].s);
	if (v[ECHO_B].set)
		json_object_set_new(*result, "b", json_boolean(v[ECHO_B].b));
	return 0;
}

static const char *const modes[] = { "continue-on-error", "rollback-on-error", NULL };
enum { NESTED_O, NESTED_LIST, NESTED_MODE };
static const struct dp_schema_field nested_el = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "v", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 5 }, { NULL } },
};
static const struct dp_rpc_method nested_decl = {
	.name = "test.nested", .description = "nested",
	.params = (const struct dp_schema_field[]){
		[NESTED_O] = { .name = "o", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
			.fields = (const struct dp_schema_field[]){
				{ .name = "k", .type = DP_SCHEMA_UINT }, { NULL } } },
		[NESTED_LIST] = { .name = "list", .type = DP_SCHEMA_ARRAY, .items = &nested_el },
		[NESTED_MODE] = { .name = "mode", .type = DP_SCHEMA_ENUM, .names = modes },
		{ NULL } },
};

/* {"o": {"k": uint}, "list": [{"v": uint <= 5}], "mode": enum}: nested pointers */
static int
m_nested(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	 void *arg)
{
	(void)params;
	(void)err;
	(void)arg;
	*result = json_integer((json_int_t)v[NESTED_MODE].u);
	return 0;
}

static const struct dp_rpc_method fail_decl = {
	.name = "test.fail",
	.params = (const struct dp_schema_field[]){
		{ .name = "how", .type = DP_SCHEMA_STRING }, { NULL } },
};

/* {"how": "app" | "bare" | "errno" | "null"}: the failure paths */
static int
m_fail(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	const char *how = v[0].set ? v[0].s : "app";

	(void)params;
	(void)arg;
	if (strcmp(how, "app") == 0)
		return dp_rpc_err_set(err, -32001, "not_found", "/how", "no entry %d", 42);
	if (strcmp(how, "bare") == 0)
		return -1;
	if (strcmp(how, "errno") == 0)
		return -ENOENT;
	*result = NULL;
	return 0;
}

/* any params at all: the method reads none */
static const struct dp_rpc_method count_decl = { .name = "test.count", .description = "count" };

static int
m_count(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	void *arg)
{
	(void)params;
	(void)v;
	(void)err;
	(void)arg;
	notified++;
	*result = json_true();
	return 0;
}

/* params.name held alone (dp_ctl_exclusive) */
static const struct dp_rpc_method exclusive_decl = { .name = "test.exclusive", .description = "fence" };

static int
m_exclusive(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	    void *arg)
{
	int n = dp_ctl_exclusive(json_string_value(json_object_get(params, "name")));

	(void)v;
	(void)arg;
	if (n < 0)
		return dp_rpc_err_set(err, -32000, "not_exclusive", "", NULL);
	*result = json_integer(n);
	return 0;
}

static const struct dp_rpc_method whoami_decl = {
	.name = "test.whoami", .description = "peer", .params = dp_schema_none };

static int
m_whoami(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	 void *arg)
{
	const struct dp_ctl_peer *p = dp_ctl_current_peer();

	(void)params;
	(void)v;
	(void)arg;
	if (p == NULL)
		return dp_rpc_err_set(err, -32000, "no_peer", "", NULL);
	*result = json_pack("{s:i, s:i}", "pid", (int)p->pid, "uid", (int)p->uid);
	return 0;
}

static const struct dp_rpc_method big_decl = {
	.name = "test.big", .description = "big",
	.params = (const struct dp_schema_field[]){
		{ .name = "n", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 1 << 20 },
		{ NULL } },
};

/* {"n": bytes}: a big result, to fill output queues */
static int
m_big(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
      void *arg)
{
	uint64_t n = v[0].u;
	char *s;

	(void)params;
	(void)err;
	(void)arg;
	s = malloc(n + 1);
	memset(s, 'z', n);
	s[n] = '\0';
	*result = json_string(s);
	free(s);
	return 0;
}

static const struct dp_rpc_method close_decl = {
	.name = "test.close", .description = "close", .params = dp_schema_none };

static int
m_close(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	void *arg)
{
	(void)params;
	(void)v;
	(void)err;
	(void)arg;
	dp_ctl_close();		/* from inside a method: deferred */
	*result = json_true();
	return 0;
}

static int
deny_self(const struct dp_ctl_peer *p)
{
	return p->pid != getpid() || p->uid != getuid();
}

static void
setup(void)
{
	notified = 0;
	log_buf[0] = '\0';
	dp_ctl_log = test_log;
	dp_ctl_allow = NULL;
	ck_assert_int_eq(dp_rpc_builtin_register(), 0);
	ck_assert_int_eq(dp_rpc_register(&echo_decl, m_echo, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&nested_decl, m_nested, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&fail_decl, m_fail, NULL, json_object()), 0);
	ck_assert_int_eq(dp_rpc_register(&count_decl, m_count, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&whoami_decl, m_whoami, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&exclusive_decl, m_exclusive, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&big_decl, m_big, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&close_decl, m_close, NULL, NULL), 0);
}

static void
teardown(void)
{
	dp_ctl_close();
	dp_rpc_reset();
}

/* Run one line; NULL when there is no response. Checks it is one line of JSON. */
static json_t *
call(const char *line)
{
	json_error_t jerr;
	char *out = NULL;
	json_t *r;

	ck_assert_int_eq(dp_rpc_handle(line, strlen(line), &out), 0);
	if (out == NULL)
		return NULL;
	ck_assert_ptr_null(strchr(out, '\n'));
	r = json_loads(out, 0, &jerr);
	ck_assert_msg(r != NULL, "bad response %s", out);
	free(out);
	return r;
}

static void
check_error(json_t *r, int code, const char *reason, const char *pointer)
{
	json_t *e = json_object_get(r, "error");
	json_t *d = json_object_get(e, "data");

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(json_object_get(r, "result"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "code")), code);
	ck_assert(json_is_string(json_object_get(e, "message")));
	ck_assert_str_eq(json_string_value(json_object_get(d, "reason")), reason);
	ck_assert_str_eq(json_string_value(json_object_get(d, "pointer")), pointer);
}

/* Call, expect an error, free. */
static void
expect_error(const char *line, int code, const char *reason, const char *pointer)
{
	json_t *r = call(line);

	ck_assert_msg(r != NULL, "no response to %s", line);
	check_error(r, code, reason, pointer);
	json_decref(r);
}

#define REQ(m, p) "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" m "\",\"params\":" p "}"

START_TEST(valid_call)
{
	json_t *r = call(REQ("test.echo", "{\"a\":3,\"s\":\"hi\",\"b\":true}"));
	json_t *res = json_object_get(r, "result");

	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	ck_assert_ptr_null(json_object_get(r, "error"));
	ck_assert_int_eq(json_integer_value(json_object_get(res, "a")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(res, "s")), "hi");
	ck_assert(json_is_true(json_object_get(res, "b")));
	json_decref(r);

	/* params absent is an empty object */
	r = call("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test.count\"}");
	ck_assert(json_is_true(json_object_get(r, "result")));
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test.fail\",\"params\":{\"how\":\"null\"}}");
	ck_assert(json_is_null(json_object_get(r, "result")));
	json_decref(r);
}
END_TEST

START_TEST(notification)
{
	ck_assert_ptr_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.count\"}"));
	ck_assert_int_eq(notified, 1);
	/* errors of a well-formed notification are not reported either */
	ck_assert_ptr_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"));
	ck_assert_ptr_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"x\":1}}"));
	ck_assert_ptr_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.fail\"}"));
	ck_assert_ptr_null(call("{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":[1]}"));
}
END_TEST

START_TEST(parse_error)
{
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\0\"id\":1}";
	static const char bad_utf8[] = "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\x28\",\"method\":\"x\"}";
	char *out = NULL;
	json_t *r;

	r = call("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":");
	check_error(r, -32700, "truncated", "");
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	expect_error("{bad", -32700, "parse_error", "");
	expect_error("", -32700, "truncated", "");
	expect_error("{} {}", -32700, "trailing_data", "");
	expect_error("{\"id\":1,\"id\":2}", -32700, "duplicate_key", "");
	expect_error("{\"a\":\"\\u0000\"}", -32700, "nul_character", "");
	expect_error("[1e999]", -32700, "numeric_overflow", "");
	expect_error("{\"id\":99999999999999999999999}", -32700, "numeric_overflow", "");
	expect_error(bad_utf8, -32700, "invalid_utf8", "");

	ck_assert_int_eq(dp_rpc_handle(nul, sizeof(nul) - 1, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "-32700"));
	free(out);
	ck_assert_int_eq(dp_rpc_handle(NULL, 0, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "-32700"));
	free(out);
	ck_assert_int_eq(dp_rpc_handle("{}", 2, NULL), -EINVAL);
}
END_TEST

START_TEST(invalid_request)
{
	json_t *r;

	expect_error("{\"id\":1,\"method\":\"test.count\"}", -32600, "missing_field", "/jsonrpc");
	expect_error("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"test.count\"}", -32600,
		     "bad_version", "/jsonrpc");
	expect_error("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"test.count\"}", -32600,
		     "bad_version", "/jsonrpc");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1}", -32600, "missing_field", "/method");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":1}", -32600, "wrong_type", "/method");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.count\",\"params\":\"x\"}",
		     -32600, "wrong_type", "/params");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.count\",\"params\":3}",
		     -32600, "wrong_type", "/params");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"test.count\"}", -32600,
		     "wrong_type", "/id");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"test.count\"}", -32600,
		     "wrong_type", "/id");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"test.count\"}", -32600,
		     "wrong_type", "/id");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.count\",\"foo\":1}", -32600,
		     "unknown_field", "/foo");
	expect_error("1", -32600, "wrong_type", "");
	expect_error("\"x\"", -32600, "wrong_type", "");
	expect_error("null", -32600, "wrong_type", "");
	/* invalid requests without id still get an answer, with id null */
	r = call("{\"jsonrpc\":\"2.0\",\"method\":1}");
	check_error(r, -32600, "wrong_type", "/method");
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	/* a valid id is echoed even when the rest is wrong */
	r = call("{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":1}");
	ck_assert_str_eq(json_string_value(json_object_get(r, "id")), "q");
	json_decref(r);
	/* by-position params are valid JSON-RPC but not accepted here */
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.count\",\"params\":[]}",
		     -32602, "wrong_type", "");
}
END_TEST

START_TEST(unknown_method)
{
	expect_error(REQ("no.such", "{}"), -32601, "unknown_method", "/method");
}
END_TEST

START_TEST(params_errors)
{
	json_t *r;

	r = call(REQ("test.echo", "{\"a\":1,\"s\":\"x\",\"x\":2}"));
	check_error(r, -32602, "unknown_field", "/x");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	expect_error(REQ("test.echo", "{\"a\":\"1\",\"s\":\"x\"}"), -32602, "wrong_type", "/a");
	expect_error(REQ("test.echo", "{\"a\":1.0,\"s\":\"x\"}"), -32602, "wrong_type", "/a");
	expect_error(REQ("test.echo", "{\"a\":null,\"s\":\"x\"}"), -32602, "wrong_type", "/a");
	expect_error(REQ("test.echo", "{\"a\":11,\"s\":\"x\"}"), -32602, "out_of_range", "/a");
	expect_error(REQ("test.echo", "{\"a\":-1,\"s\":\"x\"}"), -32602, "out_of_range", "/a");
	expect_error(REQ("test.echo", "{\"s\":\"x\"}"), -32602, "missing_field", "/a");
	expect_error(REQ("test.echo", "{\"a\":1,\"s\":5}"), -32602, "wrong_type", "/s");
	expect_error(REQ("test.echo", "{\"a\":1,\"s\":\"x\",\"b\":1}"), -32602, "wrong_type", "/b");
	expect_error(REQ("test.nested", "{\"o\":{},\"mode\":\"fast\"}"), -32602, "bad_value",
		     "/mode");
	expect_error(REQ("rpc.discover", "{\"verbose\":true}"), -32602, "unknown_field",
		     "/verbose");
}
END_TEST

START_TEST(pointer_escaping)
{
	char buf[32];
	json_t *r;

	expect_error(REQ("test.nested", "{\"o\":{\"a/b~c\":1}}"), -32602, "unknown_field",
		     "/o/a~1b~0c");
	expect_error(REQ("test.nested", "{\"o\":{\"k\":-3}}"), -32602, "out_of_range", "/o/k");
	expect_error(REQ("test.nested", "{\"o\":[]}"), -32602, "wrong_type", "/o");
	expect_error(REQ("test.nested", "{\"o\":{},\"list\":[{\"v\":1},{\"v\":2},{\"v\":9}]}"),
		     -32602, "out_of_range", "/list/2/v");
	expect_error(REQ("test.nested", "{\"o\":{},\"list\":[{\"v\":1},7]}"),
		     -32602, "wrong_type", "/list/1");
	r = call(REQ("test.nested", "{\"o\":{\"k\":1},\"mode\":\"rollback-on-error\"}"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "result")), 1);
	json_decref(r);

	dp_rpc_ptr_join(buf, sizeof(buf), "/a", "~/");
	ck_assert_str_eq(buf, "/a/~0~1");
	dp_rpc_ptr_join(buf, sizeof(buf), buf, "");	/* in place, empty token */
	ck_assert_str_eq(buf, "/a/~0~1/");
	dp_rpc_ptr_join(buf, sizeof(buf), NULL, "x");
	ck_assert_str_eq(buf, "/x");
	/* overflow cuts at a whole escape / character, never inside one */
	dp_rpc_ptr_join(buf, 8, "/abc", "~~");
	ck_assert_str_eq(buf, "/abc/~0");
	dp_rpc_ptr_join(buf, 8, "/abc", "\xc3\xa9\xc3\xa9");
	ck_assert_str_eq(buf, "/abc/\xc3\xa9");
	dp_rpc_ptr_index(buf, sizeof(buf), "/list", 12);
	ck_assert_str_eq(buf, "/list/12");
}
END_TEST

START_TEST(app_errors)
{
	json_t *r;

	r = call(REQ("test.fail", "{\"how\":\"app\"}"));
	check_error(r, -32001, "not_found", "/how");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "error"),
							   "message")), "no entry 42");
	json_decref(r);
	expect_error(REQ("test.fail", "{\"how\":\"bare\"}"), -32603, "internal", "");
	r = call(REQ("test.fail", "{\"how\":\"errno\"}"));
	check_error(r, -32603, "internal", "");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(r, "error"),
								       "message")), "No such file"));
	json_decref(r);
	/* no peer outside the socket server */
	expect_error(REQ("test.whoami", "{}"), -32000, "no_peer", "");
}
END_TEST

START_TEST(batch)
{
	json_t *r;

	r = call("[" REQ("test.count", "{}") ","
		 "{\"jsonrpc\":\"2.0\",\"method\":\"test.count\"},"
		 "{\"foo\":1},"
		 "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"no.such\"},"
		 "7]");
	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 4);
	ck_assert_int_eq(notified, 2);
	ck_assert(json_is_true(json_object_get(json_array_get(r, 0), "result")));
	check_error(json_array_get(r, 1), -32600, "unknown_field", "/foo");
	check_error(json_array_get(r, 2), -32601, "unknown_method", "/method");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 2), "id")), "b");
	check_error(json_array_get(r, 3), -32600, "wrong_type", "");
	json_decref(r);

	/* only notifications: nothing at all */
	ck_assert_ptr_null(call("[{\"jsonrpc\":\"2.0\",\"method\":\"test.count\"},"
				"{\"jsonrpc\":\"2.0\",\"method\":\"test.count\"}]"));
	ck_assert_int_eq(notified, 4);

	r = call("[]");
	ck_assert(json_is_object(r));
	check_error(r, -32600, "empty_batch", "");
	json_decref(r);
	r = call("[[]]");
	ck_assert_int_eq(json_array_size(r), 1);
	check_error(json_array_get(r, 0), -32600, "wrong_type", "");
	json_decref(r);
}
END_TEST

START_TEST(id_types)
{
	json_t *r;

	r = call("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"test.count\"}");
	ck_assert_str_eq(json_string_value(json_object_get(r, "id")), "abc");
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740993,\"method\":\"test.count\"}");
	ck_assert(json_integer_value(json_object_get(r, "id")) == -9007199254740993LL);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":2.5,\"method\":\"test.count\"}");
	ck_assert(json_real_value(json_object_get(r, "id")) == 2.5);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"test.count\"}");
	ck_assert(json_is_null(json_object_get(r, "id")));
	ck_assert(json_is_true(json_object_get(r, "result")));
	json_decref(r);
	ck_assert_int_eq(notified, 4);
}
END_TEST

static const struct dp_rpc_method dup_decl = { .name = "test.echo", .description = "dup" };
/* an enum without names: refused at registration, not at the first call */
static const struct dp_rpc_method bad_decl = {
	.name = "test.bad", .params = (const struct dp_schema_field[]){
		{ .name = "e", .type = DP_SCHEMA_ENUM }, { NULL } },
};
static const struct dp_rpc_method noname_decl = { .name = "" };
static const struct dp_rpc_method first_decl = { .name = "a.first" };

START_TEST(discover)
{
	const char *prev = "";
	json_t *r, *list, *m, *ps, *a;
	size_t i;

	ck_assert_int_eq(dp_rpc_register(&dup_decl, m_echo, NULL, json_object()), -EEXIST);
	ck_assert_int_eq(dp_rpc_register(&bad_decl, m_echo, NULL, NULL), -EINVAL);
	ck_assert_int_eq(dp_rpc_register(&noname_decl, m_echo, NULL, NULL), -EINVAL);
	ck_assert_int_eq(dp_rpc_register(&first_decl, m_echo, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_builtin_register(), 0);	/* idempotent */

	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.discover\"}");
	list = json_object_get(json_object_get(r, "result"), "methods");
	ck_assert_int_eq(json_array_size(list), 10);
	json_array_foreach(list, i, m) {
		const char *name = json_string_value(json_object_get(m, "name"));

		ck_assert_msg(strcmp(prev, name) < 0, "%s after %s", name, prev);
		ck_assert(json_is_string(json_object_get(m, "description")));
		ck_assert_ptr_nonnull(json_object_get(m, "params"));
		ck_assert(json_is_object(json_object_get(m, "params_schema")));
		ck_assert(json_is_object(json_object_get(json_object_get(m, "result"), "schema")));
		prev = name;
	}
	m = json_array_get(list, 0);
	ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "a.first");
	ck_assert(json_is_object(json_object_get(m, "params")));
	m = json_array_get(list, 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "rpc.discover");
	/* rpc.discover describes itself: no params, a list of methods */
	ps = json_object_get(m, "params_schema");
	ck_assert(json_is_false(json_object_get(ps, "additionalProperties")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
		json_object_get(json_object_get(m, "result"), "schema"), "properties"), "methods"),
		"type")), "array");
	m = json_array_get(list, 5);
	ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "test.echo");
	ck_assert(json_is_false(json_object_get(json_object_get(m, "params"), "b")));
	/* the declaration as JSON Schema: types, range, required, default */
	ps = json_object_get(m, "params_schema");
	a = json_object_get(json_object_get(ps, "properties"), "a");
	ck_assert_str_eq(json_string_value(json_object_get(a, "type")), "integer");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "minimum")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "maximum")), 10);
	ck_assert(json_is_false(json_object_get(json_object_get(json_object_get(ps, "properties"), "b"),
						"default")));
	ck_assert_int_eq(json_array_size(json_object_get(ps, "required")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ps, "required"), 1)), "s");
	ck_assert(json_is_false(json_object_get(ps, "additionalProperties")));
	/* a method taking any object says so */
	m = json_array_get(list, 4);
	ck_assert_str_eq(json_string_value(json_object_get(m, "name")), "test.count");
	ck_assert_ptr_null(json_object_get(json_object_get(m, "params_schema"), "additionalProperties"));
	json_decref(r);

	dp_rpc_reset();
	expect_error(REQ("rpc.discover", "{}"), -32601, "unknown_method", "/method");
}
END_TEST

/* ---- the schema check on its own: every kind of refusal, its reason and
 * pointer, and what a check hands over */

static const char *const colours[] = { "red", "green", "blue", NULL };
static const char *const shapes[] = { "dot", "line", "box", NULL };
static const char *const things[] = { "alpha", "beta", NULL };

static int
thing_find(const char *name)
{
	for (int i = 0; things[i] != NULL; i++)
		if (strcmp(things[i], name) == 0)
			return i;
	return -ENOENT;
}

static unsigned int
thing_count(void)
{
	return 2;
}

static const char *
thing_name(unsigned int i)
{
	return things[i];
}

static const struct dp_schema_ref thing_ref = {
	.name = "thing", .find = thing_find, .count = thing_count, .name_of = thing_name };

enum { S_N, S_I, S_C, S_NAME, S_MAC, S_NET, S_TH, S_LIST, S_SHAPE, S_MAP, S_LC, S_END };
#define DOT DP_SCHEMA_BIT(0)
#define LINE DP_SCHEMA_BIT(1)
#define BOX DP_SCHEMA_BIT(2)
static const struct dp_schema_field lc_obj = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "id", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ },
		{ .name = "cpu", .type = DP_SCHEMA_UINT, .max = 7 }, { NULL } },
};
static const struct dp_schema_field all_kinds = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		[S_N] = { .name = "n", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 2, .max = 9 },
		[S_I] = { .name = "i", .type = DP_SCHEMA_INT, .min = -5, .max = 5, .flags = DP_SCHEMA_DEF,
			  .def = -1 },
		[S_C] = { .name = "c", .type = DP_SCHEMA_ENUM, .names = colours, .flags = DP_SCHEMA_DEF,
			  .def = 2 },
		[S_NAME] = { .name = "name", .type = DP_SCHEMA_STRING, .min = 1, .max = 4 },
		[S_MAC] = { .name = "mac", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_MAC },
		[S_NET] = { .name = "net", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IPV4_PREFIX },
		[S_TH] = { .name = "th", .type = DP_SCHEMA_REF, .ref = "thing",
			   .flags = DP_SCHEMA_BY_INDEX },
		[S_LIST] = { .name = "list", .type = DP_SCHEMA_ARRAY, .min = 1, .max = 3,
			     .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_BOOL } },
		[S_SHAPE] = { .name = "shape", .type = DP_SCHEMA_OBJECT, .tag = "kind",
			.fields = (const struct dp_schema_field[]){
				{ .name = "kind", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ,
				  .names = shapes },
				{ .name = "len", .type = DP_SCHEMA_UINT, .in = LINE | BOX, .need = LINE | BOX },
				{ .name = "width", .type = DP_SCHEMA_UINT, .in = BOX },
				{ NULL } } },
		[S_MAP] = { .name = "map", .type = DP_SCHEMA_OBJECT,
			    .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_STRING } },
		[S_LC] = { .name = "lc", .type = DP_SCHEMA_UINT, .max = 100, .alt = &lc_obj },
		[S_END] = { NULL } },
};

/* The check refuses text with reason at pointer (and says so in the
 * message when want is given). */
static void
refused(const char *text, const char *reason, const char *pointer, const char *want)
{
	json_t *v = json_loads(text, JSON_ALLOW_NUL, NULL);
	struct dp_schema_val *out = (void *)1;
	struct dp_rpc_err err = { 0 };

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", NULL, &out, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.code, -32602);
	ck_assert_msg(strcmp(err.reason, reason) == 0 && strcmp(err.pointer, pointer) == 0,
		      "%s: got %s at %s (%s), want %s at %s", text, err.reason, err.pointer,
		      err.message, reason, pointer);
	if (want != NULL)
		ck_assert_msg(strstr(err.message, want) != NULL, "%s: message \"%s\" lacks \"%s\"", text,
			      err.message, want);
	json_decref(v);
}

START_TEST(schema_refusals)
{
	ck_assert_int_eq(dp_schema_ref_add(&thing_ref), 0);
	refused("{\"n\":3,\"x\":1}", "unknown_field", "/x", "unknown field 'x'");
	refused("{}", "missing_field", "/n", "field 'n' is required");
	refused("{\"n\":\"3\"}", "wrong_type", "/n", "must be an unsigned integer, not a string");
	refused("{\"n\":null}", "wrong_type", "/n", "not null");
	refused("{\"n\":3.0}", "wrong_type", "/n", NULL);
	refused("{\"n\":1}", "out_of_range", "/n", "between 2 and 9");
	refused("{\"n\":10}", "out_of_range", "/n", NULL);
	refused("{\"n\":3,\"i\":-6}", "out_of_range", "/i", "between -5 and 5");
	refused("{\"n\":3,\"i\":true}", "wrong_type", "/i", NULL);
	refused("{\"n\":3,\"c\":\"pink\"}", "bad_value", "/c", "one of: red, green, blue");
	refused("{\"n\":3,\"c\":1}", "wrong_type", "/c", NULL);
	refused("{\"n\":3,\"name\":\"\"}", "bad_value", "/name", "1..4 characters");
	refused("{\"n\":3,\"name\":\"abcde\"}", "bad_value", "/name", NULL);
	refused("{\"n\":3,\"mac\":\"02:00:00:00:00\"}", "bad_value", "/mac", "MAC address");
	refused("{\"n\":3,\"mac\":\"02:00:00:00:00:01\\u0000\"}", "bad_value", "/mac", NULL);
	refused("{\"n\":3,\"net\":\"10.0.0.0/010\"}", "bad_value", "/net", "IPv4 prefix");
	refused("{\"n\":3,\"net\":\"10.0.0.1\"}", "bad_value", "/net", NULL);
	refused("{\"n\":3,\"th\":\"gamma\"}", "not_found", "/th", "no thing \"gamma\"");
	refused("{\"n\":3,\"th\":2}", "not_found", "/th", NULL);
	refused("{\"n\":3,\"th\":-1}", "not_found", "/th", NULL);
	refused("{\"n\":3,\"th\":1.5}", "wrong_type", "/th", "a thing name or index");
	refused("{\"n\":3,\"list\":[]}", "out_of_range", "/list", "1..3 items");
	refused("{\"n\":3,\"list\":[true,true,true,true]}", "out_of_range", "/list", NULL);
	refused("{\"n\":3,\"list\":[true,1]}", "wrong_type", "/list/1", "item /list/1 must be a boolean");
	refused("{\"n\":3,\"list\":{}}", "wrong_type", "/list", NULL);
	/* a tagged object: its tag first, then what that tag takes and needs */
	refused("{\"n\":3,\"shape\":{}}", "missing_field", "/shape/kind", NULL);
	refused("{\"n\":3,\"shape\":{\"kind\":\"oval\"}}", "bad_value", "/shape/kind", NULL);
	refused("{\"n\":3,\"shape\":{\"kind\":\"dot\",\"len\":1}}", "unknown_field", "/shape/len",
		"not taken with kind \"dot\"");
	refused("{\"n\":3,\"shape\":{\"kind\":\"line\",\"width\":1,\"len\":1}}", "unknown_field",
		"/shape/width", NULL);
	refused("{\"n\":3,\"shape\":{\"kind\":\"box\",\"width\":1}}", "missing_field", "/shape/len",
		"kind \"box\" needs it");
	refused("{\"n\":3,\"shape\":{\"kind\":\"box\",\"zz\":1}}", "unknown_field", "/shape/zz", NULL);
	refused("{\"n\":3,\"map\":{\"a\":\"x\",\"b~/\":2}}", "wrong_type", "/map/b~0~1", NULL);
	/* alternatives: an integer, or an object */
	refused("{\"n\":3,\"lc\":\"1\"}", "wrong_type", "/lc",
		"must be an unsigned integer or an object, not a string");
	refused("{\"n\":3,\"lc\":101}", "out_of_range", "/lc", NULL);
	refused("{\"n\":3,\"lc\":{\"cpu\":1}}", "missing_field", "/lc/id", NULL);
	refused("{\"n\":3,\"lc\":{\"id\":1,\"cpu\":8}}", "out_of_range", "/lc/cpu", NULL);
	dp_schema_ref_reset();
	refused("{\"n\":3,\"th\":\"alpha\"}", "not_found", "/th", NULL);   /* nobody resolves */
}
END_TEST

START_TEST(schema_values)
{
	json_t *v = json_loads("{\"n\":3,\"mac\":\"02:00:00:00:00:01\",\"net\":\"10.0.0.0/8\","
			       "\"th\":\"beta\",\"list\":[true,false],\"shape\":{\"kind\":\"box\","
			       "\"len\":4},\"map\":{\"a\":\"x\"},\"lc\":{\"id\":7}}", 0, NULL);
	struct dp_schema_val *out;
	struct dp_rpc_err err = { 0 };
	const struct dp_schema_val *m;

	ck_assert_int_eq(dp_schema_ref_add(&thing_ref), 0);
	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", NULL, &out, &err), 0);
	ck_assert_int_eq(out->n, S_END);
	m = out->sub;
	ck_assert(m[S_N].set && m[S_N].u == 3);
	/* absent: not set, holding the default */
	ck_assert(!m[S_I].set && m[S_I].i == -1);
	ck_assert(!m[S_C].set && m[S_C].u == 2 && strcmp(m[S_C].s, "blue") == 0);
	ck_assert(!m[S_NAME].set && m[S_NAME].s == NULL && m[S_NAME].json == NULL);
	ck_assert(m[S_TH].set && m[S_TH].u == 1 && strcmp(m[S_TH].s, "beta") == 0);
	ck_assert_int_eq(m[S_LIST].n, 2);
	ck_assert(m[S_LIST].sub[0].b && !m[S_LIST].sub[1].b);
	ck_assert_int_eq(m[S_SHAPE].sub[0].u, 2);
	ck_assert_int_eq(m[S_SHAPE].sub[1].u, 4);
	ck_assert(!m[S_SHAPE].sub[2].set);
	ck_assert_int_eq(m[S_MAP].n, 1);
	ck_assert_str_eq(m[S_MAP].sub[0].key, "a");
	ck_assert_str_eq(m[S_MAP].sub[0].s, "x");
	/* which alternative matched */
	ck_assert_ptr_eq(m[S_LC].decl, &lc_obj);
	ck_assert_int_eq(m[S_LC].sub[0].u, 7);
	dp_schema_val_free(out);
	json_decref(v);

	/* an index names a thing too */
	v = json_loads("{\"n\":2,\"th\":0,\"lc\":5}", 0, NULL);
	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", NULL, &out, &err), 0);
	ck_assert(out->sub[S_TH].u == 0 && out->sub[S_TH].s == NULL);
	ck_assert_ptr_eq(out->sub[S_LC].decl, &all_kinds.fields[S_LC]);
	dp_schema_val_free(out);
	json_decref(v);
	dp_schema_ref_reset();
}
END_TEST

/* The config's wording: a path under a root, the same reasons. */
START_TEST(schema_config_style)
{
	json_t *v = json_loads("{\"n\":3,\"list\":[true,\"x\"]}", 0, NULL);
	struct dp_schema_val *out;
	struct dp_rpc_err err = { 0 };

	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", "config", &out, &err), -1);
	ck_assert_str_eq(err.message, "config.list[1]: must be a boolean, not a string");
	ck_assert_str_eq(err.pointer, "/list/1");
	json_decref(v);
	v = json_loads("{\"n\":3,\"shape\":{\"kind\":\"dot\",\"colour\":1}}", 0, NULL);
	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", "config", &out, &err), -1);
	ck_assert_str_eq(err.message, "config.shape: unknown member \"colour\"");
	json_decref(v);
	v = json_loads("{}", 0, NULL);
	ck_assert_int_eq(dp_schema_check(&all_kinds, v, "", "config", &out, &err), -1);
	ck_assert_str_eq(err.message, "config: \"n\" is required");
	json_decref(v);
}
END_TEST

/* each one malformed in its own way */
static const struct dp_schema_field bad_decls[] = {
	{ .type = 0 },
	{ .type = DP_SCHEMA_ENUM },
	{ .type = DP_SCHEMA_ENUM, .names = colours, .flags = DP_SCHEMA_DEF, .def = 3 },
	{ .type = DP_SCHEMA_UINT, .min = -1 },
	{ .type = DP_SCHEMA_UINT, .min = 5, .max = 4 },
	{ .type = DP_SCHEMA_UINT, .max = 4, .flags = DP_SCHEMA_DEF, .def = 5 },
	{ .type = DP_SCHEMA_STRING, .min = 3, .max = 2 },
	{ .type = DP_SCHEMA_REF },
	{ .type = DP_SCHEMA_BOOL, .example = "{nope" },
	{ .type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "a", .type = DP_SCHEMA_BOOL }, { .name = "a", .type = DP_SCHEMA_BOOL },
		{ NULL } } },
	{ .type = DP_SCHEMA_OBJECT, .tag = "t", .fields = (const struct dp_schema_field[]){
		{ .name = "t", .type = DP_SCHEMA_ENUM, .names = colours }, { NULL } } },
	{ .type = DP_SCHEMA_ARRAY, .items = &(const struct dp_schema_field){ .type = 99 } },
	{ .type = DP_SCHEMA_UINT, .alt = &(const struct dp_schema_field){ .type = DP_SCHEMA_UINT } },
};

START_TEST(schema_declarations)
{
	json_t *j, *e;

	for (size_t i = 0; i < sizeof(bad_decls) / sizeof(bad_decls[0]); i++)
		ck_assert_msg(dp_schema_valid(&bad_decls[i]) == -EINVAL, "declaration %zu passed", i);
	ck_assert_int_eq(dp_schema_valid(&all_kinds), 0);

	/* as JSON Schema: the tagged object as one branch per tag value */
	ck_assert_int_eq(dp_schema_ref_add(&thing_ref), 0);
	j = dp_schema_json(&all_kinds);
	e = json_object_get(json_object_get(j, "properties"), "shape");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "discriminator"),
							   "propertyName")), "kind");
	ck_assert_int_eq(json_array_size(json_object_get(e, "oneOf")), 3);
	e = json_array_get(json_object_get(e, "oneOf"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(e,
		"properties"), "kind"), "const")), "box");
	ck_assert_int_eq(json_array_size(json_object_get(e, "required")), 2);
	e = json_object_get(json_object_get(j, "properties"), "th");
	ck_assert_int_eq(json_array_size(json_object_get(e, "type")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(e, "x-known"), 1)), "beta");
	e = json_object_get(json_object_get(j, "properties"), "lc");
	ck_assert_int_eq(json_array_size(json_object_get(e, "oneOf")), 2);
	e = json_object_get(json_object_get(j, "properties"), "net");
	ck_assert_str_eq(json_string_value(json_object_get(e, "format")), "ipv4-prefix");
	json_decref(j);

	/* an example: required members and those with a default or a name to give */
	j = dp_schema_example(&all_kinds);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "c")), "blue");
	ck_assert_str_eq(json_string_value(json_object_get(j, "th")), "alpha");
	ck_assert_ptr_null(json_object_get(j, "mac"));
	json_decref(j);
	dp_schema_ref_reset();
}
END_TEST

/* Through the dispatcher: the handler runs only on params as declared. */
static int tagged_calls;

static int
m_tagged(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	 void *arg)
{
	(void)params;
	(void)err;
	(void)arg;
	tagged_calls++;
	*result = json_pack("{s:I,s:s}", "n", (json_int_t)v[S_N].u, "c", v[S_C].s);
	return 0;
}

static const struct dp_rpc_method tagged_decl = {
	.name = "test.kinds", .description = "every kind", .params = NULL,
};

START_TEST(schema_dispatch)
{
	struct dp_rpc_method d = tagged_decl;	/* registered until the reset below */
	json_t *r;

	d.params = all_kinds.fields;
	ck_assert_int_eq(dp_schema_ref_add(&thing_ref), 0);
	ck_assert_int_eq(dp_rpc_register(&d, m_tagged, NULL, NULL), 0);
	expect_error(REQ("test.kinds", "{\"n\":3,\"shape\":{\"kind\":\"dot\",\"width\":2}}"), -32602,
		     "unknown_field", "/shape/width");
	expect_error(REQ("test.kinds", "{\"n\":3,\"th\":\"nope\"}"), -32602, "not_found", "/th");
	expect_error(REQ("test.kinds", "{\"n\":3,\"list\":[1]}"), -32602, "wrong_type", "/list/0");
	ck_assert_int_eq(tagged_calls, 0);
	r = call(REQ("test.kinds", "{\"n\":4,\"th\":1}"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "n")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "result"), "c")), "blue");
	json_decref(r);
	ck_assert_int_eq(tagged_calls, 1);
	dp_rpc_reset();
	dp_schema_ref_reset();
}
END_TEST

/* ---- the socket server */

struct tc {
	int fd;
	size_t len;
	char buf[1 << 16];
};

static char sock_dir[64], sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void
server_open_opts(struct dp_ctl_opts *o)
{
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/test_rpc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sock_dir));
	/* a missing parent directory is created */
	snprintf(sock_path, sizeof(sock_path), "%s/run/ctl.sock", sock_dir);
	o->path = sock_path;
	o->mode = 0660;
	ck_assert_int_eq(dp_ctl_open(o), 0);
}

static void
server_open(size_t max_msg, unsigned int max_clients, size_t max_outq)
{
	struct dp_ctl_opts o = { .max_msg = max_msg, .max_clients = max_clients, .max_outq = max_outq };

	server_open_opts(&o);
}

static void
server_cleanup(void)
{
	char d[96];

	dp_ctl_close();
	unlink(sock_path);
	snprintf(d, sizeof(d), "%s/run", sock_dir);
	rmdir(d);
	rmdir(sock_dir);
}

static struct tc *
tc_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tc *c = calloc(1, sizeof(*c));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(c->fd, 0);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	dp_ctl_poll(0);		/* accept */
	return c;
}

static void
tc_free(struct tc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static void
tc_send(struct tc *c, const char *s, size_t n)
{
	ck_assert_int_eq(send(c->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
tc_sends(struct tc *c, const char *s)
{
	tc_send(c, s, strlen(s));
}

/* Poll the server until c has a whole line; returns it parsed (NULL on EOF). */
static json_t *
tc_recv(struct tc *c)
{
	char *nl;
	json_t *r;
	ssize_t n;
	int i;

	for (i = 0; i < 400; i++) {
		nl = memchr(c->buf, '\n', c->len);
		if (nl != NULL) {
			r = json_loadb(c->buf, (size_t)(nl - c->buf), 0, NULL);
			ck_assert_ptr_nonnull(r);
			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len);
			return r;
		}
		dp_ctl_poll(5);
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0)
			return NULL;
		if (n > 0)
			c->len += (size_t)n;
	}
	ck_abort_msg("no response");
	return NULL;
}

static json_int_t
tc_recv_id(struct tc *c)
{
	json_t *r = tc_recv(c);
	json_int_t id;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	id = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	return id;
}

/* Nothing arrives for c within a few rounds. */
static void
tc_quiet(struct tc *c)
{
	int i;

	for (i = 0; i < 5; i++)
		dp_ctl_poll(1);
	ck_assert_int_lt(recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT), 0);
}

#define ECHO(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"test.echo\"," \
	"\"params\":{\"a\":1,\"s\":\"s\"}}\n"

START_TEST(socket_clients)
{
	struct tc *a, *b, *c, *d, *e;
	char who[128];
	struct stat st;
	json_t *r;

	server_open(1024, 4, 0);
	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);

	a = tc_connect();
	b = tc_connect();
	c = tc_connect();
	ck_assert_uint_eq(dp_ctl_clients(), 3);
	snprintf(who, sizeof(who), "connected pid=%ld uid=%ld gid=%ld", (long)getpid(),
		 (long)getuid(), (long)getgid());
	ck_assert_msg(strstr(log_buf, who) != NULL, "log: %s", log_buf);

	/* a's request arrives in pieces around b's and c's */
	tc_sends(a, "{\"jsonrpc\":\"2.0\",\"id\":10,");
	dp_ctl_poll(0);
	tc_sends(b, ECHO(20));
	dp_ctl_poll(0);
	tc_sends(c, ECHO(30) ECHO(31) "\n  \r\n" ECHO(32));	/* blank lines ignored */
	dp_ctl_poll(0);
	tc_sends(a, "\"method\":\"test.echo\",\"params\":{\"a\":1,");
	ck_assert_int_eq(tc_recv_id(b), 20);
	tc_sends(a, "\"s\":\"s\"}}\r\n" ECHO(11));
	ck_assert_int_eq(tc_recv_id(c), 30);
	ck_assert_int_eq(tc_recv_id(c), 31);
	ck_assert_int_eq(tc_recv_id(c), 32);
	ck_assert_int_eq(tc_recv_id(a), 10);
	ck_assert_int_eq(tc_recv_id(a), 11);
	tc_quiet(b);

	/* the peer seen by a method */
	tc_sends(b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.whoami\"}\n");
	r = tc_recv(b);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "pid")),
			 getpid());
	json_decref(r);

	/* d closes in the middle of a line: only d goes away */
	d = tc_connect();
	ck_assert_uint_eq(dp_ctl_clients(), 4);
	tc_sends(d, "{\"jsonrpc\":\"2.0\",\"id\":");
	dp_ctl_poll(0);
	close(d->fd);
	d->fd = -1;
	tc_sends(a, ECHO(12));
	ck_assert_int_eq(tc_recv_id(a), 12);
	ck_assert_uint_eq(dp_ctl_clients(), 3);
	tc_free(d);

	/* over max_clients, nobody idle long enough to evict: told why, closed */
	d = tc_connect();
	e = tc_connect();
	r = tc_recv(e);
	check_error(r, -32000, "server_full", "");
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	ck_assert_ptr_null(tc_recv(e));
	ck_assert_ptr_nonnull(strstr(log_buf, "refused"));
	tc_free(e);
	tc_free(d);
	tc_sends(a, ECHO(13));
	ck_assert_int_eq(tc_recv_id(a), 13);
	ck_assert_uint_eq(dp_ctl_clients(), 3);

	/* the access hook sees the peer's credentials */
	dp_ctl_allow = deny_self;
	d = tc_connect();
	r = tc_recv(d);
	check_error(r, -32000, "not_allowed", "");
	json_decref(r);
	ck_assert_ptr_null(tc_recv(d));
	ck_assert_ptr_nonnull(strstr(log_buf, "not allowed"));
	tc_free(d);
	dp_ctl_allow = NULL;

	/* a client that sends and leaves before the answer: no SIGPIPE */
	d = tc_connect();
	tc_sends(d, ECHO(40) ECHO(41));
	close(d->fd);
	d->fd = -1;
	tc_free(d);
	tc_sends(b, ECHO(21));
	ck_assert_int_eq(tc_recv_id(b), 21);
	ck_assert_uint_eq(dp_ctl_clients(), 3);

	/* the last request without newline, then shutdown(SHUT_WR): answered */
	tc_sends(c, "{\"jsonrpc\":\"2.0\",\"id\":33,\"method\":\"test.count\"}");
	shutdown(c->fd, SHUT_WR);
	ck_assert_int_eq(tc_recv_id(c), 33);
	ck_assert_ptr_null(tc_recv(c));
	ck_assert_uint_eq(dp_ctl_clients(), 2);
	/* its calls are counted (no method here has a fast path) */
	ck_assert_msg(strstr(log_buf, "disconnected (end of input) after 4 calls, 0 decoded by a "
			     "fast path") != NULL, "log: %s", log_buf);

	tc_free(a);
	tc_free(b);
	tc_free(c);
	server_cleanup();
	ck_assert_int_ne(access(sock_path, F_OK), 0);
}
END_TEST

START_TEST(socket_too_large)
{
	static const char garbage[] = "{\"a\0\xff}\n";
	char big[1500], line[1100];
	struct tc *a, *b;
	json_t *r;
	int i, n;

	server_open(1024, 0, 0);
	a = tc_connect();
	b = tc_connect();

	/* 5000 bytes in pieces, polled between: one too_large, the rest dropped */
	memset(big, 'x', 1000);
	for (i = 0; i < 5; i++) {
		tc_send(a, big, 1000);
		dp_ctl_poll(0);
	}
	tc_sends(a, "\n" ECHO(2));
	r = tc_recv(a);
	check_error(r, -32600, "too_large", "");
	ck_assert(json_is_null(json_object_get(r, "id")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(r,
			 "error"), "data"), "limit")), 1024);
	json_decref(r);
	ck_assert_int_eq(tc_recv_id(a), 2);

	/* exactly max_msg bytes is fine, one more is not */
	n = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test.count\"}");
	memset(line + n, ' ', 1024 - n);
	line[1024] = '\n';
	tc_send(a, line, 1025);
	ck_assert_int_eq(tc_recv_id(a), 3);
	memset(line + n, ' ', 1025 - n);
	line[1025] = '\n';
	tc_send(a, line, 1026);
	r = tc_recv(a);
	check_error(r, -32600, "too_large", "");
	json_decref(r);

	/* whole over-long line in one write, then garbage with NUL bytes */
	memset(big, 'y', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	tc_send(a, big, sizeof(big));
	tc_send(a, garbage, sizeof(garbage) - 1);
	tc_sends(a, ECHO(4));
	r = tc_recv(a);
	check_error(r, -32600, "too_large", "");
	json_decref(r);
	r = tc_recv(a);
	check_error(r, -32700, "parse_error", "");
	json_decref(r);
	ck_assert_int_eq(tc_recv_id(a), 4);

	/* the other client never noticed */
	tc_sends(b, ECHO(9));
	ck_assert_int_eq(tc_recv_id(b), 9);
	tc_quiet(b);
	ck_assert_uint_eq(dp_ctl_clients(), 2);
	tc_free(a);
	tc_free(b);
	server_cleanup();
}
END_TEST

/* Many requests cut at random places: every one answered, in order. */
START_TEST(socket_random_chunks)
{
	static char all[200 * 100];
	struct tc *a;
	size_t len = 0, off, n;
	int i;

	server_open(0, 0, 0);
	a = tc_connect();
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(all + len, sizeof(all) - len,
					"{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"test.echo\","
					"\"params\":{\"a\":%d,\"s\":\"%*s\"}}\n%s",
					i, i % 11, i % 17, "", i % 5 ? "" : "\n");
	srand(1);
	for (off = 0; off < len; off += n) {
		n = 1 + (size_t)rand() % 150;
		if (n > len - off)
			n = len - off;
		tc_send(a, all + off, n);
		if (rand() % 2)
			dp_ctl_poll(0);
	}
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(tc_recv_id(a), i);
	tc_quiet(a);
	tc_free(a);
	server_cleanup();
}
END_TEST

START_TEST(socket_slow_reader)
{
	static const char req[] =
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.big\",\"params\":{\"n\":4000}}\n";
	struct tc *a, *b;
	int i;

	server_open(0, 0, 64 << 10);
	a = tc_connect();
	b = tc_connect();
	/* a sends forever and never reads: dropped once 64 KiB are queued */
	for (i = 0; i < 20000 && dp_ctl_clients() == 2; i++) {
		send(a->fd, req, sizeof(req) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		dp_ctl_poll(0);
	}
	ck_assert_uint_eq(dp_ctl_clients(), 1);
	ck_assert_ptr_nonnull(strstr(log_buf, "not reading"));
	tc_sends(b, ECHO(5));
	ck_assert_int_eq(tc_recv_id(b), 5);
	tc_free(a);
	tc_free(b);
	server_cleanup();
}
END_TEST

START_TEST(socket_open_errors)
{
	struct dp_ctl_opts o = { .path = NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char longp[200];
	struct tc *a;
	json_t *r;
	int fd;

	server_open(0, 0, 0);
	o.path = sock_path;
	ck_assert_int_eq(dp_ctl_open(&o), -EBUSY);
	/* a method closing the server: takes effect after its round */
	a = tc_connect();
	tc_sends(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.close\"}\n");
	r = tc_recv(a);		/* answered, then closed */
	ck_assert(json_is_true(json_object_get(r, "result")));
	json_decref(r);
	ck_assert_ptr_null(tc_recv(a));
	ck_assert_int_eq(dp_ctl_poll(0), -EBADF);
	ck_assert_int_ne(access(sock_path, F_OK), 0);
	tc_free(a);

	/* a live listener on the path is left alone */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(dp_ctl_open(&o), -EADDRINUSE);
	/* the same socket without listener is stale and replaced */
	close(fd);
	ck_assert_int_eq(dp_ctl_open(&o), 0);
	dp_ctl_close();
	/* never unlink something that is not a socket */
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(dp_ctl_open(&o), -EEXIST);
	ck_assert_int_eq(access(sock_path, F_OK), 0);

	memset(longp, 'p', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	o.path = longp;
	ck_assert_int_eq(dp_ctl_open(&o), -ENAMETOOLONG);
	o.path = "";
	ck_assert_int_eq(dp_ctl_open(&o), -EINVAL);
	ck_assert_int_eq(dp_ctl_open(NULL), -EINVAL);
	server_cleanup();
}
END_TEST

/* ---- limits and fairness: a hostile or buggy client costs bounded memory
 * and a bounded share of each round. Counted in poll rounds and a fake
 * clock, never in wall time. */

static uint64_t fake_now;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

/* the next line c gets is an error with this reason and a null id */
static void
tc_expect_error(struct tc *c, int code, const char *reason)
{
	json_t *r = tc_recv(c);

	ck_assert_msg(r != NULL, "no %s error before the close", reason);
	check_error(r, code, reason, "");
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
}

START_TEST(socket_idle_timeout)
{
	struct dp_ctl_opts o = { .idle_timeout_ms = 60000 };
	struct tc *a, *b;

	fake_now = 1000000;
	dp_ctl_clock_ms = fake_clock;
	server_open_opts(&o);
	a = tc_connect();
	b = tc_connect();
	tc_sends(a, ECHO(1));
	ck_assert_int_eq(tc_recv_id(a), 1);
	fake_now += 59000;
	tc_sends(b, ECHO(2));   /* b is busy, a only waits */
	ck_assert_int_eq(tc_recv_id(b), 2);
	fake_now += 1000;
	dp_ctl_poll(0);
	ck_assert_uint_eq(dp_ctl_clients(), 1);
	tc_expect_error(a, -32000, "idle_timeout");
	ck_assert_ptr_null(tc_recv(a));
	ck_assert_ptr_nonnull(strstr(log_buf, "idle timeout"));
	/* b, busy a minute ago, is not idle yet */
	tc_sends(b, ECHO(3));
	ck_assert_int_eq(tc_recv_id(b), 3);
	tc_free(a);
	tc_free(b);
	server_cleanup();
}
END_TEST

START_TEST(socket_full_evicts_idle)
{
	struct dp_ctl_opts o = { .max_clients = 2, .evict_idle_ms = 5000 };
	struct tc *a, *b, *c, *d;

	fake_now = 1000000;
	dp_ctl_clock_ms = fake_clock;
	server_open_opts(&o);
	a = tc_connect();
	fake_now += 1000;
	b = tc_connect();
	/* nobody idle long enough: the newcomer is refused, with a reason */
	c = tc_connect();
	tc_expect_error(c, -32000, "server_full");
	ck_assert_ptr_null(tc_recv(c));
	tc_free(c);
	/* later: the client idle longest (a) makes room and is told so */
	fake_now += 5500;
	tc_sends(b, ECHO(1));
	ck_assert_int_eq(tc_recv_id(b), 1);
	d = tc_connect();
	tc_expect_error(a, -32000, "evicted");
	ck_assert_ptr_null(tc_recv(a));
	tc_sends(d, ECHO(2));
	ck_assert_int_eq(tc_recv_id(d), 2);
	ck_assert_uint_eq(dp_ctl_clients(), 2);
	tc_free(a);
	tc_free(b);
	tc_free(d);
	server_cleanup();
}
END_TEST

START_TEST(socket_reply_and_batch_limits)
{
	struct dp_ctl_opts o = { .max_reply = 13000, .max_batch = 8 };
	char batch[4096];
	struct tc *a;
	size_t off = 0;
	json_t *r;
	int i, ran;

	server_open_opts(&o);
	a = tc_connect();
	/* one reply over the cap: an error that says so, with the call's id */
	tc_sends(a, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"test.big\",\"params\":{\"n\":14000}}\n");
	r = tc_recv(a);
	check_error(r, -32000, "reply_too_large", "");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7);
	json_decref(r);
	/* a batch whose reply passes the cap: the rest is not run */
	off += (size_t)snprintf(batch + off, sizeof(batch) - off, "[");
	for (i = 0; i < 8; i++)
		off += (size_t)snprintf(batch + off, sizeof(batch) - off,
			"%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{%s}}", i ? "," : "",
			i, i % 2 ? "test.count" : "test.big", i % 2 ? "" : "\"n\":6000");
	snprintf(batch + off, sizeof(batch) - off, "]\n");
	tc_sends(a, batch);
	r = tc_recv(a);
	ck_assert(json_is_array(r));
	ck_assert_uint_eq(json_array_size(r), 8);
	ran = 0;
	for (i = 0; i < 8; i++) {
		json_t *e = json_array_get(r, (size_t)i);

		if (json_object_get(e, "result") != NULL)
			ran++;
		else
			ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
				json_object_get(e, "error"), "data"), "reason")), "reply_too_large");
	}
	/* ~6 KB per test.big: the third passes 13,000 bytes; what follows it is
	 * not run (test.count ran only before the cap) */
	ck_assert_int_eq(ran, 5);
	ck_assert_int_eq(notified, 2);
	json_decref(r);
	/* a batch over max_batch is refused whole */
#define C(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"test.count\"}"
	tc_sends(a, "[" C(1) "," C(2) "," C(3) "," C(4) "," C(5) "," C(6) "," C(7) "," C(8) ","
		    C(9) "]\n");
#undef C
	tc_expect_error(a, -32600, "batch_too_large");
	tc_free(a);
	server_cleanup();
}
END_TEST

/* A 1,000-call batch from one client; another client's single call is
 * answered within a round or two, not after the batch. */
START_TEST(socket_fair_rounds)
{
	struct dp_ctl_opts o = { .calls_per_round = 4 };
	static char batch[1000 * 64];
	struct tc *a, *b;
	size_t off = 0;
	json_t *r;
	int i, rounds = 0;

	server_open_opts(&o);
	a = tc_connect();
	b = tc_connect();
	off += (size_t)snprintf(batch, sizeof(batch), "[");
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(batch + off, sizeof(batch) - off,
			"%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"test.count\"}", i ? "," : "", i);
	snprintf(batch + off, sizeof(batch) - off, "]\n");
	tc_sends(a, batch);
	for (i = 0; i < 20 && notified == 0; i++)
		dp_ctl_poll(0);   /* until a's batch has started */
	ck_assert_int_gt(notified, 0);
	tc_sends(b, ECHO(5));
	while (b->len == 0 || memchr(b->buf, '\n', b->len) == NULL) {
		ssize_t n;

		ck_assert_int_lt(rounds, 3);
		dp_ctl_poll(0);
		rounds++;
		n = recv(b->fd, b->buf + b->len, sizeof(b->buf) - b->len, MSG_DONTWAIT);
		if (n > 0)
			b->len += (size_t)n;
	}
	ck_assert_int_eq(tc_recv_id(b), 5);
	ck_assert_int_lt(notified, 1000);   /* a's batch is still going */
	for (i = 0; i < 400 && notified < 1000; i++)
		dp_ctl_poll(0);
	ck_assert_int_eq(notified, 1000);
	r = tc_recv(a);
	ck_assert_uint_eq(json_array_size(r), 1000);
	json_decref(r);
	tc_free(a);
	tc_free(b);
	server_cleanup();
}
END_TEST

/* Clients parking long partial lines cannot take more than the server's
 * memory budget: the one that would pass it is told and closed. */
START_TEST(socket_memory_bounded)
{
	struct dp_ctl_opts o = { .max_msg = 1 << 20, .max_mem = 1 << 20, .max_clients = 16 };
	static char part[200 << 10];
	struct tc *c[8];
	int i, k, closed = 0;

	server_open_opts(&o);
	memset(part, 'x', sizeof(part));
	memcpy(part, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\",\"params\":{\"s\":\"", 60);
	for (i = 0; i < 8; i++)
		c[i] = tc_connect();
	/* each sends 200 KiB without a newline, a piece at a time */
	for (k = 0; k < 4; k++)
		for (i = 0; i < 8; i++) {
			send(c[i]->fd, part + k * (50 << 10), 50 << 10, MSG_NOSIGNAL | MSG_DONTWAIT);
			dp_ctl_poll(0);
		}
	for (k = 0; k < 10; k++)
		dp_ctl_poll(0);
	ck_assert_uint_le(dp_ctl_memory(), 1 << 20);
	for (i = 0; i < 8; i++) {
		ssize_t n = recv(c[i]->fd, c[i]->buf, sizeof(c[i]->buf), MSG_DONTWAIT);

		if (n > 0 && strstr(c[i]->buf, "memory_limit") != NULL)
			closed++;
	}
	ck_assert_int_gt(closed, 0);
	ck_assert_uint_eq(dp_ctl_clients(), (unsigned int)(8 - closed));
	/* the survivors finish their lines and are answered */
	for (i = 0; i < 8; i++) {
		if (dp_ctl_clients() == 0)
			break;
		send(c[i]->fd, "\"}}\n", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	for (k = 0; k < 20; k++)
		dp_ctl_poll(0);
	ck_assert_uint_le(dp_ctl_memory(), 1 << 20);
	for (i = 0; i < 8; i++)
		tc_free(c[i]);
	server_cleanup();
}
END_TEST

/* A partial line and EOF: answered in the next round, then closed. */
START_TEST(socket_partial_line_at_eof)
{
	struct dp_ctl_opts o = { 0 };
	struct tc *a;
	int i;

	server_open_opts(&o);
	a = tc_connect();
	tc_sends(a, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"test.count\"}");
	shutdown(a->fd, SHUT_WR);
	for (i = 0; i < 2; i++)
		dp_ctl_poll(0);
	ck_assert_int_eq(notified, 1);
	ck_assert_int_eq(tc_recv_id(a), 9);
	ck_assert_ptr_null(tc_recv(a));
	ck_assert_uint_eq(dp_ctl_clients(), 0);
	tc_free(a);
	server_cleanup();
}
END_TEST

/* test.slow: a call that takes 50 ms of the fake clock */
static int slow_calls, slow_before_count;

static int
m_slow(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	(void)params;
	(void)v;
	(void)err;
	(void)arg;
	slow_calls++;
	fake_now += 50;
	*result = json_true();
	return 0;
}

/* test.count that also notes how many slow calls ran before it */
static int
m_count_after(json_t *params, const struct dp_schema_val *v, json_t **result,
	      struct dp_rpc_err *err, void *arg)
{
	slow_before_count = slow_calls;
	return m_count(params, v, result, err, arg);
}

static const struct dp_rpc_method slow_decl = {
	.name = "test.slow", .description = "slow", .params = dp_schema_none };
static const struct dp_rpc_method count_after_decl = {
	.name = "test.count_after", .description = "c", .params = dp_schema_none };

/* Send all of s, polling the server while c's socket is full. */
static void
tc_send_all(struct tc *c, const char *s, size_t n)
{
	int i;

	for (i = 0; n > 0 && i < 10000; i++) {
		ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k > 0) {
			s += k;
			n -= (size_t)k;
		}
		dp_ctl_poll(0);
	}
	ck_assert_uint_eq(n, 0);
}

/* c has a whole line now (without polling the server) */
static int
tc_has_line(struct tc *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);

	if (n > 0)
		c->len += (size_t)n;
	return memchr(c->buf, '\n', c->len) != NULL;
}

/* Six clients leave an expensive request without its newline and shut
 * down their write side at once (the old server ran all such lines in one
 * round: ~11 s with 60 parked 15 MiB lines). Each round now runs at most
 * one expensive call past its time budget, and another client's call goes
 * before all but one or two of them. */
START_TEST(socket_partial_lines_at_eof_fair)
{
	struct dp_ctl_opts o = { .max_clients = 16 };
	struct tc *h[6], *b;
	char req[128];
	int i, rounds, before;

	fake_now = 1000000;
	dp_ctl_clock_ms = fake_clock;
	ck_assert_int_eq(dp_rpc_register(&slow_decl, m_slow, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&count_after_decl, m_count_after, NULL, NULL), 0);
	server_open_opts(&o);
	b = tc_connect();
	for (i = 0; i < 6; i++) {
		h[i] = tc_connect();
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"test.slow\"}", i);
		tc_sends(h[i], req);
	}
	dp_ctl_poll(0);
	for (i = 0; i < 6; i++)
		shutdown(h[i]->fd, SHUT_WR);
	tc_sends(b, "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"test.count_after\"}\n");
	for (rounds = 0; !tc_has_line(b); rounds++) {
		ck_assert_int_lt(rounds, 3);
		before = slow_calls;
		dp_ctl_poll(0);
		ck_assert_int_le(slow_calls - before, 1);   /* one past the budget, no more */
	}
	ck_assert_int_le(slow_before_count, 2);
	ck_assert_int_eq(tc_recv_id(b), 77);
	/* all answered, one per round, and closed */
	for (i = 0; i < 6; i++) {
		ck_assert_int_ge(tc_recv_id(h[i]), 0);
		ck_assert_ptr_null(tc_recv(h[i]));
		tc_free(h[i]);
	}
	ck_assert_int_eq(slow_calls, 6);
	tc_free(b);
	server_cleanup();
}
END_TEST

/* A client sending a 3 MiB line (read 64 KiB a round) and then a batch of
 * slow calls (50 ms each, over the 10 ms round budget): another client's calls are answered within two rounds all
 * along, and the long line is answered too. */
START_TEST(socket_long_line_fair)
{
	struct dp_ctl_opts o = { .max_msg = 4 << 20 };
	static char line[3 << 20];
	size_t len, off = 0;
	struct tc *a, *b;
	int id = 0, rounds, sent = 0;
	json_t *r;

	fake_now = 1000000;
	dp_ctl_clock_ms = fake_clock;
	ck_assert_int_eq(dp_rpc_register(&slow_decl, m_slow, NULL, NULL), 0);
	server_open_opts(&o);
	a = tc_connect();
	b = tc_connect();
	len = (size_t)snprintf(line, sizeof(line),
			       "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.count\",\"params\":{\"pad\":\"");
	memset(line + len, 'x', sizeof(line) - len - 256);
	len = sizeof(line) - 256;
	len += (size_t)snprintf(line + len, 256, "\"}}\n[" "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test.slow\"},"
				"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test.slow\"}]\n");
	while (off < len || slow_calls < 2) {
		ssize_t n = off < len ? send(a->fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;

		if (n > 0)
			off += (size_t)n;
		snprintf(b->buf + sizeof(b->buf) - 128, 128, "{\"jsonrpc\":\"2.0\",\"id\":%d,"
			 "\"method\":\"test.count\"}\n", ++id);
		tc_sends(b, b->buf + sizeof(b->buf) - 128);
		for (rounds = 0; !tc_has_line(b); rounds++) {
			ck_assert_int_lt(rounds, 2);
			dp_ctl_poll(0);
		}
		ck_assert_int_eq(tc_recv_id(b), id);
		sent++;
		ck_assert_int_lt(sent, 400);
	}
	ck_assert_int_gt(sent, 10);   /* b was served all along a's line */
	ck_assert_int_eq(tc_recv_id(a), 1);
	r = tc_recv(a);
	ck_assert_uint_eq(json_array_size(r), 2);
	json_decref(r);
	tc_free(a);
	tc_free(b);
	server_cleanup();
}
END_TEST

/* Clients parking long lines fill the memory budget; one that sends small
 * requests still gets in and is answered (its first 64 KiB are its own). */
#define EXCL(id, name) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"test.exclusive\"," \
	"\"params\":{\"name\":\"" name "\"}}\n"

static json_int_t
tc_exclusive(struct tc *c, const char *line)
{
	json_t *r;
	json_int_t n;

	tc_sends(c, line);
	r = tc_recv(c);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(json_is_integer(json_object_get(r, "result")), "not answered");
	n = json_integer_value(json_object_get(r, "result"));
	json_decref(r);
	return n;
}

/* A restarted controller's fence: once its claim of the name is answered,
 * nothing its predecessor sent is run any more, however much it left queued. */
START_TEST(socket_exclusive_fence)
{
	struct tc *a, *b, *c;
	char burst[200 * 64];
	size_t len = 0;
	int at_claim;
	json_t *r;

	server_open(1024, 4, 0);
	a = tc_connect();
	b = tc_connect();
	ck_assert_int_eq(tc_exclusive(a, EXCL(1, "sxcd")), 0);
	ck_assert_int_eq(tc_exclusive(b, EXCL(1, "other")), 0);
	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(burst + len, sizeof(burst) - len,
					"{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"test.count\"}\n", 100 + i);
	tc_send(a, burst, len);
	dp_ctl_poll(0);
	ck_assert_int_lt(notified, 200);	/* some left queued: a round serves a share */
	c = tc_connect();
	ck_assert_int_eq(tc_exclusive(c, EXCL(1, "sxcd")), 1);
	at_claim = notified;
	ck_assert_int_lt(at_claim, 200);
	ck_assert_ptr_nonnull(strstr(log_buf, "replaced as \"sxcd\""));
	/* a is closed: what reached it before, then end of input */
	while ((r = tc_recv(a)) != NULL)
		json_decref(r);
	for (int i = 0; i < 5; i++)
		dp_ctl_poll(1);
	ck_assert_int_eq(notified, at_claim);
	/* the others go on; another name closes nobody */
	tc_sends(b, ECHO(2));
	ck_assert_int_eq(tc_recv_id(b), 2);
	ck_assert_int_eq(tc_exclusive(c, EXCL(2, "sxcd")), 0);
	ck_assert_uint_eq(dp_ctl_clients(), 2);
	tc_sends(b, EXCL(3, ""));
	r = tc_recv(b);
	ck_assert_ptr_nonnull(json_object_get(r, "error"));
	json_decref(r);
	tc_free(a);
	tc_free(b);
	tc_free(c);
	server_cleanup();
}
END_TEST

START_TEST(socket_memory_small_client_not_locked_out)
{
	struct dp_ctl_opts o = { .max_msg = 1 << 20, .max_mem = 1 << 20 };
	static char part[600 << 10];
	struct tc *h[4], *b;
	int i, k, told = 0;

	server_open_opts(&o);
	memset(part, 'x', sizeof(part));
	for (i = 0; i < 4; i++)
		h[i] = tc_connect();
	for (k = 0; k < 12; k++)
		for (i = 0; i < 4; i++) {
			(void)!send(h[i]->fd, part + k * (50 << 10), 50 << 10, MSG_NOSIGNAL | MSG_DONTWAIT);
			dp_ctl_poll(0);
		}
	for (i = 0; i < 4; i++) {
		ssize_t n = recv(h[i]->fd, h[i]->buf, sizeof(h[i]->buf) - 1, MSG_DONTWAIT);

		if (n > 0) {
			h[i]->buf[n] = '\0';
			told += strstr(h[i]->buf, "\"memory_limit\"") != NULL;
		}
	}
	ck_assert_int_gt(told, 0);
	ck_assert_int_lt(told, 4);
	b = tc_connect();
	tc_sends(b, ECHO(4));
	ck_assert_int_eq(tc_recv_id(b), 4);
	for (i = 0; i < 4; i++)
		tc_free(h[i]);
	tc_free(b);
	server_cleanup();
}
END_TEST

/* A request that decodes to more than max_decoded is refused before it
 * runs (too_complex); a batch whose tree does not fit in what the other
 * clients leave of max_mem is refused (memory_limit); the connection stays. */
START_TEST(socket_decoded_limits)
{
	struct dp_ctl_opts o = { .max_decoded = 1 << 20, .max_mem = 4 << 20 };
	static char req[300 << 10];
	struct tc *a;
	size_t off;
	int i;

	server_open_opts(&o);
	a = tc_connect();
	/* 100,000 empty objects: 300 KB of text, over 10 MB decoded */
	off = (size_t)snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"test.count\","
			       "\"params\":{\"x\":[");
	for (i = 0; off + 8 < sizeof(req); i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s{}", i ? "," : "");
	snprintf(req + off, sizeof(req) - off, "]}}\n");
	tc_send_all(a, req, strlen(req));
	tc_expect_error(a, -32600, "too_complex");
	ck_assert_int_eq(notified, 0);
	tc_sends(a, ECHO(6));
	ck_assert_int_eq(tc_recv_id(a), 6);
	server_cleanup();
	tc_free(a);

	/* a batch under max_decoded but over what max_mem has room for */
	o = (struct dp_ctl_opts){ .max_mem = 512 << 10 };
	server_open_opts(&o);
	a = tc_connect();
	off = (size_t)snprintf(req, sizeof(req), "[");
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off,
			"%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"test.count\",\"params\":{\"p\":[1,2,3,4]}}",
			i ? "," : "", i);
	snprintf(req + off, sizeof(req) - off, "]\n");
	tc_send_all(a, req, strlen(req));
	tc_expect_error(a, -32000, "memory_limit");
	ck_assert_int_eq(notified, 0);
	tc_sends(a, ECHO(7));
	ck_assert_int_eq(tc_recv_id(a), 7);
	ck_assert_uint_eq(dp_ctl_clients(), 1);
	tc_free(a);
	server_cleanup();
}
END_TEST

static Suite *
rpc_suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("rpc");
	TCase *ts = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_call);
	tcase_add_test(tc, notification);
	tcase_add_test(tc, parse_error);
	tcase_add_test(tc, invalid_request);
	tcase_add_test(tc, unknown_method);
	tcase_add_test(tc, params_errors);
	tcase_add_test(tc, pointer_escaping);
	tcase_add_test(tc, app_errors);
	tcase_add_test(tc, batch);
	tcase_add_test(tc, id_types);
	tcase_add_test(tc, discover);
	tcase_add_test(tc, schema_refusals);
	tcase_add_test(tc, schema_values);
	tcase_add_test(tc, schema_config_style);
	tcase_add_test(tc, schema_declarations);
	tcase_add_test(tc, schema_dispatch);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_set_timeout(ts, 60);
	tcase_add_test(ts, socket_clients);
	tcase_add_test(ts, socket_exclusive_fence);
	tcase_add_test(ts, socket_too_large);
	tcase_add_test(ts, socket_random_chunks);
	tcase_add_test(ts, socket_slow_reader);
	tcase_add_test(ts, socket_open_errors);
	tcase_add_test(ts, socket_idle_timeout);
	tcase_add_test(ts, socket_full_evicts_idle);
	tcase_add_test(ts, socket_reply_and_batch_limits);
	tcase_add_test(ts, socket_fair_rounds);
	tcase_add_test(ts, socket_memory_bounded);
	tcase_add_test(ts, socket_partial_line_at_eof);
	tcase_add_test(ts, socket_partial_lines_at_eof_fair);
	tcase_add_test(ts, socket_long_line_fair);
	tcase_add_test(ts, socket_memory_small_client_not_locked_out);
	tcase_add_test(ts, socket_decoded_limits);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rpc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
