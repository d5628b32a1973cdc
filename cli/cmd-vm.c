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
		"                 [--force]\n\n"
		"Boot a Linux bzImage on vbench's own KVM VMM with its console (COM1) on stdout.\n"
		"Without --initrd, vbench builds an initramfs with its agent as /init and the "
		"virtio\n"
		"modules; the agent's hello is printed and the VM is then shut down.\n\n"
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
		"  -h, --help         this help\n\n"
		"Exit status: 0 when the guest powered off or rebooted, 2 on a usage or "
		"environment\n"
		"error, a kernel panic, a triple fault or a time-out, 130 when interrupted "
		"(Ctrl-C).\n");
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
	}
	return true;
}

int cmd_vm(int argc, char **argv)
{
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_config mc = { .ncpus = 1,
				 .memory_bytes = 512ull << 20,
				 .console_fd = STDOUT_FILENO };
	long timeout_s = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'k': mc.kernel_path = optarg; break;
		case 'i': mc.initrd_path = optarg; break;
		case 'c': mc.cmdline = optarg; break;
		case 'n':
			mc.ncpus = (unsigned)atoi(optarg);
			if (mc.ncpus < 1 || mc.ncpus > vmm_max_vcpus())
				return usage_error("vm", "--cpus must be 1..%u", vmm_max_vcpus());
			break;
		case 'm':
			if (size_parse(optarg, &mc.memory_bytes) < 0)
				return usage_error("vm", "--memory: cannot read size '%s'", optarg);
			break;
		case 'd': mc.disk_path = optarg; break;
		case 'N': mc.network = true; break;
		case 'M': mc.modules_dir = optarg; break;
		case 't': timeout_s = atol(optarg); break;
		case 'f': mc.force = true; break;
		case 'h': vm_usage(stdout); return VB_EXIT_OK;
		default: return usage_bad_option("vm", argv);
		}
	}
	if (optind < argc)
		return usage_error("vm", "unexpected argument '%s'", argv[optind]);
	struct vb_error err;
	struct vmm *m;
	if (vmm_boot(&mc, &m, &err) < 0) {
		fprintf(stderr, "vbench vm: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct proto_reader reader;
	int channel_fd = vmm_channel_fd(m);
	proto_reader_init(&reader, channel_fd);
	bool channel_open = true, said_bye = mc.initrd_path != NULL;
	time_t deadline = timeout_s > 0 ? time(NULL) + timeout_s : 0;
	bool timed_out = false;
	while (vmm_running(m) && !vm_interrupted) {
		if (deadline && time(NULL) >= deadline) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = channel_open ? channel_fd : -1, .events = POLLIN };
		if (poll(&p, 1, 100) > 0 && (p.revents & (POLLIN | POLLHUP)))
			channel_open = vm_serve_channel(channel_fd, &reader, &said_bye);
	}
	int rc = VB_EXIT_OK;
	char why[2600];
	const char *status;
	bool crashed = vmm_crashed(m, why, sizeof(why), &status);
	if (timed_out) {
		fprintf(stderr, "vbench vm: no power-off within %ld s; %s\n", timeout_s, why);
		rc = VB_EXIT_ENVIRONMENT;
	} else if (vm_interrupted) {
		fprintf(stderr, "vbench vm: interrupted; VM stopped\n");
		rc = VB_EXIT_INTERRUPTED;
	} else if (crashed) {
		fprintf(stderr, "vbench vm: %s\n", why);
		rc = VB_EXIT_ENVIRONMENT;
	} else {
		fprintf(stderr, "vbench vm: the guest %s\n", status);
	}
	vmm_destroy(m);
	return rc;
}
