"""Jeugdreclassering (SPEC §4): per gecertificeerde instelling (GI) and quarter one delivery of one record set ``jr``
with the jeugdreclassering (types 41–63) and the activiteiten in het preventief justitieel kader (PJK, type 31).

The folder holds the domain's layout (``jr-7.yaml``), code lists (``codelijsten.yaml``), rules (``rules.yaml``: the
shared templates of ``spiegel/domains/gi/regels.yaml`` for the prefix JR, and the rules of its own; checks in
``logic.py``), and its counts (``count.py``). What it shares with jeugdbescherming lives in the family package
``spiegel.domains.gi``. The decisions are in docs/jeugdbescherming-jeugdreclassering.md.
"""

from spiegel.domains import Domain

DOMAIN = Domain(
    name="jr",
    titel="jeugdreclassering",
    package=__name__,
    period_kinds=("Q",),
    layouts={"7": "jr-7"},
    default_layout="jr-7",
    notebook="jr.ipynb",
    aliases=("jeugdreclassering",),
    family="spiegel.domains.gi",
    synth="synth:synth_country",
    sample="sample:write_sample",
    overview="overview:national_overview",
    sample_periods=("2025Q1", "2025Q2"),
)
