"""Token-based replay of one activity sequence, rule for rule as pm4py's ``token_replay``.

pm4py's replay makes choices whose order shows in the token counts (which silent path to
try first, in which order to visit places), so this engine keeps each of them:

- shortest silent paths between places come from the same depth-first search
  (``get_places_shortest_path_by_hidden``, depth 50), ties going to the path found first;
- places are visited in the order of their names; candidate silent paths are stably
  sorted by length;
- enabling a transition through silent ones tries the paths from the marked places to the
  places that lack a token, then recurses once (depth 2), as ``apply_hidden_trans`` does;
- at the end of the trace, silent paths towards the final marking are fired (five rounds),
  then, with a single final place, the paths towards it in marking order (five rounds).

Markings are insertion-ordered dictionaries, like pm4py's Counter-based markings.
"""

from __future__ import annotations

from dataclasses import dataclass

from minerun.analysis.models.petri import PetriNet

Marking = dict[int, int]
Path = list[int]
_MAX_PATH_DEPTH = 50
_MAX_HIDDEN_DEPTH = 2
_FINAL_ROUNDS = 5
_Step = tuple[tuple[tuple[int, int], ...], int, int, int]


@dataclass(frozen=True)
class TraceReplay:
    """Token counts of one replayed trace."""

    missing: int
    consumed: int
    remaining: int
    produced: int
    is_fit: bool
    fitness: float


def silent_shortest_paths(net: PetriNet) -> dict[int, dict[int, Path]]:
    """For each place, the shortest sequences of silent transitions leading to other places."""
    out_transitions: list[list[int]] = [[] for _ in net.places]
    for p, t in net.place_to_transition:
        out_transitions[p].append(t)
    paths: dict[int, dict[int, Path]] = {}
    for origin in range(len(net.places)):
        found: dict[int, Path] = {}
        _explore(net, out_transitions, origin, found, [], 0)
        paths[origin] = found
    return paths


def _explore(
    net: PetriNet,
    out_transitions: list[list[int]],
    place: int,
    found: dict[int, Path],
    path: Path,
    depth: int,
) -> None:
    if depth > _MAX_PATH_DEPTH:
        return
    for t in out_transitions[place]:
        if net.labels[t] is not None:
            continue
        for target in net.postset[t]:
            if target not in found or len(path) + 1 < len(found[target]):
                longer = [*path, t]
                found[target] = longer
                _explore(net, out_transitions, target, found, longer, depth + 1)


class TokenReplayer:
    """Replays activity sequences on one net; build once, replay many variants."""

    def __init__(self, net: PetriNet) -> None:
        self._pre = net.preset
        self._post = net.postset
        order = sorted(range(len(net.places)), key=lambda p: net.places[p])
        self._rank = {p: i for i, p in enumerate(order)}
        self._paths = silent_shortest_paths(net)
        self._initial = dict(net.initial_marking)
        self._final = dict(net.final_marking)
        self._final_sorted = sorted(self._final, key=self._rank.__getitem__)
        by_name = sorted(range(len(net.transitions)), key=lambda t: net.transitions[t])
        self._by_label: dict[str, list[int]] = {}
        self._steps: dict[tuple[str, tuple[tuple[int, int], ...]], _Step] = {}
        for t in by_name:
            label = net.labels[t]
            if label is not None:
                self._by_label.setdefault(label, []).append(t)

    def _enabled(self, t: int, m: Marking) -> bool:
        return all(m.get(p, 0) >= 1 for p in self._pre[t])

    def _fire(self, t: int, m: Marking) -> None:
        for p in self._pre[t]:
            m[p] -= 1
            if m[p] == 0:
                del m[p]
        for p in self._post[t]:
            m[p] = m.get(p, 0) + 1

    def _paths_towards(self, m: Marking, targets: list[int]) -> list[Path]:
        groups: list[Path] = []
        for origin in sorted(m, key=self._rank.__getitem__):
            row = self._paths.get(origin)
            if row:
                groups.extend(row[p] for p in targets if p in row)
        groups.sort(key=len)
        return groups

    def _enable_hidden(
        self, m: Marking, fired: list[int], seen: set[int], groups: list[Path], t: int
    ) -> None:
        for group in groups:
            changed = False
            for t3 in group:
                if t3 != t and self._enabled(t3, m) and t3 not in seen:
                    self._fire(t3, m)
                    fired.append(t3)
                    seen.add(t3)
                    changed = True
                if self._enabled(t, m):
                    break
            if self._enabled(t, m) or not changed:
                return

    def _apply_hidden(
        self, t: int, m: Marking, depth: int, seen: set[int], fired: list[int]
    ) -> None:
        if depth >= _MAX_HIDDEN_DEPTH or t in seen:
            return
        seen.add(t)
        lacking = sorted({p for p in self._pre[t] if m.get(p, 0) < 1}, key=self._rank.__getitem__)
        groups = self._paths_towards(m, lacking)
        if not groups:
            return
        self._enable_hidden(m, fired, seen, groups, t)
        if self._enabled(t, m):
            return
        for group in self._paths_towards(m, lacking):
            for t4 in group:
                if t4 == t or t4 in seen:
                    continue
                if not self._enabled(t4, m):
                    self._apply_hidden(t4, m, depth + 1, seen, fired)
                if self._enabled(t4, m):
                    self._fire(t4, m)
                    fired.append(t4)
                    seen.add(t4)

    def _choose(self, label: str, m: Marking) -> int:
        candidates = self._by_label[label]
        for t in candidates:
            if self._enabled(t, m):
                return t
        return candidates[-1]

    def replay(self, trace: tuple[str, ...]) -> TraceReplay:
        """Replay one activity sequence from the initial marking."""
        m: Marking = dict(self._initial)
        counts = [0, 0, sum(self._initial.values())]  # missing, consumed, produced
        for activity in trace:
            if activity in self._by_label:
                m = self._cached_step(activity, m, counts)
        self._reach_final(m, counts)
        return self._close(m, counts)

    @property
    def initial_marking(self) -> Marking:
        """A fresh copy of the initial marking."""
        return dict(self._initial)

    def advance(self, activity: str, m: Marking) -> tuple[Marking, bool]:
        """The marking after one more event, and whether it needed no missing token.

        Activities that label no transition leave the marking as it is, as in ``replay``.
        """
        if activity not in self._by_label:
            return m, True
        counts = [0, 0, 0]
        after = self._cached_step(activity, dict(m), counts)
        return after, counts[0] == 0

    def _cached_step(self, activity: str, m: Marking, counts: list[int]) -> Marking:
        # The outcome of an event depends only on the (ordered) marking and the activity,
        # and variants share most of their prefixes, so each pair is computed once.
        key = (activity, tuple(m.items()))
        known = self._steps.get(key)
        if known is None:
            delta = [0, 0, 0]
            self._replay_event(self._choose(activity, m), m, delta)
            known = (tuple(m.items()), delta[0], delta[1], delta[2])
            self._steps[key] = known
        counts[0] += known[1]
        counts[1] += known[2]
        counts[2] += known[3]
        return dict(known[0])

    def _count(self, fired: list[int], counts: list[int]) -> None:
        for t in fired:
            counts[1] += len(self._pre[t])
            counts[2] += len(self._post[t])

    def _replay_event(self, t: int, m: Marking, counts: list[int]) -> None:
        if not self._enabled(t, m):
            fired: list[int] = []
            self._apply_hidden(t, m, 0, set(), fired)
            self._count(fired, counts)
        if not self._enabled(t, m):
            for p in self._pre[t]:
                if m.get(p, 0) < 1:
                    counts[0] += 1
                    m[p] = m.get(p, 0) + 1
        self._count([t], counts)
        self._fire(t, m)

    def _final_reached(self, m: Marking) -> bool:
        return all(p in m for p in self._final)

    def _reach_final(self, m: Marking, counts: list[int]) -> None:
        for _ in range(_FINAL_ROUNDS):
            if self._final_reached(m):
                return
            for group in self._paths_towards(m, self._final_sorted):
                for t in group:
                    if self._enabled(t, m):
                        self._fire(t, m)
                        self._count([t], counts)
                if self._final_reached(m):
                    break
        if self._final_reached(m) or len(self._final) != 1:
            return
        (sink,) = self._final
        links = [self._paths[p][sink] for p in m if sink in self._paths.get(p, {})]
        links.sort(key=len)
        for _ in range(_FINAL_ROUNDS):
            for path in links:
                for t in path:
                    if not self._enabled(t, m):
                        break
                    self._fire(t, m)
                    self._count([t], counts)

    def _close(self, m: Marking, counts: list[int]) -> TraceReplay:
        missing, consumed, produced = counts
        lacking = sum(max(0, tokens - m.get(p, 0)) for p, tokens in self._final.items())
        remaining = sum(max(0, n - self._final.get(p, 0)) for p, n in m.items())
        is_fit = missing == 0 and remaining == 0
        consumed += sum(self._final.values())
        missing += lacking
        if consumed > 0 and produced > 0:
            fitness = 0.5 * (1.0 - missing / consumed) + 0.5 * (1.0 - remaining / produced)
        else:
            fitness = 1.0
        return TraceReplay(missing, consumed, remaining, produced, is_fit, fitness)


__all__ = ["TokenReplayer", "TraceReplay", "silent_shortest_paths"]
