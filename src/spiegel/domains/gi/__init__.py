"""What the two domains of a gecertificeerde instelling (GI) share: jeugdbescherming with the machtigingen
uithuisplaatsing (``spiegel.domains.jb``) and jeugdreclassering with the preventief justitieel kader
(``spiegel.domains.jr``), SPEC §4.

This package is a *family*, not a registered domain (docs/architecture.md, rule 3): both domains name it as their
``Domain.family``. It holds

* ``codelijsten.yaml``: the code lists both use (searched after the domain's own lists);
* ``regels.yaml``: the rule templates ``*-F01`` … ``*-X02`` that exist once per record-set prefix (JB, MU, JR),
  expanded by :func:`spiegel.layouts.rule_declarations`;
* :mod:`~spiegel.domains.gi.facts`: start ``s`` and end ``t`` at this GI, the person and record keys, ages;
* :mod:`~spiegel.domains.gi.logic`: the checks of the shared rules, registered per prefix by each domain;
* :mod:`~spiegel.domains.gi.count`: the flow tables and breakdowns of SPEC §4.5 as ``CountTable``\\ s.
"""
