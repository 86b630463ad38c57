/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_claim: the holders of table entries written beside the reconciler, asked by the compile. */
#include <errno.h>
#include <stddef.h>

#include "cd_claim.h"

static struct {
	cd_claim_holder *fn;
	void *arg;
} claims[CD_CLAIM_MAX];
static int n_claims;

int
cd_claim_register(cd_claim_holder *fn, void *arg)
{
	if (n_claims == CD_CLAIM_MAX)
		return -ENOSPC;
	claims[n_claims].fn = fn;
	claims[n_claims++].arg = arg;
	return 0;
}

const char *
cd_claim_held(const char *table, const char *key)
{
	const char *who;

	for (int i = 0; i < n_claims; i++)
		if ((who = claims[i].fn(claims[i].arg, table, key)) != NULL)
			return who;
	return NULL;
}
