/* SPDX-License-Identifier: BSD-3-Clause */
/* Table entries in one canonical form, and the diff between two sets of them (see cd_tables.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cd_tables.h"
#include "intent.h"
#include "dp_addr.h"
#include "dp_num.h"

struct cd_tables {
	json_t *tables;	/* name → pipeline.describe's table object */
	json_t *ports;
	/* name → true: the tables intents read (intent.h's inputs), whose
	 * entries sets hold as objects (pack) */
	json_t *read;
};

struct cd_tables *
cd_tables_new(json_t *describe, json_t *ports)
{
	struct cd_tables *t = calloc(1, sizeof(*t));
	json_t *tab;
	size_t i;

	if (t == NULL)
		return NULL;
	t->tables = json_object();
	t->ports = json_incref(ports);
	t->read = json_object();
	for (unsigned int k = 0; k < INTENT_IN_MAX; k++)
		if (intent_input_table(k) != NULL)
			json_object_set_new(t->read, intent_input_table(k), json_true());
	json_array_foreach(json_object_get(describe, "tables"), i, tab) {
		const char *n = json_string_value(json_object_get(tab, "name"));

		if (n != NULL)
			json_object_set(t->tables, n, tab);
	}
	if (t->tables == NULL || t->read == NULL || !json_is_array(ports) || json_object_size(t->tables) == 0) {
		cd_tables_free(t);
		return NULL;
	}
	return t;
}

void
cd_tables_free(struct cd_tables *t)
{
	if (t == NULL)
		return;
	json_decref(t->tables);
	json_decref(t->ports);
	json_decref(t->read);
	free(t);
}

int
cd_tables_has(const struct cd_tables *t, const char *name)
{
	return json_object_get(t->tables, name) != NULL;
}

size_t
cd_tables_size(const struct cd_tables *t, const char *name)
{
	json_int_t n = json_integer_value(json_object_get(json_object_get(t->tables, name), "size"));

	return n > 0 ? (size_t)n : 0;
}

json_t *
cd_tables_name(const struct cd_tables *t, const char *name)
{
	return json_object_get(json_object_get(t->tables, name), "name");
}

json_t *
cd_tables_ports(const struct cd_tables *t)
{
	return t->ports;
}

/* ------------------------------------------------------------ values */

static int
af_of(const char *type)
{
	return strcmp(type, "ipv4") == 0 ? AF_INET : AF_INET6;   /* ipv6, ipv6net */
}

static bool
int_of(json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	return json_is_string(v) && dp_num_parse(json_string_value(v), UINT64_MAX, out) == 0;
}

/* A string-typed @v (an address or MAC) as the bytes sxdp keeps: @n of
 * them, an "ip" IPv4-mapped (*v4 then). -EINVAL when it does not parse,
 * -ENOENT when @type is not a string type. */
static int
raw_of(const char *type, json_t *v, uint8_t *a, size_t *n, bool *v4)
{
	const char *s = json_string_value(v);

	*v4 = false;
	if (strcmp(type, "ipv4") == 0 || strcmp(type, "ipv6") == 0) {
		*n = strcmp(type, "ipv4") == 0 ? 4 : 16;
		*v4 = *n == 4;
		return s != NULL && dp_addr_ip(s, af_of(type), a) == 0 ? 0 : -EINVAL;
	}
	if (strcmp(type, "ip") == 0) {   /* either family, as sxdp shows it back */
		*n = 16;
		return s != NULL && dp_addr_ip_any(s, a, v4) == 0 ? 0 : -EINVAL;
	}
	if (strcmp(type, "ipv6net") == 0) {   /* an IPv6 /64: its last 64 bits zero */
		*n = 16;
		return s != NULL && dp_addr_ip(s, AF_INET6, a) == 0 &&
		       memcmp(a + 8, "\0\0\0\0\0\0\0\0", 8) == 0 ? 0 : -EINVAL;
	}
	if (strcmp(type, "mac") == 0) {
		*n = 6;
		return s != NULL && dp_addr_mac(s, a) == 0 ? 0 : -EINVAL;
	}
	return -ENOENT;
}

/* The text sxdp reads bytes @a of string @type back as. */
static json_t *
raw_text(const char *type, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (strcmp(type, "mac") == 0) {
		snprintf(buf, sizeof(buf), "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2], a[3], a[4],
			 a[5]);
		return json_string(buf);
	}
	if (strcmp(type, "ip") == 0)
		return json_string(dp_addr_ntop_any(a, buf, sizeof(buf)));
	return json_string(inet_ntop(af_of(type), a, buf, sizeof(buf)));
}

/* @v (of @type) in canonical form, NULL when it does not parse. */
static json_t *
canon_value(const struct cd_tables *t, const char *type, json_t *v)
{
	uint8_t a[16];
	size_t n;
	uint64_t u;
	json_t *p;
	size_t i;
	bool v4;

	switch (raw_of(type, v, a, &n, &v4)) {
	case 0:
		return raw_text(type, a);
	case -EINVAL:
		return NULL;
	default:
		break;
	}
	if (strcmp(type, "port") == 0) {
		bool idx = int_of(v, &u);

		json_array_foreach(t->ports, i, p) {
			const char *nm = json_string_value(json_object_get(p, "name"));

			if (idx ? (uint64_t)json_integer_value(json_object_get(p, "index")) == u :
				  (nm != NULL && json_is_string(v) && strcmp(nm, json_string_value(v)) == 0))
				return nm != NULL ? json_string(nm) : json_integer((json_int_t)u);
		}
		return idx ? json_integer((json_int_t)u) : NULL;
	}
	return int_of(v, &u) ? json_integer((json_int_t)u) : NULL;
}

/* A str param's @v as sxdp takes it (printable ASCII, at most @max
 * characters: dp_tblval.h), NULL when it would refuse it. */
static json_t *
canon_str(json_t *v, json_int_t max)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (s == NULL || max <= 0 || n > (size_t)max)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return NULL;
	return json_string(s);
}

/* "ADDR/LEN" without host bits (a bare address: the host route). */
static json_t *
canon_prefix(const char *type, json_t *v)
{
	char buf[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 5];
	int af = af_of(type);
	uint8_t a[16];
	uint8_t plen;

	if (!json_is_string(v) || dp_addr_prefix(json_string_value(v), af, true, a, &plen) != 0)
		return NULL;
	for (unsigned int b = 0; b < 16; b++) {
		int keep = (int)plen - 8 * (int)b;

		a[b] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
	snprintf(out, sizeof(out), "%s/%u", inet_ntop(af, a, buf, sizeof(buf)), plen);
	return json_string(out);
}

/* A ternary {value, mask} with the value masked, always in that form (a
 * scalar is all the field's bits, a mask wider than the field is cut to
 * it), as sxdp reads one back: one entry, one key, however it was spelt
 * (a bare 17 and {17, 255} of a u8 differ as keys otherwise, and the diff
 * then inserts over the entry sxdp has: "exists" for ever).
 * json_null() for a wildcard (left out). Addresses and MACs mask bytewise;
 * an "ip" mask is of its value's family (sxdp refuses another), and an
 * IPv4 one covers the mapped prefix too, so "0.0.0.0" (any IPv4 packet)
 * stays and is read back as IPv4. */
static json_t *
canon_ternary(const struct cd_tables *t, const char *type, json_int_t bits, json_t *v)
{
	json_t *jv = json_is_object(v) ? json_object_get(v, "value") : v;
	json_t *jm = json_is_object(v) ? json_object_get(v, "mask") : NULL;
	uint8_t val[16], mask[16];
	size_t n, mn;
	bool v4, m4;
	int rc = raw_of(type, jv, val, &n, &v4);

	if (rc == -ENOENT) {   /* an integer (a port by its name too) */
		uint64_t all = bits <= 0 || bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1, m = all, x;
		json_t *cv = canon_value(t, type, jv), *cm = jm != NULL ? canon_value(t, type, jm) : NULL;
		bool ok = json_is_integer(cv) && (jm == NULL || json_is_integer(cm));

		x = (uint64_t)json_integer_value(cv);
		if (cm != NULL)
			m = (uint64_t)json_integer_value(cm);
		json_decref(cv);
		json_decref(cm);
		if (!ok)
			return NULL;
		m &= all;
		x &= m;
		return m == 0 ? json_null() : json_pack("{s:I,s:I}", "value", (json_int_t)x, "mask", (json_int_t)m);
	}
	if (rc < 0)
		return NULL;
	if (jm == NULL)
		memset(mask, 0xff, sizeof(mask));
	else if (raw_of(type, jm, mask, &mn, &m4) < 0 || (strcmp(type, "ip") == 0 && m4 != v4))
		return NULL;
	if (strcmp(type, "ip") == 0 && v4)
		memset(mask, 0xff, 12);
	for (size_t b = 0; b < n; b++)
		val[b] &= mask[b];
	if (memcmp(mask, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", n) == 0)
		return json_null();
	return json_pack("{s:o,s:o}", "value", raw_text(type, val), "mask",
			 strcmp(type, "ip") == 0 && v4 ? raw_text("ipv4", mask + 12) : raw_text(type, mask));
}

/* A range {min, max} (a scalar: just it); json_null() for the full
 * range of @bits (left out). A range of one value is that value: sxcd's
 * compilers write a single port as a scalar, and sxdp reads it back as a
 * range (a different key would have the entry inserted again, refused as
 * existing, run after run). */
static json_t *
canon_range(const struct cd_tables *t, const char *type, json_int_t bits, json_t *v)
{
	uint64_t all = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	json_t *lo, *hi;

	if (!json_is_object(v))
		return canon_value(t, type, v);
	lo = canon_value(t, type, json_object_get(v, "min"));
	hi = canon_value(t, type, json_object_get(v, "max"));
	if (lo == NULL || hi == NULL || !json_is_integer(lo) || !json_is_integer(hi)) {
		json_decref(lo);
		json_decref(hi);
		return NULL;
	}
	if (json_integer_value(lo) == 0 && (uint64_t)json_integer_value(hi) == all) {
		json_decref(lo);
		json_decref(hi);
		return json_null();
	}
	if (json_integer_value(lo) == json_integer_value(hi)) {
		json_decref(hi);
		return lo;
	}
	return json_pack("{s:o,s:o}", "min", lo, "max", hi);
}

/* The canonical match of @upd (an update or a read entry) in table @tab. */
static json_t *
canon_match(const struct cd_tables *t, json_t *tab, json_t *match, char *err, size_t len)
{
	json_t *out = json_object(), *k, *v, *c;
	const char *name, *type, *how;
	size_t i;

	json_object_foreach(match, name, v) {
		bool found = false;

		json_array_foreach(json_object_get(tab, "keys"), i, k)
			found = found || strcmp(json_string_value(json_object_get(k, "name")), name) == 0;
		if (!found) {
			snprintf(err, len, "no match field '%s'", name);
			json_decref(out);
			return NULL;
		}
	}
	json_array_foreach(json_object_get(tab, "keys"), i, k) {
		name = json_string_value(json_object_get(k, "name"));
		type = json_string_value(json_object_get(k, "type"));
		how = json_string_value(json_object_get(k, "match"));
		if ((v = json_object_get(match, name)) == NULL)
			continue;	/* a wildcard, or refused by sxdp */
		if (strcmp(how, "lpm") == 0)
			c = canon_prefix(type, v);
		else if (strcmp(how, "ternary") == 0)
			c = canon_ternary(t, type, json_integer_value(json_object_get(k, "bits")), v);
		else if (strcmp(how, "range") == 0)
			c = canon_range(t, type, json_integer_value(json_object_get(k, "bits")), v);
		else
			c = canon_value(t, type, v);
		if (c == NULL) {
			snprintf(err, len, "bad value of match field '%s'", name);
			json_decref(out);
			return NULL;
		}
		if (!json_is_null(c))
			json_object_set(out, name, c);
		json_decref(c);
	}
	return out;
}

static json_t *
action_of(json_t *tab, const char *action)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(tab, "actions"), i, a)
		if (strcmp(json_string_value(json_object_get(a, "name")), action) == 0)
			return a;
	return NULL;
}

/* A canonical value that is all zero bits. */
static bool
is_zero(json_t *c)
{
	const char *s = json_string_value(c);

	if (json_is_integer(c))
		return json_integer_value(c) == 0;
	return s != NULL && (strcmp(s, "0.0.0.0") == 0 || strcmp(s, "::") == 0 ||
			     strcmp(s, "00:00:00:00:00:00") == 0 || s[0] == '\0');   /* "": an empty str */
}

static json_t *
canon_params(const struct cd_tables *t, json_t *act, json_t *params, char *err, size_t len)
{
	json_t *out = json_object(), *p, *v, *c;
	const char *name;
	size_t i;

	json_object_foreach(params, name, v) {
		bool found = false;

		json_array_foreach(json_object_get(act, "params"), i, p)
			found = found || strcmp(json_string_value(json_object_get(p, "name")), name) == 0;
		if (!found) {
			snprintf(err, len, "no param '%s'", name);
			json_decref(out);
			return NULL;
		}
	}
	json_array_foreach(json_object_get(act, "params"), i, p) {
		bool opt = json_is_true(json_object_get(p, "optional"));
		const char *ty = json_string_value(json_object_get(p, "type"));

		name = json_string_value(json_object_get(p, "name"));
		v = json_object_get(params, name);
		if (v == NULL && opt)
			continue;
		if (v == NULL || (c = ty != NULL && strcmp(ty, "str") == 0 ?
				  canon_str(v, json_integer_value(json_object_get(p, "max"))) :
				  canon_value(t, ty, v)) == NULL) {
			snprintf(err, len, "%s param '%s'", v ? "bad value of" : "missing", name);
			json_decref(out);
			return NULL;
		}
		/* sxdp reads an optional param that is zero as left out */
		if (opt && is_zero(c))
			json_decref(c);
		else
			json_object_set_new(out, name, c);
	}
	return out;
}

/* The canonical entry of @e (update or read entry) in @table, and its key
 * (a new string) in *@key. */
static json_t *
canon_entry(const struct cd_tables *t, const char *table, json_t *e, bool with_action, char **key,
	    char *err, size_t len)
{
	json_t *tab = json_object_get(t->tables, table), *m, *act, *p, *out;
	const char *an = json_string_value(json_object_get(e, "action"));
	bool acl;

	if (tab == NULL) {
		snprintf(err, len, "no table '%s'", table);
		return NULL;
	}
	acl = strcmp(json_string_value(json_object_get(tab, "kind")), "ternary") == 0;
	if ((m = canon_match(t, tab, json_object_get(e, "match"), err, len)) == NULL)
		return NULL;
	out = json_pack("{s:o}", "match", m);
	if (acl)
		json_object_set_new(out, "priority", json_integer(json_integer_value(
			json_object_get(e, "priority"))));
	*key = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	if (!with_action)
		return out;
	if (an == NULL || (act = action_of(tab, an)) == NULL) {
		snprintf(err, len, "no action '%s' in %s", an ? an : "", table);
		goto bad;
	}
	if ((p = canon_params(t, act, json_object_get(e, "params"), err, len)) == NULL)
		goto bad;
	json_object_set_new(out, "action", json_string(an));
	json_object_set_new(out, "params", p);
	return out;
bad:
	free(*key);
	*key = NULL;
	json_decref(out);
	return NULL;
}

/* ------------------------------------------------------------- sets */

/* @e (taken), an entry of @table, as a set holds it: its compact text,
 * one string (NULL: no memory); an entry of a table intents read stays
 * an object (a compile hands them out by the thousand: parsing each
 * every time would cost more than it saves). */
static json_t *
pack(const struct cd_tables *t, const char *table, json_t *e)
{
	char *s;
	json_t *out;

	if (json_object_get(t->read, table) != NULL)
		return e;
	s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	out = s != NULL ? json_string_nocheck(s) : NULL;
	free(s);
	json_decref(e);
	return out;
}

json_t *
cd_tables_entry(json_t *held)
{
	if (held == NULL || !json_is_string(held))
		return json_incref(held);
	return json_loads(json_string_value(held), 0, NULL);
}

bool
cd_tables_same(json_t *a, json_t *b)
{
	if (a == b)
		return true;
	if (json_is_string(a) && json_is_string(b))
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	return json_equal(a, b);
}

int
cd_tables_apply(const struct cd_tables *t, json_t *set, json_t *update, char **keyp, json_t **prev,
		char *err, size_t len)
{
	const char *type = json_string_value(json_object_get(update, "type"));
	const char *table = json_string_value(json_object_get(update, "table"));
	bool del = type != NULL && strcmp(type, "delete") == 0;
	json_t *e, *rows;
	char *key = NULL;
	int rc = 0;

	if (keyp != NULL)
		*keyp = NULL;
	if (prev != NULL)
		*prev = NULL;
	if (type == NULL || table == NULL) {
		snprintf(err, len, "an update without type or table");
		return -EINVAL;
	}
	if (json_is_string(json_object_get(update, "key"))) {
		/* one cd_tables_diff made from canonical entries: its key and
		 * fields are canonical already (parsing them again costs what a
		 * compile of the entry does) */
		key = strdup(json_string_value(json_object_get(update, "key")));
		e = json_pack("{s:O}", "match", json_object_get(update, "match"));
		if (json_object_get(update, "priority") != NULL)
			json_object_set(e, "priority", json_object_get(update, "priority"));
		if (!del) {
			json_object_set(e, "action", json_object_get(update, "action"));
			json_object_set(e, "params", json_object_get(update, "params"));
		}
		if (key == NULL || e == NULL) {
			free(key);
			json_decref(e);
			snprintf(err, len, "no memory");
			return -ENOMEM;
		}
	} else if ((e = canon_entry(t, table, update, !del, &key, err, len)) == NULL) {
		return -EINVAL;
	}
	if ((e = pack(t, table, e)) == NULL) {
		free(key);
		snprintf(err, len, "no memory");
		return -ENOMEM;
	}
	if ((rows = json_object_get(set, table)) == NULL) {
		json_object_set_new(set, table, json_object());
		rows = json_object_get(set, table);
	}
	if (prev != NULL)
		*prev = json_incref(json_object_get(rows, key));
	if (strcmp(type, "insert") == 0) {
		if (json_object_get(rows, key) != NULL) {
			snprintf(err, len, "%s already has %s", table, key);
			rc = -EEXIST;
		} else {
			json_object_set(rows, key, e);
		}
	} else if (strcmp(type, "modify") == 0 || del) {
		if (json_object_get(rows, key) == NULL) {
			snprintf(err, len, "%s has no %s", table, key);
			rc = -ENOENT;
		} else if (del) {
			json_object_del(rows, key);
		} else {
			json_object_set(rows, key, e);
		}
	} else {
		snprintf(err, len, "update type '%s' is not one an intent writes", type);
		rc = -EINVAL;
	}
	json_decref(e);
	if (keyp != NULL)
		*keyp = key;
	else
		free(key);
	return rc;
}

int
cd_tables_key(const struct cd_tables *t, json_t *update, char **key, char *err, size_t len)
{
	const char *table = json_string_value(json_object_get(update, "table"));
	json_t *e;

	*key = NULL;
	if (table == NULL) {
		snprintf(err, len, "an update without a table");
		return -EINVAL;
	}
	if ((e = canon_entry(t, table, update, false, key, err, len)) == NULL)
		return -EINVAL;
	json_decref(e);
	return 0;
}

int
cd_tables_add_read(const struct cd_tables *t, json_t *set, const char *table, json_t *entries,
		   json_t *like)
{
	json_t *rows = json_object_get(set, table), *lrows = json_object_get(like, table), *e, *c, *l;
	char err[128], *key;
	size_t i;

	if (rows == NULL) {
		json_object_set_new(set, table, json_object());
		rows = json_object_get(set, table);
	}
	json_array_foreach(entries, i, e) {
		if ((c = canon_entry(t, table, e, true, &key, err, sizeof(err))) == NULL)
			return -EINVAL;
		if ((c = pack(t, table, c)) == NULL) {
			free(key);
			return -ENOMEM;
		}
		if ((l = json_object_get(lrows, key)) != NULL && cd_tables_same(l, c)) {
			json_decref(c);
			c = json_incref(l);
		}
		json_object_set_new(rows, key, c);
		free(key);
	}
	return 0;
}

json_t *
cd_tables_entries(json_t *set, const char *table)
{
	json_t *out = json_array(), *e;
	const char *k;

	json_object_foreach(json_object_get(set, table), k, e)
		json_array_append_new(out, cd_tables_entry(e));
	return out;
}

/* The update of @type that writes @held (as a set holds it) under @key. */
static json_t *
upd(const char *type, const char *table, json_t *held, json_t *owner, const char *key)
{
	json_t *e = cd_tables_entry(held);
	json_t *u = json_pack("{s:s,s:s,s:O}", "type", type, "table", table, "match",
			      json_object_get(e, "match"));
	const char *who = json_string_value(json_object_get(json_object_get(owner, table), key));

	if (u == NULL) {   /* no memory, or not an entry: the write is refused for it */
		json_decref(e);
		return json_pack("{s:s,s:s,s:s}", "type", type, "table", table, "key", key);
	}

	if (json_object_get(e, "priority") != NULL)
		json_object_set(u, "priority", json_object_get(e, "priority"));
	if (strcmp(type, "delete") != 0) {
		json_object_set(u, "action", json_object_get(e, "action"));
		json_object_set(u, "params", json_object_get(e, "params"));
	}
	if (who != NULL)
		json_object_set_new(u, "owner", json_string(who));
	json_object_set_new(u, "key", json_string(key));
	json_decref(e);
	return u;
}

size_t
cd_tables_count(json_t *set)
{
	json_t *rows;
	const char *table;
	size_t n = 0;

	json_object_foreach(set, table, rows)
		n += json_object_size(rows);
	return n;
}

struct ordered {
	json_int_t seq;
	json_t *u;
};

static int
by_seq(const void *a, const void *b)
{
	json_int_t x = ((const struct ordered *)a)->seq, y = ((const struct ordered *)b)->seq;

	return x < y ? -1 : x > y;
}

/* Append @n updates sorted by seq (@rev: descending) to @out. */
static void
append_sorted(json_t *out, struct ordered *o, size_t n, bool rev)
{
	qsort(o, n, sizeof(*o), by_seq);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, o[rev ? n - 1 - i : i].u);
}

json_t *
cd_tables_diff(json_t *want, json_t *have, json_t *seq, json_t *owned, json_t *owner)
{
	return cd_tables_diff_keys(want, have, seq, owned, owner, NULL);
}

json_t *
cd_tables_diff_keys(json_t *want, json_t *have, json_t *seq, json_t *owned, json_t *owner, json_t *keys)
{
	json_t *out = json_array(), *rows, *e, *h, *x;
	size_t n = 0, cap = keys ? cd_tables_count(keys) + 1 : cd_tables_count(want) + cd_tables_count(have) + 1, nd = 0;
	struct ordered *ups = calloc(cap, sizeof(*ups)), *dels = calloc(cap, sizeof(*dels));
	const char *table, *key;

	if (ups == NULL || dels == NULL || out == NULL) {
		free(ups);
		free(dels);
		json_decref(out);
		return NULL;
	}
	if (keys != NULL) {   /* only these: what an incremental compile touched */
		json_object_foreach(keys, table, rows) {
			json_t *w = json_object_get(want, table), *hv = json_object_get(have, table);
			json_t *sq = json_object_get(seq, table), *ow = json_object_get(owned, table);

			json_object_foreach(rows, key, x) {
				e = json_object_get(w, key);
				h = json_object_get(hv, key);
				if (e != NULL && h == NULL)
					ups[n++] = (struct ordered){ json_integer_value(json_object_get(sq, key)),
								     upd("insert", table, e, owner, key) };
				else if (e != NULL && !cd_tables_same(h, e))
					ups[n++] = (struct ordered){ json_integer_value(json_object_get(sq, key)),
								     upd("modify", table, e, owner, key) };
				else if (e == NULL && h != NULL && json_object_get(ow, key) != NULL)
					dels[nd++] = (struct ordered){ json_integer_value(json_object_get(ow, key)),
								       upd("delete", table, h, NULL, key) };
			}
		}
		goto sorted;
	}
	json_object_foreach(want, table, rows) {
		json_object_foreach(rows, key, e) {
			json_int_t sq = json_integer_value(json_object_get(json_object_get(seq, table), key));

			h = json_object_get(json_object_get(have, table), key);
			if (h == NULL)
				ups[n++] = (struct ordered){ sq, upd("insert", table, e, owner, key) };
			else if (!cd_tables_same(h, e))
				ups[n++] = (struct ordered){ sq, upd("modify", table, e, owner, key) };
		}
	}
	json_object_foreach(owned, table, rows) {
		json_object_foreach(rows, key, x) {
			if (json_object_get(json_object_get(want, table), key) != NULL ||
			    (h = json_object_get(json_object_get(have, table), key)) == NULL || nd >= cap)
				continue;
			dels[nd++] = (struct ordered){ json_integer_value(x), upd("delete", table, h, NULL, key) };
		}
	}
sorted:
	append_sorted(out, ups, n, false);
	append_sorted(out, dels, nd, true);
	free(ups);
	free(dels);
	return out;
}

json_t *
cd_tables_strip(json_t *updates)
{
	json_t *out = json_array(), *u, *c;
	size_t i;

	json_array_foreach(updates, i, u) {
		c = json_copy(u);
		json_object_del(c, "owner");
		json_object_del(c, "key");
		json_array_append_new(out, c);
	}
	return out;
}

