/* VXLAN and GENEVE headers: the decap side's checks, in the order the RFCs
 * give them (the encap side's outer headers are inline, in ov_tun.h). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ov_tun.h"

#define GENEVE_VER(b)    ((b) >> 6)
#define GENEVE_OPTLEN(b) (((b) & 0x3f) * 4u)
#define GENEVE_F_O       0x80
#define GENEVE_F_C       0x40

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

enum ov_tun_err
ov_tun_read(enum ov_tun_type type, const uint8_t *p, uint32_t len, uint32_t *vni, uint32_t *hlen)
{
	uint32_t h = OV_TUN_HLEN;

	if (len < OV_TUN_HLEN)
		return OV_TUN_TRUNC;
	if (type == OV_TUN_VXLAN) {
		/* the reserved bits are ignored on receipt (RFC 7348 5) */
		if (!(p[0] & OV_VXLAN_F_I))
			return OV_TUN_VXLAN_FLAGS;
	} else {
		if (GENEVE_VER(p[0]) != 0)
			return OV_TUN_GENEVE_VERSION;
		h += GENEVE_OPTLEN(p[0]);
		if (len < h)
			return OV_TUN_TRUNC;
		/* RFC 8926 3.4: a control message is not forwarded; with a
		 * critical option the endpoint does not understand (it
		 * understands none) the packet is dropped; non-critical
		 * options are skipped */
		if (p[1] & GENEVE_F_O)
			return OV_TUN_GENEVE_OAM;
		if (p[1] & GENEVE_F_C)
			return OV_TUN_GENEVE_CRITICAL;
		if (((uint32_t)p[2] << 8 | p[3]) != OV_ETH_P_TEB)
			return OV_TUN_GENEVE_PROTO;
	}
	if (len < h + OV_ETH_HLEN)
		return OV_TUN_TRUNC;
	/* The VNI alone names the segment: a tagged inner frame is discarded
	 * (RFC 7348 6.1). GENEVE alike: a tag kept would pick the VLAN the
	 * frame leaves a member port in (or, double-tagged, hop into one). */
	{
		uint16_t et = (uint16_t)(p[h + 12] << 8 | p[h + 13]);

		if (et == 0x8100 || et == 0x88a8 || et == 0x9100)
			return OV_TUN_INNER_VLAN;
	}
	*vni = rd32(p + 4) >> 8;
	*hlen = h;
	return OV_TUN_OK;
}
