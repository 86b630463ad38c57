/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_upf: the Ready upf intents indexed for PFCP sessions (pf_upf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <jansson.h>

#include "cd_clock.h"
#include "cd_kind.h"
#include "cd_vis.h"
#include "intent_cc.h"
#include "pf_upf.h"
#include "sw_kind.h"

#define PF_UPF_REFRESH_MS 100	/* the index is rebuilt at most this often */

static void
copy_name(char *out, const char *s)
{
	snprintf(out, PF_NAME_LEN, "%s", s ? s : "");
}

/* A link of @spec (@which: "n3", "n9") into @l; false when it is absent or
 * its endpoint id is not allocated yet. */
static bool
link_of(struct cd_res *res, const char *upf, json_t *spec, const char *which, struct pf_link *l)
{
	json_t *j = json_object_get(spec, which);
	char key[160];
	unsigned int plen = 0;
	int af;

	memset(l, 0, sizeof(*l));
	if (j == NULL || cd_str(j, "address") == NULL)
		return false;
	af = cc_af_of(cd_str(j, "address"));
	if ((af != AF_INET && af != AF_INET6) || !cc_pfx_ok(cd_str(j, "address"), af, true, l->addr, &plen))
		return false;
	snprintf(key, sizeof(key), "upf/%s/%s", upf, which);
	l->id = (uint16_t)cd_vis_id(res, "upf-iface", key);
	if (l->id == 0)
		return false;
	l->af = (uint8_t)af;
	l->plen = (uint8_t)plen;
	if (cd_str(j, "gateway") != NULL && cc_af_of(cd_str(j, "gateway")) == af &&
	    cc_addr_ok(cd_str(j, "gateway"), af, l->gw))
		l->has_gw = true;
	copy_name(l->ni, cd_str(j, "network_instance"));
	l->present = true;
	return true;
}

static void
pool_of(const char *s, int af, uint8_t *addr, uint8_t *len, bool *has)
{
	unsigned int plen = 0;

	*has = s != NULL && cc_pfx_ok(s, af, false, addr, &plen);
	*len = (uint8_t)plen;
}

/* Its UEIP pools: the intent's compile checked them (a prefix inside its
 * ue_pool or ue_pool6, no two overlapping); what does not read is left out */
static void
pools_of(json_t *spec, struct pf_upf *u)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(spec, "ueip_pools"), i, p) {
		struct pf_pool *o = &u->pool[u->n_pool];
		const char *pfx = cd_str(p, "prefix");
		unsigned int plen = 0;
		int af = pfx != NULL && strchr(pfx, ':') != NULL ? AF_INET6 : AF_INET;

		if (u->n_pool == PF_UPF_POOLS)
			break;
		if (pfx == NULL || !cc_pfx_ok(pfx, af, false, o->prefix, &plen))
			continue;
		o->af = (uint8_t)af;
		o->plen = (uint8_t)plen;
		copy_name(o->name, cd_str(p, "name"));
		copy_name(o->ni, cd_str(p, "network_instance"));
		u->n_pool++;
	}
}

/* One Ready (or Degraded: installed) upf intent into @u; false when it
 * cannot carry sessions (no N3 endpoint yet, its slice unknown). */
static bool
upf_of(struct cd_res *res, json_t *slice, uint32_t underlay, const char *name, json_t *doc, struct pf_upf *u,
       bool all)
{
	json_t *spec = json_object_get(doc, "spec"), *st = json_object_get(doc, "status"), *v, *dn;
	const char *phase = cd_str(st, "phase");
	char key[160];
	size_t i;

	if (!all && (phase == NULL || (strcmp(phase, "Ready") != 0 && strcmp(phase, "Degraded") != 0)))
		return false;
	if (slice == NULL)
		return false;
	memset(u, 0, sizeof(*u));
	copy_name(u->name, name);
	u->slice = (uint32_t)cd_num(json_object_get(slice, "spec"), "id", 0);
	u->underlay = underlay;
	if (u->slice == 0 || !link_of(res, name, spec, "n3", &u->n3))
		return false;
	link_of(res, name, spec, "n9", &u->n9);
	pool_of(cd_str(spec, "ue_pool"), AF_INET, u->pool4, &u->pool4_len, &u->has_pool4);
	pool_of(cd_str(spec, "ue_pool6"), AF_INET6, u->pool6, &u->pool6_len, &u->has_pool6);
	json_array_foreach(json_object_get(spec, "network_instances"), i, v)
		if (u->n_ni < PF_UPF_NI && json_is_string(v))
			copy_name(u->ni[u->n_ni++], json_string_value(v));
	pools_of(spec, u);
	u->ethernet = json_is_true(json_object_get(spec, "ethernet_sessions"));
	json_array_foreach(json_object_get(spec, "local_dns"), i, dn) {
		if (u->n_app == PF_UPF_APPS)
			break;
		snprintf(key, sizeof(key), "upf/%s/%s", name, cd_str(dn, "name"));
		copy_name(u->app[u->n_app].name, cd_str(dn, "name"));
		if ((u->app[u->n_app].id = (uint16_t)cd_vis_id(res, "upf-app", key)) != 0)
			u->n_app++;
	}
	return true;
}

static int
refresh(struct pf_upfs *s, struct cd_res *res, bool all)
{
	json_t *upfs, *slice, *sites, *doc;
	const char *name, *sn;
	uint64_t now = cd_clock_ms();
	uint32_t underlay = SW_UNDERLAY;

	if ((upfs = cd_vis_docs(res, "upf")) == NULL)
		return -ENOMEM;
	if ((sites = cd_vis_docs(res, "site")) != NULL) {
		json_object_foreach(sites, name, doc)
			underlay = (uint32_t)cd_num(json_object_get(doc, "spec"), "underlay_slice", SW_UNDERLAY);
		json_decref(sites);
	}
	s->n = 0;
	json_object_foreach(upfs, name, doc) {
		/* its slice alone: a site's thousands of slices are not copied
		 * every PF_UPF_REFRESH_MS while sessions come */
		sn = cd_str(json_object_get(doc, "spec"), "slice");
		slice = sn != NULL ? cd_vis_doc(res, "slices", sn) : NULL;
		if (s->n < PF_UPF_MAX && upf_of(res, slice, underlay, name, doc, &s->u[s->n], all))
			s->n++;
		json_decref(slice);
	}
	json_decref(upfs);
	s->stamp = now;
	s->all = all;
	return 0;
}

int
pf_upfs_refresh(struct pf_upfs *s, struct cd_res *res)
{
	if (s->stamp != 0 && !s->all && cd_clock_ms() - s->stamp < PF_UPF_REFRESH_MS)
		return 0;
	return refresh(s, res, false);
}

int
pf_upfs_refresh_all(struct pf_upfs *s, struct cd_res *res)
{
	return refresh(s, res, true);
}

static bool
same_addr(const struct pf_link *l, int af, const uint8_t *addr)
{
	return l->present && l->af == af && memcmp(l->addr, addr, af == AF_INET ? 4 : 16) == 0;
}

const struct pf_upf *
pf_upf_by_addr(const struct pf_upfs *s, int af, const uint8_t *addr, bool *n9)
{
	for (int i = 0; i < s->n; i++) {
		if (same_addr(&s->u[i].n3, af, addr)) {
			*n9 = false;
			return &s->u[i];
		}
		if (same_addr(&s->u[i].n9, af, addr)) {
			*n9 = true;
			return &s->u[i];
		}
	}
	return NULL;
}

const struct pf_upf *
pf_upf_by_ni(const struct pf_upfs *s, const char *ni, bool *n9)
{
	const struct pf_upf *hit = NULL;
	int hits = 0;

	*n9 = false;
	if (ni == NULL || ni[0] == '\0') {
		if (s->n != 1)
			return NULL;
		return &s->u[0];
	}
	for (int i = 0; i < s->n; i++) {
		const struct pf_upf *u = &s->u[i];
		bool on9 = u->n9.present && strcmp(u->n9.ni, ni) == 0;

		if ((u->n3.present && strcmp(u->n3.ni, ni) == 0) || on9 ||
		    (u->n_ni > 0 && pf_upf_n6_ni(u, ni))) {
			hit = u;
			*n9 = on9 && strcmp(u->n3.ni, ni) != 0;
			hits++;
		}
	}
	return hits == 1 ? hit : NULL;
}

bool
pf_upf_n6_ni(const struct pf_upf *u, const char *ni)
{
	if (ni == NULL || ni[0] == '\0' || u->n_ni == 0)
		return true;
	for (int i = 0; i < u->n_ni; i++)
		if (strcmp(u->ni[i], ni) == 0)
			return true;
	return false;
}

bool
pf_upf_in_pool(const struct pf_upf *u, int af, const uint8_t *addr)
{
	if (af == AF_INET)
		return u->has_pool4 && cc_pfx_has(u->pool4, u->pool4_len, addr);
	return u->has_pool6 && cc_pfx_has(u->pool6, u->pool6_len, addr);
}

const struct pf_upf *
pf_upf_by_pool(const struct pf_upfs *s, const char *name)
{
	const struct pf_upf *found = NULL;

	for (int k = 0; k < s->n; k++)
		for (int i = 0; i < s->u[k].n_pool; i++)
			if (strcmp(s->u[k].pool[i].name, name) == 0 && name[0] != '\0') {
				if (found != NULL && found != &s->u[k])
					return NULL;
				found = &s->u[k];
			}
	return found;
}

uint16_t
pf_upf_app(const struct pf_upf *u, const char *name)
{
	for (int i = 0; i < u->n_app; i++)
		if (strcmp(u->app[i].name, name) == 0)
			return u->app[i].id;
	return 0;
}
