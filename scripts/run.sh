#!/usr/bin/env bash
# Installs missing packages, builds, and runs clcnn's main job on the selected OpenCL device.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
. scripts/pocl-env.sh
build=${CLCNN_BUILD_DIR:-build}
"$build"/tools/clcnn devices
