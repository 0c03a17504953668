"""The hostile corpus (issue 25, ``tests/hostile_corpus.py``): every malformed file through ``inspect``,
``validate``, ``report`` and one ``batch``. Each gives exit 2 (or, for a file that can be read, findings), at most
one clear line on stderr, no traceback, no value from a row, no partial output; the batch makes every other
provider's report."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from hostile_corpus import SECRETS, build
from sample_helpers import copy_sample_delivery
from spiegel.cli import main
from spiegel.deliveries import DeliveryMeta

CASES = build()
GOOD = ("91000066", "91000088")  # two small sample providers (CSV and fixed width) beside the corpus
#: The files that can be read as a delivery (the reader goes by content, not by extension; ``inspect FILE`` reads no
#: sidecar, so a bad file name is refused by report and batch): they get findings instead of a file rule.
READABLE = {"esc-and-controls", "formula-in-every-column", "html-in-every-column", "bidi-override-in-values",
            "xlsx-not-a-zip", "xlsx-formulas-and-html", "xlsx-sheet-name-traversal", "xls-that-is-csv",
            "name-path-traversal", "name-formula", "name-bidi-override", "name-unknown-extension"}


def kvk_of(index: int) -> str:
    return f"9800{index:04d}"


def test_the_corpus_has_at_least_40_files_of_every_class():
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)
    kinds = {c.filename.rsplit(".", 1)[-1] for c in CASES}
    assert {"csv", "xlsx", "xls", "txt"} <= kinds


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A deliveries store: every corpus file as the delivery of its own provider, plus the good providers."""

    root = tmp_path_factory.mktemp("corpus")
    rows = ["kvk,naam,domein,grootteklasse,gemeenten"]
    for i, case in enumerate(CASES):
        path = root / "2025H1" / kvk_of(i) / case.filename
        path.parent.mkdir(parents=True)
        path.write_bytes(case.data)
        path.with_name(path.name + ".meta.yml").write_text(
            DeliveryMeta(kvk=kvk_of(i), naam=f"Corpus {i}", domein="jeugdhulp", periode="2025H1", correctie=False,
                         ontvangen=datetime(2025, 7, 10, 12, 0)).to_yaml(), encoding="utf-8")
        rows.append(f"{kvk_of(i)},Corpus {i},jeugdhulp,klein,0363")
    for kvk in GOOD:
        copy_sample_delivery(root, "2025H1", kvk)
        rows.append(f"{kvk},Goed {kvk},jeugdhulp,klein,0363")
    (root / "register.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _clean(text: str) -> None:
    assert "Traceback" not in text and "Error:" not in text.replace("InputError:", "")
    assert not any(secret in text for secret in SECRETS), "a value from a row reached the output"


def _path(store: Path, i: int) -> Path:
    return store / "2025H1" / kvk_of(i) / CASES[i].filename


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c.name for c in CASES])
def test_inspect_and_validate_refuse_or_report_findings_in_one_clear_line(store, i, capsys):
    case, path = CASES[i], _path(store, i)
    inspected = main(["inspect", str(path)])
    out, err = capsys.readouterr()
    _clean(out + err)
    assert inspected in (0, 2) and err.count("\n") == (1 if inspected == 2 else 0)
    validated = main(["validate", str(path), "--no-previous"])
    out, err = capsys.readouterr()
    _clean(out + err)
    assert validated in (1, 2), "a malformed file passed validation"
    assert err.count("\n") <= 1
    if inspected == 2:  # the file rule, as a finding of the validation report
        assert validated == 2 and "JH-B" in out + err
    assert (inspected == 0) == (case.name in READABLE), "expected a file rule" if inspected == 0 else "refused"


@pytest.fixture()
def report_in_process(monkeypatch):
    """``spiegel report`` with its helper process replaced by in-process work (the same calls, one process:
    fifty reports in a few seconds each instead of fifty process starts)."""
    import contextlib

    class InProcess(contextlib.AbstractContextManager):
        render = None

        def flush(self) -> None:
            pass

        def __exit__(self, *exc) -> None:
            return None

    monkeypatch.setattr("spiegel.sidecar.Sidecar", InProcess)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c.name for c in CASES])
def test_report_exits_2_or_makes_the_report_and_leaves_no_partial_output(store, i, capsys, tmp_path,
                                                                          report_in_process):
    case = CASES[i]
    out_root = tmp_path / "o"
    code = main(["report", "--provider", kvk_of(i), "--period", "2025H1", "--deliveries", str(store),
                 "--out", str(out_root), "--renderer", "builtin", "--formats", "html,csv"])
    out, err = capsys.readouterr()
    _clean(out + err)
    folder = out_root / "2025H1" / kvk_of(i)
    if code == 0:
        assert case.name in READABLE and (folder / "spiegelrapport.html").exists()
        return
    assert code == 2 and err.count("\n") == 1, err
    left = [p.name for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    assert all(name.endswith(".fout.ipynb") for name in left), left  # the failed run's record, nothing else


def test_one_batch_over_the_whole_corpus_makes_every_other_providers_report(store, tmp_path):
    from spiegel.batch import BatchOptions, run_batch

    result = run_batch(BatchOptions(period="2025H1", deliveries=store, out_root=tmp_path / "o",
                                    formats=("html", "csv"), workers=2, progress=False))
    records = {r["kvk"]: r for r in result.records}
    assert result.exit_code == 1 and len(records) == len(CASES) + len(GOOD)
    for kvk in GOOD:
        assert records[kvk]["status"] == "gemaakt", records[kvk].get("message")
    for i, case in enumerate(CASES):
        record = records[kvk_of(i)]
        if record["status"] != "gemaakt":
            assert record["status"] == "mislukt"
            assert record.get("error_type") in ("InputError", "SpiegelError"), (case.name, record.get("error_type"))
            assert "\n" not in record["message"]
            folder = tmp_path / "o" / "2025H1" / kvk_of(i)
            left = [p.name for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
            assert all(name.endswith(".fout.ipynb") for name in left), (case.name, left)  # no partial report
        _clean(json.dumps(record, ensure_ascii=False))
    period_dir = tmp_path / "o" / "2025H1"
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    assert all(f"<td>{kvk_of(i)}</td>" in index for i in range(len(CASES)))
    _clean(index + (period_dir / "manifest.csv").read_text(encoding="utf-8"))
    assert json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))["status"] == "klaar"
