"""Which findings each simulated scenario raises, and what real recordings read.

Usage::

    python benchmarks/findings_scenarios.py [--seeds 1,2,3] [--running-s 150]
    python benchmarks/findings_scenarios.py --real DIR   # every *.csv in DIR

The scenario table (scenario x seed -> findings raised) is what issue 15 asks to hold: each
cause raises its own finding and no other, a clean run raises nothing. With ``--real`` it
also prints, per real recording, the findings raised (with and without the enough-data
rule) and the metrics whose thresholds are set from real data, then their range, so the
cut-offs in ``thresholds.toml`` can be retuned after a change to the analysis.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import gaitback
from gaitback.feedback import findings_evaluate
from gaitback.feedback.findings import Finding
from gaitback.sim import PRESETS, simulate

#: scenario -> simulator parameters (the presets are the ground truth).
SCENARIOS = {
    "clean": PRESETS["baseline"],
    "overstriding": PRESETS["overstriding"],
    "forward_lean": PRESETS["forward_lean"],
    "pelvic_drop_3_vs_8": PRESETS["baseline"].replace(
        pelvic_drop_left_deg=3.0, pelvic_drop_right_deg=8.0
    ),
    "pelvic_drop_right": PRESETS["pelvic_drop_right"],
    "camber_3deg": PRESETS["baseline"].replace(camber_deg=3.0),
    "uneven_surface": PRESETS["uneven_surface"],
    "fatigue": PRESETS["fatigue"],
    "high_impact": PRESETS["high_impact"],
}

#: Metrics whose cut-offs rest on real recordings (thresholds.toml says which).
REAL_METRICS = (
    "braking_g",
    "loading_rate_gps",
    "impact_g",
    "impact_cv_pct",
    "step_regularity",
    "contact_ms",
    "cadence_spm",
)


def raised(findings: list[Finding]) -> str:
    """``id:severity`` of the raised findings, or ``-``."""
    text = [f"{f.id}:{f.severity}" for f in findings if f.raised]
    return ", ".join(text) or "-"


def scenario_table(seeds: list[int], running_s: float) -> None:
    print(f"| scenario | {' | '.join(f'seed {s}' for s in seeds)} |")
    print(f"|---|{'---|' * len(seeds)}")
    for name, params in SCENARIOS.items():
        cells = []
        for seed in seeds:
            run = params.replace(seed=seed, running_s=running_s, sample_rate_hz=100.0)
            cells.append(raised(findings_evaluate(gaitback.analyze(simulate(run).recording))))
        print(f"| {name} | {' | '.join(cells)} |", flush=True)


def real_table(folder: Path) -> None:
    paths = sorted(folder.glob("*.csv"))
    if not paths:
        sys.exit(f"{folder}: no .csv recordings")
    values: dict[str, list[float]] = {m: [] for m in REAL_METRICS}
    print("| recording | raised (enough-data rule) | raised (rule off) | "
          + " | ".join(REAL_METRICS) + " |")
    print("|---|---|---|" + "---|" * len(REAL_METRICS))
    for path in paths:
        result = gaitback.analyze(path)
        gated = raised(findings_evaluate(result))
        ungated = raised(findings_evaluate(result, require_enough_running=False))
        cells = []
        for metric in REAL_METRICS:
            value = result.summary.get(metric)
            if isinstance(value, int | float):
                values[metric].append(float(value))
                cells.append(f"{value:.2f}")
            else:
                cells.append("—")
        print(f"| {path.stem} | {gated} | {ungated} | {' | '.join(cells)} |", flush=True)
    print()
    for metric, seen in values.items():
        if seen:
            print(f"{metric}: {min(seen):.2f} - {max(seen):.2f} over {len(seen)} recordings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--running-s", type=float, default=150.0)
    parser.add_argument("--real", type=Path, metavar="DIR", help="folder of real recordings")
    parser.add_argument("--no-sim", action="store_true", help="skip the scenario table")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if not args.no_sim:
        scenario_table([int(s) for s in args.seeds.split(",")], args.running_s)
    if args.real is not None:
        print()
        real_table(args.real)


if __name__ == "__main__":
    main()
