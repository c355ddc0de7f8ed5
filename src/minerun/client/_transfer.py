"""Files going up (uploads, with progress) and coming down (downloads, with their names)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx

Progress = Callable[[int, int], None]
"""Told ``(bytes sent, bytes in all)`` as an upload is read out."""


@dataclass(frozen=True)
class Upload:
    """A file sent as the multipart ``file`` field, opened anew on every attempt."""

    path: Path
    fields: dict[str, str]
    progress: Progress | None = None


class Reporting(io.FileIO):
    """A file that tells how much of it has been read, as httpx streams it out."""

    def __init__(self, path: Path, progress: Progress) -> None:
        super().__init__(path, "rb")
        self._progress = progress
        self._size = os.fstat(self.fileno()).st_size

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size) or b""
        self._progress(self.tell(), self._size)
        return chunk


@dataclass(frozen=True)
class Download:
    """An answer written to ``directory``, under the name the server gives or ``fallback``."""

    directory: Path
    fallback: str


def filename(response: httpx.Response, fallback: str) -> str:
    """The file name of a ``Content-Disposition`` answer, reduced to a safe base name."""
    header = response.headers.get("content-disposition", "")
    found = re.search(r"filename\*=(?:UTF-8|utf-8)''([^;]+)", header)
    name = unquote(found.group(1)) if found else ""
    if not name:
        plain = re.search(r'filename="?([^";]+)"?', header)
        name = plain.group(1) if plain else ""
    name = Path(name.replace("\\", "/")).name
    return name if name not in {"", ".", ".."} else fallback
