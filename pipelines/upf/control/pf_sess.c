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

#include "pf_crc.h"
#include "pf_sess.h"

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
static uint16_t
name_intern(const char *s, size_t n)
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
static void
name_gc(uint16_t id)
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
		name_gc(id);
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

/* ---- the builder ---- */

#define NEWNAMES_MAX 256 /* NI and Application IDs of one message: 32+32 PDRs x 2, 32+32 FARs */

struct bld {
	const struct pf_msg *m;
	struct pf_fail *f;
	struct pf_mod *x; /* NULL for an establishment */
	uint64_t up_seid;
	struct pf_fseid cp;
	uint8_t pdn_type;
	struct pf_bar bar;
	int n_pdr, n_far, n_qer, n_urr;
	struct pf_pdr pdr[PF_SESS_PDR_MAX];
	struct pf_far far[PF_SESS_FAR_MAX];
	struct pf_qer qer[PF_SESS_QER_MAX];
	struct pf_urr urr[PF_SESS_URR_MAX];
	/* what this message removed, to name it when a PDR still points there */
	int n_rm_far, n_rm_qer, n_rm_urr;
	uint32_t rm_far[PF_SESS_FAR_MAX], rm_qer[PF_SESS_QER_MAX], rm_urr[PF_SESS_URR_MAX];
	/* scratch for the message's SDF filters and ID lists (sized by counting) */
	struct pf_sdf_rule *sdfs;
	uint32_t *ids;
	int n_sdfs, n_ids, max_sdfs, max_ids;
	int n_new;
	uint16_t newnames[NEWNAMES_MAX];
};

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
	} else {
		if (ie->len > PF_SESS_NAME_LEN || memchr(ie->v, 0, ie->len) != NULL)
			return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
		n = ie->len;
		memcpy(s, ie->v, n);
	}
	if (n == 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	*id = name_intern(s, n);
	if (*id == 0)
		return fail(b, PF_CAUSE_NO_RESOURCES, ie->type, 0, 0);
	if (names[*id].refs == 0 && b->n_new < NEWNAMES_MAX)
		b->newnames[b->n_new++] = *id; /* freed at the end unless a session took it */
	return 0;
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

	if (ie->v[0] & 0x30) /* CHV4/CHV6: the UP would allocate the UE address (UEIP) */
		return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
	if (pf_get_ue_ip(ie, &u) != 0)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
	if (!p->has_ue_ip) {
		p->ue = u;
		p->has_ue_ip = true;
		return 0;
	}
	/* a second IE: the other family (as some SMFs send IPv4 and IPv6 apart) */
	if ((u.has_v4 && p->ue.has_v4) || (u.has_v6 && p->ue.has_v6) || u.sd != p->ue.sd)
		return fail(b, PF_CAUSE_MANDATORY_INCORRECT, ie->type, 0, 0);
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
	memset(r, 0, sizeof(*r));
	r->flags = s.flags;
	r->tos = s.tos;
	r->spi = s.spi;
	r->flow_label = s.flow_label;
	r->filter_id = s.filter_id;
	if (s.flags & 0x01) {
		if (pf_flow_parse(s.fd, sizeof(s.fd), &r->flow) != 0)
			return fail(b, PF_CAUSE_RULE_FAILURE, ie->type, PF_RULE_PDR, p->id);
		r->has_fd = true;
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
	p->n_sdf = 0;
	p->sdf = NULL;
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
	i = child(b, pdi, PF_IE_APP_ID);
	if (i >= 0 && (rc = intern_ie(b, i, false, &p->app)) != 0)
		return rc;
	for (i = pf_find(b->m, pdi, PF_IE_QFI, -1); i >= 0; i = pf_find(b->m, pdi, PF_IE_QFI, i))
		if (pf_get_u8(ie_at(b, i), &v) == 0)
			p->qfi_mask |= 1ull << (v & 0x3f); /* bits 7-8 spare */
	if (b->x != NULL && p->has_fteid && p->fteid.ch && b->x->n_new_fteid < PF_SESS_PDR_MAX)
		b->x->new_fteid[b->x->n_new_fteid++] = p->id;
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
	if (d != PF_OHC_GTPU_UDP_IPV4 && d != PF_OHC_GTPU_UDP_IPV6)
		return fail(b, PF_CAUSE_RULE_FAILURE, PF_IE_OHC, PF_RULE_FAR, r->id);
	r->ohc = o;
	r->has_ohc = true;
	return 0;
}

/* Forwarding Parameters or Update Forwarding Parameters at @g: the fields there replace */
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
	i = child(b, g, PF_IE_TLM);
	if (i >= 0) {
		r->tos = ie_at(b, i)->v[0];
		r->tos_mask = ie_at(b, i)->v[1];
		r->has_tlm = true;
	}
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
	i = child(b, g, PF_IE_REPORTING_TRIGGERS);
	if (i >= 0) {
		const struct pf_ie *ie = ie_at(b, i);

		u->triggers = (uint32_t)ie->v[0] << 16 | (uint32_t)ie->v[1] << 8 | (ie->len >= 3 ? ie->v[2] : 0);
	} else if (!upd) {
		return fail(b, PF_CAUSE_MANDATORY_MISSING, PF_IE_REPORTING_TRIGGERS, 0, 0);
	}
	opt_u32(b, g, PF_IE_MEAS_PERIOD, &u->meas_period);
	opt_u32(b, g, PF_IE_TIME_THRESH, &u->time_thresh);
	opt_u32(b, g, PF_IE_TIME_QUOTA, &u->time_quota);
	opt_u32(b, g, PF_IE_QUOTA_HOLDING_TIME, &u->quota_holding);
	i = child(b, g, PF_IE_VOL_THRESH);
	if (i >= 0 && pf_get_volume(ie_at(b, i), &u->vol_thresh) == 0)
		u->has_vol_thresh = true;
	i = child(b, g, PF_IE_VOL_QUOTA);
	if (i >= 0 && pf_get_volume(ie_at(b, i), &u->vol_quota) == 0)
		u->has_vol_quota = true;
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

static struct pf_session *
layout(struct bld *b)
{
	size_t sz = ALIGN8(sizeof(struct pf_session)), o_pdr, o_far, o_qer, o_urr, o_sdf, o_ids;
	int i, n_sdf = 0, n_ids = 0;
	struct pf_sdf_rule *sdf;
	struct pf_session *s;
	uint32_t *ids;
	char *base;

	qsort(b->pdr, (size_t)b->n_pdr, sizeof(b->pdr[0]), cmp_pdr);
	qsort(b->far, (size_t)b->n_far, sizeof(b->far[0]), cmp_far);
	qsort(b->qer, (size_t)b->n_qer, sizeof(b->qer[0]), cmp_qer);
	qsort(b->urr, (size_t)b->n_urr, sizeof(b->urr[0]), cmp_urr);
	for (i = 0; i < b->n_pdr; i++) {
		n_sdf += b->pdr[i].n_sdf;
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
	ids = (uint32_t *)(base + o_ids);
	for (i = 0; i < b->n_pdr; i++) {
		struct pf_pdr *p = &s->pdr[i];

		*p = b->pdr[i];
		if (p->n_sdf) {
			memcpy(sdf, b->pdr[i].sdf, p->n_sdf * sizeof(*sdf));
			p->sdf = sdf;
			sdf += p->n_sdf;
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
		name_ref(p->app);
	}
	for (i = 0; i < b->n_far; i++)
		name_ref(s->far[i].ni);
	return s;
}

/* ---- entry points ---- */

static struct bld *
bld_new(const struct pf_msg *m, struct pf_fail *f, struct pf_mod *x)
{
	int i, n_sdf = 0, n_ids = 0;
	struct bld *b;

	for (i = 0; i < m->n_ies; i++)
		if (m->ies[i].type == PF_IE_SDF_FILTER)
			n_sdf++;
		else if (m->ies[i].type == PF_IE_URR_ID || m->ies[i].type == PF_IE_QER_ID)
			n_ids++;
	b = malloc(sizeof(*b));
	if (b == NULL)
		return NULL;
	b->n_pdr = b->n_far = b->n_qer = b->n_urr = 0;
	b->n_rm_far = b->n_rm_qer = b->n_rm_urr = 0;
	b->n_sdfs = b->n_ids = b->n_new = 0;
	b->max_sdfs = n_sdf;
	b->max_ids = n_ids;
	b->m = m;
	b->f = f;
	b->x = x;
	b->up_seid = 0;
	b->pdn_type = 0;
	memset(&b->cp, 0, sizeof(b->cp));
	memset(&b->bar, 0, sizeof(b->bar));
	b->sdfs = malloc((size_t)(n_sdf ? n_sdf : 1) * sizeof(*b->sdfs));
	b->ids = malloc((size_t)(n_ids ? n_ids : 1) * sizeof(*b->ids));
	if (b->sdfs == NULL || b->ids == NULL) {
		free(b->sdfs);
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
		name_gc(b->newnames[i]); /* the ones no session took */
	free(b->sdfs);
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
	if (rc == 0) {
		*out = layout(b);
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
		x->drobu = (flags & PF_SMREQ_DROBU) != 0;
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
	}
	for (i = 0; i < s->n_far; i++)
		name_unref(s->far[i].ni);
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

/* ---- pack / unpack (see pf_sess.h) ----
 * Version 1, after the format byte: every field as a varint or raw octets, present only
 * when not zero (a mask per rule says which follow, and carries the booleans), names
 * written once per session and then referred to by their rank, a CRC32C at the end. */


#define PACK_V1 1
#define PACK_NAMES 256 /* distinct names per session: at most 64 x 2 (PDR) + 64 (FAR) */

struct wr {
	uint8_t *b;
	size_t size, n;
	uint16_t names[PACK_NAMES];
	int n_names;
};

static inline void
w8(struct wr *w, uint8_t v)
{
	if (w->n < w->size)
		w->b[w->n] = v;
	w->n++;
}

static inline void
wraw(struct wr *w, const void *p, size_t n)
{
	if (w->n + n <= w->size)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

static inline void
wvar(struct wr *w, uint64_t v)
{
	while (v >= 0x80) {
		w8(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w8(w, (uint8_t)v);
}

static bool
nonzero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return true;
	return false;
}

/* a name: its rank + 1 when written before in this session, else 0, its length, octets */
static void
wname(struct wr *w, uint16_t id)
{
	const char *s = pf_sess_name(id);
	size_t n = strlen(s);
	int i;

	for (i = 0; i < w->n_names; i++)
		if (w->names[i] == id) {
			wvar(w, (uint64_t)i + 1);
			return;
		}
	w8(w, 0);
	w8(w, (uint8_t)n); /* 0 for an id not in use: unpack refuses it */
	wraw(w, s, n);
	if (w->n_names < PACK_NAMES)
		w->names[w->n_names++] = id;
}

/* bit i of a mask from a condition */
#define BIT(i, c) ((c) ? (uint64_t)1 << (i) : 0)

static void
w_fteid(struct wr *w, const struct pf_fteid *f)
{
	uint8_t m = (uint8_t)(BIT(0, f->has_v4) | BIT(1, f->has_v6) | BIT(2, f->ch) | BIT(3, f->has_chid) |
		BIT(4, f->chid) | BIT(5, f->teid) | BIT(6, nonzero(f->v4, 4)) | BIT(7, nonzero(f->v6, 16)));

	w8(w, m);
	if (m & 0x10)
		w8(w, f->chid);
	if (m & 0x20)
		wraw(w, &f->teid, 4); /* host order: the file stays on this host */
	if (m & 0x40)
		wraw(w, f->v4, 4);
	if (m & 0x80)
		wraw(w, f->v6, 16);
}

static void
w_ue(struct wr *w, const struct pf_ue_ip *u)
{
	uint8_t m = (uint8_t)(BIT(0, u->has_v4) | BIT(1, u->has_v6) | BIT(2, u->sd) | BIT(3, u->has_v6_plen) |
		BIT(4, u->v6d) | BIT(5, u->v6_plen) | BIT(6, nonzero(u->v4, 4)) | BIT(7, nonzero(u->v6, 16)));

	w8(w, m);
	if (m & 0x10)
		w8(w, u->v6d);
	if (m & 0x20)
		w8(w, u->v6_plen);
	if (m & 0x40)
		wraw(w, u->v4, 4);
	if (m & 0x80)
		wraw(w, u->v6, 16);
}

static uint8_t
af_code(uint8_t af)
{
	return af == 0 ? 0 : af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0xff;
}

static void
w_end(struct wr *w, const struct pf_flow_end *e)
{
	int n = 16, i;

	while (n > 0 && e->addr[n - 1] == 0)
		n--;
	w8(w, (uint8_t)(BIT(0, e->any) | BIT(1, e->assigned) | (unsigned)n << 2));
	wraw(w, e->addr, (size_t)n);
	w8(w, e->plen);
	w8(w, e->n_ports);
	for (i = 0; i < e->n_ports && i < PF_FLOW_PORTS; i++) {
		wvar(w, e->ports[i][0]);
		wvar(w, (uint16_t)(e->ports[i][1] - e->ports[i][0]));
	}
}

static void
w_sdf(struct wr *w, const struct pf_sdf_rule *r)
{
	uint64_t m = BIT(0, r->has_fd) | BIT(1, r->flags) | BIT(2, r->tos) | BIT(3, r->spi) |
		BIT(4, r->flow_label) | BIT(5, r->filter_id) | BIT(6, r->has_fd);

	wvar(w, m);
	if (m & 0x02)
		w8(w, r->flags);
	if (m & 0x04)
		wvar(w, r->tos);
	if (m & 0x08)
		wvar(w, r->spi);
	if (m & 0x10)
		wvar(w, r->flow_label);
	if (m & 0x20)
		wvar(w, r->filter_id);
	if (m & 0x40) {
		w8(w, r->flow.dir);
		w8(w, r->flow.proto);
		w8(w, af_code(r->flow.af));
		w_end(w, &r->flow.src);
		w_end(w, &r->flow.dst);
	}
}

static bool
fteid_set(const struct pf_fteid *f)
{
	return f->has_v4 || f->has_v6 || f->ch || f->has_chid || f->chid || f->teid || nonzero(f->v4, 4) ||
		nonzero(f->v6, 16);
}

static bool
ue_set(const struct pf_ue_ip *u)
{
	return u->has_v4 || u->has_v6 || u->sd || u->v6d || u->has_v6_plen || u->v6_plen || nonzero(u->v4, 4) ||
		nonzero(u->v6, 16);
}

static void
w_pdr(struct wr *w, const struct pf_pdr *p)
{
	uint64_t m = BIT(0, p->has_ohr) | BIT(1, p->has_fteid) | BIT(2, p->has_ue_ip) | BIT(3, p->src_iface) |
		BIT(4, p->ohr) | BIT(5, p->ni) | BIT(6, p->app) | BIT(7, p->precedence) | BIT(8, p->far_id) |
		BIT(9, p->qfi_mask) | BIT(10, fteid_set(&p->fteid)) | BIT(11, ue_set(&p->ue)) |
		BIT(12, p->n_sdf) | BIT(13, p->n_qer) | BIT(14, p->n_urr);
	int i;

	wvar(w, p->id);
	wvar(w, m);
	if (m & BIT(3, 1))
		w8(w, p->src_iface);
	if (m & BIT(4, 1))
		w8(w, p->ohr);
	if (m & BIT(5, 1))
		wname(w, p->ni);
	if (m & BIT(6, 1))
		wname(w, p->app);
	if (m & BIT(7, 1))
		wvar(w, p->precedence);
	if (m & BIT(8, 1))
		wvar(w, p->far_id);
	if (m & BIT(9, 1))
		wvar(w, p->qfi_mask);
	if (m & BIT(10, 1))
		w_fteid(w, &p->fteid);
	if (m & BIT(11, 1))
		w_ue(w, &p->ue);
	if (m & BIT(12, 1)) {
		w8(w, p->n_sdf);
		for (i = 0; i < p->n_sdf; i++)
			w_sdf(w, &p->sdf[i]);
	}
	if (m & BIT(13, 1)) {
		w8(w, p->n_qer);
		for (i = 0; i < p->n_qer; i++)
			wvar(w, p->qer[i]);
	}
	if (m & BIT(14, 1)) {
		w8(w, p->n_urr);
		for (i = 0; i < p->n_urr; i++)
			wvar(w, p->urr[i]);
	}
}

static void
w_ohc(struct wr *w, const struct pf_ohc *o)
{
	uint8_t m = (uint8_t)(BIT(0, o->desc) | BIT(1, o->teid) | BIT(2, nonzero(o->v4, 4)) |
		BIT(3, nonzero(o->v6, 16)) | BIT(4, o->port));

	w8(w, m);
	if (m & 0x01)
		wvar(w, o->desc);
	if (m & 0x02)
		wraw(w, &o->teid, 4);
	if (m & 0x04)
		wraw(w, o->v4, 4);
	if (m & 0x08)
		wraw(w, o->v6, 16);
	if (m & 0x10)
		wvar(w, o->port);
}

static void
w_far(struct wr *w, const struct pf_far *r)
{
	uint64_t m = BIT(0, r->has_fwd) | BIT(1, r->has_ohc) | BIT(2, r->has_tlm) | BIT(3, r->has_bar) |
		BIT(4, r->apply) | BIT(5, r->dst_iface) | BIT(6, r->ni) | BIT(7, r->tos) | BIT(8, r->tos_mask) |
		BIT(9, r->bar_id) | BIT(10, r->ohc.desc || r->ohc.teid || r->ohc.port || nonzero(r->ohc.v4, 20));

	wvar(w, r->id);
	wvar(w, m);
	if (m & BIT(4, 1))
		wvar(w, r->apply);
	if (m & BIT(5, 1))
		w8(w, r->dst_iface);
	if (m & BIT(6, 1))
		wname(w, r->ni);
	if (m & BIT(7, 1))
		w8(w, r->tos);
	if (m & BIT(8, 1))
		w8(w, r->tos_mask);
	if (m & BIT(9, 1))
		w8(w, r->bar_id);
	if (m & BIT(10, 1))
		w_ohc(w, &r->ohc);
}

static void
w_qer(struct wr *w, const struct pf_qer *q)
{
	uint64_t m = BIT(0, q->has_corr) | BIT(1, q->has_mbr) | BIT(2, q->has_gbr) | BIT(3, q->has_qfi) |
		BIT(4, q->corr) | BIT(5, q->mbr.ul || q->mbr.dl) | BIT(6, q->gbr.ul || q->gbr.dl) | BIT(7, q->qfi) |
		BIT(8, q->gate_ul) | BIT(9, q->gate_dl);

	wvar(w, q->id);
	wvar(w, m);
	if (m & BIT(4, 1))
		wvar(w, q->corr);
	if (m & BIT(5, 1)) {
		wvar(w, q->mbr.ul);
		wvar(w, q->mbr.dl);
	}
	if (m & BIT(6, 1)) {
		wvar(w, q->gbr.ul);
		wvar(w, q->gbr.dl);
	}
	if (m & BIT(7, 1))
		w8(w, q->qfi);
	if (m & BIT(8, 1))
		w8(w, q->gate_ul);
	if (m & BIT(9, 1))
		w8(w, q->gate_dl);
}

static void
w_vol(struct wr *w, const struct pf_volume *v)
{
	uint8_t m = (uint8_t)(BIT(0, v->flags) | BIT(1, v->total) | BIT(2, v->ul) | BIT(3, v->dl));

	w8(w, m);
	if (m & 1)
		w8(w, v->flags);
	if (m & 2)
		wvar(w, v->total);
	if (m & 4)
		wvar(w, v->ul);
	if (m & 8)
		wvar(w, v->dl);
}

static void
w_urr(struct wr *w, const struct pf_urr *u)
{
	uint64_t m = BIT(0, u->has_vol_thresh) | BIT(1, u->has_vol_quota) | BIT(2, u->method) |
		BIT(3, u->triggers) | BIT(4, u->time_thresh) | BIT(5, u->time_quota) | BIT(6, u->meas_period) |
		BIT(7, u->quota_holding) |
		BIT(8, u->vol_thresh.flags || u->vol_thresh.total || u->vol_thresh.ul || u->vol_thresh.dl) |
		BIT(9, u->vol_quota.flags || u->vol_quota.total || u->vol_quota.ul || u->vol_quota.dl);

	wvar(w, u->id);
	wvar(w, m);
	if (m & BIT(2, 1))
		w8(w, u->method);
	if (m & BIT(3, 1))
		wvar(w, u->triggers);
	if (m & BIT(4, 1))
		wvar(w, u->time_thresh);
	if (m & BIT(5, 1))
		wvar(w, u->time_quota);
	if (m & BIT(6, 1))
		wvar(w, u->meas_period);
	if (m & BIT(7, 1))
		wvar(w, u->quota_holding);
	if (m & BIT(8, 1))
		w_vol(w, &u->vol_thresh);
	if (m & BIT(9, 1))
		w_vol(w, &u->vol_quota);
}

int
pf_sess_pack(const struct pf_session *s, uint8_t *buf, size_t size)
{
	const struct pf_bar *bar = &s->bar;
	struct wr w;
	uint32_t crc;
	uint8_t m;
	int i;

	w.b = buf;
	w.size = buf != NULL ? size : 0;
	w.n = 0;
	w.n_names = 0;
	w8(&w, PACK_V1);
	wvar(&w, s->up_seid);
	m = (uint8_t)(BIT(0, s->cp.has_v4) | BIT(1, s->cp.has_v6) | BIT(2, nonzero(s->cp.v4, 4)) |
		BIT(3, nonzero(s->cp.v6, 16)) | BIT(4, s->pdn_type) | BIT(5, bar->present) | BIT(6, bar->has_delay) |
		BIT(7, bar->has_sugg));
	w8(&w, m);
	wvar(&w, s->cp.seid);
	if (m & 0x04)
		wraw(&w, s->cp.v4, 4);
	if (m & 0x08)
		wraw(&w, s->cp.v6, 16);
	if (m & 0x10)
		w8(&w, s->pdn_type);
	if (m & 0xe0) {
		w8(&w, bar->id);
		w8(&w, bar->dl_notif_delay);
		w8(&w, bar->sugg_pkts);
	}
	w8(&w, s->n_far);
	w8(&w, s->n_qer);
	w8(&w, s->n_urr);
	w8(&w, s->n_pdr);
	for (i = 0; i < s->n_far; i++)
		w_far(&w, &s->far[i]);
	for (i = 0; i < s->n_qer; i++)
		w_qer(&w, &s->qer[i]);
	for (i = 0; i < s->n_urr; i++)
		w_urr(&w, &s->urr[i]);
	for (i = 0; i < s->n_pdr; i++)
		w_pdr(&w, &s->pdr[i]);
	if (w.n + 4 > w.size) /* a size query, or too small */
		return buf == NULL && w.n + 4 <= INT32_MAX ? (int)(w.n + 4) : -ENOSPC;
	crc = pf_crc32c(0, buf, w.n);
	for (i = 0; i < 4; i++)
		buf[w.n++] = (uint8_t)(crc >> (8 * i));
	return (int)w.n;
}

/* ---- unpack: into a builder (static: one loop), checked, laid out as establish does ---- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static inline uint8_t
r8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static void
rraw(struct rd *r, void *d, size_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(d, 0, n);
		return;
	}
	memcpy(d, r->p, n);
	r->p += n;
}

/* a varint no larger than @max */
static uint64_t
rvar(struct rd *r, uint64_t max)
{
	uint64_t v = 0;
	unsigned sh;

	for (sh = 0; sh < 64; sh += 7) {
		uint8_t c = r8(r);

		if (sh == 63 && c > 1)
			break;
		v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			if (v > max)
				break;
			return v;
		}
	}
	r->bad = true;
	return 0;
}

struct unp {
	struct rd r;
	struct bld *b;
	bool nomem; /* the name table full, or no memory for a name */
	uint16_t names[PACK_NAMES];
	int n_names;
};

/* a name reference: its interned id (0 and bad when malformed or the table is full) */
static uint16_t
rname(struct unp *u)
{
	struct bld *b = u->b;
	char s[PF_SESS_NAME_LEN + 1];
	uint64_t k = rvar(&u->r, PACK_NAMES);
	uint16_t id;
	size_t n;

	if (u->r.bad)
		return 0;
	if (k > 0) {
		if (k > (uint64_t)u->n_names) {
			u->r.bad = true;
			return 0;
		}
		return u->names[k - 1];
	}
	n = r8(&u->r);
	rraw(&u->r, s, n);
	if (u->r.bad || n == 0 || memchr(s, 0, n) != NULL) {
		u->r.bad = true;
		return 0;
	}
	id = name_intern(s, n);
	if (id == 0) {
		u->nomem = true;
		u->r.bad = true;
		return 0;
	}
	if (names[id].refs == 0 && b->n_new < NEWNAMES_MAX)
		b->newnames[b->n_new++] = id; /* freed at the end unless the session took it */
	if (u->n_names < PACK_NAMES)
		u->names[u->n_names++] = id;
	return id;
}

static bool
is_bool(uint64_t m, int i)
{
	return (m >> i) & 1;
}

static void
r_fteid(struct rd *r, struct pf_fteid *f)
{
	uint8_t m = r8(r);

	f->has_v4 = m & 1;
	f->has_v6 = (m >> 1) & 1;
	f->ch = (m >> 2) & 1;
	f->has_chid = (m >> 3) & 1;
	if (m & 0x10)
		f->chid = r8(r);
	if (m & 0x20)
		rraw(r, &f->teid, 4);
	if (m & 0x40)
		rraw(r, f->v4, 4);
	if (m & 0x80)
		rraw(r, f->v6, 16);
	if (f->has_chid && !f->ch) /* as parse_fteid refuses it */
		r->bad = true;
}

static void
r_ue(struct rd *r, struct pf_ue_ip *u)
{
	uint8_t m = r8(r);

	u->has_v4 = m & 1;
	u->has_v6 = (m >> 1) & 1;
	u->sd = (m >> 2) & 1;
	u->has_v6_plen = (m >> 3) & 1;
	if (m & 0x10)
		u->v6d = r8(r);
	if (m & 0x20)
		u->v6_plen = r8(r);
	if (m & 0x40)
		rraw(r, u->v4, 4);
	if (m & 0x80)
		rraw(r, u->v6, 16);
}

/* one end of a flow (@af the flow's family: 0, 4 or 6): *addr whether it has an address */
static void
r_end(struct rd *r, struct pf_flow_end *e, uint8_t af, bool *addr)
{
	uint8_t m = r8(r), n = m >> 2;
	unsigned i, bits = af == 4 ? 32 : 128;

	e->any = m & 1;
	e->assigned = (m >> 1) & 1;
	*addr = !e->any && !e->assigned;
	if (n > bits / 8) {
		r->bad = true;
		return;
	}
	rraw(r, e->addr, n);
	e->plen = r8(r);
	e->n_ports = r8(r);
	if (e->n_ports > PF_FLOW_PORTS) {
		r->bad = true;
		return;
	}
	for (i = 0; i < e->n_ports; i++) {
		uint64_t lo = rvar(r, 65535), d = rvar(r, 65535 - lo);

		e->ports[i][0] = (uint16_t)lo;
		e->ports[i][1] = (uint16_t)(lo + d);
	}
	/* any, assigned or an address of the flow's family, host bits cleared */
	if (!*addr) {
		if ((e->any && e->assigned) || n != 0 || e->plen != 0)
			r->bad = true;
		return;
	}
	if (af == 0 || e->plen > bits)
		r->bad = true;
	for (i = 0; i < bits / 8 && !r->bad; i++) {
		unsigned keep = e->plen >= (i + 1) * 8 ? 8 : e->plen > i * 8 ? (unsigned)e->plen - i * 8 : 0;

		if (e->addr[i] & ~(0xff00 >> keep) & 0xff)
			r->bad = true;
	}
}

static void
r_sdf(struct rd *r, struct pf_sdf_rule *s)
{
	uint64_t m = rvar(r, 0x7f);
	bool a_src, a_dst;
	uint8_t af;

	memset(s, 0, sizeof(*s));
	s->has_fd = m & 1;
	if (m & 0x02)
		s->flags = r8(r);
	if (m & 0x04)
		s->tos = (uint16_t)rvar(r, UINT16_MAX);
	if (m & 0x08)
		s->spi = (uint32_t)rvar(r, UINT32_MAX);
	if (m & 0x10)
		s->flow_label = (uint32_t)rvar(r, UINT32_MAX);
	if (m & 0x20)
		s->filter_id = (uint32_t)rvar(r, UINT32_MAX);
	if (((m >> 6) & 1) != s->has_fd) { /* a flow exactly with FD */
		r->bad = true;
		return;
	}
	if (!s->has_fd)
		return;
	s->flow.dir = r8(r);
	s->flow.proto = r8(r);
	af = r8(r);
	if (s->flow.dir > PF_FLOW_IN || (af != 0 && af != 4 && af != 6)) {
		r->bad = true;
		return;
	}
	s->flow.af = af == 4 ? AF_INET : af == 6 ? AF_INET6 : 0;
	r_end(r, &s->flow.src, af, &a_src);
	r_end(r, &s->flow.dst, af, &a_dst);
	if ((af != 0) != (a_src || a_dst)) /* a family exactly when a side has an address */
		r->bad = true;
}

static void
r_pdr(struct unp *u, struct pf_pdr *p)
{
	struct rd *r = &u->r;
	struct bld *b = u->b;
	uint64_t m;
	int i;

	memset(p, 0, sizeof(*p));
	p->id = (uint16_t)rvar(r, UINT16_MAX);
	m = rvar(r, 0x7fff);
	p->has_ohr = is_bool(m, 0);
	p->has_fteid = is_bool(m, 1);
	p->has_ue_ip = is_bool(m, 2);
	if (m & BIT(3, 1))
		p->src_iface = r8(r);
	if (m & BIT(4, 1))
		p->ohr = r8(r);
	if (m & BIT(5, 1))
		p->ni = rname(u);
	if (m & BIT(6, 1))
		p->app = rname(u);
	if (m & BIT(7, 1))
		p->precedence = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(8, 1))
		p->far_id = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(9, 1))
		p->qfi_mask = rvar(r, UINT64_MAX);
	if (m & BIT(10, 1))
		r_fteid(r, &p->fteid);
	if (m & BIT(11, 1))
		r_ue(r, &p->ue);
	/* what establish leaves: a known interface and OHR, F-TEID and UE IP only with their flag */
	if (p->src_iface > PF_SRC_IFACE_MAX || (p->has_ohr ? p->ohr != PF_OHR_GTPU_UDP_IPV4 &&
		p->ohr != PF_OHR_GTPU_UDP_IPV6 && p->ohr != PF_OHR_GTPU_UDP_IP : p->ohr != 0) ||
		(!p->has_fteid && (m & BIT(10, 1))) || (!p->has_ue_ip && (m & BIT(11, 1))))
		r->bad = true;
	if (m & BIT(12, 1)) {
		p->n_sdf = r8(r);
		if (p->n_sdf == 0 || p->n_sdf > PF_SESS_SDF_MAX || b->n_sdfs + p->n_sdf > b->max_sdfs) {
			r->bad = true;
			return;
		}
		p->sdf = b->sdfs + b->n_sdfs;
		b->n_sdfs += p->n_sdf;
		for (i = 0; i < p->n_sdf && !r->bad; i++)
			r_sdf(r, &p->sdf[i]);
	}
	if (m & BIT(13, 1)) {
		p->n_qer = r8(r);
		if (p->n_qer == 0 || p->n_qer > PF_SESS_PDR_QER_MAX || b->n_ids + p->n_qer > b->max_ids) {
			r->bad = true;
			return;
		}
		p->qer = b->ids + b->n_ids;
		b->n_ids += p->n_qer;
		for (i = 0; i < p->n_qer; i++)
			p->qer[i] = (uint32_t)rvar(r, UINT32_MAX);
	}
	if (m & BIT(14, 1)) {
		p->n_urr = r8(r);
		if (p->n_urr == 0 || p->n_urr > PF_SESS_PDR_URR_MAX || b->n_ids + p->n_urr > b->max_ids) {
			r->bad = true;
			return;
		}
		p->urr = b->ids + b->n_ids;
		b->n_ids += p->n_urr;
		for (i = 0; i < p->n_urr; i++)
			p->urr[i] = (uint32_t)rvar(r, UINT32_MAX);
	}
}

static void
r_ohc(struct rd *r, struct pf_ohc *o)
{
	uint8_t m = r8(r);

	if (m & 0xe0)
		r->bad = true;
	if (m & 0x01)
		o->desc = (uint16_t)rvar(r, UINT16_MAX);
	if (m & 0x02)
		rraw(r, &o->teid, 4);
	if (m & 0x04)
		rraw(r, o->v4, 4);
	if (m & 0x08)
		rraw(r, o->v6, 16);
	if (m & 0x10)
		o->port = (uint16_t)rvar(r, UINT16_MAX);
}

static void
r_far(struct unp *u, struct pf_far *f)
{
	struct rd *r = &u->r;
	uint64_t m;
	uint16_t d;

	memset(f, 0, sizeof(*f));
	f->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0x7ff);
	f->has_fwd = is_bool(m, 0);
	f->has_ohc = is_bool(m, 1);
	f->has_tlm = is_bool(m, 2);
	f->has_bar = is_bool(m, 3);
	if (m & BIT(4, 1))
		f->apply = (uint16_t)rvar(r, UINT16_MAX);
	if (m & BIT(5, 1))
		f->dst_iface = r8(r);
	if (m & BIT(6, 1))
		f->ni = rname(u);
	if (m & BIT(7, 1))
		f->tos = r8(r);
	if (m & BIT(8, 1))
		f->tos_mask = r8(r);
	if (m & BIT(9, 1))
		f->bar_id = r8(r);
	if (m & BIT(10, 1))
		r_ohc(r, &f->ohc);
	d = f->ohc.desc & 0xff00;
	switch (f->apply) { /* as parse_apply and check_refs leave it */
	case PF_AA_FORW:
	case PF_AA_DROP:
	case PF_AA_BUFF:
	case PF_AA_BUFF | PF_AA_NOCP:
	case PF_AA_NOCP:
		break;
	default:
		r->bad = true;
	}
	if (((f->apply & PF_AA_FORW) && !f->has_fwd) || f->dst_iface > PF_DST_IFACE_MAX ||
		(f->has_ohc && d != PF_OHC_GTPU_UDP_IPV4 && d != PF_OHC_GTPU_UDP_IPV6))
		r->bad = true;
}

static void
r_qer(struct rd *r, struct pf_qer *q)
{
	uint64_t m;

	memset(q, 0, sizeof(*q));
	q->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0x3ff);
	q->has_corr = is_bool(m, 0);
	q->has_mbr = is_bool(m, 1);
	q->has_gbr = is_bool(m, 2);
	q->has_qfi = is_bool(m, 3);
	if (m & BIT(4, 1))
		q->corr = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(5, 1)) {
		q->mbr.ul = rvar(r, UINT64_MAX);
		q->mbr.dl = rvar(r, UINT64_MAX);
	}
	if (m & BIT(6, 1)) {
		q->gbr.ul = rvar(r, UINT64_MAX);
		q->gbr.dl = rvar(r, UINT64_MAX);
	}
	if (m & BIT(7, 1))
		q->qfi = r8(r);
	if (m & BIT(8, 1))
		q->gate_ul = r8(r);
	if (m & BIT(9, 1))
		q->gate_dl = r8(r);
	if (q->gate_ul > PF_GATE_CLOSED || q->gate_dl > PF_GATE_CLOSED || q->qfi > 63)
		r->bad = true;
}

static void
r_vol(struct rd *r, struct pf_volume *v)
{
	uint8_t m = r8(r);

	if (m & 0xf0)
		r->bad = true;
	if (m & 1)
		v->flags = r8(r);
	if (m & 2)
		v->total = rvar(r, UINT64_MAX);
	if (m & 4)
		v->ul = rvar(r, UINT64_MAX);
	if (m & 8)
		v->dl = rvar(r, UINT64_MAX);
}

static void
r_urr(struct rd *r, struct pf_urr *u)
{
	uint64_t m;

	memset(u, 0, sizeof(*u));
	u->id = (uint32_t)rvar(r, UINT32_MAX);
	m = rvar(r, 0x3ff);
	u->has_vol_thresh = is_bool(m, 0);
	u->has_vol_quota = is_bool(m, 1);
	if (m & BIT(2, 1))
		u->method = r8(r);
	if (m & BIT(3, 1))
		u->triggers = (uint32_t)rvar(r, 0xffffff);
	if (m & BIT(4, 1))
		u->time_thresh = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(5, 1))
		u->time_quota = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(6, 1))
		u->meas_period = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(7, 1))
		u->quota_holding = (uint32_t)rvar(r, UINT32_MAX);
	if (m & BIT(8, 1))
		r_vol(r, &u->vol_thresh);
	if (m & BIT(9, 1))
		r_vol(r, &u->vol_quota);
	if (u->method & ~(PF_MM_DURAT | PF_MM_VOLUM | PF_MM_EVENT))
		r->bad = true;
}

/* ids strictly increasing (the arrays sorted, no id twice) */
#define SORTED(arr, n) ({                                        \
	bool ok_ = true;                                         \
	for (int i_ = 1; i_ < (n); i_++)                         \
		if ((arr)[i_ - 1].id >= (arr)[i_].id)            \
			ok_ = false;                             \
	ok_;                                                     \
})

/* the builder's refs checked by what a session's lookups would find */
static bool
refs_ok(struct bld *b)
{
	int i, k;

	for (i = 0; i < b->n_pdr; i++) {
		const struct pf_pdr *p = &b->pdr[i];

		if (b_far(b, p->far_id) == NULL)
			return false;
		for (k = 0; k < p->n_qer; k++)
			if (b_qer(b, p->qer[k]) == NULL)
				return false;
		for (k = 0; k < p->n_urr; k++)
			if (b_urr(b, p->urr[k]) == NULL)
				return false;
	}
	for (i = 0; i < b->n_far; i++)
		if (b->far[i].has_bar ? !b->bar.present || b->bar.id != b->far[i].bar_id : b->far[i].bar_id != 0)
			return false;
	return true;
}

int
pf_sess_unpack(const uint8_t *buf, size_t len, struct pf_session **out)
{
	static struct pf_sdf_rule sdfs[PF_SESS_PDR_MAX * PF_SESS_SDF_MAX];
	static uint32_t ids[PF_SESS_PDR_MAX * (PF_SESS_PDR_QER_MAX + PF_SESS_PDR_URR_MAX)];
	static struct bld bb;
	static struct unp u;
	struct bld *b = &bb;
	struct rd *r = &u.r;
	uint32_t crc;
	uint8_t m;
	int i, rc = -EINVAL;

	*out = NULL;
	if (buf == NULL || len < 1 + 4 || buf[0] != PACK_V1)
		return -EINVAL;
	crc = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 | (uint32_t)buf[len - 2] << 16 |
		(uint32_t)buf[len - 1] << 24;
	if (pf_crc32c(0, buf, len - 4) != crc)
		return -EINVAL;
	memset(b, 0, offsetof(struct bld, pdr));
	b->n_rm_far = b->n_rm_qer = b->n_rm_urr = 0;
	b->sdfs = sdfs;
	b->ids = ids;
	b->n_sdfs = b->n_ids = b->n_new = 0;
	b->max_sdfs = (int)(sizeof(sdfs) / sizeof(sdfs[0]));
	b->max_ids = (int)(sizeof(ids) / sizeof(ids[0]));
	u.b = b;
	u.nomem = false;
	u.n_names = 0;
	r->p = buf + 1;
	r->end = buf + len - 4;
	r->bad = false;

	b->up_seid = rvar(r, UINT64_MAX);
	m = r8(r);
	b->cp.has_v4 = m & 1;
	b->cp.has_v6 = (m >> 1) & 1;
	b->cp.seid = rvar(r, UINT64_MAX);
	if (m & 0x04)
		rraw(r, b->cp.v4, 4);
	if (m & 0x08)
		rraw(r, b->cp.v6, 16);
	if (m & 0x10)
		b->pdn_type = r8(r);
	b->bar.present = (m >> 5) & 1;
	b->bar.has_delay = (m >> 6) & 1;
	b->bar.has_sugg = (m >> 7) & 1;
	if (m & 0xe0) {
		b->bar.id = r8(r);
		b->bar.dl_notif_delay = r8(r);
		b->bar.sugg_pkts = r8(r);
	}
	b->n_far = r8(r);
	b->n_qer = r8(r);
	b->n_urr = r8(r);
	b->n_pdr = r8(r);
	if (r->bad || b->pdn_type > 7 || (!b->bar.present && (m & 0xe0)) || b->n_far > PF_SESS_FAR_MAX ||
		b->n_qer > PF_SESS_QER_MAX || b->n_urr > PF_SESS_URR_MAX || b->n_pdr > PF_SESS_PDR_MAX)
		goto out;
	for (i = 0; i < b->n_far && !r->bad; i++)
		r_far(&u, &b->far[i]);
	for (i = 0; i < b->n_qer && !r->bad; i++)
		r_qer(r, &b->qer[i]);
	for (i = 0; i < b->n_urr && !r->bad; i++)
		r_urr(r, &b->urr[i]);
	for (i = 0; i < b->n_pdr && !r->bad; i++)
		r_pdr(&u, &b->pdr[i]);
	if (r->bad || r->p != r->end || !SORTED(b->far, b->n_far) || !SORTED(b->qer, b->n_qer) ||
		!SORTED(b->urr, b->n_urr) || !SORTED(b->pdr, b->n_pdr) || !refs_ok(b))
		goto out;
	*out = layout(b);
	rc = *out != NULL ? 0 : -ENOMEM;
out:
	if (u.nomem)
		rc = -ENOMEM;
	for (i = 0; i < b->n_new; i++)
		name_gc(b->newnames[i]); /* the ones no session took */
	return rc;
}
