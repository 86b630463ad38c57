/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_host: what sxcd lends features outside a compile (its store, its reconciler, its link to sxdp), installed by its main. */
/*
 * The plug sits below the store, the reconciler and the HTTP front: a
 * feature's view or service that reads an intent, keeps a state document
 * of its own, asks whose intent wants an entry, or calls sxdp, does it
 * through these, never through the rooms above (their headers are not on
 * a feature's include path). sxcd's main points them at those rooms
 * (cd_host_install) before anything runs; the plug names none of them,
 * so the rooms stay ordered. Not installed (a test linking the plug
 * alone): reads find nothing, writes and calls fail with -ENOSYS.
 *
 * The store (struct cd_res), the reconciler (struct cd_sync) and sxdp's
 * client (struct ctl_async) are opaque here: a view has them in its
 * cd_vis_in, a service in its cd_svc_ctx.
 */
#ifndef CD_HOST_H
#define CD_HOST_H

#include <stdbool.h>
#include <jansson.h>

struct cd_res;
struct cd_sync;
struct ctl_async;
struct cd_tables;

/* sxdp's tables known after a connect (@t, and sxdp's @boot_id: a new one
 * means an sxdp that started empty), or the connection lost (both NULL). */
typedef void cd_host_watcher(void *arg, const struct cd_tables *t, const char *boot_id);
/* A call to sxdp ended: @result or @error (borrowed: code, message, data). */
typedef void cd_host_done(void *arg, json_t *result, json_t *error);
/* A state document stored (0) or not (-errno). */
typedef void cd_host_saved(void *arg, int rc);

/* The rooms above, as sxcd's main lends them (each as its own function
 * says: cd_rstatus_list, cd_rstatus_get, cd_res_state, cd_res_save,
 * cd_res_save_async, cd_sync_watch, cd_sync_wanted_by, ctl_async_call, ctl_async_up). */
struct cd_host {
	json_t *(*intents)(struct cd_res *r, int kind);
	json_t *(*intent)(struct cd_res *r, int kind, const char *name);
	json_t *(*state)(struct cd_res *r, const char *what);
	int (*save)(struct cd_res *r, const char *what, json_t *doc);
	void (*save_async)(struct cd_res *r, const char *what, json_t *doc, cd_host_saved *fn, void *arg);
	int (*watch)(struct cd_sync *s, cd_host_watcher *fn, void *arg);
	const char *(*wanted_by)(struct cd_sync *s, const char *table, const char *key);
	int (*call)(struct ctl_async *c, const char *method, json_t *params, cd_host_done *done, void *arg);
	bool (*up)(const struct ctl_async *c);
};

/* @h (static storage) is what the plug lends from now on. */
void cd_host_install(const struct cd_host *h);

/* ------------------------------------------------------------ the store */

/* The intents of kind @kind (cd_kind_of's number) with their status,
 * {"items": [...]} (new); NULL: none. */
json_t *cd_host_intents(struct cd_res *r, int kind);
/* One intent with its status (new), NULL: none. */
json_t *cd_host_intent(struct cd_res *r, int kind, const char *name);
/* A state document of the store by name ("pfcp", "ids", "owned",
 * "owners"; borrowed, NULL: none), and saving one durably (@doc
 * borrowed): 0 or -errno. */
json_t *cd_host_state(struct cd_res *r, const char *what);
int cd_host_save(struct cd_res *r, const char *what, json_t *doc);
/* The same, its syncs off the loop: @fn(@arg, rc) once stored (at once
 * without a loop or a host); @doc borrowed, taken as it is when written. */
void cd_host_save_async(struct cd_res *r, const char *what, json_t *doc, cd_host_saved *fn, void *arg);

/* ------------------------------------------------------- the reconciler */

/* Be told when sxdp's tables are known or lost (at most a few watchers):
 * 0, or -ENOSPC / -ENOSYS. */
int cd_host_watch(struct cd_sync *s, cd_host_watcher *fn, void *arg);
/* Whose intent wants @table's @key (its canonical key) in the compile of
 * the run under way: "kind/name", or NULL. What is already owned in sxdp
 * is cd_host_state(r, "owned"). */
const char *cd_host_wanted_by(struct cd_sync *s, const char *table, const char *key);

/* --------------------------------------------------------------- sxdp */

/* Send one call to sxdp on the reconciler's link (@params taken; NULL:
 * {}): 0, or -ENOTCONN (down: @done is not called), -ENOMEM, -ENOSYS. */
int cd_host_call(struct ctl_async *c, const char *method, json_t *params, cd_host_done *done, void *arg);
/* The link is connected and answering. */
bool cd_host_up(const struct ctl_async *c);
/* Did the call whose answer is @error die with the connection (not an
 * error of sxdp's)? Its code is CD_HOST_LOST (the client's, asserted
 * equal), which a caller may also give an answer it makes up itself. */
#define CD_HOST_LOST (-32000)
bool cd_host_lost(json_t *error);

#endif
