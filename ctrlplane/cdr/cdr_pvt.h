/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_CDR_PVT_H
#define TZ_CDR_PVT_H

#include <stdbool.h>

#include "tz_cdr.h"

/* counters (cdr_file.c); records, buffered filled in by tz_cdr_stats_get */
extern struct tz_cdr_stats tz_cdr_ctr;

/* cdr_file.c: the file, when cdr.file is set */
int tz_cdr_file_open(const char *path);
void tz_cdr_file_append(const char *line, size_t len);
unsigned tz_cdr_file_buffered(void);
void tz_cdr_file_close(void);

/* cdr_store.c: the last records kept, oldest first; @p fn gets each line
 * (with its newline) of the last @p n */
void tz_cdr_store_last(unsigned n, void (*fn)(const char *line, void *arg), void *arg);

/* cdr_cmd.c */
int tz_cdr_commands_register(void);

#endif
