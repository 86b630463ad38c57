/* libFuzzer target for the sxdp control socket's request path: any bytes go
 * through dp_rpc_handle(), which must answer with nothing or one line of
 * well-formed JSON-RPC 2.0 (checked here, abort otherwise), and never
 * crash or leak. Test methods declared with every kind of schema give the
 * params check and the error pointers something to chew on (each input is
 * also checked against one declaration directly); small reply, batch and decoded-size
 * limits put the refusals in reach. test.echo has a fast path (dp_rpc_fast,
 * decoding plain JSON in place): every input is answered with it and
 * without it, and the two answers must be the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "dp_ctl.h"
#include "dp_jscan.h"
#include "dp_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const modes[] = { "continue-on-error", "rollback-on-error",
				     "dataplane-atomic", NULL };
enum { E_A, E_S, E_B, E_MODE, E_O, E_N };
static const struct dp_rpc_method echo_decl = {
	.name = "test.echo", .description = "strict params",
	.params = (const struct dp_schema_field[]){
		[E_A] = { .name = "a", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 10 },
		[E_S] = { .name = "s", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
		[E_B] = { .name = "b", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_DEF },
		[E_MODE] = { .name = "mode", .type = DP_SCHEMA_ENUM, .names = modes,
			     .flags = DP_SCHEMA_DEF },
		[E_O] = { .name = "o", .type = DP_SCHEMA_OBJECT,
			  .fields = (const struct dp_schema_field[]){
				{ .name = "k", .type = DP_SCHEMA_INT, .flags = DP_SCHEMA_REQ,
				  .min = -5, .max = 5 },
				{ NULL } } },
		[E_N] = { NULL } },
};

/* {"a": uint <= 10, "s": string, "b": optional bool, "mode": optional enum,
 *  "o": optional {"k": int in [-5, 5]}}, checked before it runs */
static int
m_echo(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	const struct dp_schema_val *o = &v[E_O];

	(void)params;
	(void)err;
	(void)arg;
	*result = json_pack("{s:I, s:s, s:b, s:i, s:I}", "a", (json_int_t)v[E_A].u, "s", v[E_S].s,
			    "b", v[E_B].b, "mode", (int)v[E_MODE].u,
			    "k", (json_int_t)(o->set ? o->sub[0].i : 0));
	return *result != NULL ? 0 : -ENOMEM;
}

/* test.echo's fast path: what m_echo takes, in plain JSON, and the same
 * answer. */
struct echo_call {
	uint64_t a, mode, k;
	bool b;
	char s[256];
};

static int
echo_member(struct dp_jscan *s, int m, struct echo_call *c)
{
	struct dp_jscan_span k, v;
	bool first = true;
	int rc;

	switch (m) {
	case E_A:
		return dp_jscan_uint(s, &c->a) < 0 || c->a > 10 ? -1 : 0;
	case E_S:
		return dp_jscan_string(s, &v) < 0 ? -1 : dp_jscan_cstr(&v, c->s, sizeof(c->s));
	case E_B:
		if (dp_jscan_value(s, &v) < 0 || (v.p[0] != 't' && v.p[0] != 'f'))
			return -1;
		c->b = v.p[0] == 't';
		return 0;
	case E_MODE:
		if (dp_jscan_string(s, &v) < 0)
			return -1;
		for (c->mode = 0; modes[c->mode] != NULL; c->mode++)
			if (dp_jscan_is(&v, modes[c->mode]))
				return 0;
		return -1;
	default:   /* E_O: {"k": 0..5} (a negative k is not plain) */
		if (dp_jscan_char(s, '{') < 0 || dp_jscan_member(s, &first, &k) != 1 ||
		    !dp_jscan_is(&k, "k") || dp_jscan_uint(s, &c->k) < 0 || c->k > 5)
			return -1;
		rc = dp_jscan_member(s, &first, &k);
		return rc == 0 ? 0 : -1;
	}
}

static int
fast_echo_parse(struct dp_jscan *s, void **call, size_t *bytes)
{
	struct echo_call *c = calloc(1, sizeof(*c));
	struct dp_jscan_span k;
	unsigned int seen = 0;
	bool first = true;
	int m, rc;

	if (c == NULL)
		return -ENOMEM;
	if (dp_jscan_char(s, '{') < 0)
		goto no;
	while ((rc = dp_jscan_member(s, &first, &k)) == 1) {
		for (m = 0; m < E_N && !dp_jscan_is(&k, echo_decl.params[m].name); m++)
			;
		if (m == E_N || (seen & (1u << m)) || echo_member(s, m, c) < 0)
			goto no;
		seen |= 1u << m;
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
	const struct echo_call *c = call;
	char t[400];

	(void)err;
	snprintf(t, sizeof(t), "{\"a\":%llu,\"s\":\"%s\",\"b\":%s,\"mode\":%llu,\"k\":%llu}",
		 (unsigned long long)c->a, c->s, c->b ? "true" : "false",
		 (unsigned long long)c->mode, (unsigned long long)c->k);
	return dp_rpc_buf_add(b, t, strlen(t));
}

static const struct dp_rpc_fast echo_fast = {
	.parse = fast_echo_parse, .run = fast_echo_run, .free = free };

/* Every kind of declaration at once: formats, a name a server resolves
 * (or an index), arrays, maps, a tagged object, alternatives. */
static const char *const kinds[] = { "insert", "modify", "delete", "default", NULL };
static const char *const things[] = { "p0", "p1", "p2", NULL };

static int
thing_find(const char *name)
{
	for (int i = 0; things[i] != NULL; i++)
		if (strcmp(things[i], name) == 0)
			return i;
	return -1;
}

static unsigned int
thing_count(void)
{
	return 3;
}

static const char *
thing_name(unsigned int i)
{
	return things[i];
}

static const struct dp_schema_ref thing_ref = {
	.name = "port", .find = thing_find, .count = thing_count, .name_of = thing_name };

#define WRITES DP_SCHEMA_BIT(0) | DP_SCHEMA_BIT(1)
static const struct dp_schema_field update = {
	.type = DP_SCHEMA_OBJECT, .tag = "type", .fields = (const struct dp_schema_field[]){
		{ .name = "type", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = kinds },
		{ .name = "port", .type = DP_SCHEMA_REF, .ref = "port", .flags = DP_SCHEMA_REQ |
		  DP_SCHEMA_BY_INDEX },
		{ .name = "expect", .type = DP_SCHEMA_OBJECT, .in = DP_SCHEMA_BIT(1) | DP_SCHEMA_BIT(2),
		  .fields = (const struct dp_schema_field[]){
			{ .name = "action", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
			{ .name = "params", .type = DP_SCHEMA_OBJECT }, { NULL } } },
		{ .name = "match", .type = DP_SCHEMA_OBJECT, .in = WRITES | DP_SCHEMA_BIT(2),
		  .need = WRITES | DP_SCHEMA_BIT(2),
		  .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_STRING,
							    .format = DP_SCHEMA_FMT_IPV4_PREFIX } },
		{ .name = "mac", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_MAC },
		{ .name = "v6", .type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IPV6_PREFIX },
		{ .name = "action", .type = DP_SCHEMA_STRING, .in = WRITES | DP_SCHEMA_BIT(3),
		  .need = WRITES | DP_SCHEMA_BIT(3), .min = 1, .max = 8 },
		{ NULL } },
};
static const struct dp_schema_field lcore_obj = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "lcore", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .max = 127 },
		{ .name = "cpu", .type = DP_SCHEMA_UINT, .max = 1023 }, { NULL } },
};
static const struct dp_schema_field kinds_params[] = {
	{ .name = "atomicity", .type = DP_SCHEMA_ENUM, .names = modes, .flags = DP_SCHEMA_DEF,
	  .def = 1 },
	{ .name = "updates", .type = DP_SCHEMA_ARRAY, .min = 1, .max = 8, .items = &update },
	{ .name = "lcores", .type = DP_SCHEMA_ARRAY, .max = 4,
	  .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_UINT, .max = 127,
						    .alt = &lcore_obj } },
	{ .name = "n", .type = DP_SCHEMA_INT },
	{ .name = "x", .type = DP_SCHEMA_NUMBER, .flags = DP_SCHEMA_NULL },
	{ NULL }
};
static const struct dp_rpc_method kinds_decl = {
	.name = "test.kinds", .description = "every kind of declaration", .params = kinds_params };
static const struct dp_schema_field kinds_root = {
	.type = DP_SCHEMA_OBJECT, .fields = kinds_params };

/* Walks the checked values as a handler would. */
static size_t
walk_vals(const struct dp_schema_val *v)
{
	size_t n = 1;

	for (size_t i = 0; i < v->n; i++)
		n += walk_vals(&v->sub[i]);
	if (v->set && v->decl == NULL)
		abort();
	return n;
}

static int
m_kinds(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	void *arg)
{
	size_t n = 0;

	(void)params;
	(void)err;
	(void)arg;
	for (size_t i = 0; kinds_params[i].name != NULL; i++)
		n += walk_vals(&v[i]);
	*result = json_integer((json_int_t)n);
	return *result != NULL ? 0 : -ENOMEM;
}

static const struct dp_rpc_method walk_decl = { .name = "test.walk", .description = "walk anything" };

/* Walks any params, building a pointer to every value; a string "fail"
 * fails there, a string "errno" fails bare, otherwise params come back. */
static int
walk(json_t *v, const char *ptr, struct dp_rpc_err *err)
{
	char p[sizeof(err->pointer)];
	const char *key;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, c) {
			dp_rpc_ptr_join(p, sizeof(p), ptr, key);
			if (walk(c, p, err) != 0)
				return -1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			dp_rpc_ptr_index(p, sizeof(p), ptr, i);
			if (walk(c, p, err) != 0)
				return -1;
		}
	} else if (json_is_string(v) && strcmp(json_string_value(v), "fail") == 0) {
		return dp_rpc_err_set(err, -32010, "failed_here", ptr, "failed at '%s'", ptr);
	} else if (json_is_string(v) && strcmp(json_string_value(v), "errno") == 0) {
		return -EIO;
	}
	return 0;
}

static int
m_walk(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
       void *arg)
{
	(void)v;
	(void)arg;
	if (walk(params, "", err) != 0)
		return err->code != 0 ? -1 : -EIO;
	*result = json_incref(params);
	return 0;
}

/* One response object must be well formed. */
static void
check_one(json_t *r)
{
	json_t *e = json_object_get(r, "error");
	json_t *d = json_object_get(e, "data");

	if (!json_is_object(r) || !json_is_string(json_object_get(r, "jsonrpc")) ||
	    json_object_get(r, "id") == NULL ||
	    (e == NULL) == (json_object_get(r, "result") == NULL))
		abort();
	if (e != NULL && (!json_is_integer(json_object_get(e, "code")) ||
			  !json_is_string(json_object_get(e, "message")) ||
			  !json_is_string(json_object_get(d, "reason")) ||
			  !json_is_string(json_object_get(d, "pointer"))))
		abort();
}

/* The bytes as a value of test.kinds' params, checked with the config's
 * wording: refused with a reason, pointer and message, or handed over. */
static void
schema_direct(const uint8_t *data, size_t size)
{
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	struct dp_rpc_err err = { 0 };
	struct dp_schema_val *out;

	if (v == NULL)
		return;
	if (dp_schema_check(&kinds_root, v, "", "config", &out, &err) == 0) {
		if (out == NULL || !json_is_object(v))
			abort();
		walk_vals(out);
		dp_schema_val_free(out);
	} else if (out != NULL || err.reason[0] == '\0' || strncmp(err.message, "config", 6) != 0 ||
		   (err.pointer[0] != '\0' && err.pointer[0] != '/')) {
		abort();
	}
	json_decref(v);
}

/* The answer without the fast path is the same. */
static void
same_without_fast(const uint8_t *data, size_t size, const char *out)
{
	char *general = NULL;
	int rc;

	if (dp_rpc_fast_set("test.echo", NULL) != 0)
		abort();
	rc = dp_rpc_handle((const char *)data, size, &general);
	if (dp_rpc_fast_set("test.echo", &echo_fast) != 0)
		abort();
	if (rc != 0)
		return;   /* out of memory the second time */
	if ((out == NULL) != (general == NULL) || (out != NULL && strcmp(out, general) != 0))
		abort();
	free(general);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	json_error_t jerr;
	char *out = NULL;
	json_t *r, *el;
	size_t i;
	int rc;

	if (!init) {
		if (dp_rpc_builtin_register() != 0 || dp_schema_ref_add(&thing_ref) != 0 ||
		    dp_rpc_register(&echo_decl, m_echo, NULL, NULL) != 0 ||
		    dp_rpc_register(&kinds_decl, m_kinds, NULL, NULL) != 0 ||
		    dp_rpc_register(&walk_decl, m_walk, NULL, NULL) != 0 ||
		    dp_rpc_fast_set("test.echo", &echo_fast) != 0)
			abort();
		/* small limits, so inputs reach reply_too_large, batch_too_large
		 * and too_complex (decoding refused mid-way) */
		dp_rpc_set_limits(4096, 16);
		dp_rpc_set_decoded_limit(256 << 10);
		init = 1;
	}
	schema_direct(data, size);
	rc = dp_rpc_handle((const char *)data, size, &out);
	if (rc != 0) {
		if (rc != -ENOMEM || out != NULL)
			abort();
		return 0;
	}
	same_without_fast(data, size, out);
	if (out == NULL)
		return 0;
	if (strchr(out, '\n') != NULL)
		abort();
	r = json_loads(out, 0, &jerr);
	if (r == NULL)
		abort();
	if (json_is_array(r)) {
		if (json_array_size(r) == 0)
			abort();
		json_array_foreach(r, i, el)
			check_one(el);
	} else {
		check_one(r);
	}
	json_decref(r);
	free(out);
	return 0;
}
