/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-media: make and check test audio for the end-to-end tests: tones
 * as WAV, WAV to an RTP pcap sipp can play, an RTP stream from a capture back
 * to WAV, the dominant frequency of each channel, the RFC 4733 events in a
 * capture.  `trapeze-media --help`.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "media_cmds.h"
#include "tz_media.h"

static const char usage[] =
"Usage: trapeze-media COMMAND [OPTION]... FILE...\n"
"  tone --freq HZ[,HZ] [--seconds S] [--rate R] [--dbfs D] out.wav\n"
"             a sine (two frequencies: a stereo file, one per channel)\n"
"  freq [--from S] [--seconds S] [--level] in.wav\n"
"             dominant frequency per channel: \"ch0 440 Hz ch1 1000 Hz\" (\"silent\");\n"
"             --level adds each channel's RMS level (\"-10.0 dBFS\")\n"
"  wav2pcap --codec pcmu|pcma|g722|opus [--pt N] [--ptime MS] --src IP:PORT --dst IP:PORT\n"
"           [--ssrc X] [--dtmf DIGITS [--dtmf-at MS] [--event-pt N]] in.wav out.pcap\n"
"             an RTP stream (Ethernet/IP/UDP) sipp's play_pcap_audio replays;\n"
"             --dtmf adds RFC 4733 events (200 ms each, 100 ms apart, 3 end packets)\n"
"  pcap2wav [--port P] [--ssrc X | --stereo] [--pt N] [--codec C] in.pcap out.wav\n"
"             one RTP stream of a capture decoded to WAV (codec from the PT when\n"
"             not given: 0 PCMU, 8 PCMA, 9 G722, dynamic opus); gaps kept as silence;\n"
"             --stereo: the first two streams (both directions), one per channel\n"
"  events [--pt N] in.pcap\n"
"             RFC 4733 events in a capture, one line each\n";

static int parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end ? -EINVAL : 0;
}

int media_read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (f == NULL)
		goto err_open;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto err_read;
	*buf = malloc(n > 0 ? (size_t)n : 1);
	if (*buf == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n)
		goto err_read;
	*len = (size_t)n;
	fclose(f);
	return 0;

err_read:
	free(*buf);
	*buf = NULL;
	fclose(f);
err_open:
	fprintf(stderr, "trapeze-media: %s: %s\n", path, strerror(errno ? errno : EIO));
	return -EIO;
}

int media_cmd_tone(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "freq", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "dbfs", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	double freq[2] = { 0, 0 }, seconds = 5, rate = 8000, dbfs = -10;
	unsigned ch = 1;
	struct tz_media_wav_writer *w;
	int16_t buf[2 * 800], mono[2][800];
	uint64_t total, done = 0;
	int c, r = 0;
	char *comma;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			comma = strchr(optarg, ',');
			if (comma) {
				*comma = '\0';
				ch = 2;
				if (parse_double(comma + 1, &freq[1]) != 0)
					goto err_usage;
			}
			if (parse_double(optarg, &freq[0]) != 0)
				goto err_usage;
			break;
		case 's': if (parse_double(optarg, &seconds) != 0) goto err_usage; break;
		case 'r': if (parse_double(optarg, &rate) != 0) goto err_usage; break;
		case 'd': if (parse_double(optarg, &dbfs) != 0) goto err_usage; break;
		default: goto err_usage;
		}
	}
	if (optind + 1 != argc || freq[0] <= 0 || seconds <= 0 || rate < 1000 || dbfs > 0)
		goto err_usage;
	w = tz_media_wav_open(argv[optind], (uint32_t)rate, ch);
	if (w == NULL) {
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	total = (uint64_t)(seconds * rate);
	while (done < total && r == 0) {
		size_t n = total - done < 800 ? (size_t)(total - done) : 800;

		for (unsigned k = 0; k < ch; k++)
			tz_media_tone(mono[k], n, (uint32_t)rate, freq[k],
				      (int16_t)(32767 * pow(10, dbfs / 20)), done);
		for (size_t i = 0; i < n; i++)
			for (unsigned k = 0; k < ch; k++)
				buf[i * ch + k] = mono[k][i];
		r = tz_media_wav_write(w, buf, n);
		done += n;
	}
	if (tz_media_wav_close(w) != 0 || r != 0) {
		fprintf(stderr, "trapeze-media: %s: write failed\n", argv[optind]);
		return 1;
	}
	return 0;

err_usage:
	fputs(usage, stderr);
	return 2;
}

/* RMS level relative to a full-scale sine (a -10 dBFS tone reads -10.0). */
static double rms_dbfs(const int16_t *pcm, size_t n, size_t stride)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)pcm[i * stride] * pcm[i * stride];
	return n ? 10 * log10(e / (double)n / (32768.0 * 32768.0 / 2) + 1e-12) : -120;
}

int media_cmd_freq(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "level", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct tz_media_wav_info info;
	double from = -1, seconds = 1;
	bool level = false;
	size_t frames, start, n;
	int16_t *pcm;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f' && parse_double(optarg, &from) == 0 && from >= 0)
			continue;
		if (c == 's' && parse_double(optarg, &seconds) == 0 && seconds > 0)
			continue;
		if (c == 'l') {
			level = true;
			continue;
		}
		fputs(usage, stderr);
		return 2;
	}
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return 2;
	}
	r = tz_media_wav_load(argv[optind], 0, 0, &info, &pcm, &frames);
	if (r < 0) {
		fprintf(stderr, "trapeze-media: %s: %s\n", argv[optind],
			r == -EBADMSG ? "not a WAV file (or truncated)" :
			r == -ENOTSUP ? "WAV format not PCM16, A-law or mu-law" : strerror(-r));
		return 1;
	}
	/* Default window: the middle second (past any start-up, before any end). */
	n = (size_t)(seconds * info.rate);
	if (n > frames)
		n = frames;
	start = from >= 0 ? (size_t)(from * info.rate) : (frames - n) / 2;
	if (start > frames - n)
		start = frames - n;
	for (unsigned ch = 0; ch < info.channels; ch++) {
		double f = tz_media_dominant_freq(pcm + start * info.channels + ch, n, info.channels,
						  info.rate);

		if (f > 0)
			printf("%sch%u %.0f Hz", ch ? " " : "", ch, f);
		else
			printf("%sch%u silent", ch ? " " : "", ch);
		if (level)
			printf(" %.1f dBFS", rms_dbfs(pcm + start * info.channels + ch, n, info.channels));
	}
	putchar('\n');
	free(pcm);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "events", media_cmd_events },
		{ "freq", media_cmd_freq },
		{ "pcap2wav", media_cmd_pcap2wav },
		{ "tone", media_cmd_tone },
		{ "wav2pcap", media_cmd_wav2pcap },
	};

	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
