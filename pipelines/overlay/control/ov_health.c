/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's health check for sxcd: a peer none of whose paths is up, and the slices stretched to it, are Degraded. */
/*
 * What a peer or a stretched slice guarantees holds only while one of the
 * peer's paths is up, which sxdp's prober knows (overlay.paths) and the
 * compile cannot: sxcd asks after each run's writes (cd_hook). The paths
 * are found by the ids sxcd allocated them ("path": "PEER/EP" → id), the
 * tunnels likewise ("tunnel": "slices/SLICE/PEER" → id).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cd_hook.h"
#include "cd_kind.h"
#include "ov_names.h"

/* Paths up per peer ("peers/NAME" → [up, all]) from overlay.paths. */
static json_t *
peer_health(json_t *ids, json_t *paths)
{
	json_t *out = json_object(), *v, *p, *h;
	const char *key;
	char peer[CD_NAME_MAX + 8];
	size_t i;

	json_object_foreach(json_object_get(ids, "path"), key, v) {
		const char *slash = strrchr(key, '/');
		bool up = false;

		if (slash == NULL)
			continue;
		snprintf(peer, sizeof(peer), "%.*s", (int)(slash - key), key);
		json_array_foreach(paths, i, p)
			if (json_integer_value(json_object_get(p, "id")) == json_integer_value(v))
				up = strcmp(json_string_value(json_object_get(p, "state")) ?: "", "up") == 0;
		if ((h = json_object_get(out, peer)) == NULL) {
			h = json_pack("[i,i]", 0, 0);
			json_object_set_new(out, peer, h);
		}
		json_array_set_new(h, 0, json_integer(json_integer_value(json_array_get(h, 0)) + up));
		json_array_set_new(h, 1, json_integer(json_integer_value(json_array_get(h, 1)) + 1));
	}
	return out;
}

static void
check(json_t *paths, json_t *ids, json_t *results)
{
	json_t *health = peer_health(ids, paths), *h, *v;
	const char *who, *key;

	json_object_foreach(health, who, h)
		if (json_integer_value(json_array_get(h, 0)) == 0)
			cd_hook_degrade(results, who, "no_path_up",
					json_sprintf("none of its %" JSON_INTEGER_FORMAT " paths is up",
						     json_integer_value(json_array_get(h, 1))));
	/* tunnels: "slices/SLICE/PEER" */
	json_object_foreach(json_object_get(ids, "tunnel"), key, v) {
		const char *slash = strrchr(key, '/');
		char slice[CD_NAME_MAX + 8], peer[CD_NAME_MAX + 8];

		if (slash == NULL)
			continue;
		snprintf(slice, sizeof(slice), "%.*s", (int)(slash - key), key);
		snprintf(peer, sizeof(peer), "peers/%s", slash + 1);
		h = json_object_get(health, peer);
		if (h != NULL && json_integer_value(json_array_get(h, 0)) == 0)
			cd_hook_degrade(results, slice, "no_path_up", json_sprintf("%s: no path up", peer));
	}
	json_decref(health);
}

static const struct cd_hook_health ov_health = { "overlay.paths", OV_T_PATHS, check };
CD_HOOK_REGISTER(health, ov_health)
