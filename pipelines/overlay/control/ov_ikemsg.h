/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikemsg: IKEv2 messages (RFC 7296 section 3) read and written: the header, the chain of payloads, each payload's fields; no crypto, no state. */
/*
 * Reading never trusts a length: every field is checked against what the
 * datagram holds, a chain is bounded (OV_IKE_PL_MAX payloads, one SK and
 * that the last), and what does not hold is -EBADMSG with the reason in a
 * static string (the caller counts it under that name). What is read
 * points into the caller's buffer: nothing is copied or allocated.
 *
 * Writing appends to a caller's buffer of fixed room (-ENOSPC past it),
 * patching the previous payload's Next Payload as it goes, so a message is
 * built front to back in one pass; the SK payload's contents are built the
 * same way in another buffer and sealed by ov_ikecrypto.
 */
#ifndef OV_IKEMSG_H
#define OV_IKEMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OV_IKE_HDR	28
#define OV_IKE_PL_HDR	4
#define OV_IKE_PL_MAX	32	/* payloads in one message: more is refused */
#define OV_IKE_PROP_MAX	8	/* proposals of one SA payload that are read */
#define OV_IKE_XF_MAX	8	/* transforms of one type in one proposal that are read */
#define OV_IKE_TS_MAX	8	/* selectors of one TS payload that are read */
#define OV_IKE_SPI_MAX	8	/* an SPI's bytes: IKE's 8, ESP's 4 */
#define OV_IKE_VERSION	0x20	/* 2.0 */

enum ov_ike_exchange {
	OV_IKE_SA_INIT = 34,
	OV_IKE_AUTH = 35,
	OV_IKE_CREATE_CHILD_SA = 36,
	OV_IKE_INFORMATIONAL = 37,
};

enum ov_ike_flag { OV_IKE_F_INITIATOR = 0x08, OV_IKE_F_VERSION = 0x10, OV_IKE_F_RESPONSE = 0x20 };

enum ov_ike_payload {
	OV_IKE_PL_NONE = 0,
	OV_IKE_PL_SA = 33,
	OV_IKE_PL_KE = 34,
	OV_IKE_PL_IDI = 35,
	OV_IKE_PL_IDR = 36,
	OV_IKE_PL_CERT = 37,
	OV_IKE_PL_CERTREQ = 38,
	OV_IKE_PL_AUTH = 39,
	OV_IKE_PL_NONCE = 40,
	OV_IKE_PL_NOTIFY = 41,
	OV_IKE_PL_DELETE = 42,
	OV_IKE_PL_VENDOR = 43,
	OV_IKE_PL_TSI = 44,
	OV_IKE_PL_TSR = 45,
	OV_IKE_PL_SK = 46,
	OV_IKE_PL_CP = 47,
	OV_IKE_PL_EAP = 48,
	OV_IKE_PL_SKF = 53,
};

/* Transform types and the IDs this box knows (RFC 7296 3.3.2, IANA). */
enum ov_ike_xf_type { OV_IKE_XF_ENCR = 1, OV_IKE_XF_PRF = 2, OV_IKE_XF_INTEG = 3, OV_IKE_XF_DH = 4, OV_IKE_XF_ESN = 5 };
#define OV_IKE_XF_TYPES 6
enum {
	OV_IKE_ENCR_AES_GCM_16 = 20,
	OV_IKE_PRF_HMAC_SHA2_256 = 5, OV_IKE_PRF_HMAC_SHA2_384 = 6, OV_IKE_PRF_HMAC_SHA2_512 = 7,
	OV_IKE_DH_MODP_2048 = 14, OV_IKE_DH_ECP_256 = 19, OV_IKE_DH_CURVE25519 = 31,
	OV_IKE_ESN_NO = 0, OV_IKE_ESN_YES = 1,
};
#define OV_IKE_ATTR_KEYLEN 14	/* the Key Length attribute (TV) */

enum ov_ike_proto { OV_IKE_PROTO_IKE = 1, OV_IKE_PROTO_AH = 2, OV_IKE_PROTO_ESP = 3 };

/* Notify types (errors below 16384, status from it) this box says or reads. */
enum {
	OV_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	OV_IKE_N_INVALID_IKE_SPI = 4,
	OV_IKE_N_INVALID_MAJOR_VERSION = 5,
	OV_IKE_N_INVALID_SYNTAX = 7,
	OV_IKE_N_INVALID_MESSAGE_ID = 9,
	OV_IKE_N_INVALID_SPI = 11,
	OV_IKE_N_NO_PROPOSAL_CHOSEN = 14,
	OV_IKE_N_INVALID_KE_PAYLOAD = 17,
	OV_IKE_N_AUTHENTICATION_FAILED = 24,
	OV_IKE_N_NO_ADDITIONAL_SAS = 35,
	OV_IKE_N_TS_UNACCEPTABLE = 38,
	OV_IKE_N_TEMPORARY_FAILURE = 43,
	OV_IKE_N_CHILD_SA_NOT_FOUND = 44,
	OV_IKE_N_INITIAL_CONTACT = 16384,
	OV_IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	OV_IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	OV_IKE_N_COOKIE = 16390,
	OV_IKE_N_USE_TRANSPORT_MODE = 16391,
	OV_IKE_N_REKEY_SA = 16393,
	OV_IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	OV_IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	OV_IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

enum { OV_IKE_ID_IPV4_ADDR = 1, OV_IKE_ID_FQDN = 2, OV_IKE_ID_RFC822_ADDR = 3, OV_IKE_ID_IPV6_ADDR = 5,
       OV_IKE_ID_DER_ASN1_DN = 9, OV_IKE_ID_KEY_ID = 11 };
enum { OV_IKE_AUTH_RSA = 1, OV_IKE_AUTH_PSK = 2, OV_IKE_AUTH_ECDSA_256 = 9, OV_IKE_AUTH_DIGITAL_SIGNATURE = 14 };
enum { OV_IKE_CERT_X509_SIG = 4 };
enum { OV_IKE_TS_IPV4_ADDR_RANGE = 7, OV_IKE_TS_IPV6_ADDR_RANGE = 8 };

/* An address as the engine keeps it: 16 bytes, IPv4 mapped (::ffff:a.b.c.d,
 * RFC 4291 2.5.5.2) or IPv6, network order, so one field holds either
 * family and the two never compare equal; on the wire (an ID, a selector,
 * what NAT_DETECTION hashes) IPv4's is its own 4 bytes. */
static inline bool
ov_ike_addr_v4(const uint8_t *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	for (size_t i = 0; i < sizeof(pfx); i++)
		if (a[i] != pfx[i])
			return false;
	return true;
}

/* @a's bytes on the wire: where they start, and *@len 4 or 16. */
static inline const uint8_t *
ov_ike_addr_wire(const uint8_t *a, size_t *len)
{
	*len = ov_ike_addr_v4(a) ? 4 : 16;
	return a + 16 - *len;
}

struct ov_ike_hdr {
	uint64_t spi_i, spi_r;	/* host order */
	uint8_t next, version, exchange, flags;
	uint32_t msgid, length;
};

/* One payload as read: its type, the critical bit, its body (after the
 * generic header) within the datagram. */
struct ov_ike_pl {
	uint8_t type;
	bool critical;
	const uint8_t *body;
	uint16_t len;
};

/* A message as read: the header, the payloads in order; an SK payload is
 * the last, @sk_at its generic header's offset in the datagram (what its
 * AAD ends with). */
struct ov_ike_msg {
	struct ov_ike_hdr h;
	struct ov_ike_pl pl[OV_IKE_PL_MAX];
	size_t n;
	size_t sk_at;		/* 0: no SK payload */
};

/* One proposal of an SA payload as read: its transforms by type. */
struct ov_ike_prop {
	uint8_t num, proto, spi_len;
	uint8_t spi[OV_IKE_SPI_MAX];
	struct { uint16_t id, keylen; } xf[OV_IKE_XF_TYPES][OV_IKE_XF_MAX];
	uint8_t nxf[OV_IKE_XF_TYPES];
	bool unknown_attr;	/* a transform had an attribute this box does not know: not chosen */
};

struct ov_ike_sa {
	struct ov_ike_prop prop[OV_IKE_PROP_MAX];
	size_t n;
};

struct ov_ike_notify {
	uint8_t proto, spi_len;
	uint16_t type;
	const uint8_t *spi, *data;
	size_t data_len;
};

/* A selector of an address range: TS_IPV4_ADDR_RANGE or TS_IPV6_ADDR_RANGE
 * (@type), its ends as the engine keeps addresses (IPv4 mapped), so a range
 * compares byte by byte within its family. */
struct ov_ike_ts {
	uint8_t type;
	uint8_t proto;
	uint16_t port_lo, port_hi;
	uint8_t lo[16], hi[16];
};

struct ov_ike_tss {
	struct ov_ike_ts ts[OV_IKE_TS_MAX];
	size_t n;
};

/* -------------------------------------------------------------- reading */

/* @buf (@len bytes: a datagram, the non-ESP marker taken off) as a message:
 * its header (the length @len, version 2.x) and its chain. 0, or -EBADMSG
 * with *@why (static) saying what does not hold. */
int ov_ike_parse(const uint8_t *buf, size_t len, struct ov_ike_msg *m, const char **why);
/* The chain inside a decrypted SK payload (@first its Next Payload): into
 * @m's payloads (those before kept). 0 or -EBADMSG with *@why. */
int ov_ike_parse_chain(const uint8_t *buf, size_t len, uint8_t first, struct ov_ike_msg *m, const char **why);

/* The first payload of @type in @m (NULL: none). */
const struct ov_ike_pl *ov_ike_find(const struct ov_ike_msg *m, uint8_t type);

int ov_ike_read_sa(const struct ov_ike_pl *p, struct ov_ike_sa *sa, const char **why);
/* KE: its DH group and data. */
int ov_ike_read_ke(const struct ov_ike_pl *p, uint16_t *group, const uint8_t **data, size_t *len, const char **why);
int ov_ike_read_notify(const struct ov_ike_pl *p, struct ov_ike_notify *n, const char **why);
/* The first notify of @type in @m: 0 and *@n, or -ENOENT. */
int ov_ike_find_notify(const struct ov_ike_msg *m, uint16_t type, struct ov_ike_notify *n);
/* IDi/IDr: its type and data; AUTH: its method and data. */
int ov_ike_read_id(const struct ov_ike_pl *p, uint8_t *type, const uint8_t **data, size_t *len, const char **why);
int ov_ike_read_auth(const struct ov_ike_pl *p, uint8_t *method, const uint8_t **data, size_t *len,
		     const char **why);
/* TSi/TSr: its address ranges of either family (IPv4's 16 bytes long, IPv6's
 * 40: another length is -EBADMSG); a selector of another type is skipped. */
int ov_ike_read_ts(const struct ov_ike_pl *p, struct ov_ike_tss *ts, const char **why);
/* Delete: the protocol, each SPI's size and how many (the SPIs at *@spis). */
int ov_ike_read_delete(const struct ov_ike_pl *p, uint8_t *proto, uint8_t *spi_len, size_t *n,
		       const uint8_t **spis, const char **why);

/* -------------------------------------------------------------- writing */

struct ov_ike_buf {
	uint8_t *p;
	size_t len, cap;
	size_t next_at;		/* where the Next Payload to patch is (the header's, or the last payload's) */
	uint8_t first;		/* a chain without a header: its first payload's type */
	int err;		/* -ENOSPC once anything did not fit: every later write does nothing */
};

void ov_ike_buf_init(struct ov_ike_buf *b, uint8_t *p, size_t cap);
/* The header (its length patched by ov_ike_end). */
void ov_ike_put_hdr(struct ov_ike_buf *b, const struct ov_ike_hdr *h);
/* A chain begun with no header (an SK payload's contents). */
void ov_ike_chain_start(struct ov_ike_buf *b);
/* A payload of @type with @body: where its body starts (for later patching). */
size_t ov_ike_put(struct ov_ike_buf *b, uint8_t type, const void *body, size_t len);
/* A payload of @type from parts (@n of them). */
size_t ov_ike_putv(struct ov_ike_buf *b, uint8_t type, const void *const *parts, const size_t *lens, size_t n);
/* The SK payload's generic header of @body_len bytes to come: its offset. */
size_t ov_ike_put_sk_hdr(struct ov_ike_buf *b, uint8_t first_inner, size_t body_len);
/* Raw bytes at the end (what a sealed SK's body is). */
void ov_ike_raw(struct ov_ike_buf *b, const void *p, size_t len);
/* The message's length into its header: its length, or -ENOSPC. */
int ov_ike_end(struct ov_ike_buf *b);
/* The first Next Payload of a chain begun by ov_ike_chain_start. */
uint8_t ov_ike_chain_first(const struct ov_ike_buf *b);

/* Bodies of payloads this box sends, into @out (@cap): their length, or -ENOSPC. */
/* An SA payload of one proposal: @proto, @spi (@spi_len), its transforms. */
struct ov_ike_xf { uint8_t type; uint16_t id, keylen; };
int ov_ike_body_sa(uint8_t *out, size_t cap, uint8_t num, uint8_t proto, const uint8_t *spi, uint8_t spi_len,
		   const struct ov_ike_xf *xf, size_t nxf);
int ov_ike_body_notify(uint8_t *out, size_t cap, uint8_t proto, const uint8_t *spi, uint8_t spi_len, uint16_t type,
		       const void *data, size_t len);
/* TSi/TSr of @n address ranges, each of its @type (-EINVAL: another type). */
int ov_ike_body_ts(uint8_t *out, size_t cap, const struct ov_ike_ts *ts, size_t n);

/* Helpers for what is built by hand. */
static inline void
ov_ike_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
ov_ike_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
ov_ike_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
ov_ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
