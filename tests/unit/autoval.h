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

#include "dp_feature.h"

struct av_stage {
	const char *name;
	const char *corpus;              /* tests/fuzz/corpus/<corpus>, or NULL */
	int (*setup)(void);              /* once, before any run: hooks, tables (0 or -errno) */
	unsigned int n_impls;            /* impl 0 is the general path, the reference */
	const char *(*impl_name)(unsigned int impl);
	bool (*usable)(unsigned int impl);   /* built and this CPU has it */
	int (*force)(unsigned int impl);     /* the stage's test hook: run impl from now on */
	/* What the stages ahead leave in m before this one (a feature's
	 * stage: the parser's metadata); NULL: the packet as received. Must
	 * not depend on the implementation forced. */
	void (*prepare)(struct rte_mbuf *m);
	dp_stage_fn run;                 /* the stage, on the implementation forced */
};

/* From a constructor (AV_STAGE below), before main(). */
void av_register(const struct av_stage *s);

#define AV_STAGE(s)							\
	static void __attribute__((constructor)) av_reg_##s(void)	\
	{								\
		av_register(&s);					\
	}

#endif
