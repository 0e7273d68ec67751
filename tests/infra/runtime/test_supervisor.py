"""The supervisor keeps the platform up: a crashed process comes back, the others go on."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from infra.runtime.programs import Program
from infra.runtime.supervisor import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _wait(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_worker_killed_with_sigkill_is_started_again_while_the_web_keeps_running() -> None:
    lines: list[str] = []
    supervisor = Supervisor([Program("web", SLEEPER), Program("worker", SLEEPER)], log=lines.append)
    supervisor.start()
    try:
        web, worker = supervisor.running
        assert web.process is not None and worker.process is not None
        web_pid, worker_pid = web.process.pid, worker.process.pid
        os.kill(worker_pid, signal.SIGKILL)
        _wait(lambda: worker.process is not None and worker.process.poll() is not None)
        supervisor.check()
        assert any("worker exited with code -9" in line for line in lines)
        assert not supervisor.stopping
        _wait(lambda: (supervisor.check(), worker.process is not None)[1], seconds=5)
        assert worker.process is not None and worker.process.pid != worker_pid
        assert worker.process.poll() is None
        # The web was never touched.
        assert web.process.pid == web_pid and web.process.poll() is None
    finally:
        supervisor.stop()
    assert all(e.process is None or e.process.poll() is not None for e in supervisor.running)


def test_a_process_that_keeps_crashing_makes_the_supervisor_stop_everything() -> None:
    lines: list[str] = []
    crasher = Program("beat", [sys.executable, "-c", "raise SystemExit(3)"])
    supervisor = Supervisor(
        [Program("web", SLEEPER), crasher], max_crashes=2, max_pause=0.01, log=lines.append
    )
    for entry in supervisor.running:
        entry.pause = 0.01
    supervisor.start()
    try:
        _wait(lambda: (supervisor.check(), supervisor.stopping)[1])
    finally:
        supervisor.stop()
    assert supervisor.gave_up.startswith("beat exited 3 times")
    assert supervisor.running[0].process is not None
    assert supervisor.running[0].process.poll() is not None  # the web was stopped too


def test_the_pause_before_a_restart_doubles_on_quick_crashes(tmp_path: Path) -> None:
    crasher = Program("worker", [sys.executable, "-c", "raise SystemExit(1)"])
    supervisor = Supervisor([crasher], max_crashes=10, log=lambda line: None)
    supervisor.start()
    entry = supervisor.running[0]
    assert entry.process is not None
    entry.process.wait()
    supervisor.check()
    assert entry.process is None and entry.pause == 2.0
    entry.next_start = 0
    supervisor.check()  # started again
    assert entry.process is not None
    entry.process.wait()
    supervisor.check()
    assert entry.pause == 4.0
    supervisor.stop()
