/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sample-rate conversion over libspeexdsp's resampler (a windowed-sinc
 * polyphase filter): any rational ratio, state kept between calls so a stream
 * resampled 20 ms at a time has no seams.  The output is delayed by the
 * filter (tz_media_resampler_delay(): 5 ms at quality 5 for 8 <-> 48 kHz)
 * and every input frame gives its share of output frames from the
 * start, so a transcoder's timestamps stay exact.
 */
#include <errno.h>
#include <stdlib.h>

#include <speex/speex_resampler.h>

#include "tz_media.h"

#define DEFAULT_QUALITY 5

struct tz_media_resampler {
	SpeexResamplerState *st;
	uint32_t in_rate, out_rate;
	unsigned channels;
};

struct tz_media_resampler *tz_media_resampler_create(uint32_t in_rate, uint32_t out_rate,
						     unsigned channels, int quality)
{
	struct tz_media_resampler *r;
	int err;

	if (in_rate == 0 || out_rate == 0 || channels == 0 || channels > 8 ||
	    quality < 0 || quality > 10) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->st = speex_resampler_init(channels, in_rate, out_rate,
				     quality ? quality : DEFAULT_QUALITY, &err);
	if (r->st == NULL) {
		free(r);
		errno = err == RESAMPLER_ERR_ALLOC_FAILED ? ENOMEM : EINVAL;
		return NULL;
	}
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	r->channels = channels;
	return r;
}

void tz_media_resampler_destroy(struct tz_media_resampler *r)
{
	if (r == NULL)
		return;
	speex_resampler_destroy(r->st);
	free(r);
}

unsigned tz_media_resampler_delay(const struct tz_media_resampler *r)
{
	return (unsigned)speex_resampler_get_input_latency(r->st);
}

size_t tz_media_resampler_out_max(const struct tz_media_resampler *r, size_t in_frames)
{
	return (size_t)(((uint64_t)in_frames * r->out_rate + r->in_rate - 1) / r->in_rate) + 1;
}

int tz_media_resample(struct tz_media_resampler *r, const int16_t *in, size_t in_frames,
		      int16_t *out, size_t out_cap)
{
	size_t done_in = 0, done_out = 0;

	if (in_frames > INT32_MAX / 8 || out_cap < tz_media_resampler_out_max(r, in_frames))
		return -ENOSPC;
	while (done_in < in_frames) {
		spx_uint32_t il = (spx_uint32_t)(in_frames - done_in);
		spx_uint32_t ol = (spx_uint32_t)(out_cap - done_out);

		if (speex_resampler_process_interleaved_int(r->st, in + done_in * r->channels, &il,
							    out + done_out * r->channels, &ol) != 0)
			return -EIO;
		done_in += il;
		done_out += ol;
		if (il == 0 && ol == 0)
			break;
	}
	return (int)done_out;
}
