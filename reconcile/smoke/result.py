"""What a smoke run found: one outcome per case, one report per app. Pure.

A case is judged on the client's `RunResult` (dify_client.models), a model reconcile may
use like any other of the client's models.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CaseOutcome(BaseModel):
    """One case: passed, or the failures a person reads to see what went wrong."""

    model_config = ConfigDict(extra="forbid")

    name: str
    passed: bool
    failures: list[str] = Field(default_factory=list)
    run_id: str | None = None
    elapsed: float | None = None  # seconds, as the server reported the run


class SmokeReport(BaseModel):
    """The cases of one app, and which version of the app they exercised (`note`)."""

    model_config = ConfigDict(extra="forbid")

    app: str
    app_id: str | None = None
    cases: list[CaseOutcome] = Field(default_factory=list)
    # Which version of the app the runs exercised, said plainly (reconcile.smoke.honesty).
    note: str = ""
    # Set when the cases were not run at all (the reason); they count as neither.
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        return all(case.passed for case in self.cases)

    @property
    def failed(self) -> list[CaseOutcome]:
        return [case for case in self.cases if not case.passed]

    def summary(self) -> str:
        if self.skipped is not None:
            return f"smoke cases not run: {self.skipped}"
        total = len(self.cases)
        if self.passed:
            return f"smoke {total}/{total} passed"
        names = ", ".join(case.name for case in self.failed)
        return f"smoke {total - len(self.failed)}/{total} passed; failed: {names}"


class SmokeRun(BaseModel):
    """A smoke check of one workspace: a report per app, and apps that could not be found."""

    model_config = ConfigDict(extra="forbid")

    workspace: str
    reports: list[SmokeReport] = Field(default_factory=list)
    # App names with cases that the workspace has no app for (or several of).
    missing: dict[str, str] = Field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.missing and all(report.passed for report in self.reports)

    def summary(self) -> str:
        cases = [case for report in self.reports for case in report.cases]
        failed = sum(1 for case in cases if not case.passed)
        apps = len(self.reports)
        text = f"{len(cases) - failed} of {len(cases)} smoke cases passed in {apps} app(s)"
        if self.missing:
            text += f"; {len(self.missing)} app(s) not found"
        return text
