/* SPDX-License-Identifier: BSD-3-Clause */
/* The switch's intents compiled into table.write updates, registered with the intent library (see sw_intent.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_addr.h"
#include "dp_num.h"
#include "intent_cc.h"
#include "sw_intent.h"
#include "sw_names.h"

#define U16_MAX	 65535	/* slice, VRF and bridge domain ids */
#define VLAN_MAX 4095

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
	json_t *p = cc_is(e, SW_A_FLOOD) ? json_copy(json_object_get(e, "params")) : json_object();

	if (p != NULL && json_object_get(p, SW_F_PORTS) == NULL)
		json_object_set_new(p, SW_F_PORTS, json_integer(0));
	return p;
}

/* The first of @p's slots t0..t7 that names @tunnel (0: the first free
 * one), -1 when none does; its name in @key. */
static int
flood_slot(json_t *p, json_int_t tunnel, char key[4])
{
	for (int k = 0; k < INTENT_FLOOD_TUNNELS; k++) {
		snprintf(key, 4, SW_F_T_FMT, k);
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
	bool empty = json_integer_value(json_object_get(p, SW_F_PORTS)) == 0;
	char key[4];

	for (int k = 0; k < INTENT_FLOOD_TUNNELS && empty; k++) {
		snprintf(key, sizeof(key), SW_F_T_FMT, k);
		empty = json_integer_value(json_object_get(p, key)) == 0;
	}
	if (p == NULL)
		return NULL;
	if (empty) {
		json_decref(p);
		p = NULL;
	}
	return cc_rmw(e, SW_T_FLOOD, json_pack("{s:I}", SW_F_BD, bd), empty ? NULL : SW_A_FLOOD, p);
}

/* The flood update of @bd with port @bit set or cleared, from the flood
 * entries read; NULL when a port leaves a bridge domain that has no flood
 * entry. */
static json_t *
flood_port(json_t *floods, json_int_t bd, json_int_t bit, bool set)
{
	json_t *e = cc_find(floods, json_pack("{s:I}", SW_F_BD, bd), NULL), *p = flood_params(e);
	uint32_t mask = (uint32_t)json_integer_value(json_object_get(p, SW_F_PORTS));

	mask = set ? mask | (1u << bit) : mask & ~(1u << bit);
	if (p != NULL)
		json_object_set_new(p, SW_F_PORTS, json_integer(mask));
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
		if ((cc_is(e, SW_A_ATTACH) || cc_is(e, SW_A_ROUTED)) && cc_param_int(e, SW_F_BD) == bd &&
		    cc_param_int(e, SW_F_SLICE) != slice)
			return cc_refuse(c, -EPERM, "bd %" JSON_INTEGER_FORMAT " belongs to slice %"
					 JSON_INTEGER_FORMAT ", not %" JSON_INTEGER_FORMAT, bd,
					 cc_param_int(e, SW_F_SLICE), slice);
	return 0;
}

/* slice attach: interfaces, bd_ports, flood. detach: the bridge domain is
 * the interface's, and the flood entry goes with its last port (unless
 * it still floods into a tunnel). A routed port is attached the same way
 * to its own link (the flood entry and membership are what its ARP and
 * NDP requests go out by), its interfaces entry `routed`. */
static int
compile_slice(struct cc *c, const struct intent *it)
{
	const struct sw_slice_arg *a = it->arg;
	bool attach = it->kind == INTENT_SLICE_ATTACH;
	const char *t = attach ? "insert" : "delete", *act = SW_A_ATTACH;
	json_int_t idx = 0, slice = a->slice, bd = a->bd;
	json_t *ports, *ifs, *floods, *e, *port, *params;
	char name[256];
	int rc;

	if ((rc = check_port(c, a->port)) < 0 || (rc = cc_check_id(c, "VLAN", a->vlan, VLAN_MAX)) < 0 ||
	    (attach && ((rc = cc_check_id(c, "SLICE", slice, U16_MAX)) < 0 ||
			(rc = cc_check_id(c, "BD", bd, U16_MAX)) < 0)))
		return rc;
	if (attach && a->how != NULL) {
		if (strcmp(a->how, SW_A_ROUTED) != 0)
			return cc_refuse(c, -EINVAL, "slice attach: '%s' is no way to attach (routed, or "
					 "nothing)", a->how);
		act = SW_A_ROUTED;
	}
	if ((ports = cc_input(c, INTENT_IN_PORTS)) == NULL)
		return -EAGAIN;
	if ((rc = port_find(c, ports, a->port, &idx, name, sizeof(name))) < 0)
		return rc;
	ifs = c->in[INTENT_IN_INTERFACES];
	if (!attach) {
		if ((ifs = cc_input(c, INTENT_IN_INTERFACES)) == NULL)
			return -EAGAIN;
		e = cc_find(ifs, json_pack("{s:s,s:I}", SW_F_IN_PORT, name, SW_F_VLAN, a->vlan), NULL);
		if (e != NULL && !cc_is(e, SW_A_ATTACH) && !cc_is(e, SW_A_ROUTED))
			e = NULL;
		if (e == NULL)
			return cc_refuse(c, -ENOENT, "%s vlan %" JSON_INTEGER_FORMAT " is not attached",
					 name, a->vlan);
		bd = cc_param_int(e, SW_F_BD);
		slice = cc_param_int(e, SW_F_SLICE);
	} else if ((rc = bd_owner_check(c, ifs, bd, slice)) < 0) {
		/* sxdp refuses it too; this names the owner */
		return rc;
	}
	if ((floods = cc_input(c, INTENT_IN_FLOOD)) == NULL)
		return -EAGAIN;

	port = port_value(a->port);
	params = json_pack("{s:I,s:I}", SW_F_SLICE, slice, SW_F_BD, bd);
	if (attach && a->meter != 0 && params != NULL)
		json_object_set_new(params, SW_F_METER, json_integer(a->meter));
	cc_add(c, cc_upd(t, SW_T_INTERFACES, json_pack("{s:O,s:I}", SW_F_IN_PORT, port, SW_F_VLAN,
			 a->vlan), attach ? act : NULL, params));
	cc_add(c, cc_upd(t, SW_T_BD_PORTS, json_pack("{s:I,s:O}", SW_F_BD, bd, SW_F_PORT, port),
			 attach ? SW_A_MEMBER : NULL, json_pack("{s:I}", SW_F_VLAN, a->vlan)));
	json_decref(port);
	if ((e = flood_port(floods, bd, idx, attach)) != NULL)
		cc_add(c, e);
	return 0;
}

/* ------------------------------------------ flooding into upper layers */

/* Entry @i of @bd's flood_more list, as read (NULL: none); borrowed. */
static json_t *
more_at(json_t *mores, json_int_t bd, json_int_t i)
{
	return cc_find(mores, json_pack("{s:I,s:I}", SW_F_BD, bd, SW_F_INDEX, i), SW_A_TUNNEL);
}

/* flood_more's (bd, i) made to hold @tunnel (0: removed), from @e as read. */
static void
more_set(struct cc *c, json_t *e, json_int_t bd, json_int_t i, json_int_t tunnel)
{
	json_t *u = cc_rmw(e, SW_T_FLOOD_MORE, json_pack("{s:I,s:I}", SW_F_BD, bd, SW_F_INDEX, i),
			   tunnel ? SW_A_TUNNEL : NULL, tunnel ? json_pack("{s:I}", SW_F_TUNNEL, tunnel) : NULL);

	if (u != NULL)
		cc_add(c, u);
}

#define FLOOD_ALL (INTENT_FLOOD_TUNNELS + INTENT_FLOOD_MORE_MAX)

/* The tunnels @bd's flood entry @e (as read) and its list flood into, in
 * their places: t0..t7 (0 where a slot is free), then the list. */
static size_t
flood_tunnels(json_t *e, json_t *mores, json_int_t bd, json_int_t *out)
{
	json_int_t more = cc_param_int(e, SW_F_MORE);
	char key[4];
	size_t n = 0;

	for (int k = 0; k < INTENT_FLOOD_TUNNELS; k++) {
		snprintf(key, sizeof(key), SW_F_T_FMT, k);
		out[n++] = cc_param_int(e, key);
	}
	for (json_int_t i = 0; i < more && i < INTENT_FLOOD_MORE_MAX; i++)
		out[n++] = cc_param_int(more_at(mores, bd, i), SW_F_TUNNEL);
	return n;
}

static int
id_cmp(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/*
 * @bd's flood entry @e (as read, NULL: none) and its list made to name
 * the @n tunnels of @t: in ascending order, t0..t7 first, the rest the
 * list, the count in the entry. One placement whatever order the tunnels
 * joined in, so an sxcd started again compiles what sxdp holds (a fleet's
 * peers come up in any order); a tunnel that leaves moves those after it.
 * The updates of what changes only, each expecting what was read.
 */
static void
flood_place(struct cc *c, json_t *e, json_t *mores, json_int_t bd, json_int_t *t, size_t n)
{
	json_int_t was[FLOOD_ALL];
	json_t *p = flood_params(e);
	size_t had = flood_tunnels(e, mores, bd, was), top = had > n ? had : n;
	char key[4];

	if (p == NULL) {
		c->nomem = true;
		return;
	}
	qsort(t, n, sizeof(*t), id_cmp);
	for (size_t i = INTENT_FLOOD_TUNNELS; i < top; i++) {
		json_int_t now = i < n ? t[i] : 0, then = i < had ? was[i] : 0;
		json_int_t at = (json_int_t)(i - INTENT_FLOOD_TUNNELS);

		if (now != then)
			more_set(c, more_at(mores, bd, at), bd, at, now);
	}
	for (int k = 0; k < INTENT_FLOOD_TUNNELS; k++) {
		snprintf(key, sizeof(key), SW_F_T_FMT, k);
		if ((size_t)k < n)
			json_object_set_new(p, key, json_integer(t[k]));
		else
			json_object_del(p, key);
	}
	if (n > INTENT_FLOOD_TUNNELS)
		json_object_set_new(p, SW_F_MORE, json_integer((json_int_t)(n - INTENT_FLOOD_TUNNELS)));
	else
		json_object_del(p, SW_F_MORE);
	if (e != NULL && json_equal(p, json_object_get(e, "params"))) {
		json_decref(p);
		return;
	}
	cc_add(c, flood_write(e, bd, p));
}

int
sw_intent_flood_join(struct cc *c, json_int_t bd, json_int_t slice, json_int_t tunnel, bool create)
{
	json_t *floods, *mores, *ifs, *e;
	json_int_t t[FLOOD_ALL + 1];
	size_t n, k = 0;
	int rc;

	if ((rc = cc_check_id(c, "BD", bd, U16_MAX)) < 0)
		return rc;
	ifs = cc_input(c, INTENT_IN_INTERFACES);
	mores = cc_input(c, INTENT_IN_FLOOD_MORE);
	if ((floods = cc_input(c, INTENT_IN_FLOOD)) == NULL || ifs == NULL || mores == NULL)
		return -EAGAIN;
	if ((rc = bd_owner_check(c, ifs, bd, slice)) < 0)
		return rc;
	if ((e = cc_find(floods, json_pack("{s:I}", SW_F_BD, bd), SW_A_FLOOD)) == NULL && !create)
		return cc_refuse(c, -ENOENT, "bd %" JSON_INTEGER_FORMAT " has no flood entry "
				 "(attach a port to it first)", bd);
	n = flood_tunnels(e, mores, bd, t);
	for (size_t i = 0; i < n; i++) {
		if (t[i] == tunnel)
			return 0;	/* it floods there already */
		if (t[i] != 0)
			t[k++] = t[i];
	}
	if (k >= FLOOD_ALL)
		return cc_refuse(c, -ENOSPC, "bd %" JSON_INTEGER_FORMAT " floods into %d tunnels already "
				 "(t0..t%d and %d in flood_more): a bridge domain reaches at most %d peer sites",
				 bd, FLOOD_ALL, INTENT_FLOOD_TUNNELS - 1, INTENT_FLOOD_MORE_MAX, FLOOD_ALL);
	t[k++] = tunnel;
	flood_place(c, e, mores, bd, t, k);
	return 0;
}

int
sw_intent_flood_leave(struct cc *c, json_int_t tunnel)
{
	json_t *floods, *mores, *e;
	json_int_t bd;
	size_t i;

	mores = cc_input(c, INTENT_IN_FLOOD_MORE);
	if ((floods = cc_input(c, INTENT_IN_FLOOD)) == NULL || mores == NULL)
		return -EAGAIN;
	json_array_foreach(floods, i, e) {
		if (!sw_intent_floods_into(e, tunnel, mores))
			continue;
		json_int_t t[FLOOD_ALL];
		size_t n, k = 0;

		bd = json_integer_value(json_object_get(json_object_get(e, "match"), SW_F_BD));
		n = flood_tunnels(e, mores, bd, t);
		for (size_t j = 0; j < n; j++)
			if (t[j] != 0 && t[j] != tunnel)
				t[k++] = t[j];
		flood_place(c, e, mores, bd, t, k);
	}
	return 0;
}

bool
sw_intent_floods_into(json_t *e, json_int_t tunnel, json_t *mores)
{
	json_int_t bd = json_integer_value(json_object_get(json_object_get(e, "match"), SW_F_BD));
	json_int_t more = cc_param_int(e, SW_F_MORE);
	char key[4];

	if (!cc_is(e, SW_A_FLOOD))
		return false;
	if (flood_slot(json_object_get(e, "params"), tunnel, key) >= 0)
		return true;
	for (json_int_t i = 0; i < more && mores != NULL; i++)
		if (cc_param_int(more_at(mores, bd, i), SW_F_TUNNEL) == tunnel)
			return true;
	return false;
}

/* -------------------------------------------------------------- SVIs */

/* What an SVI of one family writes, and where the other family's are. */
struct svi_family {
	int af;
	unsigned int bits, plen_min, plen_max;
	const char *svi, *action, *routes, *plen_text;
	unsigned int own, other;
};

static const struct svi_family svi4 = {
	AF_INET, 32, 0, 31, SW_T_SVI, SW_A_SVI, SW_T_ROUTES, "an SVI needs PLEN 0..31",
	INTENT_IN_SVI, INTENT_IN_SVI6,
};
static const struct svi_family svi6 = {
	AF_INET6, 128, 1, 127, SW_T_SVI6, SW_A_SVI6, SW_T_ROUTES6, "an IPv6 SVI needs PLEN 1..127",
	INTENT_IN_SVI6, INTENT_IN_SVI,
};

/* Does the BD's SVI in @svis (the other family's, as read) route @mac too?
 * Then the fdb entry is both SVIs', written by the first and deleted by
 * the last. */
static bool
mac_shared(json_t *svis, const struct sw_svi_arg *sv, const char *mac)
{
	json_t *e = cc_find(svis, json_pack("{s:I,s:I}", SW_F_VRF, sv->slice, SW_F_BD, sv->bd), NULL);
	const char *m = json_string_value(json_object_get(json_object_get(e, "params"), SW_F_MAC));
	uint8_t a[6], b[6];

	return m != NULL && dp_addr_mac(m, a) == 0 && dp_addr_mac(mac, b) == 0 &&
	       memcmp(a, b, 6) == 0;
}

/* svi add: the SVI, its MAC routed, IP/32 (/128) local and the connected
 * subnet. svi del: the same entries, from the SVI as read. */
static int
compile_svi(struct cc *c, const struct intent *it)
{
	const struct sw_svi_arg *sv = it->arg;
	bool add_ = it->kind == INTENT_SVI_ADD;
	const struct svi_family *f = (add_ ? cc_af_of(sv->addr) == AF_INET6 : sv->ipv6) ? &svi6 : &svi4;
	const char *t = add_ ? "insert" : "delete", *mac = sv->mac, *ipt;
	char a[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 5],
		subnet[INET6_ADDRSTRLEN + 5];
	uint8_t ip[16], net[16];
	unsigned int plen;
	json_t *svis, *others, *e, *p;
	int rc;

	if ((rc = cc_check_id(c, "SLICE", sv->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "BD", sv->bd, U16_MAX)) < 0)
		return rc;
	if (add_) {
		if ((rc = cc_check_mac(c, "MAC", mac)) < 0)
			return rc;
		if (!cc_pfx_ok(sv->addr, f->af, false, ip, &plen) || plen < f->plen_min ||
		       plen > f->plen_max)
			return cc_refuse(c, -EINVAL, "bad IP/PLEN '%s' (%s)", sv->addr ? sv->addr : "",
					 f->plen_text);
	} else {
		if ((svis = cc_input(c, f->own)) == NULL)
			return -EAGAIN;
		e = cc_find(svis, json_pack("{s:I,s:I}", SW_F_VRF, sv->slice, SW_F_BD, sv->bd), NULL);
		mac = json_string_value(json_object_get(json_object_get(e, "params"), SW_F_MAC));
		ipt = json_string_value(json_object_get(json_object_get(e, "params"), SW_F_IP));
		plen = (unsigned int)cc_param_int(e, SW_F_PLEN);
		if (e == NULL || mac == NULL || !cc_addr_ok(ipt, f->af, ip) || plen > f->bits)
			return cc_refuse(c, -ENOENT, "no %s for slice %" JSON_INTEGER_FORMAT " bd %"
					 JSON_INTEGER_FORMAT, f->svi, sv->slice, sv->bd);
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
	p = json_pack("{s:s,s:s,s:i}", SW_F_MAC, mac, SW_F_IP, a, SW_F_PLEN, (int)plen);
	if (add_ && sv->held)
		json_object_set_new(p, SW_F_HELD, json_integer(1));
	cc_add(c, cc_upd(t, f->svi, json_pack("{s:I,s:I}", SW_F_VRF, sv->slice, SW_F_BD, sv->bd),
			 add_ ? f->action : NULL, p));
	/* a held gateway's MAC is its router's alone (one per family) */
	if (add_ && sv->held)
		cc_add(c, cc_upd(t, SW_T_FDB, json_pack("{s:I,s:s}", SW_F_BD, sv->bd, SW_F_MAC, mac), SW_A_ROUTE_HELD,
				 json_pack("{s:i}", SW_F_HELD, f->af == AF_INET6 ? SW_HELD_V6 : SW_HELD_V4)));
	else if (!mac_shared(others, sv, mac))
		cc_add(c, cc_upd(t, SW_T_FDB, json_pack("{s:I,s:s}", SW_F_BD, sv->bd, SW_F_MAC, mac),
				 add_ ? SW_A_ROUTE : NULL, NULL));
	cc_add(c, cc_upd(t, f->routes, json_pack("{s:I,s:s}", SW_F_VRF, sv->slice, SW_F_DST, host),
			 add_ ? SW_A_LOCAL : NULL, NULL));
	cc_add(c, cc_upd(t, f->routes, json_pack("{s:I,s:s}", SW_F_VRF, sv->slice, SW_F_DST, subnet),
			 add_ ? SW_A_CONNECTED : NULL, json_pack("{s:I}", SW_F_BD, sv->bd)));
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
	const struct sw_route_arg *a = it->arg;
	const char *how = a->how != NULL ? a->how : "";
	bool v6 = cc_af_of(a->prefix) == AF_INET6;
	const char *table = v6 ? SW_T_ROUTES6 : SW_T_ROUTES;
	int af = v6 ? AF_INET6 : AF_INET, max = v6 ? 2 : 4;
	json_t *match, *params;
	unsigned int plen;
	uint8_t ip[16];
	char key[8];
	int rc, n = a->n_nh;

	if ((rc = cc_check_id(c, "VRF", a->vrf, U16_MAX)) < 0)
		return rc;
	if (!cc_pfx_ok(a->prefix, af, true, ip, &plen))
		return cc_refuse(c, -EINVAL, "bad PREFIX '%s'", a->prefix ? a->prefix : "");
	match = json_pack("{s:I,s:s}", SW_F_VRF, a->vrf, SW_F_DST, a->prefix);
	if (it->kind == INTENT_ROUTE_DEL) {
		cc_add(c, cc_upd("delete", table, match, NULL, NULL));
		return 0;
	}
	if (!((strcmp(how, SW_A_VIA) == 0 && n == 1) ||
	      (strcmp(how, SW_A_ECMP) == 0 && n >= 2 && n <= max) ||
	      (strcmp(how, SW_A_DROP) == 0 && n == 0))) {
		json_decref(match);
		return cc_refuse(c, -EINVAL, v6 ? "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'" :
				 "route add needs 'via NH', 'ecmp NH1 NH2 [NH3 [NH4]]' or 'drop'");
	}
	for (int i = 0; i < n; i++) {
		if (!cc_addr_ok(a->nh[i], af, ip)) {
			json_decref(match);
			return cc_refuse(c, -EINVAL, "bad NH '%s'%s", a->nh[i] ? a->nh[i] : "",
					 v6 ? " (an IPv6 prefix needs an IPv6 next hop)" : "");
		}
		if (v6 && !nh6_ok(ip)) {
			json_decref(match);
			return cc_refuse(c, -EINVAL, "bad NH '%s' (a next hop is a unicast address on a "
					 "connected subnet, not link-local)", a->nh[i]);
		}
	}
	if (n == 1) {
		params = json_pack("{s:s}", SW_F_NH, a->nh[0]);
	} else {
		params = json_object();
		if (n > 0)
			json_object_set_new(params, SW_F_N, json_integer(n));
		for (int i = 0; n > 0 && i < max; i++) {
			snprintf(key, sizeof(key), SW_F_NH_FMT, i);
			json_object_set_new(params, key, json_string(i < n ? a->nh[i] : "0.0.0.0"));
		}
	}
	cc_add(c, cc_upd("insert", table, match, how, params));
	return 0;
}

static int
compile_mac(struct cc *c, const struct intent *it)
{
	const struct sw_mac_arg *a = it->arg;
	json_t *match;
	int rc;

	if ((rc = cc_check_id(c, "BD", a->bd, U16_MAX)) < 0 || (rc = cc_check_mac(c, "MAC", a->mac)) < 0 ||
		  (it->kind == INTENT_MAC_ADD && (rc = check_port(c, a->port)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", SW_F_BD, a->bd, SW_F_MAC, a->mac);
	if (it->kind == INTENT_MAC_ADD)
		cc_add(c, cc_upd("insert", SW_T_FDB, match, SW_A_FORWARD, json_pack("{s:o}", SW_F_PORT,
				 port_value(a->port))));
	else
		cc_add(c, cc_upd("delete", SW_T_FDB, match, NULL, NULL));
	return 0;
}

static int
compile_neigh(struct cc *c, const struct intent *it)
{
	const struct sw_neigh_arg *a = it->arg;
	bool add_ = it->kind == INTENT_NEIGH_ADD;
	int af = cc_af_of(a->ip);
	const char *table = af == AF_INET6 ? SW_T_NEIGH6 : SW_T_NEIGH;
	json_t *match;
	uint8_t ip[16];
	int rc;

	if ((rc = cc_check_id(c, "VRF", a->vrf, U16_MAX)) < 0)
		return rc;
	if (!cc_addr_ok(a->ip, af, ip))
		return cc_refuse(c, -EINVAL, "bad IP '%s'", a->ip ? a->ip : "");
	if (add_ && ((rc = check_port(c, a->port)) < 0 ||
		     (rc = cc_check_id(c, "VLAN", a->vlan, VLAN_MAX)) < 0 ||
		     (rc = cc_check_mac(c, "DMAC", a->dmac)) < 0 || (rc = cc_check_mac(c, "SMAC", a->smac)) < 0))
		return rc;
	match = json_pack("{s:I,s:s}", SW_F_VRF, a->vrf, SW_F_IP, a->ip);
	if (add_)
		cc_add(c, cc_upd("insert", table, match, SW_A_REWRITE, json_pack("{s:o,s:I,s:s,s:s}",
				 SW_F_PORT, port_value(a->port), SW_F_VLAN, a->vlan, SW_F_DMAC, a->dmac,
				 SW_F_SMAC, a->smac)));
	else
		cc_add(c, cc_upd("delete", table, match, NULL, NULL));
	return 0;
}

json_t *
sw_intent_ageing(json_int_t seconds)
{
	return json_pack("{s:s,s:I}", "table", SW_T_FDB, SW_CFG_IDLE_TIMEOUT, seconds);
}

/* ------------------------------------------------------- registration */

static unsigned int
svi_del_writes(const struct intent *it)
{
	const struct sw_svi_arg *sv = it->arg;

	return INTENT_IN(sv->ipv6 ? INTENT_IN_SVI6 : INTENT_IN_SVI);
}

/* An attach is about its bridge domain's interfaces and flood entries. */
static bool
attach_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	const struct sw_slice_arg *a = it->arg;

	*v = a->bd;
	return k == INTENT_IN_INTERFACES || k == INTENT_IN_FLOOD;
}

/* An SVI is about its bridge domain's SVIs. */
static bool
svi_add_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	const struct sw_svi_arg *sv = it->arg;

	*v = sv->bd;
	return k == INTENT_IN_SVI || k == INTENT_IN_SVI6;
}

/* A slice's port: its index and whose its bridge domain and flood entry are. */
#define SLICE_READS (INTENT_IN(INTENT_IN_PORTS) | INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD))
/* the other family's SVIs: whether the router MAC is theirs too */
#define SVI_READS   (INTENT_IN(INTENT_IN_SVI) | INTENT_IN(INTENT_IN_SVI6))

const struct intent_kind sw_intent_kinds[SW_KINDS] = {
	[SW_K_SLICE_ATTACH] = { INTENT_KIND(INTENT_SLICE_ATTACH, "slice attach", compile_slice),
				.reads = SLICE_READS, .writes = INTENT_IN(INTENT_IN_FLOOD),
				.about = attach_about },
	[SW_K_SLICE_DETACH] = { INTENT_KIND(INTENT_SLICE_DETACH, "slice detach", compile_slice),
				.reads = SLICE_READS,
				.writes = INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD) },
	[SW_K_SVI_ADD] = { INTENT_KIND(INTENT_SVI_ADD, "svi add", compile_svi), .reads = SVI_READS,
			   .about = svi_add_about },
	[SW_K_SVI_DEL] = { INTENT_KIND(INTENT_SVI_DEL, "svi del", compile_svi), .reads = SVI_READS,
			   .writes_of = svi_del_writes },
	[SW_K_ROUTE_ADD] = { INTENT_KIND(INTENT_ROUTE_ADD, "route add", compile_route) },
	[SW_K_ROUTE_DEL] = { INTENT_KIND(INTENT_ROUTE_DEL, "route del", compile_route) },
	[SW_K_MAC_ADD] = { INTENT_KIND(INTENT_MAC_ADD, "mac add", compile_mac) },
	[SW_K_MAC_DEL] = { INTENT_KIND(INTENT_MAC_DEL, "mac del", compile_mac) },
	[SW_K_NEIGH_ADD] = { INTENT_KIND(INTENT_NEIGH_ADD, "neigh add", compile_neigh) },
	[SW_K_NEIGH_DEL] = { INTENT_KIND(INTENT_NEIGH_DEL, "neigh del", compile_neigh) },
};

const struct intent_view sw_intent_views[SW_VIEWS] = {
	[SW_V_ROUTES] = { SW_T_ROUTES, SW_F_VRF },
	[SW_V_FDB] = { SW_T_FDB, SW_F_BD },
	[SW_V_NEIGH] = { SW_T_NEIGH, SW_F_VRF },
	[SW_V_ROUTES6] = { SW_T_ROUTES6, SW_F_VRF },
	[SW_V_NEIGH6] = { SW_T_NEIGH6, SW_F_VRF },
};

__attribute__((constructor)) static void
sw_intent_register(void)
{
	intent_kinds_register(sw_intent_kinds, SW_KINDS);
	intent_input_register(INTENT_IN_INTERFACES, SW_T_INTERFACES);
	intent_input_register(INTENT_IN_FLOOD, SW_T_FLOOD);
	intent_input_register(INTENT_IN_SVI, SW_T_SVI);
	intent_input_register(INTENT_IN_SVI6, SW_T_SVI6);
	intent_input_register(INTENT_IN_FLOOD_MORE, SW_T_FLOOD_MORE);
	/* a bridge domain's entries, which is what an attach or an SVI is about */
	intent_input_index(INTENT_IN_INTERFACES, "params", SW_F_BD);
	intent_input_index(INTENT_IN_FLOOD, "match", SW_F_BD);
	intent_input_index(INTENT_IN_SVI, "match", SW_F_BD);
	intent_input_index(INTENT_IN_SVI6, "match", SW_F_BD);
	intent_input_index(INTENT_IN_FLOOD_MORE, "match", SW_F_BD);
}
