/* ov_keyfile: private keys on disk and in memory (see ov_keyfile.h). */
#include <errno.h>
#include <fcntl.h>
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
ov_keyfile_load(const char *path, uint8_t priv[32], const char *what)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		/* the daemon's own: one another user made (or may write) is not a key of this box's */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_size != 32 ||
		    st.st_uid != geteuid() || (n = read(fd, priv, 32)) != 32) {
			close(fd);
			OPENSSL_cleanse(priv, 32);
			CD_LOG(ERR, "%s: %s is not a 32-byte file of mode 0600 owned by uid %u", what, path,
			       (unsigned int)geteuid());
			return -EPERM;
		}
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
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
