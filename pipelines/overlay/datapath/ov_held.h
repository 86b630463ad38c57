/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_held: messages of sxcd's protocols (WireGuard's handshake, IKE) punted to the main lcore and held, oldest first, until sxcd takes them through a recv method: a ring of a fixed number of messages of a bounded size, and its rows. */
#ifndef OV_HELD_H
#define OV_HELD_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "dp_schema.h"

struct rte_mbuf;

/* Where a held message came from and went to, and its length. */
struct ov_held_slot {
	uint8_t src[16], dst[16];	/* "ip": IPv4 mapped */
	uint16_t sport, dport;	/* host order */
	uint16_t len;
};

struct ov_held {
	struct ov_held_slot *slot;	/* cap of them */
	uint8_t *buf;			/* cap messages of max bytes */
	unsigned int cap, head, count;
	uint16_t max;
};

/* A ring @name of @n messages of at most @size bytes, in static storage. */
#define OV_HELD_DEFINE(name, n, size) \
	static struct ov_held_slot name##_slot[n]; \
	static uint8_t name##_buf[(size_t)(n) * (size)]; \
	static struct ov_held name = { .slot = name##_slot, .buf = name##_buf, .cap = (n), .max = (size) }

/* Main lcore: @len bytes at @off of @m held with @where. 0, -ENOSPC (the
 * ring is full) or -EINVAL (longer than the ring takes, or cut short). */
int ov_held_put(struct ov_held *h, const struct rte_mbuf *m, uint32_t off, uint16_t len,
		const struct ov_held_slot *where);
/* Main lcore: the oldest into *@where and @out (at least h->max bytes),
 * its slot wiped: true, or false (none). */
bool ov_held_take(struct ov_held *h, struct ov_held_slot *where, uint8_t *out);
/* Main lcore: everything held let go (wiped). */
void ov_held_clear(struct ov_held *h);

/* A recv method's answer: {"messages": [up to @most rows], "more"}, the
 * rows taken ({src, sport, dst, dport, msg: hex}); NULL when out of memory
 * (what was taken is lost). */
json_t *ov_held_recv(struct ov_held *h, unsigned int most);
/* Its schema, for the methods' descriptions. */
extern const struct dp_schema_field ov_held_recv_result;

#endif
