/* Switch learning: one single-producer ring per worker carries (bridge
 * domain, MAC, port) learn events from the ingress stage to the control
 * thread, which turns them into fdb entries here. */
#include <errno.h>
#include <stdio.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sw_state.h"
#include "sw_learn.h"
#include "dp_table.h"
#include "dp_stats.h"

#define LEARN_RING_SIZE 4096

static struct rte_ring *learn_rings[DP_WORKERS_MAX];
static unsigned int n_workers;

int
pl_switch_learn_init(unsigned int workers)
{
	char name[RTE_RING_NAMESIZE];

	n_workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		snprintf(name, sizeof(name), "sw_learn%u", w);
		learn_rings[w] = rte_ring_create_elem(name, sizeof(struct sw_learn_ev), LEARN_RING_SIZE,
						      rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (learn_rings[w] == NULL)
			return -ENOMEM;
	}
	return 0;
}

void
pl_switch_learn_fini(void)
{
	struct sw_learn_ev ev;

	for (unsigned int w = 0; w < n_workers; w++) {
		while (learn_rings[w] && rte_ring_sc_dequeue_elem(learn_rings[w], &ev, sizeof(ev)) == 0)
			;
		rte_ring_free(learn_rings[w]);
		learn_rings[w] = NULL;
	}
	n_workers = 0;
}

void
pl_switch_learn_post(struct dp_stage_ctx *ctx, struct sw_learn_ev *last, const struct sw_learn_ev *ev)
{
	if (ev->bd == last->bd && ev->port == last->port && ev->tunnel == last->tunnel &&
	    rte_is_same_ether_addr(&ev->mac, &last->mac))
		return;
	*last = *ev;
	if (unlikely(ctx->shadow))   /* a check's copy: the real walk learns it */
		return;
	if (rte_ring_sp_enqueue_elem(learn_rings[ctx->worker], last, sizeof(*last)) != 0)
		ctx->stats->events[SW_EVENT(learn_lost)]++;
}

/* Turn the workers' learn events into fdb writes: new MACs inserted as
 * "learned" (on a port) or "tunnel_learned" (behind a tunnel), moves of
 * learned MACs modified, static entries left alone. */
void
pl_switch_learn_drain(void)
{
	struct sw_learn_ev ev[256];
	struct dp_update u[256];
	int res[256], moved[256];

	for (unsigned int w = 0; w < n_workers; w++) {
		unsigned int n = rte_ring_sc_dequeue_burst_elem(learn_rings[w], ev, sizeof(ev[0]),
								RTE_DIM(ev), NULL);
		unsigned int k = 0;

		for (unsigned int i = 0; i < n; i++) {
			const struct dp_entry *e;

			memset(&u[k], 0, sizeof(u[k]));
			pl_switch_key_fdb(u[k].key, ev[i].bd, &ev[i].mac);
			e = dp_table_find(pl_sw.fdb, u[k].key);
			if (e != NULL && pl_switch_fdb_knows(e, ev[i].port, ev[i].tunnel))
				continue;   /* static, or known there */
			if (ev[i].tunnel) {
				u[k].action = SW_FDB_TUNNEL_LEARNED;
				((struct sw_tun *)u[k].params)->tunnel = ev[i].tunnel;
			} else {
				u[k].action = SW_FDB_LEARNED;
				((struct sw_fwd *)u[k].params)->port = ev[i].port;
			}
			u[k].type = e ? DP_UPD_MODIFY : DP_UPD_INSERT;
			u[k].table = pl_sw.fdb;
			moved[k++] = e != NULL;
		}
		if (k == 0)
			continue;
		dp_table_write(u, k, DP_ATOM_CONTINUE, res);
		for (unsigned int i = 0; i < k; i++)
			if (res[i] == 0)
				dp_lcore_stats[rte_lcore_id()].events[moved[i] ? SW_EVENT(mac_move) : SW_EVENT(learn)]++;
	}
}
