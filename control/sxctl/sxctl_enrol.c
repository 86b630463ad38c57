/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl enrolment (see sxctl_enrol.h): a token for a new box (printed once), the tokens and boxes, a token revoked, a box retired. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxctl_api.h"
#include "sxctl_enrol.h"
#include "sxctl_fmt.h"
#include "sxctl_usage.h"

#define USAGE "usage: enrolment make SITE [TTL_S] | list | revoke ID | retire SITE [remove-intents]"

static int
cmd_list(struct sx_ctx *x)
{
	static const char *const th[] = { "TOKEN", "SITE", "STATE", "EXPIRES", "BY", NULL };
	static const char *const bh[] = { "SITE", "STATE", "ENROLLED", "SERIAL", NULL };
	json_t *res, *r;
	struct fmt_tbl t;
	size_t i;
	int rc;

	if ((rc = api_ask(x, "GET", "/api/v1/enrolments", NULL, 200, &res)) != EX_OK)
		return rc;
	if (x->json) {
		api_print_json(res);
		json_decref(res);
		return EX_OK;
	}
	fmt_tbl_init(&t, "lllrl", th);
	json_array_foreach(json_object_get(res, "tokens"), i, r) {
		fmt_tbl_j(&t, r, "id");
		fmt_tbl_j(&t, r, "site");
		fmt_tbl_j(&t, r, "state");
		fmt_tbl_j(&t, r, "expires");
		fmt_tbl_j(&t, r, "by");
	}
	fmt_tbl_print(&t, 0);
	printf("\n");
	fmt_tbl_init(&t, "llll", bh);
	json_array_foreach(json_object_get(res, "boxes"), i, r) {
		fmt_tbl_j(&t, r, "site");
		fmt_tbl_j(&t, r, "state");
		fmt_tbl_j(&t, r, "enrolled");
		fmt_tbl_j(&t, r, "serial");
	}
	fmt_tbl_print(&t, 0);
	json_decref(res);
	return EX_OK;
}

int
enrol_cmd(struct sx_ctx *x)
{
	const char *sub = x->ac >= 2 ? x->av[1] : "";
	json_t *res, *body;
	char *path;
	int rc;

	if (strcmp(sub, "list") == 0 && x->ac == 2)
		return cmd_list(x);
	if (strcmp(sub, "make") == 0 && (x->ac == 3 || x->ac == 4)) {
		body = json_pack("{s:s}", "site", x->av[2]);
		if (x->ac == 4)
			json_object_set_new(body, "ttl_s", json_integer(strtoll(x->av[3], NULL, 10)));
		if ((rc = api_ask(x, "POST", "/api/v1/enrolments", body, 201, &res)) != EX_OK)
			return rc;
		if (x->json) {
			api_print_json(res);
		} else {
			/* the token on stdout alone (a script takes it), the rest on stderr */
			printf("%s\n", json_string_value(json_object_get(res, "token")));
			fprintf(stderr, "sxctl: the enrolment token of site %s (until %s) is above, shown this once: "
				"give it to the new box (sxcd --enrol-token-file)\n", json_string_value(json_object_get(res, "site")),
				json_string_value(json_object_get(res, "expires")));
		}
		json_decref(res);
		return EX_OK;
	}
	if ((strcmp(sub, "revoke") == 0 && x->ac == 3) ||
	    (strcmp(sub, "retire") == 0 && (x->ac == 3 || (x->ac == 4 && strcmp(x->av[3], "remove-intents") == 0)))) {
		bool retire = sub[2] == 't';

		path = sx_asprintf("/api/v1/%s/%s%s", retire ? "enrolled" : "enrolments", x->av[2],
				   x->ac == 4 ? "?remove_intents=1" : "");
		rc = api_ask(x, "DELETE", path, NULL, 200, &res);
		free(path);
		if (rc != EX_OK)
			return rc;
		if (x->json)
			api_print_json(res);
		else if (retire)
			printf("site %s retired: its certificate revoked, its own intents %s\n", x->av[2],
			       x->ac == 4 ? "removed" : "kept");
		else
			printf("enrolment token %s revoked\n", x->av[2]);
		json_decref(res);
		return EX_OK;
	}
	return usage_error(USAGE);
}

bool
enrol_is_cmd(const char *cmd)
{
	return strcmp(cmd, "enrolment") == 0;
}
