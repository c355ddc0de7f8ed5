"""The bytes of an uploaded event-log file: found, decompressed within a cap, as UTF-8.

Gzipped files (recognised by their magic number, whatever their name) are decompressed as
a stream, and the content is read in chunks against ``max_bytes``: a file whose content
passes the cap is refused with :class:`~minerun.analysis.errors.LogTooLargeError` as soon as
it does, so a small file that inflates enormously (a decompression bomb) never costs more
memory than the cap, whatever its compression ratio.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from typing import Final

from minerun.analysis.errors import (
    EncodingError,
    InvalidMappingError,
    LogNotFoundError,
    LogTooLargeError,
    MalformedLogError,
)

__all__ = ["existing_file", "read_content", "to_utf8"]

_GZIP_MAGIC: Final = b"\x1f\x8b"
_CHUNK: Final = 1024 * 1024
_UTF8_NAMES: Final = frozenset({"utf-8", "utf8", "utf_8"})


def existing_file(path: str | Path) -> Path:
    target = Path(path)
    if not target.is_file():
        raise LogNotFoundError(str(path), "no such file")
    return target


def read_content(path: str | Path, max_bytes: int | None) -> bytes:
    """The file's bytes, decompressed when they start with the gzip magic number.

    Read in chunks, so at most ``max_bytes`` (plus one chunk) is ever held: the cap is
    checked as the content grows, before a bomb can fill the memory.
    """
    target = existing_file(path)
    try:
        with target.open("rb") as handle:
            compressed = handle.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
            handle.seek(0)
            if not compressed:
                return _read_capped(handle, max_bytes)
            try:
                with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                    return _read_capped(stream, max_bytes)
            except (OSError, EOFError, zlib.error) as exc:
                raise MalformedLogError(f"corrupt gzip data ({exc})") from None
    except OSError as exc:
        raise LogNotFoundError(str(path), exc.strerror) from None


def _read_capped(stream: io.BufferedIOBase, max_bytes: int | None) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise LogTooLargeError(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def to_utf8(data: bytes, encoding: str) -> bytes:
    """Check or transcode text to UTF-8 without its byte-order mark, so polars can read it."""
    try:
        if encoding.lower() in _UTF8_NAMES:
            data.decode("utf-8")
            return data.removeprefix(b"\xef\xbb\xbf")
        return data.decode(encoding).encode("utf-8").removeprefix(b"\xef\xbb\xbf")
    except UnicodeDecodeError as exc:
        raise EncodingError(encoding, exc.start, exc.reason) from None
    except UnicodeError as exc:
        # Codecs such as unicode_escape or utf-7 can decode to text that is no Unicode (a
        # lone surrogate), which then cannot be written as UTF-8.
        raise EncodingError(encoding, detail=f"it decodes to invalid text: {exc}") from None
    except LookupError:
        raise InvalidMappingError("encoding", f"unknown encoding {encoding!r}") from None
