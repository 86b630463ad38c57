/* Declared JSON shapes (dp_schema.h): the strict check every RPC method's
 * params and the config go through, and sxcd's intents (its OpenAPI
 * document's schemas, as declarations: control/sxcd/store/cd_schema.c); the same
 * declarations printed as JSON Schema and as example values for
 * rpc.discover. One walk, two voices: the RPC's first error in a
 * dp_rpc_err, or every error in the document's words (dp_schema_check_all). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_schema.h"
#include "dp_addr.h"

/* Declarations nest a few levels; a deeper one is a mistake (or a cycle). */
#define DEPTH_MAX 16
#define REFS_MAX 8
#define PTR_MAX 512	/* the document voice's pointers; the RPC's are cut at 256 */

const struct dp_schema_field dp_schema_none[] = { { .name = NULL } };

/* ------------------------------------------------------------ refs */

static const struct dp_schema_ref *refs[REFS_MAX];
static unsigned int n_refs;

int
dp_schema_ref_add(const struct dp_schema_ref *r)
{
	if (r == NULL || r->name == NULL || r->find == NULL || r->count == NULL ||
	    r->name_of == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < n_refs; i++)
		if (strcmp(refs[i]->name, r->name) == 0) {
			refs[i] = r;
			return 0;
		}
	if (n_refs == REFS_MAX)
		return -ENOSPC;
	refs[n_refs++] = r;
	return 0;
}

void
dp_schema_ref_reset(void)
{
	n_refs = 0;
}

static const struct dp_schema_ref *
ref_get(const char *name)
{
	for (unsigned int i = 0; i < n_refs; i++)
		if (strcmp(refs[i]->name, name) == 0)
			return refs[i];
	return NULL;
}

/* ------------------------------------------------------------ helpers */

static size_t
n_members(const struct dp_schema_field *f)
{
	size_t n = 0;

	while (f != NULL && f[n].name != NULL)
		n++;
	return n;
}

static long
member_find(const struct dp_schema_field *f, const char *name)
{
	for (size_t i = 0; f != NULL && f[i].name != NULL; i++)
		if (strcmp(f[i].name, name) == 0)
			return (long)i;
	return -1;
}

static size_t
n_names(const char *const *names)
{
	size_t n = 0;

	while (names != NULL && names[n] != NULL)
		n++;
	return n;
}

static int64_t
int_lo(const struct dp_schema_field *f)
{
	if (f->flags & DP_SCHEMA_BOUNDS)
		return f->min;
	return f->type == DP_SCHEMA_INT && f->min == 0 && f->max == 0 ? INT64_MIN : f->min;
}

static int64_t
int_hi(const struct dp_schema_field *f)
{
	if (f->flags & DP_SCHEMA_BOUNDS)
		return f->max;
	return f->max == 0 && (f->type == DP_SCHEMA_UINT || f->min == 0) ? INT64_MAX : f->max;
}

/* A string's or an array's length bounds. */
static int64_t
len_hi(const struct dp_schema_field *f)
{
	return (f->flags & DP_SCHEMA_BOUNDS) || f->max != 0 ? f->max : INT64_MAX;
}

static bool
fits(const struct dp_schema_field *f, const json_t *v)
{
	if (json_is_null(v))
		return f->type == DP_SCHEMA_ANY || (f->flags & DP_SCHEMA_NULL);
	switch (f->type) {
	case DP_SCHEMA_ANY: return true;
	case DP_SCHEMA_BOOL: return json_is_boolean(v);
	case DP_SCHEMA_INT: case DP_SCHEMA_UINT: return json_is_integer(v);
	case DP_SCHEMA_NUMBER: return json_is_number(v);
	case DP_SCHEMA_STRING: case DP_SCHEMA_ENUM: return json_is_string(v);
	case DP_SCHEMA_REF:
		return json_is_string(v) || ((f->flags & DP_SCHEMA_BY_INDEX) && json_is_integer(v));
	case DP_SCHEMA_OBJECT: return json_is_object(v);
	case DP_SCHEMA_ARRAY: return json_is_array(v);
	}
	return false;
}

static const char *
type_want(const struct dp_schema_field *f, char *buf, size_t n)
{
	switch (f->type) {
	case DP_SCHEMA_ANY: return "anything";
	case DP_SCHEMA_BOOL: return "a boolean";
	case DP_SCHEMA_INT: return "an integer";
	case DP_SCHEMA_UINT: return "an unsigned integer";
	case DP_SCHEMA_NUMBER: return "a number";
	case DP_SCHEMA_STRING: case DP_SCHEMA_ENUM: return "a string";
	case DP_SCHEMA_REF:
		snprintf(buf, n, "a %s name%s", f->ref, f->flags & DP_SCHEMA_BY_INDEX ? " or index" : "");
		return buf;
	case DP_SCHEMA_OBJECT: return "an object";
	case DP_SCHEMA_ARRAY: return "an array";
	}
	return "?";
}

static const char *const format_names[] = {
	[DP_SCHEMA_FMT_NONE] = NULL, [DP_SCHEMA_FMT_MAC] = "mac",
	[DP_SCHEMA_FMT_IPV4] = "ipv4", [DP_SCHEMA_FMT_IPV6] = "ipv6",
	[DP_SCHEMA_FMT_IPV4_PREFIX] = "ipv4-prefix", [DP_SCHEMA_FMT_IPV6_PREFIX] = "ipv6-prefix",
	[DP_SCHEMA_FMT_IP] = "ip", [DP_SCHEMA_FMT_IP_PREFIX] = "ip-prefix",
	[DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR] = "ipv4-prefix-or-address",
};

static const char *const format_want[] = {
	[DP_SCHEMA_FMT_NONE] = "", [DP_SCHEMA_FMT_MAC] = "a MAC address (xx:xx:xx:xx:xx:xx)",
	[DP_SCHEMA_FMT_IPV4] = "an IPv4 address", [DP_SCHEMA_FMT_IPV6] = "an IPv6 address",
	[DP_SCHEMA_FMT_IPV4_PREFIX] = "an IPv4 prefix \"a.b.c.d/len\"",
	[DP_SCHEMA_FMT_IPV6_PREFIX] = "an IPv6 prefix \"addr/len\"",
	[DP_SCHEMA_FMT_IP] = "an IPv4 or IPv6 address",
	[DP_SCHEMA_FMT_IP_PREFIX] = "an IPv4 or IPv6 prefix \"addr/len\"",
	[DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR] = "an IPv4 address or prefix \"a.b.c.d/len\"",
};

/* The same, in the words of sxcd's document voice. */
static const char *const format_says[] = {
	[DP_SCHEMA_FMT_NONE] = "", [DP_SCHEMA_FMT_MAC] = "a MAC address (aa:bb:cc:dd:ee:ff)",
	[DP_SCHEMA_FMT_IPV4] = "an IPv4 address", [DP_SCHEMA_FMT_IPV6] = "an IPv6 address",
	[DP_SCHEMA_FMT_IPV4_PREFIX] = "an IPv4 ADDRESS/LENGTH",
	[DP_SCHEMA_FMT_IPV6_PREFIX] = "an IPv6 ADDRESS/LENGTH",
	[DP_SCHEMA_FMT_IP] = "an IPv4 or IPv6 address",
	[DP_SCHEMA_FMT_IP_PREFIX] = "an IPv4 or IPv6 ADDRESS/LENGTH",
	[DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR] = "an IPv4 address or ADDRESS/LENGTH",
};

static const char *const format_example[] = {
	[DP_SCHEMA_FMT_NONE] = "", [DP_SCHEMA_FMT_MAC] = "02:00:00:00:00:01",
	[DP_SCHEMA_FMT_IPV4] = "192.0.2.1", [DP_SCHEMA_FMT_IPV6] = "2001:db8::1",
	[DP_SCHEMA_FMT_IPV4_PREFIX] = "192.0.2.0/24", [DP_SCHEMA_FMT_IPV6_PREFIX] = "2001:db8::/32",
	[DP_SCHEMA_FMT_IP] = "192.0.2.1", [DP_SCHEMA_FMT_IP_PREFIX] = "192.0.2.0/24",
	[DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR] = "192.0.2.0/24", [DP_SCHEMA_FMT_OWN] = "",
};

static bool
format_ok(const struct dp_schema_field *d, const char *s)
{
	uint8_t a[16], plen;
	int af = strchr(s, ':') ? AF_INET6 : AF_INET;

	switch (d->format) {
	case DP_SCHEMA_FMT_NONE: return true;
	case DP_SCHEMA_FMT_MAC: return dp_addr_mac(s, a) == 0;
	case DP_SCHEMA_FMT_IPV4: return dp_addr_ip(s, AF_INET, a) == 0;
	case DP_SCHEMA_FMT_IPV6: return dp_addr_ip(s, AF_INET6, a) == 0;
	case DP_SCHEMA_FMT_IPV4_PREFIX: return dp_addr_prefix(s, AF_INET, false, a, &plen) == 0;
	case DP_SCHEMA_FMT_IPV6_PREFIX: return dp_addr_prefix(s, AF_INET6, false, a, &plen) == 0;
	case DP_SCHEMA_FMT_IP: return dp_addr_ip(s, af, a) == 0;
	case DP_SCHEMA_FMT_IP_PREFIX: return dp_addr_prefix(s, af, false, a, &plen) == 0;
	case DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR: return dp_addr_prefix(s, AF_INET, true, a, &plen) == 0;
	case DP_SCHEMA_FMT_OWN: return d->own != NULL && d->own->ok(s);
	}
	return false;
}

/* ------------------------------------------------------------ errors */

struct ctx {
	const char *style;	/* NULL: RPC wording; else the root of config-style paths */
	struct dp_rpc_err *err;
	/* the document voice (err NULL): every error counted in *n, appended
	 * to errs while it holds fewer than cap; the walk goes on past one */
	json_t *errs;
	size_t cap;
	int *n;
	size_t plen;		/* bytes of a pointer: 256 (the RPC's), PTR_MAX */
};

/* The JSON type of v as the document voice names it. */
static const char *
doc_type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

/* An error in the document voice. */
static int __attribute__((format(printf, 4, 5)))
found(const struct ctx *c, const char *ptr, const char *reason, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(*c->n)++;
	if (json_array_size(c->errs) < c->cap)
		json_array_append_new(c->errs, json_pack("{s:s,s:s,s:s}", "pointer", ptr, "reason",
							 reason, "message", msg));
	return -1;
}

/* "/ports/0/mtu" under "config" -> "config.ports[0].mtu" */
static void
path_of(const char *root, const char *ptr, char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "%s", root);

	while (*ptr == '/' && len < n) {
		const char *tok = ++ptr;
		size_t tl = strcspn(tok, "/"), d = strspn(tok, "0123456789");
		bool idx = tl > 0 && d == tl;

		len += (size_t)snprintf(buf + len, n - len, idx ? "[" : ".");
		for (size_t i = 0; i < tl && len + 1 < n; i++) {
			char c = tok[i];

			if (c == '~' && i + 1 < tl && (tok[i + 1] == '0' || tok[i + 1] == '1'))
				c = tok[++i] == '0' ? '~' : '/';
			buf[len++] = c;
			buf[len] = '\0';
		}
		if (idx && len < n)
			len += (size_t)snprintf(buf + len, n - len, "]");
		ptr = tok + tl;
	}
}

/* The value at ptr (a member named key, or an element when key is NULL)
 * is wrong: what says how. */
static int __attribute__((format(printf, 5, 6)))
fail(const struct ctx *c, const char *reason, const char *ptr, const char *key,
     const char *fmt, ...)
{
	char what[192], where[sizeof(c->err->pointer)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->style != NULL) {
		path_of(c->style, ptr, where, sizeof(where));
		return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, ptr, "%s: %s", where,
				      what);
	}
	if (key != NULL)
		return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, ptr, "field '%.64s' %s",
				      key, what);
	return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, ptr, "%s%s %s",
			      ptr[0] ? "item " : "params", ptr, what);
}

/* Member key of the object at ptr is unknown (or missing). */
static int
fail_member(const struct ctx *c, const char *reason, const char *ptr, const char *key,
	    const char *why)
{
	char p[sizeof(c->err->pointer)], where[sizeof(c->err->pointer)];
	bool unknown = strcmp(reason, "unknown_field") == 0;

	dp_rpc_ptr_join(p, c->plen, ptr, key);
	if (c->style != NULL) {
		path_of(c->style, ptr, where, sizeof(where));
		return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, p, "%s: %s\"%.64s\"%s%s%s",
				      where, unknown ? "unknown member " : "", key,
				      unknown ? "" : " is required", why ? ": " : "", why ? why : "");
	}
	if (unknown)
		return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, p, "unknown field '%.64s'%s%s",
				      key, why ? ": " : "", why ? why : "");
	return dp_rpc_err_set(c->err, DP_RPC_INVALID_PARAMS, reason, p, "field '%.64s' is required%s%s",
			      key, why ? ": " : "", why ? why : "");
}

static int
no_memory(const struct ctx *c)
{
	if (c->errs != NULL)
		return found(c, "", "no_memory", "out of memory");
	return dp_rpc_err_set(c->err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
}

/* ------------------------------------------------------------ check */

static int check(const struct ctx *c, const struct dp_schema_field *f, json_t *v,
		 const char *ptr, const char *key, struct dp_schema_val *out);

static int
subs(const struct ctx *c, struct dp_schema_val *out, size_t n)
{
	out->n = 0;
	out->sub = NULL;
	if (n == 0)
		return 0;
	out->sub = calloc(n, sizeof(*out->sub));
	if (out->sub == NULL)
		return no_memory(c);
	out->n = n;
	return 0;
}

static void
absent(const struct dp_schema_field *m, struct dp_schema_val *out)
{
	out->decl = m;
	if (!(m->flags & DP_SCHEMA_DEF))
		return;
	switch (m->type) {
	case DP_SCHEMA_BOOL:
		out->b = m->def != 0;
		break;
	case DP_SCHEMA_ENUM:
		out->u = (uint64_t)m->def;
		out->s = m->names[m->def];
		break;
	default:
		out->i = m->def;
	}
}

void
dp_schema_member_rule(const struct dp_schema_field *m, uint32_t tag_bit, bool *taken, bool *needed)
{
	*taken = tag_bit == 0 || m->in == 0 || (m->in & tag_bit);
	*needed = (m->flags & DP_SCHEMA_REQ) || (m->need & tag_bit);
}

/* The document voice: the required members first, then each member in
 * the value's order (an undeclared one refused unless the object is open). */
static int
check_members_doc(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
		  struct dp_schema_val *out)
{
	char p[PTR_MAX];
	int before = *c->n;
	const char *k;
	json_t *mv;
	long i;

	if (subs(c, out, n_members(f->fields)) < 0)
		return -1;
	for (i = 0; f->fields[i].name != NULL; i++)
		if ((f->fields[i].flags & DP_SCHEMA_REQ) && json_object_get(v, f->fields[i].name) == NULL) {
			dp_rpc_ptr_join(p, c->plen, ptr, f->fields[i].name);
			found(c, p, "missing", "'%s' is required", f->fields[i].name);
		}
	json_object_foreach(v, k, mv) {
		dp_rpc_ptr_join(p, c->plen, ptr, k);
		if ((i = member_find(f->fields, k)) >= 0)
			check(c, &f->fields[i], mv, p, k, &out->sub[i]);
		else if (!(f->flags & DP_SCHEMA_OPEN))
			found(c, p, "unknown_field", "no field '%s' here", k);
	}
	return *c->n > before ? -1 : 0;
}

static int
check_members(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	      struct dp_schema_val *out)
{
	if (c->errs != NULL)
		return check_members_doc(c, f, v, ptr, out);
	const struct dp_schema_field *m;
	char p[PTR_MAX];
	long tag = -1;
	uint32_t bit = 0;
	const char *k;
	json_t *mv;
	size_t i;

	/* a member nobody declared is refused before anything else is read */
	json_object_foreach(v, k, mv)
		if (!(f->flags & DP_SCHEMA_OPEN) && member_find(f->fields, k) < 0)
			return fail_member(c, "unknown_field", ptr, k, NULL);
	if (subs(c, out, n_members(f->fields)) < 0)
		return -1;
	if (f->tag != NULL) {
		tag = member_find(f->fields, f->tag);
		m = &f->fields[tag];
		mv = json_object_get(v, m->name);
		if (mv == NULL)
			return fail_member(c, "missing_field", ptr, m->name, NULL);
		dp_rpc_ptr_join(p, c->plen, ptr, m->name);
		if (check(c, m, mv, p, m->name, &out->sub[tag]) < 0)
			return -1;
		bit = DP_SCHEMA_BIT(out->sub[tag].u);
	}
	for (i = 0; i < out->n; i++) {
		bool taken, needed;

		m = &f->fields[i];
		if ((long)i == tag)
			continue;
		dp_schema_member_rule(m, bit, &taken, &needed);
		mv = json_object_get(v, m->name);
		if (mv == NULL) {
			if (needed) {
				char why[96];

				snprintf(why, sizeof(why), "%s \"%s\" needs it", f->tag ? f->tag : "",
					 tag >= 0 ? out->sub[tag].s : "");
				return fail_member(c, "missing_field", ptr, m->name,
						   tag >= 0 && !(m->flags & DP_SCHEMA_REQ) ? why : NULL);
			}
			absent(m, &out->sub[i]);
			continue;
		}
		if (!taken) {
			char why[96];

			snprintf(why, sizeof(why), "not taken with %s \"%s\"", f->tag, out->sub[tag].s);
			return fail_member(c, "unknown_field", ptr, m->name, why);
		}
		dp_rpc_ptr_join(p, c->plen, ptr, m->name);
		if (check(c, m, mv, p, m->name, &out->sub[i]) < 0)
			return -1;
	}
	return 0;
}

static int
check_map(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	  struct dp_schema_val *out)
{
	char p[PTR_MAX];
	const char *k;
	json_t *mv;
	size_t i = 0;

	if (f->items == NULL)
		return 0;
	if (subs(c, out, json_object_size(v)) < 0)
		return -1;
	json_object_foreach(v, k, mv) {
		dp_rpc_ptr_join(p, c->plen, ptr, k);
		out->sub[i].key = k;
		if (check(c, f->items, mv, p, k, &out->sub[i]) < 0 && c->errs == NULL)
			return -1;
		i++;
	}
	return 0;
}

static int
check_array(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	    const char *key, struct dp_schema_val *out)
{
	char p[PTR_MAX];
	size_t n = json_array_size(v), i;
	int64_t hi = f->max ? f->max : INT64_MAX;
	json_t *e;
	int before = c->errs != NULL ? *c->n : 0;

	if (c->errs != NULL) {
		hi = len_hi(f);
		if ((int64_t)n < f->min)
			found(c, ptr, "too_few", "at least %" PRId64 " items", f->min);
		if ((int64_t)n > hi)
			return found(c, ptr, "too_many", "at most %" PRId64 " items", hi);
	} else if ((int64_t)n < f->min || (int64_t)n > hi) {
		if (f->max)
			return fail(c, "out_of_range", ptr, key, "must have %" PRId64 "..%" PRId64 " items",
				    f->min, f->max);
		return fail(c, "out_of_range", ptr, key, "must have at least %" PRId64 " item%s", f->min,
			    f->min == 1 ? "" : "s");
	}
	if (f->items == NULL)
		return 0;
	if (subs(c, out, n) < 0)
		return -1;
	json_array_foreach(v, i, e) {
		dp_rpc_ptr_index(p, c->plen, ptr, i);
		if (check(c, f->items, e, p, NULL, &out->sub[i]) < 0 && c->errs == NULL)
			return -1;
	}
	return c->errs != NULL && *c->n > before ? -1 : 0;
}

static int
check_ref(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	  const char *key, struct dp_schema_val *out)
{
	const struct dp_schema_ref *r = ref_get(f->ref);
	unsigned int n = r != NULL ? r->count() : 0;
	int id;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) >= (json_int_t)n)
			return fail(c, "not_found", ptr, key, "names no %s: there is no %s %"
				    JSON_INTEGER_FORMAT " (of %u)", f->ref, f->ref,
				    json_integer_value(v), n);
		out->u = (uint64_t)json_integer_value(v);
		return 0;
	}
	out->s = json_string_value(v);
	id = r != NULL ? r->find(out->s) : -1;
	if (id < 0)
		return fail(c, "not_found", ptr, key, "names no %s: there is no %s \"%.64s\"", f->ref,
			    f->ref, out->s);
	out->u = (uint64_t)id;
	return 0;
}

static int
check_string(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	     const char *key, struct dp_schema_val *out)
{
	int64_t len = (int64_t)json_string_length(v);

	out->s = json_string_value(v);
	if (c->errs != NULL) {
		if (len < f->min)
			return found(c, ptr, "too_short", "at least %" PRId64 " characters", f->min);
		if (len > len_hi(f))
			return found(c, ptr, "too_long", "at most %" PRId64 " characters", len_hi(f));
		if (f->format != DP_SCHEMA_FMT_NONE &&
		    (strlen(out->s) != (size_t)len || !format_ok(f, out->s)))
			return found(c, ptr, "bad_value", "expected %s", f->format == DP_SCHEMA_FMT_OWN ?
				     f->own->says : format_says[f->format]);
		return 0;
	}
	if (len < f->min || (f->max != 0 && len > f->max)) {
		if (f->max != 0)
			return fail(c, "bad_value", ptr, key, "must be %" PRId64 "..%" PRId64
				    " characters long", f->min, f->max);
		return fail(c, "bad_value", ptr, key, "must be at least %" PRId64 " characters long",
			    f->min);
	}
	/* a format is checked on the C string: an embedded NUL is not one */
	if (f->format != DP_SCHEMA_FMT_NONE &&
	    (strlen(out->s) != (size_t)len || !format_ok(f, out->s)))
		return fail(c, "bad_value", ptr, key, "must be %s, not \"%.64s\"",
			    f->format == DP_SCHEMA_FMT_OWN ? f->own->says : format_want[f->format],
			    out->s);
	return 0;
}

static int
check_enum(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
	   const char *key, struct dp_schema_val *out)
{
	char list[160];
	size_t len = 0, i;

	for (i = 0; f->names[i] != NULL; i++)
		if (strcmp(json_string_value(v), f->names[i]) == 0) {
			out->u = i;
			out->s = f->names[i];
			return 0;
		}
	if (c->errs != NULL) {
		json_t *a = json_array();
		char *opts;

		for (i = 0; a != NULL && f->names[i] != NULL; i++)
			json_array_append_new(a, json_string(f->names[i]));
		opts = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
		found(c, ptr, "bad_value", "expected one of %s", opts ? opts : "");
		free(opts);
		json_decref(a);
		return -1;
	}
	list[0] = '\0';
	for (i = 0; f->names[i] != NULL && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					f->names[i]);
	return fail(c, "bad_value", ptr, key, "must be one of: %s", list);
}

static int
check(const struct ctx *c, const struct dp_schema_field *f, json_t *v, const char *ptr,
      const char *key, struct dp_schema_val *out)
{
	const struct dp_schema_field *d = f;
	char want[160], one[64];
	size_t len = 0;

	while (d != NULL && !fits(d, v))
		d = d->alt;
	if (d == NULL && c->errs != NULL) {
		const char *t = f->type == DP_SCHEMA_BOOL ? "boolean" : f->type == DP_SCHEMA_NUMBER ? "number" :
				f->type == DP_SCHEMA_INT || f->type == DP_SCHEMA_UINT ? "integer" :
				f->type == DP_SCHEMA_OBJECT ? "object" : f->type == DP_SCHEMA_ARRAY ? "array" :
				"string";

		return found(c, ptr, "wrong_type", "expected %s %s, got %s",
			     strchr("aeiou", t[0]) ? "an" : "a", t, doc_type_of(v));
	}
	if (d == NULL) {
		for (d = f; d != NULL && len < sizeof(want); d = d->alt)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s",
						d == f ? "" : " or ", type_want(d, one, sizeof(one)));
		return fail(c, "wrong_type", ptr, key, "must be %s, not %s", want, dp_rpc_type_name(v));
	}
	out->decl = d;
	out->json = v;
	out->set = true;
	if (json_is_null(v))
		return 0;
	switch (d->type) {
	case DP_SCHEMA_BOOL:
		out->b = json_is_true(v);
		return 0;
	case DP_SCHEMA_INT:
	case DP_SCHEMA_UINT:
		out->i = json_integer_value(v);
		if ((out->i < int_lo(d) || out->i > int_hi(d)) && c->errs != NULL)
			/* an absent minimum reads 0, as the document's checker always said */
			return found(c, ptr, "out_of_range", "%" PRId64 " is outside %" PRId64 "..%" PRId64,
				     out->i, int_lo(d) == INT64_MIN ? 0 : int_lo(d), int_hi(d));
		if (out->i < int_lo(d) || out->i > int_hi(d))
			return fail(c, "out_of_range", ptr, key, "must be between %" PRId64 " and %" PRId64,
				    int_lo(d), int_hi(d));
		return 0;
	case DP_SCHEMA_STRING:
		return check_string(c, d, v, ptr, key, out);
	case DP_SCHEMA_ENUM:
		return check_enum(c, d, v, ptr, key, out);
	case DP_SCHEMA_REF:
		return check_ref(c, d, v, ptr, key, out);
	case DP_SCHEMA_OBJECT:
		if (d->fields != NULL)
			return check_members(c, d, v, ptr, out);
		return check_map(c, d, v, ptr, out);
	case DP_SCHEMA_ARRAY:
		return check_array(c, d, v, ptr, key, out);
	default:
		return 0;
	}
}

static void
val_clear(struct dp_schema_val *v)
{
	for (size_t i = 0; i < v->n; i++)
		val_clear(&v->sub[i]);
	free(v->sub);
	v->sub = NULL;
	v->n = 0;
}

void
dp_schema_val_free(struct dp_schema_val *v)
{
	if (v == NULL)
		return;
	val_clear(v);
	free(v);
}

int
dp_schema_check(const struct dp_schema_field *decl, json_t *value, const char *ptr,
		const char *style, struct dp_schema_val **out, struct dp_rpc_err *err)
{
	struct ctx c = { .style = style, .err = err, .plen = sizeof(err->pointer) };
	struct dp_schema_val *v;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return no_memory(&c);
	if (check(&c, decl, value, ptr != NULL ? ptr : "", NULL, v) < 0) {
		dp_schema_val_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int
dp_schema_check_all(const struct dp_schema_field *decl, json_t *value, const char *ptr,
		    json_t *errs, size_t cap)
{
	int n = 0;
	struct ctx c = { .errs = errs, .cap = cap, .n = &n, .plen = PTR_MAX };
	struct dp_schema_val *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return no_memory(&c), n;
	check(&c, decl, value, ptr != NULL ? ptr : "", NULL, v);
	dp_schema_val_free(v);
	return n;
}

/* ------------------------------------------------------------ declarations */

static int
valid(const struct dp_schema_field *f, int depth)
{
	unsigned int alts = 0;

	if (depth > DEPTH_MAX)
		return -EINVAL;
	for (const struct dp_schema_field *a = f->alt; a != NULL; a = a->alt)
		if (++alts > 4 || a->type == f->type || valid(a, depth + 1) < 0)
			return -EINVAL;
	if (f->type < DP_SCHEMA_ANY || f->type > DP_SCHEMA_ARRAY)
		return -EINVAL;
	if (f->example != NULL) {
		json_t *e = json_loads(f->example, JSON_DECODE_ANY, NULL);

		if (e == NULL)
			return -EINVAL;
		json_decref(e);
	}
	switch (f->type) {
	case DP_SCHEMA_INT:
	case DP_SCHEMA_UINT:
		if ((f->type == DP_SCHEMA_UINT && f->min < 0) || int_lo(f) > int_hi(f) ||
		    ((f->flags & DP_SCHEMA_DEF) && (f->def < int_lo(f) || f->def > int_hi(f))))
			return -EINVAL;
		break;
	case DP_SCHEMA_ENUM:
		if (n_names(f->names) == 0 || ((f->flags & DP_SCHEMA_DEF) &&
		    (f->def < 0 || (size_t)f->def >= n_names(f->names))))
			return -EINVAL;
		break;
	case DP_SCHEMA_STRING:
		if (f->min < 0 || (f->max != 0 && f->max < f->min) ||
		    (unsigned int)f->format > DP_SCHEMA_FMT_OWN ||
		    (f->format == DP_SCHEMA_FMT_OWN && (f->own == NULL || f->own->ok == NULL)))
			return -EINVAL;
		break;
	case DP_SCHEMA_REF:
		if (f->ref == NULL)
			return -EINVAL;
		break;
	case DP_SCHEMA_ARRAY:
		if (f->min < 0 || (f->max != 0 && f->max < f->min) ||
		    (f->items != NULL && valid(f->items, depth + 1) < 0))
			return -EINVAL;
		break;
	case DP_SCHEMA_OBJECT:
		if (f->fields == NULL)
			return f->items != NULL ? valid(f->items, depth + 1) : 0;
		for (size_t i = 0; f->fields[i].name != NULL; i++)
			if (member_find(f->fields, f->fields[i].name) != (long)i ||
			    valid(&f->fields[i], depth + 1) < 0)
				return -EINVAL;
		if (f->tag != NULL) {
			long t = member_find(f->fields, f->tag);

			if (t < 0 || f->fields[t].type != DP_SCHEMA_ENUM ||
			    !(f->fields[t].flags & DP_SCHEMA_REQ) || n_names(f->fields[t].names) > 32)
				return -EINVAL;
		}
		break;
	default:
		break;
	}
	return 0;
}

int
dp_schema_valid(const struct dp_schema_field *decl)
{
	return decl != NULL ? valid(decl, 0) : -EINVAL;
}

/* ------------------------------------------------------------ JSON Schema */

static json_t *to_json(const struct dp_schema_field *f, int depth);

static const char *const type_names[] = {
	[DP_SCHEMA_BOOL] = "boolean", [DP_SCHEMA_INT] = "integer", [DP_SCHEMA_UINT] = "integer",
	[DP_SCHEMA_NUMBER] = "number", [DP_SCHEMA_STRING] = "string", [DP_SCHEMA_ENUM] = "string",
	[DP_SCHEMA_REF] = "string", [DP_SCHEMA_OBJECT] = "object", [DP_SCHEMA_ARRAY] = "array",
};

static json_t *
def_json(const struct dp_schema_field *f)
{
	switch (f->type) {
	case DP_SCHEMA_BOOL: return json_boolean(f->def);
	case DP_SCHEMA_ENUM: return json_string(f->names[f->def]);
	default: return json_integer(f->def);
	}
}

/* The members of an object; with tag_bit, only those taken with it. */
static int
members_json(json_t *o, const struct dp_schema_field *f, uint32_t tag_bit, long tag, int depth)
{
	json_t *props = json_object(), *req = json_array();
	int rc = props != NULL && req != NULL ? 0 : -1;

	for (size_t i = 0; rc == 0 && f->fields[i].name != NULL; i++) {
		const struct dp_schema_field *m = &f->fields[i];
		json_t *s = NULL;

		if (tag_bit && m->in && !(m->in & tag_bit))
			continue;
		if (tag_bit && (long)i == tag) {
			for (size_t k = 0; k < 32; k++)
				if (tag_bit == DP_SCHEMA_BIT(k))
					s = json_pack("{s:s,s:s}", "description", m->desc ? m->desc : "",
						      "const", m->names[k]);
		} else {
			s = to_json(m, depth + 1);
		}
		rc = json_object_set_new(props, m->name, s);
		if (rc == 0 && ((m->flags & DP_SCHEMA_REQ) || (m->need & tag_bit)))
			rc = json_array_append_new(req, json_string(m->name));
	}
	if (rc == 0)
		rc = json_object_set_new(o, "properties", props);
	else
		json_decref(props);
	if (rc == 0 && json_array_size(req) > 0)
		rc = json_object_set_new(o, "required", req);
	else
		json_decref(req);
	return rc == 0 ? json_object_set_new(o, "additionalProperties",
					     json_boolean(!!(f->flags & DP_SCHEMA_OPEN))) : -1;
}

static int
object_json(json_t *o, const struct dp_schema_field *f, int depth)
{
	json_t *branches, *b;
	long tag;

	if (f->fields == NULL)
		return json_object_set_new(o, "additionalProperties",
					   f->items ? to_json(f->items, depth + 1) : json_true());
	if (f->tag == NULL)
		return members_json(o, f, 0, -1, depth);
	/* OpenAPI's discriminator: one complete object schema per tag value */
	tag = member_find(f->fields, f->tag);
	branches = json_array();
	if (branches == NULL || json_object_set_new(o, "discriminator",
						    json_pack("{s:s}", "propertyName", f->tag)) != 0 ||
	    json_object_set_new(o, "oneOf", branches) != 0)
		return -1;
	for (size_t k = 0; f->fields[tag].names[k] != NULL; k++) {
		b = json_pack("{s:s,s:s}", "title", f->fields[tag].names[k], "type", "object");
		if (b == NULL || json_array_append_new(branches, b) != 0 ||
		    members_json(b, f, DP_SCHEMA_BIT(k), tag, depth) != 0)
			return -1;
	}
	return 0;
}

static json_t *
to_json(const struct dp_schema_field *f, int depth)
{
	json_t *o, *a;
	int rc = 0;

	if (depth > DEPTH_MAX)
		return json_object();
	if (f->alt != NULL) {
		a = json_array();
		for (const struct dp_schema_field *d = f; d != NULL && a != NULL; d = d->alt) {
			struct dp_schema_field one = *d;

			one.alt = NULL;
			one.desc = NULL;
			json_array_append_new(a, to_json(&one, depth + 1));
		}
		return json_pack("{s:s,s:o}", "description", f->desc ? f->desc : "", "oneOf", a);
	}
	o = json_object();
	if (o == NULL)
		return NULL;
	if (f->desc != NULL && f->desc[0] != '\0')
		rc |= json_object_set_new(o, "description", json_string(f->desc));
	if (f->type == DP_SCHEMA_ANY) {
		/* no "type": anything, null included */
	} else if ((f->flags & DP_SCHEMA_NULL) ||
		   (f->type == DP_SCHEMA_REF && (f->flags & DP_SCHEMA_BY_INDEX))) {
		a = json_pack("[s]", type_names[f->type]);
		if (f->type == DP_SCHEMA_REF && (f->flags & DP_SCHEMA_BY_INDEX))
			json_array_append_new(a, json_string("integer"));
		if (f->flags & DP_SCHEMA_NULL)
			json_array_append_new(a, json_string("null"));
		rc |= json_object_set_new(o, "type", a);
	} else {
		rc |= json_object_set_new(o, "type", json_string(type_names[f->type]));
	}
	switch (f->type) {
	case DP_SCHEMA_INT:
	case DP_SCHEMA_UINT:
		if (int_lo(f) != INT64_MIN)
			rc |= json_object_set_new(o, "minimum", json_integer(int_lo(f)));
		if (int_hi(f) != INT64_MAX)
			rc |= json_object_set_new(o, "maximum", json_integer(int_hi(f)));
		break;
	case DP_SCHEMA_STRING:
		if (f->min)
			rc |= json_object_set_new(o, "minLength", json_integer(f->min));
		if (f->max)
			rc |= json_object_set_new(o, "maxLength", json_integer(f->max));
		if (f->format != DP_SCHEMA_FMT_NONE)
			rc |= json_object_set_new(o, "format", json_string(f->format == DP_SCHEMA_FMT_OWN ?
						  f->own->name : format_names[f->format]));
		break;
	case DP_SCHEMA_ENUM:
		a = json_array();
		for (size_t i = 0; f->names[i] != NULL; i++)
			json_array_append_new(a, json_string(f->names[i]));
		rc |= json_object_set_new(o, "enum", a);
		break;
	case DP_SCHEMA_REF: {
		const struct dp_schema_ref *r = ref_get(f->ref);

		rc |= json_object_set_new(o, "x-ref", json_string(f->ref));
		if (r != NULL) {
			a = json_array();
			for (unsigned int i = 0; i < r->count(); i++)
				json_array_append_new(a, json_string(r->name_of(i)));
			rc |= json_object_set_new(o, "x-known", a);
		}
		break;
	}
	case DP_SCHEMA_ARRAY:
		if (f->items != NULL)
			rc |= json_object_set_new(o, "items", to_json(f->items, depth + 1));
		if (f->min)
			rc |= json_object_set_new(o, "minItems", json_integer(f->min));
		if (f->max)
			rc |= json_object_set_new(o, "maxItems", json_integer(f->max));
		break;
	case DP_SCHEMA_OBJECT:
		rc |= object_json(o, f, depth);
		break;
	default:
		break;
	}
	if (f->flags & DP_SCHEMA_DEF)
		rc |= json_object_set_new(o, "default", def_json(f));
	if (f->example != NULL)
		rc |= json_object_set_new(o, "examples", json_pack("[o]",
					  json_loads(f->example, JSON_DECODE_ANY, NULL)));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
dp_schema_json(const struct dp_schema_field *decl)
{
	return to_json(decl, 0);
}

/* ------------------------------------------------------------ examples */

static json_t *example(const struct dp_schema_field *f, int depth);

static json_t *
example_members(const struct dp_schema_field *f, int depth)
{
	json_t *o = json_object();
	uint32_t bit = 0;
	long tag = -1;

	if (f->tag != NULL) {
		json_t *t;

		tag = member_find(f->fields, f->tag);
		t = example(&f->fields[tag], depth + 1);
		for (size_t k = 0; json_is_string(t) && f->fields[tag].names[k] != NULL; k++)
			if (strcmp(json_string_value(t), f->fields[tag].names[k]) == 0)
				bit = DP_SCHEMA_BIT(k);
		json_decref(t);
	}
	for (size_t i = 0; o != NULL && f->fields[i].name != NULL; i++) {
		const struct dp_schema_field *m = &f->fields[i];

		if (tag >= 0 && m->in && !(m->in & bit))
			continue;
		if ((m->flags & (DP_SCHEMA_REQ | DP_SCHEMA_DEF)) || (m->need & bit) || m->example ||
		    m->type == DP_SCHEMA_REF)
			json_object_set_new(o, m->name, example(m, depth + 1));
	}
	return o;
}

static json_t *
example(const struct dp_schema_field *f, int depth)
{
	const struct dp_schema_ref *r;
	char up[32];

	if (f->example != NULL)
		return json_loads(f->example, JSON_DECODE_ANY, NULL);
	if ((f->flags & DP_SCHEMA_DEF) && f->type != DP_SCHEMA_ANY)
		return def_json(f);
	if (depth > DEPTH_MAX)
		return json_null();
	switch (f->type) {
	case DP_SCHEMA_BOOL: return json_false();
	case DP_SCHEMA_INT: case DP_SCHEMA_UINT: return json_integer(int_lo(f) > 0 ? int_lo(f) : 0);
	case DP_SCHEMA_NUMBER: return json_integer(0);
	case DP_SCHEMA_STRING: return json_string(format_example[f->format]);
	case DP_SCHEMA_ENUM: return json_string(f->names[0]);
	case DP_SCHEMA_REF:
		r = ref_get(f->ref);
		if (r != NULL && r->count() > 0)
			return json_string(r->name_of(0));
		/* a placeholder that says what goes there */
		for (size_t i = 0; i < sizeof(up) - 1; i++) {
			char ch = f->ref[i];

			if ((up[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch)) == '\0')
				break;
		}
		up[sizeof(up) - 1] = '\0';
		return json_string(up);
	case DP_SCHEMA_OBJECT:
		return f->fields != NULL ? example_members(f, depth) : json_object();
	case DP_SCHEMA_ARRAY:
		return f->items != NULL ? json_pack("[o]", example(f->items, depth + 1)) : json_array();
	default:
		return json_null();
	}
}

json_t *
dp_schema_example(const struct dp_schema_field *decl)
{
	return example(decl, 0);
}
