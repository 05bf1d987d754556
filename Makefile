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
  libsqlite3-dev libssl-dev chromium

.PHONY: deps configure build test run bench clean
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

run: build
	$(BUILD)/router/main/keyward run scenarios/library --jobs $(JOBS) \
	  --report $(BUILD)/scenario-report.html --junit $(BUILD)/scenario-junit.xml \
	  --json $(BUILD)/scenario-journal.json --work-dir $(BUILD)/scenario-runs

bench: build
	for b in $(BUILD)/bench/bench_*; do $$b; done

clean:
	rm -rf build build-asan build-tsan
