/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_tables: sets of table entries in one canonical form, the writes that turn one set into another. */
/*
 * sxcd compares what its intents compile to with what sxdp's tables hold.
 * Both sides are put in one form first, by the tables' own description
 * (pipeline.describe: each field's match kind and type, each action's
 * params) and port.list: ports by name, addresses as inet_ntop writes
 * them, prefixes without host bits, MACs as sxdp prints them, optional
 * params that were left out as 0, wildcards left out. A set is
 * {"TABLE": {"KEY": entry}}, KEY the canonical match (and ACL priority) as
 * compact JSON, entry as table.read gives it, held as its compact JSON
 * text (one string: a tree of objects costs six times as much, and a set
 * holds hundreds of thousands; equal entries are equal texts) except in
 * the tables intents read (intent.h's inputs: objects); tables
 * appear in the order they were first written, the order dependencies go
 * in.
 */
#ifndef CD_TABLES_H
#define CD_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct cd_tables;

/* From pipeline.describe's result and port.list's (both borrowed). NULL
 * when out of memory or they are not what sxdp sends. */
struct cd_tables *cd_tables_new(json_t *describe, json_t *ports);
void cd_tables_free(struct cd_tables *t);
/* Does sxdp have table @name? */
int cd_tables_has(const struct cd_tables *t, const char *name);
/* The entries table @name holds at most (pipeline.describe's size), 0:
 * unknown. */
size_t cd_tables_size(const struct cd_tables *t, const char *name);
/* Table @name's name as one string every holder shares (borrowed), NULL:
 * no such table. */
json_t *cd_tables_name(const struct cd_tables *t, const char *name);
/* port.list's ports (borrowed). */
json_t *cd_tables_ports(const struct cd_tables *t);

/*
 * Apply one table.write update (borrowed) to @set as sxdp would, without
 * its checks beyond the key: insert needs the key absent, modify and
 * delete present. 0, -EEXIST, -ENOENT, or -EINVAL (an unknown table,
 * field, action or a value that does not parse); @err says which. The
 * entry's key (a new string, the caller frees it) in *@key, and what the
 * key held before (a new reference, NULL: nothing; as the set holds it:
 * cd_tables_entry) in *@prev, unless NULL. -ENOMEM.
 */
int cd_tables_apply(const struct cd_tables *t, json_t *set, json_t *update, char **key,
		    json_t **prev, char *err, size_t len);
/* The canonical key (a new string, the caller frees it) of @update's
 * entry (its "table", "match" and, in an ACL, "priority"), as
 * cd_tables_apply gives it. 0 or -EINVAL (@err says why). */
int cd_tables_key(const struct cd_tables *t, json_t *update, char **key, char *err, size_t len);
/* An entry as a set holds it (@held, borrowed) as an object (a new
 * reference, NULL: none or no memory): the set's own when it holds one,
 * so never changed in place (entries are replaced, never edited). */
json_t *cd_tables_entry(json_t *held);
/* Are two entries as sets hold them the same? */
bool cd_tables_same(json_t *a, json_t *b);
/* Entries (or keys) in @set ({"TABLE": {"KEY": ...}}). */
size_t cd_tables_count(json_t *set);
/* Add entries as table.read returned them (borrowed) to @set under @table.
 * An entry @like (a set, NULL: none) holds equal under its key is added
 * as @like's object, not a tree of its own: sxdp's entries as read and
 * the compiled set then share every entry that is as compiled (entries
 * are never changed in place, only replaced). */
int cd_tables_add_read(const struct cd_tables *t, json_t *set, const char *table, json_t *entries,
		       json_t *like);
/* @table's entries in @set as a table.read array (a new one, of new
 * objects). */
json_t *cd_tables_entries(json_t *set, const char *table);

/*
 * The updates (a new array) that make @have hold @want: inserts and
 * modifies for every entry of @want that @have lacks or holds otherwise,
 * in @seq's order ({"TABLE": {"KEY": n}}: the order the compile wrote
 * them, dependencies first); then deletes of the entries of @have that
 * @owned lists ({"TABLE": {"KEY": n}}, NULL: none) and @want does not, in
 * the reverse of @owned's order (what names an entry goes before it).
 * Modifies come before deletes because a modify may drop the last
 * reference to what a delete removes. When @owner ({"TABLE": {"KEY":
 * "kind/name"}}) is given, each update carries its "owner" (for the
 * dry-run diff and for splitting a batch); each carries its "key" (its
 * entry's canonical key: cd_tables_apply takes it as is). Strip both
 * (cd_tables_strip) before writing.
 */
json_t *cd_tables_diff(json_t *want, json_t *have, json_t *seq, json_t *owned, json_t *owner);
/* The same, for the keys in @keys ({"TABLE": {"KEY": any}}) only: what an
 * incremental compile touched (NULL: every key). */
json_t *cd_tables_diff_keys(json_t *want, json_t *have, json_t *seq, json_t *owned, json_t *owner,
			    json_t *keys);
/* The updates without "owner" and "key", for table.write (a new array). */
json_t *cd_tables_strip(json_t *updates);

#endif
