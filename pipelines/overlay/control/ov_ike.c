/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ike (see ov_ike.h): the IKE_SA_INIT, IKE_AUTH and INFORMATIONAL exchanges of each peer, in either role; the
 * CREATE_CHILD_SA exchanges are ov_ikerekey.c's, the IDs and AUTH ov_ikeauth.c's, on what ov_ikesa.h shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/rand.h>

#include "ov_ike.h"
#include "ov_ikeauth.h"
#include "ov_ikerekey.h"
#include "ov_ikesa.h"
#include "ov_keyfile.h"

const char *const ov_ike_reason_name[OV_IKE_R_MAX] = {
#define OV_IKE_R_NAME(n, d) #n,
	OV_IKE_REASONS(OV_IKE_R_NAME)
#undef OV_IKE_R_NAME
};

uint64_t
ov_ikesa_rand64(void)
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

void
ov_ikesa_drop(struct ov_ike *e, enum ov_ike_reason r)
{
	e->st.drop[r]++;
}

/* ------------------------------------------------------------ SAs */

struct ike_sa *
ov_ikesa_new(struct ov_ike_peer *p, bool initiator)
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

void
ov_ikesa_free(struct ov_ike_peer *p, struct ike_sa *sa)
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
	ov_ikesa_free(p, p->sa);
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

void
ov_ikesa_send(struct ov_ike_peer *p, const struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	p->e->st.out++;
	p->e->ops.send(p->e->ops.ctx, p, msg, len, sa->natt ? OV_IKE_NATT_PORT : OV_IKE_PORT, sa->raddr, sa->rport);
}

static void
send_raw(struct ov_ike_peer *p, const uint8_t *msg, size_t len)
{
	ov_ikesa_send(p, p->sa, msg, len);
}

void
ov_ikesa_request_out(struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint64_t now_ms)
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

int
ov_ikesa_seal_msg(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid, struct ov_ike_buf *inner,
		  uint8_t *out)
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

int
ov_ikesa_ike_xfs(const struct ike_sa *sa, uint16_t prf, struct ov_ike_xf *xf)
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

int
ov_ikesa_choose_rekey(const struct ov_ike_sa *offer, const struct ov_ike_peer *p, const struct ike_sa *sa,
		      uint8_t proto, bool *esn)
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

bool
ov_ikesa_ts_ok(const struct ov_ike_msg *m, const uint8_t *init_addr, const uint8_t *resp_addr)
{
	const struct ov_ike_pl *a = ov_ike_find(m, OV_IKE_PL_TSI), *b = ov_ike_find(m, OV_IKE_PL_TSR);
	struct ov_ike_tss ti, tr;

	if (a == NULL || b == NULL || ov_ike_read_ts(a, &ti, NULL) < 0 || ov_ike_read_ts(b, &tr, NULL) < 0)
		return false;
	return ts_covers(&ti, init_addr) && ts_covers(&tr, resp_addr);
}

void
ov_ikesa_put_ts(struct ov_ike_buf *b, const uint8_t *init_ts, const uint8_t *resp_ts)
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
	len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, NULL, 0, xf,
			     (size_t)ov_ikesa_ike_xfs(sa, p->c.prf, xf));
	if (len > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_be16(ke, sa->dh_group);
	ov_ike_be16(ke + 2, 0);
	memcpy(ke + 4, sa->pub, ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_KE, ke, 4 + ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_NONCE, sa->ni, OV_IKE_NONCE);
	ov_ikeauth_put_sig_hashes(&b, p);
	if (put_nat_d(&b, p, sa->spi_i, 0) < 0 || (len = ov_ike_end(&b)) < 0) {
		sa_end(p, now_ms, "the first message does not fit");
		return;
	}
	sa->msg1_len = (size_t)len;
	sa->st = SA_INIT_SENT;
	sa->req_id = 0;
	ov_ikesa_request_out(p, sa->msg1, sa->msg1_len, now_ms);
}

static void
start(struct ov_ike_peer *p, uint64_t now_ms)
{
	struct ike_sa *sa = ov_ikesa_new(p, true);

	if (sa == NULL)
		return;
	p->sa = sa;
	sa->spi_i = ov_ikesa_rand64();
	if (RAND_bytes(sa->ni, OV_IKE_NONCE) != 1)
		abort();
	set_state(p, "connecting", NULL);
	init_send(p, now_ms);
}

const uint8_t *
ov_ikesa_ke_of(const struct ov_ike_msg *m, uint16_t group, size_t *len, uint16_t *got)
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
		ov_ikesa_send(p, p->half, p->half->msg2, p->half->msg2_len);
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || choose_ike(&offer, p, 0) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		init_refusal(e, p, &m->h, a->src, a->sport, OV_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if ((peer_pub = ov_ikesa_ke_of(m, p->c.dh, &plen, &got)) == NULL) {
		ov_ikesa_drop(e, OV_IKE_R_bad_ke);
		ov_ike_be16(grp, p->c.dh);
		init_refusal(e, p, &m->h, a->src, a->sport, OV_IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	if (len > OV_IKE_MSG_MAX || (sa = ov_ikesa_new(p, false)) == NULL)
		return;
	sa->spi_i = m->h.spi_i;
	sa->spi_r = ov_ikesa_rand64();
	sa->k.prf = p->c.prf;
	if ((rc = nonce_of(sa, m)) < 0 || RAND_bytes(sa->nr, OV_IKE_NONCE) != 1 ||
	    ov_ike_dh_new(sa->dh_group, NULL, 0, &sa->dh, pub) < 0 || derive(sa, peer_pub, plen) < 0) {
		ov_ikesa_drop(e, rc < 0 ? OV_IKE_R_malformed : OV_IKE_R_bad_ke);
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
			    (size_t)ov_ikesa_ike_xfs(sa, p->c.prf, xf));
	if (sl > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)sl);
	ov_ike_be16(ke, sa->dh_group);
	ov_ike_be16(ke + 2, 0);
	memcpy(ke + 4, pub, ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_KE, ke, 4 + ov_ike_dh_len(sa->dh_group));
	ov_ike_put(&b, OV_IKE_PL_NONCE, sa->nr, OV_IKE_NONCE);
	/* the anchors we take: a peer sends its certificate when asked */
	ov_ikeauth_put_cert(&b, p, false, true);
	ov_ikeauth_put_sig_hashes(&b, p);
	if (put_nat_d(&b, p, sa->spi_i, sa->spi_r) < 0 || ov_ike_end(&b) < 0) {
		ov_keyfile_release(sa, sizeof(*sa));
		return;
	}
	sa->msg2_len = b.len;
	/* half-open until its IKE_AUTH verifies: the peer's SA in use (if any) goes on meanwhile */
	ov_ikesa_free(p, p->half);
	p->half = sa;
	memcpy(sa->raddr, a->src, 16);
	sa->rport = a->sport;
	sa->st = SA_WAIT_AUTH;
	sa->peer_id = 1;
	sa->req_id = 0;
	sa->heard_at = now_ms;
	if (p->sa == NULL)
		set_state(p, "connecting", NULL);
	ov_ikesa_send(p, sa, sa->msg2, sa->msg2_len);
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
	size_t il = ov_ikeauth_id_body(p, true, id);
	int len, al;

	sa->child.spi_in = p->e->ops.spi(p->e->ops.ctx, p);
	if ((al = ov_ikeauth_make(p, id, il, auth)) < 0) {
		sa_end(p, now_ms, "AUTH could not be made");
		return;
	}
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_IDI, id, il);
	ov_ikeauth_put_cert(&b, p, true, true);
	ov_ike_put(&b, OV_IKE_PL_AUTH, auth, (size_t)al);
	ov_ike_be32(spi, sa->child.spi_in);
	/* ESN offered both ways: the responder chooses */
	xf[0] = (struct ov_ike_xf){ OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, (uint16_t)sa->aes_bits };
	xf[1] = (struct ov_ike_xf){ OV_IKE_XF_ESN, OV_IKE_ESN_YES, 0 };
	xf[2] = (struct ov_ike_xf){ OV_IKE_XF_ESN, OV_IKE_ESN_NO, 0 };
	if ((len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_ESP, spi, 4, xf, 3)) > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ikesa_put_ts(&b, p->c.ts_local, p->c.ts_remote);
	if ((len = ov_ikesa_seal_msg(sa, OV_IKE_AUTH, false, 1, &b, out)) < 0) {
		sa_end(p, now_ms, "IKE_AUTH does not fit");
		return;
	}
	memset(inner, 0, sizeof(inner));
	sa->st = SA_AUTH_SENT;
	sa->req_id = 1;
	ov_ikesa_request_out(p, out, (size_t)len, now_ms);
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
		ov_ikesa_drop(e, OV_IKE_R_refused);
		sa_end(p, now_ms, n.type == OV_IKE_N_NO_PROPOSAL_CHOSEN ? "the peer chose none of the proposal "
		       "(NO_PROPOSAL_CHOSEN)" : "the peer wants another DH group (INVALID_KE_PAYLOAD)");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 || choose_ike(&got, p, 0) != 0) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		sa_end(p, now_ms, "the peer's chosen proposal is not ours");
		return;
	}
	if ((peer_pub = ov_ikesa_ke_of(m, sa->dh_group, &plen, &grp)) == NULL || nonce_of(sa, m) < 0 ||
	    m->h.spi_r == 0) {
		ov_ikesa_drop(e, OV_IKE_R_bad_ke);
		sa_end(p, now_ms, "the peer's KE or nonce");
		return;
	}
	sa->spi_r = m->h.spi_r;
	sa->k.prf = p->c.prf;
	if (derive(sa, peer_pub, plen) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_bad_ke);
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

void
ov_ikesa_answer_sealed(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, struct ov_ike_buf *inner)
{
	uint8_t out[OV_IKE_MSG_MAX];
	int len = ov_ikesa_seal_msg(p->sa, exch, true, msgid, inner, out);

	if (len > 0)
		response_out(p, out, (size_t)len);
}

void
ov_ikesa_answer_notify(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, uint16_t type)
{
	uint8_t inner[64], n[8];
	struct ov_ike_buf b;
	int nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, type, NULL, 0);

	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
	ov_ikesa_answer_sealed(p, exch, msgid, &b);
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

	if ((why = ov_ikeauth_ok(p, m, true)) != 0) {
		ov_ikesa_drop(e, (enum ov_ike_reason)why);
		ov_ikesa_answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_AUTHENTICATION_FAILED);
		sa_end(p, now_ms, why == OV_IKE_R_untrusted_cert ? "the peer's certificate is not trusted, or not "
		       "of its ID" : "the peer's AUTH or ID did not verify");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || (ch = choose_esp(&offer, p, &esn)) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		ov_ikesa_answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_NO_PROPOSAL_CHOSEN);
		sa_end(p, now_ms, "no ESP proposal of ours");
		return;
	}
	if (!ov_ikesa_ts_ok(m, p->c.ts_remote, p->c.ts_local)) {
		ov_ikesa_drop(e, OV_IKE_R_ts_unacceptable);
		ov_ikesa_answer_notify(p, OV_IKE_AUTH, m->h.msgid, OV_IKE_N_TS_UNACCEPTABLE);
		sa_end(p, now_ms, "its selectors do not cover the two VTEPs");
		return;
	}
	sa->child.spi_out = ov_ike_get32(offer.prop[ch].spi);
	sa->child.spi_in = e->ops.spi(e->ops.ctx, p);
	sa->child.esn = esn;
	il = ov_ikeauth_id_body(p, true, id);
	if (child_keys(sa) < 0 || (al = ov_ikeauth_make(p, id, il, auth)) < 0) {
		sa_end(p, now_ms, "keys could not be made");
		return;
	}
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_IDR, id, il);
	ov_ikeauth_put_cert(&b, p, true, false);
	ov_ike_put(&b, OV_IKE_PL_AUTH, auth, (size_t)al);
	ov_ike_be32(spi, sa->child.spi_in);
	if ((len = ov_ike_body_sa(body, sizeof(body), offer.prop[ch].num, OV_IKE_PROTO_ESP, spi, 4, xf,
				  (size_t)esp_xfs(sa, esn, xf))) > 0)
		ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	/* narrowed to the two VTEPs, all protocols */
	ov_ikesa_put_ts(&b, p->c.ts_remote, p->c.ts_local);
	ov_ikesa_answer_sealed(p, OV_IKE_AUTH, m->h.msgid, &b);
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
	if ((len = ov_ikesa_seal_msg(sa, OV_IKE_INFORMATIONAL, false, sa->req_id + 1, &b, out)) > 0)
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

			ov_ikesa_drop(e, n.type == OV_IKE_N_AUTHENTICATION_FAILED ? OV_IKE_R_auth_failed :
				      OV_IKE_R_refused);
			if (n.type == OV_IKE_N_AUTHENTICATION_FAILED)
				ov_ikeauth_psk_swap(p);
			snprintf(why, sizeof(why), "the peer refused IKE_AUTH (notify %u%s)", n.type,
				 n.type == OV_IKE_N_AUTHENTICATION_FAILED ? ": AUTHENTICATION_FAILED" :
				 n.type == OV_IKE_N_NO_PROPOSAL_CHOSEN ? ": NO_PROPOSAL_CHOSEN" :
				 n.type == OV_IKE_N_TS_UNACCEPTABLE ? ": TS_UNACCEPTABLE" : "");
			sa_end(p, now_ms, why);
			return;
		}
	if ((why = ov_ikeauth_ok(p, m, false)) != 0) {
		ov_ikesa_drop(e, (enum ov_ike_reason)why);
		refuse_auth(p);
		sa_end(p, now_ms, why == OV_IKE_R_untrusted_cert ? "the responder's certificate is not trusted, or "
		       "not of its ID" : "the responder's AUTH or ID did not verify");
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 || choose_esp(&got, p, &esn) != 0 ||
	    got.prop[0].nxf[OV_IKE_XF_ESN] != 1) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		sa_end(p, now_ms, "the responder's ESP proposal is not ours");
		return;
	}
	if (!ov_ikesa_ts_ok(m, p->c.ts_local, p->c.ts_remote)) {
		ov_ikesa_drop(e, OV_IKE_R_ts_unacceptable);
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

/* ------------------------------------------------------------ INFORMATIONAL */

void
ov_ikesa_info_send(struct ov_ike_peer *p, struct ov_ike_buf *inner, uint64_t now_ms)
{
	struct ike_sa *sa = p->sa;
	uint8_t out[OV_IKE_MSG_MAX];
	int len = ov_ikesa_seal_msg(sa, OV_IKE_INFORMATIONAL, false, sa->req_id, inner, out);

	if (len > 0)
		ov_ikesa_request_out(p, out, (size_t)len, now_ms);
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
		ov_ikesa_answer_sealed(p, OV_IKE_INFORMATIONAL, m->h.msgid, &b);
		ov_ikesa_drop(e, OV_IKE_R_refused);
		ov_ikeauth_psk_swap(p);
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
				ov_ikerekey_child_replace(p, sa, &sa->pend, now_ms);
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
	ov_ikesa_answer_sealed(p, OV_IKE_INFORMATIONAL, m->h.msgid, &b);
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
		ov_ikesa_drop(e, OV_IKE_R_malformed);
		return;
	}
	if (m->h.flags & OV_IKE_F_RESPONSE) {
		if (!sa->req_out || m->h.msgid != sa->req_id) {
			ov_ikesa_drop(e, OV_IKE_R_bad_message_id);
			return;
		}
		if (m->h.exchange == OV_IKE_SA_INIT) {
			if (sa->st != SA_INIT_SENT)
				ov_ikesa_drop(e, OV_IKE_R_unexpected);
			else
				init_answered(e, p, buf, len, m, a, now_ms);
			return;
		}
		if (open_sk(sa, buf, m, plain, &in) < 0) {
			ov_ikesa_drop(e, OV_IKE_R_decrypt_failed);
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
			ov_ikerekey_answered(e, p, &in, now_ms);
		} else {
			ov_ikesa_drop(e, OV_IKE_R_unexpected);
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
		ov_ikesa_drop(e, OV_IKE_R_bad_message_id);
		return;
	}
	if (open_sk(sa, buf, m, plain, &in) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_decrypt_failed);
		return;
	}
	heard(sa, a->src, a->sport, a->dport, now_ms);
	sa->peer_id++;
	if (m->h.exchange == OV_IKE_AUTH && sa->st == SA_WAIT_AUTH)
		auth_answer(e, p, &in, now_ms);
	else if (m->h.exchange == OV_IKE_INFORMATIONAL && sa->st == SA_UP)
		info_answer(e, p, &in, now_ms);
	else if (m->h.exchange == OV_IKE_CREATE_CHILD_SA && sa->st == SA_UP)
		ov_ikerekey_answer(e, p, &in, now_ms);
	else
		ov_ikesa_drop(e, OV_IKE_R_unexpected);
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
		ov_ikesa_send(p, old, old->resp, old->resp_len);
		return;
	}
	if ((m->h.flags & OV_IKE_F_RESPONSE) ? m->h.msgid != old->req_id : m->h.msgid != old->peer_id) {
		ov_ikesa_drop(e, OV_IKE_R_bad_message_id);
		return;
	}
	if (open_sk(old, buf, m, plain, &in) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_decrypt_failed);
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
		if ((len = ov_ikesa_seal_msg(old, m->h.exchange, true, m->h.msgid, &b, out)) > 0) {
			memcpy(old->resp, out, (size_t)len);
			old->resp_len = (size_t)len;
			ov_ikesa_send(p, old, out, (size_t)len);
		}
	}
	memset(plain, 0, sizeof(plain));
	if (gone) {
		ov_ikesa_free(p, old);
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
		ov_ikesa_free(p, old);
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
		ov_ikesa_drop(e, OV_IKE_R_malformed);
		return;
	}
	if (p == NULL) {
		ov_ikesa_drop(e, OV_IKE_R_unknown_peer);
		return;
	}
	if (m.h.exchange == OV_IKE_SA_INIT && !(m.h.flags & OV_IKE_F_RESPONSE)) {
		if (m.h.spi_r != 0 || m.h.msgid != 0 || !(m.h.flags & OV_IKE_F_INITIATOR))
			ov_ikesa_drop(e, OV_IKE_R_malformed);
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
		ov_ikesa_drop(e, OV_IKE_R_unknown_spi);
}

/* ------------------------------------------------------------ time */

void
ov_ike_tick(struct ov_ike *e, uint64_t now_ms)
{
	for (struct ov_ike_peer *p = e->peers; p != NULL; p = p->next) {
		struct ike_sa *sa = p->sa;

		/* a responder's half-open SA whose initiator never finished: gone after the same patience */
		if (p->half != NULL && now_ms - p->half->heard_at > (uint64_t)OV_IKE_RETRY_MS << OV_IKE_TRIES) {
			ov_ikesa_free(p, p->half);
			p->half = NULL;
			if (sa == NULL)
				set_state(p, "down", "the initiator did not finish");
		}
		/* a rekeyed IKE SA whose Delete nobody answered */
		if (p->old_ike != NULL && now_ms - p->old_ike->heard_at > (uint64_t)OV_IKE_RETRY_MS << OV_IKE_TRIES) {
			ov_ikesa_free(p, p->old_ike);
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
			ov_ikerekey_child_replace(p, sa, &sa->pend, now_ms);
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
			if (now_ms - sa->up_at >= ov_ikerekey_life_of(p, sa, true)) {
				ov_ikerekey_send(p, true, now_ms);
				continue;
			}
			if (sa->child_up &&
			    (p->rekey_now || now_ms - sa->child_at >= ov_ikerekey_life_of(p, sa, false))) {
				p->rekey_now = false;
				ov_ikerekey_send(p, false, now_ms);
				continue;
			}
		}
		if (sa->st == SA_UP && !sa->req_out && p->c.dpd_ms > 0 && now_ms - sa->heard_at >= p->c.dpd_ms) {
			uint8_t inner[8];
			struct ov_ike_buf b;

			ov_ike_buf_init(&b, inner, sizeof(inner));
			ov_ike_chain_start(&b);
			sa->dpd_out = true;
			ov_ikesa_info_send(p, &b, now_ms);
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
	ov_ikesa_free(p, p->half);
	p->half = NULL;
	ov_ikesa_free(p, p->old_ike);
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
		ov_ikesa_info_send(p, &b, now_ms);
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
