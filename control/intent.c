/* SPDX-License-Identifier: BSD-3-Clause */
/* Switch intents compiled into table.write params from the tables they read (see intent.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_addr.h"
#include "dp_num.h"
#include "intent.h"

/* The switch's tables (pipelines/switch); their fields and actions are
 * spelled in the compile functions below and nowhere else. */
#define T_INTERFACES "interfaces"
#define T_BD_PORTS   "bd_ports"
#define T_FLOOD	     "flood"
#define T_SVI	     "svi"
#define T_ROUTES     "routes"
#define T_FDB	     "fdb"
#define T_NEIGH	     "neigh"
#define T_SVI6	     "svi6"
#define T_ROUTES6    "routes6"
#define T_NEIGH6     "neigh6"

#define U16_MAX	 65535	/* slice, VRF and bridge domain ids */
#define VLAN_MAX 4095

static const char *const input_table[INTENT_IN_MAX] = {
	[INTENT_IN_PORTS] = NULL,	/* port.list */
	[INTENT_IN_INTERFACES] = T_INTERFACES,
	[INTENT_IN_FLOOD] = T_FLOOD,
	[INTENT_IN_SVI] = T_SVI,
	[INTENT_IN_SVI6] = T_SVI6,
};

/* One compile step's state: what was read, what it still needs, the
 * updates so far and the reason it stops. */
struct cc {
	json_t *const *in;
	unsigned int need;
	json_t *ups;
	bool nomem;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
refuse(struct cc *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Input @k, or NULL once it is noted as needed. */
static json_t *
input(struct cc *c, enum intent_input k)
{
	if (c->in[k] == NULL)
		c->need |= INTENT_IN(k);
	return c->in[k];
}

/* One table.write update (match and params taken); a delete (NULL
 * action) has no params. */
static json_t *
upd(const char *type, const char *table, json_t *match, const char *action, json_t *params)
{
	json_t *u = match != NULL ? json_pack("{s:s,s:s,s:O}", "type", type, "table", table, "match",
					      match) : NULL;

	json_decref(match);
	if (u != NULL && action != NULL) {
		json_object_set_new(u, "action", json_string(action));
		json_object_set_new(u, "params", params != NULL ? json_incref(params) : json_object());
	}
	json_decref(params);
	return u;
}

static void
add(struct cc *c, json_t *u)
{
	if (u == NULL || json_array_append_new(c->ups, u) < 0)
		c->nomem = true;
}

/* The first of @entries (a table.read array) whose match has every member
 * of @match (taken) and, unless NULL, whose action is @action; borrowed. */
static json_t *
find(json_t *entries, json_t *match, const char *action)
{
	json_t *e, *found = NULL, *v;
	const char *k, *a;
	size_t i;

	json_array_foreach(entries, i, e) {
		a = json_string_value(json_object_get(e, "action"));
		found = action == NULL || (a != NULL && strcmp(a, action) == 0) ? e : NULL;
		json_object_foreach(match, k, v)
			if (!json_equal(json_object_get(json_object_get(e, "match"), k), v))
				found = NULL;
		if (found != NULL)
			break;
	}
	json_decref(match);
	return found;
}

static json_int_t
param_int(json_t *e, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(e, "params"), key));
}

/* ----------------------------------------------------- argument syntax */

/* The dataplane's rule for numbers (dp_num.h): strict decimal. A PORT
 * that is one is an index, anything else a name. */
static json_t *
port_value(const char *s)
{
	uint64_t v;

	return dp_num_parse(s, INT64_MAX, &v) == 0 ? json_integer((json_int_t)v) : json_string(s);
}

/* Addresses as sxdp and sxctl read them (dp_addr.h), so what sxctl lets
 * through the library takes, and what the library takes sxdp does. */

/* The family an address, prefix or next hop is written in. */
static int
af_of(const char *s)
{
	return s != NULL && strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

/* Either family's address or prefix into addr (16 bytes, network order). */
static bool
addr_ok(const char *s, int af, uint8_t *addr)
{
	memset(addr, 0, 16);
	return s != NULL && dp_addr_ip(s, af, addr) == 0;
}

static bool
pfx_ok(const char *s, int af, bool bare_ok, uint8_t *addr, unsigned int *plen)
{
	uint8_t l;

	memset(addr, 0, 16);
	if (s == NULL || dp_addr_prefix(s, af, bare_ok, addr, &l) < 0)
		return false;
	*plen = l;
	return true;
}

static bool
mac_ok(const char *s)
{
	uint8_t mac[6];

	return s != NULL && dp_addr_mac(s, mac) == 0;
}

/* The numbers and words every intent of a kind carries; -EINVAL names the
 * first bad one. */
static int
check_id(struct cc *c, const char *what, json_int_t v, json_int_t max)
{
	if (v < 0 || v > max)
		return refuse(c, -EINVAL, "bad %s %" JSON_INTEGER_FORMAT " (0..%" JSON_INTEGER_FORMAT
			      ")", what, v, max);
	return 0;
}

static int
check_mac(struct cc *c, const char *what, const char *mac)
{
	return mac_ok(mac) ? 0 : refuse(c, -EINVAL, "bad %s '%s'", what, mac ? mac : "");
}

static int
check_port(struct cc *c, const char *port)
{
	return port != NULL && port[0] != '\0' ? 0 : refuse(c, -EINVAL, "missing PORT");
}

/* ---------------------------------------------------- slice membership */

/* PORT among port.list's ports: its index (the flood mask bit) and name
 * (how sxdp names it in the interfaces table). */
static int
port_find(struct cc *c, json_t *ports, const char *arg, json_int_t *index, char *name, size_t len)
{
	char idx[24];
	const char *pn;
	json_t *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		*index = json_integer_value(json_object_get(p, "index"));
		pn = json_string_value(json_object_get(p, "name"));
		snprintf(idx, sizeof(idx), "%" JSON_INTEGER_FORMAT, *index);
		if ((pn != NULL && strcmp(pn, arg) == 0) || strcmp(idx, arg) == 0) {
			snprintf(name, len, "%s", pn != NULL ? pn : idx);
			if (*index < 0 || *index >= INTENT_FLOOD_PORTS)
				return refuse(c, -ERANGE, "port %s (index %" JSON_INTEGER_FORMAT
					      ") is beyond the %d-port flood mask", name, *index,
					      INTENT_FLOOD_PORTS);
			return 0;
		}
	}
	return refuse(c, -ENOENT, "no port '%s'", arg);
}

/*
 * The flood update of @bd with port @bit set or cleared, from the flood
 * entries read; NULL when a port leaves a bridge domain that has no flood
 * entry. A modify or delete carries "expect" (the entry as read): sxdp
 * applies it only while the mask still holds what was read, so a
 * concurrent writer's port is never lost.
 */
static json_t *
flood_update(json_t *floods, json_int_t bd, json_int_t bit, bool set)
{
	json_t *e = find(floods, json_pack("{s:I}", "bd", bd), NULL);
	json_t *match = json_pack("{s:I}", "bd", bd), *u;
	uint32_t old = 0, mask;
	const char *a = json_string_value(json_object_get(e, "action"));

	if (a != NULL && strcmp(a, "flood") == 0)
		old = (uint32_t)param_int(e, "ports");
	mask = set ? old | (1u << bit) : old & ~(1u << bit);
	if (e == NULL && !set) {
		json_decref(match);
		return NULL;
	}
	if (!set && mask == 0)
		u = upd("delete", T_FLOOD, match, NULL, NULL);
	else
		u = upd(e != NULL ? "modify" : "insert", T_FLOOD, match, "flood",
			json_pack("{s:I}", "ports", (json_int_t)mask));
	if (u != NULL && e != NULL)
		json_object_set_new(u, "expect", json_pack("{s:O,s:O}", "action",
				    json_object_get(e, "action"), "params", json_object_get(e, "params")));
	return u;
}

/* slice attach: interfaces, bd_ports, flood. detach: the bridge domain is
 * the interface's, and the flood entry goes with its last port. */
static int
compile_slice(struct cc *c, const struct intent *it)
{
	bool attach = it->kind == INTENT_SLICE_ATTACH;
	const char *t = attach ? "insert" : "delete";
	json_int_t idx = 0, slice = it->slice, bd = it->bd;
	json_t *ports, *ifs, *floods, *e, *port;
	char name[256];
	int rc;

	if ((rc = check_port(c, it->port)) < 0 || (rc = check_id(c, "VLAN", it->vlan, VLAN_MAX)) < 0 ||
	    (attach && ((rc = check_id(c, "SLICE", slice, U16_MAX)) < 0 ||
			(rc = check_id(c, "BD", bd, U16_MAX)) < 0)))
		return rc;
	if ((ports = input(c, INTENT_IN_PORTS)) == NULL)
		return -EAGAIN;
	if ((rc = port_find(c, ports, it->port, &idx, name, sizeof(name))) < 0)
		return rc;
	ifs = c->in[INTENT_IN_INTERFACES];
	if (!attach) {
		if ((ifs = input(c, INTENT_IN_INTERFACES)) == NULL)
			return -EAGAIN;
		e = find(ifs, json_pack("{s:s,s:I}", "in_port", name, "vlan", it->vlan), "attach");
		if (e == NULL)
			return refuse(c, -ENOENT, "%s vlan %" JSON_INTEGER_FORMAT " is not attached",
				      name, it->vlan);
		bd = param_int(e, "bd");
		slice = param_int(e, "slice");
	} else if (ifs != NULL) {
		/* a bridge domain belongs to one slice; sxdp refuses it too,
		 * this names the owner */
		size_t i;

		json_array_foreach(ifs, i, e) {
			const char *a = json_string_value(json_object_get(e, "action"));

			if (a != NULL && strcmp(a, "attach") == 0 && param_int(e, "bd") == bd &&
			    param_int(e, "slice") != slice)
				return refuse(c, -EPERM, "bd %" JSON_INTEGER_FORMAT " belongs to slice %"
					      JSON_INTEGER_FORMAT ", not %" JSON_INTEGER_FORMAT, bd,
					      param_int(e, "slice"), slice);
		}
	}
	if ((floods = input(c, INTENT_IN_FLOOD)) == NULL)
		return -EAGAIN;

	port = port_value(it->port);
	add(c, upd(t, T_INTERFACES, json_pack("{s:O,s:I}", "in_port", port, "vlan", it->vlan),
		   attach ? "attach" : NULL, json_pack("{s:I,s:I}", "slice", slice, "bd", bd)));
	add(c, upd(t, T_BD_PORTS, json_pack("{s:I,s:O}", "bd", bd, "port", port),
		   attach ? "member" : NULL, json_pack("{s:I}", "vlan", it->vlan)));
	json_decref(port);
	if ((e = flood_update(floods, bd, idx, attach)) != NULL)
		add(c, e);
	return 0;
}

/* -------------------------------------------------------------- SVIs */

/* What an SVI of one family writes, and where the other family's are. */
struct svi_family {
	int af;
	unsigned int bits, plen_min, plen_max;
	const char *svi, *action, *routes, *plen_text;
	enum intent_input own, other;
};

static const struct svi_family svi4 = {
	AF_INET, 32, 0, 31, T_SVI, "svi", T_ROUTES, "an SVI needs PLEN 0..31",
	INTENT_IN_SVI, INTENT_IN_SVI6,
};
static const struct svi_family svi6 = {
	AF_INET6, 128, 1, 127, T_SVI6, "svi6", T_ROUTES6, "an IPv6 SVI needs PLEN 1..127",
	INTENT_IN_SVI6, INTENT_IN_SVI,
};

/* Does the BD's SVI in @svis (the other family's, as read) route @mac too?
 * Then the fdb entry is both SVIs', written by the first and deleted by
 * the last. */
static bool
mac_shared(json_t *svis, const struct intent *it, const char *mac)
{
	json_t *e = find(svis, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd), NULL);
	const char *m = json_string_value(json_object_get(json_object_get(e, "params"), "mac"));
	uint8_t a[6], b[6];

	return m != NULL && dp_addr_mac(m, a) == 0 && dp_addr_mac(mac, b) == 0 &&
	       memcmp(a, b, 6) == 0;
}

/* svi add: the SVI, its MAC routed, IP/32 (/128) local and the connected
 * subnet. svi del: the same entries, from the SVI as read. */
static int
compile_svi(struct cc *c, const struct intent *it)
{
	bool add_ = it->kind == INTENT_SVI_ADD;
	const struct svi_family *f = (add_ ? af_of(it->addr) == AF_INET6 : it->ipv6) ? &svi6 : &svi4;
	const char *t = add_ ? "insert" : "delete", *mac = it->mac, *ipt;
	char a[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 5],
		subnet[INET6_ADDRSTRLEN + 5];
	uint8_t ip[16], net[16];
	unsigned int plen;
	json_t *svis, *others, *e;
	int rc;

	if ((rc = check_id(c, "SLICE", it->slice, U16_MAX)) < 0 ||
	    (rc = check_id(c, "BD", it->bd, U16_MAX)) < 0)
		return rc;
	if (add_) {
		if ((rc = check_mac(c, "MAC", mac)) < 0)
			return rc;
		if (!pfx_ok(it->addr, f->af, false, ip, &plen) || plen < f->plen_min ||
		    plen > f->plen_max)
			return refuse(c, -EINVAL, "bad IP/PLEN '%s' (%s)", it->addr ? it->addr : "",
				      f->plen_text);
	} else {
		if ((svis = input(c, f->own)) == NULL)
			return -EAGAIN;
		e = find(svis, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd), NULL);
		mac = json_string_value(json_object_get(json_object_get(e, "params"), "mac"));
		ipt = json_string_value(json_object_get(json_object_get(e, "params"), "ip"));
		plen = (unsigned int)param_int(e, "plen");
		if (e == NULL || mac == NULL || !addr_ok(ipt, f->af, ip) || plen > f->bits)
			return refuse(c, -ENOENT, "no %s for slice %" JSON_INTEGER_FORMAT " bd %"
				      JSON_INTEGER_FORMAT, f->svi, it->slice, it->bd);
	}
	if ((others = input(c, f->other)) == NULL)
		return -EAGAIN;
	for (unsigned int b = 0; b < 16; b++) {
		int keep = (int)plen - 8 * (int)b;

		net[b] = ip[b] & (keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep)));
	}
	inet_ntop(f->af, ip, a, sizeof(a));
	snprintf(host, sizeof(host), "%s/%u", a, f->bits);
	snprintf(subnet, sizeof(subnet), "%s/%u", inet_ntop(f->af, net, n, sizeof(n)), plen);
	add(c, upd(t, f->svi, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd),
		   add_ ? f->action : NULL, json_pack("{s:s,s:s,s:i}", "mac", mac, "ip", a, "plen",
						      (int)plen)));
	if (!mac_shared(others, it, mac))
		add(c, upd(t, T_FDB, json_pack("{s:I,s:s}", "bd", it->bd, "mac", mac),
			   add_ ? "route" : NULL, NULL));
	add(c, upd(t, f->routes, json_pack("{s:I,s:s}", "vrf", it->slice, "dst", host),
		   add_ ? "local" : NULL, NULL));
	add(c, upd(t, f->routes, json_pack("{s:I,s:s}", "vrf", it->slice, "dst", subnet),
		   add_ ? "connected" : NULL, json_pack("{s:I}", "bd", it->bd)));
	return 0;
}

/* --------------------------------------------- routes, MACs, neighbours */

/* An IPv6 route's next hop is a neighbour on a connected subnet, found by
 * its address: a link-local one would need its interface named. */
static bool
nh6_ok(const uint8_t *ip)
{
	return ip[0] != 0xff && !(ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

static int
compile_route(struct cc *c, const struct intent *it)
{
	const char *how = it->how != NULL ? it->how : "";
	bool v6 = af_of(it->addr) == AF_INET6;
	const char *table = v6 ? T_ROUTES6 : T_ROUTES;
	int af = v6 ? AF_INET6 : AF_INET, max = v6 ? 2 : 4;
	json_t *match, *params;
	unsigned int plen;
	uint8_t ip[16];
	char key[8];
	int rc, n = it->n_nh;

	if ((rc = check_id(c, "VRF", it->vrf, U16_MAX)) < 0)
		return rc;
	if (!pfx_ok(it->addr, af, true, ip, &plen))
		return refuse(c, -EINVAL, "bad PREFIX '%s'", it->addr ? it->addr : "");
	match = json_pack("{s:I,s:s}", "vrf", it->vrf, "dst", it->addr);
	if (it->kind == INTENT_ROUTE_DEL) {
		add(c, upd("delete", table, match, NULL, NULL));
		return 0;
	}
	if (!((strcmp(how, "via") == 0 && n == 1) || (strcmp(how, "ecmp") == 0 && n >= 2 && n <= max) ||
	      (strcmp(how, "drop") == 0 && n == 0))) {
		json_decref(match);
		return refuse(c, -EINVAL, v6 ? "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'" :
			      "route add needs 'via NH', 'ecmp NH1 NH2 [NH3 [NH4]]' or 'drop'");
	}
	for (int i = 0; i < n; i++) {
		if (!addr_ok(it->nh[i], af, ip)) {
			json_decref(match);
			return refuse(c, -EINVAL, "bad NH '%s'%s", it->nh[i] ? it->nh[i] : "",
				      v6 ? " (an IPv6 prefix needs an IPv6 next hop)" : "");
		}
		if (v6 && !nh6_ok(ip)) {
			json_decref(match);
			return refuse(c, -EINVAL, "bad NH '%s' (a next hop is a unicast address on a "
				      "connected subnet, not link-local)", it->nh[i]);
		}
	}
	if (n == 1) {
		params = json_pack("{s:s}", "nh", it->nh[0]);
	} else {
		params = json_object();
		if (n > 0)
			json_object_set_new(params, "n", json_integer(n));
		for (int i = 0; n > 0 && i < max; i++) {
			snprintf(key, sizeof(key), "nh%d", i);
			json_object_set_new(params, key, json_string(i < n ? it->nh[i] : "0.0.0.0"));
		}
	}
	add(c, upd("insert", table, match, how, params));
	return 0;
}

static int
compile_mac(struct cc *c, const struct intent *it)
{
	json_t *match;
	int rc;

	if ((rc = check_id(c, "BD", it->bd, U16_MAX)) < 0 || (rc = check_mac(c, "MAC", it->mac)) < 0 ||
	    (it->kind == INTENT_MAC_ADD && (rc = check_port(c, it->port)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", "bd", it->bd, "mac", it->mac);
	if (it->kind == INTENT_MAC_ADD)
		add(c, upd("insert", T_FDB, match, "forward", json_pack("{s:o}", "port",
			   port_value(it->port))));
	else
		add(c, upd("delete", T_FDB, match, NULL, NULL));
	return 0;
}

static int
compile_neigh(struct cc *c, const struct intent *it)
{
	bool add_ = it->kind == INTENT_NEIGH_ADD;
	int af = af_of(it->addr);
	const char *table = af == AF_INET6 ? T_NEIGH6 : T_NEIGH;
	json_t *match;
	uint8_t ip[16];
	int rc;

	if ((rc = check_id(c, "VRF", it->vrf, U16_MAX)) < 0)
		return rc;
	if (!addr_ok(it->addr, af, ip))
		return refuse(c, -EINVAL, "bad IP '%s'", it->addr ? it->addr : "");
	if (add_ && ((rc = check_port(c, it->port)) < 0 ||
		     (rc = check_id(c, "VLAN", it->vlan, VLAN_MAX)) < 0 ||
		     (rc = check_mac(c, "DMAC", it->mac)) < 0 || (rc = check_mac(c, "SMAC", it->smac)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", "vrf", it->vrf, "ip", it->addr);
	if (add_)
		add(c, upd("insert", table, match, "rewrite", json_pack("{s:o,s:I,s:s,s:s}",
			   "port", port_value(it->port), "vlan", it->vlan, "dmac", it->mac, "smac",
			   it->smac)));
	else
		add(c, upd("delete", table, match, NULL, NULL));
	return 0;
}

/* ------------------------------------------------------------ driving */

const char *
intent_input_table(enum intent_input k)
{
	return (unsigned int)k < INTENT_IN_MAX ? input_table[k] : NULL;
}

/* The inputs whose tables @it writes from what it read there: a failed
 * update of one of those may be a race lost, not a refusal. */
static unsigned int
inputs_written(const struct intent *it)
{
	switch (it->kind) {
	case INTENT_SLICE_ATTACH:
		return INTENT_IN(INTENT_IN_FLOOD);
	case INTENT_SLICE_DETACH:
		return INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD);
	case INTENT_SVI_DEL:
		return INTENT_IN(it->ipv6 ? INTENT_IN_SVI6 : INTENT_IN_SVI);
	default:
		return 0;
	}
}

unsigned int
intent_inputs(const struct intent *it)
{
	switch (it->kind) {
	case INTENT_SLICE_ATTACH:
	case INTENT_SLICE_DETACH:
		return INTENT_IN(INTENT_IN_PORTS) | INTENT_IN(INTENT_IN_INTERFACES) |
		       INTENT_IN(INTENT_IN_FLOOD);
	case INTENT_SVI_ADD:
	case INTENT_SVI_DEL:
		/* the other family's SVIs: whether the router MAC is theirs too */
		return INTENT_IN(INTENT_IN_SVI) | INTENT_IN(INTENT_IN_SVI6);
	default:
		return inputs_written(it);
	}
}

int
intent_compile(const struct intent *it, json_t *const in[INTENT_IN_MAX], unsigned int *need,
	       json_t **params, char *err, size_t errlen)
{
	struct cc c = { .in = in, .ups = json_array(), .err = err, .errlen = errlen };
	int rc;

	*need = 0;
	*params = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (c.ups == NULL)
		return refuse(&c, -ENOMEM, "out of memory");
	switch (it->kind) {
	case INTENT_SLICE_ATTACH:
	case INTENT_SLICE_DETACH:
		rc = compile_slice(&c, it);
		break;
	case INTENT_SVI_ADD:
	case INTENT_SVI_DEL:
		rc = compile_svi(&c, it);
		break;
	case INTENT_ROUTE_ADD:
	case INTENT_ROUTE_DEL:
		rc = compile_route(&c, it);
		break;
	case INTENT_MAC_ADD:
	case INTENT_MAC_DEL:
		rc = compile_mac(&c, it);
		break;
	case INTENT_NEIGH_ADD:
	case INTENT_NEIGH_DEL:
		rc = compile_neigh(&c, it);
		break;
	default:
		rc = refuse(&c, -EINVAL, "unknown intent %d", (int)it->kind);
	}
	if (rc == 0 && c.nomem)
		rc = refuse(&c, -ENOMEM, "out of memory");
	if (rc == 0) {
		/* several updates always span tables: all of them or none */
		*params = json_array_size(c.ups) > 1 ?
			json_pack("{s:s,s:O}", "atomicity", "dataplane-atomic", "updates", c.ups) :
			json_pack("{s:O}", "updates", c.ups);
		if (*params == NULL)
			rc = refuse(&c, -ENOMEM, "out of memory");
	}
	if (rc == -EAGAIN)
		*need = c.need;
	json_decref(c.ups);
	return rc;
}

const char *
intent_reason(int rc)
{
	switch (rc) {
	case -EINVAL: return "bad_value";
	case -ENOENT: return "not_found";
	case -ERANGE: return "out_of_range";
	case -EPERM: return "slice_conflict";
	case -ENOMEM: return "no_memory";
	default: return "failed";
	}
}

/* "the flood entry of bd 10" */
static void
entry_text(json_t *u, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n;

	n = (size_t)snprintf(buf, len, "the %s entry of",
			     json_string_value(json_object_get(u, "table")));
	json_object_foreach(json_object_get(u, "match"), k, v) {
		if (n >= len)
			break;
		if (json_is_string(v))
			n += (size_t)snprintf(buf + n, len - n, " %s %s", k, json_string_value(v));
		else
			n += (size_t)snprintf(buf + n, len - n, " %s %" JSON_INTEGER_FORMAT, k,
					      json_integer_value(v));
	}
}

unsigned int
intent_raced(const struct intent *it, json_t *params, json_t *result, char *what, size_t len)
{
	json_t *ups = json_object_get(params, "updates"), *r;
	unsigned int from = inputs_written(it), stale = 0;
	const char *table, *reason;
	size_t i;
	int k;

	if (len > 0)
		what[0] = '\0';
	/* in continue mode the rest applied: that stands, and is reported */
	if (!json_is_false(json_object_get(result, "committed")))
		return 0;
	json_array_foreach(json_object_get(result, "results"), i, r) {
		reason = json_string_value(json_object_get(json_object_get(json_object_get(r,
			 "error"), "data"), "reason"));
		table = json_string_value(json_object_get(json_array_get(ups, i), "table"));
		if (reason == NULL || table == NULL || (strcmp(reason, "changed") != 0 &&
		    strcmp(reason, "exists") != 0 && strcmp(reason, "not_found") != 0))
			continue;
		for (k = 0; k < INTENT_IN_MAX; k++) {
			if (!(from & INTENT_IN(k)) || input_table[k] == NULL ||
			    strcmp(input_table[k], table) != 0)
				continue;
			if (stale == 0 && len > 0)
				entry_text(json_array_get(ups, i), what, len);
			stale |= INTENT_IN(k);
		}
	}
	return stale;
}

/* ------------------------------------------------------------- views */

static const struct {
	const char *table;
	const char *key;
} views[] = {
	[INTENT_V_ROUTES] = { T_ROUTES, "vrf" },
	[INTENT_V_FDB] = { T_FDB, "bd" },
	[INTENT_V_NEIGH] = { T_NEIGH, "vrf" },
	[INTENT_V_ROUTES6] = { T_ROUTES6, "vrf" },
	[INTENT_V_NEIGH6] = { T_NEIGH6, "vrf" },
};

const char *
intent_view_table(enum intent_view v)
{
	return views[v].table;
}

json_t *
intent_view_select(enum intent_view v, json_t *entries, json_int_t key)
{
	json_t *keep = json_array(), *e, *m;
	size_t i;

	json_array_foreach(entries, i, e) {
		m = json_object_get(json_object_get(e, "match"), views[v].key);
		if (key < 0 || (json_is_integer(m) && json_integer_value(m) == key))
			json_array_append(keep, e);
	}
	return keep;
}

json_t *
intent_ageing(json_int_t seconds)
{
	return json_pack("{s:s,s:I}", "table", T_FDB, "idle_timeout_s", seconds);
}
