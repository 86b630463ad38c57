/* SPDX-License-Identifier: BSD-3-Clause */
/* PFCP sessions (see pf_sess.h). Establishment and Modification share one path: a
 * builder holds the rules as fixed arrays (a Modification starts from a copy of the
 * current session's, pointing into its block until a rule is replaced), the message is
 * applied (Remove, Create, Update), the references are checked, and only then is the
 * new session laid out in one exactly-sized block. Anything refused frees the builder
 * and leaves the current session as it was. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "pf_sess.h"
#include "pf_sess_priv.h"

/* ---- interned names: counted references, chained hash, ids 1..PF_SESS_NAMES_MAX-1 ---- */

#define NBUCKETS 1024

struct name {
	char *s; /* NULL: free */
	uint16_t len, next;
	uint32_t refs;
};

static struct name names[PF_SESS_NAMES_MAX];
static uint16_t buckets[NBUCKETS];
static uint16_t free_head; /* the free list through next; 0 before the first use */
static uint16_t names_top = 1; /* ids below it were handed out once */
static unsigned names_used;

static uint32_t
hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h % NBUCKETS;
}

static uint16_t
name_lookup(const char *s, size_t n)
{
	uint16_t id;

	for (id = buckets[hash(s, n)]; id != 0; id = names[id].next)
		if (names[id].len == n && memcmp(names[id].s, s, n) == 0)
			return id;
	return 0;
}

/* the id of @s (made with no reference when new); 0 when the table is full or no memory */
uint16_t
pf_sess_intern(const char *s, size_t n)
{
	uint16_t id = name_lookup(s, n);
	uint32_t b;

	if (id != 0)
		return id;
	if (free_head != 0) {
		id = free_head;
		free_head = names[id].next;
	} else if (names_top < PF_SESS_NAMES_MAX) {
		id = names_top++;
	} else {
		return 0;
	}
	names[id].s = malloc(n + 1);
	if (names[id].s == NULL) {
		names[id].next = free_head;
		free_head = id;
		return 0;
	}
	memcpy(names[id].s, s, n);
	names[id].s[n] = 0;
	names[id].len = (uint16_t)n;
	names[id].refs = 0;
	b = hash(s, n);
	names[id].next = buckets[b];
	buckets[b] = id;
	names_used++;
	return id;
}

/* frees @id when nothing holds it */
void
pf_sess_name_gc(uint16_t id)
{
	uint16_t *p;

	if (id == 0 || names[id].s == NULL || names[id].refs != 0)
		return;
	for (p = &buckets[hash(names[id].s, names[id].len)]; *p != 0; p = &names[*p].next)
		if (*p == id) {
			*p = names[id].next;
			break;
		}
	free(names[id].s);
	names[id].s = NULL;
	names[id].next = free_head;
	free_head = id;
	names_used--;
}

static void
name_ref(uint16_t id)
{
	if (id != 0)
		names[id].refs++;
}

static void
name_unref(uint16_t id)
{
	if (id != 0 && names[id].refs > 0) {
		names[id].refs--;
		pf_sess_name_gc(id);
	}
}

const char *
pf_sess_name(uint16_t id)
{
	return id != 0 && id < PF_SESS_NAMES_MAX && names[id].s != NULL ? names[id].s : "";
}

uint16_t
pf_sess_name_id(const char *s)
{
	size_t n = strnlen(s, PF_SESS_NAME_LEN + 1);

	return n > PF_SESS_NAME_LEN ? 0 : name_lookup(s, n);
}

unsigned
pf_sess_names_used(void)
{
	return names_used;
}

bool
pf_sess_name_unheld(uint16_t id)
{
	return names[id].refs == 0;
}

/* ---- the builder ---- */


static int
fail(struct bld *b, uint8_t cause, uint16_t ie, uint8_t kind, uint32_t id)
{
	b->f->cause = cause;
	b->f->offending_ie = ie;
	b->f->rule_kind = cause == PF_CAUSE_RULE_FAILURE ? kind : PF_RULE_NONE;
	b->f->rule_id = cause == PF_CAUSE_RULE_FAILURE ? id : 0;
	return -EINVAL;
}

static const struct pf_ie *
ie_at(const struct bld *b, int i)
{
	return &b->m->ies[i];
}

/* the first child of @parent with @type: its index, -1 when none */
static int
child(const struct bld *b, int parent, uint16_t type)
{
	return pf_find(b->m, parent, type, -1);
}

static int
u32_of(const struct bld *b, int parent, uint16_t type, uint32_t *v)
{
	int i = child(b, parent, type);

	return i >= 0 && pf_get_u32(ie_at(b, i), v) == 0 ? 0 : -1;
}

static int
u8_of(const struct bld *b, int parent, uint16_t type, uint8_t *v)
{
	int i = child(b, parent, type);

	return i >= 0 && pf_get_u8(ie_at(b, i), v) == 0 ? 0 : -1;
}

static struct pf_pdr *
b_pdr(struct bld *b, uint16_t id)
{
	int i;

	for (i = 0; i < b->n_pdr; i++)
		if (b->pdr[i].id == id)
			return &b->pdr[i];
	return NULL;
}

#define FIND_BY_ID(fn, type, arr, n)                               \
	static struct type *fn(struct bld *b, uint32_t id)         \
	{                                                          \
		int i;                                             \
		for (i = 0; i < b->n; i++)                         \
			if (b->arr[i].id == id)                    \
				return &b->arr[i];                 \
		return NULL;                                       \
	}
FIND_BY_ID(b_far, pf_far, far, n_far)
FIND_BY_ID(b_qer, pf_qer, qer, n_qer)
FIND_BY_ID(b_urr, pf_urr, urr, n_urr)

bool
pf_sess_refs_resolve(struct bld *b)
{
	for (int i = 0; i < b->n_pdr; i++) {
		const struct pf_pdr *p = &b->pdr[i];

		if (b_far(b, p->far_id) == NULL)
			return false;
		for (int k = 0; k < p->n_qer; k++)
			if (b_qer(b, p->qer[k]) == NULL)
				return false;
		for (int k = 0; k < p->n_urr; k++)
			if (b_urr(b, p->urr[k]) == NULL)
				return false;
	}
	return true;
}

static bool
in_list(const uint32_t *l, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i] == id)
			return true;
	return false;
}

/* a Network Instance (DNN labels or a plain string) or an Application ID (octets) as an
 * interned id in *id */
/* @s (@n octets) interned into *@id for IE @type: 0, or the refusal */
static int
intern_str(struct bld *b, uint16_t type, const char *s, size_t n, uint16_t *id)
{
	if (n == 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, type, 0, 0);
	*id = pf_sess_intern(s, n);
	if (*id == 0)
		return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
	if (names[*id].refs == 0 && b->n_new < NEWNAMES_MAX)
		b->newnames[b->n_new++] = *id; /* freed at the end unless a session took it */
	return 0;
}

static int
intern_ie(struct bld *b, int i, bool dnn, uint16_t *id)
{
	const struct pf_ie *ie = ie_at(b, i);
	char s[PF_SESS_NAME_LEN + 1];
	size_t n;

	if (dnn) {
		if (pf_get_string(ie, s, sizeof(s)) != 0)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
		n = strlen(s);
		if (n == 0 && ie->type == PF_IE_NET_INSTANCE) {   /* an empty name: none (pf_codec's chk_ni) */
			*id = 0;
			return 0;
		}
	} else if (ie->type == PF_IE_UE_IP_POOL_ID) {
		if (pf_get_pool_id(ie, s, sizeof(s)) != 0)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
		n = strlen(s);
	} else {
		if (ie->len > PF_SESS_NAME_LEN || memchr(ie->v, 0, ie->len) != NULL)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
		n = ie->len;
		memcpy(s, ie->v, n);
	}
	return intern_str(b, ie->type, s, n, id);
}

/* the ID IEs of @type under @parent into the scratch list: *list and *n */
static int
id_list(struct bld *b, int parent, uint16_t type, uint32_t **list, uint8_t *n)
{
	int i;

	*n = 0;
	*list = b->ids + b->n_ids;
	for (i = pf_find(b->m, parent, type, -1); i >= 0; i = pf_find(b->m, parent, type, i)) {
		if (b->n_ids >= b->max_ids || pf_get_u32(ie_at(b, i), &b->ids[b->n_ids]) != 0)
			return -1; /* cannot happen: counted, and the codec checked the length */
		b->n_ids++;
		(*n)++;
	}
	return 0;
}

/* ---- PDR ---- */

static int
parse_fteid(struct bld *b, int i, struct pf_pdr *p)
{
	const struct pf_ie *ie = ie_at(b, i);
	uint8_t fl = ie->v[0];

	uint16_t k;

	/* CHID only with CH; with CH no TEID or address (the UPF chooses them): octets past
	 * the CHID are refused unless all zero (an SMF's encoder writing empty fields) */
	if ((fl & 0x08) && !(fl & 0x04))
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	if (fl & 0x04)
		for (k = (uint16_t)(1 + ((fl & 0x08) ? 1 : 0)); k < ie->len; k++)
			if (ie->v[k] != 0)
				return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	if (pf_get_fteid(ie, &p->fteid) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	if (!p->fteid.ch && !p->fteid.has_v4 && !p->fteid.has_v6) /* a TEID without an address */
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	p->has_fteid = true;
	return 0;
}

static int
parse_ue_ip(struct bld *b, int i, struct pf_pdr *p)
{
	const struct pf_ie *ie = ie_at(b, i);
	struct pf_ue_ip u;

	if (pf_get_ue_ip(ie, &u) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	/* CHV4/CHV6 (UEIP): the UP function chooses; an address beside the
	 * flag is not the UE's. What it chooses is a /64 (TS 23.501
	 * 5.8.2.2): a longer delegated prefix or another length is refused */
	if (u.ch4) {
		u.has_v4 = 0;
		memset(u.v4, 0, 4);
	}
	if (u.ch6) {
		if (u.v6d != 0 || (u.has_v6_plen && u.v6_plen != 64))
			return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
		u.has_v6 = 0;
		u.has_v6_plen = 0;
		memset(u.v6, 0, 16);
	}
	if (!p->has_ue_ip) {
		p->ue = u;
		p->has_ue_ip = true;
		return 0;
	}
	/* a second IE: the other family (as some SMFs send IPv4 and IPv6 apart) */
	if (((u.has_v4 || u.ch4) && (p->ue.has_v4 || p->ue.ch4)) ||
	    ((u.has_v6 || u.ch6) && (p->ue.has_v6 || p->ue.ch6)) || u.sd != p->ue.sd)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	p->ue.ch4 |= u.ch4;
	p->ue.ch6 |= u.ch6;
	if (u.has_v4) {
		p->ue.has_v4 = 1;
		memcpy(p->ue.v4, u.v4, 4);
	}
	if (u.has_v6) {
		p->ue.has_v6 = 1;
		memcpy(p->ue.v6, u.v6, 16);
		p->ue.v6d = u.v6d;
		p->ue.has_v6_plen = u.has_v6_plen;
		p->ue.v6_plen = u.v6_plen;
	}
	return 0;
}

static int
parse_sdf(struct bld *b, int i, struct pf_pdr *p, struct pf_sdf_rule *r)
{
	const struct pf_ie *ie = ie_at(b, i);
	struct pf_sdf s;

	if (pf_get_sdf(ie, &s) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	/* ToS/Traffic Class, SPI and Flow Label are not matched here: a filter asking them is
	 * refused, not taken for the wider one its Flow Description alone is */
	if (s.flags & (PF_SDF_TTC | PF_SDF_SPI | PF_SDF_FL))
		return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
	memset(r, 0, sizeof(*r));
	r->flags = s.flags;
	r->tos = s.tos;
	r->spi = s.spi;
	r->flow_label = s.flow_label;
	r->filter_id = s.filter_id;
	if (s.flags & PF_SDF_FD) {
		if (pf_flow_parse(s.fd, sizeof(s.fd), &r->flow) != 0)
			return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
		/* the UE's ports are not classified (the remote side's are): refused; its
		 * address is checked against the session's once all PDRs are read (ue_sides) */
		if (pf_flow_ue(&r->flow)->n_ports != 0)
			return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
		r->has_fd = true;
	}
	return 0;
}

/* An Ethernet Packet Filter: a MAC range whose upper end is below its lower one, or a
 * VID past 4094 (TS 29.244 8.2.94: 4095 is reserved), is an incorrect IE */
static int
parse_ethf(struct bld *b, int g, struct pf_pdr *p, struct pf_eth_filter *f)
{
	uint16_t types[2] = { PF_IE_C_TAG, PF_IE_S_TAG };
	struct pf_vlan_tag *tags[2] = { &f->ctag, &f->stag };
	bool *has[2] = { &f->has_ctag, &f->has_stag };
	uint32_t u32;
	uint16_t u16;
	uint8_t v;
	int i;

	(void)p;
	memset(f, 0, sizeof(*f));
	i = child(b, g, PF_IE_ETH_FILTER_ID);
	if (i >= 0 && pf_get_u32(ie_at(b, i), &u32) == 0)
		f->id = u32;
	if (u8_of(b, g, PF_IE_ETH_FILTER_PROPS, &v) == 0)
		f->props = v & PF_ETHF_BIDE;
	for (i = pf_find(b->m, g, PF_IE_MAC_ADDRESS, -1); i >= 0; i = pf_find(b->m, g, PF_IE_MAC_ADDRESS, i)) {
		struct pf_mac *m = &f->mac[f->n_mac];

		if (f->n_mac >= PF_ETHF_MAC_MAX)
			return fail(b, PF_CAUSE_NO_RESOURCES, PF_IE_MAC_ADDRESS, 0, 0);
		if (pf_get_mac(ie_at(b, i), m) != 0 ||
		    ((m->flags & PF_MAC_USOU) && (!(m->flags & PF_MAC_SOUR) || memcmp(m->usrc, m->src, 6) < 0)) ||
		    ((m->flags & PF_MAC_UDES) && (!(m->flags & PF_MAC_DEST) || memcmp(m->udst, m->dst, 6) < 0)))
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_MAC_ADDRESS, 0, 0);
		f->n_mac++;
	}
	i = child(b, g, PF_IE_ETHERTYPE);
	if (i >= 0) {
		if (pf_get_u16(ie_at(b, i), &u16) != 0)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_ETHERTYPE, 0, 0);
		f->has_type = true;
		f->ethertype = u16;
	}
	for (int t = 0; t < 2; t++) {
		i = child(b, g, types[t]);
		if (i < 0)
			continue;
		if (pf_get_vlan_tag(ie_at(b, i), tags[t]) != 0 ||
		    ((tags[t]->flags & PF_TAG_VID) && tags[t]->vid == 0xfff))
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, types[t], 0, 0);
		*has[t] = true;
	}
	return 0;
}

/* a PDI replaces all the PDR's match fields */
static int
parse_pdi(struct bld *b, int pdi, struct pf_pdr *p)
{
	int i, rc;
	uint8_t v;

	p->has_fteid = p->has_ue_ip = false;
	memset(&p->fteid, 0, sizeof(p->fteid));
	memset(&p->ue, 0, sizeof(p->ue));
	p->ni = p->app = 0;
	p->qfi_mask = 0;
	p->ethi = false;
	p->n_sdf = p->n_ethf = 0;
	p->sdf = NULL;
	p->ethf = NULL;
	if (u8_of(b, pdi, PF_IE_SRC_IFACE, &v) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_SRC_IFACE, 0, 0);
	p->src_iface = v & 0x0f;
	if (p->src_iface > PF_SRC_IFACE_MAX)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_SRC_IFACE, 0, 0);
	i = child(b, pdi, PF_IE_FTEID);
	if (i >= 0 && (rc = parse_fteid(b, i, p)) != 0)
		return rc;
	i = child(b, pdi, PF_IE_NET_INSTANCE);
	if (i >= 0 && (rc = intern_ie(b, i, true, &p->ni)) != 0)
		return rc;
	for (i = pf_find(b->m, pdi, PF_IE_UE_IP, -1); i >= 0; i = pf_find(b->m, pdi, PF_IE_UE_IP, i))
		if ((rc = parse_ue_ip(b, i, p)) != 0)
			return rc;
	p->sdf = b->sdfs + b->n_sdfs;
	for (i = pf_find(b->m, pdi, PF_IE_SDF_FILTER, -1); i >= 0; i = pf_find(b->m, pdi, PF_IE_SDF_FILTER, i)) {
		if (p->n_sdf >= PF_SESS_SDF_MAX || b->n_sdfs >= b->max_sdfs)
			return fail(b, PF_CAUSE_NO_RESOURCES, PF_IE_SDF_FILTER, 0, 0);
		if ((rc = parse_sdf(b, i, p, &b->sdfs[b->n_sdfs])) != 0)
			return rc;
		b->n_sdfs++;
		p->n_sdf++;
	}
	if (p->n_sdf == 0)
		p->sdf = NULL;
	p->ethf = b->ethfs + b->n_ethfs;
	for (i = pf_find(b->m, pdi, PF_IE_ETH_PACKET_FILTER, -1); i >= 0;
	     i = pf_find(b->m, pdi, PF_IE_ETH_PACKET_FILTER, i)) {
		if (p->n_ethf >= PF_SESS_ETHF_MAX || b->n_ethfs >= b->max_ethfs)
			return fail(b, PF_CAUSE_NO_RESOURCES, PF_IE_ETH_PACKET_FILTER, 0, 0);
		if ((rc = parse_ethf(b, i, p, &b->ethfs[b->n_ethfs])) != 0)
			return rc;
		b->n_ethfs++;
		p->n_ethf++;
	}
	if (p->n_ethf == 0)
		p->ethf = NULL;
	i = child(b, pdi, PF_IE_APP_ID);
	if (i >= 0 && (rc = intern_ie(b, i, false, &p->app)) != 0)
		return rc;
	for (i = pf_find(b->m, pdi, PF_IE_QFI, -1); i >= 0; i = pf_find(b->m, pdi, PF_IE_QFI, i))
		if (pf_get_u8(ie_at(b, i), &v) == 0)
			p->qfi_mask |= 1ull << (v & 0x3f); /* bits 7-8 spare */
	p->ethi = u8_of(b, pdi, PF_IE_ETH_PDU_INFO, &v) == 0 && (v & 0x01);
	if (b->x != NULL && ((p->has_fteid && p->fteid.ch) || p->ue.ch4 || p->ue.ch6) &&
	    b->x->n_new_choice < PF_SESS_PDR_MAX)
		b->x->new_choice[b->x->n_new_choice++] = p->id;
	return 0;
}

static int
parse_ohr(struct bld *b, int i, struct pf_pdr *p)
{
	struct pf_ohr o;

	if (pf_get_ohr(ie_at(b, i), &o) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_OHR, 0, 0);
	if (o.desc != PF_OHR_GTPU_UDP_IPV4 && o.desc != PF_OHR_GTPU_UDP_IPV6 && o.desc != PF_OHR_GTPU_UDP_IP)
		return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_OHR, PF_RULE_PDR, p->id);
	p->has_ohr = true;
	p->ohr = o.desc;
	return 0;
}

/* Create PDR (@upd false) or Update PDR at @g */
static int
parse_pdr(struct bld *b, int g, bool upd)
{
	uint16_t type = ie_at(b, g)->type, id;
	struct pf_pdr *p;
	uint32_t v;
	int i, rc;

	i = child(b, g, PF_IE_PDR_ID);
	if (i < 0 || pf_get_u16(ie_at(b, i), &id) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_PDR_ID, 0, 0);
	p = b_pdr(b, id);
	if (upd ? p == NULL : p != NULL)
		return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_PDR, id);
	if (!upd) {
		if (b->n_pdr >= PF_SESS_PDR_MAX)
			return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
		p = &b->pdr[b->n_pdr++];
		memset(p, 0, sizeof(*p));
		p->id = id;
		if (u32_of(b, g, PF_IE_FAR_ID, &p->far_id) != 0)
			return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_FAR_ID, 0, 0);
	} else if (u32_of(b, g, PF_IE_FAR_ID, &v) == 0) {
		p->far_id = v;
	}
	if (u32_of(b, g, PF_IE_PRECEDENCE, &v) == 0)
		p->precedence = v;
	else if (!upd)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_PRECEDENCE, 0, 0);
	i = child(b, g, PF_IE_PDI);
	if (i >= 0 && (rc = parse_pdi(b, i, p)) != 0)
		return rc;
	if (i < 0 && !upd)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_PDI, 0, 0);
	i = child(b, g, PF_IE_OHR);
	if (i >= 0 && (rc = parse_ohr(b, i, p)) != 0)
		return rc;
	i = child(b, g, PF_IE_UE_IP_POOL_ID);   /* Create PDR only: the codec drops it elsewhere */
	if (i >= 0 && (rc = intern_ie(b, i, false, &p->pool)) != 0)
		return rc;
	/* a list that is there replaces the whole list (TS 29.244 7.5.4.2) */
	if (child(b, g, PF_IE_URR_ID) >= 0 && id_list(b, g, PF_IE_URR_ID, &p->urr, &p->n_urr) != 0)
		return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
	if (child(b, g, PF_IE_QER_ID) >= 0 && id_list(b, g, PF_IE_QER_ID, &p->qer, &p->n_qer) != 0)
		return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
	if (p->n_urr == 0)
		p->urr = NULL;
	if (p->n_qer == 0)
		p->qer = NULL;
	return 0;
}

/* ---- FAR ---- */

static int
parse_apply(struct bld *b, int i, struct pf_far *r)
{
	const struct pf_ie *ie = ie_at(b, i);
	uint16_t a = (uint16_t)(ie->v[0] << 8 | (ie->len >= 2 ? ie->v[1] : 0));

	switch (a) {
	case PF_AA_FORW:
	case PF_AA_DROP:
	case PF_AA_BUFF:
	case PF_AA_BUFF | PF_AA_NOCP:
	case PF_AA_NOCP:
		r->apply = a;
		return 0;
	}
	return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_APPLY_ACTION, PF_RULE_FAR, r->id);
}

static int
parse_ohc(struct bld *b, int i, struct pf_far *r)
{
	struct pf_ohc o;
	uint16_t d;

	if (pf_get_ohc(ie_at(b, i), &o) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_OHC, 0, 0);
	d = o.desc & 0xff00;
	if (d != PF_OHC_GTPU_UDP_IPV4 && d != PF_OHC_GTPU_UDP_IPV6 && d != PF_OHC_GTPU_UDP_IP)
		return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_OHC, PF_RULE_FAR, r->id);
	r->ohc = o;
	r->has_ohc = true;
	return 0;
}

/* Forwarding Parameters or Update Forwarding Parameters at @g: the fields there replace */
/* @n octets at @a, an address of family @af as text (8.2.20: UTF8String), into @out */
static bool
redirect_addr(const uint8_t *a, uint16_t n, int af, uint8_t *out)
{
	char t[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(t))
		return false;
	memcpy(t, a, n);
	t[n] = '\0';
	return inet_pton(af, t, out) == 1;
}

/* Redirect Information (TS 29.244 8.2.20, 5.4.7): the URL a UE's HTTP is sent to (302),
 * or the redirect server's addresses its DNS queries are answered with. A type that is
 * not done (SIP URI; the ports of RATP, not advertised): 76; a spare type, an address
 * that does not parse for its type, a URL of anything but printable ASCII (a CR or LF
 * would end the Location header): 69; a URL longer than sxdp holds: 73, the FAR. */
static int
parse_redirect(struct bld *b, int i, struct pf_far *r)
{
	struct pf_redirect ri;
	struct pf_far f = *r;
	int rc;

	if (pf_get_redirect(ie_at(b, i), &ri) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_REDIRECT_INFO, 0, 0);
	if (ri.type == PF_REDIR_SIP || (ri.type >= 5 && ri.type <= 8))
		return fail(b, PF_CAUSE_NOT_SUPPORTED, PF_IE_REDIRECT_INFO, 0, 0);
	memset(f.redir_v4, 0, sizeof(f.redir_v4));
	memset(f.redir_v6, 0, sizeof(f.redir_v6));
	f.redir_url = 0;
	switch (ri.type) {
	case PF_REDIR_IPV4:
	case PF_REDIR_IPV6:
	case PF_REDIR_IPV4V6:
		if ((ri.type != PF_REDIR_IPV6 && !redirect_addr(ri.addr, ri.len, AF_INET, f.redir_v4)) ||
		    (ri.type == PF_REDIR_IPV6 && !redirect_addr(ri.addr, ri.len, AF_INET6, f.redir_v6)) ||
		    (ri.type == PF_REDIR_IPV4V6 && !redirect_addr(ri.addr2, ri.len2, AF_INET6, f.redir_v6)))
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_REDIRECT_INFO, 0, 0);
		break;
	case PF_REDIR_URL:
		if (ri.len == 0)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_REDIRECT_INFO, 0, 0);
		for (uint16_t k = 0; k < ri.len; k++)
			if (ri.addr[k] <= 0x20 || ri.addr[k] > 0x7e)
				return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_REDIRECT_INFO, 0, 0);
		if (ri.len > PF_REDIRECT_URL_MAX)
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_REDIRECT_INFO, PF_RULE_FAR, r->id);
		if ((rc = intern_str(b, PF_IE_REDIRECT_INFO, (const char *)ri.addr, ri.len, &f.redir_url)) != 0)
			return rc;
		break;
	default:
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_REDIRECT_INFO, 0, 0);
	}
	f.has_redir = true;
	f.redir_type = ri.type;
	*r = f;
	return 0;
}

static int
parse_fwd(struct bld *b, int g, struct pf_far *r)
{
	uint8_t v;
	int i, rc;

	if (u8_of(b, g, PF_IE_DST_IFACE, &v) == 0) {
		if ((v & 0x0f) > PF_DST_IFACE_MAX)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_DST_IFACE, 0, 0);
		r->dst_iface = v & 0x0f;
		r->has_fwd = true;
	}
	i = child(b, g, PF_IE_NET_INSTANCE);
	if (i >= 0 && (rc = intern_ie(b, i, true, &r->ni)) != 0)
		return rc;
	i = child(b, g, PF_IE_OHC);
	if (i >= 0 && (rc = parse_ohc(b, i, r)) != 0)
		return rc;
	/* no forwarding policy is configured here: any identifier is unknown (TS 29.244 8.2.1) */
	if (child(b, g, PF_IE_FWD_POLICY) >= 0)
		return fail(b, PF_CAUSE_INVALID_FWD_POLICY, PF_IE_FWD_POLICY, 0, 0);
	i = child(b, g, PF_IE_TLM);
	if (i >= 0) {
		/* the tunnel's outer DSCP is set whole (its peer's); the ECN bits are sxdp's: a mask
		 * of part of the DSCP, or of ECN bits, asks for what is not written */
		if (ie_at(b, i)->v[1] != PF_TLM_DSCP_MASK)
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_TLM, PF_RULE_FAR, r->id);
		r->tos = ie_at(b, i)->v[0];
		r->tos_mask = ie_at(b, i)->v[1];
		r->has_tlm = true;
	}
	i = child(b, g, PF_IE_REDIRECT_INFO);
	if (i >= 0 && (rc = parse_redirect(b, i, r)) != 0)
		return rc;
	if (u8_of(b, g, PF_IE_SMREQ_FLAGS, &v) == 0 && (v & PF_SMREQ_SNDEM) && b->x != NULL &&
		!in_list(b->x->sndem_far, b->x->n_sndem, r->id) && b->x->n_sndem < PF_SESS_FAR_MAX)
		b->x->sndem_far[b->x->n_sndem++] = r->id;
	return 0;
}

static int
parse_far(struct bld *b, int g, bool upd)
{
	uint16_t type = ie_at(b, g)->type;
	struct pf_far *r;
	uint32_t id;
	uint8_t v;
	int i, rc;

	if (u32_of(b, g, PF_IE_FAR_ID, &id) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_FAR_ID, 0, 0);
	r = b_far(b, id);
	if (upd ? r == NULL : r != NULL)
		return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_FAR, id);
	if (!upd) {
		if (b->n_far >= PF_SESS_FAR_MAX)
			return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
		r = &b->far[b->n_far++];
		memset(r, 0, sizeof(*r));
		r->id = id;
	}
	i = child(b, g, PF_IE_APPLY_ACTION);
	if (i >= 0 && (rc = parse_apply(b, i, r)) != 0)
		return rc;
	if (i < 0 && !upd)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_APPLY_ACTION, 0, 0);
	i = child(b, g, upd ? PF_IE_UPD_FWD_PARAMS : PF_IE_FWD_PARAMS);
	if (i >= 0 && (rc = parse_fwd(b, i, r)) != 0)
		return rc;
	if (u8_of(b, g, PF_IE_BAR_ID, &v) == 0) {
		r->has_bar = true;
		r->bar_id = v;
	}
	return 0;
}

/* ---- QER, URR, BAR ---- */

static int
parse_qer(struct bld *b, int g, bool upd)
{
	uint16_t type = ie_at(b, g)->type;
	struct pf_qer *q;
	uint32_t id;
	uint8_t v;
	int i;

	if (u32_of(b, g, PF_IE_QER_ID, &id) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_QER_ID, 0, 0);
	q = b_qer(b, id);
	if (upd ? q == NULL : q != NULL)
		return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_QER, id);
	if (!upd) {
		if (b->n_qer >= PF_SESS_QER_MAX)
			return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
		q = &b->qer[b->n_qer++];
		memset(q, 0, sizeof(*q));
		q->id = id;
	}
	if (u8_of(b, g, PF_IE_GATE_STATUS, &v) == 0) {
		uint8_t dl = v & 0x03, ul = (v >> 2) & 0x03;

		if (dl > PF_GATE_CLOSED || ul > PF_GATE_CLOSED)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_GATE_STATUS, 0, 0);
		q->gate_dl = dl;
		q->gate_ul = ul;
	} else if (!upd) {
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_GATE_STATUS, 0, 0);
	}
	if (u32_of(b, g, PF_IE_QER_CORR_ID, &q->corr) == 0)
		q->has_corr = true;
	i = child(b, g, PF_IE_MBR);
	if (i >= 0 && pf_get_rate(ie_at(b, i), &q->mbr) == 0)
		q->has_mbr = true;
	i = child(b, g, PF_IE_GBR);
	if (i >= 0 && pf_get_rate(ie_at(b, i), &q->gbr) == 0)
		q->has_gbr = true;
	if (u8_of(b, g, PF_IE_QFI, &v) == 0) {
		q->qfi = v & 0x3f;
		q->has_qfi = true;
	}
	return 0;
}

static void
opt_u32(struct bld *b, int g, uint16_t type, uint32_t *v)
{
	(void)u32_of(b, g, type, v);
}

static int
parse_urr(struct bld *b, int g, bool upd)
{
	uint16_t type = ie_at(b, g)->type;
	struct pf_urr *u;
	uint32_t id;
	uint8_t mi;
	int i;

	if (u32_of(b, g, PF_IE_URR_ID, &id) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_URR_ID, 0, 0);
	u = b_urr(b, id);
	if (upd ? u == NULL : u != NULL)
		return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_URR, id);
	if (!upd) {
		if (b->n_urr >= PF_SESS_URR_MAX)
			return fail(b, PF_CAUSE_NO_RESOURCES, type, 0, 0);
		u = &b->urr[b->n_urr++];
		memset(u, 0, sizeof(*u));
		u->id = id;
	}
	if (u8_of(b, g, PF_IE_MEAS_METHOD, &u->method) != 0 && !upd)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_MEAS_METHOD, 0, 0);
	u->method &= PF_MM_DURAT | PF_MM_VOLUM | PF_MM_EVENT;
	if (u->method & PF_MM_EVENT) /* no event is detected here */
		return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_MEAS_METHOD, PF_RULE_URR, id);
	i = child(b, g, PF_IE_REPORTING_TRIGGERS);
	if (i >= 0) {
		const struct pf_ie *ie = ie_at(b, i);

		u->triggers = (uint32_t)ie->v[0] << 16 | (uint32_t)ie->v[1] << 8 | (ie->len >= 3 ? ie->v[2] : 0);
		/* a report asked for that would never come */
		if (u->triggers & ~PF_RT_DONE)
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_REPORTING_TRIGGERS, PF_RULE_URR, id);
	} else if (!upd) {
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_REPORTING_TRIGGERS, 0, 0);
	}
	if (u8_of(b, g, PF_IE_MEAS_INFO, &mi) == 0) {
		/* ISTM is what is done anyway (time is measured from the URR's start); MBQE is
		 * measured as after the QERs (sxdp's counters are): free5GC asks it of one of the
		 * two URRs of every session, the other after them, and the two differ only by what
		 * a gate or MBR dropped; INAM, RADI and the rest would measure otherwise */
		if (mi & ~(PF_MI_MNOP | PF_MI_ISTM | PF_MI_MBQE))
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_MEAS_INFO, PF_RULE_URR, id);
		u->mnop = (mi & PF_MI_MNOP) != 0;
	}
	opt_u32(b, g, PF_IE_MEAS_PERIOD, &u->meas_period);
	opt_u32(b, g, PF_IE_TIME_THRESH, &u->time_thresh);
	opt_u32(b, g, PF_IE_TIME_QUOTA, &u->time_quota);
	opt_u32(b, g, PF_IE_QUOTA_VALIDITY_TIME, &u->quota_validity);
	opt_u32(b, g, PF_IE_ETH_INACT_TIMER, &u->eth_inact);
	/* FAR ID for Quota Action (TS 29.244 5.2.2.2.1): what its PDRs do once a quota is
	 * used up, instead of forwarding nothing (checked in check_refs) */
	if (u32_of(b, g, PF_IE_FAR_ID, &u->far_quota) == 0)
		u->has_far_quota = true;
	/* Linked URR IDs (TS 29.244 5.2.2.4): the list sent is the list (checked in check_refs) */
	if (child(b, g, PF_IE_LINKED_URR_ID) >= 0) {
		u->n_linked = 0;
		for (i = pf_find(b->m, g, PF_IE_LINKED_URR_ID, -1); i >= 0; i = pf_find(b->m, g, PF_IE_LINKED_URR_ID, i)) {
			if (u->n_linked == PF_URR_LINKED_MAX)
				return fail(b, PF_CAUSE_NO_RESOURCES, PF_IE_LINKED_URR_ID, PF_RULE_URR, id);
			if (pf_get_u32(ie_at(b, i), &u->linked[u->n_linked++]) != 0)
				return fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_LINKED_URR_ID, 0, 0);
		}
	}
	opt_u32(b, g, PF_IE_QUOTA_HOLDING_TIME, &u->quota_holding);
	if (u->quota_holding != 0) /* nothing watches a quota for idleness: no QUHTI report */
		return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_QUOTA_HOLDING_TIME, PF_RULE_URR, id);
	i = child(b, g, PF_IE_VOL_THRESH);
	if (i >= 0 && pf_get_volume(ie_at(b, i), &u->vol_thresh) == 0)
		u->has_vol_thresh = true;
	i = child(b, g, PF_IE_VOL_QUOTA);
	if (i >= 0 && pf_get_volume(ie_at(b, i), &u->vol_quota) == 0)
		u->has_vol_quota = true;
	/* a quota granted (again): its measurement starts anew (pf_usage) */
	if (i >= 0 || child(b, g, PF_IE_TIME_QUOTA) >= 0 || child(b, g, PF_IE_QUOTA_VALIDITY_TIME) >= 0)
		u->quota_gen++;
	return 0;
}

static int
parse_bar(struct bld *b, int g, uint16_t type)
{
	uint8_t id, v;

	if (u8_of(b, g, PF_IE_BAR_ID, &id) != 0)
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_BAR_ID, 0, 0);
	if (type == PF_IE_CREATE_BAR ? b->bar.present : !b->bar.present || b->bar.id != id)
		return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_BAR, id);
	if (type == PF_IE_REMOVE_BAR) {
		memset(&b->bar, 0, sizeof(b->bar));
		return 0;
	}
	b->bar.present = true;
	b->bar.id = id;
	if (u8_of(b, g, PF_IE_DL_DATA_NOTIF_DELAY, &v) == 0) {
		b->bar.has_delay = true;
		b->bar.dl_notif_delay = v;
	}
	if (u8_of(b, g, PF_IE_SUGG_BUF_PKTS, &v) == 0) {
		b->bar.has_sugg = true;
		b->bar.sugg_pkts = v;
	}
	return 0;
}

/* ---- Remove ---- */

static int
remove_rule(struct bld *b, int g)
{
	uint16_t type = ie_at(b, g)->type;
	uint32_t id = 0;
	uint16_t pid;
	int i;

	switch (type) {
	case PF_IE_REMOVE_PDR:
		if ((i = child(b, g, PF_IE_PDR_ID)) < 0 || pf_get_u16(ie_at(b, i), &pid) != 0)
			return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_PDR_ID, 0, 0);
		for (i = 0; i < b->n_pdr && b->pdr[i].id != pid; i++)
			;
		if (i == b->n_pdr)
			return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_PDR, pid);
		b->pdr[i] = b->pdr[--b->n_pdr];
		return 0;
	case PF_IE_REMOVE_FAR:
		if (u32_of(b, g, PF_IE_FAR_ID, &id) != 0)
			return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_FAR_ID, 0, 0);
		for (i = 0; i < b->n_far && b->far[i].id != id; i++)
			;
		if (i == b->n_far)
			return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_FAR, id);
		b->far[i] = b->far[--b->n_far];
		b->rm_far[b->n_rm_far++] = id;
		return 0;
	case PF_IE_REMOVE_QER:
		if (u32_of(b, g, PF_IE_QER_ID, &id) != 0)
			return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_QER_ID, 0, 0);
		for (i = 0; i < b->n_qer && b->qer[i].id != id; i++)
			;
		if (i == b->n_qer)
			return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_QER, id);
		b->qer[i] = b->qer[--b->n_qer];
		b->rm_qer[b->n_rm_qer++] = id;
		return 0;
	case PF_IE_REMOVE_URR:
		if (u32_of(b, g, PF_IE_URR_ID, &id) != 0)
			return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_URR_ID, 0, 0);
		for (i = 0; i < b->n_urr && b->urr[i].id != id; i++)
			;
		if (i == b->n_urr)
			return fail(b, PF_CAUSE_RULE_FAILURE, type, PF_RULE_URR, id);
		b->urr[i] = b->urr[--b->n_urr];
		b->rm_urr[b->n_rm_urr++] = id;
		if (b->x != NULL && b->x->n_rm_urr < PF_SESS_URR_MAX)
			b->x->rm_urr[b->x->n_rm_urr++] = id;
		return 0;
	case PF_IE_REMOVE_BAR:
		return parse_bar(b, g, type);
	}
	return 0;
}

/* ---- whole-message passes ---- */

/* every message-level IE of @type through @fn */
static int
each(struct bld *b, uint16_t type, int (*fn)(struct bld *, int, bool), bool upd)
{
	int i, rc;

	for (i = pf_find(b->m, -1, type, -1); i >= 0; i = pf_find(b->m, -1, type, i))
		if ((rc = fn(b, i, upd)) != 0)
			return rc;
	return 0;
}

static int
apply_msg(struct bld *b)
{
	static const uint16_t removes[] = {PF_IE_REMOVE_PDR, PF_IE_REMOVE_FAR, PF_IE_REMOVE_QER,
		PF_IE_REMOVE_URR, PF_IE_REMOVE_BAR};
	unsigned k;
	int i, rc;

	for (k = 0; k < sizeof(removes) / sizeof(removes[0]); k++)
		for (i = pf_find(b->m, -1, removes[k], -1); i >= 0; i = pf_find(b->m, -1, removes[k], i))
			if ((rc = remove_rule(b, i)) != 0)
				return rc;
	/* the BAR first: FARs name it */
	if ((i = pf_find(b->m, -1, PF_IE_CREATE_BAR, -1)) >= 0 && (rc = parse_bar(b, i, PF_IE_CREATE_BAR)) != 0)
		return rc;
	if ((rc = each(b, PF_IE_CREATE_FAR, parse_far, false)) != 0 ||
		(rc = each(b, PF_IE_CREATE_QER, parse_qer, false)) != 0 ||
		(rc = each(b, PF_IE_CREATE_URR, parse_urr, false)) != 0 ||
		(rc = each(b, PF_IE_CREATE_PDR, parse_pdr, false)) != 0)
		return rc;
	if ((i = pf_find(b->m, -1, PF_IE_UPDATE_BAR, -1)) >= 0 && (rc = parse_bar(b, i, PF_IE_UPDATE_BAR)) != 0)
		return rc;
	/* a new value (0: none) replaces the session's (TS 29.244 5.11.2) */
	(void)u32_of(b, -1, PF_IE_UP_INACT_TIMER, &b->inact_s);
	if ((rc = each(b, PF_IE_UPDATE_FAR, parse_far, true)) != 0 ||
		(rc = each(b, PF_IE_UPDATE_QER, parse_qer, true)) != 0 ||
		(rc = each(b, PF_IE_UPDATE_URR, parse_urr, true)) != 0 ||
		(rc = each(b, PF_IE_UPDATE_PDR, parse_pdr, true)) != 0)
		return rc;
	return 0;
}

/* a PDR's reference to a rule that is not there: the removal when this message removed
 * it, else the PDR */
static int
dangling(struct bld *b, const struct pf_pdr *p, uint8_t kind, uint32_t id, const uint32_t *rm, int n_rm,
	uint16_t rm_type, uint16_t id_type)
{
	if (in_list(rm, n_rm, id))
		return fail(b, PF_CAUSE_RULE_FAILURE, rm_type, kind, id);
	return fail(b, PF_CAUSE_RULE_FAILURE, id_type, PF_RULE_PDR, p->id);
}

/* an Ethernet PDU session: PDN Type Ethernet, or a PDR of all its frames (as pf_map tells) */
static bool
bld_is_eth(const struct bld *b)
{
	for (int i = 0; i < b->n_pdr; i++)
		if (b->pdr[i].ethi)
			return true;
	return b->pdn_type == PF_PDN_ETHERNET;
}

static int
check_refs(struct bld *b)
{
	int i, k;

	for (i = 0; i < b->n_pdr; i++) {
		const struct pf_pdr *p = &b->pdr[i];

		if (b_far(b, p->far_id) == NULL)
			return dangling(b, p, PF_RULE_FAR, p->far_id, b->rm_far, b->n_rm_far, PF_IE_REMOVE_FAR,
				PF_IE_FAR_ID);
		for (k = 0; k < p->n_qer; k++)
			if (b_qer(b, p->qer[k]) == NULL)
				return dangling(b, p, PF_RULE_QER, p->qer[k], b->rm_qer, b->n_rm_qer,
					PF_IE_REMOVE_QER, PF_IE_QER_ID);
		for (k = 0; k < p->n_urr; k++)
			if (b_urr(b, p->urr[k]) == NULL)
				return dangling(b, p, PF_RULE_URR, p->urr[k], b->rm_urr, b->n_rm_urr,
					PF_IE_REMOVE_URR, PF_IE_URR_ID);
	}
	/* MACs are reported of an Ethernet PDU session's frames (TS 29.244 5.13.5) */
	for (i = 0; i < b->n_urr; i++)
		if ((b->urr[i].triggers & PF_RT_MACAR) && !bld_is_eth(b))
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_REPORTING_TRIGGERS, PF_RULE_URR, b->urr[i].id);
	/* a FAR for Quota Action is one of the session's (73, the URR; or the FAR's removal) */
	for (i = 0; i < b->n_urr; i++)
		if (b->urr[i].has_far_quota && b_far(b, b->urr[i].far_quota) == NULL)
			return in_list(b->rm_far, b->n_rm_far, b->urr[i].far_quota) ?
			       fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_REMOVE_FAR, PF_RULE_FAR, b->urr[i].far_quota) :
			       fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_FAR_ID, PF_RULE_URR, b->urr[i].id);
	/* a linked URR is one of the session's, another than itself */
	for (i = 0; i < b->n_urr; i++)
		for (k = 0; k < b->urr[i].n_linked; k++)
			if (b->urr[i].linked[k] == b->urr[i].id || b_urr(b, b->urr[i].linked[k]) == NULL)
				return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_LINKED_URR_ID, PF_RULE_URR, b->urr[i].id);
	for (i = 0; i < b->n_far; i++) {
		const struct pf_far *r = &b->far[i];

		if ((r->apply & PF_AA_FORW) && !r->has_fwd)
			return fail(b, r->ni || r->has_ohc || r->has_tlm ? PF_CAUSE_MANDATORY_MISSING :
				PF_CAUSE_CONDITIONAL_MISSING, r->ni || r->has_ohc || r->has_tlm ?
				PF_IE_DST_IFACE : PF_IE_FWD_PARAMS, 0, 0);
		if (r->has_bar && (!b->bar.present || b->bar.id != r->bar_id))
			return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_BAR_ID, PF_RULE_FAR, r->id);
	}
	return 0;
}

/* Is @a (@n octets) inside the prefix @e names? */
static bool
in_prefix(const struct pf_flow_end *e, const uint8_t *a, unsigned n)
{
	unsigned bits = e->plen < n * 8 ? e->plen : n * 8, k;

	for (k = 0; k < bits / 8; k++)
		if (a[k] != e->addr[k])
			return false;
	return bits % 8 == 0 || ((a[k] ^ e->addr[k]) & (uint8_t)(0xff << (8 - bits % 8))) == 0;
}

/* An SDF Filter's UE side is not matched (the remote side is, and the packet's UE side is
 * the session's UE address): one written as an address is taken when it holds a UE
 * address of the session, so that it matches what that side would; else it is refused. */
static int
ue_sides(struct bld *b)
{
	for (int i = 0; i < b->n_pdr; i++)
		for (int k = 0; k < b->pdr[i].n_sdf; k++) {
			const struct pf_sdf_rule *r = &b->pdr[i].sdf[k];
			const struct pf_flow_end *e = pf_flow_ue(&r->flow);
			bool held = false;

			if (!r->has_fd || e->any || e->assigned)
				continue;
			for (int j = 0; j < b->n_pdr && !held; j++) {
				const struct pf_ue_ip *u = &b->pdr[j].ue;

				if (!b->pdr[j].has_ue_ip)
					continue;
				held = r->flow.af == AF_INET ? u->has_v4 && in_prefix(e, u->v4, 4) :
					u->has_v6 && in_prefix(e, u->v6, 16);
			}
			if (!held)
				return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_SDF_FILTER, PF_RULE_PDR, b->pdr[i].id);
		}
	return 0;
}

/* ---- layout ---- */

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

static int
cmp_pdr(const void *a, const void *b)
{
	const struct pf_pdr *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

#define CMP_ID(fn, type)                                         \
	static int fn(const void *a, const void *b)              \
	{                                                        \
		const struct type *x = a, *y = b;                \
		return (x->id > y->id) - (x->id < y->id);        \
	}
CMP_ID(cmp_far, pf_far)
CMP_ID(cmp_qer, pf_qer)
CMP_ID(cmp_urr, pf_urr)

struct pf_session *
pf_sess_layout(struct bld *b)
{
	size_t sz = ALIGN8(sizeof(struct pf_session)), o_pdr, o_far, o_qer, o_urr, o_sdf, o_ethf, o_ids;
	int i, n_sdf = 0, n_ethf = 0, n_ids = 0;
	struct pf_sdf_rule *sdf;
	struct pf_eth_filter *ethf;
	struct pf_session *s;
	uint32_t *ids;
	char *base;

	qsort(b->pdr, (size_t)b->n_pdr, sizeof(b->pdr[0]), cmp_pdr);
	qsort(b->far, (size_t)b->n_far, sizeof(b->far[0]), cmp_far);
	qsort(b->qer, (size_t)b->n_qer, sizeof(b->qer[0]), cmp_qer);
	qsort(b->urr, (size_t)b->n_urr, sizeof(b->urr[0]), cmp_urr);
	for (i = 0; i < b->n_pdr; i++) {
		n_sdf += b->pdr[i].n_sdf;
		n_ethf += b->pdr[i].n_ethf;
		n_ids += b->pdr[i].n_qer + b->pdr[i].n_urr;
	}
	o_pdr = sz;
	sz = ALIGN8(sz + (size_t)b->n_pdr * sizeof(struct pf_pdr));
	o_urr = sz;
	sz = ALIGN8(sz + (size_t)b->n_urr * sizeof(struct pf_urr));
	o_qer = sz;
	sz = ALIGN8(sz + (size_t)b->n_qer * sizeof(struct pf_qer));
	o_far = sz;
	sz = ALIGN8(sz + (size_t)b->n_far * sizeof(struct pf_far));
	o_sdf = sz;
	sz = ALIGN8(sz + (size_t)n_sdf * sizeof(struct pf_sdf_rule));
	o_ethf = sz;
	sz = ALIGN8(sz + (size_t)n_ethf * sizeof(struct pf_eth_filter));
	o_ids = sz;
	sz += (size_t)n_ids * sizeof(uint32_t);
	base = malloc(sz);
	if (base == NULL)
		return NULL;
	s = (struct pf_session *)base;
	memset(s, 0, sizeof(*s));
	s->up_seid = b->up_seid;
	s->cp = b->cp;
	s->pdn_type = b->pdn_type;
	s->inact_s = b->inact_s;
	s->bar = b->bar;
	s->bytes = (uint32_t)sz;
	s->n_pdr = (uint8_t)b->n_pdr;
	s->n_far = (uint8_t)b->n_far;
	s->n_qer = (uint8_t)b->n_qer;
	s->n_urr = (uint8_t)b->n_urr;
	s->pdr = b->n_pdr ? (struct pf_pdr *)(base + o_pdr) : NULL;
	s->urr = b->n_urr ? (struct pf_urr *)(base + o_urr) : NULL;
	s->qer = b->n_qer ? (struct pf_qer *)(base + o_qer) : NULL;
	s->far = b->n_far ? (struct pf_far *)(base + o_far) : NULL;
	if (b->n_urr)
		memcpy(s->urr, b->urr, (size_t)b->n_urr * sizeof(struct pf_urr));
	if (b->n_qer)
		memcpy(s->qer, b->qer, (size_t)b->n_qer * sizeof(struct pf_qer));
	if (b->n_far)
		memcpy(s->far, b->far, (size_t)b->n_far * sizeof(struct pf_far));
	sdf = (struct pf_sdf_rule *)(base + o_sdf);
	ethf = (struct pf_eth_filter *)(base + o_ethf);
	ids = (uint32_t *)(base + o_ids);
	for (i = 0; i < b->n_pdr; i++) {
		struct pf_pdr *p = &s->pdr[i];

		*p = b->pdr[i];
		if (p->n_sdf) {
			memcpy(sdf, b->pdr[i].sdf, p->n_sdf * sizeof(*sdf));
			p->sdf = sdf;
			sdf += p->n_sdf;
		}
		if (p->n_ethf) {
			memcpy(ethf, b->pdr[i].ethf, p->n_ethf * sizeof(*ethf));
			p->ethf = ethf;
			ethf += p->n_ethf;
		}
		if (p->n_qer) {
			memcpy(ids, b->pdr[i].qer, p->n_qer * sizeof(*ids));
			p->qer = ids;
			ids += p->n_qer;
		}
		if (p->n_urr) {
			memcpy(ids, b->pdr[i].urr, p->n_urr * sizeof(*ids));
			p->urr = ids;
			ids += p->n_urr;
		}
		name_ref(p->ni);
		name_ref(p->pool);
		name_ref(p->app);
	}
	for (i = 0; i < b->n_far; i++) {
		name_ref(s->far[i].ni);
		name_ref(s->far[i].redir_url);
	}
	return s;
}

/* ---- entry points ---- */

static struct bld *
bld_new(const struct pf_msg *m, struct pf_fail *f, struct pf_mod *x)
{
	int i, n_sdf = 0, n_ethf = 0, n_ids = 0;
	struct bld *b;

	for (i = 0; i < m->n_ies; i++)
		if (m->ies[i].type == PF_IE_SDF_FILTER)
			n_sdf++;
		else if (m->ies[i].type == PF_IE_ETH_PACKET_FILTER)
			n_ethf++;
		else if (m->ies[i].type == PF_IE_URR_ID || m->ies[i].type == PF_IE_QER_ID)
			n_ids++;
	b = malloc(sizeof(*b));
	if (b == NULL)
		return NULL;
	b->n_pdr = b->n_far = b->n_qer = b->n_urr = 0;
	b->n_rm_far = b->n_rm_qer = b->n_rm_urr = 0;
	b->n_sdfs = b->n_ethfs = b->n_ids = b->n_new = 0;
	b->max_sdfs = n_sdf;
	b->max_ethfs = n_ethf;
	b->max_ids = n_ids;
	b->m = m;
	b->f = f;
	b->x = x;
	b->up_seid = 0;
	b->pdn_type = 0;
	b->inact_s = 0;
	memset(&b->cp, 0, sizeof(b->cp));
	memset(&b->bar, 0, sizeof(b->bar));
	b->sdfs = malloc((size_t)(n_sdf ? n_sdf : 1) * sizeof(*b->sdfs));
	b->ethfs = n_ethf ? malloc((size_t)n_ethf * sizeof(*b->ethfs)) : NULL;
	b->ids = malloc((size_t)(n_ids ? n_ids : 1) * sizeof(*b->ids));
	if (b->sdfs == NULL || b->ids == NULL || (n_ethf && b->ethfs == NULL)) {
		free(b->sdfs);
		free(b->ethfs);
		free(b->ids);
		free(b);
		return NULL;
	}
	return b;
}

static void
bld_free(struct bld *b)
{
	int i;

	for (i = 0; i < b->n_new; i++)
		pf_sess_name_gc(b->newnames[i]); /* the ones no session took */
	free(b->sdfs);
	free(b->ethfs);
	free(b->ids);
	free(b);
}

static int
nomem(struct pf_fail *f)
{
	f->cause = PF_CAUSE_NO_RESOURCES;
	f->offending_ie = 0;
	f->rule_kind = PF_RULE_NONE;
	f->rule_id = 0;
	return -ENOMEM;
}

/* checks, then lays out; frees the builder */
static int
finish(struct bld *b, int rc, struct pf_session **out)
{
	if (rc == 0)
		rc = check_refs(b);
	if (rc == 0)
		rc = ue_sides(b);
	if (rc == 0) {
		*out = pf_sess_layout(b);
		if (*out == NULL)
			rc = nomem(b->f);
	}
	bld_free(b);
	return rc;
}

int
pf_sess_establish(const struct pf_msg *m, struct pf_session **out, struct pf_fail *f)
{
	struct bld *b;
	int i, rc = 0;

	*out = NULL;
	memset(f, 0, sizeof(*f));
	f->rule_kind = PF_RULE_NONE;
	if (m->hdr.type != PF_SESS_EST_REQ) { /* the caller's mistake; refused all the same */
		f->cause = PF_CAUSE_REJECTED;
		return -EINVAL;
	}
	b = bld_new(m, f, NULL);
	if (b == NULL)
		return nomem(f);
	i = pf_find(m, -1, PF_IE_FSEID, -1);
	if (i < 0 || pf_get_fseid(&m->ies[i], &b->cp) != 0)
		rc = fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_FSEID, 0, 0);
	if (rc == 0 && u8_of(b, -1, PF_IE_PDN_TYPE, &b->pdn_type) == 0)
		b->pdn_type &= 0x07;
	if (rc == 0)
		rc = apply_msg(b);
	return finish(b, rc, out);
}

static bool
fseid_eq(const struct pf_fseid *a, const struct pf_fseid *b)
{
	return a->seid == b->seid && a->has_v4 == b->has_v4 && a->has_v6 == b->has_v6 &&
		(!a->has_v4 || memcmp(a->v4, b->v4, 4) == 0) && (!a->has_v6 || memcmp(a->v6, b->v6, 16) == 0);
}

int
pf_sess_modify(const struct pf_session *cur, const struct pf_msg *m, struct pf_session **out,
	struct pf_mod *x, struct pf_fail *f)
{
	struct bld *b;
	uint8_t flags = 0;
	int i, rc = 0;

	*out = NULL;
	memset(f, 0, sizeof(*f));
	f->rule_kind = PF_RULE_NONE;
	memset(x, 0, sizeof(*x));
	if (m->hdr.type != PF_SESS_MOD_REQ) { /* the caller's mistake; refused all the same */
		f->cause = PF_CAUSE_REJECTED;
		return -EINVAL;
	}
	b = bld_new(m, f, x);
	if (b == NULL)
		return nomem(f);
	b->up_seid = cur->up_seid;
	b->cp = cur->cp;
	b->pdn_type = cur->pdn_type;
	b->inact_s = cur->inact_s;
	b->bar = cur->bar;
	b->n_pdr = cur->n_pdr;
	b->n_far = cur->n_far;
	b->n_qer = cur->n_qer;
	b->n_urr = cur->n_urr;
	if (cur->n_pdr)
		memcpy(b->pdr, cur->pdr, cur->n_pdr * sizeof(b->pdr[0]));
	if (cur->n_far)
		memcpy(b->far, cur->far, cur->n_far * sizeof(b->far[0]));
	if (cur->n_qer)
		memcpy(b->qer, cur->qer, cur->n_qer * sizeof(b->qer[0]));
	if (cur->n_urr)
		memcpy(b->urr, cur->urr, cur->n_urr * sizeof(b->urr[0]));
	i = pf_find(m, -1, PF_IE_FSEID, -1);
	if (i >= 0) {
		if (pf_get_fseid(&m->ies[i], &b->cp) != 0)
			rc = fail(b, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_FSEID, 0, 0);
		x->cp_changed = !fseid_eq(&b->cp, &cur->cp);
	}
	if (rc == 0)
		rc = apply_msg(b);
	/* Query URR: of URRs there after the message */
	for (i = pf_find(m, -1, PF_IE_QUERY_URR, -1); rc == 0 && i >= 0; i = pf_find(m, -1, PF_IE_QUERY_URR, i)) {
		uint32_t id;

		if (u32_of(b, i, PF_IE_URR_ID, &id) != 0)
			rc = fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_URR_ID, 0, 0);
		else if (b_urr(b, id) == NULL)
			rc = fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_QUERY_URR, PF_RULE_URR, id);
		else if (!in_list(x->query_urr, x->n_query_urr, id))
			x->query_urr[x->n_query_urr++] = id;
	}
	if (rc == 0 && u8_of(b, -1, PF_IE_SMREQ_FLAGS, &flags) == 0) {
		/* DROBU: what is buffered goes before the new rules could send it */
		x->drobu = flags & PF_SMREQ_DROBU;
		if (flags & PF_SMREQ_QAURR)
			for (i = 0; i < b->n_urr; i++)
				if (!in_list(x->query_urr, x->n_query_urr, b->urr[i].id))
					x->query_urr[x->n_query_urr++] = b->urr[i].id;
	}
	rc = finish(b, rc, out);
	if (rc != 0)
		memset(x, 0, sizeof(*x));
	return rc;
}

void
pf_sess_free(struct pf_session *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_pdr; i++) {
		name_unref(s->pdr[i].ni);
		name_unref(s->pdr[i].app);
		name_unref(s->pdr[i].pool);
	}
	for (i = 0; i < s->n_far; i++) {
		name_unref(s->far[i].ni);
		name_unref(s->far[i].redir_url);
	}
	free(s);
}

size_t
pf_sess_bytes(const struct pf_session *s)
{
	return s ? s->bytes : 0;
}

#define LOOKUP(fn, type, arr, n, idt)                                  \
	struct type *fn(const struct pf_session *s, idt id)            \
	{                                                              \
		int lo = 0, hi = s->n - 1;                             \
		while (lo <= hi) {                                     \
			int mid = (lo + hi) / 2;                       \
			if (s->arr[mid].id == id)                      \
				return &s->arr[mid];                   \
			if (s->arr[mid].id < id)                       \
				lo = mid + 1;                          \
			else                                           \
				hi = mid - 1;                          \
		}                                                      \
		return NULL;                                           \
	}
LOOKUP(pf_sess_pdr, pf_pdr, pdr, n_pdr, uint16_t)
LOOKUP(pf_sess_far, pf_far, far, n_far, uint32_t)
LOOKUP(pf_sess_qer, pf_qer, qer, n_qer, uint32_t)
LOOKUP(pf_sess_urr, pf_urr, urr, n_urr, uint32_t)
