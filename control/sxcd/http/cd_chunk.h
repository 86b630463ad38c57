/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_chunk: a chunked request body (RFC 9112 §7.1) read strictly and de-chunked; no connection state. */
/*
 * A size of 1 to 8 hex digits, an optional extension without control
 * characters, the data and its CRLF; every line ends with CRLF (no bare
 * CR or LF, no NUL, at most CD_CHUNK_LINE_MAX bytes); trailer fields are
 * read and dropped. The body is gathered whole (cd_wire hands it on with
 * its Content-Length); each chunk's size is announced before its data
 * (CD_CHUNK_SIZED) so the caller can count it against its budget.
 */
#ifndef CD_CHUNK_H
#define CD_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct cd_head_no;

#define CD_CHUNK_LINE_MAX 256

struct cd_chunk {
	enum { CD_CHUNK_AT_SIZE, CD_CHUNK_AT_DATA, CD_CHUNK_AT_DATA_END, CD_CHUNK_AT_TRAILER } at;
	char line[CD_CHUNK_LINE_MAX];	/* a size or trailer line being gathered */
	size_t len;
	uint64_t left;			/* of the chunk's data */
	struct evbuffer *body;		/* the body so far (the caller's) */
};

/* What a step came to: more is needed, a chunk of *@size announced,
 * the body whole (in ->body), or a bad framing (why in @no). */
enum { CD_CHUNK_MORE, CD_CHUNK_SIZED, CD_CHUNK_DONE, CD_CHUNK_BAD };

/* One step of reading @src (a line, or data), a body at most @body_max bytes. */
int cd_chunk_step(struct cd_chunk *c, struct evbuffer *src, size_t body_max, uint64_t *size,
		  struct cd_head_no *no);

#endif
