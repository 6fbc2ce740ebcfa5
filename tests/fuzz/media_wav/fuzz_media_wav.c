/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the WAV reader (tz_media_wav_parse): any bytes as a file,
 * read as it is, as mono 8 kHz (announcements) and as stereo 48 kHz.  An
 * accepted file gives frames within what its data chunk can hold.
 *
 * Real fuzzing: tools/fuzz.sh 60 media_wav
 */
#include <stdint.h>
#include <stdlib.h>

#include "tz_media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { uint32_t rate; unsigned ch; } as[] = {
		{ 0, 0 }, { 8000, 1 }, { 48000, 2 },
	};

	for (size_t i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		struct tz_media_wav_info info;
		int16_t *pcm = NULL;
		size_t frames = 0;

		if (tz_media_wav_parse(data, size, as[i].rate, as[i].ch, &info, &pcm, &frames) != 0) {
			if (pcm != NULL)
				abort();
			continue;
		}
		if (pcm == NULL || frames == 0 || info.frames > size ||
		    (as[i].rate == 0 && frames != info.frames))
			abort();
		free(pcm);
	}
	return 0;
}
