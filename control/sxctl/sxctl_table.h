/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl table: writes word by word or from a file, paged reads, clears; the reads features' shows use. */
#ifndef SXCTL_TABLE_H
#define SXCTL_TABLE_H

#include <jansson.h>

#include "sxctl_base.h"

/* sxctl table SUB ... */
int table_cmd(struct sx_ctx *x);
/* Judge a table.write result (taken): every update ok and the batch
 * committed, else the failures on stderr. An exit code. */
int table_judge(struct sx_ctx *x, json_t *res);
/* Every entry of @table, following next_offset; *out on EX_OK. */
int table_read_all(struct sx_ctx *x, const char *table, json_t **out);

#endif /* SXCTL_TABLE_H */
