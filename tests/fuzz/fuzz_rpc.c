/* libFuzzer target for the sxdp control socket's request path: any bytes go
 * through dp_rpc_handle(), which must answer with nothing or one line of
 * well-formed JSON-RPC 2.0 (checked here, abort otherwise), and never
 * crash or leak. Two test methods give the params helpers and the error
 * pointers something to chew on; small reply, batch and decoded-size
 * limits put the refusals in reach. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "dp_ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* {"a": uint <= 10, "s": string, "b": optional bool, "mode": optional enum,
 *  "o": optional {"k": int in [-5, 5]}} */
static int
m_echo(json_t *params, json_t **result, struct dp_rpc_err *err, void *arg)
{
	static const char *const allowed[] = { "a", "s", "b", "mode", "o", NULL };
	static const char *const inner[] = { "k", NULL };
	static const char *const modes[] = { "continue-on-error", "rollback-on-error",
					     "dataplane-atomic", NULL };
	unsigned int mode = 0;
	const char *s;
	json_t *o = NULL;
	uint64_t a;
	int64_t k = 0;
	int b = 0;

	(void)arg;
	if (dp_rpc_check_fields(params, allowed, "", err) ||
	    dp_rpc_get_uint(params, "a", 1, 10, &a, "", err) < 0 ||
	    dp_rpc_get_string(params, "s", 1, &s, "", err) < 0 ||
	    dp_rpc_get_bool(params, "b", 0, &b, "", err) < 0 ||
	    dp_rpc_get_enum(params, "mode", 0, modes, &mode, "", err) < 0 ||
	    dp_rpc_get_object(params, "o", 0, &o, "", err) < 0)
		return -1;
	if (o != NULL && (dp_rpc_check_fields(o, inner, "/o", err) ||
			  dp_rpc_get_int(o, "k", 1, -5, 5, &k, "/o", err) < 0))
		return -1;
	*result = json_pack("{s:I, s:s, s:b, s:i, s:I}", "a", (json_int_t)a, "s", s, "b", b,
			    "mode", (int)mode, "k", (json_int_t)k);
	return *result != NULL ? 0 : -ENOMEM;
}

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
m_walk(json_t *params, json_t **result, struct dp_rpc_err *err, void *arg)
{
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
		if (dp_rpc_builtin_register() != 0 ||
		    dp_rpc_register("test.echo", m_echo, NULL, "strict params",
				    "{\"a\":0,\"s\":\"\",\"b\":false,\"mode\":\"continue-on-error\","
				    "\"o\":{\"k\":0}}") != 0 ||
		    dp_rpc_register("test.walk", m_walk, NULL, "walk anything", "{}") != 0)
			abort();
		/* small limits, so inputs reach reply_too_large, batch_too_large
		 * and too_complex (decoding refused mid-way) */
		dp_rpc_set_limits(4096, 16);
		dp_rpc_set_decoded_limit(256 << 10);
		init = 1;
	}
	rc = dp_rpc_handle((const char *)data, size, &out);
	if (rc != 0) {
		if (rc != -ENOMEM || out != NULL)
			abort();
		return 0;
	}
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
