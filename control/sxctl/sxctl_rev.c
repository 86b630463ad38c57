/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl history/diff/rollback (see sxctl_rev.h): sxcd's revisions, what changed between two, a rollback shown then made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxctl_api.h"
#include "sxctl_fmt.h"
#include "sxctl_rev.h"
#include "sxctl_usage.h"

/* A revision's number from a word: 0 when it is not one. */
static long long
rev_arg(const char *s)
{
	char *end;
	long long v;

	if (s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? v : 0;
}

/* GET or POST @path (taken), wanting 200. */
static int
ask(struct sx_ctx *x, const char *method, char *path, json_t **out)
{
	int rc = api_ask(x, method, path, NULL, 200, out);

	free(path);
	return rc;
}

static int
cmd_history(struct sx_ctx *x)
{
	static const char *const hdr[] = { "REV", "TIME", "BY", "FROM", "ROUTE", "CHANGES", "RESULT", NULL };
	long long n = x->ac == 2 ? rev_arg(x->av[1]) : 50;
	json_t *res, *r, *c, *v;
	struct fmt_tbl t;
	const char *who;
	size_t i, j;
	int rc;

	if (x->ac > 2 || n < 1 || n > 1000)
		return usage_error("usage: history [N]   (the last N revisions, 1..1000; 50)");
	if ((rc = ask(x, "GET", sx_asprintf("/api/v1/revisions?limit=%lld", n), &res)) != EX_OK)
		return rc;
	if (x->json) {
		api_print_json(res);
		json_decref(res);
		return EX_OK;
	}
	fmt_tbl_init(&t, "rllllll", hdr);
	json_array_foreach(json_object_get(res, "items"), i, r) {
		char *chg = sx_asprintf("%s", ""), *out = sx_asprintf("%s", ""), *p;

		json_array_foreach(json_object_get(r, "changes"), j, c) {
			const char *site = json_string_value(json_object_get(c, "site"));

			/* a site's own on a fleet's store: whose */
			p = sx_asprintf("%s%s%s%s%s/%s %s", chg, j ? ", " : "", site ? site : "", site ? ":" : "",
					json_string_value(json_object_get(c, "kind")),
					json_string_value(json_object_get(c, "name")),
					json_string_value(json_object_get(c, "action")));
			free(chg);
			chg = p;
		}
		json_object_foreach(json_object_get(r, "result"), who, v) {
			p = sx_asprintf("%s%s%s %s", out, out[0] ? ", " : "", who,
					json_string_value(json_object_get(v, "phase")) ?: "-");
			free(out);
			out = p;
		}
		fmt_tbl_j(&t, r, "revision");
		fmt_tbl_j(&t, r, "time");
		fmt_tbl_j(&t, r, "by");
		if (json_is_string(json_object_get(r, "site")))	/* a fleet's: through which box */
			fmt_tbl_add(&t, sx_asprintf("%s via %s", json_string_value(json_object_get(r, "from")),
						    json_string_value(json_object_get(r, "site"))));
		else
			fmt_tbl_j(&t, r, "from");
		if (json_integer_value(json_object_get(r, "rollback_of")) > 0)
			fmt_tbl_add(&t, sx_asprintf("rollback to %" JSON_INTEGER_FORMAT,
						    json_integer_value(json_object_get(r, "rollback_of"))));
		else
			fmt_tbl_j(&t, r, "route");
		fmt_tbl_add(&t, chg);
		fmt_tbl_add(&t, out[0] ? out : (free(out), sx_asprintf("-")));
	}
	fmt_tbl_print(&t, 0);
	json_decref(res);
	return EX_OK;
}

/* Every place @a and @b differ, one line each ("  /spec/vni: 5000 -> 5999"). */
static void
walk(const char *ptr, json_t *a, json_t *b)
{
	const char *k;
	json_t *v;
	size_t i;

	if (a != NULL && b != NULL && json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach(a, k, v) {
			char *p = sx_asprintf("%s/%s", ptr, k);

			walk(p, v, json_object_get(b, k));
			free(p);
		}
		json_object_foreach(b, k, v) {
			char *p = sx_asprintf("%s/%s", ptr, k);

			if (json_object_get(a, k) == NULL)
				walk(p, NULL, v);
			free(p);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
		json_array_foreach(a, i, v) {
			char *p = sx_asprintf("%s/%zu", ptr, i);

			walk(p, v, json_array_get(b, i));
			free(p);
		}
		return;
	}
	{
		char *sa = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		char *sb = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		printf("  %s: %s -> %s\n", ptr, sa ? sa : "(none)", sb ? sb : "(none)");
		free(sa);
		free(sb);
	}
}

static int
cmd_diff(struct sx_ctx *x)
{
	long long a = x->ac == 3 ? rev_arg(x->av[1]) : -1, b = x->ac == 3 ? rev_arg(x->av[2]) : -1;
	json_t *res, *it;
	size_t i;
	int rc;

	if (x->ac != 3 || (a == 0 && strcmp(x->av[1], "0") != 0) || (b == 0 && strcmp(x->av[2], "0") != 0))
		return usage_error("usage: diff R1 R2   (the intents as at revision R1, then as at R2)");
	if ((rc = ask(x, "GET", sx_asprintf("/api/v1/revisions/diff?from=%lld&to=%lld", a, b), &res)) != EX_OK)
		return rc;
	if (x->json) {
		api_print_json(res);
		json_decref(res);
		return EX_OK;
	}
	if (json_array_size(json_object_get(res, "intents")) == 0)
		printf("no difference between revisions %lld and %lld\n", a, b);
	json_array_foreach(json_object_get(res, "intents"), i, it) {
		json_t *f = json_object_get(it, "from"), *t = json_object_get(it, "to");

		const char *site = json_string_value(json_object_get(it, "site"));

		printf("%s%s%s/%s: %s\n", site ? site : "", site ? ":" : "", json_string_value(json_object_get(it, "kind")),
		       json_string_value(json_object_get(it, "name")), f == NULL ? "created" :
		       t == NULL ? "withdrawn" : "changed");
		walk("/spec", json_object_get(f, "spec"), json_object_get(t, "spec"));
	}
	json_decref(res);
	return EX_OK;
}

/* What a rollback on a fleet's store leaves to other sites' boxes, said. */
static void
print_elsewhere(json_t *res)
{
	json_t *it;
	size_t i;

	if (json_array_size(json_object_get(res, "elsewhere")) == 0)
		return;
	printf("left to their sites' boxes (roll them back there):\n");
	json_array_foreach(json_object_get(res, "elsewhere"), i, it)
		printf("  %s:%s/%s\n", json_string_value(json_object_get(it, "site")),
		       json_string_value(json_object_get(it, "kind")), json_string_value(json_object_get(it, "name")));
}

/* The dry run first, then (unless --dry-run) the rollback as one change. */
static int
cmd_rollback(struct sx_ctx *x)
{
	long long r = x->ac == 2 ? rev_arg(x->av[1]) : 0;
	json_t *res;
	int rc;

	if (x->ac != 2 || r < 0 || (r == 0 && strcmp(x->av[1], "0") != 0))
		return usage_error("usage: rollback R [--dry-run] [--wait]   (every intent as it was at revision R)");
	if ((rc = ask(x, "POST", sx_asprintf("/api/v1/revisions/%lld/rollback?dry_run=1", r), &res)) != EX_OK)
		return rc;
	if (x->json && x->dry_run) {
		api_print_json(res);
	} else if (!x->json) {
		api_print_changes(res);
		print_elsewhere(res);
	}
	json_decref(res);
	if (x->dry_run)
		return EX_OK;
	if ((rc = ask(x, "POST", sx_asprintf("/api/v1/revisions/%lld/rollback?wait=%d", r, x->wait), &res)) != EX_OK)
		return rc;
	if (x->json) {
		api_print_json(res);
	} else {
		printf("rolled back to revision %lld:\n", r);
		api_print_changes(res);
		print_elsewhere(res);
		printf("revision %" JSON_INTEGER_FORMAT "\n", json_integer_value(json_object_get(res, "revision")));
	}
	json_decref(res);
	return EX_OK;
}

bool
rev_is_cmd(const char *cmd)
{
	return strcmp(cmd, "history") == 0 || strcmp(cmd, "diff") == 0 || strcmp(cmd, "rollback") == 0;
}

int
rev_cmd(struct sx_ctx *x)
{
	if (strcmp(x->av[0], "history") == 0)
		return cmd_history(x);
	if (strcmp(x->av[0], "diff") == 0)
		return cmd_diff(x);
	return cmd_rollback(x);
}
