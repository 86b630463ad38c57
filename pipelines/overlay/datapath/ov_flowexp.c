/* What flowexp sees of the overlay's tunnels: a VXLAN frame this box sends
 * is recorded as its inner flow with the VNI (fx_api.h). */
#include <rte_common.h>

#include "fx_api.h"
#include "ov_tun.h"

/* RFC 7348: flags (I set), 24 reserved bits, VNI, 8 reserved; an
 * Ethernet frame after it */
static int
ov_fx_vxlan(const uint8_t *p, uint32_t len, uint32_t *id, uint32_t *inner, bool *eth)
{
	if (len < 8 || !(p[0] & 0x08))
		return 0;
	*id = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	*inner = 8;
	*eth = true;
	return 1;
}

RTE_INIT(ov_flowexp_register)
{
	fx_tun_register(OV_VXLAN_PORT, FX_TUN_VNI, ov_fx_vxlan);
}
