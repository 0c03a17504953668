"""``spiegel validate FILE``: check a delivery against the rule catalogue; never prints a value from a row."""

from __future__ import annotations

import argparse

from spiegel.commands import add_domain_argument, domain_of, layout_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="validate a delivery file against the rules of its protocol version",
        description="Validate a delivery: file, fields, dates, records and (with the previous period's delivery) "
        "completeness. Prints per rule the number of rows and the first row numbers, in Dutch; never a value "
        "from a row. Exit status: 0 no findings, 1 warnings only, 2 errors or an unreadable file.",
    )
    p.add_argument("file", nargs="?", help="delivery file (CSV, XLSX, XLS or fixed-width text)")
    p.add_argument(
        "--period",
        help="period to validate against, e.g. 2025H1 (default: the period in the file's metadata sidecar)",
    )
    p.add_argument(
        "--previous",
        metavar="FILE",
        help="the provider's delivery of the previous period (default: found in the delivery store when FILE "
        "lies in <root>/<period>/<kvk>/ with a metadata sidecar)",
    )
    p.add_argument("--no-previous", action="store_true", help="do not look for the previous period's delivery")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--layout", default=None,
                   help="layout name (default: the one in the file's metadata, else the domain's current layout)")
    add_domain_argument(p)
    p.add_argument(
        "--catalogue",
        action="store_true",
        help="print the domain's rule catalogue (Markdown, docs/validatieregels*.md) instead of validating",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from spiegel.errors import ParameterError

    domain = domain_of(args)
    if args.catalogue:
        from spiegel.validate.catalogue import render_catalogue_file as render_catalogue

        print(render_catalogue(domain), end="")
        return 0
    if not args.file:
        raise ParameterError("geef een bestand op (of --catalogue)")
    from spiegel.validate import validate_file

    findings = validate_file(
        args.file,
        args.period,
        previous=args.previous,
        find_previous=not args.no_previous,
        layout=layout_of(args, domain),
        domain=domain,
    )
    if args.format == "json":
        print(findings.to_json())
    else:
        print(findings.to_text(), end="")
    return findings.exit_status
