# `make run` and `make test` work on a fresh Debian 12 machine as root: they
# install what is missing, configure, build and do their job.
SANITIZE ?=
JOBS ?= 2
BUILD ?= build
ifeq ($(SANITIZE),1)
  BUILD := build-asan
  CMAKE_FLAGS += -DKEYWARD_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug
endif
ifeq ($(SANITIZE),thread)
  BUILD := build-tsan
  CMAKE_FLAGS += -DKEYWARD_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug
endif

DEBIAN_PACKAGES = cmake g++ make pkg-config libcpp-httplib-dev nlohmann-json3-dev \
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev \
  libsqlite3-dev libssl-dev libboost-dev libhiredis-dev libsystemd-dev dpkg-dev redis-server chromium \
  fonts-noto-color-emoji

# Fuzzing (clang + libFuzzer, a build of its own) and the TSan subset.
FUZZ_SECONDS ?= 20
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS = env_parser config_yaml scenario_loader classifier chat_request sse_parser smtp_mime http_request
FUZZ_PACKAGES = clang libclang-rt-14-dev
# The tests that exercise threads: built and run under TSan (`make test-tsan`).
TSAN_TARGETS = test_concurrency
SOAK_MINUTES ?= 1
SOAK_SEED ?= 1

.PHONY: deps configure build test run bench clean fuzz fuzz-build test-tsan soak package
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Builds only what it runs (the keyward binary and its libraries): the first
# verdict comes minutes sooner than after building every test and benchmark.
run: configure
	cmake --build $(BUILD) -j$(JOBS) --target keyward
	$(BUILD)/router/main/keyward run scenarios/library --self-check --jobs $(JOBS) \
	  --report $(BUILD)/scenario-report.html --junit $(BUILD)/scenario-junit.xml \
	  --json $(BUILD)/scenario-journal.json --work-dir $(BUILD)/scenario-runs

# The Debian package: $(BUILD)/keyward_<version>_amd64.deb (router/main/package/).
# Builds the binary and its conffiles only, then runs CPack's DEB generator.
package: configure
	cmake --build $(BUILD) -j$(JOBS) --target keyward keyward_conffiles
	cd $(BUILD) && cpack -G DEB
	@ls $(BUILD)/keyward_*_amd64.deb

bench: build
	for b in $(BUILD)/bench/bench_*; do $$b; done

# Builds only the concurrency tests with -fsanitize=thread and runs the `tsan` label.
test-tsan: deps
	@test -f build-tsan/CMakeCache.txt || cmake -S . -B build-tsan -DKEYWARD_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-tsan -j$(JOBS) --target $(TSAN_TARGETS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest -L tsan --output-on-failure -j$(JOBS)

fuzz-build: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DKEYWARD_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all

# Each target for FUZZ_SECONDS from the committed seeds (tests/fuzz/corpus/<target>,
# read only); what it finds goes to $(FUZZ_BUILD)/corpus/<target>. A crash fails.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts; \
	  echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=262144 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- \
	    $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz-$$t.log \
	    || { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FUZZ_BUILD)/fuzz-$$t.log; \
	done

# The seeded soak (tests/soak): SOAK_MINUTES of mixed traffic with faults.
soak: build
	$(BUILD)/tests/soak/keyward_soak --minutes $(SOAK_MINUTES) --seed $(SOAK_SEED)

clean:
	rm -rf build build-asan build-tsan build-fuzz
