/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pair: the PFCP node of a pair of boxes (pf_pair.h): who serves, the journal's stream to the standby, takeover and hand-back. */
/*
 * The wire, inside TLS: frames of a 4-octet length (network order, of what
 * follows), a type octet and its payload:
 *   'S' a snapshot begins: the standby's copy is emptied
 *   'D' the node's state document (JSON)
 *   'P' a record: its key (8 octets, network order), its bytes (pf_save's)
 *   'X' a key deleted (8)
 *   'C' a commit (its number, 8): the standby syncs its copy, then answers
 *   'A' (standby to active) that commit's number
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <libmnl/libmnl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "cd_clock.h"
#include "cd_host.h"
#include "cd_log.h"
#include "cd_svc.h"
#include "pf_node.h"
#include "pf_pair.h"
#include "pf_jsync.h"
#include "pf_store.h"
#include "pf_up.h"

#define FRAME_MAX	(16u << 20)	/* a frame's bytes at most (a state document of many associations) */
#define RETRY_MS	1000		/* the active connects again after this; a failed takeover is tried again */
#define BACKOFF_ENV	"SXCD_PFCP_PAIR_BACKOFF"	/* set across the exec of a failed takeover */
#define HANDSHAKE_S	5		/* a connection to the pair's port proves the key within this */
#define PENDING_MAX	4		/* connections to the pair's port in their handshakes at once */
#define SILENT_MS	1500		/* an active's sxdp silent this long: the node let go */
#define UNHELD_WARN_MS	10000		/* sxdp holding no pair's UPF address this long: said once */
#define PSK_ID		"sxcd-pfcp-pair"
/* TLS 1.2's ECDHE with a pre-shared key: forward secret, no certificates to keep */
#define CIPHERS		"ECDHE-PSK-CHACHA20-POLY1305:ECDHE-PSK-AES256-CBC-SHA384:ECDHE-PSK-AES128-CBC-SHA256"

struct held {
	struct held *next;
	uint64_t seq;
	struct outmsg *m;
};

enum role { STANDBY, ACTIVE };

static struct {
	bool on;
	struct pf_pair_cfg cfg;
	const struct cd_svc_ctx *ctx;
	uint8_t psk[32];
	SSL_CTX *sctx, *cctx;
	struct evconnlistener *lst;
	struct event *poll, *retry, *ack_timer;
	bool poll_busy, told_unheld;
	unsigned int unheld_polls;
	enum role role;
	uint64_t not_before;		/* no takeover before (ms): a failed one's backoff */
	uint64_t held_ok_ms;		/* sxdp last answered upf.held (ms; our own stalls forgiven) */
	uint64_t answered_ms;		/* ... as it was (ms) */
	uint64_t poll_ms;		/* the last poll (ms) */
	char boot_id[64];		/* this sxdp's */
	/* the standby's side */
	struct bufferevent *in;		/* the active's stream */
	/* newer connections in their handshakes: each slot's, whether it came
	 * from the peer's address, and when (accept order) */
	struct bufferevent *pending[PENDING_MAX];
	bool pending_peer[PENDING_MAX];
	uint64_t pending_at[PENDING_MAX], accepts;
	struct pf_jsync *copy;		/* the journal's copy, synced on its thread */
	unsigned int in_gen;		/* one more per stream from the active */
	char copy_boot[64];		/* the sxdp the copy's sessions are in (its key 0) */
	bool in_sync;			/* a commit taken since the last snapshot began */
	/* the active's side */
	struct bufferevent *out;
	bool out_ready;			/* connected, the snapshot sent: records stream */
	uint64_t snap_until;		/* (ms) the snapshot's own time to be acknowledged */
	uint64_t seq, acked, snap_seq;	/* the last commit sent, acknowledged, the snapshot's */
	bool uncommitted;		/* records sent since the last commit */
	bool unconfirmed;		/* the stream lost: answers wait for sxdp's word (on_held) */
	struct held *held, **held_tail;
	struct {
		uint64_t commits, acks, ack_timeouts, snapshots, records_in, commits_in, takeovers, handbacks;
		uint64_t refused, copy_failures, connect_failures;
	} st;
} pp;

/* ------------------------------------------------------------ frames */

static void
frame(struct bufferevent *b, char type, const void *a, size_t alen, const void *p, size_t plen)
{
	uint32_t len = htonl((uint32_t)(1 + alen + plen));
	struct evbuffer *o = bufferevent_get_output(b);

	evbuffer_add(o, &len, 4);
	evbuffer_add(o, &type, 1);
	if (alen)
		evbuffer_add(o, a, alen);
	if (plen)
		evbuffer_add(o, p, plen);
}

/* The wire's 8-octet numbers, network order, unaligned. */
static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/* Each whole frame in @b's input to @fn: false from it drops the connection. */
static bool
frames(struct bufferevent *b, bool (*fn)(uint8_t type, const uint8_t *p, size_t len))
{
	struct evbuffer *in = bufferevent_get_input(b);
	uint32_t len;

	while (evbuffer_get_length(in) >= 4) {
		evbuffer_copyout(in, &len, 4);
		len = ntohl(len);
		if (len == 0 || len > FRAME_MAX)
			return false;
		if (evbuffer_get_length(in) < 4 + (size_t)len)
			return true;
		evbuffer_drain(in, 4);
		uint8_t *f = evbuffer_pullup(in, len);

		if (f == NULL || !fn(f[0], f + 1, len - 1))
			return false;
		evbuffer_drain(in, len);
	}
	return true;
}

/* A commit mark and its acknowledgement are a few bytes each: sent at once, not
 * held by Nagle's algorithm for the peer's delayed ACK (40 ms a round). */
static void
nodelay(evutil_socket_t fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ------------------------------------------------------------ TLS with the pre-shared key */

static unsigned int
psk_client(SSL *ssl, const char *hint, char *id, unsigned int id_len, unsigned char *psk, unsigned int psk_len)
{
	(void)ssl;
	(void)hint;
	if (id_len < sizeof(PSK_ID) || psk_len < sizeof(pp.psk))
		return 0;
	memcpy(id, PSK_ID, sizeof(PSK_ID));
	memcpy(psk, pp.psk, sizeof(pp.psk));
	return sizeof(pp.psk);
}

static unsigned int
psk_server(SSL *ssl, const char *id, unsigned char *psk, unsigned int psk_len)
{
	(void)ssl;
	if (id == NULL || strcmp(id, PSK_ID) != 0 || psk_len < sizeof(pp.psk))
		return 0;
	memcpy(psk, pp.psk, sizeof(pp.psk));
	return sizeof(pp.psk);
}

static SSL_CTX *
tls_ctx(bool server)
{
	SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (c == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	if (SSL_CTX_set_cipher_list(c, CIPHERS) != 1) {
		SSL_CTX_free(c);
		return NULL;
	}
	if (server)
		SSL_CTX_set_psk_server_callback(c, psk_server);
	else
		SSL_CTX_set_psk_client_callback(c, psk_client);
	return c;
}

/* The key file: the owner's alone, at least 32 characters; the PSK is its SHA-256 (never logged). */
static int
key_load(const char *path, char *err, size_t len)
{
	uint8_t buf[4096];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned int out = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, len, "--pfcp-pair-key %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		close(fd);
		snprintf(err, len, "--pfcp-pair-key %s: readable by others than its owner (chmod 600)", path);
		return -EPERM;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, len, "--pfcp-pair-key %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (n < 32) {
		OPENSSL_cleanse(buf, sizeof(buf));
		snprintf(err, len, "--pfcp-pair-key %s: at least 32 characters of secret", path);
		return -EINVAL;
	}
	if (EVP_Digest(buf, (size_t)n, pp.psk, &out, EVP_sha256(), NULL) != 1 || out != sizeof(pp.psk)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		snprintf(err, len, "--pfcp-pair-key: SHA-256 failed");
		return -EIO;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* ------------------------------------------------------------ the N4 address */

static int
n4_talk(bool add, uint32_t index)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	bool v6 = pp.cfg.n4.ss.ss_family == AF_INET6;
	const void *a = v6 ? (const void *)&((const struct sockaddr_in6 *)&pp.cfg.n4.ss)->sin6_addr :
			     (const void *)&((const struct sockaddr_in *)&pp.cfg.n4.ss)->sin_addr;
	int rc;

	if (nl == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(nl);
		return rc;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = 1;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = v6 ? 128 : 32;
	ifa->ifa_index = index;
	ifa->ifa_flags = v6 ? IFA_F_NODAD : 0;	/* the pair moves it: no duplicate to detect */
	mnl_attr_put(nlh, IFA_LOCAL, v6 ? 16 : 4, a);
	mnl_attr_put(nlh, IFA_ADDRESS, v6 ? 16 : 4, a);
	rc = mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
	if (rc == 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		rc = n < 0 ? -errno : mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), NULL, NULL) < 0 ? -errno : 0;
	}
	mnl_socket_close(nl);
	return rc;
}

/* A gratuitous ARP request for the IPv4 N4 address out of its device: the
 * LAN's switches and the SMF's neighbour cache learn the new box at once. */
static void
garp(uint32_t index)
{
	struct {
		struct arphdr h;
		uint8_t sha[6], spa[4], tha[6], tpa[4];
	} __attribute__((packed)) p;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = (int)index, .sll_halen = 6,
				  .sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", pp.cfg.n4_dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
		p.h = (struct arphdr){ .ar_hrd = htons(ARPHRD_ETHER), .ar_pro = htons(ETH_P_IP), .ar_hln = 6,
				       .ar_pln = 4, .ar_op = htons(ARPOP_REQUEST) };
		memcpy(p.sha, ifr.ifr_hwaddr.sa_data, 6);
		memcpy(p.spa, &((const struct sockaddr_in *)&pp.cfg.n4.ss)->sin_addr, 4);
		memset(p.tha, 0, 6);
		memcpy(p.tpa, p.spa, 4);
		for (int i = 0; i < 2; i++)
			if (sendto(fd, &p, sizeof(p), 0, (const struct sockaddr *)&to, sizeof(to)) < 0)
				CD_LOG(WARN, "pfcp pair: gratuitous ARP on %s: %s", pp.cfg.n4_dev, strerror(errno));
	}
	close(fd);
}

/* An unsolicited neighbour advertisement of the IPv6 N4 address (RFC 4861
 * 7.2.6: to all nodes, Override set, our link-layer address): the
 * neighbour caches of the LAN learn the new box at once. */
static void
unsolicited_na(uint32_t index)
{
	struct {
		uint8_t type, code;
		uint16_t cksum;	/* the kernel's, for ICMPv6 */
		uint32_t flags;
		struct in6_addr target;
		uint8_t opt_type, opt_len, mac[6];
	} __attribute__((packed)) na = { .type = 136, .flags = htonl(0x20000000), .opt_type = 2, .opt_len = 1 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = index }, from = to;
	struct ifreq ifr = { 0 };
	int hops = 255, ifi = (int)index, fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", pp.cfg.n4_dev);
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	from.sin6_addr = ((const struct sockaddr_in6 *)&pp.cfg.n4.ss)->sin6_addr;
	na.target = from.sin6_addr;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) == 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi)) == 0 &&
	    bind(fd, (const struct sockaddr *)&from, sizeof(from)) == 0) {
		memcpy(na.mac, ifr.ifr_hwaddr.sa_data, 6);
		for (int i = 0; i < 2; i++)
			if (sendto(fd, &na, sizeof(na), 0, (const struct sockaddr *)&to, sizeof(to)) < 0)
				CD_LOG(WARN, "pfcp pair: unsolicited NA on %s: %s", pp.cfg.n4_dev, strerror(errno));
	} else {
		CD_LOG(WARN, "pfcp pair: unsolicited NA on %s not sent: %s", pp.cfg.n4_dev, strerror(errno));
	}
	close(fd);
}

/* The N4 address announced on --pfcp-n4-dev: the LAN's caches point to this box. */
static void
n4_announce(void)
{
	uint32_t index;

	if (pp.cfg.n4_dev[0] == '\0' || (index = if_nametoindex(pp.cfg.n4_dev)) == 0)
		return;
	if (pp.cfg.n4.ss.ss_family == AF_INET)
		garp(index);
	else
		unsolicited_na(index);
}

/* The --pfcp address on --pfcp-n4-dev (@add) or off it. */
static void
n4_hold(bool add)
{
	uint32_t index;
	char a[64];
	int rc;

	if (pp.cfg.n4_dev[0] == '\0')
		return;
	if ((index = if_nametoindex(pp.cfg.n4_dev)) == 0) {
		CD_LOG(ERR, "pfcp pair: --pfcp-n4-dev %s: %s", pp.cfg.n4_dev, strerror(errno));
		return;
	}
	rc = n4_talk(add, index);
	if (rc < 0 && !(rc == -EADDRNOTAVAIL && !add))
		CD_LOG(ERR, "pfcp pair: the N4 address %s %s %s: %s", pf_addr_str(&pp.cfg.n4, a, sizeof(a)),
		       add ? "added to" : "removed from", pp.cfg.n4_dev, strerror(-rc));
	else
		CD_LOG(INFO, "pfcp pair: the N4 address %s %s %s", pf_addr_str(&pp.cfg.n4, a, sizeof(a)),
		       add ? "added to" : "removed from", pp.cfg.n4_dev);
	if (add)
		n4_announce();
}

/* ------------------------------------------------------------ the active's side: the stream out */

static void release_all(void);

static void
out_drop(const char *why)
{
	bool was_ready = pp.out_ready;

	if (pp.out == NULL)
		return;
	if (!was_ready)
		pp.st.connect_failures++;
	else
		CD_LOG(WARN, "pfcp pair: the stream to the standby dropped (%s): answers no longer wait for it", why);
	bufferevent_free(pp.out);
	pp.out = NULL;
	pp.out_ready = false;
	evtimer_del(pp.ack_timer);
	/* a replica lost (not a connect that failed): what it held, and what
	 * comes, waits for sxdp's word that this box still serves (on_held) */
	if (was_ready)
		pp.unconfirmed = true;
	struct timeval tv = { RETRY_MS / 1000, (RETRY_MS % 1000) * 1000 };

	evtimer_add(pp.retry, &tv);
}

static void
release_upto(uint64_t seq)
{
	while (pp.held != NULL && pp.held->seq <= seq) {
		struct held *h = pp.held;

		pp.held = h->next;
		if (pp.held == NULL)
			pp.held_tail = &pp.held;
		pf_up_release(h->m);
		free(h);
	}
}

static void
release_all(void)
{
	release_upto(UINT64_MAX);
	evtimer_del(pp.ack_timer);
}

static void
on_ack_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (cd_clock_ms() < pp.snap_until) {   /* a snapshot still on its way: its time, not a dead standby */
		struct timeval tv = { 0, PF_PAIR_ACK_MS * 1000 };

		evtimer_add(pp.ack_timer, &tv);
		return;
	}
	pp.st.ack_timeouts++;
	out_drop("a commit not acknowledged in time");
}

static bool
out_frame(uint8_t type, const uint8_t *p, size_t len)
{
	if (type != 'A' || len != 8)
		return false;
	pp.st.acks++;
	pp.acked = get64(p);
	release_upto(pp.acked);
	evtimer_del(pp.ack_timer);
	if (pp.acked < pp.seq) {
		struct timeval tv = { 0, PF_PAIR_ACK_MS * 1000 };

		evtimer_add(pp.ack_timer, &tv);
	}
	return true;
}

static void
out_read(struct bufferevent *b, void *arg)
{
	(void)arg;
	if (!frames(b, out_frame))
		out_drop("the standby sent what is no acknowledgement");
}

static int
snap_one(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	uint8_t k[8];

	(void)arg;
	put64(k, key);
	frame(pp.out, 'P', k, 8, b, len);
	return 0;
}

static void
tap(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	uint8_t k[8];

	(void)arg;
	if (!pp.out_ready)
		return;   /* the snapshot at the next connect has it */
	put64(k, key);
	frame(pp.out, b != NULL ? 'P' : 'X', k, 8, b, b != NULL ? len : 0);
	pp.uncommitted = true;
}

static void
commit(void)
{
	uint8_t s[8];

	put64(s, ++pp.seq);
	frame(pp.out, 'C', s, 8, NULL, 0);
	pp.st.commits++;
	pp.uncommitted = false;
	/* every commit is answered in time, or the standby is dropped (one
	 * that stalls would grow the stream without bound) */
	if (!evtimer_pending(pp.ack_timer, NULL)) {
		struct timeval tv = { 0, PF_PAIR_ACK_MS * 1000 };

		evtimer_add(pp.ack_timer, &tv);
	}
}

static bool
hold(void *arg, struct outmsg *m)
{
	struct held *h;

	(void)arg;
	if (m == NULL) {   /* records alone (usage checkpoints): committed, nothing waits */
		if (pp.out_ready && pp.uncommitted)
			commit();
		return false;
	}
	/* the stream just lost: until sxdp says this box still holds the
	 * addresses (the other may have taken them, and the node with them),
	 * nothing is answered */
	if (!pp.out_ready && !pp.unconfirmed)
		return false;
	/* a snapshot on its way: answered as with no standby, not after it */
	if (pp.out_ready && pp.acked < pp.snap_seq)
		return false;
	if ((h = malloc(sizeof(*h))) == NULL)
		return false;
	if (pp.out_ready)
		commit();
	*h = (struct held){ .seq = pp.out_ready ? pp.seq : UINT64_MAX, .m = m };
	*pp.held_tail = h;
	pp.held_tail = &h->next;
	return true;
}

/* The node's state document to the standby: false when it does not fit a frame. */
static bool
doc_send(json_t *doc)
{
	char *t = json_dumps(doc, JSON_COMPACT);
	bool ok = t != NULL && strlen(t) < FRAME_MAX;

	if (ok)
		frame(pp.out, 'D', t, strlen(t), NULL, 0);
	else
		CD_LOG(ERR, "pfcp pair: the node's state document (%zu bytes) not streamed: more than a frame holds",
		       t != NULL ? strlen(t) : 0);
	free(t);
	return ok;
}

static void
doc_saved(void *arg, json_t *doc)
{
	(void)arg;
	if (pp.out_ready)
		doc_send(doc);
}

static void
out_event(struct bufferevent *b, short what, void *arg)
{
	json_t *doc;
	int rc;

	(void)b;
	(void)arg;
	if (!(what & BEV_EVENT_CONNECTED)) {
		if (what & BEV_EVENT_TIMEOUT)
			out_drop("the standby takes nothing in");
		else if (pp.out_ready || (what & BEV_EVENT_EOF))
			out_drop(what & BEV_EVENT_EOF ? "closed by the standby" : "an error");
		else
			out_drop("the standby does not answer");
		return;
	}
	if (pp.out == NULL)
		return;
	nodelay(bufferevent_getfd(pp.out));
	/* the whole copy first, then the stream */
	frame(pp.out, 'S', NULL, 0, NULL, 0);
	if ((doc = cd_host_state(pp.ctx->res, "pfcp")) != NULL && !doc_send(doc)) {
		out_drop("the node's state document too large");
		return;
	}
	if ((rc = pf_up_journal_each(snap_one, NULL)) < 0) {
		CD_LOG(ERR, "pfcp pair: the journal does not read (%s): no snapshot", strerror(-rc));
		out_drop("the journal unreadable");
		return;
	}
	/* its commit may take a while (10 MB a second, sent and synced) before
	 * the usual bound; answers do not wait for it (hold: snap_seq) */
	pp.snap_until = cd_clock_ms() + evbuffer_get_length(bufferevent_get_output(pp.out)) / 10000;
	pp.out_ready = true;
	pp.st.snapshots++;
	commit();
	pp.snap_seq = pp.seq;
	CD_LOG(INFO, "pfcp pair: streaming the journal to the standby (a snapshot of %zu bytes first)",
	       evbuffer_get_length(bufferevent_get_output(pp.out)));
}

static void
connect_peer(evutil_socket_t fd, short what, void *arg)
{
	SSL *ssl;

	(void)fd;
	(void)what;
	(void)arg;
	if (pp.role != ACTIVE || pp.out != NULL || (ssl = SSL_new(pp.cctx)) == NULL)
		return;
	pp.out = bufferevent_openssl_socket_new(pp.ctx->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (pp.out == NULL)
		return;   /* libevent may have freed the SSL itself: not freed again */
	bufferevent_setcb(pp.out, out_read, NULL, out_event, NULL);
	/* a connect (or a write) that does not move within this is dropped:
	 * an unreachable standby is tried again, not waited for */
	bufferevent_set_timeouts(pp.out, NULL, &(struct timeval){ HANDSHAKE_S, 0 });
	bufferevent_enable(pp.out, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(pp.out, (struct sockaddr *)&pp.cfg.peer.ss, pp.cfg.peer.len) < 0)
		out_drop("connect failed");
}

/* ------------------------------------------------------------ the standby's side: the copy */

static int
copy_open(bool fresh)
{
	char path[PATH_MAX];
	struct pf_store *s;
	int rc;

	pf_jsync_free(pp.copy);
	pp.copy = NULL;
	if (fresh) {
		snprintf(path, sizeof(path), "%s/pfcp/sessions.log", pp.ctx->store_dir);
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		pp.copy_boot[0] = '\0';
	}
	if ((rc = pf_store_open(pp.ctx->store_dir, &s)) == 0 && (pp.copy = pf_jsync_new(pp.ctx->base, s)) == NULL) {
		pf_store_close(s);
		rc = -ENOMEM;
	}
	if (rc < 0) {
		pp.st.copy_failures++;
		CD_LOG(ERR, "pfcp pair: the journal's copy in %s: %s", pp.ctx->store_dir, strerror(-rc));
	}
	return rc;
}

static void in_close(void);

/* A commit of the active's, answered once the copy holds it durably. */
struct commit {
	unsigned int gen;	/* the stream it came on */
	uint8_t id[8];
};

static void
copy_synced(void *arg, int rc)
{
	struct commit *c = arg;

	if (rc == -ECANCELED) {
		/* the copy closed (a snapshot starts it again, or this box serves now) */
	} else if (rc < 0) {
		pp.st.copy_failures++;
		CD_LOG(ERR, "pfcp pair: the journal's copy does not sync (%s): the active's commit not answered, a "
		       "snapshot at its next connect", strerror(-rc));
		if (c->gen == pp.in_gen)
			in_close();
	} else if (c->gen == pp.in_gen && pp.in != NULL) {   /* (a new stream starts again from a snapshot) */
		pp.st.commits_in++;
		pp.in_sync = true;
		frame(pp.in, 'A', c->id, 8, NULL, 0);
	}
	free(c);
}

/* The active's associations' document stored, or not: then the stream
 * is dropped as for a frame not taken. */
static void
doc_stored(void *arg, int rc)
{
	if (rc == 0)
		return;
	pp.st.copy_failures++;
	CD_LOG(ERR, "pfcp pair: the active's associations not stored (%s): the stream dropped, a snapshot at its "
	       "next connect", strerror(-rc));
	if ((uintptr_t)arg == pp.in_gen)
		in_close();
}

static bool
in_frame(uint8_t type, const uint8_t *p, size_t len)
{
	json_t *doc;
	int rc = 0;

	if (pp.role != STANDBY) {
		pp.st.refused++;
		return false;   /* two actives: never take the other's sessions over our own */
	}
	if (type == 'S') {
		pp.in_sync = false;
		return copy_open(true) == 0;
	}
	if (type == 'D') {
		if ((doc = json_loadb((const char *)p, len, 0, NULL)) == NULL || !json_is_object(doc))
			rc = -EINVAL;
		else   /* its syncs off the loop */
			cd_host_save_async(pp.ctx->res, "pfcp", doc, doc_stored, (void *)(uintptr_t)pp.in_gen);
		json_decref(doc);
	} else if ((type == 'P' || type == 'X' || type == 'C') && len >= 8 && pp.copy != NULL) {
		uint64_t k = get64(p);

		if (type == 'P') {
			pp.st.records_in++;
			rc = pf_jsync_put(pp.copy, k, p + 8, len - 8);
			if (rc == 0 && k == 0)
				snprintf(pp.copy_boot, sizeof(pp.copy_boot), "%.*s", (int)(len - 8), (const char *)p + 8);
		} else if (type == 'X') {
			rc = pf_jsync_del(pp.copy, k);
			rc = rc == -ENOENT ? 0 : rc;
		} else {   /* durable on both boxes, then answered (copy_synced) */
			struct commit *c = malloc(sizeof(*c));

			if (c != NULL) {
				c->gen = pp.in_gen;
				memcpy(c->id, p, 8);
			}
			if (c == NULL || pf_jsync_sync(pp.copy, copy_synced, c) < 0) {
				free(c);
				rc = -ENOMEM;
			}
		}
	} else {
		rc = -EINVAL;
	}
	if (rc < 0) {
		pp.st.copy_failures++;
		CD_LOG(ERR, "pfcp pair: a frame '%c' from the active not taken (%s): the stream dropped, a snapshot "
		       "at its next connect", type, strerror(-rc));
		return false;
	}
	return true;
}

static void
in_close(void)
{
	if (pp.in != NULL)
		bufferevent_free(pp.in);
	pp.in = NULL;
}

static void
in_read(struct bufferevent *b, void *arg)
{
	(void)arg;
	if (b != pp.in)
		return;   /* not before its handshake ended (TLS delivers nothing before) */
	if (!frames(b, in_frame))
		in_close();
}

/* Slot @i's connection closed (PENDING_MAX: every slot's). */
static void
pending_close(unsigned int i)
{
	for (unsigned int j = 0; j < PENDING_MAX; j++)
		if ((i == PENDING_MAX || j == i) && pp.pending[j] != NULL) {
			bufferevent_free(pp.pending[j]);
			pp.pending[j] = NULL;
		}
}

/* The slot of pending connection @b, PENDING_MAX: none. */
static unsigned int
pending_slot(const struct bufferevent *b)
{
	unsigned int i = 0;

	while (i < PENDING_MAX && pp.pending[i] != b)
		i++;
	return i;
}

/* A slot for a new connection (@peer: from the peer's address): a free
 * one, else the oldest stranger's, else (for the peer's own) the oldest;
 * PENDING_MAX: none (every slot the peer's, the new one a stranger's). A
 * stranger's connections, however many, never displace the peer's. */
static unsigned int
pending_take(bool peer)
{
	unsigned int best = PENDING_MAX;

	for (unsigned int i = 0; i < PENDING_MAX; i++) {
		if (pp.pending[i] == NULL)
			return i;
		if ((!pp.pending_peer[i] || peer) && (best == PENDING_MAX ||
		    pp.pending_peer[i] < pp.pending_peer[best] ||
		    (pp.pending_peer[i] == pp.pending_peer[best] && pp.pending_at[i] < pp.pending_at[best])))
			best = i;
	}
	if (best != PENDING_MAX) {
		pp.st.refused++;	/* displaced: its handshake not over */
		pending_close(best);
	}
	return best;
}

/* Did @sa come from the peer's address (any port)? */
static bool
from_peer(const struct sockaddr *sa)
{
	const struct sockaddr *p = (const struct sockaddr *)&pp.cfg.peer.ss;

	if (sa->sa_family != p->sa_family)
		return false;
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)p)->sin_addr.s_addr;
	return sa->sa_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &((const struct sockaddr_in6 *)p)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

static void
in_event(struct bufferevent *b, short what, void *arg)
{
	unsigned int slot = pending_slot(b);

	(void)arg;
	if (slot != PENDING_MAX && (what & BEV_EVENT_CONNECTED)) {
		/* the key proven: this one is the active's stream now */
		in_close();
		pp.in = b;
		pp.in_gen++;
		pp.pending[slot] = NULL;
		bufferevent_set_timeouts(b, NULL, NULL);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		if (slot != PENDING_MAX) {
			pp.st.refused++;
			CD_LOG(WARN, "pfcp pair: a connection to the pair's port refused: %s",
			       what & BEV_EVENT_TIMEOUT ? "no handshake in time" :
			       ERR_reason_error_string(bufferevent_get_openssl_error(b)) ?: "closed during the handshake "
			       "(a wrong --pfcp-pair-key?)");
			pending_close(slot);
			return;
		}
		if (what & BEV_EVENT_ERROR)
			CD_LOG(WARN, "pfcp pair: the active's stream ended: %s",
			       ERR_reason_error_string(bufferevent_get_openssl_error(b)) ?: "an error");
		in_close();
	}
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct timeval handshake = { HANDSHAKE_S, 0 };
	bool peer = salen > 0 && from_peer(sa);
	unsigned int slot;
	SSL *ssl;

	(void)l;
	(void)arg;
	/* the stream in place stays until a newer one proves the key; a
	 * connection in its handshake is displaced by a newer one only when
	 * every slot is taken, and never by a stranger's if it is the peer's */
	if (pp.role != STANDBY || (slot = pending_take(peer)) == PENDING_MAX || (ssl = SSL_new(pp.sctx)) == NULL) {
		if (pp.role != STANDBY || slot == PENDING_MAX)
			pp.st.refused++;
		evutil_closesocket(fd);
		return;
	}
	nodelay(fd);
	pp.pending[slot] = bufferevent_openssl_socket_new(pp.ctx->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
							  BEV_OPT_CLOSE_ON_FREE);
	if (pp.pending[slot] == NULL)
		return;   /* libevent may have freed the SSL and closed fd itself: not again */
	pp.pending_peer[slot] = peer;
	pp.pending_at[slot] = ++pp.accepts;
	bufferevent_set_timeouts(pp.pending[slot], &handshake, NULL);
	bufferevent_setcb(pp.pending[slot], in_read, NULL, in_event, NULL);
	bufferevent_enable(pp.pending[slot], EV_READ | EV_WRITE);
}

/* ------------------------------------------------------------ who serves */

static void hand_back(void);

static void
take_over(void)
{
	/* the copy's sessions are in another sxdp: written into ours */
	bool theirs = pp.copy_boot[0] != '\0' && strcmp(pp.copy_boot, pp.boot_id) != 0;
	char err[256];

	in_close();
	pending_close(PENDING_MAX);
	pf_jsync_free(pp.copy);
	pp.copy = NULL;
	pp.role = ACTIVE;
	pp.held_ok_ms = pp.answered_ms = cd_clock_ms();
	if (theirs)
		pp.st.takeovers++;
	CD_LOG(INFO, "pfcp pair: this box's sxdp holds the UPF's addresses: serving PFCP%s", !theirs ? "" :
	       pp.in_sync ? " from the other box's journal" :
	       " from the other box's journal, NOT known to be in sync (no commit taken since its snapshot began)");
	n4_hold(true);
	if (pp.cfg.serve(theirs, err, sizeof(err)) < 0) {
		/* (the address still the other's, its sxcd not yet let go): a
		 * standby again from a clean process, tried again after RETRY_MS */
		CD_LOG(ERR, "pfcp pair: PFCP not served (%s): a standby again, tried again in %d ms", err, RETRY_MS);
		setenv(BACKOFF_ENV, "1", 1);
		hand_back();   /* never returns */
		return;
	}
	connect_peer(-1, 0, NULL);
}

/* Hand the node back: the address off, then sxcd again from the start as
 * a standby (its session layer rebuilt from the new active's stream). */
static void
hand_back(void)
{
	char self[PATH_MAX], *argv[256], *buf;
	size_t n = 0, len = 0, cap = 65536;
	int fd, argc = 0;

	pp.st.handbacks++;
	CD_LOG(WARN, "pfcp pair: the other box holds the UPF's addresses now: PFCP handed over, sxcd starts again "
	       "as the standby");
	n4_hold(false);
	if ((buf = malloc(cap)) == NULL || (fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)) < 0) {
		CD_LOG(ERR, "pfcp pair: own command line unreadable: exiting (the service manager starts it again)");
		exit(75);
	}
	while (len < cap - 1 && (n = (size_t)read(fd, buf + len, cap - 1 - len)) > 0 && n != (size_t)-1)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (size_t i = 0; i < len && argc < 255; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	argv[argc] = NULL;
	snprintf(self, sizeof(self), "/proc/self/exe");
	fflush(NULL);
	/* nothing of this process's but stdio goes on (sockets, the journal) */
	if (close_range(3, ~0u, 0) < 0)
		for (long f = 3, max = sysconf(_SC_OPEN_MAX); f < (max > 0 && max < 65536 ? max : 65536); f++)
			close((int)f);
	execv(self, argv);
	exit(75);
}

static void
on_held(void *arg, json_t *result, json_t *error)
{
	json_int_t here = json_integer_value(json_object_get(result, "here")),
		   elsewhere = json_integer_value(json_object_get(result, "elsewhere"));

	(void)arg;
	pp.poll_busy = false;
	if (error != NULL || pp.boot_id[0] == '\0')
		return;
	/* an active that went unheard (its sxdp frozen, its loop held): the
	 * other box may have announced the address meanwhile; this one says
	 * it again where it still serves */
	if (pp.role == ACTIVE && here > 0 && elsewhere == 0 && cd_clock_ms() - pp.answered_ms > 4 * PF_PAIR_POLL_MS)
		n4_announce();
	pp.held_ok_ms = pp.answered_ms = cd_clock_ms();
	if (here + elsewhere != 0)
		pp.unheld_polls = 0;
	else if (!pp.told_unheld && ++pp.unheld_polls * PF_PAIR_POLL_MS >= UNHELD_WARN_MS) {
		pp.told_unheld = true;
		CD_LOG(WARN, "pfcp pair: sxdp holds no UPF address for a pair (a site's pair names none in upf_links, or "
		       "the upf intent is not Ready): PFCP is served by neither box until it does");
	}
	if (pp.role == STANDBY && here > 0 && elsewhere == 0 && cd_clock_ms() >= pp.not_before)
		take_over();
	else if (pp.role == ACTIVE && here == 0 && elsewhere > 0)
		hand_back();   /* what it held never answered: the SMF asks the new active again */
	else if (pp.role == ACTIVE && pp.unconfirmed && here > 0 && elsewhere == 0) {
		pp.unconfirmed = false;   /* still this box's: answered, as with no standby */
		release_all();
	}
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = cd_clock_ms();

	(void)fd;
	(void)what;
	(void)arg;
	/* our own loop stood still (sxcd's CPU taken): that silence was ours */
	if (now - pp.poll_ms > 4 * PF_PAIR_POLL_MS)
		pp.held_ok_ms = now;
	pp.poll_ms = now;
	/* an sxdp that stopped answering (frozen, its CPU taken) stops its
	 * routers' advertisements too: the other box takes the addresses within
	 * Master_Down_Interval, so this one lets the node go soon after */
	if (pp.role == ACTIVE && now - pp.held_ok_ms > SILENT_MS) {
		CD_LOG(WARN, "pfcp pair: sxdp has not said who holds the UPF's addresses for %d ms", SILENT_MS);
		hand_back();
	}
	if (!pp.poll_busy && cd_host_call(pp.ctx->sxdp, "upf.held", NULL, on_held, NULL) == 0)
		pp.poll_busy = true;
}

static void
on_sxdp(void *arg, const struct cd_tables *t, const char *boot_id)
{
	(void)arg;
	if (t != NULL && boot_id != NULL)
		snprintf(pp.boot_id, sizeof(pp.boot_id), "%s", boot_id);
	/* its sxdp gone (killed, restarting): the other box takes the addresses
	 * and serves; this one must not answer N4 for sessions no sxdp carries */
	if (t == NULL && pp.role == ACTIVE)
		hand_back();
}

static int
copy_boot_of(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	(void)arg;
	if (key == 0)
		snprintf(pp.copy_boot, sizeof(pp.copy_boot), "%.*s", (int)len, (const char *)b);
	return 0;
}

/* ------------------------------------------------------------ the service's calls */

int
pf_pair_start(const struct cd_svc_ctx *ctx, const struct pf_pair_cfg *cfg, char *err, size_t len)
{
	struct timeval tv = { 0, PF_PAIR_POLL_MS * 1000 };
	int rc;

	memset(&pp, 0, sizeof(pp));
	pp.cfg = *cfg;
	pp.ctx = ctx;
	pp.held_tail = &pp.held;
	if (ctx->store_dir == NULL) {
		snprintf(err, len, "--pfcp-pair needs sxcd's --store (the journal's copy)");
		return -EINVAL;
	}
	if ((rc = key_load(cfg->key_file, err, len)) < 0)
		return rc;
	if ((pp.sctx = tls_ctx(true)) == NULL || (pp.cctx = tls_ctx(false)) == NULL) {
		snprintf(err, len, "--pfcp-pair: TLS with a pre-shared key unavailable (%s)",
			 ERR_reason_error_string(ERR_get_error()) ?: "?");
		return -ENOTSUP;
	}
	pp.lst = evconnlistener_new_bind(ctx->base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
					 LEV_OPT_CLOSE_ON_EXEC, 4, (struct sockaddr *)&cfg->listen.ss,
					 (int)cfg->listen.len);
	if (pp.lst == NULL) {
		snprintf(err, len, "--pfcp-pair-listen: %s", strerror(errno));
		return -errno;
	}
	if (copy_open(false) == 0)
		pf_store_load(pf_jsync_store(pp.copy), copy_boot_of, NULL);
	if (getenv(BACKOFF_ENV) != NULL) {
		pp.not_before = cd_clock_ms() + RETRY_MS;
		unsetenv(BACKOFF_ENV);
	}
	pp.poll = event_new(ctx->base, -1, EV_PERSIST, on_poll, NULL);
	pp.retry = evtimer_new(ctx->base, connect_peer, NULL);
	pp.ack_timer = evtimer_new(ctx->base, on_ack_timer, NULL);
	event_add(pp.poll, &tv);
	cd_host_watch(ctx->sync, on_sxdp, NULL);
	pp.on = true;
	CD_LOG(INFO, "pfcp pair: standby until this box's sxdp holds the UPF's addresses (its copy of the journal "
	       "from sxdp %s)", pp.copy_boot[0] ? pp.copy_boot : "none");
	return 0;
}

void
pf_pair_serving(struct pf_node *n)
{
	struct pf_up_replica r = { .tap = tap, .hold = hold, .usage_ms = pp.cfg.usage_ms };

	pf_up_replicate(&r);
	pf_node_on_saved(n, doc_saved, NULL);
}

void
pf_pair_stop(void)
{
	if (!pp.on)
		return;
	if (pp.role == ACTIVE)
		pf_up_replicate(NULL);
	release_all();
	if (pp.out != NULL)
		bufferevent_free(pp.out);
	in_close();
	pending_close(PENDING_MAX);
	pf_jsync_free(pp.copy);
	pp.copy = NULL;
	evconnlistener_free(pp.lst);
	event_free(pp.poll);
	event_free(pp.retry);
	event_free(pp.ack_timer);
	SSL_CTX_free(pp.sctx);
	SSL_CTX_free(pp.cctx);
	OPENSSL_cleanse(pp.psk, sizeof(pp.psk));
	pp.on = false;
}

json_t *
pf_pair_status(void)
{
	char p[64];

	if (!pp.on)
		return NULL;
	return json_pack("{s:s,s:s,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s?}", "role",
			 pp.role == ACTIVE ? "active" : "standby", "peer", pf_addr_str(&pp.cfg.peer, p, sizeof(p)),
			 "peer_connected", pp.role == ACTIVE ? pp.out_ready : pp.in != NULL, "in_sync",
			 pp.role == ACTIVE ? pp.out_ready : pp.in_sync, "commits", (json_int_t)pp.st.commits, "acks",
			 (json_int_t)pp.st.acks, "ack_timeouts", (json_int_t)pp.st.ack_timeouts, "snapshots",
			 (json_int_t)pp.st.snapshots, "records_in", (json_int_t)pp.st.records_in, "commits_in",
			 (json_int_t)pp.st.commits_in, "takeovers", (json_int_t)pp.st.takeovers, "handbacks",
			 (json_int_t)pp.st.handbacks, "refused", (json_int_t)pp.st.refused, "copy_failures",
			 (json_int_t)pp.st.copy_failures, "connect_failures", (json_int_t)pp.st.connect_failures, "copy_of_sxdp", pp.copy_boot[0] ? pp.copy_boot : NULL);
}
