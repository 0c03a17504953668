"""``spiegel gemeente``: the gemeenteoverzicht of one gemeente (or all) from an existing batch."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from spiegel.commands import add_domain_argument, domain_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gemeente",
        help="make the gemeenteoverzicht of a gemeente from the reports of a batch (all providers, cbs-protected)",
        description="Make the gemeenteoverzicht (every provider that delivered for the gemeente, the total and the "
        "previous period; always cbs protection) from the exact tables the period's reports left in "
        "OUT/<period>/werk/; no delivery is read again. Outputs go to OUT/<period>/gemeenten/<code>/; the period's "
        "index.html is updated when it exists.",
    )
    p.add_argument("--period", required=True, help="reporting period, e.g. 2025H1")
    p.add_argument("--gemeente", default=None, metavar="CODE[,CODE…]",
                   help="4-digit CBS code(s), comma-separated (default: every gemeente with a provider)")
    p.add_argument("--out", default="outputs", help="output root of the batch (default: outputs)")
    p.add_argument("--deliveries", default=None,
                   help="deliveries folder with register.csv (default: the one the period's batch used)")
    p.add_argument("--formats", default="html,pdf,xlsx,csv",
                   help="comma-separated outputs: html, pdf, xlsx, csv (default: all)")
    add_domain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from spiegel.batch.gemeenteoverzicht import FORMATS, collect, make_overzichten
    from spiegel.batch.index import manifest_file, write_index
    from spiegel.errors import ParameterError
    from spiegel.periods import Period
    from spiegel.register import load_register

    domain = domain_of(args)
    period = Period.parse(args.period)
    period_dir = Path(args.out) / str(period)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ParameterError(f"onbekend formaat: {', '.join(unknown)}; kies uit {', '.join(FORMATS)}")
    deliveries = args.deliveries
    if deliveries is None:
        try:
            manifest = json.loads((period_dir / manifest_file(domain.name)).read_text(encoding="utf-8"))
            deliveries = manifest["options"]["deliveries"]
        except (OSError, ValueError, KeyError):
            from spiegel.sample import DELIVERIES

            deliveries = DELIVERIES
    register = load_register(Path(deliveries) / "register.csv")
    register = register[register["domein"] == domain.name]
    tables = collect(args.out, period, domain.name, register)
    if not tables.providers:
        raise ParameterError(f"geen gemaakte rapporten van {period} in {args.out}: maak eerst de batch "
                             f"(spiegel batch --period {period} --out {args.out})")
    codes = None
    if args.gemeente:
        codes = [c.strip() for c in args.gemeente.split(",") if c.strip()]
        bad = [c for c in codes if not re.fullmatch(r"\d{4}", c)]
        if bad:
            raise ParameterError("--gemeente: een gemeentecode heeft 4 cijfers")
        absent = sorted(set(codes) - set(tables.gemeenten()))
        if absent:
            raise ParameterError(f"--gemeente: geen aanbieder leverde in {period} trajecten voor {', '.join(absent)}")
    result = make_overzichten(args.out, period, register=register, gemeenten=codes, formats=formats,
                              domain=domain.name)
    print(result.summary_line())
    if (period_dir / "index.html").exists():
        print(f"index: {write_index(period_dir).resolve()}")
    return 0
