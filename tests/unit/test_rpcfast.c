/* Unit tests of the control socket's fast path: the strict scanner
 * (dp_jscan) and the dispatch of requests a method decodes from their text
 * (dp_rpc_fast). Every request is answered twice, with and without the
 * test methods' fast paths: the two answers must be the same bytes, and the
 * requests in plain JSON must have gone the fast way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <jansson.h>

#include "dp_jscan.h"
#include "dp_rpc.h"
#include "dp_schema.h"

/* ------------------------------------------------------------ dp_jscan */

/* dp_jscan_value on text: the length it took (-1: irregular). */
static long
scan_value(const char *text)
{
	struct dp_jscan_span v;
	struct dp_jscan s;

	dp_jscan_init(&s, text, strlen(text));
	if (dp_jscan_value(&s, &v) < 0)
		return -1;
	return (long)v.n;
}

START_TEST(jscan_values)
{
	static const struct {
		const char *text;
		long len;	/* of the value; -1: irregular */
	} cases[] = {
		{ "\"abc\"", 5 }, { "  \"a b/c:d\"  ", 9 }, { "\"\"", 2 }, { "0", 1 }, { "7", 1 },
		{ "123456789012345678", 18 }, { "true", 4 }, { "false", 5 }, { "null", 4 },
		{ "{}", 2 }, { "[]", 2 }, { "{ \"a\" : [ 1 , { } ] , \"b\":null}", 31 },
		{ "\t\r\n[1,2]", 5 }, { "1,", 1 }, { "\"a\"x", 3 },
		/* what the general decoder must judge */
		{ "1234567890123456789", -1 }, { "01", -1 }, { "-1", -1 }, { "1.5", -1 }, { "1e3", -1 },
		{ "1E3", -1 }, { "\"a\\\"b\"", -1 }, { "\"\\u0041\"", -1 }, { "\"caf\xc3\xa9\"", -1 },
		{ "\"a\tb\"", -1 }, { "\"a\x7f\"", -1 }, { "\"abc", -1 }, { "tru", -1 }, { "nul", -1 },
		{ "[1,]", -1 }, { "[,1]", -1 }, { "[1 2]", -1 }, { "{\"a\":1,}", -1 }, { "{,}", -1 },
		{ "{\"a\" 1}", -1 }, { "{1:1}", -1 }, { "{\"a\":}", -1 }, { "[", -1 }, { "{", -1 },
		{ "", -1 }, { "   ", -1 }, { "+1", -1 }, { "NaN", -1 }, { "'a'", -1 },
		{ "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", -1 },   /* deeper than DP_JSCAN_DEPTH */
		{ "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]", 33 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(scan_value(cases[i].text) == cases[i].len, "%s: %ld, not %ld",
			      cases[i].text, scan_value(cases[i].text), cases[i].len);
}
END_TEST

START_TEST(jscan_members)
{
	const char *text = " { \"a\" : 1 , \"bc\" : \"x\" } ";
	struct dp_jscan_span k, v;
	struct dp_jscan s;
	bool first = true;
	uint64_t u;
	char buf[4];

	dp_jscan_init(&s, text, strlen(text));
	ck_assert_int_eq(dp_jscan_char(&s, '{'), 0);
	ck_assert_int_eq(dp_jscan_member(&s, &first, &k), 1);
	ck_assert(dp_jscan_is(&k, "a"));
	ck_assert(!dp_jscan_is(&k, "ab"));
	ck_assert(!dp_jscan_is(&k, ""));
	ck_assert_int_eq(dp_jscan_uint(&s, &u), 0);
	ck_assert_uint_eq(u, 1);
	ck_assert_int_eq(dp_jscan_member(&s, &first, &k), 1);
	ck_assert(dp_jscan_is(&k, "bc"));
	ck_assert(!dp_jscan_is(&k, "b"));
	ck_assert_int_eq(dp_jscan_string(&s, &v), 0);
	ck_assert_int_eq(dp_jscan_cstr(&v, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "x");
	ck_assert_int_eq(dp_jscan_member(&s, &first, &k), 0);
	ck_assert(dp_jscan_done(&s));
	v.n = 4;
	ck_assert_int_eq(dp_jscan_cstr(&v, buf, sizeof(buf)), -1);

	text = "[ 1 , 2 ]";
	first = true;
	dp_jscan_init(&s, text, strlen(text));
	ck_assert_int_eq(dp_jscan_char(&s, '['), 0);
	ck_assert_int_eq(dp_jscan_element(&s, &first), 1);
	ck_assert_int_eq(dp_jscan_uint(&s, &u), 0);
	ck_assert_int_eq(dp_jscan_element(&s, &first), 1);
	ck_assert_int_eq(dp_jscan_uint(&s, &u), 0);
	ck_assert_uint_eq(u, 2);
	ck_assert_int_eq(dp_jscan_element(&s, &first), 0);
	ck_assert(dp_jscan_done(&s));

	/* the text need not end with a NUL: nothing is read past it */
	dp_jscan_init(&s, "\"ab\"", 3);
	ck_assert_int_eq(dp_jscan_string(&s, &v), -1);
	dp_jscan_init(&s, "12", 1);
	ck_assert_int_eq(dp_jscan_uint(&s, &u), 0);
	ck_assert_uint_eq(u, 1);
}
END_TEST

/* ------------------------------------------------------------ fast dispatch */

/* Test methods, each with a fast path that decodes what its handler takes
 * in plain JSON and answers exactly what the handler answers. */
enum { ECHO_A, ECHO_S, ECHO_B, ECHO_N };
static const struct dp_rpc_method echo_decl = {
	.name = "test.echo", .description = "echo a, s, b",
	.params = (const struct dp_schema_field[]){
		[ECHO_A] = { .name = "a", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 10 },
		[ECHO_S] = { .name = "s", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
		[ECHO_B] = { .name = "b", .type = DP_SCHEMA_BOOL },
		[ECHO_N] = { NULL } },
};

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

struct echo_call {
	uint64_t a;
	char s[64];
	int b;		/* -1: left out */
};

static int
fast_echo_parse(struct dp_jscan *s, void **call, size_t *bytes)
{
	struct echo_call *c = calloc(1, sizeof(*c));
	struct dp_jscan_span k, v;
	unsigned int seen = 0;
	bool first = true;
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->b = -1;
	if (dp_jscan_char(s, '{') < 0)
		goto no;
	while ((rc = dp_jscan_member(s, &first, &k)) == 1) {
		if (dp_jscan_is(&k, "a") && !(seen & 1)) {
			if (dp_jscan_uint(s, &c->a) < 0 || c->a > 10)
				goto no;
			seen |= 1;
		} else if (dp_jscan_is(&k, "s") && !(seen & 2)) {
			if (dp_jscan_string(s, &v) < 0 || dp_jscan_cstr(&v, c->s, sizeof(c->s)) < 0)
				goto no;
			seen |= 2;
		} else if (dp_jscan_is(&k, "b") && !(seen & 4)) {
			if (dp_jscan_value(s, &v) < 0 || (v.p[0] != 't' && v.p[0] != 'f'))
				goto no;
			c->b = v.p[0] == 't';
			seen |= 4;
		} else {
			goto no;
		}
	}
	if (rc < 0 || (seen & 3) != 3)
		goto no;
	*call = c;
	*bytes = sizeof(*c);
	return 0;
no:
	free(c);
	return -EAGAIN;
}

static int
fast_echo_run(void *call, struct dp_rpc_buf *b, struct dp_rpc_err *err)
{
	struct echo_call *c = call;
	char t[160];

	(void)err;
	snprintf(t, sizeof(t), "{\"a\":%llu,\"s\":\"%s\"%s}", (unsigned long long)c->a, c->s,
		 c->b < 0 ? "" : c->b ? ",\"b\":true" : ",\"b\":false");
	return dp_rpc_buf_add(b, t, strlen(t));
}

static const struct dp_rpc_fast echo_fast = {
	.parse = fast_echo_parse, .run = fast_echo_run, .free = free };

/* {"how": "app" | "bare" | "errno" | "null" | "big"}: the failure paths,
 * and a reply of 200 bytes */
static const struct dp_rpc_method fail_decl = {
	.name = "test.fail",
	.params = (const struct dp_schema_field[]){
		{ .name = "how", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ }, { NULL } },
};

static int
fail_how(const char *how, struct dp_rpc_err *err)
{
	if (strcmp(how, "app") == 0)
		return dp_rpc_err_set(err, -32001, "not_found", "/how", "no entry %d", 42);
	if (strcmp(how, "bare") == 0)
		return -1;
	if (strcmp(how, "errno") == 0)
		return -ENOENT;
	return 0;
}

static int
m_fail(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	char big[201];

	(void)params;
	(void)arg;
	memset(big, 'z', 200);
	big[200] = '\0';
	*result = strcmp(v[0].s, "big") == 0 ? json_string(big) : NULL;
	return fail_how(v[0].s, err);
}

static int
fast_fail_parse(struct dp_jscan *s, void **call, size_t *bytes)
{
	struct dp_jscan_span k, v;
	bool first = true;
	char *how = malloc(16);

	if (how == NULL || dp_jscan_char(s, '{') < 0 || dp_jscan_member(s, &first, &k) != 1 ||
	    !dp_jscan_is(&k, "how") || dp_jscan_string(s, &v) < 0 ||
	    dp_jscan_cstr(&v, how, 16) < 0 || dp_jscan_member(s, &first, &k) != 0) {
		free(how);
		return -EAGAIN;
	}
	*call = how;
	*bytes = 16;
	return 0;
}

static int
fast_fail_run(void *call, struct dp_rpc_buf *b, struct dp_rpc_err *err)
{
	int rc = fail_how(call, err);

	if (rc != 0)
		return rc;
	if (strcmp(call, "big") != 0)
		return dp_rpc_buf_add(b, "null", 4);
	dp_rpc_buf_add(b, "\"", 1);
	for (int i = 0; i < 200; i++)
		dp_rpc_buf_add(b, "z", 1);
	return dp_rpc_buf_add(b, "\"", 1);
}

static const struct dp_rpc_fast fail_fast = {
	.parse = fast_fail_parse, .run = fast_fail_run, .free = free };

/* no fast path: a batch that holds it goes the general way */
static const struct dp_rpc_method count_decl = { .name = "test.count", .description = "count" };

static int
m_count(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	void *arg)
{
	(void)params;
	(void)v;
	(void)err;
	(void)arg;
	*result = json_true();
	return 0;
}

static void
setup(void)
{
	ck_assert_int_eq(dp_rpc_builtin_register(), 0);
	ck_assert_int_eq(dp_rpc_register(&echo_decl, m_echo, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&fail_decl, m_fail, NULL, NULL), 0);
	ck_assert_int_eq(dp_rpc_register(&count_decl, m_count, NULL, NULL), 0);
	dp_rpc_set_limits(0, 0);
	dp_rpc_set_decoded_limit(0);
}

static void
teardown(void)
{
	dp_rpc_reset();
}

static void
fast_paths(bool on)
{
	ck_assert_int_eq(dp_rpc_fast_set("test.echo", on ? &echo_fast : NULL), 0);
	ck_assert_int_eq(dp_rpc_fast_set("test.fail", on ? &fail_fast : NULL), 0);
}

/* line answered with the fast paths and without: the same bytes. Returns
 * how many calls went the fast way. */
static uint64_t
same(const char *line)
{
	struct dp_rpc_counts c0, c1;
	char *fast = NULL, *general = NULL;

	fast_paths(true);
	c0 = dp_rpc_counts();
	ck_assert_int_eq(dp_rpc_handle(line, strlen(line), &fast), 0);
	c1 = dp_rpc_counts();
	fast_paths(false);
	ck_assert_int_eq(dp_rpc_handle(line, strlen(line), &general), 0);
	ck_assert_msg((fast == NULL) == (general == NULL), "%s: %s / %s", line, fast, general);
	if (fast != NULL)
		ck_assert_msg(strcmp(fast, general) == 0, "%s:\n fast    %s\n general %s", line,
			      fast, general);
	ck_assert_uint_ge(c1.calls - c0.calls, c1.fast - c0.fast);
	free(fast);
	free(general);
	return c1.fast - c0.fast;
}

#define R(id, m, p) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"" m "\",\"params\":" p "}"
#define ECHO(id) R(id, "test.echo", "{\"a\":3,\"s\":\"hi\"}")

START_TEST(fast_same_answers)
{
	static const struct {
		const char *line;
		uint64_t fast;	/* calls that must go the fast way */
	} cases[] = {
		{ ECHO("1"), 1 },
		{ R("2", "test.echo", "{\"s\":\"a/b c\",\"b\":false,\"a\":10}"), 1 },
		{ " { \"params\" : { \"a\" : 0 , \"s\" : \"\" , \"b\" : true } , \"method\" : "
		  "\"test.echo\" , \"id\" : \"x y\" , \"jsonrpc\" : \"2.0\" } \t", 1 },
		{ ECHO("null"), 1 }, { ECHO("0"), 1 }, { ECHO("123456789012345678"), 1 },
		{ ECHO("\"\""), 1 },
		/* ids the general path reads: too long, signed, real, not an id at all */
		{ ECHO("1234567890123456789"), 0 }, { ECHO("-5"), 0 }, { ECHO("2.5"), 0 },
		{ ECHO("1e2"), 0 }, { ECHO("true"), 0 }, { ECHO("{}"), 0 }, { ECHO("[1]"), 0 },
		{ ECHO("\"\\u0041\""), 0 },
		/* a notification, and a request without params */
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"}}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\"}", 0 },
		/* refused by the declaration, or irregular: the general path's words */
		{ R("3", "test.echo", "{\"a\":11,\"s\":\"x\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":1,\"s\":\"x\",\"z\":1}"), 0 },
		{ R("3", "test.echo", "{\"a\":1}"), 0 },
		{ R("3", "test.echo", "{\"a\":1,\"s\":\"h\\u0069\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":1,\"s\":\"caf\xc3\xa9\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":1,\"s\":\"caf\xc3\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":1,\"a\":2,\"s\":\"x\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":1.0,\"s\":\"x\"}"), 0 },
		{ R("3", "test.echo", "{\"a\":01,\"s\":\"x\"}"), 0 },
		{ R("3", "test.echo", "[1]"), 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test.echo\",\"params\":{\"a\":1}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":4,\"id\":5,\"method\":\"test.echo\",\"params\":{\"a\":1,"
		  "\"s\":\"x\"}}", 0 },
		{ "{\"jsonrpc\":\"2.1\",\"id\":4,\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"}}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"},"
		  "\"extra\":1}", 0 },
		{ ECHO("4") " x", 0 }, { ECHO("4") ECHO("5"), 0 },
		/* params decoded in place, then something wrong after them */
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"},\"id\":2,"
		  "\"id\":3}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"},\"x\":1}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"}}", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"a\":1,\"s\":\"x\"},\"id\":4", 0 },
		{ R("5", "test.nope", "{}"), 0 }, { R("5", "test.count", "{}"), 0 },
		/* failures the method reports */
		{ R("6", "test.fail", "{\"how\":\"app\"}"), 1 },
		{ R("6", "test.fail", "{\"how\":\"bare\"}"), 1 },
		{ R("6", "test.fail", "{\"how\":\"errno\"}"), 1 },
		{ R("6", "test.fail", "{\"how\":\"null\"}"), 1 },
		{ R("\"e\"", "test.fail", "{\"how\":\"big\"}"), 1 },
		/* batches: fast when every call is */
		{ "[" ECHO("1") "," ECHO("\"b\"") " , " R("3", "test.fail", "{\"how\":\"app\"}") "]", 3 },
		{ "[" ECHO("1") "]", 1 },
		{ "[" ECHO("1") "," R("2", "test.count", "{}") "]", 0 },
		{ "[" ECHO("1") ",5]", 0 },
		{ "[" ECHO("1") ",]", 0 },
		{ "[" ECHO("1") "] x", 0 },
		{ "[]", 0 }, { "[[]]", 0 }, { "", 0 }, { "  ", 0 }, { "5", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(same(cases[i].line) == cases[i].fast, "%s: fast path %s", cases[i].line,
			      cases[i].fast ? "not taken" : "taken");
}
END_TEST

START_TEST(fast_limits)
{
	const char *batch3 = "[" ECHO("1") "," ECHO("2") "," ECHO("3") "]";
	const char *big = R("7", "test.fail", "{\"how\":\"big\"}");
	char line[512];

	/* a reply over max_reply: reply_too_large, as the general path says;
	 * in a batch, the calls after the limit is reached are not run */
	dp_rpc_set_limits(128, 0);
	ck_assert_uint_eq(same(big), 1);
	snprintf(line, sizeof(line), "[%s,%s,%s]", ECHO("1"), big, ECHO("2"));
	ck_assert_uint_eq(same(line), 2);
	/* 51 bytes a response: the third one passes 128 */
	snprintf(line, sizeof(line), "[%s,%s,%s,%s]", ECHO("1"), ECHO("2"), ECHO("3"), ECHO("4"));
	ck_assert_uint_eq(same(line), 3);
	/* over max_batch: the general path refuses it */
	dp_rpc_set_limits(0, 2);
	ck_assert_uint_eq(same(batch3), 0);
	dp_rpc_set_limits(0, 3);
	ck_assert_uint_eq(same(batch3), 3);
	/* what a fast call holds counts against the decoded limit */
	dp_rpc_set_decoded_limit(sizeof(struct echo_call) - 1);
	ck_assert_uint_eq(same(ECHO("1")), 0);
	dp_rpc_set_decoded_limit(0);
	ck_assert_uint_eq(same(ECHO("1")), 1);
}
END_TEST

/* A batch answered a few calls at a time, as the socket server runs it. */
START_TEST(fast_batch_steps)
{
	const char *line = "[" ECHO("1") "," ECHO("2") "," ECHO("3") "]";
	struct dp_rpc_job *job = NULL;
	char *out = NULL, *all = NULL;
	unsigned int budget;

	fast_paths(true);
	ck_assert_int_eq(dp_rpc_handle(line, strlen(line), &all), 0);
	ck_assert_int_eq(dp_rpc_start(line, strlen(line), &job, &out), 0);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(job);
	ck_assert_uint_gt(dp_rpc_job_bytes(job), 3 * sizeof(struct echo_call));
	budget = 2;
	ck_assert_int_eq(dp_rpc_step(job, &budget, &out), 0);
	ck_assert_uint_eq(budget, 0);
	budget = 2;
	ck_assert_int_eq(dp_rpc_step(job, &budget, &out), 1);
	ck_assert_uint_eq(budget, 1);
	ck_assert_str_eq(out, all);
	free(out);
	free(all);
	dp_rpc_job_free(job);

	/* a job dropped half way frees what it decoded */
	ck_assert_int_eq(dp_rpc_start(line, strlen(line), &job, &out), 0);
	budget = 1;
	ck_assert_int_eq(dp_rpc_step(job, &budget, &out), 0);
	dp_rpc_job_free(job);
}
END_TEST

static Suite *
fast_suite(void)
{
	Suite *s = suite_create("rpc-fast");
	TCase *tj = tcase_create("jscan");
	TCase *tf = tcase_create("dispatch");

	tcase_add_test(tj, jscan_values);
	tcase_add_test(tj, jscan_members);
	suite_add_tcase(s, tj);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, fast_same_answers);
	tcase_add_test(tf, fast_limits);
	tcase_add_test(tf, fast_batch_steps);
	suite_add_tcase(s, tf);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fast_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
