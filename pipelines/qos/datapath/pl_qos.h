/* The "qos" feature: meters (policers) as first-class objects that other
 * features' table actions name by id, as P4 names an extern: a stage that
 * looked up an entry with a meter hands the packets to pl_qos_meter(),
 * which colors them (qm_meter.h: exact however the traffic is spread over
 * workers), counts them per color and applies the meter's policy for the
 * color: pass, drop, or remark DSCP and 802.1p PCP. Tables:
 *   meters        id -> srtcm | trtcm | rfc4115 (rates in bit/s, bursts in
 *                 bytes, color-aware or not, what a packet is charged)
 *   meter_colors  (meter, color) -> pass | drop | remark {dscp, pcp};
 *                 without an entry green and yellow pass, red drops
 *   meter_profiles (derived, read-only) what workers use: the profile in
 *                 TSC units and the policies, kept in the same batch as
 *                 the two above
 *   vdns          (slice, src, dst, proto, sport, dport, dscp: a
 *                 dp_flowkey) -> vdn {pipe, meter}: a VDN or class of a
 *                 slice, its egress scheduler pipe (qs_sched.h) and meter
 * A write naming a meter that does not exist, or deleting one an entry
 * still names, is refused. */
#ifndef PL_QOS_H
#define PL_QOS_H

#include <stdint.h>
#include "dp_feature.h"
#include "dp_table.h"

extern const struct dp_feature pl_qos_feature;

#define DP_REASONS_DEF "pl_qos.def"
#define DP_REASONS_PREFIX QOS
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_qos_drop_base;
#define QOS_DROP(name) (pl_qos_drop_base + QOS_DROP_##name)

struct pl_qos_tables {
	int meters, meter_colors, profiles, vdns;
};
extern struct pl_qos_tables pl_qos;

#define QOS_METER_MAX 16383      /* meter ids 1..QOS_METER_MAX; 0: no meter */

enum { QOS_SRTCM, QOS_TRTCM, QOS_RFC4115, QOS_METER_NONE };
enum { QOS_VDN, QOS_VDN_NONE };
enum { QOS_PASS, QOS_DROP, QOS_REMARK, QOS_COLOR_DEFAULT };
#define QOS_DSCP_KEEP 64
#define QOS_PCP_KEEP  8

/* The packet's color from the last meter it went through (dp_meta.flags):
 * what a color-aware meter after it reads. Green until metered. */
#define QOS_MF_COLOR_SHIFT 13
#define QOS_MF_COLOR_MASK (3u << QOS_MF_COLOR_SHIFT)

/* Meter pkts[idx[j]] with meter[j] (1..QOS_METER_MAX), for j < k: a packet
 * its meter's policy drops gets next[idx[j]] = a qos drop; the others are
 * left alone (remarked in place). Returns how many it dropped. Workers. */
unsigned int pl_qos_meter(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx,
			  unsigned int k, const uint32_t *meter, uint16_t *next);

/* The VDN or class of pkts[idx[j]], j < k (their slice decided): its pipe
 * into dp_meta.class_id, its meter run (pl_qos_meter). Returns how many
 * the meters dropped. Workers; nothing to do while vdns is empty. */
unsigned int pl_qos_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx,
			     unsigned int k, uint16_t *next);

/* A table whose action names a meter in a u32 param at param_off (0: no
 * meter): its writes are refused when the meter does not exist, and a
 * meter it names cannot be deleted. Main lcore, at init. 0 or -ENOSPC. */
int pl_qos_meter_ref(int table, uint16_t action, unsigned int param_off);

#endif
