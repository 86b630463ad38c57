/* ov_keyfile: a box's private key of 32 bytes, kept in its sxcd store (mode 0600, made at first start), other secrets read from files only sxcd's user reads, and memory for them that is locked, out of core dumps and wiped when let go. */
#ifndef OV_KEYFILE_H
#define OV_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* @len bytes of locked memory, out of core dumps, zeroed: NULL if none. */
void *ov_keyfile_secure(size_t len);
/* Wipe and let go of what ov_keyfile_secure gave (NULL: nothing). */
void ov_keyfile_release(void *p, size_t len);

/* The key at @path into @priv (32 bytes), made there (0600, exclusively)
 * the first time; @what names it in the log. 0, -EPERM (not a 32-byte
 * file of mode 0600 owned by this process's user), -EIO, or -errno. */
int ov_keyfile_load(const char *path, uint8_t priv[32], const char *what);

/* A secret of @min..@max bytes (at most OV_KEYFILE_MAX; one line end after
 * a text one's is not of it) at @path into @buf, its length in *@len.
 * 0, -ENOENT, -EPERM (no such file of mode 0600 or 0400 owned by this
 * process's user), -EINVAL or -errno; @what names it in the log. */
#define OV_KEYFILE_MAX	256

/* A rotation's files: @old into @path.prev, @fresh into @path (written
 * whole, then renamed over it: a crash leaves both keys, never neither).
 * 0, or -errno with nothing changed. */
int ov_keyfile_rotate(const char *path, const uint8_t old[32], const uint8_t fresh[32]);
/* The key a rotation replaced (@path.prev) into @priv and when: 0,
 * -ENOENT (no rotation under way) or -EPERM. */
int ov_keyfile_prev(const char *path, uint8_t priv[32], time_t *when, const char *what);
/* @path.prev gone: the rotation is over. */
void ov_keyfile_prev_drop(const char *path);
int ov_keyfile_read(const char *path, uint8_t *buf, size_t min, size_t max, size_t *len, const char *what);

#endif
