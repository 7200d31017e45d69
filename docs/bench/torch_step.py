#!/usr/bin/env python3
"""PyTorch reference for `cohort bench speed`: the same networks, batches and optimiser as
Cohort's presets, timed step by step on this machine.

  MLP  784-256-10, ReLU                      (Cohort: peers { hidden = [256] })
  CNN  LeNet: conv5x5(20, same)+ReLU, maxpool 2, conv5x5(50, same)+ReLU, maxpool 2, fc 500+ReLU, 10
  Adam (lr 1e-3), batch 128, float32, Fashion-MNIST training images scaled to [0, 1].

A step is forward + loss + backward + optimiser update. "independent" is cross-entropy; "mutual"
is deep mutual learning for K peers in this one process, each peer's step one forward pass, with
CE + lambda*T^2*KL(q_j || p_i^T) against the other peers' detached softened outputs of that step.
Prints one JSON object per measurement (median and quartiles of the per-step wall time in ms).

With --serve it measures on demand instead, so that a caller can interleave its own steps with
PyTorch's: each line "MODEL N" on stdin (mlp or cnn) runs N more independent steps of one network
of that model, kept across requests, and prints {"model", "times_ms": [...]}; "quit" ends.

usage: torch_step.py [--data DIR] [--threads N] [--steps S] [--warmup W] [--models mlp,cnn] [--peers 2,3]
       (--peers '' times independent training only)
       torch_step.py --serve [--data DIR] [--threads N]
"""
import argparse
import gzip
import json
import statistics
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_images(path, limit):
    with gzip.open(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise SystemExit(f"{path}: not an IDX image file (magic {magic})")
        count = min(count, limit)
        data = f.read(count * rows * cols)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(count, rows * cols).float() / 255.0


def read_labels(path, limit):
    with gzip.open(path, "rb") as f:
        magic, count = struct.unpack(">II", f.read(8))
        if magic != 2049:
            raise SystemExit(f"{path}: not an IDX label file (magic {magic})")
        count = min(count, limit)
        data = f.read(count)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long()


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, padding=2)
        self.conv2 = nn.Conv2d(20, 50, 5, padding=2)
        self.fc = nn.Linear(50 * 7 * 7, 500)
        self.out = nn.Linear(500, 10)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.out(F.relu(self.fc(x.flatten(1))))


def timed(step, batches, warmup, steps):
    times = []
    for i in range(warmup + steps):
        x, y = batches[i % len(batches)]
        started = time.perf_counter()
        step(x, y)
        if i >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=4)
    return {"median_ms": statistics.median(times), "q1_ms": q[0], "q3_ms": q[2], "steps": steps}


def independent_step(model):
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb, yb):
        optimiser.zero_grad(set_to_none=True)
        F.cross_entropy(model(xb), yb).backward()
        optimiser.step()

    return step


def serve(batches, builders):
    steppers = {}
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        name, count = words[0], int(words[1])
        if name not in steppers:
            steppers[name] = [independent_step(builders[name]()), 0]
        step, cursor = steppers[name]
        times = []
        for i in range(count):
            x, y = batches[(cursor + i) % len(batches)]
            started = time.perf_counter()
            step(x, y)
            times.append((time.perf_counter() - started) * 1000)
        steppers[name][1] = cursor + count
        print(json.dumps({"framework": "pytorch " + torch.__version__, "model": name, "times_ms": times}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--peers", default="2,3")
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x = read_images(f"{args.data}/train-images-idx3-ubyte.gz", 128 * 40)
    y = read_labels(f"{args.data}/train-labels-idx1-ubyte.gz", 128 * 40)
    batches = [(x[i:i + 128], y[i:i + 128]) for i in range(0, len(x), 128)]
    builders = {"mlp": mlp, "cnn": LeNet}
    if args.serve:
        serve(batches, builders)
        return
    for name in args.models.split(","):
        steps = args.steps if name == "mlp" else max(10, args.steps // 5)
        result = timed(independent_step(builders[name]()), batches, args.warmup, steps)
        print(json.dumps({"framework": "pytorch " + torch.__version__, "model": name, "mode": "independent",
                          "peers": 1, "threads": args.threads, **result}), flush=True)
        for k in (int(p) for p in args.peers.split(",") if p.strip()):
            models = [builders[name]() for _ in range(k)]
            optimisers = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in models]
            temperature, weight = 3.0, 1.0

            def mutual(xb, yb):
                logits = [m(xb) for m in models]  # one forward pass per peer
                soft = [F.softmax(z.detach() / temperature, dim=1) for z in logits]
                for i, z in enumerate(logits):
                    target = sum(soft[j] for j in range(k) if j != i) / (k - 1)
                    kd = F.kl_div(F.log_softmax(z / temperature, dim=1), target, reduction="batchmean")
                    loss = F.cross_entropy(z, yb) + weight * temperature ** 2 * kd
                    optimisers[i].zero_grad(set_to_none=True)
                    loss.backward()
                    optimisers[i].step()

            result = timed(mutual, batches, args.warmup, steps)
            result["per_peer_median_ms"] = result["median_ms"] / k
            print(json.dumps({"framework": "pytorch " + torch.__version__, "model": name, "mode": "mutual",
                              "peers": k, "threads": args.threads, **result}), flush=True)


if __name__ == "__main__":
    main()
