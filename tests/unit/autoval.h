/* The autovalidator's registry (OVS's dpif/miniflow autovalidator, for
 * sxdp's stages): a stage with a general path and fast paths registers
 * here, and tests/unit/test_autoval.c runs every implementation this CPU
 * has over the same packets (its fuzz corpus, the committed frames of
 * tests/unit/autoval_frames.pcap, random mutations of both), in bursts
 * of several sizes, and fails on the first packet whose next or metadata
 * differs from the general path's. A later fast path (a switch stage's
 * header checks, the upf's classification) adds one file like
 * autoval_parse.c to the test_autoval executable in tests/meson.build. */
#ifndef AUTOVAL_H
#define AUTOVAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_fastcheck.h"
#include "dp_feature.h"
#include "dp_table.h"

struct av_stage {
	const char *name;
	const char *corpus;              /* tests/fuzz/corpus/<corpus>, or NULL */
	int (*setup)(void);              /* once, before any run: hooks, tables (0 or -errno) */
	unsigned int n_impls;            /* impl 0 is the general path, the reference */
	const char *(*impl_name)(unsigned int impl);
	bool (*usable)(unsigned int impl);   /* built and this CPU has it (NULL: every one) */
	int (*force)(unsigned int impl);     /* the stage's test hook: run impl from now on */
	/* Optional: the impl with a bug planted on purpose (0: none), which
	 * the check must catch (a difference found passes, none fails): the
	 * proof that the stage's inputs reach what its fast path decides. */
	unsigned int planted;
	/* What the stages ahead leave in m before this one (a feature's
	 * stage: the parser's metadata, with m->port as the rx port); false:
	 * they drop it, so the stage never sees it (not run). NULL: the
	 * packet as received. Must not depend on the implementation forced. */
	bool (*prepare)(struct rte_mbuf *m);
	dp_stage_fn run;                 /* the stage, on the implementation forced */
	/* Optional: a fast path that takes whole bursts of one shape (one
	 * port, one VLAN, to one MAC) needs inputs of that shape in runs.
	 * Mutates b (len bytes, room for cap) keeping what makes its shape;
	 * its new length, or 0: b is not of that shape (none made of it).
	 * Each input of the shape gets MUTATIONS of these, in a run on one
	 * port, beside the plain ones. */
	uint32_t (*mutate_shaped)(uint8_t *b, uint32_t len, uint32_t cap);
	/* Optional: that many times MUTATIONS of each (few inputs of its shape) */
	unsigned int shaped_times;
	/* Optional, after the check: the stage's own verdict (0, or -1 and a
	 * message: its fast path never ran, a counter differed). */
	int (*report)(void);
	/* Optional, last: what setup made that the stages after this one
	 * would see and tables do not hold (an SA) undone (0 or -1). */
	int (*teardown)(void);
};

/* An IPv4 address's network-order value (a literal: aborts on a typo). */
uint32_t av_ip4(const char *s);

/* The test's random numbers (fixed seed unless given): for mutate_shaped. */
uint64_t av_rnd(void);

/* EAL (no hugepages, no PCI, one lcore), started once for the stages
 * whose setup needs it (tables, mbuf fields): 0 or -1. */
int av_eal(void);

/* The tables' engine (one worker) and each named feature set up as sxdp
 * does (its init), once in the process however many stages ask: 0 or -1
 * (said why). Then a stage writes its tables, clearing first any a stage
 * before it may have written. */
int av_features(const char *const *names, unsigned int n);

/* sxdp's control methods (table.write ...) registered, once in the
 * process: a stage writes its tables through dp_rpc_handle. 0 or -1. */
int av_table_rpc(void);

/* One table.write of the n updates (JSON objects as sxcd sends them),
 * rollback: 0, or -1 and why (stage: who asked). */
int av_table_write(const char *stage, const char *const *updates, size_t n);

/* Meters whose verdict hangs on no bucket state (two paths run one after
 * the other on the same buckets must answer alike): meter id passes every
 * frame (buckets no burst empties); meter id drops every frame (buckets
 * shallower than any frame: red, and red dropped). Updates for
 * av_table_write, one and two of them. */
#define AV_METER_PASS_ALL(id)									\
	"{\"type\":\"insert\",\"table\":\"meters\",\"match\":{\"id\":" #id "},\"action\":\"rfc4115\","	\
	"\"params\":{\"cir\":100000000000,\"cbs\":4000000000,\"eir\":100000000000,\"ebs\":4000000000}}"
#define AV_METER_DROP_ALL(id)									\
	"{\"type\":\"insert\",\"table\":\"meters\",\"match\":{\"id\":" #id "},\"action\":\"rfc4115\","	\
	"\"params\":{\"cir\":8000,\"cbs\":1,\"eir\":0,\"ebs\":0}}",					\
	"{\"type\":\"insert\",\"table\":\"meter_colors\",\"match\":{\"meter\":" #id ",\"color\":2},"	\
	"\"action\":\"drop\"}"

/* sxdp's packet pool (the overlay's prober takes its packets from it),
 * made once: 0 or -1. */
int av_mbuf_pool(void);

/* Each burst's table counts, the general path's (impl 0: the reference)
 * against a fast one's (impl 1), for the tables named. */
#define AV_COUNTED_MAX 8
struct av_counts {
	const char *stage;
	unsigned int n;
	int table[AV_COUNTED_MAX];
	const char *name[AV_COUNTED_MAX];
	struct dp_table_counts before[AV_COUNTED_MAX], ref[AV_COUNTED_MAX];
	bool failed;                     /* a burst differed (said once) */
};
void av_counts_before(struct av_counts *c);
void av_counts_after(struct av_counts *c, unsigned int impl, uint16_t burst);

/* A burst's context for implementation impl: worker 0 with its stats,
 * the tables' root read online; the general path (impl 0) at a new
 * burst's time and the fast ones at the same, the general path a shadow
 * walk (dp_feature.h) where shadow says. av_ctx_end after the burst. */
struct dp_stage_ctx *av_ctx_begin(unsigned int impl, bool shadow);
void av_ctx_end(struct dp_stage_ctx *ctx);

/* Where a stage's fast path took bursts and its packets went, for its
 * report: a check whose fast path never ran, or never gave one of the
 * verdicts in need, checked nothing. */
enum { AV_OUT, AV_PUNTED, AV_DROPPED, AV_EDGE, AV_VERDICTS };
struct av_tally {
	const char *stage;
	unsigned int need;               /* 1u << AV_OUT | ... */
	unsigned long long fast_bursts, fast_pkts, general_bursts, general_pkts, v[AV_VERDICTS];
};
/* A burst of impl (not 0) that the fast path took (fast) or declined. */
void av_tally_burst(struct av_tally *t, unsigned int impl, bool fast, uint16_t n, const uint16_t *next);
/* Prints the tally: 0, or -1 (said why: nothing checked, or counts
 * differed). */
int av_tally_report(const struct av_tally *t, const struct av_counts *c);

/* An insert of action (params: plen bytes of it) into table, its key
 * the caller's to fill. */
struct dp_update av_update(int table, uint16_t action, const void *params, size_t plen);

/* A stage's run (struct av_stage.run) for a fast path: implementation
 * impl 0 the general path, any other fast (the general path where it
 * declines, as the stage's dp_fast_run does), on one burst context (the
 * general path a shadow walk where shadow says), the tables of c (NULL:
 * none) counted alike, the burst tallied in t. */
uint16_t av_run_fast(unsigned int impl, bool shadow, struct av_counts *c, struct av_tally *t, dp_fast_fn fast,
		     dp_stage_fn general, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* What rx leaves before a stage: in_port (m->port), the device's IP
 * checksum verdict (some devices give one: by the length, bad, good, none
 * or unknown), then the parser with the ports the features registered
 * (its drops never reach a stage: false). A stage's prepare. */
bool av_prepare_rx(struct rte_mbuf *m);

/* From a constructor (AV_STAGE below), before main(). */
void av_register(const struct av_stage *s);

#define AV_STAGE(s)							\
	static void __attribute__((constructor)) av_reg_##s(void)	\
	{								\
		av_register(&s);					\
	}

#endif
