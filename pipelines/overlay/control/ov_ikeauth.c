/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikeauth (see ov_ikeauth.h): the IDs and AUTH payloads of the ov_ike engine, made and checked. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ov_ikeauth.h"
#include "ov_ikesa.h"

size_t
ov_ikeauth_id_body(const struct ov_ike_peer *p, bool ours, uint8_t *out)
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

void
ov_ikeauth_psk_swap(struct ov_ike_peer *p)
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

int
ov_ikeauth_make(struct ov_ike_peer *p, const uint8_t *id, size_t id_len, uint8_t *out)
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

void
ov_ikeauth_put_cert(struct ov_ike_buf *b, const struct ov_ike_peer *p, bool cert, bool req)
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

void
ov_ikeauth_put_sig_hashes(struct ov_ike_buf *b, const struct ov_ike_peer *p)
{
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4 };
	uint8_t n[16];
	int nl;

	if (p->c.cert != NULL &&
	    (nl = ov_ike_body_notify(n, sizeof(n), 0, NULL, 0, OV_IKE_N_SIGNATURE_HASH_ALGORITHMS, hashes,
				     sizeof(hashes))) > 0)
		ov_ike_put(b, OV_IKE_PL_NOTIFY, n, (size_t)nl);
}

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

int
ov_ikeauth_ok(struct ov_ike_peer *p, const struct ov_ike_msg *m, bool peer_initiator)
{
	const struct ov_ike_pl *idp = ov_ike_find(m, peer_initiator ? OV_IKE_PL_IDI : OV_IKE_PL_IDR);
	const struct ov_ike_pl *ap = ov_ike_find(m, OV_IKE_PL_AUTH);
	uint8_t want_id[4 + OV_IKE_ID_MAX], want[OV_IKE_PRF_MAX];
	const uint8_t *ad;
	size_t wl = ov_ikeauth_id_body(p, false, want_id), al;
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
