/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_ethapp: Ethernet Packet Filters as eth_applications matches (pf_ethapp.h). */
#include <errno.h>
#include <stdio.h>

#include "pf_ethapp.h"
#include "up_names.h"

#define MAC_ALL ((UINT64_C(1) << 48) - 1)
#define SIDE_PREFIXES 48   /* a 48-bit range is at most 2 x 47 prefixes; ranges past a few are refused anyway */

static uint64_t
mac_u64(const uint8_t *a)
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | a[i];
	return v;
}

json_t *
pf_ethapp_mac(const uint8_t *a)
{
	char b[18];

	snprintf(b, sizeof(b), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return json_string(b);
}

static json_t *
mac_str(uint64_t v)
{
	uint8_t a[6];

	for (int i = 5; i >= 0; i--, v >>= 8)
		a[i] = (uint8_t)v;
	return pf_ethapp_mac(a);
}

int
pf_ethapp_prefixes(uint64_t lo, uint64_t hi, uint64_t *val, uint64_t *mask, int max)
{
	int n = 0;

	if (lo > hi || hi > MAC_ALL)
		return -EINVAL;
	for (;;) {
		uint64_t size = 1;

		/* the largest aligned block from lo that stays within hi */
		while (size <= MAC_ALL && (lo & size) == 0 && lo + (size << 1) - 1 <= hi)
			size <<= 1;
		if (n == max)
			return -E2BIG;
		val[n] = lo;
		mask[n++] = MAC_ALL & ~(size - 1);
		if (lo + size - 1 >= hi)
			return n;
		lo += size;
	}
}

/* One side of a MAC address IE (@has: the address there, @has_up: a range
 * to @up): its prefixes; none there: one that matches any. */
static int
side(bool has, bool has_up, const uint8_t *a, const uint8_t *up, uint64_t *val, uint64_t *mask)
{
	if (!has) {
		val[0] = mask[0] = 0;
		return 1;
	}
	return pf_ethapp_prefixes(mac_u64(a), has_up ? mac_u64(up) : mac_u64(a), val, mask, SIDE_PREFIXES);
}

static json_t *
ternary(json_t *v, json_t *m)
{
	return json_pack("{s:o,s:o}", "value", v, "mask", m);
}

static json_int_t
tag_bits(const struct pf_vlan_tag *t, bool mask)
{
	json_int_t v = UP_TAG_PRESENT;

	if (t->flags & PF_TAG_PCP)
		v |= mask ? 0xe000 : (json_int_t)t->pcp << 13;
	if (t->flags & PF_TAG_DEI)
		v |= mask ? 0x1000 : (json_int_t)t->dei << 12;
	if (t->flags & PF_TAG_VID)
		v |= mask ? 0x0fff : t->vid;
	return v;
}

/* The match of the filter's other fields (slice, Ethertype, tags). */
static json_t *
base(uint32_t slice, const struct pf_eth_filter *f)
{
	json_t *o = json_pack("{s:I}", UP_F_SLICE, (json_int_t)slice);

	if (f->has_type)
		json_object_set_new(o, UP_F_ETHERTYPE, json_pack("{s:i,s:i}", "value", f->ethertype, "mask", 0xffff));
	if (f->has_ctag)
		json_object_set_new(o, UP_F_CTAG, json_pack("{s:I,s:I}", "value", tag_bits(&f->ctag, false), "mask",
							     tag_bits(&f->ctag, true)));
	if (f->has_stag)
		json_object_set_new(o, UP_F_STAG, json_pack("{s:I,s:I}", "value", tag_bits(&f->stag, false), "mask",
							     tag_bits(&f->stag, true)));
	return o;
}

/* The matches of one MAC address IE (@m NULL: none, any MACs) into @out:
 * 0, or -E2BIG past the bound. */
static int
mac_matches(json_t *out, json_t *b, const struct pf_mac *m, bool ul, bool bide)
{
	uint64_t sv[SIDE_PREFIXES], sm[SIDE_PREFIXES], dv[SIDE_PREFIXES], dm[SIDE_PREFIXES];
	int ns, nd;

	ns = side(m && (m->flags & PF_MAC_SOUR), m && (m->flags & PF_MAC_USOU), m ? m->src : NULL,
		  m ? m->usrc : NULL, sv, sm);
	nd = side(m && (m->flags & PF_MAC_DEST), m && (m->flags & PF_MAC_UDES), m ? m->dst : NULL,
		  m ? m->udst : NULL, dv, dm);
	if (ns < 0 || nd < 0)
		return ns < 0 ? ns : nd;
	for (int swap = 0; swap <= (bide ? 1 : 0); swap++)
		for (int i = 0; i < ns; i++)
			for (int j = 0; j < nd; j++) {
				/* uplink: the source is the UE's side; swapped, the other way */
				bool src_local = ul != (swap == 1);
				json_t *o = json_deep_copy(b);

				if (json_array_size(out) >= PF_ETHAPP_MATCHES_MAX) {
					json_decref(o);
					return -E2BIG;
				}
				if (sm[i] != 0)
					json_object_set_new(o, src_local ? UP_F_LOCAL : UP_F_REMOTE,
							    ternary(mac_str(sv[i]), mac_str(sm[i])));
				if (dm[j] != 0)
					json_object_set_new(o, src_local ? UP_F_REMOTE : UP_F_LOCAL,
							    ternary(mac_str(dv[j]), mac_str(dm[j])));
				json_array_append_new(out, o);
			}
	return 0;
}

json_t *
pf_ethapp_matches(uint32_t slice, const struct pf_eth_filter *f, bool ul, int *rc)
{
	json_t *out = json_array(), *b = base(slice, f);
	bool bide = (f->props & PF_ETHF_BIDE) != 0;

	*rc = 0;
	if (out == NULL || b == NULL) {
		*rc = -ENOMEM;
	} else if (f->n_mac == 0) {
		*rc = mac_matches(out, b, NULL, ul, false);
	} else {
		for (int i = 0; i < f->n_mac && *rc == 0; i++)
			*rc = mac_matches(out, b, &f->mac[i], ul, bide);
	}
	json_decref(b);
	if (*rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
