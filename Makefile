# The README's commands. Everything installs what it needs first (scripts/install-deps is a no-op when
# the packages are there).
SHELL := /bin/bash
.DEFAULT_GOAL := help

TRADER_RELEASE := build/release/src/trader

.PHONY: help deps build-release build-dev run test bench format tidy clean

help:
	@echo "make run    build (release) and serve on http://127.0.0.1:8080 with SQLite under ./var"
	@echo "make test   build (dev: ASan+UBSan), start test services, run every suite through ctest"
	@echo "make bench  build (release) and run the load benchmarks on SQLite then PostgreSQL, printing markdown tables"

deps:
	@scripts/install-deps

build-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

build-dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev

run: build-release
	mkdir -p var
	$(TRADER_RELEASE) migrate
	exec $(TRADER_RELEASE) serve

# Services are stopped whatever the outcome; ctest's summary is the last thing printed.
test: build-dev
	@set -o pipefail; \
	scripts/peers || exit 1; \
	eval "$$(scripts/services start)"; \
	status=0; \
	ctest --preset dev || status=$$?; \
	scripts/services stop; \
	exit $$status

bench: build-release
	bench/run
	BENCH_PROFILE=pg bench/run

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

tidy: build-dev
	run-clang-tidy -p build/dev -quiet 'src/.*\.cpp$$'

clean:
	rm -rf build
