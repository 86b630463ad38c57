/* The registry of pipelines sxdp can run. */
#include <stdio.h>
#include <string.h>
#include "pl.h"
#include "pl_fwd.h"
#include "pl_switch.h"

static const struct pl_pipeline *const pipelines[] = {
	&pl_fwd_pipeline,
	&pl_switch_pipeline,
};

const struct pl_pipeline *
pl_pipeline_find(const char *name)
{
	for (unsigned int i = 0; i < RTE_DIM(pipelines); i++)
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
	for (unsigned int i = 0; i < RTE_DIM(pipelines) && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "", pipelines[i]->name);
	return buf;
}
