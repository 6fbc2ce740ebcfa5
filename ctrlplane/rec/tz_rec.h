/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Call recording (docs/recording.md): a writer thread drains the workers'
 * recording taps (dataplane/api/tz_rec_tap.h) and writes, per recorded
 * call, `<name>.pcap` (both directions' plain RTP with IP/UDP headers of
 * the SIP leg), `<name>.wav` (8 kHz stereo PCM16: channel 0 the browser's
 * voice, channel 1 the SIP side's) and `<name>.json` (metadata).
 *
 * The call manager opens a recording (a slot), publishes the call's flows
 * with that slot, and when the recording ends unpublishes (or re-publishes
 * without the slot) and, after the session table's grace period, closes it:
 * by then every packet of the slot is on a ring, and the writer writes them
 * all before it closes the files.
 *
 * Threading: tz_rec_open/close/start/stop, stats and the CLI are for the
 * control thread; the writer thread is this module's own.
 */
#ifndef TZ_REC_H
#define TZ_REC_H

#include <stddef.h>
#include <stdint.h>

#include "tz_rec_tap.h"

#define TZ_REC_MAX_CODECS 8

/** A payload type of the SIP leg's negotiation. */
struct tz_rec_codec {
	uint8_t pt;
	char name[16];            /**< "PCMU", "PCMA", "opus", "telephone-event" */
	uint32_t clock;
	uint8_t channels;
};

/** What the call manager knows of a call to record. */
struct tz_rec_info {
	uint32_t call;
	char tenant[64];
	char user[64];
	char target[128];
	char dir[1024];           /**< the tenant's recording directory */
	/* the SIP leg's addresses (network byte order, IPv4 in the first 4 bytes):
	 * what the pcap's IP/UDP headers carry */
	int family;               /**< AF_INET or AF_INET6 */
	uint8_t gw[16], peer[16];
	uint16_t gw_port, peer_port;
	struct tz_rec_codec codecs[TZ_REC_MAX_CODECS];
	unsigned n_codecs;
};

/** Per recording counters, [0] from the web side, [1] towards it. */
struct tz_rec_counts {
	uint64_t written[2];      /**< RTP packets written to the pcap */
	uint64_t dropped[2];      /**< not recorded: tap full (slow disk) or too long */
	uint64_t undecoded[2];    /**< written to the pcap but not decodable into the WAV */
};

/**
 * Start the writer thread over @p n taps (one per worker; NULL entries are
 * skipped).  @p tsc_hz converts the taps' receive times.
 * @return 0, -EALREADY, -ENOMEM.
 */
int tz_rec_start(struct tz_rec_tap *const *taps, unsigned n, uint64_t tsc_hz);

/** Close every open recording (writing what is queued) and stop the thread. */
void tz_rec_stop(void);

/** True once tz_rec_start() succeeded. */
int tz_rec_running(void);

/**
 * Open a recording of @p info: a slot for the flows (1 .. TZ_REC_SLOTS-1).
 * The files are created by the writer at once.
 * @return the slot, or -ENOSPC (too many recordings), -ENOTCONN (not started).
 */
int tz_rec_open(const struct tz_rec_info *info);

/**
 * End recording @p slot: no flow names it any more and every worker has
 * passed a quiescent state since.  The writer writes what is queued, then
 * closes the files (the JSON last).
 */
void tz_rec_close(int slot);

/** Counters of an open recording. @return 0, -ENOENT. */
int tz_rec_counts(int slot, struct tz_rec_counts *out);

/** Totals over the process's lifetime (`show recordings stats`, /metrics). */
struct tz_rec_stats {
	uint64_t started, finished, active;   /**< recordings */
	uint64_t written, dropped;            /**< RTP packets, open recordings included */
	uint64_t write_errors;                /**< recordings whose files failed */
};
/** Copy the totals into @p out (zeros when not started).  Control thread. */
void tz_rec_stats_get(struct tz_rec_stats *out);

/** Visit every open recording (control thread; under the module's lock:
 *  @p fn must not call back into this module).  @p name is the files' name
 *  without extension, "" while the writer has not created them yet, NULL
 *  when they could not be created (logged; the recording writes nothing). */
void tz_rec_foreach(void (*fn)(int slot, const struct tz_rec_info *info, const char *name,
			       const struct tz_rec_counts *cnt, void *arg),
		    void *arg);

/** One recording directory under retention (docs/recording.md). */
struct tz_rec_retain_dir {
	char dir[1024];
	uint32_t max_age_days;    /**< 0: no age limit */
	unsigned pool;            /**< dirs with the same pool share max_bytes */
	uint64_t max_bytes;       /**< of the whole pool; 0: no size limit */
};

/** What a sweep did (and, in the totals, what is left). */
struct tz_rec_sweep_result {
	uint64_t deleted_age, deleted_size;   /**< recordings (all their files) */
	uint64_t bytes_freed;
	uint64_t errors;          /**< a dir or file that could not be read or deleted */
	uint64_t kept_open;       /**< over a limit but still being written: kept */
	uint64_t total_bytes, total_recordings;   /**< left in every dir */
	int64_t at;               /**< Unix s when it ran, 0: never */
	unsigned n_names;         /**< deleted recordings named below (the first ones) */
	char names[16][1100];     /**< "<dir>/<name>" (files .pcap, .wav, .json) */
	uint8_t by_size[16];      /**< 0: deleted for its age, 1: for the pool's size */
};

/**
 * Set the directories and limits of retention (start-up, reload; control
 * thread; copied) and sweep them soon.  Starts the sweep thread the first
 * time (after tz_rec_start()).  @return 0, -ENOTCONN, -ENOMEM.
 */
int tz_rec_retain_set(const struct tz_rec_retain_dir *dirs, unsigned n);

/** Totals of every sweep since start and the last sweep's result. */
struct tz_rec_retain_stats {
	uint64_t sweeps, deleted_age, deleted_size, bytes_freed, errors;
	uint64_t total_bytes, total_recordings;   /**< last sweep, plus closed since */
	struct tz_rec_sweep_result last;
};
void tz_rec_retain_stats_get(struct tz_rec_retain_stats *out);

/**
 * Sweep now and wait at most @p wait_ms for it (the control loop must not
 * wait long: a sweep still running reports later in the stats).
 * @return 0 with @p out the sweep's result, -ETIMEDOUT, -ENOTCONN.
 */
int tz_rec_sweep_now(unsigned wait_ms, struct tz_rec_sweep_result *out);

/** Register `show recordings` (once). @return 0, -EEXIST, -ENOMEM. */
int tz_rec_commands_register(void);

#endif /* TZ_REC_H */
