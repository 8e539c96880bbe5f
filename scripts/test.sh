#!/usr/bin/env bash
# Installs missing packages, builds, and runs every test suite on the selected OpenCL device.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
. scripts/pocl-env.sh
build=${CLCNN_BUILD_DIR:-build}
echo "OpenCL devices:"
"$build"/tools/clcnn devices || { echo "clcnn: no usable OpenCL device: the tests cannot run" >&2; exit 1; }
ctest --test-dir "$build" --output-on-failure --verbose
