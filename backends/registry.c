/* The backend registry: one line per backend. */
#include "backends/backend.h"

#include <string.h>

static const struct backend_ops *const backends[] = {
	&native_backend,
	&lxc_backend,
	&oci_backend,
	&kvm_backend,
	&qemu_backend,
	&ssh_backend,
	/* for tests: canned samples, it measures nothing */
	&null_backend,
};

const struct backend_ops *backend_at(size_t i)
{
	return i < sizeof(backends) / sizeof(backends[0]) ? backends[i] : NULL;
}

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; backend_at(i); i++)
		if (strcmp(backend_at(i)->name, name) == 0)
			return backend_at(i);
	return NULL;
}

const struct backend_ops *backend_parse(const char *spec, const char **argument)
{
	const char *colon = strchr(spec, ':');
	*argument = NULL;
	if (!colon) {
		const struct backend_ops *ops = backend_find(spec);
		return ops && (!ops->takes_argument || ops->argument_optional) ? ops : NULL;
	}
	for (size_t i = 0; backend_at(i); i++) {
		const struct backend_ops *ops = backend_at(i);
		if (ops->takes_argument && strlen(ops->name) == (size_t)(colon - spec) &&
		    strncmp(ops->name, spec, (size_t)(colon - spec)) == 0 && colon[1]) {
			*argument = colon + 1;
			return ops;
		}
	}
	return NULL;
}
