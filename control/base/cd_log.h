/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's log: one line per event on stderr (journald takes it from there under systemd). */
#ifndef CD_LOG_H
#define CD_LOG_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define CD_LOG(level, fmt, ...) \
	fprintf(stderr, "sxcd: " #level ": " fmt "\n", ##__VA_ARGS__)

/* What fails again and again is said once per every_s seconds: the lines
 * held back are counted and the count said with the next one. */
struct cd_log_limit {
	time_t logged;
	uint64_t quiet;
};

static inline void
cd_log_limited(struct cd_log_limit *l, unsigned int every_s, const char *who, const char *msg)
{
	time_t now = time(NULL);

	if (l->logged != 0 && now - l->logged < (time_t)every_s) {
		l->quiet++;
		return;
	}
	if (l->quiet != 0)
		CD_LOG(WARN, "%s: %s (and %" PRIu64 " more since the last line)", who, msg, l->quiet);
	else
		CD_LOG(WARN, "%s: %s", who, msg);
	l->logged = now;
	l->quiet = 0;
}

/* cd_log_limited with the line made from @fmt (at most 255 characters). */
static inline void cd_log_limitedf(struct cd_log_limit *l, unsigned int every_s, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void
cd_log_limitedf(struct cd_log_limit *l, unsigned int every_s, const char *who, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cd_log_limited(l, every_s, who, msg);
}

#endif
