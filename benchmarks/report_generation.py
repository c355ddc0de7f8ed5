"""ReportGeneration: seconds to write each export format, on a shared real log.

The log is read and validated as an upload is, measured (discovery and performance, what the
Gathering phase computes again from a source analysis' dataset), then each format is written
by the kind's own writer, as the Document Rendering phase does, with the recommendations the
analysis would make. Conformance and machine-learning figures are left out: they belong to the
analysis, not to the report, and are measured by ``analysis.py``. Each format is written
``--repeat`` times; the table gives the median seconds and the files' size.

    python benchmarks/report_generation.py [--log ../shared/data/bpic2012.xes.gz] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_LOG = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bpic2012.xes.gz"
FORMATS = ("PDF", "PowerPoint", "HTML", "CSV", "JSON")
REPORT_TYPES = ("detailed", "executive_summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.log.is_file():
        sys.exit(f"log not found: {args.log} (the shared data directory)")

    from minerun.analysis import eventlog, validation
    from minerun.analysis.discovery import discover
    from minerun.analysis.performance import analyze_performance
    from minerun.analysis.recommendations import recommend
    from minerun.kinds.process_mining.parameters import parse as parse_analysis
    from minerun.kinds.process_mining.report_content import drawn_recommendations, findings
    from minerun.kinds.report_generation import documents
    from minerun.kinds.report_generation.content import document_content
    from minerun.kinds.report_generation.figures import brief, recommendation_views
    from minerun.kinds.report_generation.material import Analysis
    from minerun.kinds.report_generation.parameters import parse

    started = time.perf_counter()
    frame = validation.validate(eventlog.read_xes(args.log)).frame
    read = time.perf_counter() - started
    started = time.perf_counter()
    found, perf = discover(frame), analyze_performance(frame)
    measured = time.perf_counter() - started
    advice = recommend(findings(found, perf, None, {}))
    views = [
        {
            "category": r.category,
            "priority": r.priority,
            "recommendation": r.text,
            "expectedImprovement": r.expected_improvement,
        }
        for r in drawn_recommendations(advice)
    ]
    results = {"Report Generation": {"recommendations": views}}
    params = parse_analysis({"datasetId": "00000000-0000-4000-8000-000000000000"})
    analysis = Analysis(None, params, args.log.name, results, frame, found, perf)
    assert len(recommendation_views(analysis)) == len(views)
    gathered = {"current": brief(analysis)}

    print(
        f"log: {args.log.name}, {frame.height:,} events, {found.cases:,} cases, "
        f"{found.variant_count:,} variants"
    )
    print(f"read and validate: {read:.2f} s; discovery and performance: {measured:.2f} s\n")
    print(f"{'report type':<18} {'format':<11} {'seconds':>8} {'size':>10}")
    for report_type in REPORT_TYPES:
        report = parse({"datasetId": params.dataset_id, "reportType": report_type})
        content = document_content(report, analysis, gathered)
        for fmt in FORMATS:
            times, size = [], 0
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as folder:
                    started = time.perf_counter()
                    files = documents.write(fmt, content, analysis, gathered, Path(folder))
                    times.append(time.perf_counter() - started)
                    size = sum(f.path.stat().st_size for f in files)
            seconds = statistics.median(times)
            print(f"{report_type:<18} {fmt:<11} {seconds:>8.3f} {size / 1024:>7,.0f} KB")


if __name__ == "__main__":
    main()
