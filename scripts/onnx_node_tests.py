#!/usr/bin/env python3
"""ONNX's own operator test cases (onnx.backend.test.case.node) for the operators clcnn runs,
through `clcnn run`: each case passes (outputs within rtol 1e-3, atol 1e-5 of ONNX's), is
refused at load with a message, or is WRONG (a wrong answer: the one outcome not allowed).
usage: scripts/onnx_node_tests.py [--clcnn build/tools/clcnn] [-v]"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx.backend.test.case import node as node_cases

OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Relu", "Clip", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div",
       "PRelu", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Softsign",
       "Sum", "Concat", "Pad",
       "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape",
       "BatchNormalization", "Softmax", "Dropout", "Identity", "Constant", "ReduceMean"}


def ops_of(model):
    return {n.op_type for n in model.graph.node}


def run_case(clcnn, case, tmp):
    model_path = os.path.join(tmp, "model.onnx")
    onnx.save(case.model, model_path)
    inputs, outputs = case.data_sets[0]
    cmd = [clcnn, "run", model_path]
    graph_inputs = [i for i in case.model.graph.input
                    if i.name not in {t.name for t in case.model.graph.initializer}]
    for k, x in enumerate(inputs[:len(graph_inputs)]):
        x = np.asarray(x)
        if x.dtype != np.float32 or x.ndim == 0:
            return "refused", f"input of type {x.dtype}, rank {x.ndim} (clcnn run feeds float32 arrays)"
        p = os.path.join(tmp, f"in{k}.npy")
        np.save(p, x)
        cmd += ["--input", p]
    if inputs and np.asarray(inputs[0]).ndim > 0:
        cmd += ["--batch", str(np.asarray(inputs[0]).shape[0])]
    for k in range(len(outputs)):
        cmd += ["--output", os.path.join(tmp, f"out{k}.npy")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        msg = r.stderr.strip().splitlines()
        return ("refused" if "load:" in r.stderr else "error"), (msg[-1] if msg else "")
    for k, want in enumerate(outputs):
        got = np.load(os.path.join(tmp, f"out{k}.npy"))
        want = np.asarray(want, dtype=np.float32)
        if got.size != want.size:
            return "WRONG", f"output {k} has {got.size} values, expected {want.size}"
        got = got.reshape(want.shape)
        if not np.allclose(got, want, rtol=1e-3, atol=1e-5, equal_nan=True):
            return "WRONG", f"output {k}: max error {np.nanmax(np.abs(got - want)):.3g}"
    return "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clcnn", default="build/tools/clcnn")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in node_cases.collect_testcases(None):
            if case.kind != "node" or not ops_of(case.model) <= OPS:
                continue
            outcome, why = run_case(args.clcnn, case, tmp)
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome != "pass" or args.v:
                print(f"{outcome:8} {case.name}: {why}")
    print(" ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if counts.get("WRONG") or counts.get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
