/* Strict in-place JSON scanning (dp_jscan.h): plain values only, anything
 * else irregular, so the general decoder has the last word on it. */
#include "dp_jscan.h"

bool
dp_jscan_done(struct dp_jscan *s)
{
	return dp_jscan_peek(s) < 0;
}

/* The bytes a plain string holds: printable ASCII but the quote and the
 * backslash (no escapes, no control characters, nothing for UTF-8
 * validation to say). */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

int
dp_jscan_string(struct dp_jscan *s, struct dp_jscan_span *v)
{
	const char *q;

	if (dp_jscan_char(s, '"') < 0)
		return -1;
	for (q = s->p; q < s->end && plain[(unsigned char)*q]; q++)
		;
	if (q == s->end || *q != '"')
		return -1;
	v->p = s->p;
	v->n = (size_t)(q - s->p);
	s->p = q + 1;
	return 0;
}

int
dp_jscan_uint(struct dp_jscan *s, uint64_t *v)
{
	const char *q;
	uint64_t x = 0;

	if (dp_jscan_peek(s) < '0' || dp_jscan_peek(s) > '9')
		return -1;
	for (q = s->p; q < s->end && *q >= '0' && *q <= '9'; q++)
		x = x * 10 + (uint64_t)(*q - '0');
	/* 18 digits fit any integer type; a leading zero is not JSON; a
	 * fraction or exponent makes a real */
	if (q - s->p > 18 || (*s->p == '0' && q - s->p > 1) ||
	    (q < s->end && (*q == '.' || *q == 'e' || *q == 'E')))
		return -1;
	s->p = q;
	*v = x;
	return 0;
}

static int
literal(struct dp_jscan *s, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int value(struct dp_jscan *s, int depth);

static int
members(struct dp_jscan *s, int depth)
{
	struct dp_jscan_span k;
	bool first = true;
	int rc;

	while ((rc = dp_jscan_member(s, &first, &k)) == 1)
		if (value(s, depth + 1) < 0)
			return -1;
	return rc;
}

static int
elements(struct dp_jscan *s, int depth)
{
	bool first = true;
	int rc;

	while ((rc = dp_jscan_element(s, &first)) == 1)
		if (value(s, depth + 1) < 0)
			return -1;
	return rc;
}

static int
value(struct dp_jscan *s, int depth)
{
	struct dp_jscan_span v;
	uint64_t u;

	if (depth > DP_JSCAN_DEPTH)
		return -1;
	switch (dp_jscan_peek(s)) {
	case '"': return dp_jscan_string(s, &v);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case 'n': return literal(s, "null");
	case '{': s->p++; return members(s, depth);
	case '[': s->p++; return elements(s, depth);
	default: return dp_jscan_uint(s, &u);
	}
}

int
dp_jscan_value(struct dp_jscan *s, struct dp_jscan_span *v)
{
	if (dp_jscan_peek(s) < 0)
		return -1;
	v->p = s->p;
	if (value(s, 0) < 0)
		return -1;
	v->n = (size_t)(s->p - v->p);
	return 0;
}

int
dp_jscan_member(struct dp_jscan *s, bool *first, struct dp_jscan_span *key)
{
	if (*first) {
		*first = false;
		if (dp_jscan_peek(s) == '}') {
			s->p++;
			return 0;
		}
	} else if (dp_jscan_peek(s) == '}') {
		s->p++;
		return 0;
	} else if (dp_jscan_char(s, ',') < 0) {
		return -1;
	}
	if (dp_jscan_string(s, key) < 0 || dp_jscan_char(s, ':') < 0)
		return -1;
	return 1;
}

int
dp_jscan_element(struct dp_jscan *s, bool *first)
{
	if (dp_jscan_peek(s) == ']') {
		s->p++;
		return 0;
	}
	if (!*first && dp_jscan_char(s, ',') < 0)
		return -1;
	*first = false;
	return dp_jscan_peek(s) < 0 ? -1 : 1;
}

int
dp_jscan_cstr(const struct dp_jscan_span *v, char *buf, size_t n)
{
	if (v->n >= n)
		return -1;
	memcpy(buf, v->p, v->n);
	buf[v->n] = '\0';
	return 0;
}
