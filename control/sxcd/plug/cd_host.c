/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_host: the operations sxcd's main lends features, called through (see cd_host.h). */
#include <errno.h>
#include <stddef.h>

#include "cd_host.h"
#include "ctl_async.h"

_Static_assert(CD_HOST_LOST == CTL_ASYNC_LOST, "a lost call's code is the client's");

static const struct cd_host *host;

void
cd_host_install(const struct cd_host *h)
{
	host = h;
}

json_t *
cd_host_intents(struct cd_res *r, int kind)
{
	return host != NULL ? host->intents(r, kind) : NULL;
}

json_t *
cd_host_intent(struct cd_res *r, int kind, const char *name)
{
	return host != NULL ? host->intent(r, kind, name) : NULL;
}

json_t *
cd_host_state(struct cd_res *r, const char *what)
{
	return host != NULL ? host->state(r, what) : NULL;
}

int
cd_host_save(struct cd_res *r, const char *what, json_t *doc)
{
	return host != NULL ? host->save(r, what, doc) : -ENOSYS;
}

void
cd_host_save_async(struct cd_res *r, const char *what, json_t *doc, cd_host_saved *fn, void *arg)
{
	if (host != NULL)
		host->save_async(r, what, doc, fn, arg);
	else
		fn(arg, -ENOSYS);
}

int
cd_host_watch(struct cd_sync *s, cd_host_watcher *fn, void *arg)
{
	return host != NULL ? host->watch(s, fn, arg) : -ENOSYS;
}

const char *
cd_host_wanted_by(struct cd_sync *s, const char *table, const char *key)
{
	return host != NULL ? host->wanted_by(s, table, key) : NULL;
}

int
cd_host_call(struct ctl_async *c, const char *method, json_t *params, cd_host_done *done, void *arg)
{
	if (host == NULL) {
		json_decref(params);
		return -ENOSYS;
	}
	return host->call(c, method, params, done, arg);
}

bool
cd_host_up(const struct ctl_async *c)
{
	return host != NULL && host->up(c);
}

bool
cd_host_lost(json_t *error)
{
	return ctl_async_lost(error);
}
