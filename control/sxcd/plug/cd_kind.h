/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_kind: sxcd's intent kinds, each registered by its feature, and what the compiler lends them. */
/*
 * sxcd knows no kind by name: a feature registers each of its kinds from a
 * constructor (CD_KIND_REGISTER) with its REST name, its spec's schema in
 * the OpenAPI document and its place in the compile order, and compiles
 * its intents with what the compiler lends it here (struct cd_kx, the
 * compile under way, stays opaque): run an intent of the intent library,
 * apply table writes, allocate an id that stays, fail or wait. What one
 * kind's intents compiled to and another reads (the site, a slice's id)
 * is published in a named object of the compiler's (cd_kx_pub), emptied
 * when everything is compiled again.
 */
#ifndef CD_KIND_H
#define CD_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cd_tables.h"
#include "intent.h"

/* The longest name an intent may have (the store's rule, STORE_NAME_MAX,
 * which cd_res.c asserts is this one). */
#define CD_NAME_MAX 63

struct cd_kx;

struct cd_kind {
	const char *name;	/* "slices": its REST path, store folder, "KIND/NAME" */
	const char *schema;	/* its spec in components.schemas ("SliceSpec") */
	int order;		/* compile order, lower first: a kind after what it reads */
	const char *only;	/* a kind of one intent: that intent's name; NULL: many */
	bool spread;		/* many entries an intent: stored spread over shards by key */
	bool full_on_change;	/* every intent may read it: a change compiles all again */
	bool per_site;		/* in a fleet's store, one set per site (else shared by all) */
	/* its intents read one of @parent's (named in their spec's
	 * @parent_field) and compile again when that one does */
	const char *parent, *parent_field;
	/* its intents are tenants: a scoped credential names them, and sees
	 * and changes them and their children (the intents whose
	 * parent_field names one) alone */
	bool tenant;
	/* its spec's array @member holds objects told apart by the integer
	 * @member_key, each served on its own at /api/v1/KIND/NAME/MEMBER/KEY
	 * (a UPF's sessions: one changed without its thousands of siblings
	 * sent, parsed and checked), checked against components.schemas'
	 * @member_schema; NULL: none */
	const char *member, *member_key, *member_schema;

	/* One intent into entries; true when it continues in the next slice
	 * of work (called again, with the same arguments, until false). */
	bool (*compile)(struct cd_kx *x, const char *name, json_t *spec);
	/* Before one of its intents compiles. */
	void (*begin)(struct cd_kx *x);
	/* After (cd_kx_failed says how): @rec, its record ({"spec",
	 * "journal", "ids"}), may take what a partial update needs. */
	void (*end)(struct cd_kx *x, const char *name, json_t *spec, json_t *rec);
	/* Its intent is taken back: what end or compile published is not so. */
	void (*forget)(struct cd_kx *x, const char *name);
	/* Its record in cd_kx_pub(x, name)[NAME] is what its children read;
	 * true when @was → @now changes nothing in it (they are then not
	 * compiled again, unless the record comes out otherwise). */
	bool (*same_for_children)(json_t *was, json_t *now);
	/* A Ready intent changed: can only a part of it compile again? *@chg
	 * (new) says which, for part. part: 0, or -1 when that failed (what it
	 * did undone; the intent is then compiled whole). */
	bool (*part_ok)(json_t *rec, json_t *spec, json_t **chg);
	int (*part)(struct cd_kx *x, const char *name, json_t *spec, json_t *rec, json_t *chg);
	/* State of its own per compiler (zeroed; cd_kx_priv), and how to drop
	 * what it holds: when a compile starts over and when the compiler goes. */
	size_t priv_size;
	void (*priv_clear)(void *priv);
};

/* Register @k (static storage) in compile order: from a constructor. */
void cd_kind_register(const struct cd_kind *k);
#define CD_KIND_REGISTER(k)                                                                \
	static void __attribute__((constructor)) cd_kind_register_##k(void)               \
	{                                                                                  \
		cd_kind_register(&k);                                                      \
	}

/* The kinds, 0..cd_kinds()-1 in compile order. */
int cd_kinds(void);
const struct cd_kind *cd_kind_at(int k);
/* "slices" of kind @k; and back (-1: none). */
const char *cd_kind_name(int k);
int cd_kind_of(const char *name);
/* components.schemas' name of a kind's spec ("SliceSpec"). */
const char *cd_kind_schema(int k);
/* A kind of one intent: its name; NULL: many. */
const char *cd_kind_only(int k);
/* Are @k's intents each site's own in a fleet's store (struct cd_kind per_site)? */
bool cd_kind_per_site(int k);
/* Is "KIND/NAME" of a kind whose entries are many (struct cd_kind spread)? */
bool cd_kind_spread(const char *who);
/* The tenant kind (-1: none registered). */
int cd_kind_tenant(void);
/* The tenant intent @name of kind @k (with @spec) is of: its own name, its
 * parent's (@spec's parent_field) when its parent is the tenant kind;
 * NULL: no tenant's (a box-wide intent). */
const char *cd_kind_tenant_of(int k, const char *name, json_t *spec);
/* Are kind @k's intents a tenant's (the tenant kind, or its children)? */
bool cd_kind_tenants(int k);

/* Does OpenAPI document @doc name the kinds registered, in their order
 * (components.schemas.IntentIn.properties.kind.enum, which the build
 * assembles from the features' fragments)? 0, or -EINVAL and why in @err. */
int cd_kinds_described(json_t *doc, char *err, size_t len);

/* ----------------------------- what the compiler lends a kind's compile */

/* The intent fails: Failed (invalid or colliding: it holds nothing),
 * Pending (it waits for @what, holding what compiled without it) or Error.
 * The first failure is the one reported; a Pending one lists all it waits
 * for. */
void cd_kx_fail(struct cd_kx *x, const char *phase, const char *pointer, const char *reason,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void cd_kx_wait_for(struct cd_kx *x, const char *pointer, const char *what);
/* It collides with @holder ("KIND/NAME"): Failed, "conflict" (unless it
 * failed already). */
void cd_kx_conflict(struct cd_kx *x, const char *holder, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool cd_kx_failed(const struct cd_kx *x);
/* The intent is not this box's (a fleet's shared intent placed at other
 * sites, or a child of one): the kind compiles nothing of it, and it is
 * Ready holding nothing, its status saying @why in "elsewhere". */
void cd_kx_elsewhere(struct cd_kx *x, const char *why);
/* The intent's result ({"phase", ...}): a kind adds "degraded" to it. */
json_t *cd_kx_result(struct cd_kx *x);

/* @key's id in namespace @ns (@min..@max): the one it had, else the
 * lowest free one; -1 when all are taken. */
json_int_t cd_kx_alloc(struct cd_kx *x, const char *ns, const char *key, json_int_t min, json_int_t max);
/* Compile @it on the set and apply its writes; -errno (then the intent
 * failed, pointing at @ptr). */
int cd_kx_run(struct cd_kx *x, const struct intent *it, const char *ptr);
/* Apply @updates (table.write's form) for the intent; likewise. */
int cd_kx_apply(struct cd_kx *x, json_t *updates, const char *ptr);
/* An insert of table.write (new; @params taken, NULL: {}). */
json_t *cd_kx_upd(const char *table, json_t *match, const char *action, json_t *params);

/* sxdp's tables and ports, the kernel's view of the links (NULL: none). */
const struct cd_tables *cd_kx_tables(const struct cd_kx *x);
json_t *cd_kx_kernel(const struct cd_kx *x);
/* sxdp's port named @name (port.list's object, borrowed), NULL: none. */
json_t *cd_kx_port(const struct cd_kx *x, const char *name);
/* What kinds published under @name (an object, created empty). */
json_t *cd_kx_pub(struct cd_kx *x, const char *name);
/* @k's state of its own in this compiler (priv_size bytes). */
void *cd_kx_priv(struct cd_kx *x, const struct cd_kind *k);
/* Is this slice of work's time up? */
bool cd_kx_over(const struct cd_kx *x);

/* The intent's journal (its writes) and ids so far: their lengths, and
 * what lies between two lengths (new arrays). */
void cd_kx_mark(const struct cd_kx *x, size_t *journal, size_t *ids);
json_t *cd_kx_journal(const struct cd_kx *x, size_t from, size_t to);
json_t *cd_kx_ids(const struct cd_kx *x, size_t from, size_t to);
/* Take back the writes of @journals (arrays of journal entries), newest
 * first, and give back @ids ([[ns, key], ...]). 0, or -ENOMEM. */
int cd_kx_restore(struct cd_kx *x, json_t *journals);
void cd_kx_unuse(struct cd_kx *x, json_t *ids);
/* Undo what the intent wrote and allocated so far (it failed), and
 * forget its journal so far (kept elsewhere). */
void cd_kx_drop(struct cd_kx *x);
void cd_kx_forget_journal(struct cd_kx *x);

/* ------------------------------------------------------- spec helpers */

static inline json_int_t
cd_num(json_t *o, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static inline const char *
cd_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The address part of "ADDR/LEN" into @out. */
const char *cd_addr_part(const char *pfx, char *out, size_t len);
/* Items @from..@to-1 of array @a (what there is of them; new). */
json_t *cd_slice(json_t *a, size_t from, size_t to);
/* A spec's match ({src, dst, proto, dscp, sport, dport}) into @r. */
void cd_rule_of(json_t *match, struct intent_rule *r);

#endif
