"""Rendering of analysis results: SVG process maps, the PDF report and CSV exports.

The renderers take the plain frozen records of :mod:`minerun.analysis.render.model`, so
they depend on no other part of the engine::

    ProcessMap ─────────► render_process_map_svg ──► SVG text
    ReportContent ──────► render_pdf_report ───────► report.pdf
                  ├───► render_pptx_report ──────► report.pptx (pptx_report)
                  └───► render_html_report ──────► report.html (html_report)
    VariantCount, ActivityStats, AnomalyRow ─► write_*_csv ─► *.csv
    files ──────────────► zip_files ───────────────► bundle.zip
"""

from minerun.analysis.render.csv_export import (
    write_activity_stats_csv,
    write_anomalies_csv,
    write_figures_csv,
    write_variants_csv,
    zip_files,
)
from minerun.analysis.render.map_select import MapSelection, select_map
from minerun.analysis.render.model import (
    ActivityCount,
    ActivityStats,
    AnomalyRow,
    Bottleneck,
    DailyCount,
    Figure,
    FigureValue,
    ProcessEdge,
    ProcessMap,
    Recommendation,
    ReportContent,
    TextTable,
    VariantCount,
)
from minerun.analysis.render.pdf_report import render_pdf_report
from minerun.analysis.render.svg_map import render_process_map_svg

__all__ = [
    "ActivityCount",
    "ActivityStats",
    "AnomalyRow",
    "Bottleneck",
    "DailyCount",
    "Figure",
    "FigureValue",
    "MapSelection",
    "ProcessEdge",
    "ProcessMap",
    "Recommendation",
    "ReportContent",
    "TextTable",
    "VariantCount",
    "render_pdf_report",
    "render_process_map_svg",
    "select_map",
    "write_activity_stats_csv",
    "write_anomalies_csv",
    "write_figures_csv",
    "write_variants_csv",
    "zip_files",
]
