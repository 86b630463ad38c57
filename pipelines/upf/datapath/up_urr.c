/* URR counters, thresholds and upf.usage (up_urr.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "up_urr.h"
#include "up_event.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_table.h"
#include "sw_api.h"
#include "dp_slow.h"

struct up_urr_ctr *up_urr_ctr[DP_WORKERS_MAX + 1];
uint32_t up_urr_max;
static unsigned int up_urr_main;   /* the main lcore's column */
static unsigned int n_columns;

/* A watched URR: its termination (the entry at table, key), and its
 * volume when it was armed. */
struct watch {
	uint64_t base_pkts, base_bytes, threshold;
	uint32_t session, urr;
	uint16_t app;
	uint8_t uplink, armed;
	int table;
	uint8_t key[16];
};
static struct watch *watch;      /* n_watch of them */
static uint32_t n_watch, cap_watch;
static uint32_t *watch_of;       /* URR id -> its watch + 1 (0: not watched) */
static uint64_t next_scan;
static uint32_t scan_at;		/* the next watch a scan looks at */

static struct up_urr_ctr
sum(uint32_t urr)
{
	struct up_urr_ctr s = { 0, 0 };

	for (unsigned int c = 0; c < n_columns; c++) {
		if (up_urr_ctr[c] == NULL)   /* the main lcore's, until it counts */
			continue;
		s.pkts += up_urr_ctr[c][urr].pkts;
		s.bytes += up_urr_ctr[c][urr].bytes;
	}
	return s;
}

static void
unwatch(uint32_t w)
{
	watch_of[watch[w].urr] = 0;
	if (w != --n_watch) {
		watch[w] = watch[n_watch];
		watch_of[watch[w].urr] = w + 1;
	}
}

/* (Re-)arm urr for the termination at (table, key) of (session, app). */
static void
arm(uint32_t urr, uint64_t threshold, int table, const uint8_t *key, uint32_t session, uint16_t app,
    bool uplink)
{
	struct up_urr_ctr s = sum(urr);
	struct watch *w;

	if (watch_of[urr] == 0) {
		if (n_watch == cap_watch) {
			uint32_t cap = cap_watch ? cap_watch * 2 : 256;
			struct watch *nw = realloc(watch, sizeof(*watch) * cap);

			if (nw == NULL)
				return;   /* not watched: its counters still count */
			watch = nw;
			cap_watch = cap;
		}
		watch_of[urr] = ++n_watch;
	}
	w = &watch[watch_of[urr] - 1];
	*w = (struct watch){ .base_pkts = s.pkts, .base_bytes = s.bytes, .threshold = threshold,
			     .session = session, .urr = urr, .app = app, .uplink = uplink, .armed = 1,
			     .table = table };
	memcpy(w->key, key, sizeof(w->key));
}

/* Does entry e forward (fwd_n6, fwd_n9, encap_n3; redirect: what the UPF
 * answers)? Only what forwards counts. */
static bool
forwards(const struct dp_entry *e, bool uplink)
{
	return uplink ? e->action == UP_UL_FWD_N6 || e->action == UP_UL_FWD_N9 || e->action == UP_UL_BRIDGE ||
			e->action == UP_UL_REDIRECT :
			e->action == UP_DL_ENCAP_N3;
}

void
up_urr_written(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		int tb = d[i].table;
		bool ul = tb == pl_up.term_ul || tb == pl_up.sess_ul;
		bool term = tb == pl_up.term_ul || tb == pl_up.term_dl;
		const struct dp_entry *e;
		const struct up_term *t;
		struct watch *w;
		uint32_t session;
		uint16_t app;

		if (res[i] != 0 || (d[i].type != DP_UPD_INSERT && d[i].type != DP_UPD_MODIFY) ||
		    (!term && tb != pl_up.sess_ul && !up_dl_session_table(tb)))
			continue;
		if ((e = dp_table_find((unsigned int)tb, d[i].key)) == NULL || !forwards(e, ul))
			continue;
		t = (const struct up_term *)e->params;
		if (t->urr == 0 || t->threshold == 0)
			continue;
		session = term ? rte_be_to_cpu_32(*(const uint32_t *)d[i].key) :
				 ((const struct up_session *)e->params)->id;
		app = term ? rte_be_to_cpu_16(*(const uint16_t *)(d[i].key + 4)) : 0;
		w = watch_of[t->urr] ? &watch[watch_of[t->urr] - 1] : NULL;
		/* a changed FAR keeps counting toward the same threshold */
		if (w != NULL && w->threshold == t->threshold && w->table == tb &&
		    memcmp(w->key, d[i].key, sizeof(w->key)) == 0)
			continue;
		arm(t->urr, t->threshold, tb, d[i].key, session, app, ul);
	}
}

/* w's termination still names its URR with its threshold, and forwards. */
static bool
still_owned(const struct watch *w)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	memcpy(k, w->key, sizeof(w->key));
	e = dp_table_find((unsigned int)w->table, k);
	return e != NULL && ((const struct up_term *)e->params)->urr == w->urr &&
	       ((const struct up_term *)e->params)->threshold == w->threshold && forwards(e, w->uplink);
}

void
up_urr_poll(uint64_t now)
{
	if (now < next_scan)
		return;
	next_scan = now + rte_get_tsc_hz() / 1000 * UP_URR_SCAN_MS;
	/* a slice of the watches per scan, from where the last one stopped: the
	 * main lcore's time stays bounded however many sessions are watched (a
	 * whole pass takes n / UP_URR_SCAN_MAX scans) */
	uint32_t budget = UP_URR_SCAN_MAX;

	if (scan_at >= n_watch)
		scan_at = 0;
	for (uint32_t i = scan_at; i < n_watch && budget > 0; budget--) {
		struct watch *w = &watch[i];
		struct up_urr_ctr s;

		scan_at = i;
		if (!still_owned(w)) {
			unwatch(i);
			continue;
		}
		scan_at = ++i;
		if (!w->armed)
			continue;
		s = sum(w->urr);
		if (s.bytes - w->base_bytes >= w->threshold) {
			struct up_event ev = { .type = UP_EV_USAGE, .session = w->session, .app = w->app,
					       .uplink = w->uplink, .urr = w->urr,
					       .packets = s.pkts - w->base_pkts, .bytes = s.bytes - w->base_bytes };

			w->armed = 0;
			up_event_post(&ev);
			dp_slow_event(UP_EVENT(usage_report));
		}
	}
}

static const struct dp_schema_field usage_params[] = {
	{ .name = "urrs", .type = DP_SCHEMA_ARRAY, .max = 1024,
	  .items = &(const struct dp_schema_field){ .type = DP_SCHEMA_UINT, .min = 1 },
	  .desc = "these URRs' counters" },
	{ .name = "session", .type = DP_SCHEMA_UINT, .min = 1, .max = UP_SESSION_MAX,
	  .desc = "every termination of this session with its URR (a scan of the terminations)" },
	{ .name = NULL },
};

static const struct dp_rpc_method usage_method = {
	.name = "upf.usage",
	.description = "URR counters (packets and bytes that passed their QERs): the URRs named, one "
		       "session's terminations, or with neither the totals over every URR",
	.params = usage_params,
	.result = &(const struct dp_schema_field){
		.name = "usage", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.desc = "{urrs: [{urr, packets, bytes}]} | {terminations: [{direction, from (the table), "
			"app, urr, packets, bytes}]} | {packets, bytes, watched, buffered (downlink packets held now)}" },
};

struct by_session {
	uint32_t session;
	bool uplink;
	const char *from;        /* the table's name */
	json_t *a;
};

/* A termination's usage row (counted in urr) when it is the session's: a
 * session entry's own (app 0, the N6 or N9 one downlink), its inline app's,
 * or a terminations entry. */
static int
add_row(struct by_session *b, uint32_t session, uint16_t app, uint32_t urr)
{
	struct up_urr_ctr s;

	if (session != b->session || urr == 0)
		return 0;
	s = sum(urr);
	return json_array_append_new(b->a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
						     "direction", b->uplink ? "uplink" : "downlink",
						     "from", b->from, "app", (json_int_t)app, "urr", (json_int_t)urr,
						     "packets", (json_int_t)s.pkts, "bytes", (json_int_t)s.bytes)) < 0 ?
	       -ENOMEM : 0;
}

static int
add_term(const struct dp_entry_view *ev, void *arg)
{
	return add_row(arg, rte_be_to_cpu_32(*(const uint32_t *)ev->key),
		       rte_be_to_cpu_16(*(const uint16_t *)(ev->key + 4)), ((const struct up_term *)ev->params)->urr);
}

static int
add_session(const struct dp_entry_view *ev, void *arg)
{
	const struct up_session *ss = (const struct up_session *)ev->params;

	return add_row(arg, ss->id, 0, ss->urr);
}

static int
add_session_ul(const struct dp_entry_view *ev, void *arg)
{
	const struct up_session_ul *su = (const struct up_session_ul *)ev->params;
	int rc = add_session(ev, arg);

	return rc == 0 && su->app != 0 ? add_row(arg, su->s.id, su->app, su->app_urr) : rc;
}

static int
m_usage(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *a;

	if (v[0].set && v[1].set)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "conflict", "/session",
				      "urrs or session, not both");
	if ((a = json_array()) == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	if (v[0].set) {
		for (size_t i = 0; i < v[0].n; i++) {
			uint64_t id = v[0].sub[i].u;
			struct up_urr_ctr s;
			char ptr[32];

			if (id > up_urr_max) {
				json_decref(a);
				snprintf(ptr, sizeof(ptr), "/urrs/%zu", i);
				return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "out_of_range", ptr,
						      "URR ids are 1..%u", up_urr_max);
			}
			s = sum((uint32_t)id);
			json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "urr", (json_int_t)id,
							   "packets", (json_int_t)s.pkts,
							   "bytes", (json_int_t)s.bytes));
		}
		*result = json_pack("{s:o}", "urrs", a);
		return 0;
	}
	if (v[1].set) {
		/* a scan of every table a session's terminations are in */
		const struct { int table; bool uplink; int (*fn)(const struct dp_entry_view *, void *); } tabs[] = {
			{ pl_up.sess_ul, true, add_session_ul }, { pl_up.term_ul, true, add_term },
			{ pl_up.sess_dl, false, add_session }, { pl_up.sess_dl6, false, add_session },
			{ pl_up.sess_n9, false, add_session }, { pl_up.sess_eth, false, add_session },
			{ pl_up.term_dl, false, add_term },
		};

		for (unsigned int i = 0; i < RTE_DIM(tabs); i++) {
			struct by_session b = { (uint32_t)v[1].u, tabs[i].uplink,
						dp_table_def((unsigned int)tabs[i].table)->name, a };

			if (dp_table_each((unsigned int)tabs[i].table, tabs[i].fn, &b) < 0) {
				json_decref(a);
				return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
			}
		}
		*result = json_pack("{s:o}", "terminations", a);
		return 0;
	}
	json_decref(a);
	{
		uint64_t p = 0, by = 0;

		for (uint32_t id = 1; id <= up_urr_max; id++) {
			struct up_urr_ctr s = sum(id);

			p += s.pkts;
			by += s.bytes;
		}
		*result = json_pack("{s:I, s:I, s:I, s:I}", "packets", (json_int_t)p, "bytes", (json_int_t)by,
				    "watched", (json_int_t)n_watch, "buffered", (json_int_t)up_buf_held_n);
	}
	return 0;
}

/* Column c's counters, ids 0..up_urr_max: 0 or -ENOMEM. */
static int
column_new(unsigned int c)
{
	up_urr_ctr[c] = rte_zmalloc("up_urr", sizeof(struct up_urr_ctr) * ((size_t)up_urr_max + 1),
				    RTE_CACHE_LINE_SIZE);
	return up_urr_ctr[c] != NULL ? 0 : -ENOMEM;
}

int
up_urr_init(unsigned int workers, uint32_t max)
{
	up_urr_max = max;
	n_columns = workers + 1;
	up_urr_main = workers;
	n_watch = cap_watch = 0;
	next_scan = 0;
	scan_at = 0;
	/* the workers' columns; the main lcore's (buffered packets released)
	 * when it first counts: 16 bytes per URR that most boxes never use */
	for (unsigned int c = 0; c < workers; c++)
		if (column_new(c) < 0)
			return -ENOMEM;
	if ((watch_of = calloc((size_t)max + 1, sizeof(*watch_of))) == NULL)
		return -ENOMEM;
	return dp_rpc_register(&usage_method, m_usage, NULL, NULL);
}

int
up_urr_main_column(void)
{
	if (up_urr_ctr[up_urr_main] == NULL && column_new(up_urr_main) < 0)
		return -ENOMEM;
	return (int)up_urr_main;
}

void
up_urr_fini(void)
{
	for (unsigned int c = 0; c < n_columns; c++) {
		rte_free(up_urr_ctr[c]);
		up_urr_ctr[c] = NULL;
	}
	free(watch);
	free(watch_of);
	watch = NULL;
	watch_of = NULL;
	n_watch = cap_watch = 0;
}
