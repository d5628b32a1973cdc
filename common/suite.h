/* The suites a run is sized by (smoke, quick, full): named on the command line and in results. */
#ifndef VB_SUITE_H
#define VB_SUITE_H

enum suite { SUITE_SMOKE, SUITE_QUICK, SUITE_FULL, SUITE_COUNT };

/* "smoke", "quick", "full"; "?" for anything else. */
const char *suite_name(enum suite s);
/* A suite's name, in any case. Returns 0, or -1 for no suite. */
int suite_parse(const char *s, enum suite *out);

#endif
