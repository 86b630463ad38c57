/* A redirect termination's answers, made in place (up_redir.h). */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "up_redir.h"
#include "up_state.h"
#include "dp_meta.h"

#define HTTP_HEAD "HTTP/1.1 302 Found\r\nLocation: "
#define HTTP_TAIL "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TCP_OPT_MSS 2
/* what fits a 1500-byte N3 path once in GTP-U/UDP/IPv6 with a PDU
 * Session Container: the UE's request is all that comes, and it is small */
#define REDIR_MSS 1340
#define REDIR_WINDOW 65535
#define REDIR_HOPS 64
#define DNS_PORT 53
#define DNS_HDR 12
#define DNS_QR 0x8000
#define DNS_OPCODE 0x7800
#define DNS_RD 0x0100
#define DNS_RA 0x0080
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_NAME_MAX 255
/* the answer's TTL: short, so that a UE asks again once the SMF lifts
 * the redirect */
#define DNS_TTL 30

/* the SYN-ACKs' key: a connection's ISN is a hash of its 4-tuple under it,
 * so that a later segment of it is known as ours without a state */
static uint32_t isn_key;

int
up_redir_init(void)
{
	isn_key = (uint32_t)rte_rand();
	return 0;
}

/* The connection's ISN: its 4-tuple as the UE sends it (addresses of
 * @alen bytes at @src and @dst, ports in network order at @ports). */
static uint32_t
isn_of(const uint8_t *src, const uint8_t *dst, unsigned int alen, const void *ports)
{
	uint32_t w[9] = { 0 };

	memcpy(w, src, alen);
	memcpy(w + 4, dst, alen);
	memcpy(w + 8, ports, 4);
	return rte_jhash_32b(w, RTE_DIM(w), isn_key);
}

/* The packet's L3 and L4 as the answer needs them: one piece, in the first
 * segment. 0, or -ENOENT. */
struct pkt {
	uint8_t *l3, *l4;
	unsigned int hl;     /* IP header's length */
	unsigned int l4len;  /* the L4 header and payload, as the IP length says */
	bool v6;
};

static int
pkt_of(struct rte_mbuf *m, struct pkt *p)
{
	const struct dp_meta *md = dp_meta(m);
	unsigned int ip_len;

	if ((md->flags & (DP_MF_FRAG | DP_MF_IP_OPTS | DP_MF_IP_EXT)) || !(md->flags & DP_MF_L4) ||
	    !rte_pktmbuf_is_contiguous(m))
		return -ENOENT;
	p->v6 = (md->flags & DP_MF_IPV6) != 0;
	p->hl = p->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	ip_len = up_ip_len(m);
	if (md->l4_off != md->l3_off + p->hl || ip_len < p->hl || md->l3_off + ip_len > rte_pktmbuf_data_len(m))
		return -ENOENT;
	p->l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, md->l3_off);
	p->l4 = p->l3 + p->hl;
	p->l4len = ip_len - p->hl;
	return 0;
}

/* m's length made its IP packet's with @l4len bytes of L4: room taken or
 * given back after it. 0, or -ENOSPC (m as it was). */
static int
resize(struct rte_mbuf *m, const struct pkt *p, unsigned int l4len)
{
	uint32_t have = rte_pktmbuf_pkt_len(m), want = dp_meta(m)->l3_off + p->hl + l4len;

	if (want > have && rte_pktmbuf_append(m, (uint16_t)(want - have)) == NULL)
		return -ENOSPC;
	if (want < have)
		rte_pktmbuf_trim(m, (uint16_t)(have - want));
	return 0;
}

/* The IP header turned back to the sender, @l4len bytes of L4 after it. */
static void
ip_back(const struct pkt *p, unsigned int l4len)
{
	uint8_t t[16];

	if (p->v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p->l3;

		memcpy(t, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, t, 16);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4len);
		ip->hop_limits = REDIR_HOPS;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p->l3;
		uint32_t a = ip->src_addr;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(p->hl + l4len));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = REDIR_HOPS;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

static uint16_t
l4_cksum(const struct pkt *p, const void *l4)
{
	return p->v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)p->l3, l4) :
		       rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p->l3, l4);
}

static int
l4_cksum_bad(const struct pkt *p, const void *l4)
{
	return p->v6 ? rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)p->l3, l4) :
		       rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)p->l3, l4);
}

/* the L4 header's source and destination ports (at @l4) swapped */
static void
ports_back(struct rte_mbuf *m, uint8_t *l4)
{
	struct dp_meta *md = dp_meta(m);
	uint8_t t[2] = { l4[0], l4[1] };
	uint16_t h = md->sport;

	l4[0] = l4[2];
	l4[1] = l4[3];
	l4[2] = t[0];
	l4[3] = t[1];
	/* as a packet from the server would be classified downlink (upf.dl) */
	md->sport = md->dport;
	md->dport = h;
}

/* ------------------------------------------------------------ http */

static int
http(struct rte_mbuf *m, struct pkt *p, const struct up_redir_http *h)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)p->l4;
	size_t url = strnlen(h->url, sizeof(h->url));
	uint32_t body = (uint32_t)(sizeof(HTTP_HEAD) - 1 + url + sizeof(HTTP_TAIL) - 1);
	unsigned int doff, hlen = sizeof(*th), plen = 0;
	uint32_t seq, ack, isn, sent, rseq, rack = 0;
	uint8_t fl, out;
	int rc;

	if (p->l4len < sizeof(*th) || (doff = (th->data_off >> 4) * 4u) < sizeof(*th) || doff > p->l4len ||
	    l4_cksum_bad(p, th))
		return -EINVAL;
	fl = th->tcp_flags;
	seq = rte_be_to_cpu_32(th->sent_seq);
	ack = rte_be_to_cpu_32(th->recv_ack);
	plen = p->l4len - doff;
	isn = p->v6 ? isn_of(p->l3 + offsetof(struct rte_ipv6_hdr, src_addr),
			     p->l3 + offsetof(struct rte_ipv6_hdr, dst_addr), 16, p->l4) :
		      isn_of(p->l3 + offsetof(struct rte_ipv4_hdr, src_addr),
			     p->l3 + offsetof(struct rte_ipv4_hdr, dst_addr), 4, p->l4);
	/* what of the answer the UE has: 0 before the 302, then up to its
	 * bytes and our FIN */
	sent = ack - (isn + 1);
	if (fl & RTE_TCP_RST_FLAG)
		return -EALREADY;
	if (fl & RTE_TCP_SYN_FLAG) {
		if (fl & RTE_TCP_ACK_FLAG) {   /* a SYN-ACK to a server: no such connection */
			out = RTE_TCP_RST_FLAG;
			rseq = ack;
		} else {
			out = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
			rseq = isn;
			rack = seq + 1;
			hlen += 4;
		}
	} else if (!(fl & RTE_TCP_ACK_FLAG)) {   /* RFC 9293 3.10.7.1: a RST that acks it */
		out = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
		rseq = 0;
		rack = seq + plen + (fl & RTE_TCP_FIN_FLAG ? 1 : 0);
	} else if (sent > body + 1 || (sent != 0 && plen != 0)) {
		/* not of a connection we answered (another ISN), or more data
		 * once the 302 went: reset */
		out = RTE_TCP_RST_FLAG;
		rseq = ack;
	} else if (plen != 0) {   /* the request: the 302, and our FIN */
		out = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG;
		rseq = ack;
		rack = seq + plen + (fl & RTE_TCP_FIN_FLAG ? 1 : 0);
		plen = body;
	} else if (fl & RTE_TCP_FIN_FLAG) {   /* the UE closes: acked (and closed too, before the 302) */
		out = RTE_TCP_ACK_FLAG | (sent == 0 ? RTE_TCP_FIN_FLAG : 0);
		rseq = ack;
		rack = seq + 1;
	} else {
		return -EALREADY;
	}
	if (!(out & RTE_TCP_PSH_FLAG))
		plen = 0;
	if ((rc = resize(m, p, hlen + plen)) < 0)
		return rc;
	ports_back(m, p->l4);
	th->sent_seq = rte_cpu_to_be_32(rseq);
	th->recv_ack = rte_cpu_to_be_32(out & RTE_TCP_ACK_FLAG ? rack : 0);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = out;
	th->rx_win = rte_cpu_to_be_16(out & RTE_TCP_RST_FLAG ? 0 : REDIR_WINDOW);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (hlen > sizeof(*th)) {   /* MSS */
		uint8_t *o = (uint8_t *)(th + 1);

		o[0] = TCP_OPT_MSS;
		o[1] = 4;
		o[2] = REDIR_MSS >> 8;
		o[3] = REDIR_MSS & 0xff;
	}
	if (plen != 0) {
		char *b = (char *)th + hlen;

		memcpy(b, HTTP_HEAD, sizeof(HTTP_HEAD) - 1);
		b += sizeof(HTTP_HEAD) - 1;
		memcpy(b, h->url, url);
		memcpy(b + url, HTTP_TAIL, sizeof(HTTP_TAIL) - 1);
	}
	ip_back(p, hlen + plen);
	th->cksum = l4_cksum(p, th);
	return 0;
}

/* ------------------------------------------------------------ dns */

static int
dns(struct rte_mbuf *m, struct pkt *p, const struct up_redir_dns *d)
{
	static const uint8_t none6[16];
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)p->l4;
	uint8_t *q = (uint8_t *)(uh + 1);
	unsigned int len, at = DNS_HDR, name = 0, rdlen = 0, end;
	uint16_t flags, qtype, qclass;
	int rc;

	if (dp_meta(m)->l4_proto != IPPROTO_UDP || p->l4len < sizeof(*uh) ||
	    rte_be_to_cpu_16(uh->dst_port) != DNS_PORT)
		return -ENOENT;
	if (rte_be_to_cpu_16(uh->dgram_len) != p->l4len || (p->v6 && uh->dgram_cksum == 0) ||
	    (uh->dgram_cksum != 0 && l4_cksum_bad(p, uh)))
		return -EINVAL;
	len = p->l4len - sizeof(*uh);
	if (len < DNS_HDR)
		return -EINVAL;
	flags = (uint16_t)(q[2] << 8 | q[3]);
	/* a query (QR 0, QUERY) of one question, nothing answered in it */
	if ((flags & (DNS_QR | DNS_OPCODE)) || q[4] != 0 || q[5] != 1 || q[6] || q[7] || q[8] || q[9])
		return -EINVAL;
	/* its name: labels within the datagram, none a pointer (a query has
	 * nothing before it to point at), 255 octets at most */
	for (;;) {
		if (at >= len)
			return -EINVAL;
		if (q[at] == 0)
			break;
		if (q[at] & 0xc0)
			return -EINVAL;
		name += q[at] + 1u;
		at += q[at] + 1u;
		if (name + 1 > DNS_NAME_MAX)
			return -EINVAL;
	}
	at++;
	if (at + 4 > len)
		return -EINVAL;
	qtype = (uint16_t)(q[at] << 8 | q[at + 1]);
	qclass = (uint16_t)(q[at + 2] << 8 | q[at + 3]);
	end = at + 4;
	if (qclass == DNS_CLASS_IN && qtype == DNS_TYPE_A && d->v4 != 0)
		rdlen = 4;
	else if (qclass == DNS_CLASS_IN && qtype == DNS_TYPE_AAAA && memcmp(d->v6, none6, 16) != 0)
		rdlen = 16;
	if ((rc = resize(m, p, (unsigned int)sizeof(*uh) + end + (rdlen ? 12 + rdlen : 0))) < 0)
		return rc;
	flags = (uint16_t)(DNS_QR | (flags & DNS_RD) | DNS_RA);
	q[2] = (uint8_t)(flags >> 8);
	q[3] = (uint8_t)flags;
	q[7] = rdlen ? 1 : 0;         /* ANCOUNT */
	q[10] = q[11] = 0;            /* ARCOUNT: the additional section is not echoed */
	if (rdlen) {
		uint8_t *rr = q + end;

		rr[0] = 0xc0;         /* the question's name */
		rr[1] = DNS_HDR;
		rr[2] = (uint8_t)(qtype >> 8);
		rr[3] = (uint8_t)qtype;
		rr[4] = 0;
		rr[5] = DNS_CLASS_IN;
		rr[6] = rr[7] = rr[8] = 0;
		rr[9] = DNS_TTL;
		rr[10] = 0;
		rr[11] = (uint8_t)rdlen;
		memcpy(rr + 12, rdlen == 4 ? (const void *)&d->v4 : (const void *)d->v6, rdlen);
		end += 12 + rdlen;
	}
	ports_back(m, p->l4);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + end));
	uh->dgram_cksum = 0;
	ip_back(p, (unsigned int)sizeof(*uh) + end);
	uh->dgram_cksum = l4_cksum(p, uh);
	return 0;
}

int
up_redir_answer(struct rte_mbuf *m, uint16_t action, const void *params)
{
	const struct dp_meta *md = dp_meta(m);
	struct pkt p;
	int rc;

	if ((rc = pkt_of(m, &p)) < 0)
		return rc;
	if (action == UP_REDIR_HTTP)
		return md->l4_proto == IPPROTO_TCP ? http(m, &p, params) : -ENOENT;
	return dns(m, &p, params);
}
