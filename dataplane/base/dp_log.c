/* SPDX-License-Identifier: BSD-3-Clause */
/* sxdp's log stream: DPDK's log lines (EAL's, the PMDs', sxdp's own) as dp_jlog writes them (see dp_log.h). */
#include <stdio.h>	/* fopencookie: _GNU_SOURCE, as everything here is built */
#include <string.h>
#include <unistd.h>
#include <rte_log.h>

#include "dp_jlog.h"
#include "dp_log.h"

static struct {
	bool json, journal;
	char line[4096];	/* the line being written: rte_log may give it in pieces */
	size_t n;
} lg;

static const char *const levels[] = { "", "EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG" };

static void
put_line(void)
{
	int lv = rte_log_cur_msg_loglevel();
	const char *msg = lg.line;

	lg.line[lg.n] = '\0';
	if (lv < 1 || lv > 8)
		lv = RTE_LOG_INFO;
	/* "sxdp: " is DP_LOG's prefix: the program says it */
	if (strncmp(msg, "sxdp: ", 6) == 0)
		msg += 6;
	dp_jlog_put(stderr, lg.json, lg.journal, "sxdp", lv - 1, levels[lv], msg, NULL, NULL);
	fflush(stderr);
	lg.n = 0;
}

static ssize_t
on_write(void *c, const char *buf, size_t size)
{
	(void)c;
	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n' || lg.n == sizeof(lg.line) - 1) {
			put_line();
			if (buf[i] == '\n')
				continue;
		}
		lg.line[lg.n++] = buf[i];
	}
	return (ssize_t)size;
}

int
dp_log_setup(const char *format)
{
	cookie_io_functions_t io = { .write = on_write };
	FILE *f;

	if (dp_jlog_format(format, &lg.json) < 0)
		return -1;
	lg.journal = dp_jlog_journal(STDERR_FILENO);
	if (!lg.json && !lg.journal)
		return 0;	/* DPDK's own stream: stderr (and syslog) as it writes them */
	if ((f = fopencookie(NULL, "w", io)) == NULL)
		return -1;
	setvbuf(f, NULL, _IONBF, 0);
	return rte_openlog_stream(f) == 0 ? 0 : -1;
}
