/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Announcements and music on hold on the media-services stage
 * (tz_svc_play.h): per stage core a table of plays, each a tz_media player
 * sending one packet every ptime into a flow towards the browser.  Time is
 * the stage's (TSC, in us): a play that fell behind (a busy core) skips
 * ahead rather than bursting.  No malloc here: the player was made by the
 * control thread; the stage only destroys it when the play ends.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "play_pvt.h"
#include "svc_pvt.h"
#include "tz_media.h"
#include "tz_svc_play.h"

#define CMD_RING 64
#define RTP_HDR 12
#define BEHIND_US 200000        /* further behind: skip ahead, no burst */

struct play_job {
	struct tz_svc_play_cmd cmd;
	uint64_t next_us;       /* the next packet is due */
	uint64_t end_us;        /* max_ms reached, 0 = none */
};

struct play_core {
	struct rte_ring *cmd;
	struct play_job job[TZ_SVC_PLAY_MAX];
	unsigned n;
} __rte_cache_aligned;

static struct play_core pc[TZ_SVC_MAX_CORES];

static void job_end(struct play_core *p, unsigned j, uint64_t *cnt)
{
	struct play_job *g = &p->job[j];

	tz_media_player_destroy(g->cmd.player);
	if (g->cmd.release != NULL)
		g->cmd.release(g->cmd.release_arg);
	cnt[TZ_SVC_C_PLAY_ENDED]++;
	p->job[j] = p->job[--p->n];
}

static int find(const struct play_core *p, const struct tz_dp_flow_key *key)
{
	for (unsigned j = 0; j < p->n; j++)
		if (memcmp(&p->job[j].cmd.key, key, sizeof(*key)) == 0)
			return (int)j;
	return -1;
}

static void take_commands(struct play_core *p, uint64_t now_us, uint64_t *cnt)
{
	struct tz_svc_play_cmd cmd;

	while (rte_ring_sc_dequeue_elem(p->cmd, &cmd, sizeof(cmd)) == 0) {
		int j = find(p, &cmd.key);

		cnt[TZ_SVC_C_COMMANDS]++;
		if (j >= 0)
			job_end(p, (unsigned)j, cnt);          /* stopped or replaced */
		if (cmd.player == NULL)
			continue;
		if (p->n == TZ_SVC_PLAY_MAX) {                 /* the control plane admits fewer */
			tz_media_player_destroy(cmd.player);
			if (cmd.release != NULL)
				cmd.release(cmd.release_arg);
			cnt[TZ_SVC_C_PLAY_ENDED]++;
			continue;
		}
		p->job[p->n++] = (struct play_job){
			.cmd = cmd, .next_us = now_us,
			.end_us = cmd.max_ms != 0 ? now_us + (uint64_t)cmd.max_ms * 1000 : 0,
		};
		cnt[TZ_SVC_C_PLAY_STARTED]++;
	}
}

/* One packet of job @p g as a key-headed RTP packet; NULL when none. */
static struct rte_mbuf *make_packet(struct play_job *g, const struct tz_media_rtp *r,
				    struct rte_mempool *pool, uint64_t *cnt)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *b;

	if (m == NULL) {
		cnt[TZ_SVC_C_NO_MBUF]++;
		return NULL;
	}
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(TZ_SVC_HDR + RTP_HDR + r->len));
	if (b == NULL) {
		rte_pktmbuf_free(m);
		cnt[TZ_SVC_C_NO_MBUF]++;
		return NULL;
	}
	memcpy(b, &g->cmd.key, TZ_SVC_HDR);
	b += TZ_SVC_HDR;
	b[0] = 0x80;
	b[1] = (uint8_t)((r->marker ? 0x80 : 0) | (r->pt & 0x7f));
	b[2] = (uint8_t)(r->seq >> 8);
	b[3] = (uint8_t)r->seq;
	b[4] = (uint8_t)(r->ts >> 24);
	b[5] = (uint8_t)(r->ts >> 16);
	b[6] = (uint8_t)(r->ts >> 8);
	b[7] = (uint8_t)r->ts;
	b[8] = (uint8_t)(g->cmd.ssrc >> 24);
	b[9] = (uint8_t)(g->cmd.ssrc >> 16);
	b[10] = (uint8_t)(g->cmd.ssrc >> 8);
	b[11] = (uint8_t)g->cmd.ssrc;
	memcpy(b + RTP_HDR, r->payload, r->len);
	return m;
}

/* The packets job @p g owes by @p now_us; false when it is over. */
static bool run_job(unsigned core, struct play_job *g, uint64_t now_us, struct rte_mempool *pool,
		    uint64_t *cnt, unsigned *moved)
{
	uint64_t step = (uint64_t)(g->cmd.ptime_ms != 0 ? g->cmd.ptime_ms : 20) * 1000;
	struct rte_mbuf *m[8];
	unsigned k = 0;
	bool alive = true;

	if (g->end_us != 0 && now_us >= g->end_us)
		return false;
	if (now_us > g->next_us + BEHIND_US)
		g->next_us = now_us;                    /* fell behind: go on from now */
	while (g->next_us <= now_us && k < RTE_DIM(m)) {
		struct tz_media_rtp r;
		int rc = tz_media_player_next(g->cmd.player, &r);

		if (rc <= 0) {
			alive = false;
			break;
		}
		g->next_us += step;
		m[k] = make_packet(g, &r, pool, cnt);
		k += m[k] != NULL;
	}
	cnt[TZ_SVC_C_PLAY_PACKETS] += k;
	*moved += k;
	tz_svc_inject(core, g->cmd.worker, m, k);
	return alive;
}

unsigned tz_svc_play_round(unsigned core, uint64_t now_us, struct rte_mempool *pool,
			   uint64_t *cnt)
{
	struct play_core *p = &pc[core];
	unsigned moved = 0, j = 0;

	if (p->cmd == NULL)
		return 0;
	if (!rte_ring_empty(p->cmd))
		take_commands(p, now_us, cnt);
	while (j < p->n) {
		if (run_job(core, &p->job[j], now_us, pool, cnt, &moved))
			j++;
		else
			job_end(p, j, cnt);
	}
	return moved;
}

int tz_svc_play_setup(unsigned core)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "tz_svc_play%u", core);
	pc[core].n = 0;
	pc[core].cmd = rte_ring_create_elem(name, sizeof(struct tz_svc_play_cmd), CMD_RING,
					    SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	return pc[core].cmd != NULL ? 0 : -ENOMEM;
}

void tz_svc_play_teardown(unsigned core)
{
	struct play_core *p = &pc[core];
	struct tz_svc_play_cmd cmd;
	uint64_t cnt[TZ_SVC_C_COUNT] = { 0 };

	if (p->cmd == NULL)
		return;
	while (rte_ring_sc_dequeue_elem(p->cmd, &cmd, sizeof(cmd)) == 0) {
		tz_media_player_destroy(cmd.player);
		if (cmd.player != NULL && cmd.release != NULL)
			cmd.release(cmd.release_arg);
	}
	while (p->n > 0)
		job_end(p, p->n - 1, cnt);
	rte_ring_free(p->cmd);
	p->cmd = NULL;
}

static int post(unsigned core, const struct tz_svc_play_cmd *cmd)
{
	if (core >= tz_svc_sh.n_cores || pc[core].cmd == NULL)
		return -ENODEV;
	return rte_ring_sp_enqueue_elem(pc[core].cmd, (void *)(uintptr_t)cmd, sizeof(*cmd)) == 0
		       ? 0 : -ENOBUFS;
}

int tz_svc_play_post(unsigned core, const struct tz_svc_play_cmd *cmd)
{
	if (cmd == NULL || cmd->player == NULL || cmd->ssrc == 0 || cmd->ptime_ms > 120)
		return -EINVAL;
	return post(core, cmd);
}

int tz_svc_play_stop(unsigned core, const struct tz_dp_flow_key *key)
{
	struct tz_svc_play_cmd cmd = { .key = *key };

	return post(core, &cmd);
}
