/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's feature registry: the features' commands, in the order their help is listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxctl_feat.h"

static const struct feat_cli *feats[FEAT_MAX];
static unsigned int n_feats;

void
feat_register(const struct feat_cli *f)
{
	unsigned int i;

	for (const struct feat_cmd *c = f->cmds; c->name != NULL; c++)
		if (feat_cmd_find(c->name) != NULL) {
			fprintf(stderr, "sxctl: command '%s' of %s registered twice\n", c->name, f->name);
			abort();
		}
	if (n_feats == FEAT_MAX) {
		fprintf(stderr, "sxctl: more than %d features\n", FEAT_MAX);
		abort();
	}
	/* kept by rank: constructors run in link order, which says nothing */
	for (i = n_feats++; i > 0 && feats[i - 1]->rank > f->rank; i--)
		feats[i] = feats[i - 1];
	feats[i] = f;
}

const struct feat_cmd *
feat_cmd_find(const char *name)
{
	for (unsigned int i = 0; i < n_feats; i++)
		for (const struct feat_cmd *c = feats[i]->cmds; c->name != NULL; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

bool
feat_cmd_reads(const struct feat_cmd *c, const char *sub)
{
	size_t n = strlen(sub);
	const char *w;

	if (strcmp(sub, "show") == 0 || (c->reads != NULL && strcmp(c->reads, "*") == 0))
		return true;
	for (w = c->reads; w != NULL && *w != '\0'; w += strcspn(w, " "), w += strspn(w, " "))
		if (strncmp(w, sub, n) == 0 && (w[n] == ' ' || w[n] == '\0') && n > 0)
			return true;
	return false;
}

const struct feat_cli *
feat_get(unsigned int i)
{
	return i < n_feats ? feats[i] : NULL;
}
