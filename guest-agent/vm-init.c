/* The agent's duties as /init in a Linux VM: mounts, virtio modules, channel, disk, network, boot timer, power-off. */
#include "guest-agent/vm-init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/netif.h"

/* Must match backends/kvm/vm.h: the VMM's boot timer port and magic. */
#define VM_INIT_BOOT_TIMER_PORT	 0x440
#define VM_INIT_BOOT_TIMER_MAGIC 123
#define VM_INIT_PORT_NAME	 "vbench.agent"
#define VM_INIT_MODULE_DIR	 "/lib/modules"
#define VM_INIT_DEVICE_WAIT_MS	 30000

/* Dependency order: each module's symbols come from the ones before it. */
static const char *const vm_init_modules[] = {
	"virtio_ring", "virtio",       "virtio_mmio", "virtio_blk",
	"failover",    "net_failover", "virtio_net",  "virtio_console",
};

bool agent_vm_is_init(int argc, char **argv)
{
	return getpid() == 1 && argc >= 1 && argv[0] && strcmp(argv[0], "/init") == 0;
}

static void vm_init_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int vm_init_mount(const char *src, const char *dir, const char *type, struct vb_error *err)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, MS_NOSUID | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		return error_set_errno(err, "mount %s on %s", type, dir);
	return 0;
}

static int vm_init_load_modules(struct vb_error *err)
{
	for (size_t i = 0; i < sizeof(vm_init_modules) / sizeof(vm_init_modules[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), VM_INIT_MODULE_DIR "/%s.ko", vm_init_modules[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* built into this kernel, or not shipped: devices will tell */
			return error_set_errno(err, "open %s", path);
		}
		long rc = syscall(SYS_finit_module, fd, "", 0);
		int e = errno;
		close(fd);
		if (rc < 0 && e != EEXIST) {
			errno = e;
			return error_set_errno(err, "load module %s", vm_init_modules[i]);
		}
	}
	return 0;
}

/* The virtio-serial port named vbench.agent, as /dev/vportNpM. */
static int vm_init_find_port(char *dev, size_t len)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -1;
	struct dirent *e;
	int found = -1;
	while ((e = readdir(d)) && found < 0) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], name[64] = "";
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = 0;
			if (strcmp(name, VM_INIT_PORT_NAME) == 0) {
				snprintf(dev, len, "/dev/%s", e->d_name);
				found = 0;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static int vm_init_open_channel(struct agent_vm_env *env, struct vb_error *err)
{
	char dev[300];
	for (unsigned waited = 0; waited < VM_INIT_DEVICE_WAIT_MS; waited += 10) {
		if (vm_init_find_port(dev, sizeof(dev)) == 0) {
			int fd = open(dev, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				env->channel_rfd = env->channel_wfd = fd;
				return 0;
			}
		}
		vm_init_sleep_ms(10);
	}
	/* No fallback to a UART: a tty line discipline would mangle the protocol, and vbench's VMM
	 * always offers the virtio-console port. */
	return error_set(err, "no virtio-serial port named %s appeared within %d ms",
			 VM_INIT_PORT_NAME, VM_INIT_DEVICE_WAIT_MS);
}

/* The value of key=... on the kernel command line, or "" */
static void vm_init_cmdline_value(const char *key, char *out, size_t len)
{
	out[0] = 0;
	char buf[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	size_t klen = strlen(key);
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		if (strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
			snprintf(out, len, "%s", tok + klen + 1);
			return;
		}
}

static int vm_init_network(struct agent_vm_env *env, struct vb_error *err)
{
	char ip[64], peer[64];
	vm_init_cmdline_value("vbench.ip", ip, sizeof(ip));
	vm_init_cmdline_value("vbench.peer", peer, sizeof(peer));
	int rc = netif_up("lo", NULL, 0, err);
	if (rc == 0 && ip[0]) {
		unsigned prefix = 24;
		char *slash = strchr(ip, '/');
		if (slash) {
			*slash = 0;
			prefix = (unsigned)atoi(slash + 1);
			if (prefix > 32)
				prefix = 24;
		}
		struct stat st;
		for (unsigned waited = 0;
		     stat("/sys/class/net/eth0", &st) < 0 && waited < VM_INIT_DEVICE_WAIT_MS;
		     waited += 10)
			vm_init_sleep_ms(10);
		rc = netif_up("eth0", ip, prefix, err);
		if (rc == 0)
			snprintf(env->peer_addr, sizeof(env->peer_addr), "%s", peer);
	}
	return rc;
}

int agent_vm_init(struct agent_vm_env *env, struct vb_error *err)
{
	memset(env, 0, sizeof(*env));
	env->channel_rfd = env->channel_wfd = -1;
	if (vm_init_mount("proc", "/proc", "proc", err) < 0 ||
	    vm_init_mount("sysfs", "/sys", "sysfs", err) < 0)
		return -1;
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) < 0 && errno != EBUSY)
		return error_set_errno(err, "mount devtmpfs on /dev");
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID, NULL);
	if (vm_init_load_modules(err) < 0)
		return -1;
	if (vm_init_open_channel(env, err) < 0)
		return -1;
	struct stat st;
	if (stat("/dev/vda", &st) == 0 && S_ISBLK(st.st_mode))
		snprintf(env->disk_path, sizeof(env->disk_path), "/dev/vda");
	if (vm_init_network(env, err) < 0)
		return error_prefix(err, "network: ");
	return 0;
}

void agent_vm_mark_ready(void)
{
	if (ioperm(VM_INIT_BOOT_TIMER_PORT, 1, 1) == 0)
		outb(VM_INIT_BOOT_TIMER_MAGIC, VM_INIT_BOOT_TIMER_PORT);
}

void agent_vm_poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached when power-off failed; PID 1 must not exit (the kernel would panic). */
	for (;;)
		pause();
}
