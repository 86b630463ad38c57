/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's generic output: JSON, padded tables, key/value lines, entries, errors. */
/*
 * What formats one feature's results is in that feature's cli/ folder;
 * here is what every command's output is made of.
 */
#ifndef SXCTL_FMT_H
#define SXCTL_FMT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

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

/* Print @pre, then @obj's @key as text ("-" if absent), then @post. */
void fmt_put(const char *pre, json_t *obj, const char *key, const char *post);
/* "name(k=v,...)" as table show prints actions: @obj's @name_key, @params. */
void fmt_put_call(json_t *obj, const char *name_key, json_t *params);
/* An entry's action name ("?" when it has none). */
const char *fmt_action(json_t *e);
/* An action a feature's show line does not know: "name" or "name(k=v,...)". */
void fmt_put_other(json_t *e);

/* One table.read entry as "FIELD=VALUE ... -> action(k=v) hits=N". */
void fmt_entry(json_t *e);

/* Human forms of the generic commands' results. */
void fmt_kv(json_t *res);
void fmt_ports(json_t *res);
void fmt_port_stats(json_t *res);
void fmt_xdp(json_t *res);
void fmt_stats(json_t *res);
void fmt_describe(json_t *res);
void fmt_discover(json_t *res);
void fmt_clear(json_t *res);

#endif /* SXCTL_FMT_H */
