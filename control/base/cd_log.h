/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's log: one line per event on stderr (journald takes it from there under systemd). */
#ifndef CD_LOG_H
#define CD_LOG_H

#include <stdio.h>

#define CD_LOG(level, fmt, ...) \
	fprintf(stderr, "sxcd: " #level ": " fmt "\n", ##__VA_ARGS__)

#endif
