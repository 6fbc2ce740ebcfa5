/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transcoding on the media-services stage (tz_svc_xcode.h): each stage core
 * keeps the transcoders of the calls it serves, made and freed by commands
 * from the control thread, and turns each diverted packet of such a call
 * into the other leg's codec.  Stage-core confined: no locks; the only
 * allocations are at "create" (the transcoders' buffers and codec states).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "svc_pvt.h"
#include "tz_log.h"
#include "tz_svc_xcode.h"
#include "xcode_svc_pvt.h"

#define CMD_RING 256
#define RTP_MIN 12

_Static_assert(sizeof(struct tz_svc_xcode_cmd) % 4 == 0, "ring elements are 4-byte multiples");

struct xc_call {
	bool used;
	uint32_t call;
	struct tz_dp_flow_key key[2];
	struct tz_media_xcode *x[2];
};

struct xc_core {
	struct rte_ring *cmd;
	struct xc_call *calls;              /* TZ_SVC_XCODE_MAX_CALLS */
	unsigned hi;                        /* entries in use are below */
	unsigned last;                      /* the last packet's entry (a burst is
					     * mostly one call's) */
	uint64_t cnt[TZ_SVC_XC_COUNT];
} __rte_cache_aligned;

static struct xc_core xc[TZ_SVC_MAX_CORES];
static unsigned n_xc;
static struct rte_mempool *out_pool;

static const char *const cnt_name[TZ_SVC_XC_COUNT] = {
#define TZ_SVC_XC_NAME(e, n, h) [TZ_SVC_XC_##e] = n,
	TZ_SVC_XCODE_COUNTERS(TZ_SVC_XC_NAME)
#undef TZ_SVC_XC_NAME
};
static const char *const cnt_help[TZ_SVC_XC_COUNT] = {
#define TZ_SVC_XC_HELP(e, n, h) [TZ_SVC_XC_##e] = h,
	TZ_SVC_XCODE_COUNTERS(TZ_SVC_XC_HELP)
#undef TZ_SVC_XC_HELP
};

const char *tz_svc_xcode_counter_name(enum tz_svc_xcode_counter c)
{
	return (unsigned)c < TZ_SVC_XC_COUNT ? cnt_name[c] : "?";
}

const char *tz_svc_xcode_counter_help(enum tz_svc_xcode_counter c)
{
	return (unsigned)c < TZ_SVC_XC_COUNT ? cnt_help[c] : "?";
}

static void bump(struct xc_core *x, enum tz_svc_xcode_counter c, uint64_t n)
{
	__atomic_store_n(&x->cnt[c], x->cnt[c] + n, __ATOMIC_RELAXED);
}

int tz_svc_xcode_setup(unsigned n_cores, struct rte_mempool *pool)
{
	char name[RTE_RING_NAMESIZE];

	out_pool = pool;
	for (unsigned k = 0; k < n_cores; k++) {
		memset(&xc[k], 0, sizeof(xc[k]));
		snprintf(name, sizeof(name), "tz_svc_xc%u", k);
		xc[k].cmd = rte_ring_create_elem(name, sizeof(struct tz_svc_xcode_cmd), CMD_RING,
						 SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		xc[k].calls = calloc(TZ_SVC_XCODE_MAX_CALLS, sizeof(*xc[k].calls));
		n_xc = k + 1;
		if (xc[k].cmd == NULL || xc[k].calls == NULL)
			return -ENOMEM;
	}
	return 0;
}

static void call_free(struct xc_core *x, struct xc_call *e)
{
	tz_media_xcode_destroy(e->x[0]);
	tz_media_xcode_destroy(e->x[1]);
	memset(e, 0, sizeof(*e));
	bump(x, TZ_SVC_XC_CALLS, (uint64_t)-1);
}

void tz_svc_xcode_stop(void)
{
	for (unsigned k = 0; k < n_xc; k++) {
		for (unsigned i = 0; xc[k].calls != NULL && i < xc[k].hi; i++)
			if (xc[k].calls[i].used)
				call_free(&xc[k], &xc[k].calls[i]);
		free(xc[k].calls);
		rte_ring_free(xc[k].cmd);
		memset(&xc[k], 0, sizeof(xc[k]));
	}
	n_xc = 0;
}

int tz_svc_xcode_post(unsigned core, const struct tz_svc_xcode_cmd *cmd)
{
	if (core >= n_xc || core >= tz_svc_sh.n_cores || xc[core].cmd == NULL)
		return -ENODEV;
	return rte_ring_sp_enqueue_elem(xc[core].cmd, (void *)(uintptr_t)cmd, sizeof(*cmd)) == 0
		       ? 0 : -ENOBUFS;
}

int tz_svc_xcode_counters(unsigned core, uint64_t out[TZ_SVC_XC_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * TZ_SVC_XC_COUNT);
	if (core >= n_xc)
		return -ENOENT;
	for (int i = 0; i < TZ_SVC_XC_COUNT; i++)
		out[i] = __atomic_load_n(&xc[core].cnt[i], __ATOMIC_RELAXED);
	return 0;
}

static struct xc_call *find_call(struct xc_core *x, uint32_t call)
{
	for (unsigned i = 0; i < x->hi; i++)
		if (x->calls[i].used && x->calls[i].call == call)
			return &x->calls[i];
	return NULL;
}

static void create(struct xc_core *x, const struct tz_svc_xcode_cmd *cmd)
{
	struct xc_call *e = find_call(x, cmd->call);
	unsigned i;

	if (e != NULL) {                /* re-published: new keys, same streams */
		memcpy(e->key, cmd->key, sizeof(e->key));
		return;
	}
	for (i = 0; i < TZ_SVC_XCODE_MAX_CALLS && x->calls[i].used; i++)
		;
	if (i == TZ_SVC_XCODE_MAX_CALLS)
		goto fail;
	e = &x->calls[i];
	e->x[0] = tz_media_xcode_create(&cmd->cfg[0]);
	e->x[1] = e->x[0] != NULL ? tz_media_xcode_create(&cmd->cfg[1]) : NULL;
	if (e->x[1] == NULL) {
		tz_media_xcode_destroy(e->x[0]);
		memset(e, 0, sizeof(*e));
		goto fail;
	}
	e->used = true;
	e->call = cmd->call;
	memcpy(e->key, cmd->key, sizeof(e->key));
	x->hi = RTE_MAX(x->hi, i + 1);
	bump(x, TZ_SVC_XC_CREATED, 1);
	bump(x, TZ_SVC_XC_CALLS, 1);
	return;
fail:
	bump(x, TZ_SVC_XC_CREATE_FAILED, 1);
}

unsigned tz_svc_xcode_commands(unsigned core)
{
	struct xc_core *x = &xc[core];
	struct tz_svc_xcode_cmd cmd;
	unsigned n = 0;

	if (core >= n_xc)
		return 0;
	while (rte_ring_sc_dequeue_elem(x->cmd, &cmd, sizeof(cmd)) == 0) {
		struct xc_call *e;

		n++;
		if (cmd.op == TZ_SVC_XCODE_CREATE) {
			create(x, &cmd);
			continue;
		}
		e = find_call(x, cmd.call);
		if (e != NULL) {
			call_free(x, e);
			bump(x, TZ_SVC_XC_DESTROYED, 1);
		}
		while (x->hi > 0 && !x->calls[x->hi - 1].used)
			x->hi--;
	}
	return n;
}

/* The call and direction a diverted packet belongs to (its flow's key). */
static struct xc_call *find_flow(struct xc_core *x, const struct tz_dp_flow_key *k, int *dir)
{
	for (unsigned j = 0; j < x->hi; j++) {
		unsigned i = (x->last + j) % x->hi;
		struct xc_call *e = &x->calls[i];

		if (!e->used)
			continue;
		for (int d = 0; d < 2; d++)
			if (memcmp(&e->key[d], k, sizeof(*k)) == 0) {
				*dir = d;
				x->last = i;
				return e;
			}
	}
	return NULL;
}

/* RFC 3550 section 5.1: the payload after CSRCs and the extension, padding off. */
static int rtp_parse(const uint8_t *p, size_t len, struct tz_media_rtp *r)
{
	size_t off = RTP_MIN + 4u * (p[0] & 0x0f);

	if (len < RTP_MIN || (p[0] >> 6) != 2 || off > len)
		return -EBADMSG;
	if (p[0] & 0x10) {
		if (off + 4 > len)
			return -EBADMSG;
		off += 4 + 4u * ((size_t)p[off + 2] << 8 | p[off + 3]);
		if (off > len)
			return -EBADMSG;
	}
	if (p[0] & 0x20) {
		if (len == off || p[len - 1] > len - off)
			return -EBADMSG;
		len -= p[len - 1];
	}
	r->payload = p + off;
	r->len = (uint16_t)(len - off);
	r->marker = (p[1] & 0x80) != 0;
	r->pt = p[1] & 0x7f;
	r->seq = (uint16_t)(p[2] << 8 | p[3]);
	r->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	r->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	return 0;
}

/* One output packet: the flow's key, then RTP (SSRC and sequence number
 * are the worker's to write at the inject). */
static struct rte_mbuf *make_packet(const struct tz_dp_flow_key *k, const struct tz_media_rtp *r)
{
	struct rte_mbuf *b = rte_pktmbuf_alloc(out_pool);
	uint8_t *p;

	if (b == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(b, TZ_SVC_HDR + RTP_MIN + r->len);
	if (p == NULL) {
		rte_pktmbuf_free(b);
		return NULL;
	}
	memcpy(p, k, TZ_SVC_HDR);
	p += TZ_SVC_HDR;
	p[0] = 0x80;
	p[1] = (uint8_t)((r->marker ? 0x80 : 0) | (r->pt & 0x7f));
	p[2] = (uint8_t)(r->seq >> 8);
	p[3] = (uint8_t)r->seq;
	p[4] = (uint8_t)(r->ts >> 24);
	p[5] = (uint8_t)(r->ts >> 16);
	p[6] = (uint8_t)(r->ts >> 8);
	p[7] = (uint8_t)r->ts;
	memset(p + 8, 0, 4);
	memcpy(p + RTP_MIN, r->payload, r->len);
	return b;
}

unsigned tz_svc_xcode_take(unsigned core, unsigned worker, struct rte_mbuf **m, unsigned n,
			   const struct tz_svc_xcode_out *out)
{
	struct tz_media_rtp res[TZ_MEDIA_XCODE_MAX_OUT];
	struct rte_mbuf *made[TZ_MEDIA_XCODE_MAX_OUT];
	struct xc_core *x = &xc[core];
	unsigned keep = 0;

	if (core >= n_xc || x->hi == 0)
		return n;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		struct tz_media_rtp in;
		struct xc_call *e;
		unsigned k = 0;
		int dir, rc;

		if (rte_pktmbuf_data_len(m[i]) < TZ_SVC_HDR ||
		    (e = find_flow(x, (const struct tz_dp_flow_key *)p, &dir)) == NULL) {
			m[keep++] = m[i];
			continue;
		}
		rc = rtp_parse(p + TZ_SVC_HDR, rte_pktmbuf_data_len(m[i]) - TZ_SVC_HDR, &in);
		if (rc == 0)
			rc = tz_media_xcode_push(e->x[dir], &in, res);
		if (rc < 0) {
			bump(x, TZ_SVC_XC_ERRORS, 1);
			rte_pktmbuf_free(m[i]);
			continue;
		}
		bump(x, TZ_SVC_XC_PKTS_IN, 1);
		for (int j = 0; j < rc; j++) {
			made[k] = make_packet(&e->key[dir], &res[j]);
			k += made[k] != NULL;
		}
		bump(x, TZ_SVC_XC_FRAMES, k);
		bump(x, TZ_SVC_XC_ERRORS, (uint64_t)rc - k);      /* no packet buffer */
		/* the output goes where the input came from: the flow's owner */
		out->inject(out->arg, worker, made, k);
		rte_pktmbuf_free(m[i]);
	}
	return keep;
}
