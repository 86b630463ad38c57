/* The RPC's error record (code, reason, RFC 6901 pointer, message) and the
 * pointers it is filled with: below both the dispatcher (dp_rpc.c) and the
 * schema checker (dp_schema.c), which report in it. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dp_rpc_err.h"

/* ---- UTF-8: error texts are cut by fixed buffers and may carry request
 * bytes; json_string() refuses invalid UTF-8, so clean before encoding. */

static size_t
utf8_char(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t
dp_rpc_utf8_prefix(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = utf8_char((const unsigned char *)s + i, n - i);
		if (l == 0)
			break;
		i += l;
	}
	return i;
}

/* ---- errors and JSON pointers */

static void
copy_str(char *dst, size_t n, const char *src)
{
	size_t l;

	if (src == NULL)
		src = "";
	if (dst == src)
		return;
	l = strnlen(src, n - 1);
	memmove(dst, src, l);	/* src may live inside dst's struct */
	dst[l] = '\0';
}

int
dp_rpc_err_set(struct dp_rpc_err *err, int code, const char *reason, const char *pointer,
	       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	copy_str(err->reason, sizeof(err->reason), reason);
	copy_str(err->pointer, sizeof(err->pointer), pointer);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	} else {
		err->message[0] = '\0';
	}
	return -1;
}

void
dp_rpc_ptr_join(char *buf, size_t n, const char *prefix, const char *token)
{
	size_t len, i, ul;
	const char *u;

	if (buf == NULL || n == 0)
		return;
	if (prefix == NULL)
		prefix = "";
	if (token == NULL)
		token = "";
	len = strlen(prefix);
	if (len >= n) {
		/* Cannot even hold the prefix: cut it at a character
		 * boundary and add nothing. */
		len = dp_rpc_utf8_prefix(prefix, n - 1);
		memmove(buf, prefix, len);
		buf[len] = '\0';
		return;
	}
	if (buf != prefix)
		memmove(buf, prefix, len);
	buf[len] = '\0';
	if (len + 1 >= n)
		return;
	buf[len++] = '/';
	for (i = 0; token[i] != '\0'; i += ul) {
		if (token[i] == '~' || token[i] == '/') {
			u = token[i] == '~' ? "~0" : "~1";
			ul = 1;
			if (len + 2 >= n)
				break;
			memcpy(buf + len, u, 2);
			len += 2;
			continue;
		}
		/* strnlen: keys can be megabytes, only 256 bytes are kept */
		ul = utf8_char((const unsigned char *)token + i, strnlen(token + i, 4));
		if (ul == 0)
			ul = 1;	/* jstr() cuts there later */
		if (len + ul >= n)
			break;
		memcpy(buf + len, token + i, ul);
		len += ul;
	}
	buf[len] = '\0';
}

void
dp_rpc_ptr_index(char *buf, size_t n, const char *prefix, size_t idx)
{
	char tok[24];

	snprintf(tok, sizeof(tok), "%zu", idx);
	dp_rpc_ptr_join(buf, n, prefix, tok);
}

const char *
dp_rpc_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}
