"""The HTML report: one self-contained file that holds every section."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from lxml import html

from minerun.analysis.render.html_report import render_html_report
from minerun.analysis.render.model import TextTable

from .samples import make_content, make_map

# Anything a browser would fetch: a URL with a scheme or a protocol-relative one.
_EXTERNAL = re.compile(r"""(?:https?:|ftp:)?//[\w.-]+\.[a-z]{2,}""", re.IGNORECASE)


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    path = render_html_report(make_content(300, make_map(10, 25)), tmp_path / "r.html")
    page = path.read_text(encoding="utf-8")
    assert not _EXTERNAL.search(page)
    tree = html.fromstring(page)
    assert not tree.xpath("//script | //link | //img | //iframe | //*[@src]")
    assert tree.xpath("//style")


def test_the_page_holds_every_section_in_order(tmp_path: Path) -> None:
    content = replace(
        make_content(300, make_map(10, 25)),
        tables=(TextTable("Bottleneck shifts", ("Activity", "Change (%)"), (("a", "5"),)),),
    )
    page = render_html_report(content, tmp_path / "r.html").read_text(encoding="utf-8")
    headings = html.fromstring(page).xpath("//h2/text()")
    for expected in ("Summary", "Recommendations", "Process map", "Most frequent variants"):
        assert expected in headings
    assert headings.index("Recommendations") < headings.index("Most frequent variants")
    assert "Bottleneck shifts" in headings and headings[-1] == "Glossary"
    assert len(html.fromstring(page).xpath("//svg")) == 3  # map and two bar charts


def test_names_are_escaped_and_kept(tmp_path: Path) -> None:
    content = replace(make_content(20, make_map(3, 3)), dataset_name="<Журнал & 審査>")
    page = render_html_report(content, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "&lt;Журнал &amp; 審査&gt;" in page


def _map_activities(page: str) -> set[str]:
    drawn = page.split('<div class="map">', 1)[1].split("</div>", 1)[0]
    return set(re.findall(r"Activity \d\d", drawn))


def test_the_map_controls_reach_the_drawn_map(tmp_path: Path) -> None:
    content = make_content(50, make_map(12, 30))
    whole = render_html_report(content, tmp_path / "whole.html").read_text()
    shares = replace(content, activities_share=0.25, paths_share=0.5)
    few = render_html_report(shares, tmp_path / "few.html").read_text()
    assert len(_map_activities(whole)) == 12
    # The most frequent quarter of the twelve activities, by the map selection's rule.
    assert 0 < len(_map_activities(few)) < 12
    assert _map_activities(few) <= {f"Activity {i:02d}" for i in range(6)}
