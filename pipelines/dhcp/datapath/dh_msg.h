/* SPDX-License-Identifier: BSD-3-Clause */
/* DHCPv4 messages (RFC 2131, options of RFC 2132 and RFC 3046's relay
 * agent information): read one from untrusted bytes, build a server's
 * answer. Pure C: no allocation, no DPDK, no state; every length is
 * checked against the bytes given, so it is fuzzed alone
 * (tests/fuzz/fuzz_dhcp.c). Addresses stay in network order. */
#ifndef DH_MSG_H
#define DH_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_SERVER_PORT 67
#define DH_CLIENT_PORT 68
#define DH_OP_REQUEST 1
#define DH_OP_REPLY 2
#define DH_FIXED_LEN 236          /* op .. file */
#define DH_MAGIC_LEN 4
#define DH_MIN_LEN (DH_FIXED_LEN + DH_MAGIC_LEN)
#define DH_BOOTP_MIN 300          /* a BOOTP message's least size (RFC 1542 2.1): answers are padded to it */
#define DH_MAX_LEN 1500           /* an answer's room, more than any built here */
#define DH_FLAG_BROADCAST 0x8000

/* option codes (RFC 2132; 82: RFC 3046) */
enum {
	DH_OPT_PAD = 0, DH_OPT_MASK = 1, DH_OPT_ROUTER = 3, DH_OPT_DNS = 6, DH_OPT_HOSTNAME = 12,
	DH_OPT_DOMAIN = 15, DH_OPT_REQ_IP = 50, DH_OPT_LEASE = 51, DH_OPT_OVERLOAD = 52, DH_OPT_TYPE = 53,
	DH_OPT_SERVER_ID = 54, DH_OPT_PRL = 55, DH_OPT_MESSAGE = 56, DH_OPT_MAX_SIZE = 57, DH_OPT_T1 = 58,
	DH_OPT_T2 = 59, DH_OPT_CLIENT_ID = 61, DH_OPT_RELAY = 82, DH_OPT_END = 255,
};

/* message types (option 53) */
enum { DH_DISCOVER = 1, DH_OFFER, DH_REQUEST, DH_DECLINE, DH_ACK, DH_NAK, DH_RELEASE, DH_INFORM, DH_TYPE_MAX = DH_INFORM };
extern const char *const dh_type_name[DH_TYPE_MAX + 1];

/* Why bytes are not a DHCP message a server takes. */
enum dh_bad {
	DH_OK,
	DH_BAD_SHORT,      /* shorter than the fixed part and the magic cookie */
	DH_BAD_MAGIC,      /* no magic cookie 99.130.83.99: BOOTP, not DHCP */
	DH_BAD_HW,         /* not Ethernet (htype 1, hlen 6) */
	DH_BAD_OPTION,     /* an option runs past its field, or a fixed-size one has the wrong length or repeats */
	DH_BAD_OVERLOAD,   /* option 52 with a value other than 1..3, or inside sname/file */
	DH_BAD_TYPE,       /* no option 53, or a type out of 1..8 */
	DH_BAD_N,
};
extern const char *const dh_bad_name[DH_BAD_N];

struct dh_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                  /* as on the wire */
	uint16_t secs, flags;          /* host order */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t type;                  /* option 53 */
	uint8_t overload;              /* option 52: 1 file, 2 sname, 3 both */
	bool has_req_ip, has_server_id, has_lease;
	uint32_t req_ip, server_id;    /* options 50, 54 */
	uint32_t lease_s;              /* option 51, host order */
	uint16_t max_size;             /* option 57, host order; 0 absent */
	/* variable options: pointers into the bytes parsed (the first
	 * instance; RFC 3396's concatenation of split ones is not done) */
	const uint8_t *client_id, *hostname, *prl, *relay;
	uint8_t client_id_len, hostname_len, prl_len, relay_len;
};

/* Read len bytes (a UDP payload) into *m. DH_OK, or why not. */
enum dh_bad dh_parse(const uint8_t *p, size_t len, struct dh_msg *m);

/* What a server says in an answer. */
struct dh_answer {
	uint8_t type;                  /* DH_OFFER, DH_ACK, DH_NAK */
	uint32_t yiaddr, server_id;    /* network order */
	uint32_t lease_s;              /* host order; 0: no lease options (an INFORM's ACK, a NAK) */
	uint8_t plen;                  /* 0: no mask */
	uint32_t router;               /* 0: none */
	uint32_t dns[2];               /* 0: none */
	const char *message;           /* option 56, NULL: none */
};

/* The answer to request q (op BOOTREPLY, q's xid, flags, giaddr and
 * chaddr; its relay agent information echoed, RFC 3046 2.2) into out
 * (cap bytes), padded to DH_BOOTP_MIN. Its length, or -ENOSPC. */
int dh_build(uint8_t *out, size_t cap, const struct dh_msg *q, const struct dh_answer *a);

/* A copy of the option list's value of code in a built or parsed message
 * (p, len: the whole message; no overload followed): its length, or -1. */
int dh_option(const uint8_t *p, size_t len, uint8_t code, uint8_t *val, size_t cap);

#endif
