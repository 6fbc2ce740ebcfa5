/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The error for a command line that names no command: the nearest command
 * ("did you mean"), else the words that may follow what was typed.
 */
#include <string.h>

#include <glib.h>

#include "cli_pvt.h"
#include "tz_nearest.h"

static char *join_n(char **argv, int n)
{
	GString *s = g_string_new(NULL);

	for (int i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", argv[i]);
	return g_string_free(s, FALSE);
}

/* The name of the registered command nearest to the first n words. */
static const char *nearest_n(char **argv, int n, int *dist)
{
	const struct tz_cli_entry *const *list;
	const char **cands;
	const char *best;
	char *typed;
	size_t count, k = 0;

	list = tz_cli_registry_list(&count);
	cands = g_new0(const char *, count + 1);
	for (size_t i = 0; i < count; i++)
		if (list[i]->nwords == n)
			cands[k++] = list[i]->cmd->words;
	typed = join_n(argv, n);
	best = tz_nearest(typed, cands, k);
	if (best != NULL)
		*dist = tz_edit_distance(typed, best);
	g_free(typed);
	g_free(cands);
	return best;
}

static bool starts_with_words(const struct tz_cli_entry *e, char **argv, int k)
{
	if (e->nwords <= k)
		return false;
	for (int i = 0; i < k; i++)
		if (strcmp(e->words[i], argv[i]) != 0)
			return false;
	return true;
}

/* Longest k such that argv[0..k) starts a longer command. */
static int known_prefix(int argc, char **argv)
{
	const struct tz_cli_entry *const *list;
	size_t count;
	int best = 0;

	list = tz_cli_registry_list(&count);
	for (int k = 1; k <= argc && k < TZ_CLI_WORDS_MAX; k++)
		for (size_t i = 0; i < count; i++)
			if (starts_with_words(list[i], argv, k))
				best = k;
	return best;
}

/* "ports, version": the distinct words that may follow argv[0..k). */
static char *next_words(char **argv, int k)
{
	const struct tz_cli_entry *const *list;
	GString *s = g_string_new(NULL);
	const char *last = NULL;
	size_t count;

	list = tz_cli_registry_list(&count);
	for (size_t i = 0; i < count; i++) {
		const char *w;

		if (list[i]->hidden || !starts_with_words(list[i], argv, k))
			continue;
		w = list[i]->words[k];
		if (last != NULL && strcmp(last, w) == 0)
			continue;       /* sorted, so duplicates are adjacent */
		g_string_append_printf(s, "%s%s", s->len ? ", " : "", w);
		last = w;
	}
	return g_string_free(s, FALSE);
}

static char *choices_error(int argc, char **argv)
{
	int k = known_prefix(argc, argv);
	char *typed, *next, *msg;

	if (k == 0) {
		typed = join_n(argv, 1);
		msg = g_strdup_printf("unknown command \"%s\"; try \"help\"", typed);
		g_free(typed);
		return msg;
	}
	next = next_words(argv, k);
	typed = join_n(argv, k);
	if (k == argc)
		msg = g_strdup_printf("incomplete command \"%s\"; next word is one of: %s",
				      typed, next);
	else
		msg = g_strdup_printf("unknown command \"%s %s\"; after \"%s\" comes one of: %s",
				      typed, argv[k], typed, next);
	g_free(typed);
	g_free(next);
	return msg;
}

char *tz_cli_registry_unknown(int argc, char **argv)
{
	const char *best = NULL;
	int best_n = 0, best_d = 0;
	char *typed, *msg;

	if (argc == 0)
		return g_strdup("empty command; try \"help\"");
	for (int n = 1; n <= argc && n <= TZ_CLI_WORDS_MAX; n++) {
		int d = 0;
		const char *c = nearest_n(argv, n, &d);

		/* On a tie the longer command is the more specific guess. */
		if (c != NULL && (best == NULL || d <= best_d)) {
			best = c;
			best_d = d;
			best_n = n;
		}
	}
	if (best == NULL || known_prefix(argc, argv) == argc)
		return choices_error(argc, argv);
	typed = join_n(argv, best_n);
	msg = g_strdup_printf("unknown command \"%s\"; did you mean \"%s\"?", typed, best);
	g_free(typed);
	return msg;
}
