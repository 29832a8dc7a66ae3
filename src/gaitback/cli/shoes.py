"""``gaitback shoes``: add, list (mileage and wear status) and retire running shoes."""

from __future__ import annotations

import argparse
import sys

from gaitback.cli.history import db_option
from gaitback.history.shoes import (
    DEFAULT_REPLACE_MILES,
    DEFAULT_WARN_MILES,
    add_shoe,
    list_shoes,
    retire_shoe,
)
from gaitback.present.history_report import print_tables, shoe_alerts, shoes_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shoes",
        help="running shoes and their mileage (warning at 300 miles, replace at 500)",
        description=(
            "Track running shoes: mileage per shoe from the sessions run in it, a warning from "
            "300 miles and 'replace' at 500 (both configurable per shoe)."
        ),
    )
    db_option(parser, None)
    parser.set_defaults(func=_list, all=True)
    sub = parser.add_subparsers(dest="shoes_command", metavar="ACTION")

    add = sub.add_parser("add", help="add a shoe")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--brand")
    add.add_argument("--model")
    add.add_argument(
        "--warn-miles", type=float, default=DEFAULT_WARN_MILES, metavar="MI",
        help="warn from this mileage (default %(default)g)",
    )
    add.add_argument(
        "--replace-miles", type=float, default=DEFAULT_REPLACE_MILES, metavar="MI",
        help="say 'replace' from this mileage (default %(default)g)",
    )
    db_option(add, argparse.SUPPRESS)
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help="mileage and status of each shoe")
    lst.add_argument("--active", dest="all", action="store_false", help="hide retired shoes")
    db_option(lst, argparse.SUPPRESS)
    lst.set_defaults(func=_list)

    retire = sub.add_parser("retire", help="retire a shoe (its mileage stays in the history)")
    retire.add_argument("name", metavar="NAME")
    db_option(retire, argparse.SUPPRESS)
    retire.set_defaults(func=_retire)


def _add(args: argparse.Namespace) -> int:
    add_shoe(
        args.name,
        getattr(args, "db", None),
        brand=args.brand,
        model=args.model,
        warn_miles=args.warn_miles,
        replace_miles=args.replace_miles,
    )
    print(f"added shoe '{args.name.strip()}'")
    return 0


def _list(args: argparse.Namespace) -> int:
    shoes = list_shoes(getattr(args, "db", None), include_retired=args.all)
    print_tables([shoes_table(shoes)], sys.stdout, shoe_alerts(shoes))
    return 0


def _retire(args: argparse.Namespace) -> int:
    retire_shoe(args.name, getattr(args, "db", None))
    print(f"retired shoe '{args.name.strip()}'")
    return 0
