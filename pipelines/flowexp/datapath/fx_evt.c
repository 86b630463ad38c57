/* flowexp's event records: the templates features declare and the rings
 * their workers fill (one producer, the worker; one consumer, the main
 * lcore). Bounded: a full ring loses the record and counts it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_stats.h"
#include "fx_cache.h"
#include "fx_evt.h"
#include "fx_state.h"

/* 4096 records: a burst of new connections (NAT44 creates one a packet)
 * over the ~1 ms between two drains */
#define EVT_RING_SIZE 4096

static struct fx_evt_tmpl tmpls[FX_EVT_TMPLS_MAX];
static unsigned int n_tmpls;
static struct rte_ring *rings[DP_WORKERS_MAX];
static unsigned int n_rings;

int
fx_evt_register(const struct fx_evt_tmpl *t)
{
	unsigned int len = 0;

	for (unsigned int i = 0; i < t->n_ies && i < FX_EVT_IES_MAX; i++)
		len += t->ie[i].len;
	if (t->n_ies == 0 || t->n_ies > FX_EVT_IES_MAX || len > FX_EVT_LEN_MAX)
		return -EINVAL;
	/* the same template again (a feature set up twice in one process:
	 * tests) is the one it had */
	for (unsigned int i = 0; i < n_tmpls; i++)
		if (memcmp(&tmpls[i], t, sizeof(*t)) == 0)
			return (int)i;
	if (n_tmpls == FX_EVT_TMPLS_MAX)
		return -ENOSPC;
	tmpls[n_tmpls] = *t;
	return (int)n_tmpls++;
}

unsigned int
fx_evt_tmpls(void)
{
	return n_tmpls;
}

const struct fx_evt_tmpl *
fx_evt_tmpl_all(void)
{
	return tmpls;
}

int
fx_evt_init(unsigned int n_workers)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned int w = 0; w < n_workers && w < DP_WORKERS_MAX; w++) {
		snprintf(name, sizeof(name), "fx_evt%u", w);
		rings[w] = rte_ring_create_elem(name, sizeof(struct fx_evt_rec), EVT_RING_SIZE, (int)rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rings[w] == NULL)
			return -ENOMEM;
		n_rings = w + 1;
	}
	return 0;
}

void
fx_evt_fini(void)
{
	for (unsigned int w = 0; w < n_rings; w++) {
		rte_ring_free(rings[w]);
		rings[w] = NULL;
	}
	n_rings = 0;
}

unsigned int
fx_evt_workers(void)
{
	return n_rings;
}

bool
fx_evt_wanted(void)
{
	return __atomic_load_n(&fx_wcfg.sampling, __ATOMIC_RELAXED) != 0;
}

int
fx_evt_emit(unsigned int worker, int id, uint64_t tsc, const void *rec, unsigned int len)
{
	struct fx_evt_rec r;

	if (!fx_evt_wanted())
		return -ENODEV;
	if (worker >= n_rings || id < 0 || (unsigned int)id >= n_tmpls || len > FX_EVT_LEN_MAX)
		return -EINVAL;
	r.tsc = tsc;
	r.id = (uint16_t)id;
	r.len = (uint16_t)len;
	memcpy(r.data, rec, len);
	if (rte_ring_sp_enqueue_elem(rings[worker], &r, sizeof(r)) != 0) {
		dp_lcore_stats[rte_lcore_id()].events[FX_EVENT(evt_lost)]++;
		return -ENOBUFS;
	}
	return 0;
}

unsigned int
fx_evt_drain(unsigned int w, struct fx_evt_rec *r, unsigned int max)
{
	return w < n_rings ? rte_ring_sc_dequeue_burst_elem(rings[w], r, sizeof(r[0]), max, NULL) : 0;
}
