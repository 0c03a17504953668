"""Veilig Thuis (SPEC §5): per VT organisation and half-year four record sets of closed items — adviezen, meldingen
with their triagebesluit, onderzoeken, and the persons of meldingen and onderzoeken.

The folder holds everything of the domain: its layouts (``vt-1.yaml``, ``vt-1-lijst.yaml`` with list columns), code
lists (``codelijsten.yaml``, with the reversed BSN convention), rules (``rules.yaml`` and ``logic.py``: the file and
field rules, the 43 consistency checks of the kwaliteitsrapport and the completeness rules), what the rules and counts
share (``facts.py``, working days in ``werkdagen.py``), its counts (``count.py``), the report with its spiegelrapport
and kwaliteitsrapport (``report.py``), its part of the batch index (``overview.py``) and its synthetic data
(``synth.py``, ``sample.py``). The notebook is ``notebooks/vt.ipynb``; the decisions are in docs/veilig-thuis.md.
"""

from spiegel.domains import Domain

DOMAIN = Domain(
    name="vt",
    titel="Veilig Thuis",
    package=__name__,
    period_kinds=("H",),
    layouts={"1": "vt-1", "vt-1-lijst": "vt-1-lijst"},
    default_layout="vt-1",
    notebook="vt.ipynb",
    overview="overview:national_overview",
    synth="synth:synth_country",
    sample="sample:write_sample",
    sample_periods=("2024H2", "2025H1"),
    aliases=("veilig_thuis", "veilig thuis", "veiligthuis"),
)
