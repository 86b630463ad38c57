/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_plan: what a port's tables ask of its scheduler, installed or as a batch leaves them: each slice's share, each VDN's pipe (see qs_plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "qs_plan.h"
#include "qs_state.h"

uint16_t
qs_plan_k16(const uint8_t *key, unsigned int off)
{
	return rte_be_to_cpu_16(*(const rte_be16_t *)(key + off));
}

void
qs_plan_key16(uint8_t *key, unsigned int n, const uint16_t *v)
{
	memset(key, 0, DP_KEY_MAX);
	for (unsigned int i = 0; i < n; i++)
		*(rte_be16_t *)(key + 2 * i) = rte_cpu_to_be_16(v[i]);
}

uint16_t
qs_plan_none_of(int table)
{
	return table == qs_tables.subports ? SUBPORT_NONE : table == qs_tables.pipes ? PIPE_NONE : SCHED_NONE;
}

/* qs_plan_each_left's walk of the installed entries */
struct left {
	int table;
	const struct dp_update *batch, *extra;
	unsigned int n;
	qs_plan_left_fn fn;
	void *arg;
};

static int
installed_left(const struct dp_entry_view *ev, void *arg)
{
	const struct left *l = arg;
	uint8_t params[DP_PARAMS_BYTES];
	uint16_t action;

	if (dp_table_batch_view(l->table, ev->key, l->batch, l->n, l->extra, &action, params) &&
	    action != qs_plan_none_of(l->table))
		l->fn(ev->key, action, params, l->arg);
	return 0;
}

void
qs_plan_each_left(int table, const struct dp_update *batch, unsigned int n, const struct dp_update *extra, qs_plan_left_fn fn,
	  void *arg)
{
	struct left l = { table, batch, extra, n, fn, arg };

	dp_table_each((unsigned int)table, installed_left, &l);
	/* what the batch makes that is not installed: once, at its last word */
	for (unsigned int j = 0; j <= n; j++) {
		const struct dp_update *u = j < n ? &batch[j] : extra, *last;

		if (u == NULL || u->table != table || u->type == DP_UPD_DELETE || u->type == DP_UPD_DEFAULT ||
		    u->action == qs_plan_none_of(table) || dp_table_find((unsigned int)table, u->key) != NULL)
			continue;
		last = extra != NULL && extra->table == table &&
		       memcmp(extra->key, u->key, dp_table_key_len((unsigned int)table)) == 0 ?
		       extra : dp_table_batch_last(table, u->key, batch, n);
		if (last == u)
			fn(u->key, u->action, u->params, arg);
	}
}

void
qs_plan_free(struct qs_plan *p)
{
	free(p->kind);
	free(p->sub);
	free(p->cap);
	free(p->vsum);
	free(p->slices);
	free(p->w);
}

static void
fill_slice(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg)
{
	struct qs_plan *p = arg;
	const struct subport_p *s = (const struct subport_p *)params;
	uint16_t slice = qs_plan_k16(key, 2);

	if (qs_plan_k16(key, 0) != p->port || p->kind[slice] != KIND_NONE)
		return;
	p->kind[slice] = action == SUBPORT ? KIND_OWN : KIND_SHARED;
	p->sub[slice] = action == SUBPORT ? s->subport : 0;
	p->cap[slice] = RTE_MAX(s->rate_bps, s->ceil_bps);
	p->guaranteed += s->rate_bps;
	p->slices[p->n_slices++] = slice;
}

static void
fill_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params, void *arg)
{
	struct qs_plan *p = arg;
	const struct pipe_p *pp = (const struct pipe_p *)params;

	if (qs_plan_k16(key, 0) != p->port)
		return;
	if (p->nw == WANTS_MAX) {
		p->full = true;
		return;
	}
	p->w[p->nw++] = (struct qs_want){ .slice = qs_plan_k16(key, 2), .pipe = qs_plan_k16(key, 4),
				       .cap = RTE_MAX(pp->rate_bps, pp->ceil_bps) };
	p->vsum[qs_plan_k16(key, 2)] += pp->rate_bps;
}

int
qs_plan_make(struct qs_plan *p, uint16_t port, const struct dp_update *batch, unsigned int n)
{
	memset(p, 0, sizeof(*p));
	p->port = port;
	p->kind = calloc(SLICES, sizeof(*p->kind));
	p->sub = calloc(SLICES, sizeof(*p->sub));
	p->cap = calloc(SLICES, sizeof(*p->cap));
	p->vsum = calloc(SLICES, sizeof(*p->vsum));
	p->slices = calloc(SLICES, sizeof(*p->slices));
	p->w = calloc(WANTS_MAX, sizeof(*p->w));
	if (p->kind == NULL || p->sub == NULL || p->cap == NULL || p->vsum == NULL || p->slices == NULL ||
	    p->w == NULL) {
		qs_plan_free(p);
		return -ENOMEM;
	}
	qs_plan_each_left(qs_tables.subports, batch, n, NULL, fill_slice, p);
	qs_plan_each_left(qs_tables.pipes, batch, n, NULL, fill_pipe, p);
	return 0;
}

/* A slice that is a pipe of subport 0: its default pipe's rate, what its
 * VDNs leave of its ceiling (0: no default pipe, its other traffic is
 * best effort's). The slice's guarantee is its default pipe's and its
 * VDNs' together. */
uint64_t
qs_plan_default_cap(const struct qs_plan *p, uint16_t slice)
{
	return p->cap[slice] - RTE_MIN(p->vsum[slice], p->cap[slice]);
}

