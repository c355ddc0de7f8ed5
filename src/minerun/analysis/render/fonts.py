"""The Unicode font the PDF report embeds, so that activity names in any script print.

The core PDF fonts only know Latin-1. DejaVu Sans covers Latin, Greek, Cyrillic, Armenian,
Georgian, Hebrew and Arabic letters; its TTF files ship inside matplotlib (a pinned
dependency), so no system font is needed. Only the files are read: matplotlib itself is
never imported.
"""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path

from fpdf import FPDF

FAMILY = "dejavu"
_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


@cache
def font_dir() -> Path:
    """The directory of matplotlib's bundled TTF files."""
    spec = find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib (which ships the report's font) is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def register(pdf: FPDF) -> None:
    """Make :data:`FAMILY` (regular, bold, italic) available to ``pdf``."""
    for style, name in _FILES.items():
        pdf.add_font(FAMILY, style, str(font_dir() / name))
