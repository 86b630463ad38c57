/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's part of the Visibility API's counters and of /metrics: sums per slice, SMF and direction, never per session. */
#include <string.h>

#include "cd_svc.h"
#include "cd_vis.h"

static const char *const upf_reads[] = { "upf.usage", "stats.get", "upf.paths", NULL };

#define PATHS_SHOWN 256	/* GTP-U paths in the counters and /metrics' labels, at most */

static void
add(json_t *o, const char *k, json_int_t n)
{
	json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + n));
}

/* Sessions per slice ({SLICE: {"intent", "pfcp"}}) and per SMF: an upf
 * intent's (Ready: in sxdp) under its slice, a PFCP session's under its
 * UPF's slice (the pfcp service's status, when it runs). */
static void
sessions_by(const struct cd_vis_in *in, json_t *pfcp, json_t *out)
{
	json_t *docs = cd_vis_docs(in->r, "upf"), *by_slice = json_object(), *d, *v, *row;
	json_int_t n_int = 0, n_pf = 0;
	const char *k, *sl;

	json_object_foreach(docs, k, d) {
		const char *ph = json_string_value(json_object_get(json_object_get(d, "status"), "phase"));
		json_int_t n = (json_int_t)json_array_size(json_object_get(json_object_get(d, "spec"), "sessions"));

		if (ph == NULL || strcmp(ph, "Ready") != 0 || n == 0 ||
		    (sl = json_string_value(json_object_get(json_object_get(d, "spec"), "slice"))) == NULL)
			continue;
		if ((row = json_object_get(by_slice, sl)) == NULL)
			json_object_set_new(by_slice, sl, row = json_pack("{s:i,s:i}", "intent", 0, "pfcp", 0));
		add(row, "intent", n);
		n_int += n;
	}
	json_object_foreach(json_object_get(pfcp, "by_upf"), k, v) {
		sl = json_string_value(json_object_get(json_object_get(json_object_get(docs, k), "spec"), "slice"));
		sl = sl != NULL ? sl : "?";
		if ((row = json_object_get(by_slice, sl)) == NULL)
			json_object_set_new(by_slice, sl, row = json_pack("{s:i,s:i}", "intent", 0, "pfcp", 0));
		add(row, "pfcp", json_integer_value(v));
		n_pf += json_integer_value(v);
	}
	json_decref(docs);
	json_object_set_new(out, "sessions_total", json_pack("{s:I,s:I}", "intent", n_int, "pfcp", n_pf));
	json_object_set_new(out, "sessions_by_slice", by_slice);
	json_object_set_new(out, "sessions_by_smf", json_deep_copy(json_object_get(pfcp, "by_node")) ?: json_object());
}

/* What its URRs counted, its sessions per table, per slice and per SMF,
 * uplink (broken out to N6 or sent on over N9) and downlink, buffering,
 * reports, its events. null when sxdp runs no upf. */
static json_t *
upf_counters(const struct cd_vis_in *in)
{
	json_t *usage = json_object_get(in->res, "upf.usage"), *stats = json_object_get(in->res, "stats.get");
	json_t *evs = json_object_get(stats, "events"), *ev, *sessions, *v, *out, *svc, *pfcp;
	const char *k;
	size_t kl;

	if (!json_is_object(usage))
		return json_null();
	ev = json_object();
	sessions = json_object();
	json_object_foreach(evs, k, v)
		if (strncmp(k, "upf.", 4) == 0 && ((kl = strlen(k)) < 6 || strcmp(k + kl - 6, "_bytes") != 0))
			json_object_set(ev, k + 4, v);
	json_object_foreach(json_object_get(stats, "tables"), k, v)
		if (strncmp(k, "sessions_", 9) == 0)
			json_object_set(sessions, k, json_object_get(v, "entries"));
	out = json_pack("{s:O,s:O,s:o}", "packets", json_object_get(usage, "packets"), "bytes",
			json_object_get(usage, "bytes"), "sessions", sessions);
	svc = cd_svc_status();
	pfcp = json_object_get(json_object_get(svc, "pfcp"), "sessions");
	sessions_by(in, pfcp, out);
#define EV(n) ((json_int_t)cd_vis_num(evs, "upf." n))
#define DR(n) ((json_int_t)cd_vis_num(json_object_get(stats, "drops"), "upf." n))
	json_object_set_new(out, "uplink", json_pack("{s:I,s:I,s:{s:I,s:I},s:{s:I,s:I}}",
		"packets", EV("breakout") + EV("to_n9"), "bytes", EV("breakout_bytes") + EV("to_n9_bytes"),
		"n6", "packets", EV("breakout"), "bytes", EV("breakout_bytes"),
		"n9", "packets", EV("to_n9"), "bytes", EV("to_n9_bytes")));
	json_object_set_new(out, "downlink", json_pack("{s:I,s:I}", "packets", EV("to_n3"), "bytes",
						       EV("to_n3_bytes")));
	json_object_set_new(out, "buffered", json_pack("{s:I,s:I,s:I}", "now",
		(json_int_t)cd_vis_num(usage, "buffered"), "packets", EV("buffered"), "dropped",
		DR("buffer_full") + DR("buffer_expired") + DR("buffer_gone") + DR("session_gone")));
	/* raised in sxdp (what an intent's sessions have too); sent to SMFs
	 * by PFCP: null without it */
	json_object_set_new(out, "reports", json_pack("{s:I,s:I,s:O?,s:O?,s:O?}", "dl_data_raised", EV("ddn"),
		"usage_raised", EV("usage_report"), "sent", json_object_get(pfcp, "reports"),
		"dl_data_sent", json_object_get(pfcp, "dl_data_reports"), "failed",
		json_object_get(pfcp, "report_failures")));
#undef EV
#undef DR
	json_decref(svc);
	json_object_set_new(out, "events", ev);
	/* GTP-U paths (sxdp's supervision): each far end's state, the first PATHS_SHOWN */
	{
		json_t *all = json_object_get(json_object_get(in->res, "upf.paths"), "paths"), *a = json_array();
		size_t i;

		json_array_foreach(all, i, v)
			if (i < PATHS_SHOWN)
				json_array_append(a, v);
		json_object_set_new(out, "paths", a);
		json_object_set_new(out, "paths_total", json_integer((json_int_t)json_array_size(all)));
	}
	return out;
}

static const struct cd_vis_view up_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "upf", .rank = 60, .methods = upf_reads, .value = upf_counters,
};
CD_VIS_VIEW_REGISTER(up_view_counters)

/* upf.usage with no params: nothing when sxdp runs no upf. */
static void
upf_samples(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	json_t *usage = json_object_get(in->res, "upf.usage");

	if (!json_is_object(usage))
		return;
	cd_vis_sample(f, "sxdp_upf_usage_packets_total", "counter",
		      "Packets the UPF's URRs counted (what passed its QERs), all sessions",
		      cd_vis_num(usage, "packets"), NULL);
	cd_vis_sample(f, "sxdp_upf_usage_bytes_total", "counter",
		      "Bytes of IP packets the UPF's URRs counted, all sessions", cd_vis_num(usage, "bytes"), NULL);
	cd_vis_sample(f, "sxdp_upf_usage_thresholds", "gauge", "URRs with a volume threshold being watched",
		      cd_vis_num(usage, "watched"), NULL);
	cd_vis_sample(f, "sxdp_upf_buffered_packets", "gauge", "Downlink packets the UPF holds now (BUFF), all sessions",
		      cd_vis_num(usage, "buffered"), NULL);
	/* GTP-U paths: labels bounded (PATHS_SHOWN far ends, the total beside) */
	{
		json_t *all = json_object_get(json_object_get(in->res, "upf.paths"), "paths"), *p;
		size_t i;

		cd_vis_sample(f, "sxdp_upf_paths", "gauge", "GTP-U paths supervised (far ends of the tunnel peers in use)",
			      (double)json_array_size(all), NULL);
		json_array_foreach(all, i, p) {
			const char *peer = json_string_value(json_object_get(p, "peer")), *st;

			if (i >= PATHS_SHOWN || peer == NULL)
				break;
			st = json_string_value(json_object_get(p, "state"));
			cd_vis_sample(f, "sxdp_upf_path_up", "gauge",
				      "A GTP-U path's state: 1 up, 0 down, -1 not answered yet (TS 29.281 7.2)",
				      st && strcmp(st, "up") == 0 ? 1 : st && strcmp(st, "down") == 0 ? 0 : -1,
				      "peer", peer, NULL);
			cd_vis_sample(f, "sxdp_upf_path_failures_total", "counter", "A GTP-U path's failures",
				      cd_vis_num(p, "fails"), "peer", peer, NULL);
			cd_vis_sample(f, "sxdp_upf_path_rtt_seconds", "gauge", "A GTP-U path's last Echo round trip",
				      cd_vis_num(p, "rtt_us") / 1e6, "peer", peer, NULL);
		}
	}
	/* sessions per slice and where they come from: labels bounded by the slices */
	{
		json_t *out = json_object(), *svc = cd_svc_status(), *row;
		const char *sl;

		sessions_by(in, json_object_get(json_object_get(svc, "pfcp"), "sessions"), out);
		json_object_foreach(json_object_get(out, "sessions_by_slice"), sl, row) {
			cd_vis_sample(f, "sxcd_upf_sessions", "gauge", "UPF sessions per slice, by source (intent, pfcp)",
				      cd_vis_num(row, "intent"), "slice", sl, "source", "intent", NULL);
			cd_vis_sample(f, "sxcd_upf_sessions", "gauge", "UPF sessions per slice, by source (intent, pfcp)",
				      cd_vis_num(row, "pfcp"), "slice", sl, "source", "pfcp", NULL);
		}
		json_decref(svc);
		json_decref(out);
	}
}

static const struct cd_vis_metrics up_metrics = {
	.rank = 30, .methods = upf_reads, .samples = upf_samples,
};
CD_VIS_METRICS_REGISTER(up_metrics)
