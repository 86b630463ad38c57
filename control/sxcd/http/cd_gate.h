/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_gate: what a well-framed head asks, checked in the front door's order (cd_wire.h): TLS off loopback, Host, credential, origin, a write's type. */
/*
 * The order is the point: a request off loopback without TLS is refused
 * before its Host is looked at (403 tls_required), a Host that does not
 * name this box before any credential is tried (421: a rebound name never
 * gets to guess), then the credential (the bearer token, a read's page
 * session, or nothing for the page's entry and login/logout), a wrong
 * token counted against its source (cd_auth: 401, 429, or the connection
 * closed), and only a credited request has its origin (403) and a write
 * its Content-Type (415) looked at. No connection state: the caller
 * says what it knows of the connection.
 */
#ifndef CD_GATE_H
#define CD_GATE_H

#include <stdbool.h>
#include <sys/socket.h>

struct cd_auth;
struct cd_head;
struct cd_head_no;

struct cd_gate_conf {
	struct cd_auth *auth;
	bool https;			/* the scheme an Origin of our own has */
	const char *listen_host;	/* --listen's address as given */
	const char *const *names;	/* --server-name, NULL-terminated (NULL: none) */
	bool plain_ok;			/* plain HTTP from beyond loopback too */
};

/* The connection a head came on. */
struct cd_gate_conn {
	bool tls;			/* ciphered */
	bool read;			/* @peer and @local read */
	struct sockaddr_storage peer, local;	/* AF_UNSPEC: unknown */
};

/* @c's addresses read from its socket @fd, once. */
void cd_gate_conn_read(struct cd_gate_conn *c, int fd);

enum { CD_GATE_PASS = 0, CD_GATE_REFUSE = -1, CD_GATE_CLOSE = -2 };

/* @hd of connection @c checked: CD_GATE_PASS, CD_GATE_REFUSE with why in
 * @no, or CD_GATE_CLOSE (throttled: closed unanswered). */
int cd_gate_check(const struct cd_gate_conf *cf, const struct cd_gate_conn *c,
		  const struct cd_head *hd, struct cd_head_no *no);

/* Is @path one that goes without a credential: the page's entry and
 * what the login page needs (@get), login and logout (POST)? */
bool cd_gate_open_path(const char *path, bool get);

#endif
