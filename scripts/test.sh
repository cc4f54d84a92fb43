#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test:
#   1. g++, warnings as errors: unit, integration (real server over loopback) and
#      end-to-end (real client through a pseudo-terminal) tests; then the web page's
#      type check, logic tests and browser tests (headless chromium against that server);
#   2. clang with AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors:
#      the same test suite again;
#   3. a short smoke run of the load generator (fails on lost/duplicated/reordered
#      messages, never on timings), and a clang-format check;
#   4. clang with ThreadSanitizer: the server through the integration tests, and the
#      unit tests of code that runs on a second thread;
#   5. each libFuzzer target in fuzz/ for 60 s from the checked-in corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo; echo "=== $* ($(($(date +%s) - start)) s)"; }

step "dependencies"
scripts/install-deps.sh test

step "clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find src tests bench -name '*.[ch]pp')
clang-format --dry-run --Werror "${sources[@]}"

step "g++ build (-Werror)"
CXX=g++ scripts/build.sh build-ci-gcc -DHUBCHAT_WERROR=ON

step "g++ tests"
ctest --test-dir build-ci-gcc --output-on-failure -j2 --timeout 120

step "web page: type check, logic unit tests, browser tests (headless chromium)"
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
tests/web/node_modules/.bin/tsc -p web/tsconfig.json
tests/web/unit-tests
tests/web/run build-ci-gcc

step "load generator smoke (correctness only)"
bench/smoke build-ci-gcc

step "clang build with ASan+UBSan (-Werror)"
CXX=clang++ BUILD_TYPE=Debug scripts/build.sh build-ci-asan -DHUBCHAT_WERROR=ON \
  -DHUBCHAT_SANITIZE=ON -DHUBCHAT_BENCH=OFF

step "sanitizer tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-ci-asan --output-on-failure -j2 --timeout 300

step "clang build with ThreadSanitizer: the server and the tests of its second thread"
# The password worker is the one piece of code on another thread: the server under TSan
# through every integration test, plus the worker's and the store's unit tests.
CXX=clang++ cmake -S . -B build-ci-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHUBCHAT_WERROR=ON \
  -DHUBCHAT_TSAN=ON -DHUBCHAT_BENCH=OFF >/dev/null
cmake --build build-ci-tsan -j"$(nproc)" --target hubchat-server net_tests net_unit_tests store_tests

step "ThreadSanitizer tests"
# Reports go to files as well, so a race in a server process is caught even when the test
# that drove it did not notice the server stop.
tsan_reports=$(mktemp -d "${TMPDIR:-/tmp}/hubchat-tsan.XXXXXX")
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$tsan_reports/report"
ctest --test-dir build-ci-tsan --output-on-failure -j2 --timeout 300 -E '_NOT_BUILT$'
unset TSAN_OPTIONS
if compgen -G "$tsan_reports/report*" >/dev/null; then
  cat "$tsan_reports"/report*
  echo "ThreadSanitizer reported the above"
  exit 1
fi
rm -rf "$tsan_reports"

step "fuzz smoke"
scripts/fuzz-smoke.sh build-ci-fuzz

step "done"
