/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's ground: one run's context, its exit codes, allocation that exits on failure. */
/*
 * Every other part of sxctl stands on this and nothing here calls up: a
 * feature's commands (pipelines/<f>/cli/) include it with the generic
 * modules they use, never the shell.
 */
#ifndef SXCTL_BASE_H
#define SXCTL_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EX_OK		0
#define EX_FAIL		1	/* server error or a failed update */
#define EX_USAGE	2
#define EX_CONN		3	/* connection or transport failure */

#define DEFAULT_TIMEOUT_MS	10000
/* --wait without --timeout: sxcd waits up to 10 s for sxdp before it
 * answers (CD_HTTP_INTENTS_WAIT_MS), so the answer gets that and the
 * default's room on a busy box (the two equal, sxctl gave up just before
 * sxcd said "not yet": the demo under load) */
#define WAIT_TIMEOUT_MS		(DEFAULT_TIMEOUT_MS + 10000)

/* Options that only some commands accept. */
#define OPT_ATOMICITY	0x1
#define OPT_PAGING	0x2
#define OPT_API		0x4	/* sxcd's commands' */
#define OPT_SXCD	0x8	/* where sxcd is (--api, --token-file, --cacert, --cert, --key): its
				 * commands', and a feature's that reads sxcd */

struct ctl_client;

/* One run of sxctl: its options, its words, its connection. */
struct sx_ctx {
	const char *path;
	bool json;
	int timeout_ms;
	bool timeout_given;	/* --timeout on the line */
	const char *atomicity;
	uint64_t offset;
	uint64_t limit;
	bool have_offset;
	bool have_limit;
	bool all;
	bool help;		/* -h/--help given */
	bool version;		/* -V/--version given */
	/* sxcd's commands */
	const char *api;	/* http[s]://HOST[:PORT] */
	const char *token_file;
	const char *cacert, *cert, *key;	/* https: the CAs sxcd's certificate must chain to; ours */
	const char *file;	/* apply -f */
	bool dry_run, prune, wait;
	unsigned int given;	/* OPT_* seen on the command line */
	char **av;		/* positional arguments, command first */
	int ac;
	struct ctl_client *cli;
};

/* A terminal's progress while a call waits for its answer: from a second
 * on, one line on stderr (when it is a terminal) rewritten as the wait
 * goes (what, how long so far, the --timeout); sx_progress_end clears it. */
struct sx_progress {
	const char *what;
	int timeout_ms;
	bool shown;
};
void sx_progress_tick(void *arg, int64_t waited_ms);
void sx_progress_end(struct sx_progress *p);

/* A one-shot CLI has nothing to fall back to: out of memory exits. */
void sx_oom(void) __attribute__((noreturn));
char *sx_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *sx_realloc(void *p, size_t n);

#endif /* SXCTL_BASE_H */
