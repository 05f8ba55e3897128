"""Terraform's apply contract, for every command that changes Dify from a fresh plan.

`apply` without a reviewed plan file shows the plan it made and asks for `yes` before the
first change; `--auto-approve` skips the question. With no terminal to ask on (a script,
CI, `--json`) it refuses before planning unless `--auto-approve` or `--plan FILE` says what
to do, so a pipeline never changes a workspace nobody approved, and never hangs on a
question nobody sees. A plan without changes needs no question.

Answering anything but `yes` (or Ctrl-D, or Ctrl-C at the question) ends the command with
"Apply cancelled.", nothing changed, exit 130 (cancelled).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from difyops._output import Output
from difyops.exceptions import ExitCode, UsageError

AutoApproveOption = Annotated[
    bool,
    typer.Option(
        "--auto-approve",
        help="Apply the fresh plan without asking (scripts, CI); it is still shown.",
    ),
]


def stdin_is_terminal() -> bool:
    """Whether someone can answer a question (tests replace this)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def check_can_approve(
    *, auto_approve: bool, reviewed: bool, json_mode: bool, plan_command: str
) -> None:
    """Refuse, before anything is planned, an apply nobody could approve.

    `plan_command` is the command that writes a plan file (`difyops promote plan … --out`).
    """
    if auto_approve or reviewed:
        return
    why = None
    if json_mode:
        why = "--json output cannot carry the question"
    elif not stdin_is_terminal():
        why = "there is no terminal to ask on"
    if why is None:
        return
    raise UsageError(
        f"apply asks for approval before it changes anything, and {why}",
        hint=f"Pass --auto-approve to apply the fresh plan as it is, or review one with "
        f"`{plan_command} --out FILE` and apply that with `--plan FILE`.",
    )


def ask_approval(out: Output, *, what: str) -> None:
    """Ask on the terminal; return on `yes`, else end the command (nothing changed)."""
    out.err.print(
        f"\nDo you want to apply these changes?\n  difyops will {what}.\n"
        "  Only 'yes' will be accepted to approve.\n",
        markup=False,
        highlight=False,
    )
    out.err.print("  Enter a value: ", end="", markup=False, highlight=False)
    try:
        answer = sys.stdin.readline()
    except (KeyboardInterrupt, EOFError):
        answer = ""
    if not answer.endswith("\n"):
        out.err.print("", markup=False)  # Ctrl-D or Ctrl-C left the line open
    if answer.strip() != "yes":
        out.err.print("Apply cancelled. Nothing was changed.", markup=False, highlight=False)
        raise typer.Exit(int(ExitCode.CANCELLED))
