/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_tport: the PFCP endpoint's UDP sockets: datagrams in from the allowed sources, out counted (pf_tport.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_log.h"
#include "pf_tport.h"

#define BATCH 64		/* datagrams per read callback: REST is never starved */
#define REFUSED_LOG_MS 10000	/* a line about refused sources at most this often */

bool
pf_tport_allowed(const struct pf_tport *tp, const struct pf_addr *src)
{
	for (int i = 0; i < tp->n_allow; i++)
		if (pf_prefix_has(&tp->allow[i], src))
			return true;
	return tp->n_allow == 0;
}

static void
refused_tell(struct pf_tport *tp, const struct pf_addr *src, uint64_t more)
{
	char a[64];

	if (more > 0)
		CD_LOG(WARN, "pfcp: %" PRIu64 " more datagrams refused from sources outside --pfcp-allow (the last from %s)",
		       more, pf_addr_str(src, a, sizeof(a)));
	else
		CD_LOG(WARN, "pfcp: a datagram from %s refused: outside --pfcp-allow (dropped unread, unanswered; at most one such line every %d s)",
		       pf_addr_str(src, a, sizeof(a)), REFUSED_LOG_MS / 1000);
	tp->refused_logged = true;
	tp->refused_log_ms = cd_clock_ms();
}

static void
on_refused_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pf_tport *tp = arg;

	(void)fd;
	(void)what;
	if (tp->refused_quiet > 0)
		refused_tell(tp, &tp->refused_last, tp->refused_quiet);
	tp->refused_quiet = 0;
}

/* A peer outside the allowed prefixes floods the log no more than it
 * floods anything else: one line, then a count every REFUSED_LOG_MS. */
static void
refuse(struct pf_tport *tp, const struct pf_addr *src)
{
	uint64_t now = cd_clock_ms();

	tp->c->refused_source++;
	if (!tp->refused_logged || now - tp->refused_log_ms >= REFUSED_LOG_MS) {
		refused_tell(tp, src, tp->refused_quiet);
		tp->refused_quiet = 0;
		return;
	}
	tp->refused_quiet++;
	tp->refused_last = *src;
	if (tp->refused_timer != NULL && !evtimer_pending(tp->refused_timer, NULL)) {
		struct timeval tv = pf_ms_tv((unsigned int)(REFUSED_LOG_MS - (now - tp->refused_log_ms)));

		evtimer_add(tp->refused_timer, &tv);
	}
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct pf_tport_sock *s = arg;
	struct pf_tport *tp = s->tp;
	struct pf_addr src, local;
	ssize_t r;

	(void)what;
	for (int i = 0; i < BATCH; i++) {
		local = s->addr;
		r = pf_sock_recv(fd, tp->buf, sizeof(tp->buf), &src, &local);
		if (r < 0)
			return; /* EAGAIN: all read; anything else: the next wakeup */
		if (!pf_tport_allowed(tp, &src)) {
			refuse(tp, &src);
			continue;
		}
		if ((size_t)r > sizeof(tp->buf)) {
			tp->c->dropped_header++;
			continue;
		}
		tp->rx(tp->rx_arg, (uint8_t)(s - tp->socks), &src, &local, tp->buf, (size_t)r);
	}
}

int
pf_tport_send(struct pf_tport *tp, uint8_t sock, const struct pf_addr *from, const struct pf_addr *to,
	      const uint8_t *b, size_t len)
{
	ssize_t w;

	if (sock >= tp->n_socks)
		return -EINVAL;
	w = pf_sock_send(tp->socks[sock].fd, b, len, to, pf_addr_any(&tp->socks[sock].addr) ? from : NULL);
	if (w < 0) {
		char a[64];

		CD_LOG(WARN, "pfcp: send to %s: %s", pf_addr_str(to, a, sizeof(a)), strerror(errno));
		return -errno;
	}
	if (len >= 2)
		tp->c->out[b[1]]++;
	return 0;
}

int
pf_tport_init(struct pf_tport *tp, struct event_base *base, struct pf_ncount *c, const struct pf_prefix *allow,
	      int n_allow, pf_tport_rx *rx, void *rx_arg)
{
	tp->base = base;
	tp->c = c;
	tp->rx = rx;
	tp->rx_arg = rx_arg;
	if (n_allow > 0)
		memcpy(tp->allow, allow, (size_t)n_allow * sizeof(*allow));
	tp->n_allow = n_allow;
	if ((tp->refused_timer = evtimer_new(base, on_refused_timer, tp)) == NULL)
		return -ENOMEM;
	return 0;
}

int
pf_tport_open(struct pf_tport *tp, const struct pf_addr *a, char *err, size_t len)
{
	struct pf_tport_sock *s = &tp->socks[tp->n_socks];
	int fd;

	if (tp->n_socks == PF_TPORT_SOCKS_MAX) {
		snprintf(err, len, "at most %d addresses", PF_TPORT_SOCKS_MAX);
		return -EINVAL;
	}
	if ((fd = pf_sock_open(a, err, len)) < 0)
		return fd;
	s->tp = tp;
	s->fd = fd;
	s->addr = *a;
	if ((s->ev = event_new(tp->base, fd, EV_READ | EV_PERSIST, on_read, s)) == NULL || event_add(s->ev, NULL) != 0) {
		snprintf(err, len, "out of memory");
		close(fd);
		return -ENOMEM;
	}
	tp->n_socks++;
	return 0;
}

void
pf_tport_fini(struct pf_tport *tp)
{
	for (int i = 0; i < tp->n_socks; i++) {
		event_free(tp->socks[i].ev);
		close(tp->socks[i].fd);
	}
	tp->n_socks = 0;
	if (tp->refused_timer)
		event_free(tp->refused_timer);
	tp->refused_timer = NULL;
}
