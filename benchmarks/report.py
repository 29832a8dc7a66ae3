"""Markdown tables of a benchmark run (printed and written to benchmarks/results.md)."""

from __future__ import annotations

from typing import Any

from benchmarks.external import ExternalResult
from benchmarks.offline import TARGET_PEAK_MEMORY_MB, TARGET_SECONDS_PER_HOUR
from benchmarks.peers import GAITBACK, SKDH, STEP_COUNT_TOLERANCE_S, ToolTotals

CANNOT = "cannot: {}"


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table cell; ``n/a`` for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as a cell, ``n/a`` when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return "n/a"
    value = a / b
    return f"{value:.2f}" if 0.01 <= abs(value) < 1000 else f"{value:.2g}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_section(info: dict[str, Any], load_end: tuple[float, ...] | None) -> str:
    """Machine, versions, date, and load before/after (the machine may be shared)."""
    load = info.get("load_average")
    rows = [
        ["CPU", str(info["cpu"])],
        ["cores (logical / usable)", f"{info['logical_cores']} / {info['usable_cores']}"],
        ["OS", str(info["os"])],
        ["Python", str(info["python"])],
        ["numpy / scipy / pandas", f"{info['numpy']} / {info['scipy']} / {info['pandas']}"],
        ["gaitback", str(info["gaitback"])],
        ["scikit-digital-health", str(info["scikit-digital-health"])],
        ["date", str(info["date_utc"])],
        [
            "load average 1/5/15 min at start",
            " / ".join(f"{x:.2f}" for x in load) if load else "n/a",
        ],
        [
            "load average 1/5/15 min at end",
            " / ".join(f"{x:.2f}" for x in load_end) if load_end else "n/a",
        ],
    ]
    note = ""
    if load and info.get("logical_cores") and load[0] > 0.5 * info["logical_cores"]:
        note = (
            "\n\nThe machine was busy while this ran (load average above half the cores): "
            "wall-clock timings are inflated; CPU times are the better estimate."
        )
    return table(["machine", ""], rows) + note


def peers_section(totals: dict[str, ToolTotals], n_recordings: int) -> str:
    """gaitback vs skdh: throughput, accuracy, ratios, and what each cannot do."""
    gb, sk = totals[GAITBACK], totals.get(SKDH)
    sk_ok = sk is not None and len(sk.errors) < n_recordings
    tol_ms = STEP_COUNT_TOLERANCE_S * 1000

    def cell(tot: ToolTotals | None, getter: Any, digits: int = 2) -> tuple[str, Any]:
        if tot is None:
            return "not run", None
        if tot is sk and not sk_ok:
            return "no result (error above)", None
        value = getter(tot)
        return fmt(value, digits), value

    def row(
        label: str,
        getter: Any,
        better: str,
        digits: int = 2,
        skdh_cannot: str | None = None,
        skdh_meaning: str = "",
    ) -> list[str]:
        g_text, g_val = cell(gb, getter, digits)
        if skdh_cannot:
            return [label, g_text, CANNOT.format(skdh_cannot), "n/a", better]
        s_text, s_val = cell(sk, getter, digits)
        if skdh_meaning and sk_ok:
            s_text = "n/a: no step matched" if s_val is None else f"{s_text} ({skdh_meaning})"
        return [label, g_text, s_text, ratio(g_val, s_val), better]

    def pooled(prefix: str) -> Any:
        return lambda t: t.pooled_f1(prefix)

    def mean(key: str, absolute: bool = False) -> Any:
        return lambda t: t.mean_of(key, absolute)

    def steps_found(t: ToolTotals) -> float | None:
        scored = [s for s in t.scores.values() if s]
        return float(sum(s["n_found"] for s in scored)) if scored else None

    n_true = sum(s.get("n_true", 0) for s in gb.scores.values() if s)
    rows = [
        row(
            "throughput, samples/s (CSV read + analysis, 1 thread, fastest of repeats)",
            lambda t: t.samples_per_s,
            "higher",
            0,
        ),
        row(f"steps found (true: {n_true})", steps_found, "-", 0),
        row("step F1, foot strike matched within 40 ms", pooled(""), "higher", 3),
        row(
            f"step F1, matched within {tol_ms:.0f} ms (step counting only)",
            pooled("count_"),
            "higher",
            3,
        ),
        row(
            "foot-strike MAE, ms (40 ms matching)",
            mean("foot_strike_mae_ms"),
            "lower",
            skdh_meaning="IC",
        ),
        row(
            f"foot-strike MAE, ms ({tol_ms:.0f} ms matching)",
            mean("count_foot_strike_mae_ms"),
            "lower",
            skdh_meaning="IC",
        ),
        row(
            f"foot-strike abs. bias, ms ({tol_ms:.0f} ms matching, mean over recordings)",
            mean("count_foot_strike_bias_ms", True),
            "lower",
            skdh_meaning="IC",
        ),
        row(
            f"toe-off MAE, ms ({tol_ms:.0f} ms matching)",
            mean("count_toe_off_mae_ms"),
            "lower",
            skdh_meaning="FC of the same foot",
        ),
        row(
            f"contact-time RMSE, ms, vs running contact ({tol_ms:.0f} ms matching)",
            mean("count_contact_rmse_ms"),
            "lower",
            skdh_meaning="walking stance time: IC to same foot's FC after the next IC",
        ),
        row(
            f"contact-time abs. bias, ms ({tol_ms:.0f} ms matching, mean over recordings)",
            mean("count_contact_bias_ms", True),
            "lower",
            skdh_meaning="walking stance",
        ),
        row(
            "cadence error, steps/min (mean absolute over recordings)",
            mean("cadence_error_spm", absolute=True),
            "lower",
            3,
        ),
        row(
            "left/right side correct, %",
            mean("side_correct_pct"),
            "higher",
            1,
            skdh_cannot="skdh does not label feet",
        ),
        row(
            "pelvic drop error, deg (left-stance mean)",
            mean("pelvic_drop_left_deg_error", True),
            "lower",
            skdh_cannot="no pelvic angles",
        ),
        row(
            "forward lean error, deg",
            mean("forward_lean_deg_error", True),
            "lower",
            skdh_cannot="no trunk/pelvis lean",
        ),
        row(
            "impact (peak vertical specific force) error, g",
            mean("impact_g_error", True),
            "lower",
            skdh_cannot="no impact/vGRF estimate",
        ),
        row(
            "vertical oscillation error, cm",
            mean("vertical_oscillation_cm_error", True),
            "lower",
            skdh_cannot="reports walking step length, not running bounce",
        ),
    ]
    header = ["figure", "gaitback", "skdh GaitLumbar", "gaitback/skdh", "better"]
    parts = [
        f"Same {n_recordings} recordings for both, simulator truth as reference. Ratios "
        "are gaitback divided by skdh (errors: below 1 = gaitback smaller; throughput "
        "and F1: above 1 = gaitback higher). Error figures are means over recordings; "
        "F1 is pooled over all steps.",
        "",
    ]
    if sk is not None and sk.errors:
        first = next(iter(sk.errors.values()))
        scope = (
            "every recording"
            if not sk_ok
            else f"{len(sk.errors)} of {n_recordings} recordings (left out of its figures)"
        )
        parts += [f"**skdh gave no result on {scope}:** {first}", ""]
    parts.append(table(header, rows))
    return "\n".join(parts)


def per_recording_section(totals: dict[str, ToolTotals]) -> str:
    """One row per recording, for both tools."""
    gb, sk = totals[GAITBACK], totals.get(SKDH)
    rows = []
    for name, g in gb.scores.items():
        s = sk.scores.get(name, {}) if sk else {}
        s_err = sk.errors.get(name) if sk else "not run"
        skdh_cells = (
            [s_err, "", "", "", ""]
            if s_err
            else [
                fmt(s.get("f1"), 3),
                fmt(s.get("count_f1"), 3),
                fmt(s.get("count_foot_strike_bias_ms"), 1),
                fmt(s.get("count_contact_rmse_ms"), 1),
                fmt(s.get("cadence_error_spm"), 2),
            ]
        )
        rows.append(
            [
                name,
                fmt(g.get("n_true")),
                fmt(g.get("f1"), 3),
                fmt(g.get("foot_strike_mae_ms"), 1),
                fmt(g.get("contact_rmse_ms"), 1),
                fmt(g.get("cadence_error_spm"), 3),
                fmt(g.get("side_correct_pct"), 1),
                *skdh_cells,
            ]
        )
    header = [
        "recording",
        "true steps",
        "gb F1@40ms",
        "gb FS MAE ms",
        "gb contact RMSE ms",
        "gb cadence err",
        "gb side %",
        "skdh F1@40ms",
        "skdh F1@150ms",
        "skdh IC bias ms",
        "skdh stance RMSE ms",
        "skdh cadence err",
    ]
    return table(header, rows)


def notes_section(totals: dict[str, ToolTotals]) -> str:
    """Warnings and errors each tool gave (deduplicated)."""
    lines = []
    for tot in totals.values():
        seen: dict[str, list[str]] = {}
        for case, notes in tot.notes.items():
            for note in notes:
                seen.setdefault(note, []).append(case)
        for case, error in tot.errors.items():
            seen.setdefault(f"ERROR {error}", []).append(case)
        for note, cases in seen.items():
            lines.append(f"- {tot.tool}: {note} ({', '.join(cases)})")
    return "\n".join(lines) if lines else "- none"


def offline_section(
    gen: dict[str, Any] | None,
    measured: dict[str, Any] | None,
    live: ExternalResult,
    acquisition: ExternalResult,
) -> str:
    """gaitback's own figures against the issue 3 targets."""
    rows: list[list[str]] = []
    if gen is None or measured is None:
        rows.append(["offline 1-hour analysis", "skipped (--skip-hour)", "", ""])
    elif "error" in measured:
        rows.append(["offline 1-hour analysis", f"failed: {measured['error']}", "", ""])
    else:
        hours = measured["recording_s"] / 3600.0
        target_s = TARGET_SECONDS_PER_HOUR * hours

        def verdict(ok: bool, by: str) -> str:
            return "meets" if ok else f"misses by {by}"

        rows += [
            [
                "recording",
                f"{fmt(measured['n_samples'])} samples, "
                f"{measured['recording_s']:.0f} s, 200 Hz, acc + gyro",
                "",
                "",
            ],
            [
                f"analyze(path) wall time, fresh process (CSV read included), best of "
                f"{measured['repeats']} (all: "
                f"{', '.join(f'{x:.2f}' for x in measured['all_seconds'])} s)",
                f"{measured['seconds']:.2f} s = {measured['x_real_time']:.0f}x real time",
                f"<= {target_s:.2f} s (>= 1200x)",
                verdict(measured["seconds"] <= target_s, f"{measured['seconds'] / target_s:.1f}x"),
            ],
            [
                "same run, CPU time of the process",
                f"{measured['cpu_seconds']:.2f} s = "
                f"{measured['recording_s'] / measured['cpu_seconds']:.0f}x real time",
                f"<= {target_s:.2f} s",
                verdict(
                    measured["cpu_seconds"] <= target_s,
                    f"{measured['cpu_seconds'] / target_s:.1f}x",
                ),
            ],
            [
                "second run in the same process (wall / CPU)",
                f"{measured['warm_seconds']:.2f} s / {measured['warm_cpu_seconds']:.2f} s",
                "",
                "",
            ],
            [
                "peak resident memory of the analysing process",
                f"{measured['peak_rss_mb']:.0f} MB (after imports: "
                f"{measured['import_rss_mb']:.0f} MB)",
                f"<= {TARGET_PEAK_MEMORY_MB:.0f} MB",
                verdict(
                    measured["peak_rss_mb"] <= TARGET_PEAK_MEMORY_MB,
                    f"{measured['peak_rss_mb'] - TARGET_PEAK_MEMORY_MB:.0f} MB",
                ),
            ],
            [
                "steps found in the long recording",
                f"{fmt(measured['n_steps'])} (true: {fmt(gen['n_true_steps'])})",
                "",
                "",
            ],
            *truth_rows(measured.get("truth")),
            [
                "one core",
                "pinned to one CPU, BLAS/OpenMP 1 thread"
                if measured["cpu_pinned"]
                else "BLAS/OpenMP 1 thread (CPU pinning unavailable)",
                "",
                "",
            ],
        ]
    rows += external_rows(live, "live mode")
    rows += external_rows(acquisition, "acquisition decode")
    return table(["figure", "measured", "target", "verdict"], rows)


def truth_rows(truth: dict[str, Any] | None) -> list[list[str]]:
    """Side, pelvic drop and rotation of the long run against its true steps."""
    if truth is None:
        return [["long run against truth", "no truth file", "", ""]]
    rows = [
        [
            "long run: sides known / correct (matched steps)",
            f"{fmt(truth['side_known_pct'])} % / {fmt(truth['side_correct_pct'])} %",
            ">= 99 % / >= 99 %",
            "meets"
            if (truth["side_known_pct"] or 0) >= 99 and (truth["side_correct_pct"] or 0) >= 99
            else "misses",
        ]
    ]
    for key, label in (
        ("pelvic_drop_left_deg", "pelvic drop, left stances"),
        ("pelvic_drop_right_deg", "pelvic drop, right stances"),
        ("pelvic_rotation_deg", "pelvic rotation"),
    ):
        found, true = truth[key], truth[f"true_{key}"]
        ok = found is not None and true is not None and abs(found - true) <= 1.0
        rows.append(
            [
                f"long run: {label} (deg)",
                f"{fmt(found)} (true {fmt(true)})",
                "within 1 deg",
                "meets" if ok else "misses",
            ]
        )
    return rows


def external_rows(result: ExternalResult, label: str) -> list[list[str]]:
    """Rows for a benchmark owned by someone else, as it reported itself."""
    if result.status == "ok":
        if not result.figures:
            return [[label, "ran, reported no figures", "", ""]]
        return [[f"{label}: {key}", fmt(value), "", ""] for key, value in result.figures.items()]
    if result.status == "text":
        return [[label, "see its output below", "", ""]]
    return [[label, f"{result.status} ({result.detail})", "", ""]]


def external_text(results: list[ExternalResult]) -> str:
    """Quoted output of external benchmarks that only print text."""
    parts = []
    for r in results:
        if r.text:
            parts += [
                f"Output of benchmarks/{r.name}.py ({r.status}):",
                "",
                "```",
                r.text,
                "```",
                "",
            ]
    return "\n".join(parts)


def long_peer_section(gb: dict[str, Any], sk: dict[str, Any]) -> str:
    """gaitback vs skdh on the long recording: speed and memory at scale."""
    if "error" in sk:
        return f"skdh gave no result: {sk['error']}"
    gb_rate = gb["n_samples"] / gb["seconds"]
    rows = [
        [
            "wall time, s (read + analysis)",
            fmt(gb["seconds"]),
            fmt(sk["seconds"]),
            ratio(gb["seconds"], sk["seconds"]),
        ],
        [
            "CPU time, s",
            fmt(gb["cpu_seconds"]),
            fmt(sk["cpu_seconds"]),
            ratio(gb["cpu_seconds"], sk["cpu_seconds"]),
        ],
        [
            "throughput, samples/s",
            fmt(gb_rate, 0),
            fmt(sk["samples_per_s"], 0),
            ratio(gb_rate, sk["samples_per_s"]),
        ],
        [
            "peak resident memory, MB (after imports)",
            f"{gb['peak_rss_mb']:.0f} ({gb['import_rss_mb']:.0f})",
            f"{sk['peak_rss_mb']:.0f} ({sk['import_rss_mb']:.0f})",
            ratio(gb["peak_rss_mb"], sk["peak_rss_mb"]),
        ],
        [
            "steps found",
            fmt(gb["n_steps"]),
            fmt(sk["n_steps"]),
            ratio(gb["n_steps"], sk["n_steps"]),
        ],
    ]
    text = table(["figure", "gaitback (fastest run)", "skdh", "gaitback/skdh"], rows)
    if sk.get("notes"):
        text += "\n\nskdh warnings: " + "; ".join(sk["notes"])
    return text
