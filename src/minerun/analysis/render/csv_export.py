"""CSV exports of variants, activity statistics, anomalies and figures, and a zip bundler.

Files are UTF-8 with a header row, comma separated, CRLF line ends and RFC 4180 quoting
(the :mod:`csv` module's ``QUOTE_MINIMAL``: fields holding a comma, a quote or a line
break are quoted and quotes doubled). Unknown values (``None``) are empty cells; durations
are seconds.

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by spreadsheet programs; activity names and case ids come from uploaded logs, so
by default such text cells are prefixed with ``'`` (the OWASP advice against CSV
injection). Pass ``neutralize_formulas=False`` for an exact machine-readable copy.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from minerun.analysis.render.model import ActivityStats, AnomalyRow, VariantCount

Cell = str | int | float | None
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_variants_csv(
    variants: Sequence[VariantCount],
    path: str | Path,
    *,
    total_cases: int | None = None,
    separator: str = " -> ",
    neutralize_formulas: bool = True,
) -> Path:
    """Write one row per variant, in the order given.

    Columns: ``rank``, ``cases``, ``share`` (of ``total_cases``, default the sum of the
    counts given), ``cumulative_share``, ``length`` (number of events) and ``activities``
    (joined by ``separator``).
    """
    total = total_cases if total_cases is not None else sum(v.count for v in variants)
    header = ("rank", "cases", "share", "cumulative_share", "length", "activities")
    rows: list[tuple[Cell, ...]] = []
    covered = 0
    for rank, variant in enumerate(variants, start=1):
        covered += variant.count
        share = variant.count / total if total else None
        cumulative = covered / total if total else None
        joined = separator.join(variant.activities)
        rows.append((rank, variant.count, share, cumulative, len(variant.activities), joined))
    return _write(path, header, rows, neutralize_formulas)


def write_activity_stats_csv(
    stats: Sequence[ActivityStats], path: str | Path, *, neutralize_formulas: bool = True
) -> Path:
    """Write one row per activity with the fields of :class:`ActivityStats`."""
    header = (
        "activity",
        "frequency",
        "case_count",
        "start_count",
        "end_count",
        "mean_duration_s",
        "median_duration_s",
        "mean_waiting_s",
        "total_waiting_s",
    )
    rows = [
        (
            s.activity,
            s.frequency,
            s.case_count,
            s.start_count,
            s.end_count,
            s.mean_duration_s,
            s.median_duration_s,
            s.mean_waiting_s,
            s.total_waiting_s,
        )
        for s in stats
    ]
    return _write(path, header, rows, neutralize_formulas)


def write_anomalies_csv(
    anomalies: Sequence[AnomalyRow], path: str | Path, *, neutralize_formulas: bool = True
) -> Path:
    """Write one row per anomalous case: ``case_id``, ``severity``, ``reason``."""
    rows = [(a.case_id, a.severity, a.reason) for a in anomalies]
    return _write(path, ("case_id", "severity", "reason"), rows, neutralize_formulas)


def write_figures_csv(
    figures: Sequence[tuple[str, str, Cell]], path: str | Path, *, neutralize_formulas: bool = True
) -> Path:
    """Write one row per figure: ``section``, ``figure`` (a dotted name), ``value``."""
    return _write(path, ("section", "figure", "value"), figures, neutralize_formulas)


def zip_files(paths: Iterable[str | Path], target: str | Path) -> Path:
    """Bundle ``paths`` into the zip archive ``target`` (deflated) and return its path.

    Entries are named by file name; two inputs with the same name are an error rather
    than a silent overwrite. The archive is written next to ``target`` under a temporary
    name and moved into place, so a reader never sees half an archive.
    """
    sources = [Path(p) for p in paths]
    names = [p.name for p in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"several files are named {', '.join(duplicates)}")
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"not a file: {', '.join(missing)}")
    destination = Path(target)
    partial = destination.with_name(destination.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in sources:
            archive.write(source, arcname=source.name)
    partial.replace(destination)
    return destination


def _write(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Cell]], neutralize: bool
) -> Path:
    target = Path(path)
    # newline="" hands line ends to the csv writer, which writes CRLF as RFC 4180 says.
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([_cell(value, neutralize) for value in row] for row in rows)
    return target


def _cell(value: Cell, neutralize: bool) -> Cell:
    if value is None:
        return ""
    if isinstance(value, str) and neutralize and value.startswith(_FORMULA_START):
        return "'" + value
    return value
