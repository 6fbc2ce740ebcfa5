/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control socket: commands registered from tables next to their modules.
 *
 * A command handler builds its result as JSON (json-glib JsonBuilder); the
 * client (trapezectl) shows it as JSON with --json or renders it as text.
 * So every command gets --json for free and the text form stays uniform.
 *
 * Threading: control thread only.  The server runs on the control thread's
 * GLib main context; handlers run there too and may read any control-plane
 * state.  Handlers must not block.
 */
#ifndef TZ_CLI_H
#define TZ_CLI_H

#include <stddef.h>
#include <json-glib/json-glib.h>

struct tz_cli_req;

/**
 * A command handler.
 * @param req   the request; tz_cli_error() sets its one-line error
 * @param argc  number of arguments after the command words
 * @param argv  the arguments
 * @param out   JsonBuilder positioned where the handler adds ONE value
 *              (normally an object or an array of flat objects = a table)
 * @return 0, or a negative errno after tz_cli_error()
 */
typedef int (*tz_cli_fn)(struct tz_cli_req *req, int argc, char **argv,
			 JsonBuilder *out, void *arg);

struct tz_cli_cmd {
	const char *words;        /**< "show ports", "set log level" */
	const char *args;         /**< usage of the arguments, "<subsystem> <level>", or NULL */
	int min_args, max_args;   /**< argument count bounds (max -1 = unbounded) */
	const char *help;         /**< one line */
	tz_cli_fn fn;
	void *arg;
	/** Completion candidates for argument @p idx, NULL-terminated, or NULL. */
	const char *const *(*complete)(int idx, void *arg);
};

/**
 * Register a table of commands.  The table must outlive the server.
 * @return 0, -EEXIST if a command's words are already registered,
 *         -ENOMEM.
 */
int tz_cli_register(const struct tz_cli_cmd *cmds, size_t n);

/** Set the request's error message (printf style); returns -EINVAL. */
int tz_cli_error(struct tz_cli_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Listen on a UNIX socket at @p path (parent directory created, stale socket
 * replaced, file mode @p mode, group @p group if not NULL) and serve on the
 * thread-default GLib main context.
 * @return 0 or a negative errno (-EADDRINUSE when another daemon answers there).
 */
int tz_cli_server_start(const char *path, unsigned mode, const char *group);

/** Stop serving and unlink the socket. */
void tz_cli_server_stop(void);

/**
 * Run one command line as if a client had sent it (for tests and for
 * the daemon's own use).  Returns a newly allocated JSON reply string,
 * the same bytes a client would get.
 */
char *tz_cli_execute(const char *line);

/** Longest request line the server accepts, newline excluded. */
#define TZ_CLI_LINE_MAX 65536

/** Where trapezed listens and trapezectl connects by default. */
#define TZ_CLI_DEFAULT_SOCKET "/run/trapeze/trapezed.sock"

/**
 * Handle one request line of the wire protocol (docs/cli.md): a JSON object
 * {"cmd": "...", "args": [...]} or {"line": "..."}, without the newline.
 * Any bytes are accepted.
 * @param line  the request bytes (need not be NUL-terminated)
 * @param len   their length
 * @param bad   set to 1 when the line is not a valid request at all
 *              (the server then disconnects the client), else 0
 * @return a newly allocated one-line JSON reply, without the newline
 */
char *tz_cli_handle_request(const char *line, size_t len, int *bad);

/**
 * Forget every registered command table (daemon shutdown, tests).
 * The built-in commands stay.
 */
void tz_cli_unregister_all(void);

/** Counters of the control socket, monotonic except clients. */
struct tz_cli_stats {
	unsigned long clients;          /**< connected now */
	unsigned long accepted;         /**< connections accepted */
	unsigned long rejected;         /**< refused: too many clients */
	unsigned long requests;         /**< request lines handled */
	unsigned long errors;           /**< requests answered with an error */
	unsigned long bad_requests;     /**< not a request at all; client dropped */
	unsigned long too_long;         /**< lines over TZ_CLI_LINE_MAX; client dropped */
};

/** Copy the counters into @p out. Control thread only. */
void tz_cli_stats_get(struct tz_cli_stats *out);

#endif /* TZ_CLI_H */
