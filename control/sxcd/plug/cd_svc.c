/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_svc: the services features bring to sxcd, registered from constructors; their options and lives. */
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_svc.h"

#define SVCS_MAX 16

static const struct cd_svc *svcs[SVCS_MAX];
static bool started[SVCS_MAX];
static int n_svcs;

void
cd_svc_register(const struct cd_svc *s)
{
	if (n_svcs < SVCS_MAX)
		svcs[n_svcs++] = s;
	else
		abort(); /* a build with more services than this: raise SVCS_MAX */
}

/* The @val'th option of all services (CD_SVC_OPT_VAL based). */
static const struct cd_svc_opt *
opt_at(int val)
{
	int k = val - CD_SVC_OPT_VAL;

	for (int i = 0; i < n_svcs && k >= 0; i++)
		for (const struct cd_svc_opt *o = svcs[i]->opts; o != NULL && o->name != NULL; o++)
			if (k-- == 0)
				return o;
	return NULL;
}

struct option *
cd_svc_getopt(const struct option *own)
{
	size_t n_own = 0, n = 0, k = 0;
	struct option *t;

	while (own[n_own].name != NULL)
		n_own++;
	for (int i = 0; i < n_svcs; i++)
		for (const struct cd_svc_opt *o = svcs[i]->opts; o != NULL && o->name != NULL; o++)
			n++;
	if ((t = calloc(n_own + n + 1, sizeof(*t))) == NULL)
		return NULL;
	memcpy(t, own, n_own * sizeof(*t));
	for (int i = 0; i < n_svcs; i++)
		for (const struct cd_svc_opt *o = svcs[i]->opts; o != NULL && o->name != NULL; o++, k++)
			t[n_own + k] = (struct option){ o->name, o->has_arg, NULL, CD_SVC_OPT_VAL + (int)k };
	return t;
}

int
cd_svc_set(int val, const char *arg, char *why, size_t len)
{
	const struct cd_svc_opt *o = opt_at(val);
	char r[200] = "";

	if (o == NULL) {
		snprintf(why, len, "no such option");
		return -EINVAL;
	}
	if (o->set(arg, r, sizeof(r)) == 0)
		return 0;
	snprintf(why, len, "--%s%s%s: %s", o->name, arg ? " " : "", arg ? arg : "", r[0] ? r : "bad value");
	return -EINVAL;
}

int
cd_svc_check(char *why, size_t len)
{
	for (int i = 0; i < n_svcs; i++)
		if (svcs[i]->check != NULL && svcs[i]->check(why, len) < 0)
			return -EINVAL;
	return 0;
}

void
cd_svc_usage(FILE *f)
{
	char left[64];

	for (int i = 0; i < n_svcs; i++)
		for (const struct cd_svc_opt *o = svcs[i]->opts; o != NULL && o->name != NULL; o++) {
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			/* the core's column (18), or a line of its own when longer */
			if (strlen(left) <= 18)
				fprintf(f, "  %-18s %s\n", left, o->help);
			else
				fprintf(f, "  %s\n  %-18s %s\n", left, "", o->help);
		}
}

int
cd_svc_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	char why[256];
	int rc;

	for (int i = 0; i < n_svcs; i++) {
		if (svcs[i]->start == NULL) {
			started[i] = true;
			continue;
		}
		why[0] = '\0';
		if ((rc = svcs[i]->start(ctx, why, sizeof(why))) < 0) {
			snprintf(err, len, "%s: %s", svcs[i]->name, why[0] ? why : strerror(-rc));
			cd_svc_stop();
			return rc;
		}
		started[i] = true;
	}
	return 0;
}

void
cd_svc_stop(void)
{
	for (int i = n_svcs - 1; i >= 0; i--) {
		if (started[i] && svcs[i]->stop != NULL)
			svcs[i]->stop();
		started[i] = false;
	}
}

json_t *
cd_svc_status(void)
{
	json_t *o = json_object(), *v;

	for (int i = 0; i < n_svcs; i++)
		if (started[i] && svcs[i]->status != NULL && (v = svcs[i]->status()) != NULL)
			json_object_set_new(o, svcs[i]->name, v);
	return o;
}

int
cd_svc_act(const char *name, const char *action, json_t *body, json_t **result, char *msg, size_t len)
{
	for (int i = 0; i < n_svcs; i++)
		if (started[i] && strcmp(svcs[i]->name, name) == 0 && svcs[i]->act != NULL)
			return svcs[i]->act(action, body, result, msg, len);
	snprintf(msg, len, "no service %s with actions", name);
	return -ENOENT;
}

void
cd_svc_metrics(struct cd_vis_fams *f)
{
	for (int i = 0; i < n_svcs; i++)
		if (started[i] && svcs[i]->metrics != NULL)
			svcs[i]->metrics(f);
}
