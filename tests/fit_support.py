"""FIT files for the tests, made and read with codecs independent of gaitback's.

Watch files are encoded with Garmin's own FIT SDK (``garmin_fit_sdk.Encoder``);
what gaitback writes (with fit-tool) is decoded with Garmin's SDK and with
fitparse. gaitback reads FIT with fitdecode, so no test reads back a file with
the library that wrote it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fitparse
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

MESG = Profile["mesg_num"]
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


@dataclass
class WatchSecond:
    """One watch record, in the FIT profile's own units (strides/min, ms, mm, %)."""

    time: datetime
    cadence: int | None = None
    fractional_cadence: float | None = None
    stance_time: float | None = None
    stance_time_balance: float | None = None
    vertical_oscillation: float | None = None
    vertical_ratio: float | None = None
    step_length: float | None = None
    enhanced_speed: float | None = None
    developer: dict[int, float] = field(default_factory=dict)


@dataclass
class DeveloperField:
    number: int
    name: str
    units: str
    base_type: int = 0x88  # FIT base type float32


def encode_watch_fit(
    path: Path,
    seconds: Sequence[WatchSecond],
    manufacturer: str = "garmin",
    developer_fields: Sequence[DeveloperField] = (),
    session: Mapping[str, Any] | None = None,
) -> Path:
    """A watch-like FIT activity (file id, events, records, lap, session, activity)."""
    enc = Encoder()
    start, end = seconds[0].time, seconds[-1].time
    enc.on_mesg(MESG["FILE_ID"], {
        "type": "activity", "manufacturer": manufacturer, "product": 1,
        "serial_number": 1234, "time_created": start,
    })
    if developer_fields:
        dev_id = {"developer_data_index": 0, "application_id": list(range(16)),
                  "application_version": 1}
        enc.on_mesg(MESG["DEVELOPER_DATA_ID"], dev_id)
        for f in developer_fields:
            desc = {"developer_data_index": 0, "field_definition_number": f.number,
                    "fit_base_type_id": f.base_type, "field_name": f.name, "units": f.units}
            enc.on_mesg(MESG["FIELD_DESCRIPTION"], desc)
            enc.add_developer_field(f.number, dev_id, desc)
    enc.on_mesg(MESG["EVENT"], {"timestamp": start, "event": "timer", "event_type": "start"})
    for s in seconds:
        mesg: dict[str, Any] = {"timestamp": s.time}
        for name in ("cadence", "fractional_cadence", "stance_time", "stance_time_balance",
                     "vertical_oscillation", "vertical_ratio", "step_length", "enhanced_speed"):
            value = getattr(s, name)
            if value is not None:
                mesg[name] = value
        if s.developer:
            mesg["developer_fields"] = dict(s.developer)
        enc.on_mesg(MESG["RECORD"], mesg)
    enc.on_mesg(MESG["EVENT"], {"timestamp": end, "event": "timer", "event_type": "stop_all"})
    elapsed = (end - start).total_seconds()
    summary = {"timestamp": end, "start_time": start, "total_elapsed_time": elapsed,
               "total_timer_time": elapsed, "sport": "running", **(session or {})}
    enc.on_mesg(MESG["LAP"], {**summary, "message_index": 0})
    enc.on_mesg(MESG["SESSION"], {**summary, "message_index": 0, "first_lap_index": 0,
                                   "num_laps": 1})
    enc.on_mesg(MESG["ACTIVITY"], {"timestamp": end, "num_sessions": 1,
                                    "total_timer_time": elapsed})
    path.write_bytes(bytes(enc.close()))
    return path


def seconds_from(start: datetime, n: int, **values: Any) -> list[WatchSecond]:
    """``n`` records one second apart, all with the same ``values``."""
    return [WatchSecond(start + timedelta(seconds=i), **values) for i in range(n)]


def garmin_decode(path: Path) -> dict[str, list[dict[str, Any]]]:
    """All messages of a FIT file, by Garmin's SDK; fails the test on any decode error."""
    decoder = Decoder(Stream.from_file(str(path)))
    assert decoder.is_fit()
    assert decoder.check_integrity(), "CRC or size check failed"
    messages, errors = Decoder(Stream.from_file(str(path))).read()
    assert errors == []
    return messages


def fitparse_decode(path: Path) -> dict[str, list[dict[str, tuple[Any, Any]]]]:
    """Messages by name -> list of {field: (value, units)}, by fitparse (checks the CRC)."""
    fit = fitparse.FitFile(str(path), check_crc=True)
    out: dict[str, list[dict[str, tuple[Any, Any]]]] = {}
    for msg in fit.get_messages():
        out.setdefault(msg.name, []).append({f.name: (f.value, f.units) for f in msg.fields})
    return out


def unix_s(stamp: datetime) -> float:
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


BUNDLED = Path(__file__).resolve().parents[1] / "recordings" / "synthetic"


def copy_baseline(folder: Path, started_at: str | None) -> Path:
    """The bundled ``baseline.csv`` + sidecar in ``folder``, ``started_at`` set when given."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "baseline.csv"
    shutil.copyfile(BUNDLED / "baseline.csv", csv)
    sidecar = json.loads((BUNDLED / "baseline.json").read_text())
    if started_at:
        sidecar["started_at"] = started_at
    (folder / "baseline.json").write_text(json.dumps(sidecar))
    return csv

