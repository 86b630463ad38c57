/* SPDX-License-Identifier: BSD-3-Clause */
/* Degraded intents from sxdp's overlay paths (see cd_health.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cd_health.h"

/* Paths up per peer ("peers/NAME" → [up, all]) from overlay.paths. */
static json_t *
peer_health(struct cd_res *res, json_t *paths)
{
	json_t *out = json_object(), *v, *p, *h;
	const char *key;
	char peer[STORE_NAME_MAX + 8];
	size_t i;

	json_object_foreach(json_object_get(cd_res_state(res, "ids"), "path"), key, v) {
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

/* @who's result, this run's own copy (the compiler's stays as compiled). */
static json_t *
own_result(json_t *results, const char *who)
{
	json_t *r = json_copy(json_object_get(results, who));

	json_object_set_new(results, who, r);
	return r;
}

/* Ready intents whose guarantee does not hold now are Degraded: one the
 * compile says so of (its WAN link is down), a peer none of whose paths
 * is up, a slice stretched to such a peer. */
void
cd_health_degrade(struct cd_res *res, json_t *results, json_t *paths)
{
	json_t *health = peer_health(res, paths), *h, *r, *v;
	const char *who, *key;

	json_object_foreach(results, who, r) {
		if (json_object_get(r, "degraded") == NULL ||
		    strcmp(json_string_value(json_object_get(r, "phase")), "Ready") != 0)
			continue;
		r = own_result(results, who);
		json_object_set_new(r, "phase", json_string("Degraded"));
		json_object_set_new(r, "reason", json_string("link_down"));
		json_object_set(r, "message", json_object_get(r, "degraded"));
	}

	json_object_foreach(health, who, h) {
		r = json_object_get(results, who);
		if (r != NULL && json_integer_value(json_array_get(h, 0)) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "phase")), "Ready") == 0) {
			r = own_result(results, who);
			json_object_set_new(r, "phase", json_string("Degraded"));
			json_object_set_new(r, "reason", json_string("no_path_up"));
			json_object_set_new(r, "message", json_sprintf("none of its %" JSON_INTEGER_FORMAT
				" paths is up", json_integer_value(json_array_get(h, 1))));
		}
	}
	/* tunnels: "slices/SLICE/PEER" */
	json_object_foreach(json_object_get(cd_res_state(res, "ids"), "tunnel"), key, v) {
		const char *slash = strrchr(key, '/');
		char slice[STORE_NAME_MAX + 8], peer[STORE_NAME_MAX + 8];

		if (slash == NULL)
			continue;
		snprintf(slice, sizeof(slice), "%.*s", (int)(slash - key), key);
		snprintf(peer, sizeof(peer), "peers/%s", slash + 1);
		h = json_object_get(health, peer);
		r = json_object_get(results, slice);
		if (r == NULL || h == NULL || json_integer_value(json_array_get(h, 0)) > 0 ||
		    strcmp(json_string_value(json_object_get(r, "phase")), "Ready") != 0)
			continue;
		r = own_result(results, slice);
		json_object_set_new(r, "phase", json_string("Degraded"));
		json_object_set_new(r, "reason", json_string("no_path_up"));
		json_object_set_new(r, "message", json_sprintf("%s: no path up", peer));
	}
	json_decref(health);
}
