/* QoS feature wiring: the meters and their color policies, the profiles
 * derived from them for workers (kept in the same batch), the refusals
 * (bad profiles, unknown or still-named meters), per-color counters
 * (qos.meters), and pl_qos_meter, the extern other features' stages call.
 * The arithmetic is qm_meter.c's. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_seqcount.h>

#include "pl_qos.h"
#include "qos_names.h"
#include "qm_meter.h"
#include "qs_namers.h"
#include "qs_sched.h"
#include "dp_flowkey.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_stats.h"
#include "dp_tblrpc.h"

struct pl_qos_tables pl_qos = { -1, -1, -1, -1 };
static uint8_t vdn_off[DP_FK_FIELDS];
unsigned int pl_qos_drop_base;
static unsigned int qos_event_base;

#define DP_REASONS_DEF "pl_qos.def"
#define DP_REASONS_PREFIX qos
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

/* What a packet is charged (the "charge" param): the frame as received
 * (no FCS), with its FCS, on the wire (FCS, preamble, SFD and the
 * inter-frame gap: what a link's bit rate carries), or its IP packet. */
enum { CHARGE_L2, CHARGE_L2_FCS, CHARGE_WIRE, CHARGE_IP };
static const uint8_t charge_extra[] = {
	[CHARGE_L2] = 0, [CHARGE_L2_FCS] = 4, [CHARGE_WIRE] = 24, [CHARGE_IP] = 0,
};

/* The meters' params as the engine lays them out (checked at init). */
struct qos_srtcm {
	uint64_t cir;
	uint32_t cbs, ebs;
	uint8_t aware, charge;
};
struct qos_two_rate {            /* trtcm: pir, pbs; rfc4115: eir, ebs */
	uint64_t cir;
	uint32_t cbs;
	uint64_t xir;
	uint32_t xbs;
	uint8_t aware, charge;
};
struct qos_remark {
	uint8_t dscp, pcp;
};
/* A derived profile: the meter in TSC units (qm_profile's fields), then
 * per color (byte c of each word) its policy and the values it marks. */
struct qos_profile {
	uint64_t u[2];
	uint32_t d[2];
	uint8_t mode, aware, charge;
	uint32_t acts;               /* QOS_PASS, QOS_DROP or QOS_REMARK */
	uint32_t dscps;              /* 0..63, QOS_DSCP_KEEP */
	uint32_t pcps;               /* 0..7, QOS_PCP_KEEP */
};
_Static_assert(sizeof(struct qos_profile) <= DP_PARAMS_BYTES, "a profile fits an entry's params");

#define METER_PARAMS_AC { QOS_F_AWARE, DP_T_U8, 1, true }, { QOS_F_CHARGE, DP_T_U8, CHARGE_IP, true }
/* The meters' tables as declared for QOS_METERS_SIZE meters; qos_init
 * sizes and bounds them by the meters table's configured size. */
static const struct dp_table_def meters_def = {
	.name = QOS_T_METERS, .size = QOS_METERS_SIZE, .n_fields = 1,
	.fields = { { QOS_F_ID, DP_T_U32, DP_MATCH_EXACT, QOS_METERS_SIZE - 1 } },
	.n_actions = 4,
	.actions = {
		[QOS_SRTCM] = { QOS_A_SRTCM, 5, { { QOS_F_CIR, DP_T_U64 }, { QOS_F_CBS, DP_T_U32 }, { QOS_F_EBS, DP_T_U32 },
					      METER_PARAMS_AC } },
		[QOS_TRTCM] = { QOS_A_TRTCM, 6, { { QOS_F_CIR, DP_T_U64 }, { QOS_F_CBS, DP_T_U32 }, { QOS_F_PIR, DP_T_U64 },
					      { QOS_F_PBS, DP_T_U32 }, METER_PARAMS_AC } },
		[QOS_RFC4115] = { QOS_A_RFC4115, 6, { { QOS_F_CIR, DP_T_U64 }, { QOS_F_CBS, DP_T_U32 },
						  { QOS_F_EIR, DP_T_U64 }, { QOS_F_EBS, DP_T_U32 }, METER_PARAMS_AC } },
		[QOS_METER_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = QOS_METER_NONE, .next_table = QOS_T_METER_COLORS,
};

static const struct dp_table_def meter_colors_def = {
	.name = QOS_T_METER_COLORS, .size = 3 * QOS_METERS_SIZE, .n_fields = 2,
	.fields = { { QOS_F_METER, DP_T_U32, DP_MATCH_EXACT, QOS_METERS_SIZE - 1 },
		    { QOS_F_COLOR, DP_T_U8, DP_MATCH_EXACT, QM_RED } },
	.n_actions = 4,
	.actions = {
		[QOS_PASS] = { QOS_A_PASS, 0, {} },
		[QOS_DROP] = { QOS_A_DROP, 0, {} },
		[QOS_REMARK] = { QOS_A_REMARK, 2, { { QOS_F_DSCP, DP_T_U8, QOS_DSCP_KEEP },
						{ QOS_F_PCP, DP_T_U8, QOS_PCP_KEEP } } },
		[QOS_COLOR_DEFAULT] = { QOS_A_NONE, 0, {} },
	},
	.default_action = QOS_COLOR_DEFAULT, .next_table = QOS_T_METER_PROFILES,
};

enum { PROFILE, PROFILE_NONE };
static const struct dp_table_def profiles_def = {
	.name = QOS_T_METER_PROFILES, .size = QOS_METERS_SIZE, .n_fields = 1,
	.fields = { { QOS_F_ID, DP_T_U32, DP_MATCH_EXACT, QOS_METERS_SIZE - 1 } },
	.n_actions = 2,
	.actions = {
		[PROFILE] = { QOS_A_PROFILE, 10, {
			{ QOS_F_TICKS_PER_BYTE_1, DP_T_U64 }, { QOS_F_TICKS_PER_BYTE_2, DP_T_U64 },
			{ QOS_F_DEPTH_1, DP_T_U32 }, { QOS_F_DEPTH_2, DP_T_U32 }, { QOS_F_MODE, DP_T_U8 },
			{ QOS_F_AWARE, DP_T_U8 }, { QOS_F_CHARGE, DP_T_U8 }, { QOS_F_ACTS, DP_T_U32 },
			{ QOS_F_DSCPS, DP_T_U32 }, { QOS_F_PCPS, DP_T_U32 } } },
		[PROFILE_NONE] = { QOS_A_NONE, 0, {} },
	},
	/* a profile is its meter's (one entry a meter, derived), and the
	 * meter counts every packet it colors (qos.meters): an entry's own
	 * hits said it again, a cold line a packet with a session's AMBR each */
	.default_action = PROFILE_NONE, .derived = true, .no_entry_hits = true,
};

/* A slice's VDNs and classes: the first match (priority) names its pipe
 * and meter. Endpoints are IPv4 hosts or subnets (a site: its subnets). */
struct qos_vdn {
	uint16_t pipe;
	uint32_t meter;
};
static const struct dp_table_def vdns_def = {
	.name = QOS_T_VDNS, .size = 4096, .n_fields = DP_FK_FIELDS,
	.fields = { DP_FLOWKEY_FIELDS },
	.n_actions = 2,
	.actions = {
		[QOS_VDN] = { QOS_A_VDN, 2, { { QOS_F_PIPE, DP_T_U16, QOS_PIPE_NUM_MAX }, { QOS_F_METER, DP_T_U32, QOS_METER_ID_CAP, true } } },
		[QOS_VDN_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = QOS_VDN_NONE,
};

/* A meter's line, by meter id (n_meters of them, the meters table's size,
 * sized at init): its bucket state, shared by the workers (CAS), and for
 * them a copy of its profile as meter_profiles has it. With thousands of
 * meters (sessions' AMBRs) a packet's meter is cold: the table's lookup
 * cost two more lines (the id's place, the entry) beside the state's, the
 * copy none. The main lcore writes the copy after each batch (derive_done)
 * under sc; a worker that finds it being written, changed meanwhile or
 * absent looks the table up. */
struct qos_slot {
	struct qm_state st;
	rte_seqcount_t sc;
	uint32_t pidx;               /* the profile entry's slot (the table counts by it); DP_ENTRY_NO_SLOT: no copy */
	struct qos_profile prof;
} __rte_cache_aligned;
_Static_assert(sizeof(struct qos_slot) == RTE_CACHE_LINE_SIZE, "a meter is one line");
/* Per-worker per-color counters, by meter id: a line each, so that a
 * meter's are one line to fetch (48 bytes packed put half of them across
 * two lines: with thousands of meters, two misses where one would do). */
struct qos_ctr {
	uint64_t pkts[3], bytes[3];
} __rte_cache_aligned;
static struct qos_slot *slots;
static struct qos_ctr *ctrs[DP_WORKERS_MAX];
static unsigned int n_workers;
static uint32_t n_meters;

static int bad_reason[QM_BAD_N], unknown_meter, meter_in_use;

int
pl_qos_meter_ref(int table, uint16_t action, unsigned int param_off)
{
	return qs_namers_ref(table, action, param_off);
}

/* ------------------------------------------------------------ workers */

/* A shadow walk's meters (dp_feature.h): what its packets take is taken
 * from copies of the buckets, made at the walk's first use of each meter,
 * so that later packets of the walk see what the earlier ones took, as in
 * the real walk, and the real buckets are left alone. Each metering's
 * meter and the state it drew from are kept, in order: the real walk
 * checked against it (dp_stage_ctx.checked) compares the state each of
 * its meterings drew from, and where another worker took tokens between
 * the two walks (a meter two workers share) says so (moved), as a
 * difference of their colors would prove nothing. */
#define SHADOW_METERS 256
#define SHADOW_CALLS DP_LOOKUP_BURST
static struct shadow_meters {
	uint32_t walk;           /* the shadow walk the copies are of */
	unsigned int n;
	uint32_t id[SHADOW_METERS];
	struct qos_slot copy[SHADOW_METERS];
	unsigned int calls, real_calls;  /* meterings of the shadow walk, of the real one so far */
	uint32_t real_walk;      /* the shadow walk number the real one counted is checked against */
	uint32_t call_id[SHADOW_CALLS];
	struct qm_state call_from[SHADOW_CALLS];
} *shadow[DP_WORKERS_MAX];

/* The shadow walk's copy of meter id for one metering (recorded). */
static struct qm_state *
shadow_state(struct dp_stage_ctx *ctx, uint32_t id)
{
	struct shadow_meters *sm = shadow[ctx->worker];
	unsigned int i;

	if (sm->walk != ctx->shadow) {
		sm->walk = ctx->shadow;
		sm->n = sm->calls = 0;
	}
	for (i = 0; i < sm->n && sm->id[i] != id; i++)
		;
	if (i == sm->n) {
		if (i == SHADOW_METERS)   /* more meters than a walk's packets have: reuse the last */
			i--;
		else
			sm->n++;
		sm->id[i] = id;
		sm->copy[i].st = slots[id].st;
	}
	/* this metering, for the real walk to compare with */
	if (sm->calls < SHADOW_CALLS) {
		sm->call_id[sm->calls] = id;
		sm->call_from[sm->calls++] = sm->copy[i].st;
	}
	return &sm->copy[i].st;
}

/* The real walk checked against the shadow walk ctx->checked metered id
 * from state from: moved if the shadow walk's same metering (the same
 * place in its order, the same meter) drew from another state. */
static void
shadow_compare(struct dp_stage_ctx *ctx, uint32_t id, const struct qm_state *from)
{
	struct shadow_meters *sm = shadow[ctx->worker];
	unsigned int k;

	if (sm->walk != ctx->checked)
		return;
	if (sm->real_walk != ctx->checked) {
		sm->real_walk = ctx->checked;
		sm->real_calls = 0;
	}
	k = sm->real_calls++;
	if (k < sm->calls && sm->call_id[k] == id && sm->call_from[k].s.int128 != from->s.int128)
		ctx->moved = true;
}

static inline uint32_t
charged(const struct rte_mbuf *m, const struct dp_meta *md, uint8_t charge)
{
	if (charge == CHARGE_IP && (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)))
		return rte_pktmbuf_pkt_len(m) - md->l3_off;
	return rte_pktmbuf_pkt_len(m) + charge_extra[charge];
}

/* The DSCP of m's IP header to dscp (RFC 1624 for the IPv4 checksum), the
 * PCP of its outer tag to pcp; QOS_DSCP_KEEP / QOS_PCP_KEEP leave them. */
static void
remark(struct rte_mbuf *m, struct dp_meta *md, uint8_t dscp, uint8_t pcp)
{
	if (dscp != QOS_DSCP_KEEP && (md->flags & DP_MF_IPV4)) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
		uint16_t old = *(const uint16_t *)ip, nw;
		uint32_t sum;

		ip->type_of_service = (uint8_t)(dscp << 2 | (ip->type_of_service & 3));
		nw = *(const uint16_t *)ip;
		sum = (uint16_t)~ip->hdr_checksum + (uint32_t)(uint16_t)~old + nw;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->hdr_checksum = (uint16_t)~sum;
	} else if (dscp != QOS_DSCP_KEEP && (md->flags & DP_MF_IPV6)) {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off);
		uint32_t vtc = rte_be_to_cpu_32(ip->vtc_flow);

		vtc = (vtc & ~(0xfcu << 20)) | (uint32_t)dscp << 22;
		ip->vtc_flow = rte_cpu_to_be_32(vtc);
	}
	if (pcp != QOS_PCP_KEEP && (md->flags & DP_MF_VLAN)) {
		/* the outer tag: the one the next hop's switch reads */
		rte_be16_t *tci = rte_pktmbuf_mtod_offset(m, rte_be16_t *, 14);   /* after its TPID */

		md->vlan[0] = (uint16_t)((md->vlan[0] & 0x1fff) | pcp << 13);
		*tci = rte_cpu_to_be_16(md->vlan[0]);
	}
}

void
pl_qos_meter_prefetch(unsigned int worker, const uint32_t *meter, unsigned int k)
{
	const struct qos_ctr *ctr = ctrs[worker];

	for (unsigned int j = 0; j < k; j++)
		if (meter[j] != 0 && likely(meter[j] < n_meters)) {
			rte_prefetch0(&slots[meter[j]]);
			rte_prefetch0(&ctr[meter[j]]);
		}
}

/* Workers: the profile of meter s from its line into p (its entry's slot
 * in *pidx): false where the line has none to give (see qos_slot), or the
 * main lcore was writing it: one try, never a wait on the main lcore (it
 * may be preempted mid-write); the table has the profile all the same. */
static inline bool
line_profile(const struct qos_slot *s, struct qos_profile *p, uint32_t *pidx)
{
	uint32_t sn = rte_seqcount_read_begin(&s->sc);

	*p = s->prof;
	*pidx = s->pidx;
	return !rte_seqcount_read_retry(&s->sc, sn) && *pidx != DP_ENTRY_NO_SLOT;
}

/* The k packets by meter[j]: the meters in the order first seen (gid[g],
 * gsize[g] packets each) and the packets group after group (order[], in
 * burst order within one); the number of groups. A burst mostly has one
 * meter (a slice's, a tunnel's) or one a packet (sessions' AMBRs): linear
 * in k either way, through a small open-addressed table of meter to group
 * (a pairwise search was k^2/2 compares a burst of AMBRs: ~35 cycles a
 * packet). */
#define GROUP_SLOTS (2 * DP_LOOKUP_BURST)
static inline unsigned int
group(const uint32_t *meter, unsigned int k, uint32_t *gid, uint16_t *gsize, uint16_t *order)
{
	uint8_t slot_g[GROUP_SLOTS], grp[DP_LOOKUP_BURST];
	uint32_t slot_id[GROUP_SLOTS];
	uint16_t at[DP_LOOKUP_BURST];
	unsigned int ng = 0, j;

	RTE_BUILD_BUG_ON(DP_LOOKUP_BURST > UINT8_MAX || GROUP_SLOTS != 1u << 7);
	if (k == 0)
		return 0;
	for (j = 1; j < k && meter[j] == meter[0]; j++)
		;
	if (j == k) {
		gid[0] = meter[0];
		gsize[0] = (uint16_t)k;
		for (j = 0; j < k; j++)
			order[j] = (uint16_t)j;
		return 1;
	}
	memset(slot_g, UINT8_MAX, sizeof(slot_g));
	for (j = 0; j < k; j++) {
		unsigned int h = (meter[j] * 0x9e3779b1u) >> (32 - 7);

		while (slot_g[h] != UINT8_MAX && slot_id[h] != meter[j])
			h = (h + 1) & (GROUP_SLOTS - 1);
		if (slot_g[h] == UINT8_MAX) {
			slot_g[h] = (uint8_t)ng;
			slot_id[h] = meter[j];
			gid[ng] = meter[j];
			gsize[ng++] = 0;
		}
		grp[j] = slot_g[h];
		gsize[grp[j]]++;
	}
	at[0] = 0;
	for (unsigned int g = 1; g < ng; g++)
		at[g] = (uint16_t)(at[g - 1] + gsize[g - 1]);
	for (j = 0; j < k; j++)
		order[at[grp[j]]++] = (uint16_t)j;
	return ng;
}

unsigned int
pl_qos_meter(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	     const uint32_t *meter, uint16_t *next)
{
	const struct dp_entry *le[DP_LOOKUP_BURST];
	const struct qos_profile *pp[DP_LOOKUP_BURST];
	struct qos_profile lp[DP_LOOKUP_BURST];
	struct qos_ctr *ctr = ctrs[ctx->worker];
	uint16_t order[DP_LOOKUP_BURST], gsize[DP_LOOKUP_BURST];
	uint32_t gid[DP_LOOKUP_BURST] = { 0 };   /* zeroed: GCC cannot see ng >= 1 */
	uint32_t lid[DP_LOOKUP_BURST], lg[DP_LOOKUP_BURST], pidx[DP_LOOKUP_BURST], pcnt[DP_LOOKUP_BURST];
	const struct dp_entry *he[DP_LOOKUP_BURST];
	uint32_t hc[DP_LOOKUP_BURST];
	unsigned int ng, no = 0, dropped = 0, nl = 0, np = 0, nh = 0;
	const unsigned int w = dp_ctx_count(ctx);

	/* the packets by meter: one profile and one read of the shared state
	 * per meter, every packet counted a hit of its profile */
	ng = group(meter, k, gid, gsize, order);
	/* with many meters (a session's AMBR each) their lines and counters
	 * are cold: fetched while the grouping's other work goes on */
	pl_qos_meter_prefetch(ctx->worker, gid, ng);
	for (unsigned int g = 0; g < ng; g++) {
		if (likely(gid[g] < n_meters) && line_profile(&slots[gid[g]], &lp[g], &pidx[np])) {
			pp[g] = &lp[g];
			pcnt[np++] = gsize[g];
			continue;
		}
		pp[g] = NULL;
		lid[nl] = gid[g];
		lg[nl++] = g;
	}
	if (np)
		dp_table_count_hits_idx(w, (unsigned int)pl_qos.profiles, pidx, pcnt, np);
	if (nl) {
		/* the lookup counts one hit a meter, the rest of its packets here */
		dp_table_lookup_ids(ctx->root, w, pl_qos.profiles, lid, nl, le);
		for (unsigned int x = 0; x < nl; x++) {
			if (le[x]->action != PROFILE)
				continue;
			pp[lg[x]] = (const struct qos_profile *)le[x]->params;
			if (gsize[lg[x]] > 1) {
				he[nh] = le[x];
				hc[nh++] = gsize[lg[x]] - 1u;
			}
		}
		if (nh)
			dp_table_count_hits(w, (unsigned int)pl_qos.profiles, he, hc, nh);
	}
	no = 0;
	for (unsigned int g = 0; g < ng; no += gsize[g++]) {
		const struct qos_profile *p = pp[g];
		struct rte_mbuf *m[DP_LOOKUP_BURST];
		uint32_t len[DP_LOOKUP_BURST], id = gid[g], n = gsize[g];
		/* green is what is left: sums kept in registers for the rest */
		uint64_t pk[3] = { n, 0, 0 }, by[3] = { 0, 0, 0 };
		uint8_t col[DP_LOOKUP_BURST];
		struct qm_profile q;

		/* deleted meanwhile, or never there: unmetered (a profile's
		 * id is below n_meters: its table is bounded so; checked all
		 * the same, the arrays are indexed by it) */
		if (p == NULL || unlikely(id >= n_meters))
			continue;
		for (unsigned int x = 0; x < n; x++) {
			const struct dp_meta *md;

			m[x] = pkts[idx[order[no + x]]];
			md = dp_meta(m[x]);
			len[x] = charged(m[x], md, p->charge);
			by[0] += len[x];
			col[x] = (uint8_t)((md->flags & QOS_MF_COLOR_MASK) >> QOS_MF_COLOR_SHIFT);
		}
		q = (struct qm_profile){ { p->u[0], p->u[1] }, { p->d[0], p->d[1] }, p->mode, p->aware };
		if (likely(!ctx->shadow)) {
			struct qm_state from = qm_color(&slots[id].st, &q, ctx->now, len, col, n);

			if (unlikely(ctx->checked))
				shadow_compare(ctx, id, &from);
		} else {
			qm_color(shadow_state(ctx, id), &q, ctx->now, len, col, n);
		}
		for (unsigned int x = 0; x < n; x++) {
			struct dp_meta *md = dp_meta(m[x]);
			unsigned int c = col[x], act = p->acts >> (8 * c) & 0xff;

			if (c != QM_GREEN) {
				pk[0]--;
				by[0] -= len[x];
				pk[c]++;
				by[c] += len[x];
			}
			md->flags = (md->flags & ~QOS_MF_COLOR_MASK) | c << QOS_MF_COLOR_SHIFT;
			if (likely(act == QOS_PASS))
				continue;
			if (act == QOS_DROP) {
				next[idx[order[no + x]]] = DP_NEXT_DROP(pl_qos_drop_base + QOS_DROP_meter_green + c);
				dropped++;
			} else {
				remark(m[x], md, (uint8_t)(p->dscps >> (8 * c)), (uint8_t)(p->pcps >> (8 * c)));
			}
		}
		for (unsigned int c = 0; c < 3 && likely(!ctx->shadow); c++) {
			ctr[id].pkts[c] += pk[c];
			ctr[id].bytes[c] += by[c];
		}
	}
	return dropped;
}

bool
pl_qos_classes_any(void)
{
	return dp_table_entries((unsigned int)pl_qos.vdns) != 0;
}

unsigned int
pl_qos_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
		uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][DP_FK_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t midx[DP_LOOKUP_BURST];
	uint32_t meter[DP_LOOKUP_BURST];
	unsigned int nm = 0;

	if (dp_table_entries((unsigned int)pl_qos.vdns) == 0)
		return 0;
	for (unsigned int j = 0; j < k; j++) {
		dp_flowkey(keys[j], vdn_off, pkts[idx[j]], dp_meta(pkts[idx[j]]));
		kp[j] = keys[j];
	}
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_qos.vdns, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		const struct qos_vdn *v = (const struct qos_vdn *)e[j]->params;

		if (e[j]->action != QOS_VDN)
			continue;
		dp_meta(pkts[idx[j]])->class_id = v->pipe;
		if (v->meter != 0) {
			midx[nm] = idx[j];
			meter[nm++] = v->meter;
		}
	}
	return nm ? pl_qos_meter(ctx, pkts, midx, nm, meter, next) : 0;
}

/* ------------------------------------------------------- control side */

static uint32_t
key_id(const uint8_t *key)
{
	return rte_be_to_cpu_32(*(const rte_be32_t *)key);
}

static void
id_key(uint8_t *key, uint32_t id)
{
	rte_be32_t be = rte_cpu_to_be_32(id);

	memset(key, 0, DP_KEY_MAX);
	memcpy(key, &be, 4);
}

static int
meter_exists(uint32_t id, const struct dp_update *batch, unsigned int n, const struct dp_update *extra,
	     uint16_t *action, uint8_t *params)
{
	uint8_t key[DP_KEY_MAX];

	id_key(key, id);
	return dp_table_batch_view(pl_qos.meters, key, batch, n, extra, action, params) && *action != QOS_METER_NONE;
}

/* The fastest port's rate in bit/s (0: none says). */
static uint64_t
max_port_bps(void)
{
	uint64_t best = 0;

	for (unsigned int i = 0; i < dp_n_ports; i++) {
		struct rte_eth_link l;

		if (rte_eth_link_get_nowait(dp_ports[i].port_id, &l) == 0 && l.link_speed != 0 &&
		    l.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			best = RTE_MAX(best, (uint64_t)l.link_speed * 1000000);
	}
	return best;
}

/* The profile of meter (action, params) with its color policies as the
 * batch leaves them: QM_OK or why not. */
static enum qm_bad
profile_of(uint32_t id, uint16_t action, const uint8_t *params, const struct dp_update *batch,
	   unsigned int n, const struct dp_update *extra, struct qos_profile *out)
{
	struct qm_rates r = { .mode = action == QOS_SRTCM ? QM_SRTCM : action == QOS_TRTCM ? QM_TRTCM :
									       QM_RFC4115 };
	struct qm_profile q;
	uint8_t aware, charge;
	enum qm_bad bad;

	if (action == QOS_SRTCM) {
		const struct qos_srtcm *s = (const struct qos_srtcm *)params;

		r.cir = s->cir;
		r.cbs = s->cbs;
		r.ebs = s->ebs;
		aware = s->aware;
		charge = s->charge;
	} else {
		const struct qos_two_rate *t = (const struct qos_two_rate *)params;

		r.cir = t->cir;
		r.cbs = t->cbs;
		r.eir = t->xir;
		r.ebs = t->xbs;
		aware = t->aware;
		charge = t->charge;
	}
	memset(out, 0, sizeof(*out));
	if ((bad = qm_profile_make(&r, rte_get_tsc_hz(), max_port_bps(), &q)) != QM_OK)
		return bad;
	out->u[0] = q.u[0];
	out->u[1] = q.u[1];
	out->d[0] = q.d[0];
	out->d[1] = q.d[1];
	out->mode = q.mode;
	out->aware = aware;
	out->charge = charge;
	for (unsigned int c = 0; c < 3; c++) {
		uint8_t key[DP_KEY_MAX], p[DP_PARAMS_BYTES];
		uint16_t act;
		struct qos_remark rm = { QOS_DSCP_KEEP, QOS_PCP_KEEP };

		id_key(key, id);
		key[4] = (uint8_t)c;
		if (!dp_table_batch_view(pl_qos.meter_colors, key, batch, n, extra, &act, p) || act == QOS_COLOR_DEFAULT)
			act = c == QM_RED ? QOS_DROP : QOS_PASS;
		if (act == QOS_REMARK)
			memcpy(&rm, p, sizeof(rm));
		out->acts |= (uint32_t)act << (8 * c);
		out->dscps |= (uint32_t)rm.dscp << (8 * c);
		out->pcps |= (uint32_t)rm.pcp << (8 * c);
	}
	return QM_OK;
}

/* meters and meter_colors imply meter_profiles: the profile of the meter
 * as the batch leaves it once u applies, inserted, replaced or deleted
 * with u. A profile the meter's rates do not make refuses u. */
static int
derive(struct dp_update *u, const struct dp_update *batch, unsigned int n, struct dp_update *out)
{
	uint32_t id = key_id(u->key);
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	struct qos_profile prof;
	uint16_t action;
	bool had, has;
	enum qm_bad bad;

	if (u->type == DP_UPD_DEFAULT)
		return 0;
	id_key(key, id);
	had = dp_table_batch_view(pl_qos.profiles, key, batch, n, NULL, &action, params) && action == PROFILE;
	has = meter_exists(id, batch, n, u, &action, params);
	if (!has && !had)
		return 0;
	memset(out, 0, sizeof(*out));
	out->table = (uint16_t)pl_qos.profiles;
	out->after = 1;
	memcpy(out->key, key, 4);
	if (!has) {
		out->type = DP_UPD_DELETE;
		return 1;
	}
	if ((bad = profile_of(id, action, params, batch, n, u, &prof)) != QM_OK)
		return bad_reason[bad];
	if (!had) {
		/* a new meter: no worker reads its slot (it has no profile
		 * yet), so it starts full and counted afresh */
		struct qm_profile q = { { prof.u[0], prof.u[1] }, { prof.d[0], prof.d[1] }, prof.mode, 0 };

		qm_state_init(&slots[id].st, &q, rte_rdtsc());
		for (unsigned int w = 0; w < n_workers; w++)
			memset(&ctrs[w][id], 0, sizeof(ctrs[w][id]));
	}
	out->type = had ? DP_UPD_MODIFY : DP_UPD_INSERT;
	out->action = PROFILE;
	memcpy(out->params, &prof, sizeof(prof));
	return 1;
}

/* After a batch: the lines' copies of the profiles it wrote (qos_slot). */
static void
derive_done(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_entry *e;
		const struct qos_profile *p;
		struct qos_slot *s;
		uint32_t id;

		if (d[i].table != (uint16_t)pl_qos.profiles || res[i] != 0 || d[i].type == DP_UPD_DEFAULT ||
		    (id = key_id(d[i].key)) >= n_meters)
			continue;
		s = &slots[id];
		e = d[i].type == DP_UPD_DELETE ? NULL : dp_table_find((unsigned int)pl_qos.profiles, d[i].key);
		p = e != NULL && e->action == PROFILE ? (const struct qos_profile *)e->params : NULL;
		rte_seqcount_write_begin(&s->sc);
		s->pidx = p != NULL ? e->idx : DP_ENTRY_NO_SLOT;
		if (p != NULL)
			s->prof = *p;
		rte_seqcount_write_end(&s->sc);
	}
}

static struct dp_table_deriver deriver = { .expand = derive, .done = derive_done };

/* Before a batch applies: what names a meter names one that exists (or
 * that the batch makes first); a meter an entry still names stays (the
 * counts of qs_namers, moved as the batch's updates before it would). */
static void
check(const struct dp_update *u, unsigned int n, int *res)
{
	/* the updates taken so far: what a refused one would have done is
	 * no other's premise (each applies on its own in continue mode) */
	struct dp_update *ok = malloc(sizeof(*ok) * (n ? n : 1));
	bool counted = ok != NULL && qs_namers_begin(n) == 0;
	unsigned int n_ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];
		uint8_t params[DP_PARAMS_BYTES];
		uint32_t ms[QS_NAMERS_PER_ENTRY];
		uint16_t action;
		unsigned int k;

		if (res[i] != 0)
			continue;
		if (x->table == pl_qos.meters && (x->type == DP_UPD_DELETE || x->action == QOS_METER_NONE)) {
			/* counts it cannot follow (no memory): kept, as safe */
			if (!counted || qs_namers_named(key_id(x->key)))
				res[i] = meter_in_use;
			continue;
		}
		if (x->type != DP_UPD_DELETE && x->type != DP_UPD_DEFAULT) {
			k = qs_namers_of(x->table, x->action, x->params, ms);
			for (unsigned int j = 0; j < k && res[i] == 0; j++)
				if (!meter_exists(ms[j], counted ? ok : u, counted ? n_ok : i, NULL, &action, params))
					res[i] = unknown_meter;
		}
		if (res[i] == 0 && counted) {
			qs_namers_step(x);
			ok[n_ok++] = *x;
		}
	}
	if (counted)
		qs_namers_end();
	free(ok);
}

/* ------------------------------------------------------------ qos.meters */

#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }
static const struct dp_schema_field color_fields[] = {
	RU("packets", ""), RU("bytes", "as charged"), { .name = NULL },
};
static const struct dp_schema_field meter_row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one meter",
	.fields = (const struct dp_schema_field[]){
		RU("id", ""),
		{ .name = "type", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "srtcm, trtcm, rfc4115" },
		{ .name = "green", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ, .fields = color_fields },
		{ .name = "yellow", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ, .fields = color_fields },
		{ .name = "red", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ, .fields = color_fields },
		{ .name = NULL } },
};
static const struct dp_rpc_method meters_method = {
	.name = "qos.meters",
	.description = "Every meter with what it colored green, yellow and red, summed over workers",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "meters", .type = DP_SCHEMA_ARRAY, .items = &meter_row },
};

/* One qos.meters row per meter, into the array arg: -ENOMEM stops. */
static int
meter_row_of(const struct dp_entry_view *ev, void *arg)
{
	static const char *const color_name[3] = { "green", "yellow", "red" };
	uint32_t id = key_id(ev->key);
	json_t *row;

	if (ev->action == QOS_METER_NONE)
		return 0;
	row = json_pack("{s:I, s:s}", "id", (json_int_t)id, "type", meters_def.actions[ev->action].name);
	for (unsigned int c = 0; row != NULL && c < 3; c++) {
		uint64_t p = 0, b = 0;

		for (unsigned int w = 0; w < n_workers; w++) {
			p += ctrs[w][id].pkts[c];
			b += ctrs[w][id].bytes[c];
		}
		json_object_set_new(row, color_name[c],
				    json_pack("{s:I, s:I}", "packets", (json_int_t)p, "bytes", (json_int_t)b));
	}
	return row == NULL || json_array_append_new(arg, row) < 0 ? -ENOMEM : 0;
}

static int
m_meters(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	 struct dp_rpc_err *err, void *arg __rte_unused)
{
	json_t *a = json_array();

	if (a == NULL || dp_table_each((unsigned int)pl_qos.meters, meter_row_of, a) < 0) {
		json_decref(a);
		return dp_rpc_err_set(err, DP_RPC_INTERNAL_ERROR, "no_memory", "", "out of memory");
	}
	*result = a;
	return 0;
}

/* ------------------------------------------------------------ wiring */

static int
qos_init(unsigned int workers)
{
	static const char *const bad_name[QM_BAD_N] = {
		[QM_BAD_CIR] = "bad_cir", [QM_BAD_CBS] = "bad_cbs", [QM_BAD_PIR] = "bad_pir",
		[QM_BAD_PBS] = "bad_pbs", [QM_BAD_SR_EIR] = "bad_eir", [QM_BAD_EIR] = "bad_eir",
		[QM_BAD_EBS] = "bad_ebs", [QM_BAD_PORT_RATE] = "above_port_rate",
		[QM_BAD_DEPTH] = "bad_burst",
	};
	/* the meters table's size (the config's table_sizes): its ids, and
	 * those of the tables keyed by meter, 1..size - 1 */
	static struct dp_table_def mdef, cdef, pdef;
	const struct dp_table_spec tables[] = {
		{ &mdef, &pl_qos.meters, 0 }, { &cdef, &pl_qos.meter_colors, 0 },
		{ &pdef, &pl_qos.profiles, 0 }, { &vdns_def, &pl_qos.vdns, 0 },
	};
	int rc;

	n_meters = dp_table_size_get(QOS_T_METERS, QOS_METERS_SIZE);
	if (n_meters < 2 || n_meters > QOS_METER_ID_CAP + 1) {
		DP_LOG(ERR, "config.table_sizes.%s: %u, must be 2..%u (meter ids 1..size - 1)", QOS_T_METERS,
		       n_meters, QOS_METER_ID_CAP + 1);
		return -EINVAL;
	}
	mdef = meters_def;
	cdef = meter_colors_def;
	pdef = profiles_def;
	mdef.size = pdef.size = n_meters;
	cdef.size = 3 * n_meters;
	mdef.fields[0].max = cdef.fields[0].max = pdef.fields[0].max = n_meters - 1;
	if ((rc = dp_reasons_register(qos_drop_reasons, QOS_DROP_N, qos_event_reasons, QOS_EVENT_N,
				      &pl_qos_drop_base, &qos_event_base)) < 0)
		return rc;
	if ((rc = dp_feature_tables("qos", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(pl_qos.meters, QOS_SRTCM, 4) != offsetof(struct qos_srtcm, charge) ||
	    dp_table_param_off(pl_qos.meters, QOS_TRTCM, 2) != offsetof(struct qos_two_rate, xir) ||
	    dp_table_param_off(pl_qos.meters, QOS_RFC4115, 5) != offsetof(struct qos_two_rate, charge) ||
	    dp_table_param_off(pl_qos.meter_colors, QOS_REMARK, 1) != offsetof(struct qos_remark, pcp) ||
	    dp_table_param_off(pl_qos.profiles, PROFILE, 4) != offsetof(struct qos_profile, mode) ||
	    dp_table_param_off(pl_qos.profiles, PROFILE, 6) != offsetof(struct qos_profile, charge) ||
	    dp_table_param_off(pl_qos.profiles, PROFILE, 9) != offsetof(struct qos_profile, pcps))
		return -EINVAL;
	dp_flowkey_offsets((unsigned int)pl_qos.vdns, vdn_off);
	if (dp_table_key_room((unsigned int)pl_qos.vdns) > DP_FK_ROOM ||
	    dp_table_param_off(pl_qos.vdns, QOS_VDN, 1) != offsetof(struct qos_vdn, meter) ||
	    (rc = pl_qos_meter_ref(pl_qos.vdns, QOS_VDN, offsetof(struct qos_vdn, meter))) < 0)
		return -EINVAL;
	for (unsigned int b = 1; b < QM_BAD_N; b++)
		if ((bad_reason[b] = dp_tblrpc_reason_add(bad_name[b], qm_bad_text[b])) == -ENOSPC)
			return -ENOSPC;
	unknown_meter = dp_tblrpc_reason_add("unknown_meter", "names a meter id the meters table does not have");
	meter_in_use = dp_tblrpc_reason_add("meter_in_use", "a table entry still names this meter");
	if (unknown_meter == -ENOSPC || meter_in_use == -ENOSPC || (rc = dp_tblrpc_check_add(check)) < 0)
		return -ENOSPC;
	if ((rc = qs_sched_init(workers, pl_qos_drop_base + QOS_DROP_sched_full,
				pl_qos_drop_base + QOS_DROP_sched_red,
				pl_qos_drop_base + QOS_DROP_sched_flushed)) < 0)
		return rc;
	deriver.sources = 1ull << pl_qos.meters | 1ull << pl_qos.meter_colors;
	if ((rc = dp_table_deriver_add(&deriver)) < 0 || (rc = qs_namers_init(QOS_METER_ID_CAP)) < 0)
		return rc;
	n_workers = workers;
	if ((slots = rte_zmalloc("qos_meters", sizeof(*slots) * n_meters, RTE_CACHE_LINE_SIZE)) == NULL)
		return -ENOMEM;
	for (uint32_t id = 0; id < n_meters; id++)
		slots[id].pidx = DP_ENTRY_NO_SLOT;   /* no profile copied yet */
	for (unsigned int w = 0; w < workers; w++)
		if ((ctrs[w] = rte_zmalloc("qos_ctr", sizeof(struct qos_ctr) * n_meters,
					   RTE_CACHE_LINE_SIZE)) == NULL ||
		    (shadow[w] = rte_zmalloc("qos_shadow", sizeof(*shadow[w]), RTE_CACHE_LINE_SIZE)) == NULL)
			return -ENOMEM;
	return dp_rpc_register(&meters_method, m_meters, NULL, NULL);
}

static void
qos_fini(void)
{
	qs_sched_fini();
	qs_namers_fini();
	rte_free(slots);
	slots = NULL;
	for (unsigned int w = 0; w < n_workers; w++) {
		rte_free(ctrs[w]);
		rte_free(shadow[w]);
		ctrs[w] = NULL;
		shadow[w] = NULL;
	}
}

const struct dp_feature pl_qos_feature = {
	.name = "qos",
	.description = "meters (srTCM, trTCM, RFC 4115) that other features' entries name by id, "
		       "exact across workers; per-color policies: pass, drop, remark DSCP/PCP",
	.init = qos_init,
	.n_stages = 0,
	.fini = qos_fini,
};

DP_FEATURE_REGISTER(pl_qos_feature)
