#!/usr/bin/env bash
# Installs the Debian 12 packages hubchat needs, only those missing (idempotent).
# Usage: scripts/install-deps.sh [build|test|bench]   (default: build)
set -euo pipefail

profile="${1:-build}"
build_pkgs=(
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libcli11-dev libspdlog-dev libfmt-dev
  libssl-dev libsqlite3-dev libsodium-dev libedit-dev libjemalloc-dev liburing-dev
  esbuild
)
# irssi and tmux: tests/irc/irssi_test.py drives a real IRC client against the server.
test_pkgs=(
  clang clang-format libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev python3
  irssi tmux
)
bench_pkgs=(libbenchmark-dev inspircd ngircd gnuplot-nox)

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
if [[ "$profile" != build ]]; then
  # The browser tests (tests/web): Debian's chromium, driven by playwright-core from npm.
  # Node 18 (Debian's) or newer; a node installed another way is used as it is.
  pkgs+=(chromium)
  command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
