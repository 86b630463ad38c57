/* Table engine, control side: derived tables (a deriver's implied updates
 * join the batch that implies them, with its atomicity) and what a batch
 * leaves at a key, for write checks and derivers; table.clear and ageing,
 * whose deletes go through the derivers too. The engine's top: the writes
 * themselves are dp_table.c's (dp_table_write_batch), which calls nothing
 * here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_table.h"
#include "dp_table_int.h"

/* ------------------------------------------------------- derived tables */
static const struct dp_table_deriver *derivers[DP_DERIVERS_MAX];
static unsigned int n_derivers;

int
dp_table_deriver_add(const struct dp_table_deriver *d)
{
	if (n_derivers == DP_DERIVERS_MAX)
		return -ENOSPC;
	derivers[n_derivers++] = d;
	return 0;
}

static uint64_t
sources_of(const struct dp_update *u, unsigned int n)
{
	uint64_t all = 0, seen = 0;

	for (unsigned int d = 0; d < n_derivers; d++)
		all |= derivers[d]->sources;
	for (unsigned int i = 0; i < n && seen != all; i++)
		if (u[i].table < 64)
			seen |= all & (1ull << u[i].table);
	return seen;
}

/* Every update, each followed by what it implies in the derived tables, in
 * one batch: the derived updates share its atomicity. An update a deriver
 * refuses fails as a bad update does before a batch runs. */
int
dp_table_write(const struct dp_update *u, unsigned int n, enum dp_atomicity mode, int *results)
{
	const unsigned int per = 1 + DP_DERIVE_MAX * n_derivers;
	struct dp_update *x;
	uint32_t *origin;
	int *xres, rc = 0;
	unsigned int k = 0, refused = 0;

	if (sources_of(u, n) == 0)
		return dp_table_write_batch(u, n, mode, results);
	x = malloc((size_t)n * per * sizeof(*x));
	origin = malloc((size_t)n * per * sizeof(*origin));
	xres = malloc((size_t)n * per * sizeof(*xres));
	if (x == NULL || origin == NULL || xres == NULL) {
		rc = -ENOMEM;
		for (unsigned int i = 0; i < n; i++)
			results[i] = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned int first = k;

		results[i] = 0;
		x[k] = u[i];
		origin[k++] = i;
		for (unsigned int d = 0; d < n_derivers; d++) {
			int m;

			if (u[i].table >= 64 || !(derivers[d]->sources & (1ull << u[i].table)) ||
			    derivers[d]->expand == NULL)
				continue;
			m = derivers[d]->expand(&x[first], x, first, &x[k]);
			if (m < 0) {
				results[i] = m;
				break;
			}
			for (int j = 0; j < m; j++) {
				/* expand says "after its origin"; the batch needs the distance */
				if (x[k].after)
					x[k].after = (uint16_t)(k - first);
				origin[k++] = i;
			}
		}
		if (results[i] < 0) {
			/* what the derivers before the refusal appended goes too */
			for (unsigned int j = first + 1; j < k; j++)
				xres[j] = -ECANCELED;
			for (unsigned int d = 0; d < n_derivers; d++)
				derivers[d]->done(&x[first + 1], k - first - 1, &xres[first + 1]);
			k = first;
			refused++;
		}
	}
	if (refused && mode != DP_ATOM_CONTINUE) {
		for (unsigned int j = 0; j < k; j++)
			xres[j] = -ECANCELED;
		rc = -ECANCELED;
	} else {
		rc = dp_table_write_batch(x, k, mode, xres);
		if (refused && rc == 0)
			rc = -EIO;
	}
	/* Each update's result. In a batch that fails as a whole, the update
	 * whose implied change failed says why; in continue mode an update
	 * keeps its own result (a derived table that lags is caught up by the
	 * slow path, see the switch's next hops). The derivers learn which of
	 * their updates took. */
	for (unsigned int j = 0; j < k; j++) {
		int *r = &results[origin[j]];

		if (j == 0 || origin[j - 1] != origin[j])
			*r = xres[j];
		else if (mode != DP_ATOM_CONTINUE && xres[j] != 0 && xres[j] != -ECANCELED)
			*r = xres[j];
	}
	if (refused && mode != DP_ATOM_CONTINUE)
		for (unsigned int i = 0; i < n; i++)
			if (results[i] == 0)
				results[i] = -ECANCELED;
	for (unsigned int d = 0; d < n_derivers; d++)
		derivers[d]->done(x, k, xres);
out:
	free(x);
	free(origin);
	free(xres);
	return rc;
}

/* ------------------------------------------------- clear and ageing */
int
dp_table_clear(unsigned int id, uint32_t *deleted)
{
	struct dp_update *u;
	uint32_t n;
	int *res, rc;

	if ((rc = dp_table_deletes_all(id, &u, &n)) < 0)
		return rc;
	if ((res = calloc(n ? n : 1, sizeof(*res))) == NULL) {
		free(u);
		return -ENOMEM;
	}
	rc = n ? dp_table_write(u, n, DP_ATOM_ROLLBACK, res) : 0;
	if (deleted)
		*deleted = rc == 0 ? n : 0;
	free(u);
	free(res);
	return rc;
}

unsigned int
dp_tables_age(uint64_t now, unsigned int *per_table)
{
	unsigned int total = 0;

	for (unsigned int id = 0; id < dp_tables_count(); id++) {
		struct dp_update *u;
		unsigned int n;
		int *res;

		if (per_table)
			per_table[id] = 0;
		if (dp_table_def(id)->age_actions == 0)
			continue;
		dp_table_deletes_idle(id, now, &u, &n);
		if (n && (res = calloc(n, sizeof(*res))) != NULL) {
			dp_table_write(u, n, DP_ATOM_CONTINUE, res);
			for (unsigned int k = 0; k < n; k++)
				if (res[k] == 0) {
					total++;
					if (per_table)
						per_table[id]++;
				}
			free(res);
		}
		free(u);
	}
	return total;
}

/* ------------------------------------------------------- batch views */
const struct dp_update *
dp_table_batch_last(int table, const uint8_t *key, const struct dp_update *batch, unsigned int n)
{
	unsigned int klen = dp_table_key_len((unsigned int)table);

	for (unsigned int j = n; j-- > 0;)
		if (batch[j].table == table && batch[j].type != DP_UPD_DEFAULT &&
		    memcmp(batch[j].key, key, klen) == 0)
			return &batch[j];
	return NULL;
}

int
dp_table_batch_view(int table, const uint8_t *key, const struct dp_update *batch, unsigned int n,
		    const struct dp_update *extra, uint16_t *action, uint8_t *params)
{
	const struct dp_update *b = NULL;
	const struct dp_entry *e;

	if (extra != NULL && extra->table == table && extra->type != DP_UPD_DEFAULT &&
	    memcmp(extra->key, key, dp_table_key_len((unsigned int)table)) == 0)
		b = extra;
	else
		b = dp_table_batch_last(table, key, batch, n);
	if (b != NULL) {
		if (b->type == DP_UPD_DELETE)
			return 0;
		*action = b->action;
		memcpy(params, b->params, dp_table_params_len((unsigned int)table));
		return 1;
	}
	if ((e = dp_table_find((unsigned int)table, key)) == NULL)
		return 0;
	*action = e->action;
	memcpy(params, e->params, dp_table_params_len((unsigned int)table));
	return 1;
}
