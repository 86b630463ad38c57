/* What a port's tables ask of its scheduler (qs_plan.c), installed or as a
 * batch leaves them: each slice's share (a subport of its own, or a pipe
 * of subport 0) and each VDN's pipe. What admission judges (qs_admit) and
 * what a write then applies (qs_apply). Main lcore. */
#ifndef QS_PLAN_H
#define QS_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_table.h"

/* The tables' keys: 16-bit words in network order. */
uint16_t qs_plan_k16(const uint8_t *key, unsigned int off);
void qs_plan_key16(uint8_t *key, unsigned int n, const uint16_t *v);
/* The action of @table that is no entry. */
uint16_t qs_plan_none_of(int table);

/* Every entry of @table as @batch[0..@n) and then @extra (NULL: none)
 * leave it, to @fn. */
typedef void (*qs_plan_left_fn)(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg);
void qs_plan_each_left(int table, const struct dp_update *batch, unsigned int n, const struct dp_update *extra,
		       qs_plan_left_fn fn, void *arg);

enum { KIND_NONE, KIND_OWN, KIND_SHARED };
#define WANTS_MAX 32768

struct qs_want {
	uint16_t slice, pipe;
	uint32_t idx;                /* sync: its pipe in subport 0 */
	uint64_t cap;                /* bit/s */
};

struct qs_plan {
	uint16_t port;
	uint8_t *kind;               /* [slice] */
	uint16_t *sub;               /* [slice]: its own subport; sync: its pipe in subport 0 */
	uint64_t *cap, *vsum;        /* [slice]: its ceiling (or rate), its VDNs' rates, bit/s */
	uint16_t *slices;            /* those with a share */
	uint32_t n_slices, nw;
	struct qs_want *w;
	uint64_t guaranteed;         /* bit/s */
	bool full;                   /* more than WANTS_MAX pipes */
};

/* @p for @port as @batch[0..@n) leaves its tables (NULL, 0: as
 * installed). 0 or -ENOMEM; qs_plan_free gives it back. */
int qs_plan_make(struct qs_plan *p, uint16_t port, const struct dp_update *batch, unsigned int n);
void qs_plan_free(struct qs_plan *p);
/* A slice that is a pipe of subport 0: its default pipe's rate, what its
 * VDNs leave of its ceiling (0: no default pipe). */
uint64_t qs_plan_default_cap(const struct qs_plan *p, uint16_t slice);

#endif
