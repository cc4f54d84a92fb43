#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test:
#   1. g++, warnings as errors: unit, integration (real server over loopback) and
#      end-to-end (real client through a pseudo-terminal) tests;
#   2. clang with AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors:
#      the same test suite again;
#   3. a short smoke run of the load generator (fails on lost/duplicated/reordered
#      messages, never on timings), and a clang-format check;
#   4. each libFuzzer target in fuzz/ for 45 s from the checked-in corpus.
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

step "load generator smoke (correctness only)"
bench/smoke build-ci-gcc

step "clang build with ASan+UBSan (-Werror)"
CXX=clang++ BUILD_TYPE=Debug scripts/build.sh build-ci-asan -DHUBCHAT_WERROR=ON \
  -DHUBCHAT_SANITIZE=ON -DHUBCHAT_BENCH=OFF

step "sanitizer tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-ci-asan --output-on-failure -j2 --timeout 300

step "fuzz smoke"
scripts/fuzz-smoke.sh build-ci-fuzz

step "done"
