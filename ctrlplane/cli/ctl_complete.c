/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezectl: TAB completion of command words and arguments, from the
 * daemon's hidden "commands" listing (words, and per argument the
 * candidates the command's complete() gave).
 */
#include <stdlib.h>
#include <string.h>

#include "ctl_pvt.h"

static const char *const local_words[] = { "exit", "quit", NULL };

/* Does the command's word list start with typed[0..n)? */
static bool words_match(JsonArray *words, char **typed, guint n)
{
	for (guint i = 0; i < n && i < json_array_get_length(words); i++)
		if (strcmp(json_array_get_string_element(words, i), typed[i]) != 0)
			return false;
	return true;
}

static void add_unique(GPtrArray *out, const char *w)
{
	for (guint i = 0; i < out->len; i++)
		if (strcmp(out->pdata[i], w) == 0)
			return;
	g_ptr_array_add(out, g_strdup(w));
}

/* Candidates from argument idx's "complete" list, if the command has one. */
static void add_arg_candidates(GPtrArray *out, JsonObject *cmd, guint idx)
{
	JsonArray *comp, *cands;
	JsonNode *n;

	if (!json_object_has_member(cmd, "complete"))
		return;
	comp = json_object_get_array_member(cmd, "complete");
	if (comp == NULL || idx >= json_array_get_length(comp))
		return;
	n = json_array_get_element(comp, idx);
	if (!JSON_NODE_HOLDS_ARRAY(n))
		return;
	cands = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(cands); i++)
		add_unique(out, json_array_get_string_element(cands, i));
}

/* The next word after typed[0..n): a command word, or an argument. */
static void add_next(GPtrArray *out, JsonArray *commands, char **typed, guint n, bool args)
{
	for (guint i = 0; commands != NULL && i < json_array_get_length(commands); i++) {
		JsonObject *cmd = json_array_get_object_element(commands, i);
		JsonArray *words = json_object_get_array_member(cmd, "words");
		guint nw = words != NULL ? json_array_get_length(words) : 0;

		if (nw == 0 || !words_match(words, typed, n))
			continue;
		if (n < nw)
			add_unique(out, json_array_get_string_element(words, n));
		else if (args)
			add_arg_candidates(out, cmd, n - nw);
	}
}

GPtrArray *tz_ctl_candidates(JsonArray *commands, const char *before)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char **typed = g_strsplit_set(before, " \t", -1);
	guint n = 0;

	/* Keep the complete words: drop empties from repeated blanks. */
	for (guint i = 0; typed[i] != NULL; i++)
		if (typed[i][0] != '\0')
			typed[n++] = typed[i];
		else
			g_free(typed[i]);
	typed[n] = NULL;
	if (n == 0)
		for (guint i = 0; local_words[i] != NULL; i++)
			add_unique(out, local_words[i]);
	if (n > 0 && strcmp(typed[0], "help") == 0)
		add_next(out, commands, typed + 1, n - 1, false);
	else
		add_next(out, commands, typed, n, true);
	g_strfreev(typed);
	return out;
}
