/* SPDX-License-Identifier: BSD-3-Clause */
/* A compare-and-swap txn on etcd, read back when its answer is lost (see cd_cas.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "cd_cas.h"
#include "cd_etcd.h"

#define FIRST_WAIT_MS 200	/* a read-back waits this, doubled each time none answers */
#define SENDS_MAX 2

/* gRPC codes etcd answers that say the txn was refused as such */
#define GRPC_INVALID_ARGUMENT 3
#define GRPC_RESOURCE_EXHAUSTED 8

struct cas {
	struct cd_etcd *e;
	struct event *timer;
	size_t n;
	char **keys, **vals;
	int64_t *revs;
	json_t *txn, *read;
	unsigned int sends, wait_ms;
	uint64_t t0;
	cd_cas_done *done;
	void *arg;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
cas_free(struct cas *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->keys ? c->keys[i] : NULL);
		free(c->vals ? c->vals[i] : NULL);
	}
	free(c->keys);
	free(c->vals);
	free(c->revs);
	json_decref(c->txn);
	json_decref(c->read);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
}

static void
end(struct cas *c, int rc, json_int_t rev)
{
	cd_cas_done *done = c->done;
	void *arg = c->arg;

	cas_free(c);
	done(arg, rc, rev);
}

static void send_txn(struct cas *c);

/* The outcome is not known: read back later, unless the budget is spent. */
static void
later(struct cas *c)
{
	struct timeval tv = { c->wait_ms / 1000, (c->wait_ms % 1000) * 1000 };

	if (now_ms() + c->wait_ms - c->t0 > CD_CAS_BUDGET_MS) {
		end(c, -EIO, 0);
		return;
	}
	evtimer_add(c->timer, &tv);
	c->wait_ms *= 2;
}

static void
on_read(void *arg, int rc, json_t *answer)
{
	struct cas *c = arg;
	json_t *rs = json_object_get(answer, "responses");
	bool applied = true, untouched = true;
	int64_t rev = 0;

	if (rc < 0 || json_array_size(rs) != c->n) {
		later(c);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		json_t *kv = json_array_get(json_object_get(json_object_get(json_array_get(rs, i),
						"response_range"), "kvs"), 0);
		int64_t mod = kv ? cd_etcd_num(json_object_get(kv, "mod_revision")) : 0;
		char *val = NULL;

		if (kv != NULL && c->vals[i] != NULL)
			val = cd_etcd_unb64(json_string_value(json_object_get(kv, "value")) ?: "", NULL);
		if (c->vals[i] == NULL ? kv != NULL : val == NULL || strcmp(val, c->vals[i]) != 0)
			applied = false;
		else if (c->vals[i] != NULL)
			rev = mod;
		if (c->revs[i] != CD_CAS_ANY && mod != c->revs[i])
			untouched = false;
		free(val);
	}
	if (applied) {	/* deletes alone: the revision read at, the delete's or later */
		end(c, 0, rev ? rev : cd_etcd_num(json_object_get(json_object_get(answer, "header"),
								   "revision")));
	} else if (untouched && c->sends < SENDS_MAX) {
		send_txn(c);
	} else {
		end(c, untouched ? -ENOTCONN : -ESTALE, 0);
	}
}

static void
read_back(evutil_socket_t fd, short what, void *arg)
{
	struct cas *c = arg;

	(void)fd;
	(void)what;
	if (cd_etcd_call(c->e, "kv/txn", c->read, true, on_read, c) == NULL)
		end(c, -EIO, 0);
}

static void
on_txn(void *arg, int rc, json_t *answer)
{
	struct cas *c = arg;
	int64_t code = cd_etcd_num(json_object_get(answer, "code"));

	if (rc == 0) {
		end(c, json_is_true(json_object_get(answer, "succeeded")) ? 0 : -ESTALE,
		    cd_etcd_num(json_object_get(json_object_get(answer, "header"), "revision")));
	} else if (rc == -ECONNREFUSED) {
		end(c, -ENOTCONN, 0);	/* no member took the connection: never sent */
	} else if (rc == -EPROTO && code == GRPC_INVALID_ARGUMENT) {
		/* "too many operations in txn request": past its --max-txn-ops */
		end(c, strstr(json_string_value(json_object_get(answer, "message")) ?: "",
			      "too many operations") ? -E2BIG : -EINVAL, 0);
	} else if (rc == -EPROTO && code == GRPC_RESOURCE_EXHAUSTED) {
		end(c, -ENOSPC, 0);	/* its quota ("database space exceeded") */
	} else {
		c->wait_ms = FIRST_WAIT_MS;
		later(c);
	}
}

static void
send_txn(struct cas *c)
{
	c->sends++;
	if (cd_etcd_call(c->e, "kv/txn", c->txn, false, on_txn, c) == NULL)
		end(c, -ENOMEM, 0);
}

/* The txn and its read-back, built once. */
static int
build(struct cas *c)
{
	json_t *cmp = json_array(), *ops = json_array(), *rds = json_array();

	c->txn = json_pack("{s:o,s:o}", "compare", cmp, "success", ops);
	c->read = json_pack("{s:[],s:o}", "compare", "success", rds);
	if (c->txn == NULL || c->read == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		json_t *k = cd_etcd_b64j(c->keys[i]), *v = c->vals[i] ? cd_etcd_b64j(c->vals[i]) : NULL;

		if (k == NULL || (c->vals[i] != NULL && v == NULL) ||
		    (c->revs[i] != CD_CAS_ANY &&
		     json_array_append_new(cmp, json_pack("{s:O,s:s,s:s,s:o}", "key", k, "target", "MOD",
				"result", "EQUAL", "mod_revision",
				json_sprintf("%lld", (long long)c->revs[i]))) < 0) ||
		    json_array_append_new(ops, v ? json_pack("{s:{s:O,s:O}}", "request_put", "key", k,
							     "value", v) :
				json_pack("{s:{s:O}}", "request_delete_range", "key", k)) < 0 ||
		    json_array_append_new(rds, json_pack("{s:{s:O}}", "request_range", "key", k)) < 0) {
			json_decref(k);
			json_decref(v);
			return -ENOMEM;
		}
		json_decref(k);
		json_decref(v);
	}
	return 0;
}

int
cd_cas_txn(struct event_base *base, struct cd_etcd *e, const struct cd_cas_op *ops, size_t n,
	   cd_cas_done *done, void *arg)
{
	struct cas *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	*c = (struct cas){ .e = e, .n = n, .t0 = now_ms(), .done = done, .arg = arg };
	if ((c->keys = calloc(n + 1, sizeof(*c->keys))) == NULL ||
	    (c->vals = calloc(n + 1, sizeof(*c->vals))) == NULL ||
	    (c->revs = calloc(n + 1, sizeof(*c->revs))) == NULL ||
	    (c->timer = evtimer_new(base, read_back, c)) == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		c->revs[i] = ops[i].rev;
		if ((c->keys[i] = strdup(ops[i].key)) == NULL ||
		    (ops[i].val != NULL && (c->vals[i] = strdup(ops[i].val)) == NULL))
			goto oom;
	}
	if (build(c) < 0)
		goto oom;
	c->sends = 1;
	if (cd_etcd_call(e, "kv/txn", c->txn, false, on_txn, c) == NULL)
		goto oom;
	return 0;
oom:
	cas_free(c);
	return -ENOMEM;
}
