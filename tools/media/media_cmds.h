/* SPDX-License-Identifier: BSD-3-Clause */
/* trapeze-media subcommands (tools/media/): media test tool for e2e tests. */
#ifndef TZ_MEDIA_CMDS_H
#define TZ_MEDIA_CMDS_H

#include <stddef.h>
#include <stdint.h>

int media_cmd_tone(int argc, char **argv);
int media_cmd_freq(int argc, char **argv);
int media_cmd_wav2pcap(int argc, char **argv);
int media_cmd_pcap2wav(int argc, char **argv);
int media_cmd_events(int argc, char **argv);

/* Read a whole file (malloc'd) or print why and return -errno. */
int media_read_file(const char *path, uint8_t **buf, size_t *len);

#endif
