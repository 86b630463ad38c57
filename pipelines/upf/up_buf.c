/* Downlink buffering per session (up_buf.h). The queues live on the main
 * lcore only: an rte_hash from session id to its queue, made when its
 * first packet comes and freed when it is empty and not notifying. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>

#include "up_buf.h"
#include "up_encap.h"
#include "up_event.h"
#include "up_urr.h"
#include "pl_upf.h"
#include "pl_swctl.h"
#include "gtp.h"

struct queue {
	uint32_t session;
	uint16_t head, n;            /* a ring of UP_BUF_SESSION */
	bool notified;               /* the notification for this episode went out */
	struct rte_mbuf *pkt[UP_BUF_SESSION];
	uint64_t t[UP_BUF_SESSION];  /* when each came (TSC) */
};

static struct rte_hash *queues;
static unsigned int held;
static uint64_t next_age;

int
up_buf_init(void)
{
	struct rte_hash_parameters hp = {
		.name = "upf_buffers", .entries = UP_BUF_TOTAL, .key_len = sizeof(uint32_t),
		.hash_func = rte_jhash, .socket_id = (int)rte_socket_id(),
	};

	held = 0;
	queues = rte_hash_create(&hp);
	return queues == NULL ? -ENOMEM : 0;
}

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

static void
notify(struct queue *q, uint16_t app)
{
	struct up_event ev = { .type = UP_EV_DDN, .session = q->session, .app = app };

	if (q->notified)
		return;
	q->notified = true;
	up_event_post(&ev);
	pl_swctl_event(UP_EVENT(ddn));
}

void
up_buf_hold(struct rte_mbuf *m, bool notify_only)
{
	const struct dp_meta *md = dp_meta(m);
	uint32_t session = md->out_port;
	uint16_t app = (uint16_t)md->tunnel;
	struct queue *q = find(session);

	if (q == NULL) {
		/* a queue for every session that may buffer: bounded by the
		 * table the hash is, one per buffering session at most */
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    rte_hash_add_key_data(queues, &session, q) < 0) {
			free(q);
			pl_swctl_drop(m, UP_DROP(buffer_full));
			return;
		}
		q->session = session;
	}
	notify(q, app);
	if (notify_only) {
		pl_swctl_drop(m, UP_DROP(notified));
		return;
	}
	if (q->n == UP_BUF_SESSION || held == UP_BUF_TOTAL) {
		if (q->n == 0) {   /* nothing older of its own: it is the one */
			pl_swctl_drop(m, UP_DROP(buffer_full));
			return;
		}
		pl_swctl_drop(q->pkt[q->head], UP_DROP(buffer_full));
		q->head = (uint16_t)((q->head + 1) % UP_BUF_SESSION);
		q->n--;
		held--;
	}
	q->pkt[(q->head + q->n) % UP_BUF_SESSION] = m;
	q->t[(q->head + q->n) % UP_BUF_SESSION] = rte_rdtsc();
	q->n++;
	held++;
	pl_swctl_event(UP_EVENT(buffered));
}

/* q's packets of app looked at again, in order, now that its termination
 * is e (NULL: an app's termination deleted: they go by the session's own
 * from now on). */
static void
reeval(struct queue *q, uint16_t app, const struct dp_entry *e)
{
	struct rte_mbuf *keep[UP_BUF_SESSION];
	uint64_t keep_t[UP_BUF_SESSION];
	unsigned int nk = 0, n = q->n;
	int col;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int at = (q->head + i) % UP_BUF_SESSION;
		struct rte_mbuf *m = q->pkt[at];
		struct dp_meta *md = dp_meta(m);

		if ((uint16_t)md->tunnel != app || e == NULL || e->action == UP_DL_BUFFER) {
			if ((uint16_t)md->tunnel == app && e == NULL)
				md->tunnel = 0;
			keep_t[nk] = q->t[at];
			keep[nk++] = m;
			continue;
		}
		held--;
		if (e->action != UP_DL_ENCAP_N3) {
			pl_swctl_drop(m, UP_DROP(buffer_gone));
			continue;
		}
		if ((col = up_urr_main_column()) >= 0)
			up_urr_count((unsigned int)col, (const struct up_term *)e->params, m);
		up_encap_send(m, (const struct up_term *)e->params, GTPU_PDU_TYPE_DL);
	}
	memcpy(q->pkt, keep, sizeof(keep[0]) * nk);
	memcpy(q->t, keep_t, sizeof(keep_t[0]) * nk);
	q->head = 0;
	q->n = (uint16_t)nk;
	/* nothing held and no longer buffering: the episode is over (the next
	 * buffered packet notifies again) */
	if (nk == 0 && (e == NULL || (e->action != UP_DL_BUFFER && e->action != UP_DL_NOTIFY)))
		drop_queue(q);
}

void
up_buf_written(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		int tb = d[i].table;
		const struct dp_entry *e;
		struct queue *q;

		if (res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		e = dp_table_find((unsigned int)tb, d[i].key);
		if (tb == pl_up.term_dl) {
			if ((q = find(rte_be_to_cpu_32(*(const uint32_t *)d[i].key))) != NULL)
				reeval(q, rte_be_to_cpu_16(*(const uint16_t *)(d[i].key + 4)), e);
		} else if ((tb == pl_up.sess_dl || tb == pl_up.sess_dl6 || tb == pl_up.sess_n9) && e != NULL) {
			/* a session entry's own termination (a deleted one names no
			 * session any more: its packets age out) */
			if ((q = find(((const struct up_session *)e->params)->id)) != NULL)
				reeval(q, 0, e);
		}
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

	if (held == 0 || now < next_age)
		return;
	next_age = now + rte_get_tsc_hz() / 10;
	while (rte_hash_iterate(queues, &key, &data, &it) >= 0) {
		struct queue *q = data;

		while (q->n != 0 && now - q->t[q->head] > age) {
			pl_swctl_drop(q->pkt[q->head], UP_DROP(buffer_expired));
			q->head = (uint16_t)((q->head + 1) % UP_BUF_SESSION);
			q->n--;
			held--;
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
	held = 0;
}
