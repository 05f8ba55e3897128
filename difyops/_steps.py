"""What a long read-only step is doing, said as it starts: on a terminal a spinner whose
text names the step, without one a line per step on stderr (a plan under `tee` is not
minutes of silence). Under --json nothing is said: stderr is kept for the JSON error."""

from __future__ import annotations

from types import TracebackType

from rich.status import Status

from difyops._output import Output


class Steps:
    def __init__(self, out: Output, first: str) -> None:
        self.out = out
        self.first = first
        self._status: Status | None = None
        self._last = ""

    def __enter__(self) -> Steps:
        if self.out.json_mode:
            return self
        if self.out.interactive:
            self._status = self.out.err.status(self.first)
            self._status.start()
        else:
            self(self.first)
        return self

    def __call__(self, text: str) -> None:
        if self.out.json_mode or text == self._last:
            return
        self._last = text
        if self._status is not None:
            self._status.update(text)
        else:
            self.out.note(text)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
