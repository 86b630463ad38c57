/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikeio (see ov_ikeio.h): IKE's datagrams punted to sxcd's ring, and sent out for it. */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_slow.h"
#include "ov_esp.h"
#include "ov_held.h"
#include "ov_ikeio.h"
#include "ov_sa.h"
#include "ov_state.h"
#include "ov_wg.h"

#define MARKER 4	/* the non-ESP marker's four zero bytes */

bool ov_ikeio_on;

OV_HELD_DEFINE(held, OV_IKEIO_RING, OV_IKEIO_MAX);	/* messages for sxcd */

int
ov_ikeio_kind(const struct rte_mbuf *m, const struct dp_meta *md)
{
	uint32_t off, len;
	const uint8_t *p;
	uint8_t b[MARKER];

	if (!(md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) || (md->flags & (DP_MF_FRAG | DP_MF_L4)) != DP_MF_L4 ||
	    md->l4_proto != IPPROTO_UDP)
		return OV_IKEIO_NOT;
	off = md->l4_off + sizeof(struct rte_udp_hdr);
	len = rte_pktmbuf_pkt_len(m);
	if (md->dport == OV_IKEIO_PORT)
		return len >= off + OV_IKEIO_MIN ? OV_IKEIO_MSG : OV_IKEIO_BAD;
	if (md->dport != OV_SA_NATT_PORT || len < off + MARKER || (p = rte_pktmbuf_read(m, off, MARKER, b)) == NULL ||
	    (p[0] | p[1] | p[2] | p[3]) != 0)
		return OV_IKEIO_NOT;	/* ESP, a keepalive: ov_esp's */
	return len >= off + MARKER + OV_IKEIO_MIN ? OV_IKEIO_MSG : OV_IKEIO_BAD;
}

uint16_t
ov_ikeio_punt(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	if (!ov_state_to_vtep(ctx, m, md))
		return OV_ESP_NOT_OURS;
	if (ov_state_sealed_outer_bad(m, md))
		return DP_NEXT_DROP(OV_DROP(outer_cksum));
	md->punt = OV_PUNT_IKE;
	return DP_NEXT_PUNT;
}

void
ov_ikeio_punted(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	uint32_t off = md->l4_off + sizeof(struct rte_udp_hdr), end = ov_state_ip_end(m, md);
	struct ov_held_slot where = { .sport = md->sport, .dport = md->dport };
	uint32_t len;
	int rc;

	ov_state_outer_addrs(m, md, where.dst, where.src);
	if (md->dport == OV_SA_NATT_PORT)
		off += MARKER;
	len = end > off ? end - off : 0;
	/* sxcd stopped taking them since the worker looked: nobody to give it to */
	if (!ov_ikeio_on) {
		dp_slow_drop(m, OV_DROP(ike_not_listening));
		return;
	}
	if (end > rte_pktmbuf_pkt_len(m) || len < OV_IKEIO_MIN || len > OV_IKEIO_MAX) {
		dp_slow_drop(m, OV_DROP(ike_malformed));
		return;
	}
	if ((rc = ov_held_put(&held, m, off, (uint16_t)len, &where)) < 0) {
		dp_slow_drop(m, rc == -ENOSPC ? OV_DROP(ike_overrun) : OV_DROP(ike_malformed));
		return;
	}
	dp_slow_event(OV_EVENT(ike_message));
	dp_slow_event(OV_EVENT(consumed));
	rte_pktmbuf_free(m);
}

json_t *
ov_ikeio_recv(unsigned int most)
{
	return ov_held_recv(&held, most);
}

void
ov_ikeio_listen(bool on)
{
	__atomic_store_n(&ov_ikeio_on, on, __ATOMIC_RELAXED);
	if (!on)
		ov_held_clear(&held);
}

int
ov_ikeio_send(uint16_t path, uint16_t sport, const uint8_t *dst, uint16_t dport, const uint8_t *msg, uint16_t len)
{
	static uint8_t buf[MARKER + OV_IKEIO_MAX];
	const struct ov_path *p = ov_state_path(path);
	uint16_t at = sport == OV_SA_NATT_PORT ? MARKER : 0;

	if (p == NULL)
		return -ENOENT;
	if (len > OV_IKEIO_MAX)
		return -EMSGSIZE;
	/* from 4500: the non-ESP marker says IKE to the far end's ESP */
	memset(buf, 0, MARKER);
	memcpy(buf + at, msg, len);
	return ov_wg_udp_out(path, sport, dst != NULL ? dst : p->dst, dport, buf, (uint16_t)(at + len));
}
