/* Strict in-place scanning of JSON text, for the control socket's hot
 * requests (table.write): decoded straight into C structs, with no tree.
 *
 * It reads "plain" JSON only: strings of printable ASCII without escapes,
 * integers without sign, fraction or exponent (at most 18 digits), true,
 * false, null, and objects and arrays of those (nested at most
 * DP_JSCAN_DEPTH deep), with JSON whitespace anywhere between tokens.
 * Everything else, valid or not, is irregular (-1): the caller then hands
 * the whole request to the general decoder (jansson), which accepts it or
 * refuses it in its own words. So a scan accepts nothing jansson would
 * refuse, and whatever it accepts means to it what it means to jansson.
 * Duplicate members are the caller's to find (it knows which it takes).
 * No allocation, no I/O; the text need not end with a NUL.
 */
#ifndef DP_JSCAN_H
#define DP_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DP_JSCAN_DEPTH 16

struct dp_jscan {
	const char *p, *end;
};

/* A piece of the text: a string's bytes (without quotes) or a value's. */
struct dp_jscan_span {
	const char *p;
	size_t n;
};

static inline void
dp_jscan_init(struct dp_jscan *s, const char *text, size_t len)
{
	s->p = text;
	s->end = text + len;
}

/* The next byte after whitespace (not taken), or -1 at the end. */
static inline int
dp_jscan_peek(struct dp_jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
	return s->p < s->end ? (unsigned char)*s->p : -1;
}

/* Whitespace, then c. 0 or -1. */
static inline int
dp_jscan_char(struct dp_jscan *s, char c)
{
	if (dp_jscan_peek(s) != (unsigned char)c)
		return -1;
	s->p++;
	return 0;
}

/* Nothing but whitespace is left. */
bool dp_jscan_done(struct dp_jscan *s);
/* A plain string; v: its bytes. 0 or -1. */
int dp_jscan_string(struct dp_jscan *s, struct dp_jscan_span *v);
/* A plain integer. 0 or -1. */
int dp_jscan_uint(struct dp_jscan *s, uint64_t *v);
/* Any plain value, skipped; v: its text. 0 or -1. */
int dp_jscan_value(struct dp_jscan *s, struct dp_jscan_span *v);
/* The members of an object whose '{' was taken: *first true before the
 * first call. 1: a member, key its name, the scan at its value; 0: the
 * object ended ('}' taken); -1 irregular. */
int dp_jscan_member(struct dp_jscan *s, bool *first, struct dp_jscan_span *key);
/* The same for the elements of an array whose '[' was taken: 1 the scan
 * is at an element, 0 the array ended (']' taken), -1 irregular. */
int dp_jscan_element(struct dp_jscan *s, bool *first);

/* v is the C string s. */
static inline bool
dp_jscan_is(const struct dp_jscan_span *v, const char *s)
{
	size_t i;

	/* a plain string holds no NUL: s's ends the compare */
	for (i = 0; i < v->n; i++)
		if (s[i] != v->p[i])
			return false;
	return s[i] == '\0';
}

/* v as a C string in buf (n bytes). 0, or -1 when it does not fit. */
int dp_jscan_cstr(const struct dp_jscan_span *v, char *buf, size_t n);

#endif
