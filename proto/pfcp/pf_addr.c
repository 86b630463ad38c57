/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_addr: PFCP peers' UDP addresses and Node IDs, parsed, printed and compared; datagrams sent from the address they came to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "pf_addr.h"

int
pf_addr_parse(const char *s, uint16_t def_port, struct pf_addr *a, char *why, size_t len)
{
	char host[64];
	const char *port = NULL, *rb;
	unsigned long p = def_port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((rb = strchr(s, ']')) == NULL || (rb[1] != '\0' && rb[1] != ':')) {
			snprintf(why, len, "an IPv6 address in brackets is [ADDR] or [ADDR]:PORT");
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(rb - s - 1), s + 1);
		if (rb[1] == ':')
			port = rb + 2;
	} else if (strchr(s, ':') != NULL && strchr(s, ':') == strrchr(s, ':')) {
		snprintf(host, sizeof(host), "%.*s", (int)(strchr(s, ':') - s), s);
		port = strchr(s, ':') + 1;
	} else {
		snprintf(host, sizeof(host), "%s", s); /* IPv4, or a bare IPv6 address */
	}
	if (port != NULL) {
		char *end;

		errno = 0;
		p = strtoul(port, &end, 10);
		if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 || p == 0 || p > 65535) {
			snprintf(why, len, "port '%s' is not 1..65535", port);
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		a->len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*v6);
		return 0;
	}
	snprintf(why, len, "'%s' is not an IPv4 or IPv6 address (ADDR, ADDR:PORT, [ADDR6]:PORT)", host);
	return -EINVAL;
}

const char *
pf_addr_str(const struct pf_addr *a, char *out, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;

		inet_ntop(AF_INET6, &v6->sin6_addr, h, sizeof(h));
		snprintf(out, len, "[%s]:%u", h, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;

		inet_ntop(AF_INET, &v4->sin_addr, h, sizeof(h));
		snprintf(out, len, "%s:%u", h, ntohs(v4->sin_port));
	}
	return out;
}

bool
pf_addr_same_host(const struct pf_addr *a, const struct pf_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
}

uint16_t
pf_addr_port(const struct pf_addr *a)
{
	return ntohs(a->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&a->ss)->sin6_port :
						   ((const struct sockaddr_in *)&a->ss)->sin_port);
}

bool
pf_addr_same(const struct pf_addr *a, const struct pf_addr *b)
{
	return pf_addr_same_host(a, b) && pf_addr_port(a) == pf_addr_port(b);
}

int
pf_node_id_parse(const char *s, struct pf_node_id *id)
{
	size_t l = strlen(s);

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, s, id->addr) == 1) {
		id->kind = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, s, id->addr) == 1) {
		id->kind = 1;
		return 0;
	}
	/* an FQDN: dotted labels of 1..63 letters, digits and hyphens */
	if (l == 0 || l >= sizeof(id->fqdn) || s[0] == '.' || s[l - 1] == '.')
		return -EINVAL;
	for (size_t i = 0, lab = 0; i < l; i++) {
		char c = s[i];

		if (c == '.') {
			if (lab == 0)
				return -EINVAL;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_') || ++lab > 63)
			return -EINVAL;
	}
	id->kind = 2;
	memcpy(id->fqdn, s, l + 1);
	return 0;
}

const char *
pf_node_id_str(const struct pf_node_id *id, char *out, size_t len)
{
	if (id->kind == 0)
		inet_ntop(AF_INET, id->addr, out, (socklen_t)len);
	else if (id->kind == 1)
		inet_ntop(AF_INET6, id->addr, out, (socklen_t)len);
	else
		snprintf(out, len, "%s", id->fqdn);
	return out;
}

bool
pf_node_id_same(const struct pf_node_id *a, const struct pf_node_id *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == 0)
		return memcmp(a->addr, b->addr, 4) == 0;
	if (a->kind == 1)
		return memcmp(a->addr, b->addr, 16) == 0;
	return strcasecmp(a->fqdn, b->fqdn) == 0;
}

bool
pf_addr_any(const struct pf_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return a->ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

int
pf_prefix_parse(const char *s, struct pf_prefix *p, char *why, size_t len)
{
	const char *slash = strchr(s, '/');
	char host[64], *end;
	unsigned long bits;
	unsigned int max;

	memset(p, 0, sizeof(*p));
	snprintf(host, sizeof(host), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if (inet_pton(AF_INET, host, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, len, "'%s' is not an IPv4 or IPv6 address (ADDR or ADDR/LEN)", host);
		return -EINVAL;
	}
	p->bits = max;
	if (slash != NULL) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || bits > max) {
			snprintf(why, len, "prefix length '%s' is not 0..%u", slash + 1, max);
			return -EINVAL;
		}
		p->bits = (unsigned int)bits;
	}
	for (unsigned int i = p->bits; i < max; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8))) {
			struct pf_prefix net = *p;
			char n[INET6_ADDRSTRLEN + 8];

			for (unsigned int k = p->bits; k < max; k++)
				net.addr[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
			snprintf(why, len, "host bits set after /%u (the prefix is %s)", p->bits,
				 pf_prefix_str(&net, n, sizeof(n)));
			return -EINVAL;
		}
	return 0;
}

const char *
pf_prefix_str(const struct pf_prefix *p, char *out, size_t len)
{
	char h[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family, p->addr, h, sizeof(h));
	snprintf(out, len, "%s/%u", h, p->bits);
	return out;
}

bool
pf_prefix_has(const struct pf_prefix *p, const struct pf_addr *a)
{
	const uint8_t *x;
	unsigned int full = p->bits / 8, rest = p->bits % 8;

	if (a->ss.ss_family == AF_INET) {
		x = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
		if (p->family != AF_INET)
			return false;
	} else if (a->ss.ss_family == AF_INET6) {
		const struct in6_addr *v6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;

		x = v6->s6_addr;
		if (p->family == AF_INET && IN6_IS_ADDR_V4MAPPED(v6))
			x += 12;
		else if (p->family != AF_INET6)
			return false;
	} else {
		return false;
	}
	return memcmp(x, p->addr, full) == 0 && (rest == 0 || ((x[full] ^ p->addr[full]) & (0xff00 >> rest)) == 0);
}

int
pf_sock_open(const struct pf_addr *a, char *err, size_t len)
{
	int fam = a->ss.ss_family, fd, on = 1, buf = 4 << 20;
	char as[64];

	fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
	    /* on a wildcard address: answers leave from the address the request came to */
	    (pf_addr_any(a) && setsockopt(fd, fam == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
					  fam == AF_INET6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &on, sizeof(on)) != 0)) {
		int e = errno;

		snprintf(err, len, "cannot bind %s: %s", pf_addr_str(a, as, sizeof(as)), strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	/* bursts of establishments while the loop does other work */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	return fd;
}

/* room for one pktinfo of either family */
union pktinfo_cmsg {
	char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

ssize_t
pf_sock_recv(int fd, uint8_t *b, size_t len, struct pf_addr *from, struct pf_addr *to)
{
	union pktinfo_cmsg c;
	struct iovec iov = { .iov_base = b, .iov_len = len };
	struct msghdr mh = { .msg_name = &from->ss, .msg_namelen = sizeof(from->ss), .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	ssize_t r = recvmsg(fd, &mh, MSG_TRUNC);

	if (r < 0)
		return r;
	from->len = mh.msg_namelen;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO && to->ss.ss_family == AF_INET) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)&to->ss)->sin_addr = pi.ipi_addr;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   to->ss.ss_family == AF_INET6) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&to->ss;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			v6->sin6_addr = pi.ipi6_addr;
			v6->sin6_scope_id = IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr) ? pi.ipi6_ifindex : 0;
		}
	}
	return r;
}

ssize_t
pf_sock_send(int fd, const uint8_t *b, size_t len, const struct pf_addr *to, const struct pf_addr *from)
{
	union pktinfo_cmsg c;
	struct iovec iov = { .iov_base = (void *)b, .iov_len = len };
	struct msghdr mh = { .msg_name = (void *)&to->ss, .msg_namelen = to->len, .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (from == NULL || pf_addr_any(from) || from->ss.ss_family != to->ss.ss_family)
		return sendmsg(fd, &mh, 0);
	memset(&c, 0, sizeof(c));
	mh.msg_control = c.b;
	cm = (struct cmsghdr *)c.b;
	if (from->ss.ss_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = ((const struct sockaddr_in *)&from->ss)->sin_addr };

		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&from->ss;
		struct in6_pktinfo pi = { .ipi6_addr = v6->sin6_addr, .ipi6_ifindex = v6->sin6_scope_id };

		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	return sendmsg(fd, &mh, 0);
}
