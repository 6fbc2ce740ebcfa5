/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench stage: transcoded calls through the media-services stage
 * next to forwarded calls, in one run.  A worker and the stage run inline
 * on this thread (worker_pvt.h, svc_pvt.h) on ring ports; N calls each send
 * one 20 ms packet per direction per tick: first forwarded (PCMU both legs,
 * SRTP <-> RTP), then transcoded (browser Opus <-> PBX PCMU: both flows
 * diverted, the stage's transcoders, the worker's inject).  Thread CPU time
 * of the worker's rounds and of the stage's rounds is taken apart, so the
 * figures are per core role: forwarded calls per worker core, transcoded
 * calls per worker core and per media (stage) core.  Packet building and
 * draining are outside the timed parts.  Never fails on time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "../tests/unit/dataplane/fp_test.h"
#include "bench.h"
#include "svc/svc_pvt.h"
#include "tz_dp.h"
#include "tz_media.h"
#include "tz_srtp.h"
#include "tz_svc.h"
#include "tz_svc_xcode.h"
#include "worker_pvt.h"

enum { WEB, SIP, KWEB, KSIP, NPORTS };
#define MAX_CALLS 200
#define OPUS_PT 111

struct stage_bench {
	struct rte_ring *rx[NPORTS], *tx[NPORTS];
	uint16_t pid[NPORTS];
	struct rte_mempool *mp;
	struct tz_dp_sessions *sess;
	struct tz_srtp_engine *eng;
	struct tz_srtp_ctx *ctx_in, *ctx_out;
	srtp_t browser;
	unsigned calls, ticks;
	struct tz_dp_flow_key k[MAX_CALLS][2];
};

struct result {
	double worker_ns, stage_ns;     /* per RTP packet in (both directions) */
	uint64_t out_web, out_sip;      /* packets that left each way */
};

static const uint8_t master[30] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int setup(struct stage_bench *b)
{
	struct tz_srtp_engine_conf ec = { .nb_workers = 1, .max_ctx = 16, .socket_id = 0 };
	srtp_policy_t p;

	b->mp = fp_test_eal("tz_bench_stage");
	if (b->mp == NULL || fp_test_ring_ports(b->mp, "bst", NPORTS, b->rx, b->tx, b->pid) != 0)
		return -ENODEV;
	b->sess = tz_dp_sessions_create("bst_sessions", 4 * MAX_CALLS, 1, 0);
	b->eng = tz_srtp_engine_create(&ec);
	if (b->sess == NULL || b->eng == NULL)
		return -ENOMEM;
	b->ctx_in = tz_srtp_ctx_create(b->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       TZ_SRTP_DIR_UNPROTECT, master, 16, master + 16, 14);
	b->ctx_out = tz_srtp_ctx_create(b->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
					TZ_SRTP_DIR_PROTECT, master, 16, master + 16, 14);
	srtp_init();
	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_rtp_default(&p.rtp);
	srtp_crypto_policy_set_rtp_default(&p.rtcp);
	p.ssrc.type = ssrc_any_outbound;
	p.key = (unsigned char *)master;
	p.window_size = 128;
	if (b->ctx_in == NULL || b->ctx_out == NULL || srtp_create(&b->browser, &p) != 0)
		return -ENOMEM;
	return 0;
}

static int start(struct stage_bench *b)
{
	struct tz_dp_worker_conf c = { .lcore = rte_get_main_lcore(), .index = 0,
				       .sessions = b->sess, .n_ports = 2,
				       .srtp_qp = tz_srtp_engine_qp(b->eng, 0) };
	struct tz_svc_conf sc = { .n_cores = 1, .n_workers = 1, .ring_size = 4096,
				  .sessions = b->sess, .pool = b->mp };

	c.wire_port[0] = b->pid[WEB];
	c.wire_port[1] = b->pid[SIP];
	c.tap_port[0] = b->pid[KWEB];
	c.tap_port[1] = b->pid[KSIP];
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = b->pid[WEB], .tx_port = b->pid[KWEB],
					       .port_idx = 0, .media_first = 20000,
					       .media_last = 29999 };
	c.rxq[c.n_rxq++] = (struct tz_dp_rxq){ .port = b->pid[SIP], .tx_port = b->pid[KSIP],
					       .port_idx = 1, .media_first = 30000,
					       .media_last = 39999 };
	if (tz_svc_inline_start(&sc) != 0 || tz_dp_inline_start(&c) != 0)
		return -EINVAL;
	return 0;
}

/* Call @p i's flows (browser port @p base + 2i); transcoded: diverted, and
 * its transcoders made (Opus/48000 <-> PCMU/8000). */
static int add_call(struct stage_bench *b, unsigned i, uint16_t base, bool xcode)
{
	struct tz_dp_flow f[2] = {
		{ .id = i, .xform = TZ_XF_UNPROTECT, .srtp = b->ctx_in, .srtcp = b->ctx_in },
		{ .id = i, .xform = TZ_XF_PROTECT, .srtp = b->ctx_out, .srtcp = b->ctx_out,
		  .ssrc_out = 0x5000 + i },
	};
	struct tz_media_leg web = { .codec = TZ_MEDIA_OPUS, .pt = OPUS_PT, .clock = 48000,
				    .event_pt = 110, .ptime = 20 };
	struct tz_media_leg sip = { .codec = TZ_MEDIA_PCMU, .pt = 0, .clock = 8000,
				    .event_pt = 101, .ptime = 20 };
	struct tz_svc_xcode_cmd cmd = { .call = i, .op = TZ_SVC_XCODE_CREATE };
	uint16_t rport = (uint16_t)(base + 2 * i);

	fp_test_egress(&f[0].out, 1, "203.0.113.1", (uint16_t)(30000 + 2 * i), "203.0.113.2",
		       rport, (uint16_t)(rport + 1));
	fp_test_key(&b->k[i][0], "198.51.100.10", rport, (uint16_t)(20000 + 2 * i), 0);
	fp_test_egress(&f[1].out, 0, "198.51.100.1", (uint16_t)(20000 + 2 * i), "198.51.100.10",
		       rport, rport);
	fp_test_key(&b->k[i][1], "203.0.113.2", rport, (uint16_t)(30000 + 2 * i), 1);
	for (int d = 0; d < 2; d++) {
		f[d].svc = xcode ? TZ_SVC_DIVERT : 0;
		f[d].svc_key = b->k[i][d];
		if (tz_dp_flow_add(b->sess, &b->k[i][d], &f[d]) < 0)
			return -ENOSPC;
	}
	if (!xcode)
		return 0;
	cmd.key[0] = b->k[i][0];
	cmd.key[1] = b->k[i][1];
	cmd.cfg[0] = (struct tz_media_xcode_cfg){ .in = web, .out = sip };
	cmd.cfg[1] = (struct tz_media_xcode_cfg){ .in = sip, .out = web, .opus.fec = true };
	return tz_svc_xcode_post(0, &cmd);
}

/* One tick's packets of every call, built and queued (not timed): the
 * browser's (SRTP; Opus when transcoded, else PCMU) and the PBX's PCMU. */
static void queue_tick(struct stage_bench *b, unsigned t, uint16_t base, bool xcode,
		       struct tz_media_enc *enc)
{
	int16_t pcm48[960], pcm8[160];
	uint8_t buf[400];

	tz_media_tone(pcm48, 960, 48000, 440, 8000, (uint64_t)t * 960);
	tz_media_tone(pcm8, 160, 8000, 1000, 8000, (uint64_t)t * 160);
	for (unsigned i = 0; i < b->calls; i++) {
		uint16_t rport = (uint16_t)(base + 2 * i);
		uint32_t ts = t * (xcode ? 960u : 160u);
		int len = fp_test_rtp(buf, 12, xcode ? OPUS_PT : 0, (uint16_t)t, 0x1000 + base + i);

		buf[4] = (uint8_t)(ts >> 24);
		buf[5] = (uint8_t)(ts >> 16);
		buf[6] = (uint8_t)(ts >> 8);
		buf[7] = (uint8_t)ts;
		if (xcode) {
			len += tz_media_enc_frame(enc, pcm48, 960, buf + 12, 300);
		} else {
			tz_media_g711_encode(false, pcm8, buf + 12, 160);
			len += 160;
		}
		srtp_protect(b->browser, buf, &len);
		rte_ring_enqueue(b->rx[WEB], fp_test_frame4(b->mp, "198.51.100.10", rport,
							    "198.51.100.1",
							    (uint16_t)(20000 + 2 * i), buf,
							    (uint16_t)len));
		len = fp_test_rtp(buf, 12, 0, (uint16_t)t, 0x9000 + base + i);
		memcpy(buf + 4, (uint8_t[4]){ (uint8_t)(t * 160 >> 24), (uint8_t)(t * 160 >> 16),
					      (uint8_t)(t * 160 >> 8), (uint8_t)(t * 160) }, 4);
		tz_media_g711_encode(false, pcm8, buf + 12, 160);
		rte_ring_enqueue(b->rx[SIP], fp_test_frame4(b->mp, "203.0.113.2", rport,
							    "203.0.113.1",
							    (uint16_t)(30000 + 2 * i), buf,
							    (uint16_t)(len + 160)));
	}
}

static uint64_t drain(struct rte_ring *r)
{
	struct rte_mbuf *m;
	uint64_t n = 0;

	while (rte_ring_dequeue(r, (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

static void run(struct stage_bench *b, bool xcode, struct result *r)
{
	uint16_t base = xcode ? 44000 : 42000;
	struct tz_media_enc *enc = tz_media_enc_create(TZ_MEDIA_OPUS, 48000, NULL);
	double w = 0, s = 0, t0;

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < b->calls; i++)
		add_call(b, i, base, xcode);
	tz_svc_inline_round(0);         /* the create commands (not timed) */
	for (unsigned t = 0; t < b->ticks; t++) {
		queue_tick(b, t, base, xcode, enc);
		t0 = cpu_ns();
		while (rte_ring_count(b->rx[WEB]) + rte_ring_count(b->rx[SIP]) != 0)
			tz_dp_inline_round();
		tz_dp_inline_round();
		w += cpu_ns() - t0;
		if (xcode) {
			t0 = cpu_ns();
			while (tz_svc_inline_round(0) != 0)
				;
			s += cpu_ns() - t0;
			t0 = cpu_ns();
			while (tz_dp_inline_round() != 0)
				;
			w += cpu_ns() - t0;
		}
		r->out_web += drain(b->tx[WEB]);
		r->out_sip += drain(b->tx[SIP]);
	}
	r->worker_ns = w / (2.0 * b->calls * b->ticks);
	r->stage_ns = s / (2.0 * b->calls * b->ticks);
	for (unsigned i = 0; i < b->calls; i++) {
		struct tz_svc_xcode_cmd cmd = { .call = i, .op = TZ_SVC_XCODE_DESTROY };

		if (xcode)
			tz_svc_xcode_post(0, &cmd);
		tz_svc_inline_round(0);
		tz_dp_flow_del(b->sess, &b->k[i][0]);
		tz_dp_flow_del(b->sess, &b->k[i][1]);
	}
	tz_dp_inline_round();           /* quiescent: the old entries may go */
	tz_media_enc_destroy(enc);
}

/* calls per core at 50 packets/s each way */
static double per_core(double ns_per_pkt)
{
	return ns_per_pkt > 0 ? 1e9 / (ns_per_pkt * 100.0) : 0;
}

int bench_stage_main(int argc, char **argv)
{
	static struct stage_bench b = { .calls = 20, .ticks = 250 };
	const char *json = NULL;
	struct result fwd, xc;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "c:t:j:h")) != -1) {
		if (c == 'c')
			b.calls = (unsigned)atoi(optarg);
		else if (c == 't')
			b.ticks = (unsigned)atoi(optarg);
		else if (c == 'j')
			json = optarg;
		else {
			fputs("usage: trapeze-bench stage [-c CALLS (20, <= 200)] [-t TICKS of 20 ms "
			      "(250)] [-j FILE.json]\n", c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (b.calls == 0 || b.calls > MAX_CALLS || b.ticks == 0)
		return 2;
	if (setup(&b) != 0 || start(&b) != 0) {
		fprintf(stderr, "stage bench: EAL, ports or stage did not start\n");
		return 1;
	}
	run(&b, false, &fwd);
	run(&b, true, &xc);
	printf("trapeze-bench stage: %u calls x %u ticks of 20 ms, one worker + one stage core "
	       "inline (thread CPU time)\n", b.calls, b.ticks);
	printf("%-44s %10s %10s %16s %16s\n", "", "worker ns", "stage ns", "calls/worker core",
	       "calls/media core");
	printf("%-44s %10.0f %10s %16.0f %16s\n", "forwarded (PCMU both legs, SRTP <-> RTP)",
	       fwd.worker_ns, "-", per_core(fwd.worker_ns), "-");
	printf("%-44s %10.0f %10.0f %16.0f %16.0f\n", "transcoded (Opus <-> PCMU via the stage)",
	       xc.worker_ns, xc.stage_ns, per_core(xc.worker_ns), per_core(xc.stage_ns));
	printf("packets out: forwarded %lu/%lu, transcoded %lu/%lu (to browser / to PBX, of %u each)\n",
	       (unsigned long)fwd.out_web, (unsigned long)fwd.out_sip, (unsigned long)xc.out_web,
	       (unsigned long)xc.out_sip, b.calls * b.ticks);
	printf("one transcoded call costs the stage as much as %.0f forwarded calls cost a worker\n",
	       xc.stage_ns / (fwd.worker_ns > 0 ? fwd.worker_ns : 1));
	if (json != NULL && (f = fopen(json, "w")) != NULL) {
		fprintf(f, "{\"calls\":%u,\"ticks\":%u,\"forwarded_worker_ns\":%.1f,"
			"\"transcoded_worker_ns\":%.1f,\"transcoded_stage_ns\":%.1f,"
			"\"forwarded_calls_per_worker_core\":%.0f,"
			"\"transcoded_calls_per_media_core\":%.0f}\n", b.calls, b.ticks,
			fwd.worker_ns, xc.worker_ns, xc.stage_ns, per_core(fwd.worker_ns),
			per_core(xc.stage_ns));
		fclose(f);
	}
	tz_dp_inline_stop();
	tz_svc_stop();
	return 0;
}
