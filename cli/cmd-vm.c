/* `vbench vm`: boot any bzImage on vbench's own VMM, console on stdout (a microVM launcher). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/kvm/vmm.h"
#include "common/protocol.h"
#include "common/size.h"
#include "cli/commands.h"
#include "cli/usage.h"

static volatile sig_atomic_t vm_interrupted;

static void vm_on_signal(int sig)
{
	(void)sig;
	vm_interrupted = 1;
}

static void vm_usage(FILE *f)
{
	fprintf(f,
		"usage: vbench vm [--kernel FILE] [--initrd FILE] [--cmdline STRING] [--cpus N]\n"
		"                 [--memory SIZE] [--disk FILE] [--net] [--modules DIR] [--timeout "
		"SECONDS]\n"
		"                 [--force] [--vm-mode linux|bare]\n\n"
		"Boot a Linux bzImage on vbench's own KVM VMM with its console (COM1) on stdout.\n"
		"Without --initrd, vbench builds an initramfs with its agent as /init and the "
		"virtio\n"
		"modules; the agent's hello is printed and the VM is then shut down. The VMM runs "
		"in a\n"
		"process of its own under a seccomp filter, as for `vbench run kvm`.\n\n"
		"  --kernel FILE      bzImage to boot (default: build/guest/vmlinuz from `make "
		"guest`)\n"
		"  --initrd FILE      initramfs to pass instead of the generated one\n"
		"  --cmdline STRING   kernel command line (default: console=ttyS0 panic=-1 pci=off "
		"rdinit=/init)\n"
		"  --cpus N           vCPUs (default 1)\n"
		"  --memory SIZE      guest RAM, e.g. 512M or 2G (default 512M)\n"
		"  --disk FILE        attach FILE as a virtio-blk disk (/dev/vda)\n"
		"  --net              attach virtio-net, a TAP in a private network namespace\n"
		"  --modules DIR      directory of the guest's virtio .ko files (default: "
		"build/guest)\n"
		"  --timeout SECONDS  stop the VM after this long (default: never)\n"
		"  --force            boot even where the probe says KVM is too slow here\n"
		"  --vm-mode MODE     linux (default), or bare: the agent in a bare guest,\n"
		"                     no kernel and no console (what `vbench run kvm` runs\n"
		"                     where KVM emulates ring 0); --kernel, --initrd,\n"
		"                     --cmdline, --modules, --disk and --net do not apply\n"
		"  -h, --help         this help\n\n"
		"Exit status: 0 when the guest powered off or rebooted, 2 on a usage or "
		"environment\n"
		"error, a kernel panic, a triple fault, a time-out or a VMM process that died, 130 "
		"when\n"
		"interrupted (Ctrl-C).\n");
}

/* Print what the agent says; after its hello, ask it to shut down. Returns false at end of stream. */
static bool vm_serve_channel(int fd, struct proto_reader *r, bool *said_bye)
{
	char *line;
	size_t line_len;
	struct vb_error err;
	int rc = proto_read_line(r, 1000, &line, &line_len, &err);
	if (rc <= 0)
		return rc == 0 ? false : true;
	struct proto_msg msg;
	if (proto_decode(line, line_len, &msg, &err) == 0 && msg.type == PROTO_HELLO) {
		printf("vbench vm: agent ready: kernel %s, %u CPUs, %llu MiB\n", msg.hello.kernel,
		       msg.hello.cpus, (unsigned long long)(msg.hello.memory_bytes >> 20));
		fflush(stdout);
		proto_msg_free(&msg);
		if (!*said_bye) {
			struct proto_msg bye;
			memset(&bye, 0, sizeof(bye));
			bye.type = PROTO_SHUTDOWN;
			size_t len;
			char *out = proto_encode(&bye, &len);
			if (out && proto_write_line(fd, out, len, 5000, &err) < 0)
				fprintf(stderr, "vbench vm: %s\n", err.message);
			free(out);
			*said_bye = true;
		}
	} else {
		printf("vbench vm: agent: %s\n", line);
		fflush(stdout);
	}
	return true;
}

/* The options a bare guest has no use for: it boots no kernel, has no console and no devices. */
static int vm_check_bare(const struct vmm_config *cfg)
{
	const char *given = cfg->kernel_path   ? "--kernel"
			    : cfg->initrd_path ? "--initrd"
			    : cfg->cmdline     ? "--cmdline"
			    : cfg->modules_dir ? "--modules"
			    : cfg->disk_path   ? "--disk"
			    : cfg->network     ? "--net"
					       : NULL;
	if (given)
		return usage_error(
			"vm", "%s does not apply to --vm-mode bare (no kernel, no devices)", given);
	return 0;
}

/* Run the VM until it ends, the time-out or Ctrl-C; the exit status and what it says. */
static int vm_watch(struct vmm *vm, long timeout_s, bool said_bye)
{
	struct proto_reader reader;
	int fd = vmm_channel_fd(vm);
	proto_reader_init(&reader, fd);
	bool channel_open = true;
	time_t deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	bool timed_out = false;
	while (!vm_interrupted && vmm_running(vm)) {
		if (deadline && time(NULL) >= deadline) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = channel_open ? fd : -1, .events = POLLIN };
		if (poll(&p, 1, 100) > 0 && (p.revents & (POLLIN | POLLHUP)))
			channel_open = vm_serve_channel(fd, &reader, &said_bye);
	}
	char why[2600];
	enum vmm_end end = vmm_end(vm, why, sizeof(why));
	if (end == VMM_END_PROCESS_DIED) {
		/* the VMM process died (or hung): whatever else happened, that is the news */
		fprintf(stderr, "vbench vm: %s\n", why);
		return vm_interrupted ? VB_EXIT_INTERRUPTED : VB_EXIT_ENVIRONMENT;
	}
	if (timed_out) {
		fprintf(stderr, "vbench vm: no power-off within %ld s; %s\n", timeout_s, why);
		return VB_EXIT_ENVIRONMENT;
	}
	if (vm_interrupted) {
		fprintf(stderr, "vbench vm: interrupted; VM stopped\n");
		return VB_EXIT_INTERRUPTED;
	}
	if (end != VMM_END_POWER_OFF && end != VMM_END_REBOOT) {
		fprintf(stderr, "vbench vm: %s\n", why);
		return VB_EXIT_ENVIRONMENT;
	}
	fprintf(stderr, "vbench vm: the guest %s\n",
		end == VMM_END_POWER_OFF ? "powered off" : "rebooted");
	return VB_EXIT_OK;
}

int cmd_vm(int argc, char **argv)
{
	enum { OPT_VM_MODE = 256 };
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "net", no_argument, NULL, 'N' },
		{ "modules", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "vm-mode", required_argument, NULL, OPT_VM_MODE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_config cfg = { .ncpus = 1, .memory_bytes = 512ull << 20 };
	long timeout_s = 0;
	int c;
	char *end;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'k': cfg.kernel_path = optarg; break;
		case 'i': cfg.initrd_path = optarg; break;
		case 'c': cfg.cmdline = optarg; break;
		case 'n':
			cfg.ncpus = (unsigned)atoi(optarg);
			if (cfg.ncpus < 1 || cfg.ncpus > vmm_max_vcpus())
				return usage_error("vm", "--cpus must be 1..%u", vmm_max_vcpus());
			break;
		case 'm':
			if (size_parse(optarg, &cfg.memory_bytes) < 0)
				return usage_error("vm", "--memory: cannot read size '%s'", optarg);
			break;
		case 'd': cfg.disk_path = optarg; break;
		case 'N': cfg.network = true; break;
		case 'M': cfg.modules_dir = optarg; break;
		case 't':
			errno = 0;
			timeout_s = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout_s < 0)
				return usage_error("vm",
						   "--timeout: \"%s\" is not a number of seconds",
						   optarg);
			break;
		case 'f': cfg.force = true; break;
		case OPT_VM_MODE:
			if (strcmp(optarg, "linux") == 0 || strcmp(optarg, "bare") == 0)
				cfg.bare = strcmp(optarg, "bare") == 0;
			else
				return usage_error("vm", "--vm-mode: \"%s\" is not linux or bare",
						   optarg);
			break;
		case 'h': vm_usage(stdout); return VB_EXIT_OK;
		default: return usage_bad_option("vm", argv);
		}
	}
	if (optind < argc)
		return usage_error("vm", "unexpected argument '%s'", argv[optind]);
	if (cfg.bare && vm_check_bare(&cfg) != 0)
		return VB_EXIT_USAGE;

	/* Ctrl-C while the VMM process starts waits for it to have started, then stops it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct vb_error err;
	error_clear(&err);
	struct vmm *vm;
	if (vmm_boot(&cfg, &vm, &err) < 0) {
		fprintf(stderr, "vbench vm: %s\n", err.message);
		return vm_interrupted ? VB_EXIT_INTERRUPTED : VB_EXIT_ENVIRONMENT;
	}
	int rc = vm_watch(vm, timeout_s, cfg.initrd_path != NULL);
	vmm_destroy(vm);
	return rc;
}
