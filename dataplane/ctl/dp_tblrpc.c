/* table.* and pipeline.describe: JSON <-> table entries, for every table a
 * pipeline declares, from its schema alone (no per-table RPC code).
 * Decoding is strict and complete before anything is applied: a malformed
 * request gets a JSON-RPC error and changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_acl.h>

#include "dp_tblrpc.h"
#include "dp_tblval.h"
#include "dp_addr.h"
#include "dp_table.h"
#include "dp_ctl.h"
#include "dp_apidef.h"
#include "dp_jscan.h"

/* table.write's declaration (dp_apidef.c) numbers these as the engine does */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(DP_UPD_INSERT, DP_APIDEF_UPD_INSERT) && SAME(DP_UPD_MODIFY, DP_APIDEF_UPD_MODIFY) &&
	       SAME(DP_UPD_DELETE, DP_APIDEF_UPD_DELETE) && SAME(DP_UPD_DEFAULT, DP_APIDEF_UPD_DEFAULT),
	       "update types");
_Static_assert(SAME(DP_ATOM_CONTINUE, DP_APIDEF_ATOM_CONTINUE) &&
	       SAME(DP_ATOM_ROLLBACK, DP_APIDEF_ATOM_ROLLBACK) &&
	       SAME(DP_ATOM_DATAPLANE, DP_APIDEF_ATOM_DATAPLANE), "atomicity modes");
_Static_assert(SAME(RTE_ACL_MAX_PRIORITY, DP_APIDEF_PRIORITY_MAX), "ACL priorities");

#define BAD(err, ptr, reason, ...) dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, reason, ptr, __VA_ARGS__)

/* ------------------------------------------------------------ entries */

/* A ternary or range field given as an object: both members, typed by the
 * field (val_parse). */
static const struct dp_schema_field ternary_decl = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "value", .type = DP_SCHEMA_ANY, .flags = DP_SCHEMA_REQ },
		{ .name = "mask", .type = DP_SCHEMA_ANY, .flags = DP_SCHEMA_REQ },
		{ NULL } },
};
static const struct dp_schema_field range_decl = {
	.type = DP_SCHEMA_OBJECT, .fields = (const struct dp_schema_field[]){
		{ .name = "min", .type = DP_SCHEMA_ANY, .flags = DP_SCHEMA_REQ },
		{ .name = "max", .type = DP_SCHEMA_ANY, .flags = DP_SCHEMA_REQ },
		{ NULL } },
};

static const struct dp_schema_field *
pair_decl(const struct dp_field_def *fd)
{
	return fd->match == DP_MATCH_TERNARY ? &ternary_decl : &range_decl;
}

/* Index of the name v among n declarations (stride bytes apart, name_at
 * the first one's name), or -1. The search starts at hint (0..n): members
 * mostly come in declaration order, and then each is found at the first
 * compare. */
static int
name_index(const struct dp_jscan_span *v, const void *name_at, size_t stride, unsigned int n,
	   unsigned int hint)
{
	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = hint + k < n ? hint + k : hint + k - n;

		if (dp_jscan_is(v, *(const char *const *)((const char *)name_at + i * stride)))
			return (int)i;
	}
	return -1;
}
#define NAME_INDEX(v, decls, n, hint) name_index(v, &(decls)[0].name, sizeof((decls)[0]), n, hint)

static struct dp_jscan_span
span_of(const char *s)
{
	return (struct dp_jscan_span){ .p = s, .n = strlen(s) };
}

/* Key field f of u from its value v at fp: an exact or lpm field, or a
 * scalar for a ternary or range field (that value exactly). */
static int
field_value(unsigned int tid, unsigned int f, const struct dp_tblval *v, struct dp_update *u,
	    const char *fp, struct dp_rpc_err *err)
{
	const struct dp_field_def *fd = &dp_table_def(tid)->fields[f];
	unsigned int off = dp_table_field_off(tid, f), sz = dp_type_size(fd->type);

	switch (fd->match) {
	case DP_MATCH_EXACT:
		return dp_tblval_parse(v, fd->type, fd->max, u->key + off, fp, err);
	case DP_MATCH_LPM:
		return dp_tblval_prefix(v->s, fd->type, u->key + off, &u->plen, fp, err);
	default:
		if (dp_tblval_parse(v, fd->type, 0, u->key + off, fp, err) < 0)
			return -1;
		if (fd->match == DP_MATCH_TERNARY)
			memset(u->mask + off, 0xff, sz);
		else
			memcpy(u->mask + off, u->key + off, sz);
		return 0;
	}
}

/* Ternary or range field f from its object's members a and b (value and
 * mask, or min and max). */
static int
field_pair(unsigned int tid, unsigned int f, const struct dp_tblval *a, const struct dp_tblval *b,
	   struct dp_update *u, const char *fp, struct dp_rpc_err *err)
{
	const struct dp_field_def *fd = &dp_table_def(tid)->fields[f];
	const struct dp_schema_field *od = pair_decl(fd);
	unsigned int off = dp_table_field_off(tid, f), sz = dp_type_size(fd->type);
	char sp[256];

	dp_rpc_ptr_join(sp, sizeof(sp), fp, od->fields[0].name);
	if (dp_tblval_parse(a, fd->type, 0, u->key + off, sp, err) < 0)
		return -1;
	dp_rpc_ptr_join(sp, sizeof(sp), fp, od->fields[1].name);
	if (fd->type == DP_T_IP && fd->match == DP_MATCH_TERNARY)
		return dp_tblval_ip_mask(b, u->key + off, u->mask + off, sp, err);
	if (dp_tblval_parse(b, fd->type, 0, u->mask + off, sp, err) < 0)
		return -1;
	if (fd->match == DP_MATCH_RANGE && memcmp(u->key + off, u->mask + off, sz) > 0)
		return BAD(err, fp, "bad_value", "min is above max");
	return 0;
}

/* Key field f left out: ternary and range fields then match anything. */
static int
field_absent(unsigned int tid, unsigned int f, struct dp_update *u, const char *fp,
	     struct dp_rpc_err *err)
{
	const struct dp_field_def *fd = &dp_table_def(tid)->fields[f];
	unsigned int off = dp_table_field_off(tid, f), sz = dp_type_size(fd->type);

	switch (fd->match) {
	case DP_MATCH_TERNARY:
		memset(u->mask + off, 0, sz);
		memset(u->key + off, 0, sz);
		return 0;
	case DP_MATCH_RANGE:
		memset(u->key + off, 0, sz);
		memset(u->mask + off, 0xff, sz);
		return 0;
	default:
		return BAD(err, fp, "missing_field", "key field \"%s\" is required", fd->name);
	}
}

static int
match_parse(unsigned int tid, json_t *match, struct dp_update *u, const char *ptr,
	    struct dp_rpc_err *err)
{
	const struct dp_table_def *d = dp_table_def(tid);
	char fp[256];
	const char *k;
	json_t *v;

	json_object_foreach(match, k, v) {
		struct dp_jscan_span ks = span_of(k);

		if (NAME_INDEX(&ks, d->fields, d->n_fields, 0) < 0) {
			dp_rpc_ptr_join(fp, sizeof(fp), ptr, k);
			return BAD(err, fp, "unknown_field", "table %s has no key field \"%s\"", d->name, k);
		}
	}
	for (unsigned int f = 0; f < d->n_fields; f++) {
		const struct dp_field_def *fd = &d->fields[f];
		struct dp_tblval a, b;

		v = json_object_get(match, fd->name);
		dp_rpc_ptr_join(fp, sizeof(fp), ptr, fd->name);
		if (v == NULL) {
			if (field_absent(tid, f, u, fp, err) < 0)
				return -1;
		} else if ((fd->match == DP_MATCH_TERNARY || fd->match == DP_MATCH_RANGE) &&
			   json_is_object(v)) {
			const struct dp_schema_field *od = pair_decl(fd);
			struct dp_schema_val *ov;

			if (dp_schema_check(od, v, fp, NULL, &ov, err) < 0)
				return -1;
			dp_schema_val_free(ov);
			a = dp_tblval_json(json_object_get(v, od->fields[0].name));
			b = dp_tblval_json(json_object_get(v, od->fields[1].name));
			if (field_pair(tid, f, &a, &b, u, fp, err) < 0)
				return -1;
		} else {
			a = dp_tblval_json(v);
			if (field_value(tid, f, &a, u, fp, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* A param between network order (dst or src: as val_parse and val_encode
 * have values) and the order entries hold it in: integers in host order,
 * so stages read them directly. The same swap serves both ways. */
static void
param_order(enum dp_type t, uint8_t *dst, const uint8_t *src)
{
	switch (t) {
	case DP_T_U16: case DP_T_PORT:
		*(uint16_t *)dst = rte_be_to_cpu_16(*(const rte_be16_t *)src);
		break;
	case DP_T_U32:
		*(uint32_t *)dst = rte_be_to_cpu_32(*(const rte_be32_t *)src);
		break;
	case DP_T_U64:
		*(uint64_t *)dst = rte_be_to_cpu_64(*(const rte_be64_t *)src);
		break;
	default:
		memcpy(dst, src, dp_type_size(t));
	}
}

/* Param p of action a of u from its value v at pp. */
static int
param_value(unsigned int tid, unsigned int a, unsigned int p, const struct dp_tblval *v,
	    struct dp_update *u, const char *pp, struct dp_rpc_err *err)
{
	const struct dp_param_def *pd = &dp_table_def(tid)->actions[a].params[p];
	uint8_t *at = u->params + dp_table_param_off(tid, a, p);
	uint8_t be[DP_PARAMS_WIDE];

	if (dp_tblval_parse(v, pd->type, pd->max, be, pp, err) < 0)
		return -1;
	if (pd->type == DP_T_STR) {   /* bytes as they are, its declared room */
		memcpy(at, be, pd->max);
		return 0;
	}
	if (pd->bit) {   /* a flag: its bit of the byte it shares */
		uint8_t m = (uint8_t)(1u << (pd->bit - 1));

		*at = be[0] ? (uint8_t)(*at | m) : (uint8_t)(*at & ~m);
		return 0;
	}
	param_order(pd->type, at, be);
	return 0;
}

/* Param p of action a from an entry's params into be (network order, a
 * flag as a u8 0 or 1): the way back of param_value. */
static void
param_get(unsigned int tid, unsigned int a, unsigned int p, const uint8_t *params, uint8_t *be)
{
	const struct dp_param_def *pd = &dp_table_def(tid)->actions[a].params[p];
	const uint8_t *at = params + dp_table_param_off(tid, a, p);

	if (pd->bit)
		be[0] = (uint8_t)(*at >> (pd->bit - 1) & 1);
	else if (pd->type == DP_T_STR)
		memcpy(be, at, pd->max);
	else
		param_order(pd->type, be, at);
}

/* The action called name with params (an object, or NULL when absent) of
 * the update at ptr, into u. */
static int
action_parse(unsigned int tid, const char *name, json_t *params, struct dp_update *u,
	     const char *ptr, struct dp_rpc_err *err)
{
	const struct dp_table_def *d = dp_table_def(tid);
	struct dp_jscan_span ns = span_of(name);
	const struct dp_action_def *ad;
	char ap[256], pp[256];
	const char *k;
	json_t *v;
	int a;

	dp_rpc_ptr_join(ap, sizeof(ap), ptr, "action");
	a = NAME_INDEX(&ns, d->actions, d->n_actions, 0);
	if (a < 0)
		return BAD(err, ap, "bad_value", "table %s has no action \"%s\"", d->name, name);
	ad = &d->actions[a];
	u->action = (uint16_t)a;
	dp_rpc_ptr_join(ap, sizeof(ap), ptr, "params");
	if (params != NULL) {
		json_object_foreach(params, k, v) {
			ns = span_of(k);
			if (NAME_INDEX(&ns, ad->params, ad->n_params, 0) < 0) {
				dp_rpc_ptr_join(pp, sizeof(pp), ap, k);
				return BAD(err, pp, "unknown_field", "action %s has no param \"%s\"", ad->name, k);
			}
		}
	}
	for (unsigned int p = 0; p < ad->n_params; p++) {
		struct dp_tblval tv;

		dp_rpc_ptr_join(pp, sizeof(pp), ap, ad->params[p].name);
		v = params ? json_object_get(params, ad->params[p].name) : NULL;
		if (v == NULL && ad->params[p].opt)
			continue;   /* u->params starts zeroed */
		if (v == NULL)
			return BAD(err, pp, "missing_field", "param \"%s\" is required", ad->params[p].name);
		tv = dp_tblval_json(v);
		if (param_value(tid, (unsigned int)a, p, &tv, u, pp, err) < 0)
			return -1;
	}
	return 0;
}

static bool
is_zero(const uint8_t *b, unsigned int n)
{
	while (n-- > 0)
		if (b[n] != 0)
			return false;
	return true;
}

static json_t *
params_encode(unsigned int tid, uint16_t action, const uint8_t *params)
{
	const struct dp_action_def *ad = &dp_table_def(tid)->actions[action];
	json_t *o = json_object();

	for (unsigned int p = 0; p < ad->n_params; p++) {
		const struct dp_param_def *pd = &ad->params[p];
		uint8_t be[DP_PARAMS_WIDE];

		param_get(tid, action, p, params, be);
		if (pd->opt && is_zero(be, dp_param_size(pd)))
			continue;
		json_object_set_new(o, pd->name, pd->type == DP_T_STR ? dp_tblval_str(be, pd->max) :
					       dp_tblval_encode(pd->type, be));
	}
	return o;
}

static json_t *
match_encode(unsigned int tid, const struct dp_entry_view *ev)
{
	const struct dp_table_def *d = dp_table_def(tid);
	json_t *m = json_object();

	for (unsigned int f = 0; f < d->n_fields; f++) {
		const struct dp_field_def *fd = &d->fields[f];
		unsigned int off = dp_table_field_off(tid, f), sz = dp_type_size(fd->type);
		const uint8_t *k = ev->key + off, *x = ev->mask + off;
		uint8_t zero[16] = {0}, ones[16];
		char buf[80];
		json_t *a;

		memset(ones, 0xff, sizeof(ones));
		switch (fd->match) {
		case DP_MATCH_EXACT:
			json_object_set_new(m, fd->name, dp_tblval_encode(fd->type, k));
			break;
		case DP_MATCH_LPM:
			a = dp_tblval_encode(fd->type, k);
			snprintf(buf, sizeof(buf), "%s/%u", json_string_value(a), ev->plen);
			json_decref(a);
			json_object_set_new(m, fd->name, json_string(buf));
			break;
		case DP_MATCH_TERNARY:
			if (memcmp(x, zero, sz) == 0)
				break;   /* wildcard */
			json_object_set_new(m, fd->name, json_pack("{s:o,s:o}", "value",
					    dp_tblval_encode(fd->type, k), "mask", fd->type == DP_T_IP && dp_addr_mapped(k) &&
					    memcmp(x, ones, 12) == 0 ? dp_tblval_ip4_mask(x) : dp_tblval_encode(fd->type, x)));
			break;
		case DP_MATCH_RANGE:
			if (memcmp(k, zero, sz) == 0 && memcmp(x, ones, sz) == 0)
				break;   /* full range */
			json_object_set_new(m, fd->name, json_pack("{s:o,s:o}", "min",
					    dp_tblval_encode(fd->type, k), "max", dp_tblval_encode(fd->type, x)));
			break;
		}
	}
	return m;
}

/* What a modify or delete expects its entry to hold ("expect"). */
struct expect {
	bool set;
	uint16_t action;
	uint8_t params[DP_PARAMS_WIDE] __rte_aligned(8);
};

static void
expect_set(struct expect *x, const struct dp_update *e)
{
	x->set = true;
	x->action = e->action;
	memcpy(x->params, e->params, DP_PARAMS_WIDE);
}

/* An update's priority (set: given) where its table takes one, and only
 * there; ptr: the update. */
static int
prio_check(unsigned int tid, bool set, uint64_t prio, const char *ptr, struct dp_rpc_err *err)
{
	bool acl = dp_table_kind(tid) == DP_TK_ACL;
	char mp[256];

	if (acl ? set && prio > 0 : !set)
		return 0;
	dp_rpc_ptr_join(mp, sizeof(mp), ptr, "priority");
	if (acl)
		return BAD(err, mp, !set ? "missing_field" : "out_of_range",
			   "ternary/range tables need a priority >= 1 (larger wins)");
	return BAD(err, mp, "unknown_field", "only ternary/range tables take a priority");
}

/* One update, its shape already checked against table.write's declaration
 * (uv: its members, dp_apidef.h): what its table's schema says of its
 * match, priority, action and params, and of what it expects. */
static int
update_parse(const struct dp_schema_val *uv, struct dp_update *u, struct expect *x, const char *ptr,
	     struct dp_rpc_err *err)
{
	const struct dp_schema_val *m = uv->sub, *xv = &m[DP_APIDEF_UPD_EXPECT];
	const struct dp_schema_val *prio = &m[DP_APIDEF_UPD_PRIORITY];
	unsigned int type = (unsigned int)m[DP_APIDEF_UPD_TYPE].u;
	int tid = (int)m[DP_APIDEF_UPD_TABLE].u;
	char mp[256];

	memset(u, 0, sizeof(*u));
	memset(x, 0, sizeof(*x));
	u->type = type;
	u->table = tid;
	if (xv->set) {
		struct dp_update e;

		dp_rpc_ptr_join(mp, sizeof(mp), ptr, "expect");
		memset(&e, 0, sizeof(e));
		if (action_parse(tid, xv->sub[DP_APIDEF_EXPECT_ACTION].s,
				 xv->sub[DP_APIDEF_EXPECT_PARAMS].json, &e, mp, err) < 0)
			return -1;
		expect_set(x, &e);
	}
	if (type != DP_UPD_DEFAULT) {
		if (prio_check(tid, prio->set, prio->u, ptr, err) < 0)
			return -1;
		u->priority = (uint32_t)prio->u;
		dp_rpc_ptr_join(mp, sizeof(mp), ptr, "match");
		if (match_parse(tid, m[DP_APIDEF_UPD_MATCH].json, u, mp, err) < 0)
			return -1;
	}
	if (type == DP_UPD_DELETE)
		return 0;
	return action_parse(tid, m[DP_APIDEF_UPD_ACTION].s, m[DP_APIDEF_UPD_PARAMS].json, u, ptr,
			    err);
}

#define CHECKS_MAX 16
#define REASONS_MAX 64
#define REASON_CODE_BASE 0x10000   /* feature codes lie below -REASON_CODE_BASE */

static dp_tblrpc_check_fn checks[CHECKS_MAX];
static unsigned int n_checks;
static struct { const char *reason, *message; } reasons[REASONS_MAX];
static unsigned int n_reasons;

int
dp_tblrpc_check_add(dp_tblrpc_check_fn fn)
{
	if (n_checks == CHECKS_MAX)
		return -ENOSPC;
	checks[n_checks++] = fn;
	return 0;
}

int
dp_tblrpc_reason_add(const char *reason, const char *message)
{
	if (n_reasons == REASONS_MAX)
		return -ENOSPC;
	reasons[n_reasons].reason = reason;
	reasons[n_reasons].message = message;
	return -(int)(REASON_CODE_BASE + n_reasons++);
}

/* A failed update's reason code and what it means to the person reading it. */
static const char *
result_reason(int rc, const char **message)
{
	unsigned int fr = (unsigned int)-rc - REASON_CODE_BASE;

	if (rc <= -REASON_CODE_BASE && fr < n_reasons) {
		*message = reasons[fr].message;
		return reasons[fr].reason;
	}
	switch (rc) {
	case -EEXIST: *message = "an entry with this match exists (modify it instead)"; return "exists";
	case -ENOENT: *message = "no entry with this match"; return "not_found";
	case -ENOSPC: *message = "the table is full"; return "table_full";
	case -ECANCELED: *message = "not applied: another update of the batch failed"; return "not_applied";
	case -ENOMEM: *message = "out of memory for this update"; return "no_memory";
	case -ESTALE: *message = "the entry changed since it was read (expect did not match)"; return "changed";
	case -EROFS: *message = "a derived table: its feature keeps it from other tables"; return "read_only";
	default: *message = "the table engine refused this update"; return "bad_value";
	}
}

/* ------------------------------------------------------------ methods */

/* Bytes of an action's declared params (a feature may keep derived bytes
 * after them, see dp_table_deriver). */
static unsigned int
params_len(unsigned int tid, unsigned int action)
{
	const struct dp_action_def *a = &dp_table_def(tid)->actions[action];
	unsigned int end = 0;

	for (unsigned int p = 0; p < a->n_params; p++)
		end = RTE_MAX(end, dp_table_param_off(tid, action, p) + dp_param_size(&a->params[p]));
	return end;
}

/* Compare-and-set: an update with "expect" applies only while its entry
 * still holds what the client read, so a read-modify-write (a flood mask)
 * cannot lose a concurrent writer's change. Writes all run on this thread,
 * so nothing changes between this check and the write. */
static void
expect_check(const struct dp_update *u, const struct expect *x, unsigned int n, int *res)
{
	struct dp_entry_view v;

	for (unsigned int i = 0; i < n && x != NULL; i++) {
		if (!x[i].set || res[i] != 0)
			continue;
		if (dp_table_get(&u[i], &v) < 0)
			res[i] = -ENOENT;
		else if (v.action != x[i].action ||
			 memcmp(v.params, x[i].params, params_len(u[i].table, v.action)) != 0)
			res[i] = -ESTALE;
	}
}

/* The features' cross-table rules, each into an array of its own: a check
 * that writes 0 for what it lets through (the switch's guard does) must
 * not undo a refusal made before it (a stale expect, a derived table). */
static void
feature_checks(const struct dp_update *u, unsigned int n, int *res)
{
	int small[64], *r = small;

	if (n_checks == 0)
		return;
	if (n > RTE_DIM(small) && (r = malloc(n * sizeof(*r))) == NULL) {
		for (unsigned int i = 0; i < n; i++)
			res[i] = res[i] ? res[i] : -ENOMEM;
		return;
	}
	for (unsigned int c = 0; c < n_checks; c++) {
		memset(r, 0, n * sizeof(*r));
		checks[c](u, n, r);
		for (unsigned int i = 0; i < n; i++)
			res[i] = res[i] ? res[i] : r[i];
	}
	if (r != small)
		free(r);
}

/* Expectations and the features' cross-table rules first; what they refuse
 * counts as failed updates of the batch. res[i] is every update's outcome,
 * which is all table.write reports. */
static void
checked_write(struct dp_update *u, const struct expect *x, unsigned int n,
	      enum dp_atomicity mode, int *res)
{
	unsigned int bad = 0, k = 0;
	struct dp_update *ok;
	unsigned int *map;
	int *r2;

	memset(res, 0, n * sizeof(*res));
	for (unsigned int i = 0; i < n; i++)
		if (dp_table_def(u[i].table)->derived)
			res[i] = -EROFS;
	expect_check(u, x, n, res);
	feature_checks(u, n, res);
	for (unsigned int i = 0; i < n; i++)
		bad += res[i] != 0;
	if (bad == 0) {
		dp_table_write(u, n, mode, res);
		return;
	}
	if (mode != DP_ATOM_CONTINUE) {
		for (unsigned int i = 0; i < n; i++)
			if (res[i] == 0)
				res[i] = -ECANCELED;
		return;
	}
	ok = calloc(n, sizeof(*ok));
	map = calloc(n, sizeof(*map));
	r2 = calloc(n, sizeof(*r2));
	if (ok == NULL || map == NULL || r2 == NULL) {
		/* nothing written: the updates the check passed are not applied */
		for (unsigned int i = 0; i < n; i++)
			if (res[i] == 0)
				res[i] = -ENOMEM;
	} else {
		for (unsigned int i = 0; i < n; i++)
			if (res[i] == 0) {
				map[k] = i;
				ok[k++] = u[i];
			}
		if (k)
			dp_table_write(ok, k, mode, r2);
		for (unsigned int j = 0; j < k; j++)
			res[map[j]] = r2[j];
	}
	free(ok);
	free(map);
	free(r2);
}

/* s, then v in decimal as jansson writes an integer (snprintf was 4 % of
 * a one-update write). */
static int
text_int(struct dp_rpc_buf *b, const char *s, json_int_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char t[24];
	size_t n = 0;

	do
		t[sizeof(t) - ++n] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		t[sizeof(t) - ++n] = '-';
	return dp_rpc_buf_add(b, s, strlen(s)) < 0 ? -ENOMEM :
	       dp_rpc_buf_add(b, t + sizeof(t) - n, n);
}

/* table.write's result as text: the counts, then each update's outcome
 * ({"ok":true}, or why it failed). The general path decodes it into its
 * result; the fast path sends it as it is. 0 or -ENOMEM. */
static int
write_result(struct dp_rpc_buf *b, size_t n, const int *res)
{
	static const char ok[] = "{\"ok\":true}", results[] = ",\"results\":[";
	size_t applied = 0;
	char ptr[64];
	int rc;

	for (size_t i = 0; i < n; i++)
		applied += res[i] == 0;
	/* committed: the batch changed the tables (all of it, or in continue
	 * mode the updates that are ok) */
	rc = text_int(b, "{\"generation\":", (json_int_t)dp_tables_generation());
	if (rc == 0)
		rc = text_int(b, applied > 0 ? ",\"committed\":true,\"applied\":" :
			      ",\"committed\":false,\"applied\":", (json_int_t)applied);
	if (rc == 0)
		rc = text_int(b, ",\"failed\":", (json_int_t)(n - applied));
	if (rc == 0)
		rc = dp_rpc_buf_add(b, results, sizeof(results) - 1);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *reason, *msg;
		json_t *e;

		if (i > 0 && (rc = dp_rpc_buf_add(b, ",", 1)) < 0)
			break;
		if (res[i] == 0) {
			rc = dp_rpc_buf_add(b, ok, sizeof(ok) - 1);
			continue;
		}
		reason = result_reason(res[i], &msg);
		dp_rpc_ptr_index(ptr, sizeof(ptr), "/updates", i);
		if (res[i] == -ESTALE)
			strncat(ptr, "/expect", sizeof(ptr) - strlen(ptr) - 1);
		e = json_pack("{s:b,s:{s:i,s:s,s:{s:s,s:s}}}", "ok", 0, "error", "code",
			      DP_RPC_APP_ERROR - 1, "message", msg, "data", "reason", reason,
			      "pointer", ptr);
		rc = e != NULL ? dp_rpc_buf_json(b, e) : -ENOMEM;
		json_decref(e);
	}
	return rc == 0 ? dp_rpc_buf_add(b, "]}", 2) : rc;
}

static int
no_memory(struct dp_rpc_err *err)
{
	return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
}

static int
m_write(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	const struct dp_schema_val *ups = &v[DP_APIDEF_WRITE_UPDATES];
	enum dp_atomicity mode = (enum dp_atomicity)v[DP_APIDEF_WRITE_ATOMICITY].u;
	struct dp_rpc_buf b = { 0 };
	size_t n = ups->n, i;
	struct dp_update *u = NULL;
	struct expect *x = NULL;
	int *res = NULL, rc = -1;
	char ptr[64];

	u = calloc(n, sizeof(*u));
	x = calloc(n, sizeof(*x));
	res = calloc(n, sizeof(*res));
	if (u == NULL || x == NULL || res == NULL) {
		no_memory(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		dp_rpc_ptr_index(ptr, sizeof(ptr), "/updates", i);
		if (update_parse(&ups->sub[i], &u[i], &x[i], ptr, err) < 0)
			goto out;
	}
	checked_write(u, x, n, mode, res);
	*result = write_result(&b, n, res) == 0 ? json_loadb(b.s, b.len, 0, NULL) : NULL;
	rc = *result != NULL ? 0 : no_memory(err);
out:
	free(b.s);
	free(u);
	free(x);
	free(res);
	return rc;
}

/* ------------------------------------------------------------ fast path */

/* A table.write decoded straight from its text (dp_rpc_fast): what m_write
 * would run, for requests in plain JSON (dp_jscan.h) it would take as they
 * stand. Anything else, a malformed request first, goes through m_write,
 * which says what is wrong. Both read table.write's declaration and the
 * tables' schema through the same functions (field_value, param_value,
 * prio_check, dp_schema_member_rule...). Values are decoded where they
 * are; only a member that comes before the one it needs (params before
 * their action, a match before its table) is skipped and decoded after. */
struct fast_write {
	enum dp_atomicity mode;
	size_t n, cap;
	struct dp_update *u;
	struct expect *x;	/* NULL while no update expects */
	int *res;
};

#define WRITE_DECL (dp_apidef_table_write.params)
#define UPDATE_DECL (WRITE_DECL[DP_APIDEF_WRITE_UPDATES].items->fields)
#define HAS(seen, i) (((seen) >> (i)) & 1u)

/* The next member of an object (its '{' taken) among n declared ones
 * (name_at, stride: NAME_INDEX; *i the last one's index, -1 at first),
 * each at most once (*seen): 1 with *i its index and the scan at its
 * value, 0 at the object's end, -1. */
static int
fast_member(struct dp_jscan *s, bool *first, const void *name_at, size_t stride, unsigned int n,
	    uint32_t *seen, int *i)
{
	struct dp_jscan_span k;
	int rc = dp_jscan_member(s, first, &k);

	if (rc != 1)
		return rc;
	*i = name_index(&k, name_at, stride, n, (unsigned int)(*i + 1));
	if (*i < 0 || HAS(*seen, *i))
		return -1;
	*seen |= 1u << *i;
	return 1;
}
#define FAST_MEMBER(s, first, decls, n, seen, i) \
	fast_member(s, first, &(decls)[0].name, sizeof((decls)[0]), n, seen, i)

/* A scalar at s: an integer, or a string (copied to buf). */
static int
fast_tval(struct dp_jscan *s, char *buf, size_t n, struct dp_tblval *tv)
{
	struct dp_jscan_span str;
	uint64_t i;

	memset(tv, 0, sizeof(*tv));
	if (dp_jscan_peek(s) == '"') {
		if (dp_jscan_string(s, &str) < 0 || dp_jscan_cstr(&str, buf, n) < 0)
			return -1;
		tv->s = buf;
		return 0;
	}
	if (dp_jscan_uint(s, &i) < 0)
		return -1;
	tv->is_int = true;
	tv->i = (json_int_t)i;
	return 0;
}

/* An enum's value at s: the index of its name in names, or -1. */
static int
fast_enum(struct dp_jscan *s, const char *const *names)
{
	struct dp_jscan_span v;

	if (dp_jscan_string(s, &v) < 0)
		return -1;
	for (int i = 0; names[i] != NULL; i++)
		if (dp_jscan_is(&v, names[i]))
			return i;
	return -1;
}

/* The table the string at s names (as table_ref resolves it: by name), or
 * -1. Updates of a batch mostly name one table: the last one is compared
 * first. */
static int
fast_table(struct dp_jscan *s)
{
	static unsigned int last;
	struct dp_jscan_span name;
	char buf[64];
	int tid;

	if (dp_jscan_string(s, &name) < 0)
		return -1;
	if (last < dp_tables_count() && dp_jscan_is(&name, dp_table_def(last)->name))
		return (int)last;
	if (dp_jscan_cstr(&name, buf, sizeof(buf)) < 0 || (tid = dp_table_by_name(buf)) < 0)
		return -1;
	last = (unsigned int)tid;
	return tid;
}

/* A ternary or range field given as an object, at s. */
static int
fast_pair(unsigned int tid, unsigned int f, struct dp_jscan *s, struct dp_update *u,
	  struct dp_rpc_err *err)
{
	const struct dp_schema_field *od = pair_decl(&dp_table_def(tid)->fields[f]);
	char buf[2][64];
	struct dp_tblval v[2];
	bool first = true;
	uint32_t seen = 0;
	int i = -1, rc;

	if (dp_jscan_char(s, '{') < 0)
		return -1;
	while ((rc = FAST_MEMBER(s, &first, od->fields, 2, &seen, &i)) == 1)
		if (fast_tval(s, buf[i], sizeof(buf[i]), &v[i]) < 0)
			return -1;
	return rc < 0 || seen != 3 ? -1 : field_pair(tid, f, &v[0], &v[1], u, "", err);
}

static int
fast_match(unsigned int tid, struct dp_jscan *s, struct dp_update *u, struct dp_rpc_err *err)
{
	const struct dp_table_def *d = dp_table_def(tid);
	bool first = true;
	uint32_t seen = 0;
	struct dp_tblval tv;
	int f = -1, rc;
	char buf[64];

	if (dp_jscan_char(s, '{') < 0)
		return -1;
	while ((rc = FAST_MEMBER(s, &first, d->fields, d->n_fields, &seen, &f)) == 1) {
		enum dp_match_kind mk = d->fields[f].match;

		if (dp_jscan_peek(s) == '{')
			rc = mk == DP_MATCH_TERNARY || mk == DP_MATCH_RANGE ?
			     fast_pair(tid, (unsigned int)f, s, u, err) : -1;
		else
			rc = fast_tval(s, buf, sizeof(buf), &tv) < 0 ? -1 :
			     field_value(tid, (unsigned int)f, &tv, u, "", err);
		if (rc < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	for (unsigned int i = 0; i < d->n_fields; i++)
		if (!HAS(seen, i) && field_absent(tid, i, u, "", err) < 0)
			return -1;
	return 0;
}

/* The action whose name is the string at s: its index, or -1. */
static int
fast_action(unsigned int tid, struct dp_jscan *s)
{
	const struct dp_table_def *d = dp_table_def(tid);
	struct dp_jscan_span name;

	if (dp_jscan_string(s, &name) < 0)
		return -1;
	return NAME_INDEX(&name, d->actions, d->n_actions, 0);
}

/* The params of action a at s (NULL: left out), into u. */
static int
fast_params(unsigned int tid, int a, struct dp_jscan *s, struct dp_update *u,
	    struct dp_rpc_err *err)
{
	const struct dp_action_def *ad = &dp_table_def(tid)->actions[a];
	bool first = true;
	uint32_t seen = 0;
	struct dp_tblval tv;
	int p = -1, rc = 0;
	char buf[64];

	if (s != NULL) {
		if (dp_jscan_char(s, '{') < 0)
			return -1;
		while ((rc = FAST_MEMBER(s, &first, ad->params, ad->n_params, &seen, &p)) == 1)
			if (fast_tval(s, buf, sizeof(buf), &tv) < 0 ||
			    param_value(tid, (unsigned int)a, (unsigned int)p, &tv, u, "", err) < 0)
				return -1;
	}
	u->action = (uint16_t)a;
	/* an optional param left out is 0, as on the general path */
	for (unsigned int q = 0; q < ad->n_params; q++)
		if (ad->params[q].opt)
			seen |= 1u << q;
	return rc < 0 || seen != (1u << ad->n_params) - 1 ? -1 : 0;
}

/* The text of a value skipped at s, to be decoded later. */
static struct dp_jscan *
later(struct dp_jscan *s, struct dp_jscan *sub)
{
	struct dp_jscan_span v;

	if (dp_jscan_value(s, &v) < 0)
		return NULL;
	dp_jscan_init(sub, v.p, v.n);
	return sub;
}

static int
fast_expect(unsigned int tid, struct dp_jscan *s, struct expect *x, struct dp_rpc_err *err)
{
	const struct dp_schema_field *xd = UPDATE_DECL[DP_APIDEF_UPD_EXPECT].fields;
	struct dp_jscan params_later, *ps = NULL;
	struct dp_update e;
	bool first = true;
	uint32_t seen = 0;
	int i = -1, a = -1, rc;

	memset(&e, 0, sizeof(e));
	if (dp_jscan_char(s, '{') < 0)
		return -1;
	while ((rc = FAST_MEMBER(s, &first, xd, DP_APIDEF_EXPECT_N, &seen, &i)) == 1) {
		if (i == DP_APIDEF_EXPECT_ACTION)
			rc = a = fast_action(tid, s);
		else if (a >= 0)
			rc = fast_params(tid, a, s, &e, err);
		else
			rc = (ps = later(s, &params_later)) != NULL ? 0 : -1;
		if (rc < 0)
			return -1;
	}
	if (rc < 0 || a < 0 || ((ps != NULL || !HAS(seen, DP_APIDEF_EXPECT_PARAMS)) &&
				fast_params(tid, a, ps, &e, err) < 0))
		return -1;
	expect_set(x, &e);
	return 0;
}

/* What decoding an update knows so far. */
struct fast_upd {
	int type, tid, action;
	uint64_t prio;
};

/* Member i of an update at s, which needs nothing it lacks. */
static int
fast_upd_member(struct dp_jscan *s, unsigned int i, struct fast_upd *f, struct dp_update *u,
		struct expect *x, struct dp_rpc_err *err)
{
	const struct dp_schema_field *m = UPDATE_DECL;

	switch (i) {
	case DP_APIDEF_UPD_TYPE:
		return f->type = fast_enum(s, m[i].names);
	case DP_APIDEF_UPD_TABLE:
		return f->tid = fast_table(s);
	case DP_APIDEF_UPD_EXPECT:
		return fast_expect((unsigned int)f->tid, s, x, err);
	case DP_APIDEF_UPD_MATCH:
		return fast_match((unsigned int)f->tid, s, u, err);
	case DP_APIDEF_UPD_PRIORITY:
		return dp_jscan_uint(s, &f->prio) < 0 || f->prio > (uint64_t)m[i].max ? -1 : 0;
	case DP_APIDEF_UPD_ACTION:
		return f->action = fast_action((unsigned int)f->tid, s);
	default:
		return fast_params((unsigned int)f->tid, f->action, s, u, err);
	}
}

/* Whether member i can be decoded with what f knows. */
static bool
fast_upd_ready(unsigned int i, const struct fast_upd *f)
{
	switch (i) {
	case DP_APIDEF_UPD_EXPECT: case DP_APIDEF_UPD_MATCH: case DP_APIDEF_UPD_ACTION:
		return f->tid >= 0;
	case DP_APIDEF_UPD_PARAMS:
		return f->action >= 0;
	default:
		return true;
	}
}

/* One update at s, into u and x; the members its type takes as the
 * declaration says (dp_schema_member_rule). */
static int
fast_update(struct dp_jscan *s, struct dp_update *u, struct expect *x)
{
	const struct dp_schema_field *m = UPDATE_DECL;
	struct fast_upd f = { .type = -1, .tid = -1, .action = -1 };
	struct dp_jscan_span skipped[DP_APIDEF_UPD_N];
	uint32_t seen = 0, deferred = 0;
	struct dp_rpc_err err;
	bool first = true;
	int i = -1, rc;

	memset(u, 0, sizeof(*u));
	memset(x, 0, sizeof(*x));
	if (dp_jscan_char(s, '{') < 0)
		return -1;
	while ((rc = FAST_MEMBER(s, &first, m, DP_APIDEF_UPD_N, &seen, &i)) == 1) {
		if (fast_upd_ready((unsigned int)i, &f))
			rc = fast_upd_member(s, (unsigned int)i, &f, u, x, &err);
		else if ((rc = dp_jscan_value(s, &skipped[i])) == 0)
			deferred |= 1u << i;
		if (rc < 0)
			return -1;
	}
	if (rc < 0 || f.type < 0)
		return -1;
	/* in declaration order: an action before its params */
	for (unsigned int k = 0; k < DP_APIDEF_UPD_N; k++) {
		struct dp_jscan sub;
		bool taken, needed;

		if (HAS(deferred, k)) {
			dp_jscan_init(&sub, skipped[k].p, skipped[k].n);
			if (!fast_upd_ready(k, &f) || fast_upd_member(&sub, k, &f, u, x, &err) < 0)
				return -1;
		}
		dp_schema_member_rule(&m[k], DP_SCHEMA_BIT(f.type), &taken, &needed);
		if (HAS(seen, k) ? !taken : needed)
			return -1;
	}
	u->type = (enum dp_update_type)f.type;
	u->table = (uint16_t)f.tid;
	if (f.type != DP_UPD_DEFAULT) {
		if (prio_check((unsigned int)f.tid, HAS(seen, DP_APIDEF_UPD_PRIORITY), f.prio, "",
			       &err) < 0)
			return -1;
		u->priority = (uint32_t)f.prio;
	}
	/* an action's params may be left out (when it takes none) */
	if (f.type != DP_UPD_DELETE && !HAS(seen, DP_APIDEF_UPD_PARAMS))
		return fast_params((unsigned int)f.tid, f.action, NULL, u, &err);
	return 0;
}

static void
fast_write_free(void *call)
{
	struct fast_write *w = call;

	free(w->u);
	free(w->x);
	free(w->res);
	free(w);
}

static int
fast_grow(struct fast_write *w)
{
	size_t cap = w->cap ? 2 * w->cap : 16;
	struct dp_update *u = realloc(w->u, cap * sizeof(*u));
	struct expect *x;

	if (u == NULL)
		return -1;
	w->u = u;
	if (w->x != NULL) {
		if ((x = realloc(w->x, cap * sizeof(*x))) == NULL)
			return -1;
		memset(x + w->cap, 0, (cap - w->cap) * sizeof(*x));
		w->x = x;
	}
	w->cap = cap;
	return 0;
}

/* The updates array at s, into w. */
static int
fast_updates(struct dp_jscan *s, struct fast_write *w)
{
	const struct dp_schema_field *ud = &WRITE_DECL[DP_APIDEF_WRITE_UPDATES];
	struct expect x;
	bool first = true;
	int rc;

	if (dp_jscan_char(s, '[') < 0)
		return -1;
	while ((rc = dp_jscan_element(s, &first)) == 1) {
		if (w->n == (size_t)ud->max || (w->n == w->cap && fast_grow(w) < 0) ||
		    fast_update(s, &w->u[w->n], &x) < 0)
			return -1;
		if (x.set) {
			if (w->x == NULL && (w->x = calloc(w->cap, sizeof(*w->x))) == NULL)
				return -1;
			w->x[w->n] = x;
		}
		w->n++;
	}
	return rc < 0 || w->n < (size_t)ud->min ? -1 : 0;
}

/* table.write's params at s, as m_write would run them (dp_rpc_fast). */
static int
fast_write_parse(struct dp_jscan *s, void **call, size_t *bytes)
{
	const struct dp_schema_field *wd = WRITE_DECL;
	struct fast_write *w = calloc(1, sizeof(*w));
	struct dp_jscan_span k;
	bool first = true;
	uint32_t seen = 0;
	int i = -1, rc;

	if (w == NULL)
		return -ENOMEM;
	w->mode = (enum dp_atomicity)wd[DP_APIDEF_WRITE_ATOMICITY].def;
	if (dp_jscan_char(s, '{') < 0)
		goto irregular;
	while ((rc = dp_jscan_member(s, &first, &k)) == 1) {
		i = NAME_INDEX(&k, wd, DP_APIDEF_WRITE_N, (unsigned int)(i + 1));
		if (i < 0 || HAS(seen, i))
			goto irregular;
		seen |= 1u << i;
		if (i == DP_APIDEF_WRITE_ATOMICITY) {
			rc = fast_enum(s, wd[i].names);
			w->mode = (enum dp_atomicity)rc;
		} else {
			rc = fast_updates(s, w);
		}
		if (rc < 0)
			goto irregular;
	}
	if (rc < 0 || !HAS(seen, DP_APIDEF_WRITE_UPDATES) ||
	    (w->res = malloc(w->n * sizeof(*w->res))) == NULL)
		goto irregular;
	*call = w;
	*bytes = sizeof(*w) + w->cap * (sizeof(*w->u) + (w->x != NULL ? sizeof(*w->x) : 0)) +
		 w->n * sizeof(*w->res);
	return 0;
irregular:
	fast_write_free(w);
	return -EAGAIN;
}

static int
fast_write_run(void *call, struct dp_rpc_buf *result, struct dp_rpc_err *err)
{
	struct fast_write *w = call;

	checked_write(w->u, w->x, (unsigned int)w->n, w->mode, w->res);
	return write_result(result, w->n, w->res) == 0 ? 0 : no_memory(err);
}

static const struct dp_rpc_fast write_fast = {
	.parse = fast_write_parse, .run = fast_write_run, .free = fast_write_free,
};

/* limit is 1.. (dp_apidef.c): a page of nothing would say "next page
 * here" forever */
static int
m_read(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	unsigned int tid = (unsigned int)v[DP_APIDEF_READ_TABLE].u;
	uint64_t offset = v[DP_APIDEF_READ_OFFSET].u, limit = v[DP_APIDEF_READ_LIMIT].u;
	struct dp_entry_view *ev;
	uint32_t next;
	unsigned int n;
	json_t *ents;

	ev = calloc(limit, sizeof(*ev));
	if (ev == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	n = dp_table_read(tid, offset, limit, ev, &next);
	ents = json_array();
	for (unsigned int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:o,s:s,s:o,s:I}", "match", match_encode(tid, &ev[i]),
			"action", dp_table_def(tid)->actions[ev[i].action].name,
			"params", params_encode(tid, ev[i].action, ev[i].params),
			"hits", (json_int_t)ev[i].hits);

		if (dp_table_kind(tid) == DP_TK_ACL)
			json_object_set_new(o, "priority", json_integer(ev[i].priority));
		if (dp_table_def(tid)->age_actions)
			json_object_set_new(o, "idle_s", json_real((double)ev[i].idle_ms / 1000.0));
		json_array_append_new(ents, o);
	}
	free(ev);
	*result = json_pack("{s:s,s:I,s:I,s:o,s:o}", "table", dp_table_def(tid)->name,
			    "total", (json_int_t)dp_table_entries(tid), "offset", (json_int_t)offset,
			    "entries", ents,
			    "next_offset", next == UINT32_MAX ? json_null() : json_integer(next));
	return 0;
}

static int
m_clear(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	uint32_t deleted = 0;
	int rc;

	if (dp_table_def((unsigned int)v[DP_APIDEF_CLEAR_TABLE].u)->derived)
		return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "read_only", "/table",
				      "a derived table: its feature keeps it from other tables");
	rc = dp_table_clear((unsigned int)v[DP_APIDEF_CLEAR_TABLE].u, &deleted);
	if (rc < 0)
		return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "not_applied", "", "clear failed: %s",
				      strerror(-rc));
	*result = json_pack("{s:I,s:I}", "deleted", (json_int_t)deleted,
			    "generation", (json_int_t)dp_tables_generation());
	return 0;
}

static int
m_config(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	unsigned int tid = (unsigned int)v[DP_APIDEF_CONFIG_TABLE].u;
	uint64_t to = v[DP_APIDEF_CONFIG_IDLE].u;

	if (dp_table_set_idle_timeout(tid, (uint32_t)to) < 0)
		return BAD(err, "/idle_timeout_s", "bad_value", "table %s does not age entries",
			   dp_table_def(tid)->name);
	*result = json_pack("{s:s,s:I,s:b}", "table", dp_table_def(tid)->name, "idle_timeout_s",
			    (json_int_t)to, "ageing", to != 0);
	return 0;
}

json_t *
dp_tblrpc_describe_table(unsigned int tid)
{
	const struct dp_table_def *d = dp_table_def(tid);
	json_t *keys = json_array(), *acts = json_array(), *o;
	struct dp_entry_view dv;

	for (unsigned int f = 0; f < d->n_fields; f++) {
		json_t *k = json_pack("{s:s,s:s,s:s,s:i}", "name", d->fields[f].name,
			"match", dp_match_name(d->fields[f].match), "type", dp_type_name(d->fields[f].type),
			"bits", dp_type_bits(d->fields[f].type));

		if (d->fields[f].max)
			json_object_set_new(k, "max", json_integer(d->fields[f].max));
		json_array_append_new(keys, k);
	}
	for (unsigned int a = 0; a < d->n_actions; a++) {
		json_t *ps = json_array();

		for (unsigned int p = 0; p < d->actions[a].n_params; p++) {
			const struct dp_param_def *pd = &d->actions[a].params[p];
			json_t *o = json_pack("{s:s,s:s,s:i}", "name", pd->name, "type",
					      dp_type_name(pd->type), "bits", 8 * dp_param_size(pd));

			if (pd->max)
				json_object_set_new(o, "max", json_integer(pd->max));
			if (pd->opt)
				json_object_set_new(o, "optional", json_true());
			json_array_append_new(ps, o);
		}
		json_array_append_new(acts, json_pack("{s:s,s:o}", "name", d->actions[a].name, "params", ps));
	}
	dp_table_default_get(tid, &dv);
	o = json_pack("{s:s,s:i,s:s,s:I,s:I,s:o,s:o,s:{s:s,s:o},s:o}", "name", d->name, "id", tid,
		"kind", dp_table_kind_name(dp_table_kind(tid)), "size", (json_int_t)d->size,
		"entries", (json_int_t)dp_table_entries(tid), "keys", keys, "actions", acts,
		"default_action", "action", d->actions[dv.action].name,
		"params", params_encode(tid, dv.action, dv.params),
		"next_table", d->next_table ? json_string(d->next_table) : json_null());
	json_object_set_new(o, "backend", json_string(dp_table_backend_name(tid)));
	if (d->derived)
		json_object_set_new(o, "derived", json_true());
	if (d->age_actions) {
		json_t *acts = json_array();

		for (unsigned int a = 0; a < d->n_actions; a++)
			if (d->age_actions >> a & 1)
				json_array_append_new(acts, json_string(d->actions[a].name));
		json_object_set_new(o, "ageing", json_pack("{s:o,s:I}", "actions", acts,
			"idle_timeout_s", (json_int_t)dp_table_idle_timeout(tid)));
	}
	return o;
}

/* table.write's template: an insert into table 0 with every key field and
 * the first action's params filled in, and a priority only if that table
 * takes one, so that a copied template is a request sxdp accepts. */
static json_t *
write_template(void)
{
	const struct dp_table_def *d;
	json_t *match, *params, *upd;

	if (dp_tables_count() == 0)
		return NULL;   /* the declaration's own example */
	d = dp_table_def(0);
	match = json_object();
	params = json_object();
	for (unsigned int f = 0; f < d->n_fields; f++)
		json_object_set_new(match, d->fields[f].name,
				    dp_tblval_example(d->fields[f].type, d->fields[f].match));
	for (unsigned int p = 0; p < d->actions[0].n_params; p++)
		json_object_set_new(params, d->actions[0].params[p].name,
				    dp_tblval_example(d->actions[0].params[p].type, DP_MATCH_EXACT));
	upd = json_pack("{s:s,s:s,s:o,s:s,s:o}", "type", "insert", "table", d->name, "match", match,
			"action", d->actions[0].name, "params", params);
	if (upd != NULL && dp_table_kind(0) == DP_TK_ACL)
		json_object_set_new(upd, "priority", json_integer(1));
	return json_pack("{s:s,s:[o]}", "atomicity", "rollback", "updates", upd);
}

/* Tables as REF params name them: by name. */
static int
table_find(const char *name)
{
	return dp_table_by_name(name);
}

static const char *
table_name(unsigned int t)
{
	return dp_table_def(t)->name;
}

static const struct dp_schema_ref table_ref = {
	.name = DP_APIDEF_REF_TABLE, .find = table_find, .count = dp_tables_count,
	.name_of = table_name,
};

int
dp_tblrpc_register(void)
{
	int ageing = -1, rc;

	for (unsigned int t = 0; t < dp_tables_count() && ageing < 0; t++)
		if (dp_table_def(t)->age_actions)
			ageing = (int)t;
	if ((rc = dp_schema_ref_add(&table_ref)) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_write, m_write, NULL, write_template())) < 0 ||
	    (rc = dp_rpc_fast_set(dp_apidef_table_write.name, &write_fast)) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_read, m_read, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_clear, m_clear, NULL, NULL)) < 0)
		return rc;
	/* a template that works here names a table that ages */
	return dp_rpc_register(&dp_apidef_table_config, m_config, NULL, ageing < 0 ? NULL :
		json_pack("{s:s,s:i}", "table", dp_table_def(ageing)->name, "idle_timeout_s", 300));
}
