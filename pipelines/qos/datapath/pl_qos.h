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
#include "qos_api.h"

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

enum { QOS_SRTCM, QOS_TRTCM, QOS_RFC4115, QOS_METER_NONE };
enum { QOS_VDN, QOS_VDN_NONE };
enum { QOS_PASS, QOS_DROP, QOS_REMARK, QOS_COLOR_DEFAULT };
#define QOS_DSCP_KEEP 64
#define QOS_PCP_KEEP  8


#endif
