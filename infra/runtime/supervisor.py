"""Keeps the platform's processes running on one machine (`make run`, a single VM).

A process that exits while the platform is not stopping is started again, after a pause that
doubles with each quick crash (1 s up to 30 s) and resets once it has run for a minute; the
others keep running, so a worker killed with `kill -9` never takes the web down. A process
that crashes more than `max_crashes` times within `window` seconds makes the supervisor give
up and stop everything: a crash loop is a bug to report, not to hide. In a cluster the same
role is Kubernetes' (one container per process, restarted by the kubelet). Stopping waits
longer than gunicorn's graceful timeout (30 s) before killing: a master killed early leaves
its workers behind, still holding the port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.runtime.programs import Program

Clock = Callable[[], float]


@dataclass
class Running:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    next_start: float = 0.0
    pause: float = 1.0
    crashes: list[float] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        programs: list[Program],
        *,
        max_crashes: int = 5,
        window: float = 60.0,
        stable_after: float = 60.0,
        max_pause: float = 30.0,
        stop_timeout: float = 45.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.running = [Running(program) for program in programs]
        self.max_crashes, self.window = max_crashes, window
        self.stable_after, self.max_pause, self.stop_timeout = stable_after, max_pause, stop_timeout
        self.stopping = False
        self.gave_up = ""
        self.log = log or (lambda line: print(f"supervisor: {line}", file=sys.stderr, flush=True))

    def _start(self, entry: Running) -> None:
        program = entry.program
        entry.process = subprocess.Popen(
            program.argv, cwd=str(program.cwd), env={**os.environ, **program.env}
        )
        entry.started_at = time.monotonic()
        self.log(f"{program.name} started (pid {entry.process.pid})")

    def start(self) -> None:
        for entry in self.running:
            self._start(entry)

    def request_stop(self, signum: int = 0, frame: object = None) -> None:
        self.stopping = True

    def check(self) -> None:
        """One round: restart what exited (after its pause), or give up on a crash loop."""
        now = time.monotonic()
        for entry in self.running:
            process = entry.process
            if process is None:
                if now >= entry.next_start:
                    self._start(entry)
                continue
            code = process.poll()
            if code is None:
                continue
            name = entry.program.name
            if now - entry.started_at >= self.stable_after:
                entry.pause = 1.0
            entry.crashes = [at for at in entry.crashes if now - at < self.window] + [now]
            if len(entry.crashes) > self.max_crashes:
                self.gave_up = (
                    f"{name} exited {len(entry.crashes)} times within {self.window:.0f} s "
                    f"(last exit code {code}): stopping everything"
                )
                self.log(self.gave_up)
                self.stopping = True
                return
            self.log(f"{name} exited with code {code}; starting it again in {entry.pause:.0f} s")
            entry.process = None
            entry.next_start = now + entry.pause
            entry.pause = min(entry.pause * 2, self.max_pause)

    def run(self, *, interval: float = 0.5) -> int:
        """Start everything and keep it running until SIGINT/SIGTERM; 0, or 1 after giving up."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        self.start()
        try:
            while not self.stopping:
                self.check()
                time.sleep(interval)
        finally:
            self.stop()
        return 1 if self.gave_up else 0

    def stop(self) -> None:
        processes = [entry.process for entry in self.running if entry.process is not None]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
