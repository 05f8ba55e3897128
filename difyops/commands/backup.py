"""`difyops backup run|status|log`: every app of every workspace, versioned in git."""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.text import Text

from difyops._completion import complete_profiles, complete_workspaces
from difyops._options import JsonOption, RateLimitOption
from difyops._output import Output
from difyops.exceptions import DifyopsError, ExitCode, UsageError

if TYPE_CHECKING:  # the jobs and their reports are imported where used: not for `--help`
    from flows.backup import BackupProgress
    from jobs import BackupSettings, Source
    from reconcile.backup.plan import BackupReport, UnreachableSource, WorkspaceResult

app = typer.Typer(help="Back up app DSLs into a git repository.", no_args_is_help=True)

RepoOption = Annotated[
    Path, typer.Option("--repo", "-r", help="Backup repository (a git work tree; created if new).")
]


# `run` is long only by its signature: Typer declares each flag as an annotated parameter.
@app.command()
def run(
    repo: RepoOption,
    workspace: Annotated[
        list[str] | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Only these workspaces (id or name; repeatable).",
            autocompletion=complete_workspaces,
        ),
    ] = None,
    push: Annotated[bool, typer.Option(help="Push to the repository's origin afterwards.")] = False,
    full: Annotated[
        bool,
        typer.Option(help="Export every app, not only changed ones; report silent changes."),
    ] = False,
    include_secret: Annotated[
        bool,
        typer.Option(
            "--include-secret",
            help="Export secret environment values too (they are still redacted before "
            "commit unless --no-redact names the app).",
        ),
    ] = False,
    no_redact: Annotated[
        list[str] | None,
        typer.Option(
            "--no-redact",
            help="Commit this app's credential-looking values as they are (id or name; "
            "repeatable). Only for values you know are not secrets.",
        ),
    ] = None,
    branch: Annotated[str, typer.Option(help="Branch to commit to.")] = "main",
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Parallel exports.")] = 4,
    rate_limit: RateLimitOption = 50,
    author_name: Annotated[str, typer.Option(help="Commit author name.")] = "difyops backup",
    author_email: Annotated[str, typer.Option(help="Commit author email.")] = "difyops@localhost",
    profiles: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile to back up (repeatable: several hosts or accounts in one run; "
            "default: DIFY_SERVER/DIFY_TOKEN, then the default profile).",
            envvar="DIFYOPS_PROFILE",
            autocompletion=complete_profiles,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Export every app the API can see into REPO and commit once if anything changed.

    Layout: `<host>/<workspace>/<app>.yml` plus `<host>/<workspace>/_index.yml` (and, on
    S3 servers, `<app>.published.yml` while the live version differs). Incremental:
    apps whose updated_at and stored file are unchanged are not exported again. Exit 1 if
    any app could not be exported (the others are still committed; the failed one keeps
    its last good file); when the server stops answering, the run stops exporting after
    a few failures in a row. Exit 4 if the token is rejected mid-run (nothing is
    committed then). Ctrl-C stops within a second, commits the exports that finished
    (`Backup (interrupted): …`) and exits 130; the next run does the rest. With several
    `-p`, a profile that cannot be read is reported and the others are backed up (exit
    4 when only sign-ins failed).

    Example: `difyops backup run --repo ~/dify-backup -p default -p staging`
    """
    from jobs import BackupSettings, Source  # noqa: PLC0415

    out = Output(json_mode=json_output)
    if include_secret:
        out.warn("--include-secret: secret values are exported; they are redacted before commit")
    settings = BackupSettings(
        repo=str(repo),
        branch=branch,
        push=push,
        full=full,
        include_secret=include_secret,
        no_redact=no_redact or [],
        author_name=author_name,
        author_email=author_email,
        concurrency=concurrency,
        rate_limit=rate_limit,
    )
    chosen: list[str | None] = list(profiles) if profiles else [None]
    sources = [Source(profile=p, workspaces=workspace or []) for p in chosen]
    watch = _Watch(
        out, bar=out.interactive and not json_output, lines=not json_output, rate_limit=rate_limit
    )
    report = _run_job(settings, sources, watch)
    if json_output:
        out.json(report.model_dump(mode="json"))
    else:
        _print_summary(out, report, repo)
    if report.interrupted:
        raise BackupInterrupted(
            "cancelled: the backup was interrupted"
            + (
                f"; the {report.exported} finished export(s) are committed ({report.commit[:12]})"
                if report.commit and report.exported
                else "; no export had finished"
            ),
            hint="Run the same command again to back up the rest (finished apps are not "
            "exported again).",
        )
    if report.unreachable and not report.failed and not any(r.error for r in report.results):
        raise _unreachable_error(report)
    if not report.ok:
        stopped = any(r.stopped for r in report.results)
        raise DifyopsError(
            report.failure_line(),
            hint=(
                "What was exported before is "
                + ("committed" if report.commit else "in the repository")
                + "; the apps not exported keep their last good file, if they had one. "
                "Check that the server is up and reachable, then run again."
            )
            if stopped
            else _unreachable_hint(report)
            or "They kept their last good file; see the messages above and run again.",
        )


class BackupInterrupted(DifyopsError):
    exit_code = ExitCode.CANCELLED
    code = "cancelled"


class _SourcesUnreachable(DifyopsError):
    exit_code = ExitCode.AUTH
    code = "not_signed_in"


def _unreachable_hint(report: BackupReport) -> str | None:
    logins = [u.profile for u in report.unreachable if u.auth and u.profile]
    if not logins:
        return None
    return "Sign in again: " + "; ".join(f"`difyops auth login -p {p}`" for p in logins)


def _unreachable_error(report: BackupReport) -> DifyopsError:
    """Only whole sources failed: exit 4 when each failed at sign-in, else 1."""
    kind = _SourcesUnreachable if all(u.auth for u in report.unreachable) else DifyopsError
    backed_up = "the other sources were backed up" if report.results else "nothing was backed up"
    return kind(f"{report.failure_line()}; {backed_up}", hint=_unreachable_hint(report))


def _run_job(settings: BackupSettings, sources: list[Source], watch: _Watch) -> BackupReport:
    # Imported here: the flow loads Prefect (about a second), which status and log never need.
    from flows.backup import run_backup  # noqa: PLC0415

    # Said on stderr: a run waiting for another backup of the repository is not hung.
    with watch:
        return run_backup(settings, sources, watch.progress(), watch.out.note)


class _Watch:
    """What a person sees while a backup runs: on a terminal, a bar per workspace once the
    apps to export are counted (with counts and ETA); everywhere, the workspace's lines as
    soon as it is done (a run under `tee` is not minutes of silence); a line when the
    client waits long, and "cancelling…" at Ctrl-C."""

    def __init__(
        self, out: Output, *, bar: bool, lines: bool, rate_limit: int | None = None
    ) -> None:
        self.out = out
        self.lines = lines
        self.bar: Progress | None = None
        if bar:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TextColumn("ETA"),
                PacedTimeRemaining(rate_limit),
                console=out.err,
                transient=True,
            )
        self._task: TaskID | None = None
        self._lock = threading.Lock()
        self._announced_until = 0.0

    def __enter__(self) -> _Watch:
        if self.bar is not None:
            self.bar.start()
            self._task = self.bar.add_task("listing workspaces…", total=None)
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def progress(self) -> BackupProgress | None:
        from flows.backup import BackupProgress  # noqa: PLC0415

        watch = self

        class Shown(BackupProgress):
            def source_unreachable(self, source: UnreachableSource) -> None:
                if watch.lines:
                    where = f" ({source.host})" if source.host else ""
                    watch.out.warn(f"{source.source}{where} not backed up: {source.message}")

            def workspace_started(self, name: str, base_url: str, to_export: int) -> None:
                watch._update(description=f"{host_port(base_url)} {name}", total=to_export)

            def exported(self, name: str) -> None:
                if watch.bar is not None and watch._task is not None:
                    watch.bar.advance(watch._task)

            def waiting(self, seconds: float, why: str) -> None:
                watch._waiting(seconds, why)

            def interrupting(self) -> None:
                if watch.bar is not None and watch._task is not None:
                    watch.bar.update(watch._task, description="cancelling…")
                watch._say("cancelling… (the exports under way finish; what is done is committed)")

            def workspace_finished(self, result: WorkspaceResult) -> None:
                if watch.lines:
                    with watch._bar_hidden():
                        watch._workspace(result)

        return Shown()

    @contextmanager
    def _bar_hidden(self) -> Iterator[None]:
        """The bar off the screen while lines go to stdout (another stream than the bar's:
        Rich keeps only its own console's prints above the bar)."""
        if self.bar is None:
            yield
            return
        with self._lock:
            self.bar.stop()
            try:
                yield
            finally:
                self.bar.start()

    def _update(self, *, description: str, total: int | None) -> None:
        if self.bar is not None and self._task is not None:
            self.bar.reset(self._task, description=description, total=total)

    def _waiting(self, seconds: float, why: str) -> None:
        """One line per long wait: the workers waiting together are one wait to a person."""
        if seconds < LONG_WAIT_SECONDS:
            return
        with self._lock:
            ends = time.monotonic() + seconds
            if ends <= self._announced_until + LONG_WAIT_SECONDS:
                return
            self._announced_until = ends
        self._say(f"waiting {seconds:.0f} s: {why}")

    def _say(self, text: str) -> None:
        if not self.lines:
            return
        self.out.note(text)

    def _workspace(self, result: WorkspaceResult) -> None:
        # Header and its lines on one stream (stdout: they are the run's results).
        out = self.out
        failed = result.count("failed") - (len(result.not_exported) if result.interrupted else 0)
        out.line(
            f"{host_port(result.base_url)}  {result.workspace_name}: {result.listed} app(s), "
            f"{result.exports} exported"
            + (f", {failed} failed" if failed else "")
            + (f" — {result.error}" if result.error else "")
        )
        skipped = result.skipped_line()
        if skipped:
            out.line(f"  stopped  {skipped}" + (" (interrupted)" if result.interrupted else ""))
        for outcome in result.listed_outcomes():
            detail = outcome.summary or outcome.error or outcome.mode
            out.line(f"  {outcome.status:<8} {outcome.name}: {detail}")
            for finding in outcome.redacted:
                out.warn(f"redacted in {outcome.name}: {finding}")
            for finding in outcome.unredacted:
                out.warn(f"committed unredacted in {outcome.name} (--no-redact): {finding}")
            if outcome.changed_without_timestamp:
                out.warn(f"{outcome.name} changed although its updated_at did not move")
        if result.unlisted_modes:
            out.line(f"  {result.unlisted_modes} app(s) of modes the API does not list")


def backup_eta(
    remaining: float, *, done: float, elapsed: float, rate_limit: int | None
) -> float | None:
    """Seconds left, honest while the client paces itself: never less than the rate limit
    allows (each export is at least one request: `remaining × 60 / requests-per-minute`),
    nor less than the rate observed so far in this workspace, waits included. Rich's own
    estimate looks at the last seconds only, so a burst under the limit's allowance read
    as 13 s left for minutes of work. None before anything can be said."""
    if remaining <= 0:
        return 0.0
    estimates = []
    if rate_limit:
        estimates.append(remaining * 60.0 / rate_limit)
    if done > 0 and elapsed > 0:
        estimates.append(remaining * elapsed / done)
    return max(estimates) if estimates else None


class PacedTimeRemaining(ProgressColumn):
    """The bar's ETA from `backup_eta`."""

    def __init__(self, rate_limit: int | None) -> None:
        super().__init__()
        self.rate_limit = rate_limit

    def render(self, task: Task) -> Text:
        if task.total is None or task.remaining is None:
            return Text("-:--:--", style="progress.remaining")
        seconds = backup_eta(
            task.remaining,
            done=task.completed,
            elapsed=task.elapsed or 0.0,
            rate_limit=self.rate_limit,
        )
        if seconds is None:
            return Text("-:--:--", style="progress.remaining")
        minutes, secs = divmod(int(seconds + 0.5), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours}:{minutes:02d}:{secs:02d}", style="progress.remaining")


# Waits shorter than this are the client's normal pacing: not worth a line.
LONG_WAIT_SECONDS = 5.0


def host_port(base_url: str) -> str:
    """`host:port` of a base URL, as people type it (not the repository's directory)."""
    parts = urlsplit(base_url)
    return parts.netloc or base_url


def _print_summary(out: Output, report: BackupReport, repo: Path) -> None:
    from reconcile.backup.plan import HIDDEN_APPS_NOTE, few, totals  # noqa: PLC0415

    counts = totals(report.results)
    left = sum(len(r.not_exported) for r in report.results if r.interrupted)
    counts["failed"] -= left
    if report.not_reached:
        out.note(few(report.not_reached, "workspace", "not reached (interrupted)"))
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    summary += (", " if summary else "") + (f"{left} not exported" if left else "")
    summary = summary.rstrip(", ") or "no changes"
    done = (
        f"committed {report.commit[:12]} in {repo} ({summary})"
        if report.commit
        else (f"nothing to commit in {repo} ({summary})")
    )
    if report.ok:
        out.success(done)
    else:
        out.note(done)  # no green tick on a run that failed somewhere
    if report.pushed:
        out.success("pushed to origin")
    out.note(f"note: {HIDDEN_APPS_NOTE}")


@app.command()
def status(repo: RepoOption, json_output: JsonOption = False) -> None:
    """The last backup run, and how many apps the repository holds per workspace."""
    from tasks.backup.history import backup_status  # noqa: PLC0415

    out = Output(json_mode=json_output)
    state = backup_status(str(repo))
    if json_output:
        out.json(state)
        return
    if state.head is None:
        out.line(f"{repo}: no backup committed yet")
    else:
        out.line(f"{repo}: last commit {state.head[:12]} {state.last_commit_date}")
        out.line(f"  {state.last_commit_subject}")
    if state.last_run:
        finished = state.last_run.get("finished_at")
        commit = state.last_run.get("commit") or "no commit (nothing changed)"
        out.line(f"last run finished {finished}: {commit}")
    out.table(
        ["WORKSPACE", "APPS", "REDACTED"],
        [[w["workspace"], w.get("apps", 0), w.get("redacted", 0)] for w in state.workspaces],
        empty="no apps backed up yet",
    )


@app.command()
def log(
    app_ref: Annotated[str, typer.Argument(help="App id, exact name, or path in the repository.")],
    repo: RepoOption,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace name, when names repeat.",
            autocompletion=complete_workspaces,
        ),
    ] = None,
    max_count: Annotated[int, typer.Option("--max-count", "-n", help="At most this many.")] = 50,
    json_output: JsonOption = False,
) -> None:
    """One app's history: each commit that changed it, with what changed semantically."""
    from tasks.backup.history import AmbiguousAppError, AppLookupError, app_history  # noqa: PLC0415

    out = Output(json_mode=json_output)
    try:
        found, entries = app_history(str(repo), app_ref, workspace=workspace, max_count=max_count)
    except AmbiguousAppError as exc:
        # A usage mistake, as an ambiguous name is in `apps`; the hint is a command to paste.
        names = sorted({a.workspace_name for a in exc.matches})
        hint = "Give the app id (the name repeats within a workspace)."
        if len(names) == len(exc.matches):
            example = shlex.join(
                ["difyops", "backup", "log", app_ref, "--workspace", names[0], "--repo", str(repo)]
            )
            others = ", ".join(repr(n) for n in names[1:])
            hint = f"Name the workspace: `{example}` (or {others}), or give the app id."
        raise UsageError(exc.message, hint=hint) from None
    except AppLookupError as exc:
        # An app that is not there is a usage error, as in every command naming an app.
        raise UsageError(exc.message, hint=exc.hint) from None
    if json_output:
        out.json({"app": found, "history": entries})
        return
    out.line(f"{found.name} ({found.mode}, {found.app_id}) — {found.path}")
    out.table(
        ["COMMIT", "DATE", "CHANGE"],
        [[e.sha[:12], e.date, e.summary] for e in entries],
        empty="no history",
    )
