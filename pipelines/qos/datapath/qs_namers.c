/* SPDX-License-Identifier: BSD-3-Clause */
/* How many entries name each meter (qs_namers.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qs_namers.h"

#define REFS_MAX 64

static struct {
	int table;
	uint16_t action;
	unsigned int off;
} refs[REFS_MAX];
static unsigned int n_refs;
static uint32_t *count;		/* [meter id]: (entry, ref) pairs naming it */
static uint32_t cap_id;

/* What a write matches on: an entry of a table. */
struct ident {
	uint16_t table;
	uint8_t plen;
	uint32_t priority;
	uint8_t key[DP_KEY_MAX], mask[DP_KEY_MAX];
};

/* An entry and the meters it names. */
struct named {
	struct ident id;
	uint32_t m[QS_NAMERS_PER_ENTRY];
	uint8_t n;
};

static void watch_done(const struct dp_update *d, unsigned int n, const int *res);
static int watch_expand(struct dp_update *u, const struct dp_update *batch, unsigned int n, struct dp_update *out);
static struct dp_table_deriver watcher = { .expand = watch_expand, .done = watch_done };

int
qs_namers_ref(int table, uint16_t action, unsigned int param_off)
{
	if (n_refs == REFS_MAX)
		return -ENOSPC;
	if (table < 0 || table >= 64)   /* a deriver's sources are a 64-bit mask */
		return -ERANGE;
	refs[n_refs].table = table;
	refs[n_refs].action = action;
	refs[n_refs++].off = param_off;
	watcher.sources |= 1ull << table;
	return 0;
}

bool
qs_namers_is_ref(int table)
{
	return table >= 0 && table < 64 && (watcher.sources & (1ull << table));
}

unsigned int
qs_namers_of(int table, uint16_t action, const uint8_t *params, uint32_t *out)
{
	unsigned int k = 0;

	for (unsigned int r = 0; r < n_refs && k < QS_NAMERS_PER_ENTRY; r++) {
		uint32_t m;

		if (refs[r].table != table || refs[r].action != action)
			continue;
		memcpy(&m, params + refs[r].off, 4);
		if (m != 0 && m <= cap_id)
			out[k++] = m;
	}
	return k;
}

static void
ident_of(const struct dp_update *u, struct ident *id)
{
	memset(id, 0, sizeof(*id));
	id->table = u->table;
	id->plen = u->plen;
	id->priority = u->priority;
	memcpy(id->key, u->key, DP_KEY_MAX);
	memcpy(id->mask, u->mask, DP_KEY_MAX);
}

static int
ident_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct named *)a)->id, &((const struct named *)b)->id, sizeof(struct ident));
}

/* The meters the installed entry of @id names, into @e. */
static void
installed(const struct ident *id, struct named *e)
{
	struct dp_update q = { .table = id->table, .plen = id->plen, .priority = id->priority };
	struct dp_entry_view v;

	memcpy(q.key, id->key, DP_KEY_MAX);
	memcpy(q.mask, id->mask, DP_KEY_MAX);
	e->n = dp_table_get(&q, &v) == 0 ? (uint8_t)qs_namers_of(id->table, v.action, v.params, e->m) : 0;
}

static void
move(const struct named *from, const struct named *to)
{
	for (unsigned int i = 0; i < from->n; i++)
		if (count[from->m[i]] > 0)
			count[from->m[i]]--;
	for (unsigned int i = 0; i < to->n; i++)
		count[to->m[i]]++;
}

/* ------------------------------------------------ following the tables */

/* The entries a batch touches, as they were before it: the deriver's
 * expand is called for each of its updates before any applies; its done,
 * with the batch itself (the address expand saw), once it applied. */
static struct named *before;
static unsigned int n_before, cap_before;
static const struct dp_update *before_batch;

static int
watch_expand(struct dp_update *u, const struct dp_update *batch, unsigned int n, struct dp_update *out)
{
	(void)n;
	(void)out;
	if (count == NULL || u->type == DP_UPD_DEFAULT)
		return 0;
	if (batch != before_batch) {   /* another batch: the last one never applied */
		n_before = 0;
		before_batch = batch;
	}
	if (n_before == cap_before) {
		unsigned int cap = cap_before ? 2 * cap_before : 256;
		struct named *nb = realloc(before, sizeof(*before) * cap);

		if (nb == NULL)
			return -ENOMEM;   /* refused: uncounted, it must not apply */
		before = nb;
		cap_before = cap;
	}
	ident_of(u, &before[n_before].id);
	installed(&before[n_before].id, &before[n_before]);
	n_before++;
	return 0;
}

static void
watch_done(const struct dp_update *d, unsigned int n, const int *res)
{
	struct named after;

	(void)n;
	(void)res;
	if (d != before_batch || n_before == 0)
		return;   /* a refused update's own done, or a batch of none of ours */
	/* each entry once: its state before the batch, and as it is now */
	qsort(before, n_before, sizeof(*before), ident_cmp);
	for (unsigned int i = 0; i < n_before; i++) {
		if (i > 0 && ident_cmp(&before[i - 1], &before[i]) == 0)
			continue;
		after.id = before[i].id;
		installed(&after.id, &after);
		move(&before[i], &after);
	}
	n_before = 0;
	before_batch = NULL;
}

int
qs_namers_init(uint32_t cap)
{
	if ((count = calloc((size_t)cap + 1, sizeof(*count))) == NULL)
		return -ENOMEM;
	cap_id = cap;
	return dp_table_deriver_add(&watcher);
}

void
qs_namers_fini(void)
{
	free(count);
	free(before);
	count = NULL;
	before = NULL;
	n_before = cap_before = 0;
	before_batch = NULL;
}

/* ------------------------------------------------ a batch being checked */

/* The entries the batch has touched so far, as it leaves them: an open
 * addressing table of 2n slots (n: its updates). */
static struct named *now;
static uint8_t *used;
static size_t n_now;
/* what qs_namers_step moved, to put back */
static struct {
	uint32_t m;
	int32_t d;
} *undo;
static size_t n_undo, cap_undo;

int
qs_namers_begin(unsigned int n)
{
	n_now = 2 * (size_t)n + 1;
	now = malloc(n_now * sizeof(*now));
	used = calloc(n_now, 1);
	n_undo = 0;
	if (now == NULL || used == NULL) {
		free(now);
		free(used);
		now = NULL;
		used = NULL;
		return -ENOMEM;
	}
	return 0;
}

static size_t
slot_of(const struct ident *id)
{
	const uint8_t *b = (const uint8_t *)id;
	uint64_t h = 1469598103934665603ull;
	size_t s;

	for (size_t i = 0; i < sizeof(*id); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	for (s = (size_t)(h % n_now); used[s] && memcmp(&now[s].id, id, sizeof(*id)) != 0; s = (s + 1) % n_now)
		;
	return s;
}

static void
nudge(uint32_t m, int32_t d)
{
	if (n_undo == cap_undo) {
		size_t cap = cap_undo ? 2 * cap_undo : 256;
		void *nu = realloc(undo, sizeof(*undo) * cap);

		if (nu == NULL)
			return;   /* not moved, not to be put back */
		undo = nu;
		cap_undo = cap;
	}
	if (d < 0 && count[m] == 0)
		return;
	count[m] = (uint32_t)((int32_t)count[m] + d);
	undo[n_undo].m = m;
	undo[n_undo++].d = d;
}

void
qs_namers_step(const struct dp_update *u)
{
	struct ident id;
	struct named to;
	size_t s;

	if (count == NULL || now == NULL || !qs_namers_is_ref(u->table) || u->type == DP_UPD_DEFAULT)
		return;
	ident_of(u, &id);
	s = slot_of(&id);
	if (!used[s]) {
		used[s] = 1;
		now[s].id = id;
		installed(&id, &now[s]);
	}
	to.n = u->type == DP_UPD_DELETE ? 0 : (uint8_t)qs_namers_of(u->table, u->action, u->params, to.m);
	for (unsigned int i = 0; i < now[s].n; i++)
		nudge(now[s].m[i], -1);
	for (unsigned int i = 0; i < to.n; i++)
		nudge(to.m[i], 1);
	now[s].n = to.n;
	memcpy(now[s].m, to.m, sizeof(to.m));
}

bool
qs_namers_named(uint32_t id)
{
	return count != NULL && id <= cap_id && count[id] > 0;
}

void
qs_namers_end(void)
{
	while (n_undo > 0) {
		n_undo--;
		count[undo[n_undo].m] = (uint32_t)((int32_t)count[undo[n_undo].m] - undo[n_undo].d);
	}
	free(now);
	free(used);
	now = NULL;
	used = NULL;
}
