/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl apply/get/delete/status/fleet: sxcd's REST API from the command line (its requests, token and answers). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "sxctl_api.h"
#include "sxctl_base.h"
#include "sxctl_fmt.h"
#include "sxctl_http.h"
#include "sxctl_usage.h"

#define API_DEFAULT "http://127.0.0.1:8181"
#define TOKEN_MAX   1024	/* as sxcd's: a longer file is refused, never cut */

#define KIND_MAX 32

/* A kind's word (sxcd's kinds are its features', registered there: an
 * unknown one is sxcd's to refuse, by name). */
static bool
kind_ok(const char *k)
{
	size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz");

	return n > 0 && n <= KIND_MAX && k[n] == '\0';
}

/* ------------------------------------------------------------ the token */

/* One run's connection to sxcd: where, the client, the credential. */
static struct {
	struct http_url url;
	const char *url_text;
	struct http_client *client;
	char token[TOKEN_MAX + 1];	/* "" when none is sent */
	const char *token_from;		/* the file it came from */
	char *why_none;			/* why none was sent, for a 401 */
} api;

/* The token in @path into api.token: 0, or -errno (the file's reason in
 * errno's words), -E2BIG (longer than a token), -EINVAL (not a token). */
static int
token_read(const char *path)
{
	char buf[TOKEN_MAX + 3];	/* a whole token, its line's end, one more byte */
	size_t n = 0;
	ssize_t k;
	struct stat st;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -errno;
		close(fd);
		return rc;
	}
	/* the whole file (a pipe's too): a longer one is refused, never cut */
	while (n < sizeof(buf) && (k = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			break;
		}
		n += (size_t)k;
	}
	close(fd);
	while (rc == 0 && n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (rc == 0 && n > TOKEN_MAX)
		rc = -E2BIG;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((unsigned char)buf[i] <= 0x20 || (unsigned char)buf[i] >= 0x7f)
			rc = -EINVAL;
	if (rc == 0 && n == 0)
		rc = -ENODATA;
	if (rc == 0) {
		memcpy(api.token, buf, n);
		api.token[n] = '\0';
	}
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* Does @u name this box by its loopback (an address, or "localhost")? */
static bool
url_loopback(const struct http_url *u)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, u->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, u->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return strcasecmp(u->host, "localhost") == 0;
}

/*
 * The token sxctl sends: --token-file's (which must be readable), else
 * $SXCD_TOKEN_FILE's or the packaged one's, which may be missing or not
 * ours to read: sxcd may want none (--insecure-no-auth), and a 401 says
 * why none was sent. Those two go over plain HTTP to loopback only. A file
 * that holds no token is refused whoever named it. Never the token in a
 * message. An exit code.
 */
static int
token_load(struct sx_ctx *x)
{
	const char *env = getenv("SXCD_TOKEN_FILE");
	const char *path = x->token_file ? x->token_file : env && *env ? env : SXCTL_TOKEN_FILE;
	int rc = token_read(path);

	if (rc == 0 && x->token_file == NULL && !api.url.tls && !url_loopback(&api.url)) {
		/* a token found by itself goes in clear only to this box: the
		 * packaged one is this box's, whatever --api names */
		explicit_bzero(api.token, sizeof(api.token));
		api.why_none = sx_asprintf("the token in %s is not sent in clear to %s: use https://, "
					   "or give --token-file", path, api.url.host);
		return EX_OK;
	}
	if (rc == 0) {
		api.token_from = path;
		return EX_OK;
	}
	if (rc == -E2BIG) {
		fprintf(stderr, "sxctl: %s: a token is at most %d bytes; this file holds more\n",
			path, TOKEN_MAX);
		return EX_USAGE;
	}
	if (rc == -EINVAL || rc == -ENODATA) {
		fprintf(stderr, "sxctl: %s: %s\n", path, rc == -ENODATA ? "holds no token" :
			"a token is one line of visible ASCII (no spaces, no control characters)");
		return EX_USAGE;
	}
	if (x->token_file != NULL) {
		fprintf(stderr, "sxctl: --token-file %s: %s\n", path, strerror(-rc));
		return EX_USAGE;
	}
	api.why_none = rc == -ENOENT ?
		sx_asprintf("no token was sent: %s does not exist; give --token-file", path) :
		sx_asprintf("cannot read %s: %s: %s", path, strerror(-rc), rc == -EACCES || rc == -EPERM ?
			    "add yourself to group sxdp, or give --token-file" : "give --token-file");
	return EX_OK;
}

/* ------------------------------------------------------------ HTTP */

/* Where sxcd is, its client and token, once per run. An exit code. */
static int
api_open(struct sx_ctx *x)
{
	struct http_tls_files f = { x->cacert, x->cert, x->key };
	char err[512];
	int rc;

	if (api.client != NULL)
		return EX_OK;
	api.url_text = x->api ? x->api : getenv("SXCD_API") ? getenv("SXCD_API") : API_DEFAULT;
	if (http_url_parse(api.url_text, &api.url) < 0)
		return usage_error("bad --api '%s' (http[s]://HOST[:PORT], an IPv6 address in [])",
				   api.url_text);
	if (!api.url.tls && (x->cacert || x->cert || x->key))
		return usage_error("--cacert, --cert and --key are for an https:// --api");
	if ((x->cert == NULL) != (x->key == NULL))
		return usage_error("--cert and --key go together");
	if ((rc = token_load(x)) != EX_OK)
		return rc;
	if (http_client_new(&api.url, &f, x->timeout_ms, &api.client, err, sizeof(err)) < 0) {
		fprintf(stderr, "sxctl: %s\n", err);
		return EX_USAGE;
	}
	return EX_OK;
}

/* @s with every byte but RFC 3986's unreserved ones percent-encoded: a
 * path segment (a name) that is that and nothing more. */
static char *
seg(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = sx_realloc(NULL, strlen(s) * 3 + 1), *p = o;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return o;
}

/* One request; the answer's status in *@code and its body (JSON, the
 * caller's) in *@out. A write carries its JSON type whatever its body
 * (sxcd refuses a write without it). An exit code. */
int
api_call(struct sx_ctx *x, const char *method, const char *path, json_t *body, int *code, json_t **out)
{
	bool write = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	char *b = NULL, *fields, *resp = NULL, err[512];
	enum http_stage stage;
	json_error_t je;
	size_t rlen;
	int rc;

	if ((rc = api_open(x)) != EX_OK)
		return rc;
	if (body != NULL && (b = json_dumps(body, JSON_COMPACT)) == NULL)
		sx_oom();
	fields = sx_asprintf("Accept: application/json\r\n%s%s%s%s", write ?
			     "Content-Type: application/json\r\n" : "",
			     api.token[0] ? "Authorization: Bearer " : "", api.token,
			     api.token[0] ? "\r\n" : "");
	{
		char what[256];
		struct sx_progress pr = { .what = what, .timeout_ms = x->timeout_ms };

		snprintf(what, sizeof(what), "sxcd (%s %s)", method, path);
		http_client_on_wait(api.client, sx_progress_tick, &pr);
		rc = http_request(api.client, method, path, fields, write ? b ? b : "" : NULL,
				  b ? strlen(b) : 0, code, &resp, &rlen, &stage, err, sizeof(err));
		http_client_on_wait(api.client, NULL, NULL);
		sx_progress_end(&pr);
	}
	explicit_bzero(fields, strlen(fields));
	free(fields);
	free(b);
	if (rc == -ETIMEDOUT) {
		/* which call, after how long, and what the user can do */
		fprintf(stderr, "sxctl: %s %s on sxcd at %s: %s after %.1f s (--timeout %d)%s: 'sxctl --api %s "
			"status' shows whether it answers, and --timeout MS waits longer (0: no limit)\n",
			method, path, api.url_text, stage == HTTP_STAGE_ANSWER ? "no answer" :
			stage == HTTP_STAGE_TLS ? "no TLS handshake" : "no connection", x->timeout_ms / 1000.0,
			x->timeout_ms, stage == HTTP_STAGE_ANSWER && write ?
			" (sxcd may still be applying it: a big intent takes a while on a busy box)" :
			stage == HTTP_STAGE_ANSWER ? "" : " (nothing was sent)", api.url_text);
		return EX_CONN;
	}
	if (rc < 0) {
		fprintf(stderr, "sxctl: %s sxcd at %s: %s%s\n", stage == HTTP_STAGE_ANSWER ?
			"no answer from" : stage == HTTP_STAGE_TLS ? "TLS with" : "cannot reach",
			api.url_text, err, stage == HTTP_STAGE_TLS ? " (nothing was sent)" : "");
		return EX_CONN;
	}
	*out = json_loadb(resp, rlen, 0, &je);
	if (*out == NULL) {
		fprintf(stderr, "sxctl: sxcd at %s answered %d, not JSON%s\n", api.url_text, *code,
			!api.url.tls && *code == 400 ? " (does it serve HTTPS? then --api https://...)" : "");
		free(resp);
		return EX_CONN;
	}
	free(resp);
	return EX_OK;
}

/* An error answer on stderr (or stdout with --json): EX_FAIL. */
int
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
	/* the credential's side of a 401: which file's token, or why none went */
	if (code == 401 && api.token[0])
		fprintf(stderr, "sxctl: sxcd refused the token in %s\n", api.token_from);
	else if (code == 401 && api.why_none != NULL)
		fprintf(stderr, "sxctl: %s\n", api.why_none);
	json_decref(res);
	return EX_FAIL;
}

/* ------------------------------------------------------------ output */

void
api_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

void
api_print_changes(json_t *res)
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
		rc = api_call(x, "POST", path, set, &code, &res);
		free(path);
		if (rc == EX_OK && code / 100 != 2)
			rc = api_error(x, code, res);
		else if (rc == EX_OK && x->json)
			api_print_json(res);
		else if (rc == EX_OK)
			api_print_changes(res);
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
		char *es = seg(site), *en = name ? seg(name) : NULL;

		path = en ? sx_asprintf("/api/v1/sites/%s/%s/%s", es, kind, en) :
		       sx_asprintf("/api/v1/sites/%s/%s", es, kind);
		free(es);
		free(en);
		json_object_del(it, "site");
		json_object_del(it, "kind");
		/* no name: a kind of one intent (site) */
		rc = api_call(x, "PUT", path, it, &code, &res);
		free(path);
		json_decref(it);
		if (rc != EX_OK)
			break;
		if (code / 100 != 2) {
			rc = api_error(x, code, res);
			break;
		}
		if (x->json)
			api_print_json(res);
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
		api_print_json(res);
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
	char *path, *name;
	size_t i;
	int code = 0, rc;

	if (x->ac < 2 || x->ac > 3 || !kind_ok(x->av[1]))
		return usage_error("usage: get KIND [NAME]");
	name = x->ac == 3 ? seg(x->av[2]) : NULL;
	path = sx_asprintf("/api/v1/%s%s%s", x->av[1], name ? "/" : "", name ? name : "");
	rc = api_call(x, "GET", path, NULL, &code, &res);
	free(name);
	free(path);
	if (rc != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	/* a kind of one intent (the site) answers with it, not a list */
	if (x->json || x->ac == 3 || !json_is_array(json_object_get(res, "items"))) {
		api_print_json(res);
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
	char *path, *name;
	int code = 0, rc;

	if (x->ac != 3 || !kind_ok(x->av[1]))
		return usage_error("usage: delete KIND NAME [--dry-run] [--wait]");
	name = seg(x->av[2]);
	path = sx_asprintf("/api/v1/%s/%s?dry_run=%d&wait=%d", x->av[1], name, x->dry_run, x->wait);
	rc = api_call(x, "DELETE", path, NULL, &code, &res);
	free(name);
	free(path);
	if (rc != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	if (x->json)
		api_print_json(res);
	else if (x->dry_run)
		api_print_changes(res);
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
	if ((rc = api_call(x, "GET", "/api/v1/status", NULL, &code, &res)) != EX_OK)
		return rc;
	if (code != 200)
		return api_error(x, code, res);
	if (x->json) {
		api_print_json(res);
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
api_ask(struct sx_ctx *x, const char *method, const char *path, json_t *body, int want, json_t **out)
{
	int code = 0, rc = api_call(x, method, path, body, &code, out);

	json_decref(body);
	if (rc != EX_OK)
		return rc;
	if (code != want) {
		rc = api_error(x, code, *out);
		*out = NULL;
	}
	return rc;
}

int
api_get(struct sx_ctx *x, const char *path, json_t **out)
{
	int code = 0, rc;

	*out = NULL;
	if ((rc = api_call(x, "GET", path, NULL, &code, out)) != EX_OK)
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
