"""Draw docs/img/sim_vs_real.png: real and simulated sacral vertical acceleration over the force.

Real trials: Alcantara et al. 2022, PeerJ, doi:10.7717/peerj.12752 (data Apache-2.0),
converted to the gaitback format with the force in ``grf_vertical_bw``. Usage::

    python docs/sim_vs_real.py [--real-dir recordings/real/force-treadmill-1]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gaitback.columns import STANDARD_GRAVITY_MPS2 as G
from gaitback.sim import PRESETS, simulate

#: (real trial, its description, simulator preset, speed m/s, cadence spm, contact ms)
PAIRS = (
    ("trial04", "level, 3.33 m/s", "baseline", 3.33, 170.0, 250.0),
    ("trial16", "downhill -10 %, 3.33 m/s", "downhill", 3.33, 170.0, 250.0),
)
SPAN_S = 1.2


def _real(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = pd.read_csv(path)
    t_s = frame["time_s"].to_numpy()
    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    start_s = truth["steps"][1]["foot_strike_s"] - 0.1
    sel = (t_s >= start_s) & (t_s < start_s + SPAN_S)
    return t_s[sel] - start_s, frame["acc_z_mps2"].to_numpy()[sel] / G, (
        frame["grf_vertical_bw"].to_numpy()[sel]
    )


def _simulated(preset: str, speed_mps: float, cadence_spm: float,
               contact_ms: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    params = PRESETS[preset].replace(
        seed=5, sample_rate_hz=500.0, running_s=6.0, standing_before_s=1.0,
        standing_after_s=1.0, treadmill_speed_mps=speed_mps, cadence_spm=cadence_spm,
        contact_ms=contact_ms, acc_noise_mps2=0.0,
    )
    result = simulate(params)
    t_s = result.signals["time_s"].to_numpy()
    start_s = result.truth["steps"][3]["foot_strike_s"] - 0.1
    sel = (t_s >= start_s) & (t_s < start_s + SPAN_S)
    rec_t = result.recording.time_s
    up = next(k for k, v in params.axes.items() if v == "up")
    vertical = np.interp(t_s[sel], rec_t, result.recording.data[f"acc_{up}_mps2"].to_numpy())
    flat = PRESETS["belt_mount"].replace(
        seed=5, sample_rate_hz=500.0, running_s=6.0, standing_before_s=1.0,
        standing_after_s=1.0, cadence_spm=cadence_spm, contact_ms=contact_ms, acc_noise_mps2=0.0,
    )
    belt = simulate(flat)
    belt_v = np.interp(t_s[sel], belt.recording.time_s,
                       belt.recording.data[f"acc_{up}_mps2"].to_numpy())
    return (t_s[sel] - start_s, vertical / G, result.signals["fz_mps2"].to_numpy()[sel] / G,
            belt_v / G)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-dir", type=Path, default=Path("recordings/real/force-treadmill-1"))
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "img" / "sim_vs_real.png")
    args = parser.parse_args()
    fig, axes = plt.subplots(2, len(PAIRS), figsize=(11, 6), sharey=True)
    for k, (trial, what, preset, speed, cadence, contact) in enumerate(PAIRS):
        t_s, acc_g, force_bw = _real(args.real_dir / f"{trial}.csv")
        top = axes[0, k]
        top.plot(t_s, force_bw, color="0.6", lw=2, label="vertical force (BW)")
        top.plot(t_s, acc_g, color="C0", lw=1.2, label="sacral vertical acc. (g)")
        top.set_title(f"real: {trial}, {what}", fontsize=10)
        t_s, acc_g, force_bw, belt_g = _simulated(preset, speed, cadence, contact)
        bottom = axes[1, k]
        bottom.plot(t_s, force_bw, color="0.6", lw=2, label="vertical force (BW)")
        bottom.plot(t_s, acc_g, color="C3", lw=1.2, label="simulated sacral acc. (g)")
        if k == 0:
            bottom.plot(t_s, belt_g, color="C2", lw=1.0, ls="--",
                        label="preset belt_mount (g)")
        bottom.set_title(f"simulated: preset {preset}", fontsize=10)
        bottom.set_xlabel("time (s)")
        for ax in (top, bottom):
            ax.axhline(0, color="k", lw=0.5)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="upper right")
    for ax in axes[:, 0]:
        ax.set_ylabel("g / body weights")
    fig.suptitle("Sacral vertical acceleration over the force (real: Alcantara et al. 2022)",
                 fontsize=11)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
