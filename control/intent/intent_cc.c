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

int
cc_check_ip4(struct cc *c, const char *what, const char *ip)
{
	uint8_t a[16];

	return cc_addr_ok(ip, AF_INET, a) ? 0 :
		cc_refuse(c, -EINVAL, "bad %s '%s' (an IPv4 address)", what, ip ? ip : "");
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

int
cc_flow_match(struct cc *c, json_int_t slice, const struct intent_rule *r, json_t **out)
{
	json_t *m = json_pack("{s:I}", "slice", slice), *v;
	const char *const pfx[2] = { r->src, r->dst }, *const name[2] = { "src", "dst" };
	int rc = 0;

	for (int i = 0; i < 2 && rc == 0; i++) {
		if (pfx[i] == NULL)
			continue;
		if ((v = cc_prefix_match(pfx[i], AF_INET)) == NULL)
			rc = cc_refuse(c, -EINVAL, "bad %s '%s' (an IPv4 prefix or address)",
				       name[i], pfx[i]);
		else
			json_object_set_new(m, name[i], v);
	}
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
