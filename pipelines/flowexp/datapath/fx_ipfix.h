/* IPFIX (RFC 7011) messages of flow records: the header, template sets
 * (IPv4 and IPv6 flows, the sampling options) and data sets, built into a
 * fixed buffer that never grows past FX_MSG_MAX (under a path MTU). Pure
 * encoding: no EAL, no sockets (the unit tests check it byte for byte). */
#ifndef FX_IPFIX_H
#define FX_IPFIX_H

#include <stdint.h>
#include <stddef.h>
#include "fx_api.h"
#include "fx_key.h"

#define FX_MSG_MAX 1400        /* a message, headers included: one UDP datagram under 1500 */

#define FX_TMPL_V4   256
#define FX_TMPL_V6   257
#define FX_TMPL_OPTS 258

#define FX_REC_V4_LEN 68       /* bytes of one data record of each template */
#define FX_REC_V6_LEN 92
#define FX_REC_OPTS_LEN 12

/* flowEndReason (RFC 5102) */
enum fx_end {
	FX_END_IDLE = 1,
	FX_END_ACTIVE = 2,
	FX_END_EOF = 3,
	FX_END_FORCED = 4,
	FX_END_RESOURCES = 5,
};

/* A finished flow, as exported. */
struct fx_flow {
	struct fx_key k;
	uint64_t bytes, pkts;
	uint64_t start_ms, end_ms;   /* Unix epoch milliseconds */
	uint8_t reason;              /* enum fx_end */
};

struct fx_msg {
	uint8_t buf[FX_MSG_MAX];
	uint16_t len;
	uint16_t set_off;            /* the open set's header (0: none) */
	uint16_t set_id;
	uint32_t n_data;             /* data records in this message */
};

/* A new message: header with export time (Unix seconds), sequence number
 * (data records sent before it in this stream) and observation domain. */
void fx_msg_begin(struct fx_msg *m, uint32_t export_s, uint32_t seq, uint32_t domain);
/* The template set (IPv4, IPv6 flows) and the options template set
 * (sampling), then an options data record: the sampling is 1 in n
 * (RFC 5477 systematic count-based: interval 1, space n - 1). 0, or
 * -ENOSPC when it does not fit (only in a message already holding data). */
int fx_msg_templates(struct fx_msg *m, uint32_t domain, uint32_t sampling);
/* One flow record into the data set of its template. 0, or -ENOSPC: the
 * message is full (end it, send it, begin another). */
int fx_msg_add(struct fx_msg *m, const struct fx_flow *f);
/* The features' event templates t[0..n) (fx_evt: ids FX_EVT_TMPL_BASE +
 * k), in a template set of their own. 0 (none: nothing written), or
 * -ENOSPC. */
struct fx_evt_tmpl;
int fx_msg_evt_templates(struct fx_msg *m, const struct fx_evt_tmpl *t, unsigned int n);
/* One event record of template FX_EVT_TMPL_BASE + id: the time, then its
 * len bytes. 0, or -ENOSPC. */
int fx_msg_add_evt(struct fx_msg *m, unsigned int id, uint64_t ms, const uint8_t *rec, unsigned int len);
/* Close the open set, write the length. Returns the message's bytes. */
size_t fx_msg_end(struct fx_msg *m);

#endif
