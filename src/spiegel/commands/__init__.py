"""One module per CLI command; see spiegel.cli."""

from __future__ import annotations

import argparse
from typing import Any


def add_domain_argument(parser: argparse.ArgumentParser) -> None:
    """``--domain`` (default jeugdhulp, so the commands of before keep working)."""
    from spiegel import domains

    parser.add_argument(
        "--domain", default="jeugdhulp", metavar="DOMEIN",
        help=f"domain of the deliveries: {', '.join(domains.names())} (default: jeugdhulp)",
    )


def domain_of(args: argparse.Namespace) -> Any:
    """The domain named by ``--domain`` (a ParameterError for an unknown name)."""
    from spiegel import domains

    return domains.get(domains.canonical(args.domain))


def layout_of(args: argparse.Namespace, domain: Any) -> str | None:
    """``--layout``: a layout of the domain by name; the domain's own name (the option's old meaning) or nothing is
    the domain's current layout."""
    layout = getattr(args, "layout", None)
    return None if layout in (None, "", domain.name) else layout
