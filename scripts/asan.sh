#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer lane: builds everything with
# the sanitizers into build-asan/ (or $CLCNN_ASAN_BUILD_DIR); any report fails the run.
# 1. Every suite under CTest with ASan and UBSan (undefined behaviour aborts at the first
#    report). Leak checking is off there: Check forks each test, and in a child forked from
#    a process with PoCL's worker threads LeakSanitizer's own tracer crashes.
# 2. LeakSanitizer: each suite that runs unforked (CK_FORK=no) once more with leak checking.
#    __tls_get_addr is not intercepted there: with PoCL's kernel libraries loaded from a warm
#    cache, the sanitizer's record of dynamic TLS holds a bogus block (seen: "DTLS 7 at
#    0xe1f-0x800001f21"), and scanning it crashes the tracer at the leak check every time.
#    Static TLS, stacks, registers and globals are still scanned; a leak is still reported.
#    scripts/lsan.supp leaves out what PoCL's kernel compiler keeps for the life of the
#    process (its LLVM state, allocated by C++ code; clcnn is C): it shows whenever a suite
#    compiles a kernel in this pass, with or without the interception.
# The install check is left out: a plain consumer cannot link the sanitized library.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
. scripts/pocl-env.sh
build=${CLCNN_ASAN_BUILD_DIR:-build-asan}
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build "$build" -j"$(nproc)"
export UBSAN_OPTIONS=print_stacktrace=1
ASAN_OPTIONS=detect_leaks=0 ctest --test-dir "$build" --output-on-failure -E install_check
failed=0
leak_pass() {
  CK_FORK=no ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0 \
    LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp" \
    CLCNN_CACHE_DIR="$build/test-cache" CLCNN_KERNEL_DIR= CLCNN_DEVICE= \
    "$build/tests/$1" >"$build/$1.leaks.log" 2>&1
}
for suite in test_runtime test_tensor test_gemm test_conv test_pool test_plan test_workgroup \
             test_threads test_backward test_training test_network test_model test_data; do
  if leak_pass "$suite"; then
    echo "LeakSanitizer: $suite clean"
  # should LeakSanitizer's own tracer still crash (a signal in the tracer, no verdict on
  # leaks), that suite runs once more, and only in that case
  elif grep -q "LeakSanitizer has encountered a fatal error" "$build/$suite.leaks.log" &&
       grep -q "Tracer caught signal" "$build/$suite.leaks.log" && leak_pass "$suite"; then
    echo "LeakSanitizer: $suite clean (second run: the tracer crashed in the first)"
  else
    echo "LeakSanitizer: $suite FAILED"
    cat "$build/$suite.leaks.log"
    failed=1
  fi
done
exit $failed
