/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Announcements and music on hold (docs/media-services.md).  The files of
 * `announcements:` / `music_on_hold:` (top level, tenants[]) are decoded
 * here once per load or reload, at each rate a browser codec runs at, and
 * handed read-only to the media-services stage, which plays them into the
 * flow towards the browser (tz_svc_play.h):
 *  - a call a browser placed that fails at the SIP side (404, 486, 480 ...)
 *    with an announcement for that status: the browser (DTLS up: its INVITE
 *    went out only after) gets `progress`, hears the file as early media,
 *    and then the `hangup` with the SIP status and reason;
 *  - the same for a SIP-over-WebSocket phone, whose INVITE went out before
 *    its DTLS (it starts ICE and DTLS only once our answer reaches it in an
 *    18x or the 200): `progress` becomes a 183 with our SDP answer, the play
 *    starts when its DTLS is up, and if that takes longer than
 *    EARLY_WAIT_MS the final status goes at once (the SIP code always
 *    reaches the phone);
 *  - the SIP side holds (re-INVITE a=sendonly/inactive): the tenant's music
 *    on hold, looped, until it resumes or the call ends.
 * A decoded file is reference-counted: the config in force holds one
 * reference, every play another, dropped by the stage when the play ends,
 * so a reload never frees PCM a stage core still reads.
 *
 * After a load, a thread of its own encodes every file once to each codec
 * a browser leg can have (tz_media clips, 20 ms): a play then sends those
 * packets and costs the stage no encoding.  Until a file's clip for the
 * call's codec is ready (the first seconds after a load) its plays encode
 * live, as before.  A clip belongs to its file and goes with it.
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"
#include "tz_media.h"
#include "tz_svc.h"
#include "tz_svc_play.h"

enum { RATE_8K, RATE_16K, RATE_48K, N_RATES };
static const uint32_t rates[N_RATES] = { 8000, 16000, 48000 };

enum { ANN_NOT_FOUND, ANN_BUSY, ANN_UNREACHABLE, ANN_OTHER, ANN_MOH, N_KINDS };

/* How long a SIP-WS phone has, from our 183, to bring up ICE and DTLS (a
 * browser on a LAN: well under a second; the phone hears nothing meanwhile). */
#define EARLY_WAIT_MS 4000

struct sound {
	gint refs;
	char *path;
	int16_t *pcm[N_RATES];
	size_t frames[N_RATES];
	struct tz_media_clip *clip[TZ_MEDIA_CODEC_COUNT];      /* atomic: set once */
};

struct sound_set {
	struct sound *s[N_KINDS];
};

static GHashTable *by_path;             /* path -> struct sound (one ref) */
static struct sound_set *sets;          /* per tenant, unset keys the top level's */
static size_t n_sets;
static uint32_t max_s = 30;
static struct {
	uint64_t announced, moh, skipped;
	uint64_t pre_encoded, live;     /* plays of a clip / encoding live */
	uint64_t clip_bytes, clips;     /* atomic: the encoder thread adds */
	uint64_t sipws, sipws_timeouts; /* SIP-WS phones: heard one; media never came up */
} st;

/* The encoder thread of the last load, and the flag that calls it off. */
static GThread *enc_thread;
static int enc_stop;

static void sound_unref(void *p)
{
	struct sound *s = p;

	if (s == NULL || !g_atomic_int_dec_and_test(&s->refs))
		return;
	for (int r = 0; r < N_RATES; r++)
		free(s->pcm[r]);
	for (int c = 0; c < TZ_MEDIA_CODEC_COUNT; c++)
		if (s->clip[c] != NULL) {
			__atomic_fetch_sub(&st.clip_bytes, tz_media_clip_bytes(s->clip[c]),
					   __ATOMIC_RELAXED);
			__atomic_fetch_sub(&st.clips, 1, __ATOMIC_RELAXED);
			tz_media_clip_free(s->clip[c]);
		}
	g_free(s->path);
	g_free(s);
}

static struct sound *sound_load(const char *path)
{
	struct sound *s = g_hash_table_lookup(by_path, path);
	struct tz_media_wav_info info;
	int rc = 0;

	if (s != NULL)
		return s;
	s = g_new0(struct sound, 1);
	s->refs = 1;
	s->path = g_strdup(path);
	for (int r = 0; r < N_RATES && rc == 0; r++)
		rc = tz_media_wav_load(path, rates[r], 1, &info, &s->pcm[r], &s->frames[r]);
	if (rc != 0) {
		/* checked at load: gone or changed since */
		TZ_LOG(CP_SESSION, ERR, "announcement %s not loaded: %s", path, g_strerror(-rc));
		sound_unref(s);
		return NULL;
	}
	g_hash_table_insert(by_path, s->path, s);
	return s;
}

static int rate_index(enum tz_media_codec codec)
{
	uint32_t rate = tz_media_codec_audio_rate(codec);

	return rate == 8000 ? RATE_8K : rate == 16000 ? RATE_16K : RATE_48K;
}

/* The encoder thread: every file of @p data (a GPtrArray of sounds, one
 * reference each) to every codec, one clip at a time, published as soon as
 * it is made; stops early when enc_stop is set. */
static gpointer encode_all(gpointer data)
{
	GPtrArray *sounds = data;
	gint64 t0 = g_get_monotonic_time();
	unsigned made = 0;

	for (int c = 0; c < TZ_MEDIA_CODEC_COUNT; c++)
		for (guint i = 0; i < sounds->len; i++) {
			struct sound *s = g_ptr_array_index(sounds, i);
			struct tz_media_player_cfg pc = { .codec = (enum tz_media_codec)c,
							  .ptime = 20 };
			int r = rate_index(pc.codec);
			struct tz_media_clip *clip;

			if (__atomic_load_n(&enc_stop, __ATOMIC_RELAXED))
				goto out;
			clip = tz_media_clip_encode(s->pcm[r], s->frames[r], &pc, &enc_stop);
			if (clip == NULL) {
				if (errno != ECANCELED)
					TZ_LOG(CP_SESSION, WARNING, "announcement %s: no %s clip: %s",
					       s->path, tz_media_codec_name(pc.codec),
					       g_strerror(errno));
				continue;
			}
			__atomic_fetch_add(&st.clip_bytes, tz_media_clip_bytes(clip),
					   __ATOMIC_RELAXED);
			__atomic_fetch_add(&st.clips, 1, __ATOMIC_RELAXED);
			g_atomic_pointer_set(&s->clip[c], clip);
			made++;
		}
out:
	if (made > 0)
		TZ_LOG(CP_SESSION, INFO, "announcements: %u files encoded once to %u codecs "
		       "(%u clips) in %ld ms", sounds->len, (unsigned)TZ_MEDIA_CODEC_COUNT,
		       made, (long)((g_get_monotonic_time() - t0) / 1000));
	g_ptr_array_unref(sounds);      /* each sound's unref */
	return NULL;
}

/* Call off and wait for the encoder thread of the previous load (it stops
 * within one packet's encoding). */
static void encoder_stop(void)
{
	if (enc_thread == NULL)
		return;
	__atomic_store_n(&enc_stop, 1, __ATOMIC_RELAXED);
	g_thread_join(enc_thread);
	enc_thread = NULL;
	__atomic_store_n(&enc_stop, 0, __ATOMIC_RELAXED);
}

static void encoder_start(void)
{
	GPtrArray *sounds = g_ptr_array_new_with_free_func(sound_unref);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, by_path);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		g_atomic_int_inc(&((struct sound *)v)->refs);
		g_ptr_array_add(sounds, v);
	}
	if (sounds->len == 0) {
		g_ptr_array_unref(sounds);
		return;
	}
	enc_thread = g_thread_new("tz-announce-enc", encode_all, sounds);
}

static void sets_free(GHashTable *old, struct sound_set *old_sets)
{
	if (old != NULL)
		g_hash_table_destroy(old);      /* each value's unref */
	g_free(old_sets);
}

void tz_announce_configure(const struct tz_config *cfg)
{
	GHashTable *old = by_path;
	struct sound_set *old_sets = sets;
	uint64_t bytes = 0;

	encoder_stop();
	by_path = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sound_unref);
	sets = g_new0(struct sound_set, cfg->n_tenants);
	n_sets = cfg->n_tenants;
	max_s = cfg->announce.max_s != 0 ? cfg->announce.max_s : 30;
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const struct tz_cfg_announce *a = &cfg->tenants[t].announce, *top = &cfg->announce;
		const char *path[N_KINDS] = {
			a->not_found ?: top->not_found, a->busy ?: top->busy,
			a->unreachable ?: top->unreachable, a->other ?: top->other,
			a->moh ?: top->moh,
		};

		for (int k = 0; k < N_KINDS; k++)
			if (path[k] != NULL)
				sets[t].s[k] = sound_load(path[k]);
	}
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, by_path);
	while (g_hash_table_iter_next(&it, NULL, &v))
		for (int r = 0; r < N_RATES; r++)
			bytes += ((struct sound *)v)->frames[r] * 2;
	if (g_hash_table_size(by_path) > 0)
		TZ_LOG(CP_SESSION, INFO, "announcements: %u files, %lu KB of PCM",
		       g_hash_table_size(by_path), (unsigned long)(bytes / 1024));
	sets_free(old, old_sets);       /* plays in progress keep their own reference */
	encoder_start();
}

void tz_announce_shutdown(void)
{
	encoder_stop();
	sets_free(by_path, sets);
	by_path = NULL;
	sets = NULL;
	n_sets = 0;
}

/* The announcement of a final SIP status, by the kinds of docs/media-services.md. */
static int kind_of(int status)
{
	switch (status) {
	case 404: case 410: case 484: case 604:
		return ANN_NOT_FOUND;
	case 486: case 600: case 603:
		return ANN_BUSY;
	case 408: case 480: case 503:
		return ANN_UNREACHABLE;
	case 401: case 407: case 487:
		return -1;      /* a challenge the client answers; our own CANCEL */
	default:
		return status >= 400 && status <= 699 ? ANN_OTHER : -1;
	}
}

static struct sound *sound_for(const struct call *c, int kind)
{
	return c->tenant < n_sets ? sets[c->tenant].s[kind] : NULL;
}

/* A player of @p s in the browser's codec; NULL when it has none we encode. */
static struct tz_media_player *player_for(const struct call *c, struct sound *s, bool loop,
					  uint32_t *ms)
{
	const struct tz_sdp_pt *p = c->web.neg.n_codecs > 0 ? &c->web.neg.codecs[0] : NULL;
	int codec = p != NULL ? tz_media_codec_parse(p->name) : -EINVAL;
	struct tz_media_player_cfg pc = { .pt = p != NULL ? p->pt : 0, .ptime = 20, .loop = loop,
					  .first_seq = (uint16_t)g_random_int(),
					  .first_ts = g_random_int() };
	struct tz_media_clip *clip;
	int r;

	if (codec < 0)
		return NULL;
	pc.codec = (enum tz_media_codec)codec;
	r = rate_index(pc.codec);
	*ms = (uint32_t)(s->frames[r] * 1000 / tz_media_codec_audio_rate(pc.codec));
	clip = g_atomic_pointer_get(&s->clip[codec]);
	if (clip != NULL) {
		st.pre_encoded++;
		return tz_media_player_create_clip(clip, &pc);
	}
	st.live++;
	return tz_media_player_create(s->pcm[r], s->frames[r], &pc);
}

/* Post a play of @p s into flow @p key; 0 or -errno (nothing posted). */
static int post(struct call *c, struct sound *s, const struct tz_dp_flow_key *key, bool loop,
		uint32_t *ms)
{
	struct tz_svc_play_cmd cmd = { .key = *key, .ptime_ms = 20,
				       .ssrc = c->web.ssrc ^ 0x5a5a5a5au,
				       .release = sound_unref, .release_arg = s, .worker = 0 };
	int rc;

	cmd.player = player_for(c, s, loop, ms);
	if (cmd.player == NULL)
		return -ENOTSUP;
	if (cmd.ssrc == 0)
		cmd.ssrc = 1;
	if (!loop)
		cmd.max_ms = *ms < max_s * 1000 ? *ms + 100 : max_s * 1000;
	g_atomic_int_inc(&s->refs);
	rc = tz_svc_play_post(c->svc.core, &cmd);
	if (rc != 0) {
		tz_media_player_destroy(cmd.player);
		sound_unref(s);
		return rc;
	}
	c->ann.playing = true;
	c->ann.key = *key;
	return 0;
}

static gboolean announcement_over(gpointer p)
{
	struct call *c = p;

	c->ann.timer = 0;
	tz_call_end(c, c->ann.code, c->ann.reason, true);
	return G_SOURCE_REMOVE;
}

/* Play the announcement of c->ann.code now (the browser's DTLS is up and
 * nothing else sends towards it); 0 or -errno (nothing played). */
static int play_failure(struct call *c, struct sound *s, uint32_t *ms)
{
	int rc;

	if (tz_call_svc_admit(c) != 0 || tz_media_publish_play(c) != 0)
		return -EBUSY;
	rc = post(c, s, &c->media.keys[0], false, ms);
	if (rc != 0)
		return rc;
	st.announced++;
	st.sipws += c->kind == TZ_WEB_SIPWS;
	if (*ms > max_s * 1000)
		*ms = max_s * 1000;
	c->ann.timer = g_timeout_add(*ms + 300, announcement_over, c);
	TZ_LOG(CP_SESSION, INFO, "call %u: SIP %d: announcement %s (%u ms, %s) to the %s",
	       c->id, c->ann.code, s->path, *ms, c->web.neg.codecs[0].name,
	       c->kind == TZ_WEB_SIPWS ? "SIP-WS phone" : "browser");
	return 0;
}

/* The SIP-WS phone's media did not come up in time (or failed): the final
 * status now, without the announcement. */
static gboolean early_expired(gpointer p)
{
	struct call *c = p;

	c->ann.timer = 0;
	c->ann.early = false;
	st.sipws_timeouts++;
	st.skipped++;
	TZ_LOG(CP_SESSION, NOTICE, "call %u: SIP-WS phone's media not up %u ms after our 183: "
	       "SIP %d without the announcement", c->id, (unsigned)EARLY_WAIT_MS, c->ann.code);
	tz_call_end(c, c->ann.code, c->ann.reason, true);
	return G_SOURCE_REMOVE;
}

bool tz_call_announce_failure(struct call *c, int status, const char *reason)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_PROGRESS, .id = TZ_JSEP_NO_ID,
				 .call = c->name, .sdp_mline_index = -1 };
	int kind = kind_of(status);
	struct sound *s = kind >= 0 ? sound_for(c, kind) : NULL;
	/* a SIP-WS phone without media yet: a 183 with our answer brings it up */
	bool early = c->kind == TZ_WEB_SIPWS && !c->web.dtls_done;
	uint32_t ms = 0;
	int rc;

	if (s == NULL)
		return false;
	/* the browser's media must be up (or, SIP-WS, about to), and ours alone
	 * towards it: a far end that sent early media of its own was heard instead */
	if (c->state == CALL_ENDED || c->inbound || (!c->web.dtls_done && !early) ||
	    c->media.n_flows != 0 || (early && c->sip.peer.known) ||
	    c->media.hairpin != NULL || c->conn == NULL || c->web.ice == NULL) {
		st.skipped++;
		return false;
	}
	c->ann.code = status;
	g_strlcpy(c->ann.reason, reason != NULL ? reason : "", sizeof(c->ann.reason));
	if (early) {
		if (tz_call_svc_admit(c) != 0) {
			st.skipped++;
			return false;
		}
		c->ann.early = true;
		c->ann.timer = g_timeout_add(EARLY_WAIT_MS, early_expired, c);
		tz_calls_env.send(c->conn, &o);         /* the edge: 183 with our SDP */
		TZ_LOG(CP_SESSION, INFO, "call %u: SIP %d: 183 to the SIP-WS phone, its media "
		       "first, then the announcement %s", c->id, status, s->path);
		return true;
	}
	rc = play_failure(c, s, &ms);
	if (rc != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: announcement for %d not played: %s", c->id,
		       status, g_strerror(-rc));
		st.skipped++;
		return false;
	}
	tz_calls_env.send(c->conn, &o);
	return true;
}

void tz_call_announce_media_up(struct call *c)
{
	int kind = kind_of(c->ann.code);
	struct sound *s = kind >= 0 ? sound_for(c, kind) : NULL;   /* a reload meanwhile */
	uint32_t ms = 0;
	int rc = -ENOENT;

	if (c->ann.timer != 0)
		g_source_remove(c->ann.timer);
	c->ann.timer = 0;
	c->ann.early = false;
	if (s != NULL)
		rc = play_failure(c, s, &ms);
	if (rc != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: announcement for %d not played: %s", c->id,
		       c->ann.code, g_strerror(-rc));
		st.skipped++;
		tz_call_end(c, c->ann.code, c->ann.reason, true);
	}
}

bool tz_call_announce_media_failed(struct call *c)
{
	if (!c->ann.early)
		return false;
	if (c->ann.timer != 0)
		g_source_remove(c->ann.timer);
	early_expired(c);
	return true;
}

/* Music on hold needs the stage and the bridge's flow towards the browser. */
static bool moh_possible(const struct call *c)
{
	return c->media.n_flows >= 2 && !c->sip.sdes.on &&
	       c->media.hairpin == NULL && sound_for(c, ANN_MOH) != NULL;
}

void tz_call_moh(struct call *c, bool hold)
{
	bool want = hold && moh_possible(c);
	uint32_t ms;

	if (want && !c->ann.moh && tz_call_svc_admit(c) != 0) {
		st.skipped++;
		want = false;
	}
	if (want == c->ann.moh) {
		tz_media_republish(c);
		return;
	}
	c->ann.moh = want;
	tz_media_republish(c);          /* the flow towards the browser: TZ_SVC_PLAY or not */
	if (!want) {
		if (c->ann.playing)
			tz_svc_play_stop(c->svc.core, &c->ann.key);
		c->ann.playing = false;
		return;
	}
	if (post(c, sound_for(c, ANN_MOH), &c->media.keys[1], true, &ms) != 0) {
		st.skipped++;
		c->ann.moh = false;
		tz_media_republish(c);
		return;
	}
	st.moh++;
	TZ_LOG(CP_SESSION, INFO, "call %u: music on hold %s", c->id,
	       sound_for(c, ANN_MOH)->path);
}

void tz_call_play_flow(const struct call *c, struct tz_dp_flow *f, const struct tz_dp_flow_key *k)
{
	if (!c->ann.moh || !c->svc.on)
		return;
	f->svc |= TZ_SVC_PLAY;
	f->svc_core = c->svc.core;
	f->svc_key = *k;
}

void tz_call_announce_release(struct call *c)
{
	if (c->ann.timer != 0)
		g_source_remove(c->ann.timer);
	c->ann.timer = 0;
	if (c->ann.playing && c->svc.on)
		tz_svc_play_stop(c->svc.core, &c->ann.key);
	c->ann.playing = c->ann.moh = c->ann.early = false;
}

void tz_announce_sipws_stats(uint64_t *announced, uint64_t *timeouts)
{
	*announced = st.sipws;
	*timeouts = st.sipws_timeouts;
}

void tz_announce_stats(uint64_t *announced, uint64_t *moh, uint64_t *skipped)
{
	*announced = st.announced;
	*moh = st.moh;
	*skipped = st.skipped;
}

void tz_announce_clip_stats(uint64_t *pre_encoded, uint64_t *live, uint64_t *clips,
			    uint64_t *bytes)
{
	*pre_encoded = st.pre_encoded;
	*live = st.live;
	*clips = __atomic_load_n(&st.clips, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&st.clip_bytes, __ATOMIC_RELAXED);
}
