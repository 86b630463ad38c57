/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl switch shortcuts: their words to intents, the intent library's reads and write, output. */
/*
 * What a shortcut writes is compiled by the intent library (intent.c),
 * which sxcd shares; here are the blocking calls that feed it and the
 * retry when a write lost a race with another client, for the overlay's
 * shortcuts (sxctl_overlay.c) too.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "intent.h"
#include "sxctl.h"

/* Read what the compile step asked for into @in. */
static int
read_inputs(struct sx_ctx *x, unsigned int need, json_t **in)
{
	const char *table;
	json_t *res;
	int k, rc;

	for (k = 0; k < INTENT_IN_MAX; k++) {
		if (!(need & INTENT_IN(k)) || in[k] != NULL)
			continue;
		table = intent_input_table(k);
		if (table != NULL) {
			rc = table_read_all(x, table, &in[k]);
		} else {
			rc = sx_call(x, "port.list", NULL, &res);
			if (rc == EX_OK) {
				in[k] = json_incref(json_object_get(res, "ports"));
				json_decref(res);
				if (in[k] == NULL)
					in[k] = json_array();
			}
		}
		if (rc != EX_OK)
			return rc;
	}
	return EX_OK;
}

/*
 * Compile @it, reading what it asks for, and send the write. A write that
 * lost a race (the flood mask another client changed between our read and
 * our write, refused by its "expect") applied nothing: what changed is
 * read again and the intent compiled again, INTENT_ATTEMPTS writes at most.
 */
int
shortcut_run(struct sx_ctx *x, const struct intent *it)
{
	json_t *in[INTENT_IN_MAX] = { NULL }, *params, *res;
	char err[512], what[256];
	unsigned int need, stale;
	int rc, k, attempt = 0;

	for (;;) {
		rc = intent_compile(it, in, &need, &params, err, sizeof(err));
		if (rc == -EAGAIN) {
			if ((rc = read_inputs(x, need, in)) != EX_OK)
				break;
			continue;
		}
		if (rc == -ENOMEM)
			sx_oom();
		if (rc < 0) {
			/* a malformed argument is the caller's, found before any write */
			rc = rc == -EINVAL ? usage_error("%s", err) :
					     sx_fail(x, intent_reason(rc), "%s", err);
			break;
		}
		if (x->atomicity != NULL)
			json_object_set_new(params, "atomicity", json_string(x->atomicity));
		attempt++;
		rc = sx_call(x, "table.write", json_incref(params), &res);
		if (rc != EX_OK) {
			json_decref(params);
			break;
		}
		stale = intent_raced(it, params, res, what, sizeof(what));
		json_decref(params);
		if (stale == 0 || attempt == INTENT_ATTEMPTS) {
			if (stale != 0)
				fprintf(stderr, "sxctl: %s changed concurrently, giving up after %d "
					"attempts\n", what, attempt);
			rc = table_judge(x, res);
			break;
		}
		json_decref(res);
		for (k = 0; k < INTENT_IN_MAX; k++)
			if (stale & INTENT_IN(k)) {
				json_decref(in[k]);
				in[k] = NULL;
			}
	}
	for (k = 0; k < INTENT_IN_MAX; k++)
		json_decref(in[k]);
	return rc;
}

/* slice attach PORT [vlan V] slice S bd B | slice detach PORT [vlan V] */
static int
cmd_slice(struct sx_ctx *x, char **av, int ac)
{
	static const char *const spec[] = { "VLAN", "SLICE", "BD" };
	struct parse_opt o[] = { { "vlan", 1 }, { "slice", 1 }, { "bd", 1 } };
	bool attach = ac > 0 && strcmp(av[0], "attach") == 0;
	json_int_t val[3] = { 0, 0, 0 };
	struct intent it;
	int k, rc;

	if (!attach && (ac < 1 || strcmp(av[0], "detach") != 0))
		return usage_error("usage: slice attach|detach PORT ...");
	if (ac < 2 || av[1][0] == '\0')
		return usage_error("missing PORT");
	if ((rc = parse_options(av + 2, ac - 2, o, attach ? 3 : 1)) != EX_OK)
		return rc;
	for (k = 0; k < (attach ? 3 : 1); k++)
		if (o[k].val != NULL &&
		    (rc = parse_positional(o[k].val, 1, spec[k], &val[k])) != EX_OK)
			return rc;
	if (attach && (o[1].val == NULL || o[2].val == NULL))
		return usage_error("slice attach needs 'slice S' and 'bd B'");
	it = (struct intent){ .kind = attach ? INTENT_SLICE_ATTACH : INTENT_SLICE_DETACH,
			      .port = av[1], .vlan = val[0], .slice = val[1], .bd = val[2] };
	return shortcut_run(x, &it);
}

/* svi add SLICE BD MAC IP/PLEN | svi del SLICE BD [ipv6] */
static int
cmd_svi(struct sx_ctx *x, char **av, int ac)
{
	bool add = ac >= 1 && strcmp(av[0], "add") == 0;
	bool v6 = !add && ac == 4 && strcmp(av[3], "ipv6") == 0;
	json_int_t num[8];
	struct intent it;
	int rc;

	if (!add && (ac < 1 || strcmp(av[0], "del") != 0))
		return usage_error("usage: svi add|del SLICE BD ...");
	rc = parse_positional(av + 1, ac - 1 - v6, add ? "SLICE BD MAC IP/PLEN" : "SLICE BD", num);
	if (rc != EX_OK)
		return rc;
	it = (struct intent){ .kind = add ? INTENT_SVI_ADD : INTENT_SVI_DEL, .slice = num[0],
			      .bd = num[1], .mac = add ? av[3] : NULL, .addr = add ? av[4] : NULL,
			      .ipv6 = v6 };
	return shortcut_run(x, &it);
}

int
shortcut_show(struct sx_ctx *x, enum intent_view v, json_int_t want, void (*line)(json_t *))
{
	const char *table = intent_view_table(v);
	json_t *all, *keep, *e, *doc;
	size_t i;
	int rc = table_read_all(x, table, &all);

	if (rc != EX_OK)
		return rc;
	keep = intent_view_select(v, all, want);
	if (keep == NULL)
		sx_oom();
	if (x->json) {
		doc = json_pack("{s:s,s:O}", "table", table, "entries", keep);
		fmt_json(stdout, doc);
		json_decref(doc);
	} else {
		json_array_foreach(keep, i, e)
			line(e);
	}
	json_decref(keep);
	json_decref(all);
	return EX_OK;
}

/* route add VRF PREFIX via NH | ecmp NH1 NH2 [NH3 [NH4]] | drop,
 * route del VRF PREFIX, route show [VRF], route show6 [VRF]; an IPv6
 * PREFIX is an IPv6 route (routes6) */
static int
cmd_route(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0 || strcmp(sub, "show6") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : shortcut_show(x, sub[4] ? INTENT_V_ROUTES6 : INTENT_V_ROUTES, num[0],
					   fmt_route);
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)
		return usage_error("usage: route add|del|show|show6 ...");
	if ((rc = parse_positional(av + 1, ac > 3 ? 2 : ac - 1, "VRF PREFIX", num)) != EX_OK)
		return rc;
	if (strcmp(sub, "del") == 0 && ac > 3)
		return usage_error("unexpected '%s'", av[3]);
	/* the next hops and how many of them: the library's to judge */
	it = (struct intent){ .kind = sub[0] == 'a' ? INTENT_ROUTE_ADD : INTENT_ROUTE_DEL,
			      .vrf = num[0], .addr = av[2], .how = ac > 3 ? av[3] : "",
			      .nh = (const char *const *)av + 4, .n_nh = ac > 4 ? ac - 4 : 0 };
	return shortcut_run(x, &it);
}

/* mac add BD MAC PORT | mac del BD MAC | mac show [BD] | mac ageing S */
static int
cmd_mac(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[BD]", num)) != EX_OK ?
			rc : shortcut_show(x, INTENT_V_FDB, num[0], fmt_fdb);
	if (strcmp(sub, "ageing") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "SECONDS", num)) != EX_OK ?
			rc : sx_simple(x, "table.config", intent_ageing(num[0]), fmt_ageing);
	if (strcmp(sub, "add") == 0)
		rc = parse_positional(av + 1, ac - 1, "BD MAC PORT", num);
	else if (strcmp(sub, "del") == 0)
		rc = parse_positional(av + 1, ac - 1, "BD MAC", num);
	else
		return usage_error("usage: mac add|del|show|ageing ...");
	if (rc != EX_OK)
		return rc;
	it = (struct intent){ .kind = sub[0] == 'a' ? INTENT_MAC_ADD : INTENT_MAC_DEL,
			      .bd = num[0], .mac = av[2], .port = sub[0] == 'a' ? av[3] : NULL };
	return shortcut_run(x, &it);
}

/* neigh add VRF IP PORT VLAN DMAC SMAC | neigh del VRF IP | neigh show [VRF] |
 * neigh show6 [VRF]; an IPv6 IP is an IPv6 neighbour (neigh6) */
static int
cmd_neigh(struct sx_ctx *x, char **av, int ac)
{
	json_int_t num[8] = { -1 };
	const char *sub = ac > 0 ? av[0] : "";
	bool add = strcmp(sub, "add") == 0;
	struct intent it;
	int rc;

	if (strcmp(sub, "show") == 0 || strcmp(sub, "show6") == 0)
		return (rc = parse_positional(av + 1, ac - 1, "[VRF]", num)) != EX_OK ?
			rc : shortcut_show(x, sub[4] ? INTENT_V_NEIGH6 : INTENT_V_NEIGH, num[0],
					   fmt_neigh);
	if (add)
		rc = parse_positional(av + 1, ac - 1, "VRF IP PORT VLAN DMAC SMAC", num);
	else if (strcmp(sub, "del") == 0)
		rc = parse_positional(av + 1, ac - 1, "VRF IP", num);
	else
		return usage_error("usage: neigh add|del|show|show6 ...");
	if (rc != EX_OK)
		return rc;
	it = (struct intent){ .kind = add ? INTENT_NEIGH_ADD : INTENT_NEIGH_DEL, .vrf = num[0],
			      .addr = av[2] };
	if (add) {
		it.port = av[3];
		it.vlan = num[3];
		it.mac = av[5];
		it.smac = av[6];
	}
	return shortcut_run(x, &it);
}

static const struct {
	const char *name;
	shortcut_fn *fn;
} cmds[] = {
	{ "slice", cmd_slice }, { "svi", cmd_svi }, { "route", cmd_route },
	{ "mac", cmd_mac }, { "neigh", cmd_neigh },
};

shortcut_fn *
shortcut_find(const char *cmd)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn;
	return overlay_shortcut_find(cmd);
}
