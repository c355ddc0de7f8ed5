"""The slot's mailbox: stop requests reach the operation they name, and only that one."""

from __future__ import annotations

from multiprocessing import Pipe

from minerun.worker.slot import Mailbox


def test_a_stop_reaches_the_running_operation_only() -> None:
    supervisor, slot = Pipe()
    mailbox = Mailbox(slot)
    supervisor.send(("run", {"operation": "a"}))
    assert mailbox.next_work() == ("run", {"operation": "a"})
    mailbox.running("op-a")
    assert not mailbox.is_set()
    supervisor.send(("stop", "op-b"))
    assert not mailbox.is_set(), "a stop for another operation"
    supervisor.send(("stop", "op-a"))
    assert mailbox.is_set() and mailbox.is_set(), "a stop stays set until the operation ends"
    mailbox.running(None)


def test_a_stop_that_arrives_after_its_operation_ended_is_dropped() -> None:
    supervisor, slot = Pipe()
    mailbox = Mailbox(slot)
    mailbox.running("op-a")
    mailbox.running(None)
    supervisor.send(("stop", "op-a"))  # crossed the operation's "done" on the pipe
    supervisor.send(("run", {"operation": "b"}))
    assert mailbox.next_work() == ("run", {"operation": "b"})
    mailbox.running("op-b")
    assert not mailbox.is_set()


def test_exit_while_running_stops_the_operation_and_is_kept_for_later() -> None:
    supervisor, slot = Pipe()
    mailbox = Mailbox(slot)
    mailbox.running("op-a")
    supervisor.send(("exit",))
    assert mailbox.is_set()
    mailbox.running(None)
    assert mailbox.next_work() == ("exit",)
