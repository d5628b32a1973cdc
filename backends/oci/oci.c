/* oci backend: an OCI bundle vbench writes, run by runc (what Docker, containerd, Podman run). */
#include "backends/backend.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/child.h"
#include "backends/cpus.h"
#include "backends/lxc/cgroup.h"
#include "backends/lxc/container.h"
#include "backends/lxc/veth.h"
#include "backends/oci/bundle.h"
#include "common/clock.h"
#include "common/json.h"

/* Container ids, bundles and cgroups are "vbench-oci-<pid>-<n>": stale ones can be recognised. */
#define OCI_NAME_PREFIX	       "vbench-oci-"
#define OCI_DEFAULT_RUNTIME    "runc"
#define OCI_RUNC_STATE_DIR     "/run/runc" /* runc's default --root, where it keeps its state */
#define OCI_START_TIMEOUT_MS   20000
#define OCI_COMMAND_TIMEOUT_MS 10000

struct backend_instance {
	pid_t runtime_pid; /* `runtime run` in the foreground; 0 once reaped */
	int wait_status;
	int channel_fd; /* our end of the agent's stdin/stdout socketpair */
	int netns_fd;	/* the container's network namespace, made before it; -1 = none */
	char runtime[PATH_MAX];
	char id[64];
	char bundle[PATH_MAX - 64];
	char netns_path[64];
	struct cgroup_layout layout;
	struct cgroup cgroup; /* where the runtime creates its groups, to read and to sweep */
	struct veth_peer peer;
	bool has_disk;
	char details[256];
};

/* ---- the runtime as a program ---- */

static const char *runtime_name(const struct backend_config *cfg)
{
	return cfg && cfg->oci_runtime && cfg->oci_runtime[0] ? cfg->oci_runtime
							      : OCI_DEFAULT_RUNTIME;
}

/* Flatten newlines so that a runtime's message fits on one error line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

/*
 * Run `runtime argv...` to completion (at most OCI_COMMAND_TIMEOUT_MS), its stdout and stderr
 * into out (may be NULL). Returns its wait status, or -1 with err set when it could not run.
 */
static int runtime_command(const char *runtime, const char *const *args, char *out, size_t len,
			   struct vb_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set_errno(err, "pipe");
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return error_set_errno(err, "fork");
	}
	if (pid == 0) {
		backend_child_prepare(parent, NULL, 0, "oci");
		/* vbench exec blocks the signals it waits for: the runtime gets none blocked */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		char *argv[16] = { (char *)runtime };
		for (size_t i = 0; args[i] && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
			argv[i + 1] = (char *)args[i];
		execv(runtime, argv);
		fprintf(stderr, "exec %s: %s\n", runtime, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	size_t used = 0;
	char sink[256];
	int64_t deadline = clock_deadline_ms(OCI_COMMAND_TIMEOUT_MS);
	for (;;) {
		int left = clock_ms_left(deadline);
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int r = left ? poll(&pfd, 1, left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* timed out: killed below */
		char *into = out && used + 1 < len ? out + used : sink;
		size_t room = out && used + 1 < len ? len - 1 - used : sizeof(sink);
		ssize_t n = read(pipefd[0], into, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (into != sink)
			used += (size_t)n;
	}
	close(pipefd[0]);
	if (out && len) {
		out[used] = '\0';
		one_line(out);
	}
	int status;
	bool killed = backend_child_end(pid, &status, clock_ms_left(deadline) + 100);
	if (killed)
		return error_set(err, "%s %s: no answer in %d ms", runtime, args[0],
				 OCI_COMMAND_TIMEOUT_MS);
	return status;
}

/* "runc 1.1.5+ds1" from `runtime --version`, or -1 with the reason. */
static int runtime_version(const char *runtime, char *out, size_t len, struct vb_error *err)
{
	static const char *const args[] = { "--version", NULL };
	char text[512];
	int status = runtime_command(runtime, args, text, sizeof(text), err);
	if (status < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error_set(err, "%s --version failed (status %d): %.200s", runtime, status,
				 text);
	/* "runc version 1.1.5+ds1 commit: ..." and "crun version 1.8.1 commit: ..." */
	char name[64], version[64];
	if (sscanf(text, "%63s version %63s", name, version) != 2)
		return error_set(err, "%s --version: unexpected answer '%.120s'", runtime, text);
	snprintf(out, len, "%s %s", name, version);
	return 0;
}

/* `runtime delete --force id`: kills what is left and removes its cgroups and state. */
static void runtime_delete(const char *runtime, const char *id)
{
	const char *const args[] = { "delete", "--force", id, NULL };
	struct vb_error ignored;
	runtime_command(runtime, args, NULL, 0, &ignored);
}

/* ---- the host side ---- */

/* Remove the bundle of container id, from where `runtime state` says it is, if it is ours. */
static void remove_stale_bundle(const char *runtime, const char *id)
{
	const char *const args[] = { "state", id, NULL };
	char text[4096], bundle[PATH_MAX];
	struct vb_error ignored;
	struct json_doc doc;
	int status = runtime_command(runtime, args, text, sizeof(text), &ignored);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    json_parse(&doc, text, strlen(text), &ignored) < 0)
		return;
	if (json_member_string(&doc, 0, "bundle", bundle, sizeof(bundle)) == 0) {
		const char *base = strrchr(bundle, '/');
		if (base && strcmp(base + 1, id) == 0)
			oci_bundle_remove(bundle);
	}
	json_doc_free(&doc);
}

/*
 * The bundle of container id where every vbench puts it, in a run folder below $TMPDIR or /tmp:
 * for when the runtime could not say where (its state unreadable while the container was
 * being deleted: seen in oci-leaks (d) now and then).
 */
static void remove_stale_bundle_by_name(const char *id)
{
	const char *tmpdir = getenv("TMPDIR");
	const char *const bases[] = { tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp", "/tmp" };
	for (int i = 0; i < 2; i++) {
		if (i == 1 && strcmp(bases[0], bases[1]) == 0)
			break;
		char pattern[PATH_MAX];
		if (snprintf(pattern, sizeof(pattern), "%s/vbench-run-*/%s", bases[i], id) >=
		    (int)sizeof(pattern))
			continue;
		glob_t g;
		if (glob(pattern, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc; k++)
				oci_bundle_remove(g.gl_pathv[k]);
		globfree(&g);
	}
}

/*
 * A vbench killed with SIGKILL leaves its container running (runc dies, the container does not):
 * containers of vbench processes that are gone are deleted here, with their cgroups.
 */
static void prune_stale(const char *runtime, const struct cgroup_layout *layout)
{
	DIR *d = opendir(OCI_RUNC_STATE_DIR);
	size_t pl = strlen(OCI_NAME_PREFIX);
	bool deleted = false;
	for (struct dirent *e; d && (e = readdir(d));) {
		char *end;
		if (strncmp(e->d_name, OCI_NAME_PREFIX, pl) != 0)
			continue;
		long pid = strtol(e->d_name + pl, &end, 10);
		if (end == e->d_name + pl || *end != '-' || !backend_process_gone((pid_t)pid))
			continue;
		remove_stale_bundle(runtime, e->d_name);
		runtime_delete(runtime, e->d_name);
		remove_stale_bundle_by_name(e->d_name);
		deleted = true;
	}
	if (d)
		closedir(d);
	/* `delete --force` returns before the killed processes have left their cgroups, which cannot
	 * be removed until then: sweep again for up to a second after deleting a container */
	cgroup_prune_stale(layout, OCI_NAME_PREFIX);
	for (int i = 0; deleted && i < 10; i++) {
		usleep(100000);
		cgroup_prune_stale(layout, OCI_NAME_PREFIX);
	}
}

/*
 * The cgroupsPath for the runtime and where its groups will be. v1/hybrid: a relative path,
 * which runc puts under our own group in each hierarchy (where the lxc backend puts its own);
 * v2: at the hierarchy's root.
 */
static void cgroup_place(struct backend_instance *inst, char *cgroups_path, size_t len)
{
	inst->cgroup.layout = &inst->layout;
	if (inst->layout.mode == CGROUP_MODE_V2) {
		snprintf(cgroups_path, len, "/%s", inst->id);
		snprintf(inst->cgroup.path[0], sizeof(inst->cgroup.path[0]), "%.*s/%s",
			 PATH_MAX - 80, inst->layout.v2_parent, inst->id);
		return;
	}
	snprintf(cgroups_path, len, "%s", inst->id);
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++)
		if (inst->layout.v1_parent[c][0])
			snprintf(inst->cgroup.path[c], sizeof(inst->cgroup.path[c]), "%.*s/%s",
				 PATH_MAX - 80, inst->layout.v1_parent[c], inst->id);
}

/* Does the kernel account swap, so that the limit can include it (memsw / memory.swap.max)? */
static bool swap_accounted(const struct cgroup_layout *layout)
{
	char path[PATH_MAX + 32];
	if (layout->mode == CGROUP_MODE_V2)
		snprintf(path, sizeof(path), "%s/memory.swap.max",
			 layout->v2_self[0] ? layout->v2_self : layout->v2_parent);
	else
		snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes",
			 layout->v1_parent[CGROUP_MEMORY]);
	return access(path, F_OK) == 0;
}

static int netns_child_wait(int fd)
{
	char c;
	return (int)read(fd, &c, 1);
}

/*
 * The container's network namespace, made before the container so that its veth is in place when
 * the agent starts: a child unshares one, the veth is linked into it, and we keep it open; the
 * runtime joins it through /proc/<our pid>/fd/<n>.
 */
static int netns_create(struct backend_instance *inst, struct vb_error *err)
{
	int ready[2], release[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return error_set_errno(err, "pipe");
	if (pipe2(release, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return error_set_errno(err, "pipe");
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		backend_child_prepare(parent, NULL, 0, "oci");
		close(ready[0]);
		close(release[1]);
		if (unshare(CLONE_NEWNET) < 0 || write(ready[1], "n", 1) != 1)
			_exit(127);
		netns_child_wait(release[0]);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	int rc = -1;
	char c;
	if (pid < 0) {
		error_set_errno(err, "fork");
	} else if (read(ready[0], &c, 1) != 1) {
		error_set(err, "the network namespace helper failed");
	} else if (veth_link_container(&inst->peer, pid, err) == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		inst->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (inst->netns_fd < 0)
			error_set_errno(err, "open %s", path);
		else
			rc = 0;
	}
	close(ready[0]);
	close(release[1]);
	if (pid > 0) {
		int status;
		backend_child_end(pid, &status, 1000);
	}
	if (rc == 0)
		snprintf(inst->netns_path, sizeof(inst->netns_path), "/proc/%d/fd/%d",
			 (int)getpid(), inst->netns_fd);
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Undo everything start did, in reverse; safe on a half-built instance. */
static void teardown(struct backend_instance *inst)
{
	close_fd(&inst->channel_fd);
	if (inst->id[0])
		runtime_delete(inst->runtime, inst->id);
	if (inst->runtime_pid > 0) {
		backend_child_end(inst->runtime_pid, &inst->wait_status, 2000);
		inst->runtime_pid = 0;
	}
	close_fd(&inst->netns_fd);
	veth_peer_destroy(&inst->peer);
	if (inst->cgroup.layout) {
		struct vb_error ignored;
		cgroup_destroy(&inst->cgroup, &ignored);
		inst->cgroup.layout = NULL;
	}
	if (inst->bundle[0])
		oci_bundle_remove(inst->bundle);
	inst->bundle[0] = inst->id[0] = '\0';
}

static void bundle_file(const struct backend_instance *inst, const char *name, char *out,
			size_t len)
{
	snprintf(out, len, "%s/%s", inst->bundle, name);
}

/* The last of what the runtime (and the agent) wrote to stderr, to explain a failure. */
static void append_stderr_tail(const struct backend_instance *inst, struct vb_error *err)
{
	char path[PATH_MAX];
	bundle_file(inst, "runtime.stderr", path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char tail[300];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0;
	ssize_t n = pread(fd, tail, sizeof(tail) - 1, from);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	one_line(tail);
	size_t len = strlen(err->message);
	snprintf(err->message + len, sizeof(err->message) - len, ": %s", tail);
}

/* The agent's pid as the host sees it (the runtime's --pid-file), or 0 while it is not written. */
static pid_t agent_pid(const struct backend_instance *inst)
{
	char path[PATH_MAX], text[32];
	bundle_file(inst, "agent.pid", path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	long pid = strtol(text, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

/* Wait until the runtime has started the agent (its pid file appears) or has failed. */
static int wait_for_agent(struct backend_instance *inst, struct vb_error *err)
{
	int64_t deadline = clock_deadline_ms(OCI_START_TIMEOUT_MS);
	while (agent_pid(inst) == 0) {
		pid_t r = waitpid(inst->runtime_pid, &inst->wait_status, WNOHANG);
		if (r == inst->runtime_pid) {
			inst->runtime_pid = 0;
			int st = inst->wait_status;
			error_set(err, "%s run %s %d", inst->runtime,
				  WIFEXITED(st) ? "exited" : "killed by signal",
				  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			append_stderr_tail(inst, err);
			return -1;
		}
		if (clock_ms_left(deadline) == 0)
			return error_set(err, "%s run: the agent did not start in %d ms",
					 inst->runtime, OCI_START_TIMEOUT_MS);
		usleep(2000);
	}
	return 0;
}

/*
 * `runtime run --bundle DIR --pid-file FILE ID` with the socketpair as the agent's stdin/stdout,
 * or with agent_end -1 (vbench exec), with vbench's stdin, stdout and stderr.
 */
static int runtime_run(struct backend_instance *inst, int agent_end, struct vb_error *err)
{
	char stderr_path[PATH_MAX], pid_path[PATH_MAX];
	bundle_file(inst, "runtime.stderr", stderr_path, sizeof(stderr_path));
	bundle_file(inst, "agent.pid", pid_path, sizeof(pid_path));
	int stderr_fd = -1;
	if (agent_end >= 0) {
		stderr_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (stderr_fd < 0)
			return error_set_errno(err, "create %s", stderr_path);
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		backend_child_prepare(parent, NULL, 0, "oci");
		if (agent_end < 0) {
			/* A command's clean signal state, whatever vbench had set up; and the
			 * terminal's process group, so that the command may read the terminal. */
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			for (int sig = 1; sig < NSIG; sig++)
				if (sig != SIGKILL && sig != SIGSTOP)
					signal(sig, SIG_DFL);
		} else {
			/* Its own process group: a Ctrl-C on the terminal is the harness's, not
			 * runc's (which would pass it on to the agent). */
			setpgid(0, 0);
			if (dup2(agent_end, 0) < 0 || dup2(agent_end, 1) < 0 ||
			    dup2(stderr_fd, 2) < 0)
				_exit(127);
		}
		char *argv[] = { inst->runtime, "run",	  "--bundle", inst->bundle,
				 "--pid-file",	pid_path, inst->id,   NULL };
		execv(inst->runtime, argv);
		fprintf(stderr, "exec %s: %s\n", inst->runtime, strerror(errno));
		_exit(127);
	}
	int saved = errno;
	if (stderr_fd >= 0)
		close(stderr_fd);
	if (pid < 0) {
		errno = saved;
		return error_set_errno(err, "fork");
	}
	inst->runtime_pid = pid;
	return 0;
}

static int make_bundle_dir(const struct backend_config *cfg, struct backend_instance *inst,
			   struct vb_error *err)
{
	const char *base = cfg->run_dir && cfg->run_dir[0] ? cfg->run_dir : "/tmp";
	int n = snprintf(inst->bundle, sizeof(inst->bundle), "%s/%s", base, inst->id);
	if (n < 0 || (size_t)n >= sizeof(inst->bundle))
		return error_set(err, "bundle directory in %s: path too long", base);
	if (mkdir(inst->bundle, 0700) < 0) {
		error_set_errno(err, "mkdir %s", inst->bundle);
		inst->bundle[0] = '\0';
		return -1;
	}
	return 0;
}

/* vbench exec's command: run instead of the agent, with vbench's stdin, stdout and stderr. */
struct oci_payload {
	const char *const *args;  /* args[0]: OCI_BIN_DIR "/NAME" */
	const char *program_path; /* the host file bound in there */
};

/*
 * Bring up one container: with a NULL payload the agent, its stdin/stdout a socketpair, and once it
 * runs; with a payload, `runtime run` started (the caller waits for it).
 */
static int container_start(const struct backend_config *cfg, const struct oci_payload *payload,
			   struct backend_instance **out, struct vb_error *err)
{
	static unsigned counter;
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "oci: out of memory");
	inst->channel_fd = inst->netns_fd = inst->peer.fd = -1;
	int chan[2] = { -1, -1 };
	char version[128], cpus[BACKEND_MAX_CPUS * 4], cgroups_path[128];

	if (!cfg->agent_path || access(cfg->agent_path, X_OK) < 0) {
		error_set_errno(err, "agent %s", cfg->agent_path ? cfg->agent_path : "(none)");
		goto fail;
	}
	if (backend_find_program(runtime_name(cfg), inst->runtime, err) < 0 ||
	    runtime_version(inst->runtime, version, sizeof(version), err) < 0)
		goto fail;
	if (cgroup_detect(&inst->layout, err) < 0)
		goto fail;
	prune_stale(inst->runtime, &inst->layout);
	/* the id is set last: from here on teardown deletes the container and removes the bundle */
	char id[sizeof(inst->id)];
	snprintf(id, sizeof(id), OCI_NAME_PREFIX "%d-%u", (int)getpid(), counter++);
	memcpy(inst->id, id, sizeof(id));
	if (make_bundle_dir(cfg, inst, err) < 0)
		goto fail;
	cgroup_place(inst, cgroups_path, sizeof(cgroups_path));
	if (cfg->network && (veth_peer_create(&inst->peer, err) < 0 || netns_create(inst, err) < 0))
		goto fail;

	cpus_format_list(cfg->cpu_list, cfg->ncpus, cpus, sizeof(cpus));
	struct oci_bundle_spec spec = {
		.agent_path = cfg->agent_path,
		.cpus = cpus[0] ? cpus : NULL,
		.ncpus = cfg->ncpus,
		.memory_bytes = cfg->memory_bytes,
		.swap_off = swap_accounted(&inst->layout),
		.disk_path = cfg->disk_path,
		.netns_path = inst->netns_path[0] ? inst->netns_path : NULL,
		.cgroups_path = cgroups_path,
		.args = payload ? payload->args : NULL,
		.program_path = payload ? payload->program_path : NULL,
	};
	inst->has_disk = cfg->disk_path != NULL;
	if (oci_bundle_write(inst->bundle, &spec, err) < 0)
		goto fail;
	if (payload) {
		if (runtime_run(inst, -1, err) < 0)
			goto fail;
		*out = inst;
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) < 0) {
		error_set_errno(err, "socketpair");
		goto fail;
	}
	if (runtime_run(inst, chan[1], err) < 0)
		goto fail;
	close_fd(&chan[1]);
	if (wait_for_agent(inst, err) < 0)
		goto fail;
	inst->channel_fd = chan[0];
	snprintf(inst->details, sizeof(inst->details),
		 "%.60s, cgroup %s, cpus %.80s, memory %llu MiB%s%s", version,
		 cgroup_mode_name(inst->layout.mode), cpus[0] ? cpus : "all",
		 (unsigned long long)(cfg->memory_bytes >> 20),
		 cfg->network ? ", veth " VETH_CONTAINER_ADDR " <-> " : "",
		 cfg->network ? VETH_PEER_ADDR : "");
	*out = inst;
	return 0;

fail:
	close_fd(&chan[0]);
	close_fd(&chan[1]);
	teardown(inst);
	free(inst);
	return -1;
}

/* ---- backend ops ---- */

static int oci_start(const struct backend_config *cfg, struct backend_instance **out,
		     struct vb_error *err)
{
	return container_start(cfg, NULL, out, err);
}

static int oci_probe(const struct backend_config *cfg, struct vb_error *err)
{
	char runtime[PATH_MAX], version[128];
	if (backend_find_program(runtime_name(cfg), runtime, err) < 0 ||
	    runtime_version(runtime, version, sizeof(version), err) < 0)
		return -1;
	/* rootless runc needs a user namespace and delegated cgroups in the bundle: not written */
	if (geteuid() != 0)
		return error_set(err, "not root: vbench runs OCI bundles as root only");
	struct cgroup_layout layout;
	if (cgroup_detect(&layout, err) < 0)
		return -1;
	error_set(err, "%s, cgroup %s", version, cgroup_mode_name(layout.mode));
	return 0;
}

static void oci_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->channel_fd;
}

/*
 * host_overhead_bytes as for lxc: what the container's memory cgroup is charged (its tmpfs
 * mounts, page tables, the kernel memory of what runc made after the group existed) minus the
 * agent's anonymous resident memory. runc's own process is not counted: it only waits.
 */
static void oci_stats(struct backend_instance *inst, struct backend_stats *out)
{
	container_stats(out, "oci", &inst->cgroup, agent_pid(inst), inst->details, &inst->peer,
			inst->has_disk ? OCI_SCRATCH_PATH : NULL);
}

/* runc run waits for the agent: it ends when the agent does. */
static bool oci_alive(struct backend_instance *inst)
{
	return backend_child_alive(&inst->runtime_pid, &inst->wait_status);
}

static void oci_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	teardown(inst);
	free(inst);
}

/*
 * Can path run in a rootfs with no libraries and no interpreters? A dynamic ELF or a script
 * cannot: said here, since inside, the runtime's exec error would look like the command's exit 1.
 */
static int check_static_program(const char *path, struct vb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	Elf64_Ehdr eh;
	ssize_t n = pread(fd, &eh, sizeof(eh), 0);
	int rc = 0;
	if (n >= 2 && memcmp(&eh, "#!", 2) == 0)
		rc = error_set(
			err,
			"%s is a script: its interpreter is not in the container (use a static "
			"program, e.g. busybox)",
			path);
	else if (n == (ssize_t)sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
		 eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr))
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP) {
				rc = error_set(err,
					       "%s is dynamically linked: the container has no "
					       "libraries (use a static program, e.g. busybox)",
					       path);
				break;
			}
		}
	close(fd);
	return rc;
}

/* Ctrl-C: once the runtime has made the container (or has given up), kill it. */
static void kill_container(struct backend_instance *inst)
{
	int64_t deadline = clock_deadline_ms(OCI_START_TIMEOUT_MS);
	while (agent_pid(inst) == 0 && clock_ms_left(deadline) > 0) {
		if (waitpid(inst->runtime_pid, &inst->wait_status, WNOHANG) == inst->runtime_pid) {
			inst->runtime_pid = 0;
			return;
		}
		usleep(2000);
	}
	runtime_delete(inst->runtime, inst->id);
}

/* Ctrl-C (or SIGTERM, SIGHUP) during `vbench exec oci`: the command and its container end. */
static void exec_stop(void *inst)
{
	kill_container(inst);
}

/*
 * Run argv[0] (a host program, bound in at /bin/<name>; it must be static, as the rootfs has no
 * libraries) in the bundle the agent gets, with our stdin/stdout/stderr; its exit status is what
 * `runtime run` exits with. SIGINT, SIGTERM and SIGHUP end the container.
 */
static int oci_exec(const struct backend_config *cfg, char *const argv[], int *exit_status,
		    struct vb_error *err)
{
	if (!argv || !argv[0])
		return error_set(err, "oci: no command");
	char host_bin[PATH_MAX], inside[PATH_MAX];
	if (backend_find_program(argv[0], host_bin, err) < 0 ||
	    check_static_program(host_bin, err) < 0)
		return error_prefix(err, "oci: ");
	snprintf(inside, sizeof(inside), "%s/%s", OCI_BIN_DIR, strrchr(host_bin, '/') + 1);
	size_t argc = 0;
	while (argv[argc])
		argc++;
	const char **args = calloc(argc + 1, sizeof(*args));
	if (!args)
		return error_set(err, "oci: out of memory");
	args[0] = inside;
	for (size_t i = 1; i < argc; i++)
		args[i] = argv[i];
	struct oci_payload payload = { .args = args, .program_path = host_bin };

	sigset_t stop_signals, old;
	backend_block_stop_signals(&stop_signals, &old);
	struct backend_instance *inst;
	int rc = container_start(cfg, &payload, &inst, err);
	free(args);
	if (rc == 0) {
		int interrupted = backend_wait_foreground(&inst->runtime_pid, &inst->wait_status,
							  &stop_signals, exec_stop, inst);
		/* The pid file is written once the command runs: without it, the runtime failed
		 * (and said why on stderr, which is ours). */
		bool started = agent_pid(inst) > 0;
		int st = inst->wait_status;
		if (interrupted)
			*exit_status = 128 + interrupted;
		else if (!started)
			rc = error_set(err, "oci: %s run %s %d before the command ran",
				       inst->runtime,
				       WIFEXITED(st) ? "exited" : "was killed by signal",
				       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		else
			*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		oci_stop(inst);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

const struct backend_ops oci_backend = {
	.name = "oci",
	.description = "OCI bundle written by vbench, run by runc (or --oci-runtime)",
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.probe = oci_probe,
	.start = oci_start,
	.channel = oci_channel,
	.stats = oci_stats,
	.alive = oci_alive,
	.stop = oci_stop,
	.exec = oci_exec,
};
