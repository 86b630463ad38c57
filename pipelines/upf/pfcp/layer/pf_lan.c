/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_lan: the slots of the 5G LAN groups Ethernet PDU sessions join, a bitmap a UPF's bridge domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_alloc.h"
#include "pf_lan.h"
#include "pf_stypes.h"
#include "pf_upf.h"

struct group {
	struct group *next;
	char upf[PF_NAME_LEN];
	uint16_t bd;
	struct pf_ids slots;
};

struct pf_lan {
	struct group *groups;
};

struct pf_lan *
pf_lan_new(void)
{
	return calloc(1, sizeof(struct pf_lan));
}

void
pf_lan_free(struct pf_lan *l)
{
	struct group *g, *n;

	if (l == NULL)
		return;
	for (g = l->groups; g != NULL; g = n) {
		n = g->next;
		pf_ids_fini(&g->slots);
		free(g);
	}
	free(l);
}

static struct group *
group_of(struct pf_lan *l, const char *upf, uint16_t bd, bool make)
{
	struct group *g;

	for (g = l->groups; g != NULL; g = g->next)
		if (g->bd == bd && strcmp(g->upf, upf) == 0)
			return g;
	if (!make || (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if (pf_ids_init(&g->slots, 0, PF_LAN_SLOTS - 1) < 0) {
		free(g);
		return NULL;
	}
	snprintf(g->upf, sizeof(g->upf), "%s", upf);
	g->bd = bd;
	g->next = l->groups;
	l->groups = g;
	return g;
}

int
pf_lan_take(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t *slot)
{
	struct group *g = group_of(l, upf, bd, true);
	uint32_t id;
	int rc;

	if (g == NULL)
		return -ENOMEM;
	if ((rc = pf_ids_take(&g->slots, &id)) < 0)
		return rc;
	*slot = (uint8_t)id;
	return 0;
}

int
pf_lan_take_this(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t slot)
{
	struct group *g = group_of(l, upf, bd, true);

	if (g == NULL)
		return -ENOMEM;
	return pf_ids_take_this(&g->slots, slot) == -EEXIST ? -EEXIST : 0;
}

void
pf_lan_put(struct pf_lan *l, const char *upf, uint16_t bd, uint8_t slot)
{
	struct group *g = group_of(l, upf, bd, false);

	if (g != NULL)
		pf_ids_put(&g->slots, slot);
}
