/* table.* and pipeline.describe: JSON <-> table entries, for every table a
 * pipeline declares, from its schema alone (no per-table RPC code).
 * Decoding is strict and complete before anything is applied: a malformed
 * request gets a JSON-RPC error and changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_acl.h>

#include "dp_tblrpc.h"
#include "dp_addr.h"
#include "dp_table.h"
#include "dp_ctl.h"
#include "dp_port.h"
#include "dp_num.h"
#include "dp_apidef.h"

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

/* ------------------------------------------------------------ values */

/* One value of type t, written to out in network order. */
static int
val_parse(json_t *v, enum dp_type t, uint32_t bound, uint8_t *out, const char *ptr,
	  struct dp_rpc_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	unsigned int sz = dp_type_size(t);
	uint64_t u = 0, max;
	int port, rc;

	switch (t) {
	case DP_T_IPV4:
	case DP_T_IPV6:
		if (s == NULL || dp_addr_ip(s, t == DP_T_IPV4 ? AF_INET : AF_INET6, out) < 0)
			return BAD(err, ptr, "bad_value", "expected an %s address string",
				   t == DP_T_IPV4 ? "IPv4" : "IPv6");
		return 0;
	case DP_T_MAC:
		if (s == NULL || dp_addr_mac(s, out) < 0)
			return BAD(err, ptr, "bad_value", "expected a MAC address string");
		return 0;
	case DP_T_PORT:
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) < (json_int_t)dp_n_ports)
			port = (int)json_integer_value(v);
		else if (s != NULL)
			port = dp_port_parse(s);
		else
			return BAD(err, ptr, "wrong_type", "expected a port name or index");
		if (port < 0)
			return BAD(err, ptr, "not_found", "no such port");
		*(rte_be16_t *)out = rte_cpu_to_be_16((uint16_t)port);
		return 0;
	default:
		break;
	}
	max = bound ? bound : sz == 8 ? UINT64_MAX : (1ULL << (8 * sz)) - 1;
	if (json_is_integer(v) && json_integer_value(v) < 0)
		return BAD(err, ptr, "out_of_range", "value must be 0..%llu", (unsigned long long)max);
	if (json_is_integer(v))
		u = (uint64_t)json_integer_value(v);
	else if (s == NULL)
		return BAD(err, ptr, "wrong_type", "expected an unsigned integer");
	else if ((rc = dp_num_parse(s, UINT64_MAX, &u)) < 0)
		return rc == -ERANGE ? BAD(err, ptr, "out_of_range", "value must be 0..%llu",
					   (unsigned long long)max) :
		       BAD(err, ptr, "bad_value", "\"%s\" is not a decimal number (a JSON integer, "
			   "or a string of decimal digits without sign, spaces or leading zeros)", s);
	if (u > max)
		return BAD(err, ptr, "out_of_range", "value must be 0..%llu", (unsigned long long)max);
	for (unsigned int i = 0; i < sz; i++)
		out[i] = (uint8_t)(u >> (8 * (sz - 1 - i)));
	return 0;
}

static json_t *
val_encode(enum dp_type t, const uint8_t *in)
{
	char buf[INET6_ADDRSTRLEN];
	uint64_t u = 0;
	uint16_t port;

	switch (t) {
	case DP_T_IPV4:
		return json_string(inet_ntop(AF_INET, in, buf, sizeof(buf)));
	case DP_T_IPV6:
		return json_string(inet_ntop(AF_INET6, in, buf, sizeof(buf)));
	case DP_T_MAC:
		rte_ether_format_addr(buf, sizeof(buf), (const struct rte_ether_addr *)in);
		return json_string(buf);
	case DP_T_PORT:
		port = rte_be_to_cpu_16(*(const rte_be16_t *)in);
		return port < dp_n_ports ? json_string(dp_ports[port].cfg->name) : json_integer(port);
	default:
		for (unsigned int i = 0; i < dp_type_size(t); i++)
			u = (u << 8) | in[i];
		return json_integer((json_int_t)u);
	}
}

/* "a.b.c.d/len" (or a bare address meaning a host route). */
static int
prefix_parse(json_t *v, enum dp_type t, uint8_t *out, uint8_t *plen, const char *ptr,
	     struct dp_rpc_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (s == NULL)
		return BAD(err, ptr, "wrong_type", "expected \"address/length\"");
	switch (dp_addr_prefix(s, t == DP_T_IPV4 ? AF_INET : AF_INET6, true, out, plen)) {
	case 0:
		return 0;
	case -ERANGE:
		return BAD(err, ptr, "bad_value", "prefix length must be decimal 0..%u "
			   "(no leading zeros)", dp_type_bits(t));
	default:
		return BAD(err, ptr, "bad_value", "expected an %s address string",
			   t == DP_T_IPV4 ? "IPv4" : "IPv6");
	}
}

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

static int
match_parse(unsigned int tid, json_t *match, struct dp_update *u, const char *ptr,
	    struct dp_rpc_err *err)
{
	const struct dp_table_def *d = dp_table_def(tid);
	char fp[256], sp[256];
	const char *k;
	json_t *v;

	json_object_foreach(match, k, v) {
		unsigned int f;

		for (f = 0; f < d->n_fields; f++)
			if (strcmp(d->fields[f].name, k) == 0)
				break;
		if (f == d->n_fields) {
			dp_rpc_ptr_join(fp, sizeof(fp), ptr, k);
			return BAD(err, fp, "unknown_field", "table %s has no key field \"%s\"", d->name, k);
		}
	}
	for (unsigned int f = 0; f < d->n_fields; f++) {
		const struct dp_field_def *fd = &d->fields[f];
		unsigned int off = dp_table_field_off(tid, f), sz = dp_type_size(fd->type);

		v = json_object_get(match, fd->name);
		dp_rpc_ptr_join(fp, sizeof(fp), ptr, fd->name);
		if (v == NULL) {
			/* ternary/range fields may be left out: they then match anything */
			if (fd->match == DP_MATCH_TERNARY) {
				memset(u->mask + off, 0, sz);
				memset(u->key + off, 0, sz);
				continue;
			}
			if (fd->match == DP_MATCH_RANGE) {
				memset(u->key + off, 0, sz);
				memset(u->mask + off, 0xff, sz);
				continue;
			}
			return BAD(err, fp, "missing_field", "key field \"%s\" is required", fd->name);
		}
		switch (fd->match) {
		case DP_MATCH_EXACT:
			if (val_parse(v, fd->type, fd->max, u->key + off, fp, err) < 0)
				return -1;
			break;
		case DP_MATCH_LPM:
			if (prefix_parse(v, fd->type, u->key + off, &u->plen, fp, err) < 0)
				return -1;
			break;
		case DP_MATCH_TERNARY:
		case DP_MATCH_RANGE: {
			const struct dp_schema_field *od = fd->match == DP_MATCH_TERNARY ?
							   &ternary_decl : &range_decl;
			const char *a = od->fields[0].name, *b = od->fields[1].name;
			struct dp_schema_val *ov;

			if (!json_is_object(v)) {   /* a scalar means this exact value */
				if (val_parse(v, fd->type, 0, u->key + off, fp, err) < 0)
					return -1;
				if (fd->match == DP_MATCH_TERNARY)
					memset(u->mask + off, 0xff, sz);
				else
					memcpy(u->mask + off, u->key + off, sz);
				break;
			}
			if (dp_schema_check(od, v, fp, NULL, &ov, err) < 0)
				return -1;
			dp_schema_val_free(ov);
			dp_rpc_ptr_join(sp, sizeof(sp), fp, a);
			if (val_parse(json_object_get(v, a), fd->type, 0, u->key + off, sp, err) < 0)
				return -1;
			dp_rpc_ptr_join(sp, sizeof(sp), fp, b);
			if (val_parse(json_object_get(v, b), fd->type, 0, u->mask + off, sp, err) < 0)
				return -1;
			if (fd->match == DP_MATCH_RANGE && memcmp(u->key + off, u->mask + off, sz) > 0)
				return BAD(err, fp, "bad_value", "min is above max");
			break;
		}
		}
	}
	return 0;
}

/* The action called name with params (an object, or NULL when absent) of
 * the update at ptr, into u. */
static int
action_parse(unsigned int tid, const char *name, json_t *params, struct dp_update *u,
	     const char *ptr, struct dp_rpc_err *err)
{
	const struct dp_table_def *d = dp_table_def(tid);
	const struct dp_action_def *ad;
	char ap[256], pp[256];
	const char *k;
	json_t *v;
	unsigned int a;

	dp_rpc_ptr_join(ap, sizeof(ap), ptr, "action");
	for (a = 0; a < d->n_actions; a++)
		if (strcmp(d->actions[a].name, name) == 0)
			break;
	if (a == d->n_actions)
		return BAD(err, ap, "bad_value", "table %s has no action \"%s\"", d->name, name);
	ad = &d->actions[a];
	u->action = a;
	dp_rpc_ptr_join(ap, sizeof(ap), ptr, "params");
	if (params != NULL) {
		json_object_foreach(params, k, v) {
			unsigned int p;

			for (p = 0; p < ad->n_params; p++)
				if (strcmp(ad->params[p].name, k) == 0)
					break;
			if (p == ad->n_params) {
				dp_rpc_ptr_join(pp, sizeof(pp), ap, k);
				return BAD(err, pp, "unknown_field", "action %s has no param \"%s\"", ad->name, k);
			}
		}
	}
	for (unsigned int p = 0; p < ad->n_params; p++) {
		uint8_t be[16];
		unsigned int off = dp_table_param_off(tid, a, p), sz = dp_type_size(ad->params[p].type);

		dp_rpc_ptr_join(pp, sizeof(pp), ap, ad->params[p].name);
		v = params ? json_object_get(params, ad->params[p].name) : NULL;
		if (v == NULL)
			return BAD(err, pp, "missing_field", "param \"%s\" is required", ad->params[p].name);
		if (val_parse(v, ad->params[p].type, ad->params[p].max, be, pp, err) < 0)
			return -1;
		/* params hold integers in host order so stages read them directly */
		switch (ad->params[p].type) {
		case DP_T_U16: case DP_T_PORT:
			*(uint16_t *)(u->params + off) = rte_be_to_cpu_16(*(rte_be16_t *)be);
			break;
		case DP_T_U32:
			*(uint32_t *)(u->params + off) = rte_be_to_cpu_32(*(rte_be32_t *)be);
			break;
		case DP_T_U64:
			*(uint64_t *)(u->params + off) = rte_be_to_cpu_64(*(rte_be64_t *)be);
			break;
		default:
			memcpy(u->params + off, be, sz);
		}
	}
	return 0;
}

static json_t *
params_encode(unsigned int tid, uint16_t action, const uint8_t *params)
{
	const struct dp_action_def *ad = &dp_table_def(tid)->actions[action];
	json_t *o = json_object();

	for (unsigned int p = 0; p < ad->n_params; p++) {
		const uint8_t *src = params + dp_table_param_off(tid, action, p);
		uint8_t be[16];

		switch (ad->params[p].type) {
		case DP_T_U16: case DP_T_PORT:
			*(rte_be16_t *)be = rte_cpu_to_be_16(*(const uint16_t *)src);
			break;
		case DP_T_U32:
			*(rte_be32_t *)be = rte_cpu_to_be_32(*(const uint32_t *)src);
			break;
		case DP_T_U64:
			*(rte_be64_t *)be = rte_cpu_to_be_64(*(const uint64_t *)src);
			break;
		default:
			memcpy(be, src, dp_type_size(ad->params[p].type));
		}
		json_object_set_new(o, ad->params[p].name, val_encode(ad->params[p].type, be));
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
			json_object_set_new(m, fd->name, val_encode(fd->type, k));
			break;
		case DP_MATCH_LPM:
			a = val_encode(fd->type, k);
			snprintf(buf, sizeof(buf), "%s/%u", json_string_value(a), ev->plen);
			json_decref(a);
			json_object_set_new(m, fd->name, json_string(buf));
			break;
		case DP_MATCH_TERNARY:
			if (memcmp(x, zero, sz) == 0)
				break;   /* wildcard */
			json_object_set_new(m, fd->name, json_pack("{s:o,s:o}", "value",
					    val_encode(fd->type, k), "mask", val_encode(fd->type, x)));
			break;
		case DP_MATCH_RANGE:
			if (memcmp(k, zero, sz) == 0 && memcmp(x, ones, sz) == 0)
				break;   /* full range */
			json_object_set_new(m, fd->name, json_pack("{s:o,s:o}", "min",
					    val_encode(fd->type, k), "max", val_encode(fd->type, x)));
			break;
		}
	}
	return m;
}

/* What a modify or delete expects its entry to hold ("expect"). */
struct expect {
	bool set;
	uint16_t action;
	uint8_t params[DP_PARAMS_BYTES] __rte_aligned(8);
};

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
		x->set = true;
		x->action = e.action;
		memcpy(x->params, e.params, DP_PARAMS_BYTES);
	}
	if (type != DP_UPD_DEFAULT) {
		dp_rpc_ptr_join(mp, sizeof(mp), ptr, "priority");
		if (dp_table_kind(tid) == DP_TK_ACL && (!prio->set || prio->u == 0))
			return BAD(err, mp, !prio->set ? "missing_field" : "out_of_range",
				   "ternary/range tables need a priority >= 1 (larger wins)");
		if (dp_table_kind(tid) != DP_TK_ACL && prio->set)
			return BAD(err, mp, "unknown_field", "only ternary/range tables take a priority");
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

#define CHECKS_MAX 8
#define REASONS_MAX 16
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
		end = RTE_MAX(end, dp_table_param_off(tid, action, p) + dp_type_size(a->params[p].type));
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

	for (unsigned int i = 0; i < n; i++) {
		if (!x[i].set || res[i] != 0)
			continue;
		if (dp_table_get(&u[i], &v) < 0)
			res[i] = -ENOENT;
		else if (v.action != x[i].action ||
			 memcmp(v.params, x[i].params, params_len(u[i].table, v.action)) != 0)
			res[i] = -ESTALE;
	}
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
	for (unsigned int c = 0; c < n_checks; c++)
		checks[c](u, n, res);
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

static int
m_write(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	const struct dp_schema_val *ups = &v[DP_APIDEF_WRITE_UPDATES];
	enum dp_atomicity mode = (enum dp_atomicity)v[DP_APIDEF_WRITE_ATOMICITY].u;
	size_t n = ups->n, i, applied = 0;
	struct dp_update *u = NULL;
	struct expect *x = NULL;
	int *res = NULL, rc = -1;
	json_t *results;
	char ptr[64];

	u = calloc(n, sizeof(*u));
	x = calloc(n, sizeof(*x));
	res = calloc(n, sizeof(*res));
	if (u == NULL || x == NULL || res == NULL) {
		dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		dp_rpc_ptr_index(ptr, sizeof(ptr), "/updates", i);
		if (update_parse(&ups->sub[i], &u[i], &x[i], ptr, err) < 0)
			goto out;
	}
	checked_write(u, x, n, mode, res);
	results = json_array();
	for (i = 0; i < n; i++) {
		const char *reason, *msg;

		if (res[i] == 0) {
			applied++;
			json_array_append_new(results, json_pack("{s:b}", "ok", 1));
			continue;
		}
		reason = result_reason(res[i], &msg);
		dp_rpc_ptr_index(ptr, sizeof(ptr), "/updates", i);
		if (res[i] == -ESTALE)
			strncat(ptr, "/expect", sizeof(ptr) - strlen(ptr) - 1);
		json_array_append_new(results, json_pack("{s:b,s:{s:i,s:s,s:{s:s,s:s}}}", "ok", 0,
			"error", "code", DP_RPC_APP_ERROR - 1, "message", msg,
			"data", "reason", reason, "pointer", ptr));
	}
	/* committed: the batch changed the tables (all of it, or in continue
	 * mode the updates that are ok) */
	*result = json_pack("{s:I,s:b,s:I,s:I,s:o}", "generation", (json_int_t)dp_tables_generation(),
			    "committed", applied > 0, "applied", (json_int_t)applied,
			    "failed", (json_int_t)(n - applied), "results", results);
	rc = 0;
out:
	free(u);
	free(x);
	free(res);
	return rc;
}

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
		if (dp_table_def(tid)->age_action)
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
					      dp_type_name(pd->type), "bits", dp_type_bits(pd->type));

			if (pd->max)
				json_object_set_new(o, "max", json_integer(pd->max));
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
	if (d->age_action)
		json_object_set_new(o, "ageing", json_pack("{s:s,s:I}", "action",
			d->actions[d->age_action - 1].name, "idle_timeout_s",
			(json_int_t)dp_table_idle_timeout(tid)));
	return o;
}

/* A value of type t a request may carry as is (templates). */
static json_t *
example_value(enum dp_type t, enum dp_match_kind m)
{
	switch (t) {
	case DP_T_IPV4:
		return json_string(m == DP_MATCH_LPM ? "10.0.0.0/8" : "10.0.0.1");
	case DP_T_IPV6:
		return json_string(m == DP_MATCH_LPM ? "2001:db8::/32" : "2001:db8::1");
	case DP_T_MAC:
		return json_string("02:00:00:00:00:01");
	case DP_T_PORT:
		return dp_n_ports ? json_string(dp_ports[0].cfg->name) : json_integer(0);
	default:
		break;
	}
	if (m == DP_MATCH_TERNARY)
		return json_pack("{s:i,s:i}", "value", 1, "mask", 255);
	if (m == DP_MATCH_RANGE)
		return json_pack("{s:i,s:i}", "min", 1, "max", 255);
	return json_integer(1);
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
				    example_value(d->fields[f].type, d->fields[f].match));
	for (unsigned int p = 0; p < d->actions[0].n_params; p++)
		json_object_set_new(params, d->actions[0].params[p].name,
				    example_value(d->actions[0].params[p].type, DP_MATCH_EXACT));
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
		if (dp_table_def(t)->age_action)
			ageing = (int)t;
	if ((rc = dp_schema_ref_add(&table_ref)) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_write, m_write, NULL, write_template())) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_read, m_read, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&dp_apidef_table_clear, m_clear, NULL, NULL)) < 0)
		return rc;
	/* a template that works here names a table that ages */
	return dp_rpc_register(&dp_apidef_table_config, m_config, NULL, ageing < 0 ? NULL :
		json_pack("{s:s,s:i}", "table", dp_table_def(ageing)->name, "idle_timeout_s", 300));
}
