/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_clock: the control plane's monotonic milliseconds (timers, ages, deadlines) and its wall-clock stamps, defined once. */
#ifndef CD_CLOCK_H
#define CD_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint64_t
cd_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Now in UTC, RFC 3339 ("2026-11-29T06:01:06Z", with @ms ".123" before
 * the Z), into @out: @out. */
static inline const char *
cd_clock_utc(char *out, size_t len, bool ms)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		snprintf(out + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	else
		snprintf(out + n, len - n, "Z");
	return out;
}

#endif
