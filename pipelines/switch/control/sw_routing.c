/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's routing service: the slices' kernel twins kept, the routes learned in their VRFs written to sxdp (see sw_routing.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <event2/event.h>

#include "cd_host.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_svc.h"
#include "cd_vis.h"
#include "sw_kind.h"
#include "sw_names.h"
#include "sw_rib.h"
#include "sw_routing.h"
#include "sw_twin.h"

#define SLICES_MAX    4000	/* slice ids 1..3999 */
#define RCVBUF	      (32 << 20)	/* the route socket's: a full table's burst of changes */
#define ECMP4_MAX     4		/* sxdp's routes' next hops, routes6's */
#define ECMP6_MAX     2

/* What became of a learned prefix in sxdp. */
enum sw_rt_state { ST_NONE, ST_INSTALLED, ST_SHADOWED, ST_UNRESOLVED, ST_REFUSED, ST_OFF, ST_N };
static const char *const st_name[ST_N] = { "pending", "installed", "shadowed", "unresolved", "refused", "off" };

/* An update in flight and the prefix it is for. */
struct inflight {
	struct sw_rib_pfx *p;
	uint64_t sig;
	int op;			/* 0 insert, 1 modify, 2 delete */
};

static struct {
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	struct ctl_async *sxdp;
	const struct cd_tables *tables;		/* sxdp's, while connected */
	struct event *tick, *flush;
	struct sw_rib *rib;
	/* the site's host port */
	bool on;
	char port[64], iface[IFNAMSIZ];
	json_t *twins;				/* "ID" → {netns, device, twin} */
	uint8_t ok[SLICES_MAX];			/* twins the kernel holds as wanted */
	char wants_sig[64];			/* a digest of the twins wanted last */
	int twin_age;				/* ticks since the kernel was checked */
	bool kernel_changed;
	bool twin_wait;				/* a twin wanted is not there */
	uint8_t imp[SLICES_MAX];		/* slices whose routes are imported */
	uint32_t cnt[SLICES_MAX][ST_N];		/* prefixes by state, per slice */
	json_t *owned_prev;			/* "TABLE|KEY" owned in importing VRFs at the last tick */
	struct inflight *fl;
	size_t n_fl;
	bool busy, resync;
	/* what sxdp holds in the importing slices' VRFs, read once it is
	 * connected (or sxcd started): a learned route sxcd wrote before and
	 * the kernel no longer has goes, whatever happened meanwhile */
	bool adopt, adopting;
	uint64_t writes, deletes, refusals, resyncs, errors;
	char last_error[200];
} R;

static void flush_soon(void);
static void adopt_start(void);

static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(R.last_error, sizeof(R.last_error), fmt, ap);
	va_end(ap);
	R.errors++;
	CD_LOG(WARN, "routing: %s", R.last_error);
}

static int
sid_of(const struct sw_rib_pfx *p)
{
	return (int)p->slice;
}

static void
set_state(struct sw_rib_pfx *p, enum sw_rt_state st)
{
	int sid = sid_of(p);

	if (sid <= 0 || sid >= SLICES_MAX || p->state == st)
		return;
	if (p->state != ST_NONE && R.cnt[sid][p->state] > 0)
		R.cnt[sid][p->state]--;
	if (st != ST_NONE)
		R.cnt[sid][st]++;
	p->state = (uint8_t)st;
}

/* --------------------------------------------------- sxdp's entry of one */

static void
pfx_text(const struct sw_rib_pfx *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->af, p->dst, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, p->plen);
}

/* The digest of what sxdp should hold for @p (@res, at most @max next
 * hops): 0 stands for nothing, 1 for "an entry not known to be ours". */
static uint64_t
sig_of(const struct sw_rib_res *res, int max)
{
	uint64_t h = 1469598103934665603ULL;
	int n = res->n < max ? res->n : max;

	h = (h ^ (uint64_t)res->act) * 1099511628211ULL;
	for (int i = 0; i < n; i++)
		for (int b = 0; b < 16; b++)
			h = (h ^ res->hop[i].gw[b]) * 1099511628211ULL;
	return h <= 1 ? h + 2 : h;
}

/* The update (table.write's) of type @type that gives sxdp @res for @p
 * (new). */
static json_t *
update_of(const struct sw_rib_pfx *p, const struct sw_rib_res *res, const char *type)
{
	bool v6 = p->af == AF_INET6;
	int max = v6 ? ECMP6_MAX : ECMP4_MAX, n = res->n < max ? res->n : max;
	char pfx[64], nh[INET6_ADDRSTRLEN], key[8];
	json_t *params, *u;

	pfx_text(p, pfx, sizeof(pfx));
	u = json_pack("{s:s,s:s,s:{s:i,s:s}}", "type", type, "table", v6 ? SW_T_ROUTES6 : SW_T_ROUTES, "match",
		      SW_F_VRF, sid_of(p), SW_F_DST, pfx);
	if (strcmp(type, "delete") == 0)
		return u;
	params = json_object();
	if (res->act == SW_RIB_DROP) {
		json_object_set_new(u, "action", json_string(SW_A_DROP));
	} else if (n == 1) {
		json_object_set_new(u, "action", json_string(SW_A_VIA));
		json_object_set_new(params, SW_F_NH, json_string(inet_ntop(p->af, res->hop[0].gw, nh, sizeof(nh))));
	} else {
		json_object_set_new(u, "action", json_string(SW_A_ECMP));
		json_object_set_new(params, SW_F_N, json_integer(n));
		for (int i = 0; i < max; i++) {
			snprintf(key, sizeof(key), SW_F_NH_FMT, i);
			json_object_set_new(params, key, json_string(i < n ? inet_ntop(p->af, res->hop[i].gw, nh, sizeof(nh)) :
							       v6 ? "::" : "0.0.0.0"));
		}
	}
	json_object_set_new(u, "params", params);
	return u;
}

/* Whose intent holds @u's entry in sxdp, or will at the run under way
 * ("kind/name"), NULL: none. */
static const char *
owner_of(json_t *u)
{
	const char *table = json_string_value(json_object_get(u, "table")), *who;
	char *key = NULL, err[128];

	if (R.tables == NULL || cd_tables_key(R.tables, u, &key, err, sizeof(err)) < 0)
		return NULL;
	who = json_string_value(json_object_get(json_object_get(cd_host_state(R.res, "owners"), table), key));
	if (who == NULL && json_object_get(json_object_get(cd_host_state(R.res, "owned"), table), key) != NULL)
		who = "sxcd";
	if (who == NULL)
		who = cd_host_wanted_by(R.sync, table, key);
	free(key);
	return who;
}

/* ------------------------------------------------------------- writes */

static void reap(struct sw_rib_pfx *p)
{
	if (p->rts == NULL && p->held == 0 && !p->dirty) {
		set_state(p, ST_NONE);
		sw_rib_reap(R.rib, p);
	}
}

static void
written(void *arg, json_t *result, json_t *error)
{
	json_t *r;
	size_t i;

	(void)arg;
	R.busy = false;
	for (i = 0; i < R.n_fl; i++) {
		struct inflight *f = &R.fl[i];
		const char *reason;

		r = json_array_get(json_object_get(result, "results"), i);
		if (error != NULL || r == NULL) {
			/* not said: done again, as what sxdp holds is not known */
			f->p->held = f->op == 2 ? f->p->held : 1;
			sw_rib_dirty(R.rib, f->p);
			continue;
		}
		if (json_is_true(json_object_get(r, "ok"))) {
			f->p->held = f->op == 2 ? 0 : f->sig;
			if (f->op == 2)
				R.deletes++;
			else
				R.writes++;
			if (f->op != 2)
				set_state(f->p, ST_INSTALLED);
			reap(f->p);
			continue;
		}
		reason = json_string_value(json_object_get(json_object_get(json_object_get(r, "error"), "data"),
							   "reason"));
		if (reason != NULL && strcmp(reason, "exists") == 0) {
			f->p->held = 1;		/* someone's entry is there: modified next */
			sw_rib_dirty(R.rib, f->p);
		} else if (reason != NULL && strcmp(reason, "not_found") == 0) {
			f->p->held = 0;
			sw_rib_dirty(R.rib, f->p);
		} else if (reason != NULL && strcmp(reason, "not_applied") == 0) {
			sw_rib_dirty(R.rib, f->p);
		} else {
			char pfx[64];

			pfx_text(f->p, pfx, sizeof(pfx));
			R.refusals++;
			set_state(f->p, ST_REFUSED);
			snprintf(R.last_error, sizeof(R.last_error), "slice %d %s: sxdp refused it (%s): %s",
				 sid_of(f->p), pfx, reason ? reason : "refused",
				 json_string_value(json_object_get(json_object_get(r, "error"), "message")) ?: "");
			R.errors++;
			reap(f->p);
		}
	}
	if (error != NULL && !cd_host_lost(error))
		note("table.write: %s", json_string_value(json_object_get(error, "message")) ?: "failed");
	R.n_fl = 0;
	flush_soon();
}

/* Up to SW_ROUTING_BATCH dirty prefixes made what they should be in sxdp. */
static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	json_t *ups;
	struct sw_rib_pfx *p;

	(void)fd;
	(void)what;
	(void)arg;
	if (R.busy || R.adopting || R.rib == NULL || R.tables == NULL || !cd_host_up(R.sxdp))
		return;
	ups = json_array();
	while (R.n_fl < SW_ROUTING_BATCH && (p = sw_rib_dirty_pop(R.rib)) != NULL) {
		struct sw_rib_res res;
		uint64_t sig;
		int sid = sid_of(p);
		const char *type;

		sw_rib_resolve(R.rib, p, &res);
		sig = sig_of(&res, p->af == AF_INET6 ? ECMP6_MAX : ECMP4_MAX);
		if (sid <= 0 || sid >= SLICES_MAX || !R.imp[sid]) {
			sig = 0;
			set_state(p, p->rts ? ST_OFF : ST_NONE);
		} else if (res.act == SW_RIB_NONE) {
			sig = 0;
			set_state(p, p->rts ? ST_UNRESOLVED : ST_NONE);
		}
		/* an intent's entry is the intent's: never written, never
		 * deleted (owners_check keeps the flag) */
		if (p->owned) {
			p->held = 0;
			set_state(p, p->rts ? ST_SHADOWED : ST_NONE);
			reap(p);
			continue;
		}
		if (sig == p->held) {
			if (sig != 0)
				set_state(p, ST_INSTALLED);
			reap(p);
			continue;
		}
		type = sig == 0 ? "delete" : p->held ? "modify" : "insert";
		R.fl[R.n_fl] = (struct inflight){ .p = p, .sig = sig, .op = sig == 0 ? 2 : p->held ? 1 : 0 };
		json_array_append_new(ups, update_of(p, &res, type));
		R.n_fl++;
	}
	if (R.n_fl == 0) {
		json_decref(ups);
		return;
	}
	if (cd_host_call(R.sxdp, "table.write", json_pack("{s:o,s:s}", "updates", ups, "atomicity", "continue"),
			 written, NULL) < 0) {
		/* down: put back, the next connect writes them */
		for (size_t i = 0; i < R.n_fl; i++)
			sw_rib_dirty(R.rib, R.fl[i].p);
		R.n_fl = 0;
		return;
	}
	R.busy = true;
}

static void
flush_soon(void)
{
	struct timeval now = { 0, 0 };

	if (R.flush != NULL && !R.busy)
		evtimer_add(R.flush, &now);
}

/* --------------------------------------------------------- the kernel */

/* A twin's namespace as read: its socket of changes. */
struct twin {
	struct mnl_socket *ev;
	struct event *rd;
	uint64_t ino;			/* its namespace's (a new one: read again) */
	char ns[16];
	bool resync;			/* its changes were lost: read it again */
};

static struct twin *tw[SLICES_MAX];

static int
rib_cb(const struct nlmsghdr *nlh, void *data)
{
	uint32_t sid = (uint32_t)(uintptr_t)data;

	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK ||
	    nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR)
		R.kernel_changed = true;
	else
		sw_rib_msg(R.rib, nlh, sid);
	return MNL_CB_OK;
}

/* Dump @type of @af in slice @sid's twin into the RIB. */
static int
dump(int sid, uint16_t type, size_t hdrlen, uint8_t af)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *s = sw_twin_socket(tw[sid]->ns, 0, false, NULL);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned int seq = 1, portid;
	struct rtgenmsg *g;
	ssize_t len;
	int rc = 0;

	if (s == NULL)
		return -errno;
	portid = mnl_socket_get_portid(s);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	g->rtgen_family = af;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	while ((len = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, rib_cb, (void *)(uintptr_t)sid);
		if (rc <= MNL_CB_STOP) {
			rc = rc < 0 ? -errno : 0;
			break;
		}
	}
	if (len < 0)
		rc = -errno;
out:
	mnl_socket_close(s);
	return rc;
}

/* Every route and nexthop object of slice @sid's twin said again; its
 * routes not said go. */
static void
redump(int sid)
{
	int rc;

	sw_rib_mark(R.rib);
	/* nexthop objects before the routes that name them (a kernel without
	 * them answers EINVAL: nothing to read) */
	dump(sid, RTM_GETNEXTHOP, sizeof(struct nhmsg), AF_UNSPEC);
	if ((rc = dump(sid, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET)) < 0 ||
	    (rc = dump(sid, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET6)) < 0) {
		note("reading slice %d's twin's routes: %s", sid, strerror(-rc));
		tw[sid]->resync = true;
		return;
	}
	sw_rib_sweep(R.rib, (uint32_t)sid);
	tw[sid]->resync = false;
	R.resyncs++;
	flush_soon();
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	int sid = (int)(uintptr_t)arg, n = 0;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t len = 0;

	(void)fd;
	(void)what;
	/* a bounded share of the loop: the rest at the next wake-up */
	while (n++ < 256 && (len = mnl_socket_recvfrom(tw[sid]->ev, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)len, 0, 0, rib_cb, arg);
	if (len < 0 && errno == ENOBUFS) {
		/* changes lost: what the kernel holds is read again whole */
		CD_LOG(WARN, "routing: slice %d's twin: route changes lost (ENOBUFS): reading its routes again", sid);
		redump(sid);
	}
	flush_soon();
}

/* Slice @sid's twin no longer read: what it taught goes. */
static void
twin_close(int sid)
{
	if (tw[sid] == NULL)
		return;
	if (tw[sid]->rd != NULL)
		event_free(tw[sid]->rd);
	if (tw[sid]->ev != NULL)
		mnl_socket_close(tw[sid]->ev);
	free(tw[sid]);
	tw[sid] = NULL;
	if (R.rib != NULL)
		sw_rib_forget(R.rib, (uint32_t)sid);
}

/* Slice @sid's twin in namespace @ns read: subscribed first, then dumped
 * (a change in between is seen twice, not lost). */
static void
twin_open(int sid, const char *ns)
{
	unsigned int grp = RTNLGRP_NEXTHOP;
	int sz = RCVBUF;
	struct twin *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return;
	snprintf(t->ns, sizeof(t->ns), "%s", ns);
	t->ev = sw_twin_socket(ns, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
			       RTMGRP_IPV6_IFADDR, true, &t->ino);
	if (t->ev == NULL) {
		note("slice %d's twin %s: %s", sid, ns, strerror(errno));
		free(t);
		return;
	}
	/* nexthop objects' group is past the 32 a bind names */
	mnl_socket_setsockopt(t->ev, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp));
	if (setsockopt(mnl_socket_get_fd(t->ev), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(mnl_socket_get_fd(t->ev), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if ((t->rd = event_new(R.base, mnl_socket_get_fd(t->ev), EV_READ | EV_PERSIST, on_readable,
			       (void *)(uintptr_t)sid)) == NULL || event_add(t->rd, NULL) < 0) {
		if (t->rd != NULL)
			event_free(t->rd);
		mnl_socket_close(t->ev);
		free(t);
		return;
	}
	tw[sid] = t;
	redump(sid);
}

static void
kernel_close(void)
{
	for (int s = 1; s < SLICES_MAX; s++)
		twin_close(s);
	sw_rib_free(R.rib);
	R.rib = NULL;
	R.busy = false;
	R.n_fl = 0;
	memset(R.cnt, 0, sizeof(R.cnt));
}

/* ------------------------------------------------------ intents → twins */

static json_t *
port_named(const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(R.tables ? cd_tables_ports(R.tables) : NULL, i, p)
		if (name != NULL && json_string_value(json_object_get(p, "name")) != NULL &&
		    strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
			return p;
	return NULL;
}

/* The host port's kernel interface: its iface, else the AF_XDP or TAP
 * port's (iface= in its devargs), else the port's name. */
static void
host_iface(json_t *host, char *out, size_t len)
{
	const char *dev = json_string_value(json_object_get(port_named(cd_str(host, "port")), "devargs")), *at;

	if (cd_str(host, "iface") != NULL)
		snprintf(out, len, "%s", cd_str(host, "iface"));
	else if (dev != NULL && (at = strstr(dev, "iface=")) != NULL)
		snprintf(out, len, "%.*s", (int)strcspn(at + 6, ","), at + 6);
	else
		snprintf(out, len, "%s", cd_str(host, "port") ?: "");
}

static void
want_addr(struct sw_twin_want *w, const char *pfx)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = pfx ? strchr(pfx, '/') : NULL;
	struct sw_twin_addr *x = &w->addr[w->n_addr];

	if (slash == NULL || w->n_addr >= SW_TWIN_ADDRS || (size_t)(slash - pfx) >= sizeof(a))
		return;
	snprintf(a, sizeof(a), "%.*s", (int)(slash - pfx), pfx);
	x->af = strchr(a, ':') ? AF_INET6 : AF_INET;
	x->plen = (uint8_t)atoi(slash + 1);
	if (inet_pton(x->af, a, x->a) == 1)
		w->n_addr++;
}

static bool
live(json_t *doc)
{
	const char *ph = cd_str(json_object_get(doc, "status"), "phase");

	return ph == NULL || (strcmp(ph, "Failed") != 0 && strcmp(ph, "Withdrawing") != 0 &&
			      strcmp(ph, "Withdrawn") != 0 && strcmp(ph, "Quarantined") != 0);
}

/* The twins the intents want, into @w (at most @max): how many. @imp:
 * the slices whose learned routes go into sxdp. */
static size_t
wants_of(json_t *slices, json_t *hport, struct sw_twin_want *w, size_t max, uint8_t *imp)
{
	const char *name;
	size_t n = 0, i;
	json_t *d, *a, *r;

	json_object_foreach(slices, name, d) {
		json_t *spec = json_object_get(d, "spec"), *rt = json_object_get(spec, "routing");
		json_int_t sid = cd_num(spec, "id", 0);
		struct sw_twin_want *x = &w[n];
		const char *mac = cd_str(hport, "mac");
		unsigned int m[6];

		if (rt == NULL || !live(d) || sid <= 0 || sid >= SLICES_MAX || n >= max || mac == NULL ||
		    sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		*x = (struct sw_twin_want){ .sid = (uint16_t)sid };
		for (int k = 0; k < 6; k++)
			x->mac[k] = (uint8_t)m[k];
		if (cd_str(rt, "vrf") != NULL)
			snprintf(x->ns, sizeof(x->ns), "%s", cd_str(rt, "vrf"));
		else
			snprintf(x->ns, sizeof(x->ns), "sx%d", (int)sid);
		want_addr(x, cd_str(json_object_get(spec, "svi"), "address"));
		json_array_foreach(json_object_get(spec, "routed_ports"), i, r) {
			size_t j;

			json_array_foreach(json_object_get(r, "addresses"), j, a)
				want_addr(x, json_string_value(a));
		}
		imp[sid] = !json_is_false(json_object_get(rt, "import"));
		n++;
	}
	return n;
}

static void
twins_sync(struct sw_twin_want *w, size_t n)
{
	char err[200] = "";
	json_t *st = json_object();

	if (sw_twin_sync(R.iface, w, n, err, sizeof(err)) < 0)
		note("%s", err);
	memset(R.ok, 0, sizeof(R.ok));
	R.twin_wait = false;
	for (size_t i = 0; i < n; i++) {
		char k[16];

		snprintf(k, sizeof(k), "%u", w[i].sid);
		json_object_set_new(st, k, json_pack("{s:s,s:s+,s:s}", "netns", w[i].ns, "device", "sxt", k, "twin",
						     w[i].err[0] ? w[i].err : "ok"));
		if (w[i].err[0] && (R.twins == NULL ||
				    !json_equal(json_object_get(R.twins, k), json_object_get(st, k))))
			note("slice %u's twin: %s", w[i].sid, w[i].err);
		R.ok[w[i].sid] = w[i].err[0] == '\0';
		R.twin_wait = R.twin_wait || !R.ok[w[i].sid];
	}
	json_decref(R.twins);
	R.twins = st;
	R.kernel_changed = false;
	R.twin_age = 0;
}

/* Prefixes whose owner changed since the last tick made dirty: an
 * operator's pinned route came (the learned one is shadowed) or went (it
 * comes back). Only keys of importing slices' VRFs count. */
static void
owners_check(void)
{
	json_t *owned = cd_host_state(R.res, "owned"), *now = json_object(), *v, *m;
	const char *tables[2] = { SW_T_ROUTES, SW_T_ROUTES6 }, *k;
	char buf[300];
	void *tmp;

	for (int t = 0; t < 2; t++) {
		json_object_foreach(json_object_get(owned, tables[t]), k, v) {
			snprintf(buf, sizeof(buf), "%s|%s", tables[t], k);
			json_object_set_new(now, buf, json_true());
			if (R.owned_prev != NULL && json_object_get(R.owned_prev, buf) != NULL)
				json_object_del(R.owned_prev, buf);
			else
				json_object_set_new(now, buf, json_false());	/* new: look */
		}
	}
	/* new ones (false in @now) and gone ones (left in owned_prev) */
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach_safe(pass == 0 ? now : R.owned_prev ? R.owned_prev : now, tmp, k, v) {
			const char *bar = strchr(k, '|'), *dst;
			json_int_t vrf;
			uint8_t a[16];
			unsigned int plen;
			char addr[INET6_ADDRSTRLEN + 1];
			struct sw_rib_pfx *p;
			int af;

			if (pass == 0 && json_is_true(v))
				continue;
			if (pass == 0)
				json_object_set_new(now, k, json_true());
			if (pass == 1 && R.owned_prev == NULL)
				break;
			/* a canonical key: {"match": {...}} */
			if (bar == NULL || (m = json_loads(bar + 1, 0, NULL)) == NULL)
				continue;
			vrf = cd_num(json_object_get(m, "match"), SW_F_VRF, -1);
			dst = cd_str(json_object_get(m, "match"), SW_F_DST);
			if (vrf > 0 && vrf < SLICES_MAX && R.imp[vrf] && dst != NULL && strchr(dst, '/') != NULL &&
			    strlen(dst) < sizeof(addr)) {
				snprintf(addr, sizeof(addr), "%.*s", (int)(strchr(dst, '/') - dst), dst);
				plen = (unsigned int)atoi(strchr(dst, '/') + 1);
				af = strchr(addr, ':') ? AF_INET6 : AF_INET;
				memset(a, 0, sizeof(a));
				if (inet_pton(af, addr, a) == 1 &&
				    (p = pass == 0 ? sw_rib_get(R.rib, (uint32_t)vrf, af, a, (uint8_t)plen) :
					sw_rib_find(R.rib, (uint32_t)vrf, af, a, (uint8_t)plen)) != NULL) {
					p->owned = pass == 0;
					sw_rib_dirty(R.rib, p);
				}
			}
			json_decref(m);
		}
	}
	json_decref(R.owned_prev);
	R.owned_prev = now;
}

static void
dirty_changed(struct sw_rib_pfx *p, void *arg)
{
	const uint8_t *changed = arg;

	if (changed[p->slice])
		sw_rib_dirty(R.rib, p);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	json_t *sites = cd_vis_docs(R.res, "site"), *site = json_object_get(sites, SW_SITE_NAME), *host, *slices;
	static struct sw_twin_want w[SLICES_MAX];
	static char ns[SLICES_MAX][16];
	uint8_t imp[SLICES_MAX] = { 0 }, changed[SLICES_MAX] = { 0 };
	char err[200], sig[64];
	int n_changed = 0;
	uint64_t h = 1469598103934665603ULL;
	size_t n = 0;

	(void)fd;
	(void)what;
	(void)arg;
	host = json_object_get(json_object_get(site, "spec"), "host");
	if (host == NULL || !live(site)) {
		if (R.on) {
			/* the site gave its host port up: twins and learned routes go */
			sw_twin_sync(R.iface, w, 0, err, sizeof(err));
			json_decref(R.twins);
			R.twins = NULL;
			R.on = false;
		}
	} else {
		R.on = true;
		snprintf(R.port, sizeof(R.port), "%s", cd_str(host, "port") ?: "");
		host_iface(host, R.iface, sizeof(R.iface));
		slices = cd_vis_docs(R.res, "slices");
		if (port_named(R.port) != NULL)
			n = wants_of(slices, port_named(R.port), w, SLICES_MAX, imp);
		json_decref(slices);
		/* the twins when what is wanted or the kernel changed, else now and then */
		for (size_t i = 0; i < n; i++)
			for (size_t b = 0; b < sizeof(w[i]) - sizeof(w[i].err); b++)
				h = (h ^ ((uint8_t *)&w[i])[b]) * 1099511628211ULL;
		snprintf(sig, sizeof(sig), "%s|%zu|%016llx", R.iface, n, (unsigned long long)h);
		/* a twin not there yet is looked for every tick */
		if (port_named(R.port) != NULL && (strcmp(sig, R.wants_sig) != 0 || R.kernel_changed || R.twin_wait ||
						   ++R.twin_age >= SW_ROUTING_TWIN_S)) {
			twins_sync(w, n);
			snprintf(R.wants_sig, sizeof(R.wants_sig), "%s", sig);
		}
	}
	memset(ns, 0, sizeof(ns));
	for (size_t i = 0; i < n; i++)
		if (R.ok[w[i].sid])
			memcpy(ns[w[i].sid], w[i].ns, sizeof(ns[0]));
	/* each twin read from its namespace, again when it is a new one */
	for (int s = 1; s < SLICES_MAX; s++) {
		if (ns[s][0] == '\0') {
			imp[s] = 0;
			twin_close(s);
		} else if (tw[s] == NULL || strcmp(tw[s]->ns, ns[s]) != 0 || tw[s]->ino != sw_twin_ns_ino(ns[s])) {
			twin_close(s);
			twin_open(s, ns[s]);
		} else if (tw[s]->resync) {
			redump(s);
		}
		if (imp[s] != R.imp[s]) {
			R.imp[s] = imp[s];
			changed[s] = 1;
			n_changed++;
		}
	}
	/* the prefixes of the slices whose import changed, in one walk; their
	 * owned prefixes looked at again, all of them */
	if (n_changed > 0) {
		sw_rib_each(R.rib, 0, dirty_changed, changed);
		json_decref(R.owned_prev);
		R.owned_prev = NULL;
	}
	owners_check();
	json_decref(sites);
	adopt_start();
	on_flush(-1, 0, NULL);
}

/* ----------------------------------------------------------- adoption */

static void adopt_read(const char *table, unsigned int offset);

/* A page of sxdp's routes (or routes6): every entry of an importing
 * slice's VRF no intent owns is a prefix sxdp holds, learned by a sxcd
 * before this one or written by hand; the flush makes it what the twin
 * says (modified, or deleted when the twin has no such route). */
static void
adopted(void *arg, json_t *result, json_t *error)
{
	const char *table = arg;
	json_t *e, *m, *next;
	size_t i;

	if (error != NULL || result == NULL) {
		R.adopting = false;
		R.adopt = cd_host_lost(error);	/* the next connect reads again */
		if (!cd_host_lost(error))
			note("reading sxdp's %s: %s", table,
			     json_string_value(json_object_get(error, "message")) ?: "failed");
		flush_soon();
		return;
	}
	json_array_foreach(json_object_get(result, "entries"), i, e) {
		json_int_t vrf = cd_num(m = json_object_get(e, "match"), SW_F_VRF, -1);
		const char *dst = cd_str(m, SW_F_DST), *slash;
		char addr[INET6_ADDRSTRLEN + 1];
		struct sw_rib_pfx *p;
		uint8_t a[16] = { 0 };
		json_t *u;
		int af;

		if (vrf <= 0 || vrf >= SLICES_MAX || !R.imp[vrf] || dst == NULL || (slash = strchr(dst, '/')) == NULL ||
		    (size_t)(slash - dst) >= sizeof(addr))
			continue;
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - dst), dst);
		af = strchr(addr, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, addr, a) != 1)
			continue;
		u = json_pack("{s:s,s:O}", "table", table, "match", m);
		if (owner_of(u) == NULL &&
		    (p = sw_rib_get(R.rib, (uint32_t)vrf, af, a, (uint8_t)atoi(slash + 1))) != NULL && p->held == 0) {
			p->held = 1;	/* an entry not known to be ours: made ours */
			sw_rib_dirty(R.rib, p);
		}
		json_decref(u);
	}
	next = json_object_get(result, "next_offset");
	if (json_is_integer(next))
		adopt_read(table, (unsigned int)json_integer_value(next));
	else if (strcmp(table, SW_T_ROUTES) == 0)
		adopt_read(SW_T_ROUTES6, 0);
	else {
		R.adopting = false;
		flush_soon();
	}
}

static void
adopt_read(const char *table, unsigned int offset)
{
	if (cd_host_call(R.sxdp, "table.read", json_pack("{s:s,s:i,s:i}", "table", table, "offset", (int)offset,
							 "limit", 1000), adopted, (void *)table) < 0) {
		R.adopting = false;
		R.adopt = true;
	}
}

/* Once the twins are read and nothing is in flight: sxdp read. */
static void
adopt_start(void)
{
	if (!R.adopt || R.adopting || R.busy || R.tables == NULL || !cd_host_up(R.sxdp))
		return;
	for (int s = 1; s < SLICES_MAX; s++)
		if (R.imp[s] && (tw[s] == NULL || tw[s]->resync))
			return;
	R.adopt = false;
	R.adopting = true;
	adopt_read(SW_T_ROUTES, 0);
}

/* --------------------------------------------------------------- sxdp */

static void
forget_held(struct sw_rib_pfx *p, void *arg)
{
	(void)arg;
	p->held = 0;
	sw_rib_dirty(R.rib, p);
}

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	static char boot[64];

	(void)arg;
	R.tables = t;
	if (t == NULL)
		return;
	R.adopt = true;
	/* a new sxdp holds none of it: every prefix written again */
	if (boot_id != NULL && strcmp(boot, boot_id) != 0) {
		if (R.rib != NULL && boot[0] != '\0')
			sw_rib_each(R.rib, 0, forget_held, NULL);
		snprintf(boot, sizeof(boot), "%s", boot_id);
	}
	flush_soon();
}

/* ------------------------------------------------------------ service */

static int
routing_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	struct timeval tv = { SW_ROUTING_TICK_MS / 1000, (SW_ROUTING_TICK_MS % 1000) * 1000 };
	int rc;

	R.base = ctx->base;
	R.res = ctx->res;
	R.sync = ctx->sync;
	R.sxdp = ctx->sxdp;
	if ((R.fl = calloc(SW_ROUTING_BATCH, sizeof(*R.fl))) == NULL ||
	    (R.rib = sw_rib_new(SLICES_MAX - 1)) == NULL) {
		snprintf(err, len, "routing: out of memory");
		return -ENOMEM;
	}
	if ((rc = cd_host_watch(R.sync, on_sxdp, NULL)) < 0) {
		snprintf(err, len, "routing: cannot follow sxdp: %s", strerror(-rc));
		return rc;
	}
	if ((R.tick = event_new(R.base, -1, EV_PERSIST, on_tick, NULL)) == NULL || evtimer_add(R.tick, &tv) < 0 ||
	    (R.flush = evtimer_new(R.base, on_flush, NULL)) == NULL) {
		snprintf(err, len, "routing: no timer");
		return -ENOMEM;
	}
	return 0;
}

static void
routing_stop(void)
{
	if (R.tick != NULL)
		event_free(R.tick);
	if (R.flush != NULL)
		event_free(R.flush);
	R.tick = R.flush = NULL;
	kernel_close();
	json_decref(R.twins);
	json_decref(R.owned_prev);
	R.twins = R.owned_prev = NULL;
	free(R.fl);
	R.fl = NULL;
}

static json_t *
counts(int sid)
{
	json_t *o = json_object();
	uint32_t all = 0;

	for (int s = ST_INSTALLED; s < ST_N; s++) {
		json_object_set_new(o, st_name[s], json_integer(R.cnt[sid][s]));
		all += R.cnt[sid][s];
	}
	json_object_set_new(o, "learned", json_integer(all));
	return o;
}

json_t *
sw_routing_slice(int sid)
{
	char k[16];
	json_t *t;

	snprintf(k, sizeof(k), "%d", sid);
	if (!R.on || sid <= 0 || sid >= SLICES_MAX || (t = json_object_get(R.twins, k)) == NULL)
		return NULL;
	return json_pack("{s:O,s:O,s:O,s:b,s:o}", "netns", json_object_get(t, "netns"), "device",
			 json_object_get(t, "device"), "twin", json_object_get(t, "twin"), "import", R.imp[sid] != 0,
			 "routes", counts(sid));
}

static json_t *
routing_status(void)
{
	struct sw_rib_stats st = { 0 };
	uint64_t sum[ST_N] = { 0 };
	json_t *tot;

	if (!R.on)
		return NULL;
	tot = json_object();
	if (R.rib != NULL)
		sw_rib_stats(R.rib, &st);
	for (int s = 1; s < SLICES_MAX; s++)
		for (int k = ST_INSTALLED; k < ST_N; k++)
			sum[k] += R.cnt[s][k];
	for (int k = ST_INSTALLED; k < ST_N; k++)
		json_object_set_new(tot, st_name[k], json_integer((json_int_t)sum[k]));
	return json_pack("{s:{s:s,s:s},s:O,s:{s:I,s:I,s:I},s:o,s:I,s:I,s:I,s:I,s:I,s:s}", "host", "port",
			 R.port, "iface", R.iface, "twins",
			 R.twins ? R.twins : json_object(), "kernel", "prefixes", (json_int_t)st.prefixes, "routes",
			 (json_int_t)st.routes, "malformed", (json_int_t)st.malformed, "prefixes", tot, "writes",
			 (json_int_t)R.writes, "deletes", (json_int_t)R.deletes, "refusals", (json_int_t)R.refusals,
			 "resyncs", (json_int_t)R.resyncs, "errors", (json_int_t)R.errors, "last_error", R.last_error);
}

static void
routing_metrics(struct cd_vis_fams *f)
{
	char sid[16];

	if (!R.on)
		return;
	for (int s = 1; s < SLICES_MAX; s++) {
		if (!R.imp[s])
			continue;
		snprintf(sid, sizeof(sid), "%d", s);
		for (int k = ST_INSTALLED; k < ST_N; k++)
			cd_vis_sample(f, "sxcd_routing_learned_prefixes", "gauge",
				      "Prefixes a slice's kernel VRF learned (a routing suite's), by what became of them in sxdp",
				      (double)R.cnt[s][k], "slice", sid, "state", st_name[k], NULL);
	}
	cd_vis_sample(f, "sxcd_routing_writes_total", "counter", "Learned routes sxcd wrote to sxdp",
		      (double)R.writes, NULL);
	cd_vis_sample(f, "sxcd_routing_deletes_total", "counter", "Learned routes sxcd took back from sxdp",
		      (double)R.deletes, NULL);
	cd_vis_sample(f, "sxcd_routing_refusals_total", "counter", "Learned routes sxdp refused",
		      (double)R.refusals, NULL);
}

static const struct cd_svc routing_svc = {
	.name = "routing",
	.start = routing_start,
	.stop = routing_stop,
	.status = routing_status,
	.metrics = routing_metrics,
};
CD_SVC_REGISTER(routing_svc)

/* ------------------------------------------------ /api/v1/routes/SLICE */

struct rows {
	json_t *a;
	size_t n;
};

static void
row_of(struct sw_rib_pfx *p, void *arg)
{
	struct rows *rs = arg;
	struct sw_rib_res res;
	char pfx[64], nh[INET6_ADDRSTRLEN], pb[16];
	json_t *via = json_array(), *row;

	if (p->rts == NULL)
		return;
	if (rs->n++ >= SW_ROUTING_ROWS_MAX)
		return;
	sw_rib_resolve(R.rib, p, &res);
	pfx_text(p, pfx, sizeof(pfx));
	for (int i = 0; i < res.n; i++)
		json_array_append_new(via, json_string(inet_ntop(p->af, res.hop[i].gw, nh, sizeof(nh))));
	row = json_pack("{s:s,s:s,s:I,s:o,s:s,s:s}", "prefix", pfx, "origin",
			sw_rib_proto_name(p->rts->proto, pb, sizeof(pb)), "metric", (json_int_t)p->rts->metric, "via",
			via, "action", res.act == SW_RIB_DROP ? "drop" : res.act == SW_RIB_NONE ? "none" :
			res.n > 1 ? "ecmp" : "via", "state", st_name[p->state]);
	if (res.why != NULL && res.act == SW_RIB_NONE)
		json_object_set_new(row, "why", json_string(res.why));
	if ((p->af == AF_INET6 ? ECMP6_MAX : ECMP4_MAX) < res.n)
		json_object_set_new(row, "why", json_sprintf("%d next hops: sxdp takes the first %d",
			res.n, p->af == AF_INET6 ? ECMP6_MAX : ECMP4_MAX));
	json_array_append_new(rs->a, row);
}

static int
routes_find(struct cd_res *r, const char *id, json_t **doc, json_t **calls, char *msg, size_t len)
{
	json_t *d = cd_vis_doc(r, "slices", id), *rt;
	struct rows rs = { .a = json_array() };
	json_int_t sid;

	*calls = NULL;
	if (d == NULL) {
		json_decref(rs.a);
		snprintf(msg, len, "no slice '%s'", id);
		return 404;
	}
	sid = cd_num(json_object_get(d, "spec"), "id", 0);
	rt = sw_routing_slice((int)sid);
	if (R.rib != NULL && rt != NULL)
		sw_rib_each(R.rib, (uint32_t)sid, row_of, &rs);
	*doc = json_pack("{s:s,s:I,s:o,s:o,s:b}", "slice", id, "id", sid, "routing", rt ? rt : json_null(), "learned",
			 rs.a, "truncated", rs.n > SW_ROUTING_ROWS_MAX);
	json_decref(d);
	return 200;
}

static const struct cd_vis_item routes_item = { .prefix = "routes/", .find = routes_find };
CD_VIS_ITEM_REGISTER(routes_item)
