"""Operation kinds that exist only for the tests: controllable, observable phases.

``Steps`` has three phases. Parameters:

- ``records`` (int, default 10) and ``chunk`` (default 1): records per phase, reported in chunks;
- ``sleep`` (seconds per chunk, default 0);
- ``markerDir``: every phase run appends its attempt to ``<markerDir>/<phase>.runs``, so tests
  can see which phases ran how often;
- ``failPhase`` + ``failTimes``: that phase raises on its first ``failTimes`` runs (default: all);
  ``failWith``: ``"invalid"`` raises :class:`PhaseInputError`, ``"missing-file"`` an error that
  names a server path, anything else a ``RuntimeError``;
- ``crashPhase``: that phase kills its own process (a crash the worker must survive);
- ``stubbornPhase``: that phase never checks for cancellation.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minerun.kinds import ArtifactSpec, Kind, Phase, PhaseContext, PhaseInputError
from minerun.kinds.registry import KindRegistry

PHASES = ("Load", "Compute", "Write")


def _runs(parameters: Mapping[str, Any], name: str) -> int:
    """Record this run of ``name`` and return how many runs there were, this one included."""
    marker = parameters.get("markerDir")
    if not marker:
        return 1
    path = Path(marker) / f"{name}.runs"
    with path.open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    return len(path.read_text().splitlines())


def _phase(name: str) -> Phase:
    def run(ctx: PhaseContext) -> dict[str, Any]:
        p = ctx.parameters
        runs = _runs(p, name)
        if p.get("failPhase") == name and runs <= int(p.get("failTimes", 1_000_000)):
            _fail(name, runs, p.get("failWith"))
        if p.get("crashPhase") == name:
            os._exit(17)
        records, chunk = int(p.get("records", 10)), max(int(p.get("chunk", 1)), 1)
        stubborn = p.get("stubbornPhase") == name
        done = 0
        while done < records:
            if not stubborn:
                ctx.check_cancelled()
            time.sleep(float(p.get("sleep", 0)))
            done = min(done + chunk, records)
            ctx.progress(done, records, f"{name.lower()}ing")
        output = ctx.workdir / f"{name.lower()}.json"
        output.write_text(json.dumps({"phase": name, "records": records}))
        ctx.add_artifact(
            ArtifactSpec(
                output, f"{name} output", "Dataset", "JSON", "phase output", "application/json"
            )
        )
        earlier = sorted(ctx.results)
        return {"records": records, "run": runs, "earlierPhases": earlier}

    return Phase(name, run)


def _fail(name: str, runs: int, how: str | None) -> None:
    if how == "invalid":
        raise PhaseInputError(f"{name} cannot use its input")
    if how == "missing-file":
        Path(__file__).with_name("no-such-input.csv").read_text()
    raise RuntimeError(f"{name} failed on run {runs}")


def _check(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    records = parameters.get("records", 10)
    if not isinstance(records, int) or records < 0:
        return [{"field": "parameters.records", "reason": "must be a non-negative integer"}]
    return []


def _count(parameters: Mapping[str, Any], _data_dir: Path) -> int | None:
    # Each phase goes through the same records: they are the operation's input.
    records = parameters.get("records", 10)
    return records if isinstance(records, int) else None


def _summary(results: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "summary": {"phases": len(results), "records": sum(r["records"] for r in results.values())}
    }


def register(registry: KindRegistry) -> None:
    registry.add(
        Kind(
            name="Steps",
            phases=tuple(_phase(name) for name in PHASES),
            cpu_units=2,
            memory_gb=4,
            check_parameters=_check,
            count_records=_count,
            summarize=_summary,
        )
    )
