"""In-memory run tasks: one thread per run, its events buffered for every reader.

A `RunTask` is what the stream of `POST /run` and every reconnect of
`GET /tasks/{run_id}/events` read from: an append-only list of event payloads (the
JSON objects of Dify's `data:` lines) plus a condition variable, so a reader replays
what is buffered and then waits for what comes next. The registry lives as long as
the emulator instance (Dify keeps the same in Redis for ten minutes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Events after which a stream is over (the run is finished or has failed).
TERMINAL_EVENTS = frozenset({"workflow_finished", "message_end", "error"})
PAUSE_EVENT = "workflow_paused"


@dataclass
class PendingForm:
    """A human-input form the run's thread is blocked on."""

    token: str
    expires_at: float
    submission: dict[str, Any] | None = None


@dataclass
class RunTask:
    task_id: str
    app_id: str
    mode: str
    workflow_run_id: str | None
    created_by_role: str
    created_by: str
    events: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    paused: bool = False
    form: PendingForm | None = None
    cond: threading.Condition = field(default_factory=threading.Condition)
    # Set by stop: what a scripted delay waits on, so a stop cuts the delay short.
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None  # the run's thread, joined when the emulator closes

    @property
    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    def append(self, payload: dict[str, Any]) -> None:
        with self.cond:
            self.events.append(payload)
            self.cond.notify_all()

    def size(self) -> int:
        with self.cond:
            return len(self.events)

    def finish(self) -> None:
        with self.cond:
            self.done = True
            self.paused = False
            self.form = None
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stop_event.set()
            self.cond.notify_all()

    def join(self, deadline: float) -> None:
        """Wait for the run's thread until `deadline` (time.monotonic())."""
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(max(deadline - time.monotonic(), 0.0))

    def read(self, start: int, timeout: float) -> tuple[list[dict[str, Any]], bool]:
        """Events from index `start` (waiting up to `timeout` s for one) and whether the
        task is done; an empty list with `False` means "nothing new yet" (time to ping)."""
        with self.cond:
            if len(self.events) <= start and not self.done:
                self.cond.wait(timeout)
            return list(self.events[start:]), self.done

    def wait_for_submission(
        self, form: PendingForm, now: Callable[[], float], poll_s: float
    ) -> dict[str, Any] | None:
        """Block the run's thread until the form is submitted (its submission), or the
        run is stopped or the form expires on the emulator clock (None)."""
        with self.cond:
            self.form = form
            self.paused = True
            self.cond.notify_all()
            try:
                while form.submission is None:
                    if self.stop_requested or now() >= form.expires_at:
                        return None
                    self.cond.wait(poll_s)
                return form.submission
            finally:
                self.form = None
                self.paused = False

    def deliver(self, token: str, submission: dict[str, Any]) -> bool:
        with self.cond:
            if self.form is None or self.form.token != token:
                return False
            self.form.submission = submission
            self.cond.notify_all()
            return True


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, RunTask] = {}
        self._by_run: dict[str, str] = {}
        self._stopped: set[str] = set()
        self._lock = threading.Lock()

    def add(self, task: RunTask) -> None:
        with self._lock:
            self._tasks[task.task_id] = task
            if task.workflow_run_id:
                self._by_run[task.workflow_run_id] = task.task_id

    def by_run(self, workflow_run_id: str) -> RunTask | None:
        with self._lock:
            task_id = self._by_run.get(workflow_run_id)
            return self._tasks.get(task_id) if task_id else None

    def stop(self, task_id: str) -> None:
        """Dify's stop only sets a flag for the id (unknown ids included)."""
        with self._lock:
            task = self._tasks.get(task_id)
            self._stopped.add(task_id)
        if task is not None:
            task.stop()

    def active_runs(self, app_id: str) -> int:
        with self._lock:
            tasks = [t for t in self._tasks.values() if t.app_id == app_id]
        return sum(1 for t in tasks if not t.done and not t.paused)

    def deliver(self, token: str, submission: dict[str, Any]) -> bool:
        with self._lock:
            tasks = list(self._tasks.values())
        return any(task.deliver(token, submission) for task in tasks)

    def stop_all(self, join_timeout: float = 0.0) -> None:
        """Stop every task and forget it, waiting up to `join_timeout` s in all for their
        threads to end (a stopped run ends at its next step, form wait or delay)."""
        with self._lock:
            tasks = list(self._tasks.values())
            self._tasks.clear()
            self._by_run.clear()
            self._stopped.clear()
        for task in tasks:
            task.stop()
        deadline = time.monotonic() + join_timeout
        for task in tasks:
            task.join(deadline)
