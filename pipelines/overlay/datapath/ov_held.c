/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_held (see ov_held.h): a ring of punted messages for sxcd, and the rows it takes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_mbuf.h>

#include "ov_held.h"
#include "dp_addr.h"

int
ov_held_put(struct ov_held *h, const struct rte_mbuf *m, uint32_t off, uint16_t len,
	    const struct ov_held_slot *where)
{
	unsigned int at;
	const uint8_t *src;
	uint8_t *to;

	if (len > h->max)
		return -EINVAL;
	if (h->count == h->cap)
		return -ENOSPC;
	at = (h->head + h->count) % h->cap;
	to = h->buf + (size_t)at * h->max;
	if ((src = rte_pktmbuf_read(m, off, len, to)) == NULL)
		return -EINVAL;
	if (src != to)
		memcpy(to, src, len);
	h->slot[at] = *where;
	h->slot[at].len = len;
	h->count++;
	return 0;
}

bool
ov_held_take(struct ov_held *h, struct ov_held_slot *where, uint8_t *out)
{
	uint8_t *p;

	if (h->count == 0)
		return false;
	p = h->buf + (size_t)h->head * h->max;
	*where = h->slot[h->head];
	memcpy(out, p, where->len);
	explicit_bzero(p, where->len);
	explicit_bzero(&h->slot[h->head], sizeof(h->slot[h->head]));
	h->head = (h->head + 1) % h->cap;
	h->count--;
	return true;
}

void
ov_held_clear(struct ov_held *h)
{
	explicit_bzero(h->buf, (size_t)h->cap * h->max);
	explicit_bzero(h->slot, (size_t)h->cap * sizeof(*h->slot));
	h->head = h->count = 0;
}

static const struct dp_schema_field row = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "one message as it came",
	.fields = (const struct dp_schema_field[]){
		{ .name = "src", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "its sender's address" },
		{ .name = "sport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = "its sender's port" },
		{ .name = "dst", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "the VTEP it came to" },
		{ .name = "dport", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = "the port it came to" },
		{ .name = "msg", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = "hex: the message" },
		{ .name = NULL } },
};

const struct dp_schema_field ov_held_recv_result = {
	.name = "received", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
	.fields = (const struct dp_schema_field[]){
		{ .name = "messages", .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ, .items = &row },
		{ .name = "more", .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_REQ, .desc = "messages are left" },
		{ .name = NULL } },
};

json_t *
ov_held_recv(struct ov_held *h, unsigned int most)
{
	static uint8_t msg[UINT16_MAX];
	static char hex[2 * UINT16_MAX + 1];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	json_t *a = json_array();
	struct ov_held_slot w;
	unsigned int n = 0;
	bool more = false;

	if (a == NULL)
		return NULL;
	while ((more = n < most) && ov_held_take(h, &w, msg)) {
		for (unsigned int i = 0; i < w.len; i++)
			snprintf(hex + 2 * i, 3, "%02x", msg[i]);
		hex[2 * w.len] = '\0';
		/* the addresses written here: ov_show's rows include what includes this */
		dp_addr_ntop_any(w.src, src, sizeof(src));
		dp_addr_ntop_any(w.dst, dst, sizeof(dst));
		json_array_append_new(a, json_pack("{s:s,s:i,s:s,s:i,s:s}", "src", src, "sport", w.sport, "dst", dst,
						   "dport", w.dport, "msg", hex));
		n++;
	}
	/* stopped by the bound, not by the end: the caller asks again */
	return json_pack("{s:o,s:b}", "messages", a, "more", !more);
}
