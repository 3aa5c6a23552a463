# The front door. `make test` and `make demo` do all the set-up on a fresh Debian bookworm.

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= 2
comma := ,
# SANITIZE=address,undefined or SANITIZE=thread builds everything instrumented (own build dir);
# `make test-asan` and `make test-tsan` are the two variants CI runs.
SANITIZE   ?=

ifneq ($(SANITIZE),)
BUILD_DIR := build-$(subst $(comma),-,$(SANITIZE))
endif

CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DVCDLB_SANITIZE=$(SANITIZE)
ifneq ($(SANITIZE),)
# -O1 compiles in about two thirds of the time of -O2 and keeps the instrumented tests fast;
# without -DNDEBUG so that assertions run too.
CMAKE_FLAGS += -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
endif
CTEST_ARGS =
ifeq ($(SANITIZE),thread)
# The fuzz corpus replays are single-threaded decoders: nothing for TSan to find.
CMAKE_FLAGS += -DVCDLB_FUZZ_REPLAY=OFF
# Tests that run actors on CAF's real scheduler threads next to Asio or test threads: the engine,
# the controller (in-process and as processes), the integration, demo and bench runs. Debian's
# CAF is not instrumented, so TSan sees none of its hand-offs (a message built on one thread and
# read on a worker) and reports each one, also transitively in vcdlb code that an actor reached
# (tsan.supp covers what is local to CAF). They run in `make test` and `make test-asan`; see
# docs/reliability.md.
TSAN_CAF_THREADED = bridge\.|engine_test\.|actor_system_test\.|clusters_test\.|controller_test\.|controller_(e2e|crash|crash_ip_spaces|failover|nodes_e2e)$$|integration/|app_demo_|bench_run\.|example_embed_engine|sim_integration\.(create_service|informer_stays|status_writes|finalizer_flow|events_are|token_file|leader_election|node_writes_patch)
CTEST_ARGS += -E '^($(TSAN_CAF_THREADED))'
endif

# Sanitizer run-time options (an environment value set by the caller wins). Every finding stops
# the process with a non-zero exit, so the test fails; UBSan is fatal at compile time as well
# (-fno-sanitize-recover=all in cmake/VcdlbOptions.cmake).
export ASAN_OPTIONS  ?= halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_odr_violation=2
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS  ?= halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$(CURDIR)/tsan.supp

.PHONY: all deps configure build test test-asan test-tsan demo fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@if command -v ninja >/dev/null 2>&1; then gen=Ninja; else gen="Unix Makefiles"; fi; \
	 cmake -S . -B $(BUILD_DIR) -G "$$gen" $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The sanitizer variants: the whole suite under ASan+UBSan (build-asan/) and TSan (build-tsan/).
test-asan:
	$(MAKE) test SANITIZE=address,undefined BUILD_DIR=build-asan

test-tsan:
	$(MAKE) test SANITIZE=thread BUILD_DIR=build-tsan

# The controller against the in-process VCD and Kubernetes simulators with example Services
# (README). Options: make demo DEMO_ARGS="--mode A --services 20 --keep-running".
DEMO_ARGS ?=
demo: build
	$(BUILD_DIR)/bin/vcdlb demo $(DEMO_ARGS)

# libFuzzer targets (fuzz/): a clang build with coverage, ASan and UBSan in build-fuzz/, then a
# short bounded run of every fuzzer from its corpus. FUZZ_SECONDS sets the time per target.
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 20

fuzz:
	@./scripts/install-deps.sh --fuzz
	@if command -v ninja >/dev/null 2>&1; then gen=Ninja; else gen="Unix Makefiles"; fi; \
	 CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G "$$gen" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	   -DVCDLB_FUZZ=ON -DVCDLB_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzzers
	ctest --test-dir $(FUZZ_DIR) --output-on-failure -R fuzz_run

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-*
