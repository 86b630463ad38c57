/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_keyctl: the keying services' failures and clock (see ov_keyctl.h). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cd_host.h"
#include "ov_keyctl.h"

void
ov_keyctl_fail(struct ov_keyctl *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->last_error, sizeof(k->last_error), fmt, ap);
	va_end(ap);
	k->errors++;
	cd_log_limited(&k->lim, k->every_s, k->who, k->last_error);
}

void
ov_keyctl_answered(struct ov_keyctl *k, const char *what, json_t *result, json_t *error)
{
	if ((error != NULL || result == NULL) && !cd_host_lost(error))
		ov_keyctl_fail(k, "sxdp refused %s: %s", what,
			       json_string_value(json_object_get(error, "message")) ?: "no answer");
}

uint64_t
ov_keyctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
