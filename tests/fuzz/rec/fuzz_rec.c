/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the recording writer (ctrlplane/rec) over whatever the
 * dataplane may copy out of a flow -- any bytes, as RTP of either
 * direction at any time: the header parser, the G.711 and Opus decoders,
 * the WAV placement (timestamp jumps, SSRC changes) and the pcap writer.
 * Input: records of [direction 1][arrival ms 2][length 2][bytes].
 * The files go to a temporary directory and are removed after each input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib.h>

#include "rec_pvt.h"

static char *dir;

static void rm_files(const char *name)
{
	static const char *const ext[] = { "pcap", "wav", "json" };

	for (int i = 0; i < 3; i++) {
		g_autofree char *p = g_strdup_printf("%s/%s.%s", dir, name, ext[i]);

		unlink(p);
	}
}

static void rm_dir(void)
{
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t none[2] = { 0, 0 };
	struct tz_rec_info in = {
		.call = 1, .family = AF_INET, .gw_port = 30000, .peer_port = 5004,
		.codecs = { { 0, "PCMU", 8000, 1 }, { 8, "PCMA", 8000, 1 },
			    { 111, "opus", 48000, 2 }, { 101, "telephone-event", 8000, 1 },
			    { 9, "G722", 0, 1 } },
		.n_codecs = 5,
	};
	struct rec_files f;
	size_t off = 0;

	if (dir == NULL) {
		dir = g_dir_make_tmp("tz_fuzz_rec_XXXXXX", NULL);
		if (dir == NULL)
			abort();
		atexit(rm_dir);
	}
	g_strlcpy(in.dir, dir, sizeof(in.dir));
	if (rec_files_open(&f, &in, 1000000000LL) != 0)
		abort();
	while (off + 5 <= size) {
		unsigned d = data[off];
		int64_t t = (int64_t)(data[off + 1] << 8 | data[off + 2]) * 1000000;
		size_t n = (size_t)(data[off + 3] << 8 | data[off + 4]);

		off += 5;
		if (n > size - off)
			n = size - off;
		rec_files_packet(&f, &in, d, 1000000000LL + t, data + off, n);
		off += n;
	}
	rec_files_close(&f, &in, none, 2000000000LL);
	rm_files(f.name);
	return 0;
}
