/* What `run` and `compare` ask of the run engine: backends, workloads, sizes, where results go. */
#include "harness/run-options.h"

#include <fnmatch.h>
#include <string.h>

int options_default_repeat(enum suite s)
{
	static const int r[SUITE_COUNT] = { 5, 5, 10 };
	return r[s];
}

int options_default_warmup(enum suite s)
{
	static const int r[SUITE_COUNT] = { 1, 1, 2 };
	return r[s];
}

bool options_match_workload(const struct run_options *o, const struct workload *w)
{
	if (o->npatterns == 0)
		return !w->only_when_named;
	for (unsigned i = 0; i < o->npatterns; i++)
		if (fnmatch(o->patterns[i], w->id, 0) == 0 &&
		    (!w->only_when_named ||
		     strncmp(o->patterns[i], w->group, strlen(w->group)) == 0))
			return true;
	return false;
}
