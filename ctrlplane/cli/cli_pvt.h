/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to ctrlplane/cli: the command registry and the shared counters.
 * Control thread only, like the rest of the module.
 */
#ifndef TZ_CLI_PVT_H
#define TZ_CLI_PVT_H

#include <stdbool.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tz_cli.h"

/** Most words a command name may have ("set log level" has 3). */
#define TZ_CLI_WORDS_MAX 8

/** Arguments a command's completion is asked about at most. */
#define TZ_CLI_COMPLETE_MAX 8

struct tz_cli_req {
	char *error;                    /* g_malloc'ed, set by tz_cli_error() */
};

/** One registered command with its words split out. */
struct tz_cli_entry {
	const struct tz_cli_cmd *cmd;
	char *words[TZ_CLI_WORDS_MAX + 1]; /* NULL-terminated */
	int nwords;
	bool hidden;                    /* left out of "help" */
	bool builtin;                   /* kept by tz_cli_unregister_all() */
};

/* registry.c */
int tz_cli_registry_add(const struct tz_cli_cmd *cmd, bool hidden, bool builtin);
/** The entry whose words are the longest prefix of @p argv, or NULL. */
const struct tz_cli_entry *tz_cli_registry_match(int argc, char **argv);
/** The entries, sorted by words; @p n set to their count. */
const struct tz_cli_entry *const *tz_cli_registry_list(size_t *n);
/** A user-facing error for an unknown command line: suggestion or choices. */
char *tz_cli_registry_unknown(int argc, char **argv);
/** The command's usage line, "set log level <subsystem> <level>". */
char *tz_cli_usage(const struct tz_cli_entry *e);

/* builtins.c */
int tz_cli_builtins_register(void);

/** A request line taken apart (request.c). */
struct tz_cli_request {
	GPtrArray *words;               /* of char *: command words, then args */
	JsonNode *id;                   /* the request's "id", echoed, or NULL */
	char *error;                    /* why it cannot run, or NULL */
	bool bad;                       /* not a request at all: drop the client */
};

/* request.c */
int tz_cli_request_parse(const char *line, size_t len, struct tz_cli_request *r);
void tz_cli_request_clear(struct tz_cli_request *r);

/* conn.c */
void tz_cli_conn_add(int fd, GMainContext *ctx);
void tz_cli_conn_close_all(void);

/* listen.c */
/** Create the listening socket file at @p path; see tz_cli_server_start(). */
int tz_cli_listen(const char *path, unsigned mode, const char *group, int *fd);

/* server.c */
/** Most clients connected at once; more are answered with an error. */
#define TZ_CLI_CLIENTS_MAX 64
/** g_warning(), at most a few per interval: a peer can trigger these. */
void tz_cli_log_peer(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* dispatch.c */
extern struct tz_cli_stats tz_cli_counters;

#endif /* TZ_CLI_PVT_H */
