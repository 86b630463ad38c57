/* The edge's header rewrites: RFC 1624 incremental checksums over words
 * as they lie in memory (a one's complement sum does not care for byte
 * order as long as every word is read the same way). */
#ifndef EG_XLATE_H
#define EG_XLATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_common.h>
#include <rte_ip.h>

static inline uint16_t
eg_ck_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Header fields are read and written through these: packed structs'
 * members may lie anywhere. */
static inline uint16_t
eg_ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline void
eg_st16(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* HC' = ~(~HC + ~m + m') at ck, for words old -> new summed as s_old,
 * s_new (a 32-bit value is two words at once); udp: a 0 checksum says
 * "none" (RFC 768) and stays so, a computed 0 is sent as 0xffff */
static inline void
eg_ck_adj(void *ck, uint32_t s_old_not, uint32_t s_new, bool udp)
{
	uint16_t c = eg_ld16(ck);
	uint32_t s;

	if (udp && c == 0)
		return;
	s = (uint16_t)~c;
	s += s_old_not + s_new;
	c = (uint16_t)~eg_ck_fold(s);
	if (udp && c == 0)
		c = 0xffff;
	eg_st16(ck, c);
}

static inline void
eg_ck_adj32(void *ck, uint32_t old, uint32_t new, bool udp)
{
	eg_ck_adj(ck, (uint16_t)~old + (uint16_t)~(old >> 16), (new & 0xffff) + (new >> 16), udp);
}

static inline void
eg_ck_adj16(void *ck, uint16_t old, uint16_t new, bool udp)
{
	eg_ck_adj(ck, (uint16_t)~old, new, udp);
}

/* An IPv4 address at field, and what covers it: its header's checksum
 * and, for TCP and UDP, theirs (the pseudo-header). l4ck NULL: none. */
static inline void
eg_set_addr(struct rte_ipv4_hdr *ip, void *field, rte_be32_t v, void *l4ck, bool udp)
{
	uint32_t old;

	memcpy(&old, field, 4);
	if (old == v)
		return;
	memcpy(field, &v, 4);
	eg_ck_adj32(&ip->hdr_checksum, old, v, false);
	if (l4ck != NULL)
		eg_ck_adj32(l4ck, old, v, udp);
}

/* A 16-bit field (a port, an ICMP identifier) under checksum ck (NULL:
 * none). */
static inline void
eg_set_port(void *field, uint16_t port, void *ck, bool udp)
{
	uint16_t v = rte_cpu_to_be_16(port), old = eg_ld16(field);

	if (old == v)
		return;
	eg_st16(field, v);
	if (ck != NULL)
		eg_ck_adj16(ck, old, v, udp);
}

/* The TTL back up by one: the switch took one off routing into the
 * edge, and takes another routing on from it; the box is one hop. */
static inline void
eg_ttl_restore(struct rte_ipv4_hdr *ip)
{
	uint16_t old = eg_ld16(&ip->time_to_live), new;

	ip->time_to_live++;
	new = eg_ld16(&ip->time_to_live);
	eg_ck_adj16(&ip->hdr_checksum, old, new, false);
}

#endif
