"""``spiegel synth``: write a synthetic country (or the bundled sample) of jeugdhulp deliveries."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="write synthetic jeugdhulp deliveries (a whole country from a seed, or the bundled sample)",
        description="Write synthetic deliveries under OUT: register.csv and <period>/<kvk>/<file> with a "
        "<file>.meta.yml sidecar per delivery. The same options and seed give byte-identical files. The data "
        "are invented (names say 'synthetisch'); the flows per half-year follow the published national "
        "figures (docs/aanlevering.md).",
    )
    p.add_argument("--out", required=True, help="folder to write into (created when missing)")
    p.add_argument(
        "--providers",
        type=int,
        default=None,
        help="number of registered providers (default: 5000 × scale, at least 10)",
    )
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume relative to the national figures: 1.0 ≈ 476,000 records per half-year, 0.01 ≈ 4,800 "
        "(default: 1.0, at most 5)",
    )
    p.add_argument(
        "--periods",
        default="2024H1,2024H2,2025H1",
        help="comma-separated half-years 2023H1 … 2026H2, or a range 2024H1..2025H1 "
        "(default: 2024H1,2024H2,2025H1)",
    )
    p.add_argument("--seed", type=int, default=2025, help="random seed (default: 2025)")
    p.add_argument(
        "--format",
        choices=("csv", "xlsx", "fixed"),
        default="csv",
        help="file format of every delivery: csv (';', UTF-8), xlsx or fixed (fixed width, no header) "
        "(default: csv)",
    )
    p.add_argument(
        "--sample",
        action="store_true",
        help="write the small bundled sample instead (ten providers, 2024H2 and 2025H1, mixed formats, one "
        "provider with deliberate errors); ignores the other options except --out",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import time

    from spiegel.periods import parse_periods
    from spiegel.present.numbers import fmt_int

    began = time.perf_counter()
    if args.sample:
        from spiegel.sample.make import write_sample

        result = write_sample(args.out)
    else:
        from spiegel.synth import synth_country

        result = synth_country(
            args.out,
            providers=args.providers,
            scale=args.scale,
            periods=parse_periods(args.periods),
            seed=args.seed,
            fmt=args.format,
        )
    seconds = time.perf_counter() - began
    print(f"{len(result.register)} aanbieders in register, {len(result.files)} aanleveringen in {result.out}")
    for period, rows in result.rows.items():
        print(f"  {period}: {fmt_int(rows)} records")
    print(
        f"  geen aanlevering: {len(result.never)} aanbieders; periode overgeslagen: {len(result.skipped)}; "
        f"correcties: {len(result.corrected)}"
    )
    print(f"  tijd: {seconds:.1f} s")
    return 0
