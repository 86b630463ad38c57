/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikeauth: who each side of the ov_ike engine's IKE SAs is and how it proves it (RFC 7296 2.15, 3.5-3.8; RFC 7427): the ID payloads, AUTH made and checked with the PSKs or the certificates (ov_ikecert), CERT and CERTREQ; ov_ike.c's IKE_SA_INIT and IKE_AUTH put them in. */
#ifndef OV_IKEAUTH_H
#define OV_IKEAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ov_ike_buf;
struct ov_ike_msg;
struct ov_ike_peer;

/* Our ID payload's body (type, 3 reserved, data) into @out: its length. */
size_t ov_ikeauth_id_body(const struct ov_ike_peer *p, bool ours, uint8_t *out);
/* Our AUTH payload's body (method, 3 reserved, data) into @out (4 +
 * OV_IKECERT_SIG_MAX): a PSK's, or a signature of our certificate's key
 * (RFC 7427). Its length, or -errno. */
int ov_ikeauth_make(struct ov_ike_peer *p, const uint8_t *id, size_t id_len, uint8_t *out);
/* The peer's ID is the one expected, its AUTH the PSK's over its octets
 * (or a signature by a certificate we trust that names that ID): 0, or
 * the reason it is refused. */
int ov_ikeauth_ok(struct ov_ike_peer *p, const struct ov_ike_msg *m, bool peer_initiator);
/* The peer refused our AUTH: with another PSK it may know us by, ours is
 * that one from the next IKE_AUTH on. */
void ov_ikeauth_psk_swap(struct ov_ike_peer *p);
/* Our certificate (a CERT payload), and with @req the anchors we take (a CERTREQ). */
void ov_ikeauth_put_cert(struct ov_ike_buf *b, const struct ov_ike_peer *p, bool cert, bool req);
/* RFC 7427's SIGNATURE_HASH_ALGORITHMS (SHA2-256, -384, -512): said in
 * IKE_SA_INIT by both sides that sign, so that both use method 14. */
void ov_ikeauth_put_sig_hashes(struct ov_ike_buf *b, const struct ov_ike_peer *p);

#endif
