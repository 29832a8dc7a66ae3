"""Device profiles: what a device is, how to reach it, how to read it.

A profile is a TOML file in ``firmware_config/`` (see ``docs/acquisition.md``).
Profiles are found by name in, in order: the directories listed in the
``GAITBACK_PROFILES`` environment variable (``os.pathsep``-separated), then the
repository's ``firmware_config/``, then ``<prefix>/share/gaitback/firmware_config`` (a
regular install). An explicit path to a ``.toml`` file is also accepted.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaitback.errors import GaitbackError
from gaitback.recording import validate_axes

#: Decoder names a profile's ``protocol`` may use.
PROTOCOLS = ("gaitback-binary", "gaitback-text", "witmotion-serial", "witmotion-ble", "movesense")
TRANSPORTS = ("serial", "ble")


class ProfileError(GaitbackError):
    """A device profile is missing or invalid."""


@dataclass(frozen=True)
class DeviceProfile:
    """One device type.

    Parameters
    ----------
    name
        Profile name (the file stem).
    transport
        ``"serial"`` or ``"ble"``.
    protocol
        Decoder name, one of :data:`PROTOCOLS`.
    sample_rate_hz
        Nominal output data rate.
    description
        One line for ``gaitback devices``.
    baudrate
        Serial baud rate (ignored by USB CDC devices, needed by UART bridges).
    ble_service_uuid, ble_notify_uuid, ble_write_uuid
        GATT UUIDs (BLE profiles); the write UUID may be None.
    ble_name_prefix
        Advertised-name prefix used to pick the device in a scan.
    acc_range_g, gyro_range_dps
        Full scale of int16 readings: ``value = raw / 32768 * range``.
    has_gyro
        Whether the device sends angular rate.
    samples_per_packet
        Samples in one packet (for the emulator and the BLE MTU budget).
    axes
        Mounting, sensor axis -> body direction, or None when unknown.
    connect_commands, disconnect_commands
        Raw bytes sent after open / before close (hex strings in the TOML).
    command_delay_s
        Pause after each command (slow device firmware).
    movesense_ref
        The subscription reference byte (Movesense only).
    text_checksum
        Text variant only: ``"required"``, ``"auto"`` or ``"optional"`` line CRCs.
    source
        File the profile came from.
    """

    name: str
    transport: str
    protocol: str
    sample_rate_hz: float
    description: str = ""
    baudrate: int = 115200
    ble_service_uuid: str | None = None
    ble_notify_uuid: str | None = None
    ble_write_uuid: str | None = None
    ble_name_prefix: str | None = None
    acc_range_g: float = 16.0
    gyro_range_dps: float = 2000.0
    has_gyro: bool = True
    samples_per_packet: int = 1
    axes: dict[str, str] | None = None
    connect_commands: tuple[bytes, ...] = ()
    disconnect_commands: tuple[bytes, ...] = ()
    command_delay_s: float = 0.05
    movesense_ref: int = 99
    text_checksum: str = "required"
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def repo_root() -> Path:
    """The checkout holding the package (editable install: ``src/gaitback`` -> repo)."""
    return Path(__file__).resolve().parents[3]  # src/gaitback/acquisition/profiles.py


def profile_dirs() -> list[Path]:
    """Directories searched for profiles, highest priority first."""
    dirs = [Path(p) for p in os.environ.get("GAITBACK_PROFILES", "").split(os.pathsep) if p]
    dirs.append(repo_root() / "firmware_config")
    # A regular (non-editable) install puts the profiles under <prefix>/share.
    dirs.append(Path(sys.prefix) / "share" / "gaitback" / "firmware_config")
    return dirs


def list_profiles() -> list[DeviceProfile]:
    """Every profile found, first of each name wins (see :func:`profile_dirs`)."""
    seen: dict[str, DeviceProfile] = {}
    for directory in profile_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            if path.stem not in seen:
                seen[path.stem] = load_profile(path)
    return sorted(seen.values(), key=lambda p: p.name)


def load_profile(name_or_path: str | os.PathLike[str]) -> DeviceProfile:
    """Load a profile by name (``"gaitback-serial"``) or by path to a ``.toml`` file.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file or invalid content, as one line.
    """
    text = str(name_or_path)
    candidate = Path(text)
    if text.endswith(".toml") or os.sep in text or candidate.is_file():
        if not candidate.is_file():
            raise ProfileError(f"profile file {text} does not exist")
        return _parse(candidate)
    for directory in profile_dirs():
        path = directory / f"{text}.toml"
        if path.is_file():
            return _parse(path)
    known = sorted({p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("*.toml")})
    raise ProfileError(
        f"unknown device profile {text!r}; known: {', '.join(known) or 'none'} "
        "(gaitback devices lists them)"
    )


def parse_hex(value: Any, where: str) -> bytes:
    """``"FF AA 03 0A 00"`` -> bytes; spaces, colons and a ``0x`` prefix are allowed."""
    if not isinstance(value, str):
        raise ProfileError(f"{where}: commands must be hex strings, got {value!r}")
    cleaned = value.replace(" ", "").replace(":", "").replace("0x", "").replace("0X", "")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise ProfileError(f"{where}: {value!r} is not a hex string") from None


def _parse(path: Path) -> DeviceProfile:
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: invalid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{where}: cannot read ({exc})") from None
    serial = raw.get("serial", {})
    ble = raw.get("ble", {})
    scale = raw.get("scale", {})
    commands = raw.get("commands", {})
    mount = raw.get("mount", {})
    transport = raw.get("transport")
    if transport not in TRANSPORTS:
        raise ProfileError(f"{where}: transport must be one of {TRANSPORTS}, got {transport!r}")
    protocol = raw.get("protocol")
    if protocol not in PROTOCOLS:
        raise ProfileError(f"{where}: protocol must be one of {PROTOCOLS}, got {protocol!r}")
    try:
        rate = float(raw["sample_rate_hz"])
    except (KeyError, TypeError, ValueError):
        raise ProfileError(f"{where}: sample_rate_hz (a positive number) is required") from None
    if not rate > 0:
        raise ProfileError(f"{where}: sample_rate_hz must be positive, got {rate}")
    if transport == "ble" and not (ble.get("service_uuid") and ble.get("notify_uuid")):
        raise ProfileError(f"{where}: a BLE profile needs [ble] service_uuid and notify_uuid")
    axes = mount.get("axes")
    if axes is not None:
        try:
            axes = validate_axes(axes, where)
        except GaitbackError as exc:
            raise ProfileError(str(exc)) from None
    known = {
        "name",
        "description",
        "transport",
        "protocol",
        "sample_rate_hz",
        "has_gyro",
        "samples_per_packet",
        "serial",
        "ble",
        "scale",
        "text",
        "commands",
        "mount",
    }
    try:
        return DeviceProfile(
            name=str(raw.get("name", path.stem)),
            description=str(raw.get("description", "")),
            transport=transport,
            protocol=protocol,
            sample_rate_hz=rate,
            baudrate=int(serial.get("baudrate", 115200)),
            ble_service_uuid=ble.get("service_uuid"),
            ble_notify_uuid=ble.get("notify_uuid"),
            ble_write_uuid=ble.get("write_uuid"),
            ble_name_prefix=ble.get("name_prefix"),
            acc_range_g=float(scale.get("acc_range_g", 16.0)),
            gyro_range_dps=float(scale.get("gyro_range_dps", 2000.0)),
            has_gyro=bool(raw.get("has_gyro", True)),
            samples_per_packet=int(raw.get("samples_per_packet", 1)),
            axes=axes,
            connect_commands=tuple(
                parse_hex(c, f"{where}: commands.connect") for c in commands.get("connect", [])
            ),
            disconnect_commands=tuple(
                parse_hex(c, f"{where}: commands.disconnect")
                for c in commands.get("disconnect", [])
            ),
            command_delay_s=float(commands.get("delay_s", 0.05)),
            movesense_ref=int(ble.get("movesense_ref", 99)),
            text_checksum=_choice(
                raw.get("text", {}).get("checksum", "required"),
                ("required", "auto", "optional"),
                f"{where}: text.checksum",
            ),
            source=where,
            extra={k: v for k, v in raw.items() if k not in known},
        )
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{where}: invalid value ({exc})") from None


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ProfileError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)
