/* The one way sxdp, its config and sxctl read addresses written as text:
 * IPv4/IPv6 by inet_pton, "address/length" with a strict decimal length
 * (dp_num.h), MACs as six colon-separated hex pairs (or DPDK's three
 * groups of four). No DPDK or jansson, so control/ code uses it too. */
#ifndef DP_ADDR_H
#define DP_ADDR_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "dp_num.h"

/* An IPv4 or IPv6 address (af AF_INET or AF_INET6) into addr, network
 * order. 0 or -EINVAL. */
static inline int
dp_addr_ip(const char *s, int af, void *addr)
{
	return inet_pton(af, s, addr) == 1 ? 0 : -EINVAL;
}

/* An address of either family as 16 bytes (a table's "ip" type): IPv6 as
 * it is, IPv4 as IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so one
 * key or param holds both and the families never meet by accident. */
static inline bool
dp_addr_mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

static inline void
dp_addr_map4(uint32_t ip_be, uint8_t *a)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &ip_be, 4);
}

/* "a.b.c.d" (mapped, *v4 set) or an IPv6 address into 16 bytes at a. 0 or
 * -EINVAL. */
static inline int
dp_addr_ip_any(const char *s, uint8_t *a, bool *v4)
{
	uint32_t ip;

	if (dp_addr_ip(s, AF_INET, &ip) == 0) {
		dp_addr_map4(ip, a);
		*v4 = true;
		return 0;
	}
	*v4 = false;
	return dp_addr_ip(s, AF_INET6, a);
}

/* The text of a 16-byte "ip" address in buf (INET6_ADDRSTRLEN bytes):
 * dotted IPv4 where it is mapped, IPv6 otherwise. */
static inline const char *
dp_addr_ntop_any(const uint8_t *a, char *buf, size_t n)
{
	return dp_addr_mapped(a) ? inet_ntop(AF_INET, a + 12, buf, (socklen_t)n) :
				   inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

/* "address/length" (af AF_INET or AF_INET6) into addr (network order) and
 * plen; a bare address, when bare_ok, is a host prefix. 0, -ERANGE (the
 * length is not decimal 0..32/128) or -EINVAL (the address). */
static inline int
dp_addr_prefix(const char *s, int af, bool bare_ok, void *addr, uint8_t *plen)
{
	unsigned int bits = af == AF_INET ? 32 : 128;
	const char *slash = strchr(s, '/');
	uint64_t l = bits;
	char buf[INET6_ADDRSTRLEN];
	size_t n;

	if (slash == NULL && !bare_ok)
		return -EINVAL;
	if (slash != NULL && dp_num_parse(slash + 1, bits, &l) < 0)
		return -ERANGE;
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (dp_addr_ip(buf, af, addr) < 0)
		return -EINVAL;
	*plen = (uint8_t)l;
	return 0;
}

static inline int
dp_addr_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The first 2 * @len hex digits of @s into @len bytes at @out: 0, or -EINVAL
 * (one is not a hex digit, or the string ends first). */
static inline int
dp_addr_hex_bytes(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi = dp_addr_hex(s[2 * i]), lo = hi < 0 ? -1 : dp_addr_hex(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* @len bytes at @b as 2 * @len lower-case hex digits and a NUL at @out. */
static inline void
dp_addr_bytes_hex(const uint8_t *b, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * len] = '\0';
}

/* "xx:xx:xx:xx:xx:xx" or "xxxx:xxxx:xxxx" into mac. 0 or -EINVAL. */
static inline int
dp_addr_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	unsigned int groups = len == 17 ? 6 : len == 14 ? 3 : 0, width = groups == 6 ? 2 : 4;
	uint8_t m[6];

	if (groups == 0)
		return -EINVAL;
	for (unsigned int g = 0, k = 0; g < groups; g++) {
		const char *p = s + g * (width + 1);

		if (g + 1 < groups && p[width] != ':')
			return -EINVAL;
		for (unsigned int d = 0; d < width; d += 2) {
			int hi = dp_addr_hex(p[d]), lo = dp_addr_hex(p[d + 1]);

			if (hi < 0 || lo < 0)
				return -EINVAL;
			m[k++] = (uint8_t)(hi << 4 | lo);
		}
	}
	memcpy(mac, m, 6);
	return 0;
}

/* Address classes (network order). A unicast host address is what a
 * packet the box originates (an answer, an ICMP error, a probe reply) may
 * be sent to, and what a routed packet's source must be: IPv4 not 0/8,
 * 127/8, 224/4 (multicast) or 240/4 (class E, with 255.255.255.255) (RFC
 * 1812 4.3.2.7, 5.3.7); IPv6 not ::/96 (unspecified, loopback,
 * IPv4-compatible), ::ffff:0:0/96 (IPv4-mapped) or ff00::/8 (RFC 4291
 * 2.5.2, 2.5.3, 2.5.5, 2.7; RFC 4443 2.4 (e)). Whether it is one of the
 * box's own addresses is for the feature that owns them. */
static inline bool
dp_addr_ip4_unicast(uint32_t ip_be)
{
	uint8_t a = ((const uint8_t *)&ip_be)[0];

	return a != 0 && a != 127 && a < 224;
}

/* ::/96 and ::ffff:0:0/96: no packet between routers carries them. */
static inline bool
dp_addr_ip6_reserved(const uint8_t *a)
{
	uint64_t hi;
	uint16_t mid;

	memcpy(&hi, a, 8);
	memcpy(&mid, a + 10, 2);
	return hi == 0 && a[8] == 0 && a[9] == 0 && (mid == 0 || mid == 0xffff);
}

static inline bool
dp_addr_ip6_unicast(const uint8_t *a)
{
	return a[0] != 0xff && !dp_addr_ip6_reserved(a);
}

#endif
