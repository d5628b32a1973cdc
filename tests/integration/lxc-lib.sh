# Shared by the lxc-*.sh integration tests (sourced, not run): on top of lib.sh, what lxc needs, a
# static test payload, and counts of what a container run could leave behind.

. "$(dirname "$0")/lib.sh"

lxc_require() {
	[ "$(id -u)" -eq 0 ] || skip "the lxc tests need root"
	[ -x "$VBENCH" ] && [ -x "$BUILD/vbench-agent" ] || skip "build vbench first (make)"
	"$VBENCH" list 2>/dev/null | grep -q '^  lxc *available' ||
		skip "lxc backend unavailable: $("$VBENCH" list 2>&1 | sed -n '/^  lxc/{n;p}')"
}

# A static program run as the container's init by `vbench exec`: it tries what a contained
# process must not be able to do and checks what it must see. Prints one line per check.
lxc_build_payload() { # dir -> sets PAYLOAD
	PAYLOAD=$1/lxc-payload
	cat >"$1/lxc-payload.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int failures;
static void check(const char *name, int ok, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", name, detail[0] ? ": " : "", detail);
	failures += !ok;
}

static int tcp_connect(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = rc < 0 ? errno : 0;
	close(fd);
	return e;
}

static void read_file(const char *path, char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* usage: check NCPUS MEMORY_BYTES HOST_IP [PEER_IP] | alloc MIB | sleep SECONDS */
int main(int argc, char **argv)
{
	char d[256];
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	/* What the harness does to run its peer server: enter the peer namespace (joining the user
	 * namespace that owns it first when we are not root there) and find the veth. */
	if (argc == 3 && strcmp(argv[1], "enter-peer") == 0) {
		int ns = open(argv[2], O_RDONLY);
		if (ns < 0 || (setns(ns, CLONE_NEWNET) < 0 &&
			       (errno != EPERM || setns(ioctl(ns, NS_GET_USERNS), CLONE_NEWUSER) < 0 ||
				setns(ns, CLONE_NEWNET) < 0))) {
			printf("enter-peer: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		unsigned idx = if_nametoindex("vb0");
		printf("enter-peer: vb0 %s\n", idx ? "present" : "missing");
		return idx ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "alloc") == 0) {
		size_t mib = strtoul(argv[2], NULL, 10);
		for (size_t i = 0; i < mib; i += 16) {
			char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				printf("alloc: ENOMEM after %zu MiB\n", i);
				return 3;
			}
			memset(p, 1, 16 << 20);
		}
		printf("alloc: %zu MiB allocated and touched\n", mib);
		return 0;
	}
	if (argc < 5 || strcmp(argv[1], "check") != 0)
		return 2;

	int procs = 0;
	DIR *dir = opendir("/proc");
	for (struct dirent *e; dir && (e = readdir(dir));)
		procs += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	if (dir)
		closedir(dir);
	snprintf(d, sizeof(d), "pid %d, %d processes visible", (int)getpid(), procs);
	check("own-pid-namespace", getpid() == 1 && procs == 1, d);

	errno = 0;
	int rc = mount("none", "/tmp", "tmpfs", 0, NULL);
	snprintf(d, sizeof(d), "mount: %s", rc == 0 ? "succeeded" : strerror(errno));
	check("cannot-mount", rc < 0 && (errno == EPERM || errno == EACCES), d);

	int fd = open("/proc/self/exe", O_RDONLY);
	rc = (int)syscall(SYS_finit_module, fd, "", 0);
	snprintf(d, sizeof(d), "finit_module: %s", rc == 0 ? "succeeded" : strerror(errno));
	check("cannot-load-module", rc < 0 && errno == EPERM, d);
	rc = (int)syscall(SYS_init_module, "\177ELF", 4, "");
	snprintf(d, sizeof(d), "init_module: %s", rc == 0 ? "succeeded" : strerror(errno));
	check("cannot-load-module-from-memory", rc < 0 && errno == EPERM, d);
	close(fd);

	fd = open("/dev/kvm", O_RDWR);
	snprintf(d, sizeof(d), "/dev/kvm: %s", fd >= 0 ? "opened" : strerror(errno));
	check("no-dev-kvm", fd < 0, d);
	rc = mknod("/tmp/kvm", S_IFCHR | 0600, makedev(10, 232));
	int mknod_errno = errno;
	fd = open("/tmp/kvm", O_RDWR);
	snprintf(d, sizeof(d), "mknod %s, open %s", rc == 0 ? "worked" : strerror(mknod_errno),
		 fd >= 0 ? "worked" : strerror(errno));
	check("cannot-open-kvm-via-mknod", fd < 0, d);

	int e = tcp_connect(argv[4], 22);
	snprintf(d, sizeof(d), "connect %s:22: %s", argv[4], e ? strerror(e) : "connected");
	check("no-route-to-host-network", e == ENETUNREACH, d);
	if (argc > 5) {
		e = tcp_connect(argv[5], 9);
		snprintf(d, sizeof(d), "connect %s:9: %s", argv[5], e ? strerror(e) : "connected");
		check("peer-reachable", e == ECONNREFUSED || e == 0, d);
	}

	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	snprintf(d, sizeof(d), "%d CPUs in the affinity mask, want %s", CPU_COUNT(&set), argv[2]);
	check("sees-cpu-set", CPU_COUNT(&set) == atoi(argv[2]), d);

	char limit[64] = "";
	read_file("/sys/fs/cgroup/memory.max", limit, sizeof(limit));
	if (!limit[0])
		read_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", limit, sizeof(limit));
	snprintf(d, sizeof(d), "limit %s, want %s", limit, argv[3]);
	check("sees-memory-limit", strcmp(limit, argv[3]) == 0, d);

	char host[64];
	gethostname(host, sizeof(host));
	/* the lxc backend's, or the oci backend's (oci-run.sh runs these checks there too) */
	check("own-hostname", strcmp(host, "vbench-lxc") == 0 || strcmp(host, "vbench-oci") == 0,
	      host);
	errno = 0;
	rc = sethostname("x", 1);
	snprintf(d, sizeof(d), "sethostname: %s", rc == 0 ? "succeeded" : strerror(errno));
	check("cannot-set-hostname", rc < 0, d);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	snprintf(d, sizeof(d), "%s", fd >= 0 ? "opened for writing" : strerror(errno));
	check("sysrq-trigger-not-writable", fd < 0, d);
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	snprintf(d, sizeof(d), "%s", fd >= 0 ? "opened for writing" : strerror(errno));
	check("proc-sys-read-only", fd < 0, d);
	struct stat st;
	rc = stat("/proc/keys", &st);
	snprintf(d, sizeof(d), "rdev %u:%u", major(st.st_rdev), minor(st.st_rdev));
	check("proc-keys-masked", rc < 0 || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)), d);
	fd = open("/vbench-agent", O_WRONLY);
	check("agent-read-only", fd < 0, fd >= 0 ? "opened for writing" : strerror(errno));
	return failures ? 1 : 0;
}
EOF
	cc -static -O1 -o "$PAYLOAD" "$1/lxc-payload.c" || skip "cannot build a static test payload"
}

# The host's own IPv4 address (no traffic: only the routing table is read).
lxc_host_ip() {
	ip -4 -o addr show scope global 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }'
}

# What a run could leave behind, as one line of counts. Processes are those of the sessions the
# test started vbench in (session_start, session_run): other work on the machine is not counted.
lxc_counts() {
	own_pidns=$(readlink /proc/self/ns/pid)
	contained=0
	for p in $(session_pids); do
		ns=$(readlink "/proc/$p/ns/pid" 2>/dev/null) || continue
		[ "$ns" = "$own_pidns" ] || contained=$((contained + 1))
	done
	agents=$(session_count -x vbench-agent)
	mounts=$(wc -l </proc/self/mountinfo)
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		cgroups=$(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l)
	else
		cgroups=0
		for c in /sys/fs/cgroup/*/; do
			n=$(find "$c" -mindepth 1 -type d 2>/dev/null | wc -l)
			cgroups=$((cgroups + n))
		done
	fi
	# namespaces of processes, bound at /run/netns, or held open by a file descriptor
	netns=$( (ls /run/netns 2>/dev/null; for p in /proc/[0-9]*; do readlink "$p/ns/net" 2>/dev/null; done
		find /proc/[0-9]*/fd -lname 'net:*' -printf '%l\n' 2>/dev/null) | sort -u | wc -l)
	veths=$(ip -o link show type veth 2>/dev/null | wc -l)
	tmpdirs=$(ls -d /tmp/vbench-lxc-* /tmp/vbench-run-*/vbench-lxc-* 2>/dev/null | wc -l)
	echo "contained-processes=$contained agents=$agents mounts=$mounts cgroups=$cgroups netns=$netns veths=$veths lxc-tmpdirs=$tmpdirs"
}

# Counts after a run must equal those before. Other work on the machine may be mid-flight in
# the same moment, so a difference is re-checked a few times; a count that went down was someone
# else's cleanup, so only a count that stays higher is a leak.
lxc_counts_leaked() { # before after -> prints the counts that grew
	for kv in $2; do
		k=${kv%%=*}
		a=${kv#*=}
		b=$(echo "$1" | tr ' ' '\n' | sed -n "s/^$k=//p")
		[ "$a" -gt "$b" ] && printf '%s: %s -> %s\n' "$k" "$b" "$a"
	done
}

lxc_assert_counts() { # before label [counting function, default lxc_counts]
	counts=${3:-lxc_counts}
	after=$($counts)
	tries=0
	while [ -n "$(lxc_counts_leaked "$1" "$after")" ] && [ $tries -lt 10 ]; do
		sleep 1
		after=$($counts)
		tries=$((tries + 1))
	done
	echo "$2: before: $1"
	echo "$2: after:  $after"
	leaked=$(lxc_counts_leaked "$1" "$after")
	[ -z "$leaked" ] || fail "$2 left something behind: $leaked"
}
