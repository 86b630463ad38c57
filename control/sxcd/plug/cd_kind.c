/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_kind: the registry of sxcd's intent kinds, in compile order, and helpers their compiles share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_kind.h"

#define KINDS_MAX 32

static const struct cd_kind *kinds[KINDS_MAX];
static int n_kinds;

void
cd_kind_register(const struct cd_kind *k)
{
	int i;

	/* constructors run before main: nothing to report to but stderr */
	if (n_kinds == KINDS_MAX || cd_kind_of(k->name) >= 0) {
		fprintf(stderr, "sxcd: kind %s registered twice or past %d kinds\n", k->name, KINDS_MAX);
		abort();
	}
	for (i = n_kinds; i > 0 && kinds[i - 1]->order > k->order; i--)
		kinds[i] = kinds[i - 1];
	kinds[i] = k;
	n_kinds++;
}

int
cd_kinds(void)
{
	return n_kinds;
}

const struct cd_kind *
cd_kind_at(int k)
{
	return k >= 0 && k < n_kinds ? kinds[k] : NULL;
}

const char *
cd_kind_name(int k)
{
	return k >= 0 && k < n_kinds ? kinds[k]->name : "?";
}

int
cd_kind_of(const char *name)
{
	for (int k = 0; k < n_kinds; k++)
		if (name != NULL && strcmp(name, kinds[k]->name) == 0)
			return k;
	return -1;
}

const char *
cd_kind_schema(int k)
{
	return k >= 0 && k < n_kinds ? kinds[k]->schema : NULL;
}

const char *
cd_kind_only(int k)
{
	return k >= 0 && k < n_kinds ? kinds[k]->only : NULL;
}

int
cd_kind_tenant(void)
{
	for (int k = 0; k < cd_kinds(); k++)
		if (cd_kind_at(k)->tenant)
			return k;
	return -1;
}

bool
cd_kind_tenants(int k)
{
	const struct cd_kind *kd = k >= 0 && k < cd_kinds() ? cd_kind_at(k) : NULL;
	int t = cd_kind_tenant();

	return kd != NULL && t >= 0 && (kd->tenant || (kd->parent != NULL && kd->parent_field != NULL &&
						      strcmp(kd->parent, cd_kind_name(t)) == 0));
}

const char *
cd_kind_tenant_of(int k, const char *name, json_t *spec)
{
	if (!cd_kind_tenants(k))
		return NULL;
	return cd_kind_at(k)->tenant ? name : json_string_value(json_object_get(spec, cd_kind_at(k)->parent_field));
}

bool
cd_kind_per_site(int k)
{
	return k >= 0 && k < cd_kinds() && cd_kind_at(k)->per_site;
}

bool
cd_kind_spread(const char *who)
{
	const char *slash = strchr(who, '/');

	for (int k = 0; slash != NULL && k < n_kinds; k++)
		if (strlen(kinds[k]->name) == (size_t)(slash - who) &&
		    strncmp(who, kinds[k]->name, (size_t)(slash - who)) == 0)
			return kinds[k]->spread;
	return false;
}

const char *
cd_addr_part(const char *pfx, char *out, size_t len)
{
	const char *slash = strchr(pfx, '/');

	snprintf(out, len, "%.*s", slash ? (int)(slash - pfx) : (int)strlen(pfx), pfx);
	return out;
}

void
cd_rule_of(json_t *f, struct intent_rule *r)
{
	r->src = cd_str(f, "src");
	r->dst = cd_str(f, "dst");
	r->proto = cd_num(f, "proto", 0);
	r->dscp_set = json_object_get(f, "dscp") != NULL;
	r->dscp = cd_num(f, "dscp", 0);
	for (int i = 0; i < 2; i++) {
		r->sport[i] = json_integer_value(json_array_get(json_object_get(f, "sport"), i));
		r->dport[i] = json_integer_value(json_array_get(json_object_get(f, "dport"), i));
	}
}

int
cd_kinds_described(json_t *doc, char *err, size_t len)
{
	json_t *e = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(doc, "components"), "schemas"), "IntentIn"), "properties"), "kind"), "enum");
	size_t n = json_array_size(e);

	for (size_t k = 0; k < n || k < (size_t)cd_kinds(); k++)
		if (k >= n || k >= (size_t)cd_kinds() ||
		    strcmp(json_string_value(json_array_get(e, k)) ?: "", cd_kind_name((int)k)) != 0) {
			snprintf(err, len, "its kinds (IntentIn.kind) are not the %d sxcd has: kind %zu is %s, "
				 "not %s", cd_kinds(), k, k < n ? json_string_value(json_array_get(e, k)) ?: "?" :
				 "missing", k < (size_t)cd_kinds() ? cd_kind_name((int)k) : "none");
			return -EINVAL;
		}
	return 0;
}
