/* Flow export on the main lcore: every poll (about a millisecond) drains
 * up to a bounded number of records from each worker's ring into one
 * IPFIX message at a time and sends each full message, and what is left at
 * the end of the poll, to every collector. Memory is one message buffer
 * and the rings: bounded whatever the traffic. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "fx_export.h"
#include "fx_cache.h"
#include "fx_ipfix.h"
#include "fx_evt.h"
#include "fx_state.h"
#include "dp_slow.h"
#include "dp_log.h"

#define DRAIN_MAX 512          /* records per ring per poll: the loop stays short */

static struct fx_conf conf;
/* Where records go: conf while export is on; after it is turned off, the
 * last collectors it had, until the workers' caches are flushed to them
 * (flowEndReason forced end) and the tap comes off: no record is lost to
 * a change. */
static struct fx_conf out;
static int fd4 = -1, fd6 = -1;
static struct fx_msg msg;
static bool open_msg;
static uint32_t seq;            /* data records sent in this stream */
static uint64_t hz, next_tmpl;
static bool tap_on;
/* TSC to Unix milliseconds: one reading of both, taken at start */
static uint64_t tsc0, ms0;

static uint64_t
unix_ms(uint64_t tsc)
{
	int64_t d = (int64_t)(tsc - tsc0);

	return ms0 + (uint64_t)((__int128)d * 1000 / (int64_t)hz);
}

static uint32_t
unix_s(void)
{
	return (uint32_t)time(NULL);
}

static void
send_all(const uint8_t *b, size_t len)
{
	for (unsigned int i = 0; i < out.n_coll; i++) {
		int fd = out.coll[i].ss_family == AF_INET6 ? fd6 : fd4;
		ssize_t n = fd < 0 ? -1 : sendto(fd, b, len, 0, (const struct sockaddr *)&out.coll[i],
						 out.coll_len[i]);

		if (n != (ssize_t)len)
			dp_slow_event(FX_EVENT(send_error));
	}
}

static void
flush(void)
{
	size_t len;

	if (!open_msg)
		return;
	open_msg = false;
	if (msg.n_data == 0)
		return;
	len = fx_msg_end(&msg);
	send_all(msg.buf, len);
	seq += msg.n_data;
	dp_slow_event(FX_EVENT(messages));
}

static void
templates(uint64_t now)
{
	flush();
	fx_msg_begin(&msg, unix_s(), seq, conf.domain);
	fx_msg_templates(&msg, conf.domain, conf.sampling);
	/* the features' event templates with them (a few hundred bytes: the
	 * message has room, and one without a data record is never sent) */
	fx_msg_evt_templates(&msg, fx_evt_tmpl_all(), fx_evt_tmpls());
	open_msg = true;
	flush();
	dp_slow_event(FX_EVENT(templates));
	next_tmpl = now + hz * conf.template_s;
}

static void
add(const struct fx_rec *r)
{
	struct fx_flow f;

	f.k = r->k;
	f.k.in_port = (uint16_t)(f.k.in_port + 1);    /* ifIndex 0 is "none" */
	f.k.out_port = (uint16_t)(f.k.out_port + 1);
	f.bytes = r->bytes;
	f.pkts = r->pkts;
	f.start_ms = unix_ms(r->first);
	f.end_ms = unix_ms(r->last);
	f.reason = (uint8_t)r->reason;
	if (open_msg && fx_msg_add(&msg, &f) == 0)
		goto added;
	flush();
	fx_msg_begin(&msg, unix_s(), seq, out.domain);
	open_msg = true;
	fx_msg_add(&msg, &f);   /* an empty message holds any record */
added:
	dp_slow_event(FX_EVENT(records));
}

static void
add_evt(const struct fx_evt_rec *r)
{
	uint64_t ms = unix_ms(r->tsc);

	if (open_msg && fx_msg_add_evt(&msg, r->id, ms, r->data, r->len) == 0)
		goto added;
	flush();
	fx_msg_begin(&msg, unix_s(), seq, out.domain);
	open_msg = true;
	fx_msg_add_evt(&msg, r->id, ms, r->data, r->len);
added:
	dp_slow_event(FX_EVENT(evt_records));
}

void
fx_export_poll(uint64_t now)
{
	struct fx_rec r[32];
	unsigned int n, workers = fx_cache_workers();
	bool flushed = true;

	if (!tap_on)
		return;
	/* templates first: a collector new in this config reads its first
	 * records (the old config's flush) with them */
	if (conf.on && now >= next_tmpl)
		templates(now);
	for (unsigned int w = 0; w < workers; w++) {
		struct rte_ring *ring = fx_cache_ring(w);

		for (unsigned int got = 0; got < DRAIN_MAX; got += n) {
			n = rte_ring_sc_dequeue_burst_elem(ring, r, sizeof(r[0]), RTE_DIM(r), NULL);
			if (n == 0)
				break;
			/* records of an old config (its flush) go to the new
			 * collectors, or to the last ones when export is off */
			for (unsigned int i = 0; out.n_coll != 0 && i < n; i++)
				add(&r[i]);
		}
		flushed &= fx_cache_flushed(w) == fx_wcfg.gen;
	}
	for (unsigned int w = 0; w < fx_evt_workers(); w++) {
		struct fx_evt_rec e[16];

		for (unsigned int got = 0; got < DRAIN_MAX; got += n) {
			if ((n = fx_evt_drain(w, e, RTE_DIM(e))) == 0)
				break;
			for (unsigned int i = 0; out.n_coll != 0 && i < n; i++)
				add_evt(&e[i]);
		}
	}
	flush();
	/* off, and every worker flushed for it: the tap comes off */
	if (!conf.on && flushed) {
		for (unsigned int w = 0; w < workers; w++)
			if (rte_ring_count(fx_cache_ring(w)) != 0)
				return;
		dp_tap_set(NULL);
		tap_on = false;
		out.n_coll = 0;
	}
}

void
fx_export_apply(const struct fx_conf *c)
{
	flush();
	conf = *c;
	if (!conf.on)
		conf.n_coll = 0;
	else
		out = conf;
	fx_wcfg.sampling = conf.on ? conf.sampling : 0;
	fx_wcfg.active_tsc = hz * conf.active_s;
	fx_wcfg.idle_tsc = hz * conf.idle_s;
	__atomic_store_n(&fx_wcfg.gen, fx_wcfg.gen + 1, __ATOMIC_RELEASE);
	next_tmpl = 0;       /* templates at once */
	if (conf.on && !tap_on) {
		if (dp_tap_set(&fx_tap) < 0) {
			DP_LOG(ERR, "flowexp: the egress tap is another feature's: no export");
			return;
		}
		tap_on = true;
	}
}

int
fx_export_init(void)
{
	struct timespec ts;

	hz = rte_get_tsc_hz();
	tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	ms0 = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	/* non-blocking: a collector that is slow costs records, never the loop */
	fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd4 < 0 && fd6 < 0)
		DP_LOG(WARNING, "flowexp: no UDP socket (%s): records cannot be sent", strerror(errno));
	memset(&conf, 0, sizeof(conf));
	memset(&out, 0, sizeof(out));
	seq = 0;
	tap_on = false;
	return 0;
}

void
fx_export_fini(void)
{
	if (tap_on)
		dp_tap_set(NULL);
	tap_on = false;
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	fd4 = fd6 = -1;
}
