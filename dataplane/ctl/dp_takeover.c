/* SPDX-License-Identifier: BSD-3-Clause */
/* dp_takeover: a new sxdp takes the running one's tables, state and ports (see dp_takeover.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <rte_launch.h>

#include "dp_apidef.h"
#include "dp_ctl.h"
#include "dp_feature.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_table.h"
#include "dp_takeover.h"
#include "dp_worker.h"

#define CALL_TIMEOUT_MS 30000    /* one call to the old sxdp: a page of a big table included */
#define READ_PAGE       1000     /* table.read's limit (DP_APIDEF_READ_LIMIT_MAX or less) */
#define TRIES           5        /* copies redone when the old one's tables moved meanwhile */
#define FLUSH_MS        3000     /* the taker reading the hand-over */

static unsigned int taker;        /* the client that took over (dp_ctl_peer.id), 0: none */

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---------------------------------------------------------------- old side */

/* Is the process behind the caller this executable, run by this user? */
static bool
same_binary(const struct dp_ctl_peer *p)
{
	char mine[PATH_MAX], theirs[PATH_MAX], link[64];
	ssize_t a, b;

	if (p == NULL || p->uid != geteuid())
		return false;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)p->pid);
	a = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	b = readlink(link, theirs, sizeof(theirs) - 1);
	if (a <= 0 || b <= 0)
		return false;
	mine[a] = theirs[b] = '\0';
	/* an upgrade replaces the file: the running one's link says "(deleted)" */
	if (a > 10 && strcmp(mine + a - 10, " (deleted)") == 0)
		mine[a - 10] = '\0';
	return strcmp(mine, theirs) == 0;
}

static int
m_takeover(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result, struct dp_rpc_err *err,
	   void *arg __rte_unused)
{
	const struct dp_ctl_peer *peer = dp_ctl_current_peer();
	struct timespec t0;
	double stopped_ms;
	unsigned int xsks;
	json_t *states;

	if (!same_binary(peer))
		return dp_rpc_err_set(err, -32001, "not_allowed", NULL, "only an sxdp of this executable, run by "
				      "this user, takes over");
	if (dp_handed_over)
		return dp_rpc_err_set(err, -32001, "handed_over", NULL, "this sxdp handed over already");
	if (v[0].u != dp_tables_generation())
		return dp_rpc_err_set(err, -32001, "changed", "/generation", "the tables moved on (generation %"
				      PRIu64 "): copy them again", dp_tables_generation());
	/* the workers' last burst, then nobody reads a port here again */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dp_quit = true;
	rte_eal_mp_wait_lcore();
	dp_handed_over = true;
	stopped_ms = ms_since(&t0);
	states = json_object();
	for (unsigned int i = 0; i < dp_feature_count(); i++) {
		const struct dp_feature *f = dp_feature_get(i);
		json_t *s;

		if (f->handover_out != NULL && (s = f->handover_out()) != NULL)
			json_object_set_new(states, f->name, s);
	}
	xsks = dp_ports_release();
	taker = peer->id;
	dp_ctl_hand_over(taker);
	DP_LOG(INFO, "takeover: handed the ports and state to process %d (client %u): workers stopped in %.1f ms, "
	       "ports closed in %.1f ms (%u AF_XDP sockets); exiting", (int)peer->pid,
	       peer->id, stopped_ms, ms_since(&t0) - stopped_ms, xsks);
	*result = json_pack("{s:o}", "features", states);
	return 0;
}

int
dp_takeover_register(void)
{
	return dp_rpc_register(&dp_apidef_sys_takeover, m_takeover, NULL, NULL);
}

void
dp_takeover_flush(void)
{
	struct timespec t0;

	if (taker == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		dp_ctl_poll(10);
	while (dp_ctl_has_client(taker) && ms_since(&t0) < FLUSH_MS);
}

/* ---------------------------------------------------------------- new side */

struct conn {
	int fd;
	unsigned int id;
	char *buf;
	size_t len, cap;
};

/* One line from the old sxdp (no newline, NUL-terminated in c->buf), or NULL. */
static char *
read_line(struct conn *c, size_t *n)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t r;

		if (nl != NULL) {
			*nl = '\0';
			*n = (size_t)(nl - c->buf);
			return c->buf;
		}
		if (c->len + 65536 > c->cap) {
			/* not realloc: what was read (keys: the overlay's SAs)
			 * is wiped, never left behind in freed memory */
			char *b = malloc(c->cap * 2 + 65536);

			if (b == NULL)
				return NULL;
			if (c->buf != NULL) {
				memcpy(b, c->buf, c->len);
				explicit_bzero(c->buf, c->cap);
				free(c->buf);
			}
			c->buf = b;
			c->cap = c->cap * 2 + 65536;
		}
		if (poll(&p, 1, CALL_TIMEOUT_MS) <= 0 || (r = read(c->fd, c->buf + c->len, c->cap - c->len)) <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

/* Drop the line read_line gave. */
static void
consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n + 1, c->len - n - 1);
	c->len -= n + 1;
}

/* method(params) at the old sxdp: its result (new), or NULL with err set. */
static json_t *
call(struct conn *c, const char *method, json_t *params, char *err, size_t errlen, const char **reason)
{
	json_t *req = json_pack("{s:s,s:I,s:s,s:o}", "jsonrpc", "2.0", "id", (json_int_t)++c->id, "method", method,
				"params", params), *resp, *res;
	char *text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL, *line;
	static char why[48];
	size_t n, off = 0, len;

	json_decref(req);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", method);
		return NULL;
	}
	len = strlen(text);
	text[len++] = '\n';   /* json_dumps's NUL becomes the newline */
	while (off < len) {
		ssize_t w = write(c->fd, text + off, len - off);

		if (w <= 0) {
			free(text);
			snprintf(err, errlen, "%s: writing to the running sxdp: %s", method, strerror(errno));
			return NULL;
		}
		off += (size_t)w;
	}
	free(text);
	if ((line = read_line(c, &n)) == NULL) {
		snprintf(err, errlen, "%s: no answer from the running sxdp", method);
		return NULL;
	}
	resp = json_loadb(line, n, 0, NULL);
	consume(c, n);
	if ((res = json_object_get(resp, "result")) != NULL) {
		json_incref(res);
		json_decref(resp);
		return res;
	}
	snprintf(why, sizeof(why), "%s", json_string_value(json_object_get(json_object_get(json_object_get(
		 resp, "error"), "data"), "reason")) ?: "");
	if (reason != NULL)
		*reason = why;
	snprintf(err, errlen, "%s: %s", method, json_string_value(json_object_get(json_object_get(resp, "error"),
		 "message")) ?: "refused");
	json_decref(resp);
	return NULL;
}

/* updates (a JSON array, taken) written here: the count that failed. */
static unsigned int
write_here(json_t *updates, const char *table)
{
	json_t *req = json_pack("{s:s,s:i,s:s,s:{s:s,s:o}}", "jsonrpc", "2.0", "id", 1, "method", "table.write",
				"params", "atomicity", "continue", "updates", updates), *resp, *r;
	char *text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL, *out = NULL;
	unsigned int bad = 0;
	size_t i;

	json_decref(req);
	if (text == NULL || dp_rpc_handle(text, strlen(text), &out) < 0 || out == NULL) {
		free(text);
		return UINT_MAX;
	}
	resp = json_loads(out, 0, NULL);
	json_array_foreach(json_object_get(json_object_get(resp, "result"), "results"), i, r)
		if (!json_is_true(json_object_get(r, "ok"))) {
			if (bad++ == 0)
				DP_LOG(WARNING, "takeover: table %s: an entry not copied: %s", table,
				       json_string_value(json_object_get(json_object_get(r, "error"), "message")) ?: "?");
		}
	if (json_object_get(resp, "error") != NULL)
		bad = UINT_MAX;
	json_decref(resp);
	free(text);
	free(out);
	return bad;
}

/* Every table but the derived ones, page by page, written here as read
 * there: learned entries stay learned. The entries copied, or -1. */
static long
copy_tables(struct conn *c, char *err, size_t errlen)
{
	long copied = 0;

	for (unsigned int t = 0; t < dp_tables_count(); t++) {
		const struct dp_table_def *d = dp_table_def(t);
		json_int_t off = 0;

		if (d == NULL || d->derived)
			continue;
		while (off >= 0) {
			json_t *page = call(c, "table.read", json_pack("{s:s,s:I,s:i}", "table", d->name, "offset", off,
								       "limit", READ_PAGE), err, errlen, NULL);
			json_t *ups = json_array(), *e, *next;
			size_t i, n;

			if (page == NULL) {
				json_decref(ups);
				return -1;
			}
			json_array_foreach(json_object_get(page, "entries"), i, e) {
				json_t *u = json_pack("{s:s,s:s,s:O,s:O,s:O}", "type", "insert", "table", d->name,
						      "match", json_object_get(e, "match"), "action",
						      json_object_get(e, "action"), "params", json_object_get(e, "params"));

				if (json_object_get(e, "priority") != NULL)
					json_object_set(u, "priority", json_object_get(e, "priority"));
				json_array_append_new(ups, u);
			}
			n = json_array_size(ups);
			copied += (long)n;
			/* write_here takes ups */
			if (n == 0) {
				json_decref(ups);
			} else if (write_here(ups, d->name) == UINT_MAX) {
				json_decref(page);
				snprintf(err, errlen, "table %s: the copy was refused here", d->name);
				return -1;
			}
			next = json_object_get(page, "next_offset");
			off = json_is_integer(next) ? json_integer_value(next) : -1;
			json_decref(page);
		}
	}
	return copied;
}

static void
clear_here(void)
{
	for (unsigned int t = 0; t < dp_tables_count(); t++)
		if (dp_table_def(t) != NULL && !dp_table_def(t)->derived)
			dp_table_clear(t, NULL);
}

/* The old one's features' state to ours. */
static void
take_states(json_t *states)
{
	for (unsigned int i = 0; i < dp_feature_count(); i++) {
		const struct dp_feature *f = dp_feature_get(i);
		json_t *s = json_object_get(states, f->name);
		int rc;

		if (s != NULL && f->handover_in != NULL && (rc = f->handover_in(s)) < 0)
			DP_LOG(WARNING, "takeover: %s's state not taken: %s", f->name, strerror(-rc));
	}
}

int
dp_takeover_pull(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct conn c = { .fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	struct timespec t0;
	int rc = -EIO;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (c.fd < 0 || connect(c.fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "no sxdp to take over at %s: %s", path, strerror(errno));
		rc = -errno;
		goto out;
	}
	for (unsigned int try = 0; try < TRIES; try++) {
		json_t *hello = call(&c, "sys.hello", json_object(), err, errlen, NULL), *done;
		json_int_t gen = json_integer_value(json_object_get(hello, "generation"));
		const char *why = "";
		long n;

		json_decref(hello);
		if (hello == NULL)
			goto out;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (try > 0)
			clear_here();
		if ((n = copy_tables(&c, err, errlen)) < 0)
			goto out;
		DP_LOG(INFO, "takeover: %ld entries copied in %.1f ms (generation %" JSON_INTEGER_FORMAT ")", n,
		       ms_since(&t0), gen);
		done = call(&c, "sys.takeover", json_pack("{s:I}", "generation", gen), err, errlen, &why);
		if (done != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			take_states(json_object_get(done, "features"));
			json_decref(done);
			/* it goes when this connection closes; its ports are
			 * free once the kernel has released its sockets
			 * (dp_ports_init waits for each), not at its exit,
			 * which unmapping its memory can hold up a second */
			DP_LOG(INFO, "takeover: handed over (states taken in %.1f ms)", ms_since(&t0));
			rc = 0;
			goto out;
		}
		if (strcmp(why, "changed") != 0)
			goto out;
		DP_LOG(INFO, "takeover: the running sxdp's tables moved meanwhile: copying again");
	}
	snprintf(err, errlen, "the running sxdp's tables kept moving: %u copies, none current", TRIES);
out:
	if (c.fd >= 0)
		close(c.fd);
	if (c.buf != NULL)
		explicit_bzero(c.buf, c.cap);
	free(c.buf);
	return rc;
}
