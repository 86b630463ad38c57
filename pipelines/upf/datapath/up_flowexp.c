/* What flowexp sees of the UPF's tunnels: a GTP-U G-PDU this box sends is
 * recorded as its inner flow with the TEID (fx_api.h); one it decapsulated
 * carries its TEID in dp_meta.tun_key (up_gtpu.c), which flowexp reads. */
#include <rte_common.h>

#include "fx_api.h"

#define GTPU_PORT 2152

/* TS 29.281: version 1, PT 1, a G-PDU (255); with E, S or PN the 4 bytes
 * after the TEID, then the extension headers (4n bytes each, the last
 * byte naming the next); an IP packet after them. */
static int
up_fx_gtpu(const uint8_t *p, uint32_t len, uint32_t *id, uint32_t *inner, bool *eth)
{
	uint32_t off = 8;

	if (len < 8 || (p[0] & 0xf0) != 0x30 || p[1] != 255)
		return 0;
	*id = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	if (p[0] & 0x07) {
		uint8_t next;

		if (len < 12)
			return 0;
		next = p[11];
		off = 12;
		for (int n = 0; next != 0 && n < 8; n++) {
			if (len < off + 1 || p[off] == 0 || len < off + (uint32_t)p[off] * 4)
				return 0;
			off += (uint32_t)p[off] * 4;
			next = p[off - 1];
		}
		if (next != 0)
			return 0;
	}
	*inner = off;
	*eth = false;
	return 1;
}

RTE_INIT(up_flowexp_register)
{
	fx_tun_register(GTPU_PORT, FX_TUN_TEID, up_fx_gtpu);
}
