"""The background jobs' loop (outbox worker, audit sealer): a full batch goes straight on, an idle or failed pass waits,
a failure never ends the loop, and `stop` ends it."""

from __future__ import annotations

import threading

from mse.jobs.worker import repeat_until


class _Stop(threading.Event):
    """Records each wait instead of sleeping; sets itself after `after` waits."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after, self.waits = after, 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waits += 1
        if self.waits >= self.after:
            self.set()
        return self.is_set()


def test_full_batches_go_straight_on_and_failures_are_waited_out() -> None:
    script = iter([True, True, False, "boom", True, False])
    calls: list[object] = []

    def step() -> bool:
        value = next(script)
        calls.append(value)
        if value == "boom":
            raise RuntimeError("the database is restarting")
        return bool(value)

    stop = _Stop(after=3)
    repeat_until(stop, 0.5, step, failed="test.failed")
    assert calls == [True, True, False, "boom", True, False]  # the failure did not end the loop
    assert stop.waits == 3  # waited after the idle pass, the failure and the last idle pass only


def test_a_set_stop_runs_no_pass() -> None:
    stop = threading.Event()
    stop.set()
    repeat_until(stop, 0.5, lambda: (_ for _ in ()).throw(AssertionError("no pass expected")), failed="test.failed")
