/* Building what a ternary table's rules look at (dp_tcare.h): the care
 * mask a chunk at a time, a range chunk's boundaries kept sorted and
 * unique while they fit. Control side only. */
#include "dp_tcare.h"

/* n: building, a chunk whose boundaries did not fit (its value is kept). */
#define OVER UINT16_MAX

static uint32_t
chunk_all(unsigned int cs)
{
	return cs == 4 ? UINT32_MAX : (1u << (8 * cs)) - 1;
}

/* The bits of a chunk that a rule's field looks at: whether a key
 * matches depends on those alone. */
static uint32_t
chunk_care(enum dp_match_kind match, unsigned int cs, uint32_t v, uint32_t m)
{
	uint32_t all = chunk_all(cs);

	switch (match) {
	case DP_MATCH_EXACT:
		return all;
	case DP_MATCH_LPM:	/* m: the prefix's bits in this chunk */
		return m == 0 ? 0 : m >= 8 * cs ? all : all & ~((1u << (8 * cs - m)) - 1);
	case DP_MATCH_RANGE:	/* the whole range takes every value */
		return v == 0 && m == all ? 0 : all;
	default:
		return m;
	}
}

void
dp_tcare_init(struct dp_tcare *c)
{
	memset(c, 0, sizeof(*c));
}

/* c's range chunk at off, NULL if none. */
static const struct dp_tcare_range *
range_find(const struct dp_tcare *c, unsigned int off)
{
	for (unsigned int r = 0; r < c->n_ranges; r++)
		if (c->range[r].off == off)
			return &c->range[r];
	return NULL;
}

/* c's range chunk at off, a new one if none (NULL: no room). */
static struct dp_tcare_range *
range_of(struct dp_tcare *c, unsigned int off, unsigned int cs)
{
	const struct dp_tcare_range *g = range_find(c, off);

	if (g != NULL)
		return &c->range[g - c->range];
	if (c->n_ranges == DP_TCARE_RANGES)
		return NULL;
	c->range[c->n_ranges] = (struct dp_tcare_range){ .off = (uint8_t)off, .size = (uint8_t)cs };
	return &c->range[c->n_ranges++];
}

/* b into g's sorted, unique boundaries; past DP_TCARE_BOUNDS, g is over. */
static void
bound_add(struct dp_tcare_range *g, uint32_t b)
{
	unsigned int at;

	if (g->n == OVER)
		return;
	at = dp_tcare_rank(g->b, g->n, b);
	if (at > 0 && g->b[at - 1] == b)
		return;
	if (g->n == DP_TCARE_BOUNDS) {
		g->n = OVER;
		return;
	}
	memmove(&g->b[at + 1], &g->b[at], (g->n - at) * sizeof(g->b[0]));
	g->b[at] = b;
	g->n++;
}

void
dp_tcare_add(struct dp_tcare *c, enum dp_match_kind match, unsigned int off, unsigned int cs, uint32_t v,
	     uint32_t m)
{
	uint32_t care = chunk_care(match, cs, v, m);
	struct dp_tcare_range *g;

	dp_tcare_chunk_put(c->mask + off, cs, dp_tcare_chunk_get(c->mask + off, cs) | care);
	if (match != DP_MATCH_RANGE || care == 0)
		return;
	/* a chunk that fits no more ranges keeps its value: the mask is whole */
	if ((g = range_of(c, off, cs)) == NULL)
		return;
	/* a range [v, m]: keys below v, inside, and past m differ */
	if (v > 0)
		bound_add(g, v);
	if (m < chunk_all(cs))
		bound_add(g, m + 1);
}

void
dp_tcare_done(struct dp_tcare *c)
{
	unsigned int k = 0;

	for (unsigned int r = 0; r < c->n_ranges; r++)
		if (c->range[r].n != OVER && c->range[r].n > 0) {
			if (k != r)
				c->range[k] = c->range[r];
			k++;
		}
	c->n_ranges = k;
}

static bool
chunk_looked_at(const struct dp_tcare *c, unsigned int off, unsigned int cs)
{
	for (unsigned int i = 0; i < cs; i++)
		if (c->mask[off + i])
			return true;
	return false;
}

/* A range chunk of a or b (ga, gb: its boundaries in each, NULL where
 * that side has none) into out: reduced by both sides' boundaries, or by
 * one side's where the other does not look at the chunk at all. */
static void
union_range(struct dp_tcare *out, const struct dp_tcare *a, const struct dp_tcare_range *ga,
	    const struct dp_tcare *b, const struct dp_tcare_range *gb)
{
	const struct dp_tcare_range *g = ga != NULL ? ga : gb;
	struct dp_tcare_range *o;

	/* the other side looks at every bit of it (its value kept): kept */
	if ((ga == NULL && chunk_looked_at(a, g->off, g->size)) ||
	    (gb == NULL && chunk_looked_at(b, g->off, g->size)))
		return;
	if ((o = range_of(out, g->off, g->size)) == NULL)
		return;
	for (unsigned int i = 0; ga != NULL && i < ga->n; i++)
		bound_add(o, ga->b[i]);
	for (unsigned int i = 0; gb != NULL && i < gb->n; i++)
		bound_add(o, gb->b[i]);
}

void
dp_tcare_union(struct dp_tcare *out, const struct dp_tcare *a, const struct dp_tcare *b)
{
	struct dp_tcare u;

	dp_tcare_init(&u);
	for (unsigned int i = 0; i < DP_KEY_MAX; i++)
		u.mask[i] = a->mask[i] | b->mask[i];
	for (unsigned int r = 0; r < a->n_ranges; r++)
		union_range(&u, a, &a->range[r], b, range_find(b, a->range[r].off));
	for (unsigned int r = 0; r < b->n_ranges; r++)
		if (range_find(a, b->range[r].off) == NULL)
			union_range(&u, a, NULL, b, &b->range[r]);
	dp_tcare_done(&u);
	*out = u;
}
