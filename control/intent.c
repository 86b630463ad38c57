/* SPDX-License-Identifier: BSD-3-Clause */
/* The intent driver and the switch's intents, compiled into table.write params (see intent.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_addr.h"
#include "dp_num.h"
#include "intent.h"
#include "intent_cc.h"
#include "intent_overlay.h"
#include "intent_qos.h"

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

/* The dataplane's rule for numbers (dp_num.h): strict decimal. A PORT
 * that is one is an index, anything else a name. */
static json_t *
port_value(const char *s)
{
	uint64_t v;

	return dp_num_parse(s, INT64_MAX, &v) == 0 ? json_integer((json_int_t)v) : json_string(s);
}

static int
check_port(struct cc *c, const char *port)
{
	return port != NULL && port[0] != '\0' ? 0 : cc_refuse(c, -EINVAL, "missing PORT");
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
				return cc_refuse(c, -ERANGE, "port %s (index %" JSON_INTEGER_FORMAT
						 ") is beyond the %d-port flood mask", name, *index,
						 INTENT_FLOOD_PORTS);
			return 0;
		}
	}
	return cc_refuse(c, -ENOENT, "no port '%s'", arg);
}

/*
 * A flood entry floods to the member ports of its bridge domain (the
 * "ports" mask) and, one copy each, into up to INTENT_FLOOD_TUNNELS
 * overlay tunnels (t0..t7, optional params: 0 or left out is none). Ports
 * and tunnels change it by read-modify-write, keeping what they do not
 * touch as read.
 */

/* @e's params to edit (a copy), {"ports": 0} for no entry. */
static json_t *
flood_params(json_t *e)
{
	json_t *p = cc_is(e, "flood") ? json_copy(json_object_get(e, "params")) : json_object();

	if (p != NULL && json_object_get(p, "ports") == NULL)
		json_object_set_new(p, "ports", json_integer(0));
	return p;
}

/* The first of @p's slots t0..t7 that names @tunnel (0: the first free
 * one), -1 when none does; its name in @key. */
static int
flood_slot(json_t *p, json_int_t tunnel, char key[4])
{
	for (int k = 0; k < INTENT_FLOOD_TUNNELS; k++) {
		snprintf(key, 4, "t%d", k);
		if (json_integer_value(json_object_get(p, key)) == tunnel)
			return k;
	}
	return -1;
}

/*
 * The update of @bd's flood entry @e (as read; NULL: none) to params @p
 * (taken): an insert, a modify or, once it floods to no port and no
 * tunnel, a delete; NULL when there is nothing to delete. A modify or
 * delete expects the entry as read, so a concurrent writer's port or
 * tunnel is never lost (intent_raced).
 */
static json_t *
flood_write(json_t *e, json_int_t bd, json_t *p)
{
	bool empty = json_integer_value(json_object_get(p, "ports")) == 0;
	char key[4];

	for (int k = 0; k < INTENT_FLOOD_TUNNELS && empty; k++) {
		snprintf(key, sizeof(key), "t%d", k);
		empty = json_integer_value(json_object_get(p, key)) == 0;
	}
	if (p == NULL)
		return NULL;
	if (empty) {
		json_decref(p);
		p = NULL;
	}
	return cc_rmw(e, T_FLOOD, json_pack("{s:I}", "bd", bd), empty ? NULL : "flood", p);
}

/* The flood update of @bd with port @bit set or cleared, from the flood
 * entries read; NULL when a port leaves a bridge domain that has no flood
 * entry. */
static json_t *
flood_port(json_t *floods, json_int_t bd, json_int_t bit, bool set)
{
	json_t *e = cc_find(floods, json_pack("{s:I}", "bd", bd), NULL), *p = flood_params(e);
	uint32_t mask = (uint32_t)json_integer_value(json_object_get(p, "ports"));

	mask = set ? mask | (1u << bit) : mask & ~(1u << bit);
	if (p != NULL)
		json_object_set_new(p, "ports", json_integer(mask));
	return flood_write(e, bd, p);
}

/* A bridge domain belongs to one slice: -EPERM, naming the owner, when
 * the interfaces as read give @bd to another slice than @slice. */
static int
bd_owner_check(struct cc *c, json_t *ifs, json_int_t bd, json_int_t slice)
{
	json_t *e;
	size_t i;

	json_array_foreach(ifs, i, e)
		if (cc_is(e, "attach") && cc_param_int(e, "bd") == bd &&
		    cc_param_int(e, "slice") != slice)
			return cc_refuse(c, -EPERM, "bd %" JSON_INTEGER_FORMAT " belongs to slice %"
					 JSON_INTEGER_FORMAT ", not %" JSON_INTEGER_FORMAT, bd,
					 cc_param_int(e, "slice"), slice);
	return 0;
}

/* slice attach: interfaces, bd_ports, flood. detach: the bridge domain is
 * the interface's, and the flood entry goes with its last port (unless
 * it still floods into a tunnel). */
static int
compile_slice(struct cc *c, const struct intent *it)
{
	bool attach = it->kind == INTENT_SLICE_ATTACH;
	const char *t = attach ? "insert" : "delete";
	json_int_t idx = 0, slice = it->slice, bd = it->bd;
	json_t *ports, *ifs, *floods, *e, *port, *params;
	char name[256];
	int rc;

	if ((rc = check_port(c, it->port)) < 0 || (rc = cc_check_id(c, "VLAN", it->vlan, VLAN_MAX)) < 0 ||
	    (attach && ((rc = cc_check_id(c, "SLICE", slice, U16_MAX)) < 0 ||
			(rc = cc_check_id(c, "BD", bd, U16_MAX)) < 0)))
		return rc;
	if ((ports = cc_input(c, INTENT_IN_PORTS)) == NULL)
		return -EAGAIN;
	if ((rc = port_find(c, ports, it->port, &idx, name, sizeof(name))) < 0)
		return rc;
	ifs = c->in[INTENT_IN_INTERFACES];
	if (!attach) {
		if ((ifs = cc_input(c, INTENT_IN_INTERFACES)) == NULL)
			return -EAGAIN;
		e = cc_find(ifs, json_pack("{s:s,s:I}", "in_port", name, "vlan", it->vlan), "attach");
		if (e == NULL)
			return cc_refuse(c, -ENOENT, "%s vlan %" JSON_INTEGER_FORMAT " is not attached",
					 name, it->vlan);
		bd = cc_param_int(e, "bd");
		slice = cc_param_int(e, "slice");
	} else if ((rc = bd_owner_check(c, ifs, bd, slice)) < 0) {
		/* sxdp refuses it too; this names the owner */
		return rc;
	}
	if ((floods = cc_input(c, INTENT_IN_FLOOD)) == NULL)
		return -EAGAIN;

	port = port_value(it->port);
	params = json_pack("{s:I,s:I}", "slice", slice, "bd", bd);
	if (attach && it->meter != 0 && params != NULL)
		json_object_set_new(params, "meter", json_integer(it->meter));
	cc_add(c, cc_upd(t, T_INTERFACES, json_pack("{s:O,s:I}", "in_port", port, "vlan", it->vlan),
			 attach ? "attach" : NULL, params));
	cc_add(c, cc_upd(t, T_BD_PORTS, json_pack("{s:I,s:O}", "bd", bd, "port", port),
			 attach ? "member" : NULL, json_pack("{s:I}", "vlan", it->vlan)));
	json_decref(port);
	if ((e = flood_port(floods, bd, idx, attach)) != NULL)
		cc_add(c, e);
	return 0;
}

/*
 * A tunnel's flood entries, after its overlay entries (intent_overlay.c).
 * tunnel add ... flood BD: the tunnel into the first free slot of BD's
 * entry, which must exist (a bridge domain floods to its ports first) and
 * be the tunnel's slice's (sxdp takes another slice's tunnel there, and
 * then drops every copy: refused here instead). tunnel del: out of every
 * flood entry that names it.
 */
static int
compile_flood_tunnel(struct cc *c, const struct intent *it)
{
	bool add_ = it->kind == INTENT_TUNNEL_ADD;
	json_t *floods, *ifs = NULL, *e, *p;
	json_int_t bd;
	char key[4];
	size_t i;
	int rc;

	if (add_ && it->flood < 0)
		return 0;
	if (add_) {
		if ((rc = cc_check_id(c, "BD", it->flood, U16_MAX)) < 0)
			return rc;
		ifs = cc_input(c, INTENT_IN_INTERFACES);
	}
	if ((floods = cc_input(c, INTENT_IN_FLOOD)) == NULL || (add_ && ifs == NULL))
		return -EAGAIN;
	if (!add_) {
		json_array_foreach(floods, i, e) {
			p = json_object_get(e, "params");
			if (!cc_is(e, "flood") || flood_slot(p, it->id, key) < 0)
				continue;
			bd = json_integer_value(json_object_get(json_object_get(e, "match"), "bd"));
			p = flood_params(e);
			while (p != NULL && flood_slot(p, it->id, key) >= 0)
				json_object_del(p, key);
			cc_add(c, flood_write(e, bd, p));
		}
		return 0;
	}
	if ((rc = bd_owner_check(c, ifs, it->flood, it->slice)) < 0)
		return rc;
	if ((e = cc_find(floods, json_pack("{s:I}", "bd", it->flood), "flood")) == NULL)
		return cc_refuse(c, -ENOENT, "bd %" JSON_INTEGER_FORMAT " has no flood entry "
				 "(attach a port to it first)", it->flood);
	if (flood_slot(json_object_get(e, "params"), it->id, key) >= 0)
		return 0;	/* it floods there already */
	if ((p = flood_params(e)) != NULL && flood_slot(p, 0, key) < 0) {
		json_decref(p);
		return cc_refuse(c, -ENOSPC, "bd %" JSON_INTEGER_FORMAT " floods into %d tunnels "
				 "already (t0..t%d)", it->flood, INTENT_FLOOD_TUNNELS,
				 INTENT_FLOOD_TUNNELS - 1);
	}
	if (p != NULL)
		json_object_set_new(p, key, json_integer(it->id));
	cc_add(c, flood_write(e, it->flood, p));
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
	json_t *e = cc_find(svis, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd), NULL);
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
	const struct svi_family *f = (add_ ? cc_af_of(it->addr) == AF_INET6 : it->ipv6) ? &svi6 : &svi4;
	const char *t = add_ ? "insert" : "delete", *mac = it->mac, *ipt;
	char a[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 5],
		subnet[INET6_ADDRSTRLEN + 5];
	uint8_t ip[16], net[16];
	unsigned int plen;
	json_t *svis, *others, *e;
	int rc;

	if ((rc = cc_check_id(c, "SLICE", it->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "BD", it->bd, U16_MAX)) < 0)
		return rc;
	if (add_) {
		if ((rc = cc_check_mac(c, "MAC", mac)) < 0)
			return rc;
		if (!cc_pfx_ok(it->addr, f->af, false, ip, &plen) || plen < f->plen_min ||
		       plen > f->plen_max)
			return cc_refuse(c, -EINVAL, "bad IP/PLEN '%s' (%s)", it->addr ? it->addr : "",
					 f->plen_text);
	} else {
		if ((svis = cc_input(c, f->own)) == NULL)
			return -EAGAIN;
		e = cc_find(svis, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd), NULL);
		mac = json_string_value(json_object_get(json_object_get(e, "params"), "mac"));
		ipt = json_string_value(json_object_get(json_object_get(e, "params"), "ip"));
		plen = (unsigned int)cc_param_int(e, "plen");
		if (e == NULL || mac == NULL || !cc_addr_ok(ipt, f->af, ip) || plen > f->bits)
			return cc_refuse(c, -ENOENT, "no %s for slice %" JSON_INTEGER_FORMAT " bd %"
					 JSON_INTEGER_FORMAT, f->svi, it->slice, it->bd);
	}
	if ((others = cc_input(c, f->other)) == NULL)
		return -EAGAIN;
	for (unsigned int b = 0; b < 16; b++) {
		int keep = (int)plen - 8 * (int)b;

		net[b] = ip[b] & (keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep)));
	}
	inet_ntop(f->af, ip, a, sizeof(a));
	snprintf(host, sizeof(host), "%s/%u", a, f->bits);
	snprintf(subnet, sizeof(subnet), "%s/%u", inet_ntop(f->af, net, n, sizeof(n)), plen);
	cc_add(c, cc_upd(t, f->svi, json_pack("{s:I,s:I}", "vrf", it->slice, "bd", it->bd),
			 add_ ? f->action : NULL, json_pack("{s:s,s:s,s:i}", "mac", mac, "ip", a, "plen",
							    (int)plen)));
	if (!mac_shared(others, it, mac))
		cc_add(c, cc_upd(t, T_FDB, json_pack("{s:I,s:s}", "bd", it->bd, "mac", mac),
				 add_ ? "route" : NULL, NULL));
	cc_add(c, cc_upd(t, f->routes, json_pack("{s:I,s:s}", "vrf", it->slice, "dst", host),
			 add_ ? "local" : NULL, NULL));
	cc_add(c, cc_upd(t, f->routes, json_pack("{s:I,s:s}", "vrf", it->slice, "dst", subnet),
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
	bool v6 = cc_af_of(it->addr) == AF_INET6;
	const char *table = v6 ? T_ROUTES6 : T_ROUTES;
	int af = v6 ? AF_INET6 : AF_INET, max = v6 ? 2 : 4;
	json_t *match, *params;
	unsigned int plen;
	uint8_t ip[16];
	char key[8];
	int rc, n = it->n_nh;

	if ((rc = cc_check_id(c, "VRF", it->vrf, U16_MAX)) < 0)
		return rc;
	if (!cc_pfx_ok(it->addr, af, true, ip, &plen))
		return cc_refuse(c, -EINVAL, "bad PREFIX '%s'", it->addr ? it->addr : "");
	match = json_pack("{s:I,s:s}", "vrf", it->vrf, "dst", it->addr);
	if (it->kind == INTENT_ROUTE_DEL) {
		cc_add(c, cc_upd("delete", table, match, NULL, NULL));
		return 0;
	}
	if (!((strcmp(how, "via") == 0 && n == 1) || (strcmp(how, "ecmp") == 0 && n >= 2 && n <= max) ||
	      (strcmp(how, "drop") == 0 && n == 0))) {
		json_decref(match);
		return cc_refuse(c, -EINVAL, v6 ? "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'" :
				 "route add needs 'via NH', 'ecmp NH1 NH2 [NH3 [NH4]]' or 'drop'");
	}
	for (int i = 0; i < n; i++) {
		if (!cc_addr_ok(it->nh[i], af, ip)) {
			json_decref(match);
			return cc_refuse(c, -EINVAL, "bad NH '%s'%s", it->nh[i] ? it->nh[i] : "",
					 v6 ? " (an IPv6 prefix needs an IPv6 next hop)" : "");
		}
		if (v6 && !nh6_ok(ip)) {
			json_decref(match);
			return cc_refuse(c, -EINVAL, "bad NH '%s' (a next hop is a unicast address on a "
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
	cc_add(c, cc_upd("insert", table, match, how, params));
	return 0;
}

static int
compile_mac(struct cc *c, const struct intent *it)
{
	json_t *match;
	int rc;

	if ((rc = cc_check_id(c, "BD", it->bd, U16_MAX)) < 0 || (rc = cc_check_mac(c, "MAC", it->mac)) < 0 ||
		  (it->kind == INTENT_MAC_ADD && (rc = check_port(c, it->port)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", "bd", it->bd, "mac", it->mac);
	if (it->kind == INTENT_MAC_ADD)
		cc_add(c, cc_upd("insert", T_FDB, match, "forward", json_pack("{s:o}", "port",
				 port_value(it->port))));
	else
		cc_add(c, cc_upd("delete", T_FDB, match, NULL, NULL));
	return 0;
}

static int
compile_neigh(struct cc *c, const struct intent *it)
{
	bool add_ = it->kind == INTENT_NEIGH_ADD;
	int af = cc_af_of(it->addr);
	const char *table = af == AF_INET6 ? T_NEIGH6 : T_NEIGH;
	json_t *match;
	uint8_t ip[16];
	int rc;

	if ((rc = cc_check_id(c, "VRF", it->vrf, U16_MAX)) < 0)
		return rc;
	if (!cc_addr_ok(it->addr, af, ip))
		return cc_refuse(c, -EINVAL, "bad IP '%s'", it->addr ? it->addr : "");
	if (add_ && ((rc = check_port(c, it->port)) < 0 ||
		     (rc = cc_check_id(c, "VLAN", it->vlan, VLAN_MAX)) < 0 ||
		     (rc = cc_check_mac(c, "DMAC", it->mac)) < 0 || (rc = cc_check_mac(c, "SMAC", it->smac)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", "vrf", it->vrf, "ip", it->addr);
	if (add_)
		cc_add(c, cc_upd("insert", table, match, "rewrite", json_pack("{s:o,s:I,s:s,s:s}",
				 "port", port_value(it->port), "vlan", it->vlan, "dmac", it->mac, "smac",
				 it->smac)));
	else
		cc_add(c, cc_upd("delete", table, match, NULL, NULL));
	return 0;
}

/* ------------------------------------------------------------ driving */

const char *
intent_input_table(enum intent_input k)
{
	if ((unsigned int)k >= INTENT_IN_MAX)
		return NULL;
	if (input_table[k] != NULL)
		return input_table[k];
	return intent_ov_input_table(k) != NULL ? intent_ov_input_table(k) : intent_qos_input_table(k);
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
	case INTENT_TUNNEL_ADD:
		return it->flood >= 0 ? INTENT_IN(INTENT_IN_FLOOD) : 0;
	case INTENT_TUNNEL_DEL:
		return intent_ov_inputs(it) | INTENT_IN(INTENT_IN_FLOOD);
	default:
		return intent_ov_kind(it->kind) ? intent_ov_inputs(it) :
		       intent_qos_kind(it->kind) ? intent_qos_inputs(it) : 0;
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
	case INTENT_TUNNEL_ADD:
		/* the interfaces: whose the flood's bridge domain is */
		return it->flood < 0 ? 0 :
			INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD);
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
		return cc_refuse(&c, -ENOMEM, "out of memory");
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
		if (intent_qos_kind(it->kind)) {
			rc = intent_qos_compile(&c, it);
			break;
		}
		rc = intent_ov_compile(&c, it);
		/* a tunnel's flood entries are the switch's table */
		if (rc == 0 && (it->kind == INTENT_TUNNEL_ADD || it->kind == INTENT_TUNNEL_DEL))
			rc = compile_flood_tunnel(&c, it);
	}
	if (rc == 0 && c.nomem)
		rc = cc_refuse(&c, -ENOMEM, "out of memory");
	if (rc == 0) {
		/* several updates always span tables: all of them or none */
		*params = json_array_size(c.ups) > 1 ?
			json_pack("{s:s,s:O}", "atomicity", "dataplane-atomic", "updates", c.ups) :
			json_pack("{s:O}", "updates", c.ups);
		if (*params == NULL)
			rc = cc_refuse(&c, -ENOMEM, "out of memory");
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
	case -ENOSPC: return "full";
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
			if (!(from & INTENT_IN(k)) || intent_input_table(k) == NULL ||
			    strcmp(intent_input_table(k), table) != 0)
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

/* @v's table and the match field it filters on: the switch's here, the
 * overlay's from intent_overlay.c. */
static void
view_of(enum intent_view v, const char **table, const char **key)
{
	*table = *key = NULL;
	if ((unsigned int)v < sizeof(views) / sizeof(views[0]) && views[v].table != NULL) {
		*table = views[v].table;
		*key = views[v].key;
	} else {
		intent_ov_view(v, table, key);
	}
}

const char *
intent_view_table(enum intent_view v)
{
	const char *table, *key;

	view_of(v, &table, &key);
	return table;
}

json_t *
intent_view_select(enum intent_view v, json_t *entries, json_int_t key)
{
	json_t *keep = json_array(), *e, *m;
	const char *table, *field;
	size_t i;

	view_of(v, &table, &field);
	json_array_foreach(entries, i, e) {
		m = json_object_get(json_object_get(e, "match"), field != NULL ? field : "");
		if (key < 0 || (json_is_integer(m) && json_integer_value(m) == key))
			json_array_append(keep, e);
	}
	return keep;
}

json_t *
intent_tunnel_rows(json_t *tunnels, json_t *peers, json_t *floods)
{
	json_t *rows = intent_ov_tunnel_rows(tunnels, peers), *row, *e, *bds;
	char key[4];
	size_t i, j;

	/* the bridge domains whose flood entry names the tunnel */
	json_array_foreach(rows, i, row) {
		bds = json_array();
		json_array_foreach(floods, j, e)
			if (cc_is(e, "flood") && flood_slot(json_object_get(e, "params"),
			    json_integer_value(json_object_get(row, "id")), key) >= 0)
				json_array_append(bds, json_object_get(json_object_get(e, "match"),
								       "bd"));
		if (bds == NULL || json_object_set_new(row, "flood", bds) < 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}

json_t *
intent_ageing(json_int_t seconds)
{
	return json_pack("{s:s,s:I}", "table", T_FDB, "idle_timeout_s", seconds);
}
