/* SPDX-License-Identifier: BSD-3-Clause */
/* The operator's page's static files (see cd_www.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/http.h>

#include "cd_log.h"
#include "cd_www.h"

#define MARKER "<!--sx:features-->"

struct cd_www {
	char *root;		/* realpath, NULL: none */
	char *chart;
	int n_feat;
	char feat[CD_WWW_FEAT_MAX][64];
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool
name_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

struct cd_www *
cd_www_new(const char *root, const char *chart)
{
	struct cd_www *w = calloc(1, sizeof(*w));
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (w == NULL)
		return NULL;
	if (chart != NULL && (w->chart = strdup(chart)) == NULL)
		goto fail;
	if (root == NULL)
		return w;
	if ((w->root = realpath(root, NULL)) == NULL) {
		CD_LOG(WARN, "www: %s: %s: the page is not served", root, strerror(errno));
		return w;
	}
	snprintf(dir, sizeof(dir), "%s/feat", w->root);
	if ((d = opendir(dir)) == NULL)
		return w;
	while ((de = readdir(d)) != NULL && w->n_feat < CD_WWW_FEAT_MAX) {
		size_t n = strlen(de->d_name);

		if (n > 3 && n < sizeof(w->feat[0]) && strcmp(de->d_name + n - 3, ".js") == 0 &&
		    name_ok(de->d_name, n))
			memcpy(w->feat[w->n_feat++], de->d_name, n + 1);
	}
	closedir(d);
	/* one order whatever the directory's */
	qsort(w->feat, (size_t)w->n_feat, sizeof(w->feat[0]), by_name);
	return w;
fail:
	cd_www_free(w);
	return NULL;
}

void
cd_www_free(struct cd_www *w)
{
	if (w == NULL)
		return;
	free(w->root);
	free(w->chart);
	free(w);
}

bool
cd_www_path(const char *path)
{
	/* the rest (the API, /metrics, anything else) is the API's: JSON errors */
	return strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 ||
	       strncmp(path, "/ui/", 4) == 0 || strncmp(path, "/static/", 8) == 0;
}

bool
cd_www_entry(const char *path)
{
	/* the login page and what it needs: code and style, no data */
	return strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 || strcmp(path, "/ui/login.html") == 0 ||
	       strcmp(path, "/ui/login.js") == 0 || strcmp(path, "/ui/sx.css") == 0;
}

static const char *
type_of(const char *name)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".json", "application/json" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return NULL;
}

/* Is @rel ("a/b.js") made of good segments only? */
static bool
rel_ok(const char *rel)
{
	size_t n = strlen(rel);

	if (n == 0 || n > CD_WWW_PATH_MAX)
		return false;
	for (const char *s = rel, *e; ; s = e + 1) {
		e = strchr(s, '/');
		if (!name_ok(s, e != NULL ? (size_t)(e - s) : strlen(s)))
			return false;
		if (e == NULL)
			return true;
	}
}

static void
plain(struct evhttp_request *req, int code, const char *why, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char n[24];

	evhttp_add_header(out, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD || b == NULL) {
		snprintf(n, sizeof(n), "%zu", strlen(text));
		evhttp_add_header(out, "Content-Length", n);
		evhttp_send_reply(req, code, why, NULL);
	} else {
		evbuffer_add(b, text, strlen(text));
		evhttp_send_reply(req, code, why, b);
	}
	if (b != NULL)
		evbuffer_free(b);
}

static void
not_found(struct evhttp_request *req)
{
	plain(req, 404, "Not Found", "not found\n");
}

/* Open @path read-only if it is a regular file of at most CD_WWW_FILE_MAX
 * bytes inside @root (NULL: anywhere): its fd, or -1. */
static int
open_in(const char *root, const char *path, struct stat *st)
{
	char *real = NULL;
	size_t rn;
	int fd;

	if (root != NULL) {
		/* a symlink inside the root to a file inside it is fine (an
		 * installed tree may use them); out of it is not */
		if ((real = realpath(path, NULL)) == NULL)
			return -1;
		rn = strlen(root);
		if (strncmp(real, root, rn) != 0 || real[rn] != '/') {
			free(real);
			return -1;
		}
	}
	fd = open(real != NULL ? real : path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	free(real);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > (off_t)CD_WWW_FILE_MAX) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
common_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Content-Type", type);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	/* scripts are the page's own files only; SVG and charts set styles */
	evhttp_add_header(out, "Content-Security-Policy",
			  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
			  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
			  "base-uri 'none'; form-action 'self'");
}

/* A file as it is, revalidated on every load (ETag). */
static void
send_file(struct evhttp_request *req, const char *root, const char *path, const char *type)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	struct evbuffer *b;
	struct stat st;
	char etag[64], n[24];
	int fd;

	if ((fd = open_in(root, path, &st)) < 0) {
		not_found(req);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	common_headers(req, type);
	evhttp_add_header(out, "Cache-Control", "no-cache");
	evhttp_add_header(out, "ETag", etag);
	if (inm != NULL && strcmp(inm, etag) == 0) {
		close(fd);
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD || (b = evbuffer_new()) == NULL) {
		close(fd);
		snprintf(n, sizeof(n), "%lld", (long long)st.st_size);
		evhttp_add_header(out, "Content-Length", n);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	/* the buffer takes the fd: the file goes out without being copied in */
	if (evbuffer_add_file(b, fd, 0, st.st_size) < 0) {
		evbuffer_free(b);
		plain(req, 500, "Internal Server Error", "cannot read the file\n");
		return;
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* index.html with one script tag per feature's view where the marker is. */
static void
send_index(struct cd_www *w, struct evhttp_request *req)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *b, *page;
	char path[PATH_MAX], n[24], *text;
	struct stat st;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/index.html", w->root);
	if ((fd = open_in(w->root, path, &st)) < 0) {
		not_found(req);
		return;
	}
	text = malloc((size_t)st.st_size + 1);
	got = text != NULL ? read(fd, text, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size || (page = evbuffer_new()) == NULL) {
		free(text);
		plain(req, 500, "Internal Server Error", "cannot read the page\n");
		return;
	}
	text[got] = '\0';
	char *m = strstr(text, MARKER);

	if (m == NULL) {
		evbuffer_add(page, text, (size_t)got);
	} else {
		evbuffer_add(page, text, (size_t)(m - text));
		for (int i = 0; i < w->n_feat; i++)
			evbuffer_add_printf(page, "<script src=\"/ui/feat/%s\"></script>\n", w->feat[i]);
		evbuffer_add(page, m + strlen(MARKER), strlen(m + strlen(MARKER)));
	}
	free(text);
	common_headers(req, "text/html; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
	b = page;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof(n), "%zu", evbuffer_get_length(page));
		evhttp_add_header(out, "Content-Length", n);
		b = NULL;
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(page);
}

void
cd_www_serve(struct cd_www *w, struct evhttp_request *req, const char *path, bool authed)
{
	char full[PATH_MAX];
	const char *type;

	if (w == NULL || (w->root == NULL && strcmp(path, "/static/chart.js") != 0)) {
		not_found(req);
		return;
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		if (authed) {
			send_index(w, req);
		} else {
			snprintf(full, sizeof(full), "%s/login.html", w->root);
			send_file(req, w->root, full, "text/html; charset=utf-8");
		}
		return;
	}
	if (!authed && !cd_www_entry(path)) {	/* the front door refused it already */
		plain(req, 401, "Unauthorized", "a bearer token is required\n");
		return;
	}
	if (strcmp(path, "/static/chart.js") == 0) {
		if (w->chart == NULL)
			not_found(req);
		else
			send_file(req, NULL, w->chart, "text/javascript; charset=utf-8");
		return;
	}
	if (strncmp(path, "/ui/", 4) != 0 || !rel_ok(path + 4) ||
	    (type = type_of(path)) == NULL || strcmp(path + 4, "index.html") == 0) {
		not_found(req);
		return;
	}
	snprintf(full, sizeof(full), "%s/%s", w->root, path + 4);
	send_file(req, w->root, full, type);
}
