"""Smoke cases on the command line: the shared options, reading the cases, and printing
reports (for `difyops smoke run` and `difyops promote plan|apply`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from difyops._output import Output
from difyops.exceptions import UsageError

if TYPE_CHECKING:  # the smoke engine is imported where used: `--help` loads none of it
    from reconcile.smoke.cases import SmokeCases, SmokePolicy
    from reconcile.smoke.result import SmokeReport

SmokeFileOption = Annotated[
    Path | None,
    typer.Option(
        "--smoke",
        help="A smoke file (version: 1, smoke: {APP: [cases]}); replaces a manifest's cases.",
    ),
]
OnSmokeFailureOption = Annotated[
    str | None,
    typer.Option(
        "--on-smoke-failure",
        help="When an app's smoke cases fail after import: rollback (default) or report.",
    ),
]
CASE_COLUMNS = ["APP", "CASE", "RESULT", "SECONDS", "FAILURES"]


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror}",
            hint="Give the path of a smoke file (see examples/smoke.yml).",
        ) from None


def load_smoke(path: Path) -> SmokeCases:
    from reconcile.smoke.loader import load_smoke_file  # noqa: PLC0415

    return load_smoke_file(read_text(path), source=str(path))


def smoke_cases(flag: Path | None, default: SmokeCases) -> SmokeCases:
    """The cases of --smoke FILE, which replace `default` (a manifest's) when given."""
    return load_smoke(flag) if flag is not None else default


def smoke_policy(flag: str | None, default: SmokePolicy) -> SmokePolicy:
    """The --on-smoke-failure flag over `default`, checked with a usage error."""
    if flag is None:
        return default
    if flag == "rollback":
        return "rollback"
    if flag == "report":
        return "report"
    raise UsageError(f"--on-smoke-failure takes rollback or report, not {flag!r}")


def show_reports(out: Output, reports: list[SmokeReport]) -> None:
    """A row per case, then what each app's cases exercised (said plainly, every time)."""
    from reconcile.smoke.render import case_rows  # noqa: PLC0415

    out.table(CASE_COLUMNS, [row for report in reports for row in case_rows(report)])
    for report in reports:
        if report.skipped:
            out.warn(f"{report.app}: {report.summary()}")
        elif report.note:
            out.note(f"{report.app}: {report.note}")
