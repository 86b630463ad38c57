/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intent store (see store.h): temp file, fsync, rename, fsync of the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

struct store {
	char *dir;
	/* a store_apply's journal is in place but not all its renames were
	 * made (one failed: a file system out of room for a new name): the
	 * change stands (store_open would finish it), and no other write may
	 * go first, or replace the journal, until it is finished */
	bool pending;
};

#define TMP_SUFFIX ".tmp"

static int journal_replay(struct store *s);
static int pending_finish(struct store *s);

static int
name_ok(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > max || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

int
store_name_ok(const char *s)
{
	return name_ok(s, STORE_NAME_MAX);
}

/* fsync of what is at @path (@flags: open's, O_DIRECTORY or 0). */
static int
fsync_path(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* fsync of a directory: what makes a rename or an unlink in it durable. */
static int
sync_dir(const char *path)
{
	return fsync_path(path, O_DIRECTORY);
}

static int
mkdir_synced(const char *path, const char *parent)
{
	if (mkdir(path, 0700) == 0)
		return parent != NULL ? sync_dir(parent) : 0;
	return errno == EEXIST ? 0 : -errno;
}

/* Remove what an interrupted put left in @path (a kind's directory). */
static void
sweep_tmp(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char f[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' && n > strlen(TMP_SUFFIX) &&
		    strcmp(e->d_name + n - strlen(TMP_SUFFIX), TMP_SUFFIX) == 0 &&
		    snprintf(f, sizeof(f), "%s/%s", path, e->d_name) < (int)sizeof(f))
			unlink(f);
	}
	closedir(d);
	sync_dir(path);
}

int
store_open(const char *dir, struct store **out)
{
	struct store *s;
	DIR *d;
	struct dirent *e;
	int rc;

	if ((rc = mkdir_synced(dir, NULL)) < 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	if ((rc = journal_replay(s)) < 0) {
		store_close(s);
		return rc;
	}
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char p[PATH_MAX];

			if (store_name_ok(e->d_name) && snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) <
								 (int)sizeof(p))
				sweep_tmp(p);
		}
		closedir(d);
	}
	*out = s;
	return 0;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s);
}

/* DIR/KIND into @kdir, DIR/KIND/NAME.json into @file (NULL name: none). */
static int
paths(const struct store *s, const char *kind, const char *name, char *kdir, char *file)
{
	if (!store_name_ok(kind) || (name != NULL && !name_ok(name, STORE_FILE_NAME_MAX)))
		return -EINVAL;
	if (snprintf(kdir, PATH_MAX, "%s/%s", s->dir, kind) >= PATH_MAX ||
	    (name != NULL && snprintf(file, PATH_MAX, "%s/%s.json", kdir, name) >= PATH_MAX))
		return -ENAMETOOLONG;
	return 0;
}

/* paths(), and KIND/.NAME.json.tmp, a document's temp file, into @tmp. */
static int
temp_paths(const struct store *s, const char *kind, const char *name, char *kdir, char *file, char *tmp)
{
	int rc;

	if ((rc = paths(s, kind, name, kdir, file)) < 0)
		return rc;
	if (snprintf(tmp, PATH_MAX, "%s/.%s.json" TMP_SUFFIX, kdir, name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* @doc written to KIND/.NAME.json.tmp, and fsynced if @sync; its path in
 * @tmp and the document's in @file. */
static int
write_tmp(struct store *s, const char *kind, const char *name, json_t *doc, bool sync, char *kdir,
	  char *file, char *tmp)
{
	char *text;
	size_t len, off = 0;
	int fd, rc;

	if (!store_name_ok(name))
		return -EINVAL;
	if ((rc = temp_paths(s, kind, name, kdir, file, tmp)) < 0)
		return rc;
	if ((rc = mkdir_synced(kdir, s->dir)) < 0)
		return rc;
	/* compact, in the order made: sorting and indenting a UPF's thousands
	 * of sessions cost a change 60 % more time and bytes (jq shows it) */
	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		return -ENOMEM;
	len = strlen(text);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = -errno;
		free(text);
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	free(text);
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int
store_put(struct store *s, const char *kind, const char *name, json_t *doc)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
	int rc;

	if ((rc = pending_finish(s)) < 0 || (rc = write_tmp(s, kind, name, doc, true, kdir, file, tmp)) < 0)
		return rc;
	if (rename(tmp, file) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return sync_dir(kdir);
}

/* ------------------------------------------------------------ journal */

#define JOURNAL ".journal.json"

/* What a journal says: each op's temp file renamed over its document, or
 * the document unlinked; every directory touched fsynced. A temp file
 * that is not there was renamed already. */
static int
journal_run(struct store *s, json_t *ops)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
	json_t *op, *dirs = json_object();
	const char *d;
	size_t i;
	int rc = 0;

	json_array_foreach(ops, i, op) {
		const char *kind = json_string_value(json_object_get(op, "kind"));
		const char *name = json_string_value(json_object_get(op, "name"));

		if (temp_paths(s, kind, name, kdir, file, tmp) < 0)
			continue;
		if (json_is_true(json_object_get(op, "put"))) {
			if (rename(tmp, file) < 0 && errno != ENOENT && rc == 0)
				rc = -errno;
		} else if (unlink(file) < 0 && errno != ENOENT && rc == 0) {
			rc = -errno;
		}
		json_object_set_new(dirs, kdir, json_true());
	}
	json_object_foreach(dirs, d, op)
		if (sync_dir(d) < 0 && rc == 0)
			rc = -errno;
	json_decref(dirs);
	return rc;
}

/* An interrupted store_apply whose journal is in place is finished. */
static int
journal_replay(struct store *s)
{
	char j[PATH_MAX], jt[PATH_MAX];
	json_t *doc;
	int rc;

	if (snprintf(j, sizeof(j), "%s/" JOURNAL, s->dir) >= (int)sizeof(j) ||
	    snprintf(jt, sizeof(jt), "%s/" JOURNAL TMP_SUFFIX, s->dir) >= (int)sizeof(jt))
		return -ENAMETOOLONG;
	unlink(jt);
	if ((doc = json_load_file(j, 0, NULL)) == NULL)
		return access(j, F_OK) == 0 ? -EIO : 0;
	rc = journal_run(s, json_object_get(doc, "ops"));
	json_decref(doc);
	if (rc == 0 && unlink(j) < 0)
		rc = -errno;
	return rc < 0 ? rc : sync_dir(s->dir);
}

/* Before any other write: a journal left in place finished (its renames
 * made, then it is gone), or that write refused with why not. */
static int
pending_finish(struct store *s)
{
	int rc;

	if (!s->pending)
		return 0;
	if ((rc = journal_replay(s)) < 0)
		return rc;
	s->pending = false;
	return 0;
}

/* A store_apply in steps (store_apply_start): the temp files (A), then
 * the journal (B), then the renames (C), then the journal gone (D). */
struct store_job {
	struct store *s;
	struct store_op *ops;	/* kind, name copied; doc held */
	size_t n, next, written;
	int phase;
	json_t *list, *dirs;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
store_job_free(struct store_job *j)
{
	if (j == NULL)
		return;
	if (j->phase < 4)
		store_apply_step(j, 0);
	for (size_t i = 0; i < j->n; i++) {
		free((char *)j->ops[i].kind);
		free((char *)j->ops[i].name);
		json_decref(j->ops[i].doc);
	}
	free(j->ops);
	json_decref(j->list);
	json_decref(j->dirs);
	free(j);
}

int
store_apply_start(struct store *s, const struct store_op *ops, size_t n, struct store_job **out)
{
	struct store_job *j;
	int rc;

	*out = NULL;
	if ((rc = pending_finish(s)) < 0)
		return rc;
	if ((j = calloc(1, sizeof(*j))) == NULL || (j->ops = calloc(n + 1, sizeof(*j->ops))) == NULL) {
		free(j);
		return -ENOMEM;
	}
	j->s = s;
	j->list = json_array();
	j->dirs = json_object();
	for (size_t i = 0; i < n; i++) {
		j->ops[i] = (struct store_op){ .kind = strdup(ops[i].kind), .name = strdup(ops[i].name),
					       .doc = json_incref(ops[i].doc) };
		j->n++;
		if (j->ops[i].kind == NULL || j->ops[i].name == NULL) {
			j->phase = 4;
			store_job_free(j);
			return -ENOMEM;
		}
	}
	*out = j;
	return 0;
}

/* Nothing changed after all: the journal is not in place, the temps go. */
static int
job_undo(struct store_job *j, int rc)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX], jt[PATH_MAX];

	if (snprintf(jt, sizeof(jt), "%s/" JOURNAL TMP_SUFFIX, j->s->dir) < (int)sizeof(jt))
		unlink(jt);
	for (size_t i = 0; i < j->written; i++)
		if (j->ops[i].doc != NULL && temp_paths(j->s, j->ops[i].kind, j->ops[i].name, kdir, file, tmp) == 0)
			unlink(tmp);
	j->phase = 4;
	return rc;
}

/* The temp files written durable: an fsync each, not one syncfs. A
 * syncfs writes back every process's dirty data on the file system: beside
 * another build's writes it took 40 s, and a PUT that waits for the job
 * held the loop that long; an fsync each costs what this job wrote (320
 * files: 0.1 s on this VM's ext4). */
static int
sync_temps(struct store_job *j)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
	int rc;

	for (size_t i = 0; i < j->written; i++)
		if (j->ops[i].doc != NULL &&
		    ((rc = temp_paths(j->s, j->ops[i].kind, j->ops[i].name, kdir, file, tmp)) < 0 ||
		     (rc = fsync_path(tmp, 0)) < 0))
			return rc;
	return 0;
}

/* B: the temp files durable, then the journal naming them written,
 * fsynced and renamed into place. */
static int
job_journal(struct store_job *j)
{
	char j_[PATH_MAX], jt[PATH_MAX];
	json_t *jdoc;
	int rc = 0;

	if (snprintf(j_, sizeof(j_), "%s/" JOURNAL, j->s->dir) >= (int)sizeof(j_) ||
	    snprintf(jt, sizeof(jt), "%s/" JOURNAL TMP_SUFFIX, j->s->dir) >= (int)sizeof(jt))
		return -ENAMETOOLONG;
	if ((rc = sync_temps(j)) < 0)
		return rc;
	jdoc = json_pack("{s:O}", "ops", j->list);
	errno = 0;
	if (jdoc == NULL || json_dump_file(jdoc, jt, JSON_COMPACT) < 0)
		rc = errno ? -errno : -EIO;
	json_decref(jdoc);
	if (rc == 0)
		rc = fsync_path(jt, 0);
	if (rc == 0 && rename(jt, j_) < 0)
		rc = -errno;
	if (rc == 0)
		rc = sync_dir(j->s->dir);
	if (rc < 0)
		unlink(j_);
	return rc;
}

/* A: the temp files, until @end; -EAGAIN: more to write. */
static int
write_temps(struct store_job *j, uint64_t end)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
	int rc;

	while (j->phase == 0 && j->next < j->n) {
		struct store_op *o = &j->ops[j->next];

		if (o->doc != NULL) {
			rc = write_tmp(j->s, o->kind, o->name, o->doc, false, kdir, file, tmp);
			if (rc == 0)
				j->written = j->next + 1;
		} else {
			rc = paths(j->s, o->kind, o->name, kdir, file);
		}
		if (rc == 0 && json_array_append_new(j->list, json_pack("{s:s,s:s,s:b}", "kind", o->kind,
									"name", o->name, "put", o->doc != NULL)) < 0)
			rc = -ENOMEM;
		if (rc < 0)
			return job_undo(j, rc);
		if (++j->next < j->n && now_us() >= end)
			return -EAGAIN;
	}
	return 0;
}

int
store_apply_write(struct store_job *j, unsigned int budget_us)
{
	return j->phase == 0 ? write_temps(j, now_us() + budget_us) : 0;
}

int
store_apply_step(struct store_job *j, unsigned int budget_us)
{
	char kdir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
	uint64_t end = budget_us ? now_us() + budget_us : UINT64_MAX;
	const char *d;
	json_t *v;
	int rc;

	if ((rc = write_temps(j, end)) != 0)
		return rc;
	if (j->phase == 0) {   /* B: from here the change is made, now or by the next store_open */
		if ((rc = job_journal(j)) < 0)
			return job_undo(j, rc);
		j->phase = 2;
		j->next = 0;
		if (now_us() >= end)
			return -EAGAIN;
	}
	while (j->phase == 2 && j->next < j->n) {   /* C */
		struct store_op *o = &j->ops[j->next++];

		if (temp_paths(j->s, o->kind, o->name, kdir, file, tmp) == 0) {
			if (o->doc != NULL ? rename(tmp, file) < 0 && errno != ENOENT :
			    unlink(file) < 0 && errno != ENOENT) {
				j->phase = 3;	/* left to the journal's replay */
				j->s->pending = true;
			}
			json_object_set_new(j->dirs, kdir, json_true());
		}
		if (j->next < j->n && now_us() >= end)
			return -EAGAIN;
	}
	if (j->phase == 2) {   /* D */
		char jp[PATH_MAX];

		rc = 0;
		json_object_foreach(j->dirs, d, v)
			if (sync_dir(d) < 0)
				rc = -1;
		if (rc == 0 && snprintf(jp, sizeof(jp), "%s/" JOURNAL, j->s->dir) < (int)sizeof(jp) &&
		    unlink(jp) == 0)
			sync_dir(j->s->dir);
		else
			j->s->pending = true;	/* the journal stays: made again before the next write */
	}
	j->phase = 4;
	return 0;
}

int
store_apply(struct store *s, const struct store_op *ops, size_t n)
{
	struct store_job *j;
	int rc;

	if ((rc = store_apply_start(s, ops, n, &j)) < 0)
		return rc;
	rc = store_apply_step(j, 0);
	store_job_free(j);
	return rc;
}

int
store_del(struct store *s, const char *kind, const char *name)
{
	char kdir[PATH_MAX], file[PATH_MAX];
	int rc;

	if ((rc = paths(s, kind, name, kdir, file)) < 0 || (rc = pending_finish(s)) < 0)
		return rc;
	if (unlink(file) < 0)
		return -errno;
	return sync_dir(kdir);
}

int
store_set_aside(struct store *s, const char *kind, const char *name, char *out, size_t len)
{
	char kdir[PATH_MAX], file[PATH_MAX], to[PATH_MAX];
	int rc;

	if ((rc = paths(s, kind, name, kdir, file)) < 0)
		return rc;
	if (snprintf(to, sizeof(to), "%s.corrupt-%ld", file, (long)time(NULL)) >= (int)sizeof(to))
		return -ENAMETOOLONG;
	if (rename(file, to) < 0)
		return -errno;
	snprintf(out, len, "%s/%s", kind, strrchr(to, '/') + 1);
	return sync_dir(kdir);
}

json_t *
store_get(struct store *s, const char *kind, const char *name)
{
	char kdir[PATH_MAX], file[PATH_MAX];

	if (paths(s, kind, name, kdir, file) < 0)
		return NULL;
	return json_load_file(file, JSON_REJECT_DUPLICATES, NULL);
}

/* Every NAME.json of one kind's directory into @into. */
static int
load_kind(struct store *s, const char *kind, json_t *into, json_t *bad)
{
	char kdir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (paths(s, kind, NULL, kdir, NULL) < 0 || (d = opendir(kdir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char name[STORE_FILE_NAME_MAX + 1];
		json_t *doc;

		if (n <= 5 || n - 5 > STORE_FILE_NAME_MAX || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		memcpy(name, e->d_name, n - 5);
		name[n - 5] = '\0';
		if (!name_ok(name, STORE_FILE_NAME_MAX))
			continue;
		/* an older sxcd's longer name: not an intent now, but not to lose */
		if (!store_name_ok(name) || (doc = store_get(s, kind, name)) == NULL) {
			if (bad != NULL)
				json_array_append_new(bad, json_sprintf("%s/%s", kind, name));
			continue;
		}
		if (json_object_set_new(into, name, doc) < 0) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

json_t *
store_load(struct store *s, json_t **bad)
{
	json_t *all = json_object(), *b = bad != NULL ? json_array() : NULL;
	DIR *d;
	struct dirent *e;

	if (all == NULL || (bad != NULL && b == NULL))
		goto oom;
	if ((d = opendir(s->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			json_t *kind;

			if (!store_name_ok(e->d_name) || e->d_type == DT_REG)
				continue;
			if ((kind = json_object()) == NULL || load_kind(s, e->d_name, kind, b) < 0 ||
			    json_object_set_new(all, e->d_name, kind) < 0) {
				closedir(d);
				goto oom;
			}
		}
		closedir(d);
	}
	if (bad != NULL)
		*bad = b;
	return all;
oom:
	json_decref(all);
	json_decref(b);
	return NULL;
}

json_t *
store_load_kind(struct store *s, const char *kind, json_t *bad)
{
	json_t *docs = json_object();

	if (docs == NULL || !store_name_ok(kind) || load_kind(s, kind, docs, bad) < 0) {
		json_decref(docs);
		return NULL;
	}
	return docs;
}
