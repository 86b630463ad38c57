/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's modules and what they share: one prefix per file, listed below. */
/*
 *   sxctl.c         sx_        options, dispatch, the RPC transport, helpers
 *   sxctl_table.c   table_     table add/mod/del/default/load/show/clear
 *   sxctl_switch.c  shortcut_  switch shortcuts, driving the intent library
 *   sxctl_overlay.c overlay_   overlay shortcuts
 *   sxctl_qos.c     qos_       QoS shortcuts
 *   sxctl_upf.c     upf_       UPF sessions, interfaces, counters
 *   sxctl_call.c    call_      call/help METHOD, typed by the server's rpc.discover
 *                              (sxdp's own declarations built in, for help offline)
 *   sxctl_parse.c   parse_     command-line words to JSON values and updates
 *   sxctl_usage.c   usage_     usage text and usage errors
 *   sxctl_fmt.c     fmt_       results as text
 *   sxctl_api.c     api_       apply/get/delete/status: sxcd's REST API
 */
#ifndef SXCTL_H
#define SXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "intent.h"

#define EX_OK		0
#define EX_FAIL		1	/* server error or a failed update */
#define EX_USAGE	2
#define EX_CONN		3	/* connection or transport failure */

#define DEFAULT_TIMEOUT_MS	10000

/* Options that only some commands accept. */
#define OPT_ATOMICITY	0x1
#define OPT_PAGING	0x2
#define OPT_API		0x4	/* sxcd's commands' */

struct ctl_client;

/* One run of sxctl: its options, its words, its connection. */
struct sx_ctx {
	const char *path;
	bool json;
	int timeout_ms;
	const char *atomicity;
	uint64_t offset;
	uint64_t limit;
	bool have_offset;
	bool have_limit;
	bool all;
	bool help;		/* -h/--help given */
	bool version;		/* -V/--version given */
	/* sxcd's commands */
	const char *api;	/* http://HOST[:PORT] */
	const char *token_file;
	const char *file;	/* apply -f */
	bool dry_run, prune, wait;
	unsigned int given;	/* OPT_* seen on the command line */
	char **av;		/* positional arguments, command first */
	int ac;
	struct ctl_client *cli;
};

/* ------------------------------------------------------------- sxctl.c */

void sx_oom(void) __attribute__((noreturn));
char *sx_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *sx_realloc(void *p, size_t n);

/* Connect now, quietly: 0, or an errno with the reason in @why. */
int sx_connect(struct sx_ctx *x, char *why, size_t n);
/* One RPC (params taken); connects on first use, so usage errors come
 * first. An exit code; *result (the caller's) on EX_OK. */
int sx_call(struct sx_ctx *x, const char *method, json_t *params, json_t **result);
/* A failure sxctl finds itself (no such port): "sxctl: MESSAGE" on
 * stderr, and with --json an error object like the server's. EX_FAIL. */
int sx_fail(struct sx_ctx *x, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* One call whose result is printed: as JSON, or by @human. */
int sx_simple(struct sx_ctx *x, const char *method, json_t *params, void (*human)(json_t *));

/* --------------------------------------------------------- sxctl_api.c */

/* Is @cmd one of sxcd's (apply, get, delete, status)? */
bool api_is_cmd(const char *cmd);
/* sxctl apply|get|delete|status ...: an exit code. */
int api_cmd(struct sx_ctx *x);

/* ------------------------------------------------------- sxctl_table.c */

/* sxctl table SUB ... */
int table_cmd(struct sx_ctx *x);
/* Judge a table.write result (taken): every update ok and the batch
 * committed, else the failures on stderr. An exit code. */
int table_judge(struct sx_ctx *x, json_t *res);
/* Every entry of @table, following next_offset; *out on EX_OK. */
int table_read_all(struct sx_ctx *x, const char *table, json_t **out);

/* ------------------------------------------------------ sxctl_switch.c */

typedef int shortcut_fn(struct sx_ctx *x, char **av, int ac);
/* The handler of a shortcut (the switch's: slice, svi, route, mac, neigh;
 * the overlay's), or NULL. */
shortcut_fn *shortcut_find(const char *cmd);
/* Compile @it with the intent library, reading what it asks for, and
 * write it; a lost race is read, compiled and written again. An exit code. */
int shortcut_run(struct sx_ctx *x, const struct intent *it);
/* The entries of @v's table whose filter field is @want (all when < 0):
 * @line prints each, or {"table","entries"} with --json. */
int shortcut_show(struct sx_ctx *x, const struct intent_view *v, json_int_t want, void (*line)(json_t *));

/* ----------------------------------------------------- sxctl_overlay.c */

/* The handler of an overlay shortcut (vtep, site, vni, path, tunnel,
 * policy, class), or NULL. */
shortcut_fn *overlay_shortcut_find(const char *cmd);

/* --------------------------------------------------------- sxctl_qos.c */

/* The handler of a QoS shortcut (meter, vdn, sched), or NULL. */
shortcut_fn *qos_shortcut_find(const char *cmd);

/* --------------------------------------------------------- sxctl_upf.c */

/* The handler of "upf" (sessions, interfaces, counters: reads), or NULL. */
shortcut_fn *upf_shortcut_find(const char *cmd);

/* -------------------------------------------------------- sxctl_call.c */

/* sxctl call METHOD [NAME=VALUE ...] (--help: the method's help). */
int call_cmd(struct sx_ctx *x);
/* sxctl help METHOD: what the server declares METHOD takes and returns;
 * without a server, what sxctl's copy of sxdp's declarations says. */
int call_help_cmd(struct sx_ctx *x, const char *method);
/* The methods, one line each, after sxctl help's text: the server's, else
 * the built-in ones. */
int call_list_cmd(struct sx_ctx *x);

/* ------------------------------------------------------- sxctl_parse.c */

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

/* ------------------------------------------------------- sxctl_usage.c */

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

/* --------------------------------------------------------- sxctl_fmt.c */

void fmt_json(FILE *f, json_t *v);

/* A text table whose columns are padded to their widest cell: a header
 * row, then cells row by row; print frees them. */
struct fmt_tbl {
	const char *align;	/* one 'l' or 'r' per column */
	size_t ncols;
	size_t ncells;
	char **cells;
};
void fmt_tbl_init(struct fmt_tbl *t, const char *align, const char *const *hdr);
void fmt_tbl_add(struct fmt_tbl *t, char *cell /* taken */);
/* @obj's @key as a cell ("-" if absent); a row of @keys (NULL-ended). */
void fmt_tbl_j(struct fmt_tbl *t, json_t *obj, const char *key);
void fmt_tbl_row(struct fmt_tbl *t, json_t *obj, const char *const *keys);
void fmt_tbl_print(struct fmt_tbl *t, int indent);
/* One "key  value" line per member of @obj, keys padded to the longest. */
void fmt_kv_lines(json_t *obj, int indent);
/* "TITLE:" then @obj's members as key/value lines, or "(none)". */
void fmt_kv_section(const char *title, json_t *obj);
/* Text of a JSON value for a table cell or key/value line; malloc'd. */
char *fmt_text(json_t *v);
/* @obj's @key as text, "-" if absent; malloc'd. */
char *fmt_get(json_t *obj, const char *key);
/* "error <code> <reason> at <pointer>: <message>", absent parts omitted. */
void fmt_error(json_t *err, char *buf, size_t len);

/* One table.read entry as "FIELD=VALUE ... -> action(k=v) hits=N". */
void fmt_entry(json_t *e);

/* Human forms of whole results. */
void fmt_kv(json_t *res);
void fmt_ports(json_t *res);
void fmt_paths(json_t *res);
void fmt_meters(json_t *res);
void fmt_sched(json_t *res);
void fmt_vdns(json_t *rows);
void fmt_port_stats(json_t *res);
void fmt_xdp(json_t *res);
void fmt_stats(json_t *res);
void fmt_describe(json_t *res);
void fmt_discover(json_t *res);
void fmt_clear(json_t *res);
void fmt_ageing(json_t *res);

/* One line per entry of the switch tables (route, mac, neigh show). */
void fmt_route(json_t *e);
void fmt_fdb(json_t *e);
void fmt_neigh(json_t *e);
/* The overlay's: one line per policy entry, a table of tunnel rows
 * (ov_intent_tunnel_rows). */
void fmt_policy(json_t *e);
void fmt_tunnels(json_t *rows);

#endif /* SXCTL_H */
