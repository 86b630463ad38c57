/* The qos feature's public API: what features that meter packets (switch,
 * overlay, upf) may use of it. A table action names a meter by id in a u32
 * param (declared with QOS_METER_ID_CAP as its bound: which ids exist is
 * the meters table's size, the box's config); the stage that looked the
 * entry up hands the packets to pl_qos_meter() (or pl_qos_classify() for
 * a slice's VDNs). */
#ifndef QOS_API_H
#define QOS_API_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_feature.h"
#include "qos_limits.h"  /* meter ids: QOS_METERS_SIZE, QOS_METER_ID_CAP */
#include "qos_names.h"

/* The packet's color from the last meter it went through (dp_meta.flags):
 * what a color-aware meter after it reads. Green until metered. */
#define QOS_MF_COLOR_SHIFT 13
#define QOS_MF_COLOR_MASK (3u << QOS_MF_COLOR_SHIFT)

/* Meter pkts[idx[j]] with meter[j] (an id the meters table does not have
 * leaves it unmetered), for j < k: a packet its meter's policy drops gets
 * next[idx[j]] = a qos drop; the others are left alone (remarked in
 * place). Returns how many it dropped. Workers. */
unsigned int pl_qos_meter(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx,
			  unsigned int k, const uint32_t *meter, uint16_t *next);

/* Warm the state and counters of meter[j], j < k, for a pl_qos_meter()
 * a little later: a stage that learns a packet's meter well before it is
 * metered (a session's AMBR) hides the cache misses of many cold meters.
 * Ids the table does not have are skipped. Workers. */
void pl_qos_meter_prefetch(unsigned int worker, const uint32_t *meter, unsigned int k);

/* The VDN or class of pkts[idx[j]], j < k (their slice decided): its pipe
 * into dp_meta.class_id, its meter run (pl_qos_meter). Returns how many
 * the meters dropped. Workers; nothing to do while vdns is empty. */
unsigned int pl_qos_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx,
			     unsigned int k, uint16_t *next);
/* Whether pl_qos_classify() has anything to do now (vdns holds an entry):
 * a stage that fuses what follows it may skip setting up its call. */
bool pl_qos_classes_any(void);

/* A table whose action names a meter in a u32 param at param_off (0: no
 * meter): its writes are refused when the meter does not exist, and a
 * meter it names cannot be deleted. Main lcore, at init. 0 or -ENOSPC. */
int pl_qos_meter_ref(int table, uint16_t action, unsigned int param_off);

#endif
