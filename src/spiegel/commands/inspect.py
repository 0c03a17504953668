"""``spiegel inspect FILE``: what the reader found, never a value from a row."""

from __future__ import annotations

import argparse

from spiegel.commands import add_domain_argument, domain_of, layout_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what the reader finds in a delivery file (format, encoding, layout, counts)",
        description="Show what the reader finds in a delivery: format, encoding and delimiter detected, layout "
        "and protocol version, number of rows, the periods the dates cover and the empty values per column. "
        "Never prints a value from a row.",
    )
    p.add_argument("file", help="delivery file (CSV, XLSX, XLS or fixed-width text)")
    p.add_argument("--layout", default=None, help="layout name (default: the domain's current layout)")
    add_domain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from spiegel.inspection import describe, format_description
    from spiegel.read import read_delivery

    domain = domain_of(args)
    delivery = read_delivery(args.file, domain.layout(layout_of(args, domain)))
    print(format_description(describe(delivery)))
    return 0
