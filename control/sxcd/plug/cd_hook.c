/* SPDX-License-Identifier: BSD-3-Clause */
/* Features' health checks and write hooks, as they register (see cd_hook.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_hook.h"

#define HOOKS_MAX 16

static const struct cd_hook_health *health[HOOKS_MAX];
static const struct cd_hook_write *writes[HOOKS_MAX];
static int n_health, n_writes;

static void
too_many(const char *what)
{
	fprintf(stderr, "sxcd: more than %d %s hooks\n", HOOKS_MAX, what);
	abort();
}

void
cd_hook_health_register(const struct cd_hook_health *h)
{
	if (n_health == HOOKS_MAX)
		too_many("health");
	health[n_health++] = h;
}

const struct cd_hook_health *
cd_hook_health_at(int i)
{
	return i >= 0 && i < n_health ? health[i] : NULL;
}

void
cd_hook_write_register(const struct cd_hook_write *h)
{
	if (n_writes == HOOKS_MAX)
		too_many("write");
	writes[n_writes++] = h;
}

const struct cd_hook_write *
cd_hook_write_at(int i)
{
	return i >= 0 && i < n_writes ? writes[i] : NULL;
}

bool
cd_hook_degrade(json_t *results, const char *who, const char *reason, json_t *message)
{
	json_t *r = json_object_get(results, who);

	if (r == NULL || strcmp(json_string_value(json_object_get(r, "phase")) ?: "", "Ready") != 0) {
		json_decref(message);
		return false;
	}
	r = json_copy(r);
	json_object_set_new(r, "phase", json_string("Degraded"));
	json_object_set_new(r, "reason", json_string(reason));
	json_object_set_new(r, "message", message);
	json_object_set_new(results, who, r);
	return true;
}
