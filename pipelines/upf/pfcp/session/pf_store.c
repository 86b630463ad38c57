/* SPDX-License-Identifier: BSD-3-Clause */
/* The PFCP sessions' journal (see pf_store.h).
 *
 * The log: an 8-octet magic, then records: CRC32C (4, over the rest of the record), a
 * word (4: the type in the high octet, the length of the bytes in the low three), the
 * key (8), the bytes. The index is open addressing with linear probing (a slot: the key
 * and offset << 17 | length + 1, 0 for an empty slot), deletion by backward shift.
 *
 * Compaction copies, from the old log's start up to where it ended when the compaction
 * began (cut), the records that are live when their slice is copied, noting each one's
 * old and new offset; then, verbatim, whatever was appended past cut meanwhile (so a key
 * put or deleted after its slice was copied ends as its last record says). When the copy
 * reaches the end of the log, right after a sync, the new file holds exactly the live
 * set: fdatasync, rename, directory fsync, and the index is moved to the new offsets
 * (below cut: from the notes, by binary search; past it: one shift). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd_log.h"
#include "pf_crc.h"
#include "pf_store.h"

#define MAGIC "SXPFJRN1"
#define HDR 8          /* the file's magic */
#define RHDR 16        /* a record's framing */
#define T_PUT 1
#define T_DEL 2
#define COMPACT_MIN (1u << 20)   /* dead bytes before a compaction is worth it */
#define STEP_BYTES (4u << 20)    /* of the old log per compaction step */
#define CHUNK (1u << 20)         /* read at once (a record fits: 64 KiB + 16) */
#define FREE_STEP (16u << 20)   /* of the old log freed per sync after a compaction */
#define LEN_BITS 17

struct slot {
	uint64_t key;
	uint64_t meta; /* off << LEN_BITS | (len + 1); 0: empty */
};

struct pf_store {
	char *path, *tmp;
	int fd, dfd;
	int err;             /* a failed fdatasync: the store is done */
	bool dirty;          /* written since the last fdatasync */
	uint64_t end;        /* bytes in the log */
	uint8_t *buf;        /* records not written yet, at end */
	size_t blen, bcap;
	struct slot *tab;
	uint64_t cap, n;     /* slots (a power of 2), used */
	uint64_t live_bytes, records, syncs, compactions;
	uint64_t next_try;   /* after a failed compaction: not before the log is this long */
	/* the compaction under way (cfd >= 0) */
	int cfd;
	uint64_t cut, cur, cend, tailbase, records0;
	uint64_t *r_old, *r_new;
	size_t r_n, r_cap;
	uint8_t *rbuf, *wbuf;
	/* the old log after a compaction, unlinked: freed a slice a sync (closing it whole
	 * would free 200 MB at once, 40 ms of the loop) */
	int old_fd;
	uint64_t old_size;
	pf_store_tap_fn *tap;	/* told each put and del (a replica's stream) */
	void *tap_arg;
};

/* ---- the index ---- */

static inline uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t
m_off(uint64_t meta)
{
	return meta >> LEN_BITS;
}

static inline size_t
m_len(uint64_t meta)
{
	return (size_t)(meta & ((1u << LEN_BITS) - 1)) - 1;
}

static struct slot *
find(const struct pf_store *s, uint64_t key)
{
	uint64_t i = mix(key) & (s->cap - 1);

	for (;; i = (i + 1) & (s->cap - 1)) {
		if (s->tab[i].meta == 0)
			return NULL;
		if (s->tab[i].key == key)
			return &s->tab[i];
	}
}

static int
grow(struct pf_store *s)
{
	uint64_t cap = s->cap ? s->cap * 2 : 1024, i, j;
	struct slot *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->tab[i].meta != 0) {
			for (j = mix(s->tab[i].key) & (cap - 1); t[j].meta != 0; j = (j + 1) & (cap - 1))
				;
			t[j] = s->tab[i];
		}
	free(s->tab);
	s->tab = t;
	s->cap = cap;
	return 0;
}

static inline bool
full(const struct pf_store *s)
{
	return (s->n + 1) * 5 > s->cap * 4; /* at most 80% full */
}

/* @key -> @meta; the old meta in *old (0: none) */
static int
set(struct pf_store *s, uint64_t key, uint64_t meta, uint64_t *old)
{
	uint64_t i;

	*old = 0;
	if (full(s) && grow(s) != 0)
		return -ENOMEM;
	for (i = mix(key) & (s->cap - 1); s->tab[i].meta != 0; i = (i + 1) & (s->cap - 1))
		if (s->tab[i].key == key) {
			*old = s->tab[i].meta;
			s->tab[i].meta = meta;
			return 0;
		}
	s->tab[i].key = key;
	s->tab[i].meta = meta;
	s->n++;
	return 0;
}

static void
unset(struct pf_store *s, struct slot *e)
{
	uint64_t i = (uint64_t)(e - s->tab), j = i, k;

	s->tab[i].meta = 0;
	s->n--;
	for (;;) { /* backward shift: close the gap for the entries probing past it */
		j = (j + 1) & (s->cap - 1);
		if (s->tab[j].meta == 0)
			return;
		k = mix(s->tab[j].key) & (s->cap - 1);
		/* j's entry may move to i when its home k is not in (i, j] (cyclically) */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			s->tab[i] = s->tab[j];
			s->tab[j].meta = 0;
			i = j;
		}
	}
}

/* ---- records ---- */

static inline uint64_t
meta(uint64_t off, size_t len)
{
	return off << LEN_BITS | (uint64_t)(len + 1);
}

static inline uint64_t
rec_size(uint64_t m)
{
	return RHDR + m_len(m);
}

/* the record at @p (@avail octets there): its type, key, bytes; the record's size, or 0
 * when it is not a whole, good one */
static size_t
parse(const uint8_t *p, uint64_t avail, uint8_t *type, uint64_t *key, size_t *len)
{
	uint32_t crc, word;

	if (avail < RHDR)
		return 0;
	memcpy(&crc, p, 4);
	memcpy(&word, p + 4, 4);
	memcpy(key, p + 8, 8);
	*type = (uint8_t)(word >> 24);
	*len = word & 0xffffff;
	if ((*type != T_PUT && *type != T_DEL) || *len > PF_STORE_REC_MAX || (*type == T_DEL && *len != 0) ||
		avail - RHDR < *len || pf_crc32c(0, p + 4, RHDR - 4 + *len) != crc)
		return 0;
	return RHDR + *len;
}

static int
append(struct pf_store *s, uint8_t type, uint64_t key, const uint8_t *b, size_t len)
{
	uint32_t word = (uint32_t)type << 24 | (uint32_t)len, crc;
	uint8_t *p;

	if (s->blen + RHDR + len > s->bcap) {
		size_t cap = s->bcap ? s->bcap : 65536;
		uint8_t *nb;

		while (cap < s->blen + RHDR + len)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (nb == NULL)
			return -ENOMEM;
		s->buf = nb;
		s->bcap = cap;
	}
	p = s->buf + s->blen;
	memcpy(p + 4, &word, 4);
	memcpy(p + 8, &key, 8);
	if (len)
		memcpy(p + RHDR, b, len);
	crc = pf_crc32c(0, p + 4, RHDR - 4 + len);
	memcpy(p, &crc, 4);
	s->blen += RHDR + len;
	s->records++;
	return 0;
}

static int
pwrite_all(int fd, const uint8_t *b, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static ssize_t
pread_all(int fd, uint8_t *b, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* the buffer into the log (not synced); on a failure the log is cut back and the
 * buffer kept */
static int
flush(struct pf_store *s)
{
	int rc;

	if (s->blen == 0)
		return 0;
	rc = pwrite_all(s->fd, s->buf, s->blen, s->end);
	if (rc != 0) {
		if (ftruncate(s->fd, (off_t)s->end) != 0)
			CD_LOG(ERR, "pfcp store: %s: cannot cut a failed write back: %s", s->path, strerror(errno));
		return rc;
	}
	s->end += s->blen;
	s->blen = 0;
	s->dirty = true;
	if (s->bcap > (4u << 20)) { /* a large batch's buffer is not kept */
		free(s->buf);
		s->buf = NULL;
		s->bcap = 0;
	}
	return 0;
}

/* ---- open, load ---- */

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* the records of @map's [HDR, size): each good one through @fn (the index's work or
 * load's); the end of the last whole one */
static uint64_t
walk(const uint8_t *map, uint64_t size, int (*fn)(struct pf_store *, uint64_t, uint8_t, uint64_t,
	const uint8_t *, size_t, void *), struct pf_store *s, void *arg, int *rc)
{
	uint64_t off = HDR;

	*rc = 0;
	while (off < size) {
		uint64_t key;
		uint8_t type;
		size_t len, n = parse(map + off, size - off, &type, &key, &len);

		if (n == 0)
			break;
		if ((*rc = fn(s, off, type, key, map + off + RHDR, len, arg)) != 0)
			break;
		off += n;
	}
	return off;
}

static int
index_rec(struct pf_store *s, uint64_t off, uint8_t type, uint64_t key, const uint8_t *b, size_t len, void *arg)
{
	uint64_t old = 0;
	struct slot *e;

	(void)b;
	(void)arg;
	s->records++;
	if (type == T_PUT) {
		if (set(s, key, meta(off, len), &old) != 0)
			return -ENOMEM;
		s->live_bytes += RHDR + len;
	} else if ((e = find(s, key)) != NULL) {
		old = e->meta;
		unset(s, e);
	}
	if (old)
		s->live_bytes -= rec_size(old);
	return 0;
}

/* a new log: the magic, synced, the directory too */
static int
init_log(struct pf_store *s)
{
	int rc;

	if (ftruncate(s->fd, 0) != 0)
		return -errno;
	rc = pwrite_all(s->fd, (const uint8_t *)MAGIC, HDR, 0);
	if (rc == 0 && (fdatasync(s->fd) != 0 || fsync(s->dfd) != 0))
		rc = -errno;
	s->end = HDR;
	return rc;
}

static int
scan(struct pf_store *s)
{
	struct stat st;
	uint8_t *map;
	uint64_t good;
	int rc;

	if (fstat(s->fd, &st) != 0)
		return -errno;
	if (st.st_size < HDR) /* new, or made by a crash before its magic was synced */
		return init_log(s);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (memcmp(map, MAGIC, HDR) != 0) {
		munmap(map, (size_t)st.st_size);
		CD_LOG(ERR, "pfcp store: %s is not a sessions log: left alone", s->path);
		return -EINVAL;
	}
	(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	good = walk(map, (uint64_t)st.st_size, index_rec, s, NULL, &rc);
	munmap(map, (size_t)st.st_size);
	if (rc != 0)
		return rc;
	s->end = good;
	if (good < (uint64_t)st.st_size) {
		CD_LOG(WARN, "pfcp store: %s: a torn tail cut off: %llu bytes at %llu (a crash mid-write; "
			"nothing synced is lost)", s->path, (unsigned long long)((uint64_t)st.st_size - good),
			(unsigned long long)good);
		if (ftruncate(s->fd, (off_t)good) != 0 || fdatasync(s->fd) != 0)
			return -errno;
	}
	return 0;
}

int
pf_store_open(const char *dir, struct pf_store **out)
{
	struct pf_store *s;
	char *pdir;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	pdir = join(dir, "pfcp");
	if (s == NULL || pdir == NULL) {
		free(s);
		free(pdir);
		return -ENOMEM;
	}
	s->fd = s->dfd = s->cfd = s->old_fd = -1;
	s->path = join(pdir, "sessions.log");
	s->tmp = join(pdir, "sessions.log.tmp");
	rc = s->path && s->tmp ? 0 : -ENOMEM;
	if (rc == 0 && mkdir(pdir, 0700) != 0 && errno != EEXIST)
		rc = -errno;
	if (rc == 0 && (s->dfd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0 && unlink(s->tmp) == 0) {
		CD_LOG(INFO, "pfcp store: %s: a compaction cut short by a crash: its temp file removed", s->tmp);
		if (fsync(s->dfd) != 0)
			rc = -errno;
	}
	if (rc == 0 && (s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		rc = -errno;
	if (rc == 0 && s->cap == 0)
		rc = grow(s);
	if (rc == 0)
		rc = scan(s);
	free(pdir);
	if (rc != 0) {
		pf_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

struct load_arg {
	int (*fn)(void *, uint64_t, const uint8_t *, size_t);
	void *arg;
};

static int
load_rec(struct pf_store *s, uint64_t off, uint8_t type, uint64_t key, const uint8_t *b, size_t len, void *arg)
{
	struct load_arg *a = arg;
	struct slot *e;

	if (type != T_PUT || (e = find(s, key)) == NULL || m_off(e->meta) != off)
		return 0; /* replaced or deleted later */
	return a->fn(a->arg, key, b, len);
}

int
pf_store_load(struct pf_store *s, int (*fn)(void *arg, uint64_t key, const uint8_t *b, size_t len), void *arg)
{
	struct load_arg a = {fn, arg};
	uint8_t *map;
	uint64_t got;
	int rc;

	if (s->err)
		return s->err;
	if ((rc = flush(s)) != 0)
		return rc;
	if (s->end <= HDR)
		return 0;
	map = mmap(NULL, (size_t)s->end, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	(void)madvise(map, (size_t)s->end, MADV_SEQUENTIAL);
	got = walk(map, s->end, load_rec, s, &a, &rc);
	munmap(map, (size_t)s->end);
	if (rc == 0 && got != s->end) /* changed under us since open */
		rc = -EIO;
	return rc;
}

/* ---- put, del ---- */

int
pf_store_put(struct pf_store *s, uint64_t key, const uint8_t *b, size_t len)
{
	uint64_t old;
	int rc;

	if (s->err)
		return s->err;
	if (len > PF_STORE_REC_MAX)
		return -EMSGSIZE;
	if (full(s) && (rc = grow(s)) != 0) /* before: nothing half done */
		return rc;
	if ((rc = append(s, T_PUT, key, b, len)) != 0)
		return rc;
	(void)set(s, key, meta(s->end + s->blen - RHDR - len, len), &old);
	if (old)
		s->live_bytes -= rec_size(old);
	s->live_bytes += RHDR + len;
	if (s->tap != NULL)
		s->tap(s->tap_arg, key, b, len);
	return 0;
}

int
pf_store_del(struct pf_store *s, uint64_t key)
{
	struct slot *e;
	int rc;

	if (s->err)
		return s->err;
	if ((e = find(s, key)) == NULL)
		return -ENOENT;
	if ((rc = append(s, T_DEL, key, NULL, 0)) != 0)
		return rc;
	s->live_bytes -= rec_size(e->meta);
	unset(s, e);
	if (s->tap != NULL)
		s->tap(s->tap_arg, key, NULL, 0);
	return 0;
}

void
pf_store_tap(struct pf_store *s, pf_store_tap_fn *fn, void *arg)
{
	s->tap = fn;
	s->tap_arg = arg;
}

/* ---- compaction ---- */

static void
compact_drop(struct pf_store *s, const char *why, int err)
{
	if (why != NULL) {
		CD_LOG(ERR, "pfcp store: compaction of %s dropped: %s: %s", s->path, why, strerror(-err));
		/* not again before as much is appended again */
		s->next_try = s->end + s->blen + (s->live_bytes > COMPACT_MIN ? s->live_bytes : COMPACT_MIN);
	}
	if (s->cfd >= 0) {
		close(s->cfd);
		s->cfd = -1;
		(void)unlink(s->tmp);
	}
	free(s->r_old);
	free(s->r_new);
	free(s->rbuf);
	free(s->wbuf);
	s->r_old = s->r_new = NULL;
	s->rbuf = s->wbuf = NULL;
	s->r_n = s->r_cap = 0;
}

static int
compact_start(struct pf_store *s)
{
	s->r_cap = s->n ? s->n : 1; /* what is copied below cut is live now: at most n */
	s->r_old = malloc(s->r_cap * sizeof(uint64_t));
	s->r_new = malloc(s->r_cap * sizeof(uint64_t));
	s->rbuf = malloc(CHUNK);
	s->wbuf = malloc(CHUNK);
	s->r_n = 0;
	if (s->r_old == NULL || s->r_new == NULL || s->rbuf == NULL || s->wbuf == NULL)
		return -ENOMEM;
	s->cfd = open(s->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->cfd < 0)
		return -errno;
	s->cut = s->end;
	s->cur = HDR;
	s->cend = HDR;
	s->tailbase = 0;
	s->records0 = s->records;
	return pwrite_all(s->cfd, (const uint8_t *)MAGIC, HDR, 0);
}

/* copies [cur, ...) of the old log, at most @budget octets of it: below cut the records
 * live now, past it everything */
static int
compact_copy(struct pf_store *s, uint64_t budget)
{
	/* the writeback the last steps started, done by now when sxcd's loop had anything
	 * else to do: so no step (the last one's fdatasync included) waits for much */
	if (s->cend > HDR)
		(void)sync_file_range(s->cfd, 0, (off_t)s->cend, SYNC_FILE_RANGE_WAIT_BEFORE);
	while (budget > 0 && s->cur < s->end) {
		uint64_t lim = s->cur < s->cut ? s->cut : s->end, want = lim - s->cur, off = 0, start = s->cend;
		size_t wl = 0;
		ssize_t got;
		int rc;

		if (want > CHUNK)
			want = CHUNK;
		got = pread_all(s->fd, s->rbuf, (size_t)want, s->cur);
		if (got < 0)
			return (int)got;
		if ((uint64_t)got != want)
			return -EIO;
		if (s->cur >= s->cut) { /* the tail: as it is */
			memcpy(s->wbuf, s->rbuf, (size_t)want);
			wl = (size_t)want;
			off = want;
		} else {
			while (off < want) {
				uint64_t key;
				uint8_t type;
				size_t len, n = parse(s->rbuf + off, want - off, &type, &key, &len);
				struct slot *e;

				if (n == 0)
					break; /* cut by the chunk: it starts the next one */
				if (type == T_PUT && (e = find(s, key)) != NULL && m_off(e->meta) == s->cur + off) {
					if (s->r_n == s->r_cap)
						return -EOVERFLOW; /* cannot be: each key once */
					memcpy(s->wbuf + wl, s->rbuf + off, n);
					s->r_old[s->r_n] = s->cur + off;
					s->r_new[s->r_n++] = s->cend + wl;
					wl += n;
				}
				off += n;
			}
			if (off == 0)
				return -EIO; /* a bad record below cut: the log changed under us */
		}
		if (wl > 0 && (rc = pwrite_all(s->cfd, s->wbuf, wl, s->cend)) != 0)
			return rc;
		s->cend += wl;
		/* the kernel starts writing it now: the final fdatasync has little left to do */
		if (wl > 0)
			(void)sync_file_range(s->cfd, (off_t)start, (off_t)wl, SYNC_FILE_RANGE_WRITE);
		s->cur += off;
		if (s->cur == s->cut && s->tailbase == 0)
			s->tailbase = s->cend;
		budget = budget > off ? budget - off : 0;
	}
	return 0;
}

/* the old offset's new one (below cut: noted, sorted as copied) */
static uint64_t
remap(const struct pf_store *s, uint64_t off)
{
	size_t lo = 0, hi = s->r_n;

	if (off >= s->cut)
		return off - s->cut + s->tailbase;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->r_old[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->r_n && s->r_old[lo] == off ? s->r_new[lo] : UINT64_MAX;
}

/* all copied, nothing buffered: the new log replaces the old */
static int
compact_finish(struct pf_store *s)
{
	uint64_t i, *nm = malloc(s->cap * sizeof(uint64_t));

	if (nm == NULL)
		return -ENOMEM;
	if (s->tailbase == 0)
		s->tailbase = s->cend;
	for (i = 0; i < s->cap; i++) { /* every live record was copied: checked before anything changes */
		uint64_t o;

		if (s->tab[i].meta == 0)
			continue;
		if ((o = remap(s, m_off(s->tab[i].meta))) == UINT64_MAX) {
			free(nm);
			return -EOVERFLOW;
		}
		nm[i] = meta(o, m_len(s->tab[i].meta));
	}
	if (fdatasync(s->cfd) != 0 || rename(s->tmp, s->path) != 0) {
		free(nm);
		return -errno;
	}
	/* from here the new log is the log: a directory fsync that fails leaves it so */
	if (fsync(s->dfd) != 0)
		CD_LOG(ERR, "pfcp store: fsync of %s's directory: %s", s->path, strerror(errno));
	for (i = 0; i < s->cap; i++)
		if (s->tab[i].meta != 0)
			s->tab[i].meta = nm[i];
	free(nm);
	s->old_fd = s->fd;
	s->old_size = s->end;
	s->fd = s->cfd;
	s->cfd = -1;
	s->end = s->cend;
	s->records = s->r_n + (s->records - s->records0); /* and the ones appended since the start */
	s->compactions++;
	compact_drop(s, NULL, 0);
	return 0;
}

/* after a sync: start a compaction when due, then one step of it */
static void
compact_step(struct pf_store *s)
{
	uint64_t total = s->end - HDR, dead = total - s->live_bytes;
	int rc;

	if (s->old_fd >= 0) {
		s->old_size = s->old_size > FREE_STEP ? s->old_size - FREE_STEP : 0;
		if (s->old_size == 0 || ftruncate(s->old_fd, (off_t)s->old_size) != 0) {
			close(s->old_fd);
			s->old_fd = -1;
		}
		return;
	}
	if (s->cfd < 0) {
		if (dead <= s->live_bytes || dead < COMPACT_MIN || s->end < s->next_try)
			return;
		if ((rc = compact_start(s)) != 0) {
			compact_drop(s, "start", rc);
			return;
		}
	}
	if ((rc = compact_copy(s, STEP_BYTES)) != 0) {
		compact_drop(s, "copy", rc);
		return;
	}
	if (s->cur == s->end && (rc = compact_finish(s)) != 0)
		compact_drop(s, "finish", rc);
}

/* ---- sync, close, stats ---- */

int
pf_store_commit(struct pf_store *s)
{
	int rc;

	if (s->err)
		return s->err;
	if ((rc = flush(s)) != 0)
		return rc;
	if (s->dirty) {
		if (fdatasync(s->fd) != 0) {
			s->err = -errno;
			CD_LOG(ERR, "pfcp store: fdatasync of %s: %s: the store fails until sxcd restarts", s->path,
				strerror(-s->err));
			return s->err;
		}
		s->dirty = false;
		s->syncs++;
	}
	return 0;
}

void
pf_store_maintain(struct pf_store *s)
{
	if (s->err == 0)
		compact_step(s);
}

int
pf_store_sync(struct pf_store *s)
{
	int rc = pf_store_commit(s);

	if (rc == 0)
		pf_store_maintain(s);
	return rc;
}

void
pf_store_close(struct pf_store *s)
{
	if (s == NULL)
		return;
	compact_drop(s, NULL, 0);
	if (s->old_fd >= 0)
		close(s->old_fd);
	if (s->fd >= 0)
		close(s->fd);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s->buf);
	free(s->tab);
	free(s->path);
	free(s->tmp);
	free(s);
}

void
pf_store_stats(const struct pf_store *s, struct pf_store_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->live = s->n;
	st->records = s->records;
	st->file_bytes = s->end + s->blen;
	st->syncs = s->syncs;
	st->compactions = s->compactions;
	st->live_bytes = s->live_bytes;
	st->index_bytes = s->cap * sizeof(struct slot);
	st->compacting = s->cfd >= 0;
}
