/* Loss repair per class: a class whose policy says `copies` is sent on
 * that many paths at once, a class whose policy says `fec` carries an XOR
 * parity after every block of k frames; the receiving site takes the
 * first copy of each frame (a sequence window per sending stream) and
 * rebuilds a block's one lost frame from its parity. The wire is
 * GENEVE's repair option (ov_tun.h); what the workers keep: the sending
 * streams and FEC encoders (each worker its own), the receive windows
 * (shared: a frame's copies come in on different WAN ports, so on
 * different workers, and the window is taken with compare-and-swap) and
 * the FEC decoders (each worker its own: a stream's frames leave from
 * one source port, so the far end's RSS puts them on one queue). */
#ifndef OV_REPAIR_H
#define OV_REPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "ov_state.h"
#include "ov_tun.h"

/* A policy's repair params, as the policies table lays them out after its
 * action's own (where: ov_repair_off). copies: 0 or 1 one path, 2..
 * OV_REPAIR_COPIES_MAX that many; fec: 0 off, 1 adaptive to the path's
 * loss (ov_repair_fec_adapt), 2..OV_REP_K_MAX a block of that many always. */
struct ov_repair_cfg {
	uint8_t copies;
	uint8_t fec;
};
#define OV_REPAIR_COPIES_MAX 4
#define OV_REPAIR_FEC_ADAPTIVE 1
/* Adaptive FEC: on once the path's long-run loss reaches ON (per mille),
 * off again only under OFF (a loss that hovers at the threshold does not
 * flap it); while on, blocks of 4, 3 and 2 as the loss grows. */
#define OV_REPAIR_FEC_ON_PM 2
#define OV_REPAIR_FEC_OFF_PM 1
/* The longest inner frame a FEC block protects: a longer one (jumbo) is
 * sent unprotected, in no block. */
#define OV_REPAIR_FEC_BUF 2048

extern uint16_t ov_repair_off[OV_POLICY_NONE];
/* Some policy repairs a class: the encap fast path declines every burst
 * (its caches know no copies). Main lcore writes, workers read. */
extern bool ov_repair_any;

/* The repair a policies entry asks for, or NULL (none: the usual case). */
static inline const struct ov_repair_cfg *
ov_repair_of(const struct dp_entry *pe)
{
	const struct ov_repair_cfg *r;

	if (pe->action >= OV_POLICY_NONE)
		return NULL;
	r = (const struct ov_repair_cfg *)(pe->params + ov_repair_off[pe->action]);
	return r->copies > 1 || r->fec != 0 ? r : NULL;
}

/* Adaptive FEC's block on a path whose block is cur (0: off) and whose
 * long-run loss is loss_pm (UINT16_MAX: unmeasured, a BFD path). The
 * prober's, once a judgement (ov_path_live.fec_k). */
static inline uint8_t
ov_repair_fec_adapt(uint8_t cur, uint16_t loss_pm)
{
	if (loss_pm == UINT16_MAX || loss_pm < (cur != 0 ? OV_REPAIR_FEC_OFF_PM : OV_REPAIR_FEC_ON_PM))
		return 0;
	return loss_pm < 20 ? 4 : loss_pm < 80 ? 3 : 2;
}

/* FEC's k for a class's fec param on a path whose adaptive block is
 * live_k: 0 for none. */
static inline uint8_t
ov_repair_fec_k(uint8_t fec, uint8_t live_k)
{
	return fec >= 2 ? fec : fec == OV_REPAIR_FEC_ADAPTIVE ? live_k : 0;
}

/* The sequence window's verdict on seq v (seq + 1, never 0) over the
 * slot's value o (0: empty), both of one slot (equal modulo the window
 * w): take it (*lost: numbers of this slot passed over, never seen), a
 * copy already taken, or older than the window. Pure: unit-tested. */
enum { OV_REPAIR_TAKE, OV_REPAIR_DUP, OV_REPAIR_LATE };
static inline int
ov_repair_judge(uint32_t o, uint32_t v, uint32_t w, uint32_t *lost)
{
	int32_t d = (int32_t)(v - o);

	*lost = 0;
	if (o == 0)
		return OV_REPAIR_TAKE;
	if (d == 0)
		return OV_REPAIR_DUP;
	if (d < 0)
		return OV_REPAIR_LATE;
	*lost = (uint32_t)d / w - 1;
	return OV_REPAIR_TAKE;
}

int ov_repair_init(unsigned int workers);
/* The streams, windows and blocks alone, without the policies' layout
 * (bench/repair_bench.c measures the receiving side on them). */
int ov_repair_state_init(unsigned int workers);
void ov_repair_fini(void);
/* Main lcore, after a write to the policies: ov_repair_any anew. */
void ov_repair_policies_done(void);

struct dp_stage_ctx;
struct rte_mbuf;
/* A worker's sending stream of a (tunnel, class). */
struct ov_repair_tx;
/* encap, a frame m of a repaired class (rc) of tunnel on its first path
 * pid: its repair option (numbered in its stream; in a FEC block where
 * rc asks, by the path's loss, and it fits one), and its stream. */
struct ov_repair_tx *ov_repair_number(struct dp_stage_ctx *ctx, uint32_t tunnel, uint16_t class,
				      const struct ov_repair_cfg *rc, uint16_t pid, const struct rte_mbuf *m,
				      struct ov_tun_rep *rep);
/* The frame numbered in a block (its rep's k), f its len bytes as they
 * go, into its block's XOR: true when that made the block whole, with
 * the parity's option in *par and its bytes (*buf, *plen: the worker's,
 * good until its stream's next frame). */
bool ov_repair_block_add(struct ov_repair_tx *tx, const uint8_t *f, uint32_t len, struct ov_tun_rep *par,
			 const uint8_t **buf, uint16_t *plen);
/* decap, a datagram with the repair option rep from tunnel (the peer's),
 * its inner frame (or parity) at off, len bytes: 0 to take it in (a
 * parity that rebuilt its block's lost frame is now that frame: the
 * datagram's UDP length says its new length), or a drop reason. */
unsigned int ov_repair_recv(struct dp_stage_ctx *ctx, struct rte_mbuf *m, uint32_t off, uint32_t len,
			    uint32_t tunnel, const struct ov_tun_rep *rep);

#endif
