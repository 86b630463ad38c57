/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's credentials (see cd_auth.h): the token and its file, sessions, the throttle. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include "cd_auth.h"
#include "cd_cred.h"
#include "cd_clock.h"
#include "cd_log.h"
#include "cd_secret.h"

struct session {
	uint8_t id[CD_AUTH_SID_BYTES];
	uint8_t key[CD_AUTH_SID_BYTES];	/* what the page sends beside the cookie */
	uint64_t born, used;
	bool live;
	char name[64];		/* its credential, at @serial (0: the token file's) */
	uint64_t serial;
};

/* a source's bucket of wrong credentials */
struct source {
	uint8_t key[16];	/* IPv4 address, or IPv6 /64, family in @fam */
	uint8_t fam;
	bool used;
	bool over;		/* throttled since its last good standing */
	unsigned int tokens;
	unsigned int held;
	uint64_t last;		/* when tokens were last counted */
};

struct cd_auth {
	char *path;		/* NULL: no credential */
	bool tls;
	char token[CD_AUTH_TOKEN_MAX + 1];
	size_t token_len;
	struct stat seen;	/* the file as last read */
	struct event *watch;
	struct session sessions[CD_AUTH_SESSIONS];
	struct source sources[CD_AUTH_SOURCES];
	unsigned int held;
	uint64_t logged_at, quiet;
	uint64_t logins, logouts, failures, throttled, closed, revoked, reloads;
	struct cd_creds *creds;	/* the named credentials beside the token (NULL: none) */
};

/* ------------------------------------------------------------ the token */

/* The token in @path into @out (@len: its room); why not in @err. */
static int
token_read(const char *path, char *out, size_t *len, struct stat *st, char *err, size_t elen)
{
	char buf[CD_AUTH_TOKEN_MAX + 3];
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 || fstat(fd, st) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, elen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(err, elen, "%s: not a regular file", path);
		return -EINVAL;
	}
	/* the whole file, whatever it says its size is: a longer one is refused,
	 * never cut to what fits */
	n = read(fd, buf, sizeof(buf));
	e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, elen, "%s: %s", path, strerror(e));
		return -e;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if ((size_t)n > CD_AUTH_TOKEN_MAX) {
		snprintf(err, elen, "%s: a token is at most %d bytes; this file holds more", path,
			 CD_AUTH_TOKEN_MAX);
		return -E2BIG;
	}
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] <= 0x20 || (unsigned char)buf[i] >= 0x7f) {
			snprintf(err, elen, "%s: a token is one line of visible ASCII (no spaces, "
				 "no control characters)", path);
			return -EINVAL;
		}
	if (n < CD_AUTH_TOKEN_MIN) {
		snprintf(err, elen, "%s: a token is at least %d characters", path, CD_AUTH_TOKEN_MIN);
		return -EINVAL;
	}
	/* as OpenSSH takes no key every local user reads: the admin's token
	 * is the file's owner's and group's at most (the package's: root:sxdp
	 * 0640) */
	if (st->st_mode & (S_IRWXO | S_IWGRP)) {
		snprintf(err, elen, "%s: mode %04o lets %s: chmod o-rwx,g-w %s", path, (unsigned int)(st->st_mode & 07777),
			 st->st_mode & S_IRWXO ? "every local user read or change the admin's token" :
			 "its group change the admin's token", path);
		return -EPERM;
	}
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static void
revoke_all(struct cd_auth *a)
{
	for (int i = 0; i < CD_AUTH_SESSIONS; i++)
		if (a->sessions[i].live) {
			a->sessions[i].live = false;
			a->revoked++;
		}
}

static bool
same_file(const struct stat *x, const struct stat *y)
{
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino && x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == y->st_ctim.tv_sec && x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

/* The file changed: its token taken (sessions revoked when it is another),
 * or the old one kept while the file is unusable. */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct cd_auth *a = arg;
	char tok[CD_AUTH_TOKEN_MAX + 1], err[256];
	struct stat st;
	size_t n;

	(void)fd;
	(void)what;
	if (stat(a->path, &st) == 0 && same_file(&st, &a->seen))
		return;
	if (token_read(a->path, tok, &n, &st, err, sizeof(err)) < 0) {
		/* once per change of the file, not every look */
		if (stat(a->path, &st) < 0)
			memset(&st, 0, sizeof(st));
		if (!same_file(&st, &a->seen))
			CD_LOG(ERR, "the token file changed but cannot be used (%s): the token "
			       "stays what it was", err);
		a->seen = st;
		return;
	}
	a->seen = st;
	if (n != a->token_len || CRYPTO_memcmp(tok, a->token, n) != 0) {
		unsigned long before = (unsigned long)a->revoked;

		memcpy(a->token, tok, n + 1);
		a->token_len = n;
		revoke_all(a);
		a->reloads++;
		CD_LOG(INFO, "the token changed (%s): %lu session(s) revoked", a->path,
		       (unsigned long)a->revoked - before);
	}
	explicit_bzero(tok, sizeof(tok));
}

int
cd_auth_new(struct event_base *base, const char *token_file, bool tls, struct cd_auth **out,
	    char *err, size_t len)
{
	struct cd_auth *a = calloc(1, sizeof(*a));
	struct timeval tv = { CD_AUTH_WATCH_MS / 1000, (CD_AUTH_WATCH_MS % 1000) * 1000 };
	int rc;

	if (a == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	a->tls = tls;
	if (token_file != NULL) {
		if ((rc = token_read(token_file, a->token, &a->token_len, &a->seen, err, len)) < 0) {
			free(a);
			return rc;
		}
		if ((a->path = strdup(token_file)) == NULL ||
		    (a->watch = event_new(base, -1, EV_PERSIST, on_watch, a)) == NULL ||
		    event_add(a->watch, &tv) < 0) {
			cd_auth_free(a);
			snprintf(err, len, "out of memory");
			return -ENOMEM;
		}
	}
	*out = a;
	return 0;
}

void
cd_auth_free(struct cd_auth *a)
{
	if (a == NULL)
		return;
	if (a->watch != NULL)
		event_free(a->watch);
	free(a->path);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

bool
cd_auth_required(const struct cd_auth *a)
{
	return a->path != NULL;
}

/* Is @got (@n bytes) the token, in the same time whatever its first wrong byte? */
static bool
token_eq(const struct cd_auth *a, const char *got, size_t n)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < a->token_len; i++)
		diff |= (unsigned char)(a->token[i] ^ (i < n ? got[i] : 0));
	return diff == 0 && n == a->token_len;
}

void
cd_auth_set_creds(struct cd_auth *a, struct cd_creds *creds)
{
	a->creds = creds;
}

void
cd_who_clear(struct cd_who *who)
{
	json_decref(who->scope);
	who->scope = NULL;
}

/* The token file's: the admin, every intent. */
static void
admin(struct cd_who *who, const char *name)
{
	*who = (struct cd_who){ .role = CD_ROLE_ADMIN };
	snprintf(who->name, sizeof(who->name), "%s", name);
}

bool
cd_auth_token(const struct cd_auth *a, const char *token, struct cd_who *who)
{
	size_t n = token != NULL ? strnlen(token, CD_AUTH_TOKEN_MAX + 1) : 0;

	if (a->path == NULL) {
		admin(who, "anonymous");
		return true;
	}
	if (token == NULL)
		return false;
	if (token_eq(a, token, n)) {
		admin(who, "admin");
		return true;
	}
	if (!cd_creds_check(a->creds, token, n, who))
		return false;
	json_incref(who->scope);
	return true;
}

bool
cd_auth_bearer(const struct cd_auth *a, const char *v, struct cd_who *who)
{
	if (a->path == NULL)
		return cd_auth_token(a, NULL, who);
	/* credentials = auth-scheme 1*SP token68; the scheme is case-insensitive
	 * (RFC 7235 §2.1) */
	if (v == NULL || strncasecmp(v, "Bearer", 6) != 0 || v[6] != ' ')
		return false;
	for (v += 6; *v == ' '; v++)
		;
	return cd_auth_token(a, v, who);
}

bool
cd_auth_bearer_ok(const struct cd_auth *a, const char *v)
{
	struct cd_who who;
	bool ok = cd_auth_bearer(a, v, &who);

	if (ok)
		cd_who_clear(&who);
	return ok;
}

/* ------------------------------------------------------------ sessions */

static const char *
cookie_name(const struct cd_auth *a)
{
	/* __Host- needs Secure, which a browser takes over TLS only */
	return a->tls ? "__Host-sxcd_session" : "sxcd_session";
}

static bool
session_live(struct session *s, uint64_t now)
{
	if (s->live && (now - s->used > CD_AUTH_IDLE_MS || now - s->born > CD_AUTH_LIFE_MS))
		s->live = false;
	return s->live;
}

/* @n bytes of hex at @v into @out: the end, NULL when they are not that. */
static const char *
unhex(const char *v, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (strspn(v + 2 * i, "0123456789abcdef") < 2 || sscanf(v + 2 * i, "%2x", &b) != 1)
			return NULL;
		out[i] = (uint8_t)b;
	}
	return v + 2 * n;
}

/*
 * The session a cookie of @cookie names and, unless @page, whose key
 * @key (the page's X-Sxcd-Session) is: NULL, none. Every cookie of our
 * name is looked at (one planted beside ours, with a longer path that a
 * browser sends first, does not hide it); a cookie alone opens the page's
 * files (code, no data) and nothing else.
 */
static struct session *
session_of(struct cd_auth *a, const char *cookie, const char *key, bool page)
{
	const char *name = cookie_name(a), *v, *end;
	size_t nl = strlen(name);
	uint8_t id[CD_AUTH_SID_BYTES], k[CD_AUTH_SID_BYTES];
	uint64_t now = cd_clock_ms();
	bool have_key = key != NULL && (end = unhex(key, k, sizeof(k))) != NULL && *end == '\0';

	if (!page && !have_key)
		return NULL;
	/* cookie-string = cookie-pair *( ";" SP cookie-pair ) (RFC 6265 §4.2.1) */
	for (v = cookie; v != NULL; v = strchr(v, ';')) {
		while (*v == ';' || *v == ' ')
			v++;
		if (strncmp(v, name, nl) != 0 || v[nl] != '=')
			continue;
		if ((end = unhex(v + nl + 1, id, sizeof(id))) == NULL || (*end != '\0' && *end != ';'))
			continue;
		for (int i = 0; i < CD_AUTH_SESSIONS; i++) {
			struct session *s = &a->sessions[i];

			if (session_live(s, now) && CRYPTO_memcmp(s->id, id, sizeof(id)) == 0 &&
			    (!have_key ? page : CRYPTO_memcmp(s->key, k, sizeof(k)) == 0))
				return s;
		}
	}
	return NULL;
}

bool
cd_auth_session(struct cd_auth *a, const char *cookie, const char *key, bool page, struct cd_who *who)
{
	struct session *s;

	if (a->path == NULL)
		return cd_auth_token(a, NULL, who);
	if ((s = session_of(a, cookie, key, page)) == NULL)
		return false;
	if (s->serial == 0) {
		admin(who, s->name);
	} else {
		/* its credential as it is now: revoked or rotated, the session ends */
		*who = (struct cd_who){ .serial = s->serial };
		snprintf(who->name, sizeof(who->name), "%s", s->name);
		if (!cd_creds_live(a->creds, who)) {
			s->live = false;
			a->revoked++;
			return false;
		}
		json_incref(who->scope);
	}
	s->used = cd_clock_ms();
	return true;
}

bool
cd_auth_session_ok(struct cd_auth *a, const char *cookie, const char *key, bool page)
{
	struct cd_who who;
	bool ok = cd_auth_session(a, cookie, key, page, &who);

	if (ok)
		cd_who_clear(&who);
	return ok;
}

int
cd_auth_login(struct cd_auth *a, const struct cd_who *who, char *set_cookie, size_t len, char *key)
{
	struct session *s = NULL;
	uint64_t now = cd_clock_ms();
	char hex[2 * CD_AUTH_SID_BYTES + 1];
	int i;

	/* a free slot, else the least recently used */
	for (i = 0; i < CD_AUTH_SESSIONS; i++) {
		struct session *c = &a->sessions[i];

		if (!session_live(c, now)) {
			s = c;
			break;
		}
		if (s == NULL || c->used < s->used)
			s = c;
	}
	if (getrandom(s->id, sizeof(s->id), 0) != (ssize_t)sizeof(s->id) ||
	    getrandom(s->key, sizeof(s->key), 0) != (ssize_t)sizeof(s->key))
		return -EAGAIN;
	cd_hex(key, s->key, sizeof(s->key));
	s->born = s->used = now;
	s->live = true;
	snprintf(s->name, sizeof(s->name), "%s", who->name);
	s->serial = who->serial;
	a->logins++;
	cd_hex(hex, s->id, sizeof(s->id));
	snprintf(set_cookie, len, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", cookie_name(a), hex,
		 a->tls ? "; Secure" : "");
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

void
cd_auth_logout(struct cd_auth *a, const char *cookie, const char *key, char *set_cookie, size_t len)
{
	/* its key too: a cookie alone (a co-hosted page's) ends nobody's session */
	struct session *s = session_of(a, cookie, key, false);

	if (s != NULL) {
		s->live = false;
		a->logouts++;
	}
	snprintf(set_cookie, len, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		 cookie_name(a), a->tls ? "; Secure" : "");
}

/* ------------------------------------------------------------ throttle */

static void
key_of(const struct sockaddr *sa, uint8_t key[16], uint8_t *fam)
{
	memset(key, 0, 16);
	*fam = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t v4m[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(b, v4m, 12) == 0) {	/* an IPv4 client of a [::] listener */
			*fam = AF_INET;
			memcpy(key, b + 12, 4);
		} else {
			memcpy(key, b, 8);	/* one host holds a /64 */
		}
	}
}

/* @src's bucket (made, the least recently used one given up for it when
 * @make), NULL: none. Its tokens counted up to now. */
static struct source *
source_of(struct cd_auth *a, const struct sockaddr *src, bool make)
{
	struct source *s = NULL, *lru = NULL;
	uint64_t now = cd_clock_ms();
	uint8_t key[16], fam;

	key_of(src, key, &fam);
	for (int i = 0; i < CD_AUTH_SOURCES && s == NULL; i++) {
		struct source *c = &a->sources[i];

		if (c->used && c->fam == fam && memcmp(c->key, key, 16) == 0)
			s = c;
		else if (c->held == 0 && (lru == NULL || !c->used || (lru->used && c->last < lru->last)))
			lru = c;
	}
	if (s == NULL) {
		if (!make || lru == NULL)
			return NULL;
		s = lru;
		*s = (struct source){ .fam = fam, .used = true, .tokens = CD_AUTH_BURST, .last = now };
		memcpy(s->key, key, 16);
	}
	if (s->tokens < CD_AUTH_BURST && now - s->last >= CD_AUTH_REFILL_MS) {
		uint64_t n = (now - s->last) / CD_AUTH_REFILL_MS;

		s->tokens = n >= CD_AUTH_BURST - s->tokens ? CD_AUTH_BURST : s->tokens + (unsigned int)n;
		s->last += n * CD_AUTH_REFILL_MS;
	}
	if (s->tokens == CD_AUTH_BURST) {
		s->last = now;
		s->over = false;
	}
	return s;
}

/* One line per source per burst of wrong credentials, at most one per
 * CD_AUTH_LOG_MS in all. */
static void
log_burst(struct cd_auth *a, const struct sockaddr *src)
{
	uint64_t now = cd_clock_ms();
	char addr[INET6_ADDRSTRLEN] = "?";

	if (a->logged_at != 0 && now - a->logged_at < CD_AUTH_LOG_MS) {
		a->quiet++;
		return;
	}
	if (src->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)src)->sin_addr, addr, sizeof(addr));
	else if (src->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)src)->sin6_addr, addr, sizeof(addr));
	CD_LOG(WARN, "http: %d wrong credentials from %s: its answers are held (429) from now on, "
	       "one a %u ms (%lu wrong in all%s)", CD_AUTH_BURST, addr, CD_AUTH_REFILL_MS,
	       (unsigned long)a->failures, a->quiet ? ", other sources throttled meanwhile" : "");
	a->logged_at = now;
	a->quiet = 0;
}

bool
cd_auth_over(struct cd_auth *a, const struct sockaddr *src)
{
	struct source *s = source_of(a, src, false);

	return s != NULL && s->tokens == 0;
}

enum cd_auth_verdict
cd_auth_failed(struct cd_auth *a, const struct sockaddr *src)
{
	struct source *s = source_of(a, src, true);

	a->failures++;
	if (s == NULL) {	/* every bucket holds answers: the table is the bound */
		a->closed++;
		a->throttled++;
		return CD_AUTH_CLOSE;
	}
	if (s->tokens > 0) {
		s->tokens--;
		return CD_AUTH_REFUSE;
	}
	if (!s->over) {
		s->over = true;
		log_burst(a, src);
	}
	a->throttled++;
	if (s->held >= CD_AUTH_HELD_PER_SRC || a->held >= CD_AUTH_HELD_MAX) {
		a->closed++;
		return CD_AUTH_CLOSE;
	}
	return CD_AUTH_THROTTLE;
}

unsigned int
cd_auth_hold_ms(struct cd_auth *a, const struct sockaddr *src)
{
	struct source *s = source_of(a, src, false);
	uint64_t now = cd_clock_ms(), next;

	if (s == NULL || s->tokens > 0)
		return 0;
	next = s->last + CD_AUTH_REFILL_MS;
	return next <= now ? 0 : next - now > CD_AUTH_HOLD_MAX_MS ? CD_AUTH_HOLD_MAX_MS :
	       (unsigned int)(next - now);
}

void
cd_auth_held(struct cd_auth *a, const struct sockaddr *src, bool on)
{
	struct source *s = source_of(a, src, false);

	if (on) {
		a->held++;
		if (s != NULL)
			s->held++;
		return;
	}
	if (a->held > 0)
		a->held--;
	if (s != NULL && s->held > 0)
		s->held--;
}

json_t *
cd_auth_stats(const struct cd_auth *a)
{
	uint64_t now = cd_clock_ms();
	unsigned int live = 0;

	for (int i = 0; i < CD_AUTH_SESSIONS; i++)
		live += a->sessions[i].live && now - a->sessions[i].used <= CD_AUTH_IDLE_MS &&
			now - a->sessions[i].born <= CD_AUTH_LIFE_MS;
	return json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "mode",
			 a->path ? "token" : "none", "tls", a->tls, "sessions", (json_int_t)live,
			 "logins", (json_int_t)a->logins, "logouts", (json_int_t)a->logouts,
			 "failures", (json_int_t)a->failures, "throttled", (json_int_t)a->throttled,
			 "closed", (json_int_t)a->closed, "revoked", (json_int_t)a->revoked,
			 "reloads", (json_int_t)a->reloads, "held", (json_int_t)a->held);
}
