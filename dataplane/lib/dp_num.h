/* The one way sxdp and sxctl read a number written as text: plain decimal
 * digits, no sign, space, hex or octal prefix, and no leading zero (so
 * "010" is neither 8 nor 10 but an error): a string means the same number
 * to the dataplane, the CLI and the person who typed it. */
#ifndef DP_NUM_H
#define DP_NUM_H

#include <errno.h>
#include <stdint.h>

/* 0, -EINVAL (not strict decimal) or -ERANGE (above max). */
static inline int
dp_num_parse(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

#endif
