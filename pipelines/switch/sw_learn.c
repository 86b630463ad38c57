/* Switch learning rings: one single-producer ring per worker carries
 * (bridge domain, MAC, port) learn events from the ingress stage to the
 * control thread, which turns them into fdb entries (pl_swctl.c). */
#include <errno.h>
#include <stdio.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "pl_switch.h"
#include "dp_table.h"

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

struct rte_ring *
pl_switch_learn_ring(unsigned int worker)
{
	return worker < n_workers ? learn_rings[worker] : NULL;
}

unsigned int
pl_switch_workers(void)
{
	return n_workers;
}
