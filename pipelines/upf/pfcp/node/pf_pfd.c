/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_pfd: the PFDs SMFs provision per Application ID: a request checked whole, applied, stored as JSON, resolved per session for a compile (pf_pfd.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_pfd.h"

/* One Application ID's flows as provisioned once: never changed, shared
 * by the store (while current) and the sessions compiled with it. */
struct ver {
	unsigned refs;
	int n;
	char fd[PF_PFD_FLOWS_MAX][PF_FLOW_LEN_MAX + 1];
	struct pf_flow flow[PF_PFD_FLOWS_MAX];
};

struct app {
	char name[PF_PFD_NAME_MAX];
	struct ver *v;
};

/* What session @sess was last compiled with for Application ID @name
 * (v == &gone: PFDs it had were removed since: nothing detected). */
struct rec {
	struct rec *next;
	uint32_t sess, mark;
	struct ver *v;
	char name[PF_PFD_NAME_MAX];
};

#define RECS_BUCKETS 1024

struct pf_pfds {
	int n;
	struct app app[2 * PF_PFD_APPS_MAX];	/* with flows, and removed ones (no flows) */
	struct rec *recs[RECS_BUCKETS];
	uint32_t mark;
};

struct pf_pfd_undo {
	int n;
	struct app was[2 * PF_PFD_APPS_MAX];	/* the store's apps before, whole */
	int was_n;
};

static struct ver gone = { .refs = 1 };

static void
ver_put(struct ver *v)
{
	if (v != NULL && v != &gone && --v->refs == 0)
		free(v);
}

static struct ver *
ver_get(struct ver *v)
{
	if (v != NULL && v != &gone)
		v->refs++;
	return v;
}

/* The versions @n apps hold let go. */
static void
apps_put(struct app *a, int n)
{
	for (int i = 0; i < n; i++)
		ver_put(a[i].v);
}

struct pf_pfds *
pf_pfds_new(void)
{
	return calloc(1, sizeof(struct pf_pfds));
}

void
pf_pfds_free(struct pf_pfds *p)
{
	if (p == NULL)
		return;
	apps_put(p->app, p->n);
	for (int b = 0; b < RECS_BUCKETS; b++)
		while (p->recs[b] != NULL) {
			struct rec *r = p->recs[b];

			p->recs[b] = r->next;
			ver_put(r->v);
			free(r);
		}
	free(p);
}

static int
app_at(const struct pf_pfds *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->app[i].name, name) == 0)
			return i;
	return -1;
}

bool
pf_pfd_has(const struct pf_pfds *p, const char *name)
{
	int i = p != NULL ? app_at(p, name) : -1;

	return i >= 0 && p->app[i].v->n > 0;
}

/* ------------------------------------------------------------ the request */

static int
refuse(struct pf_pfd_err *e, int rc, uint8_t cause, uint16_t ie, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
refuse(struct pf_pfd_err *e, int rc, uint8_t cause, uint16_t ie, const char *fmt, ...)
{
	va_list ap;

	e->cause = cause;
	e->offending = ie;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return rc;
}

/* One Flow Description of Application ID @a's PFDs into it. */
static int
add_flow(struct pf_pfd_app *a, const struct pf_pfd_field *f, struct pf_pfd_err *e)
{
	struct pf_flow fl;

	if (f->len == 0 || f->len > PF_FLOW_LEN_MAX || memchr(f->v, 0, f->len) != NULL ||
	    pf_flow_parse((const char *)f->v, f->len, &fl) < 0)
		return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_PFD_CONTENTS,
			      "Application ID %s: a Flow Description %.*s is none this UPF classifies", a->name,
			      f->len > 80 ? 80 : (int)f->len, (const char *)f->v);
	if (fl.af == 0 && pf_flow_remote(&fl)->any)
		return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_PFD_CONTENTS,
			      "Application ID %s: a Flow Description of any remote address (%.*s) tells no application apart",
			      a->name, f->len > 80 ? 80 : (int)f->len, (const char *)f->v);
	for (int k = 0; k < a->n; k++)
		if (memcmp(&a->flow[k], &fl, sizeof(fl)) == 0)
			return 0;   /* twice: once is enough */
	if (a->n >= PF_PFD_FLOWS_MAX)
		return refuse(e, -ENOSPC, PF_CAUSE_NO_RESOURCES, PF_IE_PFD_CONTENTS,
			      "Application ID %s: more than %d flows", a->name, PF_PFD_FLOWS_MAX);
	memcpy(a->fd[a->n], f->v, f->len);
	a->fd[a->n][f->len] = '\0';
	a->flow[a->n++] = fl;
	return 0;
}

static int
contents(const struct pf_msg *m, int i, struct pf_pfd_app *a, struct pf_pfd_err *e)
{
	static const char *const dpi[8] = { NULL, "a URL", "a Domain Name", "a Custom PFD Content",
					    "a Domain Name Protocol", NULL, "Additional URLs",
					    "Additional Domain Names and Protocols" };
	struct pf_pfd_contents c;
	struct pf_pfd_field it;
	int rc;

	if (pf_get_pfd_contents(&m->ies[i], &c) != 0)   /* the decode checked it */
		return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_PFD_CONTENTS,
			      "Application ID %s: PFD Contents do not read", a->name);
	for (int b = 0; b < 8; b++)
		if (dpi[b] != NULL && (c.flags & (1u << b)))
			return refuse(e, -EINVAL, PF_CAUSE_NOT_SUPPORTED, PF_IE_PFD_CONTENTS,
				      "Application ID %s: its PFD holds %s: detecting it takes deep packet inspection, which this UPF does not do (Flow Descriptions only)",
				      a->name, dpi[b]);
	if (!(c.flags & (PF_PFD_FD | PF_PFD_AFD)))
		return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_PFD_CONTENTS,
			      "Application ID %s: PFD Contents with no Flow Description", a->name);
	if ((c.flags & PF_PFD_FD) && (rc = add_flow(a, &c.f[0], e)) < 0)
		return rc;
	for (unsigned k = 0; (c.flags & PF_PFD_AFD) && pf_pfd_item(&c.f[5], k, &it) == 0; k++)
		if ((rc = add_flow(a, &it, e)) < 0)
			return rc;
	return 0;
}

int
pf_pfd_check(const struct pf_pfds *p, const struct pf_msg *m, struct pf_pfd_change *c, struct pf_pfd_err *e)
{
	int after = 0;   /* Application IDs with PFDs once applied */
	int i, j, k, rc;

	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	c->all = pf_find(m, -1, PF_IE_APP_PFDS, -1) < 0;
	for (i = pf_find(m, -1, PF_IE_APP_PFDS, -1); i >= 0; i = pf_find(m, -1, PF_IE_APP_PFDS, i)) {
		struct pf_pfd_app *a;
		const struct pf_ie *id;

		if ((j = pf_find(m, i, PF_IE_APP_ID, -1)) < 0)   /* the decode checked it */
			return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_MISSING, PF_IE_APP_ID, "no Application ID");
		id = &m->ies[j];
		if (id->len == 0 || id->len >= PF_PFD_NAME_MAX || memchr(id->v, 0, id->len) != NULL)
			return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_APP_ID,
				      "an Application ID of %u octets or with a NUL", id->len);
		for (k = 0; k < c->n; k++)
			if (c->app[k].name[id->len] == '\0' && memcmp(c->app[k].name, id->v, id->len) == 0)
				return refuse(e, -EINVAL, PF_CAUSE_MANDATORY_INCORRECT, PF_IE_APP_PFDS,
					      "Application ID %s twice in one request", c->app[k].name);
		if (c->n >= PF_PFD_APPS_MAX)
			return refuse(e, -ENOSPC, PF_CAUSE_NO_RESOURCES, PF_IE_APP_PFDS,
				      "more than %d Application IDs' PFDs", PF_PFD_APPS_MAX);
		a = &c->app[c->n++];
		memcpy(a->name, id->v, id->len);
		for (j = pf_find(m, i, PF_IE_PFD_CONTEXT, -1); j >= 0; j = pf_find(m, i, PF_IE_PFD_CONTEXT, j))
			for (k = pf_find(m, j, PF_IE_PFD_CONTENTS, -1); k >= 0; k = pf_find(m, j, PF_IE_PFD_CONTENTS, k))
				if ((rc = contents(m, k, a, e)) < 0)
					return rc;
	}
	/* the bound once applied: the store's that stay, and the request's new */
	for (i = 0; !c->all && i < p->n; i++) {
		for (k = 0; k < c->n && strcmp(c->app[k].name, p->app[i].name) != 0; k++)
			;
		after += k == c->n && p->app[i].v->n > 0;
	}
	for (k = 0; k < c->n; k++)
		after += c->app[k].n > 0;
	if (after > PF_PFD_APPS_MAX)
		return refuse(e, -ENOSPC, PF_CAUSE_NO_RESOURCES, PF_IE_APP_PFDS,
			      "PFDs of more than %d Application IDs", PF_PFD_APPS_MAX);
	return 0;
}

/* ------------------------------------------------------------ applied */

static bool
same(const struct ver *v, const struct pf_pfd_app *a)
{
	if (v == NULL || v->n != a->n)
		return v == NULL && a->n == 0;
	for (int k = 0; k < a->n; k++)
		if (strcmp(v->fd[k], a->fd[k]) != 0)
			return false;
	return true;
}

static void
note(char (*changed)[PF_PFD_NAME_MAX], int *n, const char *name)
{
	for (int k = 0; k < *n; k++)
		if (strcmp(changed[k], name) == 0)
			return;
	snprintf(changed[(*n)++], PF_PFD_NAME_MAX, "%s", name);
}

int
pf_pfd_apply(struct pf_pfds *p, const struct pf_pfd_change *c, char (*changed)[PF_PFD_NAME_MAX],
	     struct pf_pfd_undo **u)
{
	struct pf_pfd_undo *w = calloc(1, sizeof(*w));
	struct ver *nv[2 * PF_PFD_APPS_MAX] = { 0 };
	int n = 0, i, k;

	if (w == NULL)
		return -ENOMEM;
	for (k = 0; k < c->n; k++)
		if (c->app[k].n > 0 && (nv[k] = calloc(1, sizeof(struct ver))) == NULL) {
			while (k-- > 0)
				free(nv[k]);
			free(w);
			return -ENOMEM;
		}
	/* the store as it was, its versions held by the undo */
	w->was_n = p->n;
	for (i = 0; i < p->n; i++) {
		w->was[i] = p->app[i];
		ver_get(w->was[i].v);
	}
	if (c->all)   /* every one removed: remembered as such */
		for (i = 0; i < p->n; i++)
			if (p->app[i].v->n > 0) {
				note(changed, &n, p->app[i].name);
				ver_put(p->app[i].v);
				p->app[i].v = ver_get(&gone);
			}
	for (k = 0; k < c->n; k++) {
		const struct pf_pfd_app *a = &c->app[k];

		i = app_at(p, a->name);
		/* as it was, or the removal of what has none: nothing to recompile */
		if ((a->n == 0 && (i >= 0 ? p->app[i].v->n == 0 : !c->load)) ||
		    (a->n > 0 && i >= 0 && same(p->app[i].v, a))) {
			free(nv[k]);
			continue;
		}
		note(changed, &n, a->name);
		if (i >= 0) {
			ver_put(p->app[i].v);
			memmove(&p->app[i], &p->app[i + 1], sizeof(p->app[0]) * (size_t)(p->n - i - 1));
			p->n--;
		}
		if (nv[k] != NULL) {
			nv[k]->refs = 1;
			nv[k]->n = a->n;
			memcpy(nv[k]->fd, a->fd, sizeof(a->fd));
			memcpy(nv[k]->flow, a->flow, sizeof(a->flow));
		}
		/* last: the removed ones oldest first */
		snprintf(p->app[p->n].name, sizeof(p->app[p->n].name), "%s", a->name);
		p->app[p->n++].v = nv[k] != NULL ? nv[k] : &gone;
	}
	/* the removed ones remembered: at most PF_PFD_APPS_MAX, the oldest forgotten */
	for (int removed = 0, j = p->n - 1; j >= 0; j--)
		if (p->app[j].v->n == 0 && ++removed > PF_PFD_APPS_MAX) {
			memmove(&p->app[j], &p->app[j + 1], sizeof(p->app[0]) * (size_t)(p->n - j - 1));
			p->n--;
		}
	*u = w;
	return n;
}

void
pf_pfd_undo(struct pf_pfds *p, struct pf_pfd_undo *u)
{
	apps_put(p->app, p->n);
	p->n = u->was_n;
	memcpy(p->app, u->was, sizeof(u->was[0]) * (size_t)u->was_n);
	free(u);   /* its versions' references are the store's again */
}

void
pf_pfd_undo_free(struct pf_pfd_undo *u)
{
	if (u == NULL)
		return;
	apps_put(u->was, u->was_n);
	free(u);
}

/* ------------------------------------------------------------ stored */

json_t *
pf_pfd_json(const struct pf_pfds *p)
{
	json_t *o = json_object();

	for (int i = 0; o != NULL && i < p->n; i++) {
		json_t *a = json_array();

		for (int k = 0; a != NULL && k < p->app[i].v->n; k++)
			json_array_append_new(a, json_string(p->app[i].v->fd[k]));
		/* an Application ID that is not UTF-8 does not store: json_string refuses it */
		if (a == NULL || json_object_set_new(o, p->app[i].name, a) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int
pf_pfd_load(struct pf_pfds *p, json_t *o, char *err, size_t len)
{
	struct pf_pfd_change *c;
	struct pf_pfd_undo *u;
	struct pf_pfd_err e;
	char (*changed)[PF_PFD_NAME_MAX];
	const char *name;
	json_t *fl;
	int rc = 0;

	if (o == NULL)
		return 0;
	if (!json_is_object(o) || json_object_size(o) > 2 * PF_PFD_APPS_MAX) {
		snprintf(err, len, "pfds: not an object of at most %d Application IDs", 2 * PF_PFD_APPS_MAX);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	changed = calloc(2 * PF_PFD_APPS_MAX, PF_PFD_NAME_MAX);
	if (c == NULL || changed == NULL) {
		free(c);
		free(changed);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	c->load = true;   /* into an empty store: what is loaded is all there is */
	json_object_foreach(o, name, fl) {
		struct pf_pfd_app *a = &c->app[c->n++];
		json_t *f;
		size_t k;

		if (name[0] == '\0' || strlen(name) >= PF_PFD_NAME_MAX || !json_is_array(fl) ||
		    json_array_size(fl) > PF_PFD_FLOWS_MAX) {
			snprintf(err, len, "pfds/%.64s: an Application ID of 1..%d octets with 0..%d flows", name,
				 PF_PFD_NAME_MAX - 1, PF_PFD_FLOWS_MAX);
			rc = -EINVAL;
			goto out;
		}
		snprintf(a->name, sizeof(a->name), "%s", name);
		json_array_foreach(fl, k, f) {
			const char *s = json_string_value(f);
			struct pf_pfd_field ff = { .v = (const uint8_t *)s, .len = s ? (uint16_t)strnlen(s, 1024) : 0 };

			if (s == NULL || add_flow(a, &ff, &e) < 0) {
				snprintf(err, len, "pfds/%.64s/%zu: %s", name, k, s == NULL ? "not a string" : e.why);
				rc = -EINVAL;
				goto out;
			}
		}
	}
	if ((rc = pf_pfd_apply(p, c, changed, &u)) < 0) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	pf_pfd_undo_free(u);
	rc = 0;
out:
	free(c);
	free(changed);
	return rc;
}

json_t *
pf_pfd_stats(const struct pf_pfds *p)
{
	json_t *by = json_object();
	json_int_t flows = 0;

	json_t *removed = json_array();
	int n = 0;

	for (int i = 0; i < p->n; i++) {
		if (p->app[i].v->n == 0) {
			json_array_append_new(removed, json_string(p->app[i].name));
			continue;
		}
		n++;
		flows += p->app[i].v->n;
		json_object_set_new(by, p->app[i].name, json_integer(p->app[i].v->n));
	}
	return json_pack("{s:i,s:I,s:o,s:o}", "apps", n, "flows", flows, "by_app", by, "removed", removed);
}

/* ------------------------------------------------------------ compiled */

static unsigned
bucket(uint32_t sess)
{
	return (sess * 2654435761u) >> 22 & (RECS_BUCKETS - 1);
}

static struct rec **
rec_at(struct pf_pfds *p, uint32_t sess, const char *name)
{
	struct rec **r;

	for (r = &p->recs[bucket(sess)]; *r != NULL; r = &(*r)->next)
		if ((*r)->sess == sess && strcmp((*r)->name, name) == 0)
			break;
	return r;
}

/* Session @sess compiled with @v for @name (NULL: none, forgotten). */
static void
rec_set(struct pf_pfds *p, uint32_t sess, const char *name, struct ver *v)
{
	struct rec **at = rec_at(p, sess, name), *r = *at;

	if (v == NULL) {
		if (r != NULL) {
			*at = r->next;
			ver_put(r->v);
			free(r);
		}
		return;
	}
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return;   /* its compile as installed takes the current ones: at worst it is written anew */
		r->sess = sess;
		snprintf(r->name, sizeof(r->name), "%s", name);
		*at = r;
	}
	r->mark = p->mark;
	if (r->v != v) {
		ver_put(r->v);
		r->v = ver_get(v);
	}
}

int
pf_pfd_resolve(struct pf_pfds *p, uint32_t sess_id, const char *name, bool installed, bool dn,
	       const struct pf_flow **flows, int *n)
{
	struct rec *r = *rec_at(p, sess_id, name);
	struct ver *v;
	int i;

	i = app_at(p, name);
	if (installed) {   /* as it was compiled */
		v = r != NULL ? r->v : NULL;
	} else if (i >= 0 && p->app[i].v->n > 0) {
		v = p->app[i].v;
	} else if (dn) {
		v = NULL;   /* no PFDs: the local DN again */
	} else {
		/* removed (remembered, or since this one was compiled): it detects
		 * nothing; a name never provisioned is refused */
		v = i >= 0 || r != NULL ? &gone : NULL;
	}
	if (!installed)
		rec_set(p, sess_id, name, v);
	if (v == NULL)
		return 0;
	*flows = v->flow;
	*n = v->n;
	return 1;
}

void
pf_pfd_mark(struct pf_pfds *p, uint32_t sess_id)
{
	for (struct rec *r = p->recs[bucket(sess_id)]; r != NULL; r = r->next)
		if (r->sess == sess_id)
			r->mark = p->mark + 1;
}

void
pf_pfd_sweep(struct pf_pfds *p)
{
	p->mark++;
	for (int b = 0; b < RECS_BUCKETS; b++)
		for (struct rec **at = &p->recs[b]; *at != NULL;) {
			struct rec *r = *at;

			if (r->mark == p->mark) {
				at = &r->next;
				continue;
			}
			*at = r->next;
			ver_put(r->v);
			free(r);
		}
}
