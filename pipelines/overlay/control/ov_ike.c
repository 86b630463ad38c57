/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ike (see ov_ike.h): the IKE_SA_INIT, IKE_AUTH and INFORMATIONAL exchanges of each peer, in either role. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/rand.h>

#include "ov_ike.h"
#include "ov_keyfile.h"

const char *const ov_ike_reason_name[OV_IKE_R_MAX] = {
#define OV_IKE_R_NAME(n, d) #n,
	OV_IKE_REASONS(OV_IKE_R_NAME)
#undef OV_IKE_R_NAME
};

enum sa_state { SA_INIT_SENT, SA_WAIT_AUTH, SA_AUTH_SENT, SA_UP, SA_GONE };

/* One IKE SA and its Child SA (in locked memory: its keys are in it). */
struct ike_sa {
	uint64_t spi_i, spi_r;
	bool initiator;
	enum sa_state st;
	uint16_t dh_group;
	unsigned int aes_bits;
	struct ov_ike_dh *dh;
	uint8_t pub[OV_IKE_DH_MAX];			/* ours, while the exchange is under way */
	uint8_t ni[OV_IKE_NONCE], nr[OV_IKE_NONCE];	/* the peer's may be shorter or longer: bounded */
	uint8_t pn[256];				/* the peer's nonce as it sent it */
	size_t pn_len;
	struct ov_ike_keys k;
	uint8_t msg1[OV_IKE_MSG_MAX], msg2[OV_IKE_MSG_MAX];	/* the two IKE_SA_INIT messages (AUTH covers them) */
	size_t msg1_len, msg2_len;
	uint8_t cookie[256];				/* a responder's cookie to send back (0: none) */
	size_t cookie_len;
	/* our requests: the next's ID, the one out (sent again until answered) */
	uint32_t req_id;
	uint8_t req[OV_IKE_MSG_MAX];
	size_t req_len;
	bool req_out;
	unsigned int tries;
	uint64_t req_at, wait_ms;
	bool dpd_out;					/* the request out is a liveness check */
	/* the peer's requests: the next's ID, our last response */
	uint32_t peer_id;
	uint8_t resp[OV_IKE_MSG_MAX];
	size_t resp_len;
	uint64_t iv;					/* the SK payloads' IVs */
	uint64_t heard_at;				/* the last message from the peer */
	bool natt;					/* on port 4500 (a NAT, or encapsulation asked for) */
	uint8_t raddr[16];				/* the peer's address (a NAT's), and its port: */
	uint16_t rport;					/* its last authenticated message's */
	struct ov_ike_child child;
	bool child_up;
	uint64_t up_at, child_at;			/* when it, and its Child SA, came up (rekeys are timed from them) */
	/* our CREATE_CHILD_SA under way: the Child SA's rekey or the IKE SA's */
	enum { CK_NONE, CK_CHILD, CK_IKE } ck;
	struct ov_ike_dh *ck_dh;
	uint8_t ck_pub[OV_IKE_DH_MAX], ck_nonce[OV_IKE_NONCE];
	uint32_t ck_spi;				/* the new Child SA's inbound SPI */
	uint64_t ck_ike_spi;				/* the new IKE SA's SPI of ours */
	uint64_t retry_at;				/* a rekey the peer put off: not before then */
	/* a responder's rekeyed Child SA: in at once, out once the peer deleted the old one */
	struct ov_ike_child pend;
	bool pend_live;
	uint64_t pend_at;
	/* Child SAs replaced: said down at their time (what was on its way gets in) */
	struct { struct ov_ike_child c; uint64_t at; bool live; } old[2];
};

struct ov_ike_peer {
	struct ov_ike_peer *next;
	struct ov_ike *e;
	struct ov_ike_conf c;		/* its PSKs in locked memory: psk below */
	uint8_t *psk;			/* ours, then at OV_IKE_PSK_MAX the other one the peer may use */
	struct ike_sa *sa;		/* the IKE SA (a message of a half-open one is handled with it here) */
	/* a responder's new IKE SA until its IKE_AUTH verifies: the one in use
	 * stays meanwhile, so a forged IKE_SA_INIT in the peer's name ends nothing */
	struct ike_sa *half;
	struct ike_sa *kept;		/* while a half-open SA's message is handled: the one in use */
	struct ike_sa *old_ike;		/* an IKE SA rekeyed: until its Delete is said and answered */
	bool trial;			/* ... so: sa is the half-open one */
	const char *state;
	uint64_t start_at;		/* the starting side's next start (0: now) */
	bool rekey_now;			/* an operator's: the Child SA rekeyed as soon as nothing else is under way */
};

struct ov_ike {
	struct ov_ike_ops ops;
	struct ov_ike_peer *peers;
	struct ov_ike_stats st;
	/* cookies (2.6): past OV_IKE_LOAD IKE_SA_INITs a second, one is answered
	 * only if it returns a cookie of ours, made with a secret renewed every
	 * OV_IKE_COOKIE_MS (the one before taken too) */
	uint8_t secret[32], secret_prev[32];
	uint64_t secret_at;
	uint64_t load_sec, load_count;	/* the second counted, IKE_SA_INITs in it */
	uint64_t load_until;		/* under load until then */
};

static uint64_t
rand64(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			abort();	/* no randomness: nothing here may go on */
	return v;
}

static void
set_state(struct ov_ike_peer *p, const char *state, const char *why)
{
	if (p->state == state && why == NULL)
		return;
	p->state = state;
	if (p->e->ops.state != NULL)
		p->e->ops.state(p->e->ops.ctx, p, state, why);
}

static void
drop(struct ov_ike *e, enum ov_ike_reason r)
{
	e->st.drop[r]++;
}

/* ------------------------------------------------------------ SAs */

static struct ike_sa *
sa_new(struct ov_ike_peer *p, bool initiator)
{
	struct ike_sa *sa = ov_keyfile_secure(sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->initiator = initiator;
	sa->dh_group = p->c.dh;
	sa->aes_bits = p->c.aes_bits;
	sa->wait_ms = OV_IKE_RETRY_MS;
	memcpy(sa->raddr, p->c.remote, 16);
	sa->rport = OV_IKE_PORT;
	return sa;
}

/* @sa let go (its Child SA said down). */
static void
sa_free(struct ov_ike_peer *p, struct ike_sa *sa)
{
	if (sa == NULL)
		return;
	if (p->e->ops.child_down != NULL) {
		if (sa->child_up)
			p->e->ops.child_down(p->e->ops.ctx, p, sa->child.spi_in, sa->child.spi_out);
		if (sa->pend_live)
			p->e->ops.child_down(p->e->ops.ctx, p, sa->pend.spi_in, sa->pend.spi_out);
		for (int i = 0; i < 2; i++)
			if (sa->old[i].live)
				p->e->ops.child_down(p->e->ops.ctx, p, sa->old[i].c.spi_in, sa->old[i].c.spi_out);
	}
	ov_ike_dh_free(sa->dh);
	ov_ike_dh_free(sa->ck_dh);
	ov_keyfile_release(sa, sizeof(*sa));
}

/* @p's IKE SA gone; the starting side starts again later. A half-open one
 * that failed (p->trial) goes alone: the one in use goes on. */
static void
sa_end(struct ov_ike_peer *p, uint64_t now_ms, const char *why)
{
	if (p->sa == NULL)
		return;
	sa_free(p, p->sa);
	p->sa = NULL;
	if (p->trial) {
		p->sa = p->kept;
		p->kept = NULL;
		p->trial = false;
		p->e->st.refused_new++;
		if (p->sa != NULL)
			return;
	}
	p->start_at = now_ms + OV_IKE_RESTART_MS;
	set_state(p, "down", why);
}

/* ------------------------------------------------------------ sending */

static void
send_sa(struct ov_ike_peer *p, const struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	p->e->st.out++;
	p->e->ops.send(p->e->ops.ctx, p, msg, len, sa->natt ? OV_IKE_NATT_PORT : OV_IKE_PORT, sa->raddr, sa->rport);
}

static void
send_raw(struct ov_ike_peer *p, const uint8_t *msg, size_t len)
{
	send_sa(p, p->sa, msg, len);
}

/* A request of ours out, kept to be sent again until answered. */
static void
request_out(struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;

	memcpy(sa->req, msg, len);
	sa->req_len = len;
	sa->req_out = true;
	sa->tries = 1;
	sa->req_at = now_ms;
	sa->wait_ms = OV_IKE_RETRY_MS;
	send_raw(p, msg, len);
}

static void
response_out(struct ov_ike_peer *p, const uint8_t *msg, size_t len)
{
	memcpy(p->sa->resp, msg, len);
	p->sa->resp_len = len;
	send_raw(p, msg, len);
}

/* An encrypted message of @exch: the chain in @inner (built with
 * ov_ike_chain_start) sealed into an SK payload. Its length in @out, or -errno. */
static int
seal_msg(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid, struct ov_ike_buf *inner, uint8_t *out)
{
	struct ov_ike_hdr h = { .spi_i = sa->spi_i, .spi_r = sa->spi_r, .exchange = exch, .msgid = msgid,
				.flags = (uint8_t)((sa->initiator ? OV_IKE_F_INITIATOR : 0) |
						   (response ? OV_IKE_F_RESPONSE : 0)) };
	struct ov_ike_buf b;
	size_t body = (size_t)inner->len + OV_IKE_SK_OVERHEAD;
	uint8_t sealed[OV_IKE_MSG_MAX];
	int rc;

	if (inner->err < 0 || OV_IKE_HDR + OV_IKE_PL_HDR + body > OV_IKE_MSG_MAX)
		return -ENOSPC;
	ov_ike_buf_init(&b, out, OV_IKE_MSG_MAX);
	ov_ike_put_hdr(&b, &h);
	ov_ike_put_sk_hdr(&b, ov_ike_chain_first(inner), body);
	/* the AAD is the header through the SK payload's header: its length final first */
	ov_ike_be32(out + 24, (uint32_t)(b.len + body));
	if ((rc = ov_ike_seal(sa->initiator ? sa->k.sk_ei : sa->k.sk_er, sa->k.enc_len, ++sa->iv, out, b.len,
			      inner->p, inner->len, sealed)) < 0)
		return rc;
	ov_ike_raw(&b, sealed, body);
	return ov_ike_end(&b);
}

/* An unencrypted response to an IKE_SA_INIT: one notify (@data: its data). */
static void
init_refusal(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_hdr *rh, const uint8_t *dst,
	     uint16_t dport, uint16_t type, const void *data, size_t len)
{
	struct ov_ike_hdr h = { .spi_i = rh->spi_i, .spi_r = 0, .exchange = OV_IKE_SA_INIT, .msgid = 0,
				.flags = OV_IKE_F_RESPONSE };
	uint8_t out[512], n[300];
	struct ov_ike_buf b;
	int nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, type, data, len);

	ov_ike_buf_init(&b, out, sizeof(out));
	ov_ike_put_hdr(&b, &h);
	if (nl > 0)
		ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	if (ov_ike_end(&b) > 0) {
		e->st.out++;
		e->ops.send(e->ops.ctx, p, out, b.len, OV_IKE_PORT, dst, dport);
	}
}

/* ------------------------------------------------------------ proposals */

static int
ike_xfs(const struct ike_sa *sa, uint16_t prf, struct ov_ike_xf *xf)
{
	xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
	xf[1] = (struct ov_ike_xf){ OV_IKE_XF_PRF, prf, 0 };
	xf[2] = (struct ov_ike_xf){ OV_IKE_XF_DH, sa->dh_group, 0 };
	return 3;
}

static int
esp_xfs(const struct ike_sa *sa, bool esn, struct ov_ike_xf *xf)
{
	xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
	xf[1] = (struct ov_ike_xf){ OV_IKE_XF_ESN, esn ? OV_IKE_ESN_YES : OV_IKE_ESN_NO, 0 };
	return 2;
}

static bool
has_xf(const struct ov_ike_prop *pr, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (unsigned int i = 0; i < pr->nxf[type]; i++)
		if (pr->xf[type][i].id == id && pr->xf[type][i].keylen == keylen)
			return true;
	return false;
}

/* The first proposal of @sa (the peer's) that has ours, with an SPI of
 * @spi_len (IKE_SA_INIT's none, a rekey's the new SA's 8): its index, or -1. */
static int
choose_ike(const struct ov_ike_sa *sa, const struct ov_ike_peer *p, uint8_t spi_len)
{
	for (size_t i = 0; i < sa->n; i++) {
		const struct ov_ike_prop *pr = &sa->prop[i];

		if (pr->proto == OV_IKE_PROTO_IKE && !pr->unknown_attr && pr->spi_len == spi_len &&
		    has_xf(pr, OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)p->c.aes_bits) &&
		    has_xf(pr, OV_IKE_XF_PRF, p->c.prf, 0) && has_xf(pr, OV_IKE_XF_DH, p->c.dh, 0) &&
		    pr->nxf[OV_IKE_XF_INTEG] == 0)
			return (int)i;
	}
	return -1;
}

/* The first ESP proposal with ours: its index (and whether it has ESN), or -1. */
static int
choose_esp(const struct ov_ike_sa *sa, const struct ov_ike_peer *p, bool *esn)
{
	for (size_t i = 0; i < sa->n; i++) {
		const struct ov_ike_prop *pr = &sa->prop[i];
		bool no = has_xf(pr, OV_IKE_XF_ESN, OV_IKE_ESN_NO, 0), yes = has_xf(pr, OV_IKE_XF_ESN, OV_IKE_ESN_YES, 0);

		if (pr->proto == OV_IKE_PROTO_ESP && !pr->unknown_attr && pr->spi_len == 4 &&
		    has_xf(pr, OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)p->c.aes_bits) &&
		    pr->nxf[OV_IKE_XF_INTEG] == 0 && pr->nxf[OV_IKE_XF_DH] <= 1 &&
		    (pr->nxf[OV_IKE_XF_DH] == 0 || pr->xf[OV_IKE_XF_DH][0].id == 0) && (no || yes)) {
			*esn = yes;	/* sxdp keeps the high half: taken when offered */
			return (int)i;
		}
	}
	return -1;
}

/* ------------------------------------------------------------ identities, AUTH */

/* Our ID payload's body (type, 3 reserved, data) into @out: its length. */
static size_t
id_body(const struct ov_ike_peer *p, bool ours, uint8_t *out)
{
	uint8_t type = ours ? p->c.id_type : p->c.rid_type;
	const uint8_t *d = ours ? p->c.id : p->c.rid;
	size_t len = ours ? p->c.id_len : p->c.rid_len;

	memset(out, 0, 4);
	if (type == 0) {
		/* the VTEP's address, of its family (4 or 16 bytes) */
		d = ov_ike_addr_wire(ours ? p->c.local : p->c.remote, &len);
		type = len == 4 ? OV_IKE_ID_IPV4_ADDR : OV_IKE_ID_IPV6_ADDR;
	}
	out[0] = type;
	memcpy(out + 4, d, len);
	return 4 + len;
}

/* The octets @initiator's side's AUTH covers (2.15) into @oct: their length (0: none). */
static size_t
octets_of(const struct ike_sa *sa, bool initiator, const uint8_t *id, size_t id_len, uint8_t *oct)
{
	const uint8_t *nonce = initiator ? (sa->initiator ? sa->pn : sa->nr) : (sa->initiator ? sa->ni : sa->pn);
	size_t nlen = initiator ? (sa->initiator ? sa->pn_len : OV_IKE_NONCE) : (sa->initiator ? OV_IKE_NONCE : sa->pn_len);

	/* the initiator signs its first message and the responder's nonce; the responder its and the initiator's */
	return ov_ike_signed_octets(&sa->k, initiator, initiator ? sa->msg1 : sa->msg2, initiator ? sa->msg1_len :
				    sa->msg2_len, nonce, nlen, id, id_len, oct);
}

/* AUTH's data for @initiator's side: PSK @alt's (0: ours, 1: the other) over its signed octets. */
static int
auth_of(struct ov_ike_peer *p, bool initiator, const uint8_t *id, size_t id_len, int alt, uint8_t *out)
{
	uint8_t oct[OV_IKE_MSG_MAX + 256 + OV_IKE_PRF_MAX];
	size_t n = octets_of(p->sa, initiator, id, id_len, oct);
	int rc = n > 0 ? ov_ike_auth_psk(&p->sa->k, p->psk + (alt ? OV_IKE_PSK_MAX : 0),
					 alt ? p->c.psk_alt_len : p->c.psk_len, oct, n, out) : -EIO;

	memset(oct, 0, sizeof(oct));
	return rc;
}

/* The peer refused our AUTH: with another PSK it may know us by, ours is
 * that one from the next IKE_AUTH on. */
static void
psk_swap(struct ov_ike_peer *p)
{
	uint8_t t[OV_IKE_PSK_MAX];
	size_t l = p->c.psk_len;

	if (p->c.psk_alt_len == 0)
		return;
	memcpy(t, p->psk, OV_IKE_PSK_MAX);
	memcpy(p->psk, p->psk + OV_IKE_PSK_MAX, OV_IKE_PSK_MAX);
	memcpy(p->psk + OV_IKE_PSK_MAX, t, OV_IKE_PSK_MAX);
	OPENSSL_cleanse(t, sizeof(t));
	p->c.psk_len = p->c.psk_alt_len;
	p->c.psk_alt_len = l;
}

/* Our AUTH payload's body (method, 3 reserved, data) into @out (4 +
 * OV_IKECERT_SIG_MAX): a PSK's, or a signature of our certificate's key
 * (RFC 7427). Its length, or -errno. */
static int
auth_make(struct ov_ike_peer *p, const uint8_t *id, size_t id_len, uint8_t *out)
{
	uint8_t oct[OV_IKE_MSG_MAX + 256 + OV_IKE_PRF_MAX];
	size_t n;
	int rc;

	memset(out, 0, 4);
	if (p->c.cert == NULL) {
		out[0] = OV_IKE_AUTH_PSK;
		return auth_of(p, p->sa->initiator, id, id_len, 0, out + 4) < 0 ? -EIO : (int)(4 + p->sa->k.prf_len);
	}
	out[0] = OV_IKE_AUTH_DIGITAL_SIGNATURE;
	n = octets_of(p->sa, p->sa->initiator, id, id_len, oct);
	rc = n > 0 ? ov_ikecert_sign(p->c.cert, oct, n, out + 4) : -EIO;
	return rc < 0 ? rc : 4 + rc;
}

/* Our certificate (a CERT payload), and with @req the anchors we take (a CERTREQ). */
static void
put_cert(struct ov_ike_buf *b, const struct ov_ike_peer *p, bool cert, bool req)
{
	uint8_t body[1 + OV_IKECERT_DER_MAX];
	const uint8_t *d;
	size_t len;

	if (p->c.cert == NULL)
		return;
	body[0] = OV_IKE_CERT_X509_SIG;
	if (cert) {
		d = ov_ikecert_der(p->c.cert, &len);
		memcpy(body + 1, d, len);
		ov_ike_put(b, OV_IKE_PL_CERT, body, 1 + len);
	}
	if (req) {
		d = ov_ikecert_req(p->c.cert, &len);
		memcpy(body + 1, d, len);
		ov_ike_put(b, OV_IKE_PL_CERTREQ, body, 1 + len);
	}
}

/* RFC 7427's SIGNATURE_HASH_ALGORITHMS (SHA2-256, -384, -512): said in
 * IKE_SA_INIT by both sides that sign, so that both use method 14. */
static void
put_sig_hashes(struct ov_ike_buf *b, const struct ov_ike_peer *p)
{
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4 };
	uint8_t n[16];
	int nl;

	if (p->c.cert != NULL &&
	    (nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_SIGNATURE_HASH_ALGORITHMS, hashes,
				     sizeof(hashes))) > 0)
		ov_ike_put(b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
}

/* ------------------------------------------------------------ selectors */

/* Does one of @tss's ranges hold @addr? Only one of its family can: the
 * other family's ranges are not the path's, whatever their bytes. */
static bool
ts_covers(const struct ov_ike_tss *tss, const uint8_t *addr)
{
	uint8_t type = ov_ike_addr_v4(addr) ? OV_IKE_TS_IPV4_ADDR_RANGE : OV_IKE_TS_IPV6_ADDR_RANGE;

	for (size_t k = 0; k < tss->n; k++)
		if (tss->ts[k].type == type && memcmp(tss->ts[k].lo, addr, 16) <= 0 &&
		    memcmp(addr, tss->ts[k].hi, 16) <= 0)
			return true;
	return false;
}

/* Do the selectors @tsi/@tsr cover the two VTEPs (the initiator's first)? */
static bool
ts_ok(const struct ov_ike_msg *m, const uint8_t *init_addr, const uint8_t *resp_addr)
{
	const struct ov_ike_pl *a = ov_ike_find(m, OV_IKE_PL_TSI), *b = ov_ike_find(m, OV_IKE_PL_TSR);
	struct ov_ike_tss ti, tr;

	if (a == NULL || b == NULL || ov_ike_read_ts(a, &ti, NULL) < 0 || ov_ike_read_ts(b, &tr, NULL) < 0)
		return false;
	return ts_covers(&ti, init_addr) && ts_covers(&tr, resp_addr);
}

/* The selectors, @init_ts the exchange's initiator's side: each one
 * address, all protocols and ports, of its family. */
static void
put_ts(struct ov_ike_buf *b, const uint8_t *init_ts, const uint8_t *resp_ts)
{
	struct ov_ike_ts ts = { .port_hi = 0xffff };
	uint8_t body[64];
	int len;

	for (int r = 0; r < 2; r++) {
		const uint8_t *a = r ? resp_ts : init_ts;

		ts.type = ov_ike_addr_v4(a) ? OV_IKE_TS_IPV4_ADDR_RANGE : OV_IKE_TS_IPV6_ADDR_RANGE;
		memcpy(ts.lo, a, 16);
		memcpy(ts.hi, a, 16);
		if ((len = ov_ike_body_ts(body, sizeof(body), &ts, 1)) > 0)
			ov_ike_put(b, r ? OV_IKE_PL_TSR : OV_IKE_PL_TSI, body, (size_t)len);
	}
}

/* ------------------------------------------------------------ IKE_SA_INIT */

static int
put_nat_d(struct ov_ike_buf *b, const struct ov_ike_peer *p, uint64_t spi_i, uint64_t spi_r)
{
	uint8_t hash[20], n[32], none[16] = { 0 };
	int nl;

	/* what this side sees as its own address and the peer's: a NAT between
	 * changes them; encapsulation asked for says an address no NAT gives
	 * (the family's unspecified one: 0.0.0.0 or ::) */
	if (ov_ike_addr_v4(p->c.local))
		none[10] = none[11] = 0xff;
	if (ov_ike_nat_hash(spi_i, spi_r, p->c.encap ? none : p->c.local, OV_IKE_PORT, hash) < 0 ||
	    (nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20)) < 0)
		return -EIO;
	ov_ike_put(b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	if (ov_ike_nat_hash(spi_i, spi_r, p->c.remote, OV_IKE_PORT, hash) < 0 ||
	    (nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_NAT_DETECTION_DESTINATION_IP, hash, 20)) < 0)
		return -EIO;
	ov_ike_put(b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	return 0;
}

/* Where an IKE_SA_INIT came from and went to. */
struct addrs {
	uint8_t src[16], dst[16];	/* as conf.local */
	uint16_t sport, dport;
};

/* After the IKE_SA_INIT exchange: is there a NAT between (the hashes of
 * what each side saw differ), or is encapsulation asked for? Then the IKE
 * SA moves to port 4500. Without the notifies, the peer does no NAT-T. */
static void
nat_detect(struct ov_ike_peer *p, const struct ov_ike_msg *m, const struct addrs *a)
{
	bool src_seen = false, src_match = false, dst_seen = false, dst_match = false;
	struct ov_ike_notify n;
	uint8_t h[20];

	for (size_t i = 0; i < m->n; i++) {
		if (m->pl[i].type != OV_IKE_PL_NOTIFY || ov_ike_read_notify(&m->pl[i], &n, NULL) < 0 || n.data_len != 20)
			continue;
		/* the peer may send several source hashes (several addresses): one matching is enough */
		if (n.type == OV_IKE_N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			src_match = src_match || (ov_ike_nat_hash(m->h.spi_i, m->h.spi_r, a->src, a->sport, h) == 0 &&
						  ov_ike_memcmp(h, n.data, 20) == 0);
		} else if (n.type == OV_IKE_N_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = true;
			dst_match = dst_match || (ov_ike_nat_hash(m->h.spi_i, m->h.spi_r, a->dst, a->dport, h) == 0 &&
						  ov_ike_memcmp(h, n.data, 20) == 0);
		}
	}
	/* it speaks NAT-T: the initiator moves to the peer's 4500 (a NAT maps it) */
	if ((src_seen || dst_seen) && ((src_seen && !src_match) || (dst_seen && !dst_match) || p->c.encap)) {
		p->sa->natt = true;
		p->sa->rport = OV_IKE_NATT_PORT;
	}
}

/* The initiator's first message (with the responder's cookie, if asked). */
static void
init_send(struct ov_ike_peer *p, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	struct ov_ike_hdr h = { .spi_i = sa->spi_i, .exchange = OV_IKE_SA_INIT, .flags = OV_IKE_F_INITIATOR };
	uint8_t body[512], ke[4 + OV_IKE_DH_MAX], n[300];
	struct ov_ike_xf xf[4];
	struct ov_ike_buf b;
	int len, nl;

	/* a resend with a cookie keeps the key pair and nonce it had */
	if (sa->dh == NULL && ov_ike_dh_new(sa->dh_group, NULL, 0, &sa->dh, sa->pub) < 0) {
		sa_end(p, now_ms, "no DH key");
		return;
	}
	ov_ike_buf_init(&b, sa->msg1, sizeof(sa->msg1));
	ov_ike_put_hdr(&b, &h);
	if (sa->cookie_len > 0 && (nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_COOKIE, sa->cookie,
							   sa->cookie_len)) > 0)
		ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, NULL, 0, xf, (size_t)ike_xfs(sa, p->c.prf, xf));
	if (len > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_be16(ke, sa->dh_group);
	ov_ike_be16(ke + 2, 0);
	memcpy(ke + 4, sa->pub, ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_KE, ke, 4 + ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_NONCE, sa->ni, OV_IKE_NONCE);
	put_sig_hashes(&b, p);
	if (put_nat_d(&b, p, sa->spi_i, 0) < 0 || (len = ov_ike_end(&b)) < 0) {
		sa_end(p, now_ms, "the first message does not fit");
		return;
	}
	sa->msg1_len = (size_t)len;
	sa->st = SA_INIT_SENT;
	sa->req_id = 0;
	request_out(p, sa->msg1, sa->msg1_len, now_ms);
}

static void
start(struct ov_ike_peer *p, uint64_t now_ms)
{
	struct ike_sa *sa = sa_new(p, true);

	if (sa == NULL)
		return;
	p->sa = sa;
	sa->spi_i = rand64();
	if (RAND_bytes(sa->ni, OV_IKE_NONCE) != 1)
		abort();
	set_state(p, "connecting", NULL);
	init_send(p, now_ms);
}

/* The KE's public value of @m, checked against our group: NULL when none or not it. */
static const uint8_t *
ke_of(const struct ov_ike_msg *m, uint16_t group, size_t *len, uint16_t *got)
{
	const struct ov_ike_pl *pl = ov_ike_find(m, OV_IKE_PL_KE);
	const uint8_t *d;

	*got = 0;
	if (pl == NULL || ov_ike_read_ke(pl, got, &d, len, NULL) < 0 || *got != group ||
	    *len != ov_ike_dh_len(group))
		return NULL;
	return d;
}

/* The peer's nonce into @sa: 0, or -EBADMSG (none, or not 16..256 bytes). */
static int
nonce_of(struct ike_sa *sa, const struct ov_ike_msg *m)
{
	const struct ov_ike_pl *pl = ov_ike_find(m, OV_IKE_PL_NONCE);

	if (pl == NULL || pl->len < 16 || pl->len > sizeof(sa->pn))
		return -EBADMSG;
	memcpy(sa->pn, pl->body, pl->len);
	sa->pn_len = pl->len;
	return 0;
}

/* Both sides' keys from the DH and the nonces. */
static int
derive(struct ike_sa *sa, const uint8_t *peer_pub, size_t len)
{
	uint8_t gir[OV_IKE_DH_MAX];
	size_t glen = 0;
	int rc;

	if ((rc = ov_ike_dh_shared(sa->dh, peer_pub, len, gir, &glen)) < 0)
		return rc;
	rc = sa->initiator ?
	     ov_ike_keys_derive(&sa->k, sa->k.prf, sa->aes_bits, NULL, gir, glen, sa->ni, OV_IKE_NONCE, sa->pn,
				sa->pn_len, sa->spi_i, sa->spi_r) :
	     ov_ike_keys_derive(&sa->k, sa->k.prf, sa->aes_bits, NULL, gir, glen, sa->pn, sa->pn_len, sa->nr,
				OV_IKE_NONCE, sa->spi_i, sa->spi_r);
	memset(gir, 0, sizeof(gir));
	ov_ike_dh_free(sa->dh);
	sa->dh = NULL;
	return rc;
}

/* A responder's IKE_SA_INIT: answered with its proposal, KE and nonce, or refused. */
static void
init_answer(struct ov_ike *e, struct ov_ike_peer *p, const uint8_t *buf, size_t len, const struct ov_ike_msg *m,
	    const struct addrs *a, uint64_t now_ms)
{
	struct ov_ike_hdr h = { .spi_i = m->h.spi_i, .exchange = OV_IKE_SA_INIT, .flags = OV_IKE_F_RESPONSE };
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA);
	uint8_t pub[OV_IKE_DH_MAX], body[512], ke[4 + OV_IKE_DH_MAX], grp[2];
	struct ov_ike_sa offer;
	struct ov_ike_xf xf[4];
	struct ov_ike_buf b;
	const uint8_t *peer_pub;
	struct ike_sa *sa;
	size_t plen;
	uint16_t got;
	int sl, rc;

	/* the same request again: the same answer */
	if (p->half != NULL && p->half->spi_i == m->h.spi_i && p->half->msg1_len == len &&
	    memcmp(p->half->msg1, buf, len) == 0) {
		send_sa(p, p->half, p->half->msg2, p->half->msg2_len);
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || choose_ike(&offer, p, 0) < 0) {
		drop(e, OV_IKE_R_no_proposal);
		init_refusal(e, p, &m->h, a->src, a->sport, OV_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if ((peer_pub = ke_of(m, p->c.dh, &plen, &got)) == NULL) {
		drop(e, OV_IKE_R_bad_ke);
		ov_ike_be16(grp, p->c.dh);
		init_refusal(e, p, &m->h, a->src, a->sport, OV_IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	if (len > OV_IKE_MSG_MAX || (sa = sa_new(p, false)) == NULL)
		return;
	sa->spi_i = m->h.spi_i;
	sa->spi_r = rand64();
	sa->k.prf = p->c.prf;
	if ((rc = nonce_of(sa, m)) < 0 || RAND_bytes(sa->nr, OV_IKE_NONCE) != 1 ||
	    ov_ike_dh_new(sa->dh_group, NULL, 0, &sa->dh, pub) < 0 || derive(sa, peer_pub, plen) < 0) {
		drop(e, rc < 0 ? OV_IKE_R_malformed : OV_IKE_R_bad_ke);
		ov_ike_dh_free(sa->dh);
		ov_keyfile_release(sa, sizeof(*sa));
		return;
	}
	memcpy(sa->msg1, buf, len);
	sa->msg1_len = len;
	h.spi_r = sa->spi_r;
	ov_ike_buf_init(&b, sa->msg2, sizeof(sa->msg2));
	ov_ike_put_hdr(&b, &h);
	sl = ov_ike_body_sa(body, sizeof(body), offer.prop[choose_ike(&offer, p, 0)].num, OV_IKE_PROTO_IKE, NULL, 0, xf,
			    (size_t)ike_xfs(sa, p->c.prf, xf));
	if (sl > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)sl);
	ov_ike_be16(ke, sa->dh_group);
	ov_ike_be16(ke + 2, 0);
	memcpy(ke + 4, pub, ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_KE, ke, 4 + ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_NONCE, sa->nr, OV_IKE_NONCE);
	/* the anchors we take: a peer sends its certificate when asked */
	put_cert(&b, p, false, true);
	put_sig_hashes(&b, p);
	if (put_nat_d(&b, p, sa->spi_i, sa->spi_r) < 0 || ov_ike_end(&b) < 0) {
		ov_keyfile_release(sa, sizeof(*sa));
		return;
	}
	sa->msg2_len = b.len;
	/* half-open until its IKE_AUTH verifies: the peer's SA in use (if any) goes on meanwhile */
	sa_free(p, p->half);
	p->half = sa;
	memcpy(sa->raddr, a->src, 16);
	sa->rport = a->sport;
	sa->st = SA_WAIT_AUTH;
	sa->peer_id = 1;
	sa->req_id = 0;
	sa->heard_at = now_ms;
	if (p->sa == NULL)
		set_state(p, "connecting", NULL);
	send_sa(p, sa, sa->msg2, sa->msg2_len);
}

/* The IKE_AUTH request (the initiator's): ID, AUTH, the Child SA's proposal and selectors. */
static void
auth_send(struct ov_ike_peer *p, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	uint8_t inner[OV_IKE_MSG_MAX], out[OV_IKE_MSG_MAX], id[4 + OV_IKE_ID_MAX], auth[4 + OV_IKECERT_SIG_MAX];
	uint8_t body[256], spi[4];
	struct ov_ike_xf xf[3];
	struct ov_ike_buf b;
	size_t il = id_body(p, true, id);
	int len, al;

	sa->child.spi_in = p->e->ops.spi(p->e->ops.ctx, p);
	if ((al = auth_make(p, id, il, auth)) < 0) {
		sa_end(p, now_ms, "AUTH could not be made");
		return;
	}
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_IDI, id, il);
	put_cert(&b, p, true, true);
	ov_ike_put(&b, OV_IKE_PL_AUTH, auth, (size_t)al);
	ov_ike_be32(spi, sa->child.spi_in);
	/* ESN offered both ways: the responder chooses */
	xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
	xf[1] = (struct ov_ike_xf){ OV_IKE_XF_ESN, OV_IKE_ESN_YES, 0 };
	xf[2] = (struct ov_ike_xf){ OV_IKE_XF_ESN, OV_IKE_ESN_NO, 0 };
	if ((len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_ESP, spi, 4, xf, 3)) > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	put_ts(&b, p->c.ts_local, p->c.ts_remote);
	if ((len = seal_msg(sa, OV_IKE_AUTH, false, 1, &b, out)) < 0) {
		sa_end(p, now_ms, "IKE_AUTH does not fit");
		return;
	}
	memset(inner, 0, sizeof(inner));
	sa->st = SA_AUTH_SENT;
	sa->req_id = 1;
	request_out(p, out, (size_t)len, now_ms);
}

/* The initiator's IKE_SA_INIT answered. */
static void
init_answered(struct ov_ike *e, struct ov_ike_peer *p, const uint8_t *buf, size_t len, const struct ov_ike_msg *m,
	      const struct addrs *a, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA);
	struct ov_ike_notify n;
	struct ov_ike_sa got;
	const uint8_t *peer_pub;
	size_t plen;
	uint16_t grp;

	if (ov_ike_find_notify(m, OV_IKE_N_COOKIE, &n) == 0 && n.data_len > 0 && n.data_len <= sizeof(sa->cookie) &&
	    sa->cookie_len == 0) {
		/* asked for a cookie: the same message again with it first */
		memcpy(sa->cookie, n.data, n.data_len);
		sa->cookie_len = n.data_len;
		sa->msg1_len = 0;
		init_send(p, now_ms);
		return;
	}
	if (ov_ike_find_notify(m, OV_IKE_N_NO_PROPOSAL_CHOSEN, &n) == 0 ||
	    ov_ike_find_notify(m, OV_IKE_N_INVALID_KE_PAYLOAD, &n) == 0) {
		/* another group is the peer's, or nothing of ours: the operator's to change */
		drop(e, OV_IKE_R_refused);
		sa_end(p, now_ms, n.type == OV_IKE_N_NO_PROPOSAL_CHOSEN ? "the peer chose none of the proposal "
		       "(NO_PROPOSAL_CHOSEN)" : "the peer wants another DH group (INVALID_KE_PAYLOAD)");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 || choose_ike(&got, p, 0) != 0) {
		drop(e, OV_IKE_R_no_proposal);
		sa_end(p, now_ms, "the peer's chosen proposal is not ours");
		return;
	}
	if ((peer_pub = ke_of(m, sa->dh_group, &plen, &grp)) == NULL || nonce_of(sa, m) < 0 || m->h.spi_r == 0) {
		drop(e, OV_IKE_R_bad_ke);
		sa_end(p, now_ms, "the peer's KE or nonce");
		return;
	}
	sa->spi_r = m->h.spi_r;
	sa->k.prf = p->c.prf;
	if (derive(sa, peer_pub, plen) < 0) {
		drop(e, OV_IKE_R_bad_ke);
		sa_end(p, now_ms, "the peer's public value");
		return;
	}
	memcpy(sa->msg2, buf, len);
	sa->msg2_len = len;
	sa->req_out = false;
	sa->heard_at = now_ms;
	nat_detect(p, m, a);
	auth_send(p, now_ms);
}

/* ------------------------------------------------------------ IKE_AUTH */

/* The peer's certificates' proof (@ad, @al: its AUTH's data, method 14)
 * over its octets: 0, or why not (untrusted_cert, auth_failed). */
static int
cert_ok(struct ov_ike_peer *p, const struct ov_ike_msg *m, const struct ov_ike_pl *idp, bool peer_initiator,
	const uint8_t *ad, size_t al)
{
	const uint8_t *certs[8];
	size_t lens[8], n = 0, ol;
	uint8_t oct[OV_IKE_MSG_MAX + 256 + OV_IKE_PRF_MAX];
	int rc;

	for (size_t i = 0; i < m->n && n < 8; i++)
		if (m->pl[i].type == OV_IKE_PL_CERT && m->pl[i].len > 1 && m->pl[i].body[0] == OV_IKE_CERT_X509_SIG) {
			certs[n] = m->pl[i].body + 1;
			lens[n++] = m->pl[i].len - 1u;
		}
	if ((ol = octets_of(p->sa, peer_initiator, idp->body, idp->len, oct)) == 0)
		return OV_IKE_R_auth_failed;
	rc = ov_ikecert_verify(p->c.cert, certs, lens, n, idp->body[0], idp->body + 4, idp->len - 4u, ad, al, oct, ol);
	return rc == 0 ? 0 : rc == -EBADMSG ? OV_IKE_R_auth_failed : OV_IKE_R_untrusted_cert;
}

/* The peer's ID is the one expected, its AUTH the PSK's over its octets
 * (or a signature by a certificate we trust that names that ID): 0, or
 * the reason it is refused. */
static int
auth_ok(struct ov_ike_peer *p, const struct ov_ike_msg *m, bool peer_initiator)
{
	const struct ov_ike_pl *idp = ov_ike_find(m, peer_initiator ? OV_IKE_PL_IDI : OV_IKE_PL_IDR);
	const struct ov_ike_pl *ap = ov_ike_find(m, OV_IKE_PL_AUTH);
	uint8_t want_id[4 + OV_IKE_ID_MAX], want[OV_IKE_PRF_MAX];
	const uint8_t *ad;
	size_t wl = id_body(p, false, want_id), al;
	uint8_t method;
	bool ok;

	if (idp == NULL || ap == NULL || ov_ike_read_auth(ap, &method, &ad, &al, NULL) < 0 || idp->len < 4)
		return OV_IKE_R_auth_failed;
	/* the ID as the peer sent it (its type, and the 3 reserved bytes) is what its AUTH covers */
	if (idp->len != wl || idp->body[0] != want_id[0] || memcmp(idp->body + 4, want_id + 4, wl - 4) != 0)
		return OV_IKE_R_auth_failed;
	if (p->c.cert != NULL)
		return method == OV_IKE_AUTH_DIGITAL_SIGNATURE ? cert_ok(p, m, idp, peer_initiator, ad, al)
							       : OV_IKE_R_auth_failed;
	if (method != OV_IKE_AUTH_PSK || al != p->sa->k.prf_len)
		return OV_IKE_R_auth_failed;
	ok = false;
	for (int alt = 0; alt < (p->c.psk_alt_len > 0 ? 2 : 1) && !ok; alt++)
		ok = auth_of(p, peer_initiator, idp->body, idp->len, alt, want) == 0 &&
		     ov_ike_memcmp(want, ad, al) == 0;
	memset(want, 0, sizeof(want));
	return ok ? 0 : OV_IKE_R_auth_failed;
}

/* The Child SA's keys: KEYMAT's first half the initiator's to the responder. */
static int
child_keys(struct ike_sa *sa)
{
	uint8_t i2r[OV_IKE_KEY_MAX], r2i[OV_IKE_KEY_MAX];
	const uint8_t *ni = sa->initiator ? sa->ni : sa->pn, *nr = sa->initiator ? sa->pn : sa->nr;
	size_t nil = sa->initiator ? OV_IKE_NONCE : sa->pn_len, nrl = sa->initiator ? sa->pn_len : OV_IKE_NONCE;
	int rc;

	sa->child.key_len = sa->aes_bits / 8 + OV_IKE_SALT;
	rc = ov_ike_child_keys(&sa->k, NULL, 0, ni, nil, nr, nrl, sa->child.key_len, i2r, r2i);
	if (rc == 0) {
		memcpy(sa->child.key_out, sa->initiator ? i2r : r2i, sa->child.key_len);
		memcpy(sa->child.key_in, sa->initiator ? r2i : i2r, sa->child.key_len);
	}
	memset(i2r, 0, sizeof(i2r));
	memset(r2i, 0, sizeof(r2i));
	return rc;
}

static void
child_ready(struct ov_ike_peer *p)
{
	struct ike_sa *sa = p->sa;

	sa->st = SA_UP;
	sa->child_up = true;
	sa->child.encap = sa->natt;
	sa->child.encap_port = sa->rport;
	sa->up_at = sa->child_at = sa->heard_at;
	p->e->st.established++;
	if (p->e->ops.child_up != NULL)
		p->e->ops.child_up(p->e->ops.ctx, p, &sa->child);
	set_state(p, "established", NULL);
}

/* An encrypted response to the peer's request @msgid of @exch: one notify, or the @inner chain. */
static void
answer_sealed(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, struct ov_ike_buf *inner)
{
	uint8_t out[OV_IKE_MSG_MAX];
	int len = seal_msg(p->sa, exch, true, msgid, inner, out);

	if (len > 0)
		response_out(p, out, (size_t)len);
}

static void
answer_notify(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, uint16_t type)
{
	uint8_t inner[64], n[8];
	struct ov_ike_buf b;
	int nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, type, NULL, 0);

	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	answer_sealed(p, exch, msgid, &b);
}

/* The responder's IKE_AUTH: the peer checked, the Child SA chosen, answered. */
static void
auth_answer(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA);
	uint8_t inner[OV_IKE_MSG_MAX], id[4 + OV_IKE_ID_MAX], auth[4 + OV_IKECERT_SIG_MAX], body[256], spi[4];
	struct ov_ike_sa offer;
	struct ov_ike_xf xf[3];
	struct ov_ike_buf b;
	size_t il;
	bool esn = false;
	int ch, len, al, why;

	if ((why = auth_ok(p, m, true)) != 0) {
		drop(e, (enum ov_ike_reason)why);
		answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_AUTHENTICATION_FAILED);
		sa_end(p, now_ms, why == OV_IKE_R_untrusted_cert ? "the peer's certificate is not trusted, or not "
		       "of its ID" : "the peer's AUTH or ID did not verify");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || (ch = choose_esp(&offer, p, &esn)) < 0) {
		drop(e, OV_IKE_R_no_proposal);
		answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_NO_PROPOSAL_CHOSEN);
		sa_end(p, now_ms, "no ESP proposal of ours");
		return;
	}
	if (!ts_ok(m, p->c.ts_remote, p->c.ts_local)) {
		drop(e, OV_IKE_R_ts_unacceptable);
		answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_TS_UNACCEPTABLE);
		sa_end(p, now_ms, "its selectors do not cover the two VTEPs");
		return;
	}
	sa->child.spi_out = ov_ike_get32(offer.prop[ch].spi);
	sa->child.spi_in = e->ops.spi(e->ops.ctx, p);
	sa->child.esn = esn;
	il = id_body(p, true, id);
	if (child_keys(sa) < 0 || (al = auth_make(p, id, il, auth)) < 0) {
		sa_end(p, now_ms, "keys could not be made");
		return;
	}
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_IDR, id, il);
	put_cert(&b, p, true, false);
	ov_ike_put(&b, OV_IKE_PL_AUTH, auth, (size_t)al);
	ov_ike_be32(spi, sa->child.spi_in);
	if ((len = ov_ike_body_sa(body, sizeof(body), offer.prop[ch].num, OV_IKE_PROTO_ESP, spi, 4, xf,
				  (size_t)esp_xfs(sa, esn, xf))) > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	/* narrowed to the two VTEPs, all protocols */
	put_ts(&b, p->c.ts_remote, p->c.ts_local);
	answer_sealed(p, OV_IKE_AUTH, m->h.msgid, &b);
	memset(inner, 0, sizeof(inner));
	child_ready(p);
}

/* The responder's AUTH refused (2.21.2): said to it once in an INFORMATIONAL
 * of AUTHENTICATION_FAILED, so that the Child SA it put up goes too. */
static void
refuse_auth(struct ov_ike_peer *p)
{
	struct ike_sa *sa = p->sa;
	uint8_t inner[16], out[OV_IKE_MSG_MAX];
	struct ov_ike_buf b;
	int nl, len;

	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	if ((nl = ov_ike_body_notify(inner + 8, 8, 0, NULL, 0, OV_IKE_N_AUTHENTICATION_FAILED, NULL, 0)) < 0)
		return;
	ov_ike_put(&b, OV_IKE_PL_NOTIFY, inner + 8, (size_t)nl);
	if ((len = seal_msg(sa, OV_IKE_INFORMATIONAL, false, sa->req_id + 1, &b, out)) > 0)
		send_raw(p, out, (size_t)len);
}

/* The initiator's IKE_AUTH answered: the responder checked, its Child SA taken. */
static void
auth_answered(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA);
	struct ov_ike_notify n;
	struct ov_ike_sa got;
	bool esn = false;
	int why;

	sa->req_out = false;
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == OV_IKE_PL_NOTIFY && ov_ike_read_notify(&m->pl[i], &n, NULL) == 0 &&
		    n.type < 16384) {
			char why[96];

			drop(e, n.type == OV_IKE_N_AUTHENTICATION_FAILED ? OV_IKE_R_auth_failed : OV_IKE_R_refused);
			if (n.type == OV_IKE_N_AUTHENTICATION_FAILED)
				psk_swap(p);
			snprintf(why, sizeof(why), "the peer refused IKE_AUTH (notify %u%s)", n.type,
				 n.type == OV_IKE_N_AUTHENTICATION_FAILED ? ": AUTHENTICATION_FAILED" :
				 n.type == OV_IKE_N_NO_PROPOSAL_CHOSEN ? ": NO_PROPOSAL_CHOSEN" :
				 n.type == OV_IKE_N_TS_UNACCEPTABLE ? ": TS_UNACCEPTABLE" : "");
			sa_end(p, now_ms, why);
			return;
		}
	if ((why = auth_ok(p, m, false)) != 0) {
		drop(e, (enum ov_ike_reason)why);
		refuse_auth(p);
		sa_end(p, now_ms, why == OV_IKE_R_untrusted_cert ? "the responder's certificate is not trusted, or "
		       "not of its ID" : "the responder's AUTH or ID did not verify");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 || choose_esp(&got, p, &esn) != 0 ||
	    got.prop[0].nxf[OV_IKE_XF_ESN] != 1) {
		drop(e, OV_IKE_R_no_proposal);
		sa_end(p, now_ms, "the responder's ESP proposal is not ours");
		return;
	}
	if (!ts_ok(m, p->c.ts_local, p->c.ts_remote)) {
		drop(e, OV_IKE_R_ts_unacceptable);
		sa_end(p, now_ms, "the responder's selectors do not cover the two VTEPs");
		return;
	}
	sa->child.spi_out = ov_ike_get32(got.prop[0].spi);
	sa->child.esn = esn;
	sa->req_id++;
	if (child_keys(sa) < 0) {
		sa_end(p, now_ms, "keys could not be made");
		return;
	}
	child_ready(p);
}

static void info_send(struct ov_ike_peer *p, struct ov_ike_buf *inner, uint64_t now_ms);

/* ------------------------------------------------------------ CREATE_CHILD_SA */

/* How long @sa's Child SA (@ike: the IKE SA) lives before this side rekeys
 * it: the side that did not start the IKE SA a quarter more, so that the
 * other's rekey comes first and the two seldom cross. */
static uint64_t
life_of(const struct ov_ike_peer *p, const struct ike_sa *sa, bool ike)
{
	uint64_t life = ike ? (p->c.ike_life_ms ? p->c.ike_life_ms : OV_IKE_LIFE_MS)
			    : (p->c.child_life_ms ? p->c.child_life_ms : OV_IKE_CHILD_LIFE_MS);

	return sa->initiator ? life : life + life / 4;
}

/* Child SA @c replaced: its SAs stay OV_IKE_GRACE_MS for what was on its way. */
static void
child_retire(struct ov_ike_peer *p, struct ike_sa *sa, const struct ov_ike_child *c, uint64_t now_ms)
{
	int i = !sa->old[0].live ? 0 : !sa->old[1].live ? 1 : sa->old[0].at <= sa->old[1].at ? 0 : 1;

	if (sa->old[i].live && p->e->ops.child_down != NULL)
		p->e->ops.child_down(p->e->ops.ctx, p, sa->old[i].c.spi_in, sa->old[i].c.spi_out);
	sa->old[i].c = *c;
	sa->old[i].at = now_ms + OV_IKE_GRACE_MS;
	sa->old[i].live = true;
}

/* The rekeyed Child SA @c in use: the one before retired. */
static void
child_replace(struct ov_ike_peer *p, struct ike_sa *sa, const struct ov_ike_child *c, uint64_t now_ms)
{
	child_retire(p, sa, &sa->child, now_ms);
	sa->child = *c;
	sa->child.in_only = false;
	sa->child_at = now_ms;
	if (p->e->ops.child_up != NULL)
		p->e->ops.child_up(p->e->ops.ctx, p, &sa->child);
}

/* Our DH key pair and nonce for a CREATE_CHILD_SA of ours. */
static int
ck_begin(struct ike_sa *sa)
{
	ov_ike_dh_free(sa->ck_dh);
	sa->ck_dh = NULL;
	if (ov_ike_dh_new(sa->dh_group, NULL, 0, &sa->ck_dh, sa->ck_pub) < 0)
		return -EIO;
	if (RAND_bytes(sa->ck_nonce, OV_IKE_NONCE) != 1)
		abort();
	return 0;
}

static void
put_ke(struct ov_ike_buf *b, uint16_t group, const uint8_t *pub)
{
	uint8_t ke[4 + OV_IKE_DH_MAX];

	ov_ike_be16(ke, group);
	ov_ike_be16(ke + 2, 0);
	memcpy(ke + 4, pub, ov_ike_dh_len(group));
	ov_ike_put(b, OV_IKE_PL_KE, ke, 4 + ov_ike_dh_len(group));
}

/* Our rekey of the Child SA (1.3.3: REKEY_SA, an ESP proposal with the DH
 * group, Ni, KEi, the selectors) or of the IKE SA (1.3.2: an IKE proposal
 * with our new SPI, Ni, KEi). */
static void
rekey_send(struct ov_ike_peer *p, bool ike, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	uint8_t inner[OV_IKE_MSG_MAX], out[OV_IKE_MSG_MAX], body[256], spi[8], n[16];
	struct ov_ike_xf xf[4];
	struct ov_ike_buf b;
	int len;

	if (ck_begin(sa) < 0)
		return;
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	if (ike) {
		sa->ck_ike_spi = rand64();
		ov_ike_be32(spi, (uint32_t)(sa->ck_ike_spi >> 32));
		ov_ike_be32(spi + 4, (uint32_t)sa->ck_ike_spi);
		len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, spi, 8, xf,
				     (size_t)ike_xfs(sa, p->c.prf, xf));
	} else {
		ov_ike_be32(spi, sa->child.spi_in);
		if ((len = ov_ike_body_notify(n, sizeof(n), OV_IKE_PROTO_ESP, spi, 4, OV_IKE_N_REKEY_SA, NULL, 0)) > 0)
			ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)len);
		sa->ck_spi = p->e->ops.spi(p->e->ops.ctx, p);
		ov_ike_be32(spi, sa->ck_spi);
		xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
		xf[1] = (struct ov_ike_xf){ OV_IKE_XF_DH, sa->dh_group, 0 };
		xf[2] = (struct ov_ike_xf){ OV_IKE_XF_ESN, sa->child.esn ? OV_IKE_ESN_YES : OV_IKE_ESN_NO, 0 };
		len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_ESP, spi, 4, xf, 3);
	}
	if (len > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_put(&b, OV_IKE_PL_NONCE, sa->ck_nonce, OV_IKE_NONCE);
	put_ke(&b, sa->dh_group, sa->ck_pub);
	if (!ike)
		put_ts(&b, p->c.ts_local, p->c.ts_remote);
	if ((len = seal_msg(sa, OV_IKE_CREATE_CHILD_SA, false, sa->req_id, &b, out)) < 0)
		return;
	memset(inner, 0, sizeof(inner));
	sa->ck = ike ? CK_IKE : CK_CHILD;
	request_out(p, out, (size_t)len, now_ms);
}

/* The first proposal of @offer of protocol @proto with our cipher and, for
 * ESP, our DH group (PFS: one without is not taken): its index, or -1. */
static int
choose_rekey(const struct ov_ike_sa *offer, const struct ov_ike_peer *p, const struct ike_sa *sa, uint8_t proto,
	     bool *esn)
{
	if (proto == OV_IKE_PROTO_IKE)
		return choose_ike(offer, p, 8);
	for (size_t i = 0; i < offer->n; i++) {
		const struct ov_ike_prop *pr = &offer->prop[i];
		bool no = has_xf(pr, OV_IKE_XF_ESN, OV_IKE_ESN_NO, 0), yes = has_xf(pr, OV_IKE_XF_ESN, OV_IKE_ESN_YES, 0);

		if (pr->proto == OV_IKE_PROTO_ESP && !pr->unknown_attr && pr->spi_len == 4 &&
		    has_xf(pr, OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits) &&
		    pr->nxf[OV_IKE_XF_INTEG] == 0 && has_xf(pr, OV_IKE_XF_DH, sa->dh_group, 0) && (no || yes)) {
			*esn = yes;
			return (int)i;
		}
	}
	return -1;
}

/* An IKE SA that replaces @old (1.3.2, 2.18): its SPIs, its keys from the
 * old one's SK_d, the new DH and the nonces; @initiator: this side started
 * the rekey, and is the new SA's initiator. The Child SAs move to it. */
static struct ike_sa *
ike_successor(struct ov_ike_peer *p, struct ike_sa *old, bool initiator, uint64_t spi_i, uint64_t spi_r,
	      const uint8_t *gir, size_t glen, const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl,
	      uint64_t now_ms)
{
	struct ike_sa *sa = sa_new(p, initiator);

	if (sa == NULL)
		return NULL;
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	sa->k.prf = old->k.prf;
	if (ov_ike_keys_derive(&sa->k, old->k.prf, old->aes_bits, old->k.sk_d, gir, glen, ni, nil, nr, nrl, spi_i,
			       spi_r) < 0) {
		ov_keyfile_release(sa, sizeof(*sa));
		return NULL;
	}
	sa->st = SA_UP;
	sa->natt = old->natt;
	memcpy(sa->raddr, old->raddr, 16);
	sa->rport = old->rport;
	sa->heard_at = now_ms;
	sa->up_at = now_ms;
	/* the Child SAs are the new IKE SA's now: the old one goes without them */
	sa->child = old->child;
	sa->child_up = old->child_up;
	sa->child_at = old->child_at;
	sa->pend = old->pend;
	sa->pend_live = old->pend_live;
	sa->pend_at = old->pend_at;
	memcpy(sa->old, old->old, sizeof(sa->old));
	old->child_up = old->pend_live = false;
	memset(old->old, 0, sizeof(old->old));
	return sa;
}

/* The old IKE SA, rekeyed: a Delete said on it once (@say: the rekey's
 * initiator's part), kept until that is answered or the peer's is said. */
static void
ike_retire(struct ov_ike_peer *p, struct ike_sa *old, bool say)
{
	uint8_t inner[16], out[OV_IKE_MSG_MAX], del[4] = { OV_IKE_PROTO_IKE, 0, 0, 0 };
	struct ov_ike_buf b;
	int len;

	if (say) {
		ov_ike_buf_init(&b, inner, sizeof(inner));
		ov_ike_chain_start(&b);
		ov_ike_put(&b, OV_IKE_PL_DELETE, del, sizeof(del));
		if ((len = seal_msg(old, OV_IKE_INFORMATIONAL, false, old->req_id, &b, out)) > 0)
			send_sa(p, old, out, (size_t)len);
	}
	sa_free(p, p->old_ike);
	p->old_ike = old;
}

/* A rekeyed Child SA's keys (2.17: KEYMAT of the new DH's @gir and the
 * exchange's nonces, the CREATE_CHILD_SA initiator's to the responder's
 * first) into @c, this side the exchange's @initiator: 0 or -errno. */
static int
rekey_keys(const struct ike_sa *sa, const uint8_t *gir, size_t glen, const uint8_t *ni, size_t nil,
	   const uint8_t *nr, size_t nrl, bool initiator, struct ov_ike_child *c)
{
	uint8_t i2r[OV_IKE_KEY_MAX], r2i[OV_IKE_KEY_MAX];
	int rc;

	c->key_len = sa->aes_bits / 8 + OV_IKE_SALT;
	if ((rc = ov_ike_child_keys(&sa->k, gir, glen, ni, nil, nr, nrl, c->key_len, i2r, r2i)) == 0) {
		memcpy(c->key_out, initiator ? i2r : r2i, c->key_len);
		memcpy(c->key_in, initiator ? r2i : i2r, c->key_len);
	}
	memset(i2r, 0, sizeof(i2r));
	memset(r2i, 0, sizeof(r2i));
	return rc;
}

/* The peer's CREATE_CHILD_SA: a rekey of the Child SA or of the IKE SA
 * (another Child SA is not taken: NO_ADDITIONAL_SAS). */
static void
rekey_answer(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa, *nsa;
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA), *np = ov_ike_find(m, OV_IKE_PL_NONCE);
	uint8_t inner[OV_IKE_MSG_MAX], body[256], spi[8], pub[OV_IKE_DH_MAX], gir[OV_IKE_DH_MAX], grp[2];
	uint8_t nr[OV_IKE_NONCE];
	struct ov_ike_child c = { 0 };
	struct ov_ike_dh *dh = NULL;
	struct ov_ike_notify rn;
	struct ov_ike_sa offer;
	struct ov_ike_xf xf[4];
	struct ov_ike_buf b;
	const uint8_t *kei;
	size_t klen, glen = 0;
	uint16_t got;
	bool ike, esn = false;
	int ch, len;

	/* one exchange at a time changes what is keyed: ours goes first (its
	 * initiator tries again later, 2.25) */
	if (sa->ck != CK_NONE || sa->pend_live) {
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || offer.n == 0 || np == NULL || np->len < 16 ||
	    np->len > 256) {
		drop(e, OV_IKE_R_malformed);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_INVALID_SYNTAX);
		return;
	}
	ike = offer.prop[0].proto == OV_IKE_PROTO_IKE;
	if (!ike && (ov_ike_find_notify(m, OV_IKE_N_REKEY_SA, &rn) < 0 || rn.proto != OV_IKE_PROTO_ESP ||
		     rn.spi_len != 4)) {
		drop(e, OV_IKE_R_no_proposal);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_NO_ADDITIONAL_SAS);
		return;
	}
	if (!ike && (!sa->child_up || ov_ike_get32(rn.spi) != sa->child.spi_out)) {
		drop(e, OV_IKE_R_unexpected);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_CHILD_SA_NOT_FOUND);
		return;
	}
	if ((ch = choose_rekey(&offer, p, sa, ike ? OV_IKE_PROTO_IKE : OV_IKE_PROTO_ESP, &esn)) < 0) {
		drop(e, OV_IKE_R_no_proposal);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if ((kei = ke_of(m, sa->dh_group, &klen, &got)) == NULL) {
		uint8_t nb[16];
		int nl;

		drop(e, OV_IKE_R_bad_ke);
		ov_ike_be16(grp, sa->dh_group);
		ov_ike_buf_init(&b, inner, sizeof(inner));
		ov_ike_chain_start(&b);
		if ((nl = ov_ike_body_notify(nb, sizeof(nb), 0, NULL, 0, OV_IKE_N_INVALID_KE_PAYLOAD, grp, 2)) > 0)
			ov_ike_put(&b, OV_IKE_PL_NOTIFY, nb, (size_t)nl);
		answer_sealed(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, &b);
		return;
	}
	if (!ike && !ts_ok(m, p->c.ts_remote, p->c.ts_local)) {
		drop(e, OV_IKE_R_ts_unacceptable);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TS_UNACCEPTABLE);
		return;
	}
	if (RAND_bytes(nr, sizeof(nr)) != 1)
		abort();
	if (ov_ike_dh_new(sa->dh_group, NULL, 0, &dh, pub) < 0 || ov_ike_dh_shared(dh, kei, klen, gir, &glen) < 0) {
		ov_ike_dh_free(dh);
		drop(e, OV_IKE_R_bad_ke);
		answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_INVALID_KE_PAYLOAD);
		return;
	}
	ov_ike_dh_free(dh);
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	if (ike) {
		uint64_t spi_r = rand64(), spi_i = (uint64_t)ov_ike_get32(offer.prop[ch].spi) << 32 |
						  ov_ike_get32(offer.prop[ch].spi + 4);

		nsa = ike_successor(p, sa, false, spi_i, spi_r, gir, glen, np->body, np->len, nr, sizeof(nr), now_ms);
		memset(gir, 0, sizeof(gir));
		if (nsa == NULL) {
			answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
			return;
		}
		ov_ike_be32(spi, (uint32_t)(spi_r >> 32));
		ov_ike_be32(spi + 4, (uint32_t)spi_r);
		len = ov_ike_body_sa(body, sizeof(body), offer.prop[ch].num, OV_IKE_PROTO_IKE, spi, 8, xf,
				     (size_t)ike_xfs(sa, p->c.prf, xf));
	} else {
		c.spi_out = ov_ike_get32(offer.prop[ch].spi);
		c.spi_in = e->ops.spi(e->ops.ctx, p);
		c.esn = esn;
		c.encap = sa->natt;
		c.encap_port = sa->rport;
		int rc = rekey_keys(sa, gir, glen, np->body, np->len, nr, sizeof(nr), false, &c);

		memset(gir, 0, sizeof(gir));
		if (rc < 0) {
			answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
			return;
		}
		ov_ike_be32(spi, c.spi_in);
		xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
		xf[1] = (struct ov_ike_xf){ OV_IKE_XF_DH, sa->dh_group, 0 };
		xf[2] = (struct ov_ike_xf){ OV_IKE_XF_ESN, esn ? OV_IKE_ESN_YES : OV_IKE_ESN_NO, 0 };
		len = ov_ike_body_sa(body, sizeof(body), offer.prop[ch].num, OV_IKE_PROTO_ESP, spi, 4, xf, 3);
		nsa = NULL;
	}
	if (len > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_put(&b, OV_IKE_PL_NONCE, nr, sizeof(nr));
	put_ke(&b, sa->dh_group, pub);
	if (!ike)
		put_ts(&b, p->c.ts_remote, p->c.ts_local);
	answer_sealed(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, &b);
	memset(inner, 0, sizeof(inner));
	if (ike) {
		/* the old IKE SA answers the peer's Delete of it, then goes (on_old) */
		p->sa = nsa;
		ike_retire(p, sa, false);
		e->st.rekeys++;
		return;
	}
	/* the new inbound SA now; its outbound once the peer deleted the old Child SA */
	c.in_only = true;
	sa->pend = c;
	sa->pend_live = true;
	sa->pend_at = now_ms;
	memset(&c, 0, sizeof(c));
	if (e->ops.child_up != NULL)
		e->ops.child_up(e->ops.ctx, p, &sa->pend);
	e->st.rekeys++;
}

/* Our CREATE_CHILD_SA answered: the new Child SA (in and out at once, the
 * old one deleted) or the new IKE SA (the old one deleted); put off or
 * refused: tried again later. */
static void
rekey_answered(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa, *nsa;
	const struct ov_ike_pl *sap = ov_ike_find(m, OV_IKE_PL_SA), *np = ov_ike_find(m, OV_IKE_PL_NONCE);
	uint8_t gir[OV_IKE_DH_MAX], inner[32], del[8];
	bool ike = sa->ck == CK_IKE, esn = false;
	struct ov_ike_child c = { 0 };
	struct ov_ike_notify n;
	struct ov_ike_sa got;
	struct ov_ike_buf b;
	const uint8_t *ker;
	size_t klen, glen = 0;
	uint16_t grp;

	sa->ck = CK_NONE;
	sa->req_out = false;
	sa->req_id++;
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == OV_IKE_PL_NOTIFY && ov_ike_read_notify(&m->pl[i], &n, NULL) == 0 &&
		    n.type < 16384) {
			/* crossed with the peer's own, or refused: again in a few seconds, or a minute */
			drop(e, OV_IKE_R_refused);
			sa->retry_at = now_ms + (n.type == OV_IKE_N_TEMPORARY_FAILURE ? 1000 + rand64() % 4000 : 60000);
			return;
		}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 ||
	    choose_rekey(&got, p, sa, ike ? OV_IKE_PROTO_IKE : OV_IKE_PROTO_ESP, &esn) != 0 || np == NULL ||
	    np->len < 16 || np->len > 256 || (ker = ke_of(m, sa->dh_group, &klen, &grp)) == NULL ||
	    (!ike && !ts_ok(m, p->c.ts_local, p->c.ts_remote)) ||
	    ov_ike_dh_shared(sa->ck_dh, ker, klen, gir, &glen) < 0) {
		drop(e, OV_IKE_R_no_proposal);
		sa->retry_at = now_ms + 60000;
		return;
	}
	ov_ike_dh_free(sa->ck_dh);
	sa->ck_dh = NULL;
	if (ike) {
		uint64_t spi_r = (uint64_t)ov_ike_get32(got.prop[0].spi) << 32 | ov_ike_get32(got.prop[0].spi + 4);

		nsa = ike_successor(p, sa, true, sa->ck_ike_spi, spi_r, gir, glen, sa->ck_nonce, OV_IKE_NONCE,
				    np->body, np->len, now_ms);
		memset(gir, 0, sizeof(gir));
		if (nsa == NULL)
			return;
		p->sa = nsa;
		ike_retire(p, sa, true);
		e->st.rekeys++;
		return;
	}
	c.spi_in = sa->ck_spi;
	c.spi_out = ov_ike_get32(got.prop[0].spi);
	c.esn = esn;
	c.encap = sa->natt;
	c.encap_port = sa->rport;
	int rc = rekey_keys(sa, gir, glen, sa->ck_nonce, OV_IKE_NONCE, np->body, np->len, true, &c);

	memset(gir, 0, sizeof(gir));
	if (rc < 0)
		return;
	/* the old Child SA deleted: ours said (its inbound SPI), the peer answers with its */
	del[0] = OV_IKE_PROTO_ESP;
	del[1] = 4;
	ov_ike_be16(del + 2, 1);
	ov_ike_be32(del + 4, sa->child.spi_in);
	child_replace(p, sa, &c, now_ms);
	memset(&c, 0, sizeof(c));
	e->st.rekeys++;
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_DELETE, del, 8);
	info_send(p, &b, now_ms);
}

/* ------------------------------------------------------------ INFORMATIONAL */

static void
info_send(struct ov_ike_peer *p, struct ov_ike_buf *inner, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	uint8_t out[OV_IKE_MSG_MAX];
	int len = seal_msg(sa, OV_IKE_INFORMATIONAL, false, sa->req_id, inner, out);

	if (len > 0)
		request_out(p, out, (size_t)len, now_ms);
}

/* The peer's INFORMATIONAL request: a liveness check, or Deletes. */
static void
info_answer(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
{
	uint8_t inner[256], del[16];
	struct ov_ike_buf b;
	struct ov_ike_notify n;
	bool ike_gone = false, child_gone = false, rotated = false;

	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	if (ov_ike_find_notify(m, OV_IKE_N_AUTHENTICATION_FAILED, &n) == 0) {
		/* the initiator refused our AUTH after we put the Child SA up (2.21.2) */
		answer_sealed(p, OV_IKE_INFORMATIONAL, m->h.msgid, &b);
		drop(e, OV_IKE_R_refused);
		psk_swap(p);
		sa_end(p, now_ms, "the peer refused our AUTH (AUTHENTICATION_FAILED)");
		return;
	}
	for (size_t i = 0; i < m->n; i++) {
		uint8_t proto, sl;
		const uint8_t *spis;
		size_t n;

		if (m->pl[i].type != OV_IKE_PL_DELETE || ov_ike_read_delete(&m->pl[i], &proto, &sl, &n, &spis, NULL) < 0)
			continue;
		if (proto == OV_IKE_PROTO_IKE)
			ike_gone = true;
		for (size_t k = 0; proto == OV_IKE_PROTO_ESP && k < n; k++) {
			uint32_t spi = ov_ike_get32(spis + 4 * k);
			struct ike_sa *sa = p->sa;

			if (sa->child_up && spi == sa->child.spi_out && sa->pend_live) {
				/* the one our rekeyed Child SA replaces: the new one sends now */
				ov_ike_be32(del + 4, sa->child.spi_in);
				child_replace(p, sa, &sa->pend, now_ms);
				sa->pend_live = false;
				memset(&sa->pend, 0, sizeof(sa->pend));
				rotated = true;
			} else if (sa->child_up && spi == sa->child.spi_out) {
				ov_ike_be32(del + 4, sa->child.spi_in);
				child_gone = true;
			}
		}
	}
	if ((child_gone || rotated) && !ike_gone) {
		/* our inbound half of it deleted too, said back */
		del[0] = OV_IKE_PROTO_ESP;
		del[1] = 4;
		ov_ike_be16(del + 2, 1);
		ov_ike_put(&b, OV_IKE_PL_DELETE, del, 8);
	}
	answer_sealed(p, OV_IKE_INFORMATIONAL, m->h.msgid, &b);
	(void)e;
	if (ike_gone || child_gone) {
		/* one Child SA per IKE SA: either gone, the IKE SA goes (the starting side starts again) */
		p->e->st.deleted++;
		sa_end(p, now_ms, ike_gone ? "the peer deleted the IKE SA" : "the peer deleted the Child SA");
	}
}

/* ------------------------------------------------------------ input */

static struct ov_ike_peer *
peer_by_addr(struct ov_ike *e, const uint8_t *src, const uint8_t *dst)
{
	for (struct ov_ike_peer *p = e->peers; p != NULL; p = p->next)
		if (memcmp(p->c.remote, src, 16) == 0 && memcmp(p->c.local, dst, 16) == 0)
			return p;
	return NULL;
}

/* The peer a datagram from @src to our @dst is of: the one of those
 * addresses, else (a NAT between: the source is the NAT's) the one peer
 * of @dst that may be behind a NAT (encap); NULL: none, or not one. */
static struct ov_ike_peer *
peer_of(struct ov_ike *e, const uint8_t *src, const uint8_t *dst)
{
	struct ov_ike_peer *p = peer_by_addr(e, src, dst), *nat = NULL;

	if (p != NULL)
		return p;
	for (p = e->peers; p != NULL; p = p->next)
		if (memcmp(p->c.local, dst, 16) == 0 && p->c.encap) {
			if (nat != NULL)
				return NULL;
			nat = p;
		}
	return nat;
}

/* The SK payload of @m opened, its chain into @inner: 0 or -EBADMSG. */
static int
open_sk(struct ike_sa *sa, const uint8_t *buf, const struct ov_ike_msg *m, uint8_t *plain, struct ov_ike_msg *inner)
{
	const struct ov_ike_pl *sk = &m->pl[m->n - 1];
	size_t plen = 0;

	if (m->sk_at == 0 || sk->type != OV_IKE_PL_SK)
		return -EBADMSG;
	/* the peer's key: the initiator's if it is the initiator */
	if (ov_ike_open(sa->initiator ? sa->k.sk_er : sa->k.sk_ei, sa->k.enc_len, buf, m->sk_at + OV_IKE_PL_HDR,
			sk->body, sk->len, plain, &plen) < 0)
		return -EBADMSG;
	memset(inner, 0, sizeof(*inner));
	inner->h = m->h;
	return ov_ike_parse_chain(plain, plen, buf[m->sk_at], inner, NULL);
}

/* An authenticated message from the peer's @sport to our @dport: where it is now. */
static void
heard(struct ike_sa *sa, const uint8_t *src, uint16_t sport, uint16_t dport, uint64_t now_ms)
{
	sa->heard_at = now_ms;
	memcpy(sa->raddr, src, 16);
	sa->rport = sport;
	if (dport == OV_IKE_NATT_PORT)
		sa->natt = true;
}

/* A cookie (2.6) for the initiator's IKE_SA_INIT @m from @a with @secret:
 * 1, then HMAC-SHA256(secret, Ni | its address (IPv4's 4 bytes, IPv6's
 * 16) | SPIi)'s first 16 bytes. */
static int
cookie_of(const uint8_t *secret, const struct ov_ike_pl *nonce, const struct addrs *a, uint64_t spi_i,
	  uint8_t out[OV_IKE_COOKIE_LEN])
{
	uint8_t mac[OV_IKE_PRF_MAX], spi[8];
	size_t al;
	const uint8_t *src = ov_ike_addr_wire(a->src, &al);
	struct iovec v[3] = { { (void *)nonce->body, nonce->len }, { (void *)src, al }, { spi, 8 } };
	int rc;

	ov_ike_be32(spi, (uint32_t)(spi_i >> 32));
	ov_ike_be32(spi + 4, (uint32_t)spi_i);
	if ((rc = ov_ike_prf(OV_IKE_PRF_HMAC_SHA2_256, secret, 32, v, 3, mac)) < 0)
		return rc;
	out[0] = 1;
	memcpy(out + 1, mac, OV_IKE_COOKIE_LEN - 1);
	return 0;
}

/* Past OV_IKE_LOAD IKE_SA_INITs a second, one goes on only when it returns
 * a cookie of ours first; the others are answered with one (no state, no
 * DH: a spoofed source never sees it). */
static bool
cookie_ok(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, const struct addrs *a,
	  uint64_t now_ms)
{
	const struct ov_ike_pl *nonce = ov_ike_find(m, OV_IKE_PL_NONCE);
	uint8_t want[OV_IKE_COOKIE_LEN], prev[OV_IKE_COOKIE_LEN];
	struct ov_ike_notify n;

	if (now_ms / 1000 != e->load_sec) {
		e->load_sec = now_ms / 1000;
		e->load_count = 0;
	}
	if (++e->load_count > OV_IKE_LOAD)
		e->load_until = now_ms + 1000;
	if (now_ms >= e->load_until || nonce == NULL)
		return true;	/* no nonce: refused as it is */
	if (e->secret_at == 0 || now_ms - e->secret_at >= OV_IKE_COOKIE_MS) {
		memcpy(e->secret_prev, e->secret, sizeof(e->secret));
		if (RAND_bytes(e->secret, sizeof(e->secret)) != 1)
			abort();
		e->secret_at = now_ms ? now_ms : 1;
	}
	if (cookie_of(e->secret, nonce, a, m->h.spi_i, want) < 0 ||
	    cookie_of(e->secret_prev, nonce, a, m->h.spi_i, prev) < 0)
		return false;
	if (m->n > 0 && m->pl[0].type == OV_IKE_PL_NOTIFY && ov_ike_read_notify(&m->pl[0], &n, NULL) == 0 &&
	    n.type == OV_IKE_N_COOKIE && n.data_len == OV_IKE_COOKIE_LEN &&
	    (ov_ike_memcmp(n.data, want, OV_IKE_COOKIE_LEN) == 0 || ov_ike_memcmp(n.data, prev, OV_IKE_COOKIE_LEN) == 0))
		return true;
	e->st.cookies_sent++;
	init_refusal(e, p, &m->h, a->src, a->sport, OV_IKE_N_COOKIE, want, OV_IKE_COOKIE_LEN);
	return false;
}

/* A message of IKE SA @sa (@p->sa): a response to our request, or the peer's request. */
static void
on_message(struct ov_ike *e, struct ov_ike_peer *p, const uint8_t *buf, size_t len, const struct ov_ike_msg *m,
	   const struct addrs *a, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	uint8_t plain[OV_IKE_MSG_MAX];
	struct ov_ike_msg in;

	/* the I flag says which side sent it: never our own role */
	if (!!(m->h.flags & OV_IKE_F_INITIATOR) == sa->initiator) {
		drop(e, OV_IKE_R_malformed);
		return;
	}
	if (m->h.flags & OV_IKE_F_RESPONSE) {
		if (!sa->req_out || m->h.msgid != sa->req_id) {
			drop(e, OV_IKE_R_bad_message_id);
			return;
		}
		if (m->h.exchange == OV_IKE_SA_INIT) {
			if (sa->st != SA_INIT_SENT)
				drop(e, OV_IKE_R_unexpected);
			else
				init_answered(e, p, buf, len, m, a, now_ms);
			return;
		}
		if (open_sk(sa, buf, m, plain, &in) < 0) {
			drop(e, OV_IKE_R_decrypt_failed);
			return;
		}
		heard(sa, a->src, a->sport, a->dport, now_ms);
		if (m->h.exchange == OV_IKE_AUTH && sa->st == SA_AUTH_SENT) {
			auth_answered(e, p, &in, now_ms);
		} else if (m->h.exchange == OV_IKE_INFORMATIONAL) {
			sa->req_out = false;
			sa->dpd_out = false;
			sa->req_id++;
		} else if (m->h.exchange == OV_IKE_CREATE_CHILD_SA && sa->ck != CK_NONE) {
			rekey_answered(e, p, &in, now_ms);
		} else {
			drop(e, OV_IKE_R_unexpected);
		}
		memset(plain, 0, sizeof(plain));
		return;
	}
	/* the peer's request: the one expected, or the last again (answered again) */
	if (m->h.msgid + 1 == sa->peer_id && sa->resp_len > 0) {
		send_raw(p, sa->resp, sa->resp_len);
		return;
	}
	if (m->h.msgid != sa->peer_id) {
		drop(e, OV_IKE_R_bad_message_id);
		return;
	}
	if (open_sk(sa, buf, m, plain, &in) < 0) {
		drop(e, OV_IKE_R_decrypt_failed);
		return;
	}
	heard(sa, a->src, a->sport, a->dport, now_ms);
	sa->peer_id++;
	if (m->h.exchange == OV_IKE_AUTH && sa->st == SA_WAIT_AUTH)
		auth_answer(e, p, &in, now_ms);
	else if (m->h.exchange == OV_IKE_INFORMATIONAL && sa->st == SA_UP)
		info_answer(e, p, &in, now_ms);
	else if (m->h.exchange == OV_IKE_CREATE_CHILD_SA && sa->st == SA_UP)
		rekey_answer(e, p, &in, now_ms);
	else
		drop(e, OV_IKE_R_unexpected);
	memset(plain, 0, sizeof(plain));
}

/* A message of the IKE SA a rekey replaced: the peer's requests (its
 * Delete of it) answered, empty; the answer to ours; then it goes. */
static void
on_old(struct ov_ike *e, struct ov_ike_peer *p, const uint8_t *buf, const struct ov_ike_msg *m,
       const struct addrs *a)
{
	struct ike_sa *old = p->old_ike;
	uint8_t plain[OV_IKE_MSG_MAX], inner[8], out[OV_IKE_MSG_MAX];
	struct ov_ike_msg in;
	struct ov_ike_buf b;
	bool gone = false;
	int len;

	(void)a;
	if (!(m->h.flags & OV_IKE_F_RESPONSE) && m->h.msgid + 1 == old->peer_id && old->resp_len > 0) {
		send_sa(p, old, old->resp, old->resp_len);
		return;
	}
	if ((m->h.flags & OV_IKE_F_RESPONSE) ? m->h.msgid != old->req_id : m->h.msgid != old->peer_id) {
		drop(e, OV_IKE_R_bad_message_id);
		return;
	}
	if (open_sk(old, buf, m, plain, &in) < 0) {
		drop(e, OV_IKE_R_decrypt_failed);
		return;
	}
	if (m->h.flags & OV_IKE_F_RESPONSE) {
		gone = true;
	} else {
		uint8_t proto, sl;
		const uint8_t *spis;
		size_t n;

		old->peer_id++;
		for (size_t i = 0; i < in.n; i++)
			gone = gone || (in.pl[i].type == OV_IKE_PL_DELETE &&
					ov_ike_read_delete(&in.pl[i], &proto, &sl, &n, &spis, NULL) == 0 &&
					proto == OV_IKE_PROTO_IKE);
		ov_ike_buf_init(&b, inner, sizeof(inner));
		ov_ike_chain_start(&b);
		if ((len = seal_msg(old, m->h.exchange, true, m->h.msgid, &b, out)) > 0) {
			memcpy(old->resp, out, (size_t)len);
			old->resp_len = (size_t)len;
			send_sa(p, old, out, (size_t)len);
		}
	}
	memset(plain, 0, sizeof(plain));
	if (gone) {
		sa_free(p, old);
		p->old_ike = NULL;
	}
}

static bool
is_of(const struct ike_sa *sa, const struct ov_ike_hdr *h)
{
	return sa != NULL && sa->spi_i == h->spi_i && (h->exchange == OV_IKE_SA_INIT || sa->spi_r == h->spi_r);
}

/* A message of the half-open SA: handled as the peer's SA, then either it
 * authenticated (it is the peer's SA now, the one before let go after its
 * Child SA is replaced: make-before-break), failed (gone: the one in use
 * goes on), or is still half-open. */
static void
on_trial(struct ov_ike *e, struct ov_ike_peer *p, const uint8_t *buf, size_t len, const struct ov_ike_msg *m,
	 const struct addrs *a, uint64_t now_ms)
{
	struct ike_sa *old;

	p->kept = p->sa;
	p->sa = p->half;
	p->half = NULL;
	p->trial = true;
	on_message(e, p, buf, len, m, a, now_ms);
	if (!p->trial)		/* it failed: sa_end put the one in use back */
		return;
	p->trial = false;
	old = p->kept;
	p->kept = NULL;
	if (p->sa->st == SA_UP) {
		sa_free(p, old);
		return;
	}
	p->half = p->sa;
	p->sa = old;
}

void
ov_ike_input(struct ov_ike *e, const uint8_t src[16], uint16_t sport, const uint8_t dst[16], uint16_t dport,
	     const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct ov_ike_peer *p = peer_of(e, src, dst);
	struct addrs a = { .sport = sport, .dport = dport };
	struct ov_ike_msg m;

	memcpy(a.src, src, 16);
	memcpy(a.dst, dst, 16);

	e->st.in++;
	if (len > OV_IKE_MSG_MAX || ov_ike_parse(buf, len, &m, NULL) < 0) {
		drop(e, OV_IKE_R_malformed);
		return;
	}
	if (p == NULL) {
		drop(e, OV_IKE_R_unknown_peer);
		return;
	}
	if (m.h.exchange == OV_IKE_SA_INIT && !(m.h.flags & OV_IKE_F_RESPONSE)) {
		if (m.h.spi_r != 0 || m.h.msgid != 0 || !(m.h.flags & OV_IKE_F_INITIATOR))
			drop(e, OV_IKE_R_malformed);
		else if (cookie_ok(e, p, &m, &a, now_ms))
			init_answer(e, p, buf, len, &m, &a, now_ms);
		return;
	}
	if (is_of(p->sa, &m.h))
		on_message(e, p, buf, len, &m, &a, now_ms);
	else if (is_of(p->half, &m.h))
		on_trial(e, p, buf, len, &m, &a, now_ms);
	else if (is_of(p->old_ike, &m.h))
		on_old(e, p, buf, &m, &a);
	else
		drop(e, OV_IKE_R_unknown_spi);
}

/* ------------------------------------------------------------ time */

void
ov_ike_tick(struct ov_ike *e, uint64_t now_ms)
{
	for (struct ov_ike_peer *p = e->peers; p != NULL; p = p->next) {
		struct ike_sa *sa = p->sa;

		/* a responder's half-open SA whose initiator never finished: gone after the same patience */
		if (p->half != NULL && now_ms - p->half->heard_at > (uint64_t)OV_IKE_RETRY_MS << OV_IKE_TRIES) {
			sa_free(p, p->half);
			p->half = NULL;
			if (sa == NULL)
				set_state(p, "down", "the initiator did not finish");
		}
		/* a rekeyed IKE SA whose Delete nobody answered */
		if (p->old_ike != NULL && now_ms - p->old_ike->heard_at > (uint64_t)OV_IKE_RETRY_MS << OV_IKE_TRIES) {
			sa_free(p, p->old_ike);
			p->old_ike = NULL;
		}
		if (sa == NULL) {
			if (p->c.start && now_ms >= p->start_at)
				start(p, now_ms);
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (sa->old[i].live && now_ms >= sa->old[i].at) {
				sa->old[i].live = false;
				if (e->ops.child_down != NULL)
					e->ops.child_down(e->ops.ctx, p, sa->old[i].c.spi_in, sa->old[i].c.spi_out);
			}
		/* the peer rekeyed but never deleted the old Child SA: the new one sends all the same */
		if (sa->pend_live && now_ms - sa->pend_at >= OV_IKE_PEND_MS) {
			child_replace(p, sa, &sa->pend, now_ms);
			sa->pend_live = false;
		}
		if (sa->req_out && now_ms - sa->req_at >= sa->wait_ms) {
			if (sa->tries >= OV_IKE_TRIES) {
				e->st.dead++;
				sa_end(p, now_ms, sa->dpd_out ? "the peer stopped answering (dead peer detection)" :
				       "the peer did not answer");
				continue;
			}
			sa->tries++;
			sa->req_at = now_ms;
			sa->wait_ms *= 2;
			e->st.retransmits++;
			send_raw(p, sa->req, sa->req_len);
			continue;
		}

		if (sa->st == SA_UP && !sa->req_out && sa->ck == CK_NONE && !sa->pend_live && now_ms >= sa->retry_at) {
			if (now_ms - sa->up_at >= life_of(p, sa, true)) {
				rekey_send(p, true, now_ms);
				continue;
			}
			if (sa->child_up && (p->rekey_now || now_ms - sa->child_at >= life_of(p, sa, false))) {
				p->rekey_now = false;
				rekey_send(p, false, now_ms);
				continue;
			}
		}
		if (sa->st == SA_UP && !sa->req_out && p->c.dpd_ms > 0 && now_ms - sa->heard_at >= p->c.dpd_ms) {
			uint8_t inner[8];
			struct ov_ike_buf b;

			ov_ike_buf_init(&b, inner, sizeof(inner));
			ov_ike_chain_start(&b);
			sa->dpd_out = true;
			info_send(p, &b, now_ms);
		}
	}
}

/* ------------------------------------------------------------ peers */

struct ov_ike *
ov_ike_new(const struct ov_ike_ops *ops)
{
	struct ov_ike *e = calloc(1, sizeof(*e));

	if (e != NULL)
		e->ops = *ops;
	return e;
}

static void
peer_free(struct ov_ike_peer *p, uint64_t now_ms)
{
	sa_free(p, p->half);
	p->half = NULL;
	sa_free(p, p->old_ike);
	p->old_ike = NULL;
	sa_end(p, now_ms, NULL);
	ov_keyfile_release(p->psk, 2 * OV_IKE_PSK_MAX);
	free(p);
}

void
ov_ike_free(struct ov_ike *e)
{
	if (e == NULL)
		return;
	while (e->peers != NULL) {
		struct ov_ike_peer *p = e->peers;

		e->peers = p->next;
		peer_free(p, 0);
	}
	free(e);
}

int
ov_ike_peer_add(struct ov_ike *e, const struct ov_ike_conf *c, struct ov_ike_peer **out)
{
	static const uint8_t none[16];
	bool v4 = ov_ike_addr_v4(c->local);
	struct ov_ike_peer *p;

	/* one family: the IKE SA's, its ID's and its selectors' (all zero: the VTEPs) */
	if (ov_ike_addr_v4(c->remote) != v4 ||
	    (memcmp(c->ts_local, none, 16) != 0 && ov_ike_addr_v4(c->ts_local) != v4) ||
	    (memcmp(c->ts_remote, none, 16) != 0 && ov_ike_addr_v4(c->ts_remote) != v4))
		return -EINVAL;
	if ((c->psk_len == 0 && c->cert == NULL) || c->psk_len > OV_IKE_PSK_MAX || c->psk_alt_len > OV_IKE_PSK_MAX || c->id_len > OV_IKE_ID_MAX || c->rid_len > OV_IKE_ID_MAX ||
	    (c->aes_bits != 0 && c->aes_bits != 128 && c->aes_bits != 256) ||
	    (c->dh != 0 && ov_ike_dh_len(c->dh) == 0) || (c->prf != 0 && ov_ike_prf_len(c->prf) == 0) ||
	    peer_by_addr(e, c->remote, c->local) != NULL)
		return -EINVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	if ((p->psk = ov_keyfile_secure(2 * OV_IKE_PSK_MAX)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->e = e;
	p->c = *c;
	memcpy(p->psk, c->psk, c->psk_len);
	memcpy(p->psk + OV_IKE_PSK_MAX, c->psk_alt, c->psk_alt_len);
	memset(p->c.psk, 0, sizeof(p->c.psk));	/* only in locked memory */
	memset(p->c.psk_alt, 0, sizeof(p->c.psk_alt));
	if (p->c.dh == 0)
		p->c.dh = OV_IKE_DH_CURVE25519;
	if (p->c.prf == 0)
		p->c.prf = OV_IKE_PRF_HMAC_SHA2_256;
	if (p->c.aes_bits == 0)
		p->c.aes_bits = 256;
	if (memcmp(p->c.ts_local, none, 16) == 0)
		memcpy(p->c.ts_local, p->c.local, 16);
	if (memcmp(p->c.ts_remote, none, 16) == 0)
		memcpy(p->c.ts_remote, p->c.remote, 16);
	p->state = "down";
	p->next = e->peers;
	e->peers = p;
	*out = p;
	return 0;
}

void
ov_ike_peer_del(struct ov_ike *e, struct ov_ike_peer *p, uint64_t now_ms)
{
	struct ov_ike_peer **pp;

	for (pp = &e->peers; *pp != NULL && *pp != p; pp = &(*pp)->next)
		;
	if (*pp == NULL)
		return;
	*pp = p->next;
	if (p->sa != NULL && p->sa->st == SA_UP && !p->sa->req_out) {
		uint8_t inner[16], del[4] = { OV_IKE_PROTO_IKE, 0, 0, 0 };
		struct ov_ike_buf b;

		/* said once: nobody waits for its answer */
		ov_ike_buf_init(&b, inner, sizeof(inner));
		ov_ike_chain_start(&b);
		ov_ike_put(&b, OV_IKE_PL_DELETE, del, sizeof(del));
		info_send(p, &b, now_ms);
	}
	peer_free(p, now_ms);
}

void
ov_ike_peer_tune(struct ov_ike_peer *p, const struct ov_ike_conf *c)
{
	p->c.start = c->start;
	p->c.dpd_ms = c->dpd_ms;
	p->c.child_life_ms = c->child_life_ms;
	p->c.ike_life_ms = c->ike_life_ms;
	if (c->psk_len > 0 && c->psk_len <= OV_IKE_PSK_MAX && c->psk_alt_len <= OV_IKE_PSK_MAX) {
		memcpy(p->psk, c->psk, c->psk_len);
		memcpy(p->psk + OV_IKE_PSK_MAX, c->psk_alt, c->psk_alt_len);
		p->c.psk_len = c->psk_len;
		p->c.psk_alt_len = c->psk_alt_len;
	}
}

void
ov_ike_rekey_now(struct ov_ike_peer *p)
{
	p->rekey_now = true;
}

const char *
ov_ike_peer_name(const struct ov_ike_peer *p)
{
	return p->c.name;
}

const char *
ov_ike_peer_state(const struct ov_ike_peer *p)
{
	return p->state;
}

const struct ov_ike_stats *
ov_ike_stats(const struct ov_ike *e)
{
	return &e->st;
}
