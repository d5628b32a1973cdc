# vbench build. `make` builds build/vbench, build/vbench-agent and build/vbench-bare; `make check`
# runs every test.

CC ?= cc
CLANG ?= clang
VERSION := 0.1.0
CPPFLAGS += -I. -D_GNU_SOURCE -DVBENCH_VERSION=\"$(VERSION)\"
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -pthread
LDLIBS_HARNESS := -lhwloc -lpfm -luring -lm -pthread
LDLIBS_AGENT := -lpfm -lm -pthread

BUILD := build
OBJ := $(BUILD)/obj

# One folder per layer (README, Layout); includes only run down: tests/integration/layers.sh.
COMMON_SRC := $(wildcard common/*.c)
WORKLOAD_SRC := $(wildcard workloads/*.c)
AGENT_SRC := $(wildcard guest-agent/*.c)
BARE_SRC := $(wildcard guest-agent/bare/*.c guest-agent/bare/*.S)
ANALYSIS_SRC := $(wildcard analysis/*.c)
HARNESS_SRC := $(wildcard harness/*.c)
BACKEND_SRC := $(wildcard backends/*.c backends/*/*.c backends/*/*/*.c)
CLI_SRC := $(filter-out cli/main.c,$(wildcard cli/*.c))

# The analysis layer's objects and what they stand on (common/ alone): results, statistics, diff,
# reports.
ANALYSIS_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o) $(ANALYSIS_SRC:%.c=$(OBJ)/%.o)
# `vbench report`, `diff` and `history` need nothing else: layers-analysis links them so, no backend.
ANALYSIS_CMD_OBJ := $(OBJ)/cli/cmd-report.o $(OBJ)/cli/cmd-diff.o $(OBJ)/cli/cmd-history.o \
	$(OBJ)/cli/usage.o

# Everything vbench and the tests link, except main().
LIB_SRC := $(COMMON_SRC) $(WORKLOAD_SRC) $(ANALYSIS_SRC) $(HARNESS_SRC) $(BACKEND_SRC) $(CLI_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(OBJ)/%.o)
AGENT_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o) $(WORKLOAD_SRC:%.c=$(OBJ)/%.o) $(AGENT_SRC:%.c=$(OBJ)/%.o)

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all deps guest compare check check-unit check-layers check-integration check-fuzz check-rig \
	check-sanitize fuzz fuzz-long validate format clean bench-container bench-vmm

all: $(BUILD)/vbench $(BUILD)/vbench-agent $(BUILD)/vbench-bare

deps:
	@scripts/install-deps.sh

# V=1 shows the commands
Q := $(if $(V),,@)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/vbench: $(LIB_OBJ) $(OBJ)/cli/main.o
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_HARNESS)

# The agent is static: the same bytes run as a process, as PID 1 in a container and as /init in a VM.
$(BUILD)/vbench-agent: $(AGENT_OBJ)
	@$(if $(Q),echo "  LINK    $@ (static)")
	$(Q)$(CC) $(CFLAGS) -static $^ -o $@ $(LDLIBS_AGENT)

# The bare guest (issue 14; common/bare-abi.h): the agent's serving code and the cpu, mem and self-test
# workloads on guest-agent/bare/ instead of Linux, for a VMM that starts every vCPU in ring 3 with no
# kernel. Built with musl, static, not PIE, at ld's default 0x400000 (>= BARE_IMAGE_MIN), without the
# C library's start files (start.S is the entry) or allocator (libc-bare.c): libc.a gives snprintf,
# strtod, strings and libm. A system call there is #UD, which ends the VM, so the link fails if a
# `syscall` instruction lies in any function but these four of musl's, which never make one here:
#   __lock, __unlock: only when libc.need_locks is set, which pthread_create alone sets (the guest
#     creates no thread); reached from __ofl_lock in __stdio_exit, which only exit() runs (never);
#   __lockfile, __unlockfile: only for a FILE whose lock is >= 0 (a futex wait on contention); the
#     guest's only FILEs are vsnprintf's on the stack, with lock -1; also reached from
#     __stdio_exit's close_file, pulled in by __towrite's hook for exit().
# (objdump -d build/vbench-bare | grep -c syscall: 8, two in each.)
BARE_CC ?= musl-gcc
BARE_OBJ := $(BUILD)/obj-bare
BARE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-pie -fno-stack-protector
BARE_COMMON := common/error.c common/json.c common/protocol.c common/rng.c common/suite.c
BARE_WORKLOADS := workloads/cpu.c workloads/mem.c workloads/lz.c workloads/sha256.c \
	workloads/registry.c workloads/lifecycle.c workloads/selftest.c workloads/platform-cpuid.c \
	workloads/vmexit.c workloads/percentile.c
BARE_ALL_SRC := $(BARE_COMMON) $(BARE_WORKLOADS) guest-agent/serve.c guest-agent/environment-cpuid.c $(BARE_SRC)
BARE_ALL_OBJ := $(patsubst %,$(BARE_OBJ)/%.o,$(basename $(BARE_ALL_SRC)))
# musl's headers stand alone (-nostdinc); jsmn's header is the one the host build includes.
BARE_INC := $(BUILD)/bare-include
JSMN_H := $(firstword $(wildcard /usr/include/jsmn.h /usr/local/include/jsmn.h))

$(BARE_INC)/jsmn.h:
	@mkdir -p $(dir $@)
	@test -n "$(JSMN_H)" || { echo "vbench: jsmn.h not found (make deps)"; exit 1; }
	$(Q)ln -sf $(JSMN_H) $@

$(BARE_OBJ)/%.o: %.c | $(BARE_INC)/jsmn.h
	@mkdir -p $(dir $@)
	@command -v $(BARE_CC) >/dev/null || { echo "vbench: $(BARE_CC) not found (make deps: musl-tools)"; exit 1; }
	@$(if $(Q),echo "  CC      $< (bare)")
	$(Q)$(BARE_CC) -I. -I$(BARE_INC) -DVBENCH_VERSION=\"$(VERSION)\" $(BARE_CFLAGS) -MMD -MP -c $< -o $@

$(BARE_OBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $< (bare)")
	$(Q)$(BARE_CC) $(BARE_CFLAGS) -c $< -o $@

$(BUILD)/vbench-bare: $(BARE_ALL_OBJ)
	@$(if $(Q),echo "  LINK    $@ (bare guest)")
	$(Q)$(BARE_CC) $(BARE_CFLAGS) -static -no-pie -nostartfiles -Wl,-z,noexecstack $^ -o $@.tmp -lm
	$(Q)calls=$$(objdump -d $@.tmp | awk '/^[0-9a-f]+ <.*>:$$/ { fn = $$2 } /\tsyscall/ { print fn }' | \
		sort -u | grep -vxE '<(__lock|__unlock|__lockfile|__unlockfile)>:'); \
	if [ -n "$$calls" ]; then echo "vbench-bare: system calls the bare guest must not make in:" $$calls; \
		rm -f $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(filter %.o,$^) -o $@ $(LDLIBS_HARNESS) -lcmocka

# The VMM's bare-guest tests run a tiny freestanding guest: no C library, no system calls.
BARE_TINY_FLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pie -no-pie -static \
	-nostdlib -fno-stack-protector -mgeneral-regs-only -fcf-protection=none
$(BUILD)/tests/bare-tiny: tests/bare/tiny-guest.c common/bare-abi.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@ (bare guest)")
	$(Q)$(CC) -I. $(BARE_TINY_FLAGS) $< -o $@
$(BUILD)/tests/test-kvm-bare: $(BUILD)/tests/bare-tiny

# Agent code that is not part of the harness library, tested on its own.
$(BUILD)/tests/test-counters: $(OBJ)/guest-agent/counters.o $(OBJ)/guest-agent/proc-stat.o
$(BUILD)/tests/test-proc-stat: $(OBJ)/guest-agent/proc-stat.o
$(BUILD)/tests/test-environment: $(OBJ)/guest-agent/environment.o $(OBJ)/guest-agent/environment-cpuid.o
$(BUILD)/tests/test-bare-heap: $(OBJ)/guest-agent/bare/heap.o
$(BUILD)/tests/test-bare-ring: $(OBJ)/guest-agent/bare/ring.o
$(BUILD)/tests/test-bare-workers: $(OBJ)/guest-agent/bare/workers.o
$(BUILD)/tests/test-bare-clock-sync: $(OBJ)/guest-agent/bare/clock-sync.o

# report, diff and history over the analysis objects alone, without the libraries of the host
# facts (hwloc), the counters (libpfm) or the VMM's disk (liburing): tests/integration/layers.sh.
LAYERS_BIN := $(BUILD)/tests/layers-analysis
$(LAYERS_BIN): tests/integration/layers-analysis.c $(ANALYSIS_CMD_OBJ) $(ANALYSIS_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@ (analysis layer alone)")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(filter %.o,$^) -o $@ -lm -pthread

# Fuzz targets: clang, libFuzzer, AddressSanitizer and UBSan over the library sources. Without the
# stack-depth feature: it varies from run to run, and check-fuzz must do the same work every time.
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-sanitize-coverage=stack-depth
LIB_HDR := $(wildcard common/*.h workloads/*.h analysis/*.h harness/*.h cli/*.h backends/*.h \
	backends/*/*.h backends/*/*/*.h)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_FLAGS) $< $(LIB_SRC) -o $@ $(LDLIBS_HARNESS)

guest:
	@scripts/fetch-guest.sh

compare: deps all
	$(MAKE) -s guest || true
	$(BUILD)/vbench compare kvm lxc native --suite quick

# The dependencies first, once, then everything builds in parallel: `make check` is all CI runs.
check:
	@scripts/install-deps.sh
	@$(MAKE) -s -j2 all $(UNIT_BIN) $(FUZZ_BIN) $(LAYERS_BIN)
	@scripts/fetch-guest.sh || echo "vbench: could not fetch the guest kernel; the VM tests will say so"
	@$(MAKE) -s check-sanitize
	@tests/run-tests.sh

check-unit: all $(UNIT_BIN) check-layers
	@tests/run-tests.sh unit

# No layer includes one above it, and report, diff and history link without the backends.
check-layers: all $(LAYERS_BIN)
	@BUILD=$(BUILD) tests/integration/layers.sh

# The unit tests again under AddressSanitizer and UBSan, in a build directory of their own.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
check-sanitize:
	@$(MAKE) -s BUILD=build-san CFLAGS="$(SAN_FLAGS)" $(UNIT_SRC:tests/unit/%.c=build-san/tests/%)
	@BUILD=build-san ASAN_OPTIONS=detect_leaks=1 tests/run-tests.sh unit

check-fuzz: $(FUZZ_BIN)
	@tests/run-tests.sh fuzz

check-integration: all
	@tests/run-tests.sh integration

check-rig: all
	@tests/run-tests.sh rig

# `make fuzz` builds the targets; check-fuzz replays the checked-in inputs and fuzzes briefly with a
# fixed seed (the same work every time); fuzz-long fuzzes for minutes per target, random seed.
fuzz: $(FUZZ_BIN)

FUZZ_LONG_SECONDS ?= 300
fuzz-long: $(FUZZ_BIN)
	@BUILD=$(BUILD) FUZZ_LONG_SECONDS=$(FUZZ_LONG_SECONDS) tests/fuzz/long.sh $(FUZZ_TARGETS)

# Benchmarks, not tests (not in `make check`): they print tables; README, Performance.
$(BUILD)/bench-exit0: tests/bench/exit0.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -static -Os -o $@ $<

bench-container: all $(BUILD)/bench-exit0
	@scripts/install-lxc.sh
	@BUILD=$(BUILD) scripts/bench-container.sh

# In the nested rig (minutes): vbench's VMM against QEMU microvm, boot to hello and host memory.
bench-vmm: all
	@scripts/fetch-guest.sh >/dev/null
	@BUILD=$(BUILD) sh tests/rig/bench-vmm.sh

validate: all
	@scripts/validate.sh

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-san

-include $(shell find $(OBJ) $(BARE_OBJ) -name '*.d' 2>/dev/null)
