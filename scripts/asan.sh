#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer lane: builds everything with
# the sanitizers into build-asan/ (or $CLCNN_ASAN_BUILD_DIR) and runs every suite; any report
# fails the run (undefined behaviour aborts at the first one).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. scripts/pocl-env.sh
build=${CLCNN_ASAN_BUILD_DIR:-build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$build" --output-on-failure
