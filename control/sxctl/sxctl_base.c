/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's ground: allocation that exits on failure (see sxctl_base.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sxctl_base.h"

void
sx_oom(void)
{
	fputs("sxctl: out of memory\n", stderr);
	exit(EX_FAIL);
}

void
sx_progress_tick(void *arg, int64_t waited_ms)
{
	struct sx_progress *p = arg;

	if (waited_ms < 1000 || !isatty(STDERR_FILENO))
		return;
	if (p->timeout_ms > 0)
		fprintf(stderr, "\rsxctl: waiting for %s: %.1f s of --timeout %.1f s ", p->what, waited_ms / 1000.0,
			p->timeout_ms / 1000.0);
	else
		fprintf(stderr, "\rsxctl: waiting for %s: %.1f s ", p->what, waited_ms / 1000.0);
	p->shown = true;
}

void
sx_progress_end(struct sx_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

char *
sx_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		sx_oom();
	return s;
}

void *
sx_realloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		sx_oom();
	return p;
}
