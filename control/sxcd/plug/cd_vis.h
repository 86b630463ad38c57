/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_vis: what each feature adds to the Visibility API and to /metrics, registered, and their helpers. */
/*
 * cd_view and cd_metrics name no feature: a feature registers, from a
 * constructor, the keys it fills in a view (CD_VIS_VIEW_REGISTER) and the
 * metric families it writes (CD_VIS_METRICS_REGISTER), with the sxdp calls
 * they read. The rank places them: a view's keys, and /metrics' families,
 * come out in rank order (the core's own keys have theirs, below), so the
 * documents keep one order whatever order the constructors ran in.
 */
#ifndef CD_VIS_H
#define CD_VIS_H

#include <stdbool.h>
#include <jansson.h>

struct cd_res;
struct cd_sync;

enum cd_view_kind { CD_VIEW_TOPOLOGY, CD_VIEW_COUNTERS };

/* The ranks of the core's keys, for a feature to place its own among them. */
enum {
	CD_VIS_TOPO_BOX_SXDP = 20,	/* box/sxdp: sxcd's link to sxdp */
	CD_VIS_TOPO_PORTS = 30,		/* ports: port.list's */
	CD_VIS_COUNTERS_PORTS = 40,	/* ports: stats.get's */
	CD_VIS_COUNTERS_DROPS = 50,	/* drops: stats.get's */
	CD_VIS_COUNTERS_DATAPLANE = 55,	/* dataplane: lcores, mempool, events, graph nodes */
};

/* What a view's key is made of: the intents, sxcd's link to sxdp and
 * sxdp's answers ({KEY: result, null when the call failed}; borrowed). */
struct cd_vis_in {
	struct cd_res *r;
	struct cd_sync *s;
	json_t *res;
};

/* A key of a view. */
struct cd_vis_view {
	enum cd_view_kind view;
	const char *key;	/* "peers"; "box/site": "site" in the object "box" */
	int rank;		/* its place among the view's keys, lower first */
	/* what it reads of sxdp: methods called without params (the answer
	 * under the method's name) and tables read (under the table's name);
	 * NULL-terminated, NULL: none */
	const char *const *methods, *const *tables;
	/* its value (new); NULL fails the whole view */
	json_t *(*value)(const struct cd_vis_in *in);
	/* or, instead, what it adds to the value a lower rank gave @key (a
	 * feature's part of another's rows: a slice's tunnels); not called
	 * when there is none */
	void (*amend)(const struct cd_vis_in *in, json_t *value);
	/* a topology key that goes into the box's report in a fleet
	 * (cd_box.h); its rows' "paths" (each with a "state", "up" or not)
	 * count in the fleet view's paths health */
	bool fleet;
};

void cd_vis_view_register(const struct cd_vis_view *v);
#define CD_VIS_VIEW_REGISTER(v)                                                            \
	static void __attribute__((constructor)) cd_vis_view_register_##v(void)          \
	{                                                                                  \
		cd_vis_view_register(&v);                                                  \
	}
/* The keys of @view, 0..n-1 in rank order; NULL past the last. */
const struct cd_vis_view *cd_vis_view_at(enum cd_view_kind view, int i);

/* /metrics' families under way, in the order they were first named, each
 * with its samples: the format wants one HELP and TYPE per family and its
 * samples together. */
struct cd_vis_fams {
	json_t *order;	/* names */
	json_t *fam;	/* name → {"help", "type", "lines": [...]} */
};

/* One sample of family @name: the labels follow @value as "k1", "v1", ...,
 * NULL. */
void cd_vis_sample(struct cd_vis_fams *f, const char *name, const char *type, const char *help,
		   double value, ...);

/* A feature's families, written after sxdp's own, before sxcd's. */
struct cd_vis_metrics {
	int rank;			/* its place among the features', lower first */
	const char *const *methods;	/* sxdp methods it reads (no params), NULL-terminated */
	void (*samples)(struct cd_vis_fams *f, const struct cd_vis_in *in);
};

void cd_vis_metrics_register(const struct cd_vis_metrics *m);
#define CD_VIS_METRICS_REGISTER(m)                                                         \
	static void __attribute__((constructor)) cd_vis_metrics_register_##m(void)       \
	{                                                                                  \
		cd_vis_metrics_register(&m);                                               \
	}
const struct cd_vis_metrics *cd_vis_metrics_at(int i);

/* ------------------------------------------------- one item on request */

/* A feature's resource read one item at a time (GET, HEAD): @prefix
 * "upf/sessions/" serves /api/v1/upf/sessions/{id}, the id being the rest
 * of the path percent-decoded (slashes kept: "pfcp/NODE/SEID"). What the
 * collections of the views never list (one row per session), asked for
 * by name. */
struct cd_vis_item {
	const char *prefix;
	/* @id's answer but sxdp's part: 200 with *@doc (new) and *@calls
	 * ({KEY: [METHOD, params]}, new; NULL: none) to ask sxdp, or 400 (a
	 * malformed id) / 404 (none such) with why in @msg */
	int (*find)(struct cd_res *r, const char *id, json_t **doc, json_t **calls, char *msg, size_t len);
	/* sxdp's answers (in->res: KEY → result, null when the call failed)
	 * added to @doc */
	void (*amend)(const struct cd_vis_in *in, json_t *doc);
};

void cd_vis_item_register(const struct cd_vis_item *it);
#define CD_VIS_ITEM_REGISTER(x)                                                            \
	static void __attribute__((constructor)) cd_vis_item_register_##x(void)          \
	{                                                                                  \
		cd_vis_item_register(&x);                                                  \
	}
/* The item whose prefix @rest ("upf/sessions/pfcp/n/1") starts with, NULL:
 * none. */
const struct cd_vis_item *cd_vis_item_of(const char *rest);

/* ------------------------------------------------- joins with the intents */

/* A number of @o (0: none). */
double cd_vis_num(json_t *o, const char *k);
/* The intents of kind @kind as {"NAME": document with status} (new). */
json_t *cd_vis_docs(struct cd_res *r, const char *kind);
/* One intent of kind @kind with its status (new), NULL: none. */
json_t *cd_vis_doc(struct cd_res *r, const char *kind, const char *name);
/* Namespace @ns's allocations, {KEY: id} (borrowed; NULL: none). */
json_t *cd_vis_ids(struct cd_res *r, const char *ns);
/* The id allocated to @key in namespace @ns (0: none), and the key an id
 * is allocated to (NULL: none). */
json_int_t cd_vis_id(struct cd_res *r, const char *ns, const char *key);
const char *cd_vis_owner(struct cd_res *r, const char *ns, json_int_t id);
/* A traffic row's totals in both units, for a reader that wants every
 * rate in packets and bytes: in_packets (@in_packets when >= 0, else its
 * "meter"'s colours summed), in_bytes (its meter's colours summed: what
 * the meter charged), out_packets and out_bytes (its "scheduler" rows
 * summed); null where the row has no such counter. */
void cd_vis_in_out(json_t *row, json_int_t in_packets);
/* The row of @rows whose "id" is @id (borrowed), NULL: none. */
json_t *cd_vis_row(json_t *rows, json_int_t id);

#endif
