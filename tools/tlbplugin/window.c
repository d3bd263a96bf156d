// SPDX-License-Identifier: MIT
/* Measurement windows and their report lines: see window.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tlbplugin/window.h"

static struct window **all;
static unsigned nall;

struct window *window_find_open(const char *guest)
{
	for (unsigned i = nall; i-- > 0;)
		if (all[i]->open && !strcmp(all[i]->guest, guest))
			return all[i];
	return NULL;
}

struct window *window_open(const char *guest, const char *paging, unsigned id)
{
	struct window *w = calloc(1, sizeof(*w));
	struct window **grown = realloc(all, (nall + 1) * sizeof(*all));

	if (!w || !grown)
		abort();
	all = grown;
	all[nall++] = w;
	snprintf(w->guest, sizeof(w->guest), "%s", guest);
	w->paging = paging;
	w->id = id;
	w->open = true;
	return w;
}

struct exit_count *window_exit(struct window *w, uint64_t code)
{
	unsigned i;

	for (i = 0; i < w->nexit; i++)
		if (w->exit[i].code == code)
			return &w->exit[i];
	if (i == MAX_EXITCODES)
		i--; /* the last slot collects the rest */
	else
		w->nexit++;
	w->exit[i].code = code;
	return &w->exit[i];
}

struct space *window_space(struct window *w, uint64_t root)
{
	for (unsigned i = 0; i < w->nspace; i++)
		if (w->space[i].root == root)
			return &w->space[i];
	if (w->nspace == MAX_SPACES)
		return NULL;
	w->space[w->nspace].root = root;
	return &w->space[w->nspace++];
}

static void print_counts(FILE *out, const char *name, const struct counts *c)
{
	fprintf(out,
		"\"%s\":{\"i_access\":%" PRIu64 ",\"i_miss\":%" PRIu64
		",\"d_access\":%" PRIu64 ",\"d_miss\":%" PRIu64
		",\"refs\":%" PRIu64 ",\"nested_refs\":%" PRIu64
		",\"miss_4k\":%" PRIu64 ",\"miss_2m\":%" PRIu64
		",\"miss_1g\":%" PRIu64 ",\"braid_levels\":[%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]}",
		name, c->access[0], c->miss[0], c->access[1], c->miss[1],
		c->refs[0] + c->refs[1], c->nested_refs[0] + c->nested_refs[1],
		c->miss_by_size[TLB_4K], c->miss_by_size[TLB_2M],
		c->miss_by_size[TLB_1G], c->miss_by_braid_levels[0],
		c->miss_by_braid_levels[1], c->miss_by_braid_levels[2],
		c->miss_by_braid_levels[3], c->miss_by_braid_levels[4]);
}

void window_close(struct window *w, FILE *out, const char *const *model_names,
		  unsigned nmodels, bool ended)
{
	w->open = false;
	fprintf(out,
		"tlbplugin {\"guest\":\"%s\",\"window\":%u,\"paging\":\"%s\","
		"\"ended\":%s,"
		"\"insns\":%" PRIu64 ",\"host_insns\":%" PRIu64
		",\"exits\":%" PRIu64 ",\"cr3_loads\":%" PRIu64
		",\"invlpgs\":%" PRIu64 ",\"flushes\":%" PRIu64
		",\"unwalkable\":%" PRIu64 ",\"root_scans\":%" PRIu64
		",\"exit\":{",
		w->guest, w->id, w->paging, ended ? "true" : "false", w->insns,
		w->host_insns, w->exits, w->cr3_loads, w->invlpgs, w->flushes,
		w->unwalkable, w->root_scans);
	for (unsigned i = 0; i < w->nexit; i++)
		fprintf(out,
			"%s\"%#" PRIx64 "\":{\"n\":%" PRIu64
			",\"insns\":%" PRIu64 "}",
			i ? "," : "", w->exit[i].code, w->exit[i].n,
			w->exit[i].host_insns);
	fprintf(out, "},\"cpu\":{");
	for (unsigned m = 0; m < nmodels; m++) {
		if (m)
			fputc(',', out);
		print_counts(out, model_names[m], &w->c[m]);
	}
	fprintf(out, "},\"spaces\":[");
	for (unsigned i = 0; i < w->nspace; i++) {
		fprintf(out, "%s{\"root\":\"%#" PRIx64 "\",\"miss\":[",
			i ? "," : "", w->space[i].root);
		for (unsigned m = 0; m < nmodels; m++)
			fprintf(out, "%s%" PRIu64, m ? "," : "",
				w->space[i].miss[m]);
		fprintf(out, "]}");
	}
	fprintf(out, "]}\n");
	fflush(out);
}

void window_close_all(FILE *out, const char *const *model_names,
		      unsigned nmodels)
{
	for (unsigned i = 0; i < nall; i++)
		if (all[i]->open)
			window_close(all[i], out, model_names, nmodels, false);
}
