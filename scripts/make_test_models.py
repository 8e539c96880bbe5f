#!/usr/bin/env python3
"""Writes tests/models/: small ONNX models that exercise every operator clcnn runs (and tiny
versions of the five networks), each with an input and ONNX Runtime's outputs as .npy files,
plus models the loader must refuse. Run it after changing scripts/onnx_models.py; the
tests read the committed files and need neither Python nor ONNX Runtime.
usage: scripts/make_test_models.py [OUT_DIR]"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_models import (Graph, lenet, mobilenet_v2, mobilenet_v3_small, resnet18,  # noqa: E402
                         squeezenet11, vgg11)


def conv_variants():
    g = Graph(1)
    x = "x"
    a = g.node("Relu", [g.conv(x, 4, 6, 3, stride=2, pad=0, groups=2, dilation=2)])
    b = g.node("Conv", [x, g.weight(4, 4, 3, 3)], kernel_shape=[3, 3], strides=[2, 2],
               auto_pad="SAME_UPPER")
    c = g.node("Conv", [x, g.weight(4, 4, 2, 2)], strides=[2, 2], auto_pad="SAME_LOWER")
    d = g.node("Conv", [x, g.weight(5, 4, 3, 1), g.const(np.full(5, 0.5, np.float32))],
               auto_pad="VALID")
    e = g.node("Clip", [g.conv(x, 4, 4, 3), g.const(np.float32(0)), g.const(np.float32(6))])
    return g.model([(x, (2, 4, 11, 9))], [a, b, c, d, e], "conv_variants")


def dense_variants():
    g = Graph(2)
    x = "x"
    y = g.node("Flatten", [x], axis=1)
    y = g.node("Gemm", [y, g.weight(36, 12), g.const(np.float32([0.25]))], alpha=0.5, beta=2.0)
    y = g.node("Sigmoid", [y])
    y = g.node("MatMul", [y, g.weight(12, 7)])
    y = g.node("Add", [y, g.const(np.linspace(-1, 1, 7).astype(np.float32))])
    y = g.node("Tanh", [y])
    y = g.node("Softmax", [y], axis=1)
    return g.model([(x, (3, 4, 3, 3))], [y], "dense_variants")


def pool_variants():
    g = Graph(3)
    x = "x"
    a = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 0, 1, 1],
               ceil_mode=1)
    b = g.node("AveragePool", [x], kernel_shape=[3, 2], strides=[2, 1], pads=[1, 1, 1, 0],
               count_include_pad=1)
    c = g.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0])
    d = g.node("MaxPool", [x], kernel_shape=[2, 2], auto_pad="SAME_UPPER", strides=[2, 2])
    e = g.node("Concat", [g.node("GlobalMaxPool", [x]), g.node("GlobalAveragePool", [x])],
               axis=1)
    # ONNX lets padding reach past half the window (PyTorch does not)
    f = g.node("MaxPool", [x], kernel_shape=[3, 3], pads=[2, 2, 2, 1])
    h = g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[2, 1, 2, 2],
               count_include_pad=1)
    i = g.node("AveragePool", [x], kernel_shape=[3, 2], pads=[2, 1, 1, 1])
    return g.model([(x, (2, 3, 7, 8))], [a, b, c, d, e, f, h, i], "pool_variants")


def deconv_variants():
    """ConvTranspose: stride 2 with pads and output_padding, groups and a bias; dilations;
    auto_pad SAME_UPPER; output_shape longer than the windows reach; a ReLU after it."""
    g = Graph(12)
    x = "x"
    a = g.node("ConvTranspose", [x, g.weight(4, 3, 3, 3), g.const(np.linspace(-1, 1, 6,
                                                                               dtype=np.float32))],
               strides=[2, 2], pads=[1, 0, 1, 1], output_padding=[1, 0], group=2)
    b = g.node("Relu", [g.node("ConvTranspose", [x, g.weight(4, 5, 2, 3)], dilations=[2, 1],
                               strides=[1, 2])])
    c = g.node("ConvTranspose", [x, g.weight(4, 2, 3, 3)], strides=[2, 2], auto_pad="SAME_UPPER")
    d = g.node("ConvTranspose", [x, g.weight(4, 2, 3, 3)], strides=[3, 2], output_shape=[16, 12])
    return g.model([(x, (2, 4, 5, 6))], [a, b, c, d], "deconv_variants")


def pool_1d():
    """Pooling over the one axis of N x C x L tensors: padded, ceil mode, count_include_pad,
    auto_pad."""
    g = Graph(11)
    x = "x"
    a = g.node("MaxPool", [x], kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1)
    b = g.node("AveragePool", [x], kernel_shape=[4], pads=[2, 1], count_include_pad=1)
    c = g.node("AveragePool", [x], kernel_shape=[3], strides=[2], pads=[1, 0])
    d = g.node("MaxPool", [x], kernel_shape=[2], strides=[2], auto_pad="SAME_UPPER")
    return g.model([(x, (2, 3, 11))], [a, b, c, d], "pool_1d")


def graph_variants():
    """Unfoldable batch normalization, clip, sum, identity, dropout, reshape by a Constant,
    softmax over channels of a 4-D tensor, two inputs and two outputs."""
    g = Graph(4)
    x, z = "x", "z"
    y = g.node("Add", [x, z])
    y = g.bn(y, 3)
    y = g.node("Clip", [y, g.const(np.float32(-0.5)), g.const(np.float32(0.75))])
    s = g.node("Sum", [y, x, g.node("Identity", [z])])
    s = g.node("Dropout", [s])
    soft = g.node("Softmax", [s], axis=1)
    conv = g.conv(s, 3, 4, 3)
    bn = g.bn(conv, 4)  # folded into the convolution
    shape = g.node("Constant", [], value=numpy_helper.from_array(np.int64([0, -1])))
    flat = g.node("Reshape", [g.node("Relu", [bn]), shape])
    return g.model([(x, (2, 3, 5, 4)), (z, (2, 3, 5, 4))], [soft, flat], "graph_variants")


def concat_nested():
    """Concatenations inside a concatenation (their parts' layers write in place at batch 1):
    two convolutions joined, joined again with a third and with a pooling of the input."""
    g = Graph(8)
    x = "x"
    inner = g.node("Concat", [g.node("Relu", [g.conv(x, 3, 4, 3)]), g.conv(x, 3, 2, 1)], axis=1)
    outer = g.node("Concat", [g.conv(x, 3, 5, 3), inner, g.node("MaxPool", [x], kernel_shape=[3, 3],
                                                                 pads=[1, 1, 1, 1])], axis=1)
    return g.model([(x, (2, 3, 6, 7))], [g.conv(outer, 14, 4, 3)], "concat_nested")


def residual_variants():
    """Sums after convolutions that the runner may or may not do as the convolution stores: the
    graph input as the residual (no), a residual read by another layer after the convolution
    (no), a convolution of the residual itself (no), a plain block with a ReLU after the sum
    (yes), a residual that is a graph output (no), and two convolutions where the later one
    sums into the earlier one's output (yes)."""
    g = Graph(9)
    x = "x"
    a = g.node("Add", [g.conv(x, 4, 4, 3), x])
    r = g.node("Relu", [g.conv(a, 4, 4, 3)])
    c = g.conv(a, 4, 4, 1)
    m = g.node("MaxPool", [r], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    s = g.node("Add", [c, r])
    s = g.node("Add", [g.conv(s, 4, 4, 3), s])
    block = g.conv(g.node("Relu", [g.conv(s, 4, 4, 3)]), 4, 4, 3)
    t = g.node("Relu", [g.node("Add", [block, s])])
    u = g.node("Add", [g.conv(g.node("Relu", [g.conv(t, 4, 4, 3)]), 4, 4, 3), t])
    v1 = g.conv(t, 4, 4, 3)
    v2 = g.conv(t, 4, 4, 1)
    w = g.node("Add", [v1, v2])
    return g.model([(x, (2, 4, 6, 6))], [m, u, w, t], "residual_variants")


def arithmetic_variants():
    """Add, Sub, Mul and Div broadcasting (a squeeze-and-excitation product with a computed
    N x C x 1 x 1, per-channel and per-column constants, a scalar first operand, an Add that
    no convolution can take as bias), and matrix products the fully connected layer does not
    take: two computed batched operands, a constant batch broadcast over the images, a vector
    operand, a computed matrix C with alpha and beta."""
    g = Graph(9)
    x, z, w = "x", "z", "w"
    se = g.node("Mul", [x, g.node("Sigmoid", [z])])
    norm = g.node("Div", [g.node("Sub", [x, g.const(np.linspace(-1, 1, 4, dtype=np.float32)
                                                   .reshape(4, 1, 1))]),
                          g.const(np.linspace(0.5, 2, 4, dtype=np.float32).reshape(4, 1, 1))])
    cols = g.node("Add", [g.const(np.linspace(-3, 3, 6, dtype=np.float32)), x])
    half = g.node("Relu", [g.node("Sub", [g.const(np.float32(0.5)), x])])
    batched = g.node("MatMul", [x, w])
    shared = g.node("MatMul", [x, g.weight(1, 4, 6, 2)])
    vector = g.node("MatMul", [x, g.const(np.linspace(-1, 1, 6, dtype=np.float32))])
    flat = g.node("Flatten", [z], axis=1)
    pooled = g.node("Flatten", [g.node("GlobalAveragePool", [w])], axis=1)
    gemm = g.node("Gemm", [flat, g.weight(4, 4), pooled], alpha=0.5, beta=-1.5)
    return g.model([(x, (2, 4, 5, 6)), (z, (2, 4, 1, 1)), (w, (2, 4, 6, 3))],
                   [se, norm, cols, half, batched, shared, vector, gemm], "arithmetic_variants")


def activation_variants():
    """The activations without a clcnn_activation, on inputs scaled to reach their tails
    (softplus past its overflow guard): LeakyRelu, PRelu (a per-channel constant slope and a
    computed one broadcast), HardSigmoid with its parameters, HardSwish, Elu, Selu, Softplus,
    Softsign."""
    g = Graph(10, opset=14)
    x, s = "x", "s"
    wide = g.node("Mul", [x, g.const(np.float32(30))])
    a = g.node("LeakyRelu", [x], alpha=0.2)
    b = g.node("PRelu", [x, g.const(np.linspace(-0.5, 0.5, 3, dtype=np.float32).reshape(3, 1, 1))])
    c = g.node("PRelu", [wide, s])
    d = g.node("HardSigmoid", [wide], alpha=0.1, beta=0.4)
    e = g.node("Concat", [g.node("HardSwish", [wide]), g.node("Elu", [x], alpha=0.7)], axis=1)
    f = g.node("Selu", [g.node("Mul", [x, g.const(np.float32(4))])])
    h = g.node("Softplus", [wide])
    i = g.node("Softsign", [wide])
    return g.model([(x, (2, 3, 4, 5)), (s, (2, 3, 1, 1))], [a, b, c, d, e, f, h, i],
                   "activation_variants")


def typed_data():
    """Initializers stored as float_data and int64_data (not raw bytes), and Constant nodes'
    value_float."""
    g = Graph(6)
    x = "x"
    w = helper.make_tensor("wf", TensorProto.FLOAT, [3, 2, 1, 1],
                           [0.5, -1.0, 2.0, 0.25, -0.75, 1.5])
    b = helper.make_tensor("bf", TensorProto.FLOAT, [3], [0.1, 0.2, -0.3])
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [0, -1])
    g.inits += [w, b, shape]
    y = g.node("Conv", [x, "wf", "bf"])
    y = g.node("Reshape", [y, "shape"])
    lo, hi = g.node("Constant", [], value_float=-0.5), g.node("Constant", [], value_float=0.75)
    y = g.node("Clip", [y, lo, hi])
    return g.model([(x, (2, 2, 4, 4))], [y], "typed_data")


def pad_reduce():
    """Pad (as PyTorch writes it before average pooling: all zeros, and real spatial pads),
    ReduceMean over the spatial axes with and without keepdims."""
    g = Graph(7)
    x = "x"
    zeros = g.const(np.zeros(8, np.int64), "pads")
    y = g.node("AveragePool", [g.node("Pad", [x, zeros], mode="constant")], kernel_shape=[2, 2],
               strides=[2, 2])
    pads = g.const(np.int64([0, 0, 1, 2, 0, 0, 3, 0]), "pads")
    z = g.node("Pad", [x, pads, g.const(np.float32(0), "zero")])
    a = g.node("ReduceMean", [z], axes=[2, 3], keepdims=1)
    b = g.node("ReduceMean", [g.conv(z, 3, 4, 3)], axes=[-1, -2], keepdims=0)
    return g.model([(x, (2, 3, 6, 5))], [y, z, a, b], "pad_reduce")


def dynamic_view():
    """x.view(x.size(0), -1) as PyTorch exports it with a dynamic batch: Shape, Gather,
    Unsqueeze and Concat computing the target shape; and a Squeeze of a constant."""
    g = Graph(8)
    x = "x"
    y = g.node("Relu", [g.conv(x, 2, 3, 3)])
    size0 = g.node("Gather", [g.node("Shape", [y]), g.const(np.int64(0), "index")], axis=0)
    lead = g.node("Unsqueeze", [size0, g.const(np.int64([0]), "axes")])
    rest = g.node("Squeeze", [g.const(np.int64([[-1]]), "minus_one"), g.const(np.int64([0]), "axes")])
    shape = g.node("Concat", [lead, rest], axis=0)
    y = g.node("Reshape", [y, shape])
    y = g.gemm(y, 3 * 5 * 5, 4)
    return g.model([(x, (2, 2, 5, 5))], [y], "dynamic_view")


def legacy_opset():
    """Opset 10: Clip bounds as attributes, Softmax of a flattened N x K."""
    g = Graph(5, opset=10)
    x = "x"
    y = g.node("Clip", [g.conv(x, 2, 3, 3)], min=-0.3, max=0.4)
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    y = g.node("Softmax", [y])
    return g.model([(x, (1, 2, 6, 6))], [y], "legacy_opset")


GOOD = {
    "conv_variants": conv_variants,
    "dense_variants": dense_variants,
    "pool_variants": pool_variants,
    "pool_1d": pool_1d,
    "deconv_variants": deconv_variants,
    "graph_variants": graph_variants,
    "legacy_opset": legacy_opset,
    "typed_data": typed_data,
    "pad_reduce": pad_reduce,
    "dynamic_view": dynamic_view,
    "concat_nested": concat_nested,
    "residual_variants": residual_variants,
    "arithmetic_variants": arithmetic_variants,
    "activation_variants": activation_variants,
    "lenet": lenet,
    "resnet18_tiny": lambda: resnet18(width=4, size=32, classes=10),
    "resnet18_tiny_folded": lambda: resnet18(folded=True, width=4, size=32, classes=10),
    "mobilenet_v2_tiny": lambda: mobilenet_v2(width=0.25, size=32, classes=10, last=64),
    "squeezenet1_1_small": lambda: squeezenet11(size=48, classes=10, div=8),
    "mobilenet_v3_small_tiny": lambda: mobilenet_v3_small(width=0.25, size=32, classes=10,
                                                          last=64),
    "vgg11_tiny": lambda: vgg11(width=4, size=32, classes=10, hidden=32),
}


def input_shapes(model, batch):
    return [(i.name, [batch] + [d.dim_value for d in i.type.tensor_type.shape.dim[1:]])
            for i in model.graph.input]


def write_good(out):
    for name, make in GOOD.items():
        model = make()
        batch = 2 if name != "lenet" else 3
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(7)
        feeds = {}
        for k, (iname, shape) in enumerate(input_shapes(model, batch)):
            feeds[iname] = rng.uniform(-1, 1, shape).astype(np.float32)
            np.save(os.path.join(out, f"{name}.in{k}.npy"), feeds[iname])
        for k, y in enumerate(session.run(None, feeds)):
            np.save(os.path.join(out, f"{name}.out{k}.npy"), y.astype(np.float32))
        print(name, os.path.getsize(path), "bytes")


def unchecked(nodes, inits, inputs, outputs, opset=13):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def short_tensor():
    """3x2x3x3 weights holding 17 floats."""
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend([3, 2, 3, 3])
    t.raw_data = np.ones(17, np.float32).tobytes()
    return t


def write_bad(out):
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    x = vi("x", f, ["N", 2, 4, 4])
    y = vi("y", f, None)
    w = numpy_helper.from_array(np.ones((3, 2, 3, 3), np.float32), "w")
    bad = {
        "unknown_op": unchecked([helper.make_node("LSTM", ["x"], ["y"], name="rnn")], [], [x],
                                [y]),
        "bad_chain": unchecked([helper.make_node("Conv", ["x", "w"], ["c"], name="c1"),
                                helper.make_node("Add", ["c", "x"], ["y"], name="sum")],
                               [w], [x], [y]),
        "short_initializer": unchecked(
            [helper.make_node("Conv", ["x", "w"], ["y"], name="c1")],
            [short_tensor()], [x], [y]),
        "huge_dimension": unchecked([helper.make_node("Relu", ["x"], ["y"], name="r")], [],
                                    [vi("x", f, ["N", 3, 1 << 30, 1 << 30])], [y]),
        "missing_input": unchecked([helper.make_node("Relu", ["nowhere"], ["y"], name="r")], [],
                                   [x], [y]),
        # a [3] constant on N x 3 x 3 x 3 broadcasts along the columns, not the channels
        "wrong_window": unchecked([helper.make_node("MaxPool", ["x"], ["y"], name="p",
                                                    kernel_shape=[2, 2], dilations=[2, 2])],
                                  [], [x], [y]),
    }
    for name, model in bad.items():
        with open(os.path.join(out, f"bad_{name}.onnx"), "wb") as fh:
            fh.write(model.SerializeToString())
        print("bad", name)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "models")
    os.makedirs(out, exist_ok=True)
    write_good(out)
    write_bad(out)


if __name__ == "__main__":
    main()
