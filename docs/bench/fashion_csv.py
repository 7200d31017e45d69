#!/usr/bin/env python3
"""Writes Fashion-MNIST's IDX files as raw 0-255 CSV (784 pixel columns, label last, a header):
the input of README's standardisation comparison.

    python3 docs/bench/fashion_csv.py /usr/share/datasets/fashion-mnist OUT_DIR
"""
import gzip
import os
import struct
import sys


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def idx(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return read(path)
    sys.exit(f"{name}[.gz] not found in {directory}")


def main(source, out):
    os.makedirs(out, exist_ok=True)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = idx(source, prefix + "-images-idx3-ubyte")
        labels = idx(source, prefix + "-labels-idx1-ubyte")
        count, rows, cols = struct.unpack(">III", images[4:16])
        size = rows * cols
        with open(os.path.join(out, split + ".csv"), "w") as f:
            f.write(",".join(f"p{i}" for i in range(size)) + ",label\n")
            for n in range(count):
                pixels = images[16 + n * size:16 + (n + 1) * size]
                f.write(",".join(map(str, pixels)) + f",{labels[8 + n]}\n")
        print(f"{split}: {count} rows")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
