/* ov_replay: an inbound SA's anti-replay window (see ov_replay.h). */
#include <errno.h>
#include <string.h>

#include "ov_replay.h"

int
ov_replay_init(struct ov_replay *r, uint32_t win, bool esn)
{
	uint32_t n = 1;

	memset(r, 0, sizeof(*r));
	if (esn && win < 64)
		win = 64;
	/* top - win .. top spans at most win / 64 + 2 blocks: each its own */
	while (n < win / 64 + 2)
		n <<= 1;
	if (win == 0 || n > OV_REPLAY_BUCKETS)
		return -EINVAL;
	r->win = win;
	r->mask = n - 1;
	r->esn = esn;
	return 0;
}

void
ov_replay_restore(struct ov_replay *r, uint64_t top)
{
	r->top = top;
	memset(r->block, 0xff, sizeof(r->block));
}
