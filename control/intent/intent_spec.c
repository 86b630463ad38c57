/* SPDX-License-Identifier: BSD-3-Clause */
/* The features' property compiles' shared pieces (intent_spec.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent_spec.h"

int
spec_refuse(struct spec_err *err, const char *ptr, const char *reason, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->ptr, sizeof(err->ptr), "%s", ptr);
	err->reason = reason;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *
spec_text4(uint32_t host, char *buf)
{
	struct in_addr a = { htonl(host) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int
spec_parse4(const char *s, uint32_t *a, unsigned int *plen)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr in;
	long l = 32;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		l = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || l < 0 || l > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*a = ntohl(in.s_addr);
	*plen = (unsigned int)l;
	return 0;
}
