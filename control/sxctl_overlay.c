/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl overlay shortcuts: paths and their live state. */
#include <string.h>

#include <jansson.h>

#include "sxctl.h"

/* path show: every path, its state and its probes' figures (overlay.paths) */
static int
cmd_path(struct sx_ctx *x, char **av, int ac)
{
	if (ac != 1 || strcmp(av[0], "show") != 0)
		return usage_error("usage: path show");
	return sx_simple(x, "overlay.paths", NULL, fmt_paths);
}

static const struct {
	const char *name;
	shortcut_fn *fn;
} cmds[] = {
	{ "path", cmd_path },
};

shortcut_fn *
overlay_shortcut_find(const char *cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn;
	return NULL;
}
