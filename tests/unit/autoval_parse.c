/* The core parser in the autovalidator: dp_parse_burst's implementations
 * (general, scalar, avx2, avx512) against the general one, with the upf's
 * GTP-U port parser registered as its init does (the parser's registered
 * ports write their fields in the metadata line too, and are compared). */
#include <rte_common.h>

#include "autoval.h"
#include "dp_parse.h"

/* the upf set up as sxdp does: its init registers the port parser */
static int
setup(void)
{
	static const char *const features[] = { "qos", "switch", "upf" };

	return av_features(features, RTE_DIM(features));
}

static const char *
impl_name(unsigned int impl)
{
	return dp_parse_impl_name(impl);
}

static bool
usable(unsigned int impl)
{
	return dp_parse_impl_usable(impl);
}

static int
force(unsigned int impl)
{
	return dp_parse_impl_set((int)impl);
}

static const struct av_stage av_parse = {
	.name = "parse",
	.corpus = "parse",
	.setup = setup,
	.n_impls = DP_PARSE_IMPLS,
	.impl_name = impl_name,
	.usable = usable,
	.force = force,
	.run = dp_parse_burst,
};
AV_STAGE(av_parse)
