/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_kind: sxcd's site and slices kinds compiled into the switch's entries, with the hooks upper features add. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "intent_cc.h"

#include "qos_intent.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "sw_intent.h"
#include "sw_kind.h"
#include "sw_names.h"

#define METER_ID_MAX	4095
/* A VDN's meter id is its own (1..1023, QS_VDN_ID_MAX); slices' meters take ids above those. */
#define SLICE_METER_MIN 1024

static struct sw_hook *hooks;

void
sw_hook_register(struct sw_hook *h)
{
	struct sw_hook **p = &hooks;

	/* in the order registered, each at its place */
	while (*p != NULL)
		p = &(*p)->next;
	h->next = NULL;
	*p = h;
}

static void
hooks_run(enum sw_hook_at at, struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i,
	  json_t *rec)
{
	for (struct sw_hook *h = hooks; h != NULL; h = h->next)
		if (h->at == at)
			h->fn(x, name, spec, item, i, rec);
}

json_t *
sw_kind_site(struct cd_kx *x)
{
	return json_object_get(cd_kx_pub(x, "site"), "spec");
}

json_int_t
sw_kind_underlay(struct cd_kx *x)
{
	json_t *site = sw_kind_site(x);

	return site != NULL ? cd_num(site, "underlay_slice", SW_UNDERLAY) : SW_UNDERLAY;
}

json_t *
sw_kind_wan(struct cd_kx *x, const char *name)
{
	return json_object_get(cd_kx_pub(x, "wans"), name);
}

json_t *
sw_kind_slices(struct cd_kx *x)
{
	return cd_kx_pub(x, "slices");
}

json_t *
sw_kind_slice(struct cd_kx *x, json_t *spec)
{
	json_t *s = json_object_get(sw_kind_slices(x), cd_str(spec, "slice"));
	char what[96];

	if (s == NULL) {
		snprintf(what, sizeof(what), "slices/%s", cd_str(spec, "slice"));
		cd_kx_wait_for(x, "/spec/slice", what);
	} else if (cd_str(s, "elsewhere") != NULL) {
		snprintf(what, sizeof(what), "slices/%s is not this site's", cd_str(spec, "slice"));
		cd_kx_elsewhere(x, what);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------- site */

const char *
sw_kind_iface(json_t *w, json_t *port, char *out, size_t len)
{
	const char *dev = cd_str(port, "devargs"), *at;

	if (cd_str(w, "iface") != NULL)
		return cd_str(w, "iface");
	if (dev != NULL && (at = strstr(dev, "iface=")) != NULL) {
		snprintf(out, len, "%.*s", (int)strcspn(at + 6, ","), at + 6);
		return out;
	}
	return cd_str(w, "port");
}

/* The kernel interface a WAN link is (sw_kind_iface). */
static const char *
wan_iface(struct cd_kx *x, json_t *w, char *out, size_t len)
{
	return sw_kind_iface(w, cd_kx_port(x, cd_str(w, "port")), out, len);
}

/*
 * A WAN link's two families: IPv4 in "address" and "gateway", IPv6 in
 * "address6" and "gateway6", either or both. Each family has fields of its
 * own (as a UPF session's ue and ue6) rather than an "address" of either
 * family: a dual-stack link is two fields, not a list to search; the
 * schema checks each one's family; every IPv4 site intent written so far
 * reads as it did; and each family's gateway is its own, as the kernel's
 * default routes are (netlink's "gateways" and "gateways6"). What upper
 * kinds read of a link (sw_kind_wan) names them "gw" and "gw6".
 */
static const struct wan_family {
	const char *addr, *gw, *kernel_gws, *pub_gw;
} wan_families[2] = {
	{ "address", "gateway", "gateways", "gw" },
	{ "address6", "gateway6", "gateways6", "gw6" },
};

/* A WAN link's addresses make sense: one family at least, a gateway only
 * of a family the link has, a global IPv6 address (a VTEP on a link-local
 * one reaches no peer; its gateway may be link-local). */
static bool
wan_addrs_ok(struct cd_kx *x, json_t *w, size_t i)
{
	const char *a6 = cd_str(w, "address6");
	char ptr[64];

	if (cd_str(w, "address") == NULL && a6 == NULL) {
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu", i);
		cd_kx_fail(x, "Failed", ptr, "missing", "WAN link '%s' needs an address (IPv4), an address6 "
			   "(IPv6) or both", cd_str(w, "name"));
		return false;
	}
	for (int f = 0; f < 2; f++) {
		if (cd_str(w, wan_families[f].gw) != NULL && cd_str(w, wan_families[f].addr) == NULL) {
			snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/%s", i, wan_families[f].gw);
			cd_kx_fail(x, "Failed", ptr, "missing", "WAN link '%s' has a %s but no %s", cd_str(w, "name"),
				   wan_families[f].gw, wan_families[f].addr);
			return false;
		}
	}
	if (a6 != NULL && cc_link_local(a6)) {
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/address6", i);
		cd_kx_fail(x, "Failed", ptr, "bad_value", "WAN link '%s': address6 %s is link-local (a VTEP "
			   "needs a global address; gateway6 may be link-local)", cd_str(w, "name"), a6);
		return false;
	}
	return true;
}

/* Gateway @gw of @f's family in inet_ntop's spelling (the kernel's, so
 * that its neighbours are found by it) into @out; NULL: none. */
static const char *
gw_text(const struct wan_family *f, const char *gw, char *out, size_t len)
{
	int af = f == wan_families ? AF_INET : AF_INET6;
	uint8_t a[16];

	return gw != NULL && cc_addr_ok(gw, af, a) ? inet_ntop(af, a, out, (socklen_t)len) : NULL;
}

/*
 * WAN link @w's next hop of family @f (its intent's, else the kernel's
 * default route's through it) into its record @rec ("gw", "gw6"), and a
 * static neighbour when the kernel has resolved it. The underlay's
 * neighbours are known by (VRF, address): a link-local gateway that an
 * earlier link of @lls (ADDRESS -> link) reaches too cannot be told from
 * it there, so this link gets none ("gw6_clash": {"gw", "with": that
 * link}, which its peers' paths wait on) rather than paths out of the
 * other link.
 */
static void
wan_gateway(struct cd_kx *x, json_t *w, size_t i, const struct wan_family *f, const char *ifn,
	    json_int_t under, const char *mac, json_t *rec, json_t *lls)
{
	json_t *kernel = cd_kx_kernel(x);
	char buf[INET6_ADDRSTRLEN], ptr[64];
	const char *gw = gw_text(f, cd_str(w, f->gw) ? cd_str(w, f->gw) :
				 cd_str(json_object_get(kernel, f->kernel_gws), ifn), buf, sizeof(buf));
	struct sw_neigh_arg nb = { .vrf = under, .ip = gw, .port = cd_str(w, "port"),
				   .vlan = cd_num(w, "vlan", 0), .smac = mac };
	struct intent it = INTENT_OF(INTENT_NEIGH_ADD, &nb);

	/* a family the link has no address of has no next hop either */
	if (cd_str(w, f->addr) == NULL || gw == NULL)
		return;
	if (cc_link_local(gw) && cd_str(lls, gw) != NULL) {
		json_object_set_new(rec, "gw6_clash", json_pack("{s:s,s:s}", "gw", gw, "with", cd_str(lls, gw)));
		return;
	}
	if (cc_link_local(gw))
		json_object_set_new(lls, gw, json_string(cd_str(w, "name")));
	json_object_set_new(rec, f->pub_gw, json_string(gw));
	/* the kernel resolved the gateway: sxdp needs no ARP (NDP) of its own */
	if ((nb.dmac = cd_str(json_object_get(json_object_get(kernel, "neigh"), ifn), gw)) != NULL) {
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/%s", i, f->gw);
		cd_kx_run(x, &it, ptr);
	}
}

static bool
compile_site(struct cd_kx *x, const char *name, json_t *spec)
{
	json_int_t under = cd_num(spec, "underlay_slice", SW_UNDERLAY);
	json_t *kernel = cd_kx_kernel(x), *wans = cd_kx_pub(x, "wans"), *w, *a, *w2, *rec, *lls = json_object();
	char ptr[64], what[96], iface[64];
	size_t i, j;

	(void)name;
	json_array_foreach(json_object_get(spec, "lan"), i, a) {
		snprintf(ptr, sizeof(ptr), "/spec/lan/%zu/port", i);
		if (cd_kx_port(x, cd_str(a, "port")) == NULL) {
			snprintf(what, sizeof(what), "port %s (sxdp has none)", cd_str(a, "port"));
			cd_kx_wait_for(x, ptr, what);
		}
	}
	json_array_foreach(json_object_get(spec, "wan"), i, w) {
		const char *mac = cd_str(w, "mac") ? cd_str(w, "mac") : cd_str(cd_kx_port(x, cd_str(w, "port")), "mac");
		const char *ifn = wan_iface(x, w, iface, sizeof(iface));
		json_t *kl = json_object_get(json_object_get(kernel, "links"), ifn);
		bool up = kl == NULL || json_is_true(json_object_get(kl, "up"));
		struct sw_slice_arg at = { .port = cd_str(w, "port"), .vlan = cd_num(w, "vlan", 0),
					   .slice = under, .bd = SW_WAN_BD + (json_int_t)i };
		struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &at);
		const struct wan_family *f;

		json_array_foreach(json_object_get(spec, "wan"), j, w2) {
			if (j < i && strcmp(cd_str(w, "name"), cd_str(w2, "name")) == 0) {
				snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/name", i);
				cd_kx_fail(x, "Failed", ptr, "duplicate", "WAN link '%s' is named twice",
					   cd_str(w, "name"));
			}
		}
		if (!wan_addrs_ok(x, w, i))
			continue;
		snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/port", i);
		if (mac == NULL) {
			snprintf(what, sizeof(what), "port %s (sxdp has none)", cd_str(w, "port"));
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		cd_kx_run(x, &it, ptr);
		/* one bridge domain, an SVI of each family it has (one MAC) */
		for (f = wan_families; f < wan_families + 2; f++) {
			struct sw_svi_arg svi = { .slice = under, .bd = SW_WAN_BD + (json_int_t)i, .mac = mac,
						  .addr = cd_str(w, f->addr) };

			if (svi.addr == NULL)
				continue;
			snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/%s", i, f->addr);
			it = INTENT_OF(INTENT_SVI_ADD, &svi);
			cd_kx_run(x, &it, ptr);
		}
		hooks_run(SW_AT_WAN_ADDR, x, NULL, spec, w, i, NULL);
		rec = json_pack("{s:b}", "up", up);
		json_object_set_new(wans, cd_str(w, "name"), rec);
		if (!up)
			json_object_set_new(cd_kx_result(x), "degraded", json_sprintf("WAN link %s: %s is down",
					    cd_str(w, "name"), ifn));
		for (f = wan_families; f < wan_families + 2; f++)
			wan_gateway(x, w, i, f, ifn, under, mac, rec, lls);
		hooks_run(SW_AT_WAN_END, x, NULL, spec, w, i, NULL);
	}
	json_decref(lls);
	return false;
}

static void
site_end(struct cd_kx *x, const char *name, json_t *spec, json_t *rec)
{
	(void)name;
	(void)rec;
	if (!cd_kx_failed(x))
		json_object_set(cd_kx_pub(x, "site"), "spec", spec);
}

/* Every intent may read the site (its links, its LAN): a change of it
 * compiles everything again, and it is never taken back alone. */
static const struct cd_kind site_kind = {
	.name = "site", .schema = "SiteSpec", .order = 100, .only = SW_SITE_NAME, .per_site = true,
	.full_on_change = true, .compile = compile_site, .end = site_end,
};
CD_KIND_REGISTER(site_kind)

/* ----------------------------------------------------------- slices */

static bool
lan_has(json_t *site, json_t *m)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(site, "lan"), i, a)
		if (strcmp(cd_str(a, "port"), cd_str(m, "port")) == 0 && cd_num(a, "vlan", 0) == cd_num(m, "vlan", 0))
			return true;
	return false;
}

/* The slice wears address @a (an SVI's, a routed port's) here, on bridge
 * domain @bd: its record's "addresses" (what its twin wears) and, for an
 * IPv6 one, "links6" (the links its link-local next hops may be on). */
static void
rec_address(json_t *rec, const char *a, json_int_t bd)
{
	const char *k[2] = { "addresses", "links6" };

	for (int i = 0; i < 2; i++)
		if (json_object_get(rec, k[i]) == NULL)
			json_object_set_new(rec, k[i], json_array());
	json_array_append_new(json_object_get(rec, "addresses"), json_string(a));
	if (cc_af_of(a) == AF_INET6)
		json_array_append_new(json_object_get(rec, "links6"), json_integer(bd));
}

/* A routed port of slice @name (id @sid): the site's LAN (port, VLAN)
 * straight into the slice's VRF, its own link a bridge domain of its own
 * whose SVIs (one per family) are its addresses, with the port's MAC: the
 * one sxdp checks a routed port's frames against. */
static void
routed_port(struct cd_kx *x, const char *name, json_t *rec, json_t *r, size_t i, json_int_t sid,
	    json_int_t meter)
{
	json_t *site = sw_kind_site(x), *a, *p = cd_kx_port(x, cd_str(r, "port"));
	char ptr[96], key[200], what[128];
	json_int_t bd;
	int fam = 0;
	size_t j;

	snprintf(ptr, sizeof(ptr), "/spec/routed_ports/%zu", i);
	if (!lan_has(site, r)) {
		snprintf(what, sizeof(what), "site LAN port %s vlan %" JSON_INTEGER_FORMAT, cd_str(r, "port"),
			 cd_num(r, "vlan", 0));
		cd_kx_wait_for(x, ptr, what);
		return;
	}
	if (p == NULL || cd_str(p, "mac") == NULL) {
		snprintf(what, sizeof(what), "port %s (sxdp has none)", cd_str(r, "port"));
		cd_kx_wait_for(x, ptr, what);
		return;
	}
	json_array_foreach(json_object_get(r, "addresses"), j, a) {
		int f = cc_af_of(json_string_value(a)) == AF_INET6 ? 2 : 1;

		if (fam & f) {
			snprintf(ptr, sizeof(ptr), "/spec/routed_ports/%zu/addresses/%zu", i, j);
			cd_kx_fail(x, "Failed", ptr, "duplicate", "a routed port has one address of each "
				   "family");
			return;
		}
		fam |= f;
	}
	snprintf(key, sizeof(key), "slices/%s/routed/%s/%" JSON_INTEGER_FORMAT, name, cd_str(r, "port"),
		 cd_num(r, "vlan", 0));
	if ((bd = cd_kx_alloc(x, "bd", key, SW_LINK_BD_MIN, SW_LINK_BD_MAX)) < 0) {
		cd_kx_fail(x, "Failed", ptr, "no_space", "no bridge domain left for a routed port (%d..%d)",
			   SW_LINK_BD_MIN, SW_LINK_BD_MAX);
		return;
	}
	struct sw_slice_arg at = { .port = cd_str(r, "port"), .vlan = cd_num(r, "vlan", 0), .slice = sid,
				   .bd = bd, .meter = meter, .how = SW_A_ROUTED };
	struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &at);

	cd_kx_run(x, &it, ptr);
	json_array_foreach(json_object_get(r, "addresses"), j, a) {
		struct sw_svi_arg svi = { .slice = sid, .bd = bd, .mac = cd_str(p, "mac"),
					  .addr = json_string_value(a) };

		snprintf(ptr, sizeof(ptr), "/spec/routed_ports/%zu/addresses/%zu", i, j);
		it = INTENT_OF(INTENT_SVI_ADD, &svi);
		if (cd_kx_run(x, &it, ptr) == 0)
			rec_address(rec, svi.addr, bd);
	}
}

/* A slice's twin (spec.routing, the network namespace "vrf"): what
 * reaches its addresses and sxdp does not answer goes to the site's host
 * port in VLAN = its id (hosts),
 * and what the kernel sends back there is the box's own (interfaces
 * `host`, a link of the slice's own bridge domain: no member of it, so
 * nothing floods there). The kernel's end is sxcd's routing service's
 * (sw_routing.h), which hears of the compile by its SW_AT_SLICE_END hook. */
static void
slice_twin(struct cd_kx *x, const char *name, json_t *rt, json_int_t sid, json_t *rec)
{
	json_t *host = json_object_get(sw_kind_site(x), "host"), *names = cd_kx_pub(x, "vrf-names"), *ups;
	char vrf[32], what[128];
	const char *other, *port = cd_str(host, "port");

	if (cd_str(rt, "vrf") != NULL)
		snprintf(vrf, sizeof(vrf), "%s", cd_str(rt, "vrf"));
	else
		snprintf(vrf, sizeof(vrf), "sx%" JSON_INTEGER_FORMAT, sid);
	if (strspn(vrf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(vrf) ||
	    strlen(vrf) > 15 || strcmp(vrf, ".") == 0 || strcmp(vrf, "..") == 0) {
		cd_kx_fail(x, "Failed", "/spec/routing/vrf", "bad_value", "'%s' is no network namespace name for "
			   "a twin (1..15 of [A-Za-z0-9_.-])", vrf);
		return;
	}
	if ((other = cd_str(names, vrf)) != NULL && strcmp(other, name) != 0) {
		snprintf(what, sizeof(what), "slices/%s", other);
		cd_kx_conflict(x, what, "/spec/routing/vrf", "the twin namespace %s is slices/%s's", vrf, other);
		return;
	}
	if (port == NULL) {
		cd_kx_wait_for(x, "/spec/routing", "site host port");
		return;
	}
	if (cd_kx_port(x, port) == NULL) {
		snprintf(what, sizeof(what), "port %s (sxdp has none)", port);
		cd_kx_wait_for(x, "/spec/routing", what);
		return;
	}
	ups = json_pack("[o,o]",
		cd_kx_upd(SW_T_INTERFACES, json_pack("{s:s,s:I}", SW_F_IN_PORT, port, SW_F_VLAN, sid), SW_A_HOST,
			  json_pack("{s:I,s:I}", SW_F_SLICE, sid, SW_F_BD, sid)),
		cd_kx_upd(SW_T_HOSTS, json_pack("{s:I,s:i}", SW_F_VRF, sid, SW_F_BD, 0), SW_A_TWIN,
			  json_pack("{s:s,s:I}", SW_F_PORT, port, SW_F_VLAN, sid)));
	if (cd_kx_apply(x, ups, "/spec/routing") == 0) {
		json_object_set_new(names, vrf, json_string(name));
		json_object_set_new(rec, "vrf", json_string(vrf));
	}
	json_decref(ups);
}

/* The SVI this box's site wears in a slice: svi's own (the same at every
 * site: a distributed gateway), or the entry of svi.sites for this site
 * (an address and MAC of its own: routers at two sites of a stretched
 * subnet peer across it). A site listed twice is refused. */
static json_t *
svi_here(struct cd_kx *x, json_t *svi)
{
	json_int_t here = cd_num(sw_kind_site(x), "id", -1);
	json_t *e, *own = svi;
	size_t i, j;
	char ptr[64];

	json_array_foreach(json_object_get(svi, "sites"), i, e) {
		for (j = 0; j < i; j++)
			if (cd_num(json_array_get(json_object_get(svi, "sites"), j), "site", -2) == cd_num(e, "site", -3)) {
				snprintf(ptr, sizeof(ptr), "/spec/svi/sites/%zu/site", i);
				cd_kx_fail(x, "Failed", ptr, "duplicate", "site %" JSON_INTEGER_FORMAT " has two "
					   "SVIs in this slice", cd_num(e, "site", 0));
			}
		if (cd_num(e, "site", -3) == here)
			own = e;
	}
	return own;
}

static bool
compile_slice(struct cd_kx *x, const char *name, json_t *spec)
{
	json_int_t sid = cd_num(spec, "id", 0), meter = 0;
	json_t *rate = json_object_get(spec, "rate"), *m, *r, *s, *site = sw_kind_site(x), *rec;
	json_t *got, *seen = spec;
	const char *other;
	char ptr[64], key[200], what[128];
	size_t i;

	if (site == NULL) {
		cd_kx_wait_for(x, "/spec", "site");
		return false;
	}
	/* a fleet's slice placed at other sites: nothing of it here (its
	 * record tells its children so) */
	rec = json_pack("{s:I}", "id", sid);
	hooks_run(SW_AT_SLICE_HERE, x, name, spec, NULL, 0, rec);
	if (cd_str(rec, "elsewhere") != NULL) {
		cd_kx_elsewhere(x, cd_str(rec, "elsewhere"));
		json_object_set_new(sw_kind_slices(x), name, rec);
		return false;
	}
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, sid);
	if ((other = cd_str(cd_kx_pub(x, "slice-ids"), key)) != NULL) {
		snprintf(what, sizeof(what), "slices/%s", other);
		cd_kx_conflict(x, what, "/spec/id", "slice id %" JSON_INTEGER_FORMAT " is slices/%s's", sid,
			       other);
	}
	if (rate != NULL && json_object_get(rate, "peak_bps") != NULL) {
		json_int_t cir = cd_num(rate, "guaranteed_bps", 0), pir = cd_num(rate, "peak_bps", 0);

		if (pir < cir)
			cd_kx_fail(x, "Failed", "/spec/rate/peak_bps", "out_of_range", "peak_bps %"
				   JSON_INTEGER_FORMAT " is below guaranteed_bps %" JSON_INTEGER_FORMAT,
				   pir, cir);
		snprintf(key, sizeof(key), "slices/%s", name);
		if (!cd_kx_failed(x) && (meter = cd_kx_alloc(x, "meter", key, SLICE_METER_MIN, METER_ID_MAX)) < 0)
			cd_kx_fail(x, "Failed", "/spec/rate", "no_space", "no meter id left");
		struct qos_meter_arg ma = { .id = meter, .type = QOS_A_TRTCM, .cir = cir,
					    .cbs = qos_burst_of(cir), .pir = pir, .pbs = qos_burst_of(pir) };
		struct intent it = INTENT_OF(INTENT_METER_ADD, &ma);

		cd_kx_run(x, &it, "/spec/rate");
	}
	hooks_run(SW_AT_SLICE_RATE, x, name, spec, NULL, 0, rec);
	got = json_array();
	json_array_foreach(json_object_get(spec, "members"), i, m) {
		struct sw_slice_arg at = { .port = cd_str(m, "port"), .vlan = cd_num(m, "vlan", 0),
					   .slice = sid, .bd = sid, .meter = meter };
		struct intent it = INTENT_OF(INTENT_SLICE_ATTACH, &at);

		snprintf(ptr, sizeof(ptr), "/spec/members/%zu", i);
		if (!lan_has(site, m)) {
			snprintf(what, sizeof(what), "site LAN port %s vlan %" JSON_INTEGER_FORMAT,
				 cd_str(m, "port"), cd_num(m, "vlan", 0));
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		/* the site's port sxdp does not have (yet): the site waits for it too */
		if (cd_kx_port(x, cd_str(m, "port")) == NULL) {
			snprintf(what, sizeof(what), "port %s (sxdp has none)", cd_str(m, "port"));
			cd_kx_wait_for(x, ptr, what);
			continue;
		}
		if (cd_kx_run(x, &it, ptr) == 0)
			json_array_append(got, m);
	}
	json_array_foreach(json_object_get(spec, "routed_ports"), i, m)
		routed_port(x, name, rec, m, i, sid, meter);
	if ((s = json_object_get(spec, "svi")) != NULL) {
		json_t *own = svi_here(x, s), *held = json_object_get(rec, "held");
		struct sw_svi_arg svi = { .slice = sid, .bd = sid,
					  .mac = held != NULL ? cd_str(held, "mac") : cd_str(own, "mac"),
					  .addr = cd_str(own, "address"), .held = held != NULL };
		struct intent it = INTENT_OF(INTENT_SVI_ADD, &svi);
		const char *a6 = cd_str(own, "address6");

		if (cd_kx_run(x, &it, "/spec/svi") == 0)
			rec_address(rec, svi.addr, sid);
		/* dual-stack: the IPv6 SVI on the same BD with the same MAC */
		if (a6 != NULL && (cc_af_of(a6) != AF_INET6 || cc_af_of(svi.addr) != AF_INET)) {
			cd_kx_fail(x, "Failed", "/spec/svi/address6", "bad_value", "address6 '%s' is the IPv6 "
				   "address beside an IPv4 address", a6);
		} else if (a6 != NULL) {
			svi.addr = a6;
			if (held != NULL)
				svi.mac = cd_str(held, "mac6");
			if (cd_kx_run(x, &it, "/spec/svi/address6") == 0)
				rec_address(rec, a6, sid);
		}
	}
	if ((r = json_object_get(spec, "routing")) != NULL)
		slice_twin(x, name, r, sid, rec);
	json_array_foreach(json_object_get(spec, "routes"), i, r) {
		const char *nh = cd_str(r, "via");
		struct sw_route_arg ra = { .vrf = sid, .prefix = cd_str(r, "prefix"),
					   .how = nh ? SW_A_VIA : SW_A_DROP, .nh = &nh, .n_nh = nh ? 1 : 0 };
		struct intent it = INTENT_OF(INTENT_ROUTE_ADD, &ra);

		snprintf(ptr, sizeof(ptr), "/spec/routes/%zu", i);
		if (nh == NULL && !json_is_true(json_object_get(r, "drop")))
			cd_kx_fail(x, "Failed", ptr, "missing", "a route needs 'via' or 'drop': true");
		cd_kx_run(x, &it, ptr);
	}
	/* What hangs off the slice's bridge domain (its VNI, its tunnels) sees
	 * the members attached: one still waited for is no port of it yet (a
	 * tunnel flooding into a domain no port is in fails on its missing
	 * flood entry, which is no news to the operator). Once the port is
	 * there, a new site or sxdp compiles everything again. */
	if (json_array_size(got) < json_array_size(json_object_get(spec, "members")) &&
	    (seen = json_copy(spec)) != NULL)
		json_object_set(seen, "members", got);
	hooks_run(SW_AT_SLICE_END, x, name, seen ? seen : spec, NULL, 0, rec);
	if (seen != spec)
		json_decref(seen);
	json_decref(got);
	if (!cd_kx_failed(x)) {
		json_object_set_new(sw_kind_slices(x), name, rec);
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, sid);
		json_object_set_new(cd_kx_pub(x, "slice-ids"), key, json_string(name));
	} else {
		json_decref(rec);
	}
	return false;
}

static void
slice_forget(struct cd_kx *x, const char *name)
{
	json_t *s = json_object_get(sw_kind_slices(x), name), *ids = cd_kx_pub(x, "slice-ids");
	const char *vrf;
	char sk[32];

	if (s == NULL)
		return;
	snprintf(sk, sizeof(sk), "%" JSON_INTEGER_FORMAT, cd_num(s, "id", 0));
	if (cd_str(ids, sk) != NULL && strcmp(cd_str(ids, sk), name) == 0)
		json_object_del(ids, sk);
	if ((vrf = cd_str(s, "vrf")) != NULL && cd_str(cd_kx_pub(x, "vrf-names"), vrf) != NULL &&
	    strcmp(cd_str(cd_kx_pub(x, "vrf-names"), vrf), name) == 0)
		json_object_del(cd_kx_pub(x, "vrf-names"), vrf);
	json_object_del(sw_kind_slices(x), name);
}

/* Its routes and subnets are its own entries in its VRF: what its VDNs,
 * policies and UPFs read of it stays. */
static bool
slice_same_for_children(json_t *was, json_t *now)
{
	json_t *a = json_copy(was), *b = json_copy(now);
	bool same;

	json_object_del(a, "routes");
	json_object_del(a, "subnets");
	json_object_del(b, "routes");
	json_object_del(b, "subnets");
	same = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	return same;
}

static const struct cd_kind slices_kind = {
	.name = "slices", .schema = "SliceSpec", .order = 300, .compile = compile_slice,
	.forget = slice_forget, .same_for_children = slice_same_for_children,
	.tenant = true,		/* a tenant is its slices (credentials' scopes) */
};
CD_KIND_REGISTER(slices_kind)
