/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_spec: a slice's firewall checked and compiled into fw_rules and
 * fw_policy entries, and read back from them (see fw_spec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_names.h"
#include "fw_spec.h"

static const char *const dir_name[2] = { [FW_DIR_OUT] = "out", [FW_DIR_IN] = "in" };
static const struct { const char *name; int proto; } protos[] = {
	{ "any", 0 }, { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 },
};

/* @s among @names[0..n) (NULL: @dflt), else -1. */
static int
word(const char *s, const char *const *names, int n, int dflt)
{
	if (s == NULL)
		return dflt;
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
proto_of(const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(s, protos[i].name) == 0)
			return protos[i].proto;
	return -1;
}

/* "A.B.C.D[/LEN]" or "any" into *@net (host order) and *@plen; a prefix
 * with bits set past its length is refused: its writer meant another. */
static int
prefix_of(const char *s, uint32_t *net, unsigned int *plen, const char *ptr, struct spec_err *err)
{
	char a[INET_ADDRSTRLEN];
	const char *slash;
	struct in_addr in;
	char *end;
	long l = 32;

	if (s == NULL || strcmp(s, "any") == 0) {
		*net = 0;
		*plen = 0;
		return 0;
	}
	slash = strchr(s, '/');
	if ((size_t)(slash ? slash - s : (ptrdiff_t)strlen(s)) >= sizeof(a))
		return spec_refuse(err, ptr, "bad_value", "'%s' is not an IPv4 prefix (A.B.C.D/LEN) or address", s);
	snprintf(a, sizeof(a), "%.*s", (int)(slash ? slash - s : (ptrdiff_t)strlen(s)), s);
	if (slash != NULL) {
		l = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || l < 0 || l > 32)
			return spec_refuse(err, ptr, "bad_value", "'%s': a prefix length is 0..32", s);
	}
	if (inet_pton(AF_INET, a, &in) != 1)
		return spec_refuse(err, ptr, "bad_value", strchr(s, ':') ? "'%s' is IPv6: the slice's edge is IPv4's (NAT44)"
				: "'%s' is not an IPv4 prefix (A.B.C.D/LEN) or address", s);
	*net = ntohl(in.s_addr);
	*plen = (unsigned int)l;
	if ((*net & ~spec_mask4(*plen)) != 0) {
		in.s_addr = htonl(*net & spec_mask4(*plen));
		return spec_refuse(err, ptr, "bad_value", "'%s' has bits set past its length (%s/%u?)", s,
			      inet_ntop(AF_INET, &in, a, sizeof(a)), *plen);
	}
	return 0;
}

/* A port or a range: N, "N", "LO-HI" or "any" (absent: any) into lo..hi. */
static int
ports_of(json_t *v, unsigned int *lo, unsigned int *hi, const char *ptr, struct spec_err *err)
{
	const char *s = json_string_value(v);
	char *end;
	long a, b;

	*lo = 0;
	*hi = 65535;
	if (v == NULL || (s != NULL && strcmp(s, "any") == 0))
		return 0;
	if (json_is_integer(v)) {
		a = b = (long)json_integer_value(v);
	} else if (s != NULL && *s >= '0' && *s <= '9') {
		a = b = strtol(s, &end, 10);
		if (*end == '-' && end[1] >= '0' && end[1] <= '9')
			b = strtol(end + 1, &end, 10);
		if (*end != '\0')
			return spec_refuse(err, ptr, "bad_value", "'%s' is not a port or a range LO-HI", s);
	} else {
		return spec_refuse(err, ptr, "bad_value", "a port (0..65535) or a range \"LO-HI\"");
	}
	if (a < 0 || a > 65535 || b < 0 || b > 65535)
		return spec_refuse(err, ptr, "bad_value", "ports are 0..65535");
	if (a > b)
		return spec_refuse(err, ptr, "bad_value", "the range %ld-%ld is reversed (LO-HI, LO <= HI)", a, b);
	*lo = (unsigned int)a;
	*hi = (unsigned int)b;
	return 0;
}

static json_t *
ternary4(uint32_t net, unsigned int plen)
{
	struct in_addr v = { htonl(net) }, m = { htonl(spec_mask4(plen)) };
	char vs[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN];

	return json_pack("{s:s,s:s}", "value", inet_ntop(AF_INET, &v, vs, sizeof(vs)), "mask",
			 inet_ntop(AF_INET, &m, ms, sizeof(ms)));
}

/* The match's optional fields: left out, each matches anything. */
static void
match_add(json_t *m, const char *field, json_t *v)
{
	if (v != NULL)
		json_object_set_new(m, field, v);
}

static json_t *
range(unsigned int lo, unsigned int hi)
{
	if (lo == 0 && hi == 65535)
		return NULL;
	return lo == hi ? json_integer(lo) : json_pack("{s:i,s:i}", "min", lo, "max", hi);
}

/* Rule @i (@r) into its update; *@id its id. */
static json_t *
rule_upd(json_t *r, size_t i, json_int_t vrf, json_int_t *id, struct spec_err *err)
{
	static const char *const act[] = { FW_A_ALLOW, FW_A_DENY };
	char p[48];
	uint32_t src, dst;
	unsigned int sp, dp, slo, shi, dlo, dhi;
	int dir, a, proto;
	json_t *m;

#define AT(f) (snprintf(p, sizeof(p), "/rules/%zu%s", i, f), p)
	if (!json_is_object(r))
		return spec_refuse(err, AT(""), "bad_value", "a rule is an object {id, dir, action, ...}"), NULL;
	*id = json_is_integer(json_object_get(r, "id")) ? json_integer_value(json_object_get(r, "id")) : -1;
	if (json_object_get(r, "id") == NULL)
		return spec_refuse(err, AT("/id"), "missing", "a rule needs its id (1..%d: the lowest that matches "
			      "decides)", FW_RULE_ID_MAX), NULL;
	if (*id < 1 || *id > FW_RULE_ID_MAX)
		return spec_refuse(err, AT("/id"), "bad_value", "a rule's id is 1..%d", FW_RULE_ID_MAX), NULL;
	if ((dir = word(json_string_value(json_object_get(r, "dir")), dir_name, 2, -2)) < 0)
		return spec_refuse(err, AT("/dir"), dir == -2 ? "missing" : "bad_value",
			      "rule %" JSON_INTEGER_FORMAT ": dir is \"in\" (into the slice) or \"out\"", *id), NULL;
	if ((a = word(json_string_value(json_object_get(r, "action")), act, 2, -2)) < 0)
		return spec_refuse(err, AT("/action"), a == -2 ? "missing" : "bad_value",
			      "rule %" JSON_INTEGER_FORMAT ": action is \"allow\" or \"deny\"", *id), NULL;
	if ((proto = proto_of(json_string_value(json_object_get(r, "proto")))) < 0 ||
	    (json_object_get(r, "proto") != NULL && !json_is_string(json_object_get(r, "proto"))))
		return spec_refuse(err, AT("/proto"), "bad_value", "rule %" JSON_INTEGER_FORMAT ": unknown proto (tcp, "
			      "udp, icmp or any)", *id), NULL;
	if (prefix_of(json_string_value(json_object_get(r, "src")), &src, &sp, AT("/src"), err) < 0 ||
	    prefix_of(json_string_value(json_object_get(r, "dst")), &dst, &dp, AT("/dst"), err) < 0 ||
	    ports_of(json_object_get(r, "sport"), &slo, &shi, AT("/sport"), err) < 0 ||
	    ports_of(json_object_get(r, "dport"), &dlo, &dhi, AT("/dport"), err) < 0)
		return NULL;
	if ((json_object_get(r, "src") != NULL && !json_is_string(json_object_get(r, "src"))) ||
	    (json_object_get(r, "dst") != NULL && !json_is_string(json_object_get(r, "dst"))))
		return spec_refuse(err, AT(json_is_string(json_object_get(r, "src")) ? "/dst" : "/src"), "bad_value",
			      "a prefix is a string"), NULL;
	if ((slo != 0 || shi != 65535 || dlo != 0 || dhi != 65535) && proto != 6 && proto != 17)
		return spec_refuse(err, AT(slo != 0 || shi != 65535 ? "/sport" : "/dport"), "bad_value",
			      "rule %" JSON_INTEGER_FORMAT ": ports are TCP's and UDP's: name proto tcp or udp", *id),
		       NULL;
#undef AT
	m = json_pack("{s:I,s:i}", FW_F_VRF, vrf, FW_F_DIR, dir);
	match_add(m, FW_F_PROTO, proto != 0 ? json_pack("{s:i,s:i}", "value", proto, "mask", 255) : NULL);
	match_add(m, FW_F_SRC, sp != 0 ? ternary4(src, sp) : NULL);
	match_add(m, FW_F_DST, dp != 0 ? ternary4(dst, dp) : NULL);
	match_add(m, FW_F_SPORT, range(slo, shi));
	match_add(m, FW_F_DPORT, range(dlo, dhi));
	return json_pack("{s:s,s:s,s:o,s:I,s:s,s:{s:I}}", "type", "insert", "table", FW_T_RULES, "match", m,
			 "priority", (json_int_t)FW_PRIO_TOP - *id, "action", act[a], "params", FW_F_RULE, *id);
}

static int
by_priority(const void *a, const void *b)
{
	json_int_t pa = json_integer_value(json_object_get(*(json_t *const *)a, "priority"));
	json_int_t pb = json_integer_value(json_object_get(*(json_t *const *)b, "priority"));

	return pa < pb ? 1 : pa > pb ? -1 : 0;
}

/* The two defaults (in: deny, out: allow unless said). */
static int
defaults(json_t *fw, json_int_t vrf, json_t *out, struct spec_err *err)
{
	static const char *const act[] = { FW_A_ALLOW, FW_A_DENY };
	json_t *d = json_object_get(fw, "default");

	if (d != NULL && !json_is_object(d))
		return spec_refuse(err, "/default", "bad_value", "default is {\"in\": allow|deny, \"out\": allow|deny}");
	for (int dir = 0; dir < 2; dir++) {
		json_t *v = json_object_get(d, dir_name[dir]);
		int a = word(json_string_value(v), act, 2, dir == FW_DIR_IN ? 1 : 0);
		char p[24];

		snprintf(p, sizeof(p), "/default/%s", dir_name[dir]);
		if (a < 0 || (v != NULL && !json_is_string(v)))
			return spec_refuse(err, p, "bad_value", "the default is \"allow\" or \"deny\"");
		json_array_append_new(out, json_pack("{s:s,s:s,s:{s:I,s:i},s:s,s:{}}", "type", "insert", "table",
						     FW_T_POLICY, "match", FW_F_VRF, vrf, FW_F_DIR, dir, "action",
						     act[a], "params"));
	}
	return 0;
}

int
fw_spec_compile(json_t *fw, json_int_t vrf, json_t **out, struct spec_err *err)
{
	json_t *rules = json_object_get(fw, "rules"), *ups, *r, **sorted = NULL;
	size_t i, n;

	memset(err, 0, sizeof(*err));
	if (!json_is_object(fw))
		return spec_refuse(err, "", "bad_value", "a firewall is {\"default\": {...}, \"rules\": [...]}");
	if (rules != NULL && !json_is_array(rules))
		return spec_refuse(err, "/rules", "bad_value", "rules is an array");
	if ((n = json_array_size(rules)) > FW_SLICE_RULES_MAX)
		return spec_refuse(err, "/rules", "bad_value", "at most %d rules a slice", FW_SLICE_RULES_MAX);
	if ((ups = json_array()) == NULL || (n > 0 && (sorted = calloc(n, sizeof(*sorted))) == NULL)) {
		json_decref(ups);
		return -ENOMEM;
	}
	if (defaults(fw, vrf, ups, err) < 0)
		goto bad;
	json_array_foreach(rules, i, r) {
		json_int_t id;

		if ((sorted[i] = rule_upd(r, i, vrf, &id, err)) == NULL) {
			if (err->reason == NULL) {
				n = i;
				goto nomem;
			}
			n = i;
			goto bad;
		}
		for (size_t j = 0; j < i; j++)
			if (json_integer_value(json_object_get(sorted[j], "priority")) == FW_PRIO_TOP - id) {
				char p[32];

				snprintf(p, sizeof(p), "/rules/%zu/id", i);
				spec_refuse(err, p, "duplicate", "rule id %" JSON_INTEGER_FORMAT " is rule %zu's too", id, j);
				n = i + 1;
				goto bad;
			}
	}
	qsort(sorted, n, sizeof(*sorted), by_priority);
	for (i = 0; i < n; i++)
		json_array_append_new(ups, sorted[i]);
	free(sorted);
	*out = ups;
	return 0;
nomem:
	for (i = 0; i < n; i++)
		json_decref(sorted[i]);
	free(sorted);
	json_decref(ups);
	return -ENOMEM;
bad:
	for (i = 0; i < n; i++)
		json_decref(sorted[i]);
	free(sorted);
	json_decref(ups);
	return -EINVAL;
}

/* ------------------------------------------------------------ read back */

static unsigned int
plen_of(uint32_t mask)
{
	return (unsigned int)__builtin_popcount(mask);
}

/* A ternary IPv4 field as read ({"value", "mask"}; absent: any) as a prefix. */
static json_t *
prefix_text(json_t *f)
{
	struct in_addr v, m;
	char s[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN];

	if (f == NULL || inet_pton(AF_INET, json_string_value(json_object_get(f, "value")) ?: "", &v) != 1 ||
	    inet_pton(AF_INET, json_string_value(json_object_get(f, "mask")) ?: "", &m) != 1)
		return json_string("any");
	snprintf(s, sizeof(s), "%s/%u", inet_ntop(AF_INET, &v, a, sizeof(a)), plen_of(ntohl(m.s_addr)));
	return json_string(s);
}

static json_t *
ports_text(json_t *f)
{
	json_int_t lo, hi;

	if (f == NULL)
		return json_string("any");
	lo = json_is_integer(f) ? json_integer_value(f) : json_integer_value(json_object_get(f, "min"));
	hi = json_is_integer(f) ? lo : json_integer_value(json_object_get(f, "max"));
	return lo == hi ? json_sprintf("%" JSON_INTEGER_FORMAT, lo) :
	       json_sprintf("%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, lo, hi);
}

static json_t *
proto_text(json_t *f)
{
	json_int_t p = json_is_integer(f) ? json_integer_value(f) : json_integer_value(json_object_get(f, "value"));

	if (f == NULL || (json_is_object(f) && json_integer_value(json_object_get(f, "mask")) == 0))
		return json_string("any");
	for (size_t i = 1; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == p)
			return json_string(protos[i].name);
	return json_sprintf("%" JSON_INTEGER_FORMAT, p);
}

/* The row of VRF @vrf in @rows ({"VRF": row}), made when new. */
static json_t *
row_of(json_t *rows, json_int_t vrf)
{
	char k[16];
	json_t *row;

	snprintf(k, sizeof(k), "%05" JSON_INTEGER_FORMAT, vrf);   /* zero-padded: sorted keys are by VRF */
	if ((row = json_object_get(rows, k)) == NULL) {
		row = json_pack("{s:I,s:{s:s,s:s},s:{s:i,s:i},s:[]}", "vrf", vrf, "default", "in", FW_A_NONE, "out",
				FW_A_NONE, "default_hits", "in", 0, "out", 0, "rules");
		json_object_set_new(rows, k, row);
	}
	return row;
}

static int
by_id(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));

	return x < y ? -1 : x > y;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* @rows' values onto @out by key (zero-padded VRFs: by VRF). */
static void
rows_append(json_t *out, json_t *rows)
{
	size_t n = json_object_size(rows), j = 0;
	const char **keys = calloc(n + 1, sizeof(*keys)), *k;
	json_t *v;

	if (keys == NULL)
		return;
	json_object_foreach(rows, k, v)
		keys[j++] = k;
	qsort(keys, n, sizeof(*keys), by_text);
	for (j = 0; j < n; j++)
		json_array_append(out, json_object_get(rows, keys[j]));
	free(keys);
}

json_t *
fw_spec_rows(json_t *rules, json_t *policy)
{
	json_t *rows = json_object(), *e, *m, *row, *out = json_array(), *v;
	const char *k;
	size_t i;

	json_array_foreach(policy, i, e) {
		const char *d;

		m = json_object_get(e, "match");
		d = dir_name[json_integer_value(json_object_get(m, FW_F_DIR)) & 1];
		row = row_of(rows, json_integer_value(json_object_get(m, FW_F_VRF)));
		json_object_set(json_object_get(row, "default"), d, json_object_get(e, "action"));
		json_object_set(json_object_get(row, "default_hits"), d, json_object_get(e, "hits"));
	}
	json_array_foreach(rules, i, e) {
		m = json_object_get(e, "match");
		row = row_of(rows, json_integer_value(json_object_get(m, FW_F_VRF)));
		json_array_append_new(json_object_get(row, "rules"), json_pack(
			"{s:O,s:s,s:O,s:o,s:o,s:o,s:o,s:o,s:O}",
			"id", json_object_get(json_object_get(e, "params"), FW_F_RULE) ?: json_null(),
			"dir", dir_name[json_integer_value(json_object_get(m, FW_F_DIR)) & 1],
			"action", json_object_get(e, "action"), "proto", proto_text(json_object_get(m, FW_F_PROTO)),
			"src", prefix_text(json_object_get(m, FW_F_SRC)), "dst", prefix_text(json_object_get(m, FW_F_DST)),
			"sport", ports_text(json_object_get(m, FW_F_SPORT)), "dport",
			ports_text(json_object_get(m, FW_F_DPORT)), "hits", json_object_get(e, "hits") ?: json_null()));
	}
	json_object_foreach(rows, k, v) {
		json_t *rs = json_object_get(v, "rules");
		size_t n = json_array_size(rs);
		json_t **a = calloc(n + 1, sizeof(*a));

		if (a != NULL) {
			for (i = 0; i < n; i++)
				a[i] = json_incref(json_array_get(rs, i));
			qsort(a, n, sizeof(*a), by_id);
			json_array_clear(rs);
			for (i = 0; i < n; i++)
				json_array_append_new(rs, a[i]);
			free(a);
		}
	}
	rows_append(out, rows);
	json_decref(rows);
	return out;
}
