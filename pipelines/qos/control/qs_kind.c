/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_kind: sxcd's vdns kind, and what QoS adds to the switch's site (WAN schedulers) and slices (their shares). */
#include <stdio.h>

#include "cd_kind.h"
#include "qos_intent.h"
#include "sw_kind.h"

/* A WAN link's egress scheduler (site wan rate_bps), sized once so that a
 * slice or VDN coming or going never rebuilds it: one subport of
 * QS_SCHED_PIPES pipes, pipe 0 best effort, the others the slices with a
 * rate (each a pipe) and the VDNs (each a pipe), placed by sxdp;
 * QS_SCHED_PIPE_PROFILES distinct pipe rates over its life (rte_sched
 * frees none). About 18 MiB of queues (2048 pipes x 16 queues x 64 mbufs). */
#define QS_SCHED_SUBPORTS      1
#define QS_SCHED_PIPES	       2048
#define QS_SCHED_PIPE_PROFILES 4096
#define QS_SCHED_QSIZE	       64
/* A VDN's id is its meter's and its class's: below the slices' meters
 * (SLICE_METER_MIN, pipelines/switch/control/sw_kind.c). */
#define QS_VDN_ID_MAX 1023
#define CLASS_PRIO    1	/* a VDN's class rule when it names none */

/* One of the QS_SCHED_PIPES - 1 pipes every WAN scheduler keeps for
 * slices and VDNs with a rate (counted here: sxdp places them), for
 * intent key; false, the intent Failed, when none is left. */
static bool
sched_pipe(struct cd_kx *x, const char *key, const char *ptr)
{
	if (cd_kx_alloc(x, "sched-pipe", key, 1, QS_SCHED_PIPES - 1) >= 0)
		return true;
	cd_kx_fail(x, "Failed", ptr, "capacity", "every WAN scheduler's %d pipes for slices and VDNs with a rate "
		   "are taken (QS_SCHED_PIPES, pipelines/qos/control/qs_kind.c)", QS_SCHED_PIPES - 1);
	return false;
}

/* A WAN link with a rate: its scheduler. */
static void
wan_sched(struct cd_kx *x, const char *name, json_t *spec, json_t *w, size_t i, json_t *rec)
{
	char ptr[64];

	(void)name;
	(void)spec;
	(void)rec;
	if (json_object_get(w, "rate_bps") == NULL)
		return;
	snprintf(ptr, sizeof(ptr), "/spec/wan/%zu/rate_bps", i);
	struct qos_sched_arg sa = { .port = cd_str(w, "port"), .rate = cd_num(w, "rate_bps", 0),
				    .subports = QS_SCHED_SUBPORTS, .pipes = QS_SCHED_PIPES,
				    .qsize = QS_SCHED_QSIZE, .pipe_profiles = QS_SCHED_PIPE_PROFILES };
	struct intent it = INTENT_OF(INTENT_SCHED_SET, &sa);

	cd_kx_run(x, &it, ptr);
}

static struct sw_hook sched_hook = { .at = SW_AT_WAN_END, .fn = wan_sched };
SW_HOOK_REGISTER(sched_hook)

/* The slice's guaranteed share (and ceiling) of each WAN scheduler: a pipe
 * of its subport 0. */
static void
compile_shares(struct cd_kx *x, const char *name, json_int_t sid, json_t *rate)
{
	char key[200];
	bool counted = false;
	json_t *w;
	size_t i;

	snprintf(key, sizeof(key), "slices/%s", name);
	json_array_foreach(json_object_get(sw_kind_site(x), "wan"), i, w) {
		struct qos_subport_arg sa = { .port = cd_str(w, "port"), .slice = sid,
					      .cir = cd_num(rate, "guaranteed_bps", 0),
					      .pir = cd_num(rate, "peak_bps", 0) };
		struct intent it = INTENT_OF(INTENT_SUBPORT_SET, &sa);

		if (json_object_get(w, "rate_bps") == NULL)
			continue;
		if (!counted && !sched_pipe(x, key, "/spec/rate"))
			return;
		counted = true;
		cd_kx_run(x, &it, "/spec/rate");
	}
}


/* A slice with a rate: its shares ("rated" in what it publishes: its VDNs need one). */
static void
slice_shares(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	json_t *rate = json_object_get(spec, "rate");

	(void)item;
	(void)i;
	if (rate != NULL)
		compile_shares(x, name, cd_num(rec, "id", 0), rate);
	json_object_set_new(rec, "rated", json_boolean(rate != NULL));
}

static struct sw_hook shares_hook = { .at = SW_AT_SLICE_RATE, .fn = slice_shares };
SW_HOOK_REGISTER(shares_hook)

/* A VDN: a pipe on every WAN link's scheduler that has one (rate_bps),
 * its meter and its class entry. */
static bool
compile_vdn(struct cd_kx *x, const char *name, json_t *spec)
{
	json_t *s = sw_kind_slice(x, spec), *w;
	char key[200];
	json_int_t id;
	size_t i;
	bool any = false;

	if (s == NULL)
		return false;
	if (!json_is_true(json_object_get(s, "rated"))) {
		snprintf(key, sizeof(key), "slices/%s with a rate (its share of the WAN schedulers)",
			 cd_str(spec, "slice"));
		cd_kx_wait_for(x, "/spec/slice", key);
		return false;
	}
	snprintf(key, sizeof(key), "vdns/%s", name);
	if ((id = cd_kx_alloc(x, "meter", key, 1, QS_VDN_ID_MAX)) < 0) {
		cd_kx_fail(x, "Failed", "/spec", "capacity", "every one of the %d VDN ids is taken (a VDN's id "
			   "is its meter's, below the slices' meters: QS_VDN_ID_MAX, "
			   "pipelines/qos/control/qs_kind.c)", QS_VDN_ID_MAX);
		return false;
	}
	if (!sched_pipe(x, key, "/spec"))
		return false;
	json_array_foreach(json_object_get(sw_kind_site(x), "wan"), i, w) {
		struct qos_vdn_arg va = { .id = id, .slice = cd_num(s, "id", 0), .port = cd_str(w, "port"),
					  .cir = cd_num(spec, "guaranteed_bps", 0),
					  .pir = cd_num(spec, "peak_bps", 0),
					  .prio = cd_num(spec, "priority", CLASS_PRIO) };
		struct qos_pipe_arg pa = { .port = va.port, .slice = va.slice, .pipe = id, .cir = va.cir,
					   .pir = va.pir };
		struct intent it;

		if (json_object_get(w, "rate_bps") == NULL)
			continue;
		/* the meter and class once, a pipe on every scheduler */
		cd_rule_of(json_object_get(spec, "match"), &va.rule);
		it = any ? INTENT_OF(INTENT_PIPE_SET, &pa) : INTENT_OF(INTENT_VDN_ADD, &va);
		cd_kx_run(x, &it, "/spec");
		any = true;
	}
	if (!any)
		cd_kx_wait_for(x, "/spec", "a site WAN link with rate_bps (an egress scheduler)");
	return false;
}

static const struct cd_kind vdns_kind = {
	.name = "vdns", .schema = "VdnSpec", .order = 400, .parent = "slices", .parent_field = "slice",
	.compile = compile_vdn,
};
CD_KIND_REGISTER(vdns_kind)
