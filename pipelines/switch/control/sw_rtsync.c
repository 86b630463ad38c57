/* SPDX-License-Identifier: BSD-3-Clause */
/* The routes the twins learned made what sxdp holds in the slices' VRFs (see sw_rtsync.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <event2/event.h>

#include "cd_host.h"
#include "cd_kind.h"
#include "cd_vis.h"
#include "sw_names.h"
#include "sw_rib.h"
#include "sw_rtsync.h"

#define SLICES_MAX SW_RTSYNC_SLICES

/* What became of a learned prefix in sxdp (sw_rib_pfx.state). */
enum sw_rt_state { ST_NONE, ST_INSTALLED, ST_SHADOWED, ST_UNRESOLVED, ST_REFUSED, ST_OFF, ST_N };
static const char *const st_name[ST_N] = { "pending", "installed", "shadowed", "unresolved", "refused", "off" };

/* An update in flight and the prefix it is for. */
struct inflight {
	struct sw_rib_pfx *p;
	uint64_t sig;
	int op;			/* 0 insert, 1 modify, 2 delete */
};

static struct {
	struct sw_rtsync_env env;
	const struct cd_tables *tables;		/* sxdp's, while connected */
	struct event *flush;
	uint8_t imp[SLICES_MAX];		/* slices whose routes are imported */
	uint32_t cnt[SLICES_MAX][ST_N];		/* prefixes by state, per slice */
	json_t *owned_prev;			/* "TABLE|KEY" owned in importing VRFs at the last tick */
	struct inflight *fl;
	size_t n_fl;
	bool busy;
	/* what the first sxdp this sxcd meets holds in the importing slices'
	 * VRFs, read once: a learned route an sxcd before wrote and the
	 * kernel no longer has goes, whatever happened meanwhile */
	bool adopt, adopting;
	uint64_t writes, deletes, refusals;
} S;

#define note S.env.note

static void flush_soon(void);

static int
sid_of(const struct sw_rib_pfx *p)
{
	return (int)p->slice;
}

static void
set_state(struct sw_rib_pfx *p, enum sw_rt_state st)
{
	int sid = sid_of(p);

	if (sid <= 0 || sid >= SLICES_MAX || p->state == st)
		return;
	if (p->state != ST_NONE && S.cnt[sid][p->state] > 0)
		S.cnt[sid][p->state]--;
	if (st != ST_NONE)
		S.cnt[sid][st]++;
	p->state = (uint8_t)st;
}

/* --------------------------------------------------- sxdp's entry of one */

static void
pfx_text(const struct sw_rib_pfx *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->af, p->dst, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, p->plen);
}

/* The digest of what sxdp should hold for @p (@res, at most @max next
 * hops): 0 stands for nothing, 1 for "an entry not known to be ours". */
static uint64_t
sig_of(const struct sw_rib_res *res, int max)
{
	uint64_t h = 1469598103934665603ULL;
	int n = res->n < max ? res->n : max;

	h = (h ^ (uint64_t)res->act) * 1099511628211ULL;
	for (int i = 0; i < n; i++)
		for (int b = 0; b < 16; b++)
			h = (h ^ res->hop[i].gw[b]) * 1099511628211ULL;
	return h <= 1 ? h + 2 : h;
}

/* The update (table.write's) of type @type that gives sxdp @res for @p
 * (new). */
static json_t *
update_of(const struct sw_rib_pfx *p, const struct sw_rib_res *res, const char *type)
{
	bool v6 = p->af == AF_INET6;
	int max = v6 ? SW_RTSYNC_ECMP6 : SW_RTSYNC_ECMP4, n = res->n < max ? res->n : max;
	char pfx[64], nh[INET6_ADDRSTRLEN], key[8];
	json_t *params, *u;

	pfx_text(p, pfx, sizeof(pfx));
	u = json_pack("{s:s,s:s,s:{s:i,s:s}}", "type", type, "table", v6 ? SW_T_ROUTES6 : SW_T_ROUTES, "match",
		      SW_F_VRF, sid_of(p), SW_F_DST, pfx);
	if (strcmp(type, "delete") == 0)
		return u;
	params = json_object();
	if (res->act == SW_RIB_DROP) {
		json_object_set_new(u, "action", json_string(SW_A_DROP));
	} else if (n == 1) {
		json_object_set_new(u, "action", json_string(SW_A_VIA));
		json_object_set_new(params, SW_F_NH, json_string(inet_ntop(p->af, res->hop[0].gw, nh, sizeof(nh))));
	} else {
		json_object_set_new(u, "action", json_string(SW_A_ECMP));
		json_object_set_new(params, SW_F_N, json_integer(n));
		for (int i = 0; i < max; i++) {
			snprintf(key, sizeof(key), SW_F_NH_FMT, i);
			json_object_set_new(params, key, json_string(i < n ? inet_ntop(p->af, res->hop[i].gw, nh, sizeof(nh)) :
							       v6 ? "::" : "0.0.0.0"));
		}
	}
	json_object_set_new(u, "params", params);
	return u;
}

/* Whose intent holds @u's entry in sxdp, or will at the run under way
 * ("kind/name"), NULL: none. */
static const char *
owner_of(json_t *u)
{
	const char *table = json_string_value(json_object_get(u, "table")), *who;
	char *key = NULL, err[128];

	if (S.tables == NULL || cd_tables_key(S.tables, u, &key, err, sizeof(err)) < 0)
		return NULL;
	who = json_string_value(json_object_get(json_object_get(cd_host_state(S.env.res, "owners"), table), key));
	if (who == NULL && json_object_get(json_object_get(cd_host_state(S.env.res, "owned"), table), key) != NULL)
		who = "sxcd";
	if (who == NULL)
		who = cd_host_wanted_by(S.env.sync, table, key);
	free(key);
	return who;
}

/* ------------------------------------------------------------- writes */

/* A prefix the twin no longer has and sxdp no longer holds goes. */
static void
reap(struct sw_rib_pfx *p)
{
	if (p->rts == NULL && p->held == 0 && !p->dirty) {
		set_state(p, ST_NONE);
		sw_rib_reap(S.env.rib, p);
	}
}

static void
written(void *arg, json_t *result, json_t *error)
{
	json_t *r;
	size_t i;

	(void)arg;
	S.busy = false;
	for (i = 0; i < S.n_fl; i++) {
		struct inflight *f = &S.fl[i];
		const char *reason;

		r = json_array_get(json_object_get(result, "results"), i);
		if (error != NULL || r == NULL) {
			/* not said: done again, as what sxdp holds is not known */
			f->p->held = f->op == 2 ? f->p->held : 1;
			sw_rib_dirty(S.env.rib, f->p);
			continue;
		}
		if (json_is_true(json_object_get(r, "ok"))) {
			f->p->held = f->op == 2 ? 0 : f->sig;
			if (f->op == 2)
				S.deletes++;
			else
				S.writes++;
			if (f->op != 2)
				set_state(f->p, ST_INSTALLED);
			reap(f->p);
			continue;
		}
		reason = json_string_value(json_object_get(json_object_get(json_object_get(r, "error"), "data"),
							   "reason"));
		if (reason != NULL && strcmp(reason, "exists") == 0) {
			f->p->held = 1;		/* someone's entry is there: modified next */
			sw_rib_dirty(S.env.rib, f->p);
		} else if (reason != NULL && strcmp(reason, "not_found") == 0) {
			f->p->held = 0;
			sw_rib_dirty(S.env.rib, f->p);
		} else if (reason != NULL && strcmp(reason, "not_applied") == 0) {
			sw_rib_dirty(S.env.rib, f->p);
		} else {
			char pfx[64];

			pfx_text(f->p, pfx, sizeof(pfx));
			S.refusals++;
			set_state(f->p, ST_REFUSED);
			note("slice %d %s: sxdp refused it (%s): %s", sid_of(f->p), pfx, reason ? reason : "refused",
			     json_string_value(json_object_get(json_object_get(r, "error"), "message")) ?: "");
			reap(f->p);
		}
	}
	if (error != NULL && !cd_host_lost(error))
		note("table.write: %s", json_string_value(json_object_get(error, "message")) ?: "failed");
	S.n_fl = 0;
	flush_soon();
}

/* Up to SW_RTSYNC_BATCH dirty prefixes made what they should be in sxdp. */
static void
flush(void)
{
	json_t *ups;
	struct sw_rib_pfx *p;

	if (S.busy || S.adopting || S.env.rib == NULL || S.tables == NULL || !cd_host_up(S.env.sxdp))
		return;
	ups = json_array();
	while (S.n_fl < SW_RTSYNC_BATCH && (p = sw_rib_dirty_pop(S.env.rib)) != NULL) {
		struct sw_rib_res res;
		uint64_t sig;
		int sid = sid_of(p);
		const char *type;

		sw_rib_resolve(S.env.rib, p, &res);
		sig = sig_of(&res, p->af == AF_INET6 ? SW_RTSYNC_ECMP6 : SW_RTSYNC_ECMP4);
		if (sid <= 0 || sid >= SLICES_MAX || !S.imp[sid]) {
			sig = 0;
			set_state(p, p->rts ? ST_OFF : ST_NONE);
		} else if (res.act == SW_RIB_NONE) {
			sig = 0;
			set_state(p, p->rts ? ST_UNRESOLVED : ST_NONE);
		}
		/* an intent's entry is the intent's: never written, never
		 * deleted (owners_check keeps the flag) */
		if (p->owned) {
			p->held = 0;
			set_state(p, p->rts ? ST_SHADOWED : ST_NONE);
			reap(p);
			continue;
		}
		if (sig == p->held) {
			if (sig != 0)
				set_state(p, ST_INSTALLED);
			reap(p);
			continue;
		}
		type = sig == 0 ? "delete" : p->held ? "modify" : "insert";
		S.fl[S.n_fl] = (struct inflight){ .p = p, .sig = sig, .op = sig == 0 ? 2 : p->held ? 1 : 0 };
		json_array_append_new(ups, update_of(p, &res, type));
		S.n_fl++;
	}
	if (S.n_fl == 0) {
		json_decref(ups);
		return;
	}
	if (cd_host_call(S.env.sxdp, "table.write", json_pack("{s:o,s:s}", "updates", ups, "atomicity", "continue"),
			 written, NULL) < 0) {
		/* down: put back, the next connect writes them */
		for (size_t i = 0; i < S.n_fl; i++)
			sw_rib_dirty(S.env.rib, S.fl[i].p);
		S.n_fl = 0;
		return;
	}
	S.busy = true;
}


/* Prefixes whose owner changed since the last tick made dirty: an
 * operator's pinned route came (the learned one is shadowed) or went (it
 * comes back). Only keys of importing slices' VRFs count. */
static void
owners_check(void)
{
	json_t *owned = cd_host_state(S.env.res, "owned"), *now = json_object(), *v, *m;
	const char *tables[2] = { SW_T_ROUTES, SW_T_ROUTES6 }, *k;
	char buf[300];
	void *tmp;

	for (int t = 0; t < 2; t++) {
		json_object_foreach(json_object_get(owned, tables[t]), k, v) {
			snprintf(buf, sizeof(buf), "%s|%s", tables[t], k);
			json_object_set_new(now, buf, json_true());
			if (S.owned_prev != NULL && json_object_get(S.owned_prev, buf) != NULL)
				json_object_del(S.owned_prev, buf);
			else
				json_object_set_new(now, buf, json_false());	/* new: look */
		}
	}
	/* new ones (false in @now) and gone ones (left in owned_prev) */
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach_safe(pass == 0 ? now : S.owned_prev ? S.owned_prev : now, tmp, k, v) {
			const char *bar = strchr(k, '|'), *dst;
			json_int_t vrf;
			uint8_t a[16];
			unsigned int plen;
			char addr[INET6_ADDRSTRLEN + 1];
			struct sw_rib_pfx *p;
			int af;

			if (pass == 0 && json_is_true(v))
				continue;
			if (pass == 0)
				json_object_set_new(now, k, json_true());
			if (pass == 1 && S.owned_prev == NULL)
				break;
			/* a canonical key: {"match": {...}} */
			if (bar == NULL || (m = json_loads(bar + 1, 0, NULL)) == NULL)
				continue;
			vrf = cd_num(json_object_get(m, "match"), SW_F_VRF, -1);
			dst = cd_str(json_object_get(m, "match"), SW_F_DST);
			if (vrf > 0 && vrf < SLICES_MAX && S.imp[vrf] && dst != NULL && strchr(dst, '/') != NULL &&
			    strlen(dst) < sizeof(addr)) {
				snprintf(addr, sizeof(addr), "%.*s", (int)(strchr(dst, '/') - dst), dst);
				plen = (unsigned int)atoi(strchr(dst, '/') + 1);
				af = strchr(addr, ':') ? AF_INET6 : AF_INET;
				memset(a, 0, sizeof(a));
				if (inet_pton(af, addr, a) == 1 &&
				    (p = pass == 0 ? sw_rib_get(S.env.rib, (uint32_t)vrf, af, a, (uint8_t)plen) :
					sw_rib_find(S.env.rib, (uint32_t)vrf, af, a, (uint8_t)plen)) != NULL) {
					p->owned = pass == 0;
					sw_rib_dirty(S.env.rib, p);
				}
			}
			json_decref(m);
		}
	}
	json_decref(S.owned_prev);
	S.owned_prev = now;
}

/* ----------------------------------------------------------- adoption */

static void adopt_read(const char *table, unsigned int offset);

/* A page of sxdp's routes (or routes6): every entry of an importing
 * slice's VRF no intent owns is a prefix sxdp holds, learned by a sxcd
 * before this one or written by hand; the flush makes it what the twin
 * says (modified, or deleted when the twin has no such route). */
static void
adopted(void *arg, json_t *result, json_t *error)
{
	const char *table = arg;
	json_t *e, *m, *next;
	size_t i;

	if (error != NULL || result == NULL) {
		S.adopting = false;
		S.adopt = cd_host_lost(error);	/* the next connect reads again */
		if (!cd_host_lost(error))
			note("reading sxdp's %s: %s", table,
			     json_string_value(json_object_get(error, "message")) ?: "failed");
		flush_soon();
		return;
	}
	json_array_foreach(json_object_get(result, "entries"), i, e) {
		json_int_t vrf = cd_num(m = json_object_get(e, "match"), SW_F_VRF, -1);
		const char *dst = cd_str(m, SW_F_DST), *slash;
		char addr[INET6_ADDRSTRLEN + 1];
		struct sw_rib_pfx *p;
		uint8_t a[16] = { 0 };
		json_t *u;
		int af;

		if (vrf <= 0 || vrf >= SLICES_MAX || !S.imp[vrf] || dst == NULL || (slash = strchr(dst, '/')) == NULL ||
		    (size_t)(slash - dst) >= sizeof(addr))
			continue;
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - dst), dst);
		af = strchr(addr, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, addr, a) != 1)
			continue;
		u = json_pack("{s:s,s:O}", "table", table, "match", m);
		if (owner_of(u) == NULL &&
		    (p = sw_rib_get(S.env.rib, (uint32_t)vrf, af, a, (uint8_t)atoi(slash + 1))) != NULL && p->held == 0) {
			p->held = 1;	/* an entry not known to be ours: made ours */
			sw_rib_dirty(S.env.rib, p);
		}
		json_decref(u);
	}
	next = json_object_get(result, "next_offset");
	if (json_is_integer(next))
		adopt_read(table, (unsigned int)json_integer_value(next));
	else if (strcmp(table, SW_T_ROUTES) == 0)
		adopt_read(SW_T_ROUTES6, 0);
	else {
		S.adopting = false;
		flush_soon();
	}
}

static void
adopt_read(const char *table, unsigned int offset)
{
	if (cd_host_call(S.env.sxdp, "table.read", json_pack("{s:s,s:i,s:i}", "table", table, "offset", (int)offset,
							 "limit", 1000), adopted, (void *)table) < 0) {
		S.adopting = false;
		S.adopt = true;
	}
}

/* Once the twins are read and nothing is in flight: sxdp read. */
static void
adopt_start(bool twins_read)
{
	if (!S.adopt || S.adopting || S.busy || !twins_read || S.tables == NULL || !cd_host_up(S.env.sxdp))
		return;
	S.adopt = false;
	S.adopting = true;
	adopt_read(SW_T_ROUTES, 0);
}

/* ----------------------------------------------------------------- API */

static void
on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	flush();
}

static void
flush_soon(void)
{
	struct timeval now = { 0, 0 };

	if (S.flush != NULL && !S.busy)
		evtimer_add(S.flush, &now);
}

int
sw_rtsync_start(const struct sw_rtsync_env *env)
{
	S.env = *env;
	if ((S.fl = calloc(SW_RTSYNC_BATCH, sizeof(*S.fl))) == NULL ||
	    (S.flush = evtimer_new(env->base, on_flush_timer, NULL)) == NULL)
		return -ENOMEM;
	return 0;
}

void
sw_rtsync_stop(void)
{
	if (S.flush != NULL)
		event_free(S.flush);
	S.flush = NULL;
	json_decref(S.owned_prev);
	S.owned_prev = NULL;
	free(S.fl);
	S.fl = NULL;
	S.n_fl = 0;
	S.busy = S.adopting = false;
	memset(S.cnt, 0, sizeof(S.cnt));
}

void
sw_rtsync_kick(void)
{
	flush_soon();
}

static void
forget_held(struct sw_rib_pfx *p, void *arg)
{
	(void)arg;
	p->held = 0;
	sw_rib_dirty(S.env.rib, p);
}

void
sw_rtsync_sxdp(const struct cd_tables *t, bool restarted, bool first)
{
	S.tables = t;
	if (t == NULL)
		return;
	/* a new sxdp holds none of it: every prefix written again; the
	 * first one this sxcd meets may hold what an sxcd before it wrote
	 * (read once); the same one again holds what sxcd knows it holds */
	if (restarted)
		sw_rib_each(S.env.rib, 0, forget_held, NULL);
	if (first)
		S.adopt = true;
	flush_soon();
}

static void
dirty_changed(struct sw_rib_pfx *p, void *arg)
{
	const uint8_t *changed = arg;

	if (changed[p->slice])
		sw_rib_dirty(S.env.rib, p);
}

void
sw_rtsync_import(const uint8_t *imp)
{
	uint8_t changed[SLICES_MAX] = { 0 };
	int n = 0;

	for (int s = 1; s < SLICES_MAX; s++) {
		if (imp[s] != S.imp[s]) {
			S.imp[s] = imp[s];
			changed[s] = 1;
			n++;
		}
	}
	/* the prefixes of the slices whose import changed, in one walk; their
	 * owned prefixes looked at again, all of them */
	if (n > 0) {
		sw_rib_each(S.env.rib, 0, dirty_changed, changed);
		json_decref(S.owned_prev);
		S.owned_prev = NULL;
	}
}

bool
sw_rtsync_importing(int sid)
{
	return sid > 0 && sid < SLICES_MAX && S.imp[sid];
}

void
sw_rtsync_tick(bool twins_read)
{
	owners_check();
	adopt_start(twins_read);
	flush();
}

const char *
sw_rtsync_state(const struct sw_rib_pfx *p)
{
	return p->state < ST_N ? st_name[p->state] : "?";
}

json_t *
sw_rtsync_counts(int sid)
{
	json_t *o = json_object();
	uint64_t n[ST_N] = { 0 }, all = 0;

	for (int s = sid ? sid : 1; s < (sid ? sid + 1 : SLICES_MAX); s++)
		for (int k = ST_INSTALLED; k < ST_N; k++)
			n[k] += S.cnt[s][k];
	for (int k = ST_INSTALLED; k < ST_N; k++) {
		json_object_set_new(o, st_name[k], json_integer((json_int_t)n[k]));
		all += n[k];
	}
	json_object_set_new(o, "learned", json_integer((json_int_t)all));
	return o;
}

void
sw_rtsync_stats(struct sw_rtsync_stats *st)
{
	*st = (struct sw_rtsync_stats){ .writes = S.writes, .deletes = S.deletes, .refusals = S.refusals };
}

void
sw_rtsync_metrics(struct cd_vis_fams *f)
{
	char sid[16];

	for (int s = 1; s < SLICES_MAX; s++) {
		if (!S.imp[s])
			continue;
		snprintf(sid, sizeof(sid), "%d", s);
		for (int k = ST_INSTALLED; k < ST_N; k++)
			cd_vis_sample(f, "sxcd_routing_learned_prefixes", "gauge",
				      "Prefixes a slice's twin learned (a routing suite's), by what became of them in sxdp",
				      (double)S.cnt[s][k], "slice", sid, "state", st_name[k], NULL);
	}
	cd_vis_sample(f, "sxcd_routing_writes_total", "counter", "Learned routes sxcd wrote to sxdp",
		      (double)S.writes, NULL);
	cd_vis_sample(f, "sxcd_routing_deletes_total", "counter", "Learned routes sxcd took back from sxdp",
		      (double)S.deletes, NULL);
	cd_vis_sample(f, "sxcd_routing_refusals_total", "counter", "Learned routes sxdp refused",
		      (double)S.refusals, NULL);
}
