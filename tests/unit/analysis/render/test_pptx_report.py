"""The PowerPoint deck: opens with python-pptx, holds the slides its content asks for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from minerun.analysis.render.model import ActivityCount, Figure, TextTable
from minerun.analysis.render.pptx_report import render_pptx_report

from .samples import make_content, make_map


def _titles(path: Path) -> list[str]:
    deck = Presentation(str(path))
    return [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]


def test_a_full_deck_has_title_figures_map_charts_and_recommendations(tmp_path: Path) -> None:
    content = make_content(400, make_map(10, 25))
    path = render_pptx_report(content, tmp_path / "r.pptx")
    deck = Presentation(str(path))
    titles = _titles(path)
    assert titles[0] == content.title
    assert titles[1:3] == ["Key figures", "Process map"]
    assert "Recommendations" in titles
    charts = [shape.chart for s in deck.slides for shape in s.shapes if shape.has_chart]
    assert len(charts) == 3  # variants, waiting times, cases per day
    map_slide = deck.slides[2]
    labels = {
        shape.text_frame.text.split("\n")[0] for shape in map_slide.shapes if shape.has_text_frame
    }
    assert "Activity 00" in labels


def test_the_headline_replaces_the_summary_and_tables_get_slides(tmp_path: Path) -> None:
    rows = tuple((str(i), f"row {i}") for i in range(30))
    content = replace(
        make_content(50, make_map(4, 5)),
        headline=(Figure("Cases (cases)", 50),),
        tables=(TextTable("New variants", ("Cases", "Activities"), rows, "30 in all"),),
    )
    path = render_pptx_report(content, tmp_path / "r.pptx")
    titles = _titles(path)
    assert titles.count("New variants") == 1
    assert titles.count("New variants (continued)") == 2  # 12 rows a slide
    deck = Presentation(str(path))
    figures = next(s for s in deck.slides if s.shapes.title.text == "Key figures")
    table = next(shape.table for shape in figures.shapes if shape.has_table)
    assert table.cell(1, 0).text == "Cases (cases)" and len(table.rows) == 2


def test_without_visualizations_there_is_no_map_and_no_chart(tmp_path: Path) -> None:
    content = replace(make_content(50, make_map(4, 5)), process_map=None, charts=False)
    path = render_pptx_report(content, tmp_path / "r.pptx")
    deck = Presentation(str(path))
    assert "Process map" not in _titles(path)
    assert not any(shape.has_chart for s in deck.slides for shape in s.shapes)


def test_non_latin_names_are_kept(tmp_path: Path) -> None:
    base = make_map(3, 3)
    names = ("Проверка", "審査", "Έλεγχος")
    process_map = replace(
        base,
        activities=tuple(ActivityCount(n, 5) for n in names),
        edges=(),
        start_activities=(ActivityCount(names[0], 5),),
        end_activities=(ActivityCount(names[2], 5),),
    )
    path = render_pptx_report(replace(make_content(10, process_map)), tmp_path / "r.pptx")
    deck = Presentation(str(path))
    text = " ".join(
        shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.has_text_frame
    )
    for name in names:
        assert name in text


def test_the_map_fits_its_slide(tmp_path: Path) -> None:
    path = render_pptx_report(make_content(100, make_map(24, 100)), tmp_path / "r.pptx")
    deck = Presentation(str(path))
    map_slide = next(s for s in deck.slides if s.shapes.title.text == "Process map")
    boxes = [shape for shape in map_slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE]
    assert len(boxes) == 12  # the most frequent activities
    for shape in map_slide.shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.LINE:
            continue
        assert shape.left >= 0 and shape.top >= 0
        assert shape.left + shape.width <= deck.slide_width
        assert shape.top + shape.height <= deck.slide_height
