/* ov_keyfile: private keys on disk and in memory (see ov_keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cd_log.h"
#include "ov_keyfile.h"

void *
ov_keyfile_secure(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* never swapped, never in a core dump */
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void
ov_keyfile_release(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	munlock(p, len);
	munmap(p, len);
}

int
ov_keyfile_read(const char *path, uint8_t *buf, size_t min, size_t max, size_t *len, const char *what)
{
	uint8_t tmp[OV_KEYFILE_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (max > OV_KEYFILE_MAX || min > max)
		return -EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	/* the daemon's own: one another user made (or may write) is not a key of this box's */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 && st.st_uid == geteuid())
		n = read(fd, tmp, max + 1);
	close(fd);
	/* a text key's line end is an editor's, not the key's (a raw key has none to spare) */
	if (n > 0 && min < max && tmp[n - 1] == '\n')
		n--;
	if (n < 0 || (size_t)n < min || (size_t)n > max) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		char size[48];

		if (min == max)
			snprintf(size, sizeof(size), "%zu-byte", min);
		else
			snprintf(size, sizeof(size), "%zu to %zu bytes'", min, max);
		CD_LOG(ERR, "%s: %s is not a %s file of mode 0600 owned by uid %u", what, path, size,
		       (unsigned int)geteuid());
		return -EPERM;
	}
	memcpy(buf, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	*len = (size_t)n;
	return 0;
}

int
ov_keyfile_load(const char *path, uint8_t priv[32], const char *what)
{
	size_t len;
	ssize_t n;
	int fd, rc;

	if ((rc = ov_keyfile_read(path, priv, 32, 32, &len, what)) != -ENOENT)
		return rc;
	if (RAND_priv_bytes(priv, 32) != 1)
		return -EIO;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -errno;
	n = write(fd, priv, 32);
	if (n != 32 || fsync(fd) < 0) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	CD_LOG(INFO, "%s: made the box's key (%s)", what, path);
	return 0;
}

/* @key whole into @path, made anew, 0600. */
static int
write_new(const char *path, const uint8_t key[32])
{
	int fd, rc = 0;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -errno;
	if (write(fd, key, 32) != 32 || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

int
ov_keyfile_rotate(const char *path, const uint8_t old[32], const uint8_t fresh[32])
{
	char prev[4096], tmp[4096];
	int rc;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((rc = write_new(prev, old)) < 0 || (rc = write_new(tmp, fresh)) < 0 || rename(tmp, path) < 0) {
		rc = rc < 0 ? rc : -errno;
		unlink(tmp);
		unlink(prev);
	}
	return rc;
}

int
ov_keyfile_prev(const char *path, uint8_t priv[32], time_t *when, const char *what)
{
	char prev[4096];
	struct stat st;
	size_t len;
	int rc;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	if ((rc = ov_keyfile_read(prev, priv, 32, 32, &len, what)) < 0)
		return rc;
	*when = stat(prev, &st) == 0 ? st.st_mtime : time(NULL);
	return 0;
}

void
ov_keyfile_prev_drop(const char *path)
{
	char prev[4096];

	snprintf(prev, sizeof(prev), "%s.prev", path);
	unlink(prev);
}
