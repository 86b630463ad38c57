/* Unit tests of dp_addr.h, the one reader of address text for sxdp, its
 * config and sxctl: prefixes (strict decimal lengths), addresses, MACs. */
#include <errno.h>
#include <stdlib.h>
#include <check.h>

#include "dp_addr.h"

START_TEST(prefixes)
{
	uint8_t a[16], plen;

	ck_assert_int_eq(dp_addr_prefix("10.1.0.0/16", AF_INET, false, a, &plen), 0);
	ck_assert_uint_eq(plen, 16);
	ck_assert_uint_eq(a[0], 10);
	ck_assert_uint_eq(a[1], 1);
	ck_assert_int_eq(dp_addr_prefix("10.1.2.3", AF_INET, true, a, &plen), 0);
	ck_assert_uint_eq(plen, 32);
	ck_assert_int_eq(dp_addr_prefix("10.1.2.3", AF_INET, false, a, &plen), -EINVAL);
	ck_assert_int_eq(dp_addr_prefix("2001:db8::/32", AF_INET6, false, a, &plen), 0);
	ck_assert_uint_eq(plen, 32);
	ck_assert_uint_eq(a[1], 0x01);
	ck_assert_int_eq(dp_addr_prefix("::1", AF_INET6, true, a, &plen), 0);
	ck_assert_uint_eq(plen, 128);
	/* lengths: strict decimal within the family's bits, checked first */
	ck_assert_int_eq(dp_addr_prefix("10.0.0.0/33", AF_INET, false, a, &plen), -ERANGE);
	ck_assert_int_eq(dp_addr_prefix("10.0.0.0/08", AF_INET, false, a, &plen), -ERANGE);
	ck_assert_int_eq(dp_addr_prefix("10.0.0.0/", AF_INET, false, a, &plen), -ERANGE);
	ck_assert_int_eq(dp_addr_prefix("10.0.0.0/+8", AF_INET, false, a, &plen), -ERANGE);
	ck_assert_int_eq(dp_addr_prefix("x/8", AF_INET, false, a, &plen), -EINVAL);
	ck_assert_int_eq(dp_addr_prefix("10.0.0/8", AF_INET, false, a, &plen), -EINVAL);
	ck_assert_int_eq(dp_addr_prefix("::/129", AF_INET6, false, a, &plen), -ERANGE);
	ck_assert_int_eq(dp_addr_prefix("10.0.0.0/8", AF_INET6, false, a, &plen), -EINVAL);
	/* longer than any address: refused, not cut */
	ck_assert_int_eq(dp_addr_prefix("0000000000000000000000000000000000000000000000000/8", AF_INET,
					 false, a, &plen), -EINVAL);
}
END_TEST

START_TEST(addresses)
{
	uint8_t a[16];

	ck_assert_int_eq(dp_addr_ip("192.0.2.1", AF_INET, a), 0);
	ck_assert_uint_eq(a[3], 1);
	ck_assert_int_eq(dp_addr_ip("192.0.2.1/32", AF_INET, a), -EINVAL);
	ck_assert_int_eq(dp_addr_ip("192.0.2", AF_INET, a), -EINVAL);
	ck_assert_int_eq(dp_addr_ip("fe80::1", AF_INET6, a), 0);
	ck_assert_int_eq(dp_addr_ip("", AF_INET6, a), -EINVAL);
}
END_TEST

START_TEST(macs)
{
	uint8_t m[6] = { 0 }, want[6] = { 0x02, 0x00, 0x0a, 0xbc, 0xDE, 0xf1 };

	ck_assert_int_eq(dp_addr_mac("02:00:0a:bc:DE:f1", m), 0);
	ck_assert_mem_eq(m, want, 6);
	memset(m, 0, 6);
	ck_assert_int_eq(dp_addr_mac("0200:0abc:def1", m), 0);
	ck_assert_mem_eq(m, want, 6);
	ck_assert_int_eq(dp_addr_mac("02:00:0a:bc:de", m), -EINVAL);
	ck_assert_int_eq(dp_addr_mac("02:00:0a:bc:de:f1:", m), -EINVAL);
	ck_assert_int_eq(dp_addr_mac("02-00-0a-bc-de-f1", m), -EINVAL);
	ck_assert_int_eq(dp_addr_mac("02:00:0a:bc:de:g1", m), -EINVAL);
	ck_assert_int_eq(dp_addr_mac("0200:0abc:def", m), -EINVAL);
	ck_assert_int_eq(dp_addr_mac("", m), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, macs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
