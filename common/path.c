/* Where this executable is, so that what is built beside it (the agent, the guest) is found. */
#include "common/path.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void path_self_dir(const char *fallback, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = '\0';
	else
		snprintf(self, sizeof(self), "%s", fallback ? fallback : "");
	char *slash = strrchr(self, '/');
	if (slash == self)
		snprintf(out, len, "/");
	else if (slash)
		snprintf(out, len, "%.*s", (int)(slash - self), self);
	else
		snprintf(out, len, ".");
}

void path_beside_self(const char *name, const char *fallback, char *out, size_t len)
{
	char dir[PATH_MAX];
	path_self_dir(fallback, dir, sizeof(dir));
	snprintf(out, len, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}
