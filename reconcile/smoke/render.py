"""Smoke reports for people: table rows, and Markdown (Prefect artifacts, pull requests)."""

from __future__ import annotations

from reconcile.markdown import table
from reconcile.smoke.result import SmokeReport, SmokeRun


def case_rows(report: SmokeReport) -> list[list[str]]:
    """One row per case: app, case, passed or failed, seconds, what failed."""
    return [
        [
            report.app,
            case.name,
            "passed" if case.passed else "FAILED",
            "" if case.elapsed is None else f"{case.elapsed:.2f}",
            "; ".join(case.failures),
        ]
        for case in report.cases
    ]


def report_markdown(report: SmokeReport, *, heading: str = "###") -> list[str]:
    """An app's cases as Markdown lines: what they exercised, then a row per case."""
    lines = [f"{heading} {report.app}: {report.summary()}", ""]
    if report.note:
        lines += [f"_{report.note}_", ""]
    if report.cases:
        lines += table(
            ["case", "result", "seconds", "failures"], [r[1:] for r in case_rows(report)]
        )
        lines.append("")
    return lines


def smoke_markdown(run: SmokeRun) -> str:
    lines = ["# Dify smoke check", "", f"Workspace **{run.workspace}**: {run.summary()}.", ""]
    for name, why in sorted(run.missing.items()):
        lines.append(f"- **{name}**: not run: {why}")
    if run.missing:
        lines.append("")
    for report in run.reports:
        lines += report_markdown(report, heading="##")
    return "\n".join(lines).rstrip("\n") + "\n"
