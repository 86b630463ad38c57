/* SPDX-License-Identifier: BSD-3-Clause */
/* pfcp_blast: a C load generator for PFCP session requests, so a benchmark's SMF is not its limit. */
/*
 * bench/pfcp_bench.py makes the requests (scapy, patched per session) and
 * writes them to a file, each a 4-octet big-endian length and the message;
 * this sends them to the UPF keeping WINDOW unanswered, matches answers by
 * sequence number, and writes the answers (in the requests' order: a
 * 4-octet length, the latency in µs, the answer) and a JSON line of what
 * it measured: requests answered,
 * seconds, the rate, latency p50/p99/max (request sent to answer received)
 * and the answers' causes. A request unanswered for 3 s is sent again (as
 * an SMF does: T1), counted as retransmitted.
 *
 *   pfcp_blast HOST PORT WINDOW REQUESTS ANSWERS
 *   pfcp_blast --ceiling N WINDOW       its own ceiling: N requests to a
 *                                       responder thread that answers each
 *                                       at once (loopback, this process)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 65535
#define T1_NS 3000000000ull

struct req {
	uint8_t *b;
	uint32_t len;
	uint32_t seq;
	uint64_t sent_ns;	/* 0: not sent yet */
	uint64_t lat_ns;	/* 0: not answered */
	uint8_t *ans;
	uint32_t ans_len;
};

static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* A PFCP message's sequence number (after the SEID when the S flag is set). */
static uint32_t
seq_of(const uint8_t *b, size_t len)
{
	size_t at = (b[0] & 1) ? 12 : 4;

	return len < at + 3 ? UINT32_MAX : (uint32_t)b[at] << 16 | (uint32_t)b[at + 1] << 8 | b[at + 2];
}

/* The Cause IE (19) at the top level of a message; 0: none. */
static unsigned int
cause_of(const uint8_t *b, size_t len)
{
	size_t at = (b[0] & 1) ? 16 : 8;

	while (at + 4 <= len) {
		unsigned int t = (unsigned int)b[at] << 8 | b[at + 1], n = (unsigned int)b[at + 2] << 8 | b[at + 3];

		if (t == 19 && n >= 1 && at + 5 <= len)
			return b[at + 4];
		at += 4 + n;
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Requests sent over @fd keeping @window unanswered; 0 when all were answered. */
static int
blast(int fd, const struct sockaddr_in *to, struct req *r, size_t n, unsigned int window, size_t *retrans)
{
	size_t cap = 1;
	struct req **by_seq;
	size_t next = 0, answered = 0, out = 0, scan = 0;
	uint8_t buf[MSG_MAX];
	uint64_t last_ns = now_ns();

	while (cap < n * 2)
		cap <<= 1;
	if ((by_seq = calloc(cap, sizeof(*by_seq))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {   /* sequence numbers are distinct: open addressing by them */
		size_t h = (r[i].seq * 2654435761u) & (cap - 1);

		while (by_seq[h] != NULL)
			h = (h + 1) & (cap - 1);
		by_seq[h] = &r[i];
	}
	while (answered < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t;

		while (next < n && out < window) {
			r[next].sent_ns = now_ns();
			if (sendto(fd, r[next].b, r[next].len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0 &&
			    errno != ENOBUFS && errno != EAGAIN)
				return -errno;
			next++;
			out++;
		}
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return -errno;
		for (;;) {
			ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			size_t h;
			uint32_t seq;

			if (got <= 0)
				break;
			seq = seq_of(buf, (size_t)got);
			for (h = (seq * 2654435761u) & (cap - 1); by_seq[h] != NULL && by_seq[h]->seq != seq;
			     h = (h + 1) & (cap - 1))
				;
			if (by_seq[h] == NULL || by_seq[h]->lat_ns != 0 || by_seq[h]->sent_ns == 0)
				continue;   /* not ours, or an answer again (a retransmission's) */
			t = now_ns();
			by_seq[h]->lat_ns = t - by_seq[h]->sent_ns;
			if ((by_seq[h]->ans = malloc((size_t)got)) != NULL) {
				memcpy(by_seq[h]->ans, buf, (size_t)got);
				by_seq[h]->ans_len = (uint32_t)got;
			}
			answered++;
			out--;
			last_ns = t;
		}
		t = now_ns();
		if (t - last_ns > 30000000000ull) {
			fprintf(stderr, "pfcp_blast: no answer for 30 s (%zu of %zu answered)\n", answered, n);
			free(by_seq);
			return -ETIMEDOUT;
		}
		/* T1: the oldest unanswered sent again (a scan a round, from where it was) */
		for (size_t k = 0; k < 64 && scan < next; k++, scan = scan + 1 < next ? scan + 1 : 0) {
			if (r[scan].lat_ns == 0 && t - r[scan].sent_ns > T1_NS) {
				r[scan].sent_ns = t;   /* (its latency from the last send: as an SMF times it) */
				(void)sendto(fd, r[scan].b, r[scan].len, 0, (const struct sockaddr *)to, sizeof(*to));
				(*retrans)++;
			}
		}
	}
	free(by_seq);
	return 0;
}

static void
report(struct req *r, size_t n, double secs, size_t retrans)
{
	uint64_t *lat = malloc(n * sizeof(*lat));
	unsigned int causes[256] = { 0 };
	int first = 1;

	for (size_t i = 0; i < n; i++) {
		lat[i] = r[i].lat_ns;
		if (r[i].ans != NULL)
			causes[cause_of(r[i].ans, r[i].ans_len) & 0xff]++;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("{\"answered\": %zu, \"seconds\": %.4f, \"per_s\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"max_ms\": %.3f, \"retransmitted\": %zu, \"causes\": {", n, secs, (double)n / secs,
	       lat[n / 2] / 1e6, lat[(size_t)((double)(n - 1) * 0.99)] / 1e6, lat[n - 1] / 1e6, retrans);
	for (int c = 0; c < 256; c++)
		if (causes[c]) {
			printf("%s\"%d\": %u", first ? "" : ", ", c, causes[c]);
			first = 0;
		}
	printf("}}\n");
	free(lat);
}

static int
udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 8 << 20;

	if (fd >= 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	return fd;
}

/* ---- its ceiling: a responder that answers each request with its header and Cause 1 */

static void *
responder(void *arg)
{
	int fd = *(int *)arg;
	uint8_t b[MSG_MAX];
	struct sockaddr_in from;

	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t got = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
		size_t h;

		if (got < 8)
			continue;
		h = (b[0] & 1) ? 16 : 8;
		b[1]++;   /* the response's type */
		b[h] = 0;
		b[h + 1] = 19;
		b[h + 2] = 0;
		b[h + 3] = 1;
		b[h + 4] = 1;
		b[2] = (uint8_t)((h + 5 - 4) >> 8);
		b[3] = (uint8_t)(h + 5 - 4);
		(void)sendto(fd, b, h + 5, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static int
ceiling(size_t n, unsigned int window)
{
	int rfd = udp_socket(), fd = udp_socket();
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct req *r = calloc(n, sizeof(*r));
	uint8_t (*msgs)[64] = calloc(n, 64);
	pthread_t t;
	size_t retrans = 0;
	uint64_t t0;
	int rc;

	if (rfd < 0 || fd < 0 || r == NULL || msgs == NULL || bind(rfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(rfd, (struct sockaddr *)&a, &al) < 0 || pthread_create(&t, NULL, responder, &rfd) != 0)
		return 1;
	for (size_t i = 0; i < n; i++) {   /* an Establishment Request's header and a 40-octet body */
		uint32_t seq = (uint32_t)(i + 1) & 0xffffff;

		msgs[i][0] = 0x21;
		msgs[i][1] = 50;
		msgs[i][3] = 60;
		msgs[i][12] = (uint8_t)(seq >> 16);
		msgs[i][13] = (uint8_t)(seq >> 8);
		msgs[i][14] = (uint8_t)seq;
		r[i] = (struct req){ .b = msgs[i], .len = 64, .seq = seq };
	}
	t0 = now_ns();
	rc = blast(fd, &a, r, n, window, &retrans);
	if (rc == 0)
		report(r, n, (double)(now_ns() - t0) / 1e9, retrans);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct req *r = NULL;
	size_t n = 0, cap = 0, retrans = 0;
	uint8_t hdr[4];
	FILE *in, *out;
	uint64_t t0;
	int fd, rc;

	if (argc == 4 && strcmp(argv[1], "--ceiling") == 0)
		return ceiling(strtoul(argv[2], NULL, 10), (unsigned int)strtoul(argv[3], NULL, 10));
	if (argc != 6) {
		fprintf(stderr, "usage: pfcp_blast HOST PORT WINDOW REQUESTS ANSWERS | --ceiling N WINDOW\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "pfcp_blast: %s: not an IPv4 address\n", argv[1]);
		return 2;
	}
	to.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	if ((in = fopen(argv[4], "rb")) == NULL) {
		perror(argv[4]);
		return 2;
	}
	while (fread(hdr, 1, 4, in) == 4) {
		uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];

		if (n == cap && (r = realloc(r, (cap = cap ? cap * 2 : 4096) * sizeof(*r))) == NULL)
			return 1;
		r[n] = (struct req){ .len = len };
		if (len == 0 || len > MSG_MAX || (r[n].b = malloc(len)) == NULL || fread(r[n].b, 1, len, in) != len) {
			fprintf(stderr, "pfcp_blast: %s: a bad record\n", argv[4]);
			return 2;
		}
		r[n].seq = seq_of(r[n].b, len);
		n++;
	}
	fclose(in);
	if (n == 0 || (fd = udp_socket()) < 0)
		return 2;
	t0 = now_ns();
	rc = blast(fd, &to, r, n, (unsigned int)strtoul(argv[3], NULL, 10), &retrans);
	if (rc != 0)
		return 1;
	report(r, n, (double)(now_ns() - t0) / 1e9, retrans);
	if ((out = fopen(argv[5], "wb")) == NULL) {
		perror(argv[5]);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {   /* its length, its latency (µs), the answer */
		uint32_t us = (uint32_t)(r[i].lat_ns / 1000);
		uint8_t h[8] = { (uint8_t)(r[i].ans_len >> 24), (uint8_t)(r[i].ans_len >> 16), (uint8_t)(r[i].ans_len >> 8),
				 (uint8_t)r[i].ans_len, (uint8_t)(us >> 24), (uint8_t)(us >> 16), (uint8_t)(us >> 8),
				 (uint8_t)us };

		fwrite(h, 1, 8, out);
		fwrite(r[i].ans, 1, r[i].ans_len, out);
	}
	return fclose(out) == 0 ? 0 : 2;
}
