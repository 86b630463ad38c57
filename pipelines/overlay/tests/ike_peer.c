/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test's IKEv2 peer: the ov_ike engine over a kernel UDP socket on port
 * 500, so that it meets a real gateway (strongSwan in a namespace) with no
 * dataplane in between. It prints each state change and, as a test needs
 * them to send and open ESP with scapy, each Child SA's SPIs and keys:
 * this binary is a test's alone and is never installed.
 *
 *   ike_peer --local A --remote B --psk-file F [--start] [--dh N] [--aes 128|256]
 *            [--dpd-ms N] [--id FQDN] [--rid FQDN] [--encap] [--ts-local A] [--ts-remote B]
 *            [--dump DIR]   (each IKE message in and out a file there: the fuzz corpus's seeds)
 *
 * It listens on 500 and 4500 (there, what starts with the non-ESP marker
 * is IKE; ESP it leaves alone).
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
static struct sockaddr_in far;

static void
hex(const char *what, const uint8_t *p, size_t n)
{
	printf(" %s=", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void
do_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, uint32_t dst,
	uint16_t dport)
{
	uint8_t buf[OV_IKE_MSG_MAX + 4] = { 0 };

	(void)ctx;
	(void)p;
	far.sin_addr.s_addr = dst;
	far.sin_port = htons(dport);
	dump("out", msg, len);
	/* from 4500: the non-ESP marker first */
	memcpy(buf + (sport == OV_IKE_NATT_PORT ? 4 : 0), msg, len);
	if (sendto(sport == OV_IKE_NATT_PORT ? sock_natt : sock, buf, len + (sport == OV_IKE_NATT_PORT ? 4 : 0), 0,
		   (struct sockaddr *)&far, sizeof(far)) < 0)
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
		{ NULL, 0, NULL, 0 } };
	struct ov_ike_ops ops = { .send = do_send, .spi = do_spi, .child_up = child_up, .child_down = child_down,
				  .state = state };
	struct ov_ike_conf c = { .name = "gw" };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(OV_IKE_PORT) };
	struct ov_ike_peer *peer;
	struct ov_ike *e;
	uint64_t last_stats = 0;
	FILE *f;
	int o, one = 1;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			inet_pton(AF_INET, optarg, &c.local);
			break;
		case 'r':
			inet_pton(AF_INET, optarg, &c.remote);
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
			inet_pton(AF_INET, optarg, &c.ts_local);
			break;
		case 'T':
			inet_pton(AF_INET, optarg, &c.ts_remote);
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
	me.sin_addr.s_addr = c.local;
	far = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = c.remote };
	if ((sock = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sock, (struct sockaddr *)&me, sizeof(me)) < 0) {
		fprintf(stderr, "ike_peer: socket: %s\n", strerror(errno));
		return 1;
	}
	me.sin_port = htons(OV_IKE_NATT_PORT);
	if ((sock_natt = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(sock_natt, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(sock_natt, (struct sockaddr *)&me, sizeof(me)) < 0) {
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
		uint8_t buf[OV_IKE_MSG_MAX + 8];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
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
			    (dump("in", buf, (size_t)n), true))
				ov_ike_input(e, from.sin_addr.s_addr, ntohs(from.sin_port), c.local, OV_IKE_PORT, buf,
					     (size_t)n, now_ms());
			fl = sizeof(from);
			/* 4500: IKE after four zero bytes; ESP (a non-zero SPI) and keepalives left */
			if ((pfd[1].revents & POLLIN) &&
			    (n = recvfrom(sock_natt, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 4 &&
			    memcmp(buf, "\0\0\0\0", 4) == 0 && (dump("in", buf + 4, (size_t)n - 4), true))
				ov_ike_input(e, from.sin_addr.s_addr, ntohs(from.sin_port), c.local, OV_IKE_NATT_PORT,
					     buf + 4, (size_t)n - 4, now_ms());
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
