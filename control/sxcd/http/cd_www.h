/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_www: the operator's page: static files under one root, served read-only to GET/HEAD. */
/*
 * The root holds the shell (index.html, login.html, the generic views) and,
 * under feat/, each feature's view (a .js file that registers itself with
 * the shell): index.html's "<!--sx:features-->" becomes one script tag per
 * file of feat/, so the shell names no feature. Chart.js is served from
 * where Debian installs it, at /static/chart.js.
 *
 * Only [A-Za-z0-9._-] segments, none starting with '.', at most
 * CD_WWW_PATH_MAX bytes; the file must resolve inside the root (no symlink
 * out), be a regular file of at most CD_WWW_FILE_MAX bytes and of a known
 * type. Anything else is 404, never a hint of what exists.
 */
#ifndef CD_WWW_H
#define CD_WWW_H

#include <stdbool.h>

#define CD_WWW_PATH_MAX 200
#define CD_WWW_FILE_MAX (4u << 20)
#define CD_WWW_FEAT_MAX 32

struct evhttp_request;
struct cd_www;

/* The page from @root (NULL: none, then only 404s), Chart.js from @chart
 * (NULL or missing: 404, the page shows its numbers without charts). */
struct cd_www *cd_www_new(const char *root, const char *chart);
void cd_www_free(struct cd_www *w);

/* Is @path the page's: /, /index.html, /ui/..., /static/...? */
bool cd_www_path(const char *path);
/* Is @path the page's entry ("/" or "/index.html"), answered without a
 * token (with the login page)? */
bool cd_www_entry(const char *path);
/* Answer GET/HEAD of @path (a page path); @authed: the token was given
 * (else only the login page, for the entry). */
void cd_www_serve(struct cd_www *w, struct evhttp_request *req, const char *path, bool authed);

#endif
