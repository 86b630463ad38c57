/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_fleet: sxcd's intents in a fleet's shared store (etcd), read, watched and written through it. */
/*
 * Keys under the fleet's PREFIX (values: the intent documents, JSON):
 *   PREFIX/intents/KIND/NAME               what every site shares (peers, slices, ...)
 *   PREFIX/sites/SITE/intents/KIND/NAME    a site's own (struct cd_kind per_site: site, upf)
 * A box reads both ranges at one revision, hands them to cd_rstore whole
 * (cd_rstore_reset: into cd_res), and watches both from the next revision;
 * every event goes to cd_rstore_put and a run is kicked. A write
 * (cd_rstore's, through cd_cas) is one txn comparing each intent's
 * mod_revision with the one this box knows. A member is probed every
 * second; while none answers the box keeps what it has (and says so), and
 * once one does it reads everything again. A watch that ends (a compaction past it, a member gone) is the same: a
 * full read, then a watch from there.
 */
#ifndef CD_FLEET_H
#define CD_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct cd_rev_who;

struct event_base;
struct cd_res;
struct cd_fleet;

#define CD_FLEET_SCHEME "etcd://"

/* Is @store a shared store's URL (etcd://...)? */
bool cd_fleet_url(const char *store);
/* How to reach the members: TLS (cd_etcd_set_tls: PEM files, all NULL:
 * plain HTTP), a call's deadline (0: CD_FLEET_CALL_MS). */
struct cd_fleet_opts {
	const char *ca, *cert, *key;
	unsigned int call_ms;
};

#define CD_FLEET_CALL_MS 2000

/*
 * @url: etcd://HOST:PORT[,HOST:PORT...]/PREFIX; @site: this box's site id
 * (a name); @opts NULL: plain HTTP, the default deadline. @res's writes
 * go through the shared store from now on (cd_rstore_new); @kick(@arg)
 * when a change from the store is in @res. 0 and *@out, or -EINVAL (@err says why) or -ENOMEM.
 */
int cd_fleet_new(struct event_base *base, const char *url, const char *site,
		 const struct cd_fleet_opts *opts, struct cd_res *res, void (*kick)(void *arg),
		 void *arg, struct cd_fleet **out, char *err, size_t errlen);
void cd_fleet_free(struct cd_fleet *f);
/* sxcd stops: no more reads, watches or probes (its client stays, for cd_box_leave). */
void cd_fleet_quiesce(struct cd_fleet *f);

/*
 * Another site's own intents (kinds per_site), through this box: read, or
 * written by compare-and-swap on the intent's revision (@expected: -1 any,
 * 0 absent; a POST (@create_only) of one that exists is a 409). @spec
 * NULL: withdrawn. Checked against the schema by the caller; a collision
 * with that site's other intents is the site's box's to report (Failed).
 * @done(@arg, HTTP code, body: new) later; the body is the document with
 * metadata.generation its revision and, as status, what the site's box
 * last reported of it (cd_box.h).
 */
typedef void cd_fleet_site_done(void *arg, int code, json_t *body);
void cd_fleet_site_get(void *f, const char *site, int kind, const char *name,
		       cd_fleet_site_done *done, void *arg);
void cd_fleet_site_change(void *f, const char *site, int kind, const char *name, json_t *spec,
			  json_int_t expected, bool create_only, const struct cd_rev_who *who,
			  cd_fleet_site_done *done, void *arg);

/* What other modules of the fleet (cd_box) share: the client, the key
 * prefix ("/fleet1/"), this box's site, "synced"/"syncing"/"unreachable",
 * the last revision seen. */
struct cd_etcd *cd_fleet_etcd(struct cd_fleet *f);
const char *cd_fleet_prefix(const struct cd_fleet *f);
const char *cd_fleet_site(const struct cd_fleet *f);
const char *cd_fleet_state(const struct cd_fleet *f);
long long cd_fleet_revision(const struct cd_fleet *f);

#endif
