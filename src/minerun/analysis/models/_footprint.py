"""The relations the alpha+ miner needs, computed with Polars and NumPy from the events.

Every trace ``s`` is read as ``START s END`` with an artificial start and end (codes ``n``
and ``n + 1`` after the ``n`` activities, which are coded by name order). On the log
without its length-one-loop activities (*filtered*), with ``a > b`` when ``a`` is directly
followed by ``b`` and ``a △ b`` for a pattern ``a b a``:

- ``a ◇ b`` (length-two loop) iff ``a △ b`` and ``b △ a``;
- ``a → b`` (causal) iff ``a > b`` and (not ``b > a`` or ``a ◇ b``);
- ``a # b`` (unrelated) iff neither ``a > b`` nor ``b > a``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE

Matrix = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Footprint:
    """Relations of a log for alpha+ (indices: activities by name, then ``START``, ``END``).

    ``loops_one``: activities directly followed by themselves somewhere (removed before the
    other relations are computed); ``before`` / ``after``: for each of them, the other
    activities (or ``START`` / ``END``) directly before / after it in the original log.
    """

    names: tuple[str, ...]
    follows: Matrix
    causal: Matrix
    unrelated: Matrix
    present: frozenset[int]
    loops_one: frozenset[int]
    before: dict[int, frozenset[int]]
    after: dict[int, frozenset[int]]

    @property
    def start(self) -> int:
        """Index of the artificial start ``START``."""
        return len(self.names)

    @property
    def end(self) -> int:
        """Index of the artificial end ``END``."""
        return len(self.names) + 1


def _pairs(frame: pl.DataFrame, left: str, right: str) -> list[tuple[int, int]]:
    unique = frame.select(left, right).unique()
    return list(zip(unique[left].to_list(), unique[right].to_list(), strict=True))


def footprint(frame: pl.DataFrame) -> Footprint:
    """Relations of a canonical event log (sorted by case and time)."""
    names = tuple(sorted(frame.get_column(ACTIVITY).unique().drop_nulls().to_list()))
    top, end = len(names), len(names) + 1
    codes = {name: i for i, name in enumerate(names)}
    events = frame.select(
        CASE, pl.col(ACTIVITY).replace_strict(codes, return_dtype=pl.Int64).alias("a")
    ).with_columns(
        pl.col("a").shift(1).over(CASE).fill_null(top).alias("prev"),
        pl.col("a").shift(-1).over(CASE).fill_null(end).alias("next"),
    )
    loops = frozenset(events.filter(pl.col("a") == pl.col("next"))["a"].to_list())
    in_loop = pl.col("a").is_in(list(loops))
    before = _grouped(
        _pairs(events.filter(in_loop & ~pl.col("prev").is_in(list(loops))), "a", "prev")
    )
    after = _grouped(
        _pairs(events.filter(in_loop & ~pl.col("next").is_in(list(loops))), "a", "next")
    )
    kept = (
        events.filter(~in_loop)
        .select(CASE, "a")
        .with_columns(
            pl.col("a").shift(-1).over(CASE).fill_null(end).alias("b"),
            pl.col("a").shift(-2).over(CASE).alias("c"),
            pl.col("a").shift(1).over(CASE).is_null().alias("first"),
        )
    )
    size = len(names) + 2
    follows = np.zeros((size, size), dtype=np.bool_)
    triangle = np.zeros((size, size), dtype=np.bool_)
    for a, b in _pairs(kept, "a", "b"):
        follows[a, b] = True
    for a in kept.filter(pl.col("first"))["a"].unique().to_list():
        follows[top, a] = True
    if events[CASE].n_unique() > kept[CASE].n_unique():
        follows[top, end] = True  # a trace of length-one-loop activities only
    for a, b in _pairs(kept.filter(pl.col("a") == pl.col("c")), "a", "b"):
        triangle[a, b] = True
    diamond = triangle & triangle.T
    return Footprint(
        names=names,
        follows=follows,
        causal=follows & (~follows.T | diamond),
        unrelated=~follows & ~follows.T,
        present=frozenset(kept["a"].unique().to_list()) | {top, end},
        loops_one=loops,
        before=before,
        after=after,
    )


def _grouped(pairs: list[tuple[int, int]]) -> dict[int, frozenset[int]]:
    found: dict[int, set[int]] = {}
    for key, value in pairs:
        found.setdefault(key, set()).add(value)
    return {key: frozenset(values) for key, values in found.items()}


__all__ = ["Footprint", "footprint"]
