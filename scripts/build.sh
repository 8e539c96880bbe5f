#!/usr/bin/env bash
# Installs missing packages, then configures and builds clcnn into build/ (or $CLCNN_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build=${CLCNN_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build" -j"$(nproc)"
