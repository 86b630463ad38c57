/* flowexp's worker cache on DPDK (EAL without hugepages or devices): the
 * egress tap and the walk called as a worker calls them, the records read
 * from the worker's ring as the main lcore reads them. It pins down when
 * packets count across a config change: a burst that arrives with the
 * first config counts even before the worker's walk has run; a new config
 * flushes what the old one saw (ended "forced") before anything counts. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_cycles.h>

#include "dp_meta.h"
#include "dp_stats.h"
#include "fx_cache.h"
#include "fx_ipfix.h"

int dp_logtype;
unsigned int pl_fx_drop_base, pl_fx_event_base;

static struct rte_mempool *pool;
static struct dp_lcore_stats stats;
static struct dp_stage_ctx ctx;

/* What fx_export_apply tells the workers: the rest first, the generation last. */
static void
config(uint32_t sampling, uint32_t idle_s)
{
	fx_wcfg.sampling = sampling;
	fx_wcfg.idle_tsc = rte_get_tsc_hz() * idle_s;
	fx_wcfg.active_tsc = rte_get_tsc_hz() * 60;
	__atomic_store_n(&fx_wcfg.gen, fx_wcfg.gen + 1, __ATOMIC_RELEASE);
}

/* A burst of n UDP packets of one flow (source port sport), sent out of port 1. */
static void
burst(uint16_t sport, unsigned int n)
{
	static const uint8_t hdr[42] = {
		2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 1, 1,
		0, 0, 0x0f, 0xa0, 0, 8, 0, 0,
	};
	struct rte_mbuf *m[32];

	ck_assert_uint_le(n, RTE_DIM(m));
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p;

		m[i] = rte_pktmbuf_alloc(pool);
		ck_assert_ptr_nonnull(m[i]);
		p = (uint8_t *)rte_pktmbuf_append(m[i], sizeof(hdr));
		memcpy(p, hdr, sizeof(hdr));
		p[34] = (uint8_t)(sport >> 8);
		p[35] = (uint8_t)sport;
		memset(dp_meta(m[i]), 0, sizeof(struct dp_meta));
		dp_meta(m[i])->out_port = 1;
	}
	fx_tap.egress(&ctx, m, (uint16_t)n);
	rte_pktmbuf_free_bulk(m, n);
}

/* Walks until every set has been looked at, the clock moved past idle. */
static void
sweep_all(uint64_t later)
{
	ctx.now += later;
	for (unsigned int i = 0; i < 2 * FX_SETS / FX_SWEEP_SETS; i++) {
		ctx.now += rte_get_tsc_hz();     /* past every step's interval */
		fx_tap.walk(&ctx);
	}
}

/* The records the worker has handed over: total packets, and how many flows ended for reason. */
static uint64_t
drain(unsigned int reason, unsigned int *n_reason)
{
	struct fx_rec r;
	uint64_t pkts = 0;

	*n_reason = 0;
	while (rte_ring_sc_dequeue_elem(fx_cache_ring(0), &r, sizeof(r)) == 0) {
		pkts += r.pkts;
		*n_reason += r.reason == reason;
	}
	return pkts;
}

START_TEST(burst_with_the_first_config_counts)
{
	unsigned int n;

	config(1, 1);
	/* no walk between the config and the burst: a worker that slept or
	 * was descheduled while main applied it */
	burst(30000, 5);
	sweep_all(rte_get_tsc_hz() * 2);
	ck_assert_uint_eq(drain(FX_END_IDLE, &n), 5);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(fx_cache_flushed(0), fx_wcfg.gen);
}
END_TEST

START_TEST(new_config_flushes_the_old_first)
{
	unsigned int n;

	config(1, 30);
	fx_tap.walk(&ctx);
	burst(30001, 3);
	burst(30002, 2);
	config(1, 30);
	/* the burst that meets the new config finds the old flows still in
	 * the cache: it is not counted into them */
	burst(30001, 4);
	ck_assert_uint_ne(fx_cache_flushed(0), fx_wcfg.gen);
	sweep_all(0);
	ck_assert_uint_eq(drain(FX_END_FORCED, &n), 5);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(fx_cache_flushed(0), fx_wcfg.gen);
	/* flushed: the next burst counts under the new config */
	burst(30001, 4);
	config(0, 1);
	sweep_all(0);
	ck_assert_uint_eq(drain(FX_END_FORCED, &n), 4);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(off_counts_nothing)
{
	unsigned int n;

	config(0, 1);
	burst(30003, 7);
	sweep_all(rte_get_tsc_hz() * 2);
	ck_assert_uint_eq(drain(FX_END_IDLE, &n), 0);
	ck_assert_uint_eq(fx_cache_flushed(0), fx_wcfg.gen);
}
END_TEST

static void
setup(void)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.stats = &stats;
	ctx.now = rte_get_tsc_cycles();
	ck_assert_int_eq(fx_cache_init(1), 0);
}

static void
teardown(void)
{
	fx_cache_fini();
}

int
main(void)
{
	char *eal[] = { "test_fxcache", "--no-huge", "--no-pci", "-m", "64", "-l", "0", "--log-level", "lib.*:error",
			"--file-prefix", "test_fxcache", NULL };
	Suite *s = suite_create("flowexp-cache");
	TCase *tc = tcase_create("cache");
	SRunner *sr;
	int failed;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("fx_test", 255, 0, DP_META_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, burst_with_the_first_config_counts);
	tcase_add_test(tc, new_config_flushes_the_old_first);
	tcase_add_test(tc, off_counts_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
