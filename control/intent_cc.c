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
cc_input(struct cc *c, enum intent_input k)
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
