/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_node_state: the PFCP endpoint's associations looked up (pf_node_state.h). */
#include <strings.h>

#include "pf_node_state.h"

struct pf_assoc *
pf_node_state_assoc(const struct pf_node *n, const struct pf_node_id *id)
{
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (pf_node_id_same(&a->id, id))
			return a;
	return NULL;
}

struct pf_assoc *
pf_node_state_assoc_serial(const struct pf_node *n, uint64_t serial)
{
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (a->serial == serial)
			return a;
	return NULL;
}

/* SMFs send from another port than they set up from: the exact one first. */
struct pf_assoc *
pf_node_state_assoc_at(const struct pf_node *n, const struct pf_addr *src)
{
	struct pf_assoc *host = NULL;

	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (pf_addr_same(&a->peer, src))
			return a;
		else if (host == NULL && pf_addr_same_host(&a->peer, src))
			host = a;
	return host;
}

struct pf_assoc *
pf_node_state_assoc_named(const struct pf_node *n, const char *name)
{
	for (struct pf_assoc *a = n->assocs; a != NULL; a = a->next)
		if (strcasecmp(a->name, name) == 0)
			return a;
	return NULL;
}
