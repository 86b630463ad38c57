/* SPDX-License-Identifier: BSD-3-Clause */
/* The Visibility API's topology and counters, from the intents and sxdp's answers (see cd_view.h). */
#include <stdlib.h>
#include <string.h>

#include "cd_view.h"
#include "ctl_async.h"

#define READ_LIMIT 1000	/* table.read's page: the interfaces and tunnels the views read */

struct gather {
	cd_gather_done *done;
	void *arg;
	json_t *results;
	unsigned int left;
};

struct gather_call {
	struct gather *g;
	char key[64];
};

/* One answer fewer to wait for; the last one ends the gathering. */
static void
gather_step(struct gather *g)
{
	if (--g->left > 0)
		return;
	g->done(g->arg, g->results);
	json_decref(g->results);
	free(g);
}

static void
on_answer(void *arg, json_t *result, json_t *error)
{
	struct gather_call *c = arg;
	struct gather *g = c->g;

	json_object_set(g->results, c->key, error == NULL && result != NULL ? result : json_null());
	free(c);
	gather_step(g);
}

/* Each of @calls ({KEY: [METHOD, params]}, borrowed) on sxdp at once. */
static void
gather(struct cd_sync *s, json_t *calls, cd_gather_done *done, void *arg)
{
	struct gather *g = calloc(1, sizeof(*g));
	struct ctl_async *ctl = cd_sync_ctl(s);
	const char *key;
	json_t *call;

	if (g == NULL || !ctl_async_up(ctl) || json_object_size(calls) == 0) {
		free(g);
		done(arg, NULL);
		return;
	}
	*g = (struct gather){ .done = done, .arg = arg, .results = json_object(),
			      .left = (unsigned int)json_object_size(calls) + 1 };
	json_object_foreach(calls, key, call) {
		struct gather_call *c = calloc(1, sizeof(*c));
		json_t *params = json_array_get(call, 1);

		if (c == NULL) {
			json_object_set(g->results, key, json_null());
			g->left--;
			continue;
		}
		c->g = g;
		snprintf(c->key, sizeof(c->key), "%s", key);
		if (ctl_async_call(ctl, json_string_value(json_array_get(call, 0)),
				   json_is_null(params) ? NULL : json_incref(params), on_answer, c) < 0) {
			json_object_set(g->results, key, json_null());
			free(c);
			g->left--;
		}
	}
	/* the extra count kept @g alive while the calls were sent */
	gather_step(g);
}

void
cd_gather(struct cd_sync *s, const char *const *methods, cd_gather_done *done, void *arg)
{
	json_t *calls = json_object();

	for (; *methods != NULL; methods++)
		json_object_set_new(calls, *methods, json_pack("[s,n]", *methods));
	gather(s, calls, done, arg);
	json_decref(calls);
}

/* ------------------------------------------------------------- joins */

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The intents of @kind as {"NAME": document with status}. */
static json_t *
docs(struct cd_res *r, int kind)
{
	json_t *list = cd_res_list(r, kind), *out = json_object(), *d;
	size_t i;

	json_array_foreach(json_object_get(list, "items"), i, d)
		json_object_set(out, str(json_object_get(d, "metadata"), "name"), d);
	json_decref(list);
	return out;
}

/* An id allocated to @key in namespace @ns (0: none). */
static json_int_t
id_of(struct cd_res *r, const char *ns, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(cd_res_state(r, "ids"), ns), key));
}

/* The row of @rows (overlay.paths, qos.meters) whose "id" is @id. */
static json_t *
row_by_id(json_t *rows, json_int_t id)
{
	json_t *p;
	size_t i;

	json_array_foreach(rows, i, p)
		if (json_integer_value(json_object_get(p, "id")) == id)
			return p;
	return NULL;
}

/* The peers with their paths: the WAN link, the far end and its health. */
static json_t *
peers_view(struct cd_res *r, json_t *paths)
{
	json_t *peers = docs(r, cd_kind_of("peers")), *out = json_array(), *d, *ep;
	const char *name;
	char key[256];
	size_t i;

	json_object_foreach(peers, name, d) {
		json_t *spec = json_object_get(d, "spec"), *ps = json_array();
		int up = 0;

		json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
			json_int_t id;
			json_t *row, *p;

			snprintf(key, sizeof(key), "peers/%s/%s", name, str(ep, "address"));
			id = id_of(r, "path", key);
			row = row_by_id(paths, id);
			p = json_pack("{s:I,s:s,s:s}", "id", id, "wan", str(ep, "wan"), "address",
				      str(ep, "address"));
			if (row != NULL) {
				json_object_set(p, "state", json_object_get(row, "state"));
				json_object_set(p, "rtt_us", json_object_get(row, "rtt_us"));
				json_object_set(p, "jitter_us", json_object_get(row, "jitter_us"));
				json_object_set(p, "loss_pm", json_object_get(row, "loss_pm"));
				json_object_set(p, "packets", json_object_get(row, "packets"));
				json_object_set(p, "bytes", json_object_get(row, "bytes"));
				up += strcmp(str(row, "state") ?: "", "up") == 0;
			} else {
				json_object_set_new(p, "state", json_string("unknown"));
			}
			json_array_append_new(ps, p);
		}
		json_array_append_new(out, json_pack("{s:s,s:O,s:o,s:i,s:O}", "name", name, "id",
			json_object_get(spec, "id"), "paths", ps, "paths_up", up, "phase",
			json_object_get(json_object_get(d, "status"), "phase")));
	}
	json_decref(peers);
	return out;
}

/* Sum of the hits of @entries whose param @field is @v. */
static json_int_t
hits_where(json_t *entries, const char *field, json_int_t v)
{
	json_int_t n = 0;
	json_t *e;
	size_t i;

	json_array_foreach(entries, i, e)
		if (json_integer_value(json_object_get(json_object_get(e, "params"), field)) == v)
			n += json_integer_value(json_object_get(e, "hits"));
	return n;
}

/* A slice's or VDN's scheduler counters: per port, what its subport
 * (slice) or pipe sent and dropped. */
static json_t *
sched_of(json_t *sched, const char *what, json_int_t v)
{
	json_t *out = json_array(), *port, *row, *tc;
	size_t i, j, k;

	json_array_foreach(sched, i, port) {
		json_int_t pk = 0, by = 0, dr = 0;
		bool found = false;

		if (strcmp(what, "slice") == 0) {
			json_array_foreach(json_object_get(port, "subports"), j, row) {
				if (json_integer_value(json_object_get(row, "slice")) != v)
					continue;
				found = true;
				json_array_foreach(json_object_get(row, "tcs"), k, tc) {
					pk += json_integer_value(json_object_get(tc, "packets"));
					by += json_integer_value(json_object_get(tc, "bytes"));
					dr += json_integer_value(json_object_get(tc, "drops"));
				}
			}
		} else {
			json_array_foreach(json_object_get(port, "pipes"), j, row) {
				if (json_integer_value(json_object_get(row, "pipe")) != v)
					continue;
				found = true;
				pk += json_integer_value(json_object_get(row, "packets"));
				by += json_integer_value(json_object_get(row, "bytes"));
				dr += json_integer_value(json_object_get(row, "drops"));
			}
		}
		if (found)
			json_array_append_new(out, json_pack("{s:O,s:I,s:I,s:I}", "port",
				json_object_get(port, "port"), "packets", pk, "bytes", by, "drops", dr));
	}
	return out;
}

static json_t *
slices_view(struct cd_res *r, json_t *res, bool counters)
{
	json_t *slices = docs(r, cd_kind_of("slices")), *out = json_array(), *d, *tid;
	json_t *ifs = json_object_get(json_object_get(res, "interfaces"), "entries");
	json_t *tuns = json_object_get(json_object_get(res, "tunnels"), "entries");
	const char *name, *key;
	char pfx[200];

	json_object_foreach(slices, name, d) {
		json_t *spec = json_object_get(d, "spec"), *row, *tunnels = json_object(), *m;
		json_int_t sid = json_integer_value(json_object_get(spec, "id"));
		json_int_t meter;

		snprintf(pfx, sizeof(pfx), "slices/%s/", name);
		json_object_foreach(json_object_get(cd_res_state(r, "ids"), "tunnel"), key, tid) {
			if (strncmp(key, pfx, strlen(pfx)) != 0)
				continue;
			json_object_set_new(tunnels, key + strlen(pfx), counters ?
				json_pack("{s:O,s:I}", "id", tid, "packets", (json_int_t)0) :
				json_pack("{s:O}", "id", tid));
		}
		if (!counters) {
			row = json_pack("{s:s,s:O,s:o,s:O}", "name", name, "status",
					json_object_get(d, "status"), "tunnels", tunnels, "spec", spec);
			json_array_append_new(out, row);
			continue;
		}
		json_object_foreach(tunnels, key, m) {
			json_t *e;
			size_t i;

			json_array_foreach(tuns, i, e)
				if (json_integer_value(json_object_get(json_object_get(e, "match"), "id")) ==
				    json_integer_value(json_object_get(m, "id")))
					json_object_set(m, "packets", json_object_get(e, "hits"));
		}
		snprintf(pfx, sizeof(pfx), "slices/%s", name);
		meter = id_of(r, "meter", pfx);
		row = json_pack("{s:s,s:I,s:I,s:o,s:o}", "name", name, "id", sid, "rx_packets",
				hits_where(ifs, "slice", sid), "tunnels", tunnels, "scheduler",
				sched_of(json_object_get(res, "qos.sched"), "slice", sid));
		if (meter != 0 && (m = row_by_id(json_object_get(res, "qos.meters"), meter)) != NULL)
			json_object_set(row, "meter", m);
		json_array_append_new(out, row);
	}
	json_decref(slices);
	return out;
}

static json_t *
vdns_view(struct cd_res *r, json_t *res, bool counters)
{
	json_t *vdns = docs(r, cd_kind_of("vdns")), *out = json_array(), *d, *m;
	const char *name;
	char key[200];

	json_object_foreach(vdns, name, d) {
		json_int_t id;
		json_t *row;

		snprintf(key, sizeof(key), "vdns/%s", name);
		id = id_of(r, "meter", key);
		row = json_pack("{s:s,s:I}", "name", name, "id", id);
		if (counters) {
			if ((m = row_by_id(json_object_get(res, "qos.meters"), id)) != NULL)
				json_object_set(row, "meter", m);
			json_object_set_new(row, "scheduler",
					    sched_of(json_object_get(res, "qos.sched"), "pipe", id));
		} else {
			json_object_set(row, "status", json_object_get(d, "status"));
			json_object_set(row, "spec", json_object_get(d, "spec"));
		}
		json_array_append_new(out, row);
	}
	json_decref(vdns);
	return out;
}

/* ------------------------------------------------------------- views */

struct view {
	struct cd_sync *s;
	struct cd_res *r;
	enum cd_view_kind kind;
	cd_view_done *done;
	void *arg;
};

/* The UPF's counters, summed over its sessions: what its URRs counted,
 * its sessions per table, its events. null when sxdp runs no upf. */
static json_t *
upf_view(json_t *res)
{
	json_t *usage = json_object_get(res, "upf.usage"), *stats = json_object_get(res, "stats.get");
	json_t *ev = json_object(), *sessions = json_object(), *v;
	const char *k;

	if (!json_is_object(usage))
		return json_null();
	json_object_foreach(json_object_get(stats, "events"), k, v)
		if (strncmp(k, "upf.", 4) == 0)
			json_object_set(ev, k + 4, v);
	json_object_foreach(json_object_get(stats, "tables"), k, v)
		if (strncmp(k, "sessions_", 9) == 0)
			json_object_set(sessions, k, json_object_get(v, "entries"));
	return json_pack("{s:O,s:O,s:o,s:o}", "packets", json_object_get(usage, "packets"), "bytes",
			 json_object_get(usage, "bytes"), "sessions", sessions, "events", ev);
}

static void
on_gathered(void *arg, json_t *res)
{
	struct view *v = arg;
	json_t *site, *out, *ports, *p, *wan;
	size_t i;

	if (res == NULL) {
		v->done(v->arg, NULL);
		free(v);
		return;
	}
	if (v->kind == CD_VIEW_COUNTERS) {
		out = json_pack("{s:o,s:o,s:o,s:O,s:O,s:o}", "slices", slices_view(v->r, res, true),
				"vdns", vdns_view(v->r, res, true), "peers",
				peers_view(v->r, json_object_get(res, "overlay.paths")), "ports",
				json_object_get(json_object_get(res, "stats.get"), "ports"), "drops",
				json_object_get(json_object_get(res, "stats.get"), "drops"),
				"upf", upf_view(res));
	} else {
		site = cd_res_get(v->r, cd_kind_of("site"), cd_kind_only(cd_kind_of("site")));
		ports = json_array();
		json_array_foreach(json_object_get(json_object_get(res, "port.list"), "ports"), i, p)
			json_array_append_new(ports, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "name",
				json_object_get(p, "name"), "role", json_object_get(p, "role"), "mac",
				json_object_get(p, "mac"), "admin", json_object_get(p, "admin"), "link",
				json_object_get(p, "link"), "driver", json_object_get(p, "driver")));
		wan = json_object_get(json_object_get(site, "spec"), "wan");
		out = json_pack("{s:{s:o,s:o},s:o,s:o,s:o,s:o,s:o}",
				"box", "site", site ? site : json_null(), "sxdp", cd_sync_info(v->s),
				"ports", ports, "wan", wan ? json_incref(wan) : json_array(),
				"peers", peers_view(v->r, json_object_get(res, "overlay.paths")),
				"slices", slices_view(v->r, res, false),
				"vdns", vdns_view(v->r, res, false));
	}
	v->done(v->arg, out);
	free(v);
}

void
cd_view(struct cd_sync *s, struct cd_res *r, enum cd_view_kind kind, cd_view_done *done, void *arg)
{
	struct view *v = calloc(1, sizeof(*v));
	json_t *calls;

	if (v == NULL) {
		done(arg, NULL);
		return;
	}
	*v = (struct view){ .s = s, .r = r, .kind = kind, .done = done, .arg = arg };
	if (kind == CD_VIEW_TOPOLOGY)
		calls = json_pack("{s:[s,n],s:[s,n]}", "port.list", "port.list", "overlay.paths",
				  "overlay.paths");
	else
		calls = json_pack("{s:[s,n],s:[s,n],s:[s,n],s:[s,n],s:[s,n],s:[s,{s:s,s:i}],s:[s,{s:s,s:i}]}",
				  "stats.get", "stats.get", "overlay.paths", "overlay.paths",
				  "qos.meters", "qos.meters", "qos.sched", "qos.sched", "upf.usage", "upf.usage",
				  "interfaces", "table.read", "table", "interfaces", "limit", READ_LIMIT,
				  "tunnels", "table.read", "table", "tunnels", "limit", READ_LIMIT);
	gather(s, calls, on_gathered, v);
	json_decref(calls);
}
