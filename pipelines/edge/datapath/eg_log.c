/* The edge's NAT44 event records (eg_log.h): RFC 8158's NAT44 session
 * create/delete (natEvent 1, 2) and port block allocation/de-allocation
 * (14, 15) templates, their records written in the templates' order. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <netinet/in.h>

#include <rte_lcore.h>

#include "dp_stats.h"
#include "eg_log.h"
#include "eg_state.h"
#include "fx_api.h"

/* IANA IPFIX IEs (RFC 8158 4) */
enum {
	IE_PROTO = 4, IE_SPORT = 7, IE_SRC4 = 8, IE_DPORT = 11, IE_DST4 = 12, IE_NAT_EVENT = 230,
	IE_IN_VRF = 234, IE_OUT_VRF = 235, IE_POST_SRC4 = 225, IE_POST_DST4 = 226, IE_POST_SPORT = 227,
	IE_POST_DPORT = 228, IE_RANGE_START = 361, IE_RANGE_END = 362, IE_RANGE_STEP = 363, IE_RANGE_N = 364,
};
/* natEvent (IANA "NAT Event Type") */
enum { EV_SESSION_CREATE = 1, EV_SESSION_DELETE = 2, EV_BLOCK_ALLOC = 14, EV_BLOCK_FREE = 15 };

static const struct fx_evt_tmpl session_tmpl = {
	.n_ies = 12,
	.ie = { { IE_NAT_EVENT, 1 }, { IE_IN_VRF, 4 }, { IE_OUT_VRF, 4 }, { IE_PROTO, 1 }, { IE_SRC4, 4 },
		{ IE_POST_SRC4, 4 }, { IE_SPORT, 2 }, { IE_POST_SPORT, 2 }, { IE_DST4, 4 }, { IE_POST_DST4, 4 },
		{ IE_DPORT, 2 }, { IE_POST_DPORT, 2 } },
};
static const struct fx_evt_tmpl block_tmpl = {
	.n_ies = 8,
	.ie = { { IE_NAT_EVENT, 1 }, { IE_IN_VRF, 4 }, { IE_SRC4, 4 }, { IE_POST_SRC4, 4 }, { IE_RANGE_START, 2 },
		{ IE_RANGE_END, 2 }, { IE_RANGE_STEP, 2 }, { IE_RANGE_N, 2 } },
};
static int session_id = -1, block_id = -1;

int
eg_log_init(void)
{
	if ((session_id = fx_evt_register(&session_tmpl)) < 0)
		return session_id;
	if ((block_id = fx_evt_register(&block_tmpl)) < 0)
		return block_id;
	return 0;
}

/* a record being written, its IEs one after the other in network order */
struct rec {
	uint8_t b[FX_EVT_LEN_MAX];
	unsigned int n;
};

static inline void
put(struct rec *r, const void *v, unsigned int len)
{
	memcpy(r->b + r->n, v, len);
	r->n += len;
}

static inline void
put8(struct rec *r, uint8_t v)
{
	put(r, &v, 1);
}

static inline void
put16(struct rec *r, uint16_t v)
{
	rte_be16_t x = rte_cpu_to_be_16(v);

	put(r, &x, 2);
}

static inline void
put32(struct rec *r, uint32_t v)
{
	rte_be32_t x = rte_cpu_to_be_32(v);

	put(r, &x, 4);
}

void
eg_log_session(unsigned int worker, uint64_t now, const struct ct_sess *s, bool create)
{
	struct rec r = { .n = 0 };

	if (!(s->flags & CT_F_NAT) || !fx_evt_wanted())
		return;
	put8(&r, create ? EV_SESSION_CREATE : EV_SESSION_DELETE);
	put32(&r, s->in.vrf);
	put32(&r, s->out.vrf);
	put8(&r, s->in.proto);
	put(&r, &s->in.src, 4);          /* the inside host, and what the outside sees of it */
	put(&r, &s->out.dst, 4);
	put16(&r, s->in.sport);          /* an ICMP query's: its identifier (ct_sess.h) */
	put16(&r, s->out.dport);
	put(&r, &s->in.dst, 4);          /* the remote: the same both sides */
	put(&r, &s->out.src, 4);
	put16(&r, s->in.dport);
	put16(&r, s->out.sport);
	fx_evt_emit(worker, session_id, now, r.b, r.n);
}

void
eg_log_block(void *arg, const struct nat_host *h, unsigned int b, bool alloc)
{
	const struct nat_store *ns = arg;
	struct rec r = { .n = 0 };

	/* the worker's own counters: it is the one giving the block */
	if (alloc)
		dp_lcore_stats[rte_lcore_id()].events[EG_EVENT(block_new)]++;
	if (!fx_evt_wanted())
		return;
	put8(&r, alloc ? EV_BLOCK_ALLOC : EV_BLOCK_FREE);
	put32(&r, h->vrf);
	put(&r, &h->ip, 4);
	put(&r, &h->ext_ip, 4);
	put16(&r, h->first_port[b]);
	put16(&r, (uint16_t)(h->first_port[b] + h->block_len - 1));
	put16(&r, 1);
	put16(&r, h->block_len);
	/* the worker's own TSC: a block is given or taken back in its walk */
	fx_evt_emit(ns->worker, block_id, rte_rdtsc(), r.b, r.n);
}
