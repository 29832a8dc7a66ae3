"""The canonical recording format: round trip, validation messages, malformed input.

Facts asserted here come from docs/recording-format.md.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitback import schema as col
from gaitback.recording import (
    ACC_DECIMALS,
    GYR_DECIMALS,
    TIME_DECIMALS,
    Recording,
    RecordingError,
    RecordingMeta,
    RecordingWriter,
    read_recording,
    write_recording,
)

G = col.STANDARD_GRAVITY_MPS2
HEADER = ",".join(col.CANONICAL)


def _frame(n: int = 400, rate_hz: float = 200.0, gyro: bool = True, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = 12.5 + np.arange(n) / rate_hz
    data = {col.TIME: t}
    acc = rng.normal(0, 2.0, (n, 3)) + np.array([0.0, 0.0, G])
    for name, values in zip(col.ACC, acc.T, strict=True):
        data[name] = values
    if gyro:
        for name, values in zip(col.GYR, rng.normal(0, 30, (n, 3)).T, strict=True):
            data[name] = values
    return pd.DataFrame(data)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out[col.TIME] = out[col.TIME].round(TIME_DECIMALS)
    for c in col.ACC:
        out[c] = out[c].round(ACC_DECIMALS)
    for c in col.GYR:
        if c in out:
            out[c] = out[c].round(GYR_DECIMALS)
    return out


def _write_text(tmp_path: Path, text: str, name: str = "rec.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("gyro", [True, False])
def test_round_trip_is_identical(tmp_path: Path, gyro: bool) -> None:
    frame = _rounded(_frame(gyro=gyro))
    meta = RecordingMeta(
        sample_rate_hz=200.0,
        axes={"x": "up", "y": "left", "z": "backward"},
        runner={"height_m": 1.78, "leg_length_m": 0.92, "mass_kg": 70.0},
        treadmill_speed_mps=3.0,
        device="test",
        started_at="2026-11-25T10:00:00+00:00",
        notes="round trip",
        extra={"lost_samples": 0},
    )
    path = write_recording(Recording(frame, meta), tmp_path / "a.csv")
    back = read_recording(path)
    pd.testing.assert_frame_equal(back.data, frame, check_exact=True)
    assert back.meta == meta
    assert back.has_gyro is gyro
    # Writing what was read gives the same bytes.
    write_recording(back, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


@pytest.mark.parametrize("gyro", [True, False])
def test_sensor_axes_read_as_views_of_the_data(tmp_path: Path, gyro: bool) -> None:
    frame = _rounded(_frame(gyro=gyro))
    rec = read_recording(write_recording(Recording(frame), tmp_path / "r.csv"))
    arrays = [(rec.acc_mps2, col.ACC)] + ([(rec.gyr_dps, col.GYR)] if gyro else [])
    for array, names in arrays:
        # No copy: the (n, 3) array is the data's own columns, and it equals the file.
        assert np.shares_memory(array, rec.data[names[0]].to_numpy())
        assert not array.flags.writeable
        np.testing.assert_array_equal(array, frame[list(names)].to_numpy())


def test_header_is_the_documented_one(tmp_path: Path) -> None:
    path = write_recording(Recording(_frame()), tmp_path / "r.csv")
    assert path.read_text().splitlines()[0] == HEADER


def test_extra_columns_are_kept(tmp_path: Path) -> None:
    frame = _rounded(_frame())
    frame["temperature_c"] = 21.5
    path = _write_text(tmp_path, frame.to_csv(index=False))
    rec = read_recording(path)
    assert "temperature_c" in rec.data.columns
    assert rec.data["temperature_c"].eq(21.5).all()


def test_writer_flushes_complete_rows(tmp_path: Path) -> None:
    frame = _frame(n=50)
    writer = RecordingWriter(tmp_path / "live.csv", RecordingMeta(sample_rate_hz=200.0))
    writer.write(frame.to_numpy()[:30])
    writer.flush()
    # Another reader sees exactly the 30 complete rows while the writer is open.
    assert len(read_recording(tmp_path / "live.csv").data) == 30
    writer.update_meta(lost_samples=3)
    writer.write(frame.to_numpy()[30:])
    writer.close()
    rec = read_recording(tmp_path / "live.csv")
    assert len(rec.data) == 50
    assert rec.meta.extra["lost_samples"] == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        (HEADER + "\n", "no samples"),
        ("time_s,acc_x_mps2,acc_y_mps2\n0,0,0\n", "missing column(s) acc_z_mps2"),
        (
            "time_s,acc_x,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n",
            "'acc_x' should be 'acc_x_mps2'",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_dps\n0,0,0,9.8,1\n",
            "missing column(s) gyr_y_dps, gyr_z_dps",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n0.01,0,abc,9.8\n",
            "line 3: acc_y_mps2 is not a number: 'abc'",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n0.01,0,,9.8\n",
            "line 3: acc_y_mps2 is empty",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n0.02,0,0,9.8\n0.01,0,0,9.8\n",
            "line 4: time_s goes from 0.02 to 0.01",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n0,0,0,9.8\n",
            "time must strictly increase",
        ),
        (
            "time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,acc_x_mps2\n0,0,0,9.8,1\n",
            "duplicate column",
        ),
    ],
)
def test_reader_errors(tmp_path: Path, text: str, message: str) -> None:
    path = _write_text(tmp_path, text)
    with pytest.raises(RecordingError) as info:
        read_recording(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot read"):
        read_recording(tmp_path / "nope.csv")
    with pytest.raises(RecordingError, match="is a directory"):
        read_recording(tmp_path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(RecordingError):
        read_recording(path)


def test_values_in_g_are_recognised(tmp_path: Path) -> None:
    frame = _frame(gyro=False)
    for c in col.ACC:
        frame[c] = frame[c] / G
    path = _write_text(tmp_path, frame.to_csv(index=False))
    with pytest.raises(RecordingError, match="look like g.*9.80665"):
        read_recording(path)


def test_gravity_removed_is_recognised(tmp_path: Path) -> None:
    frame = _frame(gyro=False)
    frame[col.ACC[2]] -= G
    path = _write_text(tmp_path, frame.to_csv(index=False))
    with pytest.raises(RecordingError, match="gravity looks removed"):
        read_recording(path)


def test_gaps_are_detected_not_bridged(tmp_path: Path) -> None:
    frame = _frame(n=1000)
    # Lose 7 samples after index 300 and 2 after index 700.
    keep = np.ones(len(frame), bool)
    keep[301:308] = False
    keep[701:703] = False
    frame = _rounded(frame[keep].reset_index(drop=True))
    rec = Recording(frame, RecordingMeta(sample_rate_hz=200.0))
    path = write_recording(rec, tmp_path / "gappy.csv")
    back = read_recording(path)
    assert len(back.data) == 1000 - 9  # nothing invented
    gaps = back.gaps
    assert gaps["missing_samples"].tolist() == [7, 2]
    assert back.lost_samples == 9


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"sample_rate_hz": -5}', "sample_rate_hz must be a positive number"),
        ('{"sample_rate_hz": "fast"}', "sample_rate_hz must be a number"),
        ('{"axes": {"x": "up", "y": "up", "z": "left"}}', "same body axis twice"),
        ('{"axes": {"x": "up", "y": "left", "z": "forward"}}', "left-handed"),
        ('{"axes": {"x": "sideways", "y": "left", "z": "up"}}', "unknown axis direction"),
        ('{"runner": {"height_m": "tall"}}', "runner.height_m must be a number"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_sidecar_errors(tmp_path: Path, sidecar: str, message: str) -> None:
    path = write_recording(Recording(_frame(n=50)), tmp_path / "s.csv")
    (tmp_path / "s.json").write_text(sidecar)
    with pytest.raises(RecordingError, match=message):
        read_recording(path)


_cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.text(alphabet=string.printable, max_size=6),
    st.just(""),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.sampled_from([*col.CANONICAL, "x", "acc_x", "", "time"]), min_size=0, max_size=8
    ),
    rows=st.lists(st.lists(_cell, min_size=0, max_size=9), max_size=12),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_malformed_csv_only_raises_recording_error(
    tmp_path: Path, header: list[str], rows: list[list[str]], sep: str
) -> None:
    text = sep.join(header) + "\n" + "\n".join(sep.join(r) for r in rows)
    path = _write_text(tmp_path, text, "fuzz.csv")
    try:
        rec = read_recording(path)
    except RecordingError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    # Anything accepted satisfies the format's invariants.
    t = rec.time_s
    assert np.all(np.diff(t) > 0)
    assert np.isfinite(rec.acc_mps2).all()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_only_raise_recording_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.csv"
    path.write_bytes(HEADER.encode() + b"\n" + data)
    try:
        read_recording(path)
    except RecordingError:
        pass


def test_sidecar_json_written_is_valid(tmp_path: Path) -> None:
    meta = RecordingMeta(sample_rate_hz=100.0, treadmill_speed_mps=2.8)
    write_recording(Recording(_frame(n=20), meta), tmp_path / "m.csv")
    raw = json.loads((tmp_path / "m.json").read_text())
    assert raw == {"sample_rate_hz": 100.0, "treadmill_speed_mps": 2.8}


@pytest.mark.parametrize("separator", [",", ", "])
def test_blanks_after_commas_are_ignored_in_cells_and_header(
    tmp_path: Path, separator: str
) -> None:
    """docs/recording-format.md: blanks after a comma are allowed, whether or not the
    header has them (the reader skips them per field only for a spaced header)."""
    names = [col.TIME, *col.ACC]
    values = [[i / 100, 0.5 + i / 1000, -0.25, 9.75] for i in range(400)]
    lines = [separator.join(names)]
    lines += [",\t".join(f"{v:.3f}" for v in row[:2]) + ",  " + ", ".join(
        f"{v:.3f}" for v in row[2:]) for row in values]
    path = tmp_path / "blanks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rec = read_recording(path)
    assert list(rec.data.columns) == names
    np.testing.assert_allclose(rec.data[names].to_numpy(), np.round(values, 3))
