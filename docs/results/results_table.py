#!/usr/bin/env python3
"""Prints the README's results table (Markdown) from the published studies' results.json.

Usage: docs/results/results_table.py [docs/results]   (every <study>/results.json below it)

One row per study, target, arm and comparison (versus scratch or control), on the Elo curve
(falling back to win rate where a target has no Elo threshold): jumpstart and asymptote
difference with their 95% intervals, the area ratio (transfer area / comparison area), the
times to the win-rate threshold seed by seed (how many seeds reached it, their median in the
budget's unit on target compute and with the source's cost charged; a ratio needs both arms to
reach it), the verdict on the area difference with its interval and
Holm-adjusted p, seeds per arm and the compute (per-arm budget, source cost).
"""
import csv
import json
import math
import pathlib
import sys


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1e4 or (0 < abs(x) < 1e-2):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}" if abs(x) < 10 else f"{x:.0f}"


def with_interval(entry):
    if not entry or entry.get("value") is None:
        return "-"
    lo, hi = entry.get("ci95", [None, None])
    return f"{fmt(entry['value'])} [{fmt(lo)}, {fmt(hi)}]"


def ratio(a, b):
    """a / b for positive areas; None otherwise (Elo areas below random's 0 have no ratio)."""
    if not a or not b or a.get("value") is None or b.get("value") is None:
        return None
    if a["value"] < 0 or b["value"] <= 0:
        return None
    return a["value"] / b["value"]


def median(values):
    values = sorted(values)
    n = len(values)
    return (values[n // 2] + values[(n - 1) // 2]) / 2


def times_to_threshold(study_dir):
    """{(target, arm): [(target_only, source_charged) or None per seed]} on the win-rate curve."""
    times = {}
    with open(study_dir / "times_to_threshold.csv") as f:
        for row in csv.DictReader(f):
            if row["y"] != "win_rate":
                continue
            reached = row["time_target_only"] != ""
            times.setdefault((row["target"], row["arm"]), []).append(
                (float(row["time_target_only"]), float(row["time_source_charged"]))
                if reached else None)
    return times


def reached(seeds):
    hits = [t for t in seeds if t is not None]
    text = f"{len(hits)}/{len(seeds)}"
    if hits:
        target_only = median([t[0] for t in hits])
        charged = median([t[1] for t in hits])
        text += f" at {fmt(target_only)}"
        if charged != target_only:
            text += f" ({fmt(charged)} charged)"
    return text


def threshold_times(times, target, arm, versus):
    ours, theirs = times.get((target, arm)), times.get((target, versus))
    if not ours or not theirs:
        return "-"
    text = f"{reached(ours)} vs {reached(theirs)}"
    if all(t is not None for t in ours + theirs):
        a, b = median([t[0] for t in ours]), median([t[0] for t in theirs])
        text += f"; ratio {fmt(a / b)}" if b else ""
    return text


def rows(study_dir):
    results = json.loads((study_dir / "results.json").read_text())
    spec = results["spec"]
    budget = spec["budget"]
    times = times_to_threshold(study_dir)
    compute = f"{fmt(budget['amount'])} {budget['unit']}/arm"
    if results.get("source", {}).get("cost"):
        compute += f", source {fmt(results['source']['cost'])}"
    for target in results["targets"]:
        metrics = [m for m in target["metrics"] if "result" in m and not m.get("total_time")]
        has_elo = any(m["y"] == "elo" for m in metrics)
        for m in metrics:
            if m["y"] != ("elo" if has_elo else "win_rate"):
                continue
            r = m["result"]
            verdict = (f"{r['verdict']}: {with_interval(r.get('area_difference'))}, "
                       f"p={fmt(r['p_value_adjusted'], 2)}")
            yield [results["name"], target["name"], m["arm"], m["versus"], m["y"],
                   with_interval(r.get("jumpstart")),
                   fmt(ratio(r.get("area_transfer"), r.get("area_scratch"))),
                   with_interval(r.get("asymptote_difference")),
                   threshold_times(times, target["name"], m["arm"], m["versus"]), verdict,
                   f"{r['transfer_seeds']}+{r['scratch_seeds']}", compute]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    header = ["study", "target", "arm", "versus", "curve", "jumpstart", "area ratio",
              "asymptote difference",
              "seeds reaching win rate 0.5: arm vs comparison (median)", "verdict (area difference, Holm p)",
              "seeds", "compute"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for study_dir in sorted(p.parent for p in root.glob("*/results.json")):
        for row in rows(study_dir):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
