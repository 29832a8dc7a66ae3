"""Peak memory of importing a phone export of real length (issue 13, item 10).

Writes a Sensor Logger zip whose ``TotalAcceleration.csv`` and ``Gyroscope.csv``
hold ``--hours`` of samples at ``--rate-hz`` (a simulated second of running,
repeated: content does not matter to the reader, size does), then imports it in
a fresh child process and prints its wall time and peak resident memory (VmHWM).

``python benchmarks/import_memory.py --hours 3`` (a 3-hour 6-axis export at 100 Hz).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

EPOCH_NS = 1_700_000_000 * 10**9
RAD_PER_DEG = 3.141592653589793 / 180.0


def export_write(path: Path, hours: float, rate_hz: float) -> dict[str, int]:
    """The zip; returns each member's uncompressed size in bytes."""
    import numpy as np
    import pandas as pd

    from gaitback.sim import PRESETS, simulate

    second = simulate(
        PRESETS["baseline"].replace(
            running_s=2.0, standing_before_s=0.0, standing_after_s=0.0, sample_rate_hz=rate_hz
        )
    ).recording
    per_s = int(rate_hz)
    n = int(hours * 3600 * rate_hz)
    t = np.arange(n) / rate_hz
    sizes = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(
            "Metadata.csv",
            "version,device name,recording time,platform\n"
            "2,Bench Phone,2023-11-14_22-13-20,Android\n",
        )
        for name, values in (
            ("TotalAcceleration.csv", second.acc_mps2[:per_s]),
            ("Gyroscope.csv", second.gyr_dps[:per_s] * RAD_PER_DEG),
        ):
            block = 360_000
            with zf.open(name, "w", force_zip64=True) as member:
                member.write(b"time,seconds_elapsed,z,y,x\n")
                for i in range(0, n, block):
                    k = np.arange(i, min(n, i + block))
                    xyz = values[k % per_s]
                    frame = pd.DataFrame(
                        {
                            "time": EPOCH_NS + (t[k] * 1e9).astype(np.int64),
                            "seconds_elapsed": t[k],
                            "z": xyz[:, 2],
                            "y": xyz[:, 1],
                            "x": xyz[:, 0],
                        }
                    )
                    member.write(
                        frame.to_csv(header=False, index=False, float_format="%.6f").encode()
                    )
            sizes[name] = zf.getinfo(name).file_size
    return sizes


CHILD = """
import json, sys, time
from gaitback.importers import recording_load
t0 = time.perf_counter()
rec = recording_load(sys.argv[1])
seconds = time.perf_counter() - t0
peak = [int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM")]
print(json.dumps({"rows": rec.n_samples, "seconds": seconds, "peak_rss_mb": peak[0]}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--rate-hz", type=float, default=100.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gaitback-import-") as tmp:
        path = Path(tmp) / "export.zip"
        sizes = export_write(path, args.hours, args.rate_hz)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ),
        )
        if proc.returncode != 0:
            print(proc.stderr.strip().splitlines()[-1], file=sys.stderr)
            return 1
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out.update(
            zip_mb=path.stat().st_size / 1e6,
            members_mb={k: v / 1e6 for k, v in sizes.items()},
            hours=args.hours,
            rate_hz=args.rate_hz,
        )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
