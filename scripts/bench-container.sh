#!/usr/bin/env python3
# `make bench-container`: start-to-exit of one static program (build/bench-exit0) in vbench's
# container (`vbench exec lxc`), runc (an OCI bundle) and LXC's `lxc-execute`, with the same limits
# (every CPU, 2 GiB, no swap) and comparable isolation (new namespaces, a read-only root, seccomp).
# The three alternate in rotation, one sample of each per round; prints medians and the ratio to
# lxc-execute. A benchmark, not a test: no thresholds. Needs root, runc (make deps) and lxc (scripts/install-lxc.sh, which make bench-container runs).
# Usage: scripts/bench-container.sh [ROUNDS]   (default 20; BUILD=dir picks the build directory)
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("BUILD", "build")
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
MEMORY = 2 << 30  # vbench exec's default --memory
# The calls vbench's seccomp filter refuses (backends/lxc/README.md), for runc's bundle.
REFUSED = ["mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig",
           "fsmount", "fspick", "init_module", "finit_module", "delete_module", "kexec_load",
           "kexec_file_load", "reboot", "swapon", "swapoff", "settimeofday", "clock_settime",
           "clock_adjtime", "adjtimex", "add_key", "request_key", "keyctl", "bpf", "unshare",
           "setns", "open_by_handle_at", "acct", "quotactl", "syslog", "vhangup", "userfaultfd",
           "iopl", "ioperm"]


def skip(why):
    print("bench-container: " + why)
    sys.exit(2)


def cpu_list():
    return ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))


def make_rootfs(path, program):
    for d in ("proc", "sys", "dev", "tmp", "bin"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    shutil.copy(program, os.path.join(path, "bin", "exit0"))


def runc_bundle(tmp, program):
    bundle = os.path.join(tmp, "runc")
    make_rootfs(os.path.join(bundle, "rootfs"), program)
    subprocess.run(["runc", "spec", "-b", bundle], check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/exit0"]
    spec["process"]["noNewPrivileges"] = True
    spec["hostname"] = "bench"
    ncpus = len(os.sched_getaffinity(0))
    spec["linux"]["resources"] = {
        "memory": {"limit": MEMORY},
        "cpu": {"cpus": cpu_list(), "quota": ncpus * 100000, "period": 100000},
    }
    spec["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": REFUSED, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f)
    return bundle


def lxc_config(tmp, program):
    root = os.path.join(tmp, "lxc", "rootfs")
    make_rootfs(root, program)
    v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    ncpus = len(os.sched_getaffinity(0))
    if v2:
        limits = ["lxc.cgroup2.cpuset.cpus = " + cpu_list(),
                  "lxc.cgroup2.cpu.max = %d 100000" % (ncpus * 100000),
                  "lxc.cgroup2.memory.max = %d" % MEMORY,
                  "lxc.cgroup2.memory.swap.max = 0"]
    else:
        limits = ["lxc.cgroup.cpuset.cpus = " + cpu_list(),
                  "lxc.cgroup.cpu.cfs_period_us = 100000",
                  "lxc.cgroup.cpu.cfs_quota_us = %d" % (ncpus * 100000),
                  "lxc.cgroup.memory.limit_in_bytes = %d" % MEMORY]
    config = os.path.join(tmp, "lxc", "config")
    with open(config, "w") as f:
        # LXC's common.conf by hand: its capability drops, seccomp policy and mounts, but not
        # common.conf.d, where lxcfs's post-stop hook sleeps half a second.
        f.write("\n".join(["lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio",
                           "lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp",
                           "lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed",
                           "lxc.uts.name = bench",
                           "lxc.rootfs.path = dir:" + root,
                           "lxc.rootfs.options = ro",
                           "lxc.net.0.type = empty",
                           "lxc.apparmor.profile = unconfined",
                           "lxc.console.path = none",
                           "lxc.tty.max = 0",
                           "lxc.pty.max = 0",
                           "lxc.autodev = 1"] + limits) + "\n")
    return config


def lxc_pivots():
    return set(glob.glob("/sys/fs/cgroup/lxc.pivot") + glob.glob("/sys/fs/cgroup/*/lxc.pivot"))


def main():
    program = os.path.join(BUILD, "bench-exit0")
    vbench = os.path.join(BUILD, "vbench")
    if os.geteuid() != 0:
        skip("needs root (runc and lxc-execute run privileged containers here)")
    for tool in ("runc", "lxc-execute"):
        if not shutil.which(tool):
            skip("%s is not installed (runc: make deps; lxc-execute: scripts/install-lxc.sh)" % tool)
    if not os.access(program, os.X_OK) or not os.access(vbench, os.X_OK):
        skip("build first (make bench-container builds %s)" % program)
    tmp = tempfile.mkdtemp(prefix="vbench-bench-")
    # LXC parks processes in "lxc.pivot" groups it creates on first use and keeps: ours go after.
    pivots_before = lxc_pivots()
    try:
        bundle = runc_bundle(tmp, program)
        config = lxc_config(tmp, program)
        lxcpath = os.path.dirname(config)
        runners = [
            ("vbench exec lxc", [vbench, "exec", "lxc", "--", os.path.abspath(program)]),
            ("runc run", ["runc", "--root", os.path.join(tmp, "runc-state"), "run", "-b", bundle,
                          "bench-%d" % os.getpid()]),
            ("lxc-execute", ["lxc-execute", "-n", "bench-%d" % os.getpid(), "-P", lxcpath,
                             "-f", config, "--", "/bin/exit0"]),
        ]
        samples = {name: [] for name, _ in runners}
        # Round 0 warms the page cache and is not kept.
        for r in range(ROUNDS + 1):
            for i in range(len(runners)):
                name, argv = runners[(r + i) % len(runners)]
                start = time.perf_counter()
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
                ms = (time.perf_counter() - start) * 1000
                if p.returncode != 0:
                    skip("%s exited %d: %s" % (name, p.returncode,
                                               p.stderr.decode(errors="replace").strip()[-300:]))
                if r > 0:
                    samples[name].append(ms)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in lxc_pivots() - pivots_before:
            try:
                os.rmdir(d)
            except OSError:
                pass
    base = statistics.median(samples["lxc-execute"])
    print("start-to-exit of a static program that exits 0, %d rounds, alternating" % ROUNDS)
    print("%-16s %10s %8s %8s %14s" % ("runtime", "median ms", "min", "max", "vs lxc-execute"))
    for name, _ in runners:
        s = samples[name]
        med = statistics.median(s)
        print("%-16s %10.1f %8.1f %8.1f %13.2fx" % (name, med, min(s), max(s), med / base))


main()
