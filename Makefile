# The front door. `make test` and `make demo` do all the set-up on a fresh Debian bookworm.

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= 2
# SANITIZE=address,undefined or SANITIZE=thread builds everything instrumented (own build dir).
SANITIZE   ?=

ifneq ($(SANITIZE),)
BUILD_DIR := build-$(subst $(comma),-,$(SANITIZE))
endif
comma := ,

CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DVCDLB_SANITIZE=$(SANITIZE)

.PHONY: all deps configure build test demo fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@if command -v ninja >/dev/null 2>&1; then gen=Ninja; else gen="Unix Makefiles"; fi; \
	 cmake -S . -B $(BUILD_DIR) -G "$$gen" $(CMAKE_FLAGS) >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

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
