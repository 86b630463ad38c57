/* SPDX-License-Identifier: BSD-3-Clause */
/* One intent's compile step: what it read, its updates, why it stops (see intent_cc.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_addr.h"
#include "intent_cc.h"

int
cc_refuse(struct cc *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

json_t *
cc_input(struct cc *c, unsigned int k)
{
	if (c->in[k] == NULL)
		c->need |= INTENT_IN(k);
	return c->in[k];
}

json_t *
cc_upd(const char *type, const char *table, json_t *match, const char *action, json_t *params)
{
	json_t *u = match == NULL ? NULL :
		json_pack("{s:s,s:s,s:O}", "type", type, "table", table, "match", match);

	json_decref(match);
	if (u != NULL && action != NULL) {
		json_object_set_new(u, "action", json_string(action));
		json_object_set_new(u, "params",
				    params != NULL ? json_incref(params) : json_object());
	}
	json_decref(params);
	return u;
}

json_t *
cc_rmw(json_t *e, const char *table, json_t *match, const char *action, json_t *params)
{
	json_t *u;

	if (e == NULL && action == NULL) {
		json_decref(match);
		json_decref(params);
		return NULL;
	}
	u = cc_upd(e == NULL ? "insert" : action != NULL ? "modify" : "delete", table, match,
		   action, params);
	if (u != NULL && e != NULL)
		json_object_set_new(u, "expect", json_pack("{s:O,s:O}",
				    "action", json_object_get(e, "action"),
				    "params", json_object_get(e, "params")));
	return u;
}

void
cc_add(struct cc *c, json_t *u)
{
	if (u == NULL || json_array_append_new(c->ups, u) < 0)
		c->nomem = true;
}

json_t *
cc_find(json_t *entries, json_t *match, const char *action)
{
	json_t *e, *found = NULL, *v;
	const char *k;
	size_t i;

	json_array_foreach(entries, i, e) {
		found = action == NULL || cc_is(e, action) ? e : NULL;
		json_object_foreach(match, k, v)
			if (!json_equal(json_object_get(json_object_get(e, "match"), k), v))
				found = NULL;
		if (found != NULL)
			break;
	}
	json_decref(match);
	return found;
}

bool
cc_is(json_t *e, const char *action)
{
	const char *a = json_string_value(json_object_get(e, "action"));

	return a != NULL && strcmp(a, action) == 0;
}

json_int_t
cc_param_int(json_t *e, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(e, "params"), key));
}

/* ----------------------------------------------------- argument syntax */

/* Addresses as sxdp and sxctl read them (dp_addr.h), so what sxctl lets
 * through the library takes, and what the library takes sxdp does. */

int
cc_af_of(const char *s)
{
	return s != NULL && strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

bool
cc_addr_ok(const char *s, int af, uint8_t *addr)
{
	memset(addr, 0, 16);
	return s != NULL && dp_addr_ip(s, af, addr) == 0;
}

bool
cc_pfx_ok(const char *s, int af, bool bare_ok, uint8_t *addr, unsigned int *plen)
{
	uint8_t l;

	memset(addr, 0, 16);
	if (s == NULL || dp_addr_prefix(s, af, bare_ok, addr, &l) < 0)
		return false;
	*plen = l;
	return true;
}

bool
cc_pfx_has(const uint8_t *net, unsigned int plen, const uint8_t *a)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(net, a, full) != 0)
		return false;
	return rest == 0 || ((net[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
cc_mac_ok(const char *s)
{
	uint8_t mac[6];

	return s != NULL && dp_addr_mac(s, mac) == 0;
}

int
cc_check_num(struct cc *c, const char *what, json_int_t v, json_int_t min, json_int_t max)
{
	if (v < min || v > max)
		return cc_refuse(c, -EINVAL, "bad %s %" JSON_INTEGER_FORMAT
				 " (%" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT ")", what, v,
				 min, max);
	return 0;
}

int
cc_check_id(struct cc *c, const char *what, json_int_t v, json_int_t max)
{
	return cc_check_num(c, what, v, 0, max);
}

int
cc_check_mac(struct cc *c, const char *what, const char *mac)
{
	return cc_mac_ok(mac) ? 0 : cc_refuse(c, -EINVAL, "bad %s '%s'", what, mac ? mac : "");
}

/* ::ffff:0:0/96, IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2): where
 * sxdp's "ip" fields keep IPv4 ones (dp_addr_ip_any). */
static const uint8_t mapped_pfx[12] = { [10] = 0xff, [11] = 0xff };

/* Does IPv6 prefix @a/@plen share an address with ::ffff:0:0/96? */
static bool
covers_mapped(const uint8_t *a, unsigned int plen)
{
	unsigned int n = plen < 96 ? plen : 96;

	for (unsigned int b = 0; b < n; b++)
		if ((a[b / 8] ^ mapped_pfx[b / 8]) & (0x80 >> (b % 8)))
			return false;
	return true;
}

/* An IPv4-mapped IPv6 address is IPv4 to sxdp: written so, its family
 * would be the other one here than there (a path's ends seen as of one
 * family and written as of two), so it is refused by name. */
int
cc_check_ip(struct cc *c, const char *what, const char *ip, int *af)
{
	uint8_t a[16];

	*af = cc_af_of(ip);
	if (!cc_addr_ok(ip, *af, a))
		return cc_refuse(c, -EINVAL, "bad %s '%s' (an IPv4 or IPv6 address)", what, ip ? ip : "");
	if (*af == AF_INET6 && covers_mapped(a, 128))
		return cc_refuse(c, -EINVAL, "bad %s '%s' (IPv4-mapped: write it as IPv4)", what, ip);
	return 0;
}

const char *
cc_af_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

bool
cc_link_local(const char *s)
{
	unsigned int plen;
	uint8_t a[16];

	return cc_af_of(s) == AF_INET6 && cc_pfx_ok(s, AF_INET6, true, a, &plen) && a[0] == 0xfe &&
	       (a[1] & 0xc0) == 0x80;
}

json_t *
cc_prefix_match(const char *s, int af)
{
	char v[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
	uint8_t a[16], mask[16] = { 0 };
	unsigned int plen;

	if (!cc_pfx_ok(s, af, true, a, &plen))
		return NULL;
	for (unsigned int b = 0; b < plen; b++)
		mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	for (unsigned int i = 0; i < sizeof(a); i++)
		a[i] &= mask[i];
	inet_ntop(af, a, v, sizeof(v));
	inet_ntop(af, mask, m, sizeof(m));
	return json_pack("{s:s,s:s}", "value", v, "mask", m);
}

/* A port range: one port exactly, or {"min", "max"}. */
static int
range_match(struct cc *c, json_t *match, const char *field, const json_int_t *r)
{
	int rc;

	if (r[1] == 0)	/* any */
		return 0;
	if ((rc = cc_check_id(c, field, r[1], UINT16_MAX)) < 0)
		return rc;
	if (r[0] < 0 || r[0] > r[1])
		return cc_refuse(c, -EINVAL, "bad %s %" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT
				 " (LO-HI, 0 <= LO <= HI)", field, r[0], r[1]);
	json_object_set_new(match, field, r[0] == r[1] ? json_integer(r[0]) :
			    json_pack("{s:I,s:I}", "min", r[0], "max", r[1]));
	return 0;
}

/*
 * src and dst are "ip" fields (either family, IPv4 as IPv4-mapped): an
 * IPv4 prefix matches IPv4 packets only (0.0.0.0/0: every one), an IPv6
 * one IPv6 packets only, a field left out both. So a rule whose src and
 * dst are of two families would match no packet at all: refused by name
 * rather than installed dead. And an IPv6 prefix that reaches into
 * ::ffff:0:0/96 (::/0 .. ::/80, or a mapped address) would match IPv4
 * packets too (::/0 is a mask of no bits, a wildcard of both families, in
 * sxdp): refused, saying what to write instead.
 */
int
cc_flow_match(struct cc *c, json_int_t slice, const struct intent_rule *r, json_t **out)
{
	json_t *m = json_pack("{s:I}", "slice", slice), *v;
	const char *const pfx[2] = { r->src, r->dst }, *const name[2] = { "src", "dst" };
	int rc = 0, af[2] = { 0, 0 };
	unsigned int plen;
	uint8_t a[16];

	for (int i = 0; i < 2 && rc == 0; i++) {
		if (pfx[i] == NULL)
			continue;
		af[i] = cc_af_of(pfx[i]);
		if ((v = cc_prefix_match(pfx[i], af[i])) == NULL)
			rc = cc_refuse(c, -EINVAL, "bad %s '%s' (an IPv4 or IPv6 prefix or address)",
				       name[i], pfx[i]);
		else if (af[i] == AF_INET6 && cc_pfx_ok(pfx[i], AF_INET6, true, a, &plen) && covers_mapped(a, plen))
			rc = cc_refuse(c, -EINVAL, "bad %s '%s' (it covers IPv4-mapped ::ffff:0:0/96, so it would "
				       "match IPv4 packets too; leave %s out to match both families, or name IPv6 "
				       "prefixes such as 2000::/3)", name[i], pfx[i], name[i]);
		if (v != NULL && rc == 0)
			json_object_set_new(m, name[i], v);
		else
			json_decref(v);
	}
	if (rc == 0 && af[0] != 0 && af[1] != 0 && af[0] != af[1])
		rc = cc_refuse(c, -EINVAL, "a class matches one family: src is %s, dst is %s",
			       cc_af_name(af[0]), cc_af_name(af[1]));
	if (rc == 0 && r->proto != 0 && (rc = cc_check_id(c, "proto", r->proto, UINT8_MAX)) == 0)
		json_object_set_new(m, "proto", json_integer(r->proto));
	if (rc == 0)
		rc = range_match(c, m, "sport", r->sport);
	if (rc == 0)
		rc = range_match(c, m, "dport", r->dport);
	if (rc == 0 && r->dscp_set && (rc = cc_check_id(c, "dscp", r->dscp, 63)) == 0)
		json_object_set_new(m, "dscp", json_integer(r->dscp));
	if (rc < 0 || m == NULL) {
		json_decref(m);
		return rc < 0 ? rc : cc_refuse(c, -ENOMEM, "out of memory");
	}
	*out = m;
	return 0;
}
