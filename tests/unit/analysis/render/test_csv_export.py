"""CSV exports (RFC 4180) and the zip bundler."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from minerun.analysis.render.csv_export import (
    write_activity_stats_csv,
    write_anomalies_csv,
    write_variants_csv,
    zip_files,
)
from minerun.analysis.render.model import ActivityStats, AnomalyRow, VariantCount


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_variants_have_shares_and_survive_awkward_names(tmp_path: Path) -> None:
    variants = [
        VariantCount(("a, with comma", 'b "quoted"'), 6),
        VariantCount(("multi\nline",), 2),
    ]
    path = write_variants_csv(variants, tmp_path / "variants.csv", total_cases=10)
    rows = _rows(path)
    assert rows[0] == ["rank", "cases", "share", "cumulative_share", "length", "activities"]
    assert rows[1] == ["1", "6", "0.6", "0.6", "2", 'a, with comma -> b "quoted"']
    assert rows[2] == ["2", "2", "0.2", "0.8", "1", "multi\nline"]
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 3  # one per record; the embedded newline stays quoted
    assert b'"a, with comma -> b ""quoted"""' in raw


def test_variant_shares_default_to_the_rows_given(tmp_path: Path) -> None:
    rows = _rows(write_variants_csv([VariantCount(("a",), 1)] * 4, tmp_path / "v.csv"))
    assert [r[3] for r in rows[1:]] == ["0.25", "0.5", "0.75", "1.0"]


def test_activity_stats_leave_unknown_values_empty(tmp_path: Path) -> None:
    stats = [
        ActivityStats("check", 10, case_count=8, mean_duration_s=60.5),
        ActivityStats("ship", 3),
    ]
    rows = _rows(write_activity_stats_csv(stats, tmp_path / "activities.csv"))
    assert rows[0][:3] == ["activity", "frequency", "case_count"]
    assert rows[1] == ["check", "10", "8", "", "", "60.5", "", "", ""]
    assert rows[2] == ["ship", "3", "", "", "", "", "", "", ""]


def test_anomalies_neutralise_spreadsheet_formulas_by_default(tmp_path: Path) -> None:
    anomalies = [AnomalyRow("=HYPERLINK(1)", 0.9, "-rework"), AnomalyRow("c2", "high", "ok")]
    rows = _rows(write_anomalies_csv(anomalies, tmp_path / "a.csv"))
    assert rows == [
        ["case_id", "severity", "reason"],
        ["'=HYPERLINK(1)", "0.9", "'-rework"],
        ["c2", "high", "ok"],
    ]
    exact = _rows(write_anomalies_csv(anomalies, tmp_path / "b.csv", neutralize_formulas=False))
    assert exact[1] == ["=HYPERLINK(1)", "0.9", "-rework"]


def test_zip_files_bundles_by_name(tmp_path: Path) -> None:
    first, second = tmp_path / "model.pkl", tmp_path / "report.pdf"
    first.write_bytes(b"\x00model")
    second.write_bytes(b"%PDF-")
    target = zip_files([first, second], tmp_path / "bundle.zip")
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["model.pkl", "report.pdf"]
        assert archive.read("model.pkl") == b"\x00model"
    assert not (tmp_path / "bundle.zip.partial").exists()


def test_zip_files_refuses_clashing_names_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_text("1")
    (tmp_path / "x.csv").write_text("2")
    with pytest.raises(ValueError, match=r"x\.csv"):
        zip_files([tmp_path / "x.csv", tmp_path / "a" / "x.csv"], tmp_path / "out.zip")
    with pytest.raises(FileNotFoundError):
        zip_files([tmp_path / "missing.csv"], tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()
