/* ov_site: a peer's endpoint as the box's encrypted paths see it: its path id (as compiled), the local VTEP (the site's WAN link's address) and the far end, from the intents. */
#ifndef OV_SITE_H
#define OV_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct cd_res;

/* Endpoint @ep of peer @peer, the box's site spec @site: its path id,
 * local and remote IPv4 addresses (network order). false: not compiled
 * yet, or not IPv4 (an encrypted peer has none: ov_kind refuses it). */
bool ov_site_path(struct cd_res *res, json_t *site, const char *peer, json_t *ep, uint16_t *path, uint32_t *local,
		  uint32_t *remote);

#endif
