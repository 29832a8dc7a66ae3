"""Write a run as a FIT activity file, with the fit-tool library (BSD-3-Clause).

The file holds what any FIT activity reader expects: file id, device info, a
timer start and stop event, one record per second of running, one lap, one
session and the activity. Standard running-dynamics fields carry cadence,
contact, balance, oscillation, vertical ratio and step length in the FIT
profile's own units; gaitback's pelvic metrics go into developer fields.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from fit_tool.base_type import BaseType
from fit_tool.developer_field import DeveloperField
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.developer_data_id_message import DeveloperDataIdMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.field_description_message import FieldDescriptionMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Activity,
    Event,
    EventType,
    FileType,
    LapTrigger,
    Manufacturer,
    SessionTrigger,
    Sport,
    SubSport,
)

from gaitback import schema as col
from gaitback.version import __version__

#: Developer data application id of gaitback (a fixed random UUID).
APPLICATION_ID = bytes.fromhex("6a1b0c5e3f2d4b8e9c7a1d2e3f405162")
#: Developer fields: (field number, dynamics column, FIT field name, units).
DEVELOPER_FIELDS: tuple[tuple[int, str, str, str], ...] = (
    (0, col.PELVIC_DROP_LEFT, "pelvic_drop_left", "deg"),
    (1, col.PELVIC_DROP_RIGHT, "pelvic_drop_right", "deg"),
    (2, col.PELVIC_ROTATION, "pelvic_rotation", "deg"),
    (3, col.FORWARD_LEAN, "forward_lean", "deg"),
    (4, col.BRAKING, "braking", "g"),
    (5, col.IMPACT, "impact", "g"),
)
_MS = 1000  # fit-tool takes date-times in Unix milliseconds


@dataclass(frozen=True)
class RunTiming:
    """When the run happened and how long it lasted.

    ``start_unix_s`` is the first sample's wall-clock time, ``duration_s`` the
    recording's length and ``running_s`` the time spent running.
    """

    start_unix_s: float
    duration_s: float
    running_s: float


def _ok(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _developer_fields(values: Mapping[str, float]) -> list[DeveloperField]:
    fields = []
    for number, name, fit_name, units in DEVELOPER_FIELDS:
        value = values.get(name)
        if not _ok(value):
            continue
        field = DeveloperField(
            developer_data_index=0, field_id=number, base_type=BaseType.FLOAT32, size=4,
            name=fit_name, units=units,
        )
        field.set_value(0, float(value))
        fields.append(field)
    return fields


def _split_cadence(cadence_spm: float) -> tuple[int, float]:
    """Steps per minute -> FIT (whole strides per minute, fraction of a stride)."""
    strides = cadence_spm / 2.0
    whole = math.floor(strides)
    return int(whole), strides - whole


def _record(row: Mapping[str, float]) -> RecordMessage:
    msg = RecordMessage(developer_fields=_developer_fields(row))
    msg.timestamp = int(row[col.UNIX_TIME]) * _MS
    if _ok(row[col.CADENCE_SPM]):
        msg.cadence, msg.fractional_cadence = _split_cadence(row[col.CADENCE_SPM])
    if _ok(row[col.CONTACT]):
        msg.stance_time = row[col.CONTACT]
    if _ok(row[col.CONTACT_PCT]):
        msg.stance_time_percent = row[col.CONTACT_PCT]
    if _ok(row[col.CONTACT_BALANCE]):
        msg.stance_time_balance = row[col.CONTACT_BALANCE]
    if _ok(row[col.VERTICAL_OSCILLATION]):
        msg.vertical_oscillation = row[col.VERTICAL_OSCILLATION] * 10.0  # cm -> mm
    if _ok(row[col.VERTICAL_RATIO]):
        msg.vertical_ratio = row[col.VERTICAL_RATIO]
    if _ok(row[col.STEP_LENGTH]):
        msg.step_length = row[col.STEP_LENGTH] * 1000.0  # m -> mm
    if _ok(row[col.SPEED]):
        msg.enhanced_speed = row[col.SPEED]
    return msg


def _averages(msg: LapMessage | SessionMessage, avg: Mapping[str, float]) -> None:
    if _ok(avg[col.CADENCE_SPM]):
        msg.avg_running_cadence, msg.avg_fractional_cadence = _split_cadence(
            avg[col.CADENCE_SPM]
        )
    if _ok(avg[col.CONTACT]):
        msg.avg_stance_time = avg[col.CONTACT]
    if _ok(avg[col.CONTACT_PCT]):
        msg.avg_stance_time_percent = avg[col.CONTACT_PCT]
    if _ok(avg[col.CONTACT_BALANCE]):
        msg.avg_stance_time_balance = avg[col.CONTACT_BALANCE]
    if _ok(avg[col.VERTICAL_OSCILLATION]):
        msg.avg_vertical_oscillation = avg[col.VERTICAL_OSCILLATION] * 10.0
    if _ok(avg[col.VERTICAL_RATIO]):
        msg.avg_vertical_ratio = avg[col.VERTICAL_RATIO]
    if _ok(avg[col.STEP_LENGTH]):
        msg.avg_step_length = avg[col.STEP_LENGTH] * 1000.0
    if _ok(avg[col.SPEED]):
        msg.enhanced_avg_speed = avg[col.SPEED]


def _summary_message(
    msg: LapMessage | SessionMessage,
    avg: Mapping[str, float],
    timing: RunTiming,
    n_steps: int,
    treadmill: bool,
) -> None:
    start_ms = round(timing.start_unix_s * _MS)
    msg.message_index = 0
    msg.start_time = start_ms
    msg.timestamp = start_ms + round(timing.duration_s * _MS)
    msg.event = Event.LAP if isinstance(msg, LapMessage) else Event.SESSION
    msg.event_type = EventType.STOP
    msg.total_elapsed_time = timing.duration_s
    msg.total_timer_time = timing.duration_s
    msg.sport = Sport.RUNNING
    msg.sub_sport = SubSport.TREADMILL if treadmill else SubSport.GENERIC
    msg.total_strides = n_steps // 2
    if _ok(avg[col.SPEED]):
        msg.total_distance = avg[col.SPEED] * timing.running_s
    _averages(msg, avg)


def _header(builder: FitFileBuilder, timing: RunTiming) -> None:
    start_ms = round(timing.start_unix_s * _MS)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 1
    file_id.time_created = start_ms
    builder.add(file_id)
    device = DeviceInfoMessage()
    device.timestamp = start_ms
    device.device_index = 0
    device.manufacturer = Manufacturer.DEVELOPMENT.value
    device.product = 0
    device.product_name = "gaitback"
    device.software_version = float(".".join(__version__.split(".")[:2]))
    builder.add(device)
    dev_id = DeveloperDataIdMessage()
    dev_id.developer_data_index = 0
    dev_id.application_id = APPLICATION_ID
    builder.add(dev_id)
    for number, _name, fit_name, units in DEVELOPER_FIELDS:
        desc = FieldDescriptionMessage()
        desc.developer_data_index = 0
        desc.field_definition_number = number
        desc.fit_base_type_id = BaseType.FLOAT32
        desc.field_name = fit_name
        desc.units = units
        builder.add(desc)


def _event(timestamp_ms: int, event_type: EventType) -> EventMessage:
    msg = EventMessage()
    msg.timestamp = timestamp_ms
    msg.event = Event.TIMER
    msg.event_type = event_type
    return msg


def fit_activity_bytes(
    records: pd.DataFrame,
    averages: Mapping[str, float],
    timing: RunTiming,
    n_steps: int,
    treadmill: bool,
) -> bytes:
    """The FIT activity file for one run, as bytes.

    Parameters
    ----------
    records
        :func:`gaitback.fitfiles.dynamics.per_second` of the run.
    averages
        :func:`gaitback.fitfiles.dynamics.session_averages` of the run (lap and session).
    timing
        Start, duration and running time.
    n_steps
        Running steps (the session's ``total_strides`` is half of it).
    treadmill
        Marks the session as treadmill running.
    """
    builder = FitFileBuilder(auto_define=True, min_string_size=16)
    _header(builder, timing)
    start_ms = round(timing.start_unix_s * _MS)
    end_ms = start_ms + round(timing.duration_s * _MS)
    builder.add(_event(start_ms, EventType.START))
    for row in records.to_dict("records"):
        builder.add(_record(row))
    builder.add(_event(end_ms, EventType.STOP_ALL))
    lap = LapMessage(developer_fields=_developer_fields(averages))
    _summary_message(lap, averages, timing, n_steps, treadmill)
    lap.lap_trigger = LapTrigger.SESSION_END
    builder.add(lap)
    session = SessionMessage(developer_fields=_developer_fields(averages))
    _summary_message(session, averages, timing, n_steps, treadmill)
    session.first_lap_index = 0
    session.num_laps = 1
    session.trigger = SessionTrigger.ACTIVITY_END
    builder.add(session)
    activity = ActivityMessage()
    activity.timestamp = end_ms
    activity.total_timer_time = timing.duration_s
    activity.num_sessions = 1
    activity.type = Activity.MANUAL
    activity.event = Event.ACTIVITY
    activity.event_type = EventType.STOP
    builder.add(activity)
    return builder.build_bytes()


def write_fit(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write FIT bytes to ``path`` (parent folders are made)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
