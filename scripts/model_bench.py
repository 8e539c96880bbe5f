#!/usr/bin/env python3
"""Accuracy and speed of `clcnn run` against ONNX Runtime (CPU, 2 threads) on the same input:
the networks of scripts/onnx_models.py at batch 1 and 8. Prints a Markdown table.
usage: scripts/model_bench.py [--clcnn build/tools/clcnn] [--batches 1,8] [--runs 10] [NAME ...]"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models  # noqa: E402


def ort_speed(session, name, x, runs):
    session.run(None, {name: x})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(None, {name: x})
        times.append(time.perf_counter() - t0)
    return x.shape[0] / float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clcnn", default="build/tools/clcnn")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("names", nargs="*", default=list(onnx_models.NETWORKS))
    args = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    print("| model | batch | max abs err / max abs | top-1 same | ORT img/s | clcnn img/s | ratio |"
          " load ms | first run ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names:
            model, chw = onnx_models.NETWORKS[name]()
            path = os.path.join(tmp, name + ".onnx")
            onnx.save(model, path)
            session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            in_name = session.get_inputs()[0].name
            for batch in [int(b) for b in args.batches.split(",")]:
                x = np.random.default_rng(batch).uniform(-1, 1, (batch,) + chw).astype(np.float32)
                ref = session.run(None, {in_name: x})[0]
                ort_ips = ort_speed(session, in_name, x, args.runs)
                xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
                np.save(xin, x)
                r = subprocess.run([args.clcnn, "run", path, "--input", xin, "--output", yout,
                                    "--bench", "--runs", str(args.runs)],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"| {name} | {batch} | failed: {r.stderr.strip()[:200]} |")
                    continue
                y = np.load(yout)
                err = float(np.abs(y - ref).max() / np.abs(ref).max())
                same = bool((y.argmax(1) == ref.argmax(1)).all())
                m = re.search(r"load ([\d.]+) ms, first run ([\d.]+) ms, .* ([\d.]+) images/s",
                              r.stdout)
                load, first, ips = (float(v) for v in m.groups())
                print(f"| {name} | {batch} | {err:.1e} | {'yes' if same else 'NO'} | "
                      f"{ort_ips:.1f} | {ips:.1f} | {ips / ort_ips:.2f} | {load:.0f} | "
                      f"{first:.0f} |", flush=True)


if __name__ == "__main__":
    main()
