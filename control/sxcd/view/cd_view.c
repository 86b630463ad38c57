/* SPDX-License-Identifier: BSD-3-Clause */
/* The Visibility API's topology and counters, from the intents and sxdp's answers (see cd_view.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_view.h"
#include "ctl_async.h"

#define READ_LIMIT 1000	/* table.read's page: the tables the views read */

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

/* ------------------------------------------------------------- views */


/* ------------------------------------------------- the core's own keys */

static json_t *
box_sxdp(const struct cd_vis_in *in)
{
	return cd_sync_info(in->s);
}

static json_t *
topo_ports(const struct cd_vis_in *in)
{
	json_t *ports = json_array(), *p;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(in->res, "port.list"), "ports"), i, p)
		json_array_append_new(ports, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "name",
			json_object_get(p, "name"), "role", json_object_get(p, "role"), "mac",
			json_object_get(p, "mac"), "admin", json_object_get(p, "admin"), "link",
			json_object_get(p, "link"), "driver", json_object_get(p, "driver")));
	return ports;
}

/* stats.get's @key as it is (NULL, failing the view, when sxdp gave none) */
static json_t *
stats_key(const struct cd_vis_in *in, const char *key)
{
	return json_incref(json_object_get(json_object_get(in->res, "stats.get"), key));
}

static json_t *
counters_ports(const struct cd_vis_in *in)
{
	return stats_key(in, "ports");
}

static json_t *
counters_drops(const struct cd_vis_in *in)
{
	return stats_key(in, "drops");
}

/* The dataplane's health, for the page: per lcore its busy and idle
 * cycles (the busy share is their ratio over an interval), the mempool,
 * the events, each graph node's cycles per packet. Counters since start:
 * a reader takes differences for rates. */
static json_t *
counters_dataplane(const struct cd_vis_in *in)
{
	json_t *st = json_object_get(in->res, "stats.get"), *g = json_object_get(in->res, "graph.stats");
	json_t *lcores = json_array(), *nodes = json_array(), *l, *n;
	size_t i;

	if (st == NULL || lcores == NULL || nodes == NULL) {
		json_decref(lcores);
		json_decref(nodes);
		return NULL;
	}
	json_array_foreach(json_object_get(st, "lcores"), i, l)
		json_array_append_new(lcores, json_pack("{s:O*,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*}",
			"lcore", json_object_get(l, "lcore"), "role", json_object_get(l, "role"),
			"rx_packets", json_object_get(l, "rx_packets"),
			"tx_packets", json_object_get(l, "tx_packets"),
			"drop_packets", json_object_get(l, "drop_packets"),
			"busy_cycles", json_object_get(l, "busy_cycles"),
			"idle_cycles", json_object_get(l, "idle_cycles"),
			"cycles_per_packet", json_object_get(l, "cycles_per_packet")));
	/* graph.stats is optional: a view without it still has the rest */
	json_array_foreach(json_object_get(g, "nodes"), i, n)
		json_array_append_new(nodes, json_pack("{s:O*,s:O*,s:O*,s:O*}", "node",
			json_object_get(n, "node"), "calls", json_object_get(n, "calls"),
			"packets", json_object_get(n, "packets"),
			"cycles_per_packet", json_object_get(n, "cycles_per_packet")));
	return json_pack("{s:O*,s:O*,s:o,s:O*,s:O*,s:o}", "uptime_s", json_object_get(st, "uptime_s"),
			 "tsc_hz", json_object_get(st, "tsc_hz"), "lcores", lcores,
			 "mempool", json_object_get(st, "mempool"), "events", json_object_get(st, "events"),
			 "nodes", nodes);
}

/* When sxdp read these counters, on its own clock: stats.get's uptime, in
 * ms, with the boot it counts from. A reader's rates are differences of
 * counters over differences of this, never of its own clock: an answer
 * held up on the way (sxcd's loop busy, a slow link) would read as a
 * spike. The other calls of the view are answered with stats.get, one
 * after the other on sxdp's control thread. null (no rate from this
 * answer) when stats.get failed: the topology stands without it. */
static json_t *
sample(const struct cd_vis_in *in)
{
	json_t *up = json_object_get(json_object_get(in->res, "stats.get"), "uptime_s");
	json_t *sx = json_is_number(up) ? cd_sync_info(in->s) : NULL, *out;

	if (sx == NULL)
		return json_null();
	out = json_pack("{s:s,s:O,s:f}", "clock", "sxdp", "boot_id", json_object_get(sx, "boot_id"),
			"ms", json_number_value(up) * 1000.0);
	json_decref(sx);
	return out ? out : json_null();
}

static const char *const port_list[] = { "port.list", NULL };
static const char *const stats_graph[] = { "stats.get", "graph.stats", NULL };
static const char *const stats_get[] = { "stats.get", NULL };
static const struct cd_vis_view view_topo_sample = {
	.view = CD_VIEW_TOPOLOGY, .key = "sample", .rank = 0, .methods = stats_get, .value = sample,
};
CD_VIS_VIEW_REGISTER(view_topo_sample)
static const struct cd_vis_view view_counters_sample = {
	.view = CD_VIEW_COUNTERS, .key = "sample", .rank = 0, .methods = stats_get, .value = sample,
};
CD_VIS_VIEW_REGISTER(view_counters_sample)
static const struct cd_vis_view view_box_sxdp = {
	.view = CD_VIEW_TOPOLOGY, .key = "box/sxdp", .rank = CD_VIS_TOPO_BOX_SXDP, .value = box_sxdp,
};
CD_VIS_VIEW_REGISTER(view_box_sxdp)
static const struct cd_vis_view view_topo_ports = {
	.view = CD_VIEW_TOPOLOGY, .key = "ports", .rank = CD_VIS_TOPO_PORTS, .methods = port_list,
	.value = topo_ports,
};
CD_VIS_VIEW_REGISTER(view_topo_ports)
static const struct cd_vis_view view_counters_ports = {
	.view = CD_VIEW_COUNTERS, .key = "ports", .rank = CD_VIS_COUNTERS_PORTS, .methods = stats_get,
	.value = counters_ports,
};
CD_VIS_VIEW_REGISTER(view_counters_ports)
static const struct cd_vis_view view_counters_drops = {
	.view = CD_VIEW_COUNTERS, .key = "drops", .rank = CD_VIS_COUNTERS_DROPS, .methods = stats_get,
	.value = counters_drops,
};
CD_VIS_VIEW_REGISTER(view_counters_drops)
static const struct cd_vis_view view_counters_dataplane = {
	.view = CD_VIEW_COUNTERS, .key = "dataplane", .rank = CD_VIS_COUNTERS_DATAPLANE,
	.methods = stats_graph, .value = counters_dataplane,
};
CD_VIS_VIEW_REGISTER(view_counters_dataplane)

/* ------------------------------------------------------------- views */

struct view {
	struct cd_sync *s;
	struct cd_res *r;
	enum cd_view_kind kind;
	bool fleet;		/* only the keys marked .fleet (a box's report) */
	cd_view_done *done;
	void *arg;
};

/* Is @p part of @v: any, or (fleet) a key marked .fleet or an amend of one? */
static bool
wanted(const struct view *v, const struct cd_vis_view *p)
{
	const struct cd_vis_view *q;

	if (!v->fleet || p->fleet)
		return true;
	for (int i = 0; p->value == NULL && (q = cd_vis_view_at(v->kind, i)) != NULL; i++)
		if (q->fleet && strcmp(q->key, p->key) == 0)
			return true;
	return false;
}

/* Set @key ("a" or "a/b") of @out to @v (taken). */
static void
set_key(json_t *out, const char *key, json_t *v)
{
	const char *slash = strchr(key, '/');
	char parent[64];
	json_t *o;

	if (slash == NULL) {
		json_object_set_new(out, key, v);
		return;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - key), key);
	if ((o = json_object_get(out, parent)) == NULL) {
		o = json_object();
		json_object_set_new(out, parent, o);
	}
	json_object_set_new(o, slash + 1, v);
}

static void
on_gathered(void *arg, json_t *res)
{
	struct view *v = arg;
	struct cd_vis_in in = { .r = v->r, .s = v->s, .res = res };
	const struct cd_vis_view *p;
	json_t *out, *val;

	if (res == NULL) {
		v->done(v->arg, NULL);
		free(v);
		return;
	}
	out = json_object();
	for (int i = 0; (p = cd_vis_view_at(v->kind, i)) != NULL; i++) {
		if (!wanted(v, p))
			continue;
		if (p->value == NULL) {
			if ((val = json_object_get(out, p->key)) != NULL && p->amend != NULL)
				p->amend(&in, val);
			continue;
		}
		if ((val = p->value(&in)) == NULL) {
			json_decref(out);
			out = NULL;
			break;
		}
		set_key(out, p->key, val);
	}
	v->done(v->arg, out);
	free(v);
}

static void
view(struct cd_sync *s, struct cd_res *r, enum cd_view_kind kind, bool fleet, cd_view_done *done,
     void *arg)
{
	struct view *v = calloc(1, sizeof(*v));
	const struct cd_vis_view *p;
	json_t *calls;

	if (v == NULL) {
		done(arg, NULL);
		return;
	}
	*v = (struct view){ .s = s, .r = r, .kind = kind, .fleet = fleet, .done = done, .arg = arg };
	calls = json_object();
	for (int i = 0; (p = cd_vis_view_at(kind, i)) != NULL; i++) {
		if (!wanted(v, p))
			continue;
		for (const char *const *m = p->methods; m != NULL && *m != NULL; m++)
			json_object_set_new(calls, *m, json_pack("[s,n]", *m));
		for (const char *const *t = p->tables; t != NULL && *t != NULL; t++)
			json_object_set_new(calls, *t, json_pack("[s,{s:s,s:i}]", "table.read", "table", *t,
								  "limit", READ_LIMIT));
	}
	gather(s, calls, on_gathered, v);
	json_decref(calls);
}

void
cd_view(struct cd_sync *s, struct cd_res *r, enum cd_view_kind kind, cd_view_done *done, void *arg)
{
	view(s, r, kind, false, done, arg);
}

void
cd_view_fleet(struct cd_sync *s, struct cd_res *r, cd_view_done *done, void *arg)
{
	view(s, r, CD_VIEW_TOPOLOGY, true, done, arg);
}

/* ------------------------------------------------------------- items */

struct item {
	struct cd_sync *s;
	struct cd_res *r;
	const struct cd_vis_item *it;
	json_t *doc;
	cd_view_done *done;
	void *arg;
};

static void
on_item(void *arg, json_t *res)
{
	struct item *v = arg;
	struct cd_vis_in in = { .r = v->r, .s = v->s, .res = res };

	if (res == NULL) {
		json_decref(v->doc);
		v->done(v->arg, NULL);
	} else {
		if (v->it->amend != NULL)
			v->it->amend(&in, v->doc);
		json_object_set_new(v->doc, "sample", sample(&in));
		v->done(v->arg, v->doc);
	}
	free(v);
}

void
cd_view_item(struct cd_sync *s, struct cd_res *r, const struct cd_vis_item *it, json_t *doc, json_t *calls,
	     cd_view_done *done, void *arg)
{
	struct item *v;
	json_t *mine;

	if (json_object_size(calls) == 0) {
		done(arg, doc);
		return;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		json_decref(doc);
		done(arg, NULL);
		return;
	}
	*v = (struct item){ .s = s, .r = r, .it = it, .doc = doc, .done = done, .arg = arg };
	/* its counters' sample time, as the views' (sample()) */
	mine = json_copy(calls);
	if (mine != NULL && json_object_get(mine, "stats.get") == NULL)
		json_object_set_new(mine, "stats.get", json_pack("[s,n]", "stats.get"));
	gather(s, mine != NULL ? mine : calls, on_item, v);
	json_decref(mine);
}
