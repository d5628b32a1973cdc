/* lxc backend: a namespace container vbench builds itself from the kernel's own primitives. */
#include "backends/backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/child.h"
#include "backends/cpus.h"
#include "common/clock.h"
#include "backends/lxc/cgroup.h"
#include "backends/lxc/container.h"
#include "backends/lxc/confine.h"
#include "backends/lxc/veth.h"
#include "backends/lxc/rootfs.h"

#define LXC_HOSTNAME "vbench-lxc"
/* Cgroups and temp dirs are named "vbench-lxc-<pid>-..." so that stale ones can be recognised. */
#define LXC_NAME_PREFIX	     "vbench-lxc-"
#define LXC_STACK_SIZE	     (256 * 1024)
#define LXC_SETUP_TIMEOUT_MS 10000
#define LXC_NAMESPACES	     (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)

struct backend_instance {
	pid_t pid; /* the container's init as the host sees it; 0 once reaped */
	int wait_status;
	int channel_fd; /* our end of the agent's stdin/stdout socketpair */
	char dir[PATH_MAX - 64];
	char root[PATH_MAX];
	char stderr_path[PATH_MAX];
	struct cgroup_layout layout;
	struct cgroup cgroup;
	bool have_cgroup;
	struct veth_peer peer;
	bool has_disk;
	char details[256];
};

/* What the container's init needs between clone() and execve(). */
struct lxc_payload {
	char *const *argv;    /* argv[0] is the path inside the container */
	const char *host_bin; /* bound in at /bin/<name>, or NULL */
	int stdio[3];
};

struct lxc_child_args {
	const struct rootfs_spec *rootfs;
	const struct lxc_payload *payload;
	int sync_fd;  /* read: one byte once the host side is ready, EOF if it gave up */
	int error_fd; /* write, close-on-exec: an error message, or EOF when execve succeeded */
};

/* ---- the container side (runs in the new namespaces, before execve) ---- */

static void child_fail(int fd, const struct vb_error *err)
{
	size_t len = strnlen(err->message, sizeof(err->message));
	if (write(fd, err->message, len) < 0) {
		/* nothing left to tell anyone with */
	}
	_exit(127);
}

static int lxc_child(void *arg)
{
	const struct lxc_child_args *a = arg;
	const struct lxc_payload *p = a->payload;
	struct vb_error err = { 0 };
	char go;
	int error_fd, stdio[3];

	/* Above 2 first: a source among 0-2 would otherwise be overwritten by an earlier dup2. */
	for (int i = 0; i < 3; i++)
		if ((stdio[i] = fcntl(p->stdio[i], F_DUPFD_CLOEXEC, 3)) < 0)
			_exit(125);
	if ((error_fd = fcntl(a->error_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit(125);

	/* If vbench dies, so does the container (and with its init, everything in its namespaces). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(a->sync_fd, &go, 1) != 1)
		_exit(126);
	close(a->sync_fd);
	/* Start the payload with a clean signal state whatever the harness had set up. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	/* Only now, after the host moved us into our cgroup, so that it becomes our cgroup root. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		error_set_errno(&err, "unshare the cgroup namespace");
		child_fail(error_fd, &err);
	}
	if (sethostname(LXC_HOSTNAME, strlen(LXC_HOSTNAME)) < 0) {
		error_set_errno(&err, "sethostname");
		child_fail(error_fd, &err);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		error_set_errno(&err, "make / private");
		child_fail(error_fd, &err);
	}
	if (rootfs_enter(a->rootfs, &err) < 0)
		child_fail(error_fd, &err);
	for (int i = 0; i < 3; i++)
		if (dup2(stdio[i], i) < 0) {
			error_set_errno(&err, "dup2 fd %d", i);
			child_fail(error_fd, &err);
		}
	if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) < 0) {
		error_set_errno(&err, "close_range");
		child_fail(error_fd, &err);
	}
	if (confine_apply(&err) < 0)
		child_fail(error_fd, &err);
	/* container= as LXC and systemd-nspawn set it: how an init (the agent) knows it is in one */
	char *const envp[] = { "PATH=/bin", "HOME=/", "TERM=linux", "container=lxc", NULL };
	execve(p->argv[0], p->argv, envp);
	error_set_errno(&err, "execve %s", p->argv[0]);
	child_fail(error_fd, &err);
	return 127;
}

/* ---- the host side ---- */

static void reap(struct backend_instance *inst)
{
	if (inst->pid <= 0)
		return;
	/* The kernel reports init's death only after every process of its namespace is gone. */
	backend_child_end(inst->pid, &inst->wait_status, 0);
	inst->pid = 0;
}

/* Undo everything start did, in reverse; safe on a half-built instance. */
static void teardown(struct backend_instance *inst)
{
	reap(inst);
	if (inst->channel_fd >= 0)
		close(inst->channel_fd);
	inst->channel_fd = -1;
	veth_peer_destroy(&inst->peer);
	if (inst->have_cgroup) {
		struct vb_error ignored;
		cgroup_destroy(&inst->cgroup, &ignored);
		inst->have_cgroup = false;
	}
	/* The container's mounts died with its mount namespace; these are plain files and dirs. */
	if (inst->stderr_path[0])
		unlink(inst->stderr_path);
	if (inst->root[0])
		rmdir(inst->root);
	if (inst->dir[0])
		rmdir(inst->dir);
	inst->stderr_path[0] = inst->root[0] = inst->dir[0] = '\0';
}

/* The last lines the container wrote to stderr, to explain a failure. */
static void append_stderr_tail(struct backend_instance *inst, struct vb_error *err)
{
	int fd = open(inst->stderr_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !err)
		goto out;
	char tail[200];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0;
	ssize_t n = pread(fd, tail, sizeof(tail) - 1, from);
	if (n > 0) {
		tail[n] = '\0';
		for (char *c = tail; *c; c++)
			if (*c == '\n')
				*c = ' ';
		size_t len = strlen(err->message);
		snprintf(err->message + len, sizeof(err->message) - len, " (stderr: %s)", tail);
	}
out:
	if (fd >= 0)
		close(fd);
}

/* Wait for the child's verdict: EOF = execve succeeded, text = what failed. */
static int wait_for_exec(int error_fd, struct vb_error *err)
{
	char msg[ERROR_MESSAGE_MAX];
	size_t len = 0;
	int64_t deadline = clock_deadline_ms(LXC_SETUP_TIMEOUT_MS);
	for (;;) {
		int left = clock_ms_left(deadline);
		if (left == 0)
			return error_set(err, "container setup did not finish in %d ms",
					 LXC_SETUP_TIMEOUT_MS);
		struct pollfd pfd = { .fd = error_fd, .events = POLLIN };
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_set_errno(err, "poll");
		if (r == 0)
			continue;
		ssize_t n = read(error_fd, msg + len, sizeof(msg) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "read the container's setup status");
		if (n == 0 || len + (size_t)n >= sizeof(msg) - 1) {
			len += (size_t)(n > 0 ? n : 0);
			msg[len] = '\0';
			return len ? error_set(err, "container setup: %s", msg) : 0;
		}
		len += (size_t)n;
	}
}

/*
 * A vbench killed with SIGKILL cannot clean up (its containers die with it: PDEATHSIG). Its
 * files are removed here, file by known file, never recursively.
 */
static void prune_stale_run_dirs(const struct backend_config *cfg)
{
	const char *base = cfg->run_dir && cfg->run_dir[0] ? cfg->run_dir : "/tmp";
	DIR *d = opendir(base);
	if (!d)
		return;
	size_t pl = strlen(LXC_NAME_PREFIX);
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		if (strncmp(e->d_name, LXC_NAME_PREFIX, pl) != 0)
			continue;
		long pid = strtol(e->d_name + pl, &end, 10);
		if (end == e->d_name + pl || *end != '-' || !backend_process_gone((pid_t)pid))
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s/agent.stderr", base, e->d_name) < PATH_MAX)
			unlink(path);
		if (snprintf(path, sizeof(path), "%s/%s/root", base, e->d_name) < PATH_MAX)
			rmdir(path);
		if (snprintf(path, sizeof(path), "%s/%s", base, e->d_name) < PATH_MAX)
			rmdir(path);
	}
	closedir(d);
}

/*
 * Without root, the container gets a user namespace in which our own uid and gid are root (the
 * only mapping an unprivileged process may write). VBENCH_LXC_USERNS=1 picks this mode as root
 * too, so that it can be tested on any machine.
 */
static bool lxc_use_userns(void)
{
	const char *force = getenv("VBENCH_LXC_USERNS");
	return geteuid() != 0 || (force && strcmp(force, "1") == 0);
}

static int write_proc_file(pid_t pid, const char *file, const char *text, struct vb_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	if (n != (ssize_t)strlen(text)) {
		errno = n < 0 ? saved : EIO;
		return error_set_errno(err, "write '%s' to %s", text, path);
	}
	return 0;
}

static int write_id_maps(pid_t pid, struct vb_error *err)
{
	char map[64];
	/* An unprivileged writer of gid_map must first give up setgroups(). */
	if (write_proc_file(pid, "setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)geteuid());
	if (write_proc_file(pid, "uid_map", map, err) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getegid());
	return write_proc_file(pid, "gid_map", map, err);
}

static int make_run_dir(const struct backend_config *cfg, struct backend_instance *inst,
			struct vb_error *err)
{
	const char *base = cfg->run_dir && cfg->run_dir[0] ? cfg->run_dir : "/tmp";
	int n = snprintf(inst->dir, sizeof(inst->dir), "%s/" LXC_NAME_PREFIX "%d-XXXXXX", base,
			 (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(inst->dir))
		return error_set(err, "run directory %s: path too long", base);
	if (!mkdtemp(inst->dir)) {
		error_set_errno(err, "mkdtemp %s", inst->dir);
		inst->dir[0] = '\0';
		return -1;
	}
	snprintf(inst->root, sizeof(inst->root), "%s/root", inst->dir);
	if (mkdir(inst->root, 0755) < 0) {
		error_set_errno(err, "mkdir %s", inst->root);
		inst->root[0] = '\0';
		return -1;
	}
	snprintf(inst->stderr_path, sizeof(inst->stderr_path), "%s/agent.stderr", inst->dir);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Bring up one container running `payload`. With a NULL payload it runs the agent with a
 * socketpair as its stdin/stdout (the channel) and a file in the run directory as stderr.
 */
static int container_start(const struct backend_config *cfg, const struct lxc_payload *payload,
			   struct backend_instance **out, struct vb_error *err)
{
	static unsigned counter;
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "lxc: out of memory");
	inst->channel_fd = -1;
	inst->peer.fd = -1;
	int chan[2] = { -1, -1 }, sync_pipe[2] = { -1, -1 }, error_pipe[2] = { -1, -1 };
	int stderr_fd = -1;
	char *stack = NULL;

	if (!cfg->agent_path || access(cfg->agent_path, X_OK) < 0) {
		error_set_errno(err, "agent %s", cfg->agent_path ? cfg->agent_path : "(none)");
		goto fail;
	}
	bool userns = lxc_use_userns();
	if (make_run_dir(cfg, inst, err) < 0)
		goto fail;

	char cpus[BACKEND_MAX_CPUS * 4];
	cpus_format_list(cfg->cpu_list, cfg->ncpus, cpus, sizeof(cpus));
	char name[64];
	snprintf(name, sizeof(name), LXC_NAME_PREFIX "%d-%u", (int)getpid(), counter++);
	struct cgroup_limits limits = {
		.cpus = cpus[0] ? cpus : NULL,
		.ncpus = cfg->ncpus,
		.memory_bytes = cfg->memory_bytes,
	};
	if (cgroup_detect(&inst->layout, err) < 0)
		goto fail;
	cgroup_prune_stale(&inst->layout, LXC_NAME_PREFIX);
	prune_stale_run_dirs(cfg);
	if (cgroup_create(&inst->layout, name, &limits, &inst->cgroup, err) < 0)
		goto fail;
	inst->have_cgroup = true;
	/* Without root the peer namespace can only be made once the container's user ns exists. */
	if (cfg->network && !userns && veth_peer_create(&inst->peer, err) < 0)
		goto fail;

	struct lxc_payload agent = { 0 };
	char *agent_argv[] = { ROOTFS_AGENT_PATH, NULL };
	if (!payload) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) < 0) {
			error_set_errno(err, "socketpair");
			goto fail;
		}
		stderr_fd = open(inst->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (stderr_fd < 0) {
			error_set_errno(err, "create %s", inst->stderr_path);
			goto fail;
		}
		agent.argv = agent_argv;
		agent.stdio[0] = agent.stdio[1] = chan[1];
		agent.stdio[2] = stderr_fd;
		payload = &agent;
	}
	if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(error_pipe, O_CLOEXEC) < 0) {
		error_set_errno(err, "pipe");
		goto fail;
	}

	struct rootfs_spec spec = {
		.root = inst->root,
		.agent = cfg->agent_path,
		.payload = payload->host_bin,
		.disk = cfg->disk_path,
		.cgroups = &inst->layout,
		.cgroup = &inst->cgroup,
		.userns = userns,
	};
	inst->has_disk = cfg->disk_path != NULL;
	struct lxc_child_args args = {
		.rootfs = &spec,
		.payload = payload,
		.sync_fd = sync_pipe[0],
		.error_fd = error_pipe[1],
	};
	stack = malloc(LXC_STACK_SIZE);
	if (!stack) {
		error_set(err, "out of memory");
		goto fail;
	}
	pid_t pid = clone(lxc_child, stack + LXC_STACK_SIZE,
			  LXC_NAMESPACES | (userns ? CLONE_NEWUSER : 0) | SIGCHLD, &args);
	if (pid < 0) {
		error_set_errno(err, "clone with new namespaces");
		goto fail;
	}
	inst->pid = pid;
	close_fd(&sync_pipe[0]);
	close_fd(&error_pipe[1]);
	close_fd(&chan[1]);
	close_fd(&stderr_fd);

	if (userns && write_id_maps(pid, err) < 0)
		goto fail;
	if (cgroup_attach(&inst->cgroup, pid, err) < 0)
		goto fail;
	if (cfg->network && (userns ? veth_link_container_userns(&inst->peer, pid, err)
				    : veth_link_container(&inst->peer, pid, err)) < 0)
		goto fail;
	if (write(sync_pipe[1], "g", 1) != 1) {
		error_set_errno(err, "release the container");
		goto fail;
	}
	close_fd(&sync_pipe[1]);
	if (wait_for_exec(error_pipe[0], err) < 0) {
		append_stderr_tail(inst, err);
		goto fail;
	}
	close_fd(&error_pipe[0]);
	free(stack);
	inst->channel_fd = chan[0];
	snprintf(inst->details, sizeof(inst->details),
		 "pid %d, cgroup %s, cpus %.120s, memory %llu MiB%s%s", (int)pid,
		 cgroup_mode_name(inst->layout.mode), cpus[0] ? cpus : "all",
		 (unsigned long long)(cfg->memory_bytes >> 20),
		 cfg->network ? ", veth " VETH_CONTAINER_ADDR " <-> " : "",
		 cfg->network ? VETH_PEER_ADDR : "");
	*out = inst;
	return 0;

fail:
	error_prefix(err, "lxc: ");
	close_fd(&sync_pipe[0]);
	close_fd(&sync_pipe[1]);
	close_fd(&error_pipe[0]);
	close_fd(&error_pipe[1]);
	close_fd(&chan[1]);
	close_fd(&stderr_fd);
	inst->channel_fd = chan[0];
	free(stack);
	teardown(inst);
	free(inst);
	return -1;
}

/* ---- backend ops ---- */

static int probe_child(void *arg)
{
	(void)arg;
	_exit(0);
}

static int lxc_probe(const struct backend_config *cfg, struct vb_error *err)
{
	(void)cfg;
	bool userns = lxc_use_userns();
	/* A host that refuses namespaces (inside another container, say) fails here, cheaply. */
	char stack_mem[16384] __attribute__((aligned(16)));
	int flags = LXC_NAMESPACES | CLONE_NEWCGROUP | (userns ? CLONE_NEWUSER : 0);
	pid_t pid = clone(probe_child, stack_mem + sizeof(stack_mem), flags | SIGCHLD, NULL);
	if (pid < 0)
		return error_set_errno(err, userns ? "not root, and no unprivileged user namespaces"
						   : "cannot create namespaces");
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	struct cgroup_layout layout;
	if (cgroup_detect(&layout, err) < 0 || cgroup_check_usable(&layout, err) < 0)
		return userns ? error_prefix(err, "not root, and no delegated cgroup: ") : -1;
	return 0;
}

static int lxc_start(const struct backend_config *cfg, struct backend_instance **out,
		     struct vb_error *err)
{
	return container_start(cfg, NULL, out, err);
}

static void lxc_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->channel_fd;
}

/*
 * startup_ms is left to the harness (start request to hello, which it sees arrive).
 * host_overhead_bytes: what the container's cgroup is charged (the agent's pages plus the
 * kernel memory and page cache the container brought with it: its tmpfs root, /tmp and /dev,
 * its page tables, mounts made after it joined) minus the agent's anonymous resident memory.
 * Kernel objects vbench made before the container joined its cgroup (the namespaces, the veth)
 * are charged to vbench and are not counted: a lower bound.
 */
static void lxc_stats(struct backend_instance *inst, struct backend_stats *out)
{
	container_stats(out, "lxc", inst->have_cgroup ? &inst->cgroup : NULL, inst->pid,
			inst->details, &inst->peer, inst->has_disk ? ROOTFS_SCRATCH_PATH : NULL);
}

static bool lxc_alive(struct backend_instance *inst)
{
	return backend_child_alive(&inst->pid, &inst->wait_status);
}

static void lxc_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	teardown(inst);
	free(inst);
}

/* Ctrl-C (or SIGTERM, SIGHUP) during `vbench exec lxc`: the container's init, and with it all. */
static void exec_stop(void *ctx)
{
	struct backend_instance *inst = ctx;
	kill(inst->pid, SIGKILL);
}

/*
 * Run argv[0] (a host program, bound in at /bin/<name>; it must be static, as the container
 * has no libraries) as the container's init with our stdin/stdout/stderr. SIGINT, SIGTERM and
 * SIGHUP end the container: as a namespace's init it would otherwise ignore them.
 */
static int lxc_exec(const struct backend_config *cfg, char *const argv[], int *exit_status,
		    struct vb_error *err)
{
	if (!argv || !argv[0])
		return error_set(err, "lxc: no command");
	char host_bin[PATH_MAX], inside[PATH_MAX];
	if (backend_find_program(argv[0], host_bin, err) < 0)
		return error_prefix(err, "lxc: ");
	const char *base = strrchr(host_bin, '/') + 1;
	snprintf(inside, sizeof(inside), "%s/%s", ROOTFS_BIN_DIR, base);
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **cargv = calloc(argc + 1, sizeof(*cargv));
	if (!cargv)
		return error_set(err, "lxc: out of memory");
	cargv[0] = inside;
	for (size_t i = 1; i < argc; i++)
		cargv[i] = argv[i];
	struct lxc_payload payload = { .argv = cargv, .host_bin = host_bin, .stdio = { 0, 1, 2 } };

	sigset_t stop_signals, old;
	backend_block_stop_signals(&stop_signals, &old);
	struct backend_instance *inst;
	int rc = container_start(cfg, &payload, &inst, err);
	free(cargv);
	if (rc == 0) {
		int interrupted = backend_wait_foreground(&inst->pid, &inst->wait_status,
							  &stop_signals, exec_stop, inst);
		int st = inst->wait_status;
		if (interrupted)
			*exit_status = 128 + interrupted;
		else
			*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		lxc_stop(inst);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

const struct backend_ops lxc_backend = {
	.name = "lxc",
	.description = "namespace container built by vbench (pid, mount, net, ... + cgroups)",
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.probe = lxc_probe,
	.start = lxc_start,
	.channel = lxc_channel,
	.stats = lxc_stats,
	.alive = lxc_alive,
	.stop = lxc_stop,
	.exec = lxc_exec,
};
