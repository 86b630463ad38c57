/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_linger: a refused connection's socket kept open a moment after evhttp closes it, what the client still sends read and dropped. */
/*
 * Closing a socket with unread data resets the connection, and the reset
 * can overtake the answer still on its way (a refusal sent before the
 * client finished sending its body). So a duplicate of the socket is read
 * and dropped for at most CD_LINGER_MS or CD_LINGER_BYTES, whichever ends
 * first (or until the client closes); at most CD_LINGER_MAX at once, past
 * which a socket is closed as it is.
 */
#ifndef CD_LINGER_H
#define CD_LINGER_H

struct event_base;

#define CD_LINGER_MS	2000		/* drain a refused client's rest this long ... */
#define CD_LINGER_BYTES	(16u << 20)	/* ... or this much */
#define CD_LINGER_MAX	32		/* refused connections drained at once */

/* The sockets lingering on @base. */
struct cd_linger {
	struct event_base *base;
	unsigned int n;
};

/* Keep a duplicate of @fd open, draining it, as above. */
void cd_linger_fd(struct cd_linger *lg, int fd);

#endif
