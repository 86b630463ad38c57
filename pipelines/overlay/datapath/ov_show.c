/* overlay.paths, the control method that shows every path: its entry, its
 * live state and counters (ov_path.h) and its probes' figures (ov_probe.h,
 * ov_sla.h). Above both, so the prober and the paths know nothing of it. */
#include <string.h>

#include <arpa/inet.h>
#include <rte_cycles.h>

#include "ov_show.h"
#include "ov_names.h"
#include "ov_path.h"
#include "ov_probe.h"
#include "ov_sla.h"
#include "dp_rpc.h"
#include "dp_schema.h"

static unsigned int n_workers;

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }

static const struct dp_schema_field path_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one path",
	.fields = (const struct dp_schema_field[]){
		RU("id", ""),
		{ .name = "probe", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
		  .desc = "static (not probed), sxdp (echo to a peer sxdp), icmp (ICMP echo)" },
		{ .name = "src", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "local VTEP" },
		{ .name = "dst", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "remote endpoint" },
		{ .name = "state", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "up or down" },
		RU("since_ms", "since the state last changed (probed paths)"),
		RU("rtt_us", "mean over the last probes"), RU("jitter_us", "mean RTT change"),
		RU("loss_pm", "per mille of the last probes"),
		RU("packets", "sent on it"), RU("bytes", "sent on it, outer frames"),
		RU("probes_sent", ""), RU("probes_answered", ""), RU("probes_lost", ""),
		RU("probes_late", "answered after counted lost"), RU("downs", ""), RU("ups", ""),
		{ .name = NULL } },
};

static const struct dp_rpc_method paths_method = {
	.name = "overlay.paths",
	.description = "Every path: where it goes, whether it is up, its RTT, jitter and loss from "
		       "its probes, and what it carried",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){
		.name = "paths", .type = DP_SCHEMA_ARRAY, .items = &path_row },
};

static const char *const kind_name[] = {
	[OV_PATH_STATIC] = OV_A_STATIC, [OV_PATH_SXDP] = OV_A_SXDP, [OV_PATH_ICMP] = OV_A_ICMP,
};

static json_t *
ip_str(uint32_t be)
{
	char b[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &be, b, sizeof(b)));
}

static json_t *
path_json(uint16_t id, const struct dp_entry_view *ev, uint64_t now_ns)
{
	static const struct ov_sla_stats none;
	const struct ov_path *c = (const struct ov_path *)ev->params;
	const struct ov_path_live *l = &ov_path_live[id];
	const struct ov_sla *s = ov_probe_sla(id);
	const struct ov_sla_stats *st = s ? &s->st : &none;
	uint64_t pkts = 0, bytes = 0;

	for (unsigned int w = 0; w < n_workers; w++) {
		pkts += ov_path_ctr[w][id].pkts;
		bytes += ov_path_ctr[w][id].bytes;
	}
	return json_pack("{s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "id", (json_int_t)id, "probe", kind_name[ev->action],
			 "src", ip_str(c->src), "dst", ip_str(c->dst), "state", l->up ? "up" : "down",
			 "since_ms", (json_int_t)(s ? (now_ns - s->changed) / 1000000 : 0),
			 "rtt_us", (json_int_t)l->rtt_us, "jitter_us", (json_int_t)l->jitter_us,
			 "loss_pm", (json_int_t)l->loss_pm, "packets", (json_int_t)pkts,
			 "bytes", (json_int_t)bytes, "probes_sent", (json_int_t)st->sent,
			 "probes_answered", (json_int_t)st->answered, "probes_lost", (json_int_t)st->lost,
			 "probes_late", (json_int_t)st->late, "downs", (json_int_t)st->downs,
			 "ups", (json_int_t)st->ups);
}

static int
m_paths(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	struct dp_entry_view ev[64];
	uint64_t now_ns = ov_probe_ns(rte_rdtsc());
	uint32_t off = 0, next;
	json_t *a = json_array();

	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	do {
		unsigned int k = dp_table_read(pl_ov.paths, off, RTE_DIM(ev), ev, &next);

		for (unsigned int i = 0; i < k; i++) {
			uint16_t id = (uint16_t)(ev[i].key[2] << 8 | ev[i].key[3]);

			if (ev[i].action == OV_PATH_NONE)
				continue;
			if (json_array_append_new(a, path_json(id, &ev[i], now_ns)) < 0) {
				json_decref(a);
				return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "",
						      "out of memory");
			}
		}
		off = next;
	} while (next != UINT32_MAX);
	*result = a;
	return 0;
}

int
ov_show_init(unsigned int workers)
{
	n_workers = workers;
	return dp_rpc_register(&paths_method, m_paths, NULL, NULL);
}
