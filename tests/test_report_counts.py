"""The report's counts equal counts computed directly from the raw sample files with plain pandas (SPEC §6).

The reference computation below reads each delivery with pandas alone (not spiegel.read), resolves the gemeente
from the reference tables, and applies the conditions of SPEC §6 literally. It is deliberately simple and slow.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from spiegel import codes, domains
from spiegel import deliveries as store
from spiegel.periods import Period
from spiegel.sample import DELIVERIES

PERIOD = Period.parse("2025H1")
LAYOUT = domains.get("jeugdhulp").layout()
COLUMNS = LAYOUT.names
WIDTHS = [c.breedte for c in LAYOUT.kolommen]


def read_plain(path: Path) -> pd.DataFrame:
    """The delivery as strings, by plain pandas: the format is known from the file's extension and bytes."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine").fillna("")
        for col, width in zip(COLUMNS, WIDTHS, strict=True):
            short = frame[col].str.fullmatch(r"\d+") & (frame[col].str.len() < width)
            if col not in ("tevredenheid",):
                frame.loc[short, col] = frame.loc[short, col].str.zfill(width)
        return frame
    if path.suffix == ".txt":
        return pd.read_fwf(io.BytesIO(data), widths=WIDTHS, names=COLUMNS, dtype=str, header=None).fillna("")
    text = data.decode("utf-8-sig") if _is_utf8(data) else data.decode("cp1252")
    sep = ";" if text.splitlines()[0].count(";") else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    return frame


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def gemeente_of(row: pd.Series, day: date) -> str:
    code = row["gemeentecode"].strip()
    if code:
        if code in codes.valid_codes(day):
            return code
        succ = codes.successor(code, day)
        if succ is not None:
            return succ
    pc = row["postcode"]
    letters = pc[5:] if pc[4:5] == " " else pc[4:]
    well_formed = (len(pc) >= 4 and pc[:4].isdigit() and pc[0] != "0"
                   and ((letters == "" and len(pc) == 4) or (len(letters) == 2 and all(
                       c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" for c in letters))))
    if well_formed:  # SPEC §7: a postcode failing the format check is never used to find a gemeente
        found = codes.gemeente_of_postcode(pc[:4], day)
        if found:
            return found
    return "onbekend"


def _dates(values: pd.Series) -> pd.Series:
    """JJJJMMDD, exactly eight digits; anything else is no date."""
    return pd.to_datetime(values.where(values.str.fullmatch(r"\d{8}")), format="%Y%m%d", errors="coerce")


def plain_flows(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    first = pd.Timestamp(period.first_day)
    last = pd.Timestamp(period.last_day)
    a = _dates(frame["datum_aanvang"])
    e = _dates(frame["datum_einde"])
    # Decision (docs/definities.md): an end date that is not a valid date counts as no end date (running);
    # the validation reports it as a fout.
    running = e.isna()
    df = pd.DataFrame({
        "gemeente": frame.apply(gemeente_of, axis=1, day=period.last_day),
        "beginstand": (a < first) & (running | (e >= first)),
        "instroom": (a >= first) & (a <= last),
        "uitstroom": (e >= first) & (e <= last) & (a <= last),
        "eindstand": (a <= last) & (running | (e > last)),
    })
    df = df[a.notna() & (a <= last) & (running | (e >= first))]
    out = df.groupby("gemeente")[["beginstand", "instroom", "uitstroom", "eindstand"]].sum().astype(int)
    total = out.sum().to_frame().T
    total.index = ["totaal"]
    return pd.concat([total, out])


def report_flows(result) -> pd.DataFrame:
    csv = Path(result.outputs["csv"]) / "stromen.csv"
    table = pd.read_csv(csv, sep=";", dtype={"gemeente": str}, encoding="utf-8-sig")
    table = table[table["hulpvorm"] == "totaal"].set_index("gemeente")
    cols = ["trajecten_beginstand", "trajecten_instroom", "trajecten_uitstroom", "trajecten_eindstand"]
    return table[cols].rename(columns=lambda c: c.removeprefix("trajecten_")).astype(int)


def test_every_sample_provider_with_a_delivery_got_a_report(sample_reports):
    expected = {kvk for (_, kvk) in store.current_deliveries(DELIVERIES, PERIOD)}
    expected |= {f"{kvk}@2025Q2" for (_, kvk) in store.current_deliveries(DELIVERIES, "2025Q2")}  # jeugdreclassering
    assert set(sample_reports) == expected
    failed = {k: (r.stage, r.message) for k, r in sample_reports.items() if r.status != "gemaakt"}
    assert failed == {}


@pytest.mark.parametrize("kvk", sorted(k for (_, k), ref in store.current_deliveries(DELIVERIES, PERIOD).items()
                                        if ref.meta.domein == "jeugdhulp"))
def test_report_counts_equal_plain_pandas_counts_from_the_raw_file(sample_reports, kvk):
    ref = store.current_delivery(DELIVERIES, PERIOD, kvk)
    expected = plain_flows(read_plain(ref.path), PERIOD).sort_index()
    got = report_flows(sample_reports[kvk]).sort_index()
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_dtype=False)


def test_flow_identity_holds_in_every_exported_cell(sample_reports):
    for kvk, result in sample_reports.items():
        if "@" in kvk or store.current_delivery(DELIVERIES, PERIOD, kvk).meta.domein != "jeugdhulp":
            continue
        table = pd.read_csv(Path(result.outputs["csv"]) / "stromen.csv", sep=";", encoding="utf-8-sig")
        t = {m: table[f"trajecten_{m}"] for m in ("beginstand", "instroom", "uitstroom", "eindstand")}
        assert (t["beginstand"] + t["instroom"] - t["uitstroom"] == t["eindstand"]).all()
