/* `vbench exec BACKEND -- CMD...`: run a command in the same kind of environment the agent gets. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "backends/cpus.h"
#include "common/path.h"
#include "common/size.h"
#include "cli/options.h"
#include "cli/usage.h"

static void exec_usage(void)
{
	printf("usage: vbench exec lxc|oci [options] -- CMD [ARG...]\n"
	       "\n"
	       "Run CMD in the same kind of environment the agent runs in, with this terminal as\n"
	       "its stdin/stdout/stderr, so that you can look around. lxc: the same namespaces,\n"
	       "root filesystem, capabilities, seccomp filter and cgroup limits; oci: the same\n"
	       "OCI bundle, run by runc (or --oci-runtime), no terminal of its own. CMD is a\n"
	       "host program found on PATH and bound in at /bin/NAME; it must be static (the\n"
	       "container has no libraries), e.g. busybox: vbench exec lxc -- busybox sh\n"
	       "\n"
	       "Options:\n"
	       "  --cpus N            CPUs: N cores, one PU each (default: every core)\n"
	       "  --memory SIZE       memory limit, e.g. 512M, 2G (default 2G)\n"
	       "  --network           add the veth link to a peer namespace, as io.net runs get\n"
	       "  --disk FILE         bind FILE in at /scratch, as io.blk runs get\n"
	       "  --oci-runtime PATH  oci: the OCI runtime to run (default: runc on PATH)\n"
	       "  --help              this text\n"
	       "\n"
	       "Exit status: CMD's (128+N if it died of signal N); 2 usage or environment "
	       "error;\n"
	       "128+N when signal N (Ctrl-C: 130) made vbench end the container.\n");
}

/* The agent binary sits next to vbench (or $VBENCH_AGENT). */
static void exec_find_agent(char *out, size_t len)
{
	const char *env = getenv("VBENCH_AGENT");
	if (env && *env)
		snprintf(out, len, "%s", env);
	else
		path_beside_self("vbench-agent", NULL, out, len);
}

enum { OPT_CPUS = 256, OPT_MEMORY, OPT_NETWORK, OPT_DISK, OPT_OCI_RUNTIME, OPT_HELP };

static const struct option exec_longopts[] = {
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "network", no_argument, NULL, OPT_NETWORK },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "oci-runtime", required_argument, NULL, OPT_OCI_RUNTIME },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/*
 * Options up to the first non-option ("+": the backend name, or CMD after it). Returns 0 to go
 * on, 1 when --help was shown, -1 on a usage error (said).
 */
static int exec_parse_options(int argc, char **argv, struct backend_config *cfg, unsigned *cpus)
{
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", exec_longopts, NULL)) != -1) {
		char *end;
		unsigned long v;
		switch (c) {
		case OPT_CPUS:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > BACKEND_MAX_CPUS) {
				usage_error("exec", "--cpus: \"%s\" is not a CPU count", optarg);
				return -1;
			}
			*cpus = (unsigned)v;
			break;
		case OPT_MEMORY:
			if (size_parse(optarg, &cfg->memory_bytes) < 0 ||
			    cfg->memory_bytes < (16ULL << 20)) {
				usage_error("exec",
					    "--memory: \"%s\" is not a size of at least 16M",
					    optarg);
				return -1;
			}
			break;
		case OPT_NETWORK: cfg->network = true; break;
		case OPT_DISK: cfg->disk_path = optarg; break;
		case OPT_OCI_RUNTIME: cfg->oci_runtime = optarg; break;
		case 'h':
		case OPT_HELP: exec_usage(); return 1;
		default: usage_bad_option("exec", argv); return -1;
		}
	}
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	static struct backend_config cfg;
	unsigned cpus = 0;
	char agent[PATH_MAX];
	memset(&cfg, 0, sizeof(cfg));
	cfg.memory_bytes = BACKEND_DEFAULT_MEMORY_BYTES;

	int rc = exec_parse_options(argc, argv, &cfg, &cpus);
	if (rc)
		return rc > 0 ? VB_EXIT_OK : VB_EXIT_USAGE;
	if (optind >= argc)
		return usage_error("exec", "which backend? e.g. vbench exec lxc -- CMD...");
	const char *name = argv[optind];
	/* options may also follow the backend name: parse again with it as argv[0] */
	char **rest = argv + optind;
	int rest_argc = argc - optind;
	rc = exec_parse_options(rest_argc, rest, &cfg, &cpus);
	if (rc)
		return rc > 0 ? VB_EXIT_OK : VB_EXIT_USAGE;
	char **cmd = rest + optind;
	if (!cmd[0])
		return usage_error("exec", "no command, e.g. vbench exec %s -- CMD...", name);

	const struct backend_ops *ops = backend_find(name);
	if (!ops)
		return usage_error("exec", "unknown backend \"%s\" (vbench list names them)", name);
	if (!ops->exec) {
		fprintf(stderr, "vbench exec: the %s backend cannot run commands\n", name);
		return VB_EXIT_ENVIRONMENT;
	}
	struct vb_error err;
	error_clear(&err);
	if (cpus_pick(cpus, cfg.cpu_list, &cfg.ncpus, &err) < 0) {
		fprintf(stderr, "vbench exec: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	exec_find_agent(agent, sizeof(agent));
	cfg.agent_path = agent;
	/*
	 * The probe only explains a failure: run first, on a host where the backend works it would
	 * cost a start of its own (namespaces, a cgroup) before every command (issue 15).
	 */
	int status = 0;
	if (ops->exec(&cfg, cmd, &status, &err) < 0) {
		struct vb_error why;
		error_clear(&why);
		if (ops->probe && ops->probe(&cfg, &why) < 0)
			fprintf(stderr, "vbench exec: %s is not available here: %s\n", name,
				why.message);
		else
			fprintf(stderr, "vbench exec: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	return status;
}
