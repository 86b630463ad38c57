/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_gate (see cd_gate.h): what a well-framed head asks, checked in the front door's order. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cd_auth.h"
#include "cd_gate.h"
#include "cd_head.h"
#include "cd_www.h"

void
cd_gate_conn_read(struct cd_gate_conn *c, int fd)
{
	socklen_t n = sizeof(c->peer);

	if (c->read)
		return;
	c->read = true;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&c->peer, &n) < 0)
		c->peer.ss_family = AF_UNSPEC;
	n = sizeof(c->local);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&c->local, &n) < 0)
		c->local.ss_family = AF_UNSPEC;
}

bool
cd_gate_open_path(const char *path, bool get)
{
	if (get)
		return cd_www_path(path) && cd_www_entry(path);
	/* a new box's enrolment carries its one-time token in its body */
	return strcmp(path, "/api/v1/login") == 0 || strcmp(path, "/api/v1/logout") == 0 ||
	       strcmp(path, "/api/v1/enrol") == 0;
}

/* Is the client on loopback (127/8, ::1, ::ffff:127.x)? */
static bool
peer_loopback(const struct cd_gate_conn *c)
{
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)&c->peer;

	if (c->peer.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&c->peer)->sin_addr.s_addr) >> 24) == 127;
	if (c->peer.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&p6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr) && p6->sin6_addr.s6_addr[12] == 127);
	return false;
}

/* Is the address literal @h this connection's local address, or loopback? */
static bool
host_addr_ok(const struct cd_gate_conn *c, const char *h, bool v6)
{
	const struct sockaddr_in6 *l6 = (const struct sockaddr_in6 *)&c->local;
	const struct sockaddr_in *l4 = (const struct sockaddr_in *)&c->local;
	struct in6_addr a6;
	struct in_addr a4;

	if (v6) {
		if (inet_pton(AF_INET6, h, &a6) != 1)
			return false;
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (c->local.ss_family == AF_INET6 && memcmp(&a6, &l6->sin6_addr, sizeof(a6)) == 0);
	}
	if (inet_pton(AF_INET, h, &a4) != 1)
		return false;
	if ((ntohl(a4.s_addr) >> 24) == 127)
		return true;
	if (c->local.ss_family == AF_INET)
		return a4.s_addr == l4->sin_addr.s_addr;
	/* an IPv4 client of a [::] listener: ::ffff:a.b.c.d */
	return c->local.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr) &&
	       memcmp(&l6->sin6_addr.s6_addr[12], &a4, 4) == 0;
}

/* Does the Host field @v name this box? Its port is not looked at (a
 * forwarded port is fine): a name is what DNS rebinding changes. */
static bool
host_ok(const struct cd_gate_conf *cf, const struct cd_gate_conn *c, const char *v)
{
	char h[256];
	size_t n;

	if (v[0] == '[') {
		const char *rb = strchr(v, ']');

		if (rb == NULL || (size_t)(rb - v) >= sizeof(h) || (rb[1] != '\0' && rb[1] != ':'))
			return false;
		snprintf(h, sizeof(h), "%.*s", (int)(rb - v - 1), v + 1);
		return host_addr_ok(c, h, true) ||
		       (cf->listen_host != NULL && strcasecmp(cf->listen_host, h) == 0);
	}
	n = strcspn(v, ":");
	if (n == 0 || n >= sizeof(h) || (v[n] == ':' && strchr(v + n + 1, ':') != NULL))
		return false;
	snprintf(h, sizeof(h), "%.*s", (int)n, v);
	if (h[n - 1] == '.')	/* the root's dot: the same name */
		h[--n] = '\0';
	if (n == 0)
		return false;
	if (strcasecmp(h, "localhost") == 0 || host_addr_ok(c, h, false))
		return true;
	if (cf->listen_host != NULL && strcasecmp(cf->listen_host, h) == 0)
		return true;
	for (const char *const *s = cf->names; s != NULL && *s != NULL; s++) {
		size_t sn = strlen(*s);

		if (sn > 0 && (*s)[sn - 1] == '.')
			sn--;
		if (sn == n && strncasecmp(*s, h, n) == 0)
			return true;
	}
	return false;
}

/* Is the request cross-origin: an Origin other than its own (scheme and
 * Host), or a browser's Sec-Fetch-Site other than same-origin or none
 * (the user's own navigation)? */
static bool
cross_origin(const struct cd_gate_conf *cf, const char *origin, const char *host, const char *site)
{
	const char *scheme = cf->https ? "https://" : "http://";
	size_t sn = strlen(scheme);

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return true;
	if (origin == NULL)
		return false;
	return host == NULL || strncasecmp(origin, scheme, sn) != 0 || strcasecmp(origin + sn, host) != 0;
}

/* Is @v (a Content-Type field's value) application/json, with or without
 * parameters? */
static bool
is_json_type(const char *v)
{
	static const char t[] = "application/json";

	if (v == NULL || strncasecmp(v, t, sizeof(t) - 1) != 0)
		return false;
	v += sizeof(t) - 1;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || *v == ';';
}

/* A request with its credential: not from another origin, and a write
 * as JSON. 0, or -1 refused. */
static int
check_origin(const struct cd_gate_conf *cf, const struct cd_head *hd, bool write, bool page,
	     struct cd_head_no *no)
{
	/* a link to the page from elsewhere is a navigation: it loads, and
	 * nothing it could carry is used (the session cookie is SameSite) */
	if (cross_origin(cf, hd->origin, hd->host, hd->site) &&
	    (write || !page || (hd->mode != NULL && strcmp(hd->mode, "navigate") != 0)))
		return cd_head_no(no, 403, "cross_origin", "a request from another origin (Origin, "
				  "Sec-Fetch-Site) is refused");
	if (write && !is_json_type(hd->ctype))
		return cd_head_no(no, 415, "bad_content_type", "a write carries Content-Type: "
				  "application/json");
	return 0;
}

int
cd_gate_check(const struct cd_gate_conf *cf, const struct cd_gate_conn *c,
	      const struct cd_head *hd, struct cd_head_no *no)
{
	const char *m = hd->method, *path = hd->path;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	bool write = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
		     strcmp(m, "DELETE") == 0;
	bool page = path[0] != '\0' && cd_www_path(path);

	if (!c->tls && !cf->plain_ok && !peer_loopback(c))
		return cd_head_no(no, 403, "tls_required", "this sxcd answers plain HTTP on loopback only: "
				  "use https (sxcd --tls-cert), or sxcd --insecure-plain-http");
	if (hd->host != NULL && !host_ok(cf, c, hd->host))
		return cd_head_no(no, 421, "bad_host", "this box is not known by that Host name (sxcd "
				  "--server-name names it)");
	/* past its burst, a source's guesses are not tried at all */
	if ((hd->authz == NULL || !cd_auth_over(cf->auth, (const struct sockaddr *)&c->peer)) &&
	    (cd_auth_bearer_ok(cf->auth, hd->authz) ||
	     (get && cd_auth_session_ok(cf->auth, hd->cookie, hd->skey, page)) ||
	     (hd->authz == NULL && cd_gate_open_path(path, get))))
		return check_origin(cf, hd, write, page, no);
	if (hd->authz == NULL)	/* nothing guessed: no throttle */
		return cd_head_no(no, 401, "unauthorized", "a bearer token (or the page's session) is "
				  "required");
	switch (cd_auth_failed(cf->auth, (const struct sockaddr *)&c->peer)) {
	case CD_AUTH_REFUSE:
		return cd_head_no(no, 401, "unauthorized", "that is not this sxcd's token");
	case CD_AUTH_THROTTLE:
		return cd_head_no(no, 429, "throttled", "too many wrong credentials from this address");
	case CD_AUTH_CLOSE:
		break;
	}
	return CD_GATE_CLOSE;
}
