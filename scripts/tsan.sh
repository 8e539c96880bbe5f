#!/usr/bin/env bash
# ThreadSanitizer lane: builds the library and the threads test with -fsanitize=thread into
# build-tsan/ (or $CLCNN_TSAN_BUILD_DIR) and runs the test; any ThreadSanitizer report fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. scripts/pocl-env.sh
build=${CLCNN_TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-fsanitize=thread -g -O1" >/dev/null
cmake --build "$build" -j"$(nproc)" --target test_threads
log=$(mktemp)
# ASLR off (setarch -R): ThreadSanitizer cannot map its shadow memory under some kernels'
# layouts. CK_FORK=no keeps the threads in the process TSan watches.
status=0
CK_FORK=no CLCNN_CACHE_DIR="$build/test-cache" TSAN_OPTIONS="halt_on_error=0 exitcode=66" \
  setarch "$(uname -m)" -R "$build/tests/test_threads" >"$log" 2>&1 || status=$?
cat "$log"
reports=$(grep -c "WARNING: ThreadSanitizer" "$log" || true)
rm -f "$log"
echo "ThreadSanitizer: $reports reports, test exit status $status"
[ "$status" -eq 0 ] && [ "$reports" -eq 0 ]
