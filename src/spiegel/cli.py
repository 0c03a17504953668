"""The ``spiegel`` command line. Thin: parses arguments, then calls the API.

Each command lives in ``spiegel.commands.<name>`` with two functions: ``add_parser(subparsers)`` (cheap: no
heavy imports at module level, so ``--help`` is fast) and ``run(args) -> int`` (the exit status).

Exit status: 0 success; 1 done with warnings or some items failed (per command); 2 error in the input or the
arguments (one line on stderr, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from spiegel import __version__
from spiegel.errors import SpiegelError
from spiegel.safetext import printable

COMMANDS = ("synth", "inspect", "validate", "report", "batch", "gemeente", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spiegel",
        description="Spiegelrapporten Beleidsinformatie Jeugd: validate deliveries and report them per gemeente.",
    )
    parser.add_argument("--version", action="version", version=f"spiegel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"spiegel.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"spiegel.commands.{name}":
                continue  # command not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SpiegelError as exc:
        print(f"spiegel {args.command}: {printable(str(exc))}", file=sys.stderr)  # no terminal escape from a name
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"spiegel {args.command}: afgebroken", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
