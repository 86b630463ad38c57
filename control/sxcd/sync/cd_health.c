/* SPDX-License-Identifier: BSD-3-Clause */
/* The features' health checks after a run's writes (see cd_health.h). */
#include "cd_health.h"
#include "cd_hook.h"
#include "ctl_async.h"

static void next(struct cd_health *h);

static void
on_health(void *arg, json_t *result, json_t *error)
{
	struct cd_health *h = arg;

	if (!h->active)
		return;
	if (ctl_async_lost(error)) {
		h->lost(h->arg);
		return;
	}
	if (error == NULL)
		cd_hook_health_at(h->at - 1)->check(result, cd_res_state(h->res, "ids"), h->results);
	next(h);
}

/* The next feature's health check (cd_hook) whose table sxdp has, else
 * the end. */
static void
next(struct cd_health *h)
{
	const struct cd_hook_health *c;

	while ((c = cd_hook_health_at(h->at++)) != NULL) {
		if (c->table != NULL && (h->tables == NULL || !cd_tables_has(h->tables, c->table)))
			continue;
		if (ctl_async_call(h->ctl, c->method, NULL, on_health, h) == 0)
			return;
		break;
	}
	h->done(h->arg);
}

void
cd_health_start(struct cd_health *h, struct ctl_async *ctl, const struct cd_tables *tables,
		struct cd_res *res, json_t *results, cd_health_fn *done, cd_health_fn *lost, void *arg)
{
	*h = (struct cd_health){ .ctl = ctl, .tables = tables, .res = res, .results = results, .active = true,
				 .done = done, .lost = lost, .arg = arg };
	next(h);
}

void
cd_health_clear(struct cd_health *h)
{
	h->active = false;
}
