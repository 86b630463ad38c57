/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_svc: the services features bring to sxcd (their options, started on its loop), registered. */
/*
 * sxcd names no feature: a feature that runs something of its own in sxcd
 * (a protocol endpoint) registers a service from a constructor
 * (CD_SVC_REGISTER): its long options, which sxcd adds to its own (getopt
 * table and -h), a check of them all once parsed, a start on the loop once
 * the store, the reconciler and REST are up, a stop at exit, and what it
 * adds to /api/v1/status and /metrics. A service whose options were not
 * given is off: its start sees that and does nothing.
 */
#ifndef CD_SVC_H
#define CD_SVC_H

#include <stddef.h>
#include <stdio.h>
#include <getopt.h>
#include <jansson.h>

struct event_base;
struct cd_res;
struct cd_sync;
struct ctl_async;
struct cd_vis_fams;

/* One long option of a service. */
struct cd_svc_opt {
	const char *name;	/* "pfcp": --pfcp */
	int has_arg;		/* no_argument, required_argument */
	const char *arg;	/* its argument in the usage ("ADDR[:PORT]"); NULL: none */
	const char *help;	/* one line */
	/* takes @val (NULL without an argument); may be called again (a
	 * repeatable option): 0, or -EINVAL with a one-line reason in @why */
	int (*set)(const char *val, char *why, size_t len);
};

/* What a service starts with (borrowed; lives until its stop), used
 * through the plug's cd_host.h. */
struct cd_svc_ctx {
	struct event_base *base;
	struct cd_res *res;	/* the store: cd_host_state / cd_host_save, cd_vis_doc */
	struct cd_sync *sync;	/* the reconciler: cd_host_watch, cd_host_wanted_by */
	struct ctl_async *sxdp;	/* the reconciler's link to sxdp: cd_host_call */
	const char *store_dir;
};

struct cd_svc {
	const char *name;			/* "pfcp": its key in /api/v1/status */
	const struct cd_svc_opt *opts;		/* ended by one with name NULL */
	/* all options seen: do they go together? 0, or -EINVAL and why */
	int (*check)(char *why, size_t len);
	/* 0 (also when off) or -errno with why in @err; sxcd exits then */
	int (*start)(const struct cd_svc_ctx *ctx, char *err, size_t len);
	void (*stop)(void);			/* at exit, after a start that returned 0 */
	json_t *(*status)(void);		/* cheap; a new reference, NULL: nothing */
	/* sxcd's own families: written whether sxdp answers or not */
	void (*metrics)(struct cd_vis_fams *f);
	/* POST /api/v1/services/NAME/ACTION (an admin's, audited) with the
	 * request's JSON body (NULL: none): 0 and *@result (a new reference:
	 * the answer; never a secret), or -errno with why in @msg (-ENOENT:
	 * no such action, 404; -EINVAL: 400; -EBUSY: 409; else 500). NULL:
	 * the service has none. */
	int (*act)(const char *action, json_t *body, json_t **result, char *msg, size_t len);
};

/* Register @s (static storage): from a constructor. */
void cd_svc_register(const struct cd_svc *s);
/* Service @name's action @action (its act): as act, -ENOENT when no
 * started service of that name has one. */
int cd_svc_act(const char *name, const char *action, json_t *body, json_t **result, char *msg, size_t len);

#define CD_SVC_REGISTER(s)                                                                 \
	static void __attribute__((constructor)) cd_svc_register_##s(void)                \
	{                                                                                  \
		cd_svc_register(&s);                                                       \
	}

/* sxcd's getopt_long table: @own (ended by a zeroed one) then every
 * service's option, with val CD_SVC_OPT_VAL + its index; a new array
 * (free()), NULL when out of memory. */
#define CD_SVC_OPT_VAL 0x1000
struct option *cd_svc_getopt(const struct option *own);
/* getopt_long returned @val (>= CD_SVC_OPT_VAL): give the service @arg.
 * 0, or -EINVAL with "--NAME ARG: why" in @why. */
int cd_svc_set(int val, const char *arg, char *why, size_t len);
/* Every service's check: 0, or -EINVAL and why. */
int cd_svc_check(char *why, size_t len);
/* The services' lines of sxcd -h. */
void cd_svc_usage(FILE *f);
/* Start every service, in registration order: 0, or the first one's
 * -errno with "NAME: why" in @err (those started are stopped). */
int cd_svc_start(const struct cd_svc_ctx *ctx, char *err, size_t len);
/* Stop the started ones, last first. */
void cd_svc_stop(void);
/* {"NAME": status} of those that have one (new). */
json_t *cd_svc_status(void);
/* Every started service's families. */
void cd_svc_metrics(struct cd_vis_fams *f);

#endif
