/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_crash (see cd_crash.h): the signal and the stack on stderr, then the default action. */
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cd_crash.h"

#define FRAMES_MAX	64
#define ALT_STACK	(64 * 1024)	/* a stack overflow's handler runs here */

static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static void
put(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

/* Only async-signal-safe calls: write, backtrace (loaded before), raise. */
static void
on_fatal(int sig)
{
	void *pc[FRAMES_MAX];
	char num[4] = { (char)('0' + sig / 10 % 10), (char)('0' + sig % 10), '\0', '\0' };
	int n;

	put("sxcd: ERR: fatal signal ");
	put(sig >= 10 ? num : num + 1);
	put(sig == SIGSEGV ? " (SIGSEGV)" : sig == SIGABRT ? " (SIGABRT)" : sig == SIGBUS ? " (SIGBUS)" :
	    sig == SIGFPE ? " (SIGFPE)" : " (SIGILL)");
	put(": the stack, innermost first:\n");
	n = backtrace(pc, FRAMES_MAX);
	backtrace_symbols_fd(pc, n, STDERR_FILENO);
	/* SA_RESETHAND made the action the default again: delivered once
	 * this returns, it ends the process as the signal would have */
	raise(sig);
}

int
cd_crash_init(void)
{
	static char alt[ALT_STACK];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND | SA_ONSTACK };
	void *pc[1];

	/* backtrace loads libgcc on its first call, which may allocate: not
	 * in the handler */
	backtrace(pc, 1);
	if (sigaltstack(&ss, NULL) < 0)
		return -errno;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigaction(fatal[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}
