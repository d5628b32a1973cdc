/* ssh backend: the static agent copied to a remote host's temporary directory and run there. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/child.h"

#define SSH_ARGV_MAX	       64
#define SSH_DEFAULT_REMOTE_DIR "/var/tmp"
/* How long ssh may take to end after the agent's stdin closed: the remote side removes its
 * directory first. */
#define SSH_END_GRACE_MS 5000

struct backend_instance {
	const struct backend_config *cfg;
	char destination[256]; /* USER@HOST */
	char port[8];	       /* "" = ssh's own choice (its config, else 22) */
	char remote_dir[256];  /* the remote temporary directory; "" = none made */
	char disk[128];	       /* the scratch file in it; "" = none */
	char pinning[96];      /* how the agent was pinned, for details */
	pid_t pid;	       /* the ssh running the agent */
	int to_agent, from_agent;
	bool exited;
	int status;
};

/* USER@HOST[:PORT] into destination and port; the port is digits after the last ':'. */
static int ssh_parse_destination(const char *arg, struct backend_instance *inst,
				 struct vb_error *err)
{
	const char *colon = strrchr(arg, ':');
	size_t host_len = colon ? (size_t)(colon - arg) : strlen(arg);
	if (colon) {
		size_t digits = strspn(colon + 1, "0123456789");
		if (!digits || colon[1 + digits] || digits >= sizeof(inst->port) ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
			return error_set(err, "ssh: \"%s\" is not USER@HOST[:PORT]", arg);
		snprintf(inst->port, sizeof(inst->port), "%s", colon + 1);
	}
	/* no option and nothing the remote shell would read: ssh takes the destination as is */
	if (!host_len || host_len >= sizeof(inst->destination) || arg[0] == '-' ||
	    strcspn(arg, " '\"\\;&|$`\n") < host_len)
		return error_set(err, "ssh: \"%s\" is not USER@HOST[:PORT]", arg);
	snprintf(inst->destination, sizeof(inst->destination), "%.*s", (int)host_len, arg);
	return 0;
}

/* ssh's command line: the user's options first (ssh keeps the first value of an option), then
 * vbench's: no prompts, a bounded connect, a dead connection noticed within seconds. */
static void ssh_argv(const struct backend_instance *inst, const char *command, const char **argv)
{
	static const char *const defaults[] = {
		"BatchMode=yes",	 "ConnectTimeout=10", "ServerAliveInterval=5",
		"ServerAliveCountMax=3", "LogLevel=ERROR",
	};
	unsigned n = 0;
	argv[n++] = "ssh";
	for (unsigned i = 0; i < inst->cfg->nssh_options && n < SSH_ARGV_MAX - 20; i++) {
		argv[n++] = "-o";
		argv[n++] = inst->cfg->ssh_options[i];
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		argv[n++] = "-o";
		argv[n++] = defaults[i];
	}
	argv[n++] = "-T";
	if (inst->port[0]) {
		argv[n++] = "-p";
		argv[n++] = inst->port;
	}
	argv[n++] = "--";
	argv[n++] = inst->destination;
	argv[n++] = command;
	argv[n] = NULL;
}

/* In the forked child: stdin, stdout and stderr from the fds given, then ssh. */
static void ssh_exec(const struct backend_instance *inst, const char *command, pid_t parent, int in,
		     int out, int errfd)
{
	backend_child_prepare(parent, NULL, 0, "ssh");
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || (errfd >= 0 && dup2(errfd, 2) < 0))
		_exit(127);
	const char *argv[SSH_ARGV_MAX];
	ssh_argv(inst, command, argv);
	execvp("ssh", (char *const *)argv);
	fprintf(stderr, "vbench ssh: exec ssh: %s\n", strerror(errno));
	_exit(127);
}

/* The last non-empty line of text, in place. */
static const char *last_line(char *text)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

/*
 * Run command on the host with stdin from in_path (NULL: nothing), its output in out. -1 with
 * ssh's last word on stderr in err when it could not run or the command failed.
 */
static int ssh_run(const struct backend_instance *inst, const char *command, const char *in_path,
		   char *out, size_t out_len, struct vb_error *err)
{
	int in = open(in_path ? in_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return error_set_errno(err, "ssh: %s", in_path ? in_path : "/dev/null");
	int outp[2], errp[2];
	if (pipe2(outp, O_CLOEXEC) < 0) {
		close(in);
		return error_set_errno(err, "ssh: pipe");
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(in);
		close(outp[0]);
		close(outp[1]);
		return error_set_errno(err, "ssh: pipe");
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		ssh_exec(inst, command, parent, in, outp[1], errp[1]);
	close(in);
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(errp[0]);
		return error_set_errno(err, "ssh: fork");
	}
	/* both at once: neither pipe may fill while the other is read */
	char errtext[1024] = "";
	size_t got[2] = { 0, 0 };
	struct pollfd fds[2] = { { .fd = outp[0], .events = POLLIN },
				 { .fd = errp[0], .events = POLLIN } };
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < 2; k++) {
			if (fds[k].fd < 0 || !fds[k].revents)
				continue;
			char *buf = k ? errtext : out;
			size_t cap = k ? sizeof(errtext) : out_len;
			char scratch[512];
			ssize_t r = got[k] + 1 < cap
					    ? read(fds[k].fd, buf + got[k], cap - 1 - got[k])
					    : read(fds[k].fd, scratch, sizeof(scratch));
			if (r > 0 && got[k] + 1 < cap)
				got[k] += (size_t)r;
			else if (r == 0 || (r < 0 && errno != EINTR)) {
				close(fds[k].fd);
				fds[k].fd = -1;
			}
		}
	}
	if (out_len)
		out[got[0] < out_len ? got[0] : out_len - 1] = '\0';
	errtext[got[1]] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	const char *why = last_line(errtext);
	if (!why[0])
		snprintf(errtext, sizeof(errtext), "ssh exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return error_set(err, "%s%s%s: %s", inst->destination, inst->port[0] ? " port " : "",
			 inst->port, why[0] ? why : errtext);
}

static bool ssh_client_found(void)
{
	const char *path = getenv("PATH");
	char copy[1024], file[1100];
	snprintf(copy, sizeof(copy), "%s", path ? path : "/usr/bin:/bin");
	char *save, *dir;
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/ssh", dir);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

/* The host answers, and runs the agent's architecture. */
static int ssh_probe(const struct backend_config *cfg, struct vb_error *err)
{
	if (!ssh_client_found())
		return error_set(err, "ssh: no ssh client on PATH (Debian: openssh-client)");
	if (!cfg || !cfg->argument) {
		error_set(err, "name a host: ssh:USER@HOST[:PORT]");
		return 0;
	}
	struct backend_instance inst = { .cfg = cfg };
	if (ssh_parse_destination(cfg->argument, &inst, err) < 0)
		return -1;
	char machine[64];
	if (ssh_run(&inst, "uname -m", NULL, machine, sizeof(machine), err) < 0)
		return error_prefix(err, "cannot reach ");
	struct utsname self;
	uname(&self);
	if (strcmp(last_line(machine), self.machine) != 0)
		return error_set(err, "%s runs %s; the agent is built for %s", inst.destination,
				 last_line(machine), self.machine);
	return 0;
}

/* Remove the remote directory over a connection of its own; reports by path when it cannot. */
static void ssh_remove_remote_dir(struct backend_instance *inst)
{
	char command[600], out[64];
	struct vb_error err;
	snprintf(command, sizeof(command), "rm -rf '%s' && test ! -e '%s'", inst->remote_dir,
		 inst->remote_dir);
	if (ssh_run(inst, command, NULL, out, sizeof(out), &err) < 0)
		fprintf(stderr,
			"vbench: ssh: could not remove %s:%s (%s); the remote side removes it when "
			"its agent ends, else remove it by hand\n",
			inst->destination, inst->remote_dir, err.message);
	inst->remote_dir[0] = '\0';
}

/* The size of the run's scratch disk, for the remote one; 64 MiB when it has none to copy. */
static unsigned long scratch_mib(const struct backend_config *cfg)
{
	struct stat st;
	if (cfg->disk_path && stat(cfg->disk_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= (1 << 20))
		return (unsigned long)(st.st_size >> 20);
	return 64;
}

/* The remote temporary directory, what the host offers for pinning, the agent copied in. */
static int ssh_prepare_remote(struct backend_instance *inst, struct vb_error *err)
{
	const struct backend_config *cfg = inst->cfg;
	const char *base = cfg->remote_dir ? cfg->remote_dir : SSH_DEFAULT_REMOTE_DIR;
	if (strchr(base, '\'') || strlen(base) > 90) /* the scratch path fits the protocol's 128 */
		return error_set(err, "ssh: --remote-dir %s: not a usable path", base);
	char command[800], out[512];
	snprintf(command, sizeof(command),
		 "umask 077 && mktemp -d '%s/vbench-ssh-XXXXXX' && "
		 "{ command -v taskset >/dev/null 2>&1 && echo taskset || echo none; } && "
		 "{ nproc 2>/dev/null || echo 0; }",
		 base);
	if (ssh_run(inst, command, NULL, out, sizeof(out), err) < 0)
		return error_prefix(err, "ssh: a temporary directory in %s: ", base);
	char dir[120] = "", taskset[16] = "";
	unsigned nproc = 0;
	if (sscanf(out, "%119s %15s %u", dir, taskset, &nproc) != 3 || dir[0] != '/' ||
	    strchr(dir, '\''))
		return error_set(err, "ssh: unexpected answer from %s: %.100s", inst->destination,
				 out);
	snprintf(inst->remote_dir, sizeof(inst->remote_dir), "%s", dir);

	unsigned ncpus = cfg->ncpus && cfg->ncpus < nproc ? cfg->ncpus : nproc;
	if (strcmp(taskset, "taskset") == 0 && ncpus) {
		snprintf(inst->pinning, sizeof(inst->pinning), "pinned to CPUs 0-%u with taskset",
			 ncpus - 1);
	} else {
		snprintf(inst->pinning, sizeof(inst->pinning), "not pinned: %s",
			 ncpus ? "no taskset on the host" : "the host did not say its CPUs");
	}
	if (cfg->disk_path)
		snprintf(inst->disk, sizeof(inst->disk), "%s/scratch", dir);
	char make_disk[400] = "";
	if (inst->disk[0]) /* every block written, as the local scratch disk */
		snprintf(make_disk, sizeof(make_disk),
			 " && dd if=/dev/zero of='%s' bs=1M count=%lu status=none", inst->disk,
			 scratch_mib(cfg));
	snprintf(command, sizeof(command),
		 "cat >'%s/vbench-agent' && chmod 700 '%s/vbench-agent'%s", dir, dir, make_disk);
	if (ssh_run(inst, command, cfg->agent_path, out, sizeof(out), err) < 0)
		return error_prefix(err, "ssh: copying the agent to %s: ", dir);
	return 0;
}

static int ssh_start(const struct backend_config *cfg, struct backend_instance **out,
		     struct vb_error *err)
{
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "ssh: out of memory");
	inst->cfg = cfg;
	inst->to_agent = inst->from_agent = -1;
	if (!cfg->argument) {
		free(inst);
		return error_set(err, "ssh: name a host: ssh:USER@HOST[:PORT]");
	}
	if (ssh_parse_destination(cfg->argument, inst, err) < 0) {
		free(inst);
		return -1;
	}
	if (ssh_prepare_remote(inst, err) < 0) {
		if (inst->remote_dir[0])
			ssh_remove_remote_dir(inst);
		free(inst);
		return -1;
	}
	/* the remote side removes its directory once the agent ends: at the end, on Ctrl-C (stdin
	 * closed) and when the connection drops (stdin at end of file, stdout a broken pipe) */
	char run[900];
	const char *pinned = strncmp(inst->pinning, "pinned", 6) == 0 ? inst->pinning : NULL;
	unsigned last_cpu = 0;
	if (pinned)
		sscanf(inst->pinning, "pinned to CPUs 0-%u", &last_cpu);
	char taskset[32] = "";
	if (pinned)
		snprintf(taskset, sizeof(taskset), "taskset -c 0-%u ", last_cpu);
	/* the io.net peer is the agent's own child on the host's 127.0.0.1, and dies with it */
	snprintf(run, sizeof(run), "trap '' HUP PIPE; cd '%s' && %s./vbench-agent%s; rm -rf '%s'",
		 inst->remote_dir, taskset, cfg->network ? " --net-peer" : "", inst->remote_dir);

	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) < 0) {
		error_set_errno(err, "ssh: pipe");
		ssh_remove_remote_dir(inst);
		free(inst);
		return -1;
	}
	if (pipe2(outp, O_CLOEXEC) < 0) {
		error_set_errno(err, "ssh: pipe");
		close(in[0]);
		close(in[1]);
		ssh_remove_remote_dir(inst);
		free(inst);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		ssh_exec(inst, run, parent, in[0], outp[1], -1);
	close(in[0]);
	close(outp[1]);
	if (pid < 0) {
		error_set_errno(err, "ssh: fork");
		close(in[1]);
		close(outp[0]);
		ssh_remove_remote_dir(inst);
		free(inst);
		return -1;
	}
	inst->pid = pid;
	inst->to_agent = in[1];
	inst->from_agent = outp[0];
	*out = inst;
	return 0;
}

static void ssh_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = inst->from_agent;
	*wfd = inst->to_agent;
}

static void ssh_stats(struct backend_instance *inst, struct backend_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->startup_ms = -1;
	out->host_overhead_bytes = NAN;
	snprintf(out->host_overhead_note, sizeof(out->host_overhead_note),
		 "the remote host's memory is not measured");
	snprintf(out->details, sizeof(out->details), "on %.60s in %.110s, %.45s%s",
		 inst->destination, inst->remote_dir, inst->pinning,
		 inst->cfg->network ? "; io.net on its own loopback" : "");
	snprintf(out->agent_disk_path, sizeof(out->agent_disk_path), "%s", inst->disk);
	/* vbench cannot reach a peer of its own there without crossing real networks: the agent
	 * serves one on the host's loopback, and the numbers say so */
	out->peer_in_agent = inst->cfg->network;
	if (inst->cfg->network)
		snprintf(out->peer_note, sizeof(out->peer_note),
			 "loopback on the remote host: the agent and its peer on one machine, "
			 "no network path between hosts measured");
}

static bool ssh_alive(struct backend_instance *inst)
{
	if (inst->exited)
		return false;
	/* once its end of the channel is closed ssh is on its way out: let it say how it ended */
	struct pollfd ends[2] = { { .fd = inst->from_agent }, { .fd = inst->to_agent } };
	bool closing = poll(ends, 2, 0) > 0 &&
		       ((ends[0].revents & POLLHUP) || (ends[1].revents & (POLLERR | POLLHUP)));
	for (unsigned waited = 0;; waited += 10) {
		if (waitpid(inst->pid, &inst->status, WNOHANG) == inst->pid) {
			inst->exited = true;
			return false;
		}
		if (!closing || waited >= 1000)
			return true;
		usleep(10 * 1000);
	}
}

static size_t ssh_describe_end(struct backend_instance *inst, char *out, size_t len)
{
	if (!inst->exited)
		return 0;
	if (WIFEXITED(inst->status) && WEXITSTATUS(inst->status) == 255)
		return (size_t)snprintf(out, len, "the ssh connection to %s dropped",
					inst->destination);
	return 0;
}

static void ssh_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	if (inst->to_agent >= 0)
		close(inst->to_agent);
	if (inst->from_agent >= 0)
		close(inst->from_agent);
	bool killed = false;
	if (!inst->exited && inst->pid > 0)
		killed = backend_child_end(inst->pid, &inst->status, SSH_END_GRACE_MS);
	/* the remote side removed its directory unless ssh ended otherwise than with that rm */
	bool removed = !killed && WIFEXITED(inst->status) && WEXITSTATUS(inst->status) == 0;
	if (inst->remote_dir[0] && !removed)
		ssh_remove_remote_dir(inst);
	free(inst);
}

const struct backend_ops ssh_backend = {
	.name = "ssh",
	.description = "a remote host: the agent copied over ssh to a temporary directory there",
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.takes_argument = true,
	.probe = ssh_probe,
	.start = ssh_start,
	.channel = ssh_channel,
	.stats = ssh_stats,
	.alive = ssh_alive,
	.describe_end = ssh_describe_end,
	.stop = ssh_stop,
};
