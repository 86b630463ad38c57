/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl service (see sxctl_svc.h): POST /api/v1/services/NAME/ACTION, its answer printed. */
#include <stdlib.h>
#include <string.h>

#include "sxctl_api.h"
#include "sxctl_svc.h"
#include "sxctl_usage.h"

#define USAGE "usage: service NAME ACTION [JSON]   (e.g. service esp rotate, service esp retire)"

int
svc_cmd(struct sx_ctx *x)
{
	json_t *body = NULL, *res;
	json_error_t je;
	char *path;
	int rc;

	if (x->ac < 3 || x->ac > 4)
		return usage_error(USAGE);
	if (x->ac == 4 && (body = json_loads(x->av[3], 0, &je)) == NULL)
		return usage_error("service %s %s: the body is no JSON: %s", x->av[1], x->av[2], je.text);
	path = sx_asprintf("/api/v1/services/%s/%s", x->av[1], x->av[2]);
	rc = api_ask(x, "POST", path, body != NULL ? body : json_object(), 200, &res);
	free(path);
	if (rc != EX_OK)
		return rc;
	api_print_json(res);
	json_decref(res);
	return EX_OK;
}

bool
svc_is_cmd(const char *cmd)
{
	return strcmp(cmd, "service") == 0;
}
