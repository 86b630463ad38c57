/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_keyctl: what sxcd's keying services (ESP's derived keys, WireGuard, IKEv2) share: their failures counted, the last said, logged at a bounded rate; their clock. */
#ifndef OV_KEYCTL_H
#define OV_KEYCTL_H

#include <stdint.h>

#include <jansson.h>

#include "cd_log.h"

/* A service's failures: how many, the last one's text (its status's
 * last_error), and a log line at most every @every_s seconds. */
struct ov_keyctl {
	const char *who;		/* "esp": its log lines' prefix */
	unsigned int every_s;
	uint64_t errors;
	char last_error[200];
	struct cd_log_limit lim;
};

void ov_keyctl_fail(struct ov_keyctl *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An sxdp call's answer: an error (not a lost connection: the calls go
 * again on the next) counted as "sxdp refused @what: its message". */
void ov_keyctl_answered(struct ov_keyctl *k, const char *what, json_t *result, json_t *error);
/* CLOCK_MONOTONIC in ms. */
uint64_t ov_keyctl_now_ms(void);

#endif
