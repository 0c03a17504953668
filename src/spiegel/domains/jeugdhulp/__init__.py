"""Jeugdhulp (SPEC §3, §6–§8): one delivery per provider and half-year, one record per trajectory.

The folder holds everything of the domain: its layout (``jeugdhulp-7.yaml``), code lists (``codelijsten.yaml``),
rules (``rules.yaml`` and ``logic.py``), what the rules share (``facts.py``), its counts (``count.py``), report
sections (``report.py``), its part of the batch index (``overview.py``) and its synthetic data (``synth.py``,
``sample.py``). The notebook is ``notebooks/jeugdhulp.ipynb``.
"""

from spiegel.domains import Domain

DOMAIN = Domain(
    name="jeugdhulp",
    titel="jeugdhulp",
    package=__name__,
    period_kinds=("H",),
    layouts={"7": "jeugdhulp-7"},
    default_layout="jeugdhulp-7",
    notebook="jeugdhulp.ipynb",
    overview="overview:national_overview",
    synth="synth:synth_country",
    sample="sample:write_sample",
    sample_periods=("2024H2", "2025H1"),
    # herhaald beroep bij enige aanbieder (SPEC §6): the youth history of every provider (spiegel.history)
    extra={"youth_history": {"start": "datum_aanvang", "end": "datum_einde"}},
)
