#!/usr/bin/env bash
# oclgrind lane: every kernel family on small problems inside the oclgrind simulator (an
# OpenCL device that checks each memory access), with data-race detection; any report of an
# invalid access, a race or a barrier problem fails. Uses build/ (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
dpkg-query -W -f='${Status}' oclgrind 2>/dev/null | grep -q "install ok installed" || {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq oclgrind
}
icd=$(mktemp -d)
trap 'rm -rf "$icd"' EXIT
echo /usr/lib/oclgrind/liboclgrind-rt-icd.so >"$icd/oclgrind.icd" # the package installs none
export OCL_ICD_VENDORS=$icd CLCNN_DEVICE=oclgrind CLCNN_CACHE_DIR=off OCLGRIND_DATA_RACES=1
clcnn=${CLCNN_BUILD_DIR:-build}/tools/clcnn
# direct (channel vectors, column vectors at column stride 1 and 2, depthwise, 1x1 planes as
# rows, first layers, generic), Winograd, im2col + GEMM, 1x1 GEMM, and their backward passes
# (flipped, phases, gather; weight tiles, column vectors on stride-1 rows, on even/odd-phase
# rows and on 1x1 planes as runs, GEMM), then pooling forward (rows, global, generic) and
# backward (tiles, scatter, bands, planes, gather)
convolutions=(
  n2c3h7w9_k4r3s3_p1111 n1c5h9w11_k20r3s3_p1021 n2c2h8w8_k3r9s9_p4444 n1c4h6w6_k6r3s3_g2
  n1c32h8w8_k32r3s3_p1111 n2c3h9w9_k5r3s3_st2x2_p1111 n1c2h9w9_k3r3s3_st2x2_p1111_d2x2
  n2c8h5w5_k16r1s1 n2c4h10w10_k4r5s5_st2x1_p2222 n1c3h12w12_k8r7s7_st2x2_p3333
  n2c3h10w21_k4r3s3_st2x2_p1111 n1c6h9w40_k6r3s3_st1x2_p1111_g6
  n2c4h6w100_k4r3s3_p1111_g4 n2c5h4w5_k5r3s3_p2222_g5 n1c3h11w37_k3r5s5_st2x2_p2121_d2x1_g3
  n2c12h3w50_k20r1s1 n1c5h29w29_k20r1s1 n1c3h20w33_k12r7s7_st2x2_p3333
  n2c3h9w24_k3r5s5_p2221_d2x2_g3 n1c2h6w45_k2r3s3_st2x2_p1102_g2 n3c32h5w6_k64r1s1_g2
)
# Winograd's product transforming the filters itself (filters=taps: fewer than 64 tiles on a
# CPU, as oclgrind is): a partial second slice of channels, a partial filter block, two tile
# groups, forward and (72 -> 70 channels) input gradient; the Winograd weight gradient (128
# channels, 72 filters: lanes past the last filter; tiles past the 9x10 planes)
problems=(
  "${convolutions[@]}" "n3c70h11w13_k72r3s3_p1111 algo=winograd"
  "n8c128h9w10_k72r3s3_p1111 algo=winograd"
  max_n2c3h9w11_k3x3_st2x2_p1111 avg_n2c3h9w11_k3x3_st2x2_p1111_exclpad max_n2c3h8w8_k2x2_st2x2
  avg_n1c2h9w8_k2x2_st3x3_p1010 max_n4c3h10w9_k3x3_st1x1_p1111 max_n4c3h12w12_k9x9_st1x1_p4444
  avg_n1c1h12w12_k9x9_st1x1_p4444 max_n2c3h5w7_k5x7_st1x1 avg_n1c2h13w13_k13x13_st1x1
  max_n2c2h7w37_k3x3_st2x2_p1111 avg_n1c2h6w37_k3x3_st1x1_p1111 max_n2c1h5w38_k3x3_st2x2
)
log=$(mktemp)
status=0
"$clcnn" bench --no-clblast --no-onednn --reps 1 "${problems[@]}" >"$log" 2>&1 || status=$?
# the convolutions again with the sizes as kernel arguments (the programs later input sizes
# of a layer share)
CLCNN_SPECIALIZED_SIZES=0 "$clcnn" bench --no-clblast --no-onednn --reps 1 "${convolutions[@]}" \
  >>"$log" 2>&1 || status=$?
# residual sums in the stores of each kernel (y read, then written): column vectors (ragged
# columns), channel vectors, generic, 1x1 planes as rows (a ragged last row), depthwise,
# Winograd (partial tiles)
residuals=(
  "n2c3h7w9_k4r3s3_p1111 algo=direct act=relu residual" "n2c8h5w5_k16r1s1 algo=direct residual"
  "n2c2h8w8_k3r9s9_p4444 algo=direct residual" "n1c5h29w29_k20r1s1 algo=direct residual"
  "n2c4h6w100_k4r3s3_p1111_g4 algo=direct act=relu6 residual"
  "n1c32h7w9_k32r3s3_p1111 algo=winograd residual"
)
"$clcnn" bench --no-clblast --no-onednn --reps 1 --constant-weights "${residuals[@]}" \
  >>"$log" 2>&1 || status=$?
CLCNN_KERNEL_FAMILY=workgroup "$clcnn" bench --no-clblast --no-onednn --reps 1 \
  "${residuals[@]:0:2}" >>"$log" 2>&1 || status=$?
# the work-group family (GPU kernels) forced: local-memory tiles, barriers, split reductions
workgroup=(
  n2c3h7w9_k4r3s3_p1111 n1c4h6w6_k6r3s3_g2 n2c3h9w9_k5r3s3_st2x2_p1111
  n1c2h9w9_k3r3s3_st2x2_p1111_d2x2 n2c8h5w5_k16r1s1 n1c3h11w37_k3r5s5_st2x2_p2121_d2x1_g3
  max_n2c3h9w11_k3x3_st2x2_p1111 avg_n2c3h9w11_k3x3_st2x2_p1111_exclpad max_n2c2h7w37_k3x3_st2x2_p1111
)
CLCNN_KERNEL_FAMILY=workgroup "$clcnn" bench --no-clblast --no-onednn --reps 1 "${workgroup[@]}" \
  >>"$log" 2>&1 || status=$?
# every output counted as past the caches: the gathering indexed max-pooling backward (and
# the column-vector convolution's streaming stores, plain stores on this device)
gathered=(max_n2c3h9w11_k3x3_st2x2_p1111 max_n4c3h10w9_k3x3_st1x1_p1111 max_n2c2h7w37_k3x3_st2x2_p1111
  max_n2c1h5w38_k3x3_st2x2 max_n2c3h5w7_k5x7_st1x1 n1c3h20w33_k12r7s7_st2x2_p3333 n1c5h29w29_k20r1s1)
CLCNN_STREAM_BYTES=0 "$clcnn" bench --no-clblast --no-onednn --reps 1 "${gathered[@]}" \
  >>"$log" 2>&1 || status=$?
# ... with the sizes as arguments and the filters packed once (constant weights)
CLCNN_KERNEL_FAMILY=workgroup CLCNN_SPECIALIZED_SIZES=0 "$clcnn" bench --no-clblast --no-onednn \
  --reps 1 --constant-weights "${workgroup[@]:0:6}" >>"$log" 2>&1 || status=$?
# the network ops and the convolution epilogues through small ONNX models: add, clip, batch
# norm, softmax, concatenation, activations fused into direct and GEMM-free 1x1 layers, sums
# done by the convolutions before them, broadcasting arithmetic and batched matrix products
models=(conv_variants dense_variants pool_variants graph_variants residual_variants
  arithmetic_variants activation_variants deconv_variants)
for m in "${models[@]}"; do
  inputs=()
  for f in tests/models/$m.in*.npy; do inputs+=(--input "$f"); done
  "$clcnn" run "tests/models/$m.onnx" "${inputs[@]}" >>"$log" 2>&1 || status=$?
done
cat "$log"
reports=$(grep -cE "Invalid (read|write)|Data race|Uninitialized|barrier|out of bounds|Work-group divergence" "$log" || true)
rm -f "$log"
echo "oclgrind: ${#problems[@]} problems (${#convolutions[@]} twice), ${#gathered[@]} gathered, ${#residuals[@]} residual sums, ${#workgroup[@]} on the work-group family and ${#models[@]} models, $reports reports, exit status $status"
[ "$status" -eq 0 ] && [ "$reports" -eq 0 ]
