/* SPDX-License-Identifier: BSD-3-Clause */
/* ha's intents compiled into table.write updates of vrrp and vrrp6, registered with the intent library (see ha_intent.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "intent_cc.h"
#include "ha_intent.h"

#define ADV_MS_MAX  40950	/* 12 bits of centiseconds (RFC 5798 5.2.7) */
#define HOLD_S_MAX  3600
#define U16_MAX	    65535

/* vrrp add: one router entry of the family of its own address. */
static int
compile_vrrp_add(struct cc *c, const struct intent *it)
{
	const struct ha_vrrp_arg *a = it->arg;
	int af = cc_af_of(a->self);
	uint8_t self[16], peer[16];
	int rc;

	if ((rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0 ||
	    (rc = cc_check_num(c, "BD", a->bd, 1, 4095)) < 0 ||
	    (rc = cc_check_num(c, "vrid", a->vrid, 1, 255)) < 0 ||
	    (rc = cc_check_num(c, "priority", a->prio, 1, 254)) < 0 ||
	    (rc = cc_check_num(c, "advert_ms", a->adv_ms, 10, ADV_MS_MAX)) < 0 ||
	    (rc = cc_check_id(c, "hold_s", a->hold_s, HOLD_S_MAX)) < 0)
		return rc;
	if (a->adv_ms % 10 != 0)
		return cc_refuse(c, -EINVAL, "advert_ms %" JSON_INTEGER_FORMAT " is not a whole number of "
				 "centiseconds", a->adv_ms);
	if (!cc_addr_ok(a->self, af, self) || !cc_addr_ok(a->peer, af, peer))
		return cc_refuse(c, -EINVAL, "self '%s' and peer '%s' are addresses of one family", a->self ? a->self : "",
				 a->peer ? a->peer : "");
	if (memcmp(self, peer, af == AF_INET6 ? 16 : 4) == 0)
		return cc_refuse(c, -EINVAL, "the peer '%s' is the router itself", a->peer);
	if (af == AF_INET6 && (self[0] != 0xfe || (self[1] & 0xc0) != 0x80))
		return cc_refuse(c, -EINVAL, "an IPv6 router advertises from its link-local address, not '%s' "
				 "(RFC 5798 5.1.2.1)", a->self);
	cc_add(c, cc_upd("insert", af == AF_INET6 ? HA_T_VRRP6 : HA_T_VRRP,
			 json_pack("{s:I,s:I}", "vrf", a->slice, "bd", a->bd), HA_A_ROUTER,
			 json_pack("{s:I,s:I,s:I,s:i,s:I,s:s,s:s}", "vrid", a->vrid, "prio", a->prio, "adv_cs",
				   a->adv_ms / 10, "preempt", a->preempt ? 1 : 0, "hold_s", a->hold_s, "self", a->self,
				   "peer", a->peer)));
	return 0;
}

/* vrrp del: the router of one family. */
static int
compile_vrrp_del(struct cc *c, const struct intent *it)
{
	const struct ha_vrrp_arg *a = it->arg;
	int rc;

	if ((rc = cc_check_id(c, "SLICE", a->slice, U16_MAX)) < 0 || (rc = cc_check_num(c, "BD", a->bd, 1, 4095)) < 0)
		return rc;
	cc_add(c, cc_upd("delete", a->ipv6 ? HA_T_VRRP6 : HA_T_VRRP,
			 json_pack("{s:I,s:I}", "vrf", a->slice, "bd", a->bd), NULL, NULL));
	return 0;
}

const struct intent_kind ha_intent_kinds[HA_KINDS] = {
	[HA_K_VRRP_ADD] = { INTENT_KIND(INTENT_VRRP_ADD, "vrrp add", compile_vrrp_add) },
	[HA_K_VRRP_DEL] = { INTENT_KIND(INTENT_VRRP_DEL, "vrrp del", compile_vrrp_del) },
};

__attribute__((constructor)) static void
ha_intent_register(void)
{
	intent_kinds_register(ha_intent_kinds, HA_KINDS);
}
