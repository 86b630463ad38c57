/* SPDX-License-Identifier: BSD-3-Clause */
/* CRC32C (see pf_crc.h). The table is made on first use (8 KiB); the hardware path is
 * chosen once. */
#include <stdbool.h>
#include <string.h>

#include "pf_crc.h"

#define POLY 0x82f63b78u /* reflected Castagnoli */

static uint32_t tab[8][256];
static bool tab_made;

static void
make_tab(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			tab[k][i] = (tab[k - 1][i] >> 8) ^ tab[0][tab[k - 1][i] & 0xff];
	tab_made = true;
}

static uint32_t
crc_sw(uint32_t c, const uint8_t *p, size_t n)
{
	if (!tab_made)
		make_tab();
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w ^= c; /* little-endian only below: the byte order of x86 and arm64 */
		c = tab[7][w & 0xff] ^ tab[6][(w >> 8) & 0xff] ^ tab[5][(w >> 16) & 0xff] ^
			tab[4][(w >> 24) & 0xff] ^ tab[3][(w >> 32) & 0xff] ^ tab[2][(w >> 40) & 0xff] ^
			tab[1][(w >> 48) & 0xff] ^ tab[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ tab[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static int hw = -1; /* -1: not asked yet */

static bool
use_hw(void)
{
	if (hw < 0) {
		__builtin_cpu_init();
		hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
	}
	return hw == 1;
}
#endif

uint32_t
pf_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	while (len--) {
		if (!tab_made)
			make_tab();
		c = (c >> 8) ^ tab[0][(c ^ *p++) & 0xff];
	}
	return ~c;
#else
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (use_hw())
		return ~crc_hw(c, p, len);
#endif
	return ~crc_sw(c, p, len);
#endif
}
