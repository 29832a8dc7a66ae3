"""Device profiles: the shipped files state the documented device facts."""

from __future__ import annotations

import pytest

from gaitback.acquisition.profiles import ProfileError, list_profiles, load_profile
from gaitback.acquisition.transport import TransportError, open_transport

SHIPPED = {
    "gaitback-serial",
    "gaitback-text",
    "gaitback-ble",
    "witmotion-wt901-serial",
    "witmotion-wt901-ble",
    "movesense-ble",
}


def test_all_shipped_profiles_load():
    assert SHIPPED <= {p.name for p in list_profiles()}


def test_witmotion_facts():
    serial = load_profile("witmotion-wt901-serial")
    assert serial.transport == "serial" and serial.baudrate == 115200
    # Rate command FF AA 03 <rate> 00 with 0x0A = 200 Hz.
    assert serial.connect_commands == (bytes.fromhex("FFAA030A00"),)
    assert serial.sample_rate_hz == 200
    ble = load_profile("witmotion-wt901-ble")
    assert ble.ble_service_uuid.startswith("0000ffe5-")
    assert ble.ble_notify_uuid.startswith("0000ffe4-")
    assert ble.ble_write_uuid.startswith("0000ffe9-")
    assert ble.connect_commands == (bytes.fromhex("FFAA030900"),)  # 0x09 = 100 Hz


def test_movesense_facts():
    p = load_profile("movesense-ble")
    assert p.ble_service_uuid == "34802252-7185-4d5d-b431-630e7050e8f0"
    assert p.ble_write_uuid.startswith("34800001-") and p.ble_notify_uuid.startswith("34800002-")
    assert p.connect_commands[0] == bytes([0x01, p.movesense_ref]) + b"/Meas/IMU6/104"


def test_profile_by_path_and_by_env_directory(tmp_path, monkeypatch):
    text = (
        'transport = "serial"\nprotocol = "gaitback-binary"\nsample_rate_hz = 500\n'
        '[commands]\nconnect = ["0x53 54 41 52 54 0A"]\n'
    )
    (tmp_path / "mine.toml").write_text(text)
    by_path = load_profile(tmp_path / "mine.toml")
    assert by_path.name == "mine" and by_path.sample_rate_hz == 500
    assert by_path.connect_commands == (b"START\n",)
    monkeypatch.setenv("GAITBACK_PROFILES", str(tmp_path))
    assert load_profile("mine").source == str(tmp_path / "mine.toml")
    assert "mine" in {p.name for p in list_profiles()}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('transport = "usb"\nprotocol = "gaitback-binary"\nsample_rate_hz = 1', "transport"),
        ('transport = "serial"\nprotocol = "nmea"\nsample_rate_hz = 1', "protocol"),
        ('transport = "serial"\nprotocol = "gaitback-binary"', "sample_rate_hz"),
        ('transport = "ble"\nprotocol = "movesense"\nsample_rate_hz = 1', "service_uuid"),
        (
            'transport = "serial"\nprotocol = "gaitback-binary"\nsample_rate_hz = 1\n'
            '[commands]\nconnect = ["zz"]',
            "hex",
        ),
        (
            'transport = "serial"\nprotocol = "gaitback-binary"\nsample_rate_hz = 1\n'
            '[mount]\naxes = {x = "up", y = "up", z = "left"}',
            "axes",
        ),
        ("transport = [", "invalid TOML"),
    ],
)
def test_bad_profiles_fail_with_one_line(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(path)
    assert "\n" not in str(info.value)


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match="gaitback-serial"):
        load_profile("no-such-device")


def test_factory_checks_the_endpoint_kind():
    with pytest.raises(TransportError, match="--port"):
        open_transport(load_profile("gaitback-serial"))
    with pytest.raises(TransportError, match="not --port"):
        open_transport(load_profile("gaitback-ble"), port="/dev/ttyUSB0")
