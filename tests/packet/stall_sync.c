/* SPDX-License-Identifier: BSD-3-Clause */
/* An LD_PRELOAD stand-in for a disk that stalls: fsync and fdatasync block while the file named by $SXT_STALL_SYNC exists. */
/*
 * What a busy virtual disk or a failing one does to a process: its syncs
 * take seconds. Only the thread that syncs waits, as it would on such a
 * disk; the test holds the stall by creating the file and ends it by
 * removing it (polled every 2 ms).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void
stall(void)
{
	const char *p = getenv("SXT_STALL_SYNC");
	struct timespec ts = { 0, 2000000 };

	while (p != NULL && access(p, F_OK) == 0)
		nanosleep(&ts, NULL);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	stall();
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	stall();
	return real(fd);
}
