/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sxctl internals shared by sxctl.c (commands, requests, transport,
 * options), sxctl_parse.c (command-line words to JSON values and updates),
 * sxctl_fmt.c (results to human-readable output) and sxctl_usage.c.
 */
#ifndef SXCTL_H
#define SXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define EX_OK		0
#define EX_FAIL		1	/* server error or a failed update */
#define EX_USAGE	2
#define EX_CONN		3	/* connection or transport failure */

#define DEFAULT_TIMEOUT_MS	10000

/* ------------------------------------------------ helpers (sxctl_fmt.c) */

void oom(void) __attribute__((noreturn));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xrealloc(void *p, size_t n);

/* ------------------------------------------------ input (sxctl_parse.c) */

/* Strict unsigned decimal: no sign, no spaces, no trailing junk. */
bool parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Dotted-quad IPv4 to a host-order value. */
bool parse_ipv4(const char *s, uint32_t *ip);
/* "a.b.c.d/len"; a bare address is a /32 when @bare_ok. */
bool parse_prefix(const char *s, bool bare_ok, uint32_t *ip, unsigned int *plen);
/* Six colon-separated pairs of hex digits. */
bool parse_mac(const char *s);

/* Plain decimal -> JSON integer; anything else a JSON string; "" -> NULL. */
json_t *scalar_value(const char *s);
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
int check_args(char **av, int ac, const char *spec, json_int_t *num);

/* ------------------------------------------------ usage (sxctl_usage.c) */

void usage(FILE *f);
/* The usage lines of one command (false when it has none). */
bool usage_topic(FILE *f, const char *cmd);
/* The command being run, for usage_error's hint (NULL before dispatch). */
extern const char *usage_cmd;
/* The most precise topic for a command line: "route add" or "route". */
const char *usage_topic_of(char **av, int ac);
/* Print "sxctl: MESSAGE" and the current command's usage lines to stderr;
 * returns EX_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ----------------------------------------------- output (sxctl_fmt.c) */

void print_json(FILE *f, json_t *v);
/* Text of a JSON value for a table cell or key/value line; malloc'd. */
char *jtxt(json_t *v);
/* @obj's @key as text, "-" if absent; malloc'd. */
char *jget(json_t *obj, const char *key);
/* "error <code> <reason> at <pointer>: <message>", absent parts omitted. */
void fmt_error(json_t *err, char *buf, size_t len);

/* One table.read entry as "FIELD=VALUE ... -> action(k=v) hits=N". */
void print_entry(json_t *e);

/* Human forms of whole results. */
void human_kv(json_t *res);
void human_ports(json_t *res);
void human_port_stats(json_t *res);
void human_stats(json_t *res);
void human_describe(json_t *res);
void human_discover(json_t *res);
void human_clear(json_t *res);
void human_ageing(json_t *res);

/* One line per entry of the switch tables (route, mac, neigh show). */
void print_route(json_t *e);
void print_fdb(json_t *e);
void print_neigh(json_t *e);

#endif /* SXCTL_H */
