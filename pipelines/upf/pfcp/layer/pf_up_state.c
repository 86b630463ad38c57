/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_up_state: the PFCP session layer's state made, the layer now, NTP time (pf_up_state.h). */
#include <stdlib.h>
#include <time.h>

#include "pf_up_state.h"
#include "qos_limits.h"
#include "qos_names.h"
#include "up_ids.h"

static struct pf_up *g_up;

struct pf_up *
pf_up_state_new(void)
{
	struct pf_up *up = calloc(1, sizeof(*up));

	if (up == NULL)
		return NULL;
	if ((up->shared = pf_shared_new()) == NULL || (up->ueip = pf_ueip_new()) == NULL ||
	    (up->lan = pf_lan_new()) == NULL ||
	    (up->scratch = malloc(sizeof(*up->scratch))) == NULL ||
	    pf_ids_init(&up->sess_ids, UP_SESS_PFCP_MIN, UP_SESS_PFCP_MAX) < 0 ||
	    /* a journal's meters may be any sxdp had; new ones up to its
	     * meters table's last once it is seen (pf_restore.c) */
	    pf_ids_init(&up->meters, UP_METER_PFCP_MIN, QOS_METER_ID_CAP) < 0 ||
	    pf_ids_limit(&up->meters, QOS_METERS_SIZE - 1) < 0) {
		pf_ids_fini(&up->meters);
		pf_ids_fini(&up->sess_ids);
		free(up->scratch);
		pf_ueip_free(up->ueip);
		pf_lan_free(up->lan);
		pf_shared_free(up->shared);
		free(up);
		return NULL;
	}
	return up;
}

struct pf_up *
pf_up_state_current(void)
{
	return g_up;
}

void
pf_up_state_set(struct pf_up *up)
{
	g_up = up;
}

uint32_t
pf_up_state_ntp(void)
{
	return (uint32_t)(time(NULL) + PF_NTP_OFFSET);
}
