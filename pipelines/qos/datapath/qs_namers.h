/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_namers: how many entries of other features' tables name each meter, counted as those tables change (main lcore). */
/*
 * A meter an entry still names is not deleted (qos.meter_in_use). Reading
 * every naming table for each meter's deletion made deleting a UPF
 * session (its QER's meter) cost as much as all the sessions resident:
 * the counts here answer it instead. They follow every write to a naming
 * table (a deriver that derives nothing: the state of each entry a batch
 * touched before it, then after it applied), and a batch's own effect is
 * replayed on them while it is checked (qs_namers_step), then undone.
 */
#ifndef QS_NAMERS_H
#define QS_NAMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_table.h"

/* Entries of @table with @action name the meter id at @param_off of their
 * params (0: none). At init, before any write. 0 or -ENOSPC. */
int qs_namers_ref(int table, uint16_t action, unsigned int param_off);
/* Is @table one that names meters? */
bool qs_namers_is_ref(int table);
/* The meters an entry of @table with @action and @params names, into
 * @out (at most QS_NAMERS_PER_ENTRY): how many. */
#define QS_NAMERS_PER_ENTRY 4
unsigned int qs_namers_of(int table, uint16_t action, const uint8_t *params, uint32_t *out);
/* Counts for meter ids 0..@cap; follows the naming tables. 0 or -errno. */
int qs_namers_init(uint32_t cap);
void qs_namers_fini(void);

/* While a batch is checked: qs_namers_begin, then each update of it in
 * order that will apply to qs_namers_step (it moves the counts as the
 * batch would), qs_namers_named for a meter at that point, and
 * qs_namers_end, which puts the counts back. 0 or -ENOMEM (begin). */
int qs_namers_begin(unsigned int n);
void qs_namers_step(const struct dp_update *u);
bool qs_namers_named(uint32_t id);
void qs_namers_end(void);

#endif
