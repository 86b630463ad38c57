/* SPDX-License-Identifier: BSD-3-Clause */
/* A PFCP session's rules (PDR, FAR, QER, URR, BAR) as a compact C model, built from a
 * Session Establishment Request and rebuilt by each Modification Request, with every
 * semantic check the codec (pf_codec) cannot do. Pure C: no I/O, no daemon state but the
 * interned names below; single-threaded (sxcd's loop).
 *
 * Input is a message pf_decode() accepted (its shapes, lengths and IE counts are checked
 * there). A session is one heap block (the struct, then its exactly-sized arrays), so it
 * costs pf_sess_bytes() and is freed with one pf_sess_free().
 *
 * A Modification never changes the current session: it builds a new one, so the caller
 * installs the new one whole or keeps the old (TS 29.244 7.5.4: all or nothing). */
#ifndef PF_SESS_H
#define PF_SESS_H

#include "pf_stypes.h"

/* Session Establishment Request (m->hdr.type PF_SESS_EST_REQ) to a new session: 0, or
 * -EINVAL with *f filled (the session not made), -ENOMEM (f: 75 No resources). */
int pf_sess_establish(const struct pf_msg *m, struct pf_session **out, struct pf_fail *f);

/* Session Modification Request applied onto a copy of @cur: 0 with *out the new session
 * and *x what else to do, or -EINVAL / -ENOMEM with *f (nothing made). @cur is never
 * changed. Order within the message: Remove, then Create, then Update (so a rule id may
 * be removed and created again in one message), then the references are checked. */
int pf_sess_modify(const struct pf_session *cur, const struct pf_msg *m, struct pf_session **out,
	struct pf_mod *x, struct pf_fail *f);

void pf_sess_free(struct pf_session *s);
/* the heap the session holds (its block), for the memory per session */
size_t pf_sess_bytes(const struct pf_session *s);

/* A session as a self-contained byte string, for sxcd's journal (pf_store): a format
 * octet (1), the fields that are not zero as varints or raw octets, the names as strings
 * (each once per session), a CRC32C at the end. Compact (a typical session, 2 PDRs, 2
 * FARs, a QER, a URR, 708 bytes in memory, packs into 133; ~250 ns) and fast (no
 * allocation). pf_sess_pack: the bytes written, or with @buf NULL the size it needs;
 * -ENOSPC when @size is short (nothing useful written). Round trip exact: every field
 * equal, names equal, the same pf_sess_bytes(). Byte order and address family numbers
 * are this host's: a journal moves with its machine, not across architectures. */
int pf_sess_pack(const struct pf_session *s, uint8_t *buf, size_t size);
/* The session @b packed: 0 with *out a new session (names interned in this process), or
 * -EINVAL for anything malformed: another format octet, a CRC mismatch (so any one
 * octet changed), a prefix or trailing bytes, a count or length past the bounds above,
 * ids not strictly increasing, a PDR's FAR/QER/URR or a FAR's BAR that is not there, a
 * field out of the range pf_sess_establish allows (interfaces, OHR, Apply Action, OHC,
 * gates, QFI, measurement method, flow descriptions' shape); -ENOMEM (no memory, or the
 * name table full). Uses static scratch: one caller at a time (sxcd's loop). */
int pf_sess_unpack(const uint8_t *b, size_t len, struct pf_session **out);

/* lookups by rule id (binary search): NULL when none */
struct pf_pdr *pf_sess_pdr(const struct pf_session *s, uint16_t id);
struct pf_far *pf_sess_far(const struct pf_session *s, uint32_t id);
struct pf_qer *pf_sess_qer(const struct pf_session *s, uint32_t id);
struct pf_urr *pf_sess_urr(const struct pf_session *s, uint32_t id);

/* An interned name ("" for 0 or an id not in use). Ids are counted references held by
 * sessions: valid while a session holding them lives (do not keep them past it). */
const char *pf_sess_name(uint16_t id);
/* the id of a name in use, 0 when none (to compare a session's ni with a known one) */
uint16_t pf_sess_name_id(const char *name);
/* names in use */
unsigned pf_sess_names_used(void);

/* What each check answers (cause / offending IE / Failed Rule ID; the rule is given with
 * 73 only, as TS 29.244 7.5.3 has it):
 *   rule id repeated in the message or already in the session   73 / the Create IE / the rule
 *   Remove or Update of a rule not in the session  73 / the Remove/Update IE / the rule
 *   PDR naming a FAR/QER/URR not in the session after the message: 73 / FAR/QER/URR ID /
 *     the PDR, or the removed FAR/QER/URR when this message removed it
 *   Create PDR without FAR ID                     66 / FAR ID
 *   PDI without Source Interface                  66 / Source Interface
 *   Source Interface > 4, Destination Interface > 5   69 / that IE
 *   Outer Header Removal not 0, 1 or 6            73 / Outer Header Removal / the PDR
 *   F-TEID with CH and a (non-zero) TEID/address, CHID without CH, or without CH and
 *     without an address                          69 / F-TEID
 *   UE IP Address with CHV6 asking a prefix other than a /64 (IPv6D, IP6PL not 64)
 *                                                 73 / UE IP Address / the PDR
 *   UE IP Address twice for one family (an address or CHV4/CHV6)  69 / UE IP Address
 *   UE IP address Pool Identity not printable ASCII, empty or too long  69 / that IE
 *   SDF Filter whose Flow Description pf_flow_parse refuses  73 / SDF Filter / the PDR
 *   SDF Filter with ToS/Traffic Class, SPI or Flow Label (not matched), a UE side with
 *     ports, or a UE side address holding none of the session's UE addresses (the UE
 *     side is not matched)                        73 / SDF Filter / the PDR
 *   Network Instance / Application ID unusable (too long, a NUL)  69 / that IE
 *   Apply Action not FORW, DROP, BUFF, BUFF|NOCP or NOCP: other bits (DUPL, IPMA,
 *     IPMD, DFRT, EDRT, BDPN, DDPN, FSSM, MBSU: features not advertised), none, or two
 *     of FORW/DROP/BUFF                           73 / Apply Action / the FAR
 *   FORW without Forwarding Parameters            67 / Forwarding Parameters
 *   Forwarding Policy (none is configured)        70 / Forwarding Policy
 *   Transport Level Marking whose mask is not the whole DSCP (0xfc)  73 / TLM / the FAR
 *   FORW without Destination Interface            66 / Destination Interface
 *   Outer Header Creation not GTP-U/UDP/IPv4 or /IPv6 (incl. both)  73 / OHC / the FAR
 *   FAR naming a BAR the session does not have (after the message)  73 / BAR ID / the FAR
 *   Create BAR with a BAR there, Update/Remove BAR of another id   73 / that IE / the BAR
 *   Gate Status other than open/closed per direction   69 / Gate Status
 *   Measurement Method EVENT                      73 / Measurement Method / the URR
 *   Reporting Triggers past PERIO, VOLTH, TIMTH, VOLQU, TIMQU, QUVTI, START, STOPT, LIUSA (PF_RT_DONE)
 *                                                 73 / Reporting Triggers / the URR
 *   a Linked URR ID naming itself or no URR of the session  73 / Linked URR ID / the URR
 *   Measurement Information past MNOP, ISTM and MBQE (measured after the QERs)
 *                                                 73 / Measurement Information / the URR
 *   Quota Holding Time not 0 (no QUHTI report)    73 / Quota Holding Time / the URR
 *   more rules than the bounds above              75 / the Create IE
 *   out of memory                                 75 / -
 *   not the message type the function takes       64 / -
 * (Known IEs whose skipping would change forwarding are refused by the codec first: 76,
 * pf_codec.h's pf_unsup.)
 */

#endif
