/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl call/help METHOD: any socket method, its words typed and checked by
 * the schema the server declares in rpc.discover. */
/*
 * sxctl restates no method here: what a method takes (names, JSON types,
 * ranges, enums, which are required) is read from the running sxdp, so a
 * method a feature adds is callable and documented with no change to sxctl.
 * What the schema alone decides is refused here as a usage error, before
 * the call; what needs the server's state (a port that is not there) the
 * server refuses, with its reason and pointer.
 *
 * Help needs no server: without one, the schema is the one sxdp's own
 * declarations (dp_apidef.c, linked here) make, answered by the same
 * rpc.discover code sxdp runs; a feature's methods are declared with its
 * DPDK code, so only a running sxdp lists those.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_apidef.h"
#include "sxctl_base.h"
#include "sxctl_call.h"
#include "sxctl_fmt.h"
#include "sxctl_parse.h"
#include "sxctl_rpc.h"
#include "sxctl_usage.h"

/* The handler the declarations are registered with to build rpc.discover's
 * answer offline: discover reads only the declarations, nothing calls it. */
static int
call_declared_only(json_t *params, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	  void *arg)
{
	(void)params;
	(void)v;
	(void)result;
	(void)arg;
	return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "no_sxdp", "", "built-in declarations: help only");
}

/* rpc.discover's result as sxdp's core declarations make it (no box's
 * ports or tables: templates say PORT and TABLE). */
static json_t *
call_builtin_discover(void)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.discover\"}";
	json_t *r = NULL, *res = NULL;
	char *out = NULL;

	if (dp_rpc_builtin_register() != 0)
		sx_oom();
	for (const struct dp_rpc_method *const *d = dp_apidef_all; *d != NULL; d++)
		if (dp_rpc_register(*d, call_declared_only, NULL, NULL) != 0)
			sx_oom();	/* the declarations are checked at build time */
	if (dp_rpc_handle(req, strlen(req), &out) == 0 && out != NULL)
		r = json_loads(out, 0, NULL);
	free(out);
	dp_rpc_reset();
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	if (res == NULL)
		sx_oom();
	return res;
}

/* rpc.discover's result: the server's, or (@offline_ok, no server) the
 * built-in one, said so on stderr; *builtin tells which. */
static int
call_discover(struct sx_ctx *x, bool offline_ok, json_t **res, bool *builtin)
{
	char why[256];
	int e;

	*builtin = false;
	if (offline_ok && x->cli == NULL && (e = rpc_connect(x, why, sizeof(why))) != 0) {
		fprintf(stderr, "sxctl: no sxdp on %s (%s): help from sxctl's built-in schema, "
			"sxdp's core methods only\n", x->path, why);
		*builtin = true;
		*res = call_builtin_discover();
		return EX_OK;
	}
	return rpc_call(x, "rpc.discover", NULL, res);
}

/* rpc.discover's entry for @method: *out (new reference) on EX_OK. */
static int
call_method(struct sx_ctx *x, const char *method, bool offline_ok, json_t **out)
{
	json_t *res, *m;
	bool builtin;
	size_t i;
	int rc = call_discover(x, offline_ok, &res, &builtin);

	if (rc != EX_OK)
		return rc;
	json_array_foreach(json_object_get(res, "methods"), i, m)
		if (json_is_string(json_object_get(m, "name")) &&
		    strcmp(json_string_value(json_object_get(m, "name")), method) == 0) {
			*out = json_incref(m);
			json_decref(res);
			return EX_OK;
		}
	json_decref(res);
	if (builtin) {
		/* perhaps a feature's: only a running sxdp knows */
		rpc_fail(x, "unknown_method", "no method '%s' among sxdp's core methods "
			"('sxctl help' lists them; a feature's need sxdp running)", method);
		return EX_CONN;
	}
	return rpc_fail(x, "unknown_method", "sxdp has no method '%s' ('sxctl discover' lists them)",
		       method);
}

static bool
has_type(json_t *p, const char *t)
{
	json_t *ty = json_object_get(p, "type"), *e;
	size_t i;

	if (json_is_string(ty))
		return strcmp(json_string_value(ty), t) == 0;
	json_array_foreach(ty, i, e)
		if (strcmp(json_string_value(e), t) == 0)
			return true;
	return false;
}

/* The word a param's value is written as: TABLE, N, up|down, JSON. */
static char *
call_placeholder(json_t *p)
{
	json_t *en = json_object_get(p, "enum"), *e;
	const char *ref = json_string_value(json_object_get(p, "x-ref"));
	char *s = NULL, *t;
	size_t i;

	if (ref != NULL) {
		s = sx_asprintf("%s", ref);
		for (t = s; *t; t++)
			*t = (char)(*t >= 'a' && *t <= 'z' ? *t - 32 : *t);
		return s;
	}
	if (json_array_size(en) > 0) {
		json_array_foreach(en, i, e) {
			t = sx_asprintf("%s%s%s", s ? s : "", s ? "|" : "", json_string_value(e));
			free(s);
			s = t;
		}
		return s;
	}
	if (has_type(p, "boolean"))
		return sx_asprintf("true|false");
	if (has_type(p, "integer") || has_type(p, "number"))
		return sx_asprintf("N");
	if (has_type(p, "string"))
		return sx_asprintf("%s", json_string_value(json_object_get(p, "format")) ?
				   json_string_value(json_object_get(p, "format")) : "TEXT");
	return sx_asprintf("JSON");
}

static bool
is_required(json_t *ps, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(ps, "required"), i, e)
		if (strcmp(json_string_value(e), name) == 0)
			return true;
	return false;
}

/* "sxctl help METHOD": its description, params and result, as declared. */
static void
call_help(FILE *f, json_t *m)
{
	json_t *ps = json_object_get(m, "params_schema"), *p, *res = json_object_get(m, "result");
	const char *k, *desc;

	fprintf(f, "%s: %s\n", json_string_value(json_object_get(m, "name")),
		json_string_value(json_object_get(m, "description")));
	fprintf(f, "usage: sxctl call %s", json_string_value(json_object_get(m, "name")));
	json_object_foreach(json_object_get(ps, "properties"), k, p) {
		char *ph = call_placeholder(p);

		fprintf(f, is_required(ps, k) ? " %s=%s" : " [%s=%s]", k, ph);
		free(ph);
	}
	fputc('\n', f);
	json_object_foreach(json_object_get(ps, "properties"), k, p) {
		char *ph = call_placeholder(p), *word = sx_asprintf("%s=%s", k, ph);
		json_t *def = json_object_get(p, "default");

		fprintf(f, "  %-22s %s", word, is_required(ps, k) ? "required" : "optional");
		if (json_is_integer(json_object_get(p, "minimum")) &&
		    json_is_integer(json_object_get(p, "maximum")))
			fprintf(f, ", %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(p, "minimum")),
				json_integer_value(json_object_get(p, "maximum")));
		if (def != NULL) {
			char *d = fmt_text(def);

			fprintf(f, ", default %s", d);
			free(d);
		}
		if (json_string_value(json_object_get(p, "description")) != NULL)
			fprintf(f, ": %s", json_string_value(json_object_get(p, "description")));
		fputc('\n', f);
		free(word);
		free(ph);
	}
	desc = json_string_value(json_object_get(res, "description"));
	fprintf(f, "returns %s%s%s\n", json_string_value(json_object_get(res, "name")),
		desc && *desc ? ": " : "", desc && *desc ? desc : "");
}

/* A word as the JSON value param @p declares; NULL when the schema alone
 * refuses it, with *why what it wants (its placeholder, or its range). */
static json_t *
call_value(json_t *p, const char *w, char **why)
{
	json_t *en = json_object_get(p, "enum"), *e, *v = NULL;
	json_error_t jerr;
	uint64_t u;
	size_t i;

	/* integers first: a port is named by its index or its name */
	if (has_type(p, "integer") && (parse_u64(w, INT64_MAX, &u) ||
				       (w[0] == '-' && parse_u64(w + 1, INT64_MAX, &u)))) {
		json_int_t n = w[0] == '-' ? -(json_int_t)u : (json_int_t)u;
		json_t *lo = json_object_get(p, "minimum"), *hi = json_object_get(p, "maximum");

		if ((lo && n < json_integer_value(lo)) || (hi && n > json_integer_value(hi))) {
			*why = sx_asprintf("%" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT,
					   json_integer_value(lo), json_integer_value(hi));
			return NULL;
		}
		return json_integer(n);
	}
	if (has_type(p, "boolean") && (!strcmp(w, "true") || !strcmp(w, "false")))
		return json_boolean(w[0] == 't');
	if (has_type(p, "string")) {
		if (json_array_size(en) == 0)
			return json_string(w);
		json_array_foreach(en, i, e)
			if (strcmp(json_string_value(e), w) == 0)
				return json_string(w);
		*why = call_placeholder(p);
		return NULL;
	}
	if (has_type(p, "object") || has_type(p, "array") || json_object_get(p, "type") == NULL)
		v = json_loads(w, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		*why = call_placeholder(p);
	return v;
}

/* A usage error followed by the method's help, read from its schema. */
static int __attribute__((format(printf, 2, 3)))
call_refuse(json_t *m, const char *fmt, ...)
{
	va_list ap;

	fputs("sxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	call_help(stderr, m);
	return EX_USAGE;
}

/* The params of "call METHOD NAME=VALUE ...", typed by the schema. */
static int
call_params(json_t *m, char **av, int ac, json_t **out)
{
	json_t *ps = json_object_get(m, "params_schema");
	json_t *props = json_object_get(ps, "properties"), *params = json_object(), *e;
	size_t i;

	if (params == NULL)
		sx_oom();
	for (int k = 0; k < ac; k++) {
		char *name = strdup(av[k]), *eq, *why = NULL;
		json_t *p, *v;
		int rc;

		if (name == NULL)
			sx_oom();
		eq = strchr(name, '=');
		if (eq == NULL || eq == name) {
			rc = call_refuse(m, "'%s' is not NAME=VALUE", av[k]);
		} else {
			*eq = '\0';
			p = json_object_get(props, name);
			if (p == NULL)
				rc = call_refuse(m, "%s takes no '%s'",
						 json_string_value(json_object_get(m, "name")), name);
			else if (json_object_get(params, name) != NULL)
				rc = call_refuse(m, "'%s' given twice", name);
			else if ((v = call_value(p, eq + 1, &why)) == NULL)
				rc = call_refuse(m, "'%s': %s wants %s", av[k], name, why);
			else if (json_object_set_new(params, name, v) != 0)
				sx_oom();
			else
				rc = EX_OK;
		}
		free(why);
		free(name);
		if (rc != EX_OK) {
			json_decref(params);
			return rc;
		}
	}
	json_array_foreach(json_object_get(ps, "required"), i, e)
		if (json_object_get(params, json_string_value(e)) == NULL) {
			json_decref(params);
			return call_refuse(m, "%s needs %s=...", json_string_value(json_object_get(m, "name")),
					   json_string_value(e));
		}
	*out = params;
	return EX_OK;
}

int
call_cmd(struct sx_ctx *x)
{
	json_t *m, *params = NULL;
	int rc;

	if (x->ac < 2)
		return usage_error("usage: call METHOD [NAME=VALUE ...]");
	rc = call_method(x, x->av[1], x->help, &m);
	if (rc != EX_OK)
		return rc;
	if (x->help) {
		call_help(stdout, m);
		json_decref(m);
		return EX_OK;
	}
	rc = call_params(m, x->av + 2, x->ac - 2, &params);
	json_decref(m);
	if (rc != EX_OK)
		return rc;
	/* the result as JSON in both modes, as raw: no method is known here */
	return rpc_simple(x, x->av[1], params, NULL);
}

int
call_help_cmd(struct sx_ctx *x, const char *method)
{
	json_t *m;
	int rc = call_method(x, method, true, &m);

	if (rc != EX_OK)
		return rc;
	call_help(stdout, m);
	json_decref(m);
	return EX_OK;
}

int
call_list_cmd(struct sx_ctx *x)
{
	json_t *res, *m;
	bool builtin;
	size_t i;
	int rc = call_discover(x, true, &res, &builtin);

	if (rc != EX_OK)
		return rc;
	printf("\nMethods %s (sxctl help METHOD, sxctl call METHOD ...):\n",
	       builtin ? "of sxdp's core, built in" : "of the running sxdp");
	json_array_foreach(json_object_get(res, "methods"), i, m)
		printf("  %-27s %s\n", json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "description")) ?
		       json_string_value(json_object_get(m, "description")) : "");
	json_decref(res);
	return EX_OK;
}
