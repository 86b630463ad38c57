/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS intents (meters, their color policies, VDNs) into table.write updates: intent.c's hooks. */
/*
 * The qos feature's table, field and action names (pipelines/qos) are
 * spelled in intent_qos.c and nowhere else on the control side. Not for
 * callers of the intent library: they see intent.h only.
 */
#ifndef INTENT_QOS_H
#define INTENT_QOS_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"
#include "intent_cc.h"

bool intent_qos_kind(enum intent_kind kind);
int intent_qos_compile(struct cc *c, const struct intent *it);
unsigned int intent_qos_inputs(const struct intent *it);
const char *intent_qos_input_table(enum intent_input k);

#endif
