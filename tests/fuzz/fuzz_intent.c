/* libFuzzer target for sxcd's intent decoder: any bytes as an apply set
 * (or one intent) go through the checks a REST request gets (cd_res_check:
 * JSON, the OpenAPI schemas, names, generations) and whatever passes is
 * compiled (cd_compile) against sxdp's tables as tests/unit/sxdp-tables.json
 * records them. Nothing may crash or leak, and what comes out must hold:
 * every intent gets a phase of the compile's own, and its entries are
 * canonical (applied to an empty set they give the same set, and the diff
 * of the set against itself is empty). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cd_compile.h"
#include "cd_res.h"
#include "cd_schema.h"
#include "cd_tables.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cd_schema *schema;
static struct cd_tables *tables;
static struct cd_res *res;
static struct store *st;

static void
setup(void)
{
	char err[256], dir[] = "/tmp/fuzz-intent-XXXXXX";
	json_t *fx, *bad = NULL;

	if (cd_schema_load(FUZZ_SCHEMA, &schema, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	if ((fx = json_load_file(FUZZ_TABLES, 0, NULL)) == NULL ||
	    (tables = cd_tables_new(json_object_get(fx, "describe"), json_object_get(fx, "ports"))) == NULL)
		abort();
	json_decref(fx);
	/* an empty store: nothing is committed, cd_res_check only reads it */
	if (mkdtemp(dir) == NULL || store_open(dir, &st) < 0 || cd_res_open(st, schema, &res, &bad) < 0)
		abort();
	json_decref(bad);
}

static void
check_compiled(json_t *specs)
{
	struct cd_compiled c = { 0 };
	json_t *ids = json_object(), *r, *again = json_object(), *rows, *e, *d;
	const char *who, *t, *k;

	if (cd_compile(tables, specs, NULL, ids, &c) < 0)
		abort();
	json_object_foreach(c.results, who, r) {
		const char *ph = json_string_value(json_object_get(r, "phase"));

		if (ph == NULL || (strcmp(ph, "Ready") && strcmp(ph, "Pending") && strcmp(ph, "Failed")))
			abort();
	}
	/* canonical: the entries read back as they are */
	json_object_foreach(c.want, t, rows) {
		json_object_foreach(rows, k, e) {
			json_t *o = cd_tables_entry(e), *u = json_copy(o);	/* (the set's own: not changed) */
			char *key = NULL;

			json_object_set_new(u, "type", json_string("insert"));
			json_object_set_new(u, "table", json_string(t));
			if (cd_tables_apply(tables, again, u, &key, NULL, NULL, 0) < 0 || strcmp(key, k) != 0)
				abort();
			free(key);
			json_decref(u);
			json_decref(o);
		}
	}
	d = cd_tables_diff(c.want, again, c.seq, c.seq, NULL);
	if (json_array_size(d) != 0)
		abort();
	json_decref(d);
	json_decref(again);
	json_decref(ids);
	cd_compiled_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cd_change ch[64];
	json_t *v, *items, *it, *errs;
	size_t n = 0, i;

	if (schema == NULL)
		setup();
	if ((v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	items = json_is_object(v) && json_is_array(json_object_get(v, "items")) ?
		json_incref(json_object_get(v, "items")) : json_pack("[O]", v);
	errs = json_array();
	cd_schema_check(schema, "ApplySet", v, "", errs);
	json_array_foreach(items, i, it) {
		int k = cd_kind_of(json_string_value(json_object_get(it, "kind")));

		if (n >= sizeof(ch) / sizeof(ch[0]))
			break;
		if (k < 0)
			k = (int)(i % (size_t)cd_kinds());
		if (cd_res_check(res, k, NULL, it, -1, false, "/items", errs, &ch[n]) == 200) {
			if (ch[n].doc == NULL)
				abort();
			n++;
		}
	}
	if (n > 0) {
		json_t *specs = cd_res_specs(res, ch, n);

		check_compiled(specs);
		json_decref(specs);
	}
	for (i = 0; i < n; i++)
		cd_change_clear(&ch[i]);
	json_decref(errs);
	json_decref(items);
	json_decref(v);
	return 0;
}
