"""Malformed metadata, cells and timestamps are one-line errors, never internal ones.

Fuzzed: the sidecar (any JSON, including deep nesting and numbers no float can
hold) and one cell at a time of every importer's export. Whatever the damage,
only :class:`RecordingError` may escape, with a one-line message naming the
file; and the command line prints one line and exits 2.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitback.cli.main import main
from gaitback.errors import RecordingError
from gaitback.importers import recording_load
from gaitback.importers.common import iso_utc
from gaitback.recording import Recording, read_recording, write_recording
from test_import_support import (
    acc_columns,
    gyr_columns,
    phyphox_table,
    running_recording,
    write_metabase,
    write_sensorlogger,
    write_witmotion,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SIDECAR_KEYS = [
    "sample_rate_hz",
    "axes",
    "runner",
    "treadmill_speed_mps",
    "device",
    "started_at",
    "notes",
    "lost_samples",
]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["up", "left", "backward", "x", "9" * 400, "2025-13-45T99:00", "1e999"]),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from([*SIDECAR_KEYS, "x", "y", "z", "height_m"]), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


def _one_line_naming(exc: BaseException, name: str) -> None:
    message = str(exc)
    assert message and "\n" not in message, message
    assert name in message, message


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = running_recording(duration_s=8.0, rate_hz=100.0, seed=5)
    return write_recording(rec, tmp_path_factory.mktemp("canonical") / "run.csv")


@FUZZ
@given(sidecar=st.dictionaries(st.sampled_from(SIDECAR_KEYS), _json, max_size=5))
def test_fuzzed_sidecar_is_accepted_or_one_recording_error(canonical: Path, sidecar) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "run.csv"
        shutil.copy(canonical, csv)
        csv.with_suffix(".json").write_text(json.dumps(sidecar))
        try:
            read_recording(csv)
        except RecordingError as exc:
            _one_line_naming(exc, "run.json")


@pytest.mark.parametrize(
    ("sidecar", "field"),
    [
        ('{"axes": {"x": ["up"], "y": "left", "z": "backward"}}', "axes"),
        ('{"axes": {"x": {"up": 1}, "y": "left", "z": "backward"}}', "axes"),
        ("[" * 50_000 + "]" * 50_000, "nested"),
        ('{"notes": ' + '{"a": ' * 20_000 + "1" + "}" * 20_000 + "}", "nested"),
        ('{"sample_rate_hz": ' + "9" * 400 + "}", "sample_rate_hz"),
        ('{"runner": {"height_m": -' + "9" * 400 + "}}", "runner.height_m"),
        ('{"started_at": "yesterday"}', "started_at"),
        ('{"started_at": "0001-01-01T00:00:00"}', None),
    ],
)
def test_malformed_sidecar_names_file_and_field(
    canonical: Path, tmp_path: Path, sidecar: str, field: str | None
) -> None:
    csv = tmp_path / "run.csv"
    shutil.copy(canonical, csv)
    csv.with_suffix(".json").write_text(sidecar)
    try:
        read_recording(csv)
    except RecordingError as exc:
        _one_line_naming(exc, "run.json")
        if field is not None:
            assert field in str(exc)
    else:
        # Only the earliest ISO date may be valid, where the platform can place it.
        assert field is None


# ----------------------------------------------------------------------------- importers

_cells = st.one_of(
    st.just(""),
    st.just("9" * 400),
    st.just("-" + "9" * 400 + ".5"),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "1e-400", "0x1F", "1,5", "--", "null"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)


def _exports(root: Path) -> dict[str, Path]:
    rec = running_recording(duration_s=8.0, rate_hz=100.0, seed=8)
    out: dict[str, Path] = {}
    phyphox = root / "phyphox" / "Raw Data.csv"
    phyphox.parent.mkdir(parents=True)
    phyphox.write_text(
        phyphox_table(acc_columns(rec.time_s, rec.acc_mps2) + gyr_columns(rec.time_s, rec.gyr_dps))
    )
    out["phyphox"] = phyphox.parent
    out["sensorlogger"] = write_sensorlogger(rec, root / "sensorlogger")
    write_metabase(rec, root / "metabase")
    out["metabase"] = root / "metabase"
    out["witmotion"] = write_witmotion(rec, root / "witmotion.txt")
    out["canonical"] = write_recording(rec, root / "canonical.csv")
    return out


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _exports(tmp_path_factory.mktemp("exports"))


def _damage(path: Path, data: st.DataObject) -> str:
    """Replace one cell of one data line (header kept) of ``path``; its file name."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    target = data.draw(st.sampled_from(files))
    raw = target.read_text(encoding="utf-8", errors="surrogateescape")
    lines = raw.split("\n")
    row = data.draw(st.integers(1, max(1, len(lines) - 2)))
    sep = "\t" if "\t" in lines[0] else ","
    cells = lines[row].split(sep)
    column = data.draw(st.integers(0, max(0, len(cells) - 1)))
    cells[column] = data.draw(_cells).replace(sep, " ").replace("\n", " ").replace("\r", " ")
    lines[row] = sep.join(cells)
    target.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
    return target.name


@pytest.mark.parametrize("fmt", ["phyphox", "sensorlogger", "metabase", "witmotion", "canonical"])
# A corrupt cell is said in words (one RecordingError, or a dropped-samples
# warning), never as numpy's overflow noise on the terminal.
@pytest.mark.filterwarnings("error::RuntimeWarning")
@FUZZ
@given(data=st.data())
def test_fuzzed_export_cell_is_accepted_or_one_recording_error(
    exports: dict[str, Path], fmt: str, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = exports[fmt]
        copy = Path(tmp) / source.name
        if source.is_dir():
            shutil.copytree(source, copy)
        else:
            shutil.copy(source, copy)
        _damage(copy, data)
        try:
            rec = recording_load(copy, fmt=fmt)
        except RecordingError as exc:
            _one_line_naming(exc, copy.name if not source.is_dir() else "")
            return
        assert isinstance(rec, Recording)
        assert np.all(np.diff(rec.time_s) > 0) and np.isfinite(rec.acc_mps2).all()


@pytest.mark.parametrize("epoch_s", [1e300, -1e300, 1e18, -1e13, float("nan"), float("inf")])
def test_epoch_out_of_range_is_a_recording_error(epoch_s: float) -> None:
    with pytest.raises(RecordingError) as err:
        iso_utc(epoch_s, "Gyroscope.csv", "column 'time'")
    _one_line_naming(err.value, "Gyroscope.csv")
    assert "column 'time'" in str(err.value)


def test_sensorlogger_epoch_out_of_range_via_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = running_recording(duration_s=8.0, rate_hz=100.0, seed=9)
    folder = write_sensorlogger(rec, tmp_path / "export")
    for name in ("Accelerometer.csv", "Gravity.csv", "TotalAcceleration.csv", "Gyroscope.csv"):
        path = folder / name
        lines = path.read_text().splitlines()
        # The ns epoch of every row pushed far past year 9999 (elapsed time unchanged).
        fixed = [lines[0]] + ["9" * 30 + line[line.index(",") :] for line in lines[1:]]
        path.write_text("\n".join(fixed) + "\n")
    code = main(["analyze", str(folder), "--out", str(tmp_path / "out"), "--no-save"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "time" in err[0] and "no date" in err[0]


# ----------------------------------------------------------------------------- zip members


def test_zip_member_beyond_any_phone_export_is_refused_unread(tmp_path: Path) -> None:
    from gaitback.importers.sources import MAX_MEMBER_BYTES

    # 401 MB of one repeated row compresses to well under a megabyte: a zip bomb
    # as far as an importer can tell.
    row = b"1700000000000000000,0.010000,0.1,9.8,0.2\n"
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("Metadata.csv", "version,device name,recording time,platform\n2,P,x,Android\n")
        with zf.open("TotalAcceleration.csv", "w", force_zip64=True) as member:
            member.write(b"time,seconds_elapsed,z,y,x\n")
            block = row * (4_000_000 // len(row))
            for _ in range(MAX_MEMBER_BYTES // len(block) + 1):
                member.write(block)
    assert path.stat().st_size < 5_000_000
    with pytest.raises(RecordingError) as err:
        recording_load(path)
    _one_line_naming(err.value, "TotalAcceleration.csv")
    assert "200 MB" in str(err.value) and "limit" in str(err.value)
