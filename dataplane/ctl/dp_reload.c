/* dp_reload: a reload is a takeover by a successor this sxdp starts (see dp_reload.h). */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "dp_log.h"
#include "dp_reload.h"

#define ARGS_MAX 64

extern char **environ;

static volatile sig_atomic_t asked;
static char *args[ARGS_MAX + 1];
static int n_args;
static pid_t child;		/* the successor started, 0: none */
static cpu_set_t cpus;		/* the CPUs this process was given, before EAL pinned its main thread */
static bool have_cpus;

void
dp_reload_init(const char *config, const char *sock, const char *log_level, const char *log_format, char **extra,
	       int n_extra)
{
	static char *fixed[] = { "--config", "--socket", "--log-level", "--log-format" };
	const char *val[] = { config, sock, log_level, log_format };

	have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	n_args = 1;	/* args[0]: the executable, found at the reload */
	for (unsigned int i = 0; i < sizeof(val) / sizeof(val[0]); i++)
		if (val[i] != NULL) {
			args[n_args++] = fixed[i];
			args[n_args++] = (char *)(uintptr_t)val[i];
		}
	args[n_args++] = "--takeover";
	if (n_extra > 0 && n_extra + n_args + 1 <= ARGS_MAX) {
		args[n_args++] = "--";
		for (int i = 0; i < n_extra; i++)
			args[n_args++] = extra[i];
	}
	args[n_args] = NULL;
}

void
dp_reload_ask(int sig)
{
	(void)sig;
	asked = 1;
}

/* The executable this process runs from, as it is on disk now (an upgrade
 * replaced it: the link says "(deleted)", the path is the new one's, and
 * @replaced says so): 0 or -errno. */
static int
exe_path(char *buf, size_t len, bool *replaced)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	*replaced = n > 10 && strcmp(buf + n - 10, " (deleted)") == 0;
	if (*replaced)
		buf[n - 10] = '\0';
	return 0;
}

int
dp_reload_poll(void)
{
	static char exe[PATH_MAX];
	posix_spawn_file_actions_t fa;
	cpu_set_t mine;
	bool replaced;
	int st, rc;

	if (child != 0 && waitpid(child, &st, WNOHANG) == child) {
		bool up = false;

		if (exe_path(exe, sizeof(exe), &replaced) == 0)
			up = replaced;
		DP_LOG(WARNING, "reload: the successor (process %d) %s %d before it took over: %s", (int)child,
		       WIFEXITED(st) ? "exited" : "was killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
		       up ? "this sxdp's executable is no longer on disk (an upgrade): it stops, for the new one to "
			    "start (the unit's Restart=always)" : "this sxdp goes on");
		child = 0;
		if (up)
			return 1;
	}
	if (!asked)
		return 0;
	asked = 0;
	if (child != 0) {
		DP_LOG(INFO, "reload: the successor (process %d) is taking over already", (int)child);
		return 0;
	}
	if ((rc = exe_path(exe, sizeof(exe), &replaced)) < 0) {
		DP_LOG(ERR, "reload: no executable to start: %s", strerror(-rc));
		return 0;
	}
	args[0] = exe;
	/* the successor on every CPU this process was given (a child has its
	 * parent thread's: this main lcore's alone) */
	if (have_cpus && sched_getaffinity(0, sizeof(mine), &mine) == 0)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	else
		CPU_ZERO(&mine);
	/* only stdin, stdout and stderr: an inherited AF_XDP socket would
	 * keep the successor's own queue taken */
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0)
		rc = posix_spawn(&child, exe, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (CPU_COUNT(&mine) > 0)
		sched_setaffinity(0, sizeof(mine), &mine);
	if (rc != 0) {
		child = 0;
		DP_LOG(ERR, "reload: %s not started: %s", exe, strerror(rc));
		return 0;
	}
	DP_LOG(INFO, "reload: %s started (process %d) to take over", exe, (int)child);
	return 0;
}

int
dp_reload_notify_main(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[32];
	size_t plen;
	int fd, n, rc = 0;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return 0;
	if ((plen = strlen(path)) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	n = snprintf(msg, sizeof(msg), "MAINPID=%d", (int)getpid());
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (sendto(fd, msg, (size_t)n, 0, (const struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
