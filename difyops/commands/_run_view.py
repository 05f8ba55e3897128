"""How a run looks while it streams: NDJSON events for scripts, a live trail for people.

People see the node trail with timings on stderr and the answer text on stdout as it
streams, so `difyops apps run … > answer.txt` keeps only the answer.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.text import Text

from dify_client import RunFailed
from dify_client.models import (
    AgentMessage,
    HumanInputRequired,
    MessageEvent,
    MessageReplace,
    NodeFinished,
    NodeStarted,
    Ping,
    RunEvent,
    RunResult,
    TextChunk,
    WorkflowStarted,
)
from difyops._output import Output

_MARKS = {"succeeded": ("✓", "green"), "failed": ("✗", "red"), "exception": ("✗", "red")}


class RunView:
    """Shows each event as it arrives, then the outcome."""

    def __init__(self, out: Output, *, app_ref: str) -> None:
        self.out = out
        self.app_ref = app_ref
        self._mid_line = False  # answer text printed without its newline yet
        self._answer_shown = 0  # characters of the chat answer printed so far

    def event(self, event: RunEvent) -> None:
        if self.out.json_mode:
            if not isinstance(event, Ping):
                _ndjson(event.raw)
            return
        if isinstance(event, TextChunk):
            self._text(event.text)
        elif isinstance(event, MessageEvent | AgentMessage):
            self._text(event.answer)
            self._answer_shown += len(event.answer)
        elif isinstance(event, MessageReplace):
            self._end_text()
            self._text(event.answer)
            self._answer_shown = len(event.answer)
        elif isinstance(event, WorkflowStarted):
            self._progress(Text(f"run {event.workflow_run_id} started", style="dim"))
        elif isinstance(event, NodeStarted) and self.out.interactive:
            self._progress(Text(f"▸ {event.title or event.node_id} ({event.node_type})", "dim"))
        elif isinstance(event, NodeFinished):
            self._node_finished(event)
        elif isinstance(event, HumanInputRequired):
            self._progress(Text(f"⏸ waiting on a form at {event.field('node_title') or '?'}"))

    def failed(self, error: RunFailed) -> None:
        """An `error` event ended the run: scripts get it as the stream's last line."""
        if self.out.json_mode:
            _ndjson(
                {
                    "event": "error",
                    "task_id": error.task_id,
                    "status": error.status,
                    "code": error.code,
                    "message": error.message,
                }
            )
        self._end_text()

    def outcome(self, result: RunResult) -> None:
        if self.out.json_mode:
            return
        if result.answer and len(result.answer) > self._answer_shown:
            # Chunks a resumed stream never got (the run had finished): the answer's rest.
            self._text(result.answer[self._answer_shown :])
        self._end_text()
        if result.outputs and result.answer is None:
            sys.stdout.write(json.dumps(result.outputs, indent=2, ensure_ascii=False) + "\n")
        facts = [f"{result.elapsed_time:.2f} s" if result.elapsed_time is not None else None]
        facts.append(f"{result.total_tokens} tokens" if result.total_tokens is not None else None)
        facts.append(f"run {result.run_id}" if result.run_id else None)
        facts.append(f"conversation {result.conversation_id}" if result.conversation_id else None)
        summary = " · ".join(f for f in facts if f)
        if result.status in ("succeeded", "partial-succeeded"):
            self.out.success(f"{result.status} ({summary})" if summary else result.status)
        elif result.status == "paused":
            self.out.warn(f"paused, waiting on a human-input form ({summary})")
            if result.form_token:
                self.out.note(
                    f"  see it:    difyops apps form show {self.app_ref} {result.form_token}\n"
                    f"  answer it: difyops apps form submit {self.app_ref} {result.form_token} "
                    "--action ID\n"
                    f"  follow it: difyops apps events {self.app_ref} {result.run_id}"
                )
        else:
            reason = f": {result.error}" if result.error else ""
            self.out.warn(f"run {result.status}{reason} ({summary})")

    def _node_finished(self, event: NodeFinished) -> None:
        status = str(event.field("status") or "?")
        mark, style = _MARKS.get(status, ("•", "yellow"))
        elapsed = event.field("elapsed_time")
        timing = f"{elapsed:6.2f} s" if isinstance(elapsed, int | float) else "      -"
        line = Text.assemble(
            (f"{mark} ", style), f"{timing}  ", (event.title or event.node_id or "?"), " "
        )
        line.append(f"({event.node_type})", style="dim")
        error = event.field("error")
        if error:
            line.append(f"  {error}", style="red")
        self._progress(line)

    def _text(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._mid_line = not text.endswith("\n")

    def _end_text(self) -> None:
        if self._mid_line:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._mid_line = False

    def _progress(self, line: Text) -> None:
        self._end_text()
        self.out.err.print(line)


def _ndjson(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()
