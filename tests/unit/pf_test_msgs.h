/* Sample PFCP messages for the codec's tests, fuzz seeds and the scapy check: every
 * message the UPF writes, and a Session Establishment Request as an SMF sends it. */
#ifndef PF_TEST_MSGS_H
#define PF_TEST_MSGS_H

#include <stddef.h>
#include <stdint.h>

#define PF_TEST_N_MSGS 15
#define PF_TEST_EST_REQ 5
#define PF_TEST_MOD_REQ 14 /* onto PF_TEST_EST_REQ's session */

/* message i into buf: its length, or -ENOSPC */
int pf_test_msg(int i, uint8_t *buf, size_t size);

#endif
