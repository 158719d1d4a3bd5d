#!/usr/bin/env python3
"""Print criterion's latest results as the README's Markdown tables.

    cargo bench -p halide-pipelines-benches --bench demosaic -- --noplot && python3 benches/table.py

Reads target/criterion/*/.../new/{benchmark,estimates}.json (standard library
only). Groups named "<name> u8" and "<name> u16" are printed side by side; a
group with a "memory floor" benchmark gets a "x floor" column: each row's
median time divided by the floor's median from the same run, the figure that
stays meaningful on a noisy shared machine.
"""

import argparse
import json
import pathlib
import re
import sys
from collections import OrderedDict


def load(criterion_dir):
    """{group: {row: (median ns, elements or None)}}, in the order of their paths."""
    groups = {}
    for benchmark in sorted(criterion_dir.glob("**/new/benchmark.json")):
        meta = json.loads(benchmark.read_text())
        estimates = json.loads((benchmark.parent / "estimates.json").read_text())
        row = meta["function_id"]
        if meta.get("value_str"):
            row += ", " + meta["value_str"]
        elements = (meta.get("throughput") or {}).get("Elements")
        groups.setdefault(meta["group_id"], {})[row] = (estimates["median"]["point_estimate"], elements)
    return groups


def row_order(name):
    """Floor first, ours before peers, then 1 thread / all threads / rayon."""
    rank = 0 if "floor" in name else 2 if name.startswith("peer") else 1
    return (rank, name.split(",")[0].split()[0] if rank == 1 else "", name)


def table(family, columns):
    floors = {
        sample: next((ns for row, (ns, _) in rows.items() if "memory floor" in row), None)
        for sample, rows in columns.items()
    }
    slowest = max(ns for rows in columns.values() for ns, _ in rows.values())
    unit, scale, digits = ("ms", 1e6, 2) if slowest >= 1e6 else ("ns", 1.0, 0)
    rated = {sample: any(elements for _, elements in rows.values()) for sample, rows in columns.items()}
    header = ["work"]
    for sample in columns:
        header += [f"{sample} {unit}".strip()]
        header += [f"{sample} MP/s".strip()] if rated[sample] else []
        header += [f"{sample} × floor".strip()] if floors[sample] else []
    lines = [f"**{family}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    names = OrderedDict()
    for rows in columns.values():
        for name in rows:
            names[name] = None
    for name in sorted(names, key=row_order):
        mark_ours = row_order(name)[0] == 1 and any(n.startswith("peer") for n in names)
        cells = [f"**ours** {name}" if mark_ours else name]
        for sample, rows in columns.items():
            ns, elements = rows.get(name, (None, None))
            cells += ["—" if ns is None else f"{ns / scale:.{digits}f}"]
            if rated[sample]:
                cells += ["—" if ns is None or not elements else f"{elements / ns * 1e3:.0f}"]
            if floors[sample]:
                cells += ["—" if ns is None else f"{ns / floors[sample]:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--criterion", type=pathlib.Path, default=pathlib.Path("target/criterion"))
    parser.add_argument("groups", nargs="*", help="only groups whose name starts with one of these")
    args = parser.parse_args()
    if not args.criterion.is_dir():
        sys.exit(f"{args.criterion} does not exist: run `cargo bench` first (from the repository root)")
    families = OrderedDict()
    for group, rows in sorted(load(args.criterion).items()):
        if args.groups and not any(group.startswith(g) for g in args.groups):
            continue
        match = re.fullmatch(r"(.*) (u8|u16|f32)", group)
        family, sample = match.groups() if match else (group, "")
        families.setdefault(family, OrderedDict())[sample] = rows
    for family, columns in families.items():
        ordered = OrderedDict(sorted(columns.items(), key=lambda kv: ("u8", "u16").index(kv[0]) if kv[0] in ("u8", "u16") else 9))
        print(table(family, ordered))
        print()


if __name__ == "__main__":
    main()
