/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezectl's interactive mode (libedit: prompt, history, completion) and
 * its script mode (commands read line by line from a pipe or file).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "ctl_pvt.h"

#define PROMPT "trapeze> "
#define HISTORY_FILE ".trapezectl_history"
#define HISTORY_MAX 1000

static JsonArray *commands;     /* the "commands" listing, for completion */
static GPtrArray *matches;      /* candidates for the word being completed */

static bool is_quit(const char *line)
{
	return strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0;
}

static char *next_match(const char *text, int state)
{
	static guint i;
	size_t len = strlen(text);

	if (state == 0)
		i = 0;
	while (matches != NULL && i < matches->len) {
		const char *m = matches->pdata[i++];

		if (strncmp(m, text, len) == 0)
			return strdup(m);       /* libedit free()s it */
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	char *before = g_strndup(rl_line_buffer, (gsize)start);

	rl_attempted_completion_over = 1;       /* never fall back to file names */
	if (matches != NULL)
		g_ptr_array_unref(matches);
	matches = tz_ctl_candidates(commands, before);
	g_free(before);
	return rl_completion_matches(text, next_match);
}

static void load_commands(struct tz_ctl *c)
{
	JsonNode *result = NULL;
	char *error = NULL;

	if (tz_ctl_call(c, "{\"cmd\":\"commands\"}", &result, &error) != TZ_CTL_OK) {
		g_free(error);
		return;                 /* no completion, commands still work */
	}
	if (JSON_NODE_HOLDS_ARRAY(result))
		commands = json_array_ref(json_node_get_array(result));
	json_node_unref(result);
}

int tz_ctl_interactive(struct tz_ctl *c)
{
	char *history = g_build_filename(g_get_home_dir(), HISTORY_FILE, NULL);
	char *error = NULL, *line;

	if (tz_ctl_connect(c, &error) != 0) {
		fprintf(stderr, "trapezectl: %s\n", error);
		g_free(error);
		g_free(history);
		return TZ_CTL_UNREACHABLE;
	}
	setlocale(LC_CTYPE, "");
	load_commands(c);
	rl_attempted_completion_function = complete;
	stifle_history(HISTORY_MAX);
	read_history(history);
	while ((line = readline(PROMPT)) != NULL) {
		char *cmd = g_strstrip(g_strdup(line));

		free(line);
		if (cmd[0] != '\0')
			add_history(cmd);
		if (is_quit(cmd)) {
			g_free(cmd);
			break;
		}
		if (cmd[0] != '\0' && cmd[0] != '#') {
			char *req = tz_ctl_request_line(cmd);

			tz_ctl_run(c, req, NULL);
			g_free(req);
		}
		g_free(cmd);
	}
	if (line == NULL)
		fputc('\n', stdout);    /* Ctrl-D: leave the shell's prompt on its own line */
	write_history(history);
	g_free(history);
	return TZ_CTL_OK;
}

int tz_ctl_script(struct tz_ctl *c, FILE *in)
{
	char *line = NULL, *where;
	size_t cap = 0;
	int status = TZ_CTL_OK;

	for (unsigned no = 1; getline(&line, &cap, in) >= 0; no++) {
		char *cmd = g_strstrip(line), *req;
		int rc;

		if (cmd[0] == '\0' || cmd[0] == '#')
			continue;
		if (is_quit(cmd))
			break;
		req = tz_ctl_request_line(cmd);
		where = g_strdup_printf("stdin:%u: ", no);
		rc = tz_ctl_run(c, req, where);
		g_free(where);
		g_free(req);
		if (rc == TZ_CTL_UNREACHABLE) {
			status = rc;
			break;
		}
		status = MAX(status, rc);
	}
	free(line);
	return status;
}
