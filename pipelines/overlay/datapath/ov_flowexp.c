/* What flowexp sees of the overlay's tunnels: a VXLAN frame this box sends
 * is recorded as its inner flow with the VNI; a frame it decapsulated, with
 * the VNI it came with (ov_decap.c leaves it in dp_meta.tun_key) (fx_api.h). */
#include <rte_common.h>

#include "dp_meta.h"

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

/* Taken out of an overlay tunnel (md->tunnel names it); the inner
 * packet's own tunnel key (DP_MF_TUN: GTP-U inside) is not the VNI. */
static int
ov_fx_decap(const struct dp_meta *md, enum fx_tun_kind *kind, uint32_t *id)
{
	if (!(md->flags & DP_MF_DECAP) || (md->flags & DP_MF_TUN) || md->tunnel == 0)
		return 0;
	*kind = FX_TUN_VNI;
	*id = md->tun_key;
	return 1;
}

RTE_INIT(ov_flowexp_register)
{
	fx_tun_register(OV_VXLAN_PORT, FX_TUN_VNI, ov_fx_vxlan);
	fx_decap_register(ov_fx_decap);
}
