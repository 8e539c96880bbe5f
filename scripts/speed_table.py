#!/usr/bin/env python3
"""Runs `clcnn bench --json` several times and prints a Markdown table of clcnn's time over
oneDNN's per problem and pass (the medians of the runs' ratios; above 1: clcnn faster),
with per-pass geometric means. The bench itself times each pair in alternation in one
process; this only repeats it to show the spread.

usage: scripts/speed_table.py [--runs N] [--bench PATH] [--constant-weights] [SHAPE ...]
(--constant-weights: inference plans, filters transformed once, as oneDNN's are reordered
once outside its timing)"""
import argparse, json, math, statistics, subprocess

PASSES = [("forward", ("auto",)), ("backward data", ("backward-data",)),
          ("backward weights", ("backward-weights",)),
          ("pool forward", ("max-pool", "avg-pool")),
          ("pool backward", ("max-pool-backward", "avg-pool-backward")),
          ("max pool forward, positions", ("max-pool-indices",)),
          ("max pool backward, positions", ("max-pool-backward-indices",))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bench", default="build/tools/clcnn")
    ap.add_argument("--constant-weights", action="store_true")
    ap.add_argument("shapes", nargs="*")
    a = ap.parse_args()
    ratios, ms = {}, {}
    for _ in range(a.runs):
        out = subprocess.run([a.bench, "bench", "--json", "--no-clblast",
                              *(["--constant-weights"] if a.constant_weights else []), *a.shapes],
                             check=True, capture_output=True, text=True).stdout
        for row in json.loads(out)["rows"]:
            if row["ratio_vs_onednn"] > 0 and not row["problem"].startswith("tutorial"):
                key = (row["problem"], row["method"])
                ratios.setdefault(key, []).append(row["ratio_vs_onednn"])
                ms.setdefault(key, []).append((row["median_ms"], row["onednn_ms"]))
    problems = list(dict.fromkeys(p for p, _ in ratios))
    print("| problem | " + " | ".join(name for name, _ in PASSES) + " |")
    print("|---|" + "---|" * len(PASSES))
    logs = {name: [] for name, _ in PASSES}
    for p in problems:
        cells = []
        for name, methods in PASSES:
            r = [statistics.median(ratios[(p, m)]) for m in methods if (p, m) in ratios]
            if r:
                logs[name].append(math.log(r[0]))
                t = statistics.median(x for x, _ in ms[(p, methods[0] if (p, methods[0]) in ms else methods[1])])
                cells.append(f"{r[0]:.2f}x ({t:.2f} ms)")
            else:
                cells.append("")
        print(f"| {p} | " + " | ".join(cells) + " |")
    print("| geomean | " + " | ".join(f"{math.exp(sum(v) / len(v)):.2f}x" if v else ""
                                      for v in logs.values()) + " |")


if __name__ == "__main__":
    main()
