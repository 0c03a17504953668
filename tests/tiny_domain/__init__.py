"""A tiny domain for the tests of the domain seam: two columns, one data rule, one count (tests/test_domain_seam.py).

It is registered at run time (``spiegel.domains.register("tiny_domain")``), lives outside the package and uses
nothing of jeugdhulp: if it goes through validate, report and batch, a new domain needs only its folder."""

from pathlib import Path

from spiegel.domains import Domain

DOMAIN = Domain(
    name="klein",
    titel="testdomein",
    package=__name__,
    period_kinds=("H",),
    layouts={"1": "klein-1"},
    default_layout="klein-1",
    notebook=str(Path(__file__).resolve().parent / "klein.ipynb"),
    logic=None,
)
