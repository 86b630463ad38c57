/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_chunk (see cd_chunk.h): a chunked request body read strictly, step by step, and de-chunked. */
#include <ctype.h>
#include <event2/buffer.h>

#include "cd_chunk.h"
#include "cd_head.h"

/* One line of the chunked framing (a size, a trailer field) gathered in
 * c->line: 1 once it ends (CRLF), the CRLF not kept; 0: more is needed;
 * -1: bad (@no says why). */
static int
chunk_line(struct cd_chunk *c, struct evbuffer *src, struct cd_head_no *no)
{
	char ch;

	while (evbuffer_remove(src, &ch, 1) == 1) {
		if (ch == '\n') {
			if (c->len == 0 || c->line[c->len - 1] != '\r')
				return cd_head_no(no, 400, "bad_chunk", "a bare LF in the chunked framing");
			c->line[--c->len] = '\0';
			return 1;
		}
		if ((ch == '\0') || (c->len > 0 && c->line[c->len - 1] == '\r') ||
		    c->len + 2 >= sizeof(c->line))
			return cd_head_no(no, 400, "bad_chunk", "a chunk line is too long or has a bare CR");
		c->line[c->len++] = ch;
	}
	return 0;
}

/* The size line in c->line: the chunk's size in *@size. */
static int
chunk_size(struct cd_chunk *c, size_t body_max, uint64_t *size, struct cd_head_no *no)
{
	size_t i, n;

	*size = 0;
	for (i = 0; isxdigit((unsigned char)c->line[i]) && i < 8; i++)
		*size = *size * 16 + (uint64_t)(c->line[i] <= '9' ? c->line[i] - '0' :
						(c->line[i] | 0x20) - 'a' + 10);
	n = i;
	while (c->line[i] == ' ' || c->line[i] == '\t')
		i++;
	if (n == 0 || (c->line[i] != '\0' && c->line[i] != ';') || isxdigit((unsigned char)c->line[n]))
		return cd_head_no(no, 400, "bad_chunk", "a chunk size is 1 to 8 hex digits");
	for (; c->line[i] != '\0'; i++)
		if ((unsigned char)c->line[i] < 0x20 && c->line[i] != '\t')
			return cd_head_no(no, 400, "bad_chunk", "a control character in a chunk extension");
	if (evbuffer_get_length(c->body) + *size > body_max)
		return cd_head_no(no, 413, "too_large", "a body is at most %zu bytes", body_max);
	return 0;
}

int
cd_chunk_step(struct cd_chunk *c, struct evbuffer *src, size_t body_max, uint64_t *size,
	      struct cd_head_no *no)
{
	size_t n;
	int r;

	switch (c->at) {
	case CD_CHUNK_AT_SIZE:
		if ((r = chunk_line(c, src, no)) <= 0)
			return r < 0 ? CD_CHUNK_BAD : CD_CHUNK_MORE;
		c->len = 0;
		if (chunk_size(c, body_max, size, no) < 0)
			return CD_CHUNK_BAD;
		c->left = *size;
		c->at = *size > 0 ? CD_CHUNK_AT_DATA : CD_CHUNK_AT_TRAILER;
		return CD_CHUNK_SIZED;
	case CD_CHUNK_AT_DATA:
		n = evbuffer_get_length(src);
		n = n < c->left ? n : (size_t)c->left;
		evbuffer_remove_buffer(src, c->body, n);
		if ((c->left -= n) == 0)
			c->at = CD_CHUNK_AT_DATA_END;
		return CD_CHUNK_MORE;
	case CD_CHUNK_AT_DATA_END:
		if ((r = chunk_line(c, src, no)) <= 0)
			return r < 0 ? CD_CHUNK_BAD : CD_CHUNK_MORE;
		if (c->len != 0) {
			cd_head_no(no, 400, "bad_chunk", "a chunk's data does not end with CRLF");
			return CD_CHUNK_BAD;
		}
		c->at = CD_CHUNK_AT_SIZE;
		return CD_CHUNK_MORE;
	case CD_CHUNK_AT_TRAILER:
		if ((r = chunk_line(c, src, no)) <= 0)
			return r < 0 ? CD_CHUNK_BAD : CD_CHUNK_MORE;
		if (c->len != 0) {	/* a trailer field: dropped */
			c->len = 0;
			return CD_CHUNK_MORE;
		}
		return CD_CHUNK_DONE;
	}
	return CD_CHUNK_MORE;
}
