/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command registry: tables registered by modules, split into words once,
 * kept sorted so "help" and completion list them in a stable order.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "cli_pvt.h"
#include "tz_nearest.h"

static GPtrArray *entries;      /* of struct tz_cli_entry *, sorted by words */

static void entry_free(gpointer p)
{
	struct tz_cli_entry *e = p;

	for (int i = 0; i < e->nwords; i++)
		g_free(e->words[i]);
	g_free(e);
}

static int entry_cmp(gconstpointer a, gconstpointer b)
{
	const struct tz_cli_entry *x = *(struct tz_cli_entry *const *)a;
	const struct tz_cli_entry *y = *(struct tz_cli_entry *const *)b;

	return strcmp(x->cmd->words, y->cmd->words);
}

/* Split "show  ports" into words; -EINVAL when empty or too many. */
static int split_words(const char *s, char **words)
{
	char **v = g_strsplit_set(s, " \t", -1);
	int n = 0, rc = 0;

	for (int i = 0; v[i] != NULL; i++) {
		if (v[i][0] == '\0')
			continue;
		if (n == TZ_CLI_WORDS_MAX) {
			rc = -EINVAL;
			break;
		}
		words[n++] = g_strdup(v[i]);
	}
	g_strfreev(v);
	if (rc == 0 && n == 0)
		rc = -EINVAL;
	if (rc != 0) {
		for (int i = 0; i < n; i++)
			g_free(words[i]);
		return rc;
	}
	return n;
}

static bool same_words(const struct tz_cli_entry *e, char **words, int n)
{
	if (e->nwords != n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(e->words[i], words[i]) != 0)
			return false;
	return true;
}

static const struct tz_cli_entry *find_exact(char **words, int n)
{
	for (guint i = 0; entries != NULL && i < entries->len; i++)
		if (same_words(entries->pdata[i], words, n))
			return entries->pdata[i];
	return NULL;
}

static bool cmd_valid(const struct tz_cli_cmd *c)
{
	return c->words != NULL && c->fn != NULL && c->min_args >= 0 &&
	       (c->max_args == -1 || c->max_args >= c->min_args);
}

int tz_cli_registry_add(const struct tz_cli_cmd *cmd, bool hidden, bool builtin)
{
	struct tz_cli_entry *e;
	int n;

	if (!cmd_valid(cmd))
		return -EINVAL;
	e = g_new0(struct tz_cli_entry, 1);
	n = split_words(cmd->words, e->words);
	if (n < 0)
		goto err_words;
	e->nwords = n;
	if (find_exact(e->words, n) != NULL)
		goto err_exists;
	e->cmd = cmd;
	e->hidden = hidden;
	e->builtin = builtin;
	if (entries == NULL)
		entries = g_ptr_array_new_with_free_func(entry_free);
	g_ptr_array_add(entries, e);
	g_ptr_array_sort(entries, entry_cmp);
	return 0;

err_exists:
	entry_free(e);
	return -EEXIST;
err_words:
	g_free(e);
	return -EINVAL;
}

static int ensure_builtins(void)
{
	static bool done;
	int rc;

	if (done)
		return 0;
	done = true;
	rc = tz_cli_builtins_register();
	if (rc != 0)
		done = false;
	return rc;
}

int tz_cli_register(const struct tz_cli_cmd *cmds, size_t n)
{
	size_t i;
	int rc;

	rc = ensure_builtins();
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = tz_cli_registry_add(&cmds[i], false, false);
		if (rc != 0)
			goto err_add;
	}
	return 0;

err_add:
	/* All or nothing: take back this table's earlier commands. */
	while (i-- > 0)
		for (guint j = 0; j < entries->len; j++)
			if (((struct tz_cli_entry *)entries->pdata[j])->cmd == &cmds[i]) {
				g_ptr_array_remove_index(entries, j);
				break;
			}
	return rc;
}

void tz_cli_unregister_all(void)
{
	for (guint i = entries != NULL ? entries->len : 0; i-- > 0;)
		if (!((struct tz_cli_entry *)entries->pdata[i])->builtin)
			g_ptr_array_remove_index(entries, i);
}

const struct tz_cli_entry *tz_cli_registry_match(int argc, char **argv)
{
	const struct tz_cli_entry *best = NULL;

	if (ensure_builtins() != 0)
		return NULL;
	for (guint i = 0; i < entries->len; i++) {
		const struct tz_cli_entry *e = entries->pdata[i];
		int k;

		if (e->nwords > argc || (best != NULL && e->nwords <= best->nwords))
			continue;
		for (k = 0; k < e->nwords; k++)
			if (strcmp(e->words[k], argv[k]) != 0)
				break;
		if (k == e->nwords)
			best = e;
	}
	return best;
}

const struct tz_cli_entry *const *tz_cli_registry_list(size_t *n)
{
	if (ensure_builtins() != 0 || entries == NULL) {
		*n = 0;
		return NULL;
	}
	*n = entries->len;
	return (const struct tz_cli_entry *const *)entries->pdata;
}

char *tz_cli_usage(const struct tz_cli_entry *e)
{
	const char *args = e->cmd->args;
	char *name = g_strjoinv(" ", (char **)e->words);
	char *usage;

	if (args == NULL || args[0] == '\0')
		return name;
	usage = g_strdup_printf("%s %s", name, args);
	g_free(name);
	return usage;
}
