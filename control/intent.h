/* Switch intents compiled into table.write updates: slice membership,
 * SVIs, routes, static MACs and neighbours. Pure functions over JSON (what
 * was read in, the updates out), no I/O, so sxctl (blocking) and sxcd (its
 * event loop) drive the same logic; the switch's table and field names live
 * here and nowhere else on the control side. */
#ifndef INTENT_H
#define INTENT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/* Tables an intent reads before it is compiled. */
#define INTENT_T_INTERFACES "interfaces"
#define INTENT_T_FLOOD      "flood"
#define INTENT_T_SVI        "svi"
#define INTENT_T_ROUTES     "routes"
#define INTENT_T_FDB        "fdb"
#define INTENT_T_NEIGH      "neigh"

#define INTENT_FLOOD_PORTS  32   /* bits in a flood entry's port mask */

/* One table.write update; match and params are taken. A NULL action (a
 * delete) drops params. NULL only when out of memory. */
json_t *intent_upd(const char *type, const char *table, json_t *match, const char *action,
		   json_t *params);
/* The first of entries (a table.read "entries" array) whose match has
 * every member of match (taken); borrowed, or NULL. */
json_t *intent_find(json_t *entries, json_t *match);

/* slice attach|detach: the interfaces and bd_ports updates of (port, vlan)
 * in bridge domain bd (port: a JSON name or index, borrowed). */
json_t *intent_slice(bool attach, json_t *port, json_int_t vlan, json_int_t slice, json_int_t bd);
/* The bridge domain (port name, vlan) is attached to: 0, or -ENOENT. */
int intent_slice_bd(json_t *interfaces, const char *port_name, json_int_t vlan, json_int_t *bd);
/* The flood update of bd with port bit set or cleared, given the flood
 * entries read; NULL when nothing changes. A modify or delete carries
 * "expect" (the entry as read), so sxdp refuses it if another writer
 * changed the mask meanwhile: see intent_flood_raced. */
json_t *intent_flood(json_t *floods, json_int_t bd, json_int_t bit, bool set);
/* Did a table.write result whose last update was intent_flood's lose
 * that race (nothing committed; the entry changed, appeared or went)?
 * Then read the flood table again, recompile and retry. */
bool intent_flood_raced(json_t *write_result);

/* svi add|del: the SVI entry, its MAC routed, IP/32 local, the connected
 * subnet (ip host order). */
json_t *intent_svi(bool add, json_int_t slice, json_int_t bd, const char *mac, uint32_t ip,
		   unsigned int plen);
/* What svi del takes away, from the svi entries read: 0, or -ENOENT. */
int intent_svi_of(json_t *svis, json_int_t slice, json_int_t bd, const char **mac, uint32_t *ip,
		  unsigned int *plen);

/* route add (how "via": 1 next hop, "ecmp": 2..4, "drop": none) or
 * del (how NULL); NULL on a bad how/next-hop count. */
json_t *intent_route(json_int_t vrf, const char *prefix, const char *how, const char *const *nh,
		     int n_nh);
/* mac add (port a JSON name or index, borrowed) or del (port NULL). */
json_t *intent_mac(json_int_t bd, const char *mac, json_t *port);
/* neigh add (port non-NULL) or del. */
json_t *intent_neigh(json_int_t vrf, const char *ip, json_t *port, json_int_t vlan, const char *dmac,
		     const char *smac);

#endif
