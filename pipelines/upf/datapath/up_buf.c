/* Downlink buffering per session (up_buf.h). The queues live on the main
 * lcore only: an rte_hash from session id to its queue, made when its
 * first packet comes and freed when it is empty and not notifying. A
 * queue's packets are each of one session entry (its table, by id): an
 * entry deleted, or given to another session, ends what it held (a buffer
 * dies with its session, never leaves in another's tunnel); so that
 * packets already on their way to the slow path then are not taken for
 * the next incarnation's, what ended is logged until the punt ring has
 * been drained (sxdp's loop drains it between control writes and
 * ctl_poll) and a packet whose walk began before the end is dropped. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "up_buf.h"
#include "up_encap.h"
#include "up_event.h"
#include "up_urr.h"
#include "up_state.h"
#include "sw_api.h"
#include "gtp.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_slow.h"
#include "dp_stats.h"

struct queue {
	uint32_t session;
	uint16_t head, n;            /* a ring of UP_BUF_SESSION */
	bool notified;               /* the notification for this episode went out */
	struct rte_mbuf *pkt[UP_BUF_SESSION];
	uint64_t t[UP_BUF_SESSION];  /* when each came (TSC) */
};

static struct rte_hash *queues;
static uint64_t next_age;

/* What each update of a write's batch found installed at its key (the
 * session id, or NO_ID), by its place in the batch: expand sees the
 * entry as it was, done what the batch did. */
#define NO_ID UINT32_MAX
static uint32_t *was_id;
static unsigned int was_cap;

/* The ends logged since the last drain: (session id, table) -> the TSC of
 * the write that ended it, open addressing, grown at half full. */
struct end_slot {
	uint64_t key;            /* 0: empty; else (id << 8 | table) + 1 */
	uint64_t tsc;
};
static struct end_slot *ends;
static uint32_t ends_mask, ends_n;

static struct queue *
find(uint32_t session)
{
	void *q;

	return rte_hash_lookup_data(queues, &session, &q) < 0 ? NULL : q;
}

static void
drop_queue(struct queue *q)
{
	rte_hash_del_key(queues, &q->session);
	free(q);
}

/* ---- what a session holds dropped on the control side's word (PFCP's
 * DROBU, TS 29.244 7.5.4.1: the SMF asks for its buffered downlink to go
 * rather than leave when its FAR forwards again) */

static const struct dp_schema_field drop_params[] = {
	{ .name = "session", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .min = 1, .max = UP_SESSION_MAX,
	  .desc = "the session id whose buffered downlink goes" },
	{ .name = NULL },
};

static const struct dp_rpc_method drop_method = {
	.name = "upf.buffer_drop",
	.description = "Drop the downlink packets a session holds (upf.buffer_dropped), before a write "
		       "that would release them: PFCP's DROBU. Its next buffering episode notifies anew",
	.params = drop_params,
	.result = &(const struct dp_schema_field){ .name = "dropped", .type = DP_SCHEMA_UINT,
						   .desc = "how many it held" },
};

static int
m_drop(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
       struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	struct queue *q = find((uint32_t)v[0].u);
	unsigned int n = 0;

	for (; q != NULL && n < q->n; n++) {
		dp_slow_drop(q->pkt[(q->head + n) % UP_BUF_SESSION], UP_DROP(buffer_dropped));
		up_buf_held_n--;
	}
	if (q != NULL)
		drop_queue(q);
	*result = json_integer(n);
	return 0;
}

/* ---- what each session holds (a restarted control side raises the
 * notifications it lost: a queue notifies once an episode) */

static const struct dp_rpc_method list_method = {
	.name = "upf.buffers",
	.description = "The sessions holding buffered downlink now, and how many packets each",
	.params = (const struct dp_schema_field[]){ { .name = NULL } },
	.result = &(const struct dp_schema_field){ .name = "sessions", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN,
						   .desc = "{sessions: [{session, packets}]}" },
};

static int
m_list(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *a = json_array();
	const void *key;
	void *data;
	uint32_t it = 0;

	if (a == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	while (rte_hash_iterate(queues, &key, &data, &it) >= 0) {
		const struct queue *q = data;

		if (q->n > 0 && json_array_append_new(a, json_pack("{s:I,s:i}", "session", (json_int_t)q->session,
								    "packets", q->n)) < 0) {
			json_decref(a);
			return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
		}
	}
	*result = json_pack("{s:o}", "sessions", a);
	return 0;
}

int
up_buf_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "upf_buffers", .entries = UP_BUF_TOTAL, .key_len = sizeof(uint32_t),
		.hash_func = rte_jhash, .socket_id = (int)rte_socket_id(),
	};
	int rc;

	up_buf_held_n = 0;
	queues = rte_hash_create(&hp);
	if (queues == NULL)
		return -ENOMEM;
	if ((rc = dp_rpc_register(&drop_method, m_drop, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&list_method, m_list, NULL, NULL);
}

static void
notify(struct queue *q, uint16_t app)
{
	struct up_event ev = { .type = UP_EV_DDN, .session = q->session, .app = app };

	if (q->notified)
		return;
	q->notified = true;
	up_event_post(&ev);
	dp_slow_event(UP_EVENT(ddn));
}

static inline uint64_t
end_key(uint32_t session, uint8_t table)
{
	return ((uint64_t)session << 8 | table) + 1;
}

static struct end_slot *
end_slot(struct end_slot *t, uint32_t mask, uint64_t key)
{
	for (uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & mask;; i = (i + 1) & mask)
		if (t[i].key == 0 || t[i].key == key)
			return &t[i];
}

/* The TSC (session, table) last ended at since the last drain, 0: none. */
static uint64_t
end_of(uint32_t session, uint8_t table)
{
	struct end_slot *e;

	if (ends_n == 0)
		return 0;
	e = end_slot(ends, ends_mask, end_key(session, table));
	return e->key ? e->tsc : 0;
}

/* Logged; on no memory, 0 and the log keeps what it had (the queue's
 * packets are dropped all the same; one on its way may then be held). */
static void
end_log(uint32_t session, uint8_t table, uint64_t tsc)
{
	struct end_slot *e;

	if (2 * (ends_n + 1) > ends_mask + 1) {
		uint32_t slots = ends == NULL ? 64 : 2 * (ends_mask + 1);
		struct end_slot *t = calloc(slots, sizeof(*t));

		if (t == NULL)
			return;
		for (uint32_t i = 0; ends != NULL && i <= ends_mask; i++)
			if (ends[i].key)
				*end_slot(t, slots - 1, ends[i].key) = ends[i];
		free(ends);
		ends = t;
		ends_mask = slots - 1;
	}
	e = end_slot(ends, ends_mask, end_key(session, table));
	if (e->key == 0)
		ends_n++;
	e->key = end_key(session, table);
	e->tsc = tsc;
}

/* The packets session's entry in table held dropped: that entry ended
 * (deleted, given to another session, or another entry of the table
 * took its id). */
static void
entry_ended(uint32_t session, uint8_t table, uint64_t now)
{
	struct queue *q = find(session);

	end_log(session, table, now);
	if (q == NULL)
		return;
	{
		struct rte_mbuf *keep[UP_BUF_SESSION];
		uint64_t keep_t[UP_BUF_SESSION];
		unsigned int nk = 0;

		for (unsigned int i = 0; i < q->n; i++) {
			unsigned int at = (q->head + i) % UP_BUF_SESSION;
			struct rte_mbuf *m = q->pkt[at];

			if (up_meta(m)->table != table) {
				keep_t[nk] = q->t[at];
				keep[nk++] = m;
				continue;
			}
			up_buf_held_n--;
			dp_slow_drop(m, UP_DROP(session_gone));
		}
		memcpy(q->pkt, keep, sizeof(keep[0]) * nk);
		memcpy(q->t, keep_t, sizeof(keep_t[0]) * nk);
		q->head = 0;
		q->n = (uint16_t)nk;
	}
	/* nothing of it left: the next incarnation's episode notifies anew */
	if (q->n == 0)
		drop_queue(q);
}

void
up_buf_hold(struct rte_mbuf *m, bool notify_only)
{
	const struct dp_meta *md = dp_meta(m);
	uint32_t session = md->out_port;
	uint16_t app = (uint16_t)md->tunnel;
	uint64_t ended = end_of(session, up_meta(m)->table);
	struct queue *q;

	/* its walk looked up an entry that has ended since */
	if (unlikely(ended != 0 && *up_punt_since(m) < ended)) {
		dp_slow_drop(m, UP_DROP(session_gone));
		return;
	}
	q = find(session);
	if (q == NULL) {
		/* a queue for every session that may buffer: bounded by the
		 * table the hash is, one per buffering session at most */
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    rte_hash_add_key_data(queues, &session, q) < 0) {
			free(q);
			dp_slow_drop(m, UP_DROP(buffer_full));
			return;
		}
		q->session = session;
	}
	notify(q, app);
	if (notify_only) {
		dp_slow_drop(m, UP_DROP(notified));
		return;
	}
	if (q->n == UP_BUF_SESSION || up_buf_held_n == UP_BUF_TOTAL) {
		if (q->n == 0) {   /* nothing older of its own: it is the one */
			dp_slow_drop(m, UP_DROP(buffer_full));
			return;
		}
		dp_slow_drop(q->pkt[q->head], UP_DROP(buffer_full));
		q->head = (uint16_t)((q->head + 1) % UP_BUF_SESSION);
		q->n--;
		up_buf_held_n--;
	}
	q->pkt[(q->head + q->n) % UP_BUF_SESSION] = m;
	q->t[(q->head + q->n) % UP_BUF_SESSION] = rte_rdtsc();
	q->n++;
	up_buf_held_n++;
	dp_slow_event(UP_EVENT(buffered));
}

/* What a write's batch decided for some of a session's packets: those of
 * app, of the session entry in table (the session tables' own: app 0) or
 * of any (-1: an app's terminations_downlink entry), take termination e as
 * installed after the batch (NULL: deleted, they go with it). seq: the
 * update's place in the batch, which decides between verdicts matching
 * one packet as the updates' order did. */
struct verdict {
	uint32_t session;
	uint32_t seq;
	int table;
	uint16_t app;
	const struct dp_entry *e;
};

static struct verdict *verdicts;
static unsigned int verdict_cap;

static bool
verdict_matches(const struct verdict *v, struct rte_mbuf *m)
{
	return (uint16_t)dp_meta(m)->tunnel == v->app && (v->table < 0 || up_meta(m)->table == v->table);
}

static bool
buffering(const struct dp_entry *e)
{
	return e != NULL && (e->action == UP_DL_BUFFER || e->action == UP_DL_NOTIFY);
}

/* q's packets looked at again once, in the order they came, each by the
 * first of v (the batch's verdicts on q's session, in the batch's order)
 * that matches it and does not leave it buffered: they leave (in arrival
 * order across the session's entries and apps) for encap_n3, are dropped
 * for anything else or a deleted termination; those no verdict moves
 * stay. */
static void
apply(struct queue *q, const struct verdict *v, unsigned int nv)
{
	struct rte_mbuf *keep[UP_BUF_SESSION];
	uint64_t keep_t[UP_BUF_SESSION];
	unsigned int nk = 0, n = q->n;
	int col;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int at = (q->head + i) % UP_BUF_SESSION;
		struct rte_mbuf *m = q->pkt[at];
		const struct verdict *d = NULL;

		for (unsigned int j = 0; j < nv && d == NULL; j++)
			if (verdict_matches(&v[j], m) && (v[j].e == NULL || v[j].e->action != UP_DL_BUFFER))
				d = &v[j];
		if (d == NULL) {
			keep_t[nk] = q->t[at];
			keep[nk++] = m;
			continue;
		}
		up_buf_held_n--;
		if (d->e == NULL || d->e->action != UP_DL_ENCAP_N3) {
			dp_slow_drop(m, UP_DROP(buffer_gone));
			continue;
		}
		/* as upf.dl counts what it sends to encap_n3 */
		if ((col = up_urr_main_column()) >= 0)
			up_urr_count((unsigned int)col, (const struct up_term *)d->e->params, m);
		dp_slow_event(UP_EVENT(to_n3));
		dp_lcore_stats[rte_lcore_id()].events[UP_EVENT(to_n3_bytes)] += up_ip_len(m);
		up_encap_send(m, (const struct up_term *)d->e->params, GTPU_PDU_TYPE_DL);
	}
	memcpy(q->pkt, keep, sizeof(keep[0]) * nk);
	memcpy(q->t, keep_t, sizeof(keep_t[0]) * nk);
	q->head = 0;
	q->n = (uint16_t)nk;
	/* nothing held and none of what changed buffers or notifies still:
	 * the episode is over (the next buffered packet notifies again) */
	if (nk != 0)
		return;
	for (unsigned int j = 0; j < nv; j++)
		if (buffering(v[j].e))
			return;
	drop_queue(q);
}

static int
verdict_cmp(const void *a, const void *b)
{
	const struct verdict *x = a, *y = b;

	if (x->session != y->session)
		return x->session < y->session ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
up_buf_expand(struct dp_update *u, const struct dp_update *batch __rte_unused, unsigned int at,
	      struct dp_update *out __rte_unused)
{
	const struct dp_entry *e;

	if (!up_dl_session_table(u->table) || u->type == DP_UPD_DEFAULT)
		return 0;
	if (at >= was_cap) {
		unsigned int cap = RTE_MAX(at + 1, 2 * was_cap);
		uint32_t *w = realloc(was_id, cap * sizeof(*w));

		if (w == NULL)
			return -ENOMEM;
		was_id = w;
		was_cap = cap;
	}
	/* as installed before the batch: an earlier update of the batch to
	 * the same key ended it already (done() goes in order) */
	e = dp_table_find((unsigned int)u->table, u->key);
	was_id[at] = e != NULL && e->action != UP_DL_NONE ? ((const struct up_session *)e->params)->id : NO_ID;
	return 0;
}

/* Two passes: the ends first (the batch is one change: an entry it ended
 * held nothing another update may release), then the verdicts, gathered
 * and sorted by session (in the batch's order within one), so that each
 * touched queue is walked once and what it held leaves in the order it
 * came, whichever of the session's entries held it. With no memory for
 * the verdicts, each is applied as it comes (the order then per entry). */
void
up_buf_written(const struct dp_update *d, unsigned int n, const int *res)
{
	uint64_t now = rte_rdtsc();   /* after the write's grace period */
	unsigned int nv = 0;
	bool gather = true;
	struct queue *q;

	if (n > verdict_cap) {
		struct verdict *v = realloc(verdicts, n * sizeof(*v));

		if (v == NULL) {
			gather = false;
		} else {
			verdicts = v;
			verdict_cap = n;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		int tb = d[i].table;
		struct verdict v = { .seq = i, .table = -1 };

		if (res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		if (tb == pl_up.term_dl) {
			v.e = dp_table_find((unsigned int)tb, d[i].key);
			v.session = rte_be_to_cpu_32(*(const uint32_t *)d[i].key);
			v.app = rte_be_to_cpu_16(*(const uint16_t *)(d[i].key + 4));
		} else if (up_dl_session_table(tb)) {
			/* was: the id the entry had before the batch; id: the one
			 * this update gave it */
			uint32_t was = was_id[i];
			uint32_t id = d[i].type == DP_UPD_DELETE || d[i].action == UP_DL_NONE ? NO_ID :
				      ((const struct up_session *)d[i].params)->id;

			if (was != NO_ID && was != id)
				entry_ended(was, (uint8_t)tb, now);
			/* a new entry for id: what id held in this table was
			 * another entry's (or an older incarnation's) */
			if (id != NO_ID && (d[i].type == DP_UPD_INSERT || was != id)) {
				entry_ended(id, (uint8_t)tb, now);
				continue;
			}
			/* the same session's own termination changed */
			if (id == NO_ID || (v.e = dp_table_find((unsigned int)tb, d[i].key)) == NULL)
				continue;
			v.session = id;
			v.table = tb;
			v.app = 0;
		} else {
			continue;
		}
		if (gather)
			verdicts[nv++] = v;
		else if ((q = find(v.session)) != NULL)
			apply(q, &v, 1);
	}
	if (nv == 0)
		return;
	qsort(verdicts, nv, sizeof(*verdicts), verdict_cmp);
	for (unsigned int i = 0, j; i < nv; i = j) {
		for (j = i + 1; j < nv && verdicts[j].session == verdicts[i].session; j++)
			;
		if ((q = find(verdicts[i].session)) != NULL)
			apply(q, &verdicts[i], j - i);
	}
}

/* Main lcore, every loop: packets held longer than UP_BUF_AGE_MS dropped,
 * the oldest first (a session whose UE never comes back). */
void
up_buf_poll(uint64_t now)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	uint64_t age = rte_get_tsc_hz() / 1000 * UP_BUF_AGE_MS;

	/* every packet punted before the last write's ends has been through
	 * up_buf_hold by now (the loop drained the ring first) */
	if (ends_n != 0) {
		memset(ends, 0, (ends_mask + 1) * sizeof(*ends));
		ends_n = 0;
	}
	if (up_buf_held_n == 0 || now < next_age)
		return;
	next_age = now + rte_get_tsc_hz() / 10;
	while (rte_hash_iterate(queues, &key, &data, &it) >= 0) {
		struct queue *q = data;

		while (q->n != 0 && now - q->t[q->head] > age) {
			dp_slow_drop(q->pkt[q->head], UP_DROP(buffer_expired));
			q->head = (uint16_t)((q->head + 1) % UP_BUF_SESSION);
			q->n--;
			up_buf_held_n--;
		}
	}
}

void
up_buf_fini(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (queues == NULL)
		return;
	while (rte_hash_iterate(queues, &key, &data, &it) >= 0) {
		struct queue *q = data;

		for (unsigned int i = 0; i < q->n; i++)
			rte_pktmbuf_free(q->pkt[(q->head + i) % UP_BUF_SESSION]);
		free(q);
	}
	rte_hash_free(queues);
	queues = NULL;
	up_buf_held_n = 0;
	free(ends);
	ends = NULL;
	ends_mask = ends_n = 0;
	free(was_id);
	was_id = NULL;
	was_cap = 0;
	free(verdicts);
	verdicts = NULL;
	verdict_cap = 0;
}
