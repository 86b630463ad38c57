/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_kind: sxcd's peers and policies kinds, and what the overlay adds to the switch's site and slices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cd_kind.h"
#include "intent_cc.h"
#include "ov_intent.h"
#include "ov_names.h"
#include "sw_kind.h"

#define PATH_ID_MAX   4095
#define CLASS_PRIO    1		/* a policy's class rule when it names none */

/* ------------------------------------------------------------ peers */

/* The site's WAN link named @name, NULL: none. */
static json_t *
wan_of(struct cd_kx *x, const char *name, int *index)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(sw_kind_site(x), "wan"), i, w) {
		if (strcmp(cd_str(w, "name"), name) == 0) {
			*index = (int)i;
			return w;
		}
	}
	return NULL;
}

/*
 * A path is one (WAN link, endpoint) pair of one family: it leaves from
 * the link's address of the endpoint's family (address or address6, its
 * length dropped) through that family's next hop (gw or gw6, as the site
 * compiled it: the intent's gateway or the kernel's, else the endpoint
 * itself, on the link). NULL: the link has no address of that family, so
 * no path (not an error: a dual-stack peer over an IPv4-only link).
 */
static const char *
wan_src(json_t *w, int af, char *out, size_t len)
{
	const char *a = cd_str(w, af == AF_INET6 ? "address6" : "address");

	return a != NULL ? cd_addr_part(a, out, len) : NULL;
}

/* NULL: the link's IPv6 next hop is a link-local address another link
 * reaches too, which the underlay cannot tell apart (sw_kind.c): the
 * endpoint waits, saying so in @what, rather than leave by the other. */
static const char *
wan_gw(struct cd_kx *x, const char *wan, int af, const char *dst, char *what, size_t len)
{
	json_t *w = sw_kind_wan(x, wan), *clash = json_object_get(w, "gw6_clash");
	const char *gw = cd_str(w, af == AF_INET6 ? "gw6" : "gw");

	if (af == AF_INET6 && clash != NULL) {
		snprintf(what, len, "site WAN link '%s' with a gateway6 of its own (%s is WAN link '%s''s too: "
			 "the underlay knows a link-local next hop by its address alone)", wan, cd_str(clash, "gw"),
			 cd_str(clash, "with"));
		return NULL;
	}
	return gw != NULL ? gw : dst;
}

/* The peer's encryption is whole: one thing keys its paths, with what it
 * needs. Each keying (ESP by public key, WireGuard, IKEv2) seals paths of
 * either family, so no endpoint is refused for its own. */
static bool
peer_sealable(struct cd_kx *x, json_t *spec)
{
	char ptr[64];

	json_t *enc = json_object_get(spec, "encryption");
	bool ike = strcmp(cd_str(enc, "keying") ?: "", "ikev2") == 0;
	bool cert = strcmp(cd_str(json_object_get(enc, "ike"), "auth") ?: "", "cert") == 0;

	if (enc == NULL)
		return true;
	/* what keys the paths is named whole: a key, or IKEv2's own */
	if (ike && strcmp(cd_str(enc, "cipher") ?: "", "wireguard") == 0) {
		cd_kx_fail(x, "Failed", "/spec/encryption/keying", "bad_value",
			   "keying ikev2 is ESP's: WireGuard has its own handshake");
		return false;
	}
	if (!ike && json_object_get(enc, "ike") != NULL) {
		cd_kx_fail(x, "Failed", "/spec/encryption/ike", "bad_value", "ike is of keying ikev2 alone");
		return false;
	}
	if (cert) {
		static const char *const need[] = { "cert_file", "key_file", "ca_file", "local_id", "remote_id" };

		for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if (cd_str(json_object_get(enc, "ike"), need[k]) == NULL) {
				snprintf(ptr, sizeof(ptr), "/spec/encryption/ike/%s", need[k]);
				cd_kx_fail(x, "Failed", ptr, "missing", "ike.auth cert names the box's certificate, "
					   "its key, the anchors the peer's must chain to, and both identities (FQDNs)");
				return false;
			}
	}
	if (cd_str(enc, "public_key") == NULL &&
	    !(ike && (cert || cd_str(json_object_get(enc, "ike"), "psk_file") != NULL))) {
		cd_kx_fail(x, "Failed", "/spec/encryption/public_key", "missing",
			   "the peer's public key (or, keying ikev2 with a third-party gateway, ike.psk_file or "
			   "ike.auth cert)");
		return false;
	}
	return true;
}

static bool
compile_peer(struct cd_kx *x, const char *name, json_t *spec)
{
	json_t *probe = json_object_get(spec, "probe"), *ep, *eps = json_array(), *p, *unmet = json_array();
	const char *how = cd_str(probe, "how") ? cd_str(probe, "how") : OV_A_ICMP;
	char ptr[64], ip[64], key[200], what[224];
	const char *other;
	size_t i;
	int wi;

	if (sw_kind_site(x) == NULL) {
		cd_kx_wait_for(x, "/spec", "site");
		json_decref(eps);
		json_decref(unmet);
		return false;
	}
	/* a fleet's full mesh lists every site as a peer of every other: the
	 * one that is this box's own site has nothing here (no path, no tunnel) */
	if (cd_num(spec, "id", 0) == cd_num(sw_kind_site(x), "id", -1)) {
		/* a slice stretched to a list of sites names this one too */
		json_object_set_new(cd_kx_pub(x, "peers_self"), name, json_true());
		json_decref(eps);
		json_decref(unmet);
		return false;
	}
	json_object_foreach(cd_kx_pub(x, "peers"), other, p) {
		if (cd_num(p, "id", 0) != cd_num(spec, "id", 0))
			continue;
		snprintf(what, sizeof(what), "peers/%s", other);
		cd_kx_conflict(x, what, "/spec/id", "site id %" JSON_INTEGER_FORMAT " is peers/%s's",
			       cd_num(spec, "id", 0), other);
	}
	if (!peer_sealable(x, spec)) {
		json_decref(eps);
		json_decref(unmet);
		return false;
	}
	json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
		json_t *w = wan_of(x, cd_str(ep, "wan"), &wi);
		const char *addr = cd_str(ep, "address"), *src, *gw;
		int af = cc_af_of(addr);
		json_int_t path;
		struct ov_site_arg site;
		struct ov_path_arg pa;
		struct intent it;

		snprintf(ptr, sizeof(ptr), "/spec/endpoints/%zu/wan", i);
		if (w == NULL) {
			snprintf(what, sizeof(what), "site WAN link '%s'", cd_str(ep, "wan"));
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		if ((src = wan_src(w, af, ip, sizeof(ip))) == NULL) {
			json_array_append_new(unmet, json_pack("{s:s,s:o}", "ptr", ptr, "what",
				json_sprintf("site WAN link '%s' with an %s (endpoint %s is %s)", cd_str(ep, "wan"),
					     af == AF_INET6 ? "address6" : "address", addr, cc_af_name(af))));
			continue;
		}
		if ((gw = wan_gw(x, cd_str(ep, "wan"), af, addr, what, sizeof(what))) == NULL) {
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		snprintf(key, sizeof(key), "peers/%s/%s", name, addr);
		if ((path = cd_kx_alloc(x, "path", key, 1, PATH_ID_MAX)) < 0) {
			cd_kx_fail(x, "Failed", ptr, "no_space", "no path id left (1..%d)", PATH_ID_MAX);
			continue;
		}
		snprintf(ptr, sizeof(ptr), "/spec/endpoints/%zu/address", i);
		site = (struct ov_site_arg){ .site = cd_num(spec, "id", 0), .ip = addr };
		it = INTENT_OF(INTENT_SITE_ADD, &site);
		cd_kx_run(x, &it, ptr);
		pa = (struct ov_path_arg){ .id = path,
					   .probe = strcmp(how, OV_A_STATIC) == 0 ? NULL : how,
					   .src = src,
					   .dst = addr,
					   .gw = gw,
					   .vrf = sw_kind_underlay(x),
					   .mtu = cd_num(w, "mtu", 0),
					   .interval_ms = cd_num(probe, "interval_ms", 0),
					   .down_after = cd_num(probe, "down_after", 0),
					   .up_after = cd_num(probe, "up_after", 0),
					   .hold_ms = cd_num(probe, "hold_ms", 0),
					   /* never clear from its first write: the SAs come
					    * from the keying a tick later */
					   .sealed = json_object_get(spec, "encryption") != NULL };
		it = INTENT_OF(INTENT_PATH_ADD, &pa);
		cd_kx_run(x, &it, ptr);
		json_array_append_new(eps, json_pack("{s:s,s:s,s:I}", "wan", cd_str(ep, "wan"), "addr", addr,
						     "path", path));
	}
	/* endpoints whose links lack their family are no paths; a peer left
	 * with none at all waits for the site to give a link that family (a
	 * site change compiles every peer again) */
	if (json_array_size(eps) == 0)
		json_array_foreach(unmet, i, p)
			cd_kx_wait_for(x, cd_str(p, "ptr"), cd_str(p, "what"));
	json_decref(unmet);
	/* published with no path too: its site id is taken all the same */
	if (!cd_kx_failed(x))
		json_object_set_new(cd_kx_pub(x, "peers"), name, json_pack("{s:I,s:o}", "id", cd_num(spec, "id", 0),
							      "eps", eps));
	else
		json_decref(eps);
	return false;
}

static void
peer_forget(struct cd_kx *x, const char *name)
{
	json_object_del(cd_kx_pub(x, "peers"), name);
	json_object_del(cd_kx_pub(x, "peers_self"), name);
}

/* A slice stretched to every peer reads them all: a change of one
 * compiles everything again. */
static const struct cd_kind peers_kind = {
	.name = "peers", .schema = "PeerSpec", .order = 200, .full_on_change = true,
	.compile = compile_peer, .forget = peer_forget,
};
CD_KIND_REGISTER(peers_kind)

/* ---------------------------------------------- a WAN link's VTEP */

/* Each of the link's addresses (IPv4, IPv6 or both) is a VTEP. */
static void
wan_vtep(struct cd_kx *x, const char *name, json_t *spec, json_t *w, size_t i, json_t *rec)
{
	static const char *const fields[2] = { "address", "address6" };
	char ptr[64], ip[64];

	(void)name;
	(void)spec;
	(void)rec;
	for (int f = 0; f < 2; f++) {
		struct ov_vtep_arg vt = { .ip = cd_str(w, fields[f]) };
		struct intent it = INTENT_OF(INTENT_VTEP_ADD, &vt);

		if (vt.ip == NULL)
			continue;
		vt.ip = cd_addr_part(vt.ip, ip, sizeof(ip));
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/%s", i, fields[f]);
		cd_kx_run(x, &it, ptr);
	}
}

static struct sw_hook vtep_hook = { .at = SW_AT_WAN_ADDR, .fn = wan_vtep };
SW_HOOK_REGISTER(vtep_hook)

/* --------------------------------------------- a slice's stretch */

/* Is @wan's link up (as far as the kernel says)? */
static bool
wan_up(struct cd_kx *x, const char *wan)
{
	json_t *w = sw_kind_wan(x, wan);

	return w == NULL || !json_is_false(json_object_get(w, "up"));
}

/* The paths of a path policy (NULL: failover over the peer's endpoints in
 * order) to @peer, over the WANs whose link is up (over all when none is:
 * the probes then decide). */
static void
pick_paths(struct cd_kx *x, json_t *pol, json_t *peer, struct ov_policy_arg *pa, bool only_up)
{
	json_t *wans = json_object_get(pol, "wans"), *ep;
	size_t i, j, n = pol != NULL ? json_array_size(wans) : 1;

	for (i = 0; i < n; i++) {
		json_array_foreach(json_object_get(peer, "eps"), j, ep) {
			if ((pol != NULL && strcmp(cd_str(ep, "wan"), json_string_value(json_array_get(wans, i)))) ||
			    (only_up && !wan_up(x, cd_str(ep, "wan"))) || pa->n_paths >= INTENT_POLICY_PATHS)
				continue;
			/* a balance policy's weight (1 when it names none) */
			pa->weights[pa->n_paths] = strcmp(pa->how, OV_A_BALANCE) != 0 ? 0 :
				json_integer_value(json_array_get(json_object_get(pol, "weights"), i)) ?: 1;
			pa->paths[pa->n_paths++] = cd_num(ep, "path", 0);
		}
	}
}

/* A policy intent's paths to @peer; 0, or -ENOENT with the WAN link no
 * path of the peer's uses. */
static int
policy_paths(struct cd_kx *x, json_t *pol, json_t *peer, struct ov_policy_arg *pa, const char **missing)
{
	pa->how = pol != NULL ? cd_str(pol, "mode") : OV_A_FAILOVER;
	pa->n_paths = 0;
	pick_paths(x, pol, peer, pa, true);
	if (pa->n_paths == 0)
		pick_paths(x, pol, peer, pa, false);
	if (pa->n_paths == 0) {
		*missing = json_string_value(json_array_get(json_object_get(pol, "wans"), 0));
		return -ENOENT;
	}
	if (pol != NULL) {
		const char *fec = cd_str(pol, "fec");

		pa->copies = cd_num(pol, "duplicate", 0);
		pa->fec = fec == NULL ? 0 : strcmp(fec, "adaptive") == 0 ? 1 :
			  strcmp(fec, "fixed") == 0 ? cd_num(pol, "fec_block", 4) : 0;
		/* fewer paths to the peer than copies asked: as many as it has */
		if (pa->copies > pa->n_paths)
			pa->copies = pa->n_paths;
	}
	if (pol == NULL || strcmp(pa->how, OV_A_SLA) != 0)
		return 0;
	pa->rtt_ms = cd_num(json_object_get(pol, "sla"), "rtt_ms", 0);
	pa->jitter_ms = cd_num(json_object_get(pol, "sla"), "jitter_ms", 0);
	pa->loss_pct = cd_num(json_object_get(pol, "sla"), "loss_pct", 0);
	return 0;
}

/* The slice's tunnel to each of its peers, with its policy for class 0. */
static void
compile_stretch(struct cd_kx *x, const char *name, json_t *spec, json_int_t sid, json_t *tunnels)
{
	json_t *list = json_object_get(spec, "peers"), *pol = json_object_get(spec, "path_policy");
	json_t *peer, *v;
	const char *pn, *missing = NULL;
	char key[200], ptr[64], what[96];
	bool every = list == NULL;
	size_t i;

	if (list == NULL) {
		list = json_array();
		json_object_foreach(cd_kx_pub(x, "peers"), pn, peer)
			json_array_append_new(list, json_string(pn));
	} else {
		json_incref(list);
	}
	json_array_foreach(list, i, v) {
		const char *peers[INTENT_PEER_ENDPOINTS];
		struct ov_policy_arg pa = { 0 };
		struct ov_tunnel_arg ta;
		struct intent it;
		json_int_t tid;
		json_t *ep;
		size_t j;

		pn = json_string_value(v);
		snprintf(ptr, sizeof(ptr), "/spec/peers/%zu", i);
		if (json_object_get(cd_kx_pub(x, "peers_self"), pn) != NULL)
			continue;	/* this box's own site: nothing to stretch to */
		if ((peer = json_object_get(cd_kx_pub(x, "peers"), pn)) == NULL) {
			snprintf(what, sizeof(what), "peers/%s", pn);
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		/* a peer with no path yet (it waits for a WAN link, or for one of
		 * its family, and says so): nothing to stretch to; a slice named
		 * to it waits too, one stretched to every peer does without it */
		if (json_array_size(json_object_get(peer, "eps")) == 0) {
			snprintf(what, sizeof(what), "peers/%s with a path", pn);
			if (!every)
				cd_kx_wait_for(x, ptr, what);
			continue;
		}
		if (policy_paths(x, pol, peer, &pa, &missing) < 0) {
			cd_kx_fail(x, "Failed", "/spec/path_policy/wans", "no_path", "peers/%s has no "
			     "endpoint over WAN link %s", pn, missing);
			continue;
		}
		snprintf(key, sizeof(key), "slices/%s/%s", name, pn);
		if ((tid = cd_kx_alloc(x, "tunnel", key, 1, 65535)) < 0) {
			cd_kx_fail(x, "Failed", ptr, "no_space", "no tunnel id left");
			continue;
		}
		json_array_foreach(json_object_get(peer, "eps"), j, ep)
			if (j < INTENT_PEER_ENDPOINTS)   /* the schema's bound */
				peers[j] = cd_str(ep, "addr");
		ta = (struct ov_tunnel_arg){ .id = tid, .slice = sid, .vni = cd_num(spec, "vni", 0),
					     .path = pa.paths[0], .ttl = INTENT_TTL, .dscp = INTENT_DSCP_COPY,
					     .peers = peers,
					     .n_peers = json_array_size(json_object_get(peer, "eps")) <
							INTENT_PEER_ENDPOINTS ? (int)json_array_size(json_object_get(peer, "eps")) :
							INTENT_PEER_ENDPOINTS,
					     /* a site with members or an SVI in the domain */
					     .flood = json_array_size(json_object_get(spec, "members")) ||
						      json_object_get(spec, "svi") != NULL ? sid : -1,
					     .flood_new = json_object_get(spec, "svi") != NULL };
		it = INTENT_OF(INTENT_TUNNEL_ADD, &ta);
		cd_kx_run(x, &it, "/spec/vni");
		pa.tunnel = tid;
		pa.cls = 0;
		it = INTENT_OF(INTENT_POLICY_SET, &pa);
		cd_kx_run(x, &it, pol != NULL ? "/spec/path_policy" : "/spec/vni");
		json_object_set_new(tunnels, pn, json_integer(tid));
	}
	json_decref(list);
}

/* In a fleet (this box's own site is one of the mesh's peers), a slice
 * whose peers list names sites spans those sites: on a box whose site it
 * does not name it is not here, and that box compiles nothing of it (a
 * box of a 100-site fleet compiles its own sites' slices, not all). Alone
 * (no peer is this site), a list names the sites it stretches to. */
static void
slice_here(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *list = json_object_get(spec, "peers"), *self = cd_kx_pub(x, "peers_self"), *v;
	const char *me = NULL, *k;

	(void)name;
	(void)item;
	if (list == NULL || json_object_size(self) == 0)
		return;
	json_array_foreach(list, i, v)
		if (json_object_get(self, json_string_value(v)) != NULL)
			return;
	json_object_foreach(self, k, v)
		me = k;
	json_object_set_new(rec, "elsewhere", json_pack("s++", "its peers list does not name this site (peers/",
							 me, ")"));
}

static struct sw_hook here_hook = { .at = SW_AT_SLICE_HERE, .fn = slice_here };
SW_HOOK_REGISTER(here_hook)

/* A slice with a VNI: its VNI and its tunnels ("tunnels" in what it publishes). */
static void
slice_stretch(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_int_t sid = cd_num(rec, "id", 0);
	json_t *tunnels = json_object();

	(void)item;
	(void)i;
	if (json_object_get(spec, "vni") != NULL) {
		struct ov_vni_arg va = { .vni = cd_num(spec, "vni", 0), .slice = sid, .bd = sid };
		struct intent it = INTENT_OF(INTENT_VNI_ADD, &va);

		cd_kx_run(x, &it, "/spec/vni");
		compile_stretch(x, name, spec, sid, tunnels);
	} else if (json_object_get(spec, "peers") != NULL) {
		cd_kx_fail(x, "Failed", "/spec/peers", "missing", "a slice stretched to peers needs a vni");
	}
	json_object_set_new(rec, "tunnels", tunnels);
}

static struct sw_hook stretch_hook = { .at = SW_AT_SLICE_END, .fn = slice_stretch };
SW_HOOK_REGISTER(stretch_hook)

/* --------------------------------------------------------- policies */

static bool
compile_policy(struct cd_kx *x, const char *name, json_t *spec)
{
	json_t *s = sw_kind_slice(x, spec), *pol = json_object_get(spec, "path_policy"), *tid, *app;
	json_t *match = json_object_get(spec, "match"), *apps = json_object_get(spec, "apps");
	struct ov_class_arg cl = { .cls = cd_num(spec, "class", 0),
				   .prio = cd_num(spec, "priority", CLASS_PRIO) };
	struct intent it = INTENT_OF(INTENT_CLASS_ADD, &cl);
	const char *pn, *missing = NULL;
	char ptr[32];
	size_t i;

	(void)name;
	if (s == NULL)
		return false;
	cl.slice = cd_num(s, "id", 0);
	if (match == NULL && json_array_size(apps) == 0) {
		cd_kx_fail(x, "Failed", "/spec/match", "missing", "a policy matches flows (match), applications "
			   "(apps) or both");
		return false;
	}
	if (match != NULL) {
		cd_rule_of(match, &cl.rule);
		cd_kx_run(x, &it, "/spec/match");
	}
	/* its applications: what nDPI names so is of its class, over every match */
	json_array_foreach(apps, i, app) {
		struct ov_app_arg aa = { .slice = cl.slice, .cls = cl.cls, .app = json_string_value(app) };

		it = INTENT_OF(INTENT_APP_ADD, &aa);
		snprintf(ptr, sizeof(ptr), "/spec/apps/%zu", i);
		cd_kx_run(x, &it, ptr);
	}
	json_object_foreach(json_object_get(s, "tunnels"), pn, tid) {
		struct ov_policy_arg pa = { .tunnel = json_integer_value(tid), .cls = cl.cls };

		it = INTENT_OF(INTENT_POLICY_SET, &pa);
		if (policy_paths(x, pol, json_object_get(cd_kx_pub(x, "peers"), pn), &pa, &missing) < 0) {
			cd_kx_fail(x, "Failed", "/spec/path_policy/wans", "no_path", "peers/%s has no "
			     "endpoint over WAN link %s", pn, missing);
			continue;
		}
		cd_kx_run(x, &it, "/spec/path_policy");
	}
	return false;
}

static const struct cd_kind policies_kind = {
	.name = "policies", .schema = "PolicySpec", .order = 500, .parent = "slices",
	.parent_field = "slice", .compile = compile_policy,
};
CD_KIND_REGISTER(policies_kind)
