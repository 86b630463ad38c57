/* sxdp control socket: the unix stream socket server (dp_ctl_*) around the
 * JSON-RPC layer (dp_rpc.c). Single-threaded, polled from the main lcore;
 * no EAL here so it can be unit-tested and fuzzed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* struct ucred, accept4 */
#endif
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "dp_ctl.h"

#define CTL_DEF_MODE		0660
#define CTL_DEF_MAX_MSG		(1u << 20)
#define CTL_DEF_MAX_CLIENTS	64
#define CTL_DEF_MAX_OUTQ	(16u << 20)
#define CTL_BACKLOG		64
/* Bytes read from one client at a time. */
#define CTL_READ_CHUNK		(64u << 10)
#define CTL_ACCEPT_BUDGET	16
#define CTL_DEF_MAX_MEM		(256u << 20)
#define CTL_DEF_IDLE_MS		(600u * 1000)
#define CTL_DEF_EVICT_IDLE_MS	(10u * 1000)
/* Calls (requests, or calls of a batch) of one client per round, so one
 * chatty client cannot keep the main lcore away from RCU, the slow path
 * and the other clients. */
#define CTL_DEF_CALLS_PER_ROUND	32
#define CTL_DEF_QUANTUM_MS	5
/* All clients' calls in one round: the slow path and RCU wait no longer. */
#define CTL_DEF_ROUND_MS	10
/* An idle client keeps at most this much input buffer. Up to this much
 * input and output per client is outside max_mem: clients parking long
 * lines cannot lock out the ones that send small requests. */
#define CTL_IN_KEEP		(64u << 10)
#define CTL_BASE		CTL_IN_KEEP
/* Responses to a client's pipelined requests leave together at the end of
 * its turn (one send() and one wake-up of the client for many), or as soon
 * as this much waits. */
#define CTL_SEND_AT		(64u << 10)

static void
log_stderr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void (*dp_ctl_log)(const char *fmt, ...) = log_stderr;
int (*dp_ctl_allow)(const struct dp_ctl_peer *peer);

/* ---- the socket server */

struct ctl_client {
	int fd;			/* -1: free slot */
	struct dp_ctl_peer peer;
	char *in;		/* received, not yet handled: lines, maybe a partial one */
	size_t in_off, in_len, in_cap;
	size_t scan;		/* in[in_off..scan) has no newline: searched once only */
	char *out;		/* responses not yet taken by the socket */
	size_t out_head, out_len, out_cap;
	struct dp_rpc_job *job;	/* a batch being answered a few calls per round */
	size_t job_bytes;	/* what the job holds, as last counted */
	uint64_t active_ms;	/* last time it sent or took bytes */
	struct dp_rpc_counts counts;	/* its calls, and those a fast path took */
	uint64_t vt;		/* ms of work done for it (virtual time): least served first */
	int busy;		/* had work at the start of the last round */
	size_t cost;		/* of its next call, this round (next_cost) */
	int discard;		/* inside a too long line: drop up to the next newline */
	int hold;		/* in its turn: responses wait for its end (CTL_SEND_AT) */
	int rd_eof;		/* peer will send no more: answer, flush, then close */
	const char *dead;	/* why it must be closed at the end of the round */
	char exclusive[DP_CTL_EXCLUSIVE_MAX];	/* the name it holds alone (dp_ctl_exclusive) */
};

static struct {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	size_t max_msg, max_outq, max_mem, mem;
	unsigned int max_clients, n_clients, next_id, calls_per_round;
	uint64_t idle_ms, evict_idle_ms, quantum_ms, round_ms;
	uint64_t vmin;			/* least vt of the busy clients */
	struct ctl_client *clients;
	struct pollfd *pfds;		/* [0] listener, [i + 1] clients[i] */
	unsigned int *order;		/* this round's order of service */
	struct ctl_client *cur;		/* client being dispatched */
	unsigned int rr;		/* first client served next round */
	int in_poll, close_deferred, accept_errno;
	unsigned int handed;		/* handed over (dp_ctl_hand_over): the one client kept */
} ctl = { .lfd = -1 };

static uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t (*dp_ctl_clock_ms)(void) = clock_ms;

unsigned int
dp_ctl_clients(void)
{
	return ctl.n_clients;
}

const struct dp_ctl_peer *
dp_ctl_current_peer(void)
{
	return ctl.cur != NULL ? &ctl.cur->peer : NULL;
}

void
dp_ctl_hand_over(unsigned int keep)
{
	ctl.handed = keep;
	/* connects are refused from now on (a unix listener shut for
	 * reading): clients retry and reach the successor at the path */
	if (ctl.lfd >= 0)
		shutdown(ctl.lfd, SHUT_RD);
}

bool
dp_ctl_has_client(unsigned int id)
{
	for (unsigned int i = 0; ctl.clients != NULL && i < ctl.max_clients; i++)
		if (ctl.clients[i].fd >= 0 && ctl.clients[i].peer.id == id)
			return true;
	return false;
}

int
dp_ctl_move(const char *path)
{
	if (ctl.lfd < 0)
		return -EBADF;
	if (strlen(path) >= sizeof(ctl.path))
		return -ENAMETOOLONG;
	if (rename(ctl.path, path) < 0)
		return -errno;
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	return 0;
}

static void client_close(struct ctl_client *c, const char *why);

int
dp_ctl_exclusive(const char *name)
{
	struct ctl_client *me = ctl.cur;
	int n = 0;

	if (me == NULL)
		return -ENOTCONN;
	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(me->exclusive))
		return -EINVAL;
	for (unsigned int i = 0; i < ctl.max_clients; i++) {
		struct ctl_client *c = &ctl.clients[i];

		if (c == me || c->fd < 0 || strcmp(c->exclusive, name) != 0)
			continue;
		/* closed now, not at the round's end: nothing it sent is run
		 * after the caller is answered */
		dp_ctl_log("ctl: client %u replaced as \"%s\" by client %u: what it sent and sxdp did not run "
			   "yet is dropped", c->peer.id, name, me->peer.id);
		client_close(c, "replaced");
		n++;
	}
	snprintf(me->exclusive, sizeof(me->exclusive), "%s", name);
	return n;
}

size_t
dp_ctl_memory(void)
{
	return ctl.mem;
}

static size_t
out_pending(const struct ctl_client *c)
{
	return c->out_len - c->out_head;
}

/* The next newline of c's input, or NULL. Every byte is searched once: a
 * client parking a 15 MiB partial line costs no memchr() per round. */
static const char *
next_nl(struct ctl_client *c)
{
	char *nl;

	if (c->scan < c->in_off)
		c->scan = c->in_off;
	nl = memchr(c->in + c->scan, '\n', c->in_len - c->scan);
	c->scan = nl != NULL ? (size_t)(nl - c->in) : c->in_len;
	return nl;
}

/* A whole request line is buffered (or the last one, at end of input). */
static bool
has_line(struct ctl_client *c)
{
	return c->in_len > c->in_off && (c->rd_eof || next_nl(c) != NULL);
}

static bool
has_work(struct ctl_client *c)
{
	return c->fd >= 0 && c->dead == NULL && (c->job != NULL || has_line(c));
}

/* Send an error line straight to the socket, past the output queue (which
 * may be what cannot grow); best effort, as the connection is closing. */
static void
client_say(struct ctl_client *c, char *line)
{
	size_t n = strlen(line);

	line[n] = '\n';   /* over the NUL: the line is sent by length */
	if (out_pending(c) == 0)
		(void)!send(c->fd, line, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
}

/* c would take the server past max_mem: told, and closed. */
static void
over_budget(struct ctl_client *c)
{
	dp_ctl_log("ctl: client %u: the server's buffers are at their %zu-byte limit, "
		   "disconnecting it", c->peer.id, ctl.max_mem);
	client_say(c, dp_rpc_error_line(DP_RPC_APP_ERROR, "memory_limit",
		"the server's buffers for all clients are full (%zu bytes): closing this "
		"connection; retry later or send smaller requests", ctl.max_mem));
	c->dead = "memory limit";
}

/* Grow *buf to at least need bytes, inside the server's memory budget
 * (a buffer's first CTL_BASE bytes are always granted). */
static int
grow(struct ctl_client *c, char **buf, size_t *cap, size_t need, size_t hint)
{
	size_t ncap = *cap ? *cap : hint;
	char *nb;

	while (ncap < need)
		ncap *= 2;
	if (ncap > CTL_BASE && ctl.mem - *cap + ncap > ctl.max_mem) {
		over_budget(c);
		return -1;
	}
	if ((nb = realloc(*buf, ncap)) == NULL) {
		c->dead = "out of memory";
		return -1;
	}
	ctl.mem = ctl.mem - *cap + ncap;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Write what the socket takes; 0, or -1 with c->dead set. */
static int
client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (out_pending(c) > 0) {
		n = send(c->fd, c->out + c->out_head, out_pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			c->dead = errno == EPIPE || errno == ECONNRESET ? "peer gone" : "write error";
			return -1;
		}
		c->out_head += (size_t)n;
		c->active_ms = dp_ctl_clock_ms();
	}
	if (c->out_head == c->out_len)
		c->out_head = c->out_len = 0;
	return 0;
}

/* Queue one response line. A client that leaves more than max_outq unread
 * is not reading at all; dropping it bounds our memory. */
static void
client_queue(struct ctl_client *c, const char *s, size_t len)
{
	if (c->dead != NULL)
		return;
	if (out_pending(c) > ctl.max_outq) {
		dp_ctl_log("ctl: client %u not reading its responses (%zu bytes queued), disconnecting",
			   c->peer.id, out_pending(c));
		c->dead = "output queue full";
		return;
	}
	if (c->out_cap - c->out_len < len + 1 && c->out_head > 0) {
		memmove(c->out, c->out + c->out_head, out_pending(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_cap - c->out_len < len + 1 &&
	    grow(c, &c->out, &c->out_cap, c->out_len + len + 1, 4096) < 0)
		return;
	memcpy(c->out + c->out_len, s, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	/* Sent right away, or at the end of the client's turn: most responses
	 * leave without ever waiting for POLLOUT. */
	if (!c->hold || out_pending(c) >= CTL_SEND_AT)
		client_flush(c);
}

static void
client_queue_free(struct ctl_client *c, char *s)
{
	client_queue(c, s, strlen(s));
	free(s);
}

/* An error about the connection itself (null id), sent before a close. */
static void
say_and_close(int fd, char *line)
{
	struct ctl_client tmp = { .fd = fd };

	client_say(&tmp, line);
	close(fd);
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* c's calls are dispatched from here to dispatched(c, before). */
static struct dp_rpc_counts
dispatching(struct ctl_client *c)
{
	ctl.cur = c;
	return dp_rpc_counts();
}

static void
dispatched(struct ctl_client *c, struct dp_rpc_counts before)
{
	struct dp_rpc_counts now = dp_rpc_counts();

	ctl.cur = NULL;
	c->counts.calls += now.calls - before.calls;
	c->counts.fast += now.fast - before.fast;
}

/* Run (part of) c's batch. */
static void
client_job(struct ctl_client *c, unsigned int *budget)
{
	struct dp_rpc_counts before = dispatching(c);
	char *resp = NULL;
	size_t bytes;
	int rc;

	rc = dp_rpc_step(c->job, budget, &resp);
	dispatched(c, before);
	bytes = dp_rpc_job_bytes(c->job);
	if (rc != 0) {
		dp_rpc_job_free(c->job);
		c->job = NULL;
		bytes = 0;
	}
	ctl.mem = ctl.mem - c->job_bytes + bytes;
	c->job_bytes = bytes;
	if (rc < 0) {
		dp_ctl_log("ctl: client %u: batch failed: %s", c->peer.id, strerror(-rc));
		client_queue(c, dp_rpc_oom_line(), strlen(dp_rpc_oom_line()));
	} else if (resp != NULL) {
		client_queue_free(c, resp);
	}
	if (c->job != NULL && ctl.mem > ctl.max_mem)
		over_budget(c);   /* its batch's reply grew past what is left */
}

static void
client_line(struct ctl_client *c, const char *line, size_t len)
{
	struct dp_rpc_counts before;
	char *resp = NULL;
	int rc;

	if (line[len - 1] == '\r')
		len--;
	before = dispatching(c);
	rc = dp_rpc_start(line, len, &c->job, &resp);
	dispatched(c, before);
	if (rc < 0) {
		dp_ctl_log("ctl: client %u: request failed: %s", c->peer.id, strerror(-rc));
		client_queue(c, dp_rpc_oom_line(), strlen(dp_rpc_oom_line()));
		return;
	}
	if (resp != NULL)
		client_queue_free(c, resp);
	if (c->job == NULL)
		return;
	/* A batch's tree is kept while it runs, over several rounds: it has
	 * to fit in what the others leave. If not, this batch is refused, not
	 * the connection. */
	c->job_bytes = dp_rpc_job_bytes(c->job);
	if (ctl.mem + c->job_bytes > ctl.max_mem) {
		dp_ctl_log("ctl: client %u: batch of %zu bytes decoded refused, the server's "
			   "buffers are full", c->peer.id, c->job_bytes);
		dp_rpc_job_free(c->job);
		c->job = NULL;
		client_queue_free(c, dp_rpc_error_line(DP_RPC_APP_ERROR, "memory_limit",
			"this batch needs %zu bytes once decoded and the server's buffers for all "
			"clients (%zu bytes) cannot hold it now: retry later or split it",
			c->job_bytes, ctl.max_mem));
		c->job_bytes = 0;
		return;
	}
	ctl.mem += c->job_bytes;
}

static void
client_too_large(struct ctl_client *c)
{
	dp_ctl_log("ctl: client %u: request line over %zu bytes, dropped", c->peer.id,
		   ctl.max_msg);
	json_t *r = json_pack("{s:s,s:n,s:{s:i,s:s,s:{s:s,s:s,s:I}}}", "jsonrpc", "2.0", "id",
			      "error", "code", DP_RPC_INVALID_REQUEST, "message",
			      "request line longer than the limit", "data", "reason", "too_large",
			      "pointer", "", "limit", (json_int_t)ctl.max_msg);
	char *s = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;

	json_decref(r);
	if (s != NULL)
		client_queue_free(c, s);
	else
		client_queue(c, dp_rpc_oom_line(), strlen(dp_rpc_oom_line()));
}

/* Handle c's buffered lines and batch, at most *budget calls: one client's
 * flood or 10,000-call batch waits for the next round instead of keeping
 * the others (and the slow path) waiting. */
static void
client_work(struct ctl_client *c, unsigned int *budget)
{
	uint64_t t0 = dp_ctl_clock_ms();

	c->hold = 1;
	/* and at most a slice of time: calls differ a lot in cost */
	while (*budget > 0 && c->dead == NULL && !ctl.close_deferred &&
	       dp_ctl_clock_ms() - t0 < ctl.quantum_ms) {
		const char *p, *nl;
		size_t n;

		if (c->job != NULL) {
			unsigned int one = 1;

			/* a batch one call at a time, so the slice is looked at
			 * between its calls */
			client_job(c, &one);
			*budget -= 1 - one;
			continue;
		}
		if (c->in_off == c->in_len)
			break;
		p = c->in + c->in_off;
		n = c->in_len - c->in_off;
		nl = next_nl(c);
		if (nl == NULL && !c->rd_eof)
			break;   /* the rest of the line has not come yet */
		if (nl != NULL)
			n = (size_t)(nl - p);
		c->in_off += n + (nl != NULL);
		if (blank(p, n))
			continue;   /* a human at socat/nc */
		(*budget)--;
		if (n > ctl.max_msg)
			client_too_large(c);
		else
			client_line(c, p, n);
	}
	c->hold = 0;   /* dp_ctl_poll sends what waits */
	if (c->in_off == c->in_len) {
		/* all handled: an idle client keeps a small buffer only */
		c->in_off = c->in_len = c->scan = 0;
		if (c->in_cap > CTL_IN_KEEP) {
			free(c->in);
			ctl.mem -= c->in_cap;
			c->in = NULL;
			c->in_cap = 0;
		}
	}
}

/* Take what c sent, once what it sent before is handled: a client's input
 * buffer holds at most one request line and one read. */
static void
client_read(struct ctl_client *c)
{
	size_t room;
	ssize_t n;
	char *nl;

	if (c->in_off > 0 && c->in_off == c->in_len)
		c->in_off = c->in_len = c->scan = 0;
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->scan = c->scan > c->in_off ? c->scan - c->in_off : 0;
		c->in_off = 0;
	}
	if (c->in_cap - c->in_len < CTL_READ_CHUNK &&
	    grow(c, &c->in, &c->in_cap, c->in_len + CTL_READ_CHUNK, CTL_READ_CHUNK) < 0)
		return;
	room = c->in_cap - c->in_len;
	for (;;) {
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			c->dead = errno == ECONNRESET ? "peer gone" : "read error";
		return;
	}
	c->active_ms = dp_ctl_clock_ms();
	if (n == 0) {
		/* A client may shut down its write side after the last request
		 * (socat, printf without newline): its partial line is answered. */
		c->rd_eof = 1;
		if (c->discard)
			c->in_len = c->scan = 0;
		return;
	}
	if (c->discard) {
		/* inside an over-long line: drop up to its newline */
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		if (nl == NULL)
			return;
		c->discard = 0;
		n -= nl + 1 - (c->in + c->in_len);
		memmove(c->in + c->in_len, nl + 1, (size_t)n);
	}
	c->in_len += (size_t)n;
	if (c->in_len > ctl.max_msg && next_nl(c) == NULL) {
		client_too_large(c);
		c->in_len = c->scan = 0;
		c->discard = 1;
	}
}

static void
client_close(struct ctl_client *c, const char *why)
{
	dp_ctl_log("ctl: client %u disconnected (%s) after %" PRIu64 " calls, %" PRIu64
		   " decoded by a fast path", c->peer.id, why, c->counts.calls, c->counts.fast);
	close(c->fd);
	dp_rpc_job_free(c->job);
	ctl.mem -= c->in_cap + c->out_cap + c->job_bytes;
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ctl.n_clients--;
}

/* The client idle longest, if it has been idle long enough to give its
 * place to a newcomer; NULL when none has. */
static struct ctl_client *
evictable(uint64_t now)
{
	struct ctl_client *best = NULL;

	for (unsigned int i = 0; i < ctl.max_clients; i++) {
		struct ctl_client *c = &ctl.clients[i];

		if (c->fd < 0 || has_work(c) || out_pending(c) || now <= c->active_ms ||
		    now - c->active_ms < ctl.evict_idle_ms)
			continue;
		if (best == NULL || c->active_ms < best->active_ms)
			best = c;
	}
	return best;
}

static void
ctl_accept(void)
{
	struct dp_ctl_peer peer;
	struct ctl_client *old;
	struct ucred cred;
	const char *why;
	socklen_t clen;
	unsigned int i, k;
	uint64_t now;
	int fd;

	for (k = 0; k < CTL_ACCEPT_BUDGET; k++) {
		fd = accept4(ctl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ctl.accept_errno) {
				/* Logged once per errno: EMFILE would repeat every round. */
				dp_ctl_log("ctl: accept: %s", strerror(errno));
				ctl.accept_errno = errno;
			}
			return;
		}
		ctl.accept_errno = 0;
		now = dp_ctl_clock_ms();
		cred.pid = 0;
		cred.uid = (uid_t)-1;
		cred.gid = (gid_t)-1;
		clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
			dp_ctl_log("ctl: SO_PEERCRED: %s", strerror(errno));
		peer.id = ++ctl.next_id;
		peer.pid = cred.pid;
		peer.uid = cred.uid;
		peer.gid = cred.gid;
		if (dp_ctl_allow != NULL && !dp_ctl_allow(&peer)) {
			dp_ctl_log("ctl: client %u refused pid=%ld uid=%ld gid=%ld: not allowed",
				   peer.id, (long)peer.pid, (long)peer.uid, (long)peer.gid);
			say_and_close(fd, dp_rpc_error_line(DP_RPC_APP_ERROR, "not_allowed",
				"this peer (uid %ld) may not use the control socket", (long)peer.uid));
			continue;
		}
		/* Full: the longest-idle client makes room; nobody idle: refused.
		 * Either way the one who loses its place is told why. */
		if (ctl.n_clients >= ctl.max_clients && (old = evictable(now)) != NULL) {
			client_queue_free(old, dp_rpc_error_line(DP_RPC_APP_ERROR, "evicted",
				"closed after %" PRIu64 " s idle to make room for a new client",
				(now - old->active_ms) / 1000));
			client_close(old, "idle, evicted for a new client");
		}
		why = ctl.n_clients >= ctl.max_clients ? "too many clients" : NULL;
		if (why != NULL) {
			dp_ctl_log("ctl: client %u refused pid=%ld uid=%ld gid=%ld: %s (%u connected)",
				   peer.id, (long)peer.pid, (long)peer.uid, (long)peer.gid, why,
				   ctl.n_clients);
			say_and_close(fd, dp_rpc_error_line(DP_RPC_APP_ERROR, "server_full",
				"server full: %u clients, none idle; retry later", ctl.n_clients));
			continue;
		}
		for (i = 0; ctl.clients[i].fd >= 0; i++)
			;
		memset(&ctl.clients[i], 0, sizeof(ctl.clients[i]));
		ctl.clients[i].fd = fd;
		ctl.clients[i].peer = peer;
		ctl.clients[i].active_ms = now;
		ctl.n_clients++;
		dp_ctl_log("ctl: client %u connected pid=%ld uid=%ld gid=%ld", peer.id,
			   (long)peer.pid, (long)peer.uid, (long)peer.gid);
	}
}

/* What c's next call is likely to cost, to break ties: a request line's
 * length (decoding dominates big ones); a batch's next call, or a client
 * whose request is still to come, counts as small. */
static size_t
next_cost(struct ctl_client *c)
{
	const char *nl;

	if (c->job != NULL || !c->busy)
		return 0;
	nl = next_nl(c);
	return (nl != NULL ? (size_t)(nl - c->in) : c->in_len) - c->in_off;
}

static bool
served_before(struct ctl_client *a, size_t cost_a, struct ctl_client *b, size_t cost_b)
{
	return a->vt < b->vt || (a->vt == b->vt && cost_a < cost_b);
}

/* This round's order of service: least work done first (virtual time vt),
 * then the cheaper next call, then in turn from ctl.rr. A client that had
 * no work at the last round starts at the least vt of the busy ones: no
 * credit for idling, and no debt either: a client that waits for each
 * answer is served within a round or two whatever it asked before. */
static void
round_order(void)
{
	unsigned int i, j, k, n = ctl.max_clients;
	uint64_t vmin = UINT64_MAX;
	struct ctl_client *c;
	size_t cost;

	for (i = 0; i < n; i++) {
		c = &ctl.clients[i];
		if (c->fd >= 0 && c->busy && c->vt < vmin)
			vmin = c->vt;
	}
	if (vmin != UINT64_MAX)
		ctl.vmin = vmin;
	for (k = 0; k < n; k++) {
		i = (ctl.rr + k) % n;
		c = &ctl.clients[i];
		if (!c->busy)
			c->vt = ctl.vmin;
		c->cost = next_cost(c);
		cost = c->cost;
		/* insertion sort: at most max_clients, and mostly in order */
		for (j = k; j > 0; j--) {
			struct ctl_client *p = &ctl.clients[ctl.order[j - 1]];

			if (!served_before(c, cost, p, p->cost))
				break;
			ctl.order[j] = ctl.order[j - 1];
		}
		ctl.order[j] = i;
	}
}

int
dp_ctl_poll(int timeout_ms)
{
	struct ctl_client *c;
	unsigned int i, k, budget;
	int rc, handled = 0;
	uint64_t now, now_c, t0, t;
	short re;

	if (ctl.lfd < 0)
		return -EBADF;
	if (ctl.in_poll)
		return -EBUSY;	/* a method pumping the main loop: no re-entry */
	for (i = 0; i < ctl.max_clients; i++) {
		c = &ctl.clients[i];
		ctl.pfds[i + 1].fd = c->fd;	/* poll() skips the -1 of free slots */
		c->busy = c->fd >= 0 && has_work(c);
		/* nothing more is read from a client until its lines are handled */
		ctl.pfds[i + 1].events = (c->rd_eof || c->busy ? 0 : POLLIN) |
					 (out_pending(c) ? POLLOUT : 0);
		if (c->busy)
			timeout_ms = 0;   /* work left from the last round */
	}
	rc = poll(ctl.pfds, ctl.max_clients + 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;

	ctl.in_poll = 1;
	now = t0 = t = dp_ctl_clock_ms();
	round_order();
	for (k = 0; k < ctl.max_clients && !ctl.close_deferred; k++) {
		i = ctl.order[k];
		c = &ctl.clients[i];
		re = ctl.pfds[i + 1].revents;
		if (c->fd < 0)
			continue;
		if (ctl.handed && c->peer.id != ctl.handed)
			c->dead = "handed over";
		else if (re & POLLNVAL)
			c->dead = "invalid fd";
		else if (!c->rd_eof && (re & (POLLIN | POLLHUP | POLLERR)))
			client_read(c);
		else if ((re & (POLLHUP | POLLERR)) && !(re & POLLOUT))
			c->dead = "peer gone";
		/* Once the round has used its time, the clients after this one
		 * only have their sockets served; they come first next round,
		 * having had less (vt). The first one always gets its share. */
		budget = ctl.calls_per_round;
		if (c->dead == NULL && (k == 0 || t - t0 < ctl.round_ms))
			client_work(c, &budget);
		handled += (int)(ctl.calls_per_round - budget);
		now_c = dp_ctl_clock_ms();
		/* + 1: calls cost, even quick ones (and the clock is coarse) */
		c->vt += now_c - t + (budget < ctl.calls_per_round);
		t = now_c;
		if (c->dead == NULL)
			client_flush(c);
		/* now was read before this round's reads stamped active_ms */
		if (c->dead == NULL && !has_work(c) && out_pending(c) == 0 && c->in_len == 0 &&
		    now > c->active_ms && now - c->active_ms >= ctl.idle_ms) {
			client_queue_free(c, dp_rpc_error_line(DP_RPC_APP_ERROR, "idle_timeout",
				"closed after %" PRIu64 " s without a request", (now - c->active_ms) / 1000));
			c->dead = "idle timeout";
		}
		if (c->dead != NULL)
			client_close(c, c->dead);
		else if (c->rd_eof && !has_work(c) && out_pending(c) == 0)
			client_close(c, "end of input");
	}
	ctl.rr = (ctl.rr + 1) % ctl.max_clients;
	/* After the clients: a slot filled now has no revents of its own yet. */
	if (!ctl.close_deferred && !ctl.handed && (ctl.pfds[0].revents & POLLIN))
		ctl_accept();
	ctl.in_poll = 0;
	if (ctl.close_deferred) {
		ctl.close_deferred = 0;
		dp_ctl_close();
	}
	return handled;
}

static void
ctl_free(void)
{
	free(ctl.clients);
	free(ctl.pfds);
	free(ctl.order);
	ctl.clients = NULL;
	ctl.pfds = NULL;
	ctl.order = NULL;
	ctl.n_clients = 0;
	ctl.cur = NULL;
}

static int
mkdir_parents(const char *path)
{
	char buf[sizeof(ctl.path)];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* A socket file nobody listens on is a leftover of a crash: remove it.
 * Never remove a live server's socket or something that is not a socket. */
static int
remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc == 0 ? 0 : errno;
	close(fd);
	if (rc == 0 || rc == EAGAIN || rc == EINPROGRESS)
		return -EADDRINUSE;
	if (rc != ECONNREFUSED)
		return -rc;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	dp_ctl_log("ctl: removed stale socket %s", sa->sun_path);
	return 0;
}

int
dp_ctl_open(const struct dp_ctl_opts *o)
{
	struct sockaddr_un sa;
	unsigned int mode, i;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (o == NULL || o->path == NULL || o->path[0] == '\0')
		return -EINVAL;
	if (ctl.lfd >= 0)
		return -EBUSY;
	if (strlen(o->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	mode = o->mode ? o->mode & 0777 : CTL_DEF_MODE;
	rc = dp_rpc_builtin_register();
	if (rc != 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, o->path, strlen(o->path));
	rc = mkdir_parents(o->path);
	if (rc == 0)
		rc = remove_stale(&sa);
	if (rc != 0) {
		dp_ctl_log("ctl: cannot use %s: %s", o->path, strerror(-rc));
		return rc;
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The umask narrows the window between bind and chmod in which the
	 * socket would have default permissions. */
	old = umask(~mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		dp_ctl_log("ctl: bind %s: %s", o->path, strerror(-rc));
		return rc;
	}
	if (chmod(o->path, mode) < 0 || stat(o->path, &st) < 0 || listen(fd, CTL_BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		unlink(o->path);
		dp_ctl_log("ctl: %s: %s", o->path, strerror(-rc));
		return rc;
	}

	ctl.max_msg = o->max_msg ? o->max_msg : CTL_DEF_MAX_MSG;
	ctl.max_clients = o->max_clients ? o->max_clients : CTL_DEF_MAX_CLIENTS;
	ctl.max_outq = o->max_outq ? o->max_outq : CTL_DEF_MAX_OUTQ;
	ctl.max_mem = o->max_mem ? o->max_mem : CTL_DEF_MAX_MEM;
	ctl.idle_ms = o->idle_timeout_ms ? o->idle_timeout_ms : CTL_DEF_IDLE_MS;
	ctl.evict_idle_ms = o->evict_idle_ms ? o->evict_idle_ms : CTL_DEF_EVICT_IDLE_MS;
	ctl.calls_per_round = o->calls_per_round ? o->calls_per_round : CTL_DEF_CALLS_PER_ROUND;
	ctl.quantum_ms = o->quantum_ms ? o->quantum_ms : CTL_DEF_QUANTUM_MS;
	ctl.round_ms = o->round_ms ? o->round_ms : CTL_DEF_ROUND_MS;
	ctl.mem = 0;
	ctl.rr = 0;
	ctl.vmin = 0;
	dp_rpc_set_limits(o->max_reply, o->max_batch);
	dp_rpc_set_decoded_limit(o->max_decoded);
	ctl.clients = calloc(ctl.max_clients, sizeof(*ctl.clients));
	ctl.pfds = calloc(ctl.max_clients + 1, sizeof(*ctl.pfds));
	ctl.order = calloc(ctl.max_clients, sizeof(*ctl.order));
	if (ctl.clients == NULL || ctl.pfds == NULL || ctl.order == NULL) {
		ctl_free();
		close(fd);
		unlink(o->path);
		return -ENOMEM;
	}
	for (i = 0; i < ctl.max_clients; i++)
		ctl.clients[i].fd = -1;
	ctl.pfds[0].fd = fd;
	ctl.pfds[0].events = POLLIN;
	snprintf(ctl.path, sizeof(ctl.path), "%s", o->path);
	ctl.dev = st.st_dev;
	ctl.ino = st.st_ino;
	ctl.n_clients = 0;
	ctl.accept_errno = 0;
	ctl.lfd = fd;
	dp_ctl_log("ctl: listening on %s (mode %04o, max %u clients, %zu bytes per request, "
		   "%zu bytes of buffers in all, idle clients closed after %" PRIu64 " s)",
		   ctl.path, mode, ctl.max_clients, ctl.max_msg, ctl.max_mem, ctl.idle_ms / 1000);
	return 0;
}

void
dp_ctl_close(void)
{
	struct stat st;
	unsigned int i;

	if (ctl.lfd < 0)
		return;
	if (ctl.in_poll) {
		ctl.close_deferred = 1;
		return;
	}
	for (i = 0; i < ctl.max_clients; i++)
		if (ctl.clients[i].fd >= 0)
			client_close(&ctl.clients[i], "server closing");
	close(ctl.lfd);
	ctl.lfd = -1;
	/* Only our own socket: another instance may have replaced it. */
	if (lstat(ctl.path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == ctl.dev &&
	    st.st_ino == ctl.ino)
		unlink(ctl.path);
	ctl_free();
}
