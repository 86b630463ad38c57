/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl credential (see sxctl_cred.h): make one (its token printed once), list them, rotate, revoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxctl_api.h"
#include "sxctl_cred.h"
#include "sxctl_fmt.h"
#include "sxctl_usage.h"

#define USAGE "usage: credential make NAME viewer|operator|admin [SLICE...] | list | rotate NAME | revoke NAME"

/* The token, once: on stdout alone (a script takes it), the warning on stderr. */
static void
print_token(struct sx_ctx *x, json_t *res)
{
	if (x->json) {
		api_print_json(res);
		return;
	}
	printf("%s\n", json_string_value(json_object_get(res, "token")));
	fprintf(stderr, "sxctl: credential %s (%s): its token is above, shown this once; keep it as a "
		"token file (one line, mode 0600)\n", json_string_value(json_object_get(res, "name")),
		json_string_value(json_object_get(res, "role")));
}

static int
cmd_list(struct sx_ctx *x)
{
	static const char *const hdr[] = { "NAME", "ROLE", "SCOPE", "CREATED", "ROTATED", NULL };
	json_t *res, *c, *v;
	struct fmt_tbl t;
	size_t i, j;
	int rc;

	if ((rc = api_ask(x, "GET", "/api/v1/credentials", NULL, 200, &res)) != EX_OK)
		return rc;
	if (x->json) {
		api_print_json(res);
		json_decref(res);
		return EX_OK;
	}
	fmt_tbl_init(&t, "lllll", hdr);
	json_array_foreach(json_object_get(res, "items"), i, c) {
		char *sc = sx_asprintf("%s", json_is_array(json_object_get(c, "scope")) ? "" : "(every intent)"), *p;

		json_array_foreach(json_object_get(c, "scope"), j, v) {
			p = sx_asprintf("%s%s%s", sc, j ? "," : "", json_string_value(v));
			free(sc);
			sc = p;
		}
		fmt_tbl_j(&t, c, "name");
		fmt_tbl_j(&t, c, "role");
		fmt_tbl_add(&t, sc);
		fmt_tbl_j(&t, c, "created");
		fmt_tbl_j(&t, c, "rotated");
	}
	fmt_tbl_print(&t, 0);
	json_decref(res);
	return EX_OK;
}

int
cred_cmd(struct sx_ctx *x)
{
	const char *sub = x->ac >= 2 ? x->av[1] : "";
	json_t *res, *body, *scope;
	char *path;
	int rc;

	if (strcmp(sub, "list") == 0 && x->ac == 2)
		return cmd_list(x);
	if (strcmp(sub, "make") == 0 && x->ac >= 4) {
		scope = x->ac > 4 ? json_array() : NULL;
		for (int i = 4; i < x->ac; i++)
			json_array_append_new(scope, json_string(x->av[i]));
		body = json_pack("{s:s,s:s,s:o?}", "name", x->av[2], "role", x->av[3], "scope", scope);
		if ((rc = api_ask(x, "POST", "/api/v1/credentials", body, 201, &res)) != EX_OK)
			return rc;
		print_token(x, res);
		json_decref(res);
		return EX_OK;
	}
	if ((strcmp(sub, "rotate") == 0 || strcmp(sub, "revoke") == 0) && x->ac == 3) {
		bool rot = sub[1] == 'o';

		path = sx_asprintf("/api/v1/credentials/%s%s", x->av[2], rot ? "/rotate" : "");
		rc = api_ask(x, rot ? "POST" : "DELETE", path, rot ? json_object() : NULL, 200, &res);
		free(path);
		if (rc != EX_OK)
			return rc;
		if (rot)
			print_token(x, res);
		else if (x->json)
			api_print_json(res);
		else
			printf("credential %s revoked: its token and sessions end now\n", x->av[2]);
		json_decref(res);
		return EX_OK;
	}
	return usage_error(USAGE);
}

bool
cred_is_cmd(const char *cmd)
{
	return strcmp(cmd, "credential") == 0;
}
