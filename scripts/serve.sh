#!/usr/bin/env bash
# The README's first command: install what is missing, build, start the server.
# Every argument goes to hubchat-server (e.g. --host 0.0.0.0, --port:7002).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh build -DHUBCHAT_TESTS=OFF -DHUBCHAT_BENCH=OFF
exec build/src/hubchat-server "$@"
