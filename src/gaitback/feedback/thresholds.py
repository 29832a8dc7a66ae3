"""Feedback thresholds: the shipped TOML defaults, optionally overridden by a user file."""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from gaitback.errors import GaitbackError

#: Name of the defaults file shipped inside ``gaitback.feedback``.
DEFAULTS_NAME = "thresholds.toml"

_CUTOFF_FIELDS = ("watch", "act")
_FIELDS = (*_CUTOFF_FIELDS, "value", "source")


@dataclass(frozen=True)
class Threshold:
    """One threshold entry.

    Attributes
    ----------
    watch, act
        Cut-offs for the two severity levels (``None`` for a plain parameter).
    value
        The value of a parameter that is not a cut-off (``None`` for cut-offs).
    source
        Where the number comes from, shown next to the evidence.
    """

    watch: float | None
    act: float | None
    value: float | None
    source: str


#: ``section -> entry -> Threshold``, e.g. ``th["overstriding"]["contact_ms"].watch``.
Thresholds = dict[str, dict[str, Threshold]]


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GaitbackError(f"{where}: not valid TOML ({exc})") from None


def _entry_from_table(table: Any, where: str) -> Threshold:
    if not isinstance(table, dict):
        raise GaitbackError(f"{where}: expected a table with watch/act/source")
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _FIELDS:
            raise GaitbackError(f"{where}: unknown field {key!r}; use one of {list(_FIELDS)}")
        values[key] = _check_field(key, raw, f"{where}.{key}")
    return Threshold(
        watch=values.get("watch"),
        act=values.get("act"),
        value=values.get("value"),
        source=values.get("source", ""),
    )


def _check_field(key: str, raw: Any, where: str) -> float | str:
    if key == "source":
        if not isinstance(raw, str):
            raise GaitbackError(f"{where} must be a string, got {raw!r}")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise GaitbackError(f"{where} must be a number, got {raw!r}")
    if not math.isfinite(raw):
        raise GaitbackError(f"{where} must be a finite number, got {raw!r}")
    return float(raw)


def thresholds_default() -> Thresholds:
    """The thresholds shipped with gaitback (``gaitback/feedback/thresholds.toml``)."""
    text = resources.files("gaitback.feedback").joinpath(DEFAULTS_NAME).read_text("utf-8")
    raw = _parse_toml(text, DEFAULTS_NAME)
    return {
        section: {
            name: _entry_from_table(table, f"{DEFAULTS_NAME}: {section}.{name}")
            for name, table in entries.items()
        }
        for section, entries in raw.items()
    }


def _unknown(name: str, known: list[str], where: str) -> GaitbackError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return GaitbackError(f"{where}: unknown threshold {name!r}{hint}")


def thresholds_merge(base: Thresholds, override: dict[str, Any], where: str) -> Thresholds:
    """Return ``base`` with the entries of a parsed override file applied.

    Raises
    ------
    GaitbackError
        On an unknown section or entry, a field the entry does not have, or a wrong type.
    """
    merged = {section: dict(entries) for section, entries in base.items()}
    for section, entries in override.items():
        if section not in merged:
            raise _unknown(section, list(merged), where)
        if not isinstance(entries, dict):
            raise GaitbackError(f"{where}: [{section}] must be a table of thresholds")
        for name, table in entries.items():
            full = f"{section}.{name}"
            if name not in merged[section]:
                known = [f"{section}.{n}" for n in merged[section]]
                raise _unknown(full, known, where)
            if not isinstance(table, dict):
                raise GaitbackError(
                    f"{where}: {full} must be a table, e.g. [{full}] with watch = ..."
                )
            current = merged[section][name]
            changes: dict[str, Any] = {}
            for key, raw in table.items():
                if key not in _FIELDS:
                    raise GaitbackError(
                        f"{where}: {full}: unknown field {key!r}; use one of {list(_FIELDS)}"
                    )
                is_parameter = current.value is not None
                if (key == "value") != is_parameter and key != "source":
                    allowed = "value" if is_parameter else "watch/act"
                    raise GaitbackError(f"{where}: {full} takes {allowed}, not {key!r}")
                changes[key] = _check_field(key, raw, f"{where}: {full}.{key}")
            if changes and "source" not in changes:
                # The shipped source no longer explains a number the user changed.
                changes["source"] = f"user thresholds file {where}"
            merged[section][name] = replace(current, **changes)
    return merged


def thresholds_load(path: str | os.PathLike[str] | None = None) -> Thresholds:
    """Load the default thresholds, with a user TOML file merged over them.

    Parameters
    ----------
    path
        A TOML file holding only the entries to change (same layout as the shipped
        ``thresholds.toml``). ``None`` returns the defaults.

    Returns
    -------
    Thresholds
        ``section -> entry -> Threshold``.

    Raises
    ------
    GaitbackError
        If the file cannot be read, is not TOML, or names an unknown threshold or a
        non-numeric value.
    """
    base = thresholds_default()
    if path is None:
        return base
    where = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        raise GaitbackError(f"thresholds file not found: {where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GaitbackError(f"cannot read thresholds file {where}: {exc}") from None
    return thresholds_merge(base, _parse_toml(text, where), where)
