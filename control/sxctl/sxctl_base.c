/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's ground: allocation that exits on failure (see sxctl_base.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sxctl_base.h"

void
sx_oom(void)
{
	fputs("sxctl: out of memory\n", stderr);
	exit(EX_FAIL);
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
