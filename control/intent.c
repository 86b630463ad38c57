/* Switch intents compiled into table.write updates (see intent.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "intent.h"

json_t *
intent_upd(const char *type, const char *table, json_t *match, const char *action, json_t *params)
{
	json_t *u = json_pack("{s:s,s:s,s:o}", "type", type, "table", table, "match", match);

	if (u == NULL) {
		json_decref(params);
		return NULL;
	}
	if (action != NULL) {
		json_object_set_new(u, "action", json_string(action));
		json_object_set_new(u, "params", params != NULL ? params : json_object());
	} else {
		json_decref(params);
	}
	return u;
}

json_t *
intent_find(json_t *entries, json_t *match)
{
	json_t *e, *found = NULL, *v;
	const char *k;
	size_t i;

	json_array_foreach(entries, i, e) {
		found = e;
		json_object_foreach(match, k, v)
			if (!json_equal(json_object_get(json_object_get(e, "match"), k), v))
				found = NULL;
		if (found != NULL)
			break;
	}
	json_decref(match);
	return found;
}

static bool
is_action(json_t *e, const char *action)
{
	const char *a = json_string_value(json_object_get(e, "action"));

	return a != NULL && strcmp(a, action) == 0;
}

static json_int_t
param_int(json_t *e, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(e, "params"), key));
}

json_t *
intent_slice(bool attach, json_t *port, json_int_t vlan, json_int_t slice, json_int_t bd)
{
	const char *t = attach ? "insert" : "delete";
	json_t *ups = json_array();

	json_array_append_new(ups, intent_upd(t, INTENT_T_INTERFACES,
		json_pack("{s:O,s:I}", "in_port", port, "vlan", vlan), attach ? "attach" : NULL,
		json_pack("{s:I,s:I}", "slice", slice, "bd", bd)));
	json_array_append_new(ups, intent_upd(t, "bd_ports", json_pack("{s:I,s:O}", "bd", bd, "port", port),
		attach ? "member" : NULL, json_pack("{s:I}", "vlan", vlan)));
	return ups;
}

int
intent_slice_bd(json_t *interfaces, const char *port_name, json_int_t vlan, json_int_t *bd)
{
	json_t *e = intent_find(interfaces, json_pack("{s:s,s:I}", "in_port", port_name, "vlan", vlan));

	if (!is_action(e, "attach"))
		return -ENOENT;
	*bd = param_int(e, "bd");
	return 0;
}

json_t *
intent_flood(json_t *floods, json_int_t bd, json_int_t bit, bool set)
{
	json_t *e = intent_find(floods, json_pack("{s:I}", "bd", bd));
	json_t *match = json_pack("{s:I}", "bd", bd), *u = NULL;
	uint32_t old = 0, mask;

	if (is_action(e, "flood"))
		old = (uint32_t)param_int(e, "ports");
	mask = set ? old | (1u << bit) : old & ~(1u << bit);
	if (!set && (e == NULL || mask == 0)) {
		if (e != NULL)
			u = intent_upd("delete", INTENT_T_FLOOD, match, NULL, NULL);
		else
			json_decref(match);
	} else {
		u = intent_upd(e != NULL ? "modify" : "insert", INTENT_T_FLOOD, match, "flood",
			       json_pack("{s:I}", "ports", (json_int_t)mask));
	}
	/* compare-and-set: applied only while the entry is as read */
	if (u != NULL && e != NULL)
		json_object_set_new(u, "expect", json_pack("{s:O,s:O}", "action",
				    json_object_get(e, "action"), "params", json_object_get(e, "params")));
	return u;
}

bool
intent_flood_raced(json_t *res)
{
	json_t *results = json_object_get(res, "results");
	json_t *last = json_array_get(results, json_array_size(results) - 1);
	const char *reason = json_string_value(json_object_get(json_object_get(
		json_object_get(last, "error"), "data"), "reason"));

	return json_is_false(json_object_get(res, "committed")) && reason != NULL &&
	       (strcmp(reason, "changed") == 0 || strcmp(reason, "exists") == 0 ||
		strcmp(reason, "not_found") == 0);
}

static const char *
ipv4_text(uint32_t ip, char *buf)
{
	struct in_addr a = { htonl(ip) };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

json_t *
intent_svi(bool add, json_int_t slice, json_int_t bd, const char *mac, uint32_t ip, unsigned int plen)
{
	const char *t = add ? "insert" : "delete";
	uint32_t net = plen ? ip & ~(uint32_t)((UINT64_C(1) << (32 - plen)) - 1) : 0;
	char a[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN + 4], subnet[INET_ADDRSTRLEN + 4];
	json_t *ups = json_array();

	ipv4_text(ip, a);
	snprintf(host, sizeof(host), "%s/32", a);
	snprintf(subnet, sizeof(subnet), "%s/%u", ipv4_text(net, n), plen);
	json_array_append_new(ups, intent_upd(t, INTENT_T_SVI, json_pack("{s:I,s:I}", "vrf", slice, "bd", bd),
		add ? "svi" : NULL, json_pack("{s:s,s:s,s:i}", "mac", mac, "ip", a, "plen", (int)plen)));
	json_array_append_new(ups, intent_upd(t, INTENT_T_FDB, json_pack("{s:I,s:s}", "bd", bd, "mac", mac),
		add ? "route" : NULL, NULL));
	json_array_append_new(ups, intent_upd(t, INTENT_T_ROUTES, json_pack("{s:I,s:s}", "vrf", slice,
		"dst", host), add ? "local" : NULL, NULL));
	json_array_append_new(ups, intent_upd(t, INTENT_T_ROUTES, json_pack("{s:I,s:s}", "vrf", slice,
		"dst", subnet), add ? "connected" : NULL, json_pack("{s:I}", "bd", bd)));
	return ups;
}

int
intent_svi_of(json_t *svis, json_int_t slice, json_int_t bd, const char **mac, uint32_t *ip,
	      unsigned int *plen)
{
	json_t *e = intent_find(svis, json_pack("{s:I,s:I}", "vrf", slice, "bd", bd));
	json_t *p = json_object_get(e, "params");
	const char *ipt = json_string_value(json_object_get(p, "ip"));
	struct in_addr a;

	*mac = json_string_value(json_object_get(p, "mac"));
	*plen = (unsigned int)json_integer_value(json_object_get(p, "plen"));
	if (e == NULL || *mac == NULL || ipt == NULL || inet_pton(AF_INET, ipt, &a) != 1 || *plen > 32)
		return -ENOENT;
	*ip = ntohl(a.s_addr);
	return 0;
}

json_t *
intent_route(json_int_t vrf, const char *prefix, const char *how, const char *const *nh, int n_nh)
{
	json_t *match = json_pack("{s:I,s:s}", "vrf", vrf, "dst", prefix), *params;
	char key[8];

	if (how == NULL)
		return json_pack("[o]", intent_upd("delete", INTENT_T_ROUTES, match, NULL, NULL));
	if (strcmp(how, "via") == 0 && n_nh == 1) {
		params = json_pack("{s:s}", "nh", nh[0]);
	} else if (strcmp(how, "ecmp") == 0 && n_nh >= 2 && n_nh <= 4) {
		params = json_pack("{s:i}", "n", n_nh);
		for (int i = 0; i < 4; i++) {
			snprintf(key, sizeof(key), "nh%d", i);
			json_object_set_new(params, key, json_string(i < n_nh ? nh[i] : "0.0.0.0"));
		}
	} else if (strcmp(how, "drop") == 0 && n_nh == 0) {
		params = json_object();
	} else {
		json_decref(match);
		return NULL;
	}
	return json_pack("[o]", intent_upd("insert", INTENT_T_ROUTES, match, how, params));
}

json_t *
intent_mac(json_int_t bd, const char *mac, json_t *port)
{
	json_t *match = json_pack("{s:I,s:s}", "bd", bd, "mac", mac);

	return json_pack("[o]", port != NULL ?
		intent_upd("insert", INTENT_T_FDB, match, "forward", json_pack("{s:O}", "port", port)) :
		intent_upd("delete", INTENT_T_FDB, match, NULL, NULL));
}

json_t *
intent_neigh(json_int_t vrf, const char *ip, json_t *port, json_int_t vlan, const char *dmac,
	     const char *smac)
{
	json_t *match = json_pack("{s:I,s:s}", "vrf", vrf, "ip", ip);

	return json_pack("[o]", port != NULL ?
		intent_upd("insert", INTENT_T_NEIGH, match, "rewrite", json_pack("{s:O,s:I,s:s,s:s}",
			   "port", port, "vlan", vlan, "dmac", dmac, "smac", smac)) :
		intent_upd("delete", INTENT_T_NEIGH, match, NULL, NULL));
}
