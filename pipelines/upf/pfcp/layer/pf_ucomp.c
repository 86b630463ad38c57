/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ucomp: PFCP sessions compiled: ids, claims, UPF snapshots, a request's writes (pf_ucomp.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <jansson.h>

#include "cd_host.h"
#include "cd_log.h"
#include "cd_tables.h"
#include "pf_answer.h"
#include "pf_ethapp.h"
#include "pf_lan.h"
#include "pf_map.h"
#include "pf_node.h"
#include "pf_ucomp.h"
#include "qos_names.h"
#include "up_names.h"

/* ------------------------------------------------------------ claims */

/* A session's claim on TABLE KEY (up->claims). */
struct claim {
	struct cd_hnode h;
	json_t *owner;			/* "pfcp/NODE/SEID" */
	size_t tlen, klen;
	char tk[];			/* TABLE, then KEY, then a NUL */
};

struct claim_key {
	const char *table, *key;
	size_t tlen, klen;
};

static bool
claim_eq(const struct cd_hnode *n, const void *key)
{
	const struct claim *c = (const struct claim *)n;
	const struct claim_key *k = key;

	return c->tlen == k->tlen && c->klen == k->klen && memcmp(c->tk, k->table, k->tlen) == 0 &&
	       memcmp(c->tk + c->tlen, k->key, k->klen) == 0;
}

/* @table's @key claimed (NULL: not), its lookup key and hash in @k, *@h. */
static struct claim *
claim_find(struct pf_up *up, const char *table, const char *key, struct claim_key *k, uint64_t *h)
{
	*k = (struct claim_key){ .table = table, .key = key, .tlen = strlen(table), .klen = strlen(key) };
	*h = cd_hmap_hash(key, k->klen) ^ cd_hmap_hash(table, k->tlen) * UINT64_C(0x9e3779b97f4a7c15);
	if (up->claims.b[0] == NULL && cd_hmap_init(&up->claims, claim_eq) < 0)
		return NULL;
	return (struct claim *)cd_hmap_find(&up->claims, *h, k);
}

const char *
pf_ucomp_claim_holder(void *arg, const char *table, const char *key)
{
	struct claim_key k;
	uint64_t h;
	struct claim *c = claim_find(arg, table, key, &k, &h);

	return c != NULL ? json_string_value(c->owner) : NULL;
}

void
pf_ucomp_claim_set(struct pf_up *up, const char *table, const char *key, json_t *owner)
{
	struct claim_key k;
	uint64_t h;
	struct claim *c = claim_find(up, table, key, &k, &h);

	if (c != NULL && owner != NULL) {
		json_incref(owner);
		json_decref(c->owner);
		c->owner = owner;
	} else if (c != NULL) {
		cd_hmap_del(&up->claims, &c->h);
		json_decref(c->owner);
		free(c);
	} else if (owner != NULL && up->claims.b[0] != NULL &&
		   (c = malloc(sizeof(*c) + k.tlen + k.klen + 1)) != NULL) {
		c->owner = json_incref(owner);
		c->tlen = k.tlen;
		c->klen = k.klen;
		memcpy(c->tk, table, k.tlen);
		memcpy(c->tk + k.tlen, key, k.klen + 1);
		if (cd_hmap_add(&up->claims, &c->h, h) < 0) {   /* (no memory: unclaimed, as a map's set failing was) */
			json_decref(c->owner);
			free(c);
		}
	}
}

/* Who else holds @table's @key: an intent (written or about to be), or
 * another session; NULL: nobody. */
static const char *
held_by_other(struct pf_up *up, const char *table, const char *key, json_t *me)
{
	const char *who;

	if ((who = cd_host_wanted_by(up->sync, table, key)) != NULL)
		return who;
	if (json_object_get(json_object_get(cd_host_state(up->res, "owned"), table), key) != NULL) {
		who = json_string_value(json_object_get(json_object_get(cd_host_state(up->res, "owners"), table), key));
		return who ? who : "an intent";
	}
	who = pf_ucomp_claim_holder(up, table, key);
	return who != NULL && (me == NULL || strcmp(who, json_string_value(me)) != 0) ? who : NULL;
}

/* ------------------------------------------------------------ snapshots of UPFs */

struct snap *
pf_ucomp_snap_of(struct pf_up *up, const struct pf_upf *u)
{
	struct snap *s;

	for (s = up->snaps; s != NULL; s = s->next)
		if (memcmp(&s->u, u, sizeof(*u)) == 0)
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return NULL;
		s->u = *u;
		s->next = up->snaps;
		up->snaps = s;
	}
	s->refs++;
	return s;
}

void
pf_ucomp_snap_put(struct pf_up *up, struct snap *s)
{
	struct snap **p;

	if (s == NULL || --s->refs > 0)
		return;
	for (p = &up->snaps; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			free(s);
			return;
		}
}

/* ------------------------------------------------------------ a compile's ids */

static struct pf_rid *
kv_find(struct pf_rid *a, int n, uint32_t key)
{
	for (int i = 0; i < n; i++)
		if (a[i].key == key)
			return &a[i];
	return NULL;
}

struct cctx {
	struct pf_up *up;
	struct us *us;			/* its current ids (lookup, and reused) */
	const struct pf_upf *upf;
	struct took *took;		/* NULL: lookup only */
	const struct pf_session *s;	/* what is compiled */
	json_t *ups;			/* shared inserts made */
};

uint64_t
pf_ucomp_ctr_abs(void *arg, uint32_t id)
{
	struct pf_up *up = arg;
	uint32_t c = id & ~PF_CTR_PKTS;

	if (!up->counters_ready || c < up->counters.lo || c > up->counters.hi)
		return 0;
	return (id & PF_CTR_PKTS) ? up->ctr_pkts[c - up->counters.lo] : up->ctr_bytes[c - up->counters.lo];
}

uint32_t
pf_ucomp_ctr_of(void *arg, uint16_t pdr)
{
	struct us *us = arg;
	struct pf_rid *k = kv_find(us->cnt, us->n_cnt, pdr);

	return k ? k->id : 0;
}

/* The counter entry of @pdr in what the compile took, or in the session. */
static struct pf_rid *
ctr_entry(struct cctx *c, uint16_t pdr)
{
	struct pf_rid *k = NULL;

	if (c->took != NULL)
		k = kv_find(c->took->cnt, c->took->n_cnt, pdr);
	else if (c->us != NULL)
		k = kv_find(c->us->cnt, c->us->n_cnt, pdr);
	return k;
}

static uint64_t
id_watch(void *arg, uint16_t pdr)
{
	struct cctx *c = arg;
	struct pf_rid *k = ctr_entry(c, pdr);

	if (k == NULL)
		return 0;
	if (c->took != NULL && c->us != NULL)
		k->thr = pf_usage_watch(&c->us->use, c->s, pdr, pf_ucomp_ctr_abs, c->up);
	return k->thr;
}

static bool
id_stopped(void *arg, uint16_t pdr)
{
	struct cctx *c = arg;
	struct pf_rid *k = ctr_entry(c, pdr);

	if (k == NULL)
		return false;
	if (c->took != NULL && c->us != NULL)
		k->stopped = pf_usage_stopped(&c->us->use, c->s, pdr);
	return k->stopped;
}

static int
id_counter(void *arg, uint16_t pdr, uint32_t *urr)
{
	struct cctx *c = arg;
	struct pf_rid *k;

	if (c->took != NULL && (k = kv_find(c->took->cnt, c->took->n_cnt, pdr)) != NULL) {
		*urr = k->id;
		return 0;
	}
	if (c->us != NULL && (k = kv_find(c->us->cnt, c->us->n_cnt, pdr)) != NULL) {
		*urr = k->id;
	} else {
		if (c->took == NULL || !c->up->counters_ready)
			return -ENOSPC;
		if (pf_ids_take(&c->up->counters, urr) < 0)
			return -ENOSPC;
	}
	if (c->took != NULL)
		c->took->cnt[c->took->n_cnt++] = (struct pf_rid){ .key = pdr, .id = *urr };
	return 0;
}

static int
id_meter(void *arg, uint32_t qer, bool ul, uint64_t kbps, uint32_t *id)
{
	struct cctx *c = arg;
	uint32_t key = qer << 1 | ul, n;
	struct pf_rid *k;

	(void)kbps;
	if (c->took != NULL && (k = kv_find(c->took->met, c->took->n_met, key)) != NULL) {
		*id = k->id;
		return 0;
	}
	if (c->us != NULL && (k = kv_find(c->us->met, c->us->n_met, key)) != NULL) {
		n = k->id;
	} else {
		if (c->took == NULL || pf_ids_take(&c->up->meters, &n) < 0)
			return -ENOSPC;
	}
	if (c->took != NULL)
		c->took->met[c->took->n_met++] = (struct pf_rid){ .key = key, .id = n };
	*id = n;
	return 0;
}

static int
id_peer(void *arg, bool n9, int af, const uint8_t *addr, uint8_t dscp, uint16_t *id)
{
	struct cctx *c = arg;
	int rc;

	if (c->took == NULL)
		return pf_shared_peer_find(c->up->shared, c->upf, n9, af, addr, dscp, id);
	if ((rc = pf_shared_peer(c->up->shared, c->upf, n9, af, addr, dscp, c->upf->underlay, c->ups, id)) < 0)
		return rc;
	c->took->shared[c->took->n_peer++] = *id;
	return 0;
}

static int
id_app(void *arg, int af, const struct pf_flow_end *r, uint8_t proto, uint8_t qfi, uint16_t prio, uint16_t *id)
{
	struct cctx *c = arg;
	int rc;

	if (c->took == NULL)
		return pf_shared_app_find(c->up->shared, c->upf->slice, af, r, proto, qfi, prio, id);
	if ((rc = pf_shared_app(c->up->shared, c->upf->slice, af, r, proto, qfi, prio, c->ups, id)) < 0)
		return rc;
	c->took->apps[c->took->n_app++] = *id;
	return 0;
}

static int
id_eth_app(void *arg, const struct pf_eth_filter *f, bool ul, uint16_t prio, uint16_t *id)
{
	struct cctx *c = arg;
	json_t *m;
	int rc;

	if ((m = pf_ethapp_matches(c->upf->slice, f, ul, &rc)) == NULL)
		return rc;
	if (c->took == NULL)
		rc = pf_shared_app_of_find(c->up->shared, UP_T_ETH_APPLICATIONS, m, prio, id);
	else if ((rc = pf_shared_app_of(c->up->shared, UP_T_ETH_APPLICATIONS, m, prio, c->ups, id)) == 0)
		c->took->apps[c->took->n_app++] = *id;
	json_decref(m);
	return rc;
}

static int
id_redirect(void *arg, const char *action, json_t *params, uint16_t *id)
{
	struct cctx *c = arg;
	int rc;

	if (c->took == NULL)
		return pf_shared_redirect_find(c->up->shared, action, params, id);
	if ((rc = pf_shared_redirect(c->up->shared, action, params, c->ups, id)) < 0)
		return rc;
	c->took->redirs[c->took->n_redir++] = *id;
	return 0;
}

/* @us's shared entries let go (@put) or taken again (a batch that let
 * them go failed): let go when the request is compiled, so that the
 * entries nobody names any more go in its own batch. */
void
pf_ucomp_shared_of(struct pf_up *up, struct us *us, bool put)
{
	if (us->shared_put == put)
		return;
	for (int i = 0; i < us->n_shared; i++) {
		int redir_at = us->n_shared - us->n_shared_redir;
		bool app = i >= redir_at - us->n_shared_app;

		if (i >= redir_at)
			(put ? pf_shared_redirect_put : pf_shared_redirect_get)(up->shared, us->shared[i]);
		else if (put)
			(app ? pf_shared_app_put : pf_shared_peer_put)(up->shared, us->shared[i]);
		else
			(app ? pf_shared_app_get : pf_shared_peer_get)(up->shared, us->shared[i]);
	}
	us->shared_put = put;
}

/* What a compile took given back (a refused or undone request). */
void
pf_ucomp_took_undo(struct pf_up *up, struct us *us, struct took *t)
{
	for (int i = 0; i < t->n_cnt; i++)
		if (us == NULL || kv_find(us->cnt, us->n_cnt, t->cnt[i].key) == NULL)
			pf_ids_put(&up->counters, t->cnt[i].id);
	for (int i = 0; i < t->n_met; i++)
		if (us == NULL || kv_find(us->met, us->n_met, t->met[i].key) == NULL)
			pf_ids_put(&up->meters, t->met[i].id);
	for (int i = 0; i < t->n_peer; i++)
		pf_shared_peer_put(up->shared, t->shared[i]);
	for (int i = 0; i < t->n_app; i++)
		pf_shared_app_put(up->shared, t->apps[i]);
	for (int i = 0; i < t->n_redir; i++)
		pf_shared_redirect_put(up->shared, t->redirs[i]);
	for (int i = 0; i < t->n_ue; i++)
		pf_ueip_put(up->ueip, t->upf, t->ue[i].af, t->ue[i].addr);
	if (t->lan != 0)
		pf_lan_put(up->lan, t->upf, t->lan_bd, (uint8_t)(t->lan - 1));
	if (t->made != NULL)
		pf_shared_unmake(up->shared, t->made);
	json_decref(t->made);
	memset(t, 0, sizeof(*t));
}

/* @us's ids become what @t took; what it held and no longer does is given back. */
int
pf_ucomp_took_commit(struct pf_up *up, struct us *us, struct took *t)
{
	struct pf_rid *cnt = malloc(sizeof(*cnt) * (size_t)(t->n_cnt + 1)), *met = malloc(sizeof(*met) *
										     (size_t)(t->n_met + 1));
	uint16_t *sh = malloc(sizeof(*sh) * (size_t)(t->n_peer + t->n_app + t->n_redir + 1));

	if (cnt == NULL || met == NULL || sh == NULL) {
		free(cnt);
		free(met);
		free(sh);
		return -ENOMEM;
	}
	for (int i = 0; i < us->n_cnt; i++)
		if (kv_find(t->cnt, t->n_cnt, us->cnt[i].key) == NULL)
			pf_ids_put(&up->counters, us->cnt[i].id);
	for (int i = 0; i < us->n_met; i++)
		if (kv_find(t->met, t->n_met, us->met[i].key) == NULL)
			pf_ids_put(&up->meters, us->met[i].id);
	pf_ucomp_shared_of(up, us, true);
	memcpy(cnt, t->cnt, sizeof(*cnt) * (size_t)t->n_cnt);
	memcpy(met, t->met, sizeof(*met) * (size_t)t->n_met);
	memcpy(sh, t->shared, sizeof(*sh) * (size_t)t->n_peer);
	memcpy(sh + t->n_peer, t->apps, sizeof(*sh) * (size_t)t->n_app);
	memcpy(sh + t->n_peer + t->n_app, t->redirs, sizeof(*sh) * (size_t)t->n_redir);
	free(us->cnt);
	free(us->met);
	free(us->shared);
	us->cnt = cnt;
	us->met = met;
	us->shared = sh;
	us->n_cnt = (uint8_t)t->n_cnt;
	us->n_met = (uint8_t)t->n_met;
	us->n_shared = (uint16_t)(t->n_peer + t->n_app + t->n_redir);
	us->n_shared_app = (uint16_t)t->n_app;
	us->n_shared_redir = (uint16_t)t->n_redir;
	us->shared_put = false;
	if (t->made != NULL)
		pf_shared_made(up->shared, t->made);
	json_decref(t->made);
	memset(t, 0, sizeof(*t));
	return 0;
}

/* ------------------------------------------------------------ compiling */

json_t *
pf_ucomp_owner_of(struct pf_assoc *a, uint64_t seid)
{
	char b[320];

	snprintf(b, sizeof(b), "pfcp/%s/%llu", pf_assoc_name(a), (unsigned long long)seid);
	return json_string(b);
}

/* Each update of @a gets its canonical "key"; -EINVAL when sxdp's tables
 * do not take one (a bug of ours, or sxdp without the upf). */
static int
keys_of(struct pf_up *up, json_t *a, char *err, size_t len)
{
	json_t *u;
	size_t i;
	char *key;

	json_array_foreach(a, i, u) {
		if (cd_tables_key(up->tables, u, &key, err, len) < 0)
			return -EINVAL;
		json_object_set_new(u, "key", json_string(key));
		free(key);
	}
	return 0;
}

/* @s compiled (into @out, with keys): @took NULL for what is installed. */
int
pf_ucomp_compile_one(struct pf_up *up, struct us *us, const struct pf_upf *u, const struct pf_session *s, uint32_t sess_id,
	    struct took *took, json_t *out, struct pf_map_err *e)
{
	struct cctx c = { .up = up, .us = us, .upf = u, .took = took, .s = s, .ups = json_array() };
	struct pf_map_ids ids = { .arg = &c, .peer = id_peer, .meter = id_meter,
				  .counter = id_counter, .app = id_app, .eth_app = id_eth_app, .watch = id_watch,
				  .stopped = id_stopped, .redirect = id_redirect };
	struct pf_map_ctx mc = { .sess_id = sess_id, .slice = u->slice, .underlay = u->underlay, .upf = u,
				 .pfds = pf_node_pfds(up->node), .installed = took == NULL };
	json_t *own = json_array();
	int rc;

	rc = pf_map_session(&mc, s, &ids, own, e);
	if (rc == 0 && (rc = keys_of(up, own, e->why, sizeof(e->why))) < 0)
		e->f = (struct pf_fail){ .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE };
	if (rc == 0 && took != NULL) {
		if (keys_of(up, c.ups, e->why, sizeof(e->why)) < 0) {
			rc = -EINVAL;
			e->f = (struct pf_fail){ .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE };
		}
		took->made = json_incref(c.ups);
		json_array_extend(out, c.ups);
	}
	json_array_extend(out, own);
	json_decref(own);
	json_decref(c.ups);
	return rc;
}

static json_t *
by_key(json_t *ups)
{
	json_t *m = json_object(), *u;
	size_t i;

	json_array_foreach(ups, i, u) {
		char k[640];

		snprintf(k, sizeof(k), "%s %s", json_string_value(json_object_get(u, "table")),
			 json_string_value(json_object_get(u, "key")));
		json_object_set(m, k, u);
	}
	return m;
}

bool
pf_ucomp_is_meter(json_t *u)
{
	return strcmp(json_string_value(json_object_get(u, "table")), QOS_T_METERS) == 0;
}

bool
pf_ucomp_is_shared(json_t *u)
{
	const char *t = json_string_value(json_object_get(u, "table"));

	return strcmp(t, UP_T_TUNNEL_PEERS) == 0 || strcmp(t, UP_T_APPLICATIONS) == 0 ||
	       strcmp(t, UP_T_APPLICATIONS6) == 0 || strcmp(t, UP_T_ETH_APPLICATIONS) == 0 ||
	       strcmp(t, UP_T_REDIRECTS) == 0;
}

static json_t *
as_type(json_t *u, const char *type)
{
	json_t *c = json_copy(u);

	json_object_set_new(c, "type", json_string(type));
	if (strcmp(type, "delete") == 0) {
		json_object_del(c, "action");
		json_object_del(c, "params");
	}
	return c;
}

/* The writes from @old to @now (own entries; shared inserts are in @now
 * as made): shared and meters first, then sessions' inserts and
 * modifies, their deletes, meters' deletes. Keys newly held into
 * @claims, keys let go into @unclaims. */
static void
diff(json_t *old, json_t *now, json_t *out, json_t *claims, json_t *unclaims)
{
	json_t *o = by_key(old), *n = by_key(now), *u, *v;
	const char *k;
	size_t i;

	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(now, i, u) {
			if ((pf_ucomp_is_meter(u) || pf_ucomp_is_shared(u)) != (pass == 0))
				continue;
			char key[640];

			snprintf(key, sizeof(key), "%s %s", json_string_value(json_object_get(u, "table")),
				 json_string_value(json_object_get(u, "key")));
			v = json_object_get(o, key);
			if (pf_ucomp_is_shared(u)) {
				json_array_append_new(out, as_type(u, "insert"));
				continue;
			}
			if (v == NULL) {
				json_array_append_new(out, as_type(u, "insert"));
				if (!pf_ucomp_is_meter(u))
					json_array_append_new(claims, json_pack("[O,O]", json_object_get(u, "table"),
										json_object_get(u, "key")));
			} else if (!json_equal(json_object_get(u, "action"), json_object_get(v, "action")) ||
				   !json_equal(json_object_get(u, "params"), json_object_get(v, "params"))) {
				json_array_append_new(out, as_type(u, "modify"));
			}
		}
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach(o, k, u) {
			if (pf_ucomp_is_shared(u) || pf_ucomp_is_meter(u) != (pass == 1) || json_object_get(n, k) != NULL)
				continue;
			json_array_append_new(out, as_type(u, "delete"));
			if (!pf_ucomp_is_meter(u))
				json_array_append_new(unclaims, json_pack("[O,O]", json_object_get(u, "table"),
									  json_object_get(u, "key")));
		}
	json_decref(o);
	json_decref(n);
}

/* The session @op makes, placed in its UPF, its F-TEIDs chosen. */
static int
teid_of(void *arg, bool n9, uint32_t *teid)
{
	struct cctx *c = arg;
	struct pf_up *up = c->up;
	const struct pf_link *l = n9 ? &c->upf->n9 : &c->upf->n3;
	char err[128], *key;

	/* the next free one: not held by an intent or a session */
	for (int tries = 0; tries < 1024; tries++) {
		uint32_t t = ++up->teid_next[n9];
		json_t *u;
		const char *who;

		if (t == 0)
			continue;
		u = json_pack("{s:s,s:{s:i,s:I}}", "table", n9 ? UP_T_SESSIONS_N9_DOWNLINK : UP_T_SESSIONS_UPLINK,
			      "match", UP_F_IFACE, l->id, UP_F_TEID, (json_int_t)t);
		if (cd_tables_key(up->tables, u, &key, err, sizeof(err)) < 0) {
			json_decref(u);
			return -EINVAL;
		}
		who = held_by_other(up, json_string_value(json_object_get(u, "table")), key, NULL);
		free(key);
		json_decref(u);
		if (who == NULL) {
			*teid = t;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Does an intent or a session hold @addr's downlink already? */
static bool
ue_held(void *arg, int af, const uint8_t *addr)
{
	struct cctx *c = arg;
	char err[128], ue[INET6_ADDRSTRLEN], *key;
	json_t *u = json_pack("{s:s,s:{s:I,s:s}}", "table", af == AF_INET ? UP_T_SESSIONS_DOWNLINK :
			      UP_T_SESSIONS_DOWNLINK6, "match", UP_F_SLICE, (json_int_t)c->upf->slice, UP_F_UE,
			      inet_ntop(af, addr, ue, sizeof(ue)));
	bool held = true;   /* what cannot be asked is not handed out */

	if (u != NULL && cd_tables_key(c->up->tables, u, &key, err, sizeof(err)) == 0) {
		held = held_by_other(c->up, json_string_value(json_object_get(u, "table")), key, NULL) != NULL;
		free(key);
	}
	json_decref(u);
	return held;
}

/* A UE address of @pool, taken for the session @arg's compile chooses for */
static int
ue_of(void *arg, const struct pf_pool *pool, uint8_t *addr)
{
	struct cctx *c = arg;
	struct took *t = c->took;
	int rc;

	if (t->n_ue == 2)
		return -ENOSPC;
	if ((rc = pf_ueip_take(c->up->ueip, c->upf->name, pool, ue_held, c, addr)) < 0)
		return rc;
	t->ue[t->n_ue].af = pool->af;
	memcpy(t->ue[t->n_ue++].addr, addr, 16);
	snprintf(t->upf, sizeof(t->upf), "%s", c->upf->name);
	return 0;
}

/* A 5G LAN slot of the UPF's slice's bridge domain, taken for the session @arg's compile chooses for */
static int
lan_of(void *arg, uint8_t *slot)
{
	struct cctx *c = arg;
	int rc;

	if ((rc = pf_lan_take(c->up->lan, c->upf->name, (uint16_t)c->upf->slice, slot)) < 0)
		return rc;
	c->took->lan = (uint8_t)(*slot + 1);
	c->took->lan_bd = (uint16_t)c->upf->slice;
	snprintf(c->took->upf, sizeof(c->took->upf), "%s", c->upf->name);
	return 0;
}

void
pf_ucomp_chosen_hold(struct pf_up *up, const struct pf_upf *u, const struct pf_session *s, bool hold)
{
	uint8_t lan = 0;

	for (int i = 0; s != NULL && i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];

		for (int f = 0; f < 2; f++) {
			int af = f ? AF_INET6 : AF_INET;
			const uint8_t *a = f ? p->ue.v6 : p->ue.v4;

			if (!(f ? p->ue.ch6 && p->ue.has_v6 : p->ue.ch4 && p->ue.has_v4))
				continue;
			if (!hold)
				pf_ueip_put(up->ueip, u->name, af, a);
			else if (pf_ueip_take_this(up->ueip, u, af, a) == -ENOMEM)
				CD_LOG(ERR, "pfcp: out of memory holding the UE addresses of a session of UPF %s", u->name);
		}
		if (p->ethi && p->lan != 0)
			lan = p->lan;
	}
	if (lan == 0)
		return;
	if (!hold)
		pf_lan_put(up->lan, u->name, (uint16_t)u->slice, (uint8_t)(lan - 1));
	else if (pf_lan_take_this(up->lan, u->name, (uint16_t)u->slice, (uint8_t)(lan - 1)) == -ENOMEM)
		CD_LOG(ERR, "pfcp: out of memory holding the 5G LAN slot of a session of UPF %s", u->name);
}

void
pf_ucomp_unclaim(struct pf_up *up, json_t *keys)
{
	json_t *k;
	size_t i;

	json_array_foreach(keys, i, k)
		pf_ucomp_claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)), NULL);
}

/* Whether @op's answer waits for its counters read after it is applied:
 * a Deletion's final reports, a Query URR's, a removed URR's, and a link
 * of a PDR's counter to a URR made or gone (pf_usage_update takes a new
 * link's base and a gone one's last bytes from them). A Modification
 * that keeps every link and URR (a FAR's tunnel, a QER, a URR's
 * threshold) measures on as it did: no read, one round trip less. */
static bool
usage_moves(const struct us *us, const struct op *op)
{
	const struct pf_session *s = op->next_s;
	int nl = 0;

	if (op->kind == OP_DEL)
		return us->use.n_meas > 0;
	if (op->kind != OP_MOD)
		return false;
	if (s == NULL)
		return us->use.n_meas > 0;
	if (op->mod.n_query_urr > 0 || op->mod.n_rm_urr > 0)
		return true;
	for (int j = 0; j < us->use.n_meas; j++) {
		bool kept = false;

		for (int i = 0; i < s->n_urr && !kept; i++)
			kept = s->urr[i].id == us->use.meas[j].urr;
		if (!kept)
			return true;
	}
	for (int i = 0; i < s->n_pdr; i++) {
		const struct pf_pdr *p = &s->pdr[i];
		const struct pf_rid *k = kv_find((struct pf_rid *)op->took.cnt, op->took.n_cnt, p->id);

		if (k == NULL || k->id == 0)
			continue;
		for (int m = 0; m < p->n_urr; m++) {
			bool kept = false;

			for (int j = 0; j < us->use.n_link && !kept; j++)
				kept = us->use.link[j].pdr == p->id && us->use.link[j].urr == p->urr[m] &&
				       us->use.link[j].ctr == k->id;
			if (!kept)
				return true;
			nl++;
		}
	}
	return nl != us->use.n_link;
}

/* Compile @op: its writes, ids and claims; -1 (answered) when refused. */
int
pf_ucomp_op(struct pf_up *up, struct op *op)
{
	struct pf_map_err e = { .f = { .cause = PF_CAUSE_SYSTEM_FAILURE, .rule_kind = PF_RULE_NONE } };
	struct us *us = op->us;
	json_t *old = json_array(), *now = json_array(), *k;
	const struct pf_upf *u = NULL;
	struct cctx cc = { .up = up };
	uint64_t cp_seid = op->next_s ? op->next_s->cp.seid : us && us->s ? us->s->cp.seid : 0;
	size_t i;
	int rc = 0;

	op->ups = json_array();
	op->claims = json_array();
	op->unclaims = json_array();
	if (op->kind == OP_RESTORE && us == NULL)
		goto shared;
	if (op->kind == OP_EST) {
		pf_upfs_refresh(&up->upfs, up->res);
		if ((u = pf_map_upf(&up->upfs, op->next_s, &e)) == NULL) {
			rc = -EINVAL;
			goto out;
		}
		cc.upf = u;
		cc.took = &op->took;
		if ((rc = pf_map_choose(u, op->next_s, teid_of, &cc, &e)) < 0 ||
		    (rc = pf_map_choose_ue(u, op->next_s, NULL, ue_of, &cc, &e)) < 0 ||
		    (rc = pf_map_choose_lan(u, op->next_s, NULL, lan_of, &cc, &e)) < 0)
			goto out;
		if ((us->upf = pf_ucomp_snap_of(up, u)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (op->kind == OP_MOD) {
		cc.upf = &us->upf->u;
		cc.took = &op->took;
		if ((rc = pf_map_choose(&us->upf->u, op->next_s, teid_of, &cc, &e)) < 0 ||
		    (rc = pf_map_choose_ue(&us->upf->u, op->next_s, us->s, ue_of, &cc, &e)) < 0 ||
		    (rc = pf_map_choose_lan(&us->upf->u, op->next_s, us->s, lan_of, &cc, &e)) < 0)
			goto out;
	}
	/* what it holds now */
	if (op->kind != OP_EST && op->kind != OP_RESTORE &&
	    (rc = pf_ucomp_compile_one(up, us, &us->upf->u, us->s, us->sess_id, NULL, old, &e)) < 0) {
		CD_LOG(ERR, "pfcp: session %s does not compile as installed: %s", json_string_value(us->owner), e.why);
		rc = 0;		/* what it holds is what it was written with: a changed UPF; write from scratch */
		json_array_clear(old);
	}
	if (op->kind == OP_EST || op->kind == OP_MOD || op->kind == OP_REARM) {
		if ((rc = pf_ucomp_compile_one(up, us, &us->upf->u, op->next_s ? op->next_s : us->s, us->sess_id, &op->took,
				      now, &e)) < 0)
			goto out;
	}
shared:
	if (op->kind == OP_RESTORE && us == NULL) {   /* the shared entries sessions name */
		json_t *all = pf_shared_all(up->shared);

		json_array_extend(op->ups, all);
		json_decref(all);
		goto out;
	}
	if (op->kind == OP_RESTORE) {   /* into an sxdp that lost it: all of it again */
		if ((rc = pf_ucomp_compile_one(up, us, &us->upf->u, us->s, us->sess_id, NULL, now, &e)) < 0)
			goto out;
		json_array_foreach(now, i, k)
			if (!pf_ucomp_is_shared(k))
				json_array_append_new(op->ups, as_type(k, "insert"));
		goto out;
	}
	diff(old, now, op->ups, op->claims, op->unclaims);
	/* who else holds what it is to hold */
	json_array_foreach(op->claims, i, k) {
		const char *t = json_string_value(json_array_get(k, 0)), *key = json_string_value(json_array_get(k, 1));
		const char *who = held_by_other(up, t, key, us->owner);

		if (who != NULL) {
			json_t *w;
			size_t j;
			uint16_t pdr = 0;

			json_array_foreach(now, j, w)
				if (strcmp(json_string_value(json_object_get(w, "key")), key) == 0 &&
				    strcmp(json_string_value(json_object_get(w, "table")), t) == 0)
					pdr = (uint16_t)json_integer_value(json_object_get(w, "pdr"));
			e.f = (struct pf_fail){ .cause = PF_CAUSE_RULE_FAILURE, .rule_kind = pdr ? PF_RULE_PDR :
						PF_RULE_NONE, .rule_id = pdr, .offending_ie = 0 };
			snprintf(e.why, sizeof(e.why), "PDR %u: %s %s is %s's", pdr, t, key, who);
			json_array_clear(op->claims);   /* none taken yet */
			rc = -EEXIST;
			goto out;
		}
	}
	json_array_foreach(op->claims, i, k)
		pf_ucomp_claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)),
			  us->owner);
	if (op->kind == OP_MOD || op->kind == OP_DEL || op->kind == OP_REARM)
		pf_ucomp_shared_of(up, us, true);
	/* the old tunnels an end marker goes into: their peers kept until it is asked for */
	for (int k = 0; op->kind == OP_MOD && k < op->mod.n_sndem; k++) {
		const struct pf_far *f = pf_sess_far(us->s, op->mod.sndem_far[k]);
		bool v6;
		uint16_t peer;

		if (f == NULL || !f->has_ohc || f->dst_iface != PF_IF_ACCESS)
			continue;
		v6 = pf_ohc_v6(&f->ohc, us->upf->u.n3.af);
		if (pf_shared_peer_find(up->shared, &us->upf->u, false, v6 ? AF_INET6 : AF_INET, v6 ? f->ohc.v6 : f->ohc.v4,
					f->has_tlm ? (uint8_t)(f->tos >> 2) : 64, &peer) == 0) {
			pf_shared_peer_get(up->shared, peer);
			op->em[op->n_em].peer = peer;
			op->em[op->n_em++].teid = f->ohc.teid;
		}
	}
	/* its usage measured once it is applied: the counters it had and has */
	op->read = usage_moves(us, op);
out:
	json_decref(old);
	json_decref(now);
	if (rc < 0) {
		pf_ucomp_took_undo(up, us, &op->took);
		pf_answer_refuse(up, op->t, cp_seid, &e.f, e.why);
		op->t = NULL;
		return -1;
	}
	return 0;
}

/* @op's batch was refused or lost: what it took given back. */
void
pf_ucomp_undo(struct pf_up *up, struct op *op)
{
	json_t *k;
	size_t i;

	json_array_foreach(op->claims, i, k)
		pf_ucomp_claim_set(up, json_string_value(json_array_get(k, 0)), json_string_value(json_array_get(k, 1)), NULL);
	json_array_clear(op->claims);
	pf_ucomp_took_undo(up, op->kind == OP_EST ? NULL : op->us, &op->took);
	if (op->us != NULL && op->kind != OP_EST)
		pf_ucomp_shared_of(up, op->us, false);
	for (int k = 0; k < op->n_em; k++)
		pf_shared_peer_put(up->shared, op->em[k].peer);
	op->n_em = 0;
	json_decref(op->ups);
	json_decref(op->unclaims);
	op->ups = op->unclaims = NULL;
	if (op->kind == OP_EST && op->us->upf != NULL) {
		pf_ucomp_snap_put(up, op->us->upf);
		op->us->upf = NULL;
	}
}
