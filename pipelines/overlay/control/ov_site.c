/* ov_site: a peer's endpoint resolved for the keying services (see ov_site.h). */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "cd_vis.h"
#include "dp_addr.h"
#include "ov_site.h"

/* The site's WAN link @wan's address of family @v4 (address, or address6;
 * its prefix length dropped), mapped as ov_site_path gives it: the path
 * ov_kind compiled leaves from that one too. */
static bool
wan_address(json_t *site, const char *wan, bool v4, uint8_t ip[16])
{
	json_t *w;
	size_t i;
	char a[INET6_ADDRSTRLEN];
	bool got4;

	json_array_foreach(json_object_get(site, "wan"), i, w) {
		const char *addr = json_string_value(json_object_get(w, v4 ? "address" : "address6"));

		if (wan == NULL || addr == NULL || strcmp(json_string_value(json_object_get(w, "name")) ?: "", wan) != 0)
			continue;
		snprintf(a, sizeof(a), "%.*s", (int)strcspn(addr, "/"), addr);
		return dp_addr_ip_any(a, ip, &got4) == 0 && got4 == v4;
	}
	return false;
}

bool
ov_site_path(struct cd_res *res, json_t *site, const char *peer, json_t *ep, uint16_t *path, uint8_t local[16],
	     uint8_t remote[16])
{
	const char *addr = json_string_value(json_object_get(ep, "address"));
	char key[160];
	json_int_t id;
	bool v4;

	snprintf(key, sizeof(key), "peers/%s/%s", peer, addr ?: "");
	if ((id = cd_vis_id(res, "path", key)) <= 0 || id > UINT16_MAX || addr == NULL ||
	    dp_addr_ip_any(addr, remote, &v4) < 0 ||
	    !wan_address(site, json_string_value(json_object_get(ep, "wan")), v4, local))
		return false;
	*path = (uint16_t)id;
	return true;
}
