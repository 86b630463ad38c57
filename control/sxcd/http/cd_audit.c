/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_audit (see cd_audit.h): the audit lines, to the log and a file logrotate may move. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cd_audit.h"
#include "cd_clock.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "store.h"

/* What a route tells of a request, kept on it (its lifetime is the
 * request's) under names no client's field keeps: any it sent are
 * dropped first (cd_audit_by). */
#define H_BY      "Sxcd-Audit-By"
#define H_INTENTS "Sxcd-Audit-Intents"
#define H_ASKED   "Sxcd-Audit-Asked"
#define INTENTS_MAX 4096	/* bytes of names kept per request: the rest counted */

static struct {
	char *path;
	int fd;
	uint64_t lines, file_errors;
} au = { .fd = -1 };

static int
reopen(void)
{
	int fd = open(au.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);

	if (fd < 0)
		return -errno;
	if (au.fd >= 0)
		close(au.fd);
	au.fd = fd;
	return 0;
}

int
cd_audit_open(const char *path)
{
	if (path == NULL)
		return 0;
	if ((au.path = strdup(path)) == NULL)
		return -ENOMEM;
	return reopen();
}

void
cd_audit_close(void)
{
	if (au.fd >= 0)
		close(au.fd);
	au.fd = -1;
	free(au.path);
	au.path = NULL;
}

static void
drop_all(struct evkeyvalq *h, const char *name)
{
	while (evhttp_find_header(h, name) != NULL)
		evhttp_remove_header(h, name);
}

void
cd_audit_by(struct evhttp_request *req, const char *by)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);

	drop_all(in, H_BY);
	drop_all(in, H_INTENTS);
	drop_all(in, H_ASKED);
	evhttp_add_header(in, H_BY, by);
}

void
cd_audit_asked(struct evhttp_request *req, const char *asked)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);

	drop_all(in, H_ASKED);
	evhttp_add_header(in, H_ASKED, asked[0] ? asked : "- -");
}

void
cd_audit_touch(struct evhttp_request *req, const char *who)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *had = evhttp_find_header(in, H_INTENTS);
	char *v;

	if (had != NULL && strlen(had) + strlen(who) + 2 > INTENTS_MAX)
		return;
	if (asprintf(&v, "%s%s%s", had ? had : "", had ? "," : "", who) < 0)
		return;
	drop_all(in, H_INTENTS);
	evhttp_add_header(in, H_INTENTS, v);
	free(v);
}

static bool
keep(const char *method, int code)
{
	bool write = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
		     strcmp(method, "PATCH") == 0;

	return write || code == 401 || code == 403 || code == 409 || code == 422 || code == 429;
}

static void
add_who(json_t *list, const char *kind, const char *name)
{
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *v;
	size_t i;

	if (kind == NULL || name == NULL)
		return;
	snprintf(who, sizeof(who), "%s/%s", kind, name);
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), who) == 0)
			return;
	json_array_append_new(list, json_string(who));
}

/* The intents @req touched: the route's word, the answer's, the path's. */
static json_t *
intents_of(struct evhttp_request *req, const char *api, const char *path, json_t *body)
{
	const char *named = evhttp_find_header(evhttp_request_get_input_headers(req), H_INTENTS);
	size_t i, la = strlen(api);
	json_t *out = json_array(), *c;

	if (named != NULL) {
		char *dup = strdup(named), *save = NULL, *w, *sl;

		for (w = dup ? strtok_r(dup, ",", &save) : NULL; w != NULL; w = strtok_r(NULL, ",", &save))
			if ((sl = strchr(w, '/')) != NULL) {
				*sl = '\0';
				add_who(out, w, sl + 1);
			}
		free(dup);
	}
	json_array_foreach(json_object_get(body, "changes"), i, c)
		add_who(out, json_string_value(json_object_get(c, "kind")), json_string_value(json_object_get(c, "name")));
	add_who(out, json_string_value(json_object_get(body, "kind")),
		json_string_value(json_object_get(json_object_get(body, "metadata"), "name")));
	/* API/KIND[/NAME]: the route's intent, whatever the answer */
	if (strncmp(path, api, la) == 0 && path[la] == '/') {
		const char *k = path + la + 1, *sl = strchr(k, '/');
		char kind[32];
		int ki;

		snprintf(kind, sizeof(kind), "%.*s", sl ? (int)(sl - k) : (int)strlen(k), k);
		if ((ki = cd_kind_of(kind)) >= 0 && (sl != NULL || cd_kind_only(ki) != NULL) &&
		    (sl == NULL || (store_name_ok(sl + 1) && strlen(sl + 1) <= STORE_NAME_MAX)))
			add_who(out, kind, sl ? sl + 1 : cd_kind_only(ki));
	}
	return out;
}

static void
to_file(const char *line)
{
	struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };
	struct stat a, b;

	if (au.path == NULL)
		return;
	/* moved away (logrotate) or gone: a new file at the path */
	if ((stat(au.path, &a) < 0 || au.fd < 0 || fstat(au.fd, &b) < 0 || a.st_ino != b.st_ino ||
	     a.st_dev != b.st_dev) && reopen() < 0) {
		au.file_errors++;
		return;
	}
	/* one write: lines of O_APPEND writers never interleave */
	if (writev(au.fd, iov, 2) != (ssize_t)(iov[0].iov_len + 1))
		au.file_errors++;
}

void
cd_audit_answer(struct evhttp_request *req, const struct cd_audit_ask *a, int code, json_t *body)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *by = evhttp_find_header(in, H_BY), *asked = evhttp_find_header(in, H_ASKED);
	const char *method = a->method, *path = a->path;
	char now[40], am[16];
	json_t *rec;
	char *line;

	/* a refusal at the front door: what the client asked, not its stand-in */
	if (asked != NULL) {
		snprintf(am, sizeof(am), "%.*s", (int)strcspn(asked, " "), asked);
		method = am;
		path = asked + strcspn(asked, " ") + (asked[strcspn(asked, " ")] != '\0');
	}
	if (!keep(method, code))
		return;
	path = path != NULL && path[0] != '\0' ? path : "-";
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:s}", "time", cd_clock_utc(now, sizeof(now), true),
			"audit", "sxcd", "by", by ? by : "-", "from", a->from, "method", method, "route", path,
			"intents", intents_of(req, a->api, path, body), "code", code, "outcome", code < 400 ? "ok" :
			json_string_value(json_object_get(json_object_get(body, "error"), "reason")) ?: "refused");
	if (rec != NULL && json_integer_value(json_object_get(body, "revision")) > 0)
		json_object_set(rec, "revision", json_object_get(body, "revision"));
	if (rec == NULL || (line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(rec);
		return;
	}
	au.lines++;
	cd_log_put("sxcd", CD_PRI_INFO, "INFO", "audit", "audit", line);	/* in JSON: the record itself */
	to_file(line);
	free(line);
	json_decref(rec);
}

json_t *
cd_audit_stats(void)
{
	return json_pack("{s:I,s:I,s:s?}", "lines", (json_int_t)au.lines, "file_errors", (json_int_t)au.file_errors,
			 "file", au.path);
}
