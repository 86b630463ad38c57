/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl parse: command-line words to JSON values, table updates, a shortcut's numbers and options. */
#ifndef SXCTL_PARSE_H
#define SXCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Strict unsigned decimal: no sign, no spaces, no trailing junk. */
bool parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Plain decimal -> JSON integer; anything else a JSON string; "" -> NULL. */
json_t *parse_scalar(const char *s);
/*
 * One table.write update from "TABLE [FIELD=VALUE ...] [priority N]
 * [action ACTION [PARAM=VALUE ...]]"; @type (insert|modify|delete|
 * default) decides which parts are allowed. An exit code; *out on EX_OK.
 */
int parse_update(char **av, int ac, const char *type, json_t **out);
/*
 * Check positional arguments against @spec, synopsis words such as
 * "VRF PREFIX" or "[BD]" (optional). Numbers (VRF, SLICE, BD, VLAN,
 * SECONDS) land in @num at their position. EX_OK or a usage error.
 */
int parse_positional(char **av, int ac, const char *spec, json_int_t *num);

/* One option of a shortcut: a flag, or a word and its value(s). */
struct parse_opt {
	const char *word;	/* "vlan" */
	int nval;		/* values it takes: 0 (a flag), 1, or -1 (one or more) */
	char **val;		/* out: where they are in av (after the word), NULL: not given */
	int n;			/* out: how many */
};
/* The options @opts in @av ("vlan 7 slice 1", any order, each once). */
int parse_options(char **av, int ac, struct parse_opt *opts, size_t n);
/* A number word of a shortcut, named @what in the usage error: strict
 * decimal (dp_num.h) up to 2^32 - 1; the intent library judges its range. */
int parse_number(const char *s, const char *what, json_int_t *out);
/* A number, or two joined by @sep ("P:W", "A-B"), named @wa and @wb;
 * *@b stays as it is without the second. */
int parse_number_pair(const char *s, char sep, const char *wa, const char *wb, json_int_t *a, json_int_t *b);
/* An option's port or port range A[-B] into r[0..1] (untouched when not given). */
int parse_port_range(struct parse_opt *o, json_int_t *r);

#endif /* SXCTL_PARSE_H */
