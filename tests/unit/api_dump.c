/* Writes sxdp's control API as rpc.discover prints it (every method's
 * params template, params JSON Schema and result), from the declarations
 * alone, without a running sxdp: for fake servers and clients that want
 * the schema at build time. The box-specific parts differ from a live
 * sxdp's: no "x-known" names, and templates say PORT and TABLE.
 *
 *     api_dump FILE     write it (meson builds tests/sxdp-api.json)
 *     api_dump          check it is whole (meson test), print nothing
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "dp_apidef.h"

static int
stub(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
     void *arg)
{
	(void)params;
	(void)v;
	(void)result;
	(void)arg;
	return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "not_implemented", "", "a schema dump");
}

/* Every declared method is there with its schema, each object member
 * described. */
static int
whole(json_t *methods)
{
	size_t i, n = 0;
	json_t *m;

	for (const struct dp_rpc_method *const *d = dp_apidef_all; *d != NULL; d++)
		n++;
	if (json_array_size(methods) != n + 1) {
		fprintf(stderr, "api_dump: %zu methods listed, %zu declared\n",
			json_array_size(methods), n + 1);
		return -1;
	}
	json_array_foreach(methods, i, m) {
		json_t *ps = json_object_get(m, "params_schema");
		json_t *rs = json_object_get(json_object_get(m, "result"), "schema");
		const char *k;
		json_t *p;

		if (!json_is_object(ps) || !json_is_object(rs) ||
		    !json_is_string(json_object_get(rs, "type"))) {
			fprintf(stderr, "api_dump: %s has no schema\n",
				json_string_value(json_object_get(m, "name")));
			return -1;
		}
		json_object_foreach(json_object_get(ps, "properties"), k, p)
			if (json_string_length(json_object_get(p, "description")) == 0) {
				fprintf(stderr, "api_dump: %s param %s has no description\n",
					json_string_value(json_object_get(m, "name")), k);
				return -1;
			}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.discover\"}";
	char *out = NULL;
	json_t *r, *res;
	FILE *f;

	if (dp_rpc_builtin_register() != 0)
		return 1;
	for (const struct dp_rpc_method *const *d = dp_apidef_all; *d != NULL; d++)
		if (dp_rpc_register(*d, stub, NULL, NULL) != 0) {
			fprintf(stderr, "api_dump: %s: malformed declaration\n", (*d)->name);
			return 1;
		}
	if (dp_rpc_handle(req, strlen(req), &out) != 0 || out == NULL)
		return 1;
	r = json_loads(out, 0, NULL);
	free(out);
	res = json_object_get(r, "result");
	if (res == NULL || whole(json_object_get(res, "methods")) != 0)
		return 1;
	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (f == NULL || json_dumpf(res, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 ||
		    fputc('\n', f) == EOF || fclose(f) != 0) {
			perror(argv[1]);
			return 1;
		}
	}
	json_decref(r);
	dp_rpc_reset();
	return 0;
}
