/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test's IKEv2 peer: the ov_ike engine over a kernel UDP socket on port
 * 500, of IPv4 or IPv6 (the family of --local), so that it meets a real
 * gateway (strongSwan in a namespace) with no dataplane in between. It
 * prints each state change and, as a test needs them to send and open ESP
 * with scapy, each Child SA's SPIs and keys: this binary is a test's alone
 * and is never installed.
 *
 *   ike_peer --local A --remote B --psk-file F [--start] [--dh N] [--aes 128|256]
 *            [--dpd-ms N] [--id FQDN] [--rid FQDN] [--encap] [--ts-local A] [--ts-remote B]
 *            [--rekey-ms N] (the Child SA rekeyed this often, CREATE_CHILD_SA with PFS)
 *            [--dump DIR]   (each IKE message in and out a file there: the fuzz corpus's seeds)
 *
 * Its addresses are of one family, IPv4 or IPv6. It listens on 500 and
 * 4500 (there, what starts with the non-ESP marker is IKE; ESP it leaves
 * alone).
 *
 * SIGUSR1 deletes the IKE SA (a Delete sent); SIGTERM and SIGINT end it
 * without a word (a dead peer, as the far end sees it).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dp_addr.h"
#include "ov_ike.h"

static volatile sig_atomic_t stop, del;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		del = 1;
	else
		stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int sock, sock_natt;
static struct timespec t_connect;	/* the IKE SA's start: a setup's time is from here to its Child SA */
static const char *dump_dir;

/* @msg into the dump directory as @dir-N.bin */
static void
dump(const char *dir, const uint8_t *msg, size_t len)
{
	static unsigned int n;
	char path[512];
	FILE *f;

	if (dump_dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s-%d-%u.bin", dump_dir, dir, (int)getpid(), n++);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(msg, 1, len, f);
		fclose(f);
	}
}

static bool v6;	/* the family of --local: the sockets', and every address's */

/* @a (16 bytes, IPv4 mapped) and @port as a socket address of the family into @sa: its length. */
static socklen_t
sockaddr_of(const uint8_t *a, uint16_t port, struct sockaddr_storage *sa)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	memset(sa, 0, sizeof(*sa));
	if (v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a, 16);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a + 12, 4);
	return sizeof(*s4);
}

/* A socket address of the family as 16 bytes (IPv4 mapped) into @a: its port. */
static uint16_t
addr_of(const struct sockaddr_storage *sa, uint8_t *a)
{
	if (sa->ss_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	}
	dp_addr_map4(((const struct sockaddr_in *)sa)->sin_addr.s_addr, a);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* --local and the like: either family into 16 bytes; false when not an address. */
static bool
addr_arg(const char *s, uint8_t *a)
{
	bool v4;

	return dp_addr_ip_any(s, a, &v4) == 0;
}

static void
hex(const char *what, const uint8_t *p, size_t n)
{
	printf(" %s=", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void
do_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, const uint8_t dst[16],
	uint16_t dport)
{
	uint8_t buf[OV_IKE_MSG_MAX + 4] = { 0 };
	struct sockaddr_storage far;
	socklen_t fl = sockaddr_of(dst, dport, &far);

	(void)ctx;
	(void)p;
	dump("out", msg, len);
	/* from 4500: the non-ESP marker first */
	memcpy(buf + (sport == OV_IKE_NATT_PORT ? 4 : 0), msg, len);
	if (sendto(sport == OV_IKE_NATT_PORT ? sock_natt : sock, buf, len + (sport == OV_IKE_NATT_PORT ? 4 : 0), 0,
		   (struct sockaddr *)&far, fl) < 0)
		fprintf(stderr, "ike_peer: send: %s\n", strerror(errno));
}

static uint32_t
do_spi(void *ctx, struct ov_ike_peer *p)
{
	static uint32_t next;

	(void)ctx;
	(void)p;
	/* a run's own range: a far end may still hold a run before's */
	if (next == 0)
		next = (uint32_t)(time(NULL) * 7919u) | 0x100u;
	return next++;
}

static void
child_up(void *ctx, struct ov_ike_peer *p, const struct ov_ike_child *c)
{
	(void)ctx;
	(void)p;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("child_up spi_in=%08x spi_out=%08x esn=%d encap=%d port=%u", c->spi_in, c->spi_out, c->esn, c->encap,
	       c->encap_port);
	printf(" setup_us=%lld", (long long)((t.tv_sec - t_connect.tv_sec) * 1000000 +
					      (t.tv_nsec - t_connect.tv_nsec) / 1000));
	hex("key_in", c->key_in, c->key_len);
	hex("key_out", c->key_out, c->key_len);
	printf("\n");
	fflush(stdout);
}

static void
child_down(void *ctx, struct ov_ike_peer *p, uint32_t spi_in, uint32_t spi_out)
{
	(void)ctx;
	(void)p;
	printf("child_down spi_in=%08x spi_out=%08x\n", spi_in, spi_out);
	fflush(stdout);
}

static void
state(void *ctx, struct ov_ike_peer *p, const char *st, const char *why)
{
	(void)ctx;
	(void)p;
	if (strcmp(st, "connecting") == 0)
		clock_gettime(CLOCK_MONOTONIC, &t_connect);
	printf("state %s%s%s\n", st, why ? ": " : "", why ? why : "");
	fflush(stdout);
}

static void
stats(const struct ov_ike *e)
{
	const struct ov_ike_stats *s = ov_ike_stats(e);

	printf("stats in=%llu out=%llu retransmits=%llu established=%llu dead=%llu", (unsigned long long)s->in,
	       (unsigned long long)s->out, (unsigned long long)s->retransmits, (unsigned long long)s->established,
	       (unsigned long long)s->dead);
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		if (s->drop[r])
			printf(" %s=%llu", ov_ike_reason_name[r], (unsigned long long)s->drop[r]);
	printf("\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "local", 1, NULL, 'l' }, { "remote", 1, NULL, 'r' }, { "psk-file", 1, NULL, 'p' },
		{ "start", 0, NULL, 's' }, { "dh", 1, NULL, 'd' }, { "aes", 1, NULL, 'a' },
		{ "dpd-ms", 1, NULL, 'D' }, { "id", 1, NULL, 'i' }, { "rid", 1, NULL, 'I' }, { "encap", 0, NULL, 'e' },
		{ "ts-local", 1, NULL, 't' }, { "ts-remote", 1, NULL, 'T' }, { "dump", 1, NULL, 'x' },
		{ "rekey-ms", 1, NULL, 'R' },
		{ NULL, 0, NULL, 0 } };
	struct ov_ike_ops ops = { .send = do_send, .spi = do_spi, .child_up = child_up, .child_down = child_down,
				  .state = state };
	struct ov_ike_conf c = { .name = "gw" };
	struct sockaddr_storage me;
	socklen_t ml;
	struct ov_ike_peer *peer;
	struct ov_ike *e;
	uint64_t last_stats = 0;
	FILE *f;
	int o, one = 1;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			if (!addr_arg(optarg, c.local))
				return 2;
			break;
		case 'r':
			if (!addr_arg(optarg, c.remote))
				return 2;
			break;
		case 'p':
			if ((f = fopen(optarg, "r")) == NULL)
				return 2;
			c.psk_len = fread(c.psk, 1, sizeof(c.psk), f);
			while (c.psk_len > 0 && (c.psk[c.psk_len - 1] == '\n' || c.psk[c.psk_len - 1] == '\r'))
				c.psk_len--;
			fclose(f);
			break;
		case 's':
			c.start = true;
			break;
		case 'e':
			c.encap = true;
			break;
		case 'x':
			dump_dir = optarg;
			break;
		case 't':
			if (!addr_arg(optarg, c.ts_local))
				return 2;
			break;
		case 'T':
			if (!addr_arg(optarg, c.ts_remote))
				return 2;
			break;
		case 'd':
			c.dh = (uint16_t)atoi(optarg);
			break;
		case 'a':
			c.aes_bits = (unsigned int)atoi(optarg);
			break;
		case 'D':
			c.dpd_ms = (unsigned int)atoi(optarg);
			break;
		case 'R':
			c.child_life_ms = (unsigned int)atoi(optarg);
			break;
		case 'i':
			c.id_type = OV_IKE_ID_FQDN;
			c.id_len = strlen(optarg) < OV_IKE_ID_MAX ? strlen(optarg) : OV_IKE_ID_MAX;
			memcpy(c.id, optarg, c.id_len);
			break;
		case 'I':
			c.rid_type = OV_IKE_ID_FQDN;
			c.rid_len = strlen(optarg) < OV_IKE_ID_MAX ? strlen(optarg) : OV_IKE_ID_MAX;
			memcpy(c.rid, optarg, c.rid_len);
			break;
		default:
			return 2;
		}
	}
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	v6 = !dp_addr_mapped(c.local);
	ml = sockaddr_of(c.local, OV_IKE_PORT, &me);
	if ((sock = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sock, (struct sockaddr *)&me, ml) < 0) {
		fprintf(stderr, "ike_peer: socket: %s\n", strerror(errno));
		return 1;
	}
	ml = sockaddr_of(c.local, OV_IKE_NATT_PORT, &me);
	if ((sock_natt = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(sock_natt, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sock_natt, (struct sockaddr *)&me, ml) < 0) {
		fprintf(stderr, "ike_peer: socket 4500: %s\n", strerror(errno));
		return 1;
	}
	if ((e = ov_ike_new(&ops)) == NULL || ov_ike_peer_add(e, &c, &peer) < 0) {
		fprintf(stderr, "ike_peer: bad configuration\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = sock_natt, .events = POLLIN } };
		uint8_t buf[OV_IKE_MSG_MAX + 8], src[16];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint16_t sport;
		ssize_t n;

		if (del) {
			del = 0;
			ov_ike_peer_del(e, peer, now_ms());
			c.start = false;	/* not started again */
			if (ov_ike_peer_add(e, &c, &peer) < 0)
				return 1;
		}
		if (poll(pfd, 2, 50) > 0) {
			if ((pfd[0].revents & POLLIN) &&
			    (n = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0 &&
			    (dump("in", buf, (size_t)n), true)) {
				sport = addr_of(&from, src);
				ov_ike_input(e, src, sport, c.local, OV_IKE_PORT, buf, (size_t)n, now_ms());
			}
			fl = sizeof(from);
			/* 4500: IKE after four zero bytes; ESP (a non-zero SPI) and keepalives left */
			if ((pfd[1].revents & POLLIN) &&
			    (n = recvfrom(sock_natt, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 4 &&
			    memcmp(buf, "\0\0\0\0", 4) == 0 && (dump("in", buf + 4, (size_t)n - 4), true)) {
				sport = addr_of(&from, src);
				ov_ike_input(e, src, sport, c.local, OV_IKE_NATT_PORT, buf + 4, (size_t)n - 4,
					     now_ms());
			}
		}
		ov_ike_tick(e, now_ms());
		if (now_ms() - last_stats > 1000) {
			last_stats = now_ms();
			stats(e);
		}
	}
	stats(e);
	ov_ike_free(e);
	return 0;
}
