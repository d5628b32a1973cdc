/* The suites a run is sized by (smoke, quick, full): named on the command line and in results. */
#include "common/suite.h"

#include <strings.h>

static const char *const suite_names[SUITE_COUNT] = { "smoke", "quick", "full" };

const char *suite_name(enum suite s)
{
	return (unsigned)s < SUITE_COUNT ? suite_names[s] : "?";
}

int suite_parse(const char *s, enum suite *out)
{
	for (int i = 0; i < SUITE_COUNT; i++) {
		if (strcasecmp(s, suite_names[i]) == 0) {
			*out = (enum suite)i;
			return 0;
		}
	}
	return -1;
}
