/* The autovalidator: every registered stage (autoval.h) run by each of
 * its implementations this CPU has, over the same packets, compared with
 * its general path: next[] and every byte a stage may write (the mbuf's
 * private area, where dp_meta and the features' fields live, its dynamic
 * fields, offload fields, lengths and the first segment's data). Fails on
 * the first difference with the packet, the two results and where they
 * part, in hex.
 *
 * usage: test_autoval TESTS_DIR [MUTATIONS [SEED]]: the packets are the
 * stage's fuzz corpus (TESTS_DIR/fuzz/corpus/<corpus>), the frames of
 * TESTS_DIR/unit/autoval_frames.pcap (tests/unit/gen_autoval_frames.py:
 * the shapes the packet tests send), and MUTATIONS (default 64) random
 * mutations of each of those (SEED fixed unless given). Each packet is
 * run in an mbuf whose buffer ends where the frame does, or with room and
 * garbage after it; whole or cut short of pkt_len (a chained mbuf's first
 * segment); with an RSS hash or without; in bursts of 1 to 32. A stage
 * whose fast path takes bursts of one shape also gets MUTATIONS of each
 * input of that shape that keep it (av_stage.mutate_shaped), in a run on
 * one port, so that whole bursts are of it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dp_parse.h"
#include "dp_table.h"

#include "autoval.h"
#include "dp_rpc.h"
#include "dp_tblrpc.h"
#include "dp_log.h"
#include "dp_meta.h"
#include "dp_stats.h"

#define AV_STAGES_MAX 16
#define AV_FRAME_MAX 2048      /* longer inputs are cut here: the parsers read headers only */
#define AV_ROOM 128            /* headroom and tailroom of a roomy buffer */
#define AV_BURST 32

/* sxdp.c's (its main is not linked): the core's log type, which the
 * stages that run features set */
int dp_logtype;

static const struct av_stage *stages[AV_STAGES_MAX];
static unsigned int n_stages;

void
av_register(const struct av_stage *s)
{
	if (n_stages == AV_STAGES_MAX) {
		fprintf(stderr, "autoval: more than %d stages: raise AV_STAGES_MAX\n", AV_STAGES_MAX);
		exit(2);
	}
	stages[n_stages++] = s;
}

struct input {
	uint8_t *b;
	uint32_t len;
	uint16_t port;          /* the rx port: in_port */
	bool shaped;            /* a shaped mutation (its headers seldom cut by a segment's end) */
	char origin[160];
};

static struct input *inputs;
static size_t n_inputs, cap_inputs;

/* port: the rx port, or -1: by its place (the 4 ports in turn) */
static void
add_input(const uint8_t *b, uint32_t len, const char *origin, int port)
{
	struct input *in;

	if (len > AV_FRAME_MAX)
		len = AV_FRAME_MAX;
	if (n_inputs == cap_inputs) {
		cap_inputs = cap_inputs ? 2 * cap_inputs : 256;
		inputs = realloc(inputs, cap_inputs * sizeof(*inputs));
		if (inputs == NULL)
			abort();
	}
	in = &inputs[n_inputs++];
	in->b = malloc(len ? len : 1);
	if (in->b == NULL)
		abort();
	memcpy(in->b, b, len);
	in->len = len;
	in->port = (uint16_t)(port >= 0 ? port : (int)((n_inputs - 1) % 4));
	in->shaped = port >= 0;
	snprintf(in->origin, sizeof(in->origin), "%s", origin);
}

static int
load_corpus(const char *dir)
{
	struct dirent *e;
	uint8_t buf[AV_FRAME_MAX];
	char path[1024 + 256];
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL) {
		fprintf(stderr, "autoval: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		add_input(buf, (uint32_t)len, path, -1);
		n++;
	}
	closedir(d);
	return n;
}

/* A classic pcap (either byte order, Ethernet). */
static int
load_pcap(const char *path)
{
	uint8_t hdr[24], rec[16], buf[65536];
	char origin[160];
	int n = 0, swap;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr)) {
		fprintf(stderr, "autoval: %s: cannot read\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	swap = hdr[0] == 0xa1 || hdr[0] == 0x4d;
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		uint32_t caplen = swap ? (uint32_t)rec[8] << 24 | rec[9] << 16 | rec[10] << 8 | rec[11] :
					 (uint32_t)rec[11] << 24 | rec[10] << 16 | rec[9] << 8 | rec[8];

		if (caplen > sizeof(buf) || fread(buf, 1, caplen, f) != caplen) {
			fprintf(stderr, "autoval: %s: record %d truncated\n", path, n);
			fclose(f);
			return -1;
		}
		snprintf(origin, sizeof(origin), "%s frame %d", path, n);
		add_input(buf, caplen, origin, -1);
		n++;
	}
	fclose(f);
	return n;
}

static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What breaks parsers: a header byte changed (more often within the first
 * 80, and often to a value that means something to one), cut short,
 * grown. */
static void
mutate(size_t base, unsigned int per)
{
	static const uint8_t special[] = { 0, 0xff, 0x08, 0x00, 0x81, 0x86, 0xdd, 0x45, 0x46, 0x4f, 0x60,
					   6, 17, 1, 58, 44, 0x40, 0x20, 0x3f, 0x12, 0xb5, 0x68, 0x08, 0x50 };
	uint8_t buf[AV_FRAME_MAX + 64];
	char origin[200];

	for (size_t i = 0; i < base; i++) {
		for (unsigned int k = 0; k < per; k++) {
			uint32_t len = inputs[i].len;
			unsigned int edits = 1 + (unsigned int)(rnd() % 3);

			if (len == 0)
				break;
			memcpy(buf, inputs[i].b, len);
			for (unsigned int e = 0; e < edits; e++) {
				uint64_t r = rnd();
				uint32_t at = (r & 3) ? (uint32_t)((r >> 8) % RTE_MIN(len, 80u)) :
							(uint32_t)((r >> 8) % len);

				switch ((r >> 40) % 6) {
				case 0:
				case 1:
					buf[at] = special[(r >> 48) % sizeof(special)];
					break;
				case 2:
					buf[at] ^= (uint8_t)(1u << ((r >> 48) % 8));
					break;
				case 3:
					buf[at] = (uint8_t)(r >> 48);
					break;
				case 4:
					len = (uint32_t)((r >> 48) % (len + 1));
					break;
				default:
					if (len + 16 <= AV_FRAME_MAX) {
						memset(buf + len, (int)(r >> 48), 16);
						len += (uint32_t)((r >> 52) % 16) + 1;
					}
					break;
				}
				if (len == 0)
					break;
			}
			snprintf(origin, sizeof(origin), "mutation %u of %.150s", k, inputs[i].origin);
			add_input(buf, len, origin, -1);
		}
	}
}

uint64_t
av_rnd(void)
{
	return rnd();
}

/* The stage's shaped mutations of each input of its shape, a run of them
 * on one port (the inputs of the shape in turn on the 4 ports). */
static size_t
mutate_shaped(const struct av_stage *st, size_t base, unsigned int per)
{
	uint8_t buf[AV_FRAME_MAX + 64];
	char origin[200];
	size_t made = 0;
	unsigned int runs = 0;

	for (size_t i = 0; i < base; i++) {
		bool any = false;

		for (unsigned int k = 0; k < per; k++) {
			uint32_t len = inputs[i].len;

			memcpy(buf, inputs[i].b, len);
			if ((len = st->mutate_shaped(buf, len, AV_FRAME_MAX)) == 0)
				break;
			any = true;
			snprintf(origin, sizeof(origin), "shaped mutation %u of %.150s", k, inputs[i].origin);
			add_input(buf, len, origin, (int)(runs % 4));
			made++;
		}
		runs += any;
	}
	return made;
}

static bool eal_up;

int
av_eal(void)
{
	char *eal[] = { "test_autoval", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			"--log-level=3", NULL };

	if (eal_up)
		return 0;
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "autoval: EAL init failed\n");
		return -1;
	}
	eal_up = true;
	return 0;
}

int
av_features(const char *const *names, unsigned int n)
{
	static const char *done[AV_STAGES_MAX];
	static unsigned int n_done;
	static bool tables_up;

	if (av_eal() != 0)
		return -1;
	if (!tables_up) {
		if (dp_tables_init(1, 0) < 0) {
			fprintf(stderr, "autoval: the tables' engine: no memory\n");
			return -1;
		}
		dp_logtype = rte_log_register_type_and_pick_level("sxdp", RTE_LOG_WARNING);
		tables_up = true;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_feature *f;
		bool up = false;
		int rc;

		for (unsigned int d = 0; d < n_done && !up; d++)
			up = strcmp(done[d], names[i]) == 0;
		if (up)
			continue;
		if ((f = dp_feature_find(names[i])) == NULL) {
			fprintf(stderr, "autoval: feature %s not registered (not linked?)\n", names[i]);
			return -1;
		}
		if (f->init && (rc = f->init(1)) < 0) {
			fprintf(stderr, "autoval: feature %s: set-up failed: %s\n", names[i], strerror(-rc));
			return -1;
		}
		if (n_done < AV_STAGES_MAX)
			done[n_done++] = names[i];
	}
	return 0;
}

int
av_table_write(const char *stage, const char *const *updates, size_t n)
{
	size_t cap = 1 << 16, len = 0;
	char *req = malloc(cap), *out = NULL;
	int rc;

	if (req == NULL || av_table_rpc() != 0) {
		free(req);
		return -1;
	}
	len += (size_t)snprintf(req, cap, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"table.write\",\"params\":"
				"{\"atomicity\":\"rollback\",\"updates\":[");
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(req + len, cap - len, "%s%s", i ? "," : "", updates[i]);
	if (len < cap)
		len += (size_t)snprintf(req + len, cap - len, "]}}");
	rc = len < cap ? dp_rpc_handle(req, len, &out) : -1;
	if (rc != 0 || out == NULL || strstr(out, "\"error\"") != NULL || strstr(out, "\"committed\":true") == NULL) {
		fprintf(stderr, "autoval: %s: table.write: %s\n", stage, out ? out : "no answer");
		rc = -1;
	}
	free(out);
	free(req);
	return rc;
}

int
av_mbuf_pool(void)
{
	if (av_eal() != 0)
		return -1;
	if (rte_mempool_lookup(DP_MBUF_POOL_NAME) == NULL &&
	    rte_pktmbuf_pool_create(DP_MBUF_POOL_NAME, 511, 0, DP_META_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
				    SOCKET_ID_ANY) == NULL) {
		fprintf(stderr, "autoval: no packet pool\n");
		return -1;
	}
	return 0;
}

void
av_counts_before(struct av_counts *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		c->before[i] = dp_table_counts((unsigned int)c->table[i]);
}

void
av_counts_after(struct av_counts *c, unsigned int impl, uint16_t burst)
{
	for (unsigned int i = 0; i < c->n; i++) {
		struct dp_table_counts a = dp_table_counts((unsigned int)c->table[i]);
		struct dp_table_counts d = { a.hits - c->before[i].hits, a.misses - c->before[i].misses };

		if (impl == 0) {
			c->ref[i] = d;
		} else if (impl == 1 && (d.hits != c->ref[i].hits || d.misses != c->ref[i].misses) && !c->failed) {
			fprintf(stderr, "autoval: %s: a burst of %u counted %" PRIu64 " hits, %" PRIu64 " misses in %s "
				"by the fast path, %" PRIu64 ", %" PRIu64 " by the general one\n", c->stage, burst, d.hits,
				d.misses, c->name[i], c->ref[i].hits, c->ref[i].misses);
			c->failed = true;
		}
	}
}

uint32_t
av_ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

struct dp_stage_ctx *
av_ctx_begin(unsigned int impl, bool shadow)
{
	static struct dp_stage_ctx ctx;
	static struct dp_lcore_stats stats;
	static uint64_t now0, bursts;

	if (now0 == 0)
		now0 = rte_rdtsc();
	if (impl == 0)
		bursts++;
	ctx.worker = 0;
	ctx.lcore = 0;
	ctx.stats = &stats;
	ctx.n_extra = 0;
	ctx.now = now0 + bursts * 20000;
	ctx.shadow = impl == 0 && shadow ? (uint32_t)bursts : 0;
	dp_tables_reader_online(0);
	ctx.root = dp_tables_root();
	return &ctx;
}

void
av_ctx_end(struct dp_stage_ctx *ctx)
{
	dp_tables_reader_offline(0);
	for (uint16_t i = 0; i < ctx->n_extra; i++)
		rte_pktmbuf_free(ctx->extra[i]);
	ctx->n_extra = 0;
}

struct dp_update
av_update(int table, uint16_t action, const void *params, size_t plen)
{
	struct dp_update u;

	memset(&u, 0, sizeof(u));
	u.type = DP_UPD_INSERT;
	u.table = (uint16_t)table;
	u.action = action;
	if (plen)
		memcpy(u.params, params, plen);
	return u;
}

uint16_t
av_run_fast(unsigned int impl, bool shadow, struct av_counts *c, struct av_tally *t, dp_fast_fn fast,
	    dp_stage_fn general, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	struct dp_stage_ctx *ctx;
	bool took;

	if (c != NULL)
		av_counts_before(c);
	ctx = av_ctx_begin(impl, shadow);
	took = impl != 0 && fast(ctx, pkts, n, next);
	if (!took)
		general(ctx, pkts, n, next);
	av_ctx_end(ctx);
	if (c != NULL)
		av_counts_after(c, impl, n);
	av_tally_burst(t, impl, took, n, next);
	return 0;
}

void
av_tally_burst(struct av_tally *t, unsigned int impl, bool fast, uint16_t n, const uint16_t *next)
{
	if (impl == 0)
		return;
	if (!fast) {
		t->general_bursts++;
		t->general_pkts += n;
		return;
	}
	t->fast_bursts++;
	t->fast_pkts += n;
	for (uint16_t i = 0; i < n; i++)
		t->v[next[i] == DP_NEXT_TX ? AV_OUT : next[i] == DP_NEXT_PUNT ? AV_PUNTED :
		     DP_NEXT_IS_DROP(next[i]) ? AV_DROPPED : AV_EDGE]++;
}

int
av_tally_report(const struct av_tally *t, const struct av_counts *c)
{
	bool short_of = false;

	printf("autoval: %s: the fast path took %llu bursts (%llu packets), the general path %llu (%llu packets); "
	       "the fast path's packets: %llu out, %llu punted, %llu dropped, %llu to an edge\n", t->stage,
	       t->fast_bursts, t->fast_pkts, t->general_bursts, t->general_pkts, t->v[AV_OUT], t->v[AV_PUNTED],
	       t->v[AV_DROPPED], t->v[AV_EDGE]);
	for (unsigned int k = 0; k < AV_VERDICTS; k++)
		short_of |= (t->need >> k & 1) && t->v[k] == 0;
	if (t->fast_bursts == 0 || short_of) {
		fprintf(stderr, "autoval: %s: the fast path never ran, or never gave every verdict it must: "
			"nothing was checked\n", t->stage);
		return -1;
	}
	return c != NULL && c->failed ? -1 : 0;
}

int
av_table_rpc(void)
{
	static bool up;

	if (!up && (dp_rpc_builtin_register() != 0 || dp_tblrpc_register() != 0))
		return -1;
	up = true;
	return 0;
}

bool
av_prepare_rx(struct rte_mbuf *m)
{
	static const uint64_t ck[7] = { [3] = RTE_MBUF_F_RX_IP_CKSUM_BAD, [5] = RTE_MBUF_F_RX_IP_CKSUM_GOOD,
					[6] = RTE_MBUF_F_RX_IP_CKSUM_NONE };
	uint16_t nx = 0xffff;

	dp_meta(m)->in_port = m->port;
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_IP_CKSUM_MASK) | ck[m->pkt_len % 7];
	return dp_parse_burst(NULL, &m, 1, &nx) == 1;
}

/* One test mbuf: the struct, its private area, then its own buffer. */
struct tmbuf {
	union {
		struct rte_mbuf m;
		uint8_t raw[sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE];
	} u __attribute__((aligned(RTE_CACHE_LINE_SIZE)));
	uint8_t *buf;
	/* the rest of a frame cut by its first segment's end: a real second
	 * segment (a stage that sums over the chain walks to it) */
	struct rte_mbuf seg2 __attribute__((aligned(RTE_CACHE_LINE_SIZE)));
	uint8_t *buf2;
};

/* How input k is presented (all implementations alike). */
struct layout {
	uint32_t seg, pkt;
	int roomy, rss;
};

static struct layout
layout_of(size_t k, const struct input *in)
{
	uint32_t len = in->len;
	struct layout l = { .seg = len, .pkt = len, .roomy = (k & 1) == 0, .rss = k % 3 == 1 };

	/* headers cut by a segment's end: seldom in a shaped run, whose
	 * bursts a fast path takes only whole */
	if (k % (in->shaped ? 97 : 5) == 2 && len > 0)
		l.seg = (uint32_t)((k * 2654435761u) % len);
	return l;
}

static void
tm_build(struct tmbuf *t, const struct input *in, const struct layout *l, size_t k)
{
	struct rte_mbuf *m = &t->u.m;
	uint32_t room = l->roomy ? AV_ROOM : 0, blen = room + l->seg + room;

	t->buf = malloc(blen ? blen : 1);
	if (t->buf == NULL)
		abort();
	/* garbage around the frame and in every field a stage may write:
	 * the same for every implementation */
	memset(t->buf, 0x6b, blen);
	memcpy(t->buf + room, in->b, l->seg);
	memset(&t->u, 0, sizeof(t->u));
	memset(rte_mbuf_to_priv(m), (int)(0x3c + k % 7), DP_META_PRIV_SIZE);
	memset(m->dynfield1, 0xa5, sizeof(m->dynfield1));
	m->buf_addr = t->buf;
	m->buf_len = (uint16_t)blen;
	m->data_off = (uint16_t)room;
	m->data_len = (uint16_t)l->seg;
	m->pkt_len = l->pkt;
	m->nb_segs = l->seg < l->pkt ? 2 : 1;
	t->buf2 = NULL;
	if (l->seg < l->pkt) {
		uint32_t rest = l->pkt - l->seg;

		t->buf2 = malloc(rest);
		if (t->buf2 == NULL)
			abort();
		memcpy(t->buf2, in->b + l->seg, rest);
		memset(&t->seg2, 0, sizeof(t->seg2));
		t->seg2.buf_addr = t->buf2;
		t->seg2.buf_len = (uint16_t)rest;
		t->seg2.data_len = (uint16_t)rest;
		t->seg2.pkt_len = rest;
		t->seg2.nb_segs = 1;
		m->next = &t->seg2;
	}
	m->priv_size = DP_META_PRIV_SIZE;
	m->port = in->port;
	if (l->rss) {
		m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
		m->hash.rss = 0x9e3779b9u * (uint32_t)(k + 1);
	}
	dp_meta(m)->in_port = in->port;
}

/* Everything compared, with a name for each part. */
struct snap {
	uint16_t next;
	uint8_t priv[DP_META_PRIV_SIZE];
	uint8_t dyn[sizeof(((struct rte_mbuf *)0)->dynfield1)];
	uint64_t ol_flags, tx_offload;
	uint32_t packet_type, rss;
	uint16_t data_off, data_len;
	uint32_t pkt_len;
	uint32_t n_data;
	uint8_t data[AV_FRAME_MAX + 2 * AV_ROOM];
};

static void
take(struct snap *s, struct tmbuf *t, uint16_t next)
{
	struct rte_mbuf *m = &t->u.m;

	memset(s, 0, sizeof(*s));
	s->next = next;
	memcpy(s->priv, rte_mbuf_to_priv(m), DP_META_PRIV_SIZE);
	memcpy(s->dyn, m->dynfield1, sizeof(s->dyn));
	s->ol_flags = m->ol_flags;
	s->tx_offload = m->tx_offload;
	s->packet_type = m->packet_type;
	s->rss = m->hash.rss;
	s->data_off = m->data_off;
	s->data_len = m->data_len;
	s->pkt_len = m->pkt_len;
	s->n_data = m->buf_len;
	memcpy(s->data, t->buf, m->buf_len);
}

static void
hexdump(const char *title, const uint8_t *b, size_t len, size_t mark)
{
	fprintf(stderr, "%s (%zu bytes):\n", title, len);
	for (size_t i = 0; i < len; i += 16) {
		fprintf(stderr, "  %04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(stderr, j == mark ? "[%02x]" : " %02x", b[j]);
		fprintf(stderr, "\n");
	}
}

/* The first difference between the reference a and b, or NULL. */
static const char *
differ(const struct snap *a, const struct snap *b, size_t *at)
{
#define FIELD(f, name)								\
	if (memcmp(&a->f, &b->f, sizeof(a->f)) != 0) {				\
		for (*at = 0; ((const uint8_t *)&a->f)[*at] == ((const uint8_t *)&b->f)[*at]; (*at)++) \
			;							\
		return name;							\
	}
	FIELD(next, "next");
	FIELD(priv, "metadata (the mbuf's private area: struct dp_meta, then the features' fields)");
	FIELD(dyn, "the mbuf's dynamic fields");
	FIELD(ol_flags, "ol_flags");
	FIELD(tx_offload, "tx_offload");
	FIELD(packet_type, "packet_type");
	FIELD(rss, "hash.rss");
	FIELD(data_off, "data_off");
	FIELD(data_len, "data_len");
	FIELD(pkt_len, "pkt_len");
	FIELD(data, "the buffer (the packet's bytes)");
#undef FIELD
	return NULL;
}

/* Runs inputs [first, first + n) as one burst by the forced impl. */
static void
run_burst(const struct av_stage *st, size_t first, uint16_t n, struct snap *out)
{
	struct tmbuf t[AV_BURST];
	struct rte_mbuf *pkts[AV_BURST];
	uint16_t next[AV_BURST], rnext[AV_BURST], idx[AV_BURST], k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct layout l = layout_of(first + i, &inputs[first + i]);

		tm_build(&t[i], &inputs[first + i], &l, first + i);
		next[i] = 0xfffd;   /* dropped ahead: not run */
		if (st->prepare && !st->prepare(&t[i].u.m))
			continue;
		pkts[k] = &t[i].u.m;
		rnext[k] = 0xfffe;
		idx[k++] = i;
	}
	if (k)
		st->run(NULL, pkts, k, rnext);
	for (uint16_t j = 0; j < k; j++)
		next[idx[j]] = rnext[j];
	for (uint16_t i = 0; i < n; i++) {
		take(&out[i], &t[i], next[i]);
		free(t[i].buf);
		free(t[i].buf2);
	}
}

static const uint16_t burst_sizes[] = { 1, 32, 3, 7, 32, 4, 17, 8, 2, 32, 5 };

static int
check_stage(const struct av_stage *st)
{
	static struct snap ref[AV_BURST], got[AV_BURST];
	unsigned int used = 0;
	size_t checked = 0;
	bool plant, caught;

	for (unsigned int impl = 1; impl < st->n_impls; impl++) {
		size_t first = 0;
		unsigned int b = 0;

		if (st->usable != NULL && !st->usable(impl)) {
			printf("ok - autoval: %s: %s # SKIP not on this CPU or build\n", st->name,
			       st->impl_name(impl));
			continue;
		}
		used++;
		plant = st->planted != 0 && impl == st->planted;
		caught = false;
		while (first < n_inputs && !caught) {
			uint16_t n = (uint16_t)RTE_MIN((size_t)burst_sizes[b++ % RTE_DIM(burst_sizes)],
						       n_inputs - first);

			if (st->force(0) != 0 || (run_burst(st, first, n, ref), st->force(impl) != 0)) {
				fprintf(stderr, "autoval: %s: cannot force an implementation\n", st->name);
				return -1;
			}
			run_burst(st, first, n, got);
			for (uint16_t i = 0; i < n; i++) {
				const struct input *in = &inputs[first + i];
				struct layout l = layout_of(first + i, in);
				const char *what;
				size_t at;

				if ((what = differ(&ref[i], &got[i], &at)) == NULL)
					continue;
				if (plant) {
					printf("ok - autoval: %s: the planted bug of %s caught: %s differs at packet "
					       "%zu of %zu (%s)\n", st->name, st->impl_name(impl), what, first + i,
					       n_inputs, in->origin);
					caught = true;
					break;
				}
				fprintf(stderr, "autoval: %s: %s differs from %s in %s, byte %zu\n"
					"  packet: %s (packet %u of a burst of %u; %u bytes, first segment %u, "
					"%s buffer, %s, port %u)\n", st->name, st->impl_name(impl), st->impl_name(0),
					what, at, in->origin, i, n, l.pkt, l.seg, l.roomy ? "roomy" : "exact",
					l.rss ? "RSS hash" : "no RSS hash", in->port);
				fprintf(stderr, "  next: %s %#x, %s %#x\n", st->impl_name(0), ref[i].next,
					st->impl_name(impl), got[i].next);
				hexdump("  the packet", in->b, l.seg, SIZE_MAX);
				hexdump("  metadata, general", ref[i].priv, DP_META_PRIV_SIZE,
					what[0] == 'm' ? at : SIZE_MAX);
				hexdump("  metadata, fast", got[i].priv, DP_META_PRIV_SIZE,
					what[0] == 'm' ? at : SIZE_MAX);
				return -1;
			}
			if (!plant)
				checked += n;
			first += n;
		}
		if (plant && !caught) {
			fprintf(stderr, "autoval: %s: the planted bug of %s was not caught: its inputs never reach "
				"what the fast path decides\n", st->name, st->impl_name(impl));
			return -1;
		}
		if (plant)
			used--;
	}
	printf("autoval: %s: %u fast implementation(s) agree with %s on %zu packets\n", st->name, used,
	       st->impl_name(0), checked);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int per = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 64;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eed5eed5eedull;
	char path[1024];
	int rc = 0;

	rng = seed ? seed : 1;
	if (argc < 2) {
		fprintf(stderr, "usage: %s TESTS_DIR [MUTATIONS [SEED]]\n", argv[0]);
		return 2;
	}
	if (n_stages == 0) {
		fprintf(stderr, "autoval: no stage registered\n");
		return 1;
	}
	for (unsigned int s = 0; s < n_stages; s++) {
		const struct av_stage *st = stages[s];
		size_t base, shaped;
		int n;

		if (st->setup && st->setup() != 0) {
			fprintf(stderr, "autoval: %s: setup failed\n", st->name);
			return 1;
		}
		n_inputs = 0;
		snprintf(path, sizeof(path), "%s/unit/autoval_frames.pcap", argv[1]);
		if ((n = load_pcap(path)) <= 0)
			return 1;
		if (st->corpus) {
			snprintf(path, sizeof(path), "%s/fuzz/corpus/%s", argv[1], st->corpus);
			if (load_corpus(path) < 0)
				return 1;
		}
		base = n_inputs;
		mutate(base, per);
		shaped = st->mutate_shaped ? mutate_shaped(st, base, per * (st->shaped_times ? st->shaped_times : 1)) : 0;
		printf("autoval: %s: %zu packets (%zu frames and corpus files, %u mutations each, seed %#" PRIx64
		       "; %zu shaped mutations)\n", st->name, n_inputs, base, per, seed, shaped);
		if (check_stage(st) != 0 || (st->report && st->report() != 0))
			rc = 1;
		if (st->teardown && st->teardown() != 0)
			rc = 1;
		for (size_t i = 0; i < n_inputs; i++)
			free(inputs[i].b);
	}
	free(inputs);
	if (eal_up)
		rte_eal_cleanup();
	return rc;
}
