#!/usr/bin/env python3
"""PyTorch's time per epoch for the LeNet that `clcnn train` trains (same layers, batch 256,
lr 0.05, momentum 0.9, relu, max pooling), on the CPU with a given number of threads: the
anchor for clcnn's training speed. Reads Fashion-MNIST from the same IDX files.

usage: scripts/pytorch_lenet.py [--epochs N] [--threads N] [--data DIR]
(Debian: apt-get install python3-torch; run it with /usr/bin/python3)"""
import argparse, gzip, os, struct, time

import torch
from torch import nn


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = idx(os.path.join(a.data, "train-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    y = idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).long()
    tx = idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).float().div(255).unsqueeze(1)
    ty = idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz")).long()
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                        nn.Linear(84, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 256):
            b = perm[i:i + 256]
            opt.zero_grad()
            loss_fn(net(x[b]), y[b]).backward()
            opt.step()
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            acc = (net(tx).argmax(1) == ty).float().mean().item()
        print(f"epoch {epoch + 1}: {seconds:.2f} s, test accuracy {acc:.4f}", flush=True)


if __name__ == "__main__":
    main()
