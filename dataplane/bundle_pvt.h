/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video in the worker: the BUNDLE demultiplexer (which sub-flow of the
 * browser's one 5-tuple a packet belongs to) and the RTCP feedback filter
 * applied to what the browser sends after SRTCP unprotect (REMB and
 * transport-cc dropped, the media SSRC of PLI / FIR / NACK mapped from the
 * SSRC we announced to the SIP sender's, PLI turned into FIR for a SIP
 * side that only does FIR).  Inline: called per packet from worker.c.
 */
#ifndef TZ_BUNDLE_PVT_H
#define TZ_BUNDLE_PVT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "tz_session.h"

/* RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1) and feedback formats. */
#define RTCP_RTPFB 205
#define RTCP_PSFB 206
#define RTCP_FMT_NACK 1         /* RTPFB: generic NACK */
#define RTCP_FMT_TCC 15         /* RTPFB: transport-wide CC (draft-holmer) */
#define RTCP_FMT_PLI 1          /* PSFB */
#define RTCP_FMT_FIR 4          /* PSFB (RFC 5104 §4.3.1) */
#define RTCP_FMT_AFB 15         /* PSFB: application layer (REMB) */

static inline uint32_t bundle_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void bundle_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline bool bundle_pt_in(const struct tz_dp_bundle_sub *sub, unsigned pt)
{
	return (sub->pt_mask[pt / 32] >> (pt % 32)) & 1u;
}

static inline const struct tz_dp_flow *bundle_sub_flow(struct tz_dp_flow_state *st,
							const struct tz_dp_bundle_sub *sub)
{
	if (unlikely(sub->flow == NULL) && st != NULL)
		st->bundle_dropped++;
	return sub->flow;
}

/*
 * The MID an RTP packet of @p len bytes at @p p carries in header extension
 * element @p id (RFC 8285: the one-byte form 0xBEDE, ids 1-14, or the
 * two-byte form 0x100x); its bytes at *@p mid.  Returns the MID's length, 0
 * when the packet has no such element or its extension block does not fit;
 * *@p bad is set when the block fits the packet but its elements do not fit
 * the block (a malformed extension: counted by the caller, MID ignored).
 * Reads only the clear header: SRTP leaves it unencrypted.
 */
static inline unsigned tz_dp_rtp_mid_check(const uint8_t *p, uint32_t len, uint8_t id,
					   const uint8_t **mid, bool *bad)
{
	uint32_t off = 12u + 4u * (p[0] & 0x0fu), end, profile;
	bool one;

	*bad = false;
	if (!(p[0] & 0x10) || len < off + 4u)
		return 0;
	profile = (uint32_t)p[off] << 8 | p[off + 1];
	end = off + 4u + 4u * ((uint32_t)p[off + 2] << 8 | p[off + 3]);
	one = profile == 0xBEDE;
	if ((!one && (profile & 0xfff0u) != 0x1000u) || end > len)
		return 0;
	for (off += 4; off < end;) {
		uint8_t eid;
		uint32_t elen;

		if (one) {
			eid = p[off] >> 4;
			if (eid == 0) {                 /* padding byte */
				off++;
				continue;
			}
			if (eid == 15)                  /* stop: the rest is padding */
				return 0;
			elen = (p[off] & 0x0fu) + 1u;
			off++;
		} else {
			eid = p[off];
			if (eid == 0) {
				off++;
				continue;
			}
			if (off + 2u > end)
				goto bad;
			elen = p[off + 1];
			off += 2;
		}
		if (off + elen > end)
			goto bad;
		if (eid == id) {
			*mid = p + off;
			return elen;
		}
		off += elen;
	}
	return 0;
bad:
	*bad = true;
	return 0;
}

/* tz_dp_rtp_mid_check() without the verdict. */
static inline unsigned tz_dp_rtp_mid(const uint8_t *p, uint32_t len, uint8_t id,
				     const uint8_t **mid)
{
	bool bad;

	return tz_dp_rtp_mid_check(p, len, id, mid, &bad);
}

/*
 * The flow a packet of @p f's key belongs to (NULL: drop it, counted): @p f itself, or one of its
 * BUNDLE sub-flows by the SSRC in the clear part of the packet (RTP: the
 * header's SSRC; SRTCP: the sender SSRC, whose SRTCP index space it is),
 * then for RTP by the MID header extension (when negotiated) and by payload
 * type (the SSRC then learned for the RTCP).  The
 * packet still starts at its Ethernet header (@p hdr_len bytes).  A
 * malformed header extension where the MID is read adds one to
 * *@p mid_bad (the port's mid_malformed counter) and the packet goes on
 * by payload type.
 */
static inline const struct tz_dp_flow *tz_dp_bundle_pick(const struct tz_dp_sessions *s,
							 const struct tz_dp_flow *f,
							 const struct rte_mbuf *m, uint16_t hdr_len,
							 uint64_t *mid_bad)
{
	const uint8_t *p;
	struct tz_dp_flow_state *st;
	uint32_t ssrc;
	bool rtcp;

	if (likely(!f->bundled) || rte_pktmbuf_data_len(m) < hdr_len + 12u)
		return f;
	p = rte_pktmbuf_mtod_offset(m, const uint8_t *, hdr_len);
	rtcp = p[1] >= 192 && p[1] <= 223;      /* RFC 5761 §4 */
	ssrc = bundle_be32(p + (rtcp ? 4 : 8));
	st = tz_dp_flow_state(s, f->slot);
	for (unsigned i = 0; i < f->bundle.n && i < TZ_DP_BUNDLE_MAX; i++) {
		const struct tz_dp_bundle_sub *sub = &f->bundle.sub[i];

		if (ssrc == sub->ssrc || (st != NULL && ssrc == st->bundle_ssrc[i] && ssrc != 0))
			return bundle_sub_flow(st, sub);
	}
	if (rtcp)
		return f;
	if (f->bundle.mid_ext != 0) {
		const uint8_t *mid;
		bool bad;
		unsigned n = tz_dp_rtp_mid_check(p, rte_pktmbuf_data_len(m) - hdr_len,
						 f->bundle.mid_ext, &mid, &bad);

		*mid_bad += bad;

		if (n != 0 && n == f->bundle.mid_len && memcmp(mid, f->bundle.mid, n) == 0)
			return f;
		for (unsigned i = 0; n != 0 && i < f->bundle.n && i < TZ_DP_BUNDLE_MAX; i++) {
			const struct tz_dp_bundle_sub *sub = &f->bundle.sub[i];

			if (n == sub->mid_len && memcmp(mid, sub->mid, n) == 0) {
				if (st != NULL)
					st->bundle_ssrc[i] = ssrc;
				return bundle_sub_flow(st, sub);
			}
		}
	}
	for (unsigned i = 0; i < f->bundle.n && i < TZ_DP_BUNDLE_MAX; i++)
		if (bundle_pt_in(&f->bundle.sub[i], p[1] & 0x7f)) {
			if (st != NULL)
				st->bundle_ssrc[i] = ssrc;
			return bundle_sub_flow(st, &f->bundle.sub[i]);
		}
	return f;
}

/*
 * Feedback in an unprotected compound RTCP packet at @p p (@p len bytes)
 * from the browser: REMB and transport-cc cut out and counted in
 * @p dropped (a compound packet shrinks; the caller trims the mbuf to the
 * returned length), the media SSRC of PLI / NACK / FIR mapped from @p from
 * to @p to (the SIP sender's SSRC; 0 = unknown, left).  With @p kf
 * non-NULL PLI and FIR are cut out too and counted there (a SIP side that
 * takes key frame requests only by SIP INFO).
 * @return the new length (0: nothing left, drop the packet).
 */
static inline uint32_t tz_dp_rtcp_fb_filter_kf(uint8_t *p, uint32_t len, uint32_t from, uint32_t to,
					       uint16_t *dropped, uint16_t *kf)
{
	uint32_t off = 0;

	while (off + 4 <= len) {
		uint8_t fmt = p[off] & 0x1f, pt = p[off + 1];
		uint32_t plen = 4u * ((uint32_t)(p[off + 2] << 8 | p[off + 3]) + 1u);
		bool is_kf = pt == RTCP_PSFB && (fmt == RTCP_FMT_PLI || fmt == RTCP_FMT_FIR);

		if ((p[off] & 0xc0) != 0x80 || off + plen > len)
			break;                  /* not RTCP v2 or truncated: leave the rest */
		if ((pt == RTCP_RTPFB && fmt == RTCP_FMT_TCC) || (pt == RTCP_PSFB && fmt == RTCP_FMT_AFB) ||
		    (kf != NULL && is_kf)) {
			memmove(p + off, p + off + plen, len - off - plen);
			len -= plen;
			if (is_kf)
				(*kf)++;
			else
				(*dropped)++;
			continue;
		}
		if (to != 0 && plen >= 12 && (pt == RTCP_RTPFB || pt == RTCP_PSFB)) {
			if (bundle_be32(p + off + 8) == from)
				bundle_put32(p + off + 8, to);
			/* FIR: media source 0, the target is in each FCI entry */
			for (uint32_t e = off + 12; pt == RTCP_PSFB && fmt == RTCP_FMT_FIR &&
						    e + 8 <= off + plen; e += 8)
				if (bundle_be32(p + e) == from)
					bundle_put32(p + e, to);
		}
		off += plen;
	}
	return len;
}

/* tz_dp_rtcp_fb_filter_kf() with key frame requests relayed. */
static inline uint32_t tz_dp_rtcp_fb_filter(uint8_t *p, uint32_t len, uint32_t from, uint32_t to,
					    uint16_t *dropped)
{
	return tz_dp_rtcp_fb_filter_kf(p, len, from, to, dropped, NULL);
}

/* A PLI at @p off that ends the packet becomes a FIR for @p target
 * (RFC 5104 §4.3.1: media source 0, the target and a sequence number in
 * the FCI); 8 bytes longer.  0 or -ENOSPC (no tailroom: left a PLI). */
static inline int bundle_pli_to_fir(struct rte_mbuf *m, uint32_t off, uint32_t target,
				    uint8_t *seq)
{
	uint8_t *p;

	if (rte_pktmbuf_append(m, 8) == NULL)
		return -ENOSPC;
	p = rte_pktmbuf_mtod(m, uint8_t *) + off;
	p[0] = 0x80 | RTCP_FMT_FIR;
	p[1] = RTCP_PSFB;
	p[2] = 0;
	p[3] = 4;                       /* 20 bytes: 5 words - 1 */
	bundle_put32(p + 8, 0);
	bundle_put32(p + 12, target);
	p[16] = (*seq)++;
	p[17] = p[18] = p[19] = 0;
	return 0;
}

/* Does the (unprotected) compound RTCP at @p p carry feedback about media
 * SSRC @p ssrc (PLI, NACK: the header's media SSRC; FIR: an FCI entry)? */
static inline bool bundle_fb_about(const uint8_t *p, uint32_t len, uint32_t ssrc)
{
	for (uint32_t off = 0; off + 12 <= len;) {
		uint8_t pt = p[off + 1], fmt = p[off] & 0x1f;
		uint32_t plen = 4u * ((uint32_t)(p[off + 2] << 8 | p[off + 3]) + 1u);

		if (off + plen > len)
			return false;
		if ((pt == RTCP_RTPFB || pt == RTCP_PSFB) && bundle_be32(p + off + 8) == ssrc)
			return true;
		if (pt == RTCP_PSFB && fmt == RTCP_FMT_FIR && plen >= 20 &&
		    bundle_be32(p + off + 12) == ssrc)
			return true;
		off += plen;
	}
	return false;
}

/*
 * An unprotected RTCP packet of a TZ_XF_UNPROTECT flow (the browser's),
 * starting at the mbuf's data.  Its SRTCP index was the sender SSRC's
 * stream (the flow @p f the demultiplexer picked); where it goes is the
 * stream its feedback is about: a packet on the audio flow (sent from the
 * browser's audio SSRC, e.g. when it sends no video) with feedback about
 * our video SSRC leaves by the video sub-flow.  Then feedback is filtered
 * and mapped as described for struct tz_dp_flow's fb_* fields.  Owning
 * worker only.
 * @return the flow to send it by, or NULL when nothing is left to send (the
 *         caller drops it).
 */
static inline const struct tz_dp_flow *tz_dp_rtcp_from_browser(const struct tz_dp_sessions *s,
							      const struct tz_dp_flow *f,
							      struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m), nlen, to, off = 0;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct tz_dp_flow_state *peer;
	struct tz_dp_flow_state *st;

	for (unsigned i = 0; i < f->bundle.n && i < TZ_DP_BUNDLE_MAX; i++) {
		const struct tz_dp_flow *sub = f->bundle.sub[i].flow;

		if (sub != NULL && sub->fb_from != 0 && bundle_fb_about(p, len, sub->fb_from)) {
			f = sub;
			break;
		}
	}
	st = tz_dp_flow_state(s, f->slot);
	peer = f->fb_peer_slot != 0 ? tz_dp_flow_state(s, f->fb_peer_slot - 1) : NULL;
	to = peer != NULL ? __atomic_load_n(&peer->in_ssrc, __ATOMIC_RELAXED) : 0;
	if (st == NULL)
		return f;
	nlen = tz_dp_rtcp_fb_filter_kf(p, len, f->fb_from, to, &st->fb_dropped,
				       f->fb_kf_to_cp ? &st->kf_requests : NULL);
	if (nlen == 0)
		return NULL;
	if (nlen < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - nlen));
	if (!f->fb_pli_to_fir || to == 0)
		return f;
	/* the PLI that ends the packet (alone with rtcp-rsize, or after the
	 * report and SDES of a compound one) */
	while (off + 4 <= nlen) {
		uint32_t plen = 4u * ((uint32_t)(p[off + 2] << 8 | p[off + 3]) + 1u);

		if (off + plen == nlen && plen == 12 && p[off + 1] == RTCP_PSFB &&
		    (p[off] & 0x1f) == RTCP_FMT_PLI)
			bundle_pli_to_fir(m, off, to, &st->fir_seq);
		off += plen;
	}
	return f;
}

#endif /* TZ_BUNDLE_PVT_H */
