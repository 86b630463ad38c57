/* Application identification: the workers' flow caches, the punted
 * copies' way through nDPI on the main lcore, and the verdicts back (see
 * ov_app.h). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include <jansson.h>
#include <ndpi_api.h>

#include "ov_app.h"
#include "ov_probe.h"
#include "ov_state.h"
#include "sw_api.h"
#include "dp_log.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_slow.h"
#include "dp_stats.h"
#include "dp_table.h"

bool ov_app_on;

/* ---- a flow's name: (slice, protocol, ports, addresses) hashed to 64 bits ---- */

/* The flow of m (inner IPv4 or IPv6 with its ports): its 64-bit hash
 * (never 0), or 0 when m is no IP flow nDPI could name. Two CRCs over the
 * fields in opposite orders, then murmur3's finalizer: CRC is linear, and
 * two chains over the same words in the same order differ by a constant
 * (their XOR, which picked the cache's set, put every flow in one). */
static uint64_t
flow_hash(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);
	uint32_t pp = (uint32_t)md->sport << 16 | md->dport, a, b;
	uint64_t w = (uint64_t)md->slice << 32 | (uint64_t)md->l4_proto << 16, h;

	if (md->flags & DP_MF_IPV4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		a = rte_hash_crc_8byte(w | 4, 0x9e3779b9u);
		a = rte_hash_crc_4byte(pp, a);
		a = rte_hash_crc_4byte(ip->src_addr, a);
		a = rte_hash_crc_4byte(ip->dst_addr, a);
		b = rte_hash_crc_4byte(ip->dst_addr, 0x85ebca6bu);
		b = rte_hash_crc_4byte(ip->src_addr, b);
		b = rte_hash_crc_4byte(pp, b);
		b = rte_hash_crc_8byte(w | 4, b);
	} else if (md->flags & DP_MF_IPV6) {
		const uint8_t *sd = l3 + offsetof(struct rte_ipv6_hdr, src_addr);

		a = rte_hash_crc_8byte(w | 6, 0x9e3779b9u);
		a = rte_hash_crc_4byte(pp, a);
		a = rte_hash_crc(sd, 32, a);
		b = rte_hash_crc(sd + 16, 16, 0x85ebca6bu);
		b = rte_hash_crc(sd, 16, b);
		b = rte_hash_crc_4byte(pp, b);
		b = rte_hash_crc_8byte(w | 6, b);
	} else {
		return 0;
	}
	h = (uint64_t)a << 32 | b;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

/* ---- the workers' caches ---- */

#define CACHE_WAYS 8              /* two cache lines a set */
#define CACHE_SETS 8192u         /* 65,536 flows a worker (1 MB) */
#define TICK_SHIFT 24            /* a tick: 2^24 TSC cycles, some ms */
enum { SLOT_FREE, SLOT_ASKING, SLOT_NAMED };
struct cache_slot {
	uint64_t h;
	uint16_t app, master;    /* nDPI's protocol ids (0: unknown) */
	uint8_t state;           /* SLOT_* */
	uint8_t punted;          /* copies punted while ASKING */
	uint16_t tick;           /* last seen */
};
_Static_assert(sizeof(struct cache_slot) == 16, "a slot is 16 bytes");
static struct cache_slot *cache[DP_WORKERS_MAX];
static struct rte_ring *verdicts[DP_WORKERS_MAX];   /* main lcore -> worker */
/* each worker's copies to the slow path, paced (GCRA: a theoretical
 * arrival time, a copy every punt_iv cycles, OV_APP_PUNT_BURST at once):
 * more flows than its cache holds would otherwise ask on every packet */
static uint64_t punt_tat[DP_WORKERS_MAX], punt_iv;
/* ... and each slice's share of it (a quarter), so that one slice's flood
 * of new flows leaves the others theirs: [worker][slice] */
static uint64_t *slice_tat[DP_WORKERS_MAX], slice_iv;
static unsigned int n_workers;
static uint16_t idle_ticks;
/* a slot seen this recently is no victim: a set with more live flows than
 * ways keeps those it has (the newcomer goes by its rules, unnamed)
 * rather than making every one of them ask again and again */
static uint16_t busy_ticks;

/* a verdict on its way to a worker */
struct verdict {
	uint64_t h;
	uint16_t app, master;
	uint32_t pad;
};

/* The slot of h in its set, or NULL; *take: where to put it if not (a
 * free one, else the longest unseen). */
static inline struct cache_slot *
find(unsigned int w, uint64_t h, uint16_t tick, struct cache_slot **take)
{
	struct cache_slot *s = &cache[w][((h >> 32) ^ h) % CACHE_SETS * CACHE_WAYS];
	uint32_t oldest = 0;

	*take = NULL;
	for (unsigned int i = 0; i < CACHE_WAYS; i++) {
		uint32_t age = s[i].state == SLOT_FREE ? UINT32_MAX : (uint16_t)(tick - s[i].tick);

		if (s[i].state != SLOT_FREE && s[i].h == h)
			return &s[i];
		if (*take == NULL || age > oldest) {
			*take = &s[i];
			oldest = age;
		}
	}
	return NULL;
}

/* What the main lcore answered since the worker last looked. */
static void
verdicts_in(unsigned int w, uint16_t tick)
{
	struct verdict v[32];
	struct cache_slot *s, *take;
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst_elem(verdicts[w], v, sizeof(v[0]), RTE_DIM(v), NULL)) > 0)
		for (unsigned int i = 0; i < n; i++)
			if ((s = find(w, v[i].h, tick, &take)) != NULL) {
				s->app = v[i].app;
				s->master = v[i].master;
				s->state = SLOT_NAMED;
			}
}

/* A copy of m punted to be named (its flow h), as an extra packet; false
 * when none could be made (counted). */
static bool
punt_copy(struct dp_stage_ctx *ctx, struct rte_mbuf *m)
{
	uint64_t *tat = &punt_tat[ctx->worker], *st = &slice_tat[ctx->worker][dp_meta(m)->slice];
	struct rte_mbuf *c;
	struct dp_meta *cm;

	if (*tat > ctx->now + OV_APP_PUNT_BURST * punt_iv || *st > ctx->now + OV_APP_SLICE_PUNT_BURST * slice_iv) {
		ctx->stats->events[OV_EVENT(app_paced)]++;
		return false;
	}
	*tat = RTE_MAX(*tat, ctx->now) + punt_iv;
	*st = RTE_MAX(*st, ctx->now) + slice_iv;
	if (ctx->n_extra == DP_EXTRA_MAX || (c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX)) == NULL) {
		ctx->stats->copy_pkts++;
		ctx->stats->drop_pkts++;
		ctx->stats->drops[OV_DROP(app_copy)]++;
		return false;
	}
	cm = dp_meta(c);
	*cm = *dp_meta(m);
	cm->punt = OV_PUNT_APP;
	cm->out_port = ctx->worker;	/* whose cache the verdict goes to */
	ctx->extra[ctx->n_extra] = c;
	ctx->extra_next[ctx->n_extra++] = DP_NEXT_PUNT;
	ctx->stats->events[OV_EVENT(app_punted)]++;
	return true;
}

static inline void
app_key(uint8_t *k, uint16_t slice, uint16_t app)
{
	memset(k, 0, SW_KEY_BYTES);
	*(rte_be16_t *)k = rte_cpu_to_be_16(slice);
	*(rte_be16_t *)(k + 2) = rte_cpu_to_be_16(app);
}

void
ov_app_classes(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	       uint16_t *cls)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t master[DP_LOOKUP_BURST];
	unsigned int at[DP_LOOKUP_BURST], n = 0, n2 = 0;
	uint16_t tick = (uint16_t)(ctx->now >> TICK_SHIFT);
	unsigned int w = ctx->worker;
	uint64_t hit;

	/* a shadow walk (dp_feature.h) neither punts nor learns: the fast
	 * path declines while applications are named, so none runs */
	if (unlikely(ctx->shadow))
		return;
	verdicts_in(w, tick);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct dp_meta *md = dp_meta(m);
		uint64_t h = flow_hash(m, md);
		struct cache_slot *s, *take;

		if (h == 0)
			continue;
		/* new, or idle past OV_APP_IDLE_MS (a new flow of the same 5-tuple): asked afresh */
		if ((s = find(w, h, tick, &take)) == NULL || (uint16_t)(tick - s->tick) > idle_ticks) {
			if (s == NULL && take->state != SLOT_FREE && (uint16_t)(tick - take->tick) < busy_ticks) {
				ctx->stats->events[OV_EVENT(app_cache_full)]++;
				continue;
			}
			s = s != NULL ? s : take;
			*s = (struct cache_slot){ .h = h, .state = SLOT_ASKING, .tick = tick };
		}
		s->tick = tick;
		if (s->state == SLOT_ASKING) {
			/* the first packets are nDPI's to see; past them the
			 * flow goes unnamed (its answer may still come) */
			if (s->punted < OV_APP_PUNT_MAX) {
				s->punted += punt_copy(ctx, m);
				continue;
			}
			s->state = SLOT_NAMED;
			ctx->stats->events[OV_EVENT(app_giveup)]++;
		}
		if (s->app == 0 && s->master == 0)
			continue;
		app_key(keys[n], md->slice, s->app != 0 ? s->app : s->master);
		kp[n] = keys[n];
		master[n] = s->app != 0 && s->master != s->app ? s->master : 0;
		at[n++] = j;
	}
	if (n == 0)
		return;
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_ov.apps, kp, n, e);
	for (unsigned int i = 0; i < n; i++) {
		if ((hit >> i & 1) && e[i]->action == OV_APP_CLASS) {
			cls[at[i]] = ((const struct ov_class *)e[i]->params)->class;
			continue;
		}
		if (master[i] == 0)
			continue;
		/* the application has no entry: its master protocol's (TLS) may */
		app_key(keys[n2], dp_meta(pkts[idx[at[i]]])->slice, master[i]);
		kp[n2] = keys[n2];
		at[n2++] = at[i];
	}
	if (n2 == 0)
		return;
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_ov.apps, kp, n2, e);
	for (unsigned int i = 0; i < n2; i++)
		if ((hit >> i & 1) && e[i]->action == OV_APP_CLASS)
			cls[at[i]] = ((const struct ov_class *)e[i]->params)->class;
}

/* ---- the main lcore's classifier ---- */

static struct ndpi_detection_module_struct *ndpi;	/* ndpi_get's */
static struct rte_hash *flows;   /* h -> struct app_flow * */
struct app_flow {
	struct ndpi_flow_struct *f;
	uint64_t last_ns;
	uint64_t workers;        /* who asked: each is told */
	uint16_t slice;
	uint16_t pkts;
};
static uint16_t slice_flows[UINT16_MAX + 1];


static void
flow_free(uint64_t h, struct app_flow *a)
{
	rte_hash_del_key(flows, &h);
	slice_flows[a->slice]--;
	ndpi_free_flow(a->f);
	rte_free(a);
}

/* nDPI, made the first time it is asked for: a box that names no
 * application spares its start-up (~10 ms) and memory (~8 MB). NULL: out
 * of memory (asked again next time). Main lcore. */
static struct ndpi_detection_module_struct *
ndpi_get(void)
{
	NDPI_PROTOCOL_BITMASK all;

	if (likely(ndpi != NULL) || (ndpi = ndpi_init_detection_module(ndpi_no_prefs)) == NULL)
		return ndpi;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(ndpi, &all);
	ndpi_finalize_initialization(ndpi);
	return ndpi;
}

/* The verdict on flow h to every worker that asked. */
static void
tell(uint64_t h, const struct app_flow *a, uint16_t app, uint16_t master)
{
	struct verdict v = { .h = h, .app = app, .master = master };

	for (unsigned int w = 0; w < n_workers; w++)
		if ((a->workers >> w & 1) && rte_ring_mp_enqueue_elem(verdicts[w], &v, sizeof(v)) != 0)
			dp_slow_event(OV_EVENT(app_verdict_lost));
	dp_slow_event(app != 0 || master != 0 ? OV_EVENT(app_named) : OV_EVENT(app_unknown));
}

void
ov_app_punted(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	uint64_t h = flow_hash(m, md), now = ov_probe_ns(rte_rdtsc());
	struct app_flow *a = NULL;
	ndpi_protocol p;
	uint32_t len;

	if (h == 0 || ndpi_get() == NULL || md->out_port >= n_workers) {
		dp_slow_drop(m, OV_DROP(no_slowpath));
		return;
	}
	if (rte_hash_lookup_data(flows, &h, (void **)&a) < 0) {
		/* bounded: the classifier's flows, and a slice's share of them */
		if (rte_hash_count(flows) >= OV_APP_FLOWS_MAX || slice_flows[md->slice] >= OV_APP_SLICE_FLOWS ||
		    (a = rte_zmalloc("ov_app_flow", sizeof(*a), 0)) == NULL) {
			dp_slow_drop(m, OV_DROP(app_overflow));
			return;
		}
		if ((a->f = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT)) == NULL || rte_hash_add_key_data(flows, &h, a) < 0) {
			if (a->f != NULL)
				ndpi_free_flow(a->f);
			rte_free(a);
			dp_slow_drop(m, OV_DROP(app_overflow));
			return;
		}
		memset(a->f, 0, SIZEOF_FLOW_STRUCT);
		a->slice = md->slice;
		slice_flows[a->slice]++;
	}
	a->workers |= UINT64_C(1) << md->out_port;
	a->last_ns = now;
	a->pkts++;
	/* nDPI reads the IP packet: from the L3 header to the datagram's end,
	 * within the first segment (a copy is one) */
	len = rte_pktmbuf_data_len(m) - md->l3_off;
	if (md->flags & DP_MF_IPV4)
		len = RTE_MIN(len, (uint32_t)rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
											 md->l3_off)->total_length));
	else
		len = RTE_MIN(len, (uint32_t)rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
											 md->l3_off)->payload_len) + 40u);
	p = ndpi_detection_process_packet(ndpi, a->f, rte_pktmbuf_mtod_offset(m, const unsigned char *, md->l3_off),
					  (unsigned short)len, now / 1000000u);
	rte_pktmbuf_free(m);
	dp_slow_event(OV_EVENT(consumed));
	if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN && p.master_protocol == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t guessed = 0;

		if (a->pkts < OV_APP_PUNT_MAX)
			return;
		/* its last packet shown: what nDPI makes of it, no guess by port */
		p = ndpi_detection_giveup(ndpi, a->f, 0, &guessed);
	}
	tell(h, a, p.app_protocol, p.master_protocol);
	flow_free(h, a);
}

void
ov_app_poll(uint64_t now_tsc)
{
	static uint64_t next;
	uint64_t now = ov_probe_ns(now_tsc), h[64];
	const void *key;
	void *data;
	uint32_t it = 0;
	unsigned int n = 0;

	/* once a second: the flows whose packets stopped before a verdict */
	if (flows == NULL || now < next)
		return;
	next = now + 1000000000u;
	while (n < RTE_DIM(h) && rte_hash_iterate(flows, &key, &data, &it) >= 0)
		if (now - ((struct app_flow *)data)->last_ns > (uint64_t)OV_APP_IDLE_MS * 1000000u / 3)
			h[n++] = *(const uint64_t *)key;
	for (unsigned int i = 0; i < n; i++) {
		struct app_flow *a;

		if (rte_hash_lookup_data(flows, &h[i], &data) < 0)
			continue;
		a = data;
		tell(h[i], a, 0, 0);
		flow_free(h[i], a);
	}
}

static int
any_app(const struct dp_entry_view *ev, void *arg)
{
	if (ev->action == OV_APP_CLASS) {
		*(bool *)arg = true;
		return 1;
	}
	return 0;
}

void
ov_app_table_done(void)
{
	bool any = false;

	dp_table_each((unsigned int)pl_ov.apps, any_app, &any);
	__atomic_store_n(&ov_app_on, any, __ATOMIC_RELEASE);
}

/* overlay.apps: the applications nDPI names, by id */
static int
m_apps(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
       struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *o = json_object();
	unsigned int n = ndpi_get() != NULL ? ndpi_get_num_supported_protocols(ndpi) : 0;

	for (unsigned int id = 1; o != NULL && id < n && id <= OV_APP_MAX; id++)
		json_object_set_new(o, ndpi_get_proto_name(ndpi, (uint16_t)id), json_integer(id));
	if (o == NULL)
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	*result = json_pack("{s:o, s:I}", "apps", o, "classifying", (json_int_t)(flows ? rte_hash_count(flows) : 0));
	return *result != NULL ? 0 : dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
}

static const struct dp_rpc_method apps_method = {
	.name = "overlay.apps",
	.description = "The applications nDPI names (app_classes' app: these ids) and how many flows are being "
		       "classified now",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "apps", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.desc = "{apps: {NAME: ID}, classifying}" },
};

int
ov_app_init(unsigned int workers)
{
	struct rte_hash_parameters hp = {
		.name = "ov_app_flows", .entries = OV_APP_FLOWS_MAX * 2, .key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc, .socket_id = SOCKET_ID_ANY,
	};
	uint64_t hz = rte_get_tsc_hz();
	char name[32];
	int rc;

	punt_iv = hz / OV_APP_PUNT_RATE;
	slice_iv = hz / OV_APP_SLICE_PUNT_RATE;
	idle_ticks = (uint16_t)RTE_MIN((uint64_t)OV_APP_IDLE_MS * (hz / 1000) >> TICK_SHIFT, (uint64_t)UINT16_MAX / 2);
	busy_ticks = (uint16_t)RTE_MAX(hz >> TICK_SHIFT, 1u);   /* a second */
	n_workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		snprintf(name, sizeof(name), "ov_app_v%u", w);
		if ((cache[w] = rte_zmalloc("ov_app_cache", sizeof(struct cache_slot) * CACHE_SETS * CACHE_WAYS,
					    RTE_CACHE_LINE_SIZE)) == NULL ||
		    (slice_tat[w] = rte_zmalloc("ov_app_slice_pace", sizeof(uint64_t) * (UINT16_MAX + 1), 0)) == NULL ||
		    (verdicts[w] = rte_ring_create_elem(name, sizeof(struct verdict), 4096, SOCKET_ID_ANY,
							RING_F_SC_DEQ)) == NULL)
			return -ENOMEM;
	}
	if ((flows = rte_hash_create(&hp)) == NULL)
		return -ENOMEM;
	if ((rc = dp_rpc_register(&apps_method, m_apps, NULL, NULL)) < 0)
		return rc;
	return 0;
}

void
ov_app_fini(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (flows != NULL && rte_hash_iterate(flows, &key, &data, &it) >= 0) {
		ndpi_free_flow(((struct app_flow *)data)->f);
		rte_free(data);
	}
	rte_hash_free(flows);
	flows = NULL;
	for (unsigned int w = 0; w < n_workers; w++) {
		rte_free(cache[w]);
		rte_free(slice_tat[w]);
		rte_ring_free(verdicts[w]);
		cache[w] = NULL;
		slice_tat[w] = NULL;
		verdicts[w] = NULL;
	}
	if (ndpi != NULL)
		ndpi_exit_detection_module(ndpi);
	ndpi = NULL;
}
