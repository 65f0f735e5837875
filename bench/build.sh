#!/usr/bin/env bash
# Builds the binaries the benchmarks run (Release, in build/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOSTSEARCH_TESTS=OFF >/dev/null
cmake --build build/bench -j "$(nproc)"
