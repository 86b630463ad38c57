/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's intents compiled into table.write updates, registered with the intent library (see ov_intent.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "intent_cc.h"
#include "ov_intent.h"
#include "ov_names.h"
#include "sw_intent.h"
#include "sw_names.h"

#include "ov_appnames.h"

/* The limits the overlay's protocols and field types set; sxdp judges
 * what its tables declare beyond them (paths 1..4095, classes 0..255). */
#define U8_MAX	 255
#define U16_MAX	 65535
#define U32_MAX	 4294967295LL
#define VNI_MAX	 0xffffff	/* 24 bits (RFC 7348, RFC 8926) */
#define DSCP_MAX 63

/* @e's match field @key (an entry as read) as an integer. */
static json_int_t
match_int(json_t *e, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(e, "match"), key));
}

/* An update removing @e (as read) while it holds what was read. */
static json_t *
rm_as_read(json_t *e, const char *table)
{
	return cc_rmw(e, table, json_incref(json_object_get(e, "match")), NULL, NULL);
}

/* ----------------------------------------------- one entry per intent */

/* vtep add|del IP; site add SITE endpoint IP | site del IP: one entry
 * by its address (either family: the tables' "ip" type), a site's naming
 * the site. */
static int
addr_entry(struct cc *c, bool add, bool site, const char *ip, json_int_t id)
{
	int rc, af;

	if ((rc = cc_check_ip(c, "IP", ip, &af)) < 0 ||
	    (site && add && (rc = cc_check_id(c, "SITE", id, U16_MAX)) < 0))
		return rc;
	cc_add(c, cc_upd(add ? "insert" : "delete", site ? OV_T_ENDPOINTS : OV_T_VTEPS,
			 json_pack("{s:s}", OV_F_IP, ip),
			 !add ? NULL : site ? OV_A_ENDPOINT : OV_A_VTEP,
			 site ? json_pack("{s:I}", OV_F_SITE, id) : NULL));
	return 0;
}

static int
compile_vtep(struct cc *c, const struct intent *it)
{
	const struct ov_vtep_arg *a = it->arg;

	return addr_entry(c, it->kind == INTENT_VTEP_ADD, false, a->ip, 0);
}

static int
compile_site(struct cc *c, const struct intent *it)
{
	const struct ov_site_arg *a = it->arg;

	return addr_entry(c, it->kind == INTENT_SITE_ADD, true, a->ip, a->site);
}

/* vni add VNI slice S (bd B | l3) | vni del VNI */
static int
compile_vni(struct cc *c, const struct intent *it)
{
	const struct ov_vni_arg *a = it->arg;
	bool add = it->kind == INTENT_VNI_ADD;
	json_t *match;
	int rc;

	if ((rc = cc_check_id(c, "VNI", a->vni, VNI_MAX)) < 0 ||
	    (add && (rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0) ||
	    (add && !a->l3 && (rc = cc_check_id(c, "BD", a->bd, U16_MAX)) < 0))
		return rc;
	match = json_pack("{s:I}", OV_F_VNI, a->vni);
	if (!add)
		cc_add(c, cc_upd("delete", OV_T_VNIS, match, NULL, NULL));
	else if (a->l3)
		cc_add(c, cc_upd("insert", OV_T_VNIS, match, OV_A_L3,
				 json_pack("{s:I}", OV_F_SLICE, a->slice)));
	else
		cc_add(c, cc_upd("insert", OV_T_VNIS, match, OV_A_L2, json_pack("{s:I,s:I}", OV_F_SLICE,
				 a->slice, OV_F_BD, a->bd)));
	return 0;
}

/* A path's three addresses are of one family: sxdp's encap writes one
 * outer header from src to dst and resolves gw in that family's
 * neighbours. Its ends are the VTEPs' global addresses: a link-local one
 * reaches no further than the link, which only the next hop gw may be on
 * (an IPv6 router's usual address, resolved by NDP on the WAN link). */
static int
path_addrs(struct cc *c, const struct ov_path_arg *a)
{
	const char *const name[3] = { "src", "dst", "gw" }, *const ip[3] = { a->src, a->dst, a->gw };
	int af[3], rc;

	for (int i = 0; i < 3; i++)
		if ((rc = cc_check_ip(c, name[i], ip[i], &af[i])) < 0)
			return rc;
	for (int i = 1; i < 3; i++)
		if (af[i] != af[0])
			return cc_refuse(c, -EINVAL, "a path is of one family: src is %s, %s is %s",
					 cc_af_name(af[0]), name[i], cc_af_name(af[i]));
	for (int i = 0; i < 2; i++)
		if (cc_link_local(ip[i]))
			return cc_refuse(c, -EINVAL, "bad %s '%s' (a path's ends are global addresses; "
					 "only its gw may be link-local)", name[i], ip[i]);
	return 0;
}

/* path add: static (always up), probed by sxdp's echo or ICMP on the
 * timers given, BFD's common ones otherwise, or up while a BFD session
 * with the far end is (interval: its tx and rx intervals, down: its
 * detection multiplier; no up: the session's handshake decides); IPv4 or
 * IPv6 (path_addrs). path del: by id. */
static int
compile_path(struct cc *c, const struct intent *it)
{
	const struct ov_path_arg *a = it->arg;
	const char *probe = a->probe != NULL ? a->probe : OV_A_STATIC;
	bool bfd = strcmp(probe, OV_A_BFD) == 0;
	bool probed = strcmp(probe, OV_A_SXDP) == 0 || strcmp(probe, OV_A_ICMP) == 0 || bfd;
	json_int_t iv = a->interval_ms ? a->interval_ms : INTENT_PROBE_INTERVAL_MS;
	json_int_t down = a->down_after ? a->down_after : INTENT_PROBE_DOWN;
	json_int_t up = a->up_after ? a->up_after : INTENT_PROBE_UP;
	json_t *match, *params;
	int rc;

	/* 0 is no path where tunnels and policies name one */
	if ((rc = cc_check_num(c, "PATH", a->id, 1, U16_MAX)) < 0)
		return rc;
	match = json_pack("{s:I}", OV_F_ID, a->id);
	if (it->kind == INTENT_PATH_DEL) {
		cc_add(c, cc_upd("delete", OV_T_PATHS, match, NULL, NULL));
		return 0;
	}
	if (!probed && strcmp(probe, OV_A_STATIC) != 0)
		rc = cc_refuse(c, -EINVAL, "bad probe '%s' (static, sxdp, icmp or bfd)", probe);
	else if (!probed && (a->interval_ms || a->down_after || a->up_after || a->hold_ms))
		rc = cc_refuse(c, -EINVAL, "a static path is not probed: no interval, down, up or hold");
	else if (bfd && a->up_after)
		rc = cc_refuse(c, -EINVAL, "a bfd path is up when its session is (RFC 5880's three-way "
			       "handshake): no up");
	else if ((rc = path_addrs(c, a)) == 0 &&
		 (rc = cc_check_id(c, "VRF", a->vrf, U16_MAX)) == 0 &&
		 (rc = cc_check_id(c, "MTU", a->mtu, U16_MAX)) == 0 && probed &&
		 (rc = cc_check_num(c, "interval", iv, 1, U16_MAX)) == 0 &&
		 (rc = cc_check_num(c, "down", down, 1, U8_MAX)) == 0 &&
		 (rc = cc_check_id(c, "hold", a->hold_ms, INTENT_PATH_HOLD_MS_MAX)) == 0)
		rc = cc_check_num(c, "up", up, 1, U8_MAX);
	if (rc < 0) {
		json_decref(match);
		return rc;
	}
	params = json_pack("{s:s,s:s,s:I,s:I,s:s}", OV_F_SRC, a->src, OV_F_DST, a->dst, OV_F_VRF,
			   a->vrf, OV_F_MTU, a->mtu, OV_F_GW, a->gw);
	if (probed && params != NULL && json_object_update_new(params, json_pack("{s:I,s:I}",
	    OV_F_INTERVAL_MS, iv, OV_F_DOWN_AFTER, down)) < 0)
		c->nomem = true;
	if (probed && !bfd && params != NULL && json_object_set_new(params, OV_F_UP_AFTER, json_integer(up)) < 0)
		c->nomem = true;
	/* optional: left out when 0, as sxdp reads it back */
	if (probed && a->hold_ms && params != NULL && json_object_set_new(params, OV_F_HOLD_MS, json_integer(a->hold_ms)) < 0)
		c->nomem = true;
	/* written only when set: an unsealed path's entry reads back without it */
	if (a->sealed && params != NULL && json_object_set_new(params, OV_F_SEALED, json_integer(1)) < 0)
		c->nomem = true;
	cc_add(c, cc_upd("insert", OV_T_PATHS, match, probe, params));
	return 0;
}

/* --------------------------------------------------------------- tunnels */

static int
tunnel_args(struct cc *c, const struct ov_tunnel_arg *a, const char *type)
{
	int rc;

	if (strcmp(type, OV_A_VXLAN) != 0 && strcmp(type, OV_A_GENEVE) != 0)
		return cc_refuse(c, -EINVAL, "bad tunnel type '%s' (vxlan or geneve)", type);
	if ((rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "VNI", a->vni, VNI_MAX)) < 0 ||
	    (rc = cc_check_id(c, "PATH", a->path, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "TTL", a->ttl, U8_MAX)) < 0 ||
	    (rc = cc_check_id(c, "DSCP", a->dscp, INTENT_DSCP_COPY)) < 0 ||
	    (a->rmac != NULL && (rc = cc_check_mac(c, "rmac", a->rmac)) < 0))
		return rc;
	/* a peer site's endpoints may be of both families */
	for (int i = 0; i < a->n_peers; i++) {
		int af;

		if ((rc = cc_check_ip(c, "peer", a->peers[i], &af)) < 0)
			return rc;
		/* one (slice, address) is one peer entry */
		for (int j = 0; j < i; j++)
			if (strcmp(a->peers[i], a->peers[j]) == 0)
				return cc_refuse(c, -EINVAL, "peer %s given twice", a->peers[i]);
	}
	return 0;
}

/* tunnel add: the tunnel and a peers entry per peer address (who may send
 * into the slice through it). tunnel del: the tunnel and what names it in
 * the overlay's tables as read: its peers entries and its policies. */
static int
compile_tunnel(struct cc *c, const struct intent *it)
{
	const struct ov_tunnel_arg *a = it->arg;
	const char *type = a->type != NULL ? a->type : OV_A_VXLAN;
	json_t *peers, *pols, *e, *params;
	size_t i;
	int rc;

	if ((rc = cc_check_num(c, "TUNNEL", a->id, 1, INTENT_OV_TUNNEL_MAX)) < 0)
		return rc;
	if (it->kind == INTENT_TUNNEL_DEL) {
		peers = cc_input(c, INTENT_IN_PEERS);
		pols = cc_input(c, INTENT_IN_POLICIES);
		if (peers == NULL || pols == NULL)
			return -EAGAIN;
		cc_add(c, cc_upd("delete", OV_T_TUNNELS, json_pack("{s:I}", OV_F_ID, a->id), NULL,
				 NULL));
		json_array_foreach(peers, i, e)
			if (cc_is(e, OV_A_PEER) && cc_param_int(e, OV_F_TUNNEL) == a->id)
				cc_add(c, rm_as_read(e, OV_T_PEERS));
		json_array_foreach(pols, i, e)
			if (match_int(e, OV_F_TUNNEL) == a->id)
				cc_add(c, rm_as_read(e, OV_T_POLICIES));
		return 0;
	}
	if ((rc = tunnel_args(c, a, type)) < 0)
		return rc;
	params = json_pack("{s:I,s:I,s:I,s:I,s:I,s:i}", OV_F_SLICE, a->slice, OV_F_VNI, a->vni,
			   OV_F_PATH, a->path, OV_F_TTL, a->ttl, OV_F_DSCP, a->dscp, OV_F_CSUM,
			   a->csum ? 1 : 0);
	if (a->rmac != NULL && params != NULL)
		json_object_set_new(params, OV_F_RMAC, json_string(a->rmac));
	cc_add(c, cc_upd("insert", OV_T_TUNNELS, json_pack("{s:I}", OV_F_ID, a->id), type, params));
	for (int p = 0; p < a->n_peers; p++)
		cc_add(c, cc_upd("insert", OV_T_PEERS, json_pack("{s:I,s:s}", OV_F_SLICE, a->slice, OV_F_IP,
				 a->peers[p]), OV_A_PEER, json_pack("{s:I}", OV_F_TUNNEL, a->id)));
	return 0;
}

/* -------------------------------------------------------------- policies */

static int
policy_args(struct cc *c, const struct ov_policy_arg *a, const char *how)
{
	bool balance = strcmp(how, OV_A_BALANCE) == 0, sla = strcmp(how, OV_A_SLA) == 0;
	int rc;

	if (!balance && !sla && strcmp(how, OV_A_FAILOVER) != 0)
		return cc_refuse(c, -EINVAL, "bad policy '%s' (failover, balance or sla)", how);
	if (a->n_paths < 1 || a->n_paths > INTENT_POLICY_PATHS)
		return cc_refuse(c, -EINVAL, "a policy picks from 1..%d paths",
				 INTENT_POLICY_PATHS);
	for (int i = 0; i < INTENT_POLICY_PATHS; i++) {
		if (i < a->n_paths && (rc = cc_check_num(c, "PATH", a->paths[i], 1, U16_MAX)) < 0)
			return rc;
		if (balance && i < a->n_paths &&
		    (rc = cc_check_num(c, "weight", a->weights[i], 1, U8_MAX)) < 0)
			return rc;
		if (!balance && a->weights[i] != 0)
			return cc_refuse(c, -EINVAL, "weights are a balance policy's");
	}
	if (!sla && (a->rtt_ms || a->jitter_ms || a->loss_pct))
		return cc_refuse(c, -EINVAL, "rtt, jitter and loss limits are an sla policy's");
	if ((rc = cc_check_id(c, "rtt", a->rtt_ms, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "jitter", a->jitter_ms, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "copies", a->copies, INTENT_POLICY_COPIES_MAX)) < 0 ||
	    (rc = cc_check_id(c, "fec", a->fec, INTENT_POLICY_FEC_MAX)) < 0)
		return rc;
	if (a->copies > a->n_paths)
		return cc_refuse(c, -EINVAL, "copies %lld: the policy picks from %d path(s)", (long long)a->copies,
				 a->n_paths);
	return cc_check_id(c, "loss", a->loss_pct, 100);
}

/* policy set: the (tunnel, class) entry as it should be, written over the
 * one read (so a change of policy is one command). policy del: by key. */
static int
compile_policy(struct cc *c, const struct intent *it)
{
	const struct ov_policy_arg *a = it->arg;
	const char *how = a->how != NULL ? a->how : "";
	json_t *pols, *params, *key_of = json_pack("{s:I,s:I}", OV_F_TUNNEL, a->tunnel, OV_F_CLASS,
							    a->cls);
	char key[4];
	int rc;

	if ((rc = cc_check_num(c, "TUNNEL", a->tunnel, 1, INTENT_OV_TUNNEL_MAX)) < 0 ||
	    (rc = cc_check_id(c, "CLASS", a->cls, U16_MAX)) < 0 ||
	    (it->kind == INTENT_POLICY_SET && (rc = policy_args(c, a, how)) < 0)) {
		json_decref(key_of);
		return rc;
	}
	if (it->kind == INTENT_POLICY_DEL) {
		cc_add(c, cc_upd("delete", OV_T_POLICIES, key_of, NULL, NULL));
		return 0;
	}
	if ((pols = cc_input(c, INTENT_IN_POLICIES)) == NULL || (params = json_object()) == NULL) {
		json_decref(key_of);
		return pols == NULL ? -EAGAIN : cc_refuse(c, -ENOMEM, "out of memory");
	}
	for (int i = 0; i < INTENT_POLICY_PATHS; i++) {
		snprintf(key, sizeof(key), OV_F_P_FMT, i);
		json_object_set_new(params, key, json_integer(i < a->n_paths ? a->paths[i] : 0));
	}
	for (int i = 0; strcmp(how, OV_A_BALANCE) == 0 && i < INTENT_POLICY_PATHS; i++) {
		snprintf(key, sizeof(key), OV_F_W_FMT, i);
		json_object_set_new(params, key,
				    json_integer(i < a->n_paths ? a->weights[i] : 0));
	}
	if (strcmp(how, OV_A_SLA) == 0 &&
	    json_object_update_new(params, json_pack("{s:I,s:I,s:I}", OV_F_RTT_MS, a->rtt_ms,
			OV_F_JITTER_MS, a->jitter_ms, OV_F_LOSS_PCT, a->loss_pct)) < 0)
		c->nomem = true;
	/* optional: left out when 0, as sxdp reads them back */
	if (a->copies > 1 && json_object_set_new(params, OV_F_COPIES, json_integer(a->copies)) < 0)
		c->nomem = true;
	if (a->fec != 0 && json_object_set_new(params, OV_F_FEC, json_integer(a->fec)) < 0)
		c->nomem = true;
	cc_add(c, cc_rmw(cc_find(pols, json_incref(key_of), NULL), OV_T_POLICIES, key_of, how,
			 params));
	return 0;
}

/* ------------------------------------------------------------ apps */

unsigned int
ov_intent_app_id(const char *name)
{
	char *end;
	unsigned long v;

	if (name == NULL || name[0] == '\0')
		return 0;
	v = strtoul(name, &end, 10);
	if (*end == '\0' && name[0] >= '0' && name[0] <= '9')
		return ov_intent_app_name((unsigned int)v) != NULL ? (unsigned int)v : 0;
	for (size_t i = 0; i < sizeof(ov_appnames) / sizeof(ov_appnames[0]); i++)
		if (strcasecmp(ov_appnames[i].name, name) == 0)
			return ov_appnames[i].id;
	return 0;
}

const char *
ov_intent_app_name(unsigned int id)
{
	for (size_t i = 0; i < sizeof(ov_appnames) / sizeof(ov_appnames[0]); i++)
		if (ov_appnames[i].id == id)
			return ov_appnames[i].name;
	return NULL;
}

/* app add: one (slice, application) entry of app_classes. app del: by key. */
static int
compile_app(struct cc *c, const struct intent *it)
{
	const struct ov_app_arg *a = it->arg;
	unsigned int id = ov_intent_app_id(a->app);
	int rc;

	if ((rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0)
		return rc;
	if (id == 0)
		return cc_refuse(c, -EINVAL, "unknown application '%s' (the names nDPI gives: sxctl app list)",
				 a->app != NULL ? a->app : "");
	if (it->kind == INTENT_APP_DEL) {
		cc_add(c, cc_upd("delete", OV_T_APPS, json_pack("{s:I,s:I}", OV_F_SLICE, a->slice, OV_F_APP,
				 (json_int_t)id), NULL, NULL));
		return 0;
	}
	if ((rc = cc_check_num(c, "CLASS", a->cls, 1, INTENT_CLASS_MAX)) < 0)
		return rc;
	cc_add(c, cc_upd("insert", OV_T_APPS, json_pack("{s:I,s:I}", OV_F_SLICE, a->slice, OV_F_APP, (json_int_t)id),
			 OV_A_CLASS, json_pack("{s:I}", OV_F_CLASS, a->cls)));
	return 0;
}

/* --------------------------------------------------------------- classes */

/* class add: one rule. class del: the slice's rules of the class as read
 * (at one priority, or all of them), each by its key and priority. */
static int
compile_class(struct cc *c, const struct intent *it)
{
	const struct ov_class_arg *a = it->arg;
	json_t *rules, *e, *m = NULL, *u;
	bool any = false;
	size_t i;
	int rc;

	if ((rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_id(c, "CLASS", a->cls, U16_MAX)) < 0)
		return rc;
	if (it->kind == INTENT_CLASS_ADD) {
		/* an ACL priority: >= 1, the larger wins */
		if ((rc = cc_check_num(c, "prio", a->prio, 1, U32_MAX)) < 0 ||
		    (rc = cc_flow_match(c, a->slice, &a->rule, &m)) < 0)
			return rc;
		u = cc_upd("insert", OV_T_CLASSES, m, OV_A_CLASS, json_pack("{s:I}", OV_F_CLASS, a->cls));
		if (u != NULL)
			json_object_set_new(u, "priority", json_integer(a->prio));
		cc_add(c, u);
		return 0;
	}
	if ((rc = cc_check_id(c, "prio", a->prio, U32_MAX)) < 0)
		return rc;
	if ((rules = cc_input(c, INTENT_IN_CLASSES)) == NULL)
		return -EAGAIN;
	json_array_foreach(rules, i, e) {
		if (match_int(e, OV_F_SLICE) != a->slice || !cc_is(e, OV_A_CLASS) ||
		    cc_param_int(e, OV_F_CLASS) != a->cls || (a->prio != 0 &&
		    json_integer_value(json_object_get(e, "priority")) != a->prio))
			continue;
		u = rm_as_read(e, OV_T_CLASSES);
		if (u != NULL)
			json_object_set(u, "priority", json_object_get(e, "priority"));
		cc_add(c, u);
		any = true;
	}
	if (!any)
		return cc_refuse(c, -ENOENT, "slice %" JSON_INTEGER_FORMAT " has no rule of class %"
				 JSON_INTEGER_FORMAT "%s", a->slice, a->cls,
				 a->prio != 0 ? " at that priority" : "");
	return 0;
}

/* ------------------------------------------------------- registration */

/* tunnel add|del: the overlay's entries, then the switch's flood entries
 * (its bridge domain floods into the tunnel, or no longer does). */
static int
compile_tunnel_flood(struct cc *c, const struct intent *it)
{
	const struct ov_tunnel_arg *a = it->arg;
	int rc = compile_tunnel(c, it);

	if (rc < 0)
		return rc;
	if (it->kind == INTENT_TUNNEL_DEL)
		return sw_intent_flood_leave(c, a->id);
	return a->flood < 0 ? 0 : sw_intent_flood_join(c, a->flood, a->slice, a->id, a->flood_new);
}

/* the interfaces: whose the flood's bridge domain is */
static unsigned int
tunnel_add_reads(const struct intent *it)
{
	const struct ov_tunnel_arg *a = it->arg;

	return a->flood < 0 ? 0 : INTENT_IN(INTENT_IN_INTERFACES) | INTENT_IN(INTENT_IN_FLOOD) |
				  INTENT_IN(INTENT_IN_FLOOD_MORE);
}

static unsigned int
tunnel_add_writes(const struct intent *it)
{
	const struct ov_tunnel_arg *a = it->arg;

	return a->flood >= 0 ? INTENT_IN(INTENT_IN_FLOOD) | INTENT_IN(INTENT_IN_FLOOD_MORE) : 0;
}

/* A tunnel is about its flood bridge domain's interfaces and flood
 * entries (the switch indexes them by bridge domain). */
static bool
tunnel_add_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	const struct ov_tunnel_arg *a = it->arg;

	*v = a->flood;
	return k == INTENT_IN_INTERFACES || k == INTENT_IN_FLOOD || k == INTENT_IN_FLOOD_MORE;
}

/* A policy is about its tunnel's policies. */
static bool
policy_set_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	const struct ov_policy_arg *a = it->arg;

	*v = a->tunnel;
	return k == INTENT_IN_POLICIES;
}

const struct intent_kind ov_intent_kinds[OV_KINDS] = {
	[OV_K_VTEP_ADD] = { INTENT_KIND(INTENT_VTEP_ADD, "vtep add", compile_vtep) },
	[OV_K_VTEP_DEL] = { INTENT_KIND(INTENT_VTEP_DEL, "vtep del", compile_vtep) },
	[OV_K_SITE_ADD] = { INTENT_KIND(INTENT_SITE_ADD, "site add", compile_site) },
	[OV_K_SITE_DEL] = { INTENT_KIND(INTENT_SITE_DEL, "site del", compile_site) },
	[OV_K_VNI_ADD] = { INTENT_KIND(INTENT_VNI_ADD, "vni add", compile_vni) },
	[OV_K_VNI_DEL] = { INTENT_KIND(INTENT_VNI_DEL, "vni del", compile_vni) },
	[OV_K_PATH_ADD] = { INTENT_KIND(INTENT_PATH_ADD, "path add", compile_path) },
	[OV_K_PATH_DEL] = { INTENT_KIND(INTENT_PATH_DEL, "path del", compile_path) },
	[OV_K_TUNNEL_ADD] = { INTENT_KIND(INTENT_TUNNEL_ADD, "tunnel add", compile_tunnel_flood),
			      .reads_of = tunnel_add_reads, .writes_of = tunnel_add_writes,
			      .about = tunnel_add_about },
	[OV_K_TUNNEL_DEL] = { INTENT_KIND(INTENT_TUNNEL_DEL, "tunnel del", compile_tunnel_flood),
			      .writes = INTENT_IN(INTENT_IN_PEERS) | INTENT_IN(INTENT_IN_POLICIES) |
					INTENT_IN(INTENT_IN_FLOOD) | INTENT_IN(INTENT_IN_FLOOD_MORE) },
	[OV_K_POLICY_SET] = { INTENT_KIND(INTENT_POLICY_SET, "policy set", compile_policy),
			      .writes = INTENT_IN(INTENT_IN_POLICIES), .about = policy_set_about },
	[OV_K_POLICY_DEL] = { INTENT_KIND(INTENT_POLICY_DEL, "policy del", compile_policy) },
	[OV_K_CLASS_ADD] = { INTENT_KIND(INTENT_CLASS_ADD, "class add", compile_class) },
	[OV_K_CLASS_DEL] = { INTENT_KIND(INTENT_CLASS_DEL, "class del", compile_class),
			     .writes = INTENT_IN(INTENT_IN_CLASSES) },
	[OV_K_APP_ADD] = { INTENT_KIND(INTENT_APP_ADD, "app add", compile_app) },
	[OV_K_APP_DEL] = { INTENT_KIND(INTENT_APP_DEL, "app del", compile_app) },
};

const struct intent_view ov_intent_view_policies = { OV_T_POLICIES, OV_F_TUNNEL };
const struct intent_view ov_intent_view_apps = { OV_T_APPS, OV_F_SLICE };

__attribute__((constructor)) static void
ov_intent_register(void)
{
	intent_kinds_register(ov_intent_kinds, OV_KINDS);
	intent_input_register(INTENT_IN_TUNNELS, OV_T_TUNNELS);
	intent_input_register(INTENT_IN_PEERS, OV_T_PEERS);
	intent_input_register(INTENT_IN_POLICIES, OV_T_POLICIES);
	intent_input_index(INTENT_IN_POLICIES, "match", OV_F_TUNNEL);
	intent_input_register(INTENT_IN_CLASSES, OV_T_CLASSES);
}

/* -------------------------------------------------------- tunnel show */

json_t *
ov_intent_tunnel_rows(json_t *tunnels, json_t *peers, json_t *floods, json_t *mores)
{
	static const char *const keep[] = { OV_F_SLICE, OV_F_VNI, OV_F_PATH, OV_F_TTL, OV_F_DSCP,
					    OV_F_CSUM, OV_F_RMAC };
	json_t *rows = json_array(), *row, *e, *p, *ips, *bds, *v;
	json_int_t id;
	size_t i, j;

	json_array_foreach(tunnels, i, e) {
		if (!cc_is(e, OV_A_VXLAN) && !cc_is(e, OV_A_GENEVE))
			continue;
		id = match_int(e, OV_F_ID);
		ips = json_array();
		json_array_foreach(peers, j, p)
			if (cc_is(p, OV_A_PEER) && cc_param_int(p, OV_F_TUNNEL) == id)
				json_array_append(ips, json_object_get(json_object_get(p, "match"),
								       OV_F_IP));
		row = json_pack("{s:I,s:O}", "id", id, "type", json_object_get(e, "action"));
		for (size_t k = 0; row != NULL && k < sizeof(keep) / sizeof(keep[0]); k++)
			if ((v = json_object_get(json_object_get(e, "params"), keep[k])) != NULL)
				json_object_set(row, keep[k], v);
		if (row != NULL && ips != NULL)
			json_object_set_new(row, "peers", json_incref(ips));
		if (row != NULL && json_object_get(e, "hits") != NULL)
			json_object_set(row, "hits", json_object_get(e, "hits"));
		json_decref(ips);
		if (row == NULL || json_array_append_new(rows, row) < 0) {
			json_decref(rows);
			return NULL;
		}
		/* the bridge domains whose flood entry names the tunnel */
		bds = json_array();
		json_array_foreach(floods, j, p)
			if (sw_intent_floods_into(p, id, mores))
				json_array_append(bds, json_object_get(json_object_get(p, "match"), SW_F_BD));
		if (bds == NULL || json_object_set_new(row, "flood", bds) < 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}
