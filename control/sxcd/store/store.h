/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intent store: one JSON file per intent, written so that a crash at any moment loses nothing acknowledged. */
/*
 * Layout: DIR/KIND/NAME.json. A put writes DIR/KIND/.NAME.json.tmp,
 * fsyncs it, renames it over NAME.json and fsyncs KIND's directory before
 * it returns: after a return, a kill -9 or a power cut finds the new
 * document whole; before it, the old one (or none). A delete unlinks and
 * fsyncs the directory likewise. Leftover temp files of an interrupted
 * put are removed when the store opens; an interrupted store_apply is
 * finished first. Not thread-safe: sxcd's one loop
 * owns it.
 */
#ifndef STORE_H
#define STORE_H

#include <jansson.h>

#define STORE_NAME_MAX 63	/* the one rule for names: route, body, /apply, schema (Name) */
/* A longer name (of the same characters) an older sxcd may have stored:
 * such a file is loaded and can be removed, never written. */
#define STORE_FILE_NAME_MAX 250

struct store;

/* Open (create, mode 0700) the store at @dir. 0 and *@out, or -errno. */
int store_open(const char *dir, struct store **out);
void store_close(struct store *s);

/* Is @s a usable kind or name: 1..STORE_NAME_MAX of [A-Za-z0-9_.-], not
 * starting with '.'? */
int store_name_ok(const char *s);

/* @doc (borrowed) as KIND/NAME, durably. 0, or -EINVAL (a bad kind or
 * name), or the -errno of the failing call (then the old document stands). */
int store_put(struct store *s, const char *kind, const char *name, json_t *doc);
/* One change of a store_apply: @doc (borrowed) as KIND/NAME, or (@doc
 * NULL) KIND/NAME removed. */
struct store_op {
	const char *kind, *name;
	json_t *doc;
};
/*
 * Every one of @ops, durably, or none: each document is written to its
 * temp file, each fsynced (not a syncfs: that waits for every process's
 * writes to the file system), then one journal (DIR/.journal.json: the renames
 * and unlinks to make) is written, fsynced and renamed into place, then
 * they are made and the journal removed. A crash before the journal is in
 * place leaves the old documents (the temp files are swept); after it,
 * store_open finishes the job. 0, or -EINVAL, or the -errno of the
 * failing call (then nothing changed).
 */
int store_apply(struct store *s, const struct store_op *ops, size_t n);
/* The same in steps, so that thousands of documents do not hold a loop:
 * start (@ops copied, their documents held), then step for about
 * @budget_us each (0: to the end) until it gives 0 (done: every one
 * stored, or made by the next store_open) or -errno (nothing changed);
 * -EAGAIN: more to do. Nothing else may use the store until it is done.
 * Free finishes what is left first. */
struct store_job;
int store_apply_start(struct store *s, const struct store_op *ops, size_t n, struct store_job **out);
int store_apply_step(struct store_job *j, unsigned int budget_us);
/* Only the temp files, for about @budget_us: 0 once all are written (what
 * is left, store_apply_step's, is the syncs, the journal and the renames:
 * blocking calls touching no JSON but the job's own, which a thread may
 * make while its caller waits, using neither the job nor the store),
 * -EAGAIN (more), or -errno (nothing changed; the job is over). */
int store_apply_write(struct store_job *j, unsigned int budget_us);
void store_job_free(struct store_job *j);
/* KIND/NAME removed, durably (NAME up to STORE_FILE_NAME_MAX). 0,
 * -ENOENT, -EINVAL or -errno. */
int store_del(struct store *s, const char *kind, const char *name);
/* KIND/NAME.json that does not read back kept as evidence: renamed to
 * KIND/NAME.json.corrupt-SECONDS (never read, never overwritten), durably.
 * The new file's name (KIND/...) in @out. 0 or -errno. */
int store_set_aside(struct store *s, const char *kind, const char *name, char *out, size_t len);
/* KIND/NAME as stored: a new reference, or NULL (absent or unreadable). */
json_t *store_get(struct store *s, const char *kind, const char *name);
/* Everything: {"KIND": {"NAME": document, ...}, ...}, a new object; NULL
 * only when out of memory. A file that does not parse, or whose name is
 * longer than STORE_NAME_MAX, is left out and reported in *@bad (a new
 * array of "KIND/NAME" strings) when @bad is not NULL. */
json_t *store_load(struct store *s, json_t **bad);
/* One kind's: {"NAME": document, ...} (new; NULL: out of memory or a bad
 * kind); what does not parse goes to @bad (an array, NULL: nowhere). */
json_t *store_load_kind(struct store *s, const char *kind, json_t *bad);

#endif
