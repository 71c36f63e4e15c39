#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench -p zego-benches --bench core` run, and the
ratios the goals are stated in, as Markdown tables (from criterion's estimates.json)."""
import json
import os
import sys

TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "target"
)
ROWS = [
    ("prepare", "zego_core"),
    ("prepare", "vendor_style"),
    ("prepare", "floor"),
    ("prepare", "floor_then_http_uri"),
    ("parse", "zego_core"),
    ("parse", "serde_json_value"),
]


def median_ns(group, bench):
    path = os.path.join(TARGET, "criterion", group, bench, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


try:
    m = {row: median_ns(*row) for row in ROWS}
except FileNotFoundError as e:
    sys.exit(f"no estimates ({e.filename}): run `cargo bench -p zego-benches --bench core` first")

print("| benchmark | median | this ÷ zego_core |")
print("|---|---:|---:|")
for group, bench in ROWS:
    ratio = m[(group, bench)] / m[(group, "zego_core")]
    print(f"| {group}/{bench} | {fmt(m[(group, bench)])} | {ratio:.2f} |")

# (goal, ratio, goal met)
prepare, parse = m[("prepare", "zego_core")], m[("parse", "zego_core")]
goals = [
    ("prepare ≥ 3× faster than vendor_style", m[("prepare", "vendor_style")] / prepare, 3, True),
    ("prepare ≤ 1.5× the floor's time", prepare / m[("prepare", "floor")], 1.5, False),
    ("parse ≥ 2× faster than serde_json_value", m[("parse", "serde_json_value")] / parse, 2, True),
]
print()
print("| goal | measured | met |")
print("|---|---:|---|")
for name, ratio, bound, at_least in goals:
    met = ratio >= bound if at_least else ratio <= bound
    print(f"| {name} | {ratio:.2f}× | {'yes' if met else 'no'} |")
