"""Measurements of the process that runs an operation."""

from __future__ import annotations

import os
import socket
import struct
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil

from minerun.store.queue import Usage

# Offsets of tcpi_bytes_acked and tcpi_bytes_received in Linux's struct tcp_info.
_TCP_INFO_SIZE = 232
_BYTES_ACKED = 120
_BYTES_RECEIVED = 128


def directory_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (what an operation has written to disk)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def socket_bytes() -> int:
    """Bytes this process has sent and received on its open TCP connections.

    Read from the kernel's ``TCP_INFO`` of each socket; connections already closed no longer
    count, so callers take differences over one operation and clamp at zero.
    """
    total = 0
    for conn in psutil.Process().net_connections(kind="tcp"):
        if conn.fd < 0:
            continue
        try:
            sock = socket.socket(fileno=os.dup(conn.fd))
        except OSError:
            continue
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
            if len(info) >= _BYTES_RECEIVED + 8:
                acked, received = struct.unpack_from("QQ", info, _BYTES_ACKED)
                total += acked + received
        except OSError:
            pass
        finally:
            sock.close()
    return total


@dataclass
class ProcessSampler:
    """Samples CPU, memory and disk of one process during one operation."""

    pid: int
    workdir: Path
    _process: psutil.Process = field(init=False)
    _cpu_start: float = field(init=False)
    _last_cpu: float = field(init=False)
    _last_wall: float = field(init=False)
    _start_wall: float = field(init=False)
    _peak: int = field(init=False, default=0)
    _last: Usage | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._process = psutil.Process(self.pid)
        self._cpu_start = self._cpu()
        self._last_cpu = self._cpu_start
        self._last_wall = time.monotonic()
        self._start_wall = self._last_wall

    def _cpu(self) -> float:
        times = self._process.cpu_times()
        return float(times.user + times.system)

    def usage(self) -> Usage:
        """Usage over the whole run so far: CPU percent is the average since the start."""
        last = self._last or self.sample()
        wall = max(time.monotonic() - self._start_wall, 1e-6)
        return replace(last, cpu_percent=round(100.0 * last.cpu_seconds / wall, 1))

    def sample(self) -> Usage:
        """CPU percent since the last sample, CPU seconds and peak memory since the start."""
        try:
            cpu, rss = self._cpu(), int(self._process.memory_info().rss)
        except psutil.Error:
            return self._last or Usage(0.0, 0.0, 0, 0, 0)
        wall = time.monotonic()
        percent = 100.0 * (cpu - self._last_cpu) / max(wall - self._last_wall, 1e-6)
        self._last_cpu, self._last_wall = cpu, wall
        self._peak = max(self._peak, rss)
        self._last = Usage(
            cpu_percent=round(percent, 1),
            cpu_seconds=cpu - self._cpu_start,
            memory_bytes=rss,
            peak_memory_bytes=self._peak,
            disk_bytes=directory_bytes(self.workdir),
        )
        return self._last
