/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd: the control daemon: intents in over REST, kept applied to sxdp, counters out. One libevent loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "cd_rstatus.h"
#include "ctl_async.h"

#include "cd_auth.h"
#include "cd_cred.h"
#include "cd_box.h"
#include "cd_crash.h"
#include "cd_gc.h"
#include "cd_host.h"
#include "cd_http.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_nl.h"
#include "cd_fleet.h"
#include "cd_audit.h"
#include "cd_enrol.h"
#include "cd_join.h"
#include "cd_res.h"
#include "cd_rev.h"
#include "cd_schema.h"
#include "cd_svc.h"
#include "cd_sync.h"
#include "cd_tls.h"
#include "cd_www.h"
#include "dp_num.h"
#include "store.h"

#ifndef SXCD_SCHEMA_BUILD
#define SXCD_SCHEMA_BUILD ""
#endif
#ifndef SXCD_SCHEMA_INSTALLED
#define SXCD_SCHEMA_INSTALLED "/usr/local/share/sxcd/sxcd-openapi.json"
#endif

#ifndef SXCD_WWW_BUILD
#define SXCD_WWW_BUILD ""
#endif
#ifndef SXCD_WWW_INSTALLED
#define SXCD_WWW_INSTALLED "/usr/local/share/sxcd/www"
#endif
#define DEFAULT_CHART "/usr/share/javascript/chart.js/chart.min.js"	/* libjs-chart.js */
#ifndef SXCD_TOKEN_DEFAULT
#define SXCD_TOKEN_DEFAULT "/usr/local/etc/sxcd/token"
#endif
#define NAMES_MAX 16	/* --server-name */

#define DEFAULT_SOCKET "/run/sxdp/sxdp.sock"
#define DEFAULT_STORE  "/var/lib/sxcd"
#define DEFAULT_LISTEN "127.0.0.1:8181"
#define DEFAULT_RESYNC 10000

/* The page's files: the build tree's (staged by the build) while they
 * are there, else the installed ones. */
static const char *
www_path(const char *given)
{
	if (given != NULL)
		return given;
	if (SXCD_WWW_BUILD[0] != '\0' && access(SXCD_WWW_BUILD "/index.html", R_OK) == 0)
		return SXCD_WWW_BUILD;
	return SXCD_WWW_INSTALLED;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sxcd [options]\n"
		"  --socket PATH      sxdp's control socket (" DEFAULT_SOCKET ")\n"
		"  --store DIR        the intent store (" DEFAULT_STORE ")\n"
		"  --store etcd://HOST:PORT[,HOST:PORT...]/PREFIX\n"
		"                     a fleet's shared store (etcd): needs --site\n"
		"  --site NAME        this box's site in the fleet's store\n"
		"  --state-dir DIR    with a shared store: the reconciler's records and the\n"
		"                     cache of the intents read (" DEFAULT_STORE ")\n"
		"  --store-cacert FILE  TLS to the shared store's members, checked against\n"
		"                     this CA (PEM)\n"
		"  --store-cert FILE  this box's client certificate for the store (PEM; with\n"
		"                     --store-key; implies TLS)\n"
		"  --store-key FILE   its private key (PEM)\n"
		"  --store-timeout-ms N  a call to the store unanswered this long has failed\n"
		"                     (2000; a box short of CPU may want more)\n"
		"  --listen ADDR:PORT the REST API and the page (" DEFAULT_LISTEN "); any\n"
		"                     address but loopback needs TLS (--tls-cert)\n"
		"  --token-file FILE  the bearer token every request must carry, followed\n"
		"                     (" SXCD_TOKEN_DEFAULT ")\n"
		"  --insecure-no-auth no credential at all (loopback only; a warning at start,\n"
		"                     a banner on the page)\n"
		"  --server-name NAME a name this box is reached by (Host); repeatable. The\n"
		"                     listen address, the connection's and loopback need none\n"
		"  --tls-cert FILE    HTTPS: the server's certificate chain (PEM; with --tls-key)\n"
		"  --tls-key FILE     its private key (PEM)\n"
		"  --tls-client-ca FILE  mutual TLS: every client shows a certificate this CA signed\n"
		"  --insecure-plain-http  plain HTTP on an address that is not loopback\n"
		"  --schema FILE      the OpenAPI document (sxcd-openapi.json)\n"
		"  --www DIR          the operator's page, served at / (%s)\n"
		"  --chart-js FILE    Chart.js for the page's charts (" DEFAULT_CHART ")\n"
		"  --resync-ms N      check sxdp's tables against the intents every N ms (%d)\n"
		"  --sxdp-timeout-ms N  sxdp silent this long with a call waiting: unresponsive (%d)\n"
		"  --no-netlink       do not read the kernel's links, routes and neighbours\n"
		"  --log-format F     text (the default; journald's priorities when it is the\n"
		"                     stream) or json (one object a line, for Fluentd/EFK)\n"
		"  --enrol URL        a new box: enrol with the fleet's authority (https://HOST[:PORT])\n"
		"                     once, then run as the site it gives, from --state-dir\n"
		"  --enrol-token-file FILE  the one-time enrolment token (sxe1...)\n"
		"  --enrol-ca-cert FILE, --enrol-ca-key FILE  an authority: the fleet's CA that\n"
		"                     signs new boxes' client certificates\n"
		"  --enrol-crl FILE   the CRL of retired boxes it writes (for etcd's client CRL)\n"
		"  --audit-log FILE   every write and refusal, one JSON line each, appended to\n"
		"                     FILE too (the log has them in any case)\n"
		"  --history-max N    revisions kept (%d): the oldest go first\n"
		"  --history-bytes N  bytes of revisions' documents kept (%u)\n",
		www_path(NULL), DEFAULT_RESYNC, CTL_ASYNC_DEADLINE_MS, CD_REV_MAX_N, CD_REV_MAX_BYTES);
	/* what the features' services add */
	cd_svc_usage(f);
	fprintf(f,
		"  -V, --version      print the version\n"
		"  -h, --help         this text\n");
}

/* The soft fd limit up to the hard one: connections are bounded by it
 * (cd_http), and systemd's LimitNOFILE sets both. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Does @addr name loopback only (127/8, ::1), as resolved? Checked before
 * the store is touched; the address bound is checked again after. */
static bool
names_loopback(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *res, *a;
	bool lo = true;

	if (getaddrinfo(addr, NULL, &hints, &res) != 0)
		return true;	/* the bind fails and says why */
	for (a = res; a != NULL; a = a->ai_next) {
		if (a->ai_family == AF_INET)
			lo &= (ntohl(((struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
		else if (a->ai_family == AF_INET6)
			lo &= IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr) != 0;
		else
			lo = false;
	}
	freeaddrinfo(res);
	return lo;
}

/* "ADDR:PORT" (an IPv6 ADDR in brackets) into @addr and @port; what is
 * wrong with it in @why. */
static int
parse_listen(const char *s, char *addr, size_t len, uint16_t *port, char *why, size_t wlen)
{
	const char *colon = strrchr(s, ':'), *rb = s[0] == '[' ? strchr(s, ']') : NULL;
	uint64_t p;

	if (s[0] == '[' && (rb == NULL || rb[1] != ':')) {
		snprintf(why, wlen, "no ']:PORT' after the IPv6 address ([ADDR]:PORT)");
		return -EINVAL;
	}
	if (colon == NULL || colon[1] == '\0') {
		snprintf(why, wlen, "no port (ADDR:PORT)");
		return -EINVAL;
	}
	if (dp_num_parse(colon + 1, 65535, &p) != 0 || p == 0) {
		snprintf(why, wlen, "port '%s' is not 1..65535", colon + 1);
		return -EINVAL;
	}
	if (rb != NULL) {
		snprintf(addr, len, "%.*s", (int)(rb - s - 1), s + 1);
	} else if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
		/* "::1:8181": address ::1, or ::1:8181 with no port? */
		snprintf(why, wlen, "an IPv6 address goes in brackets ([ADDR]:PORT)");
		return -EINVAL;
	} else {
		snprintf(addr, len, "%.*s", (int)(colon - s), s);
	}
	if (addr[0] == '\0') {
		snprintf(why, wlen, "no address before the port (0.0.0.0 or [::] for any)");
		return -EINVAL;
	}
	*port = (uint16_t)p;
	return 0;
}

/* Can sxcd listen on @addr @port? Resolved as evhttp will (the first
 * answer) and bound once, so that a bad --listen is refused in one line
 * before the store is touched. 1 when the name does not resolve, 2 when
 * it cannot be bound; 0 with nothing in @why when all is well. */
static int
listen_check(const char *addr, uint16_t port, bool bind_too, char *why, size_t wlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	char service[8];
	int rc, fd, on = 1, e = 0;

	snprintf(service, sizeof(service), "%u", port);
	if ((rc = getaddrinfo(addr, service, &hints, &res)) != 0) {
		snprintf(why, wlen, "cannot resolve '%s': %s", addr,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return 1;
	}
	if (bind_too) {
		fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
		    bind(fd, res->ai_addr, res->ai_addrlen) != 0)
			e = errno;
		if (fd >= 0)
			close(fd);
	}
	freeaddrinfo(res);
	if (e != 0) {
		snprintf(why, wlen, "cannot bind %s port %u: %s%s", addr, port, strerror(e),
			 e == EADDRNOTAVAIL ? " (not an address of this host)" :
			 e == EACCES ? " (a port below 1024 needs CAP_NET_BIND_SERVICE)" : "");
		return 2;
	}
	return 0;
}

/* The front door's options together: a credential unless none is asked
 * for (loopback only), TLS whole. (Plain HTTP off loopback is refused per
 * request, not at start: a box upgraded with such a listener keeps its
 * control plane and says what to configure.) 0, or an exit code with why
 * in @err. */
static int
front_door_check(const char *addr, const char *token_file, bool no_auth, const char *cert,
		 const char *key, const char *ca, bool plain_ok, char *err, size_t len)
{
	bool lo = names_loopback(addr);

	if (no_auth && token_file != NULL) {
		snprintf(err, len, "--insecure-no-auth and --token-file: one or the other");
		return 2;
	}
	if (no_auth && !lo) {
		snprintf(err, len, "--insecure-no-auth is for loopback only: listening on %s needs "
			 "a credential (--token-file)", addr);
		return 2;
	}
	if ((cert == NULL) != (key == NULL) || (ca != NULL && cert == NULL)) {
		snprintf(err, len, "TLS needs --tls-cert and --tls-key together (and "
			 "--tls-client-ca goes with them)");
		return 2;
	}
	if (cert != NULL && plain_ok) {
		snprintf(err, len, "--insecure-plain-http and --tls-cert: one or the other");
		return 2;
	}
	return 0;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	CD_LOG(INFO, "signal %d: stopping", (int)sig);
	event_base_loopexit(arg, NULL);
}

static struct cd_nl *kernel_nl;

/* The kernel's view of the WAN links changed. */
static void
on_kernel(void *arg)
{
	cd_sync_set_kernel(arg, cd_nl_view(kernel_nl));
}

static const char *
schema_path(const char *given)
{
	if (given != NULL)
		return given;
	if (SXCD_SCHEMA_BUILD[0] != '\0' && access(SXCD_SCHEMA_BUILD, R_OK) == 0)
		return SXCD_SCHEMA_BUILD;
	return SXCD_SCHEMA_INSTALLED;
}

static void
kick_sync(void *arg)
{
	cd_sync_kick(arg);
}

/* What the plug lends features of the rooms above it (cd_host.h). */
static const struct cd_host host = {
	.intents = cd_rstatus_list,
	.intent = cd_rstatus_get,
	.state = cd_res_state,
	.save = cd_res_save,
	.save_async = cd_res_save_async,
	.watch = cd_sync_watch,
	.wanted_by = cd_sync_wanted_by,
	.call = ctl_async_call,
	.up = ctl_async_up,
};

int
main(int argc, char **argv)
{
	static const struct option own_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 'd' },
		{ "site", required_argument, NULL, 'i' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "store-cacert", required_argument, NULL, 'A' },
		{ "store-cert", required_argument, NULL, 'E' },
		{ "store-key", required_argument, NULL, 'K' },
		{ "store-timeout-ms", required_argument, NULL, 'O' },
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 't' },
		{ "insecure-no-auth", no_argument, NULL, 'a' },
		{ "server-name", required_argument, NULL, 'n' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "tls-client-ca", required_argument, NULL, 'q' },
		{ "insecure-plain-http", no_argument, NULL, 'P' },
		{ "schema", required_argument, NULL, 'S' },
		{ "www", required_argument, NULL, 'W' },
		{ "chart-js", required_argument, NULL, 'C' },
		{ "resync-ms", required_argument, NULL, 'r' },
		{ "sxdp-timeout-ms", required_argument, NULL, 'T' },
		{ "no-netlink", no_argument, NULL, 'N' },
		{ "history-max", required_argument, NULL, 'H' },
		{ "audit-log", required_argument, NULL, 'U' },
		{ "enrol", required_argument, NULL, 'j' },
		{ "enrol-token-file", required_argument, NULL, 'J' },
		{ "enrol-ca-cert", required_argument, NULL, 'X' },
		{ "enrol-ca-key", required_argument, NULL, 'Y' },
		{ "enrol-crl", required_argument, NULL, 'Z' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "history-bytes", required_argument, NULL, 'B' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option *opts;
	const char *sock = DEFAULT_SOCKET, *dir = DEFAULT_STORE, *listen = DEFAULT_LISTEN;
	const char *url = NULL, *site = NULL, *state_dir = NULL, *audit_log = NULL;
	const char *enrol_url = NULL, *enrol_token = NULL;
	struct cd_enrol_conf ec = { 0 };
	struct cd_enrol *enrol = NULL;
	static struct cd_join joined;
	struct cd_fleet_opts fo = { 0 };
	struct cd_fleet *fleet = NULL;
	struct cd_box *box = NULL;
	const char *token_file = NULL, *schema_file = NULL, *www_dir = NULL, *chart = DEFAULT_CHART;
	const char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL, *names[NAMES_MAX + 1] = { NULL };
	bool no_auth = false, plain_ok = false;
	size_t n_names = 0;
	struct cd_tls_ctx *tls = NULL;
	struct cd_auth *auth = NULL;
	struct cd_creds *creds = NULL;
	char addr[128], err[4400];
	struct cd_schema *schema = NULL;
	struct store *st = NULL;
	struct cd_res *res = NULL;
	struct cd_sync *sync = NULL;
	struct cd_http *http = NULL;
	struct cd_www *www = NULL;
	struct event_base *base;
	struct event *sigint, *sigterm;
	uint64_t resync = DEFAULT_RESYNC, sxdp_timeout = CTL_ASYNC_DEADLINE_MS, store_ms = 0;
	uint64_t hist_n = CD_REV_MAX_N, hist_bytes = CD_REV_MAX_BYTES;
	bool use_nl = true;
	struct cd_nl *nl = NULL;
	uint16_t port;
	json_t *bad = NULL, *b;
	size_t i;
	int c, rc;

	cd_host_install(&host);
	if ((opts = cd_svc_getopt(own_opts)) == NULL) {
		fprintf(stderr, "sxcd: out of memory\n");
		return 1;
	}
	cd_log_setup(NULL);	/* text, with journald's priorities when it is stderr */
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		if (c >= CD_SVC_OPT_VAL) {
			if (cd_svc_set(c, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "sxcd: %s\n", err);
				free(opts);
				return 2;
			}
			continue;
		}
		switch (c) {
		case 's': sock = optarg; break;
		case 'd': dir = optarg; break;
		case 'i': site = optarg; break;
		case 'D': state_dir = optarg; break;
		case 'A': fo.ca = optarg; break;
		case 'E': fo.cert = optarg; break;
		case 'K': fo.key = optarg; break;
		case 'O':
			if (dp_num_parse(optarg, 60000, &store_ms) != 0 || store_ms < 200) {
				fprintf(stderr, "sxcd: --store-timeout-ms: 200..60000\n");
				return 2;
			}
			fo.call_ms = (unsigned int)store_ms;
			break;
		case 'l': listen = optarg; break;
		case 't': token_file = optarg; break;
		case 'a': no_auth = true; break;
		case 'n':
			if (n_names == NAMES_MAX || optarg[0] == '\0' || strlen(optarg) > 253 ||
			    strpbrk(optarg, " :/[]") != NULL) {
				fprintf(stderr, "sxcd: --server-name: a host name (at most %d of them)\n",
					NAMES_MAX);
				return 2;
			}
			names[n_names++] = optarg;
			break;
		case 'c': tls_cert = optarg; break;
		case 'k': tls_key = optarg; break;
		case 'q': tls_ca = optarg; break;
		case 'P': plain_ok = true; break;
		case 'S': schema_file = optarg; break;
		case 'W': www_dir = optarg; break;
		case 'C': chart = optarg; break;
		case 'r':
			if (dp_num_parse(optarg, 86400000, &resync) != 0 || resync < 100) {
				fprintf(stderr, "sxcd: --resync-ms: 100..86400000\n");
				return 2;
			}
			break;
		case 'T':
			if (dp_num_parse(optarg, 3600000, &sxdp_timeout) != 0 || sxdp_timeout < 100) {
				fprintf(stderr, "sxcd: --sxdp-timeout-ms: 100..3600000\n");
				return 2;
			}
			break;
		case 'N': use_nl = false; break;
		case 'U': audit_log = optarg; break;
		case 'j': enrol_url = optarg; break;
		case 'J': enrol_token = optarg; break;
		case 'X': ec.ca_cert = optarg; break;
		case 'Y': ec.ca_key = optarg; break;
		case 'Z': ec.crl = optarg; break;
		case 'F':
			if (cd_log_setup(optarg) < 0) {
				fprintf(stderr, "sxcd: --log-format: text or json\n");
				return 2;
			}
			break;
		case 'H':
			if (dp_num_parse(optarg, 1000000, &hist_n) != 0 || hist_n < 1) {
				fprintf(stderr, "sxcd: --history-max: 1..1000000 revisions\n");
				return 2;
			}
			break;
		case 'B':
			if (dp_num_parse(optarg, 1ull << 34, &hist_bytes) != 0 || hist_bytes < 65536) {
				fprintf(stderr, "sxcd: --history-bytes: 65536..17179869184\n");
				return 2;
			}
			break;
		case 'V': printf("sxcd %s\n", SXDP_VERSION); free(opts); return 0;
		case 'h': usage(stdout); free(opts); return 0;
		default: usage(stderr); free(opts); return 2;
		}
	}
	free(opts);
	if (optind < argc) {
		fprintf(stderr, "sxcd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* a new box: its identity from the fleet's authority, once (kept in its state directory) */
	if (enrol_url != NULL || enrol_token != NULL) {
		char tok[512] = "";
		FILE *tf;

		if (cd_fleet_url(dir) || site != NULL || fo.cert != NULL) {
			fprintf(stderr, "sxcd: --enrol gives the box its store, site and certificate: not with --store "
				"etcd://, --site or --store-cert\n");
			return 2;
		}
		/* an enrolled box's token file may be gone (it is used): read when there */
		if (enrol_token != NULL && (tf = fopen(enrol_token, "re")) != NULL) {
			if (fscanf(tf, "%511s", tok) != 1)
				tok[0] = '\0';
			fclose(tf);
		}
		state_dir = state_dir != NULL ? state_dir : dir;
		rc = cd_join(state_dir, enrol_url, tok[0] ? tok : NULL, &joined, err, sizeof(err));
		explicit_bzero(tok, sizeof(tok));
		if (rc < 0) {
			fprintf(stderr, "sxcd: enrolment: %s\n", err);
			return rc == -EACCES || rc == -EINVAL || rc == -ENOENT ? 2 : 1;
		}
		CD_LOG(INFO, "enrolled as site %s of the fleet at %s", joined.site, joined.store);
		dir = joined.store;
		site = joined.site;
		/* its certificate is for a store over TLS; a plain one wants none */
		if (joined.tls) {
			fo.cert = joined.cert;
			fo.key = joined.key;
			fo.ca = joined.have_ca ? joined.ca : fo.ca;
		}
	}
	if ((ec.ca_cert != NULL) != (ec.ca_key != NULL) || (ec.crl != NULL && ec.ca_cert == NULL)) {
		fprintf(stderr, "sxcd: --enrol-ca-cert and --enrol-ca-key go together (and --enrol-crl with them)\n");
		return 2;
	}
	if (ec.ca_cert != NULL && (!cd_fleet_url(dir) || tls_cert == NULL)) {
		fprintf(stderr, "sxcd: an enrolment authority (--enrol-ca-cert) is a box of a fleet's store "
			"(--store etcd://...) serving HTTPS (--tls-cert)\n");
		return 2;
	}
	if (cd_fleet_url(dir)) {	/* the intents in a fleet's store; the local one is its cache */
		url = dir;
		dir = state_dir != NULL ? state_dir : DEFAULT_STORE;
		if (site == NULL || !store_name_ok(site)) {
			fprintf(stderr, "sxcd: --store %s needs --site NAME (1..63 of [A-Za-z0-9_.-])\n", url);
			return 2;
		}
	} else if (site != NULL || state_dir != NULL || fo.ca || fo.cert || fo.key || fo.call_ms) {
		fprintf(stderr, "sxcd: --site, --state-dir and --store-cacert/cert/key/timeout-ms go "
			"with --store etcd://...\n");
		return 2;
	}
	if (cd_svc_check(err, sizeof(err)) < 0) {
		fprintf(stderr, "sxcd: %s\n", err);
		return 2;
	}
	if (parse_listen(listen, addr, sizeof(addr), &port, err, sizeof(err)) < 0 ||
	    listen_check(addr, port, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "sxcd: --listen %s: %s\n", listen, err);
		return 2;
	}
	if ((rc = front_door_check(addr, token_file, no_auth, tls_cert, tls_key, tls_ca, plain_ok,
				   err, sizeof(err))) != 0) {
		fprintf(stderr, "sxcd: %s\n", err);
		return rc;
	}
	if ((rc = cd_audit_open(audit_log)) < 0) {
		fprintf(stderr, "sxcd: --audit-log %s: %s\n", audit_log, strerror(-rc));
		return 1;
	}
	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "sxcd: out of memory\n");
		return 1;
	}
	if ((rc = cd_auth_new(base, no_auth ? NULL : token_file ? token_file : SXCD_TOKEN_DEFAULT,
			      tls_cert != NULL, &auth, err, sizeof(err))) < 0) {
		fprintf(stderr, "sxcd: %s%s\n", err, rc == -ENOENT && token_file == NULL ?
			" (the package makes one at install; or --token-file FILE, or "
			"--insecure-no-auth on loopback for no credential at all)" : "");
		return 2;
	}
	if (tls_cert != NULL && (tls = cd_tls_ctx_new(tls_cert, tls_key, tls_ca, err,
						       sizeof(err))) == NULL) {
		fprintf(stderr, "sxcd: %s\n", err);
		return 2;
	}
	if (listen_check(addr, port, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "sxcd: --listen %s: %s\n", listen, err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((rc = cd_crash_init()) < 0)
		CD_LOG(WARN, "no crash report: %s", strerror(-rc));
	raise_nofile();
	if ((rc = cd_schema_load(schema_path(schema_file), &schema, err, sizeof(err))) < 0 ||
	    (rc = cd_kinds_described(cd_schema_doc(schema), err, sizeof(err))) < 0) {
		fprintf(stderr, "sxcd: schema: %s\n", err);
		return 1;
	}
	if ((rc = store_open(dir, &st)) < 0) {
		fprintf(stderr, "sxcd: store %s: %s\n", dir, strerror(-rc));
		return 1;
	}
	if ((rc = cd_res_open(st, schema, &res, &bad)) < 0) {
		fprintf(stderr, "sxcd: store %s: %s\n", dir, strerror(-rc));
		return 1;
	}
	cd_rev_bounds(cd_res_history(res), (size_t)hist_n, (size_t)hist_bytes);
	if ((rc = cd_creds_open(st, &creds)) < 0) {
		fprintf(stderr, "sxcd: store %s: credentials: %s\n", dir, strerror(-rc));
		return 1;
	}
	cd_auth_set_creds(auth, creds);
	json_array_foreach(bad, i, b) {
		char *m = json_dumps(json_object_get(b, "message"), JSON_COMPACT | JSON_ENCODE_ANY);

		CD_LOG(ERR, "stored intent %s quarantined (its file and its entries in sxdp are kept until a DELETE or PUT of it): %s",
		       json_string_value(json_object_get(b, "intent")), m ? m : "");
		free(m);
	}
	json_decref(bad);
	if ((sync = cd_sync_new(base, sock, res, (unsigned int)resync)) == NULL) {
		fprintf(stderr, "sxcd: out of memory\n");
		return 1;
	}
	cd_res_set_base(res, base);
	if (cd_gc_init(base) < 0) {
		fprintf(stderr, "sxcd: out of memory\n");
		return 1;
	}
	if (use_nl && (kernel_nl = nl = cd_nl_new(base, on_kernel, sync)) == NULL)
		CD_LOG(WARN, "netlink: %s: WAN links without a gateway wait for one", strerror(errno));
	if (nl != NULL)
		cd_sync_set_kernel(sync, cd_nl_view(nl));
	if (url != NULL && (rc = cd_fleet_new(base, url, site, &fo, res, kick_sync, sync, &fleet,
					      err, sizeof(err))) < 0) {
		fprintf(stderr, "sxcd: --store %s: %s\n", url, rc == -EINVAL ? err : strerror(-rc));
		return 2;
	}
	if ((www = cd_www_new(www_path(www_dir), chart)) == NULL) {
		fprintf(stderr, "sxcd: out of memory\n");
		return 1;
	}
	{
		struct cd_http_conf hc = { .addr = addr, .port = port, .auth = auth, .creds = creds,
					   .tls = tls, .names = names, .plain_ok = plain_ok };

		if ((rc = cd_http_new(base, &hc, res, sync, schema, www, &http)) < 0) {
			fprintf(stderr, "sxcd: cannot listen on %s: %s\n", listen, strerror(-rc));
			return 1;
		}
	}
	/* what the socket is bound to, not what the name looks like: a name
	 * such as 127.x.example may resolve anywhere */
	if (no_auth && !cd_http_loopback(http)) {
		fprintf(stderr, "sxcd: listening on %s (not loopback) needs a credential: "
			"--insecure-no-auth is for loopback only\n", listen);
		return 2;
	}
	if (tls == NULL && !plain_ok && !cd_http_loopback(http))
		CD_LOG(WARN, "plain HTTP on %s: answered to loopback clients only (the token would "
		       "cross the network in clear): give --tls-cert and --tls-key (or "
		       "--insecure-plain-http)", listen);
	if (no_auth)
		CD_LOG(WARN, "--insecure-no-auth: no credential at all: anything that reaches %s "
		       "(another account, a container on the host's network, a web page's script) "
		       "can change this box", listen);
	if (fleet != NULL) {	/* its report under a lease, the fleet's view, other sites' intents */
		struct cd_http_fleet hf = { .site = site, .view = cd_box_view, .site_ctx = fleet,
					    .site_get = cd_fleet_site_get,
					    .site_change = cd_fleet_site_change };

		if ((hf.view_ctx = box = cd_box_new(base, fleet, res, sync)) == NULL) {
			fprintf(stderr, "sxcd: out of memory\n");
			return 1;
		}
		cd_http_set_fleet(http, &hf);
		if (ec.ca_cert != NULL) {
			ec.prefix = cd_fleet_prefix(fleet);
			ec.store_url = url;
			ec.tls_cert = tls_cert;
			ec.store_ca = fo.ca;
			ec.store_tls = fo.ca != NULL || fo.cert != NULL;
			if (cd_enrol_new(base, cd_fleet_etcd(fleet), &ec, &enrol, err, sizeof(err)) < 0) {
				fprintf(stderr, "sxcd: %s\n", err);
				return 2;
			}
			cd_http_set_enrol(http, enrol);
			CD_LOG(INFO, "enrolment authority: new boxes' certificates signed by %s", ec.ca_cert);
		}
	}
	ctl_async_set_deadline(cd_sync_ctl(sync), (unsigned int)sxdp_timeout);
	/* the features' services, once what they lean on is up */
	{
		struct cd_svc_ctx sctx = { .base = base, .res = res, .sync = sync, .sxdp = cd_sync_ctl(sync),
					  .store_dir = dir };

		if (cd_svc_start(&sctx, err, sizeof(err)) < 0) {
			fprintf(stderr, "sxcd: %s\n", err);
			return 1;
		}
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	CD_LOG(INFO, "ready: REST on %s, store %s, sxdp at %s", listen, url ? url : dir, sock);
	event_base_dispatch(base);
	cd_svc_stop();
	cd_http_free(http);
	cd_enrol_free(enrol);
	cd_auth_free(auth);
	cd_creds_free(creds);
	cd_audit_close();
	cd_tls_ctx_free(tls);
	cd_www_free(www);
	cd_nl_free(nl);
	cd_fleet_quiesce(fleet);
	cd_box_leave(box);
	cd_box_free(box);
	cd_fleet_free(fleet);
	cd_sync_free(sync);
	cd_res_free(res);
	store_close(st);
	cd_schema_free(schema);
	event_free(sigint);
	event_free(sigterm);
	cd_gc_fini();
	event_base_free(base);
	return 0;
}
