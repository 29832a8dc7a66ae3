"""The acquisition subcommands: devices, record, calibrate, emulate."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gaitback import columns as col
from gaitback.acquisition.emulator import DeviceEmulator
from gaitback.acquisition.profiles import load_profile
from gaitback.cli.main import main
from gaitback.recording import RecordingMeta, read_recording, recording_from_frame
from test_acq_support import GYR_TOL_DPS, G, write_running

RATE_HZ = 200.0


def test_devices_lists_the_shipped_profiles(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    for name in ("gaitback-serial", "gaitback-text", "witmotion-wt901-ble", "movesense-ble"):
        assert name in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "record",
                "--profile",
                "gaitback-serial",
                "--port",
                "/nonexistent/tty",
                "--out",
                "x.csv",
            ],
            "cannot open serial port /nonexistent/tty",
        ),
        (
            ["record", "--profile", "gaitback-ble", "--port", "/dev/ttyUSB0", "--out", "x.csv"],
            "BLE device",
        ),
        (
            ["record", "--profile", "nope", "--port", "/dev/ttyUSB0", "--out", "x.csv"],
            "unknown device profile",
        ),
        (["emulate", "--profile", "gaitback-ble", "--from", "REC"], "not a serial device"),
        (["emulate", "--profile", "gaitback-serial", "--from", "missing.csv"], "cannot read"),
        (
            ["calibrate", "--profile", "gaitback-serial", "--port", "/nonexistent/tty"],
            "cannot open serial port",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    write_running(tmp_path / "REC", duration_s=2.0)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("gaitback: error:") and message in err[-1]
    assert not (tmp_path / "x.csv").exists()  # no empty recording left behind


def standing_recording(bias_dps, seconds=12.0):
    rng = np.random.default_rng(11)
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    acc = np.tile([G, 0.0, 0.0], (n, 1)) + rng.normal(0, 0.03, (n, 3))  # x is up
    gyr = np.asarray(bias_dps) + rng.normal(0, 0.2, (n, 3))
    frame = pd.DataFrame(np.c_[t, acc, gyr], columns=list(col.CANONICAL))
    return recording_from_frame(frame, RecordingMeta(sample_rate_hz=RATE_HZ))


def test_calibrate_then_record_applies_the_gyro_bias(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAITBACK_CALIBRATION", str(tmp_path / "cal"))
    bias = [1.5, -0.8, 0.3]
    source = standing_recording(bias)
    profile = load_profile("gaitback-serial")
    with DeviceEmulator(profile, source, speed=4.0, link_path=tmp_path / "ttyIMU") as emu:
        assert (
            main(["calibrate", "--profile", profile.name, "--port", emu.port, "--seconds", "2"])
            == 0
        )
        saved = json.loads((tmp_path / "cal" / "gaitback-serial__ttyIMU.json").read_text())
        np.testing.assert_allclose(saved["gyro_bias_dps"], bias, atol=0.05)
        np.testing.assert_allclose(saved["gravity_sensor"], [1, 0, 0], atol=0.01)
        assert "up is sensor +x" in capsys.readouterr().out
        out = tmp_path / "rec.csv"
        assert (
            main(
                [
                    "record",
                    "--profile",
                    profile.name,
                    "--port",
                    emu.port,
                    "--out",
                    str(out),
                    "--duration",
                    "1",
                ]
            )
            == 0
        )
    rec = read_recording(out)
    assert rec.meta.extra["calibration"]["up_axis"] == "+x"
    # The recorded gyro is the emulated one minus the saved bias.
    np.testing.assert_allclose(rec.gyr_dps.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(rec.gyr_dps.std(axis=0), 0.2, atol=0.05)


def test_calibrate_refuses_a_moving_sensor(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAITBACK_CALIBRATION", str(tmp_path / "cal"))
    source = read_recording(write_running(tmp_path / "run.csv", duration_s=12.0))
    profile = load_profile("gaitback-serial")
    with DeviceEmulator(profile, source, speed=4.0, link_path=tmp_path / "tty") as emu:
        assert (
            main(["calibrate", "--profile", profile.name, "--port", emu.port, "--seconds", "2"])
            == 2
        )
    assert "moved" in capsys.readouterr().err
    assert not (tmp_path / "cal").exists()


def test_emulate_command_prints_a_port_that_records(tmp_path):
    source_path = write_running(tmp_path / "run.csv", duration_s=30.0)
    source = read_recording(source_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gaitback.cli.main",
            "emulate",
            "--profile",
            "gaitback-serial",
            "--from",
            str(source_path),
            "--speed",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert port.startswith("/dev/pts/")
        out = tmp_path / "rec.csv"
        assert (
            main(
                [
                    "record",
                    "--profile",
                    "gaitback-serial",
                    "--port",
                    port,
                    "--out",
                    str(out),
                    "--duration",
                    "2",
                ]
            )
            == 0
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0
    rec = read_recording(out)
    assert rec.n_samples >= 2 * RATE_HZ and rec.lost_samples == 0
    # Playback started at START: the first recorded sample is the source's first.
    index = np.rint(rec.time_s * RATE_HZ).astype(np.int64)
    np.testing.assert_allclose(rec.gyr_dps, source.gyr_dps[index], atol=GYR_TOL_DPS, rtol=0)


def run_cli(*argv: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gaitback.cli.main", *argv],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def test_record_stops_when_the_device_goes_silent(tmp_path):
    """The emulator plays 1.5 s and then stays connected but silent: `record --give-up 1`
    stops about 1 s later with a message and exit 1, keeping every sample sent."""
    from test_acq_support import running_recording

    profile = load_profile("gaitback-serial")
    out = tmp_path / "silent.csv"
    with DeviceEmulator(profile, running_recording(1.5, RATE_HZ, seed=3)) as emu:
        result = run_cli(
            "record", "--profile", profile.name, "--port", emu.port, "--out", str(out),
            "--give-up", "1",
        )  # fmt: skip
        sent = list(emu.sent_indices)
    assert result.returncode == 1, result.stderr
    assert "no data from the device for 1 s; recording stopped" in result.stderr
    assert "Traceback" not in result.stderr
    rec = read_recording(out)
    assert rec.n_samples == len(sent) > 0.9 * 1.5 * RATE_HZ
    assert f"recorded {len(sent)} samples" in result.stdout


def test_record_gives_up_on_a_port_that_never_sends(tmp_path):
    import os
    import time
    import tty

    leader, follower = os.openpty()
    tty.setraw(follower)
    out = tmp_path / "never.csv"
    try:
        started = time.monotonic()
        result = run_cli(
            "record", "--profile", "gaitback-serial", "--port", os.ttyname(follower),
            "--out", str(out), "--give-up", "1.5",
        )  # fmt: skip
        elapsed_s = time.monotonic() - started
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 1, result.stderr
    assert "no data from the device for 1.5 s" in result.stderr
    assert "no samples received; nothing written" in result.stdout
    assert not out.exists()
    assert 1.5 <= elapsed_s < 15.0  # gave up, not the 3 s stall-and-reopen loop forever


def test_record_refuses_to_overwrite_without_force(tmp_path):
    from test_acq_support import running_recording

    profile = load_profile("gaitback-serial")
    out = tmp_path / "run.csv"
    out.write_text("an earlier run\n")
    with DeviceEmulator(profile, running_recording(2.0, RATE_HZ, seed=4)) as emu:
        argv = ["record", "--profile", profile.name, "--port", emu.port, "--out", str(out)]
        refused = run_cli(*argv)
        assert refused.returncode == 2
        lines = refused.stderr.strip().splitlines()
        assert lines == [f"gaitback: error: {out} exists; use --force to overwrite it"]
        assert out.read_text() == "an earlier run\n"
        # A sidecar alone is a recording's too.
        out.unlink()
        out.with_suffix(".json").write_text("{}")
        assert run_cli(*argv).returncode == 2
        forced = run_cli(*argv, "--duration", "0.5", "--force")
    assert forced.returncode == 0, forced.stderr
    rec = read_recording(out)
    assert rec.duration_s >= 0.5 and rec.meta.extra["profile"] == profile.name
