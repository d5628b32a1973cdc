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

bool options_match_workload(const struct run_options *o, const char *id)
{
	/* self-tests misbehave on purpose: only a pattern that names them selects them */
	bool selftest = strncmp(id, "selftest.", 9) == 0;
	if (o->npatterns == 0)
		return !selftest;
	for (unsigned i = 0; i < o->npatterns; i++)
		if (fnmatch(o->patterns[i], id, 0) == 0 &&
		    (!selftest || strncmp(o->patterns[i], "selftest", 8) == 0))
			return true;
	return false;
}
