"""What a backup run must export, and how its outcome reads in a commit message. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, Field

from reconcile.backup.layout import AppListing, WorkspaceIndex, published_path
from reconcile.markdown import cell, table

ExportReason = Literal[
    "new", "updated", "renamed", "file-missing", "file-changed", "full", "live-unknown"
]
# The app modes that have published versions beside the draft.
LIVE_MODES = ("workflow", "advanced-chat")
OutcomeStatus = Literal["added", "changed", "renamed", "removed", "unchanged", "failed"]


class ExportDecision(BaseModel):
    app: AppListing
    path: str
    reason: ExportReason
    # Whether to look up the app's live version too (S3 servers, workflow modes).
    track_live: bool = False
    # The recorded live version whose `.published.yml` is intact: when the server still
    # runs that version, the file is kept without exporting it again.
    reusable_live: str | None = None


def decide_exports(
    apps: Iterable[AppListing],
    paths: dict[str, str],
    index: WorkspaceIndex,
    stored_hash: Callable[[str], str | None],
    *,
    full: bool,
    track_live: bool = False,
) -> tuple[list[ExportDecision], list[AppListing]]:
    """(apps to export, apps to leave alone).

    Incremental rule: an app is skipped when its `updated_at` and name are what the index
    recorded and the file on disk still has the recorded hash; anything else (including a
    file edited or deleted by hand) is exported again. `full` exports everything.

    `track_live` (servers that list versions): workflow-mode apps also keep their live
    version. Publishing moves the app's `updated_at` (Dify's publish controllers set it
    beside `workflow_id`; WorkflowService.publish_workflow itself does not touch the app),
    so an app whose `updated_at` did not move has the same live version and costs no
    call; only apps whose live version was never looked at (indexes from before) and
    apps whose `.published.yml` is missing or edited are exported for it.
    """
    to_export: list[ExportDecision] = []
    skipped: list[AppListing] = []
    for app in apps:
        path = paths[app.id]
        entry = index.apps.get(app.id)
        reason: ExportReason | None
        live = track_live and app.mode in LIVE_MODES
        if entry is None:
            reason = "new"
        elif full:
            reason = "full"
        elif entry.path != path or entry.name != app.name:
            reason = "renamed"
        elif entry.updated_at != app.updated_at:
            reason = "updated"
        else:
            on_disk = stored_hash(path)
            if on_disk is None:
                reason = "file-missing"
            elif on_disk != entry.content_hash:
                reason = "file-changed"
            elif live and entry.live is None:
                reason = "live-unknown"
            else:
                reason = None
        reusable = None
        if live and entry is not None and entry.live and entry.live.published_hash:
            on_disk = stored_hash(published_path(entry.path))
            if on_disk != entry.live.published_hash:
                reason = reason or ("file-missing" if on_disk is None else "file-changed")
            elif not full:  # --full exports the live version again too
                reusable = entry.live.version_id
        if reason is None:
            skipped.append(app)
        else:
            to_export.append(
                ExportDecision(
                    app=app, path=path, reason=reason, track_live=live, reusable_live=reusable
                )
            )
    return to_export, skipped


class AppOutcome(BaseModel):
    app_id: str
    name: str
    mode: str
    status: OutcomeStatus
    path: str
    old_path: str | None = None
    old_name: str | None = None
    summary: str | None = None
    error: str | None = None
    # Descriptions (never values) of credential-looking findings that were redacted.
    redacted: list[str] = Field(default_factory=list)
    # ...and of those committed as they are because the app is exempt (--no-redact).
    unredacted: list[str] = Field(default_factory=list)
    # A failed export whose app already had a file: that last good file stays.
    kept_last_good: bool = False
    # --full found the content changed although `updated_at` did not move.
    changed_without_timestamp: bool = False
    # The app was exported in this run (as opposed to skipped as unchanged).
    exported: bool = False
    # Which of the stored files changed ("draft", "published"), for apps whose live
    # version is kept too; empty otherwise.
    changed_parts: list[str] = Field(default_factory=list)
    # Whether a `.published.yml` (a live version that differs from the draft) is stored.
    published_stored: bool = False


class WorkspaceResult(BaseModel):
    host: str
    base_url: str
    workspace_id: str
    workspace_name: str
    directory: str
    outcomes: list[AppOutcome] = Field(default_factory=list)
    listed: int = 0
    # `total` as the server reported it: it counts apps of modes the API does not list
    # (agent, channel, rag-pipeline), so it can exceed what was listed.
    reported_total: int = 0
    # Apps exported in this run (failed exports are outcomes with status "failed").
    exports: int = 0
    error: str | None = None
    # Why the run stopped exporting this workspace early (the server stopped answering),
    # and the apps it therefore did not try (each also a "failed" outcome).
    stopped: str | None = None
    not_exported: list[str] = Field(default_factory=list)
    # Whether this run wrote anything under the workspace directory (commit needed).
    wrote: bool = False
    # The user interrupted the run (Ctrl-C) while this workspace was backed up: `stopped`
    # says when, `not_exported` lists the apps left for the next run.
    interrupted: bool = False

    def count(self, status: OutcomeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def unlisted_modes(self) -> int:
        return max(self.reported_total - self.listed, 0)

    def listed_outcomes(self) -> list[AppOutcome]:
        """The outcomes worth a line each: every one but "unchanged" and the apps the run
        never tried (those are summed up by `skipped_line`)."""
        skipped = set(self.not_exported)
        return [o for o in self.outcomes if o.status != "unchanged" and o.app_id not in skipped]

    def skipped_line(self) -> str | None:
        """One line for the apps the run never tried, naming the first few."""
        if not self.not_exported:
            return None
        names = {o.app_id: o.name for o in self.outcomes}
        listed = [names.get(a, a) for a in self.not_exported]
        return few(listed, "app", "not exported")


# How many names a one-line summary shows before it only counts the rest.
NAMES_SHOWN = 5


def few(names: list[str], noun: str, said: str) -> str:
    """`3 apps <said>: a, b, c`, or `164 apps <said> (first 5: a, b, c, d, e)`."""
    count = f"{len(names)} {noun}{'' if len(names) == 1 else 's'} {said}"
    if len(names) <= NAMES_SHOWN:
        return f"{count}: {', '.join(names)}" if names else count
    return f"{count} (first {NAMES_SHOWN}: {', '.join(names[:NAMES_SHOWN])})"


_ORDER: tuple[OutcomeStatus, ...] = ("added", "changed", "renamed", "removed", "failed")


def totals(results: Iterable[WorkspaceResult]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(_ORDER, 0)
    for result in results:
        for status in _ORDER:
            counts[status] += result.count(status)
    return counts


def has_changes(results: Iterable[WorkspaceResult]) -> bool:
    return any(
        o.status in ("added", "changed", "renamed", "removed") for r in results for o in r.outcomes
    )


def commit_message(results: list[WorkspaceResult]) -> str:
    """Subject with the counts; a body naming every app that changed, with its summary."""
    counts = totals(results)
    parts = [f"{counts[s]} {s}" for s in ("added", "changed", "renamed", "removed") if counts[s]]
    resaved = sum(1 for r in results for o in r.outcomes if o.status == "unchanged" and o.exported)
    if not parts and resaved:
        # Apps saved again in Dify without a change: only their updated_at moved, so only
        # the index changes (recording it spares the next run from exporting them again).
        parts.append(f"index refreshed ({resaved} app(s) re-saved without changes)")
    left = sum(len(r.not_exported) for r in results if r.interrupted)
    if counts["failed"] - left:
        parts.append(f"{counts['failed'] - left} failed")
    interrupted = any(r.interrupted for r in results)
    if left:
        parts.append(f"{left} not exported")
    subject = ("Backup (interrupted): " if interrupted else "Backup: ") + (
        ", ".join(parts) if parts else "no changes"
    )
    body: list[str] = []
    if interrupted:
        body += [
            "The run was interrupted: this commit holds the exports that finished before;",
            "the apps and workspaces not reached keep their last backup until the next run.",
            "",
        ]
    for result in results:
        lines = [_outcome_line(o) for o in result.listed_outcomes()]
        skipped = result.skipped_line()
        if skipped:
            lines.append(f"  {result.stopped}: {skipped}" if result.stopped else f"  {skipped}")
        if lines:
            body.append(f"{result.directory} ({result.workspace_name})")
            body.extend(lines)
            body.append("")
    return "\n".join([subject, "", *body]).rstrip() + "\n"


def _outcome_line(outcome: AppOutcome) -> str:
    label = f"  {outcome.status:<8} {outcome.name}"
    if outcome.status == "renamed" and outcome.old_name and outcome.old_name != outcome.name:
        label = f"  {outcome.status:<8} {outcome.old_name} → {outcome.name}"
    if outcome.status == "removed":
        return f"{label} ({outcome.app_id}; deleted, or its Service API was switched off)"
    if outcome.status == "failed":
        return f"{label}: export failed, {_failure_effect(outcome)} ({outcome.error})"
    if outcome.status == "added":
        extra = f" ({outcome.mode})"
        if outcome.published_stored:
            extra += ", with its differing published version"
    elif outcome.changed_parts:
        extra = f" ({outcome.mode}): {', '.join(outcome.changed_parts)}"
        if outcome.summary and "draft" in outcome.changed_parts:
            extra += f" — {outcome.summary}"
    else:
        extra = f": {outcome.summary}" if outcome.summary else ""
    if outcome.redacted:
        extra += f" [redacted {len(outcome.redacted)} credential-looking value(s)]"
    if outcome.unredacted:
        extra += (
            f" [{len(outcome.unredacted)} credential-looking value(s) kept: exempt by no_redact]"
        )
    return label + extra


def _failure_effect(outcome: AppOutcome) -> str:
    return "kept the last good file" if outcome.kept_last_good else "no file stored yet"


class UnreachableSource(BaseModel):
    """A source of a run over several whose workspaces could not even be listed."""

    source: str  # how the source is described ("profile 'other'")
    profile: str | None = None
    host: str | None = None  # host:port, when the credentials named a server
    message: str
    # The failure is the sign-in (no token, or the server rejected it).
    auth: bool = False


class BackupReport(BaseModel):
    """The outcome of a whole run, for the CLI, the flow's return value and its artifact."""

    results: list[WorkspaceResult]
    commit: str | None = None
    pushed: bool = False
    # Paths a killed earlier run had left uncommitted (thrown away and redone).
    recovered: list[str] = Field(default_factory=list)
    # The user interrupted the run (Ctrl-C); the workspaces it never reached.
    interrupted: bool = False
    not_reached: list[str] = Field(default_factory=list)
    # Sources (profiles, hosts) that could not be read at all; the others were backed up.
    unreachable: list[UnreachableSource] = Field(default_factory=list)

    @property
    def failed(self) -> list[tuple[WorkspaceResult, AppOutcome]]:
        return [(r, o) for r in self.results for o in r.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not any(r.error for r in self.results) and not self.unreachable

    @property
    def exported(self) -> int:
        return sum(r.exports for r in self.results)

    def failure_line(self) -> str:
        """What went wrong, in one line whatever the number of apps: why a workspace
        stopped early, else the failed apps (the first few named)."""
        stopped = [r.stopped for r in self.results if r.stopped]
        if stopped:
            return "; ".join(dict.fromkeys(stopped))
        names = [o.name for _, o in self.failed]
        unread = [r.workspace_name for r in self.results if r.error]
        parts = [f"{u.source} ({u.host})" if u.host else u.source for u in self.unreachable]
        parts = [few(parts, "source", "could not be read")] if parts else []
        parts += [few(names, "app", "could not be backed up")] if names else []
        if unread:
            parts.append(few(unread, "workspace", "could not be listed"))
        return "; ".join(parts) or "nothing failed"

    def summary(self) -> dict[str, object]:
        """The report without its "unchanged" outcomes (one per app on a quiet run): the
        flow's return value, kept small because Prefect walks it."""
        data = self.model_dump(mode="json")
        for result in data["results"]:
            result["unchanged"] = sum(1 for o in result["outcomes"] if o["status"] == "unchanged")
            result["outcomes"] = [o for o in result["outcomes"] if o["status"] != "unchanged"]
        data["totals"] = totals(self.results)
        return data


HIDDEN_APPS_NOTE = (
    "Dify's OpenAPI does not show apps whose Service API is switched off, so they are not "
    "backed up. To include one, open the app in Dify, go to API Access and enable it."
)


def backup_markdown(report: BackupReport) -> str:
    """The run summary as Markdown (a Prefect artifact; no secret values, ever)."""
    counts = totals(report.results)
    lines = ["# Dify backup", ""]
    lines.append(
        f"Commit: `{report.commit[:12]}`" + (" (pushed)" if report.pushed else "")
        if report.commit
        else "No commit: nothing changed."
    )
    rows: list[list[object]] = [
        [f"{r.workspace_name} ({r.directory})", r.listed, r.exports]
        + [r.count(status) for status in ("added", "changed", "renamed", "removed", "failed")]
        for r in report.results
    ]
    rows.append(["**total**", "", ""] + [counts[s] for s in _ORDER])
    lines += ["", *table(["workspace", "apps", "exported", *_ORDER], rows)]
    changed = [(r, o) for r in report.results for o in r.listed_outcomes()]
    skipped = [(r, r.skipped_line()) for r in report.results if r.not_exported]
    if changed or skipped:
        lines += ["", "## Changes", ""]
        for r, line in skipped:
            lines.append(f"- **stopped** {cell(r.workspace_name)}: {r.stopped}; {line}")
        for r, o in changed:
            detail = o.summary or o.mode
            if o.changed_parts:
                detail = ", ".join(o.changed_parts) + (f" ({o.summary})" if o.summary else "")
            if o.status == "failed":
                detail = f"{o.error}; {_failure_effect(o)}"
            name = cell(o.name)
            if o.status == "renamed" and o.old_name and o.old_name != o.name:
                name = f"{cell(o.old_name)} → {name}"
            lines.append(f"- **{o.status}** {name} ({cell(r.workspace_name)}): {detail}")
            if o.redacted:
                lines.append(f"  - redacted {len(o.redacted)} credential-looking value(s):")
                lines += [f"    - {finding}" for finding in o.redacted]
            if o.unredacted:
                lines.append(
                    f"  - committed {len(o.unredacted)} credential-looking value(s) unredacted "
                    "(exempt by no_redact):"
                )
                lines += [f"    - {finding}" for finding in o.unredacted]
            if o.changed_without_timestamp:
                lines.append("  - content changed although `updated_at` did not move")
    errors = [r for r in report.results if r.error]
    if errors:
        lines += ["", "## Workspaces that could not be read", ""]
        lines += [f"- {r.workspace_name}: {r.error}" for r in errors]
    unlisted = sum(r.unlisted_modes for r in report.results)
    lines += ["", "## Not visible to the backup", ""]
    if unlisted:
        lines.append(
            f"- {unlisted} app(s) of modes the OpenAPI does not list (agent, channel, "
            "rag-pipeline) were counted by the server but cannot be exported."
        )
    lines.append(f"- {HIDDEN_APPS_NOTE}")
    if report.recovered:
        lines += ["", f"Redid {len(report.recovered)} file(s) left behind by an interrupted run."]
    return "\n".join(lines) + "\n"
