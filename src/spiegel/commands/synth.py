"""``spiegel synth``: write a synthetic country (or the bundled sample) of jeugdhulp deliveries."""

from __future__ import annotations

import argparse
from pathlib import Path


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

    out = Path(args.out)
    _check_out(out)
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
    stale = _remove_stale(out, {*result.files, *(f.with_name(f.name + ".meta.yml") for f in result.files)})
    seconds = time.perf_counter() - began
    print(f"{len(result.register)} registered providers, {len(result.files)} deliveries written to {result.out}")
    for period, rows in result.rows.items():
        print(f"  {period}: {rows:,} records")
    print(
        f"  never delivering: {len(result.never)} providers; skipped periods: {len(result.skipped)}; "
        f"corrections: {len(result.corrected)}"
    )
    if stale:
        print(f"  removed {stale} files of an earlier synthetic run")
    print(f"  time: {seconds:.1f} s")
    return 0


def _check_out(out: Path) -> None:
    """Refuse to write into a folder that holds anything but an earlier synthetic run (real data must never be
    mixed with or replaced by synthetic data)."""
    from spiegel.errors import ParameterError

    if not out.exists() or not any(out.iterdir()):
        return
    register = out / "register.csv"
    if register.exists():
        from spiegel.register import load_register

        names = load_register(register)["naam"]
        if len(names) and names.str.contains("(synthetisch", regex=False).all():
            return
    raise ParameterError(f"--out {out} is niet leeg en bevat geen eerdere synthetische aanlevering; kies een lege map")


def _remove_stale(out: Path, written: set[Path]) -> int:
    """Delivery files of an earlier synthetic run that this run did not write again."""
    from spiegel.periods import Period

    removed = 0
    for period_dir in out.iterdir():
        try:
            Period.parse(period_dir.name)
        except Exception:
            continue
        for path in period_dir.glob("*/*"):
            if path.is_file() and path not in written:
                path.unlink()
                removed += 1
    return removed
