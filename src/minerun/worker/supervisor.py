"""The supervisor: claims operations, runs each in a slot process, and watches over them.

One loop does everything that decides an operation's fate, so there is one place to read:
it takes results from slots, renews leases, stops operations that were cancelled, timed
out or taken over, queues again the work of dead workers, and claims new work for idle slots.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.exceptions import LeaseLost
from minerun.store.database import Database
from minerun.store.queue import Lease, LeaseState, Usage
from minerun.worker import telemetry
from minerun.worker.resources import ProcessSampler
from minerun.worker.runner import Outcome, operation_dir
from minerun.worker.slot import slot_main

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.2


@dataclass(eq=False)
class Slot:
    """A slot process and the operation it runs, if any."""

    process: BaseProcess
    conn: Connection
    pid: int | None = None
    loaded: bool = False  # the kinds are imported: a phase starts without waiting for them
    lease: Lease | None = None
    claimed_at: datetime | None = None
    sampler: ProcessSampler | None = None
    usage: Usage | None = None
    stop_reason: str | None = None
    stop_deadline: float = 0.0
    killed: bool = False

    @property
    def idle(self) -> bool:
        return self.pid is not None and self.lease is None and not self.killed

    def request_stop(self, reason: str, grace: float) -> None:
        """Ask the running operation to stop at its next check, within ``grace`` seconds."""
        self.stop_reason = reason
        self.stop_deadline = time.monotonic() + grace
        if self.lease is not None:
            try:
                self.conn.send(("stop", self.lease.operation_id))
            except (OSError, ValueError):
                pass  # the slot is gone; the loop settles its operation


@dataclass
class Supervisor:
    """Runs up to ``settings.worker_slots`` operations at once."""

    settings: Settings
    database: Database
    slots: list[Slot] = field(default_factory=list)
    # Set while every slot is up and can take work; cleared while one is being replaced.
    ready: threading.Event = field(default_factory=threading.Event)
    _inbox: queue.Queue[tuple[Slot, tuple[Any, ...]]] = field(default_factory=queue.Queue)
    _context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    _announced: bool = False
    # When the loop last went round (monotonic clock): a loop stuck longer than a lease is not live.
    looped_at: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return self.settings.resolved_worker_name

    @property
    def warm(self) -> bool:
        """Every slot is up with the kinds imported, and none runs an operation."""
        up = [s for s in self.slots if s.loaded and not s.killed and s.lease is None]
        return self.ready.is_set() and len(up) == self.settings.worker_slots

    # -- the loop ---------------------------------------------------------------------------

    def run(self, stopping: threading.Event) -> None:
        """Work until ``stopping`` is set, then drain and return."""
        next_housekeeping = 0.0
        drain_deadline: float | None = None
        while True:
            self.looped_at = time.monotonic()
            self.slots = [slot for slot in self.slots if not slot.killed]
            if not stopping.is_set():
                self._spawn_missing()
            self._take_messages()
            self._watch()
            if time.monotonic() >= next_housekeeping:
                self._housekeeping()
                next_housekeeping = time.monotonic() + self.settings.heartbeat_seconds
            if stopping.is_set():
                drain_deadline = drain_deadline or time.monotonic() + self.settings.drain_seconds
                self._drain(drain_deadline)
                if not any(slot.lease for slot in self.slots):
                    break
            else:
                self._claim()
            self.database.waker.wait(WATCH_SECONDS if self._busy() else self.settings.poll_seconds)
        self._shutdown()

    def _busy(self) -> bool:
        return any(slot.lease for slot in self.slots)

    # -- slots ------------------------------------------------------------------------------

    def _spawn_missing(self) -> None:
        while len(self.slots) < self.settings.worker_slots:
            self.ready.clear()
            parent, child = self._context.Pipe()
            settings_data = self.settings.model_dump(mode="json")
            process = self._context.Process(
                target=slot_main,
                args=(child, settings_data, os.getpid()),
                name="minerun-slot",
                daemon=True,
            )
            # Not waited for: the slots of a worker start side by side.
            process.start()
            child.close()
            slot = Slot(process=process, conn=parent)
            self.slots.append(slot)
            threading.Thread(target=self._read, args=(slot,), daemon=True).start()

    def _slot_ready(self, slot: Slot, pid: int) -> None:
        slot.pid = pid
        up = [s for s in self.slots if s.pid is not None and not s.killed]
        if len(up) < self.settings.worker_slots:
            return
        self.ready.set()
        if not self._announced:
            self._announced = True
            count = f"{len(up)} slot{'s' if len(up) > 1 else ''}"
            log.info("worker %s ready with %s", self.name, count)

    def _read(self, slot: Slot) -> None:
        """Forward a slot's messages to the loop (a thread per slot, blocked on its pipe)."""
        while True:
            try:
                message = slot.conn.recv()
            except (EOFError, OSError):
                self._inbox.put((slot, ("exited",)))
                self.database.waker.wake()
                return
            self._inbox.put((slot, message))
            self.database.waker.wake()

    def _take_messages(self) -> None:
        while True:
            try:
                slot, message = self._inbox.get_nowait()
            except queue.Empty:
                return
            if message[0] == "ready":
                self._slot_ready(slot, message[1])
            elif message[0] == "loaded":
                slot.loaded = True
            elif message[0] == "done":
                self._finished(slot, message[2], message[3])
            elif message[0] == "exited" and not slot.killed:
                self._exited(slot)

    def _finished(self, slot: Slot, outcome: str, error: str | None) -> None:
        lease = slot.lease
        if lease is None:
            return
        operation = self.database.queue.load(lease)
        telemetry.ended(lease, self.name, outcome, operation, slot.claimed_at)
        failure = Outcome(outcome, error).failure
        if failure is not None:
            self._fail(lease, failure)
        elif outcome == "stopped" and slot.stop_reason == "drain":
            self._hand_back(lease)
        if slot.sampler is not None:
            slot.usage = slot.sampler.sample()
        if outcome in ("lost", "stopped") and self._forced(lease):
            # forceTermination promises the process's end, even when the slot noticed the
            # cancellation first (its fenced write failed) and stopped on its own.
            self._kill(slot)
            return
        self._record_final_usage(slot)
        self._release(slot)

    def _forced(self, lease: Lease) -> bool:
        state = self.database.queue.states([lease.operation_id]).get(lease.operation_id)
        return state is not None and state.stop_mode == "force"

    def _exited(self, slot: Slot) -> None:
        code = slot.process.exitcode
        slot.process.join(timeout=1)
        slot.killed = True
        self.ready.clear()
        if slot.lease is not None:
            code = slot.process.exitcode
            message = f"The process running the operation died (exit code {code})."
            self._fail(slot.lease, Failure(FailureType.PROCESS_DIED, message))

    def _release(self, slot: Slot) -> None:
        slot.lease, slot.sampler, slot.usage = None, None, None
        slot.stop_reason, slot.stop_deadline = None, 0.0

    def _kill(self, slot: Slot) -> None:
        """Stop a slot process at once; its operation's state was already settled."""
        if slot.sampler is not None:
            slot.usage = slot.sampler.sample()
        slot.killed = True
        self.ready.clear()
        slot.process.kill()
        slot.process.join(timeout=5)
        self._record_final_usage(slot)
        slot.lease = None

    # -- claiming ---------------------------------------------------------------------------

    def _claim(self) -> None:
        for slot in self.slots:
            if not slot.idle:
                continue
            lease = self.database.queue.claim(self.name, _now(), self.settings.lease_seconds)
            if lease is None:
                return
            slot.lease, slot.claimed_at = lease, _now()
            telemetry.claimed(lease, self.name, slot.claimed_at)
            assert slot.pid is not None
            workdir = operation_dir(self.settings.artifacts_dir, lease.operation_id)
            workdir.mkdir(parents=True, exist_ok=True)
            slot.sampler = ProcessSampler(slot.pid, workdir)
            slot.conn.send(("run", asdict(lease)))

    # -- watching ---------------------------------------------------------------------------

    def _watch(self) -> None:
        busy = [slot for slot in self.slots if slot.lease is not None and not slot.killed]
        if not busy:
            return
        states = self.database.queue.states([s.lease.operation_id for s in busy if s.lease])
        for slot in busy:
            assert slot.lease is not None and slot.sampler is not None
            slot.usage = slot.sampler.sample()
            state = states.get(slot.lease.operation_id)
            if state is None or state.token != slot.lease.token:
                self._lost(slot, state)
            elif _now() >= slot.lease.timeout_at:
                self._time_out(slot)
            elif slot.stop_reason and time.monotonic() > slot.stop_deadline:
                self._force_stop(slot)

    def _lost(self, slot: Slot, state: LeaseState | None) -> None:
        """The lease is gone: cancelled, timed out elsewhere, or taken over by another worker."""
        if slot.stop_reason is None and slot.lease is not None:
            telemetry.lost(slot.lease, self.name, state.status.value if state else None)
        cooperative = state is not None and state.stop_mode == "cooperative"
        if cooperative and state is not None and state.status is OperationStatus.CANCELLED:
            if slot.stop_reason is None:
                slot.request_stop("cancel", self.settings.cancel_grace_seconds)
            elif time.monotonic() > slot.stop_deadline:
                self._kill(slot)
            return
        self._kill(slot)

    def _time_out(self, slot: Slot) -> None:
        assert slot.lease is not None
        telemetry.timed_out(slot.lease, self.name)
        try:
            self.database.queue.time_out(slot.lease, _now())
        except LeaseLost:
            pass
        self._kill(slot)

    def _force_stop(self, slot: Slot) -> None:
        lease = slot.lease
        self._kill(slot)
        if lease is not None and slot.stop_reason == "drain":
            self._hand_back(lease)

    def _drain(self, deadline: float) -> None:
        if time.monotonic() < deadline:
            return
        for slot in self.slots:
            if slot.lease is not None and slot.stop_reason is None:
                slot.request_stop("drain", self.settings.cancel_grace_seconds)

    # -- settling ---------------------------------------------------------------------------

    def _fail(self, lease: Lease, failure: Failure) -> None:
        try:
            self.database.queue.fail(lease, _now(), failure, self.settings.max_crashes)
        except LeaseLost:
            log.info(
                "operation %s changed hands before its failure was recorded", lease.operation_id
            )

    def _hand_back(self, lease: Lease) -> None:
        try:
            self.database.queue.hand_back(lease, _now())
        except LeaseLost:
            pass

    def _record_final_usage(self, slot: Slot) -> None:
        if slot.lease is None or slot.usage is None:
            return
        state = self.database.queue.states([slot.lease.operation_id]).get(slot.lease.operation_id)
        # Only an operation that ended with this worker gets its usage; a taken-over one is
        # measured by its new worker.
        if state is not None and state.status in TERMINAL:
            self.database.queue.record_usage(slot.lease.operation_id, slot.usage)

    def _housekeeping(self) -> None:
        now = _now()
        held = [slot.lease for slot in self.slots if slot.lease is not None and not slot.killed]
        usage = {s.lease.operation_id: s.usage for s in self.slots if s.lease and s.usage}
        if held:
            gone = self.database.queue.renew(held, now, self.settings.lease_seconds, usage)
            telemetry.renewed(len(held) - len(gone))
        # Slots that said they are ready count towards the estimates of when queued work starts.
        ready = sum(1 for slot in self.slots if slot.pid is not None and not slot.killed)
        self.database.workload.beat(self.name, ready, now)
        rescued = self.database.queue.rescue_expired(now, self.settings.max_crashes)
        if rescued:
            telemetry.took_over(rescued, self.name)
        self.database.queue.sweep_timeouts(now)

    def _shutdown(self) -> None:
        for slot in self.slots:
            if slot.pid is None:  # still starting: nothing to finish, no reason to wait
                slot.process.kill()
                continue
            try:
                slot.conn.send(("exit",))
            except (OSError, ValueError):
                pass
        for slot in self.slots:
            slot.process.join(timeout=2)
            if slot.process.is_alive():
                slot.process.kill()
        # Last, so that the slots are stopped even when the database cannot be reached.
        self.database.workload.forget(self.name)


def _now() -> datetime:
    return datetime.now(UTC)
