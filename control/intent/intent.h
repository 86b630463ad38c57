/* SPDX-License-Identifier: BSD-3-Clause */
/* The intent driver: intents compiled into table.write params from the tables they read; no I/O. */
/*
 * Why pure: sxctl drives an intent with blocking calls, sxcd from its event
 * loop; both ask intent_compile what to read, read it their own way, and
 * call it again until it yields the write. A write that lost a race with
 * another writer (intent_raced) is read again, compiled again and sent
 * again, INTENT_ATTEMPTS times at most.
 *
 * The driver names no feature: each feature registers its kinds and the
 * tables its inputs are from, from a constructor in its control part
 * (pipelines/<f>/control/<p>_intent.c), and spells its tables', fields'
 * and actions' names from its api/<p>_names.h, the declaration its
 * datapath shares. Callers include the feature's <p>_intent.h for its
 * kinds (INTENT_*) and their argument types, inputs (INTENT_IN_*) and
 * views (INTENT_V_*).
 */
#ifndef INTENT_H
#define INTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "intent_arg.h"

#define INTENT_ATTEMPTS 8	/* writes of one intent before a lost race is final */

struct cc;

/*
 * One kind of intent, a feature's. It declares the size of its argument
 * (the struct its feature's header names with INTENT_ARG) and the inputs
 * it reads and writes; the driver calls its hooks only with an intent of
 * this kind whose argument has that size, so a hook reads it->arg as the
 * kind's argument type. A kind's reads and writes that do not depend on
 * its argument are bits here; a hook only adds those that do.
 */
struct intent_kind {
	const char *name;	/* "slice attach": unique among the registered */
	size_t arg_size;	/* sizeof its argument (INTENT_KIND) */
	/* Add @it's updates to @c: 0, -EAGAIN (c->need says what to read)
	 * or a refusal (intent_compile's codes). */
	int (*compile)(struct cc *c, const struct intent *it);
	/* The inputs the compile may ask for, beside those of writes
	 * (INTENT_IN() bits). */
	unsigned int reads;
	/* The inputs whose tables it rewrites from what it read there, so
	 * that a failed update of one of those may be a lost race. */
	unsigned int writes;
	/* More of either, by @it's argument (NULL: none). */
	unsigned int (*reads_of)(const struct intent *it);
	unsigned int (*writes_of)(const struct intent *it);
	/* The one value of input @k's indexed field (intent_input_index)
	 * @it's compile can be about, so a caller that indexes the table
	 * gives it those entries only; false: the whole table (NULL: always
	 * the whole table). */
	bool (*about)(const struct intent *it, unsigned int k, json_int_t *v);
};

/* The start of kind @k's entry in its feature's table: its @name, the
 * size of the argument type INTENT_ARG gave it, its @compile. (@k is the
 * kind's macro name, pasted as INTENT_OF does.) */
#define INTENT_KIND(k, nm, fn) .name = (nm), .arg_size = sizeof(k##_arg_t), .compile = (fn)

/* Register @n kinds (kept, not copied), from a feature's constructor; a
 * name registered twice, or a kind without a compile or an argument
 * size, aborts: it is a build's mistake. */
void intent_kinds_register(const struct intent_kind *kinds, size_t n);
/* Input @id (1..INTENT_IN_MAX-1) is read from @table (kept); an id that
 * another table has aborts. */
void intent_input_register(unsigned int id, const char *table);
/* Input @id's entries are looked up by @field of their @where ("match"
 * or "params"): a caller may index them by it (see intent_kind.about). */
void intent_input_index(unsigned int id, const char *where, const char *field);
/* The registered kind named @name, NULL when none is. */
const struct intent_kind *intent_kind_find(const char *name);

/* The table input @k is read from; NULL for INTENT_IN_PORTS (port.list)
 * and an input nobody registered. */
const char *intent_input_table(unsigned int k);
/* The field @table's entries are indexed by (*where: "match" or
 * "params"), NULL when no input from it is. */
const char *intent_table_index(const char *table, const char **where);
/* The value of input @k's indexed field @it is about (see
 * intent_kind.about); false: the whole table. */
bool intent_about(const struct intent *it, unsigned int k, json_int_t *v);
/* Every input @it's compile step may ask for (INTENT_IN() bits), for a
 * caller that would rather read them all up front. */
unsigned int intent_inputs(const struct intent *it);

/*
 * Compile @it from what was read so far: in[k] is input k as a JSON array
 * (borrowed), NULL while not read. Inputs beyond those asked for are used
 * when given (slice attach then refuses a bridge domain of another slice
 * before sxdp does).
 *   0        *params is the table.write params (the caller's): "updates",
 *            and "atomicity": "dataplane-atomic" when there are several
 *   -EAGAIN  read the inputs in *need and call again
 *   -EINVAL  a malformed argument, a kind not registered or an argument
 *            not of its kind's size; -ENOENT no
 *            such port, attachment, SVI, flood entry or class rule;
 *            -ERANGE a port beyond the flood mask; -ENOSPC a flood entry
 *            full of tunnels; -EPERM the bridge domain is another slice's;
 *            -ENOMEM. @err says which.
 */
int intent_compile(const struct intent *it, json_t *const in[INTENT_IN_MAX], unsigned int *need,
		   json_t **params, char *err, size_t errlen);
/* The reason word of a compile error, as sxdp would name it ("not_found"). */
const char *intent_reason(int rc);

/*
 * After @params (from intent_compile) got @result from table.write: did
 * it lose a race? Nothing applied, and an update computed from an input
 * found its entry changed, gone or already there. Returns the inputs to
 * drop and read again before compiling anew (0: the result stands), and
 * names the entry in @what ("the flood entry of bd 10").
 */
unsigned int intent_raced(const struct intent *it, json_t *params, json_t *result, char *what,
			  size_t len);

/* A table sxctl lists, and the match field a listing filters on; a
 * feature's (INTENT_V_* in its header). */
struct intent_view {
	const char *table;
	const char *key;
};

const char *intent_view_table(const struct intent_view *v);
/* The entries (a table.read array, borrowed) whose @v->key field is
 * @key, all when @key < 0: a new array. */
json_t *intent_view_select(const struct intent_view *v, json_t *entries, json_int_t key);

#endif
