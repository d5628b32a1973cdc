/* The command line of `vbench run` and `vbench compare`, parsed and checked in one place. */
#include "cli/options.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "common/size.h"

enum {
	OPT_SUITE = 1000,
	OPT_WORKLOADS,
	OPT_REPEAT,
	OPT_WARMUP,
	OPT_CPUS,
	OPT_MEMORY,
	OPT_BASELINE,
	OPT_JSON,
	OPT_OUT,
	OPT_SEED,
	OPT_KERNEL,
	OPT_MODULES,
	OPT_OCI_RUNTIME,
	OPT_FORCE,
	OPT_QUIET,
	OPT_NO_REPORT,
	OPT_REPORT_DIR,
	OPT_DISK_SIZE,
	OPT_DISK,
	OPT_TIMEOUT,
	OPT_VM_MODE,
	OPT_GUEST_PAGES,
	OPT_NAME,
	OPT_SSH_OPTION,
	OPT_REMOTE_DIR,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "workloads", required_argument, NULL, OPT_WORKLOADS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "modules", required_argument, NULL, OPT_MODULES },
	{ "oci-runtime", required_argument, NULL, OPT_OCI_RUNTIME },
	{ "disk-size", required_argument, NULL, OPT_DISK_SIZE },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "vm-mode", required_argument, NULL, OPT_VM_MODE },
	{ "guest-pages", required_argument, NULL, OPT_GUEST_PAGES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "report-dir", required_argument, NULL, OPT_REPORT_DIR },
	{ "no-report", no_argument, NULL, OPT_NO_REPORT },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "ssh-option", required_argument, NULL, OPT_SSH_OPTION },
	{ "remote-dir", required_argument, NULL, OPT_REMOTE_DIR },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_uint(const char *s, long max, long *out)
{
	char *end;
	errno = 0;
	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Is alias fit to name a backend in tables and file names: letters, digits, '.', '_', '-'? */
static bool alias_valid(const char *alias, size_t len)
{
	if (len == 0 || len > 31)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)alias[i]) && !strchr("._-", alias[i]))
			return false;
	return true;
}

/* Add the backend spec (as named on the command line) under name, both checked. */
static int options_add_backend(struct run_options *o, const char *spec, const char *name,
			       struct vb_error *err)
{
	const char *argument;
	if (!backend_parse(spec, &argument)) {
		char names[160] = "";
		for (size_t k = 0; backend_at(k); k++) {
			strncat(names, k ? ", " : "", sizeof(names) - strlen(names) - 1);
			strncat(names, backend_at(k)->name, sizeof(names) - strlen(names) - 1);
			if (backend_at(k)->takes_argument)
				strncat(names,
					backend_at(k)->argument_optional ? "[:ARGUMENT]" : ":ARGUMENT",
					sizeof(names) - strlen(names) - 1);
		}
		return error_set(err, "unknown backend \"%s\" (known: %s)", spec, names);
	}
	const struct backend_ops *ops = backend_parse(spec, &argument);
	if (argument && ops->check_argument && ops->check_argument(argument, err) < 0)
		return error_prefix(err, "backend \"%s\": ", spec);
	for (unsigned k = 0; k < o->nbackends; k++) {
		if (strcmp(o->backends[k], spec) == 0)
			return error_set(err, "backend \"%s\" named twice", spec);
		if (strcmp(o->names[k], name) == 0)
			return error_set(err, "two backends are named \"%s\" (--name ALIAS=%s)",
					 name, spec);
	}
	if (strlen(name) > 31) /* results keep 31 characters of a name (results/README.md) */
		return error_set(err,
				 "backend \"%s\": a name of at most 31 characters is needed "
				 "(--name ALIAS=%s)",
				 name, spec);
	if (o->nbackends >= OPTIONS_MAX_BACKENDS)
		return error_set(err, "too many backends");
	o->backends[o->nbackends] = spec;
	o->names[o->nbackends++] = name;
	return 0;
}

int options_parse(struct run_options *o, int argc, char **argv, bool compare, struct vb_error *err)
{
	long v;
	const char *aliased[OPTIONS_MAX_BACKENDS]; /* --name: the backend each alias names */
	unsigned naliases = 0;
	memset(o, 0, sizeof(*o));
	o->suite = SUITE_QUICK;
	o->repeat = -1;
	o->warmup = -1;
	o->memory_bytes = BACKEND_DEFAULT_MEMORY_BYTES;
	o->out_dir = "results";
	o->seed = 1;
	o->disk_bytes = 64ULL << 20;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_SUITE:
			if (suite_parse(optarg, &o->suite) < 0)
				return error_set(
					err, "--suite: unknown suite \"%s\" (smoke, quick or full)",
					optarg);
			break;
		case OPT_WORKLOADS: {
			if (strlen(optarg) >= sizeof(o->workloads_arg))
				return error_set(err, "--workloads: the pattern list is too long");
			snprintf(o->workloads_arg, sizeof(o->workloads_arg), "%s", optarg);
			o->npatterns = 0;
			char *save, *tok;
			for (tok = strtok_r(o->workloads_arg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (o->npatterns >= OPTIONS_MAX_PATTERNS)
					return error_set(err, "--workloads: more than %d patterns",
							 OPTIONS_MAX_PATTERNS);
				o->patterns[o->npatterns++] = tok;
			}
			if (o->npatterns == 0)
				return error_set(err, "--workloads: empty pattern list");
			break;
		}
		case OPT_REPEAT:
			if (parse_uint(optarg, 100000, &v) < 0 || v < 1)
				return error_set(err,
						 "--repeat: \"%s\" is not a count of at least 1",
						 optarg);
			o->repeat = (int)v;
			break;
		case OPT_WARMUP:
			if (parse_uint(optarg, 100000, &v) < 0)
				return error_set(err, "--warmup: \"%s\" is not a count", optarg);
			o->warmup = (int)v;
			break;
		case OPT_CPUS:
			if (parse_uint(optarg, BACKEND_MAX_CPUS, &v) < 0 || v < 1)
				return error_set(
					err, "--cpus: \"%s\" is not a CPU count between 1 and %d",
					optarg, BACKEND_MAX_CPUS);
			o->cpus = (unsigned)v;
			break;
		case OPT_MEMORY:
			if (size_parse(optarg, &o->memory_bytes) < 0 ||
			    o->memory_bytes < (64ULL << 20))
				return error_set(err,
						 "--memory: \"%s\" is not a size of at least 64M "
						 "(e.g. 512M, 2G)",
						 optarg);
			break;
		case OPT_DISK_SIZE:
			if (size_parse(optarg, &o->disk_bytes) < 0 || o->disk_bytes < (1ULL << 20))
				return error_set(err,
						 "--disk-size: \"%s\" is not a size of at least 1M",
						 optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 86400, &v) < 0 || v < 1)
				return error_set(err,
						 "--timeout: \"%s\" is not a number of seconds",
						 optarg);
			o->timeout_s = (unsigned)v;
			break;
		case OPT_DISK: o->disk = optarg; break;
		case OPT_BASELINE: o->baseline = optarg; break;
		case OPT_JSON: o->json_path = optarg; break;
		case OPT_OUT: o->out_dir = optarg; break;
		case OPT_REPORT_DIR: o->report_dir = optarg; break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			unsigned long long s = strtoull(optarg, &end, 0);
			if (errno || *end || !optarg[0] || optarg[0] == '-')
				return error_set(err, "--seed: \"%s\" is not a number", optarg);
			o->seed = s;
			break;
		}
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_MODULES: o->modules = optarg; break;
		case OPT_OCI_RUNTIME: o->oci_runtime = optarg; break;
		case OPT_FORCE: o->force = true; break;
		case OPT_VM_MODE:
			if (!strcmp(optarg, "auto"))
				o->vm_mode = BACKEND_VM_AUTO;
			else if (!strcmp(optarg, "linux"))
				o->vm_mode = BACKEND_VM_LINUX;
			else if (!strcmp(optarg, "bare"))
				o->vm_mode = BACKEND_VM_BARE;
			else
				return error_set(err,
						 "--vm-mode: \"%s\" is not linux, bare or auto",
						 optarg);
			break;
		case OPT_GUEST_PAGES:
			if (!strcmp(optarg, "4k"))
				o->guest_page_bytes = 4ull << 10;
			else if (!strcmp(optarg, "2m"))
				o->guest_page_bytes = 2ull << 20;
			else if (!strcmp(optarg, "1g"))
				o->guest_page_bytes = 1ull << 30;
			else
				return error_set(err, "--guest-pages: \"%s\" is not 4k, 2m or 1g",
						 optarg);
			break;
		case OPT_NAME: {
			const char *eq = strchr(optarg, '=');
			if (!eq || !alias_valid(optarg, (size_t)(eq - optarg)) || !eq[1])
				return error_set(err,
						 "--name: \"%s\" is not ALIAS=BACKEND (an alias of "
						 "letters, digits, '.', '_' and '-')",
						 optarg);
			if (naliases >= OPTIONS_MAX_BACKENDS)
				return error_set(err, "--name: too many backends");
			snprintf(o->aliases[naliases], sizeof(o->aliases[naliases]), "%.*s",
				 (int)(eq - optarg), optarg);
			aliased[naliases++] = eq + 1;
			break;
		}
		case OPT_SSH_OPTION:
			if (o->nssh_options >= OPTIONS_MAX_SSH_OPTIONS)
				return error_set(err, "--ssh-option: more than %d",
						 OPTIONS_MAX_SSH_OPTIONS);
			o->ssh_options[o->nssh_options++] = optarg;
			break;
		case OPT_REMOTE_DIR:
			if (optarg[0] != '/')
				return error_set(err,
						 "--remote-dir: \"%s\" is not an absolute path",
						 optarg);
			o->remote_dir = optarg;
			break;
		case OPT_QUIET: o->quiet = true; break;
		case OPT_NO_REPORT: o->no_report = true; break;
		case 'h':
		case OPT_HELP: o->help = true; return 0;
		case ':': return error_set(err, "%s needs a value", argv[optind - 1]);
		default:
			if (optopt >= OPT_SUITE)
				return error_set(err, "%s needs a value", argv[optind - 1]);
			return error_set(err, "unknown option \"%s\"", argv[optind - 1]);
		}
	}
	/* a backend's name is its --name alias, else the spec as named; an aliased spec not named
	 * among the backends is added after them */
	for (int i = optind; i < argc; i++) {
		const char *name = argv[i];
		for (unsigned a = 0; a < naliases; a++)
			if (strcmp(aliased[a], argv[i]) == 0)
				name = o->aliases[a];
		if (options_add_backend(o, argv[i], name, err) < 0)
			return -1;
	}
	/* the default baseline is the last backend argument, not an alias added after it */
	unsigned given = o->nbackends;
	for (unsigned a = 0; a < naliases; a++) {
		bool named = false;
		for (unsigned k = 0; k < o->nbackends; k++)
			named |= o->names[k] == o->aliases[a];
		if (!named && options_add_backend(o, aliased[a], o->aliases[a], err) < 0)
			return -1;
	}
	if (o->nbackends == 0)
		return error_set(err, compare ? "name the backends to compare (e.g. kvm lxc native)"
					      : "name the backend to run (e.g. native)");
	if (!compare && o->nbackends > 1)
		return error_set(err, "run takes one backend; use compare for several");
	if (!o->baseline && compare)
		o->baseline = o->names[given ? given - 1 : o->nbackends - 1];
	if (o->baseline) {
		bool found = false;
		for (unsigned k = 0; k < o->nbackends; k++) {
			if (strcmp(o->backends[k], o->baseline) == 0)
				o->baseline = o->names[k]; /* named by its spec: the alias it has */
			found |= strcmp(o->names[k], o->baseline) == 0;
		}
		if (!found)
			return error_set(err, "--baseline: \"%s\" is not one of the backends named",
					 o->baseline);
	}
	if (o->npatterns) {
		for (unsigned p = 0; p < o->npatterns; p++) {
			bool any = false;
			const struct workload *w;
			for (size_t i = 0; (w = workload_at(i)); i++)
				any |= fnmatch(o->patterns[p], w->id, 0) == 0;
			if (!any)
				return error_set(
					err,
					"--workloads: \"%s\" matches no workload (see vbench list)",
					o->patterns[p]);
		}
	}
	if (o->repeat < 0)
		o->repeat = options_default_repeat(o->suite);
	if (o->warmup < 0)
		o->warmup = options_default_warmup(o->suite);
	return 0;
}

void options_usage(bool compare)
{
	if (compare)
		printf("usage: vbench compare BACKEND... [options]\n\n"
		       "Run the same workloads in every backend named (interleaved sample by "
		       "sample)\n"
		       "and print each backend's median and its ratio to the baseline.\n");
	else
		printf("usage: vbench run BACKEND [options]\n\n"
		       "Run the workloads in one backend and save the results.\n");
	printf("\nBackends: native, lxc, oci, kvm[:linux|bare], qemu, ssh:USER@HOST[:PORT] (see\n"
	       "vbench list for what runs here).\n\n"
	       "Options:\n"
	       "  --suite smoke|quick|full   workload sizes and sample counts (default quick)\n"
	       "  --workloads PATTERN[,...]  only workloads whose id matches a glob (e.g. "
	       "'mem.*')\n"
	       "  --repeat N                 samples per workload and backend (default: smoke 5,\n"
	       "                             quick 5, full 10)\n"
	       "  --warmup N                 discarded warm-up samples (default: 1, full 2)\n"
	       "  --cpus N                   CPUs every backend gets: N cores, one PU each\n"
	       "                             (default: every core)\n"
	       "  --memory SIZE              memory limit / VM RAM, e.g. 512M, 2G (default 2G)\n"
	       "  --disk-size SIZE           scratch disk image for io.blk workloads (default "
	       "64M)\n"
	       "  --disk FILE                use this file or device as the scratch disk instead\n"
	       "                             (its contents are overwritten; it is not removed)\n"
	       "  --seed N                   seed for workload inputs and bootstrap (default 1)\n"
	       "  --json FILE                also write the results document to FILE\n"
	       "  --out DIR                  where results are saved (default results/)\n");
	if (compare)
		printf("  --baseline BACKEND         ratios are to this backend (default: the last "
		       "backend argument)\n"
		       "  --report-dir DIR           where the report goes (default reports/)\n"
		       "  --no-report                do not write a report\n");
	printf("  --name ALIAS=BACKEND       call BACKEND ALIAS in tables and results (e.g.\n"
	       "                             --name web1=ssh:root@10.0.0.2)\n"
	       "  --ssh-option OPT           ssh: pass `-o OPT` to ssh (repeatable)\n"
	       "  --remote-dir DIR           ssh: where the remote temporary directory goes\n"
	       "                             (default /var/tmp)\n"
	       "  --kernel FILE              kvm: guest bzImage (default build/guest/vmlinuz)\n"
	       "  --modules DIR              kvm: directory of the guest's virtio modules\n"
	       "  --oci-runtime PATH         oci: the OCI runtime to run bundles with (default "
	       "runc)\n"
	       "  --vm-mode MODE             kvm: linux (boot the guest kernel), bare (no kernel:\n"
	       "                             the agent's cpu and mem workloads in ring 3), or "
	       "auto\n"
	       "                             (default: bare where KVM emulates ring 0, as PVM);\n"
	       "                             kvm:linux and kvm:bare name one backend each\n"
	       "  --guest-pages SIZE         kvm bare guest: 4k, 2m or 1g pages (default 2m)\n"
	       "  --timeout SECONDS          longest one sample may take (default 300, full 900)\n"
	       "  --force                    run backends whose probe says they are not useful "
	       "here\n"
	       "  --quiet                    no progress output\n"
	       "  --help                     this text\n\n"
	       "Exit status: 0 ok, 1 a workload failed, 2 usage or environment error,\n"
	       "130 interrupted (results measured so far are saved).\n");
}
