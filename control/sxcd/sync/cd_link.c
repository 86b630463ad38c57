/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's connection to sxdp (see cd_link.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_link.h"
#include "cd_log.h"
#include "ctl_async.h"

struct hello_ctx {
	struct cd_link *l;
	json_t *describe;
};

/* How full sxdp's tables are, for /status. */
static void
on_usage(void *arg, json_t *result, json_t *error)
{
	struct cd_link *l = arg;
	json_t *t, *u = json_object();
	size_t i;

	if (error != NULL) {
		json_decref(u);
		return;
	}
	json_array_foreach(json_object_get(result, "tables"), i, t)
		if (json_string_value(json_object_get(t, "name")) != NULL)
			json_object_set_new(u, json_string_value(json_object_get(t, "name")), json_pack(
				"{s:O,s:O}", "used", json_object_get(t, "entries"), "size",
				json_object_get(t, "size")));
	json_decref(l->usage);
	l->usage = u;
}

void
cd_link_usage(struct cd_link *l)
{
	if (l->tables != NULL)
		ctl_async_call(l->ctl, "pipeline.describe", NULL, on_usage, l);
}

static void
watchers_tell(struct cd_link *l)
{
	for (int i = 0; i < l->n_watch; i++)
		l->watch[i].fn(l->watch[i].arg, l->tables, l->tables ? l->boot_id : NULL);
}

static void
on_port_list(void *arg, json_t *result, json_t *error)
{
	struct hello_ctx *h = arg;
	struct cd_link *l = h->l;

	if (error == NULL) {
		cd_tables_free(l->tables);
		on_usage(l, h->describe, NULL);
		l->tables = cd_tables_new(h->describe, json_object_get(result, "ports"));
		if (l->tables == NULL)
			CD_LOG(ERR, "sxdp's pipeline.describe or port.list is not what sxcd reads");
		else
			l->known(l->arg);
		watchers_tell(l);
	}
	json_decref(h->describe);
	free(h);
}

static void
on_describe(void *arg, json_t *result, json_t *error)
{
	struct hello_ctx *h = arg;

	if (error != NULL || ctl_async_call(h->l->ctl, "port.list", NULL, on_port_list, h) < 0) {
		free(h);
		return;
	}
	h->describe = json_incref(result);
}

static void
on_hello(void *arg, json_t *result, json_t *error)
{
	struct cd_link *l = arg;
	const char *boot = json_string_value(json_object_get(result, "boot_id"));
	struct hello_ctx *h;

	if (error != NULL && json_integer_value(json_object_get(error, "code")) == -32602 && !l->plain_hello) {
		/* an sxdp from before the fence: no fence against a dead sxcd's writes */
		CD_LOG(WARN, "sxdp takes no exclusive hello (older than this sxcd): what a previous sxcd left "
		       "queued may still be written after this one looked");
		l->plain_hello = true;
		ctl_async_call(l->ctl, "sys.hello", NULL, on_hello, l);
		return;
	}
	if (error != NULL || boot == NULL)
		return;
	if (json_integer_value(json_object_get(result, "replaced")) > 0)
		CD_LOG(WARN, "sxdp closed a previous sxcd's connection: what it had sent and sxdp had not run is "
		       "dropped (it was never answered)");
	if (l->boot_id[0] != '\0' && strcmp(l->boot_id, boot) != 0)
		CD_LOG(INFO, "sxdp restarted (boot_id %s, was %s): programming every intent again",
		       boot, l->boot_id);
	snprintf(l->boot_id, sizeof(l->boot_id), "%s", boot);
	snprintf(l->version, sizeof(l->version), "%s",
		 json_string_value(json_object_get(result, "version")) ?: "");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return;
	h->l = l;
	if (ctl_async_call(l->ctl, "pipeline.describe", NULL, on_describe, h) < 0)
		free(h);
}

static void
on_state(void *arg, bool up)
{
	struct cd_link *l = arg;

	if (up) {
		l->up(l->arg);
		CD_LOG(INFO, "sxdp connected");
		/* the fence: nothing a dead sxcd left queued is run once this is
		 * answered, so the tables read next are all there is */
		ctl_async_call(l->ctl, "sys.hello", l->plain_hello ? NULL : json_pack("{s:s}", "exclusive", "sxcd"),
			       on_hello, l);
		return;
	}
	CD_LOG(WARN, "sxdp connection lost");
	l->lost(l->arg);
	cd_tables_free(l->tables);
	l->tables = NULL;
	watchers_tell(l);
}

int
cd_link_open(struct cd_link *l, struct event_base *base, const char *socket, cd_link_fn *up,
	     cd_link_fn *known, cd_link_fn *lost, void *arg)
{
	*l = (struct cd_link){ .up = up, .known = known, .lost = lost, .arg = arg };
	l->ctl = ctl_async_new(base, socket, on_state, l);
	return l->ctl != NULL ? 0 : -ENOMEM;
}

void
cd_link_close(struct cd_link *l)
{
	if (l->ctl != NULL)
		ctl_async_free(l->ctl);
	l->ctl = NULL;
	cd_tables_free(l->tables);
	l->tables = NULL;
	json_decref(l->usage);
	l->usage = NULL;
}

int
cd_link_watch(struct cd_link *l, cd_link_watcher *fn, void *arg)
{
	if (l->n_watch == CD_LINK_WATCHERS)
		return -ENOSPC;
	l->watch[l->n_watch].fn = fn;
	l->watch[l->n_watch++].arg = arg;
	/* one that comes late (a pair's standby that starts serving) is told what is known now */
	if (l->tables != NULL)
		fn(arg, l->tables, l->boot_id);
	return 0;
}
