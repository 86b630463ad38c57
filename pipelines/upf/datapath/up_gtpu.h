/* GTP-U as the UPF reads it off the wire: the parser hook it registers for
 * UDP port 2152 (the core parser names no GTP-U) and the per-packet fields
 * that hook fills, a field of the upf's own in the private area's line
 * after dp_meta (dp_meta_field_claim). */
#ifndef UP_GTPU_H
#define UP_GTPU_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "dp_meta.h"
#include "gtp.h"

/* What the hook found in a GTP-U message (valid under up_is_gtpu()): 8
 * bytes in dp_meta's cache line, which the parser writes anyway (the
 * mbuf's dynamic field room is full). The TEID is dp_meta.tun_key
 * (software RSS spreads on it); the GTP-U header is at l4_off + 8. */
struct up_gtpu {
	uint16_t inner_off;      /* G-PDU: its T-PDU, from the start of the packet (0: not a G-PDU) */
	uint8_t msg;             /* GTP message type */
	uint8_t qfi;             /* PDU Session Container's, 0 if none */
	uint8_t pdu_type;        /* GTPU_PDU_TYPE_DL, _UL, or _NONE when absent */
	uint8_t xunk;            /* an extension header that must be understood and is not: its
				  * type (TS 29.281 5.2.1; nonzero: they all have the top bit) */
	uint8_t inner;           /* 1: the T-PDU is IPv4 or IPv6 with its header whole */
	uint8_t pad;
};

/* Its place: the first bytes after struct dp_meta, in the line every
 * stage reads, claimed at init (dp_meta_field_claim): a constant, so that
 * upf.in's every read of it computes no offset. */
#define UP_GTPU_OFF (sizeof(struct rte_mbuf) + sizeof(struct dp_meta))
_Static_assert(UP_GTPU_OFF % __alignof__(struct up_gtpu) == 0, "struct up_gtpu's alignment");

static inline struct up_gtpu *
up_gtpu(const struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, UP_GTPU_OFF, struct up_gtpu *);
}

/* Is this GTP-U the hook took (a valid header that fits its datagram)? */
static inline bool
up_is_gtpu(const struct dp_meta *md)
{
	return (md->flags & DP_MF_TUN) && md->dport == GTPU_UDP_PORT;
}

/* Where its GTP-U header is (up_is_gtpu()). */
static inline uint16_t
up_gtpu_hdr_off(const struct dp_meta *md)
{
	return (uint16_t)(md->l4_off + 8);
}


/* The upf's init: its field, then the hook for port 2152; fini
 * takes the hook away. 0 or -errno. */
int up_gtpu_init(void);
void up_gtpu_fini(void);

#endif
