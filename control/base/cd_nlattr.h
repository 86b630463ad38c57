/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_nlattr: a netlink message's attributes by type, as every rtnetlink reader of sxcd takes them (libmnl's parse callback). */
#ifndef CD_NLATTR_H
#define CD_NLATTR_H

#include <libmnl/libmnl.h>

#define CD_NLATTR_MAX 64	/* above every RTA_, IFLA_, IFA_, NDA_ and NHA_ type read */

struct cd_nlattrs {
	const struct nlattr *a[CD_NLATTR_MAX];
};

/* mnl_attr_parse's callback, @data a zeroed struct cd_nlattrs: the last
 * attribute of a type is the one kept; a type past the table is skipped. */
static inline int
cd_nlattr_cb(const struct nlattr *attr, void *data)
{
	struct cd_nlattrs *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type < CD_NLATTR_MAX)
		t->a[type] = attr;
	return MNL_CB_OK;
}

#endif
