/* ov_site: a peer's endpoint resolved for the keying services (see ov_site.h). */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "cd_vis.h"
#include "ov_site.h"

/* The site's WAN link @wan's IPv4 address (its prefix length dropped):
 * ESP and WireGuard are IPv4 only in sxdp for now; ov_kind refuses an
 * encrypted peer that has an IPv6 endpoint, so none is keyed clear here
 * or anywhere (an IPv6 endpoint reads as no path). */
static bool
wan_address(json_t *site, const char *wan, uint32_t *ip)
{
	json_t *w;
	size_t i;
	char a[INET_ADDRSTRLEN];

	json_array_foreach(json_object_get(site, "wan"), i, w) {
		const char *addr = json_string_value(json_object_get(w, "address"));

		if (wan == NULL || addr == NULL || strcmp(json_string_value(json_object_get(w, "name")) ?: "", wan) != 0)
			continue;
		snprintf(a, sizeof(a), "%.*s", (int)strcspn(addr, "/"), addr);
		return inet_pton(AF_INET, a, ip) == 1;
	}
	return false;
}

bool
ov_site_path(struct cd_res *res, json_t *site, const char *peer, json_t *ep, uint16_t *path, uint32_t *local,
	     uint32_t *remote)
{
	const char *addr = json_string_value(json_object_get(ep, "address"));
	char key[160];
	json_int_t id;

	snprintf(key, sizeof(key), "peers/%s/%s", peer, addr ?: "");
	if ((id = cd_vis_id(res, "path", key)) <= 0 || id > UINT16_MAX || addr == NULL ||
	    inet_pton(AF_INET, addr, remote) != 1 ||
	    !wan_address(site, json_string_value(json_object_get(ep, "wan")), local))
		return false;
	*path = (uint16_t)id;
	return true;
}
