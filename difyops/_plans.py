"""Plan files and plan exit codes, shared by every command that plans before it applies
(`members plan|apply`, promotion).

A plan file is the JSON form of a plan, written by `plan --out FILE` and read back by
`apply --plan FILE`, which re-plans and refuses to go on when the checksum changed.
`--detailed-exitcode` follows Terraform: 0 no changes, 2 changes, 1 error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from difyops._output import to_jsonable
from difyops.exceptions import DifyopsError, ExitCode, UsageError

DetailedExitcodeOption = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode",
        help="Exit 0 when there is nothing to change, 2 when there are changes, 1 on error.",
    ),
]
PlanOutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Also write the plan as JSON to this file, for `apply --plan FILE`.",
        dir_okay=False,
    ),
]
PlanFileOption = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Apply this reviewed plan file; refused if a fresh plan differs from it.",
        dir_okay=False,
    ),
]


def detailed_exit_code(has_changes: bool) -> ExitCode:
    return ExitCode.CHANGES if has_changes else ExitCode.OK


def exit_for_plan(has_changes: bool, *, detailed: bool) -> None:
    """End a `plan` command: exit 2 for changes under --detailed-exitcode, else return."""
    code = detailed_exit_code(has_changes) if detailed else ExitCode.OK
    if code != ExitCode.OK:
        raise typer.Exit(int(code))


def write_plan_file(path: Path, plan: Any) -> None:
    """Write the plan's JSON form atomically (a reader never sees half a plan)."""
    text = json.dumps(to_jsonable(plan), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    from dify_client import write_atomic  # noqa: PLC0415 — not for `--help`

    try:
        # Plans name people and apps; as ever, only their owner may read them.
        write_atomic(path, text, private=True)
    except OSError as exc:
        raise DifyopsError(
            f"cannot write the plan to {path}: {exc.strerror or exc}",
            hint="Give --out a file path in a directory this user can write.",
        ) from None


PLAN_HINT = "Write plans with `plan --out FILE`; do not edit them."


def read_plan_file(path: Path, *, kind: str) -> dict[str, Any]:
    """The JSON object of a plan file of `kind`; a `UsageError` naming the file (and the
    place in it, where there is one) when it is not one."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read the plan file {path}: {exc.strerror or exc}",
            hint="Give the path of a file written by `plan --out FILE`.",
        ) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise UsageError(
            f"{path}:{line}:{column}: the plan file is not UTF-8 text", hint=PLAN_HINT
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: the plan file is not valid JSON", hint=PLAN_HINT
        ) from None
    except RecursionError:
        raise UsageError(
            f"{path}: the plan file nests too deeply to be a plan", hint=PLAN_HINT
        ) from None
    except ValueError:  # a number of thousands of digits, which Python refuses to read
        raise UsageError(
            f"{path}: the plan file holds a number too long to read", hint=PLAN_HINT
        ) from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        found = data.get("kind") if isinstance(data, dict) else type(data).__name__
        raise UsageError(
            f"{path} is not a {kind} file (kind: {found!r})",
            hint="Pass a file written by the matching `plan --out FILE`.",
        )
    return data
