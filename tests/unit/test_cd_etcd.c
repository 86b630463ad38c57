/* sxcd's etcd client (control/sxcd/fleet/cd_etcd.c) against a real etcd the test
 * starts (one member on loopback, random ports, a temporary data dir):
 * base64 both ways, put/range/txn with a compare on mod_revision (one of
 * two racing writers wins), a watch from a revision (the events in order,
 * then a compaction cancels it), failover past a dead endpoint, no
 * endpoint (-ECONNREFUSED), a silent one (-ETIMEDOUT), a watch that ends
 * when etcd dies. cd_cas (control/sxcd/fleet/cd_cas.c) on it: a txn whose answer
 * is lost is read back and found applied (a proxy that forwards it and
 * swallows the answer), not applied and sent again (a silent member), or
 * overtaken by another writer (409's -ESTALE); no member at all: -EIO
 * once its budget is spent. TLS (certificates made with openssl): a
 * member checked against the CA, this client's certificate shown; no
 * client certificate, another CA, plain HTTP: refused, and said why.
 * Skipped (77) when etcd is not installed. */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cd_cas.h"
#include "cd_etcd.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); fail(); } } while (0)

#define ETCD_SERVE_S 40	/* etcd started serves within this, on a busy machine too */

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct event_base *base;
static pid_t etcd = -1, etcd_tls = -1;
static char dir[] = "/tmp/test_cd_etcd.XXXXXX";

static void
stop_etcd(void)
{
	if (etcd > 0) {
		kill(etcd, SIGKILL);
		waitpid(etcd, NULL, 0);
		etcd = -1;
	}
	if (etcd_tls > 0) {
		kill(etcd_tls, SIGKILL);
		waitpid(etcd_tls, NULL, 0);
		etcd_tls = -1;
	}
}

static void
cleanup(void)
{
	char cmd[128];

	stop_etcd();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
fail(void)
{
	cleanup();
	exit(1);
}

/* A free port on loopback (the kernel's pick); @keep: the socket stays
 * bound and listening (a member that never answers). */
static int
free_port(int *keep)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	port = ntohs(a.sin_port);
	if (keep != NULL && listen(fd, 8) == 0)
		*keep = fd;
	else
		close(fd);
	return port;
}

/* ------------------------------------------------------------ one call, waited for */

static int got_rc;
static json_t *got;
static int done;

static void
on_answer(void *arg, int rc, json_t *answer)
{
	(void)arg;
	got_rc = rc;
	json_decref(got);
	got = json_incref(answer);
	done = 1;
	event_base_loopbreak(base);
}

static int
call(struct cd_etcd *e, const char *path, json_t *req, bool read)
{
	done = 0;
	CHECK(cd_etcd_call(e, path, req, read, on_answer, NULL) != NULL);
	CHECK(done == 0);	/* never from inside the call */
	while (!done)
		event_base_dispatch(base);
	json_decref(req);
	return got_rc;
}

static json_t *
b64(const char *s)
{
	char *b = cd_etcd_b64(s, strlen(s));
	json_t *j = json_string(b);

	free(b);
	return j;
}

static int64_t
put(struct cd_etcd *e, const char *k, const char *v)
{
	CHECK(call(e, "kv/put", json_pack("{s:o,s:o}", "key", b64(k), "value", b64(v)), false) == 0);
	return cd_etcd_num(json_object_get(json_object_get(got, "header"), "revision"));
}

/* A txn putting @k = @v if its mod_revision is @rev: did it succeed? */
static bool
cas(struct cd_etcd *e, const char *k, const char *v, int64_t rev)
{
	json_t *t = json_pack("{s:[{s:o,s:s,s:s,s:s}],s:[{s:{s:o,s:o}}]}", "compare", "key", b64(k),
			      "target", "MOD", "result", "EQUAL", "mod_revision", "0",
			      "success", "request_put", "key", b64(k), "value", b64(v));

	json_object_set_new(json_array_get(json_object_get(t, "compare"), 0), "mod_revision",
			    json_sprintf("%lld", (long long)rev));
	CHECK(call(e, "kv/txn", t, false) == 0);
	return json_is_true(json_object_get(got, "succeeded"));
}

/* ------------------------------------------------------------ cd_cas */

static int cas_rc;
static int64_t cas_rev;

static void
on_cas(void *arg, int rc, json_int_t rev)
{
	(void)arg;
	cas_rc = rc;
	cas_rev = rev;
	done = 1;
	event_base_loopbreak(base);
}

static int
cas_wait(struct cd_etcd *e, const char *k, const char *v, int64_t rev)
{
	struct cd_cas_op op = { .key = k, .val = v, .rev = rev };

	done = 0;
	CHECK(cd_cas_txn(base, e, &op, 1, on_cas, NULL) == 0);
	while (!done)
		event_base_dispatch(base);
	return cas_rc;
}

/* @k's value (NULL: absent; new), its version and mod_revision. */
static char *
get_kv(struct cd_etcd *e, const char *k, int64_t *version, int64_t *mod)
{
	json_t *kv;

	CHECK(call(e, "kv/range", json_pack("{s:o}", "key", b64(k)), true) == 0);
	kv = json_array_get(json_object_get(got, "kvs"), 0);
	*version = kv ? cd_etcd_num(json_object_get(kv, "version")) : 0;
	*mod = kv ? cd_etcd_num(json_object_get(kv, "mod_revision")) : 0;
	return kv ? cd_etcd_unb64(json_string_value(json_object_get(kv, "value")), NULL) : NULL;
}

/* A member that takes a request, hands it to etcd at @port and never
 * answers: a write applied whose answer is lost. A child process; its
 * pid. */
static pid_t
swallower(int lfd, int port)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (;;) {
		int c = accept(lfd, NULL, NULL), u;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		char buf[65536], *h;
		size_t have = 0, want = 0;
		ssize_t r;

		if (c < 0)
			_exit(0);
		/* the head, then as much body as it says */
		while (have < sizeof(buf) - 1 && (r = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
			have += (size_t)r;
			buf[have] = '\0';
			if ((h = strstr(buf, "\r\n\r\n")) != NULL) {
				char *cl = strcasestr(buf, "Content-Length:");

				want = (size_t)(h + 4 - buf) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
				if (have >= want)
					break;
			}
		}
		u = socket(AF_INET, SOCK_STREAM, 0);
		if (u >= 0 && connect(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    write(u, buf, have) == (ssize_t)have)
			r = read(u, buf, sizeof(buf));	/* etcd's answer, dropped */
		(void)r;
		/* c stays open, silent */
	}
}

/* ------------------------------------------------------------ watch */

static json_t *events;		/* every event seen */
static int watch_rc, watch_over, canceled;
static int64_t compacted;

static void
on_watch(void *arg, int rc, json_t *res)
{
	json_t *ev;
	size_t i;

	(void)arg;
	if (rc < 0) {
		watch_rc = rc;
		watch_over = 1;
		event_base_loopbreak(base);
		return;
	}
	if (json_is_true(json_object_get(res, "canceled")) && (canceled = 1))
		compacted = cd_etcd_num(json_object_get(res, "compact_revision"));
	json_array_foreach(json_object_get(res, "events"), i, ev)
		json_array_append(events, ev);
	event_base_loopbreak(base);
}

static void
wait_until(int *flag_or_null, size_t nevents, int ms)
{
	struct timeval tv = { 0, 20000 };

	for (int i = 0; i < ms / 20; i++) {
		if (flag_or_null != NULL ? *flag_or_null : json_array_size(events) >= nevents)
			return;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* etcd on @cport, plain or (@tls) with the certificates of make_certs,
 * asking clients for theirs; its pid. */
static pid_t
start_etcd(int cport, bool tls)
{
	char curl[64], purl[64], data[300], cluster[96], ca[300], crt[300], key[300];
	int pport = free_port(NULL);
	pid_t pid;

	snprintf(curl, sizeof(curl), "%s://127.0.0.1:%d", tls ? "https" : "http", cport);
	snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", pport);
	snprintf(cluster, sizeof(cluster), "t=%s", purl);
	snprintf(data, sizeof(data), "%s/data%s", dir, tls ? "-tls" : "");
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(crt, sizeof(crt), "%s/srv.crt", dir);
	snprintf(key, sizeof(key), "%s/srv.key", dir);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		if (tls)
			execlp("etcd", "etcd", "--name", "t", "--data-dir", data, "--listen-client-urls", curl,
			       "--advertise-client-urls", curl, "--listen-peer-urls", purl,
			       "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster,
			       "--cert-file", crt, "--key-file", key, "--trusted-ca-file", ca,
			       "--client-cert-auth", (char *)NULL);
		else
			execlp("etcd", "etcd", "--name", "t", "--data-dir", data, "--listen-client-urls", curl,
			       "--advertise-client-urls", curl, "--listen-peer-urls", purl,
			       "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster, (char *)NULL);
		_exit(127);
	}
	if (!tls)
		etcd = pid;
	return pid;
}

/* A CA, a server certificate for 127.0.0.1, a client's, and another CA, in dir. */
static int
make_certs(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd %s && exec >/dev/null 2>&1 && "
		 "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
		 "openssl req -x509 $K -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 && "
		 "openssl req -x509 $K -keyout other.key -out other.crt -subj /CN=other-ca -days 2 && "
		 "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' >srv.ext && "
		 "printf 'extendedKeyUsage=clientAuth\\n' >cli.ext && "
		 "openssl req $K -keyout srv.key -out srv.csr -subj /CN=etcd && "
		 "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile srv.ext && "
		 "openssl req $K -keyout cli.key -out cli.csr -subj /CN=box && "
		 "openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 2 -extfile cli.ext",
		 dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	char eps[128], err[128];
	struct cd_etcd *e, *dead, *silent;
	int cport, dport, sport, sfd = -1;
	size_t n;
	int64_t r1, r2;
	char *s;

	if (system("command -v etcd >/dev/null 2>&1") != 0) {
		printf("SKIP: etcd is not installed (apt-get install etcd-server)\n");
		return 77;
	}
	/* base64 and prefixes, without etcd */
	for (size_t len = 0; len < 40; len++) {
		char raw[40], *enc, *dec;

		for (size_t i = 0; i < len; i++)
			raw[i] = (char)(i * 37 + len);
		enc = cd_etcd_b64(raw, len);
		dec = cd_etcd_unb64(enc, &n);
		CHECK(dec != NULL && n == len && memcmp(raw, dec, len) == 0);
		free(enc);
		free(dec);
	}
	CHECK(cd_etcd_unb64("L2YvYQ", &n) == NULL && cd_etcd_unb64("L2Y*YQ==", &n) == NULL);
	s = cd_etcd_prefix_end("/fleet/");
	CHECK(strcmp(s, "/fleet0") == 0);
	free(s);
	base = event_base_new();
	CHECK(cd_etcd_new(base, "127.0.0.1", 1000, &e, err, sizeof(err)) == -EINVAL);
	CHECK(cd_etcd_new(base, "127.0.0.1:0", 1000, &e, err, sizeof(err)) == -EINVAL);
	CHECK(cd_etcd_new(base, "", 1000, &e, err, sizeof(err)) == -EINVAL);
	CHECK(cd_etcd_new(base, "[::1]:2379,a:1", 1000, &e, err, sizeof(err)) == 0);
	CHECK(strcmp(cd_etcd_endpoint(e), "[::1]:2379") == 0);
	cd_etcd_free(e);

	CHECK(mkdtemp(dir) != NULL);
	cport = free_port(NULL);
	dport = free_port(NULL);	/* nobody listens there */
	sport = free_port(&sfd);	/* listens, never answers */
	CHECK(start_etcd(cport, false) > 0);
	snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", dport, cport);
	CHECK(cd_etcd_new(base, eps, 2000, &e, err, sizeof(err)) == 0);
	/* etcd takes a moment to serve (more than 10 s beside other jobs): a read until it does */
	for (double until = now_s() + ETCD_SERVE_S; now_s() < until;) {
		if (call(e, "kv/range", json_pack("{s:o}", "key", b64("/x")), true) == 0)
			break;
		usleep(100000);
	}
	CHECK(got_rc == 0);
	/* the dead endpoint was left for the live one */
	snprintf(err, sizeof(err), "127.0.0.1:%d", cport);
	CHECK(strcmp(cd_etcd_endpoint(e), err) == 0);

	r1 = put(e, "/f/a", "one");
	CHECK(r1 > 0);
	/* two writers at the same revision: the first wins, the second sees it lost */
	CHECK(cas(e, "/f/a", "two", r1));
	CHECK(!cas(e, "/f/a", "three", r1));
	CHECK(cas(e, "/f/new", "n", 0));	/* absent: mod_revision 0 */
	CHECK(!cas(e, "/f/new", "n2", 0));
	CHECK(call(e, "kv/range", json_pack("{s:o,s:o}", "key", b64("/f/"), "range_end", b64("/f0")), true) == 0);
	CHECK(json_array_size(json_object_get(got, "kvs")) == 2);
	s = cd_etcd_unb64(json_string_value(json_object_get(json_array_get(json_object_get(got, "kvs"), 0),
							     "value")), &n);
	CHECK(s != NULL && strcmp(s, "two") == 0);
	free(s);
	r2 = cd_etcd_num(json_object_get(json_object_get(got, "header"), "revision"));

	/* a watch from r1: the history since, in order, then what comes */
	events = json_array();
	CHECK(cd_etcd_watch(e, "/f/", "/f0", r1, on_watch, NULL) != NULL);
	wait_until(NULL, 3, 5000);
	CHECK(json_array_size(events) == 3);
	CHECK(cd_etcd_num(json_object_get(json_object_get(json_array_get(events, 2), "kv"), "mod_revision")) == r2);
	CHECK(call(e, "kv/deleterange", json_pack("{s:o}", "key", b64("/f/new")), false) == 0);
	wait_until(NULL, 4, 5000);
	CHECK(json_array_size(events) == 4);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(events, 3), "type")), "DELETE") == 0);
	/* a long value arrives whole, over many chunks */
	{
		char *big = malloc(300001);

		memset(big, 'v', 300000);
		big[300000] = '\0';
		put(e, "/f/big", big);
		wait_until(NULL, 5, 5000);
		CHECK(json_array_size(events) == 5);
		s = cd_etcd_unb64(json_string_value(json_object_get(json_object_get(json_array_get(events, 4),
										     "kv"), "value")), &n);
		CHECK(s != NULL && n == 300000);
		free(s);
		free(big);
	}

	/* a compaction past a watch's start cancels it, saying where */
	r2 = put(e, "/g/x", "1");
	CHECK(call(e, "kv/compaction", json_pack("{s:o}", "revision", json_sprintf("%lld", (long long)r2)),
		   false) == 0);
	compacted = 0;
	CHECK(cd_etcd_watch(e, "/f/", "/f0", r1, on_watch, NULL) != NULL);
	wait_until(&canceled, 0, 5000);
	CHECK(compacted == r2);
	/* a compacted revision read: etcd's error, code 11 */
	CHECK(call(e, "kv/range", json_pack("{s:o,s:I}", "key", b64("/f/a"), "revision", (json_int_t)r1),
		   true) == -EPROTO);
	CHECK(cd_etcd_num(json_object_get(got, "code")) == 11);

	/* cd_cas: a txn whose answer is lost is read back */
	{
		struct cd_etcd *c;
		int pfd = -1, pport = free_port(&pfd);
		pid_t sw = swallower(pfd, cport);
		int64_t ver, mod, m0;
		char *v;

		CHECK(sw > 0);
		/* sent to a member that never answers: read back untouched, sent again */
		snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", sport, cport);
		CHECK(cd_etcd_new(base, eps, 500, &c, err, sizeof(err)) == 0);
		CHECK(cas_wait(c, "/c/a", "a1", 0) == 0);
		v = get_kv(e, "/c/a", &ver, &mod);
		CHECK(v != NULL && strcmp(v, "a1") == 0 && ver == 1 && cas_rev == mod);
		free(v);
		cd_etcd_free(c);
		/* applied, its answer swallowed: read back as written, not sent again */
		snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", pport, cport);
		CHECK(cd_etcd_new(base, eps, 500, &c, err, sizeof(err)) == 0);
		CHECK(cas_wait(c, "/c/b", "b1", 0) == 0);
		v = get_kv(e, "/c/b", &ver, &mod);
		CHECK(v != NULL && strcmp(v, "b1") == 0 && ver == 1 && cas_rev == mod);
		free(v);
		cd_etcd_free(c);
		/* ... and a delete alike */
		CHECK(cd_etcd_new(base, eps, 500, &c, err, sizeof(err)) == 0);
		CHECK(cas_wait(c, "/c/b", NULL, mod) == 0);
		v = get_kv(e, "/c/b", &ver, &m0);
		CHECK(v == NULL && cas_rev >= mod);
		cd_etcd_free(c);
		kill(sw, SIGKILL);
		waitpid(sw, NULL, 0);
		close(pfd);
		/* another writer between the lost answer and the read-back: -ESTALE */
		free(get_kv(e, "/c/a", &ver, &mod));
		snprintf(eps, sizeof(eps), "127.0.0.1:%d,127.0.0.1:%d", sport, cport);
		CHECK(cd_etcd_new(base, eps, 500, &c, err, sizeof(err)) == 0);
		{
			struct cd_cas_op op = { .key = "/c/a", .val = "a2", .rev = mod };

			done = 0;
			CHECK(cd_cas_txn(base, c, &op, 1, on_cas, NULL) == 0);
			put(e, "/c/a", "other");	/* waits for its own answer alone */
			done = 0;
			while (!done)
				event_base_dispatch(base);
			CHECK(cas_rc == -ESTALE);
		}
		v = get_kv(e, "/c/a", &ver, &m0);
		CHECK(v != NULL && strcmp(v, "other") == 0);
		free(v);
		cd_etcd_free(c);
		/* a plain compare that fails */
		CHECK(cas_wait(e, "/c/a", "a3", mod) == -ESTALE);
		/* nobody answers anything: unknown once the budget is spent */
		snprintf(eps, sizeof(eps), "127.0.0.1:%d", sport);
		CHECK(cd_etcd_new(base, eps, 500, &c, err, sizeof(err)) == 0);
		CHECK(cas_wait(c, "/c/z", "z", 0) == -EIO);
		cd_etcd_free(c);
	}

	/* nobody there */
	snprintf(eps, sizeof(eps), "127.0.0.1:%d", dport);
	CHECK(cd_etcd_new(base, eps, 2000, &dead, err, sizeof(err)) == 0);
	CHECK(call(dead, "kv/range", json_pack("{s:o}", "key", b64("/x")), true) == -ECONNREFUSED);
	cd_etcd_free(dead);
	/* a member that says nothing */
	snprintf(eps, sizeof(eps), "127.0.0.1:%d", sport);
	CHECK(cd_etcd_new(base, eps, 500, &silent, err, sizeof(err)) == 0);
	CHECK(call(silent, "kv/range", json_pack("{s:o}", "key", b64("/x")), true) == -ETIMEDOUT);
	/* a call under way when its client goes: nothing said */
	CHECK(cd_etcd_call(silent, "kv/range", json_pack("{s:o}", "key", b64("/x")), true, on_answer, NULL) != NULL);
	cd_etcd_free(silent);
	close(sfd);

	/* TLS: the member's certificate checked, this client's shown */
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		printf("# no openssl command: the TLS checks left out\n");
	} else {
		struct cd_etcd *t;
		int tport = free_port(NULL), rc = -1;
		char ca[300], crt[300], key[300], other[300];

		CHECK(make_certs() == 0);
		snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
		snprintf(crt, sizeof(crt), "%s/cli.crt", dir);
		snprintf(key, sizeof(key), "%s/cli.key", dir);
		snprintf(other, sizeof(other), "%s/other.crt", dir);
		CHECK((etcd_tls = start_etcd(tport, true)) > 0);
		snprintf(eps, sizeof(eps), "127.0.0.1:%d", tport);
		CHECK(cd_etcd_new(base, eps, 2000, &t, err, sizeof(err)) == 0);
		CHECK(cd_etcd_set_tls(t, "/nonexistent.crt", NULL, NULL, err, sizeof(err)) == -EINVAL);
		CHECK(strstr(err, "/nonexistent.crt") != NULL);
		CHECK(cd_etcd_set_tls(t, ca, crt, NULL, err, sizeof(err)) == -EINVAL);
		CHECK(cd_etcd_set_tls(t, ca, crt, key, err, sizeof(err)) == 0);
		for (double until = now_s() + ETCD_SERVE_S; rc != 0 && now_s() < until;) {
			if ((rc = call(t, "kv/put", json_pack("{s:o,s:o}", "key", b64("/t/a"), "value",
							       b64("over TLS")), false)) != 0)
				usleep(100000);
		}
		CHECK(rc == 0);
		CHECK(call(t, "kv/range", json_pack("{s:o}", "key", b64("/t/a")), true) == 0);
		CHECK(json_array_size(json_object_get(got, "kvs")) == 1);
		CHECK(cd_etcd_error(t) == NULL);
		cd_etcd_free(t);
		/* no client certificate: refused by etcd */
		CHECK(cd_etcd_new(base, eps, 2000, &t, err, sizeof(err)) == 0);
		CHECK(cd_etcd_set_tls(t, ca, NULL, NULL, err, sizeof(err)) == 0);
		CHECK(call(t, "kv/range", json_pack("{s:o}", "key", b64("/t/a")), true) < 0);
		cd_etcd_free(t);
		/* a member whose certificate another CA signed: refused here, and said why */
		CHECK(cd_etcd_new(base, eps, 2000, &t, err, sizeof(err)) == 0);
		CHECK(cd_etcd_set_tls(t, other, crt, key, err, sizeof(err)) == 0);
		CHECK(call(t, "kv/range", json_pack("{s:o}", "key", b64("/t/a")), true) < 0);
		CHECK(cd_etcd_error(t) != NULL && strstr(cd_etcd_error(t), "certificate") != NULL);
		printf("# %s\n", cd_etcd_error(t));
		cd_etcd_free(t);
		/* plain HTTP to a TLS member: no answer it could take for one */
		CHECK(cd_etcd_new(base, eps, 2000, &t, err, sizeof(err)) == 0);
		CHECK(call(t, "kv/range", json_pack("{s:o}", "key", b64("/t/a")), true) < 0);
		cd_etcd_free(t);
	}

	/* etcd dies: the watch ends */
	watch_over = 0;
	CHECK(cd_etcd_watch(e, "/f/", "/f0", 0, on_watch, NULL) != NULL);
	wait_until(NULL, 0, 200);
	stop_etcd();
	wait_until(&watch_over, 0, 5000);
	CHECK(watch_rc == -ECONNRESET || watch_rc == -ECONNREFUSED);
	watch_over = 0;
	CHECK(cd_etcd_watch(e, "/f/", "/f0", 0, on_watch, NULL) != NULL);
	wait_until(&watch_over, 0, 5000);
	CHECK(watch_rc == -ECONNREFUSED || watch_rc == -ECONNRESET);

	/* a write to members that are all gone: never sent, so said so */
	CHECK(call(e, "kv/put", json_pack("{s:o,s:o}", "key", b64("/f/z"), "value", b64("z")), false) == -ECONNREFUSED);
	cd_etcd_free(e);
	json_decref(events);
	json_decref(got);
	event_base_free(base);
	cleanup();
	printf("ok\n");
	return 0;
}
