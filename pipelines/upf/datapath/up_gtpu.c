/* GTP-U off the wire for the UPF: the parser hook for UDP port 2152. A
 * header that parses and fits the datagram is taken (DP_MF_TUN, the TEID
 * as dp_meta.tun_key, the rest in struct up_gtpu, with whether an IPv4 or
 * IPv6 T-PDU header is whole). Anything else is plain UDP: port 2152 is
 * GTP-U only to the UPF's own endpoints, whose stage names what is wrong
 * with it (a UE's own datagram to 2152, an overlay's inner frame or LAN
 * transit are not the parser's to judge, as VXLAN's are not). What the
 * first segment cuts is a multiseg drop as for any header. */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "dp_drop.h"
#include "dp_parse.h"
#include "up_gtpu.h"

#define IPV4_HLEN 20
#define IPV6_HLEN 40

/* gtp_parse()'s general walk: any flags, extension headers, signalling. */
static __rte_noinline unsigned int
parse_general(const uint8_t *p, uint32_t t, uint32_t uend, uint32_t seg, struct dp_meta *md,
	      struct up_gtpu *ug)
{
	uint32_t lim = RTE_MIN(uend, seg);
	struct up_gtpu g = { .pdu_type = GTPU_PDU_TYPE_NONE };
	uint32_t in, gend;
	struct gtp_info gi;
	unsigned int r = 0;
	uint8_t v;
	int rc;

	rc = gtp_parse(p + t, lim - t, &gi);
	if (unlikely(rc != 0))
		return rc == -EMSGSIZE && lim < uend ? DP_DROP_parse_multiseg : 0;
	/* The GTP message must fit the UDP payload it claims to be. */
	gend = t + GTPU_HDR_LEN + gi.length;
	if (gend > uend)
		return 0;

	md->flags |= DP_MF_TUN;
	md->tun_key = gi.teid;
	g.msg = gi.msg_type;
	g.qfi = gi.qfi;
	g.pdu_type = gi.pdu_type;
	g.xunk = gi.ext_unsupported;
	if (gi.msg_type != GTPU_MSG_GPDU)
		goto out;

	in = t + gi.hdr_len;
	g.inner_off = (uint16_t)in;
	if (in >= gend)
		goto out;       /* empty T-PDU */
	if (in >= seg) {
		r = DP_DROP_parse_multiseg;
		goto out;
	}
	v = p[in] >> 4;
	lim = RTE_MIN(gend, seg);
	if (v == 4 || v == 6) {
		uint32_t need = in + (v == 4 ? IPV4_HLEN : IPV6_HLEN);

		if (need > lim) {   /* cut short: the UPF's to name */
			r = need > gend ? 0 : DP_DROP_parse_multiseg;
			goto out;
		}
		g.inner = 1;
	}
	/* else an Ethernet or unstructured PDU session */
out:
	*ug = g;
	return r;
}

/* The N3/N9 interfaces' every packet first, without gtp_parse()'s general
 * walk: a G-PDU with no optional field (flags 0x30) or a PDU Session
 * Container alone (0x34, next 0x85, one unit, then none), an IPv4 or IPv6
 * T-PDU header whole in the segment. The same result as parse_general()
 * (the unit tests and the fuzzer check it). The hook (a dp_parse_udp_fn). */
static unsigned int
up_gtpu_parse(const uint8_t *p, uint32_t t, uint32_t uend, uint32_t seg, struct dp_meta *md, void *fm)
{
	const uint8_t *g = p + t;
	uint32_t hl, gend, in, lim;
	uint8_t qfi = 0, pdu = GTPU_PDU_TYPE_NONE, v;

	if (unlikely(t + GTPU_HDR_LEN + IPV4_HLEN > seg || g[1] != GTPU_MSG_GPDU))
		return parse_general(p, t, uend, seg, md, fm);
	if (g[0] == GTPU_F_V1_GTP) {
		hl = GTPU_HDR_LEN;
	} else if (g[0] == (GTPU_F_V1_GTP | GTPU_F_E) && g[11] == GTPU_EXT_PDU_SESS_CONT && g[12] == 1 &&
		   g[15] == GTPU_EXT_NONE) {
		hl = GTPU_HDR_LEN + 8;
		pdu = g[13] >> 4;
		qfi = g[14] & GTPU_QFI_MASK;
	} else {
		return parse_general(p, t, uend, seg, md, fm);
	}
	gend = t + GTPU_HDR_LEN + dp_rd16(g + 2);
	in = t + hl;
	lim = RTE_MIN(gend, seg);
	v = p[in] >> 4;
	if (unlikely(!(gend <= uend && in < gend &&
		       ((v == 4 && in + IPV4_HLEN <= lim) || (v == 6 && in + IPV6_HLEN <= lim)))))
		return parse_general(p, t, uend, seg, md, fm);
	md->flags |= DP_MF_TUN;
	md->tun_key = dp_rd32(g + 4);
	*(struct up_gtpu *)fm = (struct up_gtpu){
		.inner_off = (uint16_t)in, .msg = GTPU_MSG_GPDU, .qfi = qfi, .pdu_type = pdu, .inner = 1,
	};
	return 0;
}

int
up_gtpu_init(void)
{
	int rc = dp_meta_field_claim(UP_GTPU_OFF, sizeof(struct up_gtpu));

	if (rc < 0 || (rc = dp_parse_udp_register(GTPU_UDP_PORT, up_gtpu_parse, (int)UP_GTPU_OFF)) < 0)
		return rc;
	/* the TEID: one gNB's sessions spread over the workers before the parse */
	return dp_parse_udp_key(GTPU_UDP_PORT, 4);
}

void
up_gtpu_fini(void)
{
	dp_parse_udp_unregister(GTPU_UDP_PORT);
}
