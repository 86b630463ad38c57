/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's part of the Visibility API (peers and their paths, a slice's tunnels) and of /metrics (paths). */
#include <stdio.h>
#include <string.h>

#include "cd_vis.h"
#include "ov_names.h"

#define PEERS_KIND "peers"

static const char *const paths_read[] = { "overlay.paths", "overlay.sa.list", NULL };
static const char *const sa_read[] = { "overlay.sa.list", NULL };

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Path @id's encryption, as the page shows it (a lock, its state in
 * words): its active outbound SA's (or WireGuard session's) cipher, SPI
 * (index) and age, and how many SAs
 * the path has (two while a rekey is under way); null: clear. Never a key:
 * overlay.sa.list has none. */
static json_t *
encryption(const struct cd_vis_in *in, json_int_t id)
{
	json_t *sa, *active = NULL;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(in->res, "overlay.sa.list"), i, sa) {
		if (strcmp(str(sa, "dir") ?: "", "out") != 0 || (json_int_t)cd_vis_num(sa, "path") != id)
			continue;
		n++;
		if (json_is_true(json_object_get(sa, "active")))
			active = sa;
	}
	if (active == NULL)
		return json_null();
	return json_pack("{s:s,s:s,s:O,s:O,s:i,s:O}", "protocol",
			 strcmp(str(active, "cipher") ?: "", "wireguard") == 0 ? "wireguard" : "esp",
			 "cipher", str(active, "cipher") ?: "",
			 "spi", json_object_get(active, "spi"), "age_ms", json_object_get(active, "age_ms"),
			 "sas", n, "packets", json_object_get(active, "packets"));
}

/* The peers with their paths: the WAN link, the far end and its health. */
static json_t *
peers(const struct cd_vis_in *in)
{
	json_t *docs = cd_vis_docs(in->r, PEERS_KIND), *out = json_array(), *d, *ep;
	json_t *paths = json_object_get(in->res, "overlay.paths");
	json_t *sites = cd_vis_docs(in->r, "site"), *site = NULL;
	const char *name;
	char key[256];
	size_t i;

	json_object_foreach(sites, name, d)
		site = json_object_get(json_object_get(d, "spec"), "id");
	json_object_foreach(docs, name, d) {
		json_t *spec = json_object_get(d, "spec"), *ps = json_array();
		int up = 0;

		/* this box's own site in a fleet's full mesh: no path to itself */
		if (site != NULL && json_equal(site, json_object_get(spec, "id"))) {
			json_array_append_new(out, json_pack("{s:s,s:O,s:o,s:i,s:b,s:O}", "name", name, "id",
				json_object_get(spec, "id"), "paths", ps, "paths_up", 0, "self", 1, "phase",
				json_object_get(json_object_get(d, "status"), "phase")));
			continue;
		}
		json_array_foreach(json_object_get(spec, "endpoints"), i, ep) {
			json_int_t id;
			json_t *row, *p;

			snprintf(key, sizeof(key), "peers/%s/%s", name, str(ep, "address"));
			id = cd_vis_id(in->r, "path", key);
			row = cd_vis_row(paths, id);
			p = json_pack("{s:I,s:s,s:s}", "id", id, "wan", str(ep, "wan"), "address",
				      str(ep, "address"));
			json_object_set_new(p, "encryption", encryption(in, id));
			if (row != NULL) {
				json_object_set(p, "state", json_object_get(row, "state"));
				json_object_set(p, "rtt_us", json_object_get(row, "rtt_us"));
				json_object_set(p, "jitter_us", json_object_get(row, "jitter_us"));
				json_object_set(p, "loss_pm", json_object_get(row, "loss_pm"));
				/* adaptive FEC's view of it (loss repair, the overlay's README) */
				if (json_object_get(row, "fec_k") != NULL) {
					json_object_set(p, "loss_long_pm", json_object_get(row, "loss_long_pm"));
					json_object_set(p, "fec_k", json_object_get(row, "fec_k"));
				}
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
	json_decref(docs);
	json_decref(sites);
	return out;
}

/* A slice's tunnels (the ids its policies were given, "slices/NAME/..."),
 * with what each carried in the counters. */
static void
slice_tunnels(const struct cd_vis_in *in, json_t *slices, bool counters)
{
	json_t *tuns = json_object_get(json_object_get(in->res, OV_T_TUNNELS), "entries");
	json_t *by = json_object(), *hits = json_object(), *row, *tid, *e, *t;
	const char *key, *pe;
	char b[200];
	size_t i;

	/* one pass over the ids and one over the entries, not one a slice
	 * (8 sites and 600 slices: most of a topology view's 0.3 s) */
	if (counters)
		json_array_foreach(tuns, i, e) {
			snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(json_object_get(e, "match"), "id")));
			json_object_set(hits, b, json_object_get(e, "hits"));
		}
	json_object_foreach(cd_vis_ids(in->r, "tunnel"), key, tid) {
		if (strncmp(key, "slices/", 7) != 0 || (pe = strrchr(key, '/')) == key + 6)
			continue;
		snprintf(b, sizeof(b), "%.*s", (int)(pe - key - 7), key + 7);
		if ((t = json_object_get(by, b)) == NULL) {
			json_object_set_new(by, b, json_object());
			t = json_object_get(by, b);
		}
		if (counters) {
			json_t *h;

			snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, json_integer_value(tid));
			h = json_object_get(hits, b);
			json_object_set_new(t, pe + 1, json_pack("{s:O,s:o}", "id", tid, "packets",
								   h ? json_incref(h) : json_integer(0)));
		} else {
			json_object_set_new(t, pe + 1, json_pack("{s:O}", "id", tid));
		}
	}
	json_array_foreach(slices, i, row) {
		t = json_object_get(by, str(row, "name") ?: "");
		json_object_set_new(row, "tunnels", t ? json_incref(t) : json_object());
	}
	json_decref(by);
	json_decref(hits);
}

static void
slice_tunnels_topology(const struct cd_vis_in *in, json_t *slices)
{
	slice_tunnels(in, slices, false);
}

static void
slice_tunnels_counters(const struct cd_vis_in *in, json_t *slices)
{
	slice_tunnels(in, slices, true);
}

/* ------------------------------------------- failover events, active paths */

static const char *const watch_read[] = { "overlay.paths", "overlay.events", "overlay.active", NULL };

/* Every path sxcd gave an id: "ID" → {id, peer, wan, address} (new). */
static json_t *
path_index(const struct cd_vis_in *in)
{
	json_t *docs = cd_vis_docs(in->r, PEERS_KIND), *out = json_object(), *d, *ep;
	const char *name;
	char key[256], id[24];
	size_t i;

	json_object_foreach(docs, name, d) {
		json_array_foreach(json_object_get(json_object_get(d, "spec"), "endpoints"), i, ep) {
			json_int_t pid;

			snprintf(key, sizeof(key), "peers/%s/%s", name, str(ep, "address"));
			if ((pid = cd_vis_id(in->r, "path", key)) == 0)
				continue;
			snprintf(id, sizeof(id), "%lld", (long long)pid);
			json_object_set_new(out, id, json_pack("{s:I,s:s,s:s?,s:s?}", "id", pid, "peer", name,
				"wan", str(ep, "wan"), "address", str(ep, "address")));
		}
	}
	json_decref(docs);
	return out;
}

static json_t *
path_ref(json_t *index, json_int_t pid)
{
	char id[24];
	json_t *p;

	snprintf(id, sizeof(id), "%lld", (long long)pid);
	p = json_object_get(index, id);
	return p != NULL ? json_deep_copy(p) : json_pack("{s:I}", "id", pid);
}

static json_t *
path_refs(json_t *index, json_t *ids)
{
	json_t *a = json_array(), *v;
	size_t i;

	json_array_foreach(ids, i, v)
		json_array_append_new(a, path_ref(index, json_integer_value(v)));
	return a;
}

/* Every tunnel id sxcd allocated: "ID" → "slices/SLICE/PEER" (new). Built
 * once a view: looking each policy's tunnel up by a scan of the ids was
 * quadratic (8 sites and 600 slices: 0.3 s a view). */
static json_t *
tunnel_index(const struct cd_vis_in *in)
{
	json_t *o = json_object(), *v;
	const char *k;
	char b[24];

	json_object_foreach(cd_vis_ids(in->r, "tunnel"), k, v) {
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		json_object_set_new(o, b, json_string(k));
	}
	return o;
}

/* The slice and peer of tunnel @tid ("slices/SLICE/PEER", from @tix: a
 * tunnel_index), and the policy intent of @cls on that slice (class 0: the
 * slice's own path_policy). */
static void
tunnel_of(json_t *tix, json_t *pols, json_int_t tid, json_int_t cls, json_t *o)
{
	const char *k, *sl, *pe;
	char slice[128], b[24];
	json_t *d;

	snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, tid);
	k = json_string_value(json_object_get(tix, b));

	if (k == NULL || strncmp(k, "slices/", 7) != 0 || (pe = strrchr(k, '/')) == k + 6)
		return;
	sl = k + 7;
	snprintf(slice, sizeof(slice), "%.*s", (int)(pe - sl), sl);
	json_object_set_new(o, "slice", json_string(slice));
	json_object_set_new(o, "peer", json_string(pe + 1));
	if (cls == 0) {
		json_object_set_new(o, "policy", json_null());
		return;
	}
	json_object_foreach(pols, k, d) {
		json_t *spec = json_object_get(d, "spec");

		if (cd_vis_num(spec, "class") == (double)cls && strcmp(str(spec, "slice") ?: "", slice) == 0) {
			json_object_set_new(o, "policy", json_string(k));
			return;
		}
	}
	json_object_set_new(o, "policy", json_null());
}

/* What sxdp uses now per slice (and policy) and peer: overlay.active's
 * picks with names. */
static json_t *
active_paths(const struct cd_vis_in *in)
{
	json_t *idx = path_index(in), *pols = cd_vis_docs(in->r, "policies"), *out = json_array(), *a;
	json_t *tix = tunnel_index(in);
	size_t i;

	json_array_foreach(json_object_get(in->res, "overlay.active"), i, a) {
		json_t *o = json_object(), *act = json_object_get(a, "active");

		tunnel_of(tix, pols, (json_int_t)cd_vis_num(a, "tunnel"), (json_int_t)cd_vis_num(a, "class"), o);
		json_object_set(o, "tunnel", json_object_get(a, "tunnel"));
		json_object_set(o, "class", json_object_get(a, "class"));
		json_object_set(o, "mode", json_object_get(a, "mode"));
		json_object_set_new(o, "paths", path_refs(idx, json_object_get(a, "paths")));
		json_object_set_new(o, "active", path_refs(idx, act));
		json_object_set_new(o, "state", json_string(json_array_size(act) == 0 ? "none_up" :
			json_is_true(json_object_get(a, "unmet")) ? "sla_unmet" : "ok"));
		json_array_append_new(out, o);
	}
	json_decref(tix);
	json_decref(idx);
	json_decref(pols);
	return out;
}

/* The ring of path and active-path changes sxdp keeps, with names. */
static json_t *
path_events(const struct cd_vis_in *in)
{
	json_t *r = json_object_get(in->res, "overlay.events"), *idx, *pols, *evs, *e, *tix;
	size_t i;

	if (!json_is_object(r))
		return json_pack("{s:i,s:i,s:[]}", "capacity", 0, "lost", 0, "events");
	idx = path_index(in);
	pols = cd_vis_docs(in->r, "policies");
	tix = tunnel_index(in);
	evs = json_array();
	json_array_foreach(json_object_get(r, "events"), i, e) {
		json_t *o = json_deep_copy(e);
		json_int_t pid = (json_int_t)cd_vis_num(e, "path");

		json_object_set_new(o, "path", pid ? path_ref(idx, pid) : json_null());
		if (strcmp(str(e, "type") ?: "", "active") == 0) {
			tunnel_of(tix, pols, (json_int_t)cd_vis_num(e, "tunnel"), (json_int_t)cd_vis_num(e, "class"), o);
			json_object_set_new(o, "old", path_refs(idx, json_object_get(e, "old")));
			json_object_set_new(o, "new", path_refs(idx, json_object_get(e, "new")));
		}
		json_array_append_new(evs, o);
	}
	json_decref(tix);
	json_decref(idx);
	json_decref(pols);
	return json_pack("{s:O,s:O,s:O,s:o}", "capacity", json_object_get(r, "capacity"), "next_seq",
			 json_object_get(r, "next_seq"), "lost", json_object_get(r, "lost"), "events", evs);
}

static const struct cd_vis_view ov_view_active = {
	.view = CD_VIEW_TOPOLOGY, .key = "active_paths", .rank = 52, .methods = watch_read,
	.value = active_paths,
};
CD_VIS_VIEW_REGISTER(ov_view_active)
static const struct cd_vis_view ov_view_events = {
	.view = CD_VIEW_TOPOLOGY, .key = "path_events", .rank = 53, .methods = watch_read,
	.value = path_events,
};
CD_VIS_VIEW_REGISTER(ov_view_events)

static const struct cd_vis_view ov_view_peers = {
	.view = CD_VIEW_TOPOLOGY, .key = "peers", .rank = 50, .methods = paths_read, .value = peers,
	.fleet = true,
};
CD_VIS_VIEW_REGISTER(ov_view_peers)
static const struct cd_vis_view ov_view_slice_tunnels = {
	.view = CD_VIEW_TOPOLOGY, .key = "slices", .rank = 61, .amend = slice_tunnels_topology,
};
CD_VIS_VIEW_REGISTER(ov_view_slice_tunnels)
static const char *const tunnels_table[] = { OV_T_TUNNELS, NULL };
static const struct cd_vis_view ov_view_slice_tunnel_counters = {
	.view = CD_VIEW_COUNTERS, .key = "slices", .rank = 11, .tables = tunnels_table,
	.amend = slice_tunnels_counters,
};
CD_VIS_VIEW_REGISTER(ov_view_slice_tunnel_counters)
static const struct cd_vis_view ov_view_peer_counters = {
	.view = CD_VIEW_COUNTERS, .key = "peers", .rank = 30, .methods = paths_read, .value = peers,
};
CD_VIS_VIEW_REGISTER(ov_view_peer_counters)

/* ------------------------------------------------------------ metrics */

static void
paths(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	json_t *p;
	size_t i;
	char id[24];

	json_array_foreach(json_object_get(in->res, "overlay.paths"), i, p) {
		const char *who = cd_vis_owner(in->r, "path", (json_int_t)cd_vis_num(p, "id"));

		snprintf(id, sizeof(id), "%lld", (long long)cd_vis_num(p, "id"));
		who = who ? who : "";
		cd_vis_sample(f, "sxdp_path_up", "gauge", "1 while a path's probes say it is up",
			      strcmp(str(p, "state") ?: "", "up") == 0, "path", id, "peer", who, NULL);
		/* a bfd path measures no RTT, jitter or loss: no sample rather than a 0 */
		if (json_object_get(p, "rtt_us") != NULL) {
			cd_vis_sample(f, "sxdp_path_rtt_seconds", "gauge", "A path's mean RTT over its last probes",
				      cd_vis_num(p, "rtt_us") / 1e6, "path", id, "peer", who, NULL);
			cd_vis_sample(f, "sxdp_path_jitter_seconds", "gauge", "A path's mean RTT change",
				      cd_vis_num(p, "jitter_us") / 1e6, "path", id, "peer", who, NULL);
			cd_vis_sample(f, "sxdp_path_loss_ratio", "gauge", "Share of a path's last probes lost",
				      cd_vis_num(p, "loss_pm") / 1000, "path", id, "peer", who, NULL);
		}
		cd_vis_sample(f, "sxdp_path_packets_total", "counter", "Packets sent on a path",
			      cd_vis_num(p, "packets"), "path", id, "peer", who, NULL);
		cd_vis_sample(f, "sxdp_path_bytes_total", "counter", "Bytes sent on a path (outer frames)",
			      cd_vis_num(p, "bytes"), "path", id, "peer", who, NULL);
		cd_vis_sample(f, "sxdp_path_probes_lost_total", "counter", "A path's probes never answered",
			      cd_vis_num(p, "probes_lost"), "path", id, "peer", who, NULL);
	}
}

static const struct cd_vis_metrics ov_metrics = {
	.rank = 10, .methods = paths_read, .samples = paths,
};
CD_VIS_METRICS_REGISTER(ov_metrics)

/* Every ESP SA: what it carried and what it refused (never its key). */
static void
sas(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	static const char refused[] = "Packets an ESP SA or WireGuard session (cipher=\"wireguard\") refused or "
				      "could not send, by reason (replay; auth: the ICV or tag did not verify; "
				      "malformed: also no room, numbers exhausted)";
	json_t *sa;
	size_t i;
	char id[24], spi[24], path[24];

	json_array_foreach(json_object_get(in->res, "overlay.sa.list"), i, sa) {
		const char *dir = str(sa, "dir") ?: "", *cipher = str(sa, "cipher") ?: "";

		snprintf(id, sizeof(id), "%lld", (long long)cd_vis_num(sa, "id"));
		snprintf(spi, sizeof(spi), "0x%llx", (long long)cd_vis_num(sa, "spi"));
		snprintf(path, sizeof(path), "%lld", (long long)cd_vis_num(sa, "path"));
#define SA_LABELS "sa", id, "dir", dir, "spi", spi, "cipher", cipher, "path", path
		cd_vis_sample(f, "sxdp_esp_sa_active", "gauge", "1 for an inbound SA, and for the outbound SA "
			      "its path uses now", json_is_true(json_object_get(sa, "active")), SA_LABELS, NULL);
		cd_vis_sample(f, "sxdp_esp_sa_age_seconds", "gauge", "Since an ESP SA or WireGuard session was added",
			      cd_vis_num(sa, "age_ms") / 1000, SA_LABELS, NULL);
		cd_vis_sample(f, "sxdp_esp_sa_packets_total", "counter", "Packets an ESP SA or WireGuard session "
			      "sealed, or opened and took", cd_vis_num(sa, "packets"), SA_LABELS, NULL);
		cd_vis_sample(f, "sxdp_esp_sa_bytes_total", "counter", "Bytes of those packets as they left or came",
			      cd_vis_num(sa, "bytes"), SA_LABELS, NULL);
		cd_vis_sample(f, "sxdp_esp_sa_refused_total", "counter", refused, cd_vis_num(sa, "replay"),
			      SA_LABELS, "reason", "replay", NULL);
		cd_vis_sample(f, "sxdp_esp_sa_refused_total", "counter", refused, cd_vis_num(sa, "auth"), SA_LABELS,
			      "reason", "auth", NULL);
		cd_vis_sample(f, "sxdp_esp_sa_refused_total", "counter", refused, cd_vis_num(sa, "malformed"),
			      SA_LABELS, "reason", "malformed", NULL);
#undef SA_LABELS
	}
}

static const struct cd_vis_metrics ov_sa_metrics = {
	.rank = 11, .methods = sa_read, .samples = sas,
};
CD_VIS_METRICS_REGISTER(ov_sa_metrics)
