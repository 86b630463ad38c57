/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl usage: the command list (the generic commands', then each feature's part), usage errors. */
#ifndef SXCTL_USAGE_H
#define SXCTL_USAGE_H

#include <stdbool.h>
#include <stdio.h>

void usage_print(FILE *f);
/* The usage lines of one command (false when it has none). */
bool usage_topic(FILE *f, const char *cmd);
/* The command being run, for usage_error's hint (NULL before dispatch). */
extern const char *usage_cmd;
/* The most precise topic for a command line: "route add" or "route". */
const char *usage_topic_of(char **av, int ac);
/* Print "sxctl: MESSAGE" and the current command's usage lines to stderr;
 * returns EX_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SXCTL_USAGE_H */
