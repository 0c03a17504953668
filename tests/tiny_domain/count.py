"""The one count of the tiny domain: records, and records with an aantal, per record set (there is one)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiegel.count import Counts, CountTable


def count_report(delivery, period, *, history=(), previous=None, gemeente=None) -> Counts:
    frame = delivery.frame
    table = pd.DataFrame(
        {
            "maat": np.array(["records", "met_aantal"], dtype=object),
            "aantal": np.array([len(frame), int(frame["aantal"].notna().sum())], dtype=np.int64),
        }
    )
    return Counts(period, {"telling": CountTable(table, ("aantal",), description="Records van de levering")})
