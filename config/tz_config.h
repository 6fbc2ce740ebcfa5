/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Trapeze configuration: the typed form of the YAML file.
 *
 * The loader parses YAML (libyaml) into these structs, validates the whole
 * tree, and only then hands it to the caller, so a running daemon swaps a
 * fully valid config in whole or keeps the old one.  Every string is owned
 * by the struct tz_config and freed by tz_cfg_free().
 *
 * Threading: the loader is reentrant (no globals); a loaded config is
 * immutable and may be read from any thread.
 */
#ifndef TZ_CONFIG_H
#define TZ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define TZ_CFG_MAX_WORKERS 64
#define TZ_CFG_NAME_MAX 32
/** media addresses of a port besides its own ipv4 (ports[].media_addresses) */
#define TZ_CFG_MAX_MEDIA_ADDRS 15
/** Longest signalling.sip_paths entry, in bytes. */
#define TZ_CFG_URL_PATH_MAX 63

/** An IPv4 or IPv6 address; family is 0 when unset. */
struct tz_cfg_addr {
	int family;               /**< AF_INET, AF_INET6 or 0 (unset) */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/** An address with a prefix length, "198.51.100.1/24". */
struct tz_cfg_cidr {
	struct tz_cfg_addr addr;
	uint8_t prefix;
};

/** Is @p a inside @p net (same family, first prefix bits equal)? */
bool tz_cfg_cidr_contains(const struct tz_cfg_cidr *net, const struct tz_cfg_addr *a);

/** Same family and address (two unset addresses are equal)? */
bool tz_cfg_addr_equal(const struct tz_cfg_addr *a, const struct tz_cfg_addr *b);

struct sockaddr;
/** The address of a socket address (AF_INET, AF_INET6; an IPv4-mapped IPv6
 *  address is its IPv4 address); family 0 for anything else. */
void tz_cfg_addr_from_sockaddr(const struct sockaddr *sa, struct tz_cfg_addr *a);

/** host:port, "[2001:db8::1]:5060" or "gw.example.net:5061". */
struct tz_cfg_hostport {
	char *host;               /**< literal address or DNS name, never NULL when set */
	uint16_t port;            /**< 0 when the text gave none and no default applies */
};

struct tz_cfg_range {
	uint16_t first;
	uint16_t last;            /**< inclusive */
};

enum tz_cfg_role {
	TZ_ROLE_ACCESS,           /**< browsers: ICE + DTLS-SRTP */
	TZ_ROLE_CORE,             /**< SIP networks: RTP / SDES-SRTP */
	TZ_ROLE_COUNT,
};

/** How a port reaches its wire. */
enum tz_cfg_port_driver {
	TZ_DRV_PCI,               /**< a NIC by PCI address, any PMD DPDK has */
	TZ_DRV_AUTO,              /**< software: af_xdp if it starts, else af_packet */
	TZ_DRV_AF_XDP,
	TZ_DRV_AF_PACKET,
	TZ_DRV_TAP,
	TZ_DRV_RING,
	TZ_DRV_PCAP,
	TZ_DRV_NULL,
};

/** Who fills the UDP checksum of media the workers send on a port. */
enum tz_cfg_udp_cksum {
	TZ_CKSUM_AUTO,            /**< offload when the NIC can, else zero (IPv4) / compute (IPv6) */
	TZ_CKSUM_ZERO,            /**< IPv4: none (0, RFC 768); IPv6: computed (RFC 8200) */
	TZ_CKSUM_COMPUTE,         /**< in software, always (peers that drop zero checksums) */
	TZ_CKSUM_OFFLOAD,         /**< the NIC; the port does not start without the capability */
};

struct tz_cfg_port {
	char name[TZ_CFG_NAME_MAX];   /**< unique; names the TAP "tz-<name>" */
	enum tz_cfg_role role;
	enum tz_cfg_port_driver driver;
	char *pci;                /**< "0000:03:00.0" for TZ_DRV_PCI, else NULL */
	char *iface;              /**< kernel interface for af_xdp/af_packet, else NULL */
	char *devargs;            /**< extra PMD arguments appended verbatim, or NULL */
	bool has_mac;
	uint8_t mac[6];           /**< override; else the NIC's / interface's own */
	struct tz_cfg_cidr ipv4;  /**< addr.family 0 when absent */
	struct tz_cfg_cidr ipv6;  /**< addr.family 0 when absent */
	struct tz_cfg_addr gateway4;  /**< next hop for off-link IPv4, or unset */
	struct tz_cfg_addr gateway6;
	/* More IPv4 media addresses in ipv4's subnet (bare, /32 as parsed):
	 * calls are spread over ipv4 (index 0) and these (1..n); each holds
	 * the whole media port range, so capacity = (1 + n) x range. */
	struct tz_cfg_cidr *media_addrs;
	size_t n_media_addrs;
	uint16_t mtu;             /**< default 1500 */
	uint16_t queues;          /**< rx/tx queue pairs, default 1 */
	enum tz_cfg_udp_cksum udp_checksum;   /**< default auto */
	int line, col;            /**< where the entry starts in the file */
};

struct tz_cfg_eal {
	uint16_t control_core;        /**< lcore for the control loop, default 0 */
	uint16_t n_workers;
	uint16_t worker_cores[TZ_CFG_MAX_WORKERS];  /**< default: { 1 } */
	int hugepages;                /**< -1 auto (use if reserved), 0 never, 1 require */
	uint32_t memory_mb;           /**< -m / --socket-mem; default 256 */
	uint32_t idle_sleep_us;       /**< workers sleep this long after an empty poll
	                                   round; 0 = pure busy polling (default) */
	char *file_prefix;            /**< default "trapeze" */
	char **extra_args;            /**< NULL-terminated; appended to the EAL argv */
	bool telemetry;               /**< DPDK telemetry socket (dpdk-telemetry.py); default true */
};

struct tz_cfg_media {
	struct tz_cfg_range ports[TZ_ROLE_COUNT];  /**< UDP port range per role */
	bool latching;            /**< symmetric RTP: follow the SIP peer's real source */
	/* latching is allowed only from the SDP's address or these networks,
	 * within latch_window_s of the media start, with one SSRC throughout */
	uint32_t latch_window_s;          /**< default 5 */
	struct tz_cfg_cidr *latch_networks;  /**< NAT ranges the PBXs' media may come from */
	size_t n_latch_networks;
	/* The browser's ICE consent checks (RFC 7675) answered by the dataplane
	 * worker once the call's ICE pair is selected (dataplane/api/tz_stun.h),
	 * not by libnice on the control thread; default true */
	bool consent_in_dataplane;
};

struct tz_cfg_signalling {
	struct tz_cfg_hostport http;  /**< plain HTTP + ws://, host unset = disabled */
	struct tz_cfg_hostport https; /**< HTTPS + wss://, host unset = disabled */
	char *tls_cert;               /**< PEM paths, required when https is set */
	char *tls_key;
	char *web_root;               /**< directory of the demo web phone, or NULL */
	/* Who may open the WebSocket (issue 9). */
	char **origins;               /**< NULL-terminated "https://host[:port]" allow-list;
				       *   NULL/empty = same origin as the Host header only;
				       *   "*" = any origin */
	bool allow_no_origin;         /**< accept upgrades without Origin (non-browser
				       *   clients), default true */
	bool require_tls;             /**< ws:// refused when https is set, default false */
	/* SIP over WebSocket (RFC 7118, issue 10). */
	char **sip_paths;             /**< NULL-terminated URL paths where subprotocol `sip`
				       *   is accepted, each starting with '/'; default
				       *   "/", "/ws", "/sip"; empty = SIP over WebSocket off */
};

enum tz_cfg_transport {
	TZ_SIP_UDP = 1 << 0,
	TZ_SIP_TCP = 1 << 1,
	TZ_SIP_TLS = 1 << 2,
};

enum tz_cfg_dtmf {
	TZ_DTMF_RFC4733,
	TZ_DTMF_INFO,
};

/** When a call to/from the trunk is transcoded (docs/media-services.md). */
enum tz_cfg_transcode {
	TZ_XCODE_WHEN_NEEDED,     /**< only when the legs share no codec (default) */
	TZ_XCODE_OFF,             /**< never: no common codec = the call is refused */
	TZ_XCODE_PREFER,          /**< always: the browser keeps its own codec */
	TZ_XCODE_INHERIT,         /**< tenants only: media_services.transcode */
};

/** How video is offered to a trunk (docs/video.md). */
enum tz_cfg_video_profile {
	TZ_VIDEO_AVP_FB,          /**< RTP/AVP with a=rtcp-fb lines (default) */
	TZ_VIDEO_AVP,             /**< RTP/AVP, no feedback lines */
	TZ_VIDEO_AVPF,            /**< RTP/AVPF (RFC 4585) */
};

enum tz_cfg_trunk_srtp {
	TZ_TRUNK_RTP,             /**< plain RTP (default) */
	TZ_TRUNK_SDES,            /**< SDES-SRTP: RTP/SAVP, keys in a=crypto (RFC 4568) */
};

struct tz_cfg_trunk {
	char name[TZ_CFG_NAME_MAX];
	struct tz_cfg_hostport address;   /**< default port 5060 (5061 for tls) */
	enum tz_cfg_transport transport;  /**< exactly one bit */
	char *username;                   /**< digest credentials, or NULL */
	char *password;
	char *realm;
	bool register_users;              /**< REGISTER web users here */
	uint32_t register_expires;        /**< seconds, default 600 */
	char **codecs;                    /**< NULL-terminated allow-list, NULL = all */
	enum tz_cfg_dtmf dtmf;
	uint32_t answer_timeout_s;        /**< default 60 */
	/* Security (issue 9): who may send us requests, how the trunk's TLS is checked. */
	struct tz_cfg_cidr *acl;          /**< sources allowed to send requests (n_acl);
					   *   none given: the address when it is an IP
					   *   literal, else its DNS addresses at start */
	size_t n_acl;
	bool tls_verify;                  /**< verify the trunk's certificate (tls only),
					   *   default true */
	char *tls_ca;                     /**< PEM CA bundle this trunk's certificate chains
					   *   to (an enterprise's private CA), added to
					   *   sip.tls_ca; or NULL */
	/* Media encryption towards the trunk (issue 11). */
	enum tz_cfg_trunk_srtp srtp;      /**< `srtp: off` (RTP/AVP, default) or `sdes`
					   *   (RTP/SAVP with a=crypto, RFC 4568) */
	char **srtp_suites;               /**< NULL-terminated crypto suites to offer and
					   *   accept, in order of preference (names as in
					   *   RFC 4568 / RFC 7714: AES_CM_128_HMAC_SHA1_80,
					   *   AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM,
					   *   AEAD_AES_256_GCM); NULL = AES_CM_128_HMAC_SHA1_80 */
	uint32_t tenant;                  /**< index into tz_config.tenants (0: default) */
	int line, col;
	enum tz_cfg_transcode transcode;  /**< `transcode:` (issue 14), default when-needed */
	/* Video (issue 15, docs/video.md). */
	char **video;                     /**< NULL-terminated video codecs offered ("VP8",
					   *   "H264"), NULL = no video to this trunk */
	enum tz_cfg_video_profile video_profile;
};

/** One routing rule: the first rule whose every given criterion matches wins. */
struct tz_cfg_route {
	char *prefix;             /**< dialled-number prefix ("+4420"), or NULL */
	char *domain;             /**< target domain, or NULL */
	char *strip;              /**< unused until the SIP leg: reserved */
	bool allow_uri;           /**< sip:user@domain targets allowed (domain = trunk host) */
	uint32_t trunk;           /**< index into sip.trunks (always a trunk of the
				       *   same tenant) */
	uint32_t tenant;          /**< index into tz_config.tenants (0: default) */
	int line, col;
	bool record;              /**< record the calls it routes (docs/recording.md);
				   *   unless the tenant's recording mode is off */
};

struct tz_cfg_sip {
	struct tz_cfg_hostport *listen;   /**< n_listen entries; default port 5060 */
	size_t n_listen;
	unsigned transports;              /**< OR of tz_cfg_transport, default UDP|TCP */
	char *tls_cert;                   /**< required when transports has TLS */
	char *tls_key;
	uint32_t ring_timeout_s;          /**< unanswered incoming call -> 480, default 60 */
	/* Security (issue 9) */
	uint32_t max_requests_per_source; /**< SIP datagrams/requests per second per source
					   *   address before 503; 0 = no limit; default 50 */
	char *tls_ca;                     /**< CA bundle for trunk certificates, default
					   *   /etc/ssl/certs/ca-certificates.crt */
	char *tls_dir;                    /**< parent of the private TLS file directory,
					   *   default /run/trapeze */
	/* Every tenant's trunks and routes, flattened: the top-level lists (the
	 * default tenant's) first, then each tenant's in order; each entry's
	 * `tenant` says whose it is.  Trunk names are unique over all tenants. */
	struct tz_cfg_trunk *trunks;
	size_t n_trunks;
	struct tz_cfg_route *routes;
	size_t n_routes;
};

/** Call recording mode (docs/recording.md). */
enum tz_cfg_rec_mode {
	TZ_REC_MODE_INHERIT = 0,  /**< a tenant without its own: the top-level one */
	TZ_REC_MODE_OFF,          /**< never recorded (`record start` refused) */
	TZ_REC_MODE_ALL,          /**< every bridged call */
	TZ_REC_MODE_ON_DEMAND,    /**< calls of a route with record: true, and `record start` */
};

/** `announcements:` and `music_on_hold:` (top level and tenants[];
 *  docs/media-services.md): WAV files the gateway plays to the browser.
 *  A tenant's unset key takes the top level's. */
struct tz_cfg_announce {
	char *not_found;          /**< SIP 404, 410, 484, 604 */
	char *busy;               /**< SIP 486, 600, 603 */
	char *unreachable;        /**< SIP 408, 480, 503 and no answer */
	char *other;              /**< key `default`: any other final 4xx-6xx */
	char *moh;                /**< `music_on_hold`: looped while the SIP side holds */
	uint32_t max_s;           /**< top level only: longest announcement (default 30) */
};

/** `recording.retention:` (top level and tenants[]; docs/recording.md): the
 *  sweep deletes whole recordings, oldest first, until both hold.  0 = no
 *  limit; a tenant's 0: the top level's value. */
struct tz_cfg_rec_retention {
	uint32_t max_age_days;    /**< recordings last written longer ago are deleted */
	uint32_t max_total_mb;    /**< MiB; top level: all tenants without their own
				   *   max_total_mb together; a tenant's: its dir alone */
};

/** `recording:` (top level) and `tenants[].recording:` (docs/recording.md). */
struct tz_cfg_recording {
	int mode;                 /**< enum tz_cfg_rec_mode; top level default off,
				   *   tenants default inherit */
	char *dir;                /**< where files go; top level: in a subdirectory
				   *   per tenant; a tenant's own: directly */
	uint32_t ring;            /**< top level only: packets in flight per worker
				   *   (default 2048) */
	struct tz_cfg_rec_retention retention;
};

/** Fraud and capacity limits of one tenant (issue 11).  0 / NULL = no limit. */
struct tz_cfg_tenant_limits {
	uint32_t max_calls;               /**< live calls of the tenant (the gateway's
					   *   limits.max_calls applies on top) */
	uint32_t max_calls_per_user;      /**< live calls per user; 0 = limits.max_calls_per_user */
	uint32_t calls_per_s;             /**< call attempts per second, whole tenant
					   *   (token bucket, burst = one second's worth) */
	uint32_t user_calls_per_s;        /**< call attempts per second per user */
	char **allow_targets;             /**< NULL-terminated patterns ("+44*", exact,
					   *   "*"): numbers not matching one are denied;
					   *   NULL = every routed number */
	char **deny_targets;              /**< NULL-terminated patterns denied even when
					   *   allowed ("+449*", "+00*") */
	uint32_t daily_minutes;           /**< answered call minutes per UTC day; new calls
					   *   are refused once spent */
	uint32_t daily_minutes_alarm;     /**< percent of daily_minutes at which an alarm
					   *   line is logged, default 80 */
};

struct tz_cfg_limits {
	uint32_t max_sessions;            /**< dataplane session table size, default 65536 */
	uint32_t max_calls_per_user;      /**< default 4 */
	uint32_t ws_max_message;          /**< bytes, default 65536 */
	uint32_t ws_max_rate;             /**< messages per second per connection, default 50 */
	uint32_t media_timeout_s;         /**< no media for this long ends a call, default 30 */
	/* WebSocket admission (issue 9): 0 = no cap. */
	uint32_t ws_connections_per_ip;   /**< open WebSockets per source address, default 64 */
	uint32_t ws_connections_max;      /**< open WebSockets in all, default 10000 */
	uint32_t ws_max_queued_bytes;     /**< all send queues together, default 256 MiB */
	/* admission and supervision of calls */
	uint32_t max_calls;               /**< live calls, default 1000 */
	uint32_t max_calls_per_ip;        /**< live calls per client IP, default 50 */
	uint32_t sip_media_timeout_s;     /**< no RTP from the SIP side, default 60, 0 = off */
	uint32_t consent_timeout_s;       /**< no ICE consent check (RFC 7675), default 30 */
	/* punt policing in the workers (STUN, DTLS, unknown, session-less RTP
	 * to media ports on their way to the kernel) */
	uint32_t punt_pps_per_source;     /**< packets/s per source address, default 500; 0 = off */
	uint32_t punt_burst;              /**< per source, packets, default 1000 */
	uint32_t punt_pps_per_worker;     /**< packets/s per worker, all sources, default 50000; 0 = off */
	/* the default tenant's fraud limits: keys calls_per_s, user_calls_per_s,
	 * allow_targets, deny_targets, daily_minutes, daily_minutes_alarm
	 * (max_calls / max_calls_per_user of this struct stay gateway-wide) */
	struct tz_cfg_tenant_limits tenant;
};

enum tz_cfg_log_target {
	TZ_LOG_STDERR,
	TZ_LOG_SYSLOG,
	TZ_LOG_JOURNAL,
};

struct tz_cfg_log_level {
	char *subsystem;          /**< "dp", "dp.srtp", "cp.sip", "drivers" ... */
	int level;                /**< RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) */
};

struct tz_cfg_logging {
	enum tz_cfg_log_target target;
	int level;                /**< default for every subsystem, RTE_LOG_INFO */
	struct tz_cfg_log_level *levels;
	size_t n_levels;
};

/** One key that signs login tokens (HS256); several allow rotation. */
struct tz_cfg_token_secret {
	char name[TZ_CFG_NAME_MAX];   /**< matched against the token header's "kid" */
	char *secret;             /**< the key itself (>= 32 bytes), or NULL */
	char *secret_file;        /**< a file holding the key (first line), or NULL */
	uint32_t tenant;          /**< index into tz_config.tenants (0: default): a token
				   *   this key verifies logs in to that tenant */
	int line, col;
};

/** Who may log in, and how (docs/security.md). */
struct tz_cfg_auth {
	struct tz_cfg_token_secret *secrets;
	size_t n_secrets;
	char *issuer;             /**< required "iss" claim, or NULL */
	char *audience;           /**< required "aud" claim, or NULL */
	uint32_t clock_skew_s;    /**< leeway for exp/nbf/iat, default 30 */
	uint32_t max_lifetime_s;  /**< exp more than this after now is refused, default 86400 */
	bool sip_login;           /**< login by SIP credentials (register_users), default true */
	uint32_t fail_limit;      /**< failed logins per IP or user before backing off, default 5 */
	uint32_t fail_window_s;   /**< failures older than this are forgotten, default 300 */
	uint32_t lockout_max_s;   /**< longest back-off, default 300 */
};

/** The default tenant: the top-level sip.trunks, sip.routes and
 *  auth.token_secrets (a single-tenant config is only this one). */
#define TZ_TENANT_DEFAULT 0u
#define TZ_TENANT_DEFAULT_NAME "default"

/** `messaging:`: trapeze-jsep.v1 `message` <-> SIP MESSAGE (docs/messaging.md);
 *  also each tenant's (the keys it leaves out are the top level's). */
struct tz_cfg_messaging {
	uint32_t max_bytes;           /**< largest body either way; default 4096 */
	uint32_t per_user_per_minute; /**< messages a web user may send a minute;
				       *   default 60, 0: none at all */
	char **content_types;         /**< media types carried (NULL-terminated);
				       *   default text/plain, application/json */
};

/**
 * One enterprise hosted on the gateway (issue 11, docs/tenants.md).  Its
 * trunks, routes and token secrets are written inside its entry in YAML
 * (`tenants[].trunks`, `.routes`, `.token_secrets`) and land in the
 * flattened sip.trunks, sip.routes and auth.secrets with `tenant` set.
 * Selectors: a WebSocket whose Origin, Host or URL path is one of a
 * tenant's is that tenant's (a login there with another tenant's
 * credentials is refused); each origin, host, path and domain belongs to
 * one tenant at most.
 */
struct tz_cfg_tenant {
	char name[TZ_CFG_NAME_MAX];   /**< unique; "default" is tenants[0] */
	char **domains;           /**< NULL-terminated SIP domains of its users (the
				   *   AORs of its SIP-over-WebSocket phones; inbound
				   *   calls to them), or NULL */
	char **origins;           /**< web origins of its pages ("https://host[:port]"):
				   *   allowed to open the WebSocket, and select it */
	char **hosts;             /**< Host header values that select it */
	char **paths;             /**< WebSocket URL paths that select it ("/acme") */
	struct tz_cfg_tenant_limits limits;
	size_t n_trunks, n_routes, n_secrets;   /**< its share of the flattened lists */
	int line, col;            /**< 0 for the default tenant */
	struct tz_cfg_recording recording;      /**< mode inherit: the top level's */
	struct tz_cfg_announce announce;        /**< unset keys: the top level's */
	enum tz_cfg_transcode transcode;        /**< default inherit: media_services' */
	struct tz_cfg_messaging messaging;      /**< in force for its users: the keys
						 *   it leaves out are the top level's
						 *   (filled in at load) */
};

/** SRTP crypto backend (issue 12): `crypto:`. */
struct tz_cfg_crypto {
	int backend;              /**< enum tz_srtp_backend: auto (default), ipsec_mb, cryptodev */
	int ipsec_mb_arch;        /**< enum tz_srtp_imb_arch: auto (default), sse, avx, avx2,
				   *   avx512 */
	char **cryptodev_drivers; /**< NULL-terminated cryptodev drivers to try (an offload
				   *   device such as "crypto_qat"); NULL = aesni_mb, openssl.
				   *   Set: backend auto means cryptodev */
};

enum tz_cfg_event_poll {
	TZ_EVENT_POLL_EPOLL = 0, /**< epoll: O(ready) per wake-up */
	TZ_EVENT_POLL_POLL = 1,  /**< GLib's poll(2): O(descriptors) per wake-up */
};

struct tz_cfg_control {
	char *socket;             /**< default "/run/trapeze/trapezed.sock" */
	uint32_t mode;            /**< default 0660 */
	char *group;              /**< owner group of the socket, or NULL */
	uint16_t dtls_threads;    /**< DTLS handshake pool threads; 0 (default):
				   *   the online cores not used as workers, min 1 */
	bool dtls_release;        /**< free a call's OpenSSL state once the browser's
				   *   media arrives (~70 KB/call); default false */
	int event_poll;           /**< enum tz_cfg_event_poll: the control loop's
				   *   poll; default epoll */
};

/** `cdr:`: call detail records (docs/cdr.md). */
struct tz_cfg_cdr {
	char *file;               /**< one JSON line per ended call; NULL: no file */
	uint32_t keep;            /**< records held for `show cdr`; default 1000 */
};

/** Prometheus exposition (docs/metrics.md): `metrics:`. */
struct tz_cfg_metrics {
	struct tz_cfg_hostport listen;    /**< GET /metrics here; host unset = off */
	struct tz_cfg_cidr *allow;        /**< sources allowed; none = loopback only */
	size_t n_allow;
};

/** `media_services:` (docs/media-services.md): the lcores beside the workers
 *  for flows needing more than forwarding (generated DTMF). */
#define TZ_CFG_MAX_SVC_CORES 8
struct tz_cfg_media_services {
	uint16_t n_cores;                     /**< 0 (default): the stage is off */
	uint16_t cores[TZ_CFG_MAX_WORKERS];   /**< EAL lcore ids */
	uint16_t n_cpus;                      /**< 0: each core on the CPU of its number */
	uint16_t cpus[TZ_CFG_MAX_WORKERS];    /**< the CPU each core runs on (--lcores) */
	uint32_t ring_size;                   /**< entries per ring, default 1024 */
	uint32_t max_calls;                   /**< calls in the stage at once, default 64 */
	enum tz_cfg_transcode transcode;      /**< tenants' default, default when-needed */
};

struct tz_config {
	char *path;               /**< the file it came from */
	struct tz_cfg_eal eal;
	struct tz_cfg_port *ports;
	size_t n_ports;
	struct tz_cfg_media media;
	struct tz_cfg_signalling signalling;
	struct tz_cfg_sip sip;
	struct tz_cfg_limits limits;
	struct tz_cfg_auth auth;
	struct tz_cfg_logging logging;
	struct tz_cfg_control control;
	struct tz_cfg_crypto crypto;
	struct tz_cfg_cdr cdr;
	struct tz_cfg_metrics metrics;
	struct tz_cfg_media_services media_services;
	struct tz_cfg_messaging messaging;
	/** tenants[0] is the default tenant (TZ_TENANT_DEFAULT, always there),
	 *  then the `tenants:` entries in file order; n_tenants >= 1. */
	struct tz_cfg_tenant *tenants;
	size_t n_tenants;
	struct tz_cfg_recording recording;
	struct tz_cfg_announce announce;
};

/** All errors found in one load, in file order. */
struct tz_cfg_errors {
	char **msg;               /**< "FILE:LINE:COL: path.to.field: what is wrong ..." */
	size_t n;
};

/**
 * Load, parse and validate a config file.
 *
 * @param path   file to read
 * @param errs   filled with every error found (caller frees with
 *               tz_cfg_errors_free); n == 0 on success
 * @return the config, or NULL with errno set: ENOENT/EACCES (cannot read,
 *         also reported in errs), EINVAL (errors in errs), ENOMEM.
 */
struct tz_config *tz_cfg_load(const char *path, struct tz_cfg_errors *errs);

/**
 * Same as tz_cfg_load() on a buffer; @p name stands for the file in messages.
 */
struct tz_config *tz_cfg_load_buffer(const char *name, const char *buf, size_t len,
				     struct tz_cfg_errors *errs);

void tz_cfg_free(struct tz_config *cfg);
void tz_cfg_errors_free(struct tz_cfg_errors *errs);

/** Index of the tenant named @p name, or -1. */
int tz_cfg_tenant_find(const struct tz_config *cfg, const char *name);
/** The tenant whose `domains` holds @p domain (a SIP URI's host, no port;
 *  case-insensitive), or -1 when none does. */
int tz_cfg_tenant_of_domain(const struct tz_config *cfg, const char *domain);
/** Name of tenant @p t ("default" when out of range). */
const char *tz_cfg_tenant_name(const struct tz_config *cfg, uint32_t t);

/**
 * How a call of tenant @p tenant through @p trunk (NULL: none) is transcoded
 * (docs/media-services.md "Transcoding"): a trunk's `off` or `prefer` wins
 * (a trunk that cannot take transcoded calls, or one the tenant tuned);
 * else the tenant's own `transcode`, else media_services.transcode.  Never
 * TZ_XCODE_INHERIT.  Pure; any thread.
 */
enum tz_cfg_transcode tz_cfg_transcode_of(const struct tz_config *cfg, uint32_t tenant,
					  const struct tz_cfg_trunk *trunk);
/** Name of a transcode mode, as written in YAML. */
const char *tz_cfg_transcode_name(enum tz_cfg_transcode m);

/** Name of a role / driver / transport, as written in YAML. */
const char *tz_cfg_role_name(enum tz_cfg_role role);
const char *tz_cfg_driver_name(enum tz_cfg_port_driver drv);
/** Name of a udp_checksum mode, as written in YAML. */
const char *tz_cfg_udp_cksum_name(enum tz_cfg_udp_cksum m);

/**
 * Write the effective config (defaults filled in, secrets shown as "***")
 * back as YAML text, for `show config`.  Returns a malloc'd string or NULL.
 */
char *tz_cfg_dump(const struct tz_config *cfg);

#endif /* TZ_CONFIG_H */
