"""What a jeugdhulp correction changed (SPEC §11): records added, removed and changed per gemeente.

Records are matched on the record key of SPEC §3.4 (the youth — BSN, or geslacht + geboortedatum + postcode when
the BSN is unknown — with datum aanvang and hulpvorm; ``Facts.record_key``). A record is *changed* when a record of
the same key holds another value in any column. When a key occurs more than once in a delivery, its first record
is the one compared (the validation reports the duplicate). An added or changed record counts under its gemeente
in the correction, a removed one under its gemeente in the replaced delivery. Counts only; never a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiegel import codes, gemeenten
from spiegel.count import ONBEKEND, TOTAAL, TOTAAL_LABEL


def _rows(facts) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """key → position of its first record, a hash of every record's content, every record's gemeente."""
    keys = facts.record_key
    first: dict[int, int] = {}
    for i, key in enumerate(keys.tolist()):
        first.setdefault(key, i)
    columns = [c for c in facts.frame.columns if c in set(facts.layout.names)] if facts.layout is not None \
        else list(facts.frame.columns)
    content = pd.DataFrame({c: np.asarray(facts.text(c), dtype=object) for c in columns})
    digest = pd.util.hash_pandas_object(content, index=False).to_numpy()
    day = facts.period.last_day
    gemeente = np.asarray(gemeenten.codes_of(facts.gemeente(day), day, ONBEKEND), dtype=object)
    return first, digest, gemeente


def record_changes(before, now) -> pd.DataFrame:
    """Per gemeente (the total first): ``gemeente``, ``gemeentenaam``, ``toegevoegd``, ``verwijderd``,
    ``gewijzigd`` (exact). ``before`` and ``now`` are the facts (``spiegel.domains.jeugdhulp.facts.Facts``) of the
    replaced delivery and of the correction."""
    old, old_digest, old_gem = _rows(before)
    new, new_digest, new_gem = _rows(now)
    tally: dict[str, list[int]] = {}

    def add(gemeente: object, column: int) -> None:
        code = str(gemeente) if gemeente not in (None, "") else ONBEKEND
        tally.setdefault(code, [0, 0, 0])[column] += 1

    for key, i in new.items():
        j = old.get(key)
        if j is None:
            add(new_gem[i], 0)
        elif new_digest[i] != old_digest[j]:
            add(new_gem[i], 2)
    for key, j in old.items():
        if key not in new:
            add(old_gem[j], 1)
    names = codes.gemeente_names(now.period.last_day)
    total = [sum(v[c] for v in tally.values()) for c in range(3)]
    order = sorted((c for c in tally if c != ONBEKEND), key=lambda c: names.get(c, c))
    order += [ONBEKEND] if ONBEKEND in tally else []
    rows = [(TOTAAL, TOTAAL_LABEL, *total)]
    rows += [(c, codes.ONBEKEND if c == ONBEKEND else names.get(c, c), *tally[c]) for c in order]
    return pd.DataFrame(rows, columns=["gemeente", "gemeentenaam", "toegevoegd", "verwijderd", "gewijzigd"])
