/* The packet graph: DPDK rte_graph nodes for the core's steps (rx with the
 * parser, port_out, drop) and, for every feature in use, a node per stage
 * and a punt node; one graph per worker. A packet's next node depends on
 * its port's role (rx -> the feature that role enters) and on what each
 * stage decides. */
#ifndef DP_GRAPH_H
#define DP_GRAPH_H

#include <stdbool.h>
#include <jansson.h>

struct dp_worker;

/* Main lcore, after dp_feature_setup and dp_ports_init: the nodes of the
 * features in use and the edges into them. 0 or -errno. */
int dp_graph_setup(void);
/* One graph for a worker, before it is launched. 0 or -errno. */
int dp_graph_create(struct dp_worker *w);
void dp_graph_destroy(struct dp_worker *w);
/* After dp_graph_setup: does a stage in use hand packets off between
 * workers (DP_NEXT_HANDOFF)? The workers' rings are needed then. */
bool dp_graph_hands_off(void);

/* Worker: one walk of its graph (walk: a counter, for sampling cycles). */
#define DP_GRAPH_TIMED_EVERY 16
struct rte_graph;
void dp_graph_walk(struct rte_graph *graph, uint32_t walk);

/* {"description", "features": [{name, description, roles, stages}],
 *  "stages": ["parse", stage node names], "graph": [{node, next: [...]}]} */
json_t *dp_graph_describe(void);
/* Per node, summed over workers: {"nodes": [{node, calls, packets, cycles,
 * cycles_per_packet}], "cycles_sampled_every": N}; cycles are measured on
 * one walk in N and scaled. */
json_t *dp_graph_stats(void);

#endif
