/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's routing service: the slices' twins kept and read, what they learned handed to sw_rtsync (see sw_routing.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "sw_rtsync.h"
#include "sw_twin.h"

#define SLICES_MAX    SW_RTSYNC_SLICES
#define RCVBUF	      (32 << 20)	/* a twin's socket's: a full table's burst of changes */
#define NOTE_LOG_S    10		/* at most one warning line per this */

static struct {
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	const struct cd_tables *tables;		/* sxdp's, while connected */
	struct event *tick, *poke;
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
	uint64_t resyncs, errors;
	char last_error[200];
	json_t *here[SLICES_MAX];		/* a slice's record, as compiled last (sw_kind.c's rec) */
} R;

/* Trouble: counted, kept as the last error, logged at most once per
 * NOTE_LOG_S with how many more there were (a refused batch is thousands). */
static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
note(const char *fmt, ...)
{
	static time_t last;
	static uint64_t quiet;
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(R.last_error, sizeof(R.last_error), fmt, ap);
	va_end(ap);
	R.errors++;
	if (now - last < NOTE_LOG_S) {
		quiet++;
		return;
	}
	if (quiet > 0)
		CD_LOG(WARN, "routing: %s (and %" PRIu64 " more in %d s)", R.last_error, quiet, NOTE_LOG_S);
	else
		CD_LOG(WARN, "routing: %s", R.last_error);
	last = now;
	quiet = 0;
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
	sw_rtsync_kick();
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
	sw_rtsync_kick();
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
	json_t *d, *a;

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
		/* the addresses the compile gave the slice here (this site's SVI) */
		json_array_foreach(json_object_get(R.here[sid], "addresses"), i, a)
			want_addr(x, json_string_value(a));
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

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	json_t *sites = cd_vis_docs(R.res, "site"), *site = json_object_get(sites, SW_SITE_NAME), *host, *slices;
	static struct sw_twin_want w[SLICES_MAX];
	static char ns[SLICES_MAX][16];
	uint8_t imp[SLICES_MAX] = { 0 };
	char err[200], sig[64], iface[IFNAMSIZ];
	bool read = true;	/* every importing twin read whole */
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
	} else if (R.tables == NULL) {
		/* sxdp away (its ports unknown): the twins and what they
		 * learned stay as they are, still read, for when it is back */
		json_decref(sites);
		sw_rtsync_tick(false);
		return;
	} else {
		R.on = true;
		snprintf(R.port, sizeof(R.port), "%s", cd_str(host, "port") ?: "");
		snprintf(R.iface, sizeof(R.iface), "%s",
			 sw_kind_iface(host, port_named(R.port), iface, sizeof(iface)) ?: "");
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
	/* where each slice's link-local next hops are: its one IPv6 link here */
	for (int s = 1; s < SLICES_MAX; s++) {
		json_t *l6 = json_object_get(R.here[s], "links6");

		sw_rib_ll_link(R.rib, (uint32_t)s, json_array_size(l6) == 1 ?
			       (uint16_t)json_integer_value(json_array_get(l6, 0)) : 0, (uint16_t)json_array_size(l6));
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
		read = read && (imp[s] == 0 || (tw[s] != NULL && !tw[s]->resync));
	}
	sw_rtsync_import(imp);
	json_decref(sites);
	sw_rtsync_tick(read);
}

/* A slice with routing compiled (or compiled again): its twin and import
 * looked at within SW_ROUTING_POKE_MS, not at the next tick. A slice whose
 * routing went is the next tick's. */
static void
slice_compiled(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec)
{
	struct timeval tv = { 0, SW_ROUTING_POKE_MS * 1000 };
	json_int_t sid = cd_num(spec, "id", 0);

	(void)x;
	(void)name;
	(void)item;
	(void)i;
	if (sid > 0 && sid < SLICES_MAX) {
		json_decref(R.here[sid]);
		R.here[sid] = json_incref(rec);
	}
	if (json_object_get(spec, "routing") != NULL && R.poke != NULL && !evtimer_pending(R.poke, NULL))
		evtimer_add(R.poke, &tv);
}

static struct sw_hook routing_hook = { .at = SW_AT_SLICE_END, .fn = slice_compiled };
SW_HOOK_REGISTER(routing_hook)

/* --------------------------------------------------------------- sxdp */

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	static char boot[64];
	bool restarted = false, first = false;

	(void)arg;
	R.tables = t;
	if (t != NULL && boot_id != NULL && strcmp(boot, boot_id) != 0) {
		first = boot[0] == '\0';
		restarted = !first;
		snprintf(boot, sizeof(boot), "%s", boot_id);
	}
	sw_rtsync_sxdp(t, restarted, first);
}

/* ------------------------------------------------------------ service */

static int
routing_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	struct timeval tv = { SW_ROUTING_TICK_MS / 1000, (SW_ROUTING_TICK_MS % 1000) * 1000 };
	struct sw_rtsync_env env = { .base = ctx->base, .res = ctx->res, .sync = ctx->sync, .sxdp = ctx->sxdp,
				     .note = note };
	int rc;

	R.base = ctx->base;
	R.res = ctx->res;
	R.sync = ctx->sync;
	if ((env.rib = R.rib = sw_rib_new(SLICES_MAX - 1)) == NULL || sw_rtsync_start(&env) < 0) {
		snprintf(err, len, "routing: out of memory");
		return -ENOMEM;
	}
	if ((rc = cd_host_watch(R.sync, on_sxdp, NULL)) < 0) {
		snprintf(err, len, "routing: cannot follow sxdp: %s", strerror(-rc));
		return rc;
	}
	if ((R.tick = event_new(R.base, -1, EV_PERSIST, on_tick, NULL)) == NULL || evtimer_add(R.tick, &tv) < 0 ||
	    (R.poke = evtimer_new(R.base, on_tick, NULL)) == NULL) {
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
	if (R.poke != NULL)
		event_free(R.poke);
	R.tick = R.poke = NULL;
	sw_rtsync_stop();
	kernel_close();
	json_decref(R.twins);
	R.twins = NULL;
	for (int s = 0; s < SLICES_MAX; s++) {
		json_decref(R.here[s]);
		R.here[s] = NULL;
	}
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
			 json_object_get(t, "device"), "twin", json_object_get(t, "twin"), "import",
			 sw_rtsync_importing(sid), "routes", sw_rtsync_counts(sid));
}

static json_t *
routing_status(void)
{
	struct sw_rib_stats st = { 0 };
	struct sw_rtsync_stats sy;

	if (!R.on)
		return NULL;
	if (R.rib != NULL)
		sw_rib_stats(R.rib, &st);
	sw_rtsync_stats(&sy);
	return json_pack("{s:{s:s,s:s},s:O,s:{s:I,s:I,s:I},s:o,s:I,s:I,s:I,s:I,s:I,s:s}", "host", "port",
			 R.port, "iface", R.iface, "twins",
			 R.twins ? R.twins : json_object(), "kernel", "prefixes", (json_int_t)st.prefixes, "routes",
			 (json_int_t)st.routes, "malformed", (json_int_t)st.malformed, "prefixes", sw_rtsync_counts(0),
			 "writes", (json_int_t)sy.writes, "deletes", (json_int_t)sy.deletes, "refusals",
			 (json_int_t)sy.refusals,
			 "resyncs", (json_int_t)R.resyncs, "errors", (json_int_t)R.errors, "last_error", R.last_error);
}

static void
routing_metrics(struct cd_vis_fams *f)
{
	if (R.on)
		sw_rtsync_metrics(f);
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
	snprintf(pfx, sizeof(pfx), "%s/%u", inet_ntop(p->af, p->dst, nh, sizeof(nh)), p->plen);
	for (int i = 0; i < res.n; i++)
		json_array_append_new(via, json_string(inet_ntop(p->af, res.hop[i].gw, nh, sizeof(nh))));
	row = json_pack("{s:s,s:s,s:I,s:o,s:s,s:s}", "prefix", pfx, "origin",
			sw_rib_proto_name(p->rts->proto, pb, sizeof(pb)), "metric", (json_int_t)p->rts->metric, "via",
			via, "action", res.act == SW_RIB_DROP ? "drop" : res.act == SW_RIB_NONE ? "none" :
			res.n > 1 ? "ecmp" : "via", "state", sw_rtsync_state(p));
	if (res.why != NULL && res.act == SW_RIB_NONE)
		json_object_set_new(row, "why", json_string(res.why));
	if ((p->af == AF_INET6 ? SW_RTSYNC_ECMP6 : SW_RTSYNC_ECMP4) < res.n)
		json_object_set_new(row, "why", json_sprintf("%d next hops: sxdp takes the first %d",
			res.n, p->af == AF_INET6 ? SW_RTSYNC_ECMP6 : SW_RTSYNC_ECMP4));
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
