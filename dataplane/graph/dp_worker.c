/* The worker loop: walk the packet graph (rx -> parse -> feature stages ->
 * port_out / drop / punt), report quiescence, again. The graph's nodes free
 * and transmit; this file sets them up and feeds the slow path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dp_worker.h"
#include "dp_graph.h"
#include "dp_port.h"
#include "dp_table.h"
#include "dp_log.h"
#include "dp_reta.h"

volatile bool dp_quit;
static struct dp_worker *all_workers;
static unsigned int n_all_workers;
static bool workers_gone;     /* dp_workers_fini ran: the main lcore sends alone */

#define INJECT_RING_SIZE 1024

int
dp_workers_setup(struct dp_worker *w, unsigned int n_workers, const unsigned int *lcores,
		 struct rte_ring *punt, uint16_t burst, uint32_t sleep_max_us)
{
	unsigned int k = 0;
	char name[RTE_RING_NAMESIZE];
	bool soft_rss = false;
	int rc;

	/* the rings carry software RSS's packets and what a stage hands off */
	soft_rss = dp_graph_hands_off();
	for (unsigned int p = 0; p < dp_n_ports; p++)
		soft_rss |= dp_ports[p].cfg->soft_rss;
	all_workers = w;
	n_all_workers = n_workers;
	dp_reta_init(n_workers);
	for (unsigned int i = 0; i < n_workers; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].idx = i;
		w[i].lcore = lcores[i];
		w[i].punt = punt;
		w[i].burst = burst;
		w[i].sleep_max_us = sleep_max_us;
		w[i].ctx = (struct dp_stage_ctx){ .worker = i, .lcore = lcores[i],
						  .stats = &dp_lcore_stats[lcores[i]] };
		snprintf(name, sizeof(name), "sxdp_inject%u", i);
		w[i].inject = rte_ring_create(name, INJECT_RING_SIZE, rte_socket_id(),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w[i].inject == NULL)
			return -ENOMEM;
		w[i].all = w;
		w[i].n_all = n_workers;
	}
	/* one ring per ordered pair: each has one producer and one consumer */
	for (unsigned int i = 0; i < n_workers && soft_rss && n_workers > 1; i++)
		for (unsigned int j = 0; j < n_workers; j++) {
			if (i == j)
				continue;
			snprintf(name, sizeof(name), "sxdp_ho%u_%u", j, i);
			w[i].handin[j] = rte_ring_create(name, DP_HANDOFF_RING_SIZE, rte_socket_id(),
							 RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (w[i].handin[j] == NULL)
				return -ENOMEM;
			w[i].handoff = true;
		}
	for (unsigned int p = 0; p < dp_n_ports && n_workers > 0; p++) {
		for (uint16_t q = 0; q < dp_ports[p].n_rxq; q++, k++) {
			struct dp_worker *x = &w[k % n_workers];

			if (x->n_rxq == DP_RXQ_PER_WORKER_MAX)
				return -E2BIG;
			x->rxq[x->n_rxq++] = (struct dp_rxq){ p, dp_ports[p].port_id, q };
		}
	}
	for (unsigned int i = 0; i < n_workers; i++)
		if ((rc = dp_graph_create(&w[i])) < 0)
			return rc;
	return 0;
}

void
dp_workers_fini(struct dp_worker *w, unsigned int n_workers)
{
	workers_gone = true;
	for (unsigned int i = 0; i < n_workers; i++) {
		void *m = NULL;

		dp_graph_destroy(&w[i]);
		while (w[i].inject && rte_ring_dequeue(w[i].inject, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w[i].inject);
		w[i].inject = NULL;
		for (unsigned int j = 0; j < n_workers; j++) {
			while (w[i].handin[j] && rte_ring_dequeue(w[i].handin[j], &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w[i].handin[j]);
			w[i].handin[j] = NULL;
		}
	}
}

uint64_t
dp_workers_seen(void)
{
	uint64_t seen = UINT64_MAX;

	for (unsigned int i = 0; i < n_all_workers; i++)
		seen = RTE_MIN(seen, __atomic_load_n(&all_workers[i].ctx.now, __ATOMIC_RELAXED));
	return n_all_workers ? seen : 0;
}

/* The cycles a worker's thread has run (the kernel's schedstat, in ns);
 * 0 when it cannot be read. */
static uint64_t
thread_ran(int tid, uint64_t hz)
{
	char path[64], buf[128];
	unsigned long long ns = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	if (tid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu", &ns) != 1)
		return 0;
	return (uint64_t)((double)ns * (double)hz / 1e9);
}

unsigned int
dp_workers_balance(uint64_t now)
{
	uint64_t busy[DP_WORKERS_MAX], ran[DP_WORKERS_MAX], hz = rte_get_tsc_hz();
	const uint32_t *pkts[DP_WORKERS_MAX];
	unsigned int moved;
	bool wall = false;

	if (n_all_workers < 2 || !all_workers[0].handoff || !dp_reta_due(now, hz))
		return 0;
	for (unsigned int i = 0; i < n_all_workers; i++) {
		busy[i] = __atomic_load_n(&dp_lcore_stats[all_workers[i].lcore].busy_cycles, __ATOMIC_RELAXED);
		pkts[i] = all_workers[i].bucket_pkts;
		wall |= (ran[i] = thread_ran(__atomic_load_n(&all_workers[i].tid, __ATOMIC_RELAXED), hz)) == 0;
	}
	/* no run times (no /proc): the wall clock, as if each had its CPU */
	for (unsigned int i = 0; i < n_all_workers && wall; i++)
		ran[i] = now;
	moved = dp_reta_balance(now, hz, busy, ran, pkts, n_all_workers);
	dp_lcore_stats[rte_lcore_id()].events[DP_EVENT_core_reta_moved] += moved;
	return moved;
}

/* An idle worker backs off (OVS's pmd-sleep-max, VPP's adaptive mode): it
 * polls on for IDLE_BEFORE_SLEEP_US, then sleeps 1, 2, 4 ... microseconds
 * a walk up to its sleep_max_us, and any packet puts it back to polling.
 * What arrives while it sleeps waits in the device's ring: at most
 * sleep_max_us of traffic, which the ring must hold (rxd) for no loss at
 * the ramp. It takes no table snapshot asleep (offline to the tables'
 * RCU), so a write never waits for its sleep. A worker that owns a port's
 * scheduler never sleeps: it releases packets by time. */
#define IDLE_BEFORE_SLEEP_US 1000

static void
idle_sleep(struct dp_worker *w, struct dp_lcore_stats *st, uint32_t us)
{
	uint64_t t = rte_rdtsc();

	dp_tables_reader_offline(w->idx);
	rte_delay_us_sleep(us);
	dp_tables_reader_online(w->idx);
	st->sleep_cycles += rte_rdtsc() - t;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_lcore_stats *st = w->ctx.stats;

	const uint64_t idle_before = rte_get_tsc_hz() / 1000000 * IDLE_BEFORE_SLEEP_US;
	uint64_t idle_since = 0;
	uint32_t sleep_us = 0;

	DP_LOG(INFO, "worker %u on lcore %u: %u rx queues%s", w->idx, w->lcore, w->n_rxq,
	       w->sleep_max_us ? ", sleeps when idle" : "");
	__atomic_store_n(&w->tid, (int)syscall(SYS_gettid), __ATOMIC_RELAXED);
	/* the kernel's default slack (50 us) would make every short sleep long */
	if (w->sleep_max_us)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	dp_tables_reader_online(w->idx);
	for (uint32_t walk = 0; !dp_quit; walk++) {
		uint64_t t0 = rte_rdtsc(), t1;

		/* one table snapshot per walk: quiescent only after it */
		w->ctx.root = dp_tables_root();
		/* relaxed: a plain store, read by dp_workers_seen */
		__atomic_store_n(&w->ctx.now, t0, __ATOMIC_RELAXED);
		dp_graph_walk(w->graph, walk);
		{
			const struct dp_tap *tap = dp_tap_get();

			if (unlikely(tap != NULL))
				tap->walk(&w->ctx);
		}
		for (unsigned int f = 0; f < dp_feature_n_walks; f++)
			dp_feature_walks[f](&w->ctx);
		/* a walk that read packets or took some from another worker (soft_rss) */
		if (w->walk_rx || w->walk_in) {
			/* pipeline: what the walk spent outside the drivers' RX and TX */
			t1 = rte_rdtsc();
			st->busy_cycles += t1 - t0 - w->walk_idle;
			st->pipeline_cycles += t1 - t0 - w->walk_idle - w->walk_rx - w->walk_tx;
			idle_since = 0;
			sleep_us = 0;
		} else if (w->sleep_max_us && !w->owns_egress) {
			if (idle_since == 0) {
				idle_since = t0;
			} else if (t0 - idle_since >= idle_before) {
				sleep_us = sleep_us ? RTE_MIN(sleep_us * 2, w->sleep_max_us) : 1;
				idle_sleep(w, st, sleep_us);
				continue;
			}
		}
		dp_tables_quiescent(w->idx);
	}
	dp_tables_reader_offline(w->idx);
	DP_LOG(INFO, "worker %u stopped", w->idx);
	return 0;
}

int
dp_slowpath_send(struct rte_mbuf *m, uint16_t port)
{
	struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];
	unsigned int reason = DP_DROP_core_inject_full;

	if (port >= dp_n_ports) {
		reason = DP_DROP_core_bad_port;
		goto fail;
	}
	dp_meta(m)->out_port = port;
	/* the workers gone (sxdp stops), the features' goodbyes (a VRRP
	 * master's priority 0) leave on worker 0's queue, idle now, while the
	 * ports are still up */
	if (workers_gone) {
		if (!dp_ports[port].started || dp_ports[port].closed ||
		    rte_eth_tx_burst(dp_ports[port].port_id, 0, &m, 1) != 1)
			goto fail;
		st->inject_pkts++;
		return 0;
	}
	/* spread by port so one port's packets stay in order */
	if (n_all_workers == 0 ||
	    rte_ring_sp_enqueue(all_workers[port % n_all_workers].inject, m) != 0)
		goto fail;
	st->inject_pkts++;
	return 0;
fail:
	/* not drop_pkts: the slow path already accounted for this packet (or
	 * made it); see dp_stats.h */
	st->drops[reason]++;
	st->inject_drop++;
	rte_pktmbuf_free(m);
	return -ENOBUFS;
}

unsigned int
dp_slowpath_drain(struct rte_ring *punt)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(punt, (void **)pkts, DP_BURST, NULL);

	dp_lcore_stats[rte_lcore_id()].slow_pkts += n;
	for (unsigned int i = 0; i < n; i++) {
		int out = dp_feature_slowpath(pkts[i]);

		if (out >= 0)
			dp_slowpath_send(pkts[i], (uint16_t)out);
	}
	return n;
}
