/* SPDX-License-Identifier: BSD-3-Clause */
/* The registry of what features add to the Visibility API and /metrics, and their helpers (see cd_vis.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cd_host.h"
#include "cd_kind.h"
#include "cd_vis.h"

#define MAX_PARTS 32

static const struct cd_vis_view *views[MAX_PARTS];
static int n_views;
static const struct cd_vis_metrics *metrics[MAX_PARTS];
static int n_metrics;
#define MAX_ITEMS 8
static const struct cd_vis_item *items[MAX_ITEMS];
static int n_items;

/* Insert @p into @arr at its rank, after those of the same rank. */
#define RANKED_INSERT(arr, n, p)                                                           \
	do {                                                                               \
		int i_ = (n);                                                              \
		if ((n) >= MAX_PARTS) {                                                    \
			fprintf(stderr, "cd_vis: more than %d parts\n", MAX_PARTS);        \
			break;                                                             \
		}                                                                          \
		while (i_ > 0 && (arr)[i_ - 1]->rank > (p)->rank) {                        \
			(arr)[i_] = (arr)[i_ - 1];                                         \
			i_--;                                                              \
		}                                                                          \
		(arr)[i_] = (p);                                                           \
		(n)++;                                                                     \
	} while (0)

void
cd_vis_view_register(const struct cd_vis_view *v)
{
	RANKED_INSERT(views, n_views, v);
}

const struct cd_vis_view *
cd_vis_view_at(enum cd_view_kind view, int i)
{
	for (int k = 0; k < n_views; k++)
		if (views[k]->view == view && i-- == 0)
			return views[k];
	return NULL;
}

void
cd_vis_metrics_register(const struct cd_vis_metrics *m)
{
	RANKED_INSERT(metrics, n_metrics, m);
}

const struct cd_vis_metrics *
cd_vis_metrics_at(int i)
{
	return i >= 0 && i < n_metrics ? metrics[i] : NULL;
}

void
cd_vis_item_register(const struct cd_vis_item *it)
{
	if (n_items == MAX_ITEMS) {
		fprintf(stderr, "cd_vis: more than %d items\n", MAX_ITEMS);
		return;
	}
	items[n_items++] = it;
}

const struct cd_vis_item *
cd_vis_item_of(const char *rest)
{
	for (int i = 0; i < n_items; i++)
		if (strncmp(rest, items[i]->prefix, strlen(items[i]->prefix)) == 0)
			return items[i];
	return NULL;
}

/* ------------------------------------------------------------ metrics */

/* @v with \, " and newline escaped, as a label value is written. */
static void
label_esc(char *out, size_t len, const char *v)
{
	size_t n = 0;

	for (; v != NULL && *v != '\0' && n + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			out[n++] = '\\';
			out[n++] = *v;
		} else if (*v == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *v;
		}
	}
	out[n] = '\0';
}

void
cd_vis_sample(struct cd_vis_fams *f, const char *name, const char *type, const char *help,
	      double value, ...)
{
	json_t *fam = json_object_get(f->fam, name);
	char line[1024], esc[256];
	const char *k, *v;
	size_t n;
	va_list ap;

	if (fam == NULL) {
		fam = json_pack("{s:s,s:s,s:[]}", "help", help, "type", type, "lines");
		json_object_set_new(f->fam, name, fam);
		json_array_append_new(f->order, json_string(name));
	}
	n = (size_t)snprintf(line, sizeof(line), "%s", name);
	va_start(ap, value);
	for (int i = 0; (k = va_arg(ap, const char *)) != NULL && n < sizeof(line); i++) {
		v = va_arg(ap, const char *);
		label_esc(esc, sizeof(esc), v);
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s=\"%s\"", i ? "," : "{", k, esc);
	}
	va_end(ap);
	if (n < sizeof(line) && strchr(line, '{') != NULL)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "}");
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " %.17g", value);
	json_array_append_new(json_object_get(fam, "lines"), json_string(line));
}

/* -------------------------------------------------------------- joins */

double
cd_vis_num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : 0;
}

json_t *
cd_vis_docs(struct cd_res *r, const char *kind)
{
	json_t *list = cd_host_intents(r, cd_kind_of(kind)), *out = json_object(), *d;
	size_t i;

	json_array_foreach(json_object_get(list, "items"), i, d)
		json_object_set(out, json_string_value(json_object_get(json_object_get(d, "metadata"),
				"name")), d);
	json_decref(list);
	return out;
}

json_t *
cd_vis_doc(struct cd_res *r, const char *kind, const char *name)
{
	return cd_host_intent(r, cd_kind_of(kind), name);
}

json_t *
cd_vis_ids(struct cd_res *r, const char *ns)
{
	return json_object_get(cd_host_state(r, "ids"), ns);
}

json_int_t
cd_vis_id(struct cd_res *r, const char *ns, const char *key)
{
	return json_integer_value(json_object_get(cd_vis_ids(r, ns), key));
}

const char *
cd_vis_owner(struct cd_res *r, const char *ns, json_int_t id)
{
	json_t *v;
	const char *k;

	json_object_foreach(cd_vis_ids(r, ns), k, v)
		if (json_integer_value(v) == id)
			return k;
	return NULL;
}

json_t *
cd_vis_row(json_t *rows, json_int_t id)
{
	json_t *p;
	size_t i;

	json_array_foreach(rows, i, p)
		if (json_integer_value(json_object_get(p, "id")) == id)
			return p;
	return NULL;
}

void
cd_vis_in_out(json_t *row, json_int_t in_packets)
{
	json_t *m = json_object_get(row, "meter"), *sched = json_object_get(row, "scheduler"), *q;
	static const char *const colours[] = { "green", "yellow", "red" };
	json_int_t mp = 0, mb = 0, op = 0, ob = 0;
	size_t i;

	for (i = 0; m != NULL && i < 3; i++) {
		mp += json_integer_value(json_object_get(json_object_get(m, colours[i]), "packets"));
		mb += json_integer_value(json_object_get(json_object_get(m, colours[i]), "bytes"));
	}
	json_array_foreach(sched, i, q) {
		op += json_integer_value(json_object_get(q, "packets"));
		ob += json_integer_value(json_object_get(q, "bytes"));
	}
	json_object_set_new(row, "in_packets", in_packets >= 0 ? json_integer(in_packets) :
				m != NULL ? json_integer(mp) : json_null());
	json_object_set_new(row, "in_bytes", m != NULL ? json_integer(mb) : json_null());
	json_object_set_new(row, "out_packets", json_array_size(sched) ? json_integer(op) : json_null());
	json_object_set_new(row, "out_bytes", json_array_size(sched) ? json_integer(ob) : json_null());
}
