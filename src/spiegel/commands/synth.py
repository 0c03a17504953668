"""``spiegel synth``: write a synthetic country of one domain's deliveries (or the bundled sample of all)."""

from __future__ import annotations

import argparse
from pathlib import Path

from spiegel.commands import add_domain_argument, domain_of


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
        default=None,
        help="comma-separated periods (half-years 2023H1 … 2026H2, quarters for jeugdreclassering), or a range "
        "2024H1..2025H1 (default: the domain's; jeugdhulp 2024H1,2024H2,2025H1)",
    )
    p.add_argument("--seed", type=int, default=2025, help="random seed (default: 2025)")
    p.add_argument(
        "--format",
        choices=("csv", "xlsx", "fixed"),
        default="csv",
        help="file format of every delivery: csv (';', UTF-8), xlsx or fixed (fixed width, no header) "
        "(default: csv)",
    )
    add_domain_argument(p)
    p.add_argument(
        "--sample",
        action="store_true",
        help="write the small bundled sample instead (ten providers, 2024H2 and 2025H1, mixed formats, one "
        "provider with deliberate errors); ignores the other options except --out",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import time

    from spiegel.errors import ParameterError
    from spiegel.periods import parse_periods

    out = Path(args.out)
    _check_out(out)
    began = time.perf_counter()
    if args.sample:
        from spiegel.sample.make import write_sample

        result = write_sample(args.out)
        domain_name = None
    else:
        domain = domain_of(args)
        if not domain.synth:
            raise ParameterError(f"er is geen synthetische aanlevering voor {domain.titel}")
        result = domain.part(domain.synth)(
            args.out,
            providers=args.providers,
            scale=args.scale,
            periods=parse_periods(args.periods) if args.periods else None,
            seed=args.seed,
            fmt=args.format,
        )
        domain_name = domain.name
        _merge_register(out / "register.csv", result.register, domain_name)
    stale = _remove_stale(out, {*result.files, *(f.with_name(f.name + ".meta.yml") for f in result.files)},
                          domain_name)
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


def _merge_register(path: Path, rows, domain: str) -> None:
    """``register.csv`` with this domain's rows replaced by ``rows`` (the other domains' rows kept)."""
    import pandas as pd

    from spiegel.register import load_register, write_register

    if path.exists():
        kept = load_register(path).reset_index(drop=True)
        kept = kept[kept["domein"] != domain]  # one row per KvK and domain (a GI delivers JB and JR)
        rows = pd.concat([kept, rows], ignore_index=True)
    write_register(path, rows)


def _remove_stale(out: Path, written: set[Path], domain: str | None) -> int:
    """Delivery files of an earlier synthetic run (of ``domain``; None: of any) that this run did not write."""
    from spiegel.deliveries import META_SUFFIX, load_meta
    from spiegel.periods import Period

    stale = []
    for period_dir in out.iterdir():
        try:
            Period.parse(period_dir.name)
        except Exception:
            continue
        for path in period_dir.glob("*/*"):
            if not path.is_file() or path in written:
                continue
            if domain is not None:
                data = path.with_name(path.name.removesuffix(META_SUFFIX))
                try:
                    if load_meta(data).domein != domain:
                        continue
                except Exception:  # no readable sidecar: not a delivery of a synthetic run of this domain
                    continue
            stale.append(path)
    for path in stale:
        path.unlink()
    return len(stale)
