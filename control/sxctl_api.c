/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl apply/get/delete/status/fleet: sxcd's REST API from the command line (plain HTTP/1.1, one request per run). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sxctl_api.h"
#include "sxctl_base.h"
#include "sxctl_fmt.h"
#include "sxctl_rpc.h"
#include "sxctl_usage.h"

#define API_DEFAULT "http://127.0.0.1:8181"
#define RESP_MAX    (64u << 20)

#define KIND_MAX 32

/* A kind's word (sxcd's kinds are its features', registered there: an
 * unknown one is sxcd's to refuse, by name). */
static bool
kind_ok(const char *k)
{
	size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz");

	return n > 0 && n <= KIND_MAX && k[n] == '\0';
}

/* ------------------------------------------------------------ HTTP */

/* Wait for @fd to be ready for @ev within @ms (<= 0: forever). */
static int
wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int rc = poll(&p, 1, ms > 0 ? ms : -1);

	return rc > 0 ? 0 : rc == 0 ? -ETIMEDOUT : -errno;
}

/* "http://HOST[:PORT]" into @host and @port. */
static int
url_parse(const char *url, char *host, size_t len, char *port, size_t plen)
{
	const char *h = url, *colon, *end;

	if (strncmp(h, "http://", 7) != 0)
		return -EINVAL;
	h += 7;
	end = h + strcspn(h, "/");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (rb == NULL)
			return -EINVAL;
		snprintf(host, len, "%.*s", (int)(rb - h - 1), h + 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		snprintf(host, len, "%.*s", (int)((colon ? colon : end) - h), h);
	}
	snprintf(port, plen, "%.*s", colon ? (int)(end - colon - 1) : 4, colon ? colon + 1 : "8181");
	return host[0] != '\0' && port[0] != '\0' ? 0 : -EINVAL;
}

static int
connect_to(const char *host, const char *port, int ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc;

	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return -EHOSTUNREACH;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, ms) == 0)) {
			int err = 0;
			socklen_t l = sizeof(err);

			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : -ECONNREFUSED;
}

/* One request; the answer's status in *@code and its body (JSON, the
 * caller's) in *@out. An exit code. */
static int
http(struct sx_ctx *x, const char *method, const char *path, json_t *body, int *code, json_t **out)
{
	char host[256], port[16], *req = NULL, *b = NULL, *resp = NULL, *p, token[512] = "";
	size_t rlen = 0, rcap = 0, sent = 0, n;
	const char *url = x->api ? x->api : getenv("SXCD_API") ? getenv("SXCD_API") : API_DEFAULT;
	json_error_t je;
	int fd, rc = EX_CONN;
	ssize_t k;

	if (url_parse(url, host, sizeof(host), port, sizeof(port)) < 0)
		return usage_error("bad --api '%s' (http://HOST[:PORT])", url);
	if (x->token_file != NULL) {
		FILE *f = fopen(x->token_file, "r");

		if (f == NULL)
			return rpc_fail(x, "token", "%s: %s", x->token_file, strerror(errno));
		n = fread(token, 1, sizeof(token) - 1, f);
		fclose(f);
		while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r'))
			n--;
		token[n] = '\0';
	}
	if (body != NULL && (b = json_dumps(body, JSON_COMPACT)) == NULL)
		sx_oom();
	req = sx_asprintf("%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
			  "Accept: application/json\r\n%s%s%sContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n%s", method, path, host, port,
			  token[0] ? "Authorization: Bearer " : "", token, token[0] ? "\r\n" : "",
			  b ? strlen(b) : 0, b ? b : "");
	free(b);
	if ((fd = connect_to(host, port, x->timeout_ms)) < 0) {
		fprintf(stderr, "sxctl: cannot reach sxcd at %s: %s\n", url, strerror(-fd));
		free(req);
		return EX_CONN;
	}
	for (n = strlen(req); sent < n;) {
		if (wait_fd(fd, POLLOUT, x->timeout_ms) < 0 || (k = send(fd, req + sent, n - sent,
									MSG_NOSIGNAL)) <= 0)
			goto out;
		sent += (size_t)k;
	}
	for (;;) {
		if (rlen + 4096 + 1 > rcap) {
			rcap = rcap ? rcap * 2 : 16384;
			if (rcap > RESP_MAX)
				goto out;
			resp = sx_realloc(resp, rcap);
		}
		if (wait_fd(fd, POLLIN, x->timeout_ms) < 0)
			goto out;
		if ((k = recv(fd, resp + rlen, rcap - rlen - 1, 0)) < 0)
			goto out;
		if (k == 0)
			break;
		rlen += (size_t)k;
	}
	resp[rlen] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", code) != 1 || (p = strstr(resp, "\r\n\r\n")) == NULL)
		goto out;
	*out = json_loads(p + 4, 0, &je);
	rc = *out != NULL ? EX_OK : EX_CONN;
out:
	if (rc != EX_OK)
		fprintf(stderr, "sxctl: no answer from sxcd at %s\n", url);
	close(fd);
	free(req);
	free(resp);
	return rc;
}

/* An error answer on stderr (or stdout with --json): EX_FAIL. */
static int
api_error(struct sx_ctx *x, int code, json_t *res)
{
	json_t *e = json_object_get(res, "error"), *f;
	size_t i;

	if (x->json) {
		json_dumpf(res, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		fprintf(stderr, "sxctl: %d %s: %s\n", code,
			json_string_value(json_object_get(e, "reason")) ?: "error",
			json_string_value(json_object_get(e, "message")) ?: "");
		json_array_foreach(json_object_get(e, "errors"), i, f)
			fprintf(stderr, "  %s: %s: %s\n", json_string_value(json_object_get(f, "pointer")),
				json_string_value(json_object_get(f, "reason")),
				json_string_value(json_object_get(f, "message")));
	}
	json_decref(res);
	return EX_FAIL;
}

/* ------------------------------------------------------------ output */

static void
print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

static void
print_changes(json_t *res)
{
	json_t *c, *d, *st;
	const char *who;
	size_t i;

	json_array_foreach(json_object_get(res, "changes"), i, c)
		printf("%s/%s: %s (generation %" JSON_INTEGER_FORMAT ")\n",
		       json_string_value(json_object_get(c, "kind")),
		       json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "action")),
		       json_integer_value(json_object_get(c, "generation")));
	if (!json_is_true(json_object_get(res, "dry_run")))
		return;
	if (json_object_get(res, "note") != NULL)
		printf("(%s)\n", json_string_value(json_object_get(res, "note")));
	json_array_foreach(json_object_get(res, "diff"), i, d) {
		char *m = json_dumps(json_object_get(d, "match"), JSON_COMPACT);
		char *p = json_dumps(json_object_get(d, "params"), JSON_COMPACT);

		printf("  %s %-14s %s%s%s%s  [%s]\n", json_string_value(json_object_get(d, "type")),
		       json_string_value(json_object_get(d, "table")), m ? m : "",
		       p ? " " : "", json_string_value(json_object_get(d, "action")) ?: "", p ? p : "",
		       json_string_value(json_object_get(d, "owner")) ?: "-");
		free(m);
		free(p);
	}
	printf("%zu table writes (dry run: nothing changed)\n",
	       json_array_size(json_object_get(res, "diff")));
	json_object_foreach(json_object_get(res, "status"), who, st) {
		const char *ph = json_string_value(json_object_get(st, "phase"));

		if (ph != NULL && strcmp(ph, "Ready") != 0)
			printf("%s would be %s: %s%s%s\n", who, ph,
			       json_string_value(json_object_get(st, "message")) ?: "",
			       json_string_value(json_object_get(st, "pointer")) ? " at " : "",
			       json_string_value(json_object_get(st, "pointer")) ?: "");
	}
}

static void
print_row(json_t *d)
{
	json_t *m = json_object_get(d, "metadata"), *s = json_object_get(d, "status");
	json_t *w = json_object_get(s, "waiting_for");
	const char *msg = json_string_value(json_object_get(s, "message"));

	printf("%-20s %-12s %3" JSON_INTEGER_FORMAT "/%-3" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT
	       "  %s", json_string_value(json_object_get(m, "name")),
	       json_string_value(json_object_get(s, "phase")),
	       json_integer_value(json_object_get(m, "generation")),
	       json_integer_value(json_object_get(s, "observedGeneration")),
	       json_integer_value(json_object_get(s, "entries")), msg ? msg : "");
	if (json_array_size(w) > 0) {
		json_t *v;
		size_t i;

		printf("waiting for");
		json_array_foreach(w, i, v)
			printf("%s %s", i ? "," : "", json_string_value(v));
	}
	printf("\n");
}

/* ------------------------------------------------------------ commands */

/* The file's intents as an apply set: {"items": [...]}, a list, or one.
 * NULL when it cannot be read or is not JSON, said in one line: the
 * file's reason (strerror), or where its JSON breaks. */
static json_t *
read_set(const char *file)
{
	bool in = strcmp(file, "-") == 0;
	FILE *f = in ? stdin : fopen(file, "r");
	json_error_t je;
	struct stat st;
	json_t *v;

	if (f == NULL || fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
		int e = f == NULL ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;

		fprintf(stderr, "sxctl: %s: %s\n", file, strerror(e));
		if (f != NULL && !in)
			fclose(f);
		return NULL;
	}
	v = json_loadf(f, 0, &je);
	if (v == NULL && ferror(f))
		fprintf(stderr, "sxctl: %s: %s\n", file, strerror(errno));
	else if (v == NULL)
		fprintf(stderr, "sxctl: %s:%d:%d: not JSON: %s\n", in ? "(stdin)" : file,
			je.line, je.column, je.text);
	if (!in)
		fclose(f);
	if (v == NULL)
		return NULL;
	if (json_is_array(v))
		return json_pack("{s:o}", "items", v);
	if (json_is_object(v) && json_object_get(v, "items") == NULL)
		return json_pack("{s:[o]}", "items", v);
	return v;
}

static int
cmd_apply(struct sx_ctx *x)
{
	json_t *set, *res = NULL, *pr, *sites;
	char *path;
	int code = 0, rc;

	if (x->file == NULL || x->ac != 1)
		return usage_error("usage: apply -f FILE|- [--dry-run] [--prune] [--wait]");
	if ((set = read_set(x->file)) == NULL)
		return EX_USAGE;	/* what sxctl was given, before any call */
	if (x->prune && json_object_get(set, "prune") == NULL) {
		/* every kind the set names */
		json_t *items = json_object_get(set, "items"), *it;
		size_t i;

		pr = json_array();
		json_array_foreach(items, i, it) {
			json_t *k = json_object_get(it, "kind"), *e;
			size_t j;
			bool seen = false;

			json_array_foreach(pr, j, e)
				seen = seen || json_equal(e, k);
			if (!seen && json_is_string(k))
				json_array_append(pr, k);
		}
		json_object_set_new(set, "prune", pr);
	}
	/* a fleet document: items with a "site" are that site's own, each
	 * written on its own through sxcd's /api/v1/sites/SITE/... */
	sites = json_array();
	{
		json_t *items = json_object_get(set, "items"), *it;
		size_t i;

		for (i = 0; i < json_array_size(items);) {
			it = json_array_get(items, i);
			if (json_object_get(it, "site") == NULL) {
				i++;
				continue;
			}
			json_array_append(sites, it);
			json_array_remove(items, i);
		}
	}
	if (json_array_size(sites) > 0 && (x->dry_run || x->prune)) {
		json_decref(set);
		json_decref(sites);
		return usage_error("apply: --dry-run and --prune are not for items with a site");
	}
	rc = EX_OK;
	if (json_array_size(sites) == 0 || json_array_size(json_object_get(set, "items")) > 0 ||
	    json_object_get(set, "prune") != NULL) {
		path = sx_asprintf("/api/v1/apply?dry_run=%d&wait=%d", x->dry_run, x->wait);
		rc = http(x, "POST", path, set, &code, &res);
		free(path);
		if (rc == EX_OK && code / 100 != 2)
			rc = api_error(x, code, res);
		else if (rc == EX_OK && x->json)
			print_json(res);
		else if (rc == EX_OK)
			print_changes(res);
		if (rc == EX_OK)
			json_decref(res);
	}
	json_decref(set);
	for (size_t i = 0; rc == EX_OK && i < json_array_size(sites); i++) {
		json_t *orig = json_array_get(sites, i), *it = json_deep_copy(orig);
		/* borrowed from the list's item, which the body (a copy) leaves alone */
		const char *site = json_string_value(json_object_get(orig, "site"));
		const char *kind = json_string_value(json_object_get(orig, "kind"));
		const char *name = json_string_value(json_object_get(json_object_get(orig, "metadata"), "name"));

		if (site == NULL || kind == NULL || !kind_ok(kind)) {
			json_decref(it);
			json_decref(sites);
			return usage_error("apply: item %zu with a site needs a kind and a site (strings)", i);
		}
		path = name ? sx_asprintf("/api/v1/sites/%s/%s/%s", site, kind, name) :
		       sx_asprintf("/api/v1/sites/%s/%s", site, kind);
		json_object_del(it, "site");
		json_object_del(it, "kind");
		/* no name: a kind of one intent (site) */
		rc = http(x, "PUT", path, it, &code, &res);
		free(path);
		json_decref(it);
		if (rc != EX_OK)
			break;
		if (code / 100 != 2) {
			rc = api_error(x, code, res);
			break;
		}
		if (x->json)
			print_json(res);
		else
			printf("site %s: %s/%s: %s (generation %" JSON_INTEGER_FORMAT ")\n", site, kind,
			       json_string_value(json_object_get(json_object_get(res, "metadata"), "name")) ?: "?",
			       json_string_value(json_object_get(res, "action")) ?: "?",
			       json_integer_value(json_object_get(json_object_get(res, "metadata"), "generation")));
		json_decref(res);
	}
	json_decref(sites);
	return rc;
}

/* sxctl fleet: every box of the fleet sxcd is on (GET /api/v1/fleet). */
static int
cmd_fleet(struct sx_ctx *x)
{
	static const char *const hdr[] = { "SITE", "STATE", "SEEN", "SXDP", "READY", "PATHS UP",
					   "VERSION", "NOT READY" };
	json_t *res = NULL, *b, *in;
	struct fmt_tbl t;
	const char *who;
	size_t i;
	int rc;

	if (x->ac != 1)
		return usage_error("usage: fleet");
	if ((rc = api_get(x, "/api/v1/fleet", &res)) != EX_OK)
		return rc;
	if (x->json) {
		print_json(res);
		json_decref(res);
		return EX_OK;
	}
	printf("fleet %s (revision %" JSON_INTEGER_FORMAT ", a box silent %" JSON_INTEGER_FORMAT
	       " s is stale), as %s sees it\n",
	       json_string_value(json_object_get(res, "prefix")) ?: "?",
	       json_integer_value(json_object_get(res, "revision")),
	       json_integer_value(json_object_get(res, "ttl_s")),
	       json_string_value(json_object_get(res, "site")) ?: "?");
	fmt_tbl_init(&t, "llllrrll", hdr);
	json_array_foreach(json_object_get(res, "boxes"), i, b) {
		json_t *p = json_object_get(b, "paths");
		int ready = 0, total = 0;
		char *not = sx_asprintf("%s", ""), *n;

		json_object_foreach(json_object_get(b, "intents"), who, in) {
			total++;
			if (strcmp(json_string_value(json_object_get(in, "phase")) ?: "", "Ready") == 0) {
				ready++;
				continue;
			}
			n = sx_asprintf("%s%s%s %s", not, not[0] ? ", " : "", who,
					json_string_value(json_object_get(in, "phase")) ?: "?");
			free(not);
			not = n;
		}
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(b, "site")) ?: "?"));
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(b, "state")) ?: "?"));
		fmt_tbl_add(&t, json_object_get(b, "seen_ago_s") ?
			    sx_asprintf("%" JSON_INTEGER_FORMAT " s ago",
					json_integer_value(json_object_get(b, "seen_ago_s"))) :
			    sx_asprintf("-"));
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(json_object_get(b,
			    "sxdp"), "state")) ?: "-"));
		fmt_tbl_add(&t, sx_asprintf("%d/%d", ready, total));
		fmt_tbl_add(&t, sx_asprintf("%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
					    json_integer_value(json_object_get(p, "up")),
					    json_integer_value(json_object_get(p, "total"))));
		fmt_tbl_add(&t, sx_asprintf("%s", json_string_value(json_object_get(b, "version")) ?: "-"));
		fmt_tbl_add(&t, not[0] ? not : (free(not), sx_asprintf("-")));
	}
	fmt_tbl_print(&t, 0);
	json_decref(res);
	return EX_OK;
}

static int
cmd_get(struct sx_ctx *x)
{
	json_t *res = NULL, *d;
	char *path;
	size_t i;
	int code = 0, rc;

	if (x->ac < 2 || x->ac > 3 || !kind_ok(x->av[1]))
		return usage_error("usage: get KIND [NAME]");
	path = sx_asprintf("/api/v1/%s%s%s", x->av[1], x->ac == 3 ? "/" : "", x->ac == 3 ? x->av[2] : "");
	rc = http(x, "GET", path, NULL, &code, &res);
	free(path);
	if (rc != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	/* a kind of one intent (the site) answers with it, not a list */
	if (x->json || x->ac == 3 || !json_is_array(json_object_get(res, "items"))) {
		print_json(res);
	} else {
		printf("%-20s %-12s %-7s %7s  %s\n", "NAME", "PHASE", "GEN/OBS", "ENTRIES", "MESSAGE");
		json_array_foreach(json_object_get(res, "items"), i, d)
			print_row(d);
	}
	json_decref(res);
	return EX_OK;
}

static int
cmd_delete(struct sx_ctx *x)
{
	json_t *res = NULL;
	char *path;
	int code = 0, rc;

	if (x->ac != 3 || !kind_ok(x->av[1]))
		return usage_error("usage: delete KIND NAME [--dry-run] [--wait]");
	path = sx_asprintf("/api/v1/%s/%s?dry_run=%d&wait=%d", x->av[1], x->av[2], x->dry_run, x->wait);
	rc = http(x, "DELETE", path, NULL, &code, &res);
	free(path);
	if (rc != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	if (x->json)
		print_json(res);
	else if (x->dry_run)
		print_changes(res);
	else
		printf("%s/%s: %s\n", x->av[1], x->av[2], json_string_value(json_object_get(
			json_object_get(res, "status"), "phase")) ?: "withdrawn");
	json_decref(res);
	return EX_OK;
}

static int
cmd_status(struct sx_ctx *x)
{
	json_t *res = NULL, *dp, *rec, *v;
	const char *k;
	int code = 0, rc;

	if (x->ac != 1)
		return usage_error("usage: status");
	if ((rc = http(x, "GET", "/api/v1/status", NULL, &code, &res)) != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	if (x->json) {
		print_json(res);
		json_decref(res);
		return EX_OK;
	}
	dp = json_object_get(res, "sxdp");
	rec = json_object_get(dp, "reconcile");
	printf("sxdp: %s", json_is_true(json_object_get(dp, "connected")) ? "connected" : "not connected");
	if (json_string_length(json_object_get(dp, "boot_id")) > 0)
		printf(", version %s, boot_id %s", json_string_value(json_object_get(dp, "version")),
		       json_string_value(json_object_get(dp, "boot_id")));
	printf("\nreconcile: %" JSON_INTEGER_FORMAT " runs (%" JSON_INTEGER_FORMAT " refused), %"
	       JSON_INTEGER_FORMAT " table writes, last run %" JSON_INTEGER_FORMAT " ms\nintents:",
	       json_integer_value(json_object_get(rec, "runs")),
	       json_integer_value(json_object_get(rec, "runs_failed")),
	       json_integer_value(json_object_get(rec, "writes")),
	       json_integer_value(json_object_get(rec, "last_run_ms")));
	if (json_object_size(json_object_get(res, "intents")) == 0)
		printf(" none");
	json_object_foreach(json_object_get(res, "intents"), k, v)
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	printf("\n");
	json_decref(res);
	return EX_OK;
}

int
api_get(struct sx_ctx *x, const char *path, json_t **out)
{
	int code = 0, rc;

	*out = NULL;
	if ((rc = http(x, "GET", path, NULL, &code, out)) != EX_OK)
		return rc;
	if (code != 200) {
		rc = api_error(x, code, *out);
		*out = NULL;
		return rc;
	}
	return EX_OK;
}

int
api_cmd(struct sx_ctx *x)
{
	const char *cmd = x->av[0];

	if (strcmp(cmd, "apply") == 0)
		return cmd_apply(x);
	if (strcmp(cmd, "get") == 0)
		return cmd_get(x);
	if (strcmp(cmd, "delete") == 0)
		return cmd_delete(x);
	if (strcmp(cmd, "fleet") == 0)
		return cmd_fleet(x);
	return cmd_status(x);
}

bool
api_is_cmd(const char *cmd)
{
	return strcmp(cmd, "apply") == 0 || strcmp(cmd, "get") == 0 || strcmp(cmd, "delete") == 0 ||
	       strcmp(cmd, "status") == 0 || strcmp(cmd, "fleet") == 0;
}
