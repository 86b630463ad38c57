/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's view of the WAN links over rtnetlink: the socket, its dumps and its changes (see cd_nl.h; the messages are cd_nlview's). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <event2/event.h>

#include "cd_log.h"
#include "cd_nl.h"
#include "cd_nlview.h"

struct cd_nl {
	struct mnl_socket *ev;		/* subscribed to the changes */
	struct event *rd, *settle;
	cd_nl_changed *changed;
	void *arg;
	struct cd_nlview *st;		/* what the kernel said, and the view of it */
	json_t *view;			/* as of the last settle (st's) */
};

static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cd_nl *n = data;

	cd_nlview_msg(n->st, nlh);
	return MNL_CB_OK;
}

/* ------------------------------------------------------------- dumps */

/* Dump @type of family @af (routes and neighbours one family at a time:
 * the ones read, not every family the kernel has). */
static int
dump(struct mnl_socket *s, uint16_t type, size_t hdrlen, uint8_t af, struct cd_nl *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned int seq = (unsigned int)time(NULL) + type, portid = mnl_socket_get_portid(s);
	struct rtgenmsg *g;
	ssize_t len;
	int rc;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	g->rtgen_family = af;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((len = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, msg_cb, n);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -errno : 0;
	}
	return len < 0 ? -errno : 0;
}

static void
on_settle(evutil_socket_t fd, short what, void *arg)
{
	struct cd_nl *n = arg;

	(void)fd;
	(void)what;
	n->view = cd_nlview_build(n->st);
	n->changed(n->arg);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct cd_nl *n = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct timeval tv = { 0, CD_NL_SETTLE_MS * 1000 };
	ssize_t len;

	(void)fd;
	(void)what;
	while ((len = mnl_socket_recvfrom(n->ev, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)len, 0, 0, msg_cb, n);
	if (len < 0 && errno == ENOBUFS)	/* events lost: the next change's dump is whole */
		CD_LOG(WARN, "netlink: events lost (ENOBUFS)");
	if (!evtimer_pending(n->settle, NULL))
		evtimer_add(n->settle, &tv);
}

struct cd_nl *
cd_nl_new(struct event_base *base, cd_nl_changed *changed, void *arg)
{
	struct cd_nl *n = calloc(1, sizeof(*n));
	struct mnl_socket *d = NULL;
	int err;

	if (n == NULL)
		return NULL;
	*n = (struct cd_nl){ .changed = changed, .arg = arg, .st = cd_nlview_new() };
	/* subscribe first, then dump: a change in between is seen twice, not lost */
	if (n->st == NULL || (n->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(n->ev, RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_NEIGH,
			    MNL_SOCKET_AUTOPID) < 0 ||
	    (d = mnl_socket_open(NETLINK_ROUTE)) == NULL || mnl_socket_bind(d, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    dump(d, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC, n) < 0 ||
	    dump(d, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET, n) < 0 ||
	    dump(d, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET6, n) < 0 ||
	    dump(d, RTM_GETNEIGH, sizeof(struct ndmsg), AF_INET, n) < 0 ||
	    dump(d, RTM_GETNEIGH, sizeof(struct ndmsg), AF_INET6, n) < 0 ||
	    (n->rd = event_new(base, mnl_socket_get_fd(n->ev), EV_READ | EV_PERSIST, on_readable, n)) == NULL ||
	    (n->settle = evtimer_new(base, on_settle, n)) == NULL || event_add(n->rd, NULL) < 0) {
		err = errno;
		if (d != NULL)
			mnl_socket_close(d);
		cd_nl_free(n);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	mnl_socket_close(d);
	n->view = cd_nlview_build(n->st);
	return n;
}

void
cd_nl_free(struct cd_nl *n)
{
	if (n == NULL)
		return;
	if (n->rd != NULL)
		event_free(n->rd);
	if (n->settle != NULL)
		event_free(n->settle);
	if (n->ev != NULL)
		mnl_socket_close(n->ev);
	cd_nlview_free(n->st);
	free(n);
}

json_t *
cd_nl_view(struct cd_nl *n)
{
	return n->view;
}
