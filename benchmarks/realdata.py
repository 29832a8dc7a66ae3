"""Real running with force-plate truth: gaitback, a naive threshold and skdh side by side.

``python -m benchmarks.realdata`` scores, on every trial of
``recordings/real/force-treadmill-1`` (real sacral accelerometer, 500 Hz,
slopes -10 ... +10 %, Alcantara et al. 2022):

- gaitback (``gaitback.analyze`` with its defaults);
- a naive detector: foot strike / toe-off where the vertical specific force,
  low-passed at 20 Hz, crosses 1 g upward / downward, ignoring dips shorter
  than 100 ms (the simplest rule a newcomer would write);
- scikit-digital-health ``GaitLumbar`` with its defaults (a walking algorithm;
  see ``benchmarks/peers.py``), when installed (``pip install -e '.[bench]'``).

Foot strikes are matched one-to-one to the force truth within 40 ms; the
published single-sacral-IMU figures are printed beside them. Writes
``benchmarks/realdata.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Never touch the user's history store.
os.environ.setdefault("GAITBACK_DB", str(Path(tempfile.mkdtemp()) / "bench.sqlite"))

import gaitback  # noqa: E402
from gaitback import columns as col  # noqa: E402
from gaitback.evaluation import accuracy, pooled  # noqa: E402

DEFAULT_TRIALS = REPO / "recordings" / "real" / "force-treadmill-1"

PUBLISHED = [
    ("contact time, 1 sacral IMU, 100 runners (Patoz et al. 2022)", "bias +13 ms, RMSE 20 ms"),
    ("peak vertical force, same study", "RMSE 0.15 BW, bias 0.07 BW"),
    (
        "foot strike, 18 methods on 74 runners (Kiernan et al. 2023)",
        "bias -30 ms (Auvinet) ... +29 ms (Reenalda)",
    ),
    ("toe-off, best sacral method (Auvinet, Kiernan et al. 2023)", "bias -3 ms"),
    ("trial-mean contact time, 37 runners (Alcantara et al. 2021)", "bias +15.8 ms, RMSE 27 ms"),
]


def naive_steps(csv: Path) -> pd.DataFrame:
    """Foot strike / toe-off at the 1 g crossings of the declared vertical axis."""
    from gaitback.core.conditioning import lowpass

    rec = gaitback.read_recording(csv)
    axes = rec.meta.axes or {}
    up = next((k for k, v in axes.items() if v == "up"), "z")
    raw_g = rec.data[f"acc_{up}_mps2"].to_numpy() / col.STANDARD_GRAVITY_MPS2
    vertical_g = lowpass(raw_g, 20.0, rec.sample_rate_hz)
    t = rec.time_s
    above = vertical_g >= 1.0
    rise = t[np.flatnonzero(~above[:-1] & above[1:]) + 1]
    fall = t[np.flatnonzero(above[:-1] & ~above[1:]) + 1]
    strikes, toes = [], []
    for r in rise:
        # A stance ends at the first fall below 1 g that lasts 100 ms or more.
        for f in fall[fall > r]:
            back = rise[rise > f]
            if not len(back) or back[0] - f >= 0.1:
                break
        else:
            continue
        if strikes and r < toes[-1]:
            continue  # a dip inside the previous stance
        strikes.append(r)
        toes.append(f)
    strikes_a, toes_a = np.array(strikes), np.array(toes)
    return pd.DataFrame(
        {
            col.FOOT_STRIKE: strikes_a,
            col.TOE_OFF: toes_a,
            col.CONTACT: (toes_a - strikes_a) * 1000,
        }
    )


def tool_steps(tool: str, csv: Path) -> tuple[pd.DataFrame | None, str | None]:
    """One tool's step table on one trial, or the reason it has none."""
    if tool == "gaitback":
        return gaitback.analyze(csv).steps, None
    if tool == "naive 1 g threshold":
        return naive_steps(csv), None
    from benchmarks.peers import Case, skdh_run

    run = skdh_run(Case(csv.stem, csv, pd.DataFrame(), {}))
    if run.error:
        return None, run.error
    return run.steps, None


def realdata_run(trials: Path) -> dict[str, Any]:
    """Per-trial and pooled scores of every tool."""
    tools = ["gaitback", "naive 1 g threshold", "skdh GaitLumbar"]
    out: dict[str, Any] = {"trials": [], "pooled": {}, "errors": {}}
    per_tool: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    for csv in sorted(trials.glob("trial*[0-9].csv")):
        truth = json.loads(csv.with_suffix(".truth.json").read_text())
        truth_steps = pd.DataFrame(truth["steps"])
        row = {"trial": csv.stem, "slope_pct": truth["slope_pct"], "speed_mps": truth["speed_mps"]}
        for tool in tools:
            steps, error = tool_steps(tool, csv)
            if steps is None:
                out["errors"][tool] = error
                continue
            score = accuracy(steps, {}, truth_steps)
            per_tool[tool].append(score)
            row[tool] = score
        out["trials"].append(row)
    out["pooled"] = {t: pooled(s) for t, s in per_tool.items() if s}
    return out


def _f(x: Any, digits: int = 1, sign: bool = True) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def realdata_markdown(res: dict[str, Any], trials: Path) -> str:
    """The tables of :func:`realdata_run` as Markdown."""
    lines = [
        "# Real running with force-plate truth",
        "",
        f"Trials: `{trials.relative_to(REPO) if trials.is_relative_to(REPO) else trials}` "
        "(real sacral accelerometer, 500 Hz; Alcantara et al. 2022). Command: "
        "`python -m benchmarks.realdata`. Foot strikes matched to the force truth within 40 ms.",
        "",
        "| tool | F1 mean | F1 worst | foot strike bias (ms) | toe-off bias (ms) "
        "| contact bias (ms) | contact RMSE (ms) | peak force RMSE (BW) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tool, p in res["pooled"].items():
        lines.append(
            f"| {tool} | {_f(p['f1_mean'], 3, False)} | {_f(p['f1_min'], 3, False)} "
            f"| {_f(p['foot_strike_bias_ms'])} | {_f(p['toe_off_bias_ms'])} "
            f"| {_f(p['contact_bias_ms'])} | {_f(p['contact_rmse_ms'], 1, False)} "
            f"| {_f(p['peak_force_rmse_bw'], 2, False)} |"
        )
    for tool, error in res["errors"].items():
        lines.append(f"| {tool} | not run: {error} | | | | | | |")
    lines += ["", "Published, for comparison:", ""]
    lines += [f"- {what}: {figure}" for what, figure in PUBLISHED]
    lines += [
        "",
        "## gaitback per trial",
        "",
        "| trial | slope % | speed m/s | F1 | foot strike bias | toe-off bias "
        "| contact bias | contact RMSE | peak force RMSE (BW) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in res["trials"]:
        s = row.get("gaitback", {})
        lines.append(
            f"| {row['trial']} | {row['slope_pct']:+d} | {row['speed_mps']} "
            f"| {_f(s.get('f1'), 3, False)} | {_f(s.get('foot_strike_bias_ms'))} "
            f"| {_f(s.get('toe_off_bias_ms'))} | {_f(s.get('contact_bias_ms'))} "
            f"| {_f(s.get('contact_rmse_ms'), 1, False)} "
            f"| {_f(s.get('peak_force_rmse_bw'), 2, False)} |"
        )
    lines += [
        "",
        "Not validated on real data yet: left/right assignment and pelvic angles (these trials "
        "have no gyroscope and no side truth).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print and write the real-data tables."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.realdata", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--trials", type=Path, default=DEFAULT_TRIALS, help="folder of trial*.csv + truth"
    )
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "realdata.md")
    args = p.parse_args(argv)
    if not any(args.trials.glob("trial*[0-9].csv")):
        print(f"realdata: no trial*.csv in {args.trials}", file=sys.stderr)
        return 2
    res = realdata_run(args.trials)
    text = realdata_markdown(res, args.trials.resolve())
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
