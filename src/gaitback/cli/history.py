"""``gaitback history``: sessions, weekly load and trends; export, import, edit."""

from __future__ import annotations

import argparse
import sys

from gaitback.history import (
    DEFAULT_RULE_PCT,
    check_store,
    delete_session,
    edit_session,
    exclude_session,
    export_store,
    import_store,
    list_sessions,
    list_shoes,
)
from gaitback.history.store import resolve_db_path
from gaitback.present.history_report import (
    HistoryView,
    print_tables,
    sessions_table,
    shoe_alerts,
    trends_table,
    weeks_table,
    write_history_html,
)


def db_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="FILE",
        default=default,
        help="session store (default: $GAITBACK_DB, else ~/.local/share/gaitback/sessions.sqlite)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="saved sessions, weekly distance (10 %% rule) and metric trends",
        description=(
            "Show saved sessions, distance and time per ISO week with the change from the week "
            "before (flagged above the 10 % rule), and trends of cadence, contact time, lean, "
            "pelvic drop and impact. Actions export, import, edit and delete."
        ),
    )
    db_option(parser, None)
    parser.add_argument("--html", metavar="FILE", help="also write an HTML page with plots")
    parser.add_argument(
        "--rule-pct",
        type=float,
        default=DEFAULT_RULE_PCT,
        metavar="PCT",
        help="flag weeks whose distance rises more than this (default %(default)g)",
    )
    parser.add_argument("--last", type=int, metavar="N", help="list only the last N sessions")
    parser.set_defaults(func=_show)
    sub = parser.add_subparsers(dest="history_command", metavar="ACTION")

    export = sub.add_parser("export", help="write the whole store to FILE.json or FILE.csv")
    export.add_argument("file", metavar="FILE")
    db_option(export, argparse.SUPPRESS)
    export.set_defaults(func=_export)

    imp = sub.add_parser("import", help="merge a JSON export into the store (idempotent)")
    imp.add_argument("file", metavar="FILE")
    db_option(imp, argparse.SUPPRESS)
    imp.set_defaults(func=_import)

    edit = sub.add_parser("edit", help="set a session's shoe, surface, notes or distance")
    edit.add_argument("session_id", type=int, metavar="ID")
    edit.add_argument("--shoe", help="shoe name ('' to clear)")
    edit.add_argument("--surface", help="e.g. treadmill, road, trail")
    edit.add_argument("--notes")
    edit.add_argument("--distance-km", type=float, metavar="KM", help="distance actually run")
    db_option(edit, argparse.SUPPRESS)
    edit.set_defaults(func=_edit)

    for action, verb in (("exclude", "keep"), ("include", "put back")):
        flag = sub.add_parser(
            action,
            help=f"{verb} a session {'out of' if action == 'exclude' else 'into'} the "
            "personal baseline (it stays in the history)",
        )
        flag.add_argument("session_id", type=int, metavar="ID")
        db_option(flag, argparse.SUPPRESS)
        flag.set_defaults(func=_exclude, excluded=action == "exclude")

    delete = sub.add_parser("delete", help="remove a session")
    delete.add_argument("session_id", type=int, metavar="ID")
    db_option(delete, argparse.SUPPRESS)
    delete.set_defaults(func=_delete)


def _show(args: argparse.Namespace) -> int:
    # A damaged store is one line saying so, not a traceback or silently wrong tables.
    check_store(args.db)
    sessions = list_sessions(args.db, with_json=True)
    view = HistoryView.build(sessions, list_shoes(args.db), rule_pct=args.rule_pct)
    shown = view
    if args.last is not None:
        shown = HistoryView(
            sessions.tail(max(args.last, 0)), view.weeks, view.trend_summary, view.shoes,
            view.rule_pct, view.n,
        )
    tables = [sessions_table(shown)]
    if not sessions.empty:
        tables += [weeks_table(view), trends_table(view)]
    print_tables(tables, sys.stdout, shoe_alerts(view.shoes))
    if args.html:
        path = write_history_html(view, args.html)
        print(f"wrote {path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    path = export_store(args.file, getattr(args, "db", None))
    print(f"wrote {path} from {resolve_db_path(getattr(args, 'db', None))}")
    return 0


def _import(args: argparse.Namespace) -> int:
    counts = import_store(args.file, getattr(args, "db", None))
    print(
        f"imported {args.file}: {counts['sessions_added']} new and "
        f"{counts['sessions_updated']} updated sessions, {counts['shoes_added']} new and "
        f"{counts['shoes_updated']} updated shoes"
    )
    return 0


def _edit(args: argparse.Namespace) -> int:
    distance_m = None if args.distance_km is None else args.distance_km * 1000.0
    edit_session(
        args.session_id,
        getattr(args, "db", None),
        shoe=args.shoe,
        surface=args.surface,
        notes=args.notes,
        distance_m=distance_m,
    )
    print(f"session {args.session_id} updated")
    return 0


def _exclude(args: argparse.Namespace) -> int:
    exclude_session(args.session_id, getattr(args, "db", None), excluded=args.excluded)
    state = "left out of" if args.excluded else "back in"
    print(f"session {args.session_id} {state} your personal baseline")
    return 0


def _delete(args: argparse.Namespace) -> int:
    delete_session(args.session_id, getattr(args, "db", None))
    print(f"session {args.session_id} deleted")
    return 0
