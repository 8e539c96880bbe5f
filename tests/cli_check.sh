#!/usr/bin/env bash
# Checks the clcnn command's observable behaviour: devices, selectors, cache, demo, bench.
set -u
clcnn=$1
failures=0 checks=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }
expect_in() { if grep -qF -- "$2" <<<"$1"; then pass; else fail "$3: missing '$2'"; fi; }

out=$("$clcnn" devices 2>&1) && pass || fail "devices exited non-zero: $out"
expect_in "$out" "* Device 0:0" "devices marks the picked device"
out=$(CLCNN_DEVICE=nonesuch "$clcnn" devices 2>&1) && fail "nonesuch selector exited 0" || pass
expect_in "$out" "devices found:" "nonesuch selector lists the devices"
out=$("$clcnn" devices --json 2>&1)
expect_in "$out" '"selected": true' "devices --json"
python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$out" 2>/dev/null && pass || fail "devices --json is not JSON"
out=$(CLCNN_CACHE_DIR=off "$clcnn" cache) && expect_in "$out" "cache: off" "cache off" || fail "cache"
trim_dir=$(mktemp -d)
head -c 3000 /dev/zero >"$trim_dir/00000000000000aa.clbin"
out=$(CLCNN_CACHE_DIR="$trim_dir" CLCNN_CACHE_MAX_MB=3 "$clcnn" cache trim) &&
  expect_in "$out" "bound: 3.0 MiB" "cache trim shows the bound" || fail "cache trim"
expect_in "$out" "removed 0 files" "cache trim keeps what fits"
rm -rf "$trim_dir"
for cmd in devices cache demo bench train; do
  out=$("$clcnn" $cmd --help) && expect_in "$out" "usage: clcnn $cmd" "$cmd --help" || fail "$cmd --help"
done
out=$("$clcnn" demo 2>&1) && pass || fail "demo exited non-zero"
for want in "[[19., 25.]," "[37., 43.]]" "[0., 1., 0., 0., 0., -1., 0.]" "[[56., 72.]," \
            "[192., 224.]]]" "[[4., 5.]," "[[2., 3.]," "[5., 6.]]" "[13., 15.]]" "[14., 16.]]]" \
            "-> 2 x 2" "after 50 steps: K = [0.99"; do
  expect_in "$out" "$want" "demo"
done
out=$("$clcnn" bench --no-clblast --reps 1 --csv n2c3h9w9_k4r3s3_st1x1_p1111 \
      avg_n1c2h8w8_k2x2_st2x2 2>&1) && pass || fail "bench exited non-zero"
expect_in "$out" "n2c3h9w9_k4r3s3_st1x1_p1111,direct," "bench csv conv row"
expect_in "$out" "avg_n1c2h8w8_k2x2_st2x2,avg-pool," "bench csv pool row"
"$clcnn" bench nXc3 >/dev/null 2>&1 && fail "bench accepted a bad shape" || pass
out=$("$clcnn" bench --no-clblast --no-onednn --reps 1 'n1c2h9w9_k3r3s3_p1111 algo=direct act=relu6' \
      2>&1) && pass || fail "bench with act= exited non-zero"
expect_in "$out" "algo=direct kernel=" "bench plan line for an algo= problem"
expect_in "$out" " act=relu6" "bench fuses the act= of a plan line"
out=$("$clcnn" bench --reps 1 'n1c2h9w9_k3r3s3 act=gelu' 2>&1) &&
  fail "bench accepted an unknown activation" || pass
expect_in "$out" "unknown activation 'act=gelu'" "bench names the unknown activation"
out=$("$clcnn" bench --reps 1 nXc3 2>&1) || true
expect_in "$out" "cannot read 'nXc3': expected n8c64h56w56_k64r3s3" "bench says why a shape is refused"
# bad environment values: warned about at CLCNN_LOG=warn and ignored, never fatal
for bad in 0 -1 garbage 1e9 99999999999999999999999; do
  out=$(CLCNN_LOG=warn CLCNN_WORKSPACE_BYTES=$bad "$clcnn" devices 2>&1) && pass \
    || fail "CLCNN_WORKSPACE_BYTES=$bad made devices fail"
  expect_in "$out" "CLCNN_WORKSPACE_BYTES='$bad' is not a whole number" "warns about '$bad'"
done
out=$(CLCNN_LOG=warn CLCNN_PLAN_CACHE_SIZE=-3 "$clcnn" devices 2>&1) && pass || fail "plan cache -3"
expect_in "$out" "CLCNN_PLAN_CACHE_SIZE='-3'" "warns about a negative plan cache size"
out=$(CLCNN_LOG=warn CLCNN_SPECIALIZED_SIZES=-1 "$clcnn" devices 2>&1) && pass \
  || fail "specialized sizes -1"
expect_in "$out" "CLCNN_SPECIALIZED_SIZES='-1'" "warns about negative specialized sizes"
long=/tmp/$(printf 'd%.0s' $(seq 1 5000))
out=$(CLCNN_LOG=warn CLCNN_CACHE_DIR=$long "$clcnn" bench --no-clblast --no-onednn --reps 1 \
      n1c1h4w4_k1r2s2 2>&1) && pass || fail "a 5000-character cache folder made bench fail"
expect_in "$out" "running without the disk cache" "a too long cache folder is named"
out=$("$clcnn" train --data /nonexistent/fashion 2>&1) && fail "train without data exited 0" || pass
expect_in "$out" "/nonexistent/fashion/train-images-idx3-ubyte" "train names the missing file"
out=$("$clcnn" train --lr -1 2>&1) && fail "train accepted lr -1" || pass
expect_in "$out" "lr > 0" "train rejects a negative lr"
models=$(cd "$(dirname "$0")" && pwd)/models
tmp=$(mktemp -d)
out=$("$clcnn" run "$models/lenet.onnx" --input "$models/lenet.in0.npy" --output "$tmp/y.npy" \
      --bench --runs 3 --profile 2>&1) && pass || fail "run lenet exited non-zero: $out"
for want in "batch 3" "output 0 'v33': 3x10x1x1" "sample 2 top-5:" "images/s" "total"; do
  expect_in "$out" "$want" "run lenet"
done
[ -s "$tmp/y.npy" ] && pass || fail "run wrote no output file"
out=$("$clcnn" run "$models/bad_unknown_op.onnx" 2>&1) && fail "run accepted LSTM" || pass
expect_in "$out" "operator LSTM is not supported" "run names the unsupported operator"
out=$("$clcnn" run "$models/lenet.onnx" --input "$models/resnet18_tiny.in0.npy" 2>&1) \
  && fail "run accepted an input of the wrong shape" || pass
expect_in "$out" "takes 2x1x28x28" "run names the expected input shape"
rm -rf "$tmp"
echo "cli: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
