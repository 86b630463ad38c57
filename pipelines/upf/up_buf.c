/* Downlink buffering per session (up_buf.h). The queues live on the main
 * lcore only: an rte_hash from session id to its queue, made when its
 * first packet comes and freed when it is empty and not notifying. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

static struct rte_hash *queues;
static unsigned int held;

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
	q->n++;
	held++;
	pl_swctl_event(UP_EVENT(buffered));
}

/* The downlink termination m takes now: (session, its app), else the
 * session's default; NULL when neither. */
static const struct dp_entry *
termination(uint32_t session, uint16_t app)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	up_term_key(k, session, app);
	if ((e = dp_table_find((unsigned int)pl_up.term_dl, k)) != NULL || app == 0)
		return e;
	up_term_key(k, session, 0);
	return dp_table_find((unsigned int)pl_up.term_dl, k);
}

/* q's packets looked at again, in order. */
static void
reeval(struct queue *q)
{
	struct rte_mbuf *keep[UP_BUF_SESSION];
	unsigned int nk = 0, n = q->n;
	bool buffering = false;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = q->pkt[(q->head + i) % UP_BUF_SESSION];
		const struct dp_entry *e = termination(q->session, (uint16_t)dp_meta(m)->tunnel);

		held--;
		if (e != NULL && e->action == UP_DL_BUFFER) {
			keep[nk++] = m;
			held++;
			continue;
		}
		if (e == NULL || e->action != UP_DL_ENCAP_N3) {
			pl_swctl_drop(m, UP_DROP(buffer_gone));
			continue;
		}
		up_urr_count(up_urr_main, (const struct up_term *)e->params, m);
		up_encap_send(m, (const struct up_term *)e->params, GTPU_PDU_TYPE_DL);
	}
	memcpy(q->pkt, keep, sizeof(keep[0]) * nk);
	q->head = 0;
	q->n = (uint16_t)nk;
	/* still buffering or notifying: the episode goes on, no second notification */
	{
		const struct dp_entry *d = termination(q->session, 0);

		buffering = nk != 0 || (d != NULL && (d->action == UP_DL_BUFFER || d->action == UP_DL_NOTIFY));
	}
	if (!buffering)
		drop_queue(q);
}

void
up_buf_written(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		struct queue *q;

		if (d[i].table != pl_up.term_dl || res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		if ((q = find(rte_be_to_cpu_32(*(const uint32_t *)d[i].key))) != NULL)
			reeval(q);
	}
}

unsigned int
up_buf_count(void)
{
	return held;
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
