"""Jeugdbescherming (SPEC §4): per gecertificeerde instelling (GI) and half-year one delivery of two record sets, the
kinderbeschermingsmaatregelen (``jb``, types 11–23) and the machtigingen uithuisplaatsing (``muhp``, types 71–72).

The folder holds the domain's layout (``jb-7.yaml``), code lists (``codelijsten.yaml``), rules (``rules.yaml``: the
shared templates of ``spiegel/domains/gi/regels.yaml`` for the prefixes JB and MU, and the rules of its own; checks
in ``logic.py``), and its counts (``count.py``). What it shares with jeugdreclassering lives in the family package
``spiegel.domains.gi``. The decisions are in docs/jeugdbescherming-jeugdreclassering.md.
"""

from spiegel.domains import Domain

DOMAIN = Domain(
    name="jb",
    titel="jeugdbescherming",
    package=__name__,
    period_kinds=("H",),
    layouts={"7": "jb-7"},
    default_layout="jb-7",
    notebook="jb.ipynb",
    aliases=("jeugdbescherming",),
    family="spiegel.domains.gi",
    synth="synth:synth_country",
    sample="sample:write_sample",
    overview="overview:national_overview",
    sample_periods=("2024H2", "2025H1"),
)
