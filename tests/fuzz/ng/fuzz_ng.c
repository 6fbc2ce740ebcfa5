/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the NG client's reply decoder (bench/compare/ng_bencode.c)
 * and its SDP reader (ng_sdp_pcmu_pt): any bytes are decoded; a decoded tree
 * must stay inside the input and its node array, and encoding it again must
 * give back exactly the bytes it came from (bencode is canonical and the
 * decoder keeps key order).  Refusing is fine; crashing, reading past the
 * input or a tree that does not round-trip is not.
 *
 * Real fuzzing: tools/fuzz.sh 60 ng.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ng.h"
#include "ng_bencode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ng_bnode nodes[1024];

/* Encode node @p i (and what it holds) into @p e. */
static void reencode(const struct ng_bdoc *doc, int i, struct ng_benc *e, unsigned depth)
{
	const struct ng_bnode *n = &doc->nodes[i];

	if (depth > NG_BENCODE_MAX_DEPTH)
		abort();	/* deeper than the decoder allows */
	switch (n->type) {
	case NG_B_STR:
		ng_benc_strn(e, n->str, n->len);
		return;
	case NG_B_INT:
		ng_benc_int(e, n->i);
		return;
	case NG_B_LIST:
	case NG_B_DICT:
		n->type == NG_B_LIST ? ng_benc_list(e) : ng_benc_dict(e);
		for (int c = n->child; c >= 0; c = doc->nodes[c].next) {
			if ((unsigned)c >= doc->n || c <= i)
				abort();	/* children come after their parent, inside the array */
			reencode(doc, c, e, depth + 1);
		}
		ng_benc_end(e);
		return;
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_bdoc doc = { .nodes = nodes, .cap = sizeof(nodes) / sizeof(nodes[0]) };
	const char *in = (const char *)data;
	size_t used = 0;
	char *copy, small[16];

	if (ng_bencode_parse(&doc, in, size, &used) == 0) {
		char *out = malloc(used + 1);
		struct ng_benc e;

		if (used > size || doc.n == 0 || doc.n > doc.cap || out == NULL)
			abort();
		for (unsigned i = 0; i < doc.n; i++) {
			const struct ng_bnode *n = &nodes[i];

			if (n->type == NG_B_STR &&
			    (n->str < in || n->len > used || n->str + n->len > in + used))
				abort();	/* a string outside the value */
			if (n->type == NG_B_STR)
				(void)ng_bstr_copy(&doc, (int)i, small, sizeof(small));
		}
		ng_benc_init(&e, out, used + 1);
		reencode(&doc, 0, &e, 0);
		if (ng_benc_finish(&e) != (long)used || memcmp(out, in, used) != 0)
			abort();	/* does not round-trip */
		free(out);
		(void)ng_bdict_get(&doc, 0, "result");
		(void)ng_bdict_get(&doc, ng_bdict_get(&doc, 0, "statistics"), "currentstatistics");
		(void)ng_bstr_eq(&doc, ng_bdict_get(&doc, 0, "sdp"), "v=0");
	}
	/* the same bytes as an SDP */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	(void)ng_sdp_pcmu_pt(copy);
	free(copy);
	return 0;
}
