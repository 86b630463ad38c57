/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's log: one line per event on stderr (journald takes it from there under systemd), as text or JSON (dp_jlog.h). */
#ifndef CD_LOG_H
#define CD_LOG_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "dp_jlog.h"

/* syslog's priorities, by the names the lines use */
enum { CD_PRI_ERR = 3, CD_PRI_WARN = 4, CD_PRI_INFO = 6 };

/* How lines are written, set once by main (cd_log_setup): one definition
 * whichever files include this. */
__attribute__((weak)) bool cd_log_json;
__attribute__((weak)) bool cd_log_journal;

/* --log-format @format ("text", "json"; NULL: text): 0, or -1 for another. */
static inline int
cd_log_setup(const char *format)
{
	if (dp_jlog_format(format, &cd_log_json) < 0)
		return -1;
	cd_log_journal = dp_jlog_journal(STDERR_FILENO);
	return 0;
}

/* One line of @program at @pri (@level its word) saying @msg; @name and
 * @record (a JSON object's text, NULL: none) carried beside it in JSON. */
static inline void
cd_log_put(const char *program, int pri, const char *level, const char *msg, const char *name, const char *record)
{
	dp_jlog_put(stderr, cd_log_json, cd_log_journal, program, pri, level, msg, name, record);
}

static inline void cd_log_line(int pri, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void
cd_log_line(int pri, const char *level, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cd_log_put("sxcd", pri, level, msg, NULL, NULL);
}

#define CD_LOG(level, fmt, ...) cd_log_line(CD_PRI_##level, #level, fmt, ##__VA_ARGS__)

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
