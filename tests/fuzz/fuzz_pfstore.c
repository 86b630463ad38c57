/* libFuzzer target for the PFCP sessions' persistence: the input, after the log's magic,
 * as DIR/pfcp/sessions.log (pf_store_open finds the whole records, cuts the rest off;
 * pf_store_load gives each live one exactly once, and each goes through pf_sess_unpack);
 * then the input as a packed session, as it is and with its CRC made right (so the
 * fuzzer reaches the parser past the CRC). What unpack accepts must pack into bytes that
 * unpack and pack again the same; every interned name is released at the end. Seeds: tests/fuzz/corpus/pfstore
 * (`test_pfstore --seeds DIR`: packed sessions, a log, a torn one). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_crc.h"
#include "pf_sess.h"
#include "pf_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static char dir[64], sub[96], logp[128];

static void
cleanup(void)
{
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp", logp);
	unlink(tmp);
	unlink(logp);
	rmdir(sub);
	rmdir(dir);
}

static void
setup(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_pfstore.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/pfcp", dir);
	snprintf(logp, sizeof(logp), "%s/sessions.log", sub);
	CHECK(mkdir(sub, 0700) == 0);
	atexit(cleanup);
}

/* unpacks; what is accepted packs into what unpacks and packs the same again (the
 * input itself need not be the canonical form: a field written as zero) */
static void
unpack(const uint8_t *b, size_t n)
{
	static uint8_t p1[70000], p2[70000];
	struct pf_session *s = NULL, *t = NULL;
	int n1, n2;

	if (pf_sess_unpack(b, n, &s) != 0) {
		CHECK(s == NULL);
		return;
	}
	n1 = pf_sess_pack(s, p1, sizeof(p1));
	CHECK(n1 > 0 && n1 == pf_sess_pack(s, NULL, 0));
	CHECK(pf_sess_unpack(p1, (size_t)n1, &t) == 0);
	n2 = pf_sess_pack(t, p2, sizeof(p2));
	CHECK(n2 == n1 && memcmp(p1, p2, (size_t)n1) == 0 && pf_sess_bytes(s) == pf_sess_bytes(t));
	pf_sess_free(s);
	pf_sess_free(t);
}

struct seen {
	int n;
	uint64_t keys[4096];
};

static int
rec(void *arg, uint64_t key, const uint8_t *b, size_t len)
{
	struct seen *v = arg;
	int i;

	CHECK(len <= PF_STORE_REC_MAX);
	for (i = 0; i < v->n && i < 4096; i++)
		CHECK(v->keys[i] != key); /* each live key once */
	if (v->n < 4096)
		v->keys[v->n] = key;
	v->n++;
	unpack(b, len);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen v;
	struct pf_store_stats st;
	struct pf_store *s;
	uint8_t *c;
	int fd;

	setup();
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "SXPFJRN1", 8) == 8 && (size == 0 || write(fd, data, size) == (ssize_t)size));
	close(fd);
	if (pf_store_open(dir, &s) == 0) {
		v.n = 0;
		CHECK(pf_store_load(s, rec, &v) == 0);
		pf_store_stats(s, &st);
		CHECK(st.live == (uint64_t)v.n && st.file_bytes <= 8 + size);
		pf_store_close(s);
		/* what was cut off stays cut off */
		CHECK(pf_store_open(dir, &s) == 0);
		pf_store_stats(s, &st);
		CHECK(st.live == (uint64_t)v.n);
		pf_store_close(s);
	}
	unpack(data, size);
	c = malloc(size + 4);
	CHECK(c != NULL);
	if (size)
		memcpy(c, data, size);
	{
		uint32_t crc = pf_crc32c(0, data, size);
		int i;

		for (i = 0; i < 4; i++)
			c[size + (size_t)i] = (uint8_t)(crc >> (8 * i));
	}
	unpack(c, size + 4);
	free(c);
	CHECK(pf_sess_names_used() == 0);
	return 0;
}
