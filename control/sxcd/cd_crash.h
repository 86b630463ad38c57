/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_crash: a fatal signal's backtrace written to the log (stderr) before the process dies of it. */
#ifndef CD_CRASH_H
#define CD_CRASH_H

/*
 * A daemon that dies unseen reads, to its clients, as connections closed
 * unanswered: the log's last line says nothing of it. Redis's crash report
 * is the model: the signal and the stack, then the default action (a core
 * where the system keeps them). The frames are the binary's offsets
 * ("sxcd(+0x1a2b3)"): `addr2line -f -i -e sxcd 0x1a2b3` names them.
 */

/* Install the handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT).
 * 0, or -errno. */
int cd_crash_init(void);

#endif
