"""``python -m spiegel.render NOTEBOOK OUT_DIR``: render one executed notebook (HTML and PDF).

Exit status 0 when the files were written, 2 when the notebook cannot be rendered (the reason on one line).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spiegel.errors import SpiegelError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiegel.render", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path, help="executed notebook (.ipynb)")
    parser.add_argument("out_dir", type=Path, help="folder for <stem>.html and <stem>.pdf")
    parser.add_argument("--formats", default="html,pdf", help="comma-separated: html, pdf (default: both)")
    parser.add_argument("--renderer", default="auto", choices=["auto", "builtin", "quarto"],
                        help="auto: quarto when installed, else builtin (default: auto)")
    parser.add_argument("--stem", default="spiegelrapport", help="file name without suffix")
    parser.add_argument("--settings", type=Path, default=None, help="quarto.yml (default: found near the notebook)")
    args = parser.parse_args(argv)
    from spiegel.render import render

    try:
        written = render(args.notebook, args.out_dir, formats=[f.strip() for f in args.formats.split(",") if f],
                         renderer=args.renderer, stem=args.stem, settings=args.settings)
    except SpiegelError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return exc.exit_code
    for path in written.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
