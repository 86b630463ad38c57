/* SPDX-License-Identifier: BSD-3-Clause */
/* ha_kind: a site's "pair" compiled into VRRP routers and held addresses: its slices' gateways on the
 * switch's hooks, its UPFs' N3 and N9 addresses on the upf's. */
#include <stdio.h>
#include <string.h>

#include "intent_cc.h"

#include "ha_intent.h"
#include "sw_kind.h"
#include "up_hook.h"

#define PRIO_DEFAULT	100
#define ADV_MS_DEFAULT	100	/* takeover in 3 x 100 ms + skew: issue 75's 0.35 s */
#define HOLD_S_DEFAULT	10	/* a box that comes back converges before it takes the traffic back */

/* The site's pair and its gateway of slice @name (NULL: the pair holds none of it). */
static json_t *
gateway_of(struct cd_kx *x, const char *name, json_t **pair)
{
	json_t *g;
	size_t i;

	*pair = json_object_get(sw_kind_site(x), "pair");
	json_array_foreach(json_object_get(*pair, "gateways"), i, g)
		if (name != NULL && cd_str(g, "slice") != NULL && strcmp(cd_str(g, "slice"), name) == 0)
			return g;
	return NULL;
}

static json_int_t
vrid6_of(json_t *g)
{
	return cd_num(g, "vrid6", cd_num(g, "vrid", 0));
}

/* Before the slice's SVIs: they are held, with the routers' virtual MACs. */
static void
slice_held(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *pair, *g = gateway_of(x, name, &pair);
	char m4[18], m6[18];

	(void)spec;
	(void)item;
	(void)i;
	if (g == NULL)
		return;
	json_object_set_new(rec, "held", json_pack("{s:s,s:s}", "mac", ha_vmac_text(m4, cd_num(g, "vrid", 0), false),
						   "mac6", ha_vmac_text(m6, vrid6_of(g), true)));
}

static struct sw_hook held_hook = { .at = SW_AT_SLICE_RATE, .fn = slice_held };
SW_HOOK_REGISTER(held_hook)

/* After them: a router per family the slice's SVI has. */
static void
slice_routers(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *pair, *g = gateway_of(x, name, &pair), *svi = json_object_get(spec, "svi");
	struct ha_vrrp_arg a = {
		.slice = cd_num(spec, "id", 0), .bd = cd_num(spec, "id", 0), .vrid = cd_num(g, "vrid", 0),
		.prio = cd_num(pair, "priority", PRIO_DEFAULT), .adv_ms = cd_num(pair, "advert_ms", ADV_MS_DEFAULT),
		.hold_s = cd_num(pair, "preempt_hold_s", HOLD_S_DEFAULT),
		.preempt = !json_is_false(json_object_get(pair, "preempt")),
		.self = cd_str(g, "address"), .peer = cd_str(g, "peer"),
	};
	struct intent it = INTENT_OF(INTENT_VRRP_ADD, &a);

	(void)item;
	(void)i;
	(void)rec;
	if (g == NULL)
		return;
	if (svi == NULL || json_object_get(svi, "sites") != NULL) {
		cd_kx_fail(x, "Failed", "/spec/svi", "missing", "the site's pair holds this slice's gateway: it needs "
			   "an svi of its own (one address for the pair, no per-site svi.sites)");
		return;
	}
	if (cd_str(svi, "address") != NULL)
		cd_kx_run(x, &it, "/spec/svi");
	if (cd_str(svi, "address6") == NULL)
		return;
	if (cd_str(g, "address6") == NULL || cd_str(g, "peer6") == NULL) {
		cd_kx_fail(x, "Failed", "/spec/svi/address6", "missing", "the site's pair holds this slice's IPv6 "
			   "gateway too: its gateway entry needs address6 and peer6 (link-local)");
		return;
	}
	a.vrid = vrid6_of(g);
	a.self = cd_str(g, "address6");
	a.peer = cd_str(g, "peer6");
	cd_kx_run(x, &it, "/spec/svi/address6");
}

static struct sw_hook routers_hook = { .at = SW_AT_SLICE_END, .fn = slice_routers };
SW_HOOK_REGISTER(routers_hook)

/* ------------------------------------------------------------ UPF links */

/* The site's pair and its entry of UPF @upf's link @which (NULL: the pair holds none). */
static json_t *
upf_link_of(struct cd_kx *x, const struct up_link *l, json_t **pair)
{
	json_t *g;
	size_t i;

	*pair = json_object_get(sw_kind_site(x), "pair");
	json_array_foreach(json_object_get(*pair, "upf_links"), i, g)
		if (cd_str(g, "upf") != NULL && strcmp(cd_str(g, "upf"), l->upf) == 0 && cd_str(g, "link") != NULL &&
		    strcmp(cd_str(g, "link"), l->which) == 0)
			return g;
	return NULL;
}

static bool
link_v6(const struct up_link *l)
{
	return cd_str(l->spec, "address") != NULL && strchr(cd_str(l->spec, "address"), ':') != NULL;
}

/* Before the link's SVI: held, with the router's virtual MAC. */
static void
link_held(struct cd_kx *x, struct up_link *l)
{
	json_t *pair, *g = upf_link_of(x, l, &pair);

	if (g == NULL)
		return;
	l->held = true;
	ha_vmac_text(l->mac, cd_num(g, "vrid", 0), link_v6(l));
}

static struct up_hook link_held_hook = { .at = UP_AT_LINK_SVI, .fn = link_held };
UP_HOOK_REGISTER(link_held_hook)

/* After it: the link's router, as a slice gateway's (an IPv6 link's own
 * address and its peer's link-local: RFC 5798 5.1.2.1). */
static void
link_router(struct cd_kx *x, struct up_link *l)
{
	json_t *pair, *g = upf_link_of(x, l, &pair);
	struct ha_vrrp_arg a = {
		.slice = l->vrf, .bd = l->bd, .vrid = cd_num(g, "vrid", 0),
		.prio = cd_num(pair, "priority", PRIO_DEFAULT), .adv_ms = cd_num(pair, "advert_ms", ADV_MS_DEFAULT),
		.hold_s = cd_num(pair, "preempt_hold_s", HOLD_S_DEFAULT),
		.preempt = !json_is_false(json_object_get(pair, "preempt")),
		.self = cd_str(g, "address"), .peer = cd_str(g, "peer"), .ipv6 = link_v6(l),
	};
	struct intent it = INTENT_OF(INTENT_VRRP_ADD, &a);
	char ptr[32];

	if (g == NULL)
		return;
	snprintf(ptr, sizeof(ptr), "/spec/%s/address", l->which);
	cd_kx_run(x, &it, ptr);
}

static struct up_hook link_router_hook = { .at = UP_AT_LINK_END, .fn = link_router };
UP_HOOK_REGISTER(link_router_hook)
