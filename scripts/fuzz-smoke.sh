#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang and runs each one for a short while,
# starting from a scratch copy of the checked-in corpus (fuzz/corpus/<target>). Fails on
# any crash, sanitizer report, leak, timeout or broken invariant, and keeps the scratch
# directory with the failing input. Prints one line per target.
# Usage: scripts/fuzz-smoke.sh [BUILD_DIR] [SECONDS_PER_TARGET]   (build-fuzz, 60)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build-fuzz}"
seconds="${2:-60}"
targets=(fuzz_framer fuzz_codec fuzz_hub fuzz_irc)
# Longer than any seed, long enough for oversize frames and long hub programs, short
# enough that every run tries many inputs.
declare -A max_len=([fuzz_framer]=4096 [fuzz_codec]=2048 [fuzz_hub]=4096 [fuzz_irc]=9000)
declare -A dict=([fuzz_framer]=fuzz/json.dict [fuzz_codec]=fuzz/json.dict [fuzz_hub]=fuzz/hub.dict [fuzz_irc]=fuzz/irc.dict)

CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUBCHAT_FUZZ=ON \
  -DHUBCHAT_TESTS=OFF -DHUBCHAT_BENCH=OFF -DHUBCHAT_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hubchat-fuzz.XXXXXX")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  mkdir -p "$scratch/$name"
  cp fuzz/corpus/"$name"/* "$scratch/$name/"
  seeds=$(find "$scratch/$name" -type f | wc -l)
  status=0
  "$dir/fuzz/$t" "$scratch/$name" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -dict="${dict[$t]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/$t-" >"$scratch/$t.log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/$t.log")
  corpus=$(find "$scratch/$name" -type f | wc -l)
  if [[ $status -ne 0 ]]; then
    failed=1
    echo "$t: FAILED (exit $status) after ${runs:-?} executions; log and input in $scratch:"
    grep -E 'invariant failed|ERROR:|SUMMARY:|Test unit written' "$scratch/$t.log" || tail -20 "$scratch/$t.log"
  else
    echo "$t: ${runs:-?} executions in ${seconds} s (${rate:-?}/s), corpus $seeds -> $corpus inputs"
  fi
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz smoke failed; reproduce with: $dir/fuzz/<target> <crash file>"
  exit 1
fi
rm -rf "$scratch"
