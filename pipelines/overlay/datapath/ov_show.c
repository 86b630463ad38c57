/* overlay.paths, the control method that shows every path: its entry, its
 * live state and counters (ov_path.h) and its probes' figures (ov_probe.h,
 * ov_sla.h) or its BFD session (ov_bfd.h). Above them all, so the prober
 * and the paths know nothing of it. */
#include <string.h>

#include <arpa/inet.h>
#include <rte_cycles.h>

#include "ov_show.h"
#include "ov_names.h"
#include "ov_path.h"
#include "ov_probe.h"
#include "ov_bfd.h"
#include "ov_sla.h"
#include "ov_watch.h"
#include "ov_sa.h"
#include "dp_rpc.h"
#include "dp_schema.h"

static unsigned int n_workers;

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }

static const struct dp_schema_field path_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one path",
	.fields = (const struct dp_schema_field[]){
		RU("id", ""),
		{ .name = "probe", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
		  .desc = "static (not probed), sxdp (echo to a peer sxdp), icmp (ICMP echo), bfd (a BFD "
			  "session, RFC 5880/5881)" },
		{ .name = "src", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "local VTEP" },
		{ .name = "dst", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "remote endpoint" },
		{ .name = "state", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "up, down, standby (up to its pair's standby), fault (its far end in fault: taken as down) or held (up, not yet for its hold_ms: taken as down)" },
		RU("since_ms", "since the state last changed (probed paths)"),
		{ .name = "rtt_us", .type = DP_SCHEMA_UINT,
		  .desc = "mean over the last probes (none on a bfd path: BFD measures no RTT)" },
		{ .name = "jitter_us", .type = DP_SCHEMA_UINT, .desc = "mean RTT change (not on a bfd path)" },
		{ .name = "loss_pm", .type = DP_SCHEMA_UINT, .desc = "per mille of the last probes (not on a bfd path)" },
		{ .name = "loss_long_pm", .type = DP_SCHEMA_UINT, .desc = "per mille over the long run, a moving average over some 256 probes: what adaptive FEC follows (not on a bfd path)" },
		{ .name = "fec_k", .type = DP_SCHEMA_UINT, .desc = "adaptive FEC's block on the path now (0: off; not on a bfd path)" },
		RU("packets", "sent on it"), RU("bytes", "sent on it, outer frames"),
		RU("probes_sent", "bfd: control packets sent"),
		RU("probes_answered", "bfd: control packets taken in"), RU("probes_lost", ""),
		RU("probes_late", "answered after counted lost"), RU("downs", ""), RU("ups", ""),
		{ .name = "encryption", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
		  .desc = "clear; none (required): dropped until it has an SA; or the outbound SA it uses: "
			  "esp, its cipher and SPI, or wireguard and the peer's index" },
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
	[OV_PATH_BFD] = OV_A_BFD,
};

json_t *
ov_show_ip(uint32_t be)
{
	char b[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &be, b, sizeof(b)));
}

json_t *
ov_show_addr(const uint8_t *a)
{
	char b[INET6_ADDRSTRLEN];

	return json_string(dp_addr_ntop_any(a, b, sizeof(b)));
}

/* What path @id's frames leave as, in words. */
static json_t *
sealed_as(uint16_t id)
{
	static const char *const ciphers[] = { "aes-gcm-128", "aes-gcm-256", "chacha20-poly1305" };
	const struct ov_sa *sa = ov_sa_out(id);
	char b[64];

	if (sa == NULL)
		return json_string("clear");
	if (sa->proto == OV_SA_BLOCK)
		return json_string("none (required)");
	snprintf(b, sizeof(b), "%s %s %s 0x%x", sa->proto == OV_SA_WG ? "wireguard" : "esp", ciphers[sa->cipher],
		 sa->proto == OV_SA_WG ? "index" : "spi", sa->spi);
	return json_string(b);
}

/* A bfd path's session: RFC 5880 6.8.1's variables, and the timers in force. */
static json_t *
bfd_json(const struct ov_bfd *b)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I}",
			 "session", ov_bfd_state_name[b->state], "remote_session", ov_bfd_state_name[b->remote_state],
			 "diag", ov_bfd_diag_name[b->diag],
			 "remote_diag", b->remote_diag < OV_BFD_DIAG_N ? ov_bfd_diag_name[b->remote_diag] : "unknown",
			 "local_discr", (json_int_t)b->local_disc, "remote_discr", (json_int_t)b->remote_disc,
			 "tx_interval_us", (json_int_t)b->tx_us, "rx_interval_us", (json_int_t)b->detect_rx_us,
			 "remote_min_rx_us", (json_int_t)b->remote_min_rx_us,
			 "remote_tx_us", (json_int_t)b->remote_tx_us, "remote_mult", (json_int_t)b->remote_mult,
			 "detect_time_us", (json_int_t)ov_bfd_detect_us(b), "poll", b->poll,
			 "polls", (json_int_t)b->st.polls, "finals", (json_int_t)b->st.finals);
}

static const char *const live_name[] = { [OV_LIVE_DOWN] = "down", [OV_LIVE_UP] = "up",
					 [OV_LIVE_STANDBY] = "standby" };

static json_t *
path_json(uint16_t id, const struct dp_entry_view *ev, uint64_t now_ns)
{
	static const struct ov_sla_stats none;
	const struct ov_path *c = (const struct ov_path *)ev->params;
	const struct ov_path_live *l = &ov_path_live[id];
	const struct ov_sla *s = ov_probe_sla(id);
	const struct ov_bfd *b = ov_probe_bfd(id);
	struct ov_sla_stats st = s ? s->st : none;
	uint64_t pkts = 0, bytes = 0, since = s ? s->changed : b ? b->changed : now_ns;
	json_t *o;

	for (unsigned int w = 0; w < n_workers; w++) {
		pkts += ov_path_ctr[w][id].pkts;
		bytes += ov_path_ctr[w][id].bytes;
	}
	if (b != NULL) {
		st.sent = b->st.tx;
		st.answered = b->st.rx;
		st.downs = b->st.downs;
		st.ups = b->st.ups;
	}
	o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
		      "id", (json_int_t)id, "probe", kind_name[ev->action],
		      "src", ov_show_addr(c->src), "dst", ov_show_addr(c->dst), "state", ov_probe_far_fault(id) ? "fault" : ov_probe_held(id) ? "held" : live_name[l->up],
		      "since_ms", (json_int_t)((now_ns - since) / 1000000), "packets", (json_int_t)pkts,
		      "bytes", (json_int_t)bytes, "probes_sent", (json_int_t)st.sent,
		      "probes_answered", (json_int_t)st.answered, "probes_lost", (json_int_t)st.lost,
		      "probes_late", (json_int_t)st.late, "downs", (json_int_t)st.downs,
		      "ups", (json_int_t)st.ups, "encryption", sealed_as(id));
	if (o == NULL)
		return NULL;
	if (b != NULL) {
		json_object_set_new(o, "bfd", bfd_json(b));
	} else {
		json_object_set_new(o, "rtt_us", json_integer(l->rtt_us));
		json_object_set_new(o, "jitter_us", json_integer(l->jitter_us));
		json_object_set_new(o, "loss_pm", json_integer(l->loss_pm));
		json_object_set_new(o, "loss_long_pm", json_integer(l->loss_long_pm));
		json_object_set_new(o, "fec_k", json_integer(l->fec_k));
	}
	return o;
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

/* ------------------------------------------------ events and active paths */

static const char *const mode_name[] = {
	[OV_POLICY_FAILOVER] = OV_A_FAILOVER, [OV_POLICY_BALANCE] = OV_A_BALANCE, [OV_POLICY_SLA] = OV_A_SLA,
};

static json_t *
ids(const uint16_t *p)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < OV_POLICY_PATHS; i++)
		if (p[i] != 0)
			json_array_append_new(a, json_integer(p[i]));
	return a;
}

static void
event_json(const struct ov_watch_ev *e, void *arg)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I}", "seq", (json_int_t)e->seq,
			      "time_ms", (json_int_t)(e->wall_ns / 1000000u),
			      "type", e->type == OV_WATCH_PATH ? "path" : "active",
			      "why", ov_watch_why_name[e->why], "path", (json_int_t)e->path);

	if (o == NULL)
		return;
	if (e->rtt_us != OV_PATH_UNMEASURED) {   /* a BFD path has no such figures */
		json_object_set_new(o, "rtt_us", json_integer(e->rtt_us));
		json_object_set_new(o, "jitter_us", json_integer(e->jitter_us));
		json_object_set_new(o, "loss_pm", json_integer(e->loss_pm));
	}
	if (e->type == OV_WATCH_PATH) {
		json_object_set_new(o, "old", json_string(e->old_up ? "up" : "down"));
		json_object_set_new(o, "new", json_string(e->new_up ? "up" : "down"));
	} else {
		json_object_set_new(o, "tunnel", json_integer(e->tunnel));
		json_object_set_new(o, "class", json_integer(e->cls));
		json_object_set_new(o, "mode", json_string(e->mode < RTE_DIM(mode_name) ? mode_name[e->mode] : ""));
		json_object_set_new(o, "old", ids(e->old_act));
		json_object_set_new(o, "new", ids(e->new_act));
	}
	json_array_append_new(arg, o);
}

static const struct dp_schema_field events_params[] = {
	{ .name = "after", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .def = 0,
	  .desc = "only the events after this seq (0: all the ring holds)" },
	{ .name = NULL },
};

static const struct dp_rpc_method events_method = {
	.name = "overlay.events",
	.description = "The last " RTE_STR(OV_WATCH_EVENTS) " path changes (up or down, and why: "
		       "probe_timeout, probes_answered, bfd_up, bfd_timeout, bfd_neighbor_down, takeover) and active-path changes of the policies (and why: "
		       "path_down, path_up, sla_rtt, sla_jitter, sla_loss, sla_met, config), oldest first, "
		       "with wall-clock time and the path's RTT, jitter and loss then",
	.params = events_params,
	.result = &(const struct dp_schema_field){ .name = "events", .type = DP_SCHEMA_OBJECT,
		.flags = DP_SCHEMA_OPEN, .desc = "{capacity, next_seq, lost, events: [...]}" },
};

static int
m_events(json_t *params, const struct dp_schema_val *v __rte_unused, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *a = json_array(), *after = json_object_get(params, "after");
	uint64_t lost, next;

	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	ov_watch_events(json_is_integer(after) ? (uint64_t)json_integer_value(after) : 0, event_json, a,
			&lost, &next);
	*result = json_pack("{s:I, s:I, s:I, s:o}", "capacity", (json_int_t)OV_WATCH_EVENTS, "next_seq",
			    (json_int_t)next, "lost", (json_int_t)lost, "events", a);
	return *result != NULL ? 0 : dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
}

static void
active_json(const struct ov_watch_active *x, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:o, s:o, s:b}", "tunnel", (json_int_t)x->tunnel,
		"class", (json_int_t)x->cls, "mode", x->mode < RTE_DIM(mode_name) ? mode_name[x->mode] : "",
		"paths", ids(x->path), "active", ids(x->act), "unmet", x->unmet));
}

static const struct dp_rpc_method active_method = {
	.name = "overlay.active",
	.description = "Every policy's pick now, as the encap stage makes it: its paths in order of "
		       "preference and the ones in use (failover, sla: the one; balance: those up with "
		       "a weight; none: nothing is up), unmet when an sla policy's limits hold on no path",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "active", .type = DP_SCHEMA_ARRAY,
		.items = &(const struct dp_schema_field){ .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
			.desc = "{tunnel, class, mode, paths, active, unmet}" } },
};

static int
m_active(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *a = json_array();
	int rc;

	if (a == NULL || (rc = ov_watch_actives(active_json, a)) < 0) {
		json_decref(a);
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	}
	*result = a;
	return 0;
}

int
ov_show_init(unsigned int workers)
{
	int rc;

	n_workers = workers;
	if ((rc = dp_rpc_register(&paths_method, m_paths, NULL, NULL)) < 0 ||
	    (rc = dp_rpc_register(&events_method, m_events, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&active_method, m_active, NULL, NULL);
}
