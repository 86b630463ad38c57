/* SPDX-License-Identifier: BSD-3-Clause */
/* dp_jlog: a log line as text or as one JSON object, as sxdp and sxcd both write them (--log-format). */
/*
 * Text: "PROGRAM: LEVEL: message", with "<N>" (syslog's priority) before
 * it when the stream is journald's (JOURNAL_STREAM names it), so the
 * journal records each line's PRIORITY. JSON (for Fluentd and the EFK
 * stack): {"time", "program", "pid", "level", "priority", "message"} and,
 * for a line that carries a record (sxcd's audit), that record under its
 * name. Header only: both programs' logs, whatever they link.
 */
#ifndef DP_JLOG_H
#define DP_JLOG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "text", "json" (NULL: text) into *@json: 0, or -1 for another word. */
static inline int
dp_jlog_format(const char *format, bool *json)
{
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return -1;
	*json = format != NULL && strcmp(format, "json") == 0;
	return 0;
}

/* Is @fd journald's stream (systemd says so in JOURNAL_STREAM)? */
static inline bool
dp_jlog_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%lu:%lu", &dev, &ino) == 2 && fstat(fd, &st) == 0 &&
	       st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

/* @s as the inside of a JSON string into @out (@len), cut to fit. */
static inline void
dp_jlog_escape(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* One line to @f of @program at @pri (@level its word) saying @msg; @name
 * and @record (a JSON object's text, NULL: none) carried beside it in JSON. */
static inline void
dp_jlog_put(FILE *f, bool json, bool journal, const char *program, int pri, const char *level, const char *msg,
	    const char *name, const char *record)
{
	char esc[8192], now[40];
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (!json) {
		fprintf(f, "%s%.0d%s%s: %s: %s%s%s\n", journal ? "<" : "", journal ? pri : 0,
			journal ? ">" : "", program, level, msg, record ? " " : "", record ? record : "");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(now + n, sizeof(now) - n, ".%06ldZ", ts.tv_nsec / 1000);
	dp_jlog_escape(esc, sizeof(esc), msg);
	fprintf(f, "{\"time\":\"%s\",\"program\":\"%s\",\"pid\":%d,\"level\":\"%s\",\"priority\":%d,"
		"\"message\":\"%s\"%s%s%s%s}\n", now, program, (int)getpid(), level, pri, esc,
		record ? ",\"" : "", record ? name : "", record ? "\":" : "", record ? record : "");
}

#endif
