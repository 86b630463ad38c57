/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's feature registry: each feature's commands, their help and handlers, registered from a constructor. */
/*
 * A feature's cli/ folder (pipelines/<f>/cli/) declares one struct
 * feat_cli and registers it with FEAT_CLI_REGISTER, as its datapath
 * registers with sxdp (DP_FEATURE_REGISTER): the shell dispatches a
 * command it does not know itself to the feature that registered it, and
 * sxctl help lists each feature's part after the generic commands. The
 * generic code names no feature; formatting a feature's results is its
 * own handlers' business.
 */
#ifndef SXCTL_FEAT_H
#define SXCTL_FEAT_H

#include "sxctl_base.h"

/* A feature command's handler, given the words after its name. An exit code. */
typedef int feat_cmd_fn(struct sx_ctx *x, char **av, int ac);

struct feat_cmd {
	const char *name;	/* its first word: "route" */
	feat_cmd_fn *fn;
	/* Its second words besides "show" that write no table, so that
	 * --atomicity is refused with them (space-separated); "*": none of
	 * its forms writes. NULL: only "show". */
	const char *reads;
};

#define FEAT_CMDS_MAX	12
#define FEAT_MAX	16

struct feat_cli {
	const char *name;	/* the feature's, as sxdp names it: "switch" */
	/* Where its part stands in sxctl help, lower first: the order readers
	 * of the help know the features in (the order they were added). */
	unsigned int rank;
	/* Its part of sxctl help: a title line, then "  CMD ..." lines and their
	 * deeper-indented continuations, which 'sxctl help CMD' prints. */
	const char *usage;
	struct feat_cmd cmds[FEAT_CMDS_MAX];	/* a NULL name ends them */
};

/* Before main(), from FEAT_CLI_REGISTER. A command name taken twice, or
 * more than FEAT_MAX features, is a build mistake: it aborts. */
void feat_register(const struct feat_cli *f);
#define FEAT_CLI_REGISTER(f) \
	static void __attribute__((constructor)) feat_register_##f(void) { feat_register(&(f)); }

/* The command @name some feature registered, or NULL. */
const struct feat_cmd *feat_cmd_find(const char *name);
/* Does @sub ("show", "ageing") of @c write nothing? */
bool feat_cmd_reads(const struct feat_cmd *c, const char *sub);
/* The registered features by rank: the @i-th, NULL past the last. */
const struct feat_cli *feat_get(unsigned int i);

#endif /* SXCTL_FEAT_H */
