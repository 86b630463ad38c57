/* The registry of pipelines sxdp can run. Each feature registers its own
 * (a constructor in its folder, PL_PIPELINE_REGISTER), so this file and the
 * core never list one. */
#include <stdio.h>
#include <string.h>
#include "pl.h"

#define PL_PIPELINES_MAX 16

static const struct pl_pipeline *pipelines[PL_PIPELINES_MAX];
static unsigned int n_pipelines;

void
pl_pipeline_register(const struct pl_pipeline *pl)
{
	if (n_pipelines < PL_PIPELINES_MAX)
		pipelines[n_pipelines++] = pl;
}

const struct pl_pipeline *
pl_pipeline_find(const char *name)
{
	for (unsigned int i = 0; i < n_pipelines; i++)
		if (strcmp(pipelines[i]->name, name) == 0)
			return pipelines[i];
	return NULL;
}

const char *
pl_pipeline_names(void)
{
	static char buf[256];
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < n_pipelines && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "", pipelines[i]->name);
	return buf;
}
