/* The UPF's event ring and upf.events (up_event.h). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_common.h>

#include "up_event.h"
#include "dp_rpc.h"
#include "dp_schema.h"

#define RING 4096                /* a power of two */
static struct up_event ring[RING];
static uint64_t next_seq = 1;    /* of the next event posted */

void
up_event_post(struct up_event *ev)
{
	ev->seq = next_seq++;
	ring[ev->seq & (RING - 1)] = *ev;
}

static const char *const type_name[] = {
	[UP_EV_DDN] = "ddn", [UP_EV_USAGE] = "usage", [UP_EV_ERROR_IND] = "error_ind",
	[UP_EV_END_MARKER] = "end_marker", [UP_EV_PATH] = "path",
};
static const char *const path_name[] = {
	[UP_EV_PATH_DOWN] = "down", [UP_EV_PATH_UP] = "up", [UP_EV_PATH_RESTARTED] = "restarted",
};

static json_t *
event_json(const struct up_event *e)
{
	char a[INET6_ADDRSTRLEN];

	switch (e->type) {
	case UP_EV_DDN:
		return json_pack("{s:I, s:s, s:I, s:I}", "seq", (json_int_t)e->seq, "type", type_name[e->type],
				 "session", (json_int_t)e->session, "app", (json_int_t)e->app);
	case UP_EV_USAGE:
		return json_pack("{s:I, s:s, s:I, s:I, s:s, s:I, s:I, s:I}", "seq", (json_int_t)e->seq,
				 "type", type_name[e->type], "session", (json_int_t)e->session,
				 "app", (json_int_t)e->app, "direction", e->uplink ? "uplink" : "downlink",
				 "urr", (json_int_t)e->urr, "packets", (json_int_t)e->packets,
				 "bytes", (json_int_t)e->bytes);
	case UP_EV_ERROR_IND:
	case UP_EV_END_MARKER:
		inet_ntop(e->peer_len == 16 ? AF_INET6 : AF_INET, e->peer, a, sizeof(a));
		return json_pack("{s:I, s:s, s:s, s:I}", "seq", (json_int_t)e->seq, "type", type_name[e->type],
				 "peer", a, "teid", (json_int_t)e->teid);
	case UP_EV_PATH:
		inet_ntop(e->peer_len == 16 ? AF_INET6 : AF_INET, e->peer, a, sizeof(a));
		return json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "type", type_name[e->type],
				 "peer", a, "state", e->path < RTE_DIM(path_name) && path_name[e->path] ?
				 path_name[e->path] : "?");
	}
	return NULL;
}

static const struct dp_schema_field events_params[] = {
	{ .name = "after", .type = DP_SCHEMA_UINT,
	  .desc = "the last sequence number already read (0: from the oldest kept)" },
	{ .name = "limit", .type = DP_SCHEMA_UINT, .min = 1, .max = RING, .desc = "at most this many (default 1024)" },
	{ .name = NULL },
};

static const struct dp_rpc_method events_method = {
	.name = "upf.events",
	.description = "UPF events in order: ddn (a buffering termination got downlink), usage (a "
		       "URR reached its threshold), error_ind (a peer lost a tunnel), end_marker "
		       "(received; one from the anchor on N9 is also passed on to the session's gNB), path "
		       "(a GTP-U path to a peer down, up again, or the peer restarted: up_path.h); "
		       "lost counts those the ring of " RTE_STR(RING) " overwrote",
	.params = events_params,
	.result = &(const struct dp_schema_field){
		.name = "events", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.desc = "{events: [...], last: the last seq returned or after, lost}" },
};

static int
m_events(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	uint64_t after = v[0].set ? v[0].u : 0, limit = v[1].set ? v[1].u : 1024;
	uint64_t oldest = next_seq > RING ? next_seq - RING : 1, from = RTE_MAX(after + 1, oldest);
	uint64_t lost = after + 1 < oldest ? oldest - (after + 1) : 0, last = after;
	json_t *a = json_array();

	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	for (uint64_t s = from; s < next_seq && s < from + limit; s++) {
		if (json_array_append_new(a, event_json(&ring[s & (RING - 1)])) < 0) {
			json_decref(a);
			return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
		}
		last = s;
	}
	*result = json_pack("{s:o, s:I, s:I}", "events", a, "last", (json_int_t)last, "lost", (json_int_t)lost);
	return 0;
}

int
up_event_init(void)
{
	memset(ring, 0, sizeof(ring));
	next_seq = 1;
	return dp_rpc_register(&events_method, m_events, NULL, NULL);
}
