/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_linger (see cd_linger.h): a refused connection's socket drained a moment before it is closed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_linger.h"

struct lingerer {
	struct cd_linger *lg;
	struct event *ev;
	int fd;
	uint64_t until;
	size_t drained;
};

static void
linger_end(struct lingerer *l)
{
	l->lg->n--;
	event_free(l->ev);
	close(l->fd);
	free(l);
}

static void
on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct lingerer *l = arg;
	char buf[16384];
	ssize_t n = 0;

	if (what & EV_READ)
		n = read(fd, buf, sizeof(buf));
	if (n > 0)
		l->drained += (size_t)n;
	if (!(what & EV_READ) || n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
	    l->drained >= CD_LINGER_BYTES || cd_clock_ms() >= l->until)
		linger_end(l);
}

void
cd_linger_fd(struct cd_linger *lg, int fd)
{
	struct timeval tv = { CD_LINGER_MS / 1000, (CD_LINGER_MS % 1000) * 1000 };
	struct lingerer *l;

	if (lg->n >= CD_LINGER_MAX || fd < 0 || (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->ev = event_new(lg->base, fd, EV_READ | EV_PERSIST, on_linger, l)) == NULL) {
		free(l);
		close(fd);
		return;
	}
	l->lg = lg;
	l->fd = fd;
	l->until = cd_clock_ms() + CD_LINGER_MS;
	lg->n++;
	event_add(l->ev, &tv);
}
