/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_svc: sxcd's PFCP service, on top of PFCP's layers: the --pfcp options, the endpoint and its session layer started on the loop, their status and metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "cd_log.h"
#include "cd_svc.h"
#include "pf_load.h"
#include "pf_node.h"
#include "pf_pair.h"
#include "pf_pfdc.h"
#include "pf_up.h"

#define LISTEN_MAX 8
#define SMF_MAX 16

static struct {
	struct pf_addr listen[LISTEN_MAX];
	int n_listen;
	struct pf_addr smfs[SMF_MAX];
	int n_smfs;
	struct pf_prefix allow[PF_ALLOW_MAX];
	int n_allow;
	struct pf_node_id self;
	bool has_self, tuned, paired;
	unsigned int heartbeat_s, t1_ms, n1, grace_s, max_smfs;
	struct pf_pair_cfg pair;
	struct pf_load_cfg load;
	bool has_pair_listen, pair_usage_set;
} cfg = { .heartbeat_s = 10, .t1_ms = 3000, .n1 = 3, .grace_s = 60, .max_smfs = PF_ASSOC_MAX,
	  .pair = { .usage_ms = 1000 } };

static struct pf_node *node;
static struct cd_svc_ctx svc_ctx;	/* sxcd lends it for the start only */

static int
set_listen(const char *v, char *why, size_t len)
{
	if (cfg.n_listen == LISTEN_MAX) {
		snprintf(why, len, "at most %d addresses", LISTEN_MAX);
		return -EINVAL;
	}
	if (pf_addr_parse(v, PF_PORT, &cfg.listen[cfg.n_listen], why, len) < 0)
		return -EINVAL;
	cfg.n_listen++;
	return 0;
}

static int
set_smf(const char *v, char *why, size_t len)
{
	if (cfg.n_smfs == SMF_MAX) {
		snprintf(why, len, "at most %d SMFs", SMF_MAX);
		return -EINVAL;
	}
	if (pf_addr_parse(v, PF_PORT, &cfg.smfs[cfg.n_smfs], why, len) < 0)
		return -EINVAL;
	cfg.n_smfs++;
	return 0;
}

static int
set_allow(const char *v, char *why, size_t len)
{
	if (cfg.n_allow == PF_ALLOW_MAX) {
		snprintf(why, len, "at most %d prefixes", PF_ALLOW_MAX);
		return -EINVAL;
	}
	if (pf_prefix_parse(v, &cfg.allow[cfg.n_allow], why, len) < 0)
		return -EINVAL;
	cfg.n_allow++;
	return 0;
}

static int
set_node_id(const char *v, char *why, size_t len)
{
	if (pf_node_id_parse(v, &cfg.self) < 0) {
		snprintf(why, len, "an IPv4 or IPv6 address, or an FQDN (letters, digits, '-', dotted)");
		return -EINVAL;
	}
	cfg.has_self = true;
	return 0;
}

static int
num(const char *v, unsigned long lo, unsigned long hi, unsigned int *out, char *why, size_t len)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || x < lo || x > hi) {
		snprintf(why, len, "%lu..%lu", lo, hi);
		return -EINVAL;
	}
	*out = (unsigned int)x;
	cfg.tuned = true;
	return 0;
}

static int
set_pair(const char *v, char *why, size_t len)
{
	cfg.paired = true;
	return pf_addr_parse(v, PF_PAIR_PORT, &cfg.pair.peer, why, len) < 0 ? -EINVAL : 0;
}

static int
set_pair_listen(const char *v, char *why, size_t len)
{
	cfg.has_pair_listen = true;
	return pf_addr_parse(v, PF_PAIR_PORT, &cfg.pair.listen, why, len) < 0 ? -EINVAL : 0;
}

static int
set_pair_key(const char *v, char *why, size_t len)
{
	if (strlen(v) >= sizeof(cfg.pair.key_file)) {
		snprintf(why, len, "a path shorter than %zu", sizeof(cfg.pair.key_file));
		return -EINVAL;
	}
	snprintf(cfg.pair.key_file, sizeof(cfg.pair.key_file), "%s", v);
	return 0;
}

static int
set_n4_dev(const char *v, char *why, size_t len)
{
	if (strlen(v) >= sizeof(cfg.pair.n4_dev) || v[0] == '\0') {
		snprintf(why, len, "an interface name");
		return -EINVAL;
	}
	snprintf(cfg.pair.n4_dev, sizeof(cfg.pair.n4_dev), "%s", v);
	return 0;
}

static int
set_pair_usage(const char *v, char *why, size_t len)
{
	bool tuned = cfg.tuned;
	int rc = num(v, 1000, 600000, &cfg.pair.usage_ms, why, len);   /* checked on the 1 s tick */

	cfg.tuned = tuned;
	cfg.pair_usage_set = true;
	return rc;
}

static int set_hb(const char *v, char *w, size_t l) { return num(v, 1, 3600, &cfg.heartbeat_s, w, l); }
static int set_t1(const char *v, char *w, size_t l) { return num(v, 100, 60000, &cfg.t1_ms, w, l); }
static int set_n1(const char *v, char *w, size_t l) { return num(v, 0, 10, &cfg.n1, w, l); }
static int set_grace(const char *v, char *w, size_t l) { return num(v, 0, 86400, &cfg.grace_s, w, l); }
static int set_max(const char *v, char *w, size_t l) { return num(v, 1, 4096, &cfg.max_smfs, w, l); }
static int set_max_sess(const char *v, char *w, size_t l) { return num(v, 1, 16000000, &cfg.load.max_sessions, w, l); }
static int set_max_pend(const char *v, char *w, size_t l) { return num(v, 1, 1000000, &cfg.load.max_pending, w, l); }
static int set_max_rss(const char *v, char *w, size_t l) { return num(v, 16, 1048576, &cfg.load.max_rss_mb, w, l); }

static const struct cd_svc_opt pf_opts[] = {
	{ "pfcp", required_argument, "ADDR[:PORT]",
	  "answer PFCP (N4) there (repeatable; [ADDR6]:PORT; port 8805)", set_listen },
	{ "pfcp-node-id", required_argument, "ID",
	  "our PFCP Node ID: IPv4, IPv6 or FQDN (the first --pfcp address, else the host name)", set_node_id },
	{ "pfcp-allow", required_argument, "PREFIX",
	  "take PFCP only from there (repeatable; 10.0.0.0/8, 2001:db8::/32, an address); none: from anyone (set it)",
	  set_allow },
	{ "pfcp-smf", required_argument, "ADDR[:PORT]",
	  "set up a PFCP association with this SMF ourselves (repeatable)", set_smf },
	{ "pfcp-heartbeat-s", required_argument, "N", "a Heartbeat Request to each associated SMF every N s (10)",
	  set_hb },
	{ "pfcp-t1-ms", required_argument, "N", "PFCP requests of ours resent after N ms (3000)", set_t1 },
	{ "pfcp-n1", required_argument, "N", "... at most N times (3)", set_n1 },
	{ "pfcp-grace-s", required_argument, "N",
	  "an SMF that stopped answering keeps its association N s (60)", set_grace },
	{ "pfcp-max-smfs", required_argument, "N",
	  "at most N associations (SMF Node IDs); a setup past them: No resources available (75)", set_max },
	{ "pfcp-max-sessions", required_argument, "N",
	  "admission: at most N PFCP sessions; an establishment past them: No resources available (75) (sxdp's "
	  "sessions_uplink table's size)", set_max_sess },
	{ "pfcp-max-pending", required_argument, "N",
	  "admission: at most N establishments waiting for sxdp; past them: PFCP entity in congestion (74) (16384)",
	  set_max_pend },
	{ "pfcp-max-rss-mb", required_argument, "N",
	  "admission: with sxcd's resident memory at N MiB, establishments are refused: PFCP entity in congestion "
	  "(74) (no bound)", set_max_rss },
	{ "pfcp-pair", required_argument, "ADDR[:PORT]",
	  "this box is one of a pair: the other box's sxcd (port 8806); PFCP is served by the box whose sxdp "
	  "holds the UPF's addresses, its sessions' journal streamed to the other", set_pair },
	{ "pfcp-pair-listen", required_argument, "ADDR[:PORT]", "where the other box's stream comes to (8806)",
	  set_pair_listen },
	{ "pfcp-pair-key", required_argument, "FILE",
	  "the pair's pre-shared key (the same file on both boxes, mode 600, 32 characters or more)", set_pair_key },
	{ "pfcp-pair-usage-ms", required_argument, "N",
	  "each session's usage journalled (and streamed) every N ms when it moved: what a takeover may lose of "
	  "it (1000)", set_pair_usage },
	{ "pfcp-n4-dev", required_argument, "IFNAME",
	  "the pair's --pfcp address is added to IFNAME while this box serves, removed when it hands over",
	  set_n4_dev },
	{ NULL, 0, NULL, NULL, NULL },
};

static int
pf_check(char *why, size_t len)
{
	char a[64];

	if (cfg.n_listen == 0 && (cfg.n_smfs > 0 || cfg.has_self || cfg.tuned || cfg.n_allow > 0 || cfg.paired)) {
		snprintf(why, len, "--pfcp-* options need --pfcp ADDR[:PORT]");
		return -EINVAL;
	}
	if (!cfg.paired && (cfg.has_pair_listen || cfg.pair.key_file[0] || cfg.pair.n4_dev[0] || cfg.pair_usage_set)) {
		snprintf(why, len, "--pfcp-pair-listen, --pfcp-pair-key, --pfcp-pair-usage-ms and --pfcp-n4-dev go with "
			 "--pfcp-pair");
		return -EINVAL;
	}
	if (cfg.paired && (!cfg.has_pair_listen || cfg.pair.key_file[0] == '\0')) {
		snprintf(why, len, "--pfcp-pair needs --pfcp-pair-listen and --pfcp-pair-key");
		return -EINVAL;
	}
	if (cfg.paired && !cfg.has_self) {
		snprintf(why, len, "--pfcp-pair needs --pfcp-node-id: both boxes are one PFCP node");
		return -EINVAL;
	}
	/* its answers would be dropped: the association could never be set up */
	for (int i = 0; cfg.n_allow > 0 && i < cfg.n_smfs; i++) {
		int k;

		for (k = 0; k < cfg.n_allow && !pf_prefix_has(&cfg.allow[k], &cfg.smfs[i]); k++)
			;
		if (k == cfg.n_allow) {
			snprintf(why, len, "--pfcp-smf %s is outside every --pfcp-allow prefix",
				 pf_addr_str(&cfg.smfs[i], a, sizeof(a)));
			return -EINVAL;
		}
	}
	return 0;
}

/* Our Node ID when not given: the first address if it is one, else the host name. */
static int
default_self(char *err, size_t len)
{
	const struct pf_addr *a = &cfg.listen[0];
	char host[256];

	memset(&cfg.self, 0, sizeof(cfg.self));
	if (a->ss.ss_family == AF_INET &&
	    ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr != htonl(INADDR_ANY)) {
		cfg.self.kind = 0;
		memcpy(cfg.self.addr, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
		return 0;
	}
	if (a->ss.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr)) {
		cfg.self.kind = 1;
		memcpy(cfg.self.addr, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
		return 0;
	}
	if (gethostname(host, sizeof(host)) != 0 || (host[sizeof(host) - 1] = '\0', 0) ||
	    pf_node_id_parse(host, &cfg.self) < 0 || cfg.self.kind != 2) {
		snprintf(err, len, "listening on a wildcard address, and the host name is no FQDN: give --pfcp-node-id");
		return -EINVAL;
	}
	return 0;
}

static int serve(bool takeover, char *err, size_t len);

static int
pf_start(const struct cd_svc_ctx *ctx, char *err, size_t len)
{
	if (cfg.n_listen == 0)
		return 0; /* off */
	svc_ctx = *ctx;
	if (cfg.paired) {   /* served once this box holds the UPF's addresses */
		cfg.pair.n4 = cfg.listen[0];
		cfg.pair.serve = serve;
		return pf_pair_start(&svc_ctx, &cfg.pair, err, len);
	}
	return serve(false, err, len);
}

static int
serve(bool takeover, char *err, size_t len)
{
	const struct cd_svc_ctx *ctx = &svc_ctx;
	struct pf_node_cfg c = {
		.base = ctx->base, .res = ctx->res, .listen = cfg.listen, .n_listen = cfg.n_listen,
		.smfs = cfg.smfs, .n_smfs = cfg.n_smfs, .heartbeat_ms = cfg.heartbeat_s * 1000,
		.t1_ms = cfg.t1_ms, .n1 = cfg.n1, .grace_ms = cfg.grace_s * 1000,
		.max_assocs = cfg.max_smfs, .allow = cfg.allow, .n_allow = cfg.n_allow,
	};
	char id[300], a[64];
	int rc;

	if (!cfg.has_self && (rc = default_self(err, len)) < 0)
		return rc;
	c.self = cfg.self;
	if ((rc = pf_node_new(&c, &node, err, len)) < 0)
		return rc;
	if ((rc = pf_up_attach(node, ctx, takeover, &cfg.load, err, len)) < 0) {
		pf_node_free(node);
		node = NULL;
		return rc;
	}
	pf_node_on_pfd(node, pf_pfdc_changed, NULL);   /* PFD changes recompile the sessions naming them */
	if (cfg.paired)
		pf_pair_serving(node);
	CD_LOG(INFO, "pfcp: node %s on %s%s, recovery time stamp %u", pf_node_id_str(&cfg.self, id, sizeof(id)),
	       pf_addr_str(&cfg.listen[0], a, sizeof(a)), cfg.n_listen > 1 ? " and more" : "", pf_node_recovery(node));
	if (cfg.n_allow == 0)
		CD_LOG(WARN, "pfcp: taking N4 from any source address (PFCP has no authentication): restrict it to the SMFs with --pfcp-allow PREFIX");
	return 0;
}

static void
pf_stop(void)
{
	pf_pair_stop();
	if (node == NULL)
		return;
	pf_up_detach(node);
	pf_node_free(node);
	node = NULL;
}

static json_t *
pf_status(void)
{
	json_t *st = node ? pf_node_stats(node) : cfg.paired && cfg.n_listen > 0 ? json_object() : NULL;

	if (st != NULL && node != NULL)
		json_object_set_new(st, "sessions", pf_up_stats());
	if (st != NULL && cfg.paired)
		json_object_set_new(st, "pair", pf_pair_status());
	return st;
}

static void
pf_metrics(struct cd_vis_fams *f)
{
	if (node == NULL)
		return;
	pf_node_metrics(node, f);
	pf_up_metrics(f);
}

static const struct cd_svc pf_svc = {
	.name = "pfcp", .opts = pf_opts, .check = pf_check, .start = pf_start, .stop = pf_stop,
	.status = pf_status, .metrics = pf_metrics,
};
CD_SVC_REGISTER(pf_svc)
