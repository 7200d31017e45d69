#!/usr/bin/env python3
"""The coordinator's report lag of one run over time: the median and the largest lag of each 150
reports in the order they were written, and epoch-end reports against the others.

    python3 docs/bench/report_lag.py runs/bench-scale/scale-dml-k64-n16
"""
import json
import statistics
import sys

lags = []
with open(sys.argv[1] + "/metrics.jsonl") as metrics:
    for text in metrics:
        line = json.loads(text)
        if "report_lag_ms" in line:
            lags.append((line["time"], line["report_lag_ms"], line.get("epoch_end", False)))
lags.sort()
print("written   median ms  max ms  epoch-end reports")
for i in range(0, len(lags), 150):
    chunk = lags[i:i + 150]
    print(f"{chunk[0][0][11:19]}  {statistics.median(c[1] for c in chunk):9.0f}  {max(c[1] for c in chunk):6d}"
          f"  {sum(1 for c in chunk if c[2]):4d}")
ends = sorted(c[1] for c in lags if c[2])
others = sorted(c[1] for c in lags if not c[2])
for name, values in (("epoch-end reports", ends), ("other reports", others)):
    if values:
        print(f"{name}: {len(values)}, median {statistics.median(values):.0f} ms,"
              f" p99 {values[int(0.99 * (len(values) - 1))]} ms, max {values[-1]} ms")
