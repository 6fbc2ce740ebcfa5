/* SPDX-License-Identifier: BSD-3-Clause */
/* trapezectl internals: connection, rendering, interactive and script modes. */
#ifndef TZ_CTL_PVT_H
#define TZ_CTL_PVT_H

#include <stdbool.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

/* Exit statuses, also what tz_ctl_call() returns. */
#define TZ_CTL_OK 0
#define TZ_CTL_FAILED 1                 /* the daemon answered with an error */
#define TZ_CTL_UNREACHABLE 2            /* no daemon, or it went away */

struct tz_ctl {
	const char *path;               /* the control socket */
	bool json;                      /* --json: print results as JSON */
	int fd;                         /* -1 when not connected */
	GString *in;                    /* reply bytes read past the last line */
};

/* ctl_conn.c */
int tz_ctl_connect(struct tz_ctl *c, char **error);
void tz_ctl_close(struct tz_ctl *c);
/**
 * Send one request, wait for its reply.  Connects first when needed.
 * @return TZ_CTL_OK with *result set (a new reference), or TZ_CTL_FAILED /
 *         TZ_CTL_UNREACHABLE with *error set (g_free it)
 */
int tz_ctl_call(struct tz_ctl *c, const char *request, JsonNode **result, char **error);
/** {"cmd": argv[0], "args": [argv[1], ...]} */
char *tz_ctl_request_argv(int argc, char **argv);
/** {"line": line} */
char *tz_ctl_request_line(const char *line);
/** Run one request and print its result (stdout) or error (stderr). */
int tz_ctl_run(struct tz_ctl *c, const char *request, const char *where);

/* ctl_render.c */
/** Print a result as text: objects as "key: value", arrays of flat objects as tables. */
void tz_ctl_render(FILE *out, JsonNode *result);
/** A scalar's text: strings as they are, null (or a missing value) "-". */
char *tz_ctl_scalar_text(JsonNode *n);
/** Print a result as indented JSON. */
void tz_ctl_print_json(FILE *out, JsonNode *result);

/* ctl_table.c */
/** Print an array of flat objects as a table with a header row. */
void tz_ctl_render_table(FILE *out, JsonArray *rows, int indent);

/* ctl_complete.c */
/** Words that may come next after the line so far (@p before); free with unref. */
GPtrArray *tz_ctl_candidates(JsonArray *commands, const char *before);

/* ctl_edit.c */
int tz_ctl_interactive(struct tz_ctl *c);
int tz_ctl_script(struct tz_ctl *c, FILE *in);

#endif /* TZ_CTL_PVT_H */
