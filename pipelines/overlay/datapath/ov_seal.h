/* ov_seal: a burst of tunnel datagrams sealed with their path's SA, whichever it is (ESP, a WireGuard session, or none yet where one is required): what encap and the probes share. */
#ifndef OV_SEAL_H
#define OV_SEAL_H

#include <stdint.h>

#include "ov_esp.h"
#include "ov_sa.h"
#include "ov_state.h"
#include "ov_wg.h"

/* Seal the @n (<= DP_LOOKUP_BURST) frames @m with @sa at TSC @now (a
 * worker's: its walk's), counted in @sc (the lcore's row of ov_sa_ctr):
 * @res[i] 0 or a drop reason. */
static inline void
ov_seal_burst(struct rte_mbuf **m, uint16_t n, const struct ov_sa *sa, struct ov_sa_ctr *sc, uint64_t now,
	      unsigned int *res)
{
	if (ov_sa_expired(sa, now))
		for (uint16_t i = 0; i < n; i++)
			res[i] = OV_DROP(sa_expired);
	else if (sa->proto == OV_SA_WG)
		ov_wg_seal_burst(m, n, sa, sc, res);
	else if (sa->proto == OV_SA_ESP)
		ov_esp_seal_burst(m, n, sa, sc, res);
	else	/* to be encrypted, and nothing to do it with yet: never clear */
		for (uint16_t i = 0; i < n; i++)
			res[i] = OV_DROP(sa_missing);
}

#endif
