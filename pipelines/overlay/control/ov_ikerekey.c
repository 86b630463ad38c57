/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikerekey (see ov_ikerekey.h): the CREATE_CHILD_SA exchanges of the ov_ike engine, either side's rekey of the Child SA or of the IKE SA, make-before-break. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ov_ikerekey.h"
#include "ov_ikesa.h"
#include "ov_keyfile.h"

uint64_t
ov_ikerekey_life_of(const struct ov_ike_peer *p, const struct ike_sa *sa, bool ike)
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

void
ov_ikerekey_child_replace(struct ov_ike_peer *p, struct ike_sa *sa, const struct ov_ike_child *c, uint64_t now_ms)
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

void
ov_ikerekey_send(struct ov_ike_peer *p, bool ike, uint64_t now_ms)
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
		sa->ck_ike_spi = ov_ikesa_rand64();
		ov_ike_be32(spi, (uint32_t)(sa->ck_ike_spi >> 32));
		ov_ike_be32(spi + 4, (uint32_t)sa->ck_ike_spi);
		len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, spi, 8, xf,
				     (size_t)ov_ikesa_ike_xfs(sa, p->c.prf, xf));
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
		ov_ikesa_put_ts(&b, p->c.ts_local, p->c.ts_remote);
	if ((len = ov_ikesa_seal_msg(sa, OV_IKE_CREATE_CHILD_SA, false, sa->req_id, &b, out)) < 0)
		return;
	memset(inner, 0, sizeof(inner));
	sa->ck = ike ? CK_IKE : CK_CHILD;
	ov_ikesa_request_out(p, out, (size_t)len, now_ms);
}
/* An IKE SA that replaces @old (1.3.2, 2.18): its SPIs, its keys from the
 * old one's SK_d, the new DH and the nonces; @initiator: this side started
 * the rekey, and is the new SA's initiator. The Child SAs move to it. */
static struct ike_sa *
ike_successor(struct ov_ike_peer *p, struct ike_sa *old, bool initiator, uint64_t spi_i, uint64_t spi_r,
	      const uint8_t *gir, size_t glen, const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl,
	      uint64_t now_ms)
{
	struct ike_sa *sa = ov_ikesa_new(p, initiator);

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
		if ((len = ov_ikesa_seal_msg(old, OV_IKE_INFORMATIONAL, false, old->req_id, &b, out)) > 0)
			ov_ikesa_send(p, old, out, (size_t)len);
	}
	ov_ikesa_free(p, p->old_ike);
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

void
ov_ikerekey_answer(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
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
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
		return;
	}
	if (sap == NULL || ov_ike_read_sa(sap, &offer, NULL) < 0 || offer.n == 0 || np == NULL || np->len < 16 ||
	    np->len > 256) {
		ov_ikesa_drop(e, OV_IKE_R_malformed);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_INVALID_SYNTAX);
		return;
	}
	ike = offer.prop[0].proto == OV_IKE_PROTO_IKE;
	if (!ike && (ov_ike_find_notify(m, OV_IKE_N_REKEY_SA, &rn) < 0 || rn.proto != OV_IKE_PROTO_ESP ||
		     rn.spi_len != 4)) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_NO_ADDITIONAL_SAS);
		return;
	}
	if (!ike && (!sa->child_up || ov_ike_get32(rn.spi) != sa->child.spi_out)) {
		ov_ikesa_drop(e, OV_IKE_R_unexpected);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_CHILD_SA_NOT_FOUND);
		return;
	}
	if ((ch = ov_ikesa_choose_rekey(&offer, p, sa, ike ? OV_IKE_PROTO_IKE : OV_IKE_PROTO_ESP, &esn)) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if ((kei = ov_ikesa_ke_of(m, sa->dh_group, &klen, &got)) == NULL) {
		uint8_t nb[16];
		int nl;

		ov_ikesa_drop(e, OV_IKE_R_bad_ke);
		ov_ike_be16(grp, sa->dh_group);
		ov_ike_buf_init(&b, inner, sizeof(inner));
		ov_ike_chain_start(&b);
		if ((nl = ov_ike_body_notify(nb, sizeof(nb), 0, NULL, 0, OV_IKE_N_INVALID_KE_PAYLOAD, grp, 2)) > 0)
			ov_ike_put(&b, OV_IKE_PL_NOTIFY, nb, (size_t)nl);
		ov_ikesa_answer_sealed(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, &b);
		return;
	}
	if (!ike && !ov_ikesa_ts_ok(m, p->c.ts_remote, p->c.ts_local)) {
		ov_ikesa_drop(e, OV_IKE_R_ts_unacceptable);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TS_UNACCEPTABLE);
		return;
	}
	if (RAND_bytes(nr, sizeof(nr)) != 1)
		abort();
	if (ov_ike_dh_new(sa->dh_group, NULL, 0, &dh, pub) < 0 || ov_ike_dh_shared(dh, kei, klen, gir, &glen) < 0) {
		ov_ike_dh_free(dh);
		ov_ikesa_drop(e, OV_IKE_R_bad_ke);
		ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_INVALID_KE_PAYLOAD);
		return;
	}
	ov_ike_dh_free(dh);
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	if (ike) {
		uint64_t spi_r = ov_ikesa_rand64(), spi_i = (uint64_t)ov_ike_get32(offer.prop[ch].spi) << 32 |
						  ov_ike_get32(offer.prop[ch].spi + 4);

		nsa = ike_successor(p, sa, false, spi_i, spi_r, gir, glen, np->body, np->len, nr, sizeof(nr), now_ms);
		memset(gir, 0, sizeof(gir));
		if (nsa == NULL) {
			ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
			return;
		}
		ov_ike_be32(spi, (uint32_t)(spi_r >> 32));
		ov_ike_be32(spi + 4, (uint32_t)spi_r);
		len = ov_ike_body_sa(body, sizeof(body), offer.prop[ch].num, OV_IKE_PROTO_IKE, spi, 8, xf,
				     (size_t)ov_ikesa_ike_xfs(sa, p->c.prf, xf));
	} else {
		c.spi_out = ov_ike_get32(offer.prop[ch].spi);
		c.spi_in = e->ops.spi(e->ops.ctx, p);
		c.esn = esn;
		c.encap = sa->natt;
		c.encap_port = sa->rport;
		int rc = rekey_keys(sa, gir, glen, np->body, np->len, nr, sizeof(nr), false, &c);

		memset(gir, 0, sizeof(gir));
		if (rc < 0) {
			ov_ikesa_answer_notify(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, OV_IKE_N_TEMPORARY_FAILURE);
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
		ov_ikesa_put_ts(&b, p->c.ts_remote, p->c.ts_local);
	ov_ikesa_answer_sealed(p, OV_IKE_CREATE_CHILD_SA, m->h.msgid, &b);
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

void
ov_ikerekey_answered(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms)
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
			ov_ikesa_drop(e, OV_IKE_R_refused);
			sa->retry_at = now_ms + (n.type == OV_IKE_N_TEMPORARY_FAILURE ?
						 1000 + ov_ikesa_rand64() % 4000 : 60000);
			return;
		}
	if (sap == NULL || ov_ike_read_sa(sap, &got, NULL) < 0 || got.n != 1 ||
	    ov_ikesa_choose_rekey(&got, p, sa, ike ? OV_IKE_PROTO_IKE : OV_IKE_PROTO_ESP, &esn) != 0 || np == NULL ||
	    np->len < 16 || np->len > 256 || (ker = ov_ikesa_ke_of(m, sa->dh_group, &klen, &grp)) == NULL ||
	    (!ike && !ov_ikesa_ts_ok(m, p->c.ts_local, p->c.ts_remote)) ||
	    ov_ike_dh_shared(sa->ck_dh, ker, klen, gir, &glen) < 0) {
		ov_ikesa_drop(e, OV_IKE_R_no_proposal);
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
	ov_ikerekey_child_replace(p, sa, &c, now_ms);
	memset(&c, 0, sizeof(c));
	e->st.rekeys++;
	ov_ike_buf_init(&b, inner, sizeof(inner));
	ov_ike_chain_start(&b);
	ov_ike_put(&b, OV_IKE_PL_DELETE, del, 8);
	ov_ikesa_info_send(p, &b, now_ms);
}
