/* SPDX-License-Identifier: BSD-3-Clause */
/* This box's report in the fleet's store under a lease, and the fleet's view (see cd_box.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cd_box.h"
#include "cd_etcd.h"
#include "cd_fleet.h"
#include "cd_log.h"
#include "cd_rstatus.h"
#include "cd_view.h"

#ifndef SXDP_VERSION
#define SXDP_VERSION "unknown"
#endif

#define LIVE_SUFFIX "/live"
#define SEEN_SUFFIX "/seen"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct topo_req {
	struct cd_box *b;	/* NULL: the box is gone, the answer dropped */
};

struct cd_box {
	struct event_base *base;
	struct cd_fleet *f;
	struct cd_etcd *etcd;
	struct cd_res *res;
	struct cd_sync *sync;
	char *key, *live_key, *boxes, *boxes_end;
	struct event *tick, *check;
	int64_t lease;			/* 0: none (granted next tick) */
	bool live_put;			/* the live key is under @lease */
	struct cd_etcd_call *granting, *keeping, *writing, *living;
	struct topo_req *topo;		/* a topology view under way */
	bool dirty;			/* a report is due once the write under way is done */
	json_t *intents;		/* the phases last reported */
	json_t *view;			/* the topology keys last read (NULL: sxdp away) */
	json_t *sig;			/* what the last report said that matters (not counters) */
	uint64_t written_ms;		/* when it was written (monotonic) */
	size_t written_len;		/* ... and its size */
	char *seen_key;
	struct cd_etcd_call *seeing;	/* the heartbeat under way */
	uint64_t seen_ms;		/* when it was last written */
	unsigned int writes, leases;
	bool leaving;			/* sxcd stops: the last report says so */
	unsigned int parting;		/* ... and the calls of the leave not yet answered */
};

/* ------------------------------------------------------------ the report */

/* "KIND/NAME" → {phase, generation, observedGeneration} of every live intent
 * of this site's (new). */
static json_t *
intents_now(struct cd_box *b)
{
	json_t *gens = cd_res_generations(b->res), *out = json_object(), *g;
	const char *who;

	json_object_foreach(gens, who, g) {
		json_t *st = cd_rstatus_of(b->res, who);
		json_t *o;

		/* placed at other sites (Ready, "elsewhere"): no box of theirs says
		 * anything of it, so a report names this site's intents only (a
		 * 100-site fleet's 1,000 slices are each a few boxes', not all) */
		if (json_object_get(st, "elsewhere") != NULL &&
		    json_equal(json_object_get(st, "observedGeneration"), g))
			continue;
		o = json_pack("{s:s,s:O}", "phase", json_string_value(json_object_get(st, "phase")) ?: "Pending",
			      "generation", g);

		if (json_object_get(st, "observedGeneration") != NULL)
			json_object_set(o, "observedGeneration", json_object_get(st, "observedGeneration"));
		/* why one is not Ready, for the fleet's view: short, a report is per box */
		if (json_is_array(json_object_get(st, "waiting_for")))
			json_object_set(o, "waiting_for", json_object_get(st, "waiting_for"));
		for (int f = 0; f < 2; f++) {
			const char *k = f ? "message" : "reason";
			const char *v = json_string_value(json_object_get(st, k));

			size_t n = v ? strlen(v) : 0;

			if (v == NULL || strcmp(json_string_value(json_object_get(st, "phase")) ?: "",
						"Ready") == 0)
				continue;
			if (n > CD_BOX_WHY_MAX)	/* cut at a character's start */
				for (n = CD_BOX_WHY_MAX; n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80; n--)
					;
			json_object_set_new(o, k, json_sprintf("%.*s%s", (int)n, v,
							       v[n] != '\0' ? "…" : ""));
		}
		json_object_set_new(out, who, o);
	}
	json_decref(gens);
	return out;
}

static json_t *
report(struct cd_box *b)
{
	json_t *sx = cd_sync_info(b->sync), *rec = json_object_get(sx, "reconcile");
	char now[32];
	json_t *r;

	cd_res_now(now, sizeof(now));
	r = json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:{s:O*,s:O*,s:O*,s:O*,s:O*},s:O,s:o,s:o}",
		      "site", cd_fleet_site(b->f), "version", SXDP_VERSION, "seen", now,
		      "seen_unix", (json_int_t)time(NULL), "store", cd_fleet_state(b->f),
		      "revision", (json_int_t)cd_fleet_revision(b->f),
		      "sxdp", "state", json_object_get(sx, "state"), "boot_id",
		      json_object_get(sx, "boot_id"), "version", json_object_get(sx, "version"),
		      "writes", json_object_get(rec, "writes"), "runs", json_object_get(rec, "runs"),
		      "intents", b->intents, "phases", cd_rstatus_phases(b->res), "view",
		      b->view ? json_incref(b->view) : json_object());
	json_decref(sx);
	if (r != NULL && b->leaving)
		json_object_set_new(r, "stopped", json_true());
	return r;
}

static void write_report(struct cd_box *b);
static void parted(struct cd_box *b);

/* What a report says that is worth a write: not its counters, RTTs, times. */
static json_t *
signature(struct cd_box *b, json_t *r)
{
	json_t *sx = json_object_get(r, "sxdp"), *states = json_array(), *v, *row, *p;
	const char *k;
	size_t i, j;

	json_object_foreach(b->view, k, v)
		json_array_foreach(v, i, row)
			json_array_foreach(json_object_get(row, "paths"), j, p)
				json_array_append(states, json_object_get(p, "state") ?: json_null());
	return json_pack("{s:O,s:O*,s:O*,s:O*,s:o}", "intents", b->intents, "sxdp",
			 json_object_get(sx, "state"), "boot", json_object_get(sx, "boot_id"), "store",
			 json_object_get(r, "store"), "paths", states);
}

/* A big report (many intents) is written at most every CD_BOX_BIG_PACE_MS:
 * each write is a revision etcd keeps until a compaction. */
static bool
paced(struct cd_box *b)
{
	return b->written_len > CD_BOX_BIG && now_ms() - b->written_ms < CD_BOX_BIG_PACE_MS;
}

/* Written when what it says changed (its time is the seen key's). */
static void
maybe_write(struct cd_box *b)
{
	json_t *r = paced(b) ? NULL : report(b), *sig = r ? signature(b, r) : NULL;
	bool due = r != NULL && (sig == NULL || !json_equal(sig, b->sig));

	json_decref(r);
	json_decref(sig);
	if (due)
		write_report(b);
}

static void
on_written(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	(void)answer;
	b->writing = NULL;
	if (rc == 0)
		b->writes++;
	if (b->leaving)
		parted(b);
	else if (b->dirty)
		write_report(b);
}

static void
write_report(struct cd_box *b)
{
	json_t *r, *req;
	char *s;

	if (b->writing != NULL) {
		b->dirty = true;
		return;
	}
	b->dirty = false;
	r = report(b);
	json_decref(b->sig);
	b->sig = r ? signature(b, r) : NULL;
	b->written_ms = now_ms();
	s = r ? json_dumps(r, JSON_COMPACT) : NULL;
	json_decref(r);
	if (s == NULL)
		return;
	b->written_len = strlen(s);
	req = json_pack("{s:o,s:o}", "key", cd_etcd_b64j(b->key), "value", cd_etcd_b64j(s));
	free(s);
	b->writing = cd_etcd_call(b->etcd, "kv/put", req, false, on_written, b);
	json_decref(req);
}

/* ------------------------------------------------------------ the topology */

static void
on_topo(void *arg, json_t *body)
{
	struct topo_req *t = arg;
	struct cd_box *b = t->b;
	const struct cd_vis_view *v;

	free(t);
	if (b == NULL) {
		json_decref(body);
		return;
	}
	b->topo = NULL;
	json_decref(b->view);
	b->view = NULL;
	if (body != NULL) {
		b->view = json_object();
		for (int i = 0; (v = cd_vis_view_at(CD_VIEW_TOPOLOGY, i)) != NULL; i++)
			if (v->fleet && json_object_get(body, v->key) != NULL)
				json_object_set(b->view, v->key, json_object_get(body, v->key));
		json_decref(body);
	}
	maybe_write(b);
}

/* ------------------------------------------------------------ the lease */

static void
on_live(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	(void)answer;
	b->living = NULL;
	b->live_put = rc == 0;
}

static void
put_live(struct cd_box *b)
{
	json_t *req = json_pack("{s:o,s:o,s:o}", "key", cd_etcd_b64j(b->live_key), "value",
				cd_etcd_b64j(cd_fleet_site(b->f)), "lease",
				json_sprintf("%lld", (long long)b->lease));

	b->living = cd_etcd_call(b->etcd, "kv/put", req, false, on_live, b);
	json_decref(req);
}

static void
on_grant(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	b->granting = NULL;
	if (rc < 0 || (b->lease = cd_etcd_num(json_object_get(answer, "ID"))) == 0)
		return;	/* the next tick tries again */
	b->leases++;
	b->live_put = false;
	put_live(b);
}

static void
on_keepalive(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	b->keeping = NULL;
	/* a lease that ran out (cut off longer than the TTL) is TTL 0: a new one */
	if (rc == -EPROTO || (rc == 0 && cd_etcd_num(json_object_get(json_object_get(answer, "result"),
								     "TTL")) <= 0)) {
		if (b->lease != 0)
			CD_LOG(WARN, "fleet store: this box's lease %llx ran out: a new one",
			       (unsigned long long)b->lease);
		b->lease = 0;
		b->live_put = false;
	}
}

static void
on_seen(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	(void)answer;
	b->seeing = NULL;
	if (rc == 0)
		b->seen_ms = now_ms();
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct cd_box *b = arg;
	struct timeval tv = { CD_BOX_KEEP_MS / 1000, (CD_BOX_KEEP_MS % 1000) * 1000 };
	json_t *req;

	(void)fd;
	(void)what;
	evtimer_add(b->tick, &tv);
	if (b->lease == 0 && b->granting == NULL) {
		req = json_pack("{s:o}", "TTL", json_sprintf("%d", CD_BOX_TTL_S));
		b->granting = cd_etcd_call(b->etcd, "lease/grant", req, false, on_grant, b);
		json_decref(req);
	} else if (b->lease != 0 && !b->live_put && b->living == NULL) {
		put_live(b);
	} else if (b->lease != 0 && b->keeping == NULL) {
		req = json_pack("{s:o}", "ID", json_sprintf("%lld", (long long)b->lease));
		/* a stream on the gateway: one request, one answer, then its end */
		b->keeping = cd_etcd_call(b->etcd, "lease/keepalive", req, false, on_keepalive, b);
		json_decref(req);
	}
	/* the time it was seen: a small key of its own, not the whole report again */
	if (b->seeing == NULL && now_ms() - b->seen_ms >= CD_BOX_SEEN_MS) {
		char v[64];

		snprintf(v, sizeof(v), "{\"seen_unix\":%lld}", (long long)time(NULL));
		req = json_pack("{s:o,s:o}", "key", cd_etcd_b64j(b->seen_key), "value", cd_etcd_b64j(v));
		b->seeing = cd_etcd_call(b->etcd, "kv/put", req, false, on_seen, b);
		json_decref(req);
	}
	/* the report, with the paths as they are now */
	if (b->topo == NULL && (b->topo = calloc(1, sizeof(*b->topo))) != NULL) {
		b->topo->b = b;
		cd_view_fleet(b->sync, b->res, on_topo, b->topo);
	} else if (b->topo == NULL) {
		maybe_write(b);
	}
}

/* An intent's phase changed: reported at once (debounced by the period). */
static void
check(evutil_socket_t fd, short what, void *arg)
{
	struct cd_box *b = arg;
	struct timeval tv = { 0, CD_BOX_DEBOUNCE_MS * 1000 };
	json_t *now = intents_now(b);

	(void)fd;
	(void)what;
	evtimer_add(b->check, &tv);
	if (now != NULL && !json_equal(now, b->intents) && !paced(b)) {
		json_decref(b->intents);
		b->intents = now;
		write_report(b);
		return;
	}
	json_decref(now);
}

/* ------------------------------------------------------------ the view */

struct view_req {
	cd_box_view_done *done;
	void *arg;
	bool brief;
};

static json_t *
err_body(int code, const char *reason, const char *msg)
{
	return json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "reason", reason, "message", msg);
}

/* Up and total of the rows' paths in the report's topology keys. */
static json_t *
paths_health(json_t *view)
{
	json_t *v, *row, *p;
	const char *k;
	size_t i, j;
	json_int_t up = 0, total = 0;

	json_object_foreach(view, k, v)
		json_array_foreach(v, i, row)
			json_array_foreach(json_object_get(row, "paths"), j, p) {
				total++;
				up += json_is_string(json_object_get(p, "state")) &&
				      strcmp(json_string_value(json_object_get(p, "state")), "up") == 0;
			}
	return json_pack("{s:I,s:I}", "up", up, "total", total);
}

static void
on_range(void *arg, int rc, json_t *answer)
{
	struct view_req *v = ((void **)arg)[0];
	struct cd_box *b = ((void **)arg)[1];
	json_t *live = json_object(), *boxes = json_array(), *by_intent = json_object(), *kv;
	json_t *seen_at = json_object();	/* SITE -> its heartbeat's time */
	size_t i, pl = strlen(b->boxes);
	time_t now = time(NULL);

	free(arg);
	if (rc < 0) {
		json_decref(seen_at);
		json_decref(live);
		json_decref(boxes);
		json_decref(by_intent);
		v->done(v->arg, 503, err_body(503, "store_unreachable", rc == -EPROTO ?
			json_string_value(json_object_get(answer, "message")) ?: "etcd refused the read" :
			"the fleet's store is unreachable"));
		free(v);
		return;
	}
	/* first the live keys, then the reports */
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(json_object_get(answer, "kvs"), i, kv) {
			char *key = cd_etcd_unb64(json_string_value(json_object_get(kv, "key")), NULL);
			const char *site = key && strlen(key) > pl ? key + pl : NULL;
			size_t sl = site ? strlen(site) : 0;
			bool is_live = sl > strlen(LIVE_SUFFIX) &&
				       strcmp(site + sl - strlen(LIVE_SUFFIX), LIVE_SUFFIX) == 0;
			bool is_seen = sl > strlen(SEEN_SUFFIX) &&
				       strcmp(site + sl - strlen(SEEN_SUFFIX), SEEN_SUFFIX) == 0;

			if (is_seen && pass == 0) {	/* the heartbeat: later than the report's time */
				char name[256], *val = cd_etcd_unb64(json_string_value(
					json_object_get(kv, "value")) ?: "", NULL);
				json_t *sv = val ? json_loads(val, 0, NULL) : NULL;

				snprintf(name, sizeof(name), "%.*s", (int)(sl - strlen(SEEN_SUFFIX)), site);
				if (json_integer_value(json_object_get(sv, "seen_unix")) > 0)
					json_object_set(seen_at, name, json_object_get(sv, "seen_unix"));
				json_decref(sv);
				free(val);
			}
			if (is_seen) {
				free(key);
				continue;
			}

			if (site == NULL || pass != (is_live ? 0 : 1) ||
			    (!is_live && strchr(site, '/') != NULL)) {
				free(key);
				continue;
			}
			if (is_live) {
				char name[256];

				snprintf(name, sizeof(name), "%.*s", (int)(sl - strlen(LIVE_SUFFIX)), site);
				json_object_set_new(live, name, json_string(json_string_value(
					json_object_get(kv, "lease")) ?: ""));
			} else {
				char *val = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", NULL);
				json_t *r = val ? json_loads(val, 0, NULL) : NULL, *in;
				json_t *box = json_is_object(r) ? r : json_object();
				const char *who;
				json_int_t seen = json_integer_value(json_object_get(box, "seen_unix"));
				json_int_t beat = json_integer_value(json_object_get(seen_at, site));

				if (!json_is_object(r))
					json_decref(r);
				free(val);
				json_object_set_new(box, "site", json_string(site));
				/* a box that said it stops is not one that went silent */
				json_object_set_new(box, "state", json_string(json_object_get(live, site) ?
					"live" : json_is_true(json_object_get(box, "stopped")) ?
					"stopped" : "stale"));
				if (beat > seen) {
					char iso[32];
					time_t t = (time_t)beat;
					struct tm tm;

					strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
					seen = beat;
					json_object_set_new(box, "seen_unix", json_integer(seen));
					json_object_set_new(box, "seen", json_string(iso));
				}
				if (seen > 0)
					json_object_set_new(box, "seen_ago_s", json_integer(now - seen));
				json_object_set_new(box, "paths", paths_health(json_object_get(box, "view")));
				if (v->brief)	/* every path of every peer: the bulk of a big fleet's answer */
					json_object_del(box, "view");
				json_object_foreach(json_object_get(box, "intents"), who, in) {
					json_t *o = json_object_get(by_intent, who);

					if (o == NULL) {
						json_object_set_new(by_intent, who, json_object());
						o = json_object_get(by_intent, who);
					}
					json_object_set(o, site, json_object_get(in, "phase"));
				}
				json_array_append_new(boxes, box);
			}
			free(key);
		}
	}
	json_decref(live);
	json_decref(seen_at);
	v->done(v->arg, 200, json_pack("{s:s,s:s,s:I,s:i,s:o,s:o}", "prefix", cd_fleet_prefix(b->f),
		"site", cd_fleet_site(b->f), "revision", (json_int_t)cd_etcd_num(json_object_get(
		json_object_get(answer, "header"), "revision")), "ttl_s", CD_BOX_TTL_S,
		"boxes", boxes, "intents", by_intent));
	free(v);
}

void
cd_box_view(void *arg, bool brief, cd_box_view_done *done, void *darg)
{
	struct cd_box *b = arg;
	struct view_req *v;
	void **pair;
	json_t *req;

	if (b == NULL) {
		done(darg, 404, err_body(404, "not_fleet", "sxcd is not on a fleet's store "
					 "(--store etcd://...)"));
		return;
	}
	v = calloc(1, sizeof(*v));
	pair = calloc(2, sizeof(*pair));
	req = json_pack("{s:o,s:o}", "key", cd_etcd_b64j(b->boxes), "range_end", cd_etcd_b64j(b->boxes_end));
	if (v == NULL || pair == NULL || req == NULL) {
		free(v);
		free(pair);
		json_decref(req);
		done(darg, 500, err_body(500, "no_memory", "out of memory"));
		return;
	}
	*v = (struct view_req){ .done = done, .arg = darg, .brief = brief };
	pair[0] = v;
	pair[1] = b;
	if (cd_etcd_call(b->etcd, "kv/range", req, true, on_range, pair) == NULL) {
		free(v);
		free(pair);
		done(darg, 500, err_body(500, "no_memory", "out of memory"));
	}
	json_decref(req);
}

/* ------------------------------------------------------------ setup */

struct cd_box *
cd_box_new(struct event_base *base, struct cd_fleet *f, struct cd_res *res, struct cd_sync *sync)
{
	struct cd_box *b = calloc(1, sizeof(*b));
	const char *pfx = cd_fleet_prefix(f), *site = cd_fleet_site(f);

	if (b == NULL)
		return NULL;
	*b = (struct cd_box){ .base = base, .f = f, .etcd = cd_fleet_etcd(f), .res = res, .sync = sync };
	if (asprintf(&b->key, "%sboxes/%s", pfx, site) < 0 ||
	    asprintf(&b->live_key, "%sboxes/%s" LIVE_SUFFIX, pfx, site) < 0 ||
	    asprintf(&b->seen_key, "%sboxes/%s" SEEN_SUFFIX, pfx, site) < 0 ||
	    asprintf(&b->boxes, "%sboxes/", pfx) < 0 ||
	    (b->boxes_end = cd_etcd_prefix_end(b->boxes)) == NULL ||
	    (b->intents = intents_now(b)) == NULL ||
	    (b->tick = evtimer_new(base, tick, b)) == NULL ||
	    (b->check = evtimer_new(base, check, b)) == NULL) {
		cd_box_free(b);
		return NULL;
	}
	tick(-1, 0, b);
	check(-1, 0, b);
	return b;
}

/* One call of the leave answered: the loop let go once both are. */
static void
parted(struct cd_box *b)
{
	if (b->parting > 0 && --b->parting == 0)
		event_base_loopbreak(b->base);
}

static void
on_revoked(void *arg, int rc, json_t *answer)
{
	struct cd_box *b = arg;

	(void)answer;
	if (rc == 0)
		b->lease = 0;
	b->living = NULL;
	parted(b);
}

void
cd_box_leave(struct cd_box *b)
{
	struct timeval tv = { CD_BOX_LEAVE_MS / 1000, (CD_BOX_LEAVE_MS % 1000) * 1000 };
	json_t *req;

	if (b == NULL)
		return;
	event_del(b->tick);
	event_del(b->check);
	cd_etcd_cancel(b->writing);
	cd_etcd_cancel(b->keeping);
	cd_etcd_cancel(b->living);
	cd_etcd_cancel(b->granting);
	cd_etcd_cancel(b->seeing);
	b->writing = b->keeping = b->living = b->granting = b->seeing = NULL;
	b->leaving = true;
	b->parting = 1;
	write_report(b);
	if (b->writing == NULL)
		b->parting = 0;
	if (b->lease != 0) {
		req = json_pack("{s:o}", "ID", json_sprintf("%lld", (long long)b->lease));
		if ((b->living = cd_etcd_call(b->etcd, "lease/revoke", req, false, on_revoked, b)) != NULL)
			b->parting++;
		json_decref(req);
	}
	if (b->parting == 0)
		return;
	/* the loop again, for these calls alone to be answered, at most CD_BOX_LEAVE_MS */
	event_base_loopexit(b->base, &tv);
	event_base_dispatch(b->base);
	if (b->parting > 0)
		CD_LOG(WARN, "fleet store: this box's leave was not answered in %d ms: it shows "
		       "stale once its lease runs out", CD_BOX_LEAVE_MS);
}

void
cd_box_free(struct cd_box *b)
{
	if (b == NULL)
		return;
	cd_etcd_cancel(b->granting);
	cd_etcd_cancel(b->keeping);
	cd_etcd_cancel(b->writing);
	cd_etcd_cancel(b->living);
	cd_etcd_cancel(b->seeing);
	if (b->topo != NULL)
		b->topo->b = NULL;
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->check != NULL)
		event_free(b->check);
	json_decref(b->intents);
	json_decref(b->view);
	json_decref(b->sig);
	free(b->key);
	free(b->live_key);
	free(b->seen_key);
	free(b->boxes);
	free(b->boxes_end);
	free(b);
}
