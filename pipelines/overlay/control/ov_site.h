/* ov_site: a peer's endpoint as the box's encrypted paths see it: its path id (as compiled), the local VTEP (the site's WAN link's address of the endpoint's family) and the far end, from the intents. */
#ifndef OV_SITE_H
#define OV_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct cd_res;

/* Endpoint @ep of peer @peer, the box's site spec @site: its path id,
 * local and remote addresses of one family, 16 bytes each as the tables'
 * "ip" type has them (dp_addr.h: IPv4 mapped, ::ffff:a.b.c.d): the WAN
 * link's address for an IPv4 endpoint, its address6 for an IPv6 one.
 * false: not compiled yet, or the link has no address of that family (no
 * path). */
bool ov_site_path(struct cd_res *res, json_t *site, const char *peer, json_t *ep, uint16_t *path, uint8_t local[16],
		  uint8_t remote[16]);

#endif
