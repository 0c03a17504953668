"""``spiegel inspect FILE``: what the reader found, never a value from a row."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what the reader finds in a delivery file (format, encoding, layout, counts)",
        description="Show what the reader finds in a delivery: format, encoding and delimiter detected, layout "
        "and protocol version, number of rows, the periods the dates cover and the empty values per column. "
        "Never prints a value from a row.",
    )
    p.add_argument("file", help="delivery file (CSV, XLSX, XLS or fixed-width text)")
    p.add_argument("--layout", default="jeugdhulp", help="layout name or domain (default: jeugdhulp)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from spiegel.inspection import describe, format_description
    from spiegel.read import read_delivery

    delivery = read_delivery(args.file, args.layout)
    print(format_description(describe(delivery)))
    return 0
