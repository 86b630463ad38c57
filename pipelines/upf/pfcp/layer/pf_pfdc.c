/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pfdc: sessions recompiled when the PFDs their PDRs' Application IDs name change (pf_pfdc.h). */
#include <string.h>

#include "cd_log.h"
#include "pf_node.h"
#include "pf_pfdc.h"
#include "pf_report.h"
#include "pf_up_state.h"

/* Does a PDR of @s name one of @apps? */
static bool
names(const struct pf_session *s, const char (*apps)[PF_PFD_NAME_MAX], int n)
{
	for (int i = 0; i < s->n_pdr; i++) {
		if (s->pdr[i].app == 0)
			continue;
		for (int k = 0; k < n; k++)
			if (strcmp(pf_sess_name(s->pdr[i].app), apps[k]) == 0)
				return true;
	}
	return false;
}

void
pf_pfdc_changed(void *arg, const char (*apps)[PF_PFD_NAME_MAX], int n)
{
	struct pf_up *up = pf_up_state_current();
	struct pf_pfds *p;
	size_t rearmed = 0;

	(void)arg;
	if (up == NULL || up->node == NULL)
		return;
	p = pf_node_pfds(up->node);
	for (size_t i = 0; i < up->cap; i++) {
		struct us *us = up->tab[i];

		if (us == NULL)
			continue;
		pf_pfd_mark(p, us->sess_id);
		/* one being established compiles with the PFDs of its turn */
		if (us->s == NULL || us->upf == NULL || !names(us->s, apps, n))
			continue;
		pf_report_rearm(up, us);
		rearmed++;
	}
	pf_pfd_sweep(p);
	if (n > 0)
		CD_LOG(INFO, "pfcp: PFDs of %d Application ID%s (%s%s) changed: %zu session%s recompiled", n, n == 1 ? "" : "s",
		       apps[0], n > 1 ? ", ..." : "", rearmed, rearmed == 1 ? "" : "s");
}
