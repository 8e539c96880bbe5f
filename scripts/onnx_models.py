#!/usr/bin/env python3
"""ONNX models with random weights, built node by node the way PyTorch exports them (opset 13):
LeNet, ResNet-18 (with BatchNormalization nodes or folded), MobileNetV2, SqueezeNet 1.1,
VGG-11, and small graphs that exercise one operator each. Used by the tests (small models,
committed with ONNX Runtime's outputs) and by scripts/model_bench.py (the real networks)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Graph:
    """Appends nodes and random initializers; names values v0, v1, ..."""

    def __init__(self, seed=0, opset=13):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count, self.opset = [], [], 0, opset

    def name(self, prefix="v"):
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, array, prefix="w"):
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, *shape, fan_in=None):
        fan_in = fan_in or int(np.prod(shape[1:]))
        return self.const(self.rng.normal(0, (2.0 / fan_in) ** 0.5, shape).astype(np.float32))

    def node(self, op, inputs, outputs=1, **attrs):
        outs = [self.name() for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name(op.lower()), **attrs))
        return outs[0] if outputs == 1 else outs

    def conv(self, x, cin, cout, k, stride=1, pad=None, groups=1, bias=True, dilation=1, **extra):
        pad = k // 2 if pad is None else pad
        ins = [x, self.weight(cout, cin // groups, k, k)]
        if bias:
            ins.append(self.const(self.rng.normal(0, 0.1, cout).astype(np.float32), "b"))
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad] * 4, group=groups, dilations=[dilation, dilation], **extra)

    def bn(self, x, c):
        r = self.rng
        params = [r.uniform(0.5, 1.5, c), r.normal(0, 0.1, c), r.normal(0, 0.1, c),
                  r.uniform(0.5, 1.5, c)]
        return self.node("BatchNormalization",
                         [x] + [self.const(p.astype(np.float32), "bn") for p in params],
                         epsilon=1e-5)

    def gemm(self, x, cin, cout):
        w = self.weight(cout, cin)
        b = self.const(self.rng.normal(0, 0.1, cout).astype(np.float32), "b")
        return self.node("Gemm", [x, w, b], alpha=1.0, beta=1.0, transB=1)

    def model(self, inputs, outputs, name="clcnn_test"):
        """inputs: [(name, shape)], batch symbolic; outputs: [value names]."""
        ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N"] + list(s[1:]))
               for n, s in inputs]
        outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", None]) for n in outputs]
        graph = helper.make_graph(self.nodes, name, ins, outs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="clcnn scripts/onnx_models.py")
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


def lenet(seed=0):
    g = Graph(seed)
    x = "input"
    y = g.node("Relu", [g.conv(x, 1, 6, 5, pad=2)])
    y = g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("Relu", [g.conv(y, 6, 16, 5, pad=0)])
    y = g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    y = g.node("Flatten", [y], axis=1)
    y = g.node("Relu", [g.gemm(y, 400, 120)])
    y = g.node("Relu", [g.gemm(y, 120, 84)])
    y = g.gemm(y, 84, 10)
    return g.model([(x, (1, 1, 28, 28))], [y], "lenet")


def resnet18(seed=0, folded=False, width=64, size=224, classes=1000):
    g = Graph(seed)

    def conv_bn(x, cin, cout, k, stride, relu):
        if folded:
            y = g.conv(x, cin, cout, k, stride, bias=True)
        else:
            y = g.bn(g.conv(x, cin, cout, k, stride, bias=False), cout)
        return g.node("Relu", [y]) if relu else y

    x = "input"
    y = conv_bn(x, 3, width, 7, 2, True)
    y = g.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = width
    for stage, cout in enumerate([width, width * 2, width * 4, width * 8]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            z = conv_bn(y, cin, cout, 3, stride, True)
            z = conv_bn(z, cout, cout, 3, 1, False)
            short = conv_bn(y, cin, cout, 1, stride, False) if stride != 1 or cin != cout else y
            y = g.node("Relu", [g.node("Add", [z, short])])
            cin = cout
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    y = g.gemm(y, cin, classes)
    return g.model([(x, (1, 3, size, size))], [y], "resnet18")


def mobilenet_v2(seed=0, width=1.0, size=224, classes=1000, last=None):
    g = Graph(seed)

    def cbr(x, cin, cout, k, stride, groups=1, relu6=True):
        y = g.bn(g.conv(x, cin, cout, k, stride, groups=groups, bias=False), cout)
        if relu6:
            lo, hi = g.const(np.float32(0), "min"), g.const(np.float32(6), "max")
            y = g.node("Clip", [y, lo, hi])
        return y

    def ch(c):
        return max(8, int(c * width + 4) // 8 * 8)

    x = "input"
    cin = ch(32)
    y = cbr(x, 3, cin, 3, 2)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]
    for t, c, n, s in settings:
        cout = ch(c)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            z = y if t == 1 else cbr(y, cin, hidden, 1, 1)
            z = cbr(z, hidden, hidden, 3, stride, groups=hidden)
            z = cbr(z, hidden, cout, 1, 1, relu6=False)
            y = g.node("Add", [y, z]) if stride == 1 and cin == cout else z
            cin = cout
    last = last or (ch(1280) if width > 1 else 1280)
    y = cbr(y, cin, last, 1, 1)
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    y = g.gemm(y, last, classes)
    return g.model([(x, (1, 3, size, size))], [y], "mobilenet_v2")


def mobilenet_v3_small(seed=0, width=1.0, size=224, classes=1000, last=1024):
    """torchvision's MobileNetV3-Small: inverted residuals with squeeze-and-excitation
    (HardSigmoid gates multiplied in) and HardSwish, opset 14."""
    g = Graph(seed, opset=14)

    def ch(c):
        return max(8, int(c * width + 4) // 8 * 8)

    def cba(x, cin, cout, k, stride, act, groups=1):
        y = g.bn(g.conv(x, cin, cout, k, stride, groups=groups, bias=False), cout)
        return g.node(act, [y]) if act else y

    def se(x, c):
        squeeze = ch(c // 4)
        s = g.node("GlobalAveragePool", [x])
        s = g.node("Relu", [g.conv(s, c, squeeze, 1)])
        s = g.node("HardSigmoid", [g.conv(s, squeeze, c, 1)], alpha=1.0 / 6, beta=0.5)
        return g.node("Mul", [s, x])

    x = "input"
    cin = ch(16)
    y = cba(x, 3, cin, 3, 2, "HardSwish")
    settings = [(3, 16, 16, True, "Relu", 2), (3, 72, 24, False, "Relu", 2),
                (3, 88, 24, False, "Relu", 1), (5, 96, 40, True, "HardSwish", 2),
                (5, 240, 40, True, "HardSwish", 1), (5, 240, 40, True, "HardSwish", 1),
                (5, 120, 48, True, "HardSwish", 1), (5, 144, 48, True, "HardSwish", 1),
                (5, 288, 96, True, "HardSwish", 2), (5, 576, 96, True, "HardSwish", 1),
                (5, 576, 96, True, "HardSwish", 1)]
    for k, expand, out, use_se, act, stride in settings:
        hidden, cout = ch(expand), ch(out)
        z = y if hidden == cin else cba(y, cin, hidden, 1, 1, act)
        z = cba(z, hidden, hidden, k, stride, act, groups=hidden)
        if use_se:
            z = se(z, hidden)
        z = cba(z, hidden, cout, 1, 1, None)
        y = g.node("Add", [z, y]) if stride == 1 and cin == cout else z
        cin = cout
    top = ch(576)
    y = cba(y, cin, top, 1, 1, "HardSwish")
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    y = g.node("HardSwish", [g.gemm(y, top, last)])
    y = g.gemm(g.node("Dropout", [y]), last, classes)
    return g.model([(x, (1, 3, size, size))], [y], "mobilenet_v3_small")


def squeezenet11(seed=0, size=224, classes=1000, div=1):
    g = Graph(seed)

    def fire(x, cin, s, e):
        cin, s, e = cin // div, s // div, e // div
        sq = g.node("Relu", [g.conv(x, cin, s, 1, pad=0)])
        a = g.node("Relu", [g.conv(sq, s, e, 1, pad=0)])
        b = g.node("Relu", [g.conv(sq, s, e, 3, pad=1)])
        return g.node("Concat", [a, b], axis=1)

    def pool(x):
        return g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)

    x = "input"
    y = pool(g.node("Relu", [g.conv(x, 3, 64 // div, 3, stride=2, pad=0)]))
    y = pool(fire(fire(y, 64, 16, 64), 128, 16, 64))
    y = pool(fire(fire(y, 128, 32, 128), 256, 32, 128))
    y = fire(fire(y, 256, 48, 192), 384, 48, 192)
    y = fire(fire(y, 384, 64, 256), 512, 64, 256)
    y = g.node("Dropout", [y])
    y = g.node("Relu", [g.conv(y, 512 // div, classes, 1, pad=0)])
    y = g.node("Flatten", [g.node("GlobalAveragePool", [y])], axis=1)
    return g.model([(x, (1, 3, size, size))], [y], "squeezenet1_1")


def vgg11(seed=0, size=224, classes=1000, width=64, hidden=4096):
    g = Graph(seed)
    x, y, cin = "input", "input", 3
    for v in [1, "M", 2, "M", 4, 4, "M", 8, 8, "M", 8, 8, "M"]:
        if v == "M":
            y = g.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
        else:
            y = g.node("Relu", [g.conv(y, cin, width * v, 3)])
            cin = width * v
    side = size // 32
    y = g.node("Flatten", [y], axis=1)
    y = g.node("Dropout", [g.node("Relu", [g.gemm(y, cin * side * side, hidden)])])
    y = g.node("Dropout", [g.node("Relu", [g.gemm(y, hidden, hidden)])])
    y = g.gemm(y, hidden, classes)
    return g.model([(x, (1, 3, size, size))], [y], "vgg11")


NETWORKS = {
    "lenet": lambda: (lenet(), (1, 28, 28)),
    "resnet18": lambda: (resnet18(), (3, 224, 224)),
    "resnet18_folded": lambda: (resnet18(folded=True), (3, 224, 224)),
    "mobilenet_v2": lambda: (mobilenet_v2(), (3, 224, 224)),
    "squeezenet1_1": lambda: (squeezenet11(), (3, 224, 224)),
    "mobilenet_v3_small": lambda: (mobilenet_v3_small(), (3, 224, 224)),
    "vgg11": lambda: (vgg11(), (3, 224, 224)),
}
