/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_clock: the control plane's monotonic milliseconds (timers, ages, deadlines), defined once. */
#ifndef CD_CLOCK_H
#define CD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
cd_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
