/* qos.sched: every egress scheduler's counters, per slice (a subport, or
 * pipes of subport 0) and traffic class, and per pipe (VDN or class), as
 * the owners harvested them at the call. Main lcore. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qs_show.h"
#include "qs_state.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_schema.h"

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }
static const struct dp_schema_field sched_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one port's scheduler",
	.fields = (const struct dp_schema_field[]){
		{ .name = "port", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ },
		RU("rate_bps", ""), RU("queued", "packets in its queues"),
		{ .name = "subports", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ,
		  .desc = "per slice (subport 0, slice 0: best effort; a slice that is a pipe of subport 0 "
			  "with its VDNs') and traffic class" },
		{ .name = "pipes", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ, .desc = "per VDN or class pipe" },
		{ .name = NULL } },
};
static const struct dp_rpc_method sched_method = {
	.name = "qos.sched",
	.description = "Every egress scheduler: what best effort and each slice (a subport, or pipes of "
		       "subport 0), per traffic class, and each pipe (VDN or class), sent and dropped",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "ports", .type = DP_SCHEMA_ARRAY, .items = &sched_row },
};

static json_t *
ctr_json(const struct ctr *c)
{
	return json_pack("{s:I, s:I, s:I}", "packets", (json_int_t)c->pkts, "bytes", (json_int_t)c->bytes,
			 "drops", (json_int_t)c->drops);
}

static json_t *
tcs_json(const struct ctr *c)
{
	json_t *tcs = json_array();

	for (unsigned int t = 0; t < TCS; t++)
		if (c[t].pkts || c[t].drops) {
			json_t *o = ctr_json(&c[t]);

			json_object_set_new(o, "tc", json_integer(t));
			json_array_append_new(tcs, o);
		}
	return tcs;
}

static void
ctr_add(struct ctr *to, const struct ctr *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		to[i].pkts += c[i].pkts;
		to[i].bytes += c[i].bytes;
		to[i].drops += c[i].drops;
	}
}

static json_t *
port_json(struct qs_port *q, unsigned int p)
{
	json_t *subs = json_array(), *pipes = json_array();
	struct ctr *by = calloc((size_t)q->n_pipes * TCS, sizeof(*by)), sum[TCS];
	uint16_t *row = calloc(q->n_pipes, sizeof(*row));   /* subport 0's pipe -> the pipe its slice's sums are in */

	json_array_append_new(subs, json_pack("{s:i, s:i, s:o}", "subport", 0, "slice", 0, "tcs",
					      tcs_json(&q->ctr[0])));
	for (uint32_t s = 1; s < q->n_subports && s < QOS_SUBPORTS_MAX; s++)
		if (q->sub_slice[s] != 0)
			json_array_append_new(subs, json_pack("{s:I, s:I, s:o}", "subport", (json_int_t)s, "slice",
							      (json_int_t)q->sub_slice[s], "tcs",
							      tcs_json(q->sub_ctr[s])));
	/* a slice that is pipes of subport 0: all of them summed, as a
	 * subport of its own would count */
	for (uint32_t i = 1; by != NULL && row != NULL && i < q->n_pipes; i++) {
		uint32_t first = i;

		if (!q->pos[i].used || row[i] != 0)
			continue;
		for (uint32_t j = i; j < q->n_pipes; j++)
			if (q->pos[j].used && q->pos[j].slice == q->pos[i].slice) {
				row[j] = (uint16_t)first;
				ctr_add(&by[first * TCS], &q->ctr[j * TCS], TCS);
			}
		json_array_append_new(subs, json_pack("{s:i, s:I, s:o}", "subport", 0, "slice",
						      (json_int_t)q->pos[i].slice, "tcs", tcs_json(&by[first * TCS])));
	}
	for (uint32_t c = 1; c <= QOS_PIPE_NUM_MAX; c++) {
		uint64_t v = q->class_at[c];
		uint32_t qp = ((uint32_t)v >> 16) * q->n_pipes + ((uint32_t)v & 0xffff);
		struct ctr one = { 0 };
		json_t *o;

		if (v == 0)
			continue;
		memset(sum, 0, sizeof(sum));
		ctr_add(sum, &q->ctr[qp * TCS], TCS);
		for (unsigned int t = 0; t < TCS; t++)
			ctr_add(&one, &sum[t], 1);
		o = ctr_json(&one);
		json_object_set_new(o, "slice", json_integer((json_int_t)(v >> 32)));
		json_object_set_new(o, "pipe", json_integer(c));
		json_array_append_new(pipes, o);
	}
	free(by);
	free(row);
	return json_pack("{s:s, s:I, s:I, s:o, s:o}", "port", dp_ports[p].cfg->name, "rate_bps",
			 (json_int_t)(q->rate * 8), "queued", (json_int_t)q->queued, "subports", subs, "pipes", pipes);
}

static int
m_sched(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *a = json_array();

	for (unsigned int p = 0; p < DP_PORTS_MAX; p++) {
		struct qs_port *q = qs_ports[p];

		if (q == NULL)
			continue;
		qs_state_send(q, (struct cmd){ .op = CMD_HARVEST });
		json_array_append_new(a, port_json(q, p));
	}
	*result = a;
	return 0;
}

int
qs_show_init(void)
{
	return dp_rpc_register(&sched_method, m_sched, NULL, NULL);
}
