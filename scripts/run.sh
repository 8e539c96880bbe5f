#!/usr/bin/env bash
# Installs missing packages, builds, and runs the main job: the CNN tutorial, then LeNet
# trained on Fashion-MNIST, on the selected device.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
. scripts/pocl-env.sh
build=${CLCNN_BUILD_DIR:-build}
"$build"/tools/clcnn demo
"$build"/tools/clcnn train
