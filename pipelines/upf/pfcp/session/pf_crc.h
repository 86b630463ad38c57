/* SPDX-License-Identifier: BSD-3-Clause */
/* CRC32C (Castagnoli, as iSCSI and ext4 use it): the checksum of a packed PFCP session
 * (pf_sess_pack) and of each record of the sessions' journal (pf_store). It detects
 * every error burst up to 32 bits, so any one changed octet. SSE4.2's crc32 instruction
 * where the CPU has it, a slicing-by-8 table otherwise (same results). */
#ifndef PF_CRC_H
#define PF_CRC_H

#include <stddef.h>
#include <stdint.h>

/* @crc: 0 to start, or a previous result to go on over more octets */
uint32_t pf_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
