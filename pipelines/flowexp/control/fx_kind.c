/* SPDX-License-Identifier: BSD-3-Clause */
/* fx_kind: sxcd's flow_export kind: one document (collectors, sampling, timeouts) compiled to flowexp's tables. */
/*
 * The schema (FlowExportSpec in flowexp.openapi.json) bounds every number
 * and says the addresses are IP addresses; what it cannot say (a collector
 * must be a unicast address, named once) fails the intent here with its
 * pointer. The entries are sxcd's like any other intent's: the reconciler
 * puts them back after sxdp restarts, and withdrawing the intent turns
 * export off (sxdp then sends what its caches hold, forced end, first).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cd_kind.h"
#include "fx_names.h"

#define FX_KIND_NAME "local"	/* the one flow_export intent */

/* @a (the schema's "ip") as sxdp's collector action, or NULL with why. */
static const char *
coll_action(const char *a, const char **why)
{
	uint8_t b[16];
	static const uint8_t zero[16];

	if (inet_pton(AF_INET, a, b) == 1) {
		if (memcmp(b, zero, 4) == 0 || memcmp(b, "\xff\xff\xff\xff", 4) == 0 || (b[0] & 0xf0) == 0xe0) {
			*why = "not a unicast IPv4 address";
			return NULL;
		}
		return FX_A_IPV4;
	}
	if (inet_pton(AF_INET6, a, b) == 1) {
		if (memcmp(b, zero, 16) == 0 || b[0] == 0xff) {
			*why = "not a unicast IPv6 address";
			return NULL;
		}
		return FX_A_IPV6;
	}
	*why = "not an IPv4 or IPv6 address";
	return NULL;
}

static bool
compile_flow_export(struct cd_kx *x, const char *name, json_t *spec)
{
	json_t *u, *c, *seen;
	const char *action, *why, *addr;
	char ptr[64], key[80];
	size_t i;

	(void)name;
	if (!cd_tables_has(cd_kx_tables(x), FX_T_CONFIG) || !cd_tables_has(cd_kx_tables(x), FX_T_COLLECTORS)) {
		cd_kx_wait_for(x, "/spec", "sxdp with the flowexp feature (its tables " FX_T_CONFIG ", "
			       FX_T_COLLECTORS ")");
		return false;
	}
	u = json_array();
	seen = json_object();
	json_array_foreach(json_object_get(spec, "collectors"), i, c) {
		addr = cd_str(c, "address");
		snprintf(ptr, sizeof(ptr), "/spec/collectors/%zu/address", i);
		if (i >= FX_COLLECTORS_MAX) {   /* the schema's maxItems: never */
			cd_kx_fail(x, "Failed", ptr, "bad_value", "at most %d collectors", FX_COLLECTORS_MAX);
			break;
		}
		if ((action = coll_action(addr, &why)) == NULL) {
			cd_kx_fail(x, "Failed", ptr, "bad_value", "collector %s: %s", addr, why);
			break;
		}
		snprintf(key, sizeof(key), "[%s]:%" JSON_INTEGER_FORMAT, addr, cd_num(c, "port", 0));
		if (json_object_get(seen, key) != NULL) {
			snprintf(ptr, sizeof(ptr), "/spec/collectors/%zu", i);
			cd_kx_fail(x, "Failed", ptr, "duplicate", "collector %s port %" JSON_INTEGER_FORMAT
				   " is named twice", addr, cd_num(c, "port", 0));
			break;
		}
		json_object_set_new(seen, key, json_true());
		json_array_append_new(u, cd_kx_upd(FX_T_COLLECTORS, json_pack("{s:I}", FX_F_ID, (json_int_t)i),
						   action, json_pack("{s:s,s:I}", FX_F_IP, addr, FX_F_PORT,
								     cd_num(c, "port", 0))));
	}
	json_decref(seen);
	if (cd_kx_failed(x)) {
		json_decref(u);
		return false;
	}
	json_array_append_new(u, cd_kx_upd(FX_T_CONFIG, json_pack("{s:I}", FX_F_ID, (json_int_t)0), FX_A_EXPORT,
		json_pack("{s:I,s:I,s:I,s:I,s:I}", FX_F_SAMPLING, cd_num(spec, "sampling", 1),
			  FX_F_ACTIVE_S, cd_num(spec, "active_timeout_s", FX_DEFAULT_ACTIVE_S),
			  FX_F_IDLE_S, cd_num(spec, "idle_timeout_s", FX_DEFAULT_IDLE_S),
			  FX_F_TEMPLATE_S, cd_num(spec, "template_refresh_s", FX_DEFAULT_TEMPLATE_S),
			  FX_F_DOMAIN, cd_num(spec, "observation_domain", 0))));
	cd_kx_apply(x, u, "/spec");
	json_decref(u);
	return false;
}

static const struct cd_kind flow_export_kind = {
	.name = "flow_export", .schema = "FlowExportSpec", .order = 700, .only = FX_KIND_NAME,
	.compile = compile_flow_export,
};
CD_KIND_REGISTER(flow_export_kind)
