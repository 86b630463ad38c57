/* The registry of features sxdp can run. Each registers itself (a
 * constructor in its folder, DP_FEATURE_REGISTER), so the core never lists
 * one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "dp_feature.h"
#include "dp_config.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_log.h"
#include "dp_meta.h"

static const struct dp_feature *features[DP_FEATURES_MAX];
static unsigned int n_features;

void
dp_feature_register(const struct dp_feature *f)
{
	if (n_features < DP_FEATURES_MAX)
		features[n_features++] = f;
}

static int
feature_index(const char *name)
{
	for (unsigned int i = 0; i < n_features; i++)
		if (strcmp(features[i]->name, name) == 0)
			return (int)i;
	return -1;
}

const struct dp_feature *
dp_feature_find(const char *name)
{
	int i = feature_index(name);

	return i < 0 ? NULL : features[i];
}

const char *
dp_feature_attached(const char *stage, const char *edge)
{
	for (unsigned int i = 0; i < n_features; i++)
		for (unsigned int a = 0; a < DP_FEATURE_ATTACH_MAX && features[i]->attach[a].stage; a++) {
			const struct dp_edge_attach *at = &features[i]->attach[a];

			if (strcmp(at->stage, stage) == 0 && strcmp(at->edge, edge) == 0)
				return at->node;
		}
	return NULL;
}

/* Comma-separated list of registered feature names, for error messages. */
static const char *
dp_feature_names(void)
{
	static char buf[256];
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < n_features && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "", features[i]->name);
	return buf;
}

/* ------------------------------------------------------------ in use */

static const struct dp_feature *used[DP_FEATURES_MAX];
static unsigned int n_used, n_inited;
static uint8_t role_feature[DP_ROLE_MAX];

static bool want[DP_FEATURES_MAX];

static unsigned int
n_wanted(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_features; i++)
		n += want[i];
	return n;
}

static bool
is_used(const struct dp_feature *f)
{
	for (unsigned int i = 0; i < n_used; i++)
		if (used[i] == f)
			return true;
	return false;
}

static bool
needs_used(const struct dp_feature *f)
{
	for (unsigned int k = 0; k < DP_FEATURE_NEEDS_MAX && f->needs[k]; k++)
		if (!is_used(dp_feature_find(f->needs[k])))
			return false;
	return true;
}

static bool
named(const struct dp_config *c, const struct dp_feature *f)
{
	for (unsigned int r = 0; r < DP_ROLE_MAX; r++)
		if (strcmp(c->role_feature[r], f->name) == 0)
			return true;
	return false;
}

int
dp_feature_check(const struct dp_config *c, char *err, size_t errlen)
{
	for (unsigned int r = 0; r < DP_ROLE_MAX; r++)
		if (c->role_feature[r][0] && dp_feature_find(c->role_feature[r]) == NULL) {
			snprintf(err, errlen, "pipeline \"%s\" unknown (known: %s)",
				 c->role_feature[r], dp_feature_names());
			return -ENOENT;
		} else if (c->role_feature[r][0] && dp_feature_find(c->role_feature[r])->n_stages == 0) {
			snprintf(err, errlen, "pipeline \"%s\" is no packet path: other features use it",
				 c->role_feature[r]);
			return -EINVAL;
		}
	return 0;
}

int
dp_feature_setup(const struct dp_config *c, unsigned int n_workers, char *err, size_t errlen)
{
	int rc;

	if ((rc = dp_feature_check(c, err, errlen)) < 0)
		return rc;
	/* what the config names and what that needs, set up in registration
	 * order with every feature after those it needs: tables and drop
	 * reasons number the same way whatever order the config names them */
	n_used = n_inited = 0;
	memset(role_feature, 0xff, sizeof(role_feature));
	memset(want, 0, sizeof(want));
	for (unsigned int i = 0; i < n_features; i++)
		want[i] = named(c, features[i]) || (features[i]->always && features[i]->needs[0] == NULL);
	for (bool more = true; more;) {
		more = false;
		for (unsigned int i = 0; i < n_features; i++)
			for (unsigned int k = 0; want[i] && k < DP_FEATURE_NEEDS_MAX && features[i]->needs[k]; k++) {
				int j = feature_index(features[i]->needs[k]);

				if (j < 0) {
					snprintf(err, errlen, "feature %s needs %s, which is not built in",
						 features[i]->name, features[i]->needs[k]);
					return -ENOENT;
				}
				if (!want[j])
					want[j] = more = true;
			}
	}
	/* one always in use that needs others rides along with them: it
	 * pulls none in (a pair's VRRP runs wherever the switch does) */
	for (unsigned int i = 0; i < n_features; i++) {
		bool all = features[i]->always && !want[i];

		for (unsigned int k = 0; all && k < DP_FEATURE_NEEDS_MAX && features[i]->needs[k]; k++) {
			int j = feature_index(features[i]->needs[k]);

			all = j >= 0 && want[j];
		}
		want[i] = want[i] || all;
	}
	while (n_used < n_wanted()) {
		unsigned int before = n_used;

		for (unsigned int i = 0; i < n_features; i++)
			if (want[i] && !is_used(features[i]) && needs_used(features[i])) {
				for (unsigned int r = 0; r < DP_ROLE_MAX; r++)
					if (strcmp(c->role_feature[r], features[i]->name) == 0)
						role_feature[r] = (uint8_t)n_used;
				used[n_used++] = features[i];
			}
		if (n_used == before) {
			snprintf(err, errlen, "features need each other in a circle");
			return -ELOOP;
		}
	}
	dp_feature_n_walks = 0;
	while (n_inited < n_used) {
		/* counted before init: fini undoes a half-done set-up too */
		const struct dp_feature *f = used[n_inited++];

		if (f->init && (rc = f->init(n_workers)) < 0) {
			snprintf(err, errlen, "feature %s: set-up failed: %s", f->name, strerror(-rc));
			return rc;
		}
		if (f->walk && dp_feature_n_walks == DP_FEATURE_WALKS_MAX) {
			snprintf(err, errlen, "feature %s: more than %d features walk with the workers", f->name,
				 DP_FEATURE_WALKS_MAX);
			return -ENOSPC;
		}
		if (f->walk)
			dp_feature_walks[dp_feature_n_walks++] = f->walk;
	}
	return 0;
}

unsigned int dp_feature_count(void) { return n_used; }
const struct dp_feature *dp_feature_get(unsigned int i) { return i < n_used ? used[i] : NULL; }
unsigned int dp_feature_of_role(unsigned int role) { return role_feature[role]; }

const struct dp_tap *dp_tap_cur;
bool dp_handed_over;
uint8_t dp_role;

int
dp_feature_partner(void)
{
	int said = DP_PARTNER_UNKNOWN;

	for (unsigned int i = 0; i < n_used; i++) {
		int p = used[i]->partner != NULL ? used[i]->partner() : DP_PARTNER_UNKNOWN;

		if (p == DP_PARTNER_ACTIVE)
			return p;
		if (p == DP_PARTNER_GONE)
			said = p;
	}
	return said;
}

const char *
dp_feature_cut_off(void)
{
	for (unsigned int i = 0; i < n_used; i++)
		if (used[i]->cut_off != NULL && used[i]->cut_off())
			return used[i]->name;
	return NULL;
}

int
dp_tap_set(const struct dp_tap *t)
{
	const struct dp_tap *cur = dp_tap_get();

	if (t != NULL && cur != NULL && cur != t)
		return -EBUSY;
	__atomic_store_n(&dp_tap_cur, t, __ATOMIC_RELEASE);
	return 0;
}

int
dp_feature_slowpath(struct rte_mbuf *m)
{
	const struct dp_feature *f = dp_feature_get(dp_meta(m)->feature);

	if (unlikely(f == NULL || f->slowpath == NULL)) {
		/* the punt nodes let no such packet through; counted if one does */
		struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];

		st->drops[DP_DROP_core_no_slowpath]++;
		st->drop_pkts++;
		rte_pktmbuf_free(m);
		return -1;
	}
	return f->slowpath(m);
}

bool
dp_feature_has_slowpath(void)
{
	for (unsigned int i = 0; i < n_used; i++)
		if (used[i]->slowpath)
			return true;
	return false;
}

unsigned int dp_feature_n_walks;
void (*dp_feature_walks[DP_FEATURE_WALKS_MAX])(struct dp_stage_ctx *ctx);

void
dp_feature_poll(uint64_t now_tsc)
{
	for (unsigned int i = 0; i < n_used; i++)
		if (used[i]->ctl_poll)
			used[i]->ctl_poll(now_tsc);
}

unsigned int
dp_feature_stopping(void)
{
	unsigned int ms = 0;

	for (unsigned int i = 0; i < n_used; i++)
		if (used[i]->stopping)
			ms = RTE_MAX(ms, used[i]->stopping());
	return ms;
}

void
dp_feature_fini(void)
{
	/* only what init set up, in reverse */
	while (n_inited > 0) {
		const struct dp_feature *f = used[--n_inited];

		if (f->fini)
			f->fini();
	}
	dp_meta_fields_reset();
}

int
dp_feature_tables(const char *feature, const struct dp_table_spec *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int id = dp_table_create(s[i].def);

		if (id < 0) {
			DP_LOG(ERR, "%s: table %s: %s", feature, s[i].def->name, strerror(-id));
			return id;
		}
		*s[i].id = id;
		if (s[i].room != 0 && dp_table_key_room((unsigned int)id) > s[i].room) {
			DP_LOG(ERR, "%s: table %s: keys of %u bytes, its stages build %u", feature, s[i].def->name,
			       dp_table_key_room((unsigned int)id), s[i].room);
			return -EINVAL;
		}
	}
	return 0;
}
